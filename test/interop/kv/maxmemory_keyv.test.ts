/**
 * A real cache over the server with a memory limit: Keyv with @keyv/redis
 * (node-redis underneath) on `maxmemory` and `allkeys-lru`, written far
 * past what fits. The cache stays bounded (used_memory near maxmemory),
 * the latest entries are readable, old ones were evicted, and the
 * application sees no error.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
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
    for (let i = 0; i < n; i += 200) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < i + 200; j++) batch.push(keyv.set(`item:${j}`, { ...value, id: j }, 600_000));
      await Promise.all(batch);
    }
    // LRU is sampled (as Redis' is): the latest entries are there, all but a rare unlucky one.
    let kept = 0;
    for (let j = n - 100; j < n; j++) {
      const got = await keyv.get(`item:${j}`);
      if (got !== undefined) {
        assert.deepEqual(got, { ...value, id: j }, `item ${j}`);
        kept++;
      }
    }
    assert.ok(kept >= 95, `${kept} of the latest 100 entries readable`);
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
