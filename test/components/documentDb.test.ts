/** The DocumentDb component: cluster shape per stack, firewall or private endpoint, and the secret-only connection string. */
import { describe, expect, it } from "vitest";
import { DocumentDb, type DocumentDbNetworkArgs, mongoHost, mongoUri } from "../../components/documentDb";
import { countByType, expectChildrenOf, ofType, one, record } from "../support";
import { namingFor, stackConfig } from "../support/config";

type Stack = "staging" | "production";

const CLUSTER = "azure-native:mongocluster:MongoCluster";
const FIREWALL = "azure-native:mongocluster:FirewallRule";
const SECRET = "azure-native:keyvault:Secret";
const SUBNET_ID =
  "/subscriptions/0/resourceGroups/rg-shop/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe";
const ZONE_ID =
  "/subscriptions/0/resourceGroups/rg-shop/providers/Microsoft.Network/privateDnsZones/privatelink.mongocluster.cosmos.azure.com";

const DB: Record<Stack, Record<string, unknown>> = {
  staging: { tier: "M10", highAvailability: "Disabled" },
  production: { tier: "M30", highAvailability: "ZoneRedundantPreferred", storageGb: 128 },
};

function build(stack: Stack, network: Partial<DocumentDbNetworkArgs> = {}) {
  const cfg = stackConfig(stack, { documentDb: DB[stack] });
  const naming = namingFor(cfg, stack);
  const net: DocumentDbNetworkArgs =
    cfg.network.mode === "private"
      ? { mode: "private", allowedIpRanges: [], allowAzureServices: false }
      : {
          mode: "public",
          allowedIpRanges: [
            { name: "office", startIp: "203.0.113.0", endIp: "203.0.113.255" },
            { name: "vpn", startIp: "198.51.100.10", endIp: "198.51.100.10" },
          ],
          allowAzureServices: false,
        };
  return record(() => {
    const d = new DocumentDb("document-db", {
      naming,
      resourceGroupName: "rg-shop",
      location: cfg.environment.location,
      config: cfg.documentDb!,
      network: {
        ...net,
        ...(net.mode === "private" ? { privateEndpointSubnetId: SUBNET_ID, dnsZoneId: ZONE_ID } : {}),
        ...network,
      },
      vault: { vaultName: "kv-shop", resourceGroupName: "rg-shop", expiresAt: 1_800_000_000 },
      rotatedOn: cfg.secrets.rotatedOn,
      protect: cfg.protectStateful,
    });
    return { host: d.host, clusterName: d.clusterName, uri: d.connectionStringSecretUri };
  });
}

