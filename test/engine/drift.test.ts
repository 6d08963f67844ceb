/**
 * `npm run drift` on the real engine, as a user runs it: one `pulumi up` of staging, then the command against that
 * stack's file backend, first with the cloud matching the state, then with the stand-in's `read` reporting one
 * property changed out of band (STANDIN_DRIFT), and with a broken set-up. Exit codes 0 clean, 1 drift, 2 error.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriftReport } from "../../tools/drift-report";
import { startPostgres, type PostgresServer } from "./postgres";
import { exportStack, initStack, repoRoot, Workspace, type RunResult } from "./support";

/** The resource the out-of-band edit hits: the Functions host storage account, TLS floor lowered in the portal. */
const DRIFTED_SUFFIX = "::api-storage";
const DRIFTED_TYPE = "azure-native:storage:StorageAccount";
const DRIFT = JSON.stringify({ [DRIFTED_SUFFIX]: { minimumTlsVersion: "TLS1_0" } });

describe("npm run drift on the real engine (staging)", () => {
  let ws: Workspace;
  let pg: PostgresServer;
  let stateBefore: string;

  /** `npm run [-s] drift -- <args> --program-dir <copy>` from the repository, with the workspace's backend. */
  const drift = (args: string[], env: Record<string, string> = {}, silent = false): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const npmArgs = ["run", ...(silent ? ["-s"] : []), "drift", "--", ...args, "--program-dir", ws.dir];
      const child = spawn("npm", npmArgs, {
        cwd: repoRoot,
        env: { ...ws.env(), ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  beforeAll(async () => {
    pg = await startPostgres();
    ws = new Workspace("drift");
    ws.usePostgres(pg);
    await initStack(ws, "staging");
    await ws.ok(["up", "--yes", "--stack", "staging"]);
    stateBefore = (await exportStack(ws, "staging")).text;
  });
  afterAll(async () => {
    ws?.remove();
    await pg?.stop();
  });

  it("exits 0 with a clean message when the cloud matches the stack", async () => {
    const r = await drift(["--stack", "staging"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^no drift in stack staging: \d+ resource\(s\) match the cloud$/m);
  });

  it("exits 1 and names the drifted resource and property, in text and JSON", async () => {
    const env = { STANDIN_DRIFT: DRIFT };
    const text = await drift(["--stack", "staging"], env);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/^drift in stack staging: 1 of \d+ resource\(s\) differ from the cloud$/m);
    expect(text.stdout).toContain(`  ~ ${DRIFTED_TYPE}  api-storage\n      ~ minimumTlsVersion\n`);
    // Names, never values: the drifted value is not in the report.
    expect(text.stdout).not.toContain("TLS1_0");

    const json = await drift(["--stack", "staging", "--json"], env, true);
    expect(json.code, json.stderr).toBe(1);
    const report = JSON.parse(json.stdout) as DriftReport;
    expect(report.stack).toBe("staging");
    expect(report.drifted).toEqual([
      {
        urn: expect.stringMatching(new RegExp(`${DRIFTED_SUFFIX}$`)) as unknown,
        type: DRIFTED_TYPE,
        name: "api-storage",
        kind: "changed",
        properties: [{ path: "minimumTlsVersion", kind: "update" }],
      },
    ]);
    expect(report.checked).toBeGreaterThan(20);
    // The stand-in really was asked: the read of that resource carried the injected change.
    const reads = ws.calls().filter((c) => c.method === "read" && c.urn?.endsWith(DRIFTED_SUFFIX));
    expect(reads.map((c) => c.drift)).toContainEqual(["minimumTlsVersion"]);
  });

  it("writes nothing to the state (refresh --preview-only)", async () => {
    expect((await exportStack(ws, "staging")).text).toBe(stateBefore);
  });

  it("exits 2 naming the stack when it does not exist in the backend", async () => {
    const r = await drift(["--stack", "nosuchstack"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('drift: cannot select stack "nosuchstack": ');
    expect(r.stdout).not.toContain("drift in stack");
  });

  it("exits 2 when the stack's secrets cannot be decrypted (wrong passphrase)", async () => {
    const r = await drift(["--stack", "staging"], { PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^drift: (cannot select stack|pulumi refresh --preview-only failed for stack) "staging": /m,
    );
    expect(r.stderr).toContain("passphrase");
  });
});
