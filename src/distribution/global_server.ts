/**
 * `global_name_server`: OTP 25's global name server (protocol version 8),
 * so that BEAM and Agner nodes share one table of names and one set of
 * locks. What a BEAM node sends, this server answers as erl's does:
 *
 * - when a visible node comes up, both servers send `init_connect` (a tag
 *   and their locker), hand the other's locker to their own, and acknowledge
 *   (`init_connect_ack`); the lockers lock both partitions (see
 *   global_locker.ts), then the servers `exchange` their names, a resolver
 *   on each side settles clashes, `exchange_ops` / `resolved` apply the
 *   result on both nodes and `new_nodes` on every node each already knew;
 *   nodes the other knew are contacted (`in_sync`), which connects them
 *   (`connect_all`: the cluster becomes a full mesh);
 * - registrations are `{register, Name, Pid, Method}` calls to every node,
 *   made under the lock `{global, Registrar}` (a registration made without
 *   holding it is undone, as erl's `lock_still_set`); locks are
 *   `{set_lock, {Resource, Requester}}` / `{del_lock, ...}` calls;
 * - a lost connection is told to the partition (`lost_connection`), and a
 *   node that can no longer see both sides of a partition is dropped
 *   (`remove_connection`): OTP 25's `prevent_overlapping_partitions`.
 *
 * Every message is checked for its shape; one that does not fit is logged
 * as erl logs it ("The global_name_server received an unexpected message")
 * and dropped.
 */
import { type Atom, atom } from "../term/atom.js";
import { Pid, type Ref } from "../term/identifiers.js";
import { equals } from "../term/equals.js";
import { inspect } from "../term/inspect.js";
import { TermMap } from "../term/term_map.js";
import { Tuple, t } from "../term/tuple.js";
import { DOWN, EXIT, GEN_CAST, UNDEFINED } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { exit, monitorNode, processFlag, send, spawn, spawnLink } from "../runtime/erlang.js";
import { Proc } from "../runtime/process.js";
import { after, on, receive } from "../runtime/receive.js";
import { ExitException } from "../runtime/signals.js";
import { GenServer, type CallResult, noreply, ok, reply, stop } from "../otp/gen_server.js";
import { type From, reply as replyTo } from "../otp/gen.js";
import { A, GNS, VSN, isAtom } from "./global_calls.js";
import { lockerBody } from "./global_locker.js";
import { registrarBody } from "./global_registrar.js";
import { resolveIt } from "./global_resolve.js";
import { type NodeSync, resolverBody } from "./global_sync.js";
import { GlobalTable } from "./global_table.js";
import type { NetKernel } from "./net_kernel.js";
import { exportFn } from "./rex.js";

const tables = new WeakMap<object, GlobalTable>();

/** The name table of a runtime (undefined when it runs no name server). */
export function globalTable(rt: object): GlobalTable | undefined {
  return tables.get(rt);
}

let tagSeq = 0;

/** Options of the name server (OTP's kernel parameters `connect_all` and `prevent_overlapping_partitions`). */
export interface GlobalOptions {
  connectAll?: boolean;
  preventOverlappingPartitions?: boolean;
}

export class GlobalState {
  readonly table: GlobalTable;
  readonly known = new Map<Atom, number>();
  readonly pending = new Map<Atom, number>();
  readonly removing = new Set<Atom>();
  synced: Atom[] = [];
  readonly resolvers = new Map<Atom, { tag: number; pid: Pid }>();
  syncers: Pid[] = [];
  readonly nodes = new Map<Atom, NodeSync>();
  readonly lost = new Map<string, { xcre: bigint; opId: number; at: number }>();
  locker!: Pid;
  registrar!: Pid;
  readonly creX: bigint;
  connectAll: boolean;
  pop: boolean;

  constructor(
    readonly k: NetKernel,
    opts: GlobalOptions,
  ) {
    this.table = new GlobalTable(k.rt);
    this.connectAll = opts.connectAll ?? true;
    this.pop = opts.preventOverlappingPartitions ?? true;
    this.creX = BigInt(Math.floor(Math.random() * 2 ** 26)) << 32n;
  }

  ns(node: Atom): NodeSync {
    let s = this.nodes.get(node);
    if (s === undefined) this.nodes.set(node, (s = {}));
    return s;
  }

