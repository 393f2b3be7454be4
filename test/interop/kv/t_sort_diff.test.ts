/**
 * SORT and SORT_RO against a real redis-server (RESP2 and RESP3, byte for
 * byte, and the hit/miss/expired counters): lists, sets (intsets, whose
 * order Redis defines) and sorted sets; numeric and ALPHA orders and their
 * ties; BY and GET patterns (`*`, `#`, `->field`, missing and wrong-typed
 * keys, constant patterns); LIMIT at every edge; DESC; STORE (the list,
 * an emptied result deleting the destination, its TTL); parse errors and
 * their order; and what SORT ... STORE propagates.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";
import { expand, words } from "./twin_cases.js";

const MAX = "9223372036854775807";
const MIN = "-9223372036854775808";
/** A list with equal BY weights among distinct elements: ties that only the sort algorithm orders. */
const TIES = "RPUSH l e b g a d c f h j i k | MSET w_a 1 w_b 1 w_c 2 w_d 2 w_e 1 w_f 3 w_g 2 w_h 1";
/** Longer than pqsort's insertion-sort threshold (7) and its ninther threshold (40). */
const LONG = `RPUSH m ${Array.from({ length: 60 }, (_, i) => `e${(i * 37) % 60}`).join(" ")} | ` +
  `MSET ${Array.from({ length: 60 }, (_, i) => `w_e${i} ${i % 4}`).join(" ")}`;

