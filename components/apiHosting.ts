import * as azureInputs from "@pulumi/azure-native/types/input";
import type * as inputs from "@pulumi/azure-native/types/input";
import * as pulumi from "@pulumi/pulumi";
import type { ApiConfig } from "../config/schema";
import { FLEX_REJECTED_SITE_CONFIG } from "./apiSettings";
import type { ApiNetworkArgs } from "./apiStorage";

/** Name of the Elastic Premium deployment slot that runs the release candidate. */
export const CANARY_SLOT = "canary";

/**
 * Transformation that sends `siteConfig` as an object with its Outputs at the leaves. azure-native wraps the whole
 * siteConfig in one Output to apply its defaults (web/webApp.js and webAppSlot.js:
 * `pulumi.output(args.siteConfig).apply(siteConfigArgsProvideDefaults)`), and an Output with any unknown value inside is
 * unknown as a whole (`outputRec` in @pulumi/pulumi's output.js), so in a preview one unknown leaf (a Key Vault
 * reference, an endpoint) hid every setting: TLS, FTPS, CORS, the ramp-up rule. Sending the same object, the same
 * defaults applied, lets the engine see each known leaf and only the unknown ones as computed. On Flex Consumption it
 * also drops the properties FC1 rejects, which the defaults add (`netFrameworkVersion` "v4.6",
 * pulumi-azure-native#4168).
 */
export function siteConfigLeaves(
  resourceName: string,
  siteConfig: inputs.web.SiteConfigArgs,
  plan: ApiConfig["plan"],
): pulumi.ResourceTransformation {
  const withDefaults: Record<string, unknown> = {
    ...azureInputs.web.siteConfigArgsProvideDefaults(siteConfig),
  };
  if (plan === "FlexConsumption") for (const key of FLEX_REJECTED_SITE_CONFIG) delete withDefaults[key];
  return (a) =>
    a.name === resourceName && a.props.siteConfig !== undefined
      ? { props: { ...a.props, siteConfig: withDefaults }, opts: a.opts }
      : undefined;
}

/**
 * Flex Consumption's `functionAppConfig`: deployment from `containerUrl` as the user-assigned host identity
 * `hostIdentityId` (granted before the site exists), runtime and scale.
 */
export function flexFunctionAppConfig(
  config: ApiConfig,
  containerUrl: pulumi.Input<string>,
  hostIdentityId: pulumi.Input<string>,
): inputs.web.FunctionAppConfigArgs {
  return {
    deployment: {
      storage: {
        type: "blobContainer",
        value: containerUrl,
        authentication: { type: "UserAssignedIdentity", userAssignedIdentityResourceId: hostIdentityId },
      },
    },
    runtime: { name: config.runtime.name, version: config.runtime.version },
    scaleAndConcurrency: {
      instanceMemoryMB: config.instanceMemoryMb,
      maximumInstanceCount: config.maximumInstances,
    },
  };
}

/** App Service plan kind, SKU and scale: `FC1` for Flex Consumption, an elastic Linux plan for Elastic Premium. */
export function planShape(config: ApiConfig) {
  return config.plan === "FlexConsumption"
    ? { kind: "functionapp", reserved: true, sku: { name: "FC1", tier: "FlexConsumption" } }
    : {
        kind: "elastic",
        reserved: true,
        sku: { name: config.premiumSku, tier: "ElasticPremium" },
        maximumElasticWorkerCount: config.maximumInstances,
      };
}

/**
 * Regional VNet integration in private mode; Elastic Premium also routes application and content-share traffic
 * through the subnet (`outboundVnetRouting`, formerly `vnetRouteAllEnabled` / `vnetContentShareEnabled`).
 */
export function vnetIntegration(
  plan: ApiConfig["plan"],
  network: ApiNetworkArgs,
): {
  virtualNetworkSubnetId?: pulumi.Input<string>;
  outboundVnetRouting?: inputs.web.OutboundVnetRoutingArgs;
} {
  if (network.mode !== "private" || network.integrationSubnetId === undefined) return {};
  if (plan === "FlexConsumption") return { virtualNetworkSubnetId: network.integrationSubnetId };
  return {
    virtualNetworkSubnetId: network.integrationSubnetId,
    outboundVnetRouting: { applicationTraffic: true, contentShareTraffic: true },
  };
}

/**
 * Properties the site and the slot share: Linux function app on `planId`, HTTPS only, no session affinity, the
 * system-assigned identity for the application's data access plus the host identity `hostIdentityId` for Key Vault
 * references, host storage and telemetry.
 */
export function siteShape(planId: pulumi.Input<string>, hostIdentityId: pulumi.Input<string>) {
  return {
    kind: "functionapp,linux",
    serverFarmId: planId,
    identity: {
      type: "SystemAssigned, UserAssigned" as const,
      userAssignedIdentities: [hostIdentityId],
    },
    httpsOnly: true,
    clientAffinityEnabled: false,
    keyVaultReferenceIdentity: hostIdentityId,
  };
}

/**
 * The site's ramp-up rule sending `percentage` of traffic to the canary slot. The slot's host name is computed, not
 * read from the slot: the slot is a child of the site, so reading it would be a cycle.
 */
export function canaryRampUp(appName: string, percentage: number): inputs.web.RampUpRuleArgs[] {
  return [
    {
      name: CANARY_SLOT,
      actionHostName: `${appName}-${CANARY_SLOT}.azurewebsites.net`,
      reroutePercentage: percentage,
    },
  ];
}
