import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as network from "@pulumi/azure-native/network";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as resources from "@pulumi/azure-native/resources";
import * as random from "@pulumi/random";
import * as vercel from "@pulumiverse/vercel";
import { describe, expect, it } from "vitest";
import * as ac from "../../policies/rules/appConfiguration";
import * as cc from "../../policies/rules/crossCutting";
import * as net from "../../policies/rules/network";
import * as vc from "../../policies/rules/vercel";
import { unknownObject } from "../../offline/policy-engine/sdk-internals";
import { expectCase, remediate, type RuleCase, StackFixture, stackOutcome, stackViolations } from "./helpers";

const store = {
  resourceGroupName: "rg",
  sku: { name: "standard" },
  disableLocalAuth: true,
  enablePurgeProtection: true,
  softDeleteRetentionInDays: 7,
  publicNetworkAccess: "Disabled",
};
const S = appconfiguration.ConfigurationStore;
const ffType = "application/vnd.microsoft.appconfig.ff+json;charset=utf-8";
const flag = {
  resourceGroupName: "rg",
  configStoreName: "cs",
  keyValueName: ".appconfig.featureflag~2FENABLE_DARK_MODE",
  contentType: ffType,
  value: JSON.stringify({
    id: "ENABLE_DARK_MODE",
    enabled: true,
    conditions: {
      client_filters: [
        { name: "Microsoft.Targeting", parameters: { Audience: { DefaultRolloutPercentage: 100 } } },
      ],
    },
  }),
};

describe("App Configuration rules", () => {
  it.each<RuleCase>([
    { it: "passes local auth off", expect: null },
    {
      it: "fails when unset (keys accepted)",
      set: { disableLocalAuth: undefined },
      expect: "disableLocalAuth to true",
    },
  ])("local auth: $it", (c) => expectCase(ac.appConfigurationStoreDisableLocalAuth, S, store, c));
  it("local-auth remediation sets disableLocalAuth", async () =>
    expect(
      (await remediate(ac.appConfigurationStoreDisableLocalAuth, S, { ...store, disableLocalAuth: false }))?.[
        "disableLocalAuth"
      ],
    ).toBe(true));
  it.each<RuleCase>([
    { it: "passes purge protection", expect: null },
    {
      it: "fails when unset (missing counts as failed)",
      set: { enablePurgeProtection: undefined },
      expect: "enablePurgeProtection to true",
    },
  ])("purge protection: $it", (c) => expectCase(ac.appConfigurationStoreEnablePurgeProtection, S, store, c));
  it.each<RuleCase>([
    { it: "passes standard", expect: null },
    { it: "fails free", set: { "sku.name": "free" }, expect: "'free'" },
  ])("SKU: $it", (c) => expectCase(ac.appConfigurationStoreConfigureStandardSku, S, store, c));
  it.each<RuleCase>([
    { it: "passes disabled public access", expect: null },
    { it: "fails when unset", set: { publicNetworkAccess: undefined }, expect: "'Disabled'" },
  ])("public access: $it", (c) =>
    expectCase(ac.appConfigurationStoreDisallowPublicNetworkAccess, S, store, c),
  );

  const K = appconfiguration.KeyValue;
  it.each<RuleCase>([
    {
      it: "passes a Key Vault reference for a secret key",
      props: {
        keyValueName: "Api:JWT_SECRET",
        contentType: "application/vnd.microsoft.appconfig.keyvaultref+json;charset=utf-8",
        value: "{}",
      },
      expect: null,
    },
    {
      it: "fails a plaintext secret key",
      props: { keyValueName: "Api:JWT_SECRET", value: "hunter2" },
      expect: "make it a Key Vault reference",
    },
    {
      it: "passes a plain non-secret key",
      props: { keyValueName: "Api:PAGE_SIZE", value: "50" },
      expect: null,
    },
    { it: "leaves feature flags to the flag rule", expect: null },
  ])("plaintext secrets: $it", (c) =>
    expectCase(ac.appConfigurationKeyValueDisallowPlaintextSecrets, K, flag, c),
  );
  it.each<RuleCase>([
    { it: "passes a Targeting flag in the feature-management schema", expect: null },
    {
      it: "fails a flag without the feature-flag content type",
      set: { contentType: "application/json" },
      expect: "set 'application/vnd.microsoft.appconfig.ff+json",
    },
    {
      it: "fails a flag whose id differs from its key",
      set: { value: JSON.stringify({ id: "OTHER", enabled: true }) },
      expect: "differs from the key",
    },
    { it: "fails a flag that is not JSON", set: { value: "on" }, expect: "is not JSON" },
    {
      it: "fails Microsoft.Percentage (ignored by the JavaScript library)",
      set: {
        value: JSON.stringify({
          id: "ENABLE_DARK_MODE",
          enabled: true,
          conditions: { client_filters: [{ name: "Microsoft.Percentage" }] },
        }),
      },
      expect: "use Microsoft.Targeting",
    },
    {
      it: "fails the flag content type on a key without the prefix",
      set: { keyValueName: "ENABLE_DARK_MODE" },
      expect: "rename it",
    },
    {
      it: "ignores ordinary key-values",
      props: { keyValueName: "Api:PAGE_SIZE", value: "50" },
      expect: null,
      notApplicable: "not a feature flag",
    },
  ])("feature flags: $it", (c) =>
    expectCase(ac.appConfigurationKeyValueConfigureFeatureFlagFormat, K, flag, c),
  );
});

