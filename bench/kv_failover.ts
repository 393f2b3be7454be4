/**
 * The failover part of `npm run bench -- kv-server`
 * (AGNER_KV_BENCH_ONLY=failover): a primary, two replicas and three real
 * redis-sentinel processes (quorum 2, down-after-milliseconds 1000), of
 * Agner and of redis-server in turn, the same setup for both.
 *
 * - `failover_s`: from kill -9 of the primary to the first write that
 *   succeeds through an ioredis client configured with the sentinels (so
 *   on the promoted replica): detection, election, promotion and the
 *   client's reconnection, as a user sees it. A failover that brings no
 *   write through within DEADLINE_MS ends the run with the sentinels'
 *   last log lines instead of waiting forever.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { type Sentinel, startSentinel } from "../test/support/redis_sentinel.js";
import { type PartHost, type PartServer, infoField } from "./kv_part.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long after the kill a write may take before the run gives up (detection 1 s, failover-timeout 10 s, with room). */
const DEADLINE_MS = 60_000;

/** What `p` gives, "error" if it rejects, "timeout" if it has not settled after `ms`. */
function bounded<T>(p: Promise<T>, ms: number): Promise<T | "error" | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
  return Promise.race([p.catch(() => "error" as const), late]).finally(() => clearTimeout(timer));
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`failover bench: never ${what}`);
}

/** Seconds from kill -9 of a primary (with two replicas, three sentinels) to the first write a sentinel-aware client gets acknowledged. */
async function failoverSeconds(name: "redis" | "agner", dir: string, h: PartHost): Promise<number> {
  const start = (d: string, more: string[]) => (name === "redis" ? h.startRedis(d, more) : h.startAgner(d, more));
  const dirs = [0, 1, 2].map((i) => join(dir, `failover-${name}-${i}`));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const servers: PartServer[] = [];
  const sentinels: Sentinel[] = [];
  let io: Redis | null = null;
  try {
    const primary = await start(dirs[0]!, []);
    servers.push(primary);
    for (const d of dirs.slice(1)) servers.push(await start(d, ["--replicaof", "127.0.0.1", String(primary.port)]));
    for (const r of servers.slice(1)) await until("a replica's link up", async () => (await infoField(r.port, "replication", "master_link_status")) === "up");
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel("127.0.0.1", primary.port, { quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 10_000 }));
    for (const s of sentinels) {
      await until("the sentinels see the replicas and each other", async () => {
        const m = await s.master();
        return m["num-slaves"] === "2" && m["num-other-sentinels"] === "2";
      });
    }
    io = new Redis({ sentinels: sentinels.map((s) => ({ host: "127.0.0.1", port: s.port })), name: "mymaster", maxRetriesPerRequest: null });
    io.on("error", () => {});
    if ((await bounded(io.set("before", "1"), 10_000)) !== "OK") throw new Error(`failover bench (${name}): no write through the sentinels before the kill`);
    const t0 = performance.now();
    await primary.stop(); // SIGKILL
    // One write in flight at a time (ioredis queues it until it reaches the promoted replica), bounded so a failover that never comes ends the run.
    for (let n = 0; ; n++) {
      const left = t0 + DEADLINE_MS - performance.now();
      const r = left > 0 ? await bounded(io.set(`after:${n}`, "1"), left) : "timeout";
      if (r === "OK") break;
      if (r === "timeout") {
        const logs = sentinels.map((s, i) => `--- sentinel ${i}, last lines:\n${s.log().trimEnd().split("\n").slice(-12).join("\n")}`).join("\n");
        throw new Error(`failover bench (${name}): no write got through the sentinels within ${DEADLINE_MS / 1000} s of the kill\n${logs}`);
      }
      await sleep(10); // an error reply (e.g. -READONLY from a replica not yet promoted): try again
    }
    return (performance.now() - t0) / 1000;
  } finally {
    io?.disconnect();
    for (const s of sentinels) await s.stop();
    for (const s of servers) await s.stop();
  }
}

export async function failoverBench(dir: string, h: PartHost): Promise<void> {
  const redis = await failoverSeconds("redis", dir, h);
  const agner = await failoverSeconds("agner", dir, h);
  h.figure("failover_s", agner, redis, "lower");
}
