/**
 * The engine's face to the server: find and check a command the way
 * redis-server's processCommand does (unknown command, unknown subcommand,
 * arity, with Redis' texts), run it on one shard's database, and the pieces
 * the server needs around that: merging the replies of commands split over
 * shards, SCAN's cross-shard cursor, the primitives of cross-shard
 * transactions (MSETNX, RENAME), and the AOF rewrite of a database.
 *
 * @example
 * const ks = new Keyspace();
 * const ctx = new Context(ks.db(0), Date.now());
 * const spec = checkCommand(["SET", "k", "v"]);
 * if (!(spec instanceof ErrorReply)) execCommand(ctx, spec, ["SET", "k", "v"]); // OK
 */
import { type BlockOn } from "./blocking.js";
import { MCFLAGS } from "../aof/aof_format.js";
import { type ExecContext } from "./command.js";
import { commandCommand } from "./command_info.js";
import { CMD, type CommandEntry, lookupTop } from "./command_table.js";
import { keysOf } from "./command_def.js";
import { type CowGuard, type Db, KeyspaceFull, type Value } from "./db.js";
import { parseCursor } from "./db_commands.js";
import { valueType } from "./value_types.js";
import { type Int64, int64String } from "./numbers.js";
import { ErrorReply, OK, type Reply } from "../resp/reply.js";
import { INVALID_CURSOR, TOO_MANY_KEYS, arityError, cstr } from "./shared.js";

export { commandCommand };
export { COMMANDS, type CommandEntry, lookupByFullname } from "./command_table.js";

/**
 * An ExecContext the shard reuses for a whole batch: set `db`, `dbIndex`
 * and `now` as they change; `propagate` is a no-op unless given.
 */
export class Context implements ExecContext {
  mayBlock = false;
  blockedOn: BlockOn | null = null;
  constructor(
    public db: Db,
    public now: number,
    public propagate: (argv: readonly string[]) => void = () => {},
    public dbIndex = db.index,
  ) {}

  /** Given to `propagate` as it is: a Context's log has no databases. */
  propagateTo(_db: number, argv: readonly string[]): void {
    this.propagate(argv);
  }
}

/**
 * lookupCommandLogic: the command argv names: a container command (CONFIG,
 * CLIENT, COMMAND) with arguments resolves to its subcommand.
 */
export function lookupCommand(argv: readonly string[]): CommandEntry | undefined {
  const base = lookupTop(argv[0]!);
  if (base === undefined || argv.length === 1 || base.subcommands === null) return base;
  return base.subcommands.get(argv[1]!.toLowerCase());
}

/** sdscatprintf's `%.Ns` of a latin1 string: at most n bytes, stopping at a NUL. */
function cut(s: string, n: number): string {
  const c = cstr(s);
  return c.length > n ? c.slice(0, n) : c;
}

/**
 * The command to run for argv, or the error redis-server answers before
 * running anything: `ERR unknown command 'x', with args beginning with:
 * 'a' 'b' `, `ERR unknown subcommand 'x'. Try CONFIG HELP.`, `ERR wrong
 * number of arguments for 'get' command`. (Redis checks these before
 * NOAUTH, so the server should too.)
 */
export function checkCommand(argv: readonly string[]): CommandEntry | ErrorReply {
  const cmd = lookupCommand(argv);
  if (cmd === undefined) {
    const base = lookupTop(argv[0]!);
    let text: string;
    if (base !== undefined && base.subcommands !== null) {
      text = `ERR unknown subcommand '${cut(argv[1]!, 128)}'. Try ${cstr(argv[0]!).toUpperCase()} HELP.`;
    } else {
      let args = "";
      for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${cut(argv[i]!, 128 - args.length)}' `;
      text = `ERR unknown command '${cut(argv[0]!, 128)}', with args beginning with: ${args}`;
    }
    return new ErrorReply(text.replace(/[\r\n]/g, " "));
  }
  const n = argv.length;
  if ((cmd.arity > 0 && cmd.arity !== n) || n < -cmd.arity) return arityError(cmd.fullname);
  return cmd;
}

