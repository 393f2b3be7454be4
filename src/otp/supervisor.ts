/**
 * Supervisor: starts children in order, restarts them by strategy within a
 * restart intensity, and stops them in reverse order, with the rules of OTP's
 * `supervisor` docs.
 *
 * From outside it is a GenServer, as in OTP: its API travels as `gen` calls
 * (`'$gen_call'`), it answers `sys` requests (`get_state`, `get_status`,
 * `suspend`, `resume`, `terminate`, so `GenServer.stop(sup)` works), traps
 * exits, and stops its children when its parent exits. Inside it is a
 * loop-style process rather than a {@link GenServer} subclass: a GenServer's
 * callbacks run synchronously, but a supervisor must block while a child runs
 * its `init` (OTP's supervisor blocks in its gen_server callbacks for the
 * same reason), and a loop with selective receive does that without queueing
 * messages by hand. The loop itself is in `supervisor_server.ts`.
 *
 * @example
 * const sup = await Supervisor.start([
 *   { id: "store", start: () => GenServer.startLink(new Store(), undefined).result() },
 * ], { strategy: "one_for_one", intensity: 3, period: 5 });
 * await Supervisor.whichChildren(sup); // [{ id: "store", pid, type: "worker" }]
 */
import { AgnerError } from "../term/errors.js";
import { Atom, atom } from "../term/atom.js";
import { Pid } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { type Tup, Tuple, t } from "../term/tuple.js";
import { current } from "../runtime/current.js";
import { call } from "./gen.js";
import { type StartResult, okPid, start as procStart, type StartOp } from "./proc_lib.js";
import { COUNT, DELETE, RESTART, START, TERMINATE, TERMINATE_PID, WHICH, type SupOptions, supervise } from "./supervisor_server.js";
import { sys } from "./sys.js";
import { type Via } from "./registry.js";

/** permanent: always restarted; transient: only after an abnormal exit; temporary: never (and forgotten once it ends). */
export type Restart = "permanent" | "transient" | "temporary";
/** `brutal_kill`: killed at once; a number: ms between `exit(child, shutdown)` and `exit(child, kill)`; `infinity`: wait. */
export type Shutdown = "brutal_kill" | "infinity" | number;
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** What a child's `start` returns: a start to `yield*` (e.g. `GenServer.startLink(...).result()`), or the pid of a process it spawned linked. */
export type ChildStart = () => Iterable<unknown, StartResult, unknown> | Pid;

/**
 * How to start and look after one child.
 *
 * @example
 * const spec: ChildSpec = {
 *   id: "cache",
 *   start: () => GenServer.startLink(new Cache(), 1000).result(),
 *   restart: "transient",
 *   shutdown: 2000,
 * };
 */
export interface ChildSpec {
  /** Unique among the supervisor's children. */
  id: string;
  /**
   * Starts the child linked to the caller (the supervisor), e.g.
   * `() => GenServer.startLink(new Worker(), arg).result()`, or spawns it
   * linked and returns its pid. Throwing, or returning anything but
   * `{ok, Pid}` / `ignore` / `{error, R}`, is a start failure `{error, What}`.
   */
  start: ChildStart;
  /** Default permanent. */
  restart?: Restart;
  /** Default 5000 for a worker, infinity for a supervisor. */
  shutdown?: Shutdown;
  /** Default worker. */
  type?: "worker" | "supervisor";
}

/**
 * Supervisor flags.
 *
 * @example
 * const opts: SupervisorOptions = { strategy: "rest_for_one", intensity: 10, period: 60, name: "db_sup" };
 */
export interface SupervisorOptions {
  /** Default one_for_one. */
  strategy?: Strategy;
  /** Most restarts allowed within `period` seconds (default 3 in 5 s); one more and the supervisor stops its children and exits with `shutdown`. */
  intensity?: number;
  period?: number;
  /** Register the supervisor under this name (`{error, {already_started, Pid}}` if taken): local, a `Via`, or `{global, Name}`. */
  name?: string | Via | Tup<[Atom, unknown]>;
  /** Most children at once; `startChild` beyond it gives `{error, max_children}` (DynamicSupervisor's limit). */
  maxChildren?: number;
}

/**
 * A child spec or a supervisor option that cannot work; the message names the field.
 *
 * @example
 * try { Supervisor.start([{ id: "x", start, restart: "sometimes" as never }]); }
 * catch (e) { e instanceof ChildSpecError; } // "child spec 'x': field 'restart' must be ..."
 */
export class ChildSpecError extends AgnerError {}

/**
 * One line of `whichChildren`.
 *
 * @example
 * for (const { id, pid } of await Supervisor.whichChildren(sup)) console.log(id, pid && inspect(pid));
 */
export interface ChildInfo {
  id: string;
  /** Undefined while the child is not running (terminated, or ignored at start). */
  pid: Pid | undefined;
  type: "worker" | "supervisor";
}

