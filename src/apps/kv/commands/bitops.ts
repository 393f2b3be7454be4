/**
 * Bitmap commands (Redis' bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS,
 * BITOP, BITFIELD and BITFIELD_RO, over string values, with Redis 7.0's
 * argument checks, errors and their order. Writes edit a
 * {@link ByteString} in place (byte_string.ts says why); reads take a
 * plain string or a ByteString as they find it.
 */
import { NOTIFY, notify } from "./notify.js";
import { ByteString, SMALL_STRING } from "./byte_string.js";
import { type ExecContext } from "./command.js";
import { type Def, type KeyPosition, ks } from "./command_def.js";
import { type Value, lookupReadBytes, lookupWrite, lookupWriteBytes } from "./db.js";
import { type Int64, parseInt64 } from "./numbers.js";
import { MAX_STRING_LENGTH } from "../resp/resp.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { NOT_AN_INTEGER, SYNTAX_ERROR, WRONGTYPE, cstr, intArg, option } from "./shared.js";

/** A string value as the bit commands see it. */
export type Str = string | ByteString;

const BIT_OFFSET_ERROR = new ErrorReply("ERR bit offset is not an integer or out of range");
const BIT_VALUE_ERROR = new ErrorReply("ERR bit is not an integer or out of range");
const BITFIELD_TYPE_ERROR = new ErrorReply("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");

/** Bytes of a value held as a string or a ByteString. */
export function strLength(v: Str): number {
  return typeof v === "string" ? v.length : v.length;
}

export function byteAt(v: Str, i: number): number {
  return typeof v === "string" ? v.charCodeAt(i) : v.bytes[i]!;
}

/** Bytes [start, end) of a value: a view of a ByteString, a copy of a string. */
export function bytesOf(v: Str, start = 0, end = strLength(v)): Uint8Array {
  if (typeof v !== "string") return v.bytes.subarray(start, end);
  return Buffer.from(start === 0 && end === v.length ? v : v.slice(start, end), "latin1");
}

/** The string at key for a read: undefined when missing, WRONGTYPE for another type. */
export function readStr(ctx: ExecContext, key: string): Str | undefined | ErrorReply {
  const v = lookupReadBytes(ctx, key);
  return v === undefined || isStr(v) ? v : WRONGTYPE;
}

export function isStr(v: Value): v is Str {
  return typeof v === "string" || v instanceof ByteString;
}

/**
 * The value at key as a ByteString to edit in place (a string is converted
 * and stored back as one, the same value), or undefined when missing, or
 * WRONGTYPE.
 */
export function editable(ctx: ExecContext, key: string, v: Value | undefined = lookupWriteBytes(ctx, key)): ByteString | undefined | ErrorReply {
  if (v === undefined || v instanceof ByteString) return v;
  if (typeof v !== "string") return WRONGTYPE;
  const b = ByteString.from(v);
  ctx.db.convert(key, b);
  return b;
}

/** After an in-place edit: tells the keyspace, and keeps a small value as a plain string. */
export function edited(ctx: ExecContext, key: string, b: ByteString): void {
  ctx.db.modified(key);
  if (b.length <= SMALL_STRING) ctx.db.convert(key, b.toString());
}

/** After a write that changed nothing: a small value goes back to a plain string. */
function unedited(ctx: ExecContext, key: string, b: ByteString): void {
  if (b.length <= SMALL_STRING) ctx.db.convert(key, b.toString());
}

/** The largest byte index a bit offset may reach: proto-max-bulk-len, and V8's longest string. */
function maxBytes(ctx: ExecContext): number {
  return Math.min(ctx.db.keyspace.config.protoMaxBulkLen, MAX_STRING_LENGTH - 8);
}

/**
 * getBitOffsetFromArgument: a bit offset, `#n` (n times `bits`) when
 * `bits` > 0 (BITFIELD), below proto-max-bulk-len bytes.
 */
function bitOffset(ctx: ExecContext, arg: string, bits = 0): number | ErrorReply {
  const hash = bits > 0 && arg.charCodeAt(0) === 35; // '#'
  const v = parseInt64(hash ? arg.slice(1) : arg);
  if (v === null) return BIT_OFFSET_ERROR;
  let off: Int64 = v;
  if (hash) off = BigInt.asIntN(64, BigInt(v) * BigInt(bits)); // C's wrapping multiply
  if (off < 0 || off >= 2 ** 53) return BIT_OFFSET_ERROR;
  off = Number(off);
  if (Math.floor(off / 8) >= maxBytes(ctx)) return BIT_OFFSET_ERROR;
  return off;
}

