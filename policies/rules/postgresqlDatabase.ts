import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import type { BaseConfig } from "../lib/config";
import {
  defaultCredentialProducers,
  type ProvenanceConfig,
  provenanceProblem,
  provenanceSchema,
} from "../lib/provenance";
import { anyResourceRule, type PropsOf, resourceRule, stackRule, typeToken } from "../lib/rule";
import { known, ofType, settingName, UNKNOWN } from "../lib/stack";
import { ownEntry, shapeOf, stringOf, stringsOf } from "../lib/values";

type RoleProps = PropsOf<typeof postgresql.Role>;
/** The shape Grant and DefaultPrivileges share. */
interface PrivilegeProps {
  readonly role: string;
  readonly objectType: string;
  readonly privileges: string[];
  readonly schema?: string;
}

/**
 * The grant's role, object type and privileges, or (fail closed: a least-privilege rule cannot pass what it cannot
 * read) the violation naming each of them that is unset or not of its documented type.
 */
function readGrant(grant: PrivilegeProps, kind: string): PrivilegeProps | string {
  const role = stringOf(grant.role);
  const objectType = stringOf(grant.objectType);
  const privileges = stringsOf(grant.privileges);
  if (role !== undefined && objectType !== undefined && privileges !== undefined) {
    return { role, objectType, privileges };
  }
  const wrong = [
    role === undefined ? `role is ${shapeOf(grant.role)}` : [],
    objectType === undefined ? `objectType is ${shapeOf(grant.objectType)}` : [],
    privileges === undefined ? `privileges is ${shapeOf(grant.privileges)}` : [],
  ].flat();
  return `${kind} cannot be checked (${wrong.join(", ")}): set role to a role name, objectType to a string and privileges to a list of privilege names.`;
}

const privilegedAttributes = [
  "superuser",
  "createRole",
  "createDatabase",
  "replication",
  "bypassRowLevelSecurity",
] as const;

/** Application roles carry no cluster-level privileges (the migrator/owner role is an explicit exception). */
export const postgresqlRoleDisallowPrivilegedAttributes = resourceRule<RoleProps>({
  name: "postgresql-role-disallow-privileged-attributes",
  description:
    "PostgreSQL role has none of superuser, createRole, createDatabase, replication, bypassRowLevelSecurity set to true (unset means false).",
  enforcementLevel: "mandatory",
  resources: [postgresql.Role],
  meta: {
    checklist: ["dbLeastPrivilege"],
    severity: "high",
    remediationSteps:
      "Remove the attribute; run migrations as the owner role and list that role under excludeFor with a reason.",
    anchors: { pulumi: ["PBP:rbac-least-privilege"] },
  },
  check: (role, _args, report) => {
    const granted = privilegedAttributes.filter((a) => role[a] === true);
    if (granted.length > 0) {
      report(
        `Role has ${granted.join(", ")}: set ${granted.map((a) => `${a}: false`).join(", ")} (application roles need none).`,
      );
    }
  },
});

interface ConnectionLimitConfig extends BaseConfig {
  /** Highest accepted connection limit per login role. */
  readonly maxConnections: number;
}

/** Login roles have a connection limit so one app cannot exhaust the server. */
export const postgresqlRoleConfigureConnectionLimit = resourceRule<RoleProps, ConnectionLimitConfig>({
  name: "postgresql-role-configure-connection-limit",
  description:
    "PostgreSQL login role has connectionLimit between 1 and `maxConnections`; unset means -1 (unlimited). Roles without login are skipped.",
  enforcementLevel: "advisory",
  resources: [postgresql.Role],
  config: {
    schema: { maxConnections: { type: "integer", minimum: 1, default: 100 } },
    defaults: { maxConnections: 100 },
  },
  meta: {
    profile: "platform",
    checklist: ["dbLeastPrivilege", "resilience"],
    severity: "low",
    remediationSteps: "Set connectionLimit to the app's pool size plus headroom (e.g. 20).",
  },
  check: (role, args, report, config) => {
    if (role.login !== true) {
      args.notApplicable("role cannot log in");
    }
    const limit = role.connectionLimit ?? -1;
    if (limit < 1 || limit > config.maxConnections) {
      report(`Login role connectionLimit is ${limit}: set it between 1 and ${config.maxConnections}.`);
    }
  },
});

