/**
 * The messages between the server's processes. Plain classes rather than
 * tagged tuples: they never leave the node (the Erlang-facing `kv` server
 * speaks terms), and an `instanceof` test on the hot path costs less than
 * matching a tuple. Every message is immutable once sent.
 *
 * The hot path is two messages per batch: a connection sends one
 * {@link Batch} per shard per chunk of input, the shard answers with one
 * {@link BatchReply}. While `appendonly yes`, a batch that wrote (under
 * `appendfsync always`, any batch) has its BatchReply delivered by the
 * persistence writer once the writes are with the kernel (under `always`,
 * on disk); the shard marks the Batch `held` instead of sending a message.
 */
import { type Proc } from "../../../runtime/process.js";
import { type CommandSpec } from "../commands/command.js";
import { type Reply } from "../resp/reply.js";
import type { RespWriter } from "../resp/resp_writer.js";

/** What a shard needs of a client's socket to write a delegated batch's replies itself (direct_out.ts's DirectOut). */
export interface DirectWriter {
  write(replies: readonly Reply[], writer: RespWriter): void;
}

/**
 * A batch's commands as their client sent them: command i's bytes are
 * `buf[at[2i], at[2i + 1])`, or (-1) not known to be in the form the RESP
 * writer would give them. The primary forwards such a write to its
 * replicas as it came, rather than encoding its argv again.
 */
export class RawCommands {
  constructor(
    readonly buf: Buffer,
    readonly at: number[],
  ) {}
}

/** Commands for one shard, all on one database, answered in one {@link BatchReply}. */
export class Batch {
  constructor(
    /** Who gets the reply (a connection, the `kv` server, a transaction). */
    readonly from: Proc,
    /** The sender's number for this batch (unique per sender and shard). */
    readonly tag: number,
    readonly db: number,
    readonly cmds: readonly (readonly string[])[],
    readonly specs: readonly CommandSpec[],
    /** Set when the shard writes the replies to the client itself (direct_out.ts) instead of answering. */
    readonly direct: DirectWriter | null = null,
    /** The commands' own bytes, for a primary's replicas (see RawCommands); null when the first command had none. */
    readonly raw: RawCommands | null = null,
  ) {}
  /**
   * Set by the shard that ran the batch when its reply went to the
   * persistence writer to be released once written: the sender must not
   * send it again if the shard restarts, and answers it with an error if
   * the writer dies. Shared, as `counters` are in Erlang: one writer (the
   * shard), read by the sender; a flag costs less than a message per batch.
   */
  held = false;
}

/** A shard's answer to a {@link Batch}: one reply per command, in order. */
export class BatchReply {
  constructor(
    readonly shard: number,
    readonly tag: number,
    readonly replies: readonly Reply[],
  ) {}
}

/** What a {@link ShardRun} function sees: the shard's data and how to record writes. */
export interface ShardView {
  readonly index: number;
  /** The shard's keyspace (the engine's `Keyspace`). */
  readonly keyspace: unknown;
  /** Unix ms for this step. */
  readonly now: number;
  /** Records a write of database `db` for the append-only file. */
  propagateTo(db: number, argv: readonly string[]): void;
}

/**
 * Runs `fn` inside the shard, on its data, and answers {@link ShardRunReply}:
 * the steps of cross-shard transactions, INFO's counters, the persistence
 * writer's rewrite. `lock: "lock"` makes the shard serve only `from` until a
 * run with `lock: "unlock"` (or `from`'s death); other messages wait, in order.
 */
/** To a shard: serve the blocked clients whose keys a direct run (a script's, script_run.ts) made ready. */
export class ServeReady {}

export class ShardRun {
  constructor(
    readonly from: Proc,
    readonly tag: number,
    readonly fn: ((view: ShardView) => unknown) | null,
    readonly lock: "lock" | "unlock" | null = null,
  ) {}
}

export class ShardRunReply {
  constructor(
    readonly shard: number,
    readonly tag: number,
    readonly value: unknown,
    /** Set when `fn` threw: the error, and `value` is undefined. */
    readonly error: unknown = undefined,
  ) {}
}

/** The expiry process's tick: run an active expiry cycle on every database. */
export class ExpireTick {
  private constructor() {}
  static readonly instance = new ExpireTick();
}
export const EXPIRE_TICK = ExpireTick.instance;

/** Holder → whoever asked with {@link AwaitShard}: shard `index` runs as `pid`. */
export class ShardUp {
  constructor(
    readonly index: number,
    readonly pid: Proc,
  ) {}
}

/** To the holder: send me {@link ShardUp} once shard `index` has a live owner. */
export class AwaitShard {
  constructor(
    readonly index: number,
    readonly from: Proc,
  ) {}
}

/** A helper process (transaction, async command) → its connection: the reply of command `seq`. */
export class AsyncDone {
  constructor(
    readonly seq: number,
    readonly reply: Reply,
    /** The database the connection is in from now on (an EXEC whose commands included SELECT). */
    readonly db?: number,
  ) {}
}

/** Connection → shard: `client` WATCHes these keys of database `db` (they are this shard's). */
export class Watch {
  constructor(
    readonly client: Proc,
    readonly db: number,
    readonly keys: readonly string[],
  ) {}
}

/** Connection → shard: `client` no longer watches anything (UNWATCH, DISCARD, EXEC aborted, disconnect). */
export class Unwatch {
  constructor(readonly client: Proc) {}
}

/** CLIENT KILL, idle timeout: close this client (sent to its connection process). */
export class KillClient {
  constructor(
    readonly why: string,
    /** The output buffer limit, found by a shard writing for the client (counted and logged by the connection). */
    readonly outputLimit = false,
  ) {}
}

/** To oneself: monitor the persistence writer again (it was restarting when its DOWN came). */
export class WatchWriter {
  private constructor() {}
  static readonly instance = new WatchWriter();
}
export const WATCH_WRITER = WatchWriter.instance;

/** To oneself: look for shard `index` again (no holder was there to ask). */
export class RetryShard {
  constructor(readonly index: number) {}
}

/** Replica link → its master client (a connection): commands of the primary's stream, run as if read from its socket. */
export class ReplCommands {
  constructor(readonly cmds: readonly string[][]) {}
}

/**
 * Replica link → its master client: once every command sent before this is
 * answered (applied, and with `appendonly yes` written), send `from`
 * {@link ReplApplied} with `offset`.
 */
export class ReplBarrier {
  constructor(
    readonly from: Proc,
    readonly offset: number,
  ) {}
}

export class ReplApplied {
  constructor(readonly offset: number) {}
}
