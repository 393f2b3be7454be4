/**
 * String commands (Redis' t_string.c): SET and its variants, GET/GETEX/
 * GETDEL/GETSET, MGET/MSET/MSETNX, APPEND, STRLEN, GETRANGE/SETRANGE,
 * INCR/DECR/INCRBY/DECRBY/INCRBYFLOAT, LCS, with Redis 7's replies, errors and
 * their order, and what each propagates to the append-only file.
 */
import { NOTIFY, notify } from "./notify.js";
import { type ExecContext } from "./command.js";
import { lookupRead, lookupWrite } from "./db.js";
import { MAX_STRING_LENGTH } from "../resp/resp.js";
import { type Def, ks } from "./command_def.js";
import { ErrorReply, MapReply, OK, type Reply } from "../resp/reply.js";
import {
  type Int64,
  INT64_MAX,
  addInt64,
  addLongDouble,
  formatLongDouble,
  int64String,
  isInfinite,
  parseInt64,
  parseLongDouble,
  longDoubleFromInt,
} from "./numbers.js";
import {
  NAN_OR_INFINITY,
  NOT_AN_INTEGER,
  NOT_A_FLOAT,
  OVERFLOW,
  STRING_TOO_LONG,
  SYNTAX_ERROR,
  WRONGTYPE,
  arityError,
  clampIndex,
  cstr,
  expireTimeError,
  intArg,
  option,
} from "./shared.js";

const F_NX = 1 << 0;
const F_XX = 1 << 1;
const F_EX = 1 << 2;
const F_PX = 1 << 3;
const F_KEEPTTL = 1 << 4;
const F_GET = 1 << 5;
const F_EXAT = 1 << 6;
const F_PXAT = 1 << 7;
const F_PERSIST = 1 << 8;
const F_ANY_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;

interface Extended {
  flags: number;
  seconds: boolean;
  expire: string | undefined;
}

/** parseExtendedStringArgumentsOrReply: SET's options (isSet) or GETEX's. */
function parseExtended(argv: readonly string[], isSet: boolean): Extended | ErrorReply {
  let flags = 0;
  let seconds = true;
  let expire: string | undefined;
  for (let j = isSet ? 3 : 2; j < argv.length; j++) {
    const opt = option(argv[j]!);
    const hasNext = j < argv.length - 1;
    if (opt === "nx" && !(flags & F_XX) && isSet) flags |= F_NX;
    else if (opt === "xx" && !(flags & F_NX) && isSet) flags |= F_XX;
    else if (opt === "get" && isSet) flags |= F_GET;
    else if (opt === "keepttl" && !(flags & (F_PERSIST | F_ANY_EXPIRE)) && isSet) flags |= F_KEEPTTL;
    else if (opt === "persist" && !isSet && !(flags & (F_ANY_EXPIRE | F_KEEPTTL))) flags |= F_PERSIST;
    else if (opt === "ex" && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EX;
      expire = argv[++j];
    } else if (opt === "px" && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT)) && hasNext) {
      flags |= F_PX;
      seconds = false;
      expire = argv[++j];
    } else if (opt === "exat" && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EXAT;
      expire = argv[++j];
    } else if (opt === "pxat" && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX)) && hasNext) {
      flags |= F_PXAT;
      seconds = false;
      expire = argv[++j];
    } else {
      return SYNTAX_ERROR;
    }
  }
  return { flags, seconds, expire };
}

/** getExpireMillisecondsOrReply: the absolute expiry in ms, or the error. */
function expireMs(ctx: ExecContext, arg: string, flags: number, seconds: boolean, name: string): Int64 | ErrorReply {
  const v = intArg(arg);
  if (v instanceof ErrorReply) return v;
  if (v <= 0 || (seconds && v > INT64_MAX / 1000n)) return expireTimeError(name);
  let ms: bigint | number = seconds ? (typeof v === "number" && v < 9e12 ? v * 1000 : BigInt(v) * 1000n) : v;
  if (flags & (F_PX | F_EX)) ms = typeof ms === "number" && ms < 9e15 ? ms + ctx.now : BigInt(ms) + BigInt(ctx.now);
  if (typeof ms === "bigint") {
    if (ms > INT64_MAX) return expireTimeError(name); // Redis' signed overflow wraps below zero
    return Number.isSafeInteger(Number(ms)) ? Number(ms) : ms;
  }
  return ms;
}

/** getGenericCommand: the value of a string key, null when missing, or WRONGTYPE. */
function getString(ctx: ExecContext, key: string): string | null | ErrorReply {
  const v = lookupRead(ctx, key);
  if (v === undefined) return null;
  return typeof v === "string" ? v : WRONGTYPE;
}

