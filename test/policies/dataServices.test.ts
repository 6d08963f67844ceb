import * as keyvault from "@pulumi/azure-native/keyvault";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as storage from "@pulumi/azure-native/storage";
import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import * as kv from "../../policies/rules/keyVault";
import * as st from "../../policies/rules/storage";
import { check, expectCase, remediate, type RuleCase, StackFixture, stackViolations } from "./helpers";

const vault = {
  resourceGroupName: "rg",
  properties: {
    tenantId: "t",
    sku: { family: "A", name: "standard" },
    enableRbacAuthorization: true,
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    enablePurgeProtection: true,
    networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
  },
};
const inDays = (d: number) => Math.floor(Date.now() / 1000) + d * 86400;
const secret = {
  resourceGroupName: "rg",
  vaultName: "kv",
  properties: { value: "v", contentType: "text/plain", attributes: { expires: inDays(90) } },
};
const V = keyvault.Vault;

describe("Key Vault rules", () => {
  const table: [string, Parameters<typeof expectCase>[0], RuleCase[]][] = [
    [
      "purge protection",
      kv.keyVaultVaultEnablePurgeProtection,
      [
        { it: "passes when on", expect: null },
        {
          it: "fails when unset",
          set: { "properties.enablePurgeProtection": undefined },
          expect: "enablePurgeProtection to true",
        },
      ],
    ],
    [
      "soft delete",
      kv.keyVaultVaultEnableSoftDelete,
      [
        { it: "passes 90 days", config: { minRetentionDays: 90 }, expect: null },
        {
          it: "treats unset retention as 90 days",
          set: { "properties.softDeleteRetentionInDays": undefined },
          config: { minRetentionDays: 90 },
          expect: null,
        },
        {
          it: "fails retention below the stack minimum",
          set: { "properties.softDeleteRetentionInDays": 7 },
          config: { minRetentionDays: 90 },
          expect: "at least 90",
        },
        {
          it: "fails soft delete off",
          set: { "properties.enableSoftDelete": false },
          expect: "Soft delete is off",
        },
      ],
    ],
    [
      "RBAC",
      kv.keyVaultVaultEnableRbacAuthorization,
      [
        { it: "passes RBAC without access policies", expect: null },
        {
          it: "fails when unset",
          set: { "properties.enableRbacAuthorization": undefined },
          expect: "enableRbacAuthorization to true",
        },
        {
          it: "fails access policies next to RBAC",
          set: { "properties.accessPolicies": [{ objectId: "o", tenantId: "t", permissions: {} }] },
          expect: "remove them",
        },
      ],
    ],
    [
      "network",
      kv.keyVaultVaultConfigureNetworkDefaultDeny,
      [
        { it: "passes default deny", expect: null },
        {
          it: "passes public access disabled",
          set: { "properties.networkAcls": undefined, "properties.publicNetworkAccess": "Disabled" },
          expect: null,
        },
        {
          it: "fails when unset (Allow)",
          set: { "properties.networkAcls": undefined },
          expect: "defaultAction to 'Deny'",
        },
      ],
    ],
  ];
  for (const [label, policy, cases] of table) {
    it.each(cases)(`${label}: $it`, (c) => expectCase(policy, V, vault, c));
  }

  it.each<RuleCase>([
    { it: "passes an expiry within the limit", expect: null },
    {
      it: "fails a secret that never expires",
      set: { "properties.attributes": undefined },
      expect: "never expires",
    },
    {
      it: "fails an expiry beyond maxDays",
      set: { "properties.attributes.expires": inDays(800) },
      config: { maxDays: 365 },
      expect: "more than 365 days",
    },
  ])("secret expiry: $it", (c) =>
    expectCase(kv.keyVaultSecretConfigureExpiration, keyvault.Secret, secret, c),
  );
  it.each<RuleCase>([
    { it: "passes with a content type", expect: null },
    {
      it: "fails without one",
      set: { "properties.contentType": undefined },
      expect: "set properties.contentType",
    },
  ])("secret content type: $it", (c) =>
    expectCase(kv.keyVaultSecretMissingContentType, keyvault.Secret, secret, c),
  );

  describe("keyvault-secret-enforce-value-provenance", () => {
    const p = kv.keyVaultSecretEnforceValueProvenance;
    const stack = () =>
      new StackFixture()
        .add(random.RandomPassword, "jwt", { length: 64 })
        .add(redisenterprise.Database, "cache-db", {})
        .add(keyvault.Secret, "jwt-secret", secret, { from: { properties: ["jwt"] } })
        .add(keyvault.Secret, "redis-key", secret, { from: { properties: ["cache-db"] } });
    it("passes generated values and keys from the resource that owns them", async () =>
      expect(await stackViolations(p, stack())).toEqual([]));
    it("fails a literal secret value", async () =>
      expect(await stackViolations(p, stack().add(keyvault.Secret, "hardcoded", secret))).toEqual([
        expect.stringMatching(/^hardcoded: Value of secret 'hardcoded' is a value with no generator/),
      ]));
    it("passes third-party keys declared as secret config", async () =>
      expect(
        await stackViolations(p, stack().add(keyvault.Secret, "kv-openai-api-key", secret), {
          configSecretFor: [{ name: "OPENAI", reason: "third-party key from requireSecret" }],
        }),
      ).toEqual([]));
  });
});

