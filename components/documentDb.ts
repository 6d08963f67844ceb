/**
 * The document database: an Azure Cosmos DB for MongoDB vCore cluster, its firewall or private endpoint, and its
 * connection string stored only in Key Vault.
 */
import * as mongocluster from "@pulumi/azure-native/mongocluster";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DOCUMENT_DB_SETTING } from "../config/reserved";
import type { DocumentDbConfig, NetworkConfig } from "../config/schema";
import type { Naming } from "./naming";
import { OPTIONAL_PRIVATE_LINK_ZONES } from "./network-layout";
import { type VaultRef, keyVaultSecretName, privateEndpoint, vaultSecret } from "./shared";

/** Options every connection string carries: TLS, SCRAM-SHA-256, and the service's documented retry/idle settings. */
export const MONGO_URI_OPTIONS =
  "tls=true&authMechanism=SCRAM-SHA-256&retrywrites=false&maxIdleTimeMS=120000";

/** How the cluster is reached. */
export interface DocumentDbNetworkArgs {
  /** `public`: public endpoint behind firewall rules; `private`: public access off, private endpoint only. */
  readonly mode: NetworkConfig["mode"];
  /** Client ranges the firewall admits (public mode). */
  readonly allowedIpRanges: NetworkConfig["allowedIpRanges"];
  /** Admit Azure services (the 0.0.0.0 rule; the config refuses it in production and private mode). */
  readonly allowAzureServices: boolean;
  /** Subnet for the private endpoint; required in private mode (`Network.subnetIds.privateEndpoints`). */
  readonly privateEndpointSubnetId?: pulumi.Input<string>;
  /** `privatelink.mongocluster.cosmos.azure.com` zone id; required in private mode (`Network.dnsZoneIds.mongoCluster`). */
  readonly dnsZoneId?: pulumi.Input<string>;
}

/** Arguments for {@link DocumentDb}. */
export interface DocumentDbArgs {
  /** Physical names for the stack. */
  readonly naming: Naming;
  /** Resource group of the cluster (and the private endpoint). */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region of the cluster. */
  readonly location: string;
  /** The stack's `documentDb` section (validated there: tier, disk, high availability, login). */
  readonly config: DocumentDbConfig;
  /** Network mode and firewall ranges or private endpoint placement. */
  readonly network: DocumentDbNetworkArgs;
  /** Where the connection string is stored. */
  readonly vault: VaultRef;
  /** `secrets.rotatedOn`: changing it regenerates the administrator password. */
  readonly rotatedOn: string;
  /** Protect the cluster from deletion (`protectStateful`). */
  readonly protect: boolean;
}

/** `mongodb+srv://<login>:<password>@<host>/?<options>`, the password percent-encoded. */
export function mongoUri(login: string, password: string, host: string): string {
  return `mongodb+srv://${encodeURIComponent(login)}:${encodeURIComponent(password)}@${host}/?${MONGO_URI_OPTIONS}`;
}

/**
 * The cluster's connection host, `<name>.global.mongocluster.cosmos.azure.com` (the host of the connection string
 * Azure reports, REST 2024-07-01 MongoClusters_Get). Built from the name, not parsed from `properties`: a preview of
 * an update gets the inputs back without `connectionString`, and `properties` is secret as a whole.
 */
export function mongoHost(clusterName: string): string {
  return `${clusterName}.global.mongocluster.cosmos.azure.com`;
}

/**
 * Azure Cosmos DB for MongoDB vCore (`mongocluster.MongoCluster`, REST 2024-07-01, the version @pulumi/azure-native
 * 3.28.0 ships). That API version has no `authConfig`, so Microsoft Entra ID authentication cannot be turned on from
 * here: the cluster uses its native (SCRAM-SHA-256) administrator, whose password `random.RandomPassword` generates
 * (rotated by `rotatedOn`) and which reaches the app only inside the connection string stored in Key Vault (`MONGODB_URI`
 * as a Key Vault reference). Public mode: a firewall rule per configured range (the config caps each at a /16, so the
 * whole internet never gets in). Private mode: public network access off and a private endpoint (`MongoCluster`) in
 * `privatelink.mongocluster.cosmos.azure.com`.
 */
