import { describe, expect, it } from "vitest";
import { Observability } from "../../components/observability";
import { countByType, one, record, expectChildrenOf } from "../support";
import { stackConfig, namingFor } from "../support/config";

type Stack = "staging" | "production";

function build(stack: Stack, monitoring: Record<string, unknown> = {}) {
  const cfg = stackConfig(stack, { monitoring });
  const naming = namingFor(cfg, stack);
  return record(() => {
    const o = new Observability("obs", {
      naming,
      resourceGroupName: "rg-shop",
      location: cfg.environment.location,
      config: cfg.monitoring,
    });
    return {
      workspaceId: o.workspaceId,
      workspaceCustomerId: o.workspaceCustomerId,
      appInsightsId: o.appInsightsId,
      appInsightsName: o.appInsightsName,
      connectionString: o.connectionString,
      actionGroupId: o.actionGroupId,
    };
  });
}

describe("Observability", () => {
  it("creates one workspace, one Application Insights and one action group, parented and named from the component", async () => {
    const result = await build("staging");
    expect(countByType(result)).toEqual({
      "azure-native:applicationinsights:Component": 1,
      "azure-native:monitor:ActionGroup": 1,
      "azure-native:operationalinsights:Workspace": 1,
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:monitoring:Observability": 1,
    });
    expectChildrenOf(result, "obs");
  });

  it("keeps logs 30 days in staging and 90 days in production on PerGB2018, with workspace shared keys off", async () => {
    const staging = one(await build("staging"), "azure-native:operationalinsights:Workspace");
    const production = one(await build("production"), "azure-native:operationalinsights:Workspace");
    expect(staging.inputs.sku).toEqual({ name: "PerGB2018" });
    expect(staging.inputs.retentionInDays).toBe(30);
    expect(production.inputs.retentionInDays).toBe(90);
    expect(staging.inputs.workspaceName).toBe("log-shop-stg");
    expect(staging.inputs.features).toEqual({ disableLocalAuth: true });
    expect(production.inputs.features).toEqual({ disableLocalAuth: true });
  });

  it("makes Application Insights workspace-based, ingesting into Log Analytics", async () => {
    const result = await build("production");
    const appi = one(result, "azure-native:applicationinsights:Component");
    expect(appi.inputs).toMatchObject({
      kind: "web",
      applicationType: "web",
      ingestionMode: "LogAnalytics",
      resourceName: "appi-shop-prd",
    });
    expect(appi.inputs.workspaceResourceId).toBe(result.outputs.workspaceId);
    expect(appi.propertyDependencies.workspaceResourceId).toHaveLength(1);
  });

  it("turns off local auth in production only (appInsightsLocalAuth false)", async () => {
    const staging = one(await build("staging"), "azure-native:applicationinsights:Component");
    const production = one(await build("production"), "azure-native:applicationinsights:Component");
    expect(staging.inputs.disableLocalAuth).toBe(false);
    expect(production.inputs.disableLocalAuth).toBe(true);
  });

  it("notifies the configured e-mails with the common alert schema from a global action group", async () => {
    const ag = one(
      await build("staging", { alertEmails: ["a@example.com", "b@example.com"] }),
      "azure-native:monitor:ActionGroup",
    );
    expect(ag.inputs).toMatchObject({ location: "global", enabled: true, groupShortName: "shop-stg" });
    expect(String(ag.inputs.groupShortName).length).toBeLessThanOrEqual(12);
    expect(ag.inputs.emailReceivers).toEqual([
      { name: "email-1", emailAddress: "a@example.com", useCommonAlertSchema: true },
      { name: "email-2", emailAddress: "b@example.com", useCommonAlertSchema: true },
    ]);
  });

  it("exports the connection string as a secret and the workspace GUID for queries", async () => {
    const result = await build("production");
    expect(result.secretOutputs).toContain("connectionString");
    expect(String(result.outputs.connectionString)).toMatch(/^InstrumentationKey=/);
    expect(result.outputs.workspaceCustomerId).toBe("33333333-3333-3333-3333-333333333333");
    expect(result.outputs.appInsightsName).toBe("appi-shop-prd");
    expect(String(result.outputs.actionGroupId)).toMatch(/ActionGroup\/obs-actiongroup$/);
  });
});
