/**
 * Encodes {@link Reply} values as RESP2 or RESP3 into a growing buffer,
 * which the connection takes and writes once per batch of replies.
 *
 * Output is never one piece beyond about {@link CHUNK_BYTES}: past it the
 * buffer is sealed and a new one started, and a bulk string of that size or
 * more is kept as its own piece (the string itself, not a copy), so that a
 * reply of any size (V8 strings stop just short of 512 MB) is a list of
 * bounded pieces; {@link RespWriter.drain} hands them over in order.
 *
 * Strings are latin1 (one char per byte) and written as such; headers and
 * integers are written digit by digit, without an intermediate string; the
 * replies every benchmark hammers (`+OK`, `$-1`, `:0`, `:1`) are copied from
 * constant bytes.
 *
 * @example
 * const w = new RespWriter();
 * w.write(OK);
 * w.write("bar");
 * socket.write(w.take()); // "+OK\r\n$3\r\nbar\r\n"
 */
import {
  BoolReply,
  BigNumberReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArrayReply,
  PairsReply,
  PushReply,
  type Reply,
  ReplySeq,
  SetReply,
  SimpleString,
  VerbatimReply,
} from "./reply.js";

type LatinBuffer = Buffer & { latin1Write(s: string, offset: number, length?: number): number };

const INITIAL = 16 * 1024;
/** Output bigger than this is handed over instead of copied out. */
const HANDOVER = 64 * 1024;
/**
 * The size of the pieces large output is cut into, here and in the
 * connections: encoded output past it is written (or set aside) at once,
 * and a bulk string this long or longer is never copied into another string.
 */
export const CHUNK_BYTES = 1024 * 1024;

/** A piece of encoded output: bytes, or a latin1 string (one char per byte). */
export type OutPiece = string | Buffer;

const OK_BYTES = Buffer.from("+OK\r\n");
const NULL2 = Buffer.from("$-1\r\n");
const NULL3 = Buffer.from("_\r\n");
const NULL_ARRAY2 = Buffer.from("*-1\r\n");
const ZERO = Buffer.from(":0\r\n");
const ONE = Buffer.from(":1\r\n");
const TRUE3 = Buffer.from("#t\r\n");
const FALSE3 = Buffer.from("#f\r\n");
const EMPTY_ARRAY = Buffer.from("*0\r\n");
const PAIR_HEADER = Buffer.from("*2\r\n");
const CRLF = Buffer.from("\r\n");

export class RespWriter {
  /** 2 or 3: the connection's protocol (HELLO). */
  resp: 2 | 3;
  private buf: LatinBuffer;
  private len = 0;
  /** Pieces sealed before `buf` (large output only), and their bytes. */
  private sealed: OutPiece[] | null = null;
  private sealedBytes = 0;

