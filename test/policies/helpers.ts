import type { PolicyPackConfig, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  type PolicyOutcome,
  type ResourceRecord,
  runRemediation,
  runResourcePolicy,
  runStackPolicy,
} from "../../policies/lib/emulator";
import { typeToken } from "../../policies/lib/rule";

/** A resource class as tests name it (anything with a `__pulumiType`). */
export type AnyClass = { __pulumiType: string } | (abstract new (...args: never[]) => unknown);

/** Options of a fixture resource. */
export interface FixtureOptions {
  /** Resource name (default `<type>-0`). */
  readonly name?: string;
  /** The `protect` option. */
  readonly protect?: boolean;
  /** Provider resource. */
  readonly provider?: ResourceRecord["provider"];
}

function tokenOf(cls: AnyClass): string {
  return typeToken(cls as never);
}

/** The URN the engine would give a resource of this type and name in a `test` stack. */
export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::webapp-platform::${type}::${name}`;
}

/** A single resource record with inputs `props`. */
export function resource(
  cls: AnyClass,
  props: Record<string, unknown>,
  opts: FixtureOptions = {},
): ResourceRecord {
  const type = tokenOf(cls);
  const name = opts.name ?? `${type.split(":").pop() ?? "r"}-0`;
  return {
    urn: urnOf(type, name),
    type,
    name,
    props,
    protect: opts.protect ?? false,
    ...(opts.provider ? { provider: opts.provider } : {}),
  };
}

/** Runs a resource policy on one resource the way the SDK's analyze RPC does. */
export function check(
  policy: ResourceValidationPolicy,
  cls: AnyClass,
  props: Record<string, unknown>,
  opts: FixtureOptions & { readonly config?: Record<string, unknown> } = {},
): Promise<PolicyOutcome> {
  const config: PolicyPackConfig = opts.config ? { [policy.name]: opts.config } : {};
  return runResourcePolicy(policy, resource(cls, props, opts), config);
}

/** Messages a resource policy reports for one resource. */
export async function violationsOf(
  policy: ResourceValidationPolicy,
  cls: AnyClass,
  props: Record<string, unknown>,
  opts: FixtureOptions & { readonly config?: Record<string, unknown> } = {},
): Promise<string[]> {
  const outcome = await check(policy, cls, props, opts);
  if (outcome.unknown !== undefined) {
    throw new Error(`policy hit an unknown value: ${outcome.unknown}`);
  }
  return outcome.violations.map((v) => v.message);
}

/** Runs a policy's remediation on one resource. */
export function remediate(
  policy: ResourceValidationPolicy,
  cls: AnyClass,
  props: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  return runRemediation(policy, resource(cls, props));
}

/** Options of a resource in a stack fixture. */
export interface StackEntryOptions {
  /** The `protect` option. */
  readonly protect?: boolean;
  /** Input property -> names of fixture resources it was derived from. */
  readonly from?: Readonly<Record<string, readonly string[]>>;
  /** Names of extra dependencies (`dependsOn`). */
  readonly dependsOn?: readonly string[];
  /** Parent name. */
  readonly parent?: string;
}

/** Builds a stack of resource records with `dependencies`/`propertyDependencies` by name, as the engine sends them. */
export class StackFixture {
  private readonly entries = new Map<
    string,
    { cls: AnyClass; props: Record<string, unknown>; opts: StackEntryOptions }
  >();

  /** Adds (or replaces) a resource. */
  add(cls: AnyClass, name: string, props: Record<string, unknown>, opts: StackEntryOptions = {}): this {
    this.entries.set(name, { cls, props, opts });
    return this;
  }

  /** Removes a resource. */
  remove(name: string): this {
    this.entries.delete(name);
    return this;
  }

  /** Changes one resource's props or options. */
  update(name: string, change: { props?: Record<string, unknown>; opts?: StackEntryOptions }): this {
    const e = this.entries.get(name);
    if (!e) {
      throw new Error(`no fixture resource '${name}'`);
    }
    this.entries.set(name, {
      cls: e.cls,
      props: { ...e.props, ...change.props },
      opts: { ...e.opts, ...change.opts },
    });
    return this;
  }

  /** A deep copy, for mutations. */
  clone(): StackFixture {
    const copy = new StackFixture();
    for (const [name, e] of this.entries) {
      copy.add(e.cls, name, structuredClone(e.props), { ...e.opts });
    }
    return copy;
  }

  /** The records the engine would send. */
  records(): ResourceRecord[] {
    const urns = new Map([...this.entries].map(([name, e]) => [name, urnOf(tokenOf(e.cls), name)]));
    const urn = (name: string): string => {
      const u = urns.get(name);
      if (!u) {
        throw new Error(`fixture references unknown resource '${name}'`);
      }
      return u;
    };
    return [...this.entries].map(([name, e]) => {
      const propertyDependencies = Object.fromEntries(
        Object.entries(e.opts.from ?? {}).map(([prop, names]) => [prop, names.map(urn)]),
      );
      const dependencies = [
        ...new Set([...Object.values(propertyDependencies).flat(), ...(e.opts.dependsOn ?? []).map(urn)]),
      ];
      return {
        urn: urn(name),
        type: tokenOf(e.cls),
        name,
        props: e.props,
        protect: e.opts.protect ?? false,
        ...(e.opts.parent === undefined ? {} : { parent: urn(e.opts.parent) }),
        dependencies,
        propertyDependencies,
      };
    });
  }
}

/** Runs a stack policy over a fixture; returns `[resource name or "(stack)", message]` pairs. */
export async function stackViolations(
  policy: StackValidationPolicy,
  stack: StackFixture,
  config?: Record<string, unknown>,
): Promise<string[]> {
  const records = stack.records();
  const outcome = await runStackPolicy(policy, records, config ? { [policy.name]: config } : {});
  if (outcome.unknown !== undefined) {
    throw new Error(`policy hit an unknown value: ${outcome.unknown}`);
  }
  const nameOf = new Map(records.map((r) => [r.urn, r.name]));
  return outcome.violations.map(
    (v) => `${v.urn === undefined ? "(stack)" : (nameOf.get(v.urn) ?? v.urn)}: ${v.message}`,
  );
}

/** Runs a stack policy and returns the raw outcome (for unknown/not-applicable checks). */
export function stackOutcome(
  policy: StackValidationPolicy,
  stack: StackFixture,
  config?: Record<string, unknown>,
): Promise<PolicyOutcome> {
  return runStackPolicy(policy, stack.records(), config ? { [policy.name]: config } : {});
}
