/**
 * Fuzzing the RDB value decoder, which RESTORE feeds with any client's
 * bytes: random bytes and mutations (flipped bits, cut, spliced, lengths
 * overwritten) of valid payloads of every type and encoding only ever
 * decode to a value or throw RdbError, never another exception, a hang
 * or an allocation beyond the input's reach; a valid payload decodes to
 * what was dumped. A fixed number of inputs from a fixed seed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Value } from "../../../../src/apps/kv/commands/db.js";
import { StreamValue } from "../../../../src/apps/kv/commands/stream_value.js";
import { Consumer, ConsumerGroup, INVALID_ENTRIES_READ, Nack } from "../../../../src/apps/kv/commands/stream_cg.js";
import { makeId } from "../../../../src/apps/kv/commands/stream_id.js";
import { RdbError } from "../../../../src/apps/kv/rdb/rdb_lengths.js";
import { dumpPayload, restorePayload, verifyDumpPayload } from "../../../../src/apps/kv/rdb/rdb_value.js";
import { valueType } from "../../../../src/apps/kv/commands/value_types.js";
import { hash, list, range, set, zset } from "./rdb_file_values.js";

/** A stream of `n` entries (some with other fields, some long), `del` of them deleted, and (groups) two groups with PELs. */
const stream = (n: number, del: number, groups: boolean) => {
  const s = new StreamValue();
  const T = 1700000000000;
  for (let i = 0; i < n; i++) {
    s.add(makeId(T + i, i % 3), i % 7 === 3 ? ["g", String(i), "h", "x".repeat(i * 11)] : ["f", String(i * 1000)]);
  }
  for (let i = 0; i < del; i++) {
    const id = makeId(T + i * 3, (i * 3) % 3);
    if (s.delete(id)) s.maxDeletedId = id;
  }
  if (groups) {
    s.groups = new Map();
    const g = new ConsumerGroup(makeId(T + 5, 2), 6n);
    const a = new Consumer("alice", T);
    g.consumers.set("alice", a).set("bob", new Consumer("bob", T + 1));
    for (let i = 0; i < 4; i++) {
      const nack = new Nack(a, T + i, i === 3 ? -(2n ** 63n) : i + 1);
      g.pel.insert(makeId(T + i, i % 3), nack);
      a.pel.insert(makeId(T + i, i % 3), nack);
    }
    s.groups.set("g", g).set("12", new ConsumerGroup(0n, INVALID_ENTRIES_READ));
  }
  return s;
};

/** Valid payloads of every encoding DUMP writes, plus the older ones RESTORE reads (hand-made bodies). */
const VALUES: Value[] = [
  "hello", "12", "-40000", "a".repeat(100), "abc".repeat(300),
  list(["a", "1", "-70000", "x".repeat(100)]), list(range(3000).map((i) => `item-${i}`)),
  set(["1", "2", "-3"]), set(["9223372036854775807", "0"]), set(["a", "b"]), set(range(600)),
  zset([["a", 1], ["b", 1.5], ["c", -Infinity]]), zset(range(200).map((i) => [`m${i}`, Number(i) / 7] as [string, number])),
  hash([["f", "v"], ["n", "12"]]), hash([["f", "v".repeat(100)]], true),
  stream(3, 0, false), stream(40, 5, true), stream(250, 40, false), stream(2, 2, true),
];
const SEEDS = VALUES.map((v) => dumpPayload(v));

/** Decodes a payload's body as RESTORE does (after the checksum), asserting the contract. */
function decode(body: Uint8Array): Value | null {
  let v: Value;
  try {
    v = restorePayload(body);
  } catch (e) {
    if (e instanceof RdbError) return null;
    throw new Error(`non-RdbError on ${Buffer.from(body).toString("hex").slice(0, 400)}: ${String(e)}`);
  }
  // whatever a stream payload decodes to can be walked, rewritten and dumped again
  if (v instanceof StreamValue) {
    [...v.entries()];
    v.range(0n, (1n << 128n) - 1n, 0, true);
    [...valueType(v).rewrite("k", v)];
    dumpPayload(v);
  }
  return v;
}

test("valid payloads verify and decode to the value dumped", () => {
  for (let i = 0; i < VALUES.length; i++) {
    const p = SEEDS[i]!;
    assert.ok(verifyDumpPayload(p));
    const v = decode(p)!;
    assert.notEqual(v, null);
    const t = valueType(VALUES[i]!);
    assert.equal(valueType(v).name, t.name);
    // the commands that recreate each (a set's members in any order)
    const cmds = (x: Value) => [...t.rewrite("k", x)].flat();
    const norm = (a: string[]) => (t.name === "set" ? a.sort() : a);
    assert.deepEqual(norm(cmds(v)), norm(cmds(VALUES[i]!)));
    assert.equal(t.encoding(v), t.encoding(VALUES[i]!));
  }
});

test("random bytes only decode or throw RdbError", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 19 }), fc.uint8Array({ maxLength: 200 }), (type, rest) => {
      // streams: the nodes' count then a 16-byte node key, so random bytes get past them
      if (type >= 15 && rest.length > 2 && rest[0]! % 2 === 0) rest.set([1, 16], 0);
      decode(Buffer.concat([Buffer.from([type]), rest]));
    }),
    { numRuns: 3000, seed: 1 },
  );
});

/** One mutation of a payload. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
  fc.record({ kind: fc.constant("bigLen" as const), at: fc.nat(), marker: fc.constantFrom(0x80, 0x81, 0x7f, 0xc3) }),
);

interface Mutation {
  kind: string;
  at: number;
  bit?: number;
  bytes?: Uint8Array;
  marker?: number;
}

function mutate(p: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(p);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === "flip") b[at] ^= 1 << m.bit!;
    else if (m.kind === "cut") b = b.subarray(0, at);
    else if (m.kind === "set") b.set(m.bytes!.subarray(0, b.length - at), at);
    else if (m.kind === "insert") b = Buffer.concat([b.subarray(0, at), m.bytes!, b.subarray(at)]);
    else {
      b[at] = m.marker!;
      for (let i = at + 1; i < Math.min(b.length, at + 9); i++) b[i] = 0xff;
    }
  }
  return b;
}

test("mutated valid payloads only decode or throw RdbError", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => {
      decode(mutate(SEEDS[i]!, ms));
    }),
    { numRuns: 3000, seed: 2 },
  );
});

test("mutated stream payloads only decode or throw RdbError", () => {
  const streams = SEEDS.filter((_, i) => VALUES[i] instanceof StreamValue);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: streams.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, ms) => {
      decode(mutate(streams[i]!, ms));
    }),
    { numRuns: 3000, seed: 3 },
  );
});

test("declared lengths far beyond the input are refused before allocating", () => {
  // a string of 2^40 bytes, an LZF string claiming 2^40 bytes, a list of 2^40 elements, a quicklist node of 4 GB
  for (const hex of ["0081000001000000000061", "00c3018100000100000000000061", "0181000001000000000000", "1201028080000000"]) {
    assert.equal(decode(Buffer.from(hex, "hex")), null);
  }
});
