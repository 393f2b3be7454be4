/**
 * The append-only file writer: the persistence GenServer of persistence.ts
 * (registered as `inst.names.writer`), Redis 7's AOF.
 *
 * - Start: loads the manifest's files into the keyspaces (aof_load.ts)
 *   before any shard runs, then appends to the last incremental file (a
 *   fresh directory gets an empty base, an incremental file and a manifest).
 * - Restart (the writer was killed or crashed; the server runs on): nothing
 *   is loaded, since the live keyspaces are the truth and records that were
 *   in the dead writer's mailbox are gone. It *rejoins*: a rewrite from the
 *   shards' data (aof_rewrite.ts, as for CONFIG SET appendonly yes), the
 *   appends after its cut going to a new incremental file, and every reply
 *   held until that base is installed (a kill -9 before then finds the old
 *   files, which lack the lost records). Replies the dead writer held are
 *   answered with errors by their senders, which monitor the writer.
 * - Appends: the records of every {@link AofAppend} of one event-loop turn
 *   go out in one `write` (a *cycle*), made after every message of the
 *   turn was taken in (`setImmediate`, as Redis writes in beforeSleep).
 *   Every reply of a batch that wrote travels with its records and is
 *   released once they are written, whatever the policy: no reply leaves
 *   before its command's bytes are with the kernel, so a crash of the
 *   process loses no acknowledged write under any policy.
 * - `appendfsync always`: the cycle's write and fdatasync run in Node's
 *   thread pool, and the held replies go out after both, in arrival order;
 *   while a cycle is in flight the next one collects (group commit).
 * - `everysec` and `no`: the cycle is written with `writeSync` in the
 *   event loop and its replies released at once, in the same turn. Chosen
 *   over an asynchronous write: a write into the page cache takes a few
 *   microseconds, less than a round trip through the thread pool plus the
 *   message that reports it (about 1 µs of CPU per request less at `-P 1`,
 *   measured before), and the replies go out one turn earlier. `everysec`
 *   fdatasyncs once a second in the pool; `no` leaves it to the kernel (the
 *   shutdown flush still syncs).
 * - A failed write (disk full): the partial write is cut off, the records
 *   stay queued and are retried every second, INFO shows
 *   `aof_last_write_status:err`, and every held reply is answered with an
 *   error instead (never a false OK) until a write succeeds again.
 * - Rewrite (BGREWRITEAOF, automatic growth, CONFIG SET appendonly yes, a
 *   restart): aof_rewrite.ts.
 * - A call it does not know is answered `{error, {unknown_call, Req}}`, a
 *   cast it does not know is logged: neither stops it.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Atom, atom } from "../../../term/atom.js";
import { Tuple, t } from "../../../term/tuple.js";
import { inspect } from "../../../term/inspect.js";
import { current } from "../../../runtime/current.js";
import { processFlag, sendAfter } from "../../../runtime/erlang.js";
import { type Proc } from "../../../runtime/process.js";
import { type From, reply as replyTo } from "../../../otp/gen.js";
import { GenServer, type NoReply, noreply, ok, reply } from "../../../otp/gen_server.js";
import type { ChildSpec } from "../../../otp/supervisor.js";
import { type ManifestEntry, RecordEncoder, baseFileName, incrFileName } from "./aof_format.js";
import { AofFile, replaceManifest, writeDurable } from "./aof_files.js";
import { loadAof } from "./aof_load.js";
import { REJOIN, type RewriteHost, RewriteJob, baseChunks, copyKeyspace, startRewrite } from "./aof_rewrite.js";
import { loadRdbAtStart } from "./rdb_load.js";
import { rdbStatus, totalChanges } from "./rdb_status.js";
import { DataDirError, claimDataDir, ensureDir, releaseDataDir, takeOverText } from "../server/data_dir.js";
import { type KvInstance } from "../server/instance.js";
import { ShardRunReply } from "../server/messages.js";
import { ErrorReply } from "../resp/reply.js";
import { AofStatus, aofStatus } from "./aof_status.js";
export { AofStatus, aofStatus } from "./aof_status.js";
import { StreamCut, type StreamChunk, StreamUnit, feedAppend, onStreamCut, onStreamUnit, releaseChunk } from "../replication/primary.js";
import { AofAppend, CONFIG, FLUSH, type Held, failHeld, NO_PERSISTENCE_INFO, type Persistence, REWRITE, type WriterCalls, type WriterRequest } from "./persistence.js";

/** Instances whose data a writer has loaded: a later writer of theirs rejoins instead. */
const joined = new WeakSet<KvInstance>();
/** Files a writer of the instance opened: a restarted writer closes the dead one's. */
const openFiles = new WeakMap<KvInstance, Set<AofFile>>();


