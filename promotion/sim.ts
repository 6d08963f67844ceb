import { createHash } from "node:crypto";
import type { Artifact, ReleaseConfig } from "../config/release";
import { DEFAULT_HEALTH_CHECK_BODY } from "../config/schema";
import { rolloutSchema, type RolloutConfig, type RolloutInput } from "../config/rollout";
import { VirtualClock } from "./clock";
import { PromotionController, type ControllerDeps } from "./controller";
import type { HealthProbe, HealthResult } from "./gates/health";
import type { PackageDigester } from "./integrity";
import type { MetricsQuery, MetricsResult, MetricsSource } from "./gates/metrics";
import type { OperationResult, PolicyOptions, StackDriver, StackOutputs, UpdateRecord } from "./stack";
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

/** An artifact for version `v`, with a digest and a frontend commit SHA derived from it (as releases ship). */
export function artifact(v: string): Artifact {
  const hex = Buffer.from(v).toString("hex").padEnd(64, "0").slice(0, 64);
  return {
    version: v,
    apiPackageUrl: `https://releases.example.com/api-${v}.zip`,
    apiPackageSha256: hex,
    frontendRef: createHash("sha1").update(`web-${v}`).digest("hex"),
  };
}

/** One recorded driver call. */
export interface StackOp {
  readonly op: "writeRelease" | "preview" | "up";
  readonly at: number;
  readonly release?: ReleaseConfig;
  readonly ok?: boolean;
  /** The policy packs and config files a preview or `up` ran with. */
  readonly policy?: Partial<PolicyOptions>;
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
  /**
   * Mandatory policies the stack's resources violate, as the engine would report them in `policyEvent`s; a
   * preview or `up` run with a policy pack fails on them (one without a pack does not check).
   */
  policyViolations: string[] = [];
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

  private policyFailure(policy: Partial<PolicyOptions>): OperationResult | undefined {
    if ((policy.policyPacks?.length ?? 0) === 0 || this.policyViolations.length === 0) return undefined;
    return {
      ok: false,
      summary: `mandatory policies violated: ${this.policyViolations.join(", ")}`,
      policyViolations: [...this.policyViolations],
    };
  }

  async preview(options: PolicyOptions): Promise<OperationResult> {
    await this.crasher.step(`${this.name}.preview`);
    const policy = { policyPacks: options.policyPacks, policyPackConfigs: options.policyPackConfigs };
    const failed = this.policyFailure(policy);
    this.ops.push({
      op: "preview",
      at: this.clock.now(),
      release: structuredClone(this.config),
      ok: failed === undefined,
      policy,
    });
    return failed ?? { ok: true, summary: "update 1" };
  }

