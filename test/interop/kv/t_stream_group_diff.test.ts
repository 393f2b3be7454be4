/**
 * The consumer group commands (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM,
 * XAUTOCLAIM, XINFO) against a real redis-server, RESP2 and RESP3: every
 * option, errors and their order, wrong types, missing keys and groups,
 * read counters and lag after deletions, byte for byte up to the idle and
 * delivery times Redis' clock leaks (stream_group_twin.ts). Then the AOF:
 * what the engine propagated, replayed on an empty keyspace, recreates the
 * groups, PELs, delivery times and counts (as Redis' XCLAIM propagation
 * does).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Keyspace } from "../../../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand } from "../../../src/apps/kv/commands/engine.js";
import { ErrorReply } from "../../../src/apps/kv/resp/reply.js";
import { RespWriter } from "../../../src/apps/kv/resp/resp_writer.js";
import { needsRedisServer } from "../../support/redis_server.js";
import { compareGroups } from "./stream_group_twin.js";
import { Twin } from "./twin.js";
import { expand, words } from "./twin_cases.js";

const MAX = "9223372036854775807";
const MIN = "-9223372036854775808";
const S3 = "XADD s 1-1 a 1 | XADD s 2-1 b 2 | XADD s 3-1 c 3";
const G = `${S3} | XGROUP CREATE s g 0`;
/** Three entries delivered to alice, two to bob. */
const READ = `${G} | XREADGROUP GROUP g alice COUNT 3 STREAMS s > | XADD s 4-1 d 4 | XADD s 5-1 e 5 | XREADGROUP GROUP g bob STREAMS s >`;

