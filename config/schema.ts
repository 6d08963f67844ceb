import { z } from "zod";
import {
  AZURE_REGIONS,
  MANAGED_REDIS_SKUS,
  POSTGRES_ALLOWED_EXTENSIONS,
  POSTGRES_SKUS,
  POSTGRES_STORAGE_GB,
  REDIS_EVICTION_POLICIES,
  STATIC_WEB_APP_REGIONS,
} from "./azure";
import { dataServiceRules, documentDbSchema, realtimeSchema } from "./data-services";
import { releaseSchema } from "./release";
import {
  PROGRAM_APP_SETTINGS,
  PROGRAM_VAULT_SECRETS,
  PROGRAM_VERCEL_VARIABLES,
  reservedAppSetting,
} from "./reserved";
import { rolloutSchema } from "./rollout";
import {
  credentialFree,
  HIDE_VALUE,
  int,
  oneOf,
  secretLikeSettingName,
  settingCredential,
  uniqueItems,
  urlCredential,
} from "./rules";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv4 = z.string().regex(IPV4, "must be an IPv4 address like 203.0.113.10");
const CIDR = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(1[6-9]|2[0-2])$/;

/** Converts an IPv4 address to a number for range checks. */
export function ipToNumber(ip: string): number {
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** An IPv4 range a firewall admits. */
const ipRangeSchema = z.strictObject({
  /** Rule name: letters, digits, '-' and '_' (Azure firewall rule names). */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, "must be 1-80 letters, digits, '-' or '_'"),
  /** First address of the range. */
  startIp: ipv4,
  /** Last address of the range. */
  endIp: ipv4,
});

/** Stack-wide identity: environment, region, ownership (tags) and naming. */
const environmentSchema = z.strictObject({
  /** Environment name; lands in tags and resource names. */
  name: oneOf(["development", "staging", "production"]),
  /** Azure region for every regional resource. */
  location: oneOf(AZURE_REGIONS),
  /** Owning team or e-mail; the `owner` tag. */
  owner: z
    .string()
    .regex(/^[A-Za-z0-9._@+-]{2,64}$/, "must be 2-64 characters of letters, digits, '.', '_', '@', '+', '-'"),
  /** Cost center; the `cost-center` tag. */
  costCenter: z.string().regex(/^[A-Za-z0-9-]{2,32}$/, "must be 2-32 letters, digits or '-'"),
  /** Workload short name used in every resource name (2-8 lowercase letters/digits, starting with a letter). */
  workload: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,7}$/, "must be 2-8 lowercase letters or digits, starting with a letter"),
});

/** How the stack's services are reached. */
const networkSchema = z.strictObject({
  /** `public`: public endpoints behind firewalls; `private`: VNet, private endpoints, private DNS zones. */
  mode: oneOf(["public", "private"]),
  /** VNet address space (private mode): a /16 to /22 network address (the subnet layout needs a /22). Default 10.40.0.0/16. */
  addressSpace: z
    .string()
    .regex(CIDR, "must be an IPv4 network from /16 to /22, e.g. 10.40.0.0/16")
    .refine((cidr) => {
      const [ip, bits] = cidr.split("/");
      return ipToNumber(ip) % 2 ** (32 - Number(bits)) === 0;
    }, "must be a network address (host bits zero), e.g. 10.40.0.0/16")
    .default("10.40.0.0/16"),
  /** Client ranges admitted by the public endpoints' firewalls (public mode). Default none. */
  allowedIpRanges: z.array(ipRangeSchema).max(64, "must list at most 64 ranges").default([]),
  /**
   * Ranges of the machines that run `pulumi up` (CI runners): admitted to the database and Key Vault firewalls so
   * in-database objects and secrets can be written. In private mode the deployer runs inside the VNet instead (see
   * README, "Reaching a private database"), and this must be empty.
   */
  deployerIpRanges: z.array(ipRangeSchema).max(16, "must list at most 16 ranges").default([]),
  /** Admit Azure services (the 0.0.0.0 rule) to the database firewall; never in production. Default false. */
  allowAzureServices: z.boolean().default(false),
});

/** Key Vault and the secrets the app needs. */
const secretsSchema = z.strictObject({
  /** Soft-delete retention in days (7-90); fixed once the vault exists. Default 90. */
  softDeleteRetentionDays: int(7, 90).default(90),
  /** Purge protection; irreversible once on. Default true. */
  purgeProtection: z.boolean().default(true),
  /** Network ACL default action; `Deny` admits only private endpoints, trusted services and listed ranges. */
  networkDefaultAction: oneOf(["Allow", "Deny"]).default("Deny"),
  /**
   * Date (YYYY-MM-DD) the generated secrets were last rotated. Changing it regenerates JWT_SECRET, SECRET_KEY and
   * the database role passwords; secret expiry is counted from it, so plans stay repeatable.
   */
  rotatedOn: z.iso.date({ error: "must be a date like 2026-11-01" }).default("2026-11-01"),
  /** Days after `rotatedOn` that secrets expire (rotation deadline). Default 365. */
  expiryDays: int(30, 730).default(365),
  /** Names of externally issued secrets, each set with `pulumi config set --secret --path 'externalSecrets.<NAME>'`. */
  external: uniqueItems(
    z
      .array(
        z.string().regex(/^[A-Z][A-Z0-9_]{1,62}$/, "must be an UPPER_SNAKE_CASE name like OPENAI_API_KEY"),
      )
      .max(40, "must list at most 40 names"),
    "name",
  ).default([]),
});

