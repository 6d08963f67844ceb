import { randomUUID } from "node:crypto";
import type { Clock } from "./clock";
import type { GateSample } from "./gates/evaluate";
import type { HealthProbe } from "./gates/health";
import type { MetricsSource } from "./gates/metrics";
import { httpSmokeProbe, type QuerySource, type SmokeProbe } from "./gates/custom";
import { actionWords, applyControl, ControlChannel, refusal, type ControlAction } from "./controls";
import { FileLock, LockHeldError, type LockInfo, type LockOptions } from "./lock";
import { effectiveIngestionDelaySeconds, type GateConfig, type RolloutConfig } from "../config/rollout";
import { type PackageDigester, verifyPackage } from "./integrity";
import { checkCandidate, maintenanceWindowRefusal, type CandidateCheck } from "./preflight";
import { artifactId, type PolicyOptions, type StackDriver, type StackOutputs } from "./stack";
import { FileStateStore, isActive, type PromotionState, type StateStore } from "./state";
import { decideRollback, driveRun, exitCodes, releaseAt, type RunContext, type RunResult } from "./steps";
import type { PromotionEvent } from "./notify";
import type { FrontendRollout } from "./vercel";
import { undoPromotion, undoRefusal } from "./undo";

export { exitCodes, type RunResult } from "./steps";

/** What the controller talks to; everything remote or time-related is injected. */
export interface ControllerDeps {
  readonly clock: Clock;
  /** Returns the driver of a stack by name. */
  readonly driver: (stack: string) => StackDriver;
  readonly health: HealthProbe;
  readonly metrics: MetricsSource;
  /** Runs the rollout plan's custom KQL gates (`LogAnalyticsMetrics`); without it each is no data (fails closed). */
  readonly queries?: QuerySource;
  /** Sends the rollout plan's smoke checks. Default `httpSmokeProbe`. */
  readonly smoke?: SmokeProbe;
  /** Computes the digest of a release's API package; the candidate's must match its `apiPackageSha256`. */
  readonly packages: PackageDigester;
  /** Returns the Vercel driver for a stack's outputs, or undefined when its frontend is not driven. */
  readonly frontend: (outputs: StackOutputs) => FrontendRollout | undefined;
  /** Directory of the state files, lock files, decision records and the deployment log. */
  readonly stateDir: string;
  /** The policy packs, with the stack's policy config, that the preflight preview and each stage `up` run. */
  readonly policy: (stack: string) => PolicyOptions;
  /** Receives progress lines for a person at a terminal. */
  readonly onLine: (line: string) => void;
  /** Receives each gate sample as it is taken. */
  readonly onSample?: (sample: GateSample, healthy: number, required: number) => void;
  /** Overrides the state store (tests inject crashes here). */
  readonly store?: (stack: string) => StateStore;
  readonly lock?: LockOptions;
  /** Sends a deployment notification in the background (before, after, on rollback); optional. */
  readonly notify?: (event: PromotionEvent) => void;
  /** Attempts and first delay of the rollback `up` retries. Default 3 attempts, 15 s. */
  readonly rollbackRetry?: { attempts: number; delayMs: number };
}

/** What a `promote` call asks for. */
export interface PromoteRequest {
  readonly from: string;
  readonly to: string;
  /** Refuse unless the source runs this version. */
  readonly expectVersion?: string;
  /** Skip the maintenance-window gate (recorded in the decision record). */
  readonly ignoreMaintenanceWindow?: boolean;
  /** What to do with an unfinished run found in state. Default "resume". */
  readonly onUnfinished?: "resume" | "rollback";
  /** Lead-time start (commit time), ISO 8601. */
  readonly leadTimeFrom?: string;
  /**
   * Longest wait, in minutes, for the source to reach the soak time when nothing else is wrong (the workflow
   * starts right after the staging deployment). Default the target's `soakMinutes`; 0 refuses at once.
   */
  readonly soakWaitMinutes?: number;
  readonly signal?: AbortSignal;
}

