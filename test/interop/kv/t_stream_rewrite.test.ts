/**
 * The AOF rewrite of a stream (STREAM_TYPE.rewrite, as aof.c's
 * rewriteStreamObject): the commands it writes for the engine's stream are
 * replayed under another key on BOTH the engine and redis-server, and must
 * recreate the stream there: same entries, last ID, entries added, greatest
 * deleted ID, first ID, consumer groups with their read counters, pending
 * entries (owner, delivery time and count) and consumers — XINFO STREAM FULL
 * compared between original and copy on Redis' side (the radix-tree figures
 * and seen-times aside, which a replay does not keep in Redis either), and
 * between the engine and Redis for the copy. (A pending entry whose stream
 * entry was deleted is lost by the replay in Redis too: XCLAIM skips it.)
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Keyspace } from "../../../src/apps/kv/commands/db.js";
import { valueType } from "../../../src/apps/kv/commands/value_types.js";
import { needsRedisServer } from "../../support/redis_server.js";
import { type Node, canonical, decodeAll } from "../../support/resp_reply.js";
import { compareGroups } from "./stream_group_twin.js";
import { Twin } from "./twin.js";
import { words } from "./twin_cases.js";

const SCENARIOS: Record<string, string> = {
  entries: "XADD s 1-1 a 1 | XADD s 1-2 b 2 c 3 | XADD s 2-0 a {x*70} | XADD s 3-5 12 -4 | XDEL s 1-2 | XADD s 4-0 z z",
  deleted_and_trimmed: "XADD s 1-1 a 1 | XADD s 2-1 a 1 | XADD s 3-1 a 1 | XADD s 4-1 a 1 | XDEL s 4-1 | XTRIM s MAXLEN 2 | XSETID s 9-9 ENTRIESADDED 40 MAXDELETEDID 5-0",
  emptied: "XADD s 1-1 a 1 | XADD s 7-7 b 2 | XDEL s 1-1 7-7",
  emptied_by_maxlen: "XADD s MAXLEN 0 5-5 a 1",
  groups:
    "XADD s 1-1 a 1 | XADD s 1-2 b 2 | XADD s 1-3 c 3 | XADD s 1-4 d 4 | XGROUP CREATE s g1 0 | XGROUP CREATE s g2 $ | XGROUP CREATE s g0 1-2 ENTRIESREAD 2" +
    " | XREADGROUP GROUP g1 alice COUNT 2 STREAMS s > | XREADGROUP GROUP g1 bob COUNT 1 STREAMS s > | XGROUP CREATECONSUMER s g1 carol" +
    " | XCLAIM s g1 bob 0 1-1 RETRYCOUNT 7 | XREADGROUP GROUP g0 dave NOACK STREAMS s > | XACK s g1 1-2 | XDEL s 1-4",
  group_on_empty: "XGROUP CREATE s g $ MKSTREAM | XGROUP CREATECONSUMER s g c",
};

function engineKs(twin: Twin): Keyspace {
  return (twin as unknown as { ks: Keyspace }).ks;
}

/** XINFO STREAM FULL (RESP2) without the radix-tree figures, consumers' seen-times and absolute times. */
function stripped(n: Node): string {
  const drop = new Set(["radix-tree-keys", "radix-tree-nodes", "seen-time"]);
  const walk = (x: Node): Node => {
    // delivery times: the copy has the engine's, a millisecond or so from Redis' own
    if (x.type === ":" && Number(x.text) >= 1e12) return { type: ":", text: "T" };
    if (!x.items) return x;
    const items: Node[] = [];
    for (let i = 0; i < x.items.length; i++) {
      const k = x.items[i]!;
      if (k.type === "$" && k.text !== undefined && drop.has(k.text) && i + 1 < x.items.length) {
        i++;
        continue;
      }
      items.push(walk(k));
    }
    return { ...x, items };
  };
  return canonical(walk(n));
}

describe("the AOF rewrite of a stream recreates it, on the engine and on redis-server", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  for (const [name, script] of Object.entries(SCENARIOS)) {
    test(name, async () => {
      await twin.reset();
      for (const cmd of script.split(" | ")) {
        const d = await compareGroups(twin, words(cmd.replace(/\{x\*(\d+)\}/g, (_, n: string) => "x".repeat(Number(n)))), 2);
        assert.equal(d, null);
      }
      const v = engineKs(twin).db(0).data.get("s")!;
      const cmds = [...valueType(v).rewrite("r", v)];
      assert.ok(cmds.length > 0);
      for (const argv of cmds) assert.equal(await compareGroups(twin, argv, 2), null, JSON.stringify(argv));
      for (const argv of [["XRANGE", "r", "-", "+"], ["XLEN", "r"], ["XINFO", "STREAM", "r", "FULL"], ["XINFO", "GROUPS", "r"]]) {
        assert.equal(await compareGroups(twin, argv, 2), null, JSON.stringify(argv));
      }
      // On Redis' side the copy is the original, up to what a replay does not keep.
      const orig = stripped(decodeAll(await twin.redis(["XINFO", "STREAM", "s", "FULL"])));
      const copy = stripped(decodeAll(await twin.redis(["XINFO", "STREAM", "r", "FULL"])));
      assert.equal(copy, orig);
    });
  }
});
