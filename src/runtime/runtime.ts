/**
 * The runtime: one scheduler with a run queue of processes, the name
 * registry, timers, and the entry points the `erlang`-style API calls.
 *
 * Scheduling: each process runs for a budget of reductions (messages handled
 * or coroutine steps, default 32), then the next one gets its turn. After a
 * time slice (default 5 ms) the scheduler yields to the event loop with
 * `setImmediate`, so sockets and timers are never starved. An idle scheduler
 * is woken with a microtask, which keeps calls from async code cheap.
 * JS cannot preempt a synchronous loop: a handler that never returns blocks
 * the whole runtime, and is the one thing Agner cannot protect against.
 */
import { performance } from "node:perf_hooks";
import { Atom, atom } from "../term/atom.js";
import { Pid, Ref } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { GEN_CAST, JS, NONODE, NORMAL, UNDEFINED } from "./atoms.js";
import { type Clock, systemClock } from "./clock.js";
import { BadArgError, ExitError } from "./errors.js";
import { type LogEvent, type Logger, consoleLogger } from "./logger.js";
import { matches } from "./pattern.js";
import { type Actor, BOXED, CastMsg, DEAD, EXT_RX, HAS_M0, KEPT, LocalRef, NOT_DIRECT, Proc, RX_EXTRA, SCHEDULED, unbox } from "./process.js";
import { AwaitOp, CustomReceive, FREE, OWN, ReceiveOp, type ReceiveState, StartOp, type WaitState, Taken, WAITING as OP_WAITING, WaitOp, YieldOp, stateOf } from "./receive.js";
import { current, setCurrent } from "./current.js";
import { ExitException, crashReason, exitProcess, isQuietReason } from "./signals.js";
import { type Timer, TimerHeap } from "./timers.js";
import { RunQueue } from "./run_queue.js";
import { microtask } from "./microtask.js";
import { type DistEntry, type RemoteRouter } from "./dist_entry.js";
import { WireIds } from "./wire_ids.js";
import { NO_MATCH, clearAfter, receiveStart, scan, scanStart, tryReceive } from "./matching.js";

export interface RuntimeOptions {
  /** Time source; a `VirtualClock` makes timers run only on `advance`. */
  clock?: Clock;
  /** Reductions per turn (default 32: throughput plateaus there, latency grows beyond). */
  budget?: number;
  /** Milliseconds of work before yielding to the event loop (default 5). */
  sliceMs?: number;
  logger?: Logger;
  /** `freeze` deep-freezes every message at send (catches shared mutation in dev and tests). */
  isolation?: "reference" | "freeze";
}

/** What `spawn` runs: a function (plain, generator or async) or a callback actor. */
export type ProcessBody = (() => unknown) | Actor<never>;

export type { RemoteRouter };

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;

/** Drives an async body or handler: holds the mailbox until the promise settles. */
function* holdPromise(p: PromiseLike<unknown>): Generator<unknown, unknown, unknown> {
  return yield* new AwaitOp(p);
}

function throwInto(co: Iterator<unknown, unknown, unknown>, e: unknown): IteratorResult<unknown, unknown> {
  if (co.throw === undefined) throw e;
  return co.throw(e);
}


/** Placeholder coroutine of a process whose plain function has not run yet. */
const NOT_STARTED: Iterator<unknown, unknown, unknown> = {
  next: () => ({ done: true, value: undefined }),
};

export class Runtime {
  readonly clock: Clock;
  nodeName: Atom = NONODE;
  creation = 0;
  /** Random low word that keeps references of different runtimes apart. */
  readonly refSalt = (Math.random() * 0x1_0000_0000) >>> 0;
  logger: Logger;
  /** The distribution layer, while this runtime is a node. */
  remote: RemoteRouter | null = null;
  /** Links and monitors with processes of each other node. */
  readonly dist = new Map<Atom, DistEntry>();
  /** This node's pids and references that went out on the wire. */
  readonly wire = new WireIds(this);
  readonly budget: number;
  readonly sliceMs: number;
  readonly freeze: boolean;

