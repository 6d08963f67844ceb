import { backOff } from "exponential-backoff";
import type { ReleaseConfig } from "../config/release";
import { bake } from "./bake";
import type { Clock } from "./clock";
import { actionWords, applyControl, refusal, type ControlChannel } from "./controls";
import type { GateSample } from "./gates/evaluate";
import type { HealthProbe } from "./gates/health";
import type { MetricsSource } from "./gates/metrics";
import type { QuerySource, SmokeProbe } from "./gates/custom";
import { LockLostError, type FileLock } from "./lock";
import { sameRelease, type PolicyOptions, type StackDriver, type StackOutputs } from "./stack";
import type { Outcome, PromotionState, StateStore } from "./state";
import type { PromotionEvent } from "./notify";
import type { FrontendRollout } from "./vercel";

/** Exit codes, see docs/promotion.md. */
export const exitCodes = {
  ok: 0,
  error: 1,
  usage: 2,
  refused: 3,
  rolledBack: 4,
  rollbackFailed: 5,
  interrupted: 130,
} as const;

/** How a command ended, with the exit code the CLI returns. */
export interface RunResult {
  /** "requested": a control request was handed to the running controller; "applied": a pause or resume was recorded directly. */
  readonly outcome: Outcome | "nothing-to-do" | "requested" | "applied";
  readonly exitCode: number;
  readonly reason: string;
  /** The run's state (absent for refusals before a run started). */
  readonly state?: PromotionState;
}

/** What driving a run needs. */
export interface RunContext {
  readonly clock: Clock;
  readonly target: StackDriver;
  readonly health: HealthProbe;
  readonly metrics: MetricsSource;
  /** Custom query gates' client and smoke-check sender. */
  readonly queries?: QuerySource;
  readonly smoke: SmokeProbe;
  readonly frontend: (outputs: StackOutputs) => FrontendRollout | undefined;
  readonly store: StateStore;
  readonly lock: FileLock;
  /** Policy packs and the stack's policy config for the stage and finalize `up`s (a rollback runs without). */
  readonly policy: PolicyOptions;
  readonly log: (state: PromotionState, message: string) => void;
  readonly onSample?: (sample: GateSample, healthy: number, required: number) => void;
  readonly rollbackRetry: { attempts: number; delayMs: number };
  readonly signal?: AbortSignal;
  /** Sends a notification without waiting for it (never blocks a rollback). */
  readonly notify?: (event: PromotionEvent) => void;
  /** Operator requests (pause, resume, abort, promote --full) from other processes, read at every tick. */
  readonly controls?: ControlChannel;
}

/** The release config of stage `percentage` of a run. */
export function releaseAt(state: PromotionState, percentage: number): ReleaseConfig {
  return { stable: state.previousStable, candidate: state.candidate, canaryPercentage: percentage };
}

function iso(ctx: RunContext): string {
  return new Date(ctx.clock.now()).toISOString();
}

/** Moves a run to the rollback phase, recording why and when the failure started. */
export function decideRollback(
  ctx: Pick<RunContext, "clock" | "log">,
  state: PromotionState,
  reason: string,
): void {
  const now = new Date(ctx.clock.now()).toISOString();
  state.phase = "rollback";
  state.reason = reason;
  state.rollbackDecidedAt = now;
  state.failureStartedAt ??= state.unhealthySince ?? now;
  const stage = state.stages[state.stageIndex];
  if (stage !== undefined && stage.result === undefined)
    Object.assign(stage, { result: "failed", endedAt: now });
  ctx.log(state, `rolling back: ${reason}`);
}

async function checkpoint(ctx: RunContext, state: PromotionState): Promise<void> {
  state.updatedAt = iso(ctx);
  await ctx.store.save(state);
  await ctx.lock.heartbeat();
}

/**
 * Applies the operator request pending for this run, if any, and persists it; returns the abort reason when it
 * asks to abort. A request for another run, or one this run's state no longer allows, is logged and dropped.
 */
