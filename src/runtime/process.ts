/**
 * A local process. The process object is its own pid (an object reference,
 * no process table on the hot path), so a spawn is one allocation and a send
 * is a field write plus a run-queue push.
 */
import { type Atom } from "../term/atom.js";
import { Pid, Ref } from "../term/identifiers.js";
import { t } from "../term/tuple.js";
import { GEN_CAST } from "./atoms.js";
import { Deque } from "./mailbox.js";
import { type Op, type ReceiveState } from "./receive.js";
import { type Timer } from "./timers.js";
import type { Runtime } from "./runtime.js";
import type { ProcRemote } from "./dist_entry.js";

/** A callback actor: `handle` runs once per message, in arrival order. */
export interface Actor<M = unknown> {
  /**
   * Handles one message. Returning an iterator (a generator) suspends message
   * dispatch until it finishes (it may `yield* receive(...)`); returning a
   * promise holds the mailbox until the promise settles.
   */
  handle(msg: M): unknown;
  /**
   * Messages it took from the mailbox and keeps unhandled, oldest first (a
   * suspended gen_server's). `processInfo` shows them as still queued: in
   * Erlang a `sys:suspend`ed process leaves them in its mailbox.
   */
  held?(): readonly unknown[];
  /** True when `handle` takes a queued cast as a {@link CastMsg} (GenServer's loop). */
  readonly casts?: boolean;
  /**
   * Handles a call at once, inside the caller's turn, while the process is
   * idle (GenServer's loop; see `Runtime.directCall`). Returns the reply,
   * {@link NOT_DIRECT} when it cannot (nothing happened: send the request),
   * or {@link KEPT} when it ran but the reply goes through the mailbox.
   */
  callNow?(request: unknown, from: unknown): unknown;
  /**
   * Handles a cast at once, inside the sender's turn, while the process is
   * idle (GenServer's loop; see `Runtime.deliverCast`). False when it cannot
   * (nothing happened: queue the cast).
   */
  castNow?(request: unknown): boolean;
}

/** {@link Actor.callNow}: not handled, the request must be sent. */
export const NOT_DIRECT: unique symbol = Symbol("not direct");
/** {@link Actor.callNow}: handled, the reply (if any) comes as a message. */
export const KEPT: unique symbol = Symbol("kept");

/** Process flags (bits). */
export const SCHEDULED = 1;
export const DEAD = 2;
export const TRAP_EXIT = 4;
/** Its pid went out on the wire: the runtime's table maps it back until it dies. */
export const WIRED = 8;
/** Its mailbox may hold {@link CastMsg}s. */
export const BOXED = 16;
/**
 * `m0` holds the mailbox's one message (`q` is null). A bit rather than a
 * sentinel value in `m0`: comparing a slot that holds any type against a
 * sentinel compiles to a call of V8's generic `StrictEqual` builtin.
 */
export const HAS_M0 = 32;
/**
 * The process's own receive has clause bodies or an `after` (its `bodies`
 * or `onTimeout` is set): a bit, so that a plain receive reads neither.
 */
export const RX_EXTRA = 64;
/**
 * Its `ext` holds receive state: a receive marker above 0 or an armed
 * `after` timer (set whenever either is; cleared by `clearAfter` (matching.ts) once
 * neither is). A hop of a process without it reads no `ProcExt`, which a
 * linked process has (10,000 of them do not fit in L2 either).
 */
export const EXT_RX = 128;

/** Receive states (a process's own receive's, or an op's): built, waiting, done (the process's own is reusable). */
export const CREATED = 0;
export const WAITING = 1;
export const FREE = 2;

/**
 * A `{'$gen_cast', Request}` while it waits in the mailbox of an actor that
 * takes casts as they are ({@link Actor.casts}): one small object instead of
 * a tuple. A burst of casts is queued in one turn and survives young
 * collections, so the size of a queued cast is what the burst costs.
 * Whoever else looks at the mailbox (a receive, `processInfo`) sees the
 * tuple: the process's boxes are turned into tuples, in place, first.
 */
export class CastMsg {
  /** Casts queued right after this one, oldest first from `h` (a burst costs one slot per cast). */
  more: unknown[] | null = null;
  h = 0;
  constructor(public req: unknown) {}
}

/** The message as Erlang sees it. */
export function unbox(m: unknown): unknown {
  return m instanceof CastMsg ? t(GEN_CAST, m.req) : m;
}

/** Rarely needed per-process state, allocated on first use. */
export class ProcExt {
  links: Set<Proc> | null = null;
  /** Monitors this process holds (a list through `Monitor.oNext`). */
  monitors: Monitor | null = null;
  /** Monitors on this process (a list through `Monitor.tNext`). */
  monitoredBy: Monitor | null = null;
  /** Aliases made by `alias()` (monitor aliases live and die with their monitor). */
  aliases: Set<LocalRef> | null = null;
  name: Atom | null = null;
  initialCall: unknown = null;
  /** Receive marker: mailbox length when `markerRef` was made (messages before it cannot hold the ref). */
  marker = 0;
  markerRef: Ref | null = null;
  /** The `after` timer of the pending receive. */
  timer: Timer | null = null;
  /** The process's one `after` timer object, re-armed by each receive with a timeout. */
  afterTimer: Timer | null = null;
  exitReason: unknown = undefined;
  /** What the body returned (kept only for processes started by `run`). */
  result: unknown = undefined;
  /** Called with the exit reason when the process dies (used by `run`). */
  onExit: ((reason: unknown) => void)[] | null = null;
  /** Links and monitors with processes on other nodes, and node monitors (see dist_entry.ts). */
  remote: ProcRemote | null = null;
}


