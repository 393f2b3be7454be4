/**
 * Differential tests of the set commands against a real redis-server:
 * hand-picked edge cases (every option, errors and their order, wrong
 * types, missing and emptied keys, integer limits, the store variants'
 * destination and its TTL), each run on Redis and on the engine in RESP2
 * and RESP3. Replies whose order Redis leaves undefined are compared as
 * sets, random ones by shape and membership (set_twin.ts); everything else
 * byte for byte, and INFO's hit/miss/expired counters after each case.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { needsRedisServer } from "../../support/redis_server.js";
import { decodeAll } from "../../support/resp_reply.js";
import { compareSet } from "./set_twin.js";
import { Twin } from "./twin.js";
import { expand, words } from "./twin_cases.js";

/** A case: commands separated by " | ", words by spaces; `{empty}` is "", `{NUL}` "a\0b", `{NOW+n}` now + n ms. */
const CASES: Record<string, string[]> = {
  sadd_srem: [
    "SADD s a b c a | SCARD s | SADD s a | SADD s d | SMEMBERS s | SISMEMBER s a | SISMEMBER s z | SISMEMBER n a",
    "SADD s 3 1 2 | SMEMBERS s | SADD s -5 9223372036854775807 -9223372036854775808 | SMEMBERS s | SADD s 007 | SMEMBERS s",
    "SADD s a b | SREM s a z | SREM s z | SREM s b | EXISTS s | SREM s b | SREM n a | SCARD s",
    "SADD s a b c | SREM s a b c d | EXISTS s | TYPE s | SADD s {empty} | SMEMBERS s | SISMEMBER s {empty} | SADD s {NUL} | SISMEMBER s {NUL} | SISMEMBER s a",
    "SET k v | SADD k a | SREM k a | SCARD k | SISMEMBER k a | SMISMEMBER k a | SMEMBERS k | TYPE k",
    "SADD s a | TYPE s | KEYS * | SCAN 0 TYPE set | SCAN 0 TYPE string | SET k v | SCAN 0 TYPE SET | HSET h f v | SCAN 0 TYPE hash",
    "SMISMEMBER n a b | SADD s a c | SMISMEMBER s a b c a | SCARD n | SMEMBERS n",
    "SADD s a | PEXPIRE s 100000 | SADD s b | SREM s a | PTTL s | SREM s b | PTTL s",
  ],
  srandmember: [
    "SADD s a b c | SRANDMEMBER s | SRANDMEMBER s 0 | SRANDMEMBER s 1 | SRANDMEMBER s 2 | SRANDMEMBER s 3 | SRANDMEMBER s 10",
    "SADD s a b c | SRANDMEMBER s -1 | SRANDMEMBER s -5 | SRANDMEMBER s -9223372036854775808 | SRANDMEMBER s x | SRANDMEMBER s 1 2",
    "SRANDMEMBER n | SRANDMEMBER n 5 | SRANDMEMBER n -5 | SRANDMEMBER n 0 | SRANDMEMBER n x",
    "SET k v | SRANDMEMBER k | SRANDMEMBER k 1 | SRANDMEMBER k x | SRANDMEMBER k -9223372036854775808 | SRANDMEMBER k 0",
    "SADD s 1 2 3 4 5 6 7 8 9 10 | SRANDMEMBER s 3 | SRANDMEMBER s 9 | SRANDMEMBER s 10 | SRANDMEMBER s 9223372036854775807 | SRANDMEMBER s -20",
  ],
  spop: [
    "SADD s a b c | SPOP s | SCARD s | SPOP s 1 | SPOP s 0 | SCARD s | SPOP s | EXISTS s | SPOP s",
    "SADD s a b c | SPOP s 3 | EXISTS s | SADD s a b | SPOP s 10 | EXISTS s | SPOP n 3 | SPOP n 0 | SPOP n",
    "SADD s a | SPOP s -1 | SPOP s x | SPOP s 1 2 | SPOP n -1 | SET k v | SPOP k | SPOP k 1 | SPOP k -1 | SPOP k x | SPOP k 0",
    "SADD s 1 2 3 4 5 6 7 8 9 10 a | SPOP s 9 | SCARD s | SPOP s 1 | SCARD s",
    "SADD s 1 2 3 4 5 6 7 8 9 10 11 12 | SPOP s 2 | SCARD s | SMEMBERS s | SPOP s 9223372036854775807 | EXISTS s",
    "SADD s a b | PEXPIRE s 100000 | SPOP s | PTTL s | SPOP s | EXISTS s",
  ],
  smove: [
    "SADD a x y | SMOVE a b x | SMEMBERS a | SMEMBERS b | SMOVE a b y | EXISTS a | SMEMBERS b | SMOVE a b y",
    "SADD a x | SADD b x | SMOVE a b x | EXISTS a | SMEMBERS b | SMOVE b b x | SMOVE b b z | SMOVE n b x | SMOVE b c z",
    "SADD a x | SET k v | SMOVE a k x | SMOVE k a x | SMOVE n k x | SMOVE k n x | SMEMBERS a",
    "SADD a x y | SADD b z | PEXPIRE b 100000 | SMOVE a b x | PTTL b | SMEMBERS b | PEXPIRE a 100000 | SMOVE a b y | EXISTS a",
    "SADD a 1 2 | SMOVE a b 1 | SMEMBERS b | SADD a q | SMOVE a b q | SMEMBERS b",
  ],
  sinter: [
    "SADD a 1 2 3 x | SADD b 2 3 4 x | SADD c 3 x 9 | SINTER a b c | SINTER a b | SINTER a | SINTER a n | SINTER n a | SINTER b a a",
    "SADD a 1 | SET k v | SINTER a k | SINTER k a | SINTER n k | SINTER a n k | SINTERCARD 2 a k | SINTERCARD 2 n k",
    "SADD a x y z | SADD b y z w | SINTERSTORE d a b | SMEMBERS d | SINTERSTORE d a n | EXISTS d | SINTERSTORE d n | SINTERSTORE d a a | SMEMBERS d",
    "SADD a x y | SET d v | SINTERSTORE d a | TYPE d | SMEMBERS d | SET d v | SINTERSTORE d a n | EXISTS d | SET k v | SINTERSTORE d a k | EXISTS d",
    "SADD a x y | SADD d q | PEXPIRE d 100000 | SINTERSTORE d a | PTTL d | SINTERSTORE a a d | SMEMBERS a | SINTERSTORE a a | SMEMBERS a",
    "SADD a x y | SADD b y | SINTERSTORE b a b | SMEMBERS b | SADD c 1 2 3 | SADD e 2 3 | SINTERSTORE f c e | SMEMBERS f",
  ],
  sintercard: [
    "SADD a 1 2 3 x | SADD b 2 3 x y | SINTERCARD 2 a b | SINTERCARD 1 a | SINTERCARD 2 a b LIMIT 0 | SINTERCARD 2 a b LIMIT 1 | SINTERCARD 2 a b LIMIT 2 | SINTERCARD 2 a b limit 100",
    "SADD a x | SINTERCARD 0 a | SINTERCARD -1 a | SINTERCARD x a | SINTERCARD 2 a | SINTERCARD 9223372036854775807 a | SINTERCARD 9223372036854775808 a",
    "SADD a x | SINTERCARD 1 a LIMIT -1 | SINTERCARD 1 a LIMIT x | SINTERCARD 1 a LIMIT | SINTERCARD 1 a FOO 1 | SINTERCARD 1 a LIMIT 1 LIMIT 0 | SINTERCARD 1 a LIMIT 9223372036854775807",
    "SADD a x | SINTERCARD 1 n | SINTERCARD 2 a n | SINTERCARD 2 n a | SET k v | SINTERCARD 1 k | SINTERCARD 2 a k LIMIT -1 | SINTERCARD 1 k LIMIT x | SINTERCARD 1 n k",
  ],
  sunion_sdiff: [
    "SADD a 1 2 x | SADD b 2 3 y | SUNION a b | SUNION a n b | SUNION n | SDIFF a b | SDIFF b a | SDIFF a n | SDIFF n a | SDIFF a a | SDIFF a b a",
    "SADD a 1 | SET k v | SUNION a k | SUNION k | SUNION n k | SDIFF a k | SDIFF k a | SDIFF n k | SUNIONSTORE d a k | SDIFFSTORE d n k | EXISTS d",
    "SADD a 1 2 x | SADD b 2 3 | SUNIONSTORE d a b | SMEMBERS d | SDIFFSTORE e a b | SMEMBERS e | SDIFFSTORE e b b | EXISTS e | SUNIONSTORE d n | EXISTS d",
    "SADD a x y | SET d v | SUNIONSTORE d a | TYPE d | SET e v | SDIFFSTORE e a | TYPE e | SET f v | SDIFFSTORE f n a | EXISTS f | SUNIONSTORE a a a | SMEMBERS a",
    "SADD a x y | SADD d q | PEXPIRE d 100000 | SUNIONSTORE d a d | PTTL d | SMEMBERS d | PEXPIRE d 100000 | SDIFFSTORE d d a | PTTL d | SMEMBERS d",
    "SADD a 1 2 3 | SADD b 3 4 | SUNIONSTORE u a b | SMEMBERS u | SDIFFSTORE v a b | SMEMBERS v | SUNIONSTORE a a n | SCARD a",
  ],
  sscan: [
    "SADD s a b c | SSCAN s 0 | SSCAN s 0 COUNT 1000 | SSCAN s 0 MATCH a* | SSCAN s 0 MATCH * | SSCAN s 0 match [ab] count 5",
    "SADD s 1 2 3 10 20 | SSCAN s 0 | SSCAN s 0 COUNT 1 | SSCAN s 0 MATCH 1* | SSCAN s 0 MATCH 2? COUNT 2",
    "SADD s a | SSCAN s x | SSCAN s 0 COUNT 0 | SSCAN s 0 COUNT -1 | SSCAN s 0 COUNT x | SSCAN s 0 MATCH | SSCAN s 0 TYPE set | SSCAN s 0 FOO bar",
    "SSCAN n 0 | SSCAN n x | SSCAN n 0 COUNT 0 | SET k v | SSCAN k 0 | SSCAN k x | SSCAN k 0 COUNT 0 | SSCAN s -1 | SSCAN s 18446744073709551616",
    "SADD s a | SSCAN s 0 COUNT 9223372036854775807 | SSCAN s 0 COUNT 9223372036854775808 | SSCAN s 0 TYPE x COUNT y | SSCAN s 0 COUNT 1 MATCH",
  ],
  arity: [
    "SADD s | SREM s | SCARD | SCARD a b | SISMEMBER s | SMISMEMBER s | SMEMBERS | SRANDMEMBER | SPOP | SMOVE a b | SINTER | SINTERCARD 1",
    "SINTERSTORE d | SUNION | SUNIONSTORE d | SDIFF | SDIFFSTORE d | SSCAN s",
  ],
  getkeys: [
    "COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1 | COMMAND GETKEYSANDFLAGS SINTERCARD 1 a | COMMAND GETKEYS SINTERSTORE d a b | COMMAND GETKEYSANDFLAGS SMOVE a b m",
    "COMMAND GETKEYS SUNIONSTORE d a | COMMAND GETKEYSANDFLAGS SDIFFSTORE d a b c | COMMAND GETKEYS SINTER a b c | COMMAND GETKEYSANDFLAGS SPOP s 1",
  ],
};



