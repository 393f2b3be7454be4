/**
 * Rate-limited warnings: one line per key (a peer's address) per interval.
 * The first event of a key is logged in full; the next ones within the
 * interval are only counted, and when the interval ends one line tells how
 * many there were (then a new interval starts while they keep coming). So a
 * peer that retries a wrong cookie 300 times in a few seconds writes two
 * lines, not 300, and an attack from many addresses is bounded too: past
 * `maxKeys` addresses at once, the others share one count.
 *
 * @example
 * const limit = new LogLimiter(10_000, timers, (key, n) => log(`${n} more failures from ${key}`));
 * if (limit.allow(addr)) log(`handshake from ${addr} failed: ...`);
 */
import type { DistTimers } from "./types.js";

/** The key the events of addresses past `maxKeys` are counted under. */
export const OTHER_ADDRESSES = "other addresses";

export class LogLimiter {
  private readonly windows = new Map<string, { count: number; timer: { cancel(): void } }>();

  /**
   * @param intervalMs how long one logged event silences its key.
   * @param summary called at the end of an interval in which `count` events of `key` were not logged.
   */
  constructor(
    readonly intervalMs: number,
    private readonly timers: DistTimers,
    private readonly summary: (key: string, count: number) => void,
    private readonly maxKeys = 1024,
  ) {}

  /** True when this event should be logged; false when it was counted instead. */
  allow(key: string): boolean {
    const k = this.windows.has(key) || this.windows.size < this.maxKeys ? key : OTHER_ADDRESSES;
    const w = this.windows.get(k);
    if (w !== undefined) {
      w.count++;
      return false;
    }
    // Past maxKeys the first event of a new address is counted too: the log stays bounded.
    this.open(k, k === key ? 0 : 1);
    return k === key;
  }

  private open(key: string, count: number): void {
    const w = { count, timer: this.timers.setTimeout(() => this.close(key), this.intervalMs) };
    this.windows.set(key, w);
  }

  private close(key: string): void {
    const w = this.windows.get(key);
    if (w === undefined) return;
    this.windows.delete(key);
    if (w.count === 0) return;
    this.summary(key, w.count);
    // Still coming: the next ones are counted for another interval, not logged one by one again.
    this.open(key, 0);
  }

  /** Reports what is counted and stops the timers. */
  stop(): void {
    for (const [key, w] of [...this.windows]) {
      w.timer.cancel();
      this.windows.delete(key);
      if (w.count > 0) this.summary(key, w.count);
    }
  }
}
