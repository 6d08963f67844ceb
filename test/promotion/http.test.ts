import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromotionController } from "../../promotion/controller";
import { httpHealthProbe } from "../../promotion/gates/health";
import { buildQuery, LogAnalyticsMetrics, parseResponse } from "../../promotion/gates/metrics";
import { VercelRollingRelease } from "../../promotion/vercel";
import { FakeVercelApi, startVercelFake } from "../../tools/vercel-fake";
import { gateQueryResult } from "../engine/telemetry-fake";
import { scenario, shape } from "./helpers";

/** What the local server answers; tests change it between runs. */
const world = {
  now: () => 0,
  badFrom: Number.POSITIVE_INFINITY,
  healthStatus: 200,
  healthBody: '{"status":"ok","timestamp":"2026-11-22T02:00:00Z"}',
  queryStatus: 200,
  queries: [] as { workspace: string; auth: string | undefined; query: string; timespan: string }[],
};

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

let server: Server;
let base = "";
const vercel = new FakeVercelApi("vercel-test-token");
let vercelFake: Awaited<ReturnType<typeof startVercelFake>>;

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const text = await body(req);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      };
      if (url.pathname === "/health") {
        res.writeHead(world.healthStatus, { "content-type": "application/json" }).end(world.healthBody);
        return;
      }
      const q = /^\/v1\/workspaces\/([^/]+)\/query$/.exec(url.pathname);
      if (q !== null && req.method === "POST") {
        const parsed = JSON.parse(text) as { query: string; timespan: string };
        world.queries.push({ workspace: q[1]!, auth: req.headers.authorization, ...parsed });
        if (world.queryStatus !== 200) return json(world.queryStatus, { error: { code: "Throttled" } });
        const bad = world.now() >= world.badFrom;
        const staging = parsed.query.includes("'app-staging'");
        return json(
          200,
          gateQueryResult(
            staging
              ? [["canary", 900, 2, 180.5, 260]]
              : [
                  ["canary", 240, bad ? 30 : 1, 230, 310],
                  ["stable", 2100, 3, 190, 290],
                ],
          ),
        );
      }
      json(404, { error: "not found" });
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  vercelFake = await startVercelFake(vercel);
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await vercelFake.close();
});

function httpScenario() {
  const s = scenario();
  Object.assign(world, {
    now: () => s.clock.now(),
    badFrom: Number.POSITIVE_INFINITY,
    healthStatus: 200,
    queryStatus: 200,
    queries: [],
  });
  vercel.projects.clear();
  vercel.deployments.clear();
  vercel.log.length = 0;
  for (const [id, name] of [
    ["prj_production", "shop-web"],
    ["prj_staging", "shop-web-staging"],
  ] as const) {
    vercel.projects.set(id, {
      id,
      name,
      link: { type: "github", repoId: 4242, productionBranch: "main" },
      stages: [10, 50, 100],
      rollingRelease: null,
    });
  }
  vercel.seed("prj_production", s.stable.frontendRef, "dpl_prodstable");
  vercel.seed("prj_staging", s.candidate.frontendRef, "dpl_stagingcandidate");
  const outputs = s.production.outputs.bind(s.production);
  const local = async () => {
    const o = await outputs();
    return { ...o, api: { ...o.api, canaryHealthUrl: `${base}/health` } };
  };
  s.production.outputs = local;
  const stagingOutputs = s.staging.outputs.bind(s.staging);
  s.staging.outputs = async () => {
    const o = await stagingOutputs();
    return { ...o, api: { ...o.api, healthUrl: `${base}/health` } };
  };
  const controller = new PromotionController({
    ...s.deps,
    health: httpHealthProbe,
    metrics: new LogAnalyticsMetrics({ token: async () => "test-token" }, base),
    frontend: (o) =>
      new VercelRollingRelease({
        token: "vercel-test-token",
        projectId: o.vercel!.projectId!,
        teamId: "team_1",
        endpoint: vercelFake.url,
        retryDelayMs: 1,
        buildPollMs: 1,
      }),
  });
  return { s, controller };
}

