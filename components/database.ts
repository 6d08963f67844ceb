import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseConfig, NetworkConfig } from "../config/schema";
import { databasePassword, DatabaseObjects } from "./databaseObjects";
import type { Naming } from "./naming";
import type { IpRange } from "./secrets";
import { keyVaultSecretName, type VaultRef, vaultSecret } from "./shared";

/** Administrator login: not a name Azure reserves (admin, administrator, root, guest, public, postgres, azure_*, pg_*). */
export const ADMIN_LOGIN = "platform_admin";

/** Content type of the stored connection URLs (a single URI is a valid uri-list). */
export const URL_CONTENT_TYPE = "text/uri-list";

/** Content type of the stored administrator password. */
export const PASSWORD_CONTENT_TYPE = "text/plain";

/** Network placement of the server. */
export interface DatabaseNetworkArgs {
  /** `public`: public endpoint with firewall rules; `private`: VNet-integrated (delegated subnet + private DNS). */
  readonly mode: NetworkConfig["mode"];
  /** Client ranges admitted by the firewall (public mode). */
  readonly allowedIpRanges: readonly IpRange[];
  /** Deployer (CI runner) ranges admitted by the firewall, so in-database objects can be written (public mode). */
  readonly deployerIpRanges: readonly IpRange[];
  /** Add the 0.0.0.0 "allow Azure services" rule (public mode only). */
  readonly allowAzureServices: boolean;
  /** Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers; required in private mode. */
  readonly delegatedSubnetId?: pulumi.Input<string>;
  /** Private DNS zone ending in .postgres.database.azure.com, linked to the VNet; required in private mode. */
  readonly privateDnsZoneId?: pulumi.Input<string>;
}

/** Arguments of {@link Database}. */
export interface DatabaseArgs {
  /** Physical names of the stack. */
  readonly naming: Naming;
  /** Resource group of the server. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: string;
  /** The stack's `database` config section. */
  readonly config: DatabaseConfig;
  /** Where the admin password and connection URLs are stored. */
  readonly vault: VaultRef;
  /** Date the generated passwords were last rotated (`secrets.rotatedOn`); changing it regenerates them. */
  readonly rotatedOn: string;
  /** Entra tenant of `config.entraAdministrator`; required when that is set. */
  readonly tenantId?: pulumi.Input<string>;
  /** Network placement. */
  readonly network: DatabaseNetworkArgs;
  /** Protect the server and the database from deletion. */
  readonly protect: boolean;
}

/** Server parameters in the order they are written (one at a time: parallel writes fail with ServerIsBusy). */
export function serverParameters(config: DatabaseConfig): [string, string][] {
  const params: [string, string][] = [
    ["require_secure_transport", "on"],
    ["ssl_min_protocol_version", "TLSv1.2"],
  ];
  if (config.extensions.length > 0) {
    // Azure lists allowed values upper-case (UUID-OSSP) and returns them so; sending the same avoids refresh diffs.
    params.push(["azure.extensions", config.extensions.map((e) => e.toUpperCase()).join(",")]);
  }
  params.push(
    ["log_connections", "on"],
    ["log_disconnections", "on"],
    ["log_checkpoints", "on"],
    ["connection_throttle.enable", "on"],
  );
  if (config.pgbouncer.enabled) {
    params.push(
      ["pgbouncer.enabled", "true"],
      ["pgbouncer.default_pool_size", String(config.pgbouncer.defaultPoolSize)],
      ["pgbouncer.min_pool_size", String(config.pgbouncer.minPoolSize)],
      ["pgbouncer.max_client_conn", String(config.pgbouncer.maxClientConnections)],
    );
  }
  return params;
}

/**
 * PostgreSQL Flexible Server with TLS-only parameters, connection logging, the extension allow-list and optional
 * PgBouncer, the application database, and (when `config.manageObjects`) the migrator/app/readonly roles inside it.
 * The admin password and the three connection URLs go to Key Vault; only their versionless URIs leave the component.
 * Authentication is password-based (the roles need it); Entra ID stays off until an Entra administrator is added.
 */
