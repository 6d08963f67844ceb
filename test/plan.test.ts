import { describe, expect, it } from "vitest";
import { SECRET_PLACEHOLDER_PREFIX } from "../offline/runtime/harness";
import { COMPUTED, renderPlan, toPlan } from "../tools/plan-view";
import { type ResourceRecord, synthesize } from "./support";
import { ROOT } from "./support/config";

/** String values inside secret inputs; a secret property's content type is metadata, not the secret. */
function secretValues(value: unknown, paths: string[], at = ""): string[] {
  if (at.endsWith(".contentType")) return [];
  const inside = paths.some((p) => at === p || at.startsWith(`${p}.`) || at.startsWith(`${p}[`));
  if (typeof value === "string") return inside && value.length >= 8 ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => secretValues(v, paths, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => secretValues(v, paths, at === "" ? k : `${at}.${k}`));
  }
  return [];
}

describe("plan command output", () => {
  it("lists every resource with its type, parent and counts, and never a secret value", async () => {
    const result = await synthesize({ programDir: ROOT, stack: "production" });
    const plan = toPlan("production", result);
    expect(plan.total).toBe(result.resources.length - 1);
    expect(Object.values(plan.counts).reduce((a, b) => a + b, 0)).toBe(plan.total);
    const server = plan.resources.find((r) => r.type === "azure-native:dbforpostgresql:Server");
    expect(server).toMatchObject({ parent: "database", protect: true });
    expect(server?.settings).toMatchObject({
      "highAvailability.mode": "ZoneRedundant",
      "backup.geoRedundantBackup": "Enabled",
    });
    // A value the SDK wraps as secret but that also stands in plain inputs (e.g. the public API URL in a Vercel
    // variable, which the provider always marks secret) is public; every other secret value must stay out.
    const secrets = result.resources
      .flatMap((r) => secretValues(r.inputs, r.secretPaths))
      .filter(
        (s) =>
          !result.resources.some((r) => r.secretPaths.length === 0 && JSON.stringify(r.inputs).includes(s)),
      );

    expect(secrets.length).toBeGreaterThan(10);
    const text = `${JSON.stringify(plan)}\n${renderPlan(plan)}`;
    for (const s of secrets) expect(text.includes(s), "a secret value leaked into the plan").toBe(false);
    expect(text).not.toContain(SECRET_PLACEHOLDER_PREFIX);
  });

  it("shows the Function App's and the canary slot's security settings in preview, leaf by leaf", async () => {
    const plan = toPlan(
      "production",
      await synthesize({ programDir: ROOT, stack: "production", preview: true }),
    );
    const cors = {
      // The Static Web App's generated origin is known only once Azure creates it.
      allowedOrigins: ["https://shop.example.com", "https://www.shop.example.com", "(computed)"],
      supportCredentials: false,
    };
    const site = {
      "siteConfig.minTlsVersion": "1.2",
      "siteConfig.scmMinTlsVersion": "1.2",
      "siteConfig.ftpsState": "Disabled",
      "siteConfig.remoteDebuggingEnabled": false,
      "siteConfig.http20Enabled": true,
      "siteConfig.healthCheckPath": "/health",
      "siteConfig.cors": cors,
      "siteConfig.scmIpSecurityRestrictionsDefaultAction": "Deny",
      "siteConfig.vnetRouteAllEnabled": true,
    };
    expect(plan.resources.find((r) => r.type === "azure-native:web:WebApp")?.settings).toEqual({
      kind: "functionapp,linux",
      httpsOnly: true,
      "identity.type": "SystemAssigned, UserAssigned",
      ...site,
      "siteConfig.experiments.rampUpRules": [
        {
          actionHostName: "func-shop-prd-99ce2-canary.azurewebsites.net",
          name: "canary",
          reroutePercentage: 0,
        },
      ],
      virtualNetworkSubnetId: COMPUTED,
    });
    expect(plan.resources.find((r) => r.type === "azure-native:web:WebAppSlot")?.settings).toEqual({
      slot: "canary",
      httpsOnly: true,
      "identity.type": "SystemAssigned, UserAssigned",
      ...site,
    });
  });

  it("prints the known leaves of a partly unknown value and marks only the unknown ones (computed)", () => {
    const unknown = { __pulumiUnknown: true };
    const resource = (siteConfig: unknown): ResourceRecord => ({
      urn: "urn:pulumi:s::p::azure-native:web:WebApp::site",
      type: "azure-native:web:WebApp",
      name: "site",
      custom: true,
      protect: false,
      dependencies: [],
      propertyDependencies: {},
      inputs: { httpsOnly: true, siteConfig },
      secretPaths: [],
    });
    const settings = (siteConfig: unknown) =>
      toPlan("s", { resources: [resource(siteConfig)], outputs: {}, secretOutputs: [], unfakedCalls: [] })
        .resources[0].settings;
    expect(
      settings({ minTlsVersion: "1.2", cors: { allowedOrigins: [unknown, "https://a.example.com"] } }),
    ).toEqual({
      httpsOnly: true,
      "siteConfig.minTlsVersion": "1.2",
      "siteConfig.cors": { allowedOrigins: [COMPUTED, "https://a.example.com"] },
    });
    // A wholly unknown object: every listed field under it is shown as computed, none silently dropped.
    expect(settings(unknown)).toEqual({
      httpsOnly: true,
      ...Object.fromEntries(
        [
          "minTlsVersion",
          "scmMinTlsVersion",
          "ftpsState",
          "remoteDebuggingEnabled",
          "http20Enabled",
          "healthCheckPath",
          "cors",
          "scmIpSecurityRestrictionsDefaultAction",
          "vnetRouteAllEnabled",
          "experiments.rampUpRules",
        ].map((f) => [`siteConfig.${f}`, COMPUTED]),
      ),
    });
  });

  it("shows values the cloud computes as (computed) in preview", async () => {
    const plan = toPlan("staging", await synthesize({ programDir: ROOT, stack: "staging", preview: true }));
    const provider = plan.resources.find((r) => r.type === "pulumi:providers:postgresql");
    expect(provider?.settings).toEqual({ host: COMPUTED, sslmode: "require" });
    expect(renderPlan(plan)).toMatch(/^Stack staging: \d+ resources/);
  });
});
