// Rules for the optional data services: the document database (Azure Cosmos DB for MongoDB vCore, azure-native
// mongocluster) and the WebSocket endpoint (Azure Web PubSub, azure-native webpubsub).
import * as mongocluster from "@pulumi/azure-native/mongocluster";
import * as webpubsub from "@pulumi/azure-native/webpubsub";
import { type FirewallConfig, firewallConfig } from "../lib/config";
import { type PropsOf, resourceRule } from "../lib/rule";
import { firewallRangeProblem } from "../lib/values";

type ClusterProps = PropsOf<typeof mongocluster.MongoCluster>;
type FirewallProps = PropsOf<typeof mongocluster.FirewallRule>;
type WebPubSubProps = PropsOf<typeof webpubsub.WebPubSub>;
type HubProps = PropsOf<typeof webpubsub.WebPubSubHub>;

const mongoLearn = "https://learn.microsoft.com/azure/cosmos-db/mongodb/vcore";
const wpsLearn = "https://learn.microsoft.com/azure/azure-web-pubsub";

/** What the public network may not reach on a Web PubSub service kept private (only client connections may). */
const WEB_PUBSUB_PRIVATE_REQUESTS = ["RESTAPI", "ServerConnection", "Trace"] as const;

/** The cluster has no public endpoint (unset means Enabled in REST 2024-07-01). */
export const mongoclusterClusterDisallowPublicNetworkAccess = resourceRule<ClusterProps>({
  name: "mongocluster-cluster-disallow-public-network-access",
  description:
    "Cosmos DB for MongoDB vCore cluster properties.publicNetworkAccess is 'Disabled' (unset means 'Enabled'); reach it through a private endpoint.",
  enforcementLevel: "mandatory",
  resources: [mongocluster.MongoCluster],
  meta: {
    checklist: ["network"],
    severity: "high",
    remediationSteps:
      "Set properties.publicNetworkAccess: 'Disabled' and add a network.PrivateEndpoint (groupId 'MongoCluster', zone privatelink.mongocluster.cosmos.azure.com).",
    anchors: { azurePolicy: ["Cosmos_PrivateNetworkAccess_AuditDeny"] },
    url: `${mongoLearn}/how-to-private-link`,
  },
  check: (cluster, _args, report) => {
    const access = cluster.properties?.publicNetworkAccess;
    if (access !== "Disabled") {
      report(
        `MongoDB cluster is reachable from the internet (publicNetworkAccess '${String(access ?? "unset: Enabled")}'): set it to 'Disabled' and use a private endpoint.`,
      );
    }
  },
});

/** Production clusters keep a standby per shard (high availability). */
export const mongoclusterClusterEnableHighAvailability = resourceRule<ClusterProps>({
  name: "mongocluster-cluster-enable-high-availability",
  description:
    "Cosmos DB for MongoDB vCore cluster properties.highAvailability.targetMode is 'SameZone' or 'ZoneRedundantPreferred' (unset or 'Disabled' fails).",
  enforcementLevel: "mandatory",
  resources: [mongocluster.MongoCluster],
  meta: {
    checklist: ["resilience"],
    severity: "medium",
    remediationSteps:
      "Use tier M30 or larger and set properties.highAvailability.targetMode: 'ZoneRedundantPreferred' (burstable tiers have no HA).",
    url: `${mongoLearn}/high-availability`,
  },
  check: (cluster, _args, report) => {
    const mode = cluster.properties?.highAvailability?.targetMode;
    if (mode !== "SameZone" && mode !== "ZoneRedundantPreferred") {
      report(
        `MongoDB cluster has no standby (highAvailability.targetMode '${String(mode ?? "unset")}'): set it to 'ZoneRedundantPreferred' on M30 or larger.`,
      );
    }
  },
});

/** Firewall rules never open the internet (or any range wider than the configured size). */
export const mongoclusterFirewallRuleDisallowOpenRange = resourceRule<FirewallProps, FirewallConfig>({
  name: "mongocluster-firewallrule-disallow-open-range",
  description:
    "Cosmos DB for MongoDB vCore firewall rule opens at most `maxAddresses` addresses (default 256, a /24); 0.0.0.0-255.255.255.255 always fails.",
  enforcementLevel: "mandatory",
  resources: [mongocluster.FirewallRule],
  config: firewallConfig,
  meta: {
    checklist: ["network"],
    severity: "critical",
    remediationSteps:
      "Replace the rule with the exact egress addresses of the clients (CI runners, office) or use a private endpoint.",
    anchors: { checkov: ["CKV_AZURE_11"], trivy: ["AVD-AZU-0029"] },
    url: `${mongoLearn}/security`,
  },
  check: (rule, _args, report, config) => {
    const problem = firewallRangeProblem(
      rule.properties?.startIpAddress,
      rule.properties?.endIpAddress,
      config.maxAddresses,
    );
    if (problem !== undefined) {
      report(problem);
    }
  },
});

