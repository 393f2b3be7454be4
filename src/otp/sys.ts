/**
 * `sys` for GenServers: look at and replace a running server's state,
 * suspend and resume it, collect statistics, trace it, and change its code
 * while it runs (hot code swap): the process keeps its pid, its state
 * (converted by the new module's `codeChange`) and every queued message.
 *
 * Requests travel as `{system, From, Request}` (answered like calls), as
 * Erlang's `sys` sends them; `get_status` is answered in gen_server's shape
 * (sys_status.ts), which `sys.getStatus` reads into a typed object.
 *
 * @example
 * await sys.suspend(server);
 * await sys.changeCode(server, new CounterV2(), "1", undefined);
 * await sys.resume(server);
 */
import { type Atom, atom } from "../term/atom.js";
import { type Pid } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { ERROR, OK } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { ExitException, crashReason } from "../runtime/signals.js";
import { type Call, type From, type ServerRef, reply, systemCall } from "./gen.js";
import type { GenServer, ServerLoop } from "./gen_server.js";
import { formatted, readStatus, stateData, statusTuple } from "./sys_status.js";

export const SYSTEM = atom("system");
const GET_STATE = atom("get_state");
const REPLACE_STATE = atom("replace_state");
const SUSPEND = atom("suspend");
const RESUME = atom("resume");
const CHANGE_CODE = atom("change_code");
const GET_STATUS = atom("get_status");
const STATISTICS = atom("statistics");
const TRACE = atom("trace");
const TERMINATE = atom("terminate");
const DEBUG = atom("debug");
const GET = atom("get");
const NO_DEBUG = atom("no_debug");
const UNKNOWN_DEBUG = atom("unknown_debug");
const NO_STATISTICS = atom("no_statistics");
const CALLBACK_FAILED = atom("callback_failed");
const BADFUN = atom("badfun");

type AnyServer = GenServer<unknown, never, unknown, unknown, unknown>;

/** @internal Runs one system request inside the server. */
export function handleSystem(loop: ServerLoop, from: From, req: unknown): void {
  const op = req instanceof Tuple ? req[0] : req;
  switch (op) {
    case GET_STATE:
      return reply(from, loop.state);
    case REPLACE_STATE: {
      // As sys: a state function that fails (or is an Erlang fun, which cannot run here) leaves the state as it was.
      const f = (req as unknown[])[1];
      try {
        if (typeof f !== "function") throw new ExitException(t(BADFUN, f));
        loop.state = (f as (s: unknown) => unknown)(loop.state);
      } catch (e) {
        return reply(from, t(ERROR, t(CALLBACK_FAILED, f, t(ERROR, crashReason(e)))));
      }
      return reply(from, loop.state);
    }
    case SUSPEND:
      loop.suspended = true;
      return reply(from, OK);
    case RESUME: {
      loop.suspended = false;
      reply(from, OK);
      // Replay what arrived meanwhile, oldest first, before anything newer.
      const waiting = loop.deferred;
      loop.deferred = [];
      for (const m of waiting) loop.handle(m);
      return;
    }
    case CHANGE_CODE: {
      if (!loop.suspended) return reply(from, t(ERROR, atom("not_suspended")));
      const [, mod, oldVsn, extra] = req as unknown[];
      try {
        loop.state = (mod as AnyServer).codeChange(oldVsn, loop.state, extra);
        loop.mod = mod as AnyServer;
        return reply(from, OK);
      } catch (e) {
        return reply(from, t(ERROR, e instanceof Error ? e.message : e));
      }
    }
    case GET_STATUS:
      return reply(from, serverStatus(loop));
    case STATISTICS: {
      const flag = (req as unknown[])[1];
      if (flag === true) loop.stats = { since: current!.rt.clock.now(), in: 0, out: 0 };
      else if (flag === false) loop.stats = null;
      return reply(from, loop.stats === null ? atom("no_statistics") : { ...loop.stats, reductions: current!.reds });
    }
    case TRACE:
      loop.trace = (req as unknown[])[1] === true;
      return reply(from, OK);
    case DEBUG:
      return reply(from, debugCommand(loop, (req as unknown[])[1]));
    case TERMINATE:
      reply(from, OK);
      return loop.terminate((req as unknown[])[1], req);
    default:
      return reply(from, t(ERROR, t(atom("unknown_system_msg"), req)));
  }
}