export class Proc extends Pid implements ReceiveState {
  // Every field is set in the constructor, in this order, which is how V8 lays them out: what a
  // message to a waiting process reads and writes comes first, so that it touches as few cache
  // lines as possible (10,000 processes do not fit in L2).
  readonly rt: Runtime;
  /** Mailbox: the only message when `q` is null and {@link HAS_M0} is set; otherwise all messages are in `q`. */
  m0: unknown;
  q: Deque | null;
  flags: number;
  /** The running coroutine (loop-style body, or a handler that returned a generator). */
  co: Iterator<unknown, unknown, unknown> | null;
  /**
   * `co.next`, read once when `co` is set (see {@link setCo}): read at each
   * resume it is a megamorphic load, every generator function giving its
   * generators their own map.
   */
  coNext: Iterator<unknown, unknown, unknown>["next"] | null;
  /** What `co` waits for: a ReceiveOp (`OWN`: this process's own receive) / AwaitOp, or null (ready to step). */
  wait: Op<unknown> | null;
  // The process's own receive (see `OwnReceive` in receive.ts): its state here, not in an op of its own,
  // so that a hop reads one object fewer. The fields a one-pattern receive uses come first.
  state: number;
  p0: unknown;
  np: number;
  scanned: number;
  reds: number;
  /** Null for a body process, which ends when its function or generator returns. */
  beh: Actor | null;
  /** Read only when {@link EXT_RX} is set, on a hop. */
  ext: ProcExt | null;
  bodies: (((m: never) => unknown) | null)[] | null;
  onTimeout: (() => unknown) | null;
  timedOut: boolean;
  timeout: number;
  pats: unknown[] | null;
  readonly num: number;
  /** Live-process list (for `processes()` and shutdown) without a table. */
  prev: Proc | null;
  next: Proc | null;

  constructor(rt: Runtime, num: number, beh: Actor | null) {
    super();
    this.rt = rt;
    this.m0 = undefined;
    this.q = null;
    this.flags = 0;
    this.co = null;
    this.coNext = null;
    this.wait = null;
    this.state = FREE;
    this.p0 = undefined;
    this.np = 0;
    this.scanned = 0;
    this.reds = 0;
    this.beh = beh;
    this.ext = null;
    this.bodies = null;
    this.onTimeout = null;
    this.timedOut = false;
    this.timeout = Infinity;
    this.pats = null;
    this.num = num;
    this.prev = null;
    this.next = null;
  }

  get node(): Atom {
    return this.rt.nodeName;
  }
  // The test first: `%` and `/` by 2^32 are float operations (a C call for `%`), and `num` is nearly always below it.
  get id(): number {
    const n = this.num;
    return n <= 0xffff_ffff ? n : n % 0x1_0000_0000;
  }
  get serial(): number {
    const n = this.num;
    return n <= 0xffff_ffff ? 0 : Math.floor(n / 0x1_0000_0000);
  }
  get creation(): number {
    return this.rt.creation;
  }

  /** Sets the coroutine that the scheduler resumes. */
  setCo(co: Iterator<unknown, unknown, unknown>): void {
    this.co = co;
    this.coNext = co.next;
  }

  x(): ProcExt {
    return this.ext ?? (this.ext = new ProcExt());
  }

  get alive(): boolean {
    return (this.flags & DEAD) === 0;
  }

  get queueLength(): number {
    const q = this.q;
    return q !== null ? q.length + q.extra : (this.flags & HAS_M0) === 0 ? 0 : 1;
  }

  enqueue(msg: unknown): void {
    if (this.q !== null) this.q.push(msg);
    else if ((this.flags & HAS_M0) === 0) {
      this.m0 = msg;
      this.flags |= HAS_M0;
    } else this.spill(msg);
  }

  /** A second message: both go to a Deque (a call apart, so that `enqueue` stays small enough to inline into senders). */
  private spill(msg: unknown): void {
    const q = (this.q = new Deque());
    q.push(this.m0);
    q.push(msg);
    this.m0 = undefined;
    this.flags &= ~HAS_M0;
  }

  /**
   * Queues a cast for an actor that takes {@link CastMsg}s: a cast right
   * after another queued one joins its batch (one array slot), so a burst
   * of casts allocates no object per cast.
   */
  enqueueCast(req: unknown): void {
    this.flags |= BOXED;
    const q = this.q;
    if (q !== null) {
      const a = q.a;
      const last = a[a.length - 1];
      if (last instanceof CastMsg) {
        if (last.more === null) {
          last.more = [req];
          last.h = 0;
        } else last.more.push(req);
        q.extra++;
        return;
      }
    }
    this.enqueue(new CastMsg(req));
  }

