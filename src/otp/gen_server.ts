/**
 * GenServer: OTP's generic server, with the `gen_server` contract.
 *
 * Subclass {@link GenServer}, give it its state type, its call protocol (a
 * union of {@link CallSpec}s: each request with its reply type), its cast
 * and info types, and implement `init` and the handlers you need. The
 * callbacks run synchronously from the scheduler's run queue (no promise per
 * message); each returns what the server does next, built with
 * {@link reply}, {@link noreply} or {@link stop}.
 *
 * @example
 * type Calls = CallSpec<Tup<[Atom<"get">, string]>, string | undefined>;
 * type Casts = Tup<[Atom<"set">, string, string]>;
 * class Store extends GenServer<Map<string, string>, Calls, Casts> {
 *   init() { return ok(new Map()); }
 *   handleCall([, key]: Calls["req"], _from: From, s: Map<string, string>) { return reply(s.get(key), s); }
 *   handleCast([, k, v]: Casts, s: Map<string, string>) { return noreply(s.set(k, v)); }
 * }
 * const store = await GenServer.start(new Store(), undefined);
 * await call(store, t(atom("get"), "foo")); // typed: string | undefined
 */
import { Atom, atom } from "../term/atom.js";
import { type Pid } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { BAD_CALL, BAD_CAST, BAD_RETURN, ERROR, EXIT, GEN_CALL, GEN_CAST, IGNORE, NORMAL, OK, TIMEOUT } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { register } from "../runtime/erlang.js";
import { type Actor, CastMsg, DEAD, KEPT, NOT_DIRECT, TRAP_EXIT, unbox } from "../runtime/process.js";
import { ExitException, isQuietReason } from "../runtime/signals.js";
import { type Timer } from "../runtime/timers.js";
import { type CallSpec, type From, type ServerRef, reply as sendReply } from "./gen.js";
import { type Ack, type StartResult, okPid, start as procStart } from "./proc_lib.js";
import { Via, viaOfTuple, viaRegister, viaWhereis } from "./registry.js";
import { SYSTEM, handleSystem, sys, traceEvent } from "./sys.js";

// ---- callback results ------------------------------------------------------

/**
 * After a callback: `timeout` (ms) sends `timeout` as an info if no message
 * comes first; `continue` runs `handleContinue` next; `hibernate` is
 * accepted for OTP parity and does nothing (V8's collector needs no hint).
 */
export interface Next {
  timeout?: number;
  continue?: unknown;
  hibernate?: boolean;
}

export interface Ok<S> {
  readonly $: "ok";
  readonly state: S;
  readonly next: Next | undefined;
}
export interface Ignore {
  readonly $: "ignore";
}
export interface Reply<S, R> {
  readonly $: "reply";
  readonly value: R;
  readonly state: S;
  readonly next: Next | undefined;
}
export interface NoReply<S> {
  readonly $: "noreply";
  readonly state: S;
  readonly next: Next | undefined;
}
export interface Stop<S, R = never> {
  readonly $: "stop";
  readonly reason: unknown;
  readonly state: S;
  /** Present when the stop also answers the call. */
  readonly reply?: R;
  readonly hasReply: boolean;
}

export type InitResult<S> = Ok<S> | Ignore | Stop<S>;
export type CallResult<S, R> = Reply<S, R> | NoReply<S> | Stop<S, R>;
export type CastResult<S> = NoReply<S> | Stop<S>;

/** `{ok, State}` from `init`. */
export function ok<S>(state: S, next?: Next): Ok<S> {
  return { $: "ok", state, next };
}
/** `ignore` from `init`: the server does not start, and that is no error. */
export function ignore(): Ignore {
  return { $: "ignore" };
}
/** `{reply, Reply, State}` from `handleCall`. */
export function reply<S, R>(value: R, state: S, next?: Next): Reply<S, R> {
  return { $: "reply", value, state, next };
}
/** `{noreply, State}`: from `handleCall`, answer later with `GenServer.reply(from, value)`. */
export function noreply<S>(state: S, next?: Next): NoReply<S> {
  return { $: "noreply", state, next };
}
/** `{stop, Reason, State}`; from `handleCall` with a reply: `stop(reason, state, reply)`. */
export function stop<S, R = never>(reason: unknown, state: S, ...replyValue: [] | [R]): Stop<S, R> {
  return replyValue.length === 0
    ? { $: "stop", reason, state, hasReply: false }
    : { $: "stop", reason, state, reply: replyValue[0], hasReply: true };
}

