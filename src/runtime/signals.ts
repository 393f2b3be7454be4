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
import { DEAD, type Proc, TRAP_EXIT } from "./process.js";

/** Thrown by `exit(reason)` to unwind the calling process. */
export class ExitException {
  constructor(readonly reason: unknown) {}
}

/**
 * An exit with a reason term that is also a JS `Error` (with a stack), for
 * failures that callers may catch, such as a failed `call`. Uncaught in a
 * process, the process exits with `reason`.
 */
export class ExitError extends Error {
  override name = "ExitError";
  constructor(
    readonly reason: unknown,
    message: string,
  ) {
    super(message);
  }
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
  const x = p.ext;
  if (x === null) return;
  x.exitReason = reason;
  if (x.timer !== null) {
    rt.timers.cancel(x.timer);
    x.timer = null;
  }
  if (x.monitors !== null) {
    for (const [ref, target] of x.monitors) {
      target.ext?.monitoredBy?.delete(ref);
      rt.aliases.delete(ref);
    }
    x.monitors = null;
  }
  if (x.aliases !== null) {
    for (const ref of x.aliases) rt.aliases.delete(ref);
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
  if (x.monitoredBy !== null) {
    const by = x.monitoredBy;
    x.monitoredBy = null;
    for (const [ref, owner] of by) {
      const ox = owner.ext!;
      ox.monitors?.delete(ref);
      const named = ox.monitorNames?.get(ref);
      if (named !== undefined) ox.monitorNames!.delete(ref);
      rt.aliases.delete(ref); // a monitor's alias ends when the monitor fires
      rt.deliver(owner, t(DOWN, ref, PROCESS, named ?? p, reason));
    }
  }
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
 * or `{Name, Node}` for a monitor by name.
 */
export function monitor(owner: Proc, target: Proc | null, ref: Ref, item: unknown): void {
  if (target === null || target.flags & DEAD) {
    owner.ext?.monitorNames?.delete(ref);
    owner.rt.deliver(owner, t(DOWN, ref, PROCESS, item, NOPROC));
    return;
  }
  (owner.x().monitors ??= new Map()).set(ref, target);
  (target.x().monitoredBy ??= new Map()).set(ref, owner);
}

/** Removes a monitor; with `flush`, also a `DOWN` for it already in the mailbox. True if it was active. */
export function demonitor(owner: Proc, ref: Ref, flush: boolean): boolean {
  const mons = owner.ext?.monitors;
  const target = mons?.get(ref);
  let active = false;
  if (target !== undefined) {
    mons!.delete(ref);
    owner.ext!.monitorNames?.delete(ref);
    target.ext?.monitoredBy?.delete(ref);
    active = true;
  }
  owner.rt.aliases.delete(ref);
  // An active monitor has not fired, so no DOWN for it can be queued: flush only scans otherwise.
  if (flush && !active) {
    const n = owner.queueLength;
    for (let i = 0; i < n; i++) {
      const m = owner.at(i);
      if (m instanceof Tuple && m.length === 5 && m[0] === DOWN && m[1] === ref) {
        owner.removeAt(i);
        break;
      }
    }
  }
  return active;
}
