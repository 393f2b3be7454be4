/**
 * ListValue against an array model: random pushes, pops, sets, insertions
 * in the middle and LREM-style removals (from either end, limited or not)
 * keep the same elements in the same order, across the ring buffer's
 * wrap-around, growth and shrinking.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ListValue } from "../../../../src/apps/kv/commands/list_value.js";

type Op =
  | { op: "pushHead" | "pushTail"; v: string }
  | { op: "popHead" | "popTail" }
  | { op: "set" | "insertAt"; at: number; v: string }
  | { op: "removeEqual"; v: string; limit: number; fromTail: boolean };

const val = fc.constantFrom("a", "b", "c");
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constantFrom("pushHead" as const, "pushTail" as const), v: val }), weight: 4 },
  fc.record({ op: fc.constantFrom("popHead" as const, "popTail" as const) }),
  { arbitrary: fc.record({ op: fc.constantFrom("set" as const, "insertAt" as const), at: fc.nat(200), v: val }), weight: 2 },
  fc.record({ op: fc.constant("removeEqual" as const), v: val, limit: fc.nat(3), fromTail: fc.boolean() }),
);

test("ListValue behaves as an array under random operations", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), fc.nat(3), (ops, seed) => {
      const l = new ListValue(4 << seed);
      const m: string[] = [];
      for (const o of ops) {
        switch (o.op) {
          case "pushHead":
            l.pushHead(o.v);
            m.unshift(o.v);
            break;
          case "pushTail":
            l.pushTail(o.v);
            m.push(o.v);
            break;
          case "popHead":
            assert.equal(l.popHead(), m.shift());
            break;
          case "popTail":
            assert.equal(l.popTail(), m.pop());
            break;
          case "set":
            if (m.length === 0) break;
            l.set(o.at % m.length, o.v);
            m[o.at % m.length] = o.v;
            break;
          case "insertAt": {
            const i = o.at % (m.length + 1);
            l.insertAt(i, o.v);
            m.splice(i, 0, o.v);
            break;
          }
          case "removeEqual": {
            const idx = m.map((x, i) => (x === o.v ? i : -1)).filter((i) => i >= 0);
            if (o.fromTail) idx.reverse();
            const gone = new Set(o.limit === 0 ? idx : idx.slice(0, o.limit));
            assert.equal(l.removeEqual(o.v, o.limit, o.fromTail), gone.size);
            const kept = m.filter((_, i) => !gone.has(i));
            m.length = 0;
            m.push(...kept);
            break;
          }
        }
        assert.equal(l.length, m.length);
      }
      assert.deepEqual([...l], m);
      if (m.length > 0) assert.deepEqual(l.range(0, m.length - 1), m);
    }),
    { seed: 42, numRuns: 500 },
  );
});
