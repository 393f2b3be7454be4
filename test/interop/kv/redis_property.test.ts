/**
 * Property test against a real redis-server: random sequences of data
 * commands over a small keyspace (all commands, valid and invalid
 * arguments, wrong types, integer limits, floats, past and far expiries)
 * give byte-identical replies on Redis and on the engine, in RESP2 and
 * RESP3, and the same INFO counters (keyspace hits and misses, expired
 * keys). TTLs may drift a second; KEYS/SCAN are compared as sets and
 * RANDOMKEY by whether it found a key. AGNER_PROPERTY_RUNS raises the count.
 */
import fc from "fast-check";
import { twinProperty } from "./twin_property.js";

const key = fc.constantFrom("a", "b", "c", "h", "l", "k\0z", "");
const value = fc.oneof(
  fc.constantFrom("", "v", "w", "0", "1", "-1", "10", "007", "9223372036854775807", "-9223372036854775808", "3.5", "1e3", " 1", "0x1p4", "inf", "abc"),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -1000, max: 1000 }).map(String),
);
const int = fc.oneof(
  fc.constantFrom("0", "1", "-1", "2", "-2", "5", "100", "-100", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "x", "1.5", ""),
  fc.integer({ min: -50, max: 50 }).map(String),
);
const float = fc.oneof(
  fc.constantFrom("0.1", "-0.1", "1e10", "1.5e-7", "3", "-3.25", "inf", "nan", "1e4000", "x", "0x10", ".5"),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
);
// Expiries that cannot fire during a run: far ahead, or already past.
const seconds = fc.constantFrom("100000", "999999", "0", "-1", "-100", "x", "9223372036854775807");
const millis = fc.constantFrom("100000000", "999999999", "0", "-5", "x");
const unixSeconds = fc.constantFrom("1", "100", "99999999999", "-1", "x");
const unixMillis = fc.constantFrom("1", "100000", "99999999999999", "x");
const pattern = fc.oneof(
  fc.constantFrom("*", "a*", "?", "[ab]", "[^a]*", "[a-c]", "\\*", "*z", "h?", "[", "k*", "**"),
  fc.stringMatching(/^[a-c*?[\]^\\-]{0,6}$/),
);
const expireFlag = fc.constantFrom<string[]>([], ["NX"], ["XX"], ["GT"], ["LT"], ["NX", "GT"], ["gt", "lt"], ["FOO"]);
const keys = fc.array(key, { minLength: 0, maxLength: 4 });
const opt = <T>(a: fc.Arbitrary<T[]>) => fc.oneof(a, fc.constant([] as T[]));

const setOptions = fc
  .subarray(["NX", "XX", "GET", "KEEPTTL", "EX", "PX", "EXAT", "PXAT", "BAD"])
  .chain((opts) =>
    fc.tuple(...opts.map((o) =>
      o === "EX" ? seconds.map((s) => [o, s]) :
      o === "PX" ? millis.map((s) => [o, s]) :
      o === "EXAT" ? unixSeconds.map((s) => [o, s]) :
      o === "PXAT" ? unixMillis.map((s) => [o, s]) :
      fc.constant([o]))),
  )
  .map((parts) => parts.flat());

const getexOptions = fc.oneof(
  fc.constant([] as string[]),
  seconds.map((s) => ["EX", s]),
  millis.map((s) => ["PX", s]),
  unixSeconds.map((s) => ["EXAT", s]),
  unixMillis.map((s) => ["PXAT", s]),
  fc.constant(["PERSIST"]),
  fc.constant(["NX"]),
);