export class DocumentDb extends pulumi.ComponentResource {
  /** Cluster name. */
  readonly clusterName: pulumi.Output<string>;
  /** Cluster resource id (diagnostics, alerts). */
  readonly clusterId: pulumi.Output<string>;
  /** Connection host, `<name>.global.mongocluster.cosmos.azure.com`. */
  readonly host: pulumi.Output<string>;
  /** Versionless Key Vault URI of the connection string (`MONGODB_URI`). */
  readonly connectionStringSecretUri: pulumi.Output<string>;

  constructor(name: string, args: DocumentDbArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:documentDb:DocumentDb", name, {}, opts);
    const { config, network } = args;
    const isPrivate = network.mode === "private";
    if (isPrivate && (network.privateEndpointSubnetId === undefined || network.dnsZoneId === undefined)) {
      throw new pulumi.ResourceError(
        "network.privateEndpointSubnetId and network.dnsZoneId are required in private mode: pass the Network component's subnetIds.privateEndpoints and dnsZoneIds.mongoCluster",
        this,
      );
    }

    const password = new random.RandomPassword(
      `${name}-admin-password`,
      {
        length: 32,
        special: true,
        overrideSpecial: "-_",
        minUpper: 2,
        minLower: 2,
        minNumeric: 2,
        keepers: { rotatedOn: args.rotatedOn },
      },
      { parent: this },
    );

    const cluster = new mongocluster.MongoCluster(
      `${name}-cluster`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        mongoClusterName: args.naming.mongoCluster(),
        properties: {
          createMode: "Default",
          serverVersion: config.serverVersion,
          administrator: { userName: config.administratorLogin, password: password.result },
          compute: { tier: config.tier },
          storage: { sizeGb: config.storageGb },
          highAvailability: { targetMode: config.highAvailability },
          sharding: { shardCount: 1 },
          publicNetworkAccess: isPrivate ? "Disabled" : "Enabled",
        },
      },
      { parent: this, protect: args.protect, additionalSecretOutputs: ["properties"] },
    );

    if (!isPrivate) {
      const rules = [
        ...network.allowedIpRanges.map((r) => ({ name: r.name, start: r.startIp, end: r.endIp })),
        // Azure's documented name for the "allow Azure services" rule (0.0.0.0 to 0.0.0.0).
        ...(network.allowAzureServices
          ? [{ name: "AllowAllAzureServicesAndResourcesWithinAzureIps", start: "0.0.0.0", end: "0.0.0.0" }]
          : []),
      ];
      // One cluster update at a time: Azure refuses a firewall write while another is in progress.
      let previous: mongocluster.FirewallRule | undefined;
      for (const r of rules) {
        previous = new mongocluster.FirewallRule(
          `${name}-fw-${r.name}`,
          {
            resourceGroupName: args.resourceGroupName,
            mongoClusterName: cluster.name,
            firewallRuleName: r.name,
            properties: { startIpAddress: r.start, endIpAddress: r.end },
          },
          { parent: this, dependsOn: previous === undefined ? [] : [previous] },
        );
      }
    } else {
      privateEndpoint(
        name,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          endpointName: args.naming.plain("pe-cosmon"),
          subnetId: network.privateEndpointSubnetId as pulumi.Input<string>,
          targetId: cluster.id,
          groupId: OPTIONAL_PRIVATE_LINK_ZONES.mongoCluster.groupId,
          dnsZoneId: network.dnsZoneId as pulumi.Input<string>,
        },
        this,
      );
    }

    const host = cluster.name.apply(mongoHost);
    const uri = pulumi
      .all([host, password.result])
      .apply(([h, pw]) => mongoUri(config.administratorLogin, pw, h));
    const secret = vaultSecret(
      `${name}-uri`,
      args.vault,
      keyVaultSecretName(DOCUMENT_DB_SETTING),
      pulumi.secret(uri),
      "text/uri",
      this,
    );

    this.clusterName = cluster.name;
    this.clusterId = cluster.id;
    this.host = host;
    this.connectionStringSecretUri = secret.properties.secretUri;
    this.registerOutputs({
      clusterName: this.clusterName,
      clusterId: this.clusterId,
      host: this.host,
      connectionStringSecretUri: this.connectionStringSecretUri,
    });
  }
}
