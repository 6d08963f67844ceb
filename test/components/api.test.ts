import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Api, type ApiArgs } from "../../components/api";
import type { ReleaseConfig } from "../../config/release";
import { FAKE_SUBSCRIPTION } from "../../offline/runtime/fakes";
import {
  type ResourceRecord,
  type SynthesisResult,
  countByType,
  ofType,
  one,
  record,
  expectChildrenOf,
} from "../support";
import { stackConfig, namingFor } from "../support/config";

type Stack = "staging" | "production";

const APP_INSIGHTS = "InstrumentationKey=55555555-5555-5555-5555-555555555555;IngestionEndpoint=https://x/";
const CANDIDATE = {
  version: "1.5.0",
  apiPackageUrl: "https://releases.example.com/shop-api/1.5.0/api.zip",
  apiPackageSha256: "b".repeat(64),
  frontendRef: "abcdef1",
};
const RG = "rg-shop";
const vaultUri = (s: string) => `https://kv-shop-x.vault.azure.net/secrets/${s}`;
const SECRET_URIS = {
  DATABASE_URL: vaultUri("database-url"),
  JWT_SECRET: vaultUri("jwt-secret"),
  SECRET_KEY: vaultUri("secret-key"),
  OPENAI_API_KEY: vaultUri("openai-api-key"),
  SENTRY_DSN: vaultUri("sentry-dsn"),
};
const PLAIN = {
  REDIS_URL: "rediss://redis-shop.westeurope.redis.azure.net:10000",
  APP_CONFIG_ENDPOINT: "https://appcs-shop.azconfig.io",
  API_CORS_ORIGINS: "https://shop.example.com",
};
const KV_ID = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-shop-x`;
const SYSTEM_PRINCIPAL = "11111111-1111-1111-1111-111111111111";
const READER_PRINCIPAL = "66666666-6666-6666-6666-666666666666";
const READER_CLIENT_ID = "77777777-7777-7777-7777-777777777777";
const READER_ID = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.managedidentity/UserAssignedIdentity/api-host-identity`;
const APPI_ID = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Insights/components/appi-shop`;
const APPCS_ID = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.AppConfiguration/configurationStores/appcs-shop`;

/** Production runs a candidate at 25% unless told otherwise. */
function config(stack: Stack, release?: Partial<ReleaseConfig>) {
  const patch = release ?? (stack === "production" ? { candidate: CANDIDATE, canaryPercentage: 25 } : {});
  return stackConfig(stack, { release: patch });
}

function args(stack: Stack, override: Partial<ApiArgs> = {}, release?: Partial<ReleaseConfig>): ApiArgs {
  const cfg = config(stack, release);
  const privateMode = cfg.network.mode === "private";
  return {
    naming: namingFor(cfg, stack),
    resourceGroupName: RG,
    location: cfg.environment.location,
    config: cfg.api,
    release: cfg.release,
    protect: cfg.protectStateful,
    network: privateMode
      ? {
          mode: "private",
          integrationSubnetId: "/subnets/apiIntegration",
          privateEndpointSubnetId: "/subnets/privateEndpoints",
          dnsZoneIds: {
            blob: "/zones/blob",
            queue: "/zones/queue",
            table: "/zones/table",
            file: "/zones/file",
          },
        }
      : { mode: "public" },
    secretUris: SECRET_URIS,
    plainSettings: PLAIN,
    appInsightsConnectionString: pulumi.secret(APP_INSIGHTS),
    appInsightsId: APPI_ID,
    keyVaultId: KV_ID,
    vault: { vaultName: "kv-shop-x", resourceGroupName: RG, expiresAt: 1_800_000_000 },
    appConfigStoreId: APPCS_ID,
    redis: { clusterName: "redis-shop", databaseName: "default" },
    ...override,
  };
}

const defaults = new Map<Stack, Promise<SynthesisResult>>();