const CASES: Record<string, string[]> = {
  numeric: [
    "RPUSH l 3 1 2 10 -5 1.5 | SORT l | SORT l DESC | SORT l ASC | SORT l desc asc | SORT_RO l | SORT_RO l DESC",
    "RPUSH l 3 03 3.0 +3 \\x203 0x3 3e0 -0 0 {empty} 1e308 -inf inf INF Infinity | SORT l | SORT l DESC",
    "RPUSH l 1 2 a | SORT l | SORT l DESC | SORT l LIMIT 0 1 | SORT_RO l | RPUSH m 1 nan | SORT m | RPUSH n 1 {NUL} | SORT n",
    "RPUSH l 1 1e400 | SORT l",
    "RPUSH l 1 -1e400 | SORT l ALPHA | SORT l BY nosort | SORT l",
    "RPUSH m 1 4e-320 | SORT m",
    "RPUSH n 1 2.2250738585072014e-308 0x1p-1074 | SORT n | RPUSH o {sp}1 1\\x201 | SORT o",
    `RPUSH l ${MAX} ${MIN} 9223372036854775808 9007199254740993 9007199254740992 | SORT l | SORT l DESC`,
    "RPUSH l 2 1 2 1 3 | SORT l | SORT l DESC | SORT l LIMIT 1 3",
    "RPUSH l 1\\x001 1\\x002 0 | SORT l | SORT l DESC | SORT l ALPHA",
  ],
  alpha: [
    "RPUSH l b a c B A {empty} aa ab a | SORT l ALPHA | SORT l ALPHA DESC | SORT l alpha limit 1 3",
    "RPUSH l \\xff \\x80 a \\xc3\\xa9 A \\x00 | SORT l ALPHA | SORT l ALPHA DESC",
    "RPUSH l a\\x00b a\\x00a a a\\x00 | SORT l ALPHA | SORT l ALPHA DESC | SORT l ALPHA STORE d | LRANGE d 0 -1",
    "RPUSH l 10 9 100 -1 | SORT l ALPHA | SORT l ALPHA DESC | SORT l ALPHA LIMIT 0 2",
  ],
  containers: [
    "SADD s 5 3 -1 10 7 | SORT s | SORT s DESC | SORT s ALPHA | SORT s LIMIT 1 2 | SORT s BY nosort | SORT s BY nosort DESC LIMIT 1 2",
    "SADD s b c a | SORT s ALPHA | SORT s ALPHA DESC | SORT s | SORT s BY nosort STORE d | LRANGE d 0 -1 | SORT s BY nosort DESC STORE d | LRANGE d 0 -1",
    "ZADD z 3 a 1 b 2 c 2 d | SORT z BY nosort | SORT z BY nosort DESC | SORT z ALPHA | SORT z BY nosort LIMIT 1 2 | SORT z BY nosort DESC LIMIT 1 2 | SORT z BY nosort LIMIT 3 10",
    "ZADD z 1 30 2 10 3 20 | SORT z | SORT z DESC | SORT z BY nosort | SORT z BY nosort DESC LIMIT 0 1 | SORT z BY nosort LIMIT 5 1 | SORT z BY nosort STORE d | LRANGE d 0 -1",
    "RPUSH l c a b | SORT l BY nosort | SORT l BY nosort DESC | SORT l BY nosort LIMIT 1 1 | SORT l BY nosort DESC LIMIT 1 5 | SORT l BY nosort LIMIT 3 1 | SORT l BY x DESC",
    "SORT nokey | SORT nokey DESC ALPHA | SORT nokey BY w_* GET # | SORT nokey BY nosort LIMIT 1 1 | SORT nokey STORE d | EXISTS d",
    "SET k v | SORT k | SORT_RO k | SORT k BY nosort | HSET h f v | SORT h | SORT k STORE d | EXISTS d",
    "SET k v | SORT k LIMIT 0 | SORT k BOGUS | SORT k LIMIT x 1 | SORT_RO k STORE d",
  ],
  by_get: [
    "RPUSH l 1 2 3 | MSET w_1 30 w_2 10 w_3 20 o_1 x o_2 y | SORT l BY w_* | SORT l BY w_* DESC | SORT l BY w_* GET o_* | SORT l BY w_* GET # GET o_* GET w_*",
    "RPUSH l a b c | MSET w_a 3 w_b x | SORT l BY w_* | SORT l BY w_* ALPHA | SORT l BY w_* ALPHA DESC | SORT l BY w_c",
    "RPUSH l a b c | HSET h_a f 3 g x | HSET h_b f 1 | HSET h_c g 2 | SORT l BY h_*->f | SORT l BY h_*->f GET h_*->g GET # | SORT l BY h_*->g ALPHA | SORT l BY h_*->nope GET h_*->",
    "RPUSH l a b | SET w_a 2 | HSET w_b f 1 | SADD x_a m | SORT l BY w_* | SORT l BY w_*->f | SORT l GET x_* GET w_*->f GET w_* | SORT l BY *->* GET *",
    "RPUSH l a b | SET a-> 1 | SET pre_a_post 5 | SET pre_b_post 4 | SORT l BY pre_*_post | SORT l GET pre_*_post GET a-> | SORT l GET *-> GET a->* | SORT l GET #x | SORT l GET nostar",
    "RPUSH l a b | MSET w_a 2 w_b 1 | SORT l BY w_* BY nosort | SORT l BY nosort BY w_* | SORT l GET # GET # | SORT l BY w_* LIMIT 0 1 GET #",
    "RPUSH l 1 2 | MSET k1 a k2 b | SORT l BY k* GET k* | SORT l BY k\\x00* | SORT l GET k\\x00* | SORT l GET #\\x00x | SORT l GET k*\\x00z",
    "SADD s 3 1 2 | MSET w_1 9 w_2 8 w_3 7 | SORT s BY w_* | SORT s BY w_* LIMIT 0 2 | SORT s BY w_* GET # DESC",
    "ZADD z 1 a 2 b 3 c | MSET w_a 9 w_b 8 w_c 7 | SORT z BY w_* | SORT z BY w_* ALPHA DESC | SORT z BY w_* GET w_* LIMIT 1 1",
    "RPUSH l a b | SET w_a 1 | PEXPIRE w_a 1 | {SLEEP 10} | SORT l BY w_* | SORT l GET w_*",
  ],
  ties: [
    `${TIES} | SORT l BY w_* ALPHA | SORT l BY w_* ALPHA DESC | SORT l BY nokey_* ALPHA | SORT l BY nokey_* ALPHA DESC`,
    `${TIES} | SORT l BY w_* ALPHA LIMIT 0 3 | SORT l BY w_* ALPHA LIMIT 2 5 | SORT l BY w_* ALPHA DESC LIMIT 1 4 | SORT l BY nokey_* ALPHA LIMIT 1 3`,
    `${TIES} | SORT l BY w_* | SORT l BY w_* DESC | SORT l BY w_* LIMIT 2 3 | SORT l BY w_* DESC LIMIT 0 4`,
    `${LONG} | SORT m BY w_* ALPHA | SORT m BY w_* ALPHA LIMIT 0 10 | SORT m BY w_* ALPHA LIMIT 20 15 | SORT m BY w_* ALPHA DESC LIMIT 50 20`,
    `${LONG} | SORT m BY w_* LIMIT 5 10 | SORT m BY nokey_* ALPHA LIMIT 30 5 | SORT m BY w_* ALPHA STORE d LIMIT 10 10 | LRANGE d 0 -1`,
    "SADD s 1 2 3 4 5 6 7 8 9 10 11 12 | MSET w_3 a w_7 a w_9 b | SORT s BY w_* ALPHA | SORT s BY w_* ALPHA LIMIT 2 6 | SORT s BY w_* ALPHA DESC LIMIT 0 9",
  ],
  limit: [
    "RPUSH l 5 4 3 2 1 | SORT l LIMIT 0 2 | SORT l LIMIT 2 2 | SORT l LIMIT 4 10 | SORT l LIMIT 5 1 | SORT l LIMIT 0 0 | SORT l LIMIT 0 -1 | SORT l LIMIT -3 2",
    `RPUSH l 5 4 3 | SORT l LIMIT ${MAX} ${MAX} | SORT l LIMIT ${MIN} ${MIN} | SORT l LIMIT 1 ${MAX} | SORT l LIMIT ${MIN} 1 | SORT l LIMIT 0 9223372036854775808`,
    "RPUSH l 3 1 2 | SORT l LIMIT a 1 | SORT l LIMIT 1 b | SORT l LIMIT 1 | SORT l LIMIT | SORT l LIMIT 1.5 1 | SORT l LIMIT 1 2 LIMIT 0 1",
    "RPUSH l 3 1 2 | SORT l LIMIT 1 1 DESC | SORT l DESC LIMIT 0 2 ALPHA | SORT l BY nosort LIMIT 0 -5 | SORT l BY nosort LIMIT -1 -1",
  ],
  store: [
    "RPUSH l 3 1 2 | SORT l STORE d | LRANGE d 0 -1 | TYPE d | SORT l STORE d DESC LIMIT 0 2 | LRANGE d 0 -1 | SORT l LIMIT 5 5 STORE d | EXISTS d",
    "RPUSH l 3 1 2 | SET d x | PEXPIRE d 100000 | SORT l STORE d | PTTL d | TYPE d | HSET d f v | SORT l STORE d GET nokey_* GET # | LRANGE d 0 -1",
    "RPUSH l b a | SORT l STORE l ALPHA | LRANGE l 0 -1 | SORT l ALPHA STORE d STORE e | EXISTS d e | SORT l STORE | SORT l STORE d BOGUS | EXISTS d",
    "SADD s 3 1 2 | SET d x | SORT s BY nosort STORE d | LRANGE d 0 -1 | SORT nokey STORE d | EXISTS d | SORT nokey STORE d | SET k v | SORT k STORE d",
    "RPUSH l 1 2 | MSET w_1 x | SORT l BY w_* STORE d | EXISTS d | SORT l STORE d LIMIT 0 0 | SET d v | PEXPIRE d 1 | {SLEEP 10} | SORT l STORE d | LRANGE d 0 -1",
    "RPUSH l 1 2 | SORT_RO l STORE d | SORT_RO l store | EXISTS d | SORT_RO l BY nosort GET # DESC",
  ],
  command: [
    "COMMAND INFO sort sort_ro | COMMAND DOCS sort sort_ro | COMMAND GETKEYS SORT l BY w_* GET x STORE d | COMMAND GETKEYS SORT l STORE d LIMIT 0 1 STORE e",
    "COMMAND GETKEYSANDFLAGS SORT l GET store STORE d | COMMAND GETKEYS SORT_RO l BY w_* | COMMAND GETKEYS SORT l STORE",
  ],
};