/** lookupStringForBitCommand: the string at key grown to hold bit `maxbit`, created when missing. */
function growForBit(ctx: ExecContext, key: string, maxbit: number): { b: ByteString; grew: boolean } | ErrorReply {
  const byte = Math.floor(maxbit / 8);
  const cur = editable(ctx, key);
  if (cur instanceof ErrorReply) return cur;
  if (cur === undefined) {
    const b = ByteString.zeros(byte + 1);
    ctx.db.setKey(key, b);
    return { b, grew: true };
  }
  return { b: cur, grew: cur.grow(byte + 1) };
}

export function setbitCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const offset = bitOffset(ctx, argv[2]!);
  if (offset instanceof ErrorReply) return offset;
  const on = parseInt64(argv[3]!);
  if (on === null || (on !== 0 && on !== 1)) return BIT_VALUE_ERROR;
  const r = growForBit(ctx, key, offset);
  if (r instanceof ErrorReply) return r;
  const { b, grew } = r;
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset & 7));
  const old = b.bytes[byte]! & mask;
  // As Redis 7.0.15: a write that changes nothing is no write (no WATCH touch, no propagation).
  if (grew || (old !== 0) !== (on === 1)) {
    if (on) b.bytes[byte]! |= mask;
    else b.bytes[byte]! &= ~mask;
    edited(ctx, key, b);
    notify(ctx.db, NOTIFY.STRING, "setbit", key);
    ctx.propagate(argv);
  } else {
    unedited(ctx, key, b);
  }
  return old ? 1 : 0;
}

export function getbitCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const offset = bitOffset(ctx, argv[2]!);
  if (offset instanceof ErrorReply) return offset;
  const v = readStr(ctx, argv[1]!);
  if (v === undefined) return 0;
  if (v instanceof ErrorReply) return v;
  const byte = Math.floor(offset / 8);
  if (byte >= strLength(v)) return 0;
  return byteAt(v, byte) & (1 << (7 - (offset & 7))) ? 1 : 0;
}

/** Set bits per byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

function popcount(b: Uint8Array): number {
  let n = 0;
  let i = 0;
  const words = b.byteOffset % 4 === 0 ? Math.floor(b.length / 4) : 0;
  if (words > 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let j = 0; j < words; j++) {
      let x = w[j]!;
      if (x === 0) continue;
      x = x - ((x >>> 1) & 0x55555555);
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      n += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
    }
    i = words * 4;
  }
  for (; i < b.length; i++) n += POPCOUNT[b[i]!]!;
  return n;
}

/** An int64 argument as a JS number, clamped beyond ±2^62 (far past any string's bit length). */
function rangeArg(s: string): number | ErrorReply {
  const v = intArg(s);
  if (v instanceof ErrorReply) return v;
  if (typeof v === "number") return v;
  return v > 0n ? 2 ** 62 : -(2 ** 62);
}

/** BIT or BYTE (strcasecmp), or null. */
function unitArg(s: string): boolean | null {
  const o = option(s);
  return o === "bit" ? true : o === "byte" ? false : null;
}

/** The edge masks of a bit range, as Redis computes them (bits outside the range set). */
function edgeMasks(start: number, end: number): [number, number] {
  return [~((1 << (8 - (start & 7))) - 1) & 0xff, (1 << (7 - (end & 7))) - 1];
}

/**
 * BITCOUNT's and BITPOS's range, as Redis reads it: negative indexes count
 * from the end, both are clamped to the string, and a BIT range becomes
 * its bytes plus the masks of its partial first and last bytes.
 */
function clampRange(start: number, end: number, len: number, isbit: boolean): { start: number; end: number; firstMask: number; lastMask: number } {
  const total = isbit ? len * 8 : len;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (!isbit || start > end) return { start, end, firstMask: 0, lastMask: 0 };
  const [firstMask, lastMask] = edgeMasks(start, end);
  return { start: Math.floor(start / 8), end: Math.floor(end / 8), firstMask, lastMask };
}

