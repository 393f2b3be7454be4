/**
 * The AOF rewrite (BGREWRITEAOF, automatic growth, CONFIG SET appendonly
 * yes), without a fork:
 *
 * 1. Cut: the writer locks the shards one by one, ascending (the order
 *    cross-shard transactions lock in, so neither waits for the other
 *    forever); each shard, as it is locked, copies its keyspace (the maps,
 *    and hashes and lists, whose values change in place; strings are
 *    shared). Once all are locked, every record sent before the cut is in
 *    the writer's mailbox ahead of the last lock reply, and none after it
 *    can be: the writer switches to a new incremental file, writes the
 *    manifest (old base, old incrementals, the new one), and unlocks the
 *    shards. The server stops only for the copies: about 50 ms per million
 *    string keys (measured).
 * 2. Base: the copies are written as commands to a temporary file in
 *    chunks of 256 KB (about 2 ms of encoding each, measured), one
 *    asynchronous write per turn, while the
 *    server runs and appends go to the new incremental file.
 * 3. Switch: the base is fdatasynced and renamed, the manifest replaced
 *    (new base, new incremental file) atomically, and the old files deleted.
 *
 * A shard that dies while locked before the cut would lose its lock (its
 * successor runs writes the copy lacks, and their records would count as
 * before the cut): every locked shard is monitored until the cut, and its
 * death aborts the rewrite. A restarted writer's rewrite (`rejoin`) is
 * retried instead of given up: shortly when a shard was missing or died,
 * in a second after an I/O error, with writes refused meanwhile (-MISCONF).
 */
import { constants, existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Tuple } from "../../../term/tuple.js";
import { type Ref } from "../../../term/identifiers.js";
import { DOWN } from "../../../runtime/atoms.js";
import { demonitor, monitor, sendAfter } from "../../../runtime/erlang.js";
import { atom } from "../../../term/atom.js";
import { type Proc } from "../../../runtime/process.js";
import type { KvInstance } from "../server/instance.js";
import { type ManifestEntry, RecordEncoder, baseFileName, encodeCommand, incrFileName, parseManifest, manifestName } from "./aof_format.js";
import { AofFile, fsyncDir, replaceManifest } from "./aof_files.js";
import { type Keyspace, type Value } from "../commands/db.js";
import { rewriteKey } from "../commands/engine.js";
import { valueType } from "../commands/value_types.js";
import { McMeta } from "../memcached/memcached_commands.js";
import { ShardRun, ShardRunReply, type ShardView } from "../server/messages.js";
import { type Int64 } from "../commands/numbers.js";
import { type AofAppend, type Held, failHeld } from "./persistence.js";
import { ErrorReply, type Reply, SimpleString } from "../resp/reply.js";
import { type AofStatus } from "./aof_status.js";

/**
 * One database as it was at the cut: a flat array of key, value, expiry
 * (or undefined), flags per key. An array, not a Map: copying 1 M keys into
 * one takes about 16 ms of CPU, into a new Map about 600 ms (measured), and
 * the shards are stopped while it runs.
 */
export class DbCopy {
  constructor(
    readonly index: number,
    readonly entries: unknown[],
  ) {}

  *commands(now: number): Generator<string[]> {
    const e = this.entries;
    for (let i = 0; i < e.length; i += 4) {
      const at = e[i + 2] as Int64 | undefined;
      if (at !== undefined && now > at) continue;
      yield* rewriteKey(e[i] as string, e[i + 1] as Value, at, e[i + 3] as number);
    }
  }
}

/** Copies a keyspace's non-empty databases: what the shard runs while locked. */
export function copyKeyspace(ks: Keyspace): DbCopy[] {
  const out: DbCopy[] = [];
  for (const d of ks.dbs) {
    if (d.size === 0) continue;
    const e = new Array<unknown>(d.size * 4);
    const ttl = d.expires.size !== 0;
    const meta = d.meta !== null && d.meta.size !== 0 ? d.meta : null;
    let i = 0;
    for (const [k, v] of d.data) {
      e[i] = k;
      // Values that change in place are copied; strings are immutable.
      e[i + 1] = typeof v === "string" ? v : valueType(v).copy(v);
      e[i + 2] = ttl ? d.expires.get(k) : undefined;
      const m = meta === null ? undefined : meta.get(k);
      e[i + 3] = m instanceof McMeta ? m.flags : 0;
      i += 4;
    }
    out.push(new DbCopy(d.index, e));
  }
  return out;
}

