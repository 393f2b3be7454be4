/**
 * Bitmaps and HyperLogLog through the server with ioredis (one shard, AOF
 * on): the values the commands build in place survive a restart from the
 * append-only file byte for byte, PFCOUNT's cache write included, and a
 * BGREWRITEAOF snapshot of them replays the same.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Redis } from "ioredis";
import { startAgner } from "../../support/agner_kv.js";

async function snapshot(r: Redis): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const k of ["bits", "big", "h", "h2", "m", "op", "bf"]) out[k] = ((await r.getBuffer(k)) ?? Buffer.alloc(0)).toString("hex");
  return out;
}

test("bit and HLL values replay from the AOF and its rewrite as they were", async () => {
  const dir = mkdtempSync(join(tmpdir(), "agner-bits-"));
  const args = ["--shards", "1", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir];
  try {
    let srv = await startAgner(args);
    let r = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    assert.equal(await r.setbit("bits", 7, 1), 0);
    for (let i = 0; i < 500; i++) await r.setbit("big", i * 131, 1);
    await r.pfadd("h", ...Array.from({ length: 2500 }, (_, i) => `e${i}`));
    await r.pfadd("h2", "a", "b", "c");
    assert.equal(await r.pfcount("h2"), 3);
    await r.pfmerge("m", "h", "h2");
    await r.bitop("XOR", "op", "big", "bits");
    assert.deepEqual(await r.call("BITFIELD", "bf", "SET", "i16", "#3", "-5", "INCRBY", "u4", "2", "20"), [0, 4]);
    const before = await snapshot(r);
    assert.equal(await r.bitcount("big"), 500);
    r.disconnect();
    await srv.stop();

    srv = await startAgner(args);
    r = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    assert.deepEqual(await snapshot(r), before);
    assert.equal(await r.pfcount("h2"), 3);
    await r.setbit("big", 3, 1); // bit-edited again after the reload
    const edited = await snapshot(r);
    await r.call("BGREWRITEAOF");
    for (let i = 0; i < 200; i++) {
      const info = await r.info("persistence");
      if (/aof_rewrites:[1-9]/.test(info) && /aof_rewrite_in_progress:0/.test(info)) break;
      await new Promise((res) => setTimeout(res, 25));
    }
    assert.match(await r.info("persistence"), /aof_rewrites:1\r\n/);
    r.disconnect();
    await srv.stop();

    srv = await startAgner(args);
    r = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    assert.deepEqual(await snapshot(r), edited);
    r.disconnect();
    await srv.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("WATCH sees a SETBIT or BITFIELD that changes a bit, not one that leaves it (Redis 7.0.15)", async () => {
  const srv = await startAgner(["--shards", "1"]);
  const a = new Redis({ port: srv.port, maxRetriesPerRequest: 0 });
  const b = new Redis({ port: srv.port, maxRetriesPerRequest: 0 });
  try {
    await a.setbit("w", 3, 1);
    const attempt = async (write: () => Promise<unknown>) => {
      await a.watch("w");
      await write();
      return a.multi().ping().exec();
    };
    assert.deepEqual(await attempt(() => b.setbit("w", 3, 1)), [[null, "PONG"]]);
    assert.deepEqual(await attempt(() => b.call("BITFIELD", "w", "SET", "u1", "3", "1")), [[null, "PONG"]]);
    assert.deepEqual(await attempt(() => b.pfcount("nokey")), [[null, "PONG"]]);
    assert.equal(await attempt(() => b.setbit("w", 3, 0)), null);
    assert.equal(await attempt(() => b.call("BITFIELD", "w", "INCRBY", "u1", "3", "1")), null);
    assert.equal(await attempt(() => b.setbit("w", 100, 0)), null, "growing the string is a write");
  } finally {
    a.disconnect();
    b.disconnect();
    await srv.stop();
  }
});