  async up(options: { message: string } & Partial<PolicyOptions>): Promise<OperationResult> {
    await this.crasher.step(`${this.name}.up`);
    const release = structuredClone(this.config);
    const attempt = this.ops.filter((o) => o.op === "up").length;
    const policy = {
      ...(options.policyPacks !== undefined ? { policyPacks: options.policyPacks } : {}),
      ...(options.policyPackConfigs !== undefined ? { policyPackConfigs: options.policyPackConfigs } : {}),
    };
    this.onUp?.(release);
    const start = this.clock.now();
    this.updates.unshift({ kind: "update", result: "in-progress", startTime: start });
    await this.crasher.step(`${this.name}.up:running`);
    this.clock.advance(this.upMs);
    const failed = this.policyFailure(policy);
    const ok = failed === undefined && this.upOutcome(release, attempt);
    this.ops.push({ op: "up", at: start, release, ok, policy });
    this.updates[0] = {
      kind: "update",
      result: ok ? "succeeded" : "failed",
      startTime: start,
      endTime: this.clock.now(),
      release,
    };
    if (ok) this.deployed = release;
    await this.crasher.step(`${this.name}.up:done`);
    if (failed !== undefined) return failed;
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

/** One deployment the fake Vercel knows. */
export interface FakeDeployment {
  readonly id: string;
  readonly projectId: string;
  readonly sha: string;
}

/**
 * A fake Vercel project with a rolling release, strict like the REST API (see `tools/vercel-fake.ts` for the
 * HTTP shapes): deployments belong to one project, ids it does not know or of another project are refused.
 */
export class FakeFrontend implements FrontendRollout {
  status_: FrontendStatus = { state: "NONE" };
  readonly calls: string[] = [];
  template: number[] | undefined;
  readonly deployments: FakeDeployment[] = [];

  constructor(
    percentages: number[],
    private readonly crasher: Crasher = new Crasher(),
    readonly projectId = "prj_production",
  ) {
    this.template = percentages;
  }

  /** The id of this project's deployment of commit `sha`, if any. */
  idOf(sha: string): string | undefined {
    return this.deployments.find((d) => d.projectId === this.projectId && d.sha === sha)?.id;
  }

  private own(id: string): FakeDeployment {
    const d = this.deployments.find((x) => x.id === id);
    if (d === undefined) throw new Error(`Vercel answered HTTP 404: deployment ${id} not found`);
    if (d.projectId !== this.projectId)
      throw new Error(`Vercel answered HTTP 400: deployment ${id} belongs to project ${d.projectId}`);
    return d;
  }

  async deploymentFor(ref: string, create: boolean): Promise<string> {
    if (ref.startsWith("dpl_")) return this.own(ref).id;
    const found = this.idOf(ref);
    if (found !== undefined) return found;
    if (!create) throw new Error(`project ${this.projectId} has no production deployment of commit ${ref}`);
    await this.crasher.step("vercel.create");
    const id = `dpl_${ref.slice(0, 10)}${this.deployments.length}`;
    this.deployments.push({ id, projectId: this.projectId, sha: ref });
    this.calls.push(`create ${ref}`);
    return id;
  }

  async templatePercentages(): Promise<number[] | undefined> {
    return this.template;
  }

  async status(): Promise<FrontendStatus> {
    return this.status_;
  }

  async start(canary: string): Promise<void> {
    await this.crasher.step("vercel.start");
    this.own(canary);
    this.calls.push(`start ${canary}`);
    this.status_ = { state: "ACTIVE", canaryDeploymentId: canary, stageIndex: 0 };
  }

  async approveStage(canary: string, next: number): Promise<void> {
    await this.crasher.step("vercel.approve");
    this.own(canary);
    this.calls.push(`approve ${next}`);
    const last = next === (this.template?.length ?? 0) - 1;
    this.status_ = { state: last ? "COMPLETE" : "ACTIVE", canaryDeploymentId: canary, stageIndex: next };
  }

  async rollback(stable: string): Promise<void> {
    await this.crasher.step("vercel.rollback");
    this.own(stable);
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
export type Fault = "health" | "error-rate" | "latency" | "p99" | "memory" | "no-data";

/**
 * Scripted gates: healthy traffic until `faultAt`, then the fault. Each sample costs `sampleMs` of simulated
 * time. Metric faults (error rate, latency, p99, memory) reach the query `ingestionDelayMs` after they start,
 * as Application Insights telemetry reaches Log Analytics; health and query failures are seen at once.
 */
export class ScriptedGates implements HealthProbe, MetricsSource {
  fault: Fault | undefined;
  faultAt = Number.POSITIVE_INFINITY;
  sampleMs = 0;
  ingestionDelayMs = 0;
  probes = 0;
  /** The URL and expected body of every probe, in order. */
  probed: { url: string; expectedBody: string }[] = [];
  queries: MetricsQuery[] = [];

  constructor(private readonly clock: VirtualClock) {}

  private bad(kind: Fault): boolean {
    const seenFrom =
      kind === "health" || kind === "no-data" ? this.faultAt : this.faultAt + this.ingestionDelayMs;
    return this.fault === kind && this.clock.now() >= seenFrom;
  }

  async probe(url: string, _timeoutMs: number, expectedBody: string): Promise<HealthResult> {
    this.probes += 1;
    this.probed.push({ url, expectedBody });
    return this.bad("health") ? { ok: false, detail: "HTTP 503" } : { ok: true, detail: "HTTP 200 body ok" };
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
        p99Ms: bad("latency") ? 2400 : bad("p99") ? 900 : 310,
        ...(q.memory === true ? { memoryMb: bad("memory") ? 1536 : 410 } : {}),
      },
      stable: {
        requests: 3600,
        errorRatePercent: 0.3,
        p95Ms: 200,
        p99Ms: 280,
        ...(q.memory === true ? { memoryMb: 400 } : {}),
      },
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
      healthCheckBody: DEFAULT_HEALTH_CHECK_BODY,
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
 * Staging's rollout plan as committed in Pulumi.staging.yaml (a test keeps the two equal): one stage, a 5 min
 * budget, which with the 180 s ingestion delay needs 30 s samples and 3 inconclusive samples at most
 * (30 x 3 + 10 + 180 = 280 s).
 */
export const stagingRolloutInput: RolloutInput = {
  rollbackBudgetMinutes: 5,
  intervalSeconds: 30,
  gates: { inconclusiveLimit: 3 },
  stages: [{ percentage: 100, bakeMinutes: 5 }],
};

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
    options.stagingRollout ?? stagingRolloutInput,
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
  gates.ingestionDelayMs = production.rollout.ingestionDelaySeconds * 1000;
  const packages = new FakePackages([stable, candidate]);
  const frontend = new FakeFrontend(
    production.rollout.stages.map((s) => s.percentage),
    crasher,
  );
  // Production serves its stable commit; staging's project has its own build of the candidate commit, which
  // production must never use (NEXT_PUBLIC_* values are baked in at build time).
  frontend.deployments.push(
    { id: "dpl_prodstable1", projectId: "prj_production", sha: stable.frontendRef },
    { id: "dpl_stagingcand1", projectId: "prj_staging", sha: candidate.frontendRef },
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
    policy: (stack) => ({
      policyPacks: ["policies"],
      policyPackConfigs: [`policies/config/${stack}.json`],
    }),
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
