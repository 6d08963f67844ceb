/**
 * The azure-native stand-in's model of Azure Resource Manager for the types this program declares: ARM ids
 * built from the same path parameters the real provider puts in the request URL (a change to any of them, or
 * to `location`, replaces the resource, as in azure-native), the computed values the program reads, and the
 * refusals ARM answers that types cannot catch.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { dataComputed, dataRefusals, dataRoutes } from "./azure-data";
import { applyDatabase, applyServer } from "./azure-postgres";
import {
  guidFrom,
  reveal,
  type CreateContext,
  type Props,
  type StandInOptions,
  type TypeSpec,
} from "./standin";

/** The subscription, tenant and deploying identity `getClientConfig` reports. */
export const SUBSCRIPTION_ID = "5b1a6c2e-9d3f-4e8a-b7c1-2f0e4d6a8c90";
export const TENANT_ID = "c3d9e1f7-2a4b-4c6d-8e0f-1a2b3c4d5e6f";
export const DEPLOYER_OBJECT_ID = "0f8e7d6c-5b4a-4938-8271-6a5b4c3d2e1f";
const DEPLOYER_CLIENT_ID = "7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9";

/** [ARM provider namespace, path: pairs of collection and the input that names the item]. */
type Route = [string, [string, string][]];

const routes: Record<string, Route> = {
  "resources:ResourceGroup": ["", []],
  "keyvault:Vault": ["Microsoft.KeyVault", [["vaults", "vaultName"]]],
  "keyvault:Secret": [
    "Microsoft.KeyVault",
    [
      ["vaults", "vaultName"],
      ["secrets", "secretName"],
    ],
  ],
  "dbforpostgresql:Server": ["Microsoft.DBforPostgreSQL", [["flexibleServers", "serverName"]]],
  "dbforpostgresql:Configuration": [
    "Microsoft.DBforPostgreSQL",
    [
      ["flexibleServers", "serverName"],
      ["configurations", "configurationName"],
    ],
  ],
  "dbforpostgresql:Database": [
    "Microsoft.DBforPostgreSQL",
    [
      ["flexibleServers", "serverName"],
      ["databases", "databaseName"],
    ],
  ],
  "dbforpostgresql:FirewallRule": [
    "Microsoft.DBforPostgreSQL",
    [
      ["flexibleServers", "serverName"],
      ["firewallRules", "firewallRuleName"],
    ],
  ],
  "dbforpostgresql:Administrator": [
    "Microsoft.DBforPostgreSQL",
    [
      ["flexibleServers", "serverName"],
      ["administrators", "objectId"],
    ],
  ],
  "redisenterprise:RedisEnterprise": ["Microsoft.Cache", [["redisEnterprise", "clusterName"]]],
  "redisenterprise:Database": [
    "Microsoft.Cache",
    [
      ["redisEnterprise", "clusterName"],
      ["databases", "databaseName"],
    ],
  ],
  "redisenterprise:AccessPolicyAssignment": [
    "Microsoft.Cache",
    [
      ["redisEnterprise", "clusterName"],
      ["databases", "databaseName"],
      ["accessPolicyAssignments", "accessPolicyAssignmentName"],
    ],
  ],
  "web:AppServicePlan": ["Microsoft.Web", [["serverfarms", "name"]]],
  "web:WebApp": ["Microsoft.Web", [["sites", "name"]]],
  "web:WebAppSlot": [
    "Microsoft.Web",
    [
      ["sites", "name"],
      ["slots", "slot"],
    ],
  ],
  "web:WebAppFtpAllowed": ["Microsoft.Web", [["sites", "name"]]],
  "web:WebAppScmAllowed": ["Microsoft.Web", [["sites", "name"]]],
  "web:WebAppFtpAllowedSlot": [
    "Microsoft.Web",
    [
      ["sites", "name"],
      ["slots", "slot"],
    ],
  ],
  "web:WebAppScmAllowedSlot": [
    "Microsoft.Web",
    [
      ["sites", "name"],
      ["slots", "slot"],
    ],
  ],
  "web:StaticSite": ["Microsoft.Web", [["staticSites", "name"]]],
  // ARM: .../staticSites/{name}/customDomains/{domainName} (Learn, Static Sites - Create Or Update Static Site Custom Domain).
  "web:StaticSiteCustomDomain": [
    "Microsoft.Web",
    [
      ["staticSites", "name"],
      ["customDomains", "domainName"],
    ],
  ],
  "web:StaticSiteLinkedBackend": [
    "Microsoft.Web",
    [
      ["staticSites", "name"],
      ["linkedBackends", "linkedBackendName"],
    ],
  ],
  "storage:StorageAccount": ["Microsoft.Storage", [["storageAccounts", "accountName"]]],
  "storage:BlobContainer": [
    "Microsoft.Storage",
    [
      ["storageAccounts", "accountName"],
      ["blobServices/default/containers", "containerName"],
    ],
  ],
  "storage:BlobServiceProperties": [
    "Microsoft.Storage",
    [
      ["storageAccounts", "accountName"],
      ["blobServices", "blobServicesName"],
    ],
  ],
  "storage:FileShare": [
    "Microsoft.Storage",
    [
      ["storageAccounts", "accountName"],
      ["fileServices/default/shares", "shareName"],
    ],
  ],
  "operationalinsights:Workspace": ["Microsoft.OperationalInsights", [["workspaces", "workspaceName"]]],
  "applicationinsights:Component": ["Microsoft.Insights", [["components", "resourceName"]]],
  "applicationinsights:WebTest": ["Microsoft.Insights", [["webtests", "webTestName"]]],
  "appconfiguration:ConfigurationStore": [
    "Microsoft.AppConfiguration",
    [["configurationStores", "configStoreName"]],
  ],
  "appconfiguration:KeyValue": [
    "Microsoft.AppConfiguration",
    [
      ["configurationStores", "configStoreName"],
      ["keyValues", "keyValueName"],
    ],
  ],
  "managedidentity:UserAssignedIdentity": [
    "Microsoft.ManagedIdentity",
    [["userAssignedIdentities", "resourceName"]],
  ],
  "monitor:ActionGroup": ["Microsoft.Insights", [["actionGroups", "actionGroupName"]]],
  "monitor:MetricAlert": ["Microsoft.Insights", [["metricAlerts", "ruleName"]]],
  "monitor:ScheduledQueryRule": ["Microsoft.Insights", [["scheduledQueryRules", "ruleName"]]],
  "network:VirtualNetwork": ["Microsoft.Network", [["virtualNetworks", "virtualNetworkName"]]],
  "network:Subnet": [
    "Microsoft.Network",
    [
      ["virtualNetworks", "virtualNetworkName"],
      ["subnets", "subnetName"],
    ],
  ],
  "network:NetworkSecurityGroup": [
    "Microsoft.Network",
    [["networkSecurityGroups", "networkSecurityGroupName"]],
  ],
  "network:PrivateEndpoint": ["Microsoft.Network", [["privateEndpoints", "privateEndpointName"]]],
  "network:PrivateDnsZoneGroup": [
    "Microsoft.Network",
    [
      ["privateEndpoints", "privateEndpointName"],
      ["privateDnsZoneGroups", "privateDnsZoneGroupName"],
    ],
  ],
  "privatedns:PrivateZone": ["Microsoft.Network", [["privateDnsZones", "privateZoneName"]]],
  "privatedns:VirtualNetworkLink": [
    "Microsoft.Network",
    [
      ["privateDnsZones", "privateZoneName"],
      ["virtualNetworkLinks", "virtualNetworkLinkName"],
    ],
  ],
  ...dataRoutes,
};

