import * as network from "@pulumi/azure-native/network";
import { describe, expect, it } from "vitest";
import { Naming } from "../../components/naming";
import { Network } from "../../components/network";
import { addressSpaceProblem, subnetLayout } from "../../components/network-layout";
import { countByType, ofType, one, record, expectChildrenOf } from "../support";
import { stackConfig, namingFor } from "../support/config";

type Stack = "staging" | "production";

const ZONE = "azure-native:privatedns:PrivateZone";
const LINK = "azure-native:privatedns:VirtualNetworkLink";
const SUBNET = "azure-native:network:Subnet";
const NSG = "azure-native:network:NetworkSecurityGroup";

/** Logical names of the resources behind URNs. */
const names = (urns: string[] | undefined) => (urns ?? []).map((u) => u.split("::").pop());

/** Builds the component; `network` is applied after validation, so the component's own guards are reachable. */
function build(stack: Stack, network: Record<string, unknown> = {}) {
  const validated = stackConfig(stack);
  const cfg = { ...validated, network: { ...validated.network, ...network } };
  const naming = namingFor(cfg, stack);
  return record(() => {
    const n = new Network("net", {
      naming,
      resourceGroupName: "rg-shop",
      location: cfg.environment.location,
      config: cfg.network,
    });
    return { vnetId: n.vnetId, subnetIds: n.subnetIds, dnsZoneIds: n.dnsZoneIds };
  });
}

