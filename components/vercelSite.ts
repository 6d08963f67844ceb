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
  /**
   * Vercel section of the stack config (validated there: names, URLs, reserved keys): project, framework,
   * protection, domains, public values, WebSocket URL, preview values, firewall.
   */
  readonly config: VercelConfig;
  /** Environment name (staging, production); lands in the variables' comments. */
  readonly environmentName: string;
  /** Public API base URL: NEXT_PUBLIC_API_URL. */
  readonly apiUrl: pulumi.Input<string>;
  /** The stack's Web PubSub client URL (`Realtime.clientUrl`): NEXT_PUBLIC_WS_URL; the config makes it and `config.wsUrl` exclusive. */
  readonly wsUrl?: pulumi.Input<string>;
  /** Rollout plan stages (`rollout.stages`, validated for Vercel's limits there); used when `rollingRelease` is on. */
  readonly rolloutStages: readonly VercelRolloutStage[];
  /** Manage a Vercel rolling release (`vercel.rollingRelease`; Pro/Enterprise). */
  readonly rollingRelease: boolean;
  /** Values of the server-only secrets named in `config.sensitiveEnv`, stored as sensitive variables. Default none. */
  readonly sensitiveEnv?: Record<string, pulumi.Input<string>>;
}

/** One Vercel variable the project gets. */
export interface VercelVariable {
  /** Logical name of its resource. */
  readonly resource: string;
  /** Variable name. */
  readonly key: string;
  /** Value (a Pulumi secret when sensitive). */
  readonly value: pulumi.Input<string>;
  /** Vercel environments it reaches. */
  readonly targets: string[];
  /** Write-only in Vercel (server-only secrets). */
  readonly sensitive: boolean;
}

/**
 * The project's variables. Public values (`NEXT_PUBLIC_*`, inlined into the browser bundle) are `sensitive: false`;
 * server-only secrets are `sensitive: true`. Without `config.preview` every variable targets production and preview.
 * With it, production gets this stack's values, preview gets `config.preview`'s (staging's), and sensitive variables
 * target production only, so a pull-request preview never holds production's secrets or calls its API.
 */
export function vercelVariables(name: string, args: VercelSiteArgs): VercelVariable[] {
  const { config } = args;
  const wsUrl = config.wsUrl ?? args.wsUrl;
  const own: Record<string, pulumi.Input<string>> = {
    NEXT_PUBLIC_API_URL: args.apiUrl,
    ...(wsUrl === undefined ? {} : { NEXT_PUBLIC_WS_URL: wsUrl }),
    ...config.publicEnv,
  };
  const secrets = Object.entries(args.sensitiveEnv ?? {});
  const preview = config.preview;
  if (preview === undefined) {
    return [
      ...Object.entries(own).map(([key, value]) => ({
        resource: `${name}-env-${key}`,
        key,
        value,
        targets: [...ENV_TARGETS],
        sensitive: false,
      })),
      ...secrets.map(([key, value]) => ({
        resource: `${name}-env-${key}`,
        key,
        value: pulumi.secret(value),
        targets: [...ENV_TARGETS],
        sensitive: true,
      })),
    ];
  }
  const previewValues: Record<string, pulumi.Input<string>> = {
    ...config.publicEnv,
    ...preview.publicEnv,
    NEXT_PUBLIC_API_URL: preview.apiUrl,
    ...(preview.wsUrl === undefined ? {} : { NEXT_PUBLIC_WS_URL: preview.wsUrl }),
  };
  return [
    ...Object.entries(own).map(([key, value]) => ({
      resource: `${name}-env-${key}`,
      key,
      value,
      targets: ["production"],
      sensitive: false,
    })),
    ...Object.entries(previewValues).map(([key, value]) => ({
      resource: `${name}-env-preview-${key}`,
      key,
      value,
      targets: ["preview"],
      sensitive: false,
    })),
    ...secrets.map(([key, value]) => ({
      resource: `${name}-env-${key}`,
      key,
      value: pulumi.secret(value),
      targets: ["production"],
      sensitive: true,
    })),
  ];
}

/**
 * Vercel project with deployment protection, fork protection and system variables, its variables (see
 * {@link vercelVariables}), production domains, an optional rolling-release template and an optional per-IP rate
 * limit.
 *
 * Variables never target development: local development uses `.env.local`, and Vercel requires
 * development-targeted variables to be non-sensitive and separate. The rolling release uses manual approval: the
 * promotion controller approves each stage after its bake, so no stage durations are sent. The Vercel team and
 * token come from `vercel:team` and `VERCEL_API_TOKEN`.
 */
export class VercelSite extends pulumi.ComponentResource {
  /** Vercel project id. */
  readonly projectId: pulumi.Output<string>;
  /** Vercel project name. */
  readonly projectName: pulumi.Output<string>;

  constructor(name: string, args: VercelSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:vercel:VercelSite", name, {}, opts);
    const { config } = args;

    const project = new vercel.Project(
      `${name}-project`,
      {
        name: config.projectName,
        framework: config.framework,
        gitRepository: config.gitRepository,
        gitForkProtection: true,
        vercelAuthentication: { deploymentType: config.deploymentProtection },
        automaticallyExposeSystemEnvironmentVariables: true,
        ...(args.rollingRelease ? { skewProtection: "12 hours" } : {}),
      },
      { parent: this },
    );

    const comment = `Managed by Pulumi (${args.environmentName})`;
    for (const v of vercelVariables(name, args)) {
      new vercel.ProjectEnvironmentVariable(
        v.resource,
        {
          projectId: project.id,
          key: v.key,
          value: v.value,
          sensitive: v.sensitive,
          targets: v.targets,
          comment,
        },
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
