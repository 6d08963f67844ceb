import { describe, expect, it } from "vitest";
import { FeatureFlags, type FeatureFlagsArgs } from "../../components/featureFlags";
import { countByType, one, ofType, record, expectChildrenOf } from "../support";
import { stackConfig, namingFor } from "../support/config";

type Stack = "staging" | "production";

const SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pe";
const ZONE =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.azconfig.io";
const DEPLOYER = "99999999-9999-9999-9999-999999999999";

function argsFor(stack: Stack, patch: Partial<FeatureFlagsArgs> = {}): FeatureFlagsArgs {
  const cfg = stackConfig(stack);
  return {
    naming: namingFor(cfg, stack),
    resourceGroupName: "rg-shop",
    location: cfg.environment.location,
    config: cfg.featureFlags,
    protect: cfg.protectStateful,
    network:
      cfg.network.mode === "private"
        ? { mode: "private", privateEndpointSubnetId: SUBNET, dnsZoneId: ZONE }
        : { mode: "public" },
    deployerPrincipalId: DEPLOYER,
    deployerPrincipalType: cfg.deployer.principalType,
    ...patch,
  };
}

const build = (stack: Stack, patch: Partial<FeatureFlagsArgs> = {}) =>
  record(() => {
    const f = new FeatureFlags("flags", argsFor(stack, patch));
    return { storeName: f.storeName, storeId: f.storeId, endpoint: f.endpoint, flagNames: f.flagNames };
  });

const COMMITTED_FLAGS: Record<string, number> = {
  ENABLE_ADVANCED_ANALYTICS: 100,
  ENABLE_REAL_TIME_SYNC: 50,
  ENABLE_DARK_MODE: 100,
  ENABLE_ADVANCED_SEARCH: 0,
  ENABLE_RECOMMENDATIONS: 0,
  ENABLE_NOTIFICATIONS_V2: 30,
};

