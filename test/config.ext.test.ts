// Config extensions for the five products (issue 13 section 2): uploads, api.appSettings and api.healthCheckBody.
import { describe, expect, it } from "vitest";
import { ConfigValidationError, parseStackConfig } from "../config/load";
import { DEFAULT_HEALTH_CHECK_BODY } from "../config/schema";
import { rawStackConfig } from "./support/config";

const EXTERNAL = ["OPENAI_API_KEY", "SENTRY_DSN", "SENDGRID_API_KEY"];

/** A committed stack's raw config with `api` fields and top-level keys replaced. */
function stack(
  name: "staging" | "production",
  api: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
): Record<string, unknown> {
  const raw = rawStackConfig(name);
  raw.api = { ...(raw.api as object), ...api };
  return { ...raw, ...top };
}

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw, EXTERNAL);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.problems;
    throw e;
  }
  return [];
}

describe("api.appSettings", () => {
  it("defaults to none and keeps the non-secret settings the products need", () => {
    expect(parseStackConfig(stack("staging"), EXTERNAL).api.appSettings).toEqual({});
    const settings = {
      SHOPIFY_APP_URL: "https://shop.example.com",
      SCOPES: "read_orders",
      NODE_ENV: "production",
    };
    expect(parseStackConfig(stack("staging", { appSettings: settings }), EXTERNAL).api.appSettings).toEqual(
      settings,
    );
  });

  it.each([
    [
      "WEBSITE_TIME_ZONE",
      "webapp-platform:api.appSettings.WEBSITE_TIME_ZONE: got [secret]; names starting with WEBSITE_ belong to the platform; pick another name",
    ],
    [
      "FUNCTIONS_WORKER_RUNTIME",
      "webapp-platform:api.appSettings.FUNCTIONS_WORKER_RUNTIME: got [secret]; names starting with FUNCTIONS_ belong to the platform; pick another name",
    ],
    [
      "APPLICATIONINSIGHTS_SAMPLING",
      "webapp-platform:api.appSettings.APPLICATIONINSIGHTS_SAMPLING: got [secret]; names starting with APPLICATIONINSIGHTS_ belong to the platform; pick another name",
    ],
    [
      "AZUREWEBJOBSSTORAGE",
      "webapp-platform:api.appSettings.AZUREWEBJOBSSTORAGE: got [secret]; names starting with AZUREWEBJOBS belong to the platform; pick another name",
    ],
    [
      "UPLOADS_CONTAINER_URL",
      "webapp-platform:api.appSettings.UPLOADS_CONTAINER_URL: got [secret]; is an app setting the program sets; pick another name",
    ],
    [
      "API_CORS_ORIGINS",
      "webapp-platform:api.appSettings.API_CORS_ORIGINS: got [secret]; is an app setting the program sets; pick another name",
    ],
    [
      "OPENAI_API_KEY",
      "webapp-platform:api.appSettings.OPENAI_API_KEY: got [secret]; is the app setting of the external secret listed in secrets.external; pick another name",
    ],
  ])("refuses %s, a name the platform or the program sets", (name, message) => {
    expect(problemsOf(stack("staging", { appSettings: { [name]: "x" } }))).toEqual([message]);
  });

  it("refuses a name that is not UPPER_SNAKE_CASE (AzureWebJobsStorage among them)", () => {
    expect(problemsOf(stack("staging", { appSettings: { AzureWebJobsStorage: "x" } }))).toEqual([
      'webapp-platform:api.appSettings.AzureWebJobsStorage: got key "AzureWebJobsStorage"; must be an UPPER_SNAKE_CASE name like SHOPIFY_APP_URL',
    ]);
  });

  it.each([
    "SHOPIFY_API_SECRET",
    "SHOPIFY_API_KEY",
    "STRIPE_TOKEN",
    "DB_PASSWORD",
    "APIKEY",
    "GITHUB_PRIVATE",
  ])("refuses the credential-like name %s without printing its value", (name) => {
    const problems = problemsOf(stack("staging", { appSettings: { [name]: "shpss_0123456789abcdef" } }));
    expect(problems).toEqual([
      `webapp-platform:api.appSettings.${name}: got [secret]; looks like a credential's name (PASSWORD, SECRET, KEY, TOKEN, CONNECTION, DSN, PRIVATE, CREDENTIAL, ...); list it in secrets.external and set it with pulumi config set --secret --path 'externalSecrets.<NAME>'`,
    ]);
    expect(problems.join("\n")).not.toContain("shpss_0123456789abcdef");
  });

  it.each([
    ["DefaultEndpointsProtocol=https;AccountName=st;AccountKey=c2VjcmV0", "a literal AccountKey"],
    ["Server=db;Database=app;Password=hunter2", "a literal Password"],
    ["postgres://app:hunter2@db.example.com/app", "a literal URL password"],
    ["https://st.blob.core.windows.net/uploads?sv=2024&sig=abc", "a SAS signature (sig=) in the query"],
    ["https://api.example.com/hook?access_token=abc", "a credential query parameter (access_token=)"],
    ["https://admin@api.example.com/", "a user name in the URL (user@)"],
  ])("refuses a value holding a credential (%s) without printing it", (value, found) => {
    const problems = problemsOf(stack("staging", { appSettings: { UPSTREAM: value } }));
    expect(problems).toEqual([
      `webapp-platform:api.appSettings.UPSTREAM: got [secret]; carries ${found}; app settings are plain text: put the secret in secrets.external instead`,
    ]);
    expect(problems.join("\n")).not.toContain(value);
  });
});

