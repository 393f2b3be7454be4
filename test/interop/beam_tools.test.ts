/**
 * BEAM tools read an Agner node (issue 17): a real erl node makes over rpc
 * and erpc the introspection calls observer, observer_cli, recon and iex
 * make, against an Agner node and against itself, and the answers have the
 * same items, order and term shapes (a differential against erl 25); an
 * observer_cli-style script finds the busiest Agner process; a real iex
 * reads an Agner process with `Process.info`, an Agner supervisor's
 * children and an Agner GenServer's state.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import {
  type Atom,
  type Pid,
  Application,
  GenServer,
  Runtime,
  Supervisor,
  atom,
  equals,
  exit,
  inspect,
  ok,
  on,
  processInfo,
  receive,
  register,
  send,
  spawn,
  t,
} from "../../src/index.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { type ElixirNode, needsElixir, startElixir } from "../support/elixir_node.js";
import { type LocalNode, startLocalNode, uniqueName } from "../support/dist.js";

class Counter extends GenServer<unknown> {
  init() {
    return ok(t(atom("count"), 42));
  }
}

/** An Erlang fun giving a term's shape: its type, and a tuple's elements' shapes. */
const SHAPE = `Shape = fun S(X) when is_atom(X) -> atom; S(X) when is_integer(X) -> integer; S(X) when is_pid(X) -> pid;
  S(X) when is_list(X) -> list; S(X) when is_map(X) -> {map, lists:sort(maps:keys(X))}; S(X) when is_binary(X) -> binary;
  S(X) when is_tuple(X) -> {tuple, [S(E) || E <- tuple_to_list(X)]}; S(_) -> other end,`;

/** Each item's shape; for `items` also the value, where it must be the same. */
const SHAPES = `Shapes = fun(L) when is_list(L) -> [case KV of {K, V} -> {K, Shape(V)}; _ -> Shape(KV) end || KV <- L]; (X) -> Shape(X) end,`;

