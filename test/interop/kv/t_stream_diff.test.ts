/**
 * The stream commands without groups (XADD, XRANGE, XREVRANGE, XLEN, XDEL,
 * XTRIM, XSETID, XREAD) against a real redis-server, byte for byte in RESP2
 * and RESP3: explicit IDs (so replies do not depend on the clock), every
 * option and its errors in Redis' order, ID parsing corner cases, the
 * approximate trims (which depend on where Redis cuts its listpack nodes),
 * TYPE/OBJECT ENCODING/COPY. Auto IDs (`*`, `<ms>-*` on a time) are checked
 * by their rules against Redis' own answers (same shape, monotonic).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { needsRedisServer } from "../../support/redis_server.js";
import { decodeAll } from "../../support/resp_reply.js";
import { Twin } from "./twin.js";
import { runCases } from "./twin_cases.js";

const U64 = "18446744073709551615";
const MAX = "9223372036854775807";

/** `XADD key id f v` for ids ms-0 .. ms-(n-1), fields of `w` bytes. */
function adds(key: string, n: number, ms = 1, fields = "f v"): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`XADD ${key} ${ms}-${i} ${fields}`);
  return out.join(" | ");
}

const CASES: Record<string, string[]> = {
  xadd: [
    "XADD s 1-1 a 1 | XADD s 1-1 a 1 | XADD s 1-0 a 1 | XADD s 1-2 a 1 b 2 | XADD s 2 c 3 | XLEN s | XRANGE s - +",
    "XADD s 0-0 a 1 | EXISTS s | XADD s 0 a 1 | XADD s 0-1 a 1 | XADD s 0-* b 2 | XADD s 5-* c 3 | XADD s 5-* d 4 | XRANGE s - +",
    `XADD s 1-${U64} a 1 | XADD s 1-* a 1 | XADD s 2-* a 1 | XADD s ${U64}-${U64} a 1 | XADD s 3-1 a 1 | XADD s * a 1 | XADD s ${U64}-* a 1 | XLEN s`,
    `XADD s ${U64}-* a 1 | XADD s ${U64}-* a 1 | XRANGE s - + | XADD s 18446744073709551616-1 a 1 | XADD s 1-18446744073709551616 a 1`,
    "XADD s | XADD s 1-1 | XADD s 1-1 a | XADD s 1-1 a 1 b | XADD s NOMKSTREAM | XADD s MAXLEN 1 | XADD s * | XADD s * a",
    "XADD s + a 1 | XADD s - a 1 | XADD s x a 1 | XADD s 1-x a 1 | XADD s -1 a 1 | XADD s 1--1 a 1 | XADD s {empty} a 1 | XADD s 1- a 1 | XADD s -1- a 1",
    "XADD s {sp}1 a 1 | XADD s 2-{sp}1 a 1 | XADD s +3 a 1 | XADD s 4-+5 a 1 | XADD s 05-07 a 1 | XADD s 6-{sp}0 a 1 | XRANGE s - +",
    "XADD s 1-{NUL} a 1 | XADD s 2\\x00x a 1 | XADD s 3-*x a 1 | XADD s 3-** a 1 | XADD s *x a 1 | XADD s 4-0 a 1 | XRANGE s - +",
    `XADD s 1-0 a 1 | XADD s -9223372036854775808 a 1 | XADD s 1--5 a 1 | XADD s 1-{sp}-5 a 1 | XADD s ${"9".repeat(30)} a 1 | XRANGE s - +`,
    "XADD s NOMKSTREAM 1-1 a 1 | EXISTS s | XADD s 1-1 a 1 | XADD s NOMKSTREAM 2-1 b 2 | XADD s nomkstream 3-1 c 3 | XRANGE s - +",
    "SET str v | XADD str 1-1 a 1 | XADD str NOMKSTREAM 1-1 a 1 | XADD str 0-0 a 1 | XADD str x a 1 | XADD str MAXLEN -1 1-1 a 1",
    "XADD s 1-1 {empty} {empty} | XADD s 1-2 a\\x00b \\xff\\xfe | XADD s 1-3 a 1 a 2 a 3 | XADD s 1-4 123 -17 | XRANGE s - +",
    "XADD s 1 f v | XADD s 2 g w x y | XADD s 3 f v2 | XADD s 4 x y g w | XREVRANGE s + - | XRANGE s - + COUNT 2",
    "XADD s MAXLEN 2 1-1 a 1 | XADD s MAXLEN 2 1-2 a 1 | XADD s MAXLEN 2 1-3 a 1 | XADD s maxlen = 2 1-4 a 1 | XRANGE s - + | XLEN s",
    "XADD s MAXLEN 0 1-1 a 1 | XLEN s | EXISTS s | XRANGE s - + | XADD s MAXLEN 0 1-1 a 1 | XADD s 1-2 a 1 | XLEN s",
    "XADD s MINID 1-2 1-1 a 1 | XLEN s | XADD s MINID 1-2 1-2 a 1 | XADD s MINID = 1-3 1-3 a 1 | XRANGE s - + | XADD s MINID 9 9-9 a 1 | XRANGE s - +",
    "XADD s MAXLEN | XADD s MAXLEN x 1-1 a 1 | XADD s MAXLEN -1 1-1 a 1 | XADD s MAXLEN 1 MINID 1 1-1 a 1 | XADD s MINID 1 MAXLEN 1 1-1 a 1 | EXISTS s",
    `XADD s MAXLEN ${MAX} 1-1 a 1 | XADD s MAXLEN 9223372036854775808 1-2 a 1 | XADD s MINID - 1-3 a 1 | XADD s MINID + 1-3 a 1 | XADD s MINID x 1-3 a 1`,
    "XADD s MAXLEN 1 LIMIT 5 1-1 a 1 | XADD s MAXLEN = 1 LIMIT 5 1-1 a 1 | XADD s LIMIT 5 1-1 a 1 | XADD s LIMIT 0 1-1 a 1 | XADD s LIMIT -1 1-1 a 1 | XADD s LIMIT x 1-1 a 1",
    "XADD s MAXLEN ~ 1 LIMIT -1 1-1 a 1 | XADD s MAXLEN ~ 1 LIMIT x 1-1 a 1 | XADD s MAXLEN ~ 1 LIMIT 0 1-1 a 1 | XADD s MAXLEN ~ 1 LIMIT 1 1-2 a 1 | XLEN s",
    "XADD s MAXLEN ~ 1-1 a 1 | XADD s MAXLEN ~ x 1-1 a 1 | XADD s MAXLEN ~ 1-1 | XADD s MAXLEN = 1-1 a | XADD s MAXLEN ~~ 1 1-1 a 1 | XADD s MAXLEN ~ 1 1-1 a 1 | XADD s maxlen 1 1-2 a 1 nomkstream x | XRANGE s - +",
    "XADD s NOMKSTREAM MAXLEN 1 1-1 a 1 | XADD s MAXLEN 1 NOMKSTREAM 1-1 a 1 | XADD s 1-1 a 1 | XADD s MAXLEN 1 NOMKSTREAM 1-2 a 1 | XRANGE s - +",
    "XADD s 1-1 a 1 | XADD s MAXLEN 5 0-1 a 1 | XADD s MAXLEN 5 * | XADD s * MAXLEN 5 a | XLEN s",
  ],
  xrange: [
    `${adds("s", 5)} | XRANGE s - + | XRANGE s 1-1 1-3 | XRANGE s (1-1 (1-3 | XRANGE s (1-1 + | XRANGE s - (1-4 | XRANGE s 1 1 | XRANGE s 1-3 1-1`,
    `${adds("s", 5)} | XRANGE s - + COUNT 2 | XRANGE s - + COUNT 0 | XRANGE s - + COUNT -1 | XRANGE s - + count 1 COUNT 3 | XRANGE s - + COUNT | XRANGE s - + COUNT x | XRANGE s - + FOO 1`,
    `${adds("s", 5)} | XREVRANGE s + - | XREVRANGE s + - COUNT 2 | XREVRANGE s (1-3 - | XREVRANGE s 1-3 (1-0 | XREVRANGE s - + | XREVRANGE s + - COUNT 0 | XREVRANGE s 1 1`,
    `${adds("s", 3)} | XRANGE s (- + | XRANGE s - (+ | XRANGE s (0-0 + | XRANGE s - (0-0 | XRANGE s (${U64}-${U64} + | XRANGE s - (${U64}-${U64}`,
    `${adds("s", 3)} | XRANGE s ( + | XRANGE s (( + | XRANGE s (1 + | XRANGE s - (1 | XRANGE s 0 ${U64} | XRANGE s x + | XRANGE s - x | XRANGE s x y COUNT x`,
    `XADD s 1-0 a 1 | XADD s 2-0 a 1 | XADD s 2-${U64} a 1 | XADD s 3-0 a 1 | XRANGE s 2 2 | XRANGE s (2 + | XRANGE s - (2 | XREVRANGE s 2 2 | XREVRANGE s (3 (1`,
    "XRANGE nokey - + | XREVRANGE nokey + - | XRANGE nokey - + COUNT 0 | XRANGE nokey x + | XRANGE nokey - + COUNT x | SET str v | XRANGE str - + | XRANGE str x + | XREVRANGE str + - COUNT 0",
    `XADD s 1-0 a 1 | XRANGE s - + COUNT ${MAX} | XRANGE s - + COUNT -${MAX} | XRANGE s - + COUNT 9223372036854775808 | XRANGE s {NUL} + | XRANGE s - + COUNT 1 COUNT`,
  ],
  xlen_xdel: [
    `${adds("s", 5)} | XDEL s 1-1 | XDEL s 1-1 | XLEN s | XDEL s 1-0 1-4 1-9 | XRANGE s - + | XDEL s 1-2 1-3 | XLEN s | EXISTS s | XRANGE s - + | XADD s 1-5 a 1 | XADD s 1-4 a 1`,
    `${adds("s", 3)} | XDEL s x | XDEL s 1-0 x | XLEN s | XDEL s - | XDEL s + | XDEL s 1 | XLEN s | XDEL nokey 1-1 | XDEL nokey x | XLEN nokey`,
    "SET str v | XLEN str | XDEL str 1-1 | XDEL str x | XLEN | XDEL s",
    `${adds("s", 250)} | XDEL s 1-100 1-101 1-199 1-0 | XLEN s | XRANGE s 1-98 1-102 | XREVRANGE s 1-201 1-198 | XRANGE s - + COUNT 3 | XREVRANGE s + - COUNT 2`,
    `${adds("s", 120)} | ${Array.from({ length: 100 }, (_, i) => `XDEL s 1-${i}`).join(" | ")} | XLEN s | XRANGE s - + COUNT 2 | XADD s MAXLEN ~ 5 2-0 a 1 | XLEN s`,
  ],
  xtrim: [
    `${adds("s", 5)} | XTRIM s MAXLEN 3 | XRANGE s - + | XTRIM s MAXLEN 3 | XTRIM s MINID 1-4 | XRANGE s - + | XTRIM s MAXLEN 0 | XLEN s | EXISTS s | XRANGE s - +`,
    `${adds("s", 5)} | XTRIM s | XTRIM s FOO | XTRIM s LIMIT 1 | XTRIM s MAXLEN | XTRIM s MAXLEN 1 MINID 1 | XTRIM s MAXLEN -1 | XTRIM s MAXLEN x | XTRIM s MINID x | XTRIM s MINID +`,
    `${adds("s", 5)} | XTRIM s MAXLEN 1 LIMIT 1 | XTRIM s MAXLEN = 1 LIMIT 1 | XTRIM s MAXLEN ~ 1 LIMIT -1 | XTRIM s MAXLEN 1 NOMKSTREAM | XTRIM s MAXLEN 1 1-1 | XLEN s`,
    "XTRIM nokey MAXLEN 1 | XTRIM nokey MAXLEN x | XTRIM nokey MINID 1 | SET str v | XTRIM str MAXLEN 1 | XTRIM str FOO | XTRIM str MAXLEN -1",
    `${adds("s", 250)} | XTRIM s MAXLEN ~ 200 | XLEN s | XTRIM s MAXLEN ~ 120 | XLEN s | XTRIM s MAXLEN ~ 0 | XLEN s | XTRIM s MAXLEN ~ 0 LIMIT 0 | XLEN s`,
    `${adds("s", 250)} | XTRIM s MAXLEN ~ 10 LIMIT 150 | XLEN s | XTRIM s MAXLEN ~ 10 LIMIT 99 | XLEN s | XTRIM s MAXLEN ~ 10 LIMIT 100 | XLEN s | XRANGE s - + COUNT 1`,
    `${adds("s", 250)} | XTRIM s MINID ~ 1-150 | XLEN s | XTRIM s MINID ~ 1-200 | XLEN s | XTRIM s MINID 1-230 | XLEN s | XRANGE s - + COUNT 1 | XTRIM s MINID ~ 1-240 | XLEN s`,
    `${adds("s", 250)} | XTRIM s MINID ~ 1-240 LIMIT 150 | XLEN s | XTRIM s MAXLEN 5 | XLEN s | XADD s MAXLEN ~ 1 2-0 a 1 | XLEN s`,
    // big fields: nodes cut at 4096 bytes rather than 100 entries
    `${adds("s", 60, 1, "f {x*100}")} | XTRIM s MAXLEN ~ 30 | XLEN s | XTRIM s MAXLEN ~ 1 | XLEN s | XRANGE s - + COUNT 1`,
    `${adds("s", 40, 1, "f {x*300}")} | XTRIM s MAXLEN ~ 20 | XLEN s | XTRIM s MINID ~ 1-30 | XLEN s`,
    `${adds("s", 30, 1, "12345 678 abc 99999999999")} | ${adds("s", 30, 2, "g h")} | ${adds("s", 80, 3, "f {y*40}")} | XTRIM s MAXLEN ~ 100 | XLEN s | XTRIM s MAXLEN ~ 50 | XLEN s`,
    `${adds("s", 200, 1, "f {z*1000}")} | XTRIM s MAXLEN ~ 150 | XLEN s | XTRIM s MAXLEN ~ 3 | XLEN s`,
    `XADD s 1-0 f {z*5000} | XADD s 1-1 f v | XADD s 1-2 f v | XTRIM s MAXLEN ~ 1 | XLEN s`,
    // XADD's own approximate trims
    `${Array.from({ length: 230 }, (_, i) => `XADD s MAXLEN ~ 50 1-${i} f v`).join(" | ")} | XLEN s | XRANGE s - + COUNT 1`,
    `${Array.from({ length: 230 }, (_, i) => `XADD s MINID ~ 1-${i - 20 < 0 ? 0 : i - 20} 1-${i} f v`).join(" | ")} | XLEN s | XRANGE s - + COUNT 1`,
  ],
  xsetid: [
    `${adds("s", 3)} | XSETID s 1-1 | XSETID s 1-2 | XADD s 1-2 a 1 | XSETID s 5-0 | XADD s 4-0 a 1 | XADD s 5-0 a 1 | XADD s 5-1 a 1 | XLEN s`,
    "XSETID nokey 1-1 | XSETID nokey x | XSETID nokey 1 FOO | SET str v | XSETID str 1 | XSETID str x | XSETID",
    `${adds("s", 3)} | XSETID s x | XSETID s - | XSETID s + | XSETID s 9 ENTRIESADDED | XSETID s 9 ENTRIESADDED x | XSETID s 9 ENTRIESADDED -1 | XSETID s 9 ENTRIESADDED 2 | XSETID s 9 ENTRIESADDED 3`,
    `${adds("s", 3)} | XSETID s 9 MAXDELETEDID 10 | XSETID s 9 MAXDELETEDID x | XSETID s 9 MAXDELETEDID + | XSETID s 9 MAXDELETEDID 8 | XSETID s 9 MAXDELETEDID 9-0 ENTRIESADDED 100 | XSETID s 9 FOO 1 | XSETID s 9 entriesadded 5 maxdeletedid 1`,
    `XADD s 1-1 a 1 | XDEL s 1-1 | XSETID s 0-1 | XADD s 0-2 a 1 | XADD s 0-1 a 1 | XSETID s 0 | XSETID s ${U64}-${U64} | XADD s * a 1 | XADD s 1-1 a 1`,
    `XADD s 1-1 a 1 | XSETID s 1-1 ENTRIESADDED ${MAX} | XSETID s 1-1 ENTRIESADDED 9223372036854775808 | XSETID s 1-1 ENTRIESADDED 0 | XSETID s 1-1 ENTRIESADDED 1`,
  ],
  xread: [
    `${adds("s", 3)} | XREAD STREAMS s 0 | XREAD STREAMS s 1-1 | XREAD STREAMS s 1-2 | XREAD STREAMS s $ | XREAD COUNT 1 STREAMS s 0-0 | XREAD COUNT 0 STREAMS s - | XREAD COUNT -5 STREAMS s 1`,
    `${adds("a", 3)} | ${adds("b", 2, 5)} | XREAD STREAMS a b 0 0 | XREAD COUNT 1 STREAMS a b 1-1 0 | XREAD STREAMS a b $ 0 | XREAD STREAMS nokey a 0 0 | XREAD STREAMS a a 1-0 0`,
    `${adds("s", 3)} | XREAD | XREAD STREAMS | XREAD STREAMS s | XREAD STREAMS s 0 1 | XREAD FOO STREAMS s 0 | XREAD COUNT x STREAMS s 0 | XREAD COUNT STREAMS s 0 | XREAD STREAMS s x | XREAD STREAMS s +`,
    `${adds("s", 3)} | XREAD STREAMS s - | XREAD STREAMS s > | XREAD GROUP g c STREAMS s 0 | XREAD NOACK STREAMS s 0 | XREAD GROUP g STREAMS s 0 | XREAD STREAMS s (1 | XREAD STREAMS s ${U64}-${U64}`,
    `${adds("s", 3)} | XREAD BLOCK 0 STREAMS s 0 | XREAD BLOCK x STREAMS s 0 | XREAD BLOCK -1 STREAMS s 0 | XREAD BLOCK 10 COUNT 1 STREAMS s 1-0 | XREAD BLOCK 100000000000 STREAMS s 0 | XREAD BLOCK 1.5 STREAMS s 0`,
    "XREAD STREAMS nokey 0 | XREAD STREAMS nokey $ | XREAD COUNT 5 STREAMS a b c 0 0 0 | SET str v | XREAD STREAMS str 0 | XREAD STREAMS nokey str 0 x | XREAD STREAMS str nokey x 0",
    `${adds("s", 2)} | XDEL s 1-1 | XREAD STREAMS s 1-0 | XREAD STREAMS s 1-1 | XDEL s 1-0 | XREAD STREAMS s 0 | XREAD STREAMS s $ | XREAD count 1 streams s 0 STREAMS 0`,
  ],
  types: [
    `${adds("s", 2)} | TYPE s | OBJECT ENCODING s | COPY s t | XADD t 1-9 a 1 | XLEN s | XLEN t | XRANGE t - + | DEL s | XLEN s | XLEN t`,
    `XADD s 1-1 a 1 | XDEL s 1-1 | TYPE s | XLEN s | OBJECT ENCODING s | COPY s t | XADD t 1-1 a 1 | XADD t 1-2 a 1 | SCAN 0 TYPE stream | EXPIRE s 100 | TTL s`,
    `XADD s 1-1 a 1 | GET s | LPUSH s x | HSET s a 1 | SADD s x | ZADD s 1 x | INCR s | APPEND s x | LLEN s`,
  ],
};