function setGeneric(
  ctx: ExecContext,
  argv: readonly string[],
  flags: number,
  key: string,
  value: string,
  expire: string | undefined,
  seconds: boolean,
  name: string,
  okReply: Reply,
  abortReply: Reply,
): Reply {
  let ms: Int64 = 0;
  if (expire !== undefined) {
    const r = expireMs(ctx, expire, flags, seconds, name);
    if (r instanceof ErrorReply) return r;
    ms = r;
  }
  let old: Reply = null;
  if (flags & F_GET) {
    old = getString(ctx, key);
    if (old instanceof ErrorReply) return old;
  }
  const found = lookupWrite(ctx, key) !== undefined;
  if ((flags & F_NX && found) || (flags & F_XX && !found)) return flags & F_GET ? old : abortReply;
  const db = ctx.db;
  db.setKey(key, value, (flags & F_KEEPTTL) !== 0);
  notify(db, NOTIFY.STRING, "set", key);
  if (expire !== undefined) {
    db.setExpire(key, ms);
    notify(db, NOTIFY.GENERIC, "expire", key);
    ctx.propagate(["SET", key, value, "PXAT", int64String(ms)]);
  } else if (flags & F_GET) {
    ctx.propagate(argv.filter((a, j) => j < 3 || cstr(a).toLowerCase() !== "get"));
  } else {
    ctx.propagate(argv);
  }
  return flags & F_GET ? old : okReply;
}

export function setCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  if (argv.length === 3) {
    // The hot path: plain SET key value (the lookup only to count an expired key as Redis does).
    const key = argv[1]!;
    if (ctx.db.expires.size !== 0) lookupWrite(ctx, key);
    ctx.db.setKey(key, argv[2]!);
    if (ctx.db.keyspace.notifyFlags !== 0) notify(ctx.db, NOTIFY.STRING, "set", key);
    ctx.propagate(argv);
    return OK;
  }
  const ext = parseExtended(argv, true);
  if (ext instanceof ErrorReply) return ext;
  return setGeneric(ctx, argv, ext.flags, argv[1]!, argv[2]!, ext.expire, ext.seconds, "set", OK, null);
}

export function setnxCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return setGeneric(ctx, argv, F_NX, argv[1]!, argv[2]!, undefined, true, "setnx", 1, 0);
}

export function setexCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return setGeneric(ctx, argv, F_EX, argv[1]!, argv[3]!, argv[2], true, "setex", OK, null);
}

export function psetexCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return setGeneric(ctx, argv, F_PX, argv[1]!, argv[3]!, argv[2], false, "psetex", OK, null);
}

export function getCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return getString(ctx, argv[1]!);
}

export function getexCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const ext = parseExtended(argv, false);
  if (ext instanceof ErrorReply) return ext;
  const key = argv[1]!;
  const v = getString(ctx, key);
  if (v === null || v instanceof ErrorReply) return v;
  let ms: Int64 = 0;
  if (ext.expire !== undefined) {
    const r = expireMs(ctx, ext.expire, ext.flags, ext.seconds, "getex");
    if (r instanceof ErrorReply) return r;
    ms = r;
  }
  const db = ctx.db;
  if (ext.flags & (F_PXAT | F_EXAT) && ms <= ctx.now) {
    // An absolute time already past deletes the key (checkAlreadyExpired).
    db.deleteKey(key);
    notify(db, NOTIFY.GENERIC, "del", key);
    ctx.propagate(["DEL", key]);
  } else if (ext.expire !== undefined) {
    db.setExpire(key, ms);
    notify(db, NOTIFY.GENERIC, "expire", key);
    ctx.propagate(["PEXPIREAT", key, int64String(ms)]);
  } else if (ext.flags & F_PERSIST) {
    if (db.removeExpire(key)) {
      notify(db, NOTIFY.GENERIC, "persist", key);
      ctx.propagate(["PERSIST", key]);
    }
  }
  return v;
}

export function getdelCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const v = getString(ctx, key);
  if (typeof v === "string" && ctx.db.deleteKey(key)) {
    notify(ctx.db, NOTIFY.GENERIC, "del", key);
    ctx.propagate(["DEL", key]);
  }
  return v;
}

export function getsetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const v = getString(ctx, key);
  if (v instanceof ErrorReply) return v;
  ctx.db.setKey(key, argv[2]!);
  notify(ctx.db, NOTIFY.STRING, "set", key);
  ctx.propagate(["SET", key, argv[2]!]);
  return v;
}

