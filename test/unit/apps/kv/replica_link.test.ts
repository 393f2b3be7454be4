/**
 * The replica link against a primary that sends bad bytes (a hand-driven
 * server on loopback): an RDB that does not load, and a stream that is not
 * RESP, each close the link with a logged reason and a reconnect, never the
 * server; the data it served before stays (the payload is loaded aside and
 * swapped in only once whole). Also the handshake it sends, in order.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import net from "node:net";
import { RespParser } from "../../../../src/apps/kv/resp/resp.js";
import { RespClient, plain } from "../../../support/resp_client.js";
import { type TestServer, startAgner } from "../../../support/agner_kv.js";
import { until } from "../../../support/dist.js";
import { exit } from "../../../../src/index.js";
import { replicaControl } from "../../../../src/apps/kv/replication/replica_control.js";
import { encodeCommand } from "../../../support/resp_client.js";
import { fromTriples, rdbChunks } from "../../../../src/apps/kv/rdb/rdb_file.js";
import { shardOf } from "../../../../src/apps/kv/server/router.js";

/** A fake primary: answers the handshake, then `onPsync`'s bytes; records every command and connection. */
async function fakePrimary(onPsync: string | Buffer): Promise<{ port: number; seen: string[][]; connections: number; close(): void }> {
  const state = { seen: [] as string[][], connections: 0 };
  const server = net.createServer((sock) => {
    state.connections++;
    const p = new RespParser();
    sock.on("error", () => {});
    sock.on("data", (d) => {
      p.feed(d);
      for (let argv = p.next(); argv !== null; argv = p.next()) {
        state.seen.push(argv);
        const name = argv[0]!.toUpperCase();
        if (name === "PING") sock.write("+PONG\r\n");
        else if (name === "REPLCONF" && argv[1] !== "ACK") sock.write("+OK\r\n");
        else if (name === "PSYNC") sock.write(typeof onPsync === "string" ? Buffer.from(onPsync, "latin1") : onPsync);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    get seen() {
      return state.seen;
    },
    get connections() {
      return state.connections;
    },
    close: () => server.close(),
  };
}

const stops: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

async function replicaOf(payload: string | Buffer, argv: string[] = []): Promise<{ a: TestServer; c: RespClient; fake: Awaited<ReturnType<typeof fakePrimary>>; log: () => string }> {
  const fake = await fakePrimary(payload);
  stops.push(() => fake.close());
  const a = await startAgner(["--appendonly", "no", ...argv]);
  stops.push(() => a.stop());
  const c = await RespClient.connect(a.port);
  stops.push(() => void c.socket.destroy());
  assert.equal(plain(await c.cmd("SET", "keep", "1")), "OK");
  // The tests' servers share one runtime and its log: this one's lines are those from now on.
  const from = a.logs.length;
  assert.equal(plain(await c.cmd("REPLICAOF", "127.0.0.1", String(fake.port))), "OK");
  const log = () => a.logs.slice(from).filter((l) => l.what === "kv_replica").map((l) => l.text).join("\n");
  return { a, c, fake, log };
}

test("the handshake: PING, REPLCONF listening-port and capa eof psync2, then PSYNC with the server's id and offset + 1", async () => {
  const { a, fake } = await replicaOf("+CONTINUE\r\n");
  await until(() => a.inst.repl.primary?.state === "connected", "the link to come up");
  assert.deepEqual(fake.seen.slice(0, 4), [
    ["PING"],
    ["REPLCONF", "listening-port", String(a.port)],
    ["REPLCONF", "capa", "eof", "capa", "psync2"],
    ["PSYNC", a.inst.repl.replid, String(a.inst.repl.offset + 1)],
  ]);
});

test("replica-announce-port is the port it tells its primary", async () => {
  const { a, fake } = await replicaOf("+CONTINUE\r\n", ["--replica-announce-port", "7777"]);
  await until(() => a.inst.repl.primary?.state === "connected", "the link to come up");
  assert.deepEqual(fake.seen[1], ["REPLCONF", "listening-port", "7777"]);
});

test("an RDB payload that does not load closes the link with its reason; the old data still serves; it reconnects", async () => {
  const { c, fake, log } = await replicaOf(`+FULLRESYNC ${"a".repeat(40)} 0\r\n$9\r\nNOTAREDIS`);
  await until(() => /does not load/.test(log()), "the logged reason");
  assert.match(log(), /the RDB from the primary does not load \(at byte 0\): wrong signature/);
  assert.equal(plain(await c.cmd("GET", "keep")), "1");
  await until(() => fake.connections >= 2, "a reconnection");
});

test("a stream that is not RESP closes the link with its reason, never the server", async () => {
  const { c, fake, log } = await replicaOf("+CONTINUE\r\n*1\r\n$x\r\n");
  await until(() => /bad replication stream/.test(log()), "the logged reason");
  assert.equal(plain(await c.cmd("PING")), "PONG");
  assert.equal(plain(await c.cmd("GET", "keep")), "1");
  await until(() => fake.connections >= 2, "a reconnection");
});

test("REPLCONF GETACK is answered with the offset before it, and the offset then counts it (every second's ACK)", async () => {
  const getack = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
  const { a, fake } = await replicaOf(`+CONTINUE\r\n*1\r\n$4\r\nPING\r\n${getack}`);
  await until(() => a.inst.repl.primary?.state === "connected", "the link to come up");
  const start = a.inst.repl.offset - getack.length - 14;
  const acks = () => fake.seen.filter((x) => x[0] === "REPLCONF" && x[1] === "ACK").map((x) => Number(x[2]));
  await until(() => acks().length >= 2, "two ACKs");
  assert.equal(acks()[0], start + 14, "the GETACK's answer: PING counted, not the GETACK");
  await until(() => acks().includes(start + 14 + getack.length), "an ACK counting the GETACK");
  assert.equal(a.inst.repl.offset, start + 14 + getack.length);
});

test("repl-timeout: a primary silent for that long is dropped (logged) and reconnected", async () => {
  const { fake, log } = await replicaOf("+CONTINUE\r\n", ["--repl-timeout", "1"]);
  await until(() => /MASTER timeout/.test(log()), "the timeout logged");
  await until(() => fake.connections >= 2, "a reconnection");
});

test("the master client sees keys past their TTL as they are (the primary decides when they expire), across shards too; clients do not", async () => {
  // Keys whose TTL passed here but not (by its clock) on the primary: its INCR and RENAME apply to them as they did there.
  const other = Array.from({ length: 64 }, (_, i) => `dst${i}`).find((k) => shardOf(k, 1) !== shardOf("old", 1))!;
  const rdb = Buffer.concat([...rdbChunks({ ctime: 1, usedMem: 2, aofBase: false }, [], [fromTriples(0, ["n", "5", 1000, "old", "v", 1000])])]);
  const stream = Buffer.concat([encodeCommand(["SELECT", "0"]), encodeCommand(["INCR", "n"]), encodeCommand(["RENAME", "old", other])]);
  const payload = Buffer.concat([Buffer.from(`+FULLRESYNC ${"b".repeat(40)} 0\r\n$${rdb.length}\r\n`), rdb, stream]);
  const { a, c } = await replicaOf(payload, ["--shards", "2"]);
  await until(() => a.inst.repl.primary?.processedOffset === stream.length, "the stream applied");
  const held = (k: string) => a.inst.keyspaces[shardOf(k, a.inst.mask)]!.db(0).data.get(k);
  assert.equal(held("n"), "6");
  assert.equal(held(other), "v");
  assert.equal(held("old"), undefined);
  assert.equal(plain(await c.cmd("GET", "n")), null, "a client sees it expired");
});

test("a master client that ends before its commands are known applied makes the next sync full (PSYNC ? -1)", async () => {
  // A blocking command (no primary sends one) holds the master client: the commands behind it are never applied.
  const stream = Buffer.concat([encodeCommand(["BLPOP", "q", "0"]), ...Array.from({ length: 50 }, (_, i) => encodeCommand(["SET", `k${i}`, "v"]))]);
  const { a, fake } = await replicaOf(Buffer.concat([Buffer.from("+CONTINUE\r\n"), stream]));
  const start = () => a.inst.repl.primary?.processedOffset ?? -1;
  await until(() => a.inst.repl.primary?.state === "connected", "the link up");
  const base = start();
  await until(() => a.inst.repl.offset === base + stream.length, "the stream fed", 5000);
  await new Promise((r) => setTimeout(r, 1200)); // a barrier went, and cannot come back
  assert.equal(start(), base);
  exit(replicaControl(a.inst.repl).master!, "kill");
  await until(() => fake.seen.filter((x) => x[0] === "PSYNC").length >= 2, "a second PSYNC");
  assert.deepEqual(fake.seen.filter((x) => x[0] === "PSYNC")[1], ["PSYNC", "?", "-1"]);
});
