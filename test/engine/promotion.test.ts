/**
 * The promotion controller end to end on the real Pulumi engine (issue 10, "Run it for real"): the real
 * Automation API driver against both stacks deployed once with the stand-in providers and a file backend, the
 * real HTTP clients against local fakes of `/health`, the Log Analytics query API and Vercel's REST API, and a
 * compressed clock for the bake waits. A second `promote`, `status` and `rollback` run as the real CLI in their
 * own processes. Scenarios run in order against the same stacks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReleaseConfig } from "../../config/release";
import { shape, PromotionWorld } from "./promotion-world";
import type { RunResult as CliResult } from "./support";

const w = new PromotionWorld();

beforeAll(() => w.start("promotion"));
afterAll(() => w.stop());

describe("promotion on the real engine", () => {
  it("promotes staging's 1.4.2 through 10/50/100: each stage deployed in real state, then finalized", async () => {
    expect(shape(w.out.production!.release)).toBe("1.4.1/-@0");
    w.deployedAfterUp.length = 0;
    const started = Date.now();
    const skipped = w.clock.skippedMs;
    const result = await w.controller().promote({ from: "staging", to: "production" });
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stderr.write(
      `[measure] real-engine promotion: ${seconds} s wall, ${Math.round((w.clock.skippedMs - skipped) / 60_000)} min of waits compressed\n`,
    );

    expect(result.outcome).toBe("promoted");
    expect(result.exitCode).toBe(0);
    expect(w.deployedAfterUp.map((u) => [u.message, shape(u.release), u.reroutePercentage])).toEqual([
      ["promote 1.4.2: 10%", "1.4.1/1.4.2@10", 10],
      ["promote 1.4.2: 50%", "1.4.1/1.4.2@50", 50],
      ["promote 1.4.2: 100%", "1.4.1/1.4.2@100", 100],
      ["promote 1.4.2: stable", "1.4.2/-@0", 0],
    ]);
    const last = (await w.driver("production").history(1))[0]!;
    expect([last.kind, last.result, shape(last.release!)]).toEqual(["update", "succeeded", "1.4.2/-@0"]);
    expect(shape((await w.driver("production").readRelease())!)).toBe("1.4.2/-@0");
    const s = result.state!;
    expect(s.stages.map((st) => [st.percentage, st.result, st.healthy])).toEqual([
      [10, "passed", 9],
      [50, "passed", 9],
      [100, "passed", 9],
    ]);
    expect(s.samples).toHaveLength(27);
    // The preview over-reports (azure-native's preview of the site update leaves its principal and host unknown, so
    // the grants keyed on them show as replacements: the known defect on issue 8); it never creates or deletes.
    expect(s.preview).toMatch(/update \d+/);
    expect(s.preview).not.toMatch(/create|delete/);
    const created = [...w.vercel.deployments.values()].find((d) => d.id.startsWith("dpl_new"))!;
    expect(created).toMatchObject({
      projectId: w.out.production!.vercel!.projectId,
      sha: w.out.staging!.release.stable.frontendRef,
    });
    expect(w.vercel.projects.get(w.out.production!.vercel!.projectId!)?.rollingRelease).toEqual({
      state: "COMPLETE",
      canaryDeploymentId: created.id,
      activeStageIndex: 2,
    });
    expect(w.telemetry.queries.every((q) => q.status === 200)).toBe(true);
  });

  it("rolls back on an error rate above production's 1% gate: real stack at 0% on the stable release", async () => {
    await w.stagingRuns(
      "1.4.3",
      "4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566778899",
      "5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081",
    );
    w.healthy();
    w.telemetry.roles.set(`${w.out.production!.api.functionAppName}-canary`, {
      requests: 400,
      failed: 8,
      p95: 230,
      p99: 310,
    });
    w.deployedAfterUp.length = 0;
    const result = await w.controller().promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.exitCode).toBe(4);
    expect(result.reason).toBe("error rate 2.00% > 1% (1 consecutive, limit 1)");
    expect(w.deployedAfterUp.map((u) => [shape(u.release), u.reroutePercentage])).toEqual([
      ["1.4.2/1.4.3@10", 10],
      ["1.4.2/-@0", 0],
    ]);
    expect(shape((await w.driver("production").readRelease())!)).toBe("1.4.2/-@0");
    expect(w.vercel.log.at(-1)).toMatch(/^POST \/v1\/projects\/.+\/rollback\/dpl_new\d+ 201$/);
  });

  it("rolls back after three failed canary /health probes", async () => {
    w.healthy();
    w.telemetry.healthStatus.set(w.canaryHost, 503);
    w.deployedAfterUp.length = 0;
    const result = await w.controller().promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.reason).toBe("3 consecutive failed health checks (limit 3)");
    expect(w.deployedAfterUp.map((u) => [shape(u.release), u.reroutePercentage])).toEqual([
      ["1.4.2/1.4.3@10", 10],
      ["1.4.2/-@0", 0],
    ]);
    expect(result.state!.samples.map((x) => x.health.detail)).toEqual(["HTTP 503", "HTTP 503", "HTTP 503"]);
  });

  it("fails safe when the canary sends no telemetry: never promoted, rolled back", async () => {
    w.healthy();
    w.telemetry.roles.delete(`${w.out.production!.api.functionAppName}-canary`);
    w.deployedAfterUp.length = 0;
    const result = await w.controller().promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.reason).toBe("4 consecutive samples without a healthy result (limit 4): failing safe");
    expect(result.state!.samples.every((x) => x.verdict === "inconclusive")).toBe(true);
    expect(w.deployedAfterUp.map((u) => [shape(u.release), u.reroutePercentage])).toEqual([
      ["1.4.2/1.4.3@10", 10],
      ["1.4.2/-@0", 0],
    ]);
  });

  it("refuses a second run while one holds the lock; `status` shows the run, `rollback` ends it at 0%", async () => {
    w.healthy();
    w.deployedAfterUp.length = 0;
    const abort = new AbortController();
    let second: Promise<CliResult> | undefined;
    const first = w
      .controller(() => {
        second = w.cli(["--from", "staging", "--to", "production"]);
        w.clock.hold = second.then(() => abort.abort(new Error("SIGTERM")));
      })
      .promote({ from: "staging", to: "production", signal: abort.signal });
    const a = await first;
    w.clock.hold = undefined;
    const b = await second!;

    expect(b.code).toBe(3);
    // The heartbeat age is negative here: the first run's clock is compressed (ahead), the CLI's is the wall clock.
    expect(b.stderr).toMatch(
      /refused: a promotion of production is already running \(run production-\S+, pid \d+ on .+, last heartbeat -?\d+ s ago\); a second promotion is refused/,
    );
    expect(a.outcome).toBe("interrupted");
    expect(a.exitCode).toBe(130);
    expect(w.deployedAfterUp.map((u) => shape(u.release))).toEqual(["1.4.2/1.4.3@10"]);

    const status = await w.cli(["status", "--stack", "production", "--json"]);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as {
      state: { phase: string; stageIndex: number; candidate: { version: string } };
      lock?: unknown;
      deployed: ReleaseConfig;
    };
    expect([report.state.phase, report.state.stageIndex, report.state.candidate.version]).toEqual([
      "stage",
      0,
      "1.4.3",
    ]);
    expect(report.lock).toBeUndefined();
    expect(shape(report.deployed)).toBe("1.4.2/1.4.3@10");

    const rollback = await w.cli(["rollback", "--stack", "production", "--reason", "engine suite"]);
    expect(rollback.code).toBe(4);
    expect(shape((await w.driver("production").outputs()).release)).toBe("1.4.2/-@0");
    expect(await w.stateReroute()).toBe(0);
    const after = await w.cli(["status", "--stack", "production"]);
    expect(after.stdout).toContain("deployed: 1.4.2 stable, 0% to no candidate");
    expect(after.stdout).toMatch(/phase done .*rolled-back: engine suite/);
  });
});
