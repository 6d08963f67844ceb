import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as redis from "@pulumi/azure-native/redis";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as web from "@pulumi/azure-native/web";
import * as vercel from "@pulumiverse/vercel";
import { describe, expect, it } from "vitest";
import * as rules from "../../policies/rules/redis";
import { expectCase, remediate, type RuleCase, StackFixture, stackViolations } from "./helpers";

const cluster = {
  resourceGroupName: "rg",
  sku: { name: "Balanced_B1" },
  minimumTlsVersion: "1.2",
  publicNetworkAccess: "Disabled",
  highAvailability: "Enabled",
};
const database = {
  resourceGroupName: "rg",
  clusterName: "cache",
  databaseName: "default",
  clientProtocol: "Encrypted",
  accessKeysAuthentication: "Disabled",
  persistence: { aofEnabled: true, aofFrequency: "1s" },
};
const C = redisenterprise.RedisEnterprise;
const D = redisenterprise.Database;

describe("Azure Managed Redis cluster rules", () => {
  const tls: RuleCase[] = [
    { it: "passes TLS 1.2", expect: null },
    { it: "fails TLS 1.0", set: { minimumTlsVersion: "1.0" }, expect: "set minimumTlsVersion to '1.2'" },
    {
      it: "fails an unset minimum TLS version (missing counts as failure)",
      set: { minimumTlsVersion: undefined },
      expect: "(unset)",
    },
  ];
  it.each(tls)("min TLS: $it", (c) => expectCase(rules.redisClusterConfigureMinTls, C, cluster, c));

  const pna: RuleCase[] = [
    { it: "passes disabled public access", expect: null },
    {
      it: "fails enabled public access",
      set: { publicNetworkAccess: "Enabled" },
      expect: "set it to 'Disabled'",
    },
  ];
  it.each(pna)("public access: $it", (c) =>
    expectCase(rules.redisClusterDisallowPublicNetworkAccess, C, cluster, c),
  );

  const ha: RuleCase[] = [
    { it: "passes HA enabled", expect: null },
    { it: "treats unset HA as enabled", set: { highAvailability: undefined }, expect: null },
    {
      it: "fails HA disabled",
      set: { highAvailability: "Disabled" },
      expect: "set highAvailability to 'Enabled'",
    },
  ];
  it.each(ha)("HA: $it", (c) => expectCase(rules.redisClusterEnableHighAvailability, C, cluster, c));

  const sku: RuleCase[] = [
    { it: "passes a Balanced SKU", expect: null },
    {
      it: "fails a legacy Enterprise SKU",
      set: { sku: { name: "Enterprise_E10", capacity: 2 } },
      expect: "can no longer be created",
    },
    {
      it: "fails a legacy Enterprise Flash SKU",
      set: { sku: { name: "EnterpriseFlash_F300" } },
      expect: "can no longer be created",
    },
  ];
  it.each(sku)("SKU: $it", (c) => expectCase(rules.redisClusterDisallowLegacySku, C, cluster, c));

  const zones: RuleCase[] = [
    { it: "passes without zones", expect: null },
    { it: "fails with zones (rejected by the API)", set: { zones: ["1", "2", "3"] }, expect: "remove it" },
  ];
  it.each(zones)("zones: $it", (c) => expectCase(rules.redisClusterDisallowZones, C, cluster, c));
});

describe("Azure Managed Redis database rules", () => {
  const protocol: RuleCase[] = [
    { it: "passes Encrypted", expect: null },
    { it: "treats unset protocol as Encrypted", set: { clientProtocol: undefined }, expect: null },
    {
      it: "fails Plaintext",
      set: { clientProtocol: "Plaintext" },
      expect: "set clientProtocol to 'Encrypted'",
    },
  ];
  it.each(protocol)("protocol: $it", (c) =>
    expectCase(rules.redisDatabaseDisallowPlaintextProtocol, D, database, c),
  );

  it("remediation switches Plaintext to Encrypted and leaves the rest", async () => {
    const fixed = await remediate(rules.redisDatabaseDisallowPlaintextProtocol, D, {
      ...database,
      clientProtocol: "Plaintext",
    });
    expect(fixed).toEqual(database);
  });
  it("remediation leaves a compliant database alone", async () =>
    expect(await remediate(rules.redisDatabaseDisallowPlaintextProtocol, D, database)).toBeUndefined());

  const keys: RuleCase[] = [
    { it: "passes access keys disabled", expect: null },
    {
      it: "treats unset access keys as disabled (API 2025-07-01 default)",
      set: { accessKeysAuthentication: undefined },
      expect: null,
    },
    {
      it: "fails access keys enabled",
      set: { accessKeysAuthentication: "Enabled" },
      expect: "set accessKeysAuthentication to 'Disabled'",
    },
  ];
  it.each(keys)("access keys: $it", (c) => expectCase(rules.redisDatabaseDisableAccessKeys, D, database, c));

  const persistence: RuleCase[] = [
    { it: "passes AOF", expect: null },
    { it: "passes RDB", set: { persistence: { rdbEnabled: true, rdbFrequency: "1h" } }, expect: null },
    { it: "fails without persistence", set: { persistence: undefined }, expect: "enable AOF" },
  ];
  it.each(persistence)("persistence: $it", (c) =>
    expectCase(rules.redisDatabaseEnablePersistence, D, database, c),
  );
});

