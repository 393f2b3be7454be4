/**
 * The seed's KeyValueStore as a distributed application
 * (docs/cluster.md, "Distributed applications"): configured on three nodes with a priority
 * list, it runs on one of them under the cluster-wide name `{global, kv}`;
 * when that node dies, the next one starts it (`{failover, Node}`); when a
 * node of higher priority comes back, it takes it over (`{takeover, Node}`)
 * and copies the data of the running instance before that one stops.
 *
 *     iex> GenServer.call({:global, :kv}, {:get, :foo})   # wherever it runs
 */
import {
  type Atom,
  type From,
  type Pid,
  type StartType,
  Application,
  GenServer,
  Tuple,
  atom,
  call,
  distAc,
  global,
  reply,
  startNode,
  t,
} from "../src/index.js";
import { KeyValueStoreServer } from "./key_value_store.js";

const KV = atom("kv");
const DUMP = atom("dump");

/** The store, plus `dump` (every entry) for a takeover to copy. */
class DistributedKvServer extends KeyValueStoreServer {
  override handleCall(req: never, from: From, state: Map<unknown, unknown>) {
    if ((req as unknown) === DUMP) return reply([...state].map(([k, v]) => t(k, v)), state) as never;
    return super.handleCall(req, from, state);
  }
}

// #region app
/** The application: its start gets the start type; on a takeover it copies the running instance's data. */
export function defineKvApp(onStart?: (type: StartType) => void): void {
  Application.define({
    name: "kv",
    *start(_env, type: StartType) {
      onStart?.(type);
      let data = new Map<unknown, unknown>();
      if (type !== "normal" && "takeover" in type) {
        // The old instance still runs (it stops once this start returns): copy its data.
        yield* global.sync(); // this node may have just joined: learn the cluster's names first
        const entries = (yield* call(global.name(KV), DUMP)) as Tuple[];
        data = new Map(entries.map(([k, v]) => [k, v]));
      }
      // After a failover the data is gone with the node (replicate what must survive).
      const pid: Pid = yield* GenServer.startLink(new DistributedKvServer(), data);
      // The name moves to this instance (during a takeover the old one still holds it).
      yield* global.reRegisterName(KV, pid);
      return pid;
    },
  });
}
// #endregion app

// #region node
/**
 * Starts this node and the `kv` application on it. `priority` is kernel's
 * `distributed` list for `kv`: `["a@host", ["b@host", "c@host"]]` runs it on
 * a, else on whichever of b and c runs fewer applications.
 */
export async function startKvNode(name: string, priority: (string | string[])[], opts: { cookie?: string; epmdPort?: number } = {}): Promise<Atom> {
  const me = await startNode({ name, cookie: opts.cookie ?? "secret", hidden: false, epmdPort: opts.epmdPort });
  const others = priority.flat().filter((n) => n !== me.name);
  await distAc.start({
    distributed: [{ app: "kv", nodes: priority }],
    // Wait up to 5 s for the other nodes, so that the first start sees the whole cluster.
    syncNodesOptional: others,
    syncNodesTimeout: 5000,
  });
  defineKvApp();
  await Application.start("kv"); // here, or on a node of higher priority (then this one stands by)
  return me;
}
// #endregion node

// #region client
/** A call to the store wherever it runs (retried while it fails over). */
export async function kvGet(key: unknown, retries = 50): Promise<unknown> {
  for (let i = 0; ; i++) {
    try {
      return await call(global.name(KV), t(atom("get"), key));
    } catch (e) {
      if (i >= retries) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
// #endregion client
