import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigValidationError, parseStackConfig } from "../config/load";
import { loadStackConfig, synthesize } from "../tools/harness";
import { ROOT, rawStackConfig, stackConfig } from "./support/config";

function problemsOf(raw: Record<string, unknown>, external: string[] = []): string[] {
  try {
    parseStackConfig(raw, external);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.problems;
    throw e;
  }
  return [];
}

/** The committed production config with one section's fields replaced. */
function production(patch: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const raw = rawStackConfig("production");
  for (const [k, v] of Object.entries(patch)) raw[k] = { ...(raw[k] as object), ...v };
  return raw;
}
const EXTERNAL = ["OPENAI_API_KEY", "SENTRY_DSN", "SENDGRID_API_KEY"];

describe("committed stack configs", () => {
  it("staging and production validate and keep their documented shapes", () => {
    const staging = stackConfig("staging");
    const prod = stackConfig("production");
    expect(staging.network.mode).toBe("public");
    expect(prod.network.mode).toBe("private");
    expect(prod.database).toMatchObject({
      backupRetentionDays: 35,
      geoRedundantBackup: true,
      highAvailability: "ZoneRedundant",
      version: "16",
    });
    expect(staging.database).toMatchObject({
      backupRetentionDays: 7,
      geoRedundantBackup: false,
      highAvailability: "Disabled",
    });
    expect(prod.protectStateful).toBe(true);
    expect(staging.protectStateful).toBe(false);
    expect(prod.rollout.stages.map((s) => s.percentage)).toEqual([10, 50, 100]);
  });

  it("no secret stands in plain text in a committed stack file", () => {
    for (const stack of ["staging", "production"]) {
      const { config, secretKeys } = loadStackConfig(ROOT, stack);
      expect(secretKeys).toEqual(["webapp-platform:externalSecrets"]);
      for (const [key, value] of Object.entries(config)) {
        if (secretKeys.includes(key)) continue;
        expect(value, key).not.toMatch(/(password|secret|apikey|api_key|token)"?\s*[:=]/i);
      }
    }
  });
});

describe("invalid config is rejected with the key path, the value and what is allowed", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      "an unknown top-level key",
      { ...rawStackConfig("staging"), databse: {} },
      "webapp-platform:databse: unknown key; allowed keys: environment, network, secrets, database, cache, protectStateful, api, uploads, staticSite, vercel, monitoring, featureFlags, release, rollout, deployer, documentDb, realtime",
    ],
    [
      "an unknown nested key",
      production({ database: { backupRetention: 7 } }),
      "webapp-platform:database.backupRetention: unknown key; other keys here:",
    ],
    [
      "backup retention above 35 days",
      production({ database: { backupRetentionDays: 40 } }),
      "webapp-platform:database.backupRetentionDays: got 40; must be from 7 to 35",
    ],
    [
      "backup retention below 7 days",
      production({ database: { backupRetentionDays: 3 } }),
      "webapp-platform:database.backupRetentionDays: got 3; must be from 7 to 35",
    ],
    [
      "a misspelled PostgreSQL size",
      production({ database: { skuName: "D2dsv5" } }),
      "webapp-platform:database.skuName: got \"D2dsv5\"; 'D2dsv5' is not a GeneralPurpose size; allowed: D2s_v3",
    ],
    [
      "a misspelled Redis SKU",
      production({ cache: { sku: "Balanced_B2" } }),
      'webapp-platform:cache.sku: got "Balanced_B2"; must be one of: Balanced_B0, Balanced_B1',
    ],
    [
      "a retired Redis Enterprise SKU",
      production({ cache: { sku: "Enterprise_E10" } }),
      'webapp-platform:cache.sku: got "Enterprise_E10"; must be one of:',
    ],
    [
      "an extension Azure does not allow-list",
      production({ database: { extensions: ["uuid-ossp", "pg_cron_typo"] } }),
      'webapp-platform:database.extensions[1]: got "pg_cron_typo"; must be one of: btree_gin',
    ],
    [
      "the whole IPv4 range in a firewall",
      production({
        network: { allowedIpRanges: [{ name: "all", startIp: "0.0.0.0", endIp: "255.255.255.255" }] },
      }),
      'webapp-platform:network.allowedIpRanges[0]: got {"name":"all","startIp":"0.0.0.0","endIp":"255.255.255.255"}; 0.0.0.0-255.255.255.255 spans 4294967296 addresses; at most 65536 (a /16) are allowed',
    ],
    [
      "Azure services admitted in production",
      production({ network: { allowAzureServices: true } }),
      "webapp-platform:network.allowAzureServices: got true; must be false in production: it admits every Azure tenant's services",
    ],
    [
      "HA on a Burstable server",
      production({ database: { tier: "Burstable", skuName: "B1ms" } }),
      'webapp-platform:database.highAvailability: got "ZoneRedundant"; is not available on Burstable',
    ],
    [
      "a wildcard CORS origin",
      production({ api: { corsOrigins: ["*"] } }),
      'webapp-platform:api.corsOrigins[0]: got "*"; must be an origin like https://app.example.com (no path, no wildcard)',
    ],
    [
      "an http origin in production",
      production({ api: { corsOrigins: ["http://shop.example.com"] } }),
      "webapp-platform:api.corsOrigins[0]: got \"http://shop.example.com\"; 'http://shop.example.com' is not https; only http://localhost is allowed, and never in production",
    ],
    [
      "a canary on Flex Consumption",
      {
        ...rawStackConfig("staging"),
        release: {
          ...(rawStackConfig("staging").release as object),
          canaryPercentage: 10,
          candidate: {
            version: "1.5.0",
            apiPackageUrl: "https://releases.example.com/a.zip",
            apiPackageSha256: "a".repeat(64),
            frontendRef: "abcdef1",
          },
        },
      },
      "webapp-platform:release.canaryPercentage: got 10; a canary needs deployment slots, which Flex Consumption lacks",
    ],
    [
      "a canary percentage above 100",
      production({ release: { canaryPercentage: 150 } }),
      "webapp-platform:release.canaryPercentage: got 150; must be between 0 and 100",
    ],
    [
      "a flag name that is not an identifier",
      production({ featureFlags: { flags: { "dark-mode": 100 } } }),
      'webapp-platform:featureFlags.flags.dark-mode: got key "dark-mode"; must be an identifier like ENABLE_DARK_MODE',
    ],
    [
      "a flag percentage outside 0-100",
      production({ featureFlags: { flags: { ENABLE_X: 101 } } }),
      "webapp-platform:featureFlags.flags.ENABLE_X: got 101; must be from 0 to 100",
    ],
    [
      "a missing required section",
      (() => {
        const r = rawStackConfig("staging");
        delete r.cache;
        return r;
      })(),
      "webapp-platform:cache: is required but missing; expected object",
    ],
    [
      "purge protection on a free App Configuration store",
      production({ featureFlags: { sku: "free" } }),
      "webapp-platform:featureFlags.purgeProtection: got true; is only available on sku standard",
    ],
    [
      "a VNet too small for the subnet layout",
      production({ network: { addressSpace: "10.40.0.0/24" } }),
      'webapp-platform:network.addressSpace: got "10.40.0.0/24"; must be an IPv4 network from /16 to /22, e.g. 10.40.0.0/16',
    ],
    [
      "a VNet address with host bits set",
      production({ network: { addressSpace: "10.40.1.0/16" } }),
      'webapp-platform:network.addressSpace: got "10.40.1.0/16"; must be a network address (host bits zero), e.g. 10.40.0.0/16',
    ],
    [
      "log retention below 30 days",
      production({ monitoring: { logRetentionDays: 7 } }),
      "webapp-platform:monitoring.logRetentionDays: got 7; must be from 30 to 730",
    ],
  ];

  it.each(cases)("rejects %s", (_what, raw, expected) => {
    const problems = problemsOf(raw, EXTERNAL);
    expect(
      problems.some((p) => p.startsWith(expected)),
      problems.join("\n"),
    ).toBe(true);
  });

  it("reports every problem at once, not the first only", () => {
    const problems = problemsOf(
      production({ database: { backupRetentionDays: 40, storageGb: 100 }, cache: { sku: "Basic_C0" } }),
      EXTERNAL,
    );
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(":")[1])).toEqual(
      ["database.storageGb", "database.backupRetentionDays", "cache.sku"].map((k) => k),
    );
  });

  it("requires every external secret named in secrets.external and rejects unlisted ones", () => {
    const problems = problemsOf(rawStackConfig("production"), ["OPENAI_API_KEY", "SHOPIFY_API_SECRET"]);
    expect(problems).toEqual([
      "webapp-platform:externalSecrets.SENTRY_DSN: is required by secrets.external but missing; set it with pulumi config set --secret --path 'externalSecrets.SENTRY_DSN' <value>",
      "webapp-platform:externalSecrets.SENDGRID_API_KEY: is required by secrets.external but missing; set it with pulumi config set --secret --path 'externalSecrets.SENDGRID_API_KEY' <value>",
      "webapp-platform:externalSecrets.SHOPIFY_API_SECRET: is not listed in secrets.external or vercel.sensitiveEnv; add it there or remove it",
    ]);
  });
});

