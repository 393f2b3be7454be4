/**
 * The persistence seam, with a test writer that records what shards send
 * and releases held replies only when told: under `appendfsync always` a
 * write's reply waits for durability; under `everysec` it does not; the
 * records are the commands that replay the writes, with their database;
 * a writer that dies with replies held makes those commands fail (never a
 * false acknowledgement, never a hang); BGREWRITEAOF and the shutdown flush
 * reach the writer.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type From, GenServer, atom, exit, noreply, ok, reply, send, whereis } from "../../../../src/index.js";
import { startKvServer, shutdown } from "../../../../src/apps/kv/server/app.js";
import { Config } from "../../../../src/apps/kv/server/config.js";
import { KvInstance } from "../../../../src/apps/kv/server/instance.js";
import { AofAppend, FLUSH, type Held, NO_PERSISTENCE_INFO, type Persistence, REWRITE, type WriterRequest } from "../../../../src/apps/kv/aof/persistence.js";
import { SimpleString } from "../../../../src/apps/kv/resp/reply.js";
import { shardOf } from "../../../../src/apps/kv/server/router.js";
import { testRuntime } from "../../../support/agner_kv.js";
import { RespClient, encodeCommand, plain } from "../../../support/resp_client.js";

/** What the test writer saw, shared with the test. */
const seen = {
  records: [] as { db: number; argv: readonly string[] }[],
  held: [] as Held[],
  calls: [] as unknown[],
};

class TestWriter extends GenServer<null, never, never, unknown, null> {
  init() {
    return ok(null);
  }
  override handleCall(req: WriterRequest, _from: From, s: null) {
    seen.calls.push(req);
    if (req === REWRITE) return reply(new SimpleString("Background append only file rewriting started") as never, s);
    return reply(atom("ok") as never, s);
  }
  override handleInfo(msg: unknown, s: null) {
    if (msg instanceof AofAppend) {
      seen.records.push(...msg.records);
      if (msg.held !== null) seen.held.push(msg.held);
    } else if (msg === atom("release")) {
      // "Durable": release everything held, in order.
      for (const h of seen.held.splice(0)) h.to.rt.deliver(h.to, h.msg);
    }
    return noreply(s);
  }
}

const testPersistence: Persistence = {
  name: "test",
  writerSpec: (inst) => ({ id: "writer", start: () => GenServer.startLink(new TestWriter(), null, { name: inst.names.writer }).result() }),
  info: () => [...NO_PERSISTENCE_INFO.filter(([k]) => k !== "aof_enabled"), ["aof_enabled", 1]],
};

let inst: KvInstance;
let port: number;
before(async () => {
  testRuntime();
  inst = new KvInstance({
    config: Config.from({ argv: ["--port", "0", "--memcached-port", "0", "--appendonly", "yes", "--appendfsync", "always", "--shards", "4"] }),
    prefix: "kvp",
    persistence: testPersistence,
  });
  await startKvServer(inst);
  port = inst.port;
});
after(async () => {
  await shutdown(inst);
});

/** The test writer's "everything is durable now". */
function durable(): void {
  send(whereis(inst.names.writer)!, atom("release"));
}
const tick = () => new Promise((r) => setTimeout(r, 30));

describe("appendfsync always", () => {
  test("a write's reply waits until the writer says it is durable; the records replay it", async () => {
    seen.records.length = 0;
    const c = await RespClient.connect(port);
    c.send("SELECT", "2");
    assert.deepEqual(plain(await c.read()), "OK");
    c.send("SET", "k", "v", "EX", "100");
    await tick();
    assert.equal(seen.held.length, 1, "the reply is with the writer");
    const early = c.read(200).then(() => "replied", () => "no reply yet");
    assert.equal(await early, "no reply yet");
    durable();
    assert.deepEqual(plain(await c.read()), "OK");
    assert.equal(seen.records.length, 1);
    assert.equal(seen.records[0]!.db, 2);
    assert.equal(seen.records[0]!.argv[0]!.toUpperCase(), "SET");
    assert.ok(seen.records[0]!.argv.some((a) => /^pxat$/i.test(a)), `relative expiry made absolute: ${seen.records[0]!.argv.join(" ")}`);
    c.close();
  });

  test("a pipeline over several shards: every reply held, then all released in request order", async () => {
    const c = await RespClient.connect(port);
    const keys = ["a", "b", "c", "d", "e", "f", "g", "h"];
    c.write(Buffer.concat(keys.flatMap((k) => [encodeCommand(["SET", k, k]), encodeCommand(["GET", k])])));
    await tick();
    assert.ok(new Set(keys.map((k) => shardOf(k, inst.mask))).size > 1);
    assert.ok(seen.held.length >= 2, "each shard's batch is held");
    durable();
    for (const k of keys) {
      assert.deepEqual(plain(await c.read()), "OK");
      assert.deepEqual(plain(await c.read()), k);
    }
    c.close();
  });

  test("a cross-shard RENAME: one record of the command, its reply held until durable", async () => {
    const c = await RespClient.connect(port);
    let a = "r0";
    let b = "r1";
    for (let i = 1; shardOf(a, inst.mask) === shardOf(b, inst.mask); i++) b = `r${i}`;
    c.send("SET", a, "x");
    await tick();
    durable();
    assert.deepEqual(plain(await c.read()), "OK");
    seen.records.length = 0;
    c.send("RENAME", a, b);
    await tick();
    assert.deepEqual(
      seen.records.map((r) => r.argv.join(" ")),
      [`RENAME ${a} ${b}`],
    );
    const early = await c.read(200).then(() => "replied", () => "held");
    assert.equal(early, "held");
    durable();
    assert.deepEqual(plain(await c.read()), "OK");
    c.close();
  });

  test("the writer dies with replies held: those commands fail, later ones work", async () => {
    const c = await RespClient.connect(port);
    c.send("SET", "lost?", "1");
    await tick();
    assert.equal(seen.held.length, 1);
    seen.held.length = 0;
    exit(whereis(inst.names.writer)!, atom("kill"));
    const r = plain(await c.read()) as { error: string };
    assert.match(r.error, /^ERR persistence writer restarted before the write was confirmed durable/);
    await tick();
    c.send("SET", "after", "1");
    await tick();
    durable();
    assert.deepEqual(plain(await c.read()), "OK");
    c.close();
  });

  test("BGREWRITEAOF is the writer's rewrite; INFO persistence is the persistence's", async () => {
    const c = await RespClient.connect(port);
    assert.deepEqual(plain(await c.cmd("BGREWRITEAOF")), "Background append only file rewriting started");
    assert.ok(seen.calls.includes(REWRITE));
    assert.match(String(plain(await c.cmd("INFO", "persistence"))), /aof_enabled:1/);
    c.close();
  });
});

