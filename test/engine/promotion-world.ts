/**
 * The world of the real-engine promotion tests: both stacks deployed once with the stand-in providers and a
 * file backend, the local `/health`, Log Analytics and Vercel fakes seeded from the stacks' real outputs, the
 * real CLI run in its own process, and readers of what production's real state holds.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import type { ReleaseConfig } from "../../config/release";
import { PulumiStackDriver } from "../../promotion/pulumi-driver";
import type { StackOutputs } from "../../promotion/stack";
import { FakeVercelApi, startVercelFake } from "../../offline/promotion-sim/vercel-fake";
import { CompressedClock, rigController, VERCEL_TOKEN } from "./promotion-rig";
import { startPostgres, type PostgresServer } from "./postgres";
import { exportStack, initStack, repoRoot, Workspace, type RunResult as CliResult } from "./support";
import { localHealthProbe, startTelemetryFake, type TelemetryWorld } from "./telemetry-fake";

export const policyArgs = (stack: string): string[] => [
  "--policy-pack",
  "policies",
  "--policy-pack-config",
  `policies/config/${stack}.json`,
];

/** `stable/candidate@percentage`, e.g. `1.4.1/1.4.2@10`. */
export const shape = (r: ReleaseConfig): string =>
  `${r.stable.version}/${r.candidate?.version ?? "-"}@${r.canaryPercentage}`;

/** One successful production `up` of the controller: its message, the outputs' release, the site's ramp-up. */
export interface DeployedUp {
  readonly message: string;
  readonly release: ReleaseConfig;
  readonly reroutePercentage: number | undefined;
}

/** Everything a real-engine promotion test drives and inspects. */
export class PromotionWorld {
  readonly clock = new CompressedClock(40 * 60_000);
  readonly telemetry: TelemetryWorld = {
    workspaces: new Set(),
    roles: new Map(),
    healthStatus: new Map(),
    queries: [],
  };
  readonly vercel = new FakeVercelApi(VERCEL_TOKEN);
  readonly out: Record<string, StackOutputs> = {};
  /** What each successful production `up` of an in-process controller left in the real state. */
  readonly deployedAfterUp: DeployedUp[] = [];
  ws!: Workspace;
  stateDir = "";
  telemetryUrl = "";
  vercelUrl = "";
  /** One PostgreSQL per stack: each stack's server creates the same role names (Azure: one server per stack). */
  private readonly pgs: Record<string, PostgresServer> = {};
  private closers: (() => Promise<void>)[] = [];

  /** Deploys both stacks once (README's first deployment) and starts the fakes. */
  async start(label: string): Promise<void> {
    this.ws = new Workspace(label);
    this.stateDir = path.join(path.dirname(this.ws.dir), "promotion-state");
    for (const stack of ["staging", "production"]) {
      this.pgs[stack] = await startPostgres();
      this.useStack(stack);
      await initStack(this.ws, stack);
      await this.ws.ok(["up", "--yes", "--stack", stack, ...policyArgs(stack)]);
    }
    for (const stack of ["staging", "production"]) await this.refreshOutputs(stack);
    const telemetry = await startTelemetryFake(this.telemetry);
    const vercel = await startVercelFake(this.vercel);
    this.closers.push(telemetry.close, vercel.close);
    [this.telemetryUrl, this.vercelUrl] = [telemetry.url, vercel.url];
    for (const o of Object.values(this.out))
      this.telemetry.workspaces.add(o.monitoring.logAnalyticsWorkspaceId);
    for (const [stack, name] of [
      ["production", "shop-web"],
      ["staging", "shop-web-staging"],
    ] as const) {
      const id = this.out[stack]!.vercel!.projectId!;
      this.vercel.projects.set(id, {
        id,
        name,
        link: { type: "github", repoId: 4242, productionBranch: "main" },
        stages: [10, 50, 100],
        rollingRelease: null,
      });
    }
    this.vercel.seed(this.productionProject, this.out.production!.release.stable.frontendRef, "dpl_prod141");
    this.healthy();
  }

  /**
   * Points the stand-ins at `stack`'s PostgreSQL, here and in this process's environment (the Automation API
   * runs \`pulumi\` with it: the real CLI, the file backend, the passphrase). Production's is the default.
   */
  useStack(stack: string): void {
    this.ws.usePostgres(this.pgs[stack]!);
    Object.assign(process.env, this.ws.env());
  }

  async stop(): Promise<void> {
    for (const close of this.closers) await close();
    this.ws?.remove();
    for (const pg of Object.values(this.pgs)) await pg.stop();
  }

  get productionProject(): string {
    return this.out.production!.vercel!.projectId!;
  }

  get canaryRole(): string {
    return `${this.out.production!.api.functionAppName}-canary`;
  }

  get canaryHost(): string {
    return new URL(this.out.production!.api.canaryHealthUrl!).host;
  }

