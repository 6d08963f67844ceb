/**
 * The postgresql stand-in's connection layer: the provider configuration (as the program passes it to
 * `new postgresql.Provider`), one transaction per operation on the target database like the real provider's
 * `startTransaction`, and the SQL helpers of postgresql/helpers.go in terraform-provider-postgresql (quoting,
 * `withRolesGranted`, `pgLockRole`, owner look-ups) that every resource uses.
 */
import { Client, type QueryResult } from "pg";

/** Provider configuration the stand-in uses (the `postgresql.Provider` inputs, typed). */
export interface PgConfig {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly database: string;
  readonly sslmode: string;
  readonly connectTimeout: number;
  readonly superuser: boolean;
}

/** libpq sslmode values the real provider passes through to lib/pq. */
const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;

/**
 * Parses provider inputs as the engine hands them over (the Node.js SDK JSON-encodes non-string provider inputs,
 * so `port` arrives as "5432" and `superuser` as "false"). Defaults follow the real provider (postgresql/provider.go):
 * port 5432, username and database "postgres", connect_timeout 180, superuser true, sslmode "prefer"; the
 * stand-in reads no PG* environment variables, so `host` is required.
 */
export function parseConfig(raw: Readonly<Record<string, unknown>>): PgConfig {
  const text = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new Error(
      `postgresql provider config "${key}" must be a string, number or boolean, got ${typeof v}`,
    );
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const s = text(key);
    if (s === undefined) return fallback;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(
        `postgresql provider config "${key}" must be an integer from ${min} to ${max}, got "${s}"`,
      );
    }
    return n;
  };
  const host = text("host");
  if (host === undefined)
    throw new Error(`postgresql provider config "host" is required (the server's host name)`);
  const sslmode = text("sslmode") ?? text("sslMode") ?? "prefer";
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new Error(
      `postgresql provider config "sslmode" must be one of ${SSL_MODES.join(", ")}, got "${sslmode}"`,
    );
  }
  const superuser = text("superuser") ?? "true";
  if (superuser !== "true" && superuser !== "false") {
    throw new Error(`postgresql provider config "superuser" must be true or false, got "${superuser}"`);
  }
  return {
    host,
    port: integer("port", 5432, 1, 65535),
    username: text("username") ?? "postgres",
    password: text("password") ?? "",
    database: text("database") ?? "postgres",
    sslmode,
    connectTimeout: integer("connectTimeout", 180, 0, 86_400),
    superuser: superuser === "true",
  };
}

/** Runs one statement in the current transaction. */
export type Query = (text: string, params?: unknown[]) => Promise<QueryResult>;

/** `pq.QuoteIdentifier` (lib/pq): double quotes, inner quotes doubled. */
export const ident = (name: string): string => `"${name.replace(/\0.*$/s, "").replace(/"/g, '""')}"`;