export function bitcountCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const v = readStr(ctx, argv[1]!);
  if (v === undefined) return 0;
  if (v instanceof ErrorReply) return v;
  const len = strLength(v);
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length === 4 || argv.length === 5) {
    const s = rangeArg(argv[2]!);
    if (s instanceof ErrorReply) return s;
    const e = rangeArg(argv[3]!);
    if (e instanceof ErrorReply) return e;
    start = s;
    end = e;
    if (start < 0 && end < 0 && start > end) return 0;
    let isbit = false;
    if (argv.length === 5) {
      const u = unitArg(argv[4]!);
      if (u === null) return SYNTAX_ERROR;
      isbit = u;
    }
    ({ start, end, firstMask, lastMask } = clampRange(start, end, len, isbit));
  } else if (argv.length === 2) {
    start = 0;
    end = len - 1;
  } else {
    return SYNTAX_ERROR;
  }
  if (start > end) return 0;
  let count = popcount(bytesOf(v, start, end + 1));
  if (firstMask !== 0) count -= POPCOUNT[byteAt(v, start) & firstMask]!;
  if (lastMask !== 0) count -= POPCOUNT[byteAt(v, end) & lastMask]!;
  return count;
}

/**
 * redisBitpos: the position of the first bit equal to `bit` in `b`; when
 * none, -1 for a 1 and the bit just past the end for a 0 (the string is
 * taken as zero padded on the right).
 */
function firstBit(b: Uint8Array, bit: number): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < b.length; i++) {
    const x = b[i]!;
    if (x === skip) continue;
    for (let j = 0; j < 8; j++) if (((x >> (7 - j)) & 1) === bit) return i * 8 + j;
  }
  return bit ? -1 : b.length * 8;
}

export function bitposCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const bitArg = intArg(argv[2]!);
  if (bitArg instanceof ErrorReply) return bitArg;
  if (bitArg !== 0 && bitArg !== 1) return new ErrorReply("ERR The bit argument must be 1 or 0.");
  const bit = bitArg;
  const v = readStr(ctx, argv[1]!);
  if (v === undefined) return bit ? -1 : 0;
  if (v instanceof ErrorReply) return v;
  const len = strLength(v);
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length >= 4 && argv.length <= 6) {
    const s = rangeArg(argv[3]!);
    if (s instanceof ErrorReply) return s;
    start = s;
    let isbit = false;
    if (argv.length === 6) {
      const u = unitArg(argv[5]!);
      if (u === null) return SYNTAX_ERROR;
      isbit = u;
    }
    if (argv.length >= 5) {
      const e = rangeArg(argv[4]!);
      if (e instanceof ErrorReply) return e;
      end = e;
      endGiven = true;
    } else {
      end = isbit ? len * 8 + 7 : len - 1;
    }
    ({ start, end, firstMask, lastMask } = clampRange(start, end, len, isbit));
  } else if (argv.length === 3) {
    start = 0;
    end = len - 1;
  } else {
    return SYNTAX_ERROR;
  }
  if (start > end) return -1;
  let bytes = end - start + 1;
  let pos: number;
  search: {
    if (firstMask !== 0) {
      let c = bit ? byteAt(v, start) & ~firstMask : byteAt(v, start) | firstMask;
      if (lastMask !== 0 && bytes === 1) c = bit ? c & ~lastMask : c | lastMask;
      pos = firstBit(Uint8Array.of(c & 0xff), bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break search;
      start++;
      bytes--;
    }
    const cur = bytes - (lastMask !== 0 ? 1 : 0);
    if (cur > 0) {
      pos = firstBit(bytesOf(v, start, start + cur), bit);
      if (bytes === cur || (pos !== -1 && pos !== cur * 8)) break search;
      start += cur;
      bytes -= cur;
    }
    const c = bit ? byteAt(v, end) & ~lastMask : byteAt(v, end) | lastMask;
    pos = firstBit(Uint8Array.of(c & 0xff), bit);
  }
  if (endGiven && bit === 0 && pos === bytes * 8) return -1;
  return pos === -1 ? -1 : pos + start * 8;
}

const BITOP_NAMES = new Set(["and", "or", "xor", "not"]);

