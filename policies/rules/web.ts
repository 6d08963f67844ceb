import * as web from "@pulumi/azure-native/web";
import type { PolicyResource } from "@pulumi/policy";
import { type BaseConfig, exceptionListSchema, findException, type PolicyException } from "../lib/config";
import { type PropsOf, resourceRule, stackRule } from "../lib/rule";
import { known, ofType, sourcesOf } from "../lib/stack";
import {
  defaultSecretNamePattern,
  isKeyVaultReference,
  isSecretLike,
  isUnset,
  recordOf,
  recordsOf,
  stringOf,
  stringsOf,
  tlsAtLeast,
} from "../lib/values";

type SiteProps = PropsOf<typeof web.WebApp>;
type PlanProps = PropsOf<typeof web.AppServicePlan>;
type BasicAuthProps = PropsOf<typeof web.WebAppFtpAllowed>;

const sites = [web.WebApp, web.WebAppSlot];
const learn = "https://learn.microsoft.com/azure/app-service";

/** Flex Consumption sites carry functionAppConfig; several site settings do not apply there. */
function isFlexConsumption(site: SiteProps): boolean {
  return site.functionAppConfig !== undefined;
}

/** Sites accept HTTPS only; remediation sets httpsOnly. */
export const webWebAppEnforceHttpsOnly = resourceRule<SiteProps>({
  name: "web-webapp-enforce-https-only",
  description:
    "Web/Function App (and slot) httpsOnly is true; unset fails (Azure's default allows HTTP). Remediation sets it.",
  enforcementLevel: "remediate",
  resources: sites,
  meta: {
    checklist: ["tls"],
    severity: "critical",
    remediationSteps: "Set httpsOnly: true on the site and every slot.",
    anchors: {
      checkov: ["CKV_AZURE_14", "CKV_AZURE_70", "CKV_AZURE_153"],
      trivy: ["AVD-AZU-0004", "AVD-AZU-0072"],
      azurePolicy: ["App Service/FunctionApp_AuditHTTP_Audit", "App Service/FunctionApp_AuditHTTP_Modify"],
    },
    url: `${learn}/configure-ssl-bindings#enforce-https`,
  },
  check: (site, _args, report) => {
    if (site.httpsOnly !== true) {
      report("Site accepts plain HTTP: set httpsOnly to true.");
    }
  },
  remediate: (site) => {
    if (site.httpsOnly === true) {
      return undefined;
    }
    site.httpsOnly = true;
    return site;
  },
});

/** TLS 1.2+ for the site and its SCM (Kudu) endpoint; unset means the 1.2 default. */
export const webWebAppConfigureMinTls = resourceRule<SiteProps>({
  name: "web-webapp-configure-min-tls",
  description:
    "Web/Function App siteConfig.minTlsVersion and scmMinTlsVersion are 1.2 or newer; unset means Azure's default 1.2.",
  enforcementLevel: "mandatory",
  resources: sites,
  meta: {
    checklist: ["tls"],
    severity: "high",
    remediationSteps: "Set siteConfig.minTlsVersion and siteConfig.scmMinTlsVersion to '1.2' (or '1.3').",
    anchors: {
      checkov: ["CKV_AZURE_15", "CKV_AZURE_145", "CKV_AZURE_154"],
      trivy: ["AVD-AZU-0006"],
      azurePolicy: ["RequireLatestTls_FunctionApp_Audit"],
    },
    url: `${learn}/overview-tls`,
  },
  check: (site, _args, report) => {
    for (const key of ["minTlsVersion", "scmMinTlsVersion"] as const) {
      const v = site.siteConfig?.[key];
      if (v !== undefined && !tlsAtLeast(v, 1.2)) {
        report(`siteConfig.${key} is '${v}': set it to '1.2' or newer.`);
      }
    }
  },
});

interface FtpConfig extends BaseConfig {
  /** Accept FtpsOnly as well as Disabled. */
  readonly allowFtpsOnly: boolean;
}