export async function takeControl(ctx: RunContext, state: PromotionState): Promise<string | undefined> {
  const pending = await ctx.controls?.pending();
  if (pending === undefined) return undefined;
  if ("rejected" in pending) {
    ctx.log(state, pending.rejected);
    return undefined;
  }
  const words = `${actionWords[pending.action]} by ${pending.operator}`;
  const refused =
    pending.runId !== state.runId
      ? `it names run ${pending.runId}, not this run ${state.runId}`
      : refusal(state.stack, state, pending.action);
  if (refused !== undefined) {
    ctx.log(state, `control request ${words} dropped: ${refused}`);
    await ctx.controls!.done();
    return undefined;
  }
  const abort = applyControl(state, pending, "running controller", iso(ctx));
  ctx.log(
    state,
    `${words}${pending.reason !== undefined ? ` (${pending.reason})` : ""}: applied at stage ${state.stageIndex + 1} (${state.stages[state.stageIndex]!.percentage}%)`,
  );
  await checkpoint(ctx, state);
  await ctx.controls!.done();
  return abort;
}

/** After promote --full: the current and later stages are skipped and the run finalizes. */
function skipRemaining(ctx: RunContext, state: PromotionState): void {
  const now = iso(ctx);
  for (const stage of state.stages.slice(state.stageIndex)) {
    if (stage.result === undefined) Object.assign(stage, { result: "skipped", endedAt: now });
  }
  const full = state.fullPromotion!;
  ctx.log(
    state,
    `promote --full by ${full.operator} (${full.reason}): stages ${state.stageIndex + 1}-${state.stages.length} skipped; finalizing`,
  );
  state.phase = "finalize";
}

/** True when the target's last update succeeded with exactly `release`. */
async function isDeployed(ctx: RunContext, release: ReleaseConfig): Promise<boolean> {
  const [last] = await ctx.target.history(1);
  if (last?.result !== "succeeded") return false;
  return sameRelease((await ctx.target.outputs()).release, release);
}

/** Moves the Vercel rolling release to stage `index`, skipping what is already done (a resumed run). */
async function frontendStage(state: PromotionState, frontend: FrontendRollout, index: number): Promise<void> {
  const canary = state.frontendDeployments?.candidate ?? state.candidate.frontendRef;
  const status = await frontend.status();
  const ours = status.state === "ACTIVE" && status.canaryDeploymentId === canary;
  if (index === 0) {
    if (!ours) await frontend.start(canary);
  } else if (!ours || status.stageIndex === undefined || status.stageIndex < index) {
    await frontend.approveStage(canary, index);
  }
}

async function applyStage(
  ctx: RunContext,
  state: PromotionState,
  resumed: boolean,
): Promise<string | undefined> {
  const stage = state.stages[state.stageIndex]!;
  const release = releaseAt(state, stage.percentage);
  if (resumed && stage.appliedAt !== undefined && (await isDeployed(ctx, release))) {
    ctx.log(
      state,
      `stage ${stage.index + 1} (${stage.percentage}%) is deployed as recorded; restarting its bake`,
    );
    return undefined;
  }
  stage.applyStartedAt = iso(ctx);
  delete stage.appliedAt;
  await checkpoint(ctx, state);
  ctx.log(
    state,
    `stage ${stage.index + 1}/${state.stages.length}: ${stage.percentage}% to ${state.candidate.version}, pulumi up`,
  );
  await ctx.target.writeRelease(release);
  const up = await ctx.target.up({
    message: `promote ${state.candidate.version}: ${stage.percentage}%`,
    ...ctx.policy,
  });
  if (!up.ok) return `stage ${stage.index + 1} (${stage.percentage}%) up failed: ${up.summary}`;
  const outputs = await ctx.target.outputs();
  const frontend = state.frontend ? ctx.frontend(outputs) : undefined;
  if (frontend !== undefined) await frontendStage(state, frontend, stage.index);
  stage.appliedAt = iso(ctx);
  ctx.log(state, `stage ${stage.index + 1} applied (${up.summary}); baking ${stage.bakeMinutes} min`);
  await checkpoint(ctx, state);
  return undefined;
}

