/**
 * Blocking commands over the server, beyond the replies (blocking_diff):
 * what a served client popped is in the append-only file after the push
 * that fed it (a restart replays to the same lists); a shard that dies
 * while clients wait keeps them waiting (the waiters live in its table, as
 * its data does); a real client library's blocking calls work.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Redis } from "ioredis";
import { atom, exit, processInfo, sys, whereis } from "../../../src/index.js";
import { shardOf } from "../../../src/apps/kv/server/router.js";
import { restarted, startAgner } from "../../support/agner_kv.js";
import { RespClient } from "../../support/resp_client.js";

async function blockedClients(c: RespClient): Promise<number> {
  return Number(/blocked_clients:(\d+)/.exec(await c.raw("INFO", "clients"))![1]);
}

async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 2));
}

async function waitBlocked(c: RespClient, n: number): Promise<void> {
  while ((await blockedClients(c)) !== n) await new Promise((r) => setTimeout(r, 2));
}

describe("blocking commands over the server", () => {
  test("the pops of served clients are in the AOF after the pushes: a restart gives the same lists", async () => {
    const dir = await mkdtemp(join(tmpdir(), "blocking-"));
    const args = ["--shards", "4", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir];
    let agner = await startAgner(args);
    try {
      const a = await RespClient.connect(agner.port);
      const b = await RespClient.connect(agner.port);
      const o = await RespClient.connect(agner.port);
      a.send("BLPOP", "q", "0");
      b.send("BLMOVE", "q", "dst", "LEFT", "RIGHT", "0");
      await waitBlocked(o, 2);
      assert.equal(await o.raw("RPUSH", "q", "1", "2", "3"), ":3\r\n");
      assert.equal(await a.readRaw(), "*2\r\n$1\r\nq\r\n$1\r\n1\r\n");
      assert.equal(await b.readRaw(), "$1\r\n2\r\n");
      a.send("BZPOPMAX", "z", "0");
      await waitBlocked(o, 1);
      await o.raw("ZADD", "z", "1", "x", "2", "y");
      assert.equal(await a.readRaw(), "*3\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\n2\r\n");
      for (const c of [a, b, o]) c.close();
      await agner.stop();
      agner = await startAgner(args);
      const c = await RespClient.connect(agner.port);
      assert.equal(await c.raw("LRANGE", "q", "0", "-1"), "*1\r\n$1\r\n3\r\n");
      assert.equal(await c.raw("LRANGE", "dst", "0", "-1"), "*1\r\n$1\r\n2\r\n");
      assert.equal(await c.raw("ZRANGE", "z", "0", "-1"), "*1\r\n$1\r\nx\r\n");
      c.close();
    } finally {
      await agner.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the writer dies before a served pop is written: the served client gets an error, not the element", async () => {
    const dir = await mkdtemp(join(tmpdir(), "blocking-"));
    const agner = await startAgner(["--shards", "2", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir]);
    try {
      const a = await RespClient.connect(agner.port);
      const o = await RespClient.connect(agner.port);
      a.send("BLPOP", "q", "0");
      await waitBlocked(o, 1);
      const writer = whereis(agner.inst.names.writer)!;
      await sys.suspend(writer); // what the shard sends it waits, unwritten
      o.send("RPUSH", "q", "x");
      await until(() => (processInfo(writer, "message_queue_len") ?? 0) >= 2);
      exit(writer, atom("kill"));
      assert.match(await o.readRaw(), /^-ERR persistence writer/);
      assert.match(await a.readRaw(), /^-ERR persistence writer/);
      a.close();
      o.close();
    } finally {
      await agner.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a shard killed while clients wait on its keys: they are still served, in order", async () => {
    const agner = await startAgner(["--shards", "4"]);
    try {
      const a = await RespClient.connect(agner.port);
      const b = await RespClient.connect(agner.port);
      const o = await RespClient.connect(agner.port);
      a.send("BRPOP", "k", "0");
      b.send("BRPOP", "k", "0");
      await waitBlocked(o, 2);
      const name = agner.inst.names.shards[shardOf("k", 3)]!;
      const old = whereis(name)!;
      exit(old, "kill");
      await restarted(name, old);
      assert.equal(await o.raw("LPUSH", "k", "first", "second"), ":2\r\n");
      assert.equal(await a.readRaw(), "*2\r\n$1\r\nk\r\n$5\r\nfirst\r\n");
      assert.equal(await b.readRaw(), "*2\r\n$1\r\nk\r\n$6\r\nsecond\r\n");
      assert.equal(await blockedClients(o), 0);
      for (const c of [a, b, o]) c.close();
    } finally {
      await agner.stop();
    }
  });

  test("ioredis: a worker loop on BRPOPLPUSH and BZPOPMIN gets every job once", async () => {
    const agner = await startAgner(["--shards", "4"]);
    const worker = new Redis({ port: agner.port, lazyConnect: true });
    const producer = new Redis({ port: agner.port, lazyConnect: true });
    try {
      await worker.connect();
      await producer.connect();
      const got: string[] = [];
      const loop = (async () => {
        for (let i = 0; i < 20; i++) got.push((await worker.brpoplpush("jobs", "active", 0))!);
        const z = await worker.bzpopmin("delayed", 0);
        got.push(z![1]);
      })();
      for (let i = 0; i < 20; i++) await producer.lpush("jobs", `job${i}`);
      await producer.zadd("delayed", 5, "later");
      await loop;
      assert.deepEqual(got, [...Array.from({ length: 20 }, (_, i) => `job${i}`), "later"]);
      assert.equal(await producer.llen("active"), 20);
      assert.equal(await producer.exists("jobs"), 0);
    } finally {
      worker.disconnect();
      producer.disconnect();
      await agner.stop();
    }
  });
});
