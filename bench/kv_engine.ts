/**
 * The KV engine alone, without sockets or processes: what one command costs
 * through parse + check + exec + encode (redis-benchmark's SET/GET shapes,
 * pipelined by 16 and one per chunk), and the heap bytes per key of 1 M
 * keys with 16-byte values, beside redis-server's used_memory growth for
 * the same keys when it is installed (ratio > 1: Agner uses less).
 */
import { execFileSync } from "node:child_process";
import { Keyspace } from "../src/apps/kv/db.js";
import { Context, checkCommand, execCommand } from "../src/apps/kv/engine.js";
import { ErrorReply } from "../src/apps/kv/reply.js";
import { RespParser } from "../src/apps/kv/resp.js";
import { RespWriter } from "../src/apps/kv/resp_writer.js";
import { RawConnection, redisAvailable, startRedis } from "../test/support/redis_server.js";
import { fmt, plain } from "./lib.js";

const KEYSPACE = 100_000;

function key(i: number): string {
  return "key:" + String(i).padStart(12, "0");
}

function mb(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join("");
}

/** 64 chunks of `depth` commands each, random keys as redis-benchmark -r 100000. */
function chunks(cmd: "SET" | "GET", depth: number): Buffer[] {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % KEYSPACE);
  return Array.from({ length: 64 }, () =>
    Buffer.from(Array.from({ length: depth }, () => (cmd === "SET" ? mb("SET", key(rand()), "xxx") : mb("GET", key(rand())))).join(""), "latin1"),
  );
}

/** CPU ns per command through the whole engine path. */
function throughput(cmd: "SET" | "GET", depth: number, total: number): number {
  const ks = new Keyspace();
  const ctx = new Context(ks.db(0), Date.now());
  for (let i = 0; i < KEYSPACE; i++) ks.db(0).setKey(key(i), "xxx");
  const parser = new RespParser();
  const writer = new RespWriter();
  const input = chunks(cmd, depth);
  const rounds = Math.ceil(total / depth);
  let sink = 0;
  const step = (chunk: Buffer) => {
    parser.feed(chunk);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) {
      const c = checkCommand(argv);
      writer.write(c instanceof ErrorReply ? c : execCommand(ctx, c, argv));
    }
    sink += writer.take().length;
  };
  for (let i = 0; i < rounds / 10; i++) step(input[i & 63]!);
  // CPU time, not wall time: steadier on a machine shared with other work.
  const c0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    if ((i & 1023) === 0) ctx.now = Date.now();
    step(input[i & 63]!);
  }
  const cpu = process.cpuUsage(c0);
  const ns = (cpu.user + cpu.system) * 1000;
  if (sink === 0) throw new Error("nothing written");
  return ns / (rounds * depth);
}

function bytesPerKey(n: number): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  gc();
  gc();
  const before = process.memoryUsage();
  const ks = new Keyspace();
  const ctx = new Context(ks.db(0), Date.now());
  // Keys and values made the way the parser makes them: fresh latin1 strings from bytes.
  const buf = Buffer.alloc(64);
  const slice = (buf as Buffer & { latin1Slice(s: number, e: number): string }).latin1Slice.bind(buf);
  const set = checkCommand(["SET", "k", "v"]);
  if (set instanceof ErrorReply) throw new Error(set.text);
  for (let i = 0; i < n; i++) {
    const k = key(i);
    buf.write(k, 0, "latin1");
    buf.write(String(i).padStart(16, "v"), 16, "latin1");
    execCommand(ctx, set, ["SET", slice(0, k.length), slice(16, 32)]);
  }
  gc();
  gc();
  const after = process.memoryUsage();
  if (ks.db(0).size !== n) throw new Error("lost keys");
  return { heap: (after.heapUsed - before.heapUsed) / n, rss: (after.rss - before.rss) / n };
}

/**
 * What SCAN's cursors cost: heap per held cursor on a 1 M-key database, and
 * the heap an idle cursor keeps alive after the database grew and shrank,
 * without and with the shard's refresh (Db.refreshScans).
 */
function scanCursorCost(): { perCursor: number; pinnedMb: number; afterRefreshMb: number } {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);
  const ks = new Keyspace();
  const db = ks.db(0);
  for (let i = 0; i < 1_000_000; i++) db.setKey(key(i), "v".repeat(16));
  const h0 = heap();
  for (let i = 0; i < 1000; i++) db.scanStep(0, 10);
  const perCursor = (heap() - h0) / 1000;
  db.flush();
  const churn = (viaScan: boolean): number => {
    for (let i = 0; i < 1_000_000; i++) db.setKey(key(i), "v".repeat(16));
    // A SCAN cursor (refreshed by the writes), or a bare Map iterator that nothing advances.
    const bare = viaScan ? null : db.data.keys();
    if (viaScan) db.scanStep(0, 10);
    else bare!.next();
    for (let i = 0; i < 1_000_000; i++) db.setKey("new:" + i, "v");
    for (let i = 0; i < 1_000_000; i++) db.deleteKey("new:" + i);
    for (let i = 0; i < 900_000; i++) db.deleteKey(key(i));
    const held = heap();
    bare?.next();
    db.flush();
    return (held - heap()) / 1e6;
  };
  return { perCursor, pinnedMb: churn(false), afterRefreshMb: churn(true) };
}

async function redisBytesPerKey(n: number): Promise<number | undefined> {
  if (process.env.AGNER_BENCH_NO_ANCHOR === "1" || !redisAvailable()) return undefined;
  const server = await startRedis();
  try {
    const c = await RawConnection.open(server.port);
    const used = async () => Number(/used_memory:(\d+)/.exec((await c.call(["INFO", "memory"])).toString())![1]);
    const before = await used();
    // Loaded with redis-cli --pipe, as fast as Redis takes it.
    let payload = "";
    for (let i = 0; i < n; i++) payload += mb("SET", key(i), String(i).padStart(16, "v"));
    execFileSync("redis-cli", ["-p", String(server.port), "--pipe"], { input: payload, stdio: ["pipe", "ignore", "inherit"], maxBuffer: 1 << 30 });
    const after = await used();
    c.close();
    return (after - before) / n;
  } finally {
    await server.stop();
  }
}

export default async function main(): Promise<void> {
  for (const cmd of ["SET", "GET"] as const) {
    plain(`kv_engine_${cmd.toLowerCase()}_p16_cpu_ns_per_cmd`, throughput(cmd, 16, 4_000_000));
    plain(`kv_engine_${cmd.toLowerCase()}_p1_cpu_ns_per_cmd`, throughput(cmd, 1, 1_000_000));
  }
  const scan = scanCursorCost();
  plain("kv_engine_scan_cursor_bytes", scan.perCursor);
  // heap held by 100 k keys after a grow and shrink, with one idle cursor: without refresh, with
  plain("kv_engine_scan_idle_cursor_heap_mb", scan.pinnedMb);
  plain("kv_engine_scan_refreshed_cursor_heap_mb", scan.afterRefreshMb);
  const n = 1_000_000;
  const mine = bytesPerKey(n);
  plain("kv_engine_heap_per_key_bytes", mine.heap);
  plain("kv_engine_rss_per_key_bytes", mine.rss);
  const redis = await redisBytesPerKey(n);
  if (redis !== undefined) {
    console.log(`kv_engine_mem_per_key_bytes.redis ${fmt(redis)}`);
    // Agner's RSS growth against Redis' used_memory growth, the issue's measure (> 1: Agner smaller).
    console.log(`kv_engine_mem_per_key_bytes.ratio ${(redis / mine.rss).toFixed(2)}`);
  }
}
