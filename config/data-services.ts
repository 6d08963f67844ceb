/**
 * Config of the optional data services: `documentDb` (Azure Cosmos DB for MongoDB vCore) and `realtime` (Azure Web
 * PubSub, the WebSocket endpoint behind NEXT_PUBLIC_WS_URL), and the rules that tie them to the rest of the stack.
 */
import { z } from "zod";
import { MONGO_BURSTABLE_TIERS, MONGO_STORAGE_GB, MONGO_TIERS, WEB_PUBSUB_CAPACITY } from "./azure";
import { int, oneOf } from "./rules";

/** Azure Cosmos DB for MongoDB vCore (`mongocluster.MongoCluster`): the document database. */
export const documentDbSchema = z.strictObject({
  /** Cluster tier: M10, M20, M25 (burstable, no high availability) or M30 and up. */
  tier: oneOf(MONGO_TIERS),
  /** Disk per shard in GiB (32 ... 32767); can only grow. Default 32. */
  storageGb: z
    .union(MONGO_STORAGE_GB.map((n) => z.literal(n)) as unknown as [z.ZodLiteral<32>], {
      error: `must be one of: ${MONGO_STORAGE_GB.join(", ")}`,
    })
    .default(32),
  /** High availability: Disabled, SameZone or ZoneRedundantPreferred (a standby per shard; M30 and up; required in production). */
  highAvailability: oneOf(["Disabled", "SameZone", "ZoneRedundantPreferred"]),
  /** MongoDB server version. Default 7.0. */
  serverVersion: oneOf(["5.0", "6.0", "7.0", "8.0"]).default("7.0"),
  /** Native (SCRAM) administrator login; its generated password lives only in Key Vault. Default dbadmin. */
  administratorLogin: z
    .string()
    .regex(/^[a-z][a-z0-9_]{2,62}$/, "must be 3-63 lowercase letters, digits or '_', starting with a letter")
    .refine(
      (n) => !["admin", "root", "administrator"].includes(n),
      "must not be a reserved name (admin, root, administrator)",
    )
    .default("dbadmin"),
});

/** Azure Web PubSub (`webpubsub.WebPubSub`): the WebSocket endpoint of the real-time features. */
export const realtimeSchema = z.strictObject({
  /** SKU: Free_F1 (no SLA, no private endpoint; never production), Standard_S1, Premium_P1 or Premium_P2. */
  sku: oneOf(["Free_F1", "Standard_S1", "Premium_P1", "Premium_P2"]),
  /** Units (1,000 concurrent connections each on Standard/Premium): see WEB_PUBSUB_CAPACITY per SKU. Default 1. */
  capacity: int(1, 1000).default(1),
  /** Hub the clients join (`wss://<host>/client/hubs/<hub>`): a letter, then letters, digits or '_'. Default app. */
  hubName: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9_]{0,127}$/,
      "must start with a letter and use letters, digits or '_' (max 128)",
    )
    .default("app"),
});

/** The parts of the stack config the data-service rules read. */
export interface DataServiceRuleInput {
  readonly environment: { readonly name: string };
  readonly network: { readonly mode: "public" | "private" };
  readonly vercel: { readonly wsUrl?: string };
  readonly documentDb?: z.output<typeof documentDbSchema>;
  readonly realtime?: z.output<typeof realtimeSchema>;
}

type Issue = (path: (string | number)[], message: string) => void;

/** Cross-field rules of `documentDb` and `realtime`; components rely on them and repeat none. */
export function dataServiceRules(c: DataServiceRuleInput, issue: Issue): void {
  const production = c.environment.name === "production";
  const db = c.documentDb;
  if (db !== undefined && db.highAvailability !== "Disabled" && MONGO_BURSTABLE_TIERS.includes(db.tier)) {
    issue(
      ["documentDb", "highAvailability"],
      `is not available on the burstable tier ${db.tier}; use M30 or larger, or Disabled`,
    );
  }
  if (db !== undefined && production && db.highAvailability === "Disabled") {
    issue(
      ["documentDb", "highAvailability"],
      "must be SameZone or ZoneRedundantPreferred in production (a standby per shard; needs M30 or larger)",
    );
  }
  const rt = c.realtime;
  if (rt === undefined) return;
  const allowed = WEB_PUBSUB_CAPACITY[rt.sku];
  if (!allowed.includes(rt.capacity)) {
    issue(
      ["realtime", "capacity"],
      `${rt.capacity} is not a ${rt.sku} capacity; allowed: ${allowed.join(", ")}`,
    );
  }
  if (rt.sku === "Free_F1" && production) {
    issue(
      ["realtime", "sku"],
      "Free_F1 has no SLA and 20 connections; production needs Standard_S1 or Premium",
    );
  }
  if (rt.sku === "Free_F1" && c.network.mode === "private") {
    issue(
      ["realtime", "sku"],
      "Free_F1 has no private endpoints; private network mode needs Standard_S1 or Premium",
    );
  }
  if (c.vercel.wsUrl !== undefined) {
    issue(
      ["vercel", "wsUrl"],
      "must be absent when realtime is set: NEXT_PUBLIC_WS_URL then comes from the stack's Web PubSub hub; remove one of them",
    );
  }
}
