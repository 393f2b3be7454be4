/**
 * The RDB codec's pieces against known vectors: Redis' CRC-64 (its own
 * test vector), LZF round trips and liblzf's exact output on small
 * inputs, RDB lengths at every boundary, listpack and intset encodings.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { crc64 } from "../../../../src/apps/kv/rdb/crc64.js";
import { decodeIntset, encodeIntset } from "../../../../src/apps/kv/rdb/intset.js";
import { ListpackWriter, decodeListpack } from "../../../../src/apps/kv/rdb/listpack.js";
import { lzfCompress, lzfDecompress } from "../../../../src/apps/kv/rdb/lzf.js";
import { RdbError, RdbReader, RdbWriter } from "../../../../src/apps/kv/rdb/rdb_lengths.js";

test("CRC-64 of Redis' test vectors", () => {
  assert.equal(crc64(Buffer.from("123456789")), 0xe9c6d914c4b8d9can);
  // crc64.c's second vector: its lorem ipsum with the C string's terminating NUL (sizeof)
  const li = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna " +
    "aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis " +
    "aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint " +
    "occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.\0";
  assert.equal(crc64(Buffer.from(li, "latin1")), 0xc7794709e69683b3n);
  assert.equal(crc64(Buffer.alloc(0)), 0n);
  // continuing from a previous value equals one pass
  const all = Buffer.from("123456789");
  assert.equal(crc64(all.subarray(4), crc64(all.subarray(0, 4))), crc64(all));
});

test("LZF: known output, round trips, and refusal when it would not save 4 bytes", () => {
  // Redis' DUMP of SET k aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: c3 09 1e + these 9 bytes
  const c = lzfCompress(Buffer.from("a".repeat(30)), 26)!;
  assert.equal(Buffer.from(c).toString("hex"), "016161e01100016161");
  assert.equal(Buffer.from(lzfDecompress(c, 30)).toString(), "a".repeat(30));
  assert.equal(lzfCompress(Buffer.from("abcdefghijklmnopqrstuvwxyz"), 22), null);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 8 }), (bytes, alphabet) => {
      const data = alphabet === 0 ? bytes : bytes.map((b) => 97 + (b % alphabet));
      if (data.length < 5) return;
      const z = lzfCompress(data, data.length - 4);
      if (z === null) return;
      assert.ok(z.length <= data.length - 4);
      assert.deepEqual(Buffer.from(lzfDecompress(z, data.length)), Buffer.from(data));
    }),
    { numRuns: 300, seed: 42 },
  );
});

test("LZF decompression refuses bad input with RdbError", () => {
  assert.throws(() => lzfDecompress(Buffer.from([0x20, 0x05]), 3), RdbError); // reference before the start
  assert.throws(() => lzfDecompress(Buffer.from([0x05, 0x61]), 6), RdbError); // literal past the input
  assert.throws(() => lzfDecompress(Buffer.from([0x00, 0x61]), 2), RdbError); // shorter than declared
  assert.throws(() => lzfDecompress(Buffer.from([0x01, 0x61, 0x62]), 1), RdbError); // longer than declared
  assert.throws(() => lzfDecompress(Buffer.from([0x00]), 2 ** 40), RdbError); // impossible length: nothing allocated
});

test("RDB lengths at every boundary", () => {
  for (const n of [0, 63, 64, 16383, 16384, 2 ** 32 - 1, 2 ** 32, 2 ** 40]) {
    const w = new RdbWriter();
    w.len(n);
    const b = w.finish();
    assert.equal(b.length, n < 64 ? 1 : n < 16384 ? 2 : n < 2 ** 32 ? 5 : 9);
    const r = new RdbReader(b);
    assert.equal(r.len(), n);
    assert.equal(r.left, 0);
  }
  assert.throws(() => new RdbReader(Buffer.from([0x82])).len(), RdbError);
  assert.throws(() => new RdbReader(Buffer.from([0x40])).len(), RdbError);
});

test("listpack and intset encode and decode", () => {
  const items = ["a", "", "0", "127", "128", "-1", "-4096", "4095", "-4097", "32767", "-32769", "8388607", "8388608", "2147483647", "2147483648",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "007", "-0", "x".repeat(63), "x".repeat(64), "y".repeat(4095), "z".repeat(4096)];
  const w = new ListpackWriter();
  for (const s of items) w.add(s);
  const lp = w.finish();
  assert.deepEqual(decodeListpack(lp), items);
  // a one-entry listpack as Redis writes it: header, 0x81 'a' 0x02 backlen, terminator
  const one = new ListpackWriter();
  one.add("a");
  assert.equal(one.finish().toString("hex"), "0a0000000100816102ff");
  assert.deepEqual(decodeIntset(encodeIntset([5n, -70000n, 1n])), ["-70000", "1", "5"]);
  assert.throws(() => decodeIntset(Buffer.from("0200000000000000", "hex")), RdbError);
});
