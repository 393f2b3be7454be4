/**
 * `npm run bench -- kv-server`: Agner's KV server against redis-server with
 * the same redis-benchmark runs, in one run. Both servers run as separate
 * OS processes, persistence off, on free ports; each workload runs on
 * Redis, then on Agner.
 *
 * Figures (`FIGURE`, `FIGURE.redis`, `FIGURE.ratio`; ratio > 1 means Agner
 * is better: Agner/Redis for rates, Redis/Agner for latencies, bytes, CPU):
 *
 * - `set_p1_rps`, `get_p1_rps`: `-t set,get -n 200000 -r 100000 -c 50 -P 1`
 * - `set_p16_rps`, `get_p16_rps`: the same with `-P 16`
 * - `get_c1_p50_ms`: p50 latency of GET at `-c 1 -P 1` (from `--csv`)
 * - `server_cpu_us_per_req`: the server process's user+system CPU
 *   (/proc/PID/stat) per request over the `-P 1` runs
 * - `mem_per_key_bytes`: 1 M keys `key:%012d` of 16-byte values written
 *   to fresh servers: growth of Agner's process RSS vs growth of Redis'
 *   `used_memory`, per key
 *
 * - `set_everysec_p1_rps`: `-t set -n 200000 -r 100000 -c 50 -P 1` with
 *   `appendonly yes appendfsync everysec` on both (fresh servers, each in
 *   its own directory; Redis with `aof-use-rdb-preamble no` like Agner)
 * - `std_<test>_p1_rps`, `std_<test>_p16_rps`: redis-benchmark's standard
 *   tests over the data types (`-t set,get,incr,lpush,rpush,lpop,rpop,sadd,
 *   hset,spop,zadd,zpopmin,lrange_100,lrange_600,mset -n 100000 -r 100000
 *   -c 50`, at `-P 1` and `-P 16`; fresh servers), and `xadd` as newer
 *   redis-benchmarks define it (`XADD mystream * myfield xxx`, given as a
 *   command: 7.0.15's has no such test)
 * - `evalsha_3cmd_p1_rps`, `evalsha_3cmd_p16_rps`: EVALSHA of a script of
 *   three commands (INCR, SET, GET; `-n 100000 -r 100000 -c 50`)
 * - `bullmq_jobs_per_s`: BullMQ, 5,000 jobs added (addBulk) then processed
 *   by one worker, per second of the whole run (the same client code on both)
 * - `get_c1000_p50_ms`, `get_c1000_p99_ms`: GET latency with 1,000 clients
 *   (`-t get -c 1000 -r 100000 --csv`)
 * - `mem_per_member_<set|zset|hash>_bytes`: RSS growth per member of one
 *   key grown to 1 M members (`SADD`/`ZADD`/`HSET`, 100 members per
 *   command, pipelined; members `m:<8 digits>`, scores and values the
 *   number), both servers fresh and measured the same way
 * - `mem_per_key_100b_bytes`: RSS growth per key after `-t set -d 100
 *   -r 1000000 -n 1000000 -P 16` (about 632,000 distinct keys: DBSIZE)
 * - `maxmemory_lru_set_rps`, `maxmemory_lru_get_rps`: `-t set,get -n N -r
 *   1000000 -d 100 -c 50 -P 1` on servers with `maxmemory 16mb` and
 *   `allkeys-lru`, filled past the limit first (`-t set -n 400000 -P 16`),
 *   so every SET of a new key evicts (each server's `evicted_keys` beside)
 *
 * - `bgsave_1m_keys_s`, `rdb_load_1m_keys_s`, `get_p99_ms`,
 *   `get_p99_bgsave_ms`: RDB snapshots (bench/kv_rdb.ts)
 * - `repl_set_p16_rps`, `full_sync_1m_keys_s`: replication, a primary and
 *   a replica of each (bench/kv_repl.ts)
 * - `failover_s`: kill -9 of a primary watched by three redis-sentinel
 *   processes, to the first write through a sentinel-aware client
 *   (bench/kv_failover.ts; only with AGNER_KV_BENCH_ONLY=failover)
 * - `observer_overhead_pct`, `observer_off_rps`, `observer_on_rps`: SET and
 *   GET at `-P 1` without and with one web observer page open
 *   (bench/kv_observer.ts; AGNER_KV_BENCH_ONLY=observer alone)
 *
 * Beside them, as `#` lines, the same runs on bench/kv_floor_server.ts (a
 * Map and a bare parser: what Node allows at the least), so each gap to
 * Redis shows how much of it is Node's own.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fmt, repoRoot } from "./lib.js";
import { freePort, redisAvailable, waitForPort } from "../test/support/redis_tools.js";
import { rdbBench } from "./kv_rdb.js";
import { cpuSeconds } from "./kv_part.js";
import { replBench } from "./kv_repl.js";
import { failoverBench } from "./kv_failover.js";
import { observerBench } from "./kv_observer.js";

const N = Number(process.env.AGNER_KV_BENCH_N ?? 200_000);
const KEYS = Number(process.env.AGNER_KV_BENCH_KEYS ?? 1_000_000);

function figure(name: string, agner: number, redis: number, better: "higher" | "lower"): void {
  console.log(`${name} ${fmt(agner)}`);
  console.log(`${name}.redis ${fmt(redis)}`);
  console.log(`${name}.ratio ${(better === "higher" ? agner / redis : redis / agner).toFixed(2)}`);
}

interface Server {
  name: string;
  port: number;
  proc: ChildProcess;
  /** What the server printed on stdout (its banner; Agner's only). */
  output(): string;
  stop(): Promise<void>;
}

