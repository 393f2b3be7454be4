/**
 * DUMP and RESTORE of streams against a real redis-server 7.0: for
 * streams built by the same commands on both sides (entries, XDEL'd
 * entries, trims, XSETID, groups, PELs, consumers, NOACK reads, empty
 * streams with groups), the engine's DUMP is Redis' byte for byte where
 * no clock is in it (no PEL or consumer); Redis' payload RESTOREs into the
 * engine and DUMPs back to the same bytes, the engine's RESTOREs into Redis
 * and DUMPs back to the same bytes; and every copy reads the same
 * (XRANGE, XINFO STREAM [FULL], XINFO GROUPS/CONSUMERS, XPENDING) up to
 * time. Bad stream payloads get Redis' errors.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { crc64Bytes } from "../../../src/apps/kv/rdb/crc64.js";
import { needsRedisServer } from "../../support/redis_server.js";
import { decodeAll } from "../../support/resp_reply.js";
import { compareGroups } from "./stream_group_twin.js";
import { Twin } from "./twin.js";

const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const T0 = 1700000000000;
const xadd = (k: string, id: string, ...fv: string[]) => ["XADD", k, id, ...fv];

interface Case {
  name: string;
  setup: string[][];
  /** Groups to read back (XINFO CONSUMERS, XPENDING). */
  groups?: string[];
}

const many = (n: number, f: (i: number) => string[]) => range(n, (i) => xadd("k", `${T0 + i}-${i % 3}`, ...f(i)));