  /**
   * Two run queues: processes woken by a message (they were waiting) and
   * processes that used their whole budget and want more. The scheduler
   * alternates between them, so a process that waited for a reply runs within
   * one busy turn instead of behind every busy process: a 10x shorter
   * round trip under load, while busy processes still get half the turns.
   */
  private readonly woken = new RunQueue();
  private readonly busy = new RunQueue();
  private lastWoken = false;
  /** Sentinel of the circular live-process list. */
  private readonly live: Proc;
  private liveCount = 0;
  private readonly names = new Map<Atom, Proc>();
  readonly timers = new TimerHeap();
  private nextNum = 80;
  private refCount = 0;
  private draining = false;
  private wakePending = false;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private idleDue = Infinity;
  /** Whether the idle timer keeps Node alive (only while a runtime timer is pending). */
  private idleRef = false;
  /** Reductions spent since the scheduler last read the clock. */
  private used = 0;
  /** Reductions of the processes that ended (statistics(reductions) adds the live ones'). */
  private deadReds = 0;
  /** Messages delivered to local processes since the start (one add per message: the observer's messages/s). */
  messagesDelivered = 0;
  /** Process turns run since start (statistics(context_switches)). */
  private turnsRun = 0;
  /**
   * Direct calls, direct casts (while others wait) and at-once receives the
   * running process may still make this turn (see {@link directCall},
   * {@link castNow}, {@link receiveNow}): none suspends it, so this is what
   * makes it give up its turn.
   */
  private syncLeft = 0;
  /**
   * A process runs inside another's turn (a direct call or cast, or a
   * target's queued messages run early): casts made now are queued, so
   * direct handlers never nest and no process on the stack is re-entered.
   */
  private nested = false;

  constructor(opts: RuntimeOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.budget = opts.budget ?? 32;
    this.sliceMs = opts.sliceMs ?? 5;
    this.logger = opts.logger ?? consoleLogger;
    this.freeze = opts.isolation === "freeze";
    const s = new Proc(this, 0, null);
    s.flags = DEAD;
    s.prev = s.next = s;
    this.live = s;
  }

  // ---- processes ---------------------------------------------------------

  /** Creates and schedules a process. `link`/`monitor` are set up before it first runs. */
  spawn(body: ProcessBody): Proc {
    const isActor = typeof body !== "function";
    const p = new Proc(this, this.nextNum++, isActor ? (body as Actor) : null);
    const l = this.live;
    p.prev = l.prev;
    p.next = l;
    l.prev!.next = p;
    l.prev = p;
    this.liveCount++;
    if (!isActor) {
      const fn = body as () => unknown;
      if (fn instanceof GeneratorFunction) {
        p.setCo((fn as () => Iterator<unknown, unknown, unknown>)());
      } else {
        // A plain function runs once on the first turn; a generator or promise it returns keeps it alive.
        p.setCo(NOT_STARTED);
        p.wait = new StartOp(fn);
      }
      if (fn.name) p.x().initialCall = t(JS, atom(fn.name), 0);
    }
    this.schedule(p);
    return p;
  }

  /** @internal removes a dead process from the live list and the name table. */
  forget(p: Proc): void {
    p.prev!.next = p.next;
    p.next!.prev = p.prev;
    p.prev = p.next = null;
    this.liveCount--;
    this.deadReds += p.reds;
    const name = p.ext?.name;
    if (name) this.names.delete(name);
  }

  /** Every live process, oldest first. */
  processes(): Proc[] {
    const out: Proc[] = [];
    for (let p = this.live.next!; p !== this.live; p = p.next!) out.push(p);
    return out;
  }

  get processCount(): number {
    return this.liveCount;
  }

  /**
   * Reductions run since the start, every process together (dead ones
   * included; erl's `statistics(reductions)`): a walk of the live processes,
   * so that counting costs nothing on the scheduler's path (read it about
   * once a second, not per message).
   */
  get totalReductions(): number {
    let n = this.deadReds;
    for (let p = this.live.next!; p !== this.live; p = p.next!) n += p.reds;
    return n;
  }

  /** The same as {@link totalReductions} (the observer's name for it). */
  get reductions(): number {
    return this.totalReductions;
  }

  /** Process turns the scheduler has run since start (erl's `statistics(context_switches)`). */
  get contextSwitches(): number {
    return this.turnsRun;
  }

  /** Processes waiting in the run queue (erl's `statistics(run_queue)`). */
  get runQueueLength(): number {
    return this.runnable;
  }

  // ---- messages ----------------------------------------------------------

  /** Delivers to a local process (dropped if dead, as in Erlang). */
  deliver(p: Proc, msg: unknown): void {
    if (p.flags & DEAD) return;
    this.messagesDelivered++;
    if (this.freeze) deepFreeze(msg);
    p.enqueue(msg);
    if ((p.flags & SCHEDULED) === 0) this.schedule(p);
  }