/** Banner text kept of a server's stdout: its start lines are all that is read. */
const OUTPUT_MAX = 64 * 1024;

/** Persistence off, or the append-only file with `appendfsync everysec`. */
const NO_AOF = ["--appendonly", "no"];
const EVERYSEC = ["--appendonly", "yes", "--appendfsync", "everysec"];

async function startRedis(dir: string, aof = NO_AOF, more: string[] = []): Promise<Server> {
  const port = await freePort();
  const extra = aof === NO_AOF ? aof : [...aof, "--aof-use-rdb-preamble", "no"];
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...extra, "--dir", dir, ...more], { stdio: "ignore" });
  await waitForPort(port);
  return { name: "redis", port, proc, output: () => "", stop: () => kill(proc) };
}

async function startAgner(dir: string, aof = NO_AOF, more: string[] = []): Promise<Server> {
  const port = await freePort();
  const cli = join(repoRoot, "dist", "src", "cli", "kv.js");
  const proc = spawn(process.execPath, [cli, "--port", String(port), "--memcached-port", "0", "--dir", dir, ...aof, "--distribution", "no", ...more], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  // Read all of it (an unread pipe would stop the server once full), keep the start.
  proc.stdout!.on("data", (d: Buffer) => {
    if (out.length < OUTPUT_MAX) out += d.toString();
  });
  await waitForPort(port);
  return { name: "agner", port, proc, output: () => out, stop: () => kill(proc) };
}

/** The floor: the least a Node process does to serve these runs (bench/kv_floor_server.ts). */
async function startFloor(): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(repoRoot, "dist", "bench", "kv_floor_server.js"), String(port)], { stdio: ["ignore", "ignore", "inherit"] });
  await waitForPort(port);
  return { name: "node_floor", port, proc, output: () => "", stop: () => kill(proc) };
}

/** A comment line: the Node floor's figure and its ratio to Redis, beside Agner's (same run). */
function floorLine(name: string, floor: number, redis: number, agner: number, better: "higher" | "lower"): void {
  const r = (x: number) => (better === "higher" ? x / redis : redis / x).toFixed(2);
  console.log(`# ${name}: node floor ${fmt(floor)} (ratio ${r(floor)}), Agner ${fmt(agner)} (ratio ${r(agner)})`);
}

