import * as keyvault from "@pulumi/azure-native/keyvault";
import type { BaseConfig } from "../lib/config";
import {
  defaultCredentialProducers,
  provenanceProblem,
  provenanceSchema,
  type ProvenanceConfig,
} from "../lib/provenance";
import { type PropsOf, resourceRule, stackRule } from "../lib/rule";
import { ofType } from "../lib/stack";
import { isUnset, listOf, recordOf, shapeOf, stringOf } from "../lib/values";

/** A vault's or secret's `properties` object; {} when unset or not an object, so "must be set" checks fail closed. */
const propertiesOf = (props: { readonly properties?: unknown }): Readonly<Record<string, unknown>> =>
  recordOf(props.properties) ?? {};

type VaultProps = PropsOf<typeof keyvault.Vault>;
type SecretProps = PropsOf<typeof keyvault.Secret>;
const learn = "https://learn.microsoft.com/azure/key-vault/general";

/** Purge protection (irreversible; advisory in staging so the vault can be purged on teardown). */
export const keyVaultVaultEnablePurgeProtection = resourceRule<VaultProps>({
  name: "keyvault-vault-enable-purge-protection",
  description: "Key Vault properties.enablePurgeProtection is true; unset means off.",
  enforcementLevel: "mandatory",
  resources: [keyvault.Vault],
  meta: {
    checklist: ["secrets", "resilience"],
    severity: "medium",
    remediationSteps: "Set properties.enablePurgeProtection: true (it cannot be turned off again).",
    anchors: {
      checkov: ["CKV_AZURE_110", "CKV_AZURE_42"],
      trivy: ["AVD-AZU-0016"],
      azurePolicy: ["Key Vault/Recoverable_Audit"],
    },
    url: `${learn}/soft-delete-overview`,
  },
  check: (vault, _args, report) => {
    if (propertiesOf(vault)["enablePurgeProtection"] !== true) {
      report("Deleted secrets can be purged at once: set properties.enablePurgeProtection to true.");
    }
  },
});

interface SoftDeleteConfig extends BaseConfig {
  /** Minimum soft-delete retention in days (7-90). */
  readonly minRetentionDays: number;
}

/** Soft delete stays on with enough retention (default 90 days when unset). */
export const keyVaultVaultEnableSoftDelete = resourceRule<VaultProps, SoftDeleteConfig>({
  name: "keyvault-vault-enable-soft-delete",
  description:
    "Key Vault properties.enableSoftDelete is not false and softDeleteRetentionInDays is at least `minRetentionDays` (unset means 90).",
  enforcementLevel: "mandatory",
  resources: [keyvault.Vault],
  config: {
    schema: { minRetentionDays: { type: "integer", minimum: 7, maximum: 90, default: 7 } },
    defaults: { minRetentionDays: 7 },
  },
  meta: {
    checklist: ["secrets", "backups"],
    severity: "medium",
    remediationSteps:
      "Remove enableSoftDelete: false; set softDeleteRetentionInDays at or above the minimum (fixed after creation).",
    anchors: {
      checkov: ["CKV_AZURE_111"],
      azurePolicy: ["SoftDeleteMustBeEnabled_Audit"],
      pulumi: ["PBP:key-vault-soft-delete"],
    },
    url: `${learn}/soft-delete-overview`,
  },
  check: (vault, _args, report, config) => {
    const p = propertiesOf(vault);
    if (p["enableSoftDelete"] === false) {
      report("Soft delete is off: remove enableSoftDelete: false.");
    }
    // Unset means Azure's 90 days; a value that is not a number cannot be shown to meet the minimum.
    const raw = p["softDeleteRetentionInDays"];
    const days = isUnset(raw) ? 90 : raw;
    if (typeof days !== "number" || days < config.minRetentionDays) {
      report(
        `Soft-delete retention is ${typeof days === "number" ? `${days} days` : shapeOf(days)}: set softDeleteRetentionInDays to at least ${config.minRetentionDays}.`,
      );
    }
  },
});

/** Azure RBAC instead of access policies. */
export const keyVaultVaultEnableRbacAuthorization = resourceRule<VaultProps>({
  name: "keyvault-vault-enable-rbac-authorization",
  description:
    "Key Vault properties.enableRbacAuthorization is true and accessPolicies is empty; unset fails.",
  enforcementLevel: "mandatory",
  resources: [keyvault.Vault],
  meta: {
    checklist: ["identity", "secrets"],
    severity: "medium",
    remediationSteps:
      "Set properties.enableRbacAuthorization: true, drop accessPolicies, grant Key Vault Secrets User per identity.",
    anchors: { azurePolicy: ["Key Vault/Should_Use_RBAC"] },
    url: `${learn}/rbac-guide`,
  },
  check: (vault, _args, report) => {
    const p = propertiesOf(vault);
    if (p["enableRbacAuthorization"] !== true) {
      report("Vault uses access policies: set properties.enableRbacAuthorization to true.");
    }
    // A value that is not a list cannot be shown to hold no access policies.
    if ((listOf(p["accessPolicies"]) ?? [undefined]).length > 0) {
      report("Vault has access policies: remove them and use role assignments.");
    }
  },
});

