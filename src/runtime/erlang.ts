/**
 * The process API, named after Erlang's BIFs: `spawn`, `send`, `self`,
 * `link`, `monitor`, `exit`, `register`, timers and `processInfo`.
 *
 * Functions act on the runtime of the calling process, or on the default
 * runtime when called from plain code outside any process.
 *
 * @example
 * const parent = run(function* () {
 *   const me = self();
 *   spawn(() => send(me, t(atom("ok"), self())));
 *   return yield* receive([atom("ok"), isPid]);
 * });
 */
import { Atom, atom } from "../term/atom.js";
import { ExternalPid, type Pid, type Ref } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { type Tup, Tuple, t } from "../term/tuple.js";
import { NOPROC, NORMAL, RUNNABLE, RUNNING, WAITING } from "./atoms.js";
import { BadArgError, ExitError, NotInProcessError } from "./errors.js";
import { DEAD, LocalRef, Proc, SCHEDULED, TRAP_EXIT } from "./process.js";
import { type ProcessBody, Runtime } from "./runtime.js";
import { current } from "./current.js";
import * as sig from "./signals.js";
import * as dist from "./dist_entry.js";
import { type Timer } from "./timers.js";

let defaultRt: Runtime | null = null;

/** The sender of exit signals sent from plain code outside any process. */
/** The initial call of a process spawned from an anonymous function (one shared, frozen tuple). */
const APPLY_2 = Object.freeze(t(atom("erlang"), atom("apply"), 2));
const OUTSIDE = new ExternalPid(atom("nonode@nohost"), 0, 0, 0);

/** The default runtime (created on first use). */
export function runtime(): Runtime {
  return current?.rt ?? (defaultRt ??= new Runtime());
}

/** Replaces the default runtime (tests use one with a virtual clock). Returns the previous one. */
export function setDefaultRuntime(rt: Runtime): Runtime | null {
  const old = defaultRt;
  defaultRt = rt;
  return old;
}

function me(what: string): Proc {
  if (current === null) throw new NotInProcessError(what);
  return current;
}

function local(pid: Pid, what: string): Proc {
  if (pid instanceof Proc) return pid;
  throw new BadArgError(`${what}: ${inspect(pid)} is not a process of this node`);
}

/** The calling process's pid. */
export function self(): Pid {
  return me("self()");
}

/**
 * Starts a process. A generator function is a loop-style process that can
 * `yield* receive(...)`; a plain function runs once (an async one holds the
 * process until its promise settles); an {@link Actor} handles each message
 * in a callback. The process ends normally when its function returns.
 */
export function spawn(body: ProcessBody): Pid {
  return runtime().spawn(body);
}

/** Like {@link spawn}, linked to the caller. */
export function spawnLink(body: ProcessBody): Pid {
  const p = me("spawnLink()");
  const c = p.rt.spawn(body);
  sig.link(p, c);
  return c;
}

/** Like {@link spawn}, monitored by the caller: returns the pid and the monitor reference. */
export function spawnMonitor(body: ProcessBody): Tup<[Pid, Ref]> {
  const p = me("spawnMonitor()");
  const c = p.rt.spawn(body);
  const ref = p.rt.makeRef() as LocalRef;
  sig.monitor(p, c, ref, c);
  return t(c, ref);
}

/** Where a message can go: a pid, an alias, a registered name, or `{Name, Node}` (`t(name, node)`). */
export type Dest = Pid | Ref | Atom | string | Tup<[Atom, Atom]>;

/**
 * Sends a message. To a dead pid it is silently dropped; to a name that is
 * not registered it throws {@link BadArgError}; to `{Name, Node}` it never
 * fails (dropped when nothing is registered there), as in Erlang. A pid or
 * `{Name, Node}` on another node goes over the wire (connecting first).
 *
 * @example
 * send(t(atom("primary_store"), atom("kv@localhost")), t(atom("ping"), self()));
 */
export function send<M>(to: Dest, msg: M): M {
  if (to instanceof Proc) to.rt.deliver(to, msg);
  else runtime().send(to, msg);
  return msg;
}

/** Ends the calling process with `reason` (Erlang's `exit/1`). */
export function exit(reason: unknown): never;
/** Sends an exit signal to `pid` (Erlang's `exit/2`). */
export function exit(pid: Pid, reason: unknown): true;
export function exit(a: unknown, b?: unknown): true {
  if (arguments.length < 2) {
    me("exit(reason)");
    throw new sig.ExitException(a);
  }
  const pid = a as Pid;
  if (!(pid instanceof Proc)) {
    const rt = runtime();
    if (pid.node !== rt.nodeName) dist.exitRemote(rt, current, pid, b);
    return true; // otherwise a dead process of this node: nothing happens
  }
  const target = pid;
  const from: Pid = current ?? OUTSIDE;
  sig.exitSignal(target, from, b, false);
  if (target === current && target.flags & DEAD) throw new sig.ExitException(target.ext?.exitReason);
  return true;
}