/** One write: the text of the records for one file, and who waits for it. */
export class Cycle {
  readonly parts: string[] = [];
  bytes = 0;
  readonly held: Held[] = [];
  readonly waiters: From[] = [];
  /** The replication stream's chunks of these records: sent to replicas once written, or once the write failed (replication/primary.ts). */
  readonly repl: StreamChunk[] = [];
  running = false;
  /** fdatasync after writing even if the policy does not (flush, file switch). */
  forceSync = false;
  /** Close the fd once done (the file a rewrite switched away from). */
  close = false;
  constructor(readonly file: AofFile) {}
}

class CycleDone {
  constructor(
    readonly cycle: Cycle,
    readonly error: NodeJS.ErrnoException | null,
    readonly synced: boolean,
  ) {}
}

const KICK = atom("kick");
const FSYNC_TICK = atom("fsync_tick");
const RETRY = atom("retry");
const FSYNC_DONE = atom("fsync_done");
const UNKNOWN_CALL = atom("unknown_call");

/** The writer's state; the rewrite (aof_rewrite.ts) works on it too. */
export class WriterState implements RewriteHost {
  readonly status: AofStatus;
  /** The directory holding the manifest and the files (dir/appenddirname). */
  readonly dir: string;
  readonly prefix: string;
  /** Files open for appending (appendonly yes and the files exist). */
  on = false;
  manifest: ManifestEntry[] = [];
  file: AofFile | null = null;
  enc = new RecordEncoder();
  readonly cycles: Cycle[] = [];
  kickScheduled = false;
  /** Bytes written to `file` since its last fdatasync. */
  dirty = false;
  fsyncing = false;
  /** A write failed and is retried; held replies are answered with errors meanwhile. */
  failed = false;
  /** Bytes in each open file (to cut a partial write off). */
  readonly fileSize = new Map<AofFile, number>();
  rewrite: RewriteJob | null = null;
  /** A restarted writer's rewrite failed and is retried: replies of writes wait in `carried` for it. */
  rejoinPending = false;
  carried: Held[] = [];
  readonly same: NoReply<WriterState>;
  readonly self: Proc;

  constructor(readonly inst: KvInstance) {
    this.status = aofStatus(inst);
    this.dir = resolve(inst.config.get("dir"), inst.config.get("appenddirname"));
    this.prefix = inst.config.get("appendfilename");
    this.same = noreply(this);
    this.self = current!;
  }

  /** Registers a file this writer opened (a restarted writer closes it: see {@link AofWriter}). */
  track(f: AofFile): AofFile {
    let set = openFiles.get(this.inst);
    if (set === undefined) openFiles.set(this.inst, (set = new Set()));
    for (const x of set) if (x.isClosed) set.delete(x);
    set.add(f);
    return f;
  }

  log(level: "notice" | "warning" | "error", text: string): void {
    this.self.rt.logger({ level, what: "kv_aof", text });
  }

