/**
 * The locker of `global` (OTP 25's `the_locker` process, protocol vsn 8).
 *
 * When two nodes meet, their name servers hand each other's locker to their
 * own (`his_the_locker`). A locker then waits a little (200 ms with no known
 * node, else 1-3 s; at once right after a sync), picks one node it has not
 * synced with (nodes on this host first) and takes the lock
 * `{global, lists:sort([MyLocker, HisLocker])}` on the boss (the greatest
 * node name), on both nodes, then on every node it knows. It tells the
 * other locker through that node's name server (`lock_set`), which locks
 * its own partition the same way and answers. With the lock set on both
 * partitions, each name server is told (`lock_is_set`) and exchanges names;
 * the locker holds the lock until its server cancels (after `resolved`),
 * runs what the server asked (send `new_nodes` to the partition) and
 * releases the lock. A lock held by any other process (a registration, a
 * `trans`) makes it wait and try again, which is what makes a registration
 * atomic against a sync.
 */
import { type Atom, atom } from "../term/atom.js";
import { type Pid } from "../term/identifiers.js";
import { compare } from "../term/compare.js";
import { equals } from "../term/equals.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { EXIT, GEN_CAST, UNDEFINED } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { processFlag } from "../runtime/erlang.js";
import { _ } from "../runtime/pattern.js";
import { after, on, receive } from "../runtime/receive.js";
import { A, GLOBAL, GNS, isAtom, multiCall, theBoss } from "./global_calls.js";
import type { GlobalTable } from "./global_table.js";
import { hostname } from "node:os";

interface Him {
  node: Atom;
  locker: Pid;
  vsn: number;
  myTag: unknown;
  hisTag: unknown;
}

interface Multi {
  local: Him[];
  remote: Him[];
  known: Atom[];
  boss: Atom;
  justSynced: boolean;
}

const NOTHING = Symbol("nothing");

/** The locker's body; `known` is the server's known nodes when it starts. */
export function lockerBody(table: GlobalTable, known: Atom[]): () => Generator<unknown, void, unknown> {
  return function* theLocker() {
    processFlag("trap_exit", true);
    const me = current!.rt.nodeName;
    const s: Multi = { local: [], remote: [], known: [], boss: me, justSynced: false };
    updateKnown(s, "add", known);
    for (;;) {
      let m: unknown = yield* receive(on(_, (x) => x), after(0, () => NOTHING));
      if (m === NOTHING) {
        let timeout = Infinity;
        if (s.local.length > 0 || s.remote.length > 0) {
          timeout = s.justSynced ? 0 : s.known.length === 0 ? 200 : Math.min(1000 + 100 * s.known.length, 3000);
        }
        s.justSynced = false;
        m = yield* receive(on(_, (x) => x), after(timeout, () => NOTHING));
        if (m === NOTHING) {
          if (!table.isLockSet(GLOBAL)) yield* selectNode(table, s);
          continue;
        }
      }
      yield* lockerMessage(table, s, m);
    }
  };
}

function* lockerMessage(table: GlobalTable, s: Multi, m: unknown): Generator<unknown, void, unknown> {
  const rt = current!.rt;
  if (!(m instanceof Tuple)) return unexpected(m);
  const tag = m[0];
  if (tag === A.his_the_locker && m.length === 5) {
    const hisTheLocker = m[1] as Pid;
    const vsn = (m[2] as unknown[])[0] as number;
    addNode(s, { node: hisTheLocker.node, locker: hisTheLocker, vsn, hisTag: m[3], myTag: m[4] });
    return;
  }
  if (tag === A.cancel && m.length === 4 && m[3] === A.no_fun) {
    if (m[2] !== UNDEFINED) removeNode(s, m[1] as Atom, m[2]);
    return;
  }
  if (tag === A.lock_set && (m.length === 5 || m.length === 4)) {
    const pid = m[1] as Pid;
    if (m[2] !== true) return;
    const node = pid.node;
    const found = findNodeTag(s, node);
    if (found === undefined || (m.length === 5 && !equals(found.myTag, m[4]))) {
      if (found === undefined) sendLockSet(s, false, pid, 5, 0);
      return;
    }
    const myTag = found.myTag;
    const lockId = lockerLockId(pid);
    const isSet = yield* lockNodesSafely(table, lockId, [], s);
    sendLockSet(s, isSet, pid, found.vsn, found.hisTag);
    if (isSet) {
      const known2 = [rt.nodeName, ...s.known];
      rt.send(GNS, t(GEN_CAST, t(A.lock_is_set, node, myTag, lockId)));
      yield* waitCancelLock(node, lockId, myTag, known2);
      s.justSynced = true;
      removeNode(s, node, myTag);
    } else s.justSynced = false;
    return;
  }
  if (tag === A.add_to_known && m.length === 2) return updateKnown(s, "add", m[1] as Atom[]);
  if (tag === A.remove_from_known && m.length === 2) return updateKnown(s, "remove", [m[1] as Atom]);
  if (tag === EXIT) return;
  unexpected(m);
}