describe("messages never print the value of a secret-marked key", () => {
  const SECRET = "sk-live-4f9a21c7";
  const raw = () => rawStackConfig("staging");

  it("a secret value that breaks a rule is shown as [secret], also where the rule's own message quotes it", () => {
    const bad = { ...raw(), database: { ...(raw().database as object), skuName: SECRET } };
    const problems = problemsOf(bad, EXTERNAL.slice(0, 3));
    expect(problemsOf(bad, EXTERNAL)).toEqual(problems);
    const secret = (() => {
      try {
        parseStackConfig(bad, EXTERNAL, { secretPaths: ["database.skuName"] });
      } catch (e) {
        return (e as ConfigValidationError).problems;
      }
      return [];
    })();
    expect(problems[0]).toContain(SECRET);
    expect(secret).toEqual([
      "webapp-platform:database.skuName: got [secret]; '[secret]' is not a Burstable size; allowed: B1ms, B2s, B2ms, B4ms, B8ms, B12ms, B16ms, B20ms",
    ]);
  });

  it("an object holding a secret is printed with the secret redacted, and a whole secret key hides all of it", () => {
    const network = raw().network as Record<string, unknown>;
    const start = "203.0.113.200";
    const bad = {
      ...raw(),
      network: {
        ...network,
        allowedIpRanges: [{ name: "office", startIp: start, endIp: "203.0.113.10" }],
      },
    };
    const problems = (paths: string[]) => {
      try {
        parseStackConfig(bad, EXTERNAL, { secretPaths: paths });
      } catch (e) {
        return (e as ConfigValidationError).problems;
      }
      return [];
    };
    expect(problems([])).toEqual([
      `webapp-platform:network.allowedIpRanges[0]: got {"name":"office","startIp":"${start}","endIp":"203.0.113.10"}; startIp ${start} is after endIp 203.0.113.10`,
    ]);
    expect(problems(["network.allowedIpRanges[0].startIp"])).toEqual([
      'webapp-platform:network.allowedIpRanges[0]: got {"name":"office","startIp":"[secret]","endIp":"203.0.113.10"}; startIp [secret] is after endIp 203.0.113.10',
    ]);
    expect(problems(["network"])).toEqual([
      "webapp-platform:network.allowedIpRanges[0]: got [secret]; startIp [secret] is after endIp [secret]",
    ]);
  });
});

