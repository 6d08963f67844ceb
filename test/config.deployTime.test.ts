// Config refusals that follow from deploy-time facts (issue 9, points 2, 5 and 7): each names the key and the reason.
import { describe, expect, it } from "vitest";
import { ConfigValidationError, parseStackConfig } from "../config/load";
import { rawStackConfig } from "./support/config";

const EXTERNAL = ["OPENAI_API_KEY", "SENTRY_DSN", "SENDGRID_API_KEY"];

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw, EXTERNAL);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.problems;
    throw e;
  }
  return [];
}

/** A committed stack's raw config with one section's fields replaced. */
function patched(stack: "staging" | "production", patch: Record<string, Record<string, unknown>>) {
  const raw = rawStackConfig(stack);
  for (const [k, v] of Object.entries(patch)) raw[k] = { ...(raw[k] as object), ...v };
  return raw;
}

describe("Static Web App linked backend (point 2)", () => {
  it("refuses staticSite.linkBackend true, naming the callers a link would lock out", () => {
    expect(problemsOf(patched("production", { staticSite: { linkBackend: true } }))).toEqual([
      "webapp-platform:staticSite.linkBackend: got true; must be false: a linked backend gives the Static Web App exclusive access to the Function App, so Vercel, the availability test, the promotion's health probes and the canary slot would be refused (README, 'Why the API is not linked to the Static Web App'); remove the key",
    ]);
  });

  it("accepts linkBackend false and its absence", () => {
    expect(problemsOf(patched("staging", { staticSite: { linkBackend: false } }))).toEqual([]);
    expect(problemsOf(rawStackConfig("production"))).toEqual([]);
  });
});
