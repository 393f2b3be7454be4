/**
 * The replication stream, byte for byte: a raw socket does `PSYNC ? -1`
 * with a redis-server 7.0.15 primary and with an Agner primary, reads the
 * +FULLRESYNC line and the RDB, then the same commands go to both; the
 * command streams that follow must be equal (PINGs aside): the same
 * SELECTs, the same rewrites (SET EX as PXAT, INCRBYFLOAT as SET KEEPTTL,
 * SPOP as SREM ...), MULTI/EXEC around transactions and scripts.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, describe, test } from "node:test";
import { needsRedisServer, startRedis, type RedisServer } from "../../support/redis_server.js";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { RespClient, plain } from "../../support/resp_client.js";
import { until } from "../../support/repl_compare.js";
import { loadRdb } from "../../../src/apps/kv/rdb/rdb_file.js";

/** A replica's end of a replication link, raw: what the primary sends, as bytes. */
class RawReplica {
  buf = Buffer.alloc(0);
  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (d) => (this.buf = Buffer.concat([this.buf, d])));
    socket.on("error", () => {});
  }

  static async open(port: number, argv: string[][]): Promise<RawReplica> {
    const s = net.connect(port, "127.0.0.1");
    await new Promise((res, rej) => (s.once("connect", res), s.once("error", rej)));
    const r = new RawReplica(s);
    // One command at a time, as a replica does: both servers refuse a PSYNC that arrives while an earlier reply is still unsent.
    for (const [i, a] of argv.entries()) {
      s.write(`*${a.length}\r\n${a.map((x) => `$${x.length}\r\n${x}\r\n`).join("")}`);
      if (i === argv.length - 1) break;
      await until(() => r.buf.length > 0 && r.buf.includes("\r\n"), `the reply to ${a[0]}`);
      const reply = r.buf.toString("latin1");
      assert.equal(reply, "+OK\r\n", `${a.join(" ")}`);
      r.buf = Buffer.alloc(0);
    }
    return r;
  }

  /** Skips the newlines a primary sends while preparing, and the +FULLRESYNC line; returns it. */
  async fullResync(): Promise<{ line: string; rdb: Buffer }> {
    let line = "";
    await until(() => {
      const s = this.buf.toString("latin1").replace(/^\n+/, "");
      const m = /^(\+FULLRESYNC [^\r]*)\r\n\n*\$(\d+)\r\n/.exec(s);
      if (m === null) return false;
      const start = this.buf.length - s.length + m[0].length;
      const len = Number(m[2]);
      if (this.buf.length < start + len) return false;
      line = m[1]!;
      this.rdb = this.buf.subarray(start, start + len);
      this.buf = this.buf.subarray(start + len);
      return true;
    }, "the full resync").catch((e: Error) => {
      throw new Error(`${e.message}; received so far: ${JSON.stringify(this.buf.subarray(0, 300).toString("latin1"))}`);
    });
    return { line, rdb: this.rdb };
  }

  rdb = Buffer.alloc(0);

  /** The stream so far without PINGs (Redis' and Agner's come at their own times), absolute ms times as <ms>. */
  stream(): string {
    return this.buf
      .toString("latin1")
      .replaceAll("*1\r\n$4\r\nPING\r\n", "")
      .replace(/\$13\r\n1\d{12}\r\n/g, "$13\r\n<ms>\r\n");
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Writes whose propagation Redis rewrites or wraps, in two databases. */
const SCRIPT = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('INCR', KEYS[2]); return 1";
const COMMANDS: string[][] = [
  ["SET", "a", "1"],
  ["SET", "b", "2", "EX", "1000"],
  ["SET", "c", "3", "PX", "500000"],
  ["SETEX", "d", "100", "x"],
  ["PSETEX", "e", "100000", "y"],
  ["SET", "a", "no", "NX"],
  ["INCR", "n"],
  ["INCRBYFLOAT", "f", "1.5"],
  ["EXPIRE", "a", "300"],
  ["PEXPIRE", "n", "300000"],
  ["EXPIRE", "missing", "10"],
  ["PERSIST", "a"],
  ["GETEX", "n", "EX", "200"],
  ["APPEND", "a", "x"],
  ["RPUSH", "l", "1", "2", "3"],
  ["LMOVE", "l", "l2", "LEFT", "RIGHT"],
  ["SADD", "s", "m1", "m2"],
  ["ZADD", "z", "1", "a", "2", "b"],
  ["ZINCRBY", "z", "2", "a"],
  ["HSET", "h", "f", "1"],
  ["HINCRBYFLOAT", "h", "g", "2.5"],
  ["PFADD", "hll", "a", "b"],
  ["XADD", "x", "5-1", "k", "v"],
  ["MSET", "m1", "1", "m2", "2"],
  ["RENAME", "m1", "m3"],
  ["DEL", "m2", "missing"],
  ["UNLINK", "m3"],
  ["GETDEL", "d"],
  ["MULTI"],
  ["SET", "t1", "1"],
  ["INCR", "t2"],
  ["EXEC"],
  ["MULTI"],
  ["SET", "t3", "only"],
  ["EXEC"],
  ["EVAL", SCRIPT, "2", "k1", "k2", "v"],
  ["SELECT", "2"],
  ["SET", "in2", "x"],
  ["HSET", "h2", "a", "b"],
  ["SELECT", "0"],
  ["SET", "back", "0"],
  ["FLUSHDB"],
  ["SET", "after", "flush"],
];

describe("the replication stream equals redis-server's", needsRedisServer(), () => {
  let redis: RedisServer;
  let agner: TestServer;
  after(async () => {
    await redis?.stop();
    await agner?.stop();
  });

  test("PSYNC ? -1: after the RDB, the same commands give the same bytes", async () => {
    redis = await startRedis();
    // One shard: with several, a multi-key command whose keys live on different shards is propagated as one command per shard (docs/kv_server.md).
    agner = await startAgner(["--shards", "1", "--repl-ping-replica-period", "1"]);
    const streams: string[] = [];
    const auxKeys: string[][] = [];
    for (const port of [redis.port, agner.port]) {
      const raw = await RawReplica.open(port, [["REPLCONF", "listening-port", "1"], ["PSYNC", "?", "-1"]]);
      const { line, rdb } = await raw.fullResync();
      assert.match(line, /^\+FULLRESYNC [0-9a-f]{40} \d+$/);
      assert.equal(rdb.subarray(0, 9).toString("latin1"), "REDIS0010");
      // The RDB names the stream's place (repl-stream-db, repl-id, repl-offset) as Redis' does: the id and offset of +FULLRESYNC.
      const aux = new Map<string, string>();
      loadRdb(rdb, { key() {}, library() {}, aux: (k, v) => void aux.set(k, v) }, true);
      auxKeys.push([...aux.keys()]);
      assert.equal(`+FULLRESYNC ${aux.get("repl-id")} ${aux.get("repl-offset")}`, line);
      const c = await RespClient.connect(port);
      for (const argv of COMMANDS) {
        const r = await c.cmd(...argv);
        assert.notEqual(r.t, "error", `${argv.join(" ")}: ${JSON.stringify(plain(r))}`);
      }
      // Wait for the last write's bytes.
      await until(() => raw.stream().endsWith("$5\r\nafter\r\n$5\r\nflush\r\n"), "the stream's end");
      // PINGs every repl-ping-replica-period seconds (1 for Agner here), in the stream.
      if (port === agner.port) await until(() => raw.buf.includes("*1\r\n$4\r\nPING\r\n"), "a PING");
      streams.push(raw.stream());
      c.close();
      raw.close();
    }
    if (process.env.REPL_DIFF_SHOW === "1") for (const s of streams) console.log(s.replace(/\r\n/g, " ").replace(/\*\d+ /g, "\n").replace(/\$\d+ /g, ""));
    assert.equal(streams[1], streams[0]);
    assert.deepEqual(auxKeys[1], auxKeys[0]);
  });

  test("a write sent in a form both accept but with other bytes where CRLFs go is streamed in the canonical form", async () => {
    // Redis skips the byte after a header's \r and the two after a payload unchecked, and propagates the argv it parsed;
    // Agner forwards a client's bytes as they came only when they are exactly that encoding.
    const input =
      "*3\r\n$3\r\nset\r\n$2\r\nk1\r\n$2\r\nv1\r\n" + // lower case, canonical: as it came
      "*3\r\n$3\r\nSET\rX$2\r\nk2\r\n$2\r\nv2\r\n" + // a header's \r followed by X
      "*3\r\n$3\r\nSET\r\n$2\r\nk3\r\n$2\r\nv3AB" + // a payload followed by AB
      "*3\rY$3\r\nSET\r\n$2\r\nk4\r\n$2\r\nv4\r\n" + // the count's \r followed by Y
      "*3\r\n$3\r\nSET\r\n$2\r\nk5\r\n$2\r\nv5\r\n";
    const streams: string[] = [];
    for (const port of [redis.port, agner.port]) {
      const raw = await RawReplica.open(port, [["REPLCONF", "listening-port", "1"], ["PSYNC", "?", "-1"]]);
      await raw.fullResync();
      raw.buf = Buffer.alloc(0);
      const s = net.connect(port, "127.0.0.1");
      await new Promise((res, rej) => (s.once("connect", res), s.once("error", rej)));
      let replies = "";
      s.on("data", (d) => (replies += d.toString("latin1")));
      s.write(Buffer.from(input, "latin1"));
      await until(() => replies === "+OK\r\n".repeat(5), "the five replies");
      await until(() => raw.stream().endsWith("$2\r\nk5\r\n$2\r\nv5\r\n"), "the stream's end");
      streams.push(raw.stream().replace(/^\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n/, ""));
      s.destroy();
      raw.close();
    }
    const canonical = (k: string, v: string, name = "SET") => `*3\r\n$3\r\n${name}\r\n$2\r\n${k}\r\n$2\r\n${v}\r\n`;
    assert.equal(streams[0], canonical("k1", "v1", "set") + canonical("k2", "v2") + canonical("k3", "v3") + canonical("k4", "v4") + canonical("k5", "v5"));
    assert.equal(streams[1], streams[0]);
  });
});
