/**
 * Manual controls (pause, resume, abort, promote --full) and undo in simulated time: a second controller with
 * the same stacks, state and state directory plays the operator's terminal while the first holds the lock.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { exitCodes, PromotionController, type RunResult } from "../../promotion/controller";
import { ControlChannel, type ControlAction } from "../../promotion/controls";
import { decisionRecord } from "../../promotion/report";
import { FakeVercelApi } from "../../offline/promotion-sim/vercel-fake";
import { faultAtStage, runCli, scenario, shape, tempDir } from "./helpers";

type S = ReturnType<typeof scenario>;

/** The operator's process: same stacks, state and directory, its own lock identity. */
const operator = (s: S) => new PromotionController({ ...s.deps, lock: { pid: 4_194_001 } });

/** Marks the operator's own calls, so that only the run's control check waits for the operator's command. */
const operatorContext = new AsyncLocalStorage<true>();

/**
 * Runs a promotion; after the `n`-th gate sample of the run (1-based) the operator sends each request of
 * `plan[n]` from a second process, and the run's control check of that tick waits until that command returned
 * (without the wait, whether the request lands in this tick or the next is a race with the file system).
 */
async function promoteWith(
  s: S,
  plan: Record<number, [ControlAction, string | undefined]>,
): Promise<{ run: RunResult; ops: RunResult[] }> {
  const ops: RunResult[] = [];
  let hold: Promise<unknown> | undefined;
  const pending = ControlChannel.prototype.pending;
  const spy = vi.spyOn(ControlChannel.prototype, "pending").mockImplementation(async function (
    this: ControlChannel,
  ) {
    if (operatorContext.getStore() === undefined && hold !== undefined) {
      const h = hold;
      hold = undefined;
      await h;
    }
    return pending.call(this);
  });
  let n = 0;
  try {
    const run = await new PromotionController({
      ...s.deps,
      onSample: () => {
        const step = plan[++n];
        if (step !== undefined)
          hold = operatorContext.run(true, () =>
            operator(s)
              .control("production", step[0], "alice@ops", step[1])
              .then((r) => ops.push(r)),
          );
      },
    }).promote({ from: "staging", to: "production" });
    return { run, ops };
  } finally {
    spy.mockRestore();
  }
}

