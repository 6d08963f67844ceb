/**
 * postgresql:index/role:Role for the stand-in: the SQL of postgresql/resource_postgresql_role.go in
 * terraform-provider-postgresql (cyrilgdn): `CREATE ROLE ... WITH <options>` then `ALTER ROLE ... SET search_path`
 * in one transaction; updates `ALTER ROLE` only what changed; delete reassigns and drops what the role owns in the
 * configured database, then `DROP ROLE`.
 */
import { bool, changed, int, list, str, type Props, type ResourceHandler } from "./resource";
import { pgLockRole, withRolesGranted } from "./helpers";
import { ident, literal, type Query } from "./session";

/** `resourcePostgreSQLRoleCreate`: option order as the Go source builds it (string, int, then bool options). */
function createRoleSql(p: Props): string {
  const opts: string[] = [];
  const password = str(p, "password");
  if (password !== "") {
    if (password.toUpperCase() === "NULL") opts.push("PASSWORD NULL");
    else
      opts.push(
        bool(p, "encryptedPassword") ? "ENCRYPTED" : "UNENCRYPTED",
        `PASSWORD '${literal(password)}'`,
      );
  }
  const validUntil = str(p, "validUntil");
  if (validUntil !== "") {
    opts.push(`VALID UNTIL '${validUntil.toLowerCase() === "infinity" ? "infinity" : literal(validUntil)}'`);
  }
  opts.push(`CONNECTION LIMIT ${int(p, "connectionLimit")}`);
  const flags: [string, string, string][] = [
    ["superuser", "SUPERUSER", "NOSUPERUSER"],
    ["createDatabase", "CREATEDB", "NOCREATEDB"],
    ["createRole", "CREATEROLE", "NOCREATEROLE"],
    ["inherit", "INHERIT", "NOINHERIT"],
    ["login", "LOGIN", "NOLOGIN"],
    // featureRLS (9.5+) and featureReplication (9.1+) are appended after the base options.
    ["bypassRowLevelSecurity", "BYPASSRLS", "NOBYPASSRLS"],
    ["replication", "REPLICATION", "NOREPLICATION"],
  ];
  for (const [key, on, off] of flags) opts.push(bool(p, key) ? on : off);
  return `CREATE ROLE ${ident(str(p, "name"))} WITH ${opts.join(" ")}`;
}

/** `grantRoles`, `alterSearchPath` and the session settings, run after CREATE/ALTER ROLE. */
async function applyMemberships(q: Query, olds: Props | undefined, p: Props): Promise<void> {
  const role = ident(str(p, "name"));
  for (const granted of list(p, "roles")) await q(`GRANT ${ident(granted)} TO ${role}`);
  const searchPath = list(p, "searchPaths");
  for (const part of searchPath) {
    if (part.includes(", ")) throw new Error(`search_path cannot contain \`, \`: ${part}`);
  }
  await q(
    `ALTER ROLE ${role} SET search_path TO ${searchPath.length > 0 ? searchPath.map(ident).join(", ") : "DEFAULT"}`,
  );
  const before = olds ?? {};
  for (const [key, setting] of [
    ["statementTimeout", "statement_timeout"],
    ["idleInTransactionSessionTimeout", "idle_in_transaction_session_timeout"],
  ] as const) {
    if (!changed(before, p, key)) continue;
    const value = int(p, key);
    await q(
      value !== 0 ? `ALTER ROLE ${role} SET ${setting} TO ${value}` : `ALTER ROLE ${role} RESET ${setting}`,
    );
  }
  if (changed(before, p, "assumeRole")) {
    const assume = str(p, "assumeRole");
    await q(
      assume !== "" ? `ALTER ROLE ${role} SET ROLE TO ${ident(assume)}` : `ALTER ROLE ${role} RESET ROLE`,
    );
  }
}

/** `resourcePostgreSQLRoleReadImpl`: attributes from pg_roles; the password comes from state (superuser=false). */
async function readRole(q: Query, name: string, state: Props): Promise<Props | undefined> {
  const { rows } = await q(
    `SELECT ARRAY(SELECT pg_get_userbyid(roleid) FROM pg_catalog.pg_auth_members members WHERE member = pg_roles.oid)::text[] AS roles,
       rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit,
       COALESCE(rolvaliduntil::TEXT, 'infinity') AS validuntil, rolconfig, rolreplication, rolbypassrls
     FROM pg_catalog.pg_roles WHERE rolname=$1`,
    [name],
  );
  if (rows.length === 0) return undefined;
  const r = rows[0] as Record<string, unknown>;
  const config = (r.rolconfig as string[] | null) ?? [];
  const searchPath = config.find((c) => c.startsWith("search_path="));
  return {
    ...state,
    name: r.rolname,
    connectionLimit: r.rolconnlimit,
    createDatabase: r.rolcreatedb,
    createRole: r.rolcreaterole,
    encryptedPassword: true,
    inherit: r.rolinherit,
    login: r.rolcanlogin,
    superuser: r.rolsuper,
    validUntil: r.validuntil,
    replication: r.rolreplication,
    bypassRowLevelSecurity: r.rolbypassrls,
    roles: r.roles,
    searchPaths:
      searchPath
        ?.slice("search_path=".length)
        .split(", ")
        .map((s) => s.replace(/^"|"$/g, "")) ?? [],
  };
}

