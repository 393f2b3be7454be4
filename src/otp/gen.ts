/**
 * The call protocol of `gen` (what `gen_server:call` does), the Erlang way,
 * so a call can cross the wire unchanged:
 *
 *   caller:  Mref = monitor(process, Server, [{alias, demonitor}])
 *            Server ! {'$gen_call', {self(), [alias | Mref]}, Request}
 *   server:  Alias ! {[alias | Mref], Reply}
 *   caller:  receive {[alias | Mref], Reply} | {'DOWN', Mref, ...} after Timeout
 *
 * The monitor is also the alias: once the caller gives up (timeout) or the
 * reply arrived, the alias is gone and a late reply is dropped, never a stray
 * message. The receive skips every message queued before the monitor was
 * made (the receive marker), so a caller with a long mailbox pays O(1).
 *
 * A call to an idle local server is a direct call (`Runtime.directCall`):
 * its `handleCall` runs now, as the server's turn, and the reply comes back
 * without a message; only when it does not answer at once does the caller
 * wait as above (see `callNow`).
 *
 * Inside a process `call()` returns a {@link CallOp}: write
 * `yield* call(server, req)` (the request goes out then); from plain async
 * code it returns a native promise: `await call(server, req)` (the request
 * goes out at once, like any promise's work).
 */
import { Atom, atom } from "../term/atom.js";
import { Pid, type Ref } from "../term/identifiers.js";
import { ImproperList } from "../term/improper_list.js";
import { inspect } from "../term/inspect.js";
import { equals } from "../term/equals.js";
import { type Tup, Tuple, t } from "../term/tuple.js";
import { ALIAS, CALL, DOWN, GEN_CALL, GEN_CAST, INFINITY, NOCONNECTION, NODEDOWN, NOPROC, PROCESS, TIMEOUT } from "../runtime/atoms.js";
import { monitorRemote } from "../runtime/dist_entry.js";
import { BadArgError, ExitError } from "../runtime/errors.js";
import { current } from "../runtime/current.js";
import { runtime, send } from "../runtime/erlang.js";
import { DEAD, KEPT, LocalRef, NOT_DIRECT, Proc } from "../runtime/process.js";
import { CREATED, CustomReceive, YieldOp, doneStep, waitStep } from "../runtime/receive.js";
import { type Runtime } from "../runtime/runtime.js";
import * as sig from "../runtime/signals.js";
import { ExitException } from "../runtime/signals.js";
import { type Timer } from "../runtime/timers.js";
import { Via, viaOfTuple, viaWhereis } from "./registry.js";

/** A request type and the type of its reply: a GenServer's call protocol is a union of these. */
export interface CallSpec<Req = unknown, Reply = unknown> {
  req: Req;
  reply: Reply;
}

/** The reply type for request `Q` under call protocol `C`. */
export type ReplyTo<C extends CallSpec, Q> = C extends { req: infer R; reply: infer A } ? (Q extends R ? A : never) : never;

/**
 * A server: a pid, a registered name, `t(name, node)` (a name on a node,
 * possibly another one) or a registry name, optionally carrying its
 * protocol types so that `call` and `cast` are checked at the call site.
 */
export type ServerRef<C extends CallSpec = CallSpec, Cast = unknown> = (Pid | Atom | string | Via | Tup<[Atom, Atom]> | Tup<[Atom, unknown]>) & {
  readonly __calls?: C;
  readonly __casts?: Cast;
};

/** A registered name typed with the server's protocol. */
export function serverName<C extends CallSpec, Cast = unknown>(name: string): ServerRef<C, Cast> {
  return atom(name) as ServerRef<C, Cast>;
}

/** Who is waiting for a reply: `{Pid, Tag}` as in Erlang. Pass it to {@link reply}. */
export type From<_R = unknown> = Tup<[Pid, unknown]>;

/** A call that failed: `reason` is Erlang's exit reason, e.g. `{timeout, {gen_server, call, [Server, Req]}}`. */
export class CallError extends ExitError {}

