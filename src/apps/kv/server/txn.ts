/**
 * Cross-shard commands: any command whose keys live in different shards
 * (RENAME, MSETNX, SMOVE, SINTERSTORE, ZUNIONSTORE, LMOVE, COPY, BITOP...)
 * runs with its ordinary `exec`, atomically. A short-lived process (linked
 * to the connection) locks every shard involved in shard-index order (two
 * transactions can never wait on each other: both take the lower shard
 * first), then:
 *
 * 1. gathers the command's keys from their shards (expired ones removed
 *    first, as any lookup does) into a scratch database;
 * 2. runs the command's `exec` on the scratch database, collecting what it
 *    propagates (the records for the append-only file);
 * 3. writes back every key the command changed to its own shard: new and
 *    changed values first, deletions last, so a shard that dies in between
 *    leaves a copy behind, never a loss (a RENAME's destination is written
 *    before its source is removed);
 * 4. unlocks, and hands the reply to the connection, which holds back its
 *    later commands meanwhile. While `appendonly yes` the reply travels
 *    through the persistence writer, released once the records are written
 *    (under `always`, synced); if the writer dies first, the reply is an
 *    error.
 *
 * Values are shared, not copied, between the shards and the scratch
 * database (one heap, every shard locked): a command that changes a value
 * in place changes it in its shard; the write-back then tells WATCH.
 */
import { Tuple } from "../../../term/tuple.js";
import { type Ref } from "../../../term/identifiers.js";
import { DOWN } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { demonitor, monitor, spawnLink } from "../../../runtime/erlang.js";
import { type Proc } from "../../../runtime/process.js";
import { receive } from "../../../runtime/receive.js";
import { _ } from "../../../runtime/pattern.js";
import type { Session } from "./session.js";
import { type CommandEntry, Context, execCommand } from "../commands/engine.js";
import { keysOf } from "../commands/command_def.js";
import { Db, Keyspace, type Value, lookupWrite } from "../commands/db.js";
import { type Int64 } from "../commands/numbers.js";
import { type KvInstance } from "./instance.js";
import { AsyncDone, ShardRun, ShardRunReply } from "./messages.js";
import { AofAppend, type AofRecord, Held } from "../aof/persistence.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { shardOf } from "./router.js";
import { type BlockOn } from "../commands/blocking.js";
import { newWaiter, register, unregister } from "./blocked.js";
import type { ShardState } from "./shard.js";
import { lazyExpireFor } from "../replication/replica_control.js";

const ABORTED = new ErrorReply("ERR a shard restarted during the cross-shard transaction; nothing was changed, retry");

/** The shards a command's keys live in, ascending; null when argv does not fit its key specs. */
export function shardsOf(inst: KvInstance, cmd: CommandEntry, argv: readonly string[]): number[] | null {
  // Keys no spec names (SORT ... BY pattern) may be anywhere: every shard.
  if (inst.shardCount > 1 && cmd.readsUnknownKeys?.(argv) === true) return Array.from({ length: inst.shardCount }, (_, i) => i);
  const keys = keysOf(cmd, argv);
  if (keys === null) return null;
  return [...new Set(keys.map((k) => shardOf(k, inst.mask)))].sort((a, b) => a - b);
}

/**
 * Starts the transaction for command `seq` when its keys span shards, and
 * returns true; false when one shard can run it alone (the caller sends it
 * there as usual).
 */
export function startTransaction(c: Session, seq: number, cmd: CommandEntry, argv: readonly string[], blocking: BlockingRun | null = null): boolean {
  const inst = c.inst;
  const shards = shardsOf(inst, cmd, argv);
  if (shards === null || shards.length < 2) return false;
  const conn = c.self;
  const db = c.db;
  spawnLink(function* () {
    inst.tracking.actingFor.set(current!, conn);
    const out = yield* transaction(inst, shards, db, cmd, argv, blocking !== null);
    if (out.blockedOn !== undefined) {
      // Nothing to serve: wait on every shard of the keys (still locked, so no write comes in between).
      const w = newWaiter(inst, conn, db, cmd, out.blockedOn, blocking!.order);
      try {
        for (const i of w.parts.keys()) yield* step(inst, i, db, (s) => register(s.keyspace, s.index, w), null);
      } catch (e) {
        if (!(e instanceof Aborted)) throw e;
        w.done = true;
        yield* unlockAll(inst, shards, (s) => unregister(s.keyspace, s.index, w));
        conn.rt.deliver(conn, new AsyncDone(seq, ABORTED));
        return;
      }
      yield* unlockAll(inst, shards);
      conn.rt.deliver(conn, new AsyncDone(seq, w as unknown as Reply));
      return;
    }
    const done = new AsyncDone(seq, out.reply);
    if (out.records.length > 0 && inst.logsWrites) {
      // The records go before the unlock (so later writes of these keys follow them); the reply once they are written.
      const mon = toWriter(inst, out.records, done);
      yield* unlockAll(inst, shards);
      conn.rt.deliver(conn, yield* whenWritten(mon, done, "the command"));
      return;
    }
    yield* unlockAll(inst, shards);
    conn.rt.deliver(conn, done);
  });
  return true;
}

