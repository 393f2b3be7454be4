/**
 * COPY, MOVE, SWAPDB and OBJECT through a real client (ioredis) on the
 * server: SWAPDB with two shards (each swaps its own keys; WATCH sees it as
 * Redis does), MOVE and COPY of keys within one shard, COPY between any keys
 * with one shard, and SWAPDB's AOF record replayed by a restart with two
 * shards.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { shardOf } from "../../../src/apps/kv/server/router.js";

/** `n` key names of prefix `p` in shard `shard` of 2. */
function keysIn(shard: number, p: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (shardOf(`${p}${i}`, 1) === shard) out.push(`${p}${i}`);
  return out;
}

async function client(port: number, db = 0): Promise<Redis> {
  const c = new Redis({ port, db, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  return c;
}

describe("keyspace commands on a server of two shards", () => {
  let srv: TestServer;
  let c0: Redis;
  let c1: Redis;
  before(async () => {
    srv = await startAgner(["--shards", "2"]);
    c0 = await client(srv.port, 0);
    c1 = await client(srv.port, 1);
  });
  after(async () => {
    c0?.disconnect();
    c1?.disconnect();
    await srv?.stop();
  });

  test("SWAPDB swaps the keys of every shard", async () => {
    await c0.flushall();
    const [a, b] = [keysIn(0, "a", 1)[0]!, keysIn(1, "a", 1)[0]!];
    const [x, y] = [keysIn(0, "x", 1)[0]!, keysIn(1, "x", 1)[0]!];
    await c0.mset(a, "0a", b, "0b");
    await c0.hset("h", "f", "v");
    await c0.expire(a, 100);
    await c1.mset(x, "1x", y, "1y");
    assert.equal(await c0.swapdb(0, 1), "OK");
    assert.deepEqual(await c0.mget(a, b, x, y), [null, null, "1x", "1y"]);
    assert.deepEqual(await c1.mget(a, b, x, y), ["0a", "0b", null, null]);
    assert.equal(await c1.hget("h", "f"), "v");
    assert.ok((await c1.ttl(a)) > 0);
    assert.equal(await c0.dbsize(), 2);
    assert.equal(await c1.dbsize(), 3);
    await assert.rejects(c0.swapdb(0, 16), /ERR DB index is out of range/);
    await assert.rejects(c0.call("SWAPDB", "x", "0"), /ERR invalid first DB index/);
  });

  test("SWAPDB touches the watched keys that exist in either database, on every shard", async () => {
    await c0.flushall();
    const [k, m] = [keysIn(1, "w", 1)[0]!, keysIn(0, "w", 1)[0]!];
    await c1.set(k, "in db 1");
    const w = await client(srv.port, 0);
    try {
      // k exists in db 1 only: the swap changes what db 0 holds under k.
      await w.watch(k);
      await c1.swapdb(0, 1);
      assert.equal(await w.multi().set(k, "x").exec(), null, "EXEC aborted");
      // A key in neither database is not touched.
      await w.watch(m);
      await c1.swapdb(0, 1);
      assert.deepEqual(await w.multi().set(m, "x").exec(), [[null, "OK"]]);
    } finally {
      w.disconnect();
    }
  });

  test("MOVE and COPY within a shard, with TTLs and every type", async () => {
    await c0.flushall();
    for (const shard of [0, 1]) {
      const [s, l] = keysIn(shard, `m${shard}_`, 2) as [string, string];
      await c0.set(s, "v", "EX", 100);
      await c0.rpush(l, "a", "b");
      assert.equal(await c0.move(s, 1), 1);
      assert.equal(await c0.move(s, 1), 0);
      assert.equal(await c1.get(s), "v");
      assert.ok((await c1.ttl(s)) > 0);
      assert.equal(await c0.call("COPY", l, l, "DB", "1"), 1);
      await c0.rpush(l, "c");
      assert.deepEqual(await c1.lrange(l, 0, -1), ["a", "b"]);
      assert.equal(await c1.call("COPY", s, s, "DB", "0", "REPLACE"), 1);
      assert.equal(await c0.get(s), "v");
      assert.equal(await c0.call("OBJECT", "ENCODING", l), "quicklist");
      assert.equal(await c0.type(l), "list");
      assert.ok(Number(await c0.call("MEMORY", "USAGE", l)) > 0);
    }
    const [p, q] = keysIn(0, "c", 2) as [string, string];
    await c0.hset(p, "f", "v");
    assert.equal(await c0.copy(p, q), 1);
    assert.equal(await c0.hget(q, "f"), "v");
    assert.equal(await c0.call("OBJECT", "FREQ", p).catch((e: Error) => e.message), "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    assert.ok(Number(await c0.call("OBJECT", "IDLETIME", p)) >= 0);
  });

  test("SWAPDB inside MULTI", async () => {
    await c0.flushall();
    await c0.set("t", "0");
    const r = await c0.multi().swapdb(0, 1).get("t").exec();
    assert.deepEqual(r, [[null, "OK"], [null, null]]);
    assert.equal(await c1.get("t"), "0");
  });
});

describe("COPY between any keys on one shard", () => {
  let srv: TestServer;
  let c: Redis;
  before(async () => {
    srv = await startAgner(["--shards", "1"]);
    c = await client(srv.port);
  });
  after(async () => {
    c?.disconnect();
    await srv?.stop();
  });

  test("COPY, COPY REPLACE, COPY DB", async () => {
    await c.set("src", "v");
    await c.set("dst", "old");
    assert.equal(await c.copy("src", "dst"), 0);
    assert.equal(await c.copy("src", "dst", "REPLACE"), 1);
    assert.equal(await c.get("dst"), "v");
    assert.equal(await c.copy("src", "other", "DB", 3), 1);
    const c3 = await client(srv.port, 3);
    try {
      assert.equal(await c3.get("other"), "v");
    } finally {
      c3.disconnect();
    }
    await assert.rejects(c.copy("src", "src"), /ERR source and destination objects are the same/);
  });
});

describe("SWAPDB in the AOF of a server of two shards", () => {
  const dir = mkdtempSync(join(tmpdir(), "agner-swapdb-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a restart replays each shard's swap once", async () => {
    const args = ["--shards", "2", "--appendonly", "yes", "--dir", dir];
    const keys = [...keysIn(0, "k", 3), ...keysIn(1, "k", 3)];
    let srv = await startAgner(args);
    let c0 = await client(srv.port, 0);
    for (const k of keys) await c0.set(k, `db0:${k}`);
    await c0.set("stay", "x");
    await c0.swapdb(0, 1);
    await c0.set("stay", "after");
    c0.disconnect();
    await srv.stop();
    srv = await startAgner(args);
    c0 = await client(srv.port, 0);
    const c1 = await client(srv.port, 1);
    try {
      assert.deepEqual(await c0.keys("*"), ["stay"]);
      assert.deepEqual(await c1.mget(...keys), keys.map((k) => `db0:${k}`));
      assert.equal(await c1.get("stay"), "x");
    } finally {
      c0.disconnect();
      c1.disconnect();
      await srv.stop();
    }
  });
});
