/**
 * Instructions per request of the KV server's process path, counted by
 * valgrind's callgrind (counts do not depend on the machine's load, unlike
 * wall or CPU time on a shared machine). Not part of `npm run bench`.
 *
 *     npx tsc -p . && node dist/bench/kv_callgrind.js [test[:pipeline]] ...
 *     # e.g. node dist/bench/kv_callgrind.js mset zadd:16 set:1
 *     # AGNER_CG_N=4000 (requests of the shorter run; the longer runs 2N)
 *     # AGNER_CG_LRU_MB=4 (set_lru's maxmemory), AGNER_CG_SHARDS=2
 *     # AGNER_CG_REPLICA=1: a replica attached (PSYNC over a second in-memory
 *     # connection whose output is dropped), so the count has the stream's feeding
 *
 * For each test it runs this file twice under callgrind (`--run` mode): the
 * server's tree in-process (2 shards unless told, persistence off, the cron stopped so
 * no timer runs), one RESP connection process whose socket is an in-memory
 * port, and a client that feeds it chunks of `pipeline` commands (the
 * requests of redis-benchmark's test of that name, `-r 100000` keys) and
 * waits for all their replies before the next chunk, as one
 * redis-benchmark client does. After the same warm-up (at least 3,000
 * requests and 1,500 chunks), one run sends N
 * requests and the other 2N: the difference over N is the instructions per
 * request, start-up and warm-up cancelled out (both runs make the same
 * chunks, for 2N, beforehand). The figure includes the client's counting of
 * replies (a few hundred instructions), not the system calls of a real
 * socket.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Runtime, setDefaultRuntime } from "../src/index.js";
import { GenServer } from "../src/otp/gen_server.js";
import { Supervisor } from "../src/otp/supervisor.js";
import { type Proc } from "../src/runtime/process.js";
import { startKvServer } from "../src/apps/kv/server/app.js";
import { Config } from "../src/apps/kv/server/config.js";
import { Connection } from "../src/apps/kv/server/connection.js";
import { KvInstance } from "../src/apps/kv/server/instance.js";
import { type Port, SocketData } from "../src/apps/kv/server/socket_port.js";
import { sha1hex } from "../src/apps/kv/scripting/script_lua.js";

const KEYS = 100_000;

/**
 * redis-benchmark's `__rand_int__` in `-r keys` (%012d), from a fixed
 * xorshift32 seed: every run, and bench/kv_replica_callgrind.ts, draws the same.
 */
export function randomDigits(keys: number): () => string {
  let seed = 42;
  return () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return String((seed >>> 0) % keys).padStart(12, "0");
  };
}
/** set_lru's maxmemory in MB (AGNER_CG_LRU_MB; 4 by default, bench/kv_server.ts' maxmemory_lru runs 16). */
const LRU_MB = Number(process.env.AGNER_CG_LRU_MB ?? 4);
/** Shard processes (AGNER_CG_SHARDS; the server's default, 2). */
const SHARDS = process.env.AGNER_CG_SHARDS ?? "2";
/** A replica attached to the server (AGNER_CG_REPLICA=1): the primary's side of the stream is counted. */
const REPLICA = process.env.AGNER_CG_REPLICA === "1";
/** Warm-up: at least this many requests and this many chunks (so the per-chunk code is optimized at -P16 too). */
const WARM = 3000;
const WARM_CHUNKS = 1500;