/** PostgreSQL Flexible Server and the application database. */
const databaseSchema = z.strictObject({
  /** Major version; 16 unless the plan says 15 (11-14 are out of standard support by late 2026). */
  version: oneOf(["15", "16", "17"]).default("16"),
  /** Pricing tier. */
  tier: oneOf(["Burstable", "GeneralPurpose", "MemoryOptimized"]),
  /** Compute size within the tier, without the `Standard_` prefix, e.g. B1ms or D2ds_v5. */
  skuName: z.string().min(1, "must name a compute size such as B1ms or D2ds_v5"),
  /** Premium SSD size in GiB (32, 64, 128, ... 32767); can only grow. */
  storageGb: z.union(POSTGRES_STORAGE_GB.map((n) => z.literal(n)) as unknown as [z.ZodLiteral<32>], {
    error: `must be one of: ${POSTGRES_STORAGE_GB.join(", ")}`,
  }),
  /** Backup retention in days, 7-35. */
  backupRetentionDays: int(7, 35),
  /** Geo-redundant backups; can only be chosen at server creation. */
  geoRedundantBackup: z.boolean(),
  /** High availability mode; not available on Burstable. */
  highAvailability: oneOf(["Disabled", "ZoneRedundant", "SameZone"]),
  /** Extensions to allow-list (`azure.extensions`) and create. Default uuid-ossp, pg_trgm, btree_gin. */
  extensions: uniqueItems(z.array(oneOf(POSTGRES_ALLOWED_EXTENSIONS)), "extension").default([
    "uuid-ossp",
    "pg_trgm",
    "btree_gin",
  ]),
  /** Built-in PgBouncer (port 6432); General Purpose or Memory Optimized only. */
  pgbouncer: z
    .strictObject({
      /** Turn PgBouncer on. */
      enabled: z.boolean(),
      /** Server connections per user/database pair (the plan's pool ceiling). Default 20. */
      defaultPoolSize: int(1, 5000).default(20),
      /** Connections kept open (the plan's pool floor). Default 5. */
      minPoolSize: int(0, 5000).default(5),
      /** Client connections PgBouncer accepts. Default 500. */
      maxClientConnections: int(1, 50000).default(500),
    })
    .default({ enabled: false, defaultPoolSize: 20, minPoolSize: 5, maxClientConnections: 500 }),
  /** Weekly maintenance window (UTC): Sunday 02:00 by default. */
  maintenanceWindow: z
    .strictObject({
      /** Day of week, 0 = Sunday. */
      dayOfWeek: int(0, 6),
      /** Start hour, 0-23 UTC. */
      startHour: int(0, 23),
      /** Start minute, 0-59. */
      startMinute: int(0, 59),
    })
    .default({ dayOfWeek: 0, startHour: 2, startMinute: 0 }),
  /** Name of the application database. Default "app". */
  databaseName: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
      "must start with a letter or '_' and use letters, digits, '_' (max 63)",
    )
    .default("app"),
  /** Maximum connections for the `app` role. Default 40. */
  appConnectionLimit: int(1, 5000).default(40),
  /** Maximum connections for the `readonly` role. Default 10. */
  readonlyConnectionLimit: int(1, 5000).default(10),
  /** Create roles, grants and extensions inside the database (needs network reach from the deployer). Default true. */
  manageObjects: z.boolean().default(true),
  /** Microsoft Entra administrator (e.g. the DBA group); turns on Entra ID authentication beside passwords. */
  entraAdministrator: z
    .strictObject({
      /** Object id of the user, group or service principal. */
      objectId: z.uuid({ error: "must be an object id (GUID)" }),
      /** Display name of the principal (the PostgreSQL role name it logs in as). */
      principalName: z.string().min(1).max(128, "must be at most 128 characters"),
      /** Kind of principal. */
      principalType: oneOf(["user", "group", "servicePrincipal"]),
    })
    .optional(),
});

/** Azure Managed Redis. */
const cacheSchema = z.strictObject({
  /** SKU, e.g. Balanced_B0 (staging) or Balanced_B1. Enterprise tiers can no longer be created. */
  sku: oneOf(MANAGED_REDIS_SKUS as unknown as readonly [string, ...string[]]),
  /** Replicated, zone-redundant cluster; changing it later replaces the cluster. */
  highAvailability: z.boolean(),
  /** Persistence: none, AOF (every second) or RDB snapshots. */
  persistence: oneOf(["none", "aof", "rdb"]).default("none"),
  /** RDB snapshot frequency when persistence is rdb. Default 6h. */
  rdbFrequency: oneOf(["1h", "6h", "12h"]).default("6h"),
  /** Eviction policy. Default VolatileLRU. */
  evictionPolicy: oneOf(REDIS_EVICTION_POLICIES).default("VolatileLRU"),
  /** Access keys; off means Entra ID only. When on, keys only ever reach the app through Key Vault. Default false. */
  accessKeys: z.boolean().default(false),
});

