/**
 * maxmemory and eviction beside redis-server 7.0, judged by what remains:
 * each server gets the same limit above its own used_memory, the same
 * keys and accesses, and must keep the same class of keys (volatile-*
 * never evicts a key without TTL, allkeys-lru keeps the recently read,
 * allkeys-lfu the often read, volatile-ttl the later expiring), refuse
 * writes with the same error under noeviction, and report the same INFO
 * fields. Also: the accounting against redis-server's used_memory for the
 * same data, OBJECT FREQ / IDLETIME under each policy, scripts over the limit.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RedisServer, needsRedis } from "../../support/redis_tools.js";

const guard = needsRedis();
let agner: TestServer;
let redis: RedisServer;
let a: Redis;
let r: Redis;

before(async () => {
  if (guard.skip) return;
  agner = await startAgner(["--shards", "2"]);
  redis = await RedisServer.start();
  a = new Redis({ port: agner.port, maxRetriesPerRequest: 0 });
  r = new Redis({ port: redis.port, maxRetriesPerRequest: 0 });
});
after(async () => {
  if (guard.skip) return;
  a.disconnect();
  r.disconnect();
  await agner.stop();
  await redis.stop();
});

/** INFO's fields as a map. */
async function info(c: Redis, section = "all"): Promise<Map<string, string>> {
  const text = await c.info(section);
  const m = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

async function used(c: Redis): Promise<number> {
  return Number((await info(c, "memory")).get("used_memory"));
}

/** Empties the server and sets maxmemory `room` bytes above what it uses empty, under `policy`. */
async function limit(c: Redis, policy: string, room: number, extra: string[] = []): Promise<void> {
  await c.config("SET", "maxmemory", "0");
  await c.flushall();
  await c.config("RESETSTAT");
  await c.config("SET", "maxmemory-policy", policy, ...extra);
  await c.config("SET", "maxmemory", String((await used(c)) + room));
}

const VALUE = "v".repeat(100);

/** SET of each key (with EX `ttl` when given), pipelined; the errors' texts. */
async function fill(c: Redis, keys: string[], ttl?: number): Promise<string[]> {
  const p = c.pipeline();
  for (const k of keys) {
    if (ttl === undefined) p.set(k, VALUE);
    else p.set(k, VALUE, "EX", ttl);
  }
  const out = (await p.exec()) ?? [];
  return out.filter(([e]) => e !== null).map(([e]) => (e as Error).message);
}

/** How many of `keys` exist. */
async function present(c: Redis, keys: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < keys.length; i += 500) n += await c.exists(...keys.slice(i, i + 500));
  return n;
}

