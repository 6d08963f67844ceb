import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Naming } from "../components/naming";
import { AZURE_REGIONS } from "../config/azure";

const naming = (workload = "shop", environment = "production") =>
  new Naming({
    workload,
    environment,
    location: "westeurope",
    uniqueSeed: "organization/webapp-platform/production",
  });

describe("Azure naming", () => {
  it("uses CAF abbreviations with workload, environment code and a repeatable suffix", () => {
    const n = naming();
    expect(n.suffix).toMatch(/^[0-9a-f]{5}$/);
    expect(n.resourceGroup()).toBe("rg-shop-prd-westeurope");
    expect(n.keyVault()).toBe(`kv-shop-prd-${n.suffix}`);
    expect(n.postgres()).toBe(`psql-shop-prd-${n.suffix}`);
    expect(n.redis()).toBe(`redis-shop-prd-${n.suffix}`);
    expect(n.functionApp()).toBe(`func-shop-prd-${n.suffix}`);
    expect(n.storageAccount()).toBe(`stshopprd${n.suffix}`);
    expect(n.appConfig()).toBe(`appcs-shop-prd-${n.suffix}`);
    expect(n.plain("asp")).toBe("asp-shop-prd");
    expect(naming().suffix).toBe(n.suffix);
  });

  it("different stacks get different global names", () => {
    const a = new Naming({
      workload: "shop",
      environment: "staging",
      location: "westeurope",
      uniqueSeed: "o/p/staging",
    });
    const b = new Naming({
      workload: "shop",
      environment: "staging",
      location: "westeurope",
      uniqueSeed: "o/p/staging2",
    });
    expect(a.keyVault()).not.toBe(b.keyVault());
  });

  it("the longest workload still fits Key Vault's 24 and the Functions host id's 32 characters", () => {
    const n = naming("abcdefgh");
    expect(n.keyVault().length).toBeLessThanOrEqual(24);
    expect(n.storageAccount().length).toBeLessThanOrEqual(24);
    expect(n.functionApp().length).toBeLessThanOrEqual(32);
  });

  it("rejects a name that breaks a service's rule, naming the rule", () => {
    expect(() => naming("Shop-X").keyVault()).toThrow("naming: 'kv-Shop-X-prd-");
    expect(() => naming("Shop-X").keyVault()).toThrow(
      "breaks the keyVault naming rule (3-24 letters, digits, single hyphens, at most 24 characters)",
    );
    expect(
      () => new Naming({ workload: "shop", environment: "qa", location: "westeurope", uniqueSeed: "x" }),
    ).toThrow("naming: unknown environment 'qa'; use development, staging, production");
  });

  it("property: every workload, environment and region the config schema accepts yields valid names (the checks inside Naming never fire after validation)", () => {
    const workload = fc.stringMatching(/^[a-z][a-z0-9]{1,7}$/);
    fc.assert(
      fc.property(
        workload,
        fc.constantFrom("development", "staging", "production"),
        fc.constantFrom(...AZURE_REGIONS),
        fc.string(),
        (w, environment, location, seed) => {
          const n = new Naming({ workload: w, environment, location, uniqueSeed: seed });
          n.resourceGroup();
          n.keyVault();
          n.postgres();
          n.redis();
          n.functionApp();
          n.storageAccount();
          n.appConfig();
          expect(n.shortName().length).toBeLessThanOrEqual(12);
          for (const abbr of [
            "ag",
            "alert",
            "appi",
            "asp",
            "id-api",
            "log",
            "pe-appcs",
            "psql",
            "stapp",
            "vnet",
          ]) {
            n.plain(abbr);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
