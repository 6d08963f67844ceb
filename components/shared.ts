import * as keyvault from "@pulumi/azure-native/keyvault";
import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";

/** Where generated and external secrets are stored, and how long they live. */
export interface VaultRef {
  /** Key Vault name. */
  readonly vaultName: pulumi.Input<string>;
  /** Resource group of the vault. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Unix time (seconds) at which secrets expire; derived from config so plans are repeatable. */
  readonly expiresAt: number;
}

/** Key Vault secret names allow letters, digits and '-' only: OPENAI_API_KEY becomes openai-api-key. */
export function keyVaultSecretName(envName: string): string {
  const name = envName.toLowerCase().replace(/_/g, "-");
  if (!/^[a-z0-9-]{1,127}$/.test(name)) {
    throw new Error(
      `secret name '${envName}' cannot become a Key Vault secret name (letters, digits, '-', 1-127)`,
    );
  }
  return name;
}

/**
 * Stores a secret value in Key Vault through ARM (the management plane, so the vault's network rules do not block
 * `pulumi up`), with a content type and an expiry. Returns the secret; use `versionlessUri` for app references.
 */
export function vaultSecret(
  name: string,
  vault: VaultRef,
  secretName: string,
  value: pulumi.Input<string>,
  contentType: string,
  parent: pulumi.Resource,
): keyvault.Secret {
  return new keyvault.Secret(
    name,
    {
      resourceGroupName: vault.resourceGroupName,
      vaultName: vault.vaultName,
      secretName,
      properties: {
        value: pulumi.secret(value),
        contentType,
        attributes: { enabled: true, expires: vault.expiresAt },
      },
    },
    { parent },
  );
}

/** The App Service Key Vault reference for a secret: the app resolves it at runtime with its identity. */
export function keyVaultReference(secret: keyvault.Secret): pulumi.Output<string> {
  return pulumi.interpolate`@Microsoft.KeyVault(SecretUri=${secret.properties.secretUri})`;
}

/** Arguments for {@link privateEndpoint}. */
export interface PrivateEndpointArgs {
  /** Resource group. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Region. */
  readonly location: string;
  /** Physical name of the endpoint (2-64 characters). */
  readonly endpointName: string;
  /** Subnet for endpoints. */
  readonly subnetId: pulumi.Input<string>;
  /** Resource id of the service the endpoint reaches. */
  readonly targetId: pulumi.Input<string>;
  /** Sub-resource (group id), e.g. `vault`, `redisEnterprise`, `blob`, `configurationStores`, `sites`. */
  readonly groupId: string;
  /** Private DNS zone the endpoint's A record goes in. */
  readonly dnsZoneId: pulumi.Input<string>;
}

/**
 * A private endpoint plus the DNS zone group that registers its address in the private DNS zone,
 * both children of `parent` and named `${name}-pe` / `${name}-pe-dns`. `dependsOn` orders the endpoint after
 * other operations on its target (a storage account accepts one exclusive operation at a time).
 */
export function privateEndpoint(
  name: string,
  args: PrivateEndpointArgs,
  parent: pulumi.Resource,
  dependsOn: pulumi.Resource[] = [],
): network.PrivateEndpoint {
  const pe = new network.PrivateEndpoint(
    `${name}-pe`,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      privateEndpointName: args.endpointName,
      subnet: { id: args.subnetId },
      privateLinkServiceConnections: [
        { name: args.endpointName, privateLinkServiceId: args.targetId, groupIds: [args.groupId] },
      ],
    },
    { parent, dependsOn },
  );
  new network.PrivateDnsZoneGroup(
    `${name}-pe-dns`,
    {
      resourceGroupName: args.resourceGroupName,
      privateEndpointName: pe.name,
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [{ name: args.groupId, privateDnsZoneId: args.dnsZoneId }],
    },
    { parent },
  );
  return pe;
}