/** The role passwords come from a generator. */
export const postgresqlRoleEnforcePasswordFromGenerator = stackRule<ProvenanceConfig>({
  name: "postgresql-role-enforce-password-from-generator",
  description:
    "PostgreSQL role password (or passwordWo) is derived (propertyDependencies) from a random:RandomPassword or another accepted producer.",
  enforcementLevel: "mandatory",
  resources: [postgresql.Role, random.RandomPassword],
  config: {
    schema: provenanceSchema,
    defaults: { producers: defaultCredentialProducers, configSecretFor: [] },
  },
  meta: {
    checklist: ["secrets", "dbLeastPrivilege"],
    severity: "critical",
    remediationSteps: "Create a random.RandomPassword per role and pass its result as the role password.",
    anchors: { checkov: ["CKV_AZURE_45"] },
  },
  check: (args, report, config) => {
    for (const role of ofType(args.resources, postgresql.Role)) {
      for (const property of ["password", "passwordWo"]) {
        const problem = provenanceProblem(role, property, config);
        if (problem) {
          report(
            role,
            `${property} of role '${role.name}' ${problem}: derive it from a random.RandomPassword.`,
          );
        }
      }
    }
  },
});

interface ReadOnlyConfig extends BaseConfig {
  /** Regex (case-insensitive) of read-only role names. */
  readonly readOnlyRolePattern: string;
}

const readOnlyAllowed: Record<string, readonly string[]> = {
  table: ["SELECT"],
  sequence: ["SELECT", "USAGE"],
  schema: ["USAGE"],
  database: ["CONNECT"],
  function: ["EXECUTE"],
};

const readOnlySchema = {
  readOnlyRolePattern: { type: "string" as const, default: "(^|[-_])(ro|readonly|read_only|reader)$" },
};
const readOnlyDefaults = { readOnlyRolePattern: "(^|[-_])(ro|readonly|read_only|reader)$" };

function readOnlyCheck(kind: string) {
  return (
    props: PrivilegeProps,
    args: { notApplicable(reason?: string): never },
    report: (m: string) => void,
    config: ReadOnlyConfig,
  ): void => {
    const grant = readGrant(props, kind);
    if (typeof grant === "string") {
      report(grant);
      return;
    }
    if (!new RegExp(config.readOnlyRolePattern, "i").test(grant.role)) {
      args.notApplicable("not a read-only role");
    }
    const allowed = ownEntry(readOnlyAllowed, grant.objectType.toLowerCase()) ?? [];
    const extra = grant.privileges.filter((p) => !allowed.includes(p.toUpperCase()));
    if (extra.length > 0) {
      report(
        `${kind} gives read-only role '${grant.role}' ${extra.join(", ")} on ${grant.objectType}: grant only ${allowed.join(", ") || "nothing"}.`,
      );
    }
  };
}

/** Read-only roles get SELECT on tables, USAGE on schemas, CONNECT on databases, nothing else. */
export const postgresqlGrantEnforceReadOnlyPrivileges = resourceRule<PrivilegeProps, ReadOnlyConfig>({
  name: "postgresql-grant-enforce-readonly-privileges",
  description:
    "PostgreSQL Grant to a role matching `readOnlyRolePattern` gives only SELECT (table), SELECT/USAGE (sequence), USAGE (schema), CONNECT (database), EXECUTE (function).",
  enforcementLevel: "mandatory",
  resources: [postgresql.Grant],
  config: { schema: readOnlySchema, defaults: readOnlyDefaults },
  meta: {
    checklist: ["dbLeastPrivilege"],
    severity: "high",
    remediationSteps:
      "Remove the write privileges from the grant; give write access to the application role instead.",
    anchors: { pulumi: ["PBP:rbac-least-privilege"] },
  },
  check: readOnlyCheck("Grant"),
});

