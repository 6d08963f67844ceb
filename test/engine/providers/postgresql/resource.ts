/**
 * The contract each postgresql stand-in resource implements (create/read/update/delete against a real server)
 * and typed getters over plain (secret-unwrapped, default-filled) inputs, the way the real provider reads its
 * `schema.ResourceData` (`d.Get` returns the zero value for an unset key).
 */
import type { Connector } from "./session";

/** Plain inputs or outputs of one resource. */
export type Props = Record<string, unknown>;

/** One resource type's lifecycle, as the real provider implements it. */
export interface ResourceHandler {
  /** Applies the resource; returns its id and its read-back state. */
  create(db: Connector, props: Props): Promise<{ id: string; outs: Props }>;
  /** Reads the resource back; undefined when it no longer exists (the real provider's `d.SetId("")`). */
  read(db: Connector, id: string, props: Props): Promise<Props | undefined>;
  /** Changes a resource in place (only properties that are not ForceNew reach here). */
  update(db: Connector, id: string, olds: Props, news: Props): Promise<Props>;
  /** Removes the resource. */
  delete(db: Connector, id: string, props: Props): Promise<void>;
}

/** `d.Get(key).(string)`. */
export const str = (p: Props, key: string): string => (typeof p[key] === "string" ? (p[key] as string) : "");

/** `d.Get(key).(bool)`. */
export const bool = (p: Props, key: string): boolean => p[key] === true;

/** `d.Get(key).(int)`. */
export const int = (p: Props, key: string): number => (typeof p[key] === "number" ? (p[key] as number) : 0);

/** `d.Get(key)` of a list or set of strings. */
export const list = (p: Props, key: string): string[] =>
  Array.isArray(p[key]) ? (p[key] as unknown[]).filter((x): x is string => typeof x === "string") : [];

/** `d.HasChange(key)` between two states (lists compared as sets when `asSet`). */
export function changed(olds: Props, news: Props, key: string, asSet = false): boolean {
  const norm = (v: unknown) =>
    Array.isArray(v) && asSet ? JSON.stringify([...v].sort()) : JSON.stringify(v ?? null);
  return norm(olds[key]) !== norm(news[key]);
}
