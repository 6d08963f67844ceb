import type { ResourceRecord } from "../offline/record";
import type { SynthesisResult } from "../offline/runtime/harness";

/** Site settings a reviewer checks on a Function App and its slots. */
const SITE_CONFIG_FIELDS = [
  "siteConfig.minTlsVersion",
  "siteConfig.scmMinTlsVersion",
  "siteConfig.ftpsState",
  "siteConfig.remoteDebuggingEnabled",
  "siteConfig.http20Enabled",
  "siteConfig.healthCheckPath",
  "siteConfig.cors",
  "siteConfig.scmIpSecurityRestrictionsDefaultAction",
  "siteConfig.vnetRouteAllEnabled",
];

/** Per type, the input paths that matter for security or cost; the plan prints these. */
export const SECURITY_FIELDS: Record<string, string[]> = {
  "azure-native:keyvault:Vault": [
    "properties.enableRbacAuthorization",
    "properties.enableSoftDelete",
    "properties.softDeleteRetentionInDays",
    "properties.enablePurgeProtection",
    "properties.publicNetworkAccess",
    "properties.networkAcls.defaultAction",
  ],
  "azure-native:keyvault:Secret": ["secretName", "properties.contentType", "properties.attributes.expires"],
  "azure-native:dbforpostgresql:Server": [
    "version",
    "sku.name",
    "sku.tier",
    "storage.storageSizeGB",
    "backup.backupRetentionDays",
    "backup.geoRedundantBackup",
    "highAvailability.mode",
    "network.publicNetworkAccess",
    "network.delegatedSubnetResourceId",
    "maintenanceWindow",
  ],
  "azure-native:dbforpostgresql:Configuration": ["configurationName", "value"],
  "azure-native:dbforpostgresql:FirewallRule": ["startIpAddress", "endIpAddress"],
  "azure-native:redisenterprise:RedisEnterprise": [
    "sku.name",
    "minimumTlsVersion",
    "highAvailability",
    "publicNetworkAccess",
  ],
  "azure-native:redisenterprise:Database": [
    "clientProtocol",
    "port",
    "accessKeysAuthentication",
    "evictionPolicy",
    "persistence",
    "clusteringPolicy",
  ],
  "azure-native:storage:StorageAccount": [
    "sku.name",
    "enableHttpsTrafficOnly",
    "minimumTlsVersion",
    "allowBlobPublicAccess",
    "allowSharedKeyAccess",
    "networkRuleSet.defaultAction",
  ],
  "azure-native:web:AppServicePlan": ["sku.name", "sku.tier", "kind"],
  "azure-native:web:WebApp": [
    "kind",
    "httpsOnly",
    "identity.type",
    ...SITE_CONFIG_FIELDS,
    "siteConfig.experiments.rampUpRules",
    "virtualNetworkSubnetId",
  ],
  "azure-native:web:WebAppSlot": ["slot", "httpsOnly", "identity.type", ...SITE_CONFIG_FIELDS],
  "azure-native:web:WebAppFtpAllowed": ["allow"],
  "azure-native:web:WebAppScmAllowed": ["allow"],
  "azure-native:web:StaticSite": ["sku.name", "stagingEnvironmentPolicy", "location"],
  "azure-native:appconfiguration:ConfigurationStore": [
    "sku.name",
    "disableLocalAuth",
    "enablePurgeProtection",
    "publicNetworkAccess",
  ],
  "azure-native:appconfiguration:KeyValue": ["keyValueName", "contentType", "value"],
  "azure-native:operationalinsights:Workspace": ["retentionInDays"],
  "azure-native:applicationinsights:Component": ["disableLocalAuth", "workspaceResourceId"],
  "azure-native:applicationinsights:WebTest": ["request.requestUrl", "frequency"],
  "azure-native:monitor:MetricAlert": ["severity", "criteria"],
  "azure-native:monitor:ScheduledQueryRule": ["severity", "criteria"],
  "azure-native:network:PrivateEndpoint": ["privateLinkServiceConnections"],
  "azure-native:network:VirtualNetwork": ["addressSpace.addressPrefixes"],
  "azure-native:network:Subnet": ["addressPrefix", "delegations", "privateEndpointNetworkPolicies"],
  "azure-native:privatedns:PrivateZone": ["privateZoneName"],
  "azure-native:privatedns:VirtualNetworkLink": ["registrationEnabled"],
  "azure-native:monitor:ActionGroup": ["enabled", "groupShortName", "emailReceivers"],
  "azure-native:redisenterprise:AccessPolicyAssignment": ["accessPolicyName"],
  "azure-native:storage:BlobContainer": ["publicAccess"],
  "azure-native:web:StaticSiteLinkedBackend": ["region"],
  "azure-native:dbforpostgresql:Database": ["charset", "collation"],
  "vercel:index/projectDomain:ProjectDomain": ["domain"],
  "azure-native:authorization:RoleAssignment": ["roleDefinitionId", "principalType"],
  "random:index/randomPassword:RandomPassword": ["length", "special"],
  "postgresql:index/role:Role": [
    "name",
    "login",
    "superuser",
    "createRole",
    "createDatabase",
    "connectionLimit",
  ],
  "postgresql:index/grant:Grant": ["role", "objectType", "privileges"],
  "postgresql:index/defaultPrivileges:DefaultPrivileges": ["role", "objectType", "privileges"],
  "pulumi:providers:postgresql": ["host", "sslmode"],
  "vercel:index/project:Project": [
    "framework",
    "gitForkProtection",
    "vercelAuthentication",
    "skewProtection",
  ],
  "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": ["key", "targets", "sensitive"],
  "vercel:index/projectRollingRelease:ProjectRollingRelease": ["advancementType", "stages"],
  "vercel:index/firewallConfig:FirewallConfig": ["rules"],
};

