/**
 * Exit signals, links and monitors, with Erlang's rules:
 *
 * | signal reason | target traps exits | target does not trap |
 * |---|---|---|
 * | `kill` sent by `exit(Pid, kill)` | dies with `killed` | dies with `killed` |
 * | `normal` from another process | `{'EXIT', From, normal}` message | ignored |
 * | `normal` from itself (`exit(self(), normal)`) | `{'EXIT', Self, normal}` message | dies with `normal` |
 * | anything else (including `kill` via a link) | `{'EXIT', From, Reason}` message | dies with `Reason` |
 *
 * A dying process sends its exit reason along every link, then a
 * `{'DOWN', Ref, process, Pid, Reason}` message for every monitor on it.
 * Signals between two processes keep their order relative to messages
 * because both go through the target's mailbox or act at once. Deaths that
 * cascade along links are processed from a work list, never recursively, so
 * a chain of a million linked processes cannot overflow the stack.
 */
import { type Pid, type Ref } from "../term/identifiers.js";
import { Tuple, t } from "../term/tuple.js";
import { DOWN, EXIT, KILL, KILLED, NOCATCH, NOPROC, NORMAL, PROCESS, SHUTDOWN } from "./atoms.js";
import { DEAD, LocalRef, Monitor, type Proc, RemoteMonitor, TRAP_EXIT, WIRED } from "./process.js";
import { remoteExit, remoteMonitorGone } from "./dist_entry.js";
import { ExitError } from "./errors.js";

/**
 * Thrown by `exit(reason)` to unwind the calling process. Process code may
 * catch it (Erlang's `catch exit(R)`) and read `reason`; rethrow it to let
 * the process end.
 */
export class ExitException {
  constructor(readonly reason: unknown) {}
}

/** The exit reason for a thrown value: `exit(R)` gives R, an Error itself, anything else `{nocatch, V}`. */
export function crashReason(e: unknown): unknown {
  if (e instanceof ExitException || e instanceof ExitError) return e.reason;
  if (e instanceof Error) return e;
  return t(NOCATCH, e);
}

/** Reasons Erlang's logger stays quiet about: normal, shutdown, {shutdown, _}. */
export function isQuietReason(r: unknown): boolean {
  return r === NORMAL || r === SHUTDOWN || (r instanceof Tuple && r.length === 2 && r[0] === SHUTDOWN);
}

const pending: [Proc, unknown][] = [];
let exiting = false;

/** Terminates a process with `reason` and sends its exit signals (cascades run iteratively). */
export function exitProcess(p: Proc, reason: unknown): void {
  if (p.flags & DEAD) return;
  pending.push([p, reason]);
  if (exiting) return;
  exiting = true;
  try {
    for (let i = 0; i < pending.length; i++) {
      const [q, r] = pending[i]!;
      terminate(q, r);
    }
  } finally {
    pending.length = 0;
    exiting = false;
  }
}

function terminate(p: Proc, reason: unknown): void {
  if (p.flags & DEAD) return;
  p.flags |= DEAD;
  p.clearMailbox();
  p.co = null;
  p.wait = null;
  const rt = p.rt;
  rt.forget(p);
  if (p.flags & WIRED) rt.wire.forget(p);
  const x = p.ext;
  if (x === null) return;
  x.exitReason = reason;
  if (x.timer !== null) {
    rt.timers.cancel(x.timer);
    x.timer = null;
  }
  for (let m = x.monitors; m !== null; m = m.oNext) {
    unlinkTarget(m);
    m.ref.mon = null;
    m.ref.alias = null;
  }
  x.monitors = null;
  if (x.aliases !== null) {
    for (const ref of x.aliases) ref.alias = null;
    x.aliases = null;
  }
  // Link signals go before DOWN messages: a process both linked and
  // monitoring sees the 'EXIT' first, as on BEAM (erl checks it).
  if (x.links !== null) {
    const links = x.links;
    x.links = null;
    for (const l of links) {
      l.ext?.links?.delete(p);
      exitSignal(l, p, reason, true);
    }
  }
  // Newest monitor is first in the list: deliver oldest first, as they were made.
  let m = x.monitoredBy;
  while (m !== null && m.tNext !== null) m = m.tNext;
  x.monitoredBy = null;
  while (m !== null) {
    const next = m.tPrev;
    m.tPrev = m.tNext = null;
    unlinkOwner(m);
    m.ref.mon = null;
    m.ref.alias = null; // a monitor's alias ends when the monitor fires
    rt.deliver(m.owner, t(DOWN, m.ref, PROCESS, m.item, reason));
    m = next;
  }
  if (x.remote !== null) remoteExit(p, reason);
  if (x.onExit !== null) {
    for (const f of x.onExit) f(reason);
    x.onExit = null;
  }
}

