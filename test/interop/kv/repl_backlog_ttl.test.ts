/**
 * repl-backlog-ttl, beside redis-server 7.0.15: a primary left without
 * replicas for that many seconds frees its backlog and takes a new
 * replication id, so its old replica, pointed at it again, syncs in full.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { needsRedisServer, startRedis } from "../../support/redis_server.js";
import { startAgner } from "../../support/agner_kv.js";
import { plain } from "../../support/resp_client.js";
import { infoFields, until, waitCaughtUp, teardown } from "../../support/repl_compare.js";

const { later, connect } = teardown();

/** What a primary on `port` shows through a replica leaving and coming back after repl-backlog-ttl. */
async function backlogLife(port: number): Promise<Record<string, unknown>> {
  const p = await connect(port);
  const r = await startRedis(["--replicaof", "127.0.0.1", String(port)]);
  later(() => r.stop());
  const rc = await connect(r.port);
  assert.equal(plain(await p.cmd("SET", "k", "v")), "OK");
  await waitCaughtUp(p, rc);
  const before = await infoFields(p, "replication");
  const stats0 = await infoFields(p, "stats");
  assert.equal(plain(await rc.cmd("REPLICAOF", "NO", "ONE")), "OK");
  await until(async () => (await infoFields(p, "replication")).get("repl_backlog_active") === "0", "the backlog freed");
  const freed = await infoFields(p, "replication");
  assert.equal(plain(await rc.cmd("REPLICAOF", "127.0.0.1", String(port))), "OK");
  await waitCaughtUp(p, rc);
  const stats1 = await infoFields(p, "stats");
  const delta = (name: string) => Number(stats1.get(name)) - Number(stats0.get(name));
  return {
    activeBefore: before.get("repl_backlog_active"),
    newId: freed.get("master_replid") !== before.get("master_replid"),
    replid2: freed.get("master_replid2"),
    fullSyncs: delta("sync_full"),
    partial: delta("sync_partial_ok"),
  };
}

describe("repl-backlog-ttl", needsRedisServer(), () => {
  test("frees the backlog of a primary without replicas, as redis-server does", async () => {
    const redis = await startRedis(["--repl-backlog-ttl", "1", "--repl-diskless-sync-delay", "0"]);
    later(() => redis.stop());
    const agner = await startAgner(["--appendonly", "no", "--repl-backlog-ttl", "1"]);
    later(() => agner.stop());
    const want = await backlogLife(redis.port);
    assert.deepEqual(want, { activeBefore: "1", newId: true, replid2: "0".repeat(40), fullSyncs: 1, partial: 0 });
    assert.deepEqual(await backlogLife(agner.port), want);
    assert.ok(agner.logs.some((l) => l.text === "Replication backlog freed after 1 seconds without connected replicas."));
  });
});
