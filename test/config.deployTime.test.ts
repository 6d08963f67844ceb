// Config refusals that follow from deploy-time facts (issue 9, points 2, 5 and 7): each names the key and the reason.
import { describe, expect, it } from "vitest";
import { postgresMaxConnections } from "../config/azure";
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

describe("alerts that can fire (point 7)", () => {
  it("refuses plan CPU and memory thresholds on Flex Consumption, which exposes no such metric", () => {
    const raw = rawStackConfig("staging");
    const monitoring = raw.monitoring as { thresholds: Record<string, number> };
    raw.monitoring = {
      ...monitoring,
      thresholds: { ...monitoring.thresholds, cpuPercent: 90, memoryPercent: 80 },
    };
    expect(problemsOf(raw)).toEqual([
      "webapp-platform:monitoring.thresholds.cpuPercent: got 90; Flex Consumption exposes no App Service plan CPU or memory percentage, so this alert could never fire; remove the key (Elastic Premium only)",
      "webapp-platform:monitoring.thresholds.memoryPercent: got 80; Flex Consumption exposes no App Service plan CPU or memory percentage, so this alert could never fire; remove the key (Elastic Premium only)",
    ]);
  });

  it("requires plan CPU and memory thresholds on Elastic Premium", () => {
    const raw = rawStackConfig("production");
    const monitoring = raw.monitoring as { thresholds: Record<string, number> };
    const thresholds = { ...monitoring.thresholds };
    delete thresholds.cpuPercent;
    raw.monitoring = { ...monitoring, thresholds };
    expect(problemsOf(raw)).toEqual([
      "webapp-platform:monitoring.thresholds.cpuPercent: is required on Elastic Premium (plan CPU and memory alerts)",
    ]);
  });

  it("refuses a p99 threshold below the p95 one", () => {
    const raw = rawStackConfig("production");
    const monitoring = raw.monitoring as { thresholds: Record<string, number> };
    raw.monitoring = { ...monitoring, thresholds: { ...monitoring.thresholds, p99LatencyMs: 400 } };
    expect(problemsOf(raw)).toEqual([
      "webapp-platform:monitoring.thresholds.p99LatencyMs: got 400; 400 is below p95LatencyMs 500; a p99 is never below the p95",
    ]);
  });
});

describe("postgresMaxConnections follows Microsoft's per-size table", () => {
  it.each([
    ["Burstable", "B1ms", 50],
    ["Burstable", "B2s", 429],
    ["Burstable", "B2ms", 859],
    ["Burstable", "B4ms", 1718],
    ["Burstable", "B8ms", 3437],
    ["Burstable", "B12ms", 5000],
    ["GeneralPurpose", "D2ds_v5", 859],
    ["GeneralPurpose", "D4s_v3", 1718],
    ["GeneralPurpose", "D8ads_v5", 3437],
    ["GeneralPurpose", "D16ds_v4", 5000],
    ["MemoryOptimized", "E2ds_v5", 1718],
    ["MemoryOptimized", "E4s_v3", 3437],
    ["MemoryOptimized", "E8ds_v4", 5000],
  ] as const)("%s %s: %i", (tier, sku, max) => {
    expect(postgresMaxConnections(tier, sku)).toBe(max);
  });

  it("refuses a size it has no documented limit for", () => {
    expect(() => postgresMaxConnections("Burstable", "B3ms")).toThrow(
      "database.skuName: 'B3ms' is not a Burstable size with a documented connection limit",
    );
  });
});

describe("App Configuration without public access (point 8)", () => {
  it("refuses featureFlags.armPrivateLink outside private network mode", () => {
    expect(problemsOf(patched("staging", { featureFlags: { armPrivateLink: true } }))).toEqual([
      "webapp-platform:featureFlags.armPrivateLink: got true; needs network.mode private: without a private endpoint nothing could reach a store with public access off",
    ]);
  });

  it("accepts it in production's private mode", () => {
    expect(problemsOf(patched("production", { featureFlags: { armPrivateLink: true } }))).toEqual([]);
  });
});
