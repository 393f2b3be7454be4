/**
 * The seed article promises fault tolerance through supervisors: the
 * KeyValueStore under a Supervisor, registered by name. Kill the store and
 * the supervisor starts a fresh one under the same name; its clients go on
 * calling it by name. (Its in-memory data starts over: persistence is the
 * KV server's job.)
 */
import { type Pid, GenServer, Supervisor, atom, exit, inspect, whereis } from "../src/index.js";
import { KeyValueStore, KeyValueStoreServer } from "./key_value_store.js";

// #region supervised
/** Starts the store under a one_for_one supervisor, registered as `primary_store`. */
export function startSupervisedStore() {
  return Supervisor.start(
    [
      {
        id: "primary_store",
        start: () => GenServer.startLink(new KeyValueStoreServer(), new Map(), { name: "primary_store" }).result(),
      },
    ],
    { strategy: "one_for_one", intensity: 3, period: 5 },
  );
}
// #endregion supervised

/** Sets a key, kills the store, and shows the restarted one answering by name. */
export async function supervisionExample(): Promise<string[]> {
  const out: string[] = [];
  const sup: Pid = await startSupervisedStore();
  const first = whereis("primary_store")!;
  KeyValueStore.set("primary_store", atom("foo"), atom("bar"));
  out.push(`foo = ${inspect(await KeyValueStore.get("primary_store", atom("foo")))}`);
  exit(first, atom("kill"));
  await new Promise((r) => setImmediate(r));
  const second = whereis("primary_store");
  out.push(second !== undefined && second !== first ? "restarted under the same name" : "not restarted");
  out.push(`foo = ${inspect(await KeyValueStore.get("primary_store", atom("foo")))}`);
  await Supervisor.stop(sup);
  return out;
}