function kill(p: ChildProcess): Promise<void> {
  // A process already killed has a signalCode and no exitCode: waiting for its exit again would never end.
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    p.once("exit", () => r());
    p.kill("SIGKILL");
  });
}

function bench(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-benchmark", ["-p", String(port), ...args], { maxBuffer: 64 << 20, timeout: 600_000 }, (e, out) => (e ? reject(e) : resolve(out)));
  });
}

/** `SET: 123.45 requests per second` lines of `-q` output. */
function rps(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split(/[\r\n]+/)) {
    const r = /^(\w+): ([\d.]+) requests per second/.exec(line.trim());
    if (r) m.set(r[1]!.toLowerCase(), Number(r[2]));
  }
  return m;
}

/** A latency column (`p50_latency_ms`, `p99_latency_ms`) per test from `--csv` output. */
function p50(out: string, column = "p50_latency_ms"): Map<string, number> {
  const m = new Map<string, number>();
  const lines = out.trim().split("\n").map((l) => l.split(",").map((f) => f.replace(/"/g, "")));
  const head = lines[0]!;
  const col = head.indexOf(column);
  for (const l of lines.slice(1)) m.set(l[0]!.toLowerCase(), Number(l[col]));
  return m;
}

/** Every test's rate from `-q` output, by its label's first word (`lrange_100`, `mset`); LRANGE's LPUSH fill is left out. */
function rpsAll(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split(/[\r\n]+/)) {
    const r = /^([^:]+): ([\d.]+) requests per second/.exec(line.trim());
    if (r === null || r[1]!.includes("needed")) continue;
    m.set(r[1]!.split(" ")[0]!.toLowerCase(), Number(r[2]));
  }
  return m;
}

const STANDARD = ["set", "get", "incr", "lpush", "rpush", "lpop", "rpop", "sadd", "hset", "spop", "zadd", "zpopmin", "lrange_100", "lrange_600", "mset"];

/** Newer redis-benchmarks' `xadd` test, which 7.0.15's lacks: the same command given explicitly. */
const XADD = ["XADD", "mystream", "*", "myfield", "xxx"];

/** `std_xadd_p1_rps` and `std_xadd_p16_rps`, on fresh servers. */
async function xaddTests(dir: string): Promise<void> {
  for (const pipeline of [1, 16]) {
    const redis = await startRedis(dir);
    const agner = await startAgner(dir);
    try {
      const args = ["-n", "100000", "-c", "50", "-P", String(pipeline), "-q", ...XADD];
      const got = new Map<string, number>();
      for (const s of [redis, agner]) got.set(s.name, rpsAll(await bench(s.port, args)).get("xadd")!);
      figure(`std_xadd_p${pipeline}_rps`, got.get("agner")!, got.get("redis")!, "higher");
    } finally {
      await redis.stop();
      await agner.stop();
    }
  }
}

/** A 3-command script (INCR, SET, GET on two keys): `evalsha_3cmd_p1_rps`, `evalsha_3cmd_p16_rps`, on fresh servers. */
const SCRIPT_3CMD = "redis.call('incr', KEYS[1]) redis.call('set', KEYS[2], ARGV[1]) return redis.call('get', KEYS[2])";

async function evalshaTests(dir: string): Promise<void> {
  for (const pipeline of [1, 16]) {
    const redis = await startRedis(dir);
    const agner = await startAgner(dir);
    try {
      const got = new Map<string, number>();
      for (const s of [redis, agner]) {
        const sha = await scriptLoad(s.port, SCRIPT_3CMD);
        const args = ["-n", "100000", "-r", "100000", "-c", "50", "-P", String(pipeline), "-q", "EVALSHA", sha, "2", "n___rand_int__", "v___rand_int__", "value"];
        got.set(s.name, rpsAll(await bench(s.port, args)).get("evalsha")!);
      }
      figure(`evalsha_3cmd_p${pipeline}_rps`, got.get("agner")!, got.get("redis")!, "higher");
    } finally {
      await redis.stop();
      await agner.stop();
    }
  }
}

/**
 * BullMQ, one queue and one worker (concurrency 1): `bullmq_jobs_per_s`,
 * jobs added (addBulk) and then processed to completion, per second of
 * the whole run, on fresh servers with the same client code.
 */
async function bullmqTests(dir: string): Promise<void> {
  const { Queue, Worker } = createRequire(import.meta.url)("bullmq") as typeof import("bullmq");
  const jobs = Number(process.env.AGNER_KV_BENCH_BULLMQ_JOBS ?? 5000);
  const got = new Map<string, number>();
  for (const start of [startRedis, startAgner]) {
    const s = await start(dir);
    try {
      const connection = { host: "127.0.0.1", port: s.port, maxRetriesPerRequest: null };
      const queue = new Queue("bench", { connection });
      const t0 = performance.now();
      for (let i = 0; i < jobs; i += 500) await queue.addBulk(Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ name: "j", data: { n: i + k } })));
      let done = 0;
      const finished = new Promise<void>((r) => {
        const worker = new Worker("bench", async (job) => job.data.n * 2, { connection, concurrency: 1 });
        worker.on("completed", () => {
          if (++done === jobs) void worker.close().then(r);
        });
      });
      await finished;
      got.set(s.name, jobs / ((performance.now() - t0) / 1000));
      await queue.close();
    } finally {
      await s.stop();
    }
  }
  figure("bullmq_jobs_per_s", got.get("agner")!, got.get("redis")!, "higher");
}

