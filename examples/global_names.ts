/**
 * Global names (docs/cluster_global.md): this node serves the seed's
 * KeyValueStore under the cluster-wide name `kv`, reaches a process an
 * Elixir node registered globally, and takes a cluster-wide lock.
 *
 *     iex --sname iex@localhost --cookie secret
 *     iex> GenServer.call({:global, :kv}, {:get, :foo})
 */
import { type Atom, GenServer, atom, global, makeRef, node, startNode, t } from "../src/index.js";
import { KeyValueStoreServer } from "./key_value_store.js";

// #region start
/** Makes this program a visible node and starts the store registered as `{global, kv}` in the whole cluster. */
export async function startGlobalKv(opts: { name?: string; epmdPort?: number } = {}): Promise<Atom> {
  const me = await startNode({ name: opts.name ?? "agner@localhost", cookie: "secret", hidden: false, epmdPort: opts.epmdPort });
  await GenServer.start(new KeyValueStoreServer(), new Map(), { name: global.name(atom("kv")) });
  return me;
}
// #endregion start

// #region greet
/** Sends `{hello_from, ThisNode}` to the process registered globally as `name`, wherever it runs. */
export async function greet(name: string): Promise<void> {
  await global.sync(); // names registered on nodes that just joined are here after the sync
  global.send(atom(name), t(atom("hello_from"), node()));
}
// #endregion greet

// #region lock
/** Runs `fn` while holding the cluster-wide lock on `resource` (a BEAM process's `:global.trans` on it waits). */
export function withLock<R>(resource: string, fn: () => R) {
  // The requester id tells lock holders apart: a fresh reference makes this call exclusive.
  return global.trans([atom(resource), makeRef()], fn);
}
// #endregion lock
