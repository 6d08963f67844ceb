/**
 * Operator commands on the real engine (issue 12): `abort` and `promote --full` typed in a second process (the
 * real CLI) while a promotion runs in this one, then `undo` of the completed promotion, each changing the real
 * production stack; the Vercel fake's production alias follows. Scenarios run in order against the same stacks.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PromotionState } from "../../promotion/state";
import { shape, PromotionWorld } from "./promotion-world";
import type { RunResult as CliResult } from "./support";

const w = new PromotionWorld();
const started = Date.now();

beforeAll(() => w.start("promotion-ops"));
afterAll(async () => {
  await w.stop();
  process.stderr.write(
    `[measure] promotion-ops real-engine file: ${Math.round((Date.now() - started) / 1000)} s wall\n`,
  );
});

/** Runs the real CLI in its own process and shows what it printed (docs/promotion.md quotes these sessions). */
async function cli(args: string[]): Promise<CliResult> {
  const r = await w.cli(args);
  process.stderr.write(`[operator] $ promote ${args.join(" ")}\n${r.stderr}[operator] exit ${r.code}\n`);
  return r;
}

function state(): PromotionState {
  return JSON.parse(readFileSync(path.join(w.stateDir, "production.state.json"), "utf8")) as PromotionState;
}

/** Promotes staging into production here; at the first gate sample a second process runs the CLI with `args`. */
async function promoteWhileOperator(args: string[]) {
  let op: Promise<CliResult> | undefined;
  const t0 = Date.now();
  const run = await w
    .controller(() => {
      op = cli(args);
      // The run's next wait holds until the operator's command has returned: its request is then pending.
      w.clock.hold = op.then(() => undefined);
    })
    .promote({ from: "staging", to: "production" });
  w.clock.hold = undefined;
  const operator = await op!;
  process.stderr.write(
    `[measure] promotion with ${args[0]}: ${Math.round((Date.now() - t0) / 1000)} s wall\n`,
  );
  return { run, operator };
}

describe("operator commands on the real engine", () => {
  it("abort --reason from a second process rolls the running promotion back at its next gate sample", async () => {
    expect(shape(w.out.production!.release)).toBe("1.4.1/-@0");
    w.deployedAfterUp.length = 0;
    const { run, operator } = await promoteWhileOperator([
      "abort",
      "--stack",
      "production",
      "--reason",
      "p99 regression in the canary",
    ]);

    expect(operator.code).toBe(0);
    expect(operator.stderr).toMatch(
      /requested: abort of run production-\S+ requested; the running controller \(pid \d+ on .+\) applies it at its next gate sample \(every 60 s\)/,
    );
    expect(run.outcome).toBe("rolled-back");
    expect(run.exitCode).toBe(4);
    expect(run.reason).toMatch(/^aborted by .+: p99 regression in the canary$/);
    expect(run.state!.stages[0]!.samples).toBe(2);
    expect(w.deployedAfterUp.map((u) => [shape(u.release), u.reroutePercentage])).toEqual([
      ["1.4.1/1.4.2@10", 10],
      ["1.4.1/-@0", 0],
    ]);
    expect(w.vercel.projects.get(w.productionProject)!.production).toBe("dpl_prod141");
    expect(run.state!.controls!.map((c) => [c.action, c.via])).toEqual([["abort", "running controller"]]);
  });

  it("undo is refused with exit 3 when the last run was rolled back: nothing was promoted", async () => {
    const r = await cli(["undo", "--stack", "production", "--reason", "engine suite"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /refused: the last run production-\S+ \(1\.4\.2\) ended rolled-back, not promoted: it left production on 1\.4\.1; there is no completed promotion to undo/,
    );
  });

  it("promote --full --reason from a second process skips stages 2-3 and finalizes; Vercel completed", async () => {
    w.healthy();
    w.deployedAfterUp.length = 0;
    const { run, operator } = await promoteWhileOperator([
      "--from",
      "staging",
      "--to",
      "production",
      "--full",
      "--reason",
      "hotfix verified by hand",
    ]);

    expect(operator.code).toBe(0);
    expect(run.outcome).toBe("promoted");
    expect(w.deployedAfterUp.map((u) => [u.message, shape(u.release), u.reroutePercentage])).toEqual([
      ["promote 1.4.2: 10%", "1.4.1/1.4.2@10", 10],
      ["promote 1.4.2: stable", "1.4.2/-@0", 0],
    ]);
    expect(run.state!.stages.map((s) => s.result)).toEqual(["skipped", "skipped", "skipped"]);
    const canary = run.state!.frontendDeployments!.candidate;
    expect(w.vercel.projects.get(w.productionProject)!).toMatchObject({
      production: canary,
      rollingRelease: { state: "COMPLETE", canaryDeploymentId: canary, activeStageIndex: 2 },
    });
    expect(w.vercel.log).toContain(`POST /v1/projects/${w.productionProject}/rolling-release/complete 200`);
  });

  it("undo returns production's API to 1.4.1 with zero replacements and Vercel's alias to the previous deployment", async () => {
    const t0 = Date.now();
    const r = await cli([
      "undo",
      "--stack",
      "production",
      "--reason",
      "checkout bug found after the promotion",
    ]);
    const seconds = Math.round((Date.now() - t0) / 1000);
    process.stderr.write(`[measure] undo on the real engine: ${seconds} s wall (CLI start included)\n`);

    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /undone: undone by .+ \(checkout bug found after the promotion\): production back on 1\.4\.1 in \d+ s \(budget 600 s; API: [^;]+; frontend: Instant Rollback to dpl_prod141\)/,
    );
    expect(r.stderr).not.toContain("WARNING");
    expect(shape((await w.driver("production").readRelease())!)).toBe("1.4.1/-@0");
    expect(shape((await w.driver("production").outputs()).release)).toBe("1.4.1/-@0");
    expect(await w.stateReroute()).toBe(0);
    const s = state();
    expect(s.outcome).toBe("undone");
    const changes = s.undo!.changes!;
    process.stderr.write(`[measure] undo up operations: ${JSON.stringify(changes)}\n`);
    for (const op of ["create", "delete", "replace", "create-replacement", "delete-replaced"])
      expect(changes[op] ?? 0).toBe(0);
    expect(changes.update).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(600);
    const project = w.vercel.projects.get(w.productionProject)!;
    expect(project.production).toBe("dpl_prod141");
    expect(project.rollbacks!.at(-1)).toEqual({
      to: "dpl_prod141",
      description: "undo of 1.4.2: checkout bug found after the promotion",
    });
    const [last] = await w.driver("production").history(1);
    expect([last!.kind, last!.result]).toEqual(["update", "succeeded"]);
    const log = readFileSync(path.join(w.stateDir, "deployments.jsonl"), "utf8").trim().split("\n");
    expect(JSON.parse(log.at(-1)!)).toMatchObject({
      outcome: "undone",
      version: "1.4.2",
      stack: "production",
    });

    const again = await cli(["undo", "--stack", "production", "--reason", "twice"]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain("was already undone by");
  });
});
