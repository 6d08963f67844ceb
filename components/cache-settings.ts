import type * as types from "@pulumi/azure-native/types";
import type { CacheConfig } from "../config/schema";

/** TLS port of every Azure Managed Redis database endpoint. */
export const REDIS_TLS_PORT = 10000;

/** The only database name Azure Managed Redis accepts (one database per cluster). */
export const REDIS_DATABASE_NAME = "default";

/**
 * Database persistence from config, built so that at most one of AOF and RDB is ever on (Azure rejects both):
 * `aof` writes every second (`always` is deprecated), `rdb` snapshots at `config.rdbFrequency`, `none` turns both off
 * explicitly so that switching persistence off is an update rather than a no-op.
 */
export function persistenceFor(
  config: Pick<CacheConfig, "persistence" | "rdbFrequency">,
): types.input.redisenterprise.PersistenceArgs {
  switch (config.persistence) {
    case "aof":
      return { aofEnabled: true, aofFrequency: "1s" };
    case "rdb":
      return { rdbEnabled: true, rdbFrequency: config.rdbFrequency };
    default:
      return { aofEnabled: false, rdbEnabled: false };
  }
}

/** `rediss://` URL with the access key as the default user's password, percent-encoded (keys contain `+ / =`). */
export function redisUrlWithKey(hostName: string, key: string): string {
  return `rediss://:${encodeURIComponent(key)}@${hostName}:${REDIS_TLS_PORT}`;
}
