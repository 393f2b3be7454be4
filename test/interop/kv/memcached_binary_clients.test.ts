/**
 * The memcached port's binary protocol with a real client, `memjs` (binary
 * only, SASL PLAIN when given credentials), on loopback sockets: its
 * commands on the data Redis and the text protocol see, and SASL against
 * the server's `requirepass`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import memjs from "memjs";
import { memcachedPort } from "../../../src/apps/kv/memcached/memcached_server.js";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { McBinConnection, frame, storeExtras } from "../../support/mc_binary_client.js";
import { exchange } from "../../support/memcached_server.js";

function client(port: number, creds: { username?: string; password?: string } = {}): memjs.Client {
  return memjs.Client.create(`127.0.0.1:${port}`, { retries: 0, timeout: 5, logger: { log() {} }, ...creds });
}

describe("memjs (binary protocol)", () => {
  let srv: TestServer;
  let mc: memjs.Client;
  let redis: Redis;
  before(async () => {
    srv = await startAgner(["--shards", "4"]);
    mc = client(memcachedPort(srv.inst));
    redis = new Redis({ port: srv.port, host: "127.0.0.1", lazyConnect: true });
    await redis.connect();
  });
  after(async () => {
    mc?.close();
    redis?.disconnect();
    await srv?.stop();
  });

  test("set, get, delete, add, replace, append", async () => {
    assert.equal(await mc.set("mj:a", "hello", { expires: 0 }), true);
    const got = await mc.get("mj:a");
    assert.equal(got.value?.toString(), "hello");
    assert.equal(await mc.add("mj:a", "again"), false);
    assert.equal(await mc.replace("mj:a", "bye"), true);
    assert.equal(await mc.append("mj:a", "!"), true);
    assert.equal((await mc.get("mj:a")).value?.toString(), "bye!");
    assert.equal(await mc.delete("mj:a"), true);
    assert.equal((await mc.get("mj:a")).value, null);
    assert.equal(await mc.delete("mj:a"), false);
  });

  test("increment and decrement, with an initial value", async () => {
    assert.deepEqual(await mc.increment("mj:n", 5, { initial: 10 }), { success: true, value: 10 });
    assert.deepEqual(await mc.increment("mj:n", 5, {}), { success: true, value: 15 });
    assert.deepEqual(await mc.decrement("mj:n", 20, {}), { success: true, value: 0 });
    assert.equal(await redis.get("mj:n"), "0 ");
  });

  test("the same keys as Redis and the text protocol, with flags and TTLs", async () => {
    await mc.set("mj:shared", "from memjs", { expires: 100 });
    assert.equal(await redis.get("mj:shared"), "from memjs");
    assert.equal(await redis.ttl("mj:shared"), 100);
    const text = await exchange(memcachedPort(srv.inst), Buffer.from("get mj:shared\r\n"));
    assert.equal(text.toString(), "VALUE mj:shared 0 10\r\nfrom memjs\r\nEND\r\n");
    await redis.set("mj:r", "from redis");
    assert.equal((await mc.get("mj:r")).value?.toString(), "from redis");
  });

  test("flush empties database 0", async () => {
    await mc.set("mj:f", "x");
    await mc.flush();
    assert.equal((await mc.get("mj:f")).value, null);
    assert.equal(await redis.exists("mj:f"), 0);
  });

  test("a bad frame closes only its own connection", async () => {
    const bad = await McBinConnection.open(memcachedPort(srv.inst));
    const r = await bad.step(Buffer.concat([frame(0x00, { key: "abc", bodylen: 1 }), Buffer.from("junk")]), false);
    assert.equal(r.frames[0]!.status, 0x81);
    assert.equal((await bad.step(Buffer.alloc(0))).closed, true);
    assert.equal(await mc.set("mj:after", "still"), true);
    assert.equal((await mc.get("mj:after")).value?.toString(), "still");
  });

  test("stats", async () => {
    const stats = await new Promise<Record<string, string>>((resolve, reject) =>
      mc.stats((err, _server, s) => (err !== null ? reject(err) : resolve(s as Record<string, string>))),
    );
    assert.equal(stats.version, "1.6.18");
    assert.ok(Number(stats.cmd_get) > 0);
  });
});

describe("binary SASL against requirepass", () => {
  let srv: TestServer;
  let port: number;
  before(async () => {
    srv = await startAgner(["--shards", "2", "--requirepass", "s3cret"]);
    port = memcachedPort(srv.inst);
  });
  after(async () => {
    await srv?.stop();
  });

  test("memjs with the password authenticates (any user name) and works", async () => {
    const mc = client(port, { username: "anyone", password: "s3cret" });
    try {
      assert.equal(await mc.set("sasl:a", "ok"), true);
      assert.equal((await mc.get("sasl:a")).value?.toString(), "ok");
    } finally {
      mc.close();
    }
  });

  test("memjs with a wrong password is refused", async () => {
    const mc = client(port, { username: "anyone", password: "wrong" });
    try {
      await assert.rejects(mc.set("sasl:b", "no"));
    } finally {
      mc.close();
    }
  });

  test("raw frames: mechanisms, a refused command closes, auth then a get", async () => {
    // Before authentication even NOOP is refused (as memcached -S), so no NOOP marks the end of a step here.
    let c = await McBinConnection.open(port);
    let r = await c.step(frame(0x20), false);
    assert.equal(r.frames[0]!.status, 0);
    assert.equal(r.frames[0]!.value, "PLAIN");
    r = await c.step(frame(0x00, { key: "k", opaque: 7 }), false);
    assert.equal(r.frames[0]!.status, 0x20);
    assert.equal(r.frames[0]!.value, "Auth failure.");
    r = await c.step(frame(0x0a));
    assert.equal(r.closed, true);
    c = await McBinConnection.open(port);
    r = await c.step(frame(0x21, { key: "PLAIN", value: "\0u\0wrong" }), false);
    assert.equal(r.frames[0]!.status, 0x20);
    r = await c.step(Buffer.concat([frame(0x21, { key: "PLAIN", value: "\0u\0s3cret" }), frame(0x01, { key: "k", value: "v", extras: storeExtras(0, 0) }), frame(0x00, { key: "k" })]));
    assert.deepEqual(
      r.frames.map((f) => [f.opcode, f.status, f.value]),
      [
        [0x21, 0, "Authenticated"],
        [0x01, 0, ""],
        [0x00, 0, "v"],
      ],
    );
    c.close();
  });

  test("without a password SASL is an unknown command, as memcached without -S", async () => {
    const open = await startAgner(["--shards", "1"]);
    try {
      const c = await McBinConnection.open(memcachedPort(open.inst));
      const r = await c.step(frame(0x20));
      assert.equal(r.frames[0]!.status, 0x81);
      c.close();
    } finally {
      await open.stop();
    }
  });
});