/**
 * Sends the persistence writer `records` (maybe none) and `done` to release
 * to this process once they (and everything before) are written; the
 * writer's monitor, or null when no writer is registered.
 */
export function toWriter(inst: KvInstance, records: AofRecord[], done: AsyncDone): Ref | null {
  const self = current!;
  const w = self.rt.whereis(inst.names.writer);
  if (w === undefined) return null;
  const mon = monitor(w);
  w.rt.deliver(w, new AofAppend(-1, records, new Held(self, done)));
  return mon;
}

/** Waits for `done` back from the writer ({@link toWriter}); an error reply instead if the writer is missing or dies first. */
export function* whenWritten(mon: Ref | null, done: AsyncDone, what: string): Generator<unknown, AsyncDone, unknown> {
  const err = (why: string) => new AsyncDone(done.seq, new ErrorReply(`ERR persistence writer ${why}; ${what} ran but is not known to be written, it may or may not be applied`), done.db);
  if (mon === null) return err("unavailable");
  const m = yield* receive((r: unknown): r is AsyncDone => r === done, [DOWN, mon, _, _, _]);
  if (m instanceof Tuple) return err("restarted before the write was confirmed");
  demonitor(mon, { flush: true });
  return done;
}

/**
 * Runs `fn` on shard i's state, the shard being held by the caller: through
 * {@link step} (a message to the shard), or directly (a script holding
 * every shard runs its commands synchronously: server/routed.ts).
 */
export type OnShard = <T>(i: number, fn: (s: ShardState) => T) => Generator<unknown, T, unknown>;

/** A shard died during the transaction (thrown by {@link step}). */
export class Aborted {}

/** One step on shard `i`: runs `fn` there and gives its result; throws Aborted if the shard dies. */
export function* step<T>(inst: KvInstance, i: number, db: number, fn: ((s: ShardState) => T) | null, lock: "lock" | "unlock" | null): Generator<unknown, T, unknown> {
  const self = current!;
  const pid = self.rt.whereis(inst.names.shards[i]!);
  if (pid === undefined) throw new Aborted();
  const tag = ++tags;
  const mon: Ref = monitor(pid);
  const run = fn === null ? null : (v: unknown) => {
    const s = v as ShardState;
    s.dbIndex = db;
    s.db = s.keyspace.db(db);
    return fn(s);
  };
  (pid as Proc).rt.deliver(pid as Proc, new ShardRun(self, tag, run, lock));
  const m = yield* receive((r: unknown): r is ShardRunReply => r instanceof ShardRunReply && r.tag === tag, [DOWN, mon, _, _, _]);
  if (m instanceof Tuple) throw new Aborted();
  demonitor(mon, { flush: true });
  const r = m as ShardRunReply;
  if (r.error !== undefined) throw r.error;
  return r.value as T;
}
let tags = 0;

/** Unlocks every shard of `shards`, running `last` on each as it goes (null: nothing). */
export function* unlockAll(inst: KvInstance, shards: number[], last: ((s: ShardState) => void) | null = null): Generator<unknown, void, unknown> {
  // Each shard serves its blocked clients as it unlocks: the one whose key was ready first goes first, as Redis serves keys in order.
  const byReady = [...shards].sort((a, b) => inst.keyspaces[a]!.blocked.firstReady - inst.keyspaces[b]!.blocked.firstReady || a - b);
  for (const i of byReady) {
    try {
      yield* step(inst, i, 0, last, "unlock");
    } catch (e) {
      if (!(e instanceof Aborted)) throw e;
    }
  }
}

