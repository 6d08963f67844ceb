import { hostname } from "node:os";
import {
  LocalWorkspace,
  PulumiCommand,
  type EngineEvent,
  type Stack,
  type UpdateSummary,
} from "@pulumi/pulumi/automation";
import { releaseSchema, type ReleaseConfig } from "../config/release";
import type { RolloutConfig } from "../config/rollout";
import {
  parseRollout,
  releaseKey,
  rolloutKey,
  stackOutputsSchema,
  type OperationResult,
  type PolicyOptions,
  type StackDriver,
  type StackOutputs,
  type UpdateRecord,
} from "./stack";

/** Thrown when the `pulumi` CLI, which the Automation API drives, cannot be run. */
export class PulumiCliMissingError extends Error {}

/**
 * Finds the `pulumi` CLI the way the Automation API does (`PulumiCommand.get()`: `pulumi version` on PATH) and
 * turns a failure into one sentence saying what is missing and what to do, instead of `spawn pulumi ENOENT`.
 */
export async function requirePulumiCli(): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get();
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).trim().split("\n").at(-1) ?? "";
    const what = /ENOENT/.test(detail)
      ? "the Pulumi CLI (`pulumi`) is not on PATH"
      : `the Pulumi CLI could not be run (${detail})`;
    throw new PulumiCliMissingError(
      `${what}: this tool drives the stacks through it (Automation API). Install the pulumi CLI and put it on ` +
        "PATH (in CI: the pulumi/actions step), then rerun",
    );
  }
}

/** Where and how the real driver finds the Pulumi project. */
export interface PulumiDriverOptions {
  /** The directory holding Pulumi.yaml and the stack files. */
  readonly workDir: string;
  /** The stack name, e.g. "production". */
  readonly stackName: string;
}