function scriptLoad(port: number, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["-p", String(port), "SCRIPT", "LOAD", body], (e, out) => (e ? reject(e) : resolve(out.trim())));
  });
}

/** redis-benchmark's standard tests over the types, on fresh servers, at -P 1 and -P 16. */
async function standardTests(dir: string): Promise<void> {
  for (const pipeline of [1, 16]) {
    const redis = await startRedis(dir);
    const agner = await startAgner(dir);
    try {
      const args = ["-t", STANDARD.join(","), "-n", "100000", "-r", "100000", "-c", "50", "-P", String(pipeline), "-q"];
      const got = new Map<string, Map<string, number>>();
      for (const s of [redis, agner]) got.set(s.name, rpsAll(await bench(s.port, args)));
      for (const t of STANDARD) {
        const a = got.get("agner")!.get(t);
        const r = got.get("redis")!.get(t);
        if (a === undefined || r === undefined) console.log(`# std_${t}_p${pipeline}_rps: no figure (agner ${a}, redis ${r})`);
        else figure(`std_${t}_p${pipeline}_rps`, a, r, "higher");
      }
    } finally {
      await redis.stop();
      await agner.stop();
    }
  }
}

/** GET latency with 1,000 clients. */
async function manyClients(dir: string): Promise<void> {
  const redis = await startRedis(dir);
  const agner = await startAgner(dir);
  try {
    const args = ["-t", "get", "-n", "200000", "-r", "100000", "-c", "1000", "-P", "1", "--csv"];
    const got = new Map<string, string>();
    for (const s of [redis, agner]) got.set(s.name, await bench(s.port, args));
    for (const col of ["p50", "p99"]) {
      const a = p50(got.get("agner")!, `${col}_latency_ms`).get("get")!;
      const r = p50(got.get("redis")!, `${col}_latency_ms`).get("get")!;
      figure(`get_c1000_${col}_ms`, a, r, "lower");
    }
  } finally {
    await redis.stop();
    await agner.stop();
  }
}

async function dbsize(port: number): Promise<number> {
  const out = await new Promise<string>((resolve, reject) => execFile("redis-cli", ["-p", String(port), "DBSIZE"], (e, o) => (e ? reject(e) : resolve(o))));
  return Number(out.trim());
}

/**
 * Fresh servers each filled by `fill` (which gives how many units it
 * added): RSS growth per unit, both measured the same way.
 */