const names = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}:${i}`);
const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));
/** Room for about 4000 keys of 100 bytes in redis-server (about 190 bytes each). */
const ROOM = 750_000;

describe("maxmemory beside redis-server", guard, () => {
  test("INFO reports the limit, the policy and evictions", async () => {
    for (const c of [a, r]) {
      await limit(c, "allkeys-lru", 1_000_000);
      const m = await info(c);
      for (const f of ["used_memory", "used_memory_human", "maxmemory", "maxmemory_human", "maxmemory_policy", "mem_not_counted_for_evict", "evicted_keys"]) {
        assert.ok(m.has(f), `${f} in INFO`);
      }
      assert.equal(m.get("maxmemory_policy"), "allkeys-lru");
      assert.ok(Number(m.get("maxmemory")) >= 1_000_000);
      assert.equal(m.get("evicted_keys"), "0");
      await c.config("SET", "maxmemory", "0");
    }
  });

  test("used_memory grows with the data as redis-server's does (within 25%)", async () => {
    const grow: number[] = [];
    for (const c of [a, r]) {
      await c.config("SET", "maxmemory", "0");
      await c.flushall();
      const before = await used(c);
      await fill(c, names("s", 10000));
      const p = c.pipeline();
      for (let i = 0; i < 200; i++) for (let j = 0; j < 20; j++) p.hset(`h:${i}`, `field${j}`, `value${j}`);
      for (let i = 0; i < 200; i++) p.rpush(`l:${i}`, ...names("e", 50));
      for (let i = 0; i < 1000; i++) p.set(`t:${i}`, "x", "EX", 1000);
      await p.exec();
      grow.push((await used(c)) - before);
    }
    const [ag, re] = grow as [number, number];
    assert.ok(ag > re * 0.75 && ag < re * 1.25, `agner grew ${ag}, redis-server ${re}`);
  });

  test("noeviction refuses writes flagged denyoom with Redis' error; reads and DEL still work", async () => {
    const errs: string[][] = [];
    for (const c of [a, r]) {
      await limit(c, "noeviction", ROOM);
      const keys = names("n", 8000);
      const e = await fill(c, keys);
      assert.ok(e.length > 1000, `some writes refused (${e.length})`);
      errs.push([...new Set(e)]);
      assert.equal(await c.get("n:0"), VALUE);
      await assert.rejects(c.set("other", "x"), /^ReplyError: OOM command not allowed when used memory > 'maxmemory'\.$/);
      await assert.rejects(c.lpush("list", "x"), /OOM/);
      assert.equal(Number((await info(c)).get("evicted_keys")), 0);
      assert.ok((await c.del("n:0", "n:1", "n:2")) >= 1);
      await c.config("SET", "maxmemory", "0");
    }
    assert.deepEqual(errs[0], errs[1]);
    assert.deepEqual(errs[0], ["OOM command not allowed when used memory > 'maxmemory'."]);
  });

  /** 300 hot keys among 2,700 cold ones (every tenth), as data is not inserted by how hot it will be. */
  function mixed(): { hot: string[]; cold: string[]; all: string[] } {
    const hot: string[] = [];
    const cold: string[] = [];
    const all: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const k = i % 10 === 0 ? `hot:${i}` : `cold:${i}`;
      (i % 10 === 0 ? hot : cold).push(k);
      all.push(k);
    }
    return { hot, cold, all };
  }

  test("allkeys-lru keeps the recently read keys", async () => {
    for (const c of [a, r]) {
      await limit(c, "allkeys-lru", ROOM);
      const { hot, cold, all } = mixed();
      assert.deepEqual(await fill(c, all), []);
      await pause(2100); // the LRU clock counts seconds, in both: the cold keys are 2 s idle or more
      const p = c.pipeline();
      for (const k of hot) p.get(k);
      await p.exec();
      assert.deepEqual(await fill(c, names("new", 2500)), []);
      const m = await info(c);
      const name = c === a ? "agner" : "redis-server";
      assert.ok(Number(m.get("evicted_keys")) > 800, `${name} evicted ${m.get("evicted_keys")}`);
      const hotLeft = await present(c, hot);
      const coldLeft = await present(c, cold);
      assert.ok(hotLeft >= hot.length * 0.9, `${name} kept ${hotLeft} of the hot keys`);
      assert.ok(coldLeft <= cold.length * 0.75, `${name} kept ${coldLeft} of the cold keys`);
      assert.ok(Number(m.get("used_memory")) <= Number(m.get("maxmemory")) + 10_000, `${name} stays near maxmemory`);
      await c.config("SET", "maxmemory", "0");
    }
  });

  test("allkeys-lfu keeps the often read keys; OBJECT FREQ counts", async () => {
    for (const c of [a, r]) {
      await limit(c, "allkeys-lfu", ROOM, ["lfu-decay-time", "0"]);
      const { hot, cold, all } = mixed();
      assert.deepEqual(await fill(c, all), []);
      const p = c.pipeline();
      for (let i = 0; i < 10; i++) for (const k of hot) p.get(k);
      await p.exec();
      assert.equal(await c.object("FREQ", "cold:1"), 5);
      assert.ok(((await c.object("FREQ", "hot:10")) as number) >= 6);
      await assert.rejects(c.object("IDLETIME", "hot:10"), /^ReplyError: ERR An LFU maxmemory policy is selected, idle time not tracked\./);
      assert.deepEqual(await fill(c, names("new", 2500)), []);
      const name = c === a ? "agner" : "redis-server";
      const hotLeft = await present(c, hot);
      const coldLeft = await present(c, cold);
      assert.ok(hotLeft >= hot.length * 0.9, `${name} kept ${hotLeft} of the hot keys`);
      assert.ok(coldLeft <= cold.length * 0.75, `${name} kept ${coldLeft} of the cold keys`);
      await c.config("SET", "maxmemory", "0", "maxmemory-policy", "noeviction", "lfu-decay-time", "1");
      await assert.rejects(c.object("FREQ", "hot:10"), /^ReplyError: ERR An LFU maxmemory policy is not selected/);
    }
  });

  for (const policy of ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]) {
    test(`${policy} evicts only keys with a TTL, then refuses writes`, async () => {
      for (const c of [a, r]) {
        await limit(c, policy, ROOM);
        const vol = names("vol", 2000);
        const keep = names("keep", 1000);
        assert.deepEqual(await fill(c, vol, 10000), []);
        assert.deepEqual(await fill(c, keep), []);
        const e = await fill(c, names("more", 4000));
        const name = c === a ? "agner" : "redis-server";
        assert.equal(await present(c, keep), keep.length, `${name} kept every key without TTL`);
        assert.ok((await present(c, vol)) < vol.length / 2, `${name} evicted keys with a TTL`);
        assert.ok(e.length > 0 && e.every((x) => x.startsWith("OOM ")), `${name} refuses writes once no key with a TTL is left`);
        await c.config("SET", "maxmemory", "0");
      }
    });
  }

  test("volatile-ttl evicts the keys that expire first", async () => {
    for (const c of [a, r]) {
      await limit(c, "volatile-ttl", ROOM);
      const soon = names("soon", 1500);
      const late = names("late", 1500);
      assert.deepEqual(await fill(c, soon, 1000), []);
      assert.deepEqual(await fill(c, late, 100000), []);
      await fill(c, names("more", 2500), 50000);
      const name = c === a ? "agner" : "redis-server";
      const s = await present(c, soon);
      const l = await present(c, late);
      assert.ok(s < l / 2, `${name} kept ${s} expiring soon, ${l} expiring late`);
      await c.config("SET", "maxmemory", "0");
    }
  });

  test("allkeys-random stays bounded", async () => {
    for (const c of [a, r]) {
      await limit(c, "allkeys-random", ROOM);
      assert.deepEqual(await fill(c, names("x", 8000)), []);
      const m = await info(c);
      assert.ok(Number(m.get("evicted_keys")) > 2000);
      assert.ok(Number(m.get("used_memory")) <= Number(m.get("maxmemory")) + 10_000);
      await c.config("SET", "maxmemory", "0");
    }
  });

  test("scripts over the limit: refused without allow-oom, their first denyoom write refused", async () => {
    const out: string[][] = [];
    for (const c of [a, r]) {
      await limit(c, "noeviction", ROOM);
      await fill(c, names("n", 8000));
      const res: string[] = [];
      const run = async (...args: (string | number)[]) => {
        try {
          res.push(String(await c.call("EVAL", ...args)));
        } catch (e) {
          res.push((e as Error).message);
        }
      };
      await run("return redis.call('SET', 'x', 'y')", 0);
      await run("return redis.call('GET', 'n:0') ~= false", 0);
      await run("#!lua\nreturn 1", 0);
      await run("#!lua flags=no-writes\nreturn redis.call('GET', 'n:1') ~= false", 0);
      await run("#!lua flags=allow-oom\nreturn redis.call('SET', 'x', 'y')", 0);
      await run("return redis.call('DEL', 'n:1')", 0);
      out.push(res);
      await c.config("SET", "maxmemory", "0");
    }
    assert.deepEqual(out[0], out[1]);
  });
});