describe("api.healthCheckBody", () => {
  it(`defaults to ${DEFAULT_HEALTH_CHECK_BODY} and takes the product's own marker`, () => {
    expect(DEFAULT_HEALTH_CHECK_BODY).toBe('"status":"ok"');
    expect(parseStackConfig(stack("staging"), EXTERNAL).api.healthCheckBody).toBe('"status":"ok"');
    expect(
      parseStackConfig(stack("staging", { healthCheckBody: '"healthy":true' }), EXTERNAL).api.healthCheckBody,
    ).toBe('"healthy":true');
  });

  it("refuses an empty or overlong marker", () => {
    expect(problemsOf(stack("staging", { healthCheckBody: "" }))).toEqual([
      'webapp-platform:api.healthCheckBody: got ""; must not be empty',
    ]);
    expect(problemsOf(stack("staging", { healthCheckBody: "x".repeat(257) }))).toEqual([
      `webapp-platform:api.healthCheckBody: got "${"x".repeat(76)}...; must be at most 256 characters`,
    ]);
  });
});

describe("uploads", () => {
  it("is absent by default and fills its defaults when present", () => {
    expect(parseStackConfig(stack("staging"), EXTERNAL).uploads).toBeUndefined();
    expect(parseStackConfig(stack("staging", {}, { uploads: {} }), EXTERNAL).uploads).toEqual({
      containerName: "uploads",
      sku: "Standard_ZRS",
      softDeleteRetentionDays: 14,
      versioning: true,
      browserUpload: false,
    });
  });

  it.each(["up", "Uploads", "up--loads", "-uploads", "uploads-", "a".repeat(64)])(
    "refuses the container name %s",
    (containerName) => {
      expect(problemsOf(stack("staging", {}, { uploads: { containerName } }))).toEqual([
        `webapp-platform:uploads.containerName: got ${JSON.stringify(containerName).length > 80 ? `${JSON.stringify(containerName).slice(0, 77)}...` : JSON.stringify(containerName)}; must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, no '--'`,
      ]);
    },
  );

  it("refuses public blob access or shared keys as unknown keys: the account never allows them", () => {
    expect(problemsOf(stack("staging", {}, { uploads: { publicAccess: "Blob" } }))).toEqual([
      "webapp-platform:uploads.publicAccess: unknown key; other keys here: (none)",
    ]);
  });

  it("browser upload admits the stack's own origins only, in public mode", () => {
    expect(
      parseStackConfig(stack("staging", {}, { uploads: { browserUpload: true } }), EXTERNAL).uploads,
    ).toMatchObject({ browserUpload: true });
    expect(problemsOf(stack("production", {}, { uploads: { browserUpload: true } }))).toEqual([
      "webapp-platform:uploads.browserUpload: got true; needs network.mode public: in private mode the uploads account admits only its private endpoint, which browsers cannot reach",
    ]);
    const noOrigin = stack("staging", { corsOrigins: [] }, { uploads: { browserUpload: true } });
    noOrigin.staticSite = { ...(noOrigin.staticSite as object), enabled: false };
    expect(problemsOf(noOrigin)).toEqual([
      "webapp-platform:uploads.browserUpload: got true; needs an origin to admit: list the frontend in api.corsOrigins or enable staticSite",
    ]);
  });
});
