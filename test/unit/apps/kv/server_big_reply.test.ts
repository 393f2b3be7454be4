/**
 * Replies bigger than any one JS string can be (V8 caps strings just under
 * 512 MB): with `client-output-buffer-limit normal 0 0 0` (no limit) they
 * stream out whole, in order, and the connection stays up, on every path a
 * reply takes (a shard writing a delegated batch, the connection merging
 * batches from several shards, an array reply, EXEC's reply under RESP3,
 * memcached's multi-key get and a pipeline of gets), and so does a single
 * value as long as a string can be. Each byte is checked as it streams,
 * without keeping the replies. And the limits still bite: under the
 * default limits the same pipeline (and a subscriber that does not read)
 * is cut, and INFO counts it.
 */
import assert from "node:assert/strict";
import { constants } from "node:buffer";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { memcachedPort } from "../../../../src/apps/kv/memcached/memcached_server.js";
import { shardOf } from "../../../../src/apps/kv/server/router.js";
import { type TestServer, startAgner } from "../../../support/agner_kv.js";
import { RespClient, encodeCommand, plain } from "../../../support/resp_client.js";
import { McCounter, RespCounter, countingSocket } from "./stream_count.js";

const MB = 1024 * 1024;
/** V8's longest string (2^29 - 24 on 64 bits). */
const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;
/** Replies in each big pipeline: 520 MB of values, past V8's longest string. */
const N = 520;

/** Keys on shard 0 and on shard 1 (of 2), each to hold 1 MB of one letter. */
function keysOn(shard: number, n: number, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (shardOf(`${prefix}${i}`, 1) === shard) out.push(`${prefix}${i}`);
  return out;
}
const SHARD0 = keysOn(0, 2, "big");
const SHARD1 = keysOn(1, 2, "big");
const FILL: Record<string, number> = {};
[...SHARD0, ...SHARD1].forEach((k, i) => (FILL[k] = 97 + i)); // a, b, c, d

async function info(port: number, section: string): Promise<Record<string, string>> {
  const c = await RespClient.connect(port);
  const text = plain(await c.cmd("INFO", section)) as string;
  c.close();
  return Object.fromEntries(text.split("\r\n").filter((l) => l.includes(":")).map((l) => l.split(":") as [string, string]));
}

function pipeline(cmds: string[][]): Buffer {
  return Buffer.concat(cmds.map((c) => encodeCommand(c)));
}

