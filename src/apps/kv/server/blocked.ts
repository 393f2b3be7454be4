/**
 * Blocking commands on the server side (Redis' blocked.c): BLPOP, BLMOVE,
 * BZPOPMIN, BLMPOP, XREAD BLOCK... A command that finds nothing calls
 * `block` (commands/blocking.ts); the shard (or, when the keys span shards,
 * the cross-shard transaction) then registers a {@link Waiter} with every
 * shard that owns one of its keys, in the keyspace's table
 * (commands/blocked_keys.ts), and the connection waits, holding back the
 * client's later commands as Redis does.
 *
 * A write to a waited-on key marks it ready; after each command (after
 * EXEC, after a transaction unlocks) the shard serves the key's waiters in
 * the order they blocked: it runs each one's command again, narrowed to the
 * ready key (`Def.serveOn`), and a reply serves the waiter (its pop is
 * recorded for the append-only file after the write that made the key
 * ready). A waiter is served once: `done` is claimed (set) by whoever ends
 * the wait first — a shard serving it, the connection's timeout, CLIENT
 * UNBLOCK, the connection's exit — and the others skip it. One heap, one
 * thread: the claim is a plain field, as a `counters` cell would be.
 *
 * A command whose narrowed form still spans shards (BLMOVE to a list of
 * another shard) cannot run in one: the shard claims the waiter and wakes
 * the connection, which runs it again as a cross-shard transaction at its
 * old place in line.
 */
import { type Proc } from "../../../runtime/process.js";
import { type BlockOn } from "../commands/blocking.js";
import { type Blocked } from "../commands/blocked_keys.js";
import { keysOf } from "../commands/command_def.js";
import { type CommandEntry, execCommand } from "../commands/engine.js";
import { type Db, type Keyspace } from "../commands/db.js";
import { valueType } from "../commands/value_types.js";
import { type ExecContext } from "../commands/command.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { type KvInstance } from "./instance.js";
import { type FailableReply } from "../aof/persistence.js";
import { shardOf } from "./router.js";

/** What serving needs of a shard (its state, shard.ts). */
export interface ServingShard extends ExecContext {
  readonly inst: KvInstance;
  readonly index: number;
  readonly keyspace: Keyspace;
  db: Db;
  dbIndex: number;
}

/** The TYPE of value each group's blocking commands wait for. */
const WAITS_FOR: Record<string, string> = { list: "list", "sorted-set": "zset", stream: "stream" };

/** One client waiting in one blocking command. */
export class Waiter implements Blocked {
  done = false;
  /** The reply, set by the shard that served it (then {@link Served} is on its way). */
  result: Reply | undefined = undefined;
  /** The connection's reply slot, once the connection knows of the wait. */
  seq = -1;
  /** Claimed by a shard to run again across shards ({@link Wake}). */
  woken = false;
  constructor(
    readonly order: number,
    readonly conn: Proc,
    readonly db: number,
    readonly cmd: CommandEntry,
    readonly on: BlockOn,
    /** Shard index → the waited-on keys it owns. */
    readonly parts: ReadonlyMap<number, readonly string[]>,
  ) {}
}

/** Shard → connection: the waiter is served, its reply in `result`. */
export class Served implements FailableReply {
  constructor(readonly w: Waiter) {}
  /** The persistence writer died before the pop was written: the client is told so, as any held reply is. */
  failWith(err: ErrorReply): Served {
    this.w.result = err;
    return this;
  }
}

/** Shard → connection: a key is ready, run the command again across shards (claimed: no longer waiting). */
export class Wake {
  constructor(readonly w: Waiter) {}
}

/** Connection → shard: forget this waiter (timed out, unblocked, gone). */
export class Unblock {
  constructor(readonly w: Waiter) {}
}

/** CLIENT UNBLOCK → the waiting connection: the wait is over (claimed), answer `reply`. */
export class Unblocked {
  constructor(
    readonly w: Waiter,
    readonly reply: Reply,
  ) {}
}