export function mgetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const out = new Array<Reply>(argv.length - 1);
  for (let j = 1; j < argv.length; j++) {
    const v = lookupRead(ctx, argv[j]!);
    out[j - 1] = typeof v === "string" ? v : null;
  }
  return out;
}

function msetGeneric(ctx: ExecContext, argv: readonly string[], nx: boolean): Reply {
  if (argv.length % 2 === 0) return arityError(nx ? "msetnx" : "mset");
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) if (lookupWrite(ctx, argv[j]!) !== undefined) return 0;
  }
  const db = ctx.db;
  for (let j = 1; j < argv.length; j += 2) {
    // Redis' setKey looks the key up first: an expired one is removed and counted.
    if (db.expires.size !== 0) lookupWrite(ctx, argv[j]!);
    db.setKey(argv[j]!, argv[j + 1]!);
    notify(db, NOTIFY.STRING, "set", argv[j]!);
  }
  ctx.propagate(argv);
  return nx ? 1 : OK;
}

export function msetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return msetGeneric(ctx, argv, false);
}

export function msetnxCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return msetGeneric(ctx, argv, true);
}

/** checkStringLength: would a string of size + append bytes exceed proto-max-bulk-len? */
function tooLong(ctx: ExecContext, size: number, append: number): boolean {
  return size + append > Math.min(ctx.db.keyspace.config.protoMaxBulkLen, MAX_STRING_LENGTH);
}

export function appendCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const add = argv[2]!;
  const v = lookupWrite(ctx, key);
  let total: number;
  if (v === undefined) {
    ctx.db.setKey(key, add);
    total = add.length;
  } else {
    if (typeof v !== "string") return WRONGTYPE;
    if (tooLong(ctx, v.length, add.length)) return STRING_TOO_LONG;
    const next = v + add;
    ctx.db.setKey(key, next, true);
    total = next.length;
  }
  notify(ctx.db, NOTIFY.STRING, "append", key);
  ctx.propagate(argv);
  return total;
}

export function strlenCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const v = lookupRead(ctx, argv[1]!);
  if (v === undefined) return 0;
  return typeof v === "string" ? v.length : WRONGTYPE;
}

export function getrangeCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const s0 = intArg(argv[2]!);
  if (s0 instanceof ErrorReply) return s0;
  const e0 = intArg(argv[3]!);
  if (e0 instanceof ErrorReply) return e0;
  const v = lookupRead(ctx, argv[1]!);
  if (v === undefined) return "";
  if (typeof v !== "string") return WRONGTYPE;
  if (s0 < 0 && e0 < 0 && s0 > e0) return "";
  const len = v.length;
  let start = clampIndex(s0);
  let end = clampIndex(e0);
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return "";
  return v.slice(start, end + 1);
}

export function setrangeCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const value = argv[3]!;
  const off = intArg(argv[2]!);
  if (off instanceof ErrorReply) return off;
  if (off < 0) return new ErrorReply("ERR offset is out of range");
  const offset = clampIndex(off);
  const v = lookupWrite(ctx, key);
  let old: string;
  if (v === undefined) {
    if (value.length === 0) return 0;
    if (tooLong(ctx, offset, value.length)) return STRING_TOO_LONG;
    old = "";
  } else {
    if (typeof v !== "string") return WRONGTYPE;
    if (value.length === 0) return v.length;
    if (tooLong(ctx, offset, value.length)) return STRING_TOO_LONG;
    old = v;
  }
  const head = offset <= old.length ? old.slice(0, offset) : old + "\0".repeat(offset - old.length);
  const next = head + value + old.slice(offset + value.length);
  ctx.db.setKey(key, next, true);
  notify(ctx.db, NOTIFY.STRING, "setrange", key);
  ctx.propagate(argv);
  return next.length;
}

function incrDecr(ctx: ExecContext, argv: readonly string[], incr: Int64): Reply {
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v !== undefined && typeof v !== "string") return WRONGTYPE;
  const old = v === undefined ? 0 : parseInt64(v);
  if (old === null) return NOT_AN_INTEGER;
  const sum = addInt64(old, incr);
  if (sum === null) return OVERFLOW;
  ctx.db.setKey(key, int64String(sum), true);
  notify(ctx.db, NOTIFY.STRING, "incrby", key);
  ctx.propagate(argv);
  return sum;
}

export function incrCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return incrDecr(ctx, argv, 1);
}

export function decrCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return incrDecr(ctx, argv, -1);
}

export function incrbyCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const incr = intArg(argv[2]!);
  if (incr instanceof ErrorReply) return incr;
  return incrDecr(ctx, argv, incr);
}

