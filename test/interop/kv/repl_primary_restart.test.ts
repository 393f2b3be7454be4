/**
 * A primary restarted on its RDB file keeps its replicas partial (rdb.c's
 * rdbPopulateSaveInfo on a master with a backlog; server.c's
 * loadDataFromDisk as a master): the save at shutdown writes
 * repl-stream-db, repl-id and repl-offset; the restarted primary takes that history as its secondary id,
 * so a real redis-server replica continues with +CONTINUE; a key that
 * expired while it was down reaches the replica as a DEL. The same scenario
 * runs on a redis-server 7.0.15 primary first, showing what Redis does.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { needsRedisServer, startRedis } from "../../support/redis_server.js";
import { startAgner } from "../../support/agner_kv.js";
import { type RespClient, plain } from "../../support/resp_client.js";
import { infoFields, keyspaceView, population, run, teardown, viewDiff, waitCaughtUp } from "../../support/repl_compare.js";
import { loadRdb } from "../../../src/apps/kv/rdb/rdb_file.js";

const { later, connect } = teardown();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The TTL of the key that expires while the primary is down. */
const TTL_MS = 3000;
/** A save point, so that stopping saves the file last (Redis' prepareForShutdown); no PING into the stream meanwhile. */
const PRIMARY_ARGS = ["--appendonly", "no", "--save", "3600 1", "--repl-ping-replica-period", "600", "--repl-diskless-sync-delay", "0"];

interface Primary {
  port: number;
  stop(): Promise<void>;
}
type Starter = (dir: string, port?: number) => Promise<Primary>;

const starters: [string, Starter][] = [
  ["redis-server", (dir, port) => startRedis(PRIMARY_ARGS, { dir, port })],
  ["Agner", (dir, port) => startAgner([...PRIMARY_ARGS, "--dir", dir, ...(port === undefined ? [] : ["--port", String(port)])])],
];

function replAux(file: string): [string, string][] {
  const out: [string, string][] = [];
  loadRdb(readFileSync(file), { key() {}, library() {}, aux: (k, v) => void (k.startsWith("repl-") && out.push([k, v])) }, true);
  return out;
}

const stat = async (c: RespClient, name: string) => Number((await infoFields(c, "stats")).get(name));
const dbsize = async (c: RespClient) => plain(await c.cmd("DBSIZE"));

describe("a primary restarted on its RDB file", needsRedisServer(), () => {
  for (const [name, start] of starters) {
    test(`${name}: SAVE names the stream's place; after a restart the replica continues partially and gets the DEL of a key expired meanwhile`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "agner-primary-restart-"));
      later(async () => rmSync(dir, { recursive: true, force: true }));
      const first = await start(dir);
      let stopped = false;
      later(async () => (stopped ? undefined : first.stop()));
      const p1 = await connect(first.port);
      const replica = await startRedis(["--replicaof", "127.0.0.1", String(first.port)]);
      later(() => replica.stop());
      const r = await connect(replica.port);
      await run(p1, population());
      await run(p1, [["SELECT", "3"], ["SET", "db3:k", "v"], ["SET", "db3:gone", "v", "PX", String(TTL_MS)]]);
      const setAt = Date.now();
      await waitCaughtUp(p1, r);

      const info = await infoFields(p1, "replication");
      // Stopped, it saves: the file names the stream's place (redis-server's stream has a REPLCONF GETACK more,
      // sent while it waits for its replicas before saving).
      await first.stop();
      stopped = true;
      const aux = replAux(join(dir, "dump.rdb"));
      assert.deepEqual(
        aux.map(([k]) => k),
        ["repl-stream-db", "repl-id", "repl-offset"],
      );
      assert.equal(aux[0]![1], "3");
      assert.equal(aux[1]![1], info.get("master_replid"));
      assert.ok(Number(aux[2]![1]) >= Number(info.get("master_repl_offset")), `${aux[2]![1]} >= ${info.get("master_repl_offset")}`);
      await sleep(Math.max(0, setAt + TTL_MS + 200 - Date.now()));

      const second = await start(dir, first.port);
      later(() => second.stop());
      const p2 = await connect(second.port);
      const info2 = await infoFields(p2, "replication");
      assert.equal(info2.get("master_replid2"), info.get("master_replid"));
      assert.notEqual(info2.get("master_replid"), info.get("master_replid"));
      await waitCaughtUp(p2, r);
      assert.equal(await stat(p2, "sync_partial_ok"), 1);
      assert.equal(await stat(p2, "sync_full"), 0);
      // The DEL of db3:gone came through the stream: the replica no longer holds it at all.
      await p2.cmd("SELECT", "3");
      await r.cmd("SELECT", "3");
      assert.equal(await dbsize(p2), 1);
      assert.equal(await dbsize(r), 1);
      // And the stream goes on.
      await run(p2, [["SET", "db3:after", "1"]]);
      await waitCaughtUp(p2, r);
      for (const db of [0, 3, 5]) assert.deepEqual(viewDiff(await keyspaceView(p2, db), await keyspaceView(r, db)), [], `database ${db}`);
    });
  }
});
