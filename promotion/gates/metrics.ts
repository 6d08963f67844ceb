import { NOT_A_QUERY_RESULT, primaryTable } from "./query-result";
import { parseScalar, type QuerySource, type ScalarQuery, type ScalarResult } from "./custom";

/** Request statistics of one slot over a window. */
export interface SlotStats {
  /** Requests seen. */
  readonly requests: number;
  /** Failed requests in percent of requests. */
  readonly errorRatePercent: number;
  /** 95th percentile of request duration, ms. */
  readonly p95Ms: number;
  /** 99th percentile of request duration, ms. */
  readonly p99Ms: number;
  /** Highest `Private Bytes` of the slot's instances in the window, MB; present only when asked for and reported. */
  readonly memoryMb?: number;
}

/** What a metrics query found: per-slot stats (a slot without requests is absent), or why there is no data. */
export type MetricsResult =
  | { readonly status: "ok"; readonly canary?: SlotStats; readonly stable?: SlotStats }
  | { readonly status: "unavailable"; readonly reason: string };

/** Which telemetry to read. */
export interface MetricsQuery {
  /** Log Analytics workspace id (the workspace's customerId GUID). */
  readonly workspaceId: string;
  /** `AppRoleName` of the canary slot's requests. */
  readonly canaryRole: string;
  /** `AppRoleName` of the stable (production) slot's requests. */
  readonly stableRole: string;
  /** Window start, ms since the epoch. */
  readonly from: number;
  /** Window end, ms since the epoch. */
  readonly to: number;
  /** Also read the slots' memory (`AppPerformanceCounters`, `Private Bytes`); only when the memory gate is on. */
  readonly memory?: boolean;
  /** Give up after this many ms. */
  readonly timeoutMs: number;
}

/** Reads request error rates and p95 latency per slot. */
export interface MetricsSource {
  /** Never throws: failures come back as `unavailable`. */
  query(q: MetricsQuery): Promise<MetricsResult>;
}

/** Supplies bearer tokens for the Log Analytics query API. */
export interface TokenProvider {
  /** An access token for `https://api.loganalytics.io/.default`; should give up when `signal` aborts. */
  token(signal?: AbortSignal): Promise<string>;
}

/** Quotes a string as a KQL string literal. */
export function kqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The KQL the gates run over workspace-based Application Insights, one row per slot: requests, failed, p95 and
 * p99 from `AppRequests`; with `memory`, the highest `Private Bytes` from `AppPerformanceCounters` (columns
 * `Name`, `Value`, `AppRoleName`: https://learn.microsoft.com/azure/azure-monitor/reference/tables/appperformancecounters),
 * in bytes, joined by slot (null for a slot that reported none).
 */
export function buildQuery(
  q: Pick<MetricsQuery, "canaryRole" | "stableRole" | "from" | "to" | "memory">,
): string {
  const from = new Date(q.from).toISOString();
  const to = new Date(q.to).toISOString();
  const scope = [
    `| where TimeGenerated between (datetime(${from}) .. datetime(${to}))`,
    `| where AppRoleName in (${kqlString(q.canaryRole)}, ${kqlString(q.stableRole)})`,
    `| extend slot = iff(AppRoleName == ${kqlString(q.canaryRole)}, 'canary', 'stable')`,
  ];
  const requests = [
    "AppRequests",
    ...scope,
    "| summarize requests = count(), failed = countif(Success == false), p95 = percentile(DurationMs, 95), p99 = percentile(DurationMs, 99) by slot",
  ];
  if (q.memory !== true) return requests.join("\n");
  return [
    "let memory = AppPerformanceCounters",
    ...scope,
    "| where Name == 'Private Bytes'",
    "| summarize memoryBytes = max(Value) by slot;",
    ...requests,
    "| join kind=leftouter memory on slot",
    "| project slot, requests, failed, p95, p99, memoryBytes",
  ].join("\n");
}

/** Turns a query API response body into per-slot stats. */
export function parseResponse(body: unknown): MetricsResult {
  const table = primaryTable(body);
  if (table === undefined) return { status: "unavailable", reason: NOT_A_QUERY_RESULT };
  const col = (name: string) => table.columns.findIndex((c) => c.name === name);
  const [iSlot, iReq, iFail, iP95, iP99, iMem] = [
    col("slot"),
    col("requests"),
    col("failed"),
    col("p95"),
    col("p99"),
    col("memoryBytes"),
  ];
  if ([iSlot, iReq, iFail, iP95, iP99].some((i) => i < 0)) {
    return {
      status: "unavailable",
      reason: "the result lacks one of the columns slot, requests, failed, p95, p99",
    };
  }
  const stats: { canary?: SlotStats; stable?: SlotStats } = {};
  for (const row of table.rows) {
    const slot = row[iSlot];
    if (slot !== "canary" && slot !== "stable") continue;
    const [requests, failed, p95, p99] = [row[iReq], row[iFail], row[iP95], row[iP99]];
    // A slot without memory counters has null (left outer join): no memory data, judged by the gate.
    const memory = iMem < 0 || row[iMem] === null ? undefined : row[iMem];
    if (requests === 0) continue;
    // Fail closed: a value that is not a finite, non-negative number is no data, never a healthy 0.
    for (const [name, value] of [
      ["requests", requests],
      ["failed", failed],
      ["p95", p95],
      ["p99", p99],
      ...(memory !== undefined ? [["memoryBytes", memory] as const] : []),
    ] as const) {
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        return {
          status: "unavailable",
          reason: `the ${slot} row's ${name} is ${JSON.stringify(value) ?? String(value)}, not a non-negative number`,
        };
      }
    }
    const [req, fail, p] = [requests as number, failed as number, p95 as number];
    if (fail > req) {
      return { status: "unavailable", reason: `the ${slot} row has ${fail} failed of ${req} requests` };
    }
    stats[slot] = {
      requests: req,
      errorRatePercent: (fail / req) * 100,
      p95Ms: p,
      p99Ms: p99 as number,
      ...(memory !== undefined ? { memoryMb: (memory as number) / 1_048_576 } : {}),
    };
  }
  return { status: "ok", ...stats };
}

