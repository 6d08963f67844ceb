import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach } from "vitest";
import type { RolloutInput } from "../../config/rollout";
import { buildScenario, type Fault, type ScenarioOptions } from "../../offline/promotion-sim/sim";
import type { ReleaseConfig } from "../../config/release";

const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "promotion-test-"));
  dirs.push(d);
  return d;
}

/** Runs the promotion CLI (`promotion/cli.ts`) in a child process from the repository root. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, ["--import", "tsx", "promotion/cli.ts", ...args], {
    encoding: "utf8",
    cwd: join(__dirname, "../.."),
    env,
  });
}

/** A scenario in a fresh state directory. */
export function scenario(options: Partial<ScenarioOptions> = {}) {
  return buildScenario({ stateDir: tempDir(), ...options });
}

/** A pid no process has (a "crashed" process for the lock). */
export const deadPid = 4_194_000;

/** Summarizes a release as "stable/candidate@percent". */
export function shape(r: ReleaseConfig): string {
  return `${r.stable.version}/${r.candidate?.version ?? "-"}@${r.canaryPercentage}`;
}

/** Starts `fault` `delayMs` after the `up` of the stage at `percentage` is issued; returns when it started. */
export function faultAtStage(
  s: ReturnType<typeof scenario>,
  fault: Fault,
  percentage: number,
  delayMs = 0,
): () => number {
  s.production.onUp = (release) => {
    if (release.canaryPercentage === percentage && s.gates.fault === undefined) {
      s.gates.fault = fault;
      s.gates.faultAt = s.clock.now() + delayMs;
    }
  };
  return () => s.gates.faultAt;
}

/** Plans over the whole allowed space, valid or not. */
export const planInput = fc
  .record({
    percentages: fc
      .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 4 })
      .map((p) => [...p.sort((a, b) => a - b), 100]),
    bake: fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 5, maxLength: 5 }),
    intervalSeconds: fc.integer({ min: 10, max: 600 }),
    sampleTimeoutSeconds: fc.integer({ min: 1, max: 60 }),
    healthFailures: fc.integer({ min: 1, max: 8 }),
    metricFailures: fc.integer({ min: 1, max: 8 }),
    inconclusiveLimit: fc.integer({ min: 1, max: 8 }),
    rollbackBudgetMinutes: fc.integer({ min: 1, max: 30 }),
  })
  .map((p): RolloutInput => ({
    stages: p.percentages.map((percentage, i) => ({ percentage, bakeMinutes: p.bake[i]! })),
    intervalSeconds: p.intervalSeconds,
    sampleTimeoutSeconds: p.sampleTimeoutSeconds,
    rollbackBudgetMinutes: p.rollbackBudgetMinutes,
    gates: {
      healthFailures: p.healthFailures,
      metricFailures: p.metricFailures,
      inconclusiveLimit: p.inconclusiveLimit,
    },
  }));
