import { z } from "zod";
import { customGatesSchema } from "./custom-gates";

/** One canary stage: the share of traffic the candidate gets and how long it must stay healthy there. */
export const rolloutStageSchema = z.strictObject({
  /** Percentage of traffic routed to the candidate in this stage (1-100); the last stage is 100. */
  percentage: z
    .number()
    .int("must be a whole number")
    .min(1, "must be between 1 and 100")
    .max(100, "must be between 1 and 100"),
  /**
   * Minutes of healthy samples required before the next stage (0-10000). Every stage but the last needs at
   * least 1 (Vercel rolling-release stage durations are 1-10000 minutes); 0 on the last stage finalizes at once.
   */
  bakeMinutes: z
    .number()
    .int("must be a whole number of minutes")
    .min(0, "must be between 0 and 10000")
    .max(10000, "must be between 0 and 10000"),
});

const count = (max: number) =>
  z
    .number()
    .int("must be a whole number")
    .min(1, `must be between 1 and ${max}`)
    .max(max, `must be between 1 and ${max}`);

/** Health gates sampled during each stage's bake; a gate that fails rolls the candidate back. */
export const gatesSchema = z
  .strictObject({
    /** Highest canary error rate (failed requests / requests, in percent) a sample may show. Default 5. */
    maxErrorRatePercent: z
      .number()
      .min(0, "must be between 0 and 100")
      .max(100, "must be between 0 and 100")
      .default(5),
    /** Highest canary p95 latency in ms a sample may show; null disables this gate. Default 500. */
    maxP95LatencyMs: z
      .number()
      .int("must be a whole number")
      .positive("must be above 0")
      .nullable()
      .default(500),
    /** Highest canary p99 latency in ms a sample may show (the ERP plan alerts above 500 ms); null disables. Default 500. */
    maxP99LatencyMs: z
      .number()
      .int("must be a whole number")
      .positive("must be above 0")
      .nullable()
      .default(500),
    /**
     * Highest memory of the canary slot in MB (max of the `Private Bytes` performance counter in the window; the
     * MVP plan rolls back above 1 GB = 1024); null disables. Default null: only set it where the canary reports
     * performance counters, else every sample is no data and the rollout fails safe.
     */
    maxMemoryMb: z
      .number()
      .int("must be a whole number")
      .min(1, "must be between 1 and 1048576")
      .max(1_048_576, "must be between 1 and 1048576")
      .nullable()
      .default(null),
    /** Highest ratio of canary p95 to the stable slot's p95 (2 = 200% of baseline); null disables. Default 2. */
    maxP95LatencyRatio: z.number().gt(1, "must be above 1 (1 = the baseline itself)").nullable().default(2),
    /** Consecutive failed `/health` probes that roll back. Default 3. */
    healthFailures: count(20).default(3),
    /** Consecutive samples breaching the error-rate or latency gate that roll back. Default 1 (at once). */
    metricFailures: count(20).default(1),
    /**
     * Consecutive samples that are not healthy (no data, or a gate failing below its own threshold) after
     * which the rollout fails safe and rolls back. No data pauses the bake; it never counts as success. Default 4.
     */
    inconclusiveLimit: count(20).default(4),
    /** Fewest canary requests in a sample's window for its error rate and p95 to count; fewer is no data. Default 20. */
    minRequests: z
      .number()
      .int("must be a whole number")
      .min(0, "must be between 0 and 1000000")
      .max(1_000_000, "must be between 0 and 1000000")
      .default(20),
    /** Minutes of telemetry each metrics sample looks back over (bounded by the stage's start). Default 5. */
    windowMinutes: count(60).default(5),
  })
  .superRefine((g, ctx) => {
    if (g.maxP95LatencyMs === null && g.maxP95LatencyRatio === null) {
      ctx.addIssue({
        code: "custom",
        path: ["maxP95LatencyMs"],
        message: "and maxP95LatencyRatio are both null; keep at least one latency gate",
      });
    }
  });

const weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "must be a UTC time HH:MM (00:00-23:59)");