/** What `status` reports. */
export interface StatusReport {
  /** The target's last run, if any. */
  readonly state?: PromotionState;
  /** Who holds the lock, and whether it is stale. */
  readonly lock?: LockInfo & { stale: boolean };
  /** What the target's last successful update deployed. */
  readonly deployed?: StackOutputs["release"];
  /** Why the outputs could not be read, if they could not. */
  readonly deployedError?: string;
}

/** Sequences a promotion: preflight, stages with bakes, rollback or finalize, with state saved after every step. */
export class PromotionController {
  constructor(private readonly deps: ControllerDeps) {}

  private store(stack: string): StateStore {
    return this.deps.store?.(stack) ?? new FileStateStore(this.deps.stateDir, stack);
  }

  private iso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  private log(state: PromotionState | undefined, message: string): void {
    const at = this.iso();
    state?.events.push({ at, message });
    this.deps.onLine(`${at.slice(11, 19)} ${message}`);
  }

  private newLock(stack: string): FileLock {
    return new FileLock(this.deps.stateDir, stack, this.deps.clock, this.deps.lock);
  }

  /** Runs `fn` under the stack's lock; a held lock is a refusal. */
  private async locked(
    stack: string,
    fn: (lock: FileLock, runId: string) => Promise<RunResult>,
  ): Promise<RunResult> {
    const lock = this.newLock(stack);
    const runId = `${stack}-${this.iso().replace(/[-:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 8)}`;
    try {
      const replaced = await lock.acquire(runId);
      if (replaced !== undefined) {
        this.log(
          undefined,
          `took over the stale lock of run ${replaced.runId} (pid ${replaced.pid} on ${replaced.host})`,
        );
      }
    } catch (err) {
      if (err instanceof LockHeldError) return this.refuse(err.message);
      throw err;
    }
    try {
      return await fn(lock, runId);
    } finally {
      await lock.release();
    }
  }

  private drive(
    state: PromotionState,
    store: StateStore,
    lock: FileLock,
    resumed: boolean,
    signal?: AbortSignal,
  ): Promise<RunResult> {
    const ctx: RunContext = {
      clock: this.deps.clock,
      target: this.deps.driver(state.stack),
      health: this.deps.health,
      metrics: this.deps.metrics,
      ...(this.deps.queries !== undefined ? { queries: this.deps.queries } : {}),
      smoke: this.deps.smoke ?? httpSmokeProbe,
      frontend: this.deps.frontend,
      store,
      lock,
      policy: this.deps.policy(state.stack),
      log: (s, message) => this.log(s, message),
      ...(this.deps.onSample !== undefined ? { onSample: this.deps.onSample } : {}),
      rollbackRetry: this.deps.rollbackRetry ?? { attempts: 3, delayMs: 15_000 },
      ...(signal !== undefined ? { signal } : {}),
      ...(this.deps.notify !== undefined ? { notify: this.deps.notify } : {}),
      controls: new ControlChannel(this.deps.stateDir, state.stack),
    };
    return driveRun(ctx, state, resumed);
  }