describe("appendfsync everysec", () => {
  test("a write's reply waits for the writer too (until written, not synced); a read goes straight back, after the earlier replies", async () => {
    const c = await RespClient.connect(port);
    assert.deepEqual(plain(await c.cmd("CONFIG", "SET", "appendfsync", "everysec")), "OK");
    seen.records.length = 0;
    seen.held.length = 0;
    c.send("INCR", "counter");
    await tick();
    assert.deepEqual(seen.records.map((r) => r.argv.join(" ")), ["INCR counter"]);
    assert.equal(seen.held.length, 1, "the reply is with the writer");
    assert.equal(await c.read(200).then(() => "replied", () => "held"), "held");
    // A read of another connection is not held behind it...
    const other = await RespClient.connect(port);
    assert.deepEqual(plain(await other.cmd("GET", "counter")), "1");
    other.close();
    // ...and on this connection, a read comes after the held write's reply.
    c.send("GET", "counter");
    await tick();
    assert.equal(await c.read(200).then(() => "replied", () => "held"), "held");
    durable();
    assert.deepEqual(plain(await c.read()), 1);
    assert.deepEqual(plain(await c.read()), "1");
    assert.equal(seen.held.length, 0, "a read wrote nothing: its reply never went to the writer");
    assert.deepEqual(plain(await c.cmd("CONFIG", "SET", "appendonly", "no")), "OK");
    seen.records.length = 0;
    assert.deepEqual(plain(await c.cmd("INCR", "counter")), 2);
    await tick();
    assert.deepEqual(seen.records, [], "nothing recorded with appendonly no");
    c.close();
  });

  test("MULTI/EXEC and a cross-shard RENAME under everysec: the reply waits for the writer", async () => {
    const c = await RespClient.connect(port);
    assert.deepEqual(plain(await c.cmd("CONFIG", "SET", "appendonly", "yes")), "OK");
    await tick();
    durable();
    seen.held.length = 0;
    assert.deepEqual(plain(await c.cmd("MULTI")), "OK");
    assert.deepEqual(plain(await c.cmd("SET", "m1", "1")), "QUEUED");
    assert.deepEqual(plain(await c.cmd("SET", "m2", "2")), "QUEUED");
    c.send("EXEC");
    await tick();
    assert.equal(await c.read(200).then(() => "replied", () => "held"), "held");
    durable();
    assert.deepEqual(plain(await c.read()), ["OK", "OK"]);
    // A cross-shard RENAME (a transaction of its own) too.
    let a = "x0";
    let b = "x1";
    for (let i = 1; shardOf(a, inst.mask) === shardOf(b, inst.mask); i++) b = `x${i}`;
    c.send("SET", a, "v");
    await tick();
    durable();
    assert.deepEqual(plain(await c.read()), "OK");
    c.send("RENAME", a, b);
    await tick();
    assert.equal(await c.read(200).then(() => "replied", () => "held"), "held");
    durable();
    assert.deepEqual(plain(await c.read()), "OK");
    c.close();
  });

  test("shutdown flushes the writer after the clients are gone", async () => {
    seen.calls.length = 0;
    const other = new KvInstance({ config: Config.from({ argv: ["--port", "0", "--memcached-port", "0"] }), prefix: "kvp2", persistence: testPersistence });
    await startKvServer(other);
    await shutdown(other);
    assert.deepEqual(seen.calls, [FLUSH]);
  });
});
