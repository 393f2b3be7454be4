/**
 * Loop-style processes: generator functions that `yield*` these operations.
 *
 * Each operation is its own tiny iterator (no generator is allocated per
 * receive): `yield*` hands it to the scheduler, and the scheduler resumes the
 * process with the result, which becomes the value of the `yield*`
 * expression, fully typed.
 *
 * @example
 * spawn(function* () {
 *   const text = yield* receive(
 *     on([atom("ok"), isPid], ([, pid]) => `Got ok from ${inspect(pid)}`),
 *     on(_, () => "Unknown message type"),
 *   );
 * });
 */
import { type Ref } from "../term/identifiers.js";
import { current } from "./current.js";
import { CREATED, FREE, HAS_M0, type Proc, RX_EXTRA, WAITING } from "./process.js";
import { type Infer } from "./pattern.js";

export { CREATED, FREE, WAITING };

/** The one result object every operation hands to `yield*`; read at once, so it can be shared. */
const step: { done: boolean; value: unknown } = { done: false, value: undefined };

/** @internal the step that hands `op` to the scheduler (the process waits in it). */
export function waitStep(op: Op<unknown>): IteratorYieldResult<unknown> {
  step.done = false;
  step.value = op;
  return step as IteratorYieldResult<unknown>;
}

/** @internal the step that ends a `yield*` with `value`. */
export function doneStep<R>(value: R): IteratorResult<unknown, R> {
  step.done = true;
  step.value = value;
  return step as IteratorResult<unknown, R>;
}

/**
 * @internal a receive taken at its `yield*` (`Runtime.receiveNow`): a young
 * object that is both the iterator `yield*` runs and the result its `next`
 * returns. The value is written into no old object: the shared step and a
 * process are old, and each store of a young value into one calls V8's
 * write barrier.
 */
export class Taken<R> implements Iterator<unknown, R, unknown>, IteratorReturnResult<R> {
  readonly done = true;
  constructor(readonly value: R) {}
  next(): IteratorReturnResult<R> {
    return this;
  }
}

function usedOnce(): Error {
  return new Error("a receive operation is used once: write `yield* receive(...)` each time, do not keep the operation");
}

/** Base of everything a process can `yield*`. */
export abstract class Op<R> implements Iterator<unknown, R, unknown> {
  protected started = false;
  [Symbol.iterator](): Iterator<unknown, R, unknown> {
    this.started = false;
    return this;
  }
  next(v?: unknown): IteratorResult<unknown, R> {
    if (!this.started) {
      this.started = true;
      return waitStep(this);
    }
    return doneStep(v as R);
  }
  /** Errors thrown into the process surface at its `yield*`. */
  throw(e: unknown): IteratorResult<unknown, R> {
    throw e;
  }
}

/** A clause: a pattern and the body run on the matched message. */
export class Clause<R = unknown> {
  constructor(
    readonly pattern: unknown,
    readonly body: (m: never) => R,
  ) {}
}

/** Erlang's `after`: the body runs when no message matched within `ms`. */
export class After<R = unknown> {
  constructor(
    readonly ms: number,
    readonly body: () => R,
  ) {}
}

/** `on(pattern, body)`: a receive clause whose body sees the narrowed message. */
export function on<const P, R>(pattern: P, body: (m: Infer<P>) => R): Clause<R> {
  return new Clause(pattern, body as (m: never) => R);
}

/** `after(ms, body)`: the receive's timeout clause (`0` polls; `Infinity` never fires). */
export function after<R>(ms: number, body: () => R): After<R> {
  if (!(ms >= 0)) throw new RangeError(`after: timeout must be >= 0, got ${ms}`);
  return new After(ms, body);
}

type ItemResult<X> = X extends Clause<infer R> ? R : X extends After<infer R> ? R : Infer<X>;

/**
 * @internal what a wait keeps while it waits: in the op itself, or, for a
 * process's own receive ({@link OwnReceive}), in the process.
 */
export interface WaitState {
  /** {@link CREATED}, {@link WAITING} or {@link FREE}. */
  state: number;
  timeout: number;
  onTimeout: (() => unknown) | null;
  /** Save pointer: messages before it were already tried. */
  scanned: number;
  /** Set by the timer when `after` fires. */
  timedOut: boolean;
}

/** @internal a receive's patterns and clause bodies (see {@link ReceiveOp}'s fields). */
export interface ReceiveState extends WaitState {
  p0: unknown;
  np: number;
  pats: unknown[] | null;
  bodies: (((m: never) => unknown) | null)[] | null;
}

