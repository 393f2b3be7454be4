/**
 * Keyspace commands (Redis' db.c): DEL, UNLINK, EXISTS, TYPE, TOUCH,
 * RENAME, RENAMENX, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, each
 * on one shard's database. The server splits DEL/EXISTS/UNLINK/TOUCH by
 * key, and fans KEYS/SCAN/RANDOMKEY/DBSIZE/FLUSH* out to every shard
 * (engine.ts has the merge functions and SCAN's cursor format).
 */
import { type ExecContext } from "./command.js";
import { expireIfNeeded, lookupRead, lookupWrite } from "./db.js";
import { stringMatch } from "./glob.js";
import { TYPE_NAMES, typeName } from "./value_types.js";
export { typeName } from "./value_types.js";
import { ErrorReply, OK, type Reply, SimpleString } from "../resp/reply.js";
import { INVALID_CURSOR, NO_SUCH_KEY, SYNTAX_ERROR, cstr, intArg, option } from "./shared.js";

const TYPE_REPLIES = new Map(["none", ...TYPE_NAMES].map((t) => [t, new SimpleString(t)]));

function delGeneric(ctx: ExecContext, argv: readonly string[]): Reply {
  const db = ctx.db;
  let n = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j]!;
    expireIfNeeded(ctx, key);
    if (db.deleteKey(key)) n++;
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

export function existsCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (lookupRead(ctx, argv[j]!) !== undefined) n++;
  return n;
}

export function touchCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return existsCommand(ctx, argv);
}

export function typeCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return TYPE_REPLIES.get(typeName(lookupRead(ctx, argv[1]!)))!;
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
  ctx.propagate(argv);
  return nx ? 1 : OK;
}

export function renameCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return renameGeneric(ctx, argv, false);
}

export function renamenxCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return renameGeneric(ctx, argv, true);
}

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
    if (opts.type !== null && typeName(lookupRead(ctx, key)) !== opts.type) continue;
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
