/**
 * The rollout plan's custom gates at sample time: KQL query gates read through the Log Analytics query API and
 * smoke checks sent over HTTP. Both fail closed: no data, an error, a timeout or a malformed answer is never a
 * pass (a query gate without a value is no data; a smoke check without the expected answer is a failure).
 */
import { isDeepStrictEqual } from "node:util";
import type { CustomGates, QueryGate, SmokeCheck } from "../../config/custom-gates";
import { NOT_A_QUERY_RESULT, primaryTable } from "./query-result";

/** What a scalar query found: its `value`, or why there is none. */
export type ScalarResult =
  | { readonly status: "ok"; readonly value: number }
  | { readonly status: "unavailable"; readonly reason: string };

/** One custom query to run. */
export interface ScalarQuery {
  /** Log Analytics workspace id (customerId GUID). */
  readonly workspaceId: string;
  /** The gate's KQL. */
  readonly query: string;
  /** Window start and end, ms since the epoch (sent as the API's `timespan`). */
  readonly from: number;
  readonly to: number;
  /** Give up after this many ms, token included. */
  readonly timeoutMs: number;
}

/** Runs custom KQL gates; `LogAnalyticsMetrics` is the real one. */
export interface QuerySource {
  /** Never throws: failures come back as `unavailable`. */
  scalar(q: ScalarQuery): Promise<ScalarResult>;
}

/**
 * The `value` of a custom query's answer (`{tables: [{name, columns, rows}]}`, the query API's documented
 * shape): the `PrimaryResult` table must have a `value` column and exactly one row holding a finite number.
 */
export function parseScalar(body: unknown): ScalarResult {
  const table = primaryTable(body);
  if (table === undefined) return { status: "unavailable", reason: NOT_A_QUERY_RESULT };
  const i = table.columns.findIndex((c) => c.name === "value");
  if (i < 0) return { status: "unavailable", reason: "the result has no column named value" };
  if (table.rows.length !== 1) {
    return {
      status: "unavailable",
      reason: `the query returned ${table.rows.length} rows; a gate query must return exactly one`,
    };
  }
  const value = table.rows[0]![i];
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return {
      status: "unavailable",
      reason: `value is ${JSON.stringify(value) ?? String(value)}, not a number (no data in the window?)`,
    };
  }
  return { status: "ok", value };
}

/** The result of one smoke check. */
export interface SmokeResult {
  /** True when the status and the body matched. */
  readonly ok: boolean;
  /** What was seen: "HTTP 200, body matched", "HTTP 500, expected 200", "no answer within 10000 ms". */
  readonly detail: string;
}

/** Sends smoke checks. */
export interface SmokeProbe {
  /** Runs `check` once, giving up after `timeoutMs`. Never throws. */
  check(check: SmokeCheck, timeoutMs: number): Promise<SmokeResult>;
}

/** True when every key of `expected` is in `actual` with a matching value (objects recursively, the rest equal). */
export function jsonMatches(expected: unknown, actual: unknown): boolean {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    return Object.entries(expected).every(
      ([k, v]) => Object.hasOwn(actual, k) && jsonMatches(v, (actual as Record<string, unknown>)[k]),
    );
  }
  return isDeepStrictEqual(expected, actual);
}

/** Smoke checks with Node's fetch: GET, no redirects followed (a redirect is its own status), no cache. */
export const httpSmokeProbe: SmokeProbe = {
  async check(check, timeoutMs) {
    try {
      const res = await fetch(check.url, {
        redirect: "manual",
        headers: { "cache-control": "no-cache" },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status !== check.expectedStatus)
        return { ok: false, detail: `HTTP ${res.status}, expected ${check.expectedStatus}` };
      if (check.bodyContains !== undefined && !text.includes(check.bodyContains))
        return {
          ok: false,
          detail: `HTTP ${res.status} but the body lacks ${JSON.stringify(check.bodyContains)}`,
        };
      if (check.bodyJson !== undefined) {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return { ok: false, detail: `HTTP ${res.status} but the body is not JSON` };
        }
        if (!jsonMatches(check.bodyJson, body))
          return { ok: false, detail: `HTTP ${res.status} but the body does not match bodyJson` };
      }
      return { ok: true, detail: `HTTP ${res.status}, body matched` };
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      if (name === "TimeoutError" || name === "AbortError")
        return { ok: false, detail: `no answer within ${timeoutMs} ms` };
      return { ok: false, detail: `request failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  },
};

/** How one custom gate came out in one sample. */
export interface CustomGateResult {
  /** The gate's name. */
  readonly name: string;
  /** A KQL query gate or a smoke check. */
  readonly kind: "query" | "smoke";
  /** `pass`, `breach` (a failing value or smoke answer) or `no-data` (query gates only: not healthy, not failed). */
  readonly outcome: "pass" | "breach" | "no-data";
  /** The query's value, when there was one. */
  readonly value?: number;
  /** What was seen, with the limit. */
  readonly detail: string;
}

/** Judges a query gate's value against its threshold; equal to the threshold is a breach (strict limits). */
export function judgeQuery(gate: QueryGate, result: ScalarResult): CustomGateResult {
  if (result.status !== "ok")
    return { name: gate.name, kind: "query", outcome: "no-data", detail: result.reason };
  const ok = gate.healthyWhen === "above" ? result.value > gate.threshold : result.value < gate.threshold;
  const shown = Number(result.value.toFixed(2));
  return {
    name: gate.name,
    kind: "query",
    outcome: ok ? "pass" : "breach",
    value: result.value,
    detail: `${gate.name} ${shown} ${ok ? "is" : "is not"} ${gate.healthyWhen} ${gate.threshold}`,
  };
}

/** What running the custom gates of one sample needs. */
export interface CustomSampleContext {
  /** The stage's canary percentage: smoke checks with `stages` run only there. */
  readonly percentage: number;
  readonly workspaceId: string;
  /** Sample time and rollout start, ms since the epoch: windows never reach before the rollout. */
  readonly at: number;
  readonly rolloutStart: number;
  /** `gates.windowMinutes`, the default window. */
  readonly windowMinutes: number;
  readonly timeoutMs: number;
  /** The query client; absent means every query gate is no data (fail closed). */
  readonly queries?: QuerySource;
  readonly smoke: SmokeProbe;
}

/** Runs every custom gate of a sample at once; resolves within the sample timeout, never rejects. */
export async function runCustomGates(
  gates: CustomGates | undefined,
  ctx: CustomSampleContext,
): Promise<CustomGateResult[]> {
  if (gates === undefined) return [];
  const queries = gates.queries.map(async (gate) => {
    const from = Math.max(ctx.rolloutStart, ctx.at - (gate.windowMinutes ?? ctx.windowMinutes) * 60_000);
    const result: ScalarResult =
      ctx.queries === undefined
        ? { status: "unavailable", reason: "no Log Analytics query client is configured" }
        : await ctx.queries.scalar({
            workspaceId: ctx.workspaceId,
            query: gate.query,
            from,
            to: ctx.at,
            timeoutMs: ctx.timeoutMs,
          });
    return judgeQuery(gate, result);
  });
  const smokes = gates.smokeChecks
    .filter((c) => c.stages === undefined || c.stages.includes(ctx.percentage))
    .map(async (check): Promise<CustomGateResult> => {
      const r = await ctx.smoke.check(check, ctx.timeoutMs);
      return { name: check.name, kind: "smoke", outcome: r.ok ? "pass" : "breach", detail: r.detail };
    });
  return Promise.all([...queries, ...smokes]);
}
