/**
 * Streams through the running server with a real client (ioredis), one
 * shard, append-only file on: XADD with `*` and trims, XRANGE, XREAD, and a
 * restart that loads the AOF (the IDs `*` took, `~` trims as the exact
 * trims they did, XDEL, XSETID) and, after BGREWRITEAOF, the rewritten
 * XADDs and XSETIDs, to the same streams with the same last ID, entries
 * added and greatest deleted ID.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Redis } from "ioredis";
import { startAgner } from "../../support/agner_kv.js";
import { aofServer } from "../../support/ioredis_server.js";

const { dir, withServer } = aofServer("agner-streams-");

/** What a stream is made of, as commands read it. */
async function snapshot(c: Redis, key: string): Promise<unknown> {
  const info = (await c.call("XINFO", "STREAM", key)) as unknown[];
  const pick: Record<string, unknown> = {};
  for (let i = 0; i < info.length; i += 2) {
    const k = info[i] as string;
    if (["length", "last-generated-id", "max-deleted-entry-id", "entries-added", "recorded-first-entry-id"].includes(k)) pick[k] = info[i + 1];
  }
  return { entries: await c.xrange(key, "-", "+"), info: pick };
}

test("streams through ioredis, kept across restarts by the AOF and its rewrite", async () => {
  const keys = ["s", "t", "e"];
  const before = await withServer(async (c) => {
    const a = await c.xadd("s", "*", "f", "v");
    const b = await c.xadd("s", "*", "f", "w", "g", "x");
    assert.match(a!, /^\d+-\d+$/);
    assert.ok(BigInt(b!.split("-")[0]!) >= BigInt(a!.split("-")[0]!));
    assert.equal(await c.type("s"), "stream");
    assert.deepEqual(await c.xrange("s", "-", "+"), [[a, ["f", "v"]], [b, ["f", "w", "g", "x"]]]);
    assert.deepEqual(await c.xread("COUNT", 1, "STREAMS", "s", "0"), [["s", [[a, ["f", "v"]]]]]);
    assert.equal(await c.xread("STREAMS", "s", "$"), null);
    assert.equal(await c.xread("BLOCK", 10, "STREAMS", "nokey", "$"), null);
    for (let i = 0; i < 350; i++) await c.xadd("t", "MAXLEN", "~", "120", `${i + 1}-*`, "n", String(i));
    assert.equal(await c.xlen("t"), 150);
    assert.equal(await c.xtrim("t", "MINID", "~", "301-0"), 100);
    assert.equal(await c.xdel("t", "320-0", "1-0"), 1);
    await c.xadd("e", "5-5", "a", "1");
    await c.xdel("e", "5-5");
    assert.equal(await c.call("XSETID", "e", "9-9", "ENTRIESADDED", "7", "MAXDELETEDID", "6-0"), "OK");
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = await snapshot(c, k);
    return out;
  });
  const fromLog = await withServer(async (c) => {
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = await snapshot(c, k);
    assert.equal(await c.bgrewriteaof(), "Background append only file rewriting started");
    for (let i = 0; i < 500 && /aof_rewrite_in_progress:1/.test(await c.info("persistence")); i++) await new Promise((r) => setTimeout(r, 10));
    return out;
  });
  assert.deepEqual(fromLog, before);
  const base = readdirSync(join(dir, "appendonlydir")).find((f) => f.endsWith(".base.aof"))!;
  assert.match(readFileSync(join(dir, "appendonlydir", base), "latin1"), /XSETID/, "the rewrite wrote the streams as XADDs and XSETIDs");
  const rewritten = await withServer(async (c) => {
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = await snapshot(c, k);
    return out;
  });
  assert.deepEqual(rewritten, before);
});

test("WATCH: XADD and an XDEL or XTRIM that removes abort EXEC; XSETID and no-op XDEL/XTRIM do not, as in Redis", async () => {
  const srv = await startAgner(["--shards", "1"]);
  const a = new Redis({ port: srv.port, maxRetriesPerRequest: 0 });
  const b = new Redis({ port: srv.port, maxRetriesPerRequest: 0 });
  try {
    await a.xadd("s", "1-1", "f", "v");
    const out: string[] = [];
    for (const cmd of [["XSETID", "s", "99-0"], ["XADD", "s", "100-0", "f", "v"], ["XDEL", "s", "7-7"], ["XTRIM", "s", "MAXLEN", "5"], ["XDEL", "s", "100-0"], ["XTRIM", "s", "MAXLEN", "0"]]) {
      await a.watch("s");
      await b.call(cmd[0]!, ...cmd.slice(1));
      const r = await a.multi().ping().exec();
      out.push(`${cmd[0]}:${r === null ? "aborted" : "ran"}`);
    }
    assert.deepEqual(out, ["XSETID:ran", "XADD:aborted", "XDEL:ran", "XTRIM:ran", "XDEL:aborted", "XTRIM:aborted"]);
  } finally {
    a.disconnect();
    b.disconnect();
    await srv.stop();
  }
});
