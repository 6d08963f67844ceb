// Simulated time for the promotion simulator and the controller tests: a Clock whose sleep returns at once.
import type { Clock } from "../../promotion/clock";

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