/** Fixed suffixes ARM adds for singleton child resources. */
const singletonSuffix: Record<string, string> = {
  "web:WebAppFtpAllowed": "/basicPublishingCredentialsPolicies/ftp",
  "web:WebAppScmAllowed": "/basicPublishingCredentialsPolicies/scm",
  "web:WebAppFtpAllowedSlot": "/basicPublishingCredentialsPolicies/ftp",
  "web:WebAppScmAllowedSlot": "/basicPublishingCredentialsPolicies/scm",
};

const short = (type: string): string => type.split(":").slice(1).join(":");
const str = (v: unknown): string | undefined => {
  const plain = reveal(v);
  return typeof plain === "string" && plain !== "" ? plain : undefined;
};

function armId(ctx: CreateContext): string {
  const t = short(ctx.type);
  if (t === "authorization:RoleAssignment") {
    const scope = str(ctx.inputs.scope) ?? `/subscriptions/${SUBSCRIPTION_ID}`;
    const name = str(ctx.inputs.roleAssignmentName) ?? guidFrom(`ra:${ctx.urn}`);
    return `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
  }
  if (t === "monitor:DiagnosticSetting") {
    return `${str(ctx.inputs.resourceUri) ?? ""}/providers/Microsoft.Insights/diagnosticSettings/${str(ctx.inputs.name) ?? ctx.name}`;
  }
  const route = routes[t];
  if (route === undefined) throw new Error(`azure-native stand-in has no ARM route for ${ctx.type}`);
  const rg = str(ctx.inputs.resourceGroupName) ?? ctx.name;
  const base = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${rg}`;
  if (route[1].length === 0) return base;
  const segments = route[1].map(([collection, key], i) => {
    const value = str(ctx.inputs[key]) ?? (i === route[1].length - 1 ? ctx.name : "unnamed");
    return `${collection}/${value}`;
  });
  return `${base}/providers/${route[0]}/${segments.join("/")}${singletonSuffix[t] ?? ""}`;
}

/** Path parameters of a type: a change to one is a new ARM resource, so azure-native replaces. */
function pathParams(type: string): string[] {
  const t = short(type);
  if (t === "authorization:RoleAssignment") return ["scope", "roleAssignmentName"];
  if (t === "monitor:DiagnosticSetting") return ["resourceUri", "name"];
  return ["resourceGroupName", ...(routes[t]?.[1].map(([, key]) => key) ?? [])];
}

const lastSegment = (ctx: CreateContext): string => armId(ctx).split("/").pop() ?? ctx.name;
const location = (ctx: CreateContext): string => str(ctx.inputs.location) ?? "westeurope";

/** Keeps a generated value from the state before an update, else makes a new one. */
const kept = (ctx: CreateContext, key: string, make: () => unknown): unknown => ctx.prior?.[key] ?? make();

/**
 * Principals the stand-in created (managed identities) and their type, shared between provider processes of
 * one run through a file next to the call log, so a role assignment can be checked as ARM checks it.
 */
function principalsFile(): string | undefined {
  const log = process.env.STANDIN_LOG;
  return log === undefined || log === "" ? undefined : `${log}.principals`;
}

function recordPrincipal(id: string, type: string): void {
  const file = principalsFile();
  if (file !== undefined) appendFileSync(file, `${id} ${type}\n`);
}

function principalType(id: string): string | undefined {
  if (id === DEPLOYER_OBJECT_ID) return process.env.STANDIN_DEPLOYER_TYPE ?? "ServicePrincipal";
  const file = principalsFile();
  if (file === undefined || !existsSync(file)) return undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [pid, type] = line.split(" ");
    if (pid === id) return type;
  }
  return undefined;
}

