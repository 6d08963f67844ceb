import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TAGGABLE_TYPES } from "../components/tags";
import { PROGRAM_APP_SETTINGS, PROGRAM_VAULT_SECRETS, PROGRAM_VERCEL_VARIABLES } from "../config/reserved";
import { SECRET_PLACEHOLDER_PREFIX } from "../offline/runtime/harness";
import { type ResourceRecord, type SynthesisResult, countByType, ofType, one, synthesize } from "./support";
import { ROOT, rawStackConfig } from "./support/config";

type Stack = "staging" | "production";
const STACKS: Stack[] = ["staging", "production"];
const results = {} as Record<Stack, SynthesisResult>;

beforeAll(async () => {
  for (const stack of STACKS) results[stack] = await synthesize({ programDir: ROOT, stack });
}, 60_000);

/** Every string leaf of a value with its dotted path. */
function leaves(value: unknown, at = ""): [string, string][] {
  if (typeof value === "string") return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, at === "" ? k : `${at}.${k}`));
  }
  return [];
}

const under = (p: string, secretPaths: string[]) =>
  secretPaths.some((s) => p === s || p.startsWith(`${s}.`) || p.startsWith(`${s}[`));

describe.each(STACKS)("%s stack as committed", (stack) => {
  it("registers every resource a stack of this shape needs, and only those", () => {
    const counts = countByType(results[stack]);
    const production = stack === "production";
    expect(counts).toMatchObject({
      "azure-native:dbforpostgresql:Server": 1,
      "azure-native:redisenterprise:RedisEnterprise": 1,
      "azure-native:redisenterprise:Database": 1,
      "azure-native:keyvault:Vault": 1,
      "azure-native:web:WebApp": 1,
      "azure-native:web:AppServicePlan": 1,
      "azure-native:web:StaticSite": 1,
      "azure-native:appconfiguration:ConfigurationStore": 1,
      "azure-native:appconfiguration:KeyValue": 6,
      "azure-native:operationalinsights:Workspace": 1,
      "azure-native:applicationinsights:Component": 1,
      "azure-native:applicationinsights:WebTest": 1,
      "azure-native:monitor:ActionGroup": 1,
      "azure-native:monitor:ScheduledQueryRule": 5,
      "postgresql:index/role:Role": 3,
      "random:index/randomPassword:RandomPassword": 6,
      "time:index/sleep:Sleep": 2,
      "vercel:index/project:Project": 1,
    });
    expect(counts["azure-native:redis:Redis"]).toBeUndefined();
    expect(counts["azure-native:web:WebAppSlot"] ?? 0).toBe(production ? 1 : 0);
    expect(counts["azure-native:network:VirtualNetwork"] ?? 0).toBe(production ? 1 : 0);
    expect(counts["azure-native:network:PrivateEndpoint"] ?? 0).toBe(production ? 7 : 0);
    expect(counts["azure-native:privatedns:PrivateZone"] ?? 0).toBe(production ? 9 : 0);
    expect(counts["azure-native:dbforpostgresql:FirewallRule"] ?? 0).toBe(production ? 0 : 1);
    expect(counts["vercel:index/projectRollingRelease:ProjectRollingRelease"] ?? 0).toBe(production ? 1 : 0);
    expect(counts["vercel:index/firewallConfig:FirewallConfig"] ?? 0).toBe(production ? 1 : 0);
    expect(results[stack].resources).toHaveLength(production ? 168 : 108);
  });

  it("tags every taggable Azure resource with environment, owner, cost-center and managed-by", () => {
    for (const r of results[stack].resources.filter((x) => TAGGABLE_TYPES.has(x.type))) {
      expect(r.inputs.tags, `${r.type} ${r.name}`).toMatchObject({
        environment: stack,
        owner: "platform-team",
        "cost-center": "cc-4711",
        "managed-by": "pulumi",
      });
    }
  });

  it("knows exactly which registered Azure types take tags (checked against the provider's type files)", () => {
    const types = new Set(
      results[stack].resources.map((r) => r.type).filter((t) => t.startsWith("azure-native:")),
    );
    for (const type of types) {
      const [, module, resource] = type.split(":");
      const file = path.join(
        ROOT,
        "node_modules/@pulumi/azure-native",
        module,
        `${resource[0].toLowerCase()}${resource.slice(1)}.d.ts`,
      );
      const source = fs.readFileSync(file, "utf8");
      const args = source.slice(source.indexOf(`export interface ${resource}Args`));
      expect(TAGGABLE_TYPES.has(type), type).toBe(/\n\s+tags\?: /.test(args));
    }
  });

  it("passes every generated password and external secret only as a Pulumi secret", () => {
    const passwords = ofType(results[stack], "random:index/randomPassword:RandomPassword").map((r) => r.name);
    expect(passwords.length).toBeGreaterThan(0);
    const offenders: string[] = [];
    for (const r of results[stack].resources) {
      for (const [p, text] of leaves(r.inputs)) {
        const looksSecret =
          text.includes(SECRET_PLACEHOLDER_PREFIX) ||
          /^[A-HJ-NP-Za-km-z2-9]{24,}$/.test(text) ||
          /:\/\/[^/@\s]+:[^/@\s]+@/.test(text);
        if (looksSecret && !under(p, r.secretPaths)) offenders.push(`${r.type} ${r.name} ${p}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("stores each secret app setting as a Key Vault reference and never a value", () => {
    const site = one(results[stack], "azure-native:web:WebApp");
    const settings = (site.inputs.siteConfig as { appSettings: { name: string; value: string }[] })
      .appSettings;
    const byName = Object.fromEntries(settings.map((s) => [s.name, s.value]));
    for (const name of [
      "DATABASE_URL",
      "DATABASE_READONLY_URL",
      "JWT_SECRET",
      "SECRET_KEY",
      "OPENAI_API_KEY",
      "SENTRY_DSN",
      "SENDGRID_API_KEY",
      "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ]) {
      expect(byName[name], name).toMatch(
        /^@Microsoft\.KeyVault\(SecretUri=https:\/\/kv-shop-(stg|prd)-[0-9a-f]{5}\.vault\.azure\.net\/secrets\/[a-z0-9-]+\)$/,
      );
    }
    expect(byName.REDIS_URL).toMatch(
      /^rediss:\/\/redis-shop-(stg|prd)-[0-9a-f]{5}\.westeurope\.redis\.azure\.net:10000$/,
    );
    for (const s of settings) {
      if (/(PASSWORD|SECRET|_KEY|TOKEN|DSN)/.test(s.name) && !s.name.startsWith("AzureWebJobsStorage")) {
        expect(s.value, s.name).toMatch(/^@Microsoft\.KeyVault\(/);
      }
    }
  });

  it("points every alert at a resource of this stack and at the action group", () => {
    const urns = new Set(results[stack].resources.map((r) => r.urn));
    const actionGroup = one(results[stack], "azure-native:monitor:ActionGroup");
    const alerts = [
      ...ofType(results[stack], "azure-native:monitor:MetricAlert"),
      ...ofType(results[stack], "azure-native:monitor:ScheduledQueryRule"),
    ];
    expect(alerts.length).toBeGreaterThanOrEqual(stack === "production" ? 9 : 7);
    for (const a of alerts) {
      const scopeDeps = a.propertyDependencies.scopes ?? [];
      expect(scopeDeps.length, a.name).toBeGreaterThan(0);
      for (const urn of scopeDeps) expect(urns.has(urn), `${a.name} -> ${urn}`).toBe(true);
      expect(a.propertyDependencies.actions, a.name).toEqual([actionGroup.urn]);
    }
  });

  it("points the availability test at the API's /health", () => {
    const test = one(results[stack], "azure-native:applicationinsights:WebTest");
    const api = results[stack].outputs.api as { healthUrl: string; functionAppName: string };
    expect((test.inputs.request as { requestUrl: string }).requestUrl).toBe(api.healthUrl);
    expect(api.healthUrl).toBe(`https://${api.functionAppName}.azurewebsites.net/health`);
  });

  it("exports endpoints and names only, with nothing sensitive in plain outputs", () => {
    const text = JSON.stringify(results[stack].outputs);
    expect(text).not.toContain(SECRET_PLACEHOLDER_PREFIX);
    expect(text).not.toMatch(/password|InstrumentationKey|@Microsoft\.KeyVault/i);
    expect(results[stack].outputs.release).toEqual(rawStackConfig(stack).release);
  });

  it("leaves out the parts a stack does not have instead of exporting undefined (pulumi warns on each run)", () => {
    const missing = Object.entries(results[stack].outputs).filter(([, v]) => v === undefined);
    expect(missing.map(([k]) => k)).toEqual([]);
  });
});

describe.each(STACKS)("%s stack: names and principals", (stack) => {
  it("names the principal type on every role assignment; the deployer's is deployer.principalType", () => {
    const assignments = ofType(results[stack], "azure-native:authorization:RoleAssignment");
    expect(assignments.length).toBeGreaterThan(5);
    // The app's identities are service principals; the committed stacks deploy from CI (the default).
    for (const a of assignments) expect(a.inputs.principalType, a.name).toBe("ServicePrincipal");
    expect(
      one(results[stack], "azure-native:authorization:RoleAssignment", "-deployer-data-owner").inputs,
    ).toMatchObject({
      principalId: "99999999-9999-9999-9999-999999999999",
      principalType: "ServicePrincipal",
    });
  });

  it("registers no app setting, Key Vault secret or Vercel variable name that config/reserved.ts does not list", () => {
    const raw = rawStackConfig(stack) as {
      secrets: { external: string[] };
      vercel: { publicEnv: Record<string, string>; preview?: { publicEnv?: Record<string, string> } };
    };
    const vaultName = (env: string) => env.toLowerCase().replace(/_/g, "-");
    const settings = [
      ...ofType(results[stack], "azure-native:web:WebApp"),
      ...ofType(results[stack], "azure-native:web:WebAppSlot"),
    ].flatMap((r) =>
      ((r.inputs.siteConfig as { appSettings: { name: string }[] }).appSettings ?? []).map((a) => a.name),
    );
    expect(
      settings.filter((n) => !raw.secrets.external.includes(n) && !PROGRAM_APP_SETTINGS.includes(n)),
    ).toEqual([]);
    const secrets = ofType(results[stack], "azure-native:keyvault:Secret").map((r) =>
      String(r.inputs.secretName),
    );
    const known = [...raw.secrets.external, ...PROGRAM_VAULT_SECRETS].map(vaultName);
    expect(secrets.filter((n) => !known.includes(n))).toEqual([]);
    const variables = ofType(
      results[stack],
      "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
    ).map((r) => String(r.inputs.key));
    const configured = [
      ...Object.keys(raw.vercel.publicEnv),
      ...Object.keys(raw.vercel.preview?.publicEnv ?? {}),
    ];
    const programVariables: readonly string[] = PROGRAM_VERCEL_VARIABLES;
    expect(variables.filter((k) => !configured.includes(k) && !programVariables.includes(k))).toEqual([]);
  });
});

describe("a person deploying from a workstation", () => {
  it("deployer.principalType User reaches the deployer's grant, and only it", async () => {
    const result = await synthesize({
      programDir: ROOT,
      stack: "staging",
      configOverrides: { "webapp-platform:deployer": { principalType: "User" } },
    });
    const types = ofType(result, "azure-native:authorization:RoleAssignment").map((a) => [
      a.name.endsWith("-deployer-data-owner"),
      a.inputs.principalType,
    ]);
    expect(types.filter(([deployer]) => deployer)).toEqual([[true, "User"]]);
    expect(types.filter(([deployer]) => !deployer).every(([, t]) => t === "ServicePrincipal")).toBe(true);
  });
});

describe("staging and production differ only where config says", () => {
  const server = (s: Stack) => one(results[s], "azure-native:dbforpostgresql:Server");
  it("production's stateful resources are protected and staging's are not", () => {
    for (const type of [
      "azure-native:dbforpostgresql:Server",
      "azure-native:redisenterprise:RedisEnterprise",
      "azure-native:keyvault:Vault",
      "azure-native:appconfiguration:ConfigurationStore",
    ]) {
      expect(one(results.production, type).protect, type).toBe(true);
      expect(one(results.staging, type).protect, type).toBe(false);
    }
  });

  it("production's server is zone-redundant with 35-day geo-redundant backups; staging's is burstable with 7 days", () => {
    expect(server("production").inputs).toMatchObject({
      highAvailability: { mode: "ZoneRedundant" },
      backup: { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
      sku: { tier: "GeneralPurpose", name: "Standard_D2ds_v5" },
      network: { publicNetworkAccess: "Disabled" },
    });
    expect(server("staging").inputs).toMatchObject({
      highAvailability: { mode: "Disabled" },
      backup: { backupRetentionDays: 7, geoRedundantBackup: "Disabled" },
      sku: { tier: "Burstable", name: "Standard_B1ms" },
    });
  });

  it("production's site and canary slot deny every address on the SCM (Kudu) endpoint", () => {
    for (const type of ["azure-native:web:WebApp", "azure-native:web:WebAppSlot"]) {
      expect(
        (one(results.production, type).inputs.siteConfig as Record<string, unknown>)
          .scmIpSecurityRestrictionsDefaultAction,
        type,
      ).toBe("Deny");
    }
  });

  it("the Vercel rolling release follows production's rollout plan", () => {
    const rr = one(results.production, "vercel:index/projectRollingRelease:ProjectRollingRelease");
    const plan = (rawStackConfig("production").rollout as { stages: { percentage: number }[] }).stages;
    expect((rr.inputs.stages as { targetPercentage: number }[]).map((s) => s.targetPercentage)).toEqual(
      plan.map((s) => s.percentage),
    );
    expect(rr.inputs.advancementType).toBe("manual-approval");
  });
});

describe("a deployer without network reach to the database", () => {
  it("with database.manageObjects false, no in-database object is registered and the app's URLs still exist", async () => {
    const result = await synthesize({
      programDir: ROOT,
      stack: "production",
      configOverrides: {
        "webapp-platform:database": {
          ...(rawStackConfig("production").database as object),
          manageObjects: false,
        },
      },
    });
    expect(
      result.resources.filter(
        (r) => r.type.startsWith("postgresql:") || r.type === "pulumi:providers:postgresql",
      ),
    ).toEqual([]);
    expect(ofType(result, "azure-native:keyvault:Secret").map((s) => s.inputs.secretName)).toEqual(
      expect.arrayContaining(["database-url", "database-readonly-url", "database-migrator-url"]),
    );
  });
});

describe("telemetry tells the canary from the stable slot", () => {
  it("the site reports the app name and the canary slot <app>-canary as cloud role", () => {
    const role = (r: ResourceRecord) =>
      (r.inputs.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings.find(
        (s) => s.name === "WEBSITE_CLOUD_ROLENAME",
      )?.value;
    const app = (results.production.outputs.api as { functionAppName: string }).functionAppName;
    expect(role(one(results.production, "azure-native:web:WebApp"))).toBe(app);
    expect(role(one(results.production, "azure-native:web:WebAppSlot"))).toBe(`${app}-canary`);
  });
});

describe("moving the canary percentage is a config-only change", () => {
  const candidate = {
    version: "1.5.0",
    apiPackageUrl: "https://releases.example.com/shop-api/1.5.0/api.zip",
    apiPackageSha256: "b".repeat(64),
    frontendRef: "abcdef1234567",
  };
  const withCanary = (pct: number) => ({
    "webapp-platform:release": {
      ...(rawStackConfig("production").release as object),
      candidate,
      canaryPercentage: pct,
    },
  });
  let at50: SynthesisResult;
  let at0: SynthesisResult;
  beforeAll(async () => {
    at50 = await synthesize({ programDir: ROOT, stack: "production", configOverrides: withCanary(50) });
    at0 = await synthesize({ programDir: ROOT, stack: "production", configOverrides: withCanary(0) });
  }, 60_000);

  it("the percentage flows to the site's ramp-up rule targeting the canary slot", () => {
    const rules = (r: SynthesisResult) =>
      (
        one(r, "azure-native:web:WebApp").inputs.siteConfig as {
          experiments: { rampUpRules: { reroutePercentage: number; actionHostName: string; name: string }[] };
        }
      ).experiments.rampUpRules;
    expect(rules(at50)).toEqual([
      {
        name: "canary",
        actionHostName: expect.stringMatching(/^func-shop-prd-[0-9a-f]{5}-canary\.azurewebsites\.net$/),
        reroutePercentage: 50,
      },
    ]);
    expect(rules(at0)[0].reroutePercentage).toBe(0);
  });

  it("changing 50 to 0 changes only the production site's inputs; nothing stateful changes", () => {
    const byUrn = (r: SynthesisResult) => new Map(r.resources.map((x: ResourceRecord) => [x.urn, x]));
    const a = byUrn(at50);
    const b = byUrn(at0);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    const changed = [...a.entries()]
      .filter(([urn, x]) => JSON.stringify(x.inputs) !== JSON.stringify(b.get(urn)?.inputs))
      .map(([, x]) => `${x.type}::${x.name}`);
    expect(changed).toEqual(["azure-native:web:WebApp::api-site"]);
  });
});
