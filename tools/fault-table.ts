/**
 * Fault table: runs the real controller against the in-memory fakes with a crash injected at every step of a
 * run (each gate fault at each stage, and none), then a second process's rerun, and counts the runs that ended
 * safe: production's last update succeeded, its config equals what it deploys, at 0% with no candidate, on the
 * stable or the candidate release as the outcome says, the run closed in state, the lock free and Vercel not
 * left mid-rollout; a run with a gate fault must end rolled back. No network, no Pulumi. `npm run bench:faults`.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PromotionController } from "../promotion/controller";
import {
  buildScenario,
  Crasher,
  type Fault,
  type MemoryStateStore,
  type Scenario,
} from "../offline/promotion-sim/sim";

const faults: (Fault | undefined)[] = [undefined, "health", "error-rate", "latency", "p99", "no-data"];
const stages = [10, 50, 100];

function safe(s: Scenario, outcome: string | undefined, fault: Fault | undefined): boolean {
  const p = s.production;
  const expected = outcome === "promoted" ? s.candidate.version : s.stable.version;
  // A run with a gate fault must end rolled back: a promoted one let the fault through.
  return (
    (fault === undefined ? outcome === "promoted" || outcome === "rolled-back" : outcome === "rolled-back") &&
    p.updates[0]?.result === "succeeded" &&
    JSON.stringify(p.config) === JSON.stringify(p.deployed) &&
    p.deployed.canaryPercentage === 0 &&
    p.deployed.candidate === undefined &&
    p.deployed.stable.version === expected &&
    (s.store as MemoryStateStore).state?.phase === "done" &&
    !existsSync(join(s.deps.stateDir, "production.lock")) &&
    s.frontend.status_.state !== "ACTIVE"
  );
}

async function run(fault: Fault | undefined, percentage: number, crashAt: number) {
  const stateDir = mkdtempSync(join(tmpdir(), "fault-table-"));
  try {
    const crasher = new Crasher(crashAt);
    const s = buildScenario({ stateDir, crasher, lock: { pid: 4_194_000 } });
    s.production.onUp = (r) => {
      if (fault !== undefined && r.canaryPercentage === percentage && s.gates.fault === undefined) {
        s.gates.fault = fault;
        s.gates.faultAt = s.clock.now() + 30_000;
      }
    };
    const first = s.controller.promote({ from: "staging", to: "production" });
    const end = await Promise.race([first.then((r) => r.outcome), crasher.crashed.then(() => "crashed")]);
    let outcome = end;
    if (end === "crashed") {
      crasher.disarm();
      outcome = (
        await new PromotionController({ ...s.deps, lock: {} }).promote({ from: "staging", to: "production" })
      ).outcome;
    }
    return { steps: crasher.steps, safe: safe(s, outcome, fault), crashed: end === "crashed" };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows = [
    "| fault | stage | runs (crash points + 1 uncrashed) | ended safe | unsafe |",
    "|---|---|---|---|---|",
  ];
  let tried = 0;
  let ok = 0;
  for (const fault of faults) {
    for (const percentage of fault === undefined ? [0] : stages) {
      const total = (await run(fault, percentage, Number.POSITIVE_INFINITY)).steps;
      let rowSafe = 0;
      for (let k = 1; k <= total + 1; k++) if ((await run(fault, percentage, k)).safe) rowSafe += 1;
      tried += total + 1;
      ok += rowSafe;
      rows.push(
        `| ${fault ?? "none"} | ${fault === undefined ? "-" : `${percentage}%`} | ${total + 1} | ${rowSafe} | ${total + 1 - rowSafe} |`,
      );
    }
  }
  rows.push(`| **all** | | **${tried}** | **${ok}** | **${tried - ok}** |`);
  process.stdout.write(`${rows.join("\n")}\n`);
  if (ok !== tried) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