// ---- the behaviour ---------------------------------------------------------

/**
 * The callback module. `S` is the state, `C` the call protocol, `Cast` the
 * cast messages, `Info` other messages, `Arg` what `init` receives.
 */
export abstract class GenServer<S = unknown, C extends CallSpec = CallSpec, Cast = unknown, Info = unknown, Arg = unknown> {
  /** Phantom: lets `start` return a pid typed with this server's protocol. */
  declare readonly __protocol?: { calls: C; casts: Cast };

  /**
   * Runs in the new server process before `start`/`startLink` returns; the
   * caller waits for it (keep it short: slow set-up belongs in
   * `handleContinue`, reached by `ok(state, { continue: x })`).
   *
   * Returns (OTP's `init/1`):
   * - `ok(state)`: the server runs; `start` resolves with its pid.
   * - `ok(state, { timeout: ms })`: as above, and `handleInfo(timeout)` runs
   *   if no message comes within `ms`.
   * - `ok(state, { continue: x })`: `handleContinue(x, state)` runs next,
   *   before any message.
   * - `ignore()`: the server exits `normal`; `start` resolves with `ignore`
   *   (a supervisor records the child as not running, and that is no error).
   * - `stop(reason, state)`: the server exits with `reason`; `start` fails
   *   with `{error, Reason}` (`StartServerOp.result()` gives the tuple).
   *
   * Throwing fails the start the same way, with what was thrown as the
   * reason. There is no default: every server implements `init`.
   *
   * @example
   * init(limit: number) {
   *   if (limit <= 0) return stop(t(atom("bad_limit"), limit), undefined);
   *   return ok({ limit, items: [] }, { continue: atom("load") });
   * }
   */
  abstract init(arg: Arg): InitResult<S>;

  /**
   * A `call` (`'$gen_call'`): answers the caller, or stops the server.
   *
   * Returns (OTP's `handle_call/3`):
   * - `reply(value, state)`: `value` goes back to the caller (typed by the
   *   {@link CallSpec} whose request this is); `next` as for `init`
   *   (`{ timeout }`, `{ continue }`).
   * - `noreply(state)`: no answer yet; answer later, from any callback, with
   *   `GenServer.reply(from, value)` (keep `from`). If it never comes the
   *   caller's call times out (5 s by default).
   * - `stop(reason, state, value)`: answers `value`, then `terminate(reason)`
   *   runs and the server exits with `reason`.
   * - `stop(reason, state)`: stops without answering; the caller's call
   *   fails with the exit reason (it monitors the server).
   *
   * Throwing stops the server with what was thrown as the reason (after
   * `terminate`), and the caller's call fails with it.
   *
   * Default (not overridden): the server stops with `{bad_call, Request}`,
   * as a gen_server module without a matching clause does.
   *
   * @example
   * handleCall(req: Calls["req"], from: From, s: State) {
   *   if (req === atom("count")) return reply(s.items.length, s);
   *   waiters.push(from);              // answered by a later cast
   *   return noreply(s);
   * }
   */
  handleCall(request: C["req"], _from: From<C["reply"]>, _state: S): CallResult<S, C["reply"]> {
    throw new ExitException(t(BAD_CALL, request));
  }

  /**
   * A `cast` (`'$gen_cast'`): fire and forget, nobody waits.
   *
   * Returns (OTP's `handle_cast/2`): `noreply(state)` (with `next` as for
   * `init`), or `stop(reason, state)`: `terminate(reason)` runs, then the
   * server exits with `reason`. Throwing stops it the same way.
   *
   * Default: the server stops with `{bad_cast, Request}`.
   *
   * @example
   * handleCast([, key, value]: Casts, s: State) {
   *   s.map.set(key, value);
   *   return noreply(s);
   * }
   */
  handleCast(request: Cast, _state: S): CastResult<S> {
    throw new ExitException(t(BAD_CAST, request));
  }