describe("manual controls across processes", () => {
  it("pause holds stage 1 past its 9 healthy samples; resume lets it pass; both recorded", async () => {
    const s = scenario();
    const { run, ops } = await promoteWith(s, { 2: ["pause", "watch the cache"], 20: ["resume", undefined] });

    expect(ops.map((o) => [o.outcome, o.exitCode])).toEqual([
      ["requested", 0],
      ["requested", 0],
    ]);
    expect(ops[0]!.reason).toMatch(
      /^pause of run production-\S+ requested; the running controller \(pid \d+ on .+\) applies it at its next gate sample \(every 60 s\)$/,
    );
    expect(run.outcome).toBe("promoted");
    // Each request reaches the run before the control check of the tick it was sent in: paused from sample 2,
    // resumed at sample 20, when the stage (20 healthy of 9 needed) passes at once.
    expect(run.state!.stages.map((st) => [st.result, st.healthy, st.samples])).toEqual([
      ["passed", 20, 20],
      ["passed", 9, 9],
      ["passed", 9, 9],
    ]);
    expect(run.state!.paused).toBeUndefined();
    expect(run.state!.controls!.map((c) => [c.action, c.operator, c.reason ?? null, c.via])).toEqual([
      ["pause", "alice@ops", "watch the cache", "running controller"],
      ["resume", "alice@ops", null, "running controller"],
    ]);
    expect(s.production.upPercentages()).toEqual([10, 50, 100, 0]);
    expect(existsSync(join(s.deps.stateDir, "production.control.json"))).toBe(false);
    const md = decisionRecord(run, { from: "staging", to: "production" });
    expect(md).toContain("### Manual controls");
    expect(md).toMatch(/\| pause \| alice@ops \| watch the cache \| running controller \|/);
  });

  it("while paused the gates keep sampling and a failing health check still rolls back", async () => {
    const s = scenario();
    s.production.onUp = (r) => {
      if (r.canaryPercentage === 10) {
        s.gates.fault = "health";
        s.gates.faultAt = s.clock.now() + 15 * 60_000;
      }
    };
    const { run } = await promoteWith(s, { 1: ["pause", undefined] });

    expect(run.outcome).toBe("rolled-back");
    expect(run.exitCode).toBe(exitCodes.rolledBack);
    expect(run.reason).toBe("3 consecutive failed health checks (limit 3)");
    expect(run.state!.paused?.operator).toBe("alice@ops");
    // 15 healthy samples (0..14 min) while paused, then three failed probes.
    expect([run.state!.stages[0]!.healthy, run.state!.stages[0]!.samples]).toEqual([15, 18]);
    expect(s.production.upPercentages()).toEqual([10, 0]);
  });

  it("abort --reason from another process rolls back at the next sample, API and Vercel", async () => {
    const s = scenario();
    const { run, ops } = await promoteWith(s, { 3: ["abort", "p99 regression seen in Grafana"] });

    expect(ops[0]!.outcome).toBe("requested");
    expect(run.outcome).toBe("rolled-back");
    expect(run.exitCode).toBe(exitCodes.rolledBack);
    expect(run.reason).toBe("aborted by alice@ops: p99 regression seen in Grafana");
    expect(run.state!.stages[0]!.samples).toBe(3);
    expect(s.production.upPercentages()).toEqual([10, 0]);
    expect(shape(s.production.deployed)).toBe("1.0.0/-@0");
    expect(s.frontend.calls.at(-1)).toBe("rollback dpl_prodstable1");
  });

  it("promote --full from another process skips the remaining stages and finalizes, Vercel completed", async () => {
    const s = scenario();
    const { run } = await promoteWith(s, { 2: ["full", "hotfix, verified by hand"] });

    expect(run.outcome).toBe("promoted");
    expect(s.production.upPercentages()).toEqual([10, 0]);
    expect(shape(s.production.deployed)).toBe("2.0.0/-@0");
    expect(run.state!.stages.map((st) => st.result)).toEqual(["skipped", "skipped", "skipped"]);
    expect(run.state!.fullPromotion).toMatchObject({
      operator: "alice@ops",
      reason: "hotfix, verified by hand",
    });
    const canary = s.frontend.idOf(s.candidate.frontendRef)!;
    expect(s.frontend.calls).toEqual([
      `create ${s.candidate.frontendRef}`,
      `start ${canary}`,
      `complete ${canary}`,
    ]);
    expect(run.state!.events.map((e) => e.message)).toContain(
      "promote --full by alice@ops (hotfix, verified by hand): stages 1-3 skipped; finalizing",
    );
  });

  it("refuses invalid transitions with the reason and exit 3", async () => {
    const s = scenario();
    const op = operator(s);
    const none = await op.control("production", "resume", "alice@ops");
    expect([none.outcome, none.exitCode, none.reason]).toEqual([
      "refused",
      exitCodes.refused,
      "resume needs a promotion of production under way, and no promotion has run",
    ]);
    const { run, ops } = await promoteWith(s, {
      1: ["resume", undefined],
      2: ["pause", undefined],
      4: ["pause", undefined],
      6: ["abort", "done"],
    });
    expect(ops.map((o) => [o.outcome, o.reason])).toEqual([
      ["refused", `run ${run.state!.runId} is not paused: resume only ends a pause`],
      ["requested", expect.stringMatching(/^pause of run/)],
      [
        "refused",
        expect.stringMatching(
          new RegExp(
            `^run ${run.state!.runId} is already paused \\(since \\S+ by alice@ops\\); resume it or abort it$`,
          ),
        ),
      ],
      ["requested", expect.stringMatching(/^abort of run/)],
    ]);
    const after = await op.control("production", "abort", "alice@ops", "again");
    expect(after.reason).toBe(
      `abort needs a promotion of production under way, and its last run ${run.state!.runId} is rolled-back`,
    );
  });

  it("refuses a second request while the first waits for the run to pick it up", async () => {
    const s = scenario();
    const abort = new AbortController();
    let second: RunResult[] = [];
    const sleep = s.clock.sleep.bind(s.clock);
    let once = true;
    s.clock.sleep = async (ms, signal) => {
      if (once) {
        once = false;
        const a = await operator(s).control("production", "pause", "alice@ops");
        const b = await operator(s).control("production", "abort", "bob@ops", "too late");
        second = [a, b];
        abort.abort(new Error("SIGTERM"));
      }
      return sleep(ms, signal);
    };
    const run = await s.controller.promote({ from: "staging", to: "production", signal: abort.signal });
    expect(run.outcome).toBe("interrupted");
    expect(second[0]!.outcome).toBe("requested");
    expect(second[1]!.reason).toMatch(
      /^pause by alice@ops at \S+ is still waiting for run production-\S+ to pick it up \(.+production\.control\.json\); try again after its next gate sample$/,
    );
  });
});

