/**
 * Sorted sets against a real redis-server: hand-picked edge cases for
 * every non-blocking ZSET command (options, errors and their order,
 * ranges with exclusive bounds and infinities, lex ranges, float parsing
 * and %.17g formatting, NaN, encodings, wrong types, missing keys), byte
 * for byte in RESP2 and RESP3, plus INFO's hit and miss counters.
 * ZRANDMEMBER and ZSCAN of large sets are compared by shape and membership.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { needsRedisServer } from "../../support/redis_server.js";
import { type Node, canonical, decodeAll } from "../../support/resp_reply.js";
import { Twin } from "./twin.js";
import { type Db } from "../../../src/apps/kv/commands/db.js";
import { valueType } from "../../../src/apps/kv/commands/value_types.js";
import { expand, words } from "./twin_cases.js";

/** Commands separated by " | ", words by spaces; `{x*n}` is n copies of x, `{empty}` "", `{NUL}` "a\0b". */
const CASES: Record<string, string[]> = {
  zadd: [
    "ZADD z 1 a 2 b 3 c | ZRANGE z 0 -1 WITHSCORES | ZADD z 5 a 0 d | ZRANGE z 0 -1 WITHSCORES | ZCARD z",
    "ZADD z NX 1 a | ZADD z NX 2 a 3 b | ZADD z XX 5 a 6 c | ZADD z XX CH 5 a 7 b | ZRANGE z 0 -1 WITHSCORES",
    "ZADD z 5 a | ZADD z GT 3 a | ZADD z GT CH 7 a | ZADD z LT 9 a | ZADD z LT CH 1 a | ZADD z GT 1 new | ZSCORE z a | ZSCORE z new",
    "ZADD z INCR 1 a | ZADD z INCR 2.5 a | ZADD z NX INCR 1 a | ZADD z XX INCR 1 b | ZADD z GT INCR -1 a | ZADD z LT INCR -1 a | ZADD z INCR 0 a",
    "ZADD z XX 1 a | EXISTS z | ZADD z XX INCR 1 a | EXISTS z",
    "ZADD z | ZADD z 1 | ZADD z 1 a 2 | ZADD z NX XX 1 a | ZADD z GT LT 1 a | ZADD z NX GT 1 a | ZADD z NX LT 1 a | ZADD z INCR 1 a 2 b",
    "ZADD z x a | ZADD z 1 a x b | ZADD z nan a | ZADD z {empty} a | ZADD z {sp}1 a | ZADD z 1e400 a | ZADD z 1e-400 a | ZADD z 0e-400 a | EXISTS z",
    "ZADD z inf a -inf b +INF c -Infinity d 0x10 e 0x1p-2 f 1e3 g .5 h 5. i -0 j 4.9e-324 k 1.7976931348623157e308 l | ZRANGE z 0 -1 WITHSCORES",
    "ZADD z 0.1 a 0.30000000000000004 b 1e20 c 1e21 d 123456789012345678 e 1e-5 f 0.0001 g 1.5e-7 h | ZRANGE z 0 -1 WITHSCORES",
    "ZADD z INCR inf a | ZADD z INCR -inf a | ZSCORE z a | ZINCRBY z -inf a | ZINCRBY z 1 a",
    "ZADD z 0 a | ZADD z -0 a | ZSCORE z a | ZADD z -0 b | ZSCORE z b | ZINCRBY z 0 b | ZSCORE z b",
    "ZADD z 1 b 1 a 1 c 1 {empty} 1 aa 1 A | ZRANGE z 0 -1",
    "ZADD z ch 1 a xx 2 b | ZADD z CH NX 1 a",
    "SET s x | ZADD s 1 a | ZINCRBY s 1 a | ZADD s x a | ZADD s NX XX 1 a",
  ],
  zincrby: [
    "ZINCRBY z 1 a | ZINCRBY z 0.1 a | ZINCRBY z 0.2 a | ZINCRBY z x a | ZINCRBY z nan a | ZINCRBY z {empty} a | ZRANGE z 0 -1 WITHSCORES",
    "ZINCRBY z 1e308 a | ZINCRBY z 1e308 a | ZINCRBY z -inf a",
  ],
  zrem_card_score: [
    "ZADD z 1 a 2 b 3 c | ZREM z a x | ZREM z x y | ZCARD z | ZREM z b c | EXISTS z | ZREM z a | ZCARD z",
    "ZSCORE z a | ZMSCORE z a b | ZADD z 1.5 a | ZMSCORE z a b a | ZSCORE z b | ZCARD nokey",
    "ZADD z 1 a 2 b 3 c | ZRANK z a | ZRANK z c | ZREVRANK z a | ZREVRANK z c | ZRANK z x | ZRANK nokey a",
    "SET s x | ZREM s a | ZCARD s | ZSCORE s a | ZMSCORE s a | ZRANK s a | ZREVRANK s a",
  ],
  zcount_zlexcount: [
    "ZADD z 1 a 2 b 3 c 4 d | ZCOUNT z -inf +inf | ZCOUNT z (1 3 | ZCOUNT z 1 (3 | ZCOUNT z (1 (2 | ZCOUNT z 3 1 | ZCOUNT z 2 2 | ZCOUNT z (2 2",
    "ZADD z 1 a | ZCOUNT z x 1 | ZCOUNT z 1 x | ZCOUNT z nan 1 | ZCOUNT z ( 1 | ZCOUNT z {empty} 1 | ZCOUNT z {sp}1 2 | ZCOUNT z 1e400 inf | ZCOUNT nokey x 1 | ZCOUNT nokey 0 1",
    "ZADD z 0 a 0 b 0 c 0 d 0 e | ZLEXCOUNT z - + | ZLEXCOUNT z [b [d | ZLEXCOUNT z (b (d | ZLEXCOUNT z + - | ZLEXCOUNT z - - | ZLEXCOUNT z [c [a | ZLEXCOUNT z [a (a",
    "ZADD z 0 a | ZLEXCOUNT z a b | ZLEXCOUNT z [a c | ZLEXCOUNT z +a + | ZLEXCOUNT z -a + | ZLEXCOUNT nokey - + | ZLEXCOUNT nokey x y",
    "ZADD z 3 a 1 b 2 c | ZLEXCOUNT z - + | ZLEXCOUNT z [b + | ZRANGEBYLEX z [b +",
  ],
  zrange_rank: [
    "ZADD z 1 a 2 b 3 c 4 d | ZRANGE z 0 -1 | ZRANGE z 1 2 WITHSCORES | ZRANGE z -2 -1 | ZRANGE z 2 1 | ZRANGE z 5 10 | ZRANGE z -100 100 | ZRANGE z 0 -1 REV | ZRANGE z 0 0 REV WITHSCORES",
    "ZADD z 1 a | ZRANGE z 0 -1 LIMIT 0 1 | ZRANGE z x 1 | ZRANGE z 0 x | ZRANGE z 0 -1 FOO | ZRANGE z 0 -1 WITHSCORES WITHSCORES | ZRANGE z 0 -1 REV REV",
    "ZADD z 1 a 2 b 3 c | ZREVRANGE z 0 -1 | ZREVRANGE z 0 0 WITHSCORES | ZREVRANGE z 0 -1 REV | ZREVRANGE z 0 -1 BYSCORE | ZRANGE nokey 0 -1 | ZRANGE z 9223372036854775807 -9223372036854775808",
  ],
  zrange_byscore: [
    "ZADD z 1 a 2 b 3 c 4 d 5 e | ZRANGE z 2 4 BYSCORE | ZRANGE z (2 (4 BYSCORE WITHSCORES | ZRANGE z 4 2 BYSCORE REV | ZRANGE z -inf +inf BYSCORE LIMIT 1 2 | ZRANGE z +inf -inf BYSCORE REV LIMIT 1 2",
    "ZADD z 1 a 2 b 3 c | ZRANGEBYSCORE z -inf +inf | ZRANGEBYSCORE z 1 2 WITHSCORES | ZRANGEBYSCORE z 1 3 LIMIT 1 1 | ZRANGEBYSCORE z 1 3 LIMIT -1 2 | ZRANGEBYSCORE z 1 3 LIMIT 0 -1 | ZRANGEBYSCORE z 1 3 LIMIT 0 0 | ZRANGEBYSCORE z 1 3 LIMIT 5 5",
    "ZADD z 1 a 2 b 3 c | ZREVRANGEBYSCORE z +inf -inf | ZREVRANGEBYSCORE z 2 1 WITHSCORES | ZREVRANGEBYSCORE z (3 (1 | ZREVRANGEBYSCORE z 1 2 | ZREVRANGEBYSCORE z 3 1 LIMIT 1 5",
    "ZADD z 1 a | ZRANGEBYSCORE z 1 2 REV | ZRANGEBYSCORE z 1 2 BYSCORE | ZRANGEBYSCORE z x 2 | ZRANGEBYSCORE z 1 2 LIMIT 1 | ZRANGEBYSCORE z 1 2 LIMIT x 1 | ZRANGEBYSCORE z 1 2 LIMIT 0 x | ZRANGEBYSCORE nokey x 2 | ZRANGEBYSCORE nokey 1 2",
    "ZADD z 1 a 1 b 1 c 2 d | ZRANGEBYSCORE z 1 1 | ZRANGEBYSCORE z (1 2 | ZRANGEBYSCORE z 1 (1 | ZRANGEBYSCORE z -inf (-inf | ZRANGEBYSCORE z +inf +inf",
  ],
  zrange_bylex: [
    "ZADD z 0 a 0 b 0 c 0 d 0 e | ZRANGE z [b [d BYLEX | ZRANGE z - + BYLEX LIMIT 1 2 | ZRANGE z + - BYLEX REV | ZRANGE z (d (a BYLEX REV LIMIT 0 2 | ZRANGE z [b [d BYLEX WITHSCORES",
    "ZADD z 0 a 0 b 0 c | ZRANGEBYLEX z - + | ZRANGEBYLEX z [a (c | ZRANGEBYLEX z a c | ZRANGEBYLEX z - + WITHSCORES | ZRANGEBYLEX z - + LIMIT 1 1 | ZREVRANGEBYLEX z + - | ZREVRANGEBYLEX z [c (a LIMIT 0 1",
    "ZADD z 0 {empty} 0 a 0 ab 0 b | ZRANGEBYLEX z [ + | ZRANGEBYLEX z ( + | ZRANGEBYLEX z [a [ab | ZRANGEBYLEX z (a (b",
    "ZRANGEBYLEX nokey - + | ZRANGEBYLEX nokey a b | SET s x | ZRANGEBYLEX s - + | ZRANGE s 0 -1 | ZRANGE s 0 x",
  ],
  zrangestore: [
    "ZADD z 1 a 2 b 3 c | ZRANGESTORE d z 0 1 | ZRANGE d 0 -1 WITHSCORES | ZRANGESTORE d z 2 3 BYSCORE REV | ZRANGESTORE d z 5 10 | EXISTS d | OBJECT ENCODING z",
    "ZADD z 0 a 0 b 0 c | ZRANGESTORE d z [a [b BYLEX | ZRANGE d 0 -1 | ZRANGESTORE d z 0 -1 WITHSCORES | ZRANGESTORE d nokey 0 -1 | EXISTS d | ZRANGESTORE d z 0 -1 LIMIT 0 1",
    "SET s x | ZADD z 1 a | ZRANGESTORE d s 0 -1 | ZRANGESTORE s z 0 -1 | TYPE s | OBJECT ENCODING s",
  ],
  zremrange: [
    "ZADD z 1 a 2 b 3 c 4 d | ZREMRANGEBYRANK z 1 2 | ZRANGE z 0 -1 | ZREMRANGEBYRANK z 5 6 | ZREMRANGEBYRANK z 0 -1 | EXISTS z",
    "ZADD z 1 a 2 b 3 c 4 d | ZREMRANGEBYSCORE z (1 3 | ZRANGE z 0 -1 | ZREMRANGEBYSCORE z x 1 | ZREMRANGEBYSCORE z -inf +inf | EXISTS z",
    "ZADD z 0 a 0 b 0 c 0 d | ZREMRANGEBYLEX z [b (d | ZRANGE z 0 -1 | ZREMRANGEBYLEX z b d | ZREMRANGEBYLEX z - + | EXISTS z",
    "ZREMRANGEBYRANK nokey 0 -1 | ZREMRANGEBYRANK nokey x 1 | SET s x | ZREMRANGEBYRANK s 0 -1 | ZREMRANGEBYSCORE s 0 1 | ZREMRANGEBYLEX s - +",
  ],
  zpop: [
    "ZADD z 1 a 2 b 3 c 4 d | ZPOPMIN z | ZPOPMAX z | ZPOPMIN z 0 | ZPOPMIN z 1 | ZPOPMAX z 5 | EXISTS z | ZPOPMIN z | ZPOPMIN z 2",
    "ZADD z 1 a | ZPOPMIN z -1 | ZPOPMIN z x | ZPOPMIN z 1 2 | ZPOPMAX nokey 0 | SET s x | ZPOPMIN s | ZPOPMAX s 0",
    "ZADD z 1 a 2 b 3 c | ZMPOP 1 z MIN | ZMPOP 2 nokey z MAX COUNT 5 | ZMPOP 1 z MIN | EXISTS z",
    "ZMPOP 0 z MIN | ZMPOP x z MIN | ZMPOP 1 z | ZMPOP 1 z FOO | ZMPOP 1 z MIN COUNT 0 | ZMPOP 1 z MIN COUNT x | ZMPOP 1 z MIN COUNT 1 COUNT 1 | ZMPOP 3 a b MIN | ZMPOP 1 z MIN COUNT",
    "SET s x | ZADD z 1 a | ZMPOP 2 s z MIN | ZMPOP 2 nokey s MIN | ZMPOP 2 z s MAX",
  ],
  zrandmember: [
    "ZRANDMEMBER nokey | ZRANDMEMBER nokey 5 | ZRANDMEMBER nokey -5 WITHSCORES | ZADD z 1 a | ZRANDMEMBER z | ZRANDMEMBER z 1 | ZRANDMEMBER z -3 | ZRANDMEMBER z 3 WITHSCORES | ZRANDMEMBER z 0",
    "ZADD z 1 a | ZRANDMEMBER z x | ZRANDMEMBER z 1 FOO | ZRANDMEMBER z 1 WITHSCORES x | ZRANDMEMBER z -9223372036854775808 | ZRANDMEMBER z -9223372036854775807 WITHSCORES | ZRANDMEMBER z 4611686018427387904 WITHSCORES",
    "SET s x | ZRANDMEMBER s | ZRANDMEMBER s 1",
  ],
  zsetops: [
    "ZADD a 1 x 2 y 3 z | ZADD b 10 y 20 z 30 w | ZUNION 2 a b | ZUNION 2 a b WITHSCORES | ZINTER 2 a b WITHSCORES | ZDIFF 2 a b WITHSCORES | ZDIFF 2 b a",
    "ZADD a 1 x 2 y | ZADD b 3 y 4 z | ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES | ZUNION 2 a b AGGREGATE MIN WITHSCORES | ZUNION 2 a b AGGREGATE max WITHSCORES | ZINTER 2 a b WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES",
    "ZADD a inf x | ZADD b -inf x | ZUNION 2 a b WITHSCORES | ZINTER 2 a b WITHSCORES | ZUNION 2 a b WEIGHTS 0 1 WITHSCORES | ZINTER 2 a b WEIGHTS 0 0 AGGREGATE MIN WITHSCORES",
    "ZADD a 1 x | ZUNION 0 a | ZUNION -1 a | ZUNION x a | ZUNION 3 a b | ZUNION 1 a WEIGHTS | ZUNION 1 a WEIGHTS x | ZUNION 1 a AGGREGATE foo | ZUNION 1 a AGGREGATE | ZDIFF 1 a WEIGHTS 1 | ZDIFF 1 a AGGREGATE SUM | ZUNION 1 a FOO",
    "ZADD a 1 x 2 y | ZUNIONSTORE d 2 a b | ZRANGE d 0 -1 WITHSCORES | ZINTERSTORE d 2 a b | EXISTS d | ZDIFFSTORE d 1 a | ZRANGE d 0 -1 WITHSCORES | ZUNIONSTORE d 1 a WITHSCORES | ZUNIONSTORE d 0 a",
    "ZADD a 1 x 2 y 3 z | ZADD b 1 y 2 z | ZADD c 5 z | ZINTERCARD 2 a b | ZINTERCARD 3 a b c | ZINTERCARD 2 a b LIMIT 1 | ZINTERCARD 2 a b LIMIT 0 | ZINTERCARD 2 a b LIMIT -1 | ZINTERCARD 0 a | ZINTERCARD 2 a | ZINTERCARD 1 a WITHSCORES | ZINTERCARD 1 nokey",
    "SET s x | ZADD a 1 x | ZUNION 2 a s | ZINTER 2 s a | ZUNIONSTORE d 2 a s | ZINTERCARD 2 a s | ZUNION 2 a nokey WITHSCORES | ZINTER 2 a nokey",
    "ZADD a 1 x 2 y | ZUNIONSTORE a 2 a a | ZRANGE a 0 -1 WITHSCORES | ZINTERSTORE a 2 a a WEIGHTS 1 2 | ZRANGE a 0 -1 WITHSCORES | ZDIFFSTORE a 2 a a | EXISTS a",
    "ZADD a 0.1 x | ZADD b 0.2 x | ZADD c 0.3 x | ZUNION 3 a b c WITHSCORES | ZUNION 3 c b a WITHSCORES | ZADD c 0.3 y 1 z | ZUNION 3 c b a WITHSCORES",
  ],
  zscan_small: [
    "ZADD z 1 a 2 b 3 c 1.5 ab | ZSCAN z 0 | ZSCAN z 0 MATCH a* | ZSCAN z 0 COUNT 1 | ZSCAN z 7 | ZSCAN nokey 0 | ZSCAN z x | ZSCAN z 0 COUNT 0 | ZSCAN z 0 TYPE zset | ZSCAN z 0 MATCH",
    "SET s x | ZSCAN s 0 | ZSCAN s x",
  ],
  encoding: [
    "ZADD z 1 {a*64} | OBJECT ENCODING z | ZADD z 1 {a*65} | OBJECT ENCODING z | ZREM z {a*65} | OBJECT ENCODING z",
    "ZADD z 1 a | ZUNIONSTORE d 1 z | OBJECT ENCODING d | TYPE z | ZADD z 1 {b*65} | ZUNIONSTORE d 1 z | OBJECT ENCODING d | ZINTERSTORE d 1 z | OBJECT ENCODING d",
  ],
};



