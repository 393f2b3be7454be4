/**
 * A `pg` scope process: OTP 25's `pg` gen_server, message for message, so
 * an Erlang scope and an Agner scope of the same name form one view.
 *
 * The protocol (between the scope processes registered under the same name
 * on each node; every send is `noconnect`):
 * - on start, and on every `{nodeup, Node}` (visible nodes, as
 *   `net_kernel:monitor_nodes(true)`), `{discover, Self}` to `{Scope, Node}`;
 * - on `{discover, Peer}`: `gen_server:cast(Peer, {sync, Self, Groups})`
 *   with this node's members (`[{Group, [Pid]}]`), and if `Peer` is new,
 *   monitor it and send it `{discover, Self}` back;
 * - on the `{sync, Peer, Groups}` cast: `Peer`'s members replace what was
 *   known of them (monitoring `Peer` if new);
 * - `{join, Self, Group, PidOrPids}` and `{leave, Self, PidOrPids,
 *   [Group]}` to every known peer when local processes join or leave (a
 *   member that dies leaves all its groups in one message);
 * - a peer scope's DOWN (it stopped, or its node went down: `noconnection`)
 *   removes all its members.
 *
 * Where OTP 25 crashes the scope (`erlang:error(badarg)` on an unknown
 * message, a call or cast it does not know, a malformed join), this one
 * logs the message and drops it: a peer cannot take the scope down.
 */
import { Atom, atom } from "../term/atom.js";
import { inspect } from "../term/inspect.js";
import { Pid, Ref, refEquals } from "../term/identifiers.js";
import { equals } from "../term/equals.js";
import { TermMap } from "../term/term_map.js";
import { Tuple, t } from "../term/tuple.js";
import { current } from "../runtime/current.js";
import { demonitor, monitor } from "../runtime/erlang.js";
import type { Runtime } from "../runtime/runtime.js";
import { GenServer, type CallResult, noreply, ok, reply } from "../otp/gen_server.js";
import type { From } from "../otp/gen.js";
import { monitorNodes, nodes } from "./node.js";
import { type GroupTable, createTable, deleteTable, deleteOne, pidKey, samePids, subtract } from "./pg_table.js";

export const JOIN = atom("join");
export const LEAVE = atom("leave");
const DISCOVER = atom("discover");
const SYNC = atom("sync");
const JOIN_LOCAL = atom("join_local");
const LEAVE_LOCAL = atom("leave_local");
const MONITOR = atom("monitor");
const DEMONITOR = atom("demonitor");
const DOWN = atom("DOWN");
const PROCESS = atom("process");
const NODEUP = atom("nodeup");
const NODEDOWN = atom("nodedown");
const GEN_CAST = atom("$gen_cast");
const OK = atom("ok");
const NOT_JOINED = atom("not_joined");

interface LocalEntry {
  pid: Pid;
  mref: Ref;
  /** The groups it joined, one entry per join (newest first, as OTP's list). */
  groups: unknown[];
}

interface Peer {
  pid: Pid;
  mref: Ref;
  /** What the peer scope told us of its members. */
  groups: TermMap<unknown, Pid[]>;
}

interface GroupMonitor {
  pid: Pid;
  group: unknown;
}

/** The scope's state (OTP's `#state{}`). */
export interface ScopeState {
  rt: Runtime;
  scope: Atom;
  table: GroupTable;
  local: Map<string, LocalEntry>;
  remote: Map<string, Peer>;
  /** `monitor_scope` subscribers by their monitor reference. */
  scopeMonitors: Map<Ref, Pid>;
  /** `monitor(Group)` subscribers, by reference and by group. */
  groupMonitors: Map<Ref, GroupMonitor>;
  monitoredGroups: TermMap<unknown, { pid: Pid; ref: Ref }[]>;
}

