/**
 * The set value (set_value.ts) against a model (a JS Set), and the set
 * commands' effects that need no Redis: OBJECT ENCODING's answer as Redis
 * 7.0 would give it, SSCAN's guarantee under writes, SPOP's propagation and
 * the AOF rewrite replaying to the same sets, TYPE and COPY through the
 * value type.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Keyspace } from "../../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand, rewrite } from "../../../../src/apps/kv/commands/engine.js";
import { SetValue } from "../../../../src/apps/kv/commands/set_value.js";
import { typeName, valueType } from "../../../../src/apps/kv/commands/value_types.js";
import { ErrorReply, type Reply, SetReply } from "../../../../src/apps/kv/resp/reply.js";

function setup() {
  const ks = new Keyspace();
  const log: string[][] = [];
  const ctx = new Context(ks.db(0), Date.now(), (argv) => log.push([...argv]));
  const run = (...argv: string[]): Reply => {
    const cmd = checkCommand(argv);
    if (cmd instanceof ErrorReply) return cmd;
    return execCommand(ctx, cmd, argv);
  };
  return { ks, log, run };
}

const members = (ks: Keyspace, key: string): string[] => {
  const v = ks.db(0).data.get(key);
  return v instanceof SetValue ? [...v].sort() : [];
};

test("SetValue behaves as a Set under random adds, deletes and pops", () => {
  const op = fc.oneof(
    fc.tuple(fc.constant("add"), fc.integer({ min: 0, max: 40 }).map(String)),
    fc.tuple(fc.constant("delete"), fc.integer({ min: 0, max: 40 }).map(String)),
    fc.tuple(fc.constant("pop"), fc.constant("")),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const s = new SetValue();
      const model = new Set<string>();
      for (const [o, m] of ops) {
        if (o === "add") assert.equal(s.add(m), !model.has(m) && (model.add(m), true));
        else if (o === "delete") assert.equal(s.delete(m), model.delete(m));
        else {
          const p = s.pop();
          if (p === undefined) assert.equal(model.size, 0);
          else assert.ok(model.delete(p));
        }
        assert.equal(s.size, model.size);
      }
      assert.deepEqual([...s].sort(), [...model].sort());
      for (const m of model) assert.ok(s.has(m));
    }),
    { seed: 7, numRuns: 300 },
  );
});

test("the encoding is intset while all members are integers and at most 512, then hashtable for good", () => {
  const s = new SetValue();
  for (let i = 0; i < 512; i++) s.add(String(i - 100));
  assert.equal(valueType(s).encoding(s), "intset");
  s.add("-9223372036854775808");
  assert.equal(valueType(s).encoding(s), "hashtable", "513 members");
  s.delete("-9223372036854775808");
  assert.equal(valueType(s).encoding(s), "hashtable", "never converted back");
  for (const m of ["007", "-0", "+1", " 1", "9223372036854775808", "1.0", "a", ""]) {
    const t = new SetValue();
    t.add("1");
    t.add(m);
    assert.equal(valueType(t).encoding(t), "hashtable", JSON.stringify(m));
  }
  const u = new SetValue();
  u.add("9223372036854775807");
  u.add("-5");
  assert.equal(valueType(u).encoding(u), "intset");
  assert.deepEqual(u.members(), ["-5", "9223372036854775807"], "an intset lists its members in order, as Redis");
  assert.equal(typeName(u), "set");
});

test("SPOP of most members re-encodes what remains, as Redis rebuilds it", () => {
  const { ks, run } = setup();
  run("SADD", "s", "a", ...Array.from({ length: 20 }, (_, i) => String(i)));
  const s = ks.db(0).data.get("s") as SetValue;
  assert.equal(valueType(s).encoding(s), "hashtable");
  // Keep popping most of it until only integers remain: the rebuilt set is an intset again.
  for (;;) {
    run("SPOP", "s", String(s.size - 1));
    if (s.size === 1 && s.has("a")) {
      assert.equal(valueType(s).encoding(s), "hashtable");
      run("SADD", "s", ...Array.from({ length: 20 }, (_, i) => String(i)));
      continue;
    }
    assert.equal(valueType(s).encoding(s), "intset");
    break;
  }
  // A few pops leave the encoding alone.
  run("SADD", "t", "a", ...Array.from({ length: 20 }, (_, i) => String(i)));
  run("SREM", "t", "a");
  run("SPOP", "t", "2");
  const t = ks.db(0).data.get("t") as SetValue;
  assert.equal(valueType(t).encoding(t), "hashtable");
});

test("SSCAN returns every member present for the whole scan, whatever is written meanwhile", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 300 })), { maxLength: 400 }), fc.integer({ min: 1, max: 20 }), (writes, count) => {
      const { run } = setup();
      run("SADD", "s", ...Array.from({ length: 200 }, (_, i) => `m${i}`));
      const initial = new Set(Array.from({ length: 200 }, (_, i) => `m${i}`));
      const removed = new Set<string>();
      const seen = new Set<string>();
      let cursor = "0";
      let w = 0;
      do {
        const r = run("SSCAN", "s", cursor, "COUNT", String(count)) as [string, string[]];
        cursor = r[0];
        for (const m of r[1]) seen.add(m);
        // a few writes between steps
        for (let k = 0; k < 3 && w < writes.length; k++, w++) {
          const [add, i] = writes[w]!;
          if (add) run("SADD", "s", `m${i}`);
          else {
            run("SREM", "s", `m${i}`);
            removed.add(`m${i}`);
          }
        }
      } while (cursor !== "0");
      for (const m of initial) if (!removed.has(m)) assert.ok(seen.has(m), m);
    }),
    { seed: 11, numRuns: 200 },
  );
});

test("replaying what the set commands propagated rebuilds the same sets, and so does the AOF rewrite", () => {
  const cmd = fc.oneof(
    fc.tuple(fc.constantFrom("SADD", "SREM"), fc.constantFrom("a", "b"), fc.array(fc.integer({ min: 0, max: 30 }).map(String), { minLength: 1, maxLength: 5 }))
      .map(([c, k, m]) => [c, k, ...m]),
    fc.tuple(fc.constantFrom("a", "b"), fc.constantFrom("1", "2", "5", "100")).map(([k, c]) => ["SPOP", k, c]),
    fc.constantFrom("a", "b").map((k) => ["SPOP", k]),
    fc.tuple(fc.constantFrom("a", "b"), fc.constantFrom("a", "b", "c"), fc.integer({ min: 0, max: 30 }).map(String)).map(([s, d, m]) => ["SMOVE", s, d, m]),
    fc.constantFrom(["SINTERSTORE", "c", "a", "b"], ["SUNIONSTORE", "c", "a", "b"], ["SDIFFSTORE", "c", "a", "b"], ["SUNIONSTORE", "a", "a", "c"]),
  );
  fc.assert(
    fc.property(fc.array(cmd, { maxLength: 60 }), (cmds) => {
      const src = setup();
      for (const argv of cmds) src.run(...argv);
      for (const argv of src.log) assert.ok(argv[0] !== "SPOP", "SPOP is never replayed as itself");
      const replay = setup();
      for (const argv of src.log) replay.run(...argv);
      const rebuilt = setup();
      for (const argv of rewrite(src.ks.db(0), Date.now())) {
        assert.ok(argv.length <= 66, "at most 64 members per SADD");
        rebuilt.run(...argv);
      }
      for (const k of ["a", "b", "c"]) {
        assert.deepEqual(members(replay.ks, k), members(src.ks, k), `replayed ${k}`);
        assert.deepEqual(members(rebuilt.ks, k), members(src.ks, k), `rewritten ${k}`);
      }
    }),
    { seed: 5, numRuns: 300 },
  );
});

test("SPOP is propagated as one SREM per member, or DEL when it takes the whole set", () => {
  const { run, log } = setup();
  run("SADD", "s", "a", "b", "c", "d");
  log.length = 0;
  const one = run("SPOP", "s") as string;
  assert.deepEqual(log, [["SREM", "s", one]]);
  log.length = 0;
  const two = (run("SPOP", "s", "2") as SetReply).items as string[];
  assert.deepEqual(log, two.map((m) => ["SREM", "s", m]));
  log.length = 0;
  run("SPOP", "s", "5");
  assert.deepEqual(log, [["DEL", "s"]]);
});

test("COPY's copy of a set is independent and keeps the encoding", () => {
  const s = new SetValue();
  s.add("1");
  s.add("2");
  const c = valueType(s).copy(s) as SetValue;
  c.add("x");
  assert.equal(s.size, 2);
  assert.equal(valueType(s).encoding(s), "intset");
  assert.equal(valueType(c).encoding(c), "hashtable");
});

test("SRANDMEMBER with a positive count gives distinct members, with a negative one possibly repeated", () => {
  const { run } = setup();
  run("SADD", "s", ...Array.from({ length: 100 }, (_, i) => `m${i}`));
  for (const n of [1, 10, 33, 34, 99]) {
    const r = run("SRANDMEMBER", "s", String(n)) as string[];
    assert.equal(r.length, n);
    assert.equal(new Set(r).size, n);
  }
  const neg = run("SRANDMEMBER", "s", "-1000") as string[];
  assert.equal(neg.length, 1000);
  assert.ok(new Set(neg).size < 1000);
  // every member comes up over many picks (with 50 draws of 20, one of 100 was missed 1 run in ~700; 200 draws: ~1e-17)
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) for (const m of run("SRANDMEMBER", "s", "20") as string[]) seen.add(m);
  assert.equal(seen.size, 100);
});
