import * as vercel from "@pulumiverse/vercel";
import type { BaseConfig } from "../lib/config";
import { provenanceProblem, provenanceSchema, type ProvenanceConfig } from "../lib/provenance";
import { type PropsOf, resourceRule, stackRule } from "../lib/rule";
import { known, ofType, sourcesOf, UNKNOWN } from "../lib/stack";
import {
  defaultSecretNamePattern,
  isSecretLike,
  isUnset,
  listOf,
  recordOf,
  recordsOf,
  stringOf,
  stringsOf,
} from "../lib/values";

type ProjectProps = PropsOf<typeof vercel.Project>;
type FirewallProps = PropsOf<typeof vercel.FirewallConfig>;
type RollingReleaseProps = PropsOf<typeof vercel.ProjectRollingRelease>;

/** One variable as both env-var resources describe it. */
interface EnvVar {
  /** The key; undefined when it is not a string (then treated as secret-like: fail closed). */
  readonly key: string | undefined;
  /** True only when `sensitive` is the boolean true. */
  readonly sensitive: boolean;
  /** The target environments ([] when unset); undefined when not a list of strings. */
  readonly targets: readonly string[] | undefined;
}

/** The props both env-var resources share for these rules, as the engine may send them (any shape). */
interface EnvVarProps {
  readonly key?: unknown;
  readonly sensitive?: unknown;
  readonly targets?: unknown;
  readonly variables?: unknown;
}

interface EnvConfig extends BaseConfig {
  /** Case-insensitive regex of secret-like keys. */
  readonly secretNamePattern: string;
  /** Regex of keys that are public by design (bundled into the browser). */
  readonly publicKeyPattern: string;
}

const envConfig = {
  schema: { secretNamePattern: { type: "string" as const }, publicKeyPattern: { type: "string" as const } },
  defaults: { secretNamePattern: defaultSecretNamePattern, publicKeyPattern: "^NEXT_PUBLIC_" },
};

const envVar = (v: Readonly<Record<string, unknown>>): EnvVar => ({
  key: stringOf(v["key"]),
  sensitive: v["sensitive"] === true,
  targets: stringsOf(v["targets"]),
});

/** The singular resource's variable, or the plural's list (an entry that is not an object reads as keyless). */
function variablesOf(props: EnvVarProps): EnvVar[] {
  if (isUnset(props.variables)) return [envVar(props as Record<string, unknown>)];
  return (listOf(props.variables) ?? [undefined]).map((v) => envVar(recordOf(v) ?? {}));
}

/** Variables with a secret-like key; a key that is not a string may be a secret's, so it counts (fail closed). */
function secretKeys(vars: readonly EnvVar[], config: EnvConfig): EnvVar[] {
  const publicKey = new RegExp(config.publicKeyPattern);
  return vars.filter(
    (v) => v.key === undefined || (!publicKey.test(v.key) && isSecretLike(v.key, config.secretNamePattern)),
  );
}

/** A variable's key for messages. */
const keyName = (v: EnvVar): string => v.key ?? "(key not a string)";

/** Secret-like Vercel variables are sensitive (unreadable after creation) and never sent to development. */
export const vercelEnvironmentVariableEnforceSensitive = resourceRule<EnvVarProps, EnvConfig>({
  name: "vercel-environmentvariable-enforce-sensitive",
  description:
    "Vercel ProjectEnvironmentVariable(s) with a secret-like key (not NEXT_PUBLIC_*) have sensitive: true and do not target 'development' (which the provider requires to be non-sensitive).",
  enforcementLevel: "mandatory",
  resources: [vercel.ProjectEnvironmentVariable, vercel.ProjectEnvironmentVariables],
  config: envConfig,
  meta: {
    checklist: ["secrets"],
    severity: "high",
    remediationSteps:
      "Set sensitive: true and targets ['production', 'preview']; give development its own non-secret value in a separate variable.",
    url: "https://vercel.com/docs/projects/environment-variables/sensitive-environment-variables",
  },
  check: (props, _args, report, config) => {
    for (const v of secretKeys(variablesOf(props), config)) {
      if (!v.sensitive) {
        report(`Variable '${keyName(v)}' is readable in the Vercel dashboard: set sensitive: true.`);
      }
      if (v.targets === undefined) {
        report(
          `Variable '${keyName(v)}' targets is not a list of environments: target production/preview only.`,
        );
      } else if (v.targets.includes("development")) {
        report(
          `Variable '${keyName(v)}' targets development, where it cannot be sensitive: target production/preview only.`,
        );
      }
    }
  },
});