  /** Promotes the source stack's release into the target stack, or resumes / rolls back an unfinished run. */
  promote(req: PromoteRequest): Promise<RunResult> {
    return this.locked(req.to, async (lock, runId) => {
      const store = this.store(req.to);
      const previous = await this.settlePreflight(store, await store.load());
      if (isActive(previous)) {
        if (req.expectVersion !== undefined && req.expectVersion !== previous.candidate.version) {
          return this.refuse(
            `an unfinished promotion of ${previous.candidate.version} (run ${previous.runId}) is in state; ` +
              "run promote without --release to resume it, or run rollback",
          );
        }
        this.log(
          previous,
          `resuming unfinished run ${previous.runId} (${previous.phase}, stage ${previous.stageIndex + 1})`,
        );
        if (req.onUnfinished === "rollback" && previous.phase !== "rollback") {
          decideRollback(
            { clock: this.deps.clock, log: (s, m) => this.log(s, m) },
            previous,
            "rollback requested for the unfinished run",
          );
        }
        return this.drive(previous, store, lock, true, req.signal);
      }
      const target = this.deps.driver(req.to);
      const outputs = await target.outputs();
      const recovered = await this.recoverUnknown(target, outputs);
      if (recovered !== undefined) return recovered;
      const state = await this.preflight(req, target, outputs, runId, store, lock);
      if ("exitCode" in state) return state;
      state.phase = "stage";
      delete state.restoreRelease;
      await store.save(state);
      this.deps.notify?.({
        kind: "before",
        stack: state.stack,
        version: state.candidate.version,
        text:
          `promoting ${state.candidate.version} (replacing ${state.previousStable.version}) in stages ` +
          `${state.plan.stages.map((st) => `${st.percentage}%`).join(" -> ")}; rollback plan: canary to 0%, back to ${state.previousStable.version} (config only)`,
        details: {
          from: state.from,
          candidate: state.candidate,
          previousStable: state.previousStable.version,
          stages: state.plan.stages,
        },
      });
      return this.drive(state, store, lock, false, req.signal);
    });
  }

  /** Rolls back the stack's unfinished run, or a canary found deployed without a run in state. */
  rollback(stack: string, reason: string): Promise<RunResult> {
    return this.locked(stack, async (lock) => {
      const store = this.store(stack);
      const state = await this.settlePreflight(store, await store.load());
      if (isActive(state)) {
        if (state.phase !== "rollback")
          decideRollback({ clock: this.deps.clock, log: (s, m) => this.log(s, m) }, state, reason);
        return this.drive(state, store, lock, true);
      }
      const target = this.deps.driver(stack);
      const recovered = await this.recoverUnknown(target, await target.outputs());
      if (recovered !== undefined) return recovered;
      const deployed = (await target.outputs()).release;
      return {
        outcome: "nothing-to-do",
        exitCode: exitCodes.ok,
        reason: `${stack} runs ${deployed.stable.version} at ${deployed.canaryPercentage}% canary with no run under way`,
      };
    });
  }

  /**
   * An operator's pause, resume, abort or promote --full of the stack's run under way. When a live process
   * holds the lock, the request goes to it through the control file and it applies it at its next gate sample;
   * otherwise this process takes the lock and applies it: abort rolls back, promote --full finalizes, pause and
   * resume are recorded in the state for the run that resumes it. Invalid transitions are refused.
   */
  async control(stack: string, action: ControlAction, operator: string, reason?: string): Promise<RunResult> {
    const store = this.store(stack);
    const state = await store.load();
    const refused = refusal(stack, state, action);
    if (refused !== undefined) return this.refuse(refused);
    const lock = this.newLock(stack);
    const holder = await lock.holder();
    if (holder !== undefined && !lock.isStale(holder)) {
      const channel = new ControlChannel(this.deps.stateDir, stack);
      const sent = await channel.send(state!.runId, action, operator, this.iso(), reason);
      if (sent === undefined) {
        const pending = await channel.pending();
        const what =
          pending !== undefined && !("rejected" in pending)
            ? `${actionWords[pending.action]} by ${pending.operator} at ${pending.requestedAt}`
            : "another request";
        return this.refuse(
          `${what} is still waiting for run ${state!.runId} to pick it up (${channel.path}); try again after its next gate sample`,
        );
      }
      const reasonText =
        `${actionWords[action]} of run ${state!.runId} requested; the running controller (pid ${holder.pid} on ` +
        `${holder.host}) applies it at its next gate sample (every ${state!.plan.intervalSeconds} s)`;
      this.log(undefined, reasonText);
      return { outcome: "requested", exitCode: exitCodes.ok, reason: reasonText, state: state! };
    }
    return this.locked(stack, async (lock) => {
      const current = await store.load();
      const again = refusal(stack, current, action);
      if (again !== undefined) return this.refuse(again);
      const run = current!;
      const now = this.iso();
      const abort = applyControl(run, { action, operator, reason, requestedAt: now }, "directly", now);
      this.log(
        run,
        `${actionWords[action]} by ${operator}${reason !== undefined ? ` (${reason})` : ""}: applied directly, no run held the lock`,
      );
      if (abort !== undefined) {
        decideRollback({ clock: this.deps.clock, log: (s, m) => this.log(s, m) }, run, abort);
        return this.drive(run, store, lock, true);
      }
      if (action === "full") return this.drive(run, store, lock, true);
      await store.save(run);
      const what =
        action === "pause"
          ? `run ${run.runId} is paused at stage ${run.stageIndex + 1}; the next promote resumes it held there`
          : `run ${run.runId} is no longer paused; the next promote resumes it`;
      return { outcome: "applied", exitCode: exitCodes.ok, reason: what, state: run };
    });
  }

