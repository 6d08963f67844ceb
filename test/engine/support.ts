/**
 * Helpers of the real-engine suite: the environment `npm run -s engine:env` prints (the real CLI, the language
 * host, the stand-in providers), and a throw-away workspace per test file holding a copy of the program, a
 * file backend, a passphrase and the stand-ins' call log, in which `pulumi` runs as a user would run it.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PostgresServer } from "./postgres";

export const repoRoot = path.resolve(__dirname, "..", "..");

/** What the program needs at run time: everything `pulumi up` reads, nothing of the tests. */
const PROGRAM_FILES = [
  "index.ts",
  "Pulumi.yaml",
  "Pulumi.staging.yaml",
  "Pulumi.production.yaml",
  "package.json",
  "tsconfig.json",
  "components",
  "config",
  "web",
  "policies",
];

let cachedEnv: Record<string, string> | undefined;

/** The environment after `eval "$(npm run -s engine:env)"`, exactly as the README tells a user to do it. */
export function engineEnv(): Record<string, string> {
  if (cachedEnv !== undefined) return cachedEnv;
  const out = execFileSync("bash", ["-c", 'eval "$(npm run -s engine:env)" && env -0'], {
    cwd: repoRoot,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  const env: Record<string, string> = {};
  for (const entry of out.split("\0")) {
    const i = entry.indexOf("=");
    if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
  }
  cachedEnv = env;
  return env;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CallLogEntry {
  readonly provider: string;
  readonly method: string;
  readonly type?: string;
  readonly urn?: string;
  readonly token?: string;
  readonly [key: string]: unknown;
}

/** A copy of the program with its own backend, passphrase and stand-in call log. */
export class Workspace {
  readonly dir: string;
  readonly stateDir: string;
  readonly callLog: string;
  /** Where `pulumi` runs: the program folder, or a project inside the copy (an example under `examples/`). */
  cwd: string;
  readonly extraEnv: Record<string, string> = {};
  private readonly keySalt = randomBytes(16).toString("hex");

  constructor(label: string) {
    const root = mkdtempSync(path.join(tmpdir(), `engine-${label}-`));
    this.dir = path.join(root, "program");
    this.stateDir = path.join(root, "state");
    this.callLog = path.join(root, "calls.jsonl");
    this.cwd = this.dir;
    mkdirSync(this.dir);
    mkdirSync(this.stateDir);
    for (const f of PROGRAM_FILES)
      cpSync(path.join(repoRoot, f), path.join(this.dir, f), { recursive: true });
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(this.dir, "node_modules"));
    if (existsSync(path.join(repoRoot, "policies", "node_modules"))) {
      rmSync(path.join(this.dir, "policies", "node_modules"), { recursive: true, force: true });
      symlinkSync(
        path.join(repoRoot, "policies", "node_modules"),
        path.join(this.dir, "policies", "node_modules"),
      );
    }
  }

  env(): NodeJS.ProcessEnv {
    return {
      ...engineEnv(),
      PULUMI_BACKEND_URL: `file://${this.stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: "engine-suite-passphrase",
      STANDIN_LOG: this.callLog,
      STANDIN_KEY_SALT: this.keySalt,
      // Role-propagation sleeps (15 minutes each) pass in about a second; the log keeps the requested duration.
      STANDIN_SLEEP_SCALE: "0.001",
      NO_COLOR: "1",
      ...this.extraEnv,
    };
  }

  /** Runs `pulumi <args>` in {@link cwd}; never throws on a non-zero exit. */
  pulumi(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", [...args, "--non-interactive"], {
        cwd: this.cwd,
        env: { ...this.env(), ...opts.env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(opts.input ?? "");
    });
  }

  /** Like `pulumi`, but fails the test with the CLI's output when it exits non-zero. */
  async ok(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
    const r = await this.pulumi(args, opts);
    if (r.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout.slice(-30000)}\n${r.stderr.slice(-4000)}`,
      );
    }
    return r;
  }

  /** Every call the stand-in providers logged so far. */
  calls(): CallLogEntry[] {
    if (!existsSync(this.callLog)) return [];
    return readFileSync(this.callLog, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as CallLogEntry);
  }

  read(file: string): string {
    return readFileSync(path.join(this.dir, file), "utf8");
  }

  /** Points the stand-ins at a local PostgreSQL: Azure's server create makes the admin role there. */
  usePostgres(server: PostgresServer): void {
    this.extraEnv.STANDIN_POSTGRES_ADDRESS = `${server.host}:${server.port}`;
    this.extraEnv.STANDIN_POSTGRES_SUPERUSER = server.superuser;
    this.extraEnv.STANDIN_POSTGRES_PASSWORD = server.superuserPassword;
  }

  remove(): void {
    rmSync(path.dirname(this.dir), { recursive: true, force: true });
  }
}

/** The external secrets each stack's config names (README step 3), with values the tests can search for. */
export const EXTERNAL_SECRETS: Record<string, string> = {
  OPENAI_API_KEY: "sk-engine-suite-openai-7f3a9c1e5b",
  SENTRY_DSN: "https://0123456789abcdef@o42.ingest.sentry.io/4242",
  SENDGRID_API_KEY: "SG.engine-suite-sendgrid.9d8c7b6a",
};

/** README "Before the first deployment", step 3 and the stack set-up, as a user runs them. */
export async function initStack(ws: Workspace, stack: string): Promise<void> {
  await ws.ok(["stack", "init", stack]);
  for (const [key, value] of Object.entries(EXTERNAL_SECRETS)) {
    await ws.ok([
      "config",
      "set",
      "--secret",
      "--path",
      `webapp-platform:externalSecrets.${key}`,
      value,
      "--stack",
      stack,
    ]);
  }
}

/** Resource states of `pulumi stack export` (secrets stay ciphertext unless `showSecrets`). */
export async function exportStack(
  ws: Workspace,
  stack: string,
  showSecrets = false,
): Promise<{
  text: string;
  resources: { urn: string; type: string; protect?: boolean; custom?: boolean }[];
}> {
  const r = await ws.ok(["stack", "export", "--stack", stack, ...(showSecrets ? ["--show-secrets"] : [])]);
  const parsed = JSON.parse(r.stdout) as {
    deployment: { resources?: { urn: string; type: string; protect?: boolean; custom?: boolean }[] };
  };
  return { text: r.stdout, resources: parsed.deployment.resources ?? [] };
}

/** The offline plan's resource count (`npm run plan -- --stack <s> --json`), for comparison with real state. */
export function planTotal(stack: string): number {
  const out = execFileSync("npx", ["tsx", "tools/plan.ts", "--stack", stack, "--json"], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(out) as { total: number }).total;
}