/** What every waiting operation shares: its `after` timeout and its save pointer. */
export abstract class WaitOp<R> extends Op<R> implements WaitState {
  state = CREATED;
  timeout = Infinity;
  onTimeout: (() => unknown) | null = null;
  /** Save pointer: messages before it were already tried. */
  scanned = 0;
  /** Set by the timer when `after` fires. */
  timedOut = false;

  override [Symbol.iterator](): Iterator<unknown, R, unknown> {
    if (this.state !== CREATED) {
      throw usedOnce();
    }
    this.started = false; // not via super[...]: a super property call costs ~30 ns here
    return this;
  }

  /** The `after` clause's result (it may throw into the process). */
  expire(): unknown {
    return this.onTimeout!();
  }
}

/**
 * A pending selective receive. Single use: `yield*` it once, right away.
 * A process's receive is {@link OWN} with its state in the process, so a
 * receive allocates nothing that a blocked process keeps alive (a young
 * object held by every blocked process would survive each scavenge: with
 * 10,000 blocked processes that cost 5x); a ReceiveOp of its own only when
 * the process's is taken (built, not yet `yield*`ed) or outside a process.
 */
export class ReceiveOp<R> extends WaitOp<R> implements ReceiveState {
  /** The first pattern, in the op itself: a one-pattern receive (the usual loop) reads no array. */
  p0: unknown = undefined;
  np = 0;
  /**
   * With two patterns or more: the others, `pats[1 .. np)` (slot 0 is unused;
   * the array is reused, never shrunk: setting `length` is slow). Null until
   * a receive has two. Read through {@link patternAt}.
   */
  pats: unknown[] | null = null;
  /** Per pattern the body (or null: return the message itself); null when no pattern has one. */
  bodies: (((m: never) => unknown) | null)[] | null = null;

  /**
   * `yield*` starts here, in the running process: a message that matches
   * now is taken now, as the BEAM does, without suspending the process and
   * resuming it through the scheduler.
   */
  override [Symbol.iterator](): Iterator<unknown, R, unknown> {
    if (this.state !== CREATED) {
      throw usedOnce();
    }
    this.started = false;
    const p = current;
    if (p !== null && this.np > 0 && (p.flags & HAS_M0 || p.q !== null)) {
      const taken = p.rt.receiveNow(p, this);
      if (taken !== null) return taken as Taken<R>;
    }
    return this;
  }

  override next(v?: unknown): IteratorResult<unknown, R> {
    // Writes the shared step itself: small enough to be inlined where the process resumes.
    if (this.started) {
      step.value = v;
      step.done = true;
    } else {
      this.started = true;
      step.value = this;
      step.done = false;
    }
    return step as IteratorResult<unknown, R>;
  }
}

/**
 * A receive with hand-written matching, for protocol code on hot paths (a
 * call waiting for its reply): `test` picks the message, `take` turns it into
 * the result (and may throw into the process). When every message it can
 * match contains `key`, a reference made by `makeRef()`, the receive skips
 * everything queued before that reference was made.
 */
export abstract class CustomReceive<R> extends WaitOp<R> {
  key: Ref | null = null;
  abstract test(m: unknown): boolean;
  abstract take(m: unknown): R;
}

/**
 * @internal a process's own receive: one object for every process, its state
 * kept in the process ({@link ReceiveState} fields of `Proc`). A ring hop
 * then reads no per-process op (10,000 processes' ops do not fit in L2: each
 * was one or two cache misses per receive). Its methods find the process in
 * `current`: a process's receive is built, `yield*`ed and resumed while
 * it runs.
 */
export class OwnReceive<R> extends ReceiveOp<R> {
  override [Symbol.iterator](): Iterator<unknown, R, unknown> {
    const p = current;
    if (p === null || p.state !== CREATED) {
      throw usedOnce();
    }
    if (p.np > 0 && (p.flags & HAS_M0 || p.q !== null)) {
      const taken = p.rt.receiveNow(p, p);
      if (taken !== null) return taken as Taken<R>;
    }
    return this;
  }

  override next(v?: unknown): IteratorResult<unknown, R> {
    // First call (built or waiting): hand the op to the scheduler; second (resumed, FREE): the value.
    if (current!.state === FREE) {
      step.value = v;
      step.done = true;
    } else {
      step.value = this;
      step.done = false;
    }
    return step as IteratorResult<unknown, R>;
  }
}

/** @internal the one {@link OwnReceive}. */
export const OWN: ReceiveOp<unknown> = new OwnReceive<unknown>();

/** @internal where a waiting op's state is: `p` itself for {@link OWN}. */
export function stateOf(p: Proc, w: WaitOp<unknown>): WaitState {
  return w === OWN ? p : w;
}