export function bitopCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const op = option(argv[1]!);
  if (!BITOP_NAMES.has(op)) return SYNTAX_ERROR;
  if (op === "not" && argv.length !== 4) return new ErrorReply("ERR BITOP NOT must be called with a single source key.");
  const dest = argv[2]!;
  const n = argv.length - 3;
  const src: Uint8Array[] = new Array(n);
  let maxlen = 0;
  for (let j = 0; j < n; j++) {
    const v = readStr(ctx, argv[j + 3]!);
    if (v instanceof ErrorReply) return v;
    const b = v === undefined ? EMPTY : bytesOf(v);
    src[j] = b;
    if (b.length > maxlen) maxlen = b.length;
  }
  const db = ctx.db;
  if (maxlen === 0) {
    if (db.deleteKey(dest)) {
      notify(db, NOTIFY.GENERIC, "del", dest);
      ctx.propagate(argv);
    }
    return 0;
  }
  const res = new Uint8Array(maxlen);
  const first = src[0]!;
  res.set(first);
  if (op === "not") {
    for (let i = 0; i < maxlen; i++) res[i] = ~res[i]! & 0xff;
  } else {
    for (let j = 1; j < n; j++) {
      const s = src[j]!;
      const l = s.length;
      if (op === "and") {
        for (let i = 0; i < l; i++) res[i]! &= s[i]!;
        res.fill(0, l);
      } else if (op === "or") {
        for (let i = 0; i < l; i++) res[i]! |= s[i]!;
      } else {
        for (let i = 0; i < l; i++) res[i]! ^= s[i]!;
      }
    }
  }
  // setKey: an expired destination is removed (and counted) first, as Redis' lookupKeyWrite does.
  if (db.expires.size !== 0) lookupWrite(ctx, dest);
  db.setKey(dest, maxlen <= SMALL_STRING ? Buffer.from(res.buffer, 0, maxlen).toString("latin1") : new ByteString(res, maxlen));
  notify(db, NOTIFY.STRING, "set", dest);
  ctx.propagate(argv);
  return maxlen;
}

const EMPTY = new Uint8Array(0);

// --- BITFIELD

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;
const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;

interface FieldOp {
  offset: number;
  value: bigint;
  op: number;
  overflow: number;
  bits: number;
  signed: boolean;
}

/** getBitfieldTypeFromArgument: `i1`..`i64` or `u1`..`u63` (C reads the digits up to a NUL). */
function fieldType(s: string): [signed: boolean, bits: number] | null {
  const c = s.charCodeAt(0);
  if (c !== 105 && c !== 117) return null; // 'i' 'u'
  const n = parseInt64(cstr(s.slice(1)));
  if (n === null || typeof n === "bigint" || n < 1) return null;
  const signed = c === 105;
  if ((signed && n > 64) || (!signed && n > 63)) return null;
  return [signed, n];
}

/** Reads `bits` bits at bit `offset`, most significant first; bytes past the end read as zeros. */
function readBits(v: Str | undefined, offset: number, bits: number): bigint {
  let x = 0n;
  if (v === undefined) return x;
  const len = strLength(v);
  // Whole numbers of up to 32 bits are read without BigInt.
  let acc = 0;
  let accBits = 0;
  for (let j = 0; j < bits; j++) {
    const o = offset + j;
    const byte = Math.floor(o / 8);
    const bit = byte < len ? (byteAt(v, byte) >> (7 - (o & 7))) & 1 : 0;
    acc = acc * 2 + bit;
    if (++accBits === 32) {
      x = (x << 32n) | BigInt(acc);
      acc = 0;
      accBits = 0;
    }
  }
  if (accBits > 0) x = (x << BigInt(accBits)) | BigInt(acc);
  return x;
}

function writeBits(b: ByteString, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(64, value);
  for (let j = 0; j < bits; j++) {
    const bit = Number((u >> BigInt(bits - 1 - j)) & 1n);
    const o = offset + j;
    const byte = Math.floor(o / 8);
    const mask = 1 << (7 - (o & 7));
    if (bit) b.bytes[byte]! |= mask;
    else b.bytes[byte]! &= ~mask;
  }
}

function toSigned(u: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, u);
}

const I64 = (x: bigint) => BigInt.asIntN(64, x);
const U64 = (x: bigint) => BigInt.asUintN(64, x);

/**
 * checkUnsignedBitfieldOverflow with C's 64-bit arithmetic: 0, or 1/-1
 * with the wrapped or saturated value for WRAP/SAT.
 */
