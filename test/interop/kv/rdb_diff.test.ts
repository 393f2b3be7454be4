/**
 * RDB files both ways with a real redis-server 7.0.15: the same commands
 * build the same keyspace in both (every type, small and big encodings,
 * expiries, streams with consumer groups, a function library); Agner's
 * SAVE is loaded by a fresh redis-server, redis-server's SAVE by a fresh
 * Agner, and each is checked key by key against the server that wrote it
 * (type, encoding, absolute expiry, contents; streams with XINFO STREAM FULL).
 * Already expired keys in a file are skipped at load, as Redis does.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { needsRedisServer, startRedis, type RedisServer } from "../../support/redis_server.js";
import { type KvProcess, startKvProcess } from "../../support/kv_process.js";
import { RespClient, plain } from "../../support/resp_client.js";

const LIB = "#!lua name=rdblib\nredis.register_function('answer', function() return 42 end)";

/** Commands that build a keyspace of every type and encoding. */
function population(): string[][] {
  const cmds: string[][] = [];
  const far = String(Date.now() + 3_600_000);
  cmds.push(["SET", "s:small", "hello"], ["SET", "s:int", "12345"], ["SET", "s:raw", "x".repeat(500)], ["SET", "s:ttl", "v", "PXAT", far]);
  cmds.push(["SET", "s:bin", "\x00\xff\r\n"], ["SETRANGE", "s:bits", "3", "abc"]);
  cmds.push(["RPUSH", "l:small", "a", "1", "b"], ["RPUSH", "l:big", ...Array.from({ length: 2000 }, (_, i) => `element-${i}`)]);
  cmds.push(["RPUSH", "l:huge", "y".repeat(10000), "z"]);
  cmds.push(["SADD", "set:int", "1", "2", "-7"], ["SADD", "set:str", "a", "b", "c"], ["SADD", "set:big", ...Array.from({ length: 700 }, (_, i) => `m${i}`)]);
  cmds.push(["ZADD", "z:small", "1", "a", "2.5", "b", "-inf", "c"], ["ZADD", "z:big", ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `m${i}`]).flat()]);
  cmds.push(["HSET", "h:small", "f", "v", "n", "1"], ["HSET", "h:big", ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat()]);
  cmds.push(["HSET", "h:long", "f", "v".repeat(100)], ["PEXPIREAT", "h:long", far]);
  for (let i = 0; i < 150; i++) cmds.push(["XADD", "x:s", `${1700000000000 + i}-0`, "f", String(i), "g", "w".repeat(i % 40)]);
  cmds.push(["XDEL", "x:s", "1700000000003-0"], ["XGROUP", "CREATE", "x:s", "g1", "0"], ["XGROUP", "CREATE", "x:s", "g2", "$"]);
  cmds.push(["XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "x:s", ">"], ["XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "x:s", ">"]);
  cmds.push(["XACK", "x:s", "g1", "1700000000001-0"], ["XADD", "x:empty", "1-1", "a", "b"], ["XDEL", "x:empty", "1-1"]);
  cmds.push(["SELECT", "5"], ["SET", "db5:key", "in five"], ["SELECT", "0"]);
  cmds.push(["FUNCTION", "LOAD", LIB]);
  return cmds;
}

async function run(c: RespClient, cmds: string[][]): Promise<void> {
  for (const argv of cmds) {
    const r = await c.cmd(...argv);
    assert.notEqual(r.t, "error", `${argv.join(" ").slice(0, 80)}: ${JSON.stringify(plain(r))}`);
  }
}

/** Everything a server holds, key by key, in a form both servers answer alike. */
async function snapshot(c: RespClient): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const db of ["0", "5"]) {
    await c.cmd("SELECT", db);
    const keys = (plain(await c.cmd("KEYS", "*")) as string[]).sort();
    for (const k of keys) {
      const type = plain(await c.cmd("TYPE", k)) as string;
      // A string's encoding is not in the file (a loaded one is int, embstr or raw by its length, in both).
      const enc = type === "string" ? null : plain(await c.cmd("OBJECT", "ENCODING", k));
      const at = plain(await c.cmd("PEXPIRETIME", k));
      let v: unknown;
      if (type === "string") v = plain(await c.cmd("GET", k));
      else if (type === "list") v = plain(await c.cmd("LRANGE", k, "0", "-1"));
      else if (type === "set") v = (plain(await c.cmd("SMEMBERS", k)) as string[]).sort();
      else if (type === "zset") v = plain(await c.cmd("ZRANGE", k, "0", "-1", "WITHSCORES"));
      else if (type === "hash") v = pairsSorted(plain(await c.cmd("HGETALL", k)) as string[]);
      else v = plain(await c.cmd("XINFO", "STREAM", k, "FULL"));
      out.set(`${db}/${k}`, { type, enc, at, v });
    }
  }
  await c.cmd("SELECT", "0");
  out.set("functions", plain(await c.cmd("FUNCTION", "LIST", "WITHCODE")));
  return out;
}

function pairsSorted(a: string[]): string[][] {
  const p: string[][] = [];
  for (let i = 0; i < a.length; i += 2) p.push([a[i]!, a[i + 1]!]);
  return p.sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
}

function assertSame(got: Map<string, unknown>, want: Map<string, unknown>): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) assert.deepEqual(got.get(k), v, k);
}