/** Records the component; runs with the committed config are shared between tests (their results are plain data). */
function build(stack: Stack, override: Partial<ApiArgs> = {}, release?: Partial<ReleaseConfig>) {
  const shared = Object.keys(override).length === 0 && release === undefined;
  if (shared && defaults.has(stack)) return defaults.get(stack) as Promise<SynthesisResult>;
  const run = record(() => {
    const api = new Api("api", args(stack, override, release));
    return {
      functionAppName: api.functionAppName,
      url: api.url,
      healthUrl: api.healthUrl,
      principalId: api.principalId,
      canaryHostName: api.canaryHostName,
      canaryUrl: api.canaryUrl,
      canaryHealthUrl: api.canaryHealthUrl,
      canarySlotId: api.canarySlotId,
    };
  });
  if (shared) defaults.set(stack, run);
  return run;
}

type Setting = { name: string; value: unknown };
const settingsOf = (r: ResourceRecord) => (r.inputs.siteConfig as { appSettings: Setting[] }).appSettings;
const setting = (r: ResourceRecord, name: string) => settingsOf(r).find((s) => s.name === name)?.value;
const siteConfigOf = (r: ResourceRecord) => r.inputs.siteConfig as Record<string, unknown>;
const isSecretAt = (r: ResourceRecord, path: string) =>
  r.secretPaths.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
const apps = (res: SynthesisResult) => [
  ...ofType(res, "azure-native:web:WebApp"),
  ...ofType(res, "azure-native:web:WebAppSlot"),
];

const TYPE = {
  site: "azure-native:web:WebApp",
  slot: "azure-native:web:WebAppSlot",
  plan: "azure-native:web:AppServicePlan",
  account: "azure-native:storage:StorageAccount",
  role: "azure-native:authorization:RoleAssignment",
  redis: "azure-native:redisenterprise:AccessPolicyAssignment",
} as const;

describe("Api on Flex Consumption (staging)", () => {
  it("registers one FC1 plan, one site, host storage with a deployment container and seven grants, parented and named from the component", async () => {
    const result = await build("staging");
    expect(countByType(result)).toEqual({
      "azure-native:authorization:RoleAssignment": 7,
      "azure-native:keyvault:Secret": 1,
      "azure-native:managedidentity:UserAssignedIdentity": 1,
      "azure-native:redisenterprise:AccessPolicyAssignment": 1,
      "azure-native:storage:BlobContainer": 1,
      "azure-native:storage:StorageAccount": 1,
      "azure-native:web:AppServicePlan": 1,
      "azure-native:web:WebApp": 1,
      "azure-native:web:WebAppFtpAllowed": 1,
      "azure-native:web:WebAppScmAllowed": 1,
      "pulumi:pulumi:Stack": 1,
      "time:index/sleep:Sleep": 1,
      "webapp-platform:api:Api": 1,
    });
    expectChildrenOf(result, "api");
  });

  it("uses the FC1 plan and functionAppConfig with identity-based deployment, node 22 and the configured scale", async () => {
    const result = await build("staging");
    const plan = one(result, TYPE.plan);
    expect(plan.inputs).toMatchObject({
      name: "asp-shop-stg",
      kind: "functionapp",
      reserved: true,
      sku: { name: "FC1", tier: "FlexConsumption" },
    });
    expect(plan.inputs.maximumElasticWorkerCount).toBeUndefined();
    const site = one(result, TYPE.site);
    const account = one(result, TYPE.account).inputs.accountName as string;
    expect(site.inputs.kind).toBe("functionapp,linux");
    expect(site.inputs.functionAppConfig).toEqual({
      deployment: {
        storage: {
          type: "blobContainer",
          value: `https://${account}.blob.core.windows.net/app-package`,
          authentication: { type: "UserAssignedIdentity", userAssignedIdentityResourceId: READER_ID },
        },
      },
      runtime: { name: "node", version: "22" },
      scaleAndConcurrency: { instanceMemoryMB: 2048, maximumInstanceCount: 40 },
    });
    expect(site.inputs.virtualNetworkSubnetId).toBeUndefined();
  });

  it("sets none of the app settings or siteConfig properties Flex Consumption rejects", async () => {
    const site = one(await build("staging"), TYPE.site);
    for (const name of [
      "FUNCTIONS_WORKER_RUNTIME",
      "FUNCTIONS_EXTENSION_VERSION",
      "WEBSITE_RUN_FROM_PACKAGE",
      "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
      "WEBSITE_CONTENTSHARE",
      "WEBSITE_CONTENTOVERVNET",
      "WEBSITE_NODE_DEFAULT_VERSION",
    ]) {
      expect(setting(site, name), name).toBeUndefined();
    }
    const sc = siteConfigOf(site);
    for (const prop of [
      "linuxFxVersion",
      "ftpsState",
      "use32BitWorkerProcess",
      "netFrameworkVersion",
      "functionsRuntimeScaleMonitoringEnabled",
      "experiments",
    ]) {
      expect(sc[prop], prop).toBeUndefined();
    }
  });

  it("turns shared keys off on a locally redundant host storage account reached by identity", async () => {
    const result = await build("staging");
    const account = one(result, TYPE.account);
    expect(account.inputs).toMatchObject({
      accountName: "stshopstg" + account.inputs.accountName!.toString().slice(9),
      kind: "StorageV2",
      sku: { name: "Standard_LRS" },
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowCrossTenantReplication: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      networkRuleSet: { defaultAction: "Allow", bypass: "AzureServices" },
    });
    expect(account.protect).toBe(false);
    const site = one(result, TYPE.site);
    expect(setting(site, "AzureWebJobsStorage__accountName")).toBe(account.inputs.accountName);
    expect(setting(site, "AzureWebJobsStorage__credential")).toBe("managedidentity");
    expect(setting(site, "AzureWebJobsStorage__clientId")).toBe(READER_CLIENT_ID);
    expect(setting(site, "AzureWebJobsStorage")).toBeUndefined();
    expect(one(result, "azure-native:storage:BlobContainer").inputs).toMatchObject({
      containerName: "app-package",
      publicAccess: "None",
    });
  });

  it("exports the site URLs and no canary outputs", async () => {
    const { outputs } = await build("staging");
    const app = outputs.functionAppName as string;
    expect(outputs.url).toBe(`https://${app}.azurewebsites.net`);
    expect(outputs.healthUrl).toBe(`https://${app}.azurewebsites.net/health`);
    expect(outputs.principalId).toBe("11111111-1111-1111-1111-111111111111");
    expect(outputs.canaryHostName).toBeUndefined();
    expect(outputs.canarySlotId).toBeUndefined();
  });
});

