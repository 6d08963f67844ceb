/**
 * Turns the engine events of `pulumi refresh --preview-only` into a drift report (which resources differ from
 * the cloud, and which properties), and renders it as text, Markdown or JSON. Pure functions, no engine.
 *
 * What the events carry (`@pulumi/pulumi/automation/events.d.ts`, 3.248): each resource step arrives as a
 * `resourcePreEvent` and/or `resOutputsEvent` whose `metadata` has `op`, `urn`, `type`, `old`/`new` state
 * (`inputs`, `outputs`), and for changed resources `diffs` (top-level keys) and `detailedDiff` (property path
 * -> `{ diffKind }`). A refresh step reports `op: "refresh"` before the read (`resourcePreEvent`, no new state
 * yet) and the outcome afterwards (`resOutputsEvent`: `same`, `update`, or `delete` when the resource is gone):
 * pulumi/pulumi `pkg/engine` previewActions.OnResourceStepPost sends `RefreshStep.ResultOp()` as the op, and
 * `pkg/resource/deploy/step.go` gives RefreshStep `Diffs()`/`DetailedDiff()` and `ResultOp() == delete` when the
 * read found nothing. CLI 3.248 sends `detailedDiff: null` and no `diffs` on refresh outcomes (observed with a
 * stand-in provider), so the properties then come from comparing old and new outputs; a drifted secret shows as
 * `[secret]` on both sides and is only named when the engine names it. Values are never copied into the report: it names properties only, so it is safe to paste
 * into a GitHub issue.
 */
import { isDeepStrictEqual } from "node:util";
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";

/** How a property differs between the state file and the cloud. */
export type PropertyChangeKind = "add" | "delete" | "update";

/** One drifted property. */
export interface PropertyChange {
  /** The property path as the engine prints it, e.g. `siteConfig.minTlsVersion` or `tags["owner"]`. */
  readonly path: string;
  /** add: set in the cloud only; delete: gone from the cloud; update: a different value. */
  readonly kind: PropertyChangeKind;
}

/** One resource whose cloud state differs from the stack's state. */
export interface DriftedResource {
  /** The resource URN. */
  readonly urn: string;
  /** The resource type token, e.g. `azure-native:web:WebApp`. */
  readonly type: string;
  /** The resource name (last URN segment). */
  readonly name: string;
  /** changed: properties differ; deleted: the resource no longer exists in the cloud. */
  readonly kind: "changed" | "deleted";
  /** The drifted properties, sorted by path (empty for deleted resources or when the engine names none). */
  readonly properties: readonly PropertyChange[];
}

/** The drift of one stack. */
export interface DriftReport {
  /** The stack name. */
  readonly stack: string;
  /** How many resources the refresh read (the stack resource and providers excluded). */
  readonly checked: number;
  /** The drifted resources, sorted by URN. */
  readonly drifted: readonly DriftedResource[];
  /** The engine's own count per operation from the summary event (empty when no summary arrived). */
  readonly summary: Partial<Record<OpType, number>>;
}

const DRIFT_OPS: ReadonlySet<OpType> = new Set<OpType>(["update", "delete", "replace", "refresh"]);

/** Resources that are bookkeeping, not cloud objects: never drift. */
function isBookkeeping(type: string): boolean {
  return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function kindOfDiff(diffKind: string): PropertyChangeKind {
  if (diffKind.startsWith("add")) return "add";
  if (diffKind.startsWith("delete")) return "delete";
  return "update";
}

/** Top-level output keys whose values differ; engine-internal keys (`__meta`, ...) are skipped. */
function outputChanges(m: StepEventMetadata): PropertyChange[] {
  const before = m.old?.outputs ?? {};
  const after = m.new?.outputs ?? {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)].filter((k) => !k.startsWith("__")));
  const changes: PropertyChange[] = [];
  for (const key of keys) {
    if (!(key in before)) changes.push({ path: key, kind: "add" });
    else if (!(key in after)) changes.push({ path: key, kind: "delete" });
    else if (!isDeepStrictEqual(before[key], after[key])) changes.push({ path: key, kind: "update" });
  }
  return changes;
}

