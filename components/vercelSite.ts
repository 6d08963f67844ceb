import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";
import type { VercelConfig } from "../config/schema";

/** Vercel environments the variables reach. Development is left out (see {@link VercelSite}). */
export const ENV_TARGETS = ["production", "preview"] as const;

/** One rollout stage: traffic share of the new deployment and minimum bake before the next stage. */
export interface VercelRolloutStage {
  /** Percentage of production traffic on the new deployment (the last stage is 100). */
  readonly percentage: number;
  /** Minutes the promotion controller bakes the stage before approving the next (not sent to Vercel). */
  readonly bakeMinutes: number;
}

/** Arguments for {@link VercelSite}. */
export interface VercelSiteArgs {
  /** Vercel section of the stack config (project, protection, domains, public env, firewall). */
  readonly config: VercelConfig;
  /** Environment name (staging, production); lands in the variables' comments. */
  readonly environmentName: string;
  /** Public API base URL: NEXT_PUBLIC_API_URL. */
  readonly apiUrl: pulumi.Input<string>;
  /** Public WebSocket URL: NEXT_PUBLIC_WS_URL. Default none. */
  readonly wsUrl?: pulumi.Input<string>;
  /** Rollout plan stages (`rollout.stages`); used when `rollingRelease` is on. */
  readonly rolloutStages: readonly VercelRolloutStage[];
  /** Manage a Vercel rolling release (`vercel.rollingRelease`; Pro/Enterprise). */
  readonly rollingRelease: boolean;
  /** Server-only secrets (e.g. SENTRY_AUTH_TOKEN), stored as sensitive variables. Default none. */
  readonly sensitiveEnv?: Record<string, pulumi.Input<string>>;
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Vercel project (Next.js) with deployment protection, fork protection and system variables, its variables,
 * production domains, an optional rolling-release template and an optional per-IP rate limit.
 *
 * Variables target production and preview only: local development uses `.env.local`, and Vercel requires
 * development-targeted variables to be non-sensitive and separate. Public values (`NEXT_PUBLIC_*`, inlined into
 * the browser bundle) are `sensitive: false`; server-only secrets are `sensitive: true`, and may not be named
 * `NEXT_PUBLIC_*`. The rolling release uses manual approval: the promotion controller approves each stage after its
 * bake, so no stage durations are sent. The Vercel team and token come from `vercel:team` and `VERCEL_API_TOKEN`.
 */
export class VercelSite extends pulumi.ComponentResource {
  /** Vercel project id. */
  readonly projectId: pulumi.Output<string>;
  /** Vercel project name. */
  readonly projectName: pulumi.Output<string>;

  constructor(name: string, args: VercelSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:vercel:VercelSite", name, {}, opts);
    const { config } = args;
    const sensitiveEnv = args.sensitiveEnv ?? {};
    const publicEnv: Record<string, pulumi.Input<string>> = {
      NEXT_PUBLIC_API_URL: args.apiUrl,
      ...(args.wsUrl === undefined ? {} : { NEXT_PUBLIC_WS_URL: args.wsUrl }),
    };
    for (const [key, value] of Object.entries(config.publicEnv)) {
      if (key in publicEnv) {
        throw new pulumi.ResourceError(
          `vercel.publicEnv.${key} is set by the program (from the API outputs); remove it from the config`,
          this,
        );
      }
      publicEnv[key] = value;
    }
    for (const key of Object.keys(sensitiveEnv)) {
      if (!ENV_NAME.test(key) || key.startsWith("NEXT_PUBLIC_")) {
        throw new pulumi.ResourceError(
          `sensitiveEnv.${key} must be an UPPER_SNAKE_CASE name without the NEXT_PUBLIC_ prefix (those reach the browser)`,
          this,
        );
      }
    }
    if (args.rollingRelease) validateStages(args.rolloutStages, this);

    const project = new vercel.Project(
      `${name}-project`,
      {
        name: config.projectName,
        framework: "nextjs",
        gitRepository: config.gitRepository,
        gitForkProtection: true,
        vercelAuthentication: { deploymentType: config.deploymentProtection },
        automaticallyExposeSystemEnvironmentVariables: true,
        ...(args.rollingRelease ? { skewProtection: "12 hours" } : {}),
      },
      { parent: this },
    );

    const comment = `Managed by Pulumi (${args.environmentName})`;
    const variables: [string, pulumi.Input<string>, boolean][] = [
      ...Object.entries(publicEnv).map(([k, v]): [string, pulumi.Input<string>, boolean] => [k, v, false]),
      ...Object.entries(sensitiveEnv).map(([k, v]): [string, pulumi.Input<string>, boolean] => [
        k,
        pulumi.secret(v),
        true,
      ]),
    ];
    for (const [key, value, sensitive] of variables) {
      new vercel.ProjectEnvironmentVariable(
        `${name}-env-${key}`,
        { projectId: project.id, key, value, sensitive, targets: [...ENV_TARGETS], comment },
        { parent: this },
      );
    }

    for (const domain of config.domains) {
      new vercel.ProjectDomain(
        `${name}-domain-${domain}`,
        { projectId: project.id, domain },
        { parent: this },
      );
    }

    if (args.rollingRelease) {
      new vercel.ProjectRollingRelease(
        `${name}-rolling-release`,
        {
          projectId: project.id,
          advancementType: "manual-approval",
          stages: args.rolloutStages.map((s) => ({ targetPercentage: s.percentage })),
        },
        { parent: this },
      );
    }

    if (config.rateLimit !== undefined) {
      new vercel.FirewallConfig(
        `${name}-firewall`,
        {
          projectId: project.id,
          enabled: true,
          rules: {
            rules: [
              {
                name: "per-ip-rate-limit",
                description: `At most ${config.rateLimit.requests} requests per ${config.rateLimit.windowSeconds} s per client IP`,
                active: true,
                conditionGroups: [{ conditions: [{ type: "path", op: "pre", value: "/" }] }],
                action: {
                  action: "rate_limit",
                  rateLimit: {
                    limit: config.rateLimit.requests,
                    window: config.rateLimit.windowSeconds,
                    keys: ["ip"],
                    algo: "fixed_window",
                    action: "deny",
                  },
                },
              },
            ],
          },
        },
        { parent: this },
      );
    }

    this.projectId = project.id;
    this.projectName = project.name;
    this.registerOutputs({ projectId: this.projectId, projectName: this.projectName });
  }
}

/** Vercel's rolling-release validator: 1-10 stages, the last exactly 100, no earlier stage at 100. */
function validateStages(stages: readonly VercelRolloutStage[], self: pulumi.Resource): void {
  const pcts = stages.map((s) => s.percentage);
  const fail = (why: string) =>
    new pulumi.ResourceError(`rollout.stages ${JSON.stringify(pcts)} ${why} (Vercel rolling release)`, self);
  if (pcts.length < 1 || pcts.length > 10) throw fail("must have 1 to 10 stages");
  if (pcts[pcts.length - 1] !== 100) throw fail("must end with a 100% stage");
  if (pcts.slice(0, -1).some((p) => p >= 100 || p < 1))
    throw fail("must keep earlier stages between 1 and 99");
}
