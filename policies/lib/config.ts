import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** An explicit exception: resources whose name matches `name` (a regular expression) are exempt, for `reason`. */
export interface PolicyException {
  /** Case-insensitive regular expression matched against the Pulumi resource name (or, for settings, the setting name). */
  readonly name: string;
  /** Why the exception is acceptable; shown in the not-applicable reason. */
  readonly reason: string;
}

/** Config every rule accepts: a reason for its level and explicit exceptions. */
export interface BaseConfig {
  /** Why the rule has the level it has in this stack (required for `disabled` in our config files). */
  readonly reason?: string;
  /** Explicit exceptions by resource name. */
  readonly excludeFor?: readonly PolicyException[];
}

const exceptionList: PolicyConfigJSONSchema = {
  type: "array",
  items: {
    type: "object",
    properties: { name: { type: "string", minLength: 1 }, reason: { type: "string", minLength: 10 } },
    required: ["name", "reason"],
  },
};

/** JSON schema of one exception list, for rule-specific exception keys. */
export const exceptionListSchema = exceptionList;

/** Builds a rule's config schema: the shared `reason`/`excludeFor` keys plus the rule's own keys. */
export function configSchema(properties: Record<string, PolicyConfigJSONSchema> = {}): PolicyConfigSchema {
  return {
    properties: {
      reason: { type: "string", description: "Why the rule has this enforcement level in this stack." },
      excludeFor: {
        ...exceptionList,
        description: "Resources exempt from the rule, by name regex, each with a reason.",
      },
      ...properties,
    },
  };
}

/** Merges a policy's config over its defaults (`??` per key, so explicit zeros and empty lists stay). */
export function withDefaults<T extends object>(config: Partial<T>, defaults: T): T {
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    merged[key] = value ?? merged[key];
  }
  return merged as T;
}

/** Returns the exception that covers `name`, if any. */
export function findException(
  name: string,
  exceptions: readonly PolicyException[] | undefined,
): PolicyException | undefined {
  return (exceptions ?? []).find((e) => new RegExp(e.name, "i").test(name));
}

/** Formats the not-applicable reason of an excepted resource. */
export function exceptionReason(e: PolicyException): string {
  return `excepted by policy config (${e.name}): ${e.reason}`;
}

/** Config of database firewall-range rules. */
export interface FirewallConfig extends BaseConfig {
  /** Largest number of addresses one firewall rule may open. */
  readonly maxAddresses: number;
}

/** Schema and defaults of database firewall-range rules (256 addresses, a /24). */
export const firewallConfig: {
  readonly schema: Record<string, PolicyConfigJSONSchema>;
  readonly defaults: FirewallConfig;
} = {
  schema: { maxAddresses: { type: "integer", minimum: 1, default: 256 } },
  defaults: { maxAddresses: 256 },
};
