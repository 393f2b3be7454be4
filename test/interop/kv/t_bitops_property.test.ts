/**
 * Property test of the bitmap commands against a real redis-server: random
 * sequences of SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
 * BITFIELD_RO mixed with string writes and reads (SET, APPEND, SETRANGE,
 * GET, STRLEN) over a few keys, small and large strings (past the size
 * kept as a plain string, so both representations are edited), give
 * byte-identical replies in RESP2 and RESP3 and the same INFO counters.
 * AGNER_PROPERTY_RUNS raises the count.
 */
import fc from "fast-check";
import { twinProperty } from "./twin_property.js";

const key = fc.constantFrom("a", "b", "c", "h");
const bytes = fc.oneof(
  fc.constantFrom("", "\x00", "\xff", "abc", "foobar", "\x0f\xf0", "12345"),
  fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u).toString("latin1")),
  fc.tuple(fc.constantFrom("\x00", "\xff", "\xaa"), fc.integer({ min: 60, max: 200 })).map(([c, n]) => c.repeat(n)),
);
const offset = fc.oneof(
  fc.integer({ min: 0, max: 100 }).map(String),
  fc.integer({ min: 0, max: 3000 }).map(String),
  fc.constantFrom("-1", "x", "4294967296", "#3", "#0"),
);
const index = fc.oneof(fc.integer({ min: -30, max: 30 }).map(String), fc.integer({ min: -2000, max: 2000 }).map(String), fc.constantFrom("x", "9223372036854775807"));
const unit = fc.constantFrom<string[]>([], ["BIT"], ["BYTE"], ["bit"], ["FOO"]);
const ftype = fc.oneof(
  fc.integer({ min: 1, max: 64 }).map((n) => `i${n}`),
  fc.integer({ min: 1, max: 63 }).map((n) => `u${n}`),
  fc.constantFrom("u64", "i0", "x8", "i65"),
);
const fvalue = fc.oneof(
  fc.integer({ min: -300, max: 300 }).map(String),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.constantFrom("9223372036854775807", "-9223372036854775808", "x"),
);
const fieldOp = fc.oneof(
  fc.tuple(ftype, offset).map(([t, o]) => ["GET", t, o]),
  fc.tuple(ftype, offset, fvalue).map(([t, o, v]) => ["SET", t, o, v]),
  fc.tuple(ftype, offset, fvalue).map(([t, o, v]) => ["INCRBY", t, o, v]),
  fc.constantFrom("WRAP", "SAT", "FAIL", "bad").map((w) => ["OVERFLOW", w]),
);

const command: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(key, offset, fc.constantFrom("0", "1", "2")).map(([k, o, v]) => ["SETBIT", k, o, v]),
  fc.tuple(key, offset).map(([k, o]) => ["GETBIT", k, o]),
  fc.tuple(key, fc.option(fc.tuple(index, index, unit), { nil: undefined })).map(([k, r]) => (r === undefined ? ["BITCOUNT", k] : ["BITCOUNT", k, r[0], r[1], ...r[2]])),
  fc.tuple(key, fc.constantFrom("0", "1"), fc.array(index, { maxLength: 2 }), unit)
    .map(([k, b, r, u]) => ["BITPOS", k, b, ...r, ...(r.length === 2 ? u : [])]),
  fc.tuple(fc.constantFrom("AND", "OR", "XOR", "NOT", "and"), key, fc.array(key, { minLength: 1, maxLength: 3 })).map(([op, d, ks]) => ["BITOP", op, d, ...ks]),
  fc.tuple(key, fc.array(fieldOp, { maxLength: 4 })).map(([k, ops]) => ["BITFIELD", k, ...ops.flat()]),
  fc.tuple(key, fc.array(fc.tuple(ftype, offset), { maxLength: 3 })).map(([k, ops]) => ["BITFIELD_RO", k, ...ops.flatMap(([t, o]) => ["GET", t, o])]),
  fc.tuple(key, bytes).map(([k, v]) => ["SET", k, v]),
  fc.tuple(key, bytes).map(([k, v]) => ["APPEND", k, v]),
  fc.tuple(key, fc.integer({ min: 0, max: 300 }), bytes).map(([k, o, v]) => ["SETRANGE", k, String(o), v]),
  key.map((k) => ["GET", k]),
  key.map((k) => ["STRLEN", k]),
  key.map((k) => ["DEL", k]),
  fc.tuple(key, bytes).map(([k, v]) => ["HSET", k, "f", v]),
);

twinProperty("random bitmap command sequences answer as redis-server 7 does", {
  command,
  maxLength: 30,
  runs: 300,
  seed: 0x5e7b17,
  finalChecks: ["a", "b", "c", "h"].map((k) => ["GET", k]),
});