/** No FTP deployments (Flex Consumption has no FTP and rejects the setting). */
export const webWebAppDisallowFtp = resourceRule<SiteProps, FtpConfig>({
  name: "web-webapp-disallow-ftp",
  description:
    "Web/Function App siteConfig.ftpsState is 'Disabled' ('FtpsOnly' too with allowFtpsOnly); unset fails, except on Flex Consumption (functionAppConfig set), which rejects ftpsState and has no FTP.",
  enforcementLevel: "mandatory",
  resources: sites,
  config: {
    schema: { allowFtpsOnly: { type: "boolean", default: false } },
    defaults: { allowFtpsOnly: false },
  },
  meta: {
    checklist: ["tls", "secrets"],
    severity: "high",
    remediationSteps: "Set siteConfig.ftpsState: 'Disabled' and deploy with zip deploy / run-from-package.",
    anchors: {
      checkov: ["CKV_AZURE_78"],
      trivy: ["AVD-AZU-0071"],
      azurePolicy: ["AuditFTPS_FunctionApp_Audit"],
    },
    url: `${learn}/deploy-ftp`,
  },
  check: (site, args, report, config) => {
    const state = site.siteConfig?.ftpsState;
    if (state === undefined && isFlexConsumption(site)) {
      args.notApplicable("Flex Consumption sites have no FTP endpoint and reject ftpsState");
    }
    const ok = state === "Disabled" || (config.allowFtpsOnly && state === "FtpsOnly");
    if (!ok) {
      report(`siteConfig.ftpsState is '${state ?? "(unset: AllAllowed)"}': set it to 'Disabled'.`);
    }
  },
});

function basicAuthRule(
  name: string,
  kind: "FTP" | "SCM",
  classes: (typeof web.WebAppFtpAllowed)[] | (typeof web.WebAppScmAllowed)[],
) {
  return resourceRule<BasicAuthProps>({
    name,
    description: `${kind} basic-auth publishing credentials policy (${classes.map((c) => c.name).join("/")}) has allow false.`,
    enforcementLevel: "mandatory",
    resources: classes,
    meta: {
      checklist: ["identity", "secrets"],
      severity: "high",
      remediationSteps: `Set allow: false; deploy with Entra ID (OIDC) credentials instead of publishing profiles.`,
      anchors: {
        checkov: [
          kind === "FTP"
            ? "AppServiceFTPBasicAuthenticationDisabled.py"
            : "AppServiceSCMBasicAuthenticationDisabled.py",
        ],
        azurePolicy: [kind === "FTP" ? "FTP_BasicAuthEnabled_AINE" : "SCM_BasicAuthEnabled_AINE"],
      },
      url: `${learn}/configure-basic-auth-disable`,
    },
    check: (policy, _args, report) => {
      if (policy.allow !== false) {
        report(`${kind} basic authentication is allowed: set allow to false.`);
      }
    },
  });
}

/** FTP basic-auth publishing credentials are disabled. */
export const webWebAppFtpAllowedDisableBasicAuth = basicAuthRule(
  "web-webappftpallowed-disable-basic-auth",
  "FTP",
  [web.WebAppFtpAllowed, web.WebAppFtpAllowedSlot],
);

/** SCM (Kudu) basic-auth publishing credentials are disabled. */
export const webWebAppScmAllowedDisableBasicAuth = basicAuthRule(
  "web-webappscmallowed-disable-basic-auth",
  "SCM",
  [web.WebAppScmAllowed, web.WebAppScmAllowedSlot],
);

function policiesFor(
  site: PolicyResource,
  all: readonly PolicyResource[],
  property: "name" | "slot",
): PolicyResource[] {
  return all.filter((p) => sourcesOf(p, property).some((s) => s.urn === site.urn));
}