describe("replies past 512 MB, no output limit", { timeout: 60_000 }, () => {
  let srv: TestServer;
  before(async () => {
    srv = await startAgner(["--shards", "2", "--client-output-buffer-limit", "normal 0 0 0", "--memcached-item-size-max", "2mb"]);
    const c = await RespClient.connect(srv.port);
    for (const k of Object.keys(FILL)) assert.equal(plain(await c.cmd("SET", k, String.fromCharCode(FILL[k]!).repeat(MB))), "OK");
    c.close();
  });
  after(async () => {
    await srv.stop();
  });

  /**
   * Sends `prefix` (and waits for its replies), then `cmds` and PING on one
   * connection; checks `values` bulks, every byte the letter `fill(i)` says,
   * in order, then the PONG.
   */
  async function bigPipeline(
    cmds: string[][],
    fill: (i: number) => number,
    opts: { replies: number; values?: number; prefix?: string[][] },
  ): Promise<RespCounter> {
    const counter = new RespCounter(fill);
    const c = await countingSocket(srv.port, counter);
    try {
      const prefix = opts.prefix ?? [];
      if (prefix.length > 0) {
        c.sock.write(pipeline(prefix));
        await c.until(() => counter.replies === prefix.length, "the prefix's replies");
        counter.reset();
      }
      c.sock.write(pipeline([...cmds, ["PING"]]));
      await c.until(() => counter.lines.includes("+PONG"), "PONG");
      assert.equal(counter.values, opts.values ?? N, "every value");
      assert.equal(counter.wrong, 0, "every byte of every value, in order");
      assert.equal(counter.replies, opts.replies + 1, "every reply, then PONG");
      assert.ok(counter.bytes > 512 * MB);
      assert.equal(c.closed, false, "the connection stays up");
    } finally {
      c.sock.destroy();
    }
    return counter;
  }

  /** GET (or MGET) replies of `keys` taken in turn. */
  const cycle = (keys: string[]) => (i: number) => FILL[keys[i % keys.length]!]!;

  test("520 GETs of keys on one shard (the shard writes the replies itself)", async () => {
    const keys = SHARD0;
    await bigPipeline(Array.from({ length: N }, (_, i) => ["GET", keys[i % keys.length]!]), cycle(keys), { replies: N });
  });

  test("520 GETs of keys on both shards (the connection merges their batches)", async () => {
    const keys = [SHARD0[0]!, SHARD1[0]!, SHARD0[1]!, SHARD1[1]!];
    await bigPipeline(Array.from({ length: N }, (_, i) => ["GET", keys[i % keys.length]!]), cycle(keys), { replies: N });
  });

  test("one MGET of 520 keys (an array reply, split over the shards and merged)", async () => {
    const keys = [SHARD0[0]!, SHARD1[0]!, SHARD0[1]!, SHARD1[1]!];
    await bigPipeline([["MGET", ...Array.from({ length: N }, (_, i) => keys[i % keys.length]!)]], cycle(keys), { replies: 1 });
  });

  test("RESP3: an EXEC of 520 HGETALLs (maps of a 1 MB value)", async () => {
    const c = await RespClient.connect(srv.port);
    assert.equal(plain(await c.cmd("HSET", "bighash", "a", "a".repeat(MB))), 1);
    c.close();
    // each map: field "a", then its value of "a"s
    const cmds = [["MULTI"], ...Array.from({ length: N }, () => ["HGETALL", "bighash"]), ["EXEC"]];
    const counter = await bigPipeline(cmds, () => 97, { replies: N + 2, values: 2 * N, prefix: [["HELLO", "3"]] });
    assert.equal(counter.lines.filter((l) => l === "+QUEUED").length, N);
  });

  test("a value as long as a string can be: GET, and memcached's get", async () => {
    const c = await RespClient.connect(srv.port);
    assert.equal(plain(await c.cmd("SETRANGE", "longest", String(MAX_STRING_LENGTH - 1), "\0")), MAX_STRING_LENGTH);
    const resp = new RespCounter(() => 0);
    const r = await countingSocket(srv.port, resp);
    r.sock.write(pipeline([["GET", "longest"], ["PING"]]));
    await r.until(() => resp.lines.includes("+PONG"), "PONG");
    assert.deepEqual([resp.values, resp.wrong, resp.replies], [1, 0, 2]);
    r.sock.destroy();
    const mc = new McCounter(() => 0);
    const m = await countingSocket(memcachedPort(srv.inst), mc);
    m.sock.write("get longest\r\nversion\r\n");
    await m.until(() => mc.lines.some((l) => l.startsWith("VERSION")), "VERSION");
    assert.deepEqual([mc.values, mc.wrong, mc.ends], [1, 0, 1]);
    m.sock.destroy();
    assert.equal(plain(await c.cmd("DEL", "longest")), 1);
    c.close();
  });

  test("memcached: one get of 520 keys, then 520 pipelined gets", async () => {
    const port = memcachedPort(srv.inst);
    const keys = ["m0", "m1", "m2"];
    const setup = new net.Socket();
    await new Promise<void>((r) => setup.connect(port, "127.0.0.1", r));
    let got = "";
    setup.on("data", (d) => (got += d.toString("latin1")));
    for (const [i, k] of keys.entries()) setup.write(`set ${k} 0 0 ${MB}\r\n${String.fromCharCode(120 + i).repeat(MB)}\r\n`);
    while (got !== "STORED\r\n".repeat(keys.length)) await new Promise((r) => setTimeout(r, 5));
    setup.destroy();
    const fill = (i: number) => 120 + (i % keys.length);
    for (const cmds of [
      `get ${Array.from({ length: N }, (_, i) => keys[i % keys.length]).join(" ")}\r\n`,
      Array.from({ length: N }, (_, i) => `get ${keys[i % keys.length]}\r\n`).join(""),
    ]) {
      const counter = new McCounter(fill);
      const c = await countingSocket(port, counter);
      try {
        const gets = cmds.split("\r\n").length - 1;
        c.sock.write(cmds + "version\r\n");
        await c.until(() => counter.lines.some((l) => l.startsWith("VERSION")), "VERSION");
        assert.equal(counter.values, N);
        assert.equal(counter.wrong, 0);
        assert.equal(counter.ends, gets);
        assert.equal(c.closed, false);
      } finally {
        c.sock.destroy();
      }
    }
  });
});

