/**
 * Consumer groups through the whole server with a real client (ioredis,
 * RESP2), one shard: reads, acks, claims and autoclaims with the AOF on;
 * after a restart (the AOF's propagated XCLAIMs replayed) and again after
 * BGREWRITEAOF and a restart (the rewrite's XGROUP CREATE / XCLAIM FORCE),
 * every group's pending entries come back with their owners, delivery
 * times and counts.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Redis } from "ioredis";
import { startAgner } from "../../support/agner_kv.js";

/** XINFO STREAM FULL without what a replay does not keep (seen-times, read counters). */
async function state(c: Redis): Promise<string> {
  const full = await c.call("XINFO", "STREAM", "s", "FULL");
  return JSON.stringify(full, (_k, v: unknown) => v).replace(/"(seen-time|entries-read|lag)",(\d+|null)/g, '"$1"');
}

describe("consumer groups over the server", () => {
  test("ioredis: XREADGROUP, XACK, XCLAIM, XAUTOCLAIM; the PELs survive a restart and BGREWRITEAOF", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stream-cg-"));
    const args = ["--shards", "1", "--appendonly", "yes", "--dir", dir];
    let agner = await startAgner(args);
    const clients: Redis[] = [];
    const client = (port: number) => {
      const r = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      clients.push(r);
      return r;
    };
    try {
      let c = client(agner.port);
      await c.connect();
      for (let i = 1; i <= 6; i++) await c.xadd("s", `${i}-0`, "n", String(i));
      assert.equal(await c.xgroup("CREATE", "s", "g", "0"), "OK");
      assert.equal(await c.xgroup("CREATE", "s", "h", "$"), "OK");
      assert.deepEqual(await c.xreadgroup("GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">"), [
        ["s", [["1-0", ["n", "1"]], ["2-0", ["n", "2"]], ["3-0", ["n", "3"]]]],
      ]);
      await c.xreadgroup("GROUP", "g", "bob", "STREAMS", "s", ">");
      assert.equal(await c.xack("s", "g", "2-0"), 1);
      assert.deepEqual(await c.xclaim("s", "g", "carol", "0", "4-0", "TIME", "1000", "RETRYCOUNT", "7", "JUSTID"), ["4-0"]);
      await c.xdel("s", "5-0");
      assert.deepEqual(await c.call("XAUTOCLAIM", "s", "g", "dave", "0", "5-0", "JUSTID"), ["0-0", ["6-0"], ["5-0"]]);
      await c.call("XREADGROUP", "GROUP", "h", "erin", "NOACK", "STREAMS", "s", ">");
      await c.xadd("s", "7-0", "n", "7");
      await c.xgroup("CREATECONSUMER", "s", "h", "frank");
      const pending = await c.xpending("s", "g");
      assert.deepEqual(pending, [4, "1-0", "6-0", [["alice", "2"], ["carol", "1"], ["dave", "1"]]]);
      const before = await state(c);
      await c.quit();
      await agner.stop();

      agner = await startAgner(args);
      c = client(agner.port);
      await c.connect();
      assert.equal(await state(c), before, "after replaying the AOF");
      assert.equal(await c.call("BGREWRITEAOF"), "Background append only file rewriting started");
      await c.xadd("s", "8-0", "n", "8");
      await c.xdel("s", "8-0");
      const rewritten = await state(c);
      await c.quit();
      await agner.stop();

      agner = await startAgner(args);
      c = client(agner.port);
      await c.connect();
      assert.equal(await state(c), rewritten, "after the rewrite and a restart");
      assert.deepEqual(await c.xpending("s", "g", "-", "+", "10", "carol").then((r) => (r as unknown[][]).map((e) => [e[0], e[1], e[3]])), [["4-0", "carol", 7]]);
      await c.quit();
    } finally {
      for (const r of clients) r.disconnect();
      await agner.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