  tagMy(node: Atom): unknown {
    return this.nodes.get(node)?.tagMy ?? UNDEFINED;
  }
}

type S = GlobalState;

export class GlobalServer extends GenServer<S, { req: unknown; reply: unknown }, unknown, unknown, { k: NetKernel; opts: GlobalOptions }> {
  init(arg: { k: NetKernel; opts: GlobalOptions }) {
    processFlag("trap_exit", true);
    const s = new GlobalState(arg.k, arg.opts);
    const self = current!;
    tables.set(self.rt, s.table);
    arg.k.monitorNodes(self, true, { nodeType: "visible", nodedownReason: true });
    s.locker = spawnLink(lockerBody(s.table, []));
    s.registrar = spawnLink(registrarBody());
    exportFn(self.rt, "global", "resolve_it", resolveIt, 4);
    return ok(s);
  }

  override handleCall(req: unknown, from: From, s: S): CallResult<S, unknown> {
    try {
      return this.call(req, from, s);
    } catch (e) {
      if (e instanceof ExitException) throw e;
      return badMessage(s, `handle_call(${inspect(req)}, ${inspect(from)}, _)`, e);
    }
  }

  private call(req: unknown, from: From, s: S): CallResult<S, unknown> {
    const fromPid = from instanceof Tuple && from[0] instanceof Pid ? (from[0] as Pid) : null;
    if (fromPid === null) return badMessage(s, `handle_call(${inspect(req)}, ${inspect(from)}, _)`);
    if (req instanceof Tuple) {
      const tag = req[0];
      if (tag === A.registrar && req.length === 2 && typeof req[1] === "function" && fromPid instanceof Proc) {
        send(s.registrar, t(A.trans_all_known, req[1], from));
        return noreply(s);
      }
      if (tag === A.register && req.length === 4 && req[2] instanceof Pid) {
        insName(s, req[1], req[2] as Pid, req[3], fromPid, []);
        return reply(A.yes, s);
      }
      if (tag === A.register_ext && req.length === 6 && req[2] instanceof Pid) {
        insName(s, req[1], req[2] as Pid, req[3], fromPid, []);
        return reply(A.yes, s);
      }
      if (tag === A.unregister && req.length === 2) {
        s.table.deleteName(req[1]);
        return reply(A.ok, s);
      }
      if (tag === A.set_lock && req.length === 2 && isLockId(req[1])) return reply(handleSetLock(s, req[1] as Tuple, fromPid), s);
      if (tag === A.del_lock && req.length === 2 && isLockId(req[1])) {
        handleDelLock(s, req[1] as Tuple, fromPid);
        return reply(true, s);
      }
      if (tag === A.sync && req.length === 2 && Array.isArray(req[1])) {
        const me = s.k.rt.nodeName;
        const nodes = (req[1] as unknown[]).filter((n): n is Atom => isAtom(n) && n !== me && !s.synced.includes(n));
        s.syncers.push(spawnLink(syncerBody(nodes, from)));
        return noreply(s);
      }
    }
    if (req === A.get_known) return reply(mkKnownList(s, 0), s);
    if (req === A.get_synced) return reply(s.synced, s);
    if (req === A.get_protocol_version) return reply(VSN, s);
    if (req === A.get_names_ext) return reply([], s);
    if (req === A.disconnect) return reply(disconnectAll(s), s);
    if (req === A.stop) return stop(atom("normal"), s, atom("stopped"));
    return badMessage(s, `handle_call(${inspect(req)}, ${inspect(from)}, _)`);
  }

  override handleCast(req: unknown, s: S) {
    try {
      if (!(req instanceof Tuple) || !castMessage(s, req)) return badMessage(s, `handle_cast(${inspect(req)}, _)`);
    } catch (e) {
      if (e instanceof ExitException) throw e;
      return badMessage(s, `handle_cast(${inspect(req)}, _)`, e);
    }
    return noreply(s);
  }

