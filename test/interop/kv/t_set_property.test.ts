/**
 * Property test of the set commands against a real redis-server: random
 * sequences over a few keys (sets, and a string and a hash for wrong
 * types), members from a small pool of integers and strings (so sets
 * overlap and intsets turn into hashtables), every set command with valid
 * and invalid arguments, in RESP2 and RESP3. Unordered replies compare as
 * sets, random ones by shape and membership (set_twin.ts), the rest byte
 * for byte, and INFO's counters at the end. A fixed seed;
 * AGNER_PROPERTY_RUNS raises the count.
 */
import fc from "fast-check";
import { compareSet } from "./set_twin.js";
import { twinProperty } from "./twin_property.js";

const key = fc.constantFrom("a", "b", "c", "d", "str", "h");
const keys = fc.array(key, { minLength: 1, maxLength: 4 });
const member = fc.oneof(
  fc.constantFrom("0", "1", "-1", "2", "17", "007", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "x", "y", "", "a\0b"),
  fc.integer({ min: -30, max: 30 }).map(String),
  fc.string({ maxLength: 3 }),
);
const members = fc.array(member, { minLength: 1, maxLength: 6 });
const count = fc.oneof(
  fc.constantFrom("0", "1", "-1", "2", "-3", "5", "100", "-100", "9223372036854775807", "-9223372036854775808", "x", ""),
  fc.integer({ min: -12, max: 12 }).map(String),
);
const pattern = fc.constantFrom("*", "1*", "?", "[xy]", "-*", "x");
const scanOpts = fc.constantFrom<string[]>([], ["COUNT", "2"], ["MATCH", "1*"], ["COUNT", "0"], ["MATCH", "?", "COUNT", "100"], ["TYPE", "set"], ["COUNT"]);

const command: fc.Arbitrary<string[]> = fc.oneof(
  { arbitrary: fc.tuple(key, members).map(([k, m]) => ["SADD", k, ...m]), weight: 6 },
  { arbitrary: fc.tuple(key, members).map(([k, m]) => ["SREM", k, ...m]), weight: 3 },
  key.map((k) => ["SCARD", k]),
  fc.tuple(key, member).map(([k, m]) => ["SISMEMBER", k, m]),
  fc.tuple(key, members).map(([k, m]) => ["SMISMEMBER", k, ...m]),
  key.map((k) => ["SMEMBERS", k]),
  key.map((k) => ["SRANDMEMBER", k]),
  fc.tuple(key, count).map(([k, c]) => ["SRANDMEMBER", k, c]),
  key.map((k) => ["SPOP", k]),
  fc.tuple(key, count).map(([k, c]) => ["SPOP", k, c]),
  fc.tuple(key, key, member).map(([s, d, m]) => ["SMOVE", s, d, m]),
  keys.map((ks) => ["SINTER", ...ks]),
  fc.tuple(key, keys).map(([d, ks]) => ["SINTERSTORE", d, ...ks]),
  fc.tuple(keys, fc.constantFrom<string[]>([], ["LIMIT", "1"], ["LIMIT", "0"], ["LIMIT", "-1"], ["LIMIT"]), fc.integer({ min: -1, max: 1 }))
    .map(([ks, l, skew]) => ["SINTERCARD", String(ks.length + skew), ...ks, ...l]),
  keys.map((ks) => ["SUNION", ...ks]),
  fc.tuple(key, keys).map(([d, ks]) => ["SUNIONSTORE", d, ...ks]),
  keys.map((ks) => ["SDIFF", ...ks]),
  fc.tuple(key, keys).map(([d, ks]) => ["SDIFFSTORE", d, ...ks]),
  fc.tuple(key, scanOpts, pattern).map(([k, o, p]) => ["SSCAN", k, "0", ...o.map((w) => (w === "1*" ? p : w))]),
  key.map((k) => ["TYPE", k]),
  key.map((k) => ["DEL", k]),
  key.map((k) => ["EXPIRE", k, "100000"]),
  key.map((k) => ["TTL", k]),
  fc.constant<string[]>(["SET", "str", "v"]),
  fc.constant<string[]>(["HSET", "h", "f", "v"]),
  fc.constant<string[]>(["KEYS", "*"]),
);

twinProperty("random set command sequences answer as redis-server 7 does", {
  command,
  maxLength: 40,
  runs: 200,
  seed: 13,
  compare: compareSet,
  finalChecks: ["a", "b", "c", "d"].map((k) => ["SMEMBERS", k]),
});
