import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Artifact } from "../config/release";
import type { RolloutConfig } from "../config/rollout";
import type { GateSample } from "./gates/evaluate";

/** Where a run is: driving a stage, rolling back, finalizing, or done. */
export type Phase = "stage" | "rollback" | "finalize" | "done";

/** How a run ended. */
export type Outcome = "promoted" | "rolled-back" | "refused" | "rollback-failed" | "interrupted";

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
  /** Passed or failed, once decided. */
  result?: "passed" | "failed";
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

/** A JSON file per stack, `<dir>/<stack>.state.json`, written via rename so a crash never leaves half a file. */
export class FileStateStore implements StateStore {
  private readonly path: string;

  constructor(
    private readonly dir: string,
    stack: string,
  ) {
    this.path = join(dir, `${stack}.state.json`);
  }

  async load(): Promise<PromotionState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const state = JSON.parse(text) as PromotionState;
    if (state.version !== 1) throw new Error(`${this.path}: unknown state version ${String(state.version)}`);
    return state;
  }

  async save(state: PromotionState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
    await rename(tmp, this.path);
  }
}