/** Default privileges for read-only roles are read-only too (future tables). */
export const postgresqlDefaultPrivilegesEnforceReadOnlyPrivileges = resourceRule<
  PrivilegeProps,
  ReadOnlyConfig
>({
  name: "postgresql-defaultprivileges-enforce-readonly-privileges",
  description:
    "PostgreSQL DefaultPrivileges for a role matching `readOnlyRolePattern` give only read privileges (same table as the Grant rule).",
  enforcementLevel: "mandatory",
  resources: [postgresql.DefaultPrivileges],
  config: { schema: readOnlySchema, defaults: readOnlyDefaults },
  meta: {
    checklist: ["dbLeastPrivilege"],
    severity: "high",
    remediationSteps: "Limit the default privileges of the read-only role to SELECT on tables and sequences.",
    anchors: { pulumi: ["PBP:rbac-least-privilege"] },
  },
  check: readOnlyCheck("DefaultPrivileges"),
});

/** No grants to PUBLIC and no ALL. */
export const postgresqlGrantDisallowPublicOrAll = resourceRule<PrivilegeProps>({
  name: "postgresql-grant-disallow-public-or-all",
  description:
    "PostgreSQL Grant and DefaultPrivileges neither target the role 'public' nor include the privilege ALL.",
  enforcementLevel: "mandatory",
  resources: [postgresql.Grant, postgresql.DefaultPrivileges],
  meta: {
    checklist: ["dbLeastPrivilege"],
    severity: "medium",
    remediationSteps: "Grant named privileges (SELECT, INSERT, UPDATE, DELETE...) to a named role.",
    anchors: { pulumi: ["PBP:rbac-least-privilege"] },
  },
  check: (props, _args, report) => {
    const grant = readGrant(props, "Grant");
    if (typeof grant === "string") {
      report(grant);
      return;
    }
    if (grant.role.toLowerCase() === "public") {
      report("Grant targets PUBLIC (every role): grant to the named application role instead.");
    }
    if (grant.privileges.some((p) => p.toUpperCase() === "ALL")) {
      report(`Grant to '${grant.role}' includes ALL: list the privileges the role needs.`);
    }
  },
});

const ddlPrivileges: Record<string, readonly string[]> = {
  table: ["TRUNCATE", "REFERENCES", "TRIGGER"],
  schema: ["CREATE"],
  database: ["CREATE", "TEMPORARY"],
};

/** The application role cannot change the schema (no DDL privileges); the migrator is an explicit exception. */
export const postgresqlGrantDisallowDdlPrivileges = resourceRule<PrivilegeProps>({
  name: "postgresql-grant-disallow-ddl-privileges",
  description:
    "PostgreSQL Grant and DefaultPrivileges give no DDL-class privileges: CREATE on schema/database, TEMPORARY, or TRUNCATE/REFERENCES/TRIGGER on tables (the migrator role is excepted by name through excludeFor).",
  enforcementLevel: "mandatory",
  resources: [postgresql.Grant, postgresql.DefaultPrivileges],
  meta: {
    checklist: ["dbLeastPrivilege"],
    severity: "high",
    remediationSteps:
      "Run migrations as the owner/migrator role; give the app role DML only (SELECT, INSERT, UPDATE, DELETE).",
    anchors: { pulumi: ["PBP:rbac-least-privilege"] },
  },
  check: (props, _args, report) => {
    const grant = readGrant(props, "Grant");
    if (typeof grant === "string") {
      report(grant);
      return;
    }
    const forbidden = ownEntry(ddlPrivileges, grant.objectType.toLowerCase()) ?? [];
    const found = grant.privileges.filter((p) => forbidden.includes(p.toUpperCase()));
    if (found.length > 0) {
      report(
        `Grant gives '${grant.role}' ${found.join(", ")} on ${grant.objectType}: remove it; only the migrator runs DDL.`,
      );
    }
  },
});

