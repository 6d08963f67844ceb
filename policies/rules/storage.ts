import * as storage from "@pulumi/azure-native/storage";
import { type PropsOf, resourceRule } from "../lib/rule";
import { recordOf, stringOf, tlsAtLeast } from "../lib/values";

type AccountProps = PropsOf<typeof storage.StorageAccount>;
type BlobServiceProps = PropsOf<typeof storage.BlobServiceProperties>;
const learn = "https://learn.microsoft.com/azure/storage/common";

/** HTTPS only (default true); remediation sets it back. */
export const storageAccountEnforceHttps = resourceRule<AccountProps>({
  name: "storage-account-enforce-https",
  description:
    "Storage account enableHttpsTrafficOnly is not false (unset means true). Remediation sets true.",
  enforcementLevel: "remediate",
  resources: [storage.StorageAccount],
  meta: {
    checklist: ["tls"],
    severity: "high",
    remediationSteps: "Set enableHttpsTrafficOnly: true (ARM name supportsHttpsTrafficOnly).",
    anchors: {
      checkov: ["CKV_AZURE_3"],
      trivy: ["AVD-AZU-0008"],
      azurePolicy: ["Storage_AuditForHTTPSEnabled_Audit", "StorageAccountSecureTransfer_Modify"],
      pulumi: ["PBP:storage-account-https-only"],
    },
    url: `${learn}/storage-require-secure-transfer`,
  },
  check: (account, _args, report) => {
    if (account.enableHttpsTrafficOnly === false) {
      report("Storage account accepts HTTP: set enableHttpsTrafficOnly to true.");
    }
  },
  remediate: (account) => {
    if (account.enableHttpsTrafficOnly !== false) {
      return undefined;
    }
    account.enableHttpsTrafficOnly = true;
    return account;
  },
});

/** TLS 1.2+, set explicitly. */
export const storageAccountConfigureMinTls = resourceRule<AccountProps>({
  name: "storage-account-configure-min-tls",
  description:
    "Storage account minimumTlsVersion is TLS1_2 or TLS1_3; unset fails (older API defaults were TLS1_0).",
  enforcementLevel: "mandatory",
  resources: [storage.StorageAccount],
  meta: {
    checklist: ["tls"],
    severity: "high",
    remediationSteps: "Set minimumTlsVersion: 'TLS1_2'.",
    anchors: {
      checkov: ["CKV_AZURE_44"],
      trivy: ["AVD-AZU-0011"],
      azurePolicy: ["StorageAccountMinimumTLSVersion_Audit"],
    },
    url: `${learn}/transport-layer-security-configure-minimum-version`,
  },
  check: (account, _args, report) => {
    if (!tlsAtLeast(account.minimumTlsVersion, 1.2)) {
      report(`minimumTlsVersion is '${account.minimumTlsVersion ?? "(unset)"}': set it to 'TLS1_2'.`);
    }
  },
});

/** No anonymous blob access. */
export const storageAccountDisallowBlobPublicAccess = resourceRule<AccountProps>({
  name: "storage-account-disallow-blob-public-access",
  description: "Storage account allowBlobPublicAccess is false; unset fails.",
  enforcementLevel: "mandatory",
  resources: [storage.StorageAccount],
  meta: {
    checklist: ["network", "secrets"],
    severity: "high",
    remediationSteps: "Set allowBlobPublicAccess: false.",
    anchors: {
      checkov: ["CKV_AZURE_190", "CKV2_AZURE_47"],
      trivy: ["AVD-AZU-0007"],
      azurePolicy: ["ASC_Storage_DisallowPublicBlobAccess_Audit"],
      pulumi: ["PBP:storage-account-public-access"],
    },
  },
  check: (account, _args, report) => {
    if (account.allowBlobPublicAccess !== false) {
      report("Containers may allow anonymous reads: set allowBlobPublicAccess to false.");
    }
  },
});

/** Entra ID instead of shared keys (Elastic Premium content share is the recorded exception). */
export const storageAccountDisallowSharedKey = resourceRule<AccountProps>({
  name: "storage-account-disallow-shared-key",
  description:
    "Storage account allowSharedKeyAccess is false; unset means true. Elastic Premium host storage (Azure Files content share needs a key) is excepted through excludeFor.",
  enforcementLevel: "advisory",
  resources: [storage.StorageAccount],
  meta: {
    checklist: ["identity", "secrets"],
    severity: "medium",
    remediationSteps:
      "Set allowSharedKeyAccess: false and defaultToOAuthAuthentication: true; use identity-based AzureWebJobsStorage__accountName.",
    anchors: { checkov: ["CKV2_AZURE_40"], azurePolicy: ["StorageAccountAllowSharedKeyAccess_Audit"] },
    url: `${learn}/shared-key-authorization-prevent`,
  },
  check: (account, _args, report) => {
    if (account.allowSharedKeyAccess !== false) {
      report(
        "Shared keys can access the account: set allowSharedKeyAccess to false (identity-based connections).",
      );
    }
  },
});

