import { join } from "node:path";
import { z } from "zod";
import { artifactSchema, releaseSchema, type Artifact, type ReleaseConfig } from "../config/release";
import type { RolloutConfig } from "../config/rollout";
import { readJsonFile, UnreadableFileError, writeFileAtomic } from "./files";
import type { ControlRecord } from "./controls";
import type { GateSample } from "./gates/evaluate";

/**
 * Where a run is: in its preflight preview (the stack's release config is changed and journaled), driving a
 * stage, rolling back, finalizing, or done.
 */
export type Phase = "preflight" | "stage" | "rollback" | "finalize" | "done";

/** How a run ended. */
export type Outcome = "promoted" | "rolled-back" | "refused" | "rollback-failed" | "interrupted" | "undone";

/** Progress of one stage. */
export interface StageRecord {
  /** Zero-based index. */
  index: number;
  /** Canary percentage. */
  percentage: number;
  /** Required bake, minutes. */
  bakeMinutes: number;
  /** When its config write and `up` began, ISO 8601. */
  applyStartedAt?: string;
  /** When its `up` (and frontend stage) completed. */
  appliedAt?: string;
  /** When its bake (re)started. */
  bakeStartedAt?: string;
  /** When it passed or failed. */
  endedAt?: string;
  /** Healthy samples in the current bake. */
  healthy: number;
  /** All samples in the current bake. */
  samples: number;
  /** Passed or failed, once decided; skipped by promote --full. */
  result?: "passed" | "failed" | "skipped";
}

/** A timestamped line of the run's history. */
export interface RunEvent {
  /** ISO 8601. */
  at: string;
  /** What happened. */
  message: string;
}

/** Everything a second run needs to resume or roll back, persisted after every step. */
export interface PromotionState {
  /** Format version. */
  version: 1;
  /** Unique id of the run. */
  runId: string;
  /** The stack being changed. */
  stack: string;
  /** The stack the candidate came from. */
  from: string;
  /** The release being rolled out. */
  candidate: Artifact;
  /** The release production ran before; rollback returns to it. */
  previousStable: Artifact;
  /** The rollout plan as read at the start; a resumed run keeps it. */
  plan: RolloutConfig;
  /** Where the run is. */
  phase: Phase;
  /** The current stage. */
  stageIndex: number;
  /** Whether the Vercel rolling release is driven too. */
  frontend: boolean;
  /** The production project's deployments of the candidate's and the stable's `frontendRef`, when driven. */
  frontendDeployments?: { candidate: string; stable: string };
  /** ISO 8601 start. */
  startedAt: string;
  /** ISO 8601 of the last write. */
  updatedAt: string;
  /** ISO 8601 end, once done. */
  endedAt?: string;
  /** Start of the lead time: the commit time given, else when staging first ran the release. */
  leadTimeFrom?: string;
  /** The production preview's summary. */
  preview?: string;
  /** In the preflight phase: the release config to put back if the run stops before its first stage. */
  restoreRelease?: ReleaseConfig;
  /** Stage progress. */
  stages: StageRecord[];
  /** Gate samples, oldest first (the latest 500). */
  samples: GateSample[];
  /** Samples dropped from the front of `samples`. */
  samplesDropped?: number;
  /** The last stable-slot p95 seen with enough traffic, ms. */
  baselineP95Ms?: number;
  /** Start of the current run of samples that were not healthy. */
  unhealthySince?: string;
  /** When the failing streak that caused the rollback began. */
  failureStartedAt?: string;
  /** When the rollback was decided. */
  rollbackDecidedAt?: string;
  /** When the rollback's `up` was first issued. */
  rollbackIssuedAt?: string;
  /** When the rollback's `up` completed. */
  restoredAt?: string;
  /** How the run ended. */
  outcome?: Outcome;
  /** Why it ended that way (or why a rollback is under way). */
  reason?: string;
  /** Human-readable history. */
  events: RunEvent[];
  /** Set while an operator holds the run at its current stage (gates keep sampling and still roll back). */
  paused?: { at: string; operator: string; reason?: string };
  /** Set when an operator skipped the remaining stages (promote --full). */
  fullPromotion?: { at: string; operator: string; reason: string };
  /** Operator requests applied to the run, oldest first. */
  controls?: ControlRecord[];
  /** Set when a promoted run was undone: production back on `previousStable`. */
  undo?: {
    operator: string;
    reason: string;
    startedAt: string;
    /** When the `up` back to `previousStable` (and the Vercel rollback) completed. */
    restoredAt?: string;
    /** The undo `up`'s change counts. */
    changes?: Record<string, number>;
  };
}