/**
 * The base's text, in chunks of about `size` characters (bytes): first a
 * FUNCTION LOAD of each library's code (as Redis' rewriteFunctions), then
 * the data.
 */
export function* baseChunks(copies: readonly DbCopy[][], now: number, size = 1 << 18, libraries: readonly string[] = []): Generator<string> {
  const enc = new RecordEncoder();
  const dbs = copies.flat().sort((a, b) => a.index - b.index);
  let chunk = "";
  // Not through the encoder: no SELECT before them (functions belong to no database).
  for (const code of libraries) chunk += encodeCommand(["FUNCTION", "LOAD", code]);
  for (const db of dbs) {
    for (const argv of db.commands(now)) {
      chunk += enc.encode(db.index, argv);
      if (chunk.length >= size) {
        yield chunk;
        chunk = "";
      }
    }
  }
  if (chunk !== "") yield chunk;
}

export const STARTED = new SimpleString("Background append only file rewriting started");
export const IN_PROGRESS = new ErrorReply("ERR Background append only file rewriting already in progress");

class ChunkDone {
  constructor(
    readonly job: RewriteJob,
    readonly error: NodeJS.ErrnoException | null,
  ) {}
}

/** What a rewrite uses of the writer's state (aof_writer.ts's WriterState implements it). */
export interface RewriteHost {
  readonly inst: KvInstance;
  readonly self: Proc;
  readonly status: AofStatus;
  /** The directory of the manifest and the files, and the files' name prefix. */
  readonly dir: string;
  readonly prefix: string;
  /** Files open for appending. */
  on: boolean;
  manifest: ManifestEntry[];
  file: AofFile | null;
  enc: RecordEncoder;
  dirty: boolean;
  readonly fileSize: Map<AofFile, number>;
  rewrite: RewriteJob | null;
  rejoinPending: boolean;
  carried: Held[];
  /** The highest sequence number of the manifest's files of a type. */
  maxSeq(type: "b" | "i"): number;
  /** Closes the files open for appending. */
  close(): void;
  /** Registers a file the writer opened (closed if the writer dies). */
  track(f: AofFile): AofFile;
  log(level: "notice" | "warning" | "error", text: string): void;
}

let tags = 0;
let tmpFiles = 0;

/** To the writer: try a restarted writer's rewrite again (see {@link RewriteJob.abort}). */
export const REJOIN = atom("rejoin");

/** To the writer: shard `index` was not running when a rejoin wanted to lock it; try again. */
class LockRetry {
  constructor(readonly job: RewriteJob) {}
}

/** One rewrite in progress: its cut, then its base. */
export class RewriteJob {
  private readonly copies: DbCopy[][] = [];
  private locked = 0;
  private tag = 0;
  /** Monitors of the shards locked (and the one being locked) until the cut. */
  private mons: Ref[] = [];
  private cut = false;
  /** Files of the manifest before the cut: deleted once the new base is in place. */
  private oldEntries: ManifestEntry[] = [];
  private newIncr: ManifestEntry | null = null;
  private tmpPath = "";
  private tmp: AofFile | null = null;
  private chunks: Generator<string> | null = null;
  private baseBytes = 0;
  /** Turning the AOF on: replies wait for the base. */
  readonly held: Held[] = [];
  private readonly started = Date.now();

  constructor(
    readonly turnOn: boolean,
    /** A restarted writer's: retried until it succeeds (see the header). */
    readonly rejoin = false,
  ) {}

  lockNext(s: RewriteHost): void {
    const i = this.locked;
    const pid = s.self.rt.whereis(s.inst.names.shards[i]!) as Proc | undefined;
    if (pid === undefined) {
      // A rejoin waits for the shard (it may be restarting, or not started yet); a rewrite gives up.
      if (this.rejoin) return void sendAfter(10, s.self, new LockRetry(this));
      return this.abort(s, `shard ${i} is not running`);
    }
    this.tag = ++tags;
    this.mons.push(monitor(pid));
    pid.rt.deliver(pid, new ShardRun(s.self, this.tag, (v: ShardView) => copyKeyspace(v.keyspace as Keyspace), "lock"));
  }

  private demonitorAll(): void {
    for (const m of this.mons) demonitor(m, { flush: true });
    this.mons = [];
  }

