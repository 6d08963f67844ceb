/**
 * postgresql:index/defaultPrivileges:DefaultPrivileges for the stand-in: the SQL of
 * postgresql/resource_postgresql_default_privileges.go in terraform-provider-postgresql (cyrilgdn). As the owner
 * role (through `withRolesGranted`) it runs `ALTER DEFAULT PRIVILEGES FOR ROLE <owner> ... REVOKE ALL` and then
 * `... GRANT`, in one transaction.
 */
import { getRoleOID, pgLockRole, withRolesGranted } from "./helpers";
import { grantTargetExists, OBJECT_KINDS, privilegesEqual, validatePrivileges } from "./privileges";
import { bool, list, str, type Props, type ResourceHandler } from "./resource";
import { ident, type Connector, type Query } from "./session";

function defaultPrivilegesSql(p: Props): { grant: string; revoke: string } {
  const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(str(p, "owner"))} ${
    str(p, "schema") !== "" ? `IN SCHEMA ${ident(str(p, "schema"))}` : ""
  }`;
  const objects = `${str(p, "objectType").toUpperCase()}S`;
  const role = ident(str(p, "role"));
  return {
    grant: `${prefix} GRANT ${list(p, "privileges").join(",")} ON ${objects} TO ${role}${
      bool(p, "withGrantOption") ? " WITH GRANT OPTION" : ""
    }`,
    revoke: `${prefix} REVOKE ALL ON ${objects} FROM ${role}`,
  };
}

/** `readRoleDefaultPrivileges`: undefined when none are left although some were wanted. */
async function readDefaultPrivileges(q: Query, p: Props): Promise<Props | undefined> {
  await pgLockRole(q, str(p, "owner"));
  const oid = await getRoleOID(q, str(p, "role"));
  const schema = str(p, "schema");
  const kind = OBJECT_KINDS[str(p, "objectType")];
  const { rows } =
    schema !== ""
      ? await q(
          `SELECT array_agg(prtype)::text[] AS privileges FROM (SELECT defaclnamespace, (aclexplode(defaclacl)).* FROM pg_default_acl WHERE defaclobjtype = $3)
             AS t (namespace, grantor_oid, grantee_oid, prtype, grantable) JOIN pg_namespace ON pg_namespace.oid = namespace
           WHERE grantee_oid = $1 AND nspname = $2 AND pg_get_userbyid(grantor_oid) = $4`,
          [oid, schema, kind, str(p, "owner")],
        )
      : await q(
          `SELECT array_agg(prtype)::text[] AS privileges FROM (SELECT defaclnamespace, (aclexplode(defaclacl)).* FROM pg_default_acl WHERE defaclobjtype = $2)
             AS t (namespace, grantor_oid, grantee_oid, prtype, grantable)
           WHERE grantee_oid = $1 AND namespace = 0 AND pg_get_userbyid(grantor_oid) = $3`,
          [oid, kind, str(p, "owner")],
        );
  const granted = (rows[0] as { privileges: string[] | null }).privileges ?? [];
  if (granted.length === 0 && list(p, "privileges").length > 0) return undefined;
  return privilegesEqual(granted, p) ? p : { ...p, privileges: granted };
}

/** DefaultPrivileges lifecycle. */
export const defaultPrivileges: ResourceHandler = {
  async create(db, p) {
    return { id: defaultPrivilegesId(p), outs: await applyDefaultPrivileges(db, p) };
  },
  async read(db, _id, p) {
    return db.session(str(p, "database"), async (q) =>
      (await grantTargetExists(q, p)) ? readDefaultPrivileges(q, p) : undefined,
    );
  },
  async update(db, _id, _olds, p) {
    return applyDefaultPrivileges(db, p);
  },
  async delete(db, _id, p) {
    await db.transaction(str(p, "database"), async (q) => {
      await pgLockRole(q, str(p, "owner"));
      await withRolesGranted(q, [str(p, "owner")], async () => {
        await q(defaultPrivilegesSql(p).revoke);
      });
    });
  },
};

/** `generateDefaultPrivilegesID`. */
function defaultPrivilegesId(p: Props): string {
  const schema = str(p, "schema") !== "" ? str(p, "schema") : "noschema";
  return [str(p, "role"), str(p, "database"), schema, str(p, "owner"), str(p, "objectType")].join("_");
}

/** `resourcePostgreSQLDefaultPrivilegesCreate`: checks, then revoke + grant as the owner. */
async function applyDefaultPrivileges(db: Connector, p: Props): Promise<Props> {
  if (str(p, "schema") !== "" && str(p, "objectType") === "schema") {
    throw new Error("cannot specify `schema` when `object_type` is `schema`");
  }
  if (bool(p, "withGrantOption") && str(p, "role").toLowerCase() === "public") {
    throw new Error("with_grant_option cannot be true for role 'public'");
  }
  validatePrivileges(p);
  const sql = defaultPrivilegesSql(p);
  await db.transaction(str(p, "database"), async (q) => {
    await pgLockRole(q, str(p, "owner"));
    await withRolesGranted(q, [str(p, "owner")], async () => {
      await q(sql.revoke);
      if (list(p, "privileges").length > 0) await q(sql.grant);
    });
  });
  const outs = await db.transaction(str(p, "database"), (q) => readDefaultPrivileges(q, p));
  if (outs === undefined)
    throw new Error(`default privileges ${defaultPrivilegesId(p)} not found after apply`);
  return outs;
}
