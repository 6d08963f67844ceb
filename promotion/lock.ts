import { readdir, rename, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import type { Clock } from "./clock";
import { createFileExclusive, readJsonFile, UnreadableFileError, writeFileAtomic } from "./files";

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
    takingOver = false,
  ) {
    super(
      takingOver
        ? `a promotion of ${stackName} is starting: another run is taking over the stale lock of run ${holder.runId} ` +
            `(pid ${holder.pid} on ${holder.host}) at the same time; a second promotion is refused`
        : `a promotion of ${stackName} is already running (run ${holder.runId}, pid ${holder.pid} on ${holder.host}, ` +
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

/** Thrown when this run's lock was taken over by another run (it was presumed dead). */
export class LockLostError extends Error {}

function isLockInfo(v: unknown): v is LockInfo {
  const o = v as Record<string, unknown> | null;
  return (
    o !== null &&
    typeof o === "object" &&
    typeof o.runId === "string" &&
    typeof o.pid === "number" &&
    typeof o.host === "string" &&
    typeof o.acquiredAt === "number" &&
    typeof o.heartbeatAt === "number"
  );
}

/** Takeover markers older than this are removed (a contender is seconds behind, never an hour). */
const markerMaxAgeMs = 3_600_000;

/**
 * One promotion per stack: a lock file in the state directory, always created complete (fsynced temp file,
 * hard link: atomic, fails if the file exists) and replaced atomically on each heartbeat. A holder whose process
 * is gone (same host) or whose heartbeat is older than `staleAfterMs` is taken over, so a crashed run never
 * blocks the rerun that resumes it. Taking over is race-free: the contender must first create the marker
 * `<lock>.takeover-<stale run id>` exclusively, so of any number of processes that find the same stale holder
 * exactly one moves it aside, and it then creates its own lock exclusively like any other run. Time comes from
 * the injected clock. Across machines the CI concurrency group and the Pulumi backend's own update lock are
 * the outer guards.
 */
export class FileLock {
  /** The lock file. */
  readonly path: string;
  private info: LockInfo | undefined;

  constructor(
    dir: string,
    private readonly stack: string,
    private readonly clock: Clock,
    private readonly options: LockOptions = {},
  ) {
    this.path = join(dir, `${stack}.lock`);
  }

  private recovery(): string {
    return `if no promotion of ${this.stack} is running, remove it (rm ${this.path}) and rerun`;
  }

  private async read(path: string): Promise<LockInfo | undefined> {
    const raw = await readJsonFile(path, this.recovery());
    if (raw === undefined || isLockInfo(raw)) return raw;
    throw new UnreadableFileError(
      path,
      "is not a promotion lock (it needs runId, pid, host, acquiredAt, heartbeatAt)",
      this.recovery(),
    );
  }

  /** Who holds the lock now, if anyone (stale or not). */
  holder(): Promise<LockInfo | undefined> {
    return this.read(this.path);
  }

  /** True when `holder` can be taken over. */
  isStale(holder: LockInfo): boolean {
    const host = this.options.host ?? hostname();
    if (holder.host === host && !pidAlive(holder.pid)) return true;
    return this.clock.now() - holder.heartbeatAt > (this.options.staleAfterMs ?? 15 * 60_000);
  }

  /** Takes the lock for `runId`, or throws {@link LockHeldError}. Returns the stale holder it replaced, if any. */
  async acquire(runId: string): Promise<LockInfo | undefined> {
    const now = this.clock.now();
    const info: LockInfo = {
      runId,
      pid: this.options.pid ?? process.pid,
      host: this.options.host ?? hostname(),
      acquiredAt: now,
      heartbeatAt: now,
    };
    const text = JSON.stringify(info);
    let replaced: LockInfo | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await createFileExclusive(this.path, text)) {
        this.info = info;
        await this.removeOldMarkers();
        return replaced;
      }
      const holder = await this.holder();
      if (holder === undefined) continue;
      if (!this.isStale(holder)) throw new LockHeldError(this.stack, holder, now);
      if (!(await createFileExclusive(`${this.path}.takeover-${holder.runId}`, text))) {
        const current = await this.holder();
        if (current === undefined || current.runId === holder.runId)
          throw new LockHeldError(this.stack, holder, now, true);
        throw new LockHeldError(this.stack, current, now);
      }
      const aside = `${this.path}.${runId}.stale`;
      try {
        await rename(this.path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      const moved = await this.read(aside).catch(() => undefined);
      if (moved?.runId !== holder.runId) {
        // The holder released and another run locked in between: put its lock back; it holds the lock.
        const restored = await createFileExclusive(this.path, JSON.stringify(moved ?? holder));
        await unlink(aside).catch(() => undefined);
        if (!restored)
          throw new Error(`the promotion lock ${this.path} changed hands during a takeover; rerun`);
        continue;
      }
      await unlink(aside).catch(() => undefined);
      replaced = holder;
    }
    const current = await this.holder();
    if (current !== undefined) throw new LockHeldError(this.stack, current, now);
    throw new Error(`could not take the promotion lock ${this.path}: another process keeps recreating it`);
  }

  /** Removes takeover markers older than an hour. */
  private async removeOldMarkers(): Promise<void> {
    const dir = dirname(this.path);
    const prefix = `${this.stack}.lock.takeover-`;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!name.startsWith(prefix)) continue;
      const file = join(dir, name);
      const age = Date.now() - (await stat(file).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > markerMaxAgeMs) await unlink(file).catch(() => undefined);
    }
  }

  /** Records a sign of life; throws {@link LockLostError} when another run has taken the lock over. */
  async heartbeat(): Promise<void> {
    if (this.info === undefined) return;
    const holder = await this.holder().catch(() => undefined);
    if (holder?.runId !== this.info.runId) {
      throw new LockLostError(
        `the promotion lock ${this.path} is now held by ${holder === undefined ? "nobody" : `run ${holder.runId} (pid ${holder.pid} on ${holder.host})`}, not by this run ${this.info.runId}; stopping`,
      );
    }
    this.info = { ...this.info, heartbeatAt: this.clock.now() };
    await writeFileAtomic(this.path, JSON.stringify(this.info));
  }

  /** Releases the lock if this instance holds it. */
  async release(): Promise<void> {
    if (this.info === undefined) return;
    const holder = await this.holder().catch(() => undefined);
    if (holder?.runId === this.info.runId) await unlink(this.path).catch(() => undefined);
    this.info = undefined;
  }
}
