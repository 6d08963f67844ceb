/**
 * The whole program with `documentDb` and `realtime` on (stack config given in the test, the committed stack files
 * untouched): what the API, Vercel, the network, diagnostics and the stack outputs get, and `npm run plan` of such a
 * stack.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { PROGRAM_APP_SETTINGS, PROGRAM_VAULT_SECRETS } from "../config/reserved";
import { runPolicyCheck } from "../tools/policy-check";
import { type SynthesisResult, ofType, one, synthesize } from "./support";
import { ROOT, rawStackConfig } from "./support/config";

type Stack = "staging" | "production";

/** Test-only stack config: the committed stack plus the two services (production previews get staging's wss URL). */
export const DATA_SERVICES: Record<Stack, Record<string, unknown>> = {
  staging: {
    "webapp-platform:documentDb": { tier: "M10", highAvailability: "Disabled" },
    "webapp-platform:realtime": { sku: "Free_F1" },
  },
  production: {
    "webapp-platform:documentDb": { tier: "M30", highAvailability: "ZoneRedundantPreferred", storageGb: 128 },
    "webapp-platform:realtime": { sku: "Standard_S1", capacity: 2, hubName: "erp" },
  },
};

function productionVercel(): Record<string, unknown> {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8")) as {
    config: Record<string, { preview: Record<string, unknown> }>;
  };
  const vercel = doc.config["webapp-platform:vercel"];
  return {
    "webapp-platform:vercel": {
      ...vercel,
      preview: { ...vercel.preview, wsUrl: "wss://wps-shop-stg-71d4b.webpubsub.azure.com/client/hubs/erp" },
    },
  };
}

const overrides = (stack: Stack) => ({
  ...DATA_SERVICES[stack],
  ...(stack === "production" ? productionVercel() : {}),
});

const results = {} as Record<Stack, SynthesisResult>;
beforeAll(async () => {
  for (const stack of ["staging", "production"] as const) {
    results[stack] = await synthesize({ programDir: ROOT, stack, configOverrides: overrides(stack) });
  }
}, 120_000);

