import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import * as redis from "@pulumi/azure-native/redis";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as web from "@pulumi/azure-native/web";
import * as vercel from "@pulumiverse/vercel";
import { anyResourceRule, type PropsOf, resourceRule, stackRule } from "../lib/rule";
import { known, ofType, UNKNOWN } from "../lib/stack";
import { recordOf, stringOf } from "../lib/values";

type ClusterProps = PropsOf<typeof redisenterprise.RedisEnterprise>;
type DatabaseProps = PropsOf<typeof redisenterprise.Database>;

const learn = "https://learn.microsoft.com/azure/redis";
const retiredRedisType = /^azure-native:(redis|cache)(:v[0-9a-z]+)?:Redis$/;

/** Azure Cache for Redis (classic) is blocked for new creation; use Azure Managed Redis. */
export const redisCacheDisallowRetiredType = anyResourceRule({
  name: "redis-cache-disallow-retired-type",
  description:
    "No azure-native:redis:Redis (Azure Cache for Redis, any API version): new creation is blocked since 2026-04-01 and the service retires; Azure Managed Redis (redisenterprise) replaces it.",
  enforcementLevel: "mandatory",
  resources: [redis.Redis],
  meta: {
    checklist: ["redisCredentials", "governance"],
    severity: "high",
    remediationSteps:
      "Replace the cache with redisenterprise.RedisEnterprise (Balanced_B* / MemoryOptimized_M* SKU) plus a redisenterprise.Database named 'default'.",
    url: `${learn}/migrate/migrate-overview`,
  },
  check: (_props, args, report) => {
    if (!retiredRedisType.test(args.type)) {
      args.notApplicable("not an Azure Cache for Redis resource");
    }
    report(
      "Azure Cache for Redis is retired for new deployments: use redisenterprise.RedisEnterprise (Azure Managed Redis).",
    );
  },
});

/** Clients connect over TLS only (no plaintext protocol); the Azure default is Encrypted. */
export const redisDatabaseDisallowPlaintextProtocol = resourceRule<DatabaseProps>({
  name: "redis-database-disallow-plaintext-protocol",
  description:
    "Azure Managed Redis database clientProtocol is not 'Plaintext' (unset means 'Encrypted', TLS on port 10000). Remediation sets 'Encrypted'.",
  enforcementLevel: "remediate",
  resources: [redisenterprise.Database],
  meta: {
    checklist: ["redisCredentials", "tls"],
    severity: "high",
    remediationSteps:
      "Set clientProtocol to 'Encrypted' (or leave it unset) and connect with rediss:// on port 10000.",
    anchors: {
      checkov: ["CKV_AZURE_91"],
      azurePolicy: ["Cache/RedisCache_AuditSSLPort_Audit", "Cache/RedisCache_EnableNonSSLPort_Modify"],
    },
  },
  check: (db, _args, report) => {
    if (db.clientProtocol === "Plaintext") {
      report("Redis database accepts plaintext connections: set clientProtocol to 'Encrypted'.");
    }
  },
  remediate: (db) => {
    if (db.clientProtocol !== "Plaintext") {
      return undefined;
    }
    db.clientProtocol = "Encrypted";
    return db;
  },
});

/** Minimum TLS 1.2, set explicitly (unset fails, as CKV_AZURE_148 does). */
export const redisClusterConfigureMinTls = resourceRule<ClusterProps>({
  name: "redis-cluster-configure-min-tls",
  description:
    "Azure Managed Redis cluster minimumTlsVersion is '1.2' or newer; unset fails (missing counts as failure).",
  enforcementLevel: "mandatory",
  resources: [redisenterprise.RedisEnterprise],
  meta: {
    checklist: ["tls", "redisCredentials"],
    severity: "high",
    remediationSteps: "Set minimumTlsVersion: '1.2'.",
    anchors: { checkov: ["CKV_AZURE_148"] },
  },
  check: (cluster, _args, report) => {
    if (!(Number(cluster.minimumTlsVersion) >= 1.2)) {
      report(
        `minimumTlsVersion is '${cluster.minimumTlsVersion ?? "(unset)"}': set minimumTlsVersion to '1.2'.`,
      );
    }
  },
});

