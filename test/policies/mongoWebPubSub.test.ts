/** Rules for the document database (mongocluster) and the WebSocket endpoint (webpubsub): one happy fixture each, one mutation per case. */
import * as mongocluster from "@pulumi/azure-native/mongocluster";
import * as webpubsub from "@pulumi/azure-native/webpubsub";
import { describe, it } from "vitest";
import * as rules from "../../policies/rules/dataServices";
import { expectCase, type RuleCase } from "./helpers";

const cluster = {
  resourceGroupName: "rg",
  mongoClusterName: "cosmon-erp-prd-abcde",
  properties: {
    compute: { tier: "M30" },
    storage: { sizeGb: 128 },
    highAvailability: { targetMode: "ZoneRedundantPreferred" },
    publicNetworkAccess: "Disabled",
  },
};
const firewall = {
  resourceGroupName: "rg",
  mongoClusterName: "cosmon-erp-stg-abcde",
  firewallRuleName: "office",
  properties: { startIpAddress: "203.0.113.0", endIpAddress: "203.0.113.255" },
};
const service = {
  resourceGroupName: "rg",
  sku: { name: "Standard_S1", capacity: 1 },
  disableLocalAuth: true,
  disableAadAuth: false,
  publicNetworkAccess: "Enabled",
  networkACLs: { defaultAction: "Allow", publicNetwork: { deny: ["RESTAPI", "ServerConnection", "Trace"] } },
};
const hub = {
  resourceGroupName: "rg",
  resourceName: "wps-erp-prd-abcde",
  hubName: "erp",
  properties: { anonymousConnectPolicy: "deny" },
};

describe("Cosmos DB for MongoDB vCore rules", () => {
  const publicAccess: RuleCase[] = [
    { it: "passes disabled public access", expect: null },
    {
      it: "fails enabled public access",
      set: { "properties.publicNetworkAccess": "Enabled" },
      expect: "publicNetworkAccess 'Enabled'): set it to 'Disabled' and use a private endpoint.",
    },
    {
      it: "fails unset public access (the API's default is Enabled)",
      set: { "properties.publicNetworkAccess": undefined },
      expect: "publicNetworkAccess 'unset: Enabled'",
    },
  ];
  it.each(publicAccess)("public access: $it", (c) =>
    expectCase(rules.mongoclusterClusterDisallowPublicNetworkAccess, mongocluster.MongoCluster, cluster, c),
  );

  const ha: RuleCase[] = [
    { it: "passes zone-redundant HA", expect: null },
    {
      it: "passes same-zone HA",
      set: { "properties.highAvailability.targetMode": "SameZone" },
      expect: null,
    },
    {
      it: "fails HA disabled",
      set: { "properties.highAvailability.targetMode": "Disabled" },
      expect: "highAvailability.targetMode 'Disabled'): set it to 'ZoneRedundantPreferred' on M30 or larger.",
    },
    { it: "fails HA unset", set: { "properties.highAvailability": undefined }, expect: "targetMode 'unset'" },
  ];
  it.each(ha)("high availability: $it", (c) =>
    expectCase(rules.mongoclusterClusterEnableHighAvailability, mongocluster.MongoCluster, cluster, c),
  );

  const open: RuleCase[] = [
    { it: "passes a /24", expect: null },
    {
      it: "fails the whole internet",
      set: { "properties.startIpAddress": "0.0.0.0", "properties.endIpAddress": "255.255.255.255" },
      expect: "Firewall rule 0.0.0.0-255.255.255.255 opens 4294967296 addresses (limit 256)",
    },
    {
      it: "fails a /16 under the default limit of 256 addresses",
      set: { "properties.startIpAddress": "203.0.0.0", "properties.endIpAddress": "203.0.255.255" },
      expect: "opens 65536 addresses (limit 256)",
    },
    {
      it: "passes a /16 when maxAddresses is 65536",
      set: { "properties.startIpAddress": "203.0.0.0", "properties.endIpAddress": "203.0.255.255" },
      config: { maxAddresses: 65536 },
      expect: null,
    },
  ];
  it.each(open)("firewall range: $it", (c) =>
    expectCase(rules.mongoclusterFirewallRuleDisallowOpenRange, mongocluster.FirewallRule, firewall, c),
  );
});

describe("Web PubSub rules", () => {
  const localAuth: RuleCase[] = [
    { it: "passes keys off, Entra ID on", expect: null },
    {
      it: "fails keys unset (they work by default)",
      set: { disableLocalAuth: undefined },
      expect: "Web PubSub access keys can be used: set disableLocalAuth to true.",
    },
    {
      it: "fails Entra ID off",
      set: { disableAadAuth: true },
      expect: "Web PubSub refuses Entra ID: set disableAadAuth to false.",
    },
  ];
  it.each(localAuth)("local auth: $it", (c) =>
    expectCase(rules.webpubsubServiceDisableLocalAuth, webpubsub.WebPubSub, service, c),
  );

  const publicServer: RuleCase[] = [
    { it: "passes public client connections with server APIs denied", expect: null },
    {
      it: "passes public access disabled",
      set: { publicNetworkAccess: "Disabled", networkACLs: undefined },
      expect: null,
    },
    {
      it: "passes a default-deny ACL that allows only client connections",
      set: { networkACLs: { defaultAction: "Deny", publicNetwork: { allow: ["ClientConnection"] } } },
      expect: null,
    },
    {
      it: "fails an open public network (no ACL)",
      set: { networkACLs: undefined },
      expect: "Web PubSub accepts RESTAPI, ServerConnection, Trace from the public network",
    },
    {
      it: "fails a default-deny ACL that allows the REST API publicly",
      set: {
        networkACLs: { defaultAction: "Deny", publicNetwork: { allow: ["ClientConnection", "RESTAPI"] } },
      },
      expect: "Web PubSub accepts RESTAPI from the public network",
    },
  ];
  it.each(publicServer)("public server access: $it", (c) =>
    expectCase(rules.webpubsubServiceDisallowPublicServerAccess, webpubsub.WebPubSub, service, c),
  );

  const anonymous: RuleCase[] = [
    { it: "passes deny", expect: null },
    { it: "passes unset (the API's default is deny)", set: { properties: {} }, expect: null },
    {
      it: "fails allow",
      set: { "properties.anonymousConnectPolicy": "Allow" },
      expect: "Web PubSub hub admits anonymous clients: set anonymousConnectPolicy to 'deny'.",
    },
  ];
  it.each(anonymous)("anonymous connect: $it", (c) =>
    expectCase(rules.webpubsubHubDisallowAnonymousConnect, webpubsub.WebPubSubHub, hub, c),
  );
});
