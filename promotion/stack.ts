import { z } from "zod";
import { releaseSchema, type Artifact, type ReleaseConfig } from "../config/release";
import { DEFAULT_HEALTH_CHECK_BODY } from "../config/schema";
import { rolloutSchema, type RolloutConfig } from "../config/rollout";

/** The Pulumi project whose config keys the controller reads and writes. */
export const projectName = "webapp-platform";
/** Config key of the release section. */
export const releaseKey = `${projectName}:release`;
/** Config key of the rollout plan. */
export const rolloutKey = `${projectName}:rollout`;

/** The stack outputs the controller relies on (both stacks export them; canary URLs only in production; absent values may arrive as null). */
export const stackOutputsSchema = z.object({
  /** The release the stack was last deployed with. */
  release: releaseSchema,
  /** The API Function App. */
  api: z.object({
    functionAppName: z.string().min(1),
    resourceGroupName: z.string().min(1),
    url: z.string().url(),
    healthUrl: z.string().url(),
    canaryUrl: z.string().url().nullish(),
    canaryHealthUrl: z.string().url().nullish(),
    /** Text a healthy `/health` body contains (`api.healthCheckBody`); stacks deployed before the key get the default. */
    healthCheckBody: z
      .string()
      .min(1)
      .nullish()
      .transform((v) => v ?? DEFAULT_HEALTH_CHECK_BODY),
  }),
  /** Monitoring: the Log Analytics workspace (customerId GUID) that the query API reads. */
  monitoring: z.object({ logAnalyticsWorkspaceId: z.string().min(1), appInsightsName: z.string().min(1) }),
  /** The Vercel project, absent when Vercel is disabled. */
  vercel: z.object({ projectId: z.string().nullish(), teamId: z.string().nullish() }).nullish(),
});

/** Stack outputs as the controller reads them. */
export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** One entry of a stack's update history, newest first. */
export interface UpdateRecord {
  /** The operation: "update", "refresh", "destroy", ... */
  readonly kind: string;
  /** "succeeded", "failed", "in-progress" or "not-started". */
  readonly result: string;
  /** When it started, ms since the epoch. */
  readonly startTime: number;
  /** When it ended, ms since the epoch (absent while in progress). */
  readonly endTime?: number;
  /** The release config the update ran with, when it had one. */
  readonly release?: ReleaseConfig;
}

/** The outcome of a preview or an update. */
export interface OperationResult {
  /** True when the engine reported success. */
  readonly ok: boolean;
  /** One line for the decision record: resource change counts, or the error's last lines. */
  readonly summary: string;
  /** Names of the mandatory policies the run violated, in the order the engine reported them. */
  readonly policyViolations?: readonly string[];
}

/** The policy packs an operation runs, each with the stack's policy config file (paired by position). */
export interface PolicyOptions {
  /** Policy pack directories (`--policy-pack`). */
  readonly policyPacks: readonly string[];
  /** The stack's JSON policy config per pack (`--policy-pack-config`). */
  readonly policyPackConfigs: readonly string[];
}

/**
 * The operations the controller needs from one Pulumi stack. The real one runs the Automation API
 * (`LocalWorkspace`); tests use an in-memory fake.
 */
export interface StackDriver {
  /** The stack name, e.g. "production". */
  readonly name: string;
  /** The release section of the stack's config, or undefined when the key is absent. */
  readRelease(): Promise<ReleaseConfig | undefined>;
  /** The rollout plan in the stack's config, validated; defaults when the key is absent. */
  readRollout(): Promise<RolloutConfig>;
  /** Writes the whole release section of the stack's config. */
  writeRelease(release: ReleaseConfig): Promise<void>;
  /** Runs a preview with the given policy packs and their config. */
  preview(options: PolicyOptions & { onOutput?: (line: string) => void }): Promise<OperationResult>;
  /** Runs an update, with the policy packs when given. */
  up(
    options: { message: string; onOutput?: (line: string) => void } & Partial<PolicyOptions>,
  ): Promise<OperationResult>;
  /** The stack's outputs from its last successful update. */
  outputs(): Promise<StackOutputs>;
  /** The latest updates, newest first, secrets not decrypted. */
  history(limit: number): Promise<UpdateRecord[]>;
}

/** Parses the rollout key's raw value (a JSON string or object) into a validated plan, naming the stack on error. */
export function parseRollout(stack: string, raw: unknown): RolloutConfig {
  const value = typeof raw === "string" ? (JSON.parse(raw) as unknown) : (raw ?? {});
  const parsed = rolloutSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${["rollout", ...i.path].join(".")}: ${i.message}`);
    throw new Error(`stack ${stack}: ${rolloutKey} is invalid:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** A stable identity of an artifact: version, package digest and frontend ref. */
export function artifactId(a: Artifact | undefined): string {
  return a === undefined ? "-" : `${a.version}@${a.apiPackageSha256}/${a.frontendRef}`;
}

/** True when two releases name the same stable, candidate and percentage. */
export function sameRelease(a: ReleaseConfig | undefined, b: ReleaseConfig | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    artifactId(a.stable) === artifactId(b.stable) &&
    artifactId(a.candidate) === artifactId(b.candidate) &&
    a.canaryPercentage === b.canaryPercentage
  );
}
