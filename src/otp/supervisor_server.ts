/**
 * The supervisor process (see `supervisor.ts` for the API and why this is a
 * loop-style process that speaks the GenServer protocol). It follows OTP's
 * `supervisor` module:
 *
 * - children start in order; one failing aborts the start with
 *   `{shutdown, {failed_to_start_child, Id, Reason}}` after the started ones
 *   stopped, in reverse order;
 * - a child's exit is handled by its restart type and the strategy; every
 *   restart (and every failed restart attempt) counts against the intensity,
 *   kept as restart times (ms, virtual clock) in a sliding window of `period`
 *   seconds; one too many and the supervisor stops its children and exits with
 *   `shutdown` (a `reached_max_restart_intensity` supervisor report);
 * - stopping a child: `exit(child, shutdown)`, wait up to its shutdown time
 *   for its EXIT, then `exit(child, kill)`; `brutal_kill` kills at once;
 * - temporary children are forgotten once they end, also when one_for_all or
 *   rest_for_one stops them; in dynamic mode (DynamicSupervisor) every child
 *   that is not restarted is forgotten, and an `ignore`d start keeps nothing.
 *
 * Supervisor reports (`what: "supervisor_report"`, `errorContext`:
 * `child_terminated`, `start_error`, `shutdown_error`,
 * `reached_max_restart_intensity`) go to the runtime's logger at level error,
 * when OTP would report: a permanent child's every exit, other children's
 * abnormal exits.
 */
import { Atom, atom } from "../term/atom.js";
import { Pid } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { TermMap } from "../term/term_map.js";
import { Tuple, t } from "../term/tuple.js";
import { ERROR, EXIT, GEN_CALL, IGNORE, KILL, KILLED, NORMAL, OK, SHUTDOWN } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { exit, processFlag, register } from "../runtime/erlang.js";
import { _ } from "../runtime/pattern.js";
import { type Proc } from "../runtime/process.js";
import { after, on, receive } from "../runtime/receive.js";
import { ExitException, crashReason, isQuietReason } from "../runtime/signals.js";
import { type From, reply } from "./gen.js";
import { type Ack, type StartResult } from "./proc_lib.js";
import { type ChildInfo, type ChildSpec, type Strategy, validate } from "./supervisor.js";
import { SYSTEM } from "./sys.js";
import { charlist, stateData, statusTuple } from "./sys_status.js";
import { Via, viaOfTuple, viaRegister, viaWhereis } from "./registry.js";

export const WHICH = atom("which_children");
export const COUNT = atom("count_children");
export const TERMINATE = atom("terminate_child");
export const RESTART = atom("restart_child");
export const DELETE = atom("delete_child");
export const START = atom("start_child");
export const TERMINATE_PID = atom("terminate_child_pid");

const FAILED_TO_START_CHILD = atom("failed_to_start_child");
const UNDEFINED = atom("undefined");
const WORKER = atom("worker");
const SUPERVISOR = atom("supervisor");
const DYNAMIC = atom("dynamic");
const SPECS = atom("specs");
const CHILD = atom("child");
const ACTIVE = atom("active");
const SUPERVISOR_COUNT = atom("supervisors");
const WORKER_COUNT = atom("workers");
const ALREADY_STARTED = atom("already_started");
const ALREADY_PRESENT = atom("already_present");
const MAX_CHILDREN = atom("max_children");
const NOT_FOUND = atom("not_found");
const RUNNING = atom("running");
const BADARG = atom("badarg");
const SYS_GET_STATE = atom("get_state");
const SYS_GET_STATUS = atom("get_status");
const SYS_SUSPEND = atom("suspend");
const SYS_RESUME = atom("resume");
const SYS_TERMINATE = atom("terminate");
const TIMED_OUT = Symbol("shutdown timeout");
const SYSTEM_MSG = [SYSTEM, _, _] as const;

/** @internal Validated supervisor flags. */
export interface SupOptions {
  strategy: Strategy;
  intensity: number;
  period: number;
  maxChildren: number;
  /** DynamicSupervisor: children that are not restarted are forgotten. */
  dynamic: boolean;
}

