import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as monitor from "@pulumi/azure-native/monitor";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../config/schema";
import {
  type AlertTargets,
  diagnosticSettings,
  ERROR_RATE_QUERY,
  metricRules,
  P95_QUERY,
  WEB_TEST_LOCATIONS,
} from "./alertRules";
import type { Naming } from "./naming";

export type { AlertTargets } from "./alertRules";

/** Arguments for {@link Alerts}. */
export interface AlertsArgs {
  /** Physical names for the stack. */
  readonly naming: Naming;
  /** Resource group the alert rules and web test go in. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region of the log alerts and the web test (the workspace's region). */
  readonly location: string;
  /** Monitoring section of the stack config (thresholds, availability test). */
  readonly config: MonitoringConfig;
  /** Action group every alert notifies. */
  readonly actionGroupId: pulumi.Input<string>;
  /** Log Analytics workspace: log-alert scope and diagnostic settings destination. */
  readonly workspaceId: pulumi.Input<string>;
  /** Application Insights resource the web test reports to. */
  readonly appInsightsId: pulumi.Input<string>;
  /** Public URL of the API health endpoint, e.g. https://func-....azurewebsites.net/health. */
  readonly healthUrl: pulumi.Input<string>;
  /** Resources to alert on and to send diagnostics from. */
  readonly targets: AlertTargets;
  /** API hosting plan; Flex Consumption has neither plan metrics nor diagnostic settings. */
  readonly apiPlan: "FlexConsumption" | "ElasticPremium";
  /** Operations on the host storage account its diagnostic settings must follow (`Api.storageLastOperation`). */
  readonly storageAfter?: pulumi.Resource[];
}

const WINDOW = "PT5M";

/**
 * Metric and log alerts with the stack's thresholds, a standard availability test of `/health` with its
 * location-failure alert, and diagnostic settings that send every supported log and metric to the workspace.
 */
export class Alerts extends pulumi.ComponentResource {
  /** Availability web test id (undefined when the test is disabled). */
  readonly webTestId: pulumi.Output<string> | undefined;
  /** Names of every alert rule created, in creation order. */
  readonly alertNames: string[];

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:monitoring:Alerts", name, {}, opts);
    const { config, naming, targets } = args;
    const elastic = args.apiPlan === "ElasticPremium";
    if (elastic && targets.planId === undefined) {
      throw new pulumi.ResourceError(
        "targets.planId is missing; Elastic Premium plans need it for the CPU and memory alerts",
        this,
      );
    }
    if (!elastic && targets.planId !== undefined) {
      throw new pulumi.ResourceError(
        "targets.planId must be omitted on Flex Consumption, which has no CpuPercentage/MemoryPercentage plan metrics",
        this,
      );
    }
    const base = { resourceGroupName: args.resourceGroupName };
    const ruleName = (role: string) => `${naming.plain("alert")}-${role}`;
    this.alertNames = [];

    for (const rule of metricRules(config.thresholds, targets, args.appInsightsId)) {
      this.alertNames.push(ruleName(rule.role));
      new monitor.MetricAlert(
        `${name}-${rule.role}`,
        {
          ...base,
          ruleName: ruleName(rule.role),
          location: "global",
          description: rule.description,
          enabled: true,
          severity: rule.severity,
          evaluationFrequency: "PT1M",
          windowSize: WINDOW,
          autoMitigate: true,
          scopes: [rule.scope],
          criteria: {
            odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
            allOf: [
              {
                criterionType: "StaticThresholdCriterion",
                name: rule.metric,
                metricNamespace: rule.namespace,
                metricName: rule.metric,
                operator: monitor.Operator.GreaterThan,
                threshold: rule.threshold,
                timeAggregation: rule.aggregation,
              },
            ],
          },
          actions: [{ actionGroupId: args.actionGroupId }],
        },
        { parent: this },
      );
    }

