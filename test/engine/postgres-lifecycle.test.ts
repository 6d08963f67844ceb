/**
 * The throw-away PostgreSQL of test/engine/postgres.ts: TLS only, cleaned up by stop(), and never outliving the
 * test process, even when that process is killed with SIGKILL (no exit hook runs then).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { describe, expect, it } from "vitest";
import { startPostgres } from "./postgres";

const ROOT = path.resolve(__dirname, "../..");

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitUntil(condition: () => boolean, millis: number): Promise<boolean> {
  const deadline = Date.now() + millis;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return condition();
}

describe("throw-away PostgreSQL", () => {
  it("accepts TLS logins, refuses plain TCP, and stop() kills it and removes its folder", async () => {
    const server = await startPostgres();
    const login = (ssl: false | { rejectUnauthorized: false }) =>
      new Client({
        ...server,
        user: server.superuser,
        password: server.superuserPassword,
        database: "postgres",
        ssl,
      });
    const tls = login({ rejectUnauthorized: false });
    await tls.connect();
    expect((await tls.query("SELECT current_setting('ssl') AS ssl, current_user AS who")).rows).toEqual([
      { ssl: "on", who: "postgres" },
    ]);
    await tls.end();
    await expect(login(false).connect()).rejects.toThrow(
      `pg_hba.conf rejects connection for host "127.0.0.1", user "postgres", database "postgres", no encryption`,
    );
    expect(server.majorVersion).toBe("15");
    await server.stop();
    expect(alive(server.pid)).toBe(false);
    expect(fs.existsSync(server.dir)).toBe(false);
  });

  it("dies with a test process killed by SIGKILL; the next start removes the folder it left", async () => {
    const entry = path.join(ROOT, "test/engine/postgres.ts");
    const code = `require(${JSON.stringify(entry)}).startPostgres().then((s) => console.log(JSON.stringify({ pid: s.pid, dir: s.dir })))`;
    const child = spawn(process.execPath, ["--import", "tsx", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const started = await new Promise<{ pid: number; dir: string }>((resolve, reject) => {
      child.stdout?.once("data", (chunk: Buffer) =>
        resolve(JSON.parse(chunk.toString()) as { pid: number; dir: string }),
      );
      child.once("exit", (status) =>
        reject(new Error(`child exited with ${status} before the server started`)),
      );
    });
    expect(alive(started.pid)).toBe(true);
    child.kill("SIGKILL");
    expect(await waitUntil(() => !alive(started.pid), 10_000)).toBe(true);
    expect(fs.existsSync(started.dir)).toBe(true);

    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(started.dir, old, old); // the sweep spares folders younger than a minute (a run still starting)
    const next = await startPostgres();
    expect(fs.existsSync(started.dir)).toBe(false);
    await next.stop();
  });
});
