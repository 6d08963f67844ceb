/** Azure facts the config schema validates against (see ../shared/azure-facts.md in the team docs). */

/** Azure regions this program deploys to; all have availability zones (needed for zone-redundant HA). */
export const AZURE_REGIONS = [
  "australiaeast",
  "brazilsouth",
  "canadacentral",
  "centralindia",
  "centralus",
  "eastasia",
  "eastus",
  "eastus2",
  "francecentral",
  "germanywestcentral",
  "japaneast",
  "koreacentral",
  "northeurope",
  "norwayeast",
  "southafricanorth",
  "southcentralus",
  "southeastasia",
  "swedencentral",
  "switzerlandnorth",
  "uksouth",
  "westeurope",
  "westus2",
  "westus3",
] as const;

/** Regions Azure Static Web Apps accepts as `location` (others fail with LocationNotAvailableForResourceType). */
export const STATIC_WEB_APP_REGIONS = ["westus2", "centralus", "eastus2", "westeurope", "eastasia"] as const;

/** PostgreSQL Flexible Server compute sizes by tier (ARM form `Standard_<size>`). */
export const POSTGRES_SKUS = {
  Burstable: ["B1ms", "B2s", "B2ms", "B4ms", "B8ms", "B12ms", "B16ms", "B20ms"],
  GeneralPurpose: [
    ...["2", "4", "8", "16", "32", "48", "64"].flatMap((n) => [`D${n}s_v3`, `D${n}ds_v4`]),
    ...["2", "4", "8", "16", "32", "48", "64", "96"].flatMap((n) => [`D${n}ds_v5`, `D${n}ads_v5`]),
    ...["2", "4", "8", "16", "32", "48", "64", "96", "128", "192"].flatMap((n) => [
      `D${n}ds_v6`,
      `D${n}ads_v6`,
    ]),
  ],
  MemoryOptimized: [
    ...["2", "4", "8", "16", "20", "32", "48", "64"].flatMap((n) => [`E${n}s_v3`, `E${n}ds_v4`]),
    ...["2", "4", "8", "16", "20", "32", "48", "64", "96"].flatMap((n) => [`E${n}ds_v5`, `E${n}ads_v5`]),
    ...["2", "4", "8", "16", "20", "32", "48", "64", "96", "128", "192"].flatMap((n) => [
      `E${n}ds_v6`,
      `E${n}ads_v6`,
    ]),
  ],
} as const satisfies Record<string, readonly string[]>;

/** Premium SSD sizes a Flexible Server accepts, in GiB. */
export const POSTGRES_STORAGE_GB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767] as const;

/**
 * Extensions Azure Database for PostgreSQL Flexible Server lets `azure.extensions` allow-list (common subset;
 * an extension must be allow-listed before `CREATE EXTENSION`).
 */
export const POSTGRES_ALLOWED_EXTENSIONS = [
  "btree_gin",
  "btree_gist",
  "citext",
  "cube",
  "dict_int",
  "earthdistance",
  "fuzzystrmatch",
  "hstore",
  "intarray",
  "isn",
  "lo",
  "ltree",
  "pg_buffercache",
  "pg_prewarm",
  "pg_stat_statements",
  "pg_trgm",
  "pgaudit",
  "pgcrypto",
  "pgrowlocks",
  "pgstattuple",
  "plpgsql",
  "postgis",
  "tablefunc",
  "unaccent",
  "uuid-ossp",
  "vector",
] as const;

/** Azure Managed Redis SKUs that can be created (Enterprise tiers are blocked since 2026-04-01). */
export const MANAGED_REDIS_SKUS = [
  ...["B0", "B1", "B3", "B5", "B10", "B20", "B50", "B100", "B150", "B250", "B350"].map(
    (s) => `Balanced_${s}`,
  ),
  ...["M10", "M20", "M50", "M100", "M150", "M250", "M350"].map((s) => `MemoryOptimized_${s}`),
  ...["X3", "X5", "X10", "X20", "X50", "X100", "X150", "X250", "X350"].map((s) => `ComputeOptimized_${s}`),
] as const;