/** Secret-like Vercel variables are derived from stack resources or declared secret config. */
export const vercelEnvironmentVariableEnforceValueProvenance = stackRule<ProvenanceConfig & EnvConfig>({
  name: "vercel-environmentvariable-enforce-value-provenance",
  description:
    "Vercel variables with a secret-like key take their value (value/valueWo, or variables for the plural resource) from a stack resource (propertyDependencies) or are listed in configSecretFor (secret stack config, invisible to policies).",
  enforcementLevel: "mandatory",
  resources: [vercel.ProjectEnvironmentVariable, vercel.ProjectEnvironmentVariables],
  config: {
    schema: { ...provenanceSchema, ...envConfig.schema },
    defaults: { producers: [], configSecretFor: [], ...envConfig.defaults },
  },
  meta: {
    checklist: ["secrets"],
    severity: "critical",
    remediationSteps:
      "Build the value from stack outputs (e.g. the database URL from the server and RandomPassword) or read it with config.requireSecret and list the variable under configSecretFor.",
  },
  check: (args, report, config) => {
    for (const r of ofType(
      args.resources,
      vercel.ProjectEnvironmentVariable,
      vercel.ProjectEnvironmentVariables,
    )) {
      const props = known(() => ({ key: r.props["key"], variables: r.props["variables"] }));
      if (props === UNKNOWN) {
        continue;
      }
      const secrets = secretKeys(variablesOf(props), config);
      if (secrets.length === 0) {
        continue;
      }
      const properties = isUnset(props.variables) ? ["value", "valueWo"] : ["variables"];
      for (const property of properties) {
        const problem = provenanceProblem(r, property, config);
        if (problem) {
          report(
            r,
            `${secrets.map(keyName).join(", ")} in '${r.name}' ${problem}: derive it from stack outputs or list it under configSecretFor.`,
          );
        }
      }
    }
  },
});

/** Deployments are protected (Vercel Authentication) and fork PRs need approval. */
export const vercelProjectEnableDeploymentProtection = resourceRule<ProjectProps>({
  name: "vercel-project-enable-deployment-protection",
  description:
    "Vercel project vercelAuthentication.deploymentType is not 'none' (unset means standard_protection_new) and gitForkProtection is not false (default true).",
  enforcementLevel: "mandatory",
  resources: [vercel.Project],
  meta: {
    checklist: ["network", "secrets"],
    severity: "medium",
    remediationSteps:
      "Set vercelAuthentication.deploymentType 'standard_protection_new' (snake_case) and leave gitForkProtection true.",
    url: "https://vercel.com/docs/deployment-protection",
  },
  check: (project, _args, report) => {
    if (project.vercelAuthentication?.deploymentType === "none") {
      report(
        "Preview deployments are public: set vercelAuthentication.deploymentType to 'standard_protection_new'.",
      );
    }
    if (project.gitForkProtection === false) {
      report("Pull requests from forks deploy with the project's secrets: set gitForkProtection to true.");
    }
  },
});

function hasRateLimit(props: FirewallProps): boolean {
  return recordsOf(recordOf(props.rules)?.["rules"]).some(
    (r) => r["active"] !== false && recordOf(r["action"])?.["rateLimit"] !== undefined,
  );
}

