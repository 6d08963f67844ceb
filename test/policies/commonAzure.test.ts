// Tests of the rules for resources Azure programs commonly declare beyond this platform's types: one happy fixture
// per resource, one mutation per case, the unset case decided.
import * as app from "@pulumi/azure-native/app";
import * as compute from "@pulumi/azure-native/compute";
import * as containerinstance from "@pulumi/azure-native/containerinstance";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as cosmosdb from "@pulumi/azure-native/cosmosdb";
import * as dbformysql from "@pulumi/azure-native/dbformysql";
import * as network from "@pulumi/azure-native/network";
import * as sql from "@pulumi/azure-native/sql";
import * as web from "@pulumi/azure-native/web";
import { describe, expect, it } from "vitest";
import * as cp from "../../policies/rules/compute";
import * as cr from "../../policies/rules/credentials";
import * as db from "../../policies/rules/databases";
import { check, StackFixture, stackViolations, violationsOf, withProp } from "./helpers";

describe("database firewall rules (Azure SQL, MySQL)", () => {
  const cases = [
    [db.sqlFirewallRuleDisallowOpenRange.name, db.sqlFirewallRuleDisallowOpenRange, sql.FirewallRule],
    [
      db.mysqlFirewallRuleDisallowOpenRange.name,
      db.mysqlFirewallRuleDisallowOpenRange,
      dbformysql.FirewallRule,
    ],
  ] as const;
  it.each(cases)("%s passes a single office address", async (_name, rule, cls) =>
    expect(
      await violationsOf(rule, cls, { startIpAddress: "203.0.113.7", endIpAddress: "203.0.113.7" }),
    ).toEqual([]),
  );
  it.each(cases)("%s fails the whole internet with the size and the fix", async (_name, rule, cls) =>
    expect(
      await violationsOf(rule, cls, { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" }),
    ).toEqual([
      "Firewall rule 0.0.0.0-255.255.255.255 opens 4294967296 addresses (limit 256): narrow it to the clients' egress addresses.",
    ]),
  );
  it.each(cases)("%s fails an unset address as not IPv4", async (_name, rule, cls) =>
    expect(await violationsOf(rule, cls, { endIpAddress: "203.0.113.7" })).toEqual([
      "Firewall rule addresses 'undefined'-'203.0.113.7' are not IPv4 addresses: use dotted IPv4 addresses.",
    ]),
  );
  it("honours maxAddresses from the policy config", async () =>
    expect(
      await violationsOf(
        db.sqlFirewallRuleDisallowOpenRange,
        sql.FirewallRule,
        { startIpAddress: "203.0.113.0", endIpAddress: "203.0.113.255" },
        { config: { maxAddresses: 16 } },
      ),
    ).toHaveLength(1));
});

describe("Cosmos DB accounts", () => {
  const good = { publicNetworkAccess: "Disabled", disableLocalAuth: true };
  it("pass when private and keyless", async () => {
    expect(
      await violationsOf(
        db.cosmosdbDatabaseAccountDisablePublicNetworkAccess,
        cosmosdb.DatabaseAccount,
        good,
      ),
    ).toEqual([]);
    expect(
      await violationsOf(db.cosmosdbDatabaseAccountDisableLocalAuth, cosmosdb.DatabaseAccount, good),
    ).toEqual([]);
  });
  it("fail public access when unset (Azure's default is Enabled)", async () =>
    expect(
      await violationsOf(db.cosmosdbDatabaseAccountDisablePublicNetworkAccess, cosmosdb.DatabaseAccount, {}),
    ).toEqual([
      "Cosmos DB account is reachable from the internet (publicNetworkAccess 'unset: Enabled'): set it to 'Disabled'.",
    ]));
  it("fail key authentication when disableLocalAuth is false", async () =>
    expect(
      await violationsOf(
        db.cosmosdbDatabaseAccountDisableLocalAuth,
        cosmosdb.DatabaseAccount,
        withProp(good, "disableLocalAuth", false),
      ),
    ).toEqual(["Cosmos DB account keys can be used to sign in: set disableLocalAuth to true."]));
});

describe("virtual machines", () => {
  const rule = cp.computeVirtualMachineDisablePasswordLogin;
  const linux = {
    osProfile: {
      adminUsername: "ops",
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: { publicKeys: [{ path: "/k", keyData: "ssh-ed25519 A" }] },
      },
    },
  };
  it("passes a Linux VM with SSH keys only", async () =>
    expect(await violationsOf(rule, compute.VirtualMachine, linux)).toEqual([]));
  it("fails a Linux VM with password sign-in", async () =>
    expect(
      await violationsOf(rule, compute.VirtualMachine, {
        osProfile: { adminUsername: "ops", adminPassword: "Hunter2!Hunter2!" },
        storageProfile: { osDisk: { osType: "Linux" } },
      }),
    ).toEqual([
      "Linux VM accepts password sign-in: set osProfile.linuxConfiguration.disablePasswordAuthentication to true and use SSH keys.",
    ]));
  it("is not applicable to a Windows VM", async () =>
    expect(
      (
        await check(rule, compute.VirtualMachine, {
          osProfile: { adminPassword: "x", windowsConfiguration: {} },
        })
      ).notApplicable,
    ).toBe("not a Linux VM with an OS profile"));
});

describe("network interfaces with public IPs", () => {
  const rule = cp.networkNetworkInterfaceDisallowPublicIpWithoutNsg;
  const nic = {
    ipConfigurations: [{ name: "ip", publicIPAddress: { id: "/pip" }, subnet: { id: "/subnet" } }],
  };
  const stack = (subnetProps: Record<string, unknown>, nicProps = nic) =>
    new StackFixture()
      .add(network.Subnet, "subnet", subnetProps)
      .add(network.NetworkInterface, "vm-nic", nicProps, { from: { ipConfigurations: ["subnet"] } });
  it("pass when the subnet has a network security group", async () =>
    expect(await stackViolations(rule, stack({ networkSecurityGroup: { id: "/nsg" } }))).toEqual([]));
  it("pass when the interface has its own network security group", async () =>
    expect(
      await stackViolations(rule, stack({}, { ...nic, networkSecurityGroup: { id: "/nsg" } } as typeof nic)),
    ).toEqual([]));
  it("fail with neither, naming the interface", async () =>
    expect(await stackViolations(rule, stack({}))).toEqual([
      "vm-nic: vm-nic: public IP without a network security group on the interface or its subnet: attach an NSG or drop the public IP.",
    ]));
  it("ignore interfaces without a public IP", async () =>
    expect(
      await stackViolations(
        rule,
        stack({}, { ipConfigurations: [{ name: "ip", subnet: { id: "/subnet" } }] } as typeof nic),
      ),
    ).toEqual([]));
});

describe("containers", () => {
  it("a registry with the admin user fails, unset passes", async () => {
    const rule = cp.containerregistryRegistryDisableAdminUser;
    expect(await violationsOf(rule, containerregistry.Registry, { sku: { name: "Basic" } })).toEqual([]);
    expect(await violationsOf(rule, containerregistry.Registry, { adminUserEnabled: true })).toEqual([
      "The registry's shared admin user is on: set adminUserEnabled to false and use RBAC.",
    ]);
  });
  it("a Container App that accepts HTTP fails, HTTPS-only passes", async () => {
    const rule = cp.appContainerAppDisallowInsecureIngress;
    const ingress = { configuration: { ingress: { external: true, targetPort: 8080 } } };
    expect(await violationsOf(rule, app.ContainerApp, ingress)).toEqual([]);
    expect(
      await violationsOf(
        rule,
        app.ContainerApp,
        withProp(ingress, "configuration.ingress.allowInsecure", true),
      ),
    ).toEqual([
      "Container App ingress accepts plain HTTP: set configuration.ingress.allowInsecure to false.",
    ]);
  });
  it("a public container group on port 80 fails, private or 443-only passes", async () => {
    const rule = cp.containerinstanceContainerGroupDisallowPublicPlaintextPorts;
    const group = (type: string, ports: number[]) => ({
      ipAddress: { type, ports: ports.map((port) => ({ port })) },
    });
    expect(await violationsOf(rule, containerinstance.ContainerGroup, group("Private", [80]))).toEqual([]);
    expect(await violationsOf(rule, containerinstance.ContainerGroup, group("Public", [443]))).toEqual([]);
    expect(
      await violationsOf(rule, containerinstance.ContainerGroup, group("Public", [80, 443, 8080])),
    ).toEqual([
      "Public container group exposes port(s) 80, 8080 without TLS termination: move it into a virtual network behind a TLS-terminating gateway.",
    ]);
  });
});

describe("literal credentials in app settings and connection strings", () => {
  const rule = cr.webWebAppDisallowLiteralCredentials;
  const key = `${"A".repeat(86)}==`;
  it("passes Key Vault references, identity-based settings and credential-free URLs", async () =>
    expect(
      await violationsOf(rule, web.WebApp, {
        siteConfig: {
          appSettings: [
            { name: "STORAGE", value: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s)" },
            { name: "AzureWebJobsStorage__accountName", value: "shop" },
            { name: "API_URL", value: "https://api.example.com/v1" },
          ],
        },
      }),
    ).toEqual([]));
  it("fails an account key in an app setting whatever its name", async () =>
    expect(
      await violationsOf(rule, web.WebApp, {
        siteConfig: {
          appSettings: [
            {
              name: "BLOBS",
              value: `DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=${key};EndpointSuffix=core.windows.net`,
            },
          ],
        },
      }),
    ).toEqual([
      "Setting 'BLOBS' holds a literal AccountKey: use an identity-based connection or a Key Vault reference.",
    ]));
  it("fails a password in a siteConfig connection string and in a URL", async () =>
    expect(
      await violationsOf(rule, web.WebAppSlot, {
        siteConfig: {
          connectionStrings: [
            { name: "Db", connectionString: "Server=tcp:db;User ID=app;Password=Hunter2;", type: "SQLAzure" },
          ],
          appSettings: [{ name: "QUEUE", value: "amqps://app:Hunter2@bus.example.com" }],
        },
      }),
    ).toEqual([
      "Setting 'QUEUE' holds a literal URL password: use an identity-based connection or a Key Vault reference.",
      "Setting 'Db' holds a literal Password: use an identity-based connection or a Key Vault reference.",
    ]));
  it("checks WebAppApplicationSettings and WebAppConnectionStrings resources too", async () => {
    expect(
      await violationsOf(rule, web.WebAppApplicationSettings, {
        properties: { BUS: "Endpoint=sb://x/;SharedAccessKey=abc" },
      }),
    ).toEqual([
      "Setting 'BUS' holds a literal SharedAccessKey: use an identity-based connection or a Key Vault reference.",
    ]);
    expect(
      await violationsOf(rule, web.WebAppConnectionStrings, {
        properties: { Db: { value: "Host=db;Username=app;Pwd=Hunter2", type: "PostgreSQL" } },
      }),
    ).toEqual([
      "Setting 'Db' holds a literal Pwd: use an identity-based connection or a Key Vault reference.",
    ]);
  });
});
