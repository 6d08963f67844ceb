/** The corpus of bad stack configs: one case per value the program refuses, with the exact messages it prints. */
import { rawStackConfig } from "./config";

type Stack = "staging" | "production";
const SECURE = { secure: "v1:PLACEHOLDER:set-with-pulumi-config-set-secret" };

/** `webapp-platform:<section>` of a committed stack with `patch` applied (shallow) under `at` inside the section. */
function section(stack: Stack, name: string, patch: Record<string, unknown>, at: string[] = []) {
  const raw = structuredClone(rawStackConfig(stack)[name]) as Record<string, unknown>;
  let target = raw;
  for (const k of at) target = (target[k] ??= {}) as Record<string, unknown>;
  Object.assign(target, patch);
  return { [`webapp-platform:${name}`]: raw };
}

/** One bad stack config. */
export interface BadConfig {
  /** What is wrong. */
  readonly what: string;
  /** The committed stack it starts from. */
  readonly stack: Stack;
  /** Config keys replaced (namespace:key to the whole value). */
  readonly overrides: Record<string, unknown>;
  /** Every message the program must print, exactly. */
  readonly problems: string[];
}

const externalWith = (names: Record<string, unknown>) => ({
  "webapp-platform:externalSecrets": {
    OPENAI_API_KEY: SECURE,
    SENTRY_DSN: SECURE,
    SENDGRID_API_KEY: SECURE,
    ...names,
  },
});
const external = (stack: Stack, names: string[]) => ({
  ...section(stack, "secrets", { external: ["OPENAI_API_KEY", "SENTRY_DSN", "SENDGRID_API_KEY", ...names] }),
  ...externalWith(Object.fromEntries(names.map((n) => [n, SECURE]))),
});