describe("against a local query API, /health and Vercel API on 127.0.0.1", () => {
  it("promotes through every stage with the real HTTP clients", async () => {
    const { s, controller } = httpScenario();
    const result = await controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("promoted");
    expect(shape(s.production.deployed)).toBe("2.0.0/-@0");
    expect(result.state?.samples).toHaveLength(27);
    expect(result.state?.samples[0]?.canary).toEqual({
      requests: 240,
      errorRatePercent: 1 / 2.4,
      p95Ms: 230,
      p99Ms: 310,
    });
    expect(result.state?.samples[0]?.baselineP95Ms).toBe(190);
    const first = world.queries[1]!;
    expect(first.auth).toBe("Bearer test-token");
    expect(first.workspace).toBe("00000000-0000-0000-0000-000000000000");
    expect(first.query).toContain("AppRequests");
    expect(first.query).toContain("| where AppRoleName in ('app-production-canary', 'app-production')");
    expect(first.query).toContain("percentile(DurationMs, 95)");
    expect(first.query).toContain("p99 = percentile(DurationMs, 99)");
    expect(first.query).not.toContain("AppPerformanceCounters");
    // A staged production deployment of the candidate commit in production's own project, then the
    // rolling release of that deployment; staging's build of the same commit is never used.
    const created = [...vercel.deployments.values()].find((d) => d.id.startsWith("dpl_new"))!;
    expect(created).toMatchObject({
      projectId: "prj_production",
      target: "production",
      sha: s.candidate.frontendRef,
    });
    expect(result.state?.frontendDeployments).toEqual({ candidate: created.id, stable: "dpl_prodstable" });
    expect(vercel.log.filter((l) => l.startsWith("POST"))).toEqual([
      "POST /v13/deployments 200",
      "POST /v1/projects/prj_production/rolling-release/start 200",
      "POST /v1/projects/prj_production/rolling-release/approve-stage 200",
      "POST /v1/projects/prj_production/rolling-release/approve-stage 200",
    ]);
    expect(vercel.projects.get("prj_production")?.rollingRelease).toEqual({
      state: "COMPLETE",
      canaryDeploymentId: created.id,
      activeStageIndex: 2,
    });
  });

  it("rolls back API and frontend when the canary's error rate breaks the gate at 50%", async () => {
    const { s, controller } = httpScenario();
    s.production.onUp = (r) => {
      if (r.canaryPercentage === 50) world.badFrom = s.clock.now() + 60_000;
    };
    const result = await controller.promote({ from: "staging", to: "production" });

    expect(result.outcome).toBe("rolled-back");
    expect(result.reason).toBe("error rate 12.50% > 5% (1 consecutive, limit 1)");
    expect(shape(s.production.deployed)).toBe("1.0.0/-@0");
    expect(vercel.log.at(-1)).toBe("POST /v1/projects/prj_production/rollback/dpl_prodstable 201");
    expect(vercel.projects.get("prj_production")).toMatchObject({
      production: "dpl_prodstable",
      rollingRelease: { state: "ABORTED" },
    });
  });

  it("a /health answering without the stack's healthCheckBody counts as a failed check", async () => {
    const expected = '"status":"ok"';
    world.healthBody = '{"status":"degraded"}';
    expect(await httpHealthProbe.probe(`${base}/health`, 1000, expected)).toEqual({
      ok: false,
      detail: 'HTTP 200 but the body lacks "status":"ok"',
    });
    world.healthStatus = 503;
    world.healthBody = '{"status":"ok"}';
    expect(await httpHealthProbe.probe(`${base}/health`, 1000, expected)).toEqual({
      ok: false,
      detail: "HTTP 503",
    });
    world.healthStatus = 200;
    world.healthBody = "<html>";
    expect(await httpHealthProbe.probe(`${base}/health`, 1000, expected)).toEqual({
      ok: false,
      detail: 'HTTP 200 but the body lacks "status":"ok"',
    });
    // Case-sensitive and exact, as the availability test's content match (ignoreCase false).
    world.healthBody = '{"Status":"OK"}';
    expect((await httpHealthProbe.probe(`${base}/health`, 1000, expected)).ok).toBe(false);
    world.healthBody = '{"status":"ok","timestamp":"2026-11-22T02:00:00Z"}';
    expect(await httpHealthProbe.probe(`${base}/health`, 1000, expected)).toEqual({
      ok: true,
      detail: "HTTP 200 body ok",
    });
    world.healthBody = '{"healthy":true}';
    expect(await httpHealthProbe.probe(`${base}/health`, 1000, '"healthy":true')).toEqual({
      ok: true,
      detail: "HTTP 200 body ok",
    });
  });

  it("a throttled query API is no data, not success", async () => {
    world.queryStatus = 429;
    const m = new LogAnalyticsMetrics({ token: async () => "t" }, base);
    const r = await m.query({
      workspaceId: "w",
      canaryRole: "a-canary",
      stableRole: "a",
      from: 0,
      to: 60_000,
      timeoutMs: 1000,
    });
    expect(r).toEqual({ status: "unavailable", reason: "query API answered HTTP 429" });
  });
});

