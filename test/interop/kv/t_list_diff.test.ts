/**
 * The list commands against a real redis-server (RESP2 and RESP3, byte for
 * byte): LPUSHX/RPUSHX, LSET, LTRIM, LREM, LINSERT, LPOS, LMOVE,
 * RPOPLPUSH, LMPOP — every option, the errors and their order, wrong
 * types, missing keys, integer limits, emptied lists deleted — and what
 * LMOVE/RPOPLPUSH/LMPOP propagate.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";
import { runCases } from "./twin_cases.js";

const MAX = "9223372036854775807";
const MIN = "-9223372036854775808";

const CASES: Record<string, string[]> = {
  pushx: [
    "LPUSHX l a | RPUSHX l a | EXISTS l | RPUSH l x | LPUSHX l a b | RPUSHX l c d | LRANGE l 0 -1",
    "SET s v | LPUSHX s a | RPUSHX s a | LPUSHX | RPUSHX l | HSET h f v | RPUSHX h x",
  ],
  lset: [
    "RPUSH l a b c | LSET l 0 x | LSET l -1 z | LSET l 1 {empty} | LRANGE l 0 -1 | LSET l 3 q | LSET l -4 q",
    "LSET nokey 0 x | LSET nokey x x | SET s v | LSET s 0 x | LSET s x x | RPUSH l a | LSET l x y | LSET l 1.5 y",
    `RPUSH l a | LSET l ${MAX} x | LSET l ${MIN} x | LSET l 9223372036854775808 x | LSET l a | LSET l 0 a b`,
  ],
  ltrim: [
    "RPUSH l a b c d e | LTRIM l 1 -2 | LRANGE l 0 -1 | LTRIM l 0 100 | LRANGE l 0 -1 | LTRIM l -100 0 | LRANGE l 0 -1",
    "RPUSH l a b c | LTRIM l 2 1 | EXISTS l | RPUSH l a b c | LTRIM l 5 10 | EXISTS l | RPUSH l a b | LTRIM l -1 -2 | EXISTS l",
    `LTRIM nokey 0 1 | LTRIM nokey x 1 | SET s v | LTRIM s 0 1 | LTRIM s x 0 | RPUSH l a b | LTRIM l ${MIN} ${MAX} | LRANGE l 0 -1 | LTRIM l 0 y`,
  ],
  lrem: [
    "RPUSH l a b a c a | LREM l 2 a | LRANGE l 0 -1 | RPUSH l a | LREM l -1 a | LRANGE l 0 -1 | LREM l 0 a | LRANGE l 0 -1",
    "RPUSH l a a a | LREM l 0 a | EXISTS l | LREM l 0 a | LREM nokey 1 a | LREM nokey x a | SET s v | LREM s 1 a | LREM s x a",
    `RPUSH l 1 01 1.0 1 | LREM l 0 1 | LRANGE l 0 -1 | RPUSH l x x | LREM l ${MIN} x | LRANGE l 0 -1 | LREM l ${MAX} 01 | LREM l 1 zz`,
    "RPUSH l a b a b a b | LREM l -2 b | LRANGE l 0 -1 | LREM l 1 b | LRANGE l 0 -1 | LREM l 1.5 a | LREM l -0 a | LLEN l",
  ],
  linsert: [
    "RPUSH l a b c | LINSERT l BEFORE b x | LINSERT l after c y | LINSERT l AFTER a z | LRANGE l 0 -1 | LINSERT l before a h | LRANGE l 0 -1",
    "RPUSH l a b | LINSERT l BEFORE zz x | LINSERT l MIDDLE a x | LINSERT nokey BEFORE a x | LINSERT nokey foo a x | EXISTS nokey",
    "SET s v | LINSERT s BEFORE a x | LINSERT s foo a x | RPUSH l a a a | LINSERT l AFTER a b | LRANGE l 0 -1 | LINSERT l before {empty} x",
    "RPUSH l {x*100} 1 2 3 4 5 6 7 8 9 | LINSERT l AFTER 7 m | LINSERT l BEFORE 2 n | LRANGE l 0 -1 | LINSERT l",
  ],
  lpos: [
    "RPUSH l a b c a b c a | LPOS l a | LPOS l c | LPOS l z | LPOS l a RANK 2 | LPOS l a RANK -1 | LPOS l a RANK -3 | LPOS l a RANK 4",
    "RPUSH l a b c a b c a | LPOS l a COUNT 0 | LPOS l a COUNT 2 | LPOS l a COUNT 2 RANK -1 | LPOS l a RANK 2 COUNT 0 | LPOS l z COUNT 1",
    "RPUSH l a b c a b c a | LPOS l a MAXLEN 3 | LPOS l a MAXLEN 3 COUNT 0 | LPOS l c MAXLEN 2 | LPOS l a RANK -1 MAXLEN 1 | LPOS l b RANK -1 MAXLEN 2",
    "RPUSH l a | LPOS l a RANK 0 | LPOS l a RANK x | LPOS l a COUNT -1 | LPOS l a COUNT x | LPOS l a MAXLEN -1 | LPOS l a MAXLEN x | LPOS l a FOO 1",
    `RPUSH l a | LPOS l a RANK | LPOS l a COUNT | LPOS l a RANK ${MIN} | LPOS l a RANK ${MAX} | LPOS l a RANK -${MAX} | LPOS l a COUNT ${MAX} MAXLEN ${MAX}`,
    "LPOS nokey a | LPOS nokey a COUNT 1 | LPOS nokey a RANK 0 | LPOS nokey a COUNT -1 | SET s v | LPOS s a | LPOS s a RANK 0 | LPOS s a COUNT 1",
    "RPUSH l a | LPOS l a rank 1 count 1 maxlen 1 rank -1 | LPOS l a COUNT 1 COUNT 0 | LPOS l a RANK 1.0 | LPOS l a COUNT 9223372036854775808 | LPOS",
  ],
  lmove: [
    "RPUSH s a b c | LMOVE s d LEFT RIGHT | LMOVE s d RIGHT LEFT | LRANGE s 0 -1 | LRANGE d 0 -1 | LMOVE s d left left | EXISTS s | LRANGE d 0 -1",
    "RPUSH l a b c | LMOVE l l LEFT RIGHT | LRANGE l 0 -1 | LMOVE l l RIGHT LEFT | LRANGE l 0 -1 | RPUSH one x | LMOVE one one LEFT LEFT | LRANGE one 0 -1",
    "LMOVE nokey d LEFT LEFT | EXISTS d | LMOVE nokey d UP LEFT | LMOVE nokey d LEFT DOWN | SET s v | LMOVE s d LEFT LEFT | RPUSH l a | LMOVE l s LEFT LEFT | LRANGE l 0 -1",
    "RPUSH l a | LMOVE l d FOO LEFT | LMOVE l d | LMOVE l d LEFT | LMOVE nokey s LEFT LEFT | SET s v | LMOVE nokey s LEFT RIGHT",
    "RPUSH s a b c | RPOPLPUSH s d | RPOPLPUSH s d | RPOPLPUSH s d | EXISTS s | LRANGE d 0 -1 | RPOPLPUSH s d | RPOPLPUSH d d | LRANGE d 0 -1",
    "SET k v | RPOPLPUSH k d | RPUSH l a | RPOPLPUSH l k | LLEN l | RPOPLPUSH nokey k | RPOPLPUSH l",
  ],
  lmpop: [
    "RPUSH a 1 2 3 | RPUSH b 4 5 | LMPOP 2 a b LEFT | LMPOP 2 a b RIGHT COUNT 10 | LMPOP 2 a b LEFT COUNT 1 | LMPOP 2 a b RIGHT COUNT 2 | EXISTS a b | LMPOP 2 a b LEFT",
    "RPUSH b 4 5 | LMPOP 2 nokey b LEFT | SET s v | LMPOP 2 s b LEFT | LMPOP 2 b s left | LMPOP 1 nokey RIGHT | LMPOP 3 nokey nokey2 b right count 5",
    "LMPOP 0 a LEFT | LMPOP -1 a LEFT | LMPOP x a LEFT | LMPOP 1 a MIDDLE | LMPOP 2 a LEFT | LMPOP 5 a b LEFT | LMPOP 1 a LEFT COUNT 0 | LMPOP 1 a LEFT COUNT -1",
    `LMPOP 1 a LEFT COUNT x | LMPOP 1 a LEFT COUNT | LMPOP 1 a LEFT COUNT 1 COUNT 1 | LMPOP 1 a LEFT FOO | LMPOP 1 a | LMPOP ${MAX} a LEFT | LMPOP 1 a LEFT COUNT ${MAX}`,
    "RPUSH a x | LMPOP 1 a LEFT COUNT 1.5 | LMPOP 1.0 a LEFT | LMPOP 1 a LEFT count 9223372036854775808 | LMPOP 1 a LEFT | EXISTS a",
  ],
  wrongtype_order: [
    "HSET h f v | LSET h x x | LTRIM h x 1 | LREM h x a | LINSERT h FOO a b | LPOS h a RANK 0 | LMOVE h d FOO LEFT | LMPOP 1 h FOO",
  ],
};

describe("list commands answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const [group, cases] of Object.entries(CASES)) {
    test(group, async () => {
      assert.deepEqual(await runCases(twin, cases), []);
    });
  }

  test("LMOVE and RPOPLPUSH propagate as given, LMPOP as LPOP/RPOP key n, LTRIM/LREM only when they removed", async () => {
    await twin.reset();
    for (const argv of [
      ["RPUSH", "a", "1", "2", "3"],
      ["LMOVE", "a", "b", "LEFT", "RIGHT"],
      ["RPOPLPUSH", "a", "b"],
      ["LMPOP", "2", "none", "b", "RIGHT", "COUNT", "5"],
      ["LMPOP", "1", "none", "LEFT"],
      ["LTRIM", "a", "0", "-1"],
      ["LREM", "a", "0", "zz"],
      ["LTRIM", "a", "1", "0"],
    ]) twin.ours(argv, 2);
    assert.deepEqual(twin.propagated, [
      ["RPUSH", "a", "1", "2", "3"],
      ["LMOVE", "a", "b", "LEFT", "RIGHT"],
      ["RPOPLPUSH", "a", "b"],
      ["RPOP", "b", "2"],
      ["LTRIM", "a", "1", "0"],
    ]);
  });
});
