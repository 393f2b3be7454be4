/**
 * The consumer group model (stream_cg.ts) against a simple one: random
 * deliveries, reassignments, acks and consumer deletions keep the group's
 * PEL equal to the union of its consumers' PELs, each sorted by ID, with
 * range scans from any ID; copies are independent; the rewrite commands
 * name every pending entry once. Also XREADGROUP's blocked re-run
 * (`serveOn`): one stream, COUNT defaulted to 1000 as Redis does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ConsumerGroup, INVALID_ENTRIES_READ, Nack, incrementCount, rewriteGroups } from "../../../../src/apps/kv/commands/stream_cg.js";
import { xreadgroupServeOn } from "../../../../src/apps/kv/commands/t_stream_group.js";

type Op = { op: "deliver"; id: number; c: string } | { op: "ack"; id: number } | { op: "del"; c: string };

const idN = fc.integer({ min: 0, max: 60 });
const name = fc.constantFrom("a", "b", "c");
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("deliver" as const), id: idN, c: name }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("ack" as const), id: idN }), weight: 2 },
  fc.record({ op: fc.constant("del" as const), c: name }),
);

test("a group's PEL is its consumers' PELs, sorted, under random deliveries, acks and deletions", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), idN, (ops, from) => {
      const g = new ConsumerGroup(0n, INVALID_ENTRIES_READ);
      const model = new Map<number, string>(); // id -> owner
      for (const o of ops) {
        const id = BigInt(o.op === "del" ? 0 : o.id) << 64n;
        if (o.op === "deliver") {
          const c = g.lookupConsumer(o.c, 1) ?? g.createConsumer(o.c, 1)!;
          const nack = g.pel.get(id);
          if (nack === undefined) {
            const n = new Nack(c, 1);
            g.pel.insert(id, n);
            c.pel.insert(id, n);
          } else if (nack.consumer !== c) {
            nack.consumer!.pel.delete(id);
            nack.consumer = c;
            c.pel.insert(id, nack);
          }
          model.set(o.id, o.c);
        } else if (o.op === "ack") {
          assert.equal(g.ack(id), model.delete(o.id));
        } else {
          const c = g.lookupConsumer(o.c, undefined);
          if (c !== undefined) g.deleteConsumer(c);
          for (const [k, v] of model) if (v === o.c) model.delete(k);
        }
      }
      const want = [...model.keys()].sort((a, b) => a - b);
      assert.deepEqual([...g.pel.from(0n)].map(([id]) => Number(id >> 64n)), want);
      assert.deepEqual([...g.pel.from(BigInt(from) << 64n)].map(([id]) => Number(id >> 64n)), want.filter((x) => x >= from));
      for (const c of g.consumers.values()) {
        const mine = want.filter((x) => model.get(x) === c.name);
        assert.deepEqual([...c.pel.from(0n)].map(([id, n]) => [Number(id >> 64n), n.consumer]), mine.map((x) => [x, c]));
      }
      // A copy does not share NACKs; the rewrite claims every pending entry once.
      const copy = g.copy();
      copy.ack(BigInt(want[0] ?? 0) << 64n);
      assert.equal(g.pel.size, want.length);
      const claims = [...rewriteGroups("k", new Map([["grp", g]]))].filter((a) => a[0] === "XCLAIM");
      assert.deepEqual(claims.map((a) => Number(a[5]!.split("-")[0])).sort((a, b) => a - b), want);
    }),
    { seed: 13, numRuns: 300 },
  );
});

test("delivery counts wrap as Redis' uint64 printed signed", () => {
  assert.equal(incrementCount(1), 2);
  assert.equal(incrementCount(9223372036854775807n), -9223372036854775808n);
  assert.equal(incrementCount(Number.MAX_SAFE_INTEGER), 9007199254740992n);
});

test("a blocked XREADGROUP runs again on the ready stream only, COUNT 1000 unless given, still blocking", () => {
  const argv = ["xreadgroup", "GROUP", "g", "c", "BLOCK", "0", "NOACK", "STREAMS", "s1", "s2", ">", ">"];
  assert.deepEqual(xreadgroupServeOn(argv, "s2"), ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1000", "BLOCK", "0", "NOACK", "STREAMS", "s2", ">"]);
  const counted = ["XREADGROUP", "COUNT", "5", "BLOCK", "10", "GROUP", "g", "c", "STREAMS", "s1", ">"];
  assert.deepEqual(xreadgroupServeOn(counted, "s1"), ["XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "BLOCK", "0", "STREAMS", "s1", ">"]);
});
