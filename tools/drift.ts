/**
 * Drift detection: `npm run drift -- --stack <s> [--json | --markdown] [--program-dir DIR]` runs `pulumi refresh --preview-only` through
 * the Automation API (`Stack.previewRefresh`, which passes `--preview-only`; nothing is written to the state) and
 * lists the resources whose cloud state differs from the stack's state, with the drifted properties.
 *
 * Exit codes: 0 no drift, 1 drift, 2 error (usage, no `pulumi` CLI on PATH, backend or provider failure).
 * Needs the `pulumi` CLI on PATH, a backend login (PULUMI_ACCESS_TOKEN or PULUMI_BACKEND_URL) and the providers'
 * credentials (ARM_* for Azure, VERCEL_API_TOKEN) in the environment, like `pulumi up`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { LocalWorkspace, PulumiCommand, type EngineEvent } from "@pulumi/pulumi/automation";
import { driftReport, formatMarkdown, formatText, type DriftReport } from "./drift-report";

/** The process exit codes of the drift command. */
export const driftExitCodes = { clean: 0, drift: 1, error: 2 } as const;

/** A failure the command explains in one message (exit 2). */
export class DriftError extends Error {}

/** Options of one drift check. */
export interface DriftOptions {
  /** The stack name (`staging`, `production`, or `org/project/stack` on Pulumi Cloud). */
  readonly stack: string;
  /** The directory holding Pulumi.yaml (default: this repository). */
  readonly workDir?: string;
}

const STACK_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

/** Validates `--stack`: the characters Pulumi allows in stack names, optionally qualified as org/project/stack. */
export function parseStackName(value: string): string {
  if (!STACK_NAME.test(value)) {
    throw new InvalidArgumentError(
      `"${value}" is not a stack name: use letters, digits, "-", "_" and ".", optionally as org/project/stack.`,
    );
  }
  return value;
}

/** Validates `--run-url`: an http(s) URL, since it is pasted into the issue body as a link. */
export function parseRunUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new InvalidArgumentError(`"${value}" is not an http(s) URL.`);
  }
  return value;
}

/** Finds the `pulumi` CLI the Automation API will run, or explains how to get one. */
async function pulumiCli(): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/ENOENT/.test(message)) {
      throw new DriftError(
        "the pulumi CLI was not found on PATH: install Pulumi CLI 3.248.0 (https://www.pulumi.com/docs/install/) " +
          "and put it on PATH",
      );
    }
    throw new DriftError(`the pulumi CLI on PATH cannot be used: ${message.trim()}`);
  }
}

/** Runs a preview-only refresh of one stack and returns its drift report. */
export async function checkDrift(options: DriftOptions): Promise<DriftReport> {
  const workDir = path.resolve(options.workDir ?? path.join(__dirname, ".."));
  if (!fs.existsSync(path.join(workDir, "Pulumi.yaml"))) {
    throw new DriftError(
      `--program-dir ${workDir} has no Pulumi.yaml: point it at a Pulumi project directory`,
    );
  }
  const pulumiCommand = await pulumiCli();
  const events: EngineEvent[] = [];
  let stack;
  try {
    stack = await LocalWorkspace.selectStack({ stackName: options.stack, workDir }, { pulumiCommand });
  } catch (err) {
    throw new DriftError(`cannot select stack "${options.stack}": ${engineError(err)}`);
  }
  try {
    await stack.previewRefresh({ onEvent: (e) => events.push(e), color: "never" });
  } catch (err) {
    throw new DriftError(
      `pulumi refresh --preview-only failed for stack "${options.stack}": ${engineError(err)}`,
    );
  }
  return driftReport(options.stack, events);
}

/**
 * The CLI's own `error:` lines from an Automation API CommandError (its message repeats the CLI's stderr twice, with
 * the command line), de-duplicated; the last lines of the message when it has none.
 */
export function engineError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const errors = [
    ...new Set(
      text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("error: "))
        .map((l) => l.slice("error: ".length)),
    ),
  ];
  return errors.length > 0 ? errors.join("; ") : text.trim().split("\n").slice(-6).join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("drift")
    .description("Report resources whose cloud state differs from the stack (pulumi refresh --preview-only).")
    .requiredOption("--stack <name>", "stack to check, e.g. staging or production", parseStackName)
    .addOption(new Option("--json", "print the report as JSON").conflicts("markdown"))
    .addOption(new Option("--markdown", "print the report as Markdown (the drift workflow's issue body)"))
    .option("--run-url <url>", "link to the CI run, appended to the Markdown report", parseRunUrl)
    .option("--program-dir <dir>", "directory holding Pulumi.yaml (default: this repository)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv, { from: "user" });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    return code === 0 ? driftExitCodes.clean : driftExitCodes.error;
  }
  const opts = program.opts<{
    stack: string;
    json?: boolean;
    markdown?: boolean;
    runUrl?: string;
    programDir?: string;
  }>();
  let report: DriftReport;
  try {
    report = await checkDrift({ stack: opts.stack, workDir: opts.programDir });
  } catch (err) {
    if (!(err instanceof DriftError)) throw err;
    process.stderr.write(`drift: ${err.message}\n`);
    return driftExitCodes.error;
  }
  if (opts.json === true) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else if (opts.markdown === true) process.stdout.write(formatMarkdown(report, opts.runUrl));
  else process.stdout.write(formatText(report));
  return report.drifted.length > 0 ? driftExitCodes.drift : driftExitCodes.clean;
}

if (path.basename(process.argv[1] ?? "") === "drift.ts") {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`drift: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = driftExitCodes.error;
    },
  );
}