  /**
   * Any other message: a plain `send`, a `DOWN` of a monitor, an `EXIT` of a
   * link while trapping exits (except from the parent, which stops the
   * server: see `terminate`), and the atom `timeout` when a `{ timeout }`
   * elapsed with no message.
   *
   * Returns (OTP's `handle_info/2`): `noreply(state)` (with `next`) or
   * `stop(reason, state)`; throwing stops the server.
   *
   * Default: logs the message at `notice` and drops it, as gen_server does
   * (an unexpected message must not kill a server).
   *
   * @example
   * handleInfo(msg: unknown, s: State) {
   *   if (msg === atom("timeout")) return stop(atom("normal"), s); // idle too long
   *   return noreply(s);
   * }
   */
  handleInfo(msg: Info, state: S): CastResult<S> {
    const self = current;
    self?.rt.logger({
      level: "notice",
      what: "unexpected_info",
      text: `${inspect(self)} received unexpected message in handleInfo: ${inspect(msg)}`,
      pid: self,
      msg,
    });
    return noreply(state);
  }

  /**
   * Runs right after a callback returned `{ continue: cont }` in its `next`,
   * before any message is taken: the place for work that must follow `init`
   * (or a reply) without blocking the caller.
   *
   * Returns (OTP's `handle_continue/2`): `noreply(state)` (a further
   * `{ continue }` chains) or `stop(reason, state)`; throwing stops the server.
   *
   * Default: the server stops with `{bad_continue, Cont}` (a `continue` with
   * no handler is a bug).
   *
   * @example
   * init() { return ok(emptyState(), { continue: atom("load") }); }
   * handleContinue(_c: unknown, s: State) { return noreply(loadFromDisk(s)); }
   */
  handleContinue(cont: unknown, _state: S): CastResult<S> {
    throw new ExitException(t(atom("bad_continue"), cont));
  }

  /**
   * Called once when the server stops: after a `stop` result, after a
   * callback threw, on `GenServer.stop`, and when the parent (its
   * supervisor) sends an exit signal while the server traps exits (call
   * `processFlag("trap_exit", true)` in `init` to get it on a supervisor's
   * `shutdown`). Not called when the server is killed (`kill`), nor on a
   * parent's exit signal if it does not trap exits. Its return value is
   * ignored; the server then exits with `reason`, and a reason other than
   * `normal`, `shutdown` or `{shutdown, T}` is logged as a crash report.
   * Throwing replaces the exit reason with what was thrown.
   *
   * Default: does nothing.
   *
   * @example
   * terminate(reason: unknown, s: State) { s.file.closeSync(); }
   */
  terminate(_reason: unknown, _state: S): void {}

  /**
   * Hot code swap (`sys.changeCode` while the server is suspended, as
   * release handling does): turns the state kept by the old version of the
   * callback module into this version's. `oldVsn` is the old version (or
   * `{down, Vsn}` on a downgrade), `extra` what the upgrade passed.
   *
   * Returns the new state; throwing leaves the old module and state in
   * place, and `sys.changeCode` answers `{error, Reason}`.
   *
   * Default: keeps the state unchanged.
   *
   * @example
   * codeChange(_old: unknown, s: { count: number }) { return { count: s.count, seen: new Set() }; }
   */
  codeChange(_oldVsn: unknown, state: unknown, _extra: unknown): S {
    return state as S;
  }

  /**
   * Optional (OTP's `format_status/2`): what `sys:get_status` shows of the
   * server in place of the default `[{data, [{"State", State}]}]`, e.g. to
   * hide secrets or shorten a huge state. `opt` is `normal` (a status
   * request; the only use so far), `pdict` the process dictionary list
   * (`[{'$initial_call', ...}, {'$ancestors', [...]}]`).
   *
   * Returns a list (Misc's entries after the header and the status data:
   * `{data, [{Key, Value}]}` pairs read by `sys.getStatus`), or any other
   * term, which is shown wrapped in a list. Keys are Erlang strings
   * (`charlist("State")`) to print as strings on an Erlang node. Throwing
   * shows `{data, [{"State", "Class:format_status/2 crashed"}]}` instead.
   *
   * @example
   * formatStatus(_opt: Atom, [, s]: [unknown[], Session]) {
   *   return [t(atom("data"), [t(charlist("State"), { ...s, token: "***" })])];
   * }
   */
  formatStatus?(opt: Atom<"normal" | "terminate">, status: [pdict: unknown[], state: S]): unknown;

  // ---- client API (static, like Elixir's GenServer module) ----

  /** Starts a server (not linked). Resolves with its pid once `init` has returned. */
  static start<S, C extends CallSpec, Cast, Info, Arg>(
    server: GenServer<S, C, Cast, Info, Arg>,
    arg: Arg,
    opts: ServerOptions = {},
  ): StartServerOp<C, Cast> {
    const op = new StartServerOp(server as GenServer<unknown, C, Cast, unknown, unknown>, arg, opts, false);
    if (current === null) op.result(); // outside a process: start at once, as a promise would
    return op;
  }

