import { describe, expect, it } from "vitest";
import { exitCodes } from "../../promotion/controller";
import { decisionRecord } from "../../promotion/report";
import { faultAtStage, scenario, shape } from "./helpers";

describe("promotion happy path", () => {
  it("walks every stage of 10 -> 50 -> 100 and makes the candidate stable at 0%", async () => {
    const s = scenario();
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("promoted");
    expect(result.exitCode).toBe(exitCodes.ok);
    expect(s.production.upPercentages()).toEqual([10, 50, 100, 0]);
    expect(shape(s.production.deployed)).toBe("2.0.0/-@0");
    expect(shape(s.production.config)).toBe("2.0.0/-@0");
    const previews = s.production.ops.filter((o) => o.op === "preview");
    expect(previews).toHaveLength(1);
    expect(shape(previews[0]!.release!)).toBe("1.0.0/2.0.0@10");
    // A staged production build of the candidate commit in production's own project, never staging's build.
    const canary = s.frontend.idOf(s.candidate.frontendRef)!;
    expect(canary).not.toBe("dpl_stagingcand1");
    expect(s.frontend.calls).toEqual([
      `create ${s.candidate.frontendRef}`,
      `start ${canary}`,
      "approve 1",
      "approve 2",
    ]);
    expect(result.state?.frontendDeployments).toEqual({ candidate: canary, stable: "dpl_prodstable1" });
    // 5 min bake + 180 s ingestion delay at 60 s: samples at 0, 60, ..., 480 s.
    expect(result.state?.stages.map((st) => [st.result, st.healthy, st.samples])).toEqual([
      ["passed", 9, 9],
      ["passed", 9, 9],
      ["passed", 9, 9],
    ]);
    expect(result.state?.phase).toBe("done");
  });

  it("runs the 25 -> 50 -> 100 plan with its own bake times", async () => {
    const s = scenario({
      rollout: {
        stages: [
          { percentage: 25, bakeMinutes: 5 },
          { percentage: 50, bakeMinutes: 10 },
          { percentage: 100, bakeMinutes: 0 },
        ],
        intervalSeconds: 30,
      },
    });
    const started = s.clock.now();
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("promoted");
    expect(s.production.upPercentages()).toEqual([25, 50, 100, 0]);
    // (bake + 180 s ingestion delay) / 30 s + 1 sample at the start; a bake of 0 finalizes at once.
    expect(result.state?.stages.map((st) => st.samples)).toEqual([17, 27, 0]);
    expect(s.clock.now() - started).toBe((16 + 26) * 30_000);
  });

  it("writes a decision record naming each stage, the samples and the outcome", async () => {
    const s = scenario();
    const result = await s.controller.promote({ from: "staging", to: "production" });
    const md = decisionRecord(result, { from: "staging", to: "production" });

    expect(md).toContain("## Promotion of 2.0.0 to production: promoted");
    expect(md).toContain("| Replaces | 1.0.0 |");
    expect(md).toContain("| 1 | 10% | 5 min |");
    expect(md).toContain("| 3 | 100% | 5 min |");
    expect(md.match(/\| ok \| 400 \| 0\.40% \| 220 \| 200 \| healthy \|/g)).toHaveLength(27);
    expect(md).toContain("### Rollback plan");
  });
});