export const CASES: Record<string, string[]> = {
  xgroup_create: [
    `XGROUP CREATE s g $ | XGROUP CREATE s g $ MKSTREAM | TYPE s | XLEN s | XINFO GROUPS s | XGROUP CREATE s g $ MKSTREAM | XGROUP CREATE s g2 0`,
    `${S3} | XGROUP CREATE s g 0 | XGROUP CREATE s g2 $ | XGROUP CREATE s g3 2 | XGROUP CREATE s g4 2-1 | XINFO GROUPS s | XINFO STREAM s`,
    `${S3} | XGROUP CREATE s g x | XGROUP CREATE s g - | XGROUP CREATE s g + | XGROUP CREATE s g 1-x | XGROUP CREATE s g {empty} | XGROUP CREATE s g 18446744073709551616`,
    `${S3} | XGROUP CREATE s g 0 ENTRIESREAD 2 | XGROUP CREATE s h 0 ENTRIESREAD -1 | XGROUP CREATE s i 0 ENTRIESREAD -2 | XGROUP CREATE s j 0 ENTRIESREAD x | XGROUP CREATE s k 0 ENTRIESREAD ${MAX} | XINFO GROUPS s`,
    `${S3} | XGROUP CREATE s g 0 ENTRIESREAD | XGROUP CREATE s g 0 FOO | XGROUP CREATE s g 0 MKSTREAM MKSTREAM MKSTREAM MKSTREAM | XGROUP CREATE s g 0 MKSTREAM MKSTREAM MKSTREAM | XINFO GROUPS s`,
    `XGROUP CREATE nokey g $ ENTRIESREAD 5 | XGROUP CREATE nokey g x MKSTREAM | EXISTS nokey | XGROUP CREATE nokey g 5-5 MKSTREAM ENTRIESREAD 3 | XINFO GROUPS nokey | XINFO STREAM nokey`,
    `SET str v | XGROUP CREATE str g $ | XGROUP CREATE str g $ MKSTREAM | XGROUP CREATE str g $ FOO | XGROUP CREATE | XGROUP CREATE s | XGROUP CREATE s g`,
    `${S3} | XGROUP create s g 0 mkstream entriesread 1 | xgroup CrEaTe s G 0 | XINFO GROUPS s | XGROUP CREATE s {NUL} 0 | XGROUP CREATE s {NUL} 0 | XINFO GROUPS s`,
  ],
  xgroup_setid: [
    `${G} | XGROUP SETID s g 2-1 | XINFO GROUPS s | XGROUP SETID s g $ | XINFO GROUPS s | XGROUP SETID s g 0 ENTRIESREAD 0 | XINFO GROUPS s`,
    `${G} | XGROUP SETID s g - | XINFO GROUPS s | XGROUP SETID s g + | XINFO GROUPS s | XGROUP SETID s g x | XGROUP SETID s g 5 ENTRIESREAD 1 | XINFO GROUPS s`,
    `${G} | XGROUP SETID s nog 0 | XGROUP SETID nokey g 0 | XGROUP SETID s g 0 ENTRIESREAD -2 | XGROUP SETID s g 0 ENTRIESREAD | XGROUP SETID s g 0 MKSTREAM | XGROUP SETID s g 0 ENTRIESREAD 1 ENTRIESREAD 2`,
    `SET str v | XGROUP SETID str g 0 | ${G} | XGROUP SETID s g 0 ENTRIESREAD x | XGROUP SETID s nog 0 ENTRIESREAD x`,
  ],
  xgroup_destroy_consumers: [
    `${READ} | XGROUP DESTROY s g | XGROUP DESTROY s g | XINFO GROUPS s | XGROUP DESTROY nokey g | XGROUP DESTROY s`,
    `${G} | XGROUP CREATECONSUMER s g alice | XGROUP CREATECONSUMER s g alice | XGROUP CREATECONSUMER s g bob | XINFO CONSUMERS s g | XGROUP CREATECONSUMER s nog x | XGROUP CREATECONSUMER nokey g x`,
    `${READ} | XGROUP DELCONSUMER s g alice | XGROUP DELCONSUMER s g alice | XPENDING s g | XINFO CONSUMERS s g | XGROUP DELCONSUMER s nog x | XGROUP DELCONSUMER s g bob | XPENDING s g`,
    `SET str v | XGROUP DESTROY str g | XGROUP CREATECONSUMER str g c | XGROUP DELCONSUMER str g c | XGROUP HELP | XGROUP help | XGROUP HELP x | XGROUP FOO | XGROUP FOO s g | XGROUP`,
    `${G} | XGROUP DESTROY s g x | XGROUP CREATECONSUMER s g a b | XGROUP DELCONSUMER s g | XGROUP SETID s g | XGROUP SETID s g 0 ENTRIESREAD 1 x`,
  ],
  xreadgroup: [
    `${G} | XREADGROUP GROUP g alice STREAMS s > | XREADGROUP GROUP g alice STREAMS s > | XREADGROUP GROUP g alice STREAMS s 0 | XREADGROUP GROUP g bob STREAMS s 0 | XPENDING s g`,
    `${G} | XREADGROUP GROUP g alice COUNT 1 STREAMS s > | XREADGROUP GROUP g alice COUNT 1 STREAMS s > | XREADGROUP GROUP g alice COUNT 0 STREAMS s 0 | XREADGROUP GROUP g alice COUNT -5 STREAMS s 1-1 | XPENDING s g - + 10`,
    `${G} | XREADGROUP GROUP g alice NOACK STREAMS s > | XPENDING s g | XINFO GROUPS s | XINFO CONSUMERS s g | XREADGROUP GROUP g alice STREAMS s 0`,
    `${G} | XREADGROUP GROUP g alice STREAMS s > | XDEL s 2-1 | XREADGROUP GROUP g alice STREAMS s 0 | XREADGROUP GROUP g alice STREAMS s 2-1 | XREADGROUP GROUP g alice STREAMS s 2 | XPENDING s g - + 10`,
    `${G} | XADD t 1-1 x 1 | XGROUP CREATE t g $ | XREADGROUP GROUP g c STREAMS s t > > | XADD t 2-1 y 2 | XREADGROUP GROUP g c COUNT 1 STREAMS s t > > | XREADGROUP GROUP g c STREAMS t s 0 0`,
    `${G} | XREADGROUP GROUP g c STREAMS s $ | XREADGROUP GROUP g c STREAMS s x | XREADGROUP GROUP g c STREAMS s - | XREADGROUP GROUP g c STREAMS s + | XREADGROUP GROUP g c STREAMS s 18446744073709551615-18446744073709551615`,
    `${G} | XREADGROUP GROUP nog c STREAMS s > | XREADGROUP GROUP g c STREAMS nokey > | XREADGROUP GROUP g c STREAMS s nokey > > | SET str v | XREADGROUP GROUP g c STREAMS str > | XREADGROUP GROUP g c STREAMS s str > >`,
    `${G} | XREADGROUP GROUP g c STREAMS s | XREADGROUP GROUP g c STREAMS s t > | XREADGROUP g c STREAMS s > | XREADGROUP COUNT 1 STREAMS s > x | XREADGROUP GROUP g c COUNT x STREAMS s > | XREADGROUP GROUP g c FOO STREAMS s >`,
    `${G} | XREADGROUP GROUP g c BLOCK x STREAMS s > | XREADGROUP GROUP g c BLOCK -1 STREAMS s > | XREADGROUP GROUP g c BLOCK 0 STREAMS s 0 | XREADGROUP GROUP g c BLOCK 10 STREAMS s > | XREADGROUP GROUP g c BLOCK 10 STREAMS s > | XREADGROUP GROUP g c STREAMS s >`,
    `${G} | XREADGROUP GROUP g c COUNT 2 COUNT 1 NOACK NOACK STREAMS s > | XREADGROUP GROUP g d GROUP g c STREAMS s > | XINFO CONSUMERS s g | XREADGROUP GROUP g c STREAMS s GROUP > | XREADGROUP GROUP g c STREAMS s STREAMS > >`,
    `${G} | XGROUP SETID s g 3-1 | XREADGROUP GROUP g c STREAMS s > | XINFO CONSUMERS s g | XGROUP SETID s g 0 | XREADGROUP GROUP g c COUNT 1 STREAMS s > | XREADGROUP GROUP g d STREAMS s > | XPENDING s g - + 10 | XINFO GROUPS s`,
    `XGROUP CREATE s g $ MKSTREAM | XREADGROUP GROUP g c STREAMS s > | XREADGROUP GROUP g c STREAMS s 0 | XINFO CONSUMERS s g | XADD s 1-1 a 1 | XDEL s 1-1 | XREADGROUP GROUP g c STREAMS s > | XINFO GROUPS s`,
    `${READ} | XREADGROUP GROUP g alice STREAMS s 0 | XREADGROUP GROUP g alice STREAMS s (1-1 | XPENDING s g - + 10 | XREADGROUP GROUP g bob COUNT 1 STREAMS s 4-1 | XPENDING s g - + 10 bob`,
  ],
  xack: [
    `${READ} | XACK s g 1-1 | XACK s g 1-1 2-1 9-9 | XACK s g 4 | XPENDING s g | XACK s nog 3-1 | XACK nokey g 3-1 | XACK s g x | XACK s g 3-1 x | XPENDING s g`,
    `${READ} | XACK s g - | XACK s g + | XACK s g 3-1 3-1 | XACK s g 18446744073709551616 | XPENDING s g | SET str v | XACK str g 1 | XACK str g x`,
  ],
  xpending: [
    `${READ} | XPENDING s g | XPENDING s g - + 10 | XPENDING s g - + 2 | XPENDING s g 2 4 10 | XPENDING s g (2-1 (4-1 10 | XPENDING s g - + 10 alice | XPENDING s g - + 10 nobody`,
    `${READ} | XPENDING s g - + 0 | XPENDING s g - + -1 | XPENDING s g - + x | XPENDING s g x + 1 | XPENDING s g - x 1 | XPENDING s g ( + 1 | XPENDING s g + - 10 | XPENDING s g (- + 1`,
    `${READ} | XPENDING s g IDLE 0 - + 10 | XPENDING s g IDLE 100000 - + 10 | XPENDING s g IDLE -5 - + 10 bob | XPENDING s g IDLE x - + 10 | XPENDING s g IDLE 5 - + | XPENDING s g IDLE 5 | XPENDING s g idle 0 - + 1 alice`,
    `${READ} | XPENDING s g - | XPENDING s g - + | XPENDING s g - + 1 a b | XPENDING s g IDLE 1 - + 1 a b | XPENDING s nog | XPENDING nokey g | XPENDING nokey g x + 1 | SET str v | XPENDING str g`,
    `${READ} | XPENDING s g (18446744073709551615-18446744073709551615 + 1 | XPENDING s g - (0-0 1 | XPENDING s g - (0 1 | XPENDING s g ({empty} + 1 | XPENDING s g - ${MAX} ${MAX} | XPENDING s g 3 3 ${MIN}`,
    `${G} | XPENDING s g | XPENDING s g - + 10 | XGROUP CREATECONSUMER s g c | XPENDING s g | XPENDING s g - + 10 c`,
  ],
  xclaim: [
    `${READ} | XCLAIM s g carol 0 1-1 2-1 | XPENDING s g - + 10 | XCLAIM s g carol 0 3-1 JUSTID | XPENDING s g - + 10 | XINFO CONSUMERS s g`,
    `${READ} | XCLAIM s g carol 100000 1-1 | XCLAIM s g carol 0 1-1 IDLE 500000 | XPENDING s g - + 10 | XCLAIM s g dave 100000 1-1 2-1 | XPENDING s g - + 10`,
    `${READ} | XCLAIM s g carol 0 1-1 TIME 1000 RETRYCOUNT 7 | XINFO STREAM s FULL | XCLAIM s g carol 0 1-1 TIME ${MAX} RETRYCOUNT -2 | XCLAIM s g carol 0 1-1 TIME -5 RETRYCOUNT ${MAX} JUSTID | XPENDING s g - + 1`,
    `${G} | XCLAIM s g carol 0 1-1 2-1 | XCLAIM s g carol 0 1-1 9-9 FORCE | XPENDING s g - + 10 | XINFO GROUPS s | XCLAIM s g carol 0 2-1 FORCE JUSTID LASTID 3-1 | XINFO GROUPS s`,
    `${READ} | XDEL s 2-1 | XCLAIM s g carol 0 2-1 1-1 | XPENDING s g - + 10 | XCLAIM s g carol 0 2-1 FORCE | XPENDING s g`,
    `${READ} | XCLAIM s g carol 0 1-1 LASTID 9-9 | XINFO GROUPS s | XCLAIM s g carol 0 LASTID 10-1 | XINFO GROUPS s | XCLAIM s g carol 0 JUSTID | XCLAIM s g carol 0 1-1 LASTID 1-1 | XINFO GROUPS s`,
    `${READ} | XCLAIM s g c x 1-1 | XCLAIM s g c 0 1-1 IDLE x | XCLAIM s g c 0 1-1 TIME x | XCLAIM s g c 0 1-1 RETRYCOUNT x | XCLAIM s g c 0 1-1 LASTID x | XCLAIM s g c 0 1-1 FOO | XCLAIM s g c 0 1-1 IDLE | XCLAIM s g c 0 1-1 JUSTID 2-1`,
    `${READ} | XCLAIM s nog c 0 1-1 | XCLAIM nokey g c 0 1-1 | XCLAIM nokey g c x 1-1 | SET str v | XCLAIM str g c 0 1-1 | XCLAIM s g c -5 1-1 - | XCLAIM s g c ${MIN} 1-1 IDLE ${MIN} | XPENDING s g - + 1`,
    `${READ} | XCLAIM s g c 0 1-1 IDLE -100 | XCLAIM s g c 0 2-1 IDLE ${MAX} | XPENDING s g - + 2 | XCLAIM s g c 0 1 2 3 4 5 JUSTID | XCLAIM s g c 0 1-1 {NUL} | XINFO CONSUMERS s g`,
  ],
  xautoclaim: [
    `${READ} | XAUTOCLAIM s g carol 0 0 | XPENDING s g - + 10 | XAUTOCLAIM s g dave 0 0 COUNT 2 | XAUTOCLAIM s g dave 0 2-1 COUNT 2 JUSTID | XAUTOCLAIM s g dave 0 (4-1 | XPENDING s g - + 10`,
    `${READ} | XAUTOCLAIM s g carol 100000 0 | XCLAIM s g bob 0 2-1 IDLE 500000 JUSTID | XAUTOCLAIM s g carol 100000 0 | XAUTOCLAIM s g carol 100000 - COUNT 1 | XINFO CONSUMERS s g`,
    `${READ} | XDEL s 2-1 4-1 | XAUTOCLAIM s g carol 0 0 COUNT 1 | XAUTOCLAIM s g carol 0 0 COUNT 1 | XAUTOCLAIM s g carol 0 0 | XPENDING s g`,
    `${READ} | XAUTOCLAIM s g c x 0 | XAUTOCLAIM s g c 0 x | XAUTOCLAIM s g c 0 0 COUNT 0 | XAUTOCLAIM s g c 0 0 COUNT -1 | XAUTOCLAIM s g c 0 0 COUNT x | XAUTOCLAIM s g c 0 0 COUNT 576460752303423488 | XAUTOCLAIM s g c 0 0 FOO | XAUTOCLAIM s g c 0 0 COUNT`,
    `${READ} | XAUTOCLAIM s nog c 0 0 | XAUTOCLAIM nokey g c 0 0 | XAUTOCLAIM nokey g c 0 0 FOO | SET str v | XAUTOCLAIM str g c 0 0 | XAUTOCLAIM s g c 0 (18446744073709551615-18446744073709551615 | XAUTOCLAIM s g c -7 + | XAUTOCLAIM s g c 0 ( `,
    `${READ} | XAUTOCLAIM s g c 0 0 COUNT 576460752303423487 | XAUTOCLAIM s g c 0 0 JUSTID JUSTID COUNT 1 COUNT 3 | XPENDING s g - + 10`,
  ],
  xinfo: [
    `${READ} | XINFO STREAM s | XINFO GROUPS s | XINFO CONSUMERS s g | XINFO STREAM s FULL | XINFO STREAM s FULL COUNT 1 | XINFO STREAM s FULL COUNT 0 | XINFO STREAM s FULL COUNT -1`,
    `${READ} | XINFO STREAM s FULL COUNT x | XINFO STREAM s FULL x | XINFO STREAM s FOO | XINFO STREAM s FULL COUNT | XINFO STREAM s FULL FOO 1 | XINFO STREAM s FULL COUNT 1 x | XINFO CONSUMERS s nog | XINFO CONSUMERS s | XINFO GROUPS s x`,
    `XINFO STREAM nokey | XINFO GROUPS nokey | XINFO CONSUMERS nokey g | SET str v | XINFO STREAM str | XINFO GROUPS str | XINFO CONSUMERS str g | XINFO HELP | XINFO help x | XINFO FOO | XINFO FOO s | XINFO`,
    `XGROUP CREATE s g $ MKSTREAM | XINFO STREAM s | XINFO STREAM s FULL | XADD s 5-5 a 1 | XDEL s 5-5 | XINFO STREAM s | XINFO GROUPS s | XGROUP CREATE s z 0 | XGROUP CREATE s a 0 | XINFO GROUPS s`,
    `${READ} | XGROUP CREATECONSUMER s g aaa | XGROUP CREATECONSUMER s g {empty} | XGROUP CREATECONSUMER s g zz | XINFO CONSUMERS s g | XPENDING s g | XINFO STREAM s FULL`,
  ],
  lag: [
    `${G} | XINFO GROUPS s | XREADGROUP GROUP g c COUNT 1 STREAMS s > | XINFO GROUPS s | XDEL s 3-1 | XINFO GROUPS s | XREADGROUP GROUP g c STREAMS s > | XINFO GROUPS s`,
    `${G} | XDEL s 2-1 | XINFO GROUPS s | XREADGROUP GROUP g c COUNT 1 STREAMS s > | XINFO GROUPS s | XREADGROUP GROUP g c STREAMS s > | XINFO GROUPS s | XADD s 9-1 z 9 | XINFO GROUPS s`,
    `${G} | XDEL s 1-1 | XINFO GROUPS s | XREADGROUP GROUP g c COUNT 1 STREAMS s > | XINFO GROUPS s | XGROUP CREATE s h 1-1 | XGROUP CREATE s i 5-1 | XGROUP CREATE s j 3-1 | XINFO GROUPS s`,
    `${S3} | XGROUP CREATE s g 0 ENTRIESREAD 1 | XINFO GROUPS s | XGROUP SETID s g 2-1 ENTRIESREAD 100 | XINFO GROUPS s | XREADGROUP GROUP g c STREAMS s > | XINFO GROUPS s | XSETID s 3-1 ENTRIESADDED 50 | XINFO GROUPS s`,
    `${S3} | XTRIM s MAXLEN 1 | XGROUP CREATE s g 0 | XGROUP CREATE s h 2-1 | XGROUP CREATE s i 3-1 | XINFO GROUPS s | XREADGROUP GROUP g c STREAMS s > | XINFO GROUPS s | XINFO STREAM s`,
    `XGROUP CREATE s g 0 MKSTREAM | XINFO GROUPS s | XADD s 1-1 a 1 | XINFO GROUPS s | XDEL s 1-1 | XINFO GROUPS s | XADD s 2-1 a 1 | XREADGROUP GROUP g c STREAMS s > | XINFO GROUPS s`,
  ],
  edges: [
    `${G} | XREADGROUP GROUP g c STREAMS s s > > | XPENDING s g - + 10 | XREADGROUP GROUP g c STREAMS s s 0 (1-1 | XPENDING s g - + 10`,
    `${G} | XREADGROUP GROUP g {NUL} STREAMS {NUL} > | XREADGROUP GROUP {NUL} c STREAMS s > | XPENDING {NUL} g | XCLAIM {NUL} {NUL} c 0 1 | XINFO CONSUMERS s {NUL} | XGROUP SETID s {NUL} 0`,
    `${READ} | XCLAIM s g alice 0 1-1 | XCLAIM s g alice 0 1-1 JUSTID | XPENDING s g - + 10 alice | XINFO STREAM s FULL COUNT 2`,
    `${G} | XGROUP CREATE s h 9-9 | XGROUP CREATE s i 0 ENTRIESREAD ${MAX} | XINFO GROUPS s | XREADGROUP GROUP i c STREAMS s > | XINFO GROUPS s | XADD s 10-1 z 1 | XINFO GROUPS s`,
    `${READ} | XGROUP CREATECONSUMER s g idle | XINFO STREAM s FULL | XGROUP DELCONSUMER s g idle | XINFO CONSUMERS s g | DEL s | XINFO GROUPS s`,
  ],
  radix_tree: [
    `XADD s 1-1 a 1 | XINFO STREAM s | XADD s 1-2 a 1 | XADD s 256-1 a 1 | XINFO STREAM s | XDEL s 1-1 1-2 256-1 | XINFO STREAM s`,
  ],
};

