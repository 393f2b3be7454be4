/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH, side by side with redis-server
 * 7.0 (the same bytes from several connections, interleaved the same way,
 * must give the same replies), with the ioredis and node-redis clients'
 * transaction APIs, and EXEC's atomicity across shards: no reader ever sees
 * half of a transaction whose keys live on different shards.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RedisServer, needsRedis } from "../../support/redis_tools.js";
import { RespClient, plain } from "../../support/resp_client.js";
import { shardOf } from "../../../src/apps/kv/server/router.js";

let agner: TestServer;
let redis: RedisServer;
const guard = needsRedis();

before(async () => {
  if (guard.skip) return;
  agner = await startAgner(["--shards", "4"]);
  redis = await RedisServer.start();
});
after(async () => {
  if (guard.skip) return;
  await agner.stop();
  await redis.stop();
});

/** Steps: [connection index, command]. Both servers get the same steps; the raw replies must agree. */
async function same(steps: [number, string[]][], conns = 2): Promise<string[]> {
  const a = await Promise.all(Array.from({ length: conns }, () => RespClient.connect(agner.port)));
  const b = await Promise.all(Array.from({ length: conns }, () => RespClient.connect(redis.port)));
  const seen: string[] = [];
  try {
    for (const [k, argv] of steps) {
      const ra = await a[k]!.raw(...argv);
      const rb = await b[k]!.raw(...argv);
      assert.equal(ra, rb, `reply to ${JSON.stringify(argv)} on connection ${k}`);
      seen.push(ra);
    }
  } finally {
    for (const c of [...a, ...b]) c.close();
  }
  return seen;
}

/** Keys that live on different shards of the Agner server. */
function keysOnDistinctShards(n: number): string[] {
  const mask = agner.inst.mask;
  const byShard = new Map<number, string>();
  for (let i = 0; byShard.size < n; i++) {
    const k = `k${i}`;
    if (!byShard.has(shardOf(k, mask))) byShard.set(shardOf(k, mask), k);
  }
  return [...byShard.values()];
}