  override handleInfo(msg: unknown, s: S) {
    try {
      if (msg instanceof Tuple && msg[0] === EXIT && msg.length === 3) {
        if (msg[1] === s.locker) return stop(t(atom("locker_died"), msg), s);
        if (msg[1] === s.registrar) return stop(t(atom("registrar_died"), msg), s);
        s.syncers = s.syncers.filter((p) => p !== msg[1]);
        return noreply(s);
      }
      if (!(msg instanceof Tuple) || !infoMessage(s, msg)) return badMessage(s, `handle_info(${inspect(msg)}, _)`);
    } catch (e) {
      if (e instanceof ExitException) throw e;
      return badMessage(s, `handle_info(${inspect(msg)}, _)`, e);
    }
    return noreply(s);
  }
}

function badMessage(s: S, what: string, e?: unknown) {
  s.k.rt.logger({
    level: "warning",
    what: "global_unexpected_message",
    text: `The global_name_server received an unexpected message:\n${what}${e !== undefined ? ` (${e instanceof Error ? e.message : inspect(e)})` : ""}`,
  });
  return noreply(s);
}

function isLockId(x: unknown): boolean {
  return x instanceof Tuple && x.length === 2;
}

// ---- casts -----------------------------------------------------------------------------

function castMessage(s: S, m: Tuple): boolean {
  const tag = m[0];
  const node = m[1] as Atom;
  switch (tag) {
    case A.init_connect: {
      // {init_connect, Vsn, Node, InitMsg}
      const from = m[2] as Atom;
      if (m.length !== 4 || !isAtom(from)) return false;
      const vsn = m[1];
      if (!(vsn instanceof Tuple) || vsn.length < 2 || typeof vsn[0] !== "number") {
        s.k.rt.logger({ level: "info", what: "global_bad_version", text: `Illegal global protocol version ${inspect(vsn)} Node: ${inspect(from)}` });
        return true;
      }
      const hisVsn = vsn[0] as number;
      initConnect(s, vsn.length === 2 ? Math.min(hisVsn, VSN) : VSN, from, m[3], vsn[1], hisVsn);
      return true;
    }
    case A.lock_is_set: {
      if (m.length !== 4 || !isAtom(node)) return false;
      if (equals(s.tagMy(node), m[2])) lockIsSet(s, node, m[3]);
      else cancelLocker(s, node, m[2]);
      return true;
    }
    case A.exchange: {
      if (m.length !== 5 || !isAtom(node) || !isList(m[2])) return false;
      if (equals(s.tagMy(node), m[4])) exchange(s, node, m[2] as unknown[]);
      else cancelLocker(s, node, m[4]);
      return true;
    }
    case A.exchange_ops: {
      if (m.length !== 5 || !isAtom(node) || !isList(m[3]) || !isList(m[4])) return false;
      const myTag = m[2];
      if (!equals(s.tagMy(node), myTag)) {
        cancelLocker(s, node, myTag);
        return true;
      }
      const ns = s.ns(node);
      castTo(node, t(A.resolved, s.k.rt.nodeName, m[4], mkKnownList(s, nodeVsn(s, node)), A.unused, [], ns.tagHis ?? UNDEFINED));
      const saved = ns.saveOps;
      ns.saveOps = { ops: m[3] as unknown[] };
      if (saved !== undefined && "resolved" in saved) resolved(s, node, saved.resolved.hisResolved, saved.resolved.hisKnown, saved.resolved.namesExt);
      return true;
    }
    case A.resolved: {
      if (m.length !== 7 || !isAtom(node) || !isList(m[2]) || !isList(m[3])) return false;
      if (!equals(s.tagMy(node), m[6])) {
        cancelLocker(s, node, m[6]);
        return true;
      }
      const ns = s.ns(node);
      if (ns.saveOps !== undefined && "ops" in ns.saveOps) resolved(s, node, m[2] as unknown[], m[3] as unknown[], m[5]);
      else ns.saveOps = { resolved: { hisKnown: m[3] as unknown[], namesExt: m[5], hisResolved: m[2] as unknown[] } };
      return true;
    }
    case A.new_nodes: {
      if (m.length !== 6 || !isAtom(node) || !isList(m[2]) || !isList(m[4])) return false;
      newNodes(s, m[2] as unknown[], node, m[3], m[4] as unknown[], m[5]);
      return true;
    }
    case A.in_sync: {
      if (m.length !== 3 || !isAtom(node)) return false;
      for (const p of s.syncers) send(p, t(A.synced, [node]));
      if (!s.synced.includes(node)) s.synced = [node, ...s.synced];
      s.pending.delete(node);
      cancelLocker(s, node, s.tagMy(node));
      s.nodes.delete(node);
      return true;
    }
    case A.async_del_name:
    case A.async_del_lock:
      return m.length === 3;
    case A.lock_set: {
      const pid = m[1];
      if (!(pid instanceof Pid)) return false;
      if (m.length === 5) {
        if (equals(s.tagMy(pid.node), m[4])) send(s.locker, m);
        return true;
      }
      if (m.length === 4) {
        send(s.locker, m);
        return true;
      }
      return false;
    }
  }
  return false;
}