function managedIdentity(ctx: CreateContext): Props | undefined {
  const identity = ctx.inputs.identity as Props | undefined;
  const type = str(identity?.type);
  if (identity === undefined || type === undefined) return undefined;
  const priorIdentity = ctx.prior?.identity as Props | undefined;
  const result: Props = { ...identity, tenantId: TENANT_ID };
  if (type.includes("SystemAssigned")) {
    const principalId =
      (priorIdentity?.principalId as string | undefined) ?? guidFrom(`sys:${ctx.urn}:${Date.now()}`);
    recordPrincipal(principalId, "ServicePrincipal");
    result.principalId = principalId;
  }
  return result;
}

const hex = (n: number): string => randomBytes(n).toString("hex");

/** Salt of derived access keys: one per workspace (the suite sets it), so keys are stable across runs of a stack. */
const salt = (): string => process.env.STANDIN_KEY_SALT ?? "standin";

/** An access key of `bytes` bytes, base64, stable for one owner within a run. */
function accessKey(owner: string, bytes: number): string {
  const out = Buffer.alloc(bytes);
  let block = 0;
  for (let off = 0; off < bytes; off += 32, block++) {
    createHash("sha256").update(`${salt()}:${owner}:${block}`).digest().copy(out, off);
  }
  return out.toString("base64");
}

