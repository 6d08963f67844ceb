// Rules for databases Azure programs commonly declare beyond this platform's PostgreSQL: Azure SQL and MySQL firewall
// rules, Cosmos DB network exposure and key authentication.
import * as cosmosdb from "@pulumi/azure-native/cosmosdb";
import * as dbformysql from "@pulumi/azure-native/dbformysql";
import * as sql from "@pulumi/azure-native/sql";
import { type FirewallConfig, firewallConfig } from "../lib/config";
import { type PropsOf, resourceRule } from "../lib/rule";
import { firewallRangeProblem } from "../lib/values";

type CosmosProps = PropsOf<typeof cosmosdb.DatabaseAccount>;
type FirewallProps = { readonly startIpAddress?: unknown; readonly endIpAddress?: unknown };

const firewallRemediation =
  "Replace the rule with the exact egress addresses of the clients (CI runners, office) or use a private endpoint.";

/** Azure SQL firewall rules never open the internet (or any range wider than the configured size). */
export const sqlFirewallRuleDisallowOpenRange = resourceRule<FirewallProps, FirewallConfig>({
  name: "sql-firewallrule-disallow-open-range",
  description:
    "Azure SQL server firewall rule opens at most `maxAddresses` addresses (default 256, a /24); 0.0.0.0-255.255.255.255 always fails.",
  enforcementLevel: "mandatory",
  resources: [sql.FirewallRule],
  config: firewallConfig,
  meta: {
    checklist: ["network"],
    severity: "critical",
    remediationSteps: firewallRemediation,
    anchors: {
      checkov: ["CKV_AZURE_11"],
      trivy: ["AVD-AZU-0029"],
      azurePolicy: ["SqlServer_PublicNetworkAccess_Audit"],
    },
    url: "https://learn.microsoft.com/azure/azure-sql/database/firewall-configure",
  },
  check: (rule, _args, report, config) => {
    const problem = firewallRangeProblem(rule.startIpAddress, rule.endIpAddress, config.maxAddresses);
    if (problem !== undefined) {
      report(problem);
    }
  },
});

/** MySQL Flexible Server firewall rules never open the internet (or any range wider than the configured size). */
export const mysqlFirewallRuleDisallowOpenRange = resourceRule<FirewallProps, FirewallConfig>({
  name: "mysql-firewallrule-disallow-open-range",
  description:
    "MySQL Flexible Server firewall rule opens at most `maxAddresses` addresses (default 256, a /24); 0.0.0.0-255.255.255.255 always fails.",
  enforcementLevel: "mandatory",
  resources: [dbformysql.FirewallRule],
  config: firewallConfig,
  meta: {
    checklist: ["network"],
    severity: "critical",
    remediationSteps: firewallRemediation,
    anchors: {
      trivy: ["AVD-AZU-0029"],
      azurePolicy: ["MySQL_FlexibleServers_DisablePublicNetworkAccess_Audit"],
    },
    url: "https://learn.microsoft.com/azure/mysql/flexible-server/concepts-networking-public",
  },
  check: (rule, _args, report, config) => {
    const problem = firewallRangeProblem(rule.startIpAddress, rule.endIpAddress, config.maxAddresses);
    if (problem !== undefined) {
      report(problem);
    }
  },
});

/** Cosmos DB accounts are not reachable from the internet (unset means Enabled). */
export const cosmosdbDatabaseAccountDisablePublicNetworkAccess = resourceRule<CosmosProps>({
  name: "cosmosdb-databaseaccount-disable-public-network-access",
  description:
    "Cosmos DB account publicNetworkAccess is 'Disabled' (unset means 'Enabled'); reach it through a private endpoint.",
  enforcementLevel: "mandatory",
  resources: [cosmosdb.DatabaseAccount],
  meta: {
    checklist: ["network"],
    severity: "high",
    remediationSteps: "Set publicNetworkAccess: 'Disabled' and add a private endpoint for the account.",
    anchors: { checkov: ["CKV_AZURE_101"], azurePolicy: ["Cosmos_PrivateNetworkAccess_AuditDeny"] },
    url: "https://learn.microsoft.com/azure/cosmos-db/how-to-configure-private-endpoints",
  },
  check: (account, _args, report) => {
    if (account.publicNetworkAccess !== "Disabled") {
      report(
        `Cosmos DB account is reachable from the internet (publicNetworkAccess '${String(account.publicNetworkAccess ?? "unset: Enabled")}'): set it to 'Disabled'.`,
      );
    }
  },
});

/** Cosmos DB accounts accept Entra ID only, not the account keys (unset means keys work). */
export const cosmosdbDatabaseAccountDisableLocalAuth = resourceRule<CosmosProps>({
  name: "cosmosdb-databaseaccount-disable-local-auth",
  description:
    "Cosmos DB account disableLocalAuth is true, so only Entra ID identities get in (unset means the primary keys work).",
  enforcementLevel: "mandatory",
  resources: [cosmosdb.DatabaseAccount],
  meta: {
    checklist: ["identity", "secrets"],
    severity: "high",
    remediationSteps:
      "Set disableLocalAuth: true and grant the workloads' managed identities Cosmos DB data-plane roles.",
    anchors: { checkov: ["CKV_AZURE_140"], azurePolicy: ["Cosmos_DisableLocalAuth_AuditDeny"] },
    url: "https://learn.microsoft.com/azure/cosmos-db/how-to-setup-rbac",
  },
  check: (account, _args, report) => {
    if (account.disableLocalAuth !== true) {
      report("Cosmos DB account keys can be used to sign in: set disableLocalAuth to true.");
    }
  },
});
