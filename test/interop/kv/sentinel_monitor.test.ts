/**
 * Three real redis-sentinel processes monitoring an Agner primary, as
 * docs/kv_ha.md sets them up: each sees a healthy master with Agner's run
 * id, the sentinels find each other through hello messages they publish
 * and read on Agner's `__sentinel__:hello` channel (so pub/sub carries
 * Sentinel's own protocol), they reach their quorum, and Agner's client
 * table shows the connections Sentinel named with CLIENT SETNAME. Killing
 * the primary makes every sentinel mark it subjectively, then objectively,
 * down.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startKvProcess } from "../../support/kv_process.js";
import { needsRedisSentinel, startSentinel, type Sentinel } from "../../support/redis_sentinel.js";
import { RespClient, plain } from "../../support/resp_client.js";
import { until as pollUntil } from "../../support/dist.js";

/** Polls `check` (a failing check counts as not yet) for up to a minute. */
function until(what: string, check: () => Promise<boolean>): Promise<void> {
  return pollUntil(() => check().catch(() => false), what, 60_000);
}

describe("redis-sentinel monitoring an Agner primary", needsRedisSentinel(), () => {
  test("three sentinels: healthy master, discovery over Agner's pub/sub, quorum, named clients; down once killed", async () => {
    const kv = await startKvProcess(["--appendonly", "no"]);
    const sentinels: Sentinel[] = [];
    let stopped = false;
    try {
      for (let i = 0; i < 3; i++) sentinels.push(await startSentinel("127.0.0.1", kv.port, { quorum: 2, downAfterMs: 1000 }));
      const c = await RespClient.connect(kv.port);
      const info = String(plain(await c.cmd("INFO", "server")));
      const runId = /run_id:(\w+)/.exec(info)![1]!;
      for (const s of sentinels) {
        await until("a sentinel sees the other two", async () => (await s.master())["num-other-sentinels"] === "2");
        const m = await s.master();
        assert.equal(m.flags, "master");
        assert.equal(m.runid, runId);
        assert.equal(m["role-reported"], "master");
        assert.equal(m["num-slaves"], "0");
      }
      assert.equal(await sentinels[0]!.cmd("SENTINEL", "CKQUORUM", "mymaster"), "OK 3 usable Sentinels. Quorum and failover authorization can be reached");
      assert.deepEqual(plain(await c.cmd("PUBSUB", "CHANNELS")), ["__sentinel__:hello"]);
      const names = String(plain(await c.cmd("CLIENT", "LIST")))
        .split("\n")
        .map((l) => /\bname=(\S*)/.exec(l)?.[1] ?? "")
        .filter((n) => n.startsWith("sentinel-"));
      // Each sentinel: a command link and a pub/sub link, named sentinel-<first 8 of its id>-cmd / -pubsub.
      assert.equal(names.filter((n) => /^sentinel-[0-9a-f]{8}-cmd$/.test(n)).length, 3, names.join(" "));
      assert.equal(names.filter((n) => /^sentinel-[0-9a-f]{8}-pubsub$/.test(n)).length, 3, names.join(" "));
      c.close();
      await kv.stop();
      stopped = true;
      for (const s of sentinels) {
        await until("the primary is objectively down", async () => (await s.master()).flags!.split(",").includes("o_down"));
        assert.ok((await s.master()).flags!.split(",").includes("s_down"));
      }
    } finally {
      for (const s of sentinels) await s.stop();
      if (!stopped) await kv.stop();
    }
  });
});