/** Eviction policies Azure Managed Redis supports. */
export const REDIS_EVICTION_POLICIES = [
  "AllKeysLFU",
  "AllKeysLRU",
  "AllKeysRandom",
  "VolatileLRU",
  "VolatileLFU",
  "VolatileTTL",
  "VolatileRandom",
  "NoEviction",
] as const;

// --- issue 9 point 7 (database connections as a share of max_connections) ---
/** Memory (GiB) of the Burstable sizes (compute-storage/concepts-compute.md). */
const BURSTABLE_MEMORY_GIB: Readonly<Record<string, number>> = {
  B1ms: 2,
  B2s: 4,
  B2ms: 8,
  B4ms: 16,
  B8ms: 32,
  B12ms: 48,
  B16ms: 64,
  B20ms: 80,
};

/**
 * Default `max_connections` of a Flexible Server size, which Azure derives from its memory. Source: Microsoft Learn,
 * "Limits in Azure Database for PostgreSQL flexible server" (configure-maintain/concepts-limits.md), table "Maximum
 * connections": 2 GiB (B1ms) 50; 4 GiB 429; 8 GiB 859 (B2ms, D2*); 16 GiB 1,718 (B4ms, D4*, E2*); 32 GiB 3,437
 * (B8ms, D8*, E4*); 48 GiB and more 5,000. General Purpose sizes have 4 GiB per vCore, Memory Optimized 8 GiB; the
 * v6 sizes, not in that table, follow the same memory rule. Azure keeps 15 of them for replication and monitoring.
 */
export function postgresMaxConnections(tier: keyof typeof POSTGRES_SKUS, skuName: string): number {
  const vcores = Number(/^[A-Z](\d+)/.exec(skuName)?.[1]);
  const memory =
    tier === "Burstable" ? BURSTABLE_MEMORY_GIB[skuName] : vcores * (tier === "GeneralPurpose" ? 4 : 8);
  const byMemory: Readonly<Record<number, number>> = { 2: 50, 4: 429, 8: 859, 16: 1718, 32: 3437 };
  const max = memory >= 48 ? 5000 : byMemory[memory];
  if (max === undefined) {
    throw new Error(
      `database.skuName: '${skuName}' is not a ${tier} size with a documented connection limit`,
    );
  }
  return max;
}
// --- end issue 9 point 7 ---

/**
 * Cosmos DB for MongoDB vCore (`mongocluster`) cluster tiers. Source: Microsoft Learn, "Compute and storage
 * configurations" (cosmos-db/mongodb/vcore/compute-storage): M10 (1 vCore, burstable), M20 and M25 (2 vCores,
 * burstable), M30 (2), M40 (4), M50 (8), M60 (16), M80 (32), M200 (64 vCores).
 */
export const MONGO_TIERS = ["M10", "M20", "M25", "M30", "M40", "M50", "M60", "M80", "M200"] as const;

/** The burstable vCore tiers, meant for development and test; high availability needs M30 or larger. */
export const MONGO_BURSTABLE_TIERS: readonly string[] = ["M10", "M20", "M25"];

/** Disk sizes (GiB per shard) a vCore cluster accepts; same page, "Storage" table. */
export const MONGO_STORAGE_GB = [32, 64, 128, 256, 512, 1024, 2048, 4095, 8192, 16384, 32767] as const;

/**
 * Units each Web PubSub SKU accepts (`sku.capacity`), from the SDK's ResourceSkuArgs doc (REST 2024-03-01):
 * Free_F1 1; Standard_S1 and Premium_P1 1-10, 20-100 in tens; Premium_P2 100-1000 in hundreds.
 */
export const WEB_PUBSUB_CAPACITY: Readonly<
  Record<"Free_F1" | "Standard_S1" | "Premium_P1" | "Premium_P2", readonly number[]>
> = {
  Free_F1: [1],
  Standard_S1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  Premium_P1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  Premium_P2: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000],
};
