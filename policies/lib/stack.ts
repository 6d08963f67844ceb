import type { PolicyResource } from "@pulumi/policy";
import { UnknownValueError } from "./sdkInternals";
import { type ResourceClass, typeToken } from "./rule";

/** Marker for a value that is unknown during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");

/** Reads a value through the unknown-checking proxy; returns `UNKNOWN` instead of throwing during preview. */
export function known<T>(read: () => T): T | typeof UNKNOWN {
  try {
    return read();
  } catch (e) {
    if (e instanceof UnknownValueError) {
      return UNKNOWN;
    }
    throw e;
  }
}

/** Resources of any of the given classes. */
export function ofType(
  resources: readonly PolicyResource[],
  ...classes: ResourceClass<never>[]
): PolicyResource[] {
  const tokens = new Set(classes.map(typeToken));
  return resources.filter((r) => tokens.has(r.type));
}

/** Resources that `r` takes `property` from (the engine's propertyDependencies). */
export function sourcesOf(r: PolicyResource, property: string): PolicyResource[] {
  return r.propertyDependencies[property] ?? [];
}

/** True when `r` depends on `target` through `property` (or, without a property, through any input). */
export function dependsOn(r: PolicyResource, target: PolicyResource, property?: string): boolean {
  if (property !== undefined) {
    return sourcesOf(r, property).some((d) => d.urn === target.urn);
  }
  return (
    r.dependencies.some((d) => d.urn === target.urn) ||
    Object.values(r.propertyDependencies).some((ds) => ds.some((d) => d.urn === target.urn))
  );
}

/** True when `property` of `r` is derived from a resource of one of the given types. */
export function derivedFrom(r: PolicyResource, property: string, tokens: readonly string[]): boolean {
  return sourcesOf(r, property).some((d) => tokens.includes(d.type));
}

/** The name of an azure-native child setting (`configurationName` as input, `name` as output). */
export function settingName(r: PolicyResource, inputKey: string): string | typeof UNKNOWN | undefined {
  return known(() => {
    const v: unknown = r.props[inputKey] ?? r.props["name"];
    return typeof v === "string" ? v : undefined;
  });
}
