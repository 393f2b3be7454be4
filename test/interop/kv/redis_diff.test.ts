/**
 * Differential tests against a real redis-server: hand-picked edge cases
 * for every data command (errors and their order, options, ranges, types,
 * integer limits, float formatting, expiries in the past), each run on
 * Redis and on the engine, in RESP2 and in RESP3, and compared byte for
 * byte (TTLs allowed a second of drift, KEYS/SCAN compared as sets), and
 * INFO's hit, miss and expired-key counters compared after each case.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";
import { expand, words } from "./twin_cases.js";

/**
 * A case: commands separated by " | ", words by spaces; `{NOW+n}` is now +
 * n ms, `{NOWS+n}` now + n seconds, `{x*n}` n copies of x, `{0}` a NUL.
 */
const CASES: Record<string, string[]> = {
  set: [
    "SET k v | GET k | SET k w | GET k",
    "SET k v NX | SET k w NX | GET k | SET k x XX | GET k | SET n v XX | GET n",
    "SET k v NX XX | SET k v XX NX | SET k v EX | SET k v EX 10 PX 10 | SET k v KEEPTTL EX 10 | SET k v FOO",
    "SET k v EX 0 | SET k v EX -1 | SET k v PX 0 | SET k v EX abc | SET k v EX 9223372036854775807 | SET k v EX 9223372036854775",
    "SET k v PX 9223372036854775807 | SET k v PXAT 9223372036854775807 | TTL k | SET k v EXAT 9223372036854775 | EXISTS k",
    "SET k v EX 100 | TTL k | SET k w | TTL k | SET k v EX 100 | SET k x KEEPTTL | TTL k | GET k",
    "SET k v PX 100000 | PTTL k | SET k v EXAT {NOWS+100} | TTL k | SET k v PXAT {NOW+100000} | PTTL k",
    "SET k v PXAT 1 | GET k | EXISTS k | SET k v EXAT 1 | TTL k",
    "SET k v GET | SET k w GET | SET k x NX GET | GET k | SET n y XX GET | GET n | SET k z get GET",
    "HSET h f v | SET h v GET | GET h | SET h v | GET h",
    "SET k v ex 10 | ttl k | set k v px 10000 nx | set k v Get eX 5 | ttl k",
    "SET k v KEEPTTL GET XX | SET k v EX 10 EX 20 | SET k v nx nx | SET k {NUL} | GET k",
  ],
  variants: [
    "SETNX k v | SETNX k w | GET k",
    "SETEX k 100 v | TTL k | GET k | SETEX k 0 v | SETEX k -5 v | SETEX k x v | SETEX k 9223372036854775807 v",
    "PSETEX k 100000 v | PTTL k | PSETEX k 0 v | PSETEX k 9223372036854775807 v",
    "GETSET k v | GETSET k w | GET k | HSET h f v | GETSET h v | SET e v EX 100 | GETSET e w | TTL e",
    "SET k v | GETDEL k | GETDEL k | EXISTS k | HSET h f v | GETDEL h | EXISTS h",
  ],
  getex: [
    "SET k v | GETEX k | TTL k | GETEX k EX 100 | TTL k | GETEX k PERSIST | TTL k",
    "SET k v | GETEX k PX 100000 | PTTL k | GETEX k EXAT {NOWS+50} | TTL k | GETEX k PXAT {NOW+50000} | PTTL k",
    "SET k v | GETEX k EXAT 1 | EXISTS k | SET k v | GETEX k PXAT {NOW-1} | EXISTS k",
    "SET k v | GETEX k EX 0 | GETEX k EX -1 | GETEX k EX x | GETEX k PX 9223372036854775807 | GETEX k FOO | GETEX k EX 1 PX 1",
    "GETEX nokey EX 10 | GETEX nokey EX -1 | GETEX nokey FOO | HSET h f v | GETEX h | GETEX h EX 0 | GETEX h PERSIST EX 5",
    "SET k v | GETEX k NX | GETEX k KEEPTTL | GETEX k GET | GETEX k persist persist",
  ],
  mget_mset: [
    "MSET a 1 b 2 c 3 | MGET a b c d | MSET a | MSET a 1 b | MGET a a",
    "HSET h f v | MGET h a | MSETNX a 1 b 2 | MSETNX b 3 c 4 | MGET a b c | MSETNX c 3 d 4 | MGET c d",
    "SET a v EX 100 | MSET a w | TTL a | MSETNX a 1 | MSETNX a",
  ],
  append_strlen: [
    "APPEND k abc | APPEND k def | GET k | STRLEN k | STRLEN nokey | HSET h f v | APPEND h x | STRLEN h",
    "SET k v EX 100 | APPEND k w | TTL k | GET k | APPEND e {empty} | EXISTS e | STRLEN e",
  ],
  getrange: [
    "SET k Hello,World | GETRANGE k 0 4 | GETRANGE k -5 -1 | GETRANGE k 0 -1 | GETRANGE k 5 2 | GETRANGE k -1 -5 | GETRANGE k 100 200",
    "SET k abc | GETRANGE k -100 100 | GETRANGE k 1 1 | GETRANGE k -2 -2 | GETRANGE k 0 0 | GETRANGE nokey 0 -1 | GETRANGE k x 1 | GETRANGE k 0 y",
    "SET k abc | GETRANGE k -9223372036854775808 9223372036854775807 | GETRANGE k 9223372036854775807 -9223372036854775808 | GETRANGE k 3 -1",
    "SET e {empty} | GETRANGE e 0 -1 | GETRANGE e 0 0 | HSET h f v | GETRANGE h 0 1 | GETRANGE h x 1",
  ],
  setrange: [
    "SETRANGE k 5 abc | GET k | STRLEN k | SETRANGE k 0 XY | GET k | SETRANGE k 2 {empty} | SETRANGE nokey 3 {empty} | EXISTS nokey",
    "SET k hello | SETRANGE k 3 LOWORLD | GET k | SETRANGE k -1 x | SETRANGE k x x | SETRANGE k 536870912 x | SETRANGE k 9223372036854775807 x",
    "SET k hello | SETRANGE k 1 e | GET k | HSET h f v | SETRANGE h 0 x | SETRANGE h 0 {empty} | SET t v EX 100 | SETRANGE t 3 x | TTL t | GET t",
  ],
  incr: [
    "INCR k | INCR k | INCRBY k 10 | DECR k | DECRBY k 5 | GET k | INCRBY k -3 | DECRBY k -3",
    "SET k 9223372036854775806 | INCR k | INCR k | GET k | SET k -9223372036854775807 | DECR k | DECR k | DECRBY k 1",
    "SET k 0 | DECRBY k -9223372036854775808 | INCRBY k 9223372036854775807 | INCRBY k 1 | INCRBY k 9223372036854775808",
    "SET k abc | INCR k | SET k 1.5 | INCR k | SET k 01 | INCR k | SET k +1 | INCR k | SET k {sp}1 | INCR k | SET k -0 | INCR k",
    "SET k 12345678901234567890 | INCR k | SET k 4611686018427387904 | INCRBY k 4611686018427387904 | INCRBY k 4611686018427387903 | GET k",
    "HSET h f v | INCR h | INCRBY h x | INCRBY k x | INCRBY k 1.0 | INCRBY k {empty} | SET e v EX 100 | SET e 5 KEEPTTL | INCR e | TTL e",
  ],
  incrbyfloat: [
    "INCRBYFLOAT k 10.5 | INCRBYFLOAT k 0.1 | INCRBYFLOAT k -5.6 | INCRBYFLOAT k 5.0e3 | GET k",
    "SET k 3.0e3 | INCRBYFLOAT k 200 | SET k 1 | INCRBYFLOAT k 0.0001 | INCRBYFLOAT k 1e-20 | INCRBYFLOAT k 1e20",
    "INCRBYFLOAT k 1.7976931348623157e308 | INCRBYFLOAT k 1e308 | INCRBYFLOAT k 1e4000 | INCRBYFLOAT k 1e4933 | INCRBYFLOAT k -1e4000",
    "INCRBYFLOAT k inf | INCRBYFLOAT k -inf | INCRBYFLOAT k nan | INCRBYFLOAT k infinity | INCRBYFLOAT k abc | INCRBYFLOAT k {empty} | INCRBYFLOAT k {sp}1",
    "INCRBYFLOAT k 0x10 | INCRBYFLOAT k 0x1.8p3 | INCRBYFLOAT k .5 | INCRBYFLOAT k 5. | INCRBYFLOAT k +3 | INCRBYFLOAT k 1e | INCRBYFLOAT k 0x",
    "INCRBYFLOAT k -0.0 | INCRBYFLOAT k 0.1 | INCRBYFLOAT k -0.1 | SET k 1e-5000 | INCRBYFLOAT k 1 | SET k 1e-4940 | INCRBYFLOAT k 1",
    "SET k 0.1 | INCRBYFLOAT k 0.2 | INCRBYFLOAT k 1e-17 | INCRBYFLOAT k 3.3333333333333333333333 | INCRBYFLOAT k 123456789012345678901234567890",
    "SET k 9223372036854775807 | INCRBYFLOAT k 1 | INCRBYFLOAT k 0.5 | SET k 1.99999999999999999999 | INCRBYFLOAT k 0 | HSET h f v | INCRBYFLOAT h 1 | INCRBYFLOAT h x",
    "SET e 1 EX 100 | INCRBYFLOAT e 1 | TTL e | INCRBYFLOAT k 1e-17 | INCRBYFLOAT k 5e-18 | INCRBYFLOAT k 4.9e-18",
  ],
  del_exists: [
    "MSET a 1 b 2 | DEL a b c | EXISTS a b | DEL a | SET a 1 | EXISTS a a a | UNLINK a b | EXISTS a",
    "SET a 1 | TOUCH a b a | TYPE a | TYPE b | HSET h f v | TYPE h | RPUSH l x | TYPE l",
  ],
  rename: [
    "SET a 1 | RENAME a b | GET b | EXISTS a | RENAME nokey x | RENAME b b | RENAME nokey nokey | RENAMENX b b",
    "SET a 1 EX 100 | SET b 2 | RENAME a b | TTL b | GET b | SET c 3 | RENAMENX b c | RENAMENX b d | TTL d | EXISTS b",
    "HSET h f v | RENAME h x | HGET x f | RENAMENX nokey y",
  ],
  expire: [
    "SET k v | EXPIRE k 100 | TTL k | PEXPIRE k 50000 | PTTL k | EXPIREAT k {NOWS+200} | TTL k | PEXPIREAT k {NOW+300000} | PTTL k",
    "SET k v | EXPIRE k -1 | EXISTS k | SET k v | PEXPIRE k 0 | EXISTS k | SET k v | EXPIREAT k 1 | EXISTS k | EXPIRE nokey 10",
    "SET k v | EXPIRE k x | EXPIRE k 10 FOO | EXPIRE k 10 NX XX | EXPIRE k 10 GT LT | EXPIRE k 10 nx gt | EXPIRE k 9223372036854775807",
    "SET k v | EXPIRE k 9223372036854775 | EXPIRE k 9223372036854776 | PEXPIRE k 9223372036854775807 | PEXPIREAT k 9223372036854775807 | PTTL k | EXPIRETIME k",
    "SET k v | EXPIRE k -9223372036854775 | SET k v | EXPIRE k -9223372036854776 | EXPIRE k -9223372036854775808 | EXISTS k",
    "SET k v | EXPIRE k 100 NX | EXPIRE k 200 NX | TTL k | EXPIRE k 50 XX | TTL k | PERSIST k | EXPIRE k 50 XX | TTL k",
    "SET k v | EXPIRE k 100 GT | TTL k | EXPIRE k 100 LT | TTL k | EXPIRE k 200 GT | TTL k | EXPIRE k 100 GT | EXPIRE k 50 LT | TTL k | EXPIRE k -5 LT | EXISTS k",
    "SET k v | EXPIRE k 100 | PERSIST k | PERSIST k | TTL k | PERSIST nokey | TTL nokey | PTTL nokey | EXPIRETIME nokey | PEXPIRETIME k",
    "SET k v | EXPIREAT k {NOWS+100} | EXPIRETIME k | PEXPIREAT k {NOW+100000} | PEXPIRETIME k | HSET h f v | EXPIRE h 10 | TTL h",
  ],
  keys_scan: [
    "MSET hello 1 hallo 2 hxllo 3 hllo 4 heeeello 5 h*llo 6 a 7 | KEYS h?llo | KEYS h*llo | KEYS h[ae]llo | KEYS h[^e]llo | KEYS h[a-b]llo | KEYS *",
    "MSET hello 1 h*llo 2 h?llo 3 h[llo 4 | KEYS h\\*llo | KEYS h\\?llo | KEYS h[llo | KEYS h\\[llo | KEYS * | KEYS ** | KEYS h[ | KEYS h[^",
    "MSET a1 1 a2 2 b1 3 | HSET h f v | RPUSH l x | SCAN 0 COUNT 1000 | SCAN 0 MATCH a* COUNT 1000 | SCAN 0 TYPE hash COUNT 1000 | SCAN 0 TYPE string COUNT 1000",
    "SET a 1 | SCAN x | SCAN 0 COUNT 0 | SCAN 0 COUNT -1 | SCAN 0 COUNT x | SCAN 0 MATCH | SCAN 0 FOO bar | SCAN 0 TYPE | SCAN {sp}0 | SCAN 18446744073709551616",
    "SET k v PXAT 1 | SET a 1 | KEYS * | SCAN 0 COUNT 100 | DBSIZE",
    "DBSIZE | MSET a 1 b 2 | DBSIZE | RANDOMKEY | FLUSHDB | DBSIZE | RANDOMKEY | SET a 1 | FLUSHALL ASYNC | DBSIZE | FLUSHDB SYNC | FLUSHDB x | FLUSHALL a b",
    "MSET abc 1 abd 2 xbc 3 | KEYS a[b-a]? | KEYS [a-x]bc | KEYS [x-a]bc | KEYS *b* | KEYS *c | KEYS ?b? | KEYS a*d*",
  ],
  hash: [
    "HSET h a 1 b 2 | HSET h b 3 c 4 | HGETALL h | HKEYS h | HVALS h | HLEN h | HGET h b | HGET h z | HGET nokey a",
    "HSET h a 1 | HSET h a | HSET h a 1 b | HMSET h a 1 b 2 | HMSET h a | HMGET h a b z | HMGET nokey a b | HGETALL nokey | HKEYS nokey",
    "HSET h a 1 b 2 c 3 | HDEL h a z | HDEL h b c | EXISTS h | HDEL h a | HDEL nokey a | HLEN nokey",
    "HSET h a 1 | HEXISTS h a | HEXISTS h b | HSTRLEN h a | HSTRLEN h b | HSETNX h a 2 | HSETNX h b 2 | HGETALL h",
    "HINCRBY h a 5 | HINCRBY h a -3 | HINCRBY h a x | HSET h s abc | HINCRBY h s 1 | HSET h m 9223372036854775807 | HINCRBY h m 1 | HGET h a",
    "HINCRBYFLOAT h a 10.5 | HINCRBYFLOAT h a 0.1 | HINCRBYFLOAT h a inf | HINCRBYFLOAT h a x | HSET h s abc | HINCRBYFLOAT h s 1 | HINCRBYFLOAT h m 1e4932 | HINCRBYFLOAT h m 1e4932",
    "SET k v | HSET k a 1 | HGET k a | HGETALL k | HDEL k a | HLEN k | HMGET k a | HINCRBY k a 1 | HSETNX k a 1 | HEXISTS k a",
  ],
  list: [
    "RPUSH l a b c | LPUSH l x y | LRANGE l 0 -1 | LLEN l | LINDEX l 0 | LINDEX l -1 | LINDEX l 100 | LINDEX l -100 | LINDEX l x",
    "RPUSH l a b c d e | LRANGE l 1 3 | LRANGE l -3 -1 | LRANGE l 3 1 | LRANGE l -100 100 | LRANGE l 5 10 | LRANGE l x 1 | LRANGE nokey 0 -1",
    "RPUSH l a b c d e | LPOP l | RPOP l | LPOP l 2 | RPOP l 5 | EXISTS l | LPOP l | LPOP l 2 | RPOP nokey 0",
    "RPUSH l a b | LPOP l 0 | LPOP l -1 | LPOP l x | LPOP l 1 2 | RPOP l 9223372036854775807 | LLEN nokey",
    "SET k v | LPUSH k a | RPUSH k a | LPOP k | RPOP k 1 | LRANGE k 0 -1 | LLEN k | LINDEX k 0",
    "RPUSH l a | LRANGE l -9223372036854775808 9223372036854775807 | LINDEX l 9223372036854775807 | LINDEX l -9223372036854775808",
  ],
  arity_unknown: [
    "GET | GET a b | SET a | HSET h | LPUSH l | MGET | DEL | EXPIRE k | TTL | KEYS | SCAN | DBSIZE x | RANDOMKEY x",
    "FOO | FOO a b c | foo {x*200} {x*200} | GETEX | INCRBY k | HGETALL | LRANGE l 0",
  ],
};



