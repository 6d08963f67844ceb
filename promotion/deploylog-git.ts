/**
 * The durable copy of the deployment log: `deployments.jsonl` on an orphan git branch (`deploy-log`) of the
 * repository, appended one commit at a time and never rewritten. An append fetches the branch tip, writes a
 * commit whose file is the tip's file plus the new lines (parent: the tip) and pushes it without force; a push
 * that is not a fast-forward (another run appended first) starts over from the new tip, with jittered backoff.
 * Credentials never appear in arguments or messages: in CI git reads them from `http.<url>.extraheader`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backOff } from "exponential-backoff";
import { entryKey, parseEntries, type DeploymentEntry } from "./deploylog";

/** Where the log lives. */
export interface GitLogOptions {
  /** The repository: a URL (no credentials in it) or a path. */
  readonly remote: string;
  /** The branch. Default `deploy-log`. */
  readonly branch?: string;
  /** The file on the branch. Default `deployments.jsonl`. */
  readonly file?: string;
  /** Push attempts before giving up on conflicts. Default 12. */
  readonly attempts?: number;
  /** First retry delay, ms, doubling with full jitter, at most 5 s. Default 200. */
  readonly retryDelayMs?: number;
}

/** The remote moved on between our fetch and our push: retry from the new tip. */
class PushConflict extends Error {}

/** Hides credentials a URL might carry (`https://user:token@host`) and the remote itself. */
function redact(text: string, remote: string): string {
  return text
    .split(remote)
    .join("<deploy-log remote>")
    .replace(/\/\/[^/@\s]+@/g, "//***@");
}

/** Runs git in `dir`; resolves stdout, rejects with the redacted stderr. */
function git(dir: string, args: string[], remote: string, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: "0",
        GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? "webapp-platform promotion",
        GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? "promotion@webapp-platform.invalid",
        GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? "webapp-platform promotion",
        GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? "promotion@webapp-platform.invalid",
      },
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e) => reject(new Error(`git could not be run: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) return resolve(out);
      const message = redact(err.trim() || `exit ${code}`, remote);
      reject(
        /non-fast-forward|fetch first|\[rejected\]|failed to update ref|cannot lock ref|reference already exists/i.test(
          err,
        )
          ? new PushConflict(message)
          : new Error(`git ${args[0]} failed: ${message}`),
      );
    });
    if (input !== undefined) {
      // A git that exits early closes its stdin; its exit code tells what went wrong, not the EPIPE.
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(input);
    }
  });
}

/** The deployment log on a git branch. */
export class GitDeployLog {
  private readonly branch: string;
  private readonly file: string;

  constructor(private readonly o: GitLogOptions) {
    this.branch = o.branch ?? "deploy-log";
    this.file = o.file ?? "deployments.jsonl";
  }

  private run(dir: string, args: string[], input?: string): Promise<string> {
    return git(dir, args, this.o.remote, input);
  }

  /** In a throw-away bare repository, removed afterwards. */
  private async scratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), "deploy-log-"));
    try {
      await this.run(dir, ["init", "--bare", "--quiet"]);
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The branch tip and its log text; no branch yet is no tip and an empty log. */
  private async fetch(dir: string): Promise<{ tip?: string; text: string }> {
    const heads = await this.run(dir, ["ls-remote", "--heads", this.o.remote, `refs/heads/${this.branch}`]);
    if (heads.trim() === "") return { text: "" };
    await this.run(dir, ["fetch", "--quiet", this.o.remote, `+refs/heads/${this.branch}:refs/log/tip`]);
    const tip = (await this.run(dir, ["rev-parse", "refs/log/tip"])).trim();
    const files = await this.run(dir, ["ls-tree", "--name-only", tip]);
    const text = files.split("\n").includes(this.file)
      ? await this.run(dir, ["show", `${tip}:${this.file}`])
      : "";
    return { tip, text };
  }

  /** The log's text as the branch holds it now. */
  read(): Promise<string> {
    return this.scratch(async (dir) => (await this.fetch(dir)).text);
  }

  /**
   * Appends the entries the branch does not hold yet (by {@link entryKey}), as one commit on top of the tip.
   * Returns how many were appended and the attempts it took; throws after `attempts` conflicts or on any
   * other git failure.
   */
  sync(
    entries: readonly DeploymentEntry[],
  ): Promise<{ appended: number; attempts: number; commit?: string }> {
    return this.scratch(async (dir) => {
      let attempts = 0;
      return backOff(
        async () => {
          attempts += 1;
          const { tip, text } = await this.fetch(dir);
          const held = new Set(parseEntries(text).entries.map(entryKey));
          const fresh = entries.filter((e) => !held.has(entryKey(e)));
          if (fresh.length === 0) return { appended: 0, attempts };
          const base = text === "" || text.endsWith("\n") ? text : `${text}\n`;
          const content = base + fresh.map((e) => `${JSON.stringify(e)}\n`).join("");
          const blob = (await this.run(dir, ["hash-object", "-w", "--stdin"], content)).trim();
          const tree = (await this.run(dir, ["mktree"], `100644 blob ${blob}\t${this.file}\n`)).trim();
          const message = `deploy-log: ${fresh.map((e) => `${e.stack} ${e.version ?? "-"} ${e.outcome}`).join(", ")}`;
          const commit = (
            await this.run(dir, [
              "commit-tree",
              tree,
              ...(tip !== undefined ? ["-p", tip] : []),
              "-m",
              message,
            ])
          ).trim();
          // No force: the remote accepts this only as a fast-forward of the tip we read, so history is never rewritten.
          await this.run(dir, ["push", "--quiet", this.o.remote, `${commit}:refs/heads/${this.branch}`]);
          return { appended: fresh.length, attempts, commit };
        },
        {
          numOfAttempts: this.o.attempts ?? 12,
          startingDelay: this.o.retryDelayMs ?? 200,
          maxDelay: 5000,
          jitter: "full",
          retry: (err: unknown) => err instanceof PushConflict,
        },
      );
    });
  }
}