  /** A real driver of `stack`, for reading what the engine holds. */
  driver(stack: string): PulumiStackDriver {
    return new PulumiStackDriver({ workDir: this.ws.dir, stackName: stack });
  }

  async refreshOutputs(stack: string): Promise<void> {
    this.out[stack] = await this.driver(stack).outputs();
  }

  /** Healthy telemetry: every site's `/health` ok, enough requests, errors and latency well inside the gates. */
  healthy(): void {
    this.telemetry.roles.clear();
    this.telemetry.healthStatus.clear();
    for (const o of Object.values(this.out)) {
      this.telemetry.roles.set(o.api.functionAppName, { requests: 2400, failed: 3, p95: 190, p99: 290 });
    }
    this.telemetry.roles.set(this.canaryRole, { requests: 240, failed: 1, p95: 230, p99: 310 });
  }

  /** The api-site's canary ramp-up percentage in production's real state (`siteConfig.experiments.rampUpRules`). */
  async stateReroute(): Promise<number | undefined> {
    return (await this.productionState()).reroute;
  }

  /** Production's exported state: the api-site's ramp-up percentage and the pending operations. */
  async productionState(): Promise<{ reroute: number | undefined; pendingOperations: unknown[] }> {
    // siteConfig is sent leaf by leaf (its secret app settings are secret leaves); exported decrypted. An older
    // state may hold the whole object as one secret, `{sig, plaintext: "<JSON>"}`.
    const { text } = await exportStack(this.ws, "production", true);
    type SiteConfig = {
      experiments?: { rampUpRules?: { reroutePercentage?: number }[] };
      plaintext?: string;
    };
    const deployment = (
      JSON.parse(text) as {
        deployment: {
          resources: { urn: string; outputs?: { siteConfig?: SiteConfig } }[];
          pending_operations?: unknown[];
        };
      }
    ).deployment;
    const raw = deployment.resources.find((r) => r.urn.endsWith("::api-site"))?.outputs?.siteConfig;
    const siteConfig = raw?.plaintext !== undefined ? (JSON.parse(raw.plaintext) as SiteConfig) : raw;
    return {
      reroute: siteConfig?.experiments?.rampUpRules?.[0]?.reroutePercentage,
      pendingOperations: deployment.pending_operations ?? [],
    };
  }

  /** The controller in this process; production's driver records what every successful `up` deployed. */
  controller(onFirstSample?: () => void) {
    let sampled = false;
    return rigController({
      workDir: this.ws.dir,
      stateDir: this.stateDir,
      clock: this.clock,
      health: localHealthProbe(this.telemetryUrl),
      telemetryUrl: this.telemetryUrl,
      vercelUrl: this.vercelUrl,
      wrap: (d) => {
        if (d.name !== "production") return d;
        const up = d.up.bind(d);
        d.up = async (options) => {
          const r = await up(options);
          if (r.ok) {
            this.deployedAfterUp.push({
              message: options.message,
              release: (await d.outputs()).release,
              reroutePercentage: await this.stateReroute(),
            });
          }
          return r;
        };
        return d;
      },
      onSample: () => {
        if (!sampled) onFirstSample?.();
        sampled = true;
      },
    });
  }

  /** The environment of a process that runs the tool against this world. */
  toolEnv(): NodeJS.ProcessEnv {
    return {
      ...this.ws.env(),
      VERCEL_API_TOKEN: VERCEL_TOKEN,
      PROMOTION_VERCEL_ENDPOINT: this.vercelUrl,
      PROMOTION_LOG_ANALYTICS_ENDPOINT: this.telemetryUrl,
    };
  }

  /** Runs the real CLI (`npm run promote -- ...`) in its own process. */
  cli(args: string[]): Promise<CliResult> {
    return run(
      path.join(repoRoot, "node_modules", ".bin", "tsx"),
      [
        path.join(repoRoot, "promotion", "cli.ts"),
        "--work-dir",
        this.ws.dir,
        "--state-dir",
        this.stateDir,
        ...args,
      ],
      this.ws.dir,
      this.toolEnv(),
    );
  }

  /** Staging deploys release `version` (a new package and commit), as its own pipeline would. */
  async stagingRuns(version: string, sha: string, commit: string): Promise<void> {
    await new PulumiStackDriver({ workDir: this.ws.dir, stackName: "staging" }).writeRelease({
      stable: {
        version,
        apiPackageUrl: `https://releases.example.com/shop-api/${version}/api.zip`,
        apiPackageSha256: sha,
        frontendRef: commit,
      },
      canaryPercentage: 0,
    });
    this.useStack("staging");
    try {
      await this.ws.ok(["up", "--yes", "--stack", "staging", ...policyArgs("staging")]);
    } finally {
      this.useStack("production");
    }
    await this.refreshOutputs("staging");
  }
}

/** Runs a command to its end; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
