import * as web from "@pulumi/azure-native/web";
import { describe, expect, it } from "vitest";
import * as rules from "../../policies/rules/web";
import * as swa from "../../policies/rules/staticSite";
import { expectCase, remediate, type RuleCase, StackFixture, stackViolations } from "./helpers";

const kv = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db-url)";
const site = {
  resourceGroupName: "rg",
  kind: "functionapp,linux",
  httpsOnly: true,
  identity: { type: "SystemAssigned" },
  siteConfig: {
    minTlsVersion: "1.2",
    scmMinTlsVersion: "1.2",
    ftpsState: "Disabled",
    http20Enabled: true,
    healthCheckPath: "/api/health",
    scmIpSecurityRestrictionsDefaultAction: "Deny",
    linuxFxVersion: "Node|22",
    cors: { allowedOrigins: ["https://shop.example.com"] },
    appSettings: [
      {
        name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
        value: "InstrumentationKey=abc;IngestionEndpoint=https://x",
      },
      { name: "DATABASE_URL", value: kv },
      { name: "NODE_ENV", value: "production" },
    ],
  },
  publicNetworkAccess: "Disabled",
  clientCertEnabled: true,
};
const flex = {
  ...site,
  functionAppConfig: { runtime: { name: "node", version: "22" } },
  siteConfig: {
    ...site.siteConfig,
    ftpsState: undefined,
    healthCheckPath: undefined,
    linuxFxVersion: undefined,
  },
};
const W = web.WebApp;