/** The reply CLIENT UNBLOCK ... ERROR gives the unblocked client. */
export const UNBLOCKED_ERROR = new ErrorReply("UNBLOCKED client unblocked via CLIENT UNBLOCK");

/** A waiter for `on` (order: a re-run keeps its place; else the next one), its keys split by shard. */
export function newWaiter(inst: KvInstance, conn: Proc, db: number, cmd: CommandEntry, on: BlockOn, order = -1): Waiter {
  const parts = new Map<number, string[]>();
  for (const key of on.keys) {
    const i = shardOf(key, inst.mask);
    const l = parts.get(i);
    if (l === undefined) parts.set(i, [key]);
    else l.push(key);
  }
  return new Waiter(order >= 0 ? order : inst.blockOrder++, conn, db, cmd, on, parts);
}

/** Registers `w` with shard `index`'s keyspace (its keys there). */
export function register(ks: Keyspace, index: number, w: Waiter): void {
  const keys = w.parts.get(index);
  if (keys !== undefined) ks.blocked.add(w.db, keys, w);
}

/** Forgets `w` in shard `index`'s keyspace. */
export function unregister(ks: Keyspace, index: number, w: Waiter): void {
  const keys = w.parts.get(index);
  if (keys !== undefined) ks.blocked.remove(w.db, keys, w);
}

/**
 * Serves the ready keys of shard `s` (see the top of the file); `out` gets
 * what to tell each connection served or woken, which the shard sends after
 * the records of the writes that served them.
 */
export function serveReady(s: ServingShard, out: (Served | Wake)[]): void {
  const blocked = s.keyspace.blocked;
  const savedDb = s.db;
  const savedIndex = s.dbIndex;
  for (let r = blocked.nextReady(); r !== null; r = blocked.nextReady()) {
    const q = blocked.waiters(r.db, r.key);
    if (q === undefined) continue;
    const db = s.keyspace.db(r.db);
    for (let i = 0; i < q.length; ) {
      const w = q[i] as Waiter;
      if (w.done || !w.conn.alive) {
        w.done = true;
        blocked.dropAt(r.db, r.key, q, i);
        continue;
      }
      // Redis serves a key's waiters of its type only: a list made a string leaves BLPOP waiting (XREADGROUP is told).
      const v = db.data.get(r.key);
      if ((v === undefined || valueType(v).name !== WAITS_FOR[w.cmd.group]) && w.cmd.servedWhenGone !== true) {
        i++;
        continue;
      }
      const argv = w.cmd.serveOn!(w.on.argv, r.key);
      if (!inOneShard(s, w.cmd, argv)) {
        w.done = true;
        w.woken = true;
        blocked.dropAt(r.db, r.key, q, i);
        out.push(new Wake(w));
        continue;
      }
      s.db = db;
      s.dbIndex = r.db;
      s.mayBlock = true;
      s.serving = true;
      s.blockedOn = null;
      let reply: Reply;
      try {
        reply = execCommand(s, w.cmd, argv);
      } finally {
        s.mayBlock = false;
        s.serving = false;
      }
      if (s.blockedOn !== null) {
        // Nothing for this one yet (a stream entry it has seen): it keeps its place.
        s.blockedOn = null;
        i++;
        continue;
      }
      w.done = true;
      w.result = reply;
      blocked.dropAt(r.db, r.key, q, i);
      out.push(new Served(w));
    }
  }
  s.db = savedDb;
  s.dbIndex = savedIndex;
}

/** Whether every key `argv` names lives in shard `s`. */
function inOneShard(s: ServingShard, cmd: CommandEntry, argv: readonly string[]): boolean {
  const mask = s.inst.mask;
  if (mask === 0) return true;
  const keys = keysOf(cmd, argv);
  if (keys === null) return true;
  for (const k of keys) if (shardOf(k, mask) !== s.index) return false;
  return true;
}
