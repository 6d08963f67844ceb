import { z } from "zod";
import { credentialFree } from "./rules";

/** A release artifact: one immutable version of the API package and the frontend deployment it pairs with. */
export const artifactSchema = z
  .strictObject({
    /** Semantic version or build id of the release, e.g. "1.4.2" or "2026.11.20-3". */
    version: z
      .string()
      .regex(
        /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/,
        "must be 1-64 characters of letters, digits, '.', '+' or '-'",
      ),
    /** HTTPS URL of the API's zip package (e.g. a blob or GitHub release asset). */
    apiPackageUrl: credentialFree(
      z
        .url({ protocol: /^https$/, error: "must be an https:// URL" })
        .max(2048, "must be at most 2048 characters"),
    ),
    /** SHA-256 digest of the package, 64 lowercase hex characters: the release's identity. */
    apiPackageSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (a SHA-256 digest)"),
    /** The frontend deployment this release pairs with: a Git commit SHA or a Vercel deployment id (dpl_...). */
    frontendRef: z
      .string()
      .regex(
        /^([0-9a-f]{7,40}|dpl_[0-9A-Za-z]{6,64})$/,
        "must be a Git commit SHA (7-40 hex) or a Vercel deployment id (dpl_...)",
      ),
  })
  .describe("An immutable release artifact.");

/** What a stack runs: the stable release, an optional candidate, and the share of API traffic the candidate gets. */
export const releaseSchema = z
  .strictObject({
    /** The release the production slot (and staging) runs. */
    stable: artifactSchema,
    /** The release under rollout, run by the `canary` slot; absent when no rollout is under way. */
    candidate: artifactSchema.optional(),
    /** Percentage of API traffic routed to the candidate (0-100); 0 unless a rollout is under way. Default 0. */
    canaryPercentage: z
      .number()
      .int("must be a whole number")
      .min(0, "must be between 0 and 100")
      .max(100, "must be between 0 and 100")
      .default(0),
  })
  .superRefine((r, ctx) => {
    if (r.canaryPercentage > 0 && r.candidate === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["canaryPercentage"],
        message: `is ${r.canaryPercentage} but no release.candidate is set; set a candidate or use 0`,
      });
    }
    if (r.candidate !== undefined && r.candidate.apiPackageSha256 === r.stable.apiPackageSha256) {
      ctx.addIssue({
        code: "custom",
        path: ["candidate", "apiPackageSha256"],
        message: "equals the stable release's digest; a candidate must be a different artifact",
      });
    }
  });

/** A release artifact, as validated. */
export type Artifact = z.infer<typeof artifactSchema>;
/** The release section of stack config, as validated. */
export type ReleaseConfig = z.infer<typeof releaseSchema>;