/** Network default-deny (or public access disabled). */
export const keyVaultVaultConfigureNetworkDefaultDeny = resourceRule<VaultProps>({
  name: "keyvault-vault-configure-network-default-deny",
  description:
    "Key Vault properties.networkAcls.defaultAction is 'Deny' or properties.publicNetworkAccess is 'Disabled'; unset means Allow.",
  enforcementLevel: "mandatory",
  resources: [keyvault.Vault],
  meta: {
    checklist: ["network", "secrets"],
    severity: "high",
    remediationSteps:
      "Set properties.networkAcls {defaultAction:'Deny', bypass:'AzureServices'} with the app subnet, or publicNetworkAccess 'Disabled' plus a private endpoint.",
    anchors: {
      checkov: ["CKV_AZURE_109", "CKV_AZURE_189"],
      trivy: ["AVD-AZU-0013"],
      azurePolicy: ["FirewallEnabled_Audit", "PublicNetworkAccess_Audit"],
    },
    url: `${learn}/network-security`,
  },
  check: (vault, _args, report) => {
    const p = propertiesOf(vault);
    if (p["publicNetworkAccess"] !== "Disabled" && recordOf(p["networkAcls"])?.["defaultAction"] !== "Deny") {
      report(
        "Vault accepts traffic from any network: set networkAcls.defaultAction to 'Deny' (or publicNetworkAccess 'Disabled').",
      );
    }
  },
});

interface ExpirationConfig extends BaseConfig {
  /** Longest accepted validity in days from now. */
  readonly maxDays: number;
}

/** Secrets expire (rotation). */
export const keyVaultSecretConfigureExpiration = resourceRule<SecretProps, ExpirationConfig>({
  name: "keyvault-secret-configure-expiration",
  description:
    "Key Vault secret properties.attributes.expires (Unix seconds) is set and at most `maxDays` ahead.",
  enforcementLevel: "advisory",
  resources: [keyvault.Secret],
  config: { schema: { maxDays: { type: "integer", minimum: 1, default: 365 } }, defaults: { maxDays: 365 } },
  meta: {
    checklist: ["secrets"],
    severity: "low",
    remediationSteps: "Set properties.attributes.expires (Unix seconds) and rotate the secret before then.",
    anchors: {
      checkov: ["CKV_AZURE_41"],
      trivy: ["AVD-AZU-0017"],
      azurePolicy: ["Secrets_ExpirationSet", "Secrets_ValidityPeriod"],
    },
  },
  check: (secret, _args, report, config) => {
    const expires = recordOf(propertiesOf(secret)["attributes"])?.["expires"];
    if (isUnset(expires)) {
      report("Secret never expires: set properties.attributes.expires and rotate it.");
      return;
    }
    if (typeof expires !== "number") {
      report(`properties.attributes.expires is ${shapeOf(expires)}: set it to a Unix time in seconds.`);
      return;
    }
    const limit = Date.now() / 1000 + config.maxDays * 86400;
    if (expires > limit) {
      report(`Secret expires more than ${config.maxDays} days ahead: shorten properties.attributes.expires.`);
    }
  },
});

/** Secrets say what they hold. */
export const keyVaultSecretMissingContentType = resourceRule<SecretProps>({
  name: "keyvault-secret-missing-content-type",
  description: "Key Vault secret properties.contentType is set.",
  enforcementLevel: "advisory",
  resources: [keyvault.Secret],
  meta: {
    profile: "platform",
    checklist: ["secrets"],
    severity: "low",
    remediationSteps: "Set properties.contentType (e.g. 'text/plain', 'application/x-connection-string').",
    anchors: { checkov: ["CKV_AZURE_114"], trivy: ["AVD-AZU-0015"], azurePolicy: ["Secrets_ContentTypeSet"] },
  },
  check: (secret, _args, report) => {
    if (!stringOf(propertiesOf(secret)["contentType"])) {
      report("Secret has no content type: set properties.contentType.");
    }
  },
});

/** Secret values come from generators or other stack resources, never literals. */
export const keyVaultSecretEnforceValueProvenance = stackRule<ProvenanceConfig>({
  name: "keyvault-secret-enforce-value-provenance",
  description:
    "Key Vault secret properties derive (propertyDependencies) from an accepted producer (RandomPassword, or the Redis database / storage account / Application Insights component that owns a key); secrets fed from secret stack config are listed in configSecretFor with a reason.",
  enforcementLevel: "mandatory",
  resources: [keyvault.Secret],
  config: {
    schema: provenanceSchema,
    defaults: {
      producers: [
        ...defaultCredentialProducers,
        "azure-native:redisenterprise:Database",
        "azure-native:storage:StorageAccount",
        "azure-native:applicationinsights:Component",
      ],
      configSecretFor: [],
    },
  },
  meta: {
    checklist: ["secrets"],
    severity: "critical",
    remediationSteps:
      "Derive the value from random.RandomPassword or the resource that owns it; for third-party keys read config.requireSecret and list the secret under configSecretFor.",
  },
  check: (args, report, config) => {
    for (const secret of ofType(args.resources, keyvault.Secret)) {
      const problem = provenanceProblem(secret, "properties", config);
      if (problem) {
        report(
          secret,
          `Value of secret '${secret.name}' ${problem}: derive it from a generator or list it under configSecretFor.`,
        );
      }
    }
  },
});
