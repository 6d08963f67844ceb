import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import type { ApiConfig } from "../config/schema";
import type { Naming } from "./naming";
import { type VaultRef, privateEndpoint, vaultSecret } from "./shared";

/** Storage sub-resources that get a private endpoint in private mode (Functions host storage uses all four). */
export const STORAGE_SUBRESOURCES = ["blob", "queue", "table", "file"] as const;

/** How the API and its host storage are reached. */
export interface ApiNetworkArgs {
  /** `public`: public endpoints; `private`: VNet integration, storage behind private endpoints with default-deny. */
  readonly mode: "public" | "private";
  /**
   * Subnet the app joins for outbound traffic (private mode; `Network.subnetIds.apiIntegration`). Elastic Premium needs
   * it delegated to `Microsoft.Web/serverFarms`, Flex Consumption to `Microsoft.App/environments`.
   */
  readonly integrationSubnetId?: pulumi.Input<string>;
  /** Subnet of the storage private endpoints (private mode; `Network.subnetIds.privateEndpoints`). */
  readonly privateEndpointSubnetId?: pulumi.Input<string>;
  /** Private DNS zone ids of the storage endpoints (private mode; `Network.dnsZoneIds`). */
  readonly dnsZoneIds?: { readonly [K in (typeof STORAGE_SUBRESOURCES)[number]]: pulumi.Input<string> };
}

/** Arguments of {@link hostStorage}. */
export interface HostStorageArgs {
  /** Physical names. */
  readonly naming: Naming;
  /** Resource group. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region. */
  readonly location: string;
  /** Hosting plan: Flex gets a deployment container and no shared key, Elastic Premium content shares. */
  readonly plan: ApiConfig["plan"];
  /** Replication SKU. */
  readonly sku: "Standard_LRS" | "Standard_ZRS";
  /** Protect the account from deletion. */
  readonly protect: boolean;
  /** Network mode and private endpoint placement. */
  readonly network: ApiNetworkArgs;
  /** Elastic Premium content shares to pre-create (one per site and slot). */
  readonly contentShares: readonly string[];
  /** Where the Elastic Premium content-share connection string is stored. */
  readonly vault: VaultRef;
}

/** What {@link hostStorage} created. */
export interface HostStorage {
  /** The host storage account. */
  readonly account: storage.StorageAccount;
  /** Flex Consumption: `https://<account>.blob.core.windows.net/<container>` of the deployment container. */
  readonly deploymentContainerUrl?: pulumi.Output<string>;
  /** Elastic Premium: versionless Key Vault URI of the content-share connection string. */
  readonly contentConnectionSecretUri?: pulumi.Output<string>;
  /** Resources the site must wait for (shares, the connection-string secret, private endpoints). */
  readonly ready: pulumi.Resource[];
  /**
   * The last of the operations on the account (container or shares, then private endpoints), which run one after
   * another; later operations on the account (diagnostic settings) wait for it.
   */
  readonly lastOperation: pulumi.Resource;
}

/** Blob container the Flex Consumption app deploys from; the release pipeline uploads the package zip there. */
export const DEPLOYMENT_CONTAINER = "app-package";

/**
 * The Functions host storage account: TLS 1.2, HTTPS only, no public blobs, no cross-tenant replication, OAuth by
 * default. Flex Consumption runs with shared keys off (identity-based host storage and deployment). Elastic Premium
 * needs a key-based `WEBSITE_CONTENTAZUREFILECONNECTIONSTRING` (Azure Files has no managed identity access), so
 * shared keys stay on there and the connection string goes to Key Vault, read from `listKeys` as a secret; its shares
 * are created here because the platform cannot validate a Key Vault-referenced connection string.
 */
export function hostStorage(name: string, args: HostStorageArgs, parent: pulumi.Resource): HostStorage {
  const isPrivate = args.network.mode === "private";
  const account = new storage.StorageAccount(
    `${name}-storage`,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      accountName: args.naming.storageAccount(),
      kind: "StorageV2",
      sku: { name: args.sku },
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowCrossTenantReplication: false,
      allowSharedKeyAccess: args.plan === "ElasticPremium",
      defaultToOAuthAuthentication: true,
      networkRuleSet: { defaultAction: isPrivate ? "Deny" : "Allow", bypass: "AzureServices" },
    },
    { parent, protect: args.protect },
  );
  const ready: pulumi.Resource[] = [];
  // Azure refuses concurrent operations on one storage account (409 StorageAccountOperationInProgress; a private
  // endpoint then ends in provisioning state Failed), so every operation on it waits for the previous one.
  let lastOperation: pulumi.Resource = account;
  const serial = <T extends pulumi.Resource>(make: (after: pulumi.Resource[]) => T): T => {
    const resource = make([lastOperation]);
    lastOperation = resource;
    return resource;
  };
  let deploymentContainerUrl: pulumi.Output<string> | undefined;
  let contentConnectionSecretUri: pulumi.Output<string> | undefined;

  if (args.plan === "FlexConsumption") {
    const container = serial(
      (after) =>
        new storage.BlobContainer(
          `${name}-deployments`,
          {
            resourceGroupName: args.resourceGroupName,
            accountName: account.name,
            containerName: DEPLOYMENT_CONTAINER,
            publicAccess: "None",
          },
          { parent, dependsOn: after },
        ),
    );
    ready.push(container);
    deploymentContainerUrl = pulumi.interpolate`${account.primaryEndpoints.blob}${DEPLOYMENT_CONTAINER}`;
  } else {
    for (const share of args.contentShares) {
      ready.push(
        serial(
          (after) =>
            new storage.FileShare(
              `${name}-share-${share}`,
              { resourceGroupName: args.resourceGroupName, accountName: account.name, shareName: share },
              { parent, dependsOn: after },
            ),
        ),
      );
    }
    const keys = storage.listStorageAccountKeysOutput(
      { resourceGroupName: args.resourceGroupName, accountName: account.name },
      { parent },
    );
    const connection = pulumi
      .all([account.name, pulumi.secret(keys.keys[0].value)])
      .apply(
        ([account, key]) =>
          `DefaultEndpointsProtocol=https;AccountName=${account};AccountKey=${key};EndpointSuffix=core.windows.net`,
      );
    const secret = vaultSecret(
      `${name}-content-connection`,
      args.vault,
      "api-content-share-connection",
      pulumi.secret(connection),
      "text/plain",
      parent,
    );
    ready.push(secret);
    contentConnectionSecretUri = secret.properties.secretUri;
  }

  if (isPrivate) {
    const subnetId = args.network.privateEndpointSubnetId as pulumi.Input<string>;
    const zones = args.network.dnsZoneIds as NonNullable<ApiNetworkArgs["dnsZoneIds"]>;
    for (const groupId of STORAGE_SUBRESOURCES) {
      ready.push(
        serial((after) =>
          privateEndpoint(
            `${name}-storage-${groupId}`,
            {
              resourceGroupName: args.resourceGroupName,
              location: args.location,
              endpointName: `${args.naming.plain("pe-st")}-${groupId}`,
              subnetId,
              targetId: account.id,
              groupId,
              dnsZoneId: zones[groupId],
            },
            parent,
            after,
          ),
        ),
      );
    }
  }
  return { account, deploymentContainerUrl, contentConnectionSecretUri, ready, lastOperation };
}