  /** Queues encoded text for the current file (and a held reply after it). */
  append(text: string, held: Held | null): void {
    let tail = this.cycles[this.cycles.length - 1];
    if (text !== "") {
      if (tail === undefined || tail.running || tail.file !== this.file) this.cycles.push((tail = new Cycle(this.file!)));
      tail.parts.push(text);
      tail.bytes += text.length;
      this.status.bufferLength += text.length;
    }
    if (held !== null) {
      if (this.failed) {
        // A read's reply (nothing to write) is not the disk's business; a write's cannot be confirmed.
        if (text === "") return deliver(held);
        return failHeld(held, "ERR Errors writing to the AOF file: the write is not durable; it may or may not be applied");
      }
      if (tail === undefined) {
        // Everything before is written (and, unless it is still dirty, synced).
        if (!this.dirty || this.inst.config.get("appendfsync") !== "always") return deliver(held);
        // Written under everysec / no and not synced yet: sync before confirming.
        this.cycles.push((tail = new Cycle(this.file!)));
        tail.forceSync = true;
      }
      tail.held.push(held);
    }
    this.schedule();
  }

  schedule(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    const self = this.self;
    // After every message of this turn has been taken in: one write for all of them.
    setImmediate(() => self.rt.deliver(self, KICK));
  }

  /** Starts the head cycle unless one is in flight. */
  run(): void {
    const c = this.cycles[0];
    if (c === undefined || c.running) return;
    c.running = true;
    const sync = c.forceSync || c.close || this.inst.config.get("appendfsync") === "always";
    const self = this.self;
    const done = (e: NodeJS.ErrnoException | null) => self.rt.deliver(self, new CycleDone(c, e, sync && e === null));
    const finish = (e: NodeJS.ErrnoException | null) => {
      if (e !== null || !c.close) return done(e);
      c.file.close(); // its data is synced: closing cannot lose anything
      done(null);
    };
    const afterWrite = (e: NodeJS.ErrnoException | null) => {
      if (e !== null || !sync) return finish(e);
      c.file.datasync(finish);
    };
    if (c.bytes === 0) return afterWrite(null);
    const buf = Buffer.from(c.parts.join(""), "latin1");
    // Nothing waits on this write's durability: write it now and release its replies (see the header); else in the thread pool, then fdatasync.
    if (!sync) return this.onCycleDone(new CycleDone(c, c.file.writeNow(buf), false));
    c.file.write(buf, afterWrite);
  }

  onCycleDone(d: CycleDone): void {
    const c = d.cycle;
    c.running = false;
    if (d.error !== null) return this.onWriteError(c, d.error);
    this.cycles.shift();
    if (this.failed) {
      this.failed = false;
      this.log("notice", "AOF write error looks solved: writing to the append only file again");
      this.inst.writeRefusal = null;
    }
    this.status.lastWriteStatus = "ok";
    this.status.bufferLength -= c.bytes;
    // Bytes in the manifest's files: the old ones count until a rewrite has replaced them.
    if (c.file === this.file || this.rewrite !== null) this.status.currentSize += c.bytes;
    this.fileSize.set(c.file, (this.fileSize.get(c.file) ?? 0) + c.bytes);
    if (c.close) this.fileSize.delete(c.file);
    else if (c.file === this.file) this.dirty = d.synced ? false : this.dirty || c.bytes > 0;
    for (const r of c.repl) releaseChunk(this.inst, r);
    for (const h of c.held) deliver(h);
    for (const w of c.waiters) replyTo(w, atom("ok"));
    this.run();
    if (this.rewrite === null) this.maybeAutoRewrite();
  }

