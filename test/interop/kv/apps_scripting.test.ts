/**
 * Real applications, unchanged, against the server as `npm start` runs it
 * (a process of its own, four shards, the append-only file on): BullMQ (a
 * queue with a worker, retries with backoff, delayed and repeatable jobs,
 * events through streams — every step a Lua script, most of them reading
 * keys they did not declare), rate-limiter-flexible (its Redis limiter, a
 * script per consume), redlock (scripted release and extend), and
 * connect-redis behind an Express session. Each asserts what the
 * application shows, not how the server did it.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { type AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type KvProcess, startKvProcess } from "../../support/kv_process.js";

const require = createRequire(import.meta.url);
// The applications as their users load them (CommonJS builds).
const { Queue, Worker, QueueEvents } = require("bullmq") as typeof import("bullmq");
const { RateLimiterRedis } = require("rate-limiter-flexible") as typeof import("rate-limiter-flexible");
/** redlock 4 ships no types: the part used here. */
interface RedlockLock {
  resource: string;
  extend(ttl: number): Promise<RedlockLock>;
  unlock(): Promise<void>;
}
const Redlock = require("redlock") as new (clients: unknown[], opts: { retryCount: number }) => { lock(resource: string, ttl: number): Promise<RedlockLock> };
const Redis = require("ioredis") as typeof import("ioredis").default;

