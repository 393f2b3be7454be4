/**
 * Redis' partial quicksort (pqsort.ts) against a full sort: for random
 * arrays (long enough for the ninther and the partitioning, with many
 * equal keys) and random ranges, the range holds what a full sort puts
 * there, the array stays a permutation of itself, and a full range sorts
 * everything. Ties are keyed apart so "what a full sort puts there" is
 * unique; the order of real ties is checked against redis-server in
 * t_sort_diff.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { pqsort } from "../../../../src/apps/kv/commands/pqsort.js";

type Pair = [key: number, id: number];
const byKeyThenId = (a: Pair, b: Pair): number => a[0] - b[0] || a[1] - b[1];

const input = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 200 }), fc.nat(), fc.nat())
  .map(([keys, x, y]) => {
    const n = keys.length;
    const lo = n === 0 ? 0 : x % n;
    const hi = n === 0 ? -1 : lo + (y % (n - lo));
    return { pairs: keys.map((k, i): Pair => [k, i]), lo, hi };
  });

test("pqsort puts in lo..hi what a full sort would, and keeps every element", () => {
  fc.assert(
    fc.property(input, ({ pairs, lo, hi }) => {
      const want = [...pairs].sort(byKeyThenId);
      const a = [...pairs];
      pqsort(a, byKeyThenId, lo, hi);
      assert.deepEqual(a.slice(lo, hi + 1), want.slice(lo, hi + 1));
      assert.deepEqual([...a].sort(byKeyThenId), want);
    }),
    { numRuns: 500, seed: 7 },
  );
});

test("pqsort over the whole range sorts the array", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 300 }), (xs) => {
      const a = [...xs];
      pqsort(a, (p, q) => p - q, 0, a.length - 1);
      assert.deepEqual(a, [...xs].sort((p, q) => p - q));
    }),
    { numRuns: 300, seed: 8 },
  );
});