  /** Returns the stack from its last completed promotion to the release it ran before (API and Vercel). */
  undo(stack: string, operator: string, reason: string): Promise<RunResult> {
    return this.locked(stack, async () => {
      const store = this.store(stack);
      const state = await this.settlePreflight(store, await store.load());
      const target = this.deps.driver(stack);
      const refused = undoRefusal(stack, state, (await target.outputs()).release);
      if (refused !== undefined) return this.refuse(refused);
      return undoPromotion(
        {
          clock: this.deps.clock,
          target,
          store,
          frontend: this.deps.frontend,
          log: (s, m) => this.log(s, m),
          rollbackRetry: this.deps.rollbackRetry ?? { attempts: 3, delayMs: 15_000 },
          ...(this.deps.notify !== undefined ? { notify: this.deps.notify } : {}),
        },
        state!,
        operator,
        reason,
      );
    });
  }

  /** The stack's last run, its lock and what it deploys, without changing anything. */
  async status(stack: string): Promise<StatusReport> {
    const lock = this.newLock(stack);
    const [state, holder] = await Promise.all([this.store(stack).load(), lock.holder()]);
    let deployed: StackOutputs["release"] | undefined;
    let deployedError: string | undefined;
    try {
      deployed = (await this.deps.driver(stack).outputs()).release;
    } catch (err) {
      deployedError = err instanceof Error ? err.message : String(err);
    }
    return {
      ...(state !== undefined ? { state } : {}),
      ...(holder !== undefined ? { lock: { ...holder, stale: lock.isStale(holder) } } : {}),
      ...(deployed !== undefined ? { deployed } : {}),
      ...(deployedError !== undefined ? { deployedError } : {}),
    };
  }

  /**
   * With no run in state, a target at a canary percentage, with a candidate, or whose last update did not
   * succeed is at an unknown point of a lost run: roll it back to its stable release before anything else.
   */
  private async recoverUnknown(target: StackDriver, outputs: StackOutputs): Promise<RunResult | undefined> {
    const deployed = outputs.release;
    const [last] = await target.history(1);
    const clean = deployed.candidate === undefined && deployed.canaryPercentage === 0;
    if (clean && (last === undefined || last.result === "succeeded")) return undefined;
    const why = clean
      ? `its last update ${last!.result}`
      : `it runs ${deployed.canaryPercentage}% of ${deployed.candidate?.version ?? "no candidate"}`;
    this.log(
      undefined,
      `${target.name} has no run in state but ${why}: rolling back to ${deployed.stable.version}`,
    );
    await target.writeRelease({ stable: deployed.stable, canaryPercentage: 0 });
    const up = await target.up({ message: `promotion recovery: back to ${deployed.stable.version}` });
    if (!up.ok) {
      const reason = `recovery rollback of ${target.name} failed: ${up.summary}`;
      this.log(undefined, reason);
      return { outcome: "rollback-failed", exitCode: exitCodes.rollbackFailed, reason };
    }
    this.log(undefined, `${target.name} back on ${deployed.stable.version} at 0% (${up.summary})`);
    return undefined;
  }

