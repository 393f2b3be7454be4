/**
 * Agner as a primary beside redis-server 7.0.15 as a primary, each with a
 * redis-server replica: INFO replication and ROLE compared field by field
 * (names, order, kinds of values); and the ends of a replica link: a replica
 * that never ACKs is dropped after repl-timeout, one that does not read is
 * dropped at client-output-buffer-limit replica, and the stream works with
 * appendonly yes (records go to replicas once written).
 */
import assert from "node:assert/strict";
import net from "node:net";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { needsRedisServer, startRedis, type RedisServer } from "../../support/redis_server.js";
import { type TestServer, startAgner } from "../../support/agner_kv.js";
import { type R, RespClient, plain } from "../../support/resp_client.js";
import { infoFields, keyspaceView, until, viewDiff, waitCaughtUp } from "../../support/repl_compare.js";

/** A value's kind: ids, numbers and ports masked, the rest kept. */
function shape(v: string): string {
  return v.replace(/[0-9a-f]{40}/g, "<id>").replace(/-?\d+/g, "<n>");
}

/** A reply's structure: its RESP types, nested, with masked values. */
function replyShape(r: R): unknown {
  if (r.t === "array") return r.v === null ? "null" : r.v.map(replyShape);
  if (r.t === "int") return "int";
  if (r.t === "bulk") return `bulk:${shape(r.v ?? "")}`;
  return r.t;
}

/** What each raw replica read. */
const received = new Map<net.Socket, string>();

/** A bare replica (PSYNC, capa eof); with `firstAck` it ACKs once at the RDB's end mark, as a real one does, and never again. */
async function rawReplica(port: number, firstAck = true): Promise<net.Socket> {
  const s = net.connect(port, "127.0.0.1");
  await new Promise((res, rej) => (s.once("connect", res), s.once("error", rej)));
  s.on("error", () => {});
  received.set(s, "");
  let acked = !firstAck;
  s.on("data", (d: Buffer) => {
    // Read (and see the end) until a test pauses it.
    received.set(s, received.get(s)! + d.toString("latin1"));
    if (!acked && /\$EOF:([0-9a-f]{40})\r\n[^]*\1$/.test(received.get(s)!)) {
      acked = true;
      s.write("*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n");
    }
  });
  s.write("*3\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n");
  return s;
}

describe("INFO replication and ROLE beside a redis-server primary", needsRedisServer(), () => {
  const stops: (() => Promise<void>)[] = [];
  after(async () => {
    for (const s of stops.reverse()) await s();
  });

  test("the same fields, in the same order, with the same kinds of values", async () => {
    const redisPrimary = await startRedis();
    stops.push(() => redisPrimary.stop());
    const agner = await startAgner();
    stops.push(() => agner.stop());
    const replicas: RedisServer[] = [];
    for (const port of [redisPrimary.port, agner.port]) replicas.push(await startRedis(["--replicaof", "127.0.0.1", String(port)]));
    for (const r of replicas) stops.push(() => r.stop());
    const infos: Map<string, string>[] = [];
    const roles: unknown[] = [];
    for (const [i, port] of [redisPrimary.port, agner.port].entries()) {
      const p = await RespClient.connect(port);
      const r = await RespClient.connect(replicas[i]!.port);
      await p.cmd("SET", "k", "v");
      await waitCaughtUp(p, r);
      // The replica online (redis-server says so once it has reaped its fork) and its ACK of the last offset (it ACKs every second).
      await until(async () => {
        const info = await infoFields(p, "replication");
        return (info.get("slave0") ?? "").startsWith(`ip=127.0.0.1,port=${replicas[i]!.port},state=online,offset=${info.get("master_repl_offset")},lag=`);
      }, "the replica online with the ACK");
      infos.push(await infoFields(p, "replication"));
      roles.push(replyShape(await p.cmd("ROLE")));
      p.close();
      r.close();
    }
    assert.deepEqual([...infos[1]!.keys()], [...infos[0]!.keys()]);
    for (const [k, v] of infos[0]!) assert.equal(shape(infos[1]!.get(k)!), shape(v), k);
    assert.deepEqual(roles[1], roles[0]);

    // The replica's side, as the replica link shows it (inst.repl.primary, the view the replica side sets):
    // the same fields and ROLE as a redis-server replica that is connected.
    const lone = await startAgner();
    stops.push(() => lone.stop());
    lone.inst.repl.primary = { host: "127.0.0.1", port: redisPrimary.port, state: "connected", lastIo: Date.now(), downSince: 0, syncing: null, processedOffset: 14 };
    const a = await RespClient.connect(lone.port);
    const r = await RespClient.connect(replicas[0]!.port);
    const mine = await infoFields(a, "replication");
    const theirs = await infoFields(r, "replication");
    assert.deepEqual([...mine.keys()], [...theirs.keys()]);
    for (const [k, v] of theirs) assert.equal(shape(mine.get(k)!), shape(v), k);
    assert.deepEqual(replyShape(await a.cmd("ROLE")), replyShape(await r.cmd("ROLE")));
    // A link that is down: Redis' extra field, and ROLE's offset -1.
    lone.inst.repl.primary = { ...lone.inst.repl.primary, state: "connect", downSince: Date.now() - 3000 };
    const down = await infoFields(a, "replication");
    assert.equal(down.get("master_link_status"), "down");
    assert.equal(down.get("master_link_down_since_seconds"), "3");
    assert.deepEqual((plain(await a.cmd("ROLE")) as unknown[]).slice(3), ["connect", -1]);
    a.close();
    r.close();
  });
});