/** Returns production to its previous stable release at 0%: config only, then `up`, with retries. */
async function rollBack(ctx: RunContext, state: PromotionState): Promise<RunResult> {
  ctx.notify?.({
    kind: "rollback",
    stack: state.stack,
    version: state.candidate.version,
    text: `rolling back ${state.candidate.version} to ${state.previousStable.version}: ${state.reason ?? ""}`,
    details: { reason: state.reason, stage: state.stageIndex + 1, failureStartedAt: state.failureStartedAt },
  });
  state.rollbackIssuedAt ??= iso(ctx);
  await checkpoint(ctx, state);
  const release: ReleaseConfig = { stable: state.previousStable, canaryPercentage: 0 };
  const api = (async () => {
    await ctx.target.writeRelease(release);
    return backOff(
      async () => {
        const up = await ctx.target.up({
          message: `rollback of ${state.candidate.version}: ${state.reason ?? ""}`,
        });
        if (!up.ok) throw new Error(up.summary);
        return up.summary;
      },
      { numOfAttempts: ctx.rollbackRetry.attempts, startingDelay: ctx.rollbackRetry.delayMs },
    );
  })();
  const web = (async () => {
    if (!state.frontend) return "not driven";
    const frontend = ctx.frontend(await ctx.target.outputs());
    if (frontend === undefined) return "not configured";
    const ids = state.frontendDeployments ?? {
      candidate: state.candidate.frontendRef,
      stable: state.previousStable.frontendRef,
    };
    const status = await frontend.status();
    if (status.canaryDeploymentId !== ids.candidate || status.state === "ABORTED") return "not started";
    await frontend.rollback(ids.stable);
    return `rolled back to ${ids.stable}`;
  })();
  const [apiResult, webResult] = await Promise.allSettled([api, web]);
  const failures = [
    apiResult.status === "rejected"
      ? `API rollback up failed: ${(apiResult.reason as Error).message}`
      : undefined,
    webResult.status === "rejected"
      ? `Vercel rollback failed: ${(webResult.reason as Error).message}`
      : undefined,
  ].filter((f): f is string => f !== undefined);
  if (failures.length > 0) {
    const reason = `${failures.join("; ")}; production may still serve ${state.candidate.version}: rerun rollback`;
    ctx.log(state, reason);
    await checkpoint(ctx, state);
    return { outcome: "rollback-failed", exitCode: exitCodes.rollbackFailed, reason, state };
  }
  state.restoredAt = iso(ctx);
  ctx.log(
    state,
    `rolled back to ${state.previousStable.version} at 0% (API: ${apiResult.status === "fulfilled" ? apiResult.value : ""}; frontend: ${webResult.status === "fulfilled" ? webResult.value : ""})`,
  );
  return finish(ctx, state, "rolled-back", exitCodes.rolledBack, state.reason ?? "rolled back");
}

/** Completes the Vercel rolling release of the candidate when it is still under way (promote --full). */
async function completeFrontend(ctx: RunContext, state: PromotionState): Promise<void> {
  if (!state.frontend) return;
  const frontend = ctx.frontend(await ctx.target.outputs());
  if (frontend === undefined) return;
  const canary = state.frontendDeployments?.candidate ?? state.candidate.frontendRef;
  const status = await frontend.status();
  if (status.state === "ACTIVE" && status.canaryDeploymentId === canary) {
    await frontend.complete(canary);
    ctx.log(state, `Vercel rolling release of ${canary} completed (100%)`);
  }
}

async function finalize(ctx: RunContext, state: PromotionState): Promise<RunResult> {
  const release: ReleaseConfig = { stable: state.candidate, canaryPercentage: 0 };
  await completeFrontend(ctx, state);
  if (!(await isDeployed(ctx, release))) {
    ctx.log(state, `finalizing: ${state.candidate.version} becomes stable, canary back to 0%, pulumi up`);
    await ctx.target.writeRelease(release);
    const up = await ctx.target.up({ message: `promote ${state.candidate.version}: stable`, ...ctx.policy });
    if (!up.ok) {
      const reason = `finalize up failed: ${up.summary}; production serves ${state.candidate.version} at 100% on the canary slot: rerun promote to finalize or run rollback`;
      ctx.log(state, reason);
      await checkpoint(ctx, state);
      return { outcome: "rollback-failed", exitCode: exitCodes.rollbackFailed, reason, state };
    }
  }
  return finish(
    ctx,
    state,
    "promoted",
    exitCodes.ok,
    `${state.candidate.version} is stable on ${state.stack}`,
  );
}