  /** Starts a server linked to the calling process. */
  static startLink<S, C extends CallSpec, Cast, Info, Arg>(
    server: GenServer<S, C, Cast, Info, Arg>,
    arg: Arg,
    opts: ServerOptions = {},
  ): StartServerOp<C, Cast> {
    const op = new StartServerOp(server as GenServer<unknown, C, Cast, unknown, unknown>, arg, opts, true);
    if (current === null) op.result();
    return op;
  }

  /** Stops a server: its `terminate(reason)` runs, then it exits with `reason` (default `normal`). */
  static stop(server: ServerRef | Pid, reason: unknown = atom("normal"), timeout = Infinity): PromiseLike<Atom<"ok">> {
    return sys.terminate(server, reason, timeout);
  }

  /** Answers a call that `handleCall` left with `noreply`. */
  static reply<R>(from: From<R>, value: R): void {
    sendReply(from, value);
  }
}

/** A server's name: local (a string or atom), a {@link Via}, or the wire form `{global, Name}` / `{via, Module, Name}`. */
export type ServerName = string | Atom | Via | Tuple;

export interface ServerOptions {
  /** Register the server under this name (fails with `{already_started, Pid}` if taken). */
  name?: ServerName;
}

/** A typed pid of a started server. */
export type ServerPid<C extends CallSpec, Cast> = Pid & ServerRef<C, Cast>;

/** Starting a server: `yield*` inside a process, `await` outside; gives the pid or throws StartError. */
export class StartServerOp<C extends CallSpec, Cast> implements Iterable<unknown, ServerPid<C, Cast>, unknown>, PromiseLike<ServerPid<C, Cast>> {
  constructor(
    readonly server: GenServer<unknown, C, Cast, unknown, unknown>,
    readonly arg: unknown,
    readonly opts: ServerOptions,
    readonly link: boolean,
  ) {}

  private started: ReturnType<typeof procStart> | null = null;

  /** The Erlang-shaped result: `{ok, Pid}`, `ignore` or `{error, Reason}` (the server is started once). */
  result(): ReturnType<typeof procStart> {
    if (this.started !== null) return this.started;
    const { server, arg, opts, link } = this;
    const parent = link ? current : null;
    return (this.started = procStart((ack) => boot(server, arg, opts.name, parent, ack), { link }));
  }

  *[Symbol.iterator](): Iterator<unknown, ServerPid<C, Cast>, unknown> {
    const r: StartResult = yield* this.result();
    return okPid(r) as ServerPid<C, Cast>;
  }

