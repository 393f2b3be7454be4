/**
 * allkeys-lru keeps the newest keys, beside redis-server 7.0: keys written
 * in sequence far past maxmemory, then, more than the LRU clock's
 * resolution (1 s) later, 100 newer keys — every one of which must remain
 * (Redis' sampled pool never prefers a key of idle 0 to the many idler
 * ones). Within one second Redis itself cannot tell keys apart (both
 * servers then evict about at random among them), hence the pause.
 *
 * The newer keys follow, in the same pipeline and on the same shard, a
 * SORT that runs across a second boundary: a shard batch reads its clock
 * once, so its later writes are stamped past the batch's clock — the case
 * that once made the newest key look idlest (test/unit/apps/kv/evict_clock).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { shardOf } from "../../../src/apps/kv/server/router.js";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RedisServer, needsRedis } from "../../support/redis_tools.js";

const SHARDS = 4;
const guard = needsRedis();
let agner: TestServer;
let redis: RedisServer;

before(async () => {
  if (guard.skip) return;
  agner = await startAgner(["--shards", String(SHARDS)]);
  redis = await RedisServer.start();
});
after(async () => {
  if (guard.skip) return;
  await agner.stop();
  await redis.stop();
});

function field(text: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, "m").exec(text);
  assert.ok(m !== null, name);
  return Number(m[1]);
}

/** The list SORTed and the 100 newer keys: all on one shard of Agner's, so one batch holds them. */
const LIST = "slow-sort";
const NEWER: string[] = [];
for (let i = 0; NEWER.length < 100; i++) if (shardOf(`newer:${i}`, SHARDS - 1) === shardOf(LIST, SHARDS - 1)) NEWER.push(`newer:${i}`);

/** One round on `c`: the fill, the pause, the newer keys after a SORT; the newer keys missing after it. */
async function round(c: Redis): Promise<string[]> {
  await c.config("SET", "maxmemory", "0");
  await c.flushall();
  await c.config("SET", "maxmemory-policy", "allkeys-lru");
  const room = 4 * 1024 * 1024;
  await c.config("SET", "maxmemory", String(field(await c.info("memory"), "used_memory") + room));
  const small = "s".repeat(100);
  for (let i = 0; i < 60_000; i += 1000) {
    const p = c.pipeline();
    for (let j = i; j < i + 1000; j++) p.set(`old:${j}`, small);
    await p.exec();
  }
  const filled = Date.now();
  for (let i = 0; i < 100_000; i += 5000) await c.rpush(LIST, ...Array.from({ length: 5000 }, (_, j) => String(((i + j) * 7919) % 100_003)));
  // More than a second after the fill, and just before a second boundary, so the SORT spans it.
  const at = Math.ceil((filled + 1200) / 1000) * 1000 - 15;
  await sleep(Math.max(0, at - Date.now()));
  const p = c.pipeline();
  p.sort(LIST, "LIMIT", "0", "1");
  for (const k of NEWER) p.set(k, `${k}:${"n".repeat(500)}`);
  await p.exec();
  const missing: string[] = [];
  for (const k of NEWER) if ((await c.exists(k)) === 0) missing.push(k);
  const info = await c.info();
  assert.ok(field(info, "evicted_keys") > 10_000, "the fill went far past maxmemory");
  return missing;
}

describe("allkeys-lru keeps the 100 keys written after the fill, as redis-server does", guard, () => {
  for (const [name, port] of [
    ["redis-server", () => redis.port],
    ["agner", () => agner.port],
  ] as const) {
    test(name, async () => {
      const c = new Redis({ port: port(), maxRetriesPerRequest: 0 });
      try {
        for (let r = 0; r < 2; r++) assert.deepEqual(await round(c), [], `round ${r}: newer keys evicted`);
      } finally {
        c.disconnect();
      }
    });
  }
});
