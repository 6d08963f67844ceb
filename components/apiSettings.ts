import { createHash } from "node:crypto";
import type * as inputs from "@pulumi/azure-native/types/input";
import * as pulumi from "@pulumi/pulumi";
import type { ApiConfig } from "../config/schema";

type NameValue = inputs.web.NameValuePairArgs;

/** Setting names that look like credentials: such a value must be a Key Vault reference, never plain text. */
export const SECRET_LIKE_SETTING = /(PASSWORD|SECRET|KEY|TOKEN|CONNECTION|DSN)/;

/**
 * App settings Flex Consumption rejects or ignores (azure-facts, "Functions, Flex Consumption"): the runtime, package
 * and content share live in `functionAppConfig` there.
 */
export const FLEX_REJECTED_SETTINGS: readonly string[] = [
  "FUNCTIONS_WORKER_RUNTIME",
  "FUNCTIONS_EXTENSION_VERSION",
  "WEBSITE_RUN_FROM_PACKAGE",
  "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
  "WEBSITE_CONTENTSHARE",
  "WEBSITE_CONTENTOVERVNET",
  "WEBSITE_SKIP_CONTENTSHARE_VALIDATION",
  "WEBSITE_NODE_DEFAULT_VERSION",
  "SCM_DO_BUILD_DURING_DEPLOYMENT",
  "ENABLE_ORYX_BUILD",
  "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
  "WEBSITE_TIME_ZONE",
  "TZ",
  "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED",
];

/** Settings the API component writes itself; callers may not pass them in `secretUris` or `plainSettings`. */
export const COMPONENT_SETTINGS: readonly string[] = [
  ...FLEX_REJECTED_SETTINGS,
  "AzureWebJobsStorage",
  "AzureWebJobsStorage__accountName",
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "API_HEALTH_PATH",
  "WEBSITE_CLOUD_ROLENAME",
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
  "RELEASE_VERSION",
  "RELEASE_SHA256",
];

/** Built-in role definition GUIDs the API's identities receive (azure-facts, Key Vault / App Configuration / Functions). */
export const ROLES = {
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  appConfigurationDataReader: "516239f1-63e1-4d78-a4de-a74fb236a071",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  // Learn, "Azure built-in roles for Web and Mobile": Web PubSub Service Owner, full access to the data-plane REST
  // APIs (issuing client access tokens included).
  webPubSubServiceOwner: "12cf5a90-567b-43ae-8102-96cf46c7d9b4",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageBlobDelegator: "db58b8e5-c6ad-4a2a-8342-4190687cbf4a",
} as const;

/** A GUID derived from `parts` (SHA-256, RFC 4122 version-5 layout), like Bicep's `guid()`: same parts, same GUID. */
export function nameGuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("|")).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The App Service Key Vault reference for a versionless secret URI. */
export function keyVaultRef(uri: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`@Microsoft.KeyVault(SecretUri=${uri})`;
}