describe("site settings", () => {
  const table: [string, Parameters<typeof expectCase>[0], RuleCase[]][] = [
    [
      "web-webapp-enforce-https-only",
      rules.webWebAppEnforceHttpsOnly,
      [
        { it: "passes httpsOnly", expect: null },
        { it: "fails httpsOnly false", set: { httpsOnly: false }, expect: "set httpsOnly to true" },
        {
          it: "fails unset httpsOnly (Azure allows HTTP by default)",
          set: { httpsOnly: undefined },
          expect: "set httpsOnly",
        },
        { it: "checks slots too", cls: web.WebAppSlot, set: { httpsOnly: false }, expect: "set httpsOnly" },
      ],
    ],
    [
      "web-webapp-configure-min-tls",
      rules.webWebAppConfigureMinTls,
      [
        { it: "passes 1.2", expect: null },
        {
          it: "treats unset versions as the 1.2 default",
          set: { "siteConfig.minTlsVersion": undefined, "siteConfig.scmMinTlsVersion": undefined },
          expect: null,
        },
        {
          it: "fails TLS 1.0",
          set: { "siteConfig.minTlsVersion": "1.0" },
          expect: "siteConfig.minTlsVersion is '1.0'",
        },
        {
          it: "fails SCM TLS 1.1",
          set: { "siteConfig.scmMinTlsVersion": "1.1" },
          expect: "scmMinTlsVersion",
        },
      ],
    ],
    [
      "web-webapp-disallow-ftp",
      rules.webWebAppDisallowFtp,
      [
        { it: "passes Disabled", expect: null },
        {
          it: "fails AllAllowed",
          set: { "siteConfig.ftpsState": "AllAllowed" },
          expect: "set it to 'Disabled'",
        },
        {
          it: "fails FtpsOnly unless allowed",
          set: { "siteConfig.ftpsState": "FtpsOnly" },
          expect: "set it to 'Disabled'",
        },
        {
          it: "accepts FtpsOnly with allowFtpsOnly",
          set: { "siteConfig.ftpsState": "FtpsOnly" },
          config: { allowFtpsOnly: true },
          expect: null,
        },
        {
          it: "fails unset ftpsState on a classic plan",
          set: { "siteConfig.ftpsState": undefined },
          expect: "(unset: AllAllowed)",
        },
        {
          it: "skips unset ftpsState on Flex Consumption",
          props: flex,
          expect: null,
          notApplicable: "Flex Consumption",
        },
      ],
    ],
    [
      "web-webapp-disallow-remote-debugging",
      rules.webWebAppDisallowRemoteDebugging,
      [
        { it: "passes when unset", expect: null },
        {
          it: "fails remote debugging on",
          set: { "siteConfig.remoteDebuggingEnabled": true },
          expect: "remoteDebuggingEnabled to false",
        },
      ],
    ],
    [
      "web-webapp-disallow-cors-wildcard",
      rules.webWebAppDisallowCorsWildcard,
      [
        { it: "passes explicit https origins", expect: null },
        { it: "passes without a CORS block", set: { "siteConfig.cors": undefined }, expect: null },
        {
          it: "fails the wildcard",
          set: { "siteConfig.cors.allowedOrigins": ["*"] },
          expect: "every origin",
        },
        {
          it: "fails plain http origins",
          set: { "siteConfig.cors.allowedOrigins": ["http://shop.example.com"] },
          expect: "are not https://",
        },
      ],
    ],
    [
      "web-webapp-configure-cors-allowlist",
      rules.webWebAppConfigureCorsAllowlist,
      [
        {
          it: "passes origins matching the stack's patterns",
          config: { allowedOriginPatterns: ["^https://shop\\.example\\.com$"] },
          expect: null,
        },
        {
          it: "fails an unknown origin",
          config: { allowedOriginPatterns: ["^https://other\\.example\\.com$"] },
          expect: "are not known frontends",
        },
        {
          it: "is not applicable without configured patterns",
          expect: null,
          notApplicable: "no allowedOriginPatterns",
        },
      ],
    ],
    [
      "web-webapp-enable-managed-identity",
      rules.webWebAppEnableManagedIdentity,
      [
        { it: "passes SystemAssigned", expect: null },
        {
          it: "passes SystemAssigned, UserAssigned",
          set: { "identity.type": "SystemAssigned, UserAssigned" },
          expect: null,
        },
        { it: "fails None", set: { "identity.type": "None" }, expect: "identity is 'None'" },
        { it: "fails an unset identity", set: { identity: undefined }, expect: "identity is 'None'" },
      ],
    ],
    [
      "web-webapp-enforce-keyvault-references",
      rules.webWebAppEnforceKeyVaultReferences,
      [
        { it: "passes Key Vault references and the App Insights connection string", expect: null },
        {
          it: "fails a plaintext secret app setting",
          set: { "siteConfig.appSettings": [{ name: "JWT_SECRET", value: "hunter2" }] },
          expect: "app setting 'JWT_SECRET' holds a plain value",
        },
        {
          it: "fails a plaintext DATABASE_URL",
          set: { "siteConfig.appSettings": [{ name: "DATABASE_URL", value: "postgres://u:p@h/db" }] },
          expect: "'DATABASE_URL'",
        },
        {
          it: "fails a value with an inline account key whatever its name",
          set: {
            "siteConfig.appSettings": [
              {
                name: "AzureWebJobsStorage",
                value: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc",
              },
            ],
          },
          expect: "'AzureWebJobsStorage'",
        },
        {
          it: "fails a plaintext connection string",
          set: {
            "siteConfig.connectionStrings": [
              { name: "db", connectionString: "Server=x;Password=y", type: "PostgreSQL" },
            ],
          },
          expect: "connection string 'db'",
        },
        {
          it: "allows a setting listed in plaintextAllowedFor",
          set: {
            "siteConfig.appSettings": [
              { name: "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", value: "AccountKey=abc" },
            ],
          },
          config: {
            plaintextAllowedFor: [
              {
                name: "^WEBSITE_CONTENTAZUREFILECONNECTIONSTRING$",
                reason: "Elastic Premium content share needs a key",
              },
            ],
          },
          expect: null,
        },
        {
          it: "checks WebAppApplicationSettings resources",
          cls: web.WebAppApplicationSettings,
          props: { name: "api", resourceGroupName: "rg", properties: { SECRET_KEY: "plain" } },
          expect: "'SECRET_KEY'",
        },
      ],
    ],
    [
      "web-webapp-configure-health-check",
      rules.webWebAppConfigureHealthCheck,
      [
        { it: "passes a health check path", expect: null },
        {
          it: "fails a missing health check path",
          set: { "siteConfig.healthCheckPath": undefined },
          expect: "set siteConfig.healthCheckPath",
        },
        {
          it: "is not applicable on Flex Consumption",
          props: flex,
          expect: null,
          notApplicable: "Flex Consumption",
        },
      ],
    ],
    [
      "web-webapp-enable-app-insights",
      rules.webWebAppEnableAppInsights,
      [
        { it: "passes with the connection string setting", expect: null },
        {
          it: "fails without it",
          set: { "siteConfig.appSettings": [] },
          expect: "APPLICATIONINSIGHTS_CONNECTION_STRING",
        },
      ],
    ],
    [
      "web-webapp-enable-http2",
      rules.webWebAppEnableHttp2,
      [
        { it: "passes HTTP/2", expect: null },
        {
          it: "fails when unset",
          set: { "siteConfig.http20Enabled": undefined },
          expect: "http20Enabled to true",
        },
      ],
    ],
    [
      "web-webapp-configure-scm-ip-default-deny",
      rules.webWebAppConfigureScmIpDefaultDeny,
      [
        { it: "passes Deny", expect: null },
        {
          it: "fails when unset (Allow)",
          set: { "siteConfig.scmIpSecurityRestrictionsDefaultAction": undefined },
          expect: "'Deny'",
        },
      ],
    ],
    [
      "web-webapp-disable-public-network-access",
      rules.webWebAppDisablePublicNetworkAccess,
      [
        { it: "passes Disabled", expect: null },
        {
          it: "fails when unset",
          set: { publicNetworkAccess: undefined },
          expect: "publicNetworkAccess to 'Disabled'",
        },
      ],
    ],
    [
      "web-webapp-enable-client-certificates",
      rules.webWebAppEnableClientCertificates,
      [
        { it: "passes client certificates on", expect: null },
        {
          it: "fails when unset",
          set: { clientCertEnabled: undefined },
          expect: "clientCertEnabled to true",
        },
      ],
    ],
    [
      "web-webapp-disallow-deprecated-runtime",
      rules.webWebAppDisallowDeprecatedRuntime,
      [
        { it: "passes Node 22 (linuxFxVersion)", expect: null },
        { it: "passes Node 22 (Flex runtime)", props: flex, expect: null },
        {
          it: "fails Node 20",
          set: { "siteConfig.linuxFxVersion": "Node|20" },
          expect: "node 20 is out of support",
        },
        {
          it: "fails Python 3.10 on Flex",
          props: { ...flex, functionAppConfig: { runtime: { name: "python", version: "3.10" } } },
          expect: "python 3.10",
        },
        {
          it: "skips an undeclared runtime",
          set: { "siteConfig.linuxFxVersion": undefined },
          expect: null,
          notApplicable: "not declared",
        },
      ],
    ],
  ];
  for (const [name, policy, cases] of table) {
    describe(name, () => {
      it.each(cases)("$it", (c) => expectCase(policy, W, site, c));
    });
  }

  it("https remediation sets httpsOnly on a slot", async () => {
    const fixed = await remediate(rules.webWebAppEnforceHttpsOnly, web.WebAppSlot, {
      ...site,
      httpsOnly: false,
    });
    expect(fixed?.["httpsOnly"]).toBe(true);
  });
});

