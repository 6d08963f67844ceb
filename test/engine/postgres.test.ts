/**
 * The program's in-database objects applied to a real PostgreSQL by the postgresql stand-in (in-process, no
 * engine): the staging stack's recorded Role/Schema/Extension/Grant/DefaultPrivileges inputs go through check and
 * create, then each role connects and least privilege is probed; a wrong grant must show up; destroy removes it all.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResourceRecord } from "../../offline/record";
import { synthesize } from "../../offline/runtime/harness";
import {
  asRole,
  createProbeTable,
  leastPrivilegeViolations,
  PROBE_TABLE,
  type ProbeTarget,
} from "./postgres-privileges";
import { startPostgres, type PostgresServer } from "./postgres";
import { PLUGIN_VERSION, PostgresqlStandIn } from "./providers/postgresql/provider";
import { secret } from "./providers/postgresql/secrets";

const ROOT = path.resolve(__dirname, "../..");
const ADMIN_PASSWORD = "Adm1n-local-only-Passw0rd";

interface Applied {
  readonly record: ResourceRecord;
  readonly id: string;
  outs: Record<string, unknown>;
  /** Statements (other than catalog reads and locks) the create sent. */
  readonly sql: string[];
}

/** The recorded inputs as the engine sends them: secret inputs wrapped in the secret envelope. */
function engineInputs(r: ResourceRecord): Record<string, unknown> {
  const inputs = { ...r.inputs };
  for (const p of r.secretPaths) if (!p.includes(".")) inputs[p] = secret(inputs[p]);
  return inputs;
}

const writes = (statements: string[]) =>
  statements.filter((s) => !/^(SELECT|BEGIN|COMMIT|ROLLBACK|SET statement_timeout)/.test(s.trim()));

let server: PostgresServer;
let standIn: PostgresqlStandIn;
let dbAdmin: PostgresqlStandIn;
let appDatabase: { urn: string; id: string; outs: Record<string, unknown> };
let applied: Applied[];
let target: ProbeTarget;
let logPath: string;
const timings: Record<string, number> = {};
const suiteStart = Date.now();

const find = (name: string): Applied => {
  const a = applied.find((x) => x.record.name === name);
  if (a === undefined) throw new Error(`no applied resource ${name}`);
  return a;
};

beforeAll(async () => {
  server = await startPostgres();
  timings.serverStartMs = server.startMillis;
  const staging = await synthesize({ programDir: ROOT, stack: "staging" });
  const providerRecord = staging.resources.find((r) => r.type === "pulumi:providers:postgresql");
  const azureDb = staging.resources.find((r) => r.type === "azure-native:dbforpostgresql:Database");
  if (providerRecord === undefined || azureDb === undefined)
    throw new Error("staging registers no postgresql provider");
  const admin = String(providerRecord.inputs.username);

  // Azure's administrator: a login with CREATEROLE and CREATEDB in azure_pg_admin, not a superuser.
  const su = new Client({
    host: server.host,
    port: server.port,
    user: server.superuser,
    password: server.superuserPassword,
    database: "postgres",
    ssl: { rejectUnauthorized: false },
  });
  await su.connect();
  await su.query("CREATE ROLE azure_pg_admin NOLOGIN");
  await su.query(
    `CREATE ROLE "${admin}" LOGIN CREATEROLE CREATEDB PASSWORD '${ADMIN_PASSWORD}' IN ROLE azure_pg_admin`,
  );
  await su.end();

  logPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pg-standin-log-")), "calls.jsonl");
  const local = { host: server.host, port: String(server.port), password: secret(ADMIN_PASSWORD) };
  // The database itself is Azure's (azure-native Database); here the stand-in's Database resource makes it.
  dbAdmin = new PostgresqlStandIn({ logPath });
  dbAdmin.configure({ ...providerRecord.inputs, ...local, database: "postgres" });
  const dbUrn = "urn:pulumi:staging::webapp-platform::postgresql:index/database:Database::app-db";
  const dbChecked = await dbAdmin.check(dbUrn, {}, { name: azureDb.inputs.databaseName, encoding: "UTF8" });
  const created = await dbAdmin.create(dbUrn, dbChecked.inputs as Record<string, unknown>);
  appDatabase = { urn: dbUrn, id: created.id, outs: created.outs as Record<string, unknown> };

  standIn = new PostgresqlStandIn({ logPath });
  standIn.configure({ ...engineInputs(providerRecord), ...local });
  const started = Date.now();
  applied = [];
  for (const record of staging.resources.filter((r) => r.type.startsWith("postgresql:"))) {
    const checked = await standIn.check(record.urn, {}, engineInputs(record));
    if (checked.failures !== undefined)
      throw new Error(`${record.name}: ${JSON.stringify(checked.failures)}`);
    const before = standIn.statements.length;
    const { id, outs } = await standIn.create(record.urn, checked.inputs as Record<string, unknown>);
    applied.push({
      record,
      id,
      outs: outs as Record<string, unknown>,
      sql: writes(standIn.statements.slice(before)),
    });
  }
  timings.applyMs = Date.now() - started;
  const password = (role: string) => String(find(`database-objects-role-${role}`).record.inputs.password);
  target = {
    host: server.host,
    port: server.port,
    database: String(azureDb.inputs.databaseName),
    passwords: { migrator: password("migrator"), app: password("app"), readonly: password("readonly") },
  };
  await createProbeTable(target);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (logPath !== undefined) fs.rmSync(path.dirname(logPath), { recursive: true, force: true });
  timings.suiteMs = Date.now() - suiteStart;
  console.info(`postgres stand-in timings: ${JSON.stringify(timings)}`);
});