/** Sends the reply for a call (for `handleCall` results that reply later). */
export function reply<R>(from: From<R>, value: R): void {
  const pid = from[0]; // indexing, not destructuring: a Tuple would go through the iterator protocol
  const tag = from[1];
  // `[alias | Ref]` tags are answered through the alias, so a late reply is dropped.
  if (tag instanceof ImproperList && tag.elements[0] === ALIAS) {
    const alias = tag.tail;
    if (alias instanceof LocalRef) {
      const owner = alias.alias;
      if (owner !== null) owner.rt.deliver(owner, t(tag, value));
      return;
    }
    send(alias as Ref, t(tag, value));
  } else send(pid, t(tag, value));
}

/** Sends a cast: `{'$gen_cast', Request}`. Never fails, even if the server is gone (as in Erlang). */
export function cast<C extends CallSpec, Cast>(server: ServerRef<C, Cast>, request: Cast): void {
  if (server instanceof Proc) return server.rt.deliverCast(server, request); // the common case first: a local pid
  const rt = runtime();
  const via = server instanceof Via ? server : viaOfTuple(server);
  if (via !== undefined) {
    const p = viaWhereis(via);
    if (p === undefined) return;
    if (p instanceof Proc) p.rt.deliverCast(p, request);
    else {
      try {
        rt.send(p, t(GEN_CAST, request));
      } catch {
        // not a node any more: dropped
      }
    }
  } else if (server instanceof Pid || server instanceof Tuple) {
    try {
      rt.send(server, t(GEN_CAST, request));
    } catch {
      // a remote server while this runtime is not a node: dropped, as gen_server:cast does
    }
  } else {
    const p = rt.whereis(server as Atom | string);
    if (p !== undefined) (p as Proc).rt.deliverCast(p as Proc, request);
  }
}

function callReason(why: unknown, server: unknown, request: unknown, label: Atom): Tup<[unknown, unknown]> {
  return t(why, t(label, CALL, [server, request]));
}

function callError(why: unknown, server: unknown, request: unknown, label: Atom): CallError {
  const reason = callReason(why, server, request, label);
  return new CallError(reason, `call to ${inspect(server)} failed: ${inspect(why)}`);
}

/** A server on another node: its pid, or the name it is registered under there. */
class Remote {
  constructor(
    readonly node: Atom,
    readonly dest: Pid | Atom,
    /** What the call sends to (the pid, or `{Name, Node}`) and what its DOWN names. */
    readonly item: Pid | Tup<[Atom, Atom]>,
  ) {}
}

/** The live local process, the remote server, or undefined when there is no such local process. */
function resolve(rt: Runtime, server: unknown, request: unknown, label: Atom): Proc | Remote | undefined {
  if (server instanceof Proc) return server.flags & DEAD ? undefined : server;
  const via = server instanceof Via ? server : viaOfTuple(server);
  if (via !== undefined) {
    const p = viaWhereis(via);
    if (p === undefined || p instanceof Proc) return p === undefined || p.flags & DEAD ? undefined : p;
    if (p.node === rt.nodeName) return undefined;
    return remote(rt, p.node, p, p, request, label);
  }
  if (server instanceof Pid) {
    if (server.node === rt.nodeName) return undefined; // a dead process of this node
    return remote(rt, server.node, server, server, request, label);
  }
  if (server instanceof Tuple) {
    const name = server[0];
    const node = server[1];
    if (server.length !== 2 || !(name instanceof Atom) || !(node instanceof Atom)) throw new BadArgError(`call: ${inspect(server)} is not a server`);
    if (node === rt.nodeName) return rt.whereis(name);
    return remote(rt, node, name, server as Tup<[Atom, Atom]>, request, label);
  }
  return rt.whereis(server as Atom | string);
}

function remote(rt: Runtime, node: Atom, dest: Pid | Atom, item: Pid | Tup<[Atom, Atom]>, request: unknown, label: Atom): Remote {
  // As gen.erl on a node that is not alive: the other node is down, by definition.
  if (rt.remote === null) throw callError(t(NODEDOWN, node), item, request, label);
  return new Remote(node, dest, item);
}

