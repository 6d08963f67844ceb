import type { Artifact, ReleaseConfig } from "../config/release";
import { rolloutSchema, type RolloutConfig, type RolloutInput } from "../config/rollout";
import { VirtualClock } from "./clock";
import { PromotionController, type ControllerDeps } from "./controller";
import type { HealthProbe, HealthResult } from "./gates/health";
import type { PackageDigester } from "./integrity";
import type { MetricsQuery, MetricsResult, MetricsSource } from "./gates/metrics";
import type { OperationResult, StackDriver, StackOutputs, UpdateRecord } from "./stack";
import type { PromotionState, StateStore } from "./state";
import type { FrontendRollout, FrontendStatus } from "./vercel";

/**
 * In-memory stand-ins for the stacks, gates and Vercel, for the test suite and the benchmark. Nothing here
 * talks to a network or runs Pulumi.
 */

/** Counts effectful steps and freezes everything from step `crashAt` on, as if the process had died there. */
export class Crasher {
  /** Steps taken so far. */
  steps = 0;
  /** Labels of the steps taken. */
  readonly labels: string[] = [];
  private resolveCrashed: (label: string) => void = () => undefined;
  /** Resolves with the step's label once the crash happens. */
  readonly crashed: Promise<string>;

  constructor(private crashAt = Number.POSITIVE_INFINITY) {
    this.crashed = new Promise((resolve) => (this.resolveCrashed = resolve));
  }

  /** Lets later steps run (a new process); the step that crashed stays frozen. */
  disarm(): void {
    this.crashAt = Number.POSITIVE_INFINITY;
  }

  /** Call before (and after) each effect; never resolves from the crash step on. */
  async step(label: string): Promise<void> {
    this.steps += 1;
    this.labels.push(label);
    if (this.steps >= this.crashAt) {
      if (this.steps === this.crashAt) this.resolveCrashed(label);
      await new Promise<never>(() => undefined);
    }
  }
}

/** An artifact for version `v`, with a digest and a Vercel deployment id derived from it. */
export function artifact(v: string): Artifact {
  const hex = Buffer.from(v).toString("hex").padEnd(64, "0").slice(0, 64);
  return {
    version: v,
    apiPackageUrl: `https://releases.example.com/api-${v}.zip`,
    apiPackageSha256: hex,
    frontendRef: `dpl_${hex.slice(0, 12)}`,
  };
}

/** One recorded driver call. */
export interface StackOp {
  readonly op: "writeRelease" | "preview" | "up";
  readonly at: number;
  readonly release?: ReleaseConfig;
  readonly ok?: boolean;
}

/** A fake stack: config, the release deployed by the last successful update, and a history. */
export class FakeStack implements StackDriver {
  config: ReleaseConfig;
  deployed: ReleaseConfig;
  readonly updates: UpdateRecord[] = [];
  readonly ops: StackOp[] = [];
  rollout: RolloutConfig;
  /** Decides whether an `up` succeeds; default always. */
  upOutcome: (release: ReleaseConfig, attempt: number) => boolean = () => true;
  /** Whether the preview passes the policy pack. */
  previewOk = true;
  /** Simulated duration of an `up`, ms. */
  upMs = 0;
  /** Called when an `up` is issued (before it runs). */
  onUp?: (release: ReleaseConfig) => void;

  constructor(
    readonly name: string,
    release: ReleaseConfig,
    private readonly base: Omit<StackOutputs, "release">,
    private readonly clock: VirtualClock,
    rollout: RolloutInput = {},
    private readonly crasher: Crasher = new Crasher(),
  ) {
    this.config = release;
    this.deployed = release;
    this.rollout = rolloutSchema.parse(rollout);
  }

  /** Records a successful update of `release` that ended `agoMs` before now. */
  seedUpdate(release: ReleaseConfig, agoMs: number, result = "succeeded"): void {
    const t = this.clock.now() - agoMs;
    this.updates.unshift({ kind: "update", result, startTime: t - 60_000, endTime: t, release });
  }

  async readRelease(): Promise<ReleaseConfig> {
    return structuredClone(this.config);
  }

  async readRollout(): Promise<RolloutConfig> {
    return this.rollout;
  }

  async writeRelease(release: ReleaseConfig): Promise<void> {
    await this.crasher.step(`${this.name}.writeRelease`);
    this.config = structuredClone(release);
    this.ops.push({ op: "writeRelease", at: this.clock.now(), release: structuredClone(release) });
  }

  async preview(): Promise<OperationResult> {
    await this.crasher.step(`${this.name}.preview`);
    this.ops.push({
      op: "preview",
      at: this.clock.now(),
      release: structuredClone(this.config),
      ok: this.previewOk,
    });
    return this.previewOk
      ? { ok: true, summary: "update 1" }
      : { ok: false, summary: "policy violation: azure-webapp-enforce-min-tls (mandatory)" };
  }

