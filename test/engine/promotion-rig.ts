/**
 * The promotion controller wired for the real engine, shared by the real-engine promotion tests and the
 * promote process they kill: the real Automation API driver, the real HTTP clients pointed at the local fakes,
 * and a compressed clock (wall time plus every wait skipped) for the bake waits.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import * as YAML from "yaml";
import type { Clock } from "../../promotion/clock";
import { policyFor } from "../../promotion/cli";
import { PromotionController } from "../../promotion/controller";
import type { HealthProbe } from "../../promotion/gates/health";
import { LogAnalyticsMetrics } from "../../promotion/gates/metrics";
import { PulumiStackDriver } from "../../promotion/pulumi-driver";
import type { StackDriver } from "../../promotion/stack";
import { VercelRollingRelease } from "../../promotion/vercel";
import { FakePackages } from "../../offline/promotion-sim/sim";
import type { Artifact } from "../../config/release";
import type { PackageDigester } from "../../promotion/integrity";

/**
 * The release packages as their host would serve them. Nothing here can reach the release host, so each artifact
 * named in the stack files at the time of the request (the tests change releases between runs) serves bytes with
 * its declared digest, through the simulator's strict package fake; any other URL answers 404. The digest check
 * itself is tested against a local HTTP server (test/promotion/integrity.test.ts).
 */
class StackFilePackages implements PackageDigester {
  constructor(private readonly workDir: string) {}

  async digest(url: string): Promise<string> {
    const artifacts: Artifact[] = [];
    for (const stack of ["staging", "production"]) {
      const doc = YAML.parse(readFileSync(path.join(this.workDir, `Pulumi.${stack}.yaml`), "utf8")) as {
        config?: Record<string, unknown>;
      };
      // `pulumi config set` writes an object key as YAML; the Automation API's setConfig as a JSON string.
      const value = doc.config?.["webapp-platform:release"] as unknown;
      const release = (typeof value === "string" ? JSON.parse(value) : value) as
        { stable?: Artifact; candidate?: Artifact } | undefined;
      if (release?.stable !== undefined) artifacts.push(release.stable);
      if (release?.candidate !== undefined) artifacts.push(release.candidate);
    }
    return new FakePackages(artifacts).digest(url);
  }
}

/** The Vercel token the fake accepts. */
export const VERCEL_TOKEN = "vercel-engine-suite-token";

/**
 * Wall time plus every wait skipped, so a 24-minute rollout runs at the engine's speed. `skewMs` starts ahead
 * of the wall clock so staging's soak (counted from its real update) is over. `hold` parks the next wait until
 * it settles.
 */
export class CompressedClock implements Clock {
  skippedMs = 0;
  hold: Promise<void> | undefined;
  constructor(public skewMs: number) {}
  now(): number {
    return Date.now() + this.skewMs;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.hold !== undefined) await this.hold;
    if (signal?.aborted === true) throw signal.reason;
    this.skewMs += Math.max(0, ms);
    this.skippedMs += Math.max(0, ms);
    await new Promise((r) => setImmediate(r));
  }
}

/** Where the controller finds the program, its state and the fakes. */
export interface RigOptions {
  readonly workDir: string;
  readonly stateDir: string;
  readonly clock: Clock;
  /** The health probe that sends the stacks' health URLs to the local `/health` fake. */
  readonly health: HealthProbe;
  readonly telemetryUrl: string;
  readonly vercelUrl: string;
  /** Wraps each real stack driver (tests record what each `up` deployed). */
  readonly wrap?: (driver: PulumiStackDriver) => StackDriver;
  readonly onSample?: () => void;
}

/** The controller with the real driver; the Automation API runs `pulumi` with this process's environment. */
export function rigController(o: RigOptions): PromotionController {
  const logAnalytics = new LogAnalyticsMetrics({ token: async () => "engine-suite-token" }, o.telemetryUrl);
  return new PromotionController({
    clock: o.clock,
    driver: (stack) => {
      const d = new PulumiStackDriver({ workDir: o.workDir, stackName: stack });
      return o.wrap?.(d) ?? d;
    },
    health: o.health,
    packages: new StackFilePackages(o.workDir),
    metrics: logAnalytics,
    queries: logAnalytics,
    frontend: (outputs) =>
      new VercelRollingRelease({
        token: VERCEL_TOKEN,
        projectId: outputs.vercel!.projectId!,
        endpoint: o.vercelUrl,
        retryDelayMs: 10,
        buildPollMs: 10,
      }),
    stateDir: o.stateDir,
    policy: policyFor(
      { workDir: o.workDir, stateDir: o.stateDir, policyPack: "policies", vercel: true },
      o.workDir,
    ),
    onLine: (line) => process.stderr.write(`[promote] ${line}\n`),
    ...(o.onSample !== undefined ? { onSample: o.onSample } : {}),
    rollbackRetry: { attempts: 2, delayMs: 1000 },
  });
}
