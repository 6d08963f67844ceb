import { beforeAll, describe, expect, it } from "vitest";
import { Database, type DatabaseArgs } from "../../components/database";
import { DatabaseObjects } from "../../components/databaseObjects";
import type { StackConfig } from "../../config/schema";
import { stackConfig, namingFor } from "../support/config";
import {
  countByType,
  one,
  ofType,
  parentName,
  record,
  type ResourceRecord,
  type SynthesisResult,
} from "../support/index";

const SERVER = "azure-native:dbforpostgresql:Server";
const CONFIG = "azure-native:dbforpostgresql:Configuration";
const FIREWALL = "azure-native:dbforpostgresql:FirewallRule";
const DB = "azure-native:dbforpostgresql:Database";
const SECRET = "azure-native:keyvault:Secret";
const ENTRA_ADMIN = "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const PROVIDER = "pulumi:providers:postgresql";
const ROLE = "postgresql:index/role:Role";
const GRANT = "postgresql:index/grant:Grant";
const DEFAULTS = "postgresql:index/defaultPrivileges:DefaultPrivileges";
const SCHEMA = "postgresql:index/schema:Schema";
const EXTENSION = "postgresql:index/extension:Extension";

type Stack = "staging" | "production";
type Patch = Parameters<typeof stackConfig>[1];

function argsFor(stack: Stack, patch: Patch = {}): DatabaseArgs {
  const c: StackConfig = stackConfig(stack, patch);
  const isPrivate = c.network.mode === "private";
  return {
    naming: namingFor(c, stack),
    resourceGroupName: "rg-shop",
    location: c.environment.location,
    config: c.database,
    vault: { vaultName: "kv-shop", resourceGroupName: "rg-shop", expiresAt: 1809129600 },
    rotatedOn: c.secrets.rotatedOn,
    network: {
      mode: c.network.mode,
      allowedIpRanges: c.network.allowedIpRanges,
      deployerIpRanges: c.network.deployerIpRanges,
      allowAzureServices: c.network.allowAzureServices,
      delegatedSubnetId: isPrivate ? "/subscriptions/s/subnets/postgres" : undefined,
      privateDnsZoneId: isPrivate
        ? "/subscriptions/s/privateDnsZones/shop.private.postgres.database.azure.com"
        : undefined,
    },
    protect: c.protectStateful,
  };
}

function synth(args: DatabaseArgs): Promise<SynthesisResult> {
  return record(() => {
    const db = new Database("db", args);
    return {
      serverName: db.serverName,
      fqdn: db.fqdn,
      databaseName: db.databaseName,
      port: db.port,
      adminLogin: db.adminLogin,
      secretUris: db.secretUris,
    };
  });
}

const byName = (r: SynthesisResult, type: string) =>
  Object.fromEntries(ofType(r, type).map((x) => [x.inputs.name as string, x]));
const secretValue = (r: SynthesisResult, suffix: string) =>
  (one(r, SECRET, suffix).inputs.properties as { value: string }).value;

