/**
 * Clusters (docs/cluster.md): this program becomes a visible node of a
 * cluster, connects to a member, watches nodes come and go with the reason
 * they went, and shortens the time a silent node takes to be declared down.
 *
 *     iex --sname iex@localhost --cookie secret
 *     iex> :net_kernel.monitor_nodes(true, [:nodedown_reason, {:node_type, :all}])
 */
import { type Atom, type Pid, _, connect, monitorNodes, nodes, on, receive, setNetTicktime, spawn, startNode } from "../src/index.js";

// #region join
/**
 * Makes this program the visible node `agner@localhost` and connects it to
 * `member`, a node of the cluster (Erlang, Elixir or Agner). Resolves with
 * the nodes it is connected to.
 */
export async function joinCluster(member: string, cookie: string, opts: { name?: string; epmdPort?: number } = {}): Promise<Atom[]> {
  await startNode({ name: opts.name ?? "agner@localhost", cookie, hidden: false, epmdPort: opts.epmdPort });
  if (!(await connect(member))) throw new Error(`${member} is not reachable (is it up, with the cookie ${cookie}?)`);
  return nodes(); // [atom('iex@localhost')]
}
// #endregion join

// #region watch
/**
 * Calls `onEvent` with every node event, visible and hidden nodes alike:
 * `{nodeup, Node, [{node_type, visible}]}` and
 * `{nodedown, Node, [{nodedown_reason, Reason}, {node_type, visible}]}`.
 */
export function watchNodes(onEvent: (event: unknown) => void): Pid {
  return spawn(function* () {
    monitorNodes(true, { nodeType: "all", nodedownReason: true });
    for (;;) onEvent(yield* receive(on(_, (m) => m)));
  });
}
// #endregion watch

// #region ticktime
/**
 * A node silent for about 10 s is down (instead of 60), once the change is
 * through: `change_initiated` now, `getNetTicktime()` is 10 after the
 * transition period (here 0 s). Set the same on every node of the cluster.
 */
export function detectFailuresFaster(): unknown {
  return setNetTicktime(10, 0);
}
// #endregion ticktime
