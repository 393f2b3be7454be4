/**
 * Every kind of RESP protocol error closes the connection after its error
 * reply (the query buffer limit: without one), as redis-server 7.0 does,
 * and nothing sent after the bad bytes runs, in the same write or a later
 * one. Each case: PING, then the bad bytes followed by `SET after 1`, on
 * Agner and on redis-server; the bytes each sends until it closes must be
 * the same, and `after` must not exist.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RedisServer, needsRedis } from "../../support/redis_tools.js";
import { RespClient } from "../../support/resp_client.js";

const SET_AFTER = "*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n";
const BIG = 70_000; // past PROTO_INLINE_MAX_SIZE (64 KB)

/** [what, bytes]: one per error path of Redis' processInlineBuffer / processMultibulkBuffer. */
const OPEN_CASES: [string, string][] = [
  ["invalid multibulk length", "*a\r\n"],
  ["multibulk length over INT_MAX", "*3000000000\r\n"],
  ["expected '$'", "*1\r\n+GET\r\n"],
  ["invalid bulk length", "*1\r\n$x\r\n"],
  ["negative bulk length", "*1\r\n$-1\r\n"],
  ["bulk length over proto-max-bulk-len", "*1\r\n$600000000\r\n"],
  ["unbalanced quotes", 'SET "a\r\n'],
  ["too big inline request", "x".repeat(BIG)],
  ["too big mbulk count string", "*" + "1".repeat(BIG)],
  ["too big bulk count string", "*1\r\n$" + "1".repeat(BIG)],
];

/** With requirepass set: the limits for clients not yet authenticated. */
const AUTH_CASES: [string, string][] = [
  ["unauthenticated multibulk length", "*11\r\n"],
  ["unauthenticated bulk length", "*1\r\n$16385\r\n"],
];

async function afterExists(port: number, pass: string | null): Promise<string> {
  const c = await RespClient.connect(port);
  try {
    if (pass !== null) await c.raw("AUTH", pass);
    return await c.raw("EXISTS", "after");
  } finally {
    c.close();
  }
}

/** What the server sends for PING then `bytes + SET after 1` until it closes; and whether `after` exists then. */
async function run(port: number, bytes: string, split: boolean, pass: string | null): Promise<[string, string]> {
  const c = await RespClient.connect(port);
  c.write("PING\r\n");
  if (split) {
    c.write(bytes);
    // The rest in a later read: must not run either.
    await new Promise((r) => setTimeout(r, 20));
    c.write(SET_AFTER);
  } else c.write(bytes + SET_AFTER);
  const out = await c.waitClosed();
  return [out, await afterExists(port, pass)];
}

describe("a protocol error closes the connection after its reply, as redis-server does", needsRedis(), () => {
  let agner: TestServer;
  let agnerAuth: TestServer;
  let redis: RedisServer;
  let redisAuth: RedisServer;
  before(async () => {
    agner = await startAgner();
    agnerAuth = await startAgner(["--requirepass", "pw"]);
    redis = await RedisServer.start();
    redisAuth = await RedisServer.start(["--requirepass", "pw"]);
  });
  after(async () => {
    await agner?.stop();
    await agnerAuth?.stop();
    await redis?.stop();
    await redisAuth?.stop();
  });

  for (const [what, bytes] of OPEN_CASES) {
    // An inline line followed by a newline is no error, however long: that case sends the rest later only.
    for (const split of what.includes("inline") ? [true] : [false, true]) {
      test(`${what}${split ? ", the next command in a later write" : ""}`, async () => {
        const theirs = await run(redis.port, bytes, split, null);
        const mine = await run(agner.port, bytes, split, null);
        assert.match(theirs[0], /^\+PONG\r\n-ERR Protocol error: /);
        assert.deepEqual(mine, theirs);
        assert.equal(mine[1], ":0\r\n");
      });
    }
  }

  for (const [what, bytes] of AUTH_CASES) {
    test(what, async () => {
      // PING answers NOAUTH before the error, on both.
      const theirs = await run(redisAuth.port, bytes, false, "pw");
      const mine = await run(agnerAuth.port, bytes, false, "pw");
      assert.match(theirs[0], /-ERR Protocol error: unauthenticated/);
      assert.deepEqual(mine, theirs);
    });
  }

  test("over client-query-buffer-limit: closed without a reply", async () => {
    for (const port of [agner.port, redis.port]) {
      const c = await RespClient.connect(port);
      await c.raw("CONFIG", "SET", "client-query-buffer-limit", "1mb");
      c.close();
    }
    // A bulk of 2 MB announced, 1.5 MB of it sent: the buffer passes the limit before the command is whole.
    const bytes = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n" + "v".repeat(1_500_000);
    const outs: string[] = [];
    for (const port of [redis.port, agner.port]) {
      const c = await RespClient.connect(port);
      c.write("PING\r\n" + bytes);
      outs.push(await c.waitClosed());
    }
    assert.equal(outs[0], "+PONG\r\n");
    assert.equal(outs[1], outs[0]);
  });
});
