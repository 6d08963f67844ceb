import * as authorization from "@pulumi/azure-native/authorization";
import * as web from "@pulumi/azure-native/web";
import * as pulumi from "@pulumi/pulumi";
import type { ApiConfig } from "../config/schema";
import type { ReleaseConfig } from "../config/release";
import {
  type ApiRedisAccess,
  type ApiUploadsAccess,
  disableBasicAuth,
  grantIdentityAccess,
  hostIdentity,
  principalOf,
} from "./apiAccess";
import {
  CANARY_SLOT,
  canaryRampUp,
  flexFunctionAppConfig,
  planShape,
  siteShape,
  vnetIntegration,
  siteConfigLeaves,
} from "./apiHosting";
import { appSettings, siteConfig } from "./apiSettings";
import { type ApiNetworkArgs, hostStorage } from "./apiStorage";
import { apiProblems } from "./apiValidation";
import type { Naming } from "./naming";
import { type VaultRef, vaultSecret } from "./shared";

export type { ApiRedisAccess, ApiUploadsAccess } from "./apiAccess";
export type { ApiNetworkArgs } from "./apiStorage";

export { CANARY_SLOT } from "./apiHosting";

/** Arguments for {@link Api}. */
export interface ApiArgs {
  /** Physical names for the stack (function app, plan, storage account, endpoints). */
  readonly naming: Naming;
  /** Resource group of every API resource. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region. */
  readonly location: string;
  /** The stack's api section: plan, sizes, runtime, CORS, health path. */
  readonly config: ApiConfig;
  /** Releases: the site runs `stable`; the canary slot runs `candidate` (else stable) and gets `canaryPercentage`. */
  readonly release: ReleaseConfig;
  /** Protect the host storage account from deletion (`protectStateful`). */
  readonly protect: boolean;
  /** Network mode, integration subnet and storage private endpoints. */
  readonly network: ApiNetworkArgs;
  /** Env var name to versionless Key Vault secret URI (DATABASE_URL, JWT_SECRET, ...); each becomes a reference. */
  readonly secretUris: Readonly<Record<string, pulumi.Input<string>>>;
  /** Env var name to non-secret value (REDIS_URL without credentials, APP_CONFIG_ENDPOINT, ...). Default none. */
  readonly plainSettings?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Application Insights connection string; stored in `vault` and referenced, so it never sits in app settings. */
  readonly appInsightsConnectionString: pulumi.Input<string>;
  /** Application Insights component id: the app's identities get Monitoring Metrics Publisher for Entra ingestion. */
  readonly appInsightsId: pulumi.Input<string>;
  /** Key Vault resource id (Key Vault Secrets User scope). */
  readonly keyVaultId: pulumi.Input<string>;
  /** Where the Application Insights and (Elastic Premium) content-share connection strings are stored. */
  readonly vault: VaultRef;
  /** App Configuration store resource id (Data Reader scope). */
  readonly appConfigStoreId: pulumi.Input<string>;
  /** Azure Managed Redis database the identities get the `default` access policy on. */
  readonly redis: ApiRedisAccess;
  /** Web PubSub service (`Realtime.serviceId`) the identities get Web PubSub Service Owner on. Default none. */
  readonly webPubSubId?: pulumi.Input<string>;
  /** Origins of the stack's own frontends (`StaticSite.origins`), admitted by CORS beside `config.corsOrigins`. */
  readonly frontendOrigins?: pulumi.Input<string>[];
  /** Wait between the host identity's grants and the sites' creation (Go duration). Default 15m (`ROLE_PROPAGATION`). */
  readonly rolePropagation?: string;
  /** The uploads container the site's and the slot's identities get Storage Blob Data Contributor on. Default none. */
  readonly uploads?: ApiUploadsAccess;
  /** Host storage replication. Default Standard_ZRS on Elastic Premium, Standard_LRS on Flex Consumption. */
  readonly storageSku?: "Standard_LRS" | "Standard_ZRS";
}

