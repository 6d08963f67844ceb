// The uploads store: a private blob container for user uploads in a storage account of its own.
import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import type { UploadsConfig } from "../config/schema";
import type { Naming } from "./naming";
import { privateEndpoint } from "./shared";

/** Arguments for {@link Uploads}. */
export interface UploadsArgs {
  /** Physical names (`Naming.uploadsStorageAccount`). */
  readonly naming: Naming;
  /** Resource group. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region. */
  readonly location: string;
  /** The stack's `uploads` section. */
  readonly config: UploadsConfig;
  /** Protect the account (and the users' files in it) from deletion (`protectStateful`). */
  readonly protect: boolean;
  /** `private`: default-deny and public network access off, reached through a blob private endpoint. */
  readonly network: {
    readonly mode: "public" | "private";
    /** Subnet of the private endpoint (private mode; `Network.subnetIds.privateEndpoints`). */
    readonly privateEndpointSubnetId?: pulumi.Input<string>;
    /** `privatelink.blob.core.windows.net` zone id (private mode; `Network.dnsZoneIds.blob`). */
    readonly blobDnsZoneId?: pulumi.Input<string>;
  };
  /** The stack's own browser origins (`api.corsOrigins`, the Static Web App): blob CORS with `browserUpload`. */
  readonly browserOrigins: pulumi.Input<string>[];
}

/**
 * Headers a browser sends and reads when it PUTs a blob with a SAS: the blob type and version headers (`x-ms-*`,
 * a prefix Azure Storage CORS accepts) and the content type; the ETag and `x-ms-*` response headers.
 */
const UPLOAD_CORS = {
  allowedMethods: ["PUT"],
  allowedHeaders: ["content-type", "x-ms-*"],
  exposedHeaders: ["etag", "x-ms-*"],
  maxAgeInSeconds: 3600,
};

/**
 * A storage account used for nothing but the uploads container, apart from the Functions host storage account:
 * Elastic Premium's host storage must keep shared keys on for its content share (azure-facts, "Functions, Elastic
 * Premium"), and the host identity holds Storage Blob Data Owner on the whole host account, while users' files need
 * an account with shared keys off and a grant limited to their container. TLS 1.2, HTTPS only, no public blob access,
 * no cross-tenant replication, OAuth by default; soft delete for blobs and containers and blob versioning; in private
 * mode public network access off and a blob private endpoint. Operations on the account run one after another, as
 * Azure refuses concurrent ones (409 StorageAccountOperationInProgress, see `hostStorage`).
 */
export class Uploads extends pulumi.ComponentResource {
  /** Storage account resource id (diagnostic settings). */
  readonly accountId: pulumi.Output<string>;
  /** Container resource id: the scope of the API identities' Storage Blob Data Contributor grant. */
  readonly containerId: pulumi.Output<string>;
  /** `https://<account>.blob.core.windows.net/<container>`: the API's `UPLOADS_CONTAINER_URL`. */
  readonly containerUrl: pulumi.Output<string>;
  /** The last operation on the account; its diagnostic settings wait for it. */
  readonly lastOperation: pulumi.Resource;

  constructor(name: string, args: UploadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:uploads:Uploads", name, {}, opts);
    const { config, resourceGroupName, location } = args;
    const isPrivate = args.network.mode === "private";
    const account = new storage.StorageAccount(
      `${name}-storage`,
      {
        resourceGroupName,
        location,
        accountName: args.naming.uploadsStorageAccount(),
        kind: "StorageV2",
        sku: { name: config.sku },
        accessTier: "Hot",
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        allowCrossTenantReplication: false,
        defaultToOAuthAuthentication: true,
        publicNetworkAccess: isPrivate ? "Disabled" : "Enabled",
        networkRuleSet: { defaultAction: isPrivate ? "Deny" : "Allow", bypass: "AzureServices" },
      },
      { parent: this, protect: args.protect },
    );
    const blobService = new storage.BlobServiceProperties(
      `${name}-blob-service`,
      {
        resourceGroupName,
        accountName: account.name,
        blobServicesName: "default",
        deleteRetentionPolicy: { enabled: true, days: config.softDeleteRetentionDays },
        containerDeleteRetentionPolicy: { enabled: true, days: config.softDeleteRetentionDays },
        isVersioningEnabled: config.versioning,
        cors: {
          corsRules: config.browserUpload ? [{ ...UPLOAD_CORS, allowedOrigins: args.browserOrigins }] : [],
        },
      },
      { parent: this, dependsOn: [account] },
    );
    const container = new storage.BlobContainer(
      `${name}-container`,
      {
        resourceGroupName,
        accountName: account.name,
        containerName: config.containerName,
        publicAccess: "None",
      },
      { parent: this, dependsOn: [blobService], protect: args.protect },
    );
    let lastOperation: pulumi.Resource = container;
    if (isPrivate) {
      lastOperation = privateEndpoint(
        `${name}-storage-blob`,
        {
          resourceGroupName,
          location,
          endpointName: `${args.naming.plain("pe-stup")}-blob`,
          subnetId: args.network.privateEndpointSubnetId as pulumi.Input<string>,
          targetId: account.id,
          groupId: "blob",
          dnsZoneId: args.network.blobDnsZoneId as pulumi.Input<string>,
        },
        this,
        [container],
      );
    }
    this.accountId = account.id;
    this.containerId = container.id;
    this.containerUrl = pulumi.interpolate`${account.primaryEndpoints.blob}${config.containerName}`;
    this.lastOperation = lastOperation;
    this.registerOutputs({
      accountId: this.accountId,
      containerId: this.containerId,
      containerUrl: this.containerUrl,
    });
  }
}