  onMessage(s: RewriteHost, msg: unknown): void {
    if (msg instanceof ShardRunReply) {
      if (this.cut || msg.tag !== this.tag) return; // an unlock's reply
      if (msg.error !== undefined) return this.abort(s, `shard ${msg.shard} could not copy its data`);
      this.copies.push(msg.value as DbCopy[]);
      this.locked++;
      if (this.locked < s.inst.shardCount) this.lockNext(s);
      else this.doCut(s);
    } else if (msg instanceof LockRetry && msg.job === this) {
      if (s.rewrite === this && !this.cut) this.lockNext(s);
    } else if (msg instanceof Tuple && msg[0] === DOWN && this.mons.includes(msg[1] as Ref)) {
      this.mons = this.mons.filter((m) => m !== msg[1]);
      this.abort(s, "a shard died before the rewrite could start", 10);
    } else if (msg instanceof ChunkDone && msg.job === this) {
      if (msg.error !== null) this.abort(s, `writing the new base: ${msg.error.message}`);
      else if (this.chunks === null) this.finish(s);
      else this.nextChunk(s);
    }
  }

  /** Turning on: a write from before the cut is in the copies already; its reply waits for the base. */
  beforeCut(a: AofAppend): void {
    if (a.held !== null) this.held.push(a.held);
  }

  private unlock(s: RewriteHost, upTo: number): void {
    this.demonitorAll();
    for (let i = 0; i <= upTo && i < s.inst.shardCount; i++) {
      const pid = s.self.rt.whereis(s.inst.names.shards[i]!) as Proc | undefined;
      pid?.rt.deliver(pid, new ShardRun(s.self, ++tags, null, "unlock"));
    }
  }

  private doCut(s: RewriteHost): void {
    this.cut = true;
    this.demonitorAll();
    try {
      if (s.on) {
        this.oldEntries = [...s.manifest];
        s.close();
      } else {
        this.oldEntries = onDiskManifest(s);
        s.manifest = [...this.oldEntries];
      }
      if (s.on || this.turnOn || s.status.enabled) {
        const seq = Math.max(s.maxSeq("i"), maxSeqOf(this.oldEntries, "i")) + 1;
        this.newIncr = { file: incrFileName(s.prefix, seq), seq, type: "i" };
        const file = s.track(AofFile.open(join(s.dir, this.newIncr.file), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND));
        s.file = file;
        s.fileSize.set(file, 0);
        s.enc = new RecordEncoder();
        s.on = true;
        s.dirty = false;
        if (!this.turnOn) {
          s.manifest = [...this.oldEntries, this.newIncr];
          replaceManifest(s.dir, s.prefix, s.manifest);
        }
      }
      // A name of its own: a dead writer's rewrite may still have a chunk in flight to its file.
      this.tmpPath = join(s.dir, `temp-rewriteaof-bg-${process.pid}-${++tmpFiles}.aof`);
      this.tmp = s.track(AofFile.open(this.tmpPath, "w"));
    } catch (e) {
      this.unlock(s, s.inst.shardCount - 1);
      return this.abort(s, `starting the rewrite: ${(e as Error).message}`);
    }
    this.unlock(s, s.inst.shardCount - 1);
    // The generator owns the copies now (read lazily, chunk by chunk).
    // The libraries as they are now. A FUNCTION change whose record was still behind the last lock's reply in the
    // mailbox is in this copy and in the new incremental file too: applied twice at load, which ends in the same libraries.
    this.chunks = baseChunks(this.copies.splice(0), Date.now(), 1 << 18, s.inst.scripting.functions.codes());
    this.nextChunk(s);
  }

  private nextChunk(s: RewriteHost): void {
    const r = this.chunks!.next();
    const self = s.self;
    if (r.done) {
      this.chunks = null;
      this.tmp!.datasync((e) => self.rt.deliver(self, new ChunkDone(this, e)));
      return;
    }
    const buf = Buffer.from(r.value, "latin1");
    this.baseBytes += buf.length;
    this.tmp!.write(buf, (e) => self.rt.deliver(self, new ChunkDone(this, e)));
  }

