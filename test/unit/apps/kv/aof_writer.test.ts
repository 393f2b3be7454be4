/**
 * The append-only file writer through a real server and real clients: the
 * data is there after a restart (strings, counters, hashes, lists, other
 * databases, absolute TTLs, memcached flags), BGREWRITEAOF compacts the
 * files and keeps the data, CONFIG SET appendonly yes writes a base of what
 * is there, automatic rewrites follow auto-aof-rewrite-*, a full disk gives
 * errors instead of acknowledgements, and real redis-server 7 loads what
 * Agner wrote.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { memcachedPort } from "../../../../src/apps/kv/index.js";
import { type TestServer, startAgner } from "../../../support/agner_kv.js";
import { exchange } from "../../../support/memcached_server.js";
import { RedisServer, needsRedis, redisCli } from "../../../support/redis_tools.js";
import { RespClient, plain } from "../../../support/resp_client.js";

const root = mkdtempSync(join(tmpdir(), "agner-aof-writer-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);
const aofDir = (dir: string) => join(dir, "appendonlydir");

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

async function info(c: RespClient): Promise<Record<string, string>> {
  const text = String(plain(await c.cmd("INFO", "persistence")));
  return Object.fromEntries(text.split("\r\n").filter((l) => l.includes(":")).map((l) => l.split(":") as [string, string]));
}

/** Polls INFO until no rewrite is in progress (the rewrite is asynchronous by design). */
async function rewriteDone(c: RespClient): Promise<Record<string, string>> {
  for (;;) {
    const i = await info(c);
    if (i.aof_rewrite_in_progress === "0") return i;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The same dataset in every test: several types, databases and TTLs. */
async function writeData(c: RespClient): Promise<void> {
  for (const cmd of [
    ["SET", "s", "v"],
    ["INCR", "n"],
    ["INCRBY", "n", "41"],
    ["HSET", "h", "a", "1", "b", "2"],
    ["RPUSH", "l", "x", "y", "z"],
    ["LPOP", "l"],
    ["SET", "ttl", "t", "EX", "1000"],
    ["PEXPIRE", "s", "500000"],
    ["SELECT", "7"],
    ["SET", "in7", "seven"],
    ["SELECT", "0"],
    ["SET", "gone", "1"],
    ["DEL", "gone"],
  ]) {
    assert.notEqual(typeof plain(await c.cmd(...cmd)), "object", `${cmd.join(" ")} succeeded`);
  }
}

async function readData(c: RespClient): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const cmd of [["GET", "s"], ["GET", "n"], ["HGETALL", "h"], ["LRANGE", "l", "0", "-1"], ["PEXPIRETIME", "ttl"], ["PEXPIRETIME", "s"], ["EXISTS", "gone"], ["SELECT", "7"], ["GET", "in7"], ["SELECT", "0"], ["DBSIZE"]]) {
    out.push(plain(await c.cmd(...cmd)));
  }
  return out;
}