/**
 * Sends a call's request after setting up its monitor (also the reply
 * alias) for `owner`. Local servers get the message directly; a remote
 * server is monitored over the wire (by name when called by name, so a
 * missing name answers `noproc`), then sent to.
 */
function sendRequest(owner: Proc, target: Proc | Remote, mref: LocalRef, msg: unknown): void {
  if (target instanceof Proc) {
    sig.monitor(owner, target, mref, target, true);
    target.rt.deliver(target, msg);
    return;
  }
  monitorRemote(owner, target.dest, target.node, mref, target.item, true);
  owner.rt.send(target.item, msg);
}

/** A failed remote call's reason: a lost connection is `{nodedown, Node}`, as gen.erl says. */
function downReason(reason: unknown, node: Atom | null): unknown {
  return node !== null && reason === NOCONNECTION ? t(NODEDOWN, node) : reason;
}

const NO_ANSWER: unique symbol = Symbol("no answer");
const YIELD = new YieldOp();

/**
 * A direct call (`Runtime.directCall`) from `owner` (a process, or the call
 * router for async code): the reply, NOT_DIRECT (the request must be sent),
 * or KEPT. While the server runs, `mref` is an alias of `owner`, so a reply
 * sent through `from` arrives; after KEPT the caller waits for its reply as
 * for a sent request: monitored, or with the `DOWN` the monitor would have
 * given if the server died meanwhile.
 */
function callNow(owner: Proc, target: Proc, mref: LocalRef, from: unknown, request: unknown): unknown {
  mref.alias = owner;
  const v = owner.rt.directCall(target, request, from);
  if (v === KEPT) {
    if (target.flags & DEAD) {
      mref.alias = null;
      owner.rt.deliver(owner, t(DOWN, mref, PROCESS, target, target.ext!.exitReason));
    } else sig.monitor(owner, target, mref, target, true);
  } else mref.alias = null;
  return v;
}

/**
 * A pending call: `yield*` it inside a process, `await` it elsewhere. In a
 * process it is itself the receive that waits for the reply, matching by
 * hand (no clause objects, no closures) and starting after the messages that
 * were queued before the call.
 */
export class CallOp<R> extends CustomReceive<R> implements PromiseLike<R> {
  private tag: ImproperList | null = null;
  private mref: LocalRef | null = null;
  /** The server's node when it is remote. */
  private node: Atom | null = null;

  constructor(
    readonly server: unknown,
    readonly request: unknown,
    timeout: number,
    readonly label: Atom = GEN_SERVER_LABEL,
    /** The message's tag: `'$gen_call'`, or `system` for sys requests. */
    readonly kind: Atom = GEN_CALL,
  ) {
    super();
    this.timeout = timeout;
  }

  /** Inside a process: send the request; the process then waits in this op. */
  override [Symbol.iterator](): Iterator<unknown, R, unknown> {
    const self = current;
    if (self === null) notInProcess();
    if (this.state !== CREATED) throw new Error("a call operation is used once: write `yield* call(...)` each time");
    this.started = false;
    const target = resolve(self.rt, this.server, this.request, this.label);
    if (target === undefined) throw callError(NOPROC, this.server, this.request, this.label);
    const mref = self.rt.makeRef() as LocalRef; // sets the receive marker: the wait skips older messages
    const tag = new ImproperList(ALIAS_HEAD, mref);
    this.mref = mref;
    this.tag = tag;
    this.key = mref;
    if (target instanceof Proc) {
      const from = t(self, tag);
      if (this.kind === GEN_CALL && self.rt.canCallNow(target, self)) {
        const v = callNow(self, target, mref, from, this.request);
        if (v !== NOT_DIRECT) {
          if (self.flags & DEAD) throw new ExitException(self.ext!.exitReason); // the server killed its caller: unwind it
          if (v !== KEPT) {
            this.answer = v;
            this.yieldFirst = !self.rt.directTurn();
          }
          return this;
        }
      }
      sig.monitor(self, target, mref, target, true);
      target.rt.deliver(target, t(this.kind, from, this.request));
    } else {
      this.node = target.node;
      sendRequest(self, target, mref, t(this.kind, t(self, tag), this.request));
    }
    return this;
  }