const CASES: Case[] = [
  { name: "one entry", setup: [xadd("k", "1-1", "f", "v")] },
  { name: "same fields, integer values", setup: many(30, (i) => ["temp", String(i * 37 - 400), "hum", String(i * 1e9), "name", `s${i}`]) },
  { name: "mixed fields", setup: many(40, (i) => (i % 4 === 0 ? ["a", "1"] : i % 4 === 1 ? ["a", "2", "b", "3"] : i % 4 === 2 ? ["b", "x", "a", "y"] : ["a", String(-i)])) },
  { name: "cut at 100 entries", setup: many(250, (i) => ["f", String(i)]) },
  { name: "cut at 4096 bytes", setup: many(60, (i) => ["f", "x".repeat(100 + i * 7), "g", String(i)]) },
  { name: "long values", setup: [xadd("k", "1-1", "f", "y".repeat(5000)), xadd("k", "1-2", "f", "z".repeat(70000), "g", "1"), xadd("k", "2-0", "x".repeat(100), "")] },
  { name: "integer-looking strings", setup: [xadd("k", "5-5", "1", "-0", "007", "9223372036854775807", "-9223372036854775808", "9223372036854775808"), xadd("k", "6-0", "1", "-1")] },
  { name: "seq diffs below the master", setup: [xadd("k", "10-50", "f", "1"), xadd("k", "11-0", "f", "2"), xadd("k", "12-3", "f", "3")] },
  { name: "huge IDs", setup: [xadd("k", "18446744073709551614-18446744073709551615", "f", "1"), xadd("k", "18446744073709551615-0", "f", "2"), xadd("k", "18446744073709551615-18446744073709551615", "f", "3")] },
  { name: "auto IDs from 0", setup: [xadd("k", "0-1", "f", "1"), xadd("k", "0-*", "f", "2"), xadd("k", "1-*", "f", "3")] },
  {
    name: "deleted entries",
    setup: [...many(12, (i) => ["f", String(i)]), ["XDEL", "k", `${T0}-0`, `${T0 + 4}-1`, `${T0 + 11}-2`]],
  },
  {
    name: "a node emptied by XDEL",
    setup: [...many(150, (i) => ["f", String(i)]), ["XDEL", "k", ...range(100, (i) => `${T0 + i}-${i % 3}`)], ["XDEL", "k", `${T0 + 120}-0`]],
  },
  { name: "every entry deleted", setup: [xadd("k", "1-1", "f", "v"), xadd("k", "1-2", "f", "w"), ["XDEL", "k", "1-1", "1-2"]] },
  { name: "exact MAXLEN trim", setup: [...many(130, (i) => ["f", String(i)]), ["XTRIM", "k", "MAXLEN", "75"]] },
  { name: "approximate MAXLEN trim", setup: [...many(330, (i) => ["f", String(i)]), ["XTRIM", "k", "MAXLEN", "~", "150"]] },
  { name: "exact MINID trim over a whole node", setup: [...many(200, (i) => ["f", String(i)]), ["XDEL", "k", `${T0 + 150}-0`], ["XTRIM", "k", "MINID", String(T0 + 100)]] },
  { name: "XADD MAXLEN 0", setup: [xadd("k", "1-1", "f", "v"), ["XADD", "k", "MAXLEN", "0", "2-2", "f", "v"]] },
  { name: "XSETID", setup: [...many(5, (i) => ["f", String(i)]), ["XSETID", "k", "99999999999999-7", "ENTRIESADDED", "1000", "MAXDELETEDID", "5-5"]] },
  {
    name: "empty stream with groups",
    setup: [["XGROUP", "CREATE", "k", "g1", "$", "MKSTREAM"], ["XGROUP", "CREATE", "k", "123", "0"], ["XGROUP", "CREATECONSUMER", "k", "g1", "alice"]],
    groups: ["g1", "123"],
  },
  {
    name: "groups, PEL, consumers",
    setup: [
      ...many(20, (i) => ["f", String(i)]),
      ["XGROUP", "CREATE", "k", "g", "0"],
      ["XGROUP", "CREATE", "k", "later", `${T0 + 10}-1`],
      ["XGROUP", "CREATE", "k", "x".repeat(40), "$", "ENTRIESREAD", "5"],
      ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "5", "STREAMS", "k", ">"],
      ["XREADGROUP", "GROUP", "g", "bob", "COUNT", "3", "STREAMS", "k", ">"],
      ["XREADGROUP", "GROUP", "g", "carol".repeat(10), "COUNT", "2", "STREAMS", "k", ">"],
      ["XACK", "k", "g", `${T0 + 1}-1`, `${T0 + 6}-0`],
      ["XCLAIM", "k", "g", "bob", "0", `${T0 + 2}-2`, "RETRYCOUNT", "7"],
      ["XCLAIM", "k", "g", "dave", "0", `${T0 + 3}-0`, "RETRYCOUNT", "9223372036854775807", "JUSTID"],
      ["XGROUP", "CREATECONSUMER", "k", "g", "erin"],
      ["XREADGROUP", "GROUP", "later", "zed", "NOACK", "COUNT", "4", "STREAMS", "k", ">"],
      ["XREADGROUP", "GROUP", "later", "yan", "COUNT", "2", "STREAMS", "k", ">"],
      ["XDEL", "k", `${T0 + 4}-1`, `${T0 + 13}-1`],
    ],
    groups: ["g", "later", "x".repeat(40)],
  },
  {
    name: "a group with an unknown read counter",
    setup: [...many(10, (i) => ["f", String(i)]), ["XDEL", "k", `${T0 + 2}-2`], ["XGROUP", "CREATE", "k", "g", `${T0 + 5}-2`], ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "k", ">"]],
    groups: ["g"],
  },
];

/** A DUMP payload of `body` with a correct footer. */
function payload(body: number[]): string {
  const b = Buffer.from([...body, 10, 0]);
  return Buffer.concat([b, crc64Bytes(b)]).toString("latin1");
}

const bulk = (b: Buffer): string => {
  const n = decodeAll(b);
  if (n.type !== "$" || n.text === undefined) throw new Error(`not a bulk string: ${b.toString("latin1").slice(0, 200)}`);
  return n.text;
};
const hex = (s: string) => Buffer.from(s, "latin1").toString("hex").slice(0, 600);
/** The stream holds a PEL or a consumer: its DUMP has clock times in it. */
const timed = (c: Case) => c.setup.some((cmd) => /^(XREADGROUP|XCLAIM)$/i.test(cmd[0]!) || cmd[1]?.toUpperCase() === "CREATECONSUMER");

