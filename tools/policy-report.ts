/**
 * Report formats of the offline policy check: text for people, JSON for scripts, SARIF 2.1.0 for GitHub code
 * scanning and a markdown summary for a PR comment or the job summary.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Finding } from "../offline/policy-engine/emulator";
import type { Rule } from "../policies/rules";

/** What the formats need from one check. */
export interface CheckReport {
  /** Stack checked. */
  readonly stack: string;
  /** Program directory checked. */
  readonly programDir: string;
  /** Profile the rules were selected by. */
  readonly profile: string;
  /** Policy config file used, or "pack defaults". */
  readonly policyConfig: string;
  /** Whether values were treated as preview-unknown. */
  readonly preview: boolean;
  /** Number of resources evaluated. */
  readonly resourceCount: number;
  /** The rules that ran. */
  readonly rules: readonly Rule[];
  /** Every finding. */
  readonly findings: readonly Finding[];
  /** Mandatory violations (a deployment would be blocked). */
  readonly mandatory: readonly Finding[];
  /** Provider functions the program called that have no fake (their results read as unknown). */
  readonly unfakedCalls: readonly string[];
  /** Declaring source position by URN (file URI, line), where the SDK reported one. */
  readonly sources: Readonly<Record<string, { readonly uri: string; readonly line: number }>>;
}

/** Output formats. */
export const formats = ["text", "json", "sarif", "markdown"] as const;

/** One output format. */
export type Format = (typeof formats)[number];

const severityOrder = ["critical", "high", "medium", "low"];

const resourceName = (f: Finding): string =>
  f.urn === undefined ? "(stack)" : (f.urn.split("::").pop() ?? f.urn);

function groups(r: CheckReport): [string, Finding[]][] {
  return [
    ["mandatory violations (block the deployment)", [...r.mandatory]],
    ["advisory violations", r.findings.filter((f) => f.kind === "violation" && f.level === "advisory")],
    ["remediated on deploy (remediate level)", r.findings.filter((f) => f.kind === "remediated")],
    ["not evaluated during preview (unknown values)", r.findings.filter((f) => f.kind === "unknown")],
  ];
}

const bySeverity = (list: Finding[]): Finding[] =>
  severityOrder.flatMap((s) => list.filter((f) => (f.severity ?? "low") === s));

function header(r: CheckReport): string {
  return `policy-check: stack '${r.stack}', ${r.resourceCount} resources, ${r.rules.length} rules (profile ${r.profile}, config ${r.policyConfig}${r.preview ? ", preview" : ""})`;
}

function unfakedNote(r: CheckReport): string | undefined {
  const calls = [...new Set(r.unfakedCalls)].sort();
  return calls.length === 0
    ? undefined
    : `provider functions with no offline fake (their results read as unknown): ${calls.join(", ")}`;
}

/** Human-readable report grouped by enforcement level, then severity. */
export function formatText(r: CheckReport): string {
  const lines = [header(r)];
  const note = unfakedNote(r);
  if (note !== undefined) lines.push(note);
  for (const [title, list] of groups(r)) {
    if (list.length === 0) continue;
    lines.push("", `${title}: ${list.length}`);
    for (const f of bySeverity(list)) {
      lines.push(`  [${f.severity ?? "low"}] ${f.policy} ${resourceName(f)}: ${f.message}`);
    }
  }
  lines.push(
    "",
    r.mandatory.length === 0
      ? "result: pass (no mandatory violations)"
      : `result: FAIL (${r.mandatory.length} mandatory violations)`,
  );
  return lines.join("\n");
}

/** Machine-readable report. */
export function formatJson(r: CheckReport): string {
  return JSON.stringify(
    {
      stack: r.stack,
      profile: r.profile,
      policyConfig: r.policyConfig,
      preview: r.preview,
      resourceCount: r.resourceCount,
      ruleCount: r.rules.length,
      unfakedCalls: [...new Set(r.unfakedCalls)].sort(),
      findings: r.findings,
      mandatory: r.mandatory,
      pass: r.mandatory.length === 0,
    },
    null,
    2,
  );
}

// GitHub ranks code-scanning alerts by `security-severity` (critical >= 9.0, high >= 7.0, medium >= 4.0).
const securitySeverity: Record<string, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

function sarifLevel(f: Finding): Result.level {
  if (f.kind === "unknown") return "note";
  return f.level === "mandatory" ? "error" : "warning";
}

/** A repository-relative path (forward slashes) for a file, relative to `base`. */
function relativeUri(file: string, base: string): string {
  return path.relative(base, file).split(path.sep).join("/");
}