/** Erlang's `sys:get_status` answer for a GenServer (see sys_status.ts). */
function serverStatus(loop: ServerLoop): Tuple {
  const self = current!;
  const mod = loop.mod;
  const name = mod.constructor.name;
  const initialCall = t(atom(name), atom("init"), 1);
  const pdict = [t(atom("$initial_call"), initialCall), t(atom("$ancestors"), loop.parent === null ? [] : [loop.parent])];
  const specific =
    mod.formatStatus === undefined ? stateData(loop.state) : formatted(name, () => mod.formatStatus!(atom("normal"), [pdict, loop.state]));
  return statusTuple({
    self,
    name: loop.name,
    initialCall,
    suspended: loop.suspended,
    parent: loop.parent ?? self,
    debug: debugOptions(loop),
    specific,
  });
}

/** The sys debug options in effect, as sys keeps them: `{trace, true}`, `{statistics, {Start, {reductions, N}, In, Out}}`. */
function debugOptions(loop: ServerLoop): unknown[] {
  const out: unknown[] = [];
  if (loop.trace) out.push(t(TRACE, true));
  if (loop.stats !== null) {
    const [start] = erlangStats(loop.stats) as Tuple[];
    out.push(t(STATISTICS, t(start![1], t(atom("reductions"), current!.reds), loop.stats.in, loop.stats.out)));
  }
  return out;
}

/**
 * Erlang's `sys` debug commands (`{debug, What}`: what `sys:trace/2`,
 * `sys:statistics/2` and `sys:no_debug/1` send), answered as sys's
 * `debug_cmd` does. No event log is kept, so `log`, `log_to_file`,
 * `install` and `remove` answer `unknown_debug`.
 */
function debugCommand(loop: ServerLoop, what: unknown): unknown {
  if (what === NO_DEBUG) {
    loop.trace = false;
    loop.stats = null;
    return OK;
  }
  if (!(what instanceof Tuple) || what.length !== 2) return UNKNOWN_DEBUG;
  const [cmd, flag] = what;
  if (cmd === TRACE && typeof flag === "boolean") {
    loop.trace = flag;
    return OK;
  }
  if (cmd === STATISTICS) {
    if (flag === true) {
      loop.stats ??= { since: current!.rt.clock.now(), in: 0, out: 0 };
      return OK;
    }
    if (flag === false) {
      loop.stats = null;
      return OK;
    }
    if (flag === GET) return t(OK, loop.stats === null ? NO_STATISTICS : erlangStats(loop.stats));
  }
  return UNKNOWN_DEBUG;
}

/** sys's statistics list: `[{start_time, DateTime}, {current_time, DateTime}, {reductions, N}, {messages_in, N}, {messages_out, N}]`. */
function erlangStats(s: { since: number; in: number; out: number }): unknown[] {
  const dateTime = (ms: number) => {
    const d = new Date(ms);
    return t(t(d.getFullYear(), d.getMonth() + 1, d.getDate()), t(d.getHours(), d.getMinutes(), d.getSeconds()));
  };
  const self = current!;
  const wall = Date.now(); // the runtime's clock is monotonic: local wall time, as erlang:localtime()
  return [
    t(atom("start_time"), dateTime(wall - (self.rt.clock.now() - s.since))),
    t(atom("current_time"), dateTime(wall)),
    t(atom("reductions"), self.reds),
    t(atom("messages_in"), s.in),
    t(atom("messages_out"), s.out),
  ];
}