/** A pid, or a proper list of pids. */
function isPids(x: unknown): x is Pid | Pid[] {
  if (x instanceof Pid) return true;
  return Array.isArray(x) && !(x instanceof Tuple) && x.every((p) => p instanceof Pid);
}

function asList(x: Pid | Pid[]): Pid[] {
  return x instanceof Pid ? [x] : x;
}

function isList(x: unknown): x is unknown[] {
  return Array.isArray(x) && !(x instanceof Tuple);
}

/** The scope gen_server. Started by `pg.start`/`pg.startLink` (pg.ts), registered under the scope name. */
export class PgScope extends GenServer<ScopeState, { req: unknown; reply: unknown }, unknown, unknown, Atom> {
  init(scope: Atom): ReturnType<GenServer<ScopeState>["init"]> {
    const self = current!;
    const rt = self.rt;
    const table = createTable(rt, scope);
    // The table goes with the process, however it ends (OTP's ETS table dies with its owner).
    (self.x().onExit ??= []).push(() => deleteTable(rt, scope, table));
    const s: ScopeState = {
      rt,
      scope,
      table,
      local: new Map(),
      remote: new Map(),
      scopeMonitors: new Map(),
      groupMonitors: new Map(),
      monitoredGroups: new TermMap(),
    };
    if (rt.nodeName.name !== "nonode@nohost") {
      monitorNodes(true);
      for (const n of nodes()) rt.send(t(scope, n), t(DISCOVER, self));
    }
    return ok(s);
  }

  override handleCall(req: unknown, from: From, s: ScopeState): CallResult<ScopeState, unknown> {
    if (req instanceof Tuple && req.length === 3 && isPids(req[2])) {
      if (req[0] === JOIN_LOCAL) return reply(joinLocal(s, req[1], req[2]), s);
      if (req[0] === LEAVE_LOCAL) return reply(leaveLocal(s, req[1], req[2]), s);
    }
    const caller = from instanceof Tuple ? from[0] : undefined;
    if (req === MONITOR && caller instanceof Pid) return reply(monitorScope(s, caller), s);
    if (req instanceof Tuple && req.length === 2 && caller instanceof Pid) {
      if (req[0] === MONITOR) return reply(monitorGroup(s, caller, req[1]), s);
      if (req[0] === DEMONITOR && req[1] instanceof Ref) return reply(demonitorRef(s, req[1]), s);
    }
    dropped(s, "call", req);
    return noreply(s);
  }

  override handleCast(req: unknown, s: ScopeState) {
    if (req instanceof Tuple && req.length === 3 && req[0] === SYNC && req[1] instanceof Pid && isGroupList(req[2])) {
      handleSync(s, req[1], req[2] as Tuple[]);
    } else dropped(s, "cast", req);
    return noreply(s);
  }

  override handleInfo(msg: unknown, s: ScopeState) {
    if (!(msg instanceof Tuple)) {
      dropped(s, "message", msg);
      return noreply(s);
    }
    const tag = msg[0];
    if (tag === JOIN && msg.length === 4 && msg[1] instanceof Pid && isPids(msg[3])) remoteJoin(s, msg[1], msg[2], msg[3]);
    else if (tag === LEAVE && msg.length === 4 && msg[1] instanceof Pid && isPids(msg[2]) && isList(msg[3])) remoteLeave(s, msg[1], msg[2], msg[3]);
    else if (tag === DISCOVER && (msg.length === 2 || msg.length === 3) && msg[1] instanceof Pid) discover(s, msg[1]);
    else if (tag === DOWN && msg.length === 5 && msg[1] instanceof Ref && msg[2] === PROCESS && msg[3] instanceof Pid) down(s, msg[1], msg[3]);
    else if (tag === NODEUP && msg.length === 2 && msg[1] instanceof Atom) {
      if (msg[1] !== s.rt.nodeName) s.rt.send(t(s.scope, msg[1]), t(DISCOVER, current!));
    } else if (tag === NODEDOWN && msg.length === 2) {
      // the peer scope's DOWN does the work
    } else dropped(s, "message", msg);
    return noreply(s);
  }
}

