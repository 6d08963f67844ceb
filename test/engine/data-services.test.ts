/**
 * Both stacks with `documentDb` and `realtime` on the real Pulumi engine (stack files of the workspace copy extended
 * in the test, the repository's own untouched): the preview with the policy pack passes and plans the cluster, its
 * firewall or private endpoint, the Web PubSub service and hub, and the API's Web PubSub grants.
 */
import { appendFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initStack, Workspace } from "./support";

const extra: Record<string, Record<string, unknown>> = {
  staging: {
    "webapp-platform:documentDb": { tier: "M10", highAvailability: "Disabled" },
    "webapp-platform:realtime": { sku: "Free_F1" },
  },
  production: {
    "webapp-platform:documentDb": { tier: "M30", highAvailability: "ZoneRedundantPreferred", storageGb: 128 },
    "webapp-platform:realtime": { sku: "Standard_S1", capacity: 2, hubName: "erp" },
  },
};

describe.each(["staging", "production"])("%s with the data services on the real engine", (stack) => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = new Workspace(`data-${stack}`);
    // `config:` is the stack file's only top-level key, so the new keys are appended to it as text (re-serializing
    // the file would turn quoted dates into YAML timestamps).
    const lines = Object.entries(extra[stack]).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
    appendFileSync(path.join(ws.dir, `Pulumi.${stack}.yaml`), `${lines.join("\n")}\n`);
    await initStack(ws, stack);
    if (stack === "production") {
      await ws.ok([
        "config",
        "set",
        "--path",
        "webapp-platform:vercel.preview.wsUrl",
        "wss://wps-shop-stg-71d4b.webpubsub.azure.com/client/hubs/erp",
        "--stack",
        stack,
      ]);
    }
  }, 300_000);
  afterAll(() => ws.remove());

  it("previews with the policy pack, planning both services and the API's Web PubSub grants", async () => {
    const r = await ws.ok([
      "preview",
      "--json",
      "--stack",
      stack,
      "--policy-pack",
      "policies",
      "--policy-pack-config",
      `policies/config/${stack}.json`,
    ]);
    const preview = JSON.parse(r.stdout) as { steps?: { op: string; urn: string }[] };
    const created = (preview.steps ?? [])
      .filter((s) => s.op === "create")
      .map((s) => s.urn.split("::").pop());
    expect(created).toEqual(
      expect.arrayContaining(["document-db-cluster", "realtime-service", "realtime-hub"]),
    );
    expect(created).toContain("api-site-wps-service-owner");
    if (stack === "production") {
      expect(created).toEqual(
        expect.arrayContaining(["document-db-pe", "realtime-pe", "api-canary-wps-service-owner"]),
      );
    } else {
      expect(created).toContain("document-db-fw-office");
    }
    const checks = ws
      .calls()
      .filter((c) => c.method === "check" && /mongocluster|webpubsub/.test(String(c.type)))
      .map((c) => String(c.type));
    expect(new Set(checks)).toEqual(
      new Set([
        "azure-native:mongocluster:MongoCluster",
        "azure-native:webpubsub:WebPubSub",
        "azure-native:webpubsub:WebPubSubHub",
        ...(stack === "staging" ? ["azure-native:mongocluster:FirewallRule"] : []),
      ]),
    );
  }, 900_000);
});