async function finish(
  ctx: RunContext,
  state: PromotionState,
  outcome: Outcome,
  exitCode: number,
  reason: string,
): Promise<RunResult> {
  state.phase = "done";
  state.outcome = outcome;
  state.reason = reason;
  state.endedAt = iso(ctx);
  ctx.log(state, `${outcome}: ${reason}`);
  await checkpoint(ctx, state);
  ctx.notify?.({
    kind: "after",
    stack: state.stack,
    version: state.candidate.version,
    text: `${outcome}: ${reason}`,
    details: {
      outcome,
      reason,
      durationSeconds: Math.round((Date.parse(state.endedAt) - Date.parse(state.startedAt)) / 1000),
      stages: state.stages.map((st) => ({
        percentage: st.percentage,
        healthy: st.healthy,
        samples: st.samples,
        result: st.result ?? null,
      })),
    },
  });
  return { outcome, exitCode, reason, state };
}

/** Drives a run from wherever its state says it is to an end: promoted, rolled back, or interrupted. */
export async function driveRun(ctx: RunContext, state: PromotionState, resumed: boolean): Promise<RunResult> {
  let fresh = resumed;
  try {
    if (state.phase === "stage") {
      const abort = await takeControl(ctx, state);
      if (abort !== undefined) decideRollback(ctx, state, abort);
    }
    while (state.phase === "stage") {
      if (state.fullPromotion !== undefined) {
        skipRemaining(ctx, state);
        await checkpoint(ctx, state);
        break;
      }
      const failure = await applyStage(ctx, state, fresh);
      fresh = false;
      if (failure !== undefined) {
        decideRollback(ctx, state, failure);
        break;
      }
      const outputs = await ctx.target.outputs();
      const result = await bake(state, {
        clock: ctx.clock,
        health: ctx.health,
        metrics: ctx.metrics,
        ...(ctx.queries !== undefined ? { queries: ctx.queries } : {}),
        smoke: ctx.smoke,
        outputs,
        checkpoint: () => checkpoint(ctx, state),
        onSample: (sample, healthy, required) => ctx.onSample?.(sample, healthy, required),
        control: async () => {
          const abort = await takeControl(ctx, state);
          if (abort !== undefined) return { passed: false, reason: abort };
          return state.fullPromotion !== undefined ? { passed: true } : undefined;
        },
        ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}),
      });
      const stage = state.stages[state.stageIndex]!;
      if (!result.passed) {
        decideRollback(ctx, state, result.reason);
        break;
      }
      if (state.fullPromotion !== undefined) continue;
      Object.assign(stage, { result: "passed", endedAt: iso(ctx) });
      ctx.log(
        state,
        `stage ${stage.index + 1} (${stage.percentage}%) passed: ${stage.healthy} healthy of ${stage.samples} samples`,
      );
      if (state.stageIndex === state.stages.length - 1) state.phase = "finalize";
      else state.stageIndex += 1;
      await checkpoint(ctx, state);
    }
  } catch (err) {
    // Another run took the lock over (it judged this one dead): it owns production now; change nothing more.
    if (err instanceof LockLostError) throw err;
    if (ctx.signal?.aborted === true) {
      ctx.log(state, "interrupted: state saved; rerun promote to resume or run rollback");
      await checkpoint(ctx, state);
      return { outcome: "interrupted", exitCode: exitCodes.interrupted, reason: "interrupted", state };
    }
    decideRollback(
      ctx,
      state,
      `unexpected error during stage ${state.stageIndex + 1}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (state.phase === "rollback") return rollBack(ctx, state);
  if (state.phase === "finalize") return finalize(ctx, state);
  return { outcome: state.outcome ?? "promoted", exitCode: exitCodes.ok, reason: state.reason ?? "", state };
}