/**
 * The API: a Linux Function App with a system-assigned identity for the application's data access (Key Vault, App
 * Configuration, Redis) and a user-assigned host identity, granted and given time to propagate before the site
 * exists, for the platform side: Key Vault references, identity-based host storage and Entra ID telemetry. Flex Consumption (`FC1`) deploys from a blob container (the release pipeline uploads
 * `release.stable.apiPackageUrl`'s zip there; `RELEASE_SHA256` records its digest) and has no slots. Elastic Premium
 * runs the package from its URL, and a `canary` slot runs the candidate; the site's ramp-up rule sends
 * `release.canaryPercentage` of traffic to it, so promotion and rollback are in-place updates of the site.
 */
export class Api extends pulumi.ComponentResource {
  /** Function app name. */
  readonly functionAppName: pulumi.Output<string>;
  /** Function app resource id. */
  readonly functionAppId: pulumi.Output<string>;
  /** App Service plan resource id (metric alerts). */
  readonly planId: pulumi.Output<string>;
  /** Host storage account resource id. */
  readonly storageAccountId: pulumi.Output<string>;
  /** Default host name, `<app>.azurewebsites.net`. */
  readonly defaultHostName: pulumi.Output<string>;
  /** `https://<defaultHostName>`. */
  readonly url: pulumi.Output<string>;
  /** Health endpoint URL (availability test, promotion gates). */
  readonly healthUrl: pulumi.Output<string>;
  /** Object id of the site's system-assigned identity. */
  readonly principalId: pulumi.Output<string>;
  /** Canary slot host name (Elastic Premium). */
  readonly canaryHostName?: pulumi.Output<string>;
  /** Canary slot URL (Elastic Premium). */
  readonly canaryUrl?: pulumi.Output<string>;
  /** Canary slot health URL (Elastic Premium). */
  readonly canaryHealthUrl?: pulumi.Output<string>;
  /** Canary slot resource id (Elastic Premium). */
  readonly canarySlotId?: pulumi.Output<string>;
  /** The last operation on the host storage account; later operations on it (diagnostic settings) wait for it. */
  readonly storageLastOperation: pulumi.Resource;

  constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:api:Api", name, {}, opts);
    const problems = apiProblems(args);
    if (problems.length > 0) throw new pulumi.ResourceError(problems.join("; "), this);

    const { config, release, naming, resourceGroupName, location, network } = args;
    const isFlex = config.plan === "FlexConsumption";
    const isPrivate = network.mode === "private";
    const plainSettings = args.plainSettings ?? {};
    const appName = naming.functionApp();
    const canaryShare = `${appName}-${CANARY_SLOT}`;

    const storage = hostStorage(
      name,
      {
        naming,
        resourceGroupName,
        location,
        plan: config.plan,
        sku: args.storageSku ?? (isFlex ? "Standard_LRS" : "Standard_ZRS"),
        protect: args.protect,
        network,
        contentShares: isFlex ? [] : [appName, canaryShare],
        vault: args.vault,
      },
      this,
    );

    const plan = new web.AppServicePlan(
      `${name}-plan`,
      { resourceGroupName, location, name: naming.plain("asp"), ...planShape(config) },
      { parent: this },
    );

    const appInsights = vaultSecret(
      `${name}-appinsights-connection`,
      args.vault,
      "api-appinsights-connection-string",
      args.appInsightsConnectionString,
      "text/plain",
      this,
    );
    const subscriptionId = authorization.getClientConfigOutput({ parent: this }).subscriptionId;
    const host = hostIdentity(
      name,
      {
        identityName: naming.plain("id-api"),
        resourceGroupName,
        location,
        keyVaultId: args.keyVaultId,
        storageAccountId: storage.account.id,
        appInsightsId: args.appInsightsId,
        subscriptionId,
        propagation: args.rolePropagation,
      },
      this,
    );
    const ready = [...storage.ready, host.propagated];
    const vnet = vnetIntegration(config.plan, network);
    const settingsFor = (r: ReleaseConfig["stable"], share: string, roleName: string) =>
      appSettings({
        plan: config.plan,
        runtimeName: config.runtime.name,
        storageAccountName: storage.account.name,
        hostIdentityClientId: host.identity.clientId,
        appInsightsSecretUri: appInsights.properties.secretUri,
        healthPath: config.healthCheckPath,
        roleName,
        release: r,
        contentShare:
          storage.contentConnectionSecretUri === undefined
            ? undefined
            : { name: share, connectionSecretUri: storage.contentConnectionSecretUri },
        contentOverVnet: isPrivate,
        secretUris: args.secretUris,
        plainSettings,
      });
    const common = { resourceGroupName, location, ...siteShape(plan.id, host.identity.id), ...vnet };
    const siteSettings = siteConfig({
      config,
      appSettings: settingsFor(release.stable, appName, appName),
      vnetRouteAll: !isFlex && "virtualNetworkSubnetId" in vnet,
      rampUpRules: isFlex ? undefined : canaryRampUp(appName, release.canaryPercentage),
      extraCorsOrigins: args.frontendOrigins,
    });
    const site = new web.WebApp(
      `${name}-site`,
      {
        ...common,
        name: appName,
        ...(isFlex
          ? {
              functionAppConfig: flexFunctionAppConfig(
                config,
                storage.deploymentContainerUrl as pulumi.Output<string>,
                host.identity.id,
              ),
            }
          : {}),
        siteConfig: siteSettings,
      },
      {
        parent: this,
        dependsOn: ready,
        transformations: [siteConfigLeaves(`${name}-site`, siteSettings, config.plan)],
      },
    );
    disableBasicAuth(name, { resourceGroupName, name: site.name }, this);

