import { describe, expect, it } from "vitest";
import { Alerts, type AlertsArgs } from "../../components/alerts";
import { countByType, one, ofType, record, expectChildrenOf } from "../support";
import { stackConfig, namingFor } from "../support/config";

type Stack = "staging" | "production";

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop/providers";
const IDS = {
  functionAppId: `${SUB}/Microsoft.Web/sites/func-shop`,
  planId: `${SUB}/Microsoft.Web/serverfarms/asp-shop`,
  postgresServerId: `${SUB}/Microsoft.DBforPostgreSQL/flexibleServers/psql-shop`,
  redisClusterId: `${SUB}/Microsoft.Cache/redisEnterprise/redis-shop`,
  redisDatabaseId: `${SUB}/Microsoft.Cache/redisEnterprise/redis-shop/databases/default`,
  keyVaultId: `${SUB}/Microsoft.KeyVault/vaults/kv-shop`,
  storageAccountId: `${SUB}/Microsoft.Storage/storageAccounts/stshop`,
  appConfigStoreId: `${SUB}/Microsoft.AppConfiguration/configurationStores/appcs-shop`,
};
const ACTION_GROUP = `${SUB}/Microsoft.Insights/actionGroups/ag-shop`;
const WORKSPACE = `${SUB}/Microsoft.OperationalInsights/workspaces/log-shop`;
const APPI = `${SUB}/Microsoft.Insights/components/appi-shop`;
const HEALTH = "https://func-shop.azurewebsites.net/health";

function argsFor(stack: Stack, patch: Partial<AlertsArgs> = {}): AlertsArgs {
  const cfg = stackConfig(stack);
  const elastic = cfg.api.plan === "ElasticPremium";
  const { planId, ...rest } = IDS;
  return {
    naming: namingFor(cfg, stack),
    resourceGroupName: "rg-shop",
    location: cfg.environment.location,
    config: cfg.monitoring,
    actionGroupId: ACTION_GROUP,
    workspaceId: WORKSPACE,
    appInsightsId: APPI,
    healthUrl: HEALTH,
    healthCheckBody: cfg.api.healthCheckBody,
    targets: elastic ? { ...rest, planId } : rest,
    apiPlan: cfg.api.plan,
    databaseMaxConnections: cfg.api.plan === "ElasticPremium" ? 859 : 50,
    ...patch,
  };
}

const build = (stack: Stack, patch: Partial<AlertsArgs> = {}) =>
  record(() => new Alerts("alerts", argsFor(stack, patch)));

const thresholdsByMetric = (resources: Awaited<ReturnType<typeof build>>) =>
  Object.fromEntries(
    ofType(resources, "azure-native:monitor:MetricAlert").map((r) => {
      const c = (r.inputs.criteria as { allOf: { metricName: string; threshold: number }[] }).allOf[0];
      return [c.metricName, c.threshold];
    }),
  );