  /** The base is written and synced: it replaces the old files. */
  private finish(s: RewriteHost): void {
    const st = s.status;
    try {
      this.tmp!.close();
      this.tmp = null;
      const seq = Math.max(s.maxSeq("b"), maxSeqOf(this.oldEntries, "b")) + 1;
      const base: ManifestEntry = { file: baseFileName(s.prefix, seq), seq, type: "b" };
      renameSync(this.tmpPath, join(s.dir, base.file));
      fsyncDir(s.dir);
      s.manifest = this.newIncr !== null ? [base, this.newIncr] : [base];
      replaceManifest(s.dir, s.prefix, s.manifest);
      for (const e of this.oldEntries) if (e.file !== base.file) rmSync(join(s.dir, e.file), { force: true });
    } catch (e) {
      return this.abort(s, `installing the new base: ${(e as Error).message}`);
    }
    s.rewrite = null;
    st.rewriteInProgress = false;
    st.rewrites++;
    st.rewritesConsecutiveFailures = 0;
    st.lastBgrewriteStatus = "ok";
    st.lastRewriteTimeSec = Math.floor((Date.now() - this.started) / 1000);
    st.currentSize = this.baseBytes + (s.file !== null ? (s.fileSize.get(s.file) ?? 0) : 0);
    st.baseSize = st.currentSize;
    if (this.rejoin) {
      s.rejoinPending = false;
      s.inst.writeRefusal = null;
    }
    for (const h of this.held.splice(0)) h.to.rt.deliver(h.to, h.msg);
    s.log("notice", `Background AOF rewrite finished successfully (base ${this.baseBytes} bytes)`);
  }

  /**
   * Gives up: the files and manifest stay as they were (complete), INFO
   * says err. A rejoin is tried again in `retryMs` (see the header): the
   * replies it held wait for that one after a shard's death, and fail
   * after an I/O error (which also refuses writes until it succeeds).
   */
  abort(s: RewriteHost, why: string, retryMs = 1000): void {
    if (s.rewrite !== this) return;
    s.rewrite = null;
    if (!this.cut) this.unlock(s, this.locked);
    this.demonitorAll();
    // Closed once a chunk's write in flight is done (see AofFile).
    this.tmp?.close();
    this.tmp = null;
    if (this.tmpPath !== "") rmSync(this.tmpPath, { force: true });
    const st = s.status;
    st.rewriteInProgress = false;
    st.lastBgrewriteStatus = "err";
    st.rewritesConsecutiveFailures++;
    s.log("warning", `Background AOF rewrite failed: ${why}`);
    const text = `ERR the append only file could not be written (${why}); the write may or may not be applied`;
    if (this.rejoin && s.inst.config.get("appendonly")) {
      // The new incremental file is in no manifest: nothing may be acknowledged from it.
      if (s.on) s.close();
      s.rejoinPending = true;
      s.carried.push(...this.held.splice(0));
      if (retryMs >= 1000) {
        for (const h of s.carried.splice(0)) failHeld(h, text);
        s.inst.writeRefusal = new ErrorReply(`MISCONF Errors writing to the AOF file: ${why}`);
      }
      sendAfter(retryMs, s.self, REJOIN);
      return;
    }
    for (const h of this.held.splice(0)) failHeld(h, text);
  }
}

function maxSeqOf(entries: readonly ManifestEntry[], type: "b" | "i"): number {
  return entries.filter((e) => e.type === type).reduce((m, e) => Math.max(m, e.seq), 0);
}

/** The manifest already in the directory (a run with appendonly yes before), or none. */
function onDiskManifest(s: RewriteHost): ManifestEntry[] {
  const p = join(s.dir, manifestName(s.prefix));
  if (!existsSync(p)) return [];
  try {
    return parseManifest(readFileSync(p, "latin1"));
  } catch {
    return [];
  }
}

/**
 * BGREWRITEAOF: starts a rewrite and answers Redis' text, or the error
 * when one is in progress. `turnOn`: CONFIG SET appendonly yes (replies
 * wait for the base); `rejoin`: a restarted writer's (retried until done).
 */
export function startRewrite(s: RewriteHost, turnOn = false, rejoin = false): Reply {
  if (s.rewrite !== null) return IN_PROGRESS;
  const job = new RewriteJob(turnOn, rejoin);
  // Replies a failed rejoin kept wait for this one's base.
  if (rejoin) job.held.push(...s.carried.splice(0));
  s.rewrite = job;
  s.status.rewriteInProgress = true;
  s.status.rewriteStartedAt = Date.now();
  job.lockNext(s);
  return STARTED;
}
