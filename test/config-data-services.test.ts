/** The optional data services' config (`documentDb`, `realtime`): defaults and the valid shapes the examples use. */
import { describe, expect, it } from "vitest";
import { rawStackConfig, stackConfig } from "./support/config";
import { parseStackConfig } from "../config/load";

describe("documentDb and realtime config", () => {
  it("are absent unless configured, so existing stacks provision neither", () => {
    const c = stackConfig("staging");
    expect(c.documentDb).toBeUndefined();
    expect(c.realtime).toBeUndefined();
  });

  it("fill their defaults: 32 GiB, MongoDB 7.0, login dbadmin; one unit, hub app", () => {
    const c = stackConfig("staging", {
      documentDb: { tier: "M10", highAvailability: "Disabled" },
      realtime: { sku: "Free_F1" },
    });
    expect(c.documentDb).toEqual({
      tier: "M10",
      storageGb: 32,
      highAvailability: "Disabled",
      serverVersion: "7.0",
      administratorLogin: "dbadmin",
    });
    expect(c.realtime).toEqual({ sku: "Free_F1", capacity: 1, hubName: "app" });
  });

  it("production takes an M30 with zone-redundant HA and a Standard Web PubSub when previews get their own wss URL", () => {
    const raw = rawStackConfig("production");
    const vercel = raw.vercel as { preview: Record<string, unknown> };
    raw.vercel = {
      ...vercel,
      preview: { ...vercel.preview, wsUrl: "wss://wps-shop-stg.webpubsub.azure.com/client/hubs/app" },
    };
    raw.documentDb = { tier: "M30", highAvailability: "ZoneRedundantPreferred", storageGb: 128 };
    raw.realtime = { sku: "Standard_S1", capacity: 2, hubName: "erp" };
    const c = parseStackConfig(raw, (raw.secrets as { external: string[] }).external);
    expect(c.documentDb?.highAvailability).toBe("ZoneRedundantPreferred");
    expect(c.realtime).toEqual({ sku: "Standard_S1", capacity: 2, hubName: "erp" });
  });
});
