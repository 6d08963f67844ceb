import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as random from "@pulumi/random";
import { type BaseConfig, type FirewallConfig, firewallConfig } from "../lib/config";
import {
  defaultCredentialProducers,
  type ProvenanceConfig,
  provenanceProblem,
  provenanceSchema,
} from "../lib/provenance";
import { type PropsOf, resourceRule, stackRule } from "../lib/rule";
import { known, ofType, settingName, sourcesOf, UNKNOWN } from "../lib/stack";
import { firewallRangeProblem, isOff, isOn, stringOf, tlsAtLeast } from "../lib/values";

type ServerProps = PropsOf<typeof dbforpostgresql.Server>;
type ConfigurationProps = PropsOf<typeof dbforpostgresql.Configuration>;
type FirewallRuleProps = PropsOf<typeof dbforpostgresql.FirewallRule>;

const learn = "https://learn.microsoft.com/azure/postgresql/flexible-server";

/** Production servers have no public endpoint: public network access disabled or VNet integration. */
export const postgresqlServerDisallowPublicNetworkAccess = resourceRule<ServerProps>({
  name: "postgresql-server-disallow-public-network-access",
  description:
    "PostgreSQL Flexible Server has network.publicNetworkAccess 'Disabled' or a delegated subnet; unset means public (the Azure default).",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.Server],
  meta: {
    checklist: ["network"],
    severity: "high",
    remediationSteps:
      "Create the server with network.delegatedSubnetResourceId and privateDnsZoneArmResourceId (VNet integration), or set network.publicNetworkAccess to 'Disabled' and add a private endpoint.",
    anchors: {
      checkov: ["CKV_AZURE_68", "CKV2_AZURE_57"],
      trivy: ["AVD-AZU-0022"],
      azurePolicy: ["PostgreSQL/FlexibleServers_EnablePrivateEndPoint_AINE"],
    },
    url: `${learn}/concepts-networking-private`,
  },
  check: (server, _args, report) => {
    const network = server.network;
    if (network?.delegatedSubnetResourceId) {
      return;
    }
    if (network?.publicNetworkAccess !== "Disabled") {
      report(
        "PostgreSQL server is reachable from the internet: set network.publicNetworkAccess to 'Disabled' (with a private endpoint) or create it with network.delegatedSubnetResourceId.",
      );
    }
  },
});

/** Firewall rules never open the whole internet (or any range wider than the configured size). */
export const postgresqlFirewallRuleDisallowOpenRange = resourceRule<FirewallRuleProps, FirewallConfig>({
  name: "postgresql-firewallrule-disallow-open-range",
  description:
    "PostgreSQL firewall rule opens at most `maxAddresses` addresses (default 256, a /24); 0.0.0.0-255.255.255.255 always fails.",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.FirewallRule],
  config: firewallConfig,
  meta: {
    checklist: ["network"],
    severity: "critical",
    remediationSteps:
      "Replace the rule with the exact egress addresses of the clients (CI runners, office) or use private access.",
    anchors: {
      checkov: ["CKV2_AZURE_26", "CKV_AZURE_11"],
      trivy: ["AVD-AZU-0029"],
    },
  },
  check: (rule, _args, report, config) => {
    const problem = firewallRangeProblem(rule.startIpAddress, rule.endIpAddress, config.maxAddresses);
    if (problem !== undefined) {
      report(problem);
    }
  },
});

/** The 0.0.0.0 rule ("allow all Azure services") lets any Azure tenant's resources reach the server. */
export const postgresqlFirewallRuleDisallowAzureServices = resourceRule<FirewallRuleProps>({
  name: "postgresql-firewallrule-disallow-azure-services",
  description:
    "PostgreSQL firewall rule is not the 0.0.0.0-0.0.0.0 'allow public access from any Azure service' rule.",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.FirewallRule],
  meta: {
    checklist: ["network"],
    severity: "medium",
    remediationSteps:
      "Remove the 0.0.0.0 rule; allow the Function App's outbound addresses or use VNet integration / private endpoints.",
    anchors: { checkov: ["CKV2_AZURE_6"], trivy: ["AVD-AZU-0029"] },
  },
  check: (rule, _args, report) => {
    // Addresses that are not strings cannot be the 0.0.0.0 rule; the range rule reports them as not IPv4.
    const start = stringOf(rule.startIpAddress)?.trim();
    if (start === "0.0.0.0" && stringOf(rule.endIpAddress)?.trim() === "0.0.0.0") {
      report(
        "Firewall rule 0.0.0.0 admits every Azure service of every tenant: remove it and allow only the app's outbound addresses (or use private access).",
      );
    }
  },
});