async function rssPerUnit(dir: string, name: string, fill: (s: Server) => Promise<number>): Promise<void> {
  const redis = await startRedis(dir);
  const agner = await startAgner(dir);
  try {
    const per = new Map<string, number>();
    for (const s of [redis, agner]) {
      const r0 = rssBytes(s.proc.pid!);
      const units = await fill(s);
      await new Promise((r) => setTimeout(r, 500));
      per.set(s.name, (rssBytes(s.proc.pid!) - r0) / units);
    }
    figure(name, per.get("agner")!, per.get("redis")!, "lower");
  } finally {
    await redis.stop();
    await agner.stop();
  }
}

/** RSS growth per key of ~1 M string keys with 100-byte values. */
async function memoryPerKey100(dir: string): Promise<void> {
  await rssPerUnit(dir, "mem_per_key_100b_bytes", async (s) => {
    await bench(s.port, ["-t", "set", "-d", "100", "-r", "1000000", "-n", "1000000", "-c", "50", "-P", "16", "-q"]);
    return await dbsize(s.port);
  });
}

/** Sends the commands `lines` yields (RESP, each answered by one line), pipelined in slices, waiting for every reply. */
async function loadLines(port: number, lines: Iterable<string>): Promise<void> {
  const s = net.connect(port, "127.0.0.1");
  await new Promise((r) => s.once("connect", r));
  let replies = 0;
  let want = 0;
  let wake: (() => void) | null = null;
  s.on("data", (d: Buffer) => {
    for (let i = 0; i < d.length; i++) if (d[i] === 10) replies++;
    if (wake && replies >= want) wake();
  });
  let text = "";
  const flush = async () => {
    s.write(text);
    text = "";
    if (replies < want) await new Promise<void>((r) => (wake = r));
    wake = null;
  };
  for (const line of lines) {
    text += line;
    want++;
    if (text.length > 1 << 20) await flush();
  }
  await flush();
  s.destroy();
}

function resp(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
  return out;
}

/** One key of 1 M members: SADD/ZADD/HSET 100 at a time. */
function* members(type: "set" | "zset" | "hash"): Generator<string> {
  const MEMBERS = 1_000_000;
  for (let i = 0; i < MEMBERS; i += 100) {
    const argv = type === "set" ? ["SADD", "big"] : type === "zset" ? ["ZADD", "big"] : ["HSET", "big"];
    for (let k = i; k < i + 100; k++) {
      const m = `m:${String(k).padStart(8, "0")}`;
      if (type === "set") argv.push(m);
      else if (type === "zset") argv.push(String(k), m);
      else argv.push(m, String(k));
    }
    yield resp(argv);
  }
}

/** RSS growth per member of a 1 M-member set, sorted set and hash. */
async function memoryPerMember(dir: string): Promise<void> {
  for (const type of ["set", "zset", "hash"] as const) {
    await rssPerUnit(dir, `mem_per_member_${type}_bytes`, async (s) => {
      await loadLines(s.port, members(type));
      return 1_000_000;
    });
  }
}

/** Resident memory of a process (Linux /proc). */
function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m![1]) * 1024;
}

/** SET key:<12 digits> value, n times, pipelined. */
function* sets(n: number, value: string): Generator<string> {
  for (let k = 0; k < n; k++) yield resp(["SET", `key:${String(k).padStart(12, "0")}`, value]);
}

async function info(port: number, field: string): Promise<number> {
  const out = await new Promise<string>((resolve, reject) =>
    execFile("redis-cli", ["-p", String(port), "INFO", "memory"], (e, o) => (e ? reject(e) : resolve(o))),
  );
  const m = new RegExp(`^${field}:(\\d+)`, "m").exec(out);
  return Number(m![1]);
}

async function memoryPerKey(dir: string): Promise<void> {
  const value = "v".repeat(16);
  const redis = await startRedis(dir);
  const agner = await startAgner(dir);
  try {
    const r0 = await info(redis.port, "used_memory");
    await loadLines(redis.port, sets(KEYS, value));
    const r1 = await info(redis.port, "used_memory");
    const a0 = rssBytes(agner.proc.pid!);
    await loadLines(agner.port, sets(KEYS, value));
    await new Promise((r) => setTimeout(r, 500));
    const a1 = rssBytes(agner.proc.pid!);
    figure("mem_per_key_bytes", (a1 - a0) / KEYS, (r1 - r0) / KEYS, "lower");
  } finally {
    await redis.stop();
    await agner.stop();
  }
}

