import { createHash } from "node:crypto";
import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";
import type { FeatureFlagsConfig, NetworkConfig } from "../config/schema";
import type { Naming } from "./naming";
import { afterRolePropagation } from "./propagation";
import { privateEndpoint } from "./shared";

/** App Configuration Data Owner: read and write key-values through the data plane. */
export const APP_CONFIGURATION_DATA_OWNER = "5ae67dd6-50cb-40e7-96ff-dc2bfa4b606b";

/** Content type App Configuration and the feature-management libraries expect on a feature flag. */
export const FEATURE_FLAG_CONTENT_TYPE = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";

/** Network placement of the store. */
export interface FeatureFlagsNetwork {
  /** `public` or `private` (private endpoint and private DNS). */
  readonly mode: NetworkConfig["mode"];
  /** Subnet for the private endpoint; required in private mode. */
  readonly privateEndpointSubnetId?: pulumi.Input<string>;
  /** `privatelink.azconfig.io` zone id; required in private mode. */
  readonly dnsZoneId?: pulumi.Input<string>;
}

/** Arguments for {@link FeatureFlags}. */
export interface FeatureFlagsArgs {
  /** Physical names for the stack. */
  readonly naming: Naming;
  /** Resource group of the store. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region of the store. */
  readonly location: string;
  /** Feature-flag section of the stack config (SKU, purge protection, flags). */
  readonly config: FeatureFlagsConfig;
  /** Protect the store from deletion (stateful: flags and their history). */
  readonly protect: boolean;
  /** Public or private placement. */
  readonly network: FeatureFlagsNetwork;
  /**
   * Object id of the identity running `pulumi up` (`authorization.getClientConfigOutput().objectId`). It gets
   * App Configuration Data Owner, because with local auth off ARM writes key-values through the data plane as
   * the caller.
   */
  readonly deployerPrincipalId: pulumi.Input<string>;
  /** Principal type of that identity (`deployer.principalType` in stack config); Azure refuses a mismatch. */
  readonly deployerPrincipalType: "ServicePrincipal" | "User";
  /** Wait between the deployer's data-owner grant and the first key-value write (Go duration). Default 15m. */
  readonly rolePropagation?: string;
}

/** The feature-flag document (App Configuration feature management schema) for one flag. */
export function featureFlagValue(flag: string, percentage: number): string {
  return JSON.stringify({
    id: flag,
    description: `Managed by Pulumi: featureFlags.flags.${flag} in the stack config`,
    enabled: true,
    conditions: {
      client_filters: [
        {
          name: "Microsoft.Targeting",
          parameters: { Audience: { Users: [], Groups: [], DefaultRolloutPercentage: percentage } },
        },
      ],
    },
  });
}

/** A stable GUID (role assignment names must be GUIDs) from the given parts. */
function guid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("/")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Azure App Configuration store (Entra ID only: local auth off, ARM pass-through) holding one feature flag per
 * configured name. Each flag is enabled with a `Microsoft.Targeting` filter whose `DefaultRolloutPercentage` is the
 * configured percentage (the JavaScript library does not implement `Microsoft.Percentage`); 0 switches a flag off
 * for everyone without deleting it, and flipping `enabled` in the portal is the emergency brake.
 *
 * ARM writes key-values through the store's data plane. With public network access off, the only supported way for
 * those writes is Azure Resource Manager Private Link: `dataPlaneProxy.privateLinkDelegation: Enabled` ("ARM private
 * endpoint is required if the resource requires private link") and a deployer whose ARM calls arrive through the
 * tenant's Resource Management Private Link. That link is tenant-wide (an association at the root management
 * group), so this program does not create it: `config.armPrivateLink` turns the sealed mode on once it exists.
 * Otherwise public access stays enabled (the residual risk: the endpoint answers from the internet, but only to
 * Entra ID tokens of principals holding an App Configuration data role; there are no access keys), and the app
 * reaches the store through its private endpoint in private mode.
 */
export class FeatureFlags extends pulumi.ComponentResource {
  /** Store name. */
  readonly storeName: pulumi.Output<string>;
  /** Store resource id. */
  readonly storeId: pulumi.Output<string>;
  /** Store endpoint, https://<name>.azconfig.io (the app's `AZURE_APPCONFIG_ENDPOINT`). */
  readonly endpoint: pulumi.Output<string>;
  /** Names of the flags created. */
  readonly flagNames: string[];