// ---- other messages ----------------------------------------------------------------------

function infoMessage(s: S, m: Tuple): boolean {
  const tag = m[0];
  const me = s.k.rt.nodeName;
  switch (tag) {
    case A.nodedown: {
      if (m.length < 2 || !isAtom(m[1])) return false;
      if (m[1] !== me) handleNodedown(s, m[1] as Atom, "disconnected");
      return true;
    }
    case EXTRA_NODEDOWN: {
      if (m.length !== 2 || !isAtom(m[1])) return false;
      for (const p of s.syncers) send(p, t(A.nodedown, m[1]));
      handleNodedown(s, m[1] as Atom, "disconnected");
      return true;
    }
    case A.nodeup: {
      if (m.length < 2 || !isAtom(m[1])) return false;
      if (m[1] !== me && s.connectAll) handleNodeup(s, m[1] as Atom);
      return true;
    }
    case A.whereis: {
      if (m.length !== 3 || !(m[2] instanceof Tuple)) return false;
      if (!s.table.isLockSet(GLOBAL_ATOM)) replyTo(m[2] as From, s.table.where(m[1]) ?? UNDEFINED);
      else {
        const self = current!;
        spawn(function* () {
          yield* receive(after(1 + Math.floor(Math.random() * 4000), () => undefined));
          send(self, m);
        });
      }
      return true;
    }
    case A.lost_connection:
      if (m.length !== 5 || !isAtom(m[1]) || !isAtom(m[4])) return false;
      lostConnection(s, m);
      return true;
    case A.remove_connection: {
      if (m.length !== 2 || !isAtom(m[1])) return false;
      const node = m[1] as Atom;
      if (potentiallyKnown(s, node)) {
        s.k.disconnect(node);
        handleNodedown(s, node, "remove_connection");
        s.k.rt.logger({
          level: "warning",
          what: "global_prevent_overlapping_partitions",
          text: `'global' at node ${inspect(me)} disconnected node ${inspect(node)} in order to prevent overlapping partitions`,
        });
      }
      return true;
    }
    case A.cancel_connect: {
      if (m.length !== 3 || !isAtom(m[1])) return false;
      const node = m[1] as Atom;
      if (equals(s.tagMy(node), m[2])) {
        const tag = s.tagMy(node);
        cancelLocker(s, node, tag);
        s.nodes.delete(node);
        s.pending.delete(node);
        restartConnect(s, node, tag);
      }
      return true;
    }
    case A.init_connect_ack: {
      if (m.length !== 4 || !isAtom(m[1])) return false;
      const node = m[1] as Atom;
      const ns = s.nodes.get(node);
      const myTag = ns?.tagMy ?? UNDEFINED;
      if (!(equals(myTag, m[2]) && equals(ns?.tagHis ?? UNDEFINED, m[3]))) {
        sendCancelConnectMessage(s, node, m[3]);
        restartConnect(s, node, myTag);
      }
      return true;
    }
    case A.prepare_shutdown: {
      if (m.length !== 3 || !(m[1] instanceof Pid)) return false;
      s.connectAll = false;
      s.pop = false;
      send(m[1] as Pid, t(m[2], A.ok));
      return true;
    }
    case DOWN: {
      if (m.length !== 5) return false;
      const ref = m[1] as Ref;
      s.table.forgetRef(ref);
      for (const resource of [...s.table.locksOfRef(ref)]) {
        const l = s.table.locks.get(resource);
        const h = l?.holders.find((x) => x.ref === ref);
        if (h !== undefined) s.table.removeLock(resource, h.pid, true, samePid);
      }
      const name = s.table.nameOfRef(ref);
      if (name !== undefined) s.table.deleteName(name);
      return true;
    }
  }
  return false;
}

