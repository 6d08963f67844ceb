/**
 * The postgresql stand-in's check, diff and configuration rules (no server needed): what it rejects, what it
 * defaults, and which changes replace rather than update, per the real provider's resource schemas.
 */
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { describe, expect, it } from "vitest";
import { PostgresqlStandIn } from "./providers/postgresql/provider";
import { redact, secret } from "./providers/postgresql/secrets";
import { parseConfig } from "./providers/postgresql/session";

const urn = (type: string, name = "x") => `urn:pulumi:staging::webapp-platform::parent$${type}::${name}`;
const GRANT = "postgresql:index/grant:Grant";
const DEFAULTS = "postgresql:index/defaultPrivileges:DefaultPrivileges";
const ROLE = "postgresql:index/role:Role";
const standIn = new PostgresqlStandIn({ logPath: "" });

describe("postgresql stand-in check", () => {
  it("rejects a Grant without role and with an unknown object type, naming each property", async () => {
    const result = await standIn.check(
      urn(GRANT),
      {},
      { database: "app", objectType: "view", privileges: ["SELECT"] },
    );
    expect(result.failures).toEqual([
      { property: "role", reason: `Missing required argument: "role" is required by ${GRANT}` },
      {
        property: "objectType",
        reason: `${GRANT} "objectType": expected one of [database, function, procedure, routine, schema, sequence, table, foreign_data_wrapper, foreign_server, column], got "view"`,
      },
    ]);
  });

  it("rejects DefaultPrivileges without an owner", async () => {
    const news = { database: "app", role: "app", objectType: "table", privileges: ["SELECT"] };
    expect((await standIn.check(urn(DEFAULTS), {}, news)).failures).toEqual([
      { property: "owner", reason: `Missing required argument: "owner" is required by ${DEFAULTS}` },
    ]);
  });

  it("rejects a Role connection limit below -1 and fills the schema defaults", async () => {
    const bad = await standIn.check(urn(ROLE), {}, { name: "r", connectionLimit: -2 });
    expect(bad.failures).toEqual([
      {
        property: "connectionLimit",
        reason: `${ROLE} "connectionLimit": expected an integer of at least -1, got -2`,
      },
    ]);
    const good = await standIn.check(urn(ROLE), {}, { name: "r" });
    expect(good).toEqual({
      inputs: {
        name: "r",
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
        __defaults: [],
      },
    });
  });

  it("auto-names a Role without a name from its logical name plus a 7-character suffix", async () => {
    const { inputs } = await standIn.check(urn(ROLE, "reporting"), {}, {});
    expect(String(inputs.name)).toMatch(/^reporting-[0-9a-f]{7}$/);
    expect(inputs.__defaults).toEqual(["name"]);
  });

  it("refuses a resource type the stand-in does not implement", async () => {
    await expect(standIn.check(urn("postgresql:index/function:Function"), {}, {})).rejects.toThrow(
      "postgresql stand-in: resource type postgresql:index/function:Function is not supported",
    );
  });
});

