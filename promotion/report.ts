import type { GateSample } from "./gates/evaluate";
import type { PromotionState } from "./state";
import type { RunResult } from "./steps";

const titles: Record<string, string> = {
  promoted: "promoted",
  "rolled-back": "rolled back",
  refused: "refused",
  "rollback-failed": "needs attention: rollback or finalize failed",
  interrupted: "interrupted (state saved)",
  "nothing-to-do": "nothing to do",
  undone: "undone: back on the previous release",
};

/** The longest gate-sample table the record shows; older samples are summarized. */
export const maxSampleRows = 60;

function time(iso: string | undefined): string {
  return iso === undefined ? "-" : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

function seconds(from: string | undefined, to: string | undefined): string {
  if (from === undefined || to === undefined) return "-";
  return `${Math.round((Date.parse(to) - Date.parse(from)) / 1000)} s`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function sampleRow(s: GateSample): string {
  const c = s.canary;
  return [
    time(s.at).slice(11),
    `${s.stage + 1} (${s.percentage}%)`,
    s.health.ok ? "ok" : cell(s.health.detail),
    c ? String(c.requests) : "-",
    c ? `${c.errorRatePercent.toFixed(2)}%` : "-",
    c ? String(Math.round(c.p95Ms)) : "-",
    s.baselineP95Ms !== undefined ? String(Math.round(s.baselineP95Ms)) : "-",
    cell([s.verdict, ...s.breaches, ...(s.noData !== undefined ? [`no data: ${s.noData}`] : [])].join("; ")),
  ].join(" | ");
}

function stateSections(state: PromotionState): string[] {
  const out: string[] = [];
  const a = state.candidate;
  out.push(
    "| | |",
    "|---|---|",
    `| Run | \`${state.runId}\` |`,
    `| Release | ${a.version} (API package sha256 \`${a.apiPackageSha256.slice(0, 12)}\`, frontend \`${a.frontendRef}\`) |`,
    `| Replaces | ${state.previousStable.version} |`,
    `| Path | ${state.from} -> ${state.stack} |`,
    `| Started | ${time(state.startedAt)} UTC |`,
    `| Ended | ${time(state.endedAt)} UTC (${seconds(state.startedAt, state.endedAt)}) |`,
    `| Preview with policy pack | ${cell(state.preview ?? "-")} |`,
    `| Plan | ${state.plan.stages.map((s) => `${s.percentage}% / ${s.bakeMinutes} min`).join(" -> ")}, samples every ${state.plan.intervalSeconds} s, rollback budget ${state.plan.rollbackBudgetMinutes} min |`,
    "",
    "### Stages",
    "",
    "| # | Canary | Bake | Applied | Ended | Healthy / samples | Result |",
    "|---|---|---|---|---|---|---|",
    ...state.stages.map(
      (s) =>
        `| ${s.index + 1} | ${s.percentage}% | ${s.bakeMinutes} min | ${time(s.appliedAt)} | ${time(s.endedAt)} | ${s.healthy} / ${s.samples} | ${s.result ?? "-"} |`,
    ),
    "",
    "### Gate samples",
    "",
  );
  const shown = state.samples.slice(-maxSampleRows);
  if (state.samples.length > shown.length)
    out.push(`${state.samples.length - shown.length} earlier samples not shown.`, "");
  out.push(
    "| Time | Stage | Health | Requests | Error rate | p95 ms | Stable p95 ms | Verdict |",
    "|---|---|---|---|---|---|---|---|",
    ...shown.map((s) => `| ${sampleRow(s)} |`),
    "",
  );
  if (state.rollbackDecidedAt !== undefined) {
    out.push(
      "### Rollback",
      "",
      `- Reason: ${state.reason ?? "-"}`,
      `- Failing samples began ${time(state.failureStartedAt)}; rollback decided ${time(state.rollbackDecidedAt)}; ` +
        `\`up\` issued ${time(state.rollbackIssuedAt)}; restored ${time(state.restoredAt)}`,
      `- Detection to rollback issued: ${seconds(state.failureStartedAt, state.rollbackIssuedAt)}; time to restore: ${seconds(state.failureStartedAt, state.restoredAt)}`,
      "- What changed: canary percentage 0, candidate withdrawn; config only, no resource replaced",
      "",
    );
  } else {
    out.push(
      "### Rollback plan",
      "",
      `\`npm run promote -- rollback --stack ${state.stack}\`: canary percentage 0, candidate withdrawn, \`pulumi up\` (config only).`,
      "",
    );
  }
  if (state.controls !== undefined && state.controls.length > 0) {
    out.push(
      "### Manual controls",
      "",
      "| Requested | Applied | Action | Operator | Reason | Via |",
      "|---|---|---|---|---|---|",
      ...state.controls.map(
        (c) =>
          `| ${time(c.requestedAt)} | ${time(c.appliedAt)} | ${c.action === "full" ? "promote --full" : c.action} | ${cell(c.operator)} | ${cell(c.reason ?? "-")} | ${c.via} |`,
      ),
      "",
    );
  }
  if (state.undo !== undefined) {
    const u = state.undo;
    out.push(
      "### Undo",
      "",
      `- By ${cell(u.operator)}: ${cell(u.reason)}`,
      `- Back to ${state.previousStable.version}: started ${time(u.startedAt)}, restored ${time(u.restoredAt)} ` +
        `(${seconds(u.startedAt, u.restoredAt)}; rollback budget ${state.plan.rollbackBudgetMinutes * 60} s)`,
      `- The \`up\`'s operations: ${
        u.changes === undefined
          ? "-"
          : Object.entries(u.changes)
              .map(([op, n]) => `${op} ${n}`)
              .join(", ") || "none"
      }`,
      "",
    );
  }
  out.push("### Events", "", ...state.events.map((e) => `- ${time(e.at).slice(11)} ${cell(e.message)}`), "");
  return out;
}

/** The markdown decision record of a run: for the CI step summary and the post-deployment notification. */
export function decisionRecord(result: RunResult, context: { from?: string; to: string }): string {
  const state = result.state;
  const version = state?.candidate.version;
  const head = `## Promotion ${version !== undefined ? `of ${version} ` : ""}to ${context.to}: ${titles[result.outcome] ?? result.outcome}`;
  const lines = [
    head,
    "",
    `**Outcome:** ${result.outcome} (exit ${result.exitCode}): ${cell(result.reason)}`,
    "",
  ];
  if (state !== undefined) lines.push(...stateSections(state));
  else if (context.from !== undefined)
    lines.push(`No stage was started; ${context.to} is unchanged by this run.`, "");
  return `${lines.join("\n")}\n`;
}