/**
 * Links the caller and `pid`. To a dead process: a caller that traps exits
 * gets `{'EXIT', Pid, noproc}`; one that does not gets an exception with
 * reason `noproc` that it may catch (it is not killed), as `link/1` in OTP 25.
 */
export function link(pid: Pid): true {
  const p = me("link()");
  if (!(pid instanceof Proc)) {
    if (pid.node !== p.rt.nodeName) {
      // Another node: true at once; a missing process answers with a `noproc` exit signal later.
      dist.linkRemote(p, pid);
      return true;
    }
    // This node, not a live process: as a dead one.
    if (!(p.flags & TRAP_EXIT)) throw new sig.ExitException(NOPROC);
    sig.exitSignal(p, pid, NOPROC, true);
    return true;
  }
  const other = pid;
  if (other.flags & DEAD && !(p.flags & TRAP_EXIT)) throw new sig.ExitException(NOPROC);
  sig.link(p, other);
  return true;
}

export function unlink(pid: Pid): true {
  const p = me("unlink()");
  if (pid instanceof Proc) sig.unlink(p, pid);
  else if (pid.node !== p.rt.nodeName) dist.unlinkRemote(p, pid);
  return true;
}

/**
 * Monitors a process, by pid, by registered name, or as `{Name, Node}`
 * (`t(name, node)`, possibly on another node); its death arrives as
 * `{'DOWN', Ref, process, Item, Reason}` where Item is the pid, or
 * `{Name, Node}` for a monitor by name. A process that does not exist gives
 * a `noproc` DOWN; a node that cannot be reached (or goes down) a
 * `noconnection` DOWN.
 *
 * @example
 * const ref = monitor(t(atom("primary_store"), atom("kv@localhost")));
 */
export function monitor(target: Pid | Atom | string | Tup<[Atom, Atom]>, opts: MonitorOptions = {}): Ref {
  const p = me("monitor()");
  const rt = p.rt;
  const ref = rt.makeRef() as LocalRef;
  const alias = opts.alias !== undefined;
  if (target instanceof Proc) {
    sig.monitor(p, target, ref, target, alias);
  } else if (typeof target === "string" || target instanceof Atom) {
    // By name: the DOWN message names {Name, Node}, as in Erlang.
    const name = typeof target === "string" ? atom(target) : target;
    sig.monitor(p, rt.whereis(name) ?? null, ref, t(name, rt.nodeName), alias);
  } else if (target instanceof Tuple) {
    const [name, node] = [target[0], target[1]];
    if (target.length !== 2 || !(name instanceof Atom) || !(node instanceof Atom)) throw new BadArgError(`monitor: ${inspect(target)} is not {Name, Node}`);
    const item = t(name, node);
    if (node === rt.nodeName) sig.monitor(p, rt.whereis(name) ?? null, ref, item, alias);
    else dist.monitorRemote(p, name, node, ref, item, alias);
  } else if (target.node === rt.nodeName) {
    sig.monitor(p, null, ref, target, alias); // this node, not a live process: noproc
  } else dist.monitorRemote(p, target, target.node, ref, target, alias);
  return ref;
}

/**
 * Erlang's `monitor_node(Node, true)`: the caller gets `{nodedown, Node}`
 * when the connection to `node` goes down (at once if it cannot be made: the
 * node is connected to first). Each call is one more message; each `false`
 * undoes one call. Needs a distributed node.
 *
 * @example
 * monitorNode("iex@localhost");
 * yield* receive(on([atom("nodedown"), _], () => "iex is gone"));
 */
export function monitorNode(node: Atom | string, on = true): true {
  const p = me("monitorNode()");
  dist.monitorNode(p, typeof node === "string" ? atom(node) : node, on);
  return true;
}

/**
 * This node's name (`nonode@nohost` until distribution starts), or the node
 * a pid, reference or port lives on.
 *
 * @example
 * node();       // atom('agner@localhost')
 * node(caller); // the node of the process that called us
 */
export function node(of?: Pid | Ref | { readonly node: Atom }): Atom {
  return of === undefined ? runtime().nodeName : of.node;
}