describe("Api on Elastic Premium (production)", () => {
  it("registers the EP1 plan, site, canary slot, content shares, storage private endpoints and nine grants", async () => {
    const result = await build("production");
    expect(countByType(result)).toEqual({
      "azure-native:authorization:RoleAssignment": 9,
      "azure-native:keyvault:Secret": 2,
      "azure-native:managedidentity:UserAssignedIdentity": 1,
      "azure-native:network:PrivateDnsZoneGroup": 4,
      "azure-native:network:PrivateEndpoint": 4,
      "azure-native:redisenterprise:AccessPolicyAssignment": 2,
      "azure-native:storage:FileShare": 2,
      "azure-native:storage:StorageAccount": 1,
      "azure-native:web:AppServicePlan": 1,
      "azure-native:web:WebApp": 1,
      "azure-native:web:WebAppFtpAllowed": 1,
      "azure-native:web:WebAppFtpAllowedSlot": 1,
      "azure-native:web:WebAppScmAllowed": 1,
      "azure-native:web:WebAppScmAllowedSlot": 1,
      "azure-native:web:WebAppSlot": 1,
      "pulumi:pulumi:Stack": 1,
      "time:index/sleep:Sleep": 1,
      "webapp-platform:api:Api": 1,
    });
    expectChildrenOf(result, "api");
  });

  it("runs an EP1 Linux plan with the configured elastic scale and Node 22 on the site", async () => {
    const result = await build("production");
    expect(one(result, TYPE.plan).inputs).toMatchObject({
      kind: "elastic",
      reserved: true,
      sku: { name: "EP1", tier: "ElasticPremium" },
      maximumElasticWorkerCount: 20,
    });
    const site = one(result, TYPE.site);
    expect(site.inputs.functionAppConfig).toBeUndefined();
    expect(siteConfigOf(site)).toMatchObject({
      linuxFxVersion: "Node|22",
      ftpsState: "Disabled",
      healthCheckPath: "/health",
      minimumElasticInstanceCount: 2,
      functionAppScaleLimit: 20,
      vnetRouteAllEnabled: true,
    });
    expect(setting(site, "FUNCTIONS_WORKER_RUNTIME")).toBe("node");
    expect(setting(site, "FUNCTIONS_EXTENSION_VERSION")).toBe("~4");
  });

  it("joins the integration subnet and routes application and content-share traffic through it", async () => {
    const result = await build("production");
    for (const app of apps(result)) {
      expect(app.inputs.virtualNetworkSubnetId).toBe("/subnets/apiIntegration");
      expect(app.inputs.outboundVnetRouting).toEqual({ applicationTraffic: true, contentShareTraffic: true });
      expect(setting(app, "WEBSITE_CONTENTOVERVNET")).toBe("1");
    }
  });

  it("sends release.canaryPercentage of traffic to the canary slot through a ramp-up rule on the site", async () => {
    const result = await build("production");
    const site = one(result, TYPE.site);
    const app = site.inputs.name as string;
    expect(siteConfigOf(site).experiments).toEqual({
      rampUpRules: [
        { name: "canary", actionHostName: `${app}-canary.azurewebsites.net`, reroutePercentage: 25 },
      ],
    });
    expect(result.outputs.canaryHostName).toBe(`${app}-canary.azurewebsites.net`);
    expect(result.outputs.canaryHealthUrl).toBe(`https://${app}-canary.azurewebsites.net/health`);
    expect(siteConfigOf(one(result, TYPE.slot)).experiments).toBeUndefined();
  });

  it("keeps the ramp-up rule at 0% and the slot on the stable release when no rollout is under way", async () => {
    const result = await build("production", {}, { canaryPercentage: 0 });
    const site = one(result, TYPE.site);
    const rules = (siteConfigOf(site).experiments as { rampUpRules: { reroutePercentage: number }[] })
      .rampUpRules;
    expect(rules.map((r) => r.reroutePercentage)).toEqual([0]);
    const slot = one(result, TYPE.slot);
    expect(setting(slot, "WEBSITE_RUN_FROM_PACKAGE")).toBe(setting(site, "WEBSITE_RUN_FROM_PACKAGE"));
    expect(setting(slot, "RELEASE_SHA256")).toBe(setting(site, "RELEASE_SHA256"));
  });

  it("changes only the site's inputs when the canary percentage moves (a promotion step or a rollback)", async () => {
    const at25 = await build("production");
    const at50 = await build("production", {}, { candidate: CANDIDATE, canaryPercentage: 50 });
    const changed = at25.resources
      .filter((r, i) => JSON.stringify(r.inputs) !== JSON.stringify(at50.resources[i].inputs))
      .map((r) => r.name);
    expect(changed).toEqual(["api-site"]);
  });

  it("runs the stable package on the site and the candidate on the canary slot, each with its digest", async () => {
    const cfg = config("production");
    const result = await build("production");
    const site = one(result, TYPE.site);
    const slot = one(result, TYPE.slot);
    expect(slot.inputs).toMatchObject({ name: site.inputs.name, slot: "canary", kind: "functionapp,linux" });
    expect(setting(site, "WEBSITE_RUN_FROM_PACKAGE")).toBe(cfg.release.stable.apiPackageUrl);
    expect(setting(site, "RELEASE_VERSION")).toBe(cfg.release.stable.version);
    expect(setting(site, "RELEASE_SHA256")).toBe(cfg.release.stable.apiPackageSha256);
    expect(setting(slot, "WEBSITE_RUN_FROM_PACKAGE")).toBe(CANDIDATE.apiPackageUrl);
    expect(setting(slot, "RELEASE_VERSION")).toBe("1.5.0");
    expect(setting(slot, "RELEASE_SHA256")).toBe(CANDIDATE.apiPackageSha256);
  });

  it("keeps shared keys only for the content share, whose connection string is a Key Vault reference to a secret", async () => {
    const result = await build("production");
    const account = one(result, TYPE.account);
    expect(account.inputs).toMatchObject({
      sku: { name: "Standard_ZRS" },
      allowSharedKeyAccess: true,
      allowBlobPublicAccess: false,
      minimumTlsVersion: "TLS1_2",
      networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices" },
    });
    expect(account.protect).toBe(true);
    const secret = one(result, "azure-native:keyvault:Secret", "content-connection");
    expect(secret.inputs.secretName).toBe("api-content-share-connection");
    expect(isSecretAt(secret, "properties.value")).toBe(true);
    expect((secret.inputs.properties as { value: string }).value).toMatch(
      new RegExp(
        `^DefaultEndpointsProtocol=https;AccountName=${String(account.inputs.accountName)};AccountKey=.+`,
      ),
    );
    const site = one(result, TYPE.site);
    const slot = one(result, TYPE.slot);
    const ref =
      "@Microsoft.KeyVault(SecretUri=https://kv-shop-x.vault.azure.net/secrets/api-content-share-connection)";
    const app = site.inputs.name as string;
    expect(setting(site, "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")).toBe(ref);
    expect(setting(slot, "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")).toBe(ref);
    expect(setting(site, "WEBSITE_CONTENTSHARE")).toBe(app);
    expect(setting(slot, "WEBSITE_CONTENTSHARE")).toBe(`${app}-canary`);
    expect(setting(site, "WEBSITE_SKIP_CONTENTSHARE_VALIDATION")).toBe("1");
    expect(ofType(result, "azure-native:storage:FileShare").map((s) => s.inputs.shareName)).toEqual([
      app,
      `${app}-canary`,
    ]);
  });

  it("puts blob, queue, table and file behind private endpoints in the storage DNS zones", async () => {
    const result = await build("production");
    const pes = ofType(result, "azure-native:network:PrivateEndpoint");
    expect(
      pes.map((p) => (p.inputs.privateLinkServiceConnections as { groupIds: string[] }[])[0].groupIds[0]),
    ).toEqual(["blob", "queue", "table", "file"]);
    for (const pe of pes) expect(pe.inputs.subnet).toMatchObject({ id: "/subnets/privateEndpoints" });
    const zones = ofType(result, "azure-native:network:PrivateDnsZoneGroup").map(
      (z) => (z.inputs.privateDnsZoneConfigs as { privateDnsZoneId: string }[])[0].privateDnsZoneId,
    );
    expect(zones).toEqual(["/zones/blob", "/zones/queue", "/zones/table", "/zones/file"]);
  });
});

