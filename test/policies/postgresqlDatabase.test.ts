import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import * as rules from "../../policies/rules/postgresqlDatabase";
import { unknownString } from "../../offline/policy-engine/sdk-internals";
import { check, expectCase, type RuleCase, StackFixture, stackOutcome, stackViolations } from "./helpers";

const role = { name: "app", login: true, connectionLimit: 40, password: "x" };
const grant = {
  database: "app",
  role: "app",
  schema: "app",
  objectType: "table",
  privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
};
const roGrant = { ...grant, role: "readonly", privileges: ["SELECT"] };

describe("postgresql-role-disallow-privileged-attributes", () => {
  const cases: RuleCase[] = [
    { it: "passes a plain login role", expect: null },
    { it: "treats unset attributes as false", props: { name: "app" }, expect: null },
    { it: "fails superuser", set: { superuser: true }, expect: "superuser: false" },
    { it: "fails createRole", set: { createRole: true }, expect: "createRole" },
    { it: "fails createDatabase", set: { createDatabase: true }, expect: "createDatabase" },
    { it: "fails replication", set: { replication: true }, expect: "replication" },
    {
      it: "fails bypassRowLevelSecurity",
      set: { bypassRowLevelSecurity: true },
      expect: "bypassRowLevelSecurity",
    },
  ];
  it.each(cases)("$it", (c) =>
    expectCase(rules.postgresqlRoleDisallowPrivilegedAttributes, postgresql.Role, role, c),
  );
  it("exempts the migrator role named in excludeFor", async () => {
    const outcome = await check(
      rules.postgresqlRoleDisallowPrivilegedAttributes,
      postgresql.Role,
      { ...role, createRole: true },
      {
        name: "db-migrator",
        config: { excludeFor: [{ name: "migrator", reason: "owns the schema and runs migrations" }] },
      },
    );
    expect(outcome.violations).toEqual([]);
    expect(outcome.notApplicable).toContain("owns the schema");
  });
});

describe("postgresql-role-configure-connection-limit", () => {
  const cases: RuleCase[] = [
    { it: "passes a login role with a limit", expect: null },
    {
      it: "fails an unset limit (unlimited)",
      set: { connectionLimit: undefined },
      expect: "connectionLimit is -1",
    },
    {
      it: "fails a limit above the maximum",
      set: { connectionLimit: 500 },
      config: { maxConnections: 100 },
      expect: "between 1 and 100",
    },
    {
      it: "skips roles that cannot log in",
      set: { login: false, connectionLimit: undefined },
      expect: null,
      notApplicable: "cannot log in",
    },
  ];
  it.each(cases)("$it", (c) =>
    expectCase(rules.postgresqlRoleConfigureConnectionLimit, postgresql.Role, role, c),
  );
});

describe("postgresql grant rules", () => {
  const readOnly: RuleCase[] = [
    { it: "passes SELECT for the readonly role", expect: null },
    {
      it: "fails INSERT for the readonly role",
      set: { privileges: ["SELECT", "INSERT"] },
      expect: "INSERT on table",
    },
    { it: "passes USAGE on the schema", set: { objectType: "schema", privileges: ["USAGE"] }, expect: null },
    {
      it: "fails CREATE on the schema",
      set: { objectType: "schema", privileges: ["USAGE", "CREATE"] },
      expect: "CREATE on schema",
    },
    {
      it: "ignores other roles",
      set: { role: "app", privileges: ["INSERT"] },
      expect: null,
      notApplicable: "not a read-only role",
    },
  ];
  it.each(readOnly)("Grant: $it", (c) =>
    expectCase(rules.postgresqlGrantEnforceReadOnlyPrivileges, postgresql.Grant, roGrant, c),
  );
  it.each(readOnly)("DefaultPrivileges: $it", (c) =>
    expectCase(
      rules.postgresqlDefaultPrivilegesEnforceReadOnlyPrivileges,
      postgresql.DefaultPrivileges,
      { ...roGrant, owner: "migrator" },
      c,
    ),
  );

  const publicOrAll: RuleCase[] = [
    { it: "passes named DML for a named role", expect: null },
    { it: "fails a grant to PUBLIC", set: { role: "public" }, expect: "PUBLIC" },
    { it: "fails ALL", set: { privileges: ["ALL"] }, expect: "includes ALL" },
    {
      it: "fails ALL on default privileges",
      set: { privileges: ["ALL"] },
      cls: postgresql.DefaultPrivileges,
      expect: "includes ALL",
    },
  ];
  it.each(publicOrAll)("$it", (c) =>
    expectCase(rules.postgresqlGrantDisallowPublicOrAll, postgresql.Grant, grant, c),
  );

  const ddl: RuleCase[] = [
    { it: "passes DML for the app role", expect: null },
    {
      it: "fails TRUNCATE on tables",
      set: { privileges: ["SELECT", "TRUNCATE"] },
      expect: "TRUNCATE on table",
    },
    {
      it: "fails CREATE on the schema",
      set: { objectType: "schema", privileges: ["CREATE"] },
      expect: "CREATE on schema",
    },
    {
      it: "fails TEMPORARY on the database",
      set: { objectType: "database", privileges: ["CONNECT", "TEMPORARY"] },
      expect: "TEMPORARY",
    },
  ];
  it.each(ddl)("$it", (c) =>
    expectCase(rules.postgresqlGrantDisallowDdlPrivileges, postgresql.Grant, grant, c),
  );
});

