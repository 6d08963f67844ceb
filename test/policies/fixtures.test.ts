// The offline check on small programs unlike this one and each other (test/fixtures): it finds every planted
// problem, reports nothing else at mandatory level, and crashes on none. One fixture brings its own node_modules
// (azure-native 2.x and its own @pulumi/pulumi), installed here from the npm registry (npm's cache keeps it offline).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { unknownString } from "../../offline/policy-engine/sdk-internals";
import { synthesize } from "../../offline/runtime/harness";
import { runPolicyCheck } from "../../tools/policy-check";
import { engineView } from "../../offline/policy-engine/emulator";
import { ownSdk, sdkFor } from "../../offline/runtime/program-sdk";

const fixtures = path.join(__dirname, "../fixtures");
const older = path.join(fixtures, "older-azure-native");

/** `kind policy resource` for every mandatory violation and every remediate-level fix. */
async function blocking(fixture: string): Promise<string[]> {
  const result = await runPolicyCheck({ stack: "dev", programDir: path.join(fixtures, fixture) });
  return result.findings
    .filter((f) => (f.kind === "violation" && f.level === "mandatory") || f.kind === "remediated")
    .map((f) => `${f.kind} ${f.policy} ${f.urn?.split("::").pop() ?? "(stack)"}`)
    .sort();
}

describe("programs of other shapes", () => {
  it("a VM program that registers at import and looks up its subnet with an unfaked invoke", async () => {
    const result = await runPolicyCheck({ stack: "dev", programDir: path.join(fixtures, "vm-at-import") });
    expect(result.unfakedCalls).toEqual(["azure-native:network:getSubnet"]);
    // The subnet id computed in apply from the unfaked invoke reaches the rules as the engine's unknown sentinel.
    const synthesis = await synthesize({
      programDir: path.join(fixtures, "vm-at-import"),
      stack: "dev",
      unfaked: "unknown",
    });
    const nic = synthesis.resources.find((r) => r.name === "vm-nic");
    expect(engineView(nic?.inputs["ipConfigurations"])).toEqual([
      {
        name: "primary",
        subnet: { id: unknownString },
        publicIPAddress: { id: expect.stringContaining("/vm-ip") },
      },
    ]);
    expect(result.mandatory.map((f) => `${f.policy} ${f.urn?.split("::").pop()}`).sort()).toEqual([
      "compute-virtualmachine-disable-password-login vm",
      "network-networkinterface-disallow-public-ip-without-nsg vm-nic",
    ]);
  });

  it("data services declared in an exported async function", async () =>
    expect(await blocking("data-function")).toEqual([
      "violation cosmosdb-databaseaccount-disable-local-auth sessions-cosmos",
      "violation cosmosdb-databaseaccount-disable-public-network-access sessions-cosmos",
      "violation mysql-firewallrule-disallow-open-range catalog-mysql-wide",
      "violation sql-firewallrule-disallow-open-range orders-sql-everyone",
    ]));

  it("containers inside a component, entry point from Pulumi.yaml main, no stack config file", async () =>
    expect(await blocking("containers-component")).toEqual([
      "violation app-containerapp-disallow-insecure-ingress shop-app",
      "violation containerinstance-containergroup-disallow-public-plaintext-ports shop-jobs",
      "violation containerregistry-registry-disable-admin-user shop-acr",
    ]));

  it("a web app whose connection string is computed in apply from a storage key", async () =>
    expect(await blocking("webapp-apply")).toEqual([
      "remediated storage-account-enforce-https sitefiles",
      "remediated web-webapp-enforce-https-only site",
      "violation storage-account-configure-min-tls sitefiles",
      "violation storage-account-disallow-blob-public-access sitefiles",
      "violation web-webapp-disallow-literal-credentials site",
      "violation web-webapp-enable-managed-identity site",
      "violation web-webapp-enforce-keyvault-references site",
      "violation web-webapp-missing-basic-auth-policies site",
      "violation web-webapp-missing-basic-auth-policies site",
    ]));

  it("providers other than azure-native, including one nobody here has installed", async () =>
    expect(await blocking("other-providers")).toEqual([
      "violation postgresql-provider-enforce-ssl-mode reporting-db",
      "violation random-password-configure-strength reporting-password",
      "violation random-password-configure-strength reporting-password",
      "violation vercel-environmentvariable-enforce-sensitive storefront-db-password",
    ]));

  it("under --preview, the apply-computed connection string is unknown, not a violation", async () => {
    const result = await runPolicyCheck({
      stack: "dev",
      programDir: path.join(fixtures, "webapp-apply"),
      preview: true,
    });
    const kinds = (policy: string): string[] =>
      result.findings.filter((f) => f.policy === policy).map((f) => `${f.kind} ${f.level}`);
    // azure-native computes siteConfig's defaults in apply, so the engine sends the whole object unknown.
    expect(kinds("web-webapp-disallow-literal-credentials")).toEqual(["unknown advisory"]);
    expect(kinds("web-webapp-configure-min-tls")).toEqual(["unknown advisory"]);
    // The storage account's resourceGroupName is unknown, its known leaves are still checked.
    expect(kinds("storage-account-configure-min-tls")).toEqual(["violation mandatory"]);
    expect(kinds("storage-account-disallow-blob-public-access")).toEqual(["violation mandatory"]);
  });
});

describe("a program with its own node_modules and an older azure-native major", () => {
  beforeAll(() => {
    const installed = path.join(older, "node_modules/@pulumi/azure-native/package.json");
    const version = fs.existsSync(installed)
      ? (JSON.parse(fs.readFileSync(installed, "utf8")) as { version: string }).version
      : undefined;
    if (version !== "2.92.3") {
      execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"], {
        cwd: older,
        stdio: "ignore",
      });
    }
  }, 600_000);

  it("gets the mocks on its own @pulumi/pulumi instance", () => {
    const sdk = sdkFor(older);
    expect(sdk).not.toBe(ownSdk);
    expect(sdk.root).toBe(path.join(older, "node_modules/@pulumi/pulumi"));
  });

  it(
    "runs and finds the planted problems",
    async () =>
      expect(await blocking("older-azure-native")).toEqual([
        "violation containerregistry-registry-disable-admin-user legacyacr",
        "violation storage-account-disallow-blob-public-access legacyfiles",
      ]),
    120_000,
  );
});