/** A weekly UTC window in which production changes are allowed, when enforced. */
export const maintenanceWindowSchema = z
  .strictObject({
    /** Refuse production promotions that cannot finish inside the window. Default false. */
    enforce: z.boolean().default(false),
    /** Day of the week (UTC), lowercase English. Default "sunday". */
    day: z.enum(weekdays, { error: `must be one of ${weekdays.join(", ")}` }).default("sunday"),
    /** Start of the window, UTC HH:MM. Default "02:00". */
    start: hhmm.default("02:00"),
    /** End of the window, UTC HH:MM, later the same day. Default "04:00". */
    end: hhmm.default("04:00"),
  })
  .superRefine((w, ctx) => {
    if (w.end <= w.start) {
      ctx.addIssue({
        code: "custom",
        path: ["end"],
        message: `is ${w.end}; it must be later than start ${w.start}`,
      });
    }
  });

/**
 * Default telemetry ingestion delay, seconds: Microsoft's "Log data ingestion time in Azure Monitor"
 * (https://learn.microsoft.com/azure/azure-monitor/logs/data-ingestion-time) gives an average latency "between
 * 20 seconds and 3 minutes"; the upper end is the default.
 */
export const defaultIngestionDelaySeconds = 180;

/**
 * The longest telemetry delay any gate of the plan waits for, seconds: the plan's `ingestionDelaySeconds` or a
 * custom query gate's own (platform metrics in `AzureMetrics` arrive later than Application Insights data).
 */
export function effectiveIngestionDelaySeconds(plan: {
  ingestionDelaySeconds: number;
  customGates?: { queries: readonly { ingestionDelaySeconds?: number | undefined }[] };
}): number {
  return Math.max(
    plan.ingestionDelaySeconds,
    ...(plan.customGates?.queries ?? []).map((q) => q.ingestionDelaySeconds ?? plan.ingestionDelaySeconds),
  );
}

/**
 * The worst-case time, in seconds, from a gate turning bad to the sample that triggers the rollback:
 * interval x the largest failure threshold + the sample timeout + the longest telemetry ingestion delay of any
 * gate (a metric breach reaches the query that much later). Custom query gates count as metric gates and smoke
 * checks as health probes, so they share those thresholds; their delays count here.
 */
export function detectionSeconds(plan: {
  intervalSeconds: number;
  sampleTimeoutSeconds: number;
  ingestionDelaySeconds: number;
  gates: { healthFailures: number; metricFailures: number; inconclusiveLimit: number };
  customGates?: { queries: readonly { ingestionDelaySeconds?: number | undefined }[] };
}): number {
  const g = plan.gates;
  return (
    plan.intervalSeconds * Math.max(g.healthFailures, g.metricFailures, g.inconclusiveLimit) +
    plan.sampleTimeoutSeconds +
    effectiveIngestionDelaySeconds(plan)
  );
}

