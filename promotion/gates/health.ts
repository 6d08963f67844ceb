/** The result of one health probe. */
export interface HealthResult {
  /** True when the endpoint answered 200 with a body containing the expected text. */
  readonly ok: boolean;
  /** What was seen, for the decision record: "HTTP 200 body ok", "HTTP 503", "no answer within 10000 ms", ... */
  readonly detail: string;
}

/** Probes a health endpoint. */
export interface HealthProbe {
  /**
   * Probes `url` once, giving up after `timeoutMs`; healthy when it answers 200 with a body containing
   * `expectedBody` (the stack's `api.healthCheckBody`, read from its outputs). Never throws.
   */
  probe(url: string, timeoutMs: number, expectedBody: string): Promise<HealthResult>;
}

/**
 * Probes with Node's fetch: GET, no redirects followed; the body must contain `expectedBody`, case-sensitive, as the
 * availability test's content match (`contentValidation` with `ignoreCase: false`) checks it.
 */
export const httpHealthProbe: HealthProbe = {
  async probe(url, timeoutMs, expectedBody) {
    try {
      const res = await fetch(url, {
        redirect: "manual",
        headers: { accept: "application/json", "cache-control": "no-cache" },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status !== 200) return { ok: false, detail: `HTTP ${res.status}` };
      return text.includes(expectedBody)
        ? { ok: true, detail: "HTTP 200 body ok" }
        : { ok: false, detail: `HTTP 200 but the body lacks ${expectedBody}` };
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      if (name === "TimeoutError" || name === "AbortError") {
        return { ok: false, detail: `no answer within ${timeoutMs} ms` };
      }
      return { ok: false, detail: `request failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  },
};
