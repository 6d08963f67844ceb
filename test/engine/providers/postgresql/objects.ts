/**
 * postgresql:index/schema:Schema, postgresql:index/extension:Extension and postgresql:index/database:Database for
 * the stand-in: the SQL of postgresql/resource_postgresql_schema.go, resource_postgresql_extension.go and
 * resource_postgresql_database.go in terraform-provider-postgresql (cyrilgdn). Schema `policies` are refused (the
 * program uses Grant resources instead).
 */
import { bool, changed, int, str, type Props, type ResourceHandler } from "./resource";
import { getDatabaseOwner, grantRoleMembership, revokeRoleMembership, withRolesGranted } from "./helpers";
import { ident, literal, type Connector, type Query } from "./session";

const database = (db: Connector, p: Props): string => str(p, "database") || db.defaultDatabase;

/** `resourcePostgreSQLSchemaReadImpl`: owner and name from pg_namespace. */
async function readSchema(q: Query, db: Connector, name: string, p: Props): Promise<Props | undefined> {
  const { rows } = await q(
    "SELECT pg_catalog.pg_get_userbyid(n.nspowner) AS owner FROM pg_catalog.pg_namespace n WHERE n.nspname=$1",
    [name],
  );
  if (rows.length === 0) return undefined;
  return { ...p, name, owner: (rows[0] as { owner: string }).owner, database: database(db, p) };
}

/** Schema lifecycle; the id is `<database>.<schema>` (`generateSchemaID`). */
export const schema: ResourceHandler = {
  // `resourcePostgreSQLSchemaCreate`: act as the database owner and the schema owner, create unless present.
  async create(db, p) {
    if (Array.isArray(p.policies) && p.policies.length > 0) {
      throw new Error("postgresql stand-in: Schema `policies` are not implemented (use Grant resources)");
    }
    const dbName = database(db, p);
    const name = str(p, "name");
    const owner = str(p, "owner");
    const outs = await db.transaction(dbName, async (q) => {
      const dbOwner = await getDatabaseOwner(q, dbName);
      const roles = owner !== "" && owner !== dbOwner ? [dbOwner, owner] : [dbOwner];
      await withRolesGranted(q, roles, async () => {
        const exists = (await q("SELECT TRUE FROM pg_catalog.pg_namespace WHERE nspname = $1", [name])).rows
          .length;
        if (exists === 0) {
          const ifNotExists = bool(p, "ifNotExists") ? "IF NOT EXISTS " : "";
          await q(
            `CREATE SCHEMA ${ifNotExists}${ident(name)}${owner !== "" ? ` AUTHORIZATION ${ident(owner)}` : ""}`,
          );
        } else if (owner !== "") {
          await q(`ALTER SCHEMA ${ident(name)} OWNER TO ${ident(owner)}`);
        }
      });
      return readSchema(q, db, name, p);
    });
    if (outs === undefined) throw new Error(`schema ${name} not found right after creation`);
    return { id: `${dbName}.${name}`, outs };
  },

  async read(db, _id, p) {
    return db.session(database(db, p), (q) => readSchema(q, db, str(p, "name"), p));
  },

  // `resourcePostgreSQLSchemaUpdate`: rename, then owner (no temporary membership here, as in the Go source).
  async update(db, _id, olds, p) {
    const name = str(p, "name");
    return db.transaction(database(db, p), async (q) => {
      if (changed(olds, p, "name")) {
        if (name === "") throw new Error("Error setting schema name to an empty string");
        await q(`ALTER SCHEMA ${ident(str(olds, "name"))} RENAME TO ${ident(name)}`);
      }
      if (changed(olds, p, "owner")) {
        if (str(p, "owner") === "") throw new Error("Error setting schema owner to an empty string");
        await q(`ALTER SCHEMA ${ident(name)} OWNER TO ${ident(str(p, "owner"))}`);
      }
      const outs = await readSchema(q, db, name, p);
      if (outs === undefined) throw new Error(`schema ${name} not found after update`);
      return outs;
    });
  },

  // `resourcePostgreSQLSchemaDelete`: DROP SCHEMA ... RESTRICT unless dropCascade, as the schema owner.
  async delete(db, _id, p) {
    const name = str(p, "name");
    await db.transaction(database(db, p), async (q) => {
      if ((await q("SELECT 1 FROM pg_namespace WHERE nspname=$1", [name])).rows.length === 0) return;
      await withRolesGranted(q, [str(p, "owner")], async () => {
        await q(`DROP SCHEMA ${ident(name)} ${bool(p, "dropCascade") ? "CASCADE" : "RESTRICT"}`);
      });
    });
  },
};