/**
 * SARIF 2.1.0 log for GitHub code scanning: one reportingDescriptor per rule that ran (help text with the
 * remediation, anchors as tags), one result per finding located at the declaring source line, else the stack file.
 * Paths are relative to `base` (the repository checkout in CI).
 */
export function formatSarif(r: CheckReport, base = process.cwd()): string {
  const ruleIndex = new Map(r.rules.map((rule, i) => [rule.name, i]));
  // Findings without a declaring line point at the stack file, or the project file when the stack has none.
  const stackFile =
    [`Pulumi.${r.stack}.yaml`, "Pulumi.yaml"]
      .map((f) => path.join(r.programDir, f))
      .find((f) => fs.existsSync(f)) ?? path.join(r.programDir, "Pulumi.yaml");
  const descriptors: ReportingDescriptor[] = r.rules.map((rule) => ({
    id: rule.name,
    name: rule.name,
    shortDescription: { text: rule.description },
    fullDescription: { text: rule.description },
    help: {
      text: `${rule.description}\nFix: ${rule.remediationSteps ?? ""}`,
      markdown: `${rule.description}\n\n**Fix:** ${rule.remediationSteps ?? ""}${rule.url ? `\n\n[Reference](${rule.url})` : ""}`,
    },
    ...(rule.url ? { helpUri: rule.url } : {}),
    defaultConfiguration: { level: rule.enforcementLevel === "advisory" ? "warning" : "error" },
    properties: {
      tags: ["security", ...(rule.tags ?? [])],
      "security-severity": securitySeverity[rule.severity ?? "low"],
    },
  }));
  const results: Result[] = r.findings.map((f) => {
    const source = f.urn === undefined ? undefined : r.sources[f.urn];
    const file = source ? fileURLToPath(source.uri) : stackFile;
    return {
      ruleId: f.policy,
      ruleIndex: ruleIndex.get(f.policy) ?? -1,
      level: sarifLevel(f),
      message: { text: `${resourceName(f)}: ${f.message}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: relativeUri(file, base), uriBaseId: "%SRCROOT%" },
            region: { startLine: source?.line ?? 1 },
          },
          ...(f.urn === undefined
            ? {}
            : { logicalLocations: [{ fullyQualifiedName: f.urn, kind: "resource" }] }),
        },
      ],
      partialFingerprints: { "policyFinding/v1": `${f.policy}|${f.urn ?? "stack"}|${f.message}` },
    };
  });
  const log: Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "webapp-platform-policy-check",
            informationUri: "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
            rules: descriptors,
          },
        },
        originalUriBaseIds: { "%SRCROOT%": { uri: pathToFileURL(`${base}${path.sep}`).href } },
        results,
        properties: { stack: r.stack, profile: r.profile, resourceCount: r.resourceCount },
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Markdown summary for a PR comment or `$GITHUB_STEP_SUMMARY`. */
export function formatMarkdown(r: CheckReport): string {
  const out = [
    `### Policy check: stack \`${r.stack}\` ${r.mandatory.length === 0 ? "passed" : "FAILED"}`,
    "",
    `${r.resourceCount} resources, ${r.rules.length} rules (profile \`${r.profile}\`, config ${r.policyConfig}${r.preview ? ", preview" : ""}).`,
    "",
    "| Findings | Count |",
    "|---|---|",
    ...groups(r).map(([title, list]) => `| ${title} | ${list.length} |`),
  ];
  const note = unfakedNote(r);
  if (note !== undefined) out.push("", `_${note}_`);
  for (const [title, list] of groups(r)) {
    if (list.length === 0) continue;
    const rows = bySeverity(list).map(
      (f) => `| ${f.severity ?? "low"} | \`${f.policy}\` | ${cell(resourceName(f))} | ${cell(f.message)} |`,
    );
    const table = ["| Severity | Rule | Resource | Message |", "|---|---|---|---|", ...rows];
    out.push(
      "",
      `<details${title.startsWith("mandatory") ? " open" : ""}><summary>${title}: ${list.length}</summary>`,
      "",
      ...table,
      "",
      "</details>",
    );
  }
  return `${out.join("\n")}\n`;
}

/** Renders a report in one format. */
export function render(r: CheckReport, format: Format): string {
  switch (format) {
    case "json":
      return formatJson(r);
    case "sarif":
      return formatSarif(r);
    case "markdown":
      return formatMarkdown(r);
    default:
      return formatText(r);
  }
}