function isGroupList(x: unknown): boolean {
  return isList(x) && x.every((e) => e instanceof Tuple && e.length === 2 && isList(e[1]) && e[1].every((p) => p instanceof Pid));
}

function dropped(s: ScopeState, what: string, msg: unknown): void {
  s.rt.logger({
    level: "warning",
    what: "pg_unexpected",
    text: `pg scope ${s.scope.name} dropped an unexpected ${what}: ${inspect(msg).slice(0, 512)}`,
    scope: s.scope,
    msg,
  });
}

// ---- sending ---------------------------------------------------------------------

/** The nodes a `noconnect` send may go to now. */
function connected(): Set<Atom> {
  return new Set(nodes("connected"));
}

/** `erlang:send(Pid, Msg, [noconnect])`: to a node not connected, nothing goes (no auto-connect). */
function sendNoconnect(s: ScopeState, to: Pid, msg: unknown, up?: Set<Atom>): void {
  if (to.node !== s.rt.nodeName && !(up ?? connected()).has(to.node)) return;
  s.rt.send(to, msg);
}

/** OTP's `broadcast/2`: one message to every known peer scope. */
function broadcast(s: ScopeState, msg: unknown): void {
  if (s.remote.size === 0) return;
  const up = connected();
  for (const p of s.remote.values()) sendNoconnect(s, p.pid, msg, up);
}

/** `{Ref, join | leave, Group, Pids}` to the scope's and the group's monitors. */
function notify(s: ScopeState, action: Atom, group: unknown, pids: readonly Pid[]): void {
  if (s.scopeMonitors.size === 0 && s.monitoredGroups.size === 0) return;
  const up = connected();
  const list = pids.slice();
  for (const [ref, pid] of s.scopeMonitors) sendNoconnect(s, pid, t(ref, action, group, list), up);
  const ms = s.monitoredGroups.get(group);
  if (ms !== undefined) for (const m of ms) sendNoconnect(s, m.pid, t(m.ref, action, group, list), up);
}

// ---- local joins and leaves --------------------------------------------------------

function joinLocal(s: ScopeState, group: unknown, pidOrPids: Pid | Pid[]): Atom {
  const pids = asList(pidOrPids);
  for (const p of pids) {
    const k = pidKey(p);
    const e = s.local.get(k);
    if (e !== undefined) e.groups.unshift(group);
    else s.local.set(k, { pid: p, mref: monitor(p), groups: [group] });
  }
  const row = s.table.get(group);
  s.table.set(group, [...pids, ...(row?.all ?? [])], [...pids, ...(row?.local ?? [])]);
  notify(s, JOIN, group, pids);
  broadcast(s, t(JOIN, current!, group, pidOrPids));
  return OK;
}

/** Removes one join of `pid` to `group`; false if it had none. */
function leaveOne(s: ScopeState, pid: Pid, group: unknown): boolean {
  const k = pidKey(pid);
  const e = s.local.get(k);
  if (e === undefined) return false;
  const i = e.groups.findIndex((g) => equals(g, group));
  if (i < 0) return false;
  e.groups.splice(i, 1);
  if (e.groups.length === 0) {
    demonitor(e.mref);
    s.local.delete(k);
  }
  return true;
}


function leaveLocal(s: ScopeState, group: unknown, pidOrPids: Pid | Pid[]): Atom {
  let changed = false;
  for (const p of asList(pidOrPids)) if (leaveOne(s, p, group)) changed = true;
  if (!changed) return NOT_JOINED;
  leaveLocalRow(s, group, asList(pidOrPids));
  broadcast(s, t(LEAVE, current!, pidOrPids, [group]));
  return OK;
}

