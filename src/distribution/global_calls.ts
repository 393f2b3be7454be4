/**
 * What the processes of `global` share: the wire atoms, `gen_server:multi_call`
 * to the name servers of several nodes (sent from the calling process, whose
 * pid is what a lock or a registration is recorded for), and OTP's random
 * back-off between lock attempts.
 */
import { Atom, atom } from "../term/atom.js";
import { type Ref } from "../term/identifiers.js";
import { compare } from "../term/compare.js";
import { equals } from "../term/equals.js";
import { Tuple, t } from "../term/tuple.js";
import { DOWN, GEN_CALL } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { demonitor, monitor } from "../runtime/erlang.js";
import { on, receive, sleep } from "../runtime/receive.js";

export const GNS = atom("global_name_server");
export const GLOBAL = atom("global");
export const NO_LONGER_A_PID = atom("no_longer_a_pid");
export const A = {
  init_connect: atom("init_connect"),
  init_connect_ack: atom("init_connect_ack"),
  cancel_connect: atom("cancel_connect"),
  locker: atom("locker"),
  lock_is_set: atom("lock_is_set"),
  lock_set: atom("lock_set"),
  exchange: atom("exchange"),
  exchange_ops: atom("exchange_ops"),
  resolved: atom("resolved"),
  new_nodes: atom("new_nodes"),
  in_sync: atom("in_sync"),
  his_the_locker: atom("his_the_locker"),
  cancel: atom("cancel"),
  add_to_known: atom("add_to_known"),
  remove_from_known: atom("remove_from_known"),
  resolve: atom("resolve"),
  insert: atom("insert"),
  delete: atom("delete"),
  register: atom("register"),
  register_ext: atom("register_ext"),
  unregister: atom("unregister"),
  registrar: atom("registrar"),
  set_lock: atom("set_lock"),
  del_lock: atom("del_lock"),
  get_known: atom("get_known"),
  get_synced: atom("get_synced"),
  sync: atom("sync"),
  synced: atom("synced"),
  get_protocol_version: atom("get_protocol_version"),
  get_names_ext: atom("get_names_ext"),
  info: atom("info"),
  disconnect: atom("disconnect"),
  stop: atom("stop"),
  trans_all_known: atom("trans_all_known"),
  lost_connection: atom("lost_connection"),
  remove_connection: atom("remove_connection"),
  whereis: atom("whereis"),
  async_del_name: atom("async_del_name"),
  async_del_lock: atom("async_del_lock"),
  prepare_shutdown: atom("prepare_shutdown"),
  pending: atom("pending"),
  removing: atom("removing"),
  connection_id: atom("connection_id"),
  vsn: atom("vsn"),
  lock: atom("lock"),
  unused: atom("unused"),
  no_fun: atom("no_fun"),
  yes: atom("yes"),
  no: atom("no"),
  ok: atom("ok"),
  none: atom("none"),
  nodedown: atom("nodedown"),
  nodeup: atom("nodeup"),
  global_name_conflict: atom("global_name_conflict"),
  random_exit_name: atom("random_exit_name"),
  random_notify_name: atom("random_notify_name"),
  notify_all_name: atom("notify_all_name"),
  resolve_it: atom("resolve_it"),
  kill: atom("kill"),
} as const;

/** The protocol version this name server speaks (OTP 25's). */
export const VSN = 8;

/** `gen_server:multi_call(Nodes, global_name_server, Req)`: replies by node, and the nodes that did not answer. */
export interface MultiResult {
  replies: [Atom, unknown][];
  bad: Atom[];
}

/**
 * Calls the name server of every node in `nodes` at once and waits for all
 * (no timeout, as global's calls): a node whose server is missing or that
 * goes down counts as bad. Must run in the process the requests are from.
 */
export function* multiCall(nodes: readonly Atom[], req: unknown): Generator<unknown, MultiResult, unknown> {
  const self = current!;
  const rt = self.rt;
  const tag = rt.makeRef();
  const waiting = new Map<Atom, Ref>();
  const byRef = new Map<Ref, Atom>();
  for (const node of nodes) {
    if (waiting.has(node)) continue;
    const dest = t(GNS, node);
    const mref = monitor(dest);
    waiting.set(node, mref);
    byRef.set(mref, node);
    try {
      rt.send(dest, t(GEN_CALL, t(self, t(tag, node)), req));
    } catch {
      // not a node any more: the monitor says noconnection
    }
  }
  const out: MultiResult = { replies: [], bad: [] };
  while (waiting.size > 0) {
    const m = (yield* receive(
      on(
        (x: unknown) =>
          x instanceof Tuple &&
          ((x.length === 2 && x[0] instanceof Tuple && x[0].length === 2 && equals(x[0][0], tag) && waiting.has(x[0][1] as Atom)) ||
            (x.length === 5 && x[0] === DOWN && byRef.has(x[1] as Ref))),
        (x) => x as Tuple,
      ),
    )) as unknown[];
    if (m.length === 2) {
      const node = (m[0] as unknown[])[1] as Atom;
      demonitor(waiting.get(node)!, { flush: true });
      waiting.delete(node);
      out.replies.push([node, m[1]]);
    } else {
      const node = byRef.get(m[1] as Ref)!;
      byRef.delete(m[1] as Ref);
      if (waiting.get(node) === m[1]) {
        waiting.delete(node);
        out.bad.push(node);
      }
    }
  }
  return out;
}

/** OTP's `random_sleep(Times)`: up to 1/8 s doubled each time, at most 8 s. */
export function* randomSleep(times: number): Generator<unknown, void, unknown> {
  const tmax = times > 5 ? 8000 : ((1 << times) * 1000) >> 3;
  const ms = 1 + Math.floor(Math.random() * tmax);
  yield* sleep(ms);
}

/** OTP's `the_boss`: the greatest node name. */
export function theBoss(nodes: readonly Atom[]): Atom {
  let best = nodes[0]!;
  for (const n of nodes) if (compare(n, best) > 0) best = n;
  return best;
}

/** Term order of atoms (node names). */
export function nodeLess(a: Atom, b: Atom): boolean {
  return compare(a, b) < 0;
}

export function isAtom(x: unknown): x is Atom {
  return x instanceof Atom;
}
