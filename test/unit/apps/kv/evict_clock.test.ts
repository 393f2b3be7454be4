/**
 * Eviction and the idle readers measure on the clock writes stamp keys
 * with. A shard reads its command clock once per batch, but a write stamps
 * its key with the clock of the moment: a key written after a second (LRU)
 * or minute (LFU) boundary inside a batch is stamped past the batch's
 * clock. Measured against the batch's clock, that stamp read as wrapped
 * around the 24-bit LRU clock (idle ~194 days; an LFU counter decayed to
 * 0), so the newest key was the first evicted: the "1 of the 100 newest
 * keys evicted" seen in CI. Redis stamps and measures with one clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Keyspace } from "../../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand } from "../../../../src/apps/kv/commands/engine.js";
import { Evictor } from "../../../../src/apps/kv/commands/evict.js";
import { ErrorReply } from "../../../../src/apps/kv/resp/reply.js";

/** A second boundary, in ms (a multiple of 60 s too, for the LFU minutes). */
const T = 1_000_000_020_000 - (1_000_000_020_000 % 60_000);

/** A keyspace whose write stamps read `clock.now`. */
function keyspace(policy: string, clock: { now: number }): Keyspace {
  const ks = new Keyspace();
  ks.clock = () => clock.now;
  ks.setPolicy(policy, clock.now);
  return ks;
}

test("allkeys-lru: a key written after a second boundary within the batch is not the one evicted", () => {
  const clock = { now: T };
  const ks = keyspace("allkeys-lru", clock);
  ks.db(0).setKey("old", "v");
  clock.now = T + 2000; // the write of "new" happens 1 ms after the batch read its clock
  ks.db(0).setKey("new", "v");
  const batchNow = T + 1999;
  const ev = new Evictor();
  // Both keys are sampled (a database of two); the old one is the idler.
  assert.equal(ev.pick(ks, "allkeys-lru", 5, batchNow)?.key, "old");
});

test("allkeys-lfu: a key written after a minute boundary within the batch keeps its initial counter", () => {
  const clock = { now: T };
  const ks = keyspace("allkeys-lfu", clock);
  ks.db(0).setKey("old", "v"); // counter 5 at minute m
  clock.now = T + 60_000;
  ks.db(0).setKey("new", "v"); // counter 5 at minute m + 1
  const ev = new Evictor();
  // At minute m + 1 "old" has decayed to 4: the one to evict.
  assert.equal(ev.pick(ks, "allkeys-lfu", 5, T + 59_999)?.key, "old");
});

test("OBJECT IDLETIME and OBJECT FREQ of a key written later in the batch: 0 and the initial counter", () => {
  for (const [policy, sub, want] of [
    ["allkeys-lru", "IDLETIME", 0],
    ["allkeys-lfu", "FREQ", 5],
  ] as const) {
    const clock = { now: T };
    const ks = keyspace(policy, clock);
    const ctx = new Context(ks.db(0), T + 59_999);
    const run = (...argv: string[]) => {
      const cmd = checkCommand(argv);
      assert.ok(!(cmd instanceof ErrorReply));
      return execCommand(ctx, cmd, argv);
    };
    clock.now = T + 60_000;
    run("SET", "k", "v");
    assert.equal(run("OBJECT", sub, "k"), want, `${policy} OBJECT ${sub}`);
  }
});
