/**
 * `kill -9` of a promote process on the real engine, then a rerun: killed during the preflight preview, during
 * a bake, and during a stage's `pulumi up` (the whole process group, the CLI and providers included, leaving
 * the backend's update lock). Every case must end with production consistent: rolled back or promoted, its
 * config equal to what its last update deployed, and, where a person must act, the tool saying what to run.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromotionWorld, shape } from "./promotion-world";
import { repoRoot } from "./support";

const w = new PromotionWorld();

beforeAll(() => w.start("promotion-kill"));
afterAll(() => w.stop());

/** The backend's update lock files of production (DIY backend: `.pulumi/locks/.../production/*.json`). */
function engineLocks(): string[] {
  const dir = path.join(w.ws.stateDir, ".pulumi", "locks");
  try {
    return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(
      (f) => f.includes("production") && f.endsWith(".json"),
    );
  } catch {
    return [];
  }
}

function statePhase(): string | undefined {
  try {
    return (
      JSON.parse(readFileSync(path.join(w.stateDir, "production.state.json"), "utf8")) as { phase: string }
    ).phase;
  } catch {
    return undefined;
  }
}

function stageApplied(): boolean {
  try {
    const state = JSON.parse(readFileSync(path.join(w.stateDir, "production.state.json"), "utf8")) as {
      phase: string;
      stages: { appliedAt?: string }[];
    };
    return state.phase === "stage" && state.stages[0]?.appliedAt !== undefined;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a promote process in its own process group, waits until `when` holds (checked every 200 ms against
 * its stderr so far), then kills the group with SIGKILL. Returns its stderr.
 */
async function promoteKilledWhen(when: (stderr: string) => boolean, label: string): Promise<string> {
  const child = spawn(
    path.join(repoRoot, "node_modules", ".bin", "tsx"),
    [path.join(__dirname, "promote-child.ts")],
    {
      cwd: w.ws.dir,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        ...w.toolEnv(),
        PROMO_WORK_DIR: w.ws.dir,
        PROMO_STATE_DIR: w.stateDir,
        PROMO_CLOCK_SKEW_MS: String(w.clock.skewMs),
        PROMO_TELEMETRY_URL: w.telemetryUrl,
        PROMO_VERCEL_URL: w.vercelUrl,
      },
    },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((r) => child.on("close", r));
  let exited = false;
  void closed.then(() => (exited = true));
  const deadline = Date.now() + 10 * 60_000;
  while (!when(stderr)) {
    if (exited || Date.now() > deadline)
      throw new Error(`the promote process ended before ${label}:\n${stderr.slice(-3000)}`);
    await sleep(200);
  }
  process.kill(-child.pid!, "SIGKILL");
  await closed;
  // A rerun comes after the killed processes are gone: wait until the group has no member left.
  for (let i = 0; i < 150; i++) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      break;
    }
    await sleep(200);
  }
  process.stderr.write(`[kill -9] ${label}\n`);
  return stderr;
}

describe("kill -9 of promote on the real engine, then a rerun", () => {
  it("during the preflight preview: the next rollback restores the journaled config; nothing was deployed", async () => {
    const before = await w.driver("production").readRelease();
    expect(shape(before!)).toBe("1.4.1/-@0");
    let polls = 0;
    await promoteKilledWhen(
      () => statePhase() === "preflight" && ++polls > 25,
      "during the preflight preview",
    );
    expect(statePhase()).toBe("preflight");
    expect(shape((await w.driver("production").readRelease())!)).toBe("1.4.1/1.4.2@10");
    expect(engineLocks()).toEqual([]);

    const r = await w.cli(["rollback", "--stack", "production", "--reason", "after kill -9"]);
    expect(r.stderr).toContain(
      "stopped during its preflight preview: production's release config restored from the journal",
    );
    expect(r.code).toBe(0);
    expect(shape((await w.driver("production").readRelease())!)).toBe("1.4.1/-@0");
    expect(shape((await w.driver("production").outputs()).release)).toBe("1.4.1/-@0");
  });

  it("during a bake: the rerun takes over the lock, does not redeploy the stage, and rolls back on a breach", async () => {
    w.healthy();
    // Killed once the state records the stage as applied (the log line comes just before that checkpoint).
    await promoteKilledWhen(() => stageApplied(), "during the stage 1 bake");
    expect(statePhase()).toBe("stage");
    expect(shape((await w.driver("production").outputs()).release)).toBe("1.4.1/1.4.2@10");

    w.telemetry.roles.set(w.canaryRole, { requests: 400, failed: 8, p95: 230, p99: 310 });
    w.deployedAfterUp.length = 0;
    const result = await w.controller().promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.state!.events.map((e) => e.message)).toContain(
      "stage 1 (10%) is deployed as recorded; restarting its bake",
    );
    expect(w.deployedAfterUp.map((u) => [shape(u.release), u.reroutePercentage])).toEqual([["1.4.1/-@0", 0]]);
    expect(shape((await w.driver("production").readRelease())!)).toBe("1.4.1/-@0");
  });

  it("during a stage up: the backend lock is named with the exact command; after it, rollback ends consistent", async () => {
    w.healthy();
    await promoteKilledWhen(
      (s) => s.includes("stage 1/3: 10% to 1.4.2, pulumi up") && engineLocks().length > 0,
      "during the stage 1 pulumi up",
    );
    expect(engineLocks()).toHaveLength(1);

    const rerun = await w.controller().promote({ from: "staging", to: "production" });
    expect(rerun.outcome).toBe("rollback-failed");
    expect(rerun.exitCode).toBe(5);
    expect(rerun.reason).toMatch(
      new RegExp(
        `^API rollback up failed: production's backend is locked by an update that did not finish \\(pid \\d+ on .+\\); ` +
          `that process is gone \\(killed or crashed\\), so nothing will release the lock: run ` +
          `\`pulumi cancel --yes --stack production\` in ${w.ws.dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, then rerun; ` +
          "production may still serve 1.4.2: rerun rollback$",
      ),
    );

    // What the message says a person runs, then the rollback it names.
    await w.ws.ok(["cancel", "--yes", "--stack", "production"]);
    expect(engineLocks()).toEqual([]);
    const rollback = await w.cli(["rollback", "--stack", "production", "--reason", "after kill -9"]);
    expect(rollback.code).toBe(4);
    expect(shape((await w.driver("production").readRelease())!)).toBe("1.4.1/-@0");
    expect(shape((await w.driver("production").outputs()).release)).toBe("1.4.1/-@0");
    const state = await w.productionState();
    expect(state.reroute).toBe(0);
    process.stderr.write(
      `[kill -9] pending operations after the rollback: ${JSON.stringify(state.pendingOperations)}\n`,
    );
    const [last] = await w.driver("production").history(1);
    expect([last!.kind, last!.result]).toEqual(["update", "succeeded"]);
  });
});