/** OTP's `leave_local_update_ets`. */
function leaveLocalRow(s: ScopeState, group: unknown, pids: readonly Pid[]): void {
  const row = s.table.get(group);
  if (row === undefined) return;
  const all = pids.length === 1 ? deleteOne(row.all, pids[0]!) : subtract(row.all, pids);
  if (all.length === 0) s.table.delete(group);
  else s.table.set(group, all, pids.length === 1 ? deleteOne(row.local, pids[0]!) : subtract(row.local, pids));
  notify(s, LEAVE, group, pids);
}

// ---- peers -------------------------------------------------------------------------

function discover(s: ScopeState, peer: Pid): void {
  const self = current!;
  sendNoconnect(s, peer, t(GEN_CAST, t(SYNC, self, localGroups(s))));
  const k = pidKey(peer);
  if (s.remote.has(k)) return;
  s.remote.set(k, { pid: peer, mref: monitor(peer), groups: new TermMap() });
  sendNoconnect(s, peer, t(DISCOVER, self));
}

/** This node's members as `[{Group, [Pid]}]` (OTP's `all_local_pids`). */
function localGroups(s: ScopeState): Tuple[] {
  const m = new TermMap<unknown, Pid[]>();
  for (const e of s.local.values()) {
    for (const g of e.groups) {
      const l = m.get(g);
      if (l === undefined) m.set(g, [e.pid]);
      else l.unshift(e.pid);
    }
  }
  return [...m.entries()].map(([g, pids]) => t(g, pids));
}

/** A peer's full list of members: it replaces what was known of that peer. */
function handleSync(s: ScopeState, peerPid: Pid, groups: Tuple[]): void {
  const k = pidKey(peerPid);
  let peer = s.remote.get(k);
  if (peer === undefined) {
    peer = { pid: peerPid, mref: monitor(peerPid), groups: new TermMap() };
    s.remote.set(k, peer);
  }
  const old = peer.groups;
  const fresh = new TermMap<unknown, Pid[]>();
  // A group listed twice (no OTP node sends that) counts all its pids.
  for (const [g, pids] of groups as unknown as [unknown, Pid[]][]) fresh.set(g, [...pids, ...(fresh.get(g) ?? [])]);
  for (const [g, pids] of fresh) {
    const before = old.get(g);
    if (before === undefined) joinRemoteRow(s, g, pids);
    else if (!samePids(before, pids)) {
      // Rare: the view of that peer diverged. Its list wins; monitors see the difference.
      const row = s.table.get(g);
      s.table.set(g, [...pids, ...subtract(row?.all ?? [], before)], row?.local ?? []);
      const gone = subtract(before, pids);
      const added = subtract(pids, before);
      if (gone.length > 0) notify(s, LEAVE, g, gone);
      if (added.length > 0) notify(s, JOIN, g, added);
    }
  }
  for (const [g, pids] of old) if (!fresh.has(g)) leaveRemoteRow(s, pids, [g]);
  peer.groups = fresh;
}

/** OTP's `join_remote_update_ets`. */
function joinRemoteRow(s: ScopeState, group: unknown, pids: readonly Pid[]): void {
  const row = s.table.get(group);
  s.table.set(group, [...pids, ...(row?.all ?? [])], row?.local ?? []);
  notify(s, JOIN, group, pids);
}

/** OTP's `leave_remote_update_ets`. */
function leaveRemoteRow(s: ScopeState, pids: readonly Pid[], groups: readonly unknown[]): void {
  for (const g of groups) {
    const row = s.table.get(g);
    if (row === undefined) continue;
    s.table.set(g, pids.length === 1 ? deleteOne(row.all, pids[0]!) : subtract(row.all, pids), row.local);
    notify(s, LEAVE, g, pids);
  }
}

function remoteJoin(s: ScopeState, peerPid: Pid, group: unknown, pidOrPids: Pid | Pid[]): void {
  const peer = s.remote.get(pidKey(peerPid));
  if (peer === undefined) return; // not (or no longer) in the overlay: OTP ignores it too
  const pids = asList(pidOrPids);
  joinRemoteRow(s, group, pids);
  peer.groups.set(group, [...pids, ...(peer.groups.get(group) ?? [])]);
}

