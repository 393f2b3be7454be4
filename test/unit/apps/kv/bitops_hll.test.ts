/**
 * What the differential tests against redis-server cannot see of the
 * bitmap and HyperLogLog commands: the representation (a bit-edited large
 * string is edited in place, not copied; other readers get a plain string
 * back), propagation, the AOF rewrite and memcached reads of such values,
 * the sparse-to-dense promotion for a register over 32 (an element that
 * hashes to it is 1 in 2^32), and the 32-bit MurmurHash64A against a
 * BigInt one.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ByteString } from "../../../../src/apps/kv/commands/byte_string.js";
import { Keyspace } from "../../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand, rewrite } from "../../../../src/apps/kv/commands/engine.js";
import { HLL_DENSE, createHll, denseGet, hllCount, hllSet, murmurHash64A } from "../../../../src/apps/kv/commands/hll.js";
import { mcGet } from "../../../../src/apps/kv/memcached/memcached_commands.js";
import { ErrorReply, type Reply, type SimpleString } from "../../../../src/apps/kv/resp/reply.js";

function setup() {
  const ks = new Keyspace();
  const log: string[][] = [];
  const ctx = new Context(ks.db(0), 1_700_000_000_000, (argv) => log.push([...argv]));
  const run = (...argv: string[]): Reply => {
    const cmd = checkCommand(argv);
    if (cmd instanceof ErrorReply) return cmd;
    return execCommand(ctx, cmd, argv);
  };
  return { ks, ctx, log, run };
}

test("SETBIT on a large string edits its bytes in place; GET gets a string back", () => {
  const { ks, run } = setup();
  run("SET", "k", "x".repeat(100_000));
  assert.equal(run("SETBIT", "k", "8", "1"), 0);
  const v = ks.db(0).data.get("k");
  assert.ok(v instanceof ByteString);
  const bytes = v.bytes;
  for (let i = 0; i < 1000; i++) run("SETBIT", "k", String(i * 97), String(i & 1));
  assert.equal(ks.db(0).data.get("k"), v, "the same value object");
  assert.equal(v.bytes, bytes, "no copy per SETBIT");
  assert.equal(run("GETBIT", "k", "97"), 1);
  const s = run("GET", "k");
  assert.equal(typeof s, "string");
  assert.equal(ks.db(0).data.get("k"), s, "stored back as a string");
  assert.equal(run("STRLEN", "k"), 100_000);
  assert.equal((run("TYPE", "k") as SimpleString).text, "string");
});

test("small bit-edited values stay plain strings; growth pads with zeros", () => {
  const { ks, run } = setup();
  run("SETBIT", "k", "15", "1");
  assert.equal(ks.db(0).data.get("k"), "\x00\x01");
  run("SETBIT", "k", "8000", "1");
  assert.ok(ks.db(0).data.get("k") instanceof ByteString);
  assert.equal(run("BITCOUNT", "k"), 2);
  assert.equal(run("APPEND", "k", "z"), 1002);
  assert.equal(typeof ks.db(0).data.get("k"), "string");
});

test("writes propagate as Redis replicates them; reads and no-ops do not", () => {
  const { log, run } = setup();
  run("SETBIT", "k", "1", "1");
  run("SETBIT", "k", "1", "1"); // unchanged: no write, as in Redis 7.0.15
  run("GETBIT", "k", "1");
  run("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9");
  run("BITFIELD", "k", "SET", "u8", "0", "7");
  run("BITFIELD", "k", "SET", "u8", "0", "7", "GET", "u8", "0");
  run("PFADD", "h", "a");
  run("PFADD", "h", "a");
  run("PFCOUNT", "h"); // stale cache: written back and propagated
  run("PFCOUNT", "h"); // fresh cache: nothing
  run("BITOP", "NOT", "d", "nokey");
  assert.deepEqual(log, [
    ["SETBIT", "k", "1", "1"],
    ["BITFIELD", "k", "SET", "u8", "0", "7"],
    ["PFADD", "h", "a"],
    ["PFCOUNT", "h"],
  ]);
});

test("the AOF rewrite and memcached get read a bit-edited value as its string", () => {
  const { ks, ctx, run } = setup();
  run("SETBIT", "k", "7999", "1");
  run("PFADD", "h", ...Array.from({ length: 300 }, (_, i) => `e${i}`));
  const db = ks.db(0);
  assert.ok(db.data.get("k") instanceof ByteString && db.data.get("h") instanceof ByteString);
  const cmds = [...rewrite(db, ctx.now)];
  const set = cmds.find((c) => c[1] === "k")!;
  assert.equal(set[0], "SET");
  assert.equal(set[2]!.length, 1000);
  assert.equal(set[2]!.charCodeAt(999), 1);
  const hll = cmds.find((c) => c[1] === "h")!;
  assert.equal(hll[2]!.slice(0, 4), "HYLL");
  const got = mcGet(ctx, ["k"], false, false, 0);
  assert.ok(!(typeof got === "string" && got.startsWith("SERVER_ERROR")), String(got));
});

test("a sparse HLL promoted by a register over 32 is dense with that register", () => {
  const b = createHll();
  assert.equal(hllSet(b, 5, 3), 1);
  assert.equal(b.bytes[4], 1, "still sparse");
  assert.equal(hllSet(b, 100, 33), 1);
  assert.equal(b.bytes[4], HLL_DENSE);
  assert.equal(b.length, 12304);
  assert.equal(denseGet(b.bytes, 100), 33);
  assert.equal(denseGet(b.bytes, 5), 3);
  assert.equal(b.bytes[15]! & 0x80, 0x80, "cache marked stale");
  assert.equal(hllCount(b.bytes.subarray(0, b.length)), 2);
});

/** MurmurHash64A as in hyperloglog.c, in BigInt (the reference for the 32-bit version). */
function murmurRef(s: string): bigint {
  const m = 0xc6a4a7935bd1e995n;
  const u = (x: bigint) => BigInt.asUintN(64, x);
  const data = Buffer.from(s, "latin1");
  let h = u(0xadc83b19n ^ u(BigInt(data.length) * m));
  const end = data.length - (data.length & 7);
  for (let i = 0; i < end; i += 8) {
    let k = data.readBigUInt64LE(i);
    k = u(k * m);
    k ^= k >> 47n;
    k = u(k * m);
    h ^= k;
    h = u(h * m);
  }
  const rest = data.length & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(data[end + j]!) << BigInt(8 * j);
    h = u(h * m);
  }
  h ^= h >> 47n;
  h = u(h * m);
  h ^= h >> 47n;
  return h;
}

test("MurmurHash64A in 32-bit halves equals the 64-bit one", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (u) => {
      const s = Buffer.from(u).toString("latin1");
      assert.equal(murmurHash64A(s), murmurRef(s));
    }),
    { numRuns: 2000, seed: 7 },
  );
});

test("PFSELFTEST passes", () => {
  const { run } = setup();
  assert.equal((run("PFSELFTEST") as SimpleString).text, "OK");
});
