import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as web from "@pulumi/azure-native/web";
import * as pulumi from "@pulumi/pulumi";
import type * as time from "@pulumiverse/time";
import { ROLES, nameGuid } from "./apiSettings";
import { afterRolePropagation } from "./propagation";

/** The Azure Managed Redis database the API reads and writes with its identity (Entra ID access policy). */
export interface ApiRedisAccess {
  /** Cluster name (`Cache.clusterName`). */
  readonly clusterName: pulumi.Input<string>;
  /** Database name, always `default` (`Cache.databaseName`). */
  readonly databaseName: pulumi.Input<string>;
  /** Resource group of the cluster. Default: the API's resource group. */
  readonly resourceGroupName?: pulumi.Input<string>;
}

/** The uploads container the application reads and writes with its identity (`Uploads`). */
export interface ApiUploadsAccess {
  /** Container resource id: the Storage Blob Data Contributor scope. */
  readonly containerId: pulumi.Input<string>;
  /** Storage account resource id: the Storage Blob Delegator scope when `delegate` is set. */
  readonly accountId: pulumi.Input<string>;
  /**
   * Let the identity get user delegation keys to sign SAS URLs for browser uploads: Get User Delegation Key acts on
   * the whole account, so Storage Blob Delegator is granted there; what a SAS allows stays limited to the
   * container grant (Learn, "Create a user delegation SAS").
   */
  readonly delegate: boolean;
}

/** Arguments of {@link grantIdentityAccess}. */
export interface IdentityAccessArgs {
  /** Which identity: `site` or `canary` (part of names and assignment GUIDs). */
  readonly role: string;
  /** Object (principal) id of the identity. */
  readonly principalId: pulumi.Input<string>;
  /** Subscription of the role definitions. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Key Vault resource id. */
  readonly keyVaultId: pulumi.Input<string>;
  /** App Configuration store resource id. */
  readonly appConfigStoreId: pulumi.Input<string>;
  /** Redis database and its resource group. */
  readonly redis: ApiRedisAccess & { readonly resourceGroupName: pulumi.Input<string> };
  /** Resources the Redis assignment waits for (Managed Redis applies one assignment change at a time). */
  readonly redisAfter?: pulumi.Resource[];
  /** Web PubSub service resource id (`realtime`): the identity gets Web PubSub Service Owner to issue client tokens. */
  readonly webPubSubId?: pulumi.Input<string>;
  /** The uploads container, when the stack has one. */
  readonly uploads?: ApiUploadsAccess;
}

/** What {@link grantIdentityAccess} created. */
export interface IdentityAccess {
  /** Role assignments, in the order of the grants. */
  readonly roleAssignments: authorization.RoleAssignment[];
  /** The Redis access-policy assignment. */
  readonly redisAssignment: redisenterprise.AccessPolicyAssignment;
}

/**
 * Least-privilege data-plane access for the system identity the application code signs in with: Key Vault Secrets
 * User, App Configuration Data Reader (flags), the Redis `default` access policy, with `realtime` Web PubSub Service
 * Owner (the API issues the clients' access tokens; access keys are off) and, with uploads, Storage Blob Data
 * Contributor on the uploads container only (plus Storage Blob Delegator for browser uploads). The platform's own access (host
 * storage, telemetry, Key Vault references) goes through {@link hostIdentity}, granted before the site exists.
 * Assignment names are GUIDs derived from scope, principal, role and identity, so they are stable across runs and
 * change (forcing a clean replacement) when the principal changes.
 */
export function grantIdentityAccess(
  name: string,
  args: IdentityAccessArgs,
  parent: pulumi.Resource,
): IdentityAccess {
  const grants: { suffix: string; role: string; scope: pulumi.Input<string> }[] = [
    { suffix: "kv-secrets-user", role: ROLES.keyVaultSecretsUser, scope: args.keyVaultId },
    { suffix: "appcs-data-reader", role: ROLES.appConfigurationDataReader, scope: args.appConfigStoreId },
    ...(args.webPubSubId === undefined
      ? []
      : [{ suffix: "wps-service-owner", role: ROLES.webPubSubServiceOwner, scope: args.webPubSubId }]),
  ];
  if (args.uploads !== undefined) {
    grants.push({
      suffix: "uploads-blob-contributor",
      role: ROLES.storageBlobDataContributor,
      scope: args.uploads.containerId,
    });
    if (args.uploads.delegate) {
      grants.push({
        suffix: "uploads-blob-delegator",
        role: ROLES.storageBlobDelegator,
        scope: args.uploads.accountId,
      });
    }
  }
  const roleAssignments = grants.map((g) =>
    roleAssignment(`${name}-${args.role}-${g.suffix}`, { ...args, ...g, identity: args.role }, parent),
  );
  const redisAssignment = new redisenterprise.AccessPolicyAssignment(
    `${name}-${args.role}-redis-access`,
    {
      resourceGroupName: args.redis.resourceGroupName,
      clusterName: args.redis.clusterName,
      databaseName: args.redis.databaseName,
      accessPolicyAssignmentName: `api${args.role.replace(/[^A-Za-z0-9]/g, "")}`,
      accessPolicyName: "default",
      user: { objectId: args.principalId },
    },
    { parent, dependsOn: args.redisAfter ?? [] },
  );
  return { roleAssignments, redisAssignment };
}

