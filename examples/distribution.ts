/**
 * Joining an Erlang cluster (docs/distribution.md): this program becomes a
 * node, serves the seed article's KeyValueStore to Elixir as
 * `{:primary_store, :"agner@localhost"}`, offers a function to `:rpc.call`,
 * and uses a GenServer and a function of an Elixir node.
 *
 *     iex --sname iex@localhost --cookie secret
 *     iex> GenServer.call({:primary_store, :"agner@localhost"}, {:get, :foo})
 */
import {
  type Atom,
  atom,
  call,
  cast,
  connect,
  monitorNode,
  on,
  receive,
  register,
  rpc,
  run,
  startNode,
  t,
} from "../src/index.js";
import { KeyValueStore } from "./key_value_store.js";

// #region start
/**
 * Makes this program the node `agner@localhost`, runs the article's store
 * registered as `primary_store`, and offers `greeter:hello/1` to other nodes.
 */
export async function startAgner(cookie: string, opts: { name?: string; epmdPort?: number } = {}): Promise<Atom> {
  const me = await startNode({ name: opts.name ?? "agner@localhost", cookie, hidden: false, epmdPort: opts.epmdPort });
  register("primary_store", await KeyValueStore.start());
  // An Elixir string arrives as a binary (a Uint8Array); a JS string goes back as one.
  rpc.export("greeter", "hello", (who: Uint8Array) => `hello, ${new TextDecoder().decode(who)}`);
  return me;
}
// #endregion start

// #region use_elixir
/** Uses the Elixir node: a cast and a call to its `Counter` server, and a function through rpc. */
export async function useElixir(iex: Atom): Promise<{ count: unknown; upcased: unknown }> {
  if (!(await connect(iex))) throw new Error(`cannot reach ${iex.name}`);
  const counter = t(atom("counter"), iex); // {:counter, :"iex@localhost"}
  cast(counter, atom("inc"));
  const count = await call(counter, atom("count")); // 1
  const upcased = await rpc.call(iex, "Elixir.String", "upcase", ["agner"]); // "AGNER" (a binary)
  return { count, upcased };
}
// #endregion use_elixir

// #region watch
/** Resolves when the connection to `node` goes down (it stopped, or it is unreachable). */
export function whenDown(node: Atom): Promise<unknown> {
  return run(function* () {
    monitorNode(node);
    return yield* receive(on([atom("nodedown"), node], (m) => m[1]));
  });
}
// #endregion watch