/** Each site and slot has both basic-auth policies (the service default allows basic auth). */
export const webWebAppMissingBasicAuthPolicies = stackRule({
  name: "web-webapp-missing-basic-auth-policies",
  description:
    "Each WebApp has a WebAppFtpAllowed and a WebAppScmAllowed whose name derives from it, and each WebAppSlot the Slot variants whose slot derives from it (propertyDependencies); Flex Consumption apps need only the SCM one.",
  enforcementLevel: "mandatory",
  resources: [
    web.WebApp,
    web.WebAppSlot,
    web.WebAppFtpAllowed,
    web.WebAppScmAllowed,
    web.WebAppFtpAllowedSlot,
    web.WebAppScmAllowedSlot,
  ],
  meta: {
    checklist: ["identity", "secrets"],
    severity: "medium",
    remediationSteps:
      "Add web.WebAppFtpAllowed and web.WebAppScmAllowed {name: app.name, allow: false} (Slot variants with slot: slot.name for slots).",
    anchors: { azurePolicy: ["FTP_BasicAuthEnabled_AINE", "SCM_BasicAuthEnabled_AINE"] },
  },
  check: (args, report) => {
    const r = args.resources;
    const ftp = ofType(r, web.WebAppFtpAllowed);
    const scm = ofType(r, web.WebAppScmAllowed);
    const ftpSlot = ofType(r, web.WebAppFtpAllowedSlot);
    const scmSlot = ofType(r, web.WebAppScmAllowedSlot);
    for (const app of ofType(r, web.WebApp)) {
      const flex = known(() => app.props["functionAppConfig"] !== undefined);
      if (flex !== true && policiesFor(app, ftp, "name").length === 0) {
        report(app, `Site '${app.name}' has no WebAppFtpAllowed policy: add one with allow: false.`);
      }
      if (policiesFor(app, scm, "name").length === 0) {
        report(app, `Site '${app.name}' has no WebAppScmAllowed policy: add one with allow: false.`);
      }
    }
    for (const slot of ofType(r, web.WebAppSlot)) {
      if (policiesFor(slot, ftpSlot, "slot").length === 0) {
        report(slot, `Slot '${slot.name}' has no WebAppFtpAllowedSlot policy: add one with allow: false.`);
      }
      if (policiesFor(slot, scmSlot, "slot").length === 0) {
        report(slot, `Slot '${slot.name}' has no WebAppScmAllowedSlot policy: add one with allow: false.`);
      }
    }
  },
});

/** Remote debugging stays off (default off). */
export const webWebAppDisallowRemoteDebugging = resourceRule<SiteProps>({
  name: "web-webapp-disallow-remote-debugging",
  description: "Web/Function App siteConfig.remoteDebuggingEnabled is not true (unset means off).",
  enforcementLevel: "mandatory",
  resources: sites,
  meta: {
    checklist: ["network"],
    severity: "high",
    remediationSteps: "Set siteConfig.remoteDebuggingEnabled: false (or remove it).",
    anchors: {
      checkov: ["CKV_AZURE_72", "CKV_AZURE_155"],
      azurePolicy: ["DisableRemoteDebugging_FunctionApp_Audit"],
    },
  },
  check: (site, _args, report) => {
    if (site.siteConfig?.remoteDebuggingEnabled === true) {
      report("Remote debugging is on: set siteConfig.remoteDebuggingEnabled to false.");
    }
  },
});

interface CorsConfig extends BaseConfig {
  /** Non-HTTPS origins accepted by regex, each with a reason (e.g. localhost for local frontend development). */
  readonly insecureOriginsAllowed: readonly PolicyException[];
}

