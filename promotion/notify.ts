/**
 * Deployment notifications to webhooks: a generic JSON payload with `text` (which Slack incoming webhooks and
 * Microsoft Teams workflow webhooks display) and the event's fields. Each post retries with exponential
 * backoff within a deadline; a failure is logged, never thrown, and sending never blocks the caller: the
 * controller does not await it (a rollback goes on at once) and `flush` waits, bounded, before exit.
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

/** Where and how to post. */
export interface NotifierOptions {
  /** Webhook URLs (secrets: never logged; a failure names the webhook by its position). */
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

  private async post(index: number, url: string, event: PromotionEvent): Promise<void> {
    const body = JSON.stringify({ ...event, text: `[${event.stack}] ${event.text}` });
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
