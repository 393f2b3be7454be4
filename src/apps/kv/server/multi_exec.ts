/**
 * Redis transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * After MULTI the connection queues each command (replying `QUEUED`, or an
 * error that dooms the transaction: unknown command, wrong arity, NOAUTH,
 * a command not allowed inside one). EXEC hands the queue to a short-lived
 * process linked to the connection, which locks every shard in index order
 * (as cross-shard MSETNX and RENAME do, see txn.ts), so nothing else runs
 * between its commands: it checks the watched keys, runs the commands one
 * by one on their shards, unlocks, and gives the connection the array of
 * replies, or a null array when a watched key changed. While `appendonly
 * yes` that reply travels through the persistence writer, released once
 * every write of the transaction is written (under `always`, synced).
 *
 * WATCH registers the keys with their shards (watch.ts) in the order of the
 * connection's other commands, so its own earlier writes do not count.
 *
 * Not as in Redis: HELLO, AUTH, CONFIG SET, BGREWRITEAOF and
 * the (UN)SUBSCRIBE commands are refused inside MULTI (they act on the connection or the server at
 * once, outside the shards); and if a shard crashes in the middle of EXEC
 * (a bug), the commands that ran stay applied and EXEC answers an error.
 */
import { streamUnit } from "../replication/primary.js";
import { performance } from "node:perf_hooks";
import { current } from "../../../runtime/current.js";
import { forClient } from "./tracking_reads.js";
import { spawnLink } from "../../../runtime/erlang.js";
import { type Proc } from "../../../runtime/process.js";
import { MultiState, type Queued, type Session } from "./session.js";
import { type CommandEntry } from "../commands/engine.js";
import { type ClientRow, type KvInstance } from "./instance.js";
import { aclDenial } from "./acl_check.js";
import { AsyncDone, Unwatch, Watch } from "./messages.js";
import { ErrorReply, NULL_ARRAY, OK, type Reply, SimpleString } from "../resp/reply.js";
import { shardOf } from "./router.js";
import { type ConnectionStep, record, runRouted } from "./routed.js";
import { called, rejected } from "./call_log.js";
import { OOM, outOfMemory, performEvictions } from "./eviction.js";
import { SCRIPT_RUNNERS, prepareScript, runScriptHeld } from "./script_run.js";
import type { ShardState } from "./shard.js";
import { Aborted, step, toWriter, unlockAll, whenWritten } from "./txn.js";

const QUEUED = new SimpleString("QUEUED");
const NESTED = new ErrorReply("ERR MULTI calls can not be nested");
const EXEC_WITHOUT = new ErrorReply("ERR EXEC without MULTI");
const DISCARD_WITHOUT = new ErrorReply("ERR DISCARD without MULTI");
const WATCH_INSIDE = new ErrorReply("ERR WATCH inside MULTI is not allowed");
const EXECABORT = new ErrorReply("EXECABORT Transaction discarded because of previous errors.");
/** execCommandAbort's reply to an EXEC refused for memory. */
const EXECABORT_OOM = new ErrorReply(`EXECABORT Transaction discarded because of: ${OOM.text}`);
/** Refused inside MULTI (also what EXEC answers for a refused connection command). */
export const NOT_ALLOWED = new ErrorReply("ERR Command not allowed inside a transaction");
const SHARD_DIED = new ErrorReply("ERR a shard restarted during EXEC; the commands before it were applied, the rest were not");

/** Commands that run at once even inside MULTI (Redis exempts these from queueing). */
export const RUN_IN_MULTI: ReadonlySet<string> = new Set(["multi", "exec", "discard", "watch", "quit", "reset"]);
/** Connection commands refused inside MULTI (see the file's comment). */
const REFUSED_IN_MULTI: ReadonlySet<string> = new Set([
  "hello", "auth", "bgrewriteaof", "config|set", "config|resetstat",
  "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "shutdown", "monitor", "client|reply",
]);

export type { ConnectionStep };

export function multiCommand(c: Session): Reply {
  if (c.tx !== null) return NESTED;
  c.tx = new MultiState();
  c.row.multi = 0;
  return OK;
}

