/**
 * Links, monitors and exit signals between local processes and processes on
 * other nodes: the runtime's half of distribution (erts keeps the same state
 * in its DistEntry, one per connected node).
 *
 * The distribution layer carries {@link RemoteSignal}s: it turns the ones
 * the runtime emits into control messages (LINK, UNLINK_ID, EXIT, EXIT2,
 * MONITOR_P, ...) and the peer's control messages back into signals for
 * {@link remoteSignal}. The semantics live here, whatever carries them:
 *
 * - the exit-signal truth table of signals.ts holds across nodes (an EXIT
 *   from a link, an EXIT2 from `exit/2`, `kill` untrappable only by exit/2);
 * - linking to a process that does not exist gets a `noproc` exit signal
 *   back; monitoring one (or a name not registered) a `noproc` DOWN;
 * - unlink follows OTP 23's UNLINK_ID protocol: the link is gone for the
 *   unlinking process at once (no exit signal through it is received after
 *   `unlink` returns) but its record stays until the peer's ack, so a LINK
 *   the peer sent before it saw the unlink cannot revive it;
 * - when the connection to a node goes down (or cannot be made), every link
 *   to it gets a `noconnection` exit signal, then every monitor on it a DOWN
 *   with `noconnection`, then every `monitorNode` a `{nodedown, Node}`:
 *   the order erl delivers them in.
 */
import { type Atom } from "../term/atom.js";
import { Pid, type Ref } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { t } from "../term/tuple.js";
import { DOWN, NOCONNECTION, NODEDOWN, NOPROC, PROCESS } from "./atoms.js";
import { BadArgError } from "./errors.js";
import { DEAD, LocalRef, Proc, RemoteMonitor } from "./process.js";
import type { Runtime } from "./runtime.js";
import { addMonitor, exitSignal, unlinkOwner } from "./signals.js";

/**
 * A signal between a local process and one on another node, as the control
 * messages of the distribution protocol carry it. `from`/`to` are pids, or
 * for monitors by name the registered name (an atom) on the target's node.
 */
export type RemoteSignal =
  | { readonly op: "link"; readonly from: Pid; readonly to: Pid }
  /** UNLINK_ID; a router whose peer lacks UNLINK_ID sends UNLINK and answers the ack itself. */
  | { readonly op: "unlink"; readonly id: number; readonly from: Pid; readonly to: Pid }
  | { readonly op: "unlink_ack"; readonly id: number; readonly from: Pid; readonly to: Pid }
  /** EXIT: the exit signal of a link, when `from` dies (or `noproc` when it never existed). */
  | { readonly op: "exit"; readonly from: Pid; readonly to: Pid; readonly reason: unknown }
  /** EXIT2: `exit(To, Reason)`; `from` is null when plain code (no process) sent it. */
  | { readonly op: "exit2"; readonly from: Pid | null; readonly to: Pid; readonly reason: unknown }
  | { readonly op: "monitor"; readonly from: Pid; readonly to: Pid | Atom; readonly ref: Ref }
  | { readonly op: "demonitor"; readonly from: Pid; readonly to: Pid | Atom; readonly ref: Ref }
  /** MONITOR_P_EXIT: the monitored process (`from`, named as in MONITOR_P) died. */
  | { readonly op: "monitor_exit"; readonly from: Pid | Atom; readonly to: Pid; readonly ref: Ref; readonly reason: unknown };

/**
 * What the runtime asks of the distribution layer, which implements it:
 * messages and signals for processes on other nodes. Every method returns at
 * once and never throws (what cannot be encoded fails alone, logged); a node that is not connected is connected on first use, what is sent
 * meanwhile is queued in order, and a connection that cannot be made (or is
 * lost) is reported back with `nodeDown` (dist_entry.ts), which turns the
 * links and monitors on that node into `noconnection` signals.
 */
export interface RemoteRouter {
  /** SEND: `from` is the sending process, or null from plain code. */
  send(from: Pid | null, to: Pid, msg: unknown): void;
  /** REG_SEND to `{Name, Node}`. */
  sendNamed(from: Pid | null, name: Atom, node: Atom, msg: unknown): void;
  /** ALIAS_SEND to an alias made on another node. */
  sendAlias(from: Pid | null, to: Ref, msg: unknown): void;
  /**
   * Links, unlinks, exits and monitors (see `RemoteSignal`). Never throws:
   * a signal that cannot be encoded is degraded or dropped by the router.
   */
  signal(node: Atom, s: RemoteSignal): void;
  /** Connects to `node` if not connected (for `monitorNode`); a failure is reported with `nodeDown`. */
  touch(node: Atom): void;
}

