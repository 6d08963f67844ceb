import * as keyvault from "@pulumi/azure-native/keyvault";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ipToNumber, type NetworkConfig, type SecretsConfig } from "../config/schema";
import type { Naming } from "./naming";
import { keyVaultSecretName, privateEndpoint, type VaultRef, vaultSecret } from "./shared";

/** An IPv4 range from the network config (name, first and last address). */
export type IpRange = NetworkConfig["allowedIpRanges"][number];

/** Secrets this component generates (env var name to length); rotated by `rotatedOn`. */
export const GENERATED_SECRETS: Readonly<Record<string, number>> = { JWT_SECRET: 64, SECRET_KEY: 64 };

/** Content type of every secret this component stores. */
export const SECRET_CONTENT_TYPE = "text/plain";

/** Network placement of the vault. */
export interface SecretsNetworkArgs {
  /** `public`: firewall-restricted public endpoint; `private`: public access off, private endpoint. */
  readonly mode: NetworkConfig["mode"];
  /** Client ranges admitted by the vault firewall (public mode). */
  readonly allowedIpRanges: readonly IpRange[];
  /** Deployer (CI runner) ranges admitted by the vault firewall. */
  readonly deployerIpRanges: readonly IpRange[];
  /** Subnet for the vault's private endpoint; required in private mode. */
  readonly privateEndpointSubnetId?: pulumi.Input<string>;
  /** Private DNS zone `privatelink.vaultcore.azure.net`; required in private mode. */
  readonly dnsZoneId?: pulumi.Input<string>;
}

/** Arguments of {@link Secrets}. */
export interface SecretsArgs {
  /** Physical names of the stack. */
  readonly naming: Naming;
  /** Resource group of the vault. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: string;
  /** Entra tenant the vault authenticates against. */
  readonly tenantId: pulumi.Input<string>;
  /** The stack's `secrets` config section. */
  readonly config: SecretsConfig;
  /**
   * Externally issued secrets by UPPER_SNAKE env var name (Pulumi secrets): the names in `config.external`, which the
   * config loader has checked (present, secure, not a name the program uses itself).
   */
  readonly externalSecrets: Record<string, pulumi.Output<string>>;
  /** Network placement. */
  readonly network: SecretsNetworkArgs;
  /** Protect the vault from deletion. */
  readonly protect: boolean;
}

