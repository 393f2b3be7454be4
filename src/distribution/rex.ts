/**
 * Remote calls into this node: the functions a program exports for other
 * nodes, and the two ways erl calls them.
 *
 * - `rex`, the registered server of Erlang's `rpc` module:
 *   `gen_server:call({rex, Node}, {call, M, F, A, GroupLeader})` (what
 *   `rpc:block_call` and nodes before OTP 23 send, and what Agner's own
 *   `rpc.call` sends), `{block_call, ...}`, casts `{cast, M, F, A, GL}`, and
 *   `{From, features_request}`.
 * - SPAWN_REQUEST of `erpc:execute_call/4` and `erpc:execute_cast/3`: since
 *   OTP 25, `rpc:call` and `erpc:call` from erl always spawn the call on the
 *   target node. A spawn request runs only a function exported here (never
 *   arbitrary code); any other `{M, F, A}` starts a process that exits with
 *   `undef`, as erl's would.
 *
 * Results follow erl: a return value is the reply; an exception becomes
 * `{badrpc, {'EXIT', Reason}}` for rex (`{badrpc, {'EXIT', {undef, [{M, F,
 * Args, []}]}}}` for a function nobody exported), and the exit reason
 * `{Ref, return | throw | exit | error, ...}` that erpc turns back into a
 * result or an exception on the caller's side. A thrown `Error` is the
 * reason `{Name, Message}` (e.g. `{'TypeError', <<"x is not a function">>}`);
 * a thrown `ExitException` / `ExitError` an exit with its reason; any other
 * thrown value an Erlang `throw`.
 */
import { Atom, atom } from "../term/atom.js";
import { Pid, Ref } from "../term/identifiers.js";
import { type Tup, Tuple, t } from "../term/tuple.js";
import { BadArgError } from "../runtime/errors.js";
import { await_ } from "../runtime/receive.js";
import { ExitError } from "../runtime/errors.js";
import { ExitException } from "../runtime/signals.js";
import { type Proc } from "../runtime/process.js";
import type { Runtime } from "../runtime/runtime.js";
import { remoteSignal } from "../runtime/dist_entry.js";
import { GenServer, type CallResult, noreply, ok } from "../otp/gen_server.js";
import { type From, reply } from "../otp/gen.js";
import type { SpawnRequestMsg } from "./control.js";
import type { DistConnection } from "./types.js";
import { replyable } from "./net_kernel.js";
import { ErlangError, erlangBuiltin, isList } from "./introspection.js";
import { otpBuiltin } from "./introspection_otp.js";

/**
 * A function other nodes may call. It runs in a process of its own (so it
 * may use `self()`, and as a generator function `yield* receive(...)` or
 * `yield* call(...)`); it may return a value, a promise, or (a generator
 * function) the value the generator returns.
 */
export type ExportedFn = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Exported {
  fn: ExportedFn;
  arity: number | undefined;
}

const tables = new WeakMap<Runtime, Map<string, Exported>>();

function table(rt: Runtime): Map<string, Exported> {
  let m = tables.get(rt);
  if (m === undefined) tables.set(rt, (m = new Map()));
  return m;
}

function key(module: Atom, fn: Atom): string {
  return `${module.name}\0${fn.name}`;
}

/** Exports `fn` as `module:name` for other nodes (with `arity`, only calls with that many arguments match). */
export function exportFn(rt: Runtime, module: string | Atom, name: string | Atom, fn: ExportedFn, arity?: number): void {
  if (typeof fn !== "function") throw new BadArgError(`rpc.export: ${String(name)} is not a function`);
  if (arity !== undefined && (!Number.isInteger(arity) || arity < 0 || arity > 255)) throw new BadArgError(`rpc.export: arity ${arity} is not 0..255`);
  table(rt).set(key(asAtom(module), asAtom(name)), { fn, arity });
}

/** Withdraws an export; true if there was one. */
export function unexportFn(rt: Runtime, module: string | Atom, name: string | Atom): boolean {
  return table(rt).delete(key(asAtom(module), asAtom(name)));
}

function asAtom(x: string | Atom): Atom {
  return typeof x === "string" ? atom(x) : x;
}

/** The exported function `module:fn` taking `args`, if any (else a built-in one). */
export function lookup(rt: Runtime, module: unknown, fn: unknown, args: unknown): ExportedFn | undefined {
  if (!(module instanceof Atom) || !(fn instanceof Atom) || !isList(args)) return undefined;
  const e = tables.get(rt)?.get(key(module, fn));
  if (e === undefined || (e.arity !== undefined && e.arity !== args.length)) return builtin(module, fn, args, rt);
  return e.fn;
}

// ---- built-in functions ----------------------------------------------------------

/**
 * What every node answers without an export: `erlang:node/0`, `nodes/0,1`,
 * `system_info/1`, and (unless switched off) what BEAM tools read over rpc
 * (introspection.ts, introspection_otp.ts).
 */