  private onWriteError(c: Cycle, e: NodeJS.ErrnoException): void {
    if (!this.failed) this.log("error", `error writing to the append only file: ${e.message}; retrying every second, held replies get errors meanwhile`);
    this.failed = true;
    this.status.lastWriteStatus = "err";
    // Writes are refused while the file is failing (not once appendonly is off: then nothing depends on it).
    this.inst.writeRefusal = this.inst.config.get("appendonly") ? new ErrorReply(`MISCONF Errors writing to the AOF file: ${strerror(e)}`) : null;
    try {
      // Cut off whatever part of the cycle did reach the file: the retry writes it whole.
      ftruncateSync(c.file.fd, this.fileSize.get(c.file) ?? 0);
    } catch {
      /* a device or a vanished file: nothing to cut */
    }
    const why = `ERR Errors writing to the AOF file: ${e.message}; the write may or may not be applied`;
    for (const x of this.cycles) {
      // These writes are in memory whatever the file says: replicas follow the primary's data (replication/primary.ts).
      for (const r of x.repl.splice(0)) releaseChunk(this.inst, r);
      for (const h of x.held.splice(0)) failHeld(h, why);
      // A flush (shutdown) does not wait for a disk that refuses: it is told, and the loss is logged.
      for (const w of x.waiters.splice(0)) {
        this.log("error", `flush: the last writes could not be written to the append only file (${e.message}); they are not durable`);
        replyTo(w, atom("ok"));
      }
    }
    sendAfter(1000, this.self, RETRY);
  }

  /** Everysec: fdatasync what was written in the last second, off the event loop. */
  onFsyncTick(): void {
    sendAfter(1000, this.self, FSYNC_TICK);
    if (!this.on || !this.dirty || this.inst.config.get("appendfsync") !== "everysec") return;
    if (this.fsyncing) {
      this.status.delayedFsync++;
      return;
    }
    this.fsyncing = true;
    this.dirty = false;
    const self = this.self;
    this.file!.datasync(() => self.rt.deliver(self, FSYNC_DONE));
  }

  /** A flush (clean shutdown): `from` is answered once everything received is on disk. */
  flush(from: From): boolean {
    if (!this.on || (this.cycles.length === 0 && !this.dirty && !this.fsyncing)) return true;
    let tail = this.cycles[this.cycles.length - 1];
    if (tail === undefined || tail.running) this.cycles.push((tail = new Cycle(this.file!)));
    tail.forceSync = true;
    tail.waiters.push(from);
    this.schedule(); // a failed write is retried now, not in a second
    return false;
  }

  /** Redis' automatic rewrite: the files grew by auto-aof-rewrite-percentage over their size after the last rewrite. */
  maybeAutoRewrite(): void {
    const cfg = this.inst.config;
    const pct = cfg.get("auto-aof-rewrite-percentage");
    const st = this.status;
    if (!this.on || pct === 0 || st.currentSize < cfg.get("auto-aof-rewrite-min-size")) return;
    const base = st.baseSize === 0 ? 1 : st.baseSize;
    if (((st.currentSize - base) * 100) / base < pct) return;
    this.log("notice", `starting automatic rewriting of AOF on ${Math.floor(((st.currentSize - base) * 100) / base)}% growth`);
    startRewrite(this);
  }

  /** Opens the last incremental file of the manifest for appending (a new one if there is none). */
  openIncr(): void {
    let last = this.manifest.filter((e) => e.type === "i").pop();
    if (last === undefined) {
      last = { file: incrFileName(this.prefix, this.maxSeq("i") + 1), seq: this.maxSeq("i") + 1, type: "i" };
      this.manifest.push(last);
      const fd = openSync(join(this.dir, last.file), "a");
      closeSync(fd);
      replaceManifest(this.dir, this.prefix, this.manifest);
    }
    this.file = this.track(AofFile.open(join(this.dir, last.file), "a"));
    // Its bytes from before (a failed write is cut back to this, never further).
    this.fileSize.set(this.file, fstatSync(this.file.fd).size);
    this.enc = new RecordEncoder();
    this.on = true;
  }

  maxSeq(type: "b" | "i"): number {
    return this.manifest.filter((e) => e.type === type).reduce((m, e) => Math.max(m, e.seq), 0);
  }

