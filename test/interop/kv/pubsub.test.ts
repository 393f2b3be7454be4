/**
 * Pub/sub side by side with redis-server 7.0: the same commands from the
 * same connections, interleaved the same way, give the same bytes
 * (subscribe confirmations, messages and pattern messages, RESP2's
 * subscribed mode, RESP3 pushes, PUBSUB's introspection); then the ioredis
 * and node-redis subscriber APIs, a slow subscriber cut at the pubsub
 * output limit, and a dead subscriber's rows gone from the table.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RedisServer, needsRedis } from "../../support/redis_tools.js";
import { RespClient, plain } from "../../support/resp_client.js";

let agner: TestServer;
let redis: RedisServer;
const guard = needsRedis();

before(async () => {
  if (guard.skip) return;
  agner = await startAgner(["--shards", "2"]);
  redis = await RedisServer.start();
});
after(async () => {
  if (guard.skip) return;
  await agner.stop();
  await redis.stop();
});

/**
 * A step: [connection, command, how many replies/pushes it makes arrive on
 * which connections (a negative count: read that many, but they differ by
 * nature)]. Each server gets the same steps; every connection's bytes must
 * agree.
 */
type Step = [conn: number, argv: string[], reads: [conn: number, count: number][]];

async function same(steps: Step[], conns: number, sort = false): Promise<void> {
  const a = await Promise.all(Array.from({ length: conns }, () => RespClient.connect(agner.port)));
  const b = await Promise.all(Array.from({ length: conns }, () => RespClient.connect(redis.port)));
  try {
    for (const [k, argv, reads] of steps) {
      a[k]!.send(...argv);
      b[k]!.send(...argv);
      for (const [j, count] of reads) {
        for (let i = 0; i < Math.abs(count); i++) {
          let ra = await a[j]!.readRaw();
          let rb = await b[j]!.readRaw();
          if (count < 0) continue;
          if (sort) [ra, rb] = [ra.split("\r\n").sort().join(), rb.split("\r\n").sort().join()];
          assert.equal(ra, rb, `${JSON.stringify(argv)} from ${k}: reply ${i} on connection ${j}`);
        }
      }
    }
  } finally {
    for (const c of [...a, ...b]) c.close();
  }
}

describe("pub/sub, byte for byte with redis-server", guard, () => {
  test("SUBSCRIBE, PSUBSCRIBE, PUBLISH to both, UNSUBSCRIBE forms, subscribed mode", async () => {
    await same([
      [0, ["SUBSCRIBE", "news", "sport"], [[0, 2]]],
      [1, ["PSUBSCRIBE", "n*", "x?"], [[1, 2]]],
      [2, ["PUBLISH", "news", "hello"], [[2, 1], [0, 1], [1, 1]]],
      [2, ["PUBLISH", "sport", "goal"], [[2, 1], [0, 1]]],
      [2, ["PUBLISH", "xy", "z"], [[2, 1], [1, 1]]],
      [2, ["PUBLISH", "nobody", "z"], [[2, 1], [1, 1]]],
      [2, ["PUBLISH", "quiet", "z"], [[2, 1]]],
      [0, ["GET", "k"], [[0, 1]]],
      [0, ["PING"], [[0, 1]]],
      [0, ["PING", "hi"], [[0, 1]]],
      [0, ["SUBSCRIBE", "news"], [[0, 1]]],
      [0, ["UNSUBSCRIBE", "sport", "never"], [[0, 2]]],
      [0, ["UNSUBSCRIBE"], [[0, 1]]],
      [0, ["UNSUBSCRIBE"], [[0, 1]]],
      [0, ["GET", "k"], [[0, 1]]],
      [1, ["PUNSUBSCRIBE", "x?"], [[1, 1]]],
      [1, ["PUNSUBSCRIBE"], [[1, 1]]],
      [1, ["PUNSUBSCRIBE"], [[1, 1]]],
      [0, ["SUBSCRIBE"], [[0, 1]]],
      [0, ["PUBLISH", "a"], [[0, 1]]],
    ], 3);
  });

  test("CLIENT INFO of a subscriber: flags=P, sub and psub counts, as Redis shows them", async () => {
    for (const port of [agner.port, redis.port]) {
      const c = await RespClient.connect(port);
      const other = await RespClient.connect(port);
      const id = String(plain(await c.cmd("CLIENT", "ID")));
      await c.cmd("SUBSCRIBE", "i1");
      await c.cmd("PSUBSCRIBE", "i*", "j*");
      await c.read(); // the second confirmation
      const row = String(plain(await other.cmd("CLIENT", "LIST", "ID", id)));
      assert.match(row, / flags=P .* sub=1 psub=2 /, `port ${port}: ${row}`);
      c.close();
      other.close();
    }
  });

  test("a client subscribed both ways gets both, and PUBLISH counts both", async () => {
    await same([
      [0, ["SUBSCRIBE", "c"], [[0, 1]]],
      [0, ["PSUBSCRIBE", "c*"], [[0, 1]]],
      [1, ["PUBLISH", "c", "m"], [[1, 1], [0, 2]]],
    ], 2);
  });

  test("RESP3: confirmations and messages are pushes, and other commands still answer", async () => {
    await same([
      [0, ["HELLO", "3"], [[0, -1]]],
      [0, ["SUBSCRIBE", "ch"], [[0, 1]]],
      [0, ["SET", "k3", "v"], [[0, 1]]],
      [1, ["PUBLISH", "ch", "pushed"], [[1, 1], [0, 1]]],
      [0, ["GET", "k3"], [[0, 1]]],
      [0, ["PING"], [[0, 1]]],
      [0, ["UNSUBSCRIBE"], [[0, 1]]],
    ], 2);
  });

  test("PUBSUB CHANNELS, NUMSUB, NUMPAT", async () => {
    await same([
      [0, ["SUBSCRIBE", "ps-a", "ps-b"], [[0, 2]]],
      [1, ["SUBSCRIBE", "ps-a"], [[1, 1]]],
      [1, ["PSUBSCRIBE", "ps-*", "q"], [[1, 2]]],
      [2, ["PUBSUB", "CHANNELS", "ps-*"], [[2, 1]]],
      [2, ["PUBSUB", "NUMSUB", "ps-a", "ps-b", "none"], [[2, 1]]],
      [2, ["PUBSUB", "NUMSUB"], [[2, 1]]],
      [2, ["PUBSUB", "NUMPAT"], [[2, 1]]],
      [2, ["PUBSUB", "NUMPAT", "x"], [[2, 1]]],
      [2, ["PUBSUB", "FOO"], [[2, 1]]],
    ], 3, true);
  });
});