/** A link between a local process and a process on another node. */
export class RemoteLink {
  /** 0 while active; while an unlink waits for its ack, that unlink's id. */
  unlinking = 0;
  constructor(
    readonly local: Proc,
    readonly pid: Pid,
    readonly key: string,
    readonly entry: DistEntry,
  ) {}
}

/** A monitor that a process on another node holds on a local process. */
export class InMonitor {
  constructor(
    readonly ref: Ref,
    readonly key: string,
    readonly owner: Pid,
    readonly target: Proc,
    /** How MONITOR_P named the target: its pid or its registered name (MONITOR_P_EXIT names it the same). */
    readonly by: Pid | Atom,
    readonly entry: DistEntry,
  ) {}
}

/** A process's ties to other nodes (allocated on first use, in `ProcExt.remote`). */
export interface ProcRemote {
  /** Links to processes on other nodes, by {@link pidKey}. */
  readonly links: Map<string, RemoteLink>;
  /** Monitors that processes on other nodes hold on this one. */
  readonly monitoredBy: Set<InMonitor>;
  /** Nodes this process watches with `monitorNode`, and how many times. */
  readonly nodes: Map<Atom, number>;
}

/** What the runtime knows about one other node. */
export class DistEntry {
  readonly links = new Set<RemoteLink>();
  /** Monitors local processes hold on processes (or names) of this node. */
  readonly monitors = new Set<RemoteMonitor>();
  /** Monitors processes of this node hold on local ones, by {@link refKey}. */
  readonly monitoredBy = new Map<string, InMonitor>();
  /** Local processes that called `monitorNode` for this node. */
  readonly watchers = new Set<Proc>();
  constructor(readonly node: Atom) {}
}

/** A pid as a map key (node, id, serial and creation). */
export function pidKey(p: Pid): string {
  return `${p.node.name}\0${p.id}.${p.serial}.${p.creation}`;
}

/** A reference as a map key. */
export function refKey(r: Ref): string {
  return `${r.node.name}\0${r.creation}.${r.ids.join(".")}`;
}

let unlinkIds = 0;

function router(rt: Runtime, what: string, pid: Pid | Atom): RemoteRouter {
  const r = rt.remote;
  if (r === null) throw new BadArgError(`${what}: ${inspect(pid)} is on another node and distribution is not started`);
  return r;
}

function entryOf(rt: Runtime, node: Atom): DistEntry {
  let e = rt.dist.get(node);
  if (e === undefined) {
    e = new DistEntry(node);
    rt.dist.set(node, e);
  }
  return e;
}

function remoteOf(p: Proc): ProcRemote {
  const x = p.x();
  return (x.remote ??= { links: new Map(), monitoredBy: new Set(), nodes: new Map() });
}

/** Whether `pid` belongs to this runtime's node (a live process of it is a `Proc`; anything else there is dead). */
export function isLocalNode(rt: Runtime, pid: Pid): boolean {
  return pid.node === rt.nodeName;
}

// ---- what local processes do to remote ones ---------------------------------

/** `link(Pid)` to a process on another node. */
export function linkRemote(p: Proc, pid: Pid): void {
  const rt = p.rt;
  const r = router(rt, "link", pid);
  const x = remoteOf(p);
  const key = pidKey(pid);
  const l = x.links.get(key);
  if (l !== undefined) {
    if (l.unlinking === 0) return; // already linked
    l.unlinking = 0; // linked again before the unlink's ack: the ack will find it active and keep it
  } else {
    const e = entryOf(rt, pid.node);
    const nl = new RemoteLink(p, pid, key, e);
    x.links.set(key, nl);
    e.links.add(nl);
  }
  r.signal(pid.node, { op: "link", from: p, to: pid });
}

/** `unlink(Pid)` from a process on another node. */
export function unlinkRemote(p: Proc, pid: Pid): void {
  const l = p.ext?.remote?.links.get(pidKey(pid));
  if (l === undefined || l.unlinking !== 0) return;
  const r = router(p.rt, "unlink", pid);
  const id = (unlinkIds = (unlinkIds % 0x7fff_ffff) + 1);
  l.unlinking = id;
  r.signal(pid.node, { op: "unlink", id, from: p, to: pid });
}

/** `exit(Pid, Reason)` to a process on another node (`from` is null outside any process). */
export function exitRemote(rt: Runtime, from: Proc | null, pid: Pid, reason: unknown): void {
  router(rt, "exit", pid).signal(pid.node, { op: "exit2", from, to: pid, reason });
}

/**
 * Monitors a process (`target` a pid) or a registered name (`target` an
 * atom) on `node` for `owner`. The DOWN names `item`. With `alias` the
 * reference is also an alias of the owner while the monitor is active.
 */