export interface Outcome {
  reply: Reply;
  /** What the command propagated: the append-only file's records of it. */
  records: AofRecord[];
  /** Set when a blocking command found nothing (only where `mayBlock`); the shards are still locked. */
  blockedOn?: BlockOn;
}

/** A blocking command run as a transaction: its place in line (-1: a new one; a woken waiter keeps its own). */
export interface BlockingRun {
  order: number;
}

function* transaction(inst: KvInstance, shards: number[], db: number, cmd: CommandEntry, argv: readonly string[], mayBlock: boolean): Generator<unknown, Outcome, unknown> {
  try {
    for (const i of shards) yield* step(inst, i, db, null, "lock");
    return yield* lockedCommand(inst, shards, db, cmd, argv, mayBlock);
  } catch (e) {
    if (!(e instanceof Aborted)) throw e;
    yield* unlockAll(inst, shards);
    return { reply: ABORTED, records: [] };
  }
}

/** A key as gathered from its shard's database `db`. */
interface Gathered {
  db: number;
  key: string;
  value: Value;
  expireAt: Int64 | undefined;
}

/** A scratch database that remembers which keys the command changed (Db.modified is the hook every change goes through). */
class ScratchDb extends Db {
  readonly changedKeys = new Set<string>();
  protected override changed(key: string): void {
    this.changedKeys.add(key);
    super.changed(key);
  }
}

/**
 * The keys of a scratch database that reads through, for a command that
 * reads keys its key specs cannot name (SORT's BY and GET patterns): a key
 * not gathered is taken from its shard's database when first looked at,
 * with its TTL. Every shard is locked by the transaction, so nothing moves
 * meanwhile (one heap: the values are read, not copied); only the keys the
 * specs name are written back.
 */
class ReadThroughKeys extends Map<string, Value> {
  private readonly looked = new Set<string>();
  constructor(
    private readonly owner: (key: string) => Db,
    private readonly ttls: () => Map<string, Int64>,
  ) {
    super();
  }
  private pull(key: string): void {
    if (this.looked.has(key)) return;
    this.looked.add(key);
    if (super.has(key)) return;
    const from = this.owner(key);
    // Shared with the scratch run, which may change it in place: a snapshot's value gets a copy first.
    from.keyspace.cow?.detach(from, key);
    const v = from.data.get(key);
    if (v === undefined) return;
    super.set(key, v);
    const at = from.expires.get(key);
    if (at !== undefined) this.ttls().set(key, at);
  }
  override get(key: string): Value | undefined {
    this.pull(key);
    return super.get(key);
  }
  override has(key: string): boolean {
    this.pull(key);
    return super.has(key);
  }
  override set(key: string, v: Value): this {
    this.looked.add(key);
    return super.set(key, v);
  }
  override delete(key: string): boolean {
    this.looked.add(key);
    return super.delete(key);
  }
}

/** A scratch keyspace of {@link ScratchDb}s (COPY ... DB n writes another database). */
class ScratchKeyspace extends Keyspace {
  override readonly dbs: readonly ScratchDb[];
  constructor(databases: number) {
    super(0);
    this.dbs = Array.from({ length: databases }, (_, i) => new ScratchDb(i, this.stats, this));
  }
  override db(index: number): ScratchDb {
    return this.dbs[index]!;
  }
}

/** Which database each key of the command lives in: `db`, but COPY's destination in its `DB n`. */
function keyDbs(cmd: CommandEntry, argv: readonly string[], db: number, keys: readonly string[], databases: number): number[] {
  const dbs = keys.map(() => db);
  if (cmd.name === "copy" && keys.length === 2) {
    for (let j = 3; j + 1 < argv.length; j++) {
      if (argv[j]!.toLowerCase() === "db" && /^(0|[1-9][0-9]{0,9})$/.test(argv[j + 1]!) && Number(argv[j + 1]) < databases) dbs[1] = Number(argv[j + 1]);
    }
  }
  return dbs;
}

/**
 * Runs `cmd` over `shards`, which the caller has locked (a transaction of
 * its own, or EXEC's): gather, exec on a scratch database, write back (see
 * the top of this file). The caller records `records` for the append-only
 * file.
 */