/** The properties one step event names: the detailed diff, else the top-level keys, else our own comparison. */
function propertiesOf(m: StepEventMetadata): PropertyChange[] {
  const detailed = Object.entries(m.detailedDiff ?? {});
  if (detailed.length > 0) return detailed.map(([path, d]) => ({ path, kind: kindOfDiff(d.diffKind) }));
  if ((m.diffs ?? []).length > 0) return (m.diffs ?? []).map((path) => ({ path, kind: "update" as const }));
  return m.old !== undefined && m.new !== undefined ? outputChanges(m) : [];
}

interface Accumulator {
  type: string;
  deleted: boolean;
  changed: boolean;
  properties: Map<string, PropertyChangeKind>;
}

/** Builds the drift report of `stack` from the engine events of a preview-only refresh. */
export function driftReport(stack: string, events: readonly EngineEvent[]): DriftReport {
  const seen = new Map<string, Accumulator>();
  let summary: Partial<Record<OpType, number>> = {};
  for (const event of events) {
    if (event.summaryEvent !== undefined) summary = { ...event.summaryEvent.resourceChanges };
    const m = event.resOutputsEvent?.metadata ?? event.resourcePreEvent?.metadata;
    if (m === undefined || isBookkeeping(m.type)) continue;
    const acc = seen.get(m.urn) ?? { type: m.type, deleted: false, changed: false, properties: new Map() };
    seen.set(m.urn, acc);
    // A refresh step announces itself with op "refresh" before the read (no new state yet); only the outcome
    // (the outputs event, or an op other than "refresh") says whether the resource drifted.
    const outcome = event.resOutputsEvent !== undefined || m.op !== "refresh";
    if (!outcome || !DRIFT_OPS.has(m.op)) continue;
    if (m.op === "delete" || (m.op === "refresh" && m.old !== undefined && m.new === undefined)) {
      acc.deleted = true;
      continue;
    }
    const properties = propertiesOf(m);
    for (const p of properties) acc.properties.set(p.path, p.kind);
    // "refresh" as an outcome without differences means the read matched; "update"/"replace" is drift even
    // when the engine names no property.
    if (m.op !== "refresh" || properties.length > 0) acc.changed = true;
  }
  const drifted: DriftedResource[] = [...seen.entries()]
    .filter(([, a]) => a.deleted || a.changed)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([urn, a]) => ({
      urn,
      type: a.type,
      name: nameOf(urn),
      kind: a.deleted ? ("deleted" as const) : ("changed" as const),
      properties: a.deleted
        ? []
        : [...a.properties.entries()]
            .map(([path, kind]) => ({ path, kind }))
            .sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)),
    }));
  return { stack, checked: seen.size, drifted, summary };
}

const MARK: Record<PropertyChangeKind, string> = { add: "+", delete: "-", update: "~" };

function lines(report: DriftReport): string[] {
  if (report.drifted.length === 0) {
    return [`no drift in stack ${report.stack}: ${report.checked} resource(s) match the cloud`];
  }
  const out = [
    `drift in stack ${report.stack}: ${report.drifted.length} of ${report.checked} resource(s) differ from the cloud`,
  ];
  for (const r of report.drifted) {
    if (r.kind === "deleted") {
      out.push(`  - ${r.type}  ${r.name}  (deleted outside Pulumi)`);
      continue;
    }
    out.push(`  ~ ${r.type}  ${r.name}`);
    if (r.properties.length === 0) out.push("      (the engine reported a change without naming properties)");
    for (const p of r.properties) out.push(`      ${MARK[p.kind]} ${p.path}`);
  }
  return out;
}

/** The report as plain text, one resource per line and its properties indented below (`+` add, `-` delete, `~` update). */
export function formatText(report: DriftReport): string {
  return lines(report).join("\n") + "\n";
}

/** The report as Markdown for a GitHub issue body: a heading, the text report in a fenced block, and the URNs. */
export function formatMarkdown(report: DriftReport, runUrl?: string): string {
  const heading = report.drifted.length === 0 ? "No drift" : "Drift detected";
  const parts = [`## ${heading} in stack \`${report.stack}\``, "", "```", ...lines(report), "```"];
  if (report.drifted.length > 0) {
    parts.push("", "<details><summary>URNs</summary>", "");
    for (const r of report.drifted) parts.push(`- \`${r.urn}\``);
    parts.push("", "</details>");
  }
  if (runUrl !== undefined) parts.push("", `Checked by ${runUrl}`);
  return parts.join("\n") + "\n";
}