describe("the set commands answer as redis-server 7 does", needsRedisServer(), () => {
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
            const d = await compareSet(twin, words(expand(cmd)), resp);
            if (d !== null) diffs.push(d);
          }
          const st = await twin.compareStats();
          if (st !== null) diffs.push(`${st} after ${c}`);
        }
      }
      assert.deepEqual(diffs, []);
    });
  }

  test("expired sets are removed lazily by every set command, and counted", async () => {
    const diffs: string[] = [];
    const probes = [
      ["SCARD", "s"], ["SADD", "s", "z"], ["SISMEMBER", "s", "a"], ["SMEMBERS", "s"], ["SRANDMEMBER", "s", "2"], ["SPOP", "s"],
      ["SMOVE", "s", "d", "a"], ["SMOVE", "t", "s", "b"], ["SINTERSTORE", "s", "t"], ["SINTER", "s", "t"], ["SUNIONSTORE", "d", "s"],
      ["SDIFF", "t", "s"], ["SINTERCARD", "2", "t", "s"], ["SSCAN", "s", "0"], ["SREM", "s", "a"], ["SMISMEMBER", "s", "a"],
    ];
    for (const resp of [2, 3] as const) {
      for (const probe of probes) {
        await twin.reset();
        for (const argv of [["SADD", "s", "a", "b"], ["SADD", "t", "b", "c"], ["SADD", "d", "q"], ["PEXPIRE", "s", "20"], ["PEXPIRE", "d", "20"]]) {
          const d = await compareSet(twin, argv, resp);
          if (d !== null) diffs.push(d);
        }
        await new Promise((r) => setTimeout(r, 40));
        for (const argv of [probe, ["EXISTS", "s", "d"], ["SMEMBERS", "t"]]) {
          const d = await compareSet(twin, argv, resp);
          if (d !== null) diffs.push(d);
        }
        const st = await twin.compareStats();
        if (st !== null) diffs.push(`${st} after ${probe.join(" ")}`);
      }
    }
    assert.deepEqual(diffs, []);
  });

  test("intsets up to 512 members, larger sets, and the operations between them", async () => {
    const ints = Array.from({ length: 512 }, (_, i) => String(i * 7 - 1000));
    const strs = Array.from({ length: 700 }, (_, i) => `m${i}`);
    const diffs: string[] = [];
    for (const resp of [2, 3] as const) {
      await twin.reset();
      for (const argv of [
        ["SADD", "i", ...ints],
        ["SMEMBERS", "i"],
        ["SSCAN", "i", "0"],
        ["SADD", "i", "100000"],
        ["SMEMBERS", "i"],
        ["SADD", "s", ...strs, ...ints.slice(0, 100)],
        ["SINTER", "i", "s"],
        ["SINTERCARD", "2", "s", "i", "LIMIT", "50"],
        ["SUNIONSTORE", "u", "i", "s"],
        ["SCARD", "u"],
        ["SDIFF", "s", "i"],
        ["SDIFFSTORE", "d", "u", "s"],
        ["SMEMBERS", "d"],
        ["SRANDMEMBER", "s", "600"],
        ["SRANDMEMBER", "s", "100"],
        ["SRANDMEMBER", "s", "-1000"],
        ["SPOP", "u", "700"],
        ["SCARD", "u"],
        ["SPOP", "s", "10"],
        ["SCARD", "s"],
        ["SMEMBERS", "s"],
      ]) {
        const d = await compareSet(twin, argv, resp);
        if (d !== null) diffs.push(d.slice(0, 2000));
      }
    }
    assert.deepEqual(diffs, []);
  });

  test("a complete SSCAN of a large set returns what Redis' does", async () => {
    await twin.reset();
    const members = Array.from({ length: 3000 }, (_, i) => `member:${i}`);
    for (let i = 0; i < members.length; i += 500) {
      const argv = ["SADD", "s", ...members.slice(i, i + 500)];
      await twin.redis(argv);
      twin.ours(argv, 2);
    }
    for (const opts of [[], ["COUNT", "100"], ["MATCH", "member:1*", "COUNT", "7"]]) {
      const seen: Record<string, Set<string>> = { redis: new Set(), agner: new Set() };
      for (const side of ["redis", "agner"] as const) {
        let cursor = "0";
        let steps = 0;
        do {
          const argv = ["SSCAN", "s", cursor, ...opts];
          const r = decodeAll(side === "redis" ? await twin.redis(argv) : twin.ours(argv, 2));
          cursor = r.items![0]!.text!;
          for (const m of r.items![1]!.items!) seen[side]!.add(m.text!);
          assert.ok(++steps < 100000);
        } while (cursor !== "0");
      }
      assert.deepEqual([...seen.agner!].sort(), [...seen.redis!].sort());
    }
  });
});
