import { mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Clock } from "./clock";

/** Who holds a stack's promotion lock. */
export interface LockInfo {
  /** The run holding the lock. */
  readonly runId: string;
  /** Its process id. */
  readonly pid: number;
  /** Its host name. */
  readonly host: string;
  /** When it took the lock, ms since the epoch. */
  readonly acquiredAt: number;
  /** Its last sign of life, ms since the epoch. */
  readonly heartbeatAt: number;
}

/** Thrown when another live run holds the lock. */
export class LockHeldError extends Error {
  constructor(
    readonly stackName: string,
    readonly holder: LockInfo,
    now: number,
  ) {
    super(
      `a promotion of ${stackName} is already running (run ${holder.runId}, pid ${holder.pid} on ${holder.host}, ` +
        `last heartbeat ${Math.round((now - holder.heartbeatAt) / 1000)} s ago); a second promotion is refused`,
    );
  }
}

/** Options of the file lock. */
export interface LockOptions {
  /** This process's id (tests pass another to play a second process). Default process.pid. */
  readonly pid?: number;
  /** This host's name. Default os.hostname(). */
  readonly host?: string;
  /** A holder silent for longer than this is presumed dead. Default 15 min. */
  readonly staleAfterMs?: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One promotion per stack: a lock file created with O_EXCL in the state directory. A holder whose process is
 * gone (same host) or whose heartbeat is older than `staleAfterMs` is taken over, so a crashed run never
 * blocks the rerun that resumes it. Time comes from the injected clock. Across machines the CI concurrency
 * group and the Pulumi backend's own update lock are the outer guards.
 */
export class FileLock {
  private readonly path: string;
  private info: LockInfo | undefined;

  constructor(
    dir: string,
    private readonly stack: string,
    private readonly clock: Clock,
    private readonly options: LockOptions = {},
  ) {
    this.path = join(dir, `${stack}.lock`);
  }

  /** Who holds the lock now, if anyone (stale or not). */
  async holder(): Promise<LockInfo | undefined> {
    try {
      return JSON.parse(await readFile(this.path, "utf8")) as LockInfo;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /** True when `holder` can be taken over. */
  isStale(holder: LockInfo): boolean {
    const host = this.options.host ?? hostname();
    if (holder.host === host && !pidAlive(holder.pid)) return true;
    return this.clock.now() - holder.heartbeatAt > (this.options.staleAfterMs ?? 15 * 60_000);
  }

  /** Takes the lock for `runId`, or throws {@link LockHeldError}. Returns the stale holder it replaced, if any. */
  async acquire(runId: string): Promise<LockInfo | undefined> {
    await mkdir(join(this.path, ".."), { recursive: true });
    const now = this.clock.now();
    const info: LockInfo = {
      runId,
      pid: this.options.pid ?? process.pid,
      host: this.options.host ?? hostname(),
      acquiredAt: now,
      heartbeatAt: now,
    };
    let replaced: LockInfo | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(this.path, JSON.stringify(info), { flag: "wx" });
        this.info = info;
        return replaced;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const holder = await this.holder();
        if (holder === undefined) continue;
        if (!this.isStale(holder)) throw new LockHeldError(this.stack, holder, now);
        replaced = holder;
        await unlink(this.path).catch(() => undefined);
      }
    }
    throw new Error(`could not take the promotion lock ${this.path}: another process keeps recreating it`);
  }

  /** Records a sign of life. */
  async heartbeat(): Promise<void> {
    if (this.info === undefined) return;
    this.info = { ...this.info, heartbeatAt: this.clock.now() };
    await writeFile(this.path, JSON.stringify(this.info));
  }

  /** Releases the lock if this instance holds it. */
  async release(): Promise<void> {
    if (this.info === undefined) return;
    const holder = await this.holder();
    if (holder?.runId === this.info.runId) await unlink(this.path).catch(() => undefined);
    this.info = undefined;
  }
}