function unsignedOverflow(value: bigint, incr: bigint, bits: number, ow: number): [number, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = I64(max - value);
  const minincr = I64(-value);
  const wrap = (): bigint => U64(value + incr) & max;
  if (value > max || (incr > 0n && incr > maxincr)) return [1, ow === OW_WRAP ? wrap() : max];
  if (incr < 0n && incr < minincr) return [-1, ow === OW_WRAP ? wrap() : 0n];
  return [0, 0n];
}

/** checkSignedBitfieldOverflow with C's 64-bit arithmetic (its quirks included). */
function signedOverflow(value: bigint, incr: bigint, bits: number, ow: number): [number, bigint] {
  const max = bits === 64 ? (1n << 63n) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = I64(U64(max) - U64(value));
  const minincr = I64(min - value);
  const wrap = (): bigint => {
    const c = U64(value + incr);
    return bits < 64 ? toSigned(c & ((1n << BigInt(bits)) - 1n), bits) : I64(c);
  };
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [1, ow === OW_WRAP ? wrap() : max];
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [-1, ow === OW_WRAP ? wrap() : min];
  }
  return [0, 0n];
}

function int64Reply(x: bigint): Reply {
  return x >= -9007199254740991n && x <= 9007199254740991n ? Number(x) : x;
}

function bitfieldGeneric(ctx: ExecContext, argv: readonly string[], readonlyCommand: boolean): Reply {
  const key = argv[1]!;
  const ops: FieldOp[] = [];
  let overflow = OW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1;
    const sub = option(argv[j]!);
    let op: number;
    if (sub === "get" && rem >= 2) op = OP_GET;
    else if (sub === "set" && rem >= 3) op = OP_SET;
    else if (sub === "incrby" && rem >= 3) op = OP_INCRBY;
    else if (sub === "overflow" && rem >= 1) {
      const t = option(argv[++j]!);
      if (t === "wrap") overflow = OW_WRAP;
      else if (t === "sat") overflow = OW_SAT;
      else if (t === "fail") overflow = OW_FAIL;
      else return new ErrorReply("ERR Invalid OVERFLOW type specified");
      continue;
    } else {
      return SYNTAX_ERROR;
    }
    const type = fieldType(argv[j + 1]!);
    if (type === null) return BITFIELD_TYPE_ERROR;
    const [signed, bits] = type;
    const offset = bitOffset(ctx, argv[j + 2]!, bits);
    if (offset instanceof ErrorReply) return offset;
    let value = 0n;
    if (op !== OP_GET) {
      readonly = false;
      if (highest < offset + bits - 1) highest = offset + bits - 1;
      const v = intArg(argv[j + 3]!, NOT_AN_INTEGER);
      if (v instanceof ErrorReply) return v;
      value = BigInt(v);
    }
    ops.push({ offset, value, op, overflow, bits, signed });
    j += op === OP_GET ? 2 : 3;
  }
  let src: Str | undefined;
  let b: ByteString | undefined;
  let grew = false;
  if (readonly) {
    const v = readStr(ctx, key);
    if (v instanceof ErrorReply) return v;
    src = v;
  } else {
    if (readonlyCommand) return new ErrorReply("ERR BITFIELD_RO only supports the GET subcommand");
    const r = growForBit(ctx, key, highest);
    if (r instanceof ErrorReply) return r;
    b = r.b;
    grew = r.grew;
    src = b;
  }
  const out: Reply[] = [];
  let changes = 0;
  for (const o of ops) {
    if (o.op === OP_GET) {
      const u = readBits(src, o.offset, o.bits);
      out.push(int64Reply(o.signed ? toSigned(u, o.bits) : u));
      continue;
    }
    const u = readBits(b, o.offset, o.bits);
    const old = o.signed ? toSigned(u, o.bits) : u;
    let next: bigint;
    let ret: bigint;
    let of: number;
    if (o.signed) {
      if (o.op === OP_INCRBY) {
        const [f, w] = signedOverflow(old, o.value, o.bits, o.overflow);
        of = f;
        next = f ? w : I64(old + o.value);
        ret = next;
      } else {
        const [f, w] = signedOverflow(o.value, 0n, o.bits, o.overflow);
        of = f;
        next = f ? w : o.value;
        ret = old;
      }
    } else {
      if (o.op === OP_INCRBY) {
        const [f, w] = unsignedOverflow(old, o.value, o.bits, o.overflow);
        of = f;
        next = f ? w : U64(old + o.value);
        ret = next;
      } else {
        const v = U64(o.value);
        const [f, w] = unsignedOverflow(v, 0n, o.bits, o.overflow);
        of = f;
        next = f ? w : v;
        ret = old;
      }
    }
    if (of && o.overflow === OW_FAIL) {
      out.push(null);
      continue;
    }
    out.push(int64Reply(ret));
    writeBits(b!, o.offset, o.bits, next);
    if (grew || next !== old) changes++;
  }
  if (changes > 0) {
    edited(ctx, key, b!);
    notify(ctx.db, NOTIFY.STRING, "setbit", key);
    ctx.propagate(argv);
  } else if (b !== undefined) {
    unedited(ctx, key, b);
  }
  return out;
}

