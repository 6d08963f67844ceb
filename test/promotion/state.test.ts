import { readdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FileStateStore } from "../../promotion/state";
import { scenario, tempDir } from "./helpers";

/** File-system calls the state store makes, in order (recorded by the mock below). */
const calls: string[] = [];
const failRename = { next: false };

vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const name = (p: unknown) => String(p).replace(/.*\//, "");
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        calls.push(`fsync ${name(args[0])}`);
        return sync();
      };
      return handle;
    },
    rename: async (from: string, to: string) => {
      calls.push(`rename ${name(from)} -> ${name(to)}`);
      if (failRename.next) {
        failRename.next = false;
        throw Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" });
      }
      return fs.rename(from, to);
    },
  };
});

beforeEach(() => {
  calls.length = 0;
});

async function finishedState() {
  const s = scenario();
  const result = await s.controller.promote({ from: "staging", to: "production" });
  return result.state!;
}

const recovery = (path: string) =>
  `if no promotion of production is running, move it aside (mv ${path} ${path}.broken) and run ` +
  "`npm run promote -- rollback --stack production`: without state the tool returns production from any canary " +
  "percentage to its stable release";

describe("state file writes", () => {
  it("are atomic: temp file, fsync, rename over the state file, fsync of the folder", async () => {
    const dir = tempDir();
    const store = new FileStateStore(dir, "production");
    const state = await finishedState();
    calls.length = 0;
    await store.save(state);

    expect(calls.map((c) => c.replace(/\.production\.state\.json\.\d+\.[0-9a-f]{8}\.tmp/, "TMP"))).toEqual([
      "fsync TMP",
      "rename TMP -> production.state.json",
      `fsync ${dir.replace(/.*\//, "")}`,
    ]);
    expect(await store.load()).toEqual(state);
    expect(readdirSync(dir)).toEqual(["production.state.json"]);
  });

  it("a write that fails before its rename leaves the previous state whole and no temp file", async () => {
    const dir = tempDir();
    const store = new FileStateStore(dir, "production");
    const state = await finishedState();
    await store.save(state);
    failRename.next = true;

    await expect(store.save({ ...state, phase: "rollback" })).rejects.toThrow("EIO: i/o error, rename");
    expect((await store.load())?.phase).toBe("done");
    expect(readdirSync(dir)).toEqual(["production.state.json"]);
  });

  it("refuses to write another stack's state into this stack's file", async () => {
    const store = new FileStateStore(tempDir(), "production");
    const state = await finishedState();
    await expect(store.save({ ...state, stack: "staging" })).rejects.toThrow(
      `refusing to write the state of stack staging into ${store.path} (production)`,
    );
  });
});

describe("unreadable state file", () => {
  for (const [name, text, problem] of [
    ["empty", "", "is empty (a write was cut off)"],
    [
      "truncated",
      '{"version":1,"runId":"production-1","st',
      "is not valid JSON (39 characters: truncated or overwritten)",
    ],
    ["garbage", "PK\u0003\u0004", "is not valid JSON (4 characters: truncated or overwritten)"],
    [
      "not a state",
      '{"version":1}',
      "is not a promotion state (runId: Invalid input: expected string, received undefined)",
    ],
  ] as const) {
    it(`a ${name} state file is refused naming the file and the recovery command`, async () => {
      const store = new FileStateStore(tempDir(), "production");
      writeFileSync(store.path, text);
      await expect(store.load()).rejects.toThrow(`${store.path} ${problem}; ${recovery(store.path)}`);
    });
  }

  it("a state file naming another stack is refused with the file and both stack names", async () => {
    const store = new FileStateStore(tempDir(), "production");
    const state = await finishedState();
    writeFileSync(store.path, JSON.stringify({ ...state, stack: "staging" }));

    await expect(store.load()).rejects.toThrow(
      `${store.path} is the state of stack staging, not of production (run ${state.runId}); ` +
        `it was copied or written here by mistake: ${recovery(store.path)}`,
    );
    expect(JSON.parse(await readFile(store.path, "utf8"))).toMatchObject({ stack: "staging" });
  });

  it("a promote over an unreadable state file changes nothing and says what to run", async () => {
    const dir = tempDir();
    const s = scenario({ store: new FileStateStore(dir, "production") });
    const path = join(dir, "production.state.json");
    writeFileSync(path, "");

    await expect(s.controller.promote({ from: "staging", to: "production" })).rejects.toThrow(
      `${path} is empty (a write was cut off); ${recovery(path)}`,
    );
    expect(s.production.ops).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(["production.state.json"]);
  });
});