/** The parameter's name (lower case, "" when not a string) and value (undefined when unset or not a string). */
function configuration(props: ConfigurationProps): { name: string; value: string | undefined } {
  return { name: (stringOf(props.configurationName) ?? "").toLowerCase(), value: stringOf(props.value) };
}

/** `require_secure_transport` is never switched off (its Azure default is ON). */
export const postgresqlConfigurationEnforceSecureTransport = resourceRule<ConfigurationProps>({
  name: "postgresql-configuration-enforce-secure-transport",
  description:
    "PostgreSQL server parameter require_secure_transport is not set to OFF; an absent Configuration keeps the Azure default (ON).",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.Configuration],
  meta: {
    checklist: ["tls"],
    severity: "high",
    remediationSteps:
      "Set the require_secure_transport Configuration value to 'ON' (or remove the override).",
    anchors: {
      checkov: ["CKV_AZURE_29"],
      trivy: ["AVD-AZU-0020"],
      azurePolicy: ["PostgreSQL/FlexibleServers_EnableSSL_AINE"],
    },
    url: `${learn}/security-tls`,
  },
  check: (props, _args, report) => {
    const c = configuration(props);
    if (c.name === "require_secure_transport" && !isOn(c.value)) {
      report(
        `require_secure_transport is '${c.value ?? "(unset)"}': set it to 'ON' so clients must use TLS.`,
      );
    }
  },
});

/** `ssl_min_protocol_version` is TLSv1.2 or newer. */
export const postgresqlConfigurationConfigureMinTls = resourceRule<ConfigurationProps>({
  name: "postgresql-configuration-configure-min-tls",
  description: "PostgreSQL server parameter ssl_min_protocol_version is TLSv1.2 or TLSv1.3 when it is set.",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.Configuration],
  meta: {
    checklist: ["tls"],
    severity: "high",
    remediationSteps: "Set the ssl_min_protocol_version Configuration value to 'TLSv1.2' (or 'TLSv1.3').",
    anchors: {
      checkov: ["CKV_AZURE_147"],
      trivy: ["AVD-AZU-0026"],
      azurePolicy: ["PostgreSQL/FlexibleServers_MinTLS_AINE"],
    },
    url: `${learn}/security-tls`,
  },
  check: (props, _args, report) => {
    const c = configuration(props);
    if (c.name === "ssl_min_protocol_version" && !tlsAtLeast(c.value, 1.2)) {
      report(`ssl_min_protocol_version is '${c.value ?? "(unset)"}': set it to 'TLSv1.2' or 'TLSv1.3'.`);
    }
  },
});

interface LoggingConfig extends BaseConfig {
  /** Minimum `logfiles.retention_days`. */
  readonly minLogRetentionDays: number;
}

const loggingSwitches = [
  "log_connections",
  "log_disconnections",
  "log_checkpoints",
  "connection_throttle.enable",
];

