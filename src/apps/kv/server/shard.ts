/**
 * A shard: the GenServer that owns one part of the keys (`hash(key) &
 * mask`) and runs every command on them, so each key's operations are
 * ordered by the shard's mailbox. It holds no data of its own: its
 * {@link Keyspace} is a table claimed from the holder at start, so a killed
 * shard loses nothing (see holder.ts).
 *
 * Per {@link Batch} it reads the clock once, runs each command's `exec`,
 * and answers with one {@link BatchReply}; when `appendonly yes` and the
 * batch wrote, the reply goes with the writes to the persistence writer,
 * which releases it once they are written (persistence.ts). A command that throws is a
 * bug in the command table: it is logged and answered with an error, and
 * the rest of the batch runs; so a batch either runs whole or not at all,
 * which lets a client resend batches a killed shard never ran.
 *
 * While a transaction holds the shard ({@link ShardRun} with `lock`), only
 * that process is served; everything else waits in arrival order.
 */
import { performance } from "node:perf_hooks";
import { CMD } from "../commands/command_table.js";
import { inspect } from "../../../term/inspect.js";
import { Tuple, t } from "../../../term/tuple.js";
import { DOWN } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { demonitor, monitor } from "../../../runtime/erlang.js";
import { type Ref } from "../../../term/identifiers.js";
import { type Proc } from "../../../runtime/process.js";
import { cast } from "../../../otp/gen.js";
import { GenServer, type NoReply, noreply, ok } from "../../../otp/gen_server.js";
import { type ExecContext } from "../commands/command.js";
import { type BlockOn } from "../commands/blocking.js";
import { Served, Unblock, Wake, newWaiter, register, serveReady, unregister } from "./blocked.js";
import { type Db, type Keyspace, activeExpireCycle } from "../commands/db.js";
import { type CommandEntry, execCommand } from "../commands/engine.js";
import { CLAIM } from "./holder.js";
import { type KvInstance } from "./instance.js";
import { called, isPart } from "./call_log.js";
import { Batch, BatchReply, ExpireTick, ServeReady, ShardRun, ShardRunReply, type ShardView, Unwatch, Watch } from "./messages.js";
import { AofAppend, type AofRecord, Held } from "../aof/persistence.js";
import { scopedFlush } from "../aof/aof_format.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { RespWriter } from "../resp/resp_writer.js";
import { Evictor } from "../commands/evict.js";
import { valueCost } from "../commands/mem_estimate.js";
import { OOM, performEvictions } from "./eviction.js";
import { lazyExpireFor } from "../replication/replica_control.js";

const SERVE_READY = new ServeReady();

/** Active expiry: keys sampled per database per tick at most (Redis samples 20 per round, rounds while >10% stale). */
const EXPIRE_BUDGET = 200;

/** The shard's state; one object for the shard's life, so results can be cached. */
export class ShardState implements ExecContext, ShardView {
  db: Db;
  dbIndex = 0;
  now = 0;
  /** Writes of the batch being run, when persistence is on. */
  records: AofRecord[] | null = null;
  /** Owner of the lock, while a transaction holds the shard. */
  lockedBy: Proc | null = null;
  lockMon: Ref | null = null;
  /** Locked by another process synchronously ({@link holdIdleShards}): the shard monitors the owner on its next message. */
  lockMonPending = false;
  /** The shard process this state belongs to. */
  proc: Proc | null = null;
  /** Messages that arrived while locked, in order. */
  deferred: unknown[] = [];
  /** AofAppends waiting for a writer (none registered at the time). */
  unsent: AofAppend[] = [];
  readonly same: NoReply<ShardState>;
  /** Encodes the replies of delegated batches that are not all simple (direct_out.ts). */
  readonly writer = new RespWriter(2);
  /** The propagate used by exec: records, or nothing when persistence is off. */
  propagate: (argv: readonly string[]) => void;
  /** A client's command may block here (a batch's; never EXEC's steps): blocking.ts. */
  mayBlock = false;
  blockedOn: BlockOn | null = null;
  serving = false;
  /** maxmemory's candidates and sampling state (commands/evict.ts). */
  readonly evictor = new Evictor();
  /** maxmemory as last synced (0: no limit, nothing checked). */
  maxmemory = 0;
  /** The instance's configVersion the keyspace's settings were synced at. */
  configSeen = -1;

  constructor(
    readonly inst: KvInstance,
    readonly index: number,
    readonly keyspace: Keyspace,
  ) {
    this.db = keyspace.db(0);
    this.same = noreply(this);
    this.propagate = this.record;
  }

  /**
   * The batch being run when it carries its commands' bytes (RawCommands),
   * and which command runs (an index: a number, not a young object, is
   * stored per command, which costs no write barrier).
   */
  running: Batch | null = null;
  runningAt = 0;