const settingsOf = (r: { inputs: Record<string, unknown> }) =>
  Object.fromEntries(
    (r.inputs.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings.map((a) => [
      a.name,
      a.value,
    ]),
  );

describe.each(["staging", "production"] as const)("%s with documentDb and realtime", (stack) => {
  it("the API reads the connection string as a Key Vault reference and gets the Web PubSub endpoint and hub", () => {
    const r = results[stack];
    const uriSecret = one(r, "azure-native:keyvault:Secret", "document-db-uri");
    const host = String(one(r, "azure-native:webpubsub:WebPubSub").inputs.resourceName);
    const hub = stack === "production" ? "erp" : "app";
    const apps = [...ofType(r, "azure-native:web:WebApp"), ...ofType(r, "azure-native:web:WebAppSlot")];
    expect(apps.length).toBe(stack === "production" ? 2 : 1);
    for (const app of apps) {
      const s = settingsOf(app);
      expect(s.MONGODB_URI).toMatch(
        /^@Microsoft\.KeyVault\(SecretUri=https:\/\/kv-shop-.*\/secrets\/mongodb-uri\)$/,
      );
      expect(s.WEBPUBSUB_ENDPOINT).toBe(`https://${host}.webpubsub.azure.com`);
      expect(s.WEBPUBSUB_HUB).toBe(hub);
      expect(JSON.stringify(app.inputs)).not.toContain("mongodb+srv://");
    }
    expect(uriSecret.secretPaths).toEqual(["properties"]);
  });

  it("each API identity gets Web PubSub Service Owner on the service, as a service principal", () => {
    const r = results[stack];
    const grants = ofType(r, "azure-native:authorization:RoleAssignment").filter((g) =>
      String(g.inputs.roleDefinitionId).endsWith("/12cf5a90-567b-43ae-8102-96cf46c7d9b4"),
    );
    expect(grants.map((g) => g.name).sort()).toEqual(
      stack === "production"
        ? ["api-canary-wps-service-owner", "api-site-wps-service-owner"]
        : ["api-site-wps-service-owner"],
    );
    for (const g of grants) {
      expect(g.inputs.principalType).toBe("ServicePrincipal");
      expect(String(g.inputs.scope)).toContain("/WebPubSub/");
    }
  });

  it("Vercel's NEXT_PUBLIC_WS_URL is the hub's wss client URL", () => {
    const r = results[stack];
    const host = String(one(r, "azure-native:webpubsub:WebPubSub").inputs.resourceName);
    const ws = ofType(r, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable").filter(
      (v) => v.inputs.key === "NEXT_PUBLIC_WS_URL",
    );
    const own = ws.find((v) => (v.inputs.targets as string[]).includes("production"));
    expect(own?.inputs.value).toBe(
      `wss://${host}.webpubsub.azure.com/client/hubs/${stack === "production" ? "erp" : "app"}`,
    );
    if (stack === "production") {
      expect(ws.find((v) => (v.inputs.targets as string[]).includes("preview"))?.inputs.value).toBe(
        "wss://wps-shop-stg-71d4b.webpubsub.azure.com/client/hubs/erp",
      );
    }
  });

  it("sends both services' logs and metrics to Log Analytics, and exports their host, hub and wss URL", () => {
    const r = results[stack];
    for (const role of ["mongo", "webpubsub"]) {
      expect(one(r, "azure-native:monitor:DiagnosticSetting", `-diag-${role}`).inputs).toMatchObject({
        logs: [{ categoryGroup: "allLogs", enabled: true }],
        metrics: [{ category: "AllMetrics", enabled: true }],
      });
    }
    const cluster = String(one(r, "azure-native:mongocluster:MongoCluster").inputs.mongoClusterName);
    const wps = String(one(r, "azure-native:webpubsub:WebPubSub").inputs.resourceName);
    const hub = stack === "production" ? "erp" : "app";
    expect(r.outputs.documentDb).toEqual({
      clusterName: cluster,
      host: `${cluster}.global.mongocluster.cosmos.azure.com`,
    });
    expect(r.outputs.realtime).toEqual({
      hubName: hub,
      wsUrl: `wss://${wps}.webpubsub.azure.com/client/hubs/${hub}`,
    });
    expect(r.secretOutputs.filter((p) => p.startsWith("documentDb") || p.startsWith("realtime"))).toEqual([]);
  });

  it("registers only app settings and Key Vault secrets config/reserved.ts lists", () => {
    const r = results[stack];
    const external = (rawStackConfig(stack).secrets as { external: string[] }).external;
    const apps = [...ofType(r, "azure-native:web:WebApp"), ...ofType(r, "azure-native:web:WebAppSlot")];
    const names = apps.flatMap((a) => Object.keys(settingsOf(a)));
    expect(names.filter((n) => !PROGRAM_APP_SETTINGS.includes(n) && !external.includes(n))).toEqual([]);
    const vaultNames = [...external, ...PROGRAM_VAULT_SECRETS].map((n) => n.toLowerCase().replace(/_/g, "-"));
    const secrets = ofType(r, "azure-native:keyvault:Secret").map((x) => String(x.inputs.secretName));
    expect(secrets).toContain("mongodb-uri");
    expect(secrets.filter((n) => !vaultNames.includes(n))).toEqual([]);
  });

  it("tags the cluster and the service like every other resource", () => {
    const r = results[stack];
    for (const type of ["azure-native:mongocluster:MongoCluster", "azure-native:webpubsub:WebPubSub"]) {
      expect(one(r, type).inputs.tags).toMatchObject({ environment: stack, "managed-by": "pulumi" });
    }
  });
});

describe("private network with the data services", () => {
  it("links the MongoDB and Web PubSub private DNS zones and places both private endpoints", () => {
    const r = results.production;
    const zones = ofType(r, "azure-native:privatedns:PrivateZone").map((z) => z.inputs.privateZoneName);
    expect(zones).toContain("privatelink.mongocluster.cosmos.azure.com");
    expect(zones).toContain("privatelink.webpubsub.azure.com");
    const groups = ofType(r, "azure-native:network:PrivateEndpoint").flatMap((pe) =>
      (pe.inputs.privateLinkServiceConnections as { groupIds: string[] }[]).flatMap((c) => c.groupIds),
    );
    expect(groups).toContain("MongoCluster");
    expect(groups).toContain("webpubsub");
    expect(one(r, "azure-native:mongocluster:MongoCluster").protect).toBe(true);
  });

  it("a stack without them links neither zone", async () => {
    const plain = await synthesize({ programDir: ROOT, stack: "production" });
    const zones = ofType(plain, "azure-native:privatedns:PrivateZone").map((z) => z.inputs.privateZoneName);
    expect(zones).not.toContain("privatelink.mongocluster.cosmos.azure.com");
    expect(zones).not.toContain("privatelink.webpubsub.azure.com");
    expect(ofType(plain, "azure-native:mongocluster:MongoCluster")).toEqual([]);
  }, 60_000);
});

describe("policy check of stacks with the data services", () => {
  it.each(["staging", "production"] as const)(
    "%s has no mandatory violation; the new types' findings are the expected advisories",
    async (stack) => {
      const r = await runPolicyCheck({ stack, configOverrides: overrides(stack) });
      expect(r.mandatory).toEqual([]);
      const ours = r.findings
        .filter(
          (f) => /mongocluster|webpubsub/.test(f.urn ?? "") || /^(mongocluster|webpubsub)-/.test(f.policy),
        )
        .map((f) => `${f.level} ${f.policy}`);
      expect(ours).toEqual(
        stack === "staging"
          ? [
              "advisory mongocluster-cluster-disallow-public-network-access",
              "advisory webpubsub-service-disallow-public-server-access",
            ]
          : [],
      );
    },
    120_000,
  );
});

describe("npm run plan of a stack with the data services", () => {
  let dir = "";
  beforeAll(() => {
    // A program directory holding the repository's program and a test-only stack file (Pulumi.data-test.yaml).
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-services-plan-"));
    for (const entry of [
      "Pulumi.yaml",
      "index.ts",
      "package.json",
      "tsconfig.json",
      "node_modules",
      "components",
      "config",
    ]) {
      fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
    }
    const staging = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    fs.writeFileSync(
      path.join(dir, "Pulumi.data-test.yaml"),
      YAML.stringify({ config: { ...staging.config, ...DATA_SERVICES.staging } }),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("lists the cluster, its firewall, the Web PubSub service and hub, and exits 0", () => {
    const run = spawnSync("npm", ["run", "-s", "plan", "--", "--stack", "data-test", "-C", dir, "--json"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 240_000,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      counts: Record<string, number>;
      resources: { type: string; parent?: string }[];
    };
    expect(plan.counts["azure-native:mongocluster:MongoCluster"]).toBe(1);
    expect(plan.counts["azure-native:webpubsub:WebPubSub"]).toBe(1);
    expect(plan.counts["azure-native:webpubsub:WebPubSubHub"]).toBe(1);
    expect(plan.resources.find((r) => r.type === "azure-native:mongocluster:MongoCluster")?.parent).toBe(
      "document-db",
    );
    expect(run.stdout).not.toContain("mongodb+srv://dbadmin");
  }, 240_000);
});
