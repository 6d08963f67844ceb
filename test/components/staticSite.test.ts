import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { StaticSite, type StaticSiteArgs } from "../../components/staticSite";
import { countByType, one, ofType, record, expectChildrenOf } from "../support";
import { ROOT, stackConfig, namingFor } from "../support/config";

type Stack = "staging" | "production";

function argsFor(stack: Stack, patch: Partial<StaticSiteArgs> = {}): StaticSiteArgs {
  const cfg = stackConfig(stack);
  return {
    naming: namingFor(cfg, stack),
    resourceGroupName: "rg-shop",
    config: cfg.staticSite,
    ...patch,
  };
}

const build = (stack: Stack, patch: Partial<StaticSiteArgs> = {}) =>
  record(() => {
    const s = new StaticSite("frontend", argsFor(stack, patch));
    return { name: s.name, id: s.id, defaultHostname: s.defaultHostname, url: s.url, origins: s.origins };
  });

describe("StaticSite", () => {
  it("staging is Free with public pull-request previews and no linked backend", async () => {
    const result = await build("staging");
    const site = one(result, "azure-native:web:StaticSite");
    expect(site.inputs).toEqual({
      resourceGroupName: "rg-shop",
      name: "stapp-shop-stg",
      location: "westeurope",
      sku: { name: "Free", tier: "Free" },
      stagingEnvironmentPolicy: "Enabled",
      allowConfigFileUpdates: true,
    });
    expect(ofType(result, "azure-native:web:StaticSiteLinkedBackend")).toHaveLength(0);
  });

  it("production is Standard without previews and never links the API (a link would lock every other caller out)", async () => {
    const result = await build("production");
    const site = one(result, "azure-native:web:StaticSite");
    expect(site.inputs).toMatchObject({
      name: "stapp-shop-prd",
      sku: { name: "Standard", tier: "Standard" },
      stagingEnvironmentPolicy: "Disabled",
    });
    expect(ofType(result, "azure-native:web:StaticSiteLinkedBackend")).toHaveLength(0);
  });

  it("hands the API its origins for CORS: the generated host, plus the custom domain when set", async () => {
    const plain = await build("production");
    expect(plain.outputs.origins).toEqual([plain.outputs.url]);
    const cfg = stackConfig("production", { staticSite: { customDomain: "app.example.com" } });
    const withDomain = await build("production", { config: cfg.staticSite });
    expect(withDomain.outputs.origins).toEqual([withDomain.outputs.url, "https://app.example.com"]);
  });

  it("never sends a repository token or URL (CI deploys with the SWA deployment token)", async () => {
    const site = one(await build("production"), "azure-native:web:StaticSite");
    expect(site.inputs).not.toHaveProperty("repositoryToken");
    expect(site.inputs).not.toHaveProperty("repositoryUrl");
    expect(site.secretPaths).toEqual([]);
  });

  it("adds a custom domain only when configured", async () => {
    expect(ofType(await build("staging"), "azure-native:web:StaticSiteCustomDomain")).toHaveLength(0);
    const cfg = stackConfig("staging", { staticSite: { customDomain: "app.example.com" } });
    const domain = one(
      await build("staging", { config: cfg.staticSite }),
      "azure-native:web:StaticSiteCustomDomain",
    );
    expect(domain.inputs).toEqual({
      resourceGroupName: "rg-shop",
      name: "stapp-shop-stg",
      domainName: "app.example.com",
      validationMethod: "cname-delegation",
    });
  });

  it("parents children to the component, names them from it and exports the https URL", async () => {
    const result = await build("production");
    expect(countByType(result)).toEqual({
      "azure-native:web:StaticSite": 1,
      "pulumi:pulumi:Stack": 1,
      "webapp-platform:web:StaticSite": 1,
    });
    expectChildrenOf(result, "frontend");
    expect(result.outputs.name).toBe("stapp-shop-prd");
    expect(result.outputs.url).toBe(`https://${String(result.outputs.defaultHostname)}`);
    expect(String(result.outputs.defaultHostname)).toMatch(/\.azurestaticapps\.net$/);
  });
});

describe("web/staticwebapp.config.json", () => {
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, "web/staticwebapp.config.json"), "utf8")) as {
    globalHeaders: Record<string, string>;
  };

  it("sends HSTS for two years including subdomains", () => {
    expect(config.globalHeaders["Strict-Transport-Security"]).toBe("max-age=63072000; includeSubDomains");
  });

  it("forbids MIME sniffing and framing", () => {
    expect(config.globalHeaders["X-Content-Type-Options"]).toBe("nosniff");
    expect(config.globalHeaders["X-Frame-Options"]).toBe("DENY");
    const csp = config.globalHeaders["Content-Security-Policy"].split(";").map((d) => d.trim());
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
  });
});
