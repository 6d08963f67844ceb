import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { Alerts } from "./components/alerts";
import { Api } from "./components/api";
import { Cache } from "./components/cache";
import { Database } from "./components/database";
import { DocumentDb } from "./components/documentDb";
import { FeatureFlags } from "./components/featureFlags";
import { Naming } from "./components/naming";
import { Network } from "./components/network";
import { Observability } from "./components/observability";
import { Realtime } from "./components/realtime";
import { Secrets } from "./components/secrets";
import { Uploads } from "./components/uploads";
import { StaticSite } from "./components/staticSite";
import { applyStackTags } from "./components/tags";
import { VercelSite } from "./components/vercelSite";
import { postgresMaxConnections } from "./config/azure";
import { loadConfig } from "./config/load";
import { DOCUMENT_DB_SETTING, REALTIME_SETTINGS } from "./config/reserved";

/**
 * The program: validates the whole stack config first (nothing is registered when it is invalid), then
 * builds the environment from components. Differences between stacks come only from config.
 */
export = async () => {
  const { config, externalSecrets } = loadConfig();
  const env = config.environment;
  const location = env.location;
  applyStackTags({
    environment: env.name,
    owner: env.owner,
    "cost-center": env.costCenter,
    "managed-by": "pulumi",
  });
  const naming = new Naming({
    workload: env.workload,
    environment: env.name,
    location,
    uniqueSeed: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const client = authorization.getClientConfigOutput();
  const private_ = config.network.mode === "private";

  const group = new resources.ResourceGroup("rg", { resourceGroupName: naming.resourceGroup(), location });
  const resourceGroupName = group.name;
  const base = { naming, resourceGroupName, location };

  const network = new Network("network", {
    ...base,
    config: config.network,
    optionalZones: [
      ...(config.documentDb === undefined ? [] : (["mongoCluster"] as const)),
      ...(config.realtime === undefined ? [] : (["webPubSub"] as const)),
    ],
  });
  const subnets = network.subnetIds;
  const zones = network.dnsZoneIds;

  const secrets = new Secrets("secrets", {
    ...base,
    tenantId: client.tenantId,
    config: config.secrets,
    externalSecrets: pick(externalSecrets, config.secrets.external),
    network: {
      mode: config.network.mode,
      allowedIpRanges: config.network.allowedIpRanges,
      deployerIpRanges: config.network.deployerIpRanges,
      privateEndpointSubnetId: subnets?.privateEndpoints,
      dnsZoneId: zones?.keyVault,
    },
    protect: config.protectStateful,
  });

  const database = new Database("database", {
    ...base,
    config: config.database,
    vault: secrets.vault,
    rotatedOn: config.secrets.rotatedOn,
    tenantId: client.tenantId,
    network: {
      mode: config.network.mode,
      allowedIpRanges: config.network.allowedIpRanges,
      deployerIpRanges: config.network.deployerIpRanges,
      allowAzureServices: config.network.allowAzureServices,
      delegatedSubnetId: subnets?.postgres,
      privateDnsZoneId: zones?.postgres,
    },
    protect: config.protectStateful,
  });

  const cache = new Cache("cache", {
    ...base,
    config: config.cache,
    protect: config.protectStateful,
    network: {
      mode: config.network.mode,
      privateEndpointSubnetId: subnets?.privateEndpoints,
      dnsZoneId: zones?.redis,
    },
    vault: secrets.vault,
  });

  const flags = new FeatureFlags("flags", {
    ...base,
    config: config.featureFlags,
    protect: config.protectStateful,
    network: {
      mode: config.network.mode,
      privateEndpointSubnetId: subnets?.privateEndpoints,
      dnsZoneId: zones?.appConfig,
    },
    deployerPrincipalId: client.objectId,
    deployerPrincipalType: config.deployer.principalType,
  });

  const documentDb =
    config.documentDb === undefined
      ? undefined
      : new DocumentDb("document-db", {
          ...base,
          config: config.documentDb,
          network: {
            mode: config.network.mode,
            allowedIpRanges: config.network.allowedIpRanges,
            allowAzureServices: config.network.allowAzureServices,
            privateEndpointSubnetId: subnets?.privateEndpoints,
            dnsZoneId: zones?.mongoCluster,
          },
          vault: secrets.vault,
          rotatedOn: config.secrets.rotatedOn,
          protect: config.protectStateful,
        });

  const realtime =
    config.realtime === undefined
      ? undefined
      : new Realtime("realtime", {
          ...base,
          config: config.realtime,
          network: {
            mode: config.network.mode,
            privateEndpointSubnetId: subnets?.privateEndpoints,
            dnsZoneId: zones?.webPubSub,
          },
        });

  const observability = new Observability("monitoring", { ...base, config: config.monitoring });

  // Not linked as the API's backend (README, "Why the API is not linked"): its pages call the API's own host.
  const site = config.staticSite.enabled
    ? new StaticSite("static-site", { naming, resourceGroupName, config: config.staticSite })
    : undefined;

  const uploads =
    config.uploads === undefined
      ? undefined
      : new Uploads("uploads", {
          ...base,
          config: config.uploads,
          protect: config.protectStateful,
          network: {
            mode: config.network.mode,
            privateEndpointSubnetId: subnets?.privateEndpoints,
            blobDnsZoneId: zones?.blob,
          },
          browserOrigins: [...config.api.corsOrigins, ...(site?.origins ?? [])],
        });

  // REDIS_URL carries no credential with Entra ID auth; with access keys it holds the key, so it goes through Key Vault.
  const redisSecret: Record<string, pulumi.Output<string>> = {};
  const redisPlain: Record<string, pulumi.Output<string>> = {};
  if (cache.redisUrlSecretUri === undefined) redisPlain.REDIS_URL = cache.redisUrl;
  else redisSecret.REDIS_URL = cache.redisUrlSecretUri;
  const api = new Api("api", {
    ...base,
    config: config.api,
    release: config.release,
    protect: config.protectStateful,
    network: {
      mode: config.network.mode,
      integrationSubnetId: subnets?.apiIntegration,
      privateEndpointSubnetId: subnets?.privateEndpoints,
      dnsZoneIds:
        zones === undefined
          ? undefined
          : { blob: zones.blob, queue: zones.queue, table: zones.table, file: zones.file },
    },
    secretUris: {
      ...secrets.secretUris,
      DATABASE_URL: database.secretUris.DATABASE_URL,
      DATABASE_READONLY_URL: database.secretUris.DATABASE_READONLY_URL,
      ...redisSecret,
      ...(documentDb === undefined ? {} : { [DOCUMENT_DB_SETTING]: documentDb.connectionStringSecretUri }),
    },
    plainSettings: {
      ...config.api.appSettings,
      ...redisPlain,
      APP_CONFIG_ENDPOINT: flags.endpoint,
      API_CORS_ORIGINS: config.api.corsOrigins.join(","),
      ...(realtime === undefined
        ? {}
        : { [REALTIME_SETTINGS.endpoint]: realtime.endpoint, [REALTIME_SETTINGS.hub]: realtime.hubName }),
      ...(uploads === undefined ? {} : { UPLOADS_CONTAINER_URL: uploads.containerUrl }),
    },
    appInsightsConnectionString: observability.connectionString,
    appInsightsId: observability.appInsightsId,
    keyVaultId: secrets.vaultId,
    vault: secrets.vault,
    appConfigStoreId: flags.storeId,
    redis: { clusterName: cache.clusterName, databaseName: cache.databaseName },
    webPubSubId: realtime?.serviceId,
    frontendOrigins: site?.origins,
    uploads:
      uploads === undefined
        ? undefined
        : {
            containerId: uploads.containerId,
            accountId: uploads.accountId,
            delegate: config.uploads?.browserUpload === true,
          },
  });

  const vercel = config.vercel.enabled
    ? new VercelSite("vercel", {
        config: config.vercel,
        environmentName: env.name,
        apiUrl: api.url,
        wsUrl: realtime?.clientUrl,
        sensitiveEnv: pick(externalSecrets, config.vercel.sensitiveEnv),
        rolloutStages: config.rollout.stages,
        rollingRelease: config.vercel.rollingRelease,
      })
    : undefined;

  new Alerts("alerts", {
    ...base,
    config: config.monitoring,
    actionGroupId: observability.actionGroupId,
    workspaceId: observability.workspaceId,
    appInsightsId: observability.appInsightsId,
    healthUrl: api.healthUrl,
    healthCheckBody: config.api.healthCheckBody,
    apiPlan: config.api.plan,
    storageAfter: [api.storageLastOperation],
    uploadsAfter: uploads === undefined ? undefined : [uploads.lastOperation],
    databaseMaxConnections: postgresMaxConnections(config.database.tier, config.database.skuName),
    targets: {
      functionAppId: api.functionAppId,
      planId: config.api.plan === "ElasticPremium" ? api.planId : undefined,
      postgresServerId: database.serverId,
      redisClusterId: cache.clusterId,
      redisDatabaseId: cache.databaseId,
      keyVaultId: secrets.vaultId,
      storageAccountId: api.storageAccountId,
      uploadsStorageAccountId: uploads?.accountId,
      appConfigStoreId: flags.storeId,
      mongoClusterId: documentDb?.clusterId,
      webPubSubId: realtime?.serviceId,
    },
  });

  return {
    resourceGroupName,
    release: config.release,
    api: {
      functionAppName: api.functionAppName,
      resourceGroupName,
      url: api.url,
      healthUrl: api.healthUrl,
      canaryUrl: api.canaryUrl,
      canaryHealthUrl: api.canaryHealthUrl,
      healthCheckBody: config.api.healthCheckBody,
    },
    monitoring: {
      logAnalyticsWorkspaceId: observability.workspaceCustomerId,
      appInsightsName: observability.appInsightsName,
    },
    // Absent parts are left out rather than exported as undefined (which `pulumi up` warns about on every run).
    ...(vercel === undefined ? {} : { vercel: { projectId: vercel.projectId } }),
    ...(site === undefined ? {} : { staticSiteUrl: site.url }),
    keyVaultName: secrets.vaultName,
    databaseHost: database.fqdn,
    redisHost: cache.hostName,
    appConfigEndpoint: flags.endpoint,
    ...(documentDb === undefined
      ? {}
      : { documentDb: { clusterName: documentDb.clusterName, host: documentDb.host } }),
    ...(realtime === undefined ? {} : { realtime: { hubName: realtime.hubName, wsUrl: realtime.clientUrl } }),
    ...(uploads === undefined ? {} : { uploadsContainerUrl: uploads.containerUrl }),
    privateNetwork: private_,
  };
};

/** The entries of `values` named in `names`. */
function pick<T>(values: Record<string, T>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(names.map((n) => [n, values[n]]));
}