export interface MonitorOptions {
  /**
   * Make the monitor reference also an alias of the caller (Erlang's
   * `{alias, demonitor}`): messages sent to it arrive until the monitor is
   * removed or fires; later ones are dropped. `gen` calls use this so a late
   * reply never lands in the caller's mailbox.
   */
  alias?: "demonitor";
}

/** A new alias of the calling process: `send(alias, msg)` delivers to it until {@link unalias}. */
export function alias(): Ref {
  const p = me("alias()");
  const ref = p.rt.newRef() as LocalRef;
  ref.alias = p;
  (p.x().aliases ??= new Set()).add(ref);
  return ref;
}

/** Deactivates an alias of the calling process; false if it was not one. */
export function unalias(ref: Ref): boolean {
  const p = me("unalias()");
  if (!(ref instanceof LocalRef) || ref.alias !== p) return false;
  ref.alias = null;
  p.ext?.aliases?.delete(ref);
  return true;
}

/** Removes a monitor. With `{ flush: true }` a `DOWN` already received for it is removed too. */
export function demonitor(ref: Ref, opts: { flush?: boolean } = {}): boolean {
  return sig.demonitor(me("demonitor()"), ref, opts.flush === true);
}

/** Sets a process flag of the caller; returns the old value. */
export function processFlag(flag: "trap_exit", value: boolean): boolean {
  const p = me("processFlag()");
  const old = (p.flags & TRAP_EXIT) !== 0;
  if (value) p.flags |= TRAP_EXIT;
  else p.flags &= ~TRAP_EXIT;
  return old;
}

export function register(name: Atom | string, pid: Pid): true {
  runtime().register(name, pid);
  return true;
}

export function unregister(name: Atom | string): true {
  runtime().unregister(name);
  return true;
}

export function whereis(name: Atom | string): Pid | undefined {
  return runtime().whereis(name);
}

export function registered(): Atom[] {
  return runtime().registered();
}

/** A new unique reference. */
export function makeRef(): Ref {
  return runtime().makeRef();
}

const timerRefs = new WeakMap<Ref, Timer>();

/** Sends `msg` to `dest` after `ms` milliseconds; returns a timer reference. */
export function sendAfter(ms: number, dest: Pid | Atom | string, msg: unknown): Ref {
  const rt = runtime();
  const ref = rt.newRef();
  const tm = rt.addTimer(ms, () => {
    timerRefs.delete(ref);
    try {
      rt.send(dest, msg);
    } catch {
      // a name that is gone by then: dropped, as erlang:send_after does
    }
  });
  timerRefs.set(ref, tm);
  return ref;
}

/** Cancels a timer: the milliseconds that were left, or false if it already fired or was cancelled. */
export function cancelTimer(ref: Ref): number | false {
  const tm = timerRefs.get(ref);
  if (tm === undefined || !tm.active) return false;
  const rt = runtime();
  const left = rt.timerRemaining(tm);
  rt.timers.cancel(tm);
  timerRefs.delete(ref);
  return left;
}

/** Milliseconds left on a timer, or false. */
export function readTimer(ref: Ref): number | false {
  const tm = timerRefs.get(ref);
  if (tm === undefined || !tm.active) return false;
  return runtime().timerRemaining(tm);
}

export function isAlive(pid: Pid): boolean {
  return pid instanceof Proc && (pid.flags & DEAD) === 0;
}

/** Every live process of the runtime. */
export function processes(): Pid[] {
  return runtime().processes();
}

/** What {@link runtimeStatistics} reports: counters since the runtime started (rates are their differences). */
export interface RuntimeStatistics {
  /** Live processes. */
  processCount: number;
  /** Reductions run, every process together (Erlang's `statistics(exact_reductions)`). */
  reductions: number;
  /** Messages delivered to local processes. */
  messagesDelivered: number;
  /** Processes waiting for a turn (Erlang's `statistics(run_queue)`). */
  runQueueLength: number;
}

/**
 * The runtime's counters (what the observer samples each second). `reductions` sums
 * the live processes' counts (a walk of the process list); the rest are O(1).
 *
 * @example
 * const a = runtimeStatistics();
 * await sleep(1000);
 * const perSecond = runtimeStatistics().reductions - a.reductions;
 */
export function runtimeStatistics(rt: Runtime = runtime()): RuntimeStatistics {
  return { processCount: rt.processCount, reductions: rt.reductions, messagesDelivered: rt.messagesDelivered, runQueueLength: rt.runQueueLength };
}

