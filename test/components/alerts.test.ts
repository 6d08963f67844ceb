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
    targets: elastic ? { ...rest, planId } : rest,
    apiPlan: cfg.api.plan,
    ...patch,
  };
}

const build = (stack: Stack, patch: Partial<AlertsArgs> = {}) =>
  record(() => new Alerts("alerts", argsFor(stack, patch)));

const thresholdsByMetric = (resources: Awaited<ReturnType<typeof build>>) =>
  Object.fromEntries(
    ofType(resources, "azure-native:monitor:MetricAlert")
      .filter((r) => r.name !== "alerts-availability")
      .map((r) => {
        const c = (r.inputs.criteria as { allOf: { metricName: string; threshold: number }[] }).allOf[0];
        return [c.metricName, c.threshold];
      }),
  );

describe("Alerts", () => {
  it("staging (Flex Consumption) has 5 metric alerts, 2 log alerts, 1 web test and 7 diagnostic settings", async () => {
    expect(countByType(await build("staging"))).toEqual({
      "azure-native:applicationinsights:WebTest": 1,
      "azure-native:monitor:DiagnosticSetting": 7,
      "azure-native:monitor:MetricAlert": 5,
      "azure-native:monitor:ScheduledQueryRule": 2,
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
      "azure-native:monitor:ScheduledQueryRule": 2,
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
    for (const rule of ofType(result, "azure-native:monitor:ScheduledQueryRule")) {
      expect(rule.inputs).toMatchObject({
        kind: "LogAlert",
        location: "westeurope",
        skipQueryValidation: true,
        scopes: [WORKSPACE],
        actions: { actionGroups: [ACTION_GROUP] },
        evaluationFrequency: "PT5M",
        windowSize: "PT5M",
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

  it("alerts when the configured number of test locations fail", async () => {
    const result = await build("staging");
    const alert = one(result, "azure-native:monitor:MetricAlert", "-availability");
    const webTestId = String(
      one(result, "azure-native:applicationinsights:WebTest").inputs.syntheticMonitorId,
    );
    expect(alert.inputs.criteria).toMatchObject({
      odataType: "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria",
      componentId: APPI,
      failedLocationCount: 3,
    });
    const criteria = alert.inputs.criteria as { webTestId: string };
    expect(criteria.webTestId).toMatch(/\/WebTest\/alerts-health-test$/);
    expect(alert.inputs.scopes).toEqual([criteria.webTestId, APPI]);
    expect(alert.inputs.actions).toEqual([{ actionGroupId: ACTION_GROUP }]);
    expect(webTestId).toBe("webtest-health-shop-stg");
  });

  it("creates no web test when the availability test is disabled", async () => {
    const cfg = stackConfig("staging", {
      monitoring: { availabilityTest: { enabled: false, frequencySeconds: 300, failedLocations: 3 } },
    });
    const result = await build("staging", { config: cfg.monitoring });
    expect(ofType(result, "azure-native:applicationinsights:WebTest")).toHaveLength(0);
    expect(ofType(result, "azure-native:monitor:MetricAlert", "-availability")).toHaveLength(0);
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
