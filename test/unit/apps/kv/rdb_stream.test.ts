/**
 * Streams through DUMP and RESTORE in the engine: after random command
 * sequences (XADD with fields shared or not, long and integer-looking
 * values, XDEL, exact and approximate trims, XSETID, groups, reads with and
 * without NOACK, XACK, XCLAIM), a DUMP RESTOREs to a copy that DUMPs to
 * the same bytes, reads the same (XINFO STREAM FULL, XRANGE) and goes on
 * as the original (later XADDs cut nodes alike). The older
 * RDB_TYPE_STREAM_LISTPACKS reads, and stream-specific corruptions (that a
 * listpack check alone would pass) are refused.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Keyspace } from "../../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand } from "../../../../src/apps/kv/commands/engine.js";
import { ListpackWriter } from "../../../../src/apps/kv/rdb/listpack.js";
import { RdbError } from "../../../../src/apps/kv/rdb/rdb_lengths.js";
import { restorePayload } from "../../../../src/apps/kv/rdb/rdb_value.js";
import { StreamValue } from "../../../../src/apps/kv/commands/stream_value.js";
import { crc64Bytes } from "../../../../src/apps/kv/rdb/crc64.js";
import { ErrorReply, type Reply } from "../../../../src/apps/kv/resp/reply.js";
import { RespWriter } from "../../../../src/apps/kv/resp/resp_writer.js";

function setup() {
  const ks = new Keyspace();
  const ctx = new Context(ks.db(0), 1_700_000_000_000, () => {});
  const w = new RespWriter(3);
  const run = (...argv: string[]): Reply => {
    const cmd = checkCommand(argv);
    return cmd instanceof ErrorReply ? cmd : execCommand(ctx, cmd, argv);
  };
  const bytes = (...argv: string[]): string => {
    w.write(run(...argv));
    return w.take().toString("latin1");
  };
  return { ctx, run, bytes };
}

const value = fc.oneof(
  fc.constantFrom("1", "-7", "300", "9223372036854775807", "-0", "007", "", "v"),
  fc.integer({ min: 0, max: 600 }).map((n) => "x".repeat(n)),
);
const field = fc.constantFrom("a", "b", "c", "12");
const op = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("add" as const), ms: fc.integer({ min: 0, max: 3 }), fv: fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 }) }), weight: 8 },
  { arbitrary: fc.record({ op: fc.constant("del" as const), at: fc.nat() }), weight: 2 },
  fc.record({ op: fc.constant("trim" as const), by: fc.constantFrom("MAXLEN", "MINID"), approx: fc.boolean(), n: fc.nat(300) }),
  fc.record({ op: fc.constant("group" as const), g: fc.constantFrom("g1", "g2", "7"), at: fc.nat() }),
  { arbitrary: fc.record({ op: fc.constant("read" as const), g: fc.constantFrom("g1", "g2", "7"), c: fc.constantFrom("alice", "bob", "c".repeat(30)), noack: fc.boolean(), n: fc.integer({ min: 1, max: 20 }) }), weight: 3 },
  fc.record({ op: fc.constant("ack" as const), g: fc.constantFrom("g1", "g2"), at: fc.nat() }),
  fc.record({ op: fc.constant("claim" as const), g: fc.constantFrom("g1", "g2"), c: fc.constantFrom("alice", "dave"), at: fc.nat(), force: fc.boolean() }),
  fc.record({ op: fc.constant("setid" as const), added: fc.nat(5000) }),
);

test("random streams DUMP, RESTORE and DUMP to the same bytes, and read and grow the same", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const { run, bytes } = setup();
      run("XGROUP", "CREATE", "k", "g0", "$", "MKSTREAM");
      let ms = 1_700_000_000_000;
      const ids: string[] = [];
      const pick = (at: number) => ids[at % Math.max(1, ids.length)] ?? "0-1";
      for (const o of ops) {
        switch (o.op) {
          case "add": {
            ms += o.ms;
            const r = run("XADD", "k", `${ms}-*`, ...o.fv.flat());
            if (typeof r === "string") ids.push(r);
            break;
          }
          case "del":
            run("XDEL", "k", pick(o.at));
            break;
          case "trim": {
            const t = o.by === "MAXLEN" ? String(o.n) : pick(o.n);
            run("XTRIM", "k", o.by, o.approx ? "~" : "=", t);
            break;
          }
          case "group":
            run("XGROUP", "CREATE", "k", o.g, pick(o.at));
            break;
          case "read":
            run("XREADGROUP", "GROUP", o.g, o.c, "COUNT", String(o.n), ...(o.noack ? ["NOACK"] : []), "STREAMS", "k", ">");
            break;
          case "ack":
            run("XACK", "k", o.g, pick(o.at));
            break;
          case "claim":
            run("XCLAIM", "k", o.g, o.c, "0", pick(o.at), ...(o.force ? ["FORCE"] : []));
            break;
          case "setid":
            run("XSETID", "k", `${ms}-9999`, "ENTRIESADDED", String(ids.length + o.added), "MAXDELETEDID", "0-1");
            break;
        }
      }
      const p = run("DUMP", "k") as string;
      assert.equal(typeof p, "string");
      assert.equal(run("RESTORE", "k2", "0", p), run("RESTORE", "k3", "0", p));
      assert.equal(run("DUMP", "k2"), p);
      assert.equal(bytes("XINFO", "STREAM", "k2", "FULL"), bytes("XINFO", "STREAM", "k", "FULL"));
      assert.equal(bytes("XRANGE", "k2", "-", "+"), bytes("XRANGE", "k", "-", "+"));
      for (let i = 0; i < 120; i++) {
        const fv = i % 5 === 0 ? ["a", "y".repeat(i * 3)] : ["b", String(i)];
        assert.equal(bytes("XADD", "k", `${ms + 1}-${i}`, ...fv), bytes("XADD", "k2", `${ms + 1}-${i}`, ...fv));
      }
      assert.equal(run("DUMP", "k2"), run("DUMP", "k"));
      assert.equal(bytes("XINFO", "STREAM", "k2"), bytes("XINFO", "STREAM", "k"));
    }),
    { numRuns: 150, seed: 13 },
  );
});

/** A payload of `body` with a version 10 footer. */
function payload(body: Buffer): Buffer {
  const b = Buffer.concat([body, Buffer.from([10, 0])]);
  return Buffer.concat([b, crc64Bytes(b)]);
}