/** Inputs of {@link appSettings}. */
export interface AppSettingsInputs {
  /** Hosting plan; Elastic Premium adds the runtime, package and content-share settings. */
  readonly plan: ApiConfig["plan"];
  /** Runtime (Elastic Premium `FUNCTIONS_WORKER_RUNTIME`). */
  readonly runtimeName: string;
  /** Host storage account name (identity-based `AzureWebJobsStorage`). */
  readonly storageAccountName: pulumi.Input<string>;
  /** Client id of the user-assigned host identity: host storage and telemetry authenticate as it. */
  readonly hostIdentityClientId: pulumi.Input<string>;
  /** Versionless Key Vault URI of the Application Insights connection string. */
  readonly appInsightsSecretUri: pulumi.Input<string>;
  /** Health check path. */
  readonly healthPath: string;
  /**
   * Cloud role name telemetry reports (`WEBSITE_CLOUD_ROLENAME`): the app name on the site, `<app>-canary` on the
   * slot, so the promotion gates can tell canary requests from stable ones in Log Analytics.
   */
  readonly roleName: pulumi.Input<string>;
  /** Release this app (or slot) runs. */
  readonly release: {
    readonly version: string;
    readonly apiPackageUrl: string;
    readonly apiPackageSha256: string;
  };
  /** Elastic Premium: content share name and the Key Vault URI of its connection string. */
  readonly contentShare?: {
    readonly name: pulumi.Input<string>;
    readonly connectionSecretUri: pulumi.Input<string>;
  };
  /** Route the content share over the VNet (private mode). */
  readonly contentOverVnet: boolean;
  /** Env var name to versionless Key Vault secret URI. */
  readonly secretUris: Readonly<Record<string, pulumi.Input<string>>>;
  /** Env var name to plain value. */
  readonly plainSettings: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * App settings of the site or the canary slot: identity-based host storage, every secret (the Application Insights
 * connection string too, so siteConfig holds no secret and preview diffs of it stay readable) as a Key Vault reference,
 * plain settings, the release identity, and on Elastic Premium the runtime, package URL and the content share whose
 * key-based connection string is itself a Key Vault reference (so validation is skipped and the share pre-created).
 */
export function appSettings(i: AppSettingsInputs): NameValue[] {
  const settings: NameValue[] = [
    // Host storage and telemetry use the user-assigned identity, granted before the site exists (the system
    // identity's grants could only follow the site's first start); a user-assigned identity is named by client id.
    { name: "AzureWebJobsStorage__accountName", value: i.storageAccountName },
    { name: "AzureWebJobsStorage__credential", value: "managedidentity" },
    { name: "AzureWebJobsStorage__clientId", value: i.hostIdentityClientId },
    { name: "APPLICATIONINSIGHTS_CONNECTION_STRING", value: keyVaultRef(i.appInsightsSecretUri) },
    { name: "WEBSITE_CLOUD_ROLENAME", value: i.roleName },
    {
      name: "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
      value: pulumi.interpolate`Authorization=AAD;ClientId=${i.hostIdentityClientId}`,
    },
    { name: "API_HEALTH_PATH", value: i.healthPath },
    { name: "RELEASE_VERSION", value: i.release.version },
    { name: "RELEASE_SHA256", value: i.release.apiPackageSha256 },
  ];
  if (i.plan === "ElasticPremium") {
    settings.push(
      { name: "FUNCTIONS_EXTENSION_VERSION", value: "~4" },
      { name: "FUNCTIONS_WORKER_RUNTIME", value: i.runtimeName },
      { name: "WEBSITE_RUN_FROM_PACKAGE", value: i.release.apiPackageUrl },
    );
    if (i.contentShare !== undefined) {
      settings.push(
        {
          name: "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
          value: keyVaultRef(i.contentShare.connectionSecretUri),
        },
        { name: "WEBSITE_CONTENTSHARE", value: i.contentShare.name },
        { name: "WEBSITE_SKIP_CONTENTSHARE_VALIDATION", value: "1" },
      );
    }
    if (i.contentOverVnet) settings.push({ name: "WEBSITE_CONTENTOVERVNET", value: "1" });
  }
  for (const [name, uri] of Object.entries(i.secretUris)) settings.push({ name, value: keyVaultRef(uri) });
  for (const [name, value] of Object.entries(i.plainSettings)) settings.push({ name, value });
  return settings;
}

/** Inputs of {@link siteConfig}. */
export interface SiteConfigInputs {
  /** The API config section. */
  readonly config: ApiConfig;
  /** App settings from {@link appSettings}. */
  readonly appSettings: NameValue[];
  /** Route all outbound traffic through the integration subnet (Elastic Premium with VNet integration). */
  readonly vnetRouteAll: boolean;
  /** Ramp-up rules (production site on Elastic Premium only). */
  readonly rampUpRules?: inputs.web.RampUpRuleArgs[];
  /** Origins admitted beside `config.corsOrigins`: the stack's own frontends (Static Web App). Default none. */
  readonly extraCorsOrigins?: pulumi.Input<string>[];
}

/**
 * siteConfig properties Flex Consumption rejects with "... for Flex Consumption sites is invalid" (azure-facts;
 * microsoft/azure-pipelines-tasks#21032), even when null.
 */
export const FLEX_REJECTED_SITE_CONFIG: readonly string[] = [
  "linuxFxVersion",
  "ftpsState",
  "use32BitWorkerProcess",
  "netFrameworkVersion",
  "functionsRuntimeScaleMonitoringEnabled",
];

/**
 * Site configuration shared by the site and the slot: TLS 1.2 for the site and SCM, no remote debugging, HTTP/2,
 * the health check path, CORS limited to the configured origins. Properties Flex Consumption rejects are set on
 * Elastic Premium only; Flex's FTP is turned off through the `WebAppFtpAllowed` policy resource instead.
 */
export function siteConfig(i: SiteConfigInputs): inputs.web.SiteConfigArgs {
  const common: inputs.web.SiteConfigArgs = {
    appSettings: i.appSettings,
    minTlsVersion: "1.2",
    scmMinTlsVersion: "1.2",
    remoteDebuggingEnabled: false,
    http20Enabled: true,
    healthCheckPath: i.config.healthCheckPath,
    cors: {
      allowedOrigins: [...i.config.corsOrigins, ...(i.extraCorsOrigins ?? [])],
      supportCredentials: i.config.corsSupportCredentials,
    },
  };
  if (i.config.plan === "FlexConsumption") return common;
  const runtime = i.config.runtime;
  return {
    ...common,
    linuxFxVersion: `${runtime.name === "node" ? "Node" : "Python"}|${runtime.version}`,
    ftpsState: "Disabled",
    // Elastic Premium runs its package from the release URL (WEBSITE_RUN_FROM_PACKAGE): nothing deploys through the
    // SCM (Kudu) site, so it admits no address.
    scmIpSecurityRestrictionsDefaultAction: "Deny",
    minimumElasticInstanceCount: i.config.minimumInstances,
    functionAppScaleLimit: i.config.maximumInstances,
    ...(i.vnetRouteAll ? { vnetRouteAllEnabled: true } : {}),
    ...(i.rampUpRules !== undefined ? { experiments: { rampUpRules: i.rampUpRules } } : {}),
  };
}