/** Connection, checkpoint and throttling logs are not switched off; server log files are kept long enough. */
export const postgresqlConfigurationEnableLogging = resourceRule<ConfigurationProps, LoggingConfig>({
  name: "postgresql-configuration-enable-logging",
  description:
    "PostgreSQL parameters log_connections, log_disconnections, log_checkpoints and connection_throttle.enable are not OFF, and logfiles.retention_days is at least `minLogRetentionDays`.",
  enforcementLevel: "advisory",
  resources: [dbforpostgresql.Configuration],
  config: {
    schema: { minLogRetentionDays: { type: "integer", minimum: 1, maximum: 7, default: 3 } },
    defaults: { minLogRetentionDays: 3 },
  },
  meta: {
    checklist: ["monitoring"],
    severity: "medium",
    remediationSteps: "Set the parameter to 'ON' (retention: a number of days at or above the minimum).",
    anchors: {
      checkov: ["CKV_AZURE_30", "CKV_AZURE_31", "CKV_AZURE_32", "CKV_AZURE_146"],
      trivy: ["AVD-AZU-0019", "AVD-AZU-0021", "AVD-AZU-0024"],
      azurePolicy: [
        "FlexibleServers_EnableLogConnections",
        "FlexibleServers_LogDisconnections",
        "FlexibleServers_LogCheckpoint",
        "FlexibleServers_LogRetentionDays",
      ],
    },
  },
  check: (props, _args, report, config) => {
    const c = configuration(props);
    if (loggingSwitches.includes(c.name) && isOff(c.value)) {
      report(
        `${c.name} is '${c.value ?? ""}': set it to 'ON' so connections and checkpoints reach the logs.`,
      );
    }
    if (c.name === "logfiles.retention_days" && !(Number(c.value) >= config.minLogRetentionDays)) {
      report(
        `logfiles.retention_days is '${c.value ?? ""}': set it to at least ${config.minLogRetentionDays}.`,
      );
    }
  },
});

interface BackupConfig extends BaseConfig {
  /** Minimum backup retention in days. */
  readonly minDays: number;
}

/** Backup retention meets the stack's minimum; unset means Azure's default of 7 days. */
export const postgresqlServerConfigureBackupRetention = resourceRule<ServerProps, BackupConfig>({
  name: "postgresql-server-configure-backup-retention",
  description:
    "PostgreSQL server backup.backupRetentionDays is at least `minDays`; unset counts as Azure's default of 7 days.",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.Server],
  config: {
    schema: { minDays: { type: "integer", minimum: 7, maximum: 35, default: 7 } },
    defaults: { minDays: 7 },
  },
  meta: {
    checklist: ["backups"],
    severity: "high",
    remediationSteps: "Set backup.backupRetentionDays (7-35) to at least the stack's minimum.",
    anchors: {
      pulumi: [
        "PCP:vendor-aws/aws/rds/Instance/configureBackupRetention",
        "PCIS:azure-database-backup-enabled",
      ],
    },
    url: `${learn}/concepts-backup-restore`,
  },
  check: (server, _args, report, config) => {
    const days = server.backup?.backupRetentionDays ?? 7;
    if (days < config.minDays) {
      report(`Backups are kept ${days} days: set backup.backupRetentionDays to at least ${config.minDays}.`);
    }
  },
});

/** Backups are geo-redundant (only settable at creation); unset means Disabled. */
export const postgresqlServerEnableGeoRedundantBackup = resourceRule<ServerProps>({
  name: "postgresql-server-enable-geo-redundant-backup",
  description:
    "PostgreSQL server backup.geoRedundantBackup is 'Enabled'; unset means Disabled (the Azure default).",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.Server],
  meta: {
    profile: "platform",
    checklist: ["backups", "resilience"],
    severity: "medium",
    remediationSteps:
      "Set backup.geoRedundantBackup to 'Enabled'. It can only be chosen at creation: an existing server must be re-created (restore into a new server).",
    anchors: { checkov: ["CKV_AZURE_136"], azurePolicy: ["PostgreSQL/FlexibleServers_GeoRedundant_Audit"] },
    url: `${learn}/concepts-backup-restore`,
  },
  check: (server, _args, report) => {
    if (server.backup?.geoRedundantBackup !== "Enabled") {
      report(
        "Backups are not geo-redundant: set backup.geoRedundantBackup to 'Enabled' when creating the server.",
      );
    }
  },
});

interface HaConfig extends BaseConfig {
  /** Accept SameZone HA (regions without zones). */
  readonly allowSameZone: boolean;
}

