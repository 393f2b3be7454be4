/**
 * MULTI over maxmemory, byte for byte with redis-server 7.0: out of memory
 * (over the limit with nothing to evict), every command but EXEC, DISCARD,
 * QUIT and RESET is refused with -OOM inside MULTI, dooming the
 * transaction; an EXEC holding a denyoom command is refused whole
 * (EXECABORT ... because of: OOM ...); an EXEC of reads still runs. With
 * keys to evict, queueing and EXEC go on (the keys are evicted).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RedisServer, needsRedis } from "../../support/redis_tools.js";
import { RespClient } from "../../support/resp_client.js";

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

/** Steps: [connection index, command words]. Both servers get the same steps; the raw replies must agree. */
async function same(steps: [number, string][]): Promise<string[]> {
  const a = await Promise.all([0, 1].map(() => RespClient.connect(agner.port)));
  const b = await Promise.all([0, 1].map(() => RespClient.connect(redis.port)));
  const seen: string[] = [];
  try {
    for (const [k, line] of steps) {
      const argv = line.split(" ");
      const ra = await a[k]!.raw(...argv);
      const rb = await b[k]!.raw(...argv);
      assert.equal(ra, rb, `reply to ${line} on connection ${k}`);
      seen.push(ra);
    }
  } finally {
    for (const c of [...a, ...b]) c.close();
  }
  return seen;
}

const OOM = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
const ABORTED = "-EXECABORT Transaction discarded because of previous errors.\r\n";
const ABORTED_OOM = "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n";

describe("MULTI over maxmemory, byte for byte with redis-server", guard, () => {
  test("out of memory: queued commands get -OOM and doom EXEC; EXEC of a denyoom command aborts with the reason; reads run", async () => {
    const seen = await same([
      [0, "CONFIG SET maxmemory 0"],
      [0, "FLUSHALL"],
      [0, "CONFIG SET maxmemory-policy noeviction"],
      [0, "SET k v"],
      [0, "CONFIG SET maxmemory 1"],
      [0, "MULTI"],
      [0, "GET k"], // 6: not denyoom, refused all the same inside MULTI
      [0, "SET k w"],
      [0, "PING"],
      [0, "EXEC"], // 9
      [0, "MULTI"],
      [0, "DISCARD"],
      // queued within the limit, then out of memory at EXEC
      [1, "CONFIG SET maxmemory 0"],
      [0, "MULTI"],
      [0, "SET k w"],
      [0, "GET k"],
      [1, "CONFIG SET maxmemory 1"],
      [0, "EXEC"], // 17
      [0, "GET k"],
      // an EXEC of reads only runs
      [1, "CONFIG SET maxmemory 0"],
      [0, "MULTI"],
      [0, "GET k"],
      [1, "CONFIG SET maxmemory 1"],
      [0, "EXEC"], // 23
      // a write queued before, a refusal after: the memory reason wins
      [1, "CONFIG SET maxmemory 0"],
      [0, "MULTI"],
      [0, "SET k x"],
      [1, "CONFIG SET maxmemory 1"],
      [0, "GET k"],
      [0, "EXEC"], // 29
      // volatile-* with no key with a TTL: nothing to evict either
      [0, "CONFIG SET maxmemory-policy volatile-lru"],
      [0, "MULTI"],
      [0, "SET k y"],
      [0, "EXEC"], // 33
      [0, "CONFIG SET maxmemory 0"],
      [0, "GET k"],
      [0, "CONFIG SET maxmemory-policy noeviction"],
    ]);
    assert.deepEqual([seen[6], seen[7], seen[8], seen[9]], [OOM, OOM, OOM, ABORTED]);
    assert.equal(seen[17], ABORTED_OOM);
    assert.equal(seen[18], "$1\r\nv\r\n");
    assert.equal(seen[23], "*1\r\n$1\r\nv\r\n");
    assert.deepEqual([seen[28], seen[29]], [OOM, ABORTED_OOM]);
    assert.deepEqual([seen[32], seen[33]], [OOM, ABORTED]);
    assert.equal(seen[35], "$1\r\nv\r\n");
  });

  test("allkeys-lru over the limit: MULTI queues, EXEC runs, keys are evicted", async () => {
    for (const port of [agner.port, redis.port]) {
      const c = new Redis({ port, maxRetriesPerRequest: 0 });
      try {
        await c.config("SET", "maxmemory", "0");
        await c.flushall();
        await c.config("SET", "maxmemory-policy", "allkeys-lru");
        const used = Number(/used_memory:(\d+)/.exec(await c.info("memory"))![1]);
        await c.config("SET", "maxmemory", String(used + 100_000));
        for (let i = 0; i < 400; i++) await c.set(`fill:${i}`, "x".repeat(1000));
        const r = await c.multi().set("t", "1").get("t").exec();
        assert.deepEqual(r, [
          [null, "OK"],
          [null, "1"],
        ], `port ${port}`);
        assert.ok((await c.dbsize()) < 400, `port ${port}: keys were evicted`);
      } finally {
        await c.config("SET", "maxmemory", "0");
        await c.config("SET", "maxmemory-policy", "noeviction");
        c.disconnect();
      }
    }
  });
});
