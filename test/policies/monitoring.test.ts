import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as web from "@pulumi/azure-native/web";
import { describe, expect, it } from "vitest";
import * as m from "../../policies/rules/monitoring";
import { unknownString } from "../../offline/policy-engine/sdk-internals";
import { expectCase, type RuleCase, StackFixture, stackOutcome, stackViolations } from "./helpers";

const component = {
  resourceGroupName: "rg",
  kind: "web",
  applicationType: "web",
  workspaceResourceId: "/ws",
  disableLocalAuth: true,
};
const workspace = { resourceGroupName: "rg", retentionInDays: 90, features: { disableLocalAuth: true } };

describe("Application Insights and Log Analytics rules", () => {
  it.each<RuleCase>([
    { it: "passes a workspace-based component", expect: null },
    {
      it: "fails a classic component",
      set: { workspaceResourceId: undefined },
      expect: "set workspaceResourceId",
    },
  ])("workspace-based: $it", (c) =>
    expectCase(
      m.applicationInsightsComponentEnforceWorkspaceBased,
      applicationinsights.Component,
      component,
      c,
    ),
  );
  it.each<RuleCase>([
    { it: "passes local auth off", expect: null },
    { it: "fails when unset", set: { disableLocalAuth: undefined }, expect: "disableLocalAuth to true" },
  ])("local auth: $it", (c) =>
    expectCase(m.applicationInsightsComponentDisableLocalAuth, applicationinsights.Component, component, c),
  );
  it.each<RuleCase>([
    { it: "passes 90 days in production", config: { minDays: 90 }, expect: null },
    {
      it: "treats unset retention as 30 days",
      set: { retentionInDays: undefined },
      config: { minDays: 30 },
      expect: null,
    },
    {
      it: "fails 30 days against a 90-day minimum",
      set: { retentionInDays: 30 },
      config: { minDays: 90 },
      expect: "at least 90",
    },
  ])("retention: $it", (c) =>
    expectCase(m.operationalInsightsWorkspaceConfigureRetention, operationalinsights.Workspace, workspace, c),
  );
  it.each<RuleCase>([
    { it: "passes local auth off", expect: null },
    { it: "fails when unset", set: { features: undefined }, expect: "features.disableLocalAuth" },
  ])("workspace local auth: $it", (c) =>
    expectCase(m.operationalInsightsWorkspaceDisableLocalAuth, operationalinsights.Workspace, workspace, c),
  );
});

describe("alerting rules", () => {
  const group = {
    resourceGroupName: "rg",
    groupShortName: "oncall",
    enabled: true,
    emailReceivers: [{ name: "oncall", emailAddress: "o@example.com" }],
  };
  it.each<RuleCase>([
    { it: "passes an enabled group with an email receiver", expect: null },
    { it: "fails a disabled group", set: { enabled: false }, expect: "enabled to true" },
    { it: "fails a group without receivers", set: { emailReceivers: [] }, expect: "notifies nobody" },
  ])("action group: $it", (c) =>
    expectCase(m.monitorActionGroupConfigureReceivers, monitor.ActionGroup, group, c),
  );

  const metric = {
    resourceGroupName: "rg",
    enabled: true,
    scopes: ["/pg"],
    severity: 2,
    evaluationFrequency: "PT1M",
    windowSize: "PT5M",
    criteria: {},
    actions: [{ actionGroupId: "/ag" }],
  };
  it.each<RuleCase>([
    { it: "passes an enabled metric alert with an action group", expect: null },
    { it: "fails a metric alert without actions", set: { actions: [] }, expect: "fires into the void" },
    { it: "fails a disabled metric alert", set: { enabled: false }, expect: "Alert is disabled" },
    {
      it: "passes a scheduled query rule with action groups",
      cls: monitor.ScheduledQueryRule,
      props: { scopes: ["/ai"], actions: { actionGroups: ["/ag"] } },
      expect: null,
    },
    {
      it: "fails a scheduled query rule without action groups",
      cls: monitor.ScheduledQueryRule,
      props: { scopes: ["/ai"], actions: {} },
      expect: "fires into the void",
    },
  ])("alert actions: $it", (c) =>
    expectCase(m.monitorAlertConfigureActionGroup, monitor.MetricAlert, metric, c),
  );

  const stack = () =>
    new StackFixture()
      .add(monitor.ActionGroup, "oncall", group)
      .add(dbforpostgresql.Server, "pg", {})
      .add(applicationinsights.Component, "appi", component)
      .add(web.WebApp, "api", {}, { from: { siteConfig: ["appi"] } })
      .add(monitor.MetricAlert, "pg-cpu", metric, { from: { scopes: ["pg"], actions: ["oncall"] } })
      .add(monitor.ScheduledQueryRule, "api-errors", {}, { from: { scopes: ["appi"], actions: ["oncall"] } });
  const p = m.monitorAlertMissingCoverage;
  it("passes when the server has a metric alert and the API a log alert on its telemetry", async () =>
    expect(await stackViolations(p, stack())).toEqual([]));
  it("fails a server without an alert", async () =>
    expect(await stackViolations(p, stack().remove("pg-cpu"))).toEqual([expect.stringMatching(/^pg: /)]));
  it("fails an alert that is not routed to an action group", async () =>
    expect(
      await stackViolations(p, stack().update("pg-cpu", { opts: { from: { scopes: ["pg"] } } })),
    ).toEqual([expect.stringMatching(/^pg: /)]));
  it("fails the API when nothing watches it or its telemetry", async () =>
    expect(await stackViolations(p, stack().remove("api-errors"))).toEqual([
      expect.stringMatching(/^api: /),
    ]));
});

