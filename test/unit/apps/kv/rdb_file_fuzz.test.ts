/**
 * Fuzzing the RDB file decoder, which reads dump.rdb at start: random
 * bytes after a valid header and mutations (flipped bits, cuts, spliced
 * bytes, big lengths) of a valid file of every type only ever load or
 * throw RdbFileError (with an offset inside the input), never another
 * exception, a hang or an allocation beyond the input's reach. A fixed
 * number of inputs from a fixed seed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RdbFileError, fromTriples, loadRdb, rdbChunks } from "../../../../src/apps/kv/rdb/rdb_file.js";
import { sampleValues } from "./rdb_file_values.js";

const e: unknown[] = [];
for (const [k, v] of sampleValues()) e.push(k, v, k.length % 2 === 0 ? 1800000000000 : undefined);
const VALID = Buffer.concat([...rdbChunks({ ctime: 1, usedMem: 2, aofBase: false }, ["#!lua name=x\n"], [fromTriples(0, e), fromTriples(2, ["k", "v", undefined])])]);

/** Loads `buf` (checksum not verified, so mutations reach the decoder), asserting the contract. */
function decode(buf: Uint8Array): void {
  try {
    loadRdb(buf, { key: () => {}, library: () => {} }, false);
  } catch (err) {
    if (err instanceof RdbFileError) {
      assert.ok(err.offset >= 0 && err.offset <= buf.length, `offset ${err.offset} of ${buf.length}`);
      return;
    }
    throw new Error(`non-RdbFileError on ${Buffer.from(buf).toString("hex").slice(0, 400)}: ${String(err)}`);
  }
}

test("the valid file loads", () => {
  let n = 0;
  loadRdb(VALID, { key: () => void n++, library: () => {} });
  assert.equal(n, sampleValues().length + 1);
});

test("random bytes after the header only load or throw RdbFileError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (rest) => decode(Buffer.concat([Buffer.from("REDIS0010"), rest]))),
    { numRuns: 3000, seed: 7 },
  );
});

test("mutations of a valid file only load or throw RdbFileError", () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("set" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
    fc.record({ kind: fc.constant("bigLen" as const), at: fc.nat(), marker: fc.constantFrom(0x80, 0x81, 0x7f, 0xc3) }),
  );
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
      let b = Buffer.from(VALID);
      for (const m of ms) {
        const at = m.at % b.length;
        if (m.kind === "flip") b[at]! ^= 1 << m.bit;
        else if (m.kind === "cut") b = b.subarray(0, at);
        else if (m.kind === "set") b.set(m.bytes.subarray(0, b.length - at), at);
        else {
          b[at] = m.marker;
          if (at + 5 <= b.length) b.fill(0xff, at + 1, at + 5);
        }
        if (b.length === 0) break;
      }
      decode(b);
    }),
    { numRuns: 1500, seed: 3 },
  );
});
