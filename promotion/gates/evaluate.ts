import type { GateConfig } from "../../config/rollout";
import type { CustomGateResult } from "./custom";
import type { HealthResult } from "./health";
import type { MetricsResult, SlotStats } from "./metrics";

/** How one sample came out: healthy counts toward the bake, inconclusive pauses it, unhealthy is a failure. */
export type SampleVerdict = "healthy" | "inconclusive" | "unhealthy";

/** One gate sample as recorded in state and the decision record. */
export interface GateSample {
  /** When the sample started, ISO 8601. */
  readonly at: string;
  /** Zero-based stage index. */
  readonly stage: number;
  /** Canary percentage at the time. */
  readonly percentage: number;
  /** The canary health probe. */
  readonly health: HealthResult;
  /** Canary stats, when there was enough data. */
  readonly canary?: SlotStats;
  /** The stable baseline p95 the ratio gate used, ms. */
  readonly baselineP95Ms?: number;
  /** Why the metrics counted as no data, when they did. */
  readonly noData?: string;
  /** Gate breaches, each naming the value and the limit (custom query gates included). */
  readonly breaches: readonly string[];
  /** The custom gates' results, when the plan has custom gates. */
  readonly custom?: readonly CustomGateResult[];
  /** The sample's verdict. */
  readonly verdict: SampleVerdict;
  /** Set when this sample decided a rollback: which threshold was reached. */
  readonly rollback?: string;
}

/** Why canary stats cannot be judged (a value that is not a finite, non-negative number), or undefined. */
function notNumbers(stats: SlotStats | undefined): string | undefined {
  if (stats === undefined) return undefined;
  const wrong = Object.entries(stats).filter(
    ([, v]) => typeof v !== "number" || !Number.isFinite(v) || v < 0,
  );
  if (wrong.length === 0) return undefined;
  return `canary ${wrong.map(([k, v]) => `${k} is ${String(v)}`).join(", ")}: not a non-negative number`;
}

/** Counts consecutive failures across samples and decides when a rollback is due. */
export class GateEvaluator {
  private healthStreak = 0;
  private smokeStreak = 0;
  private metricStreak = 0;
  private notHealthyStreak = 0;

  constructor(private readonly gates: GateConfig) {}

  /**
   * Judges one sample. `baselineP95Ms` is the stable slot's p95 to compare with when the stable slot
   * itself has too little traffic in the window (e.g. at 100%). `custom` are the custom gates' results: a query
   * breach counts like a metric breach, a query without data like no data, a failed smoke check like a failed
   * health probe (its own streak, against `healthFailures`).
   */
  judge(input: {
    at: string;
    stage: number;
    percentage: number;
    health: HealthResult;
    metrics: MetricsResult;
    baselineP95Ms?: number;
    custom?: readonly CustomGateResult[];
  }): GateSample {
    const g = this.gates;
    const breaches: string[] = [];
    let noData: string | undefined;
    let canary: SlotStats | undefined;
    let baseline = input.baselineP95Ms;

    const bad = input.metrics.status === "ok" ? notNumbers(input.metrics.canary) : undefined;
    if (input.metrics.status === "unavailable") {
      noData = input.metrics.reason;
    } else if (bad !== undefined) {
      noData = bad;
    } else if (input.metrics.canary === undefined || input.metrics.canary.requests < g.minRequests) {
      noData = `canary had ${input.metrics.canary?.requests ?? 0} requests in the window, fewer than minRequests ${g.minRequests}`;
    } else {
      canary = input.metrics.canary;
      const stable = input.metrics.stable;
      if (stable !== undefined && stable.requests >= g.minRequests) baseline = stable.p95Ms;
      if (canary.errorRatePercent > g.maxErrorRatePercent) {
        breaches.push(`error rate ${canary.errorRatePercent.toFixed(2)}% > ${g.maxErrorRatePercent}%`);
      }
      if (g.maxP95LatencyMs !== null && canary.p95Ms > g.maxP95LatencyMs) {
        breaches.push(`p95 ${Math.round(canary.p95Ms)} ms > ${g.maxP95LatencyMs} ms`);
      }
      if (g.maxP99LatencyMs !== null && canary.p99Ms > g.maxP99LatencyMs) {
        breaches.push(`p99 ${Math.round(canary.p99Ms)} ms > ${g.maxP99LatencyMs} ms`);
      }
      if (g.maxMemoryMb !== null) {
        if (canary.memoryMb === undefined)
          noData = "the canary reported no memory (Private Bytes) in the window";
        else if (canary.memoryMb > g.maxMemoryMb)
          breaches.push(`memory ${Math.round(canary.memoryMb)} MB > ${g.maxMemoryMb} MB`);
      }
      if (g.maxP95LatencyRatio !== null) {
        if (baseline === undefined || baseline <= 0) {
          noData = "no stable baseline p95 for the latency ratio gate";
        } else if (canary.p95Ms / baseline > g.maxP95LatencyRatio) {
          breaches.push(
            `p95 ${Math.round(canary.p95Ms)} ms is ${(canary.p95Ms / baseline).toFixed(2)}x the stable ` +
              `${Math.round(baseline)} ms > ${g.maxP95LatencyRatio}x`,
          );
        }
      }
    }

    const custom = input.custom ?? [];
    for (const r of custom.filter((c) => c.kind === "query")) {
      if (r.outcome === "breach") breaches.push(r.detail);
      else if (r.outcome === "no-data") noData ??= `query gate ${r.name}: ${r.detail}`;
    }
    const smokeFailures = custom
      .filter((c) => c.kind === "smoke" && c.outcome !== "pass")
      .map((c) => `smoke check ${c.name}: ${c.detail}`);

    this.healthStreak = input.health.ok ? 0 : this.healthStreak + 1;
    this.smokeStreak = smokeFailures.length === 0 ? 0 : this.smokeStreak + 1;
    if (breaches.length > 0) this.metricStreak += 1;
    else if (noData === undefined) this.metricStreak = 0;
    const verdict: SampleVerdict =
      !input.health.ok || breaches.length > 0 || smokeFailures.length > 0
        ? "unhealthy"
        : noData !== undefined
          ? "inconclusive"
          : "healthy";
    this.notHealthyStreak = verdict === "healthy" ? 0 : this.notHealthyStreak + 1;

    let rollback: string | undefined;
    if (this.healthStreak >= g.healthFailures) {
      rollback = `${this.healthStreak} consecutive failed health checks (limit ${g.healthFailures})`;
    } else if (this.smokeStreak >= g.healthFailures) {
      rollback = `${smokeFailures.join("; ")} (${this.smokeStreak} consecutive, limit ${g.healthFailures})`;
    } else if (this.metricStreak >= g.metricFailures) {
      rollback = `${breaches.join("; ")} (${this.metricStreak} consecutive, limit ${g.metricFailures})`;
    } else if (this.notHealthyStreak >= g.inconclusiveLimit) {
      rollback = `${this.notHealthyStreak} consecutive samples without a healthy result (limit ${g.inconclusiveLimit}): failing safe`;
    }

    return {
      at: input.at,
      stage: input.stage,
      percentage: input.percentage,
      health: input.health,
      ...(canary !== undefined ? { canary } : {}),
      ...(baseline !== undefined ? { baselineP95Ms: baseline } : {}),
      ...(noData !== undefined ? { noData } : {}),
      breaches,
      ...(input.custom !== undefined && input.custom.length > 0 ? { custom: input.custom } : {}),
      verdict,
      ...(rollback !== undefined ? { rollback } : {}),
    };
  }
}