describe("rollback on a failed gate", () => {
  for (const plan of [
    { name: "10/50/100", stages: [10, 50, 100] },
    { name: "25/50/100", stages: [25, 50, 100] },
  ]) {
    for (const [index, pct] of plan.stages.entries()) {
      it(`${plan.name}: an error-rate breach at stage ${index + 1} (${pct}%) rolls back within the budget`, async () => {
        const s = scenario({
          rollout: { stages: plan.stages.map((percentage) => ({ percentage, bakeMinutes: 5 })) },
        });
        const badAt = faultAtStage(s, "error-rate", pct, 90_500);
        const result = await s.controller.promote({ from: "staging", to: "production" });

        expect(result.outcome).toBe("rolled-back");
        expect(result.exitCode).toBe(exitCodes.rolledBack);
        expect(result.reason).toBe("error rate 12.00% > 5% (1 consecutive, limit 1)");
        expect(s.production.upPercentages()).toEqual([...plan.stages.slice(0, index + 1), 0]);
        expect(shape(s.production.deployed)).toBe("1.0.0/-@0");
        const rollbackUp = s.production.ops.filter((o) => o.op === "up").at(-1)!;
        expect(rollbackUp.at - badAt()).toBeLessThanOrEqual(10 * 60_000);
        // Telemetry of the breach reaches the query 180 s later (270.5 s): the sample at 300 s sees it.
        expect(rollbackUp.at - badAt()).toBe(300_000 - 90_500);
        expect(s.frontend.calls.at(-1)).toBe("rollback dpl_prodstable1");
        expect(result.state?.stages[index]?.result).toBe("failed");
      });
    }
  }

  it("three consecutive failed health checks roll back, two do not", async () => {
    const s = scenario();
    faultAtStage(s, "health", 10);
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe("3 consecutive failed health checks (limit 3)");
    expect(result.state?.samples.map((x) => x.verdict)).toEqual(["unhealthy", "unhealthy", "unhealthy"]);
    expect(s.production.upPercentages()).toEqual([10, 0]);
  });

  it("a p95 above the ratio to the stable baseline rolls back", async () => {
    const s = scenario({
      rollout: { gates: { maxP95LatencyMs: null, maxP99LatencyMs: null, maxP95LatencyRatio: 2 } },
    });
    faultAtStage(s, "latency", 10);
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe("p95 1800 ms is 9.00x the stable 200 ms > 2x (1 consecutive, limit 1)");
  });

  it("a failed stage up rolls back instead of baking", async () => {
    const s = scenario();
    s.production.upOutcome = (release) => release.canaryPercentage !== 50;
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.reason).toBe("stage 2 (50%) up failed: error: the Function App update failed");
    expect(shape(s.production.deployed)).toBe("1.0.0/-@0");
  });

  it("a rollback up that keeps failing ends with exit 5 and a rerun finishes the rollback", async () => {
    const s = scenario();
    faultAtStage(s, "health", 10);
    s.production.upOutcome = (release) => release.canaryPercentage !== 0;
    const first = await s.controller.promote({ from: "staging", to: "production" });

    expect(first.outcome).toBe("rollback-failed");
    expect(first.exitCode).toBe(exitCodes.rollbackFailed);
    expect(s.production.upPercentages()).toEqual([10, 0, 0, 0]);

    s.production.upOutcome = () => true;
    const second = await s.controller.rollback("production", "manual");
    expect(second.outcome).toBe("rolled-back");
    expect(shape(s.production.deployed)).toBe("1.0.0/-@0");
  });
});

describe("gates from the users' plans", () => {
  const withErrorRate = (s: ReturnType<typeof scenario>, errorRatePercent: number) => {
    const query = s.gates.query.bind(s.gates);
    s.gates.query = async (q) => {
      const r = await query(q);
      return r.status === "ok" ? { ...r, canary: { ...r.canary!, errorRatePercent } } : r;
    };
  };

  it("production's 1% error-rate gate rolls back a 1.5% canary that staging's 5% would pass", async () => {
    const production = scenario({ rollout: { gates: { maxErrorRatePercent: 1 } } });
    withErrorRate(production, 1.5);
    const result = await production.controller.promote({ from: "staging", to: "production" });
    expect(result.outcome).toBe("rolled-back");
    expect(result.reason).toBe("error rate 1.50% > 1% (1 consecutive, limit 1)");

    const lenient = scenario();
    withErrorRate(lenient, 1.5);
    expect((await lenient.controller.promote({ from: "staging", to: "production" })).outcome).toBe(
      "promoted",
    );
  });

  it("a canary p99 above 500 ms rolls back", async () => {
    const s = scenario();
    faultAtStage(s, "p99", 50);
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.reason).toBe("p99 900 ms > 500 ms (1 consecutive, limit 1)");
    expect(s.production.upPercentages()).toEqual([10, 50, 0]);
  });

  it("the optional memory gate rolls back a canary above 1 GB, and is off unless set", async () => {
    const s = scenario({ rollout: { gates: { maxMemoryMb: 1024 } } });
    faultAtStage(s, "memory", 10);
    const result = await s.controller.promote({ from: "staging", to: "production" });
    expect(result.reason).toBe("memory 1536 MB > 1024 MB (1 consecutive, limit 1)");
    const ofProduction = (q: { canaryRole: string }) => q.canaryRole === "app-production-canary";
    expect(s.gates.queries.filter(ofProduction).every((q) => q.memory === true)).toBe(true);

    const off = scenario();
    faultAtStage(off, "memory", 10);
    expect((await off.controller.promote({ from: "staging", to: "production" })).outcome).toBe("promoted");
    expect(off.gates.queries.filter((q) => q.memory === true)).toEqual([]);
  });

  it("with the memory gate on, a canary that reports no memory is no data and fails safe", async () => {
    const s = scenario({ rollout: { gates: { maxMemoryMb: 1024 } } });
    const query = s.gates.query.bind(s.gates);
    s.gates.query = async (q) => {
      const r = await query(q);
      if (r.status !== "ok") return r;
      const canary = { ...r.canary! };
      delete canary.memoryMb;
      return { ...r, canary };
    };
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.reason).toBe("4 consecutive samples without a healthy result (limit 4): failing safe");
    expect(result.state?.samples[0]?.noData).toBe(
      "the canary reported no memory (Private Bytes) in the window",
    );
  });
});