  /** The reply of a direct call, handed back at the first `next` (no wait). */
  private answer: unknown = NO_ANSWER;

  /** The caller made its turn's share of direct calls: it yields before it takes the answer. */
  private yieldFirst = false;

  override next(v?: unknown): IteratorResult<unknown, R> {
    const a = this.answer;
    if (a !== NO_ANSWER) {
      if (this.yieldFirst) {
        this.yieldFirst = false;
        return waitStep(YIELD);
      }
      this.answer = NO_ANSWER;
      this.started = true;
      return doneStep(a as R);
    }
    if (this.started) return doneStep(v as R);
    this.started = true;
    return waitStep(this);
  }

  test(m: unknown): boolean {
    if (!(m instanceof Tuple)) return false;
    if (m.length === 2) {
      const tag = m[0];
      return tag === this.tag || (tag instanceof ImproperList && equals(tag, this.tag));
    }
    return m.length === 5 && m[0] === DOWN && m[1] === this.mref;
  }

  take(m: unknown): R {
    const msg = m as unknown[];
    if (msg.length === 2) {
      sig.demonitor(current!, this.mref!, false);
      return msg[1] as R;
    }
    throw callError(downReason(msg[4], this.node), this.server, this.request, this.label);
  }

  override expire(): never {
    sig.demonitor(current!, this.mref!, true);
    throw callError(TIMEOUT, this.server, this.request, this.label);
  }

  private pending: Promise<R> | null = null;

  /** Awaited although made inside a process (an async helper a process called): sent now, through the runtime's call router. */
  start(): this {
    this.pending ??= routerFor(runtime()).call<R>(this.server, this.request, this.timeout, this.label, this.kind);
    return this;
  }

  /** Awaited: the runtime's call router waits for the reply. */
  then<A = R, B = never>(
    onFulfilled?: ((value: R) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return this.start().pending!.then(onFulfilled, onRejected);
  }
}

const GEN_SERVER_LABEL = atom("gen_server");
const ALIAS_HEAD = [ALIAS];

/**
 * Calls a server and waits for its reply (default timeout 5000 ms; pass
 * `Infinity` for none). Rejects / throws {@link CallError} with Erlang's
 * reason: `noproc`, `timeout`, or the server's exit reason.
 *
 * @example
 * const value = yield* call(store, t(atom("get"), "foo")); // inside a process
 * const value = await call(store, t(atom("get"), "foo"));  // from async code
 */
export function call<C extends CallSpec, Q extends C["req"]>(
  server: ServerRef<C>,
  request: Q,
  timeout = 5000,
): Call<ReplyTo<C, Q>> {
  // Outside a process the call starts at once, as a promise would; inside, at `yield*`.
  if (current === null) return asyncCall(server, request, timeout, GEN_SERVER_LABEL, GEN_CALL);
  return new CallOp<ReplyTo<C, Q>>(server, request, timeout);
}

/** A `sys` request: `{system, From, Request}`, answered like a call (what `sys` and `proc_lib:stop` send). */
export function systemCall<R>(server: ServerRef, request: unknown, timeout = 5000): Call<R> {
  if (current === null) return asyncCall(server, request, timeout, SYS_LABEL, SYSTEM);
  return new CallOp<R>(server, request, timeout, SYS_LABEL, SYSTEM);
}

/**
 * What {@link call} returns: inside a process a {@link CallOp} to `yield*`;
 * outside any process a native promise, which `await` takes as it is (a
 * thenable costs V8 a `then` lookup and one more job per await), refusing
 * `yield*` with a clear error.
 *
 * @example
 * const a: Call<number> = call(counter, GET); // from async code: a native promise
 * const n = await a;
 */
export type Call<R> = PromiseLike<R> & Iterable<unknown, R, unknown>;

function asyncCall<R>(server: unknown, request: unknown, timeout: number, label: Atom, kind: Atom): Call<R> {
  const p = routerFor(runtime()).call<R>(server, request, timeout, label, kind) as Promise<R> & Partial<Call<R>>;
  p[Symbol.iterator] = notInProcess;
  return p as Call<R>;
}

function notInProcess(): never {
  throw new Error("yield* call(...) is for process code; use `await call(...)` outside processes");
}

const SYS_LABEL = atom("sys");
const SYSTEM = atom("system");

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: Timer | null;
  server: unknown;
  request: unknown;
  label: Atom;
  mref: Ref;
  node: Atom | null;
}

