/**
 * Failover of Agner by real redis-sentinel, as docs/kv_ha.md walks through
 * it: an Agner primary with two Agner replicas, three sentinels, ioredis
 * and node-redis clients configured with the sentinels writing all along.
 * kill -9 of the primary: the sentinels promote a replica and point the
 * other at it; both clients follow the new primary; a write acknowledged
 * by `WAIT 1` before the kill is on the new primary. How many writes
 * without WAIT were lost is printed (Redis documents such a window), not
 * asserted. The servers are also a cluster of Erlang nodes, with a real
 * Elixir node in it: `GenServer.call({:global, :kv}, ...)` reaches the
 * primary before the kill and the promoted replica after it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Redis } from "ioredis";
import { createSentinel } from "redis";
import { type KvProcess, startKvProcess } from "../../support/kv_process.js";
import { needsRedisSentinel, startSentinel, type Sentinel } from "../../support/redis_sentinel.js";
import { RespClient, plain } from "../../support/resp_client.js";
import { freePort, uniqueName, until as pollUntil } from "../../support/dist.js";
import { type ElixirNode, needsElixir, startElixir } from "../../support/elixir_node.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` (a failing check counts as not yet) for up to a minute. */
function until(what: string, check: () => Promise<boolean>): Promise<void> {
  return pollUntil(() => check().catch(() => false), what, 60_000);
}

async function replInfo(port: number): Promise<Record<string, string>> {
  const c = await RespClient.connect(port);
  try {
    const text = String(plain(await c.cmd("INFO", "replication")));
    return Object.fromEntries(text.split("\r\n").filter((l) => l.includes(":")).map((l) => l.split(":", 2) as [string, string]));
  } finally {
    c.close();
  }
}

const needs = { skip: needsRedisSentinel().skip ?? needsElixir().skip };

