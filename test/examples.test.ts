/**
 * The five product examples (`examples/<product>`, REQUIREMENTS.md "The five products"): each runs this repository's
 * program (not a copy), both stacks plan offline and pass the policy check with no mandatory violation, and each
 * registers the numbers its plan sets (SKUs, thresholds, rollout stages, flags, secrets as placeholders).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { isSecureValue } from "../config/stack-file";
import { SECRET_PLACEHOLDER_PREFIX } from "../offline/runtime/harness";
import { runPolicyCheck } from "../tools/policy-check";
import { type SynthesisResult, countByType, ofType, one, synthesize } from "./support";
import { ROOT } from "./support/config";
import {
  EXAMPLES,
  EXAMPLE_STACKS,
  type Example,
  type ExampleStack,
  exampleConfig,
  exampleDir,
  exampleExternalSecrets,
  exampleFolders,
  examplePolicyConfig,
} from "./support/examples";

const plans = new Map<string, SynthesisResult>();
const plan = (example: Example, stack: ExampleStack): SynthesisResult => {
  const result = plans.get(`${example}/${stack}`);
  if (result === undefined) throw new Error(`no plan of ${example}/${stack}`);
  return result;
};

beforeAll(async () => {
  for (const example of EXAMPLES) {
    for (const stack of EXAMPLE_STACKS) {
      plans.set(`${example}/${stack}`, await synthesize({ programDir: exampleDir(example), stack }));
    }
  }
}, 240_000);

const CASES = EXAMPLES.flatMap((e) => EXAMPLE_STACKS.map((s) => [e, s] as const));

/** Resources each example stack registers (the whole plan, components included). */
const TOTALS: Record<Example, Record<ExampleStack, number>> = {
  "supply-chain": { staging: 105, production: 168 },
  "policy-mvp": { staging: 105, production: 171 },
  agentic: { staging: 96, production: 152 },
  "shopify-dashboard": { staging: 100, production: 160 },
  erp: { staging: 112, production: 175 },
};

/** The input at a dotted path of one registration. */
const at = (inputs: Record<string, unknown>, dotted: string): unknown =>
  dotted.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], inputs);

/** The threshold of an alert (metric or log alert) by logical name. */
function threshold(result: SynthesisResult, name: string): unknown {
  const r = result.resources.find((x) => x.name === name);
  if (r === undefined) throw new Error(`no alert ${name}`);
  return at(r.inputs, "criteria.allOf.0.threshold");
}

/** The app settings of the API site (name to value). */
function siteSettings(result: SynthesisResult): Record<string, unknown> {
  const site = one(result, "azure-native:web:WebApp");
  const list = at(site.inputs, "siteConfig.appSettings") as { name: string; value: unknown }[];
  return Object.fromEntries(list.map((x) => [x.name, x.value]));
}

/** Flag name to the rollout percentage its App Configuration key-value carries. */
function flagPercentages(result: SynthesisResult): Record<string, number> {
  return Object.fromEntries(
    ofType(result, "azure-native:appconfiguration:KeyValue").map((r) => {
      const flag = JSON.parse(String(r.inputs.value)) as {
        id: string;
        conditions: { client_filters: { parameters: { Audience: { DefaultRolloutPercentage: number } } }[] };
      };
      return [flag.id, flag.conditions.client_filters[0].parameters.Audience.DefaultRolloutPercentage];
    }),
  );
}

describe("the examples folder", () => {
  it("holds exactly the five products of REQUIREMENTS.md", () => {
    expect(exampleFolders()).toEqual([...EXAMPLES].sort());
  });

  it.each(EXAMPLES)(
    "%s runs this repository's program under the config namespace's project name",
    (example) => {
      const project = YAML.parse(fs.readFileSync(path.join(exampleDir(example), "Pulumi.yaml"), "utf8")) as {
        name: string;
        main: string;
        runtime: { name: string };
      };
      expect(project.name).toBe("webapp-platform");
      expect(project.runtime.name).toBe("nodejs");
      expect(path.resolve(exampleDir(example), project.main)).toBe(ROOT);
      for (const stack of EXAMPLE_STACKS) {
        expect(fs.existsSync(path.join(exampleDir(example), `Pulumi.${stack}.yaml`))).toBe(true);
      }
      expect(fs.existsSync(path.join(exampleDir(example), "README.md"))).toBe(true);
    },
  );

  it.each(EXAMPLE_STACKS)(
    "the %s policy config differs from the repository's only in the CORS allow-list and PostgreSQL 15",
    (stack) => {
      const own = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", `${stack}.json`), "utf8"));
      const examples = JSON.parse(fs.readFileSync(examplePolicyConfig(stack), "utf8"));
      const differing = Object.keys({ ...own, ...examples }).filter(
        (rule) => JSON.stringify(own[rule]) !== JSON.stringify(examples[rule]),
      );
      const cors = "web-webapp-configure-cors-allowlist";
      expect(differing).toEqual([
        "postgresql-server-disallow-retired-version",
        ...(stack === "production" ? [cors] : []),
      ]);
      expect(examples["postgresql-server-disallow-retired-version"]).toEqual({
        enforcementLevel: "mandatory",
        minVersion: 15,
      });
      if (stack === "production") {
        expect(examples[cors]).toEqual({
          enforcementLevel: "mandatory",
          allowedOriginPatterns: [
            "^https://(supply|policy|agents|shopdash|erp)\\.example\\.com$",
            "^https://[a-z0-9-]+(\\.[a-z0-9-]+)*\\.azurestaticapps\\.net$",
          ],
        });
      }
    },
  );
});

