/**
 * The per-node bookkeeping of a sync in progress (what OTP's name server
 * keeps in its process dictionary), and the name resolution that runs in a
 * resolver process once both partitions are locked.
 */
import { type Atom, atom } from "../term/atom.js";
import { type Pid } from "../term/identifiers.js";
import { equals } from "../term/equals.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { GEN_CAST } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { on, receive } from "../runtime/receive.js";
import { rpcCall } from "./global_rpc.js";
import { A, GLOBAL, GNS, nodeLess } from "./global_calls.js";
import { resolveIt } from "./global_resolve.js";
import type { GlobalTable } from "./global_table.js";

/** OTP's `{wait_lock, Node}`, `{save_ops, Node}`, `{pre_connect, Node}`, `{prot_vsn, Node}`, `{sync_tag_my/his, Node}`, `{lock_id, Node}`. */
export interface NodeSync {
  waitLock?: { lockIsSet: true } | { exchange: unknown[] };
  saveOps?: { ops: unknown[] } | { resolved: { hisKnown: unknown[]; namesExt: unknown; hisResolved: unknown[] } };
  preConnect?: { vsn: number; initMsg: unknown; hisTag: unknown };
  protVsn?: number;
  tagMy?: number;
  tagHis?: unknown;
  lockId?: unknown;
}

/**
 * A resolver: waits for `{resolve, NameList, Node}` (the other side's
 * names, once the lock is set), compares them with this node's table and
 * tells the server what to do here (`Ops`) and what the other side must do
 * (`Resolved`). On a clash the lower-named node of the two resolves: it asks
 * the node of its own process to run the name's resolve method.
 */
export function resolverBody(table: GlobalTable, node: Atom, tag: number): () => Generator<unknown, void, unknown> {
  return function* resolver() {
    const rt = current!.rt;
    let names: unknown[];
    for (;;) {
      const m = (yield* receive(on((x: unknown) => x, (x) => x))) as unknown;
      if (m instanceof Tuple && m.length === 3 && m[0] === A.resolve && m[2] === node && Array.isArray(m[1]) && !(m[1] instanceof Tuple)) {
        names = m[1] as unknown[];
        break;
      }
    }
    const { ops, res } = yield* exchangeNames(table, names, node);
    rt.send(GNS, t(GEN_CAST, t(A.exchange_ops, node, tag, ops, res)));
  };
}

function* exchangeNames(table: GlobalTable, names: unknown[], node: Atom): Generator<unknown, { ops: unknown[]; res: unknown[] }, unknown> {
  const rt = current!.rt;
  let ops: unknown[] = [];
  let res: unknown[] = [];
  for (const entry of names) {
    if (!(entry instanceof Tuple) || entry.length !== 3) continue;
    const [name, pid, method] = [entry[0], entry[1] as Pid, entry[2]];
    const mine = table.names.get(name);
    if (mine === undefined) {
      ops = [t(A.insert, t(name, pid, method)), ...ops];
      continue;
    }
    if (equals(mine.pid, pid) || !nodeLess(rt.nodeName, node)) continue;
    const pid2 = mine.pid;
    const method2 = mine.method;
    const node2 = pid2.node;
    const r = node2 === rt.nodeName ? resolveIt(method2, name, pid, pid2) : yield* rpcCall(node2, GLOBAL, A.resolve_it, [method2, name, pid, pid2]);
    if (equals(r, pid)) ops = [t(A.insert, t(name, pid, method)), ...ops];
    else if (equals(r, pid2)) res = [t(A.insert, t(name, pid2, method2)), ...res];
    else if (r === A.none) {
      ops = [t(A.delete, name), ...ops];
      res = [t(A.delete, name), ...res];
    } else if (r instanceof Tuple && r.length === 2 && r[0] === BADRPC) {
      rt.logger({ level: "info", what: "global_badrpc", text: `global: badrpc ${inspect(r[1])} received when conflicting name ${inspect(name)} was found` });
      ops = [t(A.insert, t(name, pid, method)), ...ops];
    } else {
      rt.logger({ level: "info", what: "global_resolve_failed", text: `global: Resolve method ${inspect(method)} for conflicting name ${inspect(name)} returned ${inspect(r)}` });
      ops = [t(A.delete, name), ...ops];
      res = [t(A.delete, name), ...res];
    }
  }
  return { ops, res };
}

const BADRPC = atom("badrpc");