/** The identity's object id; empty only in a mocked preview, where Azure has not assigned one yet. */
export function principalOf(
  identity: pulumi.Output<{ principalId: string } | undefined>,
): pulumi.Output<string> {
  return identity.apply((i) => i?.principalId ?? "");
}

/** The site (or, with `slot`, the slot) whose basic-auth publishing is turned off. */
export interface BasicAuthTarget {
  /** Resource group of the site. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Site name. */
  readonly name: pulumi.Input<string>;
  /** Slot name, for a slot. */
  readonly slot?: pulumi.Input<string>;
}

/** Turns off FTP and SCM (Kudu) basic-auth publishing credentials: deployments authenticate with Entra ID. */
export function disableBasicAuth(name: string, t: BasicAuthTarget, parent: pulumi.Resource): void {
  const site = { resourceGroupName: t.resourceGroupName, name: t.name, allow: false };
  if (t.slot === undefined) {
    new web.WebAppFtpAllowed(`${name}-ftp`, site, { parent });
    new web.WebAppScmAllowed(`${name}-scm`, site, { parent });
  } else {
    new web.WebAppFtpAllowedSlot(`${name}-ftp`, { ...site, slot: t.slot }, { parent });
    new web.WebAppScmAllowedSlot(`${name}-scm`, { ...site, slot: t.slot }, { parent });
  }
}

/** One built-in role for one service principal on one scope. */
interface Grant {
  /** Object id of the principal. */
  readonly principalId: pulumi.Input<string>;
  /** Built-in role definition GUID. */
  readonly role: string;
  /** Scope resource id. */
  readonly scope: pulumi.Input<string>;
  /** Subscription of the role definition. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Which identity (part of the assignment GUID). */
  readonly identity: string;
}

function roleAssignment(name: string, g: Grant, parent: pulumi.Resource): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    name,
    {
      roleAssignmentName: pulumi
        .all([g.scope, g.principalId])
        .apply(([scope, principal]) => nameGuid(scope, principal, g.role, g.identity)),
      scope: g.scope,
      principalId: g.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: pulumi.interpolate`/subscriptions/${g.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${g.role}`,
    },
    { parent },
  );
}

/** Arguments of {@link hostIdentity}. */
export interface HostIdentityArgs {
  /** Physical name of the identity. */
  readonly identityName: string;
  /** Resource group. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region. */
  readonly location: string;
  /** Key Vault resource id (Key Vault references). */
  readonly keyVaultId: pulumi.Input<string>;
  /** Host storage account resource id (`AzureWebJobsStorage`, Flex deployment container). */
  readonly storageAccountId: pulumi.Input<string>;
  /** Application Insights component id (Entra ID telemetry ingestion). */
  readonly appInsightsId: pulumi.Input<string>;
  /** Subscription of the role definitions. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Wait between the grants and the sites' creation. Default {@link ROLE_PROPAGATION}. */
  readonly propagation?: string;
}

/** The identity the platform side of the sites uses, its grants and the wait after them. */
export interface HostIdentity {
  /** The user-assigned identity. */
  readonly identity: managedidentity.UserAssignedIdentity;
  /** Its role assignments, in grant order. */
  readonly grants: authorization.RoleAssignment[];
  /** The propagation wait; the site and the slot depend on it. */
  readonly propagated: time.Sleep;
}

/**
 * A user-assigned identity that the sites' platform side uses from their first start: Key Vault references
 * (Key Vault Secrets User; the Key Vault references doc, "Access vaults with a user-assigned identity"), identity-based
 * host storage (`AzureWebJobsStorage__clientId`; Storage Blob Data Owner, Queue and Table Data Contributor) and the
 * Flex deployment container, and Entra ID telemetry (`APPLICATIONINSIGHTS_AUTHENTICATION_STRING` with its client id;
 * Monitoring Metrics Publisher, needed once local auth is off). A system-assigned identity exists only once its site
 * does, so grants to it arrive after the first start; these are made, and given time to propagate, before the sites
 * are created.
 */
export function hostIdentity(name: string, args: HostIdentityArgs, parent: pulumi.Resource): HostIdentity {
  const identity = new managedidentity.UserAssignedIdentity(
    `${name}-host-identity`,
    { resourceGroupName: args.resourceGroupName, location: args.location, resourceName: args.identityName },
    { parent },
  );
  const grants = [
    { suffix: "kv-secrets-user", role: ROLES.keyVaultSecretsUser, scope: args.keyVaultId },
    { suffix: "st-blob-owner", role: ROLES.storageBlobDataOwner, scope: args.storageAccountId },
    { suffix: "st-queue-contributor", role: ROLES.storageQueueDataContributor, scope: args.storageAccountId },
    { suffix: "st-table-contributor", role: ROLES.storageTableDataContributor, scope: args.storageAccountId },
    { suffix: "appi-metrics-publisher", role: ROLES.monitoringMetricsPublisher, scope: args.appInsightsId },
  ].map((g) =>
    roleAssignment(
      `${name}-host-identity-${g.suffix}`,
      {
        principalId: identity.principalId,
        role: g.role,
        scope: g.scope,
        subscriptionId: args.subscriptionId,
        identity: "host-identity",
      },
      parent,
    ),
  );
  const propagated = afterRolePropagation(
    `${name}-host-identity-propagation`,
    grants,
    parent,
    args.propagation,
  );
  return { identity, grants, propagated };
}