function builtin(module: Atom, fn: Atom, args: unknown[], rt: Runtime): ExportedFn | undefined {
  if (module === ERLANG) return erlangBuiltin(rt, fn, args);
  return otpBuiltin(rt, module, fn, args) ?? modules.get(module)?.(rt, fn, args);
}

/** What a module every node answers resolves `fn(args...)` to on a runtime (undefined: not there, undef). */
export type BuiltinModule = (rt: Runtime, fn: Atom, args: unknown[]) => ExportedFn | undefined;

const modules = new Map<Atom, BuiltinModule>();

/**
 * A module every node of this program answers, as the built-in ones (a
 * higher layer's, e.g. the remote shell's `agner_shell`); its own resolver
 * decides, per runtime, whether it is on.
 */
export function defineBuiltinModule(module: string, resolve: BuiltinModule): void {
  modules.set(atom(module), resolve);
}

const ERLANG = atom("erlang");

const BADRPC = atom("badrpc");
const EXIT = atom("EXIT");
const UNDEF = atom("undef");
const RETURN = atom("return");
const THROW = atom("throw");
const ERROR = atom("error");
const EXIT_CLASS = atom("exit");
const CALL = atom("call");
const BLOCK_CALL = atom("block_call");
const CAST = atom("cast");
const FEATURES_REQUEST = atom("features_request");
const FEATURES_REPLY = atom("features_reply");
const ERPC = atom("erpc");
const EXECUTE_CALL = atom("execute_call");
const EXECUTE_CAST = atom("execute_cast");
const LINK = atom("link");
const MONITOR = atom("monitor");

/** How a call ended: Erlang's exception classes, plus a normal return. */
type Outcome =
  | { kind: "return"; value: unknown }
  | { kind: "throw"; value: unknown }
  | { kind: "exit"; reason: unknown }
  | { kind: "error"; reason: unknown; stack: unknown[] };

/** A JS error as an Erlang reason: `{Name, Message}`. */
export function errorTerm(e: Error): Tup<[Atom, string]> {
  return t(atom(e.name || "Error"), e.message);
}

function classify(e: unknown, module: Atom, fn: Atom, arity: number): Outcome {
  if (e instanceof ExitException || e instanceof ExitError) return { kind: "exit", reason: e.reason };
  if (e instanceof ErlangError) return { kind: "error", reason: e.reason, stack: [t(module, fn, arity, [])] };
  if (e instanceof Error) return { kind: "error", reason: errorTerm(e), stack: [t(module, fn, arity, [])] };
  return { kind: "throw", value: e };
}

/**
 * The body of a process that runs `module:fn(...args)` and reports how it
 * ended to `done` (then the process ends with the reason `done` returns).
 */
function callBody(rt: Runtime, module: unknown, fn: unknown, args: unknown, done: (o: Outcome) => unknown): () => Generator<unknown, void, unknown> {
  return function* () {
    const f = lookup(rt, module, fn, args);
    let outcome: Outcome;
    if (f === undefined) {
      outcome = { kind: "error", reason: UNDEF, stack: [t(module, fn, args, [])] };
    } else {
      const list = args as unknown[];
      try {
        let v = f(...list);
        if (v !== null && typeof v === "object") {
          if (typeof (v as Iterator<unknown>).next === "function" && typeof (v as Iterable<unknown>)[Symbol.iterator] === "function") {
            v = yield* v as Generator<unknown, unknown, unknown>;
          } else if (typeof (v as PromiseLike<unknown>).then === "function") {
            v = yield* await_(v as PromiseLike<unknown>);
          }
        }
        outcome = { kind: "return", value: v };
      } catch (e) {
        outcome = classify(e, module as Atom, fn as Atom, list.length);
      }
    }
    const reason = done(outcome);
    if (reason !== undefined) throw new ExitException(reason);
  };
}

/** What rex replies for an outcome (rpc.erl's `execute_call`). */
function rexReply(o: Outcome): unknown {
  switch (o.kind) {
    case "return":
      return o.value;
    case "throw":
      return o.value;
    case "exit":
      return t(BADRPC, t(EXIT, o.reason));
    case "error":
      return t(BADRPC, t(EXIT, t(o.reason, o.stack)));
  }
}

// ---- rex ---------------------------------------------------------------------------

type RexState = { rt: Runtime };

/** Erlang's `rex` server: `rpc` requests from other nodes (and from this node's `rpc.call` of itself). */
export class RexServer extends GenServer<RexState, { req: unknown; reply: unknown }, unknown, unknown, Runtime> {
  init(rt: Runtime) {
    return ok({ rt });
  }

  override handleCall(req: unknown, from: From, s: RexState): CallResult<RexState, unknown> {
    if (req instanceof Tuple && req.length === 5 && (req[0] === CALL || req[0] === BLOCK_CALL) && replyable(from)) {
      runForReply(s.rt, req[1], req[2], req[3], (value) => reply(from, value));
    }
    return noreply(s); // anything else is ignored, as rex does
  }

