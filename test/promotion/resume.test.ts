import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exitCodes } from "../../promotion/controller";
import { PromotionController } from "../../promotion/controller";
import { FileLock } from "../../promotion/lock";
import { Crasher, type Fault, type MemoryStateStore } from "../../offline/promotion-sim/sim";
import { deadPid, faultAtStage, scenario, shape } from "./helpers";

/** Runs a promotion that crashes at step `crashAt`, then a second process's rerun; returns both views. */
async function crashThenRerun(crashAt: number, fault?: { kind: Fault; percentage: number }) {
  const crasher = new Crasher(crashAt);
  const s = scenario({ crasher, lock: { pid: deadPid } });
  if (fault !== undefined) faultAtStage(s, fault.kind, fault.percentage, 30_000);
  const first = s.controller.promote({ from: "staging", to: "production" });
  const outcome = await Promise.race([
    first.then((r) => `finished ${r.outcome}`),
    s.crasher.crashed.then((l) => `crashed at ${l}`),
  ]);
  // A second process: same stacks and state, its own pid; the crashed one's pid is dead.
  crasher.disarm();
  const rerun = new PromotionController({ ...s.deps, lock: {} });
  const second = outcome.startsWith("crashed")
    ? await rerun.promote({ from: "staging", to: "production" })
    : undefined;
  return { s, outcome, second };
}

/** How many crash points a run has: the steps of an uninterrupted run. */
async function stepsOf(fault?: { kind: Fault; percentage: number }): Promise<number> {
  const s = scenario({ crasher: new Crasher() });
  if (fault !== undefined) faultAtStage(s, fault.kind, fault.percentage, 30_000);
  await s.controller.promote({ from: "staging", to: "production" });
  return s.crasher.steps;
}

function expectConsistent(s: ReturnType<typeof scenario>, outcome: string | undefined): void {
  expect(s.production.updates[0]?.result).toBe("succeeded");
  expect(shape(s.production.config)).toBe(shape(s.production.deployed));
  expect(s.production.deployed.canaryPercentage).toBe(0);
  expect(s.production.deployed.candidate).toBeUndefined();
  const expected = outcome === "promoted" ? "2.0.0/-@0" : "1.0.0/-@0";
  expect(shape(s.production.deployed)).toBe(expected);
  expect((s.store as MemoryStateStore).state?.phase).toBe("done");
  expect(existsSync(join(s.deps.stateDir, "production.lock"))).toBe(false);
}

describe("crash between any two steps, then a rerun", () => {
  it("ends consistent for every crash point of a successful promotion", async () => {
    const steps = await stepsOf();
    expect(steps).toBeGreaterThan(20);
    const seen = new Set<string>();
    for (let k = 1; k <= steps; k++) {
      const { s, outcome, second } = await crashThenRerun(k);
      expect(outcome).toMatch(/^crashed at /);
      seen.add(outcome);
      expect(second?.outcome, `crash at step ${k} (${outcome})`).toMatch(/^(promoted|rolled-back)$/);
      expectConsistent(s, second?.outcome);
    }
    expect(seen).toContain("crashed at production.up:running");
    expect(seen).toContain("crashed at vercel.approve");
  }, 180_000);

  it("ends rolled back for every crash point of a promotion whose gate fails at 50%", async () => {
    const fault = { kind: "health" as const, percentage: 50 };
    const steps = await stepsOf(fault);
    for (let k = 1; k <= steps; k++) {
      const { s, second } = await crashThenRerun(k, fault);
      expect(second?.outcome, `crash at step ${k}`).toBe("rolled-back");
      expectConsistent(s, second?.outcome);
    }
  }, 180_000);

  it("a rerun asked to roll back the unfinished run rolls it back", async () => {
    const crasher = new Crasher(12);
    const s = scenario({ crasher, lock: { pid: deadPid } });
    void s.controller.promote({ from: "staging", to: "production" });
    await crasher.crashed;
    crasher.disarm();
    const rerun = new PromotionController({ ...s.deps, lock: {} });
    const result = await rerun.promote({ from: "staging", to: "production", onUnfinished: "rollback" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.reason).toBe("rollback requested for the unfinished run");
    expectConsistent(s, "rolled-back");
  });

  it("a crash during the preflight preview leaves production's release config restored by the next run", async () => {
    const probe = scenario({ crasher: new Crasher() });
    await probe.controller.promote({ from: "staging", to: "production" });
    const crasher = new Crasher(probe.crasher.labels.indexOf("production.preview") + 1);
    const s = scenario({ crasher, lock: { pid: deadPid } });
    void s.controller.promote({ from: "staging", to: "production" });

    expect(await crasher.crashed).toBe("production.preview");
    expect(shape(s.production.config)).toBe("1.0.0/2.0.0@10");
    crasher.disarm();
    const rerun = new PromotionController({ ...s.deps, lock: {} });
    const result = await rerun.rollback("production", "manual");

    expect(shape(s.production.config)).toBe("1.0.0/-@0");
    expect(result.outcome).toBe("nothing-to-do");
    expect(s.production.ops.filter((o) => o.op === "up")).toHaveLength(0);
    expect(s.lines.filter((l) => l.includes("preflight preview")).map((l) => l.slice(9))).toEqual([
      `run ${(s.store as MemoryStateStore).state!.runId} stopped during its preflight preview: production's release config restored from the journal`,
    ]);
    expect((s.store as MemoryStateStore).state).toMatchObject({ phase: "done", outcome: "interrupted" });
  });

  it("with the state lost, a rerun rolls production back from an unknown percentage before promoting", async () => {
    const s = scenario();
    s.production.deployed = { stable: s.stable, candidate: s.candidate, canaryPercentage: 50 };
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(s.production.upPercentages()).toEqual([0, 10, 50, 100, 0]);
    expect(
      s.lines.some((l) =>
        l.includes("production has no run in state but it runs 50% of 2.0.0: rolling back to 1.0.0"),
      ),
    ).toBe(true);
    expect(result.outcome).toBe("promoted");
  });
});

describe("lock", () => {
  it("refuses a concurrent promotion of the same stack while the first is running", async () => {
    const s = scenario();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const up = s.production.up.bind(s.production);
    s.production.up = async (options) => {
      await gate;
      return up(options);
    };
    const first = s.controller.promote({ from: "staging", to: "production" });
    await new Promise((r) => setTimeout(r, 20));
    const second = await new PromotionController(s.deps).promote({ from: "staging", to: "production" });

    expect(second.outcome).toBe("refused");
    expect(second.exitCode).toBe(exitCodes.refused);
    expect(second.reason).toMatch(
      new RegExp(
        `^a promotion of production is already running \\(run production-[0-9T]+-[0-9a-f]{8}, pid ${process.pid} on .+, last heartbeat 0 s ago\\); a second promotion is refused$`,
      ),
    );
    release();
    expect((await first).outcome).toBe("promoted");
    expect(s.production.upPercentages()).toEqual([10, 50, 100, 0]);
  });

  it("takes over a lock whose holder's heartbeat is older than 15 minutes", async () => {
    const s = scenario();
    const old = new FileLock(s.deps.stateDir, "production", s.clock, { host: "other-runner" });
    await old.acquire("production-old");
    s.clock.advance(16 * 60_000);
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("promoted");
    expect(s.lines.some((l) => l.includes("took over the stale lock of run production-old"))).toBe(true);
  });
});