/** `resourcePostgreSQLExtensionReadImpl`: schema and version from pg_extension. */
async function readExtension(q: Query, db: Connector, p: Props): Promise<Props | undefined> {
  const { rows } = await q(
    "SELECT n.nspname, e.extversion FROM pg_catalog.pg_extension e, pg_catalog.pg_namespace n WHERE n.oid = e.extnamespace AND e.extname = $1",
    [str(p, "name")],
  );
  if (rows.length === 0) return undefined;
  const r = rows[0] as { nspname: string; extversion: string };
  return { ...p, schema: r.nspname, version: r.extversion, database: database(db, p) };
}

/** Extension lifecycle; the id is `<database>.<extension>` (`generateExtensionID`). */
export const extension: ResourceHandler = {
  async create(db, p) {
    let sql = `CREATE EXTENSION IF NOT EXISTS ${ident(str(p, "name"))}`;
    if (str(p, "schema") !== "") sql += ` SCHEMA ${ident(str(p, "schema"))}`;
    if (str(p, "version") !== "") sql += ` VERSION ${ident(str(p, "version"))}`;
    if (bool(p, "createCascade")) sql += " CASCADE";
    const dbName = database(db, p);
    await db.transaction(dbName, (q) => q(sql));
    const outs = await db.session(dbName, (q) => readExtension(q, db, p));
    if (outs === undefined) throw new Error(`extension ${str(p, "name")} not found right after creation`);
    return { id: `${dbName}.${str(p, "name")}`, outs };
  },

  async read(db, _id, p) {
    return db.session(database(db, p), (q) => readExtension(q, db, p));
  },

  async update(db, _id, olds, p) {
    const name = ident(str(p, "name"));
    await db.transaction(database(db, p), async (q) => {
      if (changed(olds, p, "schema"))
        await q(`ALTER EXTENSION ${name} SET SCHEMA ${ident(str(p, "schema"))}`);
      if (changed(olds, p, "version")) {
        const to = str(p, "version");
        await q(`ALTER EXTENSION ${name} UPDATE${to !== "" ? ` TO ${ident(to)}` : ""}`);
      }
    });
    const outs = await db.session(database(db, p), (q) => readExtension(q, db, p));
    if (outs === undefined) throw new Error(`extension ${str(p, "name")} not found after update`);
    return outs;
  },

  async delete(db, _id, p) {
    const mode = bool(p, "dropCascade") ? "CASCADE" : "RESTRICT";
    await db.transaction(database(db, p), (q) => q(`DROP EXTENSION ${ident(str(p, "name"))} ${mode} `));
  },
};

/** `resourcePostgreSQLDatabaseReadImpl`. */
async function readDatabase(q: Query, name: string, p: Props): Promise<Props | undefined> {
  const { rows } = await q(
    `SELECT d.datname, pg_catalog.pg_get_userbyid(d.datdba) AS owner, pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
       d.datcollate, d.datctype, ts.spcname, d.datconnlimit, d.datallowconn, d.datistemplate
     FROM pg_catalog.pg_database AS d, pg_catalog.pg_tablespace AS ts WHERE d.datname = $1 AND d.dattablespace = ts.oid`,
    [name],
  );
  if (rows.length === 0) return undefined;
  const r = rows[0] as Record<string, unknown>;
  return {
    ...p,
    name: r.datname,
    owner: r.owner,
    encoding: r.encoding,
    lcCollate: r.datcollate,
    lcCtype: r.datctype,
    tablespaceName: r.spcname,
    connectionLimit: r.datconnlimit,
    allowConnections: r.datallowconn,
    isTemplate: r.datistemplate,
    template: str(p, "template") || "template0",
  };
}

