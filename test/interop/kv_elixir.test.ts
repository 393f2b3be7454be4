/**
 * The seed's messages from a real Elixir node to the KV server's `kv`
 * GenServer over the distribution protocol, on the data Redis clients see:
 * `redis-cli SET foo bar` is `"foo"` -> `"bar"` in iex, and the other way
 * round.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Runtime, setDefaultRuntime, silentLogger, startNode, stopNode } from "../../src/index.js";
import { startKvServer, shutdown } from "../../src/apps/kv/server/app.js";
import { Config } from "../../src/apps/kv/server/config.js";
import { KvInstance } from "../../src/apps/kv/server/instance.js";
import { type ElixirNode, needsElixir, startElixir } from "../support/elixir_node.js";
import { freePort, uniqueName } from "../support/dist.js";
import { RespClient, plain } from "../support/resp_client.js";

describe("kv from a real Elixir node", needsElixir(), () => {
  const rt = new Runtime({ logger: silentLogger });
  let inst: KvInstance;
  let ex: ElixirNode;
  let redis: RespClient;
  let node: string;

  before(async () => {
    setDefaultRuntime(rt);
    inst = new KvInstance({ config: Config.from({ argv: ["--port", "0", "--memcached-port", "0"] }) });
    await startKvServer(inst);
    const epmdPort = await freePort();
    node = `${uniqueName("agnerkv")}@localhost`;
    await startNode({ name: node, cookie: "kvsecret", hidden: false, epmdPort, epmd: "embedded" });
    ex = await startElixir({ sname: `${uniqueName("iex")}@localhost`, cookie: "kvsecret", epmdPort });
    redis = await RespClient.connect(inst.port);
  });
  after(async () => {
    redis?.close();
    await ex?.stop(true);
    await shutdown(inst);
    await stopNode(rt);
    rt.shutdown();
  });

  const iex = async (code: string) => (await ex.evalInspect(code.replaceAll("NODE", `:"${node}"`))).inspected;

  test("a key set by a Redis client is seen from iex, and the other way round", async () => {
    assert.deepEqual(plain(await redis.cmd("SET", "foo", "bar")), "OK");
    assert.equal(await iex(`GenServer.call({:kv, NODE}, {:get, "foo"})`), `"bar"`);
    assert.equal(await iex(`GenServer.cast({:kv, NODE}, {:set, "from_iex", "héllo"})`), ":ok");
    assert.equal(await iex(`GenServer.call({:kv, NODE}, {:get, "from_iex"})`), `"héllo"`, "a cast is ordered before the same caller's call");
    assert.deepEqual(plain(await redis.cmd("GET", "from_iex")), Buffer.from("héllo", "utf8").toString("latin1"));
    assert.equal(await iex(`GenServer.cast({:kv, NODE}, {:delete, "foo"})`), ":ok");
    assert.equal(await iex(`GenServer.call({:kv, NODE}, {:get, "foo"})`), "nil");
    assert.deepEqual(plain(await redis.cmd("EXISTS", "foo")), 0);
  });

  test("a primary's kv is also {:global, :kv}: iex reaches it without naming the node", async () => {
    // kv_global registers the name within a second of the node's start (its periodic check).
    for (let i = 0; (await iex(`case :global.whereis_name(:kv) do :undefined -> false; p -> node(p) == NODE end`)) !== "true"; i++) {
      assert.ok(i < 100, "kv never registered globally");
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(plain(await redis.cmd("SET", "gkey", "gval")), "OK");
    assert.equal(await iex(`GenServer.call({:global, :kv}, {:get, "gkey"})`), `"gval"`);
  });

  test("a replica does not hold {:global, :kv}; promoted, it takes it back", async () => {
    const holder = () => iex(`case :global.whereis_name(:kv) do :undefined -> :none; p -> node(p) == NODE end`);
    const until = async (want: string) => {
      for (let i = 0; (await holder()) !== want; i++) {
        assert.ok(i < 100, `never ${want}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until("true");
    // A replica of a primary that is not there: a replica all the same (its link retries).
    assert.deepEqual(plain(await redis.cmd("REPLICAOF", "127.0.0.1", "1")), "OK");
    await until(":none");
    assert.equal(await iex(`GenServer.call({:kv, NODE}, {:get, "gkey"})`), `"gval"`, "the local name stays");
    assert.deepEqual(plain(await redis.cmd("REPLICAOF", "NO", "ONE")), "OK");
    await until("true");
    assert.equal(await iex(`GenServer.call({:global, :kv}, {:get, "gkey"})`), `"gval"`);
  });

  test("binary bytes both ways; integers and atoms as their text; other terms refused", async () => {
    assert.equal(await iex(`GenServer.cast({:kv, NODE}, {:set, <<0, 255, 10>>, <<1, 2, 3>>})`), ":ok");
    assert.equal(await iex(`GenServer.call({:kv, NODE}, {:get, <<0, 255, 10>>})`), "<<1, 2, 3>>");
    assert.equal(await iex(`GenServer.cast({:kv, NODE}, {:set, :colour, 42})`), ":ok");
    assert.deepEqual(plain(await redis.cmd("GET", "colour")), "42");
    assert.equal(await iex(`GenServer.call({:kv, NODE}, {:get, {:not, :a, :key}})`), "{:error, :badarg}");
    await redis.cmd("HSET", "h", "f", "v");
    assert.equal(await iex(`GenServer.call({:kv, NODE}, {:get, "h"})`), "{:error, :wrongtype}");
  });
});

describe("the npm start entry is an Erlang node that iex reaches", needsElixir(), () => {
  const cli = fileURLToPath(new URL("../../src/cli/kv.js", import.meta.url));
  const tmp = mkdtempSync(join(tmpdir(), "agner-kv-node-"));
  let proc: ChildProcess;
  let ex: ElixirNode;
  let redis: RespClient;
  let node: string;
  let banner = "";

  before(async () => {
    const epmdPort = await freePort();
    const port = await freePort();
    node = `${uniqueName("agnerkv")}@localhost`;
    // A private EPMD port: the entry starts the EPMD daemon there, as it would on a machine without epmd.
    proc = spawn(process.execPath, [cli, "--port", String(port), "--memcached", "no", "--dir", tmp, "--node-name", node, "--cookie", "clisecret"], {
      env: { ...process.env, ERL_EPMD_PORT: String(epmdPort) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on("data", (d) => {
        banner += d;
        if (banner.includes("stop:")) resolve();
      });
      proc.stderr!.on("data", (d) => (banner += d));
      proc.once("exit", (code) => reject(new Error(`the entry exited (${code}): ${banner}`)));
    });
    ex = await startElixir({ sname: `${uniqueName("iex")}@localhost`, cookie: "clisecret", epmdPort });
    redis = await RespClient.connect(port);
  });
  after(async () => {
    redis?.close();
    await ex?.stop(true);
    proc?.kill("SIGTERM");
    // The daemon outlives the entry, as epmd: the banner gave its pid.
    const daemon = /the EPMD daemon started now \(pid (\d+)\)/.exec(banner);
    if (daemon) process.kill(Number(daemon[1]), "SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
  });

  test("the banner names the node; redis-cli's SET is iex's GenServer.call, and back", async () => {
    assert.match(banner, new RegExp(`node ${node.replace(".", "\\.")}`));
    assert.match(banner, new RegExp(`GenServer\\.call\\(\\{:kv, :"${node}"\\}, \\{:get, "foo"\\}\\)`));
    assert.deepEqual(plain(await redis.cmd("SET", "foo", "bar")), "OK");
    const iex = async (code: string) => (await ex.evalInspect(code.replaceAll("NODE", `:"${node}"`))).inspected;
    assert.equal(await iex(`GenServer.call({:kv, NODE}, {:get, "foo"})`), `"bar"`);
    assert.equal(await iex(`GenServer.cast({:kv, NODE}, {:set, "seed", "article"})`), ":ok");
    assert.equal(await iex(`GenServer.call({:kv, NODE}, {:get, "seed"})`), `"article"`);
    assert.deepEqual(plain(await redis.cmd("GET", "seed")), "article");
    assert.equal(await iex(`:net_adm.ping(NODE)`), ":pong");
  });
});
