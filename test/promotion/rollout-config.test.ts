import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { detectionSeconds, rolloutDefaults, rolloutSchema, type RolloutInput } from "../../config/rollout";
import { stagingRolloutInput } from "../../offline/promotion-sim/sim";
import { parseRollout } from "../../promotion/stack";
import { planInput } from "./helpers";

function issues(input: RolloutInput): string[] {
  const r = rolloutSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("rollout plan schema", () => {
  it("defaults to 10 -> 50 -> 100 with 5 min bakes, 60 s samples and a 10 min budget", () => {
    expect(rolloutDefaults.stages).toEqual([
      { percentage: 10, bakeMinutes: 5 },
      { percentage: 50, bakeMinutes: 5 },
      { percentage: 100, bakeMinutes: 5 },
    ]);
    expect(rolloutDefaults.gates).toEqual({
      maxErrorRatePercent: 5,
      maxP95LatencyMs: 500,
      maxP99LatencyMs: 500,
      maxMemoryMb: null,
      maxP95LatencyRatio: 2,
      healthFailures: 3,
      metricFailures: 1,
      inconclusiveLimit: 4,
      minRequests: 20,
      windowMinutes: 5,
    });
    expect(rolloutDefaults.maintenanceWindow).toEqual({
      enforce: false,
      day: "sunday",
      start: "02:00",
      end: "04:00",
    });
    expect(rolloutDefaults.ingestionDelaySeconds).toBe(180);
    expect(detectionSeconds(rolloutDefaults)).toBe(60 * 4 + 10 + 180);
  });

  it("the ingestion delay is part of the budget check: the defaults fit production's 10 min, not staging's 5", () => {
    expect(issues({ rollbackBudgetMinutes: 10 })).toEqual([]);
    expect(issues({ rollbackBudgetMinutes: 5 })).toEqual([
      "intervalSeconds: gives a worst-case detection time of 60 s x 4 samples + 10 s sample timeout + 180 s ingestion delay = 430 s, over the rollback budget of 5 min (300 s); shorten intervalSeconds, lower the failure thresholds or raise rollbackBudgetMinutes",
    ]);
    expect(issues(stagingRolloutInput)).toEqual([]);
    expect(detectionSeconds(rolloutSchema.parse(stagingRolloutInput))).toBe(280);
  });

  it("the committed stack plans are the ones the tests and the benchmark use, and fit their budgets", () => {
    const plan = (stack: string) =>
      (
        parse(readFileSync(join(__dirname, `../../Pulumi.${stack}.yaml`), "utf8")) as {
          config: Record<string, unknown>;
        }
      ).config["webapp-platform:rollout"] as RolloutInput;
    expect(plan("staging")).toEqual(stagingRolloutInput);
    const production = rolloutSchema.parse(plan("production"));
    expect(production.gates.maxErrorRatePercent).toBe(1);
    expect(rolloutSchema.parse(plan("staging")).gates.maxErrorRatePercent).toBe(5);
    expect(production.gates.maxP99LatencyMs).toBe(500);
    expect(detectionSeconds(production)).toBe(430);
    expect(production.rollbackBudgetMinutes * 60).toBe(600);
  });

  it("rejects stages that do not increase, naming both percentages", () => {
    expect(
      issues({
        stages: [
          { percentage: 50, bakeMinutes: 5 },
          { percentage: 25, bakeMinutes: 5 },
          { percentage: 100, bakeMinutes: 5 },
        ],
      }),
    ).toEqual(["stages.1.percentage: is 25 after 50; stage percentages must strictly increase"]);
  });

  it("rejects a plan that does not end at 100", () => {
    expect(
      issues({
        stages: [
          { percentage: 10, bakeMinutes: 5 },
          { percentage: 50, bakeMinutes: 5 },
        ],
      }),
    ).toEqual(["stages.1.percentage: is 50; the last stage must be 100"]);
  });

  it("rejects a worst-case detection time over the budget, with the arithmetic", () => {
    expect(issues({ intervalSeconds: 120, rollbackBudgetMinutes: 5 })).toEqual([
      "intervalSeconds: gives a worst-case detection time of 120 s x 4 samples + 10 s sample timeout + 180 s ingestion delay = 670 s, over the rollback budget of 5 min (300 s); shorten intervalSeconds, lower the failure thresholds or raise rollbackBudgetMinutes",
    ]);
  });

  it("rejects a zero bake before the last stage and a timeout not below the interval", () => {
    expect(
      issues({
        stages: [
          { percentage: 25, bakeMinutes: 0 },
          { percentage: 100, bakeMinutes: 0 },
        ],
        intervalSeconds: 10,
        sampleTimeoutSeconds: 10,
      }),
    ).toEqual([
      "stages.0.bakeMinutes: is 0; every stage before the last needs at least 1 minute of bake",
      "sampleTimeoutSeconds: is 10 s; it must be below intervalSeconds (10 s)",
    ]);
  });

  it("rejects unknown keys and out-of-range values with what is allowed", () => {
    expect(issues({ gates: { maxErrorRatePercent: 120 }, intervalSeconds: 5 } as RolloutInput)).toEqual([
      "gates.maxErrorRatePercent: must be between 0 and 100",
      "intervalSeconds: must be between 10 and 3600",
      "sampleTimeoutSeconds: is 10 s; it must be below intervalSeconds (5 s)",
    ]);
    expect(issues({ canary: true } as RolloutInput)).toEqual([': Unrecognized key: "canary"']);
  });

  it("rejects disabling both latency gates", () => {
    expect(issues({ gates: { maxP95LatencyMs: null, maxP95LatencyRatio: null } })).toEqual([
      "gates.maxP95LatencyMs: and maxP95LatencyRatio are both null; keep at least one latency gate",
    ]);
  });

  it("a stack's invalid plan is reported with the stack and key", () => {
    expect(() => parseRollout("production", JSON.stringify({ stages: [] }))).toThrow(
      "stack production: webapp-platform:rollout is invalid:\n  rollout.stages: must list at least one stage",
    );
  });
});

describe("detection-time validation (property)", () => {
  it("a plan is accepted exactly when interval x max(thresholds) + timeout + ingestion delay fits the budget", () => {
    fc.assert(
      fc.property(planInput, (input) => {
        const r = rolloutSchema.safeParse(input);
        const g = input.gates!;
        const detection =
          input.intervalSeconds! * Math.max(g.healthFailures!, g.metricFailures!, g.inconclusiveLimit!) +
          input.sampleTimeoutSeconds! +
          180;
        const fits =
          detection <= input.rollbackBudgetMinutes! * 60 &&
          input.sampleTimeoutSeconds! < input.intervalSeconds!;
        expect(r.success).toBe(fits);
        if (r.success) expect(detectionSeconds(r.data)).toBe(detection);
      }),
      { numRuns: 500 },
    );
  });
});
