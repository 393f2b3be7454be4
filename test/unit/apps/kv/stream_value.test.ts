/**
 * StreamValue against a plain sorted array of entries: random appends
 * (enough to fill many nodes), deletes, exact and approximate trims, then
 * range in both directions with counts, get, first and last IDs, length,
 * copy; and stream_id.ts' parsing corner cases (string2ull's strtoull path).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ErrorReply } from "../../../../src/apps/kv/resp/reply.js";
import { StreamValue } from "../../../../src/apps/kv/commands/stream_value.js";
import { MAX_ID, idString, makeId, parseId, parseIdGeneric, parseIntervalId, parseStrictId } from "../../../../src/apps/kv/commands/stream_id.js";

type Op =
  | { kind: "add"; gap: number; n: number; big: boolean }
  | { kind: "del"; at: number }
  | { kind: "maxlen"; len: number; approx: boolean }
  | { kind: "minid"; at: number; approx: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("add" as const), gap: fc.integer({ min: 1, max: 3 }), n: fc.integer({ min: 1, max: 150 }), big: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("del" as const), at: fc.nat() }) },
  fc.record({ kind: fc.constant("maxlen" as const), len: fc.integer({ min: 0, max: 400 }), approx: fc.boolean() }),
  fc.record({ kind: fc.constant("minid" as const), at: fc.nat(), approx: fc.boolean() }),
);

function check(s: StreamValue, model: { id: bigint; fields: readonly string[] }[]): void {
  assert.equal(s.length, model.length);
  assert.deepEqual(s.range(0n, MAX_ID, 0, false), model);
  assert.deepEqual(s.range(0n, MAX_ID, 0, true), [...model].reverse());
  assert.equal(s.firstId(), model[0]?.id ?? null);
  assert.equal(s.lastEntryId(), model[model.length - 1]?.id ?? null);
  assert.deepEqual([...s.entries()], model);
}

describe("StreamValue", () => {
  test("appends, deletes and trims keep the entries a sorted array would", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 5 }), fc.boolean()), { maxLength: 10 }), (ops, ranges) => {
        const s = new StreamValue();
        let model: { id: bigint; fields: readonly string[] }[] = [];
        let next = 1n;
        for (const o of ops) {
          if (o.kind === "add") {
            for (let i = 0; i < o.n; i++) {
              const id = makeId(next >> 3n, next & 7n);
              const fields = i % 3 === 0 ? ["f", o.big ? "x".repeat(300) : "v"] : ["g", "1", "h", "2"];
              next += BigInt(o.gap);
              s.add(id, fields.slice());
              model.push({ id, fields });
            }
          } else if (o.kind === "del") {
            if (model.length === 0) continue;
            const e = model[o.at % model.length]!;
            assert.equal(s.delete(e.id), true);
            assert.equal(s.delete(e.id), false);
            assert.equal(s.get(e.id), undefined);
            model = model.filter((x) => x.id !== e.id);
          } else if (o.kind === "maxlen") {
            const removed = s.trim(o.len, null, o.approx, 0);
            // approximate: whole nodes only, never below the target
            if (!o.approx) assert.equal(removed, Math.max(0, model.length - o.len));
            else assert.ok(model.length - removed >= Math.min(model.length, o.len));
            model = model.slice(removed);
          } else {
            if (model.length === 0) continue;
            const minid = model[o.at % model.length]!.id;
            const removed = s.trim(0, minid, o.approx, 0);
            const below = model.filter((x) => x.id < minid).length;
            if (!o.approx) assert.equal(removed, below);
            else assert.ok(removed <= below);
            model = model.slice(removed);
          }
          check(s, model);
        }
        for (const [a, b, count, rev] of ranges) {
          if (model.length === 0) break;
          let lo = model[a % model.length]!.id;
          let hi = model[b % model.length]!.id;
          if (lo > hi) [lo, hi] = [hi, lo];
          const inRange = model.filter((x) => x.id >= lo && x.id <= hi);
          const want = rev ? inRange.reverse() : inRange;
          assert.deepEqual(s.range(lo, hi, count, rev), count === 0 ? want : want.slice(0, count));
          // bounds that fall between entries
          assert.deepEqual(s.range(lo + 1n, hi - 1n > lo + 1n ? hi - 1n : lo + 1n, 0, false).length <= inRange.length, true);
        }
        for (const e of model) assert.deepEqual(s.get(e.id), e.fields);
        const c = s.copy();
        if (model.length > 0) s.delete(model[0]!.id);
        check(c, model);
      }),
      { numRuns: 150, seed: 5 },
    );
  });

  test("IDs parse as Redis' streamGenericParseIDOrReply and string2ull do", () => {
    const U = 2n ** 64n - 1n;
    const ok = (arg: string, want: bigint) => assert.equal(parseId(arg, 0n), want, arg);
    const bad = (arg: string) => assert.ok(parseId(arg, 0n) instanceof ErrorReply, arg);
    ok("5", makeId(5, 0));
    ok("5-3", makeId(5, 3));
    ok("-", 0n);
    ok("+", MAX_ID);
    ok(" 5", makeId(5, 0)); // strtoull skips leading spaces
    ok("+5-+3", makeId(5, 3));
    ok("007-08", makeId(7, 8));
    ok("1- -5", makeId(1, U - 4n)); // and wraps a negative
    ok("1--0", makeId(1, 0));
    ok(`${U}-${U}`, MAX_ID);
    ok("5\0junk", makeId(5, 0)); // C sees up to the NUL
    bad("1--5"); // string2ll reads it, negative: refused
    bad(`${U + 1n}`);
    bad("");
    bad("x");
    bad("1-");
    bad("-1");
    bad("1-2-3");
    bad("9".repeat(128));
    assert.equal(parseId("5", 2n ** 64n - 1n), makeId(5, U));
    assert.ok(parseStrictId("-", 0n) instanceof ErrorReply);
    assert.ok(parseStrictId("+", 0n) instanceof ErrorReply);
    assert.deepEqual(parseIdGeneric("5-*", 0n, true, true), { id: makeId(5, 0), seqGiven: false });
    assert.ok(parseIdGeneric("5-*", 0n, true, false) instanceof ErrorReply);
    assert.deepEqual(parseIntervalId("(5", 0n), { id: makeId(5, 0), exclude: true });
    assert.ok(parseIntervalId("(", 0n) instanceof ErrorReply); // "(" alone is an ID, an invalid one
    assert.equal(idString(makeId(1526919030474, 55)), "1526919030474-55");
  });
});
