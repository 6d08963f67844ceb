/**
 * Offline policy check: synthesizes a Pulumi TypeScript program (this one or any other, with its own node_modules)
 * under the mock runtime (offline/runtime/harness.ts) and evaluates the CrossGuard pack's rules the way the engine
 * feeds them (offline/policy-engine/emulator.ts): props in the SDK's unknown-checking proxy, unknowns as the policy
 * SDK's sentinels, resource options, stack dependencies/propertyDependencies and the stack's policy config.
 *
 * Usage: npm run policy-check -- --stack <name> [--program-dir DIR] [--policy-config FILE] [--profile P]
 *        [--preview] [--format text|json|sarif|markdown] [--output FILE]
 * Exit codes: 0 pass, 1 mandatory violations, 2 usage or configuration error, 3 the check itself failed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError, Option } from "commander";
import type { PolicyPackConfig } from "@pulumi/policy";
import { evaluatePack, type Finding, PolicyRunError } from "../offline/policy-engine/emulator";
import { type Profile, profileOf } from "../policies/lib/metadata";
import { rules, type Rule } from "../policies/rules";
import { tuneForCli } from "./cli-runtime";
import { synthesize } from "../offline/runtime/harness";
import { type CheckReport, type Format, formats, render } from "./policy-report";
import { ProgramSdkError } from "../offline/runtime/program-sdk";

/** Exit codes a CI gate can rely on. */
export const exitCodes = { pass: 0, violations: 1, usage: 2, failed: 3 } as const;

/** A failure with the exit code it maps to: usage/configuration (2) or the check itself (3). */
export class CheckError extends Error {
  constructor(
    message: string,
    readonly exitCode: typeof exitCodes.usage | typeof exitCodes.failed,
  ) {
    super(message);
  }
}

/** Rule selections: a profile, or every rule. */
export const profileChoices = ["security", "platform", "all"] as const;

/** Options of one policy check. */
export interface PolicyCheckOptions {
  /** Stack name (reads Pulumi.<stack>.yaml when present; config is empty without it, as in `pulumi`). */
  readonly stack: string;
  /** Program directory (default: this repository). */
  readonly programDir?: string;
  /** Policy-pack config file (default: this program's policies/config/<stack>.json if present, else pack defaults). */
  readonly policyConfig?: string;
  /** Which rules run (default: `all` for this program, `security` for any other). */
  readonly profile?: (typeof profileChoices)[number];
  /** Preview semantics (provider-computed values unknown). */
  readonly preview?: boolean;
  /** Config values layered over the stack file (`namespace:key`), for insecure-variant tests. */
  readonly configOverrides?: Record<string, unknown>;
}

/** Result of one policy check. */
export interface PolicyCheckResult extends CheckReport {
  /** Number of rules that ran. */
  readonly ruleCount: number;
  /** Every finding. */
  readonly findings: Finding[];
  /** Mandatory violations (a deployment would be blocked). */
  readonly mandatory: Finding[];
}

const repoRoot = path.join(__dirname, "..");
const levels = ["advisory", "mandatory", "remediate", "disabled"];

/** Reads and checks a `--policy-pack-config` file: JSON, known rule names, known levels. */
export function readPolicyConfig(file: string): PolicyPackConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new CheckError(`--policy-config ${file}: ${(e as Error).message}`, exitCodes.usage);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CheckError(
      `--policy-config ${file}: expected a JSON object of rule name to level or settings`,
      exitCodes.usage,
    );
  }
  const known = new Set(["all", ...rules.map((r) => r.name)]);
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(parsed)) {
    const level: unknown =
      typeof entry === "string" ? entry : (entry as { enforcementLevel?: unknown })?.enforcementLevel;
    if (!known.has(name)) problems.push(`'${name}' is not a rule of the pack`);
    else if (level !== undefined && !levels.includes(String(level))) {
      problems.push(`'${name}' has level '${String(level)}'; allowed: ${levels.join(", ")}`);
    }
  }
  if (problems.length > 0) {
    throw new CheckError(`--policy-config ${file}: ${problems.join("; ")}`, exitCodes.usage);
  }
  return parsed as PolicyPackConfig;
}

const sdkConfigErrors = [
  "ConfigMissingError",
  "ConfigTypeError",
  "ConfigEnumError",
  "ConfigRangeError",
  "ConfigPatternError",
];

/**
 * Classifies an error the synthesis raised: stack configuration (2) or the program's own failure (3). This
 * program's config schema (zod) loads only here, on failure: another program never needs it.
 */
async function programFailure(e: unknown, stack: string): Promise<CheckError> {
  const { ConfigValidationError } = await import("../config/load.js");
  if (e instanceof CheckError) return e;
  if (e instanceof ProgramSdkError) return new CheckError(e.message, exitCodes.usage);
  const error = e instanceof Error ? e : new Error(String(e));
  if (e instanceof ConfigValidationError || sdkConfigErrors.includes(error.constructor.name)) {
    return new CheckError(`stack '${stack}' configuration: ${error.message}`, exitCodes.usage);
  }
  const message = error.message || `${error.name} with an empty message`;
  const at = error.stack?.split("\n").find((l) => l.trim().startsWith("at "));
  return new CheckError(
    `the program failed: ${message}${at && !error.message ? ` (${at.trim()})` : ""}`,
    exitCodes.failed,
  );
}

