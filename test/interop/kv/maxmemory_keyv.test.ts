/**
 * A real cache over the server with a memory limit: Keyv with @keyv/redis
 * (node-redis underneath) on `maxmemory` and `allkeys-lru`, written far
 * past what fits. The cache stays bounded (used_memory near maxmemory),
 * the latest 100 entries are all readable, old ones were evicted, and the
 * application sees no error.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Keyv from "keyv";
import KeyvRedis from "@keyv/redis";
import { type TestServer, startAgner } from "../../support/agner_kv.js";

let srv: TestServer;
before(async () => {
  srv = await startAgner(["--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru"]);
});
after(async () => {
  await srv.stop();
});

function infoField(text: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, "m").exec(text);
  assert.ok(m !== null, `${name} in INFO`);
  return Number(m[1]);
}

test("Keyv on @keyv/redis: a cache written 10x past maxmemory stays bounded, recent entries readable", async () => {
  const store = new KeyvRedis(`redis://127.0.0.1:${srv.port}`);
  const keyv = new Keyv({ store, namespace: "app" });
  const errors: unknown[] = [];
  keyv.on("error", (e) => errors.push(e));
  const value = { body: "x".repeat(500) };
  const n = 40_000; // about 20 MB of values into 2 MB
  try {
    const write = async (from: number, to: number) => {
      for (let i = from; i < to; i += 200) {
        const batch: Promise<unknown>[] = [];
        for (let j = i; j < Math.min(i + 200, to); j++) batch.push(keyv.set(`item:${j}`, { ...value, id: j }, 600_000));
        await Promise.all(batch);
      }
    };
    await write(0, n - 100);
    // The LRU clock counts seconds (Redis' too): keys written within the same second are
    // equally idle, and redis-server evicts among them about at random (a few of the last
    // 100 of one burst). Written a second later, the latest 100 must all remain.
    await sleep(1200);
    await write(n - 100, n);
    for (let j = n - 100; j < n; j++) assert.deepEqual(await keyv.get(`item:${j}`), { ...value, id: j }, `item ${j}`);
    assert.equal(await keyv.get("item:0"), undefined);
    const client = await store.getClient();
    const text = (await client.info()) as string;
    const used = infoField(text, "used_memory");
    const max = infoField(text, "maxmemory");
    assert.equal(max, 2 * 1024 * 1024);
    assert.ok(used <= max + 16 * 1024, `used_memory ${used} <= maxmemory ${max} + 16 KB`);
    assert.ok(infoField(text, "evicted_keys") > n / 2);
    assert.deepEqual(errors, []);
  } finally {
    // Closed whatever happened: an open client would keep the test's process alive.
    await keyv.disconnect();
  }
});
