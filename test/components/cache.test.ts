import { describe, expect, it } from "vitest";
import { Cache, type CacheNetworkArgs } from "../../components/cache";
import { persistenceFor } from "../../components/cache-settings";
import { countByType, one, parentName, record, expectChildrenOf } from "../support";
import { stackConfig, namingFor } from "../support/config";

type Stack = "staging" | "production";

const CLUSTER = "azure-native:redisenterprise:RedisEnterprise";
const DATABASE = "azure-native:redisenterprise:Database";
const SUBNET_ID =
  "/subscriptions/0/resourceGroups/rg-shop/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe";
const ZONE_ID =
  "/subscriptions/0/resourceGroups/rg-shop/providers/Microsoft.Network/privateDnsZones/privatelink.redis.azure.net";

interface Options {
  readonly cache?: Record<string, unknown>;
  readonly network?: Partial<CacheNetworkArgs>;
}

function build(stack: Stack, options: Options = {}) {
  const cfg = stackConfig(stack, { cache: options.cache ?? {} });
  const naming = namingFor(cfg, stack);
  const network: CacheNetworkArgs =
    cfg.network.mode === "private"
      ? { mode: "private", privateEndpointSubnetId: SUBNET_ID, dnsZoneId: ZONE_ID, ...options.network }
      : { mode: "public", ...options.network };
  return record(() => {
    const c = new Cache("cache", {
      naming,
      resourceGroupName: "rg-shop",
      location: cfg.environment.location,
      config: cfg.cache,
      protect: cfg.protectStateful,
      network,
      vault: { vaultName: "kv-shop", resourceGroupName: "rg-shop", expiresAt: 1_800_000_000 },
    });
    return {
      clusterName: c.clusterName,
      clusterId: c.clusterId,
      databaseName: c.databaseName,
      databaseId: c.databaseId,
      hostName: c.hostName,
      port: c.port,
      redisUrl: c.redisUrl,
      redisUrlSecretUri: c.redisUrlSecretUri,
    };
  });
}

