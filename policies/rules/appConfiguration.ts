import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import { type BaseConfig } from "../lib/config";
import { type PropsOf, resourceRule } from "../lib/rule";
import {
  appConfigFeatureFlagContentType,
  appConfigKeyVaultRefContentType,
  defaultSecretNamePattern,
  isSecretLike,
  recordOf,
  recordsOf,
  shapeOf,
  stringOf,
} from "../lib/values";

type StoreProps = PropsOf<typeof appconfiguration.ConfigurationStore>;
type KeyValueProps = PropsOf<typeof appconfiguration.KeyValue>;
const learn = "https://learn.microsoft.com/azure/azure-app-configuration";

/** Entra ID only (no access keys); remediation sets disableLocalAuth. */
export const appConfigurationStoreDisableLocalAuth = resourceRule<StoreProps>({
  name: "appconfiguration-store-disable-local-auth",
  description:
    "App Configuration store disableLocalAuth is true; unset means access keys work. Remediation sets it.",
  enforcementLevel: "remediate",
  resources: [appconfiguration.ConfigurationStore],
  meta: {
    checklist: ["identity", "secrets"],
    severity: "medium",
    remediationSteps:
      "Set disableLocalAuth: true with dataPlaneProxy.authenticationMode 'Pass-through'; grant App Configuration Data Reader/Owner roles.",
    anchors: {
      checkov: ["CKV_AZURE_184"],
      azurePolicy: ["App Configuration/DisableLocalAuth_Audit", "App Configuration/DisableLocalAuth_Modify"],
    },
    url: `${learn}/howto-disable-access-key-authentication`,
  },
  check: (store, _args, report) => {
    if (store.disableLocalAuth !== true) {
      report("App Configuration accepts access keys: set disableLocalAuth to true.");
    }
  },
  remediate: (store) => {
    if (store.disableLocalAuth === true) {
      return undefined;
    }
    store.disableLocalAuth = true;
    return store;
  },
});

/** Purge protection (Standard/Premium only; irreversible). */
export const appConfigurationStoreEnablePurgeProtection = resourceRule<StoreProps>({
  name: "appconfiguration-store-enable-purge-protection",
  description:
    "App Configuration store enablePurgeProtection is true; unset fails (CKV_AZURE_187 treats missing as failed).",
  enforcementLevel: "mandatory",
  resources: [appconfiguration.ConfigurationStore],
  meta: {
    checklist: ["resilience", "backups"],
    severity: "medium",
    remediationSteps:
      "Use the standard SKU and set enablePurgeProtection: true with softDeleteRetentionInDays (1-7).",
    anchors: { checkov: ["CKV_AZURE_187"] },
  },
  check: (store, _args, report) => {
    if (store.enablePurgeProtection !== true) {
      report("A deleted store can be purged at once: set enablePurgeProtection to true (standard SKU).");
    }
  },
});

/** Standard SKU (SLA, private link, soft delete). */
export const appConfigurationStoreConfigureStandardSku = resourceRule<StoreProps>({
  name: "appconfiguration-store-configure-standard-sku",
  description: "App Configuration store sku.name is standard or premium (case-insensitive).",
  enforcementLevel: "advisory",
  resources: [appconfiguration.ConfigurationStore],
  meta: {
    profile: "platform",
    checklist: ["resilience"],
    severity: "low",
    remediationSteps: "Set sku.name: 'standard'.",
    anchors: { checkov: ["CKV_AZURE_188"] },
  },
  check: (store, _args, report) => {
    const sku = stringOf(recordOf(store.sku)?.["name"]);
    if (sku === undefined || !/^(standard|premium)$/i.test(sku)) {
      report(`SKU '${sku ?? "(unset)"}' has no SLA or private link: set sku.name to 'standard'.`);
    }
  },
});

/** No public endpoint (writes then need private-link delegation; advisory). */
export const appConfigurationStoreDisallowPublicNetworkAccess = resourceRule<StoreProps>({
  name: "appconfiguration-store-disallow-public-network-access",
  description:
    "App Configuration store publicNetworkAccess is 'Disabled'; unset means enabled once no private endpoint exists.",
  enforcementLevel: "advisory",
  resources: [appconfiguration.ConfigurationStore],
  meta: {
    checklist: ["network"],
    severity: "low",
    remediationSteps:
      "Set publicNetworkAccess: 'Disabled' with a private endpoint and dataPlaneProxy.privateLinkDelegation 'Enabled' (ARM key-value writes go through the data plane).",
    anchors: { checkov: ["CKV_AZURE_185"], azurePolicy: ["PrivateLink_PublicNetworkAccess_Audit"] },
  },
  check: (store, _args, report) => {
    if (store.publicNetworkAccess !== "Disabled") {
      report(
        "App Configuration is publicly reachable: set publicNetworkAccess to 'Disabled' behind a private endpoint.",
      );
    }
  },
});

