/**
 * Keyspace commands (Redis' db.c): DEL, UNLINK, EXISTS, TYPE, TOUCH,
 * RENAME, RENAMENX, COPY, MOVE, SWAPDB, KEYS, SCAN, RANDOMKEY, DBSIZE,
 * FLUSHDB, FLUSHALL, each on one shard's databases. The server splits
 * DEL/EXISTS/UNLINK/TOUCH by key, and fans KEYS/SCAN/RANDOMKEY/DBSIZE/
 * FLUSHDB/FLUSHALL/SWAPDB out to every shard (engine.ts has the merge functions and
 * SCAN's cursor format). MOVE and COPY ... DB reach the other database
 * through `ctx.db.keyspace`: a shard holds every database of its keys.
 */
import { NOTIFY, notify } from "./notify.js";
import { type ExecContext } from "./command.js";
import { type Def, ks } from "./command_def.js";
import { type Db, type Value, expireIfNeeded, lookupRead, lookupWrite } from "./db.js";
import { stringMatch } from "./glob.js";
import { parseInt64 } from "./numbers.js";
import { TYPE_NAMES, typeName, valueType } from "./value_types.js";
export { typeName } from "./value_types.js";
import { ErrorReply, OK, type Reply, SimpleString } from "../resp/reply.js";
import { INVALID_CURSOR, NOT_AN_INTEGER, NO_SUCH_KEY, SYNTAX_ERROR, cstr, intArg, option } from "./shared.js";

const TYPE_REPLIES = new Map(["none", ...TYPE_NAMES].map((t) => [t, new SimpleString(t)]));

function delGeneric(ctx: ExecContext, argv: readonly string[]): Reply {
  const db = ctx.db;
  let n = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j]!;
    expireIfNeeded(ctx, key);
    if (db.deleteKey(key)) {
      notify(db, NOTIFY.GENERIC, "del", key);
      n++;
    }
  }
  if (n > 0) ctx.propagate(argv);
  return n;
}

export function delCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return delGeneric(ctx, argv);
}

export function unlinkCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return delGeneric(ctx, argv);
}

/** EXISTS reads without touching (Redis' LOOKUP_NOTOUCH); TOUCH is the same count as an access to each key. */
function countExisting(ctx: ExecContext, argv: readonly string[], touch: boolean): number {
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (lookupRead(ctx, argv[j]!, touch) !== undefined) n++;
  return n;
}

export function existsCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return countExisting(ctx, argv, false);
}

export function touchCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return countExisting(ctx, argv, true);
}

export function typeCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return TYPE_REPLIES.get(typeName(lookupRead(ctx, argv[1]!, false)))!;
}

function renameGeneric(ctx: ExecContext, argv: readonly string[], nx: boolean): Reply {
  const src = argv[1]!;
  const dst = argv[2]!;
  const db = ctx.db;
  const v = lookupWrite(ctx, src);
  if (v === undefined) return NO_SUCH_KEY;
  if (src === dst) return nx ? 0 : OK;
  const expire = db.getExpire(src);
  if (lookupWrite(ctx, dst) !== undefined) {
    if (nx) return 0;
    db.deleteKey(dst);
  }
  db.setKey(dst, v);
  if (expire !== undefined) db.setExpire(dst, expire);
  db.deleteKey(src);
  notify(db, NOTIFY.GENERIC, "rename_from", src);
  notify(db, NOTIFY.GENERIC, "rename_to", dst);
  ctx.propagate(argv);
  return nx ? 1 : OK;
}

export function renameCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return renameGeneric(ctx, argv, false);
}

export function renamenxCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return renameGeneric(ctx, argv, true);
}

const SAME_OBJECT = new ErrorReply("ERR source and destination objects are the same");
const DB_OUT_OF_RANGE = new ErrorReply("ERR DB index is out of range");
const DEL = "DEL";

const OUT_OF_INT_RANGE = new ErrorReply("ERR value is out of range, value must between -2147483648 and 2147483647");

/** getIntFromObjectOrReply: an int64 that fits a C int; else `msg`, or Redis' own two texts without one. */
function intIndex(arg: string, msg: ErrorReply | null): number | ErrorReply {
  const v = parseInt64(arg);
  if (v === null) return msg ?? NOT_AN_INTEGER;
  if (typeof v === "bigint" || v < -2147483648 || v > 2147483647) return msg ?? OUT_OF_INT_RANGE;
  return v;
}