describe("postgresql stand-in on a real PostgreSQL, with the staging stack's inputs", () => {
  it("asks for the plugin version the SDK requests", () => {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/postgresql/package.json"), "utf8"),
    );
    expect(PLUGIN_VERSION).toBe(pkg.pulumi.version);
    expect(new PostgresqlStandIn().version).toBe("3.18.1");
  });

  it("applies every in-database resource the program registers", () => {
    expect(applied.map((a) => `${a.record.type.split(":")[1]}:${a.id}`)).toEqual([
      "index/role:migrator",
      "index/role:app",
      "index/role:readonly",
      "index/schema:app.app",
      "index/extension:app.uuid-ossp",
      "index/extension:app.pg_trgm",
      "index/extension:app.btree_gin",
      "index/grant:app_app_app_schema",
      "index/grant:app_app_app_table",
      "index/defaultPrivileges:app_app_app_migrator_table",
      "index/grant:app_app_app_sequence",
      "index/defaultPrivileges:app_app_app_migrator_sequence",
      "index/grant:readonly_app_app_schema",
      "index/grant:readonly_app_app_table",
      "index/defaultPrivileges:readonly_app_app_migrator_table",
    ]);
  });

  it("creates the migrator role with the real provider's CREATE ROLE options and search_path", () => {
    expect(find("database-objects-role-migrator").sql).toEqual([
      `CREATE ROLE "migrator" WITH ENCRYPTED PASSWORD '[secret]' VALID UNTIL 'infinity' CONNECTION LIMIT 5 NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT LOGIN NOBYPASSRLS NOREPLICATION`,
      `ALTER ROLE "migrator" SET search_path TO "app", "public"`,
    ]);
  });

  it("creates the schema as its owner through a temporary membership, revoked afterwards", () => {
    expect(find("database-objects-schema").sql).toEqual([
      `GRANT "migrator" TO "platform_admin"`,
      `CREATE SCHEMA IF NOT EXISTS "app" AUTHORIZATION "migrator"`,
      `REVOKE "migrator" FROM "platform_admin"`,
    ]);
  });

  it("revokes then grants table privileges and default privileges as the migrator", () => {
    expect(find("database-objects-grant-app-table").sql).toEqual([
      `GRANT "migrator" TO "platform_admin"`,
      `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA "app" FROM "app"`,
      `GRANT SELECT,INSERT,UPDATE,DELETE ON ALL TABLES IN SCHEMA "app" TO "app"`,
      `REVOKE "migrator" FROM "platform_admin"`,
    ]);
    expect(find("database-objects-default-readonly-table").sql).toEqual([
      `GRANT "migrator" TO "platform_admin"`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE "migrator" IN SCHEMA "app" REVOKE ALL ON TABLES FROM "readonly"`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE "migrator" IN SCHEMA "app" GRANT SELECT ON TABLES TO "readonly"`,
      `REVOKE "migrator" FROM "platform_admin"`,
    ]);
    expect(find("database-objects-ext-uuid-ossp").sql).toEqual([
      `CREATE EXTENSION IF NOT EXISTS "uuid-ossp" SCHEMA "public"`,
    ]);
  });

  it("holds least privilege for app, readonly, migrator and PUBLIC on a table created after the grants", async () => {
    expect(await leastPrivilegeViolations(target)).toEqual([]);
  });

  it("a wrong grant (readonly given INSERT) fails the least-privilege check, and the fix restores it", async () => {
    const grant = find("database-objects-grant-readonly-table");
    const wrong = { ...grant.record.inputs, privileges: ["SELECT", "INSERT"], withGrantOption: false };
    expect(await standIn.diff(grant.id, grant.record.urn, grant.outs, wrong)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    await standIn.update(grant.id, grant.record.urn, grant.outs, wrong);
    expect(await leastPrivilegeViolations(target)).toEqual([`readonly can INSERT into ${PROBE_TABLE}`]);
    grant.outs = (await standIn.update(grant.id, grant.record.urn, wrong, grant.outs)).outs as Record<
      string,
      unknown
    >;
    expect(await leastPrivilegeViolations(target)).toEqual([]);
  });

  it("creates the configured extensions in schema public", async () => {
    const rows = await asAdmin((c) =>
      c.query(
        "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY 1",
      ),
    );
    expect(rows.rows).toEqual([
      { extname: "btree_gin", nspname: "public" },
      { extname: "pg_trgm", nspname: "public" },
      { extname: "plpgsql", nspname: "pg_catalog" },
      { extname: "uuid-ossp", nspname: "public" },
    ]);
  });

  it("reads back exactly what it created, so a refresh shows no drift", async () => {
    for (const a of applied) {
      const read = await standIn.read(a.id, a.record.urn, a.outs);
      expect(read.id, a.record.name).toBe(a.id);
      expect(read.props, a.record.name).toEqual(a.outs);
      const again = await standIn.diff(
        a.id,
        a.record.urn,
        a.outs,
        (await standIn.check(a.record.urn, a.outs, engineInputs(a.record))).inputs,
      );
      expect(again.changes, a.record.name).toBe(false);
    }
  });

  it("the call log holds every call with secrets redacted and no password in plain text", () => {
    const log = fs.readFileSync(logPath, "utf8");
    const entries = log
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const migrator = entries.find(
      (e) => e.method === "create" && String(e.urn).endsWith("::database-objects-role-migrator"),
    );
    expect(migrator).toMatchObject({ provider: "postgresql", type: "postgresql:index/role:Role" });
    expect((migrator?.inputs as Record<string, unknown>).password).toBe("[secret]");
    for (const secretValue of [ADMIN_PASSWORD, ...Object.values(target.passwords)])
      expect(log).not.toContain(secretValue);
    expect(standIn.statements.join("\n")).not.toContain(target.passwords.app);
  });

  it("destroy refuses to drop a schema that still holds tables (dropCascade=false), then removes everything", async () => {
    const reverse = [...applied].reverse();
    const schemaIndex = reverse.findIndex((a) => a.record.type === "postgresql:index/schema:Schema");
    for (const a of reverse.slice(0, schemaIndex)) await standIn.delete(a.id, a.record.urn, a.outs);
    const schema = reverse[schemaIndex];
    await expect(standIn.delete(schema.id, schema.record.urn, schema.outs)).rejects.toThrow(
      "cannot drop schema app because other objects depend on it",
    );
    await asRole(target, "migrator", (c) => c.query(`DROP TABLE ${PROBE_TABLE}`));
    for (const a of reverse.slice(schemaIndex)) await standIn.delete(a.id, a.record.urn, a.outs);
    const left = await asAdmin(async (c) => ({
      roles: (await c.query("SELECT rolname FROM pg_roles WHERE rolname IN ('migrator','app','readonly')"))
        .rows,
      schemas: (await c.query("SELECT nspname FROM pg_namespace WHERE nspname = 'app'")).rows,
      extensions: (await c.query("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")).rows,
    }));
    expect(left).toEqual({ roles: [], schemas: [], extensions: [] });
    for (const a of applied)
      expect((await standIn.read(a.id, a.record.urn, a.outs)).id, a.record.name).toBe("");
  });

  it("creates and drops the application database with the real provider's CREATE DATABASE", async () => {
    expect(writes(dbAdmin.statements)).toEqual([
      `CREATE DATABASE "app" OWNER "platform_admin" TEMPLATE "template0" ENCODING 'UTF8'  ALLOW_CONNECTIONS true CONNECTION LIMIT -1 IS_TEMPLATE false`,
    ]);
    expect(appDatabase.outs).toMatchObject({
      name: "app",
      owner: "platform_admin",
      encoding: "UTF8",
      connectionLimit: -1,
    });
    await dbAdmin.delete(appDatabase.id, appDatabase.urn, appDatabase.outs);
    expect(writes(dbAdmin.statements).at(-1)).toBe(`DROP DATABASE "app"`);
    expect((await dbAdmin.read(appDatabase.id, appDatabase.urn, appDatabase.outs)).id).toBe("");
  });
});

async function asAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({
    host: server.host,
    port: server.port,
    database: target.database,
    user: "platform_admin",
    password: ADMIN_PASSWORD,
    ssl: { rejectUnauthorized: false },
  });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
