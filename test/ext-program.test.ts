// The whole program with the products' extensions set (issue 13 section 2): uploads, app settings, health body.
import { beforeAll, describe, expect, it } from "vitest";
import { type RecordedResource, type SynthesisResult, countByType, ofType, one, synthesize } from "./support";
import { ROOT, rawStackConfig } from "./support/config";

const CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
const DELEGATOR = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a";
const APP_SETTINGS = {
  SHOPIFY_APP_URL: "https://shop.example.com",
  SCOPES: "read_orders",
  NODE_ENV: "production",
};

const results = {} as Record<"staging" | "production" | "plain" | "plainProduction", SynthesisResult>;

beforeAll(async () => {
  const api = (stack: "staging" | "production") => ({
    ...(rawStackConfig(stack).api as object),
    appSettings: APP_SETTINGS,
    healthCheckBody: '"healthy":true',
  });
  results.production = await synthesize({
    programDir: ROOT,
    stack: "production",
    configOverrides: {
      "webapp-platform:uploads": { containerName: "documents" },
      "webapp-platform:api": api("production"),
    },
  });
  results.staging = await synthesize({
    programDir: ROOT,
    stack: "staging",
    configOverrides: {
      "webapp-platform:uploads": { browserUpload: true },
      "webapp-platform:api": api("staging"),
      // A server-rendered frontend's server-side secret, from Pulumi secret config, and its framework.
      "webapp-platform:vercel": {
        ...(rawStackConfig("staging").vercel as object),
        framework: "remix",
        sensitiveEnv: ["SHOPIFY_API_SECRET"],
      },
      "webapp-platform:externalSecrets": Object.fromEntries(
        ["OPENAI_API_KEY", "SENTRY_DSN", "SENDGRID_API_KEY", "SHOPIFY_API_SECRET"].map((n) => [
          n,
          { secure: `v1:${n}` },
        ]),
      ),
    },
  });
  results.plain = await synthesize({ programDir: ROOT, stack: "staging" });
  results.plainProduction = await synthesize({ programDir: ROOT, stack: "production" });
}, 180_000);

