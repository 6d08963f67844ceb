/** The Realtime component: Web PubSub with access keys off, a token-only hub, and network rules per mode. */
import { describe, expect, it } from "vitest";
import { Realtime, type RealtimeNetworkArgs } from "../../components/realtime";
import { countByType, expectChildrenOf, ofType, one, record } from "../support";
import { namingFor, stackConfig } from "../support/config";

type Stack = "staging" | "production";

const SERVICE = "azure-native:webpubsub:WebPubSub";
const HUB = "azure-native:webpubsub:WebPubSubHub";
const SUBNET_ID =
  "/subscriptions/0/resourceGroups/rg-shop/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe";
const ZONE_ID =
  "/subscriptions/0/resourceGroups/rg-shop/providers/Microsoft.Network/privateDnsZones/privatelink.webpubsub.azure.com";

const RT: Record<Stack, Record<string, unknown>> = {
  staging: { sku: "Free_F1" },
  production: { sku: "Standard_S1", capacity: 2, hubName: "erp" },
};

function build(stack: Stack, network: Partial<RealtimeNetworkArgs> = {}) {
  const cfg = stackConfig(stack, {
    realtime: RT[stack],
    ...(stack === "production"
      ? {
          vercel: {
            preview: {
              apiUrl: "https://func-shop-stg-71d4b.azurewebsites.net",
              wsUrl: "wss://wps-shop-stg.webpubsub.azure.com/client/hubs/erp",
            },
          },
        }
      : {}),
  });
  const net: RealtimeNetworkArgs =
    cfg.network.mode === "private"
      ? { mode: "private", privateEndpointSubnetId: SUBNET_ID, dnsZoneId: ZONE_ID, ...network }
      : { mode: "public", ...network };
  return record(() => {
    const r = new Realtime("realtime", {
      naming: namingFor(cfg, stack),
      resourceGroupName: "rg-shop",
      location: cfg.environment.location,
      config: cfg.realtime!,
      network: net,
    });
    return { hubName: r.hubName, clientUrl: r.clientUrl, endpoint: r.endpoint };
  });
}

describe("Realtime", () => {
  it("staging: a public Free_F1 Web PubSub, Entra ID only, TLS without client certificates", async () => {
    const result = await build("staging");
    expect(countByType(result)).toEqual({
      [HUB]: 1,
      [SERVICE]: 1,
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:realtime:Realtime": 1,
    });
    expectChildrenOf(result, "realtime");
    const service = one(result, SERVICE);
    expect(service.inputs).toEqual({
      resourceGroupName: "rg-shop",
      location: "westeurope",
      resourceName: expect.stringMatching(/^wps-shop-stg-[0-9a-f]{5}$/),
      kind: "WebPubSub",
      sku: { name: "Free_F1", capacity: 1 },
      disableLocalAuth: true,
      disableAadAuth: false,
      tls: { clientCertEnabled: false },
      publicNetworkAccess: "Enabled",
      networkACLs: { defaultAction: "Allow" },
      // SDK defaults (webPubSub.js): the regional endpoint on, the service running.
      regionEndpointEnabled: "Enabled",
      resourceStopped: "false",
    });
  });

  it("the hub refuses anonymous clients, and the outputs give its name and the wss client URL", async () => {
    const result = await build("staging");
    expect(one(result, HUB).inputs).toEqual({
      resourceGroupName: "rg-shop",
      resourceName: expect.stringMatching(/^wps-shop-stg-[0-9a-f]{5}$/),
      hubName: "app",
      // The keep-alive is the SDK's default (webPubSubHubPropertiesArgsProvideDefaults).
      properties: { anonymousConnectPolicy: "deny", webSocketKeepAliveIntervalInSeconds: 20 },
    });
    const name = String(one(result, SERVICE).inputs.resourceName);
    expect(result.outputs).toEqual({
      hubName: "app",
      clientUrl: `wss://${name}.webpubsub.azure.com/client/hubs/app`,
      endpoint: `https://${name}.webpubsub.azure.com`,
    });
  });

  it("production (private mode): a private endpoint in the Web PubSub zone; the public network carries client connections only", async () => {
    const result = await build("production");
    expect(one(result, SERVICE).inputs).toMatchObject({
      sku: { name: "Standard_S1", capacity: 2 },
      disableLocalAuth: true,
      publicNetworkAccess: "Enabled",
      networkACLs: {
        defaultAction: "Allow",
        publicNetwork: { deny: ["RESTAPI", "ServerConnection", "Trace"] },
      },
    });
    const pe = one(result, "azure-native:network:PrivateEndpoint");
    expect(pe.inputs.privateLinkServiceConnections).toEqual([
      {
        name: "pe-wps-shop-prd",
        privateLinkServiceId: expect.stringContaining("WebPubSub"),
        groupIds: ["webpubsub"],
      },
    ]);
    expect(
      ofType(result, "azure-native:network:PrivateDnsZoneGroup")[0].inputs.privateDnsZoneConfigs,
    ).toEqual([{ name: "webpubsub", privateDnsZoneId: ZONE_ID }]);
    expect(result.outputs.clientUrl).toMatch(
      /^wss:\/\/wps-shop-prd-[0-9a-f]{5}\.webpubsub\.azure\.com\/client\/hubs\/erp$/,
    );
  });

  it("refuses private mode without the endpoint subnet and zone", async () => {
    await expect(build("production", { privateEndpointSubnetId: undefined })).rejects.toThrow(
      "network.privateEndpointSubnetId and network.dnsZoneId are required in private mode: pass the Network component's subnetIds.privateEndpoints and dnsZoneIds.webPubSub",
    );
  });
});