describe("the Vercel fake refuses what Vercel refuses", () => {
  const client = (projectId = "prj_production") =>
    new VercelRollingRelease({
      token: "vercel-test-token",
      projectId,
      endpoint: vercelFake.url,
      attempts: 1,
      buildPollMs: 1,
    });
  const post = (path: string, body: string) =>
    fetch(`${vercelFake.url}${path}`, {
      method: "POST",
      headers: { authorization: "Bearer vercel-test-token", "content-type": "application/json" },
      body,
    }).then(async (r) => [r.status, await r.json()] as const);

  it("an unknown deployment id, a deployment of another project and a malformed body", async () => {
    httpScenario();
    await expect(client().start("dpl_doesnotexist")).rejects.toThrow(
      "Vercel POST /v1/projects/prj_production/rolling-release/start answered HTTP 404: deployment dpl_doesnotexist not found",
    );
    await expect(client().start("dpl_stagingcandidate")).rejects.toThrow(
      "answered HTTP 400: deployment dpl_stagingcandidate belongs to project prj_staging, not prj_production",
    );
    await expect(client().rollback("dpl_stagingcandidate")).rejects.toThrow("answered HTTP 400");
    expect(await post("/v1/projects/prj_production/rolling-release/start", "{not json")).toEqual([
      400,
      { error: { code: "bad_request", message: "Invalid JSON body" } },
    ]);
    expect(
      await post("/v1/projects/prj_production/rolling-release/start", '{"canaryDeploymentId":7}'),
    ).toEqual([
      400,
      { error: { code: "bad_request", message: "Invalid request: missing `canaryDeploymentId`" } },
    ]);
    expect(await post("/v13/deployments", '{"project":"prj_production"}')).toEqual([
      400,
      { error: { code: "bad_request", message: "Invalid request: missing required property `name`" } },
    ]);
    expect(vercel.projects.get("prj_production")?.rollingRelease).toBeNull();
  });

  it("a deployment id of staging's project as the candidate is refused before anything changes", async () => {
    httpScenario();
    await expect(client().deploymentFor("dpl_stagingcandidate", true)).rejects.toThrow(
      "Vercel deployment dpl_stagingcandidate belongs to project prj_staging, not prj_production: its NEXT_PUBLIC_* values were built for another stack",
    );
    await expect(client().deploymentFor("0123456789abcdef0123456789abcdef01234567", false)).rejects.toThrow(
      "project prj_production has no production deployment of commit 0123456789abcdef0123456789abcdef01234567 to return to",
    );
    expect([...vercel.deployments.keys()]).toEqual(["dpl_prodstable", "dpl_stagingcandidate"]);
  });

  it("finds the candidate built for a commit instead of building it again (a rerun after a crash)", async () => {
    const { s } = httpScenario();
    const first = await client().deploymentFor(s.candidate.frontendRef, true);
    const second = await client().deploymentFor(s.candidate.frontendRef, true);
    expect(second).toBe(first);
    expect(vercel.log.filter((l) => l.startsWith("POST /v13/deployments"))).toHaveLength(1);
  });
});

describe("per-sample timeout", () => {
  it("covers token acquisition: a token provider that never answers gives no data within the timeout", async () => {
    world.queryStatus = 200;
    const queriesBefore = world.queries.length;
    let aborted = false;
    const m = new LogAnalyticsMetrics(
      {
        token: (signal) =>
          new Promise<string>(() => signal?.addEventListener("abort", () => (aborted = true))),
      },
      base,
    );
    const started = performance.now();
    const r = await m.query({
      workspaceId: "w",
      canaryRole: "a-canary",
      stableRole: "a",
      from: 0,
      to: 60_000,
      timeoutMs: 300,
    });
    const elapsed = performance.now() - started;

    expect(r).toEqual({
      status: "unavailable",
      reason: "query failed: no answer within 300 ms (token, request and response)",
    });
    expect(aborted).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
    expect(world.queries.length).toBe(queriesBefore);
  });
});

