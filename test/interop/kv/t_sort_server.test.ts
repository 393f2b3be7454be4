/**
 * SORT through the running server with a real client (ioredis), one shard,
 * append-only file on: the replies a client library reads (GET's nulls,
 * SORT_RO refusing STORE, WRONGTYPE), and a restart that loads the AOF
 * (SORT ... STORE logged as DEL + RPUSH, t_sort_diff.test.ts checks the
 * records): the stored lists and the emptied destination come back.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { aofServer } from "../../support/ioredis_server.js";

const { withServer } = aofServer("agner-sort-");

test("SORT through ioredis; SORT ... STORE kept across a restart by the AOF", async () => {
  await withServer(async (c) => {
    await c.rpush("l", "3", "1", "2");
    await c.mset("w_1", "30", "w_2", "10", "w_3", "20", "o_1", "one", "o_3", "three");
    await c.hset("h_1", "f", "b");
    await c.hset("h_2", "f", "a");
    assert.deepEqual(await c.sort("l"), ["1", "2", "3"]);
    assert.deepEqual(await c.call("SORT", "l", "BY", "w_*", "GET", "#", "GET", "o_*"), ["2", null, "3", "three", "1", "one"]);
    assert.deepEqual(await c.call("SORT_RO", "l", "BY", "h_*->f", "ALPHA", "DESC", "LIMIT", "0", "2"), ["1", "2"]);
    await assert.rejects(c.call("SORT_RO", "l", "STORE", "d"), /ERR syntax error/);
    assert.equal(await c.call("SORT", "l", "BY", "w_*", "STORE", "d"), 3);
    assert.equal(await c.call("SORT", "l", "BY", "w_*", "GET", "o_*", "STORE", "g"), 3);
    await c.set("x", "v");
    await assert.rejects(c.sort("x"), /WRONGTYPE/);
    await c.set("e", "old");
    assert.equal(await c.call("SORT", "nokey", "STORE", "e"), 0);
    await c.mset("w_1", "0", "w_2", "100");
  });
  await withServer(async (c) => {
    assert.deepEqual(await c.lrange("d", 0, -1), ["2", "3", "1"]);
    assert.deepEqual(await c.lrange("g", 0, -1), ["", "three", "one"]);
    assert.equal(await c.exists("e"), 0);
    assert.deepEqual(await c.call("SORT", "l", "BY", "w_*"), ["1", "3", "2"]);
  });
});