/** The database `arg` names for MOVE and COPY ... DB (selectDb's range check), or the error. */
function otherDb(ctx: ExecContext, arg: string): Db | ErrorReply {
  const id = intIndex(arg, null);
  if (id instanceof ErrorReply) return id;
  const dbs = ctx.db.keyspace.dbs;
  return id >= 0 && id < dbs.length ? dbs[id]! : DB_OUT_OF_RANGE;
}

/**
 * lookupKeyWrite on another database of the shard: a key past its TTL is
 * removed there and its DEL propagated to that database.
 */
function lookupWriteIn(ctx: ExecContext, db: Db, key: string): Value | undefined {
  const v = db.data.get(key);
  if (v === undefined) return undefined;
  if (db.isExpired(key, ctx.now)) {
    db.deleteKey(key);
    db.stats.expiredKeys++;
    ctx.propagateTo(db.index, [DEL, key]);
    return undefined;
  }
  if (db.access !== null) db.touch(key, ctx.now);
  return v;
}

/** MOVE key db: to another database of this shard, with its TTL; 0 when missing there or already at the destination. */
export function moveCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const src = ctx.db;
  const dst = otherDb(ctx, argv[2]!);
  if (dst instanceof ErrorReply) return dst;
  if (dst === src) return SAME_OBJECT;
  const v = lookupWrite(ctx, key);
  if (v === undefined) return 0;
  const expire = src.getExpire(key);
  if (lookupWriteIn(ctx, dst, key) !== undefined) return 0;
  const meta = src.meta?.get(key);
  dst.setKey(key, v);
  if (expire !== undefined) dst.setExpire(key, expire);
  src.deleteKey(key);
  notify(src, NOTIFY.GENERIC, "move_from", key);
  notify(dst, NOTIFY.GENERIC, "move_to", key);
  // The value moves whole, with what other protocols keep of it (memcached flags).
  if (meta !== undefined) (dst.meta ??= new Map()).set(key, meta);
  ctx.propagate(argv);
  return 1;
}

/**
 * COPY source destination [DB index] [REPLACE]: an independent copy
 * (valueType(v).copy, so every type copies), with the source's TTL.
 * Options are read first, then the same-key check, as Redis does.
 */
export function copyCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const src = ctx.db;
  let dst: Db = src;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = option(argv[j]!);
    if (opt === "replace") replace = true;
    else if (opt === "db" && j + 1 < argv.length) {
      const d = otherDb(ctx, argv[++j]!);
      if (d instanceof ErrorReply) return d;
      dst = d;
    } else return SYNTAX_ERROR;
  }
  const key = argv[1]!;
  const newkey = argv[2]!;
  if (src === dst && key === newkey) return SAME_OBJECT;
  const v = lookupRead(ctx, key);
  if (v === undefined) return 0;
  const expire = src.getExpire(key);
  if (lookupWriteIn(ctx, dst, newkey) !== undefined) {
    if (!replace) return 0;
    dst.deleteKey(newkey);
  }
  dst.setKey(newkey, valueType(v).copy(v));
  if (expire !== undefined) dst.setExpire(newkey, expire);
  notify(dst, NOTIFY.GENERIC, "copy_to", newkey);
  ctx.propagate(argv);
  return 1;
}

/**
 * SWAPDB index1 index2 on this shard's keyspace (every shard runs it on
 * its own part; the server answers OK once all have). Both indexes are
 * parsed before either is range-checked, as in Redis.
 */
export function swapdbCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const a = intIndex(argv[1]!, INVALID_FIRST_DB);
  if (a instanceof ErrorReply) return a;
  const b = intIndex(argv[2]!, INVALID_SECOND_DB);
  if (b instanceof ErrorReply) return b;
  const ks = ctx.db.keyspace;
  const n = ks.dbs.length;
  if (a < 0 || a >= n || b < 0 || b >= n) return DB_OUT_OF_RANGE;
  ks.swap(a, b);
  // Plain numbers: the AOF's per-shard record (AGNER.SWAPDBSHARD) carries them as such.
  ctx.propagate(["SWAPDB", String(a), String(b)]);
  return OK;
}

const INVALID_FIRST_DB = new ErrorReply("ERR invalid first DB index");
const INVALID_SECOND_DB = new ErrorReply("ERR invalid second DB index");

export function keysCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const pattern = argv[1]!;
  const all = pattern === "*";
  const db = ctx.db;
  const now = ctx.now;
  const out: string[] = [];
  for (const key of db.data.keys()) {
    if ((all || stringMatch(pattern, key)) && !db.isExpired(key, now)) out.push(key);
  }
  return out;
}

const ULONG_MAX = 2n ** 64n - 1n;

/**
 * A SCAN cursor as Redis reads it with strtoul: optional sign (a minus
 * wraps modulo 2^64), decimal digits, nothing else; "" is 0. Null when
 * invalid ("ERR invalid cursor").
 */
