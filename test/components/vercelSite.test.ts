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
    const result = await build("staging", { wsUrl: "wss://ws.example.com" });
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

  it("stores server-only secrets as sensitive secret variables for production and preview", async () => {
    const result = await build("production", { sensitiveEnv: { SENTRY_AUTH_TOKEN: "sntrys_token" } });
    const token = envVar(result, "SENTRY_AUTH_TOKEN");
    expect(token.inputs).toMatchObject({
      key: "SENTRY_AUTH_TOKEN",
      value: "sntrys_token",
      sensitive: true,
      targets: ["production", "preview"],
    });
    expect(token.secretPaths).toContain("value");
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
      "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": 2,
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

  it("rejects rollout stages that do not end at 100", async () => {
    await expect(
      build("production", {
        rolloutStages: [
          { percentage: 20, bakeMinutes: 5 },
          { percentage: 50, bakeMinutes: 5 },
        ],
      }),
    ).rejects.toThrow("rollout.stages [20,50] must end with a 100% stage (Vercel rolling release)");
  });

  it("rejects a 100% stage before the last", async () => {
    await expect(
      build("production", {
        rolloutStages: [
          { percentage: 100, bakeMinutes: 5 },
          { percentage: 100, bakeMinutes: 5 },
        ],
      }),
    ).rejects.toThrow(
      "rollout.stages [100,100] must keep earlier stages between 1 and 99 (Vercel rolling release)",
    );
  });

  it("rejects more than 10 stages", async () => {
    const stages = [
      ...Array.from({ length: 10 }, (_, i) => ({ percentage: i + 1, bakeMinutes: 1 })),
      { percentage: 100, bakeMinutes: 0 },
    ];
    await expect(build("production", { rolloutStages: stages })).rejects.toThrow(
      "must have 1 to 10 stages (Vercel rolling release)",
    );
  });

  it("rejects a sensitive variable with the NEXT_PUBLIC_ prefix", async () => {
    await expect(build("staging", { sensitiveEnv: { NEXT_PUBLIC_TOKEN: "x" } })).rejects.toThrow(
      "sensitiveEnv.NEXT_PUBLIC_TOKEN must be an UPPER_SNAKE_CASE name without the NEXT_PUBLIC_ prefix (those reach the browser)",
    );
  });

  it("rejects a public config value that would override NEXT_PUBLIC_API_URL", async () => {
    const cfg = stackConfig("staging").vercel;
    await expect(
      build("staging", {
        config: { ...cfg, publicEnv: { NEXT_PUBLIC_API_URL: "https://evil.example.com" } },
      }),
    ).rejects.toThrow(
      "vercel.publicEnv.NEXT_PUBLIC_API_URL is set by the program (from the API outputs); remove it from the config",
    );
  });
});