export function monitorRemote(owner: Proc, target: Pid | Atom, node: Atom, ref: LocalRef, item: unknown, alias: boolean): void {
  const rt = owner.rt;
  const r = router(rt, "monitor", target);
  const m = new RemoteMonitor(ref, owner, item, node, target);
  addMonitor(m, alias);
  entryOf(rt, node).monitors.add(m);
  rt.wire.wireRef(ref); // MONITOR_P_EXIT names it: it must come back as this very reference
  r.signal(node, { op: "monitor", from: owner, to: target, ref });
}

/** @internal the owner demonitored or died: the peer forgets the monitor. */
export function remoteMonitorGone(m: RemoteMonitor): void {
  const rt = m.owner.rt;
  const e = rt.dist.get(m.node);
  if (e === undefined || !e.monitors.delete(m)) return; // already fired (or the node went down)
  rt.remote?.signal(m.node, { op: "demonitor", from: m.owner, to: m.remote, ref: m.ref });
}

/** `monitorNode(Node, true/false)`. */
export function monitorNode(p: Proc, node: Atom, on: boolean): void {
  const rt = p.rt;
  if (!on) {
    // One call undoes one `true` (checked against erl).
    const x = p.ext?.remote;
    const n = x?.nodes.get(node);
    if (n === undefined) return;
    if (n > 1) x!.nodes.set(node, n - 1);
    else {
      x!.nodes.delete(node);
      rt.dist.get(node)?.watchers.delete(p);
    }
    return;
  }
  const r = rt.remote;
  if (r === null) throw new BadArgError(`monitorNode('${node.name}'): this node is not alive (distribution is not started)`);
  if (node === rt.nodeName) return;
  const x = remoteOf(p);
  x.nodes.set(node, (x.nodes.get(node) ?? 0) + 1);
  entryOf(rt, node).watchers.add(p);
  r.touch(node); // connects if needed; a failure reports nodeDown(node)
}

/** @internal a local process with ties to other nodes died: its links and monitors there learn it. */
export function remoteExit(p: Proc, reason: unknown): void {
  const x = p.ext!.remote!;
  p.ext!.remote = null;
  const r = p.rt.remote;
  for (const l of x.links.values()) {
    l.entry.links.delete(l);
    if (l.unlinking === 0) signalSafely(p.rt, r, l.entry.node, { op: "exit", from: p, to: l.pid, reason });
  }
  for (const m of x.monitoredBy) {
    m.entry.monitoredBy.delete(m.key);
    signalSafely(p.rt, r, m.entry.node, { op: "monitor_exit", from: m.by, to: m.owner, ref: m.ref, reason });
  }
  for (const node of x.nodes.keys()) p.rt.dist.get(node)?.watchers.delete(p);
}

/**
 * A dying process's signal to another node: a router that throws anyway
 * must not stop the remaining links and monitors from being told, nor
 * escape into the scheduler (which would end the node).
 */
function signalSafely(rt: Runtime, r: RemoteRouter | null, node: Atom, s: RemoteSignal): void {
  if (r === null) return;
  try {
    r.signal(node, s);
  } catch (e) {
    rt.logger({ level: "error", what: "dist_send_failed", text: `${s.op} to ${node.name} failed: ${e instanceof Error ? e.message : String(e)}`, node, reason: e });
  }
}

// ---- what remote processes do to local ones ---------------------------------

function liveLocal(rt: Runtime, pid: Pid | Atom): Proc | null {
  if (pid instanceof Proc) return pid.rt === rt && (pid.flags & DEAD) === 0 ? pid : null;
  if (pid instanceof Pid) return null;
  return rt.whereis(pid as Atom) ?? null;
}

/**
 * Applies a signal that a process on `node` sent to a local one (what the
 * peer's control message means). Signals to processes that are not (or no
 * longer) here are answered as Erlang does: a link with a `noproc` exit, a
 * monitor with a `noproc` DOWN; the rest are dropped.
 */
