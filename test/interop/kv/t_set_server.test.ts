/**
 * Sets through the running server with a real client (ioredis), one shard,
 * append-only file on: the replies a client library reads, TYPE and SCAN's
 * TYPE filter, and a restart that loads the AOF (SPOP's SREMs, SMOVE, the
 * store variants) and, after BGREWRITEAOF, the rewritten SADDs, to the same sets.
 */
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { aofServer } from "../../support/ioredis_server.js";

const { dir, withServer } = aofServer("agner-sets-");

const sorted = (xs: string[]) => [...xs].sort();

test("sets through ioredis, kept across restarts by the AOF and its rewrite", async () => {
  const before = await withServer(async (c) => {
    assert.equal(await c.sadd("a", "1", "2", "3", "x", "y", "z"), 6);
    assert.equal(await c.sadd("b", "2", "3", "4"), 3);
    assert.equal(await c.type("a"), "set");
    assert.deepEqual(sorted(await c.smembers("a")), ["1", "2", "3", "x", "y", "z"]);
    assert.deepEqual(await c.smismember("a", "1", "q"), [1, 0]);
    const popped = await c.spop("a", 2);
    assert.equal(popped.length, 2);
    assert.equal(await c.scard("a"), 4);
    assert.equal(typeof (await c.spop("b")), "string");
    await c.sadd("c", "m1", "m2");
    assert.equal(await c.smove("c", "d", "m1"), 1);
    assert.equal(await c.sunionstore("u", "a", "b", "d"), (await c.sunion("a", "b", "d")).length);
    await c.sinterstore("i", "a", "b");
    await c.sdiffstore("df", "a", "b");
    assert.equal(await c.sintercard(2, "a", "u"), 4);
    await c.set("str", "v");
    const [, keys] = await c.scan("0", "COUNT", "100", "TYPE", "set");
    assert.ok(!keys.includes("str") && keys.includes("a"));
    const out: Record<string, string[]> = {};
    for (const k of ["a", "b", "c", "d", "u", "i", "df"]) out[k] = sorted(await c.smembers(k));
    return out;
  });
  const fromLog = await withServer(async (c) => {
    const out: Record<string, string[]> = {};
    for (const k of Object.keys(before)) out[k] = sorted(await c.smembers(k));
    assert.equal(await c.bgrewriteaof(), "Background append only file rewriting started");
    for (let i = 0; i < 500 && /aof_rewrite_in_progress:1/.test(await c.info("persistence")); i++) await new Promise((r) => setTimeout(r, 10));
    return out;
  });
  assert.deepEqual(fromLog, before);
  const base = readdirSync(join(dir, "appendonlydir")).find((f) => f.endsWith(".base.aof"))!;
  assert.match(readFileSync(join(dir, "appendonlydir", base), "latin1"), /SADD/, "the rewrite wrote the sets as SADDs");
  const rewritten = await withServer(async (c) => {
    const out: Record<string, string[]> = {};
    for (const k of Object.keys(before)) out[k] = sorted(await c.smembers(k));
    return out;
  });
  assert.deepEqual(rewritten, before);
});
