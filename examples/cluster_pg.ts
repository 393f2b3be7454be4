/**
 * Process groups with Elixir (docs/cluster.md, "Process groups"): this
 * program's workers and iex's share the pg group `workers`, and a topic of
 * the PubSub `MyApp.PubSub` has subscribers on both nodes.
 */
import { type Atom, type Pid, _, atom, node, on, pg, pubsub, receive, run, spawn, startNode, t } from "../src/index.js";

// #region start
/** Makes this program a visible node with the default scope `pg` and the PubSub `MyApp.PubSub`. */
export async function startGroups(cookie: string, opts: { name?: string; epmdPort?: number } = {}): Promise<Atom> {
  const me = await startNode({ name: opts.name ?? "agner@localhost", cookie, hidden: false, epmdPort: opts.epmdPort });
  await pg.start(); // the scope `pg`, as `-kernel start_pg true` or `:pg.start(:pg)`
  await pubsub.start("Elixir.MyApp.PubSub"); // MyApp.PubSub, on Phoenix.PubSub's scope and wire
  return me;
}
// #endregion start

// #region workers
/** Starts a worker here and joins it to `workers`, a group iex sees as `:workers`. */
export function joinWorker(): Promise<Pid> {
  return run(function* () {
    const worker = spawn(() => receive(on(_, () => undefined)));
    yield* pg.join(atom("workers"), worker);
    return worker;
  });
}

/** The nodes the members of `workers` run on (every node's members, read locally). */
export function workerNodes(): string[] {
  return pg.getMembers(atom("workers")).map((p) => node(p).name);
}
// #endregion workers

// #region pubsub
/** A process subscribed to "room:1" that keeps the texts of `{new_msg, Text}` messages. */
export function subscribeRoom(): string[] {
  const texts: string[] = [];
  spawn(function* () {
    pubsub.subscribe("Elixir.MyApp.PubSub", "room:1");
    for (;;) {
      const text = yield* receive(on([atom("new_msg"), _], (m) => m[1]));
      texts.push(typeof text === "string" ? text : new TextDecoder().decode(text as Uint8Array));
    }
  });
  return texts;
}

/** To every subscriber of "room:1", on every node: one message per other node. */
export function sayHello(): void {
  pubsub.broadcast("Elixir.MyApp.PubSub", "room:1", t(atom("new_msg"), "hello from agner"));
}
// #endregion pubsub

// #region monitor
/** Waits (in a process) for the next member to join `workers`, with pg's monitor (OTP 25.1's `pg:monitor/1`). */
export function nextJoin(): Promise<Pid[]> {
  return run(function* () {
    const { ref } = yield* pg.monitor(atom("workers"));
    const pids = yield* receive(on([ref, atom("join"), _, _], (m) => m[3] as Pid[]));
    yield* pg.demonitor(ref);
    return pids;
  });
}
// #endregion monitor
