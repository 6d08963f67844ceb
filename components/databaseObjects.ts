import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** The login roles the application side uses. */
export type DbRole = "migrator" | "app" | "readonly";

/** PostgreSQL role names; the migrator owns {@link APP_SCHEMA}. */
export const DB_ROLES: readonly DbRole[] = ["migrator", "app", "readonly"];

/** Schema that holds the application's tables, owned by the migrator. */
export const APP_SCHEMA = "app";

/** Connection limit of the migrator role (migrations run one at a time). */
export const MIGRATOR_CONNECTION_LIMIT = 5;

/** Seconds the postgresql provider waits for a connection before failing. */
export const CONNECT_TIMEOUT_SECONDS = 30;

/** Privileges per object type: `app` gets DML only, `readonly` SELECT only; neither gets CREATE, TRUNCATE or ALL. */
export const ROLE_PRIVILEGES: Readonly<Record<Exclude<DbRole, "migrator">, Record<string, string[]>>> = {
  app: { table: ["SELECT", "INSERT", "UPDATE", "DELETE"], sequence: ["SELECT", "USAGE"] },
  readonly: { table: ["SELECT"] },
};

/** Characters generated database passwords use: URL-safe, so they go into connection URLs unencoded. */
const PASSWORD_SPECIALS = "-_";

/**
 * A generated password (40 characters; upper, lower, digits and '-'/'_', which meets Azure's complexity rule) that
 * is regenerated when `rotatedOn` changes.
 */
export function databasePassword(
  name: string,
  rotatedOn: string,
  parent: pulumi.Resource,
): random.RandomPassword {
  return new random.RandomPassword(
    name,
    {
      length: 40,
      special: true,
      overrideSpecial: PASSWORD_SPECIALS,
      minUpper: 2,
      minLower: 2,
      minNumeric: 2,
      minSpecial: 1,
      keepers: { rotatedOn },
    },
    { parent },
  );
}

/** Arguments of {@link DatabaseObjects}. */
export interface DatabaseObjectsArgs {
  /** Server FQDN the deployer connects to (port 5432, TLS required). */
  readonly host: pulumi.Input<string>;
  /** Administrator login (Azure's admin is a member of azure_pg_admin, not a superuser). */
  readonly adminLogin: string;
  /** Administrator password (a Pulumi secret). */
  readonly adminPassword: pulumi.Input<string>;
  /** Application database. */
  readonly databaseName: pulumi.Input<string>;
  /** Major PostgreSQL version, e.g. "16". */
  readonly version: string;
  /** Extensions to create in schema public (each must be in `azure.extensions`). */
  readonly extensions: readonly string[];
  /** Passwords of the login roles (Pulumi secrets). */
  readonly passwords: Readonly<Record<DbRole, pulumi.Input<string>>>;
  /** Connection limit of the app role. */
  readonly appConnectionLimit: number;
  /** Connection limit of the readonly role. */
  readonly readonlyConnectionLimit: number;
  /** The `azure.extensions` Configuration the extensions wait for; absent when no extension is listed. */
  readonly extensionsAllowList?: pulumi.Resource;
  /** Server-side writes (firewall rules, parameters, database) that must finish before connecting. */
  readonly serverReady: pulumi.Resource[];
}

/**
 * Roles, schema, extensions and grants inside the application database, through an explicit postgresql provider
 * that connects as the Azure administrator with `sslmode=require`:
 * - `migrator` (login) owns schema `app` and runs the DDL there;
 * - `app` (login) gets DML on tables and USAGE/SELECT on sequences in `app`, no CREATE;
 * - `readonly` (login) gets SELECT on tables in `app`;
 * - default privileges (owner `migrator`) give the same rights on tables the migrator creates later;
 * - no role has superuser, createRole, createDatabase, replication or bypassRowLevelSecurity.
 * CREATE on schema public is not granted to PUBLIC since PostgreSQL 15 (the config allows 15+ only), so no
 * revoke is issued (a Grant to `public` would also trip the grant-disallow-public-or-all policy).
 * Writes run one after another: concurrent GRANTs on one schema fail with "tuple concurrently updated".
 */