describe("the program validates before registering anything", () => {
  it("an invalid stack config fails with every problem and registers no resource", async () => {
    const run = synthesize({
      programDir: ROOT,
      stack: "production",
      configOverrides: {
        "webapp-platform:database": {
          ...(rawStackConfig("production").database as object),
          backupRetentionDays: 99,
        },
      },
    });
    await expect(run).rejects.toThrow(
      /webapp-platform:database\.backupRetentionDays: got 99; must be from 7 to 35/,
    );
  });

  it("external secrets stored in plain text are refused", async () => {
    const run = synthesize({
      programDir: ROOT,
      stack: "staging",
      configOverrides: {
        "webapp-platform:externalSecrets": {
          OPENAI_API_KEY: "sk-plain",
          SENTRY_DSN: "x",
          SENDGRID_API_KEY: "y",
        },
      },
    });
    await expect(run).rejects.toThrow(
      "webapp-platform:externalSecrets: is stored in plain text; remove it and set each value with pulumi config set --secret --path 'externalSecrets.<NAME>'",
    );
  });
});

describe("property: any invalid input gets a clear error, never a crash", () => {
  const sections = Object.keys(rawStackConfig("production"));
  it("random values at random keys yield either a valid config or ConfigValidationError lines naming a key", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sections),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.oneof(
          fc.integer(),
          fc.string(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.integer(), { maxLength: 3 }),
          fc.object({ maxDepth: 1 }),
        ),
        (section, key, value) => {
          const raw = rawStackConfig("production");
          const current = raw[section];
          raw[section] =
            current !== null && typeof current === "object"
              ? { ...(current as object), [key]: value }
              : value;
          try {
            parseStackConfig(raw, EXTERNAL);
          } catch (e) {
            expect(e).toBeInstanceOf(ConfigValidationError);
            for (const line of (e as ConfigValidationError).problems) {
              expect(line).toMatch(/^webapp-platform:[A-Za-z]/);
              expect(line).not.toMatch(/\n\s+at /);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("whole sections replaced by junk are reported per section", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sections),
        fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
        (section, junk) => {
          const raw = rawStackConfig("production");
          raw[section] = junk;
          let problems: string[] = [];
          try {
            parseStackConfig(raw, EXTERNAL);
          } catch (e) {
            problems = (e as ConfigValidationError).problems;
          }
          expect(problems.some((p) => p.startsWith(`webapp-platform:${section}`))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
