import type { PolicyComplianceFramework, Severity } from "@pulumi/policy";

/** Checklist items from the users' security checklist (REQUIREMENTS.md) that rules enforce. */
export const checklist = {
  secrets: "All secrets in a secret manager or environment, none in code.",
  tls: "HTTPS/TLS everywhere (TLS 1.2 minimum).",
  cors: "CORS restricted to known origins (no wildcard).",
  rateLimiting: "Rate limiting per client IP.",
  dbLeastPrivilege:
    "Database users least-privilege: read-only role for read operations, the app role without DDL.",
  redisCredentials: "Redis protected by strong credentials; no plaintext port.",
  backups: "Backups completed and restorable.",
  rollback: "Rollback plan ready.",
  monitoring: "Monitoring alerts configured.",
  healthChecks: "Health checks validated.",
  errorTracking: "Error tracking enabled.",
  network: "Data services reachable only from the application network in production.",
  identity: "Workloads authenticate with managed identities, not shared keys.",
  resilience: "Production data services survive a zone failure and accidental deletion.",
  governance: "Resources are traceable to an environment and owner; no retired or preview platform APIs.",
} as const;

/** Key of a checklist item. */
export type ChecklistItem = keyof typeof checklist;

/** Rule ids in public scanners and policy sets that a rule follows. */
export interface Anchors {
  /** Checkov check ids, with the check file name where ids are unstable across branches. */
  readonly checkov?: readonly string[];
  /** Trivy/tfsec ids (AVD-AZU-*). */
  readonly trivy?: readonly string[];
  /** Azure Policy built-in definition names. */
  readonly azurePolicy?: readonly string[];
  /** Pulumi pre-built packs and pulumi/compliance-policies entries. */
  readonly pulumi?: readonly string[];
}

/**
 * Which programs a rule is for: `security` holds for any Azure/Vercel program; `platform` checks this platform's own
 * conventions (tags, protection, alert and diagnostic coverage, slots, SKUs and zone redundancy it standardises on).
 */
export const profiles = ["security", "platform"] as const;

/** One profile. */
export type Profile = (typeof profiles)[number];

/** What a rule declares about itself; turned into the SDK's native policy metadata fields. */
export interface RuleMetadataInput {
  /** The rule's profile; default `security`. */
  readonly profile?: Profile;
  /** Checklist items the rule enforces (the first one names the compliance framework reference). */
  readonly checklist: readonly ChecklistItem[];
  /** How bad a violation is. */
  readonly severity: Severity;
  /** Steps that fix a violation. */
  readonly remediationSteps: string;
  /** Public anchor ids. */
  readonly anchors?: Anchors;
  /** A page that explains the setting. */
  readonly url?: string;
}

/** The SDK (@pulumi/policy 1.21) metadata fields of a policy. */
export interface RuleMetadata {
  /** Severity reported with each violation. */
  readonly severity: Severity;
  /** `profile:<profile>`, `checklist:<item>`, then `checkov:`, `trivy:`, `azure-policy:` and `pulumi:` anchor ids. */
  readonly tags: string[];
  /** Steps that fix a violation. */
  readonly remediationSteps: string;
  /** The internal checklist as a compliance framework. */
  readonly framework: PolicyComplianceFramework;
  /** A page that explains the setting, when there is one. */
  readonly url?: string;
}

/** Prefixes used for anchor ids inside `tags`. */
export const anchorTagPrefixes = ["checkov:", "trivy:", "azure-policy:", "pulumi:"] as const;

/** Builds the SDK metadata fields for a rule. */
export function metadata(input: RuleMetadataInput): RuleMetadata {
  const anchors = input.anchors ?? {};
  const tags = [
    `profile:${input.profile ?? "security"}`,
    ...input.checklist.map((item) => `checklist:${item}`),
    ...(anchors.checkov ?? []).map((id) => `checkov:${id}`),
    ...(anchors.trivy ?? []).map((id) => `trivy:${id}`),
    ...(anchors.azurePolicy ?? []).map((id) => `azure-policy:${id}`),
    ...(anchors.pulumi ?? []).map((id) => `pulumi:${id}`),
  ];
  const first = input.checklist[0];
  return {
    severity: input.severity,
    tags,
    remediationSteps: input.remediationSteps,
    framework: {
      name: "internal-security-checklist",
      version: "1.0",
      reference: `REQUIREMENTS.md#security-checklist/${first}`,
      specification: input.checklist.map((item) => checklist[item]).join(" "),
    },
    ...(input.url === undefined ? {} : { url: input.url }),
  };
}

/** The profile a built rule declares in its tags (`security` when it declares none). */
export function profileOf(rule: { readonly tags?: readonly string[] }): Profile {
  const tag = (rule.tags ?? []).find((t) => t.startsWith("profile:"));
  return tag === "profile:platform" ? "platform" : "security";
}