const computed: Record<string, (ctx: CreateContext) => Props> = {
  "resources:ResourceGroup": () => ({ provisioningState: "Succeeded" }),
  "keyvault:Vault": (ctx) => ({
    properties: {
      ...(reveal(ctx.inputs.properties) as Props),
      vaultUri: `https://${lastSegment(ctx)}.vault.azure.net/`,
    },
  }),
  "keyvault:Secret": (ctx) => {
    const vault = str(ctx.inputs.vaultName) ?? "";
    const uri = `https://${vault}.vault.azure.net/secrets/${lastSegment(ctx)}`;
    const priorProps = reveal(ctx.prior?.properties) as Props | undefined;
    const version = (priorProps?.secretUriWithVersion as string | undefined)?.split("/").pop() ?? hex(16);
    return {
      properties: {
        ...(reveal(ctx.inputs.properties) as Props),
        secretUri: uri,
        secretUriWithVersion: `${uri}/${version}`,
      },
    };
  },
  "dbforpostgresql:Server": (ctx) => ({
    fullyQualifiedDomainName: `${lastSegment(ctx)}.postgres.database.azure.com`,
    state: "Ready",
  }),
  "redisenterprise:RedisEnterprise": (ctx) => ({
    hostName: `${lastSegment(ctx)}.${location(ctx)}.redis.azure.net`,
    provisioningState: "Succeeded",
  }),
  "redisenterprise:Database": (ctx) => ({ port: ctx.inputs.port ?? 10000 }),
  "web:WebApp": (ctx) => ({
    defaultHostName: `${lastSegment(ctx)}.azurewebsites.net`,
    identity: managedIdentity(ctx),
    state: "Running",
  }),
  "web:WebAppSlot": (ctx) => ({
    defaultHostName: `${str(ctx.inputs.name) ?? ""}-${lastSegment(ctx)}.azurewebsites.net`,
    identity: managedIdentity(ctx),
    state: "Running",
  }),
  "web:StaticSite": (ctx) => ({
    defaultHostname: kept(ctx, "defaultHostname", () => `${lastSegment(ctx)}-${hex(4)}.azurestaticapps.net`),
  }),
  "storage:StorageAccount": (ctx) => {
    const a = lastSegment(ctx);
    return {
      name: a,
      primaryEndpoints: {
        blob: `https://${a}.blob.core.windows.net/`,
        queue: `https://${a}.queue.core.windows.net/`,
        table: `https://${a}.table.core.windows.net/`,
        file: `https://${a}.file.core.windows.net/`,
      },
    };
  },
  "operationalinsights:Workspace": (ctx) => ({
    customerId: kept(ctx, "customerId", () => guidFrom(`ws:${ctx.urn}:${hex(4)}`)),
  }),
  "applicationinsights:Component": (ctx) => {
    const key = kept(ctx, "instrumentationKey", () => guidFrom(`ai:${ctx.urn}:${hex(4)}`)) as string;
    return {
      appId: kept(ctx, "appId", () => guidFrom(`app:${ctx.urn}:${hex(4)}`)),
      instrumentationKey: key,
      connectionString: `InstrumentationKey=${key};IngestionEndpoint=https://${location(ctx)}-5.in.applicationinsights.azure.com/`,
    };
  },
  "appconfiguration:ConfigurationStore": (ctx) => ({
    endpoint: `https://${lastSegment(ctx)}.azconfig.io`,
  }),
  "managedidentity:UserAssignedIdentity": (ctx) => {
    const principalId = kept(ctx, "principalId", () => guidFrom(`uai:${ctx.urn}:${hex(4)}`)) as string;
    recordPrincipal(principalId, "ServicePrincipal");
    return {
      principalId,
      clientId: kept(ctx, "clientId", () => guidFrom(`uaic:${ctx.urn}:${hex(4)}`)),
      tenantId: TENANT_ID,
    };
  },
  ...dataComputed,
};

/**
 * ARM refuses a role assignment whose `principalType` differs from the principal's real type
 * (`UnmatchedPrincipalType`); azure-native sends "User" when the program leaves it unset
 * (shared/azure-facts.md, Key Vault section; learn.microsoft.com role-assignments troubleshooting).
 */
function refuseRoleAssignment(inputs: Props): string | undefined {
  const principalId = str(inputs.principalId);
  if (principalId === undefined) return undefined;
  const actual = principalType(principalId);
  const sent = str(inputs.principalType) ?? "User";
  if (actual === undefined || actual === sent) return undefined;
  return (
    `Status=400 Code="UnmatchedPrincipalType" Message="The PrincipalId '${principalId}' has type '${actual}', ` +
    `which is different from specified PrincipalType '${sent}'."`
  );
}

