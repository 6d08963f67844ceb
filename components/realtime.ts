/**
 * The WebSocket endpoint of the real-time features: an Azure Web PubSub service with one hub, Entra ID only, whose
 * client URL becomes the frontend's NEXT_PUBLIC_WS_URL.
 */
import * as webpubsub from "@pulumi/azure-native/webpubsub";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkConfig, RealtimeConfig } from "../config/schema";
import type { Naming } from "./naming";
import { OPTIONAL_PRIVATE_LINK_ZONES } from "./network-layout";
import { privateEndpoint } from "./shared";

/**
 * What the public network may do in private mode: only clients (browsers holding a token the API issued) connect;
 * the REST API, server connections and live trace are reachable through the private endpoint only.
 */
export const PRIVATE_MODE_PUBLIC_DENY = ["RESTAPI", "ServerConnection", "Trace"] as const;

/** Where the service is reached from. */
export interface RealtimeNetworkArgs {
  /** `public`: public endpoint, Entra ID only; `private`: private endpoint, public network only for client connections. */
  readonly mode: NetworkConfig["mode"];
  /** Subnet for the private endpoint; required in private mode (`Network.subnetIds.privateEndpoints`). */
  readonly privateEndpointSubnetId?: pulumi.Input<string>;
  /** `privatelink.webpubsub.azure.com` zone id; required in private mode (`Network.dnsZoneIds.webPubSub`). */
  readonly dnsZoneId?: pulumi.Input<string>;
}

/** Arguments for {@link Realtime}. */
export interface RealtimeArgs {
  /** Physical names for the stack. */
  readonly naming: Naming;
  /** Resource group of the service (and the private endpoint). */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region of the service. */
  readonly location: string;
  /** The stack's `realtime` section (validated there: SKU, capacity, hub name). */
  readonly config: RealtimeConfig;
  /** Network mode and, in private mode, where the private endpoint goes. */
  readonly network: RealtimeNetworkArgs;
}

/**
 * Azure Web PubSub (`webpubsub.WebPubSub`, REST 2024-03-01), chosen over the alternatives on Microsoft Learn's
 * evidence: Web PubSub serves plain WebSocket clients in any browser framework (Learn, "What is Azure Web PubSub
 * service?": "real-time messaging ... using WebSockets and the publish-subscribe pattern"), while Azure SignalR
 * Service needs the SignalR client protocol and an ASP.NET Core or SignalR-aware backend (Learn, "How to choose
 * between Azure SignalR Service and Azure Web PubSub service"), and App Service WebSockets would keep every socket open
 * on the Function App, which Azure Functions does not support (Functions hosts HTTP triggers; long-lived WebSocket
 * connections are what the Web PubSub trigger/bindings take off its hands). Clients connect to
 * `wss://<host>/client/hubs/<hub>?access_token=...` with a token the API issues; the API authenticates with its
 * managed identity (role Web PubSub Service Owner, granted by the Api component), so access keys are disabled. The hub
 * refuses anonymous connections. TLS: the endpoint is HTTPS/WSS only.
 */
export class Realtime extends pulumi.ComponentResource {
  /** Service resource id (role assignment scope, diagnostics). */
  readonly serviceId: pulumi.Output<string>;
  /** Service host name, `<name>.webpubsub.azure.com`. */
  readonly hostName: pulumi.Output<string>;
  /** `https://<host>`: the endpoint the API's SDK signs in to. */
  readonly endpoint: pulumi.Output<string>;
  /** Hub name. */
  readonly hubName: pulumi.Output<string>;
  /** `wss://<host>/client/hubs/<hub>`: the frontend's NEXT_PUBLIC_WS_URL. */
  readonly clientUrl: pulumi.Output<string>;

  constructor(name: string, args: RealtimeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:realtime:Realtime", name, {}, opts);
    const { config, network } = args;
    const isPrivate = network.mode === "private";
    if (isPrivate && (network.privateEndpointSubnetId === undefined || network.dnsZoneId === undefined)) {
      throw new pulumi.ResourceError(
        "network.privateEndpointSubnetId and network.dnsZoneId are required in private mode: pass the Network component's subnetIds.privateEndpoints and dnsZoneIds.webPubSub",
        this,
      );
    }

    const service = new webpubsub.WebPubSub(
      `${name}-service`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        resourceName: args.naming.webPubSub(),
        kind: "WebPubSub",
        sku: { name: config.sku, capacity: config.capacity },
        disableLocalAuth: true,
        disableAadAuth: false,
        tls: { clientCertEnabled: false },
        // Browsers connect over the internet in both modes; private mode keeps everything else off the public network.
        publicNetworkAccess: "Enabled",
        networkACLs: isPrivate
          ? { defaultAction: "Allow", publicNetwork: { deny: [...PRIVATE_MODE_PUBLIC_DENY] } }
          : { defaultAction: "Allow" },
      },
      { parent: this },
    );

    const hub = new webpubsub.WebPubSubHub(
      `${name}-hub`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: service.name,
        hubName: config.hubName,
        properties: { anonymousConnectPolicy: "deny" },
      },
      { parent: this },
    );

    if (isPrivate) {
      privateEndpoint(
        name,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          endpointName: args.naming.plain("pe-wps"),
          subnetId: network.privateEndpointSubnetId as pulumi.Input<string>,
          targetId: service.id,
          groupId: OPTIONAL_PRIVATE_LINK_ZONES.webPubSub.groupId,
          dnsZoneId: network.dnsZoneId as pulumi.Input<string>,
        },
        this,
      );
    }

    this.serviceId = service.id;
    this.hostName = service.hostName;
    this.endpoint = pulumi.interpolate`https://${service.hostName}`;
    // The configured name, known once the hub exists (a hub's ARM `name` is not documented as the bare hub name).
    this.hubName = hub.id.apply(() => config.hubName);
    this.clientUrl = pulumi.interpolate`wss://${service.hostName}/client/hubs/${this.hubName}`;
    this.registerOutputs({
      serviceId: this.serviceId,
      hostName: this.hostName,
      endpoint: this.endpoint,
      hubName: this.hubName,
      clientUrl: this.clientUrl,
    });
  }
}