describe("private endpoints", () => {
  const stack = () =>
    new StackFixture()
      .add(redisenterprise.RedisEnterprise, "cache", { publicNetworkAccess: "Disabled" })
      .add(keyvault.Vault, "kv", { properties: { publicNetworkAccess: "Disabled" } })
      .add(dbforpostgresql.Server, "pg", { network: { delegatedSubnetResourceId: "/subnets/pg" } })
      .add(network.PrivateEndpoint, "cache-pe", {}, { from: { privateLinkServiceConnections: ["cache"] } })
      .add(network.PrivateEndpoint, "kv-pe", {}, { from: { privateLinkServiceConnections: ["kv"] } })
      .add(network.PrivateDnsZoneGroup, "cache-pe-dns", {}, { from: { privateEndpointName: ["cache-pe"] } })
      .add(network.PrivateDnsZoneGroup, "kv-pe-dns", {}, { from: { privateEndpointName: ["kv-pe"] } });
  const p = net.networkPrivateEndpointMissingForPrivateService;
  it("passes private services with endpoints (and a VNet-integrated server without one)", async () =>
    expect(await stackViolations(p, stack())).toEqual([]));
  it("fails a private service without an endpoint", async () =>
    expect(await stackViolations(p, stack().remove("kv-pe").remove("kv-pe-dns"))).toEqual([
      expect.stringMatching(/^kv: /),
    ]));
  it("does not require endpoints for public services", async () =>
    expect(
      await stackViolations(
        p,
        stack()
          .update("cache", { props: { publicNetworkAccess: "Enabled" } })
          .remove("cache-pe")
          .remove("cache-pe-dns"),
      ),
    ).toEqual([]));
  it("skips a service whose access setting is unknown during preview", async () =>
    expect(
      await stackOutcome(
        p,
        stack()
          .update("kv", { props: { properties: unknownObject } })
          .remove("kv-pe")
          .remove("kv-pe-dns"),
      ),
    ).toEqual({ violations: [] }));
  it("fails an endpoint without a DNS zone group", async () =>
    expect(
      await stackViolations(net.networkPrivateEndpointMissingDnsZoneGroup, stack().remove("kv-pe-dns")),
    ).toEqual([expect.stringMatching(/^kv-pe: /)]));
  it("passes endpoints with DNS zone groups", async () =>
    expect(await stackViolations(net.networkPrivateEndpointMissingDnsZoneGroup, stack())).toEqual([]));
});