  /**
   * Delivers `{'$gen_cast', req}` to a local process: as a {@link CastMsg}
   * to an actor that takes casts so (no tuple while it waits), else as the tuple.
   */
  deliverCast(p: Proc, req: unknown): void {
    if (p.flags & DEAD) return;
    if (this.freeze) return this.deliver(p, t(GEN_CAST, req));
    this.messagesDelivered++;
    const beh = p.beh;
    if (beh !== null && beh.casts === true && p.co === null) {
      if (beh.castNow !== undefined && this.castNow(p, req)) return;
      p.enqueueCast(req);
    } else p.enqueue(t(GEN_CAST, req));
    if ((p.flags & SCHEDULED) === 0) this.schedule(p);
  }

  /**
   * A direct cast: `p`, idle (no coroutine, an empty mailbox), handles `req`
   * now, as its own turn inside the sender's (current is `p`, a throw is
   * `p`'s crash), instead of queueing it. Erlang allows this schedule: the
   * cast was next in `p`'s mailbox and `p` could have run right after the
   * send. False when it must be queued: the sender is `p`, a handler already
   * runs inside another's turn (no nesting), the scheduler is draining and
   * the sender is no process, `p` has queued messages (unlike a call, whose
   * caller waits anyway, they are not run early: `p` takes them, and the
   * cast behind them, in its own turn), `p` is under sys debug, or the
   * turn's direct budget is spent while others wait. That last rule is the
   * fairness one: a casting loop cannot yield as a caller does, so with an
   * empty run queue casts run directly without limit (running `p` now delays
   * nobody), and otherwise at most the turn's budget of direct calls and casts.
   */
  private castNow(p: Proc, req: unknown): boolean {
    const sender = current;
    if (p === sender || this.nested || p.flags & HAS_M0 || p.q !== null || (sender === null && this.draining)) return false;
    if (this.woken.length + this.busy.length !== 0 && this.syncLeft-- <= 0) return false;
    const senderAlive = sender !== null && (sender.flags & DEAD) === 0;
    this.nested = true;
    setCurrent(p);
    try {
      if (!p.beh!.castNow!(req)) return false;
    } catch (e) {
      this.crashed(p, e);
    } finally {
      this.nested = false;
      setCurrent(sender);
    }
    p.reds++;
    this.used++;
    // The server killed its sender (a link, an exit signal): unwind it, as a direct call does.
    if (senderAlive && sender.flags & DEAD) throw new ExitException(sender.ext!.exitReason);
    return true;
  }

  /** Runs `p`'s queued messages now, as its turn (they come before anything sent next): true when it is idle after. */
  private runQueued(p: Proc): boolean {
    const nested = this.nested;
    this.nested = true;
    this.run(p);
    this.nested = nested;
    return (p.flags & (DEAD | HAS_M0)) === 0 && p.co === null && p.q === null;
  }

  /** Sends to a pid (local or remote), an alias, a registered name or `{Name, Node}`. */
  send(to: Pid | Ref | Atom | string | Tuple, msg: unknown): void {
    if (to instanceof Proc) {
      if (to.rt === this) return this.deliver(to, msg);
      return to.rt.deliver(to, msg);
    }
    if (to instanceof Ref) {
      // A process alias: delivered while active, silently dropped after (as in Erlang).
      if (to instanceof LocalRef) {
        const owner = to.alias;
        if (owner !== null) owner.rt.deliver(owner, msg);
      } else if (to.node !== this.nodeName && this.remote !== null) this.remote.sendAlias(current, to, msg);
      return;
    }
    if (to instanceof Pid) {
      if (to.node === this.nodeName) return; // a dead process of this node (or of an earlier incarnation of its name)
      if (this.remote === null) throw new BadArgError(`cannot send to ${inspect(to)}: node ${to.node.name} is not connected (distribution not started)`);
      return this.remote.send(current, to, msg);
    }
    if (to instanceof Tuple) return this.sendNamed(to, msg);
    const name = typeof to === "string" ? atom(to) : to;
    const p = this.names.get(name);
    if (p === undefined) throw new BadArgError(`send to unregistered name '${name.name}'`);
    this.deliver(p, msg);
  }

