/**
 * Deployment notifications to webhooks, in the body each receiver reads: a generic JSON payload with `text` and
 * the event's fields, a Slack incoming-webhook message (`text` + Block Kit `blocks`) or a Microsoft Teams
 * Workflows message (an Adaptive Card attachment), chosen per URL (`webhookTarget`). Each post retries with
 * exponential backoff within a deadline; a failure is logged, never thrown, and sending never blocks the caller:
 * the controller does not await it (a rollback goes on at once) and `flush` waits, bounded, before exit.
 */
import { backOff } from "exponential-backoff";

/** What a notification says. */
export interface PromotionEvent {
  /** "before", "after" or "rollback". */
  readonly kind: "before" | "after" | "rollback";
  readonly stack: string;
  readonly version: string;
  /** One line for people: what happens or happened, and the rollback plan or result. */
  readonly text: string;
  /** Extra fields for machines (stages, outcome, reason, duration). */
  readonly details: Record<string, unknown>;
}

/** Which body a webhook receives. */
export type WebhookFormat = "json" | "slack" | "teams";

/**
 * A webhook entry of PROMOTION_WEBHOOK_URLS and the body it gets: an explicit `slack:`, `teams:` or `json:` prefix
 * wins; else `hooks.slack.com` is Slack, and the hosts of Teams Workflows webhooks (Power Automate,
 * `*.logic.azure.com` and `*.environment.api.powerplatform.com`) are Teams; anything else gets the generic JSON.
 */
export function webhookTarget(entry: string): { url: string; format: WebhookFormat } {
  const prefixed = /^(slack|teams|json):(https?:\/\/.*)$/.exec(entry);
  if (prefixed !== null) return { url: prefixed[2]!, format: prefixed[1] as WebhookFormat };
  if (!URL.canParse(entry)) return { url: entry, format: "json" };
  const host = new URL(entry).hostname.toLowerCase();
  if (host === "hooks.slack.com") return { url: entry, format: "slack" };
  if (host.endsWith(".logic.azure.com") || host.endsWith(".environment.api.powerplatform.com"))
    return { url: entry, format: "teams" };
  return { url: entry, format: "json" };
}

function title(event: PromotionEvent): string {
  if (event.kind === "before") return `Promoting ${event.version} to ${event.stack}`;
  if (event.kind === "rollback") return `Rolling back ${event.version} on ${event.stack}`;
  const outcome = typeof event.details.outcome === "string" ? event.details.outcome : "finished";
  return `Promotion of ${event.version} to ${event.stack}: ${outcome}`;
}

/** Slack mrkdwn needs `&`, `<` and `>` escaped (Slack, "Formatting text for app surfaces", Escaping text). */
const slackEscape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The details worth a line each: the scalar ones (outcome, reason, duration, stage, ...). */
function facts(event: PromotionEvent): [string, string][] {
  return Object.entries(event.details)
    .filter(([, v]) => typeof v === "string" || typeof v === "number" || typeof v === "boolean")
    .map(([k, v]) => [k, String(v)]);
}

/**
 * The JSON body of `event` for a `format` webhook.
 * - json: the event with `text` prefixed by the stack.
 * - slack: an incoming-webhook message (https://api.slack.com/messaging/webhooks): `text` is the notification
 *   fallback, `blocks` a header (plain_text, at most 150 characters), a mrkdwn section (at most 3000) and a
 *   context line of the facts (Block Kit reference, https://api.slack.com/reference/block-kit/blocks).
 * - teams: what a Teams Workflows webhook ("Post to a channel when a webhook request is received") posts: a
 *   message with one Adaptive Card attachment, `{type: "message", attachments: [{contentType:
 *   "application/vnd.microsoft.card.adaptive", contentUrl: null, content: <AdaptiveCard 1.4>}]}`
 *   (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook).
 */
export function webhookBody(format: WebhookFormat, event: PromotionEvent): unknown {
  const text = `[${event.stack}] ${event.text}`;
  if (format === "json") return { ...event, text };
  const all: [string, string][] = [
    ["event", event.kind],
    ["stack", event.stack],
    ["release", event.version],
    ...facts(event),
  ];
  if (format === "slack") {
    return {
      text,
      blocks: [
        { type: "header", text: { type: "plain_text", text: title(event).slice(0, 150) } },
        { type: "section", text: { type: "mrkdwn", text: slackEscape(event.text).slice(0, 3000) } },
        {
          type: "context",
          elements: [
            {
              type: "mrkdwn",
              text: slackEscape(all.map(([k, v]) => `${k}: ${v}`).join(" | ")).slice(0, 3000),
            },
          ],
        },
      ],
    };
  }
  return {
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
            { type: "TextBlock", text: title(event), weight: "Bolder", size: "Medium", wrap: true },
            { type: "TextBlock", text: event.text, wrap: true },
            { type: "FactSet", facts: all.map(([k, v]) => ({ title: k, value: v })) },
          ],
        },
      },
    ],
  };
}

/** Where and how to post. */
export interface NotifierOptions {
  /**
   * Webhook URLs, each optionally prefixed `slack:`, `teams:` or `json:` (see {@link webhookTarget}); secrets:
   * never logged, a failure names the webhook by its position.
   */
  readonly urls: readonly string[];
  /** Attempts per webhook. Default 4. */
  readonly attempts?: number;
  /** First retry delay, ms, doubling. Default 1000. */
  readonly retryDelayMs?: number;
  /** Timeout of one attempt, ms. Default 5000. */
  readonly attemptTimeoutMs?: number;
  /** Receives a line per failed webhook. */
  readonly onError: (line: string) => void;
}

/** Posts events to every webhook in the background. */
export class WebhookNotifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: NotifierOptions) {}

  private async post(index: number, entry: string, event: PromotionEvent): Promise<void> {
    const { url, format } = webhookTarget(entry);
    const body = JSON.stringify(webhookBody(format, event));
    try {
      await backOff(
        async () => {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(this.options.attemptTimeoutMs ?? 5000),
          });
          await res.body?.cancel();
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
        },
        { numOfAttempts: this.options.attempts ?? 4, startingDelay: this.options.retryDelayMs ?? 1000 },
      );
    } catch (err) {
      const why = err instanceof Error && err.name === "TimeoutError" ? "no answer" : (err as Error).message;
      this.options.onError(
        `notification "${event.kind}" to webhook ${index + 1} failed after retries: ${why}`,
      );
    }
  }

  /** Starts posting `event` to every webhook and returns at once. */
  send(event: PromotionEvent): void {
    this.options.urls.forEach((url, i) => {
      const p = this.post(i, url, event).finally(() => this.pending.delete(p));
      this.pending.add(p);
    });
  }

  /** Waits for the posts under way, at most `ms`. */
  async flush(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.pending]),
      new Promise<void>((r) => (timer = setTimeout(r, ms))),
    ]);
    clearTimeout(timer);
  }
}