describe("Network", () => {
  it("registers no children and no outputs in public mode (staging)", async () => {
    const result = await build("staging");
    expect(countByType(result)).toEqual({
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:network:Network": 1,
    });
    expect(result.outputs).toEqual({ vnetId: undefined, subnetIds: undefined, dnsZoneIds: undefined });
  });

  it("production creates one VNet, four subnets with one NSG each, and nine private DNS zones each linked once", async () => {
    const result = await build("production");
    expect(countByType(result)).toEqual({
      "azure-native:network:NetworkSecurityGroup": 4,
      "azure-native:network:Subnet": 4,
      "azure-native:network:VirtualNetwork": 1,
      "azure-native:privatedns:PrivateZone": 9,
      "azure-native:privatedns:VirtualNetworkLink": 9,
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:network:Network": 1,
    });
    expectChildrenOf(result, "net");
  });

  it("production VNet spans the configured address space", async () => {
    const vnet = one(await build("production"), "azure-native:network:VirtualNetwork");
    expect(vnet.inputs.virtualNetworkName).toBe("vnet-shop-prd");
    expect(vnet.inputs.location).toBe("westeurope");
    expect(vnet.inputs.addressSpace).toEqual({ addressPrefixes: ["10.40.0.0/16"] });
    expect(vnet.inputs.subnets).toBeUndefined();
  });

  it("carves /24 subnets for endpoints, PostgreSQL and the API, and a /27 for the deployer, with the right delegations", async () => {
    const result = await build("production");
    const subnet = (role: string) => one(result, SUBNET, `-${role}-subnet`).inputs;
    expect(subnet("private-endpoints")).toMatchObject({
      subnetName: "snet-pe-shop-prd",
      addressPrefix: "10.40.0.0/24",
      delegations: [],
      privateEndpointNetworkPolicies: "Enabled",
    });
    expect(subnet("postgres")).toMatchObject({
      subnetName: "snet-psql-shop-prd",
      addressPrefix: "10.40.1.0/24",
      delegations: [{ name: "postgres", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }],
    });
    expect(subnet("api-integration")).toMatchObject({
      subnetName: "snet-func-shop-prd",
      addressPrefix: "10.40.2.0/24",
      delegations: [{ name: "api-integration", serviceName: "Microsoft.Web/serverFarms" }],
    });
    expect(subnet("deployer")).toMatchObject({
      subnetName: "snet-deploy-shop-prd",
      addressPrefix: "10.40.3.0/27",
      delegations: [],
    });
  });

  it("attaches its own NSG to every subnet and writes subnets one at a time", async () => {
    const result = await build("production");
    const subnets = ofType(result, SUBNET);
    const nsgs = ofType(result, NSG);
    expect(nsgs.map((n) => n.inputs.networkSecurityGroupName).sort()).toEqual([
      "nsg-deploy-shop-prd",
      "nsg-func-shop-prd",
      "nsg-pe-shop-prd",
      "nsg-psql-shop-prd",
    ]);
    for (const s of subnets) {
      expect(names(s.propertyDependencies.networkSecurityGroup)).toEqual([
        s.name.replace(/-subnet$/, "-nsg"),
      ]);
    }
    for (const n of nsgs) expect(n.inputs.securityRules).toBeUndefined();
    subnets.slice(1).forEach((s, i) => expect(names(s.dependencies)).toContain(subnets[i].name));
  });

  it("links every private DNS zone, including the PostgreSQL zone, to the VNet without auto-registration", async () => {
    const result = await build("production");
    const zones = ofType(result, ZONE);
    expect(zones.map((z) => z.inputs.privateZoneName).sort()).toEqual([
      "privatelink.azconfig.io",
      "privatelink.azurewebsites.net",
      "privatelink.blob.core.windows.net",
      "privatelink.file.core.windows.net",
      "privatelink.queue.core.windows.net",
      "privatelink.redis.azure.net",
      "privatelink.table.core.windows.net",
      "privatelink.vaultcore.azure.net",
      "psql-shop-prd.private.postgres.database.azure.com",
    ]);
    for (const z of zones) expect(z.inputs.location).toBe("global");
    for (const link of ofType(result, LINK)) {
      expect(link.inputs).toMatchObject({
        location: "global",
        registrationEnabled: false,
        virtualNetworkLinkName: "vnet-shop-prd-link",
      });
      expect(names(link.propertyDependencies.virtualNetwork)).toEqual(["net-vnet"]);
      const zone = zones.find((z) => `${z.name}-link` === link.name);
      expect(link.inputs.privateZoneName).toBe(zone?.inputs.privateZoneName);
    }
  });

  it("names the PostgreSQL zone so it ends in .postgres.database.azure.com and can never equal a server name", async () => {
    const zone = one(await build("production"), ZONE, "-postgres-zone");
    const zoneName = String(zone.inputs.privateZoneName);
    expect(zoneName.endsWith(".postgres.database.azure.com")).toBe(true);
    expect(zoneName.replace(/\.postgres\.database\.azure\.com$/, "")).toContain(".");
  });

  it("exports the VNet, subnet and zone ids in private mode", async () => {
    const { outputs } = await build("production");
    const subnets = outputs.subnetIds as Record<string, string>;
    const zones = outputs.dnsZoneIds as Record<string, string>;
    expect(String(outputs.vnetId)).toMatch(/\/VirtualNetwork\/net-vnet$/);
    expect(Object.keys(subnets).sort()).toEqual([
      "apiIntegration",
      "deployer",
      "postgres",
      "privateEndpoints",
    ]);
    expect(subnets.postgres).toMatch(/\/Subnet\/net-postgres-subnet$/);
    expect(Object.keys(zones).sort()).toEqual([
      "appConfig",
      "blob",
      "file",
      "keyVault",
      "postgres",
      "queue",
      "redis",
      "sites",
      "table",
    ]);
    expect(zones.redis).toMatch(/\/PrivateZone\/net-redis-zone$/);
    expect(zones.keyVault).toMatch(/\/PrivateZone\/net-key-vault-zone$/);
  });

  it("hands out zone ids that carry the VNet link, so a consumer is created only after the zone is linked", async () => {
    const cfg = stackConfig("production");
    const naming = new Naming({
      workload: "shop",
      environment: "production",
      location: "westeurope",
      uniqueSeed: "organization/webapp-platform/production",
    });
    const result = await record(() => {
      const n = new Network("net", {
        naming,
        resourceGroupName: "rg-shop",
        location: "westeurope",
        config: cfg.network,
      });
      new network.PrivateDnsZoneGroup("consumer", {
        resourceGroupName: "rg-shop",
        privateEndpointName: "pe",
        privateDnsZoneConfigs: [{ name: "postgres", privateDnsZoneId: n.dnsZoneIds?.postgres }],
      });
      return {};
    });
    const consumer = one(result, "azure-native:network:PrivateDnsZoneGroup");
    expect(names(consumer.propertyDependencies.privateDnsZoneConfigs).sort()).toEqual([
      "net-postgres-zone",
      "net-postgres-zone-link",
    ]);
  });

  it("lays the subnets out from any aligned /22 or larger address space", () => {
    expect(subnetLayout("172.16.4.0/22").map((s) => s.cidr)).toEqual([
      "172.16.4.0/24",
      "172.16.5.0/24",
      "172.16.6.0/24",
      "172.16.7.0/27",
    ]);
    expect(addressSpaceProblem("10.40.0.0/16")).toBeUndefined();
  });

  it("rejects an address space too small for the layout, naming the field", async () => {
    await expect(build("production", { addressSpace: "10.40.0.0/23" })).rejects.toThrow(
      "network.addressSpace: '10.40.0.0/23' is too small: the subnet layout needs a /22 or larger (e.g. 10.40.0.0/16)",
    );
  });

  it("rejects an address space with host bits set, naming the network address", async () => {
    await expect(build("production", { addressSpace: "10.40.1.0/16" })).rejects.toThrow(
      "network.addressSpace: '10.40.1.0/16' has host bits set; use the network address 10.40.0.0/16",
    );
  });
});
