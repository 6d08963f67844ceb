/** The deployment log (one JSON line per finished promotion command) and the DORA delivery metrics read from it. */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RunResult } from "./steps";

/** One line of the deployment log: one promotion run's end. */
export interface DeploymentEntry {
  /** Always "promotion". */
  readonly kind: "promotion";
  /** The stack changed (or not). */
  readonly stack: string;
  /** The stack the release came from. */
  readonly from?: string;
  /** The run id, when a run started. */
  readonly runId?: string;
  /** The release version, when known. */
  readonly version?: string;
  /** How the run ended. */
  readonly outcome: string;
  /** ISO 8601 start and end. */
  readonly startedAt: string;
  readonly endedAt: string;
  /** Lead-time start: commit time, else when the source first ran the release. */
  readonly leadTimeFrom?: string;
  /** When the failing samples began, for a rolled-back run. */
  readonly failureStartedAt?: string;
  /** When the rollback completed. */
  readonly restoredAt?: string;
  /** Why the run ended so. */
  readonly reason: string;
}

/** Builds the log entry of a finished command. */
export function entryFor(
  result: RunResult,
  context: { stack: string; from?: string; now: string },
): DeploymentEntry {
  const s = result.state;
  return {
    kind: "promotion",
    stack: context.stack,
    ...(context.from !== undefined ? { from: context.from } : {}),
    ...(s !== undefined ? { runId: s.runId, version: s.candidate.version } : {}),
    outcome: result.outcome,
    startedAt: s?.startedAt ?? context.now,
    endedAt: s?.endedAt ?? context.now,
    ...(s?.leadTimeFrom !== undefined ? { leadTimeFrom: s.leadTimeFrom } : {}),
    ...(s?.failureStartedAt !== undefined ? { failureStartedAt: s.failureStartedAt } : {}),
    ...(s?.restoredAt !== undefined ? { restoredAt: s.restoredAt } : {}),
    reason: result.reason,
  };
}

/** Appends one JSON line. */
export async function appendEntry(path: string, entry: DeploymentEntry): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, `${JSON.stringify(entry)}\n`);
}

/** Reads the log; a missing file is an empty log. Lines that are not entries are reported, not guessed at. */
export async function readEntries(path: string): Promise<{ entries: DeploymentEntry[]; skipped: number }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], skipped: 0 };
    throw err;
  }
  return parseEntries(text);
}

/** Parses JSON lines into entries, counting the lines that are not entries. */
export function parseEntries(text: string): { entries: DeploymentEntry[]; skipped: number } {
  const entries: DeploymentEntry[] = [];
  let skipped = 0;
  for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
    try {
      const e = JSON.parse(line) as DeploymentEntry;
      if (e.kind === "promotion" && typeof e.endedAt === "string") entries.push(e);
      else skipped += 1;
    } catch {
      skipped += 1;
    }
  }
  return { entries, skipped };
}

/** What makes an entry the same entry in two copies of the log (a rerun of a sync appends it once). */
export function entryKey(e: DeploymentEntry): string {
  return JSON.stringify([e.stack, e.runId ?? null, e.outcome, e.startedAt, e.endedAt]);
}

/** One delivery metric with its target. */
export interface Metric {
  readonly name: string;
  /** The value, formatted, or "n/a" with no data. */
  readonly value: string;
  readonly target: string;
  /** Undefined when there is no data to judge. */
  readonly met?: boolean;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function minutes(ms: number): string {
  return ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${(ms / 60_000).toFixed(1)} min`;
}

/**
 * Deployment frequency, lead time, change failure rate, time to restore and success rate of `stack` over the
 * `days` before `now`, against the users' targets (daily, < 4 h, < 5%, < 10 min, > 95%).
 */
export function deliveryMetrics(
  all: DeploymentEntry[],
  options: { stack: string; days: number; now: number },
): Metric[] {
  const since = options.now - options.days * 86_400_000;
  const runs = all.filter(
    (e) =>
      e.stack === options.stack && Date.parse(e.endedAt) >= since && Date.parse(e.endedAt) <= options.now,
  );
  const promoted = runs.filter((e) => e.outcome === "promoted");
  const failed = runs.filter((e) => e.outcome === "rolled-back" || e.outcome === "rollback-failed");
  // An `undone` line is not a run of its own: it marks its promoted run (same run id) as a change that failed in
  // production. It has no failure start (an operator found the fault), so it adds no time to restore.
  const undoneRuns = new Set(runs.filter((e) => e.outcome === "undone").map((e) => e.runId));
  const undone = promoted.filter((e) => e.runId !== undefined && undoneRuns.has(e.runId));
  const finished = runs.filter(
    (e) => e.outcome !== "interrupted" && e.outcome !== "nothing-to-do" && e.outcome !== "undone",
  );
  const perDay = promoted.length / options.days;
  const lead = median(
    promoted
      .filter((e) => e.leadTimeFrom !== undefined)
      .map((e) => Date.parse(e.endedAt) - Date.parse(e.leadTimeFrom!)),
  );
  const restores = failed
    .filter((e) => e.failureStartedAt !== undefined && e.restoredAt !== undefined)
    .map((e) => Date.parse(e.restoredAt!) - Date.parse(e.failureStartedAt!));
  const mttr = restores.length > 0 ? restores.reduce((a, b) => a + b, 0) / restores.length : undefined;
  const changes = promoted.length + failed.length;
  const failures = failed.length + undone.length;
  const cfr = changes > 0 ? (failures / changes) * 100 : undefined;
  const success = finished.length > 0 ? (promoted.length / finished.length) * 100 : undefined;
  return [
    {
      name: "Deployment frequency",
      value: `${perDay.toFixed(2)} / day (${promoted.length} in ${options.days} d)`,
      target: ">= 1 / day",
      met: perDay >= 1,
    },
    {
      name: "Lead time (median)",
      value: lead === undefined ? "n/a" : minutes(lead),
      target: "< 4 h",
      ...(lead !== undefined ? { met: lead < 4 * 3_600_000 } : {}),
    },
    {
      name: "Change failure rate",
      value: cfr === undefined ? "n/a" : `${cfr.toFixed(1)}% (${failures} of ${changes})`,
      target: "< 5%",
      ...(cfr !== undefined ? { met: cfr < 5 } : {}),
    },
    {
      name: "Time to restore (mean)",
      value: mttr === undefined ? "n/a" : minutes(mttr),
      target: "< 10 min",
      ...(mttr !== undefined ? { met: mttr < 10 * 60_000 } : {}),
    },
    {
      name: "Deployment success rate",
      value:
        success === undefined ? "n/a" : `${success.toFixed(1)}% (${promoted.length} of ${finished.length})`,
      target: "> 95%",
      ...(success !== undefined ? { met: success > 95 } : {}),
    },
  ];
}

/** The metrics as a markdown table. */
export function metricsTable(metrics: Metric[]): string {
  const mark = (m: Metric) => (m.met === undefined ? "no data" : m.met ? "met" : "missed");
  return [
    "| Metric | Value | Target | |",
    "|---|---|---|---|",
    ...metrics.map((m) => `| ${m.name} | ${m.value} | ${m.target} | ${mark(m)} |`),
  ].join("\n");
}