describe("redis-cache-disallow-retired-type", () => {
  const p = rules.redisCacheDisallowRetiredType;
  const cases: RuleCase[] = [
    { it: "fails any Azure Cache for Redis", expect: "redisenterprise.RedisEnterprise" },
    {
      it: "fails the versioned cache token too",
      cls: { __pulumiType: "azure-native:redis:v20240301:Redis" },
      expect: "retired",
    },
    {
      it: "ignores Azure Managed Redis",
      cls: C,
      expect: null,
      notApplicable: "not an Azure Cache for Redis",
    },
  ];
  it.each(cases)("$it", (c) =>
    expectCase(
      p,
      redis.Redis,
      { resourceGroupName: "rg", sku: { name: "Standard", family: "C", capacity: 1 } },
      c,
    ),
  );
});

describe("redis stack rules", () => {
  const base = () =>
    new StackFixture()
      .add(C, "cache", cluster)
      .add(D, "cache-db", database, { from: { clusterName: ["cache"] } })
      .add(
        redisenterprise.AccessPolicyAssignment,
        "cache-api-access",
        {
          accessPolicyName: "default",
          clusterName: "cache",
          databaseName: "default",
          user: { objectId: "x" },
        },
        {
          from: { databaseName: ["cache-db"], clusterName: ["cache"] },
        },
      )
      .add(
        web.WebApp,
        "api",
        { siteConfig: { appSettings: [{ name: "REDIS_HOST", value: "cache.westeurope.redis.azure.net" }] } },
        { from: { siteConfig: ["cache"] } },
      );

  it("passes a database with an access-policy assignment", async () =>
    expect(await stackViolations(rules.redisDatabaseMissingAccessPolicyAssignment, base())).toEqual([]));
  it("fails a keyless database nobody is assigned to", async () =>
    expect(
      await stackViolations(
        rules.redisDatabaseMissingAccessPolicyAssignment,
        base().remove("cache-api-access"),
      ),
    ).toEqual([expect.stringMatching(/^cache-db: .*no AccessPolicyAssignment/)]));
  it("does not require an assignment when access keys are enabled", async () =>
    expect(
      await stackViolations(
        rules.redisDatabaseMissingAccessPolicyAssignment,
        base()
          .remove("cache-api-access")
          .update("cache-db", { props: { accessKeysAuthentication: "Enabled" } }),
      ),
    ).toEqual([]));

  it("passes an app that only takes the host name from the cluster", async () =>
    expect(await stackViolations(rules.redisDatabaseEnforceKeysViaKeyVault, base())).toEqual([]));
  it("passes settings that reference a database whose access keys are disabled", async () =>
    expect(
      await stackViolations(
        rules.redisDatabaseEnforceKeysViaKeyVault,
        base().add(web.WebApp, "api2", {}, { from: { siteConfig: ["cache-db"] } }),
      ),
    ).toEqual([]));
  it("passes a Key Vault secret derived from the database keys", async () =>
    expect(
      await stackViolations(
        rules.redisDatabaseEnforceKeysViaKeyVault,
        base().add(keyvault.Secret, "redis-key", { properties: {} }, { from: { properties: ["cache-db"] } }),
      ),
    ).toEqual([]));
  it.each([
    ["an app setting", web.WebApp, "siteConfig"],
    ["an App Configuration key-value", appconfiguration.KeyValue, "value"],
    ["a Vercel variable", vercel.ProjectEnvironmentVariable, "value"],
  ] as const)("fails %s derived from the database keys", async (_label, cls, prop) =>
    expect(
      await stackViolations(
        rules.redisDatabaseEnforceKeysViaKeyVault,
        base()
          .update("cache-db", { props: { accessKeysAuthentication: "Enabled" } })
          .add(cls, "leak", {}, { from: { [prop]: ["cache-db"] } }),
      ),
    ).toEqual([expect.stringMatching(new RegExp(`^leak: .*takes ${prop} from a Redis database`))]),
  );
});