describe("diagnostic settings", () => {
  const setting = {
    resourceUri: "/pg",
    workspaceId: "/ws",
    logs: [{ categoryGroup: "allLogs", enabled: true }],
  };
  it.each<RuleCase>([
    { it: "passes logs to a workspace", expect: null },
    { it: "fails without a workspace", set: { workspaceId: undefined }, expect: "set workspaceId" },
    {
      it: "fails when nothing is collected",
      set: { logs: [{ categoryGroup: "allLogs", enabled: false }] },
      expect: "collects nothing",
    },
  ])("$it", (c) =>
    expectCase(m.monitorDiagnosticSettingConfigureWorkspace, monitor.DiagnosticSetting, setting, c),
  );

  const stack = () =>
    new StackFixture()
      .add(operationalinsights.Workspace, "ws", workspace)
      .add(dbforpostgresql.Server, "pg", {})
      .add(monitor.DiagnosticSetting, "pg-diag", setting, {
        from: { resourceUri: ["pg"], workspaceId: ["ws"] },
      });
  const p = m.monitorDiagnosticSettingMissingCoverage;
  it("passes a server whose logs go to the workspace", async () =>
    expect(await stackViolations(p, stack())).toEqual([]));
  it("fails a server without a diagnostic setting", async () =>
    expect(await stackViolations(p, stack().remove("pg-diag"))).toEqual([
      expect.stringMatching(/^pg: .*sends no logs/),
    ]));
  it("skips Flex Consumption sites, which do not support diagnostic settings", async () =>
    expect(await stackViolations(p, stack().add(web.WebApp, "api", { functionAppConfig: {} }))).toEqual([]));
  it("fails a classic site without a diagnostic setting", async () =>
    expect(await stackViolations(p, stack().add(web.WebApp, "api", {}))).toEqual([
      expect.stringMatching(/^api: /),
    ]));
  it("counts a workspace id that is unknown during preview as set", async () => {
    const outcome = await stackOutcome(
      p,
      stack().update("pg-diag", {
        props: { workspaceId: unknownString },
        opts: { from: { resourceUri: ["pg"] } },
      }),
    );
    expect(outcome).toEqual({ violations: [] });
  });
});

describe("availability tests", () => {
  const test = {
    resourceGroupName: "rg",
    kind: "standard",
    webTestKind: "standard",
    syntheticMonitorId: "t",
    locations: [],
    request: { requestUrl: "https://api.example.net/api/health" },
    tags: { "hidden-link:/subscriptions/s/components/appi": "Resource" },
  };
  const W = applicationinsights.WebTest;
  it.each<RuleCase>([
    { it: "passes a standard test", expect: null },
    { it: "fails a URL ping test", set: { webTestKind: "ping" }, expect: "use 'standard'" },
  ])("kind: $it", (c) => expectCase(m.applicationInsightsWebTestDisallowPingTests, W, test, c));
  it.each<RuleCase>([
    { it: "passes with the hidden-link tag", expect: null },
    { it: "fails without it", set: { tags: { environment: "production" } }, expect: "hidden-link" },
  ])("tag: $it", (c) => expectCase(m.applicationInsightsWebTestMissingHiddenLinkTag, W, test, c));

  const stack = () =>
    new StackFixture().add(web.WebApp, "api", {}).add(W, "api-health", test, { from: { request: ["api"] } });
  const p = m.applicationInsightsWebTestMissingHealthCheck;
  it("passes an API probed on /health", async () => expect(await stackViolations(p, stack())).toEqual([]));
  it("fails an API without a test", async () =>
    expect(await stackViolations(p, stack().remove("api-health"))).toEqual([
      expect.stringMatching(/^api: /),
    ]));
  it("fails a test on another path", async () =>
    expect(
      await stackViolations(
        p,
        stack().update("api-health", { props: { request: { requestUrl: "https://api.example.net/" } } }),
      ),
    ).toHaveLength(1));
});
