import { GateEvaluator, type GateSample } from "./gates/evaluate";
import type { HealthProbe } from "./gates/health";
import type { MetricsSource } from "./gates/metrics";
import type { Clock } from "./clock";
import type { PromotionState } from "./state";
import type { StackOutputs } from "./stack";

/** What the bake loop needs besides the state. */
export interface BakeContext {
  readonly clock: Clock;
  readonly health: HealthProbe;
  readonly metrics: MetricsSource;
  /** Production's outputs: canary health URL, role names, workspace. */
  readonly outputs: StackOutputs;
  /** Persists the state and refreshes the lock; called after every sample. */
  readonly checkpoint: () => Promise<void>;
  /** Shows a sample to the person watching. */
  readonly onSample: (sample: GateSample, healthy: number, required: number) => void;
  /** Aborts the bake between samples (Ctrl-C, CI cancellation). */
  readonly signal?: AbortSignal;
}

/** How a bake ended. */
export type BakeResult = { readonly passed: true } | { readonly passed: false; readonly reason: string };

/** Samples kept in state (older ones are counted, not kept), so long bakes do not grow the state file without bound. */
export const maxKeptSamples = 500;

/**
 * Healthy samples a stage needs: one at its start and one every interval until a sample at or after bake +
 * ingestion delay. A sample at time t sees requests up to about t - delay, so this is the first moment the
 * whole bake's telemetry has been queried; stopping earlier would let the last minutes of a stage (of the
 * last stage above all) pass unseen. A bake of 0 (allowed on the last stage) needs none: finalize at once.
 */
export function requiredSamples(
  bakeMinutes: number,
  intervalSeconds: number,
  ingestionDelaySeconds: number,
): number {
  if (bakeMinutes === 0) return 0;
  return Math.ceil((bakeMinutes * 60 + ingestionDelaySeconds) / intervalSeconds) + 1;
}

/** The canary slot's Application Insights role name: the Functions host reports `<site>-<slot>` for a slot. */
export function canaryRoleName(outputs: StackOutputs): string {
  return `${outputs.api.functionAppName}-canary`;
}

/**
 * Samples the gates every interval until the stage has its bake's worth of healthy samples, a gate fails, or
 * the stage runs out of time (twice its bake plus the no-data limit): no data pauses the bake, never passes it.
 */
export async function bake(state: PromotionState, ctx: BakeContext): Promise<BakeResult> {
  const { plan } = state;
  const i = state.stageIndex;
  const stage = state.stages[i]!;
  const required = requiredSamples(stage.bakeMinutes, plan.intervalSeconds, plan.ingestionDelaySeconds);
  const limit = required * 2 + plan.gates.inconclusiveLimit;
  const evaluator = new GateEvaluator(plan.gates);
  const intervalMs = plan.intervalSeconds * 1000;
  const timeoutMs = plan.sampleTimeoutSeconds * 1000;
  const canaryHealthUrl = ctx.outputs.api.canaryHealthUrl!;
  const rolloutStart = Date.parse(state.stages[0]!.appliedAt ?? state.startedAt);
  const start = ctx.clock.now();
  Object.assign(stage, { bakeStartedAt: new Date(start).toISOString(), healthy: 0, samples: 0 });
  delete state.unhealthySince;
  await ctx.checkpoint();
  if (required === 0) return { passed: true };

  for (let k = 0; ; k++) {
    const t = ctx.clock.now();
    const [health, metrics] = await Promise.all([
      ctx.health.probe(canaryHealthUrl, timeoutMs, ctx.outputs.api.healthCheckBody),
      ctx.metrics.query({
        workspaceId: ctx.outputs.monitoring.logAnalyticsWorkspaceId,
        canaryRole: canaryRoleName(ctx.outputs),
        stableRole: ctx.outputs.api.functionAppName,
        from: Math.max(rolloutStart, t - plan.gates.windowMinutes * 60_000),
        to: t,
        timeoutMs,
        memory: plan.gates.maxMemoryMb !== null,
      }),
    ]);
    const at = new Date(t).toISOString();
    const sample = evaluator.judge({
      at,
      stage: i,
      percentage: stage.percentage,
      health,
      metrics,
      ...(state.baselineP95Ms !== undefined ? { baselineP95Ms: state.baselineP95Ms } : {}),
    });
    state.samples.push(sample);
    const excess = state.samples.length - maxKeptSamples;
    if (excess > 0) {
      state.samples.splice(0, excess);
      state.samplesDropped = (state.samplesDropped ?? 0) + excess;
    }
    stage.samples += 1;
    if (sample.baselineP95Ms !== undefined) state.baselineP95Ms = sample.baselineP95Ms;
    if (sample.verdict === "healthy") {
      stage.healthy += 1;
      delete state.unhealthySince;
    } else {
      state.unhealthySince ??= at;
    }
    ctx.onSample(sample, stage.healthy, required);
    await ctx.checkpoint();
    if (sample.rollback !== undefined) return { passed: false, reason: sample.rollback };
    if (stage.healthy >= required) return { passed: true };
    if (stage.samples >= limit) {
      return {
        passed: false,
        reason: `stage ${i + 1} (${stage.percentage}%) had ${stage.healthy} of ${required} healthy samples after ${stage.samples} samples: failing safe`,
      };
    }
    await ctx.clock.sleep(Math.max(0, start + (k + 1) * intervalMs - ctx.clock.now()), ctx.signal);
  }
}