  then<A = ServerPid<C, Cast>, B = never>(
    onFulfilled?: ((value: ServerPid<C, Cast>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return this.result().then((r) => okPid(r) as ServerPid<C, Cast>).then(onFulfilled, onRejected);
  }
}

/** Runs in the new process: register, init, ack, then become the server loop. */
function boot(
  server: GenServer<unknown, CallSpec, unknown, unknown, unknown>,
  arg: unknown,
  name: ServerName | undefined,
  parent: Pid | null,
  ack: Ack,
): Actor | Iterator<unknown, unknown, unknown> | undefined {
  const self = current!;
  const via = name instanceof Via ? name : viaOfTuple(name);
  if (via !== undefined) {
    const taken = () => {
      ack(t(ERROR, t(atom("already_started"), viaWhereis(via) ?? UNDEFINED)));
      throw new ExitException(NORMAL);
    };
    if (viaWhereis(via) !== undefined) taken();
    const r = viaRegister(via, self);
    if (!(r instanceof Atom)) {
      // A name service that asks other nodes (global): the process waits for it, then becomes the server.
      return (function* () {
        const answer = yield* { [Symbol.iterator]: () => r };
        if (answer !== YES) taken();
        const loop = initServer(server, arg, via, parent, ack);
        if (loop !== undefined) self.beh = loop;
      })();
    }
    if (r !== YES) taken();
    return initServer(server, arg, via, parent, ack);
  }
  if (name !== undefined) {
    const existing = self.rt.whereis(name as string | Atom);
    if (existing !== undefined) {
      ack(t(ERROR, t(atom("already_started"), existing)));
      throw new ExitException(NORMAL);
    }
    register(name as string | Atom, self);
  }
  return initServer(server, arg, name as string | Atom | undefined, parent, ack);
}

const YES = atom("yes");
const UNDEFINED = atom("undefined");

function initServer(
  server: GenServer<unknown, CallSpec, unknown, unknown, unknown>,
  arg: unknown,
  name: string | Atom | Via | undefined,
  parent: Pid | null,
  ack: Ack,
): ServerLoop | undefined {
  const self = current!;
  const r = server.init(arg);
  switch (r.$) {
    case "ok": {
      ack(t(OK, self));
      const loop = new ServerLoop(server, r.state, parent, name);
      loop.applyNext(r.next);
      return loop;
    }
    case "ignore":
      ack(IGNORE);
      throw new ExitException(NORMAL);
    case "stop":
      ack(t(ERROR, r.reason));
      throw new ExitException(r.reason);
    default:
      ack(t(ERROR, t(BAD_RETURN, r)));
      throw new ExitException(t(BAD_RETURN, r));
  }
}

const TIMEOUT_MSG = Symbol("gen_server timeout");

/** The server's receive loop, as a callback actor. */
export class ServerLoop implements Actor {
  private timer: Timer | null = null;
  /** @internal sys: while suspended only system messages are handled; others wait here, in order. */
  suspended = false;
  deferred: unknown[] = [];
  held(): readonly unknown[] {
    return this.deferred;
  }
  /** @internal sys statistics (messages in and out) and trace. */
  stats: { since: number; in: number; out: number } | null = null;
  trace = false;

  constructor(
    public mod: GenServer<unknown, CallSpec, unknown, unknown, unknown>,
    public state: unknown,
    readonly parent: Pid | null,
    /** The name it was started under (the header of `sys:get_status`). */
    readonly name?: string | Atom | Via,
  ) {}

  /** Casts come as {@link CastMsg} (no tuple per queued cast). */
  readonly casts = true;

  handle(msg: unknown): void {
    // Casts apart: a bigger `handle` is no longer inlined where it runs, and
    // then the reply's tuple is built through V8's generic (C++) path, ~900
    // instructions (measured with callgrind).
    if (msg instanceof CastMsg) return this.handleCastMsg(msg);
    if (this.timer !== null) this.cancelTimeout();
    this.handleMsg(msg);
  }

  private handleCastMsg(msg: CastMsg): void {
    if (this.timer !== null) this.cancelTimeout();
    if (this.suspended || this.stats !== null || this.trace) return this.handleMsg(unbox(msg)); // sys sees and holds the tuple
    this.onCast(msg.req);
  }

  /**
   * A direct cast (see `Runtime.castNow`): handled now, as a queued one
   * would be; false (nothing done) while sys must see it (suspended,
   * statistics, trace), and the cast is then queued.
   */
  castNow(request: unknown): boolean {
    if (this.suspended || this.stats !== null || this.trace) return false;
    if (this.timer !== null) this.cancelTimeout();
    this.onCast(request);
    return true;
  }

  private onCast(request: unknown): void {
    try {
      const r = this.mod.handleCast(request, this.state);
      if (r.$ === "noreply") {
        this.state = r.state;
        return this.applyNext(r.next);
      }
      this.onResult(r, t(GEN_CAST, request)); // the tuple only for a stop's report
    } catch (e) {
      this.crash(e, t(GEN_CAST, request));
    }
  }

  private handleMsg(msg: unknown): void {
    try {
      if (msg instanceof Tuple && msg[0] === SYSTEM && msg.length === 3) return handleSystem(this, msg[1] as From, msg[2]);
      if (this.suspended) {
        this.deferred.push(msg);
        return;
      }
      if (this.stats !== null) this.stats.in++;
      if (this.trace) traceEvent(this, msg);
      if (msg instanceof Tuple) {
        const tag = msg[0];
        if (tag === GEN_CALL && msg.length === 3) return this.onCall(msg[2], msg[1] as From);
        if (tag === GEN_CAST && msg.length === 2) return this.onResult(this.mod.handleCast(msg[1], this.state), msg);
        if (tag === EXIT && msg.length === 3 && msg[1] === this.parent && this.parent !== null && current!.flags & TRAP_EXIT) {
          return this.terminate(msg[2], msg);
        }
      }
      this.onResult(this.mod.handleInfo(msg === TIMEOUT_MSG ? TIMEOUT : msg, this.state), msg);
    } catch (e) {
      this.crash(e, msg);
    }
  }

  /**
   * A direct call (see `Runtime.directCall`): the reply is returned instead
   * of sent when `handleCall` answers at once with nothing to do after it;
   * any other result is applied as for a received request (a later reply,
   * a stop, a `continue`), and the caller then waits for its message.
   */
  callNow(request: unknown, from: From): unknown {
    if (this.suspended || this.stats !== null || this.trace) return NOT_DIRECT;
    if (this.timer !== null) this.cancelTimeout();
    try {
      const r = this.mod.handleCall(request, from, this.state);
      if (r.$ === "reply" && r.next === undefined) {
        this.state = r.state;
        return r.value;
      }
      this.onCallResult(r, request, from);
    } catch (e) {
      this.crash(e, t(GEN_CALL, from, request));
    }
    return KEPT;
  }

  private onCall(request: unknown, from: From): void {
    this.onCallResult(this.mod.handleCall(request, from, this.state), request, from);
  }

  private onCallResult(r: CallResult<unknown, unknown>, request: unknown, from: From): void {
    switch (r.$) {
      case "reply":
        sendReply(from, r.value);
        this.state = r.state;
        return this.applyNext(r.next);
      case "noreply":
        this.state = r.state;
        return this.applyNext(r.next);
      case "stop":
        if (r.hasReply) sendReply(from, r.reply);
        this.state = r.state;
        return this.terminate(r.reason, request);
      default:
        throw new ExitException(t(BAD_RETURN, r));
    }
  }

  private onResult(r: CastResult<unknown>, msg: unknown): void {
    switch (r.$) {
      case "noreply":
        this.state = r.state;
        return this.applyNext(r.next);
      case "stop":
        this.state = r.state;
        return this.terminate(r.reason, msg);
      default:
        throw new ExitException(t(BAD_RETURN, r));
    }
  }

  /** Applies `continue` (at once, before any other message) and `timeout`. */
  applyNext(next: Next | undefined): void {
    while (next !== undefined) {
      if (next.continue !== undefined) {
        const r = this.mod.handleContinue(next.continue, this.state);
        if (r.$ === "stop") {
          this.state = r.state;
          return this.terminate(r.reason, next.continue);
        }
        this.state = r.state;
        next = r.next;
        continue;
      }
      if (next.timeout !== undefined && next.timeout !== Infinity) this.armTimeout(next.timeout);
      return;
    }
  }

  private armTimeout(ms: number): void {
    const self = current!;
    this.timer = self.rt.addTimer(ms, () => {
      this.timer = null;
      self.rt.deliver(self, TIMEOUT_MSG);
    });
  }

  private cancelTimeout(): void {
    current!.rt.timers.cancel(this.timer!);
    this.timer = null;
  }

  /** Calls `terminate`, then exits with the reason (a normal stop logs nothing). */
  terminate(reason: unknown, lastMsg: unknown): never {
    try {
      this.mod.terminate(reason, this.state);
    } catch (e) {
      this.report(e, lastMsg);
      throw exitOnce(e instanceof ExitException ? e.reason : e);
    }
    if (!isQuietReason(reason)) this.report(reason, lastMsg);
    throw exitOnce(reason);
  }

  /** A callback threw: `terminate` still runs, then the server exits with the reason. */
  private crash(e: unknown, lastMsg: unknown): never {
    // Already ended, or killed meanwhile (a direct cast's server killed it): no terminate for a killed process.
    if ((e instanceof ExitException && terminated.has(e)) || current!.flags & DEAD) throw e;
    const reason = e instanceof ExitException ? e.reason : e;
    return this.terminate(reason, lastMsg);
  }

  private report(reason: unknown, lastMsg: unknown): void {
    const self = current!;
    const detail = reason instanceof Error ? (reason.stack ?? String(reason)) : inspect(reason);
    self.rt.logger({
      level: "error",
      what: "gen_server_terminate",
      text:
        `** Generic server ${inspect(self)} terminating\n` +
        `** Last message in was ${lastMsg === TIMEOUT_MSG ? "timeout" : inspect(lastMsg)}\n` +
        `** When Server state == ${inspect(this.state)}\n` +
        `** Reason for termination ==\n** ${detail}`,
      pid: self,
      reason,
    });
  }
}

/** The exit that ends a server after `terminate` ran: passed through, never handled twice. */
const terminated = new WeakSet<ExitException>();
function exitOnce(reason: unknown): ExitException {
  const e = new ExitException(reason);
  terminated.add(e);
  return e;
}
