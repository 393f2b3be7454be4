/**
 * The registrar of `global`: runs every registration of this node, one at a
 * time, under the lock `{global, Registrar}` taken on every known node (the
 * boss first), so a name is inserted everywhere while no sync and no other
 * registration can interleave (OTP's `trans_all_known`).
 */
import { type Atom } from "../term/atom.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { EXIT } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { _ } from "../runtime/pattern.js";
import { on, receive } from "../runtime/receive.js";
import { type From, call, reply } from "../otp/gen.js";
import { A, GLOBAL, GNS, randomSleep, theBoss } from "./global_calls.js";
import { deleteGlobalLock, delLock, setLockOnNodes } from "./global_locker.js";
import { globalTable } from "./global_server.js";

/** What a registration runs once the nodes are locked: given them, it answers the caller. */
export type RegistrarFn = (nodes: Atom[]) => Generator<unknown, unknown, unknown>;

export function registrarBody(): () => Generator<unknown, void, unknown> {
  return function* registrar() {
    for (;;) {
      const m = yield* receive(on(_, (x) => x));
      if (m instanceof Tuple && m.length === 3 && m[0] === A.trans_all_known && typeof m[1] === "function") {
        reply(m[2] as From, yield* transAllKnown(m[1] as RegistrarFn));
      } else if (!(m instanceof Tuple && m[0] === EXIT)) {
        current!.rt.logger({ level: "warning", what: "global_unexpected_message", text: `The global_name_server registrar process received an unexpected message:\n${inspect(m)}` });
      }
    }
  };
}

function* transAllKnown(fn: RegistrarFn): Generator<unknown, unknown, unknown> {
  const id = t(GLOBAL, current!);
  const nodes = yield* setLockKnown(id);
  try {
    return yield* fn(nodes);
  } finally {
    yield* deleteGlobalLock(id, nodes);
  }
}

/** Locks the boss, then every known node; again (after a random sleep) if refused or if a node joined meanwhile. */
export function* setLockKnown(id: Tuple): Generator<unknown, Atom[], unknown> {
  const rt = current!.rt;
  const table = globalTable(rt)!;
  for (let times = 0; ; times++) {
    const known = (yield* call(GNS, A.get_known, Infinity)) as Atom[];
    const nodes = [rt.nodeName, ...known];
    const boss = theBoss(nodes);
    if (yield* setLockOnNodes(table, id, [boss])) {
      if (yield* setLockOnNodes(table, id, nodes)) {
        const now = (yield* call(GNS, A.get_known, Infinity)) as Atom[];
        if (now.every((n) => known.includes(n))) return nodes;
      }
      yield* delLock(id, [boss]);
    }
    yield* randomSleep(times);
  }
}