/**
 * twin_cases' runCases, plus `{SLEEP n}` (n ms) for keys that expire between two commands.
 * Redis' SORT reads errno after strtod without clearing it first, so an
 * ERANGE (a weight such as 1e400) stays and fails later SORTs of the same
 * process until something clears errno: each case starts with a ZADD
 * (string2d clears it) on Redis alone, and an ERANGE weight is the last
 * numeric SORT of its case.
 */
async function run(twin: Twin, cases: readonly string[]): Promise<string[]> {
  const diffs: string[] = [];
  for (const c of cases) {
    for (const resp of [2, 3] as const) {
      await twin.redis(["ZADD", "errno", "0", "x"]);
      await twin.reset();
      for (const cmd of c.split(" | ")) {
        const sl = /^\{SLEEP (\d+)\}$/.exec(cmd.trim());
        if (sl !== null) {
          await sleep(Number(sl[1]));
          continue;
        }
        const d = await twin.compare(words(expand(cmd)), resp);
        if (d !== null) diffs.push(d.slice(0, 3000));
      }
      const st = await twin.compareStats();
      if (st !== null) diffs.push(`${st} after ${c}`);
    }
  }
  return diffs;
}

describe("SORT and SORT_RO answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const [group, cases] of Object.entries(CASES)) {
    test(group, async () => {
      assert.deepEqual(await run(twin, cases), []);
    });
  }

  test("SORT ... STORE propagates DEL and RPUSH of what it stored, or DEL when it emptied the destination", async () => {
    await twin.reset();
    for (const argv of [
      ["RPUSH", "l", "3", "1", "2"],
      ["SORT", "l", "STORE", "d"],
      ["SORT", "l", "LIMIT", "0", "0", "STORE", "d"],
      ["SORT", "l", "LIMIT", "0", "0", "STORE", "d"],
      ["SORT", "l"],
      ["SORT", "l", "BY", "w_*", "GET", "o_*", "STORE", "e"],
    ]) twin.ours(argv, 2);
    assert.deepEqual(twin.propagated, [
      ["RPUSH", "l", "3", "1", "2"],
      ["DEL", "d"],
      ["RPUSH", "d", "1", "2", "3"],
      ["DEL", "d"],
      ["DEL", "e"],
      ["RPUSH", "e", "", "", ""],
    ]);
  });

  test("a stored list of more than 64 elements is propagated in RPUSH batches", async () => {
    await twin.reset();
    twin.ours(["RPUSH", "l", ...Array.from({ length: 130 }, (_, i) => String(i))], 2);
    twin.ours(["SORT", "l", "DESC", "STORE", "d"], 2);
    const pushes = twin.propagated.slice(2);
    assert.deepEqual(twin.propagated[1], ["DEL", "d"]);
    assert.deepEqual(pushes.map((p) => p.length - 2), [64, 64, 2]);
    assert.deepEqual(pushes.flatMap((p) => p.slice(2)), Array.from({ length: 130 }, (_, i) => String(129 - i)));
  });
});
