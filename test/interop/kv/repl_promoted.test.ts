/**
 * A real redis-server replica continues partially from a promoted Agner:
 * Agner primary A (its own process) with two replicas, redis-server R and
 * Agner B (once R's primary itself); A is killed with SIGKILL, B promoted (`REPLICAOF NO ONE`), R
 * pointed at B. R asks `PSYNC <A's id> <offset+1>` and B, which keeps A's
 * history as its replid2, must answer `+CONTINUE` (no second full sync),
 * and the two keyspaces must then be equal key by key.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { needsRedisServer, startRedis } from "../../support/redis_server.js";
import { startAgner } from "../../support/agner_kv.js";
import { startKvProcess } from "../../support/kv_process.js";
import { type RespClient, plain } from "../../support/resp_client.js";
import { infoFields, keyspaceView, population, run, until, viewDiff, waitCaughtUp, teardown } from "../../support/repl_compare.js";

const { later, connect } = teardown();

const stat = async (c: RespClient, name: string) => Number((await infoFields(c, "stats")).get(name));
const replInfo = async (c: RespClient, name: string) => (await infoFields(c, "replication")).get(name);

describe("a redis-server replica of a promoted Agner replica", needsRedisServer(), () => {
  test("continues with +CONTINUE (replid2), not a full sync, and holds the same keys", async () => {
    // B was a primary of R once, its stream left in database 3 (as an old primary that Sentinel made a replica).
    const b = await startAgner(["--appendonly", "no"]);
    later(() => b.stop());
    const pb = await connect(b.port);
    const r = await startRedis(["--replicaof", "127.0.0.1", String(b.port)]);
    later(() => r.stop());
    const pr = await connect(r.port);
    await run(pb, [["SELECT", "3"], ["SET", "old", "1"], ["SELECT", "0"]]);
    await waitCaughtUp(pb, pr);
    // No PING from A while it dies: the two replicas must stop at the same offset.
    const a = await startKvProcess(["--repl-ping-replica-period", "3600"]);
    later(() => a.stop());
    const pa = await connect(a.port);
    for (const c of [pb, pr]) assert.equal(plain(await c.cmd("REPLICAOF", "127.0.0.1", String(a.port))), "OK");
    await run(pa, population());
    await run(pa, [["SET", "ttl", "v", "EX", "1000"], ["SELECT", "5"], ["RPUSH", "db5:list", "a", "b"], ["SELECT", "0"]]);
    await waitCaughtUp(pa, pb);
    await waitCaughtUp(pa, pr);
    const aId = await replInfo(pa, "master_replid");
    const aOffset = await replInfo(pa, "master_repl_offset");
    const [full, partial] = [await stat(pb, "sync_full"), await stat(pb, "sync_partial_ok")];

    await a.kill9();
    await until(async () => (await replInfo(pr, "master_link_status")) === "down" && (await replInfo(pb, "master_link_status")) === "down", "both links down");
    assert.equal(await replInfo(pr, "slave_repl_offset"), aOffset);
    assert.equal(await replInfo(pb, "slave_repl_offset"), aOffset);

    assert.equal(plain(await pb.cmd("REPLICAOF", "NO", "ONE")), "OK");
    assert.equal(await replInfo(pb, "master_replid2"), aId);
    assert.equal(plain(await pr.cmd("REPLICAOF", "127.0.0.1", String(b.port))), "OK");
    await until(async () => (await replInfo(pr, "master_link_status")) === "up", "R's link to B up");

    // B served R from its backlog: one partial resync, no full one; R now follows B's new history.
    assert.equal(await stat(pb, "sync_partial_ok"), partial + 1);
    assert.equal(await stat(pb, "sync_full"), full);
    assert.equal(await replInfo(pr, "master_replid"), await replInfo(pb, "master_replid"));
    assert.equal(await replInfo(pr, "master_replid2"), aId);
    assert.ok(b.logs.some((l) => /Partial resynchronization request from .* accepted/.test(l.text)), "B logged the partial resync");

    // Writes on B reach R, in their databases (B's stream selects again: A's left R in database 5); the keyspaces agree key by key.
    await run(pb, [["SELECT", "3"], ["SET", "db3:after", "y"], ["SELECT", "0"], ["SET", "after-promotion", "1"], ["INCR", "n"], ["SELECT", "5"], ["SET", "db5:after", "x", "PX", "900000"], ["SELECT", "0"]]);
    await waitCaughtUp(pb, pr);
    for (const db of [0, 3, 5]) {
      const vb = await keyspaceView(pb, db);
      assert.ok(vb.size > 0, `B has keys in database ${db}`);
      assert.deepEqual(viewDiff(vb, await keyspaceView(pr, db)), [], `database ${db}`);
    }
    assert.equal(plain(await pr.cmd("GET", "after-promotion")), "1");
    assert.equal(plain(await pr.cmd("SELECT", "3")), "OK");
    assert.equal(plain(await pr.cmd("GET", "db3:after")), "y");
  });
});