/** Network default-deny. */
export const storageAccountConfigureNetworkDefaultDeny = resourceRule<AccountProps>({
  name: "storage-account-configure-network-default-deny",
  description:
    "Storage account networkRuleSet.defaultAction is 'Deny' or publicNetworkAccess 'Disabled'; unset means Allow.",
  enforcementLevel: "advisory",
  resources: [storage.StorageAccount],
  meta: {
    checklist: ["network"],
    severity: "medium",
    remediationSteps:
      "Set networkRuleSet {defaultAction:'Deny', bypass:'AzureServices'} with the app subnet, or private endpoints.",
    anchors: { checkov: ["CKV_AZURE_35"], trivy: ["AVD-AZU-0012"] },
  },
  check: (account, _args, report) => {
    if (account.publicNetworkAccess !== "Disabled" && account.networkRuleSet?.defaultAction !== "Deny") {
      report("Storage account accepts traffic from any network: set networkRuleSet.defaultAction to 'Deny'.");
    }
  },
});

/** No object replication into other tenants. */
export const storageAccountDisallowCrossTenantReplication = resourceRule<AccountProps>({
  name: "storage-account-disallow-cross-tenant-replication",
  description:
    "Storage account allowCrossTenantReplication is not true (unset means false in API 2024-01-01).",
  enforcementLevel: "mandatory",
  resources: [storage.StorageAccount],
  meta: {
    checklist: ["secrets"],
    severity: "medium",
    remediationSteps: "Set allowCrossTenantReplication: false.",
    anchors: { checkov: ["CKV_AZURE_244"], azurePolicy: ["StorageAccountAllowCrossTenantReplication_Audit"] },
  },
  check: (account, _args, report) => {
    if (account.allowCrossTenantReplication === true) {
      report("Blobs can be replicated to other tenants: set allowCrossTenantReplication to false.");
    }
  },
});

const redundantSkus = /_(ZRS|GRS|RAGRS|GZRS|RAGZRS)$/i;

/** Zone- or geo-redundant replication. */
export const storageAccountConfigureRedundantSku = resourceRule<AccountProps>({
  name: "storage-account-configure-redundant-sku",
  description:
    "Storage account sku.name is zone- or geo-redundant (*_ZRS, *_GRS, *_RAGRS, *_GZRS, *_RAGZRS).",
  enforcementLevel: "advisory",
  resources: [storage.StorageAccount],
  meta: {
    profile: "platform",
    checklist: ["resilience"],
    severity: "low",
    remediationSteps: "Use Standard_ZRS (or Standard_GZRS).",
    anchors: { checkov: ["CKV_AZURE_206"], azurePolicy: ["GeoRedundant_StorageAccounts_Audit"] },
  },
  check: (account, _args, report) => {
    const sku = stringOf(recordOf(account.sku)?.["name"]);
    if (sku === undefined || !redundantSkus.test(sku)) {
      report(`SKU '${sku ?? "(unset)"}' keeps one zone's copies: use Standard_ZRS or Standard_GZRS.`);
    }
  },
});

/** Deleted blobs and containers can be restored. */
export const storageBlobServiceEnableSoftDelete = resourceRule<BlobServiceProps>({
  name: "storage-blobservice-enable-soft-delete",
  description:
    "Blob service deleteRetentionPolicy.enabled and containerDeleteRetentionPolicy.enabled are true; unset fails.",
  enforcementLevel: "advisory",
  resources: [storage.BlobServiceProperties],
  meta: {
    checklist: ["backups"],
    severity: "low",
    remediationSteps:
      "Set deleteRetentionPolicy and containerDeleteRetentionPolicy {enabled: true, days: 7}.",
    anchors: { checkov: ["CKV2_AZURE_38"], trivy: ["AVD-AZU-0056"] },
  },
  check: (svc, _args, report) => {
    if (svc.deleteRetentionPolicy?.enabled !== true) {
      report("Deleted blobs are gone at once: set deleteRetentionPolicy.enabled to true.");
    }
    if (svc.containerDeleteRetentionPolicy?.enabled !== true) {
      report("Deleted containers are gone at once: set containerDeleteRetentionPolicy.enabled to true.");
    }
  },
});

/** Overwritten blobs can be restored. */
export const storageBlobServiceEnableVersioning = resourceRule<BlobServiceProps>({
  name: "storage-blobservice-enable-versioning",
  description: "Blob service isVersioningEnabled is true; unset fails.",
  enforcementLevel: "advisory",
  resources: [storage.BlobServiceProperties],
  meta: {
    checklist: ["backups"],
    severity: "low",
    remediationSteps: "Set isVersioningEnabled: true.",
    anchors: { pulumi: ["PCIS:storage-account-versioning-enabled"] },
  },
  check: (svc, _args, report) => {
    if (svc.isVersioningEnabled !== true) {
      report("Blob versions are not kept: set isVersioningEnabled to true.");
    }
  },
});
