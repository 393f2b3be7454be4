/**
 * More real applications, unchanged, on the server as `npm start` runs it
 * (a process of its own, four shards, AOF on) and, the same test, on
 * redis-server 7.0: Bull (Lua scripts over lists, sorted sets and pub/sub),
 * bee-queue (scripts, delayed jobs activated by a sorted set, progress
 * over pub/sub) and cache-manager on Keyv/@keyv/redis with a memory limit.
 * Each asserts what the application shows.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import Keyv from "keyv";
import KeyvRedis from "@keyv/redis";
import { createCache } from "cache-manager";
import { type KvProcess, startKvProcess } from "../../support/kv_process.js";
import { type RedisServer, startRedis } from "../../support/redis_server.js";
import { needsRedis } from "../../support/redis_tools.js";

const require = createRequire(import.meta.url);
// As their users load them (CommonJS).
const Bull = require("bull") as typeof import("bull");
const BeeQueue = require("bee-queue") as typeof import("bee-queue");

/** Polls `cond` until true (a bound on waiting, not a timing assertion). */
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** `p`, or a rejection after `ms` (a bound on waiting, not a timing assertion). */
async function within<T>(p: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const guard = needsRedis();
let agner: KvProcess;
let redis: RedisServer;
before(async () => {
  agner = await startKvProcess(["--shards", "4", "--appendonly", "yes"]);
  if (!guard.skip) redis = await startRedis();
});
after(async () => {
  assert.equal(await agner?.stop(), 0);
  await redis?.stop();
});

const targets: [string, () => number][] = [["agner", () => agner.port]];
if (!guard.skip) targets.push(["redis-server", () => redis.port]);

for (const [target, port] of targets) {
  describe(`real applications on ${target}`, () => {
    test("Bull: results in order, a retry with backoff, a delayed and a repeatable job, completed/failed events", async () => {
      const queue = new Bull(`bull-${target}`, { redis: { host: "127.0.0.1", port: port() } });
      const completed: [string, unknown][] = [];
      const failed: string[] = [];
      queue.on("completed", (job, result) => completed.push([job.name, result]));
      queue.on("failed", (job) => failed.push(job.name));
      try {
        await queue.empty();
        void queue.process("*", 1, async (job) => {
          if (job.name === "flaky" && job.attemptsMade === 0) throw new Error("first attempt fails");
          return { double: (job.data as { n: number }).n * 2 };
        });
        const added = Date.now();
        for (let n = 0; n < 5; n++) await queue.add("double", { n });
        await queue.add("flaky", { n: 50 }, { attempts: 3, backoff: { type: "fixed", delay: 100 } });
        const later = await queue.add("later", { n: 7 }, { delay: 500 });
        await queue.add("tick", { n: 1 }, { repeat: { every: 200 }, jobId: "tick" });
        const count = (name: string) => completed.filter(([n]) => n === name).length;
        await until(() => count("double") === 5 && count("flaky") === 1 && count("later") === 1 && count("tick") >= 2, "the jobs");
        assert.deepEqual(
          completed.filter(([n]) => n === "double").map(([, r]) => r),
          [0, 2, 4, 6, 8].map((d) => ({ double: d })),
          "results in the order added",
        );
        assert.deepEqual(failed, ["flaky"], "one failed attempt, then success");
        const flaky = completed.find(([n]) => n === "flaky");
        assert.deepEqual(flaky?.[1], { double: 100 });
        const done = await queue.getJob(later.id);
        assert.ok(done !== null && done.finishedOn !== undefined && done.finishedOn - added >= 500, "the delayed job ran after its delay");
        assert.deepEqual(done.returnvalue, { double: 14 });
        const repeatables = await queue.getRepeatableJobs();
        assert.equal(repeatables.length, 1);
        await queue.removeRepeatableByKey(repeatables[0]!.key);
        assert.deepEqual(await queue.getRepeatableJobs(), []);
      } finally {
        await queue.close();
      }
    });

    test("bee-queue: results, retries with backoff, delayed jobs activated, progress events", async () => {
      const settings = { redis: { host: "127.0.0.1", port: port() }, activateDelayedJobs: true, removeOnSuccess: false };
      const queue = new BeeQueue(`bee-${target}`, settings);
      const attempts = new Map<number, number>();
      try {
        await queue.ready();
        await queue.destroy();
        queue.process(1, async (job: import("bee-queue").Job<{ n: number }>) => {
          const n = job.data.n;
          attempts.set(n, (attempts.get(n) ?? 0) + 1);
          if (n === 50 && attempts.get(n) === 1) throw new Error("first attempt fails");
          await job.reportProgress({ half: n });
          return n * 2;
        });
        // Listening before save(): a job may finish before save() resolves.
        const outcomes: Promise<{ result: number; progress: unknown[] }>[] = [];
        const submit = async (job: import("bee-queue").Job<{ n: number }>) => {
          const progress: unknown[] = [];
          outcomes.push(
            new Promise((resolve, reject) => {
              job.on("progress", (p) => progress.push(p));
              job.on("succeeded", (result: number) => resolve({ result, progress }));
              job.on("failed", (e) => reject(e));
            }),
          );
          await job.save();
        };
        for (let n = 0; n < 5; n++) await submit(queue.createJob({ n }));
        await submit(queue.createJob({ n: 50 }).retries(2).backoff("fixed", 100));
        const at = Date.now() + 500;
        await submit(queue.createJob({ n: 7 }).delayUntil(at));
        const results = await within(Promise.all(outcomes), "the jobs' outcomes");
        assert.deepEqual(
          results.map((r) => r.result),
          [0, 2, 4, 6, 8, 100, 14],
        );
        assert.deepEqual(results[0]!.progress, [{ half: 0 }], "progress reported through the queue's events");
        assert.equal(attempts.get(50), 2, "retried once after failing");
        assert.ok(Date.now() >= at, "the delayed job ran once due");
        const counts = await queue.checkHealth();
        assert.equal(counts.succeeded, 7);
        assert.equal(counts.delayed, 0);
      } finally {
        await queue.close();
      }
    });

    test("cache-manager on Keyv/@keyv/redis with maxmemory and allkeys-lru: wrap caches, TTLs expire, the cache stays bounded, the newest entries remain", async () => {
      const admin = new Redis({ port: port(), maxRetriesPerRequest: 0 });
      const store = new KeyvRedis(`redis://127.0.0.1:${port()}`);
      const cache = createCache({ stores: [new Keyv({ store, namespace: "cm" })] });
      try {
        await admin.config("SET", "maxmemory", "0");
        await admin.flushall();
        await admin.config("SET", "maxmemory-policy", "allkeys-lru");
        const base = Number(/^used_memory:(\d+)/m.exec(await admin.info("memory"))![1]);
        const max = base + 2 * 1024 * 1024;
        await admin.config("SET", "maxmemory", String(max));

        let computed = 0;
        const compute = async () => ({ n: ++computed });
        assert.deepEqual(await cache.wrap("report", compute, 60_000), { n: 1 });
        assert.deepEqual(await cache.wrap("report", compute, 60_000), { n: 1 }, "the second wrap reads the cache");
        assert.equal(computed, 1);

        await cache.set("short", "lived", 200);
        assert.equal(await cache.get("short"), "lived");
        await sleep(400);
        assert.equal(await cache.get("short"), undefined, "expired after its TTL");
        assert.deepEqual(await cache.wrap("short-wrap", compute, 200), { n: 2 });
        await sleep(400);
        assert.deepEqual(await cache.wrap("short-wrap", compute, 200), { n: 3 }, "recomputed once expired");

        const body = "x".repeat(500);
        const write = async (from: number, to: number) => {
          for (let i = from; i < to; i += 200) {
            const batch: Promise<unknown>[] = [];
            for (let j = i; j < Math.min(i + 200, to); j++) batch.push(cache.set(`item:${j}`, { body, id: j }, 600_000));
            await Promise.all(batch);
          }
        };
        const n = 20_000; // about 10 MB into 2 MB
        await write(0, n - 100);
        await sleep(1200); // the LRU clock counts seconds: the newest written a second later
        await write(n - 100, n);
        for (let j = n - 100; j < n; j++) assert.deepEqual(await cache.get(`item:${j}`), { body, id: j }, `item ${j}`);
        assert.equal(await cache.get("item:0"), undefined, "old entries evicted");
        const info = await admin.info();
        const used = Number(/^used_memory:(\d+)/m.exec(info)![1]);
        assert.ok(used <= max + 16 * 1024, `used_memory ${used} <= maxmemory ${max} (+ one batch)`);
        assert.ok(Number(/^evicted_keys:(\d+)/m.exec(info)![1]) > n / 2);
      } finally {
        await cache.disconnect();
        await admin.config("SET", "maxmemory", "0").catch(() => undefined);
        admin.disconnect();
      }
    });
  });
}
