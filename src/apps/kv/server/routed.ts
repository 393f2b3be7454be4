/**
 * One data command run while its caller holds every shard (EXEC's
 * transaction, a script): routed as the connection routes it outside
 * (one shard, split over shards and merged, every shard, or a cross-shard
 * transaction), each part run through `on` — a message to the shard
 * (EXEC), or a direct call (a script's redis.call, which must answer
 * synchronously: see {@link direct} and {@link runSync}).
 */
import { current } from "../../../runtime/current.js";
import { type CommandEntry, execCommand, mergeAll, mergeSplit, scanReply, scanRoute } from "../commands/engine.js";
import { type KvInstance } from "./instance.js";
import { AofAppend, type AofRecord } from "../aof/persistence.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { planMulti, shardOf } from "./router.js";
import type { ShardState } from "./shard.js";
import { type OnShard, lockedCommand, shardsOf } from "./txn.js";

/**
 * What a connection command does inside EXEC or a script: its reply and
 * the database from then on (SELECT changes it). Given by the connection
 * (conn_commands.ts).
 */
export type ConnectionStep = (cmd: CommandEntry, argv: readonly string[], db: number) => [Reply, number];

/** A data command (not `connection`), routed over the held shards. */
export function* runRouted(
  inst: KvInstance,
  db: number,
  cmd: CommandEntry,
  argv: readonly string[],
  on: OnShard,
  /** Where a cross-shard command's records go (EXEC: to the writer at once, as its steps' own; a script: into its transaction). */
  sink: (records: AofRecord[]) => void = (r) => record(inst, r),
): Generator<unknown, Reply, unknown> {
  const mask = inst.mask;
  const run = (i: number, args: readonly string[]) => on(i, (s) => safeExec(s, cmd, args));
  if (cmd.route === "key") return yield* run(shardOf(argv[cmd.firstKey]!, mask), argv);
  if (cmd.route === "all") {
    const n = inst.shardCount;
    if (cmd.name === "scan") {
      const r = scanRoute(argv, n);
      if (r instanceof ErrorReply) return r;
      return scanReply(yield* run(r.shard, r.argv), r.shard, n);
    }
    const replies: Reply[] = [];
    for (let i = 0; i < n; i++) replies.push(yield* run(i, argv));
    // Every shard has flushed: tracking clients drop their caches (as the connection does for its own FLUSHALL).
    if (cmd.name === "flushall" || cmd.name === "flushdb") inst.tracking.flushed();
    return n === 1 ? replies[0]! : mergeAll(cmd.name, replies);
  }
  // route "multi": as the connection plans it
  const plan = planMulti(cmd, argv, mask);
  if (typeof plan === "number") return yield* run(plan, argv);
  if (plan === null) {
    const shards = shardsOf(inst, cmd, argv);
    if (shards === null || shards.length < 2) return yield* run(shardOf(argv[cmd.firstKey]!, mask), argv);
    const out = yield* lockedCommand(inst, shards, db, cmd, argv, false, on);
    if (out.records.length > 0) sink(out.records);
    return out.reply;
  }
  const replies: Reply[] = [];
  for (const p of plan) replies.push(yield* run(p.shard, p.argv));
  return mergeSplit(cmd, plan, replies);
}

export function safeExec(s: ShardState, cmd: CommandEntry, argv: readonly string[]): Reply {
  try {
    return execCommand(s, cmd, argv);
  } catch (e) {
    current!.rt.logger({ level: "error", what: "kv_command_crash", text: `shard ${s.index}: '${argv[0]}' threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` });
    return new ErrorReply(`ERR internal error running '${argv[0]}'`);
  }
}

/** A cross-shard command's records for the append-only file (what its exec propagated; its steps write nothing of their own). */
export function record(inst: KvInstance, records: AofRecord[]): void {
  if (!inst.logsWrites || records.length === 0) return;
  const w = current!.rt.whereis(inst.names.writer);
  if (w !== undefined) w.rt.deliver(w, new AofAppend(-1, records, null));
}

/**
 * Runs on the held shards' states directly (no message: the shards are
 * held by the caller, so nothing else touches them meanwhile), in database
 * `db()`, at time `now`, their writes recorded into `records` (null:
 * persistence off). Every generator it makes returns without yielding.
 */
export function direct(states: readonly ShardState[], db: () => number, now: number, records: AofRecord[] | null): OnShard {
  return function* <T>(i: number, fn: (s: ShardState) => T): Generator<unknown, T, unknown> {
    return fn(directState(states[i]!, db(), now, records));
  };
}

/** A held shard's state made ready for a direct run in database `db` ({@link direct}). */
export function directState(s: ShardState, db: number, now: number, records: AofRecord[] | null): ShardState {
  s.dbIndex = db;
  s.db = s.keyspace.db(db);
  s.now = now;
  s.records = records;
  s.mayBlock = false;
  s.blockedOn = null;
  // Whose change it is, for client-side caching's NOLOOP: the running process (a script's, or the connection running it).
  s.inst.shardEvents[s.index]!.by = current!;
  return s;
}

/** The value of a generator that never yields (one driven by {@link direct}). */
export function runSync<T>(g: Generator<unknown, T, unknown>): T {
  const r = g.next();
  if (r.done !== true) throw new Error("runSync: the generator yielded");
  return r.value;
}