/** Access keys off: clients and servers authenticate with Entra ID (unset means keys work). */
export const webpubsubServiceDisableLocalAuth = resourceRule<WebPubSubProps>({
  name: "webpubsub-service-disable-local-auth",
  description:
    "Web PubSub disableLocalAuth is true, so only Entra ID identities get in (unset means the access keys work); disableAadAuth is not true.",
  enforcementLevel: "mandatory",
  resources: [webpubsub.WebPubSub],
  meta: {
    checklist: ["identity", "secrets"],
    severity: "high",
    remediationSteps:
      "Set disableLocalAuth: true (and leave disableAadAuth false); grant the API's managed identity 'Web PubSub Service Owner' to issue client tokens.",
    anchors: { azurePolicy: ["WebPubSub_DisableLocalAuth_AuditDeny"] },
    url: `${wpsLearn}/howto-disable-local-auth`,
  },
  check: (service, _args, report) => {
    if (service.disableLocalAuth !== true) {
      report("Web PubSub access keys can be used: set disableLocalAuth to true.");
    }
    if (service.disableAadAuth === true) {
      report("Web PubSub refuses Entra ID: set disableAadAuth to false.");
    }
  },
});

/** With public access on, the public network carries client connections only (server APIs via the private endpoint). */
export const webpubsubServiceDisallowPublicServerAccess = resourceRule<WebPubSubProps>({
  name: "webpubsub-service-disallow-public-server-access",
  description:
    "Web PubSub with publicNetworkAccess 'Enabled' (or unset) denies RESTAPI, ServerConnection and Trace on networkACLs.publicNetwork, so only browser clients use the public endpoint.",
  enforcementLevel: "mandatory",
  resources: [webpubsub.WebPubSub],
  meta: {
    checklist: ["network"],
    severity: "medium",
    remediationSteps:
      "Add a private endpoint (groupId 'webpubsub', zone privatelink.webpubsub.azure.com) and set networkACLs { defaultAction: 'Allow', publicNetwork: { deny: ['RESTAPI', 'ServerConnection', 'Trace'] } }, or publicNetworkAccess 'Disabled' when no browser connects.",
    anchors: { azurePolicy: ["WebPubSub_PublicNetworkAccess_AuditDeny"] },
    url: `${wpsLearn}/howto-secure-network-access-control`,
  },
  check: (service, _args, report) => {
    if (service.publicNetworkAccess === "Disabled") {
      return;
    }
    const acl = service.networkACLs;
    const denied = new Set(
      acl?.defaultAction === "Deny"
        ? WEB_PUBSUB_PRIVATE_REQUESTS.filter((r) => !(acl.publicNetwork?.allow ?? []).includes(r))
        : (acl?.publicNetwork?.deny ?? []),
    );
    const open = WEB_PUBSUB_PRIVATE_REQUESTS.filter((r) => !denied.has(r));
    if (open.length > 0) {
      report(
        `Web PubSub accepts ${open.join(", ")} from the public network: deny them on networkACLs.publicNetwork and reach them through a private endpoint.`,
      );
    }
  },
});

/** Hubs admit only clients holding a token the backend issued (the API default is 'deny'). */
export const webpubsubHubDisallowAnonymousConnect = resourceRule<HubProps>({
  name: "webpubsub-hub-disallow-anonymous-connect",
  description:
    "Web PubSub hub properties.anonymousConnectPolicy is not 'allow' (unset means 'deny'): clients connect with an access token only.",
  enforcementLevel: "mandatory",
  resources: [webpubsub.WebPubSubHub],
  meta: {
    checklist: ["identity"],
    severity: "high",
    remediationSteps:
      "Set properties.anonymousConnectPolicy: 'deny' and have the API issue client access tokens (Web PubSub Service Owner).",
    url: `${wpsLearn}/howto-develop-create-instance`,
  },
  check: (hub, _args, report) => {
    if (String(hub.properties?.anonymousConnectPolicy ?? "deny").toLowerCase() === "allow") {
      report("Web PubSub hub admits anonymous clients: set anonymousConnectPolicy to 'deny'.");
    }
  },
});