  async up(): Promise<OperationResult> {
    await this.crasher.step(`${this.name}.up`);
    const release = structuredClone(this.config);
    const attempt = this.ops.filter((o) => o.op === "up").length;
    this.onUp?.(release);
    const start = this.clock.now();
    this.updates.unshift({ kind: "update", result: "in-progress", startTime: start });
    await this.crasher.step(`${this.name}.up:running`);
    this.clock.advance(this.upMs);
    const ok = this.upOutcome(release, attempt);
    this.ops.push({ op: "up", at: start, release, ok });
    this.updates[0] = {
      kind: "update",
      result: ok ? "succeeded" : "failed",
      startTime: start,
      endTime: this.clock.now(),
      release,
    };
    if (ok) this.deployed = release;
    await this.crasher.step(`${this.name}.up:done`);
    return ok
      ? { ok: true, summary: "update 1" }
      : { ok: false, summary: "error: the Function App update failed" };
  }

  async outputs(): Promise<StackOutputs> {
    return { ...structuredClone(this.base), release: structuredClone(this.deployed) };
  }

  async history(limit: number): Promise<UpdateRecord[]> {
    return this.updates.slice(0, limit);
  }

  /** The canary percentages of the `up`s issued, in order. */
  upPercentages(): number[] {
    return this.ops.filter((o) => o.op === "up").map((o) => o.release!.canaryPercentage);
  }
}

/** A fake Vercel rolling release. */
export class FakeFrontend implements FrontendRollout {
  status_: FrontendStatus = { state: "NONE" };
  readonly calls: string[] = [];
  template: number[] | undefined;

  constructor(
    percentages: number[],
    private readonly crasher: Crasher = new Crasher(),
  ) {
    this.template = percentages;
  }

  async templatePercentages(): Promise<number[] | undefined> {
    return this.template;
  }

  async status(): Promise<FrontendStatus> {
    return this.status_;
  }

  async start(canary: string): Promise<void> {
    await this.crasher.step("vercel.start");
    this.calls.push(`start ${canary}`);
    this.status_ = { state: "ACTIVE", canaryDeploymentId: canary, stageIndex: 0 };
  }

  async approveStage(canary: string, next: number): Promise<void> {
    await this.crasher.step("vercel.approve");
    this.calls.push(`approve ${next}`);
    const last = next === (this.template?.length ?? 0) - 1;
    this.status_ = { state: last ? "COMPLETE" : "ACTIVE", canaryDeploymentId: canary, stageIndex: next };
  }

  async rollback(stable: string): Promise<void> {
    await this.crasher.step("vercel.rollback");
    this.calls.push(`rollback ${stable}`);
    this.status_ = {
      state: "ABORTED",
      ...(this.status_.canaryDeploymentId ? { canaryDeploymentId: this.status_.canaryDeploymentId } : {}),
    };
  }
}

/** A state store in memory, with crash steps around each save. */
export class MemoryStateStore implements StateStore {
  state: PromotionState | undefined;
  saves = 0;

  constructor(private readonly crasher: Crasher = new Crasher()) {}

  async load(): Promise<PromotionState | undefined> {
    return this.state === undefined ? undefined : structuredClone(this.state);
  }

  async save(state: PromotionState): Promise<void> {
    await this.crasher.step("state.save");
    this.state = structuredClone(state);
    this.saves += 1;
  }
}

/** A gate fault that starts at a moment of simulated time. */
export type Fault = "health" | "error-rate" | "latency" | "no-data";

/** Scripted gates: healthy traffic until `faultAt`, then the fault. Each sample costs `sampleMs` of simulated time. */
export class ScriptedGates implements HealthProbe, MetricsSource {
  fault: Fault | undefined;
  faultAt = Number.POSITIVE_INFINITY;
  sampleMs = 0;
  probes = 0;
  queries: MetricsQuery[] = [];

  constructor(private readonly clock: VirtualClock) {}

  private bad(kind: Fault): boolean {
    return this.fault === kind && this.clock.now() >= this.faultAt;
  }

  async probe(): Promise<HealthResult> {
    this.probes += 1;
    return this.bad("health")
      ? { ok: false, detail: "HTTP 503" }
      : { ok: true, detail: "HTTP 200 status ok" };
  }

  async query(q: MetricsQuery): Promise<MetricsResult> {
    this.queries.push(q);
    const bad = (k: Fault) => this.bad(k);
    this.clock.advance(this.sampleMs);
    if (bad("no-data")) return { status: "unavailable", reason: "query API answered HTTP 503" };
    return {
      status: "ok",
      canary: {
        requests: 400,
        errorRatePercent: bad("error-rate") ? 12 : 0.4,
        p95Ms: bad("latency") ? 1800 : 220,
      },
      stable: { requests: 3600, errorRatePercent: 0.3, p95Ms: 200 },
    };
  }
}

