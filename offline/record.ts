/**
 * The one record of the offline world: a resource registration as the engine receives it. The mock-runtime harness
 * (offline/runtime/harness.ts) records these, and the policy-engine emulator (offline/policy-engine/emulator.ts)
 * evaluates the pack over them.
 */

/** One resource registration as the engine would receive it. */
export interface ResourceRecord {
  /** The resource's URN. */
  readonly urn: string;
  /** Type token, e.g. `azure-native:keyvault:Vault`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** True for provider-managed resources, false for components. */
  readonly custom: boolean;
  /** Parent URN, if any. */
  readonly parent?: string;
  /** Provider reference (`urn::id`) as the engine sees it, if an explicit provider was set. */
  readonly provider?: string;
  /** The `protect` resource option. */
  readonly protect: boolean;
  /** URNs this resource depends on. */
  readonly dependencies: string[];
  /** Input property name to the URNs its value came from. */
  readonly propertyDependencies: Record<string, string[]>;
  /** Inputs with secrets unwrapped; values unknown in a preview are the SDK's unknown value. */
  readonly inputs: Record<string, unknown>;
  /** Dotted paths of inputs that were Pulumi secrets. */
  readonly secretPaths: string[];
  /** Where the program declared the resource (file URI, 1-based line), when the SDK reports it. */
  readonly source?: { readonly uri: string; readonly line: number };
}

/** The fields a record must state; the rest default as for a custom resource with no options or dependencies. */
export type RecordFields = Pick<ResourceRecord, "urn" | "type" | "name" | "inputs"> & Partial<ResourceRecord>;

/** A record with the defaults filled in: custom, unprotected, no dependencies, no secrets. */
export function resourceRecord(fields: RecordFields): ResourceRecord {
  return {
    custom: true,
    protect: false,
    dependencies: [],
    propertyDependencies: {},
    secretPaths: [],
    ...fields,
  };
}

/** The URN of a provider reference (`urn::id`). */
export function providerUrn(reference: string): string {
  const at = reference.lastIndexOf("::");
  return at < 0 ? reference : reference.slice(0, at);
}

/** True for the SDK's unknown value (checked by its RTTI flag, so it holds for any SDK instance). */
export function isSdkUnknown(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as { __pulumiUnknown?: unknown }).__pulumiUnknown === true
  );
}
