import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";
import type { PolicyResource } from "@pulumi/policy";
import type { BaseConfig } from "../lib/config";
import { type PropsOf, resourceRule, stackRule, typeToken } from "../lib/rule";
import { known, ofType, sourcesOf, UNKNOWN } from "../lib/stack";
import { listOf, recordOf, recordsOf, stringOf } from "../lib/values";

type ComponentProps = PropsOf<typeof applicationinsights.Component>;
type WorkspaceProps = PropsOf<typeof operationalinsights.Workspace>;
type ActionGroupProps = PropsOf<typeof monitor.ActionGroup>;
type DiagnosticProps = PropsOf<typeof monitor.DiagnosticSetting>;
type WebTestProps = PropsOf<typeof applicationinsights.WebTest>;
const learn = "https://learn.microsoft.com/azure/azure-monitor";

/** Application Insights is workspace-based (classic is retired; without a workspace Azure makes an untracked one). */
export const applicationInsightsComponentEnforceWorkspaceBased = resourceRule<ComponentProps>({
  name: "applicationinsights-component-enforce-workspace-based",
  description: "Application Insights component workspaceResourceId is set.",
  enforcementLevel: "mandatory",
  resources: [applicationinsights.Component],
  meta: {
    profile: "platform",
    checklist: ["errorTracking", "monitoring"],
    severity: "medium",
    remediationSteps: "Set workspaceResourceId to the stack's Log Analytics workspace id.",
    anchors: { azurePolicy: ["Monitoring/ApplicationInsightsComponent_WorkspaceAssociation_Deny"] },
    url: `${learn}/app/convert-classic-resource`,
  },
  check: (component, _args, report) => {
    if (!component.workspaceResourceId) {
      report(
        "Application Insights has no workspace: set workspaceResourceId to the Log Analytics workspace.",
      );
    }
  },
});

/** Telemetry ingestion requires Entra auth. */
export const applicationInsightsComponentDisableLocalAuth = resourceRule<ComponentProps>({
  name: "applicationinsights-component-disable-local-auth",
  description:
    "Application Insights component disableLocalAuth is true; unset means instrumentation-key ingestion is accepted.",
  enforcementLevel: "advisory",
  resources: [applicationinsights.Component],
  meta: {
    checklist: ["identity"],
    severity: "low",
    remediationSteps: "Set disableLocalAuth: true and give the app identity Monitoring Metrics Publisher.",
    anchors: { azurePolicy: ["ApplicationInsightsComponents_DisableLocalAuth_Deny"] },
  },
  check: (component, _args, report) => {
    if (component.disableLocalAuth !== true) {
      report("Anyone with the connection string can send telemetry: set disableLocalAuth to true.");
    }
  },
});

interface RetentionConfig extends BaseConfig {
  /** Minimum retention in days. */
  readonly minDays: number;
}

/** Log retention meets the stack minimum (unset means 30 days). */
export const operationalInsightsWorkspaceConfigureRetention = resourceRule<WorkspaceProps, RetentionConfig>({
  name: "operationalinsights-workspace-configure-retention",
  description: "Log Analytics workspace retentionInDays is at least `minDays`; unset counts as 30.",
  enforcementLevel: "mandatory",
  resources: [operationalinsights.Workspace],
  config: { schema: { minDays: { type: "integer", minimum: 30, default: 30 } }, defaults: { minDays: 30 } },
  meta: {
    profile: "platform",
    checklist: ["monitoring"],
    severity: "medium",
    remediationSteps: "Set retentionInDays to the stack minimum (30 staging, 90 production).",
    anchors: {
      checkov: ["CKV_AZURE_37"],
      pulumi: ["PBP:log-analytics-retention", "PCIS:log-analytics-workspace-retention"],
    },
    url: `${learn}/logs/data-retention-configure`,
  },
  check: (ws, _args, report, config) => {
    const days = ws.retentionInDays ?? 30;
    if (days < config.minDays) {
      report(`Logs are kept ${days} days: set retentionInDays to at least ${config.minDays}.`);
    }
  },
});

/** Workspace queries and ingestion require Entra auth. */
export const operationalInsightsWorkspaceDisableLocalAuth = resourceRule<WorkspaceProps>({
  name: "operationalinsights-workspace-disable-local-auth",
  description: "Log Analytics workspace features.disableLocalAuth is true; unset means shared keys work.",
  enforcementLevel: "advisory",
  resources: [operationalinsights.Workspace],
  meta: {
    checklist: ["identity"],
    severity: "low",
    remediationSteps: "Set features.disableLocalAuth: true.",
    anchors: { azurePolicy: ["LogAnalyticsWorkspaces_DisableLocalAuth_Deny"] },
  },
  check: (ws, _args, report) => {
    if (ws.features?.disableLocalAuth !== true) {
      report("Workspace shared keys are accepted: set features.disableLocalAuth to true.");
    }
  },
});

