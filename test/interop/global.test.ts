/**
 * `global` against real erl 25 nodes: one name table and one lock space for
 * BEAM and Agner nodes. `global:sync()` completes on erl once a visible
 * Agner node is connected, and erl logs nothing about it; names registered
 * on either side are seen on every node; a race for a name has one winner;
 * a name goes when its process dies; `global:trans` on erl waits for a lock
 * an Agner process holds; a clash made during a partition is resolved on
 * every node when it heals; nodes learnt through a peer are connected
 * (connect_all). Clusters: 1 erl + 1 Agner, 2 erl + 1 Agner, 1 erl + 2 Agner.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import {
  type Atom,
  type LogEvent,
  type Pid,
  GenServer,
  Runtime,
  _,
  atom,
  call,
  disconnect,
  equals,
  global,
  nodes,
  on,
  receive,
  self,
  send,
  setDefaultRuntime,
  spawn,
  startNode,
  stopNode,
  t,
} from "../../src/index.js";
import { KeyValueStoreServer } from "../../examples/key_value_store.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { freePort, uniqueName, until as untilHolds } from "../support/dist.js";
import { runOn } from "../unit/distribution/helpers.js";

/** Polls until it holds (the cluster converges asynchronously): the shared `until` with a longer wait. */
const until = (f: () => boolean | Promise<boolean>, what: string, ms = 20_000) => untilHolds(f, what, ms);

/** A process that lives until told `stop`. */
function sleeper(): Pid {
  return spawn(function* () {
    yield* receive(on(atom("stop"), () => undefined));
  });
}

const WARNING = /warning|error|global/i;

function warnings(logs: LogEvent[]): LogEvent[] {
  return logs.filter((l) => l.level === "warning" || l.level === "error");
}

