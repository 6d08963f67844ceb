/**
 * What the postgresql stand-in knows of each resource's schema in terraform-provider-postgresql (cyrilgdn), as
 * bridged by @pulumi/postgresql 3.18.1: required inputs, defaults the bridged Check fills in, the properties whose
 * change forces a replacement (`ForceNew`), and the `ValidateFunc` rules that fail at check time. Each entry cites
 * the `Schema:` map of postgresql/resource_postgresql_<x>.go it mirrors; input names are the Pulumi (camelCase)
 * names from node_modules/@pulumi/postgresql/<x>.d.ts.
 */

/** A value check run at check time; returns the reason it fails, or undefined. */
type Validate = (value: unknown) => string | undefined;

/** Check/diff metadata of one resource type. */
export interface TypeSchema {
  /** Inputs the real provider requires (after auto-naming of `name`). */
  readonly required: readonly string[];
  /** `name` is auto-named by the bridge when absent (a Required TF `name` that is optional in the Pulumi SDK). */
  readonly autoName: boolean;
  /** TF schema defaults, applied by the bridged Check. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Inputs marked `ForceNew`: a change replaces the resource. */
  readonly forceNew: readonly string[];
  /** Inputs compared as sets (TF `TypeSet`), not lists. */
  readonly sets: readonly string[];
  /** `ValidateFunc`s of the schema. */
  readonly validate: Readonly<Record<string, Validate>>;
}

const oneOf =
  (allowed: readonly string[]): Validate =>
  (v) =>
    typeof v === "string" && allowed.includes(v)
      ? undefined
      : `expected one of [${allowed.join(", ")}], got ${JSON.stringify(v)}`;

const intAtLeast =
  (min: number): Validate =>
  (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min
      ? undefined
      : `expected an integer of at least ${min}, got ${JSON.stringify(v)}`;

/** Object types a Grant accepts (`allowedObjectTypes` in resource_postgresql_grant.go). */
export const GRANT_OBJECT_TYPES = [
  "database",
  "function",
  "procedure",
  "routine",
  "schema",
  "sequence",
  "table",
  "foreign_data_wrapper",
  "foreign_server",
  "column",
] as const;

/** Object types DefaultPrivileges accepts (`object_type` ValidateFunc in resource_postgresql_default_privileges.go). */
export const DEFAULT_PRIVILEGES_OBJECT_TYPES = [
  "table",
  "sequence",
  "function",
  "routine",
  "type",
  "schema",
] as const;

/** Privileges allowed per object type (`allowedPrivileges` in postgresql/helpers.go), checked at create. */
export const ALLOWED_PRIVILEGES: Readonly<Record<string, readonly string[]>> = {
  database: ["ALL", "CREATE", "CONNECT", "TEMPORARY"],
  table: ["ALL", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
  sequence: ["ALL", "USAGE", "SELECT", "UPDATE"],
  schema: ["ALL", "CREATE", "USAGE"],
  function: ["ALL", "EXECUTE"],
  procedure: ["ALL", "EXECUTE"],
  routine: ["ALL", "EXECUTE"],
  type: ["ALL", "USAGE"],
  foreign_data_wrapper: ["ALL", "USAGE"],
  foreign_server: ["ALL", "USAGE"],
  column: ["ALL", "SELECT", "INSERT", "UPDATE", "REFERENCES"],
};

/** Metadata per Pulumi type token. */
export const TYPES: Readonly<Record<string, TypeSchema>> = {
  // postgresql/resource_postgresql_role.go: name Required; connection_limit Default -1 IntAtLeast(-1); booleans
  // default false except inherit and encrypted_password (true); valid_until Default "infinity"; nothing ForceNew.
  "postgresql:index/role:Role": {
    required: ["name"],
    autoName: true,
    defaults: {
      encryptedPassword: true,
      validUntil: "infinity",
      connectionLimit: -1,
      superuser: false,
      createDatabase: false,
      createRole: false,
      inherit: true,
      login: false,
      replication: false,
      bypassRowLevelSecurity: false,
      skipDropRole: false,
      skipReassignOwned: false,
    },
    forceNew: [],
    sets: ["roles"],
    validate: {
      connectionLimit: intAtLeast(-1),
      statementTimeout: intAtLeast(0),
      idleInTransactionSessionTimeout: intAtLeast(0),
    },
  },
  // postgresql/resource_postgresql_grant.go: role, database, object_type, privileges Required; everything but
  // privileges ForceNew; object_type StringInSlice(allowedObjectTypes); with_grant_option Default false.
  "postgresql:index/grant:Grant": {
    required: ["database", "objectType", "privileges", "role"],
    autoName: false,
    defaults: { withGrantOption: false },
    forceNew: ["role", "database", "schema", "objectType", "objects", "columns", "withGrantOption"],
    sets: ["privileges", "objects", "columns"],
    validate: { objectType: oneOf(GRANT_OBJECT_TYPES) },
  },
  // postgresql/resource_postgresql_default_privileges.go: role, database, owner, object_type, privileges Required;
  // everything but privileges ForceNew; object_type StringInSlice(table, sequence, function, routine, type, schema).
  "postgresql:index/defaultPrivileges:DefaultPrivileges": {
    required: ["database", "objectType", "owner", "privileges", "role"],
    autoName: false,
    defaults: { withGrantOption: false },
    forceNew: ["role", "database", "owner", "schema", "objectType", "withGrantOption"],
    sets: ["privileges"],
    validate: { objectType: oneOf(DEFAULT_PRIVILEGES_OBJECT_TYPES) },
  },
  // postgresql/resource_postgresql_schema.go: name Required; database ForceNew; if_not_exists Default true;
  // drop_cascade Default false; name and owner change in place (ALTER SCHEMA ... RENAME TO / OWNER TO).
  "postgresql:index/schema:Schema": {
    required: ["name"],
    autoName: true,
    defaults: { ifNotExists: true, dropCascade: false },
    forceNew: ["database"],
    sets: [],
    validate: {},
  },
  // postgresql/resource_postgresql_extension.go: name Required ForceNew; database ForceNew; schema and version
  // change in place (ALTER EXTENSION ... SET SCHEMA / UPDATE TO); drop_cascade Default false.
  "postgresql:index/extension:Extension": {
    required: ["name"],
    autoName: true,
    defaults: { dropCascade: false, createCascade: false },
    forceNew: ["name", "database"],
    sets: [],
    validate: {},
  },
  // postgresql/resource_postgresql_database.go: name Required; template, encoding, lc_collate, lc_ctype ForceNew;
  // connection_limit Default -1 IntAtLeast(-1); allow_connections Default true.
  "postgresql:index/database:Database": {
    required: ["name"],
    autoName: true,
    defaults: { connectionLimit: -1, allowConnections: true, alterObjectOwnership: false },
    forceNew: ["template", "encoding", "lcCollate", "lcCtype"],
    sets: [],
    validate: { connectionLimit: intAtLeast(-1) },
  },
};

/** The metadata of a type token, or an error naming the supported ones. */
export function typeSchema(type: string): TypeSchema {
  const schema = TYPES[type];
  if (schema === undefined) {
    throw new Error(
      `postgresql stand-in: resource type ${type} is not supported (supported: ${Object.keys(TYPES).join(", ")})`,
    );
  }
  return schema;
}
