import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as appconfiguration from "@pulumi/azure-native/appconfiguration";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as mongocluster from "@pulumi/azure-native/mongocluster";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as redisenterprise from "@pulumi/azure-native/redisenterprise";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";
import * as random from "@pulumi/random";
import type { BaseConfig } from "../lib/config";
import { anyResourceRule, type PropsOf, resourceRule, stackRule, typeToken } from "../lib/rule";
import { known, UNKNOWN } from "../lib/stack";

type PasswordProps = PropsOf<typeof random.RandomPassword>;

interface StrengthConfig extends BaseConfig {
  /** Minimum password length. */
  readonly minLength: number;
}

const classes = [
  ["upper", "minUpper"],
  ["lower", "minLower"],
  ["numeric", "minNumeric"],
  ["special", "minSpecial"],
] as const;

/** Generated passwords are long and use every character class. */
export const randomPasswordConfigureStrength = resourceRule<PasswordProps, StrengthConfig>({
  name: "random-password-configure-strength",
  description:
    "random.RandomPassword length is at least `minLength` and none of upper/lower/numeric/special is false; unset classes default to on.",
  enforcementLevel: "mandatory",
  resources: [random.RandomPassword],
  config: {
    schema: { minLength: { type: "integer", minimum: 12, default: 24 } },
    defaults: { minLength: 24 },
  },
  meta: {
    checklist: ["secrets", "redisCredentials"],
    severity: "high",
    remediationSteps:
      "Set length to the stack minimum (24 staging, 32 production) and keep every character class on.",
    anchors: { pulumi: ["PCP:vendor-aws/aws/iam/AccountPasswordPolicy/minimumPasswordLength"] },
  },
  check: (password, _args, report, config) => {
    if (password.length < config.minLength) {
      report(
        `Password length ${password.length} is below ${config.minLength}: set length to at least ${config.minLength}.`,
      );
    }
    const off = classes.filter(([flag]) => password[flag] === false).map(([flag]) => flag);
    if (off.length > 0) {
      report(
        `Character classes ${off.join(", ")} are off: remove ${off.map((f) => `${f}: false`).join(", ")}.`,
      );
    }
  },
});

const previewToken = /^azure-native:[^:]+:v\d{8}preview:/i;

/** No resources pinned to a preview API version. */
export const azureNativeDisallowPreviewApiVersions = anyResourceRule({
  name: "azure-native-disallow-preview-api-versions",
  description:
    "No azure-native resource uses an explicitly versioned preview module (type token 'azure-native:<module>:vYYYYMMDDpreview:<Type>'). Default-version types backed by preview APIs (monitor ScheduledQueryRule/ActionGroup/DiagnosticSetting) are not caught by the token.",
  enforcementLevel: "mandatory",
  resources: [],
  meta: {
    checklist: ["governance"],
    severity: "low",
    remediationSteps:
      "Import the resource from the module's default (stable) version, e.g. @pulumi/azure-native/web instead of web/v20240401preview.",
    anchors: { pulumi: ["PCP:vendor-azure/azurenative/**/disallowPreviewResource"] },
  },
  check: (_props, args, report) => {
    if (!args.type.startsWith("azure-native:")) {
      args.notApplicable("not an azure-native resource");
    }
    if (previewToken.test(args.type)) {
      report(`${args.type} targets a preview API version: use the module's default stable version.`);
    }
  },
});

/** Taggable azure-native types the program uses. */
const taggable = [
  resources.ResourceGroup,
  dbforpostgresql.Server,
  redisenterprise.RedisEnterprise,
  web.WebApp,
  web.WebAppSlot,
  web.AppServicePlan,
  web.StaticSite,
  keyvault.Vault,
  storage.StorageAccount,
  applicationinsights.Component,
  applicationinsights.WebTest,
  operationalinsights.Workspace,
  monitor.MetricAlert,
  monitor.ScheduledQueryRule,
  monitor.ActionGroup,
  appconfiguration.ConfigurationStore,
  network.PrivateEndpoint,
  network.VirtualNetwork,
];

interface TagConfig extends BaseConfig {
  /** Tag keys every taggable resource carries. */
  readonly requiredTags: readonly string[];
  /** Type tokens checked. */
  readonly taggableTypes: readonly string[];
}

/** Every taggable resource says which environment and owner it belongs to. */
export const azureResourceMissingRequiredTags = stackRule<TagConfig>({
  name: "azure-resource-missing-required-tags",
  description:
    "Each azure-native resource of `taggableTypes` has every tag in `requiredTags` with a non-empty value.",
  enforcementLevel: "mandatory",
  resources: taggable,
  config: {
    schema: {
      requiredTags: { type: "array", items: { type: "string" } },
      taggableTypes: { type: "array", items: { type: "string" } },
    },
    defaults: { requiredTags: ["environment", "owner"], taggableTypes: taggable.map(typeToken) },
  },
  meta: {
    profile: "platform",
    checklist: ["governance"],
    severity: "low",
    remediationSteps:
      "Apply the stack-wide tags (environment, owner ...) to every taggable resource, e.g. with a stack transform.",
    anchors: { pulumi: ["PBP:resources-environment-tags", "PBP:resources-change-tracking-tags"] },
  },
  check: (args, report, config) => {
    for (const r of args.resources.filter((x) => config.taggableTypes.includes(x.type))) {
      const tags = known(() => (r.props["tags"] ?? {}) as Record<string, unknown>);
      if (tags === UNKNOWN) {
        continue;
      }
      const missing = config.requiredTags.filter((t) => {
        const v = known(() => tags[t]);
        return v !== UNKNOWN && (typeof v !== "string" || v.trim() === "");
      });
      if (missing.length > 0) {
        report(r, `'${r.name}' lacks tags ${missing.join(", ")}: add them (stack-wide tags).`);
      }
    }
  },
});

const stateful = [
  dbforpostgresql.Server,
  keyvault.Vault,
  redisenterprise.RedisEnterprise,
  storage.StorageAccount,
  appconfiguration.ConfigurationStore,
  mongocluster.MongoCluster,
];

interface ProtectConfig extends BaseConfig {
  /** Type tokens that must be protected. */
  readonly statefulTypes: readonly string[];
}

/** Stateful resources carry `protect` so a mistaken change cannot delete data. */
export const azureStatefulEnforceProtect = stackRule<ProtectConfig>({
  name: "azure-stateful-enforce-protect",
  description:
    "Each resource of `statefulTypes` (PostgreSQL server, Key Vault, Managed Redis, storage account, App Configuration store, MongoDB vCore cluster) has the protect resource option.",
  enforcementLevel: "mandatory",
  resources: stateful,
  config: {
    schema: { statefulTypes: { type: "array", items: { type: "string" } } },
    defaults: { statefulTypes: stateful.map(typeToken) },
  },
  meta: {
    profile: "platform",
    checklist: ["resilience", "backups"],
    severity: "high",
    remediationSteps:
      "Pass { protect: true } for the resource (the component's protect arg, from stack config).",
    anchors: { pulumi: ["PCIS:azure-database-deletion-protection-enabled"] },
  },
  check: (args, report, config) => {
    for (const r of args.resources.filter((x) => config.statefulTypes.includes(x.type))) {
      if (!r.opts.protect) {
        report(r, `'${r.name}' (${r.type}) is not protected: set the protect resource option.`);
      }
    }
  },
});
