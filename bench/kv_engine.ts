/**
 * The KV engine alone, without sockets or processes: what one command costs
 * through parse + check + exec + encode (redis-benchmark's SET/GET shapes,
 * pipelined by 16 and one per chunk), and the heap bytes per key of 1 M
 * keys with 16-byte values, beside redis-server's used_memory growth for
 * the same keys when it is installed (ratio > 1: Agner uses less); SCAN
 * cursor costs; and redis-benchmark against the engine behind a bare
 * socket and against redis-server in the same run (ratio > 1: Agner faster).
 */
import { execFileSync, spawn } from "node:child_process";
import net from "node:net";
import { Keyspace } from "../src/apps/kv/commands/db.js";
import { Context, checkCommand, execCommand } from "../src/apps/kv/commands/engine.js";
import { ErrorReply } from "../src/apps/kv/resp/reply.js";
import { RespParser, RespProtocolError } from "../src/apps/kv/resp/resp.js";
import { RespWriter } from "../src/apps/kv/resp/resp_writer.js";
import { RawConnection, freePort, redisAvailable, startRedis } from "../test/support/redis_server.js";
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
  // Math.imul: a double product loses low bits (and with them most of the keys: about 3,000 distinct).
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % KEYSPACE);
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

/**
 * The engine behind a bare socket (this process, one keyspace, no shards or
 * processes): the ceiling the server's process path spends from. Serves
 * data commands only.
 */
function bareServer(port: number): Promise<net.Server> {
  const ks = new Keyspace();
  const ctx = new Context(ks.db(0), Date.now());
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    const p = new RespParser();
    const w = new RespWriter();
    s.on("data", (chunk) => {
      ctx.now = Date.now();
      try {
        p.feed(chunk);
        for (let argv = p.next(); argv !== null; argv = p.next()) {
          const c = checkCommand(argv);
          w.write(c instanceof ErrorReply ? c : c.exec ? execCommand(ctx, c, argv) : new ErrorReply("ERR not served here"));
        }
      } catch (e) {
        if (!(e instanceof RespProtocolError)) throw e;
        if (e.reply !== null) w.write(new ErrorReply(e.reply));
        s.end(w.take());
        return;
      }
      if (w.length > 0) s.write(w.take());
    });
    s.on("error", () => {});
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** redis-benchmark's requests/s per test, run without blocking this process's event loop. */
function redisBenchmark(port: number, pipeline: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const args = ["-p", String(port), "-t", "set,get", "-n", "200000", "-r", "100000", "-c", "50", "-P", String(pipeline), "--csv"];
    const child = spawn("redis-benchmark", args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", () => {
      const rps = new Map<string, number>();
      for (const line of out.split("\n")) {
        const m = /^"(SET|GET)","([\d.]+)"/.exec(line);
        if (m) rps.set(m[1]!.toLowerCase(), Number(m[2]));
      }
      resolve(rps);
    });
  });
}

async function bareVsRedis(): Promise<void> {
  if (process.env.AGNER_BENCH_NO_ANCHOR === "1" || !redisAvailable()) return;
  const redis = await startRedis();
  const port = await freePort();
  const bare = await bareServer(port);
  try {
    for (const pipeline of [1, 16]) {
      const mine = await redisBenchmark(port, pipeline);
      const theirs = await redisBenchmark(redis.port, pipeline);
      for (const t of ["set", "get"]) {
        const name = `kv_engine_bare_${t}_p${pipeline}_rps`;
        const a = mine.get(t)!;
        const b = theirs.get(t)!;
        console.log(`${name} ${fmt(a)}\n${name}.redis ${fmt(b)}\n${name}.ratio ${(a / b).toFixed(2)}`);
      }
    }
  } finally {
    bare.close();
    await redis.stop();
  }
}

export default async function main(): Promise<void> {
  await bareVsRedis(); // first, on a fresh heap
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