/** Production Redis has no public endpoint. */
export const redisClusterDisallowPublicNetworkAccess = resourceRule<ClusterProps>({
  name: "redis-cluster-disallow-public-network-access",
  description:
    "Azure Managed Redis cluster publicNetworkAccess is 'Disabled' (reach it through a private endpoint).",
  enforcementLevel: "mandatory",
  resources: [redisenterprise.RedisEnterprise],
  meta: {
    checklist: ["network", "redisCredentials"],
    severity: "high",
    remediationSteps:
      "Set publicNetworkAccess: 'Disabled' and add a network.PrivateEndpoint (groupId 'redisEnterprise', zone privatelink.redis.azure.net).",
    anchors: {
      checkov: ["CKV_AZURE_89"],
      azurePolicy: ["RedisCache_PublicNetworkAccess_AuditDeny", "RedisCache_PrivateEndpoint_AINE"],
    },
    url: `${learn}/private-link`,
  },
  check: (cluster, _args, report) => {
    if (cluster.publicNetworkAccess !== "Disabled") {
      report(
        `publicNetworkAccess is '${cluster.publicNetworkAccess}': set it to 'Disabled' and connect through a private endpoint.`,
      );
    }
  },
});

/** Entra ID instead of shared access keys (the 2025-07-01 default is Disabled). */
export const redisDatabaseDisableAccessKeys = resourceRule<DatabaseProps>({
  name: "redis-database-disable-access-keys",
  description:
    "Azure Managed Redis database accessKeysAuthentication is not 'Enabled' (unset means 'Disabled' in API 2025-07-01: clients use Entra ID access-policy assignments).",
  enforcementLevel: "advisory",
  resources: [redisenterprise.Database],
  meta: {
    checklist: ["redisCredentials", "identity"],
    severity: "medium",
    remediationSteps:
      "Set accessKeysAuthentication: 'Disabled', add a redisenterprise.AccessPolicyAssignment ('default') for the app's managed identity and connect with Entra tokens.",
    anchors: { azurePolicy: ["RedisCache_DisableAccessKeysAuth_Audit"] },
  },
  check: (db, _args, report) => {
    if (db.accessKeysAuthentication === "Enabled") {
      report(
        "Redis access keys are enabled: set accessKeysAuthentication to 'Disabled' and use Entra ID access-policy assignments.",
      );
    }
  },
});

/** High availability stays on (the default); Disabled is dev/test only. */
export const redisClusterEnableHighAvailability = resourceRule<ClusterProps>({
  name: "redis-cluster-enable-high-availability",
  description: "Azure Managed Redis cluster highAvailability is not 'Disabled' (unset means 'Enabled').",
  enforcementLevel: "mandatory",
  resources: [redisenterprise.RedisEnterprise],
  meta: {
    profile: "platform",
    checklist: ["resilience"],
    severity: "medium",
    remediationSteps: "Set highAvailability: 'Enabled' (changing it replaces the cluster).",
    anchors: { checkov: ["CKV_AZURE_230"], azurePolicy: ["Resilience/Cache_Redis_ZoneRedundant_Audit"] },
  },
  check: (cluster, _args, report) => {
    if (cluster.highAvailability === "Disabled") {
      report(
        "Redis high availability is disabled (non-replicated, dev/test only): set highAvailability to 'Enabled'.",
      );
    }
  },
});

/** Enterprise and Enterprise Flash SKUs can no longer be created. */
export const redisClusterDisallowLegacySku = resourceRule<ClusterProps>({
  name: "redis-cluster-disallow-legacy-sku",
  description:
    "Azure Managed Redis cluster sku.name is not a legacy Enterprise_* or EnterpriseFlash_* SKU (creation blocked since 2026-04-01).",
  enforcementLevel: "mandatory",
  resources: [redisenterprise.RedisEnterprise],
  meta: {
    checklist: ["governance"],
    severity: "high",
    remediationSteps: "Use a Balanced_B*, MemoryOptimized_M* or ComputeOptimized_X* SKU.",
    url: `${learn}/overview`,
  },
  check: (cluster, _args, report) => {
    const sku = stringOf(recordOf(cluster.sku)?.["name"]);
    if (sku === undefined) {
      report("SKU is unset or not a string: set sku.name to a Balanced_B* or MemoryOptimized_M* SKU.");
    } else if (/^Enterprise(Flash)?_/.test(sku)) {
      report(`SKU '${sku}' can no longer be created: choose a Balanced_B* or MemoryOptimized_M* SKU.`);
    }
  },
});

/** `zones` is rejected for every Managed Redis SKU (zone redundancy is automatic). */
export const redisClusterDisallowZones = resourceRule<ClusterProps>({
  name: "redis-cluster-disallow-zones",
  description:
    "Azure Managed Redis cluster has no zones list: the API rejects it for every SKU ('zone redundancy is enabled by default'), so the deployment would fail.",
  enforcementLevel: "mandatory",
  resources: [redisenterprise.RedisEnterprise],
  meta: {
    profile: "platform",
    checklist: ["resilience"],
    severity: "medium",
    remediationSteps: "Remove zones; keep highAvailability 'Enabled' for zone redundancy.",
  },
  check: (cluster, _args, report) => {
    if ((cluster.zones ?? []).length > 0) {
      report(
        "zones is set, which Azure Managed Redis rejects: remove it (zone redundancy comes with highAvailability).",
      );
    }
  },
});