describe("RDB files with redis-server 7.0.15", needsRedisServer(), () => {
  let dir = "";
  const stops: (() => Promise<unknown>)[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "agner-rdb-diff-"));
  });
  after(async () => {
    for (const s of stops.reverse()) await s();
    rmSync(dir, { recursive: true, force: true });
  });

  async function redisOn(d: string): Promise<[RedisServer, RespClient]> {
    const r = await startRedis(["--dir", d]);
    stops.push(() => r.stop());
    const c = await RespClient.connect(r.port);
    stops.push(async () => c.socket.destroy());
    return [r, c];
  }
  async function agnerOn(d: string): Promise<[KvProcess, RespClient]> {
    const a = await startKvProcess(["--appendonly", "no", "--dir", d]);
    stops.push(() => a.stop());
    const c = await RespClient.connect(a.port);
    stops.push(async () => c.socket.destroy());
    return [a, c];
  }

  test("redis-server loads Agner's dump.rdb, key by key", async () => {
    const src = join(dir, "agner");
    const dst = join(dir, "redis-loads");
    for (const d of [src, dst]) rmSync(d, { recursive: true, force: true });
    const [, ac] = await agnerOn(mkdir(src));
    await run(ac, population());
    const want = await snapshot(ac);
    assert.deepEqual(plain(await ac.cmd("SAVE")), "OK");
    copyFileSync(join(src, "dump.rdb"), join(mkdir(dst), "dump.rdb"));
    const [, rc] = await redisOn(dst);
    assertSame(await snapshot(rc), want);
    assert.equal(Number(plain(await rc.cmd("FCALL", "answer", "0"))), 42);
  });

  test("Agner loads redis-server's dump.rdb, key by key", async () => {
    const src = join(dir, "redis");
    const dst = join(dir, "agner-loads");
    const [, rc] = await redisOn(mkdir(src));
    await run(rc, population());
    const want = await snapshot(rc);
    assert.deepEqual(plain(await rc.cmd("SAVE")), "OK");
    copyFileSync(join(src, "dump.rdb"), join(mkdir(dst), "dump.rdb"));
    const [, ac] = await agnerOn(dst);
    assertSame(await snapshot(ac), want);
    assert.equal(Number(plain(await ac.cmd("FCALL", "answer", "0"))), 42);
  });

  test("SAVE, BGSAVE and LASTSAVE answer as redis-server's, during a BGSAVE and after", async () => {
    const [, rc] = await redisOn(mkdir(join(dir, "replies-r")));
    const [, ac] = await agnerOn(mkdir(join(dir, "replies-a")));
    const replies: unknown[][] = [];
    for (const c of [rc, ac]) {
      const got: unknown[] = [];
      for (let i = 0; i < 10; i++) await c.cmd("SET", `k${i}`, "v");
      got.push(plain(await c.cmd("BGSAVE", "now")));
      await c.cmd("CONFIG", "SET", "rdb-key-save-delay", "100000"); // 0.1 s per key: the BGSAVE lasts a second
      got.push(plain(await c.cmd("BGSAVE")));
      got.push(plain(await c.cmd("BGSAVE")), plain(await c.cmd("BGSAVE", "SCHEDULE")), plain(await c.cmd("SAVE")));
      got.push(/rdb_bgsave_in_progress:1/.test(plain(await c.cmd("INFO", "persistence")) as string));
      while (/rdb_bgsave_in_progress:1/.test(plain(await c.cmd("INFO", "persistence")) as string)) await new Promise((r) => setTimeout(r, 50));
      await c.cmd("CONFIG", "SET", "rdb-key-save-delay", "0");
      const text = plain(await c.cmd("INFO", "persistence")) as string;
      got.push(/rdb_last_bgsave_status:ok/.test(text), /rdb_changes_since_last_save:0\r/.test(text), /rdb_saves:1\r/.test(text));
      const last = Number(plain(await c.cmd("LASTSAVE")));
      got.push(Math.abs(last - Date.now() / 1000) < 5);
      got.push(plain(await c.cmd("SAVE")), /rdb_saves:2\r/.test(plain(await c.cmd("INFO", "persistence")) as string));
      replies.push(got);
    }
    assert.deepEqual(replies[1], replies[0]);
    assert.deepEqual(replies[0]!.slice(1, 5), ["Background saving started", ...Array.from({ length: 3 }, () => ({ error: "ERR Background save already in progress" }))]);
  });

  test("keys already expired in the file are skipped at load, by both", async () => {
    const src = join(dir, "exp");
    const [, ac] = await agnerOn(mkdir(src));
    await run(ac, [["SET", "soon", "v", "PX", "150"], ["SET", "stays", "v"]]);
    assert.deepEqual(plain(await ac.cmd("SAVE")), "OK");
    await new Promise((r) => setTimeout(r, 300));
    for (const d of [join(dir, "exp-r"), join(dir, "exp-a")]) copyFileSync(join(src, "dump.rdb"), join(mkdir(d), "dump.rdb"));
    const [, rc] = await redisOn(join(dir, "exp-r"));
    const [, ac2] = await agnerOn(join(dir, "exp-a"));
    for (const c of [rc, ac2]) assert.deepEqual(plain(await c.cmd("KEYS", "*")), ["stays"]);
    const info = plain(await ac2.cmd("INFO", "persistence")) as string;
    assert.match(info, /rdb_last_load_keys_expired:1\r\n/);
    assert.match(info, /rdb_last_load_keys_loaded:1\r\n/);
  });
});

function mkdir(d: string): string {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  return d;
}
