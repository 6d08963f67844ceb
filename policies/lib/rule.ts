import type {
  EnforcementLevel,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { Resource, Unwrap } from "@pulumi/pulumi";
import { type BaseConfig, configSchema, exceptionReason, findException, withDefaults } from "./config";
import { metadata, type RuleMetadataInput } from "./metadata";

/** A resource class as the policy SDK sees it (constructor with `__pulumiType`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResourceClass<TArgs> = { new (name: string, args: TArgs, ...rest: any[]): Resource };

/** What every rule declares. */
interface RuleCommon<C extends BaseConfig> {
  /** Kebab-case `<service>-<resource>-<verb>-<what>`. */
  readonly name: string;
  /** What the rule checks. */
  readonly description: string;
  /** Level when no stack config names the rule (the production level). */
  readonly enforcementLevel: EnforcementLevel;
  /** Severity, checklist items, anchors, remediation steps. */
  readonly meta: RuleMetadataInput;
  /** The rule's own config keys (beyond `reason`/`excludeFor`) and their defaults. */
  readonly config?: { readonly schema: Record<string, PolicyConfigJSONSchema>; readonly defaults: C };
}

/** A typed resource check: `report` takes the violation message (which says the fix). */
export type ResourceCheck<P, C> = (
  props: P,
  args: ResourceValidationArgs,
  report: (message: string) => void,
  config: C,
) => void;

/** Spec of a resource rule over one or more resource classes that share an args shape. */
export interface ResourceRuleSpec<P, C extends BaseConfig> extends RuleCommon<C> {
  /** The classes whose type tokens the rule binds to. */
  readonly resources: readonly ResourceClass<never>[];
  /** The check. */
  readonly check: ResourceCheck<P, C>;
  /** For `remediate`: mutate `props` into the compliant form and return it, or return undefined. */
  readonly remediate?: (props: P, args: ResourceValidationArgs, config: C) => P | undefined;
}

/** A resource-validation policy plus the typed config it reads. */
export type ResourceRule = ResourceValidationPolicy & {
  readonly validateResource: NonNullable<ResourceValidationPolicy["validateResource"]>;
  /** Type tokens the rule binds to (empty: every type). */
  readonly subjectTypes: readonly string[];
};

/** Whether `checkShapes` catches a rule's `TypeError` (the production net) or lets it through (strict). */
let shapeNet = true;

/**
 * Runs `run` with the net off: a rule's `TypeError` propagates as the exception it is. The property test runs every
 * rule this way, so a rule that only passes because of the net (reads a property without handling a wrong type,
 * null or absent value) fails there. Not for production: there the net keeps one defect from aborting the analysis.
 */
export async function withoutShapeNet<T>(run: () => Promise<T>): Promise<T> {
  shapeNet = false;
  try {
    return await run();
  } finally {
    shapeNet = true;
  }
}

/**
 * Runs a check. Every rule handles wrong types, null, absent and unknown values itself (the property test proves it
 * with the net off); this is the last-resort net for a defect: a `TypeError` becomes a rule error naming the rule
 * and the resource, reported through `report` as a violation (fail closed: an unreadable input is not evidence of
 * compliance), or dropped without `report`. The SDK's not-applicable and unknown-value errors pass through, so the
 * engine's handling of them is unchanged; without this, one defect would abort the engine's whole analysis.
 */
export function checkShapes(
  rule: string,
  urn: string | undefined,
  check: () => void,
  report?: (message: string) => void,
): void {
  try {
    check();
  } catch (e) {
    if (!(e instanceof TypeError) || !shapeNet) {
      throw e;
    }
    report?.(
      `rule error: ${rule} failed on ${urn ?? "the stack"} (${e.message}); the input is treated as non-compliant. Set the property to its documented type, and report the rule's defect to the policy pack's owners.`,
    );
  }
}

function readConfig<C extends BaseConfig>(
  args: { getConfig<T extends object>(): T },
  spec: RuleCommon<C>,
): C {
  const defaults = (spec.config?.defaults ?? {}) as C;
  return withDefaults<C>(args.getConfig<Partial<C>>(), defaults);
}

function common<C extends BaseConfig>(spec: RuleCommon<C>) {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel,
    configSchema: configSchema(spec.config?.schema),
    ...metadata(spec.meta),
  };
}