/** CORS origins are explicit HTTPS origins; no wildcard. */
export const webWebAppDisallowCorsWildcard = resourceRule<SiteProps, CorsConfig>({
  name: "web-webapp-disallow-cors-wildcard",
  description:
    "Web/Function App siteConfig.cors.allowedOrigins has no '*' and only https:// origins (non-HTTPS ones only when listed in insecureOriginsAllowed with a reason); no CORS block passes (browsers then block cross-origin calls).",
  enforcementLevel: "mandatory",
  resources: sites,
  config: {
    schema: { insecureOriginsAllowed: exceptionListSchema },
    defaults: { insecureOriginsAllowed: [] },
  },
  meta: {
    checklist: ["cors"],
    severity: "high",
    remediationSteps:
      "List the frontends' exact https:// origins (Vercel and Static Web App domains) in siteConfig.cors.allowedOrigins.",
    anchors: {
      checkov: ["CKV_AZURE_57", "CKV_AZURE_62"],
      azurePolicy: ["RestrictCORSAccess_FuntionApp_Audit"],
    },
    url: `${learn}/app-service-web-tutorial-rest-api#enable-cors`,
  },
  check: (site, _args, report, config) => {
    const raw = recordOf(recordOf(site.siteConfig)?.["cors"])?.["allowedOrigins"];
    const origins = stringsOf(raw);
    if (origins === undefined) {
      report("CORS allowedOrigins is not a list of origins: list the frontends' https:// origins.");
      return;
    }
    if (origins.some((o) => o.trim() === "*")) {
      report("CORS allows every origin ('*'): list the frontends' https:// origins instead.");
    }
    const insecure = origins.filter(
      (o) =>
        o.trim() !== "*" &&
        !o.trim().toLowerCase().startsWith("https://") &&
        !findException(o.trim(), config.insecureOriginsAllowed),
    );
    if (insecure.length > 0) {
      report(`CORS origins ${insecure.join(", ")} are not https://: use the HTTPS origins.`);
    }
  },
});

interface CorsAllowlistConfig extends BaseConfig {
  /** Regexes an origin must match (e.g. the stack's Vercel and Static Web App domains). */
  readonly allowedOriginPatterns: readonly string[];
}

/** Every CORS origin is one of the stack's known frontends. */
export const webWebAppConfigureCorsAllowlist = resourceRule<SiteProps, CorsAllowlistConfig>({
  name: "web-webapp-configure-cors-allowlist",
  description:
    "Every Web/Function App CORS origin matches one of `allowedOriginPatterns` (the stack's known frontends); not applicable while no pattern is configured.",
  enforcementLevel: "mandatory",
  resources: sites,
  config: {
    schema: { allowedOriginPatterns: { type: "array", items: { type: "string" } } },
    defaults: { allowedOriginPatterns: [] },
  },
  meta: {
    checklist: ["cors"],
    severity: "medium",
    remediationSteps:
      "Remove the unknown origin, or add its pattern to this rule's allowedOriginPatterns in the stack's policy config.",
    anchors: { checkov: ["CKV_AZURE_57"] },
  },
  check: (site, args, report, config) => {
    if (config.allowedOriginPatterns.length === 0) {
      args.notApplicable("no allowedOriginPatterns configured for this stack");
    }
    const patterns = config.allowedOriginPatterns.map((p) => new RegExp(p, "i"));
    const unknownOrigins = (site.siteConfig?.cors?.allowedOrigins ?? []).filter(
      (o) => !patterns.some((p) => p.test(o.trim())),
    );
    if (unknownOrigins.length > 0) {
      report(
        `CORS origins ${unknownOrigins.join(", ")} are not known frontends of this stack: remove them or add them to allowedOriginPatterns.`,
      );
    }
  },
});

/** Sites run with a managed identity (Key Vault references, storage, Redis, App Configuration). */
export const webWebAppEnableManagedIdentity = resourceRule<SiteProps>({
  name: "web-webapp-enable-managed-identity",
  description: "Web/Function App identity.type includes SystemAssigned or UserAssigned; unset fails.",
  enforcementLevel: "mandatory",
  resources: sites,
  meta: {
    checklist: ["identity", "secrets"],
    severity: "medium",
    remediationSteps:
      "Set identity: { type: 'SystemAssigned' } (or a user-assigned identity) and grant it Key Vault Secrets User.",
    anchors: {
      checkov: ["CKV_AZURE_16", "CKV_AZURE_71"],
      trivy: ["AVD-AZU-0002"],
      azurePolicy: ["UseManagedIdentity_FunctionApp_Audit"],
    },
    url: `${learn}/overview-managed-identity`,
  },
  check: (site, _args, report) => {
    const type = String(site.identity?.type ?? "None");
    if (!/(SystemAssigned|UserAssigned)/.test(type)) {
      report(`Site identity is '${type}': set identity.type to 'SystemAssigned' or 'UserAssigned'.`);
    }
  },
});

