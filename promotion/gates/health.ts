/** The result of one `/health` probe. */
export interface HealthResult {
  /** True when the endpoint answered 200 with a JSON body whose `status` is "ok". */
  readonly ok: boolean;
  /** What was seen, for the decision record: "200 ok", "503", "timeout after 10 s", ... */
  readonly detail: string;
}

/** Probes a health endpoint. */
export interface HealthProbe {
  /** Probes `url` once, giving up after `timeoutMs`. Never throws. */
  probe(url: string, timeoutMs: number): Promise<HealthResult>;
}

/** Probes with Node's fetch: GET, no redirects followed, body must be JSON with `status: "ok"`. */
export const httpHealthProbe: HealthProbe = {
  async probe(url, timeoutMs) {
    try {
      const res = await fetch(url, {
        redirect: "manual",
        headers: { accept: "application/json", "cache-control": "no-cache" },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status !== 200) return { ok: false, detail: `HTTP ${res.status}` };
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { ok: false, detail: "HTTP 200 but the body is not JSON" };
      }
      const status = (body as { status?: unknown } | null)?.status;
      return status === "ok"
        ? { ok: true, detail: "HTTP 200 status ok" }
        : { ok: false, detail: `HTTP 200 but status is ${JSON.stringify(status ?? null)}, not "ok"` };
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      if (name === "TimeoutError" || name === "AbortError") {
        return { ok: false, detail: `no answer within ${timeoutMs} ms` };
      }
      return { ok: false, detail: `request failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  },
};
