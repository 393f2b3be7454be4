/**
 * Functions and the append-only file, through a real server: FUNCTION
 * LOAD, DELETE, FLUSH and RESTORE (also inside MULTI) are written to the
 * file and applied again at start, so FCALL works after a restart on the
 * same directory; BGREWRITEAOF writes the libraries into the new base (a
 * FUNCTION LOAD each, as Redis does), which real redis-server 7 loads too.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type TestServer, startAgner } from "../../../support/agner_kv.js";
import { RedisServer, needsRedis } from "../../../support/redis_tools.js";
import { RespClient, plain } from "../../../support/resp_client.js";

const root = mkdtempSync(join(tmpdir(), "agner-functions-aof-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);

async function withServer<T>(args: string[], f: (s: TestServer, c: RespClient) => Promise<T>): Promise<T> {
  const s = await startAgner(args);
  const c = await RespClient.connect(s.port);
  try {
    return await f(s, c);
  } finally {
    c.close();
    await s.stop();
  }
}

const lib = (name: string, fn: string, body: string) => `#!lua name=${name}\nredis.register_function('${fn}', function(keys, args) ${body} end)`;

async function libraries(c: RespClient): Promise<string[]> {
  const list = plain(await c.cmd("FUNCTION", "LIST")) as unknown[][];
  return list.map((l) => String(l[1])).sort();
}

describe("functions in the append-only file", () => {
  test("LOAD, DELETE, FLUSH, RESTORE and a load inside MULTI are there after a restart; FCALL works", async () => {
    const dir = freshDir();
    const args = ["--appendonly", "yes", "--dir", dir, "--shards", "4"];
    await withServer(args, async (_s, c) => {
      assert.equal(plain(await c.cmd("FUNCTION", "LOAD", lib("gone", "g", "return 0"))), "gone");
      assert.equal(plain(await c.cmd("FUNCTION", "FLUSH")), "OK");
      assert.equal(plain(await c.cmd("FUNCTION", "LOAD", lib("a", "fa", "return 'v1'"))), "a");
      assert.equal(plain(await c.cmd("FUNCTION", "LOAD", "REPLACE", lib("a", "fa", "redis.call('set', keys[1], args[1]) return 'v2'"))), "a");
      assert.equal(plain(await c.cmd("FUNCTION", "LOAD", lib("b", "fb", "return 'b'"))), "b");
      assert.equal(plain(await c.cmd("FUNCTION", "DELETE", "b")), "OK");
      assert.equal(plain(await c.cmd("FUNCTION", "LOAD", lib("c", "fc", "return 'c'"))), "c");
      const payload = plain(await c.cmd("FUNCTION", "DUMP")) as string;
      assert.equal(plain(await c.cmd("FUNCTION", "DELETE", "c")), "OK");
      assert.equal(plain(await c.cmd("FUNCTION", "LOAD", lib("c", "fc", "return 'not restored'"))), "c");
      assert.equal(plain(await c.cmd("FUNCTION", "RESTORE", payload, "FLUSH")), "OK");
      assert.deepEqual(await libraries(c), ["a", "c"]);
      assert.equal(plain(await c.cmd("MULTI")), "OK");
      assert.equal(plain(await c.cmd("FUNCTION", "LOAD", lib("m", "fm", "return 'm'"))), "QUEUED");
      assert.equal(plain(await c.cmd("FCALL", "fm", "0")), "QUEUED");
      assert.deepEqual(plain(await c.cmd("EXEC")), ["m", "m"]);
      assert.equal(plain(await c.cmd("FCALL", "fa", "1", "k", "written by a function")), "v2");
    });
    await withServer(args, async (_s, c) => {
      assert.deepEqual(await libraries(c), ["a", "c", "m"]);
      assert.equal(plain(await c.cmd("FCALL", "fc", "0")), "c");
      assert.equal(plain(await c.cmd("FCALL", "fm", "0")), "m");
      assert.equal(plain(await c.cmd("GET", "k")), "written by a function");
      assert.equal(plain(await c.cmd("FCALL", "fa", "1", "k", "again")), "v2");
    });
  });

  test("BGREWRITEAOF writes the libraries into the new base; Agner and redis-server 7 load it", async () => {
    const dir = freshDir();
    const args = ["--appendonly", "yes", "--dir", dir, "--shards", "2"];
    await withServer(args, async (_s, c) => {
      assert.equal(plain(await c.cmd("FUNCTION", "LOAD", lib("r1", "f1", "return redis.call('get', keys[1])"))), "r1");
      assert.equal(plain(await c.cmd("FUNCTION", "LOAD", lib("r2", "f2", "return 'two'"))), "r2");
      assert.equal(plain(await c.cmd("FUNCTION", "DELETE", "r2")), "OK");
      assert.equal(plain(await c.cmd("SET", "k", "v")), "OK");
      assert.equal(plain(await c.cmd("BGREWRITEAOF")), "Background append only file rewriting started");
      for (;;) {
        const text = String(plain(await c.cmd("INFO", "persistence")));
        if (text.includes("aof_rewrite_in_progress:0") && text.includes("aof_rewrites:1")) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    const aof = join(dir, "appendonlydir");
    const base = readdirSync(aof).find((f) => f.endsWith(".base.aof"))!;
    const text = readFileSync(join(aof, base), "latin1");
    assert.ok(text.startsWith("*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n"), JSON.stringify(text.slice(0, 60)));
    assert.ok(!text.includes("r2"), "a deleted library is not in the base");
    await withServer(args, async (_s, c) => {
      assert.deepEqual(await libraries(c), ["r1"]);
      assert.equal(plain(await c.cmd("FCALL", "f1", "1", "k")), "v");
    });
    const guard = needsRedis();
    if (guard.skip) return;
    const redis = await RedisServer.start(["--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--dir", dir]);
    try {
      const c = await RespClient.connect(redis.port);
      try {
        // redis-server answers -LOADING until it has read the directory (slow on a loaded machine).
        while ((await c.raw("PING")).startsWith("-LOADING")) await new Promise((r) => setTimeout(r, 20));
        assert.equal(plain(await c.cmd("FCALL", "f1", "1", "k")), "v");
      } finally {
        c.close();
      }
    } finally {
      await redis.stop();
    }
  });
});