describe("no data is not success", () => {
  it("metrics unavailable from the start fail safe after the inconclusive limit", async () => {
    const s = scenario();
    faultAtStage(s, "no-data", 10);
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.reason).toBe("4 consecutive samples without a healthy result (limit 4): failing safe");
    expect(result.state?.samples.map((x) => x.verdict)).toEqual([
      "inconclusive",
      "inconclusive",
      "inconclusive",
      "inconclusive",
    ]);
    expect(result.state?.stages[0]?.healthy).toBe(0);
  });

  it("a short gap in metrics pauses the bake and the stage passes later", async () => {
    const s = scenario();
    const stageStart = s.clock.now();
    let calls = 0;
    const query = s.gates.query.bind(s.gates);
    s.gates.query = async (q) => {
      calls += 1;
      return calls === 2 || calls === 3 ? { status: "unavailable", reason: "HTTP 429" } : query(q);
    };
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("promoted");
    expect(result.state?.stages[0]).toMatchObject({ healthy: 9, samples: 11 });
    expect(Date.parse(result.state!.stages[0]!.endedAt!) - stageStart).toBe(10 * 60_000);
  });

  it("NaN or negative canary stats from a metrics source are inconclusive, never healthy, and fail safe", async () => {
    for (const canary of [
      { requests: 400, errorRatePercent: Number.NaN, p95Ms: 220, p99Ms: 300 },
      { requests: 400, errorRatePercent: 0.4, p95Ms: -1, p99Ms: 300 },
    ]) {
      const s = scenario();
      s.gates.query = async () => ({
        status: "ok",
        canary,
        stable: { requests: 3600, errorRatePercent: 0.3, p95Ms: 200, p99Ms: 280 },
      });
      const result = await s.controller.promote({ from: "staging", to: "production" });

      expect(result.outcome).toBe("rolled-back");
      expect(result.reason).toBe("4 consecutive samples without a healthy result (limit 4): failing safe");
      expect(result.state?.stages[0]?.healthy).toBe(0);
      expect(result.state?.samples.map((x) => x.verdict)).toEqual(Array(4).fill("inconclusive"));
      expect(result.state?.samples[0]?.noData).toBe(
        Number.isNaN(canary.errorRatePercent)
          ? "canary errorRatePercent is NaN: not a non-negative number"
          : "canary p95Ms is -1: not a non-negative number",
      );
    }
  });

  it("too few canary requests count as no data, naming the numbers", async () => {
    const s = scenario({ rollout: { gates: { minRequests: 1000, inconclusiveLimit: 2 } } });
    const result = await s.controller.promote({ from: "staging", to: "production" });

    expect(result.state?.samples[0]?.noData).toBe(
      "canary had 400 requests in the window, fewer than minRequests 1000",
    );
    expect(result.reason).toBe("2 consecutive samples without a healthy result (limit 2): failing safe");
  });
});