describe("manual controls with no run holding the lock act directly", () => {
  /** A run interrupted at stage 1 (no process holds the lock any more). */
  async function interrupted(): Promise<S> {
    const s = scenario();
    const abort = new AbortController();
    const run = await new PromotionController({
      ...s.deps,
      onSample: () => abort.abort(new Error("SIGTERM")),
    }).promote({ from: "staging", to: "production", signal: abort.signal });
    expect(run.outcome).toBe("interrupted");
    return s;
  }

  it("abort rolls back at once", async () => {
    const s = await interrupted();
    const r = await operator(s).control("production", "abort", "alice@ops", "stop it");
    expect([r.outcome, r.exitCode, r.reason]).toEqual(["rolled-back", 4, "aborted by alice@ops: stop it"]);
    expect(shape(s.production.deployed)).toBe("1.0.0/-@0");
    expect(r.state!.controls!.map((c) => c.via)).toEqual(["directly"]);
  });

  it("promote --full finalizes at once", async () => {
    const s = await interrupted();
    const r = await operator(s).control("production", "full", "alice@ops", "ship it");
    expect([r.outcome, r.exitCode]).toEqual(["promoted", 0]);
    expect(s.production.upPercentages()).toEqual([10, 0]);
    expect(shape(s.production.deployed)).toBe("2.0.0/-@0");
  });

  it("pause is kept in state and the resumed run holds until a resume arrives", async () => {
    const s = await interrupted();
    const p = await operator(s).control("production", "pause", "alice@ops", "freeze");
    expect([p.outcome, p.reason]).toEqual([
      "applied",
      `run ${p.state!.runId} is paused at stage 1; the next promote resumes it held there`,
    ]);
    const { run } = await promoteWith(s, { 12: ["resume", undefined] });
    expect(run.outcome).toBe("promoted");
    // The resumed run restarts stage 1's bake and holds it until the resume, applied at its 12th sample.
    expect(run.state!.stages.map((st) => st.samples)).toEqual([12, 9, 9]);
    expect(run.state!.controls!.map((c) => [c.action, c.via])).toEqual([
      ["pause", "directly"],
      ["resume", "running controller"],
    ]);
  });

  it("moves an invalid request file aside, never applying it", async () => {
    const s = await interrupted();
    const file = join(s.deps.stateDir, "production.control.json");
    writeFileSync(file, JSON.stringify({ version: 1, action: "abort" }));
    const run = await s.controller.promote({ from: "staging", to: "production" });
    expect(run.outcome).toBe("promoted");
    expect(run.state!.events.map((e) => e.message)).toContain(
      `the control request ${file} is not valid (id: Invalid input: expected string, received undefined); moved to ${file}.rejected, not applied`,
    );
    expect(readFileSync(`${file}.rejected`, "utf8")).toContain('"abort"');
  });

  it("drops a request naming another run", async () => {
    const s = await interrupted();
    await new ControlChannel(s.deps.stateDir, "production").send(
      "production-20261101T000000-0ld0ld00",
      "abort",
      "bob@ops",
      "2026-11-01T00:00:00.000Z",
      "old",
    );
    const run = await s.controller.promote({ from: "staging", to: "production" });
    expect(run.outcome).toBe("promoted");
    expect(run.state!.events.map((e) => e.message)).toContain(
      `control request abort by bob@ops dropped: it names run production-20261101T000000-0ld0ld00, not this run ${run.state!.runId}`,
    );
    expect(existsSync(join(s.deps.stateDir, "production.control.json"))).toBe(false);
  });
});