/** What `countChildren` returns, as OTP's `count_children`. */
export interface ChildCounts {
  specs: number;
  active: number;
  supervisors: number;
  workers: number;
}

/** `yield*` it inside a process, `await` it elsewhere. */
export type SupOp<R> = PromiseLike<R> & Iterable<unknown, R, unknown>;

/** `ok`, `{error, not_found}`, `{error, running}`, ... */
export type SupReply = Atom | Tup<[Atom, unknown]>;

/** @internal Checks a spec and fills in its defaults. */
export function validate(spec: ChildSpec): Required<ChildSpec> {
  if (spec === null || typeof spec !== "object") throw new ChildSpecError(`child spec must be an object, got ${String(spec)}`);
  if (typeof spec.id !== "string" || spec.id === "") throw new ChildSpecError(`child spec field 'id' must be a non-empty string, got ${String(spec.id)}`);
  if (typeof spec.start !== "function") throw new ChildSpecError(`child spec '${spec.id}': field 'start' must be a function`);
  const restart = spec.restart ?? "permanent";
  if (!["permanent", "transient", "temporary"].includes(restart)) {
    throw new ChildSpecError(`child spec '${spec.id}': field 'restart' must be permanent, transient or temporary, got ${String(restart)}`);
  }
  const type = spec.type ?? "worker";
  if (type !== "worker" && type !== "supervisor") throw new ChildSpecError(`child spec '${spec.id}': field 'type' must be worker or supervisor, got ${String(type)}`);
  const shutdown = spec.shutdown ?? (type === "supervisor" ? "infinity" : 5000);
  if (!(shutdown === "brutal_kill" || shutdown === "infinity" || (typeof shutdown === "number" && shutdown >= 0 && Number.isFinite(shutdown)))) {
    throw new ChildSpecError(`child spec '${spec.id}': field 'shutdown' must be brutal_kill, infinity or a timeout in ms, got ${String(shutdown)}`);
  }
  return { id: spec.id, start: spec.start, restart, shutdown, type };
}

/** @internal Validates and starts a supervisor process; `dynamic` is DynamicSupervisor's mode. */
export function startSupervisor(children: ChildSpec[], opts: SupervisorOptions, link: boolean, dynamic = false): StartOp {
  if (!Array.isArray(children)) throw new ChildSpecError("supervisor children must be an array of child specs");
  const specs = children.map(validate);
  const ids = new Set<string>();
  for (const s of specs) {
    if (ids.has(s.id)) throw new ChildSpecError(`child spec field 'id': '${s.id}' is used twice`);
    ids.add(s.id);
  }
  const o: SupOptions = {
    strategy: opts.strategy ?? "one_for_one",
    intensity: opts.intensity ?? 3,
    period: opts.period ?? 5,
    maxChildren: opts.maxChildren ?? Infinity,
    dynamic,
  };
  if (!["one_for_one", "one_for_all", "rest_for_one"].includes(o.strategy)) throw new ChildSpecError(`supervisor option 'strategy': unknown ${String(o.strategy)}`);
  if (!(Number.isInteger(o.intensity) && o.intensity >= 0)) throw new ChildSpecError(`supervisor option 'intensity' must be an integer >= 0, got ${String(o.intensity)}`);
  if (!(typeof o.period === "number" && o.period > 0)) throw new ChildSpecError(`supervisor option 'period' must be > 0 seconds, got ${String(o.period)}`);
  if (!(o.maxChildren >= 0)) throw new ChildSpecError(`supervisor option 'maxChildren' must be >= 0, got ${String(o.maxChildren)}`);
  const parent = link ? current : null;
  return procStart((ack) => supervise(specs, o, ack, parent, opts.name), { link });
}

/** @internal A StartOp seen as a pid: `okPid` of its result. */
export function pidOf(op: StartOp): SupOp<Pid> {
  return {
    then: (f, r) => op.then((res) => okPid(res)).then(f, r),
    *[Symbol.iterator]() {
      return okPid(yield* op);
    },
  };
}

/** A supervisor: its pid, local name, a `Via`, or `{global, Name}`. */
export type SupRef = Pid | string | Via | Tup<[Atom, unknown]>;

const supCall = <R>(sup: SupRef, req: unknown): SupOp<R> => call(sup, req as never, Infinity) as unknown as SupOp<R>;

/** An operation whose result goes through `f`. */
function mapOp<A, B>(op: SupOp<A>, f: (a: A) => B): SupOp<B> {
  return {
    then: (ok, err) => op.then(f).then(ok, err),
    *[Symbol.iterator]() {
      return f(yield* op);
    },
  };
}

const utf8 = new TextDecoder();
const SUPERVISOR = atom("supervisor");

