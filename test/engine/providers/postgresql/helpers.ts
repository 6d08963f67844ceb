/**
 * The SQL helpers of postgresql/helpers.go in terraform-provider-postgresql (cyrilgdn) that every stand-in resource
 * uses: superuser and membership checks, `withRolesGranted` (act as an owner through a temporary membership),
 * `pgLockRole`, and owner and oid look-ups.
 */
import { ident, type Query } from "./session";

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
