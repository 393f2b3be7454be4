/**
 * The tables of the global name server (OTP's ETS tables `global_names`,
 * `global_pid_names`, `global_locks`, `global_pid_ids`,
 * `global_node_resources`): one per node, written only by its
 * `global_name_server` process, read directly by `whereisName` and
 * `registeredNames` (as erl reads the ETS table without a message).
 *
 * Every registered name and every lock holder is monitored by the server;
 * the monitor's reference keys the bookkeeping, so a `DOWN` (the process
 * died, or its node went down: `noconnection`) removes exactly what it held.
 */
import { type Atom, atom } from "../term/atom.js";
import { type Pid, type Ref } from "../term/identifiers.js";
import { TermMap } from "../term/term_map.js";
import { demonitor, monitor } from "../runtime/erlang.js";
import { DEAD, Proc } from "../runtime/process.js";
import type { Runtime } from "../runtime/runtime.js";

/** A registered name: its pid, its resolve method (a term), and the server's monitor of the pid. */
export interface NameEntry {
  pid: Pid;
  method: unknown;
  ref: Ref;
}

/** A lock: who asked for it (`LockRequesterId`) and the processes holding it, each monitored. */
export interface LockEntry {
  reqId: unknown;
  holders: { pid: Pid; ref: Ref }[];
}

export class GlobalTable {
  readonly names = new TermMap<unknown, NameEntry>();
  /** Names by the pid they are registered for (more than one only with `global_multi_name_action` in OTP). */
  readonly pidNames = new TermMap<Pid, unknown[]>();
  /** What a monitor reference stands for: a name, and/or the resources a holder locks. */
  readonly refNames = new Map<Ref, unknown>();
  readonly locks = new TermMap<unknown, LockEntry>();
  readonly refLocks = new Map<Ref, unknown[]>();
  /** The monitors of each node's processes (names and locks), dropped together when the node leaves. */
  readonly nodeRefs = new Map<Atom, Set<Ref>>();
  readonly refNode = new Map<Ref, Atom>();
  /** True once the `global` lock was removed because its holder died (OTP's `global_lock_down`). */
  globalLockDown = false;

  constructor(readonly rt: Runtime) {}

  /** Erlang's `global:where/1`: the pid, unless it is a dead process of this node. */
  where(name: unknown): Pid | undefined {
    const e = this.names.get(name);
    if (e === undefined) return undefined;
    const pid = e.pid;
    if (pid instanceof Proc) return pid.flags & DEAD ? undefined : pid;
    if (pid.node === this.rt.nodeName) return undefined; // a pid of an earlier incarnation of this node
    return pid;
  }

  // ---- names (called in the server process: monitors belong to it) --------------------

  /** Inserts `name` (replacing whatever held it) and monitors the pid. */
  insertName(name: unknown, pid: Pid, method: unknown): void {
    this.deleteName(name);
    const ref = monitor(pid);
    this.noteNode(pid.node, ref);
    this.names.set(name, { pid, method, ref });
    const l = this.pidNames.get(pid);
    if (l === undefined) this.pidNames.set(pid, [name]);
    else l.push(name);
    this.refNames.set(ref, name);
  }

  /** Removes `name` and its monitor; the entry, if there was one. */
  deleteName(name: unknown): NameEntry | undefined {
    const e = this.names.get(name);
    if (e === undefined) return undefined;
    this.names.delete(name);
    this.forgetRef(e.ref);
    demonitor(e.ref, { flush: true });
    this.refNames.delete(e.ref);
    const l = this.pidNames.get(e.pid);
    if (l !== undefined) {
      const i = l.indexOf(name);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.pidNames.delete(e.pid);
    }
    return e;
  }

  /** The name a monitor reference watches, if it still does. */
  nameOfRef(ref: Ref): unknown {
    if (!this.refNames.has(ref)) return undefined;
    const name = this.refNames.get(ref);
    return this.names.get(name)?.ref === ref ? name : undefined;
  }

  // ---- locks ----------------------------------------------------------------------------

  /** OTP's `can_set_lock`: the holders if `id` may be locked (same requester, or free), else false. */
  canSetLock(resource: unknown, reqId: unknown, equalsFn: (a: unknown, b: unknown) => boolean): LockEntry["holders"] | false {
    const l = this.locks.get(resource);
    if (l === undefined) return [];
    return equalsFn(l.reqId, reqId) ? l.holders : false;
  }

  insertLock(resource: unknown, reqId: unknown, pid: Pid, holders: LockEntry["holders"]): void {
    const ref = monitor(pid);
    this.noteNode(pid.node, ref);
    const ids = this.refLocks.get(ref);
    if (ids === undefined) this.refLocks.set(ref, [resource]);
    else ids.push(resource);
    this.locks.set(resource, { reqId, holders: [{ pid, ref }, ...holders] });
  }

  /** Removes `pid` from the holders of `resource` (the lock goes with its last holder). */
  removeLock(resource: unknown, pid: Pid, down: boolean, samePid: (a: Pid, b: Pid) => boolean): void {
    const l = this.locks.get(resource);
    if (l === undefined) return;
    const i = l.holders.findIndex((h) => samePid(h.pid, pid));
    if (i >= 0) {
      const ref = l.holders[i]!.ref;
      this.forgetRef(ref);
      demonitor(ref, { flush: true });
      this.refLocks.delete(ref);
      l.holders.splice(i, 1);
    }
    if (l.holders.length === 0) {
      this.locks.delete(resource);
      if (isGlobalResource(resource)) this.globalLockDown = down;
    }
  }

  /** The resources a monitor reference holds locks on. */
  locksOfRef(ref: Ref): unknown[] {
    return this.refLocks.get(ref) ?? [];
  }

  isLockSet(resource: unknown): boolean {
    return this.locks.has(resource);
  }

  // ---- per-node bookkeeping --------------------------------------------------------------

  private noteNode(node: Atom, ref: Ref): void {
    let s = this.nodeRefs.get(node);
    if (s === undefined) this.nodeRefs.set(node, (s = new Set()));
    s.add(ref);
    this.refNode.set(ref, node);
  }

  /** OTP's `delete_node_resource_info`. */
  forgetRef(ref: Ref): void {
    const node = this.refNode.get(ref);
    if (node === undefined) return;
    this.refNode.delete(ref);
    const s = this.nodeRefs.get(node);
    if (s !== undefined) {
      s.delete(ref);
      if (s.size === 0) this.nodeRefs.delete(node);
    }
  }
}

const GLOBAL = atom("global");

/** The resource `global`: the lock every registration and every sync takes. */
export function isGlobalResource(r: unknown): boolean {
  return r === GLOBAL;
}