describe("Vercel rules", () => {
  const env = {
    projectId: "prj",
    key: "DATABASE_URL",
    value: "postgres://...",
    sensitive: true,
    targets: ["production", "preview"],
  };
  const E = vercel.ProjectEnvironmentVariable;
  it.each<RuleCase>([
    { it: "passes a sensitive secret", expect: null },
    { it: "fails a non-sensitive secret", set: { sensitive: false }, expect: "set sensitive: true" },
    {
      it: "fails a secret sent to development",
      set: { targets: ["production", "development"] },
      expect: "targets development",
    },
    {
      it: "passes a public NEXT_PUBLIC_ value",
      set: { key: "NEXT_PUBLIC_API_URL", sensitive: false },
      expect: null,
    },
    {
      it: "checks every variable of the plural resource",
      cls: vercel.ProjectEnvironmentVariables,
      props: {
        projectId: "prj",
        variables: [{ key: "JWT_SECRET", value: "x", sensitive: false, targets: ["production"] }],
      },
      expect: "'JWT_SECRET'",
    },
  ])("sensitive: $it", (c) => expectCase(vc.vercelEnvironmentVariableEnforceSensitive, E, env, c));

  const stack = () =>
    new StackFixture()
      .add(random.RandomPassword, "db-password", { length: 32 })
      .add(E, "web-database-url", env, { from: { value: ["db-password"] } })
      .add(E, "web-api-url", { ...env, key: "NEXT_PUBLIC_API_URL", sensitive: false });
  const p = vc.vercelEnvironmentVariableEnforceValueProvenance;
  it("passes a secret derived from stack resources and a public literal", async () =>
    expect(await stackViolations(p, stack())).toEqual([]));
  it("fails a literal secret", async () =>
    expect(await stackViolations(p, stack().update("web-database-url", { opts: { from: {} } }))).toEqual([
      expect.stringMatching(/^web-database-url: DATABASE_URL/),
    ]));
  it("passes a third-party key declared as secret config", async () =>
    expect(
      await stackViolations(p, stack().add(E, "web-openai-api-key", { ...env, key: "OPENAI_API_KEY" }), {
        configSecretFor: [{ name: "openai", reason: "third-party key from requireSecret" }],
      }),
    ).toEqual([]));

  const project = {
    name: "web",
    framework: "nextjs",
    vercelAuthentication: { deploymentType: "standard_protection_new" },
    gitForkProtection: true,
  };
  it.each<RuleCase>([
    { it: "passes standard protection", expect: null },
    {
      it: "treats unset protection as the standard default",
      set: { vercelAuthentication: undefined, gitForkProtection: undefined },
      expect: null,
    },
    {
      it: "fails deploymentType none",
      set: { "vercelAuthentication.deploymentType": "none" },
      expect: "standard_protection_new",
    },
    {
      it: "fails fork protection off",
      set: { gitForkProtection: false },
      expect: "gitForkProtection to true",
    },
  ])("protection: $it", (c) =>
    expectCase(vc.vercelProjectEnableDeploymentProtection, vercel.Project, project, c),
  );

  const rateRule = {
    name: "ip-limit",
    conditionGroups: [],
    action: {
      action: "rate_limit",
      rateLimit: { limit: 100, window: 60, keys: ["ip"], algo: "fixed_window", action: "deny" },
    },
  };
  const fw = {
    projectId: "prj",
    enabled: true,
    rules: { rules: [rateRule] },
    managedRulesets: {
      owasp: { sqli: { active: true, action: "deny" }, xss: { active: true, action: "deny" } },
    },
  };
  const fwStack = () =>
    new StackFixture()
      .add(vercel.Project, "web", project)
      .add(vercel.FirewallConfig, "web-fw", fw, { from: { projectId: ["web"] } });
  it("passes a project with a rate-limit rule", async () =>
    expect(await stackViolations(vc.vercelProjectMissingFirewallRateLimit, fwStack())).toEqual([]));
  it("fails a project without a firewall", async () =>
    expect(
      await stackViolations(vc.vercelProjectMissingFirewallRateLimit, fwStack().remove("web-fw")),
    ).toEqual([expect.stringMatching(/^web: .*rate limit/)]));
  it("fails a firewall without a rate-limit rule", async () =>
    expect(
      await stackViolations(
        vc.vercelProjectMissingFirewallRateLimit,
        fwStack().update("web-fw", { props: { rules: { rules: [] } } }),
      ),
    ).toHaveLength(1));
  it("fails a disabled firewall", async () =>
    expect(
      await stackViolations(
        vc.vercelProjectMissingFirewallRateLimit,
        fwStack().update("web-fw", { props: { enabled: false } }),
      ),
    ).toHaveLength(1));
  it.each<RuleCase>([
    { it: "passes sqli and xss active", expect: null },
    {
      it: "fails without managed rulesets",
      set: { managedRulesets: undefined },
      expect: "activate managedRulesets.owasp",
    },
  ])("OWASP: $it", (c) =>
    expectCase(vc.vercelFirewallConfigEnableOwaspRulesets, vercel.FirewallConfig, fw, c),
  );

  const rr = {
    projectId: "prj",
    advancementType: "automatic",
    stages: [
      { targetPercentage: 10, duration: 5 },
      { targetPercentage: 50, duration: 5 },
      { targetPercentage: 100 },
    ],
  };
  it.each<RuleCase>([
    { it: "passes 10 -> 50 -> 100", expect: null },
    {
      it: "fails stages that do not end at 100",
      set: { stages: [{ targetPercentage: 20, duration: 5 }, { targetPercentage: 50 }] },
      expect: "last stage is not 100%",
    },
    {
      it: "fails falling percentages",
      set: {
        stages: [
          { targetPercentage: 50, duration: 5 },
          { targetPercentage: 10, duration: 5 },
          { targetPercentage: 100 },
        ],
      },
      expect: "do not rise",
    },
    {
      it: "fails an automatic stage without duration",
      set: { stages: [{ targetPercentage: 10 }, { targetPercentage: 100 }] },
      expect: "no duration",
    },
    {
      it: "fails durations on manual approval",
      set: { advancementType: "manual-approval" },
      expect: "cannot have durations",
    },
  ])("rolling release: $it", (c) =>
    expectCase(vc.vercelProjectRollingReleaseConfigureStages, vercel.ProjectRollingRelease, rr, c),
  );
});

