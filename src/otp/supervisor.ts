/**
 * Supervisor: starts children in order, restarts them by strategy within a
 * restart intensity, and stops them in reverse order, with OTP's rules
 * (`supervisor` docs). It traps exits, answers its API as `gen` calls, and is
 * a loop-style process so that it can wait for each child's init ack.
 *
 * @example
 * const sup = await Supervisor.start([
 *   { id: "store", start: () => GenServer.startLink(new Store(), undefined).result() },
 * ], { strategy: "one_for_one", intensity: 3, period: 5 });
 * await Supervisor.whichChildren(sup); // [{ id: "store", pid, type: "worker" }]
 */
import { type Atom, atom } from "../term/atom.js";
import { Pid } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { ERROR, EXIT, GEN_CALL, KILL, OK, SHUTDOWN } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { exit, processFlag, register, self } from "../runtime/erlang.js";
import { _ } from "../runtime/pattern.js";
import { after, on, receive } from "../runtime/receive.js";
import { ExitException, isQuietReason } from "../runtime/signals.js";
import { type From, call, reply } from "./gen.js";
import { type Ack, type StartResult, okPid, start as procStart, StartOp } from "./proc_lib.js";

export type Restart = "permanent" | "transient" | "temporary";
export type Shutdown = "brutal_kill" | "infinity" | number;
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** How to start and look after one child. */
export interface ChildSpec {
  /** Unique among the supervisor's children. */
  id: string;
  /**
   * Starts the child linked to the caller (the supervisor), e.g.
   * `() => GenServer.startLink(new Worker(), arg).result()`, or returns the pid
   * of a process it spawned linked.
   */
  start: () => Iterable<unknown, StartResult, unknown> | Pid;
  /** permanent: always restarted; transient: only after an abnormal exit; temporary: never. Default permanent. */
  restart?: Restart;
  /** How long a child gets to stop after `shutdown` before it is killed. Default 5000 (infinity for supervisors). */
  shutdown?: Shutdown;
  type?: "worker" | "supervisor";
}

export interface SupervisorOptions {
  strategy?: Strategy;
  /** Most restarts allowed within `period` seconds (default 3 in 5 s); one more and the supervisor gives up. */
  intensity?: number;
  period?: number;
  name?: string;
  /** Most children at once; `startChild` beyond it gives `{error, max_children}` (DynamicSupervisor's limit). */
  maxChildren?: number;
}

/** A child spec or option that cannot work, named by its field. */
export class ChildSpecError extends Error {
  override name = "ChildSpecError";
}

export interface ChildInfo {
  id: string;
  /** Undefined while the child is not running (terminated, or ignored at start). */
  pid: Pid | undefined;
  type: "worker" | "supervisor";
}

interface Child {
  spec: Required<ChildSpec>;
  pid: Pid | undefined;
}

const WHICH = atom("which_children");
const COUNT = atom("count_children");
const TERMINATE = atom("terminate_child");
const RESTART = atom("restart_child");
const DELETE = atom("delete_child");
const START = atom("start_child");
const STOP = atom("$agner_stop");
const TERMINATE_PID = atom("terminate_child_pid");

function validate(spec: ChildSpec): Required<ChildSpec> {
  if (typeof spec.id !== "string" || spec.id === "") throw new ChildSpecError(`child spec field 'id' must be a non-empty string, got ${String(spec.id)}`);
  if (typeof spec.start !== "function") throw new ChildSpecError(`child spec '${spec.id}': field 'start' must be a function`);
  const restart = spec.restart ?? "permanent";
  if (!["permanent", "transient", "temporary"].includes(restart)) throw new ChildSpecError(`child spec '${spec.id}': field 'restart' must be permanent, transient or temporary, got ${String(restart)}`);
  const type = spec.type ?? "worker";
  if (type !== "worker" && type !== "supervisor") throw new ChildSpecError(`child spec '${spec.id}': field 'type' must be worker or supervisor`);
  const shutdown = spec.shutdown ?? (type === "supervisor" ? "infinity" : 5000);
  if (!(shutdown === "brutal_kill" || shutdown === "infinity" || (typeof shutdown === "number" && shutdown >= 0))) {
    throw new ChildSpecError(`child spec '${spec.id}': field 'shutdown' must be brutal_kill, infinity or a timeout in ms`);
  }
  return { id: spec.id, start: spec.start, restart, shutdown, type };
}

