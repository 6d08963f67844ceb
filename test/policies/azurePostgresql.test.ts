import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import * as rules from "../../policies/rules/azurePostgresql";
import { unknownString } from "../../offline/policy-engine/sdk-internals";
import { check, StackFixture, stackOutcome, stackViolations, violationsOf } from "./helpers";

const server = (): Record<string, unknown> => ({
  resourceGroupName: "rg",
  version: "16",
  administratorLogin: "pgadmin",
  administratorLoginPassword: "generated",
  sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
  network: {
    delegatedSubnetResourceId: "/subscriptions/s/.../subnets/pg",
    privateDnsZoneArmResourceId: "/zone",
  },
  backup: { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
  highAvailability: { mode: "ZoneRedundant" },
  authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: "Enabled" },
  maintenanceWindow: { customWindow: "Enabled", dayOfWeek: 0, startHour: 2, startMinute: 0 },
});

const S = dbforpostgresql.Server;
const C = dbforpostgresql.Configuration;
const F = dbforpostgresql.FirewallRule;
const cfg = (configurationName: string, value: string) => ({
  resourceGroupName: "rg",
  serverName: "pg",
  configurationName,
  value,
  source: "user-override",
});
const fw = (startIpAddress: string, endIpAddress: string) => ({
  resourceGroupName: "rg",
  serverName: "pg",
  startIpAddress,
  endIpAddress,
});

describe("postgresql-server-disallow-public-network-access", () => {
  const p = rules.postgresqlServerDisallowPublicNetworkAccess;
  it("passes a VNet-integrated server", async () => expect(await violationsOf(p, S, server())).toEqual([]));
  it("passes a public-access-mode server with public access disabled", async () =>
    expect(await violationsOf(p, S, { ...server(), network: { publicNetworkAccess: "Disabled" } })).toEqual(
      [],
    ));
  it("fails a server with public network access enabled", async () =>
    expect(await violationsOf(p, S, { ...server(), network: { publicNetworkAccess: "Enabled" } })).toEqual([
      expect.stringContaining("set network.publicNetworkAccess to 'Disabled'"),
    ]));
  it("treats an unset network block as public", async () =>
    expect(await violationsOf(p, S, { ...server(), network: undefined })).toHaveLength(1));
  it("skips a server excepted by name with a reason", async () => {
    const outcome = await check(
      p,
      S,
      { ...server(), network: undefined },
      {
        name: "legacy-pg",
        config: { excludeFor: [{ name: "^legacy-", reason: "migrated away next quarter" }] },
      },
    );
    expect(outcome.violations).toEqual([]);
    expect(outcome.notApplicable).toContain("migrated away next quarter");
  });
});

describe("postgresql-firewallrule rules", () => {
  const open = rules.postgresqlFirewallRuleDisallowOpenRange;
  const azure = rules.postgresqlFirewallRuleDisallowAzureServices;
  it("passes a single office address", async () =>
    expect(await violationsOf(open, F, fw("203.0.113.7", "203.0.113.7"))).toEqual([]));
  it("fails the whole IPv4 range", async () =>
    expect(await violationsOf(open, F, fw("0.0.0.0", "255.255.255.255"))).toEqual([
      expect.stringContaining("opens 4294967296 addresses"),
    ]));
  it("fails a range wider than the configured size", async () =>
    expect(
      await violationsOf(open, F, fw("10.0.0.0", "10.0.1.255"), { config: { maxAddresses: 256 } }),
    ).toHaveLength(1));
  it("fails addresses that are not IPv4", async () =>
    expect(await violationsOf(open, F, fw("x", "y"))).toHaveLength(1));
  it("fails the allow-Azure-services rule", async () =>
    expect(await violationsOf(azure, F, fw("0.0.0.0", "0.0.0.0"))).toEqual([
      expect.stringContaining("remove it"),
    ]));
  it("passes a normal rule for the Azure-services check", async () =>
    expect(await violationsOf(azure, F, fw("203.0.113.7", "203.0.113.7"))).toEqual([]));
});