export class Database extends pulumi.ComponentResource {
  /** Server name. */
  public readonly serverName: pulumi.Output<string>;
  /** Server resource id. */
  public readonly serverId: pulumi.Output<string>;
  /** Server host name. */
  public readonly fqdn: pulumi.Output<string>;
  /** Application database name. */
  public readonly databaseName: pulumi.Output<string>;
  /** Port the application connects to: 6432 with PgBouncer, else 5432. */
  public readonly port: number;
  /** Administrator login. */
  public readonly adminLogin: string;
  /** Versionless Key Vault secret URIs of the connection URLs and the admin password. */
  public readonly secretUris: {
    readonly DATABASE_URL: pulumi.Output<string>;
    readonly DATABASE_READONLY_URL: pulumi.Output<string>;
    readonly DATABASE_MIGRATOR_URL: pulumi.Output<string>;
    readonly DATABASE_ADMIN_PASSWORD: pulumi.Output<string>;
  };

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webapp-platform:database:Database", name, {}, opts);
    const { config, network } = args;
    const isPrivate = network.mode === "private";
    const ranges = [...network.allowedIpRanges, ...network.deployerIpRanges];

    if (isPrivate && (!network.delegatedSubnetId || !network.privateDnsZoneId)) {
      throw new pulumi.ResourceError(
        "network.delegatedSubnetId and network.privateDnsZoneId are required in private mode: pass the Network component's PostgreSQL subnet and private DNS zone",
        this,
      );
    }
    if (isPrivate && network.allowAzureServices) {
      throw new pulumi.ResourceError(
        "network.allowAzureServices has no effect in private mode (no firewall): set it to false",
        this,
      );
    }
    const duplicate = ranges.find((r, i) => ranges.findIndex((o) => o.name === r.name) !== i);
    if (duplicate) {
      throw new pulumi.ResourceError(
        `network ranges use the name '${duplicate.name}' twice: give each allowed and deployer range its own name`,
        this,
      );
    }
    if (config.tier === "Burstable" && (config.pgbouncer.enabled || config.highAvailability !== "Disabled")) {
      throw new pulumi.ResourceError(
        "config.tier Burstable supports neither PgBouncer nor high availability: use GeneralPurpose or turn them off",
        this,
      );
    }

    const entra = config.entraAdministrator;
    if (entra && args.tenantId === undefined) {
      throw new pulumi.ResourceError(
        "tenantId is required when config.entraAdministrator is set: pass the tenant of the Entra principal",
        this,
      );
    }

    const adminPassword = databasePassword(`${name}-admin-password`, args.rotatedOn, this);
    const server = new dbforpostgresql.Server(
      `${name}-server`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        serverName: args.naming.postgres(),
        version: config.version,
        sku: { name: `Standard_${config.skuName}`, tier: config.tier },
        storage: { storageSizeGB: config.storageGb, autoGrow: "Enabled", type: "Premium_LRS" },
        backup: {
          backupRetentionDays: config.backupRetentionDays,
          geoRedundantBackup: config.geoRedundantBackup ? "Enabled" : "Disabled",
        },
        highAvailability: { mode: config.highAvailability },
        maintenanceWindow: { customWindow: "Enabled", ...config.maintenanceWindow },
        network: isPrivate
          ? {
              delegatedSubnetResourceId: network.delegatedSubnetId,
              privateDnsZoneArmResourceId: network.privateDnsZoneId,
              publicNetworkAccess: "Disabled",
            }
          : { publicNetworkAccess: "Enabled" },
        authConfig: entra
          ? { passwordAuth: "Enabled", activeDirectoryAuth: "Enabled", tenantId: args.tenantId }
          : { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
        administratorLogin: ADMIN_LOGIN,
        administratorLoginPassword: adminPassword.result,
        // Default creates the server when it is missing and updates it otherwise; Create would fail on later updates.
        createMode: "Default",
      },
      { parent: this, protect: args.protect },
    );

    // Every write to the server's children waits for the previous one (ServerIsBusy otherwise).
    let previous: pulumi.Resource = server;
    const serial = <T extends pulumi.Resource>(make: (opts: pulumi.CustomResourceOptions) => T): T => {
      const resource = make({ parent: this, dependsOn: [previous] });
      previous = resource;
      return resource;
    };
    const serverRef = { resourceGroupName: args.resourceGroupName, serverName: server.name };

