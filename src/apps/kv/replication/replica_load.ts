/**
 * A replica's full sync, once the primary's RDB is read: loaded into fresh
 * keyspaces (one per shard), then swapped in while every shard is held, so
 * clients see the old data or the new, never a mix, and a payload that does
 * not load leaves the old data serving (Redis' `repl-diskless-load swapdb`:
 * Agner always loads this way, whatever the directive says). Keys already
 * expired are kept, as a replica keeps them: the primary's DELs remove them.
 */
import { Keyspace, type Db } from "../commands/db.js";
import { type KvInstance } from "../server/instance.js";
import { type RdbCounts, loadRdbInto } from "../aof/rdb_load.js";
import { Aborted, step, unlockAll } from "../server/txn.js";

/** Reads the payload into new keyspaces; throws RdbFileError / RdbDatabaseError (the old data is untouched). */
export function loadFresh(inst: KvInstance, payload: Buffer): { keyspaces: Keyspace[]; counts: RdbCounts } {
  const dbs = inst.config.get("databases");
  const keyspaces = inst.keyspaces.map(() => new Keyspace(dbs));
  const counts = loadRdbInto(inst, payload, keyspaces, null);
  return { keyspaces, counts };
}

/** Empties `target` and gives it `src`'s keys (SWAPDB's exchange across two keyspaces, with the memory totals moved too). */
function adopt(target: Db, src: Db): void {
  target.flush();
  target.swapWith(src);
  target.keyspace.used += target.used;
  src.keyspace.used -= target.used;
}

/**
 * Every shard's data replaced by `fresh[i]`, all shards held meanwhile.
 * False when a shard died on the way (the data may be partly replaced: the
 * caller must sync in full again).
 */
export function* swapIn(inst: KvInstance, fresh: readonly Keyspace[]): Generator<unknown, boolean, unknown> {
  const shards = inst.keyspaces.map((_, i) => i);
  try {
    for (const i of shards) yield* step(inst, i, 0, null, "lock");
    for (const i of shards) {
      yield* step(inst, i, 0, (s) => {
        const from = fresh[i]!;
        for (let d = 0; d < s.keyspace.dbs.length; d++) adopt(s.keyspace.db(d), from.db(d));
      }, null);
    }
  } catch (e) {
    if (!(e instanceof Aborted)) throw e;
    yield* unlockAll(inst, shards);
    return false;
  }
  yield* unlockAll(inst, shards);
  return true;
}
