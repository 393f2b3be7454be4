/**
 * The byte level of Redis' RDB serialization (rdb.c): a bounds-checked
 * reader over untrusted bytes, a growing writer, and RDB's length
 * encoding (rdbSaveLen/rdbLoadLen): 6 bits, 14 bits big endian, or a
 * 0x80/0x81 marker and 32/64 bits big endian; `11xxxxxx` marks an encoded
 * string (integer or LZF) instead of a length.
 *
 * Every read checks what is left, so a declared length never allocates
 * more than the input holds; any malformed input throws {@link RdbError}.
 *
 * @example
 * const w = new RdbWriter(); w.len(300);
 * new RdbReader(w.finish()).len(); // 300
 */
import { KvError } from "../errors.js";

/** Malformed RDB input (RESTORE answers `ERR Bad data format`). */
export class RdbError extends KvError {}

export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;

/** A cursor over bytes that throws {@link RdbError} rather than read past the end. */
export class RdbReader {
  pos: number;
  /** The input as a Buffer (latin1Slice reads strings without a view), when it is one. */
  readonly latin1: (Buffer & { latin1Slice(start: number, end: number): string }) | null;

  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
    this.latin1 = Buffer.isBuffer(buf) ? (buf as Buffer & { latin1Slice(start: number, end: number): string }) : null;
  }

  get left(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are there. */
  need(n: number): void {
    if (n > this.end - this.pos) throw new RdbError("unexpected end of RDB data");
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  /** The next `n` bytes (a view, not a copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * rdbLoadLenByRef: a length, or (encoded true) a string encoding number
   * 0..63. A length beyond 2^53 cannot be that many bytes: an error.
   */
  lenOrEnc(): { value: number; encoded: boolean } {
    const b = this.byte();
    const type = b >> 6;
    if (type === RDB_ENCVAL) return { value: b & 0x3f, encoded: true };
    if (type === RDB_6BITLEN) return { value: b & 0x3f, encoded: false };
    if (type === RDB_14BITLEN) return { value: ((b & 0x3f) << 8) | this.byte(), encoded: false };
    if (b === RDB_32BITLEN) {
      const p = this.bytes(4);
      return { value: ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!, encoded: false };
    }
    if (b === RDB_64BITLEN) {
      const p = this.bytes(8);
      const hi = ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
      const lo = ((p[4]! << 24) >>> 0) + (p[5]! << 16) + (p[6]! << 8) + p[7]!;
      if (hi >= 1 << 21) throw new RdbError("RDB length too large");
      return { value: hi * 2 ** 32 + lo, encoded: false };
    }
    throw new RdbError(`unknown RDB length encoding ${b}`);
  }

  /** rdbLoadLen without the encoded flag (an encoded byte reads as its low 6 bits, as Redis does). */
  len(): number {
    return this.lenOrEnc().value;
  }

  /** rdbLoadLen as the full uint64 (stream IDs, counters). */
  lenBig(): bigint {
    const b = this.buf[this.pos];
    if (b !== RDB_64BITLEN) return BigInt(this.len());
    this.pos++;
    const p = this.bytes(8);
    return Buffer.from(p.buffer, p.byteOffset, 8).readBigUInt64BE(0);
  }

  /** A count of items that each take at least `minBytes`: more than the input could hold is an error. */
  count(minBytes = 1): number {
    const n = this.len();
    if (n * minBytes > this.left) throw new RdbError("RDB count larger than the input");
    return n;
  }
}

/** An append-only byte buffer that doubles as it fills. */
export class RdbWriter {
  private buf: Buffer;
  length = 0;
  /** rdbcompression: strings above 20 bytes may be LZF-compressed (DUMP and RDB files follow the setting). */
  compress = true;

  constructor(capacity = 64) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** `s` as latin1 bytes. */
  latin1(s: string): void {
    this.reserve(s.length);
    this.length += this.buf.write(s, this.length, "latin1");
  }

  /** rdbSaveLen. */
  len(n: number): void {
    if (n < 1 << 6) this.byte(n);
    else if (n < 1 << 14) {
      this.byte((RDB_14BITLEN << 6) | (n >> 8));
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      this.byte(RDB_32BITLEN);
      this.reserve(4);
      this.buf.writeUInt32BE(n, this.length);
      this.length += 4;
    } else {
      this.byte(RDB_64BITLEN);
      this.reserve(8);
      this.buf.writeBigUInt64BE(BigInt(n), this.length);
      this.length += 8;
    }
  }

  /** rdbSaveLen of a uint64 (`v` taken modulo 2^64, as C's cast). */
  lenBig(v: bigint): void {
    v = BigInt.asUintN(64, v);
    if (v <= 0xffffffffn) this.len(Number(v));
    else {
      this.byte(RDB_64BITLEN);
      this.reserve(8);
      this.buf.writeBigUInt64BE(v, this.length);
      this.length += 8;
    }
  }

  /** rdbSaveMillisecondTime: an int64, little endian. */
  int64LE(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigInt64LE(BigInt.asIntN(64, v), this.length);
    this.length += 8;
  }

  /** Forgets what was written, keeping the buffer (a file written in chunks). */
  reset(): void {
    this.length = 0;
  }

  /** The bytes written so far (a view of the buffer). */
  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