const httpsOrigin = z
  .string()
  .regex(
    /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/,
    "must be an origin like https://app.example.com (no path, no wildcard)",
  );

/**
 * What the health response body must contain when `api.healthCheckBody` is not set: the availability test's content
 * match and the promotion's probes (which also read it from older stacks' outputs that lack the key).
 */
export const DEFAULT_HEALTH_CHECK_BODY = '"status":"ok"';
/** Longest `api.healthCheckBody`: a marker, not a whole document (the web test API documents no limit). */
const HEALTH_CHECK_BODY_MAX = 256;
/** An app setting name in `api.appSettings`: UPPER_SNAKE_CASE, as environment variables are read. */
const APP_SETTING_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;
/**
 * Prefixes of app setting names the platform owns (Functions host storage, Application Insights, the Functions
 * runtime, App Service and its SCM site): `api.appSettings` may not set them, compared case-insensitively.
 */
export const RESERVED_APP_SETTING_PREFIXES = [
  "AZUREWEBJOBS",
  "APPLICATIONINSIGHTS_",
  "FUNCTIONS_",
  "WEBSITE_",
  "SCM_",
  "APPSETTING_",
] as const;

/** The API: an Azure Function App. */
const apiSchema = z.strictObject({
  /** Hosting plan: Flex Consumption (no slots) or Elastic Premium (slots, used for the canary). */
  plan: oneOf(["FlexConsumption", "ElasticPremium"]),
  /** Elastic Premium size; ignored on Flex Consumption. Default EP1. */
  premiumSku: oneOf(["EP1", "EP2", "EP3"]).default("EP1"),
  /** Always-on instances on Elastic Premium. Default 1. */
  minimumInstances: int(1, 20).default(1),
  /** Scale-out ceiling (Flex: 40-1000; Elastic Premium: 1-100). Default 100. */
  maximumInstances: int(1, 1000).default(100),
  /** Flex Consumption instance memory in MB. Default 2048. */
  instanceMemoryMb: z
    .union([z.literal(512), z.literal(2048), z.literal(4096)], { error: "must be 512, 2048 or 4096" })
    .default(2048),
  /** Language runtime. Default node 22 (Node 20 reached end of life 2026-04-30). */
  runtime: z
    .strictObject({
      /** Runtime name. */
      name: oneOf(["node", "python"]),
      /** Runtime version: node 22, python 3.11-3.12. */
      version: oneOf(["22", "3.11", "3.12"]),
    })
    .default({ name: "node", version: "22" }),
  /** Browser origins allowed by CORS; https only in production, never a wildcard. */
  corsOrigins: uniqueItems(z.array(httpsOrigin).max(20, "must list at most 20 origins"), "origin").default(
    [],
  ),
  /** Allow credentials (cookies) on CORS requests. Default false. */
  corsSupportCredentials: z.boolean().default(false),
  /** Health check path probed by the platform, the availability test and the promotion gates. Default /health. */
  healthCheckPath: z
    .string()
    .regex(/^\/[A-Za-z0-9/_-]*$/, "must be a path like /health")
    .default("/health"),
  /**
   * Text the health response body must contain (case-sensitive): the availability test's content match and the
   * promotion's health probes. Default `"status":"ok"`.
   */
  healthCheckBody: z
    .string()
    .min(1, "must not be empty")
    .max(HEALTH_CHECK_BODY_MAX, `must be at most ${HEALTH_CHECK_BODY_MAX} characters`)
    .default(DEFAULT_HEALTH_CHECK_BODY),
  /**
   * Non-secret app settings on the site and the canary slot, e.g. SHOPIFY_APP_URL, SCOPES, NODE_ENV. Names the
   * platform sets and credential-looking names or values are refused (secrets belong in `secrets.external`).
   */
  appSettings: z
    .record(
      z.string().regex(APP_SETTING_NAME, "must be an UPPER_SNAKE_CASE name like SHOPIFY_APP_URL"),
      z.string().max(4096, "must be at most 4096 characters"),
    )
    .default({}),
});

/** A private blob container for user uploads, in its own storage account (README, "Uploads"). */
const uploadsSchema = z.strictObject({
  /** Container name: 3-63 lowercase letters, digits and single '-', starting with a letter or digit. Default uploads. */
  containerName: z
    .string()
    .regex(
      /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
      "must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, no '--'",
    )
    .default("uploads"),
  /** Replication of the uploads account. Default Standard_ZRS (zone-redundant). */
  sku: oneOf(["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS"]).default("Standard_ZRS"),
  /** Days deleted blobs and containers are kept (soft delete), 1-365. Default 14. */
  softDeleteRetentionDays: int(1, 365).default(14),
  /** Keep previous versions of overwritten blobs. Default true. */
  versioning: z.boolean().default(true),
  /**
   * Let browsers upload straight to the container (with a user delegation SAS the API issues): blob CORS admits the
   * stack's own origins (`api.corsOrigins` and the Static Web App) for PUT. Public network mode only. Default false.
   */
  browserUpload: z.boolean().default(false),
});