describe("undo", () => {
  async function promoted(): Promise<{ s: S; run: RunResult }> {
    const s = scenario();
    const run = await s.controller.promote({ from: "staging", to: "production" });
    expect(run.outcome).toBe("promoted");
    return { s, run };
  }

  it("returns production to the previous release, config only, Vercel Instant Rollback, within the budget", async () => {
    const { s, run } = await promoted();
    s.production.upMs = 90_000;
    const r = await operator(s).undo("production", "alice@ops", "checkout bug found an hour later");

    expect([r.outcome, r.exitCode]).toEqual(["undone", 0]);
    expect(r.reason).toBe(
      "undone by alice@ops (checkout bug found an hour later): production back on 1.0.0 in 90 s (budget 600 s; " +
        "API: update 1; frontend: Instant Rollback to dpl_prodstable1)",
    );
    const last = s.production.ops.filter((o) => o.op === "up").at(-1)!;
    expect([shape(last.release!), last.policy]).toEqual(["1.0.0/-@0", {}]);
    expect(shape(s.production.deployed)).toBe("1.0.0/-@0");
    expect(s.frontend.calls.at(-1)).toBe("rollback dpl_prodstable1");
    expect(r.state!.runId).toBe(run.state!.runId);
    expect(r.state!.undo).toMatchObject({ operator: "alice@ops", changes: { update: 1, same: 40 } });
    const md = decisionRecord(r, { to: "production" });
    expect(md).toContain("## Promotion of 2.0.0 to production: undone: back on the previous release");
    expect(md).toContain("- The `up`'s operations: update 1, same 40");
  });

  it("warns when the undo up was not config-only or over the budget", async () => {
    const { s } = await promoted();
    s.production.upChanges = { update: 1, replace: 1 };
    s.production.upMs = 11 * 60_000;
    const r = await operator(s).undo("production", "alice@ops", "bad");
    expect(r.reason).toMatch(
      /; WARNING: it took 660 s, over the 600 s rollback budget; the up was not config-only \(replace 1\)$/,
    );
  });

  it("refuses with no promotion recorded, a run in progress, after a rollback, twice, or after a change", async () => {
    const fresh = scenario();
    const none = await fresh.controller.undo("production", "alice@ops", "x");
    expect([none.outcome, none.exitCode, none.reason]).toEqual([
      "refused",
      3,
      "no promotion of production is recorded in the state directory: there is no previous release to return to",
    ]);

    const { s, run } = await promoted();
    const once = await s.controller.undo("production", "alice@ops", "x");
    expect(once.outcome).toBe("undone");
    const twice = await s.controller.undo("production", "alice@ops", "x");
    expect(twice.reason).toBe(
      `the last promotion (2.0.0, run ${run.state!.runId}) was already undone by alice@ops; production runs 1.0.0 and no earlier release is recorded`,
    );
    expect(s.production.upPercentages()).toEqual([10, 50, 100, 0, 0]);

    const changed = await promoted();
    changed.s.production.deployed = { stable: changed.s.stable, canaryPercentage: 0 };
    const r = await changed.s.controller.undo("production", "alice@ops", "x");
    expect(r.reason).toBe(
      `production runs 1.0.0 at 0% canary now, not 2.0.0 as run ${changed.run.state!.runId} left it: it changed since, and undo does not guess what to return to`,
    );

    const rolled = scenario();
    faultAtStage(rolled, "health", 10);
    const rb = await rolled.controller.promote({ from: "staging", to: "production" });
    const after = await rolled.controller.undo("production", "alice@ops", "x");
    expect(after.reason).toBe(
      `the last run ${rb.state!.runId} (2.0.0) ended rolled-back, not promoted: it left production on 1.0.0; there is no completed promotion to undo`,
    );
  });

  it("refuses while a promotion is under way: by the lock, or by the state of an interrupted run", async () => {
    const s = scenario();
    const abort = new AbortController();
    let during: RunResult | undefined;
    const sleep = s.clock.sleep.bind(s.clock);
    s.clock.sleep = async (ms, signal) => {
      during ??= await operator(s).undo("production", "alice@ops", "x");
      abort.abort(new Error("SIGTERM"));
      return sleep(ms, signal);
    };
    const run = await s.controller.promote({ from: "staging", to: "production", signal: abort.signal });
    expect(run.outcome).toBe("interrupted");
    expect(during!.reason).toMatch(
      /^a promotion of production is already running \(run production-\S+, pid \d+ on .+, last heartbeat 0 s ago\); a second promotion is refused$/,
    );
    const later = await operator(s).undo("production", "alice@ops", "x");
    expect(later.reason).toBe(
      `a promotion of 2.0.0 to production is in progress (run ${run.state!.runId}, stage phase): undo applies to a completed promotion; use abort to roll this one back`,
    );
  });
});