/** Runs `fn` with the login temporarily a member of `owner` (createDatabase/setDBOwner), outside a transaction. */
async function asOwner(q: Query, db: Connector, owner: string, fn: () => Promise<unknown>): Promise<void> {
  const granted = owner !== "" && (await grantRoleMembership(q, owner, db.username));
  try {
    await fn();
  } finally {
    if (granted) await revokeRoleMembership(q, owner, db.username);
  }
}

/** Database lifecycle; CREATE/DROP DATABASE cannot run in a transaction, so these use a plain session. */
export const databaseResource: ResourceHandler = {
  async create(db, p) {
    const name = str(p, "name");
    const owner = str(p, "owner");
    const opt = (key: string, sql: string, fallback: string) => {
      const v = str(p, key);
      if (v === "") return fallback;
      return v.toUpperCase() === "DEFAULT" ? ` ${sql} DEFAULT` : ` ${sql} '${literal(v)}' `;
    };
    let sql = `CREATE DATABASE ${ident(name)} OWNER ${ident(owner || db.username)}`;
    const template = str(p, "template");
    sql +=
      template.toUpperCase() === "DEFAULT"
        ? " TEMPLATE DEFAULT"
        : ` TEMPLATE ${ident(template || "template0")}`;
    sql += opt("encoding", "ENCODING", " ENCODING 'UTF8'");
    sql += opt("lcCollate", "LC_COLLATE", "");
    sql += opt("lcCtype", "LC_CTYPE", "");
    if (str(p, "tablespaceName") !== "") sql += ` TABLESPACE ${ident(str(p, "tablespaceName"))}`;
    sql += ` ALLOW_CONNECTIONS ${bool(p, "allowConnections")} CONNECTION LIMIT ${int(p, "connectionLimit")}`;
    sql += ` IS_TEMPLATE ${bool(p, "isTemplate")}`;
    const outs = await db.session(undefined, async (q) => {
      await asOwner(q, db, owner, () => q(sql));
      return readDatabase(q, name, p);
    });
    if (outs === undefined) throw new Error(`database ${name} not found right after creation`);
    return { id: name, outs };
  },

  async read(db, id, p) {
    return db.session(undefined, (q) => readDatabase(q, id, p));
  },

  async update(db, id, olds, p) {
    const name = str(p, "name");
    return db.session(undefined, async (q) => {
      if (changed(olds, p, "name")) await q(`ALTER DATABASE ${ident(id)} RENAME TO ${ident(name)}`);
      if (changed(olds, p, "owner") && str(p, "owner") !== "") {
        await asOwner(q, db, str(p, "owner"), () =>
          q(`ALTER DATABASE ${ident(name)} OWNER TO ${ident(str(p, "owner"))}`),
        );
      }
      if (changed(olds, p, "connectionLimit")) {
        await q(`ALTER DATABASE ${ident(name)} CONNECTION LIMIT = ${int(p, "connectionLimit")}`);
      }
      if (changed(olds, p, "allowConnections")) {
        await q(`ALTER DATABASE ${ident(name)} ALLOW_CONNECTIONS ${bool(p, "allowConnections")}`);
      }
      if (changed(olds, p, "isTemplate"))
        await q(`ALTER DATABASE ${ident(name)} IS_TEMPLATE ${bool(p, "isTemplate")}`);
      const outs = await readDatabase(q, name, p);
      if (outs === undefined) throw new Error(`database ${name} not found after update`);
      return outs;
    });
  },

  async delete(db, _id, p) {
    const name = str(p, "name");
    await db.session(undefined, (q) =>
      asOwner(q, db, str(p, "owner"), async () => {
        if (bool(p, "isTemplate")) await q(`ALTER DATABASE ${ident(name)} IS_TEMPLATE false`);
        await q(`DROP DATABASE ${ident(name)}`);
      }),
    );
  },
};
