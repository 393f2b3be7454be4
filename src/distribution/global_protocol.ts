/**
 * The protocol of `global_name_server`, as functions over its state: names
 * and locks, the sync with a node that comes up (`init_connect`, the lock,
 * `exchange`, `resolved`, `new_nodes`, `in_sync`), node loss and OTP 25's
 * prevent_overlapping_partitions (`lost_connection`, `remove_connection`).
 * They run in the server process (monitors and sends are its own).
 */
import { type Atom, atom } from "../term/atom.js";
import { Pid } from "../term/identifiers.js";
import { equals } from "../term/equals.js";
import { inspect } from "../term/inspect.js";
import { TermMap } from "../term/term_map.js";
import { Tuple, t } from "../term/tuple.js";
import { GEN_CAST, UNDEFINED } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { exit, monitorNode, send, spawn } from "../runtime/erlang.js";
import { Proc } from "../runtime/process.js";
import { after, on, receive } from "../runtime/receive.js";
import { type From, reply as replyTo } from "../otp/gen.js";
import { A, GNS, VSN, isAtom } from "./global_calls.js";
import { EXTRA_NODEDOWN, GLOBAL_ATOM, type S, castTo, isList, samePid, volatileSend } from "./global_state.js";
import { resolverBody } from "./global_sync.js";

let tagSeq = 0;

// ---- names and locks ------------------------------------------------------------------------

/** OTP's `ins_name`: replace, monitor, and undo unless the registration still holds the `global` lock. */
export function insName(s: S, name: unknown, pid: Pid, method: unknown, from: Pid | Atom, extraInfo: unknown): void {
  s.table.insertName(name, pid, method);
  if (!lockStillSet(s, from, extraInfo)) s.table.deleteName(name);
}

export function lockStillSet(s: S, from: Pid | Atom, extraInfo: unknown): boolean {
  const l = s.table.locks.get(GLOBAL_ATOM);
  if (l === undefined) return !s.table.globalLockDown;
  if (from instanceof Pid) return l.holders.some((h) => samePid(h.pid, from));
  const lock = extraInfoOf(extraInfo, A.lock);
  return lock instanceof Tuple && lock.length === 2 && equals(l.reqId, lock[1]);
}

export function extraInfoOf(extraInfo: unknown, key: Atom): unknown {
  if (!isList(extraInfo)) return undefined;
  for (const e of extraInfo as unknown[]) if (e instanceof Tuple && e.length === 2 && e[0] === key) return e[1];
  return undefined;
}

export function handleSetLock(s: S, id: Tuple, pid: Pid): boolean {
  const holders = s.table.canSetLock(id[0], id[1], equals);
  if (holders === false) return false;
  if (!holders.some((h) => samePid(h.pid, pid))) s.table.insertLock(id[0], id[1], pid, holders);
  return true;
}

export function handleDelLock(s: S, id: Tuple, pid: Pid): void {
  const l = s.table.locks.get(id[0]);
  if (l !== undefined && equals(l.reqId, id[1])) s.table.removeLock(id[0], pid, false, samePid);
}