/** Unix time (seconds) at which secrets expire: `rotatedOn` (UTC midnight) plus `expiryDays`; repeatable across plans. */
export function secretExpiry(rotatedOn: string, expiryDays: number): number {
  return Date.parse(`${rotatedOn}T00:00:00Z`) / 1000 + expiryDays * 86400;
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/**
 * The smallest list of Key Vault IP rules covering `startIp`-`endIp` exactly: aligned CIDR blocks, with single
 * addresses written without a prefix and /31 blocks split into two addresses (small prefixes are written as addresses).
 */
export function rangeToIpRules(startIp: string, endIp: string): string[] {
  const rules: string[] = [];
  let start = ipToNumber(startIp);
  const end = ipToNumber(endIp);
  while (start <= end) {
    let size = 1;
    while (start % (size * 2) === 0 && start + size * 2 - 1 <= end) size *= 2;
    if (size <= 2) {
      for (let i = 0; i < size; i++) rules.push(numberToIp(start + i));
    } else {
      rules.push(`${numberToIp(start)}/${32 - Math.log2(size)}`);
    }
    start += size;
  }
  return rules;
}

/**
 * Key Vault (RBAC authorization, soft delete, optional purge protection, network ACLs or a private endpoint) holding
 * the generated app secrets (JWT_SECRET, SECRET_KEY, rotated by `config.rotatedOn`) and the external secrets. Exposes
 * versionless secret URIs for Key Vault references; never a value.
 */
export class Secrets extends pulumi.ComponentResource {
  /** Vault name. */
  public readonly vaultName: pulumi.Output<string>;
  /** Vault resource id (scope for role assignments). */
  public readonly vaultId: pulumi.Output<string>;
  /** Vault URI, e.g. https://kv-shop-prd-abcde.vault.azure.net/. */
  public readonly vaultUri: pulumi.Output<string>;
  /** Where other components store their secrets. */
  public readonly vault: VaultRef;
  /** Versionless secret URIs by env var name (JWT_SECRET, SECRET_KEY and each external secret). */
  public readonly secretUris: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:secrets:Secrets", name, {}, opts);
    const { config, network } = args;

    if (network.mode === "private" && (!network.privateEndpointSubnetId || !network.dnsZoneId)) {
      throw new pulumi.ResourceError(
        "network.privateEndpointSubnetId and network.dnsZoneId are required in private mode: pass the Network component's endpoint subnet and privatelink.vaultcore.azure.net zone",
        this,
      );
    }

    const isPrivate = network.mode === "private";
    const ipRules = [...network.allowedIpRanges, ...network.deployerIpRanges]
      .flatMap((r) => rangeToIpRules(r.startIp, r.endIp))
      .map((value) => ({ value }));

    const vault = new keyvault.Vault(
      `${name}-vault`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        vaultName: args.naming.keyVault(),
        properties: {
          tenantId: args.tenantId,
          sku: { family: "A", name: keyvault.SkuName.Standard },
          enableRbacAuthorization: true,
          accessPolicies: [],
          enableSoftDelete: true,
          softDeleteRetentionInDays: config.softDeleteRetentionDays,
          // Purge protection can't be switched off once on; Azure rejects `false`, so it is omitted instead.
          ...(config.purgeProtection ? { enablePurgeProtection: true } : {}),
          enabledForDeployment: false,
          enabledForDiskEncryption: false,
          enabledForTemplateDeployment: false,
          publicNetworkAccess: isPrivate ? "Disabled" : "Enabled",
          networkAcls: {
            defaultAction: config.networkDefaultAction,
            bypass: keyvault.NetworkRuleBypassOptions.AzureServices,
            ipRules,
          },
        },
      },
      { parent: this, protect: args.protect },
    );

    if (isPrivate) {
      privateEndpoint(
        `${name}-vault`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          endpointName: args.naming.plain("pe-kv"),
          subnetId: network.privateEndpointSubnetId as pulumi.Input<string>,
          targetId: vault.id,
          groupId: "vault",
          dnsZoneId: network.dnsZoneId as pulumi.Input<string>,
        },
        this,
      );
    }

    const vaultRef: VaultRef = {
      vaultName: vault.name,
      resourceGroupName: args.resourceGroupName,
      expiresAt: secretExpiry(config.rotatedOn, config.expiryDays),
    };

    const values: Record<string, pulumi.Output<string>> = {};
    for (const [envName, length] of Object.entries(GENERATED_SECRETS)) {
      const generated = new random.RandomPassword(
        `${name}-${keyVaultSecretName(envName)}-generated`,
        {
          length,
          special: true,
          overrideSpecial: "-_",
          minUpper: 2,
          minLower: 2,
          minNumeric: 2,
          keepers: { rotatedOn: config.rotatedOn },
        },
        { parent: this },
      );
      values[envName] = generated.result;
    }
    Object.assign(values, args.externalSecrets);

    const secretUris: Record<string, pulumi.Output<string>> = {};
    for (const [envName, value] of Object.entries(values)) {
      const secretName = keyVaultSecretName(envName);
      const secret = vaultSecret(
        `${name}-${secretName}`,
        vaultRef,
        secretName,
        value,
        SECRET_CONTENT_TYPE,
        this,
      );
      secretUris[envName] = secret.properties.secretUri;
    }

    this.vaultName = vault.name;
    this.vaultId = vault.id;
    this.vaultUri = vault.properties.vaultUri;
    this.vault = vaultRef;
    this.secretUris = secretUris;
    this.registerOutputs({
      vaultName: this.vaultName,
      vaultId: this.vaultId,
      vaultUri: this.vaultUri,
      vault: this.vault,
      secretUris: this.secretUris,
    });
  }
}