/** Azure Static Web Apps frontend. */
const staticSiteSchema = z.strictObject({
  /** Create the Static Web App. */
  enabled: z.boolean(),
  /** Free or Standard (Standard: SLA, private endpoint). */
  sku: oneOf(["Free", "Standard"]),
  /** Region (Static Web Apps exist only in a few). Default westeurope. */
  location: oneOf(STATIC_WEB_APP_REGIONS).default("westeurope"),
  // --- issue 9 point 2 (linked backend) ---
  /**
   * Must stay false: linking the API as the `/api` backend gives the Static Web App exclusive access to the Function
   * App, which then refuses the Vercel frontend, the availability test, the promotion's probes and the canary slot.
   */
  linkBackend: z
    .literal(false, {
      error:
        "must be false: a linked backend gives the Static Web App exclusive access to the Function App, so Vercel, the availability test, the promotion's health probes and the canary slot would be refused (README, 'Why the API is not linked to the Static Web App'); remove the key",
    })
    .default(false),
  // --- end issue 9 point 2 ---
  /** Pull-request preview environments (public URLs). Default false. */
  previewEnvironments: z.boolean().default(false),
  /** Custom domain, e.g. app.example.com. */
  customDomain: z
    .string()
    .regex(
      /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      "must be a lowercase host name like app.example.com",
    )
    .optional(),
});

/** An absolute URL with the given scheme and a host. */
function publicUrl(scheme: "https" | "wss") {
  return z
    .url({ protocol: new RegExp(`^${scheme}$`), error: `must be a ${scheme}:// URL` })
    .max(2048, "must be at most 2048 characters");
}

/** Vercel project (Next.js). */
const vercelSchema = z.strictObject({
  /** Create the Vercel project. */
  enabled: z.boolean(),
  /** Project name (lowercase, digits, '-', max 100). */
  projectName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "must be lowercase letters, digits or '-' (max 100)"),
  /** Git repository (owner/name) connected to the project; its production branch. */
  gitRepository: z
    .strictObject({
      /** Provider. */
      type: oneOf(["github", "gitlab", "bitbucket"]),
      /** owner/name. */
      repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/name"),
      /** Production branch. Default main. */
      productionBranch: z.string().min(1).default("main"),
    })
    .optional(),
  /** Who may view deployments without logging in to Vercel: snake_case provider values. */
  deploymentProtection: oneOf([
    "standard_protection_new",
    "all_deployments",
    "only_preview_deployments",
  ]).default("standard_protection_new"),
  /** Domains assigned to production. */
  domains: uniqueItems(
    z.array(z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,63}$/, "must be a host name")),
    "domain",
  ).default([]),
  /** Public per-environment values (NEXT_PUBLIC_*), e.g. NEXT_PUBLIC_SENTRY_DSN. */
  publicEnv: z
    .record(
      z.string().regex(/^NEXT_PUBLIC_[A-Z0-9_]+$/, "must be a NEXT_PUBLIC_* name"),
      z.string().max(2048),
    )
    .default({}),
  /** Drive production releases through a Vercel rolling release following `rollout.stages` (Pro/Enterprise). */
  rollingRelease: z.boolean().default(false),
  /** Per-IP rate limit in the Vercel firewall; absent means none. */
  rateLimit: z
    .strictObject({
      /** Requests allowed per window per client IP. */
      requests: int(1, 100000),
      /** Window in seconds. */
      windowSeconds: int(10, 3600),
    })
    .optional(),

  // What each Vercel environment gets (framework, WebSocket URL, sensitive variables, preview values).
  /** Vercel framework preset slug (Vercel checks it against its list at preview). Default nextjs. */
  framework: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a Vercel framework slug like nextjs, remix or vite")
    .max(64, "must be at most 64 characters")
    .default("nextjs"),
  /** Public WebSocket URL (wss://): NEXT_PUBLIC_WS_URL for production (and preview unless `preview` is set). */
  wsUrl: credentialFree(publicUrl("wss")).optional(),
  /**
   * Names of external secrets (`externalSecrets.<NAME>`) given to the project as sensitive server-only variables,
   * e.g. SENTRY_AUTH_TOKEN. They target production, and preview too unless `preview` is set. Default none.
   */
  sensitiveEnv: uniqueItems(
    z
      .array(
        z
          .string()
          .regex(
            /^(?!NEXT_PUBLIC_)[A-Z][A-Z0-9_]{1,62}$/,
            "must be an UPPER_SNAKE_CASE name without the NEXT_PUBLIC_ prefix (those reach the browser)",
          ),
      )
      .max(20, "must list at most 20 names"),
    "name",
  ).default([]),
  /**
   * Values for pull-request preview deployments when they must not be this stack's (production: previews get
   * staging's values, so they never call the production API). Absent: previews get this stack's values.
   */
  preview: z
    .strictObject({
      /** NEXT_PUBLIC_API_URL for previews: staging's API URL (`pulumi stack output api.url --stack staging`). */
      apiUrl: credentialFree(publicUrl("https")),
      /** NEXT_PUBLIC_WS_URL for previews; required when `vercel.wsUrl` is set. */
      wsUrl: credentialFree(publicUrl("wss")).optional(),
      /** Public values for previews replacing this stack's `publicEnv` entries of the same name. Default none. */
      publicEnv: z
        .record(
          z.string().regex(/^NEXT_PUBLIC_[A-Z0-9_]+$/, "must be a NEXT_PUBLIC_* name"),
          z.string().max(2048, "must be at most 2048 characters"),
        )
        .default({}),
    })
    .optional(),
});