  /** Takes the oldest message (the caller checked the mailbox is not empty). */
  shift(): unknown {
    if (this.flags & EXT_RX) {
      const ext = this.ext!;
      if (ext.marker > 0) ext.marker--;
    }
    const q = this.q;
    if (q === null) {
      const m = this.m0;
      this.m0 = undefined;
      this.flags &= ~HAS_M0;
      return m;
    }
    if (this.flags & BOXED) {
      const b = q.a[q.h];
      if (b instanceof CastMsg && b.more !== null) {
        // The batch's first cast leaves; the batch stays at the head with the rest.
        const out = new CastMsg(b.req);
        const more = b.more;
        b.req = more[b.h];
        more[b.h++] = undefined;
        if (b.h === more.length) b.more = null;
        q.extra--;
        return out;
      }
    }
    const m = q.shift();
    if (q.length === 0) {
      this.q = null;
      this.flags &= ~BOXED;
    }
    return m;
  }

  at(i: number): unknown {
    if (this.flags & BOXED) this.unboxAll();
    return this.q !== null ? this.q.at(i) : this.m0;
  }

  /** Turns every queued {@link CastMsg} into its tuple, in place (before anyone but the actor looks). */
  unboxAll(): void {
    this.flags &= ~BOXED;
    const q = this.q;
    if (q === null) {
      this.m0 = unbox(this.m0);
      return;
    }
    const a = q.a;
    if (q.extra === 0) {
      for (let i = q.h; i < a.length; i++) if (a[i] instanceof CastMsg) a[i] = unbox(a[i]);
      return;
    }
    // Batches: one tuple per cast, in order.
    const out: unknown[] = [];
    for (let i = q.h; i < a.length; i++) {
      const m = a[i];
      if (!(m instanceof CastMsg)) {
        out.push(m);
        continue;
      }
      out.push(t(GEN_CAST, m.req));
      const more = m.more;
      if (more !== null) for (let k = m.h; k < more.length; k++) out.push(t(GEN_CAST, more[k]));
    }
    q.a = out;
    q.h = 0;
    q.extra = 0;
  }

  removeAt(i: number): unknown {
    if (this.flags & BOXED) this.unboxAll();
    if (i === 0) return this.shift();
    if (this.flags & EXT_RX) {
      const ext = this.ext!;
      if (i < ext.marker) ext.marker--;
    }
    const q = this.q!;
    const m = q.removeAt(i);
    if (q.length === 0) this.q = null;
    return m;
  }

  messages(): unknown[] {
    if (this.flags & BOXED) this.unboxAll();
    return this.q !== null ? this.q.toArray() : this.flags & HAS_M0 ? [this.m0] : [];
  }

  clearMailbox(): void {
    this.flags &= ~(BOXED | HAS_M0);
    this.m0 = undefined;
    this.q = null;
  }
}

/**
 * A monitor: one record in two intrusive lists (the owner's and the
 * target's), found from its reference. Creating and removing one per call
 * touches no Map (a Map that keeps growing and shrinking by one entry
 * reallocates its table, which cost ~200 ns a call).
 */
export class Monitor {
  oPrev: Monitor | null = null;
  oNext: Monitor | null = null;
  tPrev: Monitor | null = null;
  tNext: Monitor | null = null;
  constructor(
    readonly ref: LocalRef,
    readonly owner: Proc,
    /** Null for a process on another node (a {@link RemoteMonitor}). */
    readonly target: Proc | null,
    /** What the DOWN message names: the pid, or `{Name, Node}` for a monitor by name. */
    readonly item: unknown,
  ) {}
}

/** A monitor a local process holds on a process (or a name) on another node. */
export class RemoteMonitor extends Monitor {
  constructor(
    ref: LocalRef,
    owner: Proc,
    item: unknown,
    readonly node: Atom,
    /** What MONITOR_P named: the remote pid, or the registered name. */
    readonly remote: Pid | Atom,
  ) {
    super(ref, owner, null, item);
  }
}

/**
 * A reference made on this node: one counter, words computed on demand.
 * A base class whose prototype is linked under Ref's (so `instanceof Ref`
 * holds): a subclass's `super()` sent every `new LocalRef` through V8's
 * generic construct path.
 */
export class LocalRef implements Ref {
  /** The monitor this reference identifies, while active. */
  mon: Monitor | null = null;
  /** The process this reference is an alias of, while active. */
  alias: Proc | null = null;
  constructor(
    readonly rt: Runtime,
    readonly n: number,
  ) {}
  get node(): Atom {
    return this.rt.nodeName;
  }
  get creation(): number {
    return this.rt.creation;
  }
  /** The words, once computed (a call's reference is encoded three times: monitor, request, demonitor). */
  private words: readonly number[] | null = null;
  get ids(): readonly number[] {
    if (this.words !== null) return this.words;
    const n = this.n;
    return (this.words = [n % 0x40000, Math.floor(n / 0x40000) % 0x1_0000_0000, this.rt.refSalt]);
  }
}
Object.setPrototypeOf(LocalRef.prototype, Ref.prototype);
