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
import { Tuple, t } from "../term/tuple.js";
import { DOWN, EXIT, UNDEFINED } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { processFlag, send, spawn, spawnLink } from "../runtime/erlang.js";
import { Proc } from "../runtime/process.js";
import { after, receive } from "../runtime/receive.js";
import { ExitException } from "../runtime/signals.js";
import { GenServer, type CallResult, noreply, ok, reply, stop } from "../otp/gen_server.js";
import { type From, reply as replyTo } from "../otp/gen.js";
import { A, VSN, isAtom } from "./global_calls.js";
import { lockerBody } from "./global_locker.js";
import { cancelLocker, disconnectAll, exchange, handleDelLock, handleNodedown, handleNodeup, handleSetLock, initConnect, insName, lockIsSet, lostConnection, mkKnownList, newNodes, nodeVsn, potentiallyKnown, resolved, restartConnect, sendCancelConnectMessage, syncerBody } from "./global_protocol.js";
import { registrarBody } from "./global_registrar.js";
import { resolveIt } from "./global_resolve.js";
import { EXTRA_NODEDOWN, GLOBAL_ATOM, type GlobalOptions, GlobalState, type S, castTo, installTable, isList, removeTable, samePid } from "./global_state.js";
import type { NetKernel } from "./net_kernel.js";
import { exportFn } from "./rex.js";

export { globalTable, tableGeneration } from "./global_state.js";
export type { GlobalOptions } from "./global_state.js";

export class GlobalServer extends GenServer<S, { req: unknown; reply: unknown }, unknown, unknown, { k: NetKernel; opts: GlobalOptions }> {
  init(arg: { k: NetKernel; opts: GlobalOptions }) {
    processFlag("trap_exit", true);
    const s = new GlobalState(arg.k, arg.opts);
    const self = current!;
    installTable(self.rt, s.table);
    arg.k.monitorNodes(self, true, { nodeType: "visible", nodedownReason: true });
    s.locker = spawnLink(lockerBody(s.table, []));
    s.registrar = spawnLink(registrarBody());
    // What other nodes call here through rpc: resolve_it when they resolve a clash of a process of this node, and lookups.
    exportFn(self.rt, "global", "resolve_it", resolveIt, 4);
    exportFn(self.rt, "global", "whereis_name", (name: unknown) => s.table.where(name) ?? UNDEFINED, 1);
    exportFn(self.rt, "global", "registered_names", () => s.table.names.keys(), 0);
    return ok(s);
  }

  /** As OTP's terminate: the tables go with the server (a restarted server starts empty and syncs again). */
  override terminate(_reason: unknown, s: S): void {
    removeTable(s.k.rt, s.table);
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