/** Reads a config key without decrypting secrets; undefined when the key is absent. */
async function readKey(stack: Stack, key: string): Promise<unknown> {
  try {
    const value = await stack.getConfig(key);
    return JSON.parse(value.value) as unknown;
  } catch (err) {
    if (err instanceof Error && /configuration key .* not found|not found/i.test(err.message))
      return undefined;
    throw err;
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split("\n").slice(-n).join(" | ");
}

function summarize(changes: Record<string, number> | undefined): string {
  const parts = Object.entries(changes ?? {})
    .filter(([, n]) => n > 0)
    .map(([op, n]) => `${op} ${n}`);
  return parts.length > 0 ? parts.join(", ") : "no changes";
}

/** Collects the names of mandatory policies the engine reports as violated (`policyEvent`s). */
export function policyCollector(): { onEvent: (e: EngineEvent) => void; violations: string[] } {
  const violations: string[] = [];
  return {
    violations,
    onEvent: (e) => {
      const p = e.policyEvent;
      if (p?.enforcementLevel === "mandatory" && !violations.includes(p.policyName))
        violations.push(p.policyName);
    },
  };
}

/** Whether a process id runs on this host (signal 0 checks without signalling; EPERM means it exists). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * When an operation failed because the backend holds the stack's update lock, one sentence saying who holds it
 * and exactly what to run; undefined for any other failure. The DIY backend refuses with "the stack is
 * currently locked by N lock(s) ... `pulumi cancel`" and a line `<lock>: created by user@host (pid N) at T`
 * per lock (pkg/backend/diy/lock.go, CLI 3.248); Pulumi Cloud answers "Another update is currently in
 * progress". A lock whose process is gone from this host is left by a killed or crashed update: nothing will
 * ever release it, so a person runs `pulumi cancel` (which deletes the lock files of a DIY backend) and reruns.
 */
export function engineLockAdvice(
  stack: string,
  workDir: string,
  message: string,
  alive: (pid: number) => boolean = pidAlive,
  host: string = hostname(),
): string | undefined {
  if (
    !/the stack is currently locked by \d+ lock\(s\)|another update is currently in progress/i.test(message)
  )
    return undefined;
  const cancel = `\`pulumi cancel --yes --stack ${stack}\` in ${workDir}`;
  const holders = new Map<string, { who: string; pid: number; host: string }>();
  for (const m of message.matchAll(/created by (\S+)@(\S+) \(pid (\d+)\) at (\S+)/g)) {
    holders.set(`${m[2]}:${m[3]}`, {
      who: `pid ${m[3]} on ${m[2]} (${m[1]}) since ${m[4]}`,
      pid: Number(m[3]),
      host: m[2]!,
    });
  }
  const list = [...holders.values()];
  const names = list.map((h) => h.who).join(", ");
  if (list.length > 0 && list.every((h) => h.host === host && !alive(h.pid))) {
    return (
      `${stack}'s backend is locked by an update that did not finish (${names}); that process is gone ` +
      `(killed or crashed), so nothing will release the lock: run ${cancel}, then rerun`
    );
  }
  if (list.some((h) => h.host === host && alive(h.pid))) {
    return `${stack} is being updated by another pulumi process (${names}); wait for it to end, then rerun`;
  }
  return (
    `${stack}'s backend is locked by another update${names !== "" ? ` (${names})` : ""}; if no pulumi ` +
    `update of ${stack} runs anywhere, run ${cancel}, then rerun`
  );
}

function failure(err: unknown, violations: string[], stack: string, workDir: string): OperationResult {
  const message = err instanceof Error ? err.message : String(err);
  const locked = engineLockAdvice(stack, workDir, message);
  if (locked !== undefined) return { ok: false, summary: locked };
  const summary = lastLines(message, 8);
  return violations.length > 0
    ? {
        ok: false,
        summary: `mandatory policies violated: ${violations.join(", ")}`,
        policyViolations: violations,
      }
    : { ok: false, summary };
}

function policyArgs(options: Partial<PolicyOptions>): {
  policyPacks?: string[];
  policyPackConfigs?: string[];
} {
  return {
    ...(options.policyPacks !== undefined ? { policyPacks: [...options.policyPacks] } : {}),
    ...(options.policyPackConfigs !== undefined ? { policyPackConfigs: [...options.policyPackConfigs] } : {}),
  };
}

function toRecord(u: UpdateSummary): UpdateRecord {
  const raw = u.config?.[releaseKey]?.value;
  let release: ReleaseConfig | undefined;
  if (raw !== undefined) {
    const parsed = releaseSchema.safeParse(JSON.parse(raw));
    if (parsed.success) release = parsed.data;
  }
  return {
    kind: u.kind,
    result: u.result,
    startTime: new Date(u.startTime).getTime(),
    ...(u.endTime !== undefined ? { endTime: new Date(u.endTime).getTime() } : {}),
    ...(release !== undefined ? { release } : {}),
  };
}

/**
 * The Automation API driver. Needs the `pulumi` CLI on PATH and backend credentials (PULUMI_ACCESS_TOKEN or
 * a DIY backend login); the Azure and Vercel providers read their own credentials from the environment.
 *
 * The release section is written as one JSON value, not path by path: `config set --path` turns strings that
 * look like integers or booleans (a version "2026", an all-digit commit) into numbers and booleans, which
 * the release schema would then reject. `config.requireObject("release")` reads both forms alike.
 */
export class PulumiStackDriver implements StackDriver {
  readonly name: string;
  private stack: Promise<Stack> | undefined;

  constructor(private readonly options: PulumiDriverOptions) {
    this.name = options.stackName;
  }

  private select(): Promise<Stack> {
    this.stack ??= LocalWorkspace.selectStack({
      stackName: this.options.stackName,
      workDir: this.options.workDir,
    });
    return this.stack;
  }

  async readRelease(): Promise<ReleaseConfig | undefined> {
    const raw = await readKey(await this.select(), releaseKey);
    return raw === undefined ? undefined : releaseSchema.parse(raw);
  }

  async readRollout(): Promise<RolloutConfig> {
    return parseRollout(this.name, await readKey(await this.select(), rolloutKey));
  }

  async writeRelease(release: ReleaseConfig): Promise<void> {
    const stack = await this.select();
    await stack.setConfig(releaseKey, { value: JSON.stringify(releaseSchema.parse(release)), secret: false });
  }

  async preview(options: PolicyOptions & { onOutput?: (line: string) => void }): Promise<OperationResult> {
    const stack = await this.select();
    const policy = policyCollector();
    try {
      const result = await stack.preview({
        ...policyArgs(options),
        onEvent: policy.onEvent,
        ...(options.onOutput !== undefined ? { onOutput: options.onOutput } : {}),
      });
      return {
        ok: true,
        summary: summarize(result.changeSummary),
        ...(result.changeSummary !== undefined ? { changes: { ...result.changeSummary } } : {}),
      };
    } catch (err) {
      return failure(err, policy.violations, this.name, this.options.workDir);
    }
  }

  async up(
    options: { message: string; onOutput?: (line: string) => void } & Partial<PolicyOptions>,
  ): Promise<OperationResult> {
    const stack = await this.select();
    const policy = policyCollector();
    try {
      const result = await stack.up({
        message: options.message,
        ...policyArgs(options),
        onEvent: policy.onEvent,
        ...(options.onOutput !== undefined ? { onOutput: options.onOutput } : {}),
      });
      return {
        ok: result.summary.result === "succeeded",
        summary: summarize(result.summary.resourceChanges),
        ...(result.summary.resourceChanges !== undefined
          ? { changes: { ...result.summary.resourceChanges } }
          : {}),
      };
    } catch (err) {
      return failure(err, policy.violations, this.name, this.options.workDir);
    }
  }

  async outputs(): Promise<StackOutputs> {
    const outputs = await (await this.select()).outputs();
    const plain = Object.fromEntries(
      Object.entries(outputs).map(([k, v]) => [k, v.secret ? undefined : v.value]),
    );
    const parsed = stackOutputsSchema.safeParse(plain);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`stack ${this.name}: outputs are not what the controller needs (${issues})`);
    }
    return parsed.data;
  }

  async history(limit: number): Promise<UpdateRecord[]> {
    const entries = await (await this.select()).history(limit, 1, false);
    return entries.map(toRecord);
  }
}
