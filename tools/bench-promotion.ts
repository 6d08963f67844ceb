/**
 * Benchmark: simulated time from a gate turning bad to the rollback's `up` being issued, per rollout plan and
 * fault, at the worst moment (1 ms after a sample, every sample taking the whole timeout), with metric faults
 * reaching the query only after the plan's telemetry ingestion delay. Runs the real controller against the
 * in-memory fakes; no network, no Pulumi. `npm run bench:promotion`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectionSeconds, rolloutSchema, type RolloutInput } from "../config/rollout";
import { buildScenario, stagingRolloutInput, type Fault } from "../offline/promotion-sim/sim";

const plans: { name: string; plan: RolloutInput }[] = [
  { name: "production 10/50/100, 60 s", plan: {} },
  {
    name: "production 25/50/100, 60 s",
    plan: { stages: [25, 50, 100].map((percentage) => ({ percentage, bakeMinutes: 5 })) },
  },
  { name: "staging (committed plan), 30 s", plan: stagingRolloutInput },
  {
    name: "fast 10/50/100, 15 s",
    plan: { intervalSeconds: 15, sampleTimeoutSeconds: 5, gates: { inconclusiveLimit: 3 } },
  },
];
const faults: Fault[] = ["health", "error-rate", "latency", "p99", "no-data"];

async function measure(
  input: RolloutInput,
  fault: Fault,
  stageIndex: number,
): Promise<{ ms: number; reason: string }> {
  const dir = mkdtempSync(join(tmpdir(), "bench-promotion-"));
  try {
    const plan = rolloutSchema.parse(input);
    const s = buildScenario({ stateDir: dir, rollout: plan, frontend: true });
    s.gates.sampleMs = plan.sampleTimeoutSeconds * 1000;
    const stage = plan.stages[stageIndex]!;
    s.production.onUp = (release) => {
      if (release.canaryPercentage === stage.percentage && s.gates.fault === undefined) {
        s.gates.fault = fault;
        s.gates.faultAt = s.clock.now() + plan.intervalSeconds * 1000 + 1;
      }
    };
    const result = await s.controller.promote({ from: "staging", to: "production" });
    const up = s.production.ops.filter((o) => o.op === "up").at(-1)!;
    if (result.outcome !== "rolled-back")
      throw new Error(`expected a rollback, got ${result.outcome}: ${result.reason}`);
    return { ms: up.at - s.gates.faultAt, reason: result.reason };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const rows: string[] = [
    "| plan | fault | stage | gate bad -> rollback up (simulated) | ingestion delay | bound (interval x N + timeout + delay) | budget |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const { name, plan } of plans) {
    const parsed = rolloutSchema.parse(plan);
    for (const fault of faults) {
      for (const [i, stage] of parsed.stages.entries()) {
        const { ms } = await measure(plan, fault, i);
        rows.push(
          `| ${name} | ${fault} | ${i + 1} (${stage.percentage}%) | ${(ms / 1000).toFixed(3)} s | ${parsed.ingestionDelaySeconds} s | ${detectionSeconds(parsed)} s | ${parsed.rollbackBudgetMinutes * 60} s |`,
        );
      }
    }
  }
  process.stdout.write(`${rows.join("\n")}\n\nwall time ${(performance.now() - started).toFixed(0)} ms\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
