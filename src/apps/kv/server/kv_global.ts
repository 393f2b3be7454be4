/**
 * The seed's `kv` under a cluster-wide name while this server is a
 * primary: `GenServer.call({:global, :kv}, {:get, "foo"})` from any node of
 * the cluster reaches the primary, wherever it runs, and keeps working
 * across a failover (issue 16). A replica never holds the name.
 *
 * A reconciler rather than hooks: once a second (and at once when told,
 * {@link KV_GLOBAL_CHECK}: REPLICAOF sends it) it compares what should be
 * (this server a primary, its `kv` process alive, distribution up, the
 * `kv-global-name` directive not empty) with `global`'s table, and
 * registers or unregisters. So every path ends right: a promotion, a
 * demotion, a restarted `kv` process (global drops the name of a dead
 * process; the next check registers the new one), an old primary that
 * comes back while the promoted replica holds the name (its registration
 * is refused: `global` keeps the first, and Sentinel makes it a replica).
 * One registration or unregistration at a time.
 */
import { type Atom, atom } from "../../../term/atom.js";
import { type Pid } from "../../../term/identifiers.js";
import { current } from "../../../runtime/current.js";
import { sendAfter } from "../../../runtime/erlang.js";
import { GenServer, type NoReply, noreply, ok } from "../../../otp/gen_server.js";
// The cluster services through the public API (DESIGN.md §2: apps/kv sits above distribution).
import { distInfo, global } from "../../../index.js";
import { type KvInstance } from "./instance.js";

/** Check now (sent by REPLICAOF after a role change). */
export const KV_GLOBAL_CHECK = atom("check");
const TICK = atom("tick");
const CHECK_MS = 1000;

class Done {
  constructor(readonly error: unknown) {}
}

class State {
  busy = false;
  readonly same: NoReply<State>;
  constructor(readonly inst: KvInstance) {
    this.same = noreply(this);
  }
}

/** What the name should point at now: this server's `kv` process, or undefined (no name held). */
export function wantedHolder(inst: KvInstance): Pid | undefined {
  if (inst.repl.primary !== null || distInfo() === undefined || inst.config.get("kv-global-name") === "") return undefined;
  return current!.rt.whereis(inst.names.kv);
}

export class KvGlobal extends GenServer<State, never, never, unknown, KvInstance> {
  init(inst: KvInstance) {
    const s = new State(inst);
    current!.rt.deliver(current!, KV_GLOBAL_CHECK);
    sendAfter(CHECK_MS, current!, TICK);
    return ok(s);
  }

  override handleInfo(msg: unknown, s: State) {
    if (msg instanceof Done) {
      s.busy = false;
      if (msg.error !== null) current!.rt.logger({ level: "warning", what: "kv_global", text: `kv's global name: ${String(msg.error)}` });
      return s.same;
    }
    if (msg === TICK) sendAfter(CHECK_MS, current!, TICK);
    else if (msg !== KV_GLOBAL_CHECK) return s.same;
    if (!s.busy) this.reconcile(s);
    return s.same;
  }

  private reconcile(s: State): void {
    const inst = s.inst;
    const self = current!;
    if (distInfo() === undefined) return;
    const name: Atom = atom(inst.config.get("kv-global-name") || "kv");
    const want = wantedHolder(inst);
    const holder = global.whereisName(name);
    let op: PromiseLike<unknown> | null = null;
    if (want !== undefined && holder === undefined) op = global.registerName(name, want);
    // Only our own registration is ours to drop: a name held by another node's kv stays.
    else if (want === undefined && holder !== undefined && holder.node === self.node) op = global.unregisterName(name);
    if (op === null) return;
    s.busy = true;
    op.then(
      () => self.rt.deliver(self, new Done(null)),
      (e: unknown) => self.rt.deliver(self, new Done(e)),
    );
  }
}