/** Rejects with the signal's reason once it aborts, else settles like `promise`. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * The Azure Monitor Logs query REST API (`POST /v1/workspaces/{id}/query`): the built-in gates' per-slot query
 * and the custom query gates.
 */
export class LogAnalyticsMetrics implements MetricsSource, QuerySource {
  /**
   * @param tokens bearer tokens for the API
   * @param endpoint API root; default `https://api.loganalytics.io` (tests point it at 127.0.0.1)
   */
  constructor(
    private readonly tokens: TokenProvider,
    private readonly endpoint = "https://api.loganalytics.io",
  ) {}

  /** Posts `query` over `[from, to]`; the parsed JSON body of a 2xx answer, else why there is none. */
  private async post(
    q: Pick<MetricsQuery, "workspaceId" | "from" | "to" | "timeoutMs">,
    query: string,
  ): Promise<{ ok: true; body: unknown } | { ok: false; reason: string }> {
    const url = `${this.endpoint.replace(/\/$/, "")}/v1/workspaces/${encodeURIComponent(q.workspaceId)}/query`;
    const timespan = `${new Date(q.from).toISOString()}/${new Date(q.to).toISOString()}`;
    // One deadline for the whole sample: token acquisition, request and body.
    const signal = AbortSignal.timeout(q.timeoutMs);
    try {
      const token = await untilAborted(this.tokens.token(signal), signal);
      const res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ query, timespan }),
        signal,
      });
      if (!res.ok) {
        await res.body?.cancel();
        return { ok: false, reason: `query API answered HTTP ${res.status}` };
      }
      return { ok: true, body: await res.json() };
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      const reason =
        name === "TimeoutError" || signal.aborted
          ? `no answer within ${q.timeoutMs} ms (token, request and response)`
          : err instanceof Error
            ? err.message
            : String(err);
      return { ok: false, reason: `query failed: ${reason}` };
    }
  }

  async query(q: MetricsQuery): Promise<MetricsResult> {
    const r = await this.post(q, buildQuery(q));
    return r.ok ? parseResponse(r.body) : { status: "unavailable", reason: r.reason };
  }

  async scalar(q: ScalarQuery): Promise<ScalarResult> {
    const r = await this.post(q, q.query);
    return r.ok ? parseScalar(r.body) : { status: "unavailable", reason: r.reason };
  }
}

/** Tokens from `@azure/identity`'s DefaultAzureCredential (OIDC in CI, the Azure CLI on a laptop). */
export class AzureTokenProvider implements TokenProvider {
  private credential:
    | Promise<{
        getToken(scope: string, options?: { abortSignal?: AbortSignal }): Promise<{ token: string } | null>;
      }>
    | undefined;

  async token(signal?: AbortSignal): Promise<string> {
    this.credential ??= import("@azure/identity").then((m) => new m.DefaultAzureCredential());
    const token = await (
      await this.credential
    ).getToken("https://api.loganalytics.io/.default", signal !== undefined ? { abortSignal: signal } : {});
    if (token === null)
      throw new Error("DefaultAzureCredential returned no token for the Log Analytics query API");
    return token.token;
  }
}