/** Observability: workspace, Application Insights, alerts, availability test. */
const monitoringSchema = z.strictObject({
  /** Log Analytics interactive retention in days (30-730). */
  logRetentionDays: int(30, 730),
  /** Keep Application Insights instrumentation-key ingestion; off means Entra ID only. Default true. */
  appInsightsLocalAuth: z.boolean().default(true),
  /** E-mail addresses notified by alerts. */
  alertEmails: uniqueItems(
    z.array(z.email({ error: "must be an e-mail address" })).min(1, "must list at least one address"),
    "address",
  ),
  /** Alert thresholds. */
  thresholds: z.strictObject({
    /** Alert when the API's failed-request rate exceeds this percentage. */
    errorRatePercent: z.number().gt(0, "must be above 0").max(100, "must be at most 100"),
    /** Alert when p95 server response time exceeds this many ms. */
    p95LatencyMs: int(50, 60000),
    /** Alert when the average response time exceeds this many ms. */
    responseTimeMs: int(50, 60000),
    // --- issue 9 point 7 (alerts Flex can fire, users' signals) ---
    /** App Service plan CPU percentage; Elastic Premium only (Flex Consumption exposes no plan CPU metric). */
    cpuPercent: int(1, 100).optional(),
    /** App Service plan memory percentage; Elastic Premium only (Flex Consumption exposes no plan memory metric). */
    memoryPercent: int(1, 100).optional(),
    /** Alert when p99 server response time exceeds this many ms (at least p95LatencyMs). */
    p99LatencyMs: int(50, 60000),
    /** Alert when active database connections exceed this share of the size's max_connections. */
    databaseConnectionsPercent: int(1, 100),
    /** Alert when the Redis cache hit ratio falls below this percentage (ERP plan: above 80 %). */
    redisCacheHitRatioPercent: int(1, 100),
    // --- end issue 9 point 7 ---
    /** Database CPU percentage. */
    databaseCpuPercent: int(1, 100),
    /** Failed database connections per 5 minutes. */
    databaseConnectionFailures: int(1, 10000),
    /** Redis server load percentage. */
    redisServerLoadPercent: int(1, 100),
  }),
  /** Standard availability test of the API health endpoint. */
  availabilityTest: z
    .strictObject({
      /** Create the test. */
      enabled: z.boolean(),
      /** Probe interval in seconds: 300, 600 or 900. */
      frequencySeconds: z.union([z.literal(300), z.literal(600), z.literal(900)], {
        error: "must be 300, 600 or 900",
      }),
      /** A test run (one probe per location) fails when at least this many of its 5 locations fail. */
      failedLocations: int(1, 5),
      // --- issue 9 point 7 ---
      /** Alert when this many consecutive test runs failed (the plans' "3 consecutive health failures"). Default 3. */
      consecutiveFailedRuns: int(1, 6).default(3),
      // --- end issue 9 point 7 ---
    })
    .default({ enabled: true, frequencySeconds: 300, failedLocations: 3, consecutiveFailedRuns: 3 }),
});

const FLAG_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;

/** Azure App Configuration and the feature flags it holds. */
const featureFlagsSchema = z.strictObject({
  /** Store SKU: free or standard (private link, soft delete and purge protection need standard). */
  sku: oneOf(["free", "standard"]),
  /** Purge protection (standard only); irreversible. */
  purgeProtection: z.boolean(),
  /** Soft-delete retention in days, 1-7 (standard only). Default 7. */
  softDeleteRetentionDays: int(1, 7).default(7),
  // --- issue 9 point 8 (App Configuration without public access) ---
  /**
   * Turn the store's public network access off and let ARM write key-values through Azure Resource Manager Private
   * Link (`dataPlaneProxy.privateLinkDelegation`). Private mode only; needs the tenant's Resource Management Private
   * Link and the deployer reaching ARM through it (README, "App Configuration and public access"). Default false.
   */
  armPrivateLink: z.boolean().default(false),
  // --- end issue 9 point 8 ---
  /** Flags: name to rollout percentage 0-100 (0 and 100 are still switchable flags). */
  flags: z
    .record(z.string().regex(FLAG_NAME, "must be an identifier like ENABLE_DARK_MODE"), int(0, 100))
    .default({}),
});

