/**
 * Crash-safe files for the promotion state and lock: atomic writes (temp file, fsync, rename, fsync of the
 * folder), exclusive creation of a complete file (temp file, fsync, hard link), and JSON reads that turn an
 * empty, truncated or foreign file into an error naming the file and how to recover.
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** A state or lock file that exists but cannot be used; the message names the file and the recovery. */
export class UnreadableFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    recovery: string,
  ) {
    super(`${path} ${problem}; ${recovery}`);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `text` to a fresh temp file beside `path` and fsyncs it; returns the temp file's path. */
async function writeTemp(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tmp;
}

/** Replaces `path` with `text` atomically: readers see the old file or the new one, never a part. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = await writeTemp(path, text);
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path));
}

/**
 * Creates `path` with `text` only if it does not exist, complete or not at all (a hard link of a fsynced temp
 * file is atomic and fails with EEXIST like O_EXCL). Returns false when `path` exists.
 */
export async function createFileExclusive(path: string, text: string): Promise<boolean> {
  const tmp = await writeTemp(path, text);
  try {
    await link(tmp, path);
    await fsyncDir(dirname(path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/**
 * Reads `path` as JSON; undefined when it does not exist. An empty file or one that is not JSON throws an
 * {@link UnreadableFileError} with `recovery`, never a raw parse error.
 */
export async function readJsonFile(path: string, recovery: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  if (text.trim() === "") throw new UnreadableFileError(path, "is empty (a write was cut off)", recovery);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UnreadableFileError(
      path,
      `is not valid JSON (${text.length} characters: truncated or overwritten)`,
      recovery,
    );
  }
}
