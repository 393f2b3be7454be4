/**
 * Client-side caching with a real client: node-redis' client-side cache
 * (RESP3, CLIENT TRACKING ON) on Agner (four shards), redis-server beside
 * it as the reference. A second read of a key is served from the cache;
 * another client's write invalidates it (the next read goes to the
 * server and sees the new value); FLUSHALL empties the cache.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BasicClientSideCache, createClient } from "redis";
import { serverPair } from "../../support/server_pair.js";

const servers = serverPair(["--shards", "4"]);

async function scenario(port: number): Promise<{ values: (string | null)[]; hits: number; misses: number }> {
  const cache = new BasicClientSideCache();
  const a = createClient({ socket: { port }, RESP: 3, clientSideCache: cache });
  const b = createClient({ socket: { port } });
  await a.connect();
  await b.connect();
  try {
    const values: (string | null)[] = [];
    await b.set("csc:k", "1");
    await b.set("csc:j", "x");
    values.push(await a.get("csc:k")); // miss
    values.push(await a.get("csc:k")); // hit
    values.push(await a.get("csc:j")); // miss
    await b.set("csc:k", "2");
    await a.ping(); // the invalidation is written before PING's reply
    values.push(await a.get("csc:k")); // miss: invalidated
    values.push(await a.get("csc:k")); // hit
    values.push(await a.get("csc:j")); // hit: not changed
    await b.flushAll();
    await a.ping();
    values.push(await a.get("csc:k")); // miss: the flush emptied the cache
    values.push(await a.get("csc:j")); // miss
    const s = cache.stats();
    return { values, hits: s.hitCount, misses: s.missCount };
  } finally {
    a.destroy();
    b.destroy();
  }
}

describe("node-redis client-side cache", servers.guard, () => {
  test("serves repeated reads, and drops what another client changed or flushed, as on redis-server", async () => {
    const agner = await scenario(servers.agner.port);
    const redis = await scenario(servers.redis.port);
    assert.deepEqual(agner, redis);
    assert.deepEqual(agner, { values: ["1", "1", "x", "2", "2", "x", null, null], hits: 3, misses: 5 });
  });
});