describe("FeatureFlags", () => {
  it("writes the six committed flags as targeting-filter feature flags with their percentages", async () => {
    const result = await build("staging");
    const kvs = ofType(result, "azure-native:appconfiguration:KeyValue");
    expect(kvs).toHaveLength(6);
    for (const [flag, pct] of Object.entries(COMMITTED_FLAGS)) {
      const kv = one(result, "azure-native:appconfiguration:KeyValue", `-flag-${flag}`);
      expect(kv.inputs.keyValueName).toBe(`.appconfig.featureflag~2F${flag}`);
      expect(kv.inputs.contentType).toBe("application/vnd.microsoft.appconfig.ff+json;charset=utf-8");
      expect(JSON.parse(String(kv.inputs.value))).toEqual({
        id: flag,
        description: `Managed by Pulumi: featureFlags.flags.${flag} in the stack config`,
        enabled: true,
        conditions: {
          client_filters: [
            {
              name: "Microsoft.Targeting",
              parameters: { Audience: { Users: [], Groups: [], DefaultRolloutPercentage: pct } },
            },
          ],
        },
      });
      expect(String(kv.inputs.configStoreName)).toMatch(/^appcs-shop-stg-[0-9a-f]{5}$/);
    }
    expect(result.outputs.flagNames).toEqual(Object.keys(COMMITTED_FLAGS).sort());
  });

  it("turns local auth off and lets ARM write through the data plane as the caller", async () => {
    for (const stack of ["staging", "production"] as const) {
      const store = one(await build(stack), "azure-native:appconfiguration:ConfigurationStore");
      expect(store.inputs).toMatchObject({
        sku: { name: "standard" },
        disableLocalAuth: true,
        dataPlaneProxy: { authenticationMode: "Pass-through" },
        publicNetworkAccess: "Enabled",
      });
    }
  });

  it("keeps public access by default: without ARM private link the flag writes would be refused", async () => {
    const store = one(await build("production"), "azure-native:appconfiguration:ConfigurationStore");
    expect(store.inputs.publicNetworkAccess).toBe("Enabled");
    expect(store.inputs.dataPlaneProxy).toEqual({ authenticationMode: "Pass-through" });
  });

  it("with armPrivateLink in private mode, turns public access off and lets ARM write through its private link", async () => {
    const cfg = stackConfig("production", { featureFlags: { armPrivateLink: true } });
    const result = await build("production", { config: cfg.featureFlags });
    const store = one(result, "azure-native:appconfiguration:ConfigurationStore");
    expect(store.inputs).toMatchObject({
      publicNetworkAccess: "Disabled",
      disableLocalAuth: true,
      dataPlaneProxy: { authenticationMode: "Pass-through", privateLinkDelegation: "Enabled" },
    });
    expect(ofType(result, "azure-native:network:PrivateEndpoint")).toHaveLength(1);
    expect(ofType(result, "azure-native:appconfiguration:KeyValue")).toHaveLength(6);
  });

  it("refuses armPrivateLink in public mode, where nothing could reach a store without public access", async () => {
    const cfg = stackConfig("production", { featureFlags: { armPrivateLink: true } });
    await expect(build("staging", { config: cfg.featureFlags })).rejects.toThrow(
      "featureFlags.armPrivateLink needs network mode private: with public access off only a private endpoint reaches the store",
    );
  });

  it("has purge protection and 7-day soft delete in production, neither protection nor long retention in staging", async () => {
    const staging = one(await build("staging"), "azure-native:appconfiguration:ConfigurationStore");
    const production = one(await build("production"), "azure-native:appconfiguration:ConfigurationStore");
    expect(staging.inputs).toMatchObject({ enablePurgeProtection: false, softDeleteRetentionInDays: 1 });
    expect(production.inputs).toMatchObject({ enablePurgeProtection: true, softDeleteRetentionInDays: 7 });
    expect(staging.protect).toBe(false);
    expect(production.protect).toBe(true);
  });

  it("sends no soft-delete retention (0, not the SDK default 7) and no purge protection on the free SKU", async () => {
    const cfg = stackConfig("staging").featureFlags;
    const store = one(
      await build("staging", { config: { ...cfg, sku: "free", purgeProtection: false } }),
      "azure-native:appconfiguration:ConfigurationStore",
    );
    expect(store.inputs.sku).toEqual({ name: "free" });
    expect(store.inputs).toMatchObject({ enablePurgeProtection: false, softDeleteRetentionInDays: 0 });
  });

  it("adds a private endpoint with DNS registration in production only", async () => {
    const staging = await build("staging");
    expect(ofType(staging, "azure-native:network:PrivateEndpoint")).toHaveLength(0);
    const production = await build("production");
    const pe = one(production, "azure-native:network:PrivateEndpoint");
    expect(pe.inputs).toMatchObject({
      privateEndpointName: "pe-appcs-shop-prd",
      subnet: { id: SUBNET },
      privateLinkServiceConnections: [{ groupIds: ["configurationStores"] }],
    });
    const dns = one(production, "azure-native:network:PrivateDnsZoneGroup");
    expect(dns.inputs.privateDnsZoneConfigs).toEqual([
      { name: "configurationStores", privateDnsZoneId: ZONE },
    ]);
  });

  it("grants the deployer App Configuration Data Owner on the store under a stable GUID, before any flag is written", async () => {
    const result = await build("staging");
    const ra = one(result, "azure-native:authorization:RoleAssignment");
    expect(ra.inputs).toMatchObject({
      principalId: DEPLOYER,
      scope: result.outputs.storeId,
      roleDefinitionId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/5ae67dd6-50cb-40e7-96ff-dc2bfa4b606b",
    });
    expect(String(ra.inputs.roleAssignmentName)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const again = one(await build("staging"), "azure-native:authorization:RoleAssignment");
    expect(again.inputs.roleAssignmentName).toBe(ra.inputs.roleAssignmentName);
  });

  it("writes no flag until the data-owner grant has had 15 minutes to propagate (Microsoft: up to 15 minutes)", async () => {
    const result = await build("staging");
    const ra = one(result, "azure-native:authorization:RoleAssignment");
    const sleep = one(result, "time:index/sleep:Sleep");
    expect(sleep.name).toBe("flags-deployer-data-owner-propagation");
    expect(sleep.inputs).toEqual({
      createDuration: "15m",
      triggers: { grant0: ra.inputs.id ?? expect.any(String) },
    });
    expect(sleep.dependencies).toEqual([ra.urn]);
    const keyValues = ofType(result, "azure-native:appconfiguration:KeyValue");
    expect(keyValues).toHaveLength(6);
    for (const kv of keyValues) expect(kv.dependencies).toContain(sleep.urn);
  });

  it("names the deployer's principal type on its grant: ServicePrincipal by default (CI), User when config says so", async () => {
    // azure-native sends "User" when principalType is unset, which Azure refuses for CI's service principal.
    const ci = one(await build("production"), "azure-native:authorization:RoleAssignment");
    expect(ci.inputs.principalType).toBe("ServicePrincipal");
    const person = one(
      await build("staging", { deployerPrincipalType: "User" }),
      "azure-native:authorization:RoleAssignment",
    );
    expect(person.inputs.principalType).toBe("User");
  });

  it("parents every child to the component and names it from the component name", async () => {
    const result = await build("production");
    expect(countByType(result)).toEqual({
      "azure-native:appconfiguration:ConfigurationStore": 1,
      "azure-native:appconfiguration:KeyValue": 6,
      "azure-native:authorization:RoleAssignment": 1,
      "azure-native:network:PrivateDnsZoneGroup": 1,
      "azure-native:network:PrivateEndpoint": 1,
      "pulumi:pulumi:Stack": 1,
      "time:index/sleep:Sleep": 1,
      "webapp-platform:flags:FeatureFlags": 1,
    });
    expectChildrenOf(result, "flags");
    expect(result.outputs.endpoint).toBe(`https://${String(result.outputs.storeName)}.azconfig.io`);
  });

  it("rejects purge protection on the free SKU", async () => {
    const cfg = stackConfig("staging").featureFlags;
    await expect(
      build("staging", { config: { ...cfg, sku: "free", purgeProtection: true } }),
    ).rejects.toThrow(
      "featureFlags.purgeProtection needs sku standard; set sku to standard or purgeProtection to false",
    );
  });

  it("rejects private mode without the endpoint subnet and DNS zone", async () => {
    await expect(build("production", { network: { mode: "private" } })).rejects.toThrow(
      "network.privateEndpointSubnetId and network.dnsZoneId are required in private mode (pass the Network component's endpoint subnet and privatelink.azconfig.io zone)",
    );
  });

  it("rejects the free SKU in private mode", async () => {
    const cfg = stackConfig("production").featureFlags;
    await expect(
      build("production", { config: { ...cfg, sku: "free", purgeProtection: false } }),
    ).rejects.toThrow("featureFlags.sku free has no private link; use sku standard in private network mode");
  });
});
