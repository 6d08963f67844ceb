// The policy-check command line: exit codes, messages, defaults for stacks it does not know, profiles and formats.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as network from "@pulumi/azure-native/network";
import type { Log } from "sarif";
import { record } from "../../tools/harness";
import { exitCodes, main, runPolicyCheck } from "../../tools/policy-check";
import { formatSarif } from "../../tools/policy-report";

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
      "policy-check: stack 'dev', 2 resources, 83 rules (profile security, config pack defaults)",
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

  it("3 when an apply inside the program throws, with its message and the property it fed", async () => {
    const r = await run("--stack", "apply", "--program-dir", failing);
    expect(r.code).toBe(exitCodes.failed);
    expect(r.stderr).toBe(
      'policy-check: the program failed: error serializing property "length": cannot derive a length from a 32-character token\n',
    );
  });

  it("3 when the program throws, with the program's own message", async () => {
    const r = await run("--stack", "dev", "--program-dir", failing);
    expect(r.code).toBe(exitCodes.failed);
    expect(r.stderr).toBe("policy-check: the program failed: storage account name 'shop' is already taken\n");
  });
});

describe("report formats", () => {
  it("SARIF 2.1.0 with rule ids, levels, messages, declaring lines and remediation help", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sarif-")), "results.sarif");
    const program = path.join(fixtures, "data-function");
    const r = await run("--stack", "dev", "--program-dir", program, "--format", "sarif", "--output", out);
    expect(r.code).toBe(exitCodes.violations);
    const log = JSON.parse(fs.readFileSync(out, "utf8")) as Log;
    expect(log.version).toBe("2.1.0");
    const results = log.runs[0]!.results!;
    const everyone = results.find((x) => (x.message.text ?? "").startsWith("orders-sql-everyone:"));
    expect(everyone).toMatchObject({
      ruleId: "sql-firewallrule-disallow-open-range",
      level: "error",
      message: {
        text: "orders-sql-everyone: Firewall rule 0.0.0.0-255.255.255.255 opens 4294967296 addresses (limit 256): narrow it to the clients' egress addresses.",
      },
    });
    expect(everyone?.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: "test/fixtures/data-function/index.ts", uriBaseId: "%SRCROOT%" },
      region: { startLine: 28 },
    });
    const rules = log.runs[0]!.tool.driver.rules!;
    expect(rules).toHaveLength(83);
    const rule = rules[everyone!.ruleIndex!];
    expect(rule?.id).toBe("sql-firewallrule-disallow-open-range");
    expect(rule?.help?.text).toBe(
      "Azure SQL server firewall rule opens at most `maxAddresses` addresses (default 256, a /24); 0.0.0.0-255.255.255.255 always fails.\nFix: Replace the rule with the exact egress addresses of the clients (CI runners, office) or use a private endpoint.",
    );
    expect(rule?.properties?.["security-severity"]).toBe("9.5");
  });

  it("a finding with no declaring line points at the stack file", async () => {
    const result = await runPolicyCheck({ stack: "dev", programDir: other });
    const log = JSON.parse(formatSarif({ ...result, sources: {} })) as Log;
    expect(log.runs[0]!.results!.map((x) => x.locations?.[0]?.physicalLocation)).toEqual([
      {
        artifactLocation: { uri: "test/fixtures/other-program/Pulumi.dev.yaml", uriBaseId: "%SRCROOT%" },
        region: { startLine: 1 },
      },
    ]);
  });

  it("a markdown summary with counts and the mandatory table open", async () => {
    const r = await run("--stack", "dev", "--program-dir", other, "--format", "markdown");
    expect(r.stdout).toContain("### Policy check: stack `dev` FAILED");
    expect(r.stdout).toContain("| mandatory violations (block the deployment) | 1 |");
    expect(r.stdout).toContain(
      "<details open><summary>mandatory violations (block the deployment): 1</summary>",
    );
    expect(r.stdout).toContain(
      "| high | `random-password-configure-strength` | db-password | Password length 12 is below 24: set length to at least 24. |",
    );
  });

  it("JSON with pass, profile and the unfaked invokes", async () => {
    const r = await run("--stack", "dev", "--program-dir", path.join(fixtures, "vm-at-import"), "--json");
    const report = JSON.parse(r.stdout) as {
      pass: boolean;
      profile: string;
      unfakedCalls: string[];
      ruleCount: number;
    };
    expect(report).toMatchObject({
      pass: false,
      profile: "security",
      unfakedCalls: ["azure-native:network:getSubnet"],
      ruleCount: 83,
    });
  });
});

describe("the program's own errors", () => {
  it("a mock engine failure names the invoke it was serving (tests keep unmocked calls throwing)", async () => {
    const call = record(() =>
      network.getSubnet({ resourceGroupName: "rg", virtualNetworkName: "hub", subnetName: "apps" }),
    );
    await expect(call).rejects.toThrow(
      'calling azure-native:network:getSubnet: unmocked provider function call azure-native:network:getSubnet with inputs {"resourceGroupName":"rg","subnetName":"apps","virtualNetworkName":"hub"}',
    );
  });

  it("an Error with an empty message is reported as such, with where it was thrown", async () => {
    const r = await run("--stack", "empty", "--program-dir", failing);
    expect(r.code).toBe(exitCodes.failed);
    expect(r.stderr).toMatch(
      /^policy-check: the program failed: Error with an empty message \(at module\.exports \(.*\/test\/fixtures\/failing-program\/index\.ts:\d+:\d+\)\)\n$/,
    );
  });
});
