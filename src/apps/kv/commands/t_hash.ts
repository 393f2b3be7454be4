/**
 * Hash commands (Redis' t_hash.c): HSET, HMSET, HSETNX, HGET, HMGET,
 * HGETALL, HKEYS, HVALS, HDEL, HLEN, HEXISTS, HSTRLEN, HINCRBY,
 * HINCRBYFLOAT. A hash is a Map, so fields come back in insertion order
 * (as Redis' listpack encoding gives them for small hashes).
 */
import { type ExecContext } from "./command.js";
import { type HashValue, lookupRead, lookupWrite } from "./db.js";
import { ErrorReply, MapReply, OK, type Reply } from "../resp/reply.js";
import {
  addInt64,
  addLongDouble,
  formatLongDouble,
  int64String,
  isInfinite,
  longDoubleFromInt,
  parseInt64,
  parseLongDouble,
} from "./numbers.js";
import { NAN_OR_INFINITY, NOT_A_FLOAT, OVERFLOW, WRONGTYPE, arityError, intArg } from "./shared.js";

const EMPTY_MAP = new MapReply([]);

/** The hash at key for reading: undefined when missing, WRONGTYPE for another type. */
function readHash(ctx: ExecContext, key: string): HashValue | undefined | ErrorReply {
  const v = lookupRead(ctx, key);
  if (v === undefined || v instanceof Map) return v;
  return WRONGTYPE;
}

/** hashTypeLookupWriteOrCreate: the hash at key, created (and added) when missing. */
function writeHash(ctx: ExecContext, key: string): HashValue | ErrorReply {
  const v = lookupWrite(ctx, key);
  if (v instanceof Map) return v;
  if (v !== undefined) return WRONGTYPE;
  const h: HashValue = new Map();
  ctx.db.setKey(key, h);
  return h;
}

function hsetGeneric(ctx: ExecContext, argv: readonly string[], name: string): Reply {
  if (argv.length % 2 === 1) return arityError(name);
  const h = writeHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (!h.has(argv[i]!)) created++;
    h.set(argv[i]!, argv[i + 1]!);
  }
  ctx.db.modified(argv[1]!);
  ctx.propagate(argv);
  return name === "hset" ? created : OK;
}

export function hsetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return hsetGeneric(ctx, argv, "hset");
}

export function hmsetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return hsetGeneric(ctx, argv, "hmset");
}

export function hsetnxCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = writeHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  if (h.has(argv[2]!)) return 0;
  h.set(argv[2]!, argv[3]!);
  ctx.db.modified(argv[1]!);
  ctx.propagate(argv);
  return 1;
}

export function hgetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return null;
  if (h instanceof ErrorReply) return h;
  return h.get(argv[2]!) ?? null;
}

export function hmgetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  const out = new Array<Reply>(argv.length - 2);
  for (let i = 2; i < argv.length; i++) out[i - 2] = h?.get(argv[i]!) ?? null;
  return out;
}

export function hgetallCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return EMPTY_MAP;
  if (h instanceof ErrorReply) return h;
  return new MapReply([...h]);
}

export function hkeysCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return [];
  if (h instanceof ErrorReply) return h;
  return [...h.keys()];
}

export function hvalsCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return [];
  if (h instanceof ErrorReply) return h;
  return [...h.values()];
}

export function hdelCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v === undefined) return 0;
  if (!(v instanceof Map)) return WRONGTYPE;
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    if (v.delete(argv[j]!)) {
      deleted++;
      if (v.size === 0) {
        ctx.db.deleteKey(key);
        break;
      }
    }
  }
  if (deleted > 0) {
    ctx.db.modified(key);
    ctx.propagate(argv);
  }
  return deleted;
}

export function hlenCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  return h.size;
}

export function hexistsCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  return h.has(argv[2]!) ? 1 : 0;
}

export function hstrlenCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  return h.get(argv[2]!)?.length ?? 0;
}

export function hincrbyCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const incr = intArg(argv[3]!);
  if (incr instanceof ErrorReply) return incr;
  const h = writeHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  const cur = h.get(argv[2]!);
  const old = cur === undefined ? 0 : parseInt64(cur);
  if (old === null) return new ErrorReply("ERR hash value is not an integer");
  const sum = addInt64(old, incr);
  if (sum === null) return OVERFLOW;
  h.set(argv[2]!, int64String(sum));
  ctx.db.modified(argv[1]!);
  ctx.propagate(argv);
  return sum;
}

export function hincrbyfloatCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const incr = parseLongDouble(argv[3]!);
  if (incr === null) return NOT_A_FLOAT;
  if (isInfinite(incr)) return new ErrorReply("ERR value is NaN or Infinity");
  const h = writeHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  const cur = h.get(argv[2]!);
  const old = cur === undefined ? longDoubleFromInt(0) : parseLongDouble(cur);
  if (old === null) return new ErrorReply("ERR hash value is not a float");
  const sum = addLongDouble(old, incr);
  if (sum === null || isInfinite(sum)) return NAN_OR_INFINITY;
  const text = formatLongDouble(sum);
  h.set(argv[2]!, text);
  ctx.db.modified(argv[1]!);
  ctx.propagate(["HSET", argv[1]!, argv[2]!, text]);
  return text;
}