export function parseCursor(arg: string): bigint | null {
  const s = cstr(arg);
  if (s.length === 0) return 0n;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  let i = 0;
  if (c0 === 43 || c0 === 45) i = 1;
  if (i === s.length) return null;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s.slice(i));
  if (v > ULONG_MAX) return null;
  return c0 === 45 ? (ULONG_MAX + 1n - v) % (ULONG_MAX + 1n) : v;
}

/** SCAN's options after the cursor: COUNT n (>= 1), MATCH pattern, TYPE name. */
export interface ScanOptions {
  count: number;
  pattern: string | null;
  type: string | null;
}

export function parseScanOptions(argv: readonly string[], from: number): ScanOptions | ErrorReply {
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = from; i < argv.length; ) {
    const left = argv.length - i;
    const opt = option(argv[i]!);
    if (opt === "count" && left >= 2) {
      const n = intArg(argv[i + 1]!);
      if (n instanceof ErrorReply) return n;
      if (n < 1) return SYNTAX_ERROR;
      count = typeof n === "number" ? n : Number.MAX_SAFE_INTEGER;
      i += 2;
    } else if (opt === "match" && left >= 2) {
      const p = argv[i + 1]!;
      pattern = p === "*" ? null : p;
      i += 2;
    } else if (opt === "type" && left >= 2) {
      type = cstr(argv[i + 1]!).toLowerCase();
      i += 2;
    } else {
      return SYNTAX_ERROR;
    }
  }
  return { count, pattern, type };
}

/**
 * SCAN cursor [MATCH p] [COUNT n] [TYPE t] on this shard's database: the
 * cursor is this Db's own (see Db.scanStep); engine.ts maps it to and from
 * the client's cursor when there are several shards.
 */
export function scanCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const cursor = parseCursor(argv[1]!);
  if (cursor === null) return INVALID_CURSOR;
  const opts = parseScanOptions(argv, 2);
  if (opts instanceof ErrorReply) return opts;
  const id = cursor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(cursor) : -1;
  const [next, keys] = ctx.db.scanStep(id, opts.count);
  const out: string[] = [];
  for (const key of keys) {
    if (opts.pattern !== null && !stringMatch(opts.pattern, key)) continue;
    if (opts.type !== null && typeName(lookupRead(ctx, key, false)) !== opts.type) continue;
    if (expireIfNeeded(ctx, key)) continue;
    out.push(key);
  }
  return [String(next), out];
}

export function randomkeyCommand(ctx: ExecContext): Reply {
  const db = ctx.db;
  for (;;) {
    const key = db.someKey();
    if (key === undefined) return null;
    if (!expireIfNeeded(ctx, key)) return key;
  }
}

export function dbsizeCommand(ctx: ExecContext): Reply {
  return ctx.db.size;
}

/** FLUSHDB/FLUSHALL take nothing, SYNC or ASYNC (both flush at once here). */
function flushArgsOk(argv: readonly string[]): boolean {
  if (argv.length === 1) return true;
  if (argv.length !== 2) return false;
  const opt = option(argv[1]!);
  return opt === "sync" || opt === "async";
}

export function flushdbCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  if (!flushArgsOk(argv)) return SYNTAX_ERROR;
  ctx.db.flush();
  ctx.propagate(argv);
  return OK;
}

export function flushallCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  if (!flushArgsOk(argv)) return SYNTAX_ERROR;
  ctx.db.keyspace.flush();
  ctx.propagate(argv);
  return OK;
}

/** COPY, MOVE and SWAPDB, as Redis 7.0's COMMAND INFO/DOCS give them. */
export const DB_DEFS: Record<string, Def> = {
  copy: { arity: -3, flags: "write denyoom", acl: "keyspace", keys: [ks("RO access"), ks("OW update", 2)], route: "multi",
    exec: copyCommand, group: "generic", since: "6.2.0",
    complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
    summary: "Copies the value of a key to a new key, in this or another database.",
    args: "source:key destination:key#1 destination-db:integer=DB? replace:pure-token=REPLACE?" },
  move: { arity: 3, flags: "write fast", acl: "keyspace", keys: [ks("RW access update")], exec: moveCommand, group: "generic",
    since: "1.0.0", summary: "Moves a key to another database.", args: "key:key db:integer" },
  swapdb: { arity: 3, flags: "write fast", acl: "keyspace dangerous", route: "all", exec: swapdbCommand, group: "server",
    since: "4.0.0", complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
    summary: "Swaps two databases.", args: "index1:integer index2:integer" },
};
