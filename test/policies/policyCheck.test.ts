import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluatePack } from "../../offline/policy-engine/emulator";
import { resourceRecord, type ResourceRecord } from "../../offline/record";
import { rules } from "../../policies/rules";
import { readPolicyConfig, runPolicyCheck } from "../../tools/policy-check";
import { synthesize } from "../../offline/runtime/harness";

const root = path.join(__dirname, "../..");
const configFor = (stack: string) => readPolicyConfig(path.join(root, "policies/config", `${stack}.json`));

async function mandatory(records: ResourceRecord[], stack: string): Promise<string[]> {
  const findings = await evaluatePack(rules, records, configFor(stack));
  return findings.filter((f) => f.kind === "violation" && f.level === "mandatory").map((f) => f.policy);
}

function mutate(
  records: ResourceRecord[],
  name: string,
  change: (r: ResourceRecord) => ResourceRecord,
): ResourceRecord[] {
  expect(
    records.some((r) => r.name === name),
    `no resource '${name}' in the synthesized stack`,
  ).toBe(true);
  return records.map((r) => (r.name === name ? change(structuredClone(r)) : r));
}

describe("offline policy check of the committed stacks", () => {
  it.each(["staging", "production"])(
    "%s passes every mandatory rule of its own policy config",
    async (stack) => {
      const result = await runPolicyCheck({ stack });
      expect(result.resourceCount).toBeGreaterThan(20);
      expect(result.mandatory.map((f) => `${f.policy}: ${f.message}`)).toEqual([]);
    },
  );
});

describe("insecure variants of the production program fail with the expected rule", () => {
  let records: ResourceRecord[];
  beforeAll(async () => {
    records = (await synthesize({ programDir: root, stack: "production" })).resources;
  });

  it("the unmodified synthesis passes", async () =>
    expect(await mandatory(records, "production")).toEqual([]));

  it("a public database server fails postgresql-server-disallow-public-network-access", async () => {
    const variant = mutate(records, "database-server", (r) => ({
      ...r,
      inputs: { ...r.inputs, network: { publicNetworkAccess: "Enabled" } },
    }));
    expect(await mandatory(variant, "production")).toContain(
      "postgresql-server-disallow-public-network-access",
    );
  });

  it("a wildcard CORS origin fails web-webapp-disallow-cors-wildcard", async () => {
    const variant = mutate(records, "api-site", (r) => {
      const siteConfig = r.inputs["siteConfig"] as { cors?: { allowedOrigins?: string[] } };
      siteConfig.cors = { allowedOrigins: ["*"] };
      return r;
    });
    expect(await mandatory(variant, "production")).toEqual(
      expect.arrayContaining(["web-webapp-disallow-cors-wildcard", "web-webapp-configure-cors-allowlist"]),
    );
  });

  it("a plaintext secret app setting fails web-webapp-enforce-keyvault-references", async () => {
    const variant = mutate(records, "api-site", (r) => {
      const siteConfig = r.inputs["siteConfig"] as { appSettings: { name: string; value: string }[] };
      siteConfig.appSettings.push({ name: "JWT_SECRET", value: "not-so-secret" });
      return r;
    });
    expect(await mandatory(variant, "production")).toContain("web-webapp-enforce-keyvault-references");
  });

  it("TLS 1.0 on the API fails web-webapp-configure-min-tls", async () => {
    const variant = mutate(records, "api-site", (r) => {
      (r.inputs["siteConfig"] as { minTlsVersion?: string }).minTlsVersion = "1.0";
      return r;
    });
    expect(await mandatory(variant, "production")).toContain("web-webapp-configure-min-tls");
  });

  it("an unprotected production server fails azure-stateful-enforce-protect", async () => {
    const variant = mutate(records, "database-server", (r) => ({ ...r, protect: false }));
    expect(await mandatory(variant, "production")).toContain("azure-stateful-enforce-protect");
  });

  it("a literal administrator password fails postgresql-server-enforce-password-from-generator", async () => {
    const variant = mutate(records, "database-server", (r) => ({
      ...r,
      inputs: { ...r.inputs, administratorLoginPassword: "Passw0rd!" },
      propertyDependencies: { ...r.propertyDependencies, administratorLoginPassword: [] },
    }));
    expect(await mandatory(variant, "production")).toContain(
      "postgresql-server-enforce-password-from-generator",
    );
  });

  it("dropping the database alerts fails monitor-alert-missing-coverage", async () => {
    const variant = records.filter((r) => !r.name.startsWith("alerts-db-"));
    expect(await mandatory(variant, "production")).toContain("monitor-alert-missing-coverage");
  });

  it("the retired Azure Cache for Redis type fails redis-cache-disallow-retired-type", async () => {
    const variant = [
      ...records,
      resourceRecord({
        urn: "urn:pulumi:production::webapp-platform::azure-native:redis:Redis::legacy",
        type: "azure-native:redis:Redis",
        name: "legacy",
        inputs: {},
      }),
    ];
    expect(await mandatory(variant, "production")).toContain("redis-cache-disallow-retired-type");
  });
});

describe("insecure stack config", () => {
  it("turning protectStateful off in production fails azure-stateful-enforce-protect", async () => {
    const result = await runPolicyCheck({
      stack: "production",
      configOverrides: { "webapp-platform:protectStateful": false },
    });
    expect(result.mandatory.map((f) => f.policy)).toContain("azure-stateful-enforce-protect");
  });

  it("switching production to public network mode fails the public-database and Redis rules", async () => {
    const result = await runPolicyCheck({
      stack: "production",
      configOverrides: {
        "webapp-platform:network": {
          mode: "public",
          allowedIpRanges: [{ name: "office", startIp: "203.0.113.0", endIp: "203.0.113.255" }],
        },
      },
    });
    expect(result.mandatory.map((f) => f.policy).sort()).toEqual([
      "postgresql-server-disallow-public-network-access",
      "redis-cluster-disallow-public-network-access",
    ]);
  });

  it("turning Redis access keys on in production is reported (advisory: the keys go only through Key Vault)", async () => {
    const result = await runPolicyCheck({
      stack: "production",
      configOverrides: {
        "webapp-platform:cache": {
          sku: "Balanced_B1",
          highAvailability: true,
          persistence: "aof",
          accessKeys: true,
        },
      },
    });
    const redis = result.findings.filter((f) => f.kind === "violation" && f.policy.startsWith("redis-"));
    expect(redis.map((f) => `${f.policy} ${f.level}`)).toEqual([
      "redis-database-disable-access-keys advisory",
    ]);
    expect(result.mandatory).toEqual([]);
  });
});

describe("another Pulumi TypeScript program", () => {
  it("is checked with this pack from its own directory and stack config", async () => {
    const result = await runPolicyCheck({
      stack: "dev",
      programDir: path.join(__dirname, "../fixtures/other-program"),
      policyConfig: path.join(root, "policies/config/production.json"),
    });
    expect(result.resourceCount).toBe(2);
    expect(result.mandatory.map((f) => `${f.policy} ${f.urn?.split("::").pop()}`)).toEqual([
      "random-password-configure-strength db-password",
    ]);
  });
});