  /**
   * A run that stopped in its preflight (crash or kill during the preview) left the stack's release config
   * changed: put back the journaled config and close the run, before anything else.
   */
  private async settlePreflight(
    store: StateStore,
    state: PromotionState | undefined,
  ): Promise<PromotionState | undefined> {
    if (state?.phase !== "preflight") return state;
    if (state.restoreRelease !== undefined)
      await this.deps.driver(state.stack).writeRelease(state.restoreRelease);
    delete state.restoreRelease;
    Object.assign(state, {
      phase: "done",
      outcome: "interrupted",
      reason: `the preflight of run ${state.runId} stopped before its first stage`,
      endedAt: this.iso(),
    });
    this.log(
      state,
      `run ${state.runId} stopped during its preflight preview: ${state.stack}'s release config restored from the journal`,
    );
    await store.save(state);
    return state;
  }

  /**
   * The candidate check, waiting (bounded, with a line a minute, the lock kept alive) while the only thing
   * missing is the source's soak time; anything broken on the source is refused at once, also mid-wait.
   */
  private async soakedCandidate(
    req: PromoteRequest,
    source: StackDriver,
    gates: GateConfig,
    plan: RolloutConfig,
    lock: FileLock,
  ): Promise<CandidateCheck | RunResult> {
    const clock = this.deps.clock;
    const waitMinutes = req.soakWaitMinutes ?? plan.soakMinutes;
    const deadline = clock.now() + waitMinutes * 60_000;
    for (;;) {
      const check = await checkCandidate({
        source,
        gates,
        soakMinutes: plan.soakMinutes,
        ...(req.expectVersion !== undefined ? { expectVersion: req.expectVersion } : {}),
        health: this.deps.health,
        metrics: this.deps.metrics,
        now: clock.now(),
        timeoutMs: plan.sampleTimeoutSeconds * 1000,
      });
      if (check.ok || check.soakRemainingMs === undefined) return check;
      const remaining = check.soakRemainingMs;
      if (clock.now() + remaining > deadline) {
        return {
          ok: false,
          reason: `${check.reason}; the remaining ${Math.ceil(remaining / 60_000)} min exceed the ${waitMinutes} min this run may wait (--soak-wait-minutes)`,
        };
      }
      const step = Math.min(remaining, 60_000);
      this.log(
        undefined,
        `waiting for the soak: ${check.reason}; ${Math.ceil(remaining / 60_000)} min to go, checking ${source.name} again in ${Math.ceil(step / 1000)} s`,
      );
      try {
        await clock.sleep(step, req.signal);
      } catch (err) {
        if (req.signal?.aborted !== true) throw err;
        const reason = "interrupted while waiting for the soak; nothing was changed";
        this.log(undefined, reason);
        return { outcome: "interrupted", exitCode: exitCodes.interrupted, reason };
      }
      await lock.heartbeat();
    }
  }

  private refuse(reason: string): RunResult {
    this.log(undefined, `refused: ${reason}`);
    return { outcome: "refused", exitCode: exitCodes.refused, reason };
  }

