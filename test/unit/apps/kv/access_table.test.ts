/**
 * The eviction structures against simple models: the access table (random
 * access to keys, for O(1) sampling) against a Map under random sets and
 * deletes, and the eviction pool against a sorted array with Redis'
 * insertion rule.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { AccessTable } from "../../../../src/apps/kv/commands/access_table.js";
import { EvictionPool, POOL_SIZE } from "../../../../src/apps/kv/commands/evict.js";

const op = fc.oneof(
  fc.record({ set: fc.integer({ min: 0, max: 30 }), word: fc.nat(0xffffff) }),
  fc.record({ del: fc.integer({ min: 0, max: 30 }) }),
  fc.constant({ clear: true as const }),
);

test("the access table holds what a Map holds, and samples only its keys", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const t = new AccessTable();
      const m = new Map<string, number>();
      for (const o of ops) {
        if ("set" in o) {
          t.set(`k${o.set}`, o.word);
          m.set(`k${o.set}`, o.word);
        } else if ("del" in o) assert.equal(t.delete(`k${o.del}`), m.delete(`k${o.del}`));
        else {
          t.clear();
          m.clear();
        }
        assert.equal(t.size, m.size);
      }
      for (let i = 0; i <= 30; i++) assert.equal(t.get(`k${i}`), m.get(`k${i}`));
      const out: string[] = [];
      t.sample(50, out);
      assert.equal(out.length, Math.min(50, m.size));
      for (const k of out) assert.ok(m.has(k));
      assert.equal(new Set(out).size, out.length, "a sampling repeats no key");
      out.length = 0;
      t.sample(5, out);
      assert.equal(new Set(out).size, Math.min(5, m.size));
      let keys = 0;
      for (let s = 0; s < t.slotCount; s++) {
        const key = t.keyAt(s);
        if (key === null) continue;
        keys++;
        assert.equal(m.get(key), t.wordAt(s));
      }
      assert.equal(keys, m.size);
    }),
  );
});

test("emptied slots are reused and squeezed out, and the table still holds what a Map holds", () => {
  const t = new AccessTable();
  const m = new Map<string, number>();
  for (let i = 0; i < 1000; i++) {
    t.set(`k${i}`, i);
    m.set(`k${i}`, i);
  }
  for (let i = 0; i < 1000; i++) if (i % 10 !== 0) assert.equal(t.delete(`k${i}`), m.delete(`k${i}`));
  assert.ok(t.slotCount < 2 * t.size + 65, `${t.slotCount} slots for ${t.size} keys`);
  for (let i = 0; i < 50; i++) {
    t.add(`n${i}`, i);
    m.set(`n${i}`, i);
  }
  for (const [k, w] of m) assert.equal(t.get(k), w);
  assert.equal(t.size, m.size);
});

test("sampling reaches every key", () => {
  const t = new AccessTable();
  for (let i = 0; i < 100; i++) t.set(`k${i}`, i);
  for (let i = 0; i < 100; i += 2) t.delete(`k${i}`);
  const seen = new Set<string>();
  const out: string[] = [];
  for (let r = 0; r < 2000 && seen.size < 50; r++) {
    out.length = 0;
    t.sample(5, out);
    for (const k of out) seen.add(k);
  }
  assert.equal(seen.size, 50);
});

test("a table of two keys sampled 5 times gives both, every time (dictGetSomeKeys' distinct keys)", () => {
  const t = new AccessTable();
  t.set("old", 1);
  t.set("new", 2);
  const out: string[] = [];
  for (let r = 0; r < 200; r++) {
    out.length = 0;
    t.sample(5, out);
    assert.deepEqual(out.sort(), ["new", "old"]);
  }
});

test("the eviction pool keeps the best 16 as Redis' evictionPoolPopulate does", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.boolean()), { maxLength: 120 }), (steps) => {
      const pool = new EvictionPool();
      let model: { idle: number; db: number; key: string }[] = [];
      let n = 0;
      for (const [idle, pop] of steps) {
        if (pop) {
          const c = { idle: 0, db: 0, key: "" };
          const got = pool.popBest(c);
          const want = model.pop();
          assert.equal(got, want !== undefined);
          if (want !== undefined) assert.deepEqual(c, want);
          continue;
        }
        const cand = { idle, db: n % 3, key: `k${n++}` };
        let k = 0;
        while (k < model.length && model[k]!.idle < idle) k++;
        if (k === 0 && model.length === POOL_SIZE) continue;
        if (model.length === POOL_SIZE) {
          model = model.slice(1);
          k--;
        }
        model.splice(k, 0, cand);
        pool.insert(cand.idle, cand.db, cand.key);
        assert.deepEqual(pool.entries(), model);
      }
      assert.equal(pool.size, model.length);
    }),
  );
});