interface Child {
  readonly spec: Required<ChildSpec>;
  pid: Pid | undefined;
}

/** The supervisor's state: children in start order, indexed by id and by pid (O(1) on every EXIT, however many children). */
class SupState {
  readonly children = new Set<Child>();
  readonly byId = new Map<string, Child>();
  readonly byPid = new Map<Pid, Child>();
  /** Restart times in the window: a queue with a head index (shift() is O(n)). */
  private restarts: number[] = [];
  private head = 0;
  suspended = false;

  constructor(
    readonly self: Proc,
    readonly opts: SupOptions,
    readonly parent: Pid | null,
    readonly name?: string,
  ) {}

  add(spec: Required<ChildSpec>, pid: Pid | undefined): Child {
    const c: Child = { spec, pid };
    this.children.add(c);
    this.byId.set(spec.id, c);
    if (pid !== undefined) this.byPid.set(pid, c);
    return c;
  }

  remove(c: Child): void {
    this.children.delete(c);
    this.byId.delete(c.spec.id);
    if (c.pid !== undefined) this.byPid.delete(c.pid);
  }

  setPid(c: Child, pid: Pid | undefined): void {
    if (c.pid !== undefined) this.byPid.delete(c.pid);
    c.pid = pid;
    if (pid !== undefined) this.byPid.set(pid, c);
  }

  /** Records a restart now; false when that makes more than `intensity` within `period`. */
  allowRestart(): boolean {
    const now = this.self.rt.clock.now();
    const r = this.restarts;
    r.push(now);
    const floor = now - this.opts.period * 1000;
    while (this.head < r.length && r[this.head]! <= floor) this.head++;
    if (this.head > 1024 && this.head * 2 > r.length) {
      this.restarts = r.slice(this.head);
      this.head = 0;
    }
    return this.restarts.length - this.head <= this.opts.intensity;
  }

  restartsInWindow(): number {
    return this.restartTimes().length;
  }

  /** The restart times (ms, virtual clock) within the window. */
  restartTimes(): number[] {
    const floor = this.self.rt.clock.now() - this.opts.period * 1000;
    return this.restarts.slice(this.head).filter((x) => x > floor);
  }

  info(c: Child): ChildInfo {
    return { id: c.spec.id, pid: c.pid, type: c.spec.type };
  }

  report(context: string, child: Child | Required<ChildSpec>, pid: Pid | undefined, reason: unknown): void {
    const id = "spec" in child ? child.spec.id : child.id;
    this.self.rt.logger({
      level: "error",
      what: "supervisor_report",
      text:
        `** Supervisor ${inspect(this.self)}: ${context}\n` +
        `** child '${id}'${pid !== undefined ? ` (${inspect(pid)})` : ""}\n` +
        `** reason: ${reason instanceof Error ? (reason.stack ?? String(reason)) : inspect(reason)}`,
      pid: this.self,
      errorContext: context,
      childId: id,
      childPid: pid,
      reason,
    });
  }
}

const isIgnore = (r: StartResult): r is Atom<"ignore"> => r === IGNORE;

function isStartResult(r: unknown): r is StartResult {
  if (r === IGNORE) return true;
  return r instanceof Tuple && r.length === 2 && ((r[0] === OK && r[1] instanceof Pid) || r[0] === ERROR);
}

/** Runs a child's start function in the supervisor; a throw or a bad return is `{error, What}`, as OTP's `catch apply(M, F, A)`. */
function* startOne(spec: Required<ChildSpec>): Generator<unknown, StartResult, unknown> {
  let r: unknown;
  try {
    const s = spec.start();
    if (s instanceof Pid) return t(OK, s);
    if (s instanceof Tuple) r = s; // a ready result, e.g. an {error, R} built by hand
    else if (s !== null && typeof s === "object" && Symbol.iterator in s) r = yield* s;
    else r = s;
  } catch (e) {
    return t(ERROR, crashReason(e));
  }
  return isStartResult(r) ? r : t(ERROR, r);
}