/** Synthesizes the program and evaluates the selected rules. Throws {@link CheckError} with its exit code. */
export async function runPolicyCheck(opts: PolicyCheckOptions): Promise<PolicyCheckResult> {
  const programDir = path.resolve(opts.programDir ?? repoRoot);
  if (!["Pulumi.yaml", "Pulumi.yml"].some((f) => fs.existsSync(path.join(programDir, f)))) {
    throw new CheckError(
      `--program-dir ${programDir}: no Pulumi.yaml (a Pulumi project directory is required)`,
      exitCodes.usage,
    );
  }
  const thisProgram = programDir === path.resolve(repoRoot);
  const profile = opts.profile ?? (thisProgram ? "all" : "security");
  const ownConfig = path.join(repoRoot, "policies", "config", `${opts.stack}.json`);
  let configFile: string | undefined;
  if (opts.policyConfig !== undefined) {
    configFile = path.resolve(opts.policyConfig);
    if (!fs.existsSync(configFile))
      throw new CheckError(`--policy-config ${configFile}: no such file`, exitCodes.usage);
  } else if (thisProgram && fs.existsSync(ownConfig)) {
    configFile = ownConfig;
  }
  const config = configFile === undefined ? {} : readPolicyConfig(configFile);
  const selected: readonly Rule[] =
    profile === "all" ? rules : rules.filter((r) => profileOf(r) === (profile as Profile));
  let synthesis: Awaited<ReturnType<typeof synthesize>>;
  try {
    synthesis = await synthesize({
      programDir,
      stack: opts.stack,
      preview: opts.preview ?? false,
      unfaked: "unknown",
      allowMissingStackFile: true,
      ...(opts.configOverrides ? { configOverrides: opts.configOverrides } : {}),
    });
  } catch (e) {
    throw await programFailure(e, opts.stack);
  }
  let findings: Finding[];
  try {
    findings = await evaluatePack(selected, synthesis.resources, config);
  } catch (e) {
    if (e instanceof PolicyRunError) throw new CheckError(`the check failed: ${e.message}`, exitCodes.failed);
    throw e;
  }
  return {
    stack: opts.stack,
    programDir,
    profile,
    policyConfig: configFile === undefined ? "pack defaults" : path.relative(process.cwd(), configFile),
    preview: opts.preview ?? false,
    resourceCount: synthesis.resources.length,
    rules: selected,
    ruleCount: selected.length,
    findings,
    mandatory: findings.filter((f) => f.kind === "violation" && f.level === "mandatory"),
    unfakedCalls: synthesis.unfakedCalls,
    sources: Object.fromEntries(synthesis.resources.flatMap((r) => (r.source ? [[r.urn, r.source]] : []))),
  };
}

/** The command line; parse errors surface as CommanderError (mapped to exit 2 by {@link main}). */
export function cli(): Command {
  return new Command("policy-check")
    .description("Evaluate the CrossGuard pack offline against a Pulumi TypeScript program under mocks.")
    .requiredOption("--stack <name>", "stack whose Pulumi.<stack>.yaml config the program runs with")
    .option("--program-dir <dir>", "Pulumi project directory (default: this repository)")
    .option(
      "--policy-config <file>",
      "policy pack config JSON (default: policies/config/<stack>.json here, else pack defaults)",
    )
    .addOption(
      new Option("--profile <profile>", "rules to run (default: all here, security elsewhere)").choices(
        profileChoices,
      ),
    )
    .option("--preview", "treat provider-computed values as unknown, as `pulumi preview` does", false)
    .addOption(new Option("--format <format>", "report format").choices(formats).default("text"))
    .option("--json", "same as --format json", false)
    .option("--output <file>", "write the report to a file instead of stdout")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
}

/**
 * Runs the CLI on `argv` (without node and script); returns the exit code. With `tune`, turns source-mapped
 * stack traces off for speed (tools/cli-runtime.ts), except for SARIF, whose locations need the mapped lines.
 */
export async function main(argv: readonly string[], tune = false): Promise<number> {
  let o: {
    stack: string;
    programDir?: string;
    policyConfig?: string;
    profile?: (typeof profileChoices)[number];
    preview: boolean;
    format: Format;
    json: boolean;
    output?: string;
  };
  try {
    o = cli()
      .parse([...argv], { from: "user" })
      .opts();
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? exitCodes.pass : exitCodes.usage;
    throw e;
  }
  if (tune && o.format !== "sarif") tuneForCli();
  try {
    const result = await runPolicyCheck({
      stack: o.stack,
      preview: o.preview,
      ...(o.programDir === undefined ? {} : { programDir: o.programDir }),
      ...(o.policyConfig === undefined ? {} : { policyConfig: o.policyConfig }),
      ...(o.profile === undefined ? {} : { profile: o.profile }),
    });
    const report = render(result, o.json ? "json" : o.format);
    if (o.output === undefined) process.stdout.write(`${report}\n`);
    else fs.writeFileSync(o.output, `${report}\n`);
    return result.mandatory.length > 0 ? exitCodes.violations : exitCodes.pass;
  } catch (e) {
    const failure =
      e instanceof CheckError
        ? e
        : new CheckError(
            `the check failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
            exitCodes.failed,
          );
    process.stderr.write(`policy-check: ${failure.message}\n`);
    return failure.exitCode;
  }
}

if (path.basename(process.argv[1] ?? "") === "policy-check.ts") {
  void main(process.argv.slice(2), true).then((code) => process.exit(code));
}