describe("transactions, byte for byte with redis-server", guard, () => {
  test("MULTI queues, EXEC runs in order across shards; errors, nesting, DISCARD", async () => {
    const [x, y, z] = keysOnDistinctShards(3) as [string, string, string];
    const seen = await same([
      [0, ["FLUSHALL"]],
      [0, ["EXEC"]],
      [0, ["DISCARD"]],
      [0, ["MULTI"]],
      [0, ["MULTI"]],
      [0, ["WATCH", x]],
      [0, ["SET", x, "1"]],
      [0, ["INCR", x]],
      [0, ["LPUSH", x, "v"]],
      [0, ["MSET", y, "2", z, "3"]],
      [0, ["MGET", x, y, z]],
      [0, ["DEL", x, y]],
      [0, ["EXISTS", x, y, z]],
      [0, ["DBSIZE"]],
      [0, ["RENAME", z, x]],
      [0, ["PING"]],
      [0, ["ECHO", "hi"]],
      [0, ["EXEC"]],
      [0, ["MGET", x, y, z]],
      [0, ["MULTI"]],
      [0, ["SET", x, "9"]],
      [0, ["DISCARD"]],
      [0, ["GET", x]],
      [0, ["EXEC"]],
    ]);
    assert.match(seen[17]!, /^\*11\r\n\+OK\r\n:2\r\n-WRONGTYPE/, "EXEC gave every queued command's reply, errors included");
  });

  test("a refused command dooms the transaction (EXECABORT) and nothing runs", async () => {
    await same([
      [0, ["FLUSHALL"]],
      [0, ["MULTI"]],
      [0, ["SET", "a", "1"]],
      [0, ["NOSUCHCOMMAND", "x"]],
      [0, ["SET", "b"]],
      [0, ["EXEC"]],
      [0, ["EXISTS", "a"]],
      [0, ["EXEC"]],
    ]);
  });

  test("CLIENT INFO shows an open MULTI (flags=x, multi=N), as Redis does", async () => {
    for (const port of [agner.port, redis.port]) {
      const c = await RespClient.connect(port);
      const other = await RespClient.connect(port);
      const id = String(plain(await c.cmd("CLIENT", "ID")));
      const row = async () => String(plain(await other.cmd("CLIENT", "LIST", "ID", id)));
      await c.cmd("MULTI");
      await c.cmd("SET", "a", "1");
      await c.cmd("GET", "a");
      const inMulti = await row();
      assert.match(inMulti, / flags=x .* multi=2 /, `port ${port}: ${inMulti}`);
      await c.cmd("DISCARD");
      assert.match(await row(), / flags=N .* multi=-1 /);
      c.close();
      other.close();
    }
  });

  test("SELECT inside MULTI moves the transaction and the connection", async () => {
    await same([
      [0, ["FLUSHALL"]],
      [0, ["MULTI"]],
      [0, ["SET", "a", "0"]],
      [0, ["SELECT", "3"]],
      [0, ["SET", "a", "3"]],
      [0, ["SELECT", "99"]],
      [0, ["EXEC"]],
      [0, ["GET", "a"]],
      [0, ["SELECT", "0"]],
      [0, ["GET", "a"]],
    ]);
  });

  test("WATCH: another client's write, expiry change or FLUSHDB makes EXEC answer null; own earlier writes do not", async () => {
    const [x, y] = keysOnDistinctShards(2) as [string, string];
    await same([
      [0, ["FLUSHALL"]],
      [0, ["SET", x, "1"]],
      [0, ["WATCH", x, y]],
      [1, ["SET", y, "other"]],
      [0, ["MULTI"]],
      [0, ["SET", x, "2"]],
      [0, ["EXEC"]],
      [0, ["GET", x]],
      // Untouched watched keys: EXEC runs.
      [0, ["WATCH", x, y]],
      [1, ["GET", x]],
      [0, ["MULTI"]],
      [0, ["INCR", x]],
      [0, ["EXEC"]],
      // EXEC unwatched: a later write does not matter.
      [1, ["SET", x, "5"]],
      [0, ["MULTI"]],
      [0, ["INCR", x]],
      [0, ["EXEC"]],
      // A TTL change counts.
      [0, ["WATCH", x]],
      [1, ["EXPIRE", x, "100"]],
      [0, ["MULTI"]],
      [0, ["INCR", x]],
      [0, ["EXEC"]],
      // FLUSHDB counts for keys that existed.
      [0, ["WATCH", x]],
      [1, ["FLUSHDB"]],
      [0, ["MULTI"]],
      [0, ["SET", x, "1"]],
      [0, ["EXEC"]],
      // UNWATCH and DISCARD forget.
      [0, ["WATCH", x]],
      [0, ["UNWATCH"]],
      [1, ["SET", x, "7"]],
      [0, ["MULTI"]],
      [0, ["GET", x]],
      [0, ["EXEC"]],
      [0, ["WATCH", x]],
      [0, ["MULTI"]],
      [0, ["DISCARD"]],
      [1, ["SET", x, "8"]],
      [0, ["MULTI"]],
      [0, ["GET", x]],
      [0, ["EXEC"]],
      // Its own write before MULTI counts too, as in Redis.
      [0, ["WATCH", x]],
      [0, ["SET", x, "own"]],
      [0, ["MULTI"]],
      [0, ["GET", x]],
      [0, ["EXEC"]],
      // A watched key in another database is another key.
      [0, ["WATCH", x]],
      [1, ["SELECT", "2"]],
      [1, ["SET", x, "db2"]],
      [0, ["MULTI"]],
      [0, ["GET", x]],
      [0, ["EXEC"]],
    ]);
  });

  test("RESP3: a failed EXEC is RESP3's null", async () => {
    for (const port of [agner.port, redis.port]) {
      const a = await RespClient.connect(port);
      const other = await RespClient.connect(port);
      await a.cmd("HELLO", "3"); // its reply differs by nature (ids, versions)
      await a.cmd("SET", "w", "1");
      await a.cmd("WATCH", "w");
      await other.cmd("SET", "w", "2");
      await a.cmd("MULTI");
      await a.cmd("GET", "w");
      assert.equal(await a.raw("EXEC"), "_\r\n", `port ${port}`);
      a.close();
      other.close();
    }
  });
});

