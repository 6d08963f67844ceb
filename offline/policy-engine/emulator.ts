import type {
  EnforcementLevel,
  Policies,
  PolicyPackConfig,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Resource } from "@pulumi/pulumi";
import { UnknownValueError } from "../../policies/lib/sdkInternals";
import { isSdkUnknown, providerUrn, type ResourceRecord } from "../record";
import { unknownCheckingProxy, unknownString } from "./sdk-internals";

/**
 * Evaluates the CrossGuard pack offline the way the engine does: it builds the policy SDK's validation args from
 * {@link ResourceRecord}s (props in the SDK's unknown-checking proxy, unknowns as the engine's sentinels, options,
 * provider and dependency graph) and runs every enabled policy, remediations first.
 */

/** A record's inputs as the engine hands them to a policy pack: the SDK's unknown values as the engine's sentinel. */
export function engineView(value: unknown): unknown {
  if (isSdkUnknown(value)) return unknownString;
  if (Array.isArray(value)) return value.map(engineView);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, engineView(v)]));
  }
  return value;
}

const propsOf = (record: ResourceRecord): Record<string, unknown> =>
  engineView(record.inputs) as Record<string, unknown>;

/** What one policy said about one resource or the stack. */
export interface PolicyOutcome {
  /** Violation messages with the URN they were reported against. */
  readonly violations: { readonly message: string; readonly urn?: string }[];
  /** Set when the policy declared itself not applicable. */
  readonly notApplicable?: string;
  /** Set when the policy hit a value that is unknown during preview (the engine reports this as advisory). */
  readonly unknown?: string;
}

class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? "Policy does not apply");
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

/**
 * The level the engine applies: `all` first, then the policy's own entry, then the policy's default, then advisory
 * (the pack default).
 */
export function enforcementLevelOf(
  policy: { name: string; enforcementLevel?: EnforcementLevel },
  config: PolicyPackConfig,
): EnforcementLevel {
  const levelOf = (entry: PolicyPackConfig[string] | undefined): EnforcementLevel | undefined =>
    typeof entry === "string" ? entry : entry?.enforcementLevel;
  return levelOf(config[policy.name]) ?? levelOf(config["all"]) ?? policy.enforcementLevel ?? "advisory";
}

/** The config properties of one policy, without `enforcementLevel` (what `args.getConfig()` returns). */
export function configOf(policyName: string, config: PolicyPackConfig): Record<string, unknown> {
  const entry = config[policyName];
  if (entry === undefined || typeof entry === "string") {
    return {};
  }
  const rest: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
  delete rest["enforcementLevel"];
  return rest;
}

function deepCopy<T>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}

function pulumiTypeOf(cls: unknown): string | undefined {
  const t = (cls as { __pulumiType?: unknown }).__pulumiType;
  return typeof t === "string" && t !== "" ? t : undefined;
}