const account = {
  resourceGroupName: "rg",
  kind: "StorageV2",
  sku: { name: "Standard_ZRS" },
  enableHttpsTrafficOnly: true,
  minimumTlsVersion: "TLS1_2",
  allowBlobPublicAccess: false,
  allowSharedKeyAccess: false,
  allowCrossTenantReplication: false,
  networkRuleSet: { defaultAction: "Deny" },
};
const SA = storage.StorageAccount;

describe("storage rules", () => {
  const table: [string, Parameters<typeof expectCase>[0], RuleCase[]][] = [
    [
      "https",
      st.storageAccountEnforceHttps,
      [
        { it: "passes https only", expect: null },
        { it: "treats unset as https only", set: { enableHttpsTrafficOnly: undefined }, expect: null },
        {
          it: "fails http allowed",
          set: { enableHttpsTrafficOnly: false },
          expect: "enableHttpsTrafficOnly to true",
        },
      ],
    ],
    [
      "min TLS",
      st.storageAccountConfigureMinTls,
      [
        { it: "passes TLS1_2", expect: null },
        { it: "fails TLS1_0", set: { minimumTlsVersion: "TLS1_0" }, expect: "'TLS1_0'" },
        { it: "fails when unset", set: { minimumTlsVersion: undefined }, expect: "(unset)" },
      ],
    ],
    [
      "blob public access",
      st.storageAccountDisallowBlobPublicAccess,
      [
        { it: "passes false", expect: null },
        {
          it: "fails when unset",
          set: { allowBlobPublicAccess: undefined },
          expect: "allowBlobPublicAccess to false",
        },
      ],
    ],
    [
      "shared key",
      st.storageAccountDisallowSharedKey,
      [
        { it: "passes false", expect: null },
        {
          it: "fails when unset",
          set: { allowSharedKeyAccess: undefined },
          expect: "allowSharedKeyAccess to false",
        },
      ],
    ],
    [
      "network",
      st.storageAccountConfigureNetworkDefaultDeny,
      [
        { it: "passes Deny", expect: null },
        { it: "fails when unset", set: { networkRuleSet: undefined }, expect: "'Deny'" },
      ],
    ],
    [
      "cross-tenant replication",
      st.storageAccountDisallowCrossTenantReplication,
      [
        { it: "passes when unset (false)", set: { allowCrossTenantReplication: undefined }, expect: null },
        {
          it: "fails true",
          set: { allowCrossTenantReplication: true },
          expect: "allowCrossTenantReplication to false",
        },
      ],
    ],
    [
      "redundancy",
      st.storageAccountConfigureRedundantSku,
      [
        { it: "passes ZRS", expect: null },
        { it: "fails LRS", set: { "sku.name": "Standard_LRS" }, expect: "Standard_ZRS" },
      ],
    ],
  ];
  for (const [label, policy, cases] of table) {
    it.each(cases)(`${label}: $it`, (c) => expectCase(policy, SA, account, c));
  }

  it("exempts the Elastic Premium host storage from the shared-key rule by name", async () => {
    const outcome = await check(
      st.storageAccountDisallowSharedKey,
      SA,
      { ...account, allowSharedKeyAccess: true },
      {
        name: "prod-api-host",
        config: {
          excludeFor: [
            { name: "api-host", reason: "Elastic Premium content share (Azure Files) needs a key" },
          ],
        },
      },
    );
    expect(outcome.violations).toEqual([]);
    expect(outcome.notApplicable).toContain("Azure Files");
  });

  it("https remediation flips enableHttpsTrafficOnly back on", async () =>
    expect(
      (await remediate(st.storageAccountEnforceHttps, SA, { ...account, enableHttpsTrafficOnly: false }))?.[
        "enableHttpsTrafficOnly"
      ],
    ).toBe(true));

  const blob = {
    resourceGroupName: "rg",
    accountName: "sa",
    deleteRetentionPolicy: { enabled: true, days: 7 },
    containerDeleteRetentionPolicy: { enabled: true, days: 7 },
    isVersioningEnabled: true,
  };
  it.each<RuleCase>([
    { it: "passes both retention policies", expect: null },
    {
      it: "fails without blob soft delete",
      set: { deleteRetentionPolicy: undefined },
      expect: "deleteRetentionPolicy.enabled",
    },
    {
      it: "fails without container soft delete",
      set: { "containerDeleteRetentionPolicy.enabled": false },
      expect: "containerDeleteRetentionPolicy.enabled",
    },
  ])("blob soft delete: $it", (c) =>
    expectCase(st.storageBlobServiceEnableSoftDelete, storage.BlobServiceProperties, blob, c),
  );
  it.each<RuleCase>([
    { it: "passes versioning", expect: null },
    {
      it: "fails when unset",
      set: { isVersioningEnabled: undefined },
      expect: "isVersioningEnabled to true",
    },
  ])("blob versioning: $it", (c) =>
    expectCase(st.storageBlobServiceEnableVersioning, storage.BlobServiceProperties, blob, c),
  );
});
