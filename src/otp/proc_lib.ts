/**
 * Starting processes the OTP way (`proc_lib:start`/`start_link`): the
 * starter waits until the new process has initialised and acknowledged, and
 * learns whether it started, was ignored, or failed (and why).
 */
import { type Atom, atom } from "../term/atom.js";
import { type Pid, type Ref } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { type Tup, t } from "../term/tuple.js";
import { ACK, ERROR, IGNORE, OK } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { run } from "../runtime/erlang.js";
import { ExitError } from "../runtime/errors.js";
import { _ } from "../runtime/pattern.js";
import { type Actor, type Proc } from "../runtime/process.js";
import { on, receive } from "../runtime/receive.js";
import * as sig from "../runtime/signals.js";

/** What a start returns, as in Erlang: `{ok, Pid}`, `ignore`, or `{error, Reason}`. */
const INIT_P = t(atom("proc_lib"), atom("init_p"), 5);

export type StartResult = Tup<[Atom<"ok">, Pid]> | Atom<"ignore"> | Tup<[Atom<"error">, unknown]>;

/** A start that failed (`{error, Reason}`) or was ignored: `reason` is the term. */
export class StartError extends ExitError {}

/** What a started process becomes: an actor, a loop-style coroutine (which can block while it starts its own children), or nothing (it ends). */
export type ProcessSetup = Actor | Iterator<unknown, unknown, unknown> | undefined;

/** What the new process calls, once, to tell its starter how init went. */
export type Ack = (result: StartResult) => void;

export interface StartOptions {
  /** Link the new process to the caller (start_link). */
  link?: boolean;
}

/**
 * Spawns a process whose `init(ack)` runs first in the new process and calls
 * `ack` once it is ready; it returns what the process then runs as (an actor,
 * or a generator that may block, e.g. while starting children, before it acks). The result is `{ok, Pid}`,
 * `ignore` or `{error, Reason}`, also when init crashes.
 *
 * Inside a process: `yield* start(...)`; outside: `await start(...)`.
 */
export function start(init: (ack: Ack) => ProcessSetup, opts: StartOptions = {}): StartOp {
  const op = new StartOp(init, opts);
  // Outside a process the start happens at once, as a promise's work would; inside, at `yield*`.
  return current === null ? op.begin() : op;
}

export class StartOp implements Iterable<unknown, StartResult, unknown>, PromiseLike<StartResult> {
  constructor(
    readonly init: (ack: Ack) => ProcessSetup,
    readonly opts: StartOptions,
  ) {}

  [Symbol.iterator](): Iterator<unknown, StartResult, unknown> {
    const starter = current;
    if (starter === null) throw new Error("yield* start(...) is for process code; use `await` outside processes");
    if (this.pending !== null && !this.running) throw new Error("this start was begun outside any process: await it instead");
    const rt = starter.rt;
    const ackRef: Ref = rt.makeRef();
    let acked = false;
    const ack: Ack = (result) => {
      if (acked) return;
      acked = true;
      rt.deliver(starter, t(ACK, ackRef, result));
    };
    const init = this.init;
    const child = rt.spawn(() => init(ack));
    // As on the BEAM: `process_info(P, initial_call)` of every proc_lib process (what observers use to tell OTP processes).
    child.x().initialCall = INIT_P;
    if (this.opts.link) sig.link(starter, child);
    // A crash before the ack still answers the starter, with the exit reason.
    (child.x().onExit ??= []).push((reason) => ack(t(ERROR, reason)));
    return receive(on([ACK, ackRef, _], (m) => m[2] as StartResult))[Symbol.iterator]();
  }

  private pending: Promise<StartResult> | null = null;

  /** Outside a process: starts now (once, however often it is awaited). */
  begin(): this {
    const op = this;
    this.pending ??= run(function* () {
      op.running = true;
      return yield* op;
    });
    return this;
  }

  /** Set while `begin`'s own process runs the start. */
  private running = false;

  then<A = StartResult, B = never>(
    onFulfilled?: ((value: StartResult) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return this.begin().pending!.then(onFulfilled, onRejected);
  }
}

/** The pid of `{ok, Pid}`, or a {@link StartError} carrying the reason (`ignore` included). */
export function okPid(r: StartResult): Pid {
  if (Array.isArray(r) && r[0] === OK) return r[1] as Pid;
  const reason = Array.isArray(r) ? r[1] : IGNORE;
  throw new StartError(reason, `start failed: ${inspect(reason)}`);
}

export { OK, ERROR, IGNORE };
export type { Proc };