  /**
   * `{Name, Node} ! Msg`: never fails, as in Erlang. A name not registered
   * here, or any name while this runtime is not a node, drops the message.
   */
  private sendNamed(to: Tuple, msg: unknown): void {
    const name = to[0];
    const node = to[1];
    if (to.length !== 2 || !(name instanceof Atom) || !(node instanceof Atom)) throw new BadArgError(`send: ${inspect(to)} is not a {Name, Node} destination`);
    if (node === this.nodeName) {
      const p = this.names.get(name);
      if (p !== undefined) this.deliver(p, msg);
    } else if (this.remote !== null) this.remote.sendNamed(current, name, node, msg);
  }

  /**
   * Whether a call from `caller` (null: from async code) to `p` may run as a
   * direct call: `p` is a local actor that takes them, with no coroutine, and
   * idle once the messages it already has are handled (they are, now, as its
   * turn: they come before the request anyway). Erlang allows this schedule.
   */
  canCallNow(p: Proc, caller: Proc | null): boolean {
    if (p.rt !== this || p === caller || this.freeze || (p.flags & DEAD) !== 0 || p.co !== null) return false;
    const beh = p.beh;
    if (beh === null || beh.callNow === undefined || (caller === null && this.draining)) return false;
    return ((p.flags & HAS_M0) === 0 && p.q === null) || this.runQueued(p);
  }

  /**
   * Counts a direct call against the running process's turn: false once it
   * made `budget` of them, when it should let others run (its call still
   * completes, then it yields).
   */
  directTurn(): boolean {
    return this.syncLeft-- > 0;
  }

  /**
   * A direct call: `p` handles `request` now, as its own turn (current is
   * `p`, a throw is `p`'s crash), instead of a request message and a reply
   * message through two mailboxes and two turns. Erlang allows this
   * schedule: `p` was idle and the request was next in its mailbox. Returns
   * what {@link Actor.callNow} returns (NOT_DIRECT, KEPT or the reply);
   * KEPT too when `p` crashed.
   */
  directCall(p: Proc, request: unknown, from: unknown): unknown {
    const prev = current;
    const nested = this.nested;
    this.nested = true;
    setCurrent(p);
    try {
      const r = p.beh!.callNow!(request, from);
      if (r !== NOT_DIRECT) {
        p.reds++;
        this.used++;
        this.messagesDelivered += 2; // the request and its reply, as if sent
      }
      return r;
    } catch (e) {
      p.reds++;
      this.messagesDelivered++;
      this.crashed(p, e);
      return KEPT;
    } finally {
      this.nested = nested;
      setCurrent(prev);
    }
  }

  /**
   * `p`, running, reached `yield* op` (a {@link ReceiveOp} with messages to
   * look at): takes the matching message now and returns its clause's value
   * as the iterator `yield*` runs instead of the op, so the process goes on
   * without a trip through the scheduler. When nothing matches (null), the
   * op waits with its save pointer past what was tried. Once the turn's
   * budget is spent it does nothing: the process yields in the receive ({@link step}).
   */
  receiveNow(p: Proc, op: ReceiveState): Taken<unknown> | null {
    if (this.syncLeft <= 0) return null;
    op.state = OP_WAITING;
    op.timedOut = false;
    op.scanned = receiveStart(p, op);
    let v: unknown;
    try {
      v = scan(this, p, op);
    } catch (e) {
      op.state = FREE; // a pattern threw: the process gets the error at its `yield*`, and its op back
      throw e;
    }
    if (v === NO_MATCH) return null;
    this.syncLeft--;
    this.used++;
    p.reds++;
    return new Taken(v);
  }

  /** A fresh reference that sets no receive marker. */
  newRef(): Ref {
    return new LocalRef(this, ++this.refCount);
  }

  makeRef(): Ref {
    const r = new LocalRef(this, ++this.refCount);
    const p = current;
    if (p !== null) {
      // Receive marker: a receive on this ref can skip everything already queued. The queue's length
      // read here, not through the `queueLength` getter, which V8 did not inline into callers' loops.
      const x = p.x();
      const q = p.q;
      const n = q !== null ? q.a.length - q.h + q.extra : p.flags & HAS_M0 ? 1 : 0;
      x.marker = n;
      x.markerRef = r;
      if (n > 0) p.flags |= EXT_RX;
    }
    return r;
  }

  // ---- names -------------------------------------------------------------

