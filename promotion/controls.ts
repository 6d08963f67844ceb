/**
 * Manual controls of a running promotion (pause, resume, abort, promote --full) across processes: an
 * operator's command writes one validated control request beside the state file, and the run holding the
 * lock applies it at its next tick; which transitions a run accepts is decided here, once, for both ends.
 */
import { randomUUID } from "node:crypto";
import { rename, unlink } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { createFileExclusive, readJsonFile, UnreadableFileError } from "./files";
import type { PromotionState } from "./state";

/** What an operator can ask of a run. */
export type ControlAction = "pause" | "resume" | "abort" | "full";

/** The CLI words of each action, for messages. */
export const actionWords: Record<ControlAction, string> = {
  pause: "pause",
  resume: "resume",
  abort: "abort",
  full: "promote --full",
};

const controlSchema = z.strictObject({
  version: z.literal(1),
  id: z.string().uuid(),
  stack: z.string().min(1),
  runId: z.string().min(1),
  action: z.enum(["pause", "resume", "abort", "full"]),
  reason: z.string().min(1).max(500).optional(),
  operator: z.string().min(1).max(200),
  requestedAt: z.string().datetime(),
});

/** One operator request for one run. */
export type ControlRequest = z.infer<typeof controlSchema>;

/** How a request was applied, kept in the run's state and shown in the decision record. */
export interface ControlRecord {
  readonly action: ControlAction;
  readonly operator: string;
  readonly reason?: string;
  /** When the operator asked, ISO 8601. */
  readonly requestedAt: string;
  /** When the run applied it, ISO 8601. */
  readonly appliedAt: string;
  /** "by the running controller" (picked up at a tick) or "directly" (no controller held the lock). */
  readonly via: "running controller" | "directly";
}

/** Who runs a command: the CI actor, else the local user at this host. */
export function operatorName(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_ACTOR !== undefined && env.GITHUB_ACTOR !== "")
    return `${env.GITHUB_ACTOR} (GitHub Actions)`;
  let user = env.USER ?? "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep $USER
  }
  return `${user}@${hostname()}`;
}

/**
 * Why `action` is not allowed for the stack's last run `state`, or undefined when it is. Abort and
 * promote --full need a run driving stages; pause needs one that is not paused; resume one that is.
 */
export function refusal(
  stack: string,
  state: PromotionState | undefined,
  action: ControlAction,
): string | undefined {
  const words = actionWords[action];
  if (state === undefined || state.phase === "done" || state.phase === "preflight") {
    const last =
      state === undefined
        ? "no promotion has run"
        : `its last run ${state.runId} is ${state.outcome ?? state.phase}`;
    return `${words} needs a promotion of ${stack} under way, and ${last}`;
  }
  if (state.phase !== "stage")
    return `${words} needs a run driving its stages; run ${state.runId} of ${state.candidate.version} is in its ${state.phase} phase`;
  if (action === "pause" && state.paused !== undefined)
    return `run ${state.runId} is already paused (since ${state.paused.at} by ${state.paused.operator}); resume it or abort it`;
  if (action === "resume" && state.paused === undefined)
    return `run ${state.runId} is not paused: resume only ends a pause`;
  if (state.fullPromotion !== undefined)
    return `run ${state.runId} is already going to 100% (promote --full by ${state.fullPromotion.operator})`;
  return undefined;
}

/** Applies `request` to the state (pause flag, full promotion, abort reason); returns the abort reason, if any. */
export function applyControl(
  state: PromotionState,
  request: Pick<ControlRequest, "action" | "operator" | "reason" | "requestedAt">,
  via: ControlRecord["via"],
  now: string,
): string | undefined {
  const record: ControlRecord = {
    action: request.action,
    operator: request.operator,
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    requestedAt: request.requestedAt,
    appliedAt: now,
    via,
  };
  (state.controls ??= []).push(record);
  const why = request.reason !== undefined ? `: ${request.reason}` : "";
  switch (request.action) {
    case "pause":
      state.paused = {
        at: now,
        operator: request.operator,
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
      };
      return undefined;
    case "resume":
      delete state.paused;
      return undefined;
    case "full":
      delete state.paused;
      state.fullPromotion = { at: now, operator: request.operator, reason: request.reason ?? "" };
      return undefined;
    case "abort":
      return `aborted by ${request.operator}${why}`;
  }
}

/**
 * The pending control request of a stack, `<dir>/<stack>.control.json`: created complete and exclusively (one
 * pending request at a time), read and validated by the run, removed once applied.
 */
export class ControlChannel {
  /** The request file. */
  readonly path: string;

  constructor(
    dir: string,
    private readonly stack: string,
  ) {
    this.path = join(dir, `${stack}.control.json`);
  }

  /** Writes a request for run `runId`; false when another request is still pending. */
  async send(
    runId: string,
    action: ControlAction,
    operator: string,
    now: string,
    reason?: string,
  ): Promise<ControlRequest | undefined> {
    const request: ControlRequest = controlSchema.parse({
      version: 1,
      id: randomUUID(),
      stack: this.stack,
      runId,
      action,
      ...(reason !== undefined ? { reason } : {}),
      operator,
      requestedAt: now,
    });
    return (await createFileExclusive(this.path, JSON.stringify(request))) ? request : undefined;
  }

  /** The pending request, validated; an invalid file is moved aside (`.rejected`) and reported, never applied. */
  async pending(): Promise<ControlRequest | { rejected: string } | undefined> {
    let raw: unknown;
    try {
      raw = await readJsonFile(this.path, "it was moved aside");
    } catch (err) {
      if (!(err instanceof UnreadableFileError)) throw err;
      raw = null;
    }
    if (raw === undefined) return undefined;
    const parsed = controlSchema.safeParse(raw);
    if (parsed.success && parsed.data.stack === this.stack) return parsed.data;
    const aside = `${this.path}.rejected`;
    await rename(this.path, aside).catch(() => undefined);
    const why = parsed.success
      ? `it names stack ${parsed.data.stack}`
      : `${parsed.error.issues[0]?.path.join(".") || "the file"}: ${parsed.error.issues[0]?.message ?? "not JSON"}`;
    return {
      rejected: `the control request ${this.path} is not valid (${why}); moved to ${aside}, not applied`,
    };
  }

  /** Removes the request once applied or found to be for another run. */
  async done(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}
