import * as monitor from "@pulumi/azure-native/monitor";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../config/schema";

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
  /** App Configuration store. */
  readonly appConfigStoreId: pulumi.Input<string>;
}

/**
 * The metric alerts for a stack. Metric names are the REST names from Azure Monitor's supported-metrics
 * reference: App Insights `requests/duration` (ms), App Service plan `CpuPercentage`/`MemoryPercentage`,
 * PostgreSQL Flexible `cpu_percent`/`connections_failed`, Managed Redis `serverLoad`.
 */
export function metricRules(
  t: MonitoringConfig["thresholds"],
  targets: AlertTargets,
  appInsightsId: pulumi.Input<string>,
): MetricRule[] {
  const plan: MetricRule[] =
    targets.planId === undefined
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

/** KQL: failed-request percentage of one Application Insights resource in the rule's window. */
export const ERROR_RATE_QUERY = (appInsightsId: string): string =>
  [
    "AppRequests",
    `| where _ResourceId =~ '${appInsightsId}'`,
    "| summarize Total = count(), Failed = countif(Success == false)",
    "| extend FailedPercent = iff(Total == 0, 0.0, 100.0 * Failed / Total)",
  ].join("\n");

/** KQL: p95 server duration (ms) of one Application Insights resource in the rule's window. */
export const P95_QUERY = (appInsightsId: string): string =>
  [
    "AppRequests",
    `| where _ResourceId =~ '${appInsightsId}'`,
    "| summarize P95 = percentile(DurationMs, 95)",
  ].join("\n");

/** Availability-test locations (Azure region ids): West Europe, North Europe, UK South, UK West, East US. */
export const WEB_TEST_LOCATIONS = [
  "emea-nl-ams-azr",
  "emea-gb-db3-azr",
  "emea-ru-msa-edge",
  "emea-se-sto-edge",
  "us-va-ash-azr",
] as const;

/** Where diagnostics go and which resources send them. */
export interface DiagnosticsArgs {
  /** Resources that send diagnostics. */
  readonly targets: AlertTargets;
  /** Log Analytics workspace id. */
  readonly workspaceId: pulumi.Input<string>;
  /** Include the Function App (Elastic Premium; Flex Consumption does not support diagnostic settings). */
  readonly functionApp: boolean;
  /** Operations on the storage account its diagnostic settings must follow (one operation at a time). Default none. */
  readonly storageAfter?: pulumi.Resource[];
}

/**
 * Diagnostic settings that send every supported log (category group `allLogs`) and metric to the workspace.
 * Storage logs come from the blob service (the account itself only has metrics); Managed Redis logs
 * (`ConnectionEvents`) come from its `default` database, metrics from the cluster. The two storage settings run
 * after `storageAfter` and after each other: Azure refuses concurrent operations on one storage account.
 */
export function diagnosticSettings(name: string, args: DiagnosticsArgs, parent: pulumi.Resource): void {
  const t = args.targets;
  const allLogs = [{ categoryGroup: "allLogs", enabled: true }];
  const allMetrics = [{ category: "AllMetrics", enabled: true }];
  const transactions = [{ category: "Transaction", enabled: true }];
  const settings: {
    role: string;
    uri: pulumi.Input<string>;
    logs?: monitor.DiagnosticSettingArgs["logs"];
    metrics?: monitor.DiagnosticSettingArgs["metrics"];
  }[] = [
    ...(args.functionApp ? [{ role: "api", uri: t.functionAppId, logs: allLogs, metrics: allMetrics }] : []),
    { role: "postgres", uri: t.postgresServerId, logs: allLogs, metrics: allMetrics },
    { role: "redis", uri: t.redisClusterId, metrics: allMetrics },
    {
      role: "redis-db",
      uri: t.redisDatabaseId,
      logs: [{ category: "ConnectionEvents", enabled: true }],
    },
    { role: "keyvault", uri: t.keyVaultId, logs: allLogs, metrics: allMetrics },
    { role: "storage", uri: t.storageAccountId, metrics: transactions },
    {
      role: "storage-blob",
      uri: pulumi.interpolate`${t.storageAccountId}/blobServices/default`,
      logs: allLogs,
      metrics: transactions,
    },
    { role: "appconfig", uri: t.appConfigStoreId, logs: allLogs, metrics: allMetrics },
  ];
  let storageAfter = args.storageAfter ?? [];
  for (const s of settings) {
    const onStorage = s.role.startsWith("storage");
    const setting = new monitor.DiagnosticSetting(
      `${name}-diag-${s.role}`,
      {
        name: "to-log-analytics",
        resourceUri: s.uri,
        workspaceId: args.workspaceId,
        logs: s.logs,
        metrics: s.metrics,
      },
      { parent, dependsOn: onStorage ? storageAfter : [] },
    );
    if (onStorage) storageAfter = [setting];
  }
}