export function remoteSignal(rt: Runtime, node: Atom, s: RemoteSignal): void {
  switch (s.op) {
    case "link": {
      const to = liveLocal(rt, s.to);
      if (to === null) {
        rt.remote?.signal(node, { op: "exit", from: s.to, to: s.from, reason: NOPROC });
        return;
      }
      const x = remoteOf(to);
      const key = pidKey(s.from);
      if (x.links.has(key)) return; // linked already, or unlinking: the peer's LINK predates our unlink
      const e = entryOf(rt, node);
      const l = new RemoteLink(to, s.from, key, e);
      x.links.set(key, l);
      e.links.add(l);
      return;
    }
    case "unlink": {
      const to = liveLocal(rt, s.to);
      if (to !== null) {
        const l = to.ext?.remote?.links.get(pidKey(s.from));
        if (l !== undefined && l.unlinking === 0) dropLink(l);
      }
      rt.remote?.signal(node, { op: "unlink_ack", id: s.id, from: s.to, to: s.from });
      return;
    }
    case "unlink_ack": {
      const to = liveLocal(rt, s.to);
      const l = to?.ext?.remote?.links.get(pidKey(s.from));
      if (l !== undefined && l.unlinking === s.id) dropLink(l);
      return;
    }
    case "exit": {
      const to = liveLocal(rt, s.to);
      const l = to?.ext?.remote?.links.get(pidKey(s.from));
      if (l === undefined) return; // not linked (any more): a link's exit without the link is nothing
      dropLink(l);
      if (l.unlinking === 0) exitSignal(to!, s.from, s.reason, true);
      return;
    }
    case "exit2": {
      const to = liveLocal(rt, s.to);
      if (to !== null && s.from !== null) exitSignal(to, s.from, s.reason, false);
      return;
    }
    case "monitor": {
      const target = liveLocal(rt, s.to);
      if (target === null) {
        rt.remote?.signal(node, { op: "monitor_exit", from: s.to, to: s.from, ref: s.ref, reason: NOPROC });
        return;
      }
      const e = entryOf(rt, node);
      const key = refKey(s.ref);
      if (e.monitoredBy.has(key)) return;
      const m = new InMonitor(s.ref, key, s.from, target, s.to, e);
      e.monitoredBy.set(key, m);
      remoteOf(target).monitoredBy.add(m);
      return;
    }
    case "demonitor": {
      const e = rt.dist.get(node);
      const key = refKey(s.ref);
      const m = e?.monitoredBy.get(key);
      if (m === undefined) return;
      e!.monitoredBy.delete(key);
      m.target.ext?.remote?.monitoredBy.delete(m);
      return;
    }
    case "monitor_exit": {
      const ref = s.ref;
      const m = ref instanceof LocalRef ? ref.mon : null;
      if (!(m instanceof RemoteMonitor) || m.node !== node || m.owner.rt !== rt) return; // demonitored meanwhile
      rt.dist.get(node)?.monitors.delete(m);
      fire(m, s.reason);
      return;
    }
  }
}

function dropLink(l: RemoteLink): void {
  l.entry.links.delete(l);
  l.local.ext?.remote?.links.delete(l.key);
}

/** Removes a remote monitor from its owner and delivers its DOWN. */
function fire(m: RemoteMonitor, reason: unknown): void {
  unlinkOwner(m);
  m.ref.mon = null;
  m.ref.alias = null; // a monitor's alias ends when the monitor fires
  m.owner.rt.deliver(m.owner, t(DOWN, m.ref, PROCESS, m.item, reason));
}

/**
 * The connection to `node` went down or could not be made: links to it get
 * `noconnection` exit signals, monitors on it `noconnection` DOWNs, node
 * monitors `{nodedown, Node}`, in that order; the peer's monitors on local
 * processes are forgotten.
 */
export function nodeDown(rt: Runtime, node: Atom): void {
  const e = rt.dist.get(node);
  if (e === undefined) return;
  rt.dist.delete(node);
  const links = [...e.links];
  for (const l of links) l.local.ext?.remote?.links.delete(l.key);
  const monitors = [...e.monitors];
  for (const m of e.monitoredBy.values()) m.target.ext?.remote?.monitoredBy.delete(m);
  const watchers: [Proc, number][] = [];
  for (const p of e.watchers) {
    const nodes = p.ext?.remote?.nodes;
    const n = nodes?.get(node) ?? 0;
    nodes?.delete(node);
    watchers.push([p, n]);
  }
  for (const l of links) if (l.unlinking === 0) exitSignal(l.local, l.pid, NOCONNECTION, true);
  for (const m of monitors) fire(m, NOCONNECTION);
  const msg = t(NODEDOWN, node);
  for (const [p, n] of watchers) for (let i = 0; i < n; i++) rt.deliver(p, msg);
}

// ---- messages from remote processes -----------------------------------------

/** SEND: to a pid; dropped unless it is a live process of this runtime. */
export function deliverRemote(rt: Runtime, to: Pid, msg: unknown): void {
  if (to instanceof Proc && to.rt === rt) rt.deliver(to, msg);
}

/** REG_SEND: to a registered name; dropped when nothing is registered under it. */
export function deliverNamed(rt: Runtime, name: Atom, msg: unknown): void {
  const p = rt.whereis(name);
  if (p !== undefined) rt.deliver(p, msg);
}

/** ALIAS_SEND: to an alias; dropped unless it is an active alias of a live process here. */
export function deliverAlias(rt: Runtime, to: Ref, msg: unknown): void {
  if (to instanceof LocalRef && to.rt === rt && to.alias !== null) rt.deliver(to.alias, msg);
}
