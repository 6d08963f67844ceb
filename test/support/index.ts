import { expect } from "vitest";
import type { ResourceRecord } from "../../offline/record";
import type { SynthesisResult } from "../../offline/runtime/harness";

export { record, synthesize } from "../../offline/runtime/harness";
export type { ResourceRecord } from "../../offline/record";
export type { SynthesisResult } from "../../offline/runtime/harness";

/** Every registration of `type` (optionally only those whose logical name ends with `nameSuffix`). */
export function ofType(
  result: SynthesisResult | ResourceRecord[],
  type: string,
  nameSuffix?: string,
): ResourceRecord[] {
  const list = Array.isArray(result) ? result : result.resources;
  return list.filter((r) => r.type === type && (nameSuffix === undefined || r.name.endsWith(nameSuffix)));
}

/** The one registration of `type` (and name suffix); throws with the candidates when there is not exactly one. */
export function one(
  result: SynthesisResult | ResourceRecord[],
  type: string,
  nameSuffix?: string,
): ResourceRecord {
  const found = ofType(result, type, nameSuffix);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type}${nameSuffix ? ` named *${nameSuffix}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
    );
  }
  return found[0];
}

/** Counts registrations by type token. */
export function countByType(result: SynthesisResult | ResourceRecord[]): Record<string, number> {
  const list = Array.isArray(result) ? result : result.resources;
  const counts: Record<string, number> = {};
  for (const r of list) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** The parent URN's logical name (last URN segment), or undefined. */
export function parentName(r: ResourceRecord): string | undefined {
  return r.parent?.split("::").pop();
}

/** Asserts every provider resource is a direct child of the component `name` and named `${name}-<role>`. */
export function expectChildrenOf(result: SynthesisResult, name: string): void {
  const custom = result.resources.filter((r) => r.custom);
  expect(custom.length).toBeGreaterThan(0);
  for (const r of custom) {
    expect(parentName(r), `${r.type} ${r.name}`).toBe(name);
    expect(r.name.startsWith(`${name}-`), `${r.type} ${r.name}`).toBe(true);
  }
}
