/**
 * Custom gates (issue 12 point 3): the config they are validated with, the ERP example's queries evaluated by
 * the Log Analytics fake through the real client, fail-closed parsing and judging, smoke checks against a local
 * server, and a promotion that a custom gate rolls back.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { detectionSeconds, rolloutSchema, type RolloutInput } from "../../config/rollout";
import {
  httpSmokeProbe,
  judgeQuery,
  parseScalar,
  runCustomGates,
  type QuerySource,
  type ScalarResult,
} from "../../promotion/gates/custom";
import { GateEvaluator } from "../../promotion/gates/evaluate";
import { LogAnalyticsMetrics } from "../../promotion/gates/metrics";
import { PromotionController } from "../../promotion/controller";
import { smokeCheckSchema, type QueryGate } from "../../config/custom-gates";
import { controlCharacterIn } from "../../config/rules";
import { startTelemetryFake, type TelemetryWorld } from "../engine/telemetry-fake";
import { scenario } from "./helpers";

function issues(input: RolloutInput): string[] {
  const r = rolloutSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

const production = (
  parse(readFileSync(join(__dirname, "../../Pulumi.production.yaml"), "utf8")) as {
    config: Record<string, RolloutInput>;
  }
).config["webapp-platform:rollout"]!;
const example = (
  parse(readFileSync(join(__dirname, "../../config/examples/erp-rollout-checks.yaml"), "utf8")) as Record<
    string,
    RolloutInput
  >
)["webapp-platform:rollout"]!;
const erpPlan = rolloutSchema.parse({ ...production, ...example });
const gate = (name: string): QueryGate => erpPlan.customGates.queries.find((q) => q.name === name)!;

describe("custom gate config", () => {
  it("refuses an empty query, a threshold that is not a number, an unknown direction and a repeated name", () => {
    expect(
      issues({
        customGates: {
          queries: [
            { name: "a", query: "  ", threshold: 1, healthyWhen: "above" },
            { name: "a", query: "T", threshold: "80" as unknown as number, healthyWhen: "over" as "above" },
          ],
        },
      }),
    ).toEqual([
      "customGates.queries.0.query: must be a non-empty KQL query ending in one row with a numeric `value`",
      "customGates.queries.1.threshold: must be a number",
      'customGates.queries.1.healthyWhen: must be "above" or "below"',
    ]);
    expect(
      issues({
        customGates: {
          queries: [{ name: "a", query: "T", threshold: 1, healthyWhen: "above" }],
          smokeChecks: [{ name: "a", url: "https://example.com/" }],
        },
      }),
    ).toEqual(['customGates.smokeChecks.0.name: "a" is used twice; custom gate names must be unique']);
  });

  it("accepts https smoke URLs and http only on loopback; stages must be the plan's; one body check", () => {
    const smoke = (check: Record<string, unknown>) =>
      issues({ customGates: { smokeChecks: [{ name: "s", ...check } as never] } });
    expect(smoke({ url: "https://shop.example.com/api/orders" })).toEqual([]);
    expect(smoke({ url: "http://127.0.0.1:8080/x" })).toEqual([]);
    expect(smoke({ url: "http://shop.example.com/" })).toEqual([
      "customGates.smokeChecks.0.url: must be an https URL (http only for localhost / 127.0.0.1 / [::1])",
    ]);
    expect(smoke({ url: "not a url" })).toEqual(["customGates.smokeChecks.0.url: must be an absolute URL"]);
    expect(smoke({ url: "https://shop.example.com/api?token=abc123" })).toEqual([
      "customGates.smokeChecks.0.url: carries a credential query parameter (token=); use a URL without credentials (secrets belong in externalSecrets)",
    ]);
    expect(smoke({ url: "https://a.example/", stages: [10, 25] })).toEqual([
      "customGates.smokeChecks.0.stages.1: is 25; it must be the percentage of a stage of the plan (10, 50, 100)",
    ]);
    expect(smoke({ url: "https://a.example/", bodyContains: "ok", bodyJson: { ok: true } })).toEqual([
      "customGates.smokeChecks.0.bodyJson: and bodyContains are both set; give one body check",
    ]);
    expect(smoke({ url: "https://a.example/", expectedStatus: 99 })).toEqual([
      "customGates.smokeChecks.0.expectedStatus: must be an HTTP status 100-599",
    ]);
    expect(smokeCheckSchema.parse({ name: "s", url: "https://a.example/" }).expectedStatus).toBe(200);
  });

  it("a query gate's ingestion delay counts in the worst-case detection time and the budget check", () => {
    expect(detectionSeconds(erpPlan)).toBe(60 * 4 + 10 + 240);
    expect(
      issues({
        ...production,
        customGates: {
          queries: [{ ...example.customGates!.queries![0]!, ingestionDelaySeconds: 400 }],
        },
      }),
    ).toEqual([
      "intervalSeconds: gives a worst-case detection time of 60 s x 4 samples + 10 s sample timeout + 400 s ingestion delay (query gate cache-hit-ratio) = 650 s, over the rollback budget of 10 min (600 s); shorten intervalSeconds, lower the failure thresholds or raise rollbackBudgetMinutes",
    ]);
  });

  it("the ERP example is valid with production's plan: hit ratio above 80, CPU below 70, connections below 80", () => {
    expect(
      erpPlan.customGates.queries.map((q) => [q.name, q.healthyWhen, q.threshold, q.ingestionDelaySeconds]),
    ).toEqual([
      ["cache-hit-ratio", "above", 80, 240],
      ["database-cpu", "below", 70, 240],
      ["database-connections", "below", 80, 240],
    ]);
    // One line each: the stack config loader refuses control characters, a newline included, in every value.
    expect(erpPlan.customGates.queries.map((q) => controlCharacterIn(q.query))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(gate("database-cpu").query).toBe(
      "AzureMetrics | where ResourceProvider == 'MICROSOFT.DBFORPOSTGRESQL' | where MetricName == 'cpu_percent' | summarize value = max(Maximum) | project value",
    );
  });
});

describe("the ERP example's queries through the real client and the Log Analytics fake", () => {
  const world: TelemetryWorld = {
    workspaces: new Set(["ws-1"]),
    roles: new Map(),
    healthStatus: new Map(),
    queries: [],
    platformMetrics: [],
  };
  let fake: Awaited<ReturnType<typeof startTelemetryFake>>;
  let client: LogAnalyticsMetrics;
  beforeAll(async () => {
    fake = await startTelemetryFake(world);
    client = new LogAnalyticsMetrics({ token: async () => "t" }, fake.url);
  });
  afterAll(() => fake.close());
  const run = (name: string) =>
    client.scalar({ workspaceId: "ws-1", query: gate(name).query, from: 0, to: 300_000, timeoutMs: 5000 });
  const metric = (resourceProvider: string, metricName: string, total: number, maximum = total) => ({
    resourceProvider,
    metricName,
    total,
    average: maximum,
    maximum,
  });

  it("computes the hit ratio, the highest CPU and the connection share over the window", async () => {
    world.platformMetrics = [
      metric("MICROSOFT.CACHE", "cachehits", 900),
      metric("MICROSOFT.CACHE", "cachemisses", 100),
      metric("MICROSOFT.DBFORPOSTGRESQL", "cpu_percent", 0, 41.5),
      metric("MICROSOFT.DBFORPOSTGRESQL", "active_connections", 0, 300),
    ];
    expect(await run("cache-hit-ratio")).toEqual({ status: "ok", value: 90 });
    expect(await run("database-cpu")).toEqual({ status: "ok", value: 41.5 });
    expect(await run("database-connections")).toEqual({ status: "ok", value: (100 * 300) / 859 });
    expect(world.queries.slice(-3).map((q) => [q.status, q.timespan])).toEqual([
      [200, "1970-01-01T00:00:00.000Z/1970-01-01T00:05:00.000Z"],
      [200, "1970-01-01T00:00:00.000Z/1970-01-01T00:05:00.000Z"],
      [200, "1970-01-01T00:00:00.000Z/1970-01-01T00:05:00.000Z"],
    ]);
  });

  it("no metrics in the window is no data, never a healthy value", async () => {
    world.platformMetrics = [];
    expect(await run("cache-hit-ratio")).toEqual({
      status: "unavailable",
      reason: "value is null, not a number (no data in the window?)",
    });
    expect(await run("database-cpu")).toEqual({
      status: "unavailable",
      reason: "value is null, not a number (no data in the window?)",
    });
  });

  it("a query the API cannot compile is HTTP 400 with the inner error, and no data for the gate", async () => {
    const bad = await client.scalar({
      workspaceId: "ws-1",
      query: "AzureMetrics | where MetricName ~~ 'x'",
      from: 0,
      to: 60_000,
      timeoutMs: 5000,
    });
    expect(bad).toEqual({ status: "unavailable", reason: "query API answered HTTP 400" });
    const res = await fetch(`${fake.url}/v1/workspaces/ws-1/query`, {
      method: "POST",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: JSON.stringify({ query: "Heartbeat | project value" }),
    });
    expect([res.status, await res.json()]).toEqual([
      400,
      {
        error: {
          code: "BadArgumentError",
          message: "The request had some invalid properties",
          innererror: {
            code: "SemanticError",
            message: "Failed to resolve table expression named 'Heartbeat'",
          },
        },
      },
    ]);
  });
});

describe("custom gate judging fails closed", () => {
  const table = (columns: string[], rows: unknown[][]) => ({
    tables: [{ name: "PrimaryResult", columns: columns.map((name) => ({ name, type: "real" })), rows }],
  });

  it("needs one row with a numeric value column", () => {
    expect(parseScalar(table(["value"], [[12.5]]))).toEqual({ status: "ok", value: 12.5 });
    expect(parseScalar(table(["x"], [[1]]))).toEqual({
      status: "unavailable",
      reason: "the result has no column named value",
    });
    expect(parseScalar(table(["value"], []))).toEqual({
      status: "unavailable",
      reason: "the query returned 0 rows; a gate query must return exactly one",
    });
    expect(parseScalar(table(["value"], [[1], [2]]))).toEqual({
      status: "unavailable",
      reason: "the query returned 2 rows; a gate query must return exactly one",
    });
    expect(parseScalar(table(["value"], [["NaN"]]))).toEqual({
      status: "unavailable",
      reason: 'value is "NaN", not a number (no data in the window?)',
    });
    expect(parseScalar({ error: {} })).toEqual({
      status: "unavailable",
      reason: "the response is not a query result (no tables)",
    });
  });

  it("limits are strict: the threshold itself is a breach on either side", () => {
    const ok = (value: number): ScalarResult => ({ status: "ok", value });
    expect(judgeQuery(gate("cache-hit-ratio"), ok(80.01)).outcome).toBe("pass");
    expect(judgeQuery(gate("cache-hit-ratio"), ok(80))).toEqual({
      name: "cache-hit-ratio",
      kind: "query",
      outcome: "breach",
      value: 80,
      detail: "cache-hit-ratio 80 is not above 80",
    });
    expect(judgeQuery(gate("database-cpu"), ok(70)).detail).toBe("database-cpu 70 is not below 70");
    expect(judgeQuery(gate("database-cpu"), ok(69.994)).detail).toBe("database-cpu 69.99 is below 70");
  });

  it("without a query client every query gate is no data; smoke checks run only in their stages", async () => {
    const plan = rolloutSchema.parse({
      ...production,
      customGates: {
        queries: [example.customGates!.queries![1]!],
        smokeChecks: [
          { name: "orders", url: "https://a.example/orders", stages: [50] },
          { name: "home", url: "https://a.example/" },
        ],
      },
    });
    const sent: string[] = [];
    const results = await runCustomGates(plan.customGates, {
      percentage: 10,
      workspaceId: "w",
      at: 600_000,
      rolloutStart: 0,
      windowMinutes: 5,
      timeoutMs: 1000,
      smoke: { check: async (c) => (sent.push(c.name), { ok: true, detail: "HTTP 200, body matched" }) },
    });
    expect(results).toEqual([
      {
        name: "database-cpu",
        kind: "query",
        outcome: "no-data",
        detail: "no Log Analytics query client is configured",
      },
      { name: "home", kind: "smoke", outcome: "pass", detail: "HTTP 200, body matched" },
    ]);
    expect(sent).toEqual(["home"]);
  });

  it("a query breach rolls back at metricFailures; no data is inconclusive; smoke failures at healthFailures", () => {
    const g = rolloutSchema.parse({}).gates;
    const base = {
      at: "2026-11-22T02:10:00.000Z",
      stage: 0,
      percentage: 10,
      health: { ok: true, detail: "HTTP 200 status ok" },
      metrics: {
        status: "ok" as const,
        canary: { requests: 100, errorRatePercent: 0, p95Ms: 100, p99Ms: 150 },
      },
      baselineP95Ms: 100,
    };
    const breach = new GateEvaluator(g).judge({
      ...base,
      custom: [
        {
          name: "database-cpu",
          kind: "query",
          outcome: "breach",
          value: 91,
          detail: "database-cpu 91 is not below 70",
        },
      ],
    });
    expect([breach.verdict, breach.rollback]).toEqual([
      "unhealthy",
      "database-cpu 91 is not below 70 (1 consecutive, limit 1)",
    ]);
    const noData = new GateEvaluator(g).judge({
      ...base,
      custom: [{ name: "cache-hit-ratio", kind: "query", outcome: "no-data", detail: "value is null" }],
    });
    expect([noData.verdict, noData.noData, noData.rollback]).toEqual([
      "inconclusive",
      "query gate cache-hit-ratio: value is null",
      undefined,
    ]);
    const smoke = new GateEvaluator(g);
    const failed = {
      name: "orders",
      kind: "smoke" as const,
      outcome: "breach" as const,
      detail: "HTTP 500, expected 200",
    };
    const samples = [1, 2, 3].map(() => smoke.judge({ ...base, custom: [failed] }));
    expect(samples.map((s) => [s.verdict, s.rollback])).toEqual([
      ["unhealthy", undefined],
      ["unhealthy", undefined],
      ["unhealthy", "smoke check orders: HTTP 500, expected 200 (3 consecutive, limit 3)"],
    ]);
  });
});

describe("smoke checks over HTTP", () => {
  let server: Server;
  let base = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/hang") return;
      const [status, body] =
        req.url === "/orders"
          ? [200, JSON.stringify({ status: "ok", items: [1, 2], build: { version: "2.0.0", sha: "abc" } })]
          : req.url === "/text"
            ? [200, "<html>Welcome to the shop</html>"]
            : [500, "boom"];
      res.writeHead(status).end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const check = (path: string, extra: Record<string, unknown> = {}, timeoutMs = 2000) =>
    httpSmokeProbe.check(smokeCheckSchema.parse({ name: "s", url: `${base}${path}`, ...extra }), timeoutMs);

  it("matches the status and a body substring or a JSON subset", async () => {
    expect(await check("/orders", { bodyJson: { status: "ok", build: { version: "2.0.0" } } })).toEqual({
      ok: true,
      detail: "HTTP 200, body matched",
    });
    expect(await check("/text", { bodyContains: "Welcome" })).toEqual({
      ok: true,
      detail: "HTTP 200, body matched",
    });
    expect(await check("/fail", { expectedStatus: 500, bodyContains: "boom" })).toEqual({
      ok: true,
      detail: "HTTP 500, body matched",
    });
  });

  it("fails on a wrong status, a missing substring, a JSON mismatch, a non-JSON body and a hang", async () => {
    expect(await check("/fail")).toEqual({ ok: false, detail: "HTTP 500, expected 200" });
    expect(await check("/text", { bodyContains: "Goodbye" })).toEqual({
      ok: false,
      detail: 'HTTP 200 but the body lacks "Goodbye"',
    });
    expect(await check("/orders", { bodyJson: { items: [1] } })).toEqual({
      ok: false,
      detail: "HTTP 200 but the body does not match bodyJson",
    });
    expect(await check("/text", { bodyJson: { status: "ok" } })).toEqual({
      ok: false,
      detail: "HTTP 200 but the body is not JSON",
    });
    expect(await check("/hang", {}, 300)).toEqual({ ok: false, detail: "no answer within 300 ms" });
  });
});

describe("a promotion with custom gates", () => {
  it("a database CPU breach at 50% rolls the candidate back, naming the gate and its value", async () => {
    const s = scenario({ rollout: { customGates: { queries: [example.customGates!.queries![1]!] } } });
    let cpu = 35;
    s.production.onUp = (release) => {
      if (release.canaryPercentage === 50) cpu = 88;
    };
    const asked: string[] = [];
    const queries: QuerySource = {
      scalar: async (q) => (asked.push(q.query), { status: "ok", value: cpu }),
    };
    const result = await new PromotionController({ ...s.deps, queries }).promote({
      from: "staging",
      to: "production",
    });
    expect([result.outcome, result.exitCode, result.reason]).toEqual([
      "rolled-back",
      4,
      "database-cpu 88 is not below 70 (1 consecutive, limit 1)",
    ]);
    expect(result.state!.stages.map((st) => [st.percentage, st.result ?? null])).toEqual([
      [10, "passed"],
      [50, "failed"],
      [100, null],
    ]);
    // 5 min bake + the query gate's 240 s delay at 60 s: ceil(540 / 60) + 1 = 10 healthy samples per stage.
    expect(result.state!.stages[0]!.healthy).toBe(10);
    expect(asked).toHaveLength(11);
    expect(asked.every((q) => q === gate("database-cpu").query)).toBe(true);
  });
});
