/**
 * `global` in mixed clusters: 2 erl + 1 Agner and 1 erl + 2 Agner nodes
 * (the Agner nodes run in this process, each its own runtime), and Elixir.
 * Nodes a peer knows are connected (connect_all: a full mesh forms), names
 * are seen on every node, a partition that produced a clash is resolved
 * the same way on every node once it heals (OTP 25's
 * prevent_overlapping_partitions first splits the nodes into partitions that
 * do not overlap), and Elixir's
 * `GenServer.call({:global, name}, ...)` reaches an Agner server and Agner
 * reaches an Elixir one.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, before, describe, test } from "node:test";
import {
  type Atom,
  type LogEvent,
  type Pid,
  GenServer,
  Runtime,
  atom,
  call,
  connect,
  disconnect,
  equals,
  global,
  nodes,
  on,
  receive,
  setDefaultRuntime,
  startNode,
  stopNode,
  t,
} from "../../src/index.js";
import { KeyValueStoreServer } from "../../examples/key_value_store.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { type ElixirNode, needsElixir, startElixir } from "../support/elixir_node.js";
import { freePort, uniqueName, until as untilHolds } from "../support/dist.js";
import { runOn } from "../unit/distribution/helpers.js";

/** Polls until it holds (the cluster converges asynchronously): the shared `until` with a longer wait. */
const until = (f: () => boolean | Promise<boolean>, what: string, ms = 30_000) => untilHolds(f, what, ms);

function sleeperOn(rt: Runtime): Pid {
  return rt.spawn(function* () {
    yield* receive(on(atom("stop"), () => undefined));
  });
}

const SLEEPER = `spawn(fun() -> receive stop -> ok end end)`;
const here = fileURLToPath(new URL(".", import.meta.url));

