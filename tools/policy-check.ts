/**
 * Offline policy check: synthesizes a Pulumi program under the mock runtime (tools/harness.ts) and evaluates every
 * rule of the CrossGuard pack the way the engine feeds them: props in the SDK's unknown-checking proxy, resource
 * options (protect, parent, provider), stack dependencies/propertyDependencies and the stack's policy config.
 *
 * Usage: npm run policy-check -- --stack staging [--program-dir DIR] [--policy-config FILE] [--preview] [--json]
 * Exits 1 on any mandatory violation, 2 on usage or synthesis errors.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { evaluatePack, type Finding, type ResourceRecord } from "../policies/lib/emulator";
import { rules } from "../policies/rules";
import { ConfigValidationError } from "../config/load";
import { tuneForCli } from "./cli-runtime";
import { type RecordedResource, synthesize } from "./harness";

/** Options of one policy check. */
export interface PolicyCheckOptions {
  /** Stack name (reads Pulumi.<stack>.yaml and, by default, policies/config/<stack>.json). */
  readonly stack: string;
  /** Program directory (default: this repository). */
  readonly programDir?: string;
  /** Policy-pack config file (default: policies/config/<stack>.json). */
  readonly policyConfig?: string;
  /** Preview semantics (provider-computed values unknown). */
  readonly preview?: boolean;
  /** Config values layered over the stack file (`namespace:key`), for insecure-variant tests. */
  readonly configOverrides?: Record<string, unknown>;
}

/** Result of one policy check. */
export interface PolicyCheckResult {
  /** Stack checked. */
  readonly stack: string;
  /** Number of resources evaluated. */
  readonly resourceCount: number;
  /** Number of rules in the pack. */
  readonly ruleCount: number;
  /** Every finding. */
  readonly findings: Finding[];
  /** Mandatory violations (a deployment would be blocked). */
  readonly mandatory: Finding[];
}

const repoRoot = path.join(__dirname, "..");

/** Converts the harness's registrations into the records the engine would send to the pack. */
export function toRecords(resources: readonly RecordedResource[]): ResourceRecord[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  return resources.map((r) => {
    const providerUrn =
      r.provider === undefined ? undefined : r.provider.slice(0, r.provider.lastIndexOf("::"));
    const provider = providerUrn === undefined ? undefined : byUrn.get(providerUrn);
    return {
      urn: r.urn,
      type: r.type,
      name: r.name,
      props: r.inputs,
      protect: r.protect,
      ...(r.parent === undefined ? {} : { parent: r.parent }),
      ...(provider
        ? {
            provider: { urn: provider.urn, type: provider.type, name: provider.name, props: provider.inputs },
          }
        : {}),
      dependencies: r.dependencies,
      propertyDependencies: r.propertyDependencies,
    };
  });
}

/** Reads a `--policy-pack-config` file. */
export function readPolicyConfig(file: string): PolicyPackConfig {
  return JSON.parse(fs.readFileSync(file, "utf8")) as PolicyPackConfig;
}

/** Synthesizes the program and evaluates the pack. */
export async function runPolicyCheck(opts: PolicyCheckOptions): Promise<PolicyCheckResult> {
  const programDir = path.resolve(opts.programDir ?? repoRoot);
  const configFile = opts.policyConfig ?? path.join(repoRoot, "policies", "config", `${opts.stack}.json`);
  const config = readPolicyConfig(configFile);
  const synthesis = await synthesize({
    programDir,
    stack: opts.stack,
    preview: opts.preview ?? false,
    ...(opts.configOverrides ? { configOverrides: opts.configOverrides } : {}),
  });
  const findings = await evaluatePack(rules, toRecords(synthesis.resources), config);
  return {
    stack: opts.stack,
    resourceCount: synthesis.resources.length,
    ruleCount: rules.length,
    findings,
    mandatory: findings.filter((f) => f.kind === "violation" && f.level === "mandatory"),
  };
}

const severityOrder = ["critical", "high", "medium", "low"];

/** Human-readable report grouped by enforcement level, then severity. */
export function formatReport(result: PolicyCheckResult): string {
  const lines = [
    `policy-check: stack '${result.stack}', ${result.resourceCount} resources, ${result.ruleCount} rules`,
  ];
  const groups: [string, Finding[]][] = [
    ["mandatory violations (block the deployment)", result.mandatory],
    ["advisory violations", result.findings.filter((f) => f.kind === "violation" && f.level === "advisory")],
    ["remediated on deploy (remediate level)", result.findings.filter((f) => f.kind === "remediated")],
    ["not evaluated during preview (unknown values)", result.findings.filter((f) => f.kind === "unknown")],
  ];
  for (const [title, list] of groups) {
    if (list.length === 0) {
      continue;
    }
    lines.push("", `${title}: ${list.length}`);
    for (const severity of severityOrder) {
      for (const f of list.filter((x) => (x.severity ?? "low") === severity)) {
        const where = f.urn === undefined ? "(stack)" : (f.urn.split("::").pop() ?? f.urn);
        lines.push(`  [${severity}] ${f.policy} ${where}: ${f.message}`);
      }
    }
  }
  lines.push(
    "",
    result.mandatory.length === 0
      ? "result: pass (no mandatory violations)"
      : `result: FAIL (${result.mandatory.length} mandatory violations)`,
  );
  return lines.join("\n");
}

function parseArgs(argv: readonly string[]): PolicyCheckOptions & { json: boolean } {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stack = value("--stack");
  if (!stack) {
    throw new Error(
      "usage: policy-check --stack <name> [--program-dir DIR] [--policy-config FILE] [--preview] [--json]",
    );
  }
  const programDir = value("--program-dir");
  const policyConfig = value("--policy-config");
  return {
    stack,
    json: argv.includes("--json"),
    preview: argv.includes("--preview"),
    ...(programDir ? { programDir } : {}),
    ...(policyConfig ? { policyConfig: path.resolve(policyConfig) } : {}),
  };
}

async function main(): Promise<void> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const result = await runPolicyCheck(opts);
  if (opts.json) {
    console.log(JSON.stringify({ ...result, pass: result.mandatory.length === 0 }, null, 2));
  } else {
    console.log(formatReport(result));
  }
  process.exit(result.mandatory.length > 0 ? 1 : 0);
}

if (path.basename(process.argv[1] ?? "") === "policy-check.ts") {
  tuneForCli();
  main().catch((e: unknown) => {
    // A config error is for the user (its message lists every problem); anything else is a bug worth its stack.
    console.error(
      e instanceof ConfigValidationError ? e.message : e instanceof Error ? (e.stack ?? e.message) : e,
    );
    process.exit(2);
  });
}
