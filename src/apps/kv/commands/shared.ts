/**
 * Replies and argument readers every command uses, with Redis' exact texts
 * (server.c's `shared` objects, object.c's getLongLongFromObjectOrReply...).
 */
import { removedFrom } from "./notify.js";
import { type ExecContext } from "./command.js";
import { ErrorReply } from "../resp/reply.js";
import { type Int64, parseInt64 } from "./numbers.js";

export const WRONGTYPE = new ErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value");
export const SYNTAX_ERROR = new ErrorReply("ERR syntax error");
export const NOT_AN_INTEGER = new ErrorReply("ERR value is not an integer or out of range");
export const NOT_A_FLOAT = new ErrorReply("ERR value is not a valid float");
export const OVERFLOW = new ErrorReply("ERR increment or decrement would overflow");
export const NO_SUCH_KEY = new ErrorReply("ERR no such key");
export const NAN_OR_INFINITY = new ErrorReply("ERR increment would produce NaN or Infinity");
export const STRING_TOO_LONG = new ErrorReply("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
export const INVALID_CURSOR = new ErrorReply("ERR invalid cursor");
export const MUST_BE_POSITIVE = new ErrorReply("ERR value is out of range, must be positive");
export const TOO_MANY_KEYS = new ErrorReply("OOM command not allowed: a database or a hash holds at most 16777216 entries here");

export function arityError(name: string): ErrorReply {
  return new ErrorReply(`ERR wrong number of arguments for '${name}' command`);
}

export function expireTimeError(name: string): ErrorReply {
  return new ErrorReply(`ERR invalid expire time in '${name}' command`);
}

/** What C sees of an argument: the bytes before its first NUL. */
export function cstr(s: string): string {
  const z = s.indexOf("\0");
  return z < 0 ? s : s.slice(0, z);
}

/** An option word as strcasecmp compares it: up to the first NUL, ASCII lower-cased. */
export function option(s: string): string {
  return cstr(s).toLowerCase();
}

/** An int64 argument, or Redis' "value is not an integer or out of range" (or `msg`). */
export function intArg(s: string, msg: ErrorReply = NOT_AN_INTEGER): Int64 | ErrorReply {
  const v = parseInt64(s);
  return v === null ? msg : v;
}

/**
 * An int64 as a JS number for index arithmetic on things shorter than 2^53:
 * beyond, only the sign matters, so it is clamped.
 */
export function clampIndex(v: Int64): number {
  if (typeof v === "number") return v;
  return v > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
}

/** What HDEL, SREM and ZREM remove from: a collection with `delete` and `size`. */
export interface Removable {
  delete(member: string): boolean;
  readonly size: number;
}

/**
 * HDEL, SREM, ZREM: removes argv[2..] from `coll`, the value of `key`; an
 * emptied collection's key is deleted, as Redis does. Propagates the
 * command when anything was removed; returns how many were.
 */
export function removeMembers(ctx: ExecContext, key: string, coll: Removable, argv: readonly string[], type: number, event: string): number {
  let removed = 0;
  for (let j = 2; j < argv.length; j++) {
    if (!coll.delete(argv[j]!)) continue;
    removed++;
    if (coll.size === 0) break;
  }
  if (removed === 0) return 0;
  removedFrom(ctx.db, type, event, key, coll.size === 0);
  ctx.propagate(argv);
  return removed;
}