  private readonly record = (argv: readonly string[]): void => {
    const r = this.records;
    if (r === null) return;
    const a = scopedFlush(argv, this.index, this.inst.shardCount);
    const b = this.running;
    // The command propagated as it came: its record carries the client's bytes (see RawCommands).
    if (b !== null && a === b.cmds[this.runningAt]) {
      const raw = b.raw!;
      const k = 2 * this.runningAt;
      const start = raw.at[k]!;
      if (start >= 0) {
        r.push({ db: this.dbIndex, argv: a, raw: raw.buf, rawStart: start, rawEnd: raw.at[k + 1]! });
        return;
      }
    }
    r.push({ db: this.dbIndex, argv: a });
  };

  /** ShardView.propagate: a write of database `db` (transactions, the writer's rewrite). */
  propagateTo(db: number, argv: readonly string[]): void {
    if (this.records !== null) this.records.push({ db, argv: scopedFlush(argv, this.index, this.inst.shardCount) });
  }
}

/** Each instance's shard states, by index, as their processes started them. */
const LIVE = new WeakMap<KvInstance, ShardState[]>();

/**
 * Every shard's state when all of them are idle and free right now (alive,
 * not held by a transaction, nothing waiting for the persistence writer):
 * the caller may then run on them directly and synchronously, which is
 * atomic (one thread; a shard handles a message at a time and is between
 * messages now). Null when one is not.
 */
export function idleShards(inst: KvInstance): ShardState[] | null {
  const states = LIVE.get(inst);
  if (states === undefined) return null;
  const rt = current!.rt;
  for (let i = 0; i < inst.shardCount; i++) {
    const s = states[i];
    if (s === undefined || s.lockedBy !== null || s.unsent.length > 0 || s.proc === null || rt.whereis(inst.names.shards[i]!) !== s.proc) return null;
  }
  return states.slice(0, inst.shardCount);
}

/**
 * Holds idle shards ({@link idleShards}) for `owner` without a message:
 * they defer everyone else's messages from now on, monitor the owner when
 * they next run (an owner already gone unlocks them then), and are
 * released by the owner's "unlock" ShardRun as usual.
 */
export function holdIdleShards(states: readonly ShardState[], owner: Proc): void {
  for (const s of states) {
    s.lockedBy = owner;
    s.lockMon = null;
    s.lockMonPending = true;
  }
}

/** Asks each shard whose blocked clients a direct run made ready to serve them. */
export function serveReadyAfterDirect(states: readonly ShardState[]): void {
  for (const s of states) {
    const b = s.keyspace.blocked;
    if (b.size !== 0 && b.anyReady && s.proc !== null) s.proc.rt.deliver(s.proc, SERVE_READY);
  }
}

export class Shard extends GenServer<ShardState, never, never, unknown, number> {
  constructor(readonly inst: KvInstance) {
    super();
  }

  init(index: number) {
    const inst = this.inst;
    const s = new ShardState(inst, index, inst.keyspaces[index]!);
    s.proc = current!;
    let states = LIVE.get(inst);
    if (states === undefined) LIVE.set(inst, (states = []));
    states[index] = s;
    // Tell the heir who owns the table now (and wake whoever waits for this shard).
    cast(inst.names.holder, t(CLAIM, index, current!));
    return ok(s);
  }

  override handleInfo(msg: unknown, s: ShardState) {
    if (s.lockMonPending) {
      s.lockMonPending = false;
      if (s.lockedBy !== null) s.lockMon = monitor(s.lockedBy);
    }
    if (msg instanceof ServeReady) {
      if (s.lockedBy === null && s.keyspace.blocked.size !== 0 && s.keyspace.blocked.anyReady) this.serveAfterUnlock(s);
      return s.same;
    }
    if (s.lockedBy !== null && !this.forLockOwner(msg, s)) {
      s.deferred.push(msg);
      return s.same;
    }
    if (msg instanceof Batch) this.runBatch(msg, s);
    else if (msg instanceof ShardRun) this.run(msg, s);
    else if (msg instanceof ExpireTick) this.expire(s);
    else if (msg instanceof Unblock) unregister(s.keyspace, s.index, msg.w);
    else if (msg instanceof Watch) s.keyspace.watches.watch(msg.client, msg.db, msg.keys);
    else if (msg instanceof Unwatch) s.keyspace.watches.unwatch(msg.client);
    else if (msg instanceof Tuple && msg[0] === DOWN && msg[1] === s.lockMon) this.unlock(s);
    return s.same;
  }

  /** While locked: the owner's messages, and the owner's DOWN. */
  private forLockOwner(msg: unknown, s: ShardState): boolean {
    if (msg instanceof ShardRun || msg instanceof Batch) return msg.from === s.lockedBy;
    return msg instanceof Tuple && msg[0] === DOWN && msg[1] === s.lockMon;
  }