/** Starts one child from inside the supervisor process. */
function* startOne(spec: Required<ChildSpec>): Generator<unknown, StartResult, unknown> {
  const r = spec.start();
  if (r instanceof Pid) return t(OK, r);
  return yield* r;
}

/** Stops a child: `shutdown` then, after its timeout, `kill`; waits for its EXIT. */
function* stopOne(child: Child): Generator<unknown, void, unknown> {
  const pid = child.pid;
  if (pid === undefined) return;
  child.pid = undefined;
  const sd = child.spec.shutdown;
  exit(pid, sd === "brutal_kill" ? KILL : SHUTDOWN);
  const waitExit = [EXIT, pid, _] as const;
  if (sd === "brutal_kill" || sd === "infinity") {
    yield* receive(waitExit);
    return;
  }
  const done = yield* receive(on(waitExit, () => true), after(sd, () => false));
  if (!done) {
    exit(pid, KILL);
    yield* receive(waitExit);
  }
}

function isRestartable(child: Child, reason: unknown): boolean {
  const r = child.spec.restart;
  return r === "permanent" || (r === "transient" && !isQuietReason(reason));
}

/** The supervisor's process body. */
function* supervise(specs: Required<ChildSpec>[], opts: Required<Omit<SupervisorOptions, "name">>, ack: Ack, parent: Pid | null): Generator<unknown, void, unknown> {
  processFlag("trap_exit", true);
  const rt = current!.rt;
  const children: Child[] = [];
  for (const spec of specs) {
    const r = yield* startOne(spec);
    if (Array.isArray(r) && r[0] === ERROR) {
      for (let i = children.length - 1; i >= 0; i--) yield* stopOne(children[i]!);
      const reason = t(SHUTDOWN, t(atom("failed_to_start_child"), spec.id, r[1]));
      ack(t(ERROR, reason));
      throw new ExitException(reason);
    }
    children.push({ spec, pid: Array.isArray(r) ? (r[1] as Pid) : undefined });
  }
  ack(t(OK, self()));

  // Restart times within the period: a queue with a head index (shift() is O(n) on long arrays).
  let restarts: number[] = [];
  let head = 0;
  /** Records a restart; false when that exceeds the intensity. */
  const allowRestart = (): boolean => {
    const now = rt.clock.now();
    restarts.push(now);
    while (head < restarts.length && restarts[head]! <= now - opts.period * 1000) head++;
    if (head > 1024 && head * 2 > restarts.length) {
      restarts = restarts.slice(head);
      head = 0;
    }
    return restarts.length - head <= opts.intensity;
  };
  const giveUp = function* (): Generator<unknown, never, unknown> {
    rt.logger({ level: "error", what: "supervisor_report", text: `supervisor ${inspect(self())}: reached_max_restart_intensity, shutting down`, pid: self() });
    for (let i = children.length - 1; i >= 0; i--) yield* stopOne(children[i]!);
    throw new ExitException(SHUTDOWN);
  };
  const restartFrom = function* (first: number, last: number): Generator<unknown, void, unknown> {
    for (let i = first; i <= last; i++) {
      const c = children[i]!;
      for (;;) {
        const r = yield* startOne(c.spec);
        if (Array.isArray(r) && r[0] === OK) {
          c.pid = r[1] as Pid;
          break;
        }
        if (!Array.isArray(r)) break; // ignore
        rt.logger({ level: "error", what: "supervisor_report", text: `supervisor ${inspect(self())}: child '${c.spec.id}' failed to restart: ${inspect(r[1])}`, pid: self() });
        if (!allowRestart()) yield* giveUp();
      }
    }
  };

  for (;;) {
    const m = yield* receive(_);
    if (!(m instanceof Tuple)) continue;
    if (m[0] === EXIT && m.length === 3) {
      const pid = m[1];
      const reason = m[2];
      if (parent !== null && pid === parent) {
        for (let i = children.length - 1; i >= 0; i--) yield* stopOne(children[i]!);
        throw new ExitException(reason);
      }
      const idx = children.findIndex((c) => c.pid === pid);
      if (idx < 0) continue;
      const child = children[idx]!;
      child.pid = undefined;
      if (!isQuietReason(reason)) {
        rt.logger({ level: "error", what: "child_terminated", text: `supervisor ${inspect(self())}: child '${child.spec.id}' (${inspect(pid)}) exited: ${inspect(reason)}`, pid: self(), reason });
      }
      if (!isRestartable(child, reason)) {
        if (child.spec.restart === "temporary") children.splice(idx, 1);
        continue;
      }
      if (!allowRestart()) yield* giveUp();
      if (opts.strategy === "one_for_one") yield* restartFrom(idx, idx);
      else {
        const first = opts.strategy === "one_for_all" ? 0 : idx;
        for (let i = children.length - 1; i >= first; i--) if (i !== idx) yield* stopOne(children[i]!);
        yield* restartFrom(first, children.length - 1);
      }
    } else if (m[0] === GEN_CALL && m.length === 3) {
      const from = m[1] as From;
      const req = m[2];
      if (req instanceof Tuple && req[0] === STOP) {
        for (let i = children.length - 1; i >= 0; i--) yield* stopOne(children[i]!);
        reply(from, OK);
        throw new ExitException(req[1]);
      }
      reply(from, yield* handleCall(children, req, opts.maxChildren));
    }
  }
}