/**
 * Delivers an exit signal from `from` to `to`. `viaLink` is true for the
 * signal a dying linked process sends, false for `exit(Pid, Reason)`.
 */
export function exitSignal(to: Proc, from: Pid, reason: unknown, viaLink: boolean): void {
  if (to.flags & DEAD) return;
  if (reason === KILL && !viaLink) return exitProcess(to, KILLED);
  if (to.flags & TRAP_EXIT) return to.rt.deliver(to, t(EXIT, from, reason));
  if (reason === NORMAL && (viaLink || from !== to)) return;
  exitProcess(to, reason);
}

/**
 * Links two processes; linking to a dead process sends the caller a `noproc`
 * exit signal (`erlang.link` raises `noproc` instead when the caller does not
 * trap exits, as `link/1` does).
 */
export function link(self: Proc, other: Proc): void {
  if (self === other) return;
  if (other.flags & DEAD) return exitSignal(self, other, NOPROC, true);
  const a = self.x();
  const b = other.x();
  (a.links ??= new Set()).add(other);
  (b.links ??= new Set()).add(self);
}

export function unlink(self: Proc, other: Proc): void {
  self.ext?.links?.delete(other);
  other.ext?.links?.delete(self);
}

/**
 * Monitors `target` for `owner`; a dead (or, for a name, missing) target gets
 * an immediate `noproc` DOWN. `item` is what the DOWN message names: the pid,
 * or `{Name, Node}` for a monitor by name. With `alias`, the reference is
 * also an alias of the owner until the monitor is removed or fires.
 */
export function monitor(owner: Proc, target: Proc | null, ref: LocalRef, item: unknown, alias = false): void {
  if (target === null || target.flags & DEAD) {
    owner.rt.deliver(owner, t(DOWN, ref, PROCESS, item, NOPROC));
    return;
  }
  const m = new Monitor(ref, owner, target, item);
  addMonitor(m, alias);
  const tx = target.x();
  m.tNext = tx.monitoredBy;
  if (tx.monitoredBy !== null) tx.monitoredBy.tPrev = m;
  tx.monitoredBy = m;
}

/** @internal puts a monitor on its owner's list (and makes its reference an alias, if asked). */
export function addMonitor(m: Monitor, alias: boolean): void {
  const owner = m.owner;
  m.ref.mon = m;
  if (alias) m.ref.alias = owner;
  const ox = owner.x();
  m.oNext = ox.monitors;
  if (ox.monitors !== null) ox.monitors.oPrev = m;
  ox.monitors = m;
}

/** @internal takes a monitor off its owner's list. */
export function unlinkOwner(m: Monitor): void {
  if (m.oPrev !== null) m.oPrev.oNext = m.oNext;
  else m.owner.ext!.monitors = m.oNext;
  if (m.oNext !== null) m.oNext.oPrev = m.oPrev;
  m.oPrev = m.oNext = null;
}

function unlinkTarget(m: Monitor): void {
  const target = m.target;
  if (target === null) return remoteMonitorGone(m as RemoteMonitor);
  const tx = target.ext;
  if (tx === null) return;
  if (m.tPrev !== null) m.tPrev.tNext = m.tNext;
  else if (tx.monitoredBy === m) tx.monitoredBy = m.tNext;
  if (m.tNext !== null) m.tNext.tPrev = m.tPrev;
  m.tPrev = m.tNext = null;
}

/** Every monitor a process holds, or that others hold on it. */
export function* monitorsOf(p: Proc, side: "held" | "on"): Generator<Monitor> {
  const x = p.ext;
  if (x === null) return;
  if (side === "held") for (let m = x.monitors; m !== null; m = m.oNext) yield m;
  else for (let m = x.monitoredBy; m !== null; m = m.tNext) yield m;
}

export function demonitor(owner: Proc, ref: Ref, flush: boolean): boolean {
  const m = ref instanceof LocalRef ? ref.mon : null;
  if (m !== null && m.owner === owner) {
    unlinkOwner(m);
    unlinkTarget(m);
    m.ref.mon = null;
    m.ref.alias = null;
    // An active monitor has not fired, so no DOWN for it can be queued.
    return true;
  }
  if (flush) {
    const n = owner.queueLength;
    for (let i = 0; i < n; i++) {
      const msg = owner.at(i);
      if (msg instanceof Tuple && msg.length === 5 && msg[0] === DOWN && msg[1] === ref) {
        owner.removeAt(i);
        break;
      }
    }
  }
  return false;
}