  private runBatch(b: Batch, s: ShardState): void {
    const { cmds, specs } = b;
    const n = cmds.length;
    const replies: Reply[] = new Array(n);
    const persist = this.inst.logsWrites;
    s.records = persist ? [] : null;
    s.dbIndex = b.db;
    s.db = s.keyspace.db(b.db);
    s.now = Date.now();
    s.mayBlock = true;
    if (s.configSeen !== this.inst.configVersion) syncSettings(s);
    const limited = s.maxmemory !== 0;
    this.inst.shardEvents[s.index]!.by = b.from;
    s.keyspace.lazyExpire = lazyExpireFor(this.inst, b.from);
    // A replica's master client is never refused for memory (Redis' obey_client): it evicts, then applies.
    const obey = s.keyspace.lazyExpire === "keep";
    const blocked = s.keyspace.blocked;
    let served: (Served | Wake)[] | null = null;
    const inst = this.inst;
    const who = inst.rowOf.get(b.from);
    s.running = persist && b.raw !== null ? b : null;
    for (let i = 0; i < n; i++) {
      const spec = specs[i] as CommandEntry;
      const t0 = performance.now();
      try {
        // Redis' processCommand: evict before a command that may grow memory; refuse it when that cannot help.
        if (limited && (spec.bits & CMD.denyoom) !== 0 && !this.evict(s) && !obey) replies[i] = OOM;
        else {
          s.runningAt = i;
          replies[i] = execCommand(s, spec, cmds[i]!);
          if (s.blockedOn !== null) replies[i] = this.park(s, b.from, spec);
        }
      } catch (e) {
        replies[i] = this.internalError(s, cmds[i]!, e);
      }
      if (!isPart(spec)) called(inst, who, spec, cmds[i]!, b.db, (performance.now() - t0) * 1000, replies[i]!);
      // Redis serves the clients blocked on a key right after the command that made it ready.
      if (blocked.size !== 0 && blocked.anyReady) serveReady(s, (served ??= []));
    }
    s.running = null;
    s.mayBlock = false;
    s.keyspace.settle(valueCost);
    this.answerBatch(s, b, replies, persist);
    if (served !== null) this.tell(s, served, persist);
    if (this.inst.tracking.broadcastPending) this.inst.tracking.broadcast();
  }

  private answerBatch(s: ShardState, b: Batch, replies: Reply[], persist: boolean): void {
    const direct = b.direct;
    if (direct !== null) {
      if (persist && s.records!.length > 0) this.toWriter(s, new AofAppend(s.index, s.records!, null));
      s.records = null;
      direct.write(replies, s.writer);
      return;
    }
    const reply = new BatchReply(s.index, b.tag, replies);
    if (!persist) {
      b.from.rt.deliver(b.from, reply);
      return;
    }
    const records = s.records!;
    s.records = null;
    if (records.length === 0 && this.inst.config.get("appendfsync") !== "always") {
      // Nothing to write: the sender keeps this reply behind its earlier held ones.
      b.from.rt.deliver(b.from, reply);
      return;
    }
    // The reply leaves once the records are written (under always: synced); the sender learns the batch ran.
    b.held = true;
    this.toWriter(s, new AofAppend(s.index, records, new Held(b.from, reply)));
  }

  /** The command just run blocks its client: a waiter in this shard's table, given to the connection as the command's reply. */
  private park(s: ShardState, from: Proc, spec: CommandEntry): Reply {
    const w = newWaiter(this.inst, from, s.dbIndex, spec, s.blockedOn!);
    s.blockedOn = null;
    register(s.keyspace, s.index, w);
    return w as unknown as Reply;
  }

  /** Tells the clients served or woken, after the records of the writes that served them (with persistence, through the writer). */
  private tell(s: ShardState, out: readonly (Served | Wake)[], persist: boolean): void {
    for (const m of out) {
      const to = m.w.conn;
      if (persist) this.toWriter(s, new AofAppend(s.index, [], new Held(to, m)));
      else to.rt.deliver(to, m);
    }
  }

  /** Serves the keys made ready while locked (EXEC, a cross-shard command), once unlocked. */
  private serveAfterUnlock(s: ShardState): void {
    const persist = this.inst.logsWrites;
    s.records = persist ? [] : null;
    s.now = Date.now();
    this.inst.shardEvents[s.index]!.by = null;
    const out: (Served | Wake)[] = [];
    serveReady(s, out);
    const records = s.records;
    s.records = null;
    if (records !== null && records.length > 0) this.toWriter(s, new AofAppend(s.index, records, null));
    this.tell(s, out, persist);
    if (this.inst.tracking.broadcastPending) this.inst.tracking.broadcast();
  }

