import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../config/schema";
import { ERROR_RATE_QUERY, P95_QUERY, P99_QUERY, REDIS_HIT_RATIO_QUERY } from "./alertQueries";

/** One static-threshold metric alert on a single resource. */
export interface MetricRule {
  /** Role in logical and physical names, e.g. `db-cpu`. */
  readonly role: string;
  /** What the alert means, for the notification. */
  readonly description: string;
  /** The one resource the alert watches. */
  readonly scope: pulumi.Input<string>;
  /** Metric namespace (resource type). */
  readonly namespace: string;
  /** Metric name as the REST API spells it. */
  readonly metric: string;
  /** Aggregation over the window. */
  readonly aggregation: "Average" | "Maximum" | "Total";
  /** Fires when the aggregate is greater than this. */
  readonly threshold: number;
  /** 0 (critical) to 4 (verbose). */
  readonly severity: number;
}

/** Resource ids the alerts and diagnostic settings watch. */
export interface AlertTargets {
  /** Function App (the API). */
  readonly functionAppId: pulumi.Input<string>;
  /** App Service plan; only on Elastic Premium, where CpuPercentage and MemoryPercentage exist. */
  readonly planId?: pulumi.Input<string>;
  /** PostgreSQL Flexible Server. */
  readonly postgresServerId: pulumi.Input<string>;
  /** Azure Managed Redis cluster. */
  readonly redisClusterId: pulumi.Input<string>;
  /** Its `default` database (an output of the database resource, so its diagnostic setting waits for it). */
  readonly redisDatabaseId: pulumi.Input<string>;
  /** Key Vault. */
  readonly keyVaultId: pulumi.Input<string>;
  /** Storage account (Functions host storage). */
  readonly storageAccountId: pulumi.Input<string>;
  /** Uploads storage account (`Uploads.accountId`), when the stack has one: diagnostic settings only. */
  readonly uploadsStorageAccountId?: pulumi.Input<string>;
  /** App Configuration store. */
  readonly appConfigStoreId: pulumi.Input<string>;
  /** Cosmos DB for MongoDB vCore cluster, when the stack has `documentDb` (diagnostics only). */
  readonly mongoClusterId?: pulumi.Input<string>;
  /** Web PubSub service, when the stack has `realtime` (diagnostics only). */
  readonly webPubSubId?: pulumi.Input<string>;
}

/**
 * The metric alerts for a stack. Metric names are the REST names from Azure Monitor's supported-metrics
 * reference: App Insights `requests/duration` (ms), App Service plan `CpuPercentage`/`MemoryPercentage`,
 * PostgreSQL Flexible `cpu_percent`/`connections_failed`/`active_connections`, Managed Redis `serverLoad`.
 * `databaseMaxConnections` is the server size's `max_connections` (`postgresMaxConnections`): the connections
 * alert fires above `databaseConnectionsPercent` of it.
 */
export function metricRules(
  t: MonitoringConfig["thresholds"],
  targets: AlertTargets,
  appInsightsId: pulumi.Input<string>,
  databaseMaxConnections: number,
): MetricRule[] {
  const plan: MetricRule[] =
    targets.planId === undefined || t.cpuPercent === undefined || t.memoryPercent === undefined
      ? []
      : [
          {
            role: "plan-cpu",
            description: `App Service plan CPU above ${t.cpuPercent}%`,
            scope: targets.planId,
            namespace: "Microsoft.Web/serverfarms",
            metric: "CpuPercentage",
            aggregation: "Average",
            threshold: t.cpuPercent,
            severity: 2,
          },
          {
            role: "plan-memory",
            description: `App Service plan memory above ${t.memoryPercent}%`,
            scope: targets.planId,
            namespace: "Microsoft.Web/serverfarms",
            metric: "MemoryPercentage",
            aggregation: "Average",
            threshold: t.memoryPercent,
            severity: 2,
          },
        ];
  return [
    {
      role: "response-time",
      description: `Average API server response time above ${t.responseTimeMs} ms`,
      scope: appInsightsId,
      namespace: "microsoft.insights/components",
      metric: "requests/duration",
      aggregation: "Average",
      threshold: t.responseTimeMs,
      severity: 2,
    },
    ...plan,
    {
      role: "db-cpu",
      description: `PostgreSQL CPU above ${t.databaseCpuPercent}%`,
      scope: targets.postgresServerId,
      namespace: "Microsoft.DBforPostgreSQL/flexibleServers",
      metric: "cpu_percent",
      aggregation: "Average",
      threshold: t.databaseCpuPercent,
      severity: 2,
    },
    {
      role: "db-connections-failed",
      description: `More than ${t.databaseConnectionFailures} failed PostgreSQL connections in 5 minutes`,
      scope: targets.postgresServerId,
      namespace: "Microsoft.DBforPostgreSQL/flexibleServers",
      metric: "connections_failed",
      aggregation: "Total",
      threshold: t.databaseConnectionFailures,
      severity: 1,
    },
    {
      role: "db-connections",
      description: `Active PostgreSQL connections above ${t.databaseConnectionsPercent}% of max_connections (${databaseMaxConnections})`,
      scope: targets.postgresServerId,
      namespace: "Microsoft.DBforPostgreSQL/flexibleServers",
      metric: "active_connections",
      aggregation: "Maximum",
      threshold: Math.floor((databaseMaxConnections * t.databaseConnectionsPercent) / 100),
      severity: 2,
    },
    {
      role: "redis-load",
      description: `Managed Redis server load above ${t.redisServerLoadPercent}%`,
      scope: targets.redisClusterId,
      namespace: "Microsoft.Cache/redisEnterprise",
      metric: "serverLoad",
      aggregation: "Average",
      threshold: t.redisServerLoadPercent,
      severity: 2,
    },
  ];
}