describe("stream DUMP and RESTORE as redis-server 7.0 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  test("payloads go both ways and read back the same", async () => {
    const diffs: string[] = [];
    for (const c of CASES) {
      await twin.reset();
      for (const cmd of c.setup) {
        const d = await compareGroups(twin, cmd, 2);
        if (d !== null) diffs.push(`${c.name}: ${d.slice(0, 300)}`);
      }
      const theirs = bulk(await twin.redis(["DUMP", "k"]));
      const mine = bulk(twin.ours(["DUMP", "k"], 2));
      if (!timed(c) && theirs !== mine) diffs.push(`${c.name}: DUMP differs\n  redis: ${hex(theirs)}\n  agner: ${hex(mine)}`);
      // k2 from Redis' payload, k3 from the engine's, on both sides
      for (const [key, p] of [["k2", theirs], ["k3", mine]] as const) {
        const r1 = (await twin.redis(["RESTORE", key, "0", p])).toString();
        const r2 = twin.ours(["RESTORE", key, "0", p], 2).toString();
        if (r1 !== "+OK\r\n" || r2 !== "+OK\r\n") diffs.push(`${c.name}: RESTORE ${key}: redis ${r1.trim()} agner ${r2.trim()}`);
      }
      const back = bulk(twin.ours(["DUMP", "k2"], 2));
      if (back !== theirs) diffs.push(`${c.name}: Redis' payload restored in the engine DUMPs otherwise\n  redis: ${hex(theirs)}\n  agner: ${hex(back)}`);
      const back2 = bulk(await twin.redis(["DUMP", "k3"]));
      if (back2 !== mine) diffs.push(`${c.name}: the engine's payload restored in Redis DUMPs otherwise\n  agner: ${hex(mine)}\n  redis: ${hex(back2)}`);
      for (const key of ["k", "k2", "k3"]) {
        const reads = [["XRANGE", key, "-", "+"], ["XLEN", key], ["XINFO", "STREAM", key], ["XINFO", "STREAM", key, "FULL"], ["XINFO", "GROUPS", key]];
        for (const g of c.groups ?? []) reads.push(["XINFO", "CONSUMERS", key, g], ["XPENDING", key, g], ["XPENDING", key, g, "-", "+", "100"]);
        for (const argv of reads) {
          for (const resp of [2, 3] as const) {
            const d = await compareGroups(twin, argv, resp);
            if (d !== null) diffs.push(`${c.name}: ${d.slice(0, 600)}`);
          }
        }
      }
      // the restored copies go on as the original: the same IDs, node cuts and read counters
      for (const key of ["k2", "k3"]) {
        for (const cmd of [["XADD", key, "99999999999999-*", "f", "new"], ["XADD", key, "MAXLEN", "~", "10", "99999999999999-*", "f", "1"], ["XINFO", "STREAM", key, "FULL"]]) {
          const d = await compareGroups(twin, cmd, 2);
          if (d !== null) diffs.push(`${c.name}: ${d.slice(0, 600)}`);
        }
      }
    }
    assert.deepEqual(diffs, []);
  });

  test("random entries, deletions, trims and groups DUMP to Redis' bytes", async () => {
    const value = fc.oneof(fc.constantFrom("1", "-7", "70000", "", "v", "007"), fc.integer({ min: 0, max: 700 }).map((n) => "x".repeat(n)));
    const op = fc.oneof(
      { arbitrary: fc.tuple(fc.constant("add"), fc.integer({ min: 0, max: 2 }), fc.array(fc.tuple(fc.constantFrom("a", "b", "3"), value), { minLength: 1, maxLength: 3 })), weight: 30 },
      { arbitrary: fc.tuple(fc.constant("del"), fc.nat()), weight: 3 },
      { arbitrary: fc.tuple(fc.constant("trim"), fc.constantFrom("MAXLEN", "MINID"), fc.constantFrom("=", "~"), fc.nat(300)), weight: 1 },
      fc.tuple(fc.constant("group"), fc.constantFrom("g", "h", "100"), fc.nat()),
    );
    let longest = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 500, size: "max" }), async (ops) => {
        await twin.reset();
        let ms = T0;
        let n = 0;
        const ids: string[] = [];
        const pick = (i: number) => ids[i % Math.max(1, ids.length)] ?? "0-1";
        for (const o of ops) {
          let argv: string[];
          if (o[0] === "add") {
            ms += o[1] as number;
            argv = ["XADD", "k", `${ms}-${n++}`, ...(o[2] as [string, string][]).flat()];
            ids.push(argv[2]!);
          } else if (o[0] === "del") argv = ["XDEL", "k", pick(o[1] as number)];
          else if (o[0] === "trim") argv = ["XTRIM", "k", o[1] as string, o[2] as string, o[1] === "MAXLEN" ? String(o[3]) : pick(o[3] as number)];
          else argv = ["XGROUP", "CREATE", "k", o[1] as string, pick(o[2] as number), "MKSTREAM"];
          const d = await twin.compare(argv, 2);
          assert.equal(d, null);
        }
        const theirs = await twin.redis(["DUMP", "k"]);
        longest = Math.max(longest, Number(decodeAll(await twin.redis(["XLEN", "k"])).text));
        assert.equal(twin.ours(["DUMP", "k"], 2).toString("latin1"), theirs.toString("latin1"));
      }),
      { numRuns: 40, seed: 7 },
    );
    // the runs reached streams of several nodes
    assert.ok(longest > 150, `longest stream ${longest} entries`);
  });

  test("bad stream payloads get Redis' errors", async () => {
    const key16 = [16, ...range(15, () => 0), 1];
    // a listpack of one entry "1-1 f v" (as Redis writes it)
    const lp = [0x1d, 0, 0, 0, 10, 0, 1, 1, 0, 1, 1, 1, 0x81, 0x66, 2, 0, 1, 2, 1, 0, 1, 0, 1, 0x81, 0x76, 2, 4, 1, 0xff];
    const meta = [1, 0, 1, 0, 1, 0, 0, 1];
    const cases: string[][][] = [
      [["RESTORE", "k", "0", payload([19, 1, ...key16, lp.length, ...lp, ...meta, 0])], ["XRANGE", "k", "-", "+"], ["XINFO", "STREAM", "k"]],
      // the node key not 16 bytes, the listpack's size wrong, the listpack empty, truncated
      [["RESTORE", "k", "0", payload([19, 1, 15, ...range(15, () => 0), lp.length, ...lp, ...meta, 0])],
        ["RESTORE", "k", "0", payload([19, 1, ...key16, lp.length, 0x1e, ...lp.slice(1), ...meta, 0])],
        ["RESTORE", "k", "0", payload([19, 1, ...key16, 7, 7, 0, 0, 0, 0, 0, 0xff, ...meta, 0])],
        ["RESTORE", "k", "0", payload([19, 1])], ["RESTORE", "k", "0", payload([19])], ["EXISTS", "k"]],
      // a length with no nodes
      [["RESTORE", "k", "0", payload([19, 0, 3, 0, 1, 0, 0, 0, 0, 0, 0])], ["EXISTS", "k"]],
      // an empty stream, then groups: duplicated, a consumer's entry not in the group's PEL, a PEL entry twice
      [["RESTORE", "k", "0", payload([19, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0])], ["XINFO", "STREAM", "k", "FULL"],
        ["RESTORE", "k2", "0", payload([19, 0, 0, 0, 5, 0, 0, 0, 0, 0, 2, 1, 0x67, 0, 0, 0, 0, 0, 1, 0x67, 0, 0, 0, 0, 0])],
        ["RESTORE", "k3", "0", payload([19, 0, 0, 0, 5, 0, 0, 0, 0, 0, 1, 1, 0x67, 0, 0, 0, 0, 1, 1, 0x63, ...range(8, () => 0), 1, ...range(16, () => 1)])],
        ["RESTORE", "k4", "0", payload([19, 0, 0, 0, 5, 0, 0, 0, 0, 0, 1, 1, 0x67, 0, 0, 0, 2, ...range(16, () => 1), ...range(8, () => 0), 1, ...range(16, () => 1), ...range(8, () => 0), 1, 0])],
        ["RESTORE", "k5", "0", payload([19, 0, 0, 0, 5, 0, 0, 0, 0, 0, 1, 1, 0x67, 0, 0, 0, 0, 0]), "REPLACE"], ["XINFO", "GROUPS", "k5"], ["EXISTS", "k2", "k3", "k4"]],
    ];
    const diffs: string[] = [];
    for (const c of cases) {
      for (const resp of [2, 3] as const) {
        await twin.reset();
        for (const cmd of c) {
          const d = await twin.compare(cmd, resp);
          if (d !== null) diffs.push(d);
        }
      }
    }
    assert.deepEqual(diffs, []);
  });
});