  private internalError(s: ShardState, argv: readonly string[], e: unknown): ErrorReply {
    current!.rt.logger({
      level: "error",
      what: "kv_command_crash",
      text: `shard ${s.index}: '${argv[0]}' threw ${e instanceof Error ? (e.stack ?? e.message) : inspect(e)}`,
    });
    return new ErrorReply(`ERR internal error running '${argv[0]}'`);
  }

  private run(r: ShardRun, s: ShardState): void {
    // A rewrite's copy (a restarted writer's) covers every write before it: their records must reach the writer first.
    if (s.unsent.length > 0) this.flushUnsent(s);
    if (r.lock === "lock" && s.lockedBy === null) {
      s.lockedBy = r.from;
      s.lockMon = monitor(r.from);
    }
    const persist = this.inst.logsWrites;
    s.records = persist ? [] : null;
    s.now = Date.now();
    if (s.configSeen !== this.inst.configVersion) syncSettings(s);
    this.inst.shardEvents[s.index]!.by = r.from;
    s.keyspace.lazyExpire = lazyExpireFor(this.inst, r.from);
    let value: unknown;
    let error: unknown;
    if (r.fn !== null) {
      try {
        value = r.fn(s);
      } catch (e) {
        error = e;
      }
    }
    s.keyspace.settle(valueCost);
    const records = s.records;
    s.records = null;
    if (records !== null && records.length > 0) this.toWriter(s, new AofAppend(s.index, records, null));
    r.from.rt.deliver(r.from, new ShardRunReply(s.index, r.tag, value, error));
    if (this.inst.tracking.broadcastPending) this.inst.tracking.broadcast();
    if (r.lock === "unlock" && s.lockedBy === r.from) this.unlock(s);
  }

  private unlock(s: ShardState): void {
    if (s.lockMon !== null) demonitor(s.lockMon, { flush: true });
    s.lockedBy = null;
    s.lockMon = null;
    const blocked = s.keyspace.blocked;
    if (blocked.size !== 0 && blocked.anyReady) this.serveAfterUnlock(s);
    // What waited runs now, before anything newer (it may lock the shard again).
    while (s.deferred.length > 0 && s.lockedBy === null) {
      const m = s.deferred.shift();
      this.handleInfo(m, s);
    }
  }

  private expire(s: ShardState): void {
    const persist = this.inst.logsWrites;
    s.records = persist ? [] : null;
    const now = Date.now();
    const ks = s.keyspace;
    this.inst.shardEvents[s.index]!.by = null;
    // A replica expires nothing itself: its primary's DELs do (reads hide the keys meanwhile).
    const replica = this.inst.repl.primary !== null;
    for (let i = 0; i < ks.dbs.length; i++) {
      const db = ks.dbs[i]!;
      if (replica) db.refreshScans();
      if (replica || db.expires.size === 0) continue;
      s.dbIndex = i;
      activeExpireCycle(db, now, EXPIRE_BUDGET, s.propagate);
    }
    ks.settle(valueCost);
    const records = s.records;
    s.records = null;
    if (records !== null && records.length > 0) this.toWriter(s, new AofAppend(s.index, records, null));
    else if (s.unsent.length > 0) this.flushUnsent(s);
    if (this.inst.tracking.broadcastPending) this.inst.tracking.broadcast();
  }

  /** performEvictions on this shard's keys; false when out of memory. */
  private evict(s: ShardState): boolean {
    return performEvictions(this.inst, s.keyspace, s.evictor, s.now, (db, argv) => s.propagateTo(db, argv));
  }

  private toWriter(s: ShardState, a: AofAppend): void {
    if (s.unsent.length > 0) {
      s.unsent.push(a);
      return this.flushUnsent(s);
    }
    const w = current!.rt.whereis(this.inst.names.writer);
    if (w === undefined) s.unsent.push(a);
    else w.rt.deliver(w, a);
  }

  private flushUnsent(s: ShardState): void {
    const w = current!.rt.whereis(this.inst.names.writer);
    if (w === undefined) return;
    const q = s.unsent;
    s.unsent = [];
    for (const a of q) w.rt.deliver(w, a);
  }
}

/** Takes the settings the keyspace reads (maxmemory, its policy, the LFU parameters) after a CONFIG SET, or at start. */
export function syncSettings(s: ShardState): void {
  const inst = s.inst;
  const cfg = inst.config;
  s.configSeen = inst.configVersion;
  s.maxmemory = Number(cfg.get("maxmemory"));
  const ks = s.keyspace;
  ks.config.lfuLogFactor = cfg.get("lfu-log-factor");
  ks.config.lfuDecayTime = cfg.get("lfu-decay-time");
  ks.config.protoMaxBulkLen = Number(cfg.get("proto-max-bulk-len"));
  ks.setPolicy(cfg.get("maxmemory-policy"), Date.now());
}