/**
 * Receives replies for calls made from outside any process: one actor per
 * runtime owns the aliases and monitors of those calls and settles their
 * promises.
 */
class CallRouter {
  readonly pending = new Map<Ref, Pending>();
  readonly proc: Proc;

  constructor(readonly rt: Runtime) {
    this.proc = rt.spawn({ handle: (m: unknown) => this.handle(m) });
  }

  /** The reply of a direct call comes back as a settled promise, without an executor closure. */
  call<R>(server: unknown, request: unknown, timeout: number, label: Atom, kind: Atom): Promise<R> {
    const rt = this.rt;
    const me = this.proc;
    const mref = rt.newRef() as LocalRef;
    const tag = new ImproperList(ALIAS_HEAD, mref);
    let dest: Proc | Remote | undefined;
    let sent = false;
    try {
      dest = resolve(rt, server, request, label);
      if (dest === undefined) throw callError(NOPROC, server, request, label);
      if (dest instanceof Proc && kind === GEN_CALL && rt.canCallNow(dest, null)) {
        const v = callNow(me, dest, mref, t(me, tag), request);
        if (v !== NOT_DIRECT && v !== KEPT) return Promise.resolve(v as R);
        sent = v === KEPT;
      }
    } catch (e) {
      return Promise.reject(e);
    }
    const target = dest;
    const node = target instanceof Remote ? target.node : null;
    return new Promise<R>((resolvePromise, reject) => {
      const entry: Pending = { resolve: resolvePromise as (v: unknown) => void, reject, timer: null, server, request, label, mref, node };
      this.pending.set(mref, entry);
      if (timeout !== Infinity) {
        entry.timer = rt.addTimer(timeout, () => {
          entry.timer = null;
          this.finish(mref);
          reject(callError(TIMEOUT, server, request, label));
        });
      }
      if (!sent) sendRequest(me, target, mref, t(kind, t(me, tag), request));
    });
  }

  private finish(mref: Ref): Pending | undefined {
    const e = this.pending.get(mref);
    if (e === undefined) return undefined;
    this.pending.delete(mref);
    sig.demonitor(this.proc, mref, true);
    if (e.timer !== null) this.rt.timers.cancel(e.timer);
    return e;
  }

  private handle(m: unknown): void {
    if (!(m instanceof Tuple)) return;
    if (m.length === 2 && m[0] instanceof ImproperList) {
      const e = this.finish(m[0].tail as Ref);
      e?.resolve(m[1]);
    } else if (m.length === 5 && m[0] === DOWN) {
      const e = this.finish(m[1] as Ref);
      e?.reject(callError(downReason(m[4], e.node), e.server, e.request, e.label));
    }
  }
}

const routers = new WeakMap<Runtime, CallRouter>();

function routerFor(rt: Runtime): CallRouter {
  let r = routers.get(rt);
  if (r === undefined || r.proc.flags & DEAD) {
    r = new CallRouter(rt);
    routers.set(rt, r);
  }
  return r;
}

/** Erlang's spelling of a timeout in reasons: `infinity` for none. */
export function timeoutTerm(ms: number): number | Atom {
  return ms === Infinity ? INFINITY : ms;
}
