/**
 * Schema of the rollout plan's custom gates: KQL queries judged against a threshold (what Argo Rollouts calls an
 * AnalysisTemplate metric) and smoke-check URLs with an expected status and body, both sampled with the built-in
 * gates and failing closed like them.
 */
import { z } from "zod";
import { credentialFree } from "./rules";

const gateName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,62}$/,
    "must be 1-63 lowercase letters, digits and '-', starting with a letter (it names the gate in samples and records)",
  );

/** True for a host that only reaches this machine: http is allowed there (local fakes in tests), nowhere else. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * A custom query gate, judged every sample: the query runs over the stack's Log Analytics workspace with the
 * sample's window as the API's `timespan`, and must return one row with a numeric column `value`.
 */
export const queryGateSchema = z.strictObject({
  /** Gate name, shown in samples, rollback reasons and the decision record. */
  name: gateName,
  /**
   * KQL run against the workspace; it must end in one row with a numeric `value` column. One line: stack config
   * refuses control characters (newlines) in every value, so write it with YAML's folded `>-`.
   */
  query: z.string().trim().min(1, "must be a non-empty KQL query ending in one row with a numeric `value`"),
  /** The limit `value` is compared with. */
  threshold: z.number({ error: "must be a number" }).refine(Number.isFinite, "must be a finite number"),
  /** Which side of `threshold` is healthy: `above` (value > threshold) or `below` (value < threshold). */
  healthyWhen: z.enum(["above", "below"], { error: 'must be "above" or "below"' }),
  /** Minutes each sample looks back over (bounded by the rollout's start). Default `gates.windowMinutes`. */
  windowMinutes: z
    .number()
    .int("must be a whole number")
    .min(1, "must be between 1 and 60")
    .max(60, "must be between 1 and 60")
    .optional(),
  /**
   * Seconds the query's data takes to reach the workspace (0-1800), counted in the worst-case detection time and
   * in each stage's required samples. Default the plan's `ingestionDelaySeconds`.
   */
  ingestionDelaySeconds: z
    .number()
    .int("must be a whole number")
    .min(0, "must be between 0 and 1800")
    .max(1800, "must be between 0 and 1800")
    .optional(),
});

/** A smoke check, run every sample of the stages it names: a GET whose status and body must match. */
export const smokeCheckSchema = z
  .strictObject({
    /** Check name, shown in samples, rollback reasons and the decision record. */
    name: gateName,
    /** The URL to GET: https (http only on a loopback host, for local tests), with no credential in it. */
    url: credentialFree(
      z.url({ error: "must be an absolute URL" }).refine((u) => {
        if (!URL.canParse(u)) return true; // z.url reports it
        const url = new URL(u);
        return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
      }, "must be an https URL (http only for localhost / 127.0.0.1 / [::1])"),
    ),
    /** The status the check must answer. Default 200. */
    expectedStatus: z
      .number()
      .int("must be a whole number")
      .min(100, "must be an HTTP status 100-599")
      .max(599, "must be an HTTP status 100-599")
      .default(200),
    /** Text the body must contain. */
    bodyContains: z.string().min(1, "must not be empty (leave it out to skip the body check)").optional(),
    /** JSON the body must match: every key given must be present with an equal value (arrays compare whole). */
    bodyJson: z.json().optional(),
    /** Canary percentages of the stages it runs in; each must be a stage of the plan. Default every stage. */
    stages: z
      .array(z.number().int("must be a whole number"))
      .min(1, "must list at least one stage")
      .optional(),
  })
  .refine((c) => !(c.bodyContains !== undefined && c.bodyJson !== undefined), {
    path: ["bodyJson"],
    message: "and bodyContains are both set; give one body check",
  });

/** Custom gates of a rollout plan. */
export const customGatesSchema = z
  .strictObject({
    /** KQL query gates, see {@link queryGateSchema}. Default none. */
    queries: z.array(queryGateSchema).max(10, "must list at most 10 queries").default([]),
    /** Smoke checks, see {@link smokeCheckSchema}. Default none. */
    smokeChecks: z.array(smokeCheckSchema).max(10, "must list at most 10 smoke checks").default([]),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    for (const [kind, list] of [
      ["queries", c.queries],
      ["smokeChecks", c.smokeChecks],
    ] as const) {
      list.forEach((g, i) => {
        if (seen.has(g.name)) {
          ctx.addIssue({
            code: "custom",
            path: [kind, i, "name"],
            message: `"${g.name}" is used twice; custom gate names must be unique`,
          });
        }
        seen.add(g.name);
      });
    }
  });

/** A validated query gate. */
export type QueryGate = z.infer<typeof queryGateSchema>;
/** A validated smoke check. */
export type SmokeCheck = z.infer<typeof smokeCheckSchema>;
/** The validated custom gates. */
export type CustomGates = z.infer<typeof customGatesSchema>;