/** Alerts reach people: the action group is enabled with a receiver. */
export const monitorActionGroupConfigureReceivers = resourceRule<ActionGroupProps>({
  name: "monitor-actiongroup-configure-receivers",
  description: "Action group is enabled and has at least one email or webhook receiver.",
  enforcementLevel: "mandatory",
  resources: [monitor.ActionGroup],
  meta: {
    profile: "platform",
    checklist: ["monitoring"],
    severity: "medium",
    remediationSteps:
      "Set enabled: true and add emailReceivers (the on-call list) or webhookReceivers (the chat/incident tool).",
    anchors: { checkov: ["CKV_AZURE_21", "CKV_AZURE_22"] },
  },
  check: (group, _args, report) => {
    if (group.enabled !== true) {
      report("Action group is disabled: set enabled to true.");
    }
    if ((group.emailReceivers ?? []).length + (group.webhookReceivers ?? []).length === 0) {
      report("Action group notifies nobody: add emailReceivers or webhookReceivers.");
    }
  },
});

/** The shape MetricAlert and ScheduledQueryRule share for this rule. */
interface AlertProps {
  readonly enabled?: boolean;
  readonly actions?:
    readonly { readonly actionGroupId?: string }[] | { readonly actionGroups?: readonly string[] };
}

function actionGroupIds(alert: AlertProps): string[] {
  // Entries that are not objects, and ids that are not strings, name no action group.
  const a: unknown = alert.actions;
  if (Array.isArray(a)) {
    return recordsOf(a)
      .map((x) => stringOf(x["actionGroupId"]) ?? "")
      .filter((id) => id !== "");
  }
  return (listOf(recordOf(a)?.["actionGroups"]) ?? []).filter((id): id is string => typeof id === "string");
}

/** Every alert is enabled and routed to an action group. */
export const monitorAlertConfigureActionGroup = resourceRule<AlertProps>({
  name: "monitor-alert-configure-action-group",
  description:
    "Metric alerts and scheduled query rules are enabled (scheduled query rules: unset means enabled) and name at least one action group.",
  enforcementLevel: "mandatory",
  resources: [monitor.MetricAlert, monitor.ScheduledQueryRule],
  meta: {
    profile: "platform",
    checklist: ["monitoring"],
    severity: "medium",
    remediationSteps:
      "Set enabled: true and add the stack's action group (actions[].actionGroupId / actions.actionGroups).",
    anchors: { checkov: ["CKV_AZURE_21"] },
  },
  check: (alert, _args, report) => {
    if (alert.enabled === false) {
      report("Alert is disabled: set enabled to true.");
    }
    if (actionGroupIds(alert).length === 0) {
      report("Alert fires into the void: add the stack's action group to its actions.");
    }
  },
});

interface CoverageConfig extends BaseConfig {
  /** Type tokens that need coverage. */
  readonly coveredTypes: readonly string[];
}

const stateful = [
  dbforpostgresql.Server,
  redisenterprise.RedisEnterprise,
  keyvault.Vault,
  storage.StorageAccount,
  appconfiguration.ConfigurationStore,
];
const alertTargets = [dbforpostgresql.Server, redisenterprise.RedisEnterprise, web.WebApp];

function isFlexSite(r: PolicyResource): boolean {
  return r.type === typeToken(web.WebApp) && known(() => r.props["functionAppConfig"] !== undefined) === true;
}

/**
 * Resources whose alerts also watch `r`: its App Service plan, and the Application Insights components it reports to,
 * directly or through one intermediate resource (e.g. a Key Vault secret holding the connection string).
 */
function watchedThrough(r: PolicyResource): Set<string> {
  const related = new Set<string>();
  const planToken = typeToken(web.AppServicePlan);
  const componentToken = typeToken(applicationinsights.Component);
  for (const d of Object.values(r.propertyDependencies).flat()) {
    if (d.type === planToken || d.type === componentToken) {
      related.add(d.urn);
    }
    for (const dd of Object.values(d.propertyDependencies).flat()) {
      if (dd.type === componentToken) {
        related.add(dd.urn);
      }
    }
  }
  return related;
}

