/**
 * What BEAM tools send (observer, `:sys.get_state` in iex, `sys`,
 * `proc_lib`, `supervisor`) to every process of the real KV server entry
 * (`npm start`'s `dist/src/cli/kv.js`), from a real `erl` node: whatever
 * they answer, the Node.js process and its KV server stay up and serving,
 * and the answers are Erlang terms a shell can read.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Names } from "../../src/apps/kv/server/instance.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { freePort, uniqueName } from "../support/dist.js";
import { RespClient, plain } from "../support/resp_client.js";

const SHARDS = 2;

/** Every registered name of the server: its tree's (instance.ts, memcached_server.ts) and the node's own. */
function registeredNames(): string[] {
  const n = new Names("kv", SHARDS);
  return [
    ...[n.kv, n.sup, n.holder, n.writer, n.shardSup, ...n.shards, n.expiry, n.connSup, n.listenerSup, n.listener(0)].map((a) => a.name),
    "kv_mc_sup",
    "kv_mc_flusher",
    "kv_mc_listener_0",
    "net_sup",
    "net_kernel",
    "rex",
  ];
}

describe("BEAM tools' requests to every process of the npm start entry", needsErl(), () => {
  const cli = fileURLToPath(new URL("../../src/cli/kv.js", import.meta.url));
  const tmp = mkdtempSync(join(tmpdir(), "agner-kv-tools-"));
  let proc: ChildProcess;
  let exited: number | null | undefined;
  let output = "";
  let erl: ErlNode;
  let node: string;
  let port: number;

  before(async () => {
    const epmdPort = await freePort();
    port = await freePort();
    const mcPort = await freePort();
    node = `${uniqueName("agnerkvtools")}@localhost`;
    proc = spawn(
      process.execPath,
      [cli, "--port", String(port), "--memcached", "yes", "--memcached-port", String(mcPort), "--shards", String(SHARDS), "--dir", tmp, "--node-name", node, "--cookie", "toolsecret"],
      { env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) }, stdio: ["ignore", "pipe", "pipe"] },
    );
    proc.once("exit", (code) => (exited = code));
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on("data", (d) => {
        output += d;
        if (output.includes("stop:")) resolve();
      });
      proc.stderr!.on("data", (d) => (output += d));
      proc.once("exit", (code) => reject(new Error(`the entry exited (${code}): ${output}`)));
    });
    erl = await startErl({ sname: `${uniqueName("tools")}@localhost`, cookie: "toolsecret", epmdPort });
  });
  after(async () => {
    await erl?.stop(true);
    proc?.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  const ev = (code: string, ms = 120_000) => erl.eval(code.replaceAll("NODE", `'${node}'`), ms);

  test("sys, proc_lib, gen and supervisor requests to every process leave the node up and serving", async () => {
    const names = registeredNames();
    // Every name above is registered there (a monitor by name gets no immediate noproc DOWN).
    const missing = await ev(`
      Mons = [{Name, erlang:monitor(process, {Name, NODE})} || Name <- [${names.map((n) => `'${n}'`).join(",")}]],
      timer:sleep(1000),
      [Name || {Name, R} <- Mons, receive {'DOWN', R, _, _, _} -> true after 0 -> erlang:demonitor(R, [flush]), false end].`);
    assert.deepEqual(missing, [], "names that are not registered on the server");

    // The targets: every registered name, and every pid found by walking the supervisors (which
    // also finds the unregistered ones, such as a client's connection process).
    const redis = await RespClient.connect(port);
    assert.equal(plain(await redis.cmd("PING")), "PONG");
    const swept = await ev(`
      Walk = fun W(Sup, D) when D > 6 -> [];
                 W(Sup, D) -> case catch supervisor:which_children(Sup) of
                   L when is_list(L) -> lists:append([[P | case T of supervisor -> W(P, D + 1); _ -> [] end] || {_, P, T, _} <- L, is_pid(P)]);
                   _ -> [] end end,
      Pids = Walk({kv_sup, NODE}, 0) ++ Walk({net_sup, NODE}, 0),
      Targets = [{Name, NODE} || Name <- [${names.map((n) => `'${n}'`).join(",")}]] ++ Pids,
      Label = case erlang:function_exported(proc_lib, get_label, 1) of true -> fun(P) -> catch proc_lib:get_label(P) end; false -> fun(_) -> skipped end end,
      Requests = fun(T) -> [
        catch sys:get_state(T, 500), catch sys:get_status(T, 500),
        catch sys:statistics(T, true, 500), catch sys:statistics(T, get, 500), catch sys:statistics(T, false, 500),
        catch sys:trace(T, true, 500), catch sys:trace(T, false, 500),
        catch sys:log(T, true, 500), catch sys:log(T, get, 500), catch sys:log(T, print, 500), catch sys:log(T, false, 500),
        catch sys:no_debug(T, 500),
        catch sys:suspend(T, 500), catch sys:get_state(T, 500), catch sys:resume(T, 500),
        catch sys:replace_state(T, fun(S) -> S end, 500),
        catch sys:change_code(T, some_module, "0", extra, 500),
        catch gen:call(T, '$gen_call', foo, 500),
        catch gen_server:call(T, which_children, 500), catch gen_server:call(T, count_children, 500),
        case is_pid(T) of true -> [catch proc_lib:initial_call(T), catch proc_lib:translate_initial_call(T), Label(T)]; false -> [] end
      ] end,
      Self = self(),
      _ = [spawn(fun() -> Self ! {swept, T, Requests(T)} end) || T <- Targets],
      [receive {swept, T, _} -> T after 90000 -> {no_answer, T} end || T <- Targets].`);
    // The node is up and the server serves, over both ways in.
    assert.equal(exited, undefined, `the entry exited: ${output}`);
    assert.equal(((await ev(`net_adm:ping(NODE).`)) as { name: string }).name, "pong");
    const fresh = await RespClient.connect(port);
    assert.equal(plain(await fresh.cmd("SET", "tools", "still here")), "OK");
    assert.equal(await ev(`gen_server:call({kv, NODE}, {get, <<"tools">>}, 5000).`).then((b) => Buffer.from(b as Uint8Array).toString()), "still here");
    assert.equal((await ev(`gen_server:cast({kv, NODE}, {set, <<"from_erl">>, <<"v">>}), gen_server:call({kv, NODE}, {get, <<"from_erl">>}, 5000).`)) instanceof Uint8Array, true);
    assert.equal(plain(await fresh.cmd("GET", "from_erl")), "v");
    fresh.close();
    redis.close();
    assert.equal(exited, undefined, `the entry exited: ${output}`);

    const targets = swept as unknown[];
    assert.ok(targets.length > names.length, `the supervisor walk found pids too (${targets.length} targets)`);
    assert.equal(
      targets.filter((x) => Array.isArray(x) && (x[0] as { name?: string }).name === "no_answer").length,
      0,
      "every target's requests returned (caught or not)",
    );
  });

  test("the answers are readable Erlang terms: a shard's state is a map naming its class; supervisors answer in Erlang's shapes", async () => {
    const shape = await ev(`
      S = sys:get_state({kv_shard_0, NODE}, 5000),
      Which = supervisor:which_children({kv_sup, NODE}),
      Counts = supervisor:count_children({kv_sup, NODE}),
      {is_map(S), maps:get('__struct__', S, none), maps:get(index, S, none),
       lists:all(fun({Id, Child, Type, Mods}) -> is_binary(Id) andalso (is_pid(Child) orelse Child =:= undefined orelse Child =:= restarting)
                    andalso (Type =:= worker orelse Type =:= supervisor) andalso (Mods =:= dynamic orelse is_list(Mods)); (_) -> false end, Which),
       length(Which), [K || {K, _} <- Counts], proplists:get_value(specs, Counts), proplists:get_value(supervisors, Counts),
       sys:statistics({kv, NODE}, true, 5000), element(1, sys:statistics({kv, NODE}, get, 5000)), sys:trace({kv, NODE}, false, 5000)}.`);
    const [isMap, struct, index, whichOk, whichLen, countKeys, specs, sups, statsOn, statsGet, traceOff] = shape as unknown[];
    assert.equal(isMap, true, "sys:get_state of a shard is a map");
    assert.equal((struct as { name: string }).name, "ShardState");
    assert.equal(index, 0);
    assert.equal(whichOk, true, "which_children: [{Id, Child, Type, Modules}]");
    assert.equal(whichLen, 9);
    assert.deepEqual((countKeys as { name: string }[]).map((a) => a.name), ["specs", "active", "supervisors", "workers"]);
    assert.equal(specs, 9);
    assert.equal(sups, 3);
    assert.equal((statsOn as { name: string }).name, "ok");
    assert.equal((statsGet as { name: string }).name, "ok");
    assert.equal((traceOff as { name: string }).name, "ok");
  });
});
