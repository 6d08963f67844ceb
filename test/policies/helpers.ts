import type { PolicyPackConfig, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  type PolicyOutcome,
  runRemediation,
  runResourcePolicy,
  runStackPolicy,
} from "../../offline/policy-engine/emulator";
import { resourceRecord, type ResourceRecord } from "../../offline/record";
import { typeToken } from "../../policies/lib/rule";

/** A resource class as tests name it (anything with a `__pulumiType`). */
export type AnyClass = { __pulumiType: string } | (abstract new (...args: never[]) => unknown);

/** Options of a fixture resource. */
export interface FixtureOptions {
  /** Resource name (default `<type>-0`). */
  readonly name?: string;
  /** The `protect` option. */
  readonly protect?: boolean;
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
  return resourceRecord({
    urn: urnOf(type, name),
    type,
    name,
    inputs: props,
    protect: opts.protect ?? false,
  });
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
      return resourceRecord({
        urn: urn(name),
        type: tokenOf(e.cls),
        name,
        inputs: e.props,
        protect: e.opts.protect ?? false,
        ...(e.opts.parent === undefined ? {} : { parent: urn(e.opts.parent) }),
        dependencies,
        propertyDependencies,
      });
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

/** Returns a deep copy of `obj` with the dotted `path` set to `value` (`undefined` removes it). */
export function withProp<T extends Record<string, unknown>>(obj: T, path: string, value: unknown): T {
  const copy = structuredClone(obj) as Record<string, unknown>;
  const keys = path.split(".");
  let cursor = copy;
  for (const key of keys.slice(0, -1)) {
    const next = cursor[key];
    cursor[key] = typeof next === "object" && next !== null ? next : {};
    cursor = cursor[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) {
    delete cursor[last];
  } else {
    cursor[last] = value;
  }
  return copy as T;
}

/** One mutation of a happy fixture and what the rule must say about it. */
export interface RuleCase {
  /** Behaviour, e.g. "fails when httpsOnly is false". */
  readonly it: string;
  /** Dotted path and value applied to the happy fixture (value undefined = unset). */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Whole props instead of a mutation. */
  readonly props?: Record<string, unknown>;
  /** Expected violation substring, or null for no violation. */
  readonly expect: string | null;
  /** Policy config. */
  readonly config?: Record<string, unknown>;
  /** Class, when the rule covers several. */
  readonly cls?: AnyClass;
  /** Expect the rule to declare itself not applicable, with this reason substring. */
  readonly notApplicable?: string;
}

/** Applies a case's mutations to the happy fixture. */
export function applyCase(happy: Record<string, unknown>, c: RuleCase): Record<string, unknown> {
  if (c.props) {
    return c.props;
  }
  return Object.entries(c.set ?? {}).reduce((acc, [p, v]) => withProp(acc, p, v), happy);
}

/** Runs one table case against a resource rule and asserts the outcome. */
export async function expectCase(
  policy: ResourceValidationPolicy,
  cls: AnyClass,
  happy: Record<string, unknown>,
  c: RuleCase,
): Promise<void> {
  const outcome = await check(
    policy,
    c.cls ?? cls,
    applyCase(happy, c),
    c.config ? { config: c.config } : {},
  );
  if (outcome.unknown !== undefined) {
    throw new Error(`policy hit an unknown value: ${outcome.unknown}`);
  }
  const messages = outcome.violations.map((v) => v.message);
  if (c.notApplicable !== undefined) {
    if (!outcome.notApplicable?.includes(c.notApplicable)) {
      throw new Error(`expected not applicable (${c.notApplicable}), got ${JSON.stringify(outcome)}`);
    }
    return;
  }
  if (c.expect === null) {
    if (messages.length > 0 || outcome.notApplicable !== undefined) {
      throw new Error(`expected a pass, got ${JSON.stringify(outcome)}`);
    }
    return;
  }
  const expected = c.expect;
  if (!messages.some((m) => m.includes(expected))) {
    throw new Error(`expected a violation containing "${expected}", got ${JSON.stringify(messages)}`);
  }
}