/** Stops one running child and waits for its EXIT; a reason other than the one asked for is a shutdown_error. */
function* stopOne(st: SupState, c: Child): Generator<unknown, void, unknown> {
  const pid = c.pid;
  if (pid === undefined) return;
  st.setPid(c, undefined);
  const sd = c.spec.shutdown;
  exit(pid, sd === "brutal_kill" ? KILL : SHUTDOWN);
  const waitExit = on([EXIT, pid, _], (m) => m[2]);
  let reason = yield* receive(waitExit, after(typeof sd === "number" ? sd : Infinity, () => TIMED_OUT));
  if (reason === TIMED_OUT) {
    exit(pid, KILL);
    reason = yield* receive(waitExit);
  }
  const expected = sd === "brutal_kill" ? KILLED : SHUTDOWN;
  if (reason !== expected && !(reason === NORMAL && c.spec.restart !== "permanent")) st.report("shutdown_error", c, pid, reason);
}

function* stopAll(st: SupState): Generator<unknown, void, unknown> {
  const list = [...st.children];
  for (let i = list.length - 1; i >= 0; i--) yield* stopOne(st, list[i]!);
}

function* giveUp(st: SupState, c: Child): Generator<unknown, never, unknown> {
  st.report("reached_max_restart_intensity", c, c.pid, SHUTDOWN);
  yield* stopAll(st);
  throw new ExitException(SHUTDOWN);
}

/** Starts a child again; a failed attempt is reported and counts as a restart. */
function* startAgain(st: SupState, c: Child): Generator<unknown, void, unknown> {
  for (;;) {
    const r = yield* startOne(c.spec);
    if (isIgnore(r)) {
      if (st.opts.dynamic) st.remove(c);
      return;
    }
    if (r[0] === OK) return st.setPid(c, r[1] as Pid);
    st.report("start_error", c, undefined, r[1]);
    if (!st.allowRestart()) yield* giveUp(st, c);
  }
}

/** A child's EXIT arrived: report, then restart by its restart type and the strategy. */
function* childExited(st: SupState, c: Child, pid: Pid, reason: unknown): Generator<unknown, void, unknown> {
  st.setPid(c, undefined);
  const restart = c.spec.restart;
  const quiet = isQuietReason(reason);
  if (restart === "permanent" || !quiet) st.report("child_terminated", c, pid, reason);
  if (!(restart === "permanent" || (restart === "transient" && !quiet))) {
    if (restart === "temporary" || st.opts.dynamic) st.remove(c);
    return;
  }
  if (!st.allowRestart()) yield* giveUp(st, c);
  if (st.opts.strategy === "one_for_one") return yield* startAgain(st, c);
  const list = [...st.children];
  const affected = list.slice(st.opts.strategy === "one_for_all" ? 0 : list.indexOf(c));
  for (let i = affected.length - 1; i >= 0; i--) if (affected[i] !== c) yield* stopOne(st, affected[i]!);
  for (const x of affected) {
    if (x !== c && x.spec.restart === "temporary") st.remove(x);
    else yield* startAgain(st, x);
  }
}

/**
 * `which_children` and `count_children` answer in Erlang's shapes, whoever
 * asks (`supervisor:which_children/1` from erl, or `Supervisor.whichChildren`,
 * which reads them back into `ChildInfo`s): `[{Id, Child, Type, Modules}]`
 * with Child a pid or `undefined`, Type `worker | supervisor`, Modules
 * `dynamic` (a child's start is a JS function, not an MFA naming its module);
 * `[{specs, N}, {active, N}, {supervisors, N}, {workers, N}]`.
 */
