import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as network from "@pulumi/azure-native/network";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as storage from "@pulumi/azure-native/storage";
import type { PolicyResource } from "@pulumi/policy";
import { stackRule, typeToken } from "../lib/rule";
import { known, ofType, sourcesOf, UNKNOWN } from "../lib/stack";

const privateCapable = [
  dbforpostgresql.Server,
  redisenterprise.RedisEnterprise,
  keyvault.Vault,
  storage.StorageAccount,
  appconfiguration.ConfigurationStore,
];

/** Public access as the resource declares it: true (public), false (private) or UNKNOWN. */
function isPrivate(r: PolicyResource): boolean | typeof UNKNOWN {
  return known(() => {
    const p = r.props;
    switch (r.type) {
      case typeToken(dbforpostgresql.Server): {
        const net = p["network"] as
          { publicNetworkAccess?: string; delegatedSubnetResourceId?: string } | undefined;
        return net?.delegatedSubnetResourceId === undefined && net?.publicNetworkAccess === "Disabled";
      }
      case typeToken(keyvault.Vault):
        return (
          (p["properties"] as { publicNetworkAccess?: string } | undefined)?.publicNetworkAccess ===
          "Disabled"
        );
      default:
        return p["publicNetworkAccess"] === "Disabled";
    }
  });
}

/** A service with public access disabled is reachable through a private endpoint. */
export const networkPrivateEndpointMissingForPrivateService = stackRule({
  name: "network-privateendpoint-missing-for-private-service",
  description:
    "Each PostgreSQL server (public-access mode), Managed Redis cluster, Key Vault, storage account and App Configuration store whose public network access is disabled has a PrivateEndpoint whose privateLinkServiceConnections derive from it (propertyDependencies).",
  enforcementLevel: "mandatory",
  resources: [...privateCapable, network.PrivateEndpoint],
  meta: {
    profile: "platform",
    checklist: ["network"],
    severity: "medium",
    remediationSteps:
      "Add network.PrivateEndpoint {subnet, privateLinkServiceConnections:[{privateLinkServiceId: resource.id, groupIds:[<groupId>]}]} and its private DNS zone group.",
    url: "https://learn.microsoft.com/azure/private-link/private-endpoint-dns",
  },
  check: (args, report) => {
    const endpoints = ofType(args.resources, network.PrivateEndpoint);
    for (const r of ofType(args.resources, ...privateCapable)) {
      if (isPrivate(r) !== true) {
        continue;
      }
      const linked = endpoints.some((e) =>
        sourcesOf(e, "privateLinkServiceConnections").some((d) => d.urn === r.urn),
      );
      if (!linked) {
        report(
          r,
          `'${r.name}' has public access disabled but no private endpoint: add a PrivateEndpoint linked to it, or nothing can reach it.`,
        );
      }
    }
  },
});

/** Private endpoints register in a private DNS zone so clients resolve the private address. */
export const networkPrivateEndpointMissingDnsZoneGroup = stackRule({
  name: "network-privateendpoint-missing-dns-zone-group",
  description:
    "Each PrivateEndpoint has a PrivateDnsZoneGroup whose privateEndpointName derives from it (propertyDependencies).",
  enforcementLevel: "mandatory",
  resources: [network.PrivateEndpoint, network.PrivateDnsZoneGroup],
  meta: {
    profile: "platform",
    checklist: ["network"],
    severity: "low",
    remediationSteps:
      "Add network.PrivateDnsZoneGroup {privateEndpointName: pe.name, privateDnsZoneConfigs:[{privateDnsZoneId: zone.id}]} (e.g. privatelink.redis.azure.net).",
  },
  check: (args, report) => {
    const groups = ofType(args.resources, network.PrivateDnsZoneGroup);
    for (const pe of ofType(args.resources, network.PrivateEndpoint)) {
      if (!groups.some((g) => sourcesOf(g, "privateEndpointName").some((d) => d.urn === pe.urn))) {
        report(
          pe,
          `Private endpoint '${pe.name}' has no DNS zone group: add a PrivateDnsZoneGroup so its name resolves privately.`,
        );
      }
    }
  },
});
