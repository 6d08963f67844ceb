import * as fs from "node:fs";
import * as path from "node:path";
import * as app from "@pulumi/azure-native/app";
import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import * as compute from "@pulumi/azure-native/compute";
import * as containerinstance from "@pulumi/azure-native/containerinstance";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as cosmosdb from "@pulumi/azure-native/cosmosdb";
import * as dbformysql from "@pulumi/azure-native/dbformysql";
import * as sql from "@pulumi/azure-native/sql";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import * as mongocluster from "@pulumi/azure-native/mongocluster";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as redis from "@pulumi/azure-native/redis";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";
import * as webpubsub from "@pulumi/azure-native/webpubsub";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import * as vercel from "@pulumiverse/vercel";
import { describe, expect, it } from "vitest";
import { anchorTagPrefixes, profileOf } from "../../policies/lib/metadata";
import { rules } from "../../policies/rules";

const verbs = ["missing", "disallow", "enable", "disable", "configure", "enforce"];
const levels = ["advisory", "mandatory", "remediate", "disabled"];
const configDir = path.join(__dirname, "../../policies/config");
const stackConfigs = fs.readdirSync(configDir).filter((f) => f.endsWith(".json"));

/** The classes each rule is meant to bind to, by their registered `__pulumiType`. */
const expectedTypes: Record<string, readonly unknown[]> = {
  "postgresql-server": [dbforpostgresql.Server],
  "postgresql-configuration": [dbforpostgresql.Configuration],
  "postgresql-firewallrule": [dbforpostgresql.FirewallRule],
  "postgresql-role": [postgresql.Role],
  "postgresql-grant": [postgresql.Grant],
  "postgresql-defaultprivileges": [postgresql.DefaultPrivileges],
  "postgresql-extension": [postgresql.Extension],
  "postgresql-provider": [],
  "redis-cache": [redis.Redis],
  "redis-cluster": [redisenterprise.RedisEnterprise],
  "redis-database": [redisenterprise.Database],
  "web-webapp": [web.WebApp],
  "web-webappftpallowed": [web.WebAppFtpAllowed, web.WebAppFtpAllowedSlot],
  "web-webappscmallowed": [web.WebAppScmAllowed, web.WebAppScmAllowedSlot],
  "web-appserviceplan": [web.AppServicePlan],
  "web-staticsite": [web.StaticSite],
  "keyvault-vault": [keyvault.Vault],
  "keyvault-secret": [keyvault.Secret],
  "storage-account": [storage.StorageAccount],
  "storage-blobservice": [storage.BlobServiceProperties],
  "applicationinsights-component": [applicationinsights.Component],
  "applicationinsights-webtest": [applicationinsights.WebTest],
  "operationalinsights-workspace": [operationalinsights.Workspace],
  "monitor-actiongroup": [monitor.ActionGroup],
  "monitor-alert": [monitor.MetricAlert, monitor.ScheduledQueryRule],
  "monitor-diagnosticsetting": [monitor.DiagnosticSetting],
  "appconfiguration-store": [appconfiguration.ConfigurationStore],
  "appconfiguration-keyvalue": [appconfiguration.KeyValue],
  "network-privateendpoint": [network.PrivateEndpoint],
  "vercel-environmentvariable": [vercel.ProjectEnvironmentVariable, vercel.ProjectEnvironmentVariables],
  "vercel-project": [vercel.Project],
  "vercel-firewallconfig": [vercel.FirewallConfig],
  "vercel-projectrollingrelease": [vercel.ProjectRollingRelease],
  "random-password": [random.RandomPassword],
  "azure-resource": [resources.ResourceGroup],
  "sql-firewallrule": [sql.FirewallRule],
  "mysql-firewallrule": [dbformysql.FirewallRule],
  "cosmosdb-databaseaccount": [cosmosdb.DatabaseAccount],
  "mongocluster-cluster": [mongocluster.MongoCluster],
  "mongocluster-firewallrule": [mongocluster.FirewallRule],
  "webpubsub-service": [webpubsub.WebPubSub],
  "webpubsub-hub": [webpubsub.WebPubSubHub],
  "compute-virtualmachine": [compute.VirtualMachine],
  "network-networkinterface": [network.NetworkInterface],
  "containerregistry-registry": [containerregistry.Registry],
  "app-containerapp": [app.ContainerApp],
  "containerinstance-containergroup": [containerinstance.ContainerGroup],
  "azure-stateful": [dbforpostgresql.Server, keyvault.Vault, redisenterprise.RedisEnterprise],
};

function subjectKey(name: string): string {
  const parts = name.split("-");
  return parts
    .slice(
      0,
      parts.findIndex((p, i) => i >= 2 && verbs.includes(p)),
    )
    .join("-");
}

