/**
 * Expiry commands (Redis' expire.c): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT
 * with Redis 7's NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
 * A new expiry propagates as PEXPIREAT with the absolute time; one already
 * in the past deletes the key and propagates DEL.
 */
import { NOTIFY, notify } from "./notify.js";
import { type ExecContext } from "./command.js";
import { lookupRead, lookupWrite } from "./db.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { type Int64, INT64_MAX, INT64_MIN, int64String, norm } from "./numbers.js";
import { expireTimeError, intArg, option } from "./shared.js";

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

function parseExpireFlags(argv: readonly string[]): number | ErrorReply {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = option(argv[j]!);
    if (opt === "nx") flags |= NX;
    else if (opt === "xx") flags |= XX;
    else if (opt === "gt") flags |= GT;
    else if (opt === "lt") flags |= LT;
    else return new ErrorReply(`ERR Unsupported option ${argv[j]!.split("\0")[0]}`);
  }
  if (flags & NX && flags & (XX | GT | LT)) {
    return new ErrorReply("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (flags & GT && flags & LT) return new ErrorReply("ERR GT and LT options at the same time are not compatible");
  return flags;
}

function expireGeneric(ctx: ExecContext, argv: readonly string[], relative: boolean, seconds: boolean, name: string): Reply {
  const key = argv[1]!;
  const flags = parseExpireFlags(argv);
  if (flags instanceof ErrorReply) return flags;
  const v = intArg(argv[2]!);
  if (v instanceof ErrorReply) return v;
  let when = BigInt(v);
  if (seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) return expireTimeError(name);
    when *= 1000n;
  }
  const base = relative ? BigInt(ctx.now) : 0n;
  if (when > INT64_MAX - base) return expireTimeError(name);
  when += base;
  if (lookupWrite(ctx, key) === undefined) return 0;
  const db = ctx.db;
  if (flags) {
    const cur = db.getExpire(key);
    if (flags & NX && cur !== undefined) return 0;
    if (flags & XX && cur === undefined) return 0;
    if (flags & GT && (cur === undefined || when <= cur)) return 0;
    if (flags & LT && cur !== undefined && when >= cur) return 0;
  }
  const at: Int64 = norm(when);
  if (at <= ctx.now) {
    db.deleteKey(key);
    notify(db, NOTIFY.GENERIC, "del", key);
    ctx.propagate(["DEL", key]);
    return 1;
  }
  db.setExpire(key, at);
  notify(db, NOTIFY.GENERIC, "expire", key);
  ctx.propagate(["PEXPIREAT", key, int64String(at)]);
  return 1;
}

export function expireCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return expireGeneric(ctx, argv, true, true, "expire");
}

export function pexpireCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return expireGeneric(ctx, argv, true, false, "pexpire");
}

export function expireatCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return expireGeneric(ctx, argv, false, true, "expireat");
}

export function pexpireatCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return expireGeneric(ctx, argv, false, false, "pexpireat");
}

function ttlGeneric(ctx: ExecContext, argv: readonly string[], ms: boolean, absolute: boolean): Reply {
  const key = argv[1]!;
  if (lookupRead(ctx, key, false) === undefined) return -2;
  const at = ctx.db.getExpire(key);
  if (at === undefined) return -1;
  let ttl = absolute ? BigInt(at) : BigInt(at) - BigInt(ctx.now);
  if (ttl < 0n) ttl = 0n;
  // (ttl + 500) / 1000 does not wrap in Redis' build even at INT64_MAX: exact here too
  return norm(ms ? ttl : (ttl + 500n) / 1000n);
}

export function ttlCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return ttlGeneric(ctx, argv, false, false);
}

export function pttlCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return ttlGeneric(ctx, argv, true, false);
}

export function expiretimeCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return ttlGeneric(ctx, argv, false, true);
}

export function pexpiretimeCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return ttlGeneric(ctx, argv, true, true);
}

export function persistCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  if (lookupWrite(ctx, key) === undefined) return 0;
  if (!ctx.db.removeExpire(key)) return 0;
  notify(ctx.db, NOTIFY.GENERIC, "persist", key);
  ctx.propagate(argv);
  return 1;
}