function unexpected(m: unknown): void {
  const rt = current!.rt;
  rt.logger({
    level: "warning",
    what: "global_unexpected_message",
    text: `The global_name_server locker process received an unexpected message:\n${inspect(m)}`,
    msg: m,
  });
}

function* selectNode(table: GlobalTable, s: Multi): Generator<unknown, void, unknown> {
  const rt = current!.rt;
  const useRemote = s.local.length === 0;
  const others = (useRemote ? s.remote : s.local).filter((h) => !s.known.includes(h.node));
  if (useRemote) s.remote = others;
  else s.local = others;
  if (others.length === 0) return;
  const him = others[Math.floor(Math.random() * others.length)]!;
  const lockId = lockerLockId(him.locker);
  const isSet = yield* lockNodesSafely(table, lockId, [him.node], s);
  if (!isSet) return;
  const known1 = [rt.nodeName, him.node, ...s.known];
  sendLockSet(s, true, him.locker, him.vsn, him.hisTag);
  yield* lockIsSet(s, him, known1, lockId);
}

/** Waits for the other locker's answer to our `lock_set`. */
function* lockIsSet(s: Multi, him: Him, known1: Atom[], lockId: unknown): Generator<unknown, void, unknown> {
  const rt = current!.rt;
  const node = him.node;
  for (;;) {
    const m = (yield* receive(
      on(
        (x: unknown) =>
          x instanceof Tuple &&
          ((x[0] === A.lock_set && (x.length === 5 || x.length === 4) && (x[1] as Pid)?.node === node) ||
            (x[0] === A.cancel && x.length === 4 && x[1] === node && equals(x[2], him.myTag))),
        (x) => x as Tuple,
      ),
    )) as unknown[];
    if (m[0] === A.cancel) {
      callFun(m[3]);
      yield* deleteGlobalLock(lockId, known1);
      removeNode(s, node, him.myTag);
      return;
    }
    if (m.length === 5 && !equals(m[4], him.myTag)) continue; // an answer to an earlier attempt
    if (m[2] === true) {
      rt.send(GNS, t(GEN_CAST, t(A.lock_is_set, node, him.myTag, lockId)));
      yield* waitCancelLock(node, lockId, him.myTag, known1);
      s.justSynced = true;
      s.local = s.local.filter((h) => h !== him);
      s.remote = s.remote.filter((h) => h !== him);
      return;
    }
    yield* deleteGlobalLock(lockId, known1);
    return;
  }
}

/** Holds the lock until the server cancels, then runs what it asked and releases the lock. */
function* waitCancelLock(node: Atom, lockId: unknown, myTag: unknown, known: Atom[]): Generator<unknown, void, unknown> {
  const m = (yield* receive(
    on((x: unknown) => x instanceof Tuple && x.length === 4 && x[0] === A.cancel && x[1] === node && equals(x[2], myTag), (x) => x as Tuple),
  )) as unknown[];
  callFun(m[3]);
  yield* deleteGlobalLock(lockId, known);
}

function callFun(f: unknown): void {
  if (typeof f === "function") (f as () => void)();
}

function sendLockSet(s: Multi, isSet: boolean, hisTheLocker: Pid, vsn: number, hisTag: unknown): void {
  const rt = current!.rt;
  const msg = vsn < 8 ? t(A.lock_set, current!, isSet, s.known) : t(A.lock_set, current!, isSet, s.known, hisTag);
  if (vsn < 6) rt.send(hisTheLocker, msg);
  else rt.send(t(GNS, hisTheLocker.node), t(GEN_CAST, msg));
}

/** `{global, lists:sort([MyLocker, HisLocker])}`: the same id on both sides. */
function lockerLockId(his: Pid): Tuple {
  const mine = current! as Pid;
  return t(GLOBAL, compare(mine, his) <= 0 ? [mine, his] : [his, mine]);
}