test("Agner refuses connection-wide commands inside MULTI, which dooms the transaction", guard, async () => {
  const c = await RespClient.connect(agner.port);
  await c.cmd("MULTI");
  await c.cmd("SET", "refused", "1");
  for (const argv of [["SUBSCRIBE", "ch"], ["HELLO", "3"], ["CONFIG", "SET", "hz", "20"], ["BGREWRITEAOF"]]) {
    assert.deepEqual(plain(await c.cmd(...argv)), { error: "ERR Command not allowed inside a transaction" }, argv.join(" "));
  }
  assert.deepEqual(plain(await c.cmd("EXEC")), { error: "EXECABORT Transaction discarded because of previous errors." });
  assert.equal(plain(await c.cmd("GET", "refused")), null);
  assert.equal(plain(await c.cmd("CONFIG", "GET", "hz"))?.toString(), ["hz", "10"].toString());
  c.close();
});

describe("transactions from client libraries", guard, () => {
  test("ioredis multi() and watch(): results, and the null of a failed optimistic lock", async () => {
    const c = new Redis({ port: agner.port, lazyConnect: true });
    const d = new Redis({ port: agner.port, lazyConnect: true });
    await c.connect();
    await d.connect();
    try {
      const [x, y] = keysOnDistinctShards(2) as [string, string];
      const res = await c.multi().set(x, "1").incr(x).mset(y, "a").mget(x, y).exec();
      assert.deepEqual(res, [[null, "OK"], [null, 2], [null, "OK"], [null, ["2", "a"]]]);
      await c.watch(x);
      await d.set(x, "changed");
      assert.equal(await c.multi().set(x, "mine").exec(), null, "the optimistic lock failed");
      assert.equal(await c.get(x), "changed");
    } finally {
      c.disconnect();
      d.disconnect();
    }
  });

  test("node-redis multi().exec() and a WATCH conflict", async () => {
    const c = createClient({ socket: { port: agner.port } });
    const d = createClient({ socket: { port: agner.port } });
    await c.connect();
    await d.connect();
    try {
      assert.deepEqual(await c.multi().set("nr", "1").incrBy("nr", 4).get("nr").exec(), ["OK", 5, "5"]);
      const iso = c.duplicate();
      await iso.connect();
      await iso.watch("nr");
      await d.set("nr", "x");
      await assert.rejects(iso.multi().set("nr", "y").exec(), /WatchError|watched keys/i);
      assert.equal(await c.get("nr"), "x");
      await iso.quit();
    } finally {
      await c.quit();
      await d.quit();
    }
  });
});

test("a client that disconnects while watching leaves nothing behind in the shards", guard, async () => {
  const c = await RespClient.connect(agner.port);
  const keys = keysOnDistinctShards(4);
  await c.cmd("WATCH", ...keys);
  await c.cmd("MGET", ...keys); // each shard has run the Watch before this
  assert.ok(agner.inst.keyspaces.some((k) => k.watches.size > 0));
  c.close();
  for (let i = 0; i < 200 && agner.inst.keyspaces.some((k) => k.watches.size > 0); i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(agner.inst.keyspaces.map((k) => k.watches.size), [0, 0, 0, 0]);
});

describe("EXEC is atomic across shards", guard, () => {
  test("readers never see one key of a transaction changed without the others", async () => {
    const keys = keysOnDistinctShards(4);
    const w = await RespClient.connect(agner.port);
    await w.cmd("MSET", ...keys.flatMap((k) => [k, "0"]));
    const writers = await Promise.all([0, 1, 2].map(() => RespClient.connect(agner.port)));
    const reader = await RespClient.connect(agner.port);
    let stop = false;
    const write = async (c: RespClient) => {
      for (let i = 0; i < 150; i++) {
        c.send("MULTI");
        for (const k of keys) c.send("INCR", k);
        c.send("EXEC");
        for (let j = 0; j < keys.length + 1; j++) await c.read();
        const r = plain(await c.read()) as number[];
        assert.equal(r.length, keys.length);
      }
    };
    const reads: string[][] = [];
    const read = async () => {
      while (!stop) reads.push(plain(await reader.cmd("MGET", ...keys)) as string[]);
    };
    const r = read();
    await Promise.all(writers.map(write));
    stop = true;
    await r;
    for (const snapshot of reads) assert.ok(snapshot.every((v) => v === snapshot[0]), `a torn read: ${snapshot.join(",")}`);
    assert.deepEqual(plain(await w.cmd("MGET", ...keys)), keys.map(() => "450"));
    assert.ok(reads.length > 0);
    for (const c of [w, reader, ...writers]) c.close();
  });
});
