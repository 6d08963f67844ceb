// What `plan` and `policy-check` load at start-up: another program's run never loads this program's config schema
// (config/load.ts and zod); this program's invalid config still maps to its exit code.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CORPUS } from "./support/bad-configs";
import { exitCodes, runPolicyCheck } from "../tools/policy-check";

const root = path.join(__dirname, "..");
const other = path.join(root, "test", "fixtures", "other-program");

/** Runs a tool as `npm run <tool>` starts it; returns the repository-relative CommonJS modules it loaded. */
function loadedBy(script: string, ...args: string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-"));
  const preload = path.join(dir, "loaded.cjs");
  const out = path.join(dir, "loaded.json");
  fs.writeFileSync(
    preload,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`,
  );
  try {
    // policy-check exits 1 when a mandatory rule fails; what it loaded is written either way.
    const run = spawnSync(process.execPath, ["--require", preload, "--import", "tsx", script, ...args], {
      cwd: root,
      encoding: "utf8",
    });
    expect(run.status, run.stderr).not.toBe(null);
    expect([0, 1], run.stderr).toContain(run.status);
    return (JSON.parse(fs.readFileSync(out, "utf8")) as string[]).map((f) => path.relative(root, f));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** This program's config schema and loader, and zod, which only they use. */
const schemaModules = (loaded: readonly string[]): string[] =>
  loaded.filter(
    (f) =>
      f.startsWith(path.join("node_modules", "zod") + path.sep) ||
      [path.join("config", "load.ts"), path.join("config", "schema.ts")].includes(f),
  );

describe("start-up of the mock-runtime commands", () => {
  it.each([
    ["tools/plan.ts", "--stack", "dev", "--program-dir", other, "--json"],
    ["tools/policy-check.ts", "--stack", "dev", "--program-dir", other, "--json"],
  ])(
    "%s on another program loads neither this program's config modules nor zod",
    (script, ...args) => {
      const loaded = loadedBy(script, ...args);
      expect(loaded).toContain(path.join("test", "fixtures", "other-program", "index.ts"));
      expect(schemaModules(loaded)).toEqual([]);
    },
    60_000,
  );

  it("this program's invalid stack config is still a configuration error (exit 2) naming the key", async () => {
    const bad = CORPUS[0]!;
    const failure = await runPolicyCheck({ stack: bad.stack, configOverrides: bad.overrides }).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ exitCode: exitCodes.usage });
    expect((failure as Error).message).toContain(
      `stack '${bad.stack}' configuration: Invalid stack configuration`,
    );
    expect((failure as Error).message).toContain(bad.problems[0]);
  }, 60_000);
});
