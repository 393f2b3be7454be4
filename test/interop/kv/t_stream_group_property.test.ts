/**
 * Property test of the consumer group commands against a real
 * redis-server: random sequences over two streams and a string (wrong
 * type), explicit entry IDs from a small pool (so XADD, XDEL and XTRIM
 * leave tombstones the read counters and lag must see), groups, consumers,
 * reads with and without NOACK, history reads, acks, claims, autoclaims
 * and every XINFO form, RESP2 and RESP3. Idle and delivery times compare
 * up to the clock (stream_group_twin.ts); idle thresholds are far from the
 * times the commands set (0, or 100 s against IDLE 200 s), so no case
 * depends on the moment it runs. Fixed seed; AGNER_PROPERTY_RUNS raises
 * the count.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { needsRedisServer } from "../../support/redis_server.js";
import { compareGroups } from "./stream_group_twin.js";
import { Twin } from "./twin.js";

const key = fc.constantFrom("s", "s", "s", "s", "s", "s", "t", "t", "str", "nokey");
const group = fc.constantFrom("g", "g", "g", "g", "g", "h", "nog");
const consumer = fc.constantFrom("a", "b", "c");
const id = fc.constantFrom("1-1", "1-2", "2-0", "3-5", "4", "5-1", "6-0", "7-7", "8-0", "9-9", "0-1");
const ids = fc.array(id, { minLength: 1, maxLength: 4 });
/** IDs likely pending: the first entries added. */
const ackIds = fc.array(fc.constantFrom("1-1", "1-1", "1-2", "2-0", "3-5", "4", "9-9"), { minLength: 1, maxLength: 3 });
const addId = fc.oneof(id, fc.constantFrom("5-*", "10-*", "2-*"));
const readId = fc.constantFrom(">", ">", ">", ">", ">", "0", "0", "0-0", "3-5", "(1-1", "x", "$");
const rangeId = fc.constantFrom("-", "+", "0", "3", "5-1", "(2-0", "(9-9");
const count = fc.constantFrom("0", "1", "2", "3", "10", "-1", "x");
const minIdle = fc.constantFrom("0", "0", "100000", "-1");
const claimOpt = fc.constantFrom<string[]>(
  [], [], ["JUSTID"], ["FORCE"], ["IDLE", "200000"], ["IDLE", "0"], ["TIME", "1000"], ["RETRYCOUNT", "5"],
  ["LASTID", "6-0"], ["FORCE", "JUSTID"], ["IDLE", "200000", "RETRYCOUNT", "2"], ["FOO"],
);
const createId = fc.constantFrom("0", "$", "3-5", "9-9", "x");