/**
 * What ARM refuses in a blob service's properties (Learn REST reference, "Blob Services - Set Service Properties",
 * storage resource provider 2024-01-01: the only blob service is `default`; soft-delete `days` "minimum value can be 1
 * and maximum can be 365"; and "Set Blob Service Properties": "You can include up to five CorsRule elements").
 */
function refuseBlobService(inputs: Props): string | undefined {
  const name = str(inputs.blobServicesName) ?? "default";
  if (name !== "default") {
    return `Status=400 Code="InvalidResourceName" Message="The resource name '${name}' is invalid: a storage account has one blob service, 'default'."`;
  }
  for (const key of ["deleteRetentionPolicy", "containerDeleteRetentionPolicy"]) {
    const policy = reveal(inputs[key]) as { enabled?: boolean; days?: number } | undefined;
    if (policy?.enabled === true && (policy.days === undefined || policy.days < 1 || policy.days > 365)) {
      return `Status=400 Code="InvalidXmlDocument" Message="${key}.days must be from 1 to 365 when the policy is enabled."`;
    }
  }
  const rules = (reveal(inputs.cors) as { corsRules?: unknown[] } | undefined)?.corsRules ?? [];
  if (rules.length > 5) {
    return `Status=400 Code="InvalidXmlDocument" Message="At most five CORS rules are allowed; got ${rules.length}."`;
  }
  return undefined;
}

/** Refusals by type (what ARM answers to a request that types cannot catch). */
const refusals: Record<string, (inputs: Props) => string | undefined> = {
  ...dataRefusals,
  "authorization:RoleAssignment": refuseRoleAssignment,
  "storage:BlobServiceProperties": refuseBlobService,
};

/** Types whose creation changes what the suite's local PostgreSQL holds. */
const applies: Record<string, (ctx: CreateContext) => Promise<void>> = {
  "dbforpostgresql:Server": (ctx) => applyServer(ctx.inputs),
  "dbforpostgresql:Database": (ctx) => applyDatabase(ctx.inputs),
};

function typeSpecs(): Record<string, TypeSpec> {
  const specs: Record<string, TypeSpec> = {};
  const all = new Set([...Object.keys(routes), "authorization:RoleAssignment", "monitor:DiagnosticSetting"]);
  for (const t of all) {
    const [namespace, route] = routes[t] ?? ["", []];
    const armType = [namespace, ...route.map(([collection]) => collection)].filter((x) => x !== "").join("/");
    specs[`azure-native:${t}`] = {
      // Every ARM resource returns its name, type and API version besides what the type computes (where an
      // input is itself called `name`, as the site of a WebAppFtpAllowed, the stand-in keeps the input).
      computed: (ctx) => ({
        ...(ctx.inputs.name === undefined ? { name: lastSegment(ctx) } : {}),
        type: armType,
        azureApiVersion: "2024-01-01",
        ...(computed[t]?.(ctx) ?? {}),
      }),
      id: armId,
      refuse: refusals[t],
      apply: applies[t],
    };
  }
  return specs;
}

export function azureNativeOptions(sdkDir: string, version: string): StandInOptions {
  return {
    name: "azure-native",
    version,
    sdkDir,
    dtsPath: (type) => {
      const [, module, resource] = type.split(":") as [string, string, string];
      return `${module}/${resource.charAt(0).toLowerCase()}${resource.slice(1)}.d.ts`;
    },
    types: typeSpecs(),
    replaceOn: (type, key) => key === "location" || pathParams(type).includes(key),
    defaultId: armId,
    invokes: {
      "azure-native:authorization:getClientConfig": () => ({
        clientId: DEPLOYER_CLIENT_ID,
        objectId: DEPLOYER_OBJECT_ID,
        subscriptionId: SUBSCRIPTION_ID,
        tenantId: TENANT_ID,
      }),
      // Keys stay the same until rotated, so each is derived from what it belongs to.
      "azure-native:redisenterprise:listDatabaseKeys": (args) => ({
        primaryKey: accessKey(`redis:${String(args.clusterName)}:primary`, 32),
        secondaryKey: accessKey(`redis:${String(args.clusterName)}:secondary`, 32),
      }),
      "azure-native:storage:listStorageAccountKeys": (args) => ({
        keys: ["key1", "key2"].map((keyName) => ({
          keyName,
          permissions: "FULL",
          value: accessKey(`storage:${String(args.accountName)}:${keyName}`, 64),
        })),
      }),
    },
  };
}