/** What {@link processInfo} reports. */
export interface ProcessInfo {
  messages: unknown[];
  message_queue_len: number;
  links: Pid[];
  monitors: Tup<[Atom<"process">, Pid]>[];
  monitored_by: Pid[];
  registered_name: Atom | undefined;
  status: Atom<"running" | "runnable" | "waiting" | "exiting">;
  reductions: number;
  /** Estimated bytes of JS heap held by the process (see `estimateMemory`). */
  memory: number;
  initial_call: unknown;
  trap_exit: boolean;
}

/** Erlang's `process_info/1,2`: undefined when the process is dead. */
export function processInfo(pid: Pid): ProcessInfo | undefined;
export function processInfo<K extends keyof ProcessInfo>(pid: Pid, item: K): ProcessInfo[K] | undefined;
export function processInfo(pid: Pid, item?: keyof ProcessInfo): unknown {
  const p = local(pid, "processInfo");
  if (p.flags & DEAD) return undefined;
  const x = p.ext;
  const get = (k: keyof ProcessInfo): unknown => {
    switch (k) {
      case "messages": {
        const held = p.beh?.held?.();
        return held !== undefined && held.length > 0 ? [...held, ...p.messages()] : p.messages();
      }
      case "message_queue_len":
        return p.queueLength + (p.beh?.held?.().length ?? 0);
      case "links": {
        const links: Pid[] = x?.links ? [...x.links] : [];
        if (x?.remote) for (const l of x.remote.links.values()) if (l.unlinking === 0) links.push(l.pid);
        return links;
      }
      case "monitors":
        return [...sig.monitorsOf(p, "held")].map((m) => t(atom("process"), m.item));
      case "monitored_by": {
        const by: Pid[] = [...sig.monitorsOf(p, "on")].map((m) => m.owner);
        if (x?.remote) for (const m of x.remote.monitoredBy) by.push(m.owner);
        return by;
      }
      case "registered_name":
        return x?.name ?? undefined;
      case "status":
        return p === current ? RUNNING : p.flags & SCHEDULED ? RUNNABLE : WAITING;
      case "reductions":
        return p.reds;
      case "memory":
        return estimateMemory(p);
      case "initial_call":
        return x?.initialCall ?? APPLY_2;
      case "trap_exit":
        return (p.flags & TRAP_EXIT) !== 0;
    }
  };
  if (item !== undefined) return get(item);
  const all: Record<string, unknown> = {};
  for (const k of INFO_KEYS) all[k] = get(k);
  return all;
}

const INFO_KEYS: (keyof ProcessInfo)[] = [
  "registered_name",
  "initial_call",
  "status",
  "message_queue_len",
  "messages",
  "links",
  "monitors",
  "monitored_by",
  "trap_exit",
  "reductions",
  "memory",
];

/**
 * An estimate of the heap a process holds: the process object (12 fields,
 * 120 bytes on Node 20's 64-bit heap without pointer compression), its
 * extension record, mailbox buffer slots, link/monitor entries, a suspended
 * generator, and a shallow size per queued message. Measured object sizes,
 * not a heap walk: messages shared with other processes are not counted.
 */
export function estimateMemory(p: Proc): number {
  let n = 120;
  const x = p.ext;
  if (x !== null) {
    n += 104;
    if (x.links) n += 64 + 40 * x.links.size;
    for (const _m of sig.monitorsOf(p, "held")) n += 88;
    for (const _m of sig.monitorsOf(p, "on")) n += 88;
  }
  if (p.co !== null) n += 200;
  const q = p.q;
  if (q !== null) n += 32 + 8 * q.a.length;
  for (const m of p.messages()) n += shallowSize(m);
  return n;
}

function shallowSize(m: unknown): number {
  if (typeof m === "string") return 16 + m.length;
  if (m instanceof Uint8Array) return 96 + m.byteLength;
  if (Array.isArray(m)) return 32 + 8 * m.length;
  if (typeof m === "object" && m !== null) return 24 + 8 * Object.keys(m).length;
  return typeof m === "number" && !Number.isInteger(m) ? 16 : 0;
}

/** @deprecated `run()` rejects with {@link ExitError}; this is the same class under its former name. */
export const ProcessExitError = ExitError;
/** @deprecated use {@link ExitError}. */
export type ProcessExitError = ExitError;

/**
 * Runs `body` as a process and resolves with its return value when it ends
 * normally, or rejects with {@link ExitError} carrying its exit reason.
 * The bridge from plain async code into the process world.
 */
export function run<R>(body: () => Generator<unknown, R, unknown> | R): Promise<R> {
  return new Promise<R>((resolvePromise, reject) => {
    const p = runtime().spawn(body);
    const x = (p as Proc).x();
    x.onExit = [(reason) => (reason === NORMAL ? resolvePromise(x.result as R) : reject(new ExitError(reason)))];
  });
}