describe("global: 2 erl + 1 Agner", needsErl(), () => {
  const cookie = "global2_cookie";
  let epmdPort: number;
  let me: Atom;
  let e1: ErlNode;
  let e2: ErlNode;
  const logs: LogEvent[] = [];
  const rt = new Runtime({ logger: (l) => logs.push(l) });

  before(async () => {
    setDefaultRuntime(rt);
    epmdPort = await freePort();
    me = await startNode({ name: `${uniqueName("m_agner")}@localhost`, cookie, epmdPort, epmd: "embedded", hidden: false });
    e1 = await startErl({ sname: uniqueName("e1"), cookie, epmdPort });
    e2 = await startErl({ sname: uniqueName("e2"), cookie, epmdPort });
  });

  afterAll(async () => {
    await e1?.stop(true);
    await e2?.stop(true);
    await stopNode(rt);
    rt.shutdown();
  });

  test("both erl nodes meet only the Agner node, and global connects them to each other; names are seen on all three", async () => {
    assert.equal(await e1.eval(`net_adm:ping('${me.name}').`), atom("pong"));
    assert.equal(await e2.eval(`net_adm:ping('${me.name}').`), atom("pong"));
    await until(async () => ((await e1.eval(`nodes().`)) as Atom[]).includes(atom(e2.node)), "e1 connected to e2 through global");
    for (const e of [e1, e2]) assert.equal(await e.eval(`global:sync().`), atom("ok"));
    assert.equal(await global.sync(), atom("ok"));
    const p = (await e2.eval(`P = ${SLEEPER}, yes = global:register_name(on_e2, P), P.`)) as Pid;
    assert.ok(equals(await e1.eval(`global:whereis_name(on_e2).`), p));
    assert.ok(equals(global.whereisName(atom("on_e2")), p));
    const mine = sleeperOn(rt);
    assert.equal(await global.registerName(atom("on_agner"), mine), atom("yes"));
    for (const e of [e1, e2]) assert.ok(equals(await e.eval(`global:whereis_name(on_agner).`), mine));
    for (const e of [e1, e2]) assert.doesNotMatch(e.output().replace("=READY=", ""), /warning|error/i);
    assert.deepEqual(
      logs.filter((l) => l.level === "warning" || l.level === "error"),
      [],
    );
  });

  test("an Agner node killed with -9: its global names are gone from the erl nodes and the other Agner node", async () => {
    const child = spawn(process.execPath, [join(here, "..", "support", "global_node_main.js"), uniqueName("doomed"), cookie, String(epmdPort), "doomed_name", me.name], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    await until(() => /READY/.test(out), "the doomed node");
    for (const e of [e1, e2]) await until(async () => (await e.eval(`global:whereis_name(doomed_name).`)) !== atom("undefined"), `doomed_name on ${e.node}`);
    assert.ok(global.whereisName(atom("doomed_name")) !== undefined);
    child.kill("SIGKILL");
    for (const e of [e1, e2]) await until(async () => (await e.eval(`global:whereis_name(doomed_name).`)) === atom("undefined"), `doomed_name gone on ${e.node}`);
    await until(() => global.whereisName(atom("doomed_name")) === undefined, "doomed_name gone here");
  });

  test("a partition (disconnect_node on both sides) with a clash heals to one name on every node", async () => {
    assert.equal(await e1.eval(`erlang:disconnect_node('${me.name}').`), true);
    disconnect(atom(e1.node));
    // prevent_overlapping_partitions: no node sits in two partitions. Usually every node ends up
    // alone; when e2's remove_connection reaches this node before its own nodedown of e1 (a race
    // OTP has too), e2 stays with e1: {e1, e2} and {me} do not overlap either.
    await until(async () => {
      const [n1, n2, nm] = [(await e1.eval(`nodes().`)) as Atom[], (await e2.eval(`nodes().`)) as Atom[], nodes()];
      const [a1, a2] = [atom(e1.node), atom(e2.node)];
      const symmetric = n2.includes(a1) === n1.includes(a2) && n2.includes(me) === nm.includes(a2);
      return !nm.includes(a1) && !n1.includes(me) && symmetric && !(n2.includes(a1) && n2.includes(me));
    }, "partitions that do not overlap");
    const mine = sleeperOn(rt);
    assert.equal(await global.registerName(atom("healed"), mine), atom("yes"));
    await e1.eval(`P = ${SLEEPER}, register(healed_e1, P), yes = global:register_name(healed, P), ok.`);
    assert.equal(await e1.eval(`net_adm:ping('${me.name}').`), atom("pong"));
    assert.equal(await e2.eval(`net_adm:ping('${me.name}').`), atom("pong"));
    await until(async () => ((await e1.eval(`nodes().`)) as Atom[]).length === 2, "the mesh again");
    for (const e of [e1, e2]) assert.equal(await e.eval(`global:sync().`), atom("ok"));
    // e1's name is the lower ("e1_..." < "m_..."): e1 resolves; random_exit_name keeps the process on the lower node.
    const winner = global.whereisName(atom("healed"));
    await until(async () => equals(await e1.eval(`global:whereis_name(healed).`), winner), "e1 agrees");
    await until(async () => equals(await e2.eval(`global:whereis_name(healed).`), global.whereisName(atom("healed"))), "e2 agrees");
    await until(() => !rt.processes().includes(mine as never), "the Agner process killed by e1's resolver");
    assert.ok(equals(winner, await e1.eval(`whereis(healed_e1).`)));
  });
});

describe("global: 1 erl + 2 Agner", needsErl(), () => {
  const cookie = "global3_cookie";
  let epmdPort: number;
  let a1: Atom;
  let a2: Atom;
  let e: ErlNode;
  const rt1 = new Runtime({ logger: () => {} });
  const rt2 = new Runtime({ logger: () => {} });

  before(async () => {
    setDefaultRuntime(rt1);
    epmdPort = await freePort();
    a1 = await startNode({ name: `${uniqueName("a1")}@localhost`, cookie, epmdPort, epmd: "embedded", hidden: false, runtime: rt1 });
    a2 = await startNode({ name: `${uniqueName("a2")}@localhost`, cookie, epmdPort, hidden: false, runtime: rt2 });
    e = await startErl({ sname: uniqueName("e"), cookie, epmdPort });
  });

  afterAll(async () => {
    await e?.stop(true);
    await stopNode(rt1);
    await stopNode(rt2);
    rt1.shutdown();
    rt2.shutdown();
  });

  test("erl meets one Agner node and is connected to the other; a name from either Agner node is seen on erl and back", async () => {
    assert.equal(await runOn(rt2, () => connect(a1)), true);
    assert.equal(await e.eval(`net_adm:ping('${a1.name}').`), atom("pong"));
    await until(async () => ((await e.eval(`nodes().`)) as Atom[]).includes(a2), "erl connected to a2 through global");
    assert.equal(await e.eval(`global:sync().`), atom("ok"));
    const p = sleeperOn(rt2);
    assert.equal(await runOn(rt2, function* () {
      return yield* global.registerName(atom("from_a2"), p);
    }), atom("yes"));
    assert.ok(equals(await e.eval(`global:whereis_name(from_a2).`), p));
    assert.ok(equals(await runOn(rt1, () => global.whereisName(atom("from_a2"))), p));
    const q = (await e.eval(`P = ${SLEEPER}, yes = global:register_name(from_erl, P), P.`)) as Pid;
    for (const rt of [rt1, rt2]) assert.ok(equals(await runOn(rt, () => global.whereisName(atom("from_erl"))), q));
    assert.doesNotMatch(e.output().replace("=READY=", ""), /warning|error/i);
  });
});

const ECHO = `
defmodule GlobalEcho do
  use GenServer
  def init(_), do: {:ok, nil}
  def handle_call({:echo, x}, _from, s), do: {:reply, {:echoed, x}, s}
end
{:ok, _} = GenServer.start(GlobalEcho, nil, name: {:global, :ex_echo})
:ok
`;

describe("global with Elixir", needsElixir(), () => {
  let epmdPort: number;
  let me: Atom;
  let ex: ElixirNode;
  const rt = new Runtime({ logger: () => {} });

  before(async () => {
    setDefaultRuntime(rt);
    epmdPort = await freePort();
    me = await startNode({ name: `${uniqueName("agner")}@localhost`, cookie: "ex_global", epmdPort, epmd: "embedded", hidden: false });
    ex = await startElixir({ sname: uniqueName("ex"), cookie: "ex_global", epmdPort });
  });

  afterAll(async () => {
    await ex?.stop(true);
    await stopNode(rt);
    rt.shutdown();
  });

  test("GenServer.call({:global, name}) from Elixir reaches an Agner server, and Agner calls an Elixir one by its global name", async () => {
    await GenServer.start(new KeyValueStoreServer(), new Map(), { name: global.name(atom("kv")) });
    assert.equal(await ex.eval(`Node.connect(:"${me.name}")`), true);
    assert.equal(await ex.eval(`:global.sync()`), atom("ok"));
    assert.equal(await ex.eval(`GenServer.cast({:global, :kv}, {:set, :lang, :elixir}); GenServer.call({:global, :kv}, {:get, :lang})`), atom("elixir"));
    await ex.eval(ECHO);
    await until(() => global.whereisName(atom("ex_echo")) !== undefined, "ex_echo on Agner");
    assert.ok(equals(await call(t(atom("global"), atom("ex_echo")), t(atom("echo"), 42)), t(atom("echoed"), 42)));
    assert.equal(await ex.eval(`:global.whereis_name(:kv) |> node()`), me);
  });
});