function* handleCall(children: Child[], req: unknown, maxChildren: number): Generator<unknown, unknown, unknown> {
  const find = (id: unknown) => children.findIndex((c) => c.spec.id === id);
  if (req === WHICH) return children.map((c): ChildInfo => ({ id: c.spec.id, pid: c.pid, type: c.spec.type }));
  if (req === COUNT) {
    const workers = children.filter((c) => c.spec.type === "worker").length;
    return { specs: children.length, active: children.filter((c) => c.pid !== undefined).length, supervisors: children.length - workers, workers };
  }
  if (!(req instanceof Tuple)) return t(ERROR, atom("badarg"));
  const op = req[0];
  const arg = req[1];
  if (op === START) {
    let spec: Required<ChildSpec>;
    try {
      spec = validate(arg as ChildSpec);
    } catch (e) {
      return t(ERROR, (e as Error).message);
    }
    if (find(spec.id) >= 0) return t(ERROR, atom("already_present"));
    if (children.length >= maxChildren) return t(ERROR, atom("max_children"));
    const r = yield* startOne(spec);
    if (Array.isArray(r) && r[0] === ERROR) return r;
    children.push({ spec, pid: Array.isArray(r) ? (r[1] as Pid) : undefined });
    return r;
  }
  const i = op === TERMINATE_PID ? children.findIndex((c) => c.pid === arg) : find(arg);
  if (i < 0) return t(ERROR, atom("not_found"));
  const c = children[i]!;
  if (op === TERMINATE || op === TERMINATE_PID) {
    yield* stopOne(c);
    // A temporary child, or one named by its pid (a dynamic child), is forgotten once stopped.
    if (c.spec.restart === "temporary" || op === TERMINATE_PID) children.splice(i, 1);
    return OK;
  }
  if (op === RESTART) {
    if (c.pid !== undefined) return t(ERROR, atom("running"));
    const r = yield* startOne(c.spec);
    if (Array.isArray(r) && r[0] === OK) c.pid = r[1] as Pid;
    return r;
  }
  if (op === DELETE) {
    if (c.pid !== undefined) return t(ERROR, atom("running"));
    children.splice(i, 1);
    return OK;
  }
  return t(ERROR, atom("badarg"));
}

