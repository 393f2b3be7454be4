/**
 * Agner as a Redis primary, with a real redis-server 7.0.15 as its replica
 * (`--replicaof 127.0.0.1 <agner port>`): a full sync under write load of
 * every type with TTLs, converging key by key; partial resyncs (+CONTINUE)
 * after the replica's link is dropped and after a replica restart; WAIT;
 * min-replicas-to-write; ROLE and INFO replication.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { needsRedisServer, startRedis, type RedisServer } from "../../support/redis_server.js";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RespClient, plain } from "../../support/resp_client.js";
import { infoFields, keyspaceView, until, viewDiff, waitCaughtUp } from "../../support/repl_compare.js";

const far = () => String(Date.now() + 3_600_000);

/** Writes of every type, with expiries, into databases 0 and 3. */
function population(tag: string): string[][] {
  const cmds: string[][] = [];
  cmds.push(["SET", `s:${tag}`, "hello"], ["SET", `s:ttl:${tag}`, "v", "EX", "1000"], ["SET", `s:pxat:${tag}`, "w", "PXAT", far()]);
  cmds.push(["INCRBY", `n:${tag}`, "41"], ["APPEND", `s:${tag}`, " world"]);
  cmds.push(["RPUSH", `l:${tag}`, "a", "b", "c"], ["LPOP", `l:${tag}`], ["RPUSH", `l:big:${tag}`, ...Array.from({ length: 300 }, (_, i) => `e${i}`)]);
  cmds.push(["SADD", `set:${tag}`, "x", "y", "1"], ["SREM", `set:${tag}`, "y"]);
  cmds.push(["ZADD", `z:${tag}`, "1", "a", "2.5", "b"], ["ZINCRBY", `z:${tag}`, "3", "a"]);
  cmds.push(["HSET", `h:${tag}`, "f", "v", "g", "w"], ["HDEL", `h:${tag}`, "g"], ["EXPIRE", `h:${tag}`, "5000"]);
  cmds.push(["XADD", `x:${tag}`, "*", "f", "1"], ["XADD", `x:${tag}`, "*", "f", "2"]);
  cmds.push(["PFADD", `hll:${tag}`, "a", "b", "c"], ["SETEX", `ex:${tag}`, "900", "z"]);
  // Keys on several shards: each shard's part goes to replicas as a command of its own.
  cmds.push(["MSET", `ma:${tag}`, "1", `mb:${tag}`, "2", `mc:${tag}`, "3"], ["DEL", `mb:${tag}`, `l:${tag}`, "missing"]);
  cmds.push(["MULTI"], ["INCR", `tx:${tag}`], ["RPUSH", `txl:${tag}`, "a"], ["EXEC"]);
  cmds.push(["SELECT", "3"], ["SET", `db3:${tag}`, "three"], ["PEXPIRE", `db3:${tag}`, "700000"], ["SELECT", "0"]);
  return cmds;
}

async function run(c: RespClient, cmds: string[][]): Promise<void> {
  for (const argv of cmds) {
    const r = await c.cmd(...argv);
    assert.notEqual(r.t, "error", `${argv.join(" ")}: ${JSON.stringify(plain(r))}`);
  }
}

async function sameKeys(a: RespClient, b: RespClient): Promise<void> {
  for (const db of [0, 3]) {
    const va = await keyspaceView(a, db);
    const vb = await keyspaceView(b, db);
    assert.ok(va.size > 0 || db !== 0, "the primary has keys");
    assert.deepEqual(viewDiff(va, vb), [], `database ${db}`);
  }
}