/** The identity that runs `pulumi up` and receives data-plane grants (App Configuration Data Owner). */
const deployerSchema = z.strictObject({
  /**
   * Its Entra principal type, sent with every role assignment to it (azure-native sends "User" when unset, and Azure
   * refuses a mismatch with UnmatchedPrincipalType): ServicePrincipal for CI (an app registration signed in with OIDC,
   * or a managed identity), User for a person running `pulumi up` from a workstation. Default ServicePrincipal.
   */
  principalType: oneOf(["ServicePrincipal", "User"]).default("ServicePrincipal"),
});

const stackConfigObject = z.strictObject({
  /** Environment, region, ownership and naming. */
  environment: environmentSchema,
  /** Network mode and firewall ranges. */
  network: networkSchema,
  /** Key Vault settings and external secret names. */
  secrets: secretsSchema.default(secretsSchema.parse({})),
  /** PostgreSQL Flexible Server. */
  database: databaseSchema,
  /** Azure Managed Redis. */
  cache: cacheSchema,
  /** Protect stateful resources (database server, Redis, Key Vault, App Configuration) from deletion. */
  protectStateful: z.boolean(),
  /** The Function App API. */
  api: apiSchema,
  /** Private blob container for user uploads; absent means none. */
  uploads: uploadsSchema.optional(),
  /** Azure Static Web App. */
  staticSite: staticSiteSchema,
  /** Vercel project. */
  vercel: vercelSchema,
  /** Monitoring and alerts. */
  monitoring: monitoringSchema,
  /** App Configuration feature flags. */
  featureFlags: featureFlagsSchema,
  /** Releases the stack runs. */
  release: releaseSchema,
  /** Canary rollout plan. */
  rollout: rolloutSchema,
  /** The identity running `pulumi up`. */
  deployer: deployerSchema.default({ principalType: "ServicePrincipal" }),
  /** Azure Cosmos DB for MongoDB vCore, the document database; absent means none. */
  documentDb: documentDbSchema.optional(),
  /** Azure Web PubSub, the WebSocket endpoint behind NEXT_PUBLIC_WS_URL; absent means none. */
  realtime: realtimeSchema.optional(),
});

/** The whole stack config (the `webapp-platform:*` keys), with cross-field rules. */
export const stackConfigSchema = stackConfigObject.superRefine((c, ctx) => {
  crossFieldRules(c, ctx);
  nameRules(c, ctx);
  dataServiceRules(c, (path, message) => issue(ctx, path, message));
});

type Ctx = z.RefinementCtx;
const issue = (ctx: Ctx, path: (string | number)[], message: string, params?: typeof HIDE_VALUE) =>
  ctx.addIssue({ code: "custom", path, message, ...(params === undefined ? {} : { params }) });