describe.each(CASES)("example %s, stack %s", (example, stack) => {
  it("plans offline with the program at the repository root", () => {
    const result = plan(example, stack);
    expect(result.resources).toHaveLength(TOTALS[example][stack]);
    const config = exampleConfig(example, stack);
    expect(config.environment.name).toBe(stack);
    const group = one(result, "azure-native:resources:ResourceGroup");
    expect(group.inputs.resourceGroupName).toBe(
      `rg-${config.environment.workload}-${stack === "staging" ? "stg" : "prd"}-westeurope`,
    );
    const counts = countByType(result);
    expect(counts["azure-native:web:WebAppSlot"] ?? 0).toBe(stack === "production" ? 1 : 0);
    expect(counts["azure-native:network:VirtualNetwork"] ?? 0).toBe(stack === "production" ? 1 : 0);
  });

  it("passes the policy check with no mandatory violation", async () => {
    const result = await runPolicyCheck({
      programDir: exampleDir(example),
      stack,
      profile: "all",
      policyConfig: examplePolicyConfig(stack),
    });
    expect(result.resourceCount).toBe(TOTALS[example][stack]);
    expect(result.mandatory.map((f) => `${f.policy} ${f.urn ?? ""}: ${f.message}`)).toEqual([]);
  }, 120_000);

  it("keeps every external secret a `secure:` placeholder, reaching resources only as a secret", () => {
    const file = YAML.parse(
      fs.readFileSync(path.join(exampleDir(example), `Pulumi.${stack}.yaml`), "utf8"),
    ) as { config: Record<string, unknown> };
    const external = file.config["webapp-platform:externalSecrets"] as Record<string, unknown>;
    const config = exampleConfig(example, stack);
    const names = [...new Set([...config.secrets.external, ...config.vercel.sensitiveEnv])].sort();
    expect(exampleExternalSecrets(example, stack).sort()).toEqual(names);
    for (const name of names) expect(isSecureValue(external[name]), name).toBe(true);
    const placeholders = plan(example, stack).resources.flatMap((r) =>
      Object.entries(r.inputs)
        .filter(([, v]) => JSON.stringify(v).includes(SECRET_PLACEHOLDER_PREFIX))
        .map(([k]) => ({ r, k })),
    );
    expect(placeholders.length).toBeGreaterThanOrEqual(names.length);
    for (const { r, k } of placeholders) {
      expect(
        r.secretPaths.some((p) => p === k || p.startsWith(`${k}.`)),
        `${r.name}.${k}`,
      ).toBe(true);
    }
  });
});