export function bitfieldCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return bitfieldGeneric(ctx, argv, false);
}

export function bitfieldRoCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return bitfieldGeneric(ctx, argv, true);
}

const UNIT = "index_unit:oneof@7.0.0?(byte:pure-token=BYTE bit:pure-token=BIT)";

/** bitfieldGetKeys: the key's flags for this line (read-only when it only GETs), as ACL checks them. */
function bitfieldKeys(argv: readonly string[]): KeyPosition[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const a = argv[i]!.toLowerCase();
    if (a === "get" && more >= 2) i += 2;
    else if ((a === "set" || a === "incrby") && more >= 3) {
      readonly = false;
      break;
    } else if (a === "overflow" && more >= 1) i += 1;
    else {
      readonly = false;
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? ["RO", "access"] : ["RW", "access", "update"] }];
}

export const BITOPS_DEFS: Record<string, Def> = {
  setbit: { arity: 4, flags: "write denyoom", acl: "bitmap", keys: [ks("RW access update")], exec: setbitCommand, group: "bitmap",
    since: "2.2.0", summary: "Sets or clears the bit at offset in the string value stored at key", args: "key:key offset:integer value:integer" },
  getbit: { arity: 3, flags: "readonly fast", acl: "bitmap", keys: [ks("RO access")], exec: getbitCommand, group: "bitmap",
    since: "2.2.0", summary: "Returns the bit value at offset in the string value stored at key", args: "key:key offset:integer" },
  bitcount: { arity: -2, flags: "readonly", acl: "bitmap", keys: [ks("RO access")], exec: bitcountCommand, group: "bitmap",
    since: "2.6.0", complexity: "O(N)", summary: "Count set bits in a string",
    args: `key:key index:block?(start:integer end:integer ${UNIT})` },
  bitpos: { arity: -3, flags: "readonly", acl: "bitmap", keys: [ks("RO access")], exec: bitposCommand, group: "bitmap",
    since: "2.8.7", complexity: "O(N)", summary: "Find first bit set or clear in a string",
    args: `key:key bit:integer index:block?(start:integer end_index:block?(end:integer ${UNIT}))` },
  bitop: { arity: -4, flags: "write denyoom", acl: "bitmap", keys: [ks("OW update", 2), ks("RO access", 3, -1)], route: "multi",
    exec: bitopCommand, group: "bitmap", since: "2.6.0", complexity: "O(N)", summary: "Perform bitwise operations between strings",
    args: "operation:string destkey:key key:key#1+" },
  bitfield: { arity: -2, flags: "write denyoom", acl: "bitmap",
    keys: [ks("RW access update variable_flags", 1, 0, 1, 0, "This command allows both access and modification of the key")],
    getKeys: bitfieldKeys, exec: bitfieldCommand, group: "bitmap", since: "3.2.0", complexity: "O(1) for each subcommand specified",
    summary: "Perform arbitrary bitfield integer operations on strings",
    args: "key:key operation:oneof?+(encoding_offset:block=GET(encoding:string offset:integer) " +
      "write:block(wrap_sat_fail:oneof=OVERFLOW?(wrap:pure-token=WRAP sat:pure-token=SAT fail:pure-token=FAIL) " +
      "write_operation:oneof(encoding_offset_value:block=SET(encoding:string offset:integer value:integer) " +
      "encoding_offset_increment:block=INCRBY(encoding:string offset:integer increment:integer))))" },
  bitfield_ro: { arity: -2, flags: "readonly fast", acl: "bitmap", keys: [ks("RO access")], exec: bitfieldRoCommand, group: "bitmap",
    since: "6.0.0", complexity: "O(1) for each subcommand specified",
    summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
    args: "key:key encoding_offset:block=GET?+!(encoding:string offset:integer)" },
};
