/**
 * The connection-level commands side by side with redis-server 7.0: the
 * same bytes sent to both must come back as the same bytes (fields that
 * differ by nature, ids, ports, times, versions, are normalised first).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RedisServer, needsRedis } from "../../support/redis_tools.js";
import { RespClient } from "../../support/resp_client.js";

let agner: TestServer;
let redis: RedisServer;
let agnerAuth: TestServer;
let redisAuth: RedisServer;

const guard = needsRedis();

before(async () => {
  if (guard.skip) return;
  agner = await startAgner();
  redis = await RedisServer.start();
  agnerAuth = await startAgner(["--requirepass", "s3cret"]);
  redisAuth = await RedisServer.start(["--requirepass", "s3cret"]);
});
after(async () => {
  if (guard.skip) return;
  await agner.stop();
  await agnerAuth.stop();
  await redis.stop();
  await redisAuth.stop();
});

/** Replaces what differs between two servers by nature. */
function normalise(s: string): string {
  return s
    .replace(/\$2\r\nid\r\n:\d+/g, "$2\r\nid\r\n:ID")
    .replace(/\$7\r\nversion\r\n\$\d+\r\n[\d.]+/g, "$7\r\nversion\r\n$V\r\nV")
    .replace(/^:\d+\r\n$/, ":N\r\n");
}

/** Sends each command on a fresh connection of both servers; the raw replies must agree. */
async function same(port1: number, port2: number, script: string[][], norm = normalise): Promise<void> {
  const a = await RespClient.connect(port1);
  const b = await RespClient.connect(port2);
  try {
    for (const argv of script) {
      const ra = norm(await a.raw(...argv));
      const rb = norm(await b.raw(...argv));
      assert.equal(ra, rb, `reply to ${JSON.stringify(argv)}`);
    }
  } finally {
    a.close();
    b.close();
  }
}