  override handleCast(req: unknown, s: RexState) {
    if (req instanceof Tuple && req.length === 5 && req[0] === CAST) {
      s.rt.spawn(callBody(s.rt, req[1], req[2], req[3], (o) => logFailure(s.rt, req[1], req[2], o)));
    }
    return noreply(s);
  }

  override handleInfo(msg: unknown, s: RexState) {
    if (msg instanceof Tuple && msg.length === 2) {
      const [from, what] = [msg[0] as Pid, msg[1]];
      if (!(from instanceof Pid)) return noreply(s);
      if (what === FEATURES_REQUEST) s.rt.send(from, t(FEATURES_REPLY, s.rt.nodeName, [ERPC]));
      else if (what instanceof Tuple && what.length === 5 && what[0] === CALL) {
        // `{From, {call, M, F, A, GL}}`: the old form for C nodes, answered `{rex, Reply}`.
        runForReply(s.rt, what[1], what[2], what[3], (value) => s.rt.send(from, t(REX, value)));
      }
    }
    return noreply(s);
  }
}

const REX = atom("rex");

/** Runs a call in its own process and answers once, whatever happens to that process. */
function runForReply(rt: Runtime, module: unknown, fn: unknown, args: unknown, answer: (value: unknown) => void): void {
  let answered = false;
  const once = (v: unknown) => {
    if (answered) return;
    answered = true;
    try {
      answer(v);
    } catch (e) {
      // The result has no Erlang form (a JS object the codec refuses): say so instead of leaving the caller waiting.
      try {
        answer(t(BADRPC, t(EXIT, t(atom("badarg"), e instanceof Error ? e.message : String(e)))));
      } catch {
        // the caller cannot be answered at all
      }
    }
  };
  const p = rt.spawn(callBody(rt, module, fn, args, (o) => once(rexReply(o)))) as Proc;
  (p.x().onExit ??= []).push((reason) => once(t(BADRPC, t(EXIT, reason))));
}

function logFailure(rt: Runtime, module: unknown, fn: unknown, o: Outcome): undefined {
  if (o.kind === "return") return undefined;
  rt.logger({ level: "error", what: "rpc_cast_failed", text: `cast of ${String(module)}:${String(fn)} from another node failed: ${o.kind}`, outcome: o });
  return undefined;
}

// ---- spawn requests -----------------------------------------------------------------

/** Handles a peer's SPAWN_REQUEST (the NetKernel calls it). */
export type SpawnHandler = (conn: DistConnection, m: SpawnRequestMsg) => void;

/** SPAWN_REPLY flags: which of the requested link and monitor were set up. */
const SPAWN_LINKED = 1;
const SPAWN_MONITORED = 2;

export function spawnHandler(rt: Runtime): SpawnHandler {
  return (conn, m) => {
    const node = conn.peer;
    const p = rt.spawn(spawnBody(rt, m)) as Proc;
    let flags = 0;
    for (const o of m.options) {
      if (o === LINK) {
        remoteSignal(rt, node, { op: "link", from: m.from, to: p });
        flags |= SPAWN_LINKED;
      } else if (o === MONITOR) {
        remoteSignal(rt, node, { op: "monitor", from: m.from, to: p, ref: m.reqId });
        flags |= SPAWN_MONITORED;
      }
    }
    // The reply goes first: the new process has not run yet, so nothing it does can overtake it.
    conn.send({ op: "spawn_reply", reqId: m.reqId, to: m.from, flags, result: p });
  };
}

/** What a spawned process runs: erpc's call or cast wrapper around an export, an export itself, or an `undef` exit. */
function spawnBody(rt: Runtime, m: SpawnRequestMsg): () => unknown {
  const args = m.args;
  if (m.module === ERPC && m.function === EXECUTE_CALL && args.length === 4 && args[0] instanceof Ref) {
    // erpc:execute_call(Ref, M, F, A): the caller learns the outcome from the exit reason.
    const ref = args[0];
    return callBody(rt, args[1], args[2], args[3], (o) => {
      switch (o.kind) {
        case "return":
          return t(ref, RETURN, o.value);
        case "throw":
          return t(ref, THROW, o.value);
        case "exit":
          return t(ref, EXIT_CLASS, o.reason);
        case "error":
          return t(ref, ERROR, o.reason, o.stack);
      }
    });
  }
  if (m.module === ERPC && m.function === EXECUTE_CAST && args.length === 3) {
    return callBody(rt, args[0], args[1], args[2], (o) => logFailure(rt, args[0], args[1], o));
  }
  const mod = m.module;
  const fn = m.function;
  // spawn(Node, M, F, A) of an exported function: it runs, and the process ends normally; anything else is undef.
  return callBody(rt, mod, fn, args, (o) => (o.kind === "return" ? undefined : o.kind === "error" ? t(o.reason, o.stack) : o.kind === "exit" ? o.reason : t(atom("nocatch"), o.value)));
}