/** Each project has a firewall with a per-client rate limit. */
export const vercelProjectMissingFirewallRateLimit = stackRule({
  name: "vercel-project-missing-firewall-rate-limit",
  description:
    "Each Vercel project has a FirewallConfig whose projectId derives from it (propertyDependencies), enabled, with at least one active rule whose action has a rateLimit.",
  enforcementLevel: "mandatory",
  resources: [vercel.Project, vercel.FirewallConfig],
  meta: {
    profile: "platform",
    checklist: ["rateLimiting"],
    severity: "medium",
    remediationSteps:
      "Add vercel.FirewallConfig {projectId: project.id, rules:{rules:[{name, conditionGroups, action:{action:'rate_limit', rateLimit:{limit, window, keys:['ip'], algo:'fixed_window', action:'deny'}}}]}}.",
    url: "https://vercel.com/docs/vercel-firewall/vercel-waf/rate-limiting",
  },
  check: (args, report) => {
    const firewalls = ofType(args.resources, vercel.FirewallConfig);
    for (const project of ofType(args.resources, vercel.Project)) {
      const ok = firewalls.some((f) => {
        if (!sourcesOf(f, "projectId").some((d) => d.urn === project.urn)) {
          return false;
        }
        const limited = known(() => f.props["enabled"] !== false && hasRateLimit(f.props as FirewallProps));
        return limited === UNKNOWN || limited;
      });
      if (!ok) {
        report(
          project,
          `Project '${project.name}' has no rate limit: add a FirewallConfig with a rate_limit rule keyed on IP.`,
        );
      }
    }
  },
});

/** The OWASP managed rules catch injection and XSS. */
export const vercelFirewallConfigEnableOwaspRulesets = resourceRule<FirewallProps>({
  name: "vercel-firewallconfig-enable-owasp-rulesets",
  description:
    "Vercel FirewallConfig managedRulesets.owasp has the sqli and xss rules active (Enterprise plans).",
  enforcementLevel: "advisory",
  resources: [vercel.FirewallConfig],
  meta: {
    checklist: ["rateLimiting"],
    severity: "low",
    remediationSteps:
      "Set managedRulesets.owasp {sqli:{active:true, action:'deny'}, xss:{active:true, action:'deny'}}.",
    url: "https://vercel.com/docs/vercel-firewall/vercel-waf/managed-rulesets",
  },
  check: (fw, _args, report) => {
    const owasp = fw.managedRulesets?.owasp;
    if (owasp?.sqli?.active !== true || owasp.xss?.active !== true) {
      report("OWASP managed rules are off: activate managedRulesets.owasp.sqli and .xss.");
    }
  },
});

/** Rolling-release stages are well formed (the provider rejects others at apply time). */
export const vercelProjectRollingReleaseConfigureStages = resourceRule<RollingReleaseProps>({
  name: "vercel-projectrollingrelease-configure-stages",
  description:
    "Vercel ProjectRollingRelease stages rise strictly, end at exactly 100 (no earlier 100), number 1-10, and have a duration (minutes) on every non-final stage when automatic and none when manual-approval.",
  enforcementLevel: "mandatory",
  resources: [vercel.ProjectRollingRelease],
  meta: {
    profile: "platform",
    checklist: ["rollback"],
    severity: "medium",
    remediationSteps:
      "Use stages like [{targetPercentage:10, duration:5}, {targetPercentage:50, duration:5}, {targetPercentage:100}].",
    url: "https://vercel.com/docs/rolling-releases",
  },
  check: (rr, _args, report) => {
    // Unset, not a list, or entries that are not objects: fewer readable stages, which the checks below report.
    const stages = recordsOf(rr.stages);
    if (stages.length < 1 || stages.length > 10) {
      report(`${stages.length} stages: use between 1 and 10.`);
    }
    const pct = stages.map((s) => s["targetPercentage"]);
    if (pct[pct.length - 1] !== 100) {
      report("The last stage is not 100%: end the stages with {targetPercentage: 100}.");
    }
    const rises = (p: unknown, before: unknown): boolean =>
      typeof p === "number" && typeof before === "number" && p > before;
    if (pct.some((p, i) => i > 0 && !rises(p, pct[i - 1]))) {
      report(
        `Stage percentages ${pct.join(" -> ")} do not rise: make each stage larger than the one before.`,
      );
    }
    stages.slice(0, -1).forEach((s, i) => {
      if (rr.advancementType === "automatic" && s["duration"] === undefined) {
        report(
          `Stage ${i + 1} has no duration: automatic releases need a duration (minutes) on every stage but the last.`,
        );
      }
    });
    if (rr.advancementType === "manual-approval" && stages.some((s) => s["duration"] !== undefined)) {
      report("Manual-approval releases cannot have durations: remove them.");
    }
  },
});