/** Builds a resource-validation policy with explicit name-based exceptions (`excludeFor`). */
export function resourceRule<P, C extends BaseConfig = BaseConfig>(
  spec: ResourceRuleSpec<P, C>,
): ResourceRule {
  const run = (props: P, args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
    const config = readConfig(args, spec);
    const exception = findException(args.name, config.excludeFor);
    if (exception) {
      args.notApplicable(exceptionReason(exception));
    }
    checkShapes(
      spec.name,
      args.urn,
      () => spec.check(props, args, (message) => reportViolation(message), config),
      (m) => reportViolation(m),
    );
  };
  const tokens = new Set(spec.resources.map(typeToken));
  // One class: the SDK's typed helper (it tags the function with the type for the engine's fast path).
  // Several: one dispatcher, because the SDK marks a policy not applicable when any array entry does not match.
  const validateResource: ResourceRule["validateResource"] =
    spec.resources.length === 1
      ? validateResourceOfType(spec.resources[0] as ResourceClass<unknown>, (props, args, report) =>
          run(props as unknown as P, args, report),
        )
      : (args, report) => {
          if (!tokens.has(args.type)) {
            args.notApplicable(`Policy only applies to resources of types ${[...tokens].join(", ")}`);
          }
          run(args.props as P, args, report);
        };
  const policy: ResourceRule = {
    ...common(spec),
    subjectTypes: [...tokens],
    validateResource,
  };
  const remediate = spec.remediate;
  if (remediate) {
    policy.remediateResource = (args) => {
      if (!tokens.has(args.type)) {
        return undefined;
      }
      const config = readConfig(args, spec);
      if (findException(args.name, config.excludeFor)) {
        return undefined;
      }
      // A shape the remediation can't read is left alone; the rule's check reports it as a violation.
      let fixed: Record<string, unknown> | undefined;
      checkShapes(spec.name, args.urn, () => {
        fixed = remediate(args.props as P, args, config) as Record<string, unknown> | undefined;
      });
      return fixed;
    };
  }
  return policy;
}

/** Spec of an any-type resource rule (e.g. API-version checks). */
export interface AnyResourceRuleSpec<C extends BaseConfig> extends RuleCommon<C> {
  /** Classes the rule is about (documentation and the type-binding test); empty for every type. */
  readonly resources: readonly ResourceClass<never>[];
  /** The check, given the resource type token and untyped props. */
  readonly check: ResourceCheck<Record<string, unknown>, C>;
}

/** Builds a resource-validation policy that looks at every resource. */
export function anyResourceRule<C extends BaseConfig = BaseConfig>(
  spec: AnyResourceRuleSpec<C>,
): ResourceRule {
  return {
    ...common(spec),
    subjectTypes: spec.resources.map(typeToken),
    validateResource: (args, reportViolation) => {
      const config = readConfig(args, spec);
      const exception = findException(args.name, config.excludeFor);
      if (exception) {
        args.notApplicable(exceptionReason(exception));
      }
      checkShapes(
        spec.name,
        args.urn,
        () => spec.check(args.props, args, (message) => reportViolation(message), config),
        (m) => reportViolation(m),
      );
    },
  };
}

/** A stack check: `report(resource, message)` attributes the violation to a resource (or the stack). */
export type StackCheck<C> = (
  args: StackValidationArgs,
  report: (resource: PolicyResource | undefined, message: string) => void,
  config: C,
) => void;

/** Spec of a stack rule. */
export interface StackRuleSpec<C extends BaseConfig> extends RuleCommon<C> {
  /** Resource classes the rule is about (documentation and the type-binding test). */
  readonly resources: readonly ResourceClass<never>[];
  /** The check. Excepted resources are filtered by the rule through `isExcepted`. */
  readonly check: StackCheck<C & { readonly isExcepted: (r: PolicyResource) => boolean }>;
}

/** A stack-validation policy plus the type tokens it is about. */
export type StackRule = StackValidationPolicy & { readonly subjectTypes: readonly string[] };

/** Builds a stack-validation policy; violations on excepted resources are dropped. */
export function stackRule<C extends BaseConfig = BaseConfig>(spec: StackRuleSpec<C>): StackRule {
  return {
    ...common(spec),
    subjectTypes: spec.resources.map(typeToken),
    validateStack: (args, reportViolation) => {
      const config = readConfig(args, spec);
      const isExcepted = (r: PolicyResource): boolean =>
        findException(r.name, config.excludeFor) !== undefined;
      checkShapes(
        spec.name,
        undefined,
        () =>
          spec.check(
            args,
            (resource, message) => {
              if (resource && isExcepted(resource)) {
                return;
              }
              reportViolation(message, resource?.urn);
            },
            { ...config, isExcepted },
          ),
        (m) => reportViolation(m),
      );
    },
  };
}

/** The type token a resource class registers (`Class.__pulumiType`); provider classes get the `pulumi:providers:` form. */
export function typeToken(cls: ResourceClass<never> | { __pulumiType?: unknown }): string {
  const token = (cls as unknown as { __pulumiType?: unknown }).__pulumiType;
  if (typeof token !== "string" || token === "") {
    throw new Error("resource class has no __pulumiType");
  }
  return token.includes(":") ? token : `pulumi:providers:${token}`;
}

/** Unwrapped input props of a resource class. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PropsOf<T> = T extends { new (name: string, args: infer A, ...rest: any[]): Resource }
  ? Unwrap<NonNullable<A>>
  : never;
