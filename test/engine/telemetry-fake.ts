/**
 * Local fakes, on 127.0.0.1, of the two telemetry endpoints the promotion gates read on the real engine: each
 * site's `/health` and the Azure Monitor Logs query API. They answer from per-site and per-role telemetry the
 * test sets, and refuse what the real services refuse.
 *
 * Query API: `POST /v1/workspaces/{workspaceId}/query` with `{query (required, string), timespan (optional,
 * ISO 8601 interval), workspaces}`; 200 answers `{tables: [{name, columns: [{name, type}], rows}]}`, every other
 * status the `errorResponse` shape `{error: {code, message}}`
 * (https://learn.microsoft.com/rest/api/loganalytics/dataaccess/query/execute). It needs a bearer token (OAuth2,
 * same page). The fake refuses a missing token (401), an unknown workspace (404), a body that is not JSON or
 * lacks a string `query`, or a `timespan` that is not a `start/end` interval (400). It evaluates only the query
 * shape `buildQuery` sends: the roles of `AppRoleName in (...)` and the canary role of `iff(AppRoleName == ...)`.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { httpHealthProbe, type HealthProbe } from "../../promotion/gates/health";

/** Request telemetry of one Application Insights role over any window. */
export interface RoleTelemetry {
  requests: number;
  failed: number;
  p95: number;
  p99: number;
}

/** What the fakes answer; tests change it between and during runs. */
export interface TelemetryWorld {
  /** Workspace ids (customerId GUIDs) the query API knows. */
  workspaces: Set<string>;
  /** Telemetry per `AppRoleName`; a role without an entry has no requests. */
  roles: Map<string, RoleTelemetry>;
  /** `/health` status code per site host name; absent means 200 `{"status":"ok"}`. */
  healthStatus: Map<string, number>;
  /** Every query request, as received. */
  queries: { workspace: string; status: number; query: string; timespan?: string }[];
}

const error = (code: string, message: string) => ({ error: { code, message } });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function isInterval(value: string): boolean {
  const [from, to, extra] = value.split("/");
  return extra === undefined && !Number.isNaN(Date.parse(from ?? "")) && !Number.isNaN(Date.parse(to ?? ""));
}

/** Answers one query request: [status, body]. */
export function answerQuery(
  world: TelemetryWorld,
  workspace: string,
  auth: string | undefined,
  text: string,
): [number, unknown] {
  if (auth === undefined || !/^Bearer \S+$/.test(auth))
    return [401, error("AuthorizationRequiredError", "Valid authentication was not provided")];
  if (!world.workspaces.has(workspace))
    return [404, error("WorkspaceNotFoundError", `workspace ${workspace} not found`)];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [400, error("BadArgumentError", "The request body is not valid JSON")];
  }
  const { query, timespan } = (body ?? {}) as { query?: unknown; timespan?: unknown };
  if (typeof query !== "string" || query.trim() === "")
    return [400, error("BadArgumentError", "The request had some invalid properties: query is required")];
  if (timespan !== undefined && (typeof timespan !== "string" || !isInterval(timespan)))
    return [
      400,
      error("BadArgumentError", `timespan ${JSON.stringify(timespan)} is not an ISO 8601 interval`),
    ];
  const roles = /AppRoleName in \('([^']*)', '([^']*)'\)/.exec(query);
  const canary = /iff\(AppRoleName == '([^']*)', 'canary', 'stable'\)/.exec(query);
  if (roles === null || canary === null)
    return [400, error("SemanticError", "this fake evaluates only the promotion gates' query shape")];
  const rows: unknown[][] = [];
  for (const slot of ["canary", "stable"] as const) {
    const role = slot === "canary" ? canary[1]! : [roles[1], roles[2]].find((r) => r !== canary[1]);
    const t = role === undefined ? undefined : world.roles.get(role);
    if (t !== undefined && t.requests > 0) rows.push([slot, t.requests, t.failed, t.p95, t.p99]);
  }
  return [200, gateQueryResult(rows)];
}

/** The query API's answer to the promotion gates' query: one `PrimaryResult` table, one row per slot. */
export function gateQueryResult(rows: unknown[][]) {
  return {
    tables: [
      {
        name: "PrimaryResult",
        columns: [
          { name: "slot", type: "string" },
          { name: "requests", type: "long" },
          { name: "failed", type: "long" },
          { name: "p95", type: "real" },
          { name: "p99", type: "real" },
        ],
        rows,
      },
    ],
  };
}

/**
 * The real probe (`httpHealthProbe`), sending the same GET the stacks' health URLs name (Azure hosts) to the
 * `/health` fake at `base`, keyed by that host.
 */
export function localHealthProbe(base: string): HealthProbe {
  return {
    probe: (target, timeoutMs, expectedBody) => {
      const u = new URL(target);
      return httpHealthProbe.probe(`${base}/${u.host}${u.pathname}`, timeoutMs, expectedBody);
    },
  };
}

/** Starts both fakes on one 127.0.0.1 port: `/{host}/health` and `/v1/workspaces/{id}/query`. */
export async function startTelemetryFake(
  world: TelemetryWorld,
): Promise<{ url: string; probe: HealthProbe; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const text = await readBody(req);
      const send = (status: number, value: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      const q = /^\/v1\/workspaces\/([^/]+)\/query$/.exec(url.pathname);
      if (q !== null && req.method === "POST") {
        const [status, body] = answerQuery(world, decodeURIComponent(q[1]!), req.headers.authorization, text);
        const parsed =
          status === 200 ? (JSON.parse(text) as { query: string; timespan?: string }) : undefined;
        world.queries.push({
          workspace: q[1]!,
          status,
          query: parsed?.query ?? "",
          ...(parsed?.timespan !== undefined ? { timespan: parsed.timespan } : {}),
        });
        return send(status, body);
      }
      const h = /^\/([^/]+)\/(?:api\/)?health$/.exec(url.pathname);
      if (h !== null && req.method === "GET") {
        const status = world.healthStatus.get(h[1]!) ?? 200;
        return send(status, status === 200 ? { status: "ok" } : { status: "unhealthy" });
      }
      send(404, error("PathNotFoundError", `no route ${req.method} ${url.pathname}`));
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  server.unref();
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    probe: localHealthProbe(base),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
