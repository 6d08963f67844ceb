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

function failure(err: unknown, violations: string[]): OperationResult {
  const summary = lastLines(err instanceof Error ? err.message : String(err), 8);
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
      return { ok: true, summary: summarize(result.changeSummary) };
    } catch (err) {
      return failure(err, policy.violations);
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
      };
    } catch (err) {
      return failure(err, policy.violations);
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