describe("each example registers its plan's numbers", () => {
  it("supply-chain: the health checker alerts after 3 failed runs of /health; 5 % errors; no flags", () => {
    for (const stack of EXAMPLE_STACKS) {
      const result = plan("supply-chain", stack);
      const test = one(result, "azure-native:applicationinsights:WebTest");
      expect(at(test.inputs, "request.requestUrl")).toBe(
        `https://func-supply-${stack === "staging" ? "stg-71d4b" : "prd-99ce2"}.azurewebsites.net/health`,
      );
      const availability = result.resources.find((r) => r.name === "alerts-availability");
      expect(at(availability?.inputs ?? {}, "criteria.allOf.0.failingPeriods")).toEqual({
        minFailingPeriodsToAlert: 3,
        numberOfEvaluationPeriods: 3,
      });
      expect(threshold(result, "alerts-error-rate")).toBe(5);
      expect(ofType(result, "azure-native:appconfiguration:KeyValue")).toHaveLength(0);
      expect(ofType(result, "azure-native:web:StaticSite")).toHaveLength(0);
      expect(one(result, "vercel:index/project:Project").inputs.framework).toBe("nextjs");
      const container = one(result, "azure-native:storage:BlobContainer", "uploads-container");
      expect(container.inputs).toMatchObject({ containerName: "uploads", publicAccess: "None" });
      expect(one(result, "azure-native:storage:StorageAccount", "uploads-storage").inputs).toMatchObject({
        sku: { name: "Standard_ZRS" },
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
      });
      expect(
        one(result, "azure-native:storage:BlobServiceProperties", "uploads-blob-service").inputs,
      ).toMatchObject({
        deleteRetentionPolicy: { days: 14, enabled: true },
        isVersioningEnabled: true,
      });
      expect(siteSettings(result).UPLOADS_CONTAINER_URL).toBe(
        `https://stupsupply${stack === "staging" ? "stg71d4b" : "prd99ce2"}.blob.core.windows.net/uploads`,
      );
    }
    expect(exampleConfig("supply-chain", "production").rollout.gates).toMatchObject({
      maxErrorRatePercent: 5,
      healthFailures: 3,
    });
  });

  it("policy-mvp: Python API, PostgreSQL 15 with the three extensions, pool 5-20, Redis AOF, 1 GB canary gate", () => {
    for (const stack of EXAMPLE_STACKS) {
      const result = plan("policy-mvp", stack);
      const server = one(result, "azure-native:dbforpostgresql:Server");
      expect(server.inputs.version).toBe("15");
      expect(server.inputs.backup).toEqual(
        stack === "staging"
          ? { backupRetentionDays: 7, geoRedundantBackup: "Disabled" }
          : { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
      );
      const params = Object.fromEntries(
        ofType(result, "azure-native:dbforpostgresql:Configuration").map((r) => [
          r.inputs.configurationName,
          r.inputs.value,
        ]),
      );
      expect(params["azure.extensions"]).toBe("UUID-OSSP,PG_TRGM,BTREE_GIN");
      const app = ofType(result, "postgresql:index/role:Role").find((r) => r.inputs.name === "app");
      if (stack === "staging") {
        expect(params["pgbouncer.enabled"]).toBeUndefined();
        expect(app?.inputs.connectionLimit).toBe(20);
      } else {
        expect([params["pgbouncer.min_pool_size"], params["pgbouncer.default_pool_size"]]).toEqual([
          "5",
          "20",
        ]);
      }
      const site = one(result, "azure-native:web:WebApp");
      if (stack === "staging") {
        expect(at(site.inputs, "functionAppConfig.runtime")).toEqual({ name: "python", version: "3.12" });
      } else {
        expect(at(site.inputs, "siteConfig.linuxFxVersion")).toBe("Python|3.12");
      }
      expect(one(result, "vercel:index/project:Project").inputs.framework).toBe("nextjs");
    }
    const wsUrl = (env: string) => `wss://wps-policy-${env}.webpubsub.azure.com/client/hubs/app`;
    const variables = (stack: ExampleStack) =>
      ofType(plan("policy-mvp", stack), "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")
        .filter((r) => r.inputs.key === "NEXT_PUBLIC_WS_URL")
        .map((r) => [r.inputs.targets, r.inputs.value]);
    expect(variables("staging")).toEqual([[["production", "preview"], wsUrl("stg-71d4b")]]);
    expect(variables("production")).toEqual(
      expect.arrayContaining([
        [["production"], wsUrl("prd-99ce2")],
        [["preview"], wsUrl("stg-71d4b")],
      ]),
    );
    expect(variables("production")).toHaveLength(2);
    expect(one(plan("policy-mvp", "staging"), "azure-native:webpubsub:WebPubSub").inputs.sku).toMatchObject({
      name: "Free_F1",
      capacity: 1,
    });
    expect(
      one(plan("policy-mvp", "production"), "azure-native:webpubsub:WebPubSub").inputs.sku,
    ).toMatchObject({ name: "Standard_S1", capacity: 1 });
    const database = one(plan("policy-mvp", "production"), "azure-native:redisenterprise:Database");
    expect(database.inputs.persistence).toEqual({ aofEnabled: true, aofFrequency: "1s" });
    expect(exampleConfig("policy-mvp", "production").rollout.gates).toMatchObject({
      maxErrorRatePercent: 5,
      maxP95LatencyMs: 500,
      maxP95LatencyRatio: 2,
      maxMemoryMb: 1024,
    });
  });

  it("agentic: Static Web Apps instead of Vercel, canary 25/50/100 inside the Sunday 02:00-04:00 window", () => {
    for (const stack of EXAMPLE_STACKS) {
      const result = plan("agentic", stack);
      const tier = stack === "staging" ? "Free" : "Standard";
      expect(one(result, "azure-native:web:StaticSite").inputs.sku).toEqual({ name: tier, tier });
      expect(result.resources.filter((r) => r.type.startsWith("vercel:"))).toEqual([]);
      expect(one(result, "azure-native:dbforpostgresql:Server").inputs.maintenanceWindow).toEqual({
        customWindow: "Enabled",
        dayOfWeek: 0,
        startHour: 2,
        startMinute: 0,
      });
    }
    const rollout = exampleConfig("agentic", "production").rollout;
    expect(rollout.stages).toEqual([
      { percentage: 25, bakeMinutes: 5 },
      { percentage: 50, bakeMinutes: 5 },
      { percentage: 100, bakeMinutes: 5 },
    ]);
    expect(rollout.maintenanceWindow).toEqual({ enforce: true, day: "sunday", start: "02:00", end: "04:00" });
  });

  it("shopify-dashboard: server-side Shopify keys as sensitive Vercel variables, /health, staging soak first", () => {
    for (const stack of EXAMPLE_STACKS) {
      const result = plan("shopify-dashboard", stack);
      expect(one(result, "vercel:index/project:Project").inputs.framework).toBe("remix");
      for (const key of ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET"]) {
        const variable = one(
          result,
          "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
          `-${key}`,
        );
        expect(variable.inputs).toMatchObject({
          key,
          sensitive: true,
          value: `${SECRET_PLACEHOLDER_PREFIX}webapp-platform:externalSecrets.${key}]`,
        });
        expect(variable.secretPaths).toContain("value");
        expect(variable.inputs.targets).toEqual(
          stack === "staging" ? ["production", "preview"] : ["production"],
        );
      }
      const test = one(result, "azure-native:applicationinsights:WebTest");
      expect(String(at(test.inputs, "request.requestUrl"))).toMatch(/\/health$/);
      expect(at(test.inputs, "validationRules.contentValidation.contentMatch")).toBe('"status":"ok"');
      expect(siteSettings(result)).toMatchObject({
        SHOPIFY_APP_URL:
          stack === "staging" ? "https://staging.shopdash.example.com" : "https://shopdash.example.com",
        SCOPES: "read_products,read_orders,read_customers",
        NODE_ENV: "production",
      });
    }
    expect(exampleConfig("shopify-dashboard", "production").rollout.soakMinutes).toBe(30);
  });

  it("erp: six flags at their percentages, Redis with an access key, 10/50/100 rollout, 1 % errors in production", () => {
    for (const stack of EXAMPLE_STACKS) {
      const result = plan("erp", stack);
      expect(flagPercentages(result)).toEqual({
        ENABLE_ADVANCED_ANALYTICS: 100,
        ENABLE_REAL_TIME_SYNC: 50,
        ENABLE_DARK_MODE: 100,
        ENABLE_ADVANCED_SEARCH: 0,
        ENABLE_RECOMMENDATIONS: 0,
        ENABLE_NOTIFICATIONS_V2: 30,
      });
      expect(one(result, "azure-native:redisenterprise:Database").inputs.accessKeysAuthentication).toBe(
        "Enabled",
      );
      expect(threshold(result, "alerts-error-rate")).toBe(stack === "staging" ? 5 : 1);
      // The whole `properties` input (value included) reaches the engine as a secret.
      expect(one(result, "azure-native:keyvault:Secret", "-sendgrid-api-key").secretPaths).toEqual([
        "properties",
      ]);
      expect(one(result, "vercel:index/project:Project").inputs.framework).toBe("vite");
      const cluster = one(result, "azure-native:mongocluster:MongoCluster");
      expect(at(cluster.inputs, "properties.compute.tier")).toBe(stack === "staging" ? "M10" : "M30");
      expect(at(cluster.inputs, "properties.highAvailability.targetMode")).toBe(
        stack === "staging" ? "Disabled" : "ZoneRedundantPreferred",
      );
      expect(siteSettings(result).MONGODB_URI).toBe(
        `@Microsoft.KeyVault(SecretUri=https://kv-erp-${stack === "staging" ? "stg-71d4b" : "prd-99ce2"}.vault.azure.net/secrets/mongodb-uri)`,
      );
    }
    const production = plan("erp", "production");
    expect(threshold(production, "alerts-plan-cpu")).toBe(70);
    expect(threshold(production, "alerts-plan-memory")).toBe(80);
    expect(one(production, "vercel:index/projectRollingRelease:ProjectRollingRelease").inputs.stages).toEqual(
      [{ targetPercentage: 10 }, { targetPercentage: 50 }, { targetPercentage: 100 }],
    );
    expect(exampleConfig("erp", "production").rollout.gates.maxErrorRatePercent).toBe(1);
  });
});