const settingsOf = (r: RecordedResource) =>
  Object.fromEntries(
    (r.inputs.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings.map((s) => [
      s.name,
      s.value,
    ]),
  );
const grantsTo = (result: SynthesisResult, role: string) =>
  ofType(result, "azure-native:authorization:RoleAssignment").filter((a) =>
    String(a.inputs.roleDefinitionId).endsWith(role),
  );

describe("uploads", () => {
  it("adds nothing when the key is absent", () => {
    expect(ofType(results.plain, "webapp-platform:uploads:Uploads")).toHaveLength(0);
    expect(results.plain.outputs.uploadsContainerUrl).toBeUndefined();
    expect(ofType(results.plain, "azure-native:storage:StorageAccount")).toHaveLength(1);
    expect(settingsOf(one(results.plain, "azure-native:web:WebApp"))).not.toHaveProperty(
      "UPLOADS_CONTAINER_URL",
    );
  });

  it("production: a private account of its own, shared keys off, no public access, behind a blob private endpoint", () => {
    const created = (r: SynthesisResult) => countByType(r);
    const extra = Object.fromEntries(
      Object.entries(created(results.production)).map(([t, n]) => [
        t,
        n - (created(results.plainProduction)[t] ?? 0),
      ]),
    );
    expect(one(results.production, "azure-native:storage:StorageAccount", "uploads-storage").inputs).toEqual({
      resourceGroupName: "rg-shop-prd-westeurope",
      location: "westeurope",
      accountName: "stupshopprd99ce2",
      kind: "StorageV2",
      sku: { name: "Standard_ZRS" },
      accessTier: "Hot",
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      allowCrossTenantReplication: false,
      defaultToOAuthAuthentication: true,
      publicNetworkAccess: "Disabled",
      networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices" },
      tags: {
        "cost-center": "cc-4711",
        environment: "production",
        "managed-by": "pulumi",
        owner: "platform-team",
      },
    });
    expect(one(results.production, "azure-native:storage:StorageAccount", "uploads-storage").protect).toBe(
      true,
    );
    expect(
      one(results.production, "azure-native:storage:BlobContainer", "uploads-container").inputs,
    ).toMatchObject({
      accountName: "stupshopprd99ce2",
      containerName: "documents",
      publicAccess: "None",
    });
    expect(one(results.production, "azure-native:storage:BlobServiceProperties").inputs).toMatchObject({
      blobServicesName: "default",
      deleteRetentionPolicy: { enabled: true, days: 14 },
      containerDeleteRetentionPolicy: { enabled: true, days: 14 },
      isVersioningEnabled: true,
      cors: { corsRules: [] },
    });
    const pe = one(results.production, "azure-native:network:PrivateEndpoint", "uploads-storage-blob-pe");
    expect(pe.inputs.privateLinkServiceConnections).toEqual([
      {
        name: "pe-stup-shop-prd-blob",
        groupIds: ["blob"],
        privateLinkServiceId: expect.stringContaining("uploads-storage") as unknown,
      },
    ]);
    expect(
      ofType(results.production, "azure-native:monitor:DiagnosticSetting", "uploads-storage-blob")[0]?.inputs
        .resourceUri,
    ).toMatch(/uploads-storage\/blobServices\/default$/);
    expect(Object.fromEntries(Object.entries(extra).filter(([, n]) => n !== 0))).toEqual({
      "azure-native:authorization:RoleAssignment": 2,
      "azure-native:monitor:DiagnosticSetting": 2,
      "azure-native:network:PrivateDnsZoneGroup": 1,
      "azure-native:network:PrivateEndpoint": 1,
      "azure-native:storage:BlobContainer": 1,
      "azure-native:storage:BlobServiceProperties": 1,
      "azure-native:storage:StorageAccount": 1,
      "webapp-platform:uploads:Uploads": 1,
    });
  });

  it("grants Storage Blob Data Contributor on the container only, to the site and the canary slot identities", () => {
    const grants = grantsTo(results.production, CONTRIBUTOR);
    expect(grants.map((g) => g.name).sort()).toEqual([
      "api-canary-uploads-blob-contributor",
      "api-site-uploads-blob-contributor",
    ]);
    const container = one(results.production, "azure-native:storage:BlobContainer", "uploads-container");
    for (const g of grants) {
      expect(g.inputs.principalType).toBe("ServicePrincipal");
      expect(g.inputs.scope).toMatch(/\/uploads-container$/);
      expect(g.propertyDependencies.scope).toEqual([container.urn]);
    }
    expect(grantsTo(results.production, DELEGATOR)).toHaveLength(0);
  });

  it("gives the site and the slot UPLOADS_CONTAINER_URL, and exports it", () => {
    const url = "https://stupshopprd99ce2.blob.core.windows.net/documents";
    expect(results.production.outputs.uploadsContainerUrl).toBe(url);
    expect(settingsOf(one(results.production, "azure-native:web:WebApp")).UPLOADS_CONTAINER_URL).toBe(url);
    expect(settingsOf(one(results.production, "azure-native:web:WebAppSlot")).UPLOADS_CONTAINER_URL).toBe(
      url,
    );
  });

  it("staging with browserUpload: CORS PUT from the stack's own origins, Delegator on the account for SAS", () => {
    const account = one(results.staging, "azure-native:storage:StorageAccount", "uploads-storage");
    expect(account.inputs).toMatchObject({ publicNetworkAccess: "Enabled", allowSharedKeyAccess: false });
    const service = one(results.staging, "azure-native:storage:BlobServiceProperties");
    const cors = (service.inputs.cors as { corsRules: Record<string, unknown>[] }).corsRules;
    expect(cors).toHaveLength(1);
    expect(cors[0]).toMatchObject({
      allowedMethods: ["PUT"],
      allowedHeaders: ["content-type", "x-ms-*"],
      exposedHeaders: ["etag", "x-ms-*"],
      maxAgeInSeconds: 3600,
    });
    const origins = cors[0]!.allowedOrigins as string[];
    expect(origins.slice(0, 2)).toEqual(["https://staging.shop.example.com", "http://localhost:3000"]);
    // The Static Web App's generated host follows: the stack's own origins, nothing else.
    expect(origins).toHaveLength(3);
    expect(origins[2]).toMatch(/^https:\/\/[a-z0-9.-]+$/);
    expect(origins.every((o) => o !== "*")).toBe(true);
    const delegator = grantsTo(results.staging, DELEGATOR);
    expect(delegator.map((g) => g.name)).toEqual(["api-site-uploads-blob-delegator"]);
    expect(delegator[0]!.inputs.scope).toMatch(/\/uploads-storage$/);
  });
});

describe("api.appSettings and api.healthCheckBody", () => {
  it("puts the app settings on the site and the canary slot", () => {
    expect(settingsOf(one(results.production, "azure-native:web:WebApp"))).toMatchObject(APP_SETTINGS);
    expect(settingsOf(one(results.production, "azure-native:web:WebAppSlot"))).toMatchObject(APP_SETTINGS);
    expect(settingsOf(one(results.staging, "azure-native:web:WebApp"))).toMatchObject(APP_SETTINGS);
  });

  it("matches the health body in the availability test and exports it for the promotion", () => {
    for (const r of [results.production, results.staging]) {
      const test = one(r, "azure-native:applicationinsights:WebTest");
      expect((test.inputs.validationRules as { contentValidation: unknown }).contentValidation).toEqual({
        contentMatch: '"healthy":true',
        ignoreCase: false,
        passIfTextFound: true,
      });
      expect((r.outputs.api as { healthCheckBody: string }).healthCheckBody).toBe('"healthy":true');
    }
    expect((results.plain.outputs.api as { healthCheckBody: string }).healthCheckBody).toBe('"status":"ok"');
  });
});

describe("a server-rendered frontend's secrets and framework reach Vercel", () => {
  it("vercel.sensitiveEnv becomes a sensitive production+preview variable whose value stays a secret", () => {
    const vars = ofType(
      results.staging,
      "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
    );
    const secret = vars.filter((v) => v.inputs.key === "SHOPIFY_API_SECRET");
    expect(secret).toHaveLength(1);
    expect(secret[0]!.inputs).toMatchObject({ sensitive: true, targets: ["production", "preview"] });
    expect(secret[0]!.secretPaths).toContain("value");
    expect(String(secret[0]!.inputs.value)).toMatch(/^\[secret placeholder/);
    expect(vars.filter((v) => v.inputs.sensitive === true).map((v) => v.inputs.key)).toEqual([
      "SHOPIFY_API_SECRET",
    ]);
    // Never an app setting of the API, and never in the outputs.
    expect(settingsOf(one(results.staging, "azure-native:web:WebApp"))).not.toHaveProperty(
      "SHOPIFY_API_SECRET",
    );
    expect(JSON.stringify(results.staging.outputs)).not.toContain("SHOPIFY_API_SECRET");
  });

  it("vercel.framework reaches the project resource", () => {
    expect(one(results.staging, "vercel:index/project:Project").inputs.framework).toBe("remix");
    expect(one(results.plain, "vercel:index/project:Project").inputs.framework).toBe("nextjs");
  });
});