const command: fc.Arbitrary<string[]> = fc.oneof(
  { arbitrary: fc.tuple(key, addId).map(([k, i]) => ["XADD", k, i, "f", "v"]), weight: 8 },
  { arbitrary: fc.tuple(key, ids).map(([k, i]) => ["XDEL", k, ...i]), weight: 2 },
  fc.tuple(key, fc.constantFrom("0", "1", "2", "4")).map(([k, n]) => ["XTRIM", k, "MAXLEN", n]),
  fc.tuple(key, group, createId, fc.constantFrom<string[]>([], [], ["MKSTREAM"], ["ENTRIESREAD", "2"], ["ENTRIESREAD", "-1"]))
    .map(([k, g, i, o]) => ["XGROUP", "CREATE", k, g, i, ...o]),
  fc.tuple(key, group, createId, fc.constantFrom<string[]>([], ["ENTRIESREAD", "1"])).map(([k, g, i, o]) => ["XGROUP", "SETID", k, g, i, ...o]),
  fc.tuple(key, group).map(([k, g]) => ["XGROUP", "DESTROY", k, g]),
  fc.tuple(key, group, consumer).map(([k, g, c]) => ["XGROUP", "CREATECONSUMER", k, g, c]),
  fc.tuple(key, group, consumer).map(([k, g, c]) => ["XGROUP", "DELCONSUMER", k, g, c]),
  {
    arbitrary: fc
      .tuple(group, consumer, fc.constantFrom<string[]>([], [], ["COUNT", "1"], ["COUNT", "2"], ["NOACK"], ["COUNT", "1", "NOACK"]), key, readId)
      .map(([g, c, o, k, i]) => ["XREADGROUP", "GROUP", g, c, ...o, "STREAMS", k, i]),
    weight: 6,
  },
  fc.tuple(group, consumer, readId, readId).map(([g, c, i, j]) => ["XREADGROUP", "GROUP", g, c, "STREAMS", "s", "t", i, j]),
  { arbitrary: fc.tuple(key, group, ackIds).map(([k, g, i]) => ["XACK", k, g, ...i]), weight: 3 },
  fc.tuple(key, group).map(([k, g]) => ["XPENDING", k, g]),
  fc
    .tuple(key, group, fc.constantFrom<string[]>([], [], ["IDLE", "100000"], ["IDLE", "0"]), rangeId, rangeId, count, fc.constantFrom<string[]>([], ["a"], ["b"]))
    .map(([k, g, idle, s, e, n, c]) => ["XPENDING", k, g, ...idle, s, e, n, ...c]),
  {
    arbitrary: fc.tuple(key, group, consumer, minIdle, ackIds, claimOpt).map(([k, g, c, m, i, o]) => ["XCLAIM", k, g, c, m, ...i, ...o]),
    weight: 3,
  },
  fc
    .tuple(key, group, consumer, minIdle, rangeId, fc.constantFrom<string[]>([], ["COUNT", "1"], ["COUNT", "2"], ["JUSTID"], ["COUNT", "0"]))
    .map(([k, g, c, m, s, o]) => ["XAUTOCLAIM", k, g, c, m, s, ...o]),
  fc.tuple(key, fc.constantFrom<string[]>([], ["FULL"], ["FULL", "COUNT", "1"], ["FULL", "COUNT", "0"])).map(([k, o]) => ["XINFO", "STREAM", k, ...o]),
  key.map((k) => ["XINFO", "GROUPS", k]),
  fc.tuple(key, group).map(([k, g]) => ["XINFO", "CONSUMERS", k, g]),
  fc.tuple(key, fc.constantFrom("9-9", "20-0"), fc.constantFrom<string[]>([], ["ENTRIESADDED", "40"], ["MAXDELETEDID", "8-0"])).map(([k, i, o]) => ["XSETID", k, i, ...o]),
  fc.constantFrom("t", "str", "nokey", "s").map((k) => ["DEL", k]),
  fc.constant<string[]>(["SET", "str", "v"]),
);

const runs = Number(process.env.AGNER_PROPERTY_RUNS ?? 300);

describe("random consumer group command sequences answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const resp of [2, 3] as const) {
    test(`RESP${resp}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 10, maxLength: 40, size: "medium" }), async (cmds) => {
          await twin.reset();
          // Every sequence starts with two streams and a group on each, so the group commands have something to act on.
          for (const argv of [["XADD", "s", "1-1", "a", "1"], ["XGROUP", "CREATE", "s", "g", "0"], ["XADD", "t", "1-1", "b", "2"], ["XGROUP", "CREATE", "t", "g", "0"]]) {
            const d = await compareGroups(twin, argv, resp);
            assert.equal(d, null);
          }
          for (const argv of cmds) {
            const d = await compareGroups(twin, argv, resp);
            assert.equal(d, null, `after ${cmds.slice(0, cmds.indexOf(argv)).map((a) => a.join(" ")).join(" | ")}`);
          }
          for (const argv of [["XINFO", "STREAM", "s", "FULL"], ["XINFO", "STREAM", "t", "FULL"]]) {
            assert.equal(await compareGroups(twin, argv, resp), null, cmds.map((a) => a.join(" ")).join(" | "));
          }
          assert.equal(await twin.compareStats(), null);
        }),
        { seed: 20261206 + resp, numRuns: runs },
      );
    });
  }
});
