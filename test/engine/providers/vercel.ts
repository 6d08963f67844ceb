/**
 * The vercel stand-in's model of the Vercel provider (pulumiverse/vercel 5.4.1, bridged from
 * terraform-provider-vercel): ids in Vercel's formats and the validations the provider runs before any API call
 * (shared/vercel-pulumi-facts.md section A, citing the provider's validators).
 */
import { randomBytes } from "node:crypto";
import type * as provider from "@pulumi/pulumi/provider";
import { reveal, type CreateContext, type Props, type StandInOptions } from "./standin";

const vercelId = (prefix: string): string =>
  `${prefix}_${randomBytes(12).toString("base64url").slice(0, 24)}`;
const kept = (ctx: CreateContext, make: () => string): string =>
  (ctx.prior?.id as string | undefined) ?? make();

/** Environment variables targeting `development` must set `sensitive: false` (provider >= 4.8.0). */
function checkEnvVar(inputs: Props): provider.CheckFailure[] {
  const targets = (reveal(inputs.targets) as unknown[] | undefined) ?? [];
  const custom = (reveal(inputs.customEnvironmentIds) as unknown[] | undefined) ?? [];
  const failures: provider.CheckFailure[] = [];
  if (targets.length === 0 && custom.length === 0) {
    failures.push({
      property: "targets",
      reason: "at least one of targets or customEnvironmentIds must be set",
    });
  }
  for (const t of targets) {
    if (!["production", "preview", "development"].includes(String(reveal(t)))) {
      failures.push({
        property: "targets",
        reason: `target ${String(t)} is not one of production, preview, development`,
      });
    }
  }
  if (targets.includes("development") && reveal(inputs.sensitive) === true) {
    failures.push({
      property: "sensitive",
      reason: "Environment variables targeting `development` must explicitly set `sensitive = false`",
    });
  }
  return failures;
}

/** Stages: 1-10, last exactly 100, none earlier 100; duration only (and then required) for `automatic`. */
function checkRollingRelease(inputs: Props): provider.CheckFailure[] {
  const stages = (reveal(inputs.stages) as Props[] | undefined) ?? [];
  const automatic = reveal(inputs.advancementType) === "automatic";
  const failures: provider.CheckFailure[] = [];
  if (stages.length < 1 || stages.length > 10)
    failures.push({ property: "stages", reason: "stages must have 1 to 10 items" });
  stages.forEach((s, i) => {
    const pct = Number(reveal(s.targetPercentage));
    const last = i === stages.length - 1;
    if (last && pct !== 100)
      failures.push({ property: "stages", reason: "the last stage must have targetPercentage 100" });
    if (!last && pct === 100)
      failures.push({ property: "stages", reason: "only the last stage may have targetPercentage 100" });
    if (!automatic && s.duration !== undefined) {
      failures.push({
        property: "stages",
        reason: "duration can only be set when advancement_type is 'automatic'",
      });
    }
    if (automatic && !last && s.duration === undefined) {
      failures.push({
        property: "stages",
        reason: "duration is required on every non-final stage when automatic",
      });
    }
  });
  return failures;
}

export function vercelOptions(sdkDir: string, version: string): StandInOptions {
  return {
    name: "vercel",
    version,
    sdkDir,
    dtsPath: (type) => `${type.split(":")[1]?.split("/")[1] ?? ""}.d.ts`,
    replaceOn: (_type, key) => key === "teamId" || key === "projectId",
    defaultId: (ctx) => ctx.name,
    types: {
      "vercel:index/project:Project": { id: (ctx) => kept(ctx, () => vercelId("prj")) },
      "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": {
        id: (ctx) => kept(ctx, () => randomBytes(8).toString("hex")),
        replaceOn: ["sensitive", "key"],
        validate: checkEnvVar,
      },
      "vercel:index/projectDomain:ProjectDomain": {
        id: (ctx) => String(reveal(ctx.inputs.domain)),
        replaceOn: ["domain"],
      },
      "vercel:index/firewallConfig:FirewallConfig": { id: (ctx) => String(reveal(ctx.inputs.projectId)) },
      "vercel:index/projectRollingRelease:ProjectRollingRelease": {
        id: (ctx) => String(reveal(ctx.inputs.projectId)),
        validate: checkRollingRelease,
      },
    },
  };
}
