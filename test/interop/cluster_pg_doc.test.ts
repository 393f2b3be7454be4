/**
 * docs/cluster.md ("Process groups") ("Process groups"), played for real: the TypeScript of
 * examples/cluster_pg.ts on this side, every `iex>` line of the section's
 * ```elixir blocks evaluated in order in a real Elixir node, each shown
 * result compared (a `:pg.get_members` line is re-read until it shows it, as
 * a person would look again: membership is eventually consistent).
 * phoenix_pubsub is not installed: a stand-in `Phoenix.PubSub` module that
 * does what its PG2 adapter does (scope, forwarder, Registry) is defined
 * first, so the guide's Phoenix lines run as a Phoenix user types them.
 */
import assert from "node:assert/strict";
import { after as afterAll, describe, test } from "node:test";
import { joinWorker, nextJoin, sayHello, startGroups, subscribeRoom, workerNodes } from "../../examples/cluster_pg.js";
import { Runtime, atom, distInfo, pg, pubsub, setDefaultRuntime, silentLogger, stopNode } from "../../src/index.js";
import { PUBSUB_SCOPE } from "../../src/distribution/pg_pubsub.js";
import { type ElixirNode, needsElixir, startElixir } from "../support/elixir_node.js";
import { type Step, guideSections, transcript } from "../support/doc_transcript.js";
import { freePort, uniqueName } from "../support/dist.js";


/** What phoenix_pubsub's PG2 adapter does, under its name (the guide's lines call it). */
const PHOENIX_PUBSUB_STAND_IN = `
defmodule Phoenix.PubSub do
  def child_spec(opts), do: %{id: __MODULE__, start: {__MODULE__, :start_link, [opts]}, type: :supervisor}

  def start_link(opts) do
    name = Keyword.fetch!(opts, :name)
    adapter = Module.concat(name, "Adapter")
    children = [
      %{id: :pg, start: {:pg, :start_link, [Phoenix.PubSub]}},
      {Registry, keys: :duplicate, name: name},
      %{id: adapter, start: {__MODULE__, :start_forwarder, [name, adapter]}}
    ]
    Supervisor.start_link(children, strategy: :rest_for_one)
  end

  def start_forwarder(name, adapter) do
    pid = spawn_link(fn ->
      :ok = :pg.join(Phoenix.PubSub, adapter, self())
      forward(name)
    end)
    Process.register(pid, adapter)
    {:ok, pid}
  end

  defp forward(name) do
    receive do
      {:forward_to_local, topic, message, _dispatcher} -> dispatch(name, topic, message)
      _ -> :ok
    end
    forward(name)
  end

  def subscribe(pubsub, topic) do
    {:ok, _} = Registry.register(pubsub, topic, nil)
    :ok
  end

  def broadcast(pubsub, topic, message) do
    for pid <- :pg.get_members(Phoenix.PubSub, Module.concat(pubsub, "Adapter")), node(pid) != node() do
      send(pid, {:forward_to_local, topic, message, Phoenix.PubSub})
    end
    dispatch(pubsub, topic, message)
  end

  defp dispatch(pubsub, topic, message) do
    Registry.dispatch(pubsub, topic, fn entries -> for {pid, _} <- entries, do: send(pid, message) end)
  end
end
`;



async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("docs/cluster.md, Process groups, against a real Elixir node", needsElixir(), () => {
  let ex: ElixirNode | undefined;
  const rt = new Runtime({ logger: silentLogger });
  let daemonPid: number | undefined;
  afterAll(async () => {
    await ex?.stop(true);
    await stopNode(rt);
    rt.shutdown();
    if (daemonPid !== undefined) process.kill(daemonPid, "SIGKILL");
  });

  test("every iex line of the section gives what it shows, and the TypeScript side does its part", async () => {
    setDefaultRuntime(rt);
    const md = guideSections("cluster.md").get("Process groups")!;
    const agnerName = `${uniqueName("agner")}@localhost`;
    const iexName = `${uniqueName("iex")}@localhost`;
    const local = (s: string) => s.replaceAll("agner@localhost", agnerName).replaceAll("iex@localhost", iexName);
    const epmdPort = await freePort();
    await startGroups("secret", { name: agnerName, epmdPort });
    daemonPid = distInfo(rt)?.epmd.runner === "daemon" ? distInfo(rt)?.epmd.pid : undefined;
    ex = await startElixir({ sname: iexName, cookie: "secret", epmdPort });

    const blocks = transcript(md);
    assert.equal(blocks.length, 5, "the section's five iex blocks");
    let checked = 0;
    const play = async (steps: Step[]) => {
      for (const s of steps) {
        let { inspected } = await ex!.evalInspect(local(s.code));
        if (s.expected === null) continue;
        const want = local(s.expected);
        for (let i = 0; inspected !== want && s.code.startsWith(":pg.get_members") && i < 100; i++) {
          await new Promise((r) => setTimeout(r, 100));
          ({ inspected } = await ex!.evalInspect(local(s.code)));
        }
        assert.equal(inspected, want, `iex> ${s.code}`);
        checked++;
      }
    };

    // Groups: iex joins a worker (the TypeScript monitor sees it), the TypeScript joins one.
    const joined = nextJoin();
    await play(blocks[0]!);
    const [iexWorker] = await joined;
    assert.equal(iexWorker!.node.name, iexName, "pg.monitor reported iex's worker");
    await joinWorker();
    await until(() => workerNodes().length === 2, "both workers seen here");
    assert.deepEqual(workerNodes().sort(), [agnerName, iexName]);
    await play(blocks[1]!);
    await until(() => workerNodes().length === 1, "iex's dead worker gone here");
    assert.deepEqual(pg.whichGroups(), [atom("workers")]);

    // PubSub: iex starts MyApp.PubSub and subscribes; so does the TypeScript.
    await ex.eval(PHOENIX_PUBSUB_STAND_IN);
    await play(blocks[2]!);
    const texts = subscribeRoom();
    const adapter = atom("Elixir.MyApp.PubSub.Adapter");
    await until(() => pg.getMembers(PUBSUB_SCOPE, adapter).length === 2, "both forwarders seen here");
    await until(async () => (await ex!.eval("length(:pg.get_members(Phoenix.PubSub, MyApp.PubSub.Adapter))")) === 2, "both forwarders seen by iex");
    await until(() => pubsub.subscribers("Elixir.MyApp.PubSub", "room:1").length === 1, "the TypeScript subscriber");
    await play(blocks[3]!);
    await until(() => texts.includes("hello from iex"), "iex's broadcast reached the TypeScript subscriber");
    sayHello();
    await play(blocks[4]!);
    assert.deepEqual(texts, ["hello from iex", "hello from agner"]);
    assert.ok(checked >= 7, `compared ${checked} results`);
  });
});