describe("basic-auth publishing policies", () => {
  const ftp: RuleCase[] = [
    { it: "passes allow false", expect: null },
    { it: "fails allow true", set: { allow: true }, expect: "FTP basic authentication is allowed" },
    {
      it: "checks the slot variant",
      cls: web.WebAppFtpAllowedSlot,
      set: { allow: true, slot: "canary" },
      expect: "set allow to false",
    },
  ];
  it.each(ftp)("FTP: $it", (c) =>
    expectCase(
      rules.webWebAppFtpAllowedDisableBasicAuth,
      web.WebAppFtpAllowed,
      { name: "api", resourceGroupName: "rg", allow: false },
      c,
    ),
  );
  const scm: RuleCase[] = [
    { it: "passes allow false", expect: null },
    { it: "fails allow true", set: { allow: true }, expect: "SCM basic authentication is allowed" },
  ];
  it.each(scm)("SCM: $it", (c) =>
    expectCase(
      rules.webWebAppScmAllowedDisableBasicAuth,
      web.WebAppScmAllowed,
      { name: "api", resourceGroupName: "rg", allow: false },
      c,
    ),
  );

  const stack = () =>
    new StackFixture()
      .add(W, "api", site)
      .add(web.WebAppFtpAllowed, "api-ftp", { allow: false }, { from: { name: ["api"] } })
      .add(web.WebAppScmAllowed, "api-scm", { allow: false }, { from: { name: ["api"] } })
      .add(web.WebAppSlot, "api-canary", { ...site, slot: "canary" }, { from: { name: ["api"] } })
      .add(
        web.WebAppFtpAllowedSlot,
        "api-canary-ftp",
        { allow: false },
        { from: { name: ["api"], slot: ["api-canary"] } },
      )
      .add(
        web.WebAppScmAllowedSlot,
        "api-canary-scm",
        { allow: false },
        { from: { name: ["api"], slot: ["api-canary"] } },
      );
  const p = rules.webWebAppMissingBasicAuthPolicies;
  it("passes a site and slot with both policies", async () =>
    expect(await stackViolations(p, stack())).toEqual([]));
  it("fails a site without the SCM policy", async () =>
    expect(await stackViolations(p, stack().remove("api-scm"))).toEqual([
      expect.stringMatching(/^api: .*WebAppScmAllowed/),
    ]));
  it("fails a slot without the FTP slot policy", async () =>
    expect(await stackViolations(p, stack().remove("api-canary-ftp"))).toEqual([
      expect.stringMatching(/^api-canary: .*WebAppFtpAllowedSlot/),
    ]));
  it("does not ask a Flex Consumption site for the FTP policy", async () =>
    expect(await stackViolations(p, stack().update("api", { props: flex }).remove("api-ftp"))).toEqual([]));
});