describe("output limits still apply, and INFO counts them", { timeout: 60_000 }, () => {
  let srv: TestServer;
  before(async () => {
    srv = await startAgner(["--shards", "2"]);
    const c = await RespClient.connect(srv.port);
    assert.equal(plain(await c.cmd("SET", SHARD0[0]!, "a".repeat(MB))), "OK");
    c.close();
  });
  after(async () => {
    await srv.stop();
  });

  test("default normal limit (256 MB hard): a 520 MB pipeline to a client that does not read is cut", async () => {
    const before = Number((await info(srv.port, "stats")).client_output_buffer_limit_disconnections);
    const lazy = net.connect(srv.port, "127.0.0.1");
    await new Promise((r) => lazy.once("connect", r));
    lazy.on("error", () => {});
    lazy.pause();
    const closed = new Promise<void>((r) => lazy.once("close", () => r()));
    lazy.write(pipeline(Array.from({ length: N }, () => ["GET", SHARD0[0]!])));
    while (Number((await info(srv.port, "stats")).client_output_buffer_limit_disconnections) === before) await new Promise((r) => setTimeout(r, 20));
    lazy.resume();
    lazy.on("data", () => {});
    await closed;
    assert.equal(Number((await info(srv.port, "stats")).client_output_buffer_limit_disconnections), before + 1);
    assert.ok(srv.logs.some((e) => /overcoming of output buffer limits \(hard, \d+ bytes\)/.test(e.text)));
    const c = await RespClient.connect(srv.port);
    assert.equal(plain(await c.cmd("PING")), "PONG");
    c.close();
  });

  test("default pubsub limit (32 MB hard): a subscriber that does not read is cut", async () => {
    const before = Number((await info(srv.port, "stats")).client_output_buffer_limit_disconnections);
    const sub = await RespClient.connect(srv.port);
    await sub.cmd("SUBSCRIBE", "flood");
    sub.socket.pause();
    const pub = await RespClient.connect(srv.port);
    const msg = "m".repeat(MB);
    let receivers = 1;
    let sent = 0;
    for (; sent < 200 && receivers > 0; sent++) receivers = Number(plain(await pub.cmd("PUBLISH", "flood", msg)));
    assert.equal(receivers, 0, "the subscriber was cut");
    assert.ok(sent > 32, `cut after ${sent} MB, not before the limit`);
    assert.equal(Number((await info(srv.port, "stats")).client_output_buffer_limit_disconnections), before + 1);
    pub.close();
    sub.close();
  });

  test("CLIENT LIST omem and INFO client_recent_max_output_buffer: what waits now, back to 0 once read", async () => {
    const lazy = await RespClient.connect(srv.port);
    assert.equal(plain(await lazy.cmd("CLIENT", "SETNAME", "lazy")), "OK");
    lazy.socket.pause();
    lazy.write(pipeline(Array.from({ length: 40 }, () => ["GET", SHARD0[0]!])));
    const admin = await RespClient.connect(srv.port);
    const omem = async () => Number(/ omem=(\d+)/.exec((plain(await admin.cmd("CLIENT", "LIST")) as string).split("\n").find((l) => l.includes("name=lazy"))!)![1]);
    while ((await omem()) === 0) await new Promise((r) => setTimeout(r, 10));
    assert.ok((await omem()) > MB, "replies wait in its output buffer");
    assert.ok(Number((await info(srv.port, "clients")).client_recent_max_output_buffer) > MB);
    let bytes = 0;
    lazy.socket.removeAllListeners("data");
    lazy.socket.on("data", (d) => (bytes += d.length));
    lazy.socket.resume();
    // each reply: "$1048576\r\n", the value, CRLF
    while (bytes < 40 * (MB + 12)) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await omem(), 0, "nothing waits once the client read it all");
    assert.equal(Number((await info(srv.port, "clients")).client_recent_max_output_buffer), 0);
    lazy.close();
    admin.close();
  });
});
