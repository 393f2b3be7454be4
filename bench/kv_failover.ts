/**
 * The failover part of `npm run bench -- kv-server`
 * (AGNER_KV_BENCH_ONLY=failover): a primary, two replicas and three real
 * redis-sentinel processes (quorum 2, down-after-milliseconds 1000), of
 * Agner and of redis-server in turn, the same setup for both.
 *
 * - `failover_s`: from kill -9 of the primary to the first write that
 *   succeeds through an ioredis client configured with the sentinels (so
 *   on the promoted replica): detection, election, promotion and the
 *   client's reconnection, as a user sees it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { type Sentinel, startSentinel } from "../test/support/redis_sentinel.js";
import { type PartHost, type PartServer, infoField } from "./kv_part.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    await io.set("before", "1");
    const t0 = performance.now();
    await primary.stop(); // SIGKILL
    for (let n = 0; ; n++) {
      try {
        if ((await io.set(`after:${n}`, "1")) === "OK") break;
      } catch {
        await sleep(10);
      }
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