/** How the plan shows a value that is unknown until the cloud creates it. */
export const COMPUTED = "(computed)";
/** How the plan shows a secret. */
export const SECRET = "[secret]";

/** The value at a dotted path; an unknown value on the way makes the whole field unknown. */
function get(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const part of path.split(".")) {
    if (isUnknown(v)) return v;
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function isUnknown(v: unknown): boolean {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>).__pulumiUnknown === true;
}

function redact(value: unknown): unknown {
  if (isUnknown(value)) return COMPUTED;
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}

/** One resource as the plan shows it. */
export interface PlanEntry {
  /** Type token. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Parent's logical name. */
  readonly parent?: string;
  /** protect option. */
  readonly protect: boolean;
  /** Security-relevant settings (secrets shown as [secret], unknowns as (computed)). */
  readonly settings: Record<string, unknown>;
}

/** The plan of a stack: resources, counts by type, and stack output names. */
export interface Plan {
  /** Stack name. */
  readonly stack: string;
  /** Resources in registration order. */
  readonly resources: PlanEntry[];
  /** Count by type. */
  readonly counts: Record<string, number>;
  /** Total number of resources (components included). */
  readonly total: number;
}

/** Builds the plan view of a synthesis. Never includes a secret value. */
export function toPlan(stack: string, result: SynthesisResult): Plan {
  const resources = result.resources
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r: ResourceRecord): PlanEntry => {
      const settings: Record<string, unknown> = {};
      for (const field of SECURITY_FIELDS[r.type] ?? []) {
        // The SDK marks a whole top-level input secret when any value inside it is; the fields listed above are
        // settings, never secret values, so only a field that is itself a secret path is redacted.
        const secret = r.secretPaths.includes(field);
        const value = get(r.inputs, field);
        if (value === undefined) continue;
        settings[field] = secret ? SECRET : redact(value);
      }
      return {
        type: r.type,
        name: r.name,
        parent: r.parent?.split("::").pop(),
        protect: r.protect,
        settings,
      };
    });
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return {
    stack,
    resources,
    counts: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))),
    total: resources.length,
  };
}

/** Renders the plan as an indented tree for a terminal. */
export function renderPlan(plan: Plan): string {
  const children = new Map<string | undefined, PlanEntry[]>();
  const names = new Set(plan.resources.map((r) => r.name));
  for (const r of plan.resources) {
    const key = r.parent !== undefined && names.has(r.parent) ? r.parent : undefined;
    children.set(key, [...(children.get(key) ?? []), r]);
  }
  const lines: string[] = [`Stack ${plan.stack}: ${plan.total} resources`, ""];
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const pad = "  ".repeat(depth);
      lines.push(`${pad}${r.name}  (${r.type})${r.protect ? "  [protected]" : ""}`);
      for (const [k, v] of Object.entries(r.settings)) {
        lines.push(`${pad}    ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
      }
      walk(r.name, depth + 1);
    }
  };
  walk(undefined, 0);
  lines.push("", "Resources by type:");
  const width = Math.max(...Object.keys(plan.counts).map((t) => t.length));
  for (const [type, n] of Object.entries(plan.counts)) lines.push(`  ${type.padEnd(width)}  ${n}`);
  return lines.join("\n");
}
