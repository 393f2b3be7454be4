/**
 * Agner and a real Elixir node, both ways: the seed article's
 * `GenServer.call({:primary_store, :"agner@..."}, {:get, :foo})`, casts,
 * noproc and timeouts from Elixir; an Elixir GenServer called and cast to
 * from Agner (by name and by pid, noproc, timeout); monitors and links each
 * way; `:rpc.call` into Agner and Agner's `rpc.call` into Elixir.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import {
  type Atom,
  type CallSpec,
  type From,
  type Pid,
  CallError,
  GenServer,
  Runtime,
  _,
  after,
  atom,
  call,
  cast,
  equals,
  exit,
  link,
  monitor,
  noreply,
  ok,
  on,
  processFlag,
  receive,
  rpc,
  self,
  send,
  setDefaultRuntime,
  silentLogger,
  sleep,
  spawn,
  startNode,
  stopNode,
  t,
} from "../../src/index.js";
import { KeyValueStoreServer } from "../../examples/key_value_store.js";
import { Bot } from "../../examples/seed_article.js";
import { type ElixirNode, needsElixir, startElixir } from "../support/elixir_node.js";
import { freePort, uniqueName } from "../support/dist.js";
import { runOn } from "../unit/distribution/helpers.js";

const DOWN = atom("DOWN");

const EXIT = atom("EXIT");

class Slow extends GenServer<null, CallSpec<unknown, unknown>> {
  init() {
    return ok(null);
  }
  override handleCall(_r: unknown, _from: From) {
    return noreply(null); // never answers
  }
}

const COUNTER = `
defmodule InteropCounter do
  use GenServer
  def init(n), do: {:ok, n}
  def handle_call(:count, _from, n), do: {:reply, n, n}
  def handle_call(:whoami, {pid, _tag}, n), do: {:reply, pid, n}
  def handle_call(:slow, _from, n), do: {:noreply, n}
  def handle_cast(:inc, n), do: {:noreply, n + 1}
end
{:ok, pid} = GenServer.start(InteropCounter, 0, name: :interop_counter)
pid
`;

describe("Agner and Elixir, both ways", needsElixir(), () => {
  let epmdPort: number;
  let me: Atom;
  let ex: ElixirNode;
  let xn: Atom;
  let counterPid: Pid;
  const rt = new Runtime({ logger: silentLogger });

  before(async () => {
    setDefaultRuntime(rt);
    epmdPort = await freePort();
    me = await startNode({ name: `${uniqueName("agner")}@localhost`, cookie: "elixir_cookie", epmdPort, epmd: "embedded" });
    await GenServer.start(new KeyValueStoreServer(), new Map(), { name: "primary_store" });
    await GenServer.start(new Slow(), undefined, { name: "agner_slow" });
    rpc.export("agner_test", "hello", (who: Uint8Array) => `hello, ${new TextDecoder().decode(who)}`);
    ex = await startElixir({ sname: uniqueName("ex"), cookie: "elixir_cookie", epmdPort });
    xn = atom(ex.node);
    counterPid = (await ex.eval(COUNTER)) as Pid;
  });

  afterAll(async () => {
    await ex?.stop(true);
    await stopNode(rt);
    rt.shutdown();
  });

  test("the seed article from Elixir: GenServer.cast/call {:primary_store, node}; noproc; a timeout", async () => {
    const store = `{:primary_store, :"${me.name}"}`;
    assert.equal(await ex.eval(`Node.ping(:"${me.name}")`), atom("pong"));
    assert.equal(await ex.eval(`GenServer.cast(${store}, {:set, :foo, :bar})`), atom("ok"));
    assert.equal(await ex.eval(`GenServer.call(${store}, {:get, :foo})`), atom("bar"));
    assert.equal(await ex.eval(`GenServer.call(${store}, {:get, :missing})`), atom("nil"));
    const noproc = (await ex.eval(`try do GenServer.call({:nosuch, :"${me.name}"}, :x) catch :exit, r -> r end`)) as unknown[];
    assert.equal(noproc[0], atom("noproc"));
    const timeout = (await ex.eval(`try do GenServer.call({:agner_slow, :"${me.name}"}, :x, 100) catch :exit, r -> r end`)) as unknown[];
    assert.equal(timeout[0], atom("timeout"));
  });

  test("the seed article's first examples across nodes: a spawned Agner process sends {:ok, self()} to an Elixir parent; the Bot answers Elixir", async () => {
    const spawner = spawn(function* () {
      for (;;) {
        const parent = yield* receive(on([atom("spawn_for"), _], (m) => m[1] as Pid));
        spawn(() => send(parent, t(atom("ok"), self())));
      }
    });
    rt.register("spawner", spawner);
    const got = (await ex.eval(`send({:spawner, :"${me.name}"}, {:spawn_for, self()}); receive do {:ok, pid} -> node(pid) after 5000 -> :timeout end`)) as Atom;
    assert.equal(got, me);

    // As in the article, Bot.start_link from a process (here one that then ends normally: the Bot lives on).
    await runOn(rt, () => {
      const [, bot] = Bot.startLink();
      rt.register("bot", bot);
    });
    const answer = (await ex.eval(`send({:bot, :"${me.name}"}, {:help, self()}); receive do msg -> msg after 5000 -> :timeout end`)) as Uint8Array;
    assert.equal(Buffer.from(answer).toString(), "You can ask me what today's date is by passing :date_today");
  });

  test("Agner calls and casts an Elixir GenServer by name and by pid; noproc; timeout", async () => {
    const server = t(atom("interop_counter"), xn);
    const r = await runOn(rt, function* () {
      cast(server, atom("inc"));
      cast(counterPid, atom("inc"));
      const count = yield* call(server, atom("count"));
      const byPid = yield* call(counterPid, atom("count"));
      const whoami = yield* call(server, atom("whoami"));
      const errors: unknown[] = [];
      for (const [target, req, tmo] of [
        [t(atom("nosuch"), xn), atom("x"), 5000],
        [server, atom("slow"), 100],
      ] as const) {
        try {
          yield* call(target, req, tmo);
        } catch (err) {
          errors.push((err as CallError).reason);
        }
      }
      return { count, byPid, me: whoami === self(), errors };
    });
    assert.equal(r.count, 2);
    assert.equal(r.byPid, 2);
    assert.equal(r.me, true);
    assert.equal((r.errors[0] as unknown[])[0], atom("noproc"));
    assert.equal((r.errors[1] as unknown[])[0], atom("timeout"));
  });

  test("monitors and links both ways", async () => {
    // Elixir monitors an Agner process by name; Agner's process exits.
    const victim = spawn(function* () {
      exit(yield* receive(on([atom("die"), _], (m) => m[1])));
    });
    rt.register("ex_victim", victim);
    await ex.eval(`ref = Process.monitor({:ex_victim, :"${me.name}"})`);
    send(victim, t(atom("die"), atom("gone")));
    assert.ok(equals(await ex.eval(`receive do {:DOWN, ^ref, :process, who, why} -> {who, why} after 5000 -> :timeout end`), t(t(atom("ex_victim"), me), atom("gone"))));

    // Agner links to an Elixir process and monitors it; it exits.
    const target = (await ex.eval(`spawn(fn -> receive do {:die, r} -> exit(r) end end)`)) as Pid;
    const r = await runOn(rt, function* () {
      processFlag("trap_exit", true);
      link(target);
      const ref = monitor(target);
      yield* sleep(50);
      send(target, t(atom("die"), atom("elixir_bye")));
      const a = yield* receive(on([EXIT, _, _], (m) => m[2]), after(5000, () => null));
      const b = yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]), after(5000, () => null));
      return [a, b];
    });
    assert.deepEqual(r, [atom("elixir_bye"), atom("elixir_bye")]);
  });

  test("rpc both ways: :rpc.call into Agner, Agner's rpc.call into Elixir", async () => {
    assert.equal(Buffer.from((await ex.eval(`:rpc.call(:"${me.name}", :agner_test, :hello, ["elixir"])`)) as Uint8Array).toString(), "hello, elixir");
    const up = await runOn(rt, function* () {
      return yield* rpc.call(xn, "Elixir.String", "upcase", ["agner"]);
    });
    assert.equal(Buffer.from(up as Uint8Array).toString(), "AGNER");
  });
});