describe("web-webapp-missing-deployment-slot", () => {
  const p = rules.webWebAppMissingDeploymentSlot;
  const stack = () =>
    new StackFixture()
      .add(W, "api", site)
      .add(web.WebAppSlot, "api-canary", { ...site, slot: "canary" }, { from: { name: ["api"] } });
  it("passes a site with a canary slot", async () => expect(await stackViolations(p, stack())).toEqual([]));
  it("fails a site without slots", async () =>
    expect(await stackViolations(p, stack().remove("api-canary"))).toEqual([
      expect.stringMatching(/^api: .*canary/),
    ]));
});

describe("App Service plan rules", () => {
  const plan = {
    resourceGroupName: "rg",
    kind: "elastic",
    sku: { name: "EP1", tier: "ElasticPremium" },
    zoneRedundant: true,
  };
  const sku: RuleCase[] = [
    { it: "passes EP1", expect: null },
    { it: "fails B1", set: { "sku.name": "B1" }, expect: "'B1' has no production SLA" },
    { it: "fails an unset SKU", set: { sku: undefined }, expect: "(unset)" },
  ];
  it.each(sku)("SKU: $it", (c) =>
    expectCase(rules.webAppServicePlanConfigureProductionSku, web.AppServicePlan, plan, c),
  );
  const zr: RuleCase[] = [
    { it: "passes zone redundant", expect: null },
    { it: "fails when unset", set: { zoneRedundant: undefined }, expect: "zoneRedundant to true" },
  ];
  it.each(zr)("zones: $it", (c) =>
    expectCase(rules.webAppServicePlanEnableZoneRedundancy, web.AppServicePlan, plan, c),
  );
});

describe("Static Web App rules", () => {
  const site = {
    resourceGroupName: "rg",
    sku: { name: "Standard", tier: "Standard" },
    stagingEnvironmentPolicy: "Disabled",
    allowConfigFileUpdates: false,
  };
  const S = web.StaticSite;
  it.each<RuleCase>([
    { it: "passes Standard", expect: null },
    { it: "fails Free", set: { sku: { name: "Free", tier: "Free" } }, expect: "'Free'" },
    { it: "fails an unset SKU (Free)", set: { sku: undefined }, expect: "(unset: Free)" },
  ])("SKU: $it", (c) => expectCase(swa.webStaticSiteConfigureStandardSku, S, site, c));
  it.each<RuleCase>([
    { it: "passes disabled previews", expect: null },
    {
      it: "fails unset (Enabled) previews",
      set: { stagingEnvironmentPolicy: undefined },
      expect: "'Disabled'",
    },
  ])("previews: $it", (c) => expectCase(swa.webStaticSiteDisableStagingEnvironments, S, site, c));
  it.each<RuleCase>([
    { it: "passes false", expect: null },
    {
      it: "fails unset (true)",
      set: { allowConfigFileUpdates: undefined },
      expect: "allowConfigFileUpdates to false",
    },
  ])("config updates: $it", (c) => expectCase(swa.webStaticSiteDisallowConfigFileUpdates, S, site, c));

  const p = swa.webStaticSiteEnforceRepositoryTokenProvenance;
  it("passes a site without a repository token (CI deploys with the SWA token)", async () =>
    expect(await stackViolations(p, new StackFixture().add(S, "web", site))).toEqual([]));
  it("fails a literal repository token", async () =>
    expect(
      await stackViolations(p, new StackFixture().add(S, "web", { ...site, repositoryToken: "ghp_literal" })),
    ).toEqual([expect.stringMatching(/^web: repositoryToken/)]));
  it("passes a token declared as secret config", async () =>
    expect(
      await stackViolations(p, new StackFixture().add(S, "web", { ...site, repositoryToken: "ghp" }), {
        configSecretFor: [{ name: "^web$", reason: "token read with requireSecret" }],
      }),
    ).toEqual([]));
});
