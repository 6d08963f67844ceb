/**
 * A throw-away PostgreSQL server for the real-engine tests: Debian's postgresql binaries, a temp data folder, a
 * free 127.0.0.1 port, password (SCRAM) auth over TLS only (self-signed certificate made here with openssl), run as
 * the `postgres` system user when we are root, and killed with its folder when the test process goes away.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";

/** Where to reach a running throw-away server, and how to stop it. */
export interface PostgresServer {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** The TCP port the server listens on. */
  readonly port: number;
  /** The bootstrap superuser (`postgres`). */
  readonly superuser: string;
  /** The superuser's generated password. */
  readonly superuserPassword: string;
  /** Major version of the server binaries, e.g. "15". */
  readonly majorVersion: string;
  /** Milliseconds from the call to the first accepted TLS connection. */
  readonly startMillis: number;
  /** The server's temp folder (data, certificate, socket); removed by `stop()`. */
  readonly dir: string;
  /** Process id of the postmaster. */
  readonly pid: number;
  /** Kills the server and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/** The system user that runs the server when we are root (PostgreSQL refuses to run as root). */
const SERVER_USER = "postgres";

/** Folder of the newest Debian PostgreSQL binaries (`/usr/lib/postgresql/<major>/bin`). */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const majors = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((d) => fs.existsSync(path.join(root, d, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error(`no PostgreSQL under ${root}: run test/engine/ensure-postgres.sh first`);
  }
  return path.join(root, majors[0], "bin");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Runs a binary as the server user (via setpriv, which execs in place so the pid is the binary's own). */
function asServerUser(bin: string, args: string[]): { file: string; args: string[] } {
  if (process.getuid?.() !== 0) return { file: bin, args };
  return {
    file: "setpriv",
    // --pdeathsig: the kernel kills the postmaster if the test process dies without running its exit hooks.
    args: [
      "--reuid",
      SERVER_USER,
      "--regid",
      SERVER_USER,
      "--init-groups",
      "--pdeathsig",
      "KILL",
      bin,
      ...args,
    ],
  };
}

function run(bin: string, args: string[]): void {
  const cmd = asServerUser(bin, args);
  execFileSync(cmd.file, cmd.args, { stdio: ["ignore", "pipe", "pipe"] });
}

async function waitForTls(host: string, port: number, user: string, password: string, child: ChildProcess) {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`postgres exited with code ${child.exitCode} before accepting`);
    const client = new Client({
      host,
      port,
      user,
      password,
      database: "postgres",
      ssl: { rejectUnauthorized: false },
    });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(
    `postgres did not accept a TLS connection on ${host}:${port} within 30 s: ${String(lastError)}`,
  );
}

const DIR_PREFIX = "pg-standin-server-";

/** Removes folders of earlier runs whose test process was killed (the server died with it; the folder did not). */
function sweepStaleFolders(): void {
  for (const name of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(DIR_PREFIX))) {
    const dir = path.join(os.tmpdir(), name);
    if (Date.now() - fs.statSync(dir).mtimeMs < 60_000) continue; // may be another run still starting
    const pidFile = path.join(dir, "data", "postmaster.pid");
    const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]) : NaN;
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Starts a fresh server; the caller must `stop()` it (an exit hook and the parent-death signal are backstops). */
export async function startPostgres(): Promise<PostgresServer> {
  const started = Date.now();
  sweepStaleFolders();
  const bin = postgresBinDir();
  const majorVersion = path.basename(path.dirname(bin));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  const data = path.join(dir, "data");
  const superuserPassword = randomBytes(24).toString("base64url");
  const pwfile = path.join(dir, "pwfile");
  fs.writeFileSync(pwfile, `${superuserPassword}\n`, { mode: 0o600 });
  const key = path.join(dir, "server.key");
  const cert = path.join(dir, "server.crt");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
    ]),
    { stdio: "ignore" },
  );
  fs.chmodSync(key, 0o600);
  if (process.getuid?.() === 0) execFileSync("chown", ["-R", `${SERVER_USER}:${SERVER_USER}`, dir]);

  const superuser = "postgres";
  run(path.join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    superuser,
    "--pwfile",
    pwfile,
    "--auth",
    "scram-sha-256",
    "-E",
    "UTF8",
    "--locale",
    "C.UTF-8",
  ]);
  fs.rmSync(pwfile);
  // TLS or nothing, like Azure's require_secure_transport=on: plain TCP is rejected, sockets are not used.
  fs.writeFileSync(
    path.join(data, "pg_hba.conf"),
    ["hostssl all all 127.0.0.1/32 scram-sha-256", "host all all 127.0.0.1/32 reject", ""].join("\n"),
  );

  const port = await freePort();
  const cmd = asServerUser(path.join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${dir}`,
    "-c",
    "ssl=on",
    "-c",
    `ssl_cert_file=${cert}`,
    "-c",
    `ssl_key_file=${key}`,
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
  ]);
  const child = spawn(cmd.file, cmd.args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killNow = () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killNow);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", killNow);
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT"); // fast shutdown: ends sessions, no checkpoint wait
      const timer = setTimeout(killNow, 5_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForTls("127.0.0.1", port, superuser, superuserPassword, child);
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\npostgres stderr:\n${stderr}`, { cause: error });
  }
  return {
    host: "127.0.0.1",
    port,
    superuser,
    superuserPassword,
    majorVersion,
    startMillis: Date.now() - started,
    dir,
    pid: child.pid ?? -1,
    stop,
  };
}