describe("global with one erl node", needsErl(), () => {
  const cookie = "global_cookie";
  let epmdPort: number;
  let me: Atom;
  let e: ErlNode;
  let en: Atom;
  const logs: LogEvent[] = [];
  const rt = new Runtime({ logger: (l) => logs.push(l) });

  before(async () => {
    setDefaultRuntime(rt);
    epmdPort = await freePort();
    // "a_" sorts before erl's "e_": this node resolves clashes (the lower name does), keeping its own process.
    me = await startNode({ name: `${uniqueName("a_agner")}@localhost`, cookie, epmdPort, epmd: "embedded", hidden: false });
    e = await startErl({ sname: uniqueName("e"), cookie, epmdPort });
    en = atom(e.node);
  });

  afterAll(async () => {
    await e?.stop(true);
    await stopNode(rt);
    rt.shutdown();
  });

  test("global:sync() completes on erl with a visible Agner node connected, and neither side logs a warning", async () => {
    assert.equal(await e.eval(`net_adm:ping('${me.name}').`), atom("pong"));
    assert.equal(await e.eval(`global:sync().`), atom("ok"));
    assert.equal(await global.sync(), atom("ok"));
    assert.ok(equals(await e.eval(`global:registered_names().`), []));
    assert.doesNotMatch(e.output().replace("=READY=", ""), WARNING);
    assert.deepEqual(warnings(logs), []);
  });

  test("a name registered on either side is seen on both; unregistering and death remove it everywhere", async () => {
    const erlPid = (await e.eval(`P = spawn(fun() -> receive stop -> ok end end), yes = global:register_name(from_erl, P), P.`)) as Pid;
    await until(() => equals(global.whereisName(atom("from_erl")), erlPid), "from_erl on Agner");
    const mine = sleeper();
    assert.equal(await global.registerName(atom("from_agner"), mine), atom("yes"));
    assert.ok(equals(await e.eval(`global:whereis_name(from_agner).`), mine), "erl sees the Agner pid at once: the registration wrote every table");
    assert.equal(await global.registerName(atom("from_agner"), sleeper()), atom("no"), "a taken name");
    assert.equal(await e.eval(`global:register_name(from_agner, self()).`), atom("no"), "taken for erl too");
    assert.ok(equals((await e.eval(`lists:sort(global:registered_names()).`)) as unknown, [atom("from_agner"), atom("from_erl")]));
    // Tools ask a node's table through rpc, as they would a BEAM node's.
    assert.ok(equals(await e.eval(`rpc:call('${me.name}', global, whereis_name, [from_erl]).`), erlPid));
    assert.ok(equals(await e.eval(`lists:sort(rpc:call('${me.name}', global, registered_names, [])).`), [atom("from_agner"), atom("from_erl")]));
    // Sending through the name, both ways.
    const got = runOn(rt, function* () {
      yield* global.registerName(atom("agner_inbox"), self());
      return yield* receive(on([atom("hello"), _], (m) => m[1]));
    });
    await until(async () => (await e.eval(`global:whereis_name(agner_inbox).`)) !== atom("undefined"), "agner_inbox on erl");
    await e.eval(`global:send(agner_inbox, {hello, node()}).`);
    assert.equal(await got, en);
    // Unregister on Agner: gone on erl; the erl process dies: gone on Agner.
    assert.equal(await global.unregisterName(atom("from_agner")), atom("ok"));
    assert.equal(await e.eval(`global:whereis_name(from_agner).`), atom("undefined"));
    await e.eval(`exit(global:whereis_name(from_erl), kill).`);
    await until(() => global.whereisName(atom("from_erl")) === undefined, "from_erl gone on Agner");
    // An Agner process dies: gone on erl.
    assert.equal(await global.registerName(atom("short_lived"), mine), atom("yes"));
    send(mine, atom("stop"));
    await until(async () => (await e.eval(`global:whereis_name(short_lived).`)) === atom("undefined"), "short_lived gone on erl");
    assert.deepEqual(warnings(logs), []);
  });

  test("two nodes racing for one name: exactly one wins, and both tables agree", async () => {
    for (let round = 0; round < 5; round++) {
      const name = `race_${round}`;
      await e.eval(`Self = self(), spawn(fun() -> P = spawn(fun() -> receive stop -> ok end end), Self ! {race, global:register_name(${name}, P), P} end), ok.`);
      const mine = await global.registerName(atom(name), sleeper());
      const [, theirs, erlPid] = (await e.eval(`receive {race, R, P} -> {race, R, P} end.`)) as [Atom, Atom, Pid];
      const yes = [mine, theirs].filter((r) => r === atom("yes")).length;
      assert.equal(yes, 1, `round ${round}: agner ${mine.name}, erl ${theirs.name}`);
      const onErl = await e.eval(`global:whereis_name(${name}).`);
      assert.ok(equals(onErl, global.whereisName(atom(name))));
      if (theirs === atom("yes")) assert.ok(equals(onErl, erlPid));
    }
  });

  test("global:trans on erl waits while an Agner process holds the lock", async () => {
    let holder: Pid | undefined;
    const held = runOn(rt, function* () {
      holder = self();
      return yield* global.trans([atom("shared_resource"), self()], function* () {
        send(t(atom("probe"), en), atom("agner_has_it"));
        yield* receive(on(atom("release"), () => undefined));
        send(t(atom("probe"), en), atom("agner_releases"));
        return atom("agner_done");
      });
    });
    assert.equal(await e.eval(`receive agner_has_it -> true after 10000 -> false end.`), true);
    await e.eval(`Probe = self(), spawn(fun() -> R = global:trans({shared_resource, self()}, fun() -> Probe ! erl_in_trans, erl_done end), Probe ! {erl_trans, R} end), ok.`);
    send(holder!, atom("release"));
    assert.equal(await held, atom("agner_done"));
    // erl entered only after the Agner process let go (both messages travel the same connection, in order).
    const order = (await e.eval(`[receive M -> M end, receive M2 -> M2 end, receive M3 -> M3 end].`)) as unknown[];
    assert.deepEqual(order.slice(0, 2), [atom("agner_releases"), atom("erl_in_trans")]);
    assert.ok(equals(order[2], t(atom("erl_trans"), atom("erl_done"))));
  });

  test("a clash made during a partition is resolved on both nodes when it heals (random_exit_name)", async () => {
    assert.equal(await e.eval(`erlang:disconnect_node('${me.name}').`), true);
    disconnect(en);
    await until(() => !nodes().includes(en), "the partition");
    const mine = sleeper();
    assert.equal(await global.registerName(atom("clash"), mine), atom("yes"));
    await e.eval(`P2 = spawn(fun() -> receive stop -> ok end end), register(clash_loser, P2), yes = global:register_name(clash, P2), P2.`);
    assert.equal(await e.eval(`net_adm:ping('${me.name}').`), atom("pong"));
    assert.equal(await e.eval(`global:sync().`), atom("ok"));
    // The Agner node's name is the lower: its process keeps the name, erl's is killed.
    await until(async () => equals(await e.eval(`global:whereis_name(clash).`), mine), "the clash resolved on erl");
    assert.ok(equals(global.whereisName(atom("clash")), mine));
    await until(async () => (await e.eval(`whereis(clash_loser).`)) === atom("undefined"), "erl's process killed");
    assert.ok(logs.some((l) => l.what === "global_name_conflict" && /Name conflict terminating/.test(l.text)), "reported as OTP reports it");
  });

  test("erl runs a resolve method on the Agner node through rpc (global:resolve_it/4), with erl's own default fun too", async () => {
    const mine = sleeper();
    await runOn(rt, () => send(t(atom("probe"), en), t(atom("agner_pid"), mine)));
    // fun global:random_notify_name/3: the pid on the lower node (Agner's) stays; erl's is told.
    const kept = await e.eval(
      `receive {agner_pid, A} -> Me = self(), R = rpc:call('${me.name}', global, resolve_it, [fun global:random_notify_name/3, n1, Me, A]), {R =:= A, receive {global_name_conflict, n1} -> told after 5000 -> not_told end} end.`,
    );
    assert.ok(equals(kept, t(true, atom("told"))));
    // The method erl stores for register_name/2 is a local fun of module global (random_exit_name).
    const r = await e.eval(
      `P = ${"spawn(fun() -> receive stop -> ok end end)"}, yes = global:register_name(fun_probe, P), [{fun_probe, P, Fun, _}] = ets:lookup(global_names, fun_probe), global:unregister_name(fun_probe), Q = ${"spawn(fun() -> receive stop -> ok end end)"}, W = rpc:call('${me.name}', global, resolve_it, [Fun, fun_probe, Q, P]), timer:sleep(100), {is_function(Fun), W =:= P orelse W =:= Q, is_process_alive(P) xor is_process_alive(Q)}.`,
    );
    assert.ok(equals(r, t(true, true, true)), "random_exit_name ran: one pid kept, the other killed");
  });

  test("{global, Name} as a server reference: start, call and cast; erl calls it with gen_server:call({global, Name}, ...)", async () => {
    await GenServer.start(new KeyValueStoreServer(), new Map(), { name: global.name(atom("global_kv")) });
    await until(async () => (await e.eval(`global:whereis_name(global_kv).`)) !== atom("undefined"), "global_kv on erl");
    assert.equal(await e.eval(`gen_server:cast({global, global_kv}, {set, foo, bar}), gen_server:call({global, global_kv}, {get, foo}).`), atom("bar"));
    assert.equal(await call(t(atom("global"), atom("global_kv")), t(atom("get"), atom("foo"))), atom("bar"));
    const taken = await GenServer.start(new KeyValueStoreServer(), new Map(), { name: global.name(atom("global_kv")) }).result();
    assert.equal((taken as unknown[])[0], atom("error"));
    assert.ok(equals(((taken as unknown[])[1] as unknown[])[0], atom("already_started")));
  });
});