function remoteLeave(s: ScopeState, peerPid: Pid, pidOrPids: Pid | Pid[], groups: unknown[]): void {
  const peer = s.remote.get(pidKey(peerPid));
  if (peer === undefined) return;
  const pids = asList(pidOrPids);
  leaveRemoteRow(s, pids, groups);
  for (const g of groups) {
    const known = peer.groups.get(g);
    if (known === undefined) continue;
    const rest = subtract(known, pids);
    if (rest.length === 0) peer.groups.delete(g);
    else peer.groups.set(g, rest);
  }
}

// ---- DOWN ----------------------------------------------------------------------------

function down(s: ScopeState, mref: Ref, pid: Pid): void {
  const k = pidKey(pid);
  if (pid.node === s.rt.nodeName) {
    const e = s.local.get(k);
    if (e !== undefined && e.mref === mref) {
      // A member died: it leaves every group it joined, in one message to the peers.
      s.local.delete(k);
      for (const g of e.groups) leaveLocalRow(s, g, [pid]);
      broadcast(s, t(LEAVE, current!, pid, e.groups.slice()));
      return;
    }
  } else {
    const p = s.remote.get(k);
    if (p !== undefined && p.mref === mref) {
      // A peer scope stopped, or its node went down: all its members go.
      s.remote.delete(k);
      for (const [g, pids] of p.groups) leaveRemoteRow(s, pids, [g]);
      return;
    }
  }
  dropMonitor(s, mref);
}

/** A subscriber's DOWN: forget its subscription (OTP's `maybe_drop_monitor`). */
function dropMonitor(s: ScopeState, mref: Ref): void {
  if (s.scopeMonitors.delete(mref)) return;
  const gm = s.groupMonitors.get(mref);
  if (gm === undefined) return;
  s.groupMonitors.delete(mref);
  unlistGroupMonitor(s, gm.group, mref);
}

function unlistGroupMonitor(s: ScopeState, group: unknown, mref: Ref): void {
  const list = s.monitoredGroups.get(group);
  if (list === undefined) return;
  const rest = list.filter((m) => m.ref !== mref);
  if (rest.length === 0) s.monitoredGroups.delete(group);
  else s.monitoredGroups.set(group, rest);
}

// ---- monitors of the scope and of groups ---------------------------------------------

function monitorScope(s: ScopeState, pid: Pid): Tuple {
  const groups = new TermMap<unknown, Pid[]>();
  for (const [g, row] of s.table.entries()) groups.set(g, row.all.slice());
  const mref = monitor(pid);
  s.scopeMonitors.set(mref, pid);
  return t(mref, groups);
}

function monitorGroup(s: ScopeState, pid: Pid, group: unknown): Tuple {
  const members = s.table.members(group).slice();
  const mref = monitor(pid);
  s.groupMonitors.set(mref, { pid, group });
  s.monitoredGroups.set(group, [{ pid, ref: mref }, ...(s.monitoredGroups.get(group) ?? [])]);
  return t(mref, members);
}

function demonitorRef(s: ScopeState, ref: Ref): Atom | boolean {
  // The reference came back from the caller: look it up by value (a remote caller's copy is another object).
  for (const r of s.scopeMonitors.keys()) {
    if (refEquals(r, ref)) {
      s.scopeMonitors.delete(r);
      demonitor(r);
      return OK;
    }
  }
  for (const [r, gm] of s.groupMonitors) {
    if (refEquals(r, ref)) {
      s.groupMonitors.delete(r);
      demonitor(r);
      unlistGroupMonitor(s, gm.group, r);
      return OK;
    }
  }
  return false;
}


/** @internal for tests: the scope's view of its peers. */
export function peersOf(s: ScopeState): Pid[] {
  return [...s.remote.values()].map((p) => p.pid);
}