describe("the data survives a restart", () => {
  for (const fsync of ["always", "everysec", "no"]) {
    test(`appendfsync ${fsync}: every type, databases, expiry times exactly`, async () => {
      const dir = freshDir();
      const args = ["--appendonly", "yes", "--appendfsync", fsync, "--dir", dir, "--shards", "4"];
      const before = await withServer(args, async (_s, c) => {
        await writeData(c);
        return readData(c);
      });
      assert.equal(before[1], "42");
      assert.ok(Number(before[4]) > Date.now(), "an absolute expiry time");
      const after = await withServer(args, async (s, c) => {
        assert.ok(s.logs.some((l) => l.what === "kv_aof" && /DB loaded from append only file/.test(l.text)));
        return readData(c);
      });
      assert.deepEqual(after, before, "same values, and the same absolute expiry times (a replay does not extend TTLs)");
      // Another shard count: keys find their shards again.
      const other = await withServer(["--appendonly", "yes", "--dir", dir, "--shards", "1"], async (_s, c) => readData(c));
      assert.deepEqual(other, before);
    });
  }

  test("FLUSHALL, FLUSHDB and flush_all on several shards: each shard's part is recorded as its own, writes after them survive", async () => {
    const dir = freshDir();
    const args = ["--appendonly", "yes", "--dir", dir, "--shards", "4"];
    await withServer(args, async (s, c) => {
      for (const k of ["a", "b", "c", "d", "e"]) await c.cmd("SET", k, "old");
      await c.cmd("FLUSHALL");
      await c.cmd("SET", "a", "after-flushall");
      await c.cmd("SELECT", "3");
      await c.cmd("SET", "x", "db3");
      await c.cmd("FLUSHDB");
      await c.cmd("SET", "y", "after-flushdb");
      await c.cmd("SELECT", "0");
      const out = await exchange(memcachedPort(s.inst), Buffer.from("flush_all\r\nset m 0 0 2\r\nhi\r\nquit\r\n"));
      assert.equal(out.toString(), "OK\r\nSTORED\r\n");
    });
    const text = readdirSync(aofDir(dir)).filter((f) => f.endsWith(".incr.aof")).map((f) => readFileSync(join(aofDir(dir), f), "latin1")).join("");
    assert.equal(text.match(/AGNER\.FLUSHSHARD/g)?.length, 12, "FLUSHALL, FLUSHDB, flush_all: one record per shard each");
    await withServer(args, async (_s, c) => {
      assert.deepEqual(plain(await c.cmd("MGET", "a", "b", "m")), [null, null, "hi"], "flush_all emptied db 0, then m was set");
      await c.cmd("SELECT", "3");
      assert.deepEqual(plain(await c.cmd("MGET", "x", "y")), [null, "after-flushdb"]);
    });
  });

  test("memcached items keep their flags; the files are Redis 7's layout", async () => {
    const dir = freshDir();
    const args = ["--appendonly", "yes", "--dir", dir];
    await withServer(args, async (s) => {
      const out = await exchange(memcachedPort(s.inst), Buffer.from("set m 42 0 2\r\nhi\r\nset z 0 0 1\r\nq\r\nappend m 0 0 1\r\n!\r\nquit\r\n"));
      assert.equal(out.toString(), "STORED\r\nSTORED\r\nSTORED\r\n");
    });
    assert.deepEqual(readdirSync(aofDir(dir)).sort(), ["appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]);
    await withServer(args, async (s) => {
      const out = await exchange(memcachedPort(s.inst), Buffer.from("get m z\r\nquit\r\n"));
      assert.equal(out.toString(), "VALUE m 42 3\r\nhi!\r\nVALUE z 0 1\r\nq\r\nEND\r\n");
    });
  });
});

describe("rewrite", () => {
  test("BGREWRITEAOF: Redis' replies, smaller files, new base and incremental file, the data kept (writes during it too)", async () => {
    const dir = freshDir();
    const args = ["--appendonly", "yes", "--dir", dir, "--shards", "2"];
    const expected = await withServer(args, async (_s, c) => {
      await writeData(c);
      for (let i = 0; i < 20_000; i++) c.send("INCR", `k${i % 500}`);
      for (let i = 0; i < 20_000; i++) await c.read();
      // What the 20,000 INCRs took in the incremental file, at least (INFO's size may lag the asynchronous writes).
      const grown = 20_000 * "*2\r\n$4\r\nINCR\r\n$2\r\nk0\r\n".length;
      c.send("BGREWRITEAOF");
      c.send("BGREWRITEAOF");
      c.send("INCR", "k1");
      assert.equal(plain(await c.read()), "Background append only file rewriting started");
      assert.deepEqual(plain(await c.read()), { error: "ERR Background append only file rewriting already in progress" });
      assert.equal(plain(await c.read()), 41);
      const done = await rewriteDone(c);
      assert.equal(done.aof_rewrites, "1");
      assert.equal(done.aof_last_bgrewrite_status, "ok");
      assert.ok(Number(done.aof_current_size) < grown / 5, `${done.aof_current_size} < ${grown} / 5`);
      return readData(c);
    });
    const files = readdirSync(aofDir(dir)).sort();
    assert.deepEqual(files, ["appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]);
    await withServer(args, async (_s, c) => {
      assert.deepEqual(await readData(c), expected);
      assert.equal(plain(await c.cmd("GET", "k1")), "41", "the INCR after the cut");
      assert.equal(plain(await c.cmd("GET", "k499")), "40");
    });
  });

  test("automatic rewrite once the files doubled (auto-aof-rewrite-percentage, -min-size via CONFIG SET)", async () => {
    const dir = freshDir();
    await withServer(["--appendonly", "yes", "--dir", dir], async (_s, c) => {
      assert.deepEqual(plain(await c.cmd("CONFIG", "GET", "auto-aof-rewrite-*")), ["auto-aof-rewrite-percentage", "100", "auto-aof-rewrite-min-size", "67108864"]);
      assert.equal(plain(await c.cmd("CONFIG", "SET", "auto-aof-rewrite-min-size", "4kb")), "OK");
      // Until one starts: writes while it runs would count towards the next one.
      const started = (i: Record<string, string>) => i.aof_rewrites !== "0" || i.aof_rewrite_in_progress !== "0";
      for (let i = 0; i < 400 && !started(await info(c)); i++) await c.cmd("SET", "same", "x".repeat(100));
      const i = await rewriteDone(c);
      assert.equal(i.aof_rewrites, "1");
      assert.ok(Number(i.aof_current_size) < 4096);
    });
  });

  test("CONFIG SET appendonly yes at run time writes a base of what is there, then appends; no stops", async () => {
    const dir = freshDir();
    const expected = await withServer(["--appendonly", "no", "--dir", dir], async (_s, c) => {
      await writeData(c);
      assert.equal(existsSync(aofDir(dir)), false, "appendonly no touches no file");
      assert.equal(plain(await c.cmd("CONFIG", "SET", "appendonly", "yes")), "OK");
      await c.cmd("SET", "later", "1");
      const i = await rewriteDone(c);
      assert.equal(i.aof_enabled, "1");
      assert.equal(i.aof_rewrites, "1");
      return readData(c);
    });
    await withServer(["--appendonly", "yes", "--dir", dir], async (_s, c) => {
      assert.deepEqual(await readData(c), expected);
      assert.equal(plain(await c.cmd("GET", "later")), "1");
      assert.equal(plain(await c.cmd("CONFIG", "SET", "appendonly", "no")), "OK");
      await c.cmd("SET", "unpersisted", "1");
    });
    await withServer(["--appendonly", "yes", "--dir", dir], async (_s, c) => {
      assert.equal(plain(await c.cmd("GET", "later")), "1");
      assert.equal(plain(await c.cmd("GET", "unpersisted")), null);
    });
  });
});

/** A data directory whose incremental file is /dev/full: every write to it fails with ENOSPC. */
function fullDiskDir(): string {
  const dir = freshDir();
  const d = aofDir(dir);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "appendonly.aof.1.base.aof"), "");
  symlinkSync("/dev/full", join(d, "appendonly.aof.1.incr.aof"));
  writeFileSync(join(d, "appendonly.aof.manifest"), "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
  return dir;
}

describe("failures", () => {
  test("a full disk: always clients get errors, never OK; INFO aof_last_write_status:err; the server stays up", async () => {
    const dir = fullDiskDir();
    await withServer(["--appendonly", "yes", "--appendfsync", "always", "--dir", dir], async (s, c) => {
      const r = plain(await c.cmd("SET", "k", "v")) as { error: string };
      assert.ok(r !== null && typeof r === "object" && "error" in r, `an error, not ${JSON.stringify(r)}`);
      assert.match(r.error, /^ERR Errors writing to the AOF file: .*no space left/i);
      assert.equal((await info(c)).aof_last_write_status, "err");
      // From now on writes are refused before they run, as Redis does (PING too); reads go on.
      assert.deepEqual(plain(await c.cmd("SET", "k2", "v")), { error: "MISCONF Errors writing to the AOF file: No space left on device" });
      assert.deepEqual(plain(await c.cmd("PING")), { error: "MISCONF Errors writing to the AOF file: No space left on device" });
      assert.equal(plain(await c.cmd("GET", "k2")), null, "the refused SET did not run");
      assert.ok(s.logs.some((l) => l.what === "kv_aof" && l.level === "error"));
    });
  });

  test("a full disk under everysec: the write that failed gets an error (never OK), then writes get -MISCONF until it can write again", async () => {
    const dir = fullDiskDir();
    await withServer(["--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir], async (_s, c) => {
      // The reply waits for the write(2) under every policy: a failed one is never acknowledged.
      const first = plain(await c.cmd("SET", "k", "v")) as { error: string };
      assert.match(first.error, /^ERR Errors writing to the AOF file: .*no space left/i);
      assert.deepEqual(plain(await c.cmd("SET", "k", "v")), { error: "MISCONF Errors writing to the AOF file: No space left on device" });
      assert.equal(plain(await c.cmd("GET", "k")), "v");
      assert.equal(plain(await c.cmd("CONFIG", "SET", "appendonly", "no")), "OK");
      assert.equal(plain(await c.cmd("SET", "k", "w")), "OK", "nothing depends on the file any more");
    });
  });
});

describe("Redis compatibility", () => {
  test("real redis-server 7 loads the directory Agner wrote (after a rewrite, and with appends after it)", needsRedis(), async () => {
    const dir = freshDir();
    const expected = await withServer(["--appendonly", "yes", "--dir", dir], async (_s, c) => {
      await writeData(c);
      await c.cmd("BGREWRITEAOF");
      await rewriteDone(c);
      await c.cmd("SET", "after-rewrite", "yes");
      return readData(c);
    });
    const redis = await RedisServer.start(["--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--dir", dir]);
    try {
      assert.equal((await redisCli(redis.port, ["GET", "after-rewrite"])).trim(), "yes");
      assert.equal((await redisCli(redis.port, ["GET", "n"])).trim(), String(expected[1]));
      assert.equal((await redisCli(redis.port, ["PEXPIRETIME", "ttl"])).trim(), String(expected[4]));
      assert.equal((await redisCli(redis.port, ["-n", "7", "GET", "in7"])).trim(), "seven");
      assert.equal((await redisCli(redis.port, ["LRANGE", "l", "0", "-1"])).trim(), "y\nz");
      assert.equal((await redisCli(redis.port, ["DBSIZE"])).trim(), String(expected[10]));
    } finally {
      await redis.stop();
    }
    assert.ok(statSync(join(aofDir(dir), "appendonly.aof.manifest")).size > 0);
  });
});