/** Decodes `keyValueName` (`<key>$<label>`, `~2F` for '/'); "" when it is unset or not a string. */
function keyOf(kv: KeyValueProps): string {
  const raw = stringOf(kv.keyValueName) ?? "";
  const key = raw.split("$")[0];
  return key.replace(/~2F/gi, "/");
}

interface SecretKeyConfig extends BaseConfig {
  /** Case-insensitive regex of secret-like keys. */
  readonly secretNamePattern: string;
}

/** Secret-like key-values are Key Vault references. */
export const appConfigurationKeyValueDisallowPlaintextSecrets = resourceRule<KeyValueProps, SecretKeyConfig>({
  name: "appconfiguration-keyvalue-disallow-plaintext-secrets",
  description: `App Configuration key-values whose key matches \`secretNamePattern\` have contentType '${appConfigKeyVaultRefContentType}'.`,
  enforcementLevel: "mandatory",
  resources: [appconfiguration.KeyValue],
  config: {
    schema: { secretNamePattern: { type: "string" } },
    defaults: { secretNamePattern: defaultSecretNamePattern },
  },
  meta: {
    checklist: ["secrets"],
    severity: "high",
    remediationSteps: `Store the value in Key Vault and write a reference: contentType '${appConfigKeyVaultRefContentType}', value {"uri":"<secret uri>"}.`,
    url: `${learn}/use-key-vault-references-dotnet-core`,
  },
  check: (kv, _args, report, config) => {
    if (stringOf(kv.keyValueName) === undefined) {
      // Fail closed: a key that cannot be read may be a secret's name.
      report(`keyValueName is ${shapeOf(kv.keyValueName)}: set it to the key's name.`);
      return;
    }
    const key = keyOf(kv);
    if (key.startsWith(".appconfig.featureflag/")) {
      return;
    }
    if (
      isSecretLike(key.split(/[/:]/).pop() ?? key, config.secretNamePattern) &&
      kv.contentType !== appConfigKeyVaultRefContentType
    ) {
      report(
        `Key '${key}' looks secret but holds a plain value: make it a Key Vault reference (contentType '${appConfigKeyVaultRefContentType}').`,
      );
    }
  },
});

/** Feature flags use the feature-management schema the JS library reads. */
export const appConfigurationKeyValueConfigureFeatureFlagFormat = resourceRule<KeyValueProps>({
  name: "appconfiguration-keyvalue-configure-feature-flag-format",
  description:
    "Feature-flag key-values (key prefix '.appconfig.featureflag/', '~2F' encoded) have the feature-flag content type and a JSON value whose id equals the key suffix, with no Microsoft.Percentage filter (the JavaScript library ignores it; use Microsoft.Targeting); the content type is used only with that prefix.",
  enforcementLevel: "mandatory",
  resources: [appconfiguration.KeyValue],
  meta: {
    profile: "platform",
    checklist: ["rollback"],
    severity: "medium",
    remediationSteps: `Use keyValueName '.appconfig.featureflag~2F<NAME>', contentType '${appConfigFeatureFlagContentType}', value {"id":"<NAME>","enabled":...,"conditions":{"client_filters":[{"name":"Microsoft.Targeting",...}]}}.`,
    url: `${learn}/feature-management-javascript-reference`,
  },
  check: (kv, args, report) => {
    const key = keyOf(kv);
    const isFlagKey = key.startsWith(".appconfig.featureflag/");
    const isFlagType = kv.contentType === appConfigFeatureFlagContentType;
    if (!isFlagKey && !isFlagType) {
      args.notApplicable("not a feature flag");
    }
    if (!isFlagKey) {
      report(
        `Key '${key}' has the feature-flag content type but not the '.appconfig.featureflag/' prefix: rename it.`,
      );
      return;
    }
    if (!isFlagType) {
      report(
        `Feature flag '${key}' has contentType '${kv.contentType ?? "(unset)"}': set '${appConfigFeatureFlagContentType}'.`,
      );
    }
    const name = key.slice(".appconfig.featureflag/".length);
    let parsed: unknown;
    try {
      parsed = JSON.parse(stringOf(kv.value) ?? "");
    } catch {
      report(`Feature flag '${name}' value is not JSON: write {"id":"${name}","enabled":...}.`);
      return;
    }
    const flag = recordOf(parsed);
    if (flag === undefined) {
      report(`Feature flag '${name}' value is not a JSON object: write {"id":"${name}","enabled":...}.`);
      return;
    }
    if (flag["id"] !== name) {
      report(
        `Feature flag value id '${String(flag["id"])}' differs from the key '${name}': make them equal.`,
      );
    }
    const filters = recordsOf(recordOf(flag["conditions"])?.["client_filters"]);
    if (filters.some((f) => f["name"] === "Microsoft.Percentage")) {
      report(
        `Feature flag '${name}' uses Microsoft.Percentage, which the JavaScript library ignores: use Microsoft.Targeting with Audience.DefaultRolloutPercentage.`,
      );
    }
  },
});
