/**
 * Property test of the HyperLogLog commands against a real redis-server:
 * random sequences of PFADD (a few elements, or batches that push a key
 * past the sparse limit), PFCOUNT of one and several keys, PFMERGE,
 * PFDEBUG, and string writes that corrupt or replace an HLL (SETRANGE,
 * APPEND, SET, GET), give byte-identical replies in RESP2 and RESP3, and GET
 * of every key at the end compares equal: the HLL strings are Redis' byte for byte.
 * AGNER_PROPERTY_RUNS raises the count.
 */
import fc from "fast-check";
import { twinProperty } from "./twin_property.js";

const KEYS = ["a", "b", "c", "h"];
const key = fc.constantFrom(...KEYS);
const element = fc.oneof(fc.constantFrom("", "x", "y", "foo", "\x00", "\xff\xfe"), fc.string({ maxLength: 12 }), fc.integer().map(String));
const batch = fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 50, max: 600 }))
  .map(([base, n]) => Array.from({ length: n }, (_, i) => `e${base + i}`));
const junk = fc.uint8Array({ minLength: 1, maxLength: 4 }).map((u) => Buffer.from(u).toString("latin1"));

const command: fc.Arbitrary<string[]> = fc.oneof(
  { arbitrary: fc.tuple(key, fc.array(element, { maxLength: 5 })).map(([k, es]) => ["PFADD", k, ...es]), weight: 6 },
  { arbitrary: fc.tuple(key, batch).map(([k, es]) => ["PFADD", k, ...es]), weight: 2 },
  { arbitrary: key.map((k) => ["PFCOUNT", k]), weight: 3 },
  { arbitrary: fc.array(key, { minLength: 2, maxLength: 4 }).map((ks) => ["PFCOUNT", ...ks]), weight: 2 },
  { arbitrary: fc.tuple(key, fc.array(key, { maxLength: 3 })).map(([d, ks]) => ["PFMERGE", d, ...ks]), weight: 2 },
  fc.tuple(fc.constantFrom("ENCODING", "DECODE", "TODENSE", "GETREG"), key).map(([s, k]) => ["PFDEBUG", s, k]),
  fc.tuple(key, fc.integer({ min: 0, max: 40 }), junk).map(([k, o, j]) => ["SETRANGE", k, String(o), j]),
  fc.tuple(key, junk).map(([k, j]) => ["APPEND", k, j]),
  fc.tuple(key, fc.constantFrom("v", "HYLL", "")).map(([k, v]) => ["SET", k, v]),
  key.map((k) => ["DEL", k]),
  { arbitrary: key.map((k) => ["GET", k]), weight: 2 },
  key.map((k) => ["HSET", k, "f", "v"]),
);

twinProperty("random HyperLogLog command sequences answer as redis-server 7 does", {
  command,
  maxLength: 25,
  runs: 300,
  seed: 0x4177,
  finalChecks: KEYS.map((k) => ["GET", k]),
});
