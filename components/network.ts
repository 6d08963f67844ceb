import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkConfig } from "../config/schema";
import type { Naming } from "./naming";
import {
  type DnsZoneKey,
  OPTIONAL_PRIVATE_LINK_ZONES,
  type OptionalDnsZoneKey,
  PRIVATE_LINK_ZONES,
  type SubnetRole,
  addressSpaceProblem,
  kebab,
  postgresZoneName,
  subnetLayout,
} from "./network-layout";

/** Arguments for {@link Network}. */
export interface NetworkArgs {
  /** Physical names for the stack. */
  readonly naming: Naming;
  /** Resource group of the VNet, its NSGs and the private DNS zones. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region of the VNet and NSGs (private DNS zones are global). */
  readonly location: string;
  /** The stack's network section; `mode: "public"` creates nothing, `private` the VNet, subnets and zones. */
  readonly config: NetworkConfig;
  /** Zones of optional services the stack has (private mode): `mongoCluster`, `webPubSub`. Default none. */
  readonly optionalZones?: readonly OptionalDnsZoneKey[];
}

/** Subnet resource ids of the private network. */
export type SubnetIds = { readonly [K in SubnetRole]: pulumi.Output<string> };

/** Private DNS zone resource ids, each resolving only once the zone is linked to the VNet. */
export type DnsZoneIds = { readonly [K in DnsZoneKey]: pulumi.Output<string> } & {
  readonly [K in OptionalDnsZoneKey]?: pulumi.Output<string>;
};

/**
 * The stack's private network. In `private` mode: a VNet over `config.addressSpace` with four subnets (layout in
 * `network-layout.ts`), one NSG per subnet (Azure's default rules: inbound only from the VNet and the load balancer,
 * Internet inbound denied), and the private DNS zones of every private endpoint plus the PostgreSQL zone, each linked
 * to the VNet without auto-registration. In `public` mode it registers no children and its outputs are undefined.
 */
export class Network extends pulumi.ComponentResource {
  /** VNet resource id (private mode). */
  readonly vnetId?: pulumi.Output<string>;
  /** Subnet ids by role (private mode). */
  readonly subnetIds?: SubnetIds;
  /** Private DNS zone ids by service (private mode). */
  readonly dnsZoneIds?: DnsZoneIds;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:network:Network", name, {}, opts);

    const privateMode = args.config.mode === "private";
    const problem = privateMode ? addressSpaceProblem(args.config.addressSpace) : undefined;
    if (problem !== undefined) {
      throw new pulumi.ResourceError(`network.addressSpace: ${problem}`, this);
    }

    if (privateMode) {
      const { naming, resourceGroupName, location } = args;
      const vnetName = naming.plain("vnet");
      const vnet = new network.VirtualNetwork(
        `${name}-vnet`,
        {
          resourceGroupName,
          location,
          virtualNetworkName: vnetName,
          addressSpace: { addressPrefixes: [args.config.addressSpace] },
        },
        { parent: this },
      );

      const subnetIds: Partial<Record<SubnetRole, pulumi.Output<string>>> = {};
      let previous: network.Subnet | undefined;
      for (const plan of subnetLayout(args.config.addressSpace)) {
        const role = kebab(plan.role);
        const nsg = new network.NetworkSecurityGroup(
          `${name}-${role}-nsg`,
          {
            resourceGroupName,
            location,
            networkSecurityGroupName: naming.plain(plan.abbr.replace(/^snet-/, "nsg-")),
          },
          { parent: this },
        );
        // Subnet writes on one VNet conflict when parallel (AnotherOperationInProgress): create them one by one.
        previous = new network.Subnet(
          `${name}-${role}-subnet`,
          {
            resourceGroupName,
            virtualNetworkName: vnet.name,
            subnetName: naming.plain(plan.abbr),
            addressPrefix: plan.cidr,
            networkSecurityGroup: { id: nsg.id },
            delegations: plan.delegation === undefined ? [] : [{ name: role, serviceName: plan.delegation }],
            privateEndpointNetworkPolicies: plan.role === "privateEndpoints" ? "Enabled" : "Disabled",
          },
          { parent: this, dependsOn: previous === undefined ? [] : [previous] },
        );
        subnetIds[plan.role] = previous.id;
      }

      const zones: [DnsZoneKey | OptionalDnsZoneKey, string][] = [
        ...(Object.entries(PRIVATE_LINK_ZONES) as [DnsZoneKey, string][]),
        ["postgres", postgresZoneName(naming.plain("psql"))],
        ...(args.optionalZones ?? []).map(
          (key) => [key, OPTIONAL_PRIVATE_LINK_ZONES[key].zone] as [OptionalDnsZoneKey, string],
        ),
      ];
      const dnsZoneIds: Partial<Record<DnsZoneKey | OptionalDnsZoneKey, pulumi.Output<string>>> = {};
      for (const [key, zoneName] of zones) {
        const zone = new privatedns.PrivateZone(
          `${name}-${kebab(key)}-zone`,
          { resourceGroupName, location: "global", privateZoneName: zoneName },
          { parent: this },
        );
        const link = new privatedns.VirtualNetworkLink(
          `${name}-${kebab(key)}-zone-link`,
          {
            resourceGroupName,
            location: "global",
            privateZoneName: zone.name,
            virtualNetworkLinkName: `${vnetName}-link`,
            virtualNetwork: { id: vnet.id },
            registrationEnabled: false,
          },
          { parent: this },
        );
        // Consumers (PostgreSQL's delegated mode above all) must see the zone only once the VNet can resolve it.
        dnsZoneIds[key] = pulumi.all([zone.id, link.id]).apply(([id]) => id);
      }

      this.vnetId = vnet.id;
      this.subnetIds = subnetIds as SubnetIds;
      this.dnsZoneIds = dnsZoneIds as DnsZoneIds;
    }

    this.registerOutputs({
      vnetId: this.vnetId,
      subnetIds: this.subnetIds,
      dnsZoneIds: this.dnsZoneIds,
    });
  }
}