  register(name: Atom | string, p: Pid): void {
    const a = typeof name === "string" ? atom(name) : name;
    if (a === UNDEFINED) throw new BadArgError("cannot register the name 'undefined'");
    if (!(p instanceof Proc) || p.rt !== this) throw new BadArgError(`register: ${inspect(p)} is not a local process`);
    if (p.flags & DEAD) throw new BadArgError(`register: ${inspect(p)} is not alive`);
    const taken = this.names.get(a);
    if (taken !== undefined) throw new BadArgError(`register: name '${a.name}' is already registered to ${inspect(taken)}`);
    const x = p.x();
    if (x.name !== null) throw new BadArgError(`register: ${inspect(p)} is already registered as '${x.name.name}'`);
    x.name = a;
    this.names.set(a, p);
  }

  unregister(name: Atom | string): void {
    const a = typeof name === "string" ? atom(name) : name;
    const p = this.names.get(a);
    if (p === undefined) throw new BadArgError(`unregister: name '${a.name}' is not registered`);
    this.names.delete(a);
    p.ext!.name = null;
  }

  whereis(name: Atom | string): Proc | undefined {
    return this.names.get(typeof name === "string" ? atom(name) : name);
  }

  registered(): Atom[] {
    return [...this.names.keys()];
  }

  // ---- timers ------------------------------------------------------------

  /** Arms a timer `ms` from now; `fire` runs from the scheduler. */
  addTimer(ms: number, fire: (t: Timer) => void): Timer {
    if (this.clock.virtual) return this.timers.add(this.clock.now() + ms, fire);
    const tm = this.timers.stage(ms, fire);
    if (!this.draining && !this.wakePending) this.armIdle();
    return tm;
  }

  /** Re-arms a fired or cancelled timer `ms` from now, with its own `fire` (no allocation). */
  rearmTimer(tm: Timer, ms: number): Timer {
    if (this.clock.virtual) return this.timers.rearm(tm, this.clock.now() + ms, false);
    this.timers.rearm(tm, ms, true);
    if (!this.draining && !this.wakePending) this.armIdle();
    return tm;
  }

  /** Milliseconds left on a timer. */
  timerRemaining(tm: Timer): number {
    return Math.max(0, Math.ceil(this.timers.remaining(tm, this.clock.now())));
  }

  /**
   * Virtual time only: moves the clock forward by `ms`, firing timers in due
   * order and running every process that becomes runnable.
   */
  async advance(ms: number): Promise<void> {
    if (!this.clock.virtual) throw new Error("advance() needs a VirtualClock");
    const clock = this.clock as Clock & { set(t: number): void };
    const target = clock.now() + ms;
    await this.settle();
    for (;;) {
      const due = this.timers.nextDue();
      if (due > target) break;
      clock.set(due);
      this.timers.fireDue(due);
      await this.settle();
    }
    clock.set(target);
    await this.settle();
  }

  /** Runs until no process is runnable (lets pending promise callbacks land in between). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      this.drain(false);
      await new Promise<void>((r) => setImmediate(r));
    }
    this.drain(false);
  }

  // ---- scheduler ---------------------------------------------------------

  /** @internal puts a process that was waiting (or is new) on the run queue. */
  schedule(p: Proc): void {
    p.flags |= SCHEDULED;
    this.woken.push(p);
    if (!this.draining && !this.wakePending) {
      this.wakePending = true;
      microtask(this.wake);
    }
  }

  /** @internal requeues a process that used its budget (or yielded). */
  private requeue(p: Proc): void {
    p.flags |= SCHEDULED;
    this.busy.push(p);
  }

  private get runnable(): number {
    return this.woken.length + this.busy.length;
  }

  private readonly wake = (): void => {
    this.wakePending = false;
    this.drain(true);
  };

