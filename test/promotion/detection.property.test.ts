import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectionSeconds, rolloutSchema } from "../../config/rollout";
import { requiredSamples } from "../../promotion/bake";
import type { Fault } from "../../offline/promotion-sim/sim";
import { planInput, scenario } from "./helpers";

const validPlan = planInput
  .filter((p) => rolloutSchema.safeParse(p).success)
  .map((p) => rolloutSchema.parse(p));

describe("detection time never exceeds the rollback budget (property)", () => {
  it("for any valid plan, fault, stage and moment in the bake, the rollback up is issued within the budget", async () => {
    await fc.assert(
      fc.asyncProperty(
        validPlan,
        fc.constantFrom<Fault>("health", "error-rate", "latency", "no-data"),
        fc.nat(),
        // Worst moments are just after a sample; the rest anywhere in the bake.
        fc.oneof(
          fc.record({ afterSample: fc.nat() }),
          fc.record({ anywhere: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }) }),
        ),
        fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
        async (plan, fault, stagePick, when, latency) => {
          // State is not under test here: a store that keeps nothing keeps long bakes fast.
          const s = scenario({
            rollout: plan,
            frontend: false,
            store: { load: async () => undefined, save: async () => undefined },
          });
          const stage = plan.stages[stagePick % plan.stages.length]!;
          // A fault starts while the stage bakes (its bake minutes; the samples after them only read the
          // telemetry of those minutes as it arrives).
          const bakeMs = stage.bakeMinutes * 60_000;
          const interval = plan.intervalSeconds * 1000;
          const offset =
            "afterSample" in when
              ? Math.min((when.afterSample % Math.ceil(bakeMs / interval)) * interval + 1, bakeMs - 1)
              : Math.floor(when.anywhere * bakeMs);
          expect(requiredSamples(stage.bakeMinutes, plan.intervalSeconds, plan.ingestionDelaySeconds)).toBe(
            Math.ceil((bakeMs + plan.ingestionDelaySeconds * 1000) / interval) + 1,
          );
          s.gates.sampleMs = Math.floor(latency * plan.sampleTimeoutSeconds * 1000);
          s.production.onUp = (r) => {
            if (r.canaryPercentage === stage.percentage && s.gates.fault === undefined) {
              s.gates.fault = fault;
              s.gates.faultAt = s.clock.now() + offset;
            }
          };
          const result = await s.controller.promote({ from: "staging", to: "production" });
          expect(result.outcome).toBe("rolled-back");
          expect(result.reason).toMatch(/consecutive/);
          expect(Number.isFinite(s.gates.faultAt)).toBe(true);
          const rollbackUp = s.production.ops.filter((o) => o.op === "up").at(-1)!;
          expect(rollbackUp.release?.canaryPercentage).toBe(0);
          const detected = rollbackUp.at - s.gates.faultAt;
          expect(detected).toBeLessThanOrEqual(detectionSeconds(plan) * 1000);
          expect(detected).toBeLessThanOrEqual(plan.rollbackBudgetMinutes * 60_000);
        },
      ),
      // 50 runs: with the ingestion delay each stage takes ~2x the samples it used to.
      { numRuns: 50 },
    );
  }, 180_000);
});

describe("the detection bound is tight", () => {
  it("a health fault 1 ms after a sample, with samples taking the whole timeout, is detected at interval x N + timeout - 1 ms", async () => {
    const plan = rolloutSchema.parse({
      intervalSeconds: 60,
      sampleTimeoutSeconds: 10,
      ingestionDelaySeconds: 0,
      gates: { healthFailures: 4, inconclusiveLimit: 4 },
    });
    const s = scenario({ rollout: plan, frontend: false });
    s.gates.sampleMs = 10_000;
    s.production.onUp = (r) => {
      if (r.canaryPercentage === 10 && s.gates.fault === undefined) {
        s.gates.fault = "health";
        s.gates.faultAt = s.clock.now() + 60_001;
      }
    };
    const result = await s.controller.promote({ from: "staging", to: "production" });
    const rollbackUp = s.production.ops.filter((o) => o.op === "up").at(-1)!;

    expect(result.reason).toBe("4 consecutive failed health checks (limit 4)");
    expect(rollbackUp.at - s.gates.faultAt).toBe(detectionSeconds(plan) * 1000 - 1);
    expect(detectionSeconds(plan)).toBe(250);
  });

  it("an error-rate fault that reaches the query (180 s later) 1 ms after a sample is caught by the next sample", async () => {
    const plan = rolloutSchema.parse({});
    const s = scenario({ rollout: plan, frontend: false });
    s.gates.sampleMs = 10_000;
    s.production.onUp = (r) => {
      if (r.canaryPercentage === 10 && s.gates.fault === undefined) {
        s.gates.fault = "error-rate";
        // Samples query at 10 s, 70 s, 130 s, ... after the stage starts (each takes the 10 s timeout).
        s.gates.faultAt = s.clock.now() + 70_001;
      }
    };
    const result = await s.controller.promote({ from: "staging", to: "production" });
    const rollbackUp = s.production.ops.filter((o) => o.op === "up").at(-1)!;

    expect(result.reason).toBe("error rate 12.00% > 5% (1 consecutive, limit 1)");
    expect(rollbackUp.at - s.gates.faultAt).toBe((180 + 60) * 1000 - 1);
    expect(detectionSeconds(plan)).toBe(60 * 4 + 10 + 180);
  });
});