describe("the CLI of the operator commands", () => {
  it("lists undo, pause, resume and abort, and --full on the run", () => {
    const help = runCli(["--help"]);
    expect(help.status).toBe(0);
    for (const line of ["undo [options]", "pause [options]", "resume [options]", "abort [options]"])
      expect(help.stdout).toContain(line);
    const run = runCli(["run", "--help"]);
    expect(run.stdout).toContain("--full");
    expect(run.stdout).toContain("--reason <text>");
  }, 180_000);

  it("refuses abort and undo without --reason, and --full without --reason, with exit 2", () => {
    for (const args of [
      ["abort", "--stack", "production"],
      ["undo", "--stack", "production"],
    ]) {
      const r = runCli(args);
      expect([r.status, r.stderr.split("\n")[0]]).toEqual([
        2,
        "error: required option '--reason <text>' not specified",
      ]);
    }
    const full = runCli(["--from", "staging", "--to", "production", "--full"]);
    expect([full.status, full.stderr.split("\n")[0]]).toEqual([
      2,
      "error: --full and --reason go together: promote --full --reason <text>",
    ]);
    const blank = runCli(["abort", "--stack", "production", "--reason", " "]);
    expect([blank.status, blank.stderr.split("\n")[0]]).toEqual([
      2,
      `error: option '--reason <text>' argument ' ' is invalid. " " must be a reason of 1 to 500 characters, for the decision record.`,
    ]);
  }, 180_000);
});

describe("a refused operator command", () => {
  it("exits 3 with the reason and writes no decision record or deployment log line: nothing was deployed", () => {
    const dir = tempDir();
    // The commands look for the pulumi CLI first; this one only answers `pulumi version`.
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "pulumi"), "#!/bin/sh\necho v3.248.0\n", { mode: 0o755 });
    const r = runCli(["--state-dir", join(dir, "state"), "resume", "--stack", "production"], {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
    });
    expect(r.status).toBe(3);
    expect(r.stderr.trim().split("\n").at(-1)).toBe(
      "refused: resume needs a promotion of production under way, and no promotion has run",
    );
    expect(existsSync(join(dir, "state", "records"))).toBe(false);
    expect(existsSync(join(dir, "state", "deployments.jsonl"))).toBe(false);
  }, 120_000);
});

describe("the Vercel fake's complete and Instant Rollback", () => {
  const auth = "Bearer t";
  function api() {
    const v = new FakeVercelApi("t");
    v.projects.set("prj_p", {
      id: "prj_p",
      name: "shop-web",
      link: { type: "github", repoId: 1, productionBranch: "main" },
      stages: [10, 50, 100],
      rollingRelease: null,
    });
    v.seed("prj_p", "a".repeat(40), "dpl_old");
    const [, created] = v.handle(
      "POST",
      new URL("http://x/v13/deployments"),
      auth,
      JSON.stringify({
        name: "shop-web",
        project: "prj_p",
        target: "production",
        gitSource: { type: "github", repoId: 1, ref: "main", sha: "b".repeat(40) },
      }),
    ) as [number, { id: string }];
    v.handle("GET", new URL(`http://x/v13/deployments/${created.id}`), auth, "");
    return { v, id: created.id };
  }
  const post = (v: FakeVercelApi, path: string, body: unknown = {}) =>
    v.handle("POST", new URL(`http://x${path}`), auth, JSON.stringify(body));

  it("refuses a rollback to a deployment never aliased to production (422) and complete without an active rolling release (400)", () => {
    const { v, id } = api();
    expect(post(v, `/v1/projects/prj_p/rollback/${id}`)).toEqual([
      422,
      {
        error: {
          code: "bad_request",
          message: `deployment ${id} was never aliased to the production domains; Instant Rollback only returns to one that was`,
        },
      },
    ]);
    expect(post(v, "/v1/projects/prj_p/rolling-release/complete", { canaryDeploymentId: id })).toEqual([
      400,
      { error: { code: "bad_request", message: `no active rolling release of ${id}` } },
    ]);
    expect(v.projects.get("prj_p")!.production).toBe("dpl_old");
  });

  it("complete moves the alias to the canary; a rollback to the old one moves it back, with its description", () => {
    const { v, id } = api();
    expect(post(v, "/v1/projects/prj_p/rolling-release/start", { canaryDeploymentId: id })[0]).toBe(200);
    expect(post(v, "/v1/projects/prj_p/rolling-release/complete", { canaryDeploymentId: id })[0]).toBe(200);
    expect(v.projects.get("prj_p")!.production).toBe(id);
    expect(post(v, "/v1/projects/prj_p/rollback/dpl_old?description=undo%20of%202.0.0")).toEqual([201, {}]);
    expect(v.projects.get("prj_p")!).toMatchObject({
      production: "dpl_old",
      rollbacks: [{ to: "dpl_old", description: "undo of 2.0.0" }],
    });
    // The canary served production once: it is eligible now.
    expect(post(v, `/v1/projects/prj_p/rollback/${id}`)[0]).toBe(201);
  });
});