describe("Cache", () => {
  it("staging creates a cluster and its database only, parented and named from the component", async () => {
    const result = await build("staging");
    expect(countByType(result)).toEqual({
      [DATABASE]: 1,
      [CLUSTER]: 1,
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:cache:Cache": 1,
    });
    expectChildrenOf(result, "cache");
  });

  it("staging cluster is a non-replicated Balanced_B0 with TLS 1.2, reachable publicly, unprotected", async () => {
    const cluster = one(await build("staging"), CLUSTER);
    expect(cluster.inputs).toEqual({
      resourceGroupName: "rg-shop",
      location: "westeurope",
      clusterName: cluster.inputs.clusterName,
      sku: { name: "Balanced_B0" },
      minimumTlsVersion: "1.2",
      highAvailability: "Disabled",
      publicNetworkAccess: "Enabled",
    });
    expect(cluster.inputs.clusterName).toMatch(/^redis-shop-stg-[0-9a-f]{5}$/);
    expect(cluster.protect).toBe(false);
  });

  it("production cluster is a highly available Balanced_B1 with TLS 1.2, public access off, protected", async () => {
    const cluster = one(await build("production"), CLUSTER);
    expect(cluster.inputs).toMatchObject({
      sku: { name: "Balanced_B1" },
      minimumTlsVersion: "1.2",
      highAvailability: "Enabled",
      publicNetworkAccess: "Disabled",
    });
    expect(cluster.protect).toBe(true);
  });

  it("never sets zones, which every Managed Redis SKU rejects", async () => {
    for (const stack of ["staging", "production"] as const) {
      const cluster = one(await build(stack), CLUSTER);
      expect(cluster.inputs).not.toHaveProperty("zones");
    }
  });

  it("staging database is `default` on TLS port 10000, non-clustered, keys off, persistence off", async () => {
    const database = one(await build("staging"), DATABASE);
    expect(database.inputs).toEqual({
      resourceGroupName: "rg-shop",
      clusterName: expect.stringMatching(/^redis-shop-stg-[0-9a-f]{5}$/),
      databaseName: "default",
      clientProtocol: "Encrypted",
      port: 10000,
      clusteringPolicy: "NoCluster",
      evictionPolicy: "VolatileLRU",
      persistence: { aofEnabled: false, rdbEnabled: false },
      accessKeysAuthentication: "Disabled",
    });
    expect(database.protect).toBe(false);
  });

  it("production database writes AOF every second, keeps TLS and Entra-only auth, and is protected", async () => {
    const database = one(await build("production"), DATABASE);
    expect(database.inputs).toMatchObject({
      databaseName: "default",
      clientProtocol: "Encrypted",
      port: 10000,
      accessKeysAuthentication: "Disabled",
      persistence: { aofEnabled: true, aofFrequency: "1s" },
    });
    expect(database.protect).toBe(true);
    expect(database.propertyDependencies.clusterName?.[0]).toMatch(/::cache-cluster$/);
  });

  it("enables exactly one persistence mechanism per setting, so AOF and RDB can never both be on", () => {
    expect(persistenceFor({ persistence: "aof", rdbFrequency: "6h" })).toEqual({
      aofEnabled: true,
      aofFrequency: "1s",
    });
    expect(persistenceFor({ persistence: "rdb", rdbFrequency: "12h" })).toEqual({
      rdbEnabled: true,
      rdbFrequency: "12h",
    });
    expect(persistenceFor({ persistence: "none", rdbFrequency: "6h" })).toEqual({
      aofEnabled: false,
      rdbEnabled: false,
    });
  });

  it("RDB persistence from config snapshots at the configured frequency", async () => {
    const database = one(
      await build("production", { cache: { persistence: "rdb", rdbFrequency: "1h" } }),
      DATABASE,
    );
    expect(database.inputs.persistence).toEqual({ rdbEnabled: true, rdbFrequency: "1h" });
  });

  it("production reaches the cluster through a private endpoint in the endpoint subnet, registered in the Redis zone", async () => {
    const result = await build("production");
    expect(countByType(result)).toEqual({
      [DATABASE]: 1,
      [CLUSTER]: 1,
      "azure-native:network:PrivateDnsZoneGroup": 1,
      "azure-native:network:PrivateEndpoint": 1,
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:cache:Cache": 1,
    });
    const pe = one(result, "azure-native:network:PrivateEndpoint");
    expect(pe.name).toBe("cache-pe");
    expect(pe.inputs).toMatchObject({
      privateEndpointName: "pe-redis-shop-prd",
      subnet: { id: SUBNET_ID },
      privateLinkServiceConnections: [
        {
          name: "pe-redis-shop-prd",
          groupIds: ["redisEnterprise"],
          privateLinkServiceId: expect.stringMatching(/\/RedisEnterprise\/cache-cluster$/),
        },
      ],
    });
    const group = one(result, "azure-native:network:PrivateDnsZoneGroup");
    expect(group.inputs.privateDnsZoneConfigs).toEqual([
      { name: "redisEnterprise", privateDnsZoneId: ZONE_ID },
    ]);
    expect(parentName(pe)).toBe("cache");
    expect(parentName(group)).toBe("cache");
  });

  it("exports the endpoint without credentials and no secret URI when access keys are off", async () => {
    const { outputs, secretOutputs } = await build("production");
    const cluster = String(outputs.clusterName);
    expect(cluster).toMatch(/^redis-shop-prd-[0-9a-f]{5}$/);
    expect(outputs).toMatchObject({
      databaseName: "default",
      hostName: `${cluster}.westeurope.redis.azure.net`,
      port: 10000,
      redisUrl: `rediss://${cluster}.westeurope.redis.azure.net:10000`,
      redisUrlSecretUri: undefined,
    });
    expect(String(outputs.clusterId)).toMatch(/\/RedisEnterprise\/cache-cluster$/);
    expect(String(outputs.databaseId)).toMatch(/\/Database\/cache-database$/);
    expect(secretOutputs).toEqual([]);
  });

  it("with access keys on, stores REDIS_URL with the URL-encoded key in Key Vault as a secret and exports its URI", async () => {
    const result = await build("staging", { cache: { accessKeys: true } });
    const database = one(result, DATABASE);
    expect(database.inputs.accessKeysAuthentication).toBe("Enabled");
    const secret = one(result, "azure-native:keyvault:Secret");
    expect(secret.name).toBe("cache-redis-url");
    expect(parentName(secret)).toBe("cache");
    expect(secret.inputs).toMatchObject({ vaultName: "kv-shop", secretName: "redis-url" });
    const props = secret.inputs.properties as { value: string; attributes: unknown };
    const cluster = String(result.outputs.clusterName);
    expect(props.value).toMatch(
      new RegExp(
        `^rediss://:Pk%2B[A-Za-z0-9]{40}%2F%3D@${cluster}\\.westeurope\\.redis\\.azure\\.net:10000$`,
      ),
    );
    expect(props.attributes).toEqual({ enabled: true, expires: 1_800_000_000 });
    expect(secret.secretPaths.filter((p) => "properties.value".startsWith(p))).not.toEqual([]);
    expect(result.outputs.redisUrlSecretUri).toBe("https://kv-shop.vault.azure.net/secrets/redis-url");
    expect(String(result.outputs.redisUrl)).not.toContain("@");
    // The value names the database that owns the key (keyvault-secret-enforce-value-provenance's producer).
    expect(secret.propertyDependencies.properties).toContain(database.urn);
  });

  it("rejects private mode without a private endpoint subnet, naming the field", async () => {
    await expect(build("production", { network: { privateEndpointSubnetId: undefined } })).rejects.toThrow(
      "network.privateEndpointSubnetId is required in private mode: pass the Network component's subnetIds.privateEndpoints",
    );
  });

  it("rejects private mode without the Redis DNS zone, naming the field", async () => {
    await expect(build("production", { network: { dnsZoneId: undefined } })).rejects.toThrow(
      "network.dnsZoneId is required in private mode: pass the Network component's dnsZoneIds.redis",
    );
  });
});
