/**
 * `net_ticktime` and its change, as OTP 25's net_kernel keeps them (its
 * ticker and aux ticker processes, here timers).
 *
 * Every ticktime/intensity the ticker fires `tick`: each connection sends a
 * tick if it wrote nothing, and a peer that sent nothing for `intensity`
 * ticks is down (connection.ts). Nodes do not negotiate a ticktime: a node
 * whose ticktime differs from its peer's too much gets disconnected. So a
 * change goes through a transition period in which both the old and the new
 * ticktime are honoured:
 *
 * - longer: the ticker switches to the new, longer interval at once (we wait
 *   longer before declaring a peer down), while aux ticks keep going out at
 *   the old, shorter interval until the period ends, for peers that still
 *   expect the old ticktime;
 * - shorter: the ticker keeps the old, longer interval until the period ends
 *   (peers still on the old ticktime tick slowly), while aux ticks go out at
 *   the new, shorter interval for peers that already switched.
 *
 * An aux tick is a tick sent regardless of what was written (unless a visible
 * connection has output queued), and never a check of what was read.
 */
import type { DistTimers } from "./types.js";

/** What the ticker drives (the transport's connections). */
export interface TickTargets {
  /** One tick interval passed: tick, and check the peers. */
  tick(): void;
  /** A transition's tick: send one, check nothing. */
  auxTick(): void;
}

/** The ticktime, or the one a change in progress goes to (milliseconds). */
export type TicktimeState = number | { ongoingChangeTo: number };

/** The answer to a change (net_kernel's `unchanged | change_initiated | {ongoing_change_to, T}`), in milliseconds. */
export type TicktimeChange = "unchanged" | "change_initiated" | { ongoingChangeTo: number };

export class NetTicker {
  /** The ticktime in ms (the target of a change in progress). */
  private time: number;
  /** The ticker's current interval in ms. */
  private interval: number;
  private change: { how: "longer" | "shorter"; aux: { cancel(): void } | undefined } | null = null;
  private timer: { cancel(): void } | undefined;
  private stopped = false;

  /**
   * @param ticktimeMs the starting ticktime (rounded up to a multiple of `intensity` ms, as OTP does).
   * @param intensity ticks per ticktime (erl's `net_tickintensity`, 4 by default).
   */
  constructor(
    private readonly timers: DistTimers,
    ticktimeMs: number,
    readonly intensity: number,
    private readonly targets: TickTargets,
  ) {
    [this.time, this.interval] = this.round(ticktimeMs);
    this.arm();
  }

  /** net_kernel's `ticktime` request: the ticktime, or `{ongoingChangeTo: T}` during a change. */
  get(): TicktimeState {
    return this.change === null ? this.time : { ongoingChangeTo: this.time };
  }

  /**
   * net_kernel's `{new_ticktime, T, TransitionPeriod}`: starts a change to
   * `ticktimeMs` over `transitionMs`, unless one is in progress (then its
   * target is the answer) or `ticktimeMs` rounds to the current ticktime.
   */
  set(ticktimeMs: number, transitionMs: number): TicktimeChange {
    if (this.change !== null) return { ongoingChangeTo: this.time };
    const [nt, interval] = this.round(ticktimeMs);
    if (nt === this.time) return "unchanged";
    const oldInterval = this.interval;
    const how = nt > this.time ? "longer" : "shorter";
    this.time = nt;
    this.change = { how, aux: undefined };
    if (how === "longer") this.retime(interval);
    this.startAux(Math.min(interval, oldInterval), transitionMs);
    return "change_initiated";
  }

  /** Stops every timer (the node stops). */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.change?.aux?.cancel();
  }

  /** OTP's rounding: a whole number of ms per interval, at least 1. */
  private round(ms: number): [time: number, interval: number] {
    const i = this.intensity;
    const t = Math.max(1, Math.round(ms));
    if (t < i) return [i, 1];
    const n = Math.ceil(t / i);
    return [n * i, n];
  }

  private arm(): void {
    this.timer = this.timers.setTimeout(() => {
      if (this.stopped) return;
      this.arm();
      this.targets.tick();
    }, this.interval);
  }

  /** The ticker gets a new interval: it counts from now, as erl's ticker restarts its `after`. */
  private retime(interval: number): void {
    this.interval = interval;
    this.timer?.cancel();
    this.arm();
  }

  /** Aux ticks every `every` ms: one now, then enough to cover the period; the last one ends the transition. */
  private startAux(every: number, transitionMs: number): void {
    let left = transitionMs > 0 ? 1 + (Math.floor((transitionMs - 1) / every) + 1) : 1;
    const fire = (): void => {
      if (this.stopped || this.change === null) return;
      if (left-- === 1) {
        this.endTransition();
        this.targets.auxTick();
        return;
      }
      this.targets.auxTick();
      this.change.aux = this.timers.setTimeout(fire, every);
    };
    fire();
  }

  private endTransition(): void {
    const how = this.change!.how;
    this.change = null;
    if (how === "shorter") this.retime(this.time / this.intensity);
  }
}