describe("redis-sentinel fails an Agner primary over to an Agner replica", needs, () => {
  test("kill -9 under write load: a replica is promoted, the other follows it, clients follow, WAIT-acknowledged writes survive", async () => {
    const servers: KvProcess[] = [];
    const sentinels: Sentinel[] = [];
    let io: Redis | null = null;
    let nr: ReturnType<typeof createSentinel> | null = null;
    let ex: ElixirNode | null = null;
    // The three servers are visible Erlang nodes of one cluster, on an EPMD of this test's own.
    const epmdPort = await freePort();
    const savedEpmd = process.env.ERL_EPMD_PORT;
    process.env.ERL_EPMD_PORT = String(epmdPort);
    const nodeOf = new Map<number, string>();
    const names = [0, 1, 2].map((i) => `${uniqueName(`ha${i}`)}@localhost`);
    const dist = (i: number) => ["--distribution", "yes", "--node-name", names[i]!, "--node-hidden", "no", "--cookie", "hacookie", ...(i > 0 ? ["--join", names[0]!] : [])];
    try {
      const primary = await startKvProcess(["--appendonly", "no", ...dist(0)]);
      servers.push(primary);
      for (let i = 1; i <= 2; i++) servers.push(await startKvProcess(["--appendonly", "no", "--replicaof", "127.0.0.1", String(primary.port), ...dist(i)]));
      servers.forEach((s, i) => nodeOf.set(s.port, names[i]!));
      ex = await startElixir({ sname: `${uniqueName("haiex")}@localhost`, cookie: "hacookie", epmdPort });
      const iex = async (code: string) => (await ex!.evalInspect(code)).inspected;
      const globalHolder = () => iex(`case :global.whereis_name(:kv) do :undefined -> :none; p -> Atom.to_string(node(p)) end`);
      assert.equal(await iex(`Node.connect(:"${names[0]}")`), "true");
      const replicas = servers.slice(1);
      for (const r of replicas) await until("a replica's link is up", async () => (await replInfo(r.port)).master_link_status === "up");
      for (let i = 0; i < 3; i++) sentinels.push(await startSentinel("127.0.0.1", primary.port, { quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 10_000 }));
      for (const s of sentinels) {
        await until("a sentinel sees both replicas and the other sentinels", async () => {
          const m = await s.master();
          return m["num-slaves"] === "2" && m["num-other-sentinels"] === "2";
        });
      }

      const sentinelAddrs = sentinels.map((s) => ({ host: "127.0.0.1", port: s.port }));
      io = new Redis({ sentinels: sentinelAddrs, name: "mymaster", maxRetriesPerRequest: null });
      io.on("error", () => {});
      nr = createSentinel({ name: "mymaster", sentinelRootNodes: sentinelAddrs });
      nr.on("error", () => {});
      await nr.connect();

      // A write acknowledged by a replica before the kill.
      assert.equal(await io.set("acked", "yes"), "OK");
      assert.ok(Number(await io.call("WAIT", "1", "5000")) >= 1, "WAIT 1: a replica has it");
      await until("the primary's kv holds {:global, :kv}", async () => (await globalHolder()) === `"${names[0]}"`);
      assert.equal(await iex(`GenServer.call({:global, :kv}, {:get, "acked"})`), `"yes"`);

      // Write load from both clients until the end.
      let stop = false;
      let sent = 0;
      const acked = new Set<number>();
      const load = (async () => {
        while (!stop) {
          const n = sent++;
          try {
            await io!.set(`w:${n}`, String(n));
            acked.add(n);
          } catch {
            // during the failover: the client retries the next one
          }
        }
      })();
      await sleep(300);
      await primary.kill9();

      // The sentinels promote one replica; the other replicates it.
      let promoted = 0;
      await until("a sentinel names a new primary", async () => {
        const addr = (await sentinels[0]!.cmd("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")) as string[];
        promoted = Number(addr[1]);
        return promoted !== primary.port;
      });
      const [newPrimary, other] = replicas[0]!.port === promoted ? [replicas[0]!, replicas[1]!] : [replicas[1]!, replicas[0]!];
      assert.equal(newPrimary.port, promoted);
      await until("the new primary says so", async () => (await replInfo(newPrimary.port)).role === "master");
      await until("the other replica follows the new primary", async () => {
        const i = await replInfo(other.port);
        return i.role === "slave" && i.master_port === String(promoted) && i.master_link_status === "up";
      });

      // From iex, {:global, :kv} is now the promoted server's kv.
      await until("the promoted server holds {:global, :kv}", async () => (await globalHolder()) === `"${nodeOf.get(promoted)}"`);
      assert.equal(await iex(`GenServer.call({:global, :kv}, {:get, "acked"})`), `"yes"`);

      // Both clients write to the new primary.
      await until("ioredis writes after the failover", async () => (await io!.set("after:io", "1")) === "OK");
      await until("node-redis writes after the failover", async () => (await nr!.set("after:nr", "1")) === "OK");
      stop = true;
      await load;
      const c = await RespClient.connect(newPrimary.port);
      try {
        assert.equal(plain(await c.cmd("GET", "acked")), "yes", "the WAIT-acknowledged write survived");
        assert.deepEqual([plain(await c.cmd("GET", "after:io")), plain(await c.cmd("GET", "after:nr"))], ["1", "1"]);
        let lost = 0;
        for (const n of acked) if (plain(await c.cmd("EXISTS", `w:${n}`)) === 0) lost++;
        console.log(`# failover: ${acked.size} writes acknowledged without WAIT during the run, ${lost} lost with the primary`);
      } finally {
        c.close();
      }
    } catch (e) {
      for (const s of sentinels) console.log(`# sentinel ${s.port} log:\n${s.log().split("\n").slice(-25).join("\n")}`);
      throw e;
    } finally {
      io?.disconnect();
      await nr?.close().catch(() => {});
      await ex?.stop(true);
      if (savedEpmd === undefined) delete process.env.ERL_EPMD_PORT;
      else process.env.ERL_EPMD_PORT = savedEpmd;
      for (const s of sentinels) await s.stop();
      for (const s of servers) await s.stop();
    }
  });
});
