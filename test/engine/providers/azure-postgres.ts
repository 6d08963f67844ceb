/**
 * What creating an Azure Database for PostgreSQL flexible server and its databases does inside PostgreSQL, applied
 * to the suite's local server: the server's administrator login becomes a role with the password the program set,
 * member-like powers of `azure_pg_admin` (LOGIN, CREATEROLE, CREATEDB, not superuser), and each
 * `dbforpostgresql:Database` a database. So the postgresql stand-in later connects exactly as the program tells it
 * to, with the program's generated password. Active only when STANDIN_POSTGRES_ADDRESS names a server and
 * STANDIN_POSTGRES_SUPERUSER / STANDIN_POSTGRES_PASSWORD its bootstrap superuser.
 *
 * Source: learn.microsoft.com azure/postgresql/flexible-server/how-to-create-users ("The server admin user ...
 * is a member of the azure_pg_admin role ... has CREATEDB and CREATEROLE ... is not a superuser").
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { Client } from "pg";
import { reveal, type Props } from "./standin";

function target(): { host: string; port: number; user: string; password: string } | undefined {
  const address = process.env.STANDIN_POSTGRES_ADDRESS;
  const user = process.env.STANDIN_POSTGRES_SUPERUSER;
  const password = process.env.STANDIN_POSTGRES_PASSWORD;
  if (!address || !user || password === undefined) return undefined;
  const [host, port] = address.split(":");
  return { host: host ?? "127.0.0.1", port: Number(port), user, password };
}

/** A connection to the local server as its bootstrap superuser (what ARM acts as inside the server). */
async function superuserClient(database: string): Promise<Client | undefined> {
  const t = target();
  if (t === undefined) return undefined;
  const client = new Client({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database,
    ssl: { rejectUnauthorized: false },
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  return client;
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** Server name -> administrator login, shared by provider processes of one run (next to the call log). */
const adminsFile = (): string | undefined =>
  process.env.STANDIN_LOG ? `${process.env.STANDIN_LOG}.pgadmins` : undefined;

function adminOf(serverName: string): string | undefined {
  const file = adminsFile();
  if (file === undefined || !existsSync(file)) return undefined;
  let found: string | undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [server, login] = line.split(" ");
    if (server === serverName) found = login;
  }
  return found;
}

/** Server create/update: the administrator login exists with the password the program gave. */
export async function applyServer(inputs: Props): Promise<void> {
  const login = reveal(inputs.administratorLogin);
  const password = reveal(inputs.administratorLoginPassword);
  if (typeof login !== "string" || typeof password !== "string" || target() === undefined) return;
  const file = adminsFile();
  if (file !== undefined) appendFileSync(file, `${String(reveal(inputs.serverName))} ${login}\n`);
  const client = await superuserClient("postgres");
  if (client === undefined) return;
  try {
    await client.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(login)}) THEN ` +
        `CREATE ROLE ${ident(login)} LOGIN CREATEROLE CREATEDB; END IF; END $$`,
    );
    await client.query(
      `ALTER ROLE ${ident(login)} WITH LOGIN CREATEROLE CREATEDB NOSUPERUSER PASSWORD ${literal(password)}`,
    );
  } finally {
    await client.end();
  }
}

/** Database create: the database exists, owned by the administrator as on Azure. */
export async function applyDatabase(inputs: Props): Promise<void> {
  const name = reveal(inputs.databaseName);
  const adminLogin = adminOf(String(reveal(inputs.serverName)));
  if (typeof name !== "string") return;
  const client = await superuserClient("postgres");
  if (client === undefined) return;
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${ident(name)}${adminLogin ? ` OWNER ${ident(adminLogin)}` : ""}`);
    }
  } finally {
    await client.end();
  }
}