/** Each stateful resource and the API has an alert routed to an action group. */
export const monitorAlertMissingCoverage = stackRule<CoverageConfig>({
  name: "monitor-alert-missing-coverage",
  description:
    "Each resource of `coveredTypes` (PostgreSQL server, Managed Redis, the API WebApp) is in the scopes or criteria (propertyDependencies) of a MetricAlert or ScheduledQueryRule whose actions derive from an ActionGroup; an app is also covered by an alert on its App Service plan or on the Application Insights component it reports to (directly or through one resource such as a Key Vault secret).",
  enforcementLevel: "mandatory",
  resources: [...alertTargets, monitor.MetricAlert, monitor.ScheduledQueryRule, monitor.ActionGroup],
  config: {
    schema: { coveredTypes: { type: "array", items: { type: "string" } } },
    defaults: { coveredTypes: alertTargets.map(typeToken) },
  },
  meta: {
    profile: "platform",
    checklist: ["monitoring"],
    severity: "medium",
    remediationSteps:
      "Add a monitor.MetricAlert (scopes: [resource.id], e.g. CPU > 90%, connection failures) or a ScheduledQueryRule on the app's Application Insights, with the stack's action group.",
    anchors: { checkov: ["CKV_AZURE_21", "CKV_AZURE_22"] },
  },
  check: (args, report, config) => {
    const alerts = ofType(args.resources, monitor.MetricAlert, monitor.ScheduledQueryRule).filter((a) =>
      sourcesOf(a, "actions").some((d) => d.type === typeToken(monitor.ActionGroup)),
    );
    const scoped = new Set(
      alerts.flatMap((a) => [...sourcesOf(a, "scopes"), ...sourcesOf(a, "criteria")].map((d) => d.urn)),
    );
    for (const r of args.resources.filter((x) => config.coveredTypes.includes(x.type))) {
      const viaTelemetry = [...watchedThrough(r)].some((u) => scoped.has(u));
      if (!scoped.has(r.urn) && !viaTelemetry) {
        report(
          r,
          `'${r.name}' (${r.type}) has no alert routed to an action group: add a MetricAlert scoped to it with the stack's action group.`,
        );
      }
    }
  },
});

/** Each stateful resource and the API sends logs to the workspace. */
export const monitorDiagnosticSettingMissingCoverage = stackRule<CoverageConfig>({
  name: "monitor-diagnosticsetting-missing-coverage",
  description:
    "Each resource of `coveredTypes` (PostgreSQL, Managed Redis, Key Vault, storage, App Configuration, WebApp) has a DiagnosticSetting whose resourceUri derives from it (propertyDependencies) and whose workspaceId is set; Flex Consumption sites are skipped (diagnostic settings unsupported there).",
  enforcementLevel: "mandatory",
  resources: [...stateful, web.WebApp, monitor.DiagnosticSetting],
  config: {
    schema: { coveredTypes: { type: "array", items: { type: "string" } } },
    defaults: { coveredTypes: [...stateful, web.WebApp].map(typeToken) },
  },
  meta: {
    profile: "platform",
    checklist: ["monitoring"],
    severity: "medium",
    remediationSteps:
      "Add monitor.DiagnosticSetting {resourceUri: resource.id, workspaceId: workspace.id, logs: [{categoryGroup:'allLogs', enabled:true}]}.",
    anchors: { azurePolicy: ["PostgreSQL/FlexibleServers_DiagnosticSettings_LogAnalytics_DINE"] },
  },
  check: (args, report, config) => {
    const settings = ofType(args.resources, monitor.DiagnosticSetting);
    const covered = new Set(
      settings
        .filter((s) => {
          const ws = known(() => s.props["workspaceId"] as unknown);
          return (
            ws === UNKNOWN || (typeof ws === "string" && ws !== "") || sourcesOf(s, "workspaceId").length > 0
          );
        })
        .flatMap((s) => sourcesOf(s, "resourceUri").map((d) => d.urn)),
    );
    for (const r of args.resources.filter((x) => config.coveredTypes.includes(x.type))) {
      if (isFlexSite(r)) {
        continue;
      }
      if (!covered.has(r.urn)) {
        report(
          r,
          `'${r.name}' (${r.type}) sends no logs to the workspace: add a DiagnosticSetting with resourceUri = its id and workspaceId.`,
        );
      }
    }
  },
});

