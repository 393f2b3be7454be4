/**
 * The contract between the command table (what each Redis command does to
 * the data) and the server (which process runs it). A shard runs a command
 * whose keys it owns with `exec`; the connection runs connection-level
 * commands itself and splits multi-key commands over shards by `route`.
 */
import { type Db, type KeyContext } from "./db.js";
import { type Reply } from "../resp/reply.js";
import { type BlockingContext } from "./blocking.js";

/**
 * Where a command runs:
 * - `key`: every key it names lives in one shard, which runs `exec`
 *   (when its keys hash to several shards, the server splits it: see `multi`);
 * - `multi`: keys may span shards; the server splits them by key and merges
 *   the shard replies (MGET, MSET, DEL, EXISTS, UNLINK, TOUCH), or runs them
 *   as a cross-shard transaction (MSETNX, RENAME, RENAMENX);
 * - `all`: no key; every shard runs `exec` on its part and the server merges
 *   (DBSIZE, KEYS, SCAN, RANDOMKEY, FLUSHDB, FLUSHALL);
 * - `connection`: the connection answers (PING, ECHO, SELECT, HELLO, AUTH,
 *   CLIENT, CONFIG, INFO, COMMAND, TIME, QUIT, BGREWRITEAOF).
 */
export type Route = "key" | "multi" | "all" | "connection";

export interface CommandSpec {
  /** Lower-case name (`get`, `client`). */
  readonly name: string;
  /** Redis' arity: N = exactly N words with the name, -N = at least N. */
  readonly arity: number;
  /** Redis' command flags as COMMAND INFO prints them (`write`, `readonly`, `fast`, `denyoom`, ...). */
  readonly flags: readonly string[];
  /** Legacy key spec: first key index, last (-1 = the last word), step; 0, 0, 0 for none. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly route: Route;
  /** Runs on one shard's data (absent for `connection` commands). */
  readonly exec?: (ctx: ExecContext, argv: readonly string[]) => Reply;
  /** Where its keys are when the key specs cannot say (SORT's STORE). */
  readonly getKeys?: (argv: readonly string[]) => { pos: number; flags: readonly string[] }[];
  /** Whether this command line reads keys its key specs cannot name (SORT's BY/GET patterns): it then runs with every shard held. */
  readonly readsUnknownKeys?: (argv: readonly string[]) => boolean;
  /** A blocking command: the command to run again when `key` is ready (blocking.ts). */
  readonly serveOn?: (argv: readonly string[], key: string) => string[];
  /** Whether this line may block (absent: always, for a command with `serveOn`). */
  readonly blocks?: (argv: readonly string[]) => boolean;
  /** Run again when its key is deleted or changes type (XREADGROUP reports it). */
  readonly servedWhenGone?: true;
}

/** What `exec` sees besides its arguments. */
export interface ExecContext extends KeyContext, BlockingContext {
  /** The selected database of this shard (SELECT index). */
  readonly db: Db;
  /** Index of that database, 0-15. */
  readonly dbIndex: number;
  /** Unix time in ms for this command (one reading per batch is fine). */
  readonly now: number;
  /**
   * Records what the command changed, as the commands that replay it
   * (relative expiries made absolute, INCRBYFLOAT as SET, ...), for the
   * append-only file. Not called by reads or by writes that changed nothing.
   */
  propagate(argv: readonly string[]): void;
  /** {@link propagate} for a write of another database of this shard (MOVE, COPY ... DB, a lazy expiry there). */
  propagateTo(db: number, argv: readonly string[]): void;
}

/**
 * One database of one shard, defined by the data model (db.ts): the server
 * needs only `size`; the command table uses the rest.
 */
export type { Db } from "./db.js";