describe("stream commands answer as redis-server 7 does", needsRedisServer(), () => {
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

  test("auto IDs: `*` and `<ms>-*` follow Redis' rules (time, then sequence; errors alike)", async () => {
    await twin.reset();
    const ID = /^\$(\d+)\r\n(\d+)-(\d+)\r\n$/;
    for (const resp of [2, 3] as const) {
      const seen: Record<string, bigint[]> = { redis: [], agner: [] };
      for (const [side, run] of [["redis", (a: string[]) => twin.redis(a, resp)], ["agner", async (a: string[]) => twin.ours(a, resp)]] as const) {
        const key = `auto${resp}`;
        for (let i = 0; i < 5; i++) {
          const m = ID.exec((await run(["XADD", key, "*", "f", "v"])).toString("latin1"));
          assert.ok(m !== null, `${side}: XADD * answers an ID`);
          const ms = BigInt(m[2]!);
          assert.ok(ms > BigInt(Date.now() - 60_000) && ms <= BigInt(Date.now()), `${side}: ms is now`);
          seen[side]!.push((ms << 64n) | BigInt(m[3]!));
        }
        // `<ms>-*` on the top item's ms continues its sequence; an older ms is refused.
        const top = seen[side]![4]!;
        const next = (await run(["XADD", key, `${top >> 64n}-*`, "f", "v"])).toString("latin1");
        assert.equal(next, `$${String(top >> 64n).length + 1 + String((top & 0xffffffffffffffffn) + 1n).length}\r\n${top >> 64n}-${(top & 0xffffffffffffffffn) + 1n}\r\n`, side);
        assert.equal((await run(["XADD", key, "1-*", "f", "v"])).toString("latin1"), "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n");
        assert.equal((await run(["XADD", key, "1-1", "f", "v"])).toString("latin1"), "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n");
        // A stream whose top item is in the future: `*` continues its sequence.
        const fut = `${Date.now() + 3_600_000}`;
        await run(["XADD", `${key}f`, `${fut}-5`, "f", "v"]);
        assert.equal((await run(["XADD", `${key}f`, "*", "f", "v"])).toString("latin1"), `$${fut.length + 2}\r\n${fut}-6\r\n`, side);
        assert.equal((await run(["XLEN", key])).toString("latin1"), ":6\r\n", side);
      }
      for (const side of ["redis", "agner"]) {
        const ids = seen[side]!;
        for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `${side}: IDs increase`);
      }
    }
  });

  test("XADD * within one millisecond: the sequence counts up, as Redis' does", async () => {
    await twin.reset();
    // Both sides get a top item far in the future, so `*` can only take the sequence path.
    const script = [["XADD", "s", `${Date.now() + 86_400_000}-${U64}`, "a", "1"], ["XADD", "s", "*", "b", "2"], ["XADD", "s", "*", "c", "3"], ["XRANGE", "s", "-", "+"]];
    for (const argv of script) {
      for (const resp of [2, 3] as const) {
        const theirs = decodeAll(await twin.redis(argv, resp));
        const mine = decodeAll(twin.ours(argv, resp));
        assert.deepEqual(mine, theirs, JSON.stringify(argv));
      }
    }
  });

  test("propagation replays exactly: `*` as the ID taken, `~` trims as `=` to what they left, no LIMIT", async () => {
    await twin.reset();
    for (let i = 0; i < 250; i++) twin.ours(["XADD", "s", `1-${i}`, "f", "v"], 2);
    twin.propagated = [];
    twin.ours(["XADD", "s", "MAXLEN", "~", "120", "LIMIT", "1000", "2-*", "f", "v"], 2);
    twin.ours(["XTRIM", "s", "MINID", "~", "1-230"], 2);
    twin.ours(["XTRIM", "s", "MINID", "~", "1-0"], 2);
    twin.ours(["XADD", "s", "*", "f", "v"], 2);
    twin.ours(["XDEL", "s", "1-240", "9-9"], 2);
    twin.ours(["XDEL", "s", "9-9"], 2);
    assert.equal(twin.propagated.length, 4);
    assert.deepEqual(twin.propagated[0], ["XADD", "s", "MAXLEN", "=", "151", "2-0", "f", "v"]);
    assert.deepEqual(twin.propagated[1], ["XTRIM", "s", "MINID", "=", "1-200"]);
    assert.match(twin.propagated[2]![2]!, /^\d+-\d+$/);
    assert.deepEqual(twin.propagated[3], ["XDEL", "s", "1-240", "9-9"]);
  });
});
