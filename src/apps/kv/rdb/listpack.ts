/**
 * Redis' listpack (listpack.c), the compact encoding RDB stores small
 * hashes and sorted sets and every list node in: a 6-byte header (total
 * bytes u32 LE, count u16 LE, 65535 when not known), entries, and 0xFF.
 * An entry is its encoding (an integer in 7, 13, 16, 24, 32 or 64 bits,
 * or a string with a 6-, 12- or 32-bit length) followed by its own size
 * written backwards 7 bits per byte (for walking back). A string that
 * reads as a 64-bit integer (lpStringToInt64) is stored as one, as Redis does.
 *
 * @example
 * const lp = new ListpackWriter(); lp.add("a"); lp.add("12");
 * decodeListpack(lp.finish()); // ["a", "12"]
 */
import { RdbError } from "./rdb_lengths.js";

const INT_RE = /^(?:0|-?[1-9][0-9]{0,19})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** lpStringToInt64: the value when `s` is the canonical decimal of a 64-bit integer, else null. */
export function lpInt(s: string): bigint | number | null {
  if (s.length === 0 || s.length >= 21 || !INT_RE.test(s)) return null;
  if (s.length <= 15) return Number(s);
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

/** Bytes of the backlen of an entry of `l` bytes (lpEncodeBacklen). */
function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/** Builds a listpack entry by entry. */
export class ListpackWriter {
  private buf: Buffer;
  private pos = 6;
  count = 0;

  constructor(capacity = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 16));
  }

  /** Bytes the listpack would have now (header and terminator included). */
  get bytes(): number {
    return this.pos + 1;
  }

  private reserve(n: number): void {
    if (this.pos + n + 1 <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n + 1) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Appends `s` (latin1), as an integer when it reads as one. */
  add(s: string): void {
    const v = lpInt(s);
    if (v !== null) this.addInt(v);
    else this.addString(s);
  }

  /** Appends an integer (lpAppendInteger). */
  addInt(v: bigint | number): void {
    this.reserve(10);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    if (typeof v === "bigint" && v >= -2147483648n && v <= 2147483647n) v = Number(v);
    if (typeof v === "number" && (v < -2147483648 || v > 2147483647)) v = BigInt(v);
    if (typeof v === "bigint") {
      b[p++] = 0xf4;
      b.writeBigInt64LE(v, p);
      p += 8;
    } else if (v >= 0 && v <= 127) b[p++] = v;
    else if (v >= -4096 && v <= 4095) {
      const u = v < 0 ? (1 << 13) + v : v;
      b[p++] = (u >> 8) | 0xc0;
      b[p++] = u & 0xff;
    } else if (v >= -32768 && v <= 32767) {
      b[p++] = 0xf1;
      b.writeInt16LE(v, p);
      p += 2;
    } else if (v >= -8388608 && v <= 8388607) {
      b[p++] = 0xf2;
      b.writeIntLE(v, p, 3);
      p += 3;
    } else {
      b[p++] = 0xf3;
      b.writeInt32LE(v, p);
      p += 4;
    }
    this.pos = p;
    this.backlen(p - start);
  }

  /** Appends `s` as a string entry. */
  addString(s: string): void {
    const len = s.length;
    this.reserve(len + 10);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    if (len < 64) b[p++] = 0x80 | len;
    else if (len < 4096) {
      b[p++] = 0xe0 | (len >> 8);
      b[p++] = len & 0xff;
    } else {
      b[p++] = 0xf0;
      b.writeUInt32LE(len, p);
      p += 4;
    }
    p += b.write(s, p, "latin1");
    this.pos = p;
    this.backlen(p - start);
  }

  private backlen(l: number): void {
    const b = this.buf;
    const n = backlenSize(l);
    // lpEncodeBacklen: the high 7-bit group first, every later byte with the top bit set
    for (let i = 0; i < n; i++) {
      const shift = 7 * (n - 1 - i);
      b[this.pos + i] = (Math.floor(l / 2 ** shift) & 127) | (i === 0 ? 0 : 128);
    }
    this.pos += n;
    this.count++;
  }

  /** The finished listpack (header written, terminator appended). */
  finish(): Buffer {
    const b = this.buf;
    b[this.pos] = 0xff;
    const total = this.pos + 1;
    b.writeUInt32LE(total, 0);
    b.writeUInt16LE(this.count < 65535 ? this.count : 65535, 4);
    return b.subarray(0, total);
  }
}

/** The listpack of `items`, in order. */
export function listpackOf(items: Iterable<string>): Buffer {
  const w = new ListpackWriter();
  for (const s of items) w.add(s);
  return w.finish();
}

/**
 * The entries of a listpack, as latin1 strings (integers in decimal).
 * Checks the header against the size, every entry and its backlen against
 * the bytes, the terminator and the count; throws {@link RdbError}.
 */
export function decodeListpack(lp: Uint8Array): string[] {
  const size = lp.length;
  if (size < 7) throw new RdbError("listpack too short");
  const view = Buffer.from(lp.buffer, lp.byteOffset, size);
  if (view.readUInt32LE(0) !== size) throw new RdbError("listpack size mismatch");
  if (lp[size - 1] !== 0xff) throw new RdbError("listpack without terminator");
  const declared = view.readUInt16LE(4);
  const out: string[] = [];
  let p = 6;
  const end = size - 1;
  while (p < end) {
    const start = p;
    const e = lp[p]!;
    let s: string;
    if (e < 0x80) {
      s = String(e);
      p += 1;
    } else if ((e & 0xc0) === 0x80) {
      const len = e & 0x3f;
      if (p + 1 + len > end) throw new RdbError("listpack entry past the end");
      s = view.toString("latin1", p + 1, p + 1 + len);
      p += 1 + len;
    } else if ((e & 0xe0) === 0xc0) {
      if (p + 2 > end) throw new RdbError("listpack entry past the end");
      const u = ((e & 0x1f) << 8) | lp[p + 1]!;
      s = String(u >= 1 << 12 ? u - (1 << 13) : u);
      p += 2;
    } else if ((e & 0xf0) === 0xe0) {
      if (p + 2 > end) throw new RdbError("listpack entry past the end");
      const len = ((e & 0x0f) << 8) | lp[p + 1]!;
      if (p + 2 + len > end) throw new RdbError("listpack entry past the end");
      s = view.toString("latin1", p + 2, p + 2 + len);
      p += 2 + len;
    } else if (e === 0xf0) {
      if (p + 5 > end) throw new RdbError("listpack entry past the end");
      const len = view.readUInt32LE(p + 1);
      if (p + 5 + len > end) throw new RdbError("listpack entry past the end");
      s = view.toString("latin1", p + 5, p + 5 + len);
      p += 5 + len;
    } else if (e >= 0xf1 && e <= 0xf4) {
      const n = e === 0xf1 ? 2 : e === 0xf2 ? 3 : e === 0xf3 ? 4 : 8;
      if (p + 1 + n > end) throw new RdbError("listpack entry past the end");
      s = n === 8 ? String(view.readBigInt64LE(p + 1)) : String(view.readIntLE(p + 1, n));
      p += 1 + n;
    } else throw new RdbError("listpack: bad entry encoding");
    const l = p - start;
    const n = backlenSize(l);
    if (p + n > end) throw new RdbError("listpack backlen past the end");
    let back = 0;
    for (let i = 0; i < n; i++) back = back * 128 + (lp[p + i]! & 127);
    if (back !== l) throw new RdbError("listpack backlen mismatch");
    p += n;
    out.push(s);
  }
  if (declared !== 65535 && declared !== out.length) throw new RdbError("listpack count mismatch");
  return out;
}
