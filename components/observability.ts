import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoringConfig } from "../config/schema";
import type { Naming } from "./naming";

/** Arguments for {@link Observability}. */
export interface ObservabilityArgs {
  /** Physical names for the stack. */
  readonly naming: Naming;
  /** Resource group the workspace, Application Insights and action group go in. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region of the workspace and Application Insights. */
  readonly location: string;
  /** Monitoring section of the stack config (retention, local auth, alert e-mails). */
  readonly config: MonitoringConfig;
}

/**
 * Log Analytics workspace, workspace-based Application Insights (classic, workspace-less resources were retired
 * and Azure would create an untracked managed workspace) and the e-mail action group every alert notifies.
 * Workspace shared keys are off (queries and ingestion use Entra ID). With `appInsightsLocalAuth` false, telemetry
 * needs Entra too: the API identity needs Monitoring Metrics Publisher on the component and
 * `APPLICATIONINSIGHTS_AUTHENTICATION_STRING`, and the browser JavaScript SDK cannot send at all.
 */
export class Observability extends pulumi.ComponentResource {
  /** Log Analytics workspace resource id (diagnostic settings destination). */
  readonly workspaceId: pulumi.Output<string>;
  /** Workspace GUID the Log Analytics query API takes. */
  readonly workspaceCustomerId: pulumi.Output<string>;
  /** Application Insights resource id. */
  readonly appInsightsId: pulumi.Output<string>;
  /** Application Insights resource name. */
  readonly appInsightsName: pulumi.Output<string>;
  /** APPLICATIONINSIGHTS_CONNECTION_STRING value (secret). */
  readonly connectionString: pulumi.Output<string>;
  /** Action group id for alerts. */
  readonly actionGroupId: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:monitoring:Observability", name, {}, opts);
    const { config, naming } = args;

    const workspace = new operationalinsights.Workspace(
      `${name}-workspace`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        workspaceName: naming.plain("log"),
        sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
        retentionInDays: config.logRetentionDays,
        features: { disableLocalAuth: true },
      },
      { parent: this },
    );

    const appInsights = new applicationinsights.Component(
      `${name}-appinsights`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        resourceName: naming.plain("appi"),
        kind: "web",
        applicationType: applicationinsights.ApplicationType.Web,
        workspaceResourceId: workspace.id,
        ingestionMode: applicationinsights.IngestionMode.LogAnalytics,
        disableLocalAuth: !config.appInsightsLocalAuth,
      },
      // azure-native does not mark these outputs secret; without this the real state holds them in plain text.
      { parent: this, additionalSecretOutputs: ["connectionString", "instrumentationKey"] },
    );

    const actionGroup = new monitor.ActionGroup(
      `${name}-actiongroup`,
      {
        resourceGroupName: args.resourceGroupName,
        location: "global",
        actionGroupName: naming.plain("ag"),
        groupShortName: naming.shortName(),
        enabled: true,
        emailReceivers: config.alertEmails.map((emailAddress, i) => ({
          name: `email-${i + 1}`,
          emailAddress,
          useCommonAlertSchema: true,
        })),
      },
      { parent: this },
    );

    this.workspaceId = workspace.id;
    this.workspaceCustomerId = workspace.customerId;
    this.appInsightsId = appInsights.id;
    this.appInsightsName = appInsights.name;
    this.connectionString = pulumi.secret(appInsights.connectionString);
    this.actionGroupId = actionGroup.id;
    this.registerOutputs({
      workspaceId: this.workspaceId,
      workspaceCustomerId: this.workspaceCustomerId,
      appInsightsId: this.appInsightsId,
      appInsightsName: this.appInsightsName,
      connectionString: this.connectionString,
      actionGroupId: this.actionGroupId,
    });
  }
}
