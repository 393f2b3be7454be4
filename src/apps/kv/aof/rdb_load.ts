/**
 * Loading `dir/dbfilename` at start (Redis' rdbLoad from loadDataFromDisk),
 * into the shards' keyspaces before any shard runs: when the append-only
 * file is off, or on but not there yet (an AOF is preferred when both
 * exist, as Redis). Keys already expired are skipped on a primary;
 * libraries are loaded. A replica (`replicaof` set) takes the replication
 * id, offset and stream database the file names, to continue partially; a
 * primary keeps them as its secondary history, for its replicas to. A truncated or corrupt file, a duplicate key, a
 * database beyond `databases` stop the start with {@link RdbLoadError},
 * which names the file and the byte offset.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Int64 } from "../commands/numbers.js";
import { type Keyspace } from "../commands/db.js";
import { KvError } from "../errors.js";
import { valueCost } from "../commands/mem_estimate.js";
import { RdbFileError, loadRdb, replInfoOf } from "../rdb/rdb_file.js";
import { restoreReplica } from "../replication/replica_control.js";
import { restorePrimary } from "../replication/primary.js";
import { shardOf } from "../server/router.js";
import type { KvInstance } from "../server/instance.js";
import { ErrorReply } from "../resp/reply.js";
import { rdbStatus } from "./rdb_status.js";

/** The RDB file cannot be loaded; `offset` is the byte where reading failed (-1: not the bytes' fault). */
export class RdbLoadError extends KvError {
  constructor(
    readonly file: string,
    readonly offset: number,
    message: string,
  ) {
    super(`cannot load the RDB file ${file}${offset >= 0 ? ` (at byte ${offset})` : ""}: ${message}`);
  }
}

/** Where the RDB file is: `dir/dbfilename`. */
export function rdbPath(inst: KvInstance): string {
  return join(resolve(inst.config.get("dir")), inst.config.get("dbfilename"));
}

/** A key of a database this server does not have (`databases`). */
export class RdbDatabaseError extends KvError {}

export interface RdbCounts {
  /** Keys read, expired ones included. */
  keys: number;
  /** Keys skipped because their TTL had passed at `now`. */
  expired: number;
  /** The file's AUX fields. */
  aux: Map<string, string>;
  /** The keys skipped as expired, by database (a restored primary's backlog gets their DELs). */
  expiredKeys: [number, string][];
}

/**
 * Loads RDB bytes into `keyspaces` (one per shard, keys placed by
 * {@link shardOf}, settled), libraries into the server's functions: at start
 * into the live keyspaces, on a replica's full sync into fresh ones
 * (replication/replica_load.ts). `now` null keeps keys already expired, as
 * a replica does (its primary's DELs remove them). Throws RdbFileError or
 * {@link RdbDatabaseError}.
 */
export function loadRdbInto(inst: KvInstance, buf: Uint8Array, keyspaces: readonly Keyspace[], now: number | null): RdbCounts {
  let keys = 0;
  let expired = 0;
  const aux = new Map<string, string>();
  const expiredKeys: [number, string][] = [];
  const databases = inst.config.get("databases");
  const functions = inst.scripting.functions;
  const mask = keyspaces.length - 1;
  loadRdb(
    buf,
    {
      key(db: number, key: string, value, at: Int64 | undefined) {
        if (db >= databases) throw new RdbDatabaseError(`the file has database ${db}; this server is configured with ${databases} databases`);
        const d = keyspaces[shardOf(key, mask)]!.db(db);
        keys++;
        if (at !== undefined && now !== null && at < now) {
          if (d.data.has(key)) return false;
          expired++;
          expiredKeys.push([db, key]);
          return;
        }
        // One Map operation per key, no events, not a change (Db.loadKey): the keyspace is not served yet.
        if (!d.loadKey(key, value)) return false;
        if (at !== undefined) d.expires.set(key, at);
      },
      library(code) {
        const r = functions.replay(["FUNCTION", "LOAD", "REPLACE", code]);
        if (r instanceof ErrorReply) return r.text;
      },
      aux(k, v) {
        aux.set(k, v);
      },
    },
    inst.config.get("rdbchecksum"),
  );
  for (const ks of keyspaces) ks.settle(valueCost);
  return { keys, expired, aux, expiredKeys };
}

export interface RdbLoaded {
  keys: number;
  expired: number;
  ms: number;
}

/** Loads the RDB file if there is one (null: none); throws {@link RdbLoadError}. */
export function loadRdbAtStart(inst: KvInstance, now = Date.now()): RdbLoaded | null {
  const path = rdbPath(inst);
  if (!existsSync(path)) return null;
  const t0 = Date.now();
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new RdbLoadError(path, -1, (e as Error).message);
  }
  let counts: RdbCounts;
  // A replica keeps keys already expired, as Redis (only a primary drops them at load): its primary's DELs remove them.
  const replica = inst.config.get("replicaof") !== null;
  try {
    counts = loadRdbInto(inst, buf, inst.keyspaces, replica ? null : now);
  } catch (e) {
    if (e instanceof RdbFileError) throw new RdbLoadError(path, e.offset, e.reason);
    if (e instanceof RdbDatabaseError) throw new RdbLoadError(path, -1, e.message);
    throw e;
  }
  const { keys, expired } = counts;
  const info = replInfoOf(counts.aux);
  if (info !== null && replica) restoreReplica(inst.repl, info, inst.config.get("repl-backlog-size"));
  else if (info !== null) restorePrimary(inst, info, counts.expiredKeys);
  const st = rdbStatus(inst);
  st.lastLoadKeysLoaded = keys - expired;
  st.lastLoadKeysExpired = expired;
  return { keys: keys - expired, expired, ms: Date.now() - t0 };
}
