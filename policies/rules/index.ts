import type { ResourceRule, StackRule } from "../lib/rule";
import * as appConfiguration from "./appConfiguration";
import * as compute from "./compute";
import * as credentials from "./credentials";
import * as databases from "./databases";
import * as dataServices from "./dataServices";
import * as azurePostgresql from "./azurePostgresql";
import * as crossCutting from "./crossCutting";
import * as keyVault from "./keyVault";
import * as monitoring from "./monitoring";
import * as network from "./network";
import * as postgresqlDatabase from "./postgresqlDatabase";
import * as redis from "./redis";
import * as staticSite from "./staticSite";
import * as storage from "./storage";
import * as vercel from "./vercel";
import * as web from "./web";

/** A rule of the pack: a resource or stack validation policy with its type tokens. */
export type Rule = ResourceRule | StackRule;

/** Rule modules by area, in documentation order. */
export const ruleModules = {
  "PostgreSQL Flexible Server (azure-native dbforpostgresql)": azurePostgresql,
  "In-database objects (@pulumi/postgresql)": postgresqlDatabase,
  "Azure Managed Redis (azure-native redisenterprise)": redis,
  "Function App / App Service (azure-native web)": web,
  "Static Web Apps (azure-native web StaticSite)": staticSite,
  "Key Vault": keyVault,
  Storage: storage,
  "Monitoring (Application Insights, Log Analytics, alerts, diagnostics)": monitoring,
  "App Configuration": appConfiguration,
  Networking: network,
  "Databases beyond PostgreSQL (Azure SQL, MySQL, Cosmos DB)": databases,
  "Document database and WebSocket endpoint (azure-native mongocluster, webpubsub)": dataServices,
  "Compute and containers (VMs, network interfaces, registries, Container Apps, Container Instances)":
    compute,
  "Literal credentials in app settings and connection strings": credentials,
  "Vercel (@pulumiverse/vercel)": vercel,
  "Cross-cutting (random, API versions, tags, protect)": crossCutting,
} as const;

/** Every rule of the pack (each module's exports are its rules). */
export const rules: readonly Rule[] = Object.values(ruleModules).flatMap((m) =>
  (Object.values(m) as Rule[]).sort((a, b) => a.name.localeCompare(b.name)),
);