function startSup(children: ChildSpec[], opts: SupervisorOptions, link: boolean): StartOp {
  const specs = children.map(validate);
  const ids = new Set<string>();
  for (const s of specs) {
    if (ids.has(s.id)) throw new ChildSpecError(`child spec field 'id': '${s.id}' is used twice`);
    ids.add(s.id);
  }
  const o = { strategy: opts.strategy ?? "one_for_one", intensity: opts.intensity ?? 3, period: opts.period ?? 5, maxChildren: opts.maxChildren ?? Infinity };
  if (!["one_for_one", "one_for_all", "rest_for_one"].includes(o.strategy)) throw new ChildSpecError(`supervisor option 'strategy': unknown ${String(o.strategy)}`);
  if (!(o.intensity >= 0) || !(o.period > 0)) throw new ChildSpecError("supervisor options 'intensity' (>= 0) and 'period' (> 0 s)");
  const parent = link ? current : null;
  return procStart(
    (ack) => {
      if (opts.name !== undefined) register(opts.name, current!);
      return supervise(specs, o, ack, parent);
    },
    { link },
  );
}

/** Calls and awaits work inside a process (`yield*`) and from async code (`await`). */
export const Supervisor = {
  /** Starts a supervisor (not linked); resolves with its pid once every child has started. */
  start(children: ChildSpec[], opts: SupervisorOptions = {}): PromiseLike<Pid> & Iterable<unknown, Pid, unknown> {
    return pidOf(startSup(children, opts, false));
  },
  /** Starts a supervisor linked to the calling process (itself typically a supervisor). */
  startLink(children: ChildSpec[], opts: SupervisorOptions = {}): PromiseLike<Pid> & Iterable<unknown, Pid, unknown> {
    return pidOf(startSup(children, opts, true));
  },
  /** The Erlang-shaped start result, for a parent supervisor's child spec: `() => Supervisor.childStart(...)`. */
  childStart(children: ChildSpec[], opts: SupervisorOptions = {}): StartOp {
    return startSup(children, opts, true);
  },
  whichChildren(sup: Pid | string) {
    return call(sup, WHICH, Infinity) as unknown as PromiseLike<ChildInfo[]> & Iterable<unknown, ChildInfo[], unknown>;
  },
  countChildren(sup: Pid | string) {
    return call(sup, COUNT, Infinity) as unknown as PromiseLike<{ specs: number; active: number; supervisors: number; workers: number }>;
  },
  startChild(sup: Pid | string, spec: ChildSpec) {
    return call(sup, t(START, spec), Infinity) as unknown as PromiseLike<StartResult> & Iterable<unknown, StartResult, unknown>;
  },
  terminateChild(sup: Pid | string, id: string) {
    return call(sup, t(TERMINATE, id), Infinity) as unknown as PromiseLike<Atom | Tuple>;
  },
  restartChild(sup: Pid | string, id: string) {
    return call(sup, t(RESTART, id), Infinity) as unknown as PromiseLike<StartResult>;
  },
  /** Stops the supervisor: its children in reverse start order, then itself with `reason` (default `normal`). */
  stop(sup: Pid | string, reason: unknown = atom("normal")) {
    return call(sup, t(STOP, reason), Infinity) as unknown as PromiseLike<Atom>;
  },
  /** Stops the child with this pid (how a DynamicSupervisor's children are named). */
  terminateChildPid(sup: Pid | string, pid: Pid) {
    return call(sup, t(TERMINATE_PID, pid), Infinity) as unknown as PromiseLike<Atom | Tuple>;
  },
  deleteChild(sup: Pid | string, id: string) {
    return call(sup, t(DELETE, id), Infinity) as unknown as PromiseLike<Atom | Tuple>;
  },
};

function pidOf(op: StartOp): PromiseLike<Pid> & Iterable<unknown, Pid, unknown> {
  return {
    then: (f, r) => op.then((res) => okPid(res)).then(f, r),
    *[Symbol.iterator]() {
      return okPid(yield* op);
    },
  };
}


