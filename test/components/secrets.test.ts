import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { rangeToIpRules, Secrets, type SecretsArgs, secretExpiry } from "../../components/secrets";
import { stackConfig, namingFor } from "../support/config";
import { countByType, expectChildrenOf, one, ofType, record, type SynthesisResult } from "../support/index";

const VAULT = "azure-native:keyvault:Vault";
const SECRET = "azure-native:keyvault:Secret";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const PE = "azure-native:network:PrivateEndpoint";

function argsFor(stack: "staging" | "production", patch: Partial<SecretsArgs> = {}): SecretsArgs {
  const c = stackConfig(stack);
  const naming = namingFor(c, stack);
  const isPrivate = c.network.mode === "private";
  return {
    naming,
    resourceGroupName: "rg-shop",
    location: c.environment.location,
    tenantId: "22222222-2222-2222-2222-222222222222",
    config: c.secrets,
    externalSecrets: Object.fromEntries(c.secrets.external.map((n) => [n, pulumi.secret(`value-of-${n}`)])),
    network: {
      mode: c.network.mode,
      allowedIpRanges: c.network.allowedIpRanges,
      deployerIpRanges: c.network.deployerIpRanges,
      privateEndpointSubnetId: isPrivate ? "/subscriptions/s/subnets/endpoints" : undefined,
      dnsZoneId: isPrivate ? "/subscriptions/s/privateDnsZones/privatelink.vaultcore.azure.net" : undefined,
    },
    protect: c.protectStateful,
    ...patch,
  };
}

async function synth(stack: "staging" | "production", patch: Partial<SecretsArgs> = {}) {
  let component: Secrets | undefined;
  const result = await record(() => {
    component = new Secrets("secrets", argsFor(stack, patch));
    return {
      vaultName: component.vaultName,
      vaultUri: component.vaultUri,
      secretUris: component.secretUris,
      expiresAt: component.vault.expiresAt,
    };
  });
  return { result, component: component as Secrets };
}

