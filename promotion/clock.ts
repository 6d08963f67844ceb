/** Time as the controller sees it; injected so tests and the benchmark run in simulated time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds, or rejects with the signal's reason once it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * Simulated time for one sequential controller: `sleep` moves time forward at once, so a 30-minute rollout
 * runs in milliseconds. `advance` lets a fake charge the time an operation would take.
 */
export class VirtualClock implements Clock {
  private t: number;

  /** Starts at `start` (ms since the epoch). */
  constructor(start: number | Date) {
    this.t = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) throw signal.reason;
    this.t += Math.max(0, ms);
    await Promise.resolve();
  }

  /** Moves time forward by `ms` without yielding. */
  advance(ms: number): void {
    this.t += Math.max(0, ms);
  }
}