interface KeyVaultRefConfig extends BaseConfig {
  /** Case-insensitive regex of secret-like setting names. */
  readonly secretNamePattern: string;
  /** Settings (by name regex) that may hold a plain value, each with a reason. */
  readonly plaintextAllowedFor: readonly PolicyException[];
}

/** The shape of the settings the rule reads (sites, slots and WebAppApplicationSettings). */
interface SettingsProps {
  readonly siteConfig?: {
    readonly appSettings?: readonly { readonly name?: string; readonly value?: string }[];
    readonly connectionStrings?: readonly { readonly name?: string; readonly connectionString?: string }[];
  };
  readonly properties?: Readonly<Record<string, string>>;
}

const inlineCredential = /(AccountKey|Password|SharedAccessKey|pwd)=[^;@]+/i;

/** Identity-based connection settings (`<conn>__credential`, `__clientId`, `__accountName`, `__*ServiceUri`) hold no secret. */
const identityConnectionSetting =
  /__(credential|clientId|accountName|[a-z]*ServiceUri|fullyQualifiedNamespace)$/i;

/** A URL value without a password in it (e.g. rediss://host:10000 with Entra auth) is not a secret. */
function isCredentialFreeUrl(value: unknown): boolean {
  if (typeof value !== "string" || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    return false;
  }
  try {
    const url = new URL(value);
    return url.password === "" && !/(password|pwd|key|token|sig)=/i.test(url.search);
  } catch {
    return false;
  }
}

/** Secret-like app settings and connection strings are Key Vault references. */
export const webWebAppEnforceKeyVaultReferences = resourceRule<SettingsProps, KeyVaultRefConfig>({
  name: "web-webapp-enforce-keyvault-references",
  description:
    "Web/Function App (and slot, and WebAppApplicationSettings) settings whose names match `secretNamePattern`, all connection strings, and any value with an inline AccountKey=/Password= are '@Microsoft.KeyVault(...)' references, except settings listed in plaintextAllowedFor, identity-based connection settings (__credential, __clientId, __accountName, __*ServiceUri) and URLs without a password (e.g. rediss://host:10000 with Entra auth).",
  enforcementLevel: "mandatory",
  resources: [web.WebApp, web.WebAppSlot, web.WebAppApplicationSettings],
  config: {
    schema: { secretNamePattern: { type: "string" }, plaintextAllowedFor: exceptionListSchema },
    defaults: {
      secretNamePattern: defaultSecretNamePattern,
      plaintextAllowedFor: [
        {
          name: "^APPLICATIONINSIGHTS_CONNECTION_STRING$",
          reason: "ingestion connection string is not a secret (Microsoft docs); local auth is the control",
        },
      ],
    },
  },
  meta: {
    checklist: ["secrets"],
    severity: "critical",
    remediationSteps:
      "Store the value as a keyvault.Secret and set the setting to @Microsoft.KeyVault(SecretUri=<secret uri>); give the app's identity Key Vault Secrets User.",
    anchors: { checkov: ["CKV_AZURE_235"] },
    url: `${learn}/app-service-key-vault-references`,
  },
  check: (props, _args, report, config) => {
    // Entries that are not objects hold no value; a name that is not a string may be a secret's (fail closed).
    const siteConfig = recordOf(props.siteConfig);
    const settings: { name: string | undefined; value: unknown; kind: string }[] = [
      ...recordsOf(siteConfig?.["appSettings"]).map((s) => ({
        name: isUnset(s["name"]) ? "" : stringOf(s["name"]),
        value: s["value"],
        kind: "app setting",
      })),
      ...recordsOf(siteConfig?.["connectionStrings"]).map((s) => ({
        name: isUnset(s["name"]) ? "" : stringOf(s["name"]),
        value: s["connectionString"],
        kind: "connection string",
      })),
      ...Object.entries(recordOf(props.properties) ?? {}).map(([name, value]) => ({
        name,
        value,
        kind: "app setting",
      })),
    ];
    for (const s of settings) {
      if (
        (s.name !== undefined && findException(s.name, config.plaintextAllowedFor)) ||
        isKeyVaultReference(s.value)
      ) {
        continue;
      }
      const secretName =
        s.kind === "connection string" ||
        s.name === undefined ||
        (isSecretLike(s.name, config.secretNamePattern) &&
          !identityConnectionSetting.test(s.name) &&
          !isCredentialFreeUrl(s.value));
      const inline = typeof s.value === "string" && inlineCredential.test(s.value);
      if (secretName || inline) {
        report(
          `${s.kind} '${s.name ?? "(name not a string)"}' holds a plain value: store it in Key Vault and set '@Microsoft.KeyVault(SecretUri=...)'.`,
        );
      }
    }
  },
});