describe("postgresql-role-enforce-password-from-generator", () => {
  const p = rules.postgresqlRoleEnforcePasswordFromGenerator;
  const stack = () =>
    new StackFixture()
      .add(random.RandomPassword, "app-password", { length: 32 })
      .add(postgresql.Role, "app", role, { from: { password: ["app-password"] } });
  it("passes a generated password", async () => expect(await stackViolations(p, stack())).toEqual([]));
  it("fails a literal password", async () =>
    expect(await stackViolations(p, stack().update("app", { opts: { from: {} } }))).toEqual([
      expect.stringMatching(/^app: password of role 'app' is a value with no generator/),
    ]));
  it("fails a generated write-only password from the wrong source", async () =>
    expect(
      await stackViolations(
        p,
        stack()
          .add(postgresql.Role, "other", { name: "other" })
          .update("app", {
            props: { password: undefined, passwordWo: "x" },
            opts: { from: { passwordWo: ["other"] } },
          }),
      ),
    ).toEqual([expect.stringContaining("passwordWo")]));
  it("passes a role without password (NOLOGIN group role)", async () =>
    expect(
      await stackViolations(p, stack().update("app", { props: { password: undefined }, opts: { from: {} } })),
    ).toEqual([]));
});

describe("postgresql-extension-missing-allowlist-entry", () => {
  const p = rules.postgresqlExtensionMissingAllowlistEntry;
  const stack = () =>
    new StackFixture()
      .add(dbforpostgresql.Configuration, "pg-extensions", {
        resourceGroupName: "rg",
        serverName: "pg",
        configurationName: "azure.extensions",
        value: "UUID-OSSP,PG_TRGM",
      })
      .add(postgresql.Extension, "uuid", { name: "uuid-ossp" }, { dependsOn: ["pg-extensions"] });
  it("passes an extension listed in azure.extensions", async () =>
    expect(await stackViolations(p, stack())).toEqual([]));
  it("fails an extension missing from azure.extensions", async () =>
    expect(await stackViolations(p, stack().add(postgresql.Extension, "gin", { name: "btree_gin" }))).toEqual(
      [expect.stringMatching(/^gin: .*not in azure\.extensions/)],
    ));
  it("fails an extension outside the approved list", async () =>
    expect(
      await stackViolations(p, stack().add(postgresql.Extension, "trgm", { name: "pg_trgm" }), {
        allowed: ["uuid-ossp"],
      }),
    ).toEqual([expect.stringMatching(/^trgm: .*not approved/)]));
  it("does not fail on an allow-list that is unknown during preview", async () => {
    const outcome = await stackOutcome(
      p,
      stack()
        .update("pg-extensions", { props: { value: unknownString } })
        .add(postgresql.Extension, "gin", { name: "btree_gin" }),
    );
    expect(outcome).toEqual({ violations: [] });
  });
  it("does not mistake the resource name for the extension when outputs are absent (preview, provider not yet configurable)", async () =>
    // The real engine hands a stack policy empty outputs for a resource whose provider's config is unknown in
    // preview (the server is created in the same run); falling back to the resource name failed every extension.
    expect(
      await stackViolations(p, stack().add(postgresql.Extension, "database-objects-ext-uuid-ossp", {})),
    ).toEqual([]));
});

describe("postgresql-provider-enforce-ssl-mode", () => {
  const p = rules.postgresqlProviderEnforceSslMode;
  const provider = { __pulumiType: "pulumi:providers:postgresql" };
  const cases: RuleCase[] = [
    { it: "passes sslmode require", expect: null },
    { it: "passes verify-full", set: { sslmode: "verify-full" }, expect: null },
    { it: "fails sslmode disable", set: { sslmode: "disable" }, expect: "set sslmode to 'require'" },
    { it: "fails unset sslmode (driver default prefer)", set: { sslmode: undefined }, expect: "(unset)" },
    { it: "reads the deprecated sslMode spelling", props: { sslMode: "require" }, expect: null },
    {
      it: "ignores other resources",
      cls: postgresql.Role,
      props: { name: "x" },
      expect: null,
      notApplicable: "pulumi:providers:postgresql",
    },
  ];
  it.each(cases)("$it", (c) => expectCase(p, provider, { host: "pg", sslmode: "require" }, c));
});
