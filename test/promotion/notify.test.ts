import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookNotifier } from "../../promotion/notify";
import { PromotionController } from "../../promotion/controller";
import { faultAtStage, scenario } from "./helpers";

/** Three local webhooks: one that answers 200, one that answers 500, one that never answers. */
const received = { ok: [] as { kind: string; text: string }[], failing: 0, hanging: 0 };
const held: ServerResponse[] = [];
let server: ReturnType<typeof createServer>;
let base = "";

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/ok") {
        received.ok.push(
          JSON.parse(Buffer.concat(chunks).toString("utf8")) as { kind: string; text: string },
        );
        res.writeHead(200).end();
      } else if (req.url === "/failing") {
        received.failing += 1;
        res.writeHead(500).end();
      } else {
        received.hanging += 1;
        held.push(res);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  server.unref();
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

describe("notifications", () => {
  it("go out before, on rollback and after; a hanging or failing webhook never holds the rollback up", async () => {
    const errors: string[] = [];
    const notifier = new WebhookNotifier({
      urls: [`${base}/ok`, `${base}/failing`, `${base}/hanging`],
      attempts: 2,
      retryDelayMs: 1,
      attemptTimeoutMs: 2000,
      onError: (line) => errors.push(line),
    });
    const s = scenario();
    faultAtStage(s, "health", 50, 30_000);
    const controller = new PromotionController({ ...s.deps, notify: (e) => notifier.send(e) });
    const result = await controller.promote({ from: "staging", to: "production" });

    // The run (rollback included) is over while the hanging webhook still holds its first requests.
    expect(result.outcome).toBe("rolled-back");
    expect(s.production.upPercentages()).toEqual([10, 50, 0]);
    expect(received.hanging).toBeGreaterThanOrEqual(1);
    expect(errors.filter((e) => e.includes("webhook 3"))).toEqual([]);

    await notifier.flush(20_000);
    expect(received.ok.map((b) => b.kind)).toEqual(["before", "rollback", "after"]);
    expect(received.ok[0]!.text).toBe(
      "[production] promoting 2.0.0 (replacing 1.0.0) in stages 10% -> 50% -> 100%; rollback plan: canary to 0%, back to 1.0.0 (config only)",
    );
    expect(received.ok[1]!.text).toBe(
      "[production] rolling back 2.0.0 to 1.0.0: 3 consecutive failed health checks (limit 3)",
    );
    expect(received.ok[2]!.text).toBe(
      "[production] rolled-back: 3 consecutive failed health checks (limit 3)",
    );
    expect(received.failing).toBe(6);
    expect(received.hanging).toBe(6);
    expect(errors.sort()).toEqual(
      [
        ...["after", "before", "rollback"].map(
          (k) => `notification "${k}" to webhook 2 failed after retries: HTTP 500`,
        ),
        ...["after", "before", "rollback"].map(
          (k) => `notification "${k}" to webhook 3 failed after retries: no answer`,
        ),
      ].sort(),
    );
    expect(errors.join("\n")).not.toContain(base);
  }, 60_000);
});
