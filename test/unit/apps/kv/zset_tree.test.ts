/**
 * The sorted-set structures against a plain sorted array: random inserts,
 * score changes and deletes (enough to split and merge leaves and inner
 * nodes) keep the (score, member) order, ranks, positions, seeks and the
 * linked leaves right; ZSetValue's listpack/skiplist encoding and the AOF
 * rewrite (ZADD batches whose scores read back exactly).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ZTree, posNext, posPrev, zcmp } from "../../../../src/apps/kv/commands/zset_tree.js";
import { ZSetValue } from "../../../../src/apps/kv/commands/zset_value.js";
import { ZSET_TYPE } from "../../../../src/apps/kv/commands/value_types.js";
import { parseScore } from "../../../../src/apps/kv/commands/strtod.js";

type Op = { kind: "set"; m: number; s: number } | { kind: "del"; m: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("set" as const), m: fc.integer({ min: 0, max: 600 }), s: fc.integer({ min: -20, max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("del" as const), m: fc.integer({ min: 0, max: 600 }) }) },
);

function check(t: ZTree, model: Map<string, number>): void {
  const sorted = [...model].sort((a, b) => zcmp(a[1], a[0], b[1], b[0]));
  assert.equal(t.size, sorted.length);
  assert.deepEqual([...t.entries()], sorted);
  // backwards through the links
  const back: [string, number][] = [];
  if (sorted.length > 0) {
    const p = t.at(sorted.length - 1);
    while (p.leaf !== null) {
      back.push([p.leaf.members[p.i]!, p.leaf.scores[p.i]!]);
      posPrev(p);
    }
  }
  assert.deepEqual(back.reverse(), sorted);
  for (let r = 0; r < sorted.length; r += 7) {
    const [m, s] = sorted[r]!;
    const p = t.at(r);
    assert.equal(p.leaf!.members[p.i], m);
    assert.equal(t.rankOf(s, m), r);
    const q = t.seek((x) => x >= s);
    assert.equal(q.rank, sorted.findIndex(([, v]) => v >= s));
    posNext(p);
    assert.equal(p.leaf === null ? undefined : p.leaf.members[p.i], sorted[r + 1]?.[0]);
  }
}

describe("zset structures", () => {
  test("ZTree against a sorted array", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const z = new ZSetValue();
        const model = new Map<string, number>();
        for (const o of ops) {
          const m = `m${o.m}`;
          if (o.kind === "set") {
            z.set(m, o.s);
            model.set(m, o.s);
          } else {
            assert.equal(z.delete(m), model.delete(m));
          }
        }
        check(z.tree, model);
        // empty it in order: merges down to a leaf
        for (const m of [...model.keys()]) z.delete(m);
        assert.equal(z.tree.size, 0);
        assert.deepEqual([...z.tree.entries()], []);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  test("encoding: listpack up to 128 members of at most 64 bytes, then skiplist for good", () => {
    const z = new ZSetValue();
    for (let i = 0; i < 128; i++) z.set(`m${i}`, i);
    assert.equal(ZSET_TYPE.encoding(z), "listpack");
    z.set("m128", 0);
    assert.equal(ZSET_TYPE.encoding(z), "skiplist");
    z.delete("m128");
    assert.equal(ZSET_TYPE.encoding(z), "skiplist");
    const y = new ZSetValue();
    y.set("x".repeat(65), 1);
    assert.equal(ZSET_TYPE.encoding(y), "skiplist");
    assert.equal(ZSET_TYPE.encoding(y.copy()), "skiplist");
  });

  test("AOF rewrite: ZADD batches of 64 pairs whose scores read back exactly", () => {
    const z = new ZSetValue();
    const scores = [0.1, 1 / 3, -Infinity, Infinity, 5e-324, 1.7976931348623157e308, -0, 123456789.123456789, 2 ** 60];
    for (let i = 0; i < 200; i++) z.set(`m${i}`, scores[i % scores.length]! * (i + 1));
    const back = new Map<string, number>();
    const cmds = [...ZSET_TYPE.rewrite("k", z)];
    assert.deepEqual(cmds.map((c) => c.length), [130, 130, 130, 18]);
    for (const c of cmds) {
      assert.equal(c[0], "ZADD");
      for (let i = 2; i < c.length; i += 2) back.set(c[i + 1]!, parseScore(c[i]!)!);
    }
    assert.deepEqual(back, z.dict);
  });
});