/** Locks the boss, then us and `extra`, then every known node; false (and nothing left locked) if any refuses. */
function* lockNodesSafely(table: GlobalTable, lockId: unknown, extra: Atom[], s: Multi): Generator<unknown, boolean, unknown> {
  const me = current!.rt.nodeName;
  const first = [s.boss].filter((n) => n !== NONODE);
  const id = lockId as unknown[];
  if (!(first.length === 1 && first[0] === me) && table.canSetLock(id[0], id[1], equals) === false) return false;
  if (!(yield* setLockOnce(table, lockId, first))) return false;
  yield* drainKnown(s);
  const second = [me, ...extra].filter((n) => !first.includes(n) && n !== NONODE);
  if (!(yield* setLockOnce(table, lockId, second))) {
    yield* delLock(lockId, first);
    return false;
  }
  if (!(yield* setLockOnce(table, lockId, s.known.filter((n) => !first.includes(n))))) {
    yield* delLock(lockId, [...first, ...second]);
    return false;
  }
  return true;
}

const NONODE = atom("nonode@nohost");

/** `global:set_lock(Id, Nodes, 0)`: one attempt. */
export function* setLockOnce(table: GlobalTable, id: unknown, nodes: Atom[]): Generator<unknown, boolean, unknown> {
  if (nodes.length === 0) return true;
  return yield* setLockOnNodes(table, id, nodes);
}

/** OTP's `set_lock_on_nodes`: every node says yes, or the yeses are taken back. */
export function* setLockOnNodes(table: GlobalTable, id: unknown, nodes: Atom[]): Generator<unknown, boolean, unknown> {
  if (nodes.length === 0) return true;
  const me = current!.rt.nodeName;
  const lid = id as unknown[];
  if (nodes.length > 1 && nodes.includes(me) && table.canSetLock(lid[0], lid[1], equals) === false) return false;
  const { replies } = yield* multiCall(nodes, t(A.set_lock, id));
  if (replies.every(([, r]) => r === true)) return true;
  if (replies.length > 1) {
    const yes = replies.filter(([, r]) => r === true).map(([n]) => n);
    yield* multiCall(yes, t(A.del_lock, id));
  }
  return false;
}

export function* delLock(id: unknown, nodes: Atom[]): Generator<unknown, void, unknown> {
  if (nodes.length > 0) yield* multiCall(nodes, t(A.del_lock, id));
}

/** Releases a lock everywhere, the boss last (it is taken first). */
export function* deleteGlobalLock(lockId: unknown, nodes: Atom[]): Generator<unknown, void, unknown> {
  const boss = theBoss(nodes);
  yield* delLock(
    lockId,
    nodes.filter((n) => n !== boss),
  );
  yield* delLock(lockId, [boss]);
}

function updateKnown(s: Multi, op: "add" | "remove", nodes: Atom[]): void {
  if (op === "add") s.known = [...nodes.filter(isAtom), ...s.known];
  else {
    const i = s.known.indexOf(nodes[0]!);
    if (i >= 0) s.known.splice(i, 1);
  }
  s.boss = theBoss([current!.rt.nodeName, ...s.known]);
}

/** Applies the `add_to_known` / `remove_from_known` already queued (OTP's `update_locker_known/1`). */
function* drainKnown(s: Multi): Generator<unknown, void, unknown> {
  for (;;) {
    const m = yield* receive(
      on(
        (x: unknown) => x instanceof Tuple && x.length === 2 && (x[0] === A.add_to_known || x[0] === A.remove_from_known),
        (x) => x as unknown[],
      ),
      after(0, () => undefined),
    );
    if (m === undefined) return;
    updateKnown(s, m[0] === A.add_to_known ? "add" : "remove", m[0] === A.add_to_known ? (m[1] as Atom[]) : [m[1] as Atom]);
  }
}

function findNodeTag(s: Multi, node: Atom): Him | undefined {
  return s.local.find((h) => h.node === node) ?? s.remote.find((h) => h.node === node);
}

function removeNode(s: Multi, node: Atom, tag: unknown): void {
  const drop = (l: Him[]) => {
    const i = l.findIndex((h) => h.node === node && equals(h.myTag, tag));
    if (i >= 0) l.splice(i, 1);
  };
  drop(s.local);
  drop(s.remote);
}

function addNode(s: Multi, him: Him): void {
  if (isLocalHost(him.node)) s.local.unshift(him);
  else s.remote.unshift(him);
}

const host = hostname().split(".")[0];

function isLocalHost(node: Atom): boolean {
  const parts = node.name.split("@");
  return parts.length === 2 && parts[1] === host;
}