const EXTRA_NODEDOWN = atom("extra_nodedown");
const GLOBAL_ATOM = atom("global");

function samePid(a: Pid, b: Pid): boolean {
  return a === b || equals(a, b);
}

function isList(x: unknown): boolean {
  return Array.isArray(x) && !(x instanceof Tuple);
}

function castTo(node: Atom, msg: unknown): void {
  current!.rt.send(t(GNS, node), t(GEN_CAST, msg));
}

/** OTP's `gns_volatile_send`: only over an existing connection (`noconnect`). */
function volatileSend(s: S, node: Atom, msg: unknown): void {
  if (s.k.nodes("connected").includes(node)) current!.rt.send(t(GNS, node), msg);
}

// ---- names and locks ------------------------------------------------------------------------

/** OTP's `ins_name`: replace, monitor, and undo unless the registration still holds the `global` lock. */
function insName(s: S, name: unknown, pid: Pid, method: unknown, from: Pid | Atom, extraInfo: unknown): void {
  s.table.insertName(name, pid, method);
  if (!lockStillSet(s, from, extraInfo)) s.table.deleteName(name);
}

function lockStillSet(s: S, from: Pid | Atom, extraInfo: unknown): boolean {
  const l = s.table.locks.get(GLOBAL_ATOM);
  if (l === undefined) return !s.table.globalLockDown;
  if (from instanceof Pid) return l.holders.some((h) => samePid(h.pid, from));
  const lock = extraInfoOf(extraInfo, A.lock);
  return lock instanceof Tuple && lock.length === 2 && equals(l.reqId, lock[1]);
}

function extraInfoOf(extraInfo: unknown, key: Atom): unknown {
  if (!isList(extraInfo)) return undefined;
  for (const e of extraInfo as unknown[]) if (e instanceof Tuple && e.length === 2 && e[0] === key) return e[1];
  return undefined;
}

function handleSetLock(s: S, id: Tuple, pid: Pid): boolean {
  const holders = s.table.canSetLock(id[0], id[1], equals);
  if (holders === false) return false;
  if (!holders.some((h) => samePid(h.pid, pid))) s.table.insertLock(id[0], id[1], pid, holders);
  return true;
}

function handleDelLock(s: S, id: Tuple, pid: Pid): void {
  const l = s.table.locks.get(id[0]);
  if (l !== undefined && equals(l.reqId, id[1])) s.table.removeLock(id[0], pid, false, samePid);
}

function doOps(s: S, ops: unknown[], connNode: Atom, extraInfo: unknown): void {
  const deletes: unknown[] = [];
  for (const op of ops) {
    if (!(op instanceof Tuple) || op.length !== 2) continue;
    if (op[0] === A.insert && op[1] instanceof Tuple && op[1].length === 3 && op[1][1] instanceof Pid) {
      const [name, pid, method] = op[1] as unknown as [unknown, Pid, unknown];
      insName(s, name, pid, method, connNode, extraInfo);
    } else if (op[0] === A.delete) deletes.push(op[1]);
  }
  for (const name of deletes) s.table.deleteName(name);
}

function getNames(s: S): unknown[] {
  const out: unknown[] = [];
  s.table.names.forEach((e, name) => out.push(t(name, e.pid, e.method)));
  return out;
}

// ---- the sync protocol ----------------------------------------------------------------------

function handleNodeup(s: S, node: Atom): void {
  if (s.known.has(node) || s.resolvers.has(node)) return;
  const self = current!;
  resendPreConnect(s, node);
  const myTag = ++tagSeq;
  s.ns(node).tagMy = myTag;
  const lockerMsg = t(A.locker, NO_LONGER_A_PID, knownTerm(s), s.locker);
  castTo(node, t(A.init_connect, t(VSN, myTag), self.rt.nodeName, lockerMsg));
  const resolver = spawn(resolverBody(s.table, node, myTag));
  s.resolvers.set(node, { tag: myTag, pid: resolver });
}

const NO_LONGER_A_PID = atom("no_longer_a_pid");