function* handleCall(st: SupState, req: unknown): Generator<unknown, unknown, unknown> {
  if (req === WHICH) return [...st.children].map((c) => t(c.spec.id, c.pid ?? UNDEFINED, c.spec.type === "supervisor" ? SUPERVISOR : WORKER, DYNAMIC));
  if (req === COUNT) {
    let active = 0;
    let supervisors = 0;
    for (const c of st.children) {
      if (c.pid !== undefined) active++;
      if (c.spec.type === "supervisor") supervisors++;
    }
    return [t(SPECS, st.children.size), t(ACTIVE, active), t(SUPERVISOR_COUNT, supervisors), t(WORKER_COUNT, st.children.size - supervisors)];
  }
  if (!(req instanceof Tuple) || req.length !== 2) return t(ERROR, BADARG);
  const op = req[0];
  const arg = req[1];
  if (op === START) {
    let spec: Required<ChildSpec>;
    try {
      spec = validate(arg as ChildSpec);
    } catch (e) {
      return t(ERROR, (e as Error).message);
    }
    const existing = st.byId.get(spec.id);
    if (existing !== undefined) return t(ERROR, existing.pid !== undefined ? t(ALREADY_STARTED, existing.pid) : ALREADY_PRESENT);
    if (st.children.size >= st.opts.maxChildren) return t(ERROR, MAX_CHILDREN);
    const r = yield* startOne(spec);
    if (isIgnore(r)) {
      if (!st.opts.dynamic && spec.restart !== "temporary") st.add(spec, undefined);
    } else if (r[0] === OK) st.add(spec, r[1] as Pid);
    else st.report("start_error", spec, undefined, r[1]);
    return r;
  }
  const c = op === TERMINATE_PID ? st.byPid.get(arg as Pid) : typeof arg === "string" ? st.byId.get(arg) : undefined;
  if (c === undefined) return t(ERROR, NOT_FOUND);
  if (op === TERMINATE || op === TERMINATE_PID) {
    yield* stopOne(st, c);
    if (c.spec.restart === "temporary" || op === TERMINATE_PID || st.opts.dynamic) st.remove(c);
    return OK;
  }
  if (op === RESTART) {
    if (c.pid !== undefined) return t(ERROR, RUNNING);
    const r = yield* startOne(c.spec);
    if (!isIgnore(r) && r[0] === OK) st.setPid(c, r[1] as Pid);
    return r;
  }
  if (op === DELETE) {
    if (c.pid !== undefined) return t(ERROR, RUNNING);
    st.remove(c);
    return OK;
  }
  return t(ERROR, BADARG);
}

/**
 * `sys:get_status` as OTP's supervisor (a gen_server) answers it: the state
 * is shown as OTP's `#state{}` record, `{state, Name, Strategy, {Ids, #{Id =>
 * {child, Pid, Id, Start, Restart, Significant, Shutdown, Type, Modules}}},
 * Dynamics, Intensity, Period, Restarts, DynamicRestarts, AutoShutdown,
 * Module, Args}`, with what these supervisors have: `Start` is the start
 * function, `Modules` `dynamic`, `Restarts` the restart times (ms) in the
 * window, `Module` `'Supervisor'` or `'DynamicSupervisor'` (there is no
 * callback module), `Args` `undefined`.
 */
function supervisorStatus(st: SupState): Tuple {
  const module = atom(st.opts.dynamic ? "DynamicSupervisor" : "Supervisor");
  const children = [...st.children];
  const db = new TermMap<unknown, unknown>();
  for (const c of children) {
    const s = c.spec;
    db.set(s.id, t(CHILD, c.pid ?? UNDEFINED, s.id, s.start, atom(s.restart), false, typeof s.shutdown === "number" ? s.shutdown : atom(s.shutdown), atom(s.type), DYNAMIC));
  }
  const name = st.name === undefined ? t(st.self, module) : t(atom("local"), atom(st.name));
  const record = t(
    atom("state"),
    name,
    atom(st.opts.strategy),
    t(children.map((c) => c.spec.id), db),
    UNDEFINED,
    st.opts.intensity,
    st.opts.period,
    st.restartTimes(),
    0,
    atom("never"),
    module,
    UNDEFINED,
  );
  return statusTuple({
    self: st.self,
    name: st.name,
    initialCall: t(SUPERVISOR, module, 1),
    suspended: st.suspended,
    parent: st.parent ?? st.self,
    debug: [],
    specific: [...stateData(record), t(SUPERVISOR, [t(charlist("Callback"), module)])],
  });
}