function mb(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/** redis-benchmark's requests by test name, each `__rand_int__` drawn on its own (%012d). */
const TESTS: Record<string, (r: () => string) => string[]> = {
  set: (r) => ["SET", `key:${r()}`, "xxx"],
  get: (r) => ["GET", `key:${r()}`],
  incr: (r) => ["INCR", `counter:${r()}`],
  sadd: (r) => ["SADD", "myset", `element:${r()}`],
  hset: (r) => ["HSET", "myhash", `element:${r()}`, "xxx"],
  zadd: (r) => ["ZADD", "myzset", r(), `element:${r()}`],
  zpopmin: () => ["ZPOPMIN", "myzset"],
  lpush: () => ["LPUSH", "mylist", "xxx"],
  mset: (r) => ["MSET", ...Array.from({ length: 10 }, () => [`key:${r()}`, "xxx"]).flat()],
  // bench/kv_server.ts' evalsha_3cmd script (loaded first with SCRIPT LOAD).
  evalsha: (r) => ["EVALSHA", SHA_3CMD, "2", `n${r()}`, `v${r()}`, "value"],
  // SET of a new key on a server at maxmemory (allkeys-lru): each evicts (bench/kv_server.ts' maxmemory_lru, 100-byte values).
  set_lru: (r) => ["SET", `key:${r()}`, "x".repeat(100)],
  // The same call with a script that calls nothing: the fixed cost of a script run.
  evalsha_nop: (r) => ["EVALSHA", SHA_NOP, "2", `n${r()}`, `v${r()}`, "value"],
};
const SCRIPT_3CMD = "redis.call('incr', KEYS[1]) redis.call('set', KEYS[2], ARGV[1]) return redis.call('get', KEYS[2])";
const SCRIPT_NOP = "return ARGV[1]";
const SHA_3CMD = sha1hex(SCRIPT_3CMD);
const SHA_NOP = sha1hex(SCRIPT_NOP);

/** Counts complete top-level RESP2 replies in the output stream. */
class ReplyCounter {
  private buf = "";
  count = 0;
  feed(s: string): void {
    this.buf = this.buf === "" ? s : this.buf + s;
    let pos = 0;
    for (;;) {
      const end = this.skip(pos);
      if (end < 0) break;
      pos = end;
      this.count++;
    }
    this.buf = pos === this.buf.length ? "" : this.buf.slice(pos);
  }
  /** End of the reply at pos, or -1. */
  private skip(pos: number): number {
    const b = this.buf;
    if (pos >= b.length) return -1;
    const nl = b.indexOf("\r\n", pos);
    if (nl < 0) return -1;
    const t = b.charCodeAt(pos);
    if (t === 36 /* $ */) {
      const n = Number(b.slice(pos + 1, nl));
      if (n < 0) return nl + 2;
      const end = nl + 2 + n + 2;
      return end <= b.length ? end : -1;
    }
    if (t === 42 /* * */) {
      const n = Number(b.slice(pos + 1, nl));
      let at = nl + 2;
      for (let i = 0; i < n; i++) {
        at = this.skip(at);
        if (at < 0) return -1;
      }
      return at;
    }
    return nl + 2;
  }
}

class MemPort implements Port {
  readonly remote = "127.0.0.1:1";
  readonly local = "127.0.0.1:2";
  readonly fd = -1;
  ended = false;
  paused = false;
  readonly buffered = 0;
  readonly replies = new ReplyCounter();
  wanted = 0;
  done: (() => void) | null = null;
  last = "";
  private got(s: string): void {
    this.last = s;
    this.replies.feed(s);
    if (this.done !== null && this.replies.count >= this.wanted) {
      const d = this.done;
      this.done = null;
      d();
    }
  }
  write(buf: Buffer): void {
    this.got(buf.toString("latin1"));
  }
  writeText(text: string): void {
    this.got(text);
  }
  writeMany(parts: readonly (string | Buffer)[]): void {
    this.got(parts.map((p) => (typeof p === "string" ? p : p.toString("latin1"))).join(""));
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {
    this.ended = true;
  }
  kill(): void {
    this.ended = true;
  }
  close(): void {}
}

async function run(test: string, pipeline: number, n: number, made: number): Promise<void> {
  const make = TESTS[test];
  if (make === undefined) throw new Error(`unknown test ${test}: ${Object.keys(TESTS).join(" ")}`);
  const rt = new Runtime({ logger: () => {} });
  setDefaultRuntime(rt);
  const lru = test === "set_lru";
  const config = Config.from({ argv: ["--port", "0", "--memcached-port", "0", "--shards", SHARDS, ...(lru ? ["--maxmemory", `${LRU_MB}mb`, "--maxmemory-policy", "allkeys-lru"] : [])] });
  const keys = lru ? 1_000_000_000 : KEYS;
  const inst = new KvInstance({ config, prefix: "kvcg" });
  await startKvServer(inst);
  // No timers: the cron's work would grow with the (valgrind-slowed) wall time.
  await Supervisor.terminateChild(inst.names.sup.name, "expiry");
  const rand = randomDigits(keys);
  const chunk = () => {
    let s = "";
    for (let i = 0; i < pipeline; i++) s += mb(make(rand));
    return Buffer.from(s, "latin1");
  };
  const port = new MemPort();
  let owner: Proc | null = null;
  await GenServer.start(new Connection(inst), { port: (p: Proc) => ((owner = p), port) }).result();
  const conn = owner as Proc | null;
  if (conn === null) throw new Error("no connection process");
  // ZPOPMIN pops what ZADD put there: the set is filled beforehand (not counted in the difference), never emptied.
  // Both runs make the same chunks (for `made` requests) and send the first n: making them costs the same.
  const warmChunks = Math.max(Math.ceil(WARM / pipeline), WARM_CHUNKS);
  // set_lru: the data filled past maxmemory first (5,000 keys of 100 bytes per MB: some 0.65 MB per shard's 0.5 MB share).
  const fillLru = lru ? Array.from({ length: 100 * LRU_MB }, (_, c) => Buffer.from(Array.from({ length: 50 }, (_, i) => mb(["SET", `fill:${c * 50 + i}`, "x".repeat(100)])).join(""), "latin1")) : [];
  const fill = test === "zpopmin" ? Array.from({ length: Math.ceil((2 * (warmChunks * pipeline + made)) / 50) }, () => Buffer.from(Array.from({ length: 50 }, () => mb(TESTS.zadd!(rand))).join(""), "latin1")) : [];
  const warm = Array.from({ length: warmChunks }, chunk);
  const main = Array.from({ length: Math.ceil(made / pipeline) }, chunk).slice(0, Math.ceil(n / pipeline));
  // With a replica, each chunk comes in its own event-loop turn as a socket read does: the link writes once per turn.
  const send = (c: Buffer, k: number) =>
    new Promise<void>((resolve) => {
      port.wanted = port.replies.count + k;
      port.done = resolve;
      if (REPLICA) setImmediate(() => rt.deliver(conn, new SocketData(c)));
      else rt.deliver(conn, new SocketData(c));
    });
  if (REPLICA) await attachReplica(inst, rt);
  if (test === "evalsha") await send(Buffer.from(mb(["SCRIPT", "LOAD", SCRIPT_3CMD]), "latin1"), 1);
  if (test === "evalsha_nop") await send(Buffer.from(mb(["SCRIPT", "LOAD", SCRIPT_NOP]), "latin1"), 1);
  for (const c of fill) await send(c, 50);
  for (const c of fillLru) await send(c, 50);
  for (const c of warm) await send(c, pipeline);
  for (const c of main) await send(c, pipeline);
  if (process.env.AGNER_CG_DEBUG) console.error(port.replies.count, inst.keyspaces.map((k) => k.db(0).size), JSON.stringify(port.last).slice(0, 300));
  process.exit(0);
}

/**
 * A replica's link: REPLCONF and PSYNC over an in-memory connection, then
 * the first ACK (the stream starts on it, as Redis'); what the primary
 * sends is dropped.
 */
async function attachReplica(inst: KvInstance, rt: Runtime): Promise<void> {
  let got = "";
  const port = new MemPort();
  port.writeText = (t) => void (got += t);
  port.write = (b) => void (got += b.toString("latin1"));
  port.writeMany = (parts) => parts.forEach((p) => (got += typeof p === "string" ? p : p.toString("latin1")));
  let owner: Proc | null = null;
  await GenServer.start(new Connection(inst), { port: (p: Proc) => ((owner = p), port) }).result();
  const link = owner as Proc | null;
  if (link === null) throw new Error("no replica connection process");
  const say = (...args: string[]) => rt.deliver(link, new SocketData(Buffer.from(mb(args), "latin1")));
  say("REPLCONF", "listening-port", "6380");
  say("REPLCONF", "capa", "eof", "capa", "psync2");
  say("PSYNC", "?", "-1");
  // A disk-less RDB: `$EOF:<mark>` ... `<mark>`.
  const ended = () => {
    const m = /\$EOF:(.{40})\r\n/.exec(got);
    return m !== null && got.endsWith(m[1]!);
  };
  for (let i = 0; i < 400 && !ended(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ended()) throw new Error(`no disk-less RDB from PSYNC: ${JSON.stringify(got.slice(0, 200))}`);
  say("REPLCONF", "ACK", "0");
  let streamed = 0;
  port.writeText = (t) => void (streamed += t.length);
  port.write = (b) => void (streamed += b.length);
  port.writeMany = (parts) => parts.forEach((p) => (streamed += p.length));
  if (process.env.AGNER_CG_DEBUG) process.on("exit", () => console.error(`the replica got ${streamed} stream bytes`));
}

function instructions(test: string, pipeline: number, n: number, made: number): number {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", process.execPath, "--single-threaded", self, "--run", test, String(pipeline), String(n), String(made)], { encoding: "utf8" });
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (r.status !== 0 || m === null) throw new Error(`callgrind failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return Number(m[1]);
}

const argv = process.argv.slice(2);
if (process.argv[1] !== fileURLToPath(import.meta.url)) {
  // Imported (bench/kv_replica_callgrind.ts): nothing to run.
} else if (argv[0] === "--run") {
  await run(argv[1]!, Number(argv[2]), Number(argv[3]), Number(argv[4]));
} else {
  const n = Number(process.env.AGNER_CG_N ?? 4000);
  for (const spec of argv.length > 0 ? argv : ["set:1", "set:16", "mset:1", "zadd:1", "zpopmin:1"]) {
    const [test, p] = spec.split(":");
    const pipeline = Number(p ?? 1);
    const a = instructions(test!, pipeline, n, 2 * n);
    const b = instructions(test!, pipeline, 2 * n, 2 * n);
    console.log(`kv_cg_${test}_p${pipeline}_instr_per_req ${Math.round((b - a) / n)}`);
  }
}
