import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../offline/promotion-sim/virtual-clock";
import { FileLock } from "../../promotion/lock";
import type { MemoryStateStore } from "../../offline/promotion-sim/sim";
import { scenario, tempDir } from "./helpers";

/** Starts `n` contender processes, releases them at once, and returns each one's line. */
async function race(dir: string, n: number): Promise<string[]> {
  const start = join(dir, "start");
  const done = join(dir, "done");
  const root = join(__dirname, "../..");
  const children = Array.from({ length: n }, () =>
    spawn(
      process.execPath,
      ["--import", "tsx", "test/promotion/fixtures/lock-contender.ts", dir, start, done],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    ),
  );
  const lines = children.map(
    (child) =>
      new Promise<string[]>((resolve) => {
        let out = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          out += chunk;
          const got = out.split("\n").filter((l) => l !== "");
          if (got.length === 2) resolve(got);
        });
        child.on("exit", () => resolve(out.split("\n").filter((l) => l !== "")));
      }),
  );
  const ready = children.map(
    (child) =>
      new Promise<void>((resolve) => {
        child.stdout.once("data", () => resolve());
        child.once("exit", () => resolve());
      }),
  );
  await Promise.all(ready);
  writeFileSync(start, "");
  const results = await Promise.all(lines);
  writeFileSync(done, "");
  await Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.once("exit", r)))),
  );
  return results.map((r) => r[1] ?? `no answer (${r.join(" | ")})`);
}

describe("stale lock takeover", () => {
  it("40 processes taking over the same stale lock at once: exactly one wins, 39 are refused", async () => {
    const dir = tempDir();
    const stale = new FileLock(dir, "production", new VirtualClock(Date.now() - 20 * 60_000), {
      host: "crashed-runner",
      pid: 4242,
    });
    await stale.acquire("production-crashed");

    const results = await race(dir, 40);

    const won = results.filter((r) => r.startsWith("won "));
    const refused = results.filter((r) => r.startsWith("refused "));
    // The winner moved the stale lock aside itself ("won production-crashed") or, in the instant after another
    // contender had moved it aside, found the path free ("won -"); either way there is exactly one.
    expect(won).toHaveLength(1);
    expect(won[0]).toMatch(/^won (production-crashed|-)$/);
    expect(refused).toHaveLength(39);
    const holder = JSON.parse(await readFile(join(dir, "production.lock"), "utf8")) as { runId: string };
    expect(holder.runId).toMatch(/^contender-\d+$/);
    for (const r of refused) {
      expect(r).toMatch(
        new RegExp(
          "^refused a promotion of production is (starting: another run is taking over the stale lock of run " +
            "production-crashed \\(pid 4242 on crashed-runner\\) at the same time|already running \\(run " +
            `${holder.runId}, pid \\d+ on race-runner, last heartbeat \\d+ s ago\\)); a second promotion is refused$`,
        ),
      );
    }
  }, 180_000);
});

describe("unreadable lock file", () => {
  for (const [name, text, problem] of [
    ["empty", "", "is empty (a write was cut off)"],
    [
      "truncated",
      '{"runId":"production-1","pid":12',
      "is not valid JSON (32 characters: truncated or overwritten)",
    ],
    ["garbage", "\u0000\u0000lock", "is not valid JSON (6 characters: truncated or overwritten)"],
    [
      "not a lock",
      '{"hello":"world"}',
      "is not a promotion lock (it needs runId, pid, host, acquiredAt, heartbeatAt)",
    ],
  ] as const) {
    it(`a ${name} lock file is refused naming the file and the recovery command`, async () => {
      const dir = tempDir();
      const path = join(dir, "production.lock");
      writeFileSync(path, text);
      const lock = new FileLock(dir, "production", new VirtualClock(0));

      await expect(lock.acquire("production-2")).rejects.toThrow(
        `${path} ${problem}; if no promotion of production is running, remove it (rm ${path}) and rerun`,
      );
      expect(await readFile(path, "utf8")).toBe(text);
    });
  }
});

describe("a run whose lock was taken over", () => {
  it("stops at its next checkpoint and changes production no further", async () => {
    const s = scenario();
    s.production.onUp = (release) => {
      if (release.canaryPercentage === 50)
        writeFileSync(
          join(s.deps.stateDir, "production.lock"),
          JSON.stringify({ runId: "production-other", pid: 7, host: "h", acquiredAt: 1, heartbeatAt: 1 }),
        );
    };

    await expect(s.controller.promote({ from: "staging", to: "production" })).rejects.toThrow(
      `the promotion lock ${join(s.deps.stateDir, "production.lock")} is now held by run production-other (pid 7 on h), not by this run`,
    );
    expect(s.production.upPercentages()).toEqual([10, 50]);
    // It records no rollback decision of its own over the state the new holder now owns.
    expect((s.store as MemoryStateStore).state).toMatchObject({ phase: "stage", stageIndex: 1 });
    expect((s.store as MemoryStateStore).state?.rollbackDecidedAt).toBeUndefined();
  });
});

describe("lock writes", () => {
  it("a heartbeat replaces the lock file whole and leaves no temp file; a lock taken over is reported lost", async () => {
    const dir = tempDir();
    const clock = new VirtualClock(1_000);
    const lock = new FileLock(dir, "production", clock);
    await lock.acquire("production-1");
    clock.advance(5_000);
    await lock.heartbeat();

    expect(JSON.parse(await readFile(join(dir, "production.lock"), "utf8"))).toMatchObject({
      runId: "production-1",
      acquiredAt: 1_000,
      heartbeatAt: 6_000,
    });
    expect(readdirSync(dir)).toEqual(["production.lock"]);

    writeFileSync(
      join(dir, "production.lock"),
      JSON.stringify({ runId: "production-9", pid: 7, host: "h", acquiredAt: 1, heartbeatAt: 1 }),
    );
    await expect(lock.heartbeat()).rejects.toThrow(
      `the promotion lock ${join(dir, "production.lock")} is now held by run production-9 (pid 7 on h), not by this run production-1; stopping`,
    );
  });
});