describe("Database", () => {
  let staging: SynthesisResult;
  let production: SynthesisResult;
  beforeAll(async () => {
    staging = await synth(argsFor("staging"));
    production = await synth(argsFor("production"));
  });

  it("staging server: Burstable B1ms, 7-day local backups, no HA, public, password auth, unprotected", () => {
    const server = one(staging, SERVER);
    const { administratorLoginPassword, ...inputs } = server.inputs;
    expect(inputs).toEqual({
      resourceGroupName: "rg-shop",
      location: "westeurope",
      serverName: expect.stringMatching(/^psql-shop-stg-[0-9a-f]{5}$/),
      version: "16",
      sku: { name: "Standard_B1ms", tier: "Burstable" },
      storage: { storageSizeGB: 32, autoGrow: "Enabled", type: "Premium_LRS" },
      backup: { backupRetentionDays: 7, geoRedundantBackup: "Disabled" },
      highAvailability: { mode: "Disabled", standbyAvailabilityZone: "" },
      maintenanceWindow: { customWindow: "Enabled", dayOfWeek: 0, startHour: 2, startMinute: 0 },
      network: { publicNetworkAccess: "Enabled" },
      authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled", tenantId: "" },
      administratorLogin: "platform_admin",
      createMode: "Default",
      // Filled in by the SDK's provideDefaults, not by the component.
      availabilityZone: "",
    });
    expect(administratorLoginPassword).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(server.protect).toBe(false);
  });

  it("production server: GeneralPurpose D2ds_v5, 35-day geo-redundant backups, zone-redundant, VNet-integrated, protected", () => {
    const server = one(production, SERVER);
    expect(server.inputs).toMatchObject({
      sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
      storage: { storageSizeGB: 128, autoGrow: "Enabled", type: "Premium_LRS" },
      backup: { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
      highAvailability: { mode: "ZoneRedundant" },
    });
    expect(server.inputs.network).toEqual({
      delegatedSubnetResourceId: "/subscriptions/s/subnets/postgres",
      privateDnsZoneArmResourceId:
        "/subscriptions/s/privateDnsZones/shop.private.postgres.database.azure.com",
      publicNetworkAccess: "Disabled",
    });
    expect(server.protect).toBe(true);
    expect(one(production, DB).protect).toBe(true);
    expect(ofType(production, FIREWALL)).toHaveLength(0);
  });

  it("staging firewall admits exactly the configured ranges and no 0.0.0.0 rule", () => {
    const rules = ofType(staging, FIREWALL).map((r) => [
      r.name,
      r.inputs.firewallRuleName,
      r.inputs.startIpAddress,
      r.inputs.endIpAddress,
    ]);
    expect(rules).toEqual([["db-fw-office", "office", "203.0.113.0", "203.0.113.255"]]);
  });

  it("keeps Entra ID sign-in off without an administrator, and turns it on with the configured one, last in the write chain", async () => {
    expect(one(production, SERVER).inputs.authConfig).toMatchObject({
      passwordAuth: "Enabled",
      activeDirectoryAuth: "Disabled",
    });
    expect(ofType(production, ENTRA_ADMIN)).toHaveLength(0);
    const dba = {
      objectId: "12345678-1234-4234-8234-123456789abc",
      principalName: "dba-team",
      principalType: "group",
    };
    const result = await synth({
      ...argsFor("production", { database: { entraAdministrator: dba } }),
      tenantId: "22222222-2222-2222-2222-222222222222",
    });
    expect(one(result, SERVER).inputs.authConfig).toMatchObject({
      passwordAuth: "Enabled",
      activeDirectoryAuth: "Enabled",
      tenantId: "22222222-2222-2222-2222-222222222222",
    });
    const admin = one(result, ENTRA_ADMIN);
    expect(admin.inputs).toMatchObject({
      ...dba,
      tenantId: "22222222-2222-2222-2222-222222222222",
      resourceGroupName: "rg-shop",
    });
    expect(admin.dependencies).toContain(one(result, "azure-native:dbforpostgresql:Database").urn);
  });

  it("refuses an Entra administrator without a tenant id, naming the argument", async () => {
    const dba = {
      objectId: "12345678-1234-4234-8234-123456789abc",
      principalName: "dba-team",
      principalType: "group",
    };
    await expect(synth(argsFor("production", { database: { entraAdministrator: dba } }))).rejects.toThrow(
      "tenantId is required when config.entraAdministrator is set: pass the tenant of the Entra principal",
    );
  });

  it("adds the 0.0.0.0 Azure-services rule only when allowAzureServices is on", async () => {
    const result = await synth(argsFor("staging", { network: { allowAzureServices: true } }));
    const rule = one(result, FIREWALL, "-allow-azure-services");
    expect([rule.inputs.startIpAddress, rule.inputs.endIpAddress]).toEqual(["0.0.0.0", "0.0.0.0"]);
    expect(ofType(result, FIREWALL)).toHaveLength(2);
  });

  it("sets TLS-only, logging and extension parameters, plus PgBouncer 20/5/500 in production only", () => {
    const params = (r: SynthesisResult) =>
      ofType(r, CONFIG).map((c) => [c.inputs.configurationName, c.inputs.value, c.inputs.source]);
    const common = [
      ["require_secure_transport", "on", "user-override"],
      ["ssl_min_protocol_version", "TLSv1.2", "user-override"],
      ["azure.extensions", "UUID-OSSP,PG_TRGM,BTREE_GIN", "user-override"],
      ["log_connections", "on", "user-override"],
      ["log_disconnections", "on", "user-override"],
      ["log_checkpoints", "on", "user-override"],
      ["connection_throttle.enable", "on", "user-override"],
    ];
    expect(params(staging)).toEqual(common);
    expect(params(production)).toEqual([
      ...common,
      ["pgbouncer.enabled", "true", "user-override"],
      ["pgbouncer.default_pool_size", "20", "user-override"],
      ["pgbouncer.min_pool_size", "5", "user-override"],
      ["pgbouncer.max_client_conn", "500", "user-override"],
    ]);
  });

  it("writes firewall rules, parameters and the database one after another", () => {
    for (const result of [staging, production]) {
      const chain = [
        one(result, SERVER),
        ...ofType(result, FIREWALL),
        ...ofType(result, CONFIG),
        one(result, DB),
      ];
      for (let i = 1; i < chain.length; i++) {
        expect(chain[i].dependencies, `${chain[i].name} waits for ${chain[i - 1].name}`).toContain(
          chain[i - 1].urn,
        );
      }
    }
  });

  it("creates the application database in UTF8 with en_US.utf8 collation", () => {
    expect(one(staging, DB).inputs).toMatchObject({
      databaseName: "app",
      charset: "UTF8",
      collation: "en_US.utf8",
    });
  });

  it("connects the postgresql provider as the admin over TLS to the app database, not as superuser", () => {
    const provider = one(staging, PROVIDER);
    expect(provider.inputs).toMatchObject({
      host: expect.stringMatching(/^psql-shop-stg-[0-9a-f]{5}\.postgres\.database\.azure\.com$/),
      port: "5432",
      sslmode: "require",
      username: "platform_admin",
      superuser: "false",
      database: "app",
      connectTimeout: "30",
    });
    expect(provider.inputs.password).toBe(one(staging, SERVER).inputs.administratorLoginPassword);
    expect(provider.secretPaths).toContain("password");
  });

  it("gives every in-database resource the explicit provider and the objects component as parent", () => {
    const provider = one(staging, PROVIDER);
    const inDb = staging.resources.filter((r) => r.type.startsWith("postgresql:"));
    expect(inDb).toHaveLength(15);
    for (const r of inDb) {
      expect(r.provider, r.name).toMatch(new RegExp(`^${provider.urn.replace(/[$]/g, "\\$")}::`));
      expect(parentName(r)).toBe("db-objects");
    }
  });

  it("creates three login roles without cluster privileges, with connection limits and generated secret passwords", () => {
    const roles = byName(staging, ROLE);
    expect(Object.keys(roles)).toEqual(["migrator", "app", "readonly"]);
    const limits = { migrator: 5, app: 20, readonly: 5 };
    for (const [name, role] of Object.entries(roles)) {
      const { password, ...attrs } = role.inputs;
      expect(attrs).toMatchObject({
        name,
        login: true,
        encryptedPassword: true,
        connectionLimit: limits[name as keyof typeof limits],
        superuser: false,
        createRole: false,
        createDatabase: false,
        replication: false,
        bypassRowLevelSecurity: false,
        searchPaths: ["app", "public"],
      });
      expect(password).toMatch(/^[A-Za-z0-9_-]{40}$/);
      expect(role.secretPaths).toEqual(["password"]);
      expect(role.propertyDependencies.password).toEqual([
        expect.stringMatching(new RegExp(`RandomPassword::db-${name}-password$`)),
      ]);
    }
    expect(byName(production, ROLE).app.inputs.connectionLimit).toBe(40);
    expect(byName(production, ROLE).readonly.inputs.connectionLimit).toBe(10);
  });

  it("makes the migrator own schema app", () => {
    expect(one(staging, SCHEMA).inputs).toMatchObject({
      name: "app",
      owner: "migrator",
      database: "app",
      dropCascade: false,
    });
  });

  it("grants app DML only and readonly SELECT only, on existing and future objects of schema app", () => {
    const grants = (type: string) =>
      ofType(staging, type).map((g) => [
        g.inputs.role,
        g.inputs.objectType,
        g.inputs.privileges,
        g.inputs.schema,
      ]);
    expect(grants(GRANT)).toEqual([
      ["app", "schema", ["USAGE"], "app"],
      ["app", "table", ["SELECT", "INSERT", "UPDATE", "DELETE"], "app"],
      ["app", "sequence", ["SELECT", "USAGE"], "app"],
      ["readonly", "schema", ["USAGE"], "app"],
      ["readonly", "table", ["SELECT"], "app"],
    ]);
    expect(grants(DEFAULTS)).toEqual([
      ["app", "table", ["SELECT", "INSERT", "UPDATE", "DELETE"], "app"],
      ["app", "sequence", ["SELECT", "USAGE"], "app"],
      ["readonly", "table", ["SELECT"], "app"],
    ]);
    for (const d of ofType(staging, DEFAULTS)) expect(d.inputs.owner).toBe("migrator");
    const all = [...ofType(staging, GRANT), ...ofType(staging, DEFAULTS)];
    for (const g of all) {
      expect(g.inputs.privileges).not.toContain("CREATE");
      expect(g.inputs.privileges).not.toContain("ALL");
      expect(g.inputs.privileges).not.toContain("TRUNCATE");
      expect(g.inputs.role).not.toBe("public");
    }
  });

  it("creates each extension in schema public after the azure.extensions allow-list", () => {
    const allowList = one(staging, CONFIG, "-param-azure-extensions");
    const extensions = ofType(staging, EXTENSION);
    expect(extensions.map((e) => [e.inputs.name, e.inputs.schema])).toEqual([
      ["uuid-ossp", "public"],
      ["pg_trgm", "public"],
      ["btree_gin", "public"],
    ]);
    for (const e of extensions) expect(e.dependencies).toContain(allowList.urn);
  });

  it("stores the admin password and three connection URLs in Key Vault with content types and expiry", () => {
    const secrets = ofType(staging, SECRET).map((s) => {
      const p = s.inputs.properties as { contentType: string; attributes: unknown };
      return [s.inputs.secretName, p.contentType, p.attributes, s.inputs.vaultName];
    });
    const attributes = { enabled: true, expires: 1809129600 };
    expect(secrets.sort()).toEqual([
      ["database-admin-password", "text/plain", attributes, "kv-shop"],
      ["database-migrator-url", "text/uri-list", attributes, "kv-shop"],
      ["database-readonly-url", "text/uri-list", attributes, "kv-shop"],
      ["database-url", "text/uri-list", attributes, "kv-shop"],
    ]);
    for (const s of ofType(staging, SECRET)) expect(s.secretPaths).toEqual(["properties"]);
  });

  it("builds URLs with the role passwords: direct port 5432 in staging, PgBouncer 6432 in production except for the migrator", () => {
    const host = (r: SynthesisResult) => r.outputs.fqdn as string;
    const pw = (r: SynthesisResult, role: string) => one(r, ROLE, `-role-${role}`).inputs.password as string;
    expect(secretValue(staging, "-database-url")).toBe(
      `postgresql://app:${pw(staging, "app")}@${host(staging)}:5432/app?sslmode=require`,
    );
    expect(secretValue(production, "-database-url")).toBe(
      `postgresql://app:${pw(production, "app")}@${host(production)}:6432/app?sslmode=require`,
    );
    expect(secretValue(production, "-database-readonly-url")).toBe(
      `postgresql://readonly:${pw(production, "readonly")}@${host(production)}:6432/app?sslmode=require`,
    );
    expect(secretValue(production, "-database-migrator-url")).toBe(
      `postgresql://migrator:${pw(production, "migrator")}@${host(production)}:5432/app?sslmode=require`,
    );
    expect(secretValue(staging, "-database-admin-password")).toBe(
      one(staging, SERVER).inputs.administratorLoginPassword,
    );
  });

  it("rotates every generated password with rotatedOn and passes the admin password only as a secret", () => {
    const passwords = ofType(staging, PASSWORD);
    expect(passwords.map((p) => p.name).sort()).toEqual([
      "db-admin-password",
      "db-app-password",
      "db-migrator-password",
      "db-readonly-password",
    ]);
    for (const p of passwords)
      expect(p.inputs).toMatchObject({ length: 40, keepers: { rotatedOn: "2026-11-01" } });
    expect(one(staging, SERVER).secretPaths).toEqual(["administratorLoginPassword"]);
  });

  it("exposes names, the app port, the admin login and secret URIs, but no secret value", () => {
    expect(staging.outputs).toMatchObject({ databaseName: "app", port: 5432, adminLogin: "platform_admin" });
    expect(production.outputs.port).toBe(6432);
    expect(staging.outputs.secretUris).toEqual({
      DATABASE_URL: "https://kv-shop.vault.azure.net/secrets/database-url",
      DATABASE_READONLY_URL: "https://kv-shop.vault.azure.net/secrets/database-readonly-url",
      DATABASE_MIGRATOR_URL: "https://kv-shop.vault.azure.net/secrets/database-migrator-url",
      DATABASE_ADMIN_PASSWORD: "https://kv-shop.vault.azure.net/secrets/database-admin-password",
    });
    expect(staging.secretOutputs).toEqual([]);
  });

  it("registers the expected resources in staging, each child named from and parented to its component", () => {
    expect(countByType(staging)).toEqual({
      [CONFIG]: 7,
      [DB]: 1,
      [FIREWALL]: 1,
      [SERVER]: 1,
      [SECRET]: 4,
      [PROVIDER]: 1,
      "pulumi:pulumi:Stack": 1,
      [DEFAULTS]: 3,
      [EXTENSION]: 3,
      [GRANT]: 5,
      [ROLE]: 3,
      [SCHEMA]: 1,
      [PASSWORD]: 4,
      "webapp-platform:database:Database": 1,
      "webapp-platform:database:DatabaseObjects": 1,
    });
    const children = staging.resources.filter(
      (r: ResourceRecord) => r.type !== "pulumi:pulumi:Stack" && r.name !== "db",
    );
    for (const r of children) {
      expect(r.name.startsWith("db-")).toBe(true);
      expect(["db", "db-objects"]).toContain(parentName(r));
    }
  });

  it("skips in-database objects when manageObjects is off but still stores the URLs", async () => {
    const result = await synth(argsFor("production", { database: { manageObjects: false } }));
    expect(
      result.resources.filter((r) => r.type.startsWith("postgresql:") || r.type === PROVIDER),
    ).toHaveLength(0);
    expect(ofType(result, SECRET)).toHaveLength(4);
  });

  it("plans in preview, when the server's host name is still unknown", async () => {
    const preview = await record(() => new Database("db", argsFor("production")), { preview: true });
    expect(countByType(preview)).toEqual(countByType(production));
  });

  it("rejects private mode without a delegated subnet", async () => {
    const base = argsFor("production");
    const args = { ...base, network: { ...base.network, delegatedSubnetId: undefined } };
    await expect(synth(args)).rejects.toThrow(
      "network.delegatedSubnetId and network.privateDnsZoneId are required in private mode",
    );
  });

  it("rejects the same range name in allowed and deployer ranges", async () => {
    const base = argsFor("staging");
    const args = {
      ...base,
      network: {
        ...base.network,
        deployerIpRanges: [{ name: "office", startIp: "192.0.2.1", endIp: "192.0.2.1" }],
      },
    };
    await expect(synth(args)).rejects.toThrow(
      "network ranges use the name 'office' twice: give each allowed and deployer range its own name",
    );
  });

  it("refuses in-database objects on PostgreSQL before 15, where PUBLIC may create in schema public", async () => {
    const objects = () =>
      new DatabaseObjects("objects", {
        host: "h",
        adminLogin: "platform_admin",
        adminPassword: "p",
        databaseName: "app",
        version: "14",
        extensions: [],
        passwords: { migrator: "m", app: "a", readonly: "r" },
        appConnectionLimit: 1,
        readonlyConnectionLimit: 1,
        serverReady: [],
      });
    await expect(record(objects)).rejects.toThrow(
      "version 14 grants CREATE on schema public to PUBLIC: use PostgreSQL 15 or newer",
    );
  });

  it("rejects allowAzureServices in private mode", async () => {
    const base = argsFor("production");
    const args = { ...base, network: { ...base.network, allowAzureServices: true } };
    await expect(synth(args)).rejects.toThrow(
      "network.allowAzureServices has no effect in private mode (no firewall): set it to false",
    );
  });
});