/** A health-check path lets the platform replace unhealthy instances (and gates the canary). */
export const webWebAppConfigureHealthCheck = resourceRule<SiteProps>({
  name: "web-webapp-configure-health-check",
  description:
    "Web/Function App siteConfig.healthCheckPath is set; not applicable on Flex Consumption (functionAppConfig set), where platform health check is not offered.",
  enforcementLevel: "mandatory",
  resources: sites,
  meta: {
    profile: "platform",
    checklist: ["healthChecks"],
    severity: "medium",
    remediationSteps:
      "Set siteConfig.healthCheckPath to '/api/health' (the endpoint returning {status:'ok'}).",
    anchors: { checkov: ["CKV_AZURE_213"], pulumi: ["PBP:application-gateway-has-health-probes"] },
    url: `${learn}/monitor-instances-health-check`,
  },
  check: (site, args, report) => {
    if (isFlexConsumption(site)) {
      args.notApplicable(
        "Flex Consumption: platform health check is not offered (assumption recorded in docs/policies.md)",
      );
    }
    if (!site.siteConfig?.healthCheckPath) {
      report("No health check: set siteConfig.healthCheckPath (e.g. '/api/health').");
    }
  },
});

function appSettingNames(site: SiteProps): string[] {
  return recordsOf(recordOf(site.siteConfig)?.["appSettings"]).map((s) => stringOf(s["name"]) ?? "");
}

/** Error tracking: Application Insights is wired through its connection string. */
export const webWebAppEnableAppInsights = resourceRule<SiteProps>({
  name: "web-webapp-enable-app-insights",
  description:
    "Web/Function App has an APPLICATIONINSIGHTS_CONNECTION_STRING app setting (error tracking and request telemetry).",
  enforcementLevel: "mandatory",
  resources: sites,
  meta: {
    profile: "platform",
    checklist: ["errorTracking", "monitoring"],
    severity: "medium",
    remediationSteps:
      "Add the app setting APPLICATIONINSIGHTS_CONNECTION_STRING = component.connectionString.",
    anchors: { checkov: ["CKV_AZURE_159"], azurePolicy: ["App Service/ResourceLoggingMonitoring_Audit"] },
  },
  check: (site, _args, report) => {
    if (!appSettingNames(site).includes("APPLICATIONINSIGHTS_CONNECTION_STRING")) {
      report("No Application Insights: add the APPLICATIONINSIGHTS_CONNECTION_STRING app setting.");
    }
  },
});

/** HTTP/2 on. */
export const webWebAppEnableHttp2 = resourceRule<SiteProps>({
  name: "web-webapp-enable-http2",
  description: "Web/Function App siteConfig.http20Enabled is true; unset fails.",
  enforcementLevel: "advisory",
  resources: sites,
  meta: {
    checklist: ["tls"],
    severity: "low",
    remediationSteps: "Set siteConfig.http20Enabled: true.",
    anchors: { checkov: ["CKV_AZURE_18", "CKV_AZURE_67"], azurePolicy: ["FunctionApp_Audit_HTTP_Latest"] },
  },
  check: (site, _args, report) => {
    if (site.siteConfig?.http20Enabled !== true) {
      report("HTTP/2 is off: set siteConfig.http20Enabled to true.");
    }
  },
});

