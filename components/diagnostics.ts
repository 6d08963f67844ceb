// Diagnostic settings: which resources send which logs and metrics to the Log Analytics workspace.
import * as monitor from "@pulumi/azure-native/monitor";
import * as pulumi from "@pulumi/pulumi";
import type { AlertTargets } from "./alertRules";

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
  /** Operations on the uploads storage account its diagnostic settings must follow (`Uploads.lastOperation`). */
  readonly uploadsAfter?: pulumi.Resource[];
}

/**
 * Diagnostic settings that send every supported log (category group `allLogs`) and metric to the workspace.
 * Storage logs come from the blob service (the account itself only has metrics); Managed Redis logs
 * (`ConnectionEvents`) come from its `default` database, metrics from the cluster. The optional document database
 * and Web PubSub service send all logs and metrics when the stack has them. The two storage settings run
 * after `storageAfter` and after each other: Azure refuses concurrent operations on one storage account. The uploads
 * account, when there is one, gets the same two settings, after `uploadsAfter` and after each other.
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
    ...(t.mongoClusterId === undefined
      ? []
      : [{ role: "mongo", uri: t.mongoClusterId, logs: allLogs, metrics: allMetrics }]),
    ...(t.webPubSubId === undefined
      ? []
      : [{ role: "webpubsub", uri: t.webPubSubId, logs: allLogs, metrics: allMetrics }]),
  ];
  if (t.uploadsStorageAccountId !== undefined) {
    settings.push(
      { role: "uploads-storage", uri: t.uploadsStorageAccountId, metrics: transactions },
      {
        role: "uploads-storage-blob",
        uri: pulumi.interpolate`${t.uploadsStorageAccountId}/blobServices/default`,
        logs: allLogs,
        metrics: transactions,
      },
    );
  }
  // One chain of operations per storage account.
  const after: Record<string, pulumi.Resource[]> = {
    storage: args.storageAfter ?? [],
    "uploads-storage": args.uploadsAfter ?? [],
  };
  for (const s of settings) {
    const account = s.role.startsWith("storage")
      ? "storage"
      : s.role.startsWith("uploads-storage")
        ? "uploads-storage"
        : undefined;
    const setting = new monitor.DiagnosticSetting(
      `${name}-diag-${s.role}`,
      {
        name: "to-log-analytics",
        resourceUri: s.uri,
        workspaceId: args.workspaceId,
        logs: s.logs,
        metrics: s.metrics,
      },
      { parent, dependsOn: account === undefined ? [] : after[account] },
    );
    if (account !== undefined) after[account] = [setting];
  }
}
