/**
 * The azure-native stand-in's model of the optional data services: Azure Cosmos DB for MongoDB vCore
 * (`mongocluster`, REST 2024-07-01) and Azure Web PubSub (`webpubsub`, REST 2024-03-01): their ARM routes, what they
 * compute, and what ARM refuses that types cannot catch.
 */
import { isSecret, reveal, type CreateContext, type Props } from "./standin";

/** [ARM provider namespace, path: pairs of collection and the input that names the item]. */
type Route = [string, [string, string][]];

/** ARM routes (REST paths of MongoClusters_CreateOrUpdate, FirewallRules_CreateOrUpdate, WebPubSub_CreateOrUpdate, WebPubSubHubs_CreateOrUpdate). */
export const dataRoutes: Record<string, Route> = {
  "mongocluster:MongoCluster": ["Microsoft.DocumentDB", [["mongoClusters", "mongoClusterName"]]],
  "mongocluster:FirewallRule": [
    "Microsoft.DocumentDB",
    [
      ["mongoClusters", "mongoClusterName"],
      ["firewallRules", "firewallRuleName"],
    ],
  ],
  "webpubsub:WebPubSub": ["Microsoft.SignalRService", [["webPubSub", "resourceName"]]],
  "webpubsub:WebPubSubHub": [
    "Microsoft.SignalRService",
    [
      ["webPubSub", "resourceName"],
      ["hubs", "hubName"],
    ],
  ],
};

/** Every secret inside `v` unwrapped (the SDK sends nested secrets, e.g. an administrator password, wrapped). */
function revealAll(v: unknown): unknown {
  const plain = reveal(v);
  if (Array.isArray(plain)) return plain.map(revealAll);
  if (typeof plain === "object" && plain !== null && !isSecret(plain)) {
    return Object.fromEntries(Object.entries(plain).map(([k, x]) => [k, revealAll(x)]));
  }
  return plain;
}

const name = (ctx: CreateContext, key: string): string => {
  const v = reveal(ctx.inputs[key]);
  return typeof v === "string" && v !== "" ? v : ctx.name;
};

/**
 * What the services compute. A cluster reports `properties.connectionString` with placeholders for the credentials
 * and its host `<name>.global.mongocluster.cosmos.azure.com` (REST 2024-07-01 MongoClusters_Get example). ARM never
 * returns the administrator password; the stand-in keeps the input's, because its diff compares new inputs with old
 * outputs (azure-native compares old inputs) and would otherwise show a perpetual update. A Web PubSub service reports `hostName` `<name>.webpubsub.azure.com` and
 * ports 443 (WebPubSub_Get example).
 */
export const dataComputed: Record<string, (ctx: CreateContext) => Props> = {
  "mongocluster:MongoCluster": (ctx) => {
    const props = (revealAll(ctx.inputs.properties) ?? {}) as Props;
    const cluster = name(ctx, "mongoClusterName");
    return {
      properties: {
        ...props,
        clusterStatus: "Ready",
        provisioningState: "Succeeded",
        connectionString: `mongodb+srv://<user>:<password>@${cluster}.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256&retrywrites=false&maxIdleTimeMS=120000`,
      },
    };
  },
  "webpubsub:WebPubSub": (ctx) => ({
    hostName: `${name(ctx, "resourceName")}.webpubsub.azure.com`,
    publicPort: 443,
    serverPort: 443,
    provisioningState: "Succeeded",
  }),
};

const MONGO_BURSTABLE = ["M10", "M20", "M25"];
const MONGO_TIERS = [...MONGO_BURSTABLE, "M30", "M40", "M50", "M60", "M80", "M200"];
const MONGO_DISKS = [32, 64, 128, 256, 512, 1024, 2048, 4095, 8192, 16384, 32767];

/**
 * ARM's refusals of a cluster (the stand-in's wording, ARM's code): a tier or disk size the service does not offer
 * (Learn, "Compute and storage configurations": M10-M200; 32 GiB-32 TiB), and high availability on a burstable tier
 * (Learn, "High availability": burstable tiers M10, M20 and M25 have no HA standby).
 */
function refuseMongoCluster(inputs: Props): string | undefined {
  const p = (revealAll(inputs.properties) ?? {}) as Props;
  const tier = (p.compute as Props | undefined)?.tier as string | undefined;
  const size = (p.storage as Props | undefined)?.sizeGb as number | undefined;
  const ha = ((p.highAvailability as Props | undefined)?.targetMode as string | undefined) ?? "Disabled";
  if (tier !== undefined && !MONGO_TIERS.includes(tier)) {
    return `Status=400 Code="BadRequest" Message="Compute tier '${tier}' is not supported."`;
  }
  if (size !== undefined && !MONGO_DISKS.includes(size)) {
    return `Status=400 Code="BadRequest" Message="Storage size ${size} GiB is not supported."`;
  }
  if (tier !== undefined && MONGO_BURSTABLE.includes(tier) && ha !== "Disabled") {
    return `Status=400 Code="BadRequest" Message="High availability is not supported on burstable tier '${tier}'."`;
  }
  return undefined;
}

/** Capacities per SKU (SDK ResourceSkuArgs doc, REST 2024-03-01): anything else is refused. */
const WPS_CAPACITY: Record<string, number[]> = {
  Free_F1: [1],
  Standard_S1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  Premium_P1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  Premium_P2: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000],
};

function refuseWebPubSub(inputs: Props): string | undefined {
  const sku = (revealAll(inputs.sku) ?? {}) as Props;
  const skuName = String(sku.name);
  const allowed = WPS_CAPACITY[skuName];
  if (allowed === undefined) {
    return `Status=400 Code="InvalidSku" Message="SKU '${skuName}' is not supported."`;
  }
  const capacity = (sku.capacity as number | undefined) ?? allowed[0];
  if (!allowed.includes(capacity)) {
    return `Status=400 Code="InvalidCapacity" Message="Capacity ${capacity} is not allowed for SKU '${skuName}'."`;
  }
  return undefined;
}

/** Refusals by type. */
export const dataRefusals: Record<string, (inputs: Props) => string | undefined> = {
  "mongocluster:MongoCluster": refuseMongoCluster,
  "webpubsub:WebPubSub": refuseWebPubSub,
};