  /** Makes `dir` and locks it for this server (a restarted writer claims it again), before any file is touched. */
  claimDir(): void {
    const c = claimDataDir(this.inst.config.get("dir"), this.inst, this.self);
    if (c.tookOver !== null) this.log("warning", takeOverText(c));
    ensureDir(this.dir);
  }

  /** A fresh directory: a base (empty, or the data an RDB file loaded), an incremental file, the manifest. */
  createFresh(): void {
    const base: ManifestEntry = { file: baseFileName(this.prefix, 1), seq: 1, type: "b" };
    const copies = this.inst.keyspaces.map((ks) => copyKeyspace(ks));
    writeDurable(join(this.dir, base.file), [...baseChunks(copies, Date.now(), 1 << 18, this.inst.scripting.functions.codes())].join(""));
    this.manifest = [base];
    this.openIncr();
  }

  /** Closes the file (appendonly no, terminate) once its queued writes are done. */
  close(): void {
    if (this.file === null) return;
    let tail = this.cycles[this.cycles.length - 1];
    if (tail === undefined || tail.running || tail.file !== this.file) this.cycles.push((tail = new Cycle(this.file!)));
    tail.close = true;
    this.file = null;
    this.on = false;
    this.dirty = false;
    this.schedule();
  }
}

/** The C library's text for an errno, as Redis prints it ("No space left on device"), from Node's "ENOSPC: no space left on device, write". */
function strerror(e: NodeJS.ErrnoException): string {
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(e.message);
  const text = m === null ? e.message : m[1]!;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function deliver(h: Held): void {
  h.to.rt.deliver(h.to, h.msg);
}

export class AofWriter extends GenServer<WriterState, WriterCalls, never, unknown, KvInstance> {
  init(inst: KvInstance) {
    processFlag("trap_exit", true);
    const s = new WriterState(inst);
    s.status.enabled = inst.config.get("appendonly");
    const first = !joined.has(inst);
    joined.add(inst);
    if (!first) this.cleanUp(s);
    if (s.status.enabled) {
      if (first) this.load(s);
      else this.rejoin(s);
    } else if (first) this.loadRdb(s);
    // As Redis after loading: no change is pending for the save points.
    if (first) rdbStatus(inst).changesAtLastSave = totalChanges(inst);
    sendAfter(1000, current!, FSYNC_TICK);
    return ok(s);
  }

  /** A restart: the dead writer's files are closed (once their writes in flight are done). */
  private cleanUp(s: WriterState): void {
    const files = openFiles.get(s.inst);
    if (files !== undefined) for (const f of files) f.close();
    openFiles.delete(s.inst);
  }

  /**
   * A restart with `appendonly yes`: the keyspaces are live and ahead of
   * the files by whatever the dead writer had not written. Loading would
   * apply the files again on top of them; a rewrite from them instead makes
   * the files whole again, without stopping the server (see the header).
   */
  private rejoin(s: WriterState): void {
    s.claimDir();
    // The dead writer's rewrite, if one ran: a chunk may still be in flight to it, which an unlinked file absorbs.
    for (const f of readdirSync(s.dir)) if (f.startsWith("temp-rewriteaof-bg-")) rmSync(join(s.dir, f), { force: true });
    s.log("warning", "persistence writer restarted: rewriting the append only file from the data in memory (replies to writes wait for the new base)");
    startRewrite(s, true, true);
  }

  private load(s: WriterState): void {
    const inst = s.inst;
    const t0 = Date.now();
    s.claimDir();
    // FUNCTION records: the libraries are the instance's, loaded before any connection can run one.
    const functions = inst.scripting.functions;
    const r = loadAof(s.dir, s.prefix, inst.keyspaces, inst.config.get("aof-load-truncated"), Date.now(), (argv) => {
      const r = functions.replay(argv);
      if (r instanceof ErrorReply) s.log("warning", `append only file: ${argv.slice(0, 2).join(" ")} failed: ${r.text}`);
    });
    if (r.manifest === null) {
      // No append-only file yet: the RDB file, if any, and a base with its data.
      this.loadRdb(s);
      s.createFresh();
      return;
    }
    if (r.truncated !== null) {
      const [file, from, to] = r.truncated;
      s.log("warning", `!!! Warning: short read while loading the AOF file ${file}!!! AOF loaded anyway because aof-load-truncated is enabled: truncated from ${from} to ${to} bytes (the last record was incomplete)`);
    }
    s.manifest = r.manifest;
    let size = 0;
    for (const v of r.sizes.values()) size += v;
    s.status.currentSize = size;
    s.status.baseSize = size;
    s.status.loadedCommands = r.commands;
    s.log("notice", `DB loaded from append only file: ${r.commands} commands in ${((Date.now() - t0) / 1000).toFixed(3)} seconds`);
    s.openIncr();
  }

  /** Loads dump.rdb if there is one (rdb_load.ts); an error stops the start. */
  private loadRdb(s: WriterState): void {
    const r = loadRdbAtStart(s.inst);
    if (r !== null) s.log("notice", `DB loaded from disk: ${(r.ms / 1000).toFixed(3)} seconds (${r.keys} keys loaded, ${r.expired} expired keys skipped)`);
  }

  override handleCall(req: WriterRequest, from: From, s: WriterState) {
    if (req === FLUSH) return s.flush(from) ? reply(atom("ok"), s) : s.same;
    if (req === REWRITE) return reply(startRewrite(s), s);
    if (!(req instanceof Tuple) || req.length !== 2 || req[0] !== CONFIG) {
      // What an Erlang caller expects of a server that does not know the request: an error, not a crash.
      s.log("warning", `unknown call ${inspect(req)}: answered {error, {unknown_call, ...}}`);
      return reply(t(atom("error"), t(UNKNOWN_CALL, req)) as never, s);
    }
    if (req[1] === "appendonly") return reply(this.appendonlyChanged(s), s);
    return reply(atom("ok"), s);
  }

  override handleCast(req: unknown, s: WriterState) {
    s.log("warning", `unknown cast ${inspect(req)} ignored`);
    return s.same;
  }

  /**
   * CONFIG SET appendonly: yes writes a base from the data as it is (a
   * rewrite), then appends; no closes the file and unlocks the directory.
   * A directory that cannot be used (or is another server's) is an error reply.
   */
  private appendonlyChanged(s: WriterState): Atom<"ok"> | ErrorReply {
    const on = s.inst.config.get("appendonly");
    s.status.enabled = on;
    if (on && !s.on && s.rewrite === null) {
      try {
        s.claimDir();
      } catch (e) {
        if (!(e instanceof DataDirError)) throw e;
        s.status.enabled = false;
        return new ErrorReply(`ERR ${e.message}`);
      }
      startRewrite(s, true);
    } else if (!on && s.on) {
      s.rewrite?.abort(s, "appendonly turned off");
      s.close();
      s.rejoinPending = false;
      for (const h of s.carried.splice(0)) deliver(h); // nothing is to be written any more
      s.inst.writeRefusal = null;
      releaseDataDir(s.inst);
    }
    return atom("ok");
  }

  override handleInfo(msg: unknown, s: WriterState) {
    if (msg instanceof AofAppend) this.onAppend(msg, s);
    else if (msg === KICK) {
      s.kickScheduled = false;
      s.run();
    } else if (msg instanceof CycleDone) s.onCycleDone(msg);
    else if (msg === FSYNC_TICK) s.onFsyncTick();
    else if (msg === FSYNC_DONE) s.fsyncing = false;
    else if (msg instanceof StreamCut) onStreamCut(s.inst, msg);
    else if (msg instanceof StreamUnit) {
      // The unit's records are in the cycles queued so far: it goes to replicas once the last of them is written.
      const chunk = onStreamUnit(s.inst, msg);
      const tail = s.cycles[s.cycles.length - 1];
      if (chunk !== null && tail !== undefined) tail.repl.push(chunk);
      else if (chunk !== null) releaseChunk(s.inst, chunk);
    }
    else if (msg === RETRY) s.run();
    else if (msg === REJOIN) {
      if (!s.on && s.rewrite === null && s.inst.config.get("appendonly")) startRewrite(s, true, true);
    }
    else if (msg instanceof ShardRunReply || s.rewrite !== null) s.rewrite?.onMessage(s, msg);
    return s.same;
  }

  private onAppend(a: AofAppend, s: WriterState): void {
    const job = s.rewrite;
    // Into the replication stream first, in the order of the writes (replication/primary.ts).
    const chunk = feedAppend(s.inst, a);
    if (chunk !== null && !s.on) releaseChunk(s.inst, chunk);
    if (!s.on) {
      // No file yet: a rewrite turning the AOF on has these writes in its copies; their replies wait for its base.
      if (job !== null && job.turnOn) job.beforeCut(a);
      // A restart whose rewrite is retried: its base will have these writes; their replies wait for it.
      else if (a.held !== null && a.records.length > 0 && s.rejoinPending) s.carried.push(a.held);
      else if (a.held !== null) deliver(a.held);
      return;
    }
    let text = "";
    const enc = s.enc;
    for (const r of a.records) text += enc.encode(r.db, r.argv);
    if (job !== null && job.turnOn) {
      // Durable only once the base is there too.
      s.append(text, null);
      if (a.held !== null) job.held.push(a.held);
    } else s.append(text, a.held);
    // Replicas get these writes once they are written, with the replies (the cycle append just queued them in).
    if (chunk !== null) s.cycles[s.cycles.length - 1]!.repl.push(chunk);
  }

  override terminate(_reason: unknown, s: WriterState): void {
    // Closed once their writes in flight are done (see AofFile).
    for (const f of s.fileSize.keys()) f.close();
    s.rewrite?.abort(s, "the writer stopped");
    releaseDataDir(s.inst);
  }
}

/** Persistence to an append-only file (the server's default; idle while `appendonly no`). */
export const aofPersistence: Persistence = {
  name: "aof",
  writerSpec(inst) {
    return {
      id: "writer",
      start: () => GenServer.startLink(new AofWriter(), inst, { name: inst.names.writer }).result(),
      shutdown: 60_000,
    } as ChildSpec;
  },
  info(inst) {
    const st = aofStatus(inst);
    const rows: [string, string | number][] = NO_PERSISTENCE_INFO.map(([k, v]): [string, string | number] => {
      switch (k) {
        case "aof_enabled":
          return [k, st.enabled ? 1 : 0];
        case "aof_rewrite_in_progress":
          return [k, st.rewriteInProgress ? 1 : 0];
        case "aof_rewrite_scheduled":
          return [k, st.rewriteScheduled ? 1 : 0];
        case "aof_last_rewrite_time_sec":
          return [k, st.lastRewriteTimeSec];
        case "aof_current_rewrite_time_sec":
          return [k, st.rewriteInProgress ? Math.floor((Date.now() - st.rewriteStartedAt) / 1000) : -1];
        case "aof_last_bgrewrite_status":
          return [k, st.lastBgrewriteStatus];
        case "aof_rewrites":
          return [k, st.rewrites];
        case "aof_last_write_status":
          return [k, st.lastWriteStatus];
        default:
          return [k, v];
      }
    });
    rows.push(["aof_rewrites_consecutive_failures", st.rewritesConsecutiveFailures]);
    if (st.enabled) {
      rows.push(
        ["aof_current_size", st.currentSize],
        ["aof_base_size", st.baseSize],
        ["aof_pending_rewrite", st.rewriteScheduled ? 1 : 0],
        ["aof_buffer_length", st.bufferLength],
        ["aof_pending_bio_fsync", 0],
        ["aof_delayed_fsync", st.delayedFsync],
      );
    }
    return rows;
  },
};