/** Polls `cond` until true (a bound on waiting, not a timing assertion). */
async function until(cond: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe("real applications run unchanged on the server", () => {
  let server: KvProcess;
  before(async () => {
    server = await startKvProcess(["--shards", "4", "--appendonly", "yes"]);
  });
  after(async () => {
    assert.equal(await server?.stop(), 0);
  });
  const connection = () => ({ host: "127.0.0.1", port: server.port, maxRetriesPerRequest: null });

  test("BullMQ: jobs complete with their results, a failing job is retried, delayed and repeatable jobs run, events arrive", async () => {
    const name = "jobs";
    const queue = new Queue(name, { connection: connection() });
    const events = new QueueEvents(name, { connection: connection() });
    await events.waitUntilReady();
    const completedEvents: string[] = [];
    events.on("completed", ({ jobId }) => completedEvents.push(jobId));
    const order: string[] = [];
    let failures = 0;
    const worker = new Worker(
      name,
      async (job) => {
        if (job.name === "flaky" && job.attemptsMade === 0) {
          failures++;
          throw new Error("first attempt fails");
        }
        order.push(job.name === "double" ? `double:${job.data.n}` : job.name);
        return { result: job.data.n * 2 };
      },
      { connection: connection(), concurrency: 1 },
    );
    try {
      for (let n = 0; n < 5; n++) await queue.add("double", { n });
      await queue.add("flaky", { n: 50 }, { attempts: 3, backoff: { type: "fixed", delay: 50 } });
      await queue.add("later", { n: 7 }, { delay: 400 });
      await queue.upsertJobScheduler("every-100ms", { every: 100 }, { name: "tick", data: { n: 1 } });
      const completed = () => queue.getJobs(["completed"], 0, -1, true);
      const count = (jobs: { name: string }[], n: string) => jobs.filter((j) => j.name === n).length;
      await until(async () => {
        const jobs = await completed();
        return count(jobs, "double") === 5 && count(jobs, "flaky") === 1 && count(jobs, "later") === 1 && count(jobs, "tick") >= 2;
      }, "every job completed");
      await queue.removeJobScheduler("every-100ms");
      const done = await completed();
      const byName = (n: string) => done.filter((j) => j.name === n);
      assert.deepEqual(byName("double").map((j) => j.returnvalue.result).sort((a, b) => a - b), [0, 2, 4, 6, 8]);
      assert.deepEqual(order.slice(0, 5), ["double:0", "double:1", "double:2", "double:3", "double:4"], "FIFO order");
      assert.equal(failures, 1);
      const [flaky] = byName("flaky");
      assert.equal(flaky!.returnvalue.result, 100);
      assert.equal(flaky!.attemptsMade, 2, "retried once");
      const [later] = byName("later");
      assert.ok(later!.processedOn! - later!.timestamp >= 400, "the delayed job waited its delay");
      assert.ok(byName("tick").length >= 2, "the repeatable job ran repeatedly");
      await until(async () => completedEvents.length >= 10, "completed events");
      assert.equal((await queue.getJobCounts("failed")).failed, 0);
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  test("rate-limiter-flexible: the fourth request in the window is refused, another key is not", async () => {
    const client = new Redis(connection());
    try {
      const limiter = new RateLimiterRedis({ storeClient: client, points: 3, duration: 60, keyPrefix: "rl" });
      const seen: (number | string)[] = [];
      for (let i = 0; i < 5; i++) {
        try {
          seen.push((await limiter.consume("alice")).remainingPoints);
        } catch (e) {
          seen.push(`refused, retry in ${(e as { msBeforeNext: number }).msBeforeNext > 0 ? "some ms" : "0"}`);
        }
      }
      assert.deepEqual(seen, [2, 1, 0, "refused, retry in some ms", "refused, retry in some ms"]);
      assert.equal((await limiter.consume("bob")).remainingPoints, 2);
      assert.ok((await client.pttl("rl:alice")) > 0, "the window expires");
    } finally {
      client.disconnect();
    }
  });

  test("redlock: the lock is exclusive, extends, and is free again once released", async () => {
    const client = new Redis(connection());
    try {
      const redlock = new Redlock([client], { retryCount: 0 });
      const lock = await redlock.lock("locks:order-42", 10_000);
      await assert.rejects(redlock.lock("locks:order-42", 10_000), (e: Error) => e.name === "LockError");
      const extended = await lock.extend(20_000);
      assert.ok((await client.pttl("locks:order-42")) > 10_000, "extend moved the expiry");
      // A release by someone else's value is refused by the script: the key stays.
      await client.set("locks:other", "someone-else");
      const stale = Object.assign(Object.create(Object.getPrototypeOf(extended) as object) as RedlockLock, extended, { resource: "locks:other" });
      await assert.rejects(stale.unlock());
      assert.equal(await client.get("locks:other"), "someone-else");
      await extended.unlock();
      const again = await redlock.lock("locks:order-42", 1000);
      await again.unlock();
    } finally {
      client.disconnect();
    }
  });

  test("connect-redis: an Express session survives between requests, stored with a TTL", async () => {
    const express = require("express") as typeof import("express");
    const session = require("express-session") as typeof import("express-session");
    const { RedisStore } = require("connect-redis") as typeof import("connect-redis");
    // connect-redis 9 speaks node-redis' API.
    const { createClient } = require("redis") as typeof import("redis");
    const client = createClient({ socket: { host: "127.0.0.1", port: server.port } });
    await client.connect();
    const app = express();
    app.use(session({ store: new RedisStore({ client, prefix: "sess:" }), secret: "s3cret", resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } }));
    app.get("/visit", (req, res) => {
      const s = req.session as unknown as { visits?: number };
      s.visits = (s.visits ?? 0) + 1;
      res.json({ visits: s.visits });
    });
    const http = app.listen(0, "127.0.0.1");
    await new Promise((r) => http.once("listening", r));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const first = await fetch(`${base}/visit`);
      const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
      assert.deepEqual(await first.json(), { visits: 1 });
      for (const n of [2, 3]) assert.deepEqual(await (await fetch(`${base}/visit`, { headers: { cookie } })).json(), { visits: n });
      const keys = await client.keys("sess:*");
      assert.equal(keys.length, 1);
      assert.deepEqual(JSON.parse((await client.get(keys[0]!))!).visits, 3);
      const ttl = await client.ttl(keys[0]!);
      assert.ok(ttl > 0 && ttl <= 60, `session TTL ${ttl}`);
      assert.deepEqual(await (await fetch(`${base}/visit`)).json(), { visits: 1 }, "no cookie, a new session");
    } finally {
      http.close();
      await client.quit();
    }
  });
});