/** The body of a stream of one node at 5-0 holding `entries` (flags, ms diff, seq diff, values of field "f"). */
function oneNode(type: number, live: number, deleted: number, entries: number[][], tail: number[]): Buffer {
  const lp = new ListpackWriter();
  for (const x of [live, deleted, 1]) lp.addInt(x);
  lp.add("f");
  lp.addInt(0);
  for (const e of entries) for (const x of e) lp.addInt(x);
  const list = lp.finish();
  const key = Buffer.alloc(16);
  key[7] = 5;
  return Buffer.concat([Buffer.from([type, 1, 16]), key, Buffer.from([list.length]), list, Buffer.from(tail)]);
}

test("RDB_TYPE_STREAM_LISTPACKS (Redis 5 and 6) reads, counters derived as Redis does", () => {
  // entries 5-0 and 5-2 (values 1 and 2); length 2, last 5-2; a group at 5-0 with no PEL
  const body = oneNode(15, 2, 0, [[2, 0, 0, 1, 4], [2, 0, 2, 2, 4]], [2, 5, 2, 1, 1, 0x67, 5, 0, 0, 0]);
  const s = restorePayload(payload(body)) as StreamValue;
  assert.ok(s instanceof StreamValue);
  assert.equal(s.length, 2);
  assert.equal(s.entriesAdded, 2n);
  assert.equal(s.groups!.get("g")!.entriesRead, 1n);
  assert.deepEqual([...s.entries()].map((e) => e.fields), [["f", "1"], ["f", "2"]]);
});

test("stream payloads whose listpacks are well formed but whose content is not are refused", () => {
  const ok = [2, 5, 2, 5, 0, 0, 0, 2, 0];
  const bad: [string, Buffer][] = [
    ["valid", oneNode(19, 2, 0, [[2, 0, 0, 1, 4], [2, 0, 2, 2, 4]], ok)],
    ["lp-count wrong", oneNode(19, 2, 0, [[2, 0, 0, 1, 5], [2, 0, 2, 2, 4]], ok)],
    ["entries out of order", oneNode(19, 2, 0, [[2, 0, 2, 1, 4], [2, 0, 0, 2, 4]], ok)],
    ["an entry below the master ID", oneNode(19, 2, 0, [[2, -1, 0, 1, 4], [2, 0, 2, 2, 4]], ok)],
    ["live count not the entries' ", oneNode(19, 1, 1, [[2, 0, 0, 1, 4], [2, 0, 2, 2, 4]], ok)],
    ["fewer entries than counted", oneNode(19, 3, 0, [[2, 0, 0, 1, 4], [2, 0, 2, 2, 4]], ok)],
    ["elements left over", oneNode(19, 1, 0, [[2, 0, 0, 1, 4], [2, 0, 2, 2, 4]], ok)],
    ["length not the entries'", oneNode(19, 2, 0, [[2, 0, 0, 1, 4], [2, 0, 2, 2, 4]], [3, 5, 2, 5, 0, 0, 0, 2, 0])],
    ["last ID below the last entry", oneNode(19, 2, 0, [[2, 0, 0, 1, 4], [2, 0, 2, 2, 4]], [2, 5, 1, 5, 0, 0, 0, 2, 0])],
    // a group whose PEL entry 0-1 no consumer owns
    ["a pending entry without a consumer", oneNode(19, 2, 0, [[2, 0, 0, 1, 4], [2, 0, 2, 2, 4]],
      [2, 5, 2, 5, 0, 0, 0, 2, 1, 1, 0x67, 0, 0, 0, 1, ...Buffer.alloc(15), 1, ...Buffer.alloc(8), 1, 0])],
  ];
  for (const [name, body] of bad) {
    const p = payload(body);
    if (name === "valid") {
      assert.equal((restorePayload(p) as StreamValue).length, 2);
      continue;
    }
    assert.throws(() => restorePayload(p), (e) => e instanceof RdbError && !/count larger|end of RDB/.test(e.message), name);
  }
});
