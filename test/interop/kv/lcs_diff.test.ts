/**
 * LCS against a real redis-server (RESP2 and RESP3, byte for byte): the
 * string, LEN, IDX with MINMATCHLEN and WITHMATCHLEN, missing keys, wrong
 * types, option errors and their order, and random strings whose ties the
 * walk back must break as Redis does.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";
import { runCases } from "./twin_cases.js";

const CASES: string[] = [
  "MSET a ohmytext b mynewtext | LCS a b | LCS a b LEN | LCS a b IDX | LCS a b IDX MINMATCHLEN 4 | LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN | LCS a b idx withmatchlen",
  "MSET a ohmytext b mynewtext | LCS a b LEN IDX | LCS a b IDX LEN | LCS a b FOO | LCS a b MINMATCHLEN | LCS a b MINMATCHLEN x | LCS a b MINMATCHLEN -5 IDX | LCS a b len len",
  "SET a abc | LCS a nokey | LCS nokey a | LCS nokey nokey2 | LCS nokey nokey2 IDX | LCS nokey a LEN | LCS a a | LCS a a IDX WITHMATCHLEN",
  "SET a abc | HSET h f v | LCS a h | LCS h a | LCS h nokey | LCS h a FOO | LCS a | LCS",
  "MSET a {empty} b abc | LCS a b | LCS a b IDX | LCS b a LEN | MSET a 12345 b 12045 | LCS a b | LCS a b IDX WITHMATCHLEN",
  "MSET a abcabcabc b cbacbacba | LCS a b | LCS a b IDX | LCS b a IDX WITHMATCHLEN | LCS a b IDX MINMATCHLEN 2 | LCS a b IDX MINMATCHLEN 9223372036854775807",
  "MSET a {x*300} b {x*200} | LCS a b LEN | LCS a b IDX MINMATCHLEN 100 WITHMATCHLEN | SET n 1234 | LCS n n IDX",
];

describe("LCS answers as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  test("options, errors, missing keys and types", async () => {
    assert.deepEqual(await runCases(twin, CASES), []);
  });

  test("random strings over a small alphabet: the same string, length and ranges", async () => {
    const text = fc.stringMatching(/^[abc]{0,25}$/);
    await fc.assert(
      fc.asyncProperty(text, text, async (a, b) => {
        await twin.reset();
        const diffs: string[] = [];
        for (const resp of [2, 3] as const) {
          for (const argv of [["MSET", "a", a, "b", b], ["LCS", "a", "b"], ["LCS", "a", "b", "IDX", "WITHMATCHLEN"], ["LCS", "b", "a", "IDX", "MINMATCHLEN", "2"]]) {
            const d = await twin.compare(argv, resp);
            if (d !== null) diffs.push(d);
          }
        }
        assert.deepEqual(diffs, []);
      }),
      { seed: 13, numRuns: 150 },
    );
  });
});
