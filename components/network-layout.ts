import { ipToNumber } from "../config/schema";

/** The subnets the private network carves from its address space. */
export type SubnetRole = "privateEndpoints" | "postgres" | "apiIntegration" | "deployer";

/** One subnet of the layout. */
export interface SubnetPlan {
  /** Role of the subnet; also the key in the component's `subnetIds`. */
  readonly role: SubnetRole;
  /** CAF abbreviation passed to `Naming.plain`, e.g. `snet-pe`. */
  readonly abbr: string;
  /** Address prefix in CIDR form. */
  readonly cidr: string;
  /** Service the subnet is delegated to, if any (a subnet takes one delegation). */
  readonly delegation?: string;
}

/**
 * Layout inside the VNet address space (a /22 or larger; the first 1,024 addresses are used):
 * - `privateEndpoints` = block 0, a /24: private endpoints of Key Vault, Redis, storage, App Configuration, sites;
 * - `postgres` = block 1, a /24 delegated to `Microsoft.DBforPostgreSQL/flexibleServers` (PostgreSQL only, at least /28);
 * - `apiIntegration` = block 2, a /24 delegated to `Microsoft.Web/serverFarms` (Elastic Premium VNet integration);
 * - `deployer` = the first /27 of block 3, no delegation: the self-hosted runner that runs `pulumi up` inside the VNet.
 * The rest of the address space stays free for growth.
 */
const LAYOUT: readonly (Omit<SubnetPlan, "cidr"> & { readonly offset: number; readonly prefix: number })[] = [
  { role: "privateEndpoints", abbr: "snet-pe", offset: 0, prefix: 24 },
  {
    role: "postgres",
    abbr: "snet-psql",
    offset: 256,
    prefix: 24,
    delegation: "Microsoft.DBforPostgreSQL/flexibleServers",
  },
  {
    role: "apiIntegration",
    abbr: "snet-func",
    offset: 512,
    prefix: 24,
    delegation: "Microsoft.Web/serverFarms",
  },
  { role: "deployer", abbr: "snet-deploy", offset: 768, prefix: 27 },
];

/** Largest address-space prefix the layout fits in (1,024 addresses). */
export const MAX_ADDRESS_SPACE_PREFIX = 22;

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Why `addressSpace` cannot hold the layout, or undefined when it can. */
export function addressSpaceProblem(addressSpace: string): string | undefined {
  const [ip, bits] = addressSpace.split("/");
  const prefix = Number(bits);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip ?? "") || !Number.isInteger(prefix) || prefix < 8 || prefix > 32) {
    return `'${addressSpace}' is not an IPv4 CIDR such as 10.40.0.0/16`;
  }
  if (prefix > MAX_ADDRESS_SPACE_PREFIX) {
    return `'${addressSpace}' is too small: the subnet layout needs a /${MAX_ADDRESS_SPACE_PREFIX} or larger (e.g. 10.40.0.0/16)`;
  }
  const size = 2 ** (32 - prefix);
  const base = ipToNumber(ip);
  if (base % size !== 0) {
    return `'${addressSpace}' has host bits set; use the network address ${numberToIp(base - (base % size))}/${prefix}`;
  }
  return undefined;
}

/** The subnets carved from a valid address space (check {@link addressSpaceProblem} first). */
export function subnetLayout(addressSpace: string): SubnetPlan[] {
  const base = ipToNumber(addressSpace.split("/")[0]);
  return LAYOUT.map(({ offset, prefix, ...plan }) => ({
    ...plan,
    cidr: `${numberToIp(base + offset)}/${prefix}`,
  }));
}

/** Private DNS zones the private network links, keyed as in the component's `dnsZoneIds`. */
export type DnsZoneKey =
  "keyVault" | "redis" | "blob" | "queue" | "table" | "file" | "appConfig" | "sites" | "postgres";

/** Private DNS zones the network links only when the stack has the service (`documentDb`, `realtime`). */
export type OptionalDnsZoneKey = "mongoCluster" | "webPubSub";

/**
 * Zones of the optional services and their private endpoints' group ids (Learn, "Azure Private Endpoint private DNS
 * zone values": Azure Cosmos DB for MongoDB vCore `Microsoft.DocumentDB/mongoClusters`, subresource `MongoCluster`,
 * zone `privatelink.mongocluster.cosmos.azure.com`; Azure Web PubSub `Microsoft.SignalRService/WebPubSub`, subresource
 * `webpubsub`, zone `privatelink.webpubsub.azure.com`).
 */
export const OPTIONAL_PRIVATE_LINK_ZONES: Readonly<
  Record<OptionalDnsZoneKey, { readonly zone: string; readonly groupId: string }>
> = {
  mongoCluster: { zone: "privatelink.mongocluster.cosmos.azure.com", groupId: "MongoCluster" },
  webPubSub: { zone: "privatelink.webpubsub.azure.com", groupId: "webpubsub" },
};

/**
 * Private Link zone names (azure-facts, "Private DNS zone names and PE group IDs"). Azure Managed Redis uses
 * `privatelink.redis.azure.net`, not the retired Enterprise or classic zones. PostgreSQL is not listed: VNet-integrated
 * servers need a zone of the stack's own ending in `.postgres.database.azure.com` (see {@link postgresZoneName}).
 */
export const PRIVATE_LINK_ZONES: Readonly<Record<Exclude<DnsZoneKey, "postgres">, string>> = {
  keyVault: "privatelink.vaultcore.azure.net",
  redis: "privatelink.redis.azure.net",
  blob: "privatelink.blob.core.windows.net",
  queue: "privatelink.queue.core.windows.net",
  table: "privatelink.table.core.windows.net",
  file: "privatelink.file.core.windows.net",
  appConfig: "privatelink.azconfig.io",
  sites: "privatelink.azurewebsites.net",
};

/**
 * The PostgreSQL zone for VNet-integrated (delegated) servers, e.g. `psql-shop-prd.private.postgres.database.azure.com`:
 * it ends in `.postgres.database.azure.com` as Azure requires, and the part before it contains a dot, so it can never
 * equal a server name.
 */
export function postgresZoneName(stackPrefix: string): string {
  return `${stackPrefix}.private.postgres.database.azure.com`;
}

/** `keyVault` → `key-vault`, for logical resource names. */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