/** A diagnostic setting sends logs or metrics to the workspace. */
export const monitorDiagnosticSettingConfigureWorkspace = resourceRule<DiagnosticProps>({
  name: "monitor-diagnosticsetting-configure-workspace",
  description: "Diagnostic setting has workspaceId set and at least one enabled log or metric entry.",
  enforcementLevel: "mandatory",
  resources: [monitor.DiagnosticSetting],
  meta: {
    profile: "platform",
    checklist: ["monitoring"],
    severity: "low",
    remediationSteps:
      "Set workspaceId and logs: [{categoryGroup:'allLogs', enabled:true}] (plus metrics AllMetrics).",
  },
  check: (setting, _args, report) => {
    if (!setting.workspaceId) {
      report("Diagnostic setting has no workspace: set workspaceId.");
    }
    const enabled = [...recordsOf(setting.logs), ...recordsOf(setting.metrics)].some((l) => l["enabled"]);
    if (!enabled) {
      report("Diagnostic setting collects nothing: enable at least one log category group or metric.");
    }
  },
});

interface HealthTestConfig extends BaseConfig {
  /** Path the availability test must request. */
  readonly healthPath: string;
}

/** The API's health endpoint is covered by a standard availability test. */
export const applicationInsightsWebTestMissingHealthCheck = stackRule<HealthTestConfig>({
  name: "applicationinsights-webtest-missing-health-check",
  description:
    "Each WebApp is probed by an applicationinsights WebTest whose request derives from it (propertyDependencies) and whose URL contains `healthPath`.",
  enforcementLevel: "advisory",
  resources: [web.WebApp, applicationinsights.WebTest],
  config: {
    schema: { healthPath: { type: "string", default: "/health" } },
    defaults: { healthPath: "/health" },
  },
  meta: {
    profile: "platform",
    checklist: ["healthChecks", "monitoring"],
    severity: "low",
    remediationSteps:
      "Add applicationinsights.WebTest {kind:'standard', webTestKind:'standard', request:{requestUrl: https://<app host>/api/health}} with the hidden-link tag.",
    url: `${learn}/app/availability-standard-tests`,
  },
  check: (args, report, config) => {
    const tests = ofType(args.resources, applicationinsights.WebTest);
    for (const app of ofType(args.resources, web.WebApp)) {
      const probed = tests.some((t) => {
        if (!sourcesOf(t, "request").some((d) => d.urn === app.urn)) {
          return false;
        }
        const url = known(() => stringOf(recordOf(t.props["request"])?.["requestUrl"]));
        return url === UNKNOWN || (url ?? "").includes(config.healthPath);
      });
      if (!probed) {
        report(
          app,
          `'${app.name}' has no availability test on ${config.healthPath}: add a standard WebTest requesting it.`,
        );
      }
    }
  },
});

/** URL ping (retiring 2026-09-30) and multi-step (retired) tests are not created. */
export const applicationInsightsWebTestDisallowPingTests = resourceRule<WebTestProps>({
  name: "applicationinsights-webtest-disallow-ping-tests",
  description:
    "Application Insights web test webTestKind (and kind) is 'standard', not the retired 'ping' or 'multistep'.",
  enforcementLevel: "mandatory",
  resources: [applicationinsights.WebTest],
  meta: {
    profile: "platform",
    checklist: ["healthChecks", "governance"],
    severity: "medium",
    remediationSteps:
      "Use webTestKind: 'standard' and kind: 'standard' with a request block and validationRules.",
    url: `${learn}/app/availability-overview`,
  },
  check: (test, _args, report) => {
    if (test.webTestKind !== "standard") {
      report(`webTestKind is '${test.webTestKind}': use 'standard' (URL ping tests retire 2026-09-30).`);
    }
  },
});

/** Web tests carry the hidden-link tag ARM requires. */
export const applicationInsightsWebTestMissingHiddenLinkTag = resourceRule<WebTestProps>({
  name: "applicationinsights-webtest-missing-hidden-link-tag",
  description:
    "Application Insights web test has a tag 'hidden-link:<component id>' = 'Resource' (ARM rejects the test without it).",
  enforcementLevel: "mandatory",
  resources: [applicationinsights.WebTest],
  meta: {
    profile: "platform",
    checklist: ["healthChecks"],
    severity: "medium",
    remediationSteps:
      "Add tags: { [`hidden-link:${component.id}`]: 'Resource' } (build the key with pulumi.interpolate / apply).",
  },
  check: (test, _args, report) => {
    const tags = test.tags ?? {};
    if (!Object.entries(tags).some(([k, v]) => k.startsWith("hidden-link:") && v === "Resource")) {
      report(
        "Web test has no 'hidden-link:<component id>': 'Resource' tag: add it, or the deployment fails.",
      );
    }
  },
});