/** Role lifecycle. */
export const role: ResourceHandler = {
  async create(db, p) {
    const name = str(p, "name");
    await db.transaction(undefined, async (q) => {
      await q(createRoleSql(p));
      await applyMemberships(q, undefined, p);
    });
    const outs = await db.session(undefined, (q) => readRole(q, name, p));
    if (outs === undefined) throw new Error(`role ${name} not found right after creation`);
    return { id: name, outs };
  },

  async read(db, id, p) {
    return db.session(undefined, (q) => readRole(q, id, p));
  },

  // `resourcePostgreSQLRoleUpdate`: each setRole* runs only when its attribute changed.
  async update(db, id, olds, p) {
    const name = str(p, "name");
    await db.transaction(undefined, async (q) => {
      await pgLockRole(q, id);
      if (changed(olds, p, "name")) await q(`ALTER ROLE ${ident(id)} RENAME TO ${ident(name)}`);
      const role = ident(name);
      if (changed(olds, p, "password") || changed(olds, p, "name")) {
        await q(`ALTER ROLE ${role} PASSWORD '${literal(str(p, "password"))}'`);
      }
      const flags: [string, string, string][] = [
        ["createDatabase", "CREATEDB", "NOCREATEDB"],
        ["createRole", "CREATEROLE", "NOCREATEROLE"],
        ["inherit", "INHERIT", "NOINHERIT"],
        ["login", "LOGIN", "NOLOGIN"],
        ["replication", "REPLICATION", "NOREPLICATION"],
        ["superuser", "SUPERUSER", "NOSUPERUSER"],
      ];
      if (changed(olds, p, "bypassRowLevelSecurity")) {
        await q(`ALTER ROLE ${role} WITH ${bool(p, "bypassRowLevelSecurity") ? "BYPASSRLS" : "NOBYPASSRLS"}`);
      }
      if (changed(olds, p, "connectionLimit")) {
        await q(`ALTER ROLE ${role} CONNECTION LIMIT ${int(p, "connectionLimit")}`);
      }
      for (const [key, on, off] of flags) {
        if (changed(olds, p, key)) await q(`ALTER ROLE ${role} WITH ${bool(p, key) ? on : off}`);
      }
      const validUntil = str(p, "validUntil");
      if (changed(olds, p, "validUntil") && validUntil !== "") {
        const v = validUntil.toLowerCase() === "infinity" ? "infinity" : literal(validUntil);
        await q(`ALTER ROLE ${role} VALID UNTIL '${v}'`);
      }
      // revokeRoles: every current membership is revoked, then grantRoles re-grants the wanted ones.
      const { rows } = await q(
        `SELECT pg_get_userbyid(roleid) AS granted FROM pg_catalog.pg_auth_members members
           JOIN pg_catalog.pg_roles ON members.member = pg_roles.oid WHERE rolname = $1`,
        [name],
      );
      for (const r of rows as { granted: string }[]) await q(`REVOKE ${ident(r.granted)} FROM ${role}`);
      await applyMemberships(q, olds, p);
    });
    const outs = await db.session(undefined, (q) => readRole(q, name, p));
    if (outs === undefined) throw new Error(`role ${name} not found after update`);
    return outs;
  },

  // `resourcePostgreSQLRoleDelete`: REASSIGN OWNED / DROP OWNED run in the provider's configured database only.
  async delete(db, _id, p) {
    const name = str(p, "name");
    await db.transaction(undefined, async (q) => {
      await pgLockRole(q, name);
      if (!bool(p, "skipReassignOwned")) {
        await withRolesGranted(q, [name], async () => {
          await q(`REASSIGN OWNED BY ${ident(name)} TO ${ident(db.username)}`);
          await q(`DROP OWNED BY ${ident(name)}`);
        });
      }
      if (!bool(p, "skipDropRole")) await q(`DROP ROLE ${ident(name)}`);
    });
  },
};