/** The SCM (Kudu) endpoint denies by default. */
export const webWebAppConfigureScmIpDefaultDeny = resourceRule<SiteProps>({
  name: "web-webapp-configure-scm-ip-default-deny",
  description:
    "Web/Function App siteConfig.scmIpSecurityRestrictionsDefaultAction is 'Deny'; unset means Allow.",
  enforcementLevel: "advisory",
  resources: sites,
  meta: {
    checklist: ["network"],
    severity: "low",
    remediationSteps:
      "Set siteConfig.scmIpSecurityRestrictionsDefaultAction: 'Deny' and allow the CI runners' addresses.",
    anchors: { checkov: ["AppServiceIPResctrictionDefaultActionSCMDeny.py"] },
  },
  check: (site, _args, report) => {
    if (site.siteConfig?.scmIpSecurityRestrictionsDefaultAction !== "Deny") {
      report(
        "The SCM endpoint allows every address: set siteConfig.scmIpSecurityRestrictionsDefaultAction to 'Deny'.",
      );
    }
  },
});

/** Public network access off (disabled in every stack: the API is browser-facing; an explicit exception). */
export const webWebAppDisablePublicNetworkAccess = resourceRule<SiteProps>({
  name: "web-webapp-disable-public-network-access",
  description:
    "Web/Function App publicNetworkAccess is 'Disabled'. Disabled in our stacks: the API is called from browsers.",
  enforcementLevel: "disabled",
  resources: sites,
  meta: {
    checklist: ["network"],
    severity: "medium",
    remediationSteps:
      "Set publicNetworkAccess: 'Disabled' and front the app with a private endpoint behind a gateway.",
    anchors: {
      checkov: ["CKV_AZURE_221", "CKV_AZURE_222"],
      azurePolicy: ["FunctionApp_PublicNetworkAccess_Audit"],
    },
  },
  check: (site, _args, report) => {
    if (site.publicNetworkAccess !== "Disabled") {
      report(
        "The site is publicly reachable: set publicNetworkAccess to 'Disabled' behind a private gateway.",
      );
    }
  },
});

/** Client certificates required (disabled: browsers do not present them; an explicit exception). */
export const webWebAppEnableClientCertificates = resourceRule<SiteProps>({
  name: "web-webapp-enable-client-certificates",
  description:
    "Web/Function App clientCertEnabled is true. Disabled in our stacks: browser clients carry no certificates.",
  enforcementLevel: "disabled",
  resources: sites,
  meta: {
    checklist: ["identity"],
    severity: "low",
    remediationSteps:
      "Set clientCertEnabled: true with clientCertMode 'Required' for service-to-service APIs.",
    anchors: {
      checkov: ["CKV_AZURE_17"],
      trivy: ["AVD-AZU-0001"],
      azurePolicy: ["ClientCert_FunctionApp_Audit"],
    },
  },
  check: (site, _args, report) => {
    if (site.clientCertEnabled !== true) {
      report("Client certificates are not required: set clientCertEnabled to true.");
    }
  },
});

interface RuntimeConfig extends BaseConfig {
  /** Oldest supported major version per runtime name (node, python, dotnet-isolated, java). */
  readonly minimumVersions: Readonly<Record<string, number>>;
}

function runtimeOf(site: SiteProps): { name: string; version: string } | undefined {
  const fc = site.functionAppConfig?.runtime;
  if (fc?.name && fc.version) {
    return { name: String(fc.name).toLowerCase(), version: fc.version };
  }
  const fx = /^([A-Za-z-]+)\|(.+)$/.exec(site.siteConfig?.linuxFxVersion ?? "");
  return fx ? { name: fx[1].toLowerCase(), version: fx[2] } : undefined;
}

