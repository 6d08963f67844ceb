/**
 * postgresql:index/grant:Grant for the stand-in: the SQL of postgresql/resource_postgresql_grant.go in
 * terraform-provider-postgresql (cyrilgdn). It revokes everything and grants the wanted privileges in one
 * transaction (so reducing privileges works), acting as the schema and table owners through `withRolesGranted`.
 * Column, foreign-data-wrapper and foreign-server grants are refused: the program registers none.
 */
import {
  getDatabaseOwner,
  getRoleOID,
  getSchemaOwner,
  getTablesOwner,
  pgLockRole,
  withRolesGranted,
} from "./helpers";
import { grantTargetExists, OBJECT_KINDS, privilegesEqual, validatePrivileges } from "./privileges";
import { bool, list, str, type Props, type ResourceHandler } from "./resource";
import { ident, type Connector, type Query } from "./session";

function grantSql(p: Props): { grant: string; revoke: string } {
  const objectType = str(p, "objectType");
  const role = ident(str(p, "role"));
  const privileges = list(p, "privileges").join(",");
  const objects = list(p, "objects");
  const schema = ident(str(p, "schema"));
  let on: string;
  switch (objectType) {
    case "database":
      on = `DATABASE ${ident(str(p, "database"))}`;
      break;
    case "schema":
      on = `SCHEMA ${schema}`;
      break;
    case "table":
    case "sequence":
    case "function":
    case "procedure":
    case "routine":
      on =
        objects.length > 0
          ? `${objectType.toUpperCase()} ${objects.map((o) => `${schema}.${ident(o)}`).join(",")}`
          : `ALL ${objectType.toUpperCase()}S IN SCHEMA ${schema}`;
      break;
    default:
      throw new Error(`postgresql stand-in: Grant objectType "${objectType}" is not implemented`);
  }
  const grant = `GRANT ${privileges} ON ${on} TO ${role}${bool(p, "withGrantOption") ? " WITH GRANT OPTION" : ""}`;
  // With named objects and privileges the real provider revokes just those (to spare column grants).
  const revoke =
    objects.length > 0 && privileges !== ""
      ? `REVOKE ${privileges} ON ${on} FROM ${role}`
      : `REVOKE ALL PRIVILEGES ON ${on} FROM ${role}`;
  return { grant, revoke };
}

/** `getRolesToGrant`: schema owner plus, except for schema grants, the owners of the schema's tables. */
async function ownersToAct(q: Query, p: Props): Promise<string[]> {
  const objectType = str(p, "objectType");
  if (objectType === "database") return [];
  const schema = str(p, "schema");
  const owners = objectType === "schema" ? [] : await getTablesOwner(q, schema);
  const schemaOwner = await getSchemaOwner(q, schema);
  if (!owners.includes(schemaOwner)) owners.push(schemaOwner);
  // resolveOwners: pg_database_owner stands for the current database's owner.
  return Promise.all(owners.map((o) => (o === "pg_database_owner" ? getDatabaseOwner(q, "") : o)));
}

/** `generateGrantID`. */
function grantId(p: Props): string {
  const objectType = str(p, "objectType");
  const parts = [str(p, "role"), str(p, "database")];
  if (objectType !== "database") parts.push(str(p, "schema"));
  return [...parts, objectType, ...list(p, "objects"), ...list(p, "columns")].join("_");
}

/** `readRolePrivileges`: the privileges actually held; any object that differs makes them the read-back value. */
async function readGrant(q: Query, p: Props): Promise<Props> {
  const objectType = str(p, "objectType");
  const oid = await getRoleOID(q, str(p, "role"));
  if (objectType === "database" || objectType === "schema") {
    const [acl, catalog, key] =
      objectType === "database"
        ? ["datacl", "pg_database", "datname"]
        : ["nspacl", "pg_namespace", "nspname"];
    const name = objectType === "database" ? str(p, "database") : str(p, "schema");
    const { rows } = await q(
      `SELECT array_agg(privilege_type)::text[] AS privileges FROM (SELECT (aclexplode(${acl})).* FROM ${catalog} WHERE ${key}=$1) as privileges WHERE grantee = $2`,
      [name, oid],
    );
    const granted = ((rows[0] as { privileges: string[] | null }).privileges ?? []).slice();
    return privilegesEqual(granted, p) ? p : { ...p, privileges: granted };
  }
  const { rows } = await q(
    `SELECT pg_class.relname, array_remove(array_agg(privilege_type), NULL)::text[] AS privileges
     FROM pg_class JOIN pg_namespace ON pg_namespace.oid = pg_class.relnamespace
     LEFT JOIN (SELECT acls.* FROM (SELECT relname, relnamespace, relkind, (aclexplode(relacl)).* FROM pg_class c) as acls
                WHERE grantee=$1) privs USING (relname, relnamespace, relkind)
     WHERE nspname = $2 AND relkind = $3 GROUP BY pg_class.relname`,
    [oid, str(p, "schema"), OBJECT_KINDS[objectType]],
  );
  const objects = list(p, "objects");
  for (const r of rows as { relname: string; privileges: string[] }[]) {
    if (objects.length > 0 && !objects.includes(r.relname)) continue;
    if (!privilegesEqual(r.privileges, p)) return { ...p, privileges: r.privileges };
  }
  return p;
}

/** `resourcePostgreSQLGrantCreateOrUpdate`: parameter checks, then revoke + grant as the owners. */
async function applyGrant(db: Connector, p: Props): Promise<Props> {
  const objectType = str(p, "objectType");
  if (
    str(p, "schema") === "" &&
    !["database", "foreign_data_wrapper", "foreign_server"].includes(objectType)
  ) {
    throw new Error("parameter 'schema' is mandatory for postgresql_grant resource");
  }
  if (list(p, "objects").length > 0 && (objectType === "database" || objectType === "schema")) {
    throw new Error("cannot specify `objects` when `object_type` is `database` or `schema`");
  }
  validatePrivileges(p);
  const sql = grantSql(p);
  await db.transaction(str(p, "database"), async (q) => {
    await pgLockRole(q, str(p, "role"));
    if (objectType === "database") {
      await q("SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_database WHERE datname = $1", [
        str(p, "database"),
      ]);
    }
    await withRolesGranted(q, await ownersToAct(q, p), async () => {
      await q(sql.revoke);
      if (list(p, "privileges").length > 0) await q(sql.grant);
    });
  });
  return db.transaction(str(p, "database"), (q) => readGrant(q, p));
}

/** Grant lifecycle (Update is the same revoke + grant as Create). */
export const grant: ResourceHandler = {
  async create(db, p) {
    return { id: grantId(p), outs: await applyGrant(db, p) };
  },
  async read(db, _id, p) {
    return db.session(str(p, "database"), async (q) =>
      (await grantTargetExists(q, p)) ? readGrant(q, p) : undefined,
    );
  },
  async update(db, _id, _olds, p) {
    return applyGrant(db, p);
  },
  async delete(db, _id, p) {
    await db.transaction(str(p, "database"), async (q) => {
      await pgLockRole(q, str(p, "role"));
      await withRolesGranted(q, await ownersToAct(q, p), async () => {
        await q(grantSql(p).revoke);
      });
    });
  },
};
