import { describe, expect, it } from "vitest";
import { VercelSite, type VercelSiteArgs } from "../../components/vercelSite";
import { countByType, one, ofType, record, expectChildrenOf } from "../support";
import { stackConfig } from "../support/config";

type Stack = "staging" | "production";

const API_URL = "https://func-shop-prd-abcde.azurewebsites.net/api";

function argsFor(stack: Stack, patch: Partial<VercelSiteArgs> = {}): VercelSiteArgs {
  const cfg = stackConfig(stack);
  return {
    config: cfg.vercel,
    environmentName: cfg.environment.name,
    apiUrl: API_URL,
    rolloutStages: cfg.rollout.stages,
    rollingRelease: cfg.vercel.rollingRelease,
    ...patch,
  };
}

const build = (stack: Stack, patch: Partial<VercelSiteArgs> = {}) =>
  record(() => {
    const v = new VercelSite("frontend", argsFor(stack, patch));
    return { projectId: v.projectId, projectName: v.projectName };
  });

const envVar = (result: Awaited<ReturnType<typeof build>>, key: string) =>
  one(result, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", `-env-${key}`);

describe("VercelSite", () => {
  it("creates a Next.js project with fork protection, system variables and snake_case deployment protection", async () => {
    const staging = one(await build("staging"), "vercel:index/project:Project");
    expect(staging.inputs).toEqual({
      name: "shop-web-staging",
      framework: "nextjs",
      gitRepository: { type: "github", repo: "example-org/shop-web", productionBranch: "main" },
      gitForkProtection: true,
      vercelAuthentication: { deploymentType: "all_deployments" },
      automaticallyExposeSystemEnvironmentVariables: true,
    });
    const production = one(await build("production"), "vercel:index/project:Project");
    expect(production.inputs.vercelAuthentication).toEqual({ deploymentType: "standard_protection_new" });
    expect(production.inputs).not.toHaveProperty("environments");
  });

  it("production has a manual-approval rolling release with stages 10, 50, 100 and no durations, plus 12-hour skew protection", async () => {
    const result = await build("production");
    const rr = one(result, "vercel:index/projectRollingRelease:ProjectRollingRelease");
    expect(rr.inputs).toEqual({
      projectId: "frontend-project-id",
      advancementType: "manual-approval",
      stages: [{ targetPercentage: 10 }, { targetPercentage: 50 }, { targetPercentage: 100 }],
    });
    expect(one(result, "vercel:index/project:Project").inputs.skewProtection).toBe("12 hours");
  });

  it("production rate-limits every path to 100 requests per 60 s per IP", async () => {
    const fw = one(await build("production"), "vercel:index/firewallConfig:FirewallConfig");
    expect(fw.inputs).toEqual({
      projectId: "frontend-project-id",
      enabled: true,
      rules: {
        rules: [
          {
            name: "per-ip-rate-limit",
            description: "At most 100 requests per 60 s per client IP",
            active: true,
            conditionGroups: [{ conditions: [{ type: "path", op: "pre", value: "/" }] }],
            action: {
              action: "rate_limit",
              rateLimit: { limit: 100, window: 60, keys: ["ip"], algo: "fixed_window", action: "deny" },
            },
          },
        ],
      },
    });
  });

  it("staging has neither a rolling release, skew protection setting nor a firewall", async () => {
    const result = await build("staging");
    expect(ofType(result, "vercel:index/projectRollingRelease:ProjectRollingRelease")).toHaveLength(0);
    expect(ofType(result, "vercel:index/firewallConfig:FirewallConfig")).toHaveLength(0);
    expect(one(result, "vercel:index/project:Project").inputs).not.toHaveProperty("skewProtection");
  });

  it("sets NEXT_PUBLIC_API_URL to the given API URL and the public config values as non-sensitive, production and preview only", async () => {
    const cfg = stackConfig("staging").vercel;
    const result = await build("staging", { config: { ...cfg, wsUrl: "wss://ws.example.com" } });
    expect(envVar(result, "NEXT_PUBLIC_API_URL").inputs).toEqual({
      projectId: "frontend-project-id",
      key: "NEXT_PUBLIC_API_URL",
      value: API_URL,
      sensitive: false,
      targets: ["production", "preview"],
      comment: "Managed by Pulumi (staging)",
    });
    expect(envVar(result, "NEXT_PUBLIC_WS_URL").inputs).toMatchObject({
      value: "wss://ws.example.com",
      sensitive: false,
    });
    expect(envVar(result, "NEXT_PUBLIC_SENTRY_DSN").inputs).toMatchObject({
      value: "https://public@o0.ingest.sentry.io/0",
      sensitive: false,
      targets: ["production", "preview"],
    });
  });

  it("stores server-only secrets as sensitive secret variables for production and preview when previews share the stack's values", async () => {
    const result = await build("staging", { sensitiveEnv: { SENTRY_AUTH_TOKEN: "sntrys_token" } });
    const token = envVar(result, "SENTRY_AUTH_TOKEN");
    expect(token.inputs).toMatchObject({
      key: "SENTRY_AUTH_TOKEN",
      value: "sntrys_token",
      sensitive: true,
      targets: ["production", "preview"],
    });
    expect(token.secretPaths).toContain("value");
  });

  it("production previews get staging's values (vercel.preview) and none of production's secrets", async () => {
    const cfg = stackConfig("production").vercel;
    const result = await build("production", {
      config: {
        ...cfg,
        wsUrl: "wss://ws.shop.example.com",
        preview: {
          apiUrl: "https://func-shop-stg-71d4b.azurewebsites.net",
          wsUrl: "wss://ws.staging.shop.example.com",
          publicEnv: { NEXT_PUBLIC_SENTRY_DSN: "https://staging@o0.ingest.sentry.io/1" },
        },
      },
      sensitiveEnv: { SENTRY_AUTH_TOKEN: "sntrys_token" },
    });
    const vars = ofType(result, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable").map(
      (r) => [r.name, r.inputs.key, r.inputs.targets, r.inputs.value, r.inputs.sensitive],
    );
    expect(vars).toEqual([
      ["frontend-env-NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_API_URL", ["production"], API_URL, false],
      [
        "frontend-env-NEXT_PUBLIC_WS_URL",
        "NEXT_PUBLIC_WS_URL",
        ["production"],
        "wss://ws.shop.example.com",
        false,
      ],
      [
        "frontend-env-NEXT_PUBLIC_SENTRY_DSN",
        "NEXT_PUBLIC_SENTRY_DSN",
        ["production"],
        "https://public@o0.ingest.sentry.io/0",
        false,
      ],
      [
        "frontend-env-preview-NEXT_PUBLIC_SENTRY_DSN",
        "NEXT_PUBLIC_SENTRY_DSN",
        ["preview"],
        "https://staging@o0.ingest.sentry.io/1",
        false,
      ],
      [
        "frontend-env-preview-NEXT_PUBLIC_API_URL",
        "NEXT_PUBLIC_API_URL",
        ["preview"],
        "https://func-shop-stg-71d4b.azurewebsites.net",
        false,
      ],
      [
        "frontend-env-preview-NEXT_PUBLIC_WS_URL",
        "NEXT_PUBLIC_WS_URL",
        ["preview"],
        "wss://ws.staging.shop.example.com",
        false,
      ],
      ["frontend-env-SENTRY_AUTH_TOKEN", "SENTRY_AUTH_TOKEN", ["production"], "sntrys_token", true],
    ]);
  });

  it("takes the framework preset from config", async () => {
    const cfg = stackConfig("staging").vercel;
    const project = one(
      await build("staging", { config: { ...cfg, framework: "remix" } }),
      "vercel:index/project:Project",
    );
    expect(project.inputs.framework).toBe("remix");
  });

  it("creates one variable per value and no NEXT_PUBLIC_WS_URL when none is given", async () => {
    const result = await build("staging");
    const keys = ofType(result, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable").map(
      (r) => r.inputs.key,
    );
    expect(keys).toEqual(["NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_SENTRY_DSN"]);
    for (const r of ofType(result, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable")) {
      expect(r.inputs.targets).not.toContain("development");
    }
  });

  it("assigns the production domains and parents everything to the component", async () => {
    const result = await build("production");
    expect(countByType(result)).toEqual({
      "pulumi:pulumi:Stack": 1,
      "vercel:index/firewallConfig:FirewallConfig": 1,
      "vercel:index/project:Project": 1,
      "vercel:index/projectDomain:ProjectDomain": 1,
      "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": 4,
      "vercel:index/projectRollingRelease:ProjectRollingRelease": 1,
      "webapp-platform:vercel:VercelSite": 1,
    });
    expect(one(result, "vercel:index/projectDomain:ProjectDomain").inputs).toEqual({
      projectId: "frontend-project-id",
      domain: "shop.example.com",
    });
    expectChildrenOf(result, "frontend");
    expect(result.outputs).toEqual({ projectId: "frontend-project-id", projectName: "shop-web" });
  });
});