/** A command arriving while MULTI is open (not one of {@link RUN_IN_MULTI}). */
export function queueCommand(c: Session, seq: number, cmd: CommandEntry, argv: readonly string[]): void {
  const tx = c.tx!;
  if (REFUSED_IN_MULTI.has(cmd.fullname) || REFUSED_IN_MULTI.has(cmd.name)) {
    tx.failed = true;
    return c.fill(seq, NOT_ALLOWED);
  }
  // Redis 7.0's processCommand: out of memory, every command but EXEC, DISCARD, QUIT and RESET
  // is refused inside MULTI (queueing takes memory too), and the transaction is doomed.
  if (outOfMemory(c.inst)) {
    tx.failed = true;
    rejected(c.inst, cmd, OOM);
    return c.fill(seq, OOM);
  }
  tx.queued.push({ cmd, argv });
  c.row.multi++;
  for (const a of argv) c.row.multiMem += a.length;
  c.fill(seq, QUEUED);
}

export function discardCommand(c: Session): Reply {
  if (c.tx === null) return DISCARD_WITHOUT;
  c.tx = null;
  c.row.multi = -1;
  c.row.multiMem = 0;
  unwatchEverywhere(c);
  return OK;
}

export function watchCommand(c: Session, argv: readonly string[]): Reply {
  if (c.tx !== null) return WATCH_INSIDE;
  const inst = c.inst;
  const byShard = new Map<number, string[]>();
  for (let i = 1; i < argv.length; i++) {
    const sh = shardOf(argv[i]!, inst.mask);
    let l = byShard.get(sh);
    if (l === undefined) byShard.set(sh, (l = []));
    l.push(argv[i]!);
  }
  for (const [i, keys] of byShard) {
    const p = c.self.rt.whereis(inst.names.shards[i]!);
    // A shard that is restarting would not get it: EXEC then aborts, as if the key had changed (never a false success).
    if (p === undefined || !p.alive) c.watchLost = true;
    else p.rt.deliver(p, new Watch(c.self, c.db, keys));
  }
  c.watching = true;
  return OK;
}

export function unwatchCommand(c: Session): Reply {
  unwatchEverywhere(c);
  return OK;
}

/** Tells every shard to forget what this connection watches (a no-op when it watches nothing). */
export function unwatchEverywhere(c: { inst: KvInstance; self: Proc; watching: boolean; watchLost: boolean }): void {
  if (!c.watching) return;
  c.watching = false;
  c.watchLost = false;
  // Also called from the connection's exit hook, where `current` may be whoever killed it.
  const rt = c.self.rt;
  for (const name of c.inst.names.shards) {
    const p = rt.whereis(name);
    if (p !== undefined && p.alive) p.rt.deliver(p, new Unwatch(c.self));
  }
}

/**
 * EXEC: the reply now (no MULTI, a doomed or a lost-watch transaction), or
 * undefined once the transaction process is started (its reply comes as
 * an AsyncDone; the connection holds back later commands meanwhile).
 */
export function execCommandOf(c: Session, seq: number, connStep: ConnectionStep): Reply | undefined {
  const tx = c.tx;
  if (tx === null) return EXEC_WITHOUT;
  c.tx = null;
  c.row.multi = -1;
  c.row.multiMem = 0;
  if (tx.failed) {
    unwatchEverywhere(c);
    // Redis checks memory before EXEC looks at the earlier errors.
    if (outOfMemory(c.inst) && tx.queued.some((q) => q.cmd.flags.includes("denyoom"))) return EXECABORT_OOM;
    return EXECABORT;
  }
  const watched = c.watching;
  if (c.watchLost) {
    unwatchEverywhere(c);
    return NULL_ARRAY;
  }
  c.watching = false;
  const inst = c.inst;
  const conn = c.self;
  const db = c.db;
  // A tracking client's reads in the transaction remember their keys (CLIENT CACHING before MULTI counts for all of them).
  let queued = tx.queued;
  const t = c.row.tracking;
  if (t !== null) {
    const specs = new Map<CommandEntry, CommandEntry>();
    queued = queued.map((q) => ({ cmd: forClient(inst, c.row, q.cmd, t.caching, specs), argv: q.argv }));
    t.caching = false;
  }
  c.sendBuilt();
  c.blocked = true;
  spawnLink(function* () {
    inst.tracking.actingFor.set(current!, conn);
    const out = yield* transaction(inst, conn, c.row, db, queued, watched, connStep);
    const done = new AsyncDone(seq, out.reply, out.db);
    if (!out.ran || !inst.logsWrites) return conn.rt.deliver(conn, done);
    // Released by the writer once everything the shards sent it before (this transaction's writes) is written.
    conn.rt.deliver(conn, yield* whenWritten(toWriter(inst, [], done), done, "the transaction"));
  });
  return undefined;
}

