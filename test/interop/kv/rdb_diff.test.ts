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
import { assertSame, population, run, snapshot } from "../../support/repl_compare.js";

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
