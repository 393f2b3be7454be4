/**
 * Matching a waiting process's mailbox: from the save pointer (or the
 * receive marker), first match wins, others stay in order; when nothing
 * matches, the `after` timer is armed (or fires at once for `after(0)`).
 */
import { Atom } from "../term/atom.js";
import { Tuple } from "../term/tuple.js";
import { type Ref } from "../term/identifiers.js";
import { matches, mentions } from "./pattern.js";
import { BOXED, DEAD, EXT_RX, HAS_M0, type Proc, SCHEDULED } from "./process.js";
import { CustomReceive, FREE, OWN, ReceiveOp, type ReceiveState, WaitOp, type WaitState, patternAt, stateOf } from "./receive.js";
import type { Runtime } from "./runtime.js";

/** Returned by {@link tryReceive} when no message matched. */
export const NO_MATCH: unique symbol = Symbol("no match");

/** True when every pattern of `p`'s wait `op` names `ref`, so older messages can be skipped. */
function mentionsMarker(p: Proc, op: WaitOp<unknown>, ref: Ref): boolean {
  if (op === OWN) return patternsMention(p, ref);
  if (op instanceof ReceiveOp) return patternsMention(op, ref);
  return op instanceof CustomReceive && op.key === ref;
}

function patternsMention(s: ReceiveState, ref: Ref): boolean {
  for (let i = 0; i < s.np; i++) if (!mentions(patternAt(s, i), ref)) return false;
  return s.np > 0;
}

/** Where a wait starts scanning: after the receive marker when every pattern names the marker's reference. */
export function scanStart(p: Proc, op: WaitOp<unknown>): number {
  if ((p.flags & EXT_RX) === 0) return 0;
  const x = p.ext!;
  return x.markerRef !== null && x.marker > 0 && mentionsMarker(p, op, x.markerRef) ? x.marker : 0;
}

/** {@link scanStart} for a receive (its state known: no `instanceof` walk). */
export function receiveStart(p: Proc, s: ReceiveState): number {
  if ((p.flags & EXT_RX) === 0) return 0;
  const x = p.ext!;
  if (x.marker === 0 || x.markerRef === null) return 0;
  // One pattern (a call's `[ref, x]`): no loop over the patterns, which V8 did not inline here.
  return (s.np === 1 ? mentions(s.p0, x.markerRef) : patternsMention(s, x.markerRef)) ? x.marker : 0;
}

/** Scans the mailbox from the save pointer. Returns the clause's value or NO_MATCH (and arms `after`). */
export function tryReceive(rt: Runtime, p: Proc, w: WaitOp<unknown>): unknown {
  const v = w === OWN ? scan(rt, p, p) : w instanceof CustomReceive ? scanCustom(rt, p, w) : scan(rt, p, w as ReceiveOp<unknown>);
  return v === NO_MATCH ? noMatch(rt, p, w) : v;
}

/**
 * Takes the first message from the save pointer that matches a clause and
 * returns the clause's value; NO_MATCH (the save pointer moved past every
 * message tried) when none does. Arms or fires no timer.
 */
export function scan(rt: Runtime, p: Proc, op: ReceiveState): unknown {
  if (p.flags & BOXED) p.unboxAll();
  const np = op.np;
  if (op.scanned === 0 && p.flags & HAS_M0) {
    // Fast path: the only message sits in the inline slot.
    const m = p.m0;
    for (let c = 0; c < np; c++) if (matches(patternAt(op, c), m)) return took(rt, p, op, 0, c, m);
  }
  const n = p.queueLength;
  const p0 = op.p0;
  if (np === 1 && !Array.isArray(p0) && p0 instanceof Atom) {
    // One atom pattern: identity comparisons only (the common `receive stop -> ...`).
    for (let i = op.scanned; i < n; i++) {
      if (p.at(i) === p0) return took(rt, p, op, i, 0, p0);
    }
  } else if (np === 1 && Array.isArray(p0)) {
    // One tuple pattern (`[ref, x]`, `[tag, _]`): its elements compared by identity before any call.
    const pat = p0 as unknown[];
    const len = pat.length;
    const q = p.q;
    for (let i = op.scanned; i < n; i++) {
      // Straight from the queue's array (unboxed above): `p.at` would test BOXED again per message.
      const m = q !== null ? q.a[q.h + i] : p.m0;
      if (!(m instanceof Tuple) || m.length !== len) continue;
      let k = 0;
      while (k < len && (pat[k] === m[k] || matches(pat[k], m[k]))) k++;
      if (k === len) return took(rt, p, op, i, 0, m);
    }
  } else {
    for (let i = op.scanned; i < n; i++) {
      const m = p.at(i);
      for (let c = 0; c < np; c++) if (matches(patternAt(op, c), m)) return took(rt, p, op, i, c, m);
    }
  }
  op.scanned = n;
  return NO_MATCH;
}

/** Message `i` matched clause `c`: takes it and returns the clause's value. */
function took(rt: Runtime, p: Proc, op: ReceiveState, i: number, c: number, m: unknown): unknown {
  p.removeAt(i);
  clearAfter(rt, p);
  op.state = FREE;
  const bodies = op.bodies;
  const body = bodies === null ? null : bodies[c]!;
  return body === null ? m : body(m as never);
}

function scanCustom(rt: Runtime, p: Proc, op: CustomReceive<unknown>): unknown {
  const n = p.queueLength;
  for (let i = op.scanned; i < n; i++) {
    const m = p.at(i);
    if (op.test(m)) {
      p.removeAt(i);
      clearAfter(rt, p);
      op.state = FREE;
      return op.take(m);
    }
  }
  op.scanned = n;
  return NO_MATCH;
}

/** Nothing matched up to the save pointer: time out now, or arm the `after` timer. */
function noMatch(rt: Runtime, p: Proc, op: WaitOp<unknown>): unknown {
  const s: WaitState = stateOf(p, op);
  if (s.timedOut || s.timeout === 0) {
    clearAfter(rt, p);
    s.state = FREE;
    // A process's own receive keeps its `after` body in the process (the one OWN op has none).
    return s === op ? op.expire() : s.onTimeout!();
  }
  if (s.timeout !== Infinity) {
    const x = p.x();
    if (x.timer === null) {
      // One timer per process, re-armed for each receive that waits with a timeout (every call does).
      const tm = x.afterTimer;
      x.timer = tm === null ? (x.afterTimer = rt.addTimer(s.timeout, () => afterFired(rt, p))) : rt.rearmTimer(tm, s.timeout);
      p.flags |= EXT_RX;
    }
  }
  return NO_MATCH;
}

/**
 * A receive's `after` elapsed. The timer is cancelled whenever the receive
 * ends, so the process still waits in the receive that armed it.
 */
function afterFired(rt: Runtime, p: Proc): void {
  const x = p.ext!;
  x.timer = null;
  const op = p.wait;
  if (op instanceof WaitOp && !(p.flags & DEAD)) {
    stateOf(p, op).timedOut = true;
    if ((p.flags & SCHEDULED) === 0) rt.schedule(p);
  }
}

/** Cancels the pending receive's `after` timer. */
export function clearAfter(rt: Runtime, p: Proc): void {
  if ((p.flags & EXT_RX) === 0) return;
  const x = p.ext!;
  if (x.timer !== null) {
    rt.timers.cancel(x.timer);
    x.timer = null;
  }
  if (x.marker === 0) p.flags &= ~EXT_RX;
}