function crossFieldRules(c: z.output<typeof stackConfigObject>, ctx: Ctx): void {
  const production = c.environment.name === "production";
  const sizes: readonly string[] = POSTGRES_SKUS[c.database.tier];
  if (!sizes.includes(c.database.skuName)) {
    issue(
      ctx,
      ["database", "skuName"],
      `'${c.database.skuName}' is not a ${c.database.tier} size; allowed: ${sizes.join(", ")}`,
    );
  }
  if (c.database.tier === "Burstable" && c.database.highAvailability !== "Disabled") {
    issue(
      ctx,
      ["database", "highAvailability"],
      "is not available on Burstable; use GeneralPurpose or MemoryOptimized, or Disabled",
    );
  }
  if (c.database.tier === "Burstable" && c.database.pgbouncer.enabled) {
    issue(
      ctx,
      ["database", "pgbouncer", "enabled"],
      "PgBouncer needs GeneralPurpose or MemoryOptimized; Burstable has none",
    );
  }
  if (c.database.pgbouncer.minPoolSize > c.database.pgbouncer.defaultPoolSize) {
    issue(
      ctx,
      ["database", "pgbouncer", "minPoolSize"],
      `${c.database.pgbouncer.minPoolSize} exceeds defaultPoolSize ${c.database.pgbouncer.defaultPoolSize}`,
    );
  }
  const allRanges = [
    ...c.network.allowedIpRanges.map((r, i) => ({ r, path: ["network", "allowedIpRanges", i] })),
    ...c.network.deployerIpRanges.map((r, i) => ({ r, path: ["network", "deployerIpRanges", i] })),
  ];
  for (const { r, path } of allRanges) {
    const start = ipToNumber(r.startIp);
    const end = ipToNumber(r.endIp);
    if (start > end) issue(ctx, path, `startIp ${r.startIp} is after endIp ${r.endIp}`);
    else if (end - start + 1 > 65536) {
      issue(
        ctx,
        path,
        `${r.startIp}-${r.endIp} spans ${end - start + 1} addresses; at most 65536 (a /16) are allowed`,
      );
    } else if (start === 0 && end === 0) {
      issue(
        ctx,
        path,
        "0.0.0.0-0.0.0.0 means all Azure services; use network.allowAzureServices (never in production)",
      );
    }
  }
  if (production && c.network.allowAzureServices) {
    issue(
      ctx,
      ["network", "allowAzureServices"],
      "must be false in production: it admits every Azure tenant's services",
    );
  }
  if (c.network.mode === "private" && c.network.deployerIpRanges.length > 0) {
    issue(
      ctx,
      ["network", "deployerIpRanges"],
      "must be empty in private mode: the deployer runs inside the VNet",
    );
  }
  if (c.cache.persistence !== "none" && !c.cache.highAvailability && production) {
    issue(ctx, ["cache", "highAvailability"], "must be true in production when persistence is on");
  }
  if (c.api.plan === "FlexConsumption") {
    if (c.release.candidate !== undefined || c.release.canaryPercentage > 0) {
      issue(
        ctx,
        ["release", "canaryPercentage"],
        "a canary needs deployment slots, which Flex Consumption lacks; use api.plan ElasticPremium or remove release.candidate",
      );
    }
    if (c.api.maximumInstances < 40) {
      issue(
        ctx,
        ["api", "maximumInstances"],
        `${c.api.maximumInstances} is below Flex Consumption's minimum of 40`,
      );
    }
  } else if (c.api.maximumInstances > 100) {
    issue(
      ctx,
      ["api", "maximumInstances"],
      `${c.api.maximumInstances} exceeds Elastic Premium's maximum of 100`,
    );
  }
  if ((c.api.runtime.name === "node") !== (c.api.runtime.version === "22")) {
    issue(
      ctx,
      ["api", "runtime", "version"],
      `${c.api.runtime.version} does not fit ${c.api.runtime.name}; node uses 22, python 3.11 or 3.12`,
    );
  }
  c.api.corsOrigins.forEach((o, i) => {
    const local = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(o);
    if (o.startsWith("http://") && (production || !local)) {
      issue(
        ctx,
        ["api", "corsOrigins", i],
        `'${o}' is not https; only http://localhost is allowed, and never in production`,
      );
    }
  });
  if (c.api.corsSupportCredentials && c.api.corsOrigins.length === 0) {
    issue(ctx, ["api", "corsSupportCredentials"], "needs at least one explicit origin in api.corsOrigins");
  }
  if (c.featureFlags.sku === "free" && c.featureFlags.purgeProtection) {
    issue(ctx, ["featureFlags", "purgeProtection"], "is only available on sku standard");
  }
  if (c.network.mode === "private" && c.api.plan === "FlexConsumption") {
    issue(
      ctx,
      ["api", "plan"],
      "FlexConsumption cannot use private mode here: its VNet subnet needs the Microsoft.App/environments delegation and Key Vault references fail against a restricted vault; use ElasticPremium",
    );
  }
  if (c.network.mode === "private" && c.featureFlags.sku === "free") {
    issue(ctx, ["featureFlags", "sku"], "free has no private link; private network mode needs standard");
  }
  // --- issue 9 point 8 ---
  if (c.featureFlags.armPrivateLink && c.network.mode !== "private") {
    issue(
      ctx,
      ["featureFlags", "armPrivateLink"],
      "needs network.mode private: without a private endpoint nothing could reach a store with public access off",
    );
  }
  // --- end issue 9 point 8 ---
  // --- issue 9 point 7 ---
  const t = c.monitoring.thresholds;
  for (const key of ["cpuPercent", "memoryPercent"] as const) {
    if (c.api.plan === "FlexConsumption" && t[key] !== undefined) {
      issue(
        ctx,
        ["monitoring", "thresholds", key],
        "Flex Consumption exposes no App Service plan CPU or memory percentage, so this alert could never fire; remove the key (Elastic Premium only)",
      );
    } else if (c.api.plan === "ElasticPremium" && t[key] === undefined) {
      issue(
        ctx,
        ["monitoring", "thresholds", key],
        "is required on Elastic Premium (plan CPU and memory alerts)",
      );
    }
  }
  if (t.p99LatencyMs < t.p95LatencyMs) {
    issue(
      ctx,
      ["monitoring", "thresholds", "p99LatencyMs"],
      `${t.p99LatencyMs} is below p95LatencyMs ${t.p95LatencyMs}; a p99 is never below the p95`,
    );
  }
  // --- end issue 9 point 7 ---
  if (c.uploads?.browserUpload === true) {
    if (c.network.mode === "private") {
      issue(
        ctx,
        ["uploads", "browserUpload"],
        "needs network.mode public: in private mode the uploads account admits only its private endpoint, which browsers cannot reach",
      );
    } else if (c.api.corsOrigins.length === 0 && !c.staticSite.enabled) {
      issue(
        ctx,
        ["uploads", "browserUpload"],
        "needs an origin to admit: list the frontend in api.corsOrigins or enable staticSite",
      );
    }
  }
  if (c.vercel.rollingRelease && !c.vercel.enabled) {
    issue(ctx, ["vercel", "rollingRelease"], "needs vercel.enabled");
  }
}

