/**
 * The RDB snapshots' figures and state, one per instance (INFO
 * persistence's rdb_* fields, LASTSAVE, the save points): kept by the
 * BGSAVE job and the loader, read without a message.
 */
import type { KvInstance } from "../server/instance.js";

/** A BGSAVE in progress, as the status sees it. */
export interface RunningSave {
  readonly startedAt: number;
  /** Keys written so far, and in the snapshot (INFO's current_save_keys_*). */
  keysDone: number;
  keysTotal: number;
}

export class RdbStatus {
  /** Unix seconds of the last successful save (the start time before any, as Redis). */
  lastSave = Math.floor(Date.now() / 1000);
  lastBgsaveStatus: "ok" | "err" = "ok";
  /** When the last attempt failed (ms): save points wait 5 s before trying again, as Redis. */
  lastFailedAt = 0;
  lastBgsaveTimeSec = -1;
  saves = 0;
  running: RunningSave | null = null;
  /** BGSAVE SCHEDULE while an AOF rewrite runs: started once it is over. */
  scheduled = false;
  /** The instance's change count the last successful save covers. */
  changesAtLastSave = 0;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  /** SHUTDOWN's SAVE / NOSAVE (SIGTERM: the default, which saves when save points are set). */
  shutdownMode: "default" | "save" | "nosave" = "default";
  /** Values copied by the last snapshot's copy-on-write. */
  lastCowCopies = 0;
}

const statuses = new WeakMap<KvInstance, RdbStatus>();

export function rdbStatus(inst: KvInstance): RdbStatus {
  let s = statuses.get(inst);
  if (s === undefined) statuses.set(inst, (s = new RdbStatus()));
  return s;
}

/** Key changes since the server started, over all shards (Redis' server.dirty, never reset). */
export function totalChanges(inst: KvInstance): number {
  let n = 0;
  for (const ks of inst.keyspaces) n += ks.changes;
  return n;
}

/** rdb_changes_since_last_save. */
export function changesSinceSave(inst: KvInstance): number {
  return totalChanges(inst) - rdbStatus(inst).changesAtLastSave;
}

/** INFO persistence's RDB fields, in Redis 7.0's order. */
export function rdbInfo(inst: KvInstance): [string, string | number][] {
  const st = rdbStatus(inst);
  const r = st.running;
  return [
    ["current_cow_peak", 0],
    ["current_cow_size", 0],
    ["current_cow_size_age", 0],
    ["current_fork_perc", r === null || r.keysTotal === 0 ? "0.00" : ((r.keysDone * 100) / r.keysTotal).toFixed(2)],
    ["current_save_keys_processed", r === null ? 0 : r.keysDone],
    ["current_save_keys_total", r === null ? 0 : r.keysTotal],
    ["rdb_changes_since_last_save", changesSinceSave(inst)],
    ["rdb_bgsave_in_progress", r === null ? 0 : 1],
    ["rdb_last_save_time", st.lastSave],
    ["rdb_last_bgsave_status", st.lastBgsaveStatus],
    ["rdb_last_bgsave_time_sec", st.lastBgsaveTimeSec],
    ["rdb_current_bgsave_time_sec", r === null ? -1 : Math.floor((Date.now() - r.startedAt) / 1000)],
    ["rdb_saves", st.saves],
    ["rdb_last_cow_size", 0],
    ["rdb_last_load_keys_expired", st.lastLoadKeysExpired],
    ["rdb_last_load_keys_loaded", st.lastLoadKeysLoaded],
  ];
}
