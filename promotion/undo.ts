/**
 * `undo`: after a completed promotion, production back to the release it ran before, taken from the promoted
 * run's persisted state (never guessed): the API by a config-only `up` of the release section, the frontend
 * by Vercel's Instant Rollback to the production deployment that served before, within the rollback budget.
 */
import { backOff } from "exponential-backoff";
import type { Clock } from "./clock";
import { artifactId, type StackDriver, type StackOutputs } from "./stack";
import type { PromotionState, StateStore } from "./state";
import { exitCodes, type RunResult } from "./steps";
import type { PromotionEvent } from "./notify";
import type { FrontendRollout } from "./vercel";

/** What an undo needs. */
export interface UndoContext {
  readonly clock: Clock;
  readonly target: StackDriver;
  readonly store: StateStore;
  readonly frontend: (outputs: StackOutputs) => FrontendRollout | undefined;
  readonly log: (state: PromotionState | undefined, message: string) => void;
  readonly rollbackRetry: { attempts: number; delayMs: number };
  readonly notify?: (event: PromotionEvent) => void;
}

/** Operations of an `up` that are more than an in-place update: an undo must report none. */
const structural = ["create", "delete", "replace", "create-replacement", "delete-replaced", "import"];

/**
 * Why the stack's last run cannot be undone, or undefined. Only a promoted run whose candidate production
 * still runs as its stable release at 0% (or an undo of it that did not finish) can be.
 */
export function undoRefusal(
  stack: string,
  state: PromotionState | undefined,
  deployed: StackOutputs["release"],
): string | undefined {
  if (state === undefined)
    return `no promotion of ${stack} is recorded in the state directory: there is no previous release to return to`;
  if (state.phase !== "done") {
    return (
      `a promotion of ${state.candidate.version} to ${stack} is in progress (run ${state.runId}, ${state.phase} ` +
      `phase): undo applies to a completed promotion; use abort to roll this one back`
    );
  }
  if (state.outcome === "undone") {
    return (
      `the last promotion (${state.candidate.version}, run ${state.runId}) was already undone by ` +
      `${state.undo?.operator ?? "?"}; ${stack} runs ${state.previousStable.version} and no earlier release is recorded`
    );
  }
  if (state.outcome !== "promoted") {
    return (
      `the last run ${state.runId} (${state.candidate.version}) ended ${state.outcome ?? "?"}, not promoted: ` +
      `it left ${stack} on ${state.previousStable.version}; there is no completed promotion to undo`
    );
  }
  const finished = state.undo === undefined;
  if (
    finished &&
    (artifactId(deployed.stable) !== artifactId(state.candidate) ||
      deployed.candidate !== undefined ||
      deployed.canaryPercentage !== 0)
  ) {
    return (
      `${stack} runs ${deployed.stable.version} at ${deployed.canaryPercentage}% canary now, not ` +
      `${state.candidate.version} as run ${state.runId} left it: it changed since, and undo does not guess what to return to`
    );
  }
  return undefined;
}

/** Returns the stack to the promoted run's previous stable release; `state` passed {@link undoRefusal}. */
export async function undoPromotion(
  ctx: UndoContext,
  state: PromotionState,
  operator: string,
  reason: string,
): Promise<RunResult> {
  const iso = () => new Date(ctx.clock.now()).toISOString();
  const from = state.candidate.version;
  const to = state.previousStable.version;
  state.undo ??= { operator, reason, startedAt: iso() };
  ctx.log(state, `undo by ${operator} (${reason}): ${state.stack} from ${from} back to ${to}, config only`);
  await ctx.store.save(state);
  ctx.notify?.({
    kind: "rollback",
    stack: state.stack,
    version: from,
    text: `undoing ${from} on ${state.stack}: back to ${to} (${reason}, by ${operator})`,
    details: { reason, operator, previousStable: to },
  });
  const api = (async () => {
    await ctx.target.writeRelease({ stable: state.previousStable, canaryPercentage: 0 });
    return backOff(
      async () => {
        const up = await ctx.target.up({ message: `undo of ${from}: back to ${to} (${reason})` });
        if (!up.ok) throw new Error(up.summary);
        return up;
      },
      { numOfAttempts: ctx.rollbackRetry.attempts, startingDelay: ctx.rollbackRetry.delayMs },
    );
  })();
  const web = (async () => {
    if (!state.frontend || state.frontendDeployments === undefined) return "not driven";
    const frontend = ctx.frontend(await ctx.target.outputs());
    if (frontend === undefined) return "not configured";
    await frontend.rollback(state.frontendDeployments.stable, `undo of ${from}: ${reason}`);
    return `Instant Rollback to ${state.frontendDeployments.stable}`;
  })();
  const [apiResult, webResult] = await Promise.allSettled([api, web]);
  const failures = [
    apiResult.status === "rejected"
      ? `API undo up failed: ${(apiResult.reason as Error).message}`
      : undefined,
    webResult.status === "rejected"
      ? `Vercel Instant Rollback failed: ${(webResult.reason as Error).message}`
      : undefined,
  ].filter((f): f is string => f !== undefined);
  if (failures.length > 0) {
    const why = `${failures.join("; ")}; ${state.stack} may still serve ${from}: rerun undo`;
    ctx.log(state, why);
    await ctx.store.save(state);
    return { outcome: "rollback-failed", exitCode: exitCodes.rollbackFailed, reason: why, state };
  }
  const up = apiResult.status === "fulfilled" ? apiResult.value : undefined;
  const changes = { ...(up?.changes ?? {}) };
  const restoredAt = iso();
  const seconds = Math.round((Date.parse(restoredAt) - Date.parse(state.undo.startedAt)) / 1000);
  const budget = state.plan.rollbackBudgetMinutes * 60;
  const replaced = structural.filter((op) => (changes[op] ?? 0) > 0).map((op) => `${op} ${changes[op]}`);
  const warnings = [
    ...(seconds > budget ? [`it took ${seconds} s, over the ${budget} s rollback budget`] : []),
    ...(replaced.length > 0 ? [`the up was not config-only (${replaced.join(", ")})`] : []),
  ];
  Object.assign(state.undo, { restoredAt, changes });
  Object.assign(state, {
    outcome: "undone",
    endedAt: restoredAt,
    reason:
      `undone by ${operator} (${reason}): ${state.stack} back on ${to} in ${seconds} s ` +
      `(budget ${budget} s; API: ${up?.summary ?? "-"}; frontend: ${webResult.status === "fulfilled" ? webResult.value : "-"})` +
      (warnings.length > 0 ? `; WARNING: ${warnings.join("; ")}` : ""),
  });
  ctx.log(state, state.reason!);
  await ctx.store.save(state);
  ctx.notify?.({
    kind: "after",
    stack: state.stack,
    version: from,
    text: `undone: ${state.reason}`,
    details: { outcome: "undone", reason, operator, seconds, changes },
  });
  return { outcome: "undone", exitCode: exitCodes.ok, reason: state.reason!, state };
}