/**
 * Runs a checked command with an `exec` on ctx.db. A database or a hash past
 * V8's Map limit (2^24 entries) answers an OOM error instead of throwing.
 */
export function execCommand(ctx: ExecContext, cmd: CommandEntry, argv: readonly string[]): Reply {
  const cow = ctx.db.keyspace.cow;
  if (cow !== null && (cmd.bits & CMD.readonly) === 0) detachKeys(cow, ctx.db, cmd, argv);
  try {
    return cmd.exec!(ctx, argv);
  } catch (e) {
    if (e instanceof KeyspaceFull || (e instanceof RangeError && e.message === "Map maximum size exceeded")) return TOO_MANY_KEYS;
    throw e;
  }
}

/**
 * A snapshot holds the keyspace's values: every key this command names
 * (it may change in place) gets a copy of its own first ({@link CowGuard}).
 * A command without key specs (memcached's) names its first key.
 */
function detachKeys(cow: CowGuard, db: Db, cmd: CommandEntry, argv: readonly string[]): void {
  const keys = cmd.keySpecs !== undefined || cmd.getKeys !== undefined ? keysOf(cmd, argv) : null;
  if (keys !== null) for (const k of keys) cow.detach(db, k);
  else if (cmd.firstKey > 0 && argv.length > cmd.firstKey) cow.detach(db, argv[cmd.firstKey]!);
}

// ---------------------------------------------------------------------------
// Commands split over shards

/** One shard's part of a `multi` command: its argv, and where its keys were in the original. */
export interface ShardPart {
  shard: number;
  argv: string[];
  /** Index (0-based, among the original's key groups) of each key group this part carries. */
  groups: number[];
}

/**
 * Splits a `multi` command (MGET, MSET, DEL, EXISTS, UNLINK, TOUCH) by the
 * shard of each key: key groups are a key (step 1) or key + value (MSET,
 * step 2). One part per shard involved, in the order shards first appear.
 */
export function splitByShard(cmd: CommandEntry, argv: readonly string[], shardOf: (key: string) => number): ShardPart[] {
  const step = cmd.step || 1;
  const first = cmd.firstKey;
  const parts: ShardPart[] = [];
  // Each shard's part by shard index (a sparse array: cheaper than a Map for small integers).
  const byShard: (ShardPart | undefined)[] = [];
  for (let i = first, g = 0; i < argv.length; i += step, g++) {
    const shard = shardOf(argv[i]!);
    let part = byShard[shard];
    if (part === undefined) {
      part = { shard, argv: first === 1 ? [argv[0]!] : (argv.slice(0, first) as string[]), groups: [] };
      byShard[shard] = part;
      parts.push(part);
    }
    const a = part.argv;
    a.push(argv[i]!);
    if (step === 2) a.push(argv[i + 1]!);
    else for (let j = 1; j < step; j++) a.push(argv[i + j]!);
    part.groups.push(g);
  }
  return parts;
}

/**
 * Merges the replies of the parts of a split `multi` command: MGET's
 * values back in key order, DEL/EXISTS/UNLINK/TOUCH counts summed, MSET's
 * OK; the first error reply, if any, wins.
 */
export function mergeSplit(cmd: CommandEntry, parts: readonly ShardPart[], replies: readonly Reply[]): Reply {
  for (const r of replies) if (r instanceof ErrorReply) return r;
  switch (cmd.name) {
    case "mget": {
      const n = parts.reduce((a, p) => a + p.groups.length, 0);
      const out = new Array<Reply>(n);
      parts.forEach((p, k) => {
        const vals = replies[k] as readonly Reply[];
        p.groups.forEach((g, j) => (out[g] = vals[j]!));
      });
      return out;
    }
    case "mset":
      return OK;
    default:
      return replies.reduce<number>((a, r) => a + Number(r), 0);
  }
}