/** Runs the cases; returns the differences. */
async function run(twin: Twin, cases: readonly string[]): Promise<string[]> {
  const diffs: string[] = [];
  for (const c of cases) {
    for (const resp of [2, 3] as const) {
      await twin.reset();
      for (const cmd of c.split(" | ")) {
        const d = await compareGroups(twin, words(expand(cmd)), resp);
        if (d !== null) diffs.push(d.slice(0, 3000));
      }
      const st = await twin.compareStats();
      if (st !== null) diffs.push(`${st} after ${c}`);
    }
  }
  return diffs;
}

/** A fresh engine keyspace that runs commands (the AOF replay). */
class Engine {
  readonly ks = new Keyspace();
  readonly ctx = new Context(this.ks.db(0), Date.now());
  constructor() {
    this.ctx.propagate = () => {};
  }
  run(argv: readonly string[]): Buffer {
    this.ctx.now = Date.now();
    const cmd = checkCommand(argv);
    const w = new RespWriter(2);
    w.write(cmd instanceof ErrorReply ? cmd : execCommand(this.ctx, cmd, argv));
    return w.take();
  }
}

describe("stream consumer group commands answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const [group, cases] of Object.entries(CASES)) {
    test(group, async () => {
      assert.deepEqual(await run(twin, cases), []);
    });
  }

  test("radix-tree figures of bigger streams (listpack nodes of 100 entries, IDs far apart)", async () => {
    const diffs: string[] = [];
    for (const ids of [
      Array.from({ length: 250 }, (_, i) => `${i + 1}-0`),
      Array.from({ length: 230 }, (_, i) => `${(i + 1) * 1000003}-${i}`),
      Array.from({ length: 120 }, (_, i) => `${2 ** 40 + i * 65536}-0`),
    ]) {
      await twin.reset();
      for (const id of ids) {
        await twin.redis(["XADD", "s", id, "f", "v"]);
        twin.ours(["XADD", "s", id, "f", "v"], 2);
      }
      const steps = [
        ["XINFO", "STREAM", "s"], ["XDEL", "s", ids[0]!, ids[100]!], ["XINFO", "STREAM", "s"],
        // a whole node from the middle, then the front ones
        ["XDEL", "s", ...ids.slice(100, 200)], ["XINFO", "STREAM", "s"], ["XTRIM", "s", "MAXLEN", "~", "20"], ["XINFO", "STREAM", "s"],
      ];
      for (const argv of steps) {
        const d = await compareGroups(twin, argv, 2);
        if (d !== null) diffs.push(d.slice(0, 1500));
      }
    }
    assert.deepEqual(diffs, []);
  });

  test("the AOF: replaying what the engine propagated recreates groups, PELs, times and counts", async () => {
    const scripts = [
      `${READ} | XACK s g 2-1 | XCLAIM s g carol 0 4-1 TIME 12345 RETRYCOUNT 9`,
      `${G} | XREADGROUP GROUP g n NOACK COUNT 2 STREAMS s > | XGROUP CREATECONSUMER s g empty | XGROUP CREATE s h $ | XCLAIM s h x 0 1-1 FORCE LASTID 2-1`,
      `${READ} | XDEL s 2-1 3-1 | XAUTOCLAIM s g zed 0 0 COUNT 2 | XGROUP SETID s g 1-1 | XREADGROUP GROUP g bob STREAMS s > | XGROUP DELCONSUMER s g alice`,
      `${READ} | XCLAIM s g carol 0 1-1 LASTID 99-0 JUSTID | XCLAIM s g carol 0 LASTID 100-0 | XGROUP CREATE s h 0 | XGROUP DESTROY s h`,
    ];
    for (const script of scripts) {
      await twin.reset();
      for (const cmd of script.split(" | ")) twin.ours(words(expand(cmd)), 2);
      const replay = new Engine();
      for (const argv of twin.propagated) {
        const r = replay.run(argv).toString("latin1");
        assert.ok(!r.startsWith("-"), `${argv.join(" ")}: ${r}`);
      }
      // XINFO STREAM FULL shows every PEL entry's owner, delivery time and count. As in Redis, the replay
      // does not recreate seen-times, nor a read counter (XCLAIM's LASTID moves the last ID only).
      const full = ["XINFO", "STREAM", "s", "FULL"];
      const strip = (s: string) => s.replace(/(seen-time|entries-read|lag)\r\n(:\d+|\$-1)/g, "$1");
      const original = twin.ours(full, 2).toString("latin1");
      assert.match(original, /pel-count\r\n:[1-9]/, "the script left entries pending");
      assert.equal(strip(replay.run(full).toString("latin1")), strip(original), script);
    }
  });

  test("XREADGROUP propagates one XCLAIM per delivered entry, NOACK a SETID (as Redis' streamPropagateXCLAIM)", async () => {
    await twin.reset();
    for (const cmd of `${G} | XREADGROUP GROUP g alice COUNT 2 STREAMS s >`.split(" | ")) twin.ours(words(cmd), 2);
    const claims = twin.propagated.filter((a) => a[0] === "XCLAIM");
    assert.deepEqual(
      claims.map((a) => [...a.slice(0, 7), "t", ...a.slice(8)]),
      [
        ["XCLAIM", "s", "g", "alice", "0", "1-1", "TIME", "t", "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "1-1"],
        ["XCLAIM", "s", "g", "alice", "0", "2-1", "TIME", "t", "RETRYCOUNT", "1", "FORCE", "JUSTID", "LASTID", "2-1"],
      ],
    );
    twin.propagated = [];
    twin.ours(["XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">"], 2);
    assert.deepEqual(twin.propagated, [
      ["XGROUP", "CREATECONSUMER", "s", "g", "bob"],
      ["XGROUP", "SETID", "s", "g", "3-1", "ENTRIESREAD", "3"],
    ]);
    twin.propagated = [];
    twin.ours(["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"], 2);
    twin.ours(["XACK", "s", "g", "9-9"], 2);
    assert.deepEqual(twin.propagated, [], "history reads and no-op acks propagate nothing");
  });
});