interface ExecOutcome {
  reply: Reply;
  db: number;
  /** Commands ran (the reply is their array). */
  ran: boolean;
}

function* transaction(
  inst: KvInstance,
  conn: Proc,
  row: ClientRow,
  db0: number,
  queued: readonly Queued[],
  watched: boolean,
  connStep: ConnectionStep,
): Generator<unknown, ExecOutcome, unknown> {
  const shards = inst.names.shards.map((_, i) => i);
  const forget = watched ? (s: ShardState) => s.keyspace.watches.unwatch(conn) : null;
  let unit = false;
  try {
    for (const i of shards) yield* step(inst, i, 0, null, "lock");
    // Redis' processCommand before EXEC: evict as needed; still out of memory, an EXEC that
    // would run a denyoom command is refused whole (before the WATCH check).
    if (Number(inst.config.get("maxmemory")) !== 0) {
      let oom = false;
      for (const i of shards) {
        if (!(yield* step(inst, i, 0, (s) => performEvictions(inst, s.keyspace, s.evictor, s.now, (d, argv) => s.propagateTo(d, argv)), null))) oom = true;
      }
      if (oom && queued.some((q) => q.cmd.flags.includes("denyoom"))) {
        yield* unlockAll(inst, shards, forget);
        return { reply: EXECABORT_OOM, db: db0, ran: false };
      }
    }
    if (watched) {
      let dirty = false;
      for (const i of shards) if (yield* step(inst, i, 0, (s) => s.keyspace.watches.dirty(conn), null)) dirty = true;
      if (dirty) {
        yield* unlockAll(inst, shards, forget);
        return { reply: NULL_ARRAY, db: db0, ran: false };
      }
    }
    let db = db0;
    const replies: Reply[] = [];
    // Its writes reach replicas as one unit (MULTI/EXEC when several).
    unit = streamUnit(inst, true);
    const who = inst.rowOf.get(conn);
    for (const q of queued) {
      // Each command counts as a call of its own (INFO commandstats, slow log, MONITOR), as in Redis' EXEC.
      const t0 = performance.now();
      let r: Reply;
      // The rules may have changed since the command was queued (ACL SETUSER meanwhile).
      const denied = row.user.free ? null : aclDenial(inst, row, q.cmd, q.argv, "exec");
      if (denied !== null) r = denied;
      else if (SCRIPT_RUNNERS.has(q.cmd.name)) {
        const prepared = prepareScript(inst, q.cmd, q.argv);
        if (prepared instanceof ErrorReply) r = prepared;
        else {
          const out = yield* runScriptHeld(inst, db, prepared, connStep, row, q.cmd);
          record(inst, out.records);
          r = out.reply;
        }
      } else if (q.cmd.route === "connection") {
        const [rep, next] = connStep(q.cmd, q.argv, db);
        r = rep;
        db = next;
      } else r = yield* runRouted(inst, db, q.cmd, q.argv, (i, fn) => step(inst, i, db, fn, null));
      called(inst, who, q.cmd, q.argv, db, (performance.now() - t0) * 1000, r);
      replies.push(r);
    }
    if (unit) streamUnit(inst, false);
    unit = false;
    yield* unlockAll(inst, shards, forget);
    return { reply: replies, db, ran: true };
  } catch (e) {
    if (!(e instanceof Aborted)) throw e;
    yield* unlockAll(inst, shards, forget);
    return { reply: SHARD_DIED, db: db0, ran: false };
  } finally {
    if (unit) streamUnit(inst, false);
  }
}
