/**
 * The seed article's examples ("Understanding Elixir OTP Applications —
 * Part 1, Distribution"), in TypeScript, as close to the Elixir as the
 * language allows. Run: `npm run example`.
 *
 *     parent = self()
 *     spawn fn -> send(parent, {:ok, self()}) end
 *     Process.info(parent, :messages)
 */
import {
  type Atom,
  type Pid,
  type Tup,
  _,
  atom,
  inspect,
  isPid,
  on,
  processInfo,
  receive,
  register,
  run,
  self,
  send,
  sleep,
  spawn,
  spawnLink,
  t,
} from "../src/index.js";
import { KeyValueStore } from "./key_value_store.js";

const ok = atom("ok");

/** (1) A child sends `{ok, self()}` to its parent; `Process.info(parent, :messages)` shows it. */
export function messagesExample(): Promise<string> {
  return run(function* () {
    const parent = self();
    spawn(() => send(parent, t(ok, self())));
    yield* sleep(1); // in iex the child runs while you type the next line
    return inspect(t(atom("messages"), processInfo(parent, "messages")));
  });
}

/** (2) The parent receives it with a pattern, with a catch-all clause. */
export function receiveExample(): Promise<string> {
  return run(function* () {
    const parent = self();
    spawn(() => send(parent, t(ok, self())));
    return yield* receive(
      on([ok, isPid], ([, pid]) => `Got ok from ${inspect(pid)}`),
      on(_, () => "Unknown message type"),
    );
  });
}

/** (3) The Bot: a linked process that loops, answering `{help, caller}` and `{date_today, caller}`. */
export const Bot = {
  startLink(): Tup<[Atom<"ok">, Pid]> {
    return t(ok, spawnLink(botLoop));
  },
};

const help = atom("help");
const dateToday = atom("date_today");

function* botLoop(): Generator<unknown, never, unknown> {
  for (;;) {
    yield* receive(
      on([help, isPid], ([, caller]) => send(caller, "You can ask me what today's date is by passing :date_today")),
      on([dateToday, isPid], ([, caller]) => send(caller, `Today's date is ${new Date().toISOString().slice(0, 10)}`)),
    );
  }
}

/** Talks to the Bot the way the article does in iex, returning what came back. */
export function botExample(): Promise<string[]> {
  return run(function* () {
    const [, pid] = Bot.startLink();
    const replies: string[] = [];
    send(pid, t(help, self()));
    replies.push(yield* receive((m: unknown): m is string => typeof m === "string"));
    send(pid, t(dateToday, self()));
    replies.push(yield* receive((m: unknown): m is string => typeof m === "string"));
    return replies;
  });
}

/** (4) The KeyValueStore, registered as `primary_store` and used by name. */
export async function keyValueStoreExample(): Promise<string[]> {
  const pid = await KeyValueStore.start();
  register("primary_store", pid);
  const out: string[] = [];
  out.push(inspect(KeyValueStore.set("primary_store", atom("foo"), atom("bar"))));
  out.push(inspect(await KeyValueStore.get("primary_store", atom("foo"))));
  out.push(inspect(KeyValueStore.delete("primary_store", atom("foo"))));
  out.push(inspect(await KeyValueStore.get("primary_store", atom("foo"))));
  return out;
}

async function main(): Promise<void> {
  console.log("iex> parent = self(); spawn fn -> send(parent, {:ok, self()}) end; Process.info(parent, :messages)");
  console.log(await messagesExample());
  console.log("\niex> receive do {:ok, pid} -> \"Got ok from #{inspect pid}\"; _ -> \"Unknown message type\" end");
  console.log(await receiveExample());
  console.log("\niex> {:ok, pid} = Bot.start_link; send pid, {:help, self()}; send pid, {:date_today, self()}");
  for (const r of await botExample()) console.log(JSON.stringify(r));
  console.log("\niex> {:ok, pid} = KeyValueStore.start; Process.register(pid, :primary_store)");
  console.log("iex> :primary_store |> KeyValueStore.set(:foo, :bar); ... get(:foo); ... delete(:foo); ... get(:foo)");
  for (const r of await keyValueStoreExample()) console.log(r);
  // The Bot is linked to the run() process, which has ended: stop the runtime so Node exits.
  const { runtime } = await import("../src/index.js");
  runtime().shutdown();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
