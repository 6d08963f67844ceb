/**
 * Custom gates on the real Pulumi engine (issue 12 point 3): production's rollout plan carries the ERP plan's
 * checks (config/examples/erp-rollout-checks.yaml) and a smoke check; the real Log Analytics client sends their
 * KQL to the local query API fake, which evaluates it over `AzureMetrics`; a database CPU breach during the first
 * stage rolls the real stack back to its stable release at 0%.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { RolloutInput } from "../../config/rollout";
import { rolloutKey } from "../../promotion/stack";
import { shape, PromotionWorld } from "./promotion-world";
import { repoRoot } from "./support";

const w = new PromotionWorld();

beforeAll(() => w.start("promotion-gates"));
afterAll(() => w.stop());

const file = (name: string) =>
  parse(readFileSync(path.join(repoRoot, name), "utf8")) as Record<string, unknown> & {
    config: Record<string, unknown>;
  };

describe("custom gates on the real engine", () => {
  it("a database CPU breach of the ERP checks rolls production back at 10%: real stack at 0% on the stable release", async () => {
    const erp = file("config/examples/erp-rollout-checks.yaml")[rolloutKey] as RolloutInput;
    const plan = file("Pulumi.production.yaml").config[rolloutKey] as RolloutInput;
    const smokeUrl = `${w.telemetryUrl}/${w.canaryHost}/api/health`;
    const stack = await LocalWorkspace.selectStack({ stackName: "production", workDir: w.ws.dir });
    await stack.setConfig(rolloutKey, {
      value: JSON.stringify({
        ...plan,
        customGates: {
          ...erp.customGates,
          smokeChecks: [{ name: "canary-health", url: smokeUrl, bodyJson: { status: "ok" } }],
        },
      }),
      secret: false,
    });
    const metric = (resourceProvider: string, metricName: string, total: number, maximum = total) => ({
      resourceProvider,
      metricName,
      total,
      average: maximum,
      maximum,
    });
    w.telemetry.platformMetrics = [
      metric("MICROSOFT.CACHE", "cachehits", 950),
      metric("MICROSOFT.CACHE", "cachemisses", 50),
      metric("MICROSOFT.DBFORPOSTGRESQL", "cpu_percent", 0, 35),
      metric("MICROSOFT.DBFORPOSTGRESQL", "active_connections", 0, 120),
    ];
    w.deployedAfterUp.length = 0;
    const result = await w
      .controller(() => {
        w.telemetry.platformMetrics![2] = metric("MICROSOFT.DBFORPOSTGRESQL", "cpu_percent", 0, 88);
      })
      .promote({ from: "staging", to: "production" });

    expect([result.outcome, result.exitCode, result.reason]).toEqual([
      "rolled-back",
      4,
      "database-cpu 88 is not below 70 (1 consecutive, limit 1)",
    ]);
    expect(w.deployedAfterUp.map((u) => [u.message, shape(u.release), u.reroutePercentage])).toEqual([
      ["promote 1.4.2: 10%", "1.4.1/1.4.2@10", 10],
      ["rollback of 1.4.2: database-cpu 88 is not below 70 (1 consecutive, limit 1)", "1.4.1/-@0", 0],
    ]);
    expect(shape((await w.driver("production").readRelease())!)).toBe("1.4.1/-@0");
    const last = (await w.driver("production").history(1))[0]!;
    expect([last.kind, last.result, shape(last.release!)]).toEqual(["update", "succeeded", "1.4.1/-@0"]);
    const samples = result.state!.samples;
    expect(samples.map((s) => s.verdict)).toEqual(["healthy", "unhealthy"]);
    expect(samples[0]!.custom!.map((c) => [c.name, c.outcome, c.value ?? c.detail])).toEqual([
      ["cache-hit-ratio", "pass", 95],
      ["database-cpu", "pass", 35],
      ["database-connections", "pass", (100 * 120) / 859],
      ["canary-health", "pass", "HTTP 200, body matched"],
    ]);
    expect(result.state!.plan.customGates.queries.map((q) => q.name)).toEqual([
      "cache-hit-ratio",
      "database-cpu",
      "database-connections",
    ]);
    const custom = w.telemetry.queries.filter((q) => q.query.startsWith("AzureMetrics"));
    expect(custom.map((q) => q.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });
});