describe("Alerts", () => {
  it("staging (Flex Consumption) has 5 metric alerts, 5 log alerts, 1 web test and 7 diagnostic settings", async () => {
    expect(countByType(await build("staging"))).toEqual({
      "azure-native:applicationinsights:WebTest": 1,
      "azure-native:monitor:DiagnosticSetting": 7,
      "azure-native:monitor:MetricAlert": 5,
      "azure-native:monitor:ScheduledQueryRule": 5,
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:monitoring:Alerts": 1,
    });
  });

  it("production (Elastic Premium) adds plan CPU/memory alerts and the Function App diagnostic setting", async () => {
    const result = await build("production");
    expect(countByType(result)).toEqual({
      "azure-native:applicationinsights:WebTest": 1,
      "azure-native:monitor:DiagnosticSetting": 8,
      "azure-native:monitor:MetricAlert": 7,
      "azure-native:monitor:ScheduledQueryRule": 5,
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:monitoring:Alerts": 1,
    });
    expectChildrenOf(result, "alerts");
  });

  it("uses the staging thresholds from config", async () => {
    const result = await build("staging");
    expect(thresholdsByMetric(result)).toEqual({
      "requests/duration": 2000,
      cpu_percent: 90,
      connections_failed: 10,
      active_connections: 40,
      serverLoad: 90,
    });
    expect(
      one(result, "azure-native:monitor:ScheduledQueryRule", "-error-rate").inputs.criteria,
    ).toMatchObject({
      allOf: [{ threshold: 5, metricMeasureColumn: "FailedPercent", operator: "GreaterThan" }],
    });
    expect(
      one(result, "azure-native:monitor:ScheduledQueryRule", "-p95-latency").inputs.criteria,
    ).toMatchObject({
      allOf: [{ threshold: 1000, metricMeasureColumn: "P95" }],
    });
  });

  it("uses the stricter production thresholds from config", async () => {
    const result = await build("production");
    expect(thresholdsByMetric(result)).toEqual({
      "requests/duration": 2000,
      CpuPercentage: 70,
      MemoryPercentage: 80,
      cpu_percent: 70,
      connections_failed: 5,
      active_connections: 687,
      serverLoad: 70,
    });
    expect(
      one(result, "azure-native:monitor:ScheduledQueryRule", "-error-rate").inputs.criteria,
    ).toMatchObject({
      allOf: [{ threshold: 1 }],
    });
    expect(
      one(result, "azure-native:monitor:ScheduledQueryRule", "-p95-latency").inputs.criteria,
    ).toMatchObject({
      allOf: [{ threshold: 500 }],
    });
  });

  it("scopes every metric alert to exactly one target with the right namespace and notifies the action group", async () => {
    const result = await build("production");
    const expected: Record<string, [string, string]> = {
      "alerts-response-time": [APPI, "microsoft.insights/components"],
      "alerts-plan-cpu": [IDS.planId, "Microsoft.Web/serverfarms"],
      "alerts-plan-memory": [IDS.planId, "Microsoft.Web/serverfarms"],
      "alerts-db-cpu": [IDS.postgresServerId, "Microsoft.DBforPostgreSQL/flexibleServers"],
      "alerts-db-connections-failed": [IDS.postgresServerId, "Microsoft.DBforPostgreSQL/flexibleServers"],
      "alerts-db-connections": [IDS.postgresServerId, "Microsoft.DBforPostgreSQL/flexibleServers"],
      "alerts-redis-load": [IDS.redisClusterId, "Microsoft.Cache/redisEnterprise"],
    };
    for (const [name, [scope, namespace]] of Object.entries(expected)) {
      const alert = one(result, "azure-native:monitor:MetricAlert", name);
      expect(alert.inputs).toMatchObject({
        location: "global",
        enabled: true,
        evaluationFrequency: "PT1M",
        windowSize: "PT5M",
        scopes: [scope],
        actions: [{ actionGroupId: ACTION_GROUP }],
        criteria: {
          odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
          allOf: [
            {
              criterionType: "StaticThresholdCriterion",
              metricNamespace: namespace,
              operator: "GreaterThan",
            },
          ],
        },
      });
      expect(alert.inputs.severity).toBeGreaterThanOrEqual(0);
      expect(alert.inputs.severity).toBeLessThanOrEqual(4);
    }
  });

  it("runs the log alerts on the workspace with KQL over this App Insights resource's AppRequests", async () => {
    const result = await build("staging");
    const rules = ofType(result, "azure-native:monitor:ScheduledQueryRule");
    expect(rules.map((r) => [r.name, r.inputs.windowSize])).toEqual([
      ["alerts-error-rate", "PT5M"],
      ["alerts-p95-latency", "PT5M"],
      ["alerts-p99-latency", "PT5M"],
      ["alerts-redis-hit-ratio", "PT15M"],
      ["alerts-availability", "PT5M"],
    ]);
    for (const rule of rules) {
      expect(rule.inputs).toMatchObject({
        kind: "LogAlert",
        location: "westeurope",
        skipQueryValidation: true,
        scopes: [WORKSPACE],
        actions: { actionGroups: [ACTION_GROUP] },
        evaluationFrequency: rule.inputs.windowSize,
      });
    }
    const errorRate = one(result, "azure-native:monitor:ScheduledQueryRule", "-error-rate");
    const query = (errorRate.inputs.criteria as { allOf: { query: string }[] }).allOf[0].query;
    expect(query).toContain(`| where _ResourceId =~ '${APPI}'`);
    expect(query).toContain("countif(Success == false)");
    const p95 = one(result, "azure-native:monitor:ScheduledQueryRule", "-p95-latency");
    expect((p95.inputs.criteria as { allOf: { query: string }[] }).allOf[0].query).toContain(
      "percentile(DurationMs, 95)",
    );
  });

  it("has no plan alerts and no Function App diagnostic setting on Flex Consumption", async () => {
    const result = await build("staging");
    expect(ofType(result, "azure-native:monitor:MetricAlert", "-plan-cpu")).toHaveLength(0);
    expect(ofType(result, "azure-native:monitor:MetricAlert", "-plan-memory")).toHaveLength(0);
    const uris = ofType(result, "azure-native:monitor:DiagnosticSetting").map((r) => r.inputs.resourceUri);
    expect(uris).not.toContain(IDS.functionAppId);
  });

  it("probes the health URL with a standard web test carrying the hidden-link tag", async () => {
    const test = one(await build("production"), "azure-native:applicationinsights:WebTest");
    expect(test.inputs).toMatchObject({
      kind: "standard",
      webTestKind: "standard",
      webTestName: "webtest-health-shop-prd",
      syntheticMonitorId: "webtest-health-shop-prd",
      frequency: 300,
      request: { requestUrl: HEALTH, httpVerb: "GET" },
      validationRules: {
        expectedHttpStatusCode: 200,
        sSLCheck: true,
        contentValidation: { contentMatch: '"status":"ok"', passIfTextFound: true },
      },
      tags: { [`hidden-link:${APPI}`]: "Resource" },
    });
    expect(test.inputs.locations).toEqual([
      { location: "emea-nl-ams-azr" },
      { location: "emea-gb-db3-azr" },
      { location: "emea-ru-msa-edge" },
      { location: "emea-se-sto-edge" },
      { location: "us-va-ash-azr" },
    ]);
  });

  it("matches the product's api.healthCheckBody, case-sensitive, in the web test's content validation", async () => {
    const test = one(
      await build("staging", { healthCheckBody: '"healthy":true' }),
      "azure-native:applicationinsights:WebTest",
    );
    expect((test.inputs.validationRules as Record<string, unknown>).contentValidation).toEqual({
      contentMatch: '"healthy":true',
      ignoreCase: false,
      passIfTextFound: true,
    });
    expect(test.inputs.description).toBe(
      'GET the health endpoint from five regions; passes on HTTP 200 with a body containing "healthy":true and a valid certificate',
    );
  });

  it("alerts on 3 consecutive failed test runs, not on 3 locations of one run", async () => {
    const result = await build("staging");
    const alert = one(result, "azure-native:monitor:ScheduledQueryRule", "-availability");
    const webTest = one(result, "azure-native:applicationinsights:WebTest");
    expect(alert.dependencies).toContain(webTest.urn);
    expect(alert.inputs).toMatchObject({
      ruleName: "alert-shop-stg-availability",
      severity: 1,
      evaluationFrequency: "PT5M",
      windowSize: "PT5M",
      criteria: {
        allOf: [
          {
            query: [
              "AppAvailabilityResults",
              `| where _ResourceId =~ '${APPI}' and Name == 'webtest-health-shop-stg'`,
              "| summarize FailedLocations = dcountif(Location, Success == false) by bin(TimeGenerated, 300s)",
            ].join("\n"),
            metricMeasureColumn: "FailedLocations",
            timeAggregation: "Maximum",
            operator: "GreaterThanOrEqual",
            threshold: 3,
            failingPeriods: { numberOfEvaluationPeriods: 3, minFailingPeriodsToAlert: 3 },
          },
        ],
      },
    });
    expect(ofType(result, "azure-native:monitor:MetricAlert", "-availability")).toHaveLength(0);
    expect(webTest.inputs.syntheticMonitorId).toBe("webtest-health-shop-stg");
  });

  it("counts a run's window from the test frequency and the run count from config", async () => {
    const cfg = stackConfig("staging", {
      monitoring: {
        availabilityTest: {
          enabled: true,
          frequencySeconds: 600,
          failedLocations: 2,
          consecutiveFailedRuns: 4,
        },
      },
    });
    const alert = one(
      await build("staging", { config: cfg.monitoring }),
      "azure-native:monitor:ScheduledQueryRule",
      "-availability",
    );
    expect(alert.inputs).toMatchObject({ evaluationFrequency: "PT10M", windowSize: "PT10M" });
    const criterion = (alert.inputs.criteria as { allOf: Record<string, unknown>[] }).allOf[0];
    expect(criterion.threshold).toBe(2);
    expect(criterion.failingPeriods).toEqual({ numberOfEvaluationPeriods: 4, minFailingPeriodsToAlert: 4 });
    expect(String(criterion.query)).toContain("by bin(TimeGenerated, 600s)");
  });

  it("alerts on p99 latency above the configured threshold", async () => {
    const rule = one(await build("production"), "azure-native:monitor:ScheduledQueryRule", "-p99-latency");
    expect((rule.inputs.criteria as { allOf: unknown[] }).allOf[0]).toEqual({
      query: [
        "AppRequests",
        `| where _ResourceId =~ '${APPI}'`,
        "| summarize P99 = percentile(DurationMs, 99)",
      ].join("\n"),
      timeAggregation: "Maximum",
      metricMeasureColumn: "P99",
      operator: "GreaterThan",
      threshold: 500,
      failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
    });
  });

  it("alerts when the Redis cache hit ratio falls below 80% (hits over hits + misses from the cluster's exported metrics)", async () => {
    const rule = one(
      await build("production"),
      "azure-native:monitor:ScheduledQueryRule",
      "-redis-hit-ratio",
    );
    expect(rule.inputs.windowSize).toBe("PT15M");
    expect((rule.inputs.criteria as { allOf: unknown[] }).allOf[0]).toEqual({
      query: [
        "AzureMetrics",
        `| where ResourceId =~ '${IDS.redisClusterId}'`,
        "| where MetricName in ('cachehits', 'cachemisses')",
        "| summarize Hits = sumif(Total, MetricName == 'cachehits'), Misses = sumif(Total, MetricName == 'cachemisses') by bin(TimeGenerated, 5m)",
        "| where Hits + Misses > 0",
        "| extend HitPercent = 100.0 * Hits / (Hits + Misses)",
      ].join("\n"),
      timeAggregation: "Minimum",
      metricMeasureColumn: "HitPercent",
      operator: "LessThan",
      threshold: 80,
      failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
    });
  });

  it("alerts on active database connections above 80% of the size's max_connections (D2ds_v5: 859 -> 687)", async () => {
    const alert = one(await build("production"), "azure-native:monitor:MetricAlert", "-db-connections");
    expect(alert.inputs.description).toBe("Active PostgreSQL connections above 80% of max_connections (859)");
    expect((alert.inputs.criteria as { allOf: unknown[] }).allOf[0]).toMatchObject({
      metricName: "active_connections",
      timeAggregation: "Maximum",
      operator: "GreaterThan",
      threshold: 687,
    });
  });

  it("refuses CPU/memory thresholds on Flex Consumption, which has no plan metric to fire them", async () => {
    const cfg = stackConfig("staging").monitoring;
    const config = { ...cfg, thresholds: { ...cfg.thresholds, cpuPercent: 90 } };
    await expect(build("staging", { config })).rejects.toThrow(
      "config.thresholds.cpuPercent and memoryPercent must be omitted on Flex Consumption, which exposes no plan CPU or memory percentage: such an alert could never fire",
    );
  });

  it("creates no web test when the availability test is disabled", async () => {
    const cfg = stackConfig("staging", {
      monitoring: {
        availabilityTest: {
          enabled: false,
          frequencySeconds: 300,
          failedLocations: 3,
          consecutiveFailedRuns: 3,
        },
      },
    });
    const result = await build("staging", { config: cfg.monitoring });
    expect(ofType(result, "azure-native:applicationinsights:WebTest")).toHaveLength(0);
    expect(ofType(result, "azure-native:monitor:ScheduledQueryRule", "-availability")).toHaveLength(0);
  });

  it("sends all logs and metrics to the workspace, storage logs from the blob service and Redis logs from its database", async () => {
    const result = await build("production");
    const byName = Object.fromEntries(
      ofType(result, "azure-native:monitor:DiagnosticSetting").map((r) => [r.name, r.inputs]),
    );
    const allLogs = [{ categoryGroup: "allLogs", enabled: true }];
    const allMetrics = [{ category: "AllMetrics", enabled: true }];
    expect(byName["alerts-diag-api"]).toMatchObject({
      resourceUri: IDS.functionAppId,
      logs: allLogs,
      metrics: allMetrics,
    });
    expect(byName["alerts-diag-postgres"]).toMatchObject({
      resourceUri: IDS.postgresServerId,
      logs: allLogs,
    });
    expect(byName["alerts-diag-keyvault"]).toMatchObject({ resourceUri: IDS.keyVaultId, logs: allLogs });
    expect(byName["alerts-diag-appconfig"]).toMatchObject({
      resourceUri: IDS.appConfigStoreId,
      logs: allLogs,
    });
    expect(byName["alerts-diag-redis"]).toMatchObject({
      resourceUri: IDS.redisClusterId,
      metrics: allMetrics,
    });
    expect(byName["alerts-diag-redis"].logs).toBeUndefined();
    expect(byName["alerts-diag-redis-db"]).toMatchObject({
      resourceUri: IDS.redisDatabaseId,
      logs: [{ category: "ConnectionEvents", enabled: true }],
    });
    expect(byName["alerts-diag-storage"]).toMatchObject({
      resourceUri: IDS.storageAccountId,
      metrics: [{ category: "Transaction", enabled: true }],
    });
    expect(byName["alerts-diag-storage"].logs).toBeUndefined();
    expect(byName["alerts-diag-storage-blob"]).toMatchObject({
      resourceUri: `${IDS.storageAccountId}/blobServices/default`,
      logs: allLogs,
    });
    for (const inputs of Object.values(byName)) expect(inputs.workspaceId).toBe(WORKSPACE);
  });

  it("requires targets.planId on Elastic Premium", async () => {
    const targets = { ...IDS, planId: undefined };
    await expect(build("production", { targets })).rejects.toThrow(
      "targets.planId is missing; Elastic Premium plans need it for the CPU and memory alerts",
    );
  });

  it("rejects targets.planId on Flex Consumption", async () => {
    await expect(build("staging", { targets: IDS })).rejects.toThrow(
      "targets.planId must be omitted on Flex Consumption, which has no CpuPercentage/MemoryPercentage plan metrics",
    );
  });
});