    const logRules = [
      {
        role: "error-rate",
        description: `API failed-request rate above ${config.thresholds.errorRatePercent}%`,
        query: ERROR_RATE_QUERY,
        column: "FailedPercent",
        threshold: config.thresholds.errorRatePercent,
        severity: 1,
      },
      {
        role: "p95-latency",
        description: `API p95 response time above ${config.thresholds.p95LatencyMs} ms`,
        query: P95_QUERY,
        column: "P95",
        threshold: config.thresholds.p95LatencyMs,
        severity: 2,
      },
    ];
    for (const rule of logRules) {
      this.alertNames.push(ruleName(rule.role));
      new monitor.ScheduledQueryRule(
        `${name}-${rule.role}`,
        {
          ...base,
          ruleName: ruleName(rule.role),
          location: args.location,
          kind: monitor.Kind.LogAlert,
          description: rule.description,
          enabled: true,
          severity: rule.severity,
          evaluationFrequency: WINDOW,
          windowSize: WINDOW,
          autoMitigate: true,
          // AppRequests may not exist in a new workspace until the first request arrives; validation would fail.
          skipQueryValidation: true,
          scopes: [args.workspaceId],
          criteria: {
            allOf: [
              {
                query: pulumi.output(args.appInsightsId).apply(rule.query),
                timeAggregation: monitor.TimeAggregation.Maximum,
                metricMeasureColumn: rule.column,
                // ScheduledQueryRule wants "GreaterThan"; the SDK's ConditionOperator enum holds "gt" (another API's).
                operator: monitor.Operator.GreaterThan,
                threshold: rule.threshold,
                failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
              },
            ],
          },
          actions: { actionGroups: [args.actionGroupId] },
        },
        { parent: this },
      );
    }

    this.webTestId = config.availabilityTest.enabled ? this.availability(name, args, ruleName) : undefined;
    diagnosticSettings(
      name,
      { targets, workspaceId: args.workspaceId, functionApp: elastic, storageAfter: args.storageAfter },
      this,
    );

    this.registerOutputs({ webTestId: this.webTestId, alertNames: this.alertNames });
  }

  private availability(
    name: string,
    args: AlertsArgs,
    ruleName: (role: string) => string,
  ): pulumi.Output<string> {
    const test = args.config.availabilityTest;
    const webTestName = args.naming.plain("webtest-health");
    const webTest = new applicationinsights.WebTest(
      `${name}-health-test`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        webTestName,
        syntheticMonitorId: webTestName,
        description:
          "GET /health from five regions; passes on HTTP 200 with status ok and a valid certificate",
        kind: applicationinsights.WebTestKind.Standard,
        webTestKind: applicationinsights.WebTestKind.Standard,
        enabled: true,
        frequency: test.frequencySeconds,
        timeout: 30,
        retryEnabled: true,
        locations: WEB_TEST_LOCATIONS.map((location) => ({ location })),
        request: { requestUrl: args.healthUrl, httpVerb: "GET", parseDependentRequests: false },
        validationRules: {
          expectedHttpStatusCode: 200,
          sSLCheck: true,
          sSLCertRemainingLifetimeCheck: 7,
          contentValidation: { contentMatch: '"status":"ok"', ignoreCase: false, passIfTextFound: true },
        },
        tags: pulumi.output(args.appInsightsId).apply((id) => ({ [`hidden-link:${id}`]: "Resource" })),
      },
      { parent: this },
    );
    this.alertNames.push(ruleName("availability"));
    new monitor.MetricAlert(
      `${name}-availability`,
      {
        resourceGroupName: args.resourceGroupName,
        ruleName: ruleName("availability"),
        location: "global",
        description: `Health endpoint failing from ${test.failedLocations} or more locations`,
        enabled: true,
        severity: 1,
        evaluationFrequency: "PT1M",
        windowSize: WINDOW,
        autoMitigate: true,
        scopes: [webTest.id, args.appInsightsId],
        criteria: {
          odataType: "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria",
          webTestId: webTest.id,
          componentId: args.appInsightsId,
          failedLocationCount: test.failedLocations,
        },
        actions: [{ actionGroupId: args.actionGroupId }],
      },
      { parent: this },
    );
    return webTest.id;
  }
}
