/**
 * `sys:get_status` from a real erl node to Agner servers: the answer has
 * gen_server's shape, `{status, Pid, {module, gen_server}, [PDict, running,
 * Parent, Dbg, Misc]}`, with the header a string erl prints as one and the
 * state (in its term form) under `{data, [{"State", S}]}`; a supervisor's
 * state is OTP's `#state{}` record.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Atom, type CallSpec, GenServer, Runtime, Supervisor, atom, equals, ok, setDefaultRuntime, silentLogger, startNode, stopNode, t } from "../../src/index.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { freePort, uniqueName } from "../support/dist.js";

class Wallet {
  constructor(
    readonly owner: string,
    readonly balance: number,
  ) {}
}

class Account extends GenServer<Wallet, CallSpec<Atom<"get">, number>, never, unknown, number> {
  init(n: number) {
    return ok(new Wallet("ann", n));
  }
}

describe("sys:get_status from erl", needsErl(), () => {
  const rt = new Runtime({ logger: silentLogger });
  let me: Atom;
  let e: ErlNode;
  const ev = (code: string) => e.eval(code.replaceAll("NODE", `'${me.name}'`));

  before(async () => {
    setDefaultRuntime(rt);
    const epmdPort = await freePort();
    me = await startNode({ name: `${uniqueName("agner")}@localhost`, cookie: "status_cookie", epmdPort, epmd: "embedded" });
    e = await startErl({ sname: uniqueName("erl"), cookie: "status_cookie", epmdPort });
    await GenServer.start(new Account(), 10, { name: "status_acct" });
    await Supervisor.start([{ id: "acct", start: () => GenServer.startLink(new Account(), 7).result() }], { name: "status_sup", intensity: 4, period: 9 });
  });

  after(async () => {
    await e?.stop(true);
    await stopNode(rt);
    rt.shutdown();
  });

  test("a GenServer: {status, Pid, {module, gen_server}, [PDict, running, Parent, Dbg, Misc]}, Misc as gen_server:format_status's", async () => {
    const r = await ev(`
      {status, P, {module, gen_server}, [PD, running, Parent, Dbg, Misc]} = sys:get_status({status_acct, NODE}),
      [{header, H}, {data, [{"Status", running}, {"Parent", Parent}, {"Logged events", []}]}, {data, [{"State", S}]}] = Misc,
      {node(P), P =:= Parent, Dbg, proplists:get_value('$initial_call', PD), list_to_binary(H),
       lists:flatten(io_lib:format("~p", [H])) =:= [$" | H] ++ [$"], S}.`);
    const [node, selfParent, dbg, initial, header, printed, state] = r as unknown[];
    assert.equal(node, me);
    assert.equal(selfParent, true, "started unlinked: gen makes the server its own parent");
    assert.deepEqual(dbg, []);
    assert.ok(equals(initial, t(atom("Account"), atom("init"), 1)));
    assert.equal(Buffer.from(header as Uint8Array).toString(), "Status for generic server status_acct");
    assert.equal(printed, true, "erl prints the header as a string");
    const m = state as Map<unknown, unknown>;
    assert.equal(m.get(atom("__struct__")), atom("Wallet"));
    assert.equal(m.get(atom("balance")), 10);
    assert.equal(Buffer.from(m.get(atom("owner")) as Uint8Array).toString(), "ann");
  });

  test("a supervisor: the same shape, its state OTP's #state{} record, and {supervisor, [{\"Callback\", Mod}]}", async () => {
    const r = await ev(`
      {status, _, {module, gen_server}, [PD, running, _Parent, _Dbg, Misc]} = sys:get_status({status_sup, NODE}),
      {header, H} = lists:keyfind(header, 1, Misc),
      [State] = [S || {data, D} <- Misc, {"State", S} <- D],
      {state, {local, status_sup}, one_for_one, {Ids, Db}, undefined, 4, 9, _Restarts, _, _, Mod, _} = State,
      {child, CPid, <<"acct">>, {'#Fun', _, 0}, permanent, false, 5000, worker, _} = maps:get(<<"acct">>, Db),
      {supervisor, [{"Callback", Mod}]} = lists:keyfind(supervisor, 1, Misc),
      {list_to_binary(H), Ids, Mod, node(CPid), proplists:get_value('$initial_call', PD)}.`);
    const [header, ids, mod, childNode, initial] = r as unknown[];
    assert.equal(Buffer.from(header as Uint8Array).toString(), "Status for generic server status_sup");
    assert.deepEqual((ids as Uint8Array[]).map((b) => Buffer.from(b).toString()), ["acct"]);
    assert.equal(mod, atom("Supervisor"));
    assert.equal(childNode, me);
    assert.ok(equals(initial, t(atom("supervisor"), atom("Supervisor"), 1)));
  });
});
