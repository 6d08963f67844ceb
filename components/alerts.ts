import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as monitor from "@pulumi/azure-native/monitor";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../config/schema";
import { FAILED_RUN_QUERY } from "./alertQueries";
import { type AlertTargets, type LogRule, logRules, metricRules, WEB_TEST_LOCATIONS } from "./alertRules";
import { diagnosticSettings } from "./diagnostics";
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
  /** Text a healthy response body contains (`api.healthCheckBody`): the web test's content match. */
  readonly healthCheckBody: string;
  /** Resources to alert on and to send diagnostics from. */
  readonly targets: AlertTargets;
  /** API hosting plan; Flex Consumption has neither plan metrics nor diagnostic settings. */
  readonly apiPlan: "FlexConsumption" | "ElasticPremium";
  /** Operations on the host storage account its diagnostic settings must follow (`Api.storageLastOperation`). */
  readonly storageAfter?: pulumi.Resource[];
  /** Operations on the uploads storage account its diagnostic settings must follow (`Uploads.lastOperation`). */
  readonly uploadsAfter?: pulumi.Resource[];
  /** The database size's `max_connections` (`postgresMaxConnections`); the connections alert is a share of it. */
  readonly databaseMaxConnections: number;
}

const WINDOW = "PT5M";

/**
 * Metric and log alerts with the stack's thresholds, a standard availability test of `/health` whose alert fires
 * after `consecutiveFailedRuns` failed runs in a row, and diagnostic settings that send every supported log and
 * metric to the workspace.
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
    const { cpuPercent, memoryPercent } = config.thresholds;
    if (elastic && (cpuPercent === undefined || memoryPercent === undefined)) {
      throw new pulumi.ResourceError(
        "config.thresholds.cpuPercent and memoryPercent are required on Elastic Premium (plan CPU and memory alerts)",
        this,
      );
    }
    if (!elastic && (cpuPercent !== undefined || memoryPercent !== undefined)) {
      throw new pulumi.ResourceError(
        "config.thresholds.cpuPercent and memoryPercent must be omitted on Flex Consumption, which exposes no plan CPU or memory percentage: such an alert could never fire",
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

    const metrics = metricRules(config.thresholds, targets, args.appInsightsId, args.databaseMaxConnections);
    for (const rule of metrics) {
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

    for (const rule of logRules(config.thresholds, args.appInsightsId, targets.redisClusterId)) {
      this.logAlert(name, args, ruleName, rule);
    }

    this.webTestId = config.availabilityTest.enabled ? this.availability(name, args, ruleName) : undefined;
    diagnosticSettings(
      name,
      {
        targets,
        workspaceId: args.workspaceId,
        functionApp: elastic,
        storageAfter: args.storageAfter,
        uploadsAfter: args.uploadsAfter,
      },
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
        description: `GET the health endpoint from five regions; passes on HTTP 200 with a body containing ${args.healthCheckBody} and a valid certificate`,
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
          contentValidation: { contentMatch: args.healthCheckBody, ignoreCase: false, passIfTextFound: true },
        },
        tags: pulumi.output(args.appInsightsId).apply((id) => ({ [`hidden-link:${id}`]: "Resource" })),
      },
      { parent: this },
    );
    this.logAlert(
      name,
      args,
      ruleName,
      {
        role: "availability",
        description: `Health endpoint failing in ${test.consecutiveFailedRuns} consecutive test runs (a run fails when ${test.failedLocations} or more of its locations fail)`,
        query: pulumi
          .output(args.appInsightsId)
          .apply((id) => FAILED_RUN_QUERY(id, webTestName, test.frequencySeconds)),
        column: "FailedLocations",
        aggregation: "Maximum",
        operator: "GreaterThanOrEqual",
        threshold: test.failedLocations,
        severity: 1,
        window: `PT${test.frequencySeconds / 60}M`,
        consecutiveWindows: test.consecutiveFailedRuns,
      },
      [webTest],
    );
    return webTest.id;
  }

  /**
   * A log alert on the workspace. Each evaluation looks at one window; `consecutiveWindows` failing windows in a
   * row fire it (failing periods), so a window equal to the availability test's interval counts test runs.
   */
  private logAlert(
    name: string,
    args: AlertsArgs,
    ruleName: (role: string) => string,
    rule: LogRule,
    dependsOn: pulumi.Resource[] = [],
  ): void {
    const periods = rule.consecutiveWindows ?? 1;
    this.alertNames.push(ruleName(rule.role));
    new monitor.ScheduledQueryRule(
      `${name}-${rule.role}`,
      {
        resourceGroupName: args.resourceGroupName,
        ruleName: ruleName(rule.role),
        location: args.location,
        kind: monitor.Kind.LogAlert,
        description: rule.description,
        enabled: true,
        severity: rule.severity,
        evaluationFrequency: rule.window,
        windowSize: rule.window,
        autoMitigate: true,
        // The tables may not exist in a new workspace until the first row arrives; validation would fail.
        skipQueryValidation: true,
        scopes: [args.workspaceId],
        criteria: {
          allOf: [
            {
              query: rule.query,
              timeAggregation: monitor.TimeAggregation[rule.aggregation],
              metricMeasureColumn: rule.column,
              // ScheduledQueryRule wants "GreaterThan"; the SDK's ConditionOperator enum holds "gt" (another API's).
              operator: monitor.Operator[rule.operator],
              threshold: rule.threshold,
              failingPeriods: { numberOfEvaluationPeriods: periods, minFailingPeriodsToAlert: periods },
            },
          ],
        },
        actions: { actionGroups: [args.actionGroupId] },
      },
      { parent: this, dependsOn },
    );
  }
}
