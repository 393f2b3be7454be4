/**
 * Sorted sets through the whole server with a real client (ioredis, RESP2),
 * one shard (the multi-key ones are run across shards by the lead's
 * runner): writes, ranges with scores, pops, set operations, and the AOF
 * rewrite loading back the same scores after a restart.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Redis } from "ioredis";
import { startAgner } from "../../support/agner_kv.js";

describe("sorted sets over the server", () => {
  test("ioredis: ZADD, ranges, pops, ZUNIONSTORE; the data survives BGREWRITEAOF and a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zset-"));
    const args = ["--shards", "1", "--appendonly", "yes", "--dir", dir];
    let agner = await startAgner(args);
    try {
      let c = new Redis({ port: agner.port, lazyConnect: true });
      await c.connect();
      assert.equal(await c.zadd("z", "1", "a", "2.5", "b", "-inf", "c", "0.1", "d"), 4);
      assert.deepEqual(await c.zrange("z", "0", "-1", "WITHSCORES"), ["c", "-inf", "d", "0.10000000000000001", "a", "1", "b", "2.5"]);
      assert.deepEqual(await c.zrangebyscore("z", "(0", "+inf", "LIMIT", "1", "5"), ["a", "b"]);
      assert.equal(await c.zincrby("z", "0.2", "d"), "0.30000000000000004");
      assert.deepEqual(await c.zpopmin("z"), ["c", "-inf"]);
      assert.equal(await c.zunionstore("u", 2, "z", "z", "WEIGHTS", "1", "2"), 3);
      assert.deepEqual(await c.zrange("u", "0", "-1", "WITHSCORES"), ["d", "0.90000000000000013", "a", "3", "b", "7.5"]);
      for (let i = 0; i < 300; i++) await c.zadd("big", String(i / 7), `m${i}`);
      assert.equal(await c.call("BGREWRITEAOF"), "Background append only file rewriting started");
      const before = await c.zrange("big", "0", "-1", "WITHSCORES");
      await c.quit();
      await agner.stop();
      agner = await startAgner(args);
      c = new Redis({ port: agner.port, lazyConnect: true });
      await c.connect();
      assert.deepEqual(await c.zrange("big", "0", "-1", "WITHSCORES"), before);
      assert.deepEqual(await c.zrange("u", "0", "-1", "WITHSCORES"), ["d", "0.90000000000000013", "a", "3", "b", "7.5"]);
      assert.equal(await c.type("big"), "zset");
      await c.quit();
    } finally {
      await agner.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