/** The language runtime is still in support. */
export const webWebAppDisallowDeprecatedRuntime = resourceRule<SiteProps, RuntimeConfig>({
  name: "web-webapp-disallow-deprecated-runtime",
  description:
    "Web/Function App runtime (functionAppConfig.runtime or siteConfig.linuxFxVersion) is at least `minimumVersions[name]` (Node 22: Node 20 ended 2026-04-30; Python 3.11; .NET isolated 9). Unknown runtimes are skipped.",
  enforcementLevel: "mandatory",
  resources: sites,
  config: {
    schema: { minimumVersions: { type: "object", additionalProperties: { type: "number" } } },
    defaults: { minimumVersions: { node: 22, python: 3.11, "dotnet-isolated": 9, java: 17 } },
  },
  meta: {
    checklist: ["governance"],
    severity: "medium",
    remediationSteps:
      "Move the app to a supported runtime version (e.g. node 22) and redeploy the package built for it.",
    url: "https://learn.microsoft.com/azure/azure-functions/language-support-policy",
  },
  check: (site, args, report, config) => {
    const runtime = runtimeOf(site);
    const minimum = runtime ? config.minimumVersions[runtime.name] : undefined;
    if (!runtime || minimum === undefined) {
      return args.notApplicable("runtime not declared or not tracked");
    }
    const version = Number.parseFloat(runtime.version);
    if (!(version >= minimum)) {
      report(
        `Runtime ${runtime.name} ${runtime.version} is out of support: move to ${runtime.name} ${minimum} or newer.`,
      );
    }
  },
});

const nonProductionSkus = /^(F1|D1|B1|B2|B3|Y1)$/i;

/** Production plans are not Free/Shared/Basic/Consumption. */
export const webAppServicePlanConfigureProductionSku = resourceRule<PlanProps>({
  name: "web-appserviceplan-configure-production-sku",
  description:
    "App Service plan sku.name is not F1, D1, B1-B3 or Y1 (no SLA, no slots, no scale-out); unset fails.",
  enforcementLevel: "mandatory",
  resources: [web.AppServicePlan],
  meta: {
    profile: "platform",
    checklist: ["resilience"],
    severity: "medium",
    remediationSteps:
      "Use Elastic Premium (EP1+) for the API with slots, or Flex Consumption (FC1) for staging.",
    anchors: { checkov: ["CKV_AZURE_211", "CKV_AZURE_212"] },
  },
  check: (plan, _args, report) => {
    const sku = plan.sku?.name;
    if (sku === undefined || nonProductionSkus.test(sku)) {
      report(`Plan SKU '${sku ?? "(unset)"}' has no production SLA: use EP1 or higher.`);
    }
  },
});

/** Plans spread instances across zones. */
export const webAppServicePlanEnableZoneRedundancy = resourceRule<PlanProps>({
  name: "web-appserviceplan-enable-zone-redundancy",
  description: "App Service plan zoneRedundant is true; unset means false.",
  enforcementLevel: "advisory",
  resources: [web.AppServicePlan],
  meta: {
    profile: "platform",
    checklist: ["resilience"],
    severity: "low",
    remediationSteps:
      "Set zoneRedundant: true (Elastic Premium needs at least 2 always-ready instances; set at creation).",
    anchors: { checkov: ["CKV_AZURE_225"] },
  },
  check: (plan, _args, report) => {
    if (plan.zoneRedundant !== true) {
      report("Plan is not zone redundant: set zoneRedundant to true.");
    }
  },
});

/** Production sites have a deployment slot for canary and swap-free rollback. */
export const webWebAppMissingDeploymentSlot = stackRule({
  name: "web-webapp-missing-deployment-slot",
  description:
    "Each WebApp has at least one WebAppSlot whose name derives from it (propertyDependencies), for canary traffic and rollback.",
  enforcementLevel: "mandatory",
  resources: [web.WebApp, web.WebAppSlot],
  meta: {
    profile: "platform",
    checklist: ["rollback"],
    severity: "medium",
    remediationSteps:
      "Add web.WebAppSlot {name: app.name, slot: 'canary'} on an Elastic Premium or Dedicated plan (Flex Consumption has no slots).",
  },
  check: (args, report) => {
    const slots = ofType(args.resources, web.WebAppSlot);
    for (const app of ofType(args.resources, web.WebApp)) {
      if (!slots.some((s) => sourcesOf(s, "name").some((d) => d.urn === app.urn))) {
        report(
          app,
          `Site '${app.name}' has no deployment slot: add a 'canary' WebAppSlot for phased rollout and rollback.`,
        );
      }
    }
  },
});