describe("postgresql stand-in diff", () => {
  const grant = {
    database: "app",
    role: "app",
    schema: "app",
    objectType: "table",
    privileges: ["SELECT", "INSERT"],
  };
  const SCHEMA = "postgresql:index/schema:Schema";
  const EXTENSION = "postgresql:index/extension:Extension";
  const DATABASE = "postgresql:index/database:Database";
  const named = { __defaults: [] };
  // [title, type, olds, news (as check returns them), replaces, deleteBeforeReplace]
  const cases: [string, string, Record<string, unknown>, Record<string, unknown>, string[], boolean][] = [
    [
      "Grant privileges change in place",
      GRANT,
      grant,
      { ...grant, privileges: ["SELECT"], ...named },
      [],
      false,
    ],
    [
      "Grant role change replaces, creating first",
      GRANT,
      grant,
      { ...grant, role: "readonly", ...named },
      ["role"],
      false,
    ],
    [
      "Grant schema and object type changes replace",
      GRANT,
      grant,
      { ...grant, schema: "b", objectType: "sequence", ...named },
      ["schema", "objectType"],
      false,
    ],
    [
      "DefaultPrivileges owner change replaces",
      DEFAULTS,
      { ...grant, owner: "migrator" },
      { ...grant, owner: "app", ...named },
      ["owner"],
      false,
    ],
    ["Role rename is an update", ROLE, { name: "a" }, { name: "b", ...named }, [], false],
    [
      "Role password change is an update",
      ROLE,
      { name: "a", password: secret("p1") },
      { name: "a", password: secret("p2"), ...named },
      [],
      false,
    ],
    [
      "Schema database change replaces, deleting first (its name is the user's)",
      SCHEMA,
      { name: "s", database: "a" },
      { name: "s", database: "b", ...named },
      ["database"],
      true,
    ],
    [
      "Schema owner change is an update",
      SCHEMA,
      { name: "s", owner: "a" },
      { name: "s", owner: "b", ...named },
      [],
      false,
    ],
    [
      "Extension name change replaces, deleting first",
      EXTENSION,
      { name: "pg_trgm" },
      { name: "btree_gin", ...named },
      ["name"],
      true,
    ],
    [
      "an auto-named Extension is replaced creating first",
      EXTENSION,
      { name: "ext-1234567", database: "a" },
      { name: "ext-1234567", database: "b", __defaults: ["name"] },
      ["database"],
      false,
    ],
    [
      "Database encoding change replaces, deleting first",
      DATABASE,
      { name: "d", encoding: "UTF8" },
      { name: "d", encoding: "LATIN1", ...named },
      ["encoding"],
      true,
    ],
  ];
  it.each(cases)("%s", async (_title, type, olds, news, replaces, deleteBeforeReplace) => {
    expect(await standIn.diff("id", urn(type), olds, news)).toEqual({
      changes: true,
      replaces,
      deleteBeforeReplace,
    });
  });

  it("sees no change when only the order of a privilege set differs", async () => {
    const reordered = { ...grant, privileges: ["INSERT", "SELECT"], ...named };
    expect(await standIn.diff("id", urn(GRANT), grant, reordered)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});

describe("postgresql stand-in configuration", () => {
  it("reads the program's provider inputs as the SDK encodes them (strings)", () => {
    expect(
      parseConfig({
        host: "psql.example",
        port: "5432",
        username: "platform_admin",
        password: "p",
        database: "app",
        sslmode: "require",
        connectTimeout: "30",
        superuser: "false",
      }),
    ).toEqual({
      host: "psql.example",
      port: 5432,
      username: "platform_admin",
      password: "p",
      database: "app",
      sslmode: "require",
      connectTimeout: 30,
      superuser: false,
    });
  });

  it.each([
    [{ port: "5432" }, `postgresql provider config "host" is required (the server's host name)`],
    [
      { host: "h", port: "0" },
      `postgresql provider config "port" must be an integer from 1 to 65535, got "0"`,
    ],
    [
      { host: "h", sslmode: "on" },
      `postgresql provider config "sslmode" must be one of disable, allow, prefer, require, verify-ca, verify-full, got "on"`,
    ],
    [
      { host: "h", superuser: "no" },
      `postgresql provider config "superuser" must be true or false, got "no"`,
    ],
  ])("rejects %j with a message naming the key", (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(message);
  });

  it("rejects a malformed STANDIN_POSTGRES_ADDRESS", () => {
    expect(() => new PostgresqlStandIn({ logPath: "", address: "127.0.0.1" })).toThrow(
      `STANDIN_POSTGRES_ADDRESS must be host:port (port 1-65535), got "127.0.0.1"`,
    );
  });

  it("accepts a preview configuration with unknown values and refuses to connect with it, naming them", async () => {
    const previewing = new PostgresqlStandIn({ logPath: "" });
    expect(
      previewing.configure({ host: unknownValue, port: "5432", database: unknownValue }),
    ).toBeUndefined();
    await expect(previewing.create(urn(ROLE), { name: "r" })).rejects.toThrow(
      "postgresql stand-in: provider configuration host, database unknown (preview values)",
    );
  });

  it("refuses to apply anything before Configure", async () => {
    await expect(new PostgresqlStandIn({ logPath: "" }).create(urn(ROLE), { name: "r" })).rejects.toThrow(
      "postgresql stand-in: no provider configuration received (Configure was not called)",
    );
  });

  it("redacts secret envelopes and Sensitive properties for the log", () => {
    expect(redact({ inputs: { password: "plain", token: secret("t"), name: "app" } })).toEqual({
      inputs: { password: "[secret]", token: "[secret]", name: "app" },
    });
  });
});