/** SET at -P 1 with the append-only file on both, appendfsync everysec. */
async function everysec(dir: string): Promise<void> {
  const rdir = join(dir, "aof-redis");
  const adir = join(dir, "aof-agner");
  mkdirSync(rdir);
  mkdirSync(adir);
  const redis = await startRedis(rdir, EVERYSEC);
  const agner = await startAgner(adir, EVERYSEC);
  try {
    const args = ["-t", "set", "-n", String(N), "-r", "100000", "-c", "50", "-P", "1", "-q"];
    const got = new Map<string, number>();
    for (const s of [redis, agner]) got.set(s.name, rps(await bench(s.port, args)).get("set")!);
    figure("set_everysec_p1_rps", got.get("agner")!, got.get("redis")!, "higher");
  } finally {
    await redis.stop();
    await agner.stop();
  }
}

export default async function main(): Promise<void> {
  if (!redisAvailable()) {
    console.log("# kv-server: redis-server / redis-benchmark not installed; skipped (apt-get install redis-server redis-tools)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "agner-kv-bench-"));
  // AGNER_KV_BENCH_ONLY=standard,mem_per_member runs only those parts (for a rerun of one figure).
  const only = process.env.AGNER_KV_BENCH_ONLY?.split(",");
  const part = (name: string) => only === undefined || only.includes(name);
  try {
    if (part("basic")) await basic(dir);
    if (part("mem_per_key")) await memoryPerKey(dir);
    if (part("everysec")) await everysec(dir);
    if (part("standard")) await standardTests(dir);
    if (part("xadd")) await xaddTests(dir);
    if (part("evalsha")) await evalshaTests(dir);
    if (part("bullmq")) await bullmqTests(dir);
    if (part("c1000")) await manyClients(dir);
    if (part("mem_per_key_100b")) await memoryPerKey100(dir);
    if (part("mem_per_member")) await memoryPerMember(dir);
    if (part("maxmemory_lru")) await maxmemoryLru(dir);
    const partHost = {
      keys: KEYS,
      requests: N,
      startRedis: (d: string, more: string[]) => startRedis(d, NO_AOF, more),
      startAgner: (d: string, more: string[]) => startAgner(d, NO_AOF, more),
      fill: (port: number, n: number) => loadLines(port, sets(n, "v".repeat(16))),
      bench,
      figure,
    };
    if (part("rdb")) await rdbBench(dir, partHost);
    if (part("repl")) await replBench(dir, { ...partHost, requests: N * 5 });
    if (part("observer")) await observerBench(dir, { ...partHost, rates: rps, cpuSeconds });
    // Only when asked: it needs redis-sentinel, and half a minute.
    if (only?.includes("failover")) await failoverBench(dir, partHost);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An INFO field of the server on `port`, through redis-cli. */
function infoField(port: number, field: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["-p", String(port), "INFO", "all"], { timeout: 60_000 }, (e, out) => {
      if (e) return reject(e);
      resolve(new RegExp(`^${field}:(.*)\\r?$`, "m").exec(out)?.[1] ?? "?");
    });
  });
}

/** SET and GET while maxmemory is reached and allkeys-lru evicts (every new key's SET evicts one). */
async function maxmemoryLru(dir: string): Promise<void> {
  const limit = ["--maxmemory", "16mb", "--maxmemory-policy", "allkeys-lru"];
  const redis = await startRedis(dir, NO_AOF, limit);
  const agner = await startAgner(dir, NO_AOF, limit);
  const servers = [redis, agner];
  try {
    const got = new Map<string, Map<string, number>>();
    for (const s of servers) {
      // Past the limit first (about 90,000 keys of 100 bytes fit), which also warms the JIT.
      await bench(s.port, ["-t", "set", "-n", "400000", "-r", "1000000", "-d", "100", "-c", "50", "-P", "16", "-q"]);
      got.set(s.name, rps(await bench(s.port, ["-t", "set,get", "-n", String(N), "-r", "1000000", "-d", "100", "-c", "50", "-P", "1", "-q"])));
      console.log(`# maxmemory_lru ${s.name}: evicted_keys ${await infoField(s.port, "evicted_keys")}, used_memory ${await infoField(s.port, "used_memory")}`);
    }
    figure("maxmemory_lru_set_rps", got.get("agner")!.get("set")!, got.get("redis")!.get("set")!, "higher");
    figure("maxmemory_lru_get_rps", got.get("agner")!.get("get")!, got.get("redis")!.get("get")!, "higher");
  } finally {
    for (const s of servers) await s.stop();
  }
}

/** SET and GET at -P 1 and -P 16, CPU per request, GET latency with one client; the Node floor beside. */
async function basic(dir: string): Promise<void> {
  {
    const base = ["-t", "set,get", "-n", String(N), "-r", "100000", "-q"];
    const redis = await startRedis(dir);
    const agner = await startAgner(dir);
    const floor = await startFloor();
    const servers = [redis, agner, floor];
    try {
      // Warm both up (JIT, keyspace) with the same short run.
      for (const s of servers) await bench(s.port, ["-t", "set,get", "-n", "50000", "-r", "100000", "-c", "50", "-q"]);
      const p1 = new Map<string, Map<string, number>>();
      const cpu = new Map<string, number>();
      for (const s of servers) {
        const c0 = cpuSeconds(s.proc.pid!);
        p1.set(s.name, rps(await bench(s.port, [...base, "-c", "50", "-P", "1"])));
        cpu.set(s.name, ((cpuSeconds(s.proc.pid!) - c0) * 1e6) / (2 * N));
      }
      figure("set_p1_rps", p1.get("agner")!.get("set")!, p1.get("redis")!.get("set")!, "higher");
      figure("get_p1_rps", p1.get("agner")!.get("get")!, p1.get("redis")!.get("get")!, "higher");
      figure("server_cpu_us_per_req", cpu.get("agner")!, cpu.get("redis")!, "lower");
      const p16 = new Map<string, Map<string, number>>();
      for (const s of servers) p16.set(s.name, rps(await bench(s.port, [...base, "-c", "50", "-P", "16"])));
      figure("set_p16_rps", p16.get("agner")!.get("set")!, p16.get("redis")!.get("set")!, "higher");
      figure("get_p16_rps", p16.get("agner")!.get("get")!, p16.get("redis")!.get("get")!, "higher");
      const lat = new Map<string, Map<string, number>>();
      for (const s of servers) lat.set(s.name, p50(await bench(s.port, ["-t", "get", "-n", String(Math.min(N, 100_000)), "-r", "100000", "-c", "1", "-P", "1", "--csv"])));
      figure("get_c1_p50_ms", lat.get("agner")!.get("get")!, lat.get("redis")!.get("get")!, "lower");
      // What Node itself allows, measured beside them: how much of each gap is Node's.
      const f = (m: Map<string, Map<string, number>>, t: string) => [m.get("node_floor")!.get(t)!, m.get("redis")!.get(t)!, m.get("agner")!.get(t)!] as const;
      floorLine("set_p1_rps", ...f(p1, "set"), "higher");
      floorLine("get_p1_rps", ...f(p1, "get"), "higher");
      floorLine("server_cpu_us_per_req", cpu.get("node_floor")!, cpu.get("redis")!, cpu.get("agner")!, "lower");
      floorLine("set_p16_rps", ...f(p16, "set"), "higher");
      floorLine("get_p16_rps", ...f(p16, "get"), "higher");
      floorLine("get_c1_p50_ms", ...f(lat, "get"), "lower");
    } finally {
      for (const s of servers) await s.stop();
    }
  }
}
