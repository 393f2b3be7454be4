/**
 * SAVE and BGSAVE without a fork: a process of its own (the "child")
 *
 * 1. locks the shards one by one, ascending (the order cross-shard
 *    transactions lock in), each taking its snapshot as it is locked
 *    (rdb_snapshot.ts: a list of references, and copy-on-write from then
 *    on), and once all are locked, which is the moment the file shows,
 *    unlocks them;
 * 2. encodes the snapshot in chunks of 256 KB (rdb_file.ts) and writes
 *    each with an asynchronous write, one per turn, to `temp-<pid>-<n>.rdb`
 *    in `dir`, while the shards serve; each shard's copy-on-write stops
 *    once its keys are written;
 * 3. fsyncs it, renames it to `dbfilename` and fsyncs the directory (as
 *    Redis' rdbSave), and records the success (LASTSAVE, INFO).
 *
 * SAVE is the same job with its caller waiting for the end (Redis' SAVE
 * blocks the server; here the server goes on, and the file is of the
 * moment SAVE ran). One job at a time.
 */
import { close, fdatasync, open, write } from "node:fs";
import { renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { current } from "../../../runtime/current.js";
import { demonitor, monitor, spawn } from "../../../runtime/erlang.js";
import { DOWN } from "../../../runtime/atoms.js";
import { type Ref } from "../../../term/identifiers.js";
import { Tuple } from "../../../term/tuple.js";
import { type Proc } from "../../../runtime/process.js";
import { after, receive, sleep } from "../../../runtime/receive.js";
import type { KvInstance } from "../server/instance.js";
import { Aborted, step, unlockAll } from "../server/txn.js";
import { ensureDir } from "../server/data_dir.js";
import { fsyncDir } from "./aof_files.js";
import { type RdbDbSource, type RdbReplInfo, rdbChunks } from "../rdb/rdb_file.js";
import { replicaSaveInfo } from "../replication/replica_control.js";
import { primarySaveInfo } from "../replication/primary_sync.js";
import { type ShardSnapshot, takeSnapshot } from "../rdb/rdb_snapshot.js";
import { type RunningSave, rdbStatus, totalChanges } from "./rdb_status.js";
import { aofStatus } from "./aof_status.js";

/** What a BGSAVE's caller receives once the snapshot is taken (or could not be: `error`). */
export class SaveCut {
  constructor(
    readonly job: SaveJob,
    readonly error: string | null,
  ) {}
}

/** What a SAVE's caller receives at the end: null on success, else why it failed. */
export class SaveDone {
  constructor(
    readonly job: SaveJob,
    readonly error: string | null,
  ) {}
}

class IoDone {
  constructor(
    readonly job: SaveJob,
    readonly error: NodeJS.ErrnoException | null,
    readonly fd = -1,
  ) {}
}

/** One save in progress. */
export class SaveJob implements RunningSave {
  readonly startedAt = Date.now();
  keysDone = 0;
  keysTotal = 0;
  /** Who waits for the end (SAVE, SHUTDOWN). */
  readonly waiters: Proc[] = [];
  /** Who waits for the cut (BGSAVE answers then, as Redis answers once forked: no later write is in the file). */
  readonly cutWaiters: Proc[] = [];
  pid: Proc | null = null;
  constructor(readonly why: string) {}
}

let tmpFiles = 0;

/**
 * Starts a save (BGSAVE, a save point, SAVE, SHUTDOWN) unless one runs:
 * then null. `waiter` receives a {@link SaveDone} at the end.
 */
export function startSave(inst: KvInstance, why: string, waiter: Proc | null = null, cutWaiter: Proc | null = null): SaveJob | null {
  const st = rdbStatus(inst);
  if (st.running !== null) return null;
  const job = new SaveJob(why);
  if (waiter !== null) job.waiters.push(waiter);
  if (cutWaiter !== null) job.cutWaiters.push(cutWaiter);
  st.running = job;
  st.scheduled = false;
  job.pid = spawn(function* () {
    yield* run(inst, job);
  }) as Proc;
  return job;
}

/** Redis' CONFIG_BGSAVE_RETRY_DELAY: after a failed save, save points wait this long (ms). */
const RETRY_DELAY = 5000;

/**
 * The cron's check (Redis' serverCron): a save point reached (at least
 * `changes` changes and more than `seconds` since the last save), or a
 * scheduled BGSAVE whose AOF rewrite is over, starts a BGSAVE.
 */
export function checkSavePoints(inst: KvInstance, now: number): void {
  const st = rdbStatus(inst);
  if (st.running !== null || rewriteRunning(inst)) return;
  const mayRetry = st.lastBgsaveStatus === "ok" || now - st.lastFailedAt > RETRY_DELAY;
  if (st.scheduled && mayRetry) {
    startSave(inst, "BGSAVE SCHEDULE");
    return;
  }
  const points = inst.config.get("save");
  if (points.length === 0 || !mayRetry) return;
  const dirty = totalChanges(inst) - st.changesAtLastSave;
  const elapsed = Math.floor(now / 1000) - st.lastSave;
  for (const p of points) {
    if (dirty >= p.changes && elapsed > p.seconds) {
      log("notice", `${p.changes} changes in ${p.seconds} seconds. Saving...`);
      startSave(inst, "save point");
      return;
    }
  }
}

/** An AOF rewrite is running: Redis lets one child run at a time, so BGSAVE answers as it does then. */
export function rewriteRunning(inst: KvInstance): boolean {
  return aofStatus(inst).rewriteInProgress;
}

function log(level: "notice" | "warning", text: string): void {
  current!.rt.logger({ level, what: "kv_rdb", text });
}

function* io(job: SaveJob, start: (cb: (e: NodeJS.ErrnoException | null, fd?: number) => void) => void): Generator<unknown, IoDone, unknown> {
  const self = current!;
  start((e, fd) => self.rt.deliver(self, new IoDone(job, e, fd ?? -1)));
  return (yield* receive((m: unknown): m is IoDone => m instanceof IoDone && m.job === job)) as IoDone;
}

function* run(inst: KvInstance, job: SaveJob): Generator<unknown, void, unknown> {
  const st = rdbStatus(inst);
  const snaps: ShardSnapshot[] = [];
  const locked: number[] = [];
  /** The replica's place in its primary's stream at the cut (for a restart to continue from), if known. */
  let repl: RdbReplInfo | undefined;
  let tmp = "";
  let fd = -1;
  let error: string | null = null;
  let cutChanges = 0;
  try {
    // 1. The cut.
    // Each locked shard is watched until the cut: one that died meanwhile lost its lock, and its successor may
    // have run writes the snapshot lacks while other shards' later ones are in it (the rewrite's rule too).
    const mons: Ref[] = [];
    try {
      for (let i = 0; i < inst.shardCount; i++) {
        const pid = current!.rt.whereis(inst.names.shards[i]!);
        if (pid !== undefined) mons.push(monitor(pid));
        snaps.push(yield* step(inst, i, 0, (s) => takeSnapshot(s.keyspace), "lock"));
        locked.push(i);
      }
      const died = yield* receive((m: unknown): m is Tuple => m instanceof Tuple && m[0] === DOWN && mons.includes(m[1] as Ref), after(0, () => null));
      if (died !== null) throw new Aborted();
      repl = replicaSaveInfo(inst) ?? (yield* primarySaveInfo(inst)) ?? undefined;
    } catch (e) {
      if (e instanceof Aborted) throw new Error("a shard restarted before the snapshot could be taken");
      throw e;
    } finally {
      for (const m of mons) demonitor(m, { flush: true });
      cutChanges = totalChanges(inst);
      yield* unlockAll(inst, locked);
    }
    for (const w of job.cutWaiters.splice(0)) w.rt.deliver(w, new SaveCut(job, null));
    const libraries = inst.scripting.functions.codes();
    const cfg = inst.config;
    const dir = resolve(cfg.get("dir"));
    const target = join(dir, cfg.get("dbfilename"));
    let used = 0;
    for (const ks of inst.keyspaces) used += ks.usedMemory();
    const sources: RdbDbSource[] = [];
    const left = new Map<RdbDbSource, ShardSnapshot>();
    const pending = new Map<ShardSnapshot, number>();
    for (const s of snaps) {
      pending.set(s, s.dbs.length);
      if (s.dbs.length === 0) s.release();
      for (const d of s.dbs) {
        sources.push(d);
        left.set(d, s);
        job.keysTotal += d.keys.length;
      }
    }
    // 2. The file.
    ensureDir(dir);
    tmp = join(dir, `temp-${process.pid}-${++tmpFiles}.rdb`);
    const opened = yield* io(job, (cb) => open(tmp, "w", 0o644, cb));
    if (opened.error !== null) throw opened.error;
    fd = opened.fd;
    // rdb-key-save-delay (µs per key, for tests as in Redis): a slice per key, and a pause after it.
    const delay = cfg.get("rdb-key-save-delay");
    const chunks = rdbChunks({ ctime: Math.floor(Date.now() / 1000), usedMem: used, aofBase: false, repl }, libraries, sources, {
      compress: cfg.get("rdbcompression"),
      checksum: cfg.get("rdbchecksum"),
      chunkBytes: delay > 0 ? 1 : 1 << 18,
      sourceDone(src) {
        job.keysDone += src.keys.length;
        const snap = left.get(src)!;
        const n = pending.get(snap)! - 1;
        pending.set(snap, n);
        if (n === 0) {
          st.lastCowCopies += snap.copies;
          snap.release();
        }
      },
    });
    st.lastCowCopies = 0;
    for (const chunk of chunks) {
      if (delay > 0) yield* sleep(Math.max(1, Math.round(delay / 1000)));
      for (let off = 0; off < chunk.length; ) {
        const w = yield* io(job, (cb) => write(fd, chunk, off, chunk.length - off, null, (e, n) => ((off += e === null ? n : 0), cb(e))));
        if (w.error !== null) throw w.error;
      }
    }
    // 3. In place, durably.
    const synced = yield* io(job, (cb) => fdatasync(fd, cb));
    if (synced.error !== null) throw synced.error;
    const f = fd;
    fd = -1;
    yield* io(job, (cb) => close(f, cb));
    renameSync(tmp, target);
    tmp = "";
    fsyncDir(dir);
    st.lastSave = Math.floor(Date.now() / 1000);
    st.lastBgsaveStatus = "ok";
    st.saves++;
    st.changesAtLastSave = cutChanges;
    log("notice", `DB saved on disk (${job.why}): ${job.keysTotal} keys in ${((Date.now() - job.startedAt) / 1000).toFixed(3)} seconds`);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    st.lastBgsaveStatus = "err";
    st.lastFailedAt = Date.now();
    log("warning", `Background saving error (${job.why}): ${error}`);
  } finally {
    for (const s of snaps) s.release();
    if (fd >= 0) close(fd, () => {});
    if (tmp !== "") rmSync(tmp, { force: true });
    st.lastBgsaveTimeSec = Math.floor((Date.now() - job.startedAt) / 1000);
    st.running = null;
    for (const w of job.cutWaiters) w.rt.deliver(w, new SaveCut(job, error));
    for (const w of job.waiters) w.rt.deliver(w, new SaveDone(job, error));
  }
}

/** Waits (in the calling process) for `job`'s snapshot: null, or the error. */
export function* whenCut(job: SaveJob): Generator<unknown, string | null, unknown> {
  const m = (yield* receive((x: unknown): x is SaveCut => x instanceof SaveCut && x.job === job)) as SaveCut;
  return m.error;
}

/** Waits (in the calling process) for `job`'s end: null, or the error. */
export function* whenSaved(job: SaveJob): Generator<unknown, string | null, unknown> {
  const m = (yield* receive((x: unknown): x is SaveDone => x instanceof SaveDone && x.job === job)) as SaveDone;
  return m.error;
}

/**
 * A save from outside a process (shutdown): waits for one running to end
 * first, then saves; resolves with null or the error.
 */
export function saveNow(inst: KvInstance, why: string): Promise<string | null> {
  return new Promise((res) => {
    spawn(function* () {
      const self = current! as Proc;
      const running = rdbStatus(inst).running as SaveJob | null;
      if (running !== null) {
        running.waiters.push(self);
        yield* whenSaved(running);
      }
      const job = startSave(inst, why, self);
      res(job === null ? "another save is running" : yield* whenSaved(job));
    });
  });
}

/** Whether a shutdown saves: SHUTDOWN SAVE, or save points configured and not SHUTDOWN NOSAVE (Redis' prepareForShutdown). */
export function savesOnShutdown(inst: KvInstance): boolean {
  const mode = rdbStatus(inst).shutdownMode;
  return mode === "save" || (mode === "default" && inst.config.get("save").length > 0);
}