describe("postgresql configuration rules", () => {
  it("require_secure_transport ON passes and OFF fails", async () => {
    const p = rules.postgresqlConfigurationEnforceSecureTransport;
    expect(await violationsOf(p, C, cfg("require_secure_transport", "ON"))).toEqual([]);
    expect(await violationsOf(p, C, cfg("require_secure_transport", "off"))).toEqual([
      expect.stringContaining("set it to 'ON'"),
    ]);
    expect(await violationsOf(p, C, cfg("log_connections", "off"))).toEqual([]);
  });
  it("ssl_min_protocol_version TLSv1.2 passes, TLSv1.1 fails", async () => {
    const p = rules.postgresqlConfigurationConfigureMinTls;
    expect(await violationsOf(p, C, cfg("ssl_min_protocol_version", "TLSv1.2"))).toEqual([]);
    expect(await violationsOf(p, C, cfg("ssl_min_protocol_version", "TLSv1.3"))).toEqual([]);
    expect(await violationsOf(p, C, cfg("ssl_min_protocol_version", "TLSv1.1"))).toEqual([
      expect.stringContaining("'TLSv1.2'"),
    ]);
  });
  it("logging switches OFF fail and short log retention fails", async () => {
    const p = rules.postgresqlConfigurationEnableLogging;
    expect(await violationsOf(p, C, cfg("log_checkpoints", "ON"))).toEqual([]);
    expect(await violationsOf(p, C, cfg("log_disconnections", "OFF"))).toEqual([
      expect.stringContaining("set it to 'ON'"),
    ]);
    expect(await violationsOf(p, C, cfg("logfiles.retention_days", "1"))).toEqual([
      expect.stringContaining("at least 3"),
    ]);
    expect(await violationsOf(p, C, cfg("logfiles.retention_days", "7"))).toEqual([]);
  });
});

describe("postgresql server settings", () => {
  it("backup retention: unset counts as 7 days", async () => {
    const p = rules.postgresqlServerConfigureBackupRetention;
    expect(await violationsOf(p, S, server(), { config: { minDays: 35 } })).toEqual([]);
    expect(await violationsOf(p, S, { ...server(), backup: undefined }, { config: { minDays: 7 } })).toEqual(
      [],
    );
    expect(await violationsOf(p, S, { ...server(), backup: undefined }, { config: { minDays: 14 } })).toEqual(
      [expect.stringContaining("kept 7 days")],
    );
  });
  it("geo-redundant backup: Disabled and unset fail", async () => {
    const p = rules.postgresqlServerEnableGeoRedundantBackup;
    expect(await violationsOf(p, S, server())).toEqual([]);
    expect(
      await violationsOf(p, S, { ...server(), backup: { geoRedundantBackup: "Disabled" } }),
    ).toHaveLength(1);
    expect(await violationsOf(p, S, { ...server(), backup: undefined })).toHaveLength(1);
  });
  it("high availability: SameZone only with allowSameZone; unset fails", async () => {
    const p = rules.postgresqlServerEnableHighAvailability;
    expect(await violationsOf(p, S, server())).toEqual([]);
    expect(await violationsOf(p, S, { ...server(), highAvailability: { mode: "SameZone" } })).toHaveLength(1);
    expect(
      await violationsOf(
        p,
        S,
        { ...server(), highAvailability: { mode: "SameZone" } },
        { config: { allowSameZone: true } },
      ),
    ).toEqual([]);
    expect(await violationsOf(p, S, { ...server(), highAvailability: undefined })).toEqual([
      expect.stringContaining("'Disabled'"),
    ]);
  });
  it("Entra auth: unset fails; password auth checked only on request", async () => {
    const p = rules.postgresqlServerEnableEntraAuth;
    expect(await violationsOf(p, S, server())).toEqual([]);
    expect(await violationsOf(p, S, { ...server(), authConfig: undefined })).toHaveLength(1);
    expect(await violationsOf(p, S, server(), { config: { requirePasswordAuthDisabled: true } })).toEqual([
      expect.stringContaining("passwordAuth"),
    ]);
  });
  it("version: unset and 14 fail, 16 passes", async () => {
    const p = rules.postgresqlServerDisallowRetiredVersion;
    expect(await violationsOf(p, S, server())).toEqual([]);
    expect(await violationsOf(p, S, { ...server(), version: "14" })).toEqual([
      expect.stringContaining("16 or newer"),
    ]);
    expect(await violationsOf(p, S, { ...server(), version: undefined })).toHaveLength(1);
  });
  it("maintenance window: unset fails", async () => {
    const p = rules.postgresqlServerConfigureMaintenanceWindow;
    expect(await violationsOf(p, S, server())).toEqual([]);
    expect(await violationsOf(p, S, { ...server(), maintenanceWindow: undefined })).toHaveLength(1);
  });
});