    const access = {
      subscriptionId,
      keyVaultId: args.keyVaultId,
      appConfigStoreId: args.appConfigStoreId,
      redis: { ...args.redis, resourceGroupName: args.redis.resourceGroupName ?? resourceGroupName },
      webPubSubId: args.webPubSubId,
      uploads: args.uploads,
    };
    const principalId = principalOf(site.identity);
    const siteAccess = grantIdentityAccess(name, { ...access, role: "site", principalId }, this);

    if (!isFlex) {
      const slotSettings = siteConfig({
        config,
        appSettings: settingsFor(
          release.candidate ?? release.stable,
          canaryShare,
          `${appName}-${CANARY_SLOT}`,
        ),
        vnetRouteAll: "virtualNetworkSubnetId" in vnet,
        extraCorsOrigins: args.frontendOrigins,
      });
      const slot = new web.WebAppSlot(
        `${name}-${CANARY_SLOT}`,
        {
          ...common,
          name: site.name,
          slot: CANARY_SLOT,
          siteConfig: slotSettings,
        },
        {
          parent: this,
          dependsOn: ready,
          transformations: [siteConfigLeaves(`${name}-${CANARY_SLOT}`, slotSettings, config.plan)],
        },
      );
      disableBasicAuth(
        `${name}-${CANARY_SLOT}`,
        { resourceGroupName, name: site.name, slot: slot.name },
        this,
      );
      const slotPrincipal = principalOf(slot.identity);
      grantIdentityAccess(
        name,
        {
          ...access,
          role: CANARY_SLOT,
          principalId: slotPrincipal,
          redisAfter: [siteAccess.redisAssignment],
        },
        this,
      );
      this.canaryHostName = slot.defaultHostName;
      this.canaryUrl = pulumi.interpolate`https://${slot.defaultHostName}`;
      this.canaryHealthUrl = pulumi.interpolate`${this.canaryUrl}${config.healthCheckPath}`;
      this.canarySlotId = slot.id;
    }

    this.functionAppName = site.name;
    this.functionAppId = site.id;
    this.planId = plan.id;
    this.storageAccountId = storage.account.id;
    this.storageLastOperation = storage.lastOperation;
    this.defaultHostName = site.defaultHostName;
    this.url = pulumi.interpolate`https://${site.defaultHostName}`;
    this.healthUrl = pulumi.interpolate`${this.url}${config.healthCheckPath}`;
    this.principalId = principalId;
    this.registerOutputs({
      functionAppName: this.functionAppName,
      functionAppId: this.functionAppId,
      planId: this.planId,
      storageAccountId: this.storageAccountId,
      defaultHostName: this.defaultHostName,
      url: this.url,
      healthUrl: this.healthUrl,
      principalId: this.principalId,
      canaryHostName: this.canaryHostName,
      canaryUrl: this.canaryUrl,
      canaryHealthUrl: this.canaryHealthUrl,
      canarySlotId: this.canarySlotId,
    });
  }
}