/**
 * Merges the shards' replies of an `all` command: DBSIZE summed, KEYS
 * concatenated, RANDOMKEY one of the non-null keys at random, FLUSHDB/
 * FLUSHALL/SWAPDB/MEMORY PURGE OK (or the first error), OBJECT/MEMORY HELP
 * and MEMORY MALLOC-STATS the first shard's (all answer the same). SCAN is not merged: see {@link scanRoute}.
 */
export function mergeAll(name: string, replies: readonly Reply[]): Reply {
  for (const r of replies) if (r instanceof ErrorReply) return r;
  switch (name) {
    case "dbsize":
      return replies.reduce<number>((a, r) => a + Number(r), 0);
    case "keys":
      return replies.flatMap((r) => r as readonly Reply[]);
    case "randomkey": {
      const keys = replies.filter((r) => r !== null);
      return keys.length === 0 ? null : keys[Math.floor(Math.random() * keys.length)]!;
    }
    case "flushdb":
    case "flushall":
    case "pfselftest":
    case "swapdb":
    case "purge":
      return OK;
    case "help":
    case "malloc-stats":
      return replies[0]!;
    default:
      throw new RangeError(`mergeAll: ${name} is not an 'all' command`);
  }
}

/**
 * SCAN over several shards: the client's cursor is `local * nShards +
 * shard`, so 0 starts at shard 0 and each shard's iteration runs to its
 * end before the next shard's begins. Returns the shard to ask and the argv
 * to send it (the cursor replaced by the shard's own), or the error for an
 * invalid cursor.
 */
export function scanRoute(argv: readonly string[], nShards: number): { shard: number; argv: string[] } | ErrorReply {
  const cursor = parseCursor(argv[1]!);
  if (cursor === null) return INVALID_CURSOR;
  const n = BigInt(nShards);
  const out = argv.slice() as string[];
  out[1] = (cursor / n).toString();
  return { shard: Number(cursor % n), argv: out };
}

/** The client's SCAN reply from the reply of `shard` (see {@link scanRoute}). */
export function scanReply(reply: Reply, shard: number, nShards: number): Reply {
  if (!Array.isArray(reply)) return reply;
  const [local, keys] = reply as [string, Reply];
  const next = BigInt(local);
  let global: bigint;
  if (next !== 0n) global = next * BigInt(nShards) + BigInt(shard);
  else global = shard + 1 < nShards ? BigInt(shard + 1) : 0n;
  return [global.toString(), keys];
}

// ---------------------------------------------------------------------------
// AOF rewrite

/**
 * The commands that recreate `db` as it is at `now` (expired keys left
 * out): see {@link rewriteKey}. It reads the live maps lazily: run it to
 * completion without writes in between for a consistent image.
 */
export function* rewrite(db: Db, now: number): Generator<string[]> {
  for (const [key, value] of db.data) {
    const at = db.getExpire(key);
    if (at !== undefined && now > at) continue;
    const m = db.meta?.get(key) as { flags?: number } | undefined;
    yield* rewriteKey(key, value, at, m?.flags ?? 0);
  }
}

/**
 * The commands that recreate one key: SET, HSET or RPUSH (at most 64
 * elements per command), then PEXPIREAT for a TTL, and `AGNER.MCFLAGS`
 * for a memcached item with flags.
 */
export function* rewriteKey(key: string, value: Value, at: Int64 | undefined, flags: number): Generator<string[]> {
  yield* valueType(value).rewrite(key, value);
  if (flags !== 0 && typeof value === "string") yield [MCFLAGS, key, String(flags)];
  if (at !== undefined) yield ["PEXPIREAT", key, int64String(at)];
}

/** INFO keyspace's line for one database: `db0:keys=1,expires=0,avg_ttl=0`. */
export function keyspaceLine(db: number, keys: number, expires: number, avgTtl: number): string {
  return `db${db}:keys=${keys},expires=${expires},avg_ttl=${Math.round(avgTtl)}`;
}
