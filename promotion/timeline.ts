/**
 * The terminal view of a run for `status`: a stages table, then a timeline of the run's decisions and events
 * merged with every gate sample that was not healthy (healthy samples are counted per stage, not listed).
 */
import type { GateSample } from "./gates/evaluate";
import type { PromotionState } from "./state";

/** Pads each column to its widest cell and joins the rows with two spaces between columns. */
export function terminalTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const clock = (iso: string | undefined) => (iso === undefined ? "-" : iso.slice(11, 19));

function sampleDetail(s: GateSample): string {
  const what = [
    ...(s.health.ok ? [] : [`health ${s.health.detail}`]),
    ...s.breaches,
    ...(s.noData !== undefined ? [`no data: ${s.noData}`] : []),
  ];
  return `sample ${s.verdict}: ${what.join("; ")}${s.rollback !== undefined ? ` -> rollback (${s.rollback})` : ""}`;
}

/** The stages table and the timeline of `state`, for a terminal. */
export function timeline(state: PromotionState): string {
  const stages = terminalTable(
    ["STAGE", "CANARY", "BAKE", "APPLIED", "ENDED", "HEALTHY/SAMPLES", "RESULT"],
    state.stages.map((s) => [
      String(s.index + 1),
      `${s.percentage}%`,
      `${s.bakeMinutes} min`,
      clock(s.appliedAt),
      clock(s.endedAt),
      `${s.healthy}/${s.samples}`,
      s.result ?? (s.index === state.stageIndex && state.phase === "stage" ? "running" : "-"),
    ]),
  );
  // Samples first: at the same time a sample comes before the decision it caused (the sort is stable).
  const entries = [
    ...state.samples
      .filter((s) => s.verdict !== "healthy")
      .map((s) => ({ at: s.at, stage: `${s.stage + 1} (${s.percentage}%)`, what: sampleDetail(s) })),
    ...state.events.map((e) => ({ at: e.at, stage: "", what: e.message })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const events = terminalTable(
    ["TIME", "STAGE", "WHAT"],
    entries.map((e) => [clock(e.at), e.stage, e.what]),
  );
  return `${stages}\n\n${events}`;
}