/** Every bad config, grouped by what is wrong. */
export const CORPUS: BadConfig[] = [
  // Checks that ran inside components, after other resources were registered.
  {
    what: "a deployer range named like an allowed range",
    stack: "staging",
    overrides: section("staging", "network", {
      deployerIpRanges: [{ name: "office", startIp: "198.51.100.0", endIp: "198.51.100.63" }],
    }),
    problems: [
      'webapp-platform:network.deployerIpRanges[0].name: got "office"; repeats the name of network.allowedIpRanges[0]; each allowed and deployer range names its own firewall rule',
    ],
  },
  {
    what: "two allowed ranges with one name",
    stack: "staging",
    overrides: section("staging", "network", {
      allowedIpRanges: [
        { name: "office", startIp: "203.0.113.0", endIp: "203.0.113.255" },
        { name: "Office", startIp: "192.0.2.0", endIp: "192.0.2.255" },
      ],
    }),
    problems: [
      'webapp-platform:network.allowedIpRanges[1].name: got "Office"; repeats the name of network.allowedIpRanges[0]; each allowed and deployer range names its own firewall rule',
    ],
  },
  {
    what: "NEXT_PUBLIC_API_URL in vercel.publicEnv",
    stack: "staging",
    overrides: section("staging", "vercel", { NEXT_PUBLIC_API_URL: "https://evil.example.com" }, [
      "publicEnv",
    ]),
    problems: [
      'webapp-platform:vercel.publicEnv.NEXT_PUBLIC_API_URL: got "https://evil.example.com"; is set by the program (from the API\'s URL); remove it from vercel.publicEnv',
    ],
  },
  {
    what: "NEXT_PUBLIC_WS_URL in vercel.publicEnv",
    stack: "staging",
    overrides: section("staging", "vercel", { NEXT_PUBLIC_WS_URL: "wss://ws.example.com" }, ["publicEnv"]),
    problems: [
      'webapp-platform:vercel.publicEnv.NEXT_PUBLIC_WS_URL: got "wss://ws.example.com"; is set by the program (from vercel.wsUrl); remove it from vercel.publicEnv',
    ],
  },
  {
    what: "NEXT_PUBLIC_API_URL in vercel.preview.publicEnv",
    stack: "production",
    overrides: section(
      "production",
      "vercel",
      { publicEnv: { NEXT_PUBLIC_API_URL: "https://x.example.com" } },
      ["preview"],
    ),
    problems: [
      'webapp-platform:vercel.preview.publicEnv.NEXT_PUBLIC_API_URL: got "https://x.example.com"; is set by the program (from vercel.preview.apiUrl); remove it',
    ],
  },
  ...[
    "JWT_SECRET",
    "SECRET_KEY",
    "DATABASE_URL",
    "DATABASE_ADMIN_PASSWORD",
    "REDIS_URL",
    "API_CORS_ORIGINS",
  ].map((name): BadConfig => ({
    what: `the generated or program-set name ${name} listed as an external secret`,
    stack: "staging",
    overrides: external("staging", [name]),
    problems: [
      `webapp-platform:secrets.external[3]: got "${name}"; is a secret or app setting the program writes itself; an external secret of that name would overwrite it, so pick another name`,
    ],
  })),
  ...[
    "WEBSITE_RUN_FROM_PACKAGE",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "API_APPINSIGHTS_CONNECTION_STRING",
  ].map((name): BadConfig => ({
    what: `the API's own setting or vault secret ${name} listed as an external secret`,
    stack: "production",
    overrides: external("production", [name]),
    problems: [
      `webapp-platform:secrets.external[3]: got "${name}"; is a secret or app setting the program writes itself; an external secret of that name would overwrite it, so pick another name`,
    ],
  })),
  {
    what: "Azure services admitted in private mode (and in production)",
    stack: "production",
    overrides: section("production", "network", { allowAzureServices: true }),
    problems: [
      "webapp-platform:network.allowAzureServices: got true; must be false in production: it admits every Azure tenant's services",
      "webapp-platform:network.allowAzureServices: got true; has no effect in private mode (no firewall); set it to false",
    ],
  },
  {
    what: "a rolling release whose stages do not end at 100",
    stack: "production",
    overrides: section("production", "rollout", {
      stages: [
        { percentage: 20, bakeMinutes: 5 },
        { percentage: 50, bakeMinutes: 5 },
      ],
    }),
    problems: ["webapp-platform:rollout.stages[1].percentage: got 50; is 50; the last stage must be 100"],
  },
  {
    what: "more than 10 rollout stages",
    stack: "production",
    overrides: section("production", "rollout", {
      stages: Array.from({ length: 11 }, (_, i) => ({ percentage: (i + 1) * 9 + 1, bakeMinutes: 1 })).map(
        (st, i) => (i === 10 ? { percentage: 100, bakeMinutes: 0 } : st),
      ),
    }),
    problems: [
      'webapp-platform:rollout.stages: got [{"percentage":10,"bakeMinutes":1},{"percentage":19,"bakeMinutes":1},{"percen...; must list at most 10 stages (Vercel\'s rolling-release limit)',
    ],
  },
  {
    what: "a sensitive Vercel variable with the NEXT_PUBLIC_ prefix",
    stack: "staging",
    overrides: {
      ...section("staging", "vercel", { sensitiveEnv: ["NEXT_PUBLIC_TOKEN"] }),
      ...externalWith({ NEXT_PUBLIC_TOKEN: SECURE }),
    },
    problems: [
      'webapp-platform:vercel.sensitiveEnv[0]: got "NEXT_PUBLIC_TOKEN"; must be an UPPER_SNAKE_CASE name without the NEXT_PUBLIC_ prefix (those reach the browser)',
    ],
  },
  {
    what: "production without preview values for its Vercel project",
    stack: "production",
    overrides: section("production", "vercel", { preview: undefined }),
    problems: [
      "webapp-platform:vercel.preview: is required in production: without it pull-request previews get production's values and call the production API; set vercel.preview.apiUrl to staging's API URL",
    ],
  },
  {
    what: "a WebSocket URL without one for previews",
    stack: "production",
    overrides: section("production", "vercel", { wsUrl: "wss://ws.shop.example.com" }),
    problems: [
      "webapp-platform:vercel.preview.wsUrl: is required when vercel.wsUrl is set, or previews would connect to this stack's WebSocket URL",
    ],
  },

  // The optional data services (documentDb, realtime) and how they meet the rest of the stack.
  {
    what: "a document database tier Azure does not offer",
    stack: "staging",
    overrides: { "webapp-platform:documentDb": { tier: "M15", highAvailability: "Disabled" } },
    problems: [
      'webapp-platform:documentDb.tier: got "M15"; must be one of: M10, M20, M25, M30, M40, M50, M60, M80, M200',
    ],
  },
  {
    what: "high availability on a burstable document database tier",
    stack: "staging",
    overrides: { "webapp-platform:documentDb": { tier: "M20", highAvailability: "SameZone" } },
    problems: [
      'webapp-platform:documentDb.highAvailability: got "SameZone"; is not available on the burstable tier M20; use M30 or larger, or Disabled',
    ],
  },
  {
    what: "a production document database without high availability",
    stack: "production",
    overrides: { "webapp-platform:documentDb": { tier: "M30", highAvailability: "Disabled" } },
    problems: [
      'webapp-platform:documentDb.highAvailability: got "Disabled"; must be SameZone or ZoneRedundantPreferred in production (a standby per shard; needs M30 or larger)',
    ],
  },
  {
    what: "a document database disk size Azure does not offer",
    stack: "staging",
    overrides: {
      "webapp-platform:documentDb": { tier: "M10", highAvailability: "Disabled", storageGb: 100 },
    },
    problems: [
      "webapp-platform:documentDb.storageGb: got 100; must be one of: 32, 64, 128, 256, 512, 1024, 2048, 4095, 8192, 16384, 32767",
    ],
  },
  {
    what: "a reserved document database administrator login",
    stack: "staging",
    overrides: {
      "webapp-platform:documentDb": {
        tier: "M10",
        highAvailability: "Disabled",
        administratorLogin: "admin",
      },
    },
    problems: [
      'webapp-platform:documentDb.administratorLogin: got "admin"; must not be a reserved name (admin, root, administrator)',
    ],
  },
  {
    what: "a Web PubSub capacity its SKU does not offer",
    stack: "staging",
    overrides: { "webapp-platform:realtime": { sku: "Standard_S1", capacity: 15 } },
    problems: [
      "webapp-platform:realtime.capacity: got 15; 15 is not a Standard_S1 capacity; allowed: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100",
    ],
  },
  {
    what: "a free Web PubSub in production (private network)",
    stack: "production",
    overrides: { "webapp-platform:realtime": { sku: "Free_F1" } },
    problems: [
      "webapp-platform:vercel.preview.wsUrl: is required when realtime is set, or previews would connect to this stack's WebSocket URL",
      'webapp-platform:realtime.sku: got "Free_F1"; Free_F1 has no SLA and 20 connections; production needs Standard_S1 or Premium',
      'webapp-platform:realtime.sku: got "Free_F1"; Free_F1 has no private endpoints; private network mode needs Standard_S1 or Premium',
    ],
  },
  {
    what: "a Web PubSub hub name with a hyphen",
    stack: "staging",
    overrides: { "webapp-platform:realtime": { sku: "Free_F1", hubName: "live-updates" } },
    problems: [
      "webapp-platform:realtime.hubName: got \"live-updates\"; must start with a letter and use letters, digits or '_' (max 128)",
    ],
  },
  {
    what: "both realtime and a fixed WebSocket URL",
    stack: "staging",
    overrides: {
      "webapp-platform:realtime": { sku: "Free_F1" },
      ...section("staging", "vercel", { wsUrl: "wss://ws.example.com" }),
    },
    problems: [
      'webapp-platform:vercel.wsUrl: got "wss://ws.example.com"; must be absent when realtime is set: NEXT_PUBLIC_WS_URL then comes from the stack\'s Web PubSub hub; remove one of them',
    ],
  },

  // Config the components check too (as guards on their arguments): refused here first.
  {
    what: "PgBouncer on a Burstable server",
    stack: "staging",
    overrides: section("staging", "database", { pgbouncer: { enabled: true } }),
    problems: [
      "webapp-platform:database.pgbouncer.enabled: got true; PgBouncer needs GeneralPurpose or MemoryOptimized; Burstable has none",
    ],
  },
  {
    what: "purge protection on a free App Configuration store",
    stack: "staging",
    overrides: section("staging", "featureFlags", { sku: "free", purgeProtection: true }),
    problems: ["webapp-platform:featureFlags.purgeProtection: got true; is only available on sku standard"],
  },
  {
    what: "a free App Configuration store in private mode",
    stack: "production",
    overrides: section("production", "featureFlags", { sku: "free", purgeProtection: false }),
    problems: [
      'webapp-platform:featureFlags.sku: got "free"; free has no private link; private network mode needs standard',
    ],
  },
  {
    what: "a linked backend (it would lock every other caller out of the API)",
    stack: "staging",
    overrides: section("staging", "staticSite", { linkBackend: true }),
    problems: [
      "webapp-platform:staticSite.linkBackend: got true; must be false: a linked backend gives the Static Web App exclusive access to the Function App, so Vercel, the availability test, the promotion's health probes and the canary slot would be refused (README, 'Why the API is not linked to the Static Web App'); remove the key",
    ],
  },
  {
    what: "no alert e-mail",
    stack: "staging",
    overrides: section("staging", "monitoring", { alertEmails: [] }),
    problems: ["webapp-platform:monitoring.alertEmails: got []; must list at least one address"],
  },
  {
    what: "a VNet address space too small for the subnet layout",
    stack: "production",
    overrides: section("production", "network", { addressSpace: "10.40.0.0/23" }),
    problems: [
      'webapp-platform:network.addressSpace: got "10.40.0.0/23"; must be an IPv4 network from /16 to /22, e.g. 10.40.0.0/16',
    ],
  },
  {
    what: "a canary percentage without a candidate",
    stack: "production",
    overrides: section("production", "release", { canaryPercentage: 10 }),
    problems: [
      "webapp-platform:release.canaryPercentage: got 10; is 10 but no release.candidate is set; set a candidate or use 0",
    ],
  },
  {
    what: "a listed external secret without a value",
    stack: "staging",
    overrides: externalWith({ SENDGRID_API_KEY: undefined }),
    problems: [
      "webapp-platform:externalSecrets.SENDGRID_API_KEY: is required by secrets.external but missing; set it with pulumi config set --secret --path 'externalSecrets.SENDGRID_API_KEY' <value>",
    ],
  },
  {
    what: "an external secret no list names",
    stack: "staging",
    overrides: externalWith({ STRAY_KEY: SECURE }),
    problems: [
      "webapp-platform:externalSecrets.STRAY_KEY: is not listed in secrets.external or vercel.sensitiveEnv; add it there or remove it",
    ],
  },

  // External secrets: per key, secure and a string.
  {
    what: "a plaintext external secret beside secure ones",
    stack: "staging",
    overrides: externalWith({ SENTRY_DSN: "https://key@o0.ingest.sentry.io/0" }),
    problems: [
      "webapp-platform:externalSecrets.SENTRY_DSN: is stored in plain text beside secure values; remove it from the stack file and set it with pulumi config set --secret --path 'externalSecrets.SENTRY_DSN' <value>",
    ],
  },
  {
    what: "a number under externalSecrets",
    stack: "staging",
    overrides: externalWith({ SENDGRID_API_KEY: 12345 }),
    problems: [
      "webapp-platform:externalSecrets.SENDGRID_API_KEY: must be a non-empty string, got a number; set it with pulumi config set --secret --path 'externalSecrets.SENDGRID_API_KEY' <value>",
    ],
  },
  {
    what: "a map under externalSecrets",
    stack: "staging",
    overrides: externalWith({ SENDGRID_API_KEY: { key: SECURE } }),
    problems: [
      "webapp-platform:externalSecrets.SENDGRID_API_KEY: must be a non-empty string, got a object; set it with pulumi config set --secret --path 'externalSecrets.SENDGRID_API_KEY' <value>",
    ],
  },
  {
    what: "every external secret in plain text",
    stack: "staging",
    overrides: {
      "webapp-platform:externalSecrets": {
        OPENAI_API_KEY: "sk-plain",
        SENTRY_DSN: "x",
        SENDGRID_API_KEY: "y",
      },
    },
    problems: [
      "webapp-platform:externalSecrets: is stored in plain text; remove it and set each value with pulumi config set --secret --path 'externalSecrets.<NAME>'",
    ],
  },

  // Credentials inside URLs.
  {
    what: "a password in the API package URL",
    stack: "staging",
    overrides: section(
      "staging",
      "release",
      { apiPackageUrl: "https://ci:hunter2@releases.example.com/shop-api/1.4.2/api.zip" },
      ["stable"],
    ),
    problems: [
      "webapp-platform:release.stable.apiPackageUrl: got [secret]; carries a password in the URL (user:password@); use a URL without credentials (secrets belong in externalSecrets)",
    ],
  },
  {
    what: "a SAS signature in the API package URL",
    stack: "staging",
    overrides: section(
      "staging",
      "release",
      {
        apiPackageUrl:
          "https://stshop.blob.core.windows.net/releases/api.zip?sv=2022-11-02&se=2026-12-31&sr=b&sp=r&sig=abc%3D",
      },
      ["stable"],
    ),
    problems: [
      "webapp-platform:release.stable.apiPackageUrl: got [secret]; carries a SAS signature (sig=) in the query; use a URL without credentials (secrets belong in externalSecrets)",
    ],
  },
  {
    what: "a user name in the candidate's package URL",
    stack: "production",
    overrides: section("production", "release", {
      candidate: {
        version: "1.4.2",
        apiPackageUrl: "https://ghp_token@releases.example.com/shop-api/1.4.2/api.zip",
        apiPackageSha256: "3f4e9d2c1b0a99887766554433221100ffeeddccbbaa00112233445566778899",
        frontendRef: "9c1d2e3f4a5b6c7d8e9f00112233445566778899",
      },
    }),
    problems: [
      "webapp-platform:release.candidate.apiPackageUrl: got [secret]; carries a user name in the URL (user@); use a URL without credentials (secrets belong in externalSecrets)",
    ],
  },
  {
    what: "a password in the WebSocket URL",
    stack: "staging",
    overrides: section("staging", "vercel", { wsUrl: "wss://u:p@ws.example.com" }),
    problems: [
      "webapp-platform:vercel.wsUrl: got [secret]; carries a password in the URL (user:password@); use a URL without credentials (secrets belong in externalSecrets)",
    ],
  },
  {
    what: "a token in the preview API URL",
    stack: "production",
    overrides: section("production", "vercel", { apiUrl: "https://api.example.com/?access_token=abc" }, [
      "preview",
    ]),
    problems: [
      "webapp-platform:vercel.preview.apiUrl: got [secret]; carries a credential query parameter (access_token=); use a URL without credentials (secrets belong in externalSecrets)",
    ],
  },
  {
    what: "a password in a public Vercel value",
    stack: "staging",
    overrides: section(
      "staging",
      "vercel",
      { NEXT_PUBLIC_SENTRY_DSN: "https://public:private@o0.ingest.sentry.io/0" },
      ["publicEnv"],
    ),
    problems: [
      "webapp-platform:vercel.publicEnv.NEXT_PUBLIC_SENTRY_DSN: got [secret]; carries a password in the URL (user:password@); public variables reach every browser: use a URL without credentials",
    ],
  },

  // Duplicates in lists that become resource names or keys.
  {
    what: "an extension listed twice",
    stack: "staging",
    overrides: section("staging", "database", { extensions: ["uuid-ossp", "pg_trgm", "uuid-ossp"] }),
    problems: [
      'webapp-platform:database.extensions[2]: got "uuid-ossp"; repeats item [0]; list each extension once',
    ],
  },
  {
    what: "a domain listed twice",
    stack: "production",
    overrides: section("production", "vercel", { domains: ["shop.example.com", "shop.example.com"] }),
    problems: [
      'webapp-platform:vercel.domains[1]: got "shop.example.com"; repeats item [0]; list each domain once',
    ],
  },
  {
    what: "an external secret name listed twice",
    stack: "staging",
    overrides: section("staging", "secrets", {
      external: ["OPENAI_API_KEY", "SENTRY_DSN", "SENDGRID_API_KEY", "SENTRY_DSN"],
    }),
    problems: [
      'webapp-platform:secrets.external[3]: got "SENTRY_DSN"; repeats item [1]; list each name once',
    ],
  },
  {
    what: "an alert e-mail listed twice (case-insensitively)",
    stack: "staging",
    overrides: section("staging", "monitoring", {
      alertEmails: ["platform-oncall@example.com", "Platform-Oncall@example.com"],
    }),
    problems: [
      'webapp-platform:monitoring.alertEmails[1]: got "Platform-Oncall@example.com"; repeats item [0]; list each address once',
    ],
  },
  {
    what: "a CORS origin listed twice",
    stack: "production",
    overrides: section("production", "api", {
      corsOrigins: ["https://shop.example.com", "https://www.shop.example.com", "https://SHOP.example.com"],
    }),
    problems: [
      'webapp-platform:api.corsOrigins[2]: got "https://SHOP.example.com"; repeats item [0]; list each origin once',
    ],
  },
  {
    what: "a sensitive Vercel variable listed twice",
    stack: "staging",
    overrides: {
      ...section("staging", "vercel", { sensitiveEnv: ["SENTRY_AUTH_TOKEN", "SENTRY_AUTH_TOKEN"] }),
      ...externalWith({ SENTRY_AUTH_TOKEN: SECURE }),
    },
    problems: [
      'webapp-platform:vercel.sensitiveEnv[1]: got "SENTRY_AUTH_TOKEN"; repeats item [0]; list each name once',
    ],
  },

  // Control characters in names and values.
  {
    what: "a newline in a public Vercel value",
    stack: "staging",
    overrides: section(
      "staging",
      "vercel",
      { NEXT_PUBLIC_SENTRY_DSN: "https://public@o0.ingest.sentry.io/0\n" },
      ["publicEnv"],
    ),
    problems: [
      "webapp-platform:vercel.publicEnv.NEXT_PUBLIC_SENTRY_DSN: contains the control character U+000A; remove it",
    ],
  },
  {
    what: "a right-to-left override in the production branch",
    stack: "staging",
    overrides: section("staging", "vercel", { productionBranch: "main\u202e" }, ["gitRepository"]),
    problems: [
      "webapp-platform:vercel.gitRepository.productionBranch: contains the control character U+202E; remove it",
    ],
  },
  {
    what: "a NUL in the Entra administrator's name",
    stack: "production",
    overrides: section("production", "database", {
      entraAdministrator: {
        objectId: "5b1f7e0a-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
        principalName: "dba\u0000group",
        principalType: "group",
      },
    }),
    problems: [
      "webapp-platform:database.entraAdministrator.principalName: contains the control character U+0000; remove it",
    ],
  },
  {
    what: "a control character in a feature flag's name",
    stack: "staging",
    overrides: section("staging", "featureFlags", { "ENABLE_X\u0007": 10 }, ["flags"]),
    problems: [
      'webapp-platform:featureFlags.flags."ENABLE_X\\u0007": the key contains the control character U+0007; rename it',
      'webapp-platform:featureFlags.flags."ENABLE_X\\u0007": got key "ENABLE_X\\u0007"; must be an identifier like ENABLE_DARK_MODE',
    ],
  },

  // Issue 13 section 2: app settings the platform owns or that carry credentials, uploads browsers cannot reach.
  {
    what: "api.appSettings claiming a platform name, a credential's name and a credential in a value",
    stack: "production",
    overrides: section(
      "production",
      "api",
      {
        WEBSITE_RUN_FROM_PACKAGE: "https://evil.example.com/api.zip",
        SHOPIFY_API_SECRET: "shpss_0123456789abcdef",
        UPSTREAM_URL: "https://svc:hunter2@upstream.example.com",
      },
      ["appSettings"],
    ),
    problems: [
      "webapp-platform:api.appSettings.WEBSITE_RUN_FROM_PACKAGE: got [secret]; names starting with WEBSITE_ belong to the platform; pick another name",
      "webapp-platform:api.appSettings.SHOPIFY_API_SECRET: got [secret]; looks like a credential's name (PASSWORD, SECRET, KEY, TOKEN, CONNECTION, DSN, PRIVATE, CREDENTIAL, ...); list it in secrets.external and set it with pulumi config set --secret --path 'externalSecrets.<NAME>'",
      "webapp-platform:api.appSettings.UPSTREAM_URL: got [secret]; carries a literal URL password; app settings are plain text: put the secret in secrets.external instead",
    ],
  },
  {
    what: "uploads.browserUpload in private network mode",
    stack: "production",
    overrides: { "webapp-platform:uploads": { browserUpload: true } },
    problems: [
      "webapp-platform:uploads.browserUpload: got true; needs network.mode public: in private mode the uploads account admits only its private endpoint, which browsers cannot reach",
    ],
  },

  // The provider's region.
  {
    what: "azure-native:location differing from environment.location",
    stack: "staging",
    overrides: { "azure-native:location": "northeurope" },
    problems: [
      'azure-native:location: got "northeurope"; must equal webapp-platform:environment.location ("westeurope"), the region every resource is placed in; set both to one region',
    ],
  },

  // Secret-marked values never appear in a message.
  {
    what: "an invalid value stored as a secret",
    stack: "staging",
    overrides: section("staging", "database", { skuName: { secure: "v1:encrypted-size" } }),
    problems: [
      "webapp-platform:database.skuName: got [secret]; '[secret]' is not a Burstable size; allowed: B1ms, B2s, B2ms, B4ms, B8ms, B12ms, B16ms, B20ms",
    ],
  },
];