/** Where a stack's state lives. */
export interface StateStore {
  /** The last run's state, or undefined. */
  load(): Promise<PromotionState | undefined>;
  /** Persists the state atomically. */
  save(state: PromotionState): Promise<void>;
}

/** True while a run still has work to do (a rerun must resume or roll it back). */
export function isActive(state: PromotionState | undefined): state is PromotionState {
  return state !== undefined && state.phase !== "done";
}

/** The fields a rerun relies on; the rest of a state file is carried as written. */
const stateFileSchema = z.looseObject({
  version: z.literal(1),
  runId: z.string().min(1),
  stack: z.string().min(1),
  from: z.string().min(1),
  candidate: artifactSchema,
  previousStable: artifactSchema,
  plan: z.looseObject({ stages: z.array(z.looseObject({ percentage: z.number() })).min(1) }),
  phase: z.enum(["preflight", "stage", "rollback", "finalize", "done"]),
  stageIndex: z.number().int().min(0),
  frontend: z.boolean(),
  stages: z.array(z.looseObject({ index: z.number().int(), percentage: z.number() })),
  samples: z.array(z.unknown()),
  events: z.array(z.unknown()),
  restoreRelease: releaseSchema.optional(),
});

/** What to do about a state file that cannot be used. */
export function stateRecovery(path: string, stack: string): string {
  return (
    `if no promotion of ${stack} is running, move it aside (mv ${path} ${path}.broken) and run ` +
    `\`npm run promote -- rollback --stack ${stack}\`: without state the tool returns ${stack} from any canary ` +
    "percentage to its stable release"
  );
}

/**
 * A JSON file per stack, `<dir>/<stack>.state.json`, written atomically (temp file, fsync, rename) so a crash
 * never leaves half a file. A file that is empty, not JSON, not a state, or another stack's is refused with
 * the file, the stack names and the recovery command.
 */
export class FileStateStore implements StateStore {
  /** The state file. */
  readonly path: string;

  constructor(
    dir: string,
    private readonly stack: string,
  ) {
    this.path = join(dir, `${stack}.state.json`);
  }

  async load(): Promise<PromotionState | undefined> {
    const recovery = stateRecovery(this.path, this.stack);
    const raw = await readJsonFile(this.path, recovery);
    if (raw === undefined) return undefined;
    const parsed = stateFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UnreadableFileError(
        this.path,
        `is not a promotion state (${issue.path.join(".") || "the file"}: ${issue.message})`,
        recovery,
      );
    }
    if (parsed.data.stack !== this.stack) {
      throw new UnreadableFileError(
        this.path,
        `is the state of stack ${parsed.data.stack}, not of ${this.stack} (run ${parsed.data.runId})`,
        `it was copied or written here by mistake: ${recovery}`,
      );
    }
    return parsed.data as unknown as PromotionState;
  }

  async save(state: PromotionState): Promise<void> {
    if (state.stack !== this.stack) {
      throw new Error(
        `refusing to write the state of stack ${state.stack} into ${this.path} (${this.stack})`,
      );
    }
    await writeFileAtomic(this.path, `${JSON.stringify(state, null, 2)}\n`);
  }
}