// Rules on names and values that become resources, keys or variables: checked here so that no component ever
// refuses a config after resources were registered (a partial deployment under `pulumi up`).
function nameRules(c: z.output<typeof stackConfigObject>, ctx: Ctx): void {
  const firstRange = new Map<string, string>();
  for (const list of ["allowedIpRanges", "deployerIpRanges"] as const) {
    c.network[list].forEach((r, i) => {
      const earlier = firstRange.get(r.name.toLowerCase());
      if (earlier === undefined) firstRange.set(r.name.toLowerCase(), `network.${list}[${i}]`);
      else {
        issue(
          ctx,
          ["network", list, i, "name"],
          `repeats the name of ${earlier}; each allowed and deployer range names its own firewall rule`,
        );
      }
    });
  }
  if (c.network.mode === "private" && c.network.allowAzureServices) {
    issue(
      ctx,
      ["network", "allowAzureServices"],
      "has no effect in private mode (no firewall); set it to false",
    );
  }
  const programVariables: readonly string[] = PROGRAM_VERCEL_VARIABLES;
  for (const key of Object.keys(c.vercel.publicEnv)) {
    if (programVariables.includes(key)) {
      issue(
        ctx,
        ["vercel", "publicEnv", key],
        `is set by the program (${key === "NEXT_PUBLIC_WS_URL" ? "from vercel.wsUrl" : "from the API's URL"}); remove it from vercel.publicEnv`,
      );
    }
  }
  for (const key of Object.keys(c.vercel.preview?.publicEnv ?? {})) {
    if (programVariables.includes(key)) {
      issue(
        ctx,
        ["vercel", "preview", "publicEnv", key],
        `is set by the program (from vercel.preview.${key === "NEXT_PUBLIC_WS_URL" ? "wsUrl" : "apiUrl"}); remove it`,
      );
    }
  }
  for (const [section, env] of [
    ["publicEnv", c.vercel.publicEnv],
    ["preview.publicEnv", c.vercel.preview?.publicEnv ?? {}],
  ] as const) {
    for (const [key, value] of Object.entries(env)) {
      const found = urlCredential(value, true);
      if (found !== undefined) {
        issue(
          ctx,
          ["vercel", ...section.split("."), key],
          `carries ${found}; public variables reach every browser: use a URL without credentials`,
          HIDE_VALUE,
        );
      }
    }
  }
  for (const [key, value] of Object.entries(c.api.appSettings)) {
    const reserved = reservedAppSetting(key, RESERVED_APP_SETTING_PREFIXES, c.secrets.external);
    const credential = settingCredential(value);
    if (reserved !== undefined) {
      issue(ctx, ["api", "appSettings", key], `${reserved}; pick another name`, HIDE_VALUE);
    } else if (secretLikeSettingName(key)) {
      issue(
        ctx,
        ["api", "appSettings", key],
        "looks like a credential's name (PASSWORD, SECRET, KEY, TOKEN, CONNECTION, DSN, PRIVATE, CREDENTIAL, ...); list it in secrets.external and set it with pulumi config set --secret --path 'externalSecrets.<NAME>'",
        HIDE_VALUE,
      );
    } else if (credential !== undefined) {
      issue(
        ctx,
        ["api", "appSettings", key],
        `carries ${credential}; app settings are plain text: put the secret in secrets.external instead`,
        HIDE_VALUE,
      );
    }
  }
  c.secrets.external.forEach((name, i) => {
    if (PROGRAM_APP_SETTINGS.includes(name) || PROGRAM_VAULT_SECRETS.includes(name)) {
      issue(
        ctx,
        ["secrets", "external", i],
        "is a secret or app setting the program writes itself; an external secret of that name would overwrite it, so pick another name",
      );
    }
  });
  if (c.environment.name === "production" && c.vercel.enabled && c.vercel.preview === undefined) {
    issue(
      ctx,
      ["vercel", "preview"],
      "is required in production: without it pull-request previews get production's values and call the production API; set vercel.preview.apiUrl to staging's API URL",
    );
  }
  if (
    c.vercel.preview !== undefined &&
    (c.vercel.wsUrl !== undefined || c.realtime !== undefined) &&
    c.vercel.preview.wsUrl === undefined
  ) {
    issue(
      ctx,
      ["vercel", "preview", "wsUrl"],
      `is required when ${c.realtime === undefined ? "vercel.wsUrl" : "realtime"} is set, or previews would connect to this stack's WebSocket URL`,
    );
  }
}

/** The whole validated stack config. */
export type StackConfig = z.infer<typeof stackConfigSchema>;
/** Sections of the stack config, as validated. */
export type EnvironmentConfig = StackConfig["environment"];
export type NetworkConfig = StackConfig["network"];
export type SecretsConfig = StackConfig["secrets"];
export type DatabaseConfig = StackConfig["database"];
export type CacheConfig = StackConfig["cache"];
export type ApiConfig = StackConfig["api"];
export type StaticSiteConfig = StackConfig["staticSite"];
export type VercelConfig = StackConfig["vercel"];
export type MonitoringConfig = StackConfig["monitoring"];
export type FeatureFlagsConfig = StackConfig["featureFlags"];
export type DocumentDbConfig = NonNullable<StackConfig["documentDb"]>;
export type RealtimeConfig = NonNullable<StackConfig["realtime"]>;
export type UploadsConfig = NonNullable<StackConfig["uploads"]>;

/** Top-level keys of the stack config (each is `webapp-platform:<key>`). */
export const STACK_CONFIG_KEYS = Object.keys(stackConfigObject.shape) as (keyof StackConfig)[];