/** `sys` requests: the supervisor's state is its children and flags. */
function* handleSystem(st: SupState, from: From, req: unknown): Generator<unknown, void, unknown> {
  const op = req instanceof Tuple ? req[0] : req;
  const state = () => ({
    strategy: st.opts.strategy,
    intensity: st.opts.intensity,
    period: st.opts.period,
    children: [...st.children].map((c) => st.info(c)),
    restarts: st.restartsInWindow(),
  });
  switch (op) {
    case SYS_GET_STATE:
      return reply(from, state());
    case SYS_GET_STATUS:
      return reply(from, supervisorStatus(st));
    case SYS_SUSPEND:
      st.suspended = true;
      return reply(from, OK);
    case SYS_RESUME:
      st.suspended = false;
      return reply(from, OK);
    case SYS_TERMINATE: {
      yield* stopAll(st);
      reply(from, OK);
      throw new ExitException((req as unknown[])[1]);
    }
    default:
      return reply(from, t(ERROR, t(atom("unknown_system_msg"), req)));
  }
}

/** @internal The supervisor's process body: started by `proc_lib`, acks once every child has started. */
export function* supervise(
  specs: Required<ChildSpec>[],
  opts: SupOptions,
  ack: Ack,
  parent: Pid | null,
  name: string | Via | Tuple | undefined,
): Generator<unknown, void, unknown> {
  const self = current!;
  const via = name instanceof Via ? name : viaOfTuple(name);
  if (via !== undefined) {
    // `{global, Name}` or another via name: registered as gen does, perhaps waiting for other nodes.
    const taken = () => {
      ack(t(ERROR, t(ALREADY_STARTED, viaWhereis(via) ?? atom("undefined"))));
      throw new ExitException(NORMAL);
    };
    if (viaWhereis(via) !== undefined) taken();
    const r = viaRegister(via, self);
    const answer = r instanceof Atom ? r : yield* { [Symbol.iterator]: () => r };
    if (answer !== atom("yes")) taken();
  } else if (typeof name === "string") {
    const existing = self.rt.whereis(name);
    if (existing !== undefined) {
      ack(t(ERROR, t(ALREADY_STARTED, existing)));
      throw new ExitException(NORMAL);
    }
    register(name, self);
  }
  processFlag("trap_exit", true);
  const st = new SupState(self, opts, parent, typeof name === "string" ? name : undefined);
  for (const spec of specs) {
    const r = yield* startOne(spec);
    if (!isIgnore(r) && r[0] === ERROR) {
      st.report("start_error", spec, undefined, r[1]);
      yield* stopAll(st);
      const reason = t(SHUTDOWN, t(FAILED_TO_START_CHILD, spec.id, r[1]));
      ack(t(ERROR, reason));
      throw new ExitException(reason);
    }
    if (isIgnore(r) && (spec.restart === "temporary" || opts.dynamic)) continue;
    st.add(spec, isIgnore(r) ? undefined : (r[1] as Pid));
  }
  ack(t(OK, self));

  for (;;) {
    const m = st.suspended ? yield* receive(SYSTEM_MSG) : yield* receive(_);
    if (m instanceof Tuple && m.length === 3) {
      const tag = m[0];
      if (tag === EXIT) {
        const pid = m[1] as Pid;
        const c = st.byPid.get(pid);
        if (c !== undefined) yield* childExited(st, c, pid, m[2]);
        else if (parent !== null && pid === parent) {
          yield* stopAll(st);
          throw new ExitException(m[2]);
        } // else: a linked non-child (a failed start's process): nothing to do, as in OTP
        continue;
      }
      if (tag === GEN_CALL) {
        reply(m[1] as From, yield* handleCall(st, m[2]));
        continue;
      }
      if (tag === SYSTEM) {
        yield* handleSystem(st, m[1] as From, m[2]);
        continue;
      }
    }
    self.rt.logger({ level: "error", what: "supervisor_unexpected_message", text: `Supervisor ${inspect(self)} received unexpected message: ${inspect(m)}`, pid: self, msg: m });
  }
}