describe("cross-cutting rules", () => {
  it.each<RuleCase>([
    { it: "passes 32 characters with every class", config: { minLength: 32 }, expect: null },
    { it: "fails a short password", set: { length: 16 }, config: { minLength: 24 }, expect: "below 24" },
    { it: "fails a password without special characters", set: { special: false }, expect: "special: false" },
    { it: "treats unset classes as on", props: { length: 32 }, expect: null },
  ])("password strength: $it", (c) =>
    expectCase(
      cc.randomPasswordConfigureStrength,
      random.RandomPassword,
      { length: 32, special: true, upper: true },
      c,
    ),
  );

  it.each<RuleCase>([
    { it: "passes a default-version type", cls: resources.ResourceGroup, expect: null },
    {
      it: "fails an explicitly versioned preview type",
      cls: { __pulumiType: "azure-native:web:v20240401preview:WebApp" },
      expect: "preview API version",
    },
    {
      it: "passes a versioned stable type",
      cls: { __pulumiType: "azure-native:web:v20240401:WebApp" },
      expect: null,
    },
    {
      it: "ignores other providers",
      cls: random.RandomPassword,
      expect: null,
      notApplicable: "not an azure-native",
    },
  ])("preview API versions: $it", (c) =>
    expectCase(cc.azureNativeDisallowPreviewApiVersions, resources.ResourceGroup, {}, c),
  );

  const tagged = { tags: { environment: "production", owner: "platform-team", "managed-by": "pulumi" } };
  it("passes resources with the required tags", async () =>
    expect(
      await stackViolations(
        cc.azureResourceMissingRequiredTags,
        new StackFixture().add(resources.ResourceGroup, "rg", tagged),
      ),
    ).toEqual([]));
  it("fails a resource missing a required tag", async () =>
    expect(
      await stackViolations(
        cc.azureResourceMissingRequiredTags,
        new StackFixture().add(keyvault.Vault, "kv", { tags: { environment: "production" } }),
        {
          requiredTags: ["environment", "owner"],
        },
      ),
    ).toEqual([expect.stringMatching(/^kv: .*lacks tags owner/)]));
  it("does not ask untaggable types for tags", async () =>
    expect(
      await stackViolations(
        cc.azureResourceMissingRequiredTags,
        new StackFixture().add(random.RandomPassword, "pw", { length: 32 }),
      ),
    ).toEqual([]));

  it("passes protected stateful resources", async () =>
    expect(
      await stackViolations(
        cc.azureStatefulEnforceProtect,
        new StackFixture()
          .add(dbforpostgresql.Server, "pg", {}, { protect: true })
          .add(resources.ResourceGroup, "rg", {}),
      ),
    ).toEqual([]));
  it("fails an unprotected database server", async () =>
    expect(
      await stackViolations(
        cc.azureStatefulEnforceProtect,
        new StackFixture().add(dbforpostgresql.Server, "pg", {}),
      ),
    ).toEqual([expect.stringMatching(/^pg: .*not protected/)]));
});
