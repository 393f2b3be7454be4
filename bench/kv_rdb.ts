/**
 * The RDB parts of `npm run bench -- kv-server` (AGNER_KV_BENCH_ONLY=rdb):
 * Agner beside redis-server, both filled with the same KEYS (1 M) keys
 * `key:%012d` of 16 bytes, persistence off but for the snapshots.
 *
 * - `bgsave_1m_keys_s`: keys per second of a BGSAVE (from the command to
 *   `rdb_bgsave_in_progress:0`, polled every 10 ms)
 * - `rdb_load_1m_keys_s`: keys per second of loading that dump.rdb at start:
 *   from spawning the server on it to its first PONG, less the same for an
 *   empty directory (each server's own start-up)
 * - `get_p99_ms` and `get_p99_bgsave_ms`: GET's p99 (`-t get -c 50 -r KEYS
 *   --csv`) without, and while a BGSAVE runs (started just before; whether
 *   it was still running at the end is printed beside); and, as a `#` line,
 *   each server's ratio of the two (the issue asks ≤ 2 of Agner)
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type PartHost, type PartServer, cli, infoField } from "./kv_part.js";

async function field(port: number, name: string): Promise<string> {
  return infoField(port, "persistence", name);
}

/** Seconds from BGSAVE to its end. */
async function bgsaveSeconds(port: number): Promise<number> {
  const t0 = performance.now();
  await cli(port, "BGSAVE");
  while ((await field(port, "rdb_bgsave_in_progress")) !== "0") await new Promise((r) => setTimeout(r, 10));
  if ((await field(port, "rdb_last_bgsave_status")) !== "ok") throw new Error("BGSAVE failed");
  return (performance.now() - t0) / 1000;
}

/** Seconds from spawning a server on `dir` to its first PONG (Redis answers -LOADING until loaded). */
async function startSeconds(start: () => Promise<PartServer>): Promise<number> {
  const t0 = performance.now();
  const s = await start();
  try {
    for (;;) {
      const r = await cli(s.port, "PING").catch(() => "");
      if (r === "PONG") break;
      await new Promise((res) => setTimeout(res, 5));
    }
    return (performance.now() - t0) / 1000;
  } finally {
    await s.stop();
  }
}

function p99(csv: string): number {
  const lines = csv.trim().split("\n").map((l) => l.split(",").map((f) => f.replace(/"/g, "")));
  return Number(lines[1]![lines[0]!.indexOf("p99_latency_ms")]);
}

export async function rdbBench(dir: string, h: PartHost): Promise<void> {
  const n = h.keys;
  const dirs = { redis: join(dir, "rdb-redis"), agner: join(dir, "rdb-agner") };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const start = (name: "redis" | "agner", d: string) => (name === "redis" ? h.startRedis(d, []) : h.startAgner(d, []));
  const save = new Map<string, number>();
  const idle = new Map<string, number>();
  const during = new Map<string, number>();
  for (const name of ["redis", "agner"] as const) {
    const s = await start(name, dirs[name]);
    try {
      await h.fill(s.port, n);
      const getArgs = ["-t", "get", "-n", String(Math.min(n, 200_000)), "-r", String(n), "-c", "50", "--csv"];
      await h.bench(s.port, getArgs); // warm-up
      save.set(name, n / (await bgsaveSeconds(s.port)));
      idle.set(name, p99(await h.bench(s.port, getArgs)));
      await cli(s.port, "BGSAVE");
      during.set(name, p99(await h.bench(s.port, getArgs)));
      console.log(`# get_p99_bgsave ${name}: BGSAVE still running at the end of the GET run: ${(await field(s.port, "rdb_bgsave_in_progress")) === "1" ? "yes" : "no"}`);
      while ((await field(s.port, "rdb_bgsave_in_progress")) !== "0") await new Promise((r) => setTimeout(r, 10));
    } finally {
      await s.stop();
    }
  }
  h.figure("bgsave_1m_keys_s", save.get("agner")!, save.get("redis")!, "higher");
  // Load: the same file for both (Agner's, which both read), against each one's start on an empty directory.
  const load = new Map<string, number>();
  for (const name of ["redis", "agner"] as const) {
    const empty = join(dir, `rdb-empty-${name}`);
    const full = join(dir, `rdb-full-${name}`);
    mkdirSync(empty, { recursive: true });
    mkdirSync(full, { recursive: true });
    copyFileSync(join(dirs.agner, "dump.rdb"), join(full, "dump.rdb"));
    const base = await startSeconds(() => start(name, empty));
    const loaded = await startSeconds(() => start(name, full));
    console.log(`# rdb_load ${name}: first PONG after ${base.toFixed(3)} s on an empty directory, ${loaded.toFixed(3)} s on the file`);
    load.set(name, n / Math.max(0.001, loaded - base));
  }
  h.figure("rdb_load_1m_keys_s", load.get("agner")!, load.get("redis")!, "higher");
  h.figure("get_p99_ms", idle.get("agner")!, idle.get("redis")!, "lower");
  h.figure("get_p99_bgsave_ms", during.get("agner")!, during.get("redis")!, "lower");
  for (const name of ["agner", "redis"]) console.log(`# get_p99 during BGSAVE / without, ${name}: ${(during.get(name)! / idle.get(name)!).toFixed(2)}`);
}