describe("a redis-server replica of an Agner primary", needsRedisServer(), () => {
  let agner: TestServer;
  let replica: RedisServer;
  let p: RespClient;
  let r: RespClient;
  const replicaDir = mkdtempSync(join(tmpdir(), "agner-repl-"));

  after(async () => {
    p?.close();
    r?.close();
    await replica?.stop();
    await agner?.stop();
    rmSync(replicaDir, { recursive: true, force: true });
  });

  test("full sync under write load converges key by key, TTLs included", async () => {
    agner = await startAgner(["--repl-ping-replica-period", "1", "--rdb-key-save-delay", "2000"]);
    p = await RespClient.connect(agner.port);
    for (let i = 0; i < 20; i++) await run(p, population(`pre${i}`));
    // Writes go on while the replica connects and the RDB streams (slowly: rdb-key-save-delay).
    const w = await RespClient.connect(agner.port);
    let writing = true;
    let n = 0;
    const load = (async () => {
      while (writing) await run(w, population(`live${n++}`));
    })();
    replica = await startRedis(["--replicaof", "127.0.0.1", String(agner.port)], { dir: replicaDir });
    r = await RespClient.connect(replica.port);
    await until(async () => (await infoFields(r, "replication")).get("master_link_status") === "up", "the link up");
    await p.cmd("CONFIG", "SET", "rdb-key-save-delay", "0");
    writing = false;
    await load;
    w.close();
    assert.ok(n > 0, "writes ran during the sync");
    await waitCaughtUp(p, r);
    await sameKeys(p, r);
    const stats = await infoFields(p, "stats");
    assert.equal(stats.get("sync_full"), "1");
  });

  test("WAIT 1 after a write returns 1 and the write is on the replica", async () => {
    await p.cmd("SET", "waited", "yes");
    assert.deepEqual(plain(await p.cmd("WAIT", "1", "5000")), 1);
    assert.deepEqual(plain(await r.cmd("GET", "waited")), "yes");
    // Nobody can ACK two replicas: the timeout answers with the count.
    assert.deepEqual(plain(await p.cmd("WAIT", "2", "200")), 1);
    // In a transaction it answers at once (with the replicas that ACKed so far), as Redis does.
    await p.cmd("MULTI");
    await p.cmd("WAIT", "5", "0");
    const [inTx] = plain(await p.cmd("EXEC")) as number[];
    assert.ok(inTx === 0 || inTx === 1, `WAIT in EXEC answered ${inTx}`);
  });

  test("INFO replication and ROLE name the replica", async () => {
    const info = await infoFields(p, "replication");
    assert.equal(info.get("role"), "master");
    assert.equal(info.get("connected_slaves"), "1");
    assert.match(info.get("slave0")!, new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=\\d+,lag=\\d+$`));
    const role = plain(await p.cmd("ROLE")) as unknown[];
    assert.equal(role[0], "master");
    assert.deepEqual((role[2] as string[][])[0]!.slice(0, 2), ["127.0.0.1", String(replica.port)]);
  });

  test("a dropped link resumes with a partial resync (+CONTINUE)", async () => {
    const before = Number((await infoFields(p, "stats")).get("sync_partial_ok"));
    await r.cmd("CLIENT", "KILL", "TYPE", "master");
    await run(p, population("after-kill"));
    await until(async () => Number((await infoFields(p, "stats")).get("sync_partial_ok")) === before + 1, "a partial resync");
    await waitCaughtUp(p, r);
    await sameKeys(p, r);
    assert.equal((await infoFields(p, "stats")).get("sync_full"), "1");
  });

  test("a restarted replica (its RDB holds the replication id) continues with +CONTINUE", async () => {
    const before = Number((await infoFields(p, "stats")).get("sync_partial_ok"));
    const port = replica.port;
    // The replica saves its data with its primary's id and offset, stops, and comes back on the same port and directory.
    r.close();
    const c = await RespClient.connect(port);
    await c.cmd("SHUTDOWN", "SAVE").catch(() => undefined);
    c.close();
    await replica.stop();
    await run(p, population("while-down"));
    replica = await startRedis(["--replicaof", "127.0.0.1", String(agner.port)], { dir: replicaDir, port });
    r = await RespClient.connect(replica.port);
    await until(async () => Number((await infoFields(p, "stats")).get("sync_partial_ok")) === before + 1, "a partial resync after the restart");
    await waitCaughtUp(p, r);
    await sameKeys(p, r);
    assert.equal((await infoFields(p, "stats")).get("sync_full"), "1");
  });

  test("min-replicas-to-write refuses writes without enough good replicas", async () => {
    await p.cmd("CONFIG", "SET", "min-replicas-to-write", "2");
    await until(async () => (await p.cmd("SET", "k", "v")).t === "error", "the refusal");
    assert.deepEqual(plain(await p.cmd("SET", "k", "v")), { error: "NOREPLICAS Not enough good replicas to write." });
    assert.equal((await infoFields(p, "replication")).get("min_slaves_good_slaves"), "1");
    await p.cmd("CONFIG", "SET", "min-replicas-to-write", "1");
    await until(async () => (await p.cmd("SET", "k", "v")).t !== "error", "writes again");
    await p.cmd("CONFIG", "SET", "min-replicas-to-write", "0");
  });
});