export function doOps(s: S, ops: unknown[], connNode: Atom, extraInfo: unknown): void {
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

export function getNames(s: S): unknown[] {
  const out: unknown[] = [];
  s.table.names.forEach((e, name) => out.push(t(name, e.pid, e.method)));
  return out;
}

// ---- the sync protocol ----------------------------------------------------------------------

export function handleNodeup(s: S, node: Atom): void {
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
export function knownTerm(s: S): TermMap {
  const m = new TermMap();
  for (const [n, v] of s.known) m.set(n, v);
  for (const [n, v] of s.pending) m.set(t(A.pending, n), v);
  for (const n of s.removing) m.set(t(A.removing, n), A.yes);
  return m;
}

export function resendPreConnect(s: S, node: Atom): void {
  const ns = s.nodes.get(node);
  const pre = ns?.preConnect;
  if (pre === undefined) return;
  ns!.preConnect = undefined;
  const self = current!;
  self.rt.deliver(self as Proc, t(GEN_CAST, t(A.init_connect, t(pre.vsn, pre.hisTag), node, pre.initMsg)));
}

export function initConnect(s: S, vsn: number, node: Atom, initMsg: unknown, hisTag: unknown, hisVsn: number): void {
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

export function restartConnect(s: S, node: Atom, myTag: unknown): void {
  cancelLocker(s, node, myTag);
  s.nodes.delete(node);
  s.pending.delete(node);
  if (typeof myTag === "number") handleNodeup(s, node);
}

export function lockIsSet(s: S, node: Atom, lockId: unknown): void {
  const ns = s.ns(node);
  castTo(node, t(A.exchange, s.k.rt.nodeName, getNames(s), [], ns.tagHis ?? UNDEFINED));
  ns.lockId = lockId;
  const w = ns.waitLock;
  ns.waitLock = { lockIsSet: true };
  if (w !== undefined && "exchange" in w) exchange(s, node, w.exchange);
}

export function exchange(s: S, node: Atom, nameList: unknown[]): void {
  const ns = s.ns(node);
  const w = ns.waitLock;
  ns.waitLock = undefined;
  if (w !== undefined && "lockIsSet" in w) {
    const r = s.resolvers.get(node);
    if (r !== undefined) send(r.pid, t(A.resolve, nameList, node));
  } else ns.waitLock = { exchange: nameList };
}

export function resolved(s: S, node: Atom, hisResolved: unknown[], hisKnown: unknown[], namesExt: unknown): void {
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

export function cancelResolvedLocker(s: S, node: Atom, cancel: (tag: unknown) => void): void {
  const tag = s.tagMy(node);
  s.pending.delete(node);
  cancel(tag);
  s.nodes.delete(node);
}

export function newNodes(s: S, ops: unknown[], connNode: Atom, _namesExt: unknown, nodes: unknown[], extraInfo: unknown): void {
  const added = addToKnown(s, nodes);
  syncOthers(added);
  doOps(s, ops, connNode, extraInfo);
  send(s.locker, t(A.add_to_known, added));
}

/** Contacts nodes learnt from a peer: the cast connects them (connect_all). */
export function syncOthers(nodes: Atom[]): void {
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

export function cancelLocker(s: S, node: Atom, tag: unknown, fn?: () => void): void {
  send(s.locker, t(A.cancel, node, tag, fn ?? A.no_fun));
  sendCancelConnect(s, node, tag);
  const r = s.resolvers.get(node);
  if (r !== undefined && equals(r.tag, tag)) {
    exit(r.pid, A.kill);
    s.resolvers.delete(node);
  }
}

export function sendCancelConnect(s: S, node: Atom, myTag: unknown): void {
  const v = s.pending.get(node);
  if (v === undefined || v < 8) return;
  if (!equals(s.tagMy(node), myTag)) return;
  sendCancelConnectMessage(s, node, s.nodes.get(node)?.tagHis ?? UNDEFINED);
}

export function sendCancelConnectMessage(s: S, node: Atom, hisTag: unknown): void {
  volatileSend(s, node, t(A.cancel_connect, s.k.rt.nodeName, hisTag));
}

type NodeDownWhat = "disconnected" | "remove_connection" | "ignore_node";

export function handleNodedown(s: S, node: Atom, what: NodeDownWhat): void {
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

export function informConnectionLoss(s: S, node: Atom): void {
  if (!(s.connectAll && s.pop)) return;
  const xcre = s.creX + BigInt(s.k.rt.creation) + (1n << 59n);
  volatileMulticast(s, t(A.lost_connection, s.k.rt.nodeName, xcre, ++opSeq, node), node);
}

export function volatileMulticast(s: S, msg: unknown, ignore: Atom): void {
  for (const [n, v] of s.known) if (n !== ignore && v >= 7) volatileSend(s, n, msg);
  for (const [n, v] of s.pending) if (n !== ignore && v >= 7) volatileSend(s, n, msg);
}

export function lostConnection(s: S, m: Tuple): void {
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

export function potentiallyKnown(s: S, node: Atom): boolean {
  return s.known.has(node) || s.pending.has(node);
}

export function nodeVsn(s: S, node: Atom): number {
  if (node === s.k.rt.nodeName) return VSN;
  return s.known.get(node) ?? s.pending.get(node) ?? 0;
}

export function nodeList(l: unknown[]): Atom[] {
  const out: Atom[] = [];
  for (const x of l) {
    if (isAtom(x)) out.push(x);
    else if (x instanceof Tuple && x.length === 2 && isAtom(x[0])) out.push(x[0] as Atom);
  }
  return out;
}

export function makeNodeVsnList(s: S, l: unknown[]): Tuple[] {
  const out: Tuple[] = [];
  for (const x of l) {
    if (isAtom(x)) out.push(t(x, nodeVsn(s, x)));
    else if (x instanceof Tuple && x.length === 2 && isAtom(x[0])) out.push(x[1] === 0 ? t(x[0], nodeVsn(s, x[0] as Atom)) : x);
  }
  return out;
}

export function mkKnownList(s: S, vsn: number): unknown[] {
  const out: unknown[] = [];
  for (const [n, v] of s.known) out.push(vsn < 7 ? n : t(n, v));
  return out;
}

export function addToKnown(s: S, nodes: unknown[]): Atom[] {
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

export function disconnectAll(s: S): Atom[] {
  const nodes = s.k.nodes("visible");
  for (const n of nodes) {
    s.k.disconnect(n);
    handleNodedown(s, n, "ignore_node");
  }
  return nodes;
}

/** A `global:sync()` in progress: done when every node synced or went down. */
export function syncerBody(nodes: Atom[], from: From): () => Generator<unknown, void, unknown> {
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
