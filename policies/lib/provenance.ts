import * as random from "@pulumi/random";
import { exceptionListSchema, findException, type BaseConfig, type PolicyException } from "./config";
import { typeToken } from "./rule";
import { known, UNKNOWN } from "./stack";

/** Config of credential-provenance rules. */
export interface ProvenanceConfig extends BaseConfig {
  /** Resource type tokens accepted as the origin of a credential (empty: any stack resource). */
  readonly producers: readonly string[];
  /** Resources whose credential comes from secret stack config (invisible to policies), each with a reason. */
  readonly configSecretFor: readonly PolicyException[];
}

/** Default producers of generated credentials. */
export const defaultCredentialProducers = [typeToken(random.RandomPassword)];

/** Config schema for credential-provenance rules. */
export const provenanceSchema = {
  producers: { type: "array" as const, items: { type: "string" as const } },
  configSecretFor: exceptionListSchema,
};

/**
 * Checks that `property` of `r` is derived from an accepted producer. Returns a reason string for a violation,
 * or undefined when compliant (or when the value is absent).
 */
export function provenanceProblem(
  r: {
    name: string;
    props: Record<string, unknown>;
    propertyDependencies: Record<string, { type: string }[]>;
  },
  property: string,
  config: ProvenanceConfig,
): string | undefined {
  if (findException(r.name, config.configSecretFor)) {
    return undefined;
  }
  const sources = r.propertyDependencies[property] ?? [];
  if (sources.length > 0) {
    return config.producers.length === 0 || sources.some((s) => config.producers.includes(s.type))
      ? undefined
      : `derives from ${[...new Set(sources.map((s) => s.type))].join(", ")}, none of which is an accepted generator`;
  }
  const value = known(() => r.props[property]);
  if (value === UNKNOWN) {
    return undefined;
  }
  return value === undefined || value === null || value === ""
    ? undefined
    : "is a value with no generator behind it";
}
