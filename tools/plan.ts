import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { tuneForCli } from "./cli-runtime";
import { synthesize } from "../offline/runtime/harness";
import { renderPlan, toPlan } from "./plan-view";

tuneForCli();

const program = new Command()
  .name("plan")
  .description(
    "Run the Pulumi program under the SDK's mock runtime with a stack's committed config (no cloud credentials) " +
      "and print every resource with its security-relevant settings. `secure:` values become marked placeholders.",
  )
  .requiredOption(
    "-s, --stack <name>",
    "stack whose Pulumi.<stack>.yaml to use (e.g. staging, production)",
    (v) => {
      if (!/^[A-Za-z0-9_.-]+$/.test(v)) throw new InvalidArgumentError("must be a stack name like staging");
      return v;
    },
  )
  .option("-C, --program-dir <dir>", "directory of the Pulumi program", ".")
  .option("--json", "print machine-readable JSON instead of a tree", false)
  .showHelpAfterError();

async function main(): Promise<number> {
  const opts = program.parse().opts<{ stack: string; programDir: string; json: boolean }>();
  try {
    const result = await synthesize({
      programDir: path.resolve(opts.programDir),
      stack: opts.stack,
      preview: true,
    });
    const plan = toPlan(opts.stack, result);
    process.stdout.write(`${opts.json ? JSON.stringify(plan, null, 2) : renderPlan(plan)}\n`);
    return 0;
  } catch (e) {
    // This program's config schema (zod) loads only on failure: another program never needs it.
    const { ConfigValidationError } = await import("../config/load.js");
    if (e instanceof ConfigValidationError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    process.stderr.write(`plan failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

void main().then((code) => process.exit(code));