/** Resets `p`'s own receive for a new one (the caller checked it is free). */
function ownReset(p: Proc): void {
  p.state = CREATED;
  p.np = 0;
  if (p.flags & RX_EXTRA) {
    p.flags &= ~RX_EXTRA;
    p.bodies = null;
    if (p.onTimeout !== null) {
      // `timeout`, a boxed double, is left alone unless an `after` set it (one object fewer read per receive).
      p.timeout = Infinity;
      p.onTimeout = null;
    }
  }
}

/**
 * Selective receive. Each item is a pattern (the result is the message), an
 * {@link on} clause (the result is the body's value) or one {@link after}.
 * The first message in the mailbox that matches any item is taken; others
 * stay in order.
 */
export function receive<const A extends readonly unknown[]>(...items: A): ReceiveOp<ItemResult<A[number]>>;
// Fixed parameters rather than a rest array: one allocation less per receive.
export function receive(a?: unknown, b?: unknown, c?: unknown): ReceiveOp<unknown> {
  const p = current;
  let op: ReceiveOp<unknown>;
  let s: ReceiveState;
  if (p !== null && p.state === FREE) {
    // The running process's own receive (the usual case); a second op built before the first is
    // `yield*`ed, or one built outside any process, is an object of its own.
    ownReset(p);
    op = OWN;
    s = p;
  } else s = op = new ReceiveOp<unknown>();
  const n = arguments.length;
  if (n === 1 && (typeof a === "function" || Array.isArray(a))) {
    // One predicate (a loop's `receive(isNumber)`) or one tuple pattern (`receive([ref, x])`): what
    // addItem does, in few bytecodes, so that `receive` fits V8's inlining budget of the loop that
    // calls it, together with the send.
    s.p0 = a;
    s.np = 1;
    return op;
  }
  addItems(s, n, a, b, c);
  if (n > 3) for (let i = 3; i < n; i++) addItem(s, arguments[i]);
  if (s === p && (p.bodies !== null || p.onTimeout !== null)) p.flags |= RX_EXTRA;
  return op;
}

function addItems(s: ReceiveState, n: number, a: unknown, b: unknown, c: unknown): void {
  if (n > 0) addItem(s, a);
  if (n > 1) addItem(s, b);
  if (n > 2) addItem(s, c);
}

function addItem(s: ReceiveState, it: unknown): void {
  // A predicate, a value or a tuple pattern skips the `instanceof` walks up its prototype chain.
  if (typeof it === "object" && it !== null && !Array.isArray(it)) {
    if (it instanceof Clause) {
      if (s.bodies === null) s.bodies = new Array<null>(s.np).fill(null);
      s.bodies[s.np] = it.body;
      addPattern(s, it.pattern);
      return;
    }
    if (it instanceof After) {
      // `after(Infinity)` never fires: no timeout, so that `onTimeout` is set exactly when one is.
      if (it.ms !== Infinity) {
        s.timeout = it.ms;
        s.onTimeout = it.body;
      }
      return;
    }
  }
  if (s.bodies !== null) s.bodies[s.np] = null;
  addPattern(s, it);
}

function addPattern(s: ReceiveState, pat: unknown): void {
  const n = s.np++;
  if (n === 0) s.p0 = pat;
  else if (s.pats === null) s.pats = [undefined, pat];
  else s.pats[n] = pat;
}

/** @internal the op's `c`-th pattern. */
export function patternAt(s: ReceiveState, c: number): unknown {
  return c === 0 ? s.p0 : s.pats![c];
}

/** Suspends the process for `ms` (a receive with no clauses and an `after`). */
export function sleep(ms: number): ReceiveOp<void> {
  const op = receive();
  if (ms !== Infinity) {
    const p = current;
    const s = op === OWN ? p! : op;
    s.timeout = ms;
    s.onTimeout = () => undefined;
    if (s === p) p.flags |= RX_EXTRA;
  }
  return op as ReceiveOp<void>;
}

/** Waits for a promise; the process holds its mailbox meanwhile. A rejection is thrown at the `yield*`. */
export class AwaitOp<R> extends Op<R> {
  constructor(readonly promise: PromiseLike<R>) {
    super();
  }
}

export function await_<R>(promise: PromiseLike<R>): AwaitOp<R> {
  return new AwaitOp(promise);
}

/** @internal the first step of a process whose body is a plain function. */
export class StartOp extends Op<unknown> {
  constructor(readonly fn: () => unknown) {
    super();
  }
}

/** Gives other processes a turn (Erlang's `erlang:yield()`). */
export class YieldOp extends Op<void> {}
export function yieldNow(): YieldOp {
  return new YieldOp();
}