/** `pqQuoteLiteral` (postgresql/helpers.go): backslashes and single quotes doubled; the caller adds the quotes. */
export const literal = (value: string): string => value.replace(/\\/g, "\\\\").replace(/'/g, "''");

/** Opens connections with the provider configuration and records each statement (passwords redacted). */
export class Connector {
  constructor(
    private readonly config: PgConfig,
    private readonly record: (statement: string) => void,
  ) {}

  /** The configured login; the real provider's `getDatabaseUsername()`. */
  get username(): string {
    return this.config.username;
  }

  /** The configured database, used when a resource names none. */
  get defaultDatabase(): string {
    return this.config.database;
  }

  /** One connection to `database` (default: the configured one) for `fn`, closed afterwards. */
  async session<T>(database: string | undefined, fn: (q: Query) => Promise<T>): Promise<T> {
    const { config } = this;
    const client = new Client({
      host: config.host,
      port: config.port,
      user: config.username,
      password: config.password,
      database: database === undefined || database === "" ? config.database : database,
      connectionTimeoutMillis: config.connectTimeout * 1000,
      ssl: sslOptions(config),
    });
    await client.connect();
    try {
      return await fn((text, params) => {
        this.record(text.replace(/PASSWORD '(?:[^']|'')*'/g, "PASSWORD '[secret]'"));
        return client.query(text, params);
      });
    } finally {
      await client.end();
    }
  }

  /** `startTransaction` + commit: `fn` runs in one transaction that is rolled back if it throws. */
  async transaction<T>(database: string | undefined, fn: (q: Query) => Promise<T>): Promise<T> {
    return this.session(database, async (q) => {
      await q("BEGIN");
      try {
        const result = await fn(q);
        await q("COMMIT");
        return result;
      } catch (error) {
        await q("ROLLBACK");
        throw error;
      }
    });
  }
}

/** lib/pq's sslmode semantics: require encrypts without verifying; verify-* check the CA (and the host name). */
function sslOptions(config: PgConfig): false | { rejectUnauthorized: boolean; servername?: string } {
  switch (config.sslmode) {
    case "disable":
    case "allow":
      return false;
    case "verify-ca":
      return { rejectUnauthorized: true };
    case "verify-full":
      return { rejectUnauthorized: true, servername: config.host };
    default:
      return { rejectUnauthorized: false };
  }
}

async function one<T>(q: Query, text: string, params: unknown[], column: string): Promise<T | undefined> {
  const { rows } = await q(text, params);
  return rows.length === 0 ? undefined : (rows[0] as Record<string, T>)[column];
}

/** `isSuperuser` (helpers.go). */
export async function isSuperuser(q: Query, role: string): Promise<boolean> {
  const value = await one<boolean>(q, "SELECT rolsuper FROM pg_roles WHERE rolname = $1", [role], "rolsuper");
  if (value === undefined) throw new Error(`could not check if role ${role} is superuser: no such role`);
  return value;
}

/** `roleExists` (helpers.go). */
export async function roleExists(q: Query, role: string): Promise<boolean> {
  return (await q("SELECT 1 FROM pg_roles WHERE rolname=$1", [role])).rows.length > 0;
}

/** `isMemberOfRole` (helpers.go): honours `set_option` where the server has it (PostgreSQL 16+). */
async function isMemberOfRole(q: Query, role: string, member: string): Promise<boolean> {
  const setOption =
    (
      await q(
        "SELECT 1 FROM information_schema.columns WHERE table_name='pg_auth_members' AND column_name = 'set_option'",
      )
    ).rows.length > 0;
  const text =
    "SELECT 1 FROM pg_auth_members WHERE pg_get_userbyid(roleid) = $1 AND pg_get_userbyid(member) = $2" +
    (setOption ? " AND set_option" : "");
  return (await q(text, [role, member])).rows.length > 0;
}

/** `grantRoleMembership` (helpers.go): GRANT role TO member unless already a member; true when granted. */
export async function grantRoleMembership(q: Query, role: string, member: string): Promise<boolean> {
  if (member === role || (await isMemberOfRole(q, role, member))) return false;
  await q(`GRANT ${ident(role)} TO ${ident(member)}`);
  return true;
}

/** `revokeRoleMembership` (helpers.go): REVOKE role FROM member if a member; true when revoked. */
export async function revokeRoleMembership(q: Query, role: string, member: string): Promise<boolean> {
  if (member === role || !(await isMemberOfRole(q, role, member))) return false;
  await q(`REVOKE ${ident(role)} FROM ${ident(member)}`);
  return true;
}

/**
 * `withRolesGranted` (helpers.go): a non-superuser login is made a member of each role for the duration of `fn`
 * (to act as the owner), inside the caller's transaction, then the membership is revoked again.
 */
export async function withRolesGranted<T>(
  q: Query,
  roles: readonly string[],
  fn: () => Promise<T>,
): Promise<T> {
  if (roles.length === 0) return fn();
  const currentUser = (await one<string>(q, "SELECT CURRENT_USER", [], "current_user")) ?? "";
  if (await isSuperuser(q, currentUser)) return fn();
  const granted: string[] = [];
  const revoked: string[] = [];
  for (const role of roles) {
    if (await isSuperuser(q, role)) continue;
    if (await revokeRoleMembership(q, currentUser, role)) revoked.push(role);
    if (await grantRoleMembership(q, role, currentUser)) granted.push(role);
  }
  const result = await fn();
  for (const role of granted) await revokeRoleMembership(q, role, currentUser);
  for (const role of revoked) {
    if (await roleExists(q, role)) await grantRoleMembership(q, currentUser, role);
  }
  return result;
}

/** `pgLockRole` (helpers.go): advisory locks on the role and its members for the transaction. */
export async function pgLockRole(q: Query, role: string): Promise<void> {
  await q("SET statement_timeout = 0");
  await q("SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_roles WHERE rolname = $1", [role]);
  await q(
    "SELECT pg_advisory_xact_lock(member::bigint) FROM pg_auth_members JOIN pg_roles ON roleid = pg_roles.oid WHERE rolname = $1",
    [role],
  );
}

/** `getDatabaseOwner` (helpers.go); empty database means the current one. */
export async function getDatabaseOwner(q: Query, database: string): Promise<string> {
  const where = database === "" ? "current_database()" : "$1";
  const owner = await one<string>(
    q,
    `SELECT rolname FROM pg_database JOIN pg_roles ON datdba = pg_roles.oid WHERE datname = ${where}`,
    database === "" ? [] : [database],
    "rolname",
  );
  if (owner === undefined) throw new Error(`could not find database '${database}' while looking for owner`);
  return owner;
}

/** `getSchemaOwner` (helpers.go). */
export async function getSchemaOwner(q: Query, schema: string): Promise<string> {
  const owner = await one<string>(
    q,
    "SELECT rolname FROM pg_namespace JOIN pg_roles ON nspowner = pg_roles.oid WHERE nspname = $1",
    [schema],
    "rolname",
  );
  if (owner === undefined) throw new Error(`could not find schema '${schema}' while looking for owner`);
  return owner;
}

/** `getTablesOwner` (helpers.go): distinct owners of the tables in a schema. */
export async function getTablesOwner(q: Query, schema: string): Promise<string[]> {
  const { rows } = await q("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = $1", [schema]);
  return rows.map((r: { tableowner: string }) => r.tableowner);
}

/** `getRoleOID` (helpers.go): 0 for PUBLIC. */
export async function getRoleOID(q: Query, role: string): Promise<number> {
  if (role === "public") return 0;
  const oid = await one<number>(q, "SELECT oid FROM pg_roles WHERE rolname = $1", [role], "oid");
  if (oid === undefined) throw new Error(`could not find oid for role ${role}`);
  return Number(oid);
}