/** Data survives a restart: AOF or RDB persistence. */
export const redisDatabaseEnablePersistence = resourceRule<DatabaseProps>({
  name: "redis-database-enable-persistence",
  description:
    "Azure Managed Redis database has persistence.aofEnabled or persistence.rdbEnabled true; unset means no persistence.",
  enforcementLevel: "advisory",
  resources: [redisenterprise.Database],
  meta: {
    profile: "platform",
    checklist: ["backups", "resilience"],
    severity: "low",
    remediationSteps:
      "Set persistence {aofEnabled: true, aofFrequency: '1s'} or {rdbEnabled: true, rdbFrequency: '1h'} (not both).",
    url: `${learn}/how-to-persistence`,
  },
  check: (db, _args, report) => {
    if (db.persistence?.aofEnabled !== true && db.persistence?.rdbEnabled !== true) {
      report(
        "Redis data is not persisted: enable AOF (aofEnabled, '1s') or RDB (rdbEnabled, '1h') persistence.",
      );
    }
  },
});

/** A database without access keys needs an Entra access-policy assignment, or nothing can connect. */
export const redisDatabaseMissingAccessPolicyAssignment = stackRule({
  name: "redis-database-missing-access-policy-assignment",
  description:
    "Each Azure Managed Redis database without access keys has a redisenterprise AccessPolicyAssignment whose databaseName derives from it (propertyDependencies).",
  enforcementLevel: "mandatory",
  resources: [redisenterprise.Database, redisenterprise.AccessPolicyAssignment],
  meta: {
    profile: "platform",
    checklist: ["redisCredentials", "identity"],
    severity: "medium",
    remediationSteps:
      "Add redisenterprise.AccessPolicyAssignment {accessPolicyName:'default', databaseName: db.name, user:{objectId: <app identity principalId>}}.",
  },
  check: (args, report) => {
    const assignments = ofType(args.resources, redisenterprise.AccessPolicyAssignment);
    for (const db of ofType(args.resources, redisenterprise.Database)) {
      const keys = known(() => db.props["accessKeysAuthentication"] as unknown);
      if (keys === UNKNOWN || keys === "Enabled") {
        continue;
      }
      const assigned = assignments.some((a) =>
        (a.propertyDependencies["databaseName"] ?? []).some((d) => d.urn === db.urn),
      );
      if (!assigned) {
        report(
          db,
          `Redis database '${db.name}' has access keys off and no AccessPolicyAssignment: assign the app identity to it.`,
        );
      }
    }
  },
});

const keyConsumers = [
  web.WebApp,
  web.WebAppSlot,
  web.WebAppApplicationSettings,
  appconfiguration.KeyValue,
  vercel.ProjectEnvironmentVariable,
  vercel.ProjectEnvironmentVariables,
];

/** Redis access keys reach apps only through Key Vault. */
export const redisDatabaseEnforceKeysViaKeyVault = stackRule({
  name: "redis-database-enforce-keys-via-keyvault",
  description:
    "When a Redis database has access keys enabled, no app setting, App Configuration key-value or Vercel variable derives from it (its keys come from listDatabaseKeys on it); only keyvault:Secret may. The host name comes from the cluster, so it is unaffected; databases with keys disabled have nothing to leak.",
  enforcementLevel: "mandatory",
  resources: [redisenterprise.Database, ...keyConsumers],
  meta: {
    profile: "platform",
    checklist: ["secrets", "redisCredentials"],
    severity: "high",
    remediationSteps:
      "Store the key in a keyvault.Secret and reference it (@Microsoft.KeyVault(SecretUri=...)), or switch the database to Entra ID and drop keys.",
  },
  check: (args, report) => {
    const withKeys = ofType(args.resources, redisenterprise.Database).filter(
      (d) => known(() => d.props["accessKeysAuthentication"]) === "Enabled",
    );
    const databases = new Set(withKeys.map((d) => d.urn));
    for (const consumer of ofType(args.resources, ...keyConsumers)) {
      const leaks = Object.entries(consumer.propertyDependencies).filter(([, ds]) =>
        ds.some((d) => databases.has(d.urn)),
      );
      if (leaks.length > 0) {
        report(
          consumer,
          `'${consumer.name}' takes ${leaks.map(([p]) => p).join(", ")} from a Redis database (its access keys): put the key in Key Vault and reference the secret instead.`,
        );
      }
    }
  },
});