describe("DocumentDb", () => {
  it("staging: a public M10 cluster without HA, one firewall rule per allowed range, children named from the component", async () => {
    const result = await build("staging");
    expect(countByType(result)).toEqual({
      [CLUSTER]: 1,
      [FIREWALL]: 2,
      [SECRET]: 1,
      "pulumi:pulumi:Stack": 1,
      "random:index/randomPassword:RandomPassword": 1,
      "webapp-platform:documentDb:DocumentDb": 1,
    });
    expectChildrenOf(result, "document-db");
    const cluster = one(result, CLUSTER);
    expect(cluster.inputs.mongoClusterName).toMatch(/^cosmon-shop-stg-[0-9a-f]{5}$/);
    expect(cluster.inputs.properties).toMatchObject({
      createMode: "Default",
      serverVersion: "7.0",
      administrator: { userName: "dbadmin" },
      compute: { tier: "M10" },
      storage: { sizeGb: 32 },
      highAvailability: { targetMode: "Disabled" },
      sharding: { shardCount: 1 },
      publicNetworkAccess: "Enabled",
    });
    expect(cluster.protect).toBe(false);
    expect(ofType(result, FIREWALL).map((r) => [r.inputs.firewallRuleName, r.inputs.properties])).toEqual([
      ["office", { startIpAddress: "203.0.113.0", endIpAddress: "203.0.113.255" }],
      ["vpn", { startIpAddress: "198.51.100.10", endIpAddress: "198.51.100.10" }],
    ]);
  });

  it("production: M30 with zone-redundant HA, public access off, a private endpoint in the MongoDB zone, protected", async () => {
    const result = await build("production");
    const cluster = one(result, CLUSTER);
    expect(cluster.inputs.properties).toMatchObject({
      compute: { tier: "M30" },
      storage: { sizeGb: 128 },
      highAvailability: { targetMode: "ZoneRedundantPreferred" },
      publicNetworkAccess: "Disabled",
    });
    expect(cluster.protect).toBe(true);
    expect(ofType(result, FIREWALL)).toEqual([]);
    const pe = one(result, "azure-native:network:PrivateEndpoint");
    expect(pe.inputs.privateLinkServiceConnections).toEqual([
      {
        name: "pe-cosmon-shop-prd",
        privateLinkServiceId: expect.stringContaining("MongoCluster"),
        groupIds: ["MongoCluster"],
      },
    ]);
    expect(one(result, "azure-native:network:PrivateDnsZoneGroup").inputs.privateDnsZoneConfigs).toEqual([
      { name: "MongoCluster", privateDnsZoneId: ZONE_ID },
    ]);
  });

  it("keeps the administrator password secret: in the cluster's inputs, and in the Key Vault connection string only", async () => {
    const result = await build("staging");
    const password = one(result, "random:index/randomPassword:RandomPassword");
    expect(password.inputs).toMatchObject({ length: 32, keepers: { rotatedOn: "2026-11-01" } });
    const cluster = one(result, CLUSTER);
    expect(cluster.secretPaths).toContain("properties");
    const secret = one(result, SECRET);
    expect(secret.inputs).toMatchObject({ secretName: "mongodb-uri", vaultName: "kv-shop" });
    expect(secret.secretPaths).toEqual(["properties"]);
    const value = (secret.inputs.properties as { value: string }).value;
    const pw = (cluster.inputs.properties as { administrator: { password: string } }).administrator.password;
    expect(value).toBe(
      mongoUri(
        "dbadmin",
        pw,
        `${String(cluster.inputs.mongoClusterName)}.global.mongocluster.cosmos.azure.com`,
      ),
    );
    expect(JSON.stringify(result.outputs)).not.toContain(pw);
    expect(result.secretOutputs).toEqual([]);
    expect(result.outputs.host).toBe(
      `${String(cluster.inputs.mongoClusterName)}.global.mongocluster.cosmos.azure.com`,
    );
  });

  it("admits Azure services with Azure's documented 0.0.0.0 rule only when asked", async () => {
    const result = await build("staging", { allowedIpRanges: [], allowAzureServices: true });
    expect(ofType(result, FIREWALL).map((r) => [r.inputs.firewallRuleName, r.inputs.properties])).toEqual([
      [
        "AllowAllAzureServicesAndResourcesWithinAzureIps",
        { startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" },
      ],
    ]);
  });

  it("refuses private mode without the endpoint subnet and zone, registering nothing under it", async () => {
    await expect(build("production", { dnsZoneId: undefined })).rejects.toThrow(
      "network.privateEndpointSubnetId and network.dnsZoneId are required in private mode: pass the Network component's subnetIds.privateEndpoints and dnsZoneIds.mongoCluster",
    );
  });
});

describe("MongoDB connection strings", () => {
  it("percent-encode the credentials and always ask for TLS and SCRAM-SHA-256", () => {
    expect(mongoUri("app_user", "p@ss:w/rd", "c.global.mongocluster.cosmos.azure.com")).toBe(
      "mongodb+srv://app_user:p%40ss%3Aw%2Frd@c.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256&retrywrites=false&maxIdleTimeMS=120000",
    );
  });

  it("build the host from the cluster's name, as Azure's connection string names it", () => {
    expect(mongoHost("x")).toBe("x.global.mongocluster.cosmos.azure.com");
  });
});
