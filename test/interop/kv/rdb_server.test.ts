/**
 * SAVE / BGSAVE in a running server (`npm start`'s process):
 * - a BGSAVE under concurrent writes (in-place changes of every type,
 *   deletes, renames, new keys, FLUSHALL) writes exactly the keyspace of
 *   the moment it answered: every key's DUMP and expiry as read before;
 * - a truncated or corrupt dump.rdb stops the start with an error naming
 *   the file and the byte offset;
 * - save points start a BGSAVE after enough changes, LASTSAVE and INFO follow.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKvProcess } from "../../support/kv_process.js";
import { RespClient, plain } from "../../support/resp_client.js";
import { loadRdb } from "../../../src/apps/kv/rdb/rdb_file.js";
import { dumpPayload } from "../../../src/apps/kv/rdb/rdb_value.js";
import { type Int64 } from "../../../src/apps/kv/commands/numbers.js";

const KEYS = 300;

function populate(i: number): string[][] {
  const k = `k${i}`;
  const items = (n: number, f: (j: number) => string[]) => Array.from({ length: n }, (_, j) => f(j)).flat();
  switch (i % 6) {
    case 0:
      return [["SET", k, `value-${i}`]];
    case 1:
      return [["RPUSH", k, ...items(20, (j) => [`e${j}`])]];
    case 2:
      return [["HSET", k, ...items(i % 12 === 2 ? 200 : 10, (j) => [`f${j}`, `v${j}`])]];
    case 3:
      return [["SADD", k, ...items(10, (j) => [i % 2 === 0 ? String(j) : `m${j}`])]];
    case 4:
      return [["ZADD", k, ...items(10, (j) => [String(j), `m${j}`])], ["PEXPIRE", k, "3600000"]];
    default:
      return [["XADD", k, "1-1", "a", "b"], ["XADD", k, "2-1", "c", "d"], ["XGROUP", "CREATE", k, "g", "0"], ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", k, ">"]];
  }
}

/** Writes that change key i in place (or replace, delete, rename it). */
function change(i: number): string[][] {
  const k = `k${i}`;
  switch (i % 6) {
    case 0:
      return i % 12 === 0 ? [["APPEND", k, "!"], ["SETRANGE", k, "0", "Z"]] : [["DEL", k], ["SET", `new${i}`, "x"]];
    case 1:
      return [["RPUSH", k, "more"], ["LPOP", k], ["LSET", k, "3", "changed"]];
    case 2:
      return [["HSET", k, "f1", "changed", "added", "1"], ["HDEL", k, "f2"]];
    case 3:
      return [["SADD", k, "added"], ["SPOP", k], ["RENAME", k, `renamed${i}`]];
    case 4:
      return [["ZADD", k, "100", "m1"], ["ZINCRBY", k, "5", "m2"], ["PERSIST", k]];
    default:
      return [["XADD", k, "3-1", "e", "f"], ["XACK", k, "g", "1-1"], ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", k, ">"], ["XTRIM", k, "MAXLEN", "0"]];
  }
}

async function info(c: RespClient, field: string): Promise<string> {
  const text = plain(await c.cmd("INFO", "persistence")) as string;
  return new RegExp(`${field}:(\\S*)`).exec(text)![1]!;
}

test("a BGSAVE under concurrent writes holds exactly the keyspace of the moment it answered", async () => {
  const kv = await startKvProcess(["--appendonly", "no", "--shards", "4"]);
  const c = await RespClient.connect(kv.port);
  const w = await RespClient.connect(kv.port);
  try {
    for (let i = 0; i < KEYS; i++) for (const cmd of populate(i)) assert.notEqual((await c.cmd(...cmd)).t, "error", cmd.join(" "));
    const before = new Map<string, [string, number]>();
    for (let i = 0; i < KEYS; i++) {
      const k = `k${i}`;
      before.set(k, [plain(await c.cmd("DUMP", k)) as string, Number(plain(await c.cmd("PEXPIRETIME", k)))]);
    }
    // One key written per ms: the dump runs for a while, and the writes below land in the middle of it.
    assert.equal(plain(await c.cmd("CONFIG", "SET", "rdb-key-save-delay", "1000")), "OK");
    assert.equal(plain(await c.cmd("BGSAVE")), "Background saving started");
    for (let i = KEYS - 1; i >= 0; i--) for (const cmd of change(i)) await w.cmd(...cmd);
    await w.cmd("SELECT", "3");
    await w.cmd("SET", "other-db", "x");
    assert.equal(await info(c, "rdb_bgsave_in_progress"), "1", "the writes ran while the dump was in progress");
    assert.equal(plain(await w.cmd("FLUSHALL")), "OK");
    for (let n = 0; (await info(c, "rdb_bgsave_in_progress")) === "1"; n++) {
      assert.ok(n < 600, "BGSAVE did not finish");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await info(c, "rdb_last_bgsave_status"), "ok");
    const got = new Map<string, [string, Int64 | undefined, number]>();
    loadRdb(readFileSync(join(kv.dir, "dump.rdb")), {
      key: (db, k, v, at) => void got.set(k, [dumpPayload(v).toString("latin1"), at, db]),
      library: () => {},
    });
    assert.deepEqual([...got.keys()].sort(), [...before.keys()].sort());
    for (const [k, [dump, at]] of before) {
      const [d, a, db] = got.get(k)!;
      assert.equal(db, 0);
      assert.equal(d, dump, `${k}'s value`);
      assert.equal(a === undefined ? -1 : Number(a), at, `${k}'s expiry`);
    }
  } finally {
    c.socket.destroy();
    w.socket.destroy();
    await kv.stop();
  }
});

test("a truncated or corrupt dump.rdb stops the start with the file and the byte offset", async () => {
  const dir = mkdtempSync(join(tmpdir(), "agner-rdb-bad-"));
  try {
    const kv = await startKvProcess(["--appendonly", "no", "--dir", dir]);
    const c = await RespClient.connect(kv.port);
    for (let i = 0; i < 50; i++) await c.cmd("RPUSH", `list${i}`, ...Array.from({ length: 30 }, (_, j) => `item${j}`));
    assert.equal(plain(await c.cmd("SAVE")), "OK");
    c.socket.destroy();
    await kv.stop();
    const good = readFileSync(join(dir, "dump.rdb"));
    const half = Math.floor(good.length / 2);
    writeFileSync(join(dir, "dump.rdb"), good.subarray(0, half));
    await assert.rejects(startKvProcess(["--appendonly", "no", "--dir", dir]), (e: Error) => {
      const m = /cannot load the RDB file (\S+) \(at byte (\d+)\): unexpected end of RDB data/.exec(e.message);
      assert.ok(m !== null, e.message);
      assert.equal(m[1], join(dir, "dump.rdb"));
      assert.ok(Number(m[2]) <= half);
      return true;
    });
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 0x55;
    writeFileSync(join(dir, "dump.rdb"), bad);
    await assert.rejects(startKvProcess(["--appendonly", "no", "--dir", dir]), new RegExp(`\\(at byte ${good.length - 8}\\): wrong RDB checksum`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a load at start is not a change: rdb_changes_since_last_save is 0 after it, as in redis-server", async () => {
  const dir = mkdtempSync(join(tmpdir(), "agner-rdb-dirty-"));
  try {
    let kv = await startKvProcess(["--appendonly", "no", "--dir", dir]);
    let c = await RespClient.connect(kv.port);
    for (let i = 0; i < 3; i++) await c.cmd("SET", `k${i}`, "v");
    assert.equal(plain(await c.cmd("SAVE")), "OK");
    c.socket.destroy();
    await kv.stop();
    kv = await startKvProcess(["--appendonly", "no", "--dir", dir]);
    c = await RespClient.connect(kv.port);
    try {
      assert.equal(plain(await c.cmd("DBSIZE")), 3);
      assert.equal(await info(c, "rdb_changes_since_last_save"), "0");
    } finally {
      c.socket.destroy();
      await kv.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a save point starts a BGSAVE after enough changes; LASTSAVE and INFO follow", async () => {
  const dir = mkdtempSync(join(tmpdir(), "agner-rdb-points-"));
  mkdirSync(dir, { recursive: true });
  const kv = await startKvProcess(["--appendonly", "no", "--dir", dir, "--save", "1 3"]);
  const c = await RespClient.connect(kv.port);
  try {
    const first = Number(plain(await c.cmd("LASTSAVE")));
    await c.cmd("SET", "a", "1");
    await c.cmd("SET", "b", "2");
    assert.equal(await info(c, "rdb_changes_since_last_save"), "2");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await info(c, "rdb_saves"), "0", "two changes are not enough");
    await c.cmd("SET", "c", "3");
    for (let n = 0; (await info(c, "rdb_saves")) === "0"; n++) {
      assert.ok(n < 100, "no save");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await info(c, "rdb_changes_since_last_save"), "0");
    assert.ok(Number(plain(await c.cmd("LASTSAVE"))) > first);
    let n = 0;
    loadRdb(readFileSync(join(dir, "dump.rdb")), { key: () => void n++, library: () => {} });
    assert.equal(n, 3);
  } finally {
    c.socket.destroy();
    await kv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("at start the AOF is preferred when both exist; with appendonly yes and no AOF yet, dump.rdb is loaded and becomes the base", async () => {
  const dir = mkdtempSync(join(tmpdir(), "agner-rdb-aof-"));
  try {
    // An RDB file alone: a=from-rdb, f=function library.
    let kv = await startKvProcess(["--appendonly", "no", "--dir", dir]);
    let c = await RespClient.connect(kv.port);
    await c.cmd("SET", "a", "from-rdb");
    await c.cmd("FUNCTION", "LOAD", "#!lua name=l1\nredis.register_function('one', function() return 1 end)");
    assert.equal(plain(await c.cmd("SAVE")), "OK");
    c.socket.destroy();
    await kv.stop();
    // appendonly yes, no AOF yet: the RDB's data, and the AOF's base holds it.
    kv = await startKvProcess(["--appendonly", "yes", "--dir", dir]);
    c = await RespClient.connect(kv.port);
    assert.equal(plain(await c.cmd("GET", "a")), "from-rdb");
    await c.cmd("SET", "b", "from-aof");
    c.socket.destroy();
    await kv.stop();
    rmSync(join(dir, "dump.rdb"));
    kv = await startKvProcess(["--appendonly", "yes", "--dir", dir]);
    c = await RespClient.connect(kv.port);
    assert.deepEqual([plain(await c.cmd("GET", "a")), plain(await c.cmd("GET", "b")), Number(plain(await c.cmd("FCALL", "one", "0")))], ["from-rdb", "from-aof", 1]);
    // Both exist, and differ: the AOF wins.
    await c.cmd("SET", "a", "changed");
    c.socket.destroy();
    await kv.stop();
    kv = await startKvProcess(["--appendonly", "no", "--dir", dir]);
    c = await RespClient.connect(kv.port);
    await c.cmd("SET", "a", "rdb-only");
    assert.equal(plain(await c.cmd("SAVE")), "OK");
    c.socket.destroy();
    await kv.stop();
    kv = await startKvProcess(["--appendonly", "yes", "--dir", dir]);
    c = await RespClient.connect(kv.port);
    assert.equal(plain(await c.cmd("GET", "a")), "changed");
    c.socket.destroy();
    await kv.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
