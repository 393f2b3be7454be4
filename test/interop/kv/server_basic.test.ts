/**
 * The server with real clients on loopback sockets: redis-cli, ioredis and
 * node-redis (RESP2 and RESP3), and a raw socket for pipelining.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { needsRedis, redisCli } from "../../support/redis_tools.js";
import { RespClient, encodeCommand, plain } from "../../support/resp_client.js";
import { shardOf } from "../../../src/apps/kv/server/router.js";

let srv: TestServer;
before(async () => {
  srv = await startAgner(["--shards", "4"]);
});
after(async () => {
  await srv.stop();
});

/** Keys that land in distinct shards, so a pipeline of them is answered by several processes. */
function keysOnShards(n: number, mask: number, prefix = "k"): string[] {
  const seen = new Map<number, string>();
  for (let i = 0; seen.size < n; i++) {
    const k = `${prefix}${i}`;
    const s = shardOf(k, mask);
    if (!seen.has(s)) seen.set(s, k);
  }
  return [...seen.values()];
}

describe("raw RESP", () => {
  test("a pipeline over every shard is answered in request order", async () => {
    const c = await RespClient.connect(srv.port);
    const keys = keysOnShards(4, srv.inst.mask);
    const cmds: string[][] = [];
    for (let round = 0; round < 50; round++) {
      for (const k of keys) cmds.push(["SET", k, `${k}-${round}`], ["GET", k], ["INCR", `${k}:n`]);
      cmds.push(["PING"], ["MGET", ...keys], ["ECHO", `round ${round}`]);
    }
    c.write(Buffer.concat(cmds.map(encodeCommand)));
    for (let round = 0; round < 50; round++) {
      for (const k of keys) {
        assert.deepEqual(plain(await c.read()), "OK");
        assert.deepEqual(plain(await c.read()), `${k}-${round}`);
        assert.deepEqual(plain(await c.read()), round + 1);
      }
      assert.deepEqual(plain(await c.read()), "PONG");
      assert.deepEqual(plain(await c.read()), keys.map((k) => `${k}-${round}`));
      assert.deepEqual(plain(await c.read()), `round ${round}`);
    }
    c.close();
  });

  test("property: a pipeline written in chunks of any sizes gets every reply, in order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 1e6 }), async (sizes, salt) => {
        const c = await RespClient.connect(srv.port);
        const n = 300;
        const cmds: string[][] = [];
        for (let i = 0; i < n; i++) cmds.push(["SET", `pp:${salt}:${i}`, String(i)], ["GET", `pp:${salt}:${i}`]);
        const bytes = Buffer.concat(cmds.map(encodeCommand));
        for (let pos = 0, k = 0; pos < bytes.length; k++) {
          const size = sizes[k % sizes.length]!;
          c.write(bytes.subarray(pos, pos + size));
          pos += size;
          if (k % 3 === 0) await new Promise((r) => setImmediate(r));
        }
        for (let i = 0; i < n; i++) {
          assert.deepEqual(plain(await c.read()), "OK");
          assert.deepEqual(plain(await c.read()), String(i));
        }
        c.close();
      }),
      { numRuns: 25 },
    );
  });

  test("a command split across writes at every byte still parses", async () => {
    const c = await RespClient.connect(srv.port);
    const bytes = encodeCommand(["SET", "split:key", "value with spaces"]);
    for (let i = 0; i < bytes.length; i++) {
      c.write(bytes.subarray(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(plain(await c.read()), "OK");
    assert.deepEqual(plain(await c.cmd("GET", "split:key")), "value with spaces");
    c.close();
  });

  test("inline commands, unknown commands and arity errors", async () => {
    const c = await RespClient.connect(srv.port);
    c.write("PING\r\nECHO hello\r\n");
    assert.deepEqual(plain(await c.read()), "PONG");
    assert.deepEqual(plain(await c.read()), "hello");
    assert.deepEqual(plain(await c.cmd("NOSUCH", "a", "b")), { error: "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' " });
    assert.deepEqual(plain(await c.cmd("GET")), { error: "ERR wrong number of arguments for 'get' command" });
    c.close();
  });

  test("cross-shard MSET/MGET/DEL/EXISTS merge; RENAME, RENAMENX and MSETNX across shards", async () => {
    const c = await RespClient.connect(srv.port);
    const [a, b, d, e] = keysOnShards(4, srv.inst.mask, "x");
    assert.deepEqual(plain(await c.cmd("MSET", a!, "1", b!, "2", d!, "3")), "OK");
    assert.deepEqual(plain(await c.cmd("MGET", d!, "missing", a!, b!)), ["3", null, "1", "2"]);
    assert.deepEqual(plain(await c.cmd("EXISTS", a!, b!, a!, "missing")), 3);
    assert.deepEqual(plain(await c.cmd("RENAME", a!, e!)), "OK");
    assert.deepEqual(plain(await c.cmd("MGET", a!, e!)), [null, "1"]);
    assert.deepEqual(plain(await c.cmd("RENAME", "missing", e!)), { error: "ERR no such key" });
    assert.deepEqual(plain(await c.cmd("RENAMENX", e!, b!)), 0);
    assert.deepEqual(plain(await c.cmd("PEXPIRE", e!, "100000")), 1);
    assert.deepEqual(plain(await c.cmd("RENAMENX", e!, a!)), 1);
    const ttl = plain(await c.cmd("PTTL", a!)) as number;
    assert.ok(ttl > 0 && ttl <= 100000, `TTL moved with the key: ${ttl}`);
    assert.deepEqual(plain(await c.cmd("MSETNX", e!, "9", b!, "9")), 0);
    assert.deepEqual(plain(await c.cmd("GET", e!)), null);
    assert.deepEqual(plain(await c.cmd("MSETNX", e!, "9", "fresh:" + d!, "9")), 1);
    assert.deepEqual(plain(await c.cmd("DEL", a!, b!, d!, e!, "fresh:" + d!)), 5);
    c.close();
  });

  test("a pipeline after a cross-shard RENAME sees its effect", async () => {
    const c = await RespClient.connect(srv.port);
    const [a, b] = keysOnShards(2, srv.inst.mask, "rp");
    c.write(Buffer.concat([["SET", a!, "v"], ["RENAME", a!, b!], ["GET", b!], ["GET", a!]].map(encodeCommand)));
    assert.deepEqual([plain(await c.read()), plain(await c.read()), plain(await c.read()), plain(await c.read())], ["OK", "OK", "v", null]);
    c.close();
  });

  test("SELECT keeps databases apart; the keyspace fan-outs (DBSIZE, KEYS, SCAN, FLUSHDB)", async () => {
    const c = await RespClient.connect(srv.port);
    assert.deepEqual(plain(await c.cmd("SELECT", "5")), "OK");
    const keys = Array.from({ length: 40 }, (_, i) => `db5:${i}`);
    for (const k of keys) await c.cmd("SET", k, "x");
    assert.deepEqual(plain(await c.cmd("DBSIZE")), 40);
    assert.deepEqual((plain(await c.cmd("KEYS", "db5:*")) as string[]).sort(), [...keys].sort());
    const seen = new Set<string>();
    let cursor = "0";
    do {
      const [next, batch] = plain(await c.cmd("SCAN", cursor, "COUNT", "7")) as [string, string[]];
      for (const k of batch) seen.add(k);
      cursor = next;
    } while (cursor !== "0");
    assert.deepEqual([...seen].sort(), [...keys].sort());
    assert.deepEqual(plain(await c.cmd("SELECT", "6")), "OK");
    assert.deepEqual(plain(await c.cmd("DBSIZE")), 0);
    assert.deepEqual(plain(await c.cmd("GET", "db5:1")), null);
    assert.deepEqual(plain(await c.cmd("SELECT", "16")), { error: "ERR DB index is out of range" });
    assert.deepEqual(plain(await c.cmd("SELECT", "5")), "OK");
    assert.deepEqual(plain(await c.cmd("FLUSHDB")), "OK");
    assert.deepEqual(plain(await c.cmd("DBSIZE")), 0);
    c.close();
  });

  test("QUIT answers OK and closes after the replies before it", async () => {
    const c = await RespClient.connect(srv.port);
    c.write(Buffer.concat([["SET", "q", "1"], ["GET", "q"], ["QUIT"], ["GET", "q"]].map(encodeCommand)));
    const rest = await c.waitClosed();
    assert.equal(rest, "+OK\r\n$1\r\n1\r\n+OK\r\n");
  });
});

describe("redis-cli", needsRedis(), () => {
  test("commands, a pipe of many, and INFO", async () => {
    assert.equal((await redisCli(srv.port, ["SET", "cli:k", "hello world"])).trim(), "OK");
    assert.equal((await redisCli(srv.port, ["GET", "cli:k"])).trim(), "hello world");
    const lines = Array.from({ length: 1000 }, (_, i) => `SET pipe:${i} ${i}`).join("\n") + "\n";
    const out = await redisCli(srv.port, ["--pipe"], lines);
    assert.match(out, /errors: 0, replies: 1000/);
    assert.equal((await redisCli(srv.port, ["GET", "pipe:999"])).trim(), "999");
    const info = await redisCli(srv.port, ["INFO"]);
    for (const f of ["redis_version:7.0.15\r\n", "tcp_port:" + srv.port, "uptime_in_seconds:", "connected_clients:", "used_memory:", "total_commands_processed:", "instantaneous_ops_per_sec:", "keyspace_hits:", "keyspace_misses:", "expired_keys:", "aof_enabled:0", "db0:keys="]) {
      assert.ok(info.includes(f), `INFO has ${f}`);
    }
  });
});

describe("npm clients", () => {
  test("ioredis, RESP2 and RESP3", async () => {
    for (const protocol of [2, 3] as const) {
      const r = new Redis({ port: srv.port, host: "127.0.0.1", lazyConnect: true, ...(protocol === 3 ? { protocol: 3 } : {}) } as never);
      await r.connect();
      assert.equal(await r.set(`io:${protocol}`, "v"), "OK");
      assert.equal(await r.get(`io:${protocol}`), "v");
      assert.equal(await r.incrby(`io:${protocol}:n`, 5), 5);
      await r.hset(`io:${protocol}:h`, { a: "1", b: "2" });
      assert.deepEqual(await r.hgetall(`io:${protocol}:h`), { a: "1", b: "2" });
      const p = r.pipeline();
      for (let i = 0; i < 100; i++) p.set(`io:p:${i}`, String(i)).get(`io:p:${i}`);
      const res = (await p.exec())!;
      for (let i = 0; i < 100; i++) assert.deepEqual(res[2 * i + 1], [null, String(i)]);
      r.disconnect();
    }
  });

  test("node-redis, RESP2 and RESP3 (HELLO 3)", async () => {
    for (const RESP of [2, 3] as const) {
      const c = createClient({ socket: { port: srv.port, host: "127.0.0.1" }, RESP });
      await c.connect();
      assert.equal(await c.set(`nr:${RESP}`, "v"), "OK");
      assert.equal(await c.get(`nr:${RESP}`), "v");
      await c.hSet(`nr:${RESP}:h`, { f: "1" });
      const h = await c.hGetAll(`nr:${RESP}:h`);
      assert.equal((h as Record<string, string>).f, "1");
      const multi = await Promise.all(Array.from({ length: 50 }, (_, i) => c.incr(`nr:${RESP}:n`).then((v) => v)));
      assert.deepEqual([...multi].sort((a, b) => Number(a) - Number(b)), Array.from({ length: 50 }, (_, i) => i + 1));
      if (RESP === 3) {
        const hello = await c.sendCommand(["HELLO", "3"]);
        assert.match(JSON.stringify(hello, (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v)), /"proto":3/);
      }
      await c.quit();
    }
  });
});
