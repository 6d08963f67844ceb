/**
 * The real-engine suite's Log Analytics query API fake (test/engine/telemetry-fake.ts) refuses what the service
 * refuses and answers the gates' own query from the telemetry it holds.
 */
import { describe, expect, it } from "vitest";
import { buildQuery } from "../../promotion/gates/metrics";
import { answerQuery, type TelemetryWorld } from "../engine/telemetry-fake";

const world: TelemetryWorld = {
  workspaces: new Set(["ws-1"]),
  roles: new Map([
    ["app", { requests: 2400, failed: 3, p95: 190, p99: 290 }],
    ["app-canary", { requests: 240, failed: 1, p95: 230, p99: 310 }],
  ]),
  healthStatus: new Map(),
  queries: [],
};
const query = buildQuery({ canaryRole: "app-canary", stableRole: "app", from: 0, to: 60_000 });
const body = JSON.stringify({ query, timespan: "1970-01-01T00:00:00.000Z/1970-01-01T00:01:00.000Z" });

describe("the Log Analytics query API fake", () => {
  it("refuses a request without a bearer token (401) and an unknown workspace (404)", () => {
    expect(answerQuery(world, "ws-1", undefined, body)[0]).toBe(401);
    expect(answerQuery(world, "ws-2", "Bearer t", body)).toEqual([
      404,
      { error: { code: "WorkspaceNotFoundError", message: "workspace ws-2 not found" } },
    ]);
  });

  it("refuses a malformed body with 400 BadArgumentError", () => {
    expect(answerQuery(world, "ws-1", "Bearer t", "{query")[1]).toEqual({
      error: { code: "BadArgumentError", message: "The request body is not valid JSON" },
    });
    expect(answerQuery(world, "ws-1", "Bearer t", JSON.stringify({ timespan: "PT1H" }))[0]).toBe(400);
    expect(answerQuery(world, "ws-1", "Bearer t", JSON.stringify({ query, timespan: "yesterday" }))).toEqual([
      400,
      { error: { code: "BadArgumentError", message: 'timespan "yesterday" is not an ISO 8601 interval' } },
    ]);
  });

  it("answers the gates' query with one row per slot that has requests", () => {
    const [status, result] = answerQuery(world, "ws-1", "Bearer t", body);
    expect(status).toBe(200);
    expect((result as { tables: { rows: unknown[][] }[] }).tables[0]!.rows).toEqual([
      ["canary", 240, 1, 230, 310],
      ["stable", 2400, 3, 190, 290],
    ]);
  });
});