describe("rule registry", () => {
  it("has at least 60 rules with unique names", () => {
    expect(rules.length).toBeGreaterThanOrEqual(60);
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
  });

  it.each(rules.map((r) => [r.name, r] as const))(
    "%s is named <service>-<resource>-<verb>-<what>",
    (name) => {
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+){3,}$/);
      const verbIndex = name.split("-").findIndex((p, i) => i >= 2 && verbs.includes(p));
      expect(verbIndex).toBeGreaterThanOrEqual(2);
      expect(verbIndex).toBeLessThan(name.split("-").length - 1);
    },
  );

  it.each(rules.map((r) => [r.name, r] as const))(
    "%s carries description, severity, tags, remediation and framework",
    (_n, rule) => {
      expect(rule.description.length).toBeGreaterThan(30);
      expect(["low", "medium", "high", "critical"]).toContain(rule.severity);
      expect(rule.tags?.some((t) => t.startsWith("checklist:"))).toBe(true);
      expect(rule.tags?.filter((t) => t.startsWith("profile:"))).toEqual([`profile:${profileOf(rule)}`]);
      expect(
        rule.tags?.every(
          (t) =>
            t.startsWith("profile:") ||
            t.startsWith("checklist:") ||
            anchorTagPrefixes.some((p) => t.startsWith(p)),
        ),
      ).toBe(true);
      expect(rule.remediationSteps?.length ?? 0).toBeGreaterThan(10);
      expect(rule.framework?.name).toBe("internal-security-checklist");
      expect(levels).toContain(rule.enforcementLevel);
      expect(rule.configSchema?.properties).toHaveProperty("excludeFor");
    },
  );

  it("platform conventions (tags, protection, coverage, slots, SKUs) are in the platform profile, the rest in security", () => {
    const platform = rules.filter((r) => profileOf(r) === "platform").map((r) => r.name);
    expect(platform).toEqual(
      expect.arrayContaining([
        "azure-resource-missing-required-tags",
        "azure-stateful-enforce-protect",
        "monitor-alert-missing-coverage",
        "monitor-diagnosticsetting-missing-coverage",
        "web-webapp-missing-deployment-slot",
      ]),
    );
    expect(platform).not.toContain("storage-account-enforce-https");
    expect(platform).toHaveLength(38);
  });

  it("remediate-level rules have a remediation and only they do", () => {
    for (const rule of rules) {
      const remediates = "remediateResource" in rule && rule.remediateResource !== undefined;
      expect({ name: rule.name, remediates }).toEqual({
        name: rule.name,
        remediates: rule.enforcementLevel === "remediate",
      });
    }
  });
});

describe("type binding against the installed providers", () => {
  it.each(rules.filter((r) => r.subjectTypes.length > 0).map((r) => [r.name, r] as const))(
    "%s binds to the tokens the providers register",
    (name, rule) => {
      const expected = expectedTypes[subjectKey(name)];
      expect(expected, `no expected classes for ${subjectKey(name)}`).toBeDefined();
      for (const cls of expected) {
        // `__pulumiType` is private in the providers' .d.ts; it is what the engine sees as the type token.
        expect(rule.subjectTypes).toContain((cls as { __pulumiType: string }).__pulumiType);
      }
      if ("validateResource" in rule) {
        const validators = ([] as unknown[]).concat(rule.validateResource);
        const bound = validators
          .map((v) => (v as { __pulumiType?: string }).__pulumiType)
          .filter((t) => t !== undefined);
        for (const token of bound) {
          expect(rule.subjectTypes).toContain(token);
        }
      }
    },
  );

  it("the provider rule targets the engine's provider token for @pulumi/postgresql", () => {
    const rule = rules.find((r) => r.name === "postgresql-provider-enforce-ssl-mode");
    expect(postgresql.Provider.isInstance({ __pulumiType: rule?.subjectTypes[0] } as never)).toBe(true);
  });
});

describe("per-stack policy config", () => {
  it("has a config file for staging and production", () => {
    expect(stackConfigs.sort()).toEqual(["production.json", "staging.json"]);
  });

  it.each(stackConfigs)("%s names every rule and only real rules, with valid levels", (file) => {
    const config = JSON.parse(fs.readFileSync(path.join(configDir, file), "utf8")) as Record<
      string,
      { enforcementLevel: string; reason?: string }
    >;
    expect(Object.keys(config).sort()).toEqual(rules.map((r) => r.name).sort());
    for (const [name, entry] of Object.entries(config)) {
      expect(levels, name).toContain(entry.enforcementLevel);
      if (entry.enforcementLevel === "disabled") {
        expect(entry.reason?.length ?? 0, `${name} is disabled without a reason`).toBeGreaterThan(10);
      }
      if (entry.enforcementLevel === "remediate") {
        const rule = rules.find((r) => r.name === name);
        expect(
          rule && "remediateResource" in rule && rule.remediateResource,
          `${name} cannot remediate`,
        ).toBeTruthy();
      }
    }
  });

  it.each(stackConfigs)("%s only sets config keys the rule's schema declares", (file) => {
    const config = JSON.parse(fs.readFileSync(path.join(configDir, file), "utf8")) as Record<
      string,
      Record<string, unknown>
    >;
    for (const rule of rules) {
      const keys = Object.keys(config[rule.name]).filter((k) => k !== "enforcementLevel");
      for (const key of keys) {
        expect(Object.keys(rule.configSchema?.properties ?? {}), `${file}: ${rule.name}.${key}`).toContain(
          key,
        );
      }
    }
  });

  it("production is at least as strict as staging for every rule", () => {
    const rank = { disabled: 0, advisory: 1, mandatory: 2, remediate: 2 } as const;
    const read = (f: string) =>
      JSON.parse(fs.readFileSync(path.join(configDir, f), "utf8")) as Record<
        string,
        { enforcementLevel: keyof typeof rank }
      >;
    const staging = read("staging.json");
    const production = read("production.json");
    for (const rule of rules) {
      expect(rank[production[rule.name].enforcementLevel], rule.name).toBeGreaterThanOrEqual(
        rank[staging[rule.name].enforcementLevel],
      );
    }
  });
});