describe("query API response parsing", () => {
  it("reads per-slot stats from the tables/columns/rows shape", () => {
    expect(
      parseResponse(
        gateQueryResult([
          ["canary", 200, 10, 321.5, 480],
          ["stable", 1000, 5, 250, 400],
        ]),
      ),
    ).toEqual({
      status: "ok",
      canary: { requests: 200, errorRatePercent: 5, p95Ms: 321.5, p99Ms: 480 },
      stable: { requests: 1000, errorRatePercent: 0.5, p95Ms: 250, p99Ms: 400 },
    });
  });

  it("reads memory in MB when the query asked for it; a slot without counters has none", () => {
    const body = gateQueryResult([
      ["canary", 200, 10, 321.5, 480],
      ["stable", 1000, 5, 250, 400],
    ]);
    body.tables[0]!.columns.push({ name: "memoryBytes", type: "real" });
    body.tables[0]!.rows[0]!.push(1_610_612_736);
    body.tables[0]!.rows[1]!.push(null);
    expect(parseResponse(body)).toEqual({
      status: "ok",
      canary: { requests: 200, errorRatePercent: 5, p95Ms: 321.5, p99Ms: 480, memoryMb: 1536 },
      stable: { requests: 1000, errorRatePercent: 0.5, p95Ms: 250, p99Ms: 400 },
    });
  });

  it("the memory query joins the Private Bytes counter per slot only when asked", () => {
    const q = { canaryRole: "app-canary", stableRole: "app", from: 0, to: 60_000 };
    expect(buildQuery(q)).not.toContain("AppPerformanceCounters");
    expect(buildQuery({ ...q, memory: true })).toBe(
      [
        "let memory = AppPerformanceCounters",
        "| where TimeGenerated between (datetime(1970-01-01T00:00:00.000Z) .. datetime(1970-01-01T00:01:00.000Z))",
        "| where AppRoleName in ('app-canary', 'app')",
        "| extend slot = iff(AppRoleName == 'app-canary', 'canary', 'stable')",
        "| where Name == 'Private Bytes'",
        "| summarize memoryBytes = max(Value) by slot;",
        "AppRequests",
        "| where TimeGenerated between (datetime(1970-01-01T00:00:00.000Z) .. datetime(1970-01-01T00:01:00.000Z))",
        "| where AppRoleName in ('app-canary', 'app')",
        "| extend slot = iff(AppRoleName == 'app-canary', 'canary', 'stable')",
        "| summarize requests = count(), failed = countif(Success == false), p95 = percentile(DurationMs, 95), p99 = percentile(DurationMs, 99) by slot",
        "| join kind=leftouter memory on slot",
        "| project slot, requests, failed, p95, p99, memoryBytes",
      ].join("\n"),
    );
  });

  it("a result without rows has no slot stats", () => {
    expect(parseResponse(gateQueryResult([]))).toEqual({ status: "ok" });
  });

  it("null, non-numeric, negative or impossible values are unavailable (no data), never a healthy 0", () => {
    const cases: [unknown[], string][] = [
      [["canary", 200, null, 300, 400], "the canary row's failed is null, not a non-negative number"],
      [["canary", 200, "3", 300, 400], 'the canary row\'s failed is "3", not a non-negative number'],
      [["canary", 200, 3, "NaN", 400], 'the canary row\'s p95 is "NaN", not a non-negative number'],
      [["canary", 200, 3, 300, null], "the canary row's p99 is null, not a non-negative number"],
      [["canary", -5, 0, 300, 400], "the canary row's requests is -5, not a non-negative number"],
      [["canary", 200, -1, 300, 400], "the canary row's failed is -1, not a non-negative number"],
      [["stable", 200, 3, null, 400], "the stable row's p95 is null, not a non-negative number"],
      [["canary", 200, 201, 300, 400], "the canary row has 201 failed of 200 requests"],
    ];
    for (const [row, reason] of cases) {
      expect(parseResponse(gateQueryResult([row])), JSON.stringify(row)).toEqual({
        status: "unavailable",
        reason,
      });
    }
  });

  it("a body without tables is unavailable", () => {
    expect(parseResponse({ error: { code: "BadArgumentError" } })).toEqual({
      status: "unavailable",
      reason: "the response is not a query result (no tables)",
    });
  });
});
