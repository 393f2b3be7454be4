/**
 * Cross-shard transactions: MSETNX, RENAME and RENAMENX whose keys live in
 * different shards. A short-lived process (linked to the connection) locks
 * every shard involved in shard-index order (two transactions can never
 * wait on each other: both take the lower shard first), runs the steps with
 * the engine's `take` / `put` / `existsAny` primitives, records the
 * original command for the append-only file once, unlocks, and hands the
 * reply to the connection, which holds back its later commands meanwhile.
 * While `appendonly yes` the reply travels through the persistence writer,
 * released once the record is written (under `always`, synced); if the
 * writer dies first, the reply is an error.
 *
 * A shard that dies during the transaction aborts it with an error; the
 * steps are ordered so that nothing is lost: a RENAME copies the value to
 * the destination before deleting the source.
 */
import { Tuple } from "../../../term/tuple.js";
import { type Ref } from "../../../term/identifiers.js";
import { DOWN } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { demonitor, monitor, spawnLink } from "../../../runtime/erlang.js";
import { type Proc } from "../../../runtime/process.js";
import { receive } from "../../../runtime/receive.js";
import { _ } from "../../../runtime/pattern.js";
import { type CommandSpec } from "../commands/command.js";
import type { Session } from "./session.js";
import { type Taken, existsAny, put, take } from "../commands/engine.js";
import { type KvInstance } from "./instance.js";
import { AsyncDone, ShardRun, ShardRunReply } from "./messages.js";
import { AofAppend, type AofRecord, Held } from "../aof/persistence.js";
import { ErrorReply, OK, type Reply } from "../resp/reply.js";
import { hashKey } from "./router.js";
import { NO_SUCH_KEY } from "../commands/shared.js";
import type { ShardState } from "./shard.js";

const ABORTED = new ErrorReply("ERR a shard restarted during the cross-shard transaction; nothing was changed, retry");

/** The shards a transaction command touches, ascending; null when the command cannot be split (wrong arity). */
export function shardsOf(inst: KvInstance, spec: CommandSpec, argv: readonly string[]): number[] | null {
  const keys: string[] = [];
  if (spec.name === "msetnx") {
    if ((argv.length - 1) % 2 !== 0) return null;
    for (let i = 1; i < argv.length; i += 2) keys.push(argv[i]!);
  } else keys.push(argv[1]!, argv[2]!);
  const set = new Set(keys.map((k) => hashKey(k) & inst.mask));
  return [...set].sort((a, b) => a - b);
}

/**
 * Starts the transaction for command `seq` when its keys span shards, and
 * returns true; false when one shard can run it alone (the caller sends it
 * there as usual).
 */
export function startTransaction(c: Session, seq: number, spec: CommandSpec, argv: readonly string[]): boolean {
  const inst = c.inst;
  const shards = shardsOf(inst, spec, argv);
  if (shards === null || shards.length < 2) return false;
  const conn = c.self;
  const db = c.db;
  spawnLink(function* () {
    const reply = yield* transaction(inst, shards, db, spec.name, argv);
    const done = new AsyncDone(seq, reply.reply);
    if (reply.record && inst.config.get("appendonly")) {
      // The record goes before the unlock (so later writes of these keys follow it); the reply once it is written.
      const mon = toWriter(inst, [{ db, argv }], done);
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
  for (const i of shards) {
    try {
      yield* step(inst, i, 0, last, "unlock");
    } catch (e) {
      if (!(e instanceof Aborted)) throw e;
    }
  }
}

export interface Outcome {
  reply: Reply;
  /** The command changed data: record it for the append-only file. */
  record: boolean;
}

function* transaction(inst: KvInstance, shards: number[], db: number, name: string, argv: readonly string[]): Generator<unknown, Outcome, unknown> {
  try {
    for (const i of shards) yield* step(inst, i, db, null, "lock");
    return yield* lockedCommand(inst, shards, db, name, argv);
  } catch (e) {
    if (!(e instanceof Aborted)) throw e;
    yield* unlockAll(inst, shards);
    return { reply: ABORTED, record: false };
  }
}

/**
 * MSETNX, RENAME or RENAMENX over `shards`, which the caller has locked
 * (a transaction of its own, or EXEC's). The caller records the command
 * for the append-only file when the outcome says so.
 */
export function* lockedCommand(inst: KvInstance, shards: number[], db: number, name: string, argv: readonly string[]): Generator<unknown, Outcome, unknown> {
  if (name === "msetnx") return yield* msetnx(inst, shards, db, argv);
  return yield* rename(inst, db, argv, name === "renamenx");
}

function* msetnx(inst: KvInstance, shards: number[], db: number, argv: readonly string[]): Generator<unknown, Outcome, unknown> {
  const byShard = new Map<number, [string, string][]>();
  for (let i = 1; i < argv.length; i += 2) {
    const sh = hashKey(argv[i]!) & inst.mask;
    let l = byShard.get(sh);
    if (l === undefined) byShard.set(sh, (l = []));
    l.push([argv[i]!, argv[i + 1]!]);
  }
  for (const i of shards) {
    const keys = byShard.get(i)!.map(([k]) => k);
    if (yield* step(inst, i, db, (s) => existsAny(s, keys), null)) return { reply: 0, record: false };
  }
  for (const i of shards) {
    const pairs = byShard.get(i)!;
    yield* step(inst, i, db, (s) => {
      for (const [k, v] of pairs) put(s, k, v);
    }, null);
  }
  return { reply: 1, record: true };
}

function* rename(inst: KvInstance, db: number, argv: readonly string[], nx: boolean): Generator<unknown, Outcome, unknown> {
  const [, src, dst] = argv as [string, string, string];
  const from = hashKey(src) & inst.mask;
  const to = hashKey(dst) & inst.mask;
  // Read the source without removing it yet: take and put back in one step.
  const got = yield* step(inst, from, db, (s): Taken | undefined => {
    const t = take(s, src);
    if (t !== undefined) put(s, src, t.value, t.expireAt);
    return t;
  }, null);
  if (got === undefined) return { reply: NO_SUCH_KEY, record: false };
  if (nx && (yield* step(inst, to, db, (s) => existsAny(s, [dst]), null))) return { reply: 0, record: false };
  yield* step(inst, to, db, (s) => put(s, dst, got.value, got.expireAt), null);
  yield* step(inst, from, db, (s) => {
    take(s, src);
  }, null);
  return { reply: nx ? 1 : OK, record: true };
}