  constructor(resp: 2 | 3 = 2) {
    this.resp = resp;
    this.buf = Buffer.allocUnsafe(INITIAL) as LatinBuffer;
  }

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.len + this.sealedBytes;
  }

  /**
   * Moves the pieces written since the last take or drain to `into`, in
   * order (pieces the caller owns: the writer never touches them again);
   * returns their byte count.
   */
  drain(into: OutPiece[]): number {
    const n = this.len + this.sealedBytes;
    if (this.sealed !== null) {
      for (const p of this.sealed) into.push(p);
      this.sealed = null;
      this.sealedBytes = 0;
    }
    if (this.len > 0) into.push(this.takeBuf());
    return n;
  }

  /**
   * The bytes written since the last take, as one Buffer the caller owns
   * (the writer never touches it again); empty when nothing was written.
   * For output that may be large, {@link drain} keeps it in pieces.
   */
  take(): Buffer {
    if (this.sealed === null) return this.takeBuf();
    const parts: OutPiece[] = [];
    this.drain(parts);
    return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : p)));
  }

  private takeBuf(): Buffer {
    const len = this.len;
    this.len = 0;
    if (len > HANDOVER) {
      const out = this.buf.subarray(0, len);
      this.buf = Buffer.allocUnsafe(INITIAL) as LatinBuffer;
      return out;
    }
    // Small: a copy out of Node's shared pool is cheaper than a fresh buffer,
    // and a JS loop cheaper than the copy binding for the few bytes of most replies.
    const out = Buffer.allocUnsafe(len);
    if (len <= 256) {
      const buf = this.buf;
      for (let i = 0; i < len; i++) out[i] = buf[i]!;
    } else {
      this.buf.copy(out, 0, 0, len);
    }
    // A chunk-sized buffer (large output) is not kept idle by every connection that once had one.
    if (this.buf.length >= CHUNK_BYTES) this.buf = Buffer.allocUnsafe(INITIAL) as LatinBuffer;
    return out;
  }

  /** Appends one reply. */
  write(r: Reply): void {
    switch (typeof r) {
      case "string":
        this.bulk(r);
        return;
      case "number":
        if (r === 0) this.raw(ZERO);
        else if (r === 1) this.raw(ONE);
        else this.integer(r);
        return;
      case "bigint":
        this.line(58 /* : */, r.toString());
        return;
      case "object":
        break;
      default:
        throw new TypeError(`not a Reply: ${typeof r}`);
    }
    if (r === null) {
      this.raw(this.resp === 2 ? NULL2 : NULL3);
    } else if (Array.isArray(r)) {
      const items = r as readonly Reply[];
      if (items.length === 0) {
        this.raw(EMPTY_ARRAY);
        return;
      }
      this.header(42 /* * */, items.length);
      for (let i = 0; i < items.length; i++) this.write(items[i]!);
    } else if (r instanceof SimpleString) {
      if (r.text === "OK") this.raw(OK_BYTES);
      else this.line(43 /* + */, r.text);
    } else if (r instanceof ErrorReply) {
      this.line(45 /* - */, sanitize(r.text));
    } else if (r instanceof NullArrayReply) {
      this.raw(this.resp === 2 ? NULL_ARRAY2 : NULL3);
    } else if (r instanceof MapReply) {
      const nested = this.resp === 2 && r.nested2;
      if (this.resp === 2) this.header(42, nested ? r.entries.length : r.entries.length * 2);
      else this.header(37 /* % */, r.entries.length);
      for (const [k, v] of r.entries) {
        if (nested) this.raw(PAIR_HEADER);
        this.write(k);
        this.write(v);
      }
    } else if (r instanceof SetReply) {
      this.header(this.resp === 2 ? 42 : 126 /* ~ */, r.items.length);
      for (const item of r.items) this.write(item);
    } else if (r instanceof DoubleReply) {
      const text = r.text ?? formatDouble(r.value);
      if (this.resp === 2) this.bulk(text);
      else this.line(44 /* , */, text);
    } else if (r instanceof BoolReply) {
      if (this.resp === 2) this.raw(r.value ? ONE : ZERO);
      else this.raw(r.value ? TRUE3 : FALSE3);
    } else if (r instanceof VerbatimReply) {
      if (this.resp === 2) this.bulk(r.text);
      else this.bulk(`${r.format}:${r.text}`, 61 /* = */);
    } else if (r instanceof BigNumberReply) {
      if (this.resp === 2) this.bulk(r.digits);
      else this.line(40 /* ( */, r.digits);
    } else if (r instanceof PushReply) {
      this.header(this.resp === 2 ? 42 : 62 /* > */, r.items.length);
      for (const item of r.items) this.write(item);
    } else if (r instanceof PairsReply) {
      const items = r.items;
      if (this.resp === 2) {
        this.header(42, items.length);
        for (let i = 0; i < items.length; i++) this.write(items[i]!);
      } else {
        this.header(42, items.length >> 1);
        for (let i = 0; i < items.length; i += 2) {
          this.raw(PAIR_HEADER);
          this.write(items[i]!);
          this.write(items[i + 1]!);
        }
      }
    } else if (r instanceof ReplySeq) {
      for (const item of r.replies) this.write(item);
    } else {
      throw new TypeError("not a Reply");
    }
  }

  /** A command as a client sends it, an array of bulk strings (the replication stream's records). */
  command(argv: readonly string[]): void {
    this.header(42 /* * */, argv.length);
    for (let i = 0; i < argv.length; i++) this.bulk(argv[i]!);
  }

  /** Appends bytes already in RESP form (for replies cached by the caller). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.len + n > this.buf.length) this.grow(n);
    if (n <= 8) {
      const buf = this.buf;
      let at = this.len;
      for (let i = 0; i < n; i++) buf[at++] = bytes[i]!;
      this.len = at;
    } else {
      this.buf.set(bytes, this.len);
      this.len += n;
    }
  }

  /** Appends `src[start, end)`, bytes already in RESP form (a command as its client sent it). */
  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.len + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let at = this.len;
    // A JS loop costs ~15 instructions a byte, a TypedArray set of a subarray ~600 whatever the length.
    if (n <= 40) for (let i = start; i < end; i++) buf[at++] = src[i]!;
    else {
      buf.set(src.subarray(start, end), at);
      at += n;
    }
    this.len = at;
  }

  /** `$<len>\r\n<s>\r\n` (or with another type byte: `=` for verbatim). */
  bulk(s: string, type = 36 /* $ */): void {
    const n = s.length;
    if (n >= CHUNK_BYTES) return this.bigBulk(s, type);
    if (this.len + n + 16 > this.buf.length) this.grow(n + 16);
    const buf = this.buf;
    let at = this.len;
    buf[at++] = type;
    at = writeDigits(buf, at, n);
    buf[at++] = 13;
    buf[at++] = 10;
    if (n <= 16) {
      for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    } else {
      at += buf.latin1Write(s, at, n);
    }
    buf[at++] = 13;
    buf[at++] = 10;
    this.len = at;
  }

  /** `*<n>\r\n`, for callers that stream an array's items. */
  header(type: number, n: number): void {
    if (this.len + 24 > this.buf.length) this.grow(24);
    const buf = this.buf;
    let at = this.len;
    buf[at++] = type;
    at = n < 0 ? writeSigned(buf, at, n) : writeDigits(buf, at, n);
    buf[at++] = 13;
    buf[at++] = 10;
    this.len = at;
  }

  private integer(n: number): void {
    if (!Number.isSafeInteger(n)) {
      if (Number.isInteger(n)) {
        this.line(58, BigInt(n).toString());
        return;
      }
      throw new TypeError(`integer reply ${n} is not an integer`);
    }
    this.header(58 /* : */, n);
  }

  private line(type: number, text: string): void {
    const n = text.length;
    if (this.len + n + 3 > this.buf.length) this.grow(n + 3);
    const buf = this.buf;
    let at = this.len;
    buf[at++] = type;
    at += buf.latin1Write(text, at, n);
    buf[at++] = 13;
    buf[at++] = 10;
    this.len = at;
  }

  /** A bulk string kept as its own piece, between its header and its CRLF. */
  private bigBulk(s: string, type: number): void {
    this.header(type, s.length);
    this.seal();
    (this.sealed ??= []).push(s);
    this.sealedBytes += s.length;
    this.raw(CRLF);
  }

  /** Ends the current buffer's piece: what follows goes to a fresh buffer. */
  private seal(): void {
    const len = this.len;
    if (len === 0) return;
    (this.sealed ??= []).push(this.takeBuf());
    this.sealedBytes += len;
  }

  private grow(extra: number): void {
    // Past a chunk, seal what is there rather than copy it into a bigger buffer.
    if (this.len + extra > CHUNK_BYTES && this.len > 0) {
      this.seal();
      // Large output: the next piece starts at a chunk's size rather than grow to it by copies.
      if (this.buf.length < CHUNK_BYTES || this.buf.length < extra) this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, extra)) as LatinBuffer;
      return;
    }
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size) as LatinBuffer;
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/** Writes a non-negative safe integer's decimal digits at `at`; returns the new end. */
function writeDigits(buf: Buffer, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 48 + n;
    return at + 1;
  }
  if (n < 100) {
    buf[at] = 48 + ((n / 10) | 0);
    buf[at + 1] = 48 + (n % 10);
    return at + 2;
  }
  let digits = 3;
  for (let p = 1000; p <= n && digits < 16; p *= 10) digits++;
  let end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    buf[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

function writeSigned(buf: Buffer, at: number, n: number): number {
  buf[at] = 45; // -
  return writeDigits(buf, at + 1, -n);
}

/** CR and LF would end the error line early: Redis maps them to spaces. */
function sanitize(text: string): string {
  return text.indexOf("\r") < 0 && text.indexOf("\n") < 0 ? text : text.replace(/[\r\n]/g, " ");
}

/**
 * A double as C's `%.17g` prints it (what Redis' addReplyDouble sends), with
 * `inf`/`-inf`/`nan` spelled Redis' way. Rounded on the exact binary value,
 * ties to even as glibc does (JS's toPrecision rounds ties away from zero).
 */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return "nan";
  if (d === Infinity) return "inf";
  if (d === -Infinity) return "-inf";
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  // An integer below 2^53 has at most 16 digits: %.17g prints it exactly, as String does (scores are mostly such).
  if (Number.isSafeInteger(d)) return String(d);
  const neg = d < 0;
  // d = m * 2^e exactly
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(d));
  const bits = view.getBigUint64(0);
  const rawExp = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  let e: number;
  if (rawExp === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = rawExp - 1075;
  }
  let x = Math.floor(Math.log10(Math.abs(d)));
  let digits = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    // q = round_half_even(m * 2^e * 10^(16 - x)), to have 17 significant digits
    const k = 16 - x;
    let num = m;
    let den = 1n;
    if (e >= 0) num <<= BigInt(e);
    else den <<= BigInt(-e);
    if (k >= 0) num *= 10n ** BigInt(k);
    else den *= 10n ** BigInt(-k);
    let q = num / den;
    const r2 = (num % den) * 2n;
    if (r2 > den || (r2 === den && (q & 1n) === 1n)) q++;
    digits = q.toString();
    if (digits.length === 18) x++;
    else if (digits.length === 16) x--;
    else break;
  }
  const sign = neg ? "-" : "";
  if (x < -4 || x >= 17) {
    const mant = trimZeros(`${digits[0]}.${digits.slice(1)}`);
    const ax = Math.abs(x);
    return `${sign}${mant}e${x < 0 ? "-" : "+"}${ax < 10 ? "0" : ""}${ax}`;
  }
  if (x >= 0) return sign + trimZeros(`${digits.slice(0, x + 1)}.${digits.slice(x + 1)}`);
  return sign + trimZeros(`0.${"0".repeat(-x - 1)}${digits}`);
}

function trimZeros(s: string): string {
  if (s.indexOf(".") < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}
