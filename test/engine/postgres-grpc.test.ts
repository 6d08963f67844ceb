/**
 * The postgresql stand-in as the engine runs it: `main` in its own process serving the ResourceProvider gRPC
 * protocol, given its connection settings only through Configure (as the engine sends the explicit provider's
 * inputs), then Check/Create/Read/Delete of a role against a real PostgreSQL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type PostgresServer } from "./postgres";
import { secret } from "./providers/postgresql/secrets";

const ROOT = path.resolve(__dirname, "../..");
const grpc = createRequire(require.resolve("@pulumi/pulumi"))(
  "@grpc/grpc-js",
) as typeof import("@grpc/grpc-js");
const URN = "urn:pulumi:staging::webapp-platform::postgresql:index/role:Role::grpc-role";
const ROLE_PASSWORD = "Grpc-role-Passw0rd-local";

let server: PostgresServer;
let child: ChildProcess;
let client: provrpc.ResourceProviderClient;
let logPath: string;

/** Calls one unary method of the client and resolves its response. */
function call<Req, Res>(
  method: (req: Req, cb: (e: Error | null, r: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => method.call(client, req, (e, r) => (e ? reject(e) : resolve(r))));
}

beforeAll(async () => {
  server = await startPostgres();
  logPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pg-standin-grpc-")), "calls.jsonl");
  const entry = path.join(ROOT, "test/engine/providers/postgresql/provider.ts");
  child = spawn(
    process.execPath,
    ["--import", "tsx", "-e", `require(${JSON.stringify(entry)}).main(process.argv.slice(1))`],
    {
      cwd: ROOT,
      // As under the real engine: the configured host is Azure's FQDN on 5432, redirected to the local server.
      env: {
        ...process.env,
        STANDIN_LOG: logPath,
        STANDIN_POSTGRES_ADDRESS: `${server.host}:${server.port}`,
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`provider exited with ${code} before printing its port`)));
  });
  client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(async () => {
  client?.close();
  child?.kill();
  await server?.stop();
  if (logPath !== undefined) fs.rmSync(path.dirname(logPath), { recursive: true, force: true });
});

describe("postgresql stand-in over gRPC", () => {
  it("reports plugin version 3.18.1", async () => {
    const info = await call<Empty, plugproto.PluginInfo>(client.getPluginInfo, new Empty());
    expect(info.getVersion()).toBe("3.18.1");
  });

  it("takes its connection settings from Configure and applies a role to the (redirected) real server", async () => {
    const configure = new provproto.ConfigureRequest();
    // As the Node.js SDK registers the explicit provider: every input a string, the password a secret.
    configure.setArgs(
      Struct.fromJavaScript({
        host: "psql-shop-stg-71d4b.postgres.database.azure.com",
        port: "5432",
        username: server.superuser,
        password: secret(server.superuserPassword) as never,
        database: "postgres",
        sslmode: "require",
        connectTimeout: "30",
        superuser: "true",
      }),
    );
    await call(client.configure, configure);

    const check = new provproto.CheckRequest();
    check.setUrn(URN);
    check.setOlds(new Struct());
    check.setNews(
      Struct.fromJavaScript({ name: "grpc_role", login: true, password: secret(ROLE_PASSWORD) as never }),
    );
    const checked = await call<provproto.CheckRequest, provproto.CheckResponse>(client.check, check);
    expect(checked.getFailuresList()).toEqual([]);
    expect(checked.getInputs()?.toJavaScript()).toMatchObject({
      name: "grpc_role",
      connectionLimit: -1,
      inherit: true,
    });

    const create = new provproto.CreateRequest();
    create.setUrn(URN);
    create.setProperties(checked.getInputs());
    const created = await call<provproto.CreateRequest, provproto.CreateResponse>(client.create, create);
    expect(created.getId()).toBe("grpc_role");
    expect(created.getProperties()?.toJavaScript().password).toEqual(secret(ROLE_PASSWORD));

    const login = new Client({
      host: server.host,
      port: server.port,
      user: "grpc_role",
      password: ROLE_PASSWORD,
      database: "postgres",
      ssl: { rejectUnauthorized: false },
    });
    await login.connect();
    expect((await login.query("SELECT current_user")).rows).toEqual([{ current_user: "grpc_role" }]);
    await login.end();

    const del = new provproto.DeleteRequest();
    del.setUrn(URN);
    del.setId("grpc_role");
    del.setProperties(created.getProperties());
    await call(client.delete, del);
    const read = new provproto.ReadRequest();
    read.setUrn(URN);
    read.setId("grpc_role");
    read.setProperties(created.getProperties());
    expect((await call<provproto.ReadRequest, provproto.ReadResponse>(client.read, read)).getId()).toBe("");
  });

  it("logs each call with the secrets redacted", () => {
    const entries = fs
      .readFileSync(logPath, "utf8")
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            method: string;
            inputs?: Record<string, unknown>;
            news?: Record<string, unknown>;
          },
      );
    expect(entries.map((e) => e.method)).toEqual(["configure", "check", "create", "delete", "read"]);
    expect(entries[0].inputs?.password).toBe("[secret]");
    expect(entries[1].news?.password).toBe("[secret]");
    const text = fs.readFileSync(logPath, "utf8");
    expect(text).not.toContain(ROLE_PASSWORD);
    expect(text).not.toContain(server.superuserPassword);
  });
});