/** One log alert on the workspace: a query, the column it measures and the threshold. */
export interface LogRule {
  /** Role in logical and physical names, e.g. `p99-latency`. */
  readonly role: string;
  /** What the alert means, for the notification. */
  readonly description: string;
  /** KQL returning `column`. */
  readonly query: pulumi.Input<string>;
  /** Measured column. */
  readonly column: string;
  /** How the column is aggregated over a window. */
  readonly aggregation: "Maximum" | "Minimum";
  /** Fires when the aggregate is above (`GreaterThan`) or below (`LessThan`) the threshold. */
  readonly operator: "GreaterThan" | "LessThan" | "GreaterThanOrEqual";
  /** Threshold. */
  readonly threshold: number;
  /** 0 (critical) to 4 (verbose). */
  readonly severity: number;
  /** ISO-8601 window (and evaluation frequency). */
  readonly window: string;
  /** Consecutive failing windows that fire the alert. Default 1. */
  readonly consecutiveWindows?: number;
}

/**
 * The log alerts on request telemetry and cache metrics: failed-request rate, p95 and p99 latency of the API's
 * Application Insights resource, and the Managed Redis cache hit ratio (from the cluster metrics its diagnostic
 * setting exports; the cache metrics have a 5-minute grain, so 15-minute windows).
 */
export function logRules(
  t: MonitoringConfig["thresholds"],
  appInsightsId: pulumi.Input<string>,
  redisClusterId: pulumi.Input<string>,
): LogRule[] {
  const appi = pulumi.output(appInsightsId);
  return [
    {
      role: "error-rate",
      description: `API failed-request rate above ${t.errorRatePercent}%`,
      query: appi.apply(ERROR_RATE_QUERY),
      column: "FailedPercent",
      aggregation: "Maximum",
      operator: "GreaterThan",
      threshold: t.errorRatePercent,
      severity: 1,
      window: "PT5M",
    },
    {
      role: "p95-latency",
      description: `API p95 response time above ${t.p95LatencyMs} ms`,
      query: appi.apply(P95_QUERY),
      column: "P95",
      aggregation: "Maximum",
      operator: "GreaterThan",
      threshold: t.p95LatencyMs,
      severity: 2,
      window: "PT5M",
    },
    {
      role: "p99-latency",
      description: `API p99 response time above ${t.p99LatencyMs} ms`,
      query: appi.apply(P99_QUERY),
      column: "P99",
      aggregation: "Maximum",
      operator: "GreaterThan",
      threshold: t.p99LatencyMs,
      severity: 2,
      window: "PT5M",
    },
    {
      role: "redis-hit-ratio",
      description: `Managed Redis cache hit ratio below ${t.redisCacheHitRatioPercent}%`,
      query: pulumi.output(redisClusterId).apply(REDIS_HIT_RATIO_QUERY),
      column: "HitPercent",
      aggregation: "Minimum",
      operator: "LessThan",
      threshold: t.redisCacheHitRatioPercent,
      severity: 2,
      window: "PT15M",
    },
  ];
}

/** Availability-test locations (Azure region ids): West Europe, North Europe, UK South, UK West, East US. */
export const WEB_TEST_LOCATIONS = [
  "emea-nl-ams-azr",
  "emea-gb-db3-azr",
  "emea-ru-msa-edge",
  "emea-se-sto-edge",
  "us-va-ash-azr",
] as const;