    const firewall = isPrivate
      ? []
      : [
          ...ranges.map((r) => ({ name: r.name, start: r.startIp, end: r.endIp })),
          ...(network.allowAzureServices
            ? [{ name: "allow-azure-services", start: "0.0.0.0", end: "0.0.0.0" }]
            : []),
        ];
    for (const rule of firewall) {
      serial(
        (o) =>
          new dbforpostgresql.FirewallRule(
            `${name}-fw-${rule.name}`,
            { ...serverRef, firewallRuleName: rule.name, startIpAddress: rule.start, endIpAddress: rule.end },
            o,
          ),
      );
    }

    let extensionsAllowList: pulumi.Resource | undefined;
    for (const [parameter, value] of serverParameters(config)) {
      const configuration = serial(
        (o) =>
          new dbforpostgresql.Configuration(
            `${name}-param-${parameter.replace(/[._]/g, "-")}`,
            { ...serverRef, configurationName: parameter, value, source: "user-override" },
            o,
          ),
      );
      if (parameter === "azure.extensions") extensionsAllowList = configuration;
    }

    const database = serial(
      (o) =>
        new dbforpostgresql.Database(
          `${name}-db`,
          { ...serverRef, databaseName: config.databaseName, charset: "UTF8", collation: "en_US.utf8" },
          pulumi.mergeOptions(o, { protect: args.protect }),
        ),
    );

    if (entra) {
      serial(
        (o) =>
          new dbforpostgresql.AdministratorsMicrosoftEntra(
            `${name}-entra-admin`,
            { ...serverRef, ...entra, tenantId: args.tenantId },
            o,
          ),
      );
    }

    const passwords = {
      migrator: databasePassword(`${name}-migrator-password`, args.rotatedOn, this).result,
      app: databasePassword(`${name}-app-password`, args.rotatedOn, this).result,
      readonly: databasePassword(`${name}-readonly-password`, args.rotatedOn, this).result,
    };
    if (config.manageObjects) {
      new DatabaseObjects(
        `${name}-objects`,
        {
          host: server.fullyQualifiedDomainName,
          adminLogin: ADMIN_LOGIN,
          adminPassword: adminPassword.result,
          databaseName: database.name,
          version: config.version,
          extensions: config.extensions,
          passwords,
          appConnectionLimit: config.appConnectionLimit,
          readonlyConnectionLimit: config.readonlyConnectionLimit,
          extensionsAllowList,
          serverReady: [database],
        },
        { parent: this },
      );
    } else {
      void pulumi.log.warn(
        "database.manageObjects is false: extensions, roles and grants are not created; create roles migrator, app " +
          "and readonly from inside the network with the passwords this program stores in Key Vault",
        this,
      );
    }

    const appPort = config.pgbouncer.enabled ? 6432 : 5432;
    const url = (role: keyof typeof passwords, port: number) =>
      pulumi.interpolate`postgresql://${role}:${passwords[role]}@${server.fullyQualifiedDomainName}:${port}/${database.name}?sslmode=require`;
    const store = (envName: string, value: pulumi.Input<string>, contentType: string) => {
      const secretName = keyVaultSecretName(envName);
      return vaultSecret(`${name}-${secretName}`, args.vault, secretName, value, contentType, this).properties
        .secretUri;
    };

    this.serverName = server.name;
    this.serverId = server.id;
    this.fqdn = server.fullyQualifiedDomainName;
    this.databaseName = database.name;
    this.port = appPort;
    this.adminLogin = ADMIN_LOGIN;
    this.secretUris = {
      DATABASE_URL: store("DATABASE_URL", url("app", appPort), URL_CONTENT_TYPE),
      DATABASE_READONLY_URL: store("DATABASE_READONLY_URL", url("readonly", appPort), URL_CONTENT_TYPE),
      // Migrations bypass PgBouncer: transaction pooling breaks session-level DDL and advisory locks.
      DATABASE_MIGRATOR_URL: store("DATABASE_MIGRATOR_URL", url("migrator", 5432), URL_CONTENT_TYPE),
      DATABASE_ADMIN_PASSWORD: store("DATABASE_ADMIN_PASSWORD", adminPassword.result, PASSWORD_CONTENT_TYPE),
    };
    this.registerOutputs({
      serverName: this.serverName,
      serverId: this.serverId,
      fqdn: this.fqdn,
      databaseName: this.databaseName,
      port: this.port,
      adminLogin: this.adminLogin,
      secretUris: this.secretUris,
    });
  }
}
