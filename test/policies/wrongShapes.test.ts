// The rules' explicit decisions on inputs of the wrong type, null or absent, with the production net off: each case
// is what the rule itself says (security rules fail closed), not what the last-resort net would say.
import { describe, expect, it } from "vitest";
import { isResourcePolicy } from "../../offline/policy-engine/emulator";
import { withoutShapeNet } from "../../policies/lib/rule";
import { rules } from "../../policies/rules";
import { check } from "./helpers";

interface ShapeCase {
  /** What the case shows. */
  readonly it: string;
  /** The rule's name. */
  readonly rule: string;
  /** The resource type token. */
  readonly type: string;
  /** The resource's inputs. */
  readonly props: Record<string, unknown>;
  /** The exact violation messages. */
  readonly expect: readonly string[];
}

const cases: readonly ShapeCase[] = [
  {
    it: "a storage account with no sku is not redundant",
    rule: "storage-account-configure-redundant-sku",
    type: "azure-native:storage:StorageAccount",
    props: {},
    expect: ["SKU '(unset)' keeps one zone's copies: use Standard_ZRS or Standard_GZRS."],
  },
  {
    it: "a Redis cluster whose sku name is a number cannot be shown current",
    rule: "redis-cluster-disallow-legacy-sku",
    type: "azure-native:redisenterprise:RedisEnterprise",
    props: { sku: { name: 5 } },
    expect: ["SKU is unset or not a string: set sku.name to a Balanced_B* or MemoryOptimized_M* SKU."],
  },
  {
    it: "an App Configuration store whose sku is null is not standard",
    rule: "appconfiguration-store-configure-standard-sku",
    type: "azure-native:appconfiguration:ConfigurationStore",
    props: { sku: null },
    expect: ["SKU '(unset)' has no SLA or private link: set sku.name to 'standard'."],
  },
  {
    it: "a vault whose properties are null has no purge protection",
    rule: "keyvault-vault-enable-purge-protection",
    type: "azure-native:keyvault:Vault",
    props: { properties: null },
    expect: ["Deleted secrets can be purged at once: set properties.enablePurgeProtection to true."],
  },
  {
    it: "a soft-delete retention given as a string cannot be shown to meet the minimum",
    rule: "keyvault-vault-enable-soft-delete",
    type: "azure-native:keyvault:Vault",
    props: { properties: { softDeleteRetentionInDays: "90" } },
    expect: ["Soft-delete retention is a string: set softDeleteRetentionInDays to at least 7."],
  },
  {
    it: "access policies that are not a list cannot be shown empty",
    rule: "keyvault-vault-enable-rbac-authorization",
    type: "azure-native:keyvault:Vault",
    props: { properties: { enableRbacAuthorization: true, accessPolicies: {} } },
    expect: ["Vault has access policies: remove them and use role assignments."],
  },
  {
    it: "a secret expiry given as a date string is named as the wrong type",
    rule: "keyvault-secret-configure-expiration",
    type: "azure-native:keyvault:Secret",
    props: { properties: { attributes: { expires: "2030-01-01" } } },
    expect: ["properties.attributes.expires is a string: set it to a Unix time in seconds."],
  },
  {
    it: "a secret expiry that is null never expires",
    rule: "keyvault-secret-configure-expiration",
    type: "azure-native:keyvault:Secret",
    props: { properties: { attributes: { expires: null } } },
    expect: ["Secret never expires: set properties.attributes.expires and rotate it."],
  },
  {
    it: "CORS origins given as a string instead of a list fail",
    rule: "web-webapp-disallow-cors-wildcard",
    type: "azure-native:web:WebApp",
    props: { siteConfig: { cors: { allowedOrigins: "*" } } },
    expect: ["CORS allowedOrigins is not a list of origins: list the frontends' https:// origins."],
  },
  {
    it: "an app setting whose name is not a string may be a secret's; a null entry holds nothing",
    rule: "web-webapp-enforce-keyvault-references",
    type: "azure-native:web:WebApp",
    props: { siteConfig: { appSettings: [{ name: 7, value: "plain" }, null, { name: "MODE", value: "x" }] } },
    expect: [
      "app setting '(name not a string)' holds a plain value: store it in Key Vault and set '@Microsoft.KeyVault(SecretUri=...)'.",
    ],
  },
  {
    it: "a Vercel variable with a key that is not a string counts as secret; targets that are not a list fail",
    rule: "vercel-environmentvariable-enforce-sensitive",
    type: "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables",
    props: {
      variables: [
        { key: 1, sensitive: true, targets: ["production"] },
        { key: "API_TOKEN", sensitive: "yes", targets: "production" },
      ],
    },
    expect: [
      "Variable 'API_TOKEN' is readable in the Vercel dashboard: set sensitive: true.",
      "Variable 'API_TOKEN' targets is not a list of environments: target production/preview only.",
    ],
  },
  {
    it: "a Vercel variables list that is not a list is one keyless, non-sensitive variable",
    rule: "vercel-environmentvariable-enforce-sensitive",
    type: "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables",
    props: { variables: { key: "API_TOKEN" } },
    expect: ["Variable '(key not a string)' is readable in the Vercel dashboard: set sensitive: true."],
  },
  {
    it: "a key-value whose name is null fails the plaintext-secret rule",
    rule: "appconfiguration-keyvalue-disallow-plaintext-secrets",
    type: "azure-native:appconfiguration:KeyValue",
    props: { keyValueName: null, value: "x" },
    expect: ["keyValueName is unset: set it to the key's name."],
  },
  {
    it: "a feature flag whose value is JSON but not an object is named as such",
    rule: "appconfiguration-keyvalue-configure-feature-flag-format",
    type: "azure-native:appconfiguration:KeyValue",
    props: {
      keyValueName: ".appconfig.featureflag~2Fbeta",
      contentType: "application/vnd.microsoft.appconfig.ff+json;charset=utf-8",
      value: "null",
    },
    expect: ['Feature flag \'beta\' value is not a JSON object: write {"id":"beta","enabled":...}.'],
  },
  {
    it: "alert actions that are null or carry a non-string id name no action group",
    rule: "monitor-alert-configure-action-group",
    type: "azure-native:monitor:MetricAlert",
    props: { enabled: true, actions: [null, { actionGroupId: 5 }] },
    expect: ["Alert fires into the void: add the stack's action group to its actions."],
  },
  {
    it: "a rolling release with null stages has none",
    rule: "vercel-projectrollingrelease-configure-stages",
    type: "vercel:index/projectRollingRelease:ProjectRollingRelease",
    props: { advancementType: "automatic", stages: null },
    expect: [
      "0 stages: use between 1 and 10.",
      "The last stage is not 100%: end the stages with {targetPercentage: 100}.",
    ],
  },
  {
    it: "a grant whose privileges are a string instead of a list cannot be checked for DDL",
    rule: "postgresql-grant-disallow-ddl-privileges",
    type: "postgresql:index/grant:Grant",
    props: { role: "app", objectType: "table", privileges: "CREATE" },
    expect: [
      "Grant cannot be checked (privileges is a string): set role to a role name, objectType to a string and privileges to a list of privilege names.",
    ],
  },
  {
    it: "firewall addresses that are not strings are not the 0.0.0.0 rule (the range rule reports them)",
    rule: "postgresql-firewallrule-disallow-azure-services",
    type: "azure-native:dbforpostgresql:FirewallRule",
    props: { startIpAddress: 0, endIpAddress: 0 },
    expect: [],
  },
  {
    it: "a server parameter whose name is a number is none of the checked parameters",
    rule: "postgresql-configuration-enforce-secure-transport",
    type: "azure-native:dbforpostgresql:Configuration",
    props: { configurationName: 5, value: "OFF" },
    expect: [],
  },
];

describe("rules decide wrong types, null and absent values themselves (no net)", () => {
  it.each(cases.map((c) => [c.it, c] as const))("%s", async (_name, c) => {
    const rule = rules.find((r) => r.name === c.rule);
    if (rule === undefined || !isResourcePolicy(rule)) throw new Error(`no resource rule ${c.rule}`);
    const outcome = await withoutShapeNet(() => check(rule, { __pulumiType: c.type }, c.props));
    expect(outcome.notApplicable).toBeUndefined();
    expect(outcome.violations.map((v) => v.message)).toEqual(c.expect);
  });
});