  private async preflight(
    req: PromoteRequest,
    target: StackDriver,
    outputs: StackOutputs,
    runId: string,
    store: StateStore,
    lock: FileLock,
  ): Promise<PromotionState | RunResult> {
    const source = this.deps.driver(req.from);
    const [plan, sourcePlan] = await Promise.all([target.readRollout(), source.readRollout()]);
    const check = await this.soakedCandidate(req, source, sourcePlan.gates, plan, lock);
    if ("exitCode" in check) return check;
    if (!check.ok) return this.refuse(check.reason);
    const now = this.deps.clock.now();
    this.log(undefined, `candidate ${check.candidate.version}: ${check.detail}`);
    const integrity = await verifyPackage(check.candidate, this.deps.packages);
    if (!integrity.ok) return this.refuse(integrity.reason);
    this.log(undefined, `candidate ${check.candidate.version}: API package SHA-256 matches apiPackageSha256`);
    const deployed = outputs.release;
    if (artifactId(deployed.stable) === artifactId(check.candidate)) {
      return this.refuse(`${target.name} already runs ${check.candidate.version}`);
    }
    if (deployed.stable.apiPackageSha256 === check.candidate.apiPackageSha256) {
      return this.refuse(
        `${check.candidate.version} has the same API package digest as ${target.name}'s stable ${deployed.stable.version}`,
      );
    }
    if (outputs.api.canaryHealthUrl === undefined || outputs.api.canaryHealthUrl === null) {
      return this.refuse(
        `${target.name} exports no api.canaryHealthUrl; a canary rollout needs the canary slot`,
      );
    }
    const minutes = plan.stages.reduce(
      (sum, s) => sum + (s.bakeMinutes === 0 ? 0 : s.bakeMinutes + effectiveIngestionDelaySeconds(plan) / 60),
      0,
    );
    if (plan.maintenanceWindow.enforce) {
      const refusal = maintenanceWindowRefusal(plan.maintenanceWindow, now, minutes);
      if (refusal !== undefined && req.ignoreMaintenanceWindow !== true) return this.refuse(refusal);
      if (refusal !== undefined) this.log(undefined, `maintenance window ignored on request: ${refusal}`);
    }
    const frontend = this.deps.frontend(outputs);
    let frontendDeployments: PromotionState["frontendDeployments"];
    if (frontend !== undefined) {
      try {
        frontendDeployments = {
          stable: await frontend.deploymentFor(deployed.stable.frontendRef, false),
          candidate: await frontend.deploymentFor(check.candidate.frontendRef, true),
        };
      } catch (err) {
        return this.refuse(
          `the Vercel candidate of ${check.candidate.version} is not ready: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      this.log(
        undefined,
        `Vercel: candidate ${frontendDeployments.candidate} (commit ${check.candidate.frontendRef}), stable ${frontendDeployments.stable}`,
      );
      const template = await frontend.templatePercentages();
      const wanted = plan.stages.map((s) => s.percentage);
      if (template === undefined || template.join(",") !== wanted.join(",")) {
        return this.refuse(
          `the Vercel rolling-release stages are ${template?.join("/") ?? "not configured"}, the rollout plan's are ${wanted.join("/")}; run pulumi up on ${target.name} first`,
        );
      }
    }
    const state: PromotionState = {
      version: 1,
      runId,
      stack: target.name,
      from: req.from,
      candidate: check.candidate,
      previousStable: deployed.stable,
      plan,
      phase: "stage",
      stageIndex: 0,
      frontend: frontend !== undefined,
      ...(frontendDeployments !== undefined ? { frontendDeployments } : {}),
      startedAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
      leadTimeFrom: req.leadTimeFrom ?? new Date(check.since).toISOString(),
      stages: plan.stages.map((s, index) => ({
        index,
        percentage: s.percentage,
        bakeMinutes: s.bakeMinutes,
        healthy: 0,
        samples: 0,
      })),
      samples: [],
      events: [],
    };
    const original = await target.readRelease();
    const policy = this.deps.policy(target.name);
    // Journal first: a crash between this config write and the end of the preflight is undone by the next run.
    state.phase = "preflight";
    if (original !== undefined) state.restoreRelease = original;
    await store.save(state);
    await target.writeRelease(releaseAt(state, plan.stages[0]!.percentage));
    const preview = await target.preview(policy);
    if (!preview.ok) {
      if (original !== undefined) await target.writeRelease(original);
      delete state.restoreRelease;
      Object.assign(state, { phase: "done", outcome: "refused", endedAt: this.iso() });
      const why =
        preview.policyViolations !== undefined && preview.policyViolations.length > 0
          ? `mandatory policies violated: ${preview.policyViolations.join(", ")}`
          : preview.summary;
      state.reason = `the ${target.name} preview with the policy pack (config ${policy.policyPackConfigs.join(", ")}) failed: ${why}; ${target.name}'s release config is restored`;
      await store.save(state);
      return this.refuse(state.reason);
    }
    state.preview = preview.summary;
    this.log(
      state,
      `preflight passed: ${check.candidate.version} -> ${target.name}, preview with policy pack ok (${preview.summary})`,
    );
    return state;
  }
}