/** @internal One traced event, through the runtime's logger. */
export function traceEvent(loop: ServerLoop, msg: unknown): void {
  const self = current!;
  self.rt.logger({ level: "info", what: "sys_trace", text: `${inspect(self)} (${loop.mod.constructor.name}) got ${inspect(msg)}`, pid: self, msg });
}

type Op<R> = Call<R>;
const sysCall = <R>(server: ServerRef | Pid, req: unknown, timeout = 5000): Op<R> => systemCall<R>(server as ServerRef, req, timeout);

/** `op`, its result passed through `f`: for `await` and for `yield*`. */
function mapOp<A, B>(op: Op<A>, f: (a: A) => B): Op<B> {
  return {
    then: (onFulfilled, onRejected) => op.then(f).then(onFulfilled, onRejected),
    *[Symbol.iterator]() {
      return f(yield* op);
    },
  };
}

/** The `sys` module for GenServers. Each function is `await`-able, and `yield*`-able inside a process. */
export const sys = {
  getState: <S = unknown>(server: ServerRef | Pid, timeout?: number) => sysCall<S>(server, GET_STATE, timeout),
  replaceState: <S>(server: ServerRef | Pid, f: (state: S) => S, timeout?: number) => sysCall<S>(server, t(REPLACE_STATE, f), timeout),
  suspend: (server: ServerRef | Pid, timeout?: number) => sysCall<Atom<"ok">>(server, SUSPEND, timeout),
  resume: (server: ServerRef | Pid, timeout?: number) => sysCall<Atom<"ok">>(server, RESUME, timeout),
  /** Only while suspended: the new module's `codeChange(oldVsn, state, extra)` converts the state, then the new module handles every message. */
  changeCode: (server: ServerRef | Pid, module: GenServer<never, never, never, never, never>, oldVsn: unknown, extra: unknown, timeout?: number) =>
    sysCall<unknown>(server, t(CHANGE_CODE, module, oldVsn, extra), timeout),
  /**
   * Erlang's `sys:get_status`, read into a typed object: `{ pid, module: "gen_server", status, parent, state, ... }`.
   * An Erlang node asking the same server gets `{status, Pid, {module, gen_server}, [PDict, SysState, Parent, Dbg, Misc]}`.
   */
  getStatus: <S = unknown>(server: ServerRef | Pid, timeout?: number) => mapOp(sysCall<unknown>(server, GET_STATUS, timeout), (x) => readStatus<S>(x)),
  /** `true` starts collecting, `false` stops, `"get"` reads (`{since, in, out, reductions}` or `no_statistics`). */
  statistics: (server: ServerRef | Pid, flag: boolean | "get", timeout?: number) => sysCall<unknown>(server, t(STATISTICS, flag), timeout),
  /** Logs every message the server gets through the runtime's logger. */
  trace: (server: ServerRef | Pid, on: boolean, timeout?: number) => sysCall<Atom<"ok">>(server, t(TRACE, on), timeout),
  /** Stops the server: `terminate(reason)` runs, then it exits with `reason` (proc_lib:stop / GenServer.stop). */
  terminate: (server: ServerRef | Pid, reason: unknown = atom("normal"), timeout = Infinity) => sysCall<Atom<"ok">>(server, t(TERMINATE, reason), timeout),
};

/**
 * Hot code swap from async code: suspend, change the callback module to
 * `module` (its `codeChange` converts the state), resume. Messages sent
 * meanwhile wait, in order; the pid stays the same.
 */
export async function hotSwap(server: ServerRef | Pid, module: GenServer<never, never, never, never, never>, oldVsn: unknown, extra?: unknown): Promise<void> {
  await sys.suspend(server);
  try {
    const r = await sys.changeCode(server, module, oldVsn, extra);
    if (r !== OK) throw new Error(`code change failed: ${inspect(r)}`);
  } finally {
    await sys.resume(server);
  }
}