interface ExtensionConfig extends BaseConfig {
  /** Extensions the project approves (empty: any extension listed in azure.extensions). */
  readonly allowed: readonly string[];
}

/** Every extension is approved and allow-listed in the server's azure.extensions parameter. */
export const postgresqlExtensionMissingAllowlistEntry = stackRule<ExtensionConfig>({
  name: "postgresql-extension-missing-allowlist-entry",
  description:
    "Each postgresql Extension's name is in `allowed` (when set) and in the comma list of a dbforpostgresql Configuration 'azure.extensions' in the stack; CREATE EXTENSION fails otherwise.",
  enforcementLevel: "mandatory",
  resources: [postgresql.Extension, dbforpostgresql.Configuration],
  config: {
    schema: { allowed: { type: "array", items: { type: "string" } } },
    defaults: { allowed: [] },
  },
  meta: {
    profile: "platform",
    checklist: ["dbLeastPrivilege"],
    severity: "medium",
    remediationSteps:
      "Add the extension to the azure.extensions Configuration value (comma-separated, e.g. 'UUID-OSSP,PG_TRGM,BTREE_GIN') and make the Extension depend on it.",
    url: "https://learn.microsoft.com/azure/postgresql/extensions/how-to-allow-extensions",
  },
  check: (args, report, config) => {
    const listed = new Set<string>();
    let unknownList = false;
    for (const c of ofType(args.resources, dbforpostgresql.Configuration)) {
      const name = settingName(c, "configurationName");
      const value = known(() => c.props["value"] as unknown);
      if (name === UNKNOWN || value === UNKNOWN) {
        unknownList = true;
        continue;
      }
      if (name === "azure.extensions" && typeof value === "string") {
        value.split(",").forEach((e) => listed.add(e.trim().toLowerCase()));
      }
    }
    const allowed = new Set(config.allowed.map((a) => a.toLowerCase()));
    for (const ext of ofType(args.resources, postgresql.Extension)) {
      // In preview the engine gives a stack policy empty outputs for a resource whose provider cannot be
      // configured yet (its server is created in the same run); the resource name is not the extension name.
      const name = known(() => ext.props["name"] as string | undefined);
      if (name === UNKNOWN || typeof name !== "string") {
        continue;
      }
      const lower = name.toLowerCase();
      if (allowed.size > 0 && !allowed.has(lower)) {
        report(
          ext,
          `Extension '${name}' is not approved: add it to this rule's 'allowed' list after review, or drop it.`,
        );
      }
      if (!unknownList && !listed.has(lower)) {
        report(
          ext,
          `Extension '${name}' is not in azure.extensions: add it to the server's azure.extensions Configuration value.`,
        );
      }
    }
  },
});

const secureSslModes = ["require", "verify-ca", "verify-full"];
const postgresqlProviderToken = typeToken(postgresql.Provider);

/** The postgresql provider connects with TLS. */
export const postgresqlProviderEnforceSslMode = anyResourceRule({
  name: "postgresql-provider-enforce-ssl-mode",
  description:
    "The postgresql provider (explicit or default) has sslmode (or the deprecated sslMode) in require/verify-ca/verify-full; unset means the driver default 'prefer', which falls back to plaintext.",
  enforcementLevel: "mandatory",
  resources: [postgresql.Provider],
  meta: {
    checklist: ["tls"],
    severity: "high",
    remediationSteps:
      "Set sslmode: 'require' (or 'verify-full' with the server CA) on the postgresql.Provider.",
    anchors: { checkov: ["CKV_AZURE_29"] },
  },
  check: (props, args, report) => {
    if (args.type !== postgresqlProviderToken) {
      args.notApplicable(`Policy only applies to resources of type '${postgresqlProviderToken}'`);
    }
    const mode = props["sslmode"] ?? props["sslMode"];
    if (typeof mode !== "string" || !secureSslModes.includes(mode.toLowerCase())) {
      report(
        `postgresql provider sslmode is '${String(mode ?? "(unset)")}': set sslmode to 'require' or 'verify-full'.`,
      );
    }
  },
});