function isTypeOf(type: string, cls: unknown): boolean {
  const token = pulumiTypeOf(cls);
  if (token !== undefined) {
    return token === type;
  }
  const isInstance = (cls as { isInstance?: (o: unknown) => boolean }).isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function options(record: ResourceRecord): PolicyResourceOptions {
  return {
    protect: record.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(record.parent === undefined ? {} : { parent: record.parent }),
  };
}

/** The record's explicit provider, found among `stack` by the URN of its reference. */
function providerOf(
  record: ResourceRecord,
  stack: readonly ResourceRecord[],
): PolicyProviderResource | undefined {
  const urn = record.provider === undefined ? undefined : providerUrn(record.provider);
  const p = urn === undefined ? undefined : stack.find((r) => r.urn === urn);
  return p ? { type: p.type, name: p.name, urn: p.urn, props: unknownCheckingProxy(propsOf(p)) } : undefined;
}

/**
 * Builds `ResourceValidationArgs` the way the policy SDK's analyze RPC does (props in `unknownCheckingProxy`); the
 * provider is looked up in `stack`.
 */
export function resourceValidationArgs(
  record: ResourceRecord,
  policyConfig: Record<string, unknown> = {},
  stack: readonly ResourceRecord[] = [],
): ResourceValidationArgs {
  const props = unknownCheckingProxy(propsOf(record));
  const args: ResourceValidationArgs = {
    type: record.type,
    props,
    urn: record.urn,
    name: record.name,
    opts: options(record),
    stackTags: new Map<string, string>(),
    isType: (cls) => isTypeOf(record.type, cls),
    asType: (<TResource extends Resource, TArgs>(cls: {
      new (name: string, args: TArgs, ...rest: never[]): TResource;
    }) => (isTypeOf(record.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => deepCopy(policyConfig) as T,
    notApplicable: throwNotApplicable,
  };
  const provider = providerOf(record, stack);
  if (provider) {
    args.provider = provider;
  }
  return args;
}

/** Builds `StackValidationArgs` the way the SDK's analyzeStack RPC does: URNs resolved to resource objects. */
export function stackValidationArgs(
  records: readonly ResourceRecord[],
  policyConfig: Record<string, unknown> = {},
): StackValidationArgs {
  const byUrn = new Map<string, PolicyResource>();
  const resources = records.map((record) => {
    const props = unknownCheckingProxy(propsOf(record));
    const resource: PolicyResource = {
      type: record.type,
      props,
      urn: record.urn,
      name: record.name,
      opts: options(record),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => isTypeOf(record.type, cls),
      asType: ((cls: unknown) =>
        isTypeOf(record.type, cls) ? props : undefined) as PolicyResource["asType"],
    };
    const provider = providerOf(record, records);
    if (provider) {
      resource.provider = provider;
    }
    byUrn.set(record.urn, resource);
    return resource;
  });
  const resolve = (urns: readonly string[] | undefined): PolicyResource[] =>
    (urns ?? []).map((u) => byUrn.get(u)).filter((r): r is PolicyResource => r !== undefined);
  records.forEach((record, i) => {
    const resource = resources[i];
    if (record.parent !== undefined) {
      const parent = byUrn.get(record.parent);
      if (parent) {
        resource.parent = parent;
      }
    }
    resource.dependencies = resolve(record.dependencies);
    for (const [key, urns] of Object.entries(record.propertyDependencies ?? {})) {
      resource.propertyDependencies[key] = resolve(urns);
    }
  });
  return {
    resources,
    stackTags: new Map<string, string>(),
    getConfig: <T extends object>() => deepCopy(policyConfig) as T,
    notApplicable: throwNotApplicable,
  };
}

/** A policy threw something other than not-applicable or unknown-value: the engine would fail the whole analysis. */
export class PolicyRunError extends Error {
  constructor(
    readonly policy: string,
    readonly urn: string | undefined,
    readonly original: unknown,
  ) {
    super(
      `policy '${policy}' threw on ${urn ?? "the stack"}: ${original instanceof Error ? original.message : String(original)}`,
    );
  }
}

function settle(
  e: unknown,
  outcome: { notApplicable?: string; unknown?: string },
  policy: string,
  urn: string | undefined,
): void {
  if (e instanceof NotApplicable) {
    outcome.notApplicable = e.reason ?? "not applicable";
  } else if (e instanceof UnknownValueError) {
    outcome.unknown = e.message;
  } else {
    throw new PolicyRunError(policy, urn, e);
  }
}

/** True for resource-validation policies. */
export function isResourcePolicy(p: Policies[number]): p is ResourceValidationPolicy {
  return "validateResource" in p || "remediateResource" in p;
}

/** True for stack-validation policies. */
export function isStackPolicy(p: Policies[number]): p is StackValidationPolicy {
  return "validateStack" in p;
}

/** Runs one resource policy against one resource of `stack`; every validation function runs, as in the SDK. */
export async function runResourcePolicy(
  policy: ResourceValidationPolicy,
  record: ResourceRecord,
  config: PolicyPackConfig = {},
  stack: readonly ResourceRecord[] = [],
): Promise<PolicyOutcome> {
  const violations: { message: string; urn?: string }[] = [];
  const outcome: { violations: typeof violations; notApplicable?: string; unknown?: string } = { violations };
  const validations =
    policy.validateResource === undefined ? [] : ([] as unknown[]).concat(policy.validateResource);
  for (const validate of validations as Exclude<
    ResourceValidationPolicy["validateResource"],
    unknown[] | undefined
  >[]) {
    const token = pulumiTypeOf(validate);
    if (token !== undefined && token !== record.type && validations.length === 1) {
      return { violations, notApplicable: `Policy only applies to resources of type '${token}'` };
    }
    try {
      await validate(resourceValidationArgs(record, configOf(policy.name, config), stack), (message) =>
        violations.push({ message, urn: record.urn }),
      );
    } catch (e) {
      settle(e, outcome, policy.name, record.urn);
    }
  }
  return outcome;
}

/** Runs one stack policy over the resource records. */
export async function runStackPolicy(
  policy: StackValidationPolicy,
  records: readonly ResourceRecord[],
  config: PolicyPackConfig = {},
): Promise<PolicyOutcome> {
  const violations: { message: string; urn?: string }[] = [];
  const outcome: { violations: typeof violations; notApplicable?: string; unknown?: string } = { violations };
  try {
    await policy.validateStack(stackValidationArgs(records, configOf(policy.name, config)), (message, urn) =>
      violations.push(urn === undefined ? { message } : { message, urn }),
    );
  } catch (e) {
    settle(e, outcome, policy.name, undefined);
  }
  return outcome;
}

/** Runs a policy's remediation; returns the remediated props, or undefined when nothing changed. */
export async function runRemediation(
  policy: ResourceValidationPolicy,
  record: ResourceRecord,
  config: PolicyPackConfig = {},
  stack: readonly ResourceRecord[] = [],
): Promise<Record<string, unknown> | undefined> {
  if (!policy.remediateResource) {
    return undefined;
  }
  const args = resourceValidationArgs(record, configOf(policy.name, config), stack);
  try {
    const result = await policy.remediateResource(args);
    return result === undefined ? undefined : deepCopy(unwrapProxy(result));
  } catch (e) {
    if (e instanceof NotApplicable || e instanceof UnknownValueError) {
      return undefined;
    }
    throw new PolicyRunError(policy.name, record.urn, e);
  }
}

function unwrapProxy(value: Record<string, unknown>): Record<string, unknown> {
  const target = (value as { __getSpecialProxyTarget?: Record<string, unknown> }).__getSpecialProxyTarget;
  return target ?? value;
}

/** One finding of a whole-pack evaluation. */
export interface Finding {
  /** Policy name. */
  readonly policy: string;
  /** Level after config (remediate is reported as remediate). */
  readonly level: EnforcementLevel;
  /** Policy severity. */
  readonly severity: Severity | undefined;
  /** `violation`, `remediated` (a remediate-level rule would fix it on deploy) or `unknown` (preview). */
  readonly kind: "violation" | "remediated" | "unknown";
  /** The message. */
  readonly message: string;
  /** The resource URN, when the finding is about a resource. */
  readonly urn?: string;
}

/** Evaluates every enabled policy against every resource and the stack, as the engine would. */
export async function evaluatePack(
  policies: readonly Policies[number][],
  records: readonly ResourceRecord[],
  config: PolicyPackConfig,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const remediated = new Map<string, ResourceRecord>();
  for (const record of records) {
    let current = record;
    for (const p of policies) {
      if (isResourcePolicy(p) && enforcementLevelOf(p, config) === "remediate") {
        const fixed = await runRemediation(p, current, config, records);
        if (fixed) {
          const before = await runResourcePolicy(p, current, config, records);
          for (const v of before.violations) {
            findings.push({
              policy: p.name,
              level: "remediate",
              severity: p.severity,
              kind: "remediated",
              message: v.message,
              urn: record.urn,
            });
          }
          current = { ...current, inputs: fixed };
        }
      }
    }
    remediated.set(record.urn, current);
  }
  const effective = records.map((r) => remediated.get(r.urn) ?? r);
  for (const p of policies) {
    const level = enforcementLevelOf(p, config);
    if (level === "disabled") {
      continue;
    }
    const reportLevel: EnforcementLevel = level === "remediate" ? "mandatory" : level;
    const outcomes: (PolicyOutcome & { readonly urn?: string })[] = [];
    if (isStackPolicy(p)) {
      outcomes.push(await runStackPolicy(p, effective, config));
    } else if (isResourcePolicy(p)) {
      for (const record of effective) {
        outcomes.push({ ...(await runResourcePolicy(p, record, config, effective)), urn: record.urn });
      }
    }
    for (const o of outcomes) {
      for (const v of o.violations) {
        findings.push({
          policy: p.name,
          level: reportLevel,
          severity: p.severity,
          kind: "violation",
          message: v.message,
          ...(v.urn === undefined ? {} : { urn: v.urn }),
        });
      }
      if (o.unknown !== undefined) {
        findings.push({
          policy: p.name,
          level: "advisory",
          severity: p.severity,
          kind: "unknown",
          message: `can't run during preview: ${o.unknown}`,
          ...(o.urn === undefined ? {} : { urn: o.urn }),
        });
      }
    }
  }
  return findings;
}