export class DatabaseObjects extends pulumi.ComponentResource {
  /** Names of the login roles. */
  public readonly roleNames: Record<DbRole, pulumi.Output<string>>;
  /** The application schema. */
  public readonly schemaName: pulumi.Output<string>;

  constructor(name: string, args: DatabaseObjectsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:database:DatabaseObjects", name, {}, opts);
    if (Number(args.version) < 15) {
      throw new pulumi.ResourceError(
        `version ${args.version} grants CREATE on schema public to PUBLIC: use PostgreSQL 15 or newer`,
        this,
      );
    }

    const provider = new postgresql.Provider(
      `${name}-provider`,
      {
        host: args.host,
        port: 5432,
        sslmode: "require",
        username: args.adminLogin,
        password: pulumi.secret(args.adminPassword),
        superuser: false,
        database: args.databaseName,
        connectTimeout: CONNECT_TIMEOUT_SECONDS,
        expectedVersion: args.version,
      },
      { parent: this },
    );
    const database = args.databaseName;
    let previous: pulumi.Resource[] = args.serverReady;
    const serial = <T extends pulumi.Resource>(
      make: (opts: pulumi.CustomResourceOptions) => T,
      extra: pulumi.Resource[] = [],
    ): T => {
      const resource = make({ provider, parent: this, dependsOn: [...previous, ...extra] });
      previous = [resource];
      return resource;
    };

    const limits: Record<DbRole, number> = {
      migrator: MIGRATOR_CONNECTION_LIMIT,
      app: args.appConnectionLimit,
      readonly: args.readonlyConnectionLimit,
    };
    const roles = {} as Record<DbRole, postgresql.Role>;
    for (const role of DB_ROLES) {
      roles[role] = serial(
        (o) =>
          new postgresql.Role(
            `${name}-role-${role}`,
            {
              name: role,
              login: true,
              password: pulumi.secret(args.passwords[role]),
              encryptedPassword: true,
              connectionLimit: limits[role],
              superuser: false,
              createRole: false,
              createDatabase: false,
              replication: false,
              bypassRowLevelSecurity: false,
              searchPaths: [APP_SCHEMA, "public"],
            },
            o,
          ),
      );
    }

    const schema = serial(
      (o) =>
        new postgresql.Schema(
          `${name}-schema`,
          { name: APP_SCHEMA, database, owner: roles.migrator.name, dropCascade: false },
          o,
        ),
    );

    for (const extension of args.extensions) {
      serial(
        (o) =>
          new postgresql.Extension(
            `${name}-ext-${extension}`,
            { name: extension, database, schema: "public" },
            o,
          ),
        args.extensionsAllowList ? [args.extensionsAllowList] : [],
      );
    }

    for (const role of ["app", "readonly"] as const) {
      serial(
        (o) =>
          new postgresql.Grant(
            `${name}-grant-${role}-schema`,
            {
              database,
              role: roles[role].name,
              schema: schema.name,
              objectType: "schema",
              privileges: ["USAGE"],
            },
            o,
          ),
      );
      for (const [objectType, privileges] of Object.entries(ROLE_PRIVILEGES[role])) {
        serial(
          (o) =>
            new postgresql.Grant(
              `${name}-grant-${role}-${objectType}`,
              { database, role: roles[role].name, schema: schema.name, objectType, privileges },
              o,
            ),
        );
        serial(
          (o) =>
            new postgresql.DefaultPrivileges(
              `${name}-default-${role}-${objectType}`,
              {
                database,
                role: roles[role].name,
                owner: roles.migrator.name,
                schema: schema.name,
                objectType,
                privileges,
              },
              o,
            ),
        );
      }
    }

    this.roleNames = { migrator: roles.migrator.name, app: roles.app.name, readonly: roles.readonly.name };
    this.schemaName = schema.name;
    this.registerOutputs({ roleNames: this.roleNames, schemaName: this.schemaName });
  }
}