export function* lockedCommand(
  inst: KvInstance,
  shards: number[],
  db: number,
  cmd: CommandEntry,
  argv: readonly string[],
  mayBlock = false,
  on: OnShard = (i, fn) => step(inst, i, db, fn, null),
): Generator<unknown, Outcome, unknown> {
  const keys = keysOf(cmd, argv) ?? [];
  const databases = inst.keyspaces[0]!.dbs.length;
  const dbs = keyDbs(cmd, argv, db, keys, databases);
  const scratchKs = new ScratchKeyspace(databases);
  scratchKs.lazyExpire = lazyExpireFor(inst, current!);
  // The command's keyspace events go out from its run here; key changes (tracking) from the write-back.
  scratchKs.notifyFlags = inst.keyspaces[0]!.notifyFlags;
  scratchKs.events = inst.notifications;
  if (cmd.readsUnknownKeys?.(argv) === true) {
    const sd = scratchKs.db(db);
    sd.data = new ReadThroughKeys((k) => inst.keyspaces[shardOf(k, inst.mask)]!.db(db), () => sd.expires);
  }
  const byShard = new Map<number, { key: string; db: number }[]>();
  keys.forEach((key, k) => {
    const i = shardOf(key, inst.mask);
    let l = byShard.get(i);
    if (l === undefined) byShard.set(i, (l = []));
    l.push({ key, db: dbs[k]! });
  });
  // 1. gather
  const before = new Map<string, Gathered>();
  for (const [i, wanted] of byShard) {
    const got = yield* on(i, (s) => {
      const out: Gathered[] = [];
      for (const { key, db: d } of wanted) {
        s.db = s.keyspace.db(d);
        s.dbIndex = d;
        const value = lookupWrite(s, key);
        if (value !== undefined) out.push({ db: d, key, value, expireAt: s.db.getExpire(key) });
      }
      return out;
    });
    for (const g of got) {
      before.set(`${g.db}:${g.key}`, g);
      const sd = scratchKs.db(g.db);
      sd.data.set(g.key, g.value);
      if (g.expireAt !== undefined) sd.expires.set(g.key, g.expireAt);
    }
  }
  // 2. exec
  const records: AofRecord[] = [];
  const ctx = new Context(scratchKs.db(db), Date.now(), (a) => records.push({ db, argv: [...a] }), db);
  ctx.propagateTo = (d, a) => records.push({ db: d, argv: [...a] });
  ctx.mayBlock = mayBlock;
  const reply = execCommand(ctx, cmd, argv);
  if (ctx.blockedOn !== null) return { reply, records, blockedOn: ctx.blockedOn };
  // 3. write back: values first, deletions last
  const sets = new Map<number, Gathered[]>();
  const dels = new Map<number, { db: number; key: string }[]>();
  keys.forEach((key, k) => {
    const d = dbs[k]!;
    const sd = scratchKs.db(d);
    const was = before.get(`${d}:${key}`);
    const value = sd.data.get(key);
    const expireAt = sd.getExpire(key);
    if (!sd.changedKeys.has(key) && was?.value === value && was?.expireAt === expireAt) return;
    const i = shardOf(key, inst.mask);
    if (value !== undefined) {
      let l = sets.get(i);
      if (l === undefined) sets.set(i, (l = []));
      l.push({ db: d, key, value, expireAt });
    } else if (was !== undefined) {
      let l = dels.get(i);
      if (l === undefined) dels.set(i, (l = []));
      l.push({ db: d, key });
    }
  });
  const stats = scratchKs.stats;
  for (const [i, l] of sets) {
    yield* on(i, (s) => {
      for (const g of l) {
        const target = s.keyspace.db(g.db);
        target.setKey(g.key, g.value, false, false);
        if (g.expireAt !== undefined) target.setExpire(g.key, g.expireAt);
      }
    });
  }
  for (const [i, l] of dels) {
    yield* on(i, (s) => {
      for (const { db: d, key } of l) s.keyspace.db(d).deleteKey(key);
    });
  }
  // The command's hits and misses count in the first shard's figures (INFO sums them).
  yield* on(shards[0]!, (s) => {
    const t = s.keyspace.stats;
    t.keyspaceHits += stats.keyspaceHits;
    t.keyspaceMisses += stats.keyspaceMisses;
    t.expiredKeys += stats.expiredKeys;
  });
  return { reply, records };
}
