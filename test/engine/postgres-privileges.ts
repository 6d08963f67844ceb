/**
 * Least-privilege probe for the real-PostgreSQL test: connects as each application role over TLS and tries what
 * the role must and must not be able to do, returning one line per deviation (an empty list means least privilege
 * holds). The rules are the ones DatabaseObjects documents (components/databaseObjects.ts).
 */
import { Client } from "pg";
import { APP_SCHEMA } from "../../components/databaseObjects";

/** Where and as whom the probe connects. */
export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** Login passwords of `migrator`, `app` and `readonly`. */
  readonly passwords: Readonly<Record<"migrator" | "app" | "readonly", string>>;
}

/** The table the migrator creates after the grants; its serial column brings a sequence along. */
export const PROBE_TABLE = `${APP_SCHEMA}.probe_orders`;

/** Connects as `user` (TLS, no certificate check: sslmode=require) and runs `fn`. */
export async function asRole<T>(
  target: ProbeTarget,
  user: keyof ProbeTarget["passwords"],
  fn: (c: Client) => Promise<T>,
) {
  const client = new Client({
    host: target.host,
    port: target.port,
    database: target.database,
    user,
    password: target.passwords[user],
    ssl: { rejectUnauthorized: false },
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** True when `sql` succeeds (rolled back either way, so probes leave nothing behind). */
async function can(client: Client, sql: string): Promise<boolean> {
  await client.query("BEGIN");
  try {
    await client.query(sql);
    return true;
  } catch {
    return false;
  } finally {
    await client.query("ROLLBACK");
  }
}

/** The migrator creates {@link PROBE_TABLE} (with one row) as a migration would. */
export async function createProbeTable(target: ProbeTarget): Promise<void> {
  await asRole(target, "migrator", async (c) => {
    await c.query(`CREATE TABLE ${PROBE_TABLE} (id serial PRIMARY KEY, note text NOT NULL)`);
    await c.query(`INSERT INTO ${PROBE_TABLE} (note) VALUES ('seed')`);
  });
}

/** Runs every probe; returns the deviations from least privilege, e.g. "readonly can INSERT into app.probe_orders". */
export async function leastPrivilegeViolations(target: ProbeTarget): Promise<string[]> {
  const problems: string[] = [];
  const expect = async (c: Client, who: string, action: string, sql: string, allowed: boolean) => {
    const ok = await can(c, sql);
    if (ok !== allowed) problems.push(`${who} ${ok ? "can" : "cannot"} ${action}`);
  };
  const t = PROBE_TABLE;
  const dml = {
    "SELECT from": `SELECT * FROM ${t}`,
    // An explicit id, so the check is about the table privilege alone, not the sequence behind the serial column.
    "INSERT into": `INSERT INTO ${t} (id, note) VALUES (-1, 'x')`,
    UPDATE: `UPDATE ${t} SET note = 'y'`,
    "DELETE from": `DELETE FROM ${t}`,
  };
  const ddl = {
    [`CREATE a table in ${APP_SCHEMA}`]: `CREATE TABLE ${APP_SCHEMA}.probe_extra (id int)`,
    "CREATE a table in public": "CREATE TABLE public.probe_extra (id int)",
    [`DROP ${t}`]: `DROP TABLE ${t}`,
    [`TRUNCATE ${t}`]: `TRUNCATE ${t}`,
    [`ALTER ${t}`]: `ALTER TABLE ${t} ADD COLUMN extra int`,
  };
  const useSequence = `SELECT nextval('${t}_id_seq')`;
  await asRole(target, "app", async (c) => {
    for (const [action, sql] of Object.entries(dml)) await expect(c, "app", `${action} ${t}`, sql, true);
    await expect(
      c,
      "app",
      `INSERT into ${t} using its sequence`,
      `INSERT INTO ${t} (note) VALUES ('x')`,
      true,
    );
    await expect(c, "app", `use the sequence of ${t}`, useSequence, true);
    for (const [action, sql] of Object.entries(ddl)) await expect(c, "app", action, sql, false);
  });
  await asRole(target, "readonly", async (c) => {
    for (const [action, sql] of Object.entries(dml)) {
      await expect(c, "readonly", `${action} ${t}`, sql, action === "SELECT from");
    }
    await expect(c, "readonly", `use the sequence of ${t}`, useSequence, false);
    for (const [action, sql] of Object.entries(ddl)) await expect(c, "readonly", action, sql, false);
  });
  await asRole(target, "migrator", async (c) => {
    const owner = await c.query(
      "SELECT pg_get_userbyid(nspowner) AS owner, has_schema_privilege('public', oid, 'CREATE') AS public_create, has_schema_privilege('public', oid, 'USAGE') AS public_usage FROM pg_namespace WHERE nspname = $1",
      [APP_SCHEMA],
    );
    const row = owner.rows[0] as { owner: string; public_create: boolean; public_usage: boolean } | undefined;
    if (row?.owner !== "migrator")
      problems.push(`schema ${APP_SCHEMA} is owned by ${row?.owner ?? "nobody"}`);
    if (row?.public_create === true) problems.push(`PUBLIC can CREATE in ${APP_SCHEMA}`);
    if (row?.public_usage === true) problems.push(`PUBLIC can USE ${APP_SCHEMA}`);
    await expect(c, "migrator", `ALTER ${t}`, `ALTER TABLE ${t} ADD COLUMN extra int`, true);
    await expect(
      c,
      "migrator",
      "CREATE a table in public",
      "CREATE TABLE public.probe_extra (id int)",
      false,
    );
  });
  return problems;
}