  /** Runs processes until the queue is empty or (when `sliced`) the time slice ends. */
  drain(sliced: boolean): void {
    if (this.draining) return;
    this.draining = true;
    let start = -1; // read lazily: most drains (a call, a few messages) end before the first check
    const realTime = !this.clock.virtual;
    let turns = 0;
    this.used = 0;
    try {
      for (;;) {
        for (;;) {
          const woken = this.woken;
          const busy = this.busy;
          let p: Proc;
          if (woken.length > 0 && (!this.lastWoken || busy.length === 0)) {
            p = woken.shift();
            this.lastWoken = true;
          } else if (busy.length > 0) {
            p = busy.shift();
            this.lastWoken = false;
          } else break;
          p.flags &= ~SCHEDULED;
          if (p.flags & DEAD) continue;
          this.syncLeft = this.budget;
          // Fast paths for exactly one queued message (a ring hop, a call's request or reply).
          const one = (p.flags & HAS_M0) !== 0;
          if (one && p.co === null && p.beh !== null) this.runOne(p);
          else if (!(one && p.co !== null && this.resumeOne(p)) && this.run(p) && (p.flags & (SCHEDULED | DEAD)) === 0) {
            this.requeue(p);
          }
          // Read the clock every ~1,024 reductions (or 32 turns): cheap, and a turn of heavy handlers still ends the slice.
          if (((++turns & 31) === 0 || this.used >= 1024) && sliced) {
            this.used = 0;
            const now = performance.now();
            if (start < 0) start = now;
            if (realTime) this.timers.fireDue(this.clock.now());
            if (now - start > this.sliceMs) {
              if (this.runnable > 0) {
                this.wakePending = true;
                setImmediate(this.wake);
              }
              return;
            }
          }
        }
        if (!realTime || this.timers.fireDue(this.clock.now()) === 0 || this.runnable === 0) break;
      }
    } finally {
      this.turnsRun += turns;
      this.draining = false;
      if (realTime && !this.wakePending) this.armIdle();
    }
  }

  /** One real timer for the earliest runtime timer, while the scheduler is idle. */
  private armIdle(): void {
    // Read the clock only when some timer needs it (an awaited call arms and cancels one per call).
    const timers = this.timers;
    if (timers.size === 0 && this.idleTimer === null) return;
    const now = timers.hasStaged || timers.size > 0 ? this.clock.now() : 0;
    timers.settle(now);
    const due = timers.nextDue();
    const idle = this.idleTimer;
    if (due === Infinity) {
      // Keep the armed timer (re-creating one per call costs more than the call) but let Node exit.
      if (idle !== null && this.idleRef) {
        idle.unref();
        this.idleRef = false;
      }
      return;
    }
    if (idle !== null && this.idleDue <= due) {
      // It fires no later than needed, and re-arms when it fires.
      if (!this.idleRef) {
        idle.ref();
        this.idleRef = true;
      }
      return;
    }
    if (idle !== null) clearTimeout(idle);
    this.idleDue = due;
    this.idleRef = true;
    this.idleTimer = setTimeout(this.onIdleTimer, Math.max(0, Math.ceil(due - now)));
  }

  private readonly onIdleTimer = (): void => {
    this.idleTimer = null;
    this.idleDue = Infinity;
    this.timers.fireDue(this.clock.now());
    if (this.runnable > 0) this.drain(true);
    else this.armIdle();
  };

  /** Handles the single queued message of an actor (what `run` would do, minus the loop). */
  private runOne(p: Proc): void {
    let msg = p.m0;
    p.m0 = undefined;
    const flags = p.flags;
    p.flags = flags & ~(HAS_M0 | BOXED);
    if (flags & BOXED && p.beh!.casts !== true) msg = unbox(msg);
    if (flags & EXT_RX) {
      const ext = p.ext!;
      if (ext.marker > 0) ext.marker--;
    }
    p.reds++;
    this.used++;
    setCurrent(p);
    try {
      const r = p.beh!.handle(msg);
      if (r !== undefined && r !== null && typeof r === "object" && this.adopt(p, r) && !(p.flags & (DEAD | SCHEDULED))) {
        this.requeue(p);
      }
    } catch (e) {
      this.crashed(p, e);
    } finally {
      setCurrent(null);
    }
    if (p.flags & HAS_M0 || p.q !== null) {
      if (!(p.flags & (DEAD | SCHEDULED))) this.requeue(p);
    }
  }