  constructor(name: string, args: FeatureFlagsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:flags:FeatureFlags", name, {}, opts);
    const { config, network } = args;
    const standard = config.sku === "standard";
    if (!standard && config.purgeProtection) {
      throw new pulumi.ResourceError(
        "featureFlags.purgeProtection needs sku standard; set sku to standard or purgeProtection to false",
        this,
      );
    }
    const subnetId = network.privateEndpointSubnetId;
    const dnsZoneId = network.dnsZoneId;
    if (network.mode === "private") {
      if (!standard) {
        throw new pulumi.ResourceError(
          "featureFlags.sku free has no private link; use sku standard in private network mode",
          this,
        );
      }
      if (subnetId === undefined || dnsZoneId === undefined) {
        throw new pulumi.ResourceError(
          "network.privateEndpointSubnetId and network.dnsZoneId are required in private mode (pass the Network component's endpoint subnet and privatelink.azconfig.io zone)",
          this,
        );
      }
    }

    if (config.armPrivateLink && network.mode !== "private") {
      throw new pulumi.ResourceError(
        "featureFlags.armPrivateLink needs network mode private: with public access off only a private endpoint reaches the store",
        this,
      );
    }
    const sealed = network.mode === "private" && config.armPrivateLink;
    if (network.mode === "private" && !sealed) {
      void pulumi.log.warn(
        "featureFlags.armPrivateLink is false: the App Configuration store keeps public network access (Entra ID " +
          "only, no keys) so ARM can write the flags; set it once the tenant has Resource Management Private Link",
        this,
      );
    }

    const store = new appconfiguration.ConfigurationStore(
      `${name}-store`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        configStoreName: args.naming.appConfig(),
        sku: { name: config.sku },
        disableLocalAuth: true,
        dataPlaneProxy: {
          authenticationMode: appconfiguration.AuthenticationMode.Pass_through,
          ...(sealed ? { privateLinkDelegation: appconfiguration.PrivateLinkDelegation.Enabled } : {}),
        },
        publicNetworkAccess: sealed
          ? appconfiguration.PublicNetworkAccess.Disabled
          : appconfiguration.PublicNetworkAccess.Enabled,
        // The SDK fills in softDeleteRetentionInDays 7 when omitted, which Free rejects: send 0 there.
        enablePurgeProtection: standard ? config.purgeProtection : false,
        softDeleteRetentionInDays: standard ? config.softDeleteRetentionDays : 0,
      },
      { parent: this, protect: args.protect },
    );

    if (network.mode === "private" && subnetId !== undefined && dnsZoneId !== undefined) {
      privateEndpoint(
        `${name}-store`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          endpointName: args.naming.plain("pe-appcs"),
          subnetId,
          targetId: store.id,
          groupId: "configurationStores",
          dnsZoneId,
        },
        this,
      );
    }

    const subscriptionId = authorization.getClientConfigOutput({ parent: this }).subscriptionId;
    const deployerAccess = new authorization.RoleAssignment(
      `${name}-deployer-data-owner`,
      {
        roleAssignmentName: pulumi
          .all([store.id, args.deployerPrincipalId])
          .apply(([scope, principal]) => guid(scope, principal, APP_CONFIGURATION_DATA_OWNER)),
        scope: store.id,
        principalId: args.deployerPrincipalId,
        principalType: args.deployerPrincipalType,
        roleDefinitionId: pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${APP_CONFIGURATION_DATA_OWNER}`,
        description: "pulumi up writes feature flags through the App Configuration data plane",
      },
      { parent: this },
    );

    // Key-value writes right after the grant get 403 until it propagates (up to 15 minutes, per Microsoft).
    const propagated = afterRolePropagation(
      `${name}-deployer-data-owner-propagation`,
      [deployerAccess],
      this,
      args.rolePropagation,
    );

    this.flagNames = Object.keys(config.flags).sort();
    for (const flag of this.flagNames) {
      new appconfiguration.KeyValue(
        `${name}-flag-${flag}`,
        {
          resourceGroupName: args.resourceGroupName,
          configStoreName: store.name,
          keyValueName: `.appconfig.featureflag~2F${flag}`,
          contentType: FEATURE_FLAG_CONTENT_TYPE,
          value: featureFlagValue(flag, config.flags[flag]),
        },
        { parent: this, dependsOn: [propagated] },
      );
    }

    this.storeName = store.name;
    this.storeId = store.id;
    this.endpoint = store.endpoint;
    this.registerOutputs({
      storeName: this.storeName,
      storeId: this.storeId,
      endpoint: this.endpoint,
      flagNames: this.flagNames,
    });
  }
}