/** The known map as OTP sends it in `init_connect` (its receiver ignores it). */
function knownTerm(s: S): TermMap {
  const m = new TermMap();
  for (const [n, v] of s.known) m.set(n, v);
  for (const [n, v] of s.pending) m.set(t(A.pending, n), v);
  for (const n of s.removing) m.set(t(A.removing, n), A.yes);
  return m;
}

function resendPreConnect(s: S, node: Atom): void {
  const ns = s.nodes.get(node);
  const pre = ns?.preConnect;
  if (pre === undefined) return;
  ns!.preConnect = undefined;
  const self = current!;
  self.rt.deliver(self as Proc, t(GEN_CAST, t(A.init_connect, t(pre.vsn, pre.hisTag), node, pre.initMsg)));
}

function initConnect(s: S, vsn: number, node: Atom, initMsg: unknown, hisTag: unknown, hisVsn: number): void {
  if (s.pending.has(node)) {
    if (hisVsn < 8) {
      s.k.disconnect(node);
      s.k.rt.logger({
        level: "error",
        what: "global_out_of_sync",
        text: `'global' at node ${inspect(s.k.rt.nodeName)} got an out of sync connection attempt from old version ${hisVsn} node ${inspect(node)}. Disconnecting from it.`,
      });
      return;
    }
    sendCancelConnectMessage(s, node, hisTag);
    restartConnect(s, node, s.tagMy(node));
  }
  const ns = s.ns(node);
  ns.protVsn = vsn;
  ns.tagHis = hisTag;
  const r = s.resolvers.get(node);
  if (r === undefined) {
    ns.preConnect = { vsn, initMsg, hisTag };
    return;
  }
  if (!(initMsg instanceof Tuple) || initMsg.length !== 4 || !(initMsg[3] instanceof Pid)) return;
  send(s.locker, t(A.his_the_locker, initMsg[3], t(vsn, []), hisTag, r.tag));
  if (hisVsn >= 8) volatileSend(s, node, t(A.init_connect_ack, s.k.rt.nodeName, hisTag, r.tag));
  s.pending.set(node, hisVsn);
}

function restartConnect(s: S, node: Atom, myTag: unknown): void {
  cancelLocker(s, node, myTag);
  s.nodes.delete(node);
  s.pending.delete(node);
  if (typeof myTag === "number") handleNodeup(s, node);
}

function lockIsSet(s: S, node: Atom, lockId: unknown): void {
  const ns = s.ns(node);
  castTo(node, t(A.exchange, s.k.rt.nodeName, getNames(s), [], ns.tagHis ?? UNDEFINED));
  ns.lockId = lockId;
  const w = ns.waitLock;
  ns.waitLock = { lockIsSet: true };
  if (w !== undefined && "exchange" in w) exchange(s, node, w.exchange);
}

function exchange(s: S, node: Atom, nameList: unknown[]): void {
  const ns = s.ns(node);
  const w = ns.waitLock;
  ns.waitLock = undefined;
  if (w !== undefined && "lockIsSet" in w) {
    const r = s.resolvers.get(node);
    if (r !== undefined) send(r.pid, t(A.resolve, nameList, node));
  } else ns.waitLock = { exchange: nameList };
}

function resolved(s: S, node: Atom, hisResolved: unknown[], hisKnown: unknown[], namesExt: unknown): void {
  const ns = s.ns(node);
  const saved = ns.saveOps !== undefined && "ops" in ns.saveOps ? ns.saveOps.ops : [];
  ns.saveOps = undefined;
  const ops = [...saved, ...hisResolved];
  const knownBefore = [...s.known];
  const newNodes = makeNodeVsnList(s, [node, ...hisKnown]);
  const hisKnownNodes = nodeList(hisKnown);
  syncOthers(hisKnownNodes);
  const extraInfo = [t(A.vsn, ns.protVsn ?? VSN), t(A.lock, ns.lockId ?? UNDEFINED)];
  doOps(s, ops, s.k.rt.nodeName, extraInfo);
  for (const p of s.syncers) send(p, t(A.synced, [node]));
  for (const n of hisKnownNodes) cancelResolvedLocker(s, n, (tag) => cancelLocker(s, n, tag));
  const me = s.k.rt.nodeName;
  const msg = t(A.new_nodes, me, ops, namesExt, newNodes, extraInfo);
  const oldMsg = t(A.new_nodes, me, ops, namesExt, nodeList(newNodes), extraInfo);
  const rt = s.k.rt;
  const sendNewNodes = () => {
    for (const [n, v] of knownBefore) rt.send(t(GNS, n), t(GEN_CAST, v >= 7 ? msg : oldMsg));
  };
  cancelResolvedLocker(s, node, (tag) => cancelLocker(s, node, tag, sendNewNodes));
  const added = addToKnown(s, newNodes);
  send(s.locker, t(A.add_to_known, added));
  s.synced = [node, ...s.synced];
}