/** The rollout plan of a stack: canary stages, health gates, sampling and the rollback budget. */
export const rolloutSchema = z
  .strictObject({
    /** Canary stages in order; percentages strictly increase and end at 100. Default 10% -> 50% -> 100%, 5 min each. */
    stages: z
      .array(rolloutStageSchema)
      .min(1, "must list at least one stage")
      .max(10, "must list at most 10 stages (Vercel's rolling-release limit)")
      .default([
        { percentage: 10, bakeMinutes: 5 },
        { percentage: 50, bakeMinutes: 5 },
        { percentage: 100, bakeMinutes: 5 },
      ]),
    /** Health gates, see {@link gatesSchema}. */
    gates: gatesSchema.prefault({}),
    /** Seconds between gate samples (10-3600). Default 60. */
    intervalSeconds: z
      .number()
      .int("must be a whole number")
      .min(10, "must be between 10 and 3600")
      .max(3600, "must be between 10 and 3600")
      .default(60),
    /** Seconds one sample (health probe plus metrics query) may take before it counts as failed or no data. Default 10. */
    sampleTimeoutSeconds: count(300).default(10),
    /**
     * Seconds Application Insights telemetry takes to reach the Log Analytics query (0-1800); counted in the
     * worst-case detection time. Default 180 ({@link defaultIngestionDelaySeconds}).
     */
    ingestionDelaySeconds: z
      .number()
      .int("must be a whole number")
      .min(0, "must be between 0 and 1800")
      .max(1800, "must be between 0 and 1800")
      .default(defaultIngestionDelaySeconds),
    /** Minutes from a gate turning bad to the rollback being issued, at most: production 10, staging 5. Default 10. */
    rollbackBudgetMinutes: count(120).default(10),
    /** Minutes staging must have run a release, with its gates holding, before production accepts it. Default 30. */
    soakMinutes: z
      .number()
      .int("must be a whole number")
      .min(0, "must be between 0 and 10080")
      .max(10080, "must be between 0 and 10080")
      .default(30),
    /** Optional maintenance-window gate for promotions into this stack. Default Sunday 02:00-04:00 UTC, not enforced. */
    maintenanceWindow: maintenanceWindowSchema.prefault({}),
    /** Custom gates: KQL queries with a threshold and smoke checks, see `config/custom-gates.ts`. Default none. */
    customGates: customGatesSchema.prefault({}),
  })
  .superRefine((plan, ctx) => {
    plan.stages.forEach((stage, i) => {
      const previous = plan.stages[i - 1];
      if (previous !== undefined && stage.percentage <= previous.percentage) {
        ctx.addIssue({
          code: "custom",
          path: ["stages", i, "percentage"],
          message: `is ${stage.percentage} after ${previous.percentage}; stage percentages must strictly increase`,
        });
      }
      if (i < plan.stages.length - 1 && stage.bakeMinutes < 1) {
        ctx.addIssue({
          code: "custom",
          path: ["stages", i, "bakeMinutes"],
          message: "is 0; every stage before the last needs at least 1 minute of bake",
        });
      }
    });
    const last = plan.stages.at(-1);
    if (last !== undefined && last.percentage !== 100) {
      ctx.addIssue({
        code: "custom",
        path: ["stages", plan.stages.length - 1, "percentage"],
        message: `is ${last.percentage}; the last stage must be 100`,
      });
    }
    if (plan.sampleTimeoutSeconds >= plan.intervalSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["sampleTimeoutSeconds"],
        message: `is ${plan.sampleTimeoutSeconds} s; it must be below intervalSeconds (${plan.intervalSeconds} s)`,
      });
    }
    const percentages = plan.stages.map((st) => st.percentage);
    plan.customGates.smokeChecks.forEach((check, i) => {
      (check.stages ?? []).forEach((p, j) => {
        if (!percentages.includes(p)) {
          ctx.addIssue({
            code: "custom",
            path: ["customGates", "smokeChecks", i, "stages", j],
            message: `is ${p}; it must be the percentage of a stage of the plan (${percentages.join(", ")})`,
          });
        }
      });
    });
    const g = plan.gates;
    const samples = Math.max(g.healthFailures, g.metricFailures, g.inconclusiveLimit);
    const detection = detectionSeconds(plan);
    const delay = effectiveIngestionDelaySeconds(plan);
    const slowest = plan.customGates.queries.find((q) => (q.ingestionDelaySeconds ?? 0) === delay);
    const delayLabel =
      delay > plan.ingestionDelaySeconds && slowest !== undefined
        ? `ingestion delay (query gate ${slowest.name})`
        : "ingestion delay";
    const budget = plan.rollbackBudgetMinutes * 60;
    if (detection > budget) {
      ctx.addIssue({
        code: "custom",
        path: ["intervalSeconds"],
        message:
          `gives a worst-case detection time of ${plan.intervalSeconds} s x ${samples} samples + ` +
          `${plan.sampleTimeoutSeconds} s sample timeout + ${delay} s ${delayLabel} = ` +
          `${detection} s, over the rollback budget of ${plan.rollbackBudgetMinutes} min (${budget} s); shorten ` +
          "intervalSeconds, lower the failure thresholds or raise rollbackBudgetMinutes",
      });
    }
  });

/** A rollout plan as written in stack config (defaults optional). */
export type RolloutInput = z.input<typeof rolloutSchema>;
/** A rollout plan as validated, defaults applied. */
export type RolloutConfig = z.infer<typeof rolloutSchema>;
/** One validated canary stage. */
export type RolloutStage = z.infer<typeof rolloutStageSchema>;
/** The validated health gates. */
export type GateConfig = z.infer<typeof gatesSchema>;
/** A validated maintenance window. */
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

/** The default plan: 10% -> 50% -> 100%, 5 min bake each, 60 s samples, 180 s ingestion delay, 10 min budget. */
export const rolloutDefaults: RolloutConfig = rolloutSchema.parse({});

/** Rollback budgets the users' plans set, in minutes: staging under 5, production under 10. */
export const rollbackBudgetMinutesByStack = { staging: 5, production: 10 } as const;