describe("the engine answers as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const [group, cases] of Object.entries(CASES)) {
    test(group, async () => {
      const diffs: string[] = [];
      for (const c of cases) {
        for (const resp of [2, 3] as const) {
          await twin.reset();
          for (const cmd of c.split(" | ")) {
            const d = await twin.compare(words(expand(cmd)), resp);
            if (d !== null) diffs.push(d);
          }
          const st = await twin.compareStats();
          if (st !== null) diffs.push(`${st} after ${c}`);
        }
      }
      assert.deepEqual(diffs, []);
    });
  }

  test("binary keys and values, every byte", async () => {
    const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    const diffs: string[] = [];
    for (const resp of [2, 3] as const) {
      await twin.reset();
      for (const argv of [
        ["SET", all, all],
        ["GET", all],
        ["APPEND", all, "\r\n"],
        ["STRLEN", all],
        ["GETRANGE", all, "250", "-1"],
        ["HSET", "h", all, all],
        ["HGETALL", "h"],
        ["RPUSH", "l", all, ""],
        ["LRANGE", "l", "0", "-1"],
        ["KEYS", "*"],
        ["EXPIRE", "h", "10", "n\0x"],
        ["SET", "k", "v", "nx\0junk"],
        ["GET", "k"],
      ]) {
        const d = await twin.compare(argv, resp);
        if (d !== null) diffs.push(d);
      }
    }
    assert.deepEqual(diffs, []);
  });
});