/** Outputs of a fake stack; `canary` adds the canary URLs (production). */
export function fakeOutputs(stack: string, canary: boolean): Omit<StackOutputs, "release"> {
  const host = `https://app-${stack}.azurewebsites.net`;
  return {
    api: {
      functionAppName: `app-${stack}`,
      resourceGroupName: `rg-${stack}`,
      url: host,
      healthUrl: `${host}/health`,
      ...(canary
        ? {
            canaryUrl: `https://app-${stack}-canary.azurewebsites.net`,
            canaryHealthUrl: `https://app-${stack}-canary.azurewebsites.net/health`,
          }
        : {}),
    },
    monitoring: {
      logAnalyticsWorkspaceId: `00000000-0000-0000-0000-00000000000${stack.length % 10}`,
      appInsightsName: `appi-${stack}`,
    },
    vercel: { projectId: `prj_${stack}` },
  };
}

/**
 * Release packages held by URL: the digest of the bytes each URL serves. Starts with each artifact's package intact;
 * `tamper` makes a URL serve other bytes (a replaced or corrupted upload), `remove` makes it answer 404.
 */
export class FakePackages implements PackageDigester {
  private readonly served = new Map<string, string>();
  /** URLs asked for, in order. */
  readonly requests: string[] = [];

  constructor(artifacts: Artifact[]) {
    for (const a of artifacts) this.served.set(a.apiPackageUrl, a.apiPackageSha256);
  }

  /** The URL now serves bytes whose digest is `digest`. */
  tamper(url: string, digest: string): void {
    this.served.set(url, digest);
  }

  /** The URL now answers 404. */
  remove(url: string): void {
    this.served.delete(url);
  }

  async digest(url: string): Promise<string> {
    this.requests.push(url);
    const digest = this.served.get(url);
    if (digest === undefined) throw new Error(`GET ${url} answered HTTP 404`);
    return digest;
  }
}

/** Options of {@link buildScenario}. */
export interface ScenarioOptions {
  /** Production's rollout plan. */
  readonly rollout?: RolloutInput;
  /** Staging's rollout plan (its gates judge the soak). */
  readonly stagingRollout?: RolloutInput;
  /** Simulated start; default Sunday 2026-11-22 02:05 UTC. */
  readonly start?: Date;
  /** How long ago staging's update of the candidate ended, ms. Default 2 h. */
  readonly stagingRanMs?: number;
  /** Shared crash injection. */
  readonly crasher?: Crasher;
  /** State directory (lock files; and state files unless `store` is given). */
  readonly stateDir: string;
  /** State store; default a {@link MemoryStateStore}. */
  readonly store?: StateStore;
  /** Lock options (a distinct pid plays a distinct process). */
  readonly lock?: ControllerDeps["lock"];
  /** Drive the fake Vercel rolling release. Default true. */
  readonly frontend?: boolean;
}

/** A staging stack running 2.0.0, production on 1.0.0 with a canary slot, scripted gates, fake Vercel. */
export function buildScenario(options: ScenarioOptions) {
  const clock = new VirtualClock(options.start ?? new Date("2026-11-22T02:05:00Z"));
  const crasher = options.crasher ?? new Crasher();
  const stable = artifact("1.0.0");
  const candidate = artifact("2.0.0");
  const staging = new FakeStack(
    "staging",
    { stable: candidate, canaryPercentage: 0 },
    fakeOutputs("staging", false),
    clock,
    options.stagingRollout ?? { rollbackBudgetMinutes: 5 },
  );
  staging.seedUpdate({ stable, canaryPercentage: 0 }, 26 * 3_600_000);
  staging.seedUpdate({ stable: candidate, canaryPercentage: 0 }, options.stagingRanMs ?? 2 * 3_600_000);
  const production = new FakeStack(
    "production",
    { stable, canaryPercentage: 0 },
    fakeOutputs("production", true),
    clock,
    options.rollout ?? {},
    crasher,
  );
  production.seedUpdate({ stable, canaryPercentage: 0 }, 24 * 3_600_000);
  const gates = new ScriptedGates(clock);
  const packages = new FakePackages([stable, candidate]);
  const frontend = new FakeFrontend(
    production.rollout.stages.map((s) => s.percentage),
    crasher,
  );
  const store = options.store ?? new MemoryStateStore(crasher);
  const lines: string[] = [];
  const stacks: Record<string, FakeStack> = { staging, production };
  const deps: ControllerDeps = {
    clock,
    driver: (name) => {
      const stack = stacks[name];
      if (stack === undefined) throw new Error(`no fake stack ${name}`);
      return stack;
    },
    health: gates,
    metrics: gates,
    packages,
    frontend: () => (options.frontend === false ? undefined : frontend),
    stateDir: options.stateDir,
    policyPacks: ["policies"],
    onLine: (line) => lines.push(line),
    store: () => store,
    rollbackRetry: { attempts: 3, delayMs: 1 },
    ...(options.lock !== undefined ? { lock: options.lock } : {}),
  };
  return {
    clock,
    crasher,
    stable,
    candidate,
    staging,
    production,
    gates,
    packages,
    frontend,
    store,
    lines,
    deps,
    controller: new PromotionController(deps),
  };
}

/** A scenario as built by {@link buildScenario}. */
export type Scenario = ReturnType<typeof buildScenario>;
