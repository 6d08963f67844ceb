import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookNotifier, webhookTarget, type PromotionEvent } from "../../promotion/notify";
import { PromotionController } from "../../promotion/controller";
import { faultAtStage, scenario } from "./helpers";

/** Local webhooks: one that answers 200, one that answers 500, one that never answers; `/capture` keeps bodies. */
const received = { ok: [] as { kind: string; text: string }[], failing: 0, hanging: 0 };
const captured: { path: string; contentType: string | undefined; body: unknown }[] = [];
const held: ServerResponse[] = [];
let server: ReturnType<typeof createServer>;
let base = "";

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url?.startsWith("/capture") === true) {
        captured.push({
          path: req.url,
          contentType: req.headers["content-type"],
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown,
        });
        res.writeHead(200).end();
      } else if (req.url === "/ok") {
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

describe("webhook bodies", () => {
  const event: PromotionEvent = {
    kind: "after",
    stack: "production",
    version: "2.0.0",
    text: "rolled-back: p95 612 ms > 500 ms (1 consecutive, limit 1) & <canary> at 10%",
    details: { outcome: "rolled-back", durationSeconds: 420, stages: [{ percentage: 10 }] },
  };

  it("chooses the body by host, or by an explicit prefix in the secret", () => {
    expect(webhookTarget("https://hooks.slack.com/services/T0/B0/x")).toEqual({
      url: "https://hooks.slack.com/services/T0/B0/x",
      format: "slack",
    });
    expect(
      webhookTarget(
        "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s",
      ).format,
    ).toBe("teams");
    expect(
      webhookTarget(
        "https://default1234.56.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke",
      ).format,
    ).toBe("teams");
    expect(webhookTarget("https://hooks.example.com/notify").format).toBe("json");
    expect(webhookTarget("teams:https://relay.example.com/x")).toEqual({
      url: "https://relay.example.com/x",
      format: "teams",
    });
    expect(webhookTarget("json:https://hooks.slack.com/workflows/x")).toEqual({
      url: "https://hooks.slack.com/workflows/x",
      format: "json",
    });
  });

  it("posts the generic JSON, Slack's text + blocks and a Teams Adaptive Card, exactly", async () => {
    captured.length = 0;
    const errors: string[] = [];
    const notifier = new WebhookNotifier({
      urls: [`${base}/capture/json`, `slack:${base}/capture/slack`, `teams:${base}/capture/teams`],
      attempts: 1,
      onError: (line) => errors.push(line),
    });
    notifier.send(event);
    await notifier.flush(10_000);
    expect(errors).toEqual([]);
    const by = (path: string) => captured.find((c) => c.path === path);
    expect(captured.every((c) => c.contentType === "application/json")).toBe(true);
    expect(by("/capture/json")!.body).toEqual({
      ...event,
      text: "[production] rolled-back: p95 612 ms > 500 ms (1 consecutive, limit 1) & <canary> at 10%",
    });
    expect(by("/capture/slack")!.body).toEqual({
      text: "[production] rolled-back: p95 612 ms > 500 ms (1 consecutive, limit 1) & <canary> at 10%",
      blocks: [
        {
          type: "header",
          text: { type: "plain_text", text: "Promotion of 2.0.0 to production: rolled-back" },
        },
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text: "rolled-back: p95 612 ms &gt; 500 ms (1 consecutive, limit 1) &amp; &lt;canary&gt; at 10%",
          },
        },
        {
          type: "context",
          elements: [
            {
              type: "mrkdwn",
              text: "event: after | stack: production | release: 2.0.0 | outcome: rolled-back | durationSeconds: 420",
            },
          ],
        },
      ],
    });
    expect(by("/capture/teams")!.body).toEqual({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              {
                type: "TextBlock",
                text: "Promotion of 2.0.0 to production: rolled-back",
                weight: "Bolder",
                size: "Medium",
                wrap: true,
              },
              { type: "TextBlock", text: event.text, wrap: true },
              {
                type: "FactSet",
                facts: [
                  { title: "event", value: "after" },
                  { title: "stack", value: "production" },
                  { title: "release", value: "2.0.0" },
                  { title: "outcome", value: "rolled-back" },
                  { title: "durationSeconds", value: "420" },
                ],
              },
            ],
          },
        },
      ],
    });
  });
});