/** `[{Id, Child, Type, Modules}]` (what a supervisor, Agner's or Erlang's, answers) as `ChildInfo`s. */
function childInfos(reply: unknown): ChildInfo[] {
  if (!Array.isArray(reply)) return [];
  const out: ChildInfo[] = [];
  for (const x of reply) {
    if (!(x instanceof Tuple) || x.length !== 4) continue;
    const [id, child, type] = x;
    out.push({
      id: typeof id === "string" ? id : id instanceof Uint8Array ? utf8.decode(id) : id instanceof Atom ? id.name : inspect(id),
      pid: child instanceof Pid ? child : undefined,
      type: type === SUPERVISOR ? "supervisor" : "worker",
    });
  }
  return out;
}

/** `[{specs, N}, {active, N}, {supervisors, N}, {workers, N}]` as `ChildCounts`. */
function childCounts(reply: unknown): ChildCounts {
  const c: ChildCounts = { specs: 0, active: 0, supervisors: 0, workers: 0 };
  if (Array.isArray(reply)) {
    for (const x of reply) {
      if (x instanceof Tuple && x.length === 2 && x[0] instanceof Atom && Object.hasOwn(c, x[0].name) && typeof x[1] === "number") c[x[0].name as keyof ChildCounts] = x[1];
    }
  }
  return c;
}

/**
 * The supervisor API. Every function works inside a process (`yield*`) and
 * from async code (`await`); calls go to the supervisor as `gen` calls.
 *
 * @example
 * const sup = await Supervisor.start([worker("a"), worker("b")], { strategy: "one_for_all" });
 * await Supervisor.terminateChild(sup, "a");   // ok
 * await Supervisor.restartChild(sup, "a");     // {ok, Pid}
 * await Supervisor.countChildren(sup);         // { specs: 2, active: 2, supervisors: 0, workers: 2 }
 * await Supervisor.stop(sup);                  // children stop in reverse order
 */
export const Supervisor = {
  /** Starts a supervisor (not linked); gives its pid once every child has started, or fails with `{shutdown, {failed_to_start_child, Id, Reason}}`. */
  start(children: ChildSpec[], opts: SupervisorOptions = {}): SupOp<Pid> {
    return pidOf(startSupervisor(children, opts, false));
  },
  /** Starts a supervisor linked to the calling process (itself typically a supervisor). */
  startLink(children: ChildSpec[], opts: SupervisorOptions = {}): SupOp<Pid> {
    return pidOf(startSupervisor(children, opts, true));
  },
  /** The Erlang-shaped start result, for a parent's child spec: `{ id, type: "supervisor", start: () => Supervisor.childStart([...]) }`. */
  childStart(children: ChildSpec[], opts: SupervisorOptions = {}): StartOp {
    return startSupervisor(children, opts, true);
  },
  /** Every child in start order, with its pid while it runs. */
  whichChildren(sup: SupRef): SupOp<ChildInfo[]> {
    return mapOp(supCall<unknown>(sup, WHICH), childInfos);
  },
  countChildren(sup: SupRef): SupOp<ChildCounts> {
    return mapOp(supCall<unknown>(sup, COUNT), childCounts);
  },
  /** Adds and starts a child: `{ok, Pid}`, `ignore`, `{error, {already_started, Pid}}`, `{error, already_present}`, `{error, max_children}`, `{error, Reason}`. */
  startChild(sup: SupRef, spec: ChildSpec): SupOp<StartResult> {
    return supCall(sup, t(START, spec));
  },
  /** Stops a child by id (its spec stays, unless temporary): `ok` or `{error, not_found}`. */
  terminateChild(sup: SupRef, id: string): SupOp<SupReply> {
    return supCall(sup, t(TERMINATE, id));
  },
  /** Starts a stopped child again: `{ok, Pid}`, `{error, running}`, `{error, not_found}`, ... */
  restartChild(sup: SupRef, id: string): SupOp<StartResult | Tup<[Atom, unknown]>> {
    return supCall(sup, t(RESTART, id));
  },
  /** Forgets a stopped child's spec: `ok`, `{error, running}` or `{error, not_found}`. */
  deleteChild(sup: SupRef, id: string): SupOp<SupReply> {
    return supCall(sup, t(DELETE, id));
  },
  /** @internal Stops the child with this pid and forgets it (how a DynamicSupervisor's children are named). */
  terminateChildPid(sup: SupRef, pid: Pid): SupOp<SupReply> {
    return supCall(sup, t(TERMINATE_PID, pid));
  },
  /** Stops the supervisor: its children in reverse start order, then itself with `reason` (default `normal`). Same as `GenServer.stop(sup)`. */
  stop(sup: Pid | string, reason: unknown = atom("normal"), timeout = Infinity): SupOp<Atom<"ok">> {
    return sys.terminate(sup, reason, timeout) as unknown as SupOp<Atom<"ok">>;
  },
};