  /**
   * A loop-style process waits in a one-pattern receive (or a call waits for
   * its reply) and has one message:
   * match it and resume the process without the general loop. False when the
   * case is not that simple (the general `run` then handles it).
   */
  private resumeOne(p: Proc): boolean {
    const w = p.wait;
    if (w === null) return false;
    let custom: CustomReceive<unknown> | null = null;
    let s: WaitState;
    let pat: unknown;
    if (w === OWN) {
      // The process's own receive (a loop's): its state is in `p`, which this hop reads anyway.
      if (p.np !== 1 || p.flags & RX_EXTRA || p.scanned !== 0) return false;
      s = p;
      pat = p.p0;
    } else if (w instanceof ReceiveOp) {
      if (w.np !== 1 || w.bodies !== null || w.scanned !== 0) return false;
      s = w;
      pat = w.p0;
    } else if (w instanceof CustomReceive) {
      if (w.scanned !== 0) return false;
      custom = w; // a call waiting for its reply
      s = w;
    } else return false;
    if (p.flags & BOXED) p.unboxAll();
    const m = p.m0;
    setCurrent(p);
    try {
      if (custom !== null) {
        if (!custom.test(m)) return false;
      } else if (!(typeof pat === "function" ? (pat as (x: unknown) => unknown)(m) : pat === m || matches(pat, m))) {
        // A predicate (`isNumber`) called here, not through `matches` (nor a `===` on values of any type first).
        return false;
      }
      p.m0 = undefined;
      p.flags &= ~HAS_M0;
      if (p.flags & EXT_RX) {
        const ext = p.ext!;
        if (ext.marker > 0) ext.marker--;
        clearAfter(this, p);
      }
      s.state = FREE;
      p.wait = null;
      this.used++;
      let v: unknown = m;
      let thrown = false;
      if (custom !== null) {
        try {
          v = custom.take(m);
        } catch (e) {
          v = e;
          thrown = true;
        }
      }
      if (this.step(p, p.co!, v, thrown) && !(p.flags & (DEAD | SCHEDULED))) this.requeue(p);
    } catch (e) {
      this.crashed(p, e);
    } finally {
      setCurrent(null);
    }
    return true;
  }

  /**
   * A handler returned an object: a generator suspends message dispatch until
   * it finishes (it may receive); a promise holds the mailbox until it settles.
   * True when the process now runs a coroutine.
   */
  private adopt(p: Proc, r: object): boolean {
    if (typeof (r as Iterator<unknown>).next === "function") p.setCo(r as Iterator<unknown, unknown, unknown>);
    else if (typeof (r as PromiseLike<unknown>).then === "function") p.setCo(holdPromise(r as PromiseLike<unknown>));
    else return false;
    p.wait = null;
    return true;
  }

  /** Runs one process for up to one budget. True when it may have more to do. */
  private run(p: Proc): boolean {
    const prev = current;
    setCurrent(p);
    let budget = this.budget;
    try {
      for (;;) {
        const co = p.co;
        if (co === null) {
          const beh = p.beh;
          if (beh === null || (p.q === null && (p.flags & HAS_M0) === 0)) return false;
          let msg = p.shift();
          if (p.flags & BOXED && msg instanceof CastMsg && beh.casts !== true) msg = unbox(msg);
          p.reds++;
          const r = beh.handle(msg);
          if (r !== undefined && r !== null && typeof r === "object") this.adopt(p, r);
        } else {
          const w = p.wait;
          if (w === null) {
            if (!this.step(p, co, undefined, false)) return false;
          } else if (w instanceof WaitOp) {
            let v: unknown;
            let thrown = false;
            try {
              v = tryReceive(this, p, w);
            } catch (e) {
              stateOf(p, w).state = FREE;
              v = e;
              thrown = true;
            }
            if (v === NO_MATCH) return false;
            p.wait = null;
            if (!this.step(p, co, v, thrown)) return false;
          } else if (w instanceof StartOp) {
            p.wait = null;
            p.reds++;
            const r = w.fn();
            if (r !== null && typeof r === "object" && typeof (r as Actor).handle === "function") {
              // The function set the process up and returned its behaviour: from now on it is an actor.
              p.beh = r as Actor;
              p.co = null;
            } else if (r !== null && typeof r === "object" && typeof (r as Iterator<unknown>).next === "function") {
              p.setCo(r as Iterator<unknown, unknown, unknown>);
            } else if (r !== null && typeof r === "object" && typeof (r as PromiseLike<unknown>).then === "function") {
              p.setCo(holdPromise(r as PromiseLike<unknown>));
            } else {
              if (p.ext?.onExit) p.ext.result = r;
              exitProcess(p, NORMAL);
              return false;
            }
          } else if (w instanceof AwaitOp) {
            const a = w as AwaitOp<unknown> & { settled?: 1 | 2; value?: unknown };
            if (a.settled === undefined) return false;
            p.wait = null;
            if (!this.step(p, co, a.value, a.settled === 2)) return false;
          }
        }
        if (p.flags & DEAD) return false;
        if (--budget === 0) return true;
        this.used++;
      }
    } catch (e) {
      this.crashed(p, e);
      return false;
    } finally {
      setCurrent(prev);
    }
  }

