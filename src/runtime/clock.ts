/**
 * Clocks: the runtime reads time only through a {@link Clock}, so tests can
 * run timers on virtual time.
 */

import { performance } from "node:perf_hooks";

export interface Clock {
  /** Monotonic milliseconds (fractional allowed). */
  now(): number;
  /** True when time only moves by {@link VirtualClock.advance}: the runtime then never arms real timers. */
  readonly virtual: boolean;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  virtual: false,
};

/**
 * Time that moves only when told. Use with `Runtime#advance`.
 *
 * @example
 * const clock = new VirtualClock();
 * const rt = new Runtime({ clock });
 * await rt.advance(5_000); // fires every timer due in the next 5 s
 */
export class VirtualClock implements Clock {
  readonly virtual = true;
  constructor(private t = 0) {}
  now(): number {
    return this.t;
  }
  /** @internal the runtime moves time while it fires timers in order. */
  set(t: number): void {
    if (t > this.t) this.t = t;
  }
}