describe("BEAM tools read an Agner node", needsErl(), () => {
  const cookie = "beam_tools_cookie";
  let local: LocalNode;
  let rt: Runtime;
  let me: Atom;
  let erl: ErlNode;
  let epmdPort: number;
  let plain: Pid;
  let hog: Pid;
  let counter: Pid;
  let sup: Pid;

  before(async () => {
    local = await startLocalNode("agnertools", cookie);
    ({ rt, name: me, epmdPort } = local);
    const waitForStop = function* () {
      yield* receive(on(atom("stop"), () => undefined));
    };
    plain = spawn(waitForStop);
    // A process with a long mailbox that it never reads: the busiest by memory.
    hog = spawn(waitForStop);
    register("tools_hog", hog);
    for (let i = 0; i < 2000; i++) send(hog, t(atom("m"), i, "a message body that takes some room"));
    Application.define({
      name: "tools_shop",
      description: "a shop for the tools test",
      vsn: "1.2.3",
      start: () => Supervisor.startLink([{ id: "counter", start: () => GenServer.startLink(new Counter(), undefined, { name: "tools_counter" }).result() }], { name: "tools_sup" }),
    });
    sup = (await Application.start("tools_shop"))!;
    counter = rt.whereis("tools_counter")!;
    erl = await startErl({ sname: uniqueName("tools"), cookie, epmdPort });
    // erl learns the pids from a message.
    spawn(() => send(t(atom("probe"), atom(erl.node)), t(atom("pids"), plain, hog, counter, sup)));
    await erl.eval(`receive {pids, P, H, C, S} -> put(pids, {P, H, C, S}) end, ok.`);
  });

  afterAll(async () => {
    await erl?.stop(true);
    await local.stop();
  });

  const ev = (code: string, ms?: number) => erl.eval(`A = '${me.name}', {Plain, Hog, Counter, Sup} = get(pids), ${SHAPE} ${SHAPES} ${code}`, ms);

  test("process_info/1 has erl 25's items in its order and shapes, for a GenServer and a plain process", async () => {
    const r = (await ev(`
      Mine = spawn(fun() -> receive stop -> ok end end),
      [Shapes(erpc:call(A, erlang, process_info, [Counter])), Shapes(process_info(whereis(rex))),
       Shapes(erpc:call(A, erlang, process_info, [Plain])), Shapes(process_info(Mine)),
       rpc:call(A, erlang, process_info, [Counter])].`)) as unknown[];
    const [agnerServer, erlServer, agnerPlain, erlPlain, raw] = r;
    // A registered server: registered_name first, then erl's items; the values' shapes alike.
    const shapeOf = (l: unknown) => inspect(l);
    assert.equal(shapeOf(agnerServer).replace("tools_counter", "rex"), shapeOf(erlServer));
    assert.equal(shapeOf(agnerPlain), shapeOf(erlPlain));
    // And what it says of the GenServer.
    const get = (k: string) => (raw as unknown[]).find((x) => (x as unknown[])[0] === atom(k)) as unknown[];
    assert.ok(equals(get("registered_name")[1], atom("tools_counter")));
    assert.ok(equals(get("initial_call")[1], t(atom("proc_lib"), atom("init_p"), 5)));
    assert.ok(equals(get("current_function")[1], t(atom("gen_server"), atom("loop"), 7)));
    assert.ok(equals(get("dictionary")[1], [t(atom("$initial_call"), t(atom("Counter"), atom("init"), 1)), t(atom("$ancestors"), [sup])]));
    assert.ok(equals(get("links")[1], [sup]));
    // No stack, and itself as group leader (docs/remote_tools.md says why).
    assert.equal(get("stack_size")[1], 0);
    assert.ok(equals(get("group_leader")[1], counter));
    assert.equal(get("heap_size")[1], get("total_heap_size")[1]);
  });

  test("process_info/2 in item and item-list forms, for live, unregistered and dead processes, and badarg as erl", async () => {
    const items = "[registered_name, memory, message_queue_len, current_function, initial_call, status, links, monitors, monitored_by, dictionary, trap_exit, reductions, parent, heap_size, total_heap_size, garbage_collection, group_leader, current_stacktrace, priority]";
    const out = (await ev(`
      Mine = spawn(fun() -> receive stop -> ok end end),
      {Shapes(erpc:call(A, erlang, process_info, [Counter, ${items}])), Shapes(process_info(whereis(rex), ${items})),
       erpc:call(A, erlang, process_info, [Plain, registered_name]), process_info(Mine, registered_name),
       erpc:call(A, erlang, process_info, [Counter, registered_name]),
       erpc:call(A, erlang, process_info, [Hog, [message_queue_len, messages]]),
       [erpc:call(A, erlang, process_info, [Counter, I]) || I <- [status, trap_exit]],
       {catch erpc:call(A, erlang, process_info, [Counter, bogus]), catch erpc:call(node(), erlang, process_info, [Mine, bogus])},
       {catch erpc:call(A, erlang, process_info, [Mine, memory])},
       {rpc:call(A, erlang, process_info, [Counter, [memory, bogus]])}}.`)) as unknown[];
    const [agnerItems, erlItems, plainName, mineName, counterName, hogInfo, single, bogus, foreign, rpcBogus] = out;
    assert.equal(inspect(agnerItems), inspect(erlItems));
    assert.ok(equals(plainName, []) && equals(mineName, []), "registered_name of an unregistered process is [] (erl's answer)");
    assert.ok(equals(counterName, t(atom("registered_name"), atom("tools_counter"))));
    const [len, msgs] = hogInfo as [unknown[], unknown[]];
    assert.ok(equals(len, t(atom("message_queue_len"), 2000)));
    assert.equal((msgs[1] as unknown[]).length, 2000);
    assert.ok(equals((msgs[1] as unknown[])[0], t(atom("m"), 0, new TextEncoder().encode("a message body that takes some room"))));
    assert.ok(equals(single, [t(atom("status"), atom("waiting")), t(atom("trap_exit"), processInfo(counter, "trap_exit"))]), inspect(single));
    // badarg for an unknown item, on both (erpc raises it as {exception, badarg, Stack});
    // a pid of another node (erl's, asked of Agner) is badarg too.
    for (const b of bogus as unknown[][]) assert.match(inspect((b[1] as unknown[])[0]), /^\{exception,badarg,/);
    assert.match(inspect(((foreign as unknown[])[0] as unknown[])[1]), /^\{\{exception,badarg,/);
    assert.match(inspect(rpcBogus), /^\{\{badrpc,\{'EXIT',\{badarg,/);

    // A process that ended: undefined, and is_process_alive false.
    exit(plain, atom("kill"));
    const gone = await ev(`{erpc:call(A, erlang, process_info, [Plain]), erpc:call(A, erlang, process_info, [Plain, memory]), erpc:call(A, erlang, is_process_alive, [Plain]), erpc:call(A, erlang, is_process_alive, [Counter])}.`);
    assert.ok(equals(gone, t(atom("undefined"), atom("undefined"), false, true)), inspect(gone));
  });

  test("statistics/1, memory/0,1 and system_info/1 answer in erl's shapes, badarg where erl says badarg", async () => {
    const stats = "[reductions, exact_reductions, run_queue, run_queue_lengths, run_queue_lengths_all, active_tasks, active_tasks_all, wall_clock, runtime, context_switches, garbage_collection, io, total_active_tasks, total_active_tasks_all, total_run_queue_lengths, total_run_queue_lengths_all, scheduler_wall_time]";
    const infos = "[process_count, process_limit, otp_release, system_version, version, machine, schedulers, schedulers_online, logical_processors, logical_processors_available, logical_processors_online, port_count, port_limit, atom_count, atom_limit, ets_count, wordsize, thread_pool_size, dirty_cpu_schedulers]";
    const r = (await ev(`
      Bad = fun(F) -> try F(), no_badarg catch error:badarg -> badarg; error:{exception, badarg, _} -> badarg end end,
      {[Shape(erpc:call(A, erlang, statistics, [K])) || K <- ${stats}], [Shape(statistics(K)) || K <- ${stats}],
       [Shape(erpc:call(A, erlang, system_info, [K])) || K <- ${infos}], [Shape(erlang:system_info(K)) || K <- ${infos}],
       [K || {K, _} <- erpc:call(A, erlang, memory, [])], [K || {K, _} <- erlang:memory()],
       Shape(erpc:call(A, erlang, memory, [total])), Shape(erpc:call(A, erlang, memory, [[total, binary]])),
       [Bad(fun() -> erpc:call(N, erlang, F, [X]) end) || N <- [A, node()], {F, X} <- [{statistics, bogus}, {system_info, uptime}, {memory, bogus}, {memory, [total, bogus]}, {statistics, "io"}]],
       erpc:call(A, erlang, system_info, [otp_release]), erpc:call(A, erlang, system_info, [process_count]), length(erpc:call(A, erlang, processes, [])),
       element(1, erpc:call(A, erlang, statistics, [reductions])) > 0,
       [erpc:call(A, erlang, system_info, [K]) || K <- [machine, schedulers]],
       element(2, element(1, erpc:call(A, erlang, statistics, [io]))) > 0, erpc:call(A, erlang, statistics, [garbage_collection]),
       {erpc:call(A, erlang, process_info, [Hog, [memory, heap_size]])}}.`)) as unknown[];
    assert.equal(inspect(r[0]), inspect(r[1]), "statistics/1");
    assert.equal(inspect(r[2]), inspect(r[3]), "system_info/1");
    assert.equal(inspect(r[4]), inspect(r[5]), "memory/0's kinds");
    assert.equal(inspect(r[6]), "integer");
    assert.equal(inspect(r[7]), "list");
    assert.ok(equals(r[8], Array(10).fill(atom("badarg"))), inspect(r[8]));
    assert.ok(equals(r[9], [...Buffer.from("25")]), "otp_release is the charlist \"25\"");
    assert.equal(r[10], r[11], "process_count is the length of processes()");
    assert.equal(r[12], true);
    assert.ok(equals(r[13], [[...Buffer.from("Agner")], 1]), "machine \"Agner\", one scheduler");
    assert.equal(r[14], true, "io counts the bytes erl sent");
    const gc = r[15] as unknown[];
    assert.ok(typeof gc[0] === "number" && gc[1] === 0 && gc[2] === 0, inspect(gc));
    const [[, mem], [, heap]] = (r[16] as unknown[][])[0] as [unknown[], unknown[]];
    assert.equal(heap, Math.ceil((mem as number) / 8), "heap_size is the memory in words");
  });

  test("processes/0, registered/0, node/0 and nodes/0,1 name Agner's processes and peers", async () => {
    const r = (await ev(`
      Ps = rpc:call(A, erlang, processes, []), Rs = rpc:call(A, erlang, registered, []),
      {lists:member(Counter, Ps), lists:member(Sup, Ps), [N || N <- [tools_counter, tools_sup, tools_hog, rex, net_kernel], not lists:member(N, Rs)],
       rpc:call(A, erlang, node, []), rpc:call(A, erlang, nodes, [hidden]) ++ rpc:call(A, erlang, nodes, [connected]), rpc:call(A, erlang, nodes, [[this]])}.`)) as unknown[];
    assert.equal(r[0], true);
    assert.equal(r[1], true);
    assert.deepEqual(r[2], [], "registered names Agner did not list");
    assert.ok(equals(r[3], me));
    assert.ok(equals(r[4], [atom(erl.node), atom(erl.node)]), inspect(r[4]));
    assert.ok(equals(r[5], [me]));
  });

  test("supervisor:which_children/1, sys:get_state/1,2 and application:which_applications/0 of Agner's tree through rpc", async () => {
    const r = (await ev(`
      {rpc:call(A, supervisor, which_children, [tools_sup]), rpc:call(A, supervisor, which_children, [Sup]),
       rpc:call(A, sys, get_state, [tools_counter]), erpc:call(A, sys, get_state, [Counter, 1000]),
       rpc:call(A, application, which_applications, []), rpc:call(A, application, which_applications, [5000]),
       rpc:call(A, sys, get_state, [nobody_here])}.`)) as unknown[];
    const kids = [t("counter", counter, atom("worker"), atom("dynamic"))];
    assert.ok(equals(r[0], kids), inspect(r[0]));
    assert.ok(equals(r[1], kids));
    assert.ok(equals(r[2], t(atom("count"), 42)));
    assert.ok(equals(r[3], t(atom("count"), 42)));
    const apps = [t(atom("tools_shop"), [...Buffer.from("a shop for the tools test")], [...Buffer.from("1.2.3")])];
    assert.ok(equals(r[4], apps), inspect(r[4]));
    assert.ok(equals(r[5], apps));
    assert.match(inspect(r[6]), /^\{badrpc,\{'EXIT',\{noproc,/);
  });

  test("an observer_cli-style script lists the top processes by memory: the hog first", async () => {
    const top = (await ev(`
      Info = fun(P) -> case rpc:call(A, erlang, process_info, [P, [memory, registered_name, message_queue_len, current_function, reductions]]) of
               L when is_list(L) -> {P, L}; undefined -> false end end,
      Rows = [R || P <- rpc:call(A, erlang, processes, []), R <- [Info(P)], R =/= false],
      Sorted = lists:reverse(lists:keysort(2, [{P, proplists:get_value(memory, L), proplists:get_value(registered_name, L), proplists:get_value(message_queue_len, L)} || {P, L} <- Rows])),
      lists:sublist(Sorted, 3).`)) as unknown[][];
    assert.ok(equals(top[0]![0], hog), inspect(top));
    assert.ok(equals(top[0]![2], atom("tools_hog")));
    assert.equal(top[0]![3], 2000);
    assert.ok((top[0]![1] as number) > (top[1]![1] as number));
  });

  describe("from iex", needsElixir(), () => {
    let ex: ElixirNode;
    before(async () => {
      ex = await startElixir({ sname: uniqueName("iextools"), cookie, epmdPort });
      spawn(() => send(t(atom("probe"), atom(ex.node)), t(atom("pids"), hog, counter)));
      await ex.eval(`{:pids, hog, counter} = receive do m -> m end; Process.put(:pids, {hog, counter}); :ok`);
    });
    afterAll(() => ex?.stop(true));

    test("Process.info of an Agner pid (through :rpc), :rpc.call of :erlang.processes, :supervisor.which_children and :sys.get_state", async () => {
      const { value, inspected } = await ex.evalInspect(`
        a = :"${me.name}"; {hog, counter} = Process.get(:pids)
        info = :rpc.call(a, Process, :info, [counter])
        {Keyword.keys(info), Keyword.get(info, :registered_name), :rpc.call(a, Process, :info, [hog, :message_queue_len]),
         :rpc.call(a, Process, :info, [hog, [:registered_name, :memory]]) |> Keyword.keys(),
         counter in :rpc.call(a, :erlang, :processes, []),
         :supervisor.which_children({:tools_sup, a}), :rpc.call(a, :supervisor, :which_children, [:tools_sup]),
         :sys.get_state({:tools_counter, a}), :rpc.call(a, :sys, :get_state, [:tools_counter])}`);
      const [keys, name, qlen, hogKeys, listed, kids, kidsRpc, state, stateRpc] = value as unknown[];
      assert.ok(equals((keys as unknown[]).slice(0, 3), [atom("registered_name"), atom("current_function"), atom("initial_call")]), inspected);
      assert.ok(equals(name, atom("tools_counter")));
      assert.ok(equals(qlen, t(atom("message_queue_len"), 2000)));
      assert.ok(equals(hogKeys, [atom("registered_name"), atom("memory")]));
      assert.equal(listed, true);
      assert.ok(equals(kids, [t("counter", counter, atom("worker"), atom("dynamic"))]), inspected);
      assert.ok(equals(kidsRpc, kids));
      assert.ok(equals(state, t(atom("count"), 42)));
      assert.ok(equals(stateRpc, state));
      // Process.info of a process that ended is nil, as in iex.
      exit(hog, atom("kill"));
      assert.ok(equals(await ex.eval(`:rpc.call(:"${me.name}", Process, :info, [elem(Process.get(:pids), 0)])`), atom("nil")));
    });
  });
});