const command: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(key, value, setOptions).map(([k, v, o]) => ["SET", k, v, ...o]),
  key.map((k) => ["GET", k]),
  key.map((k) => ["GETDEL", k]),
  fc.tuple(key, getexOptions).map(([k, o]) => ["GETEX", k, ...o]),
  fc.tuple(key, value).map(([k, v]) => ["SETNX", k, v]),
  fc.tuple(key, seconds, value).map(([k, s, v]) => ["SETEX", k, s, v]),
  fc.tuple(key, millis, value).map(([k, s, v]) => ["PSETEX", k, s, v]),
  fc.tuple(key, value).map(([k, v]) => ["GETSET", k, v]),
  keys.map((ks) => ["MGET", ...ks]),
  fc.array(fc.tuple(key, value), { maxLength: 3 }).chain((kv) => fc.boolean().map((odd) => ["MSET", ...kv.flat(), ...(odd ? ["a"] : [])])),
  fc.array(fc.tuple(key, value), { maxLength: 3 }).map((kv) => ["MSETNX", ...kv.flat()]),
  fc.tuple(key, value).map(([k, v]) => ["APPEND", k, v]),
  key.map((k) => ["STRLEN", k]),
  fc.tuple(key, int, int).map(([k, s, e]) => ["GETRANGE", k, s, e]),
  fc.tuple(key, fc.oneof(fc.integer({ min: -2, max: 40 }).map(String), fc.constant("x")), value).map(([k, o, v]) => ["SETRANGE", k, o, v]),
  key.map((k) => ["INCR", k]),
  key.map((k) => ["DECR", k]),
  fc.tuple(key, int).map(([k, n]) => ["INCRBY", k, n]),
  fc.tuple(key, int).map(([k, n]) => ["DECRBY", k, n]),
  fc.tuple(key, float).map(([k, n]) => ["INCRBYFLOAT", k, n]),
  keys.map((ks) => ["DEL", ...ks]),
  keys.map((ks) => ["UNLINK", ...ks]),
  keys.map((ks) => ["EXISTS", ...ks]),
  keys.map((ks) => ["TOUCH", ...ks]),
  key.map((k) => ["TYPE", k]),
  fc.tuple(key, key).map(([a, b]) => ["RENAME", a, b]),
  fc.tuple(key, key).map(([a, b]) => ["RENAMENX", a, b]),
  fc.tuple(key, seconds, expireFlag).map(([k, s, f]) => ["EXPIRE", k, s, ...f]),
  fc.tuple(key, millis, expireFlag).map(([k, s, f]) => ["PEXPIRE", k, s, ...f]),
  fc.tuple(key, unixSeconds, expireFlag).map(([k, s, f]) => ["EXPIREAT", k, s, ...f]),
  fc.tuple(key, unixMillis, expireFlag).map(([k, s, f]) => ["PEXPIREAT", k, s, ...f]),
  key.map((k) => ["TTL", k]),
  key.map((k) => ["PTTL", k]),
  key.map((k) => ["EXPIRETIME", k]),
  key.map((k) => ["PEXPIRETIME", k]),
  key.map((k) => ["PERSIST", k]),
  pattern.map((p) => ["KEYS", p]),
  fc.tuple(opt(pattern.map((p) => ["MATCH", p])), opt(fc.constantFrom("string", "hash", "list", "none", "zset").map((t) => ["TYPE", t])))
    .map(([m, t]) => ["SCAN", "0", "COUNT", "1000", ...m, ...t]),
  fc.constant<string[]>(["DBSIZE"]),
  fc.constant<string[]>(["RANDOMKEY"]),
  fc.constantFrom<string[]>(["FLUSHDB"], ["FLUSHALL", "SYNC"], ["FLUSHDB", "nope"]),
  fc.tuple(key, fc.array(fc.tuple(value, value), { maxLength: 3 }), fc.boolean()).map(([k, fv, hm]) => [hm ? "HMSET" : "HSET", k, ...fv.flat()]),
  fc.tuple(key, value, value).map(([k, f, v]) => ["HSETNX", k, f, v]),
  fc.tuple(key, value).map(([k, f]) => ["HGET", k, f]),
  fc.tuple(key, fc.array(value, { maxLength: 3 })).map(([k, fs]) => ["HMGET", k, ...fs]),
  fc.tuple(key, fc.array(value, { maxLength: 3 })).map(([k, fs]) => ["HDEL", k, ...fs]),
  fc.tuple(fc.constantFrom("HGETALL", "HKEYS", "HVALS", "HLEN"), key).map(([c, k]) => [c, k]),
  fc.tuple(fc.constantFrom("HEXISTS", "HSTRLEN"), key, value).map(([c, k, f]) => [c, k, f]),
  fc.tuple(key, value, int).map(([k, f, n]) => ["HINCRBY", k, f, n]),
  fc.tuple(key, value, float).map(([k, f, n]) => ["HINCRBYFLOAT", k, f, n]),
  fc.tuple(fc.constantFrom("LPUSH", "RPUSH"), key, fc.array(value, { maxLength: 4 })).map(([c, k, vs]) => [c, k, ...vs]),
  fc.tuple(fc.constantFrom("LPOP", "RPOP"), key, fc.option(int, { nil: undefined })).map(([c, k, n]) => (n === undefined ? [c, k] : [c, k, n])),
  fc.tuple(key, int, int).map(([k, s, e]) => ["LRANGE", k, s, e]),
  key.map((k) => ["LLEN", k]),
  fc.tuple(key, int).map(([k, i]) => ["LINDEX", k, i]),
  fc.tuple(fc.constantFrom("NOPE", "get", "Set", "hgetall", "lpush"), fc.array(value, { maxLength: 3 })).map(([c, a]) => [c, ...a]),
);

twinProperty("random command sequences answer as redis-server 7 does", {
  command,
  maxLength: 40,
  runs: 500,
  after: (argv) => (argv[0] === "RANDOMKEY" ? [["SCAN", "0", "COUNT", "100000"]] : []),
});