/** ZRANDMEMBER's reply: same type and length; every member from the set (scores checked by a later ZMSCORE). */
function sameShape(a: Node, b: Node): boolean {
  if (a.type !== b.type || (a.items?.length ?? -1) !== (b.items?.length ?? -1) || a.nil !== b.nil) return false;
  return true;
}

describe("sorted sets answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  async function run(argv: string[], resp: 2 | 3, diffs: string[]): Promise<void> {
    const name = argv[0]!.toLowerCase();
    if (name === "object") {
      // no OBJECT command in the engine yet: its ValueType's answer against Redis'
      const theirs = decodeAll(await twin.redis(argv, resp));
      const db = (twin as unknown as { ctx: { db: Db } }).ctx.db;
      const v = db.data.get(argv[2]!);
      const mine = v === undefined ? null : valueType(v).encoding(v);
      twin.ours(["EXISTS", argv[2]!], resp); // OBJECT's lookup counts a hit or a miss
      if ((theirs.nil === true ? null : theirs.text) !== mine) diffs.push(`${JSON.stringify(argv)}: redis ${theirs.text} agner ${mine}`);
      return;
    }
    if (name === "zrandmember") {
      const theirs = decodeAll(await twin.redis(argv, resp));
      const mine = decodeAll(twin.ours(argv, resp));
      // a single member of a one-member set, or an error, must be equal
      const exact = theirs.type === "-" || theirs.nil === true || theirs.type === "$";
      if (exact ? canonical(theirs) !== canonical(mine) : !sameShape(theirs, mine)) {
        diffs.push(`RESP${resp} ${JSON.stringify(argv)}\n  redis: ${canonical(theirs)}\n  agner: ${canonical(mine)}`);
      }
      return;
    }
    const d = await twin.compare(argv, resp);
    if (d !== null) diffs.push(d);
  }

  for (const [group, cases] of Object.entries(CASES)) {
    test(group, async () => {
      const diffs: string[] = [];
      for (const c of cases) {
        for (const resp of [2, 3] as const) {
          await twin.reset();
          for (const cmd of c.split(" | ")) await run(words(expand(cmd)), resp, diffs);
          const st = await twin.compareStats();
          if (st !== null) diffs.push(`${st} after ${c}`);
        }
      }
      assert.deepEqual(diffs, []);
    });
  }

  test("large sets (skiplist): ranges, ranks, ZSCAN and ZRANDMEMBER by membership", async () => {
    const diffs: string[] = [];
    for (const resp of [2, 3] as const) {
      await twin.reset();
      const add = ["ZADD", "big"];
      for (let i = 0; i < 300; i++) add.push(String((i * 7919) % 101 / 4), `m${i}`);
      for (const argv of [
        add,
        ["OBJECT", "ENCODING", "big"],
        ["ZRANGE", "big", "0", "-1", "WITHSCORES"],
        ["ZRANGE", "big", "10", "20", "BYSCORE", "LIMIT", "3", "7"],
        ["ZREVRANGEBYSCORE", "big", "(20", "5", "WITHSCORES", "LIMIT", "2", "40"],
        ["ZCOUNT", "big", "(3", "17.25"],
        ["ZRANK", "big", "m150"],
        ["ZREVRANK", "big", "m7"],
        ["ZREMRANGEBYRANK", "big", "100", "150"],
        ["ZREMRANGEBYSCORE", "big", "(1", "3"],
        ["ZPOPMAX", "big", "3"],
        ["ZRANGE", "big", "0", "-1", "WITHSCORES"],
        ["ZUNIONSTORE", "u", "1", "big", "WEIGHTS", "0.1"],
        ["OBJECT", "ENCODING", "u"],
        ["ZRANGE", "u", "0", "-1", "WITHSCORES"],
        ["ZRANGESTORE", "r", "big", "0", "9"],
        ["OBJECT", "ENCODING", "r"],
        ["ZREMRANGEBYRANK", "big", "10", "-1"],
        ["OBJECT", "ENCODING", "big"],
      ]) {
        await run(argv, resp, diffs);
      }
      // ZSCAN over a skiplist: the union of a full iteration is every pair
      for (const side of ["redis", "agner"] as const) {
        const seen = new Map<string, string>();
        let cursor = "0";
        do {
          const argv = ["ZSCAN", "u", cursor, "COUNT", "7"];
          const n = decodeAll(side === "redis" ? await twin.redis(argv, resp) : twin.ours(argv, resp));
          cursor = n.items![0]!.text!;
          const items = n.items![1]!.items!;
          for (let i = 0; i < items.length; i += 2) seen.set(items[i]!.text!, items[i + 1]!.text!);
        } while (cursor !== "0");
        const all = decodeAll(twin.ours(["ZRANGE", "u", "0", "-1", "WITHSCORES"], 2)).items!;
        assert.equal(seen.size, all.length / 2, side);
        for (let i = 0; i < all.length; i += 2) assert.equal(seen.get(all[i]!.text!), all[i + 1]!.text, side);
      }
      // ZRANDMEMBER: shape, distinct members when count > 0, every member from the set
      for (const count of ["5", "-500", "1000"]) {
        for (const withscores of [false, true]) {
          const argv = ["ZRANDMEMBER", "u", count, ...(withscores ? ["WITHSCORES"] : [])];
          await run(argv, resp, diffs);
          const n = decodeAll(twin.ours(argv, resp));
          const members = resp === 3 && withscores ? n.items!.map((p) => p.items![0]!.text!) : n.items!.filter((_, i) => !withscores || i % 2 === 0).map((x) => x.text!);
          const scores = decodeAll(twin.ours(["ZMSCORE", "u", ...members], 2)).items!;
          assert.ok(scores.every((s) => s.nil !== true), `ZRANDMEMBER ${count}: a member not in the set`);
          if (Number(count) > 0) assert.equal(new Set(members).size, members.length);
        }
      }
    }
    assert.deepEqual(diffs, []);
  });
});
