// The policy-check command line: exit codes, messages, defaults for stacks it does not know, profiles and formats.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { exitCodes, main } from "../../tools/policy-check";

const fixtures = path.join(__dirname, "../fixtures");
const other = path.join(fixtures, "other-program");
const failing = path.join(fixtures, "failing-program");

/** Runs the CLI in-process; returns its exit code and what it wrote. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe("exit codes", () => {
  it("0 when no mandatory rule fails (another program under the platform profile)", async () => {
    const r = await run("--stack", "dev", "--program-dir", other, "--profile", "platform");
    expect(r.code).toBe(exitCodes.pass);
    expect(r.stdout).toContain("result: pass (no mandatory violations)");
  });

  it("1 on a mandatory violation, naming rule and resource", async () => {
    const r = await run("--stack", "dev", "--program-dir", other);
    expect(r.code).toBe(exitCodes.violations);
    expect(r.stdout).toContain(
      "policy-check: stack 'dev', 2 resources, 77 rules (profile security, config pack defaults)",
    );
    expect(r.stdout).toMatch(/\[high\] random-password-configure-strength db-password: /);
  });

  it("2 without --stack", async () => {
    const r = await run("--program-dir", other);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain("required option '--stack <name>' not specified");
  });

  it("2 on a profile that does not exist, listing the allowed ones", async () => {
    const r = await run("--stack", "dev", "--program-dir", other, "--profile", "strict");
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain("Allowed choices are security, platform, all.");
  });

  it("2 on a directory that is not a Pulumi project", async () => {
    const r = await run("--stack", "dev", "--program-dir", fixtures);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toBe(
      `policy-check: --program-dir ${fixtures}: no Pulumi.yaml (a Pulumi project directory is required)\n`,
    );
  });

  it("2 on a policy config that names no rule of the pack or a level that does not exist", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-")), "bad.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ "no-such-rule": "mandatory", "storage-account-enforce-https": "block" }),
    );
    const r = await run("--stack", "dev", "--program-dir", other, "--policy-config", file);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toBe(
      `policy-check: --policy-config ${file}: 'no-such-rule' is not a rule of the pack; 'storage-account-enforce-https' has level 'block'; allowed: advisory, mandatory, remediate, disabled\n`,
    );
  });

  it("2 on a missing --policy-config file", async () => {
    const r = await run("--stack", "dev", "--program-dir", other, "--policy-config", "/nonexistent.json");
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toBe("policy-check: --policy-config /nonexistent.json: no such file\n");
  });

  it("2 when the program's required config is missing (a stack with no config file), naming the key", async () => {
    const r = await run("--stack", "qa", "--program-dir", failing);
    expect(r.code).toBe(exitCodes.usage);
    expect(r.stderr).toContain(
      "policy-check: stack 'qa' configuration: Missing required configuration variable 'failing-program:mode'",
    );
  });

  it("3 when the program throws, with the program's own message", async () => {
    const r = await run("--stack", "dev", "--program-dir", failing);
    expect(r.code).toBe(exitCodes.failed);
    expect(r.stderr).toBe("policy-check: the program failed: storage account name 'shop' is already taken\n");
  });
});
