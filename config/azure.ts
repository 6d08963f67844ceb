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
