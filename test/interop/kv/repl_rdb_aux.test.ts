/**
 * The replication AUX fields of an RDB (rdb.c's rdbSaveInfoAuxFields):
 * an Agner replica of a real redis-server 7.0.15 primary saves
 * `repl-stream-db`, `repl-id` and `repl-offset` as a redis-server replica
 * of the same primary does; restarted on its file it continues with a
 * partial resync (+CONTINUE) in the stream's database; and a redis-server
 * started on Agner's file continues partially too.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { needsRedisServer, startRedis } from "../../support/redis_server.js";
import { startAgner } from "../../support/agner_kv.js";
import { RespClient, plain } from "../../support/resp_client.js";
import { infoFields, keyspaceView, population, run, viewDiff, waitCaughtUp, teardown } from "../../support/repl_compare.js";
import { loadRdb } from "../../../src/apps/kv/rdb/rdb_file.js";

const { later, connect } = teardown();

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "agner-rdb-aux-"));
  later(async () => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A file's AUX fields, in order. */
function auxOf(file: string): [string, string][] {
  const out: [string, string][] = [];
  loadRdb(readFileSync(file), { key() {}, library() {}, aux: (k, v) => void out.push([k, v]) }, true);
  return out;
}

const stat = async (c: RespClient, name: string) => Number((await infoFields(c, "stats")).get(name));

async function sameKeys(a: RespClient, b: RespClient): Promise<void> {
  for (const db of [0, 3]) {
    const va = await keyspaceView(a, db);
    assert.ok(va.size > 0, `keys in database ${db}`);
    assert.deepEqual(viewDiff(va, await keyspaceView(b, db)), [], `database ${db}`);
  }
}

describe("repl-id, repl-offset and repl-stream-db in a replica's RDB", needsRedisServer(), () => {
  test("written as redis-server writes them; a restart on the file continues partially, in the stream's database", async () => {
    const primary = await startRedis(["--repl-diskless-sync-delay", "0"]);
    later(() => primary.stop());
    const p = await connect(primary.port);
    const agnerDir = tempDir();
    const replicaOf = ["--replicaof", "127.0.0.1", String(primary.port)];
    const a1 = await startAgner(["--appendonly", "no", "--save", "", "--dir", agnerDir, ...replicaOf]);
    const redisDir = tempDir();
    const r = await startRedis(replicaOf, { dir: redisDir });
    later(() => r.stop());
    const pr = await connect(r.port);
    let pa = await RespClient.connect(a1.port);
    await run(p, population());
    // The stream is left in database 3.
    await run(p, [["SELECT", "3"], ["SET", "db3:k", "v"], ["RPUSH", "db3:l", "a"]]);
    await waitCaughtUp(p, pa);
    await waitCaughtUp(p, pr);

    for (const c of [pa, pr]) assert.equal(plain(await c.cmd("SAVE")), "OK");
    const mine = auxOf(join(agnerDir, "dump.rdb"));
    const redis = auxOf(join(redisDir, "dump.rdb"));
    assert.deepEqual(
      mine.map(([k]) => k),
      redis.map(([k]) => k),
    );
    const repl = (aux: [string, string][]) => aux.filter(([k]) => k.startsWith("repl-"));
    const info = await infoFields(p, "replication");
    assert.deepEqual(repl(mine), [
      ["repl-stream-db", "3"],
      ["repl-id", info.get("master_replid")!],
      ["repl-offset", info.get("master_repl_offset")!],
    ]);
    assert.deepEqual(repl(mine), repl(redis));
    const copyDir = tempDir();
    copyFileSync(join(agnerDir, "dump.rdb"), join(copyDir, "dump.rdb"));

    // Agner restarted on its file while the primary writes on in database 3 (no SELECT in the stream).
    pa.close();
    await a1.stop();
    await run(p, [["SET", "db3:while-down", "1"], ["INCR", "db3:n"], ["RPUSH", "db3:l", "b"]]);
    const [full, partial] = [await stat(p, "sync_full"), await stat(p, "sync_partial_ok")];
    const a2 = await startAgner(["--appendonly", "no", "--save", "", "--dir", agnerDir, ...replicaOf]);
    later(() => a2.stop());
    pa = await connect(a2.port);
    await waitCaughtUp(p, pa);
    assert.equal(await stat(p, "sync_partial_ok"), partial + 1);
    assert.equal(await stat(p, "sync_full"), full);
    await sameKeys(p, pa);
    assert.ok(a2.logs.some((l) => l.text === "Successful partial resynchronization with master."));

    // redis-server started on Agner's file continues partially as well.
    const r2 = await startRedis(replicaOf, { dir: copyDir });
    later(() => r2.stop());
    const pr2 = await connect(r2.port);
    await waitCaughtUp(p, pr2);
    assert.equal(await stat(p, "sync_partial_ok"), partial + 2);
    assert.equal(await stat(p, "sync_full"), full);
    await sameKeys(p, pr2);
  });
});