/** Zone-redundant high availability (SameZone only when configured). */
export const postgresqlServerEnableHighAvailability = resourceRule<ServerProps, HaConfig>({
  name: "postgresql-server-enable-high-availability",
  description:
    "PostgreSQL server highAvailability.mode is 'ZoneRedundant' ('SameZone' too when `allowSameZone`); unset means Disabled.",
  enforcementLevel: "advisory",
  resources: [dbforpostgresql.Server],
  config: {
    schema: { allowSameZone: { type: "boolean", default: false } },
    defaults: { allowSameZone: false },
  },
  meta: {
    profile: "platform",
    checklist: ["resilience"],
    severity: "medium",
    remediationSteps:
      "Use a GeneralPurpose or MemoryOptimized SKU (HA is not available on Burstable) and set highAvailability.mode to 'ZoneRedundant'.",
    anchors: {
      azurePolicy: ["Resilience/DBForPostgreSql_flexibleServers_ZoneResilient_Audit"],
      pulumi: ["PBP:sql-database-high-availability"],
    },
    url: `${learn}/concepts-high-availability`,
  },
  check: (server, _args, report, config) => {
    const mode = server.highAvailability?.mode ?? "Disabled";
    const ok = mode === "ZoneRedundant" || (config.allowSameZone && mode === "SameZone");
    if (!ok) {
      report(`High availability is '${mode}': set highAvailability.mode to 'ZoneRedundant'.`);
    }
  },
});

interface EntraConfig extends BaseConfig {
  /** Also require password authentication to be disabled. */
  readonly requirePasswordAuthDisabled: boolean;
}

/** Microsoft Entra authentication is enabled (optionally password auth disabled). */
export const postgresqlServerEnableEntraAuth = resourceRule<ServerProps, EntraConfig>({
  name: "postgresql-server-enable-entra-auth",
  description:
    "PostgreSQL server authConfig.activeDirectoryAuth is 'Enabled' (and passwordAuth 'Disabled' when `requirePasswordAuthDisabled`); unset means Entra auth is off.",
  enforcementLevel: "advisory",
  resources: [dbforpostgresql.Server],
  config: {
    schema: { requirePasswordAuthDisabled: { type: "boolean", default: false } },
    defaults: { requirePasswordAuthDisabled: false },
  },
  meta: {
    checklist: ["identity"],
    severity: "medium",
    remediationSteps: "Set authConfig.activeDirectoryAuth to 'Enabled' and add an Entra administrator.",
    anchors: { checkov: ["CKV2_AZURE_7"], azurePolicy: ["FlexibleServers_ProvisionEntraAdmin_AINE"] },
  },
  check: (server, _args, report, config) => {
    if (server.authConfig?.activeDirectoryAuth !== "Enabled") {
      report("Entra ID authentication is off: set authConfig.activeDirectoryAuth to 'Enabled'.");
    }
    if (config.requirePasswordAuthDisabled && server.authConfig?.passwordAuth !== "Disabled") {
      report(
        "Password authentication is on: set authConfig.passwordAuth to 'Disabled' once apps use Entra tokens.",
      );
    }
  },
});

interface VersionConfig extends BaseConfig {
  /** Oldest accepted major version. */
  readonly minVersion: number;
}

/** The server runs a supported major version, set explicitly. */
export const postgresqlServerDisallowRetiredVersion = resourceRule<ServerProps, VersionConfig>({
  name: "postgresql-server-disallow-retired-version",
  description:
    "PostgreSQL server version is set and at least `minVersion` (default 16: 11-13 are in paid extended support, 14 ends standard support 2026-12-11).",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.Server],
  config: {
    schema: { minVersion: { type: "integer", minimum: 11, default: 16 } },
    defaults: { minVersion: 16 },
  },
  meta: {
    checklist: ["governance"],
    severity: "medium",
    remediationSteps:
      "Set version to '16' or '17' (a major upgrade of an existing server is an in-place operation).",
    url: `${learn}/concepts-version-policy`,
  },
  check: (server, _args, report, config) => {
    const version = Number(server.version);
    if (server.version === undefined || !(version >= config.minVersion)) {
      report(
        `PostgreSQL version is '${server.version ?? "(unset)"}': set version to ${config.minVersion} or newer explicitly.`,
      );
    }
  },
});