function cancelResolvedLocker(s: S, node: Atom, cancel: (tag: unknown) => void): void {
  const tag = s.tagMy(node);
  s.pending.delete(node);
  cancel(tag);
  s.nodes.delete(node);
}

function newNodes(s: S, ops: unknown[], connNode: Atom, _namesExt: unknown, nodes: unknown[], extraInfo: unknown): void {
  const added = addToKnown(s, nodes);
  syncOthers(added);
  doOps(s, ops, connNode, extraInfo);
  send(s.locker, t(A.add_to_known, added));
}

/** Contacts nodes learnt from a peer: the cast connects them (connect_all). */
function syncOthers(nodes: Atom[]): void {
  for (const node of nodes) {
    spawn(function* syncOther() {
      const rt = current!.rt;
      monitorNode(node);
      const r = yield* receive(
        on([A.nodedown, node], () => true),
        after(0, () => false),
      );
      if (r) {
        rt.logger({ level: "warning", what: "global_connect_failed", text: `'global' at ${inspect(rt.nodeName)} failed to connect to ${inspect(node)}` });
        send(GNS, t(EXTRA_NODEDOWN, node));
      } else rt.send(t(GNS, node), t(GEN_CAST, t(A.in_sync, rt.nodeName, true)));
    });
  }
}

function cancelLocker(s: S, node: Atom, tag: unknown, fn?: () => void): void {
  send(s.locker, t(A.cancel, node, tag, fn ?? A.no_fun));
  sendCancelConnect(s, node, tag);
  const r = s.resolvers.get(node);
  if (r !== undefined && equals(r.tag, tag)) {
    exit(r.pid, A.kill);
    s.resolvers.delete(node);
  }
}

function sendCancelConnect(s: S, node: Atom, myTag: unknown): void {
  const v = s.pending.get(node);
  if (v === undefined || v < 8) return;
  if (!equals(s.tagMy(node), myTag)) return;
  sendCancelConnectMessage(s, node, s.nodes.get(node)?.tagHis ?? UNDEFINED);
}

function sendCancelConnectMessage(s: S, node: Atom, hisTag: unknown): void {
  volatileSend(s, node, t(A.cancel_connect, s.k.rt.nodeName, hisTag));
}

type NodeDownWhat = "disconnected" | "remove_connection" | "ignore_node";

function handleNodedown(s: S, node: Atom, what: NodeDownWhat): void {
  cancelLocker(s, node, s.tagMy(node));
  send(s.locker, t(A.remove_from_known, node));
  s.nodes.delete(node);
  if (what === "remove_connection") s.removing.add(node);
  else if (what === "ignore_node") s.removing.delete(node);
  else if (s.removing.has(node)) s.removing.delete(node);
  else informConnectionLoss(s, node);
  s.pending.delete(node);
  s.known.delete(node);
  s.synced = s.synced.filter((n) => n !== node);
}

let opSeq = 0;

function informConnectionLoss(s: S, node: Atom): void {
  if (!(s.connectAll && s.pop)) return;
  const xcre = s.creX + BigInt(s.k.rt.creation) + (1n << 59n);
  volatileMulticast(s, t(A.lost_connection, s.k.rt.nodeName, xcre, ++opSeq, node), node);
}

function volatileMulticast(s: S, msg: unknown, ignore: Atom): void {
  for (const [n, v] of s.known) if (n !== ignore && v >= 7) volatileSend(s, n, msg);
  for (const [n, v] of s.pending) if (n !== ignore && v >= 7) volatileSend(s, n, msg);
}