describe("Api security on both plans", () => {
  it.each(["staging", "production"] as const)(
    "%s: every credential-looking setting is a Key Vault reference unless explicitly plain",
    async (stack) => {
      const result = await build(stack);
      const explicitlyPlain = new Set(Object.keys(PLAIN));
      for (const app of apps(result)) {
        const checked = settingsOf(app).filter(
          (s) =>
            /(PASSWORD|SECRET|KEY|TOKEN|CONNECTION|DSN|_URL)/.test(s.name) && !explicitlyPlain.has(s.name),
        );
        expect(checked.length).toBeGreaterThanOrEqual(Object.keys(SECRET_URIS).length);
        for (const s of checked)
          expect(s.value, s.name).toMatch(/^@Microsoft\.KeyVault\(SecretUri=https:\/\//);
        for (const [name, uri] of Object.entries(SECRET_URIS)) {
          expect(setting(app, name)).toBe(`@Microsoft.KeyVault(SecretUri=${uri})`);
        }
        for (const [name, value] of Object.entries(PLAIN)) expect(setting(app, name)).toBe(value);
      }
    },
  );

  it.each(["staging", "production"] as const)(
    "%s: no secret value appears in any input outside a secret path",
    async (stack) => {
      const result = await build(stack);
      const secretTexts = [APP_INSIGHTS];
      const secretResource = ofType(result, "azure-native:keyvault:Secret", "content-connection")[0];
      if (secretResource !== undefined) {
        secretTexts.push(
          (secretResource.inputs.properties as { value: string }).value.split("AccountKey=")[1],
        );
      }
      let found = 0;
      for (const r of result.resources) {
        const walk = (v: unknown, path: string): void => {
          if (typeof v === "string") {
            if (secretTexts.some((t) => v.includes(t))) {
              found++;
              expect(isSecretAt(r, path), `${r.name} ${path}`).toBe(true);
            }
          } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
          else if (v !== null && typeof v === "object") {
            for (const [k, x] of Object.entries(v)) walk(x, path === "" ? k : `${path}.${k}`);
          }
        };
        walk(r.inputs, "");
      }
      expect(found).toBe(stack === "production" ? 2 : 1);
    },
  );

  it.each([
    ["staging", 1],
    ["production", 2],
  ] as const)(
    "%s: grants exactly the data-plane roles per identity, by GUID role assignment names",
    async (stack, identities) => {
      const result = await build(stack);
      const all = ofType(result, TYPE.role);
      expect(all).toHaveLength(2 * identities + 5);
      const roleDef = (guid: string) =>
        `/subscriptions/${FAKE_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
      const account = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.storage/StorageAccount/api-storage`;
      // Registration order follows when each scope id resolves, so compare as sorted pairs.
      const pairs = (list: unknown[][]) => list.map((p) => p.join(" ")).sort();
      const granted = (principal: string) =>
        pairs(
          all
            .filter((a) => a.inputs.principalId === principal)
            .map((a) => [a.inputs.roleDefinitionId, a.inputs.scope]),
        );
      // The application's system identity (site, and canary slot): its own data access only.
      const app = [
        [roleDef("4633458b-17de-408a-b874-0445c86b69e6"), KV_ID],
        [roleDef("516239f1-63e1-4d78-a4de-a74fb236a071"), APPCS_ID],
      ];
      expect(granted(SYSTEM_PRINCIPAL)).toEqual(pairs(Array.from({ length: identities }, () => app).flat()));
      // The host identity: Key Vault references, host storage and telemetry, once for site and slot.
      expect(granted(READER_PRINCIPAL)).toEqual(
        pairs([
          [roleDef("4633458b-17de-408a-b874-0445c86b69e6"), KV_ID],
          [roleDef("b7e6dc6d-f1e8-4753-8033-0f276bb0955b"), account],
          [roleDef("974c5e8b-45b9-4653-ba55-5f855dd0fb88"), account],
          [roleDef("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"), account],
          [roleDef("3913510d-42f4-4e42-8a64-420c390055eb"), APPI_ID],
        ]),
      );
      for (const a of all) {
        expect(a.inputs.principalType).toBe("ServicePrincipal");
        expect(a.inputs.roleAssignmentName).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
      }
      expect(new Set(all.map((a) => a.inputs.roleAssignmentName)).size).toBe(all.length);
      const policies = ofType(result, TYPE.redis);
      expect(policies).toHaveLength(identities);
      for (const p of policies) {
        expect(p.inputs).toMatchObject({
          resourceGroupName: RG,
          clusterName: "redis-shop",
          databaseName: "default",
          accessPolicyName: "default",
          user: { objectId: SYSTEM_PRINCIPAL },
        });
      }
      expect(policies.map((p) => p.inputs.accessPolicyAssignmentName)).toEqual(
        ["apisite", "apicanary"].slice(0, identities),
      );
    },
  );

  it.each(["staging", "production"] as const)(
    "%s: host storage, telemetry and Key Vault references use the user-assigned identity, granted and propagated before the site and slot exist",
    async (stack) => {
      const result = await build(stack);
      expect(one(result, "azure-native:managedidentity:UserAssignedIdentity").inputs).toMatchObject({
        resourceGroupName: RG,
        resourceName: `id-api-shop-${stack === "staging" ? "stg" : "prd"}`,
      });
      const grants = ofType(result, TYPE.role).filter((a) => a.inputs.principalId === READER_PRINCIPAL);
      expect(grants).toHaveLength(5);
      const wait = one(result, "time:index/sleep:Sleep");
      expect(wait.name).toBe("api-host-identity-propagation");
      expect(wait.inputs.createDuration).toBe("15m");
      expect(Object.keys(wait.inputs.triggers as object)).toHaveLength(5);
      expect([...wait.dependencies].sort()).toEqual(grants.map((g) => g.urn).sort());
      for (const app of apps(result)) {
        expect(app.inputs.keyVaultReferenceIdentity).toBe(READER_ID);
        expect(app.dependencies).toContain(wait.urn);
        expect(setting(app, "AzureWebJobsStorage__clientId")).toBe(READER_CLIENT_ID);
        expect(setting(app, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING")).toBe(
          `Authorization=AAD;ClientId=${READER_CLIENT_ID}`,
        );
      }
    },
  );

  it.each(["staging", "production"] as const)(
    "%s: FTP and SCM basic auth are off for the site and any slot",
    async (stack) => {
      const result = await build(stack);
      const app = one(result, TYPE.site).inputs.name;
      for (const t of ["WebAppFtpAllowed", "WebAppScmAllowed"]) {
        expect(one(result, `azure-native:web:${t}`).inputs).toEqual({
          resourceGroupName: RG,
          name: app,
          allow: false,
        });
        const slot = ofType(result, `azure-native:web:${t}Slot`);
        expect(slot.map((s) => s.inputs)).toEqual(
          stack === "production" ? [{ resourceGroupName: RG, name: app, slot: "canary", allow: false }] : [],
        );
      }
    },
  );

  it.each(["staging", "production"] as const)(
    "%s: sites are HTTPS-only with TLS 1.2, no remote debugging, no affinity and CORS limited to the configured origins",
    async (stack) => {
      const cfg = config(stack);
      const result = await build(stack);
      for (const app of apps(result)) {
        expect(app.inputs).toMatchObject({
          httpsOnly: true,
          clientAffinityEnabled: false,
          keyVaultReferenceIdentity: READER_ID,
          identity: { type: "SystemAssigned, UserAssigned", userAssignedIdentities: [READER_ID] },
        });
        expect(siteConfigOf(app)).toMatchObject({
          minTlsVersion: "1.2",
          scmMinTlsVersion: "1.2",
          remoteDebuggingEnabled: false,
          http20Enabled: true,
          healthCheckPath: "/health",
          cors: { allowedOrigins: cfg.api.corsOrigins, supportCredentials: false },
        });
        const origins = (siteConfigOf(app).cors as { allowedOrigins: string[] }).allowedOrigins;
        expect(origins.length).toBeGreaterThan(0);
        expect(origins.some((o) => o.includes("*"))).toBe(false);
        expect(setting(app, "API_HEALTH_PATH")).toBe("/health");
      }
    },
  );

  it("stores the Application Insights connection string in Key Vault and references it, so siteConfig holds no secret", async () => {
    const result = await build("staging");
    const secret = one(result, "azure-native:keyvault:Secret", "appinsights-connection");
    expect(secret.inputs).toMatchObject({
      vaultName: "kv-shop-x",
      secretName: "api-appinsights-connection-string",
      properties: {
        value: APP_INSIGHTS,
        contentType: "text/plain",
        attributes: { enabled: true, expires: 1_800_000_000 },
      },
    });
    expect(isSecretAt(secret, "properties.value")).toBe(true);
    const site = one(result, TYPE.site);
    expect(setting(site, "APPLICATIONINSIGHTS_CONNECTION_STRING")).toBe(
      "@Microsoft.KeyVault(SecretUri=https://kv-shop-x.vault.azure.net/secrets/api-appinsights-connection-string)",
    );
    expect(site.secretPaths).toEqual([]);
  });

  it("previews without resolved identities or keys", async () => {
    const result = await record(() => new Api("api", args("production")), { preview: true });
    expect(ofType(result, TYPE.role)).toHaveLength(9);
  });

  it("sends the site's and the slot's known settings in a preview, with only the unknown leaves unknown", async () => {
    // azure-native wraps siteConfig in one Output; one unknown Key Vault reference used to make all of it unknown.
    const result = await record(() => new Api("api", args("production")), { preview: true });
    for (const r of [one(result, TYPE.site), one(result, TYPE.slot)]) {
      const sc = r.inputs.siteConfig as Record<string, unknown>;
      expect(sc, r.name).toMatchObject({
        minTlsVersion: "1.2",
        scmMinTlsVersion: "1.2",
        ftpsState: "Disabled",
        remoteDebuggingEnabled: false,
        http20Enabled: true,
        netFrameworkVersion: "v4.6",
        localMySqlEnabled: false,
        healthCheckPath: "/health",
        cors: { allowedOrigins: ["https://shop.example.com", "https://www.shop.example.com"] },
      });
      const appInsights = (sc.appSettings as { name: string; value: unknown }[]).find(
        (a) => a.name === "APPLICATIONINSIGHTS_CONNECTION_STRING",
      );
      expect(appInsights?.value, r.name).toEqual({ __pulumiUnknown: true });
    }
    expect((one(result, TYPE.site).inputs.siteConfig as Record<string, unknown>).experiments).toEqual({
      rampUpRules: [
        {
          name: "canary",
          actionHostName: "func-shop-prd-99ce2-canary.azurewebsites.net",
          reroutePercentage: 25,
        },
      ],
    });
  });

  it("sends Flex Consumption's settings in a preview without the properties FC1 rejects", async () => {
    const result = await record(() => new Api("api", args("staging")), { preview: true });
    const sc = one(result, TYPE.site).inputs.siteConfig as Record<string, unknown>;
    expect(sc).toMatchObject({ minTlsVersion: "1.2", http20Enabled: true, healthCheckPath: "/health" });
    for (const prop of ["linuxFxVersion", "ftpsState", "netFrameworkVersion", "use32BitWorkerProcess"]) {
      expect(sc[prop], prop).toBeUndefined();
    }
  });
});

describe("Api argument validation", () => {
  const fails = (stack: Stack, override: Partial<ApiArgs>, message: string) =>
    expect(record(() => new Api("api", args(stack, override)))).rejects.toThrow(message);

  it("rejects a candidate or a canary percentage on Flex Consumption", async () => {
    const release = { ...config("staging").release, candidate: CANDIDATE, canaryPercentage: 10 };
    await fails(
      "staging",
      { release },
      "release.canaryPercentage: a canary needs a deployment slot, which Flex Consumption lacks; use api.plan ElasticPremium, or remove release.candidate and set release.canaryPercentage to 0",
    );
  });

  it("rejects a canary percentage without a candidate", async () => {
    const release = { ...config("production").release, candidate: undefined, canaryPercentage: 10 };
    await fails(
      "production",
      { release },
      "release.canaryPercentage: is 10 but no release.candidate is set; set a candidate or use 0",
    );
  });

  it("requires the subnets and zones in private mode", async () => {
    await fails(
      "production",
      { network: { mode: "private" } },
      "network.integrationSubnetId: private mode needs the API integration subnet; " +
        "network.privateEndpointSubnetId: private mode needs the private endpoint subnet for storage; " +
        "network.dnsZoneIds: private mode needs the blob, queue, table and file private DNS zone ids",
    );
  });

  it("rejects wildcard CORS origins", async () => {
    await fails(
      "staging",
      { config: { ...config("staging").api, corsOrigins: ["*"] } },
      "config.corsOrigins: a wildcard is not allowed; list each origin, e.g. https://app.example.com",
    );
  });

  it("rejects credential-looking plain settings, credentials in plain URLs and versioned or foreign secret URIs", async () => {
    await fails(
      "staging",
      {
        plainSettings: { STRIPE_API_KEY: "sk_live_x", REDIS_URL: "rediss://default:hunter2@redis:10000" },
        secretUris: {
          DATABASE_URL: "https://kv-shop-x.vault.azure.net/secrets/database-url/0123abcd0123abcd",
        },
      },
      "secretUris.DATABASE_URL: 'https://kv-shop-x.vault.azure.net/secrets/database-url/0123abcd0123abcd' is not a versionless Key Vault secret URI; pass the secret's properties.secretUri (https://<vault>.vault.azure.net/secrets/<name>); " +
        "plainSettings.STRIPE_API_KEY: looks like a credential (PASSWORD, SECRET, KEY, TOKEN, CONNECTION or DSN); store it in Key Vault and pass its URI in secretUris; " +
        "plainSettings.REDIS_URL: the URL carries credentials (user:password@); store it in Key Vault and pass its URI in secretUris",
    );
  });

  it("rejects settings the component owns and names that are both secret and plain", async () => {
    await fails(
      "staging",
      {
        plainSettings: { FUNCTIONS_WORKER_RUNTIME: "node", DATABASE_URL: "postgres://db" },
      },
      "plainSettings.FUNCTIONS_WORKER_RUNTIME: is set by the API component itself; remove it; " +
        "plainSettings.DATABASE_URL: is also in secretUris; a setting is either a Key Vault reference or plain",
    );
  });
});
