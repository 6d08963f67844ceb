/**
 * The azure-native stand-in's model of the document database (mongocluster) and the WebSocket endpoint (webpubsub):
 * ARM ids, computed hosts, the password never returned, and ARM's refusals, called as the engine calls the plugin.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { azureNativeOptions, SUBSCRIPTION_ID } from "./providers/azure";
import { StandInProvider } from "./providers/standin";

const sdkDir = path.resolve(__dirname, "..", "..", "node_modules", "@pulumi", "azure-native");
const version = (
  JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")) as { pulumi: { version: string } }
).pulumi.version;
const standIn = new StandInProvider(azureNativeOptions(sdkDir, version));
const urn = (type: string, name: string) => `urn:pulumi:staging::webapp-platform::parent$${type}::${name}`;
const rg = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-erp-stg-westeurope`;

const cluster = (props: Record<string, unknown>) => ({
  resourceGroupName: "rg-erp-stg-westeurope",
  location: "westeurope",
  mongoClusterName: "cosmon-erp-stg-abcde",
  properties: {
    administrator: { userName: "dbadmin", password: "Pa55-word_only-in-vault" },
    compute: { tier: "M10" },
    storage: { sizeGb: 32 },
    highAvailability: { targetMode: "Disabled" },
    publicNetworkAccess: "Enabled",
    ...props,
  },
});

describe("azure-native stand-in: mongocluster", () => {
  it("creates a cluster at its ARM id, reports the connection host with placeholders only", async () => {
    const r = await standIn.create(
      urn("azure-native:mongocluster:MongoCluster", "document-db-cluster"),
      cluster({}),
    );
    expect(r.id).toBe(`${rg}/providers/Microsoft.DocumentDB/mongoClusters/cosmon-erp-stg-abcde`);
    const props = r.outs?.properties as Record<string, unknown>;
    expect(props.connectionString).toBe(
      "mongodb+srv://<user>:<password>@cosmon-erp-stg-abcde.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256&retrywrites=false&maxIdleTimeMS=120000",
    );
    // ARM never returns the password; the stand-in keeps the input administrator in its outputs because its diff
    // compares new inputs with old outputs (azure-native compares old inputs), which would otherwise show a
    // perpetual update. The program marks `properties` secret, so state holds it encrypted.
    expect(props.administrator).toEqual({ userName: "dbadmin", password: "Pa55-word_only-in-vault" });
    expect(String(props.connectionString)).not.toContain("Pa55-word_only-in-vault");
  });

  it("refuses high availability on a burstable tier, and tiers or disks the service does not offer", async () => {
    const create = (props: Record<string, unknown>) =>
      standIn.create(urn("azure-native:mongocluster:MongoCluster", "c"), cluster(props));
    await expect(create({ highAvailability: { targetMode: "SameZone" } })).rejects.toThrow(
      `Status=400 Code="BadRequest" Message="High availability is not supported on burstable tier 'M10'."`,
    );
    await expect(create({ compute: { tier: "M15" } })).rejects.toThrow(
      "Compute tier 'M15' is not supported.",
    );
    await expect(create({ storage: { sizeGb: 100 } })).rejects.toThrow(
      "Storage size 100 GiB is not supported.",
    );
    await expect(
      create({ compute: { tier: "M30" }, highAvailability: { targetMode: "ZoneRedundantPreferred" } }),
    ).resolves.toMatchObject({ id: expect.stringContaining("/mongoClusters/cosmon-erp-stg-abcde") });
  });

  it("places a firewall rule under its cluster", async () => {
    const r = await standIn.create(urn("azure-native:mongocluster:FirewallRule", "document-db-fw-office"), {
      resourceGroupName: "rg-erp-stg-westeurope",
      mongoClusterName: "cosmon-erp-stg-abcde",
      firewallRuleName: "office",
      properties: { startIpAddress: "203.0.113.0", endIpAddress: "203.0.113.255" },
    });
    expect(r.id).toBe(
      `${rg}/providers/Microsoft.DocumentDB/mongoClusters/cosmon-erp-stg-abcde/firewallRules/office`,
    );
  });
});

describe("azure-native stand-in: webpubsub", () => {
  const service = (sku: Record<string, unknown>) => ({
    resourceGroupName: "rg-erp-stg-westeurope",
    location: "westeurope",
    resourceName: "wps-erp-stg-abcde",
    sku,
    disableLocalAuth: true,
  });

  it("creates a service at its ARM id with its host name, and a hub under it", async () => {
    const r = await standIn.create(
      urn("azure-native:webpubsub:WebPubSub", "realtime-service"),
      service({ name: "Standard_S1", capacity: 2 }),
    );
    expect(r.id).toBe(`${rg}/providers/Microsoft.SignalRService/webPubSub/wps-erp-stg-abcde`);
    expect(r.outs?.hostName).toBe("wps-erp-stg-abcde.webpubsub.azure.com");
    const hub = await standIn.create(urn("azure-native:webpubsub:WebPubSubHub", "realtime-hub"), {
      resourceGroupName: "rg-erp-stg-westeurope",
      resourceName: "wps-erp-stg-abcde",
      hubName: "erp",
      properties: { anonymousConnectPolicy: "deny" },
    });
    expect(hub.id).toBe(`${rg}/providers/Microsoft.SignalRService/webPubSub/wps-erp-stg-abcde/hubs/erp`);
  });

  it("refuses a capacity the SKU does not offer and an unknown SKU", async () => {
    const create = (sku: Record<string, unknown>) =>
      standIn.create(urn("azure-native:webpubsub:WebPubSub", "s"), service(sku));
    await expect(create({ name: "Standard_S1", capacity: 15 })).rejects.toThrow(
      `Status=400 Code="InvalidCapacity" Message="Capacity 15 is not allowed for SKU 'Standard_S1'."`,
    );
    await expect(create({ name: "Free_F1", capacity: 2 })).rejects.toThrow(
      "Capacity 2 is not allowed for SKU 'Free_F1'.",
    );
    await expect(create({ name: "Basic_B1" })).rejects.toThrow(
      `Code="InvalidSku" Message="SKU 'Basic_B1' is not supported."`,
    );
  });
});