describe("Secrets", () => {
  let staging: SynthesisResult;
  let production: SynthesisResult;

  it("staging vault: RBAC, 7-day soft delete, no purge protection sent, public with firewall ranges, unprotected", async () => {
    staging = (await synth("staging")).result;
    const vault = one(staging, VAULT);
    expect(vault.inputs.vaultName).toMatch(/^kv-shop-stg-[0-9a-f]{5}$/);
    expect(vault.inputs.properties).toEqual({
      tenantId: "22222222-2222-2222-2222-222222222222",
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      accessPolicies: [],
      enableSoftDelete: true,
      softDeleteRetentionInDays: 7,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      publicNetworkAccess: "Enabled",
      networkAcls: {
        defaultAction: "Allow",
        bypass: "AzureServices",
        ipRules: [{ value: "203.0.113.0/24" }],
      },
    });
    expect(vault.protect).toBe(false);
    expect(ofType(staging, PE)).toHaveLength(0);
  });

  it("production vault: purge protection, 90-day retention, default deny, public access off, private endpoint, protected", async () => {
    production = (await synth("production")).result;
    const vault = one(production, VAULT);
    const props = vault.inputs.properties as Record<string, unknown>;
    expect(props.enablePurgeProtection).toBe(true);
    expect(props.softDeleteRetentionInDays).toBe(90);
    expect(props.publicNetworkAccess).toBe("Disabled");
    expect(props.networkAcls).toEqual({ defaultAction: "Deny", bypass: "AzureServices", ipRules: [] });
    expect(vault.protect).toBe(true);
    const pe = one(production, PE);
    expect(pe.name).toBe("secrets-vault-pe");
    expect(pe.inputs.privateEndpointName).toBe("pe-kv-shop-prd");
    expect(pe.inputs.privateLinkServiceConnections).toEqual([
      {
        name: "pe-kv-shop-prd",
        privateLinkServiceId: expect.stringContaining("/Microsoft.keyvault/Vault/secrets-vault"),
        groupIds: ["vault"],
      },
    ]);
    const dns = one(production, "azure-native:network:PrivateDnsZoneGroup");
    expect(dns.inputs.privateEndpointName).toBe("pe-kv-shop-prd");
    expect(dns.propertyDependencies.privateEndpointName).toEqual([
      expect.stringMatching(/PrivateEndpoint::secrets-vault-pe$/),
    ]);
    expect(dns.inputs.privateDnsZoneConfigs).toEqual([
      { name: "vault", privateDnsZoneId: "/subscriptions/s/privateDnsZones/privatelink.vaultcore.azure.net" },
    ]);
  });

  it("never sends enablePurgeProtection false (Azure rejects it once it was on)", () => {
    const props = one(staging, VAULT).inputs.properties as Record<string, unknown>;
    expect("enablePurgeProtection" in props).toBe(false);
  });

  it("creates the vault, two generated passwords and one secret per generated and external name", () => {
    expect(countByType(staging)).toEqual({
      [PASSWORD]: 2,
      [SECRET]: 5,
      [VAULT]: 1,
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:secrets:Secrets": 1,
    });
  });

  it("generates JWT_SECRET and SECRET_KEY with 64 characters, rotated by rotatedOn", () => {
    for (const n of ["jwt-secret", "secret-key"]) {
      const p = one(staging, PASSWORD, `-${n}-generated`);
      expect(p.inputs.length).toBe(64);
      expect(p.inputs.keepers).toEqual({ rotatedOn: "2026-11-01" });
      expect(p.inputs.overrideSpecial).toBe("-_");
    }
  });

  it("stores every secret with a Key Vault name, text/plain content type and the deterministic expiry", () => {
    const expires = Date.parse("2026-11-01T00:00:00Z") / 1000 + 180 * 86400;
    const names = ofType(staging, SECRET).map((s) => s.inputs.secretName);
    expect(names.sort()).toEqual([
      "jwt-secret",
      "openai-api-key",
      "secret-key",
      "sendgrid-api-key",
      "sentry-dsn",
    ]);
    for (const s of ofType(staging, SECRET)) {
      const props = s.inputs.properties as { contentType: string; attributes: unknown };
      expect(props.contentType).toBe("text/plain");
      expect(props.attributes).toEqual({ enabled: true, expires });
      expect(s.inputs.vaultName).toBe(one(staging, VAULT).inputs.vaultName);
    }
  });

  it("passes every secret value only as a Pulumi secret", () => {
    // The SDK marks the whole `properties` object secret because its `value` is one.
    for (const s of ofType(staging, SECRET)) expect(s.secretPaths).toEqual(["properties"]);
    expect(one(staging, SECRET, "-jwt-secret").inputs.properties).toMatchObject({
      value: expect.stringMatching(/^[A-Za-z0-9]{64}$/),
    });
    expect(one(staging, SECRET, "-openai-api-key").inputs.properties).toMatchObject({
      value: "value-of-OPENAI_API_KEY",
    });
  });

  it("exposes versionless secret URIs by env var name and no value", () => {
    const uris = staging.outputs.secretUris as Record<string, string>;
    expect(Object.keys(uris)).toEqual([
      "JWT_SECRET",
      "SECRET_KEY",
      "OPENAI_API_KEY",
      "SENTRY_DSN",
      "SENDGRID_API_KEY",
    ]);
    const vaultName = staging.outputs.vaultName as string;
    expect(uris.JWT_SECRET).toBe(`https://${vaultName}.vault.azure.net/secrets/jwt-secret`);
    expect(staging.outputs.vaultUri).toBe(`https://${vaultName}.vault.azure.net/`);
    expect(staging.secretOutputs).toEqual([]);
  });

  it("parents every child to the component and names it from the component name", () => {
    expectChildrenOf(staging, "secrets");
  });

  it("rejects private mode without an endpoint subnet and DNS zone", async () => {
    const base = argsFor("production");
    const args = { ...base, network: { ...base.network, privateEndpointSubnetId: undefined } };
    await expect(record(() => new Secrets("secrets", args))).rejects.toThrow(
      "network.privateEndpointSubnetId and network.dnsZoneId are required in private mode",
    );
  });
});

describe("rangeToIpRules", () => {
  it("turns aligned ranges into one CIDR and single addresses into plain IPs", () => {
    expect(rangeToIpRules("203.0.113.0", "203.0.113.255")).toEqual(["203.0.113.0/24"]);
    expect(rangeToIpRules("198.51.100.7", "198.51.100.7")).toEqual(["198.51.100.7"]);
  });

  it("covers unaligned ranges exactly, writing /31 blocks as two addresses", () => {
    expect(rangeToIpRules("10.0.0.1", "10.0.0.10")).toEqual([
      "10.0.0.1",
      "10.0.0.2",
      "10.0.0.3",
      "10.0.0.4/30",
      "10.0.0.8",
      "10.0.0.9",
      "10.0.0.10",
    ]);
    expect(rangeToIpRules("192.0.2.255", "192.0.3.0")).toEqual(["192.0.2.255", "192.0.3.0"]);
  });
});

describe("secretExpiry", () => {
  it("counts expiryDays from rotatedOn at UTC midnight", () => {
    expect(secretExpiry("2026-11-01", 365)).toBe(1793491200 + 365 * 86400);
  });
});