describe("postgresql-server-enforce-password-from-generator", () => {
  const p = rules.postgresqlServerEnforcePasswordFromGenerator;
  const stack = () =>
    new StackFixture()
      .add(random.RandomPassword, "pg-admin-password", { length: 32 })
      .add(S, "pg", server(), { from: { administratorLoginPassword: ["pg-admin-password"] } });
  it("passes a password derived from a RandomPassword", async () =>
    expect(await stackViolations(p, stack())).toEqual([]));
  it("fails a literal password", async () =>
    expect(await stackViolations(p, stack().update("pg", { opts: { from: {} } }))).toEqual([
      expect.stringMatching(/^pg: .*no generator.*random\.RandomPassword/),
    ]));
  it("fails a password derived from something that is not a generator", async () =>
    expect(
      await stackViolations(
        p,
        stack()
          .add(C, "other", cfg("x", "y"))
          .update("pg", { opts: { from: { administratorLoginPassword: ["other"] } } }),
      ),
    ).toEqual([expect.stringContaining("azure-native:dbforpostgresql:Configuration")]));
  it("passes an Entra-only server without a password", async () =>
    expect(
      await stackViolations(
        p,
        stack().update("pg", { props: { administratorLoginPassword: undefined }, opts: { from: {} } }),
      ),
    ).toEqual([]));
  it("skips a password that is unknown during preview instead of failing", async () => {
    const outcome = await stackOutcome(
      p,
      stack().update("pg", { props: { administratorLoginPassword: unknownString }, opts: { from: {} } }),
    );
    expect(outcome.violations).toEqual([]);
    expect(outcome.unknown).toBeUndefined();
  });
  it("accepts a server listed under configSecretFor", async () =>
    expect(
      await stackViolations(p, stack().update("pg", { opts: { from: {} } }), {
        configSecretFor: [{ name: "^pg$", reason: "password is rotated by the DBA team" }],
      }),
    ).toEqual([]));
});

describe("postgresql-server-missing-connection-logging", () => {
  const p = rules.postgresqlServerMissingConnectionLogging;
  const stack = () =>
    new StackFixture()
      .add(S, "pg", server())
      .add(C, "pg-log-connections", cfg("log_connections", "ON"), { from: { serverName: ["pg"] } });
  it("passes when a log_connections=ON configuration references the server", async () =>
    expect(await stackViolations(p, stack())).toEqual([]));
  it("fails when the configuration is missing", async () =>
    expect(await stackViolations(p, stack().remove("pg-log-connections"))).toEqual([
      expect.stringMatching(/^pg: .*log_connections/),
    ]));
  it("fails when the configuration is OFF", async () =>
    expect(
      await stackViolations(p, stack().update("pg-log-connections", { props: { value: "OFF" } })),
    ).toHaveLength(1));
  it("fails when the configuration belongs to another server", async () =>
    expect(await stackViolations(p, stack().add(S, "pg2", server()))).toEqual([
      expect.stringMatching(/^pg2: /),
    ]));
});