describe("the ends of a replica link", needsRedisServer(), () => {
  let agner: TestServer;
  after(async () => {
    await agner?.stop();
  });

  test("a replica that never ACKs is dropped after repl-timeout", async () => {
    agner = await startAgner(["--repl-timeout", "1"]);
    const p = await RespClient.connect(agner.port);
    const s = await rawReplica(agner.port, false);
    let closed = false;
    s.on("close", () => (closed = true));
    await until(async () => (await infoFields(p, "replication")).get("slave0")?.includes("state=online") === true, "the replica online");
    await until(async () => (await infoFields(p, "replication")).get("connected_slaves") === "0", "the replica dropped", 10_000);
    await until(() => closed, "its socket closed");
    // A replica that said capa eof got the RDB framed by a 40-byte mark.
    assert.match(received.get(s)!, /^\+OK\r\n\+FULLRESYNC [0-9a-f]{40} \d+\r\n\$EOF:([0-9a-f]{40})\r\nREDIS0010[^]*\1/);
    p.close();
  });

  test("after an EOF-marked RDB the stream waits for the replica's first ACK, so nothing follows the end mark in the same read", async () => {
    const p = await RespClient.connect(agner.port);
    await p.cmd("CONFIG", "SET", "repl-timeout", "60");
    const s = await rawReplica(agner.port, false);
    await until(async () => (await infoFields(p, "replication")).get("slave0")?.includes("state=online") === true, "the replica online");
    await until(() => /\$EOF:([0-9a-f]{40})\r\n[^]*\1$/.test(received.get(s)!), "the RDB and its end mark");
    const rdbEnd = received.get(s)!.length;
    assert.equal(plain(await p.cmd("SET", "after-rdb", "1")), "OK");
    // A PING a turn later: the SET's stream bytes would have been written by now.
    assert.equal(plain(await p.cmd("PING")), "PONG");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(received.get(s)!.length, rdbEnd, "no stream byte before the first ACK");
    s.write("*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n");
    await until(() => received.get(s)!.slice(rdbEnd).includes("after-rdb"), "the stream after the ACK");
    s.destroy();
    p.close();
  });

  test("a replica that does not read is dropped at client-output-buffer-limit replica", async () => {
    const p = await RespClient.connect(agner.port);
    await p.cmd("CONFIG", "SET", "repl-timeout", "60");
    await p.cmd("CONFIG", "SET", "client-output-buffer-limit", "replica 256kb 0 0");
    const before = Number((await infoFields(p, "stats")).get("client_output_buffer_limit_disconnections"));
    const s = await rawReplica(agner.port);
    await until(async () => (await infoFields(p, "replication")).get("slave0")?.includes("state=online") === true, "the replica online");
    s.pause();
    const big = "x".repeat(1 << 20);
    for (let i = 0; i < 40 && (await infoFields(p, "replication")).get("connected_slaves") !== "0"; i++) await p.cmd("SET", `big${i % 4}`, big);
    await until(async () => (await infoFields(p, "replication")).get("connected_slaves") === "0", "the replica dropped");
    assert.equal(Number((await infoFields(p, "stats")).get("client_output_buffer_limit_disconnections")), before + 1);
    s.destroy();
    p.close();
  });
});

describe("replication with appendonly yes", needsRedisServer(), () => {
  test("a write the AOF could not write (full disk) still reaches replicas: it is in the primary's memory", async () => {
    // The incremental file is /dev/full: every append fails with ENOSPC.
    const full = mkdtempSync(join(tmpdir(), "agner-repl-full-"));
    const aof = join(full, "appendonlydir");
    mkdirSync(aof);
    writeFileSync(join(aof, "appendonly.aof.1.base.aof"), "");
    symlinkSync("/dev/full", join(aof, "appendonly.aof.1.incr.aof"));
    writeFileSync(join(aof, "appendonly.aof.manifest"), ["file appendonly.aof.1.base.aof seq 1 type b", "file appendonly.aof.1.incr.aof seq 1 type i", ""].join("\n"));
    const a = await startAgner(["--appendonly", "yes", "--dir", full]);
    try {
      const s = await rawReplica(a.port);
      const p = await RespClient.connect(a.port);
      await until(async () => (await infoFields(p, "replication")).get("slave0")?.includes("state=online") === true, "the replica online");
      const r = plain(await p.cmd("SET", "k", "on-full-disk")) as { error: string };
      assert.match(r.error, /^ERR Errors writing to the AOF file/);
      assert.equal(plain(await p.cmd("GET", "k")), "on-full-disk");
      await until(() => received.get(s)!.includes("$12\r\non-full-disk\r\n"), "the write in the stream");
      s.destroy();
      p.close();
    } finally {
      await a.stop();
      rmSync(full, { recursive: true, force: true });
    }
  });

  const dir = mkdtempSync(join(tmpdir(), "agner-repl-aof-"));
  let agner: TestServer;
  let replica: RedisServer;
  after(async () => {
    await replica?.stop();
    await agner?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a redis-server replica converges with an Agner primary writing its AOF", async () => {
    agner = await startAgner(["--appendonly", "yes", "--appendfsync", "always", "--dir", dir]);
    const p = await RespClient.connect(agner.port);
    await p.cmd("SET", "before", "sync");
    replica = await startRedis(["--replicaof", "127.0.0.1", String(agner.port)]);
    const r = await RespClient.connect(replica.port);
    for (let i = 0; i < 200; i++) await p.cmd("RPUSH", "l", String(i));
    await p.cmd("MULTI");
    await p.cmd("INCR", "n");
    await p.cmd("SET", "s", "v", "EX", "100");
    await p.cmd("EXEC");
    assert.equal(plain(await p.cmd("WAIT", "1", "5000")), 1);
    await waitCaughtUp(p, r);
    assert.deepEqual(viewDiff(await keyspaceView(p), await keyspaceView(r)), []);
    p.close();
    r.close();
  });
});