describe("pub/sub from client libraries and under load", guard, () => {
  test("ioredis: subscribe / psubscribe events, publish counts", async () => {
    const sub = new Redis({ port: agner.port });
    const pub = new Redis({ port: agner.port });
    try {
      const got: string[] = [];
      const all = new Promise<void>((resolve) => {
        sub.on("message", (ch: string, m: string) => {
          got.push(`message ${ch} ${m}`);
          if (got.length === 2) resolve();
        });
        sub.on("pmessage", (p: string, ch: string, m: string) => {
          got.push(`pmessage ${p} ${ch} ${m}`);
          if (got.length === 2) resolve();
        });
      });
      assert.equal(await sub.subscribe("io-a", "io-b"), 2);
      assert.equal(await sub.psubscribe("io-*"), 3);
      assert.equal(await pub.publish("io-a", "1"), 2);
      await all;
      assert.deepEqual(got.sort(), ["message io-a 1", "pmessage io-* io-a 1"]);
      assert.deepEqual(await pub.pubsub("NUMSUB", "io-a"), ["io-a", 1]);
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });

  test("node-redis (RESP2 subscriber connection): messages arrive in publish order", async () => {
    const sub = createClient({ socket: { port: agner.port } });
    const pub = createClient({ socket: { port: agner.port } });
    await sub.connect();
    await pub.connect();
    try {
      const got: string[] = [];
      const done = new Promise<void>((resolve) => {
        void sub.subscribe("nr-ch", (m) => {
          got.push(m);
          if (got.length === 100) resolve();
        });
      });
      while ((await pub.pubSubNumSub("nr-ch"))["nr-ch"] !== 1) await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 100; i++) await pub.publish("nr-ch", String(i));
      await done;
      assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => String(i)));
    } finally {
      await sub.quit();
      await pub.quit();
    }
  });

  test("a subscriber that never reads is cut at the pubsub output limit; the publisher carries on", async () => {
    const s = await startAgner(["--client-output-buffer-limit", "pubsub 1mb 0 0"]);
    try {
      const sub = await RespClient.connect(s.port);
      await sub.cmd("SUBSCRIBE", "flood");
      sub.socket.pause(); // reads nothing from now on
      const pub = await RespClient.connect(s.port);
      const big = "x".repeat(64 * 1024);
      let receivers = 1;
      for (let i = 0; i < 2000 && receivers > 0; i++) receivers = Number(plain(await pub.cmd("PUBLISH", "flood", big)));
      assert.equal(receivers, 0, "the subscriber was disconnected");
      assert.equal(s.inst.stats.outputLimitDisconnections, 1);
      assert.equal(s.inst.pubsub.channels.size, 0, "its subscription went with it");
      pub.close();
      sub.close();
    } finally {
      await s.stop();
    }
  });
});