describe("connection commands, byte for byte with redis-server", guard, () => {
  test("PING, ECHO, SELECT", async () => {
    await same(agner.port, redis.port, [
      ["PING"],
      ["ping", "hello"],
      ["PING", "a", "b"],
      ["ECHO", "x y\r\nz"],
      ["ECHO"],
      ["ECHO", "a", "b"],
      ["SELECT", "15"],
      ["SELECT", "16"],
      ["SELECT", "-1"],
      ["SELECT", "x"],
      ["SELECT", " 1"],
      ["SELECT", "99999999999999999999"],
      ["SELECT", "1", "2"],
      ["SELECT", "0"],
    ]);
  });

  test("HELLO in its forms (RESP2 and RESP3 reply maps, errors)", async () => {
    await same(agner.port, redis.port, [["HELLO"], ["HELLO", "2"], ["HELLO", "4"], ["HELLO", "x"], ["HELLO", "1"], ["HELLO", "3", "FOO"], ["HELLO", "3", "AUTH", "default"]]);
    await same(agner.port, redis.port, [["HELLO", "3", "SETNAME", "bad name"], ["HELLO", "3", "SETNAME", "good"], ["CLIENT", "GETNAME"], ["PING"], ["HELLO", "2"], ["PING"]]);
    await same(agner.port, redis.port, [["HELLO", "3", "AUTH", "default", "wrong"], ["HELLO", "3", "AUTH", "nobody", "x"]]);
  });

  test("AUTH without a password configured", async () => {
    await same(agner.port, redis.port, [["AUTH", "x"], ["AUTH", "default", "x"], ["AUTH", "a", "b", "c"], ["AUTH"]]);
  });

  test("CLIENT subcommands and their errors", async () => {
    await same(agner.port, redis.port, [
      ["CLIENT", "GETNAME"],
      ["CLIENT", "SETNAME", "my-conn"],
      ["CLIENT", "GETNAME"],
      ["CLIENT", "SETNAME", "has space"],
      ["CLIENT", "SETNAME", "caf\xe9"],
      ["CLIENT", "SETNAME", ""],
      ["CLIENT", "GETNAME"],
      ["CLIENT"],
      ["CLIENT", "NOPE"],
      ["CLIENT", "GETNAME", "extra"],
      ["CLIENT", "KILL", "10.9.9.9:1"],
      ["CLIENT", "KILL", "ID", "0"],
      ["CLIENT", "KILL", "ID", "abc"],
      ["CLIENT", "KILL", "ID", "999999"],
      ["CLIENT", "KILL", "FOO", "bar"],
      ["CLIENT", "KILL", "SKIPME", "maybe"],
      ["CLIENT", "KILL", "TYPE", "nope"],
      ["CLIENT", "KILL", "USER", "nobody"],
      ["CLIENT", "LIST", "TYPE", "nope"],
      ["CLIENT", "LIST", "TYPE", "pubsub"],
      ["CLIENT", "LIST", "ID", "abc"],
      ["CLIENT", "LIST", "FOO"],
      ["CLIENT", "ID", "x"],
    ]);
    const norm = (s: string) => s.replace(/^:\d+\r\n$/, ":N\r\n");
    await same(agner.port, redis.port, [["CLIENT", "ID"]], norm);
  });

  test("CONFIG GET / SET and their errors", async () => {
    await same(agner.port, redis.port, [
      ["CONFIG", "GET", "maxclients"],
      ["CONFIG", "GET", "MAXCLIENTS"],
      ["CONFIG", "GET", "requirepass"],
      ["CONFIG", "GET", "appendonly"],
      ["CONFIG", "GET", "appendfsync"],
      ["CONFIG", "GET", "proto-max-bulk-len"],
      ["CONFIG", "GET", "hz"],
      ["CONFIG", "GET", "databases"],
      ["CONFIG", "GET", "timeout"],
      ["CONFIG", "GET", "nosuchsetting"],
      ["CONFIG", "GET"],
      ["CONFIG", "SET", "nosuch", "1"],
      ["CONFIG", "SET", "maxclients", "abc"],
      ["CONFIG", "SET", "appendfsync", "sometimes"],
      ["CONFIG", "SET", "protected-mode", "maybe"],
      ["CONFIG", "SET", "proto-max-bulk-len", "1kb"],
      ["CONFIG", "SET", "hz", "10", "hz", "11"],
      ["CONFIG", "SET", "databases", "3"],
      ["CONFIG", "SET", "hz", "10", "timeout"],
      ["CONFIG", "SET", "maxclients"],
      ["CONFIG", "SET", "hz", "1000"],
      ["CONFIG", "GET", "hz"],
      ["CONFIG", "SET", "hz", "0"],
      ["CONFIG", "GET", "hz"],
      ["CONFIG", "SET", "hz", "10", "timeout", "0"],
      ["CONFIG", "GET", "hz"],
      ["CONFIG", "NOPE"],
      ["CONFIG"],
    ]);
  });

  test("CONFIG GET with glob patterns returns the settings both have, each once", async () => {
    const a = await RespClient.connect(agner.port);
    const b = await RespClient.connect(redis.port);
    for (const pattern of ["max*", "*fsync*", "client-*", "prot*-mode", "h?"]) {
      const ra = (await a.cmd("CONFIG", "GET", pattern, pattern)) as { t: "array"; v: { v: string }[] };
      const rb = (await b.cmd("CONFIG", "GET", pattern, pattern)) as { t: "array"; v: { v: string }[] };
      const pairs = (r: typeof ra) => new Map(Array.from({ length: r.v.length / 2 }, (_, i) => [r.v[2 * i]!.v, r.v[2 * i + 1]!.v]));
      const pa = pairs(ra);
      const pb = pairs(rb);
      assert.ok(pa.size > 0, `agner matches ${pattern}`);
      for (const [k, v] of pa) {
        if (!pb.has(k)) continue; // agner-only settings (shards, node-name) or ones Redis has and Agner not
        if (k === "client-output-buffer-limit") continue; // Agner bounds normal clients by default
        assert.equal(v, pb.get(k), `${pattern}: ${k}`);
      }
    }
    a.close();
    b.close();
  });

  test("TIME is two bulk strings, seconds and microseconds", async () => {
    const norm = (s: string) => s.replace(/\$\d+\r\n\d+\r\n\$\d+\r\n\d+\r\n/, "$T\r\nT\r\n$U\r\nU\r\n");
    await same(agner.port, redis.port, [["TIME"], ["TIME", "x"]], norm);
  });

  test("with requirepass: NOAUTH before AUTH, WRONGPASS, then everything", async () => {
    await same(agnerAuth.port, redisAuth.port, [
      ["PING"],
      ["GET", "k"],
      ["SELECT", "1"],
      ["CLIENT", "ID"],
      ["NOSUCH"],
      ["GET"],
      ["HELLO"],
      ["HELLO", "3"],
      ["AUTH", "wrong"],
      ["AUTH", "default", "wrong"],
      ["AUTH", "s3cret"],
      ["PING"],
      ["SET", "k", "v"],
      ["GET", "k"],
      ["DEL", "k"],
    ]);
    await same(agnerAuth.port, redisAuth.port, [["HELLO", "2", "AUTH", "default", "s3cret", "SETNAME", "named"], ["CLIENT", "GETNAME"], ["PING"]]);
    await same(agnerAuth.port, redisAuth.port, [["QUIT"]]);
  });

  test("unknown commands and arity errors, as processCommand words them", async () => {
    await same(agner.port, redis.port, [["FOO"], ["foo", "a", "b\r\nc"], ["GET"], ["SET", "k"], [`X${"y".repeat(200)}`, "z".repeat(200)]]);
  });
});