  /**
   * Resumes a coroutine with a value (or throws into it) and takes its next
   * operation. False when the process should not continue this turn.
   */
  private step(p: Proc, co: Iterator<unknown, unknown, unknown>, v: unknown, thrown: boolean): boolean {
    p.reds++;
    const r = thrown ? throwInto(co, v) : p.coNext!.call(co, v);
    if (p.flags & DEAD) return false;
    if (r.done) {
      p.co = null;
      p.wait = null;
      if (p.beh === null) {
        if (p.ext?.onExit) p.ext.result = r.value;
        exitProcess(p, NORMAL);
        return false;
      }
      return true;
    }
    const op = r.value;
    // The process's own receive (a loop's) is a ReceiveOp whose state is in `p`: no `instanceof` walks for it.
    const own = op === OWN;
    if (own || op instanceof WaitOp) {
      const w = op as WaitOp<unknown>;
      const s: WaitState = own ? p : w;
      if (s.state !== OP_WAITING) {
        // Not tried at its `yield*` (receiveNow).
        s.state = OP_WAITING;
        s.timedOut = false;
        s.scanned = scanStart(p, w);
      }
      p.wait = w;
      if (p.queueLength > s.scanned) {
        // A receive not tried because the turn's budget is spent: the turn ends here.
        if (this.syncLeft <= 0 && (own || w instanceof ReceiveOp)) {
          if ((p.flags & SCHEDULED) === 0) this.requeue(p);
          return false;
        }
        return true;
      }
      // Nothing new to look at and no timeout to arm: blocked until a message arrives. (A receive's
      // `timeout`, a boxed double, is read only when it has one.)
      if (own) return (p.flags & RX_EXTRA) !== 0 && p.onTimeout !== null;
      return w instanceof ReceiveOp ? w.onTimeout !== null : w.timeout !== Infinity;
    }
    if (op instanceof AwaitOp) {
      p.wait = op;
      this.watch(p, op);
      return false;
    }
    if (op instanceof YieldOp) {
      p.wait = null;
      this.requeue(p);
      return false;
    }
    throw new TypeError(`a process yielded ${inspect(op)}: use yield* receive(...), yield* sleep(ms), yield* await_(promise)`);
  }

  private watch(p: Proc, op: AwaitOp<unknown>): void {
    const a = op as AwaitOp<unknown> & { settled?: 1 | 2; value?: unknown };
    const done = (kind: 1 | 2, v: unknown) => {
      a.settled = kind;
      a.value = v;
      if (p.wait === op && !(p.flags & (DEAD | SCHEDULED))) this.schedule(p);
    };
    Promise.resolve(op.promise).then(
      (v) => done(1, v),
      (e) => done(2, e),
    );
  }

  /** A process's code threw: that is its exit (with a crash report for errors). */
  private crashed(p: Proc, e: unknown): void {
    if (p.flags & DEAD) return;
    if (!(e instanceof ExitException) && !(e instanceof ExitError)) this.reportCrash(p, e);
    exitProcess(p, crashReason(e));
  }

  /** Logs a crash the way Erlang's error logger does for processes that die from an exception. */
  reportCrash(p: Proc, e: unknown): void {
    const reason = crashReason(e);
    if (isQuietReason(reason)) return;
    const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : inspect(reason);
    const ev: LogEvent = {
      level: "error",
      what: "crash_report",
      text: `Error in process ${inspect(p)} with exit value:\n${detail}`,
      pid: p,
      reason,
    };
    try {
      this.logger(ev);
    } catch {
      // a failing logger must not take the scheduler down
    }
  }

  /** Orderly stop: every process exits with reason `shutdown`, newest first; timers are cleared. */
  shutdown(reason: unknown = atom("shutdown")): void {
    for (let p = this.live.prev!; p !== this.live; p = this.live.prev!) exitProcess(p, reason);
    this.timers.clear();
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.idleDue = Infinity;
  }
}

/**
 * Freezes a message and all it holds (isolation mode `freeze`). Typed
 * arrays cannot be frozen and are skipped. Iterative: any nesting depth.
 */
export function deepFreeze(x: unknown): void {
  const work = [x];
  while (work.length > 0) {
    const y = work.pop();
    if (typeof y !== "object" || y === null || Object.isFrozen(y) || ArrayBuffer.isView(y) || y instanceof Pid) continue;
    if (!Array.isArray(y) && Object.getPrototypeOf(y) !== Object.prototype) continue;
    Object.freeze(y);
    for (const v of Object.values(y)) work.push(v);
  }
}
