import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as pulumi from "@pulumi/pulumi";
import type { CacheConfig } from "../config/schema";
import { REDIS_DATABASE_NAME, REDIS_TLS_PORT, persistenceFor, redisUrlWithKey } from "./cache-settings";
import type { Naming } from "./naming";
import { type VaultRef, keyVaultSecretName, privateEndpoint, vaultSecret } from "./shared";

/** How the cache is reached. */
export interface CacheNetworkArgs {
  /** `public`: public endpoint (TLS + Entra ID or keys); `private`: public access off, private endpoint only. */
  readonly mode: "public" | "private";
  /** Subnet for the private endpoint; required in private mode (`Network.subnetIds.privateEndpoints`). */
  readonly privateEndpointSubnetId?: pulumi.Input<string>;
  /** `privatelink.redis.azure.net` zone id; required in private mode (`Network.dnsZoneIds.redis`). */
  readonly dnsZoneId?: pulumi.Input<string>;
}

/** Arguments for {@link Cache}. */
export interface CacheArgs {
  /** Physical names for the stack. */
  readonly naming: Naming;
  /** Resource group of the cluster (and the private endpoint). */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region of the cluster. */
  readonly location: string;
  /** The stack's cache section: SKU, high availability, persistence, eviction, access keys. */
  readonly config: CacheConfig;
  /** Protect the cluster and database from deletion (`protectStateful`). */
  readonly protect: boolean;
  /** Network mode and, in private mode, where the private endpoint goes. */
  readonly network: CacheNetworkArgs;
  /** Where REDIS_URL with the access key is stored; used only when `config.accessKeys` is true. */
  readonly vault: VaultRef;
}

/**
 * Azure Managed Redis (`redisenterprise`, not the retired `redis:Redis`): a cluster with TLS 1.2 and the database
 * `default` on the TLS-only port 10000 with the non-clustered policy (one endpoint, every client library and
 * multi-key command works, and the only policy Azure lets you change later without recreating the database).
 * Access keys are off unless `config.accessKeys`: the app authenticates with its managed identity through the
 * access-policy assignment `default` on `clusterName`/`databaseName`, which the API component creates.
 */
export class Cache extends pulumi.ComponentResource {
  /** Cluster name (for the access-policy assignment and metric alerts). */
  readonly clusterName: pulumi.Output<string>;
  /** Cluster resource id (metric alert scope, diagnostics). */
  readonly clusterId: pulumi.Output<string>;
  /** Database name: always `default` (for the access-policy assignment). */
  readonly databaseName: pulumi.Output<string>;
  /** Database resource id. */
  readonly databaseId: pulumi.Output<string>;
  /** Endpoint host name, `<cluster>.<region>.redis.azure.net`. */
  readonly hostName: pulumi.Output<string>;
  /** TLS port, 10000. */
  readonly port: pulumi.Output<number>;
  /** `rediss://<host>:10000` without credentials (Entra ID auth with the app's managed identity). */
  readonly redisUrl: pulumi.Output<string>;
  /** Key Vault secret URI of REDIS_URL with the access key; only when `config.accessKeys` is true. */
  readonly redisUrlSecretUri?: pulumi.Output<string>;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:cache:Cache", name, {}, opts);

    const { mode, privateEndpointSubnetId: subnetId, dnsZoneId } = args.network;
    if (mode === "private" && subnetId === undefined) {
      throw new pulumi.ResourceError(
        "network.privateEndpointSubnetId is required in private mode: pass the Network component's subnetIds.privateEndpoints",
        this,
      );
    }
    if (mode === "private" && dnsZoneId === undefined) {
      throw new pulumi.ResourceError(
        "network.dnsZoneId is required in private mode: pass the Network component's dnsZoneIds.redis",
        this,
      );
    }

    const cluster = new redisenterprise.RedisEnterprise(
      `${name}-cluster`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        clusterName: args.naming.redis(),
        sku: { name: args.config.sku },
        minimumTlsVersion: "1.2",
        highAvailability: args.config.highAvailability ? "Enabled" : "Disabled",
        publicNetworkAccess: mode === "private" ? "Disabled" : "Enabled",
      },
      { parent: this, protect: args.protect },
    );

    const database = new redisenterprise.Database(
      `${name}-database`,
      {
        resourceGroupName: args.resourceGroupName,
        clusterName: cluster.name,
        databaseName: REDIS_DATABASE_NAME,
        clientProtocol: "Encrypted",
        port: REDIS_TLS_PORT,
        clusteringPolicy: "NoCluster",
        evictionPolicy: args.config.evictionPolicy,
        persistence: persistenceFor(args.config),
        accessKeysAuthentication: args.config.accessKeys ? "Enabled" : "Disabled",
      },
      { parent: this, protect: args.protect },
    );

    if (mode === "private" && subnetId !== undefined && dnsZoneId !== undefined) {
      privateEndpoint(
        name,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          endpointName: args.naming.plain("pe-redis"),
          subnetId,
          targetId: cluster.id,
          groupId: "redisEnterprise",
          dnsZoneId,
        },
        this,
      );
    }

    if (args.config.accessKeys) {
      const keys = redisenterprise.listDatabaseKeysOutput(
        {
          resourceGroupName: args.resourceGroupName,
          clusterName: cluster.name,
          databaseName: database.name,
        },
        { parent: this },
      );
      // The key is the database's: name it in the value's dependencies. The real engine does not carry an invoke's
      // argument dependencies into its result during preview, so without it the secret would seem to derive from the
      // cluster alone (keyvault-secret-enforce-value-provenance refuses that).
      const url = pulumi
        .all([cluster.hostName, pulumi.secret(keys.primaryKey), database.name])
        .apply(([host, key]) => redisUrlWithKey(host, key));
      const secret = vaultSecret(
        `${name}-redis-url`,
        args.vault,
        keyVaultSecretName("REDIS_URL"),
        pulumi.secret(url),
        "text/uri",
        this,
      );
      this.redisUrlSecretUri = secret.properties.secretUri;
    }

    this.clusterName = cluster.name;
    this.clusterId = cluster.id;
    this.databaseName = database.name;
    this.databaseId = database.id;
    this.hostName = cluster.hostName;
    this.port = database.port.apply((p) => p ?? REDIS_TLS_PORT);
    this.redisUrl = pulumi.interpolate`rediss://${cluster.hostName}:${this.port}`;
    this.registerOutputs({
      clusterName: this.clusterName,
      clusterId: this.clusterId,
      databaseName: this.databaseName,
      databaseId: this.databaseId,
      hostName: this.hostName,
      port: this.port,
      redisUrl: this.redisUrl,
      redisUrlSecretUri: this.redisUrlSecretUri,
    });
  }
}