export function decrbyCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const incr = intArg(argv[2]!);
  if (incr instanceof ErrorReply) return incr;
  if (incr === -(2n ** 63n)) return new ErrorReply("ERR decrement would overflow");
  return incrDecr(ctx, argv, typeof incr === "number" ? -incr : -incr);
}

export function incrbyfloatCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v !== undefined && typeof v !== "string") return WRONGTYPE;
  const value = v === undefined ? longDoubleFromInt(0) : parseLongDouble(v);
  if (value === null) return NOT_A_FLOAT;
  const incr = parseLongDouble(argv[2]!);
  if (incr === null) return NOT_A_FLOAT;
  const sum = addLongDouble(value, incr);
  if (sum === null || isInfinite(sum)) return NAN_OR_INFINITY;
  const text = formatLongDouble(sum);
  ctx.db.setKey(key, text, true);
  notify(ctx.db, NOTIFY.STRING, "incrbyfloat", key);
  // Replayed as the result, so float formatting can never make a replay differ.
  ctx.propagate(["SET", key, text, "KEEPTTL"]);
  return text;
}

// ---------------------------------------------------------------------------
// LCS

const LCS_NOT_STRINGS = new ErrorReply("ERR The specified keys must contain string values");
const LCS_BOTH = new ErrorReply("ERR If you want both the length and indexes, please just use IDX.");
const LCS_MEMORY = new ErrorReply("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");

/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest
 * common subsequence of two strings (missing keys are empty), by Redis'
 * dynamic programming table and its walk back from the end, so that ties
 * and the IDX ranges come out as Redis gives them. The table is
 * (|a|+1)(|b|+1) 32-bit cells; past proto-max-bulk-len bytes it is refused.
 */
export function lcsCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const va = lookupRead(ctx, argv[1]!);
  const vb = lookupRead(ctx, argv[2]!);
  if ((va !== undefined && typeof va !== "string") || (vb !== undefined && typeof vb !== "string")) return LCS_NOT_STRINGS;
  const a = va ?? "";
  const b = vb ?? "";
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = option(argv[j]!);
    if (opt === "idx") getIdx = true;
    else if (opt === "len") getLen = true;
    else if (opt === "withmatchlen") withMatchLen = true;
    else if (opt === "minmatchlen" && j < argv.length - 1) {
      const n = intArg(argv[j + 1]!);
      if (n instanceof ErrorReply) return n;
      minMatchLen = n < 0 ? 0 : clampIndex(n);
      j++;
    } else {
      return SYNTAX_ERROR;
    }
  }
  if (getIdx && getLen) return LCS_BOTH;
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  if ((alen + 1) * w * 4 > ctx.db.keyspace.config.protoMaxBulkLen) return LCS_MEMORY;
  const A = Buffer.from(a, "latin1");
  const B = Buffer.from(b, "latin1");
  const lcs = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    const ai = A[i - 1];
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === B[j - 1]) lcs[row + j] = lcs[prev + j - 1]! + 1;
      else {
        const l1 = lcs[prev + j]!;
        const l2 = lcs[row + j - 1]!;
        lcs[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = lcs[alen * w + blen]!;
  if (getLen) return total;
  // Walk back from the end, as Redis does: the string backwards, and the matching ranges.
  const result = Buffer.allocUnsafe(total);
  const matches: Reply[] = [];
  let idx = total;
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (A[i - 1] === B[j - 1]) {
      result[idx - 1] = A[i - 1]!;
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (lcs[(i - 1) * w + j]! > lcs[i * w + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (getIdx && (minMatchLen === 0 || matchLen >= minMatchLen)) {
        const m: Reply[] = [[aStart, aEnd], [bStart, bEnd]];
        if (withMatchLen) m.push(matchLen);
        matches.push(m);
      }
      aStart = alen;
    }
  }
  if (getIdx) return new MapReply([["matches", matches], ["len", total]]);
  return result.toString("latin1");
}

/** The string commands this file adds to the table (the others are in command_table.ts). */
export const STRING_DEFS: Record<string, Def> = {
  lcs: { arity: -3, flags: "readonly", acl: "string", keys: [ks("RO access", 1, 1)], route: "multi", exec: lcsCommand, group: "string",
    since: "7.0.0", complexity: "O(N*M) where N and M are the lengths of s1 and s2",
    summary: "Returns the longest common subsequence of two strings, its length or the matching ranges.",
    args: "key1:key key2:key len:pure-token=LEN? idx:pure-token=IDX? len:integer=MINMATCHLEN? withmatchlen:pure-token=WITHMATCHLEN?" },
};