/** Patching happens in a chosen window, not whenever Azure picks. */
export const postgresqlServerConfigureMaintenanceWindow = resourceRule<ServerProps>({
  name: "postgresql-server-configure-maintenance-window",
  description:
    "PostgreSQL server maintenanceWindow.customWindow is 'Enabled'; unset means system-managed patching.",
  enforcementLevel: "advisory",
  resources: [dbforpostgresql.Server],
  meta: {
    profile: "platform",
    checklist: ["resilience"],
    severity: "low",
    remediationSteps:
      "Set maintenanceWindow {customWindow:'Enabled', dayOfWeek, startHour, startMinute} (e.g. Sunday 02:00 UTC).",
    url: `${learn}/concepts-maintenance`,
  },
  check: (server, _args, report) => {
    if (server.maintenanceWindow?.customWindow !== "Enabled") {
      report(
        "Maintenance runs whenever Azure chooses: set maintenanceWindow.customWindow to 'Enabled' with a day and hour.",
      );
    }
  },
});

/** The administrator password comes from a generator (random:RandomPassword), never a literal. */
export const postgresqlServerEnforcePasswordFromGenerator = stackRule<ProvenanceConfig>({
  name: "postgresql-server-enforce-password-from-generator",
  description:
    "PostgreSQL server administratorLoginPassword is derived (propertyDependencies) from a random:RandomPassword or another accepted producer; no password at all (Entra-only) passes.",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.Server, random.RandomPassword],
  config: {
    schema: provenanceSchema,
    defaults: { producers: defaultCredentialProducers, configSecretFor: [] },
  },
  meta: {
    checklist: ["secrets"],
    severity: "critical",
    remediationSteps:
      "Generate the password with random.RandomPassword and pass its result (it stays a Pulumi secret); never a string literal or plain config.",
    anchors: { checkov: ["CKV_AZURE_239", "CKV_AZURE_45"] },
  },
  check: (args, report, config) => {
    for (const server of ofType(args.resources, dbforpostgresql.Server)) {
      const problem = provenanceProblem(server, "administratorLoginPassword", config);
      if (problem) {
        report(
          server,
          `administratorLoginPassword of '${server.name}' ${problem}: derive it from a random.RandomPassword.`,
        );
      }
    }
  },
});

/** Each server has connection logging on, as an explicit Configuration child. */
export const postgresqlServerMissingConnectionLogging = stackRule({
  name: "postgresql-server-missing-connection-logging",
  description:
    "Each PostgreSQL server has a Configuration 'log_connections' = ON whose serverName derives from the server (stack check through propertyDependencies).",
  enforcementLevel: "mandatory",
  resources: [dbforpostgresql.Server, dbforpostgresql.Configuration],
  meta: {
    profile: "platform",
    checklist: ["monitoring"],
    severity: "medium",
    remediationSteps:
      "Add dbforpostgresql.Configuration {configurationName:'log_connections', value:'ON', source:'user-override', serverName: server.name}.",
    anchors: { checkov: ["CKV_AZURE_31"], azurePolicy: ["FlexibleServers_EnableLogConnections"] },
  },
  check: (args, report) => {
    const configs = ofType(args.resources, dbforpostgresql.Configuration);
    for (const server of ofType(args.resources, dbforpostgresql.Server)) {
      const found = configs.some((c) => {
        if (!sourcesOf(c, "serverName").some((s) => s.urn === server.urn)) {
          return false;
        }
        const name = settingName(c, "configurationName");
        const value = known(() => c.props["value"] as unknown);
        return name === UNKNOWN || value === UNKNOWN || (name === "log_connections" && isOn(value));
      });
      if (!found) {
        report(
          server,
          `Server '${server.name}' has no log_connections=ON Configuration: add one that references server.name.`,
        );
      }
    }
  },
});
