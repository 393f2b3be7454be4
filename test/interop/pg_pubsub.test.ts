/**
 * The Phoenix.PubSub pattern across Agner and a real Elixir node.
 * phoenix_pubsub is not installed, so the Elixir side is a small module
 * doing what its PG2 adapter does: a forwarder per node registered as
 * `<Name>.Adapter` and joined to that pg group in the scope
 * `Phoenix.PubSub`; a broadcast dispatches locally (a duplicate-key
 * Registry) and sends one `{:forward_to_local, Topic, Msg, Phoenix.PubSub}`
 * to each other node's forwarder. An Elixir broadcast reaches Agner's
 * subscribers, an Agner broadcast Elixir's, with one message per node.
 */
import assert from "node:assert/strict";
import { after as afterAll, describe, test } from "node:test";
import { type Pid, Runtime, _, atom, connect, equals, exit, on, receive, setDefaultRuntime, silentLogger, spawn, startNode, stopNode, t } from "../../src/index.js";
import { pg } from "../../src/distribution/pg.js";
import { PUBSUB_SCOPE, pubsub } from "../../src/distribution/pg_pubsub.js";
import { type ElixirNode, needsElixir, startElixir } from "../support/elixir_node.js";
import { freePort, uniqueName } from "../support/dist.js";

/** What Phoenix.PubSub.PG2 does, in a few lines (subscribers in a Registry, a forwarder per node). */
const MINI_PUBSUB = `
defmodule MiniPubSub do
  def start(name) do
    case :pg.start(Phoenix.PubSub) do
      {:ok, _} -> :ok
      {:error, {:already_started, _}} -> :ok
    end
    {:ok, _} = Registry.start_link(keys: :duplicate, name: name)
    adapter = Module.concat(name, "Adapter")
    me = self()
    spawn(fn ->
      Process.register(self(), adapter)
      :ok = :pg.join(Phoenix.PubSub, adapter, self())
      send(me, :forwarder_up)
      forward(name, 0)
    end)
    receive do
      :forwarder_up -> :ok
    end
  end

  defp forward(name, n) do
    receive do
      {:forward_to_local, topic, message, _dispatcher} ->
        local_dispatch(name, topic, message)
        forward(name, n + 1)
      {:count, from} ->
        send(from, {:forwarded, n})
        forward(name, n)
      _ ->
        forward(name, n)
    end
  end

  def subscribe(name, topic), do: Registry.register(name, topic, nil)

  def broadcast(name, topic, message) do
    adapter = Module.concat(name, "Adapter")
    for pid <- :pg.get_members(Phoenix.PubSub, adapter), node(pid) != node() do
      send(pid, {:forward_to_local, topic, message, Phoenix.PubSub})
    end
    local_dispatch(name, topic, message)
  end

  def local_dispatch(name, topic, message) do
    Registry.dispatch(name, topic, fn entries -> for {pid, _} <- entries, do: send(pid, message) end)
  end
end
`;

const NAME = "Elixir.MyApp.PubSub";
const ADAPTER = atom("Elixir.MyApp.PubSub.Adapter");

async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Phoenix.PubSub's pattern between Agner and Elixir", needsElixir(), () => {
  let ex: ElixirNode | undefined;
  const rt = new Runtime({ logger: silentLogger });
  afterAll(async () => {
    await ex?.stop(true);
    await stopNode(rt);
    rt.shutdown();
  });

  test("an Elixir broadcast reaches Agner subscribers, an Agner broadcast Elixir's; one message per node", async () => {
    setDefaultRuntime(rt);
    const epmdPort = await freePort();
    await startNode({ name: `${uniqueName("psa")}@localhost`, cookie: "ps", epmdPort, epmd: "embedded", hidden: false });
    await pubsub.start(NAME);
    ex = await startElixir({ sname: uniqueName("psx"), cookie: "ps", epmdPort });
    await ex.eval(MINI_PUBSUB);
    assert.equal(await ex.eval("MiniPubSub.start(MyApp.PubSub)"), atom("ok"));
    assert.equal(await connect(ex.node), true);

    // Two Agner subscribers keep what they get; two Elixir ones (the probe, and a relay to it).
    const got: unknown[][] = [[], []];
    for (const box of got) {
      spawn(function* () {
        pubsub.subscribe(NAME, "room:1");
        for (;;) box.push(yield* receive(on(_, (m) => m)));
      });
    }
    await ex.eval(`MiniPubSub.subscribe(MyApp.PubSub, "room:1")
      probe = self()
      relay = fn relay -> receive do m -> send(probe, {:relay, m}); relay.(relay) end end
      spawn(fn -> MiniPubSub.subscribe(MyApp.PubSub, "room:1"); relay.(relay) end)
      :ok`);
    await until(() => pg.getMembers(PUBSUB_SCOPE, ADAPTER).length === 2, "Agner sees both forwarders");
    await until(async () => (await ex!.eval("length(:pg.get_members(Phoenix.PubSub, MyApp.PubSub.Adapter))")) === 2, "Elixir sees both forwarders");
    await until(() => pubsub.subscribers(NAME, "room:1").length === 2, "Agner's subscribers");

    // Elixir -> Agner (and Elixir's own subscribers).
    await ex.eval(`MiniPubSub.broadcast(MyApp.PubSub, "room:1", {:hello, "from elixir"})`);
    const fromElixir = t(atom("hello"), Buffer.from("from elixir"));
    await until(() => got.every((b) => b.length === 1), "Agner's subscribers get the Elixir broadcast");
    for (const b of got) assert.ok(equals(b[0], fromElixir), `got ${String(b[0])}`);
    assert.ok(equals(await ex.eval(`receive do {:hello, m} -> m after 5000 -> :timeout end`), Buffer.from("from elixir")));
    assert.ok(equals(await ex.eval(`receive do {:relay, {:hello, m}} -> m after 5000 -> :timeout end`), Buffer.from("from elixir")));

    // Agner -> Elixir: two Elixir subscribers, one forwarded message.
    pubsub.broadcast(NAME, "room:1", t(atom("hello"), "from agner"));
    assert.ok(equals(await ex.eval(`receive do {:hello, m} -> m after 5000 -> :timeout end`), Buffer.from("from agner")));
    assert.ok(equals(await ex.eval(`receive do {:relay, {:hello, m}} -> m after 5000 -> :timeout end`), Buffer.from("from agner")));
    assert.ok(equals(await ex.eval(`send(MyApp.PubSub.Adapter, {:count, self()}); receive do {:forwarded, n} -> n end`), 1), "one message for the node");
    await until(() => got.every((b) => b.length === 2), "Agner's subscribers get their own node's broadcast");
    for (const b of got) assert.ok(equals(b[1], t(atom("hello"), "from agner")));

    // A subscriber that dies is no longer one.
    const gone = pubsub.subscribers(NAME, "room:1")[0] as Pid;
    exit(gone, atom("kill"));
    await until(() => pubsub.subscribers(NAME, "room:1").length === 1, "the dead subscriber is dropped");
  });
});