function lostConnection(s: S, m: Tuple): void {
  if (!(s.connectAll && s.pop)) return;
  const [nodeA, xcreA, opIdA, nodeB] = [m[1] as Atom, m[2], m[3], m[4] as Atom];
  const key = `${nodeA.name}\0${nodeB.name}`;
  const now = Date.now();
  for (const [k, v] of s.lost) if (now - v.at > 3_600_000) s.lost.delete(k);
  const prev = s.lost.get(key);
  const xcre = typeof xcreA === "bigint" ? xcreA : BigInt(xcreA as number);
  if (prev !== undefined && prev.xcre === xcre && (opIdA as number) <= prev.opId) return;
  volatileMulticast(s, m, nodeA);
  s.lost.set(key, { xcre, opId: opIdA as number, at: now });
  const me = s.k.rt.nodeName;
  const rm = me === nodeB ? nodeA : nodeB;
  if (!potentiallyKnown(s, rm)) return;
  let what: string;
  if (nodeVsn(s, rm) < 7) {
    s.k.disconnect(rm);
    what = "disconnected old";
  } else {
    volatileSend(s, rm, t(A.remove_connection, me));
    what = "requested disconnect from";
  }
  s.k.rt.logger({
    level: "warning",
    what: "global_prevent_overlapping_partitions",
    text: `'global' at node ${inspect(me)} ${what} node ${inspect(rm)} in order to prevent overlapping partitions`,
  });
  handleNodedown(s, rm, "remove_connection");
}

function potentiallyKnown(s: S, node: Atom): boolean {
  return s.known.has(node) || s.pending.has(node);
}

function nodeVsn(s: S, node: Atom): number {
  if (node === s.k.rt.nodeName) return VSN;
  return s.known.get(node) ?? s.pending.get(node) ?? 0;
}

function nodeList(l: unknown[]): Atom[] {
  const out: Atom[] = [];
  for (const x of l) {
    if (isAtom(x)) out.push(x);
    else if (x instanceof Tuple && x.length === 2 && isAtom(x[0])) out.push(x[0] as Atom);
  }
  return out;
}

function makeNodeVsnList(s: S, l: unknown[]): Tuple[] {
  const out: Tuple[] = [];
  for (const x of l) {
    if (isAtom(x)) out.push(t(x, nodeVsn(s, x)));
    else if (x instanceof Tuple && x.length === 2 && isAtom(x[0])) out.push(x[1] === 0 ? t(x[0], nodeVsn(s, x[0] as Atom)) : x);
  }
  return out;
}

function mkKnownList(s: S, vsn: number): unknown[] {
  const out: unknown[] = [];
  for (const [n, v] of s.known) out.push(vsn < 7 ? n : t(n, v));
  return out;
}

function addToKnown(s: S, nodes: unknown[]): Atom[] {
  const me = s.k.rt.nodeName;
  const added: Atom[] = [];
  for (const x of nodes) {
    const [n, v] = isAtom(x) ? [x, 0] : x instanceof Tuple && x.length === 2 && isAtom(x[0]) && typeof x[1] === "number" ? [x[0] as Atom, x[1] as number] : [null, 0];
    if (n === null || n === me) continue;
    const cur = s.known.get(n);
    if (cur === undefined) {
      added.unshift(n);
      s.known.set(n, v);
    } else if (cur < 0) s.known.set(n, v);
  }
  return added;
}

function disconnectAll(s: S): Atom[] {
  const nodes = s.k.nodes("visible");
  for (const n of nodes) {
    s.k.disconnect(n);
    handleNodedown(s, n, "ignore_node");
  }
  return nodes;
}

/** A `global:sync()` in progress: done when every node synced or went down. */
function syncerBody(nodes: Atom[], from: From): () => Generator<unknown, void, unknown> {
  return function* syncer() {
    const left = new Set(nodes);
    for (const n of nodes) monitorNode(n);
    while (left.size > 0) {
      const m = (yield* receive(
        on((x: unknown) => x instanceof Tuple && x.length === 2 && (x[0] === A.nodedown || x[0] === A.synced), (x) => x as Tuple),
      )) as unknown[];
      if (m[0] === A.nodedown) {
        monitorNode(m[1] as Atom, false);
        left.delete(m[1] as Atom);
      } else if (Array.isArray(m[1])) {
        for (const n of m[1] as Atom[]) {
          if (left.delete(n)) monitorNode(n, false);
        }
      }
    }
    replyTo(from, A.ok);
  };
}

