/**
 * The compact encodings of RDB files before version 10 (Redis < 7.0),
 * which Redis 7.0 still loads: the ziplist (ziplist.c: header of total
 * bytes, tail offset and count; entries of previous-entry length,
 * encoding, data; 0xFF) and the zipmap of Redis 2.x hashes (zipmap.c).
 * Decoding only, with every length checked against the bytes.
 *
 * @example
 * decodeZiplist(bytes); // ["a", "1", ...]
 */
import { RdbError } from "./rdb_lengths.js";

/** The entries of a ziplist, as latin1 strings (integers in decimal). */
export function decodeZiplist(zl: Uint8Array): string[] {
  const size = zl.length;
  if (size < 11) throw new RdbError("ziplist too short");
  const view = Buffer.from(zl.buffer, zl.byteOffset, size);
  if (view.readUInt32LE(0) !== size) throw new RdbError("ziplist size mismatch");
  if (zl[size - 1] !== 0xff) throw new RdbError("ziplist without terminator");
  const declared = view.readUInt16LE(8);
  const end = size - 1;
  const out: string[] = [];
  let p = 10;
  let prevLen = 0;
  let lastStart = 10;
  while (p < end) {
    const start = p;
    // previous entry's length: 1 byte, or 0xFE and 4 bytes
    let prev = zl[p++]!;
    if (prev === 0xfe) {
      if (p + 4 > end) throw new RdbError("ziplist entry past the end");
      prev = view.readUInt32LE(p);
      p += 4;
    }
    if (prev !== prevLen) throw new RdbError("ziplist prevlen mismatch");
    if (p >= end) throw new RdbError("ziplist entry past the end");
    const e = zl[p++]!;
    let s: string;
    const top = e >> 6;
    if (top < 3) {
      let len: number;
      if (top === 0) len = e & 0x3f;
      else if (top === 1) {
        if (p >= end) throw new RdbError("ziplist entry past the end");
        len = ((e & 0x3f) << 8) | zl[p++]!;
      } else {
        if (e !== 0x80 || p + 4 > end) throw new RdbError("ziplist: bad string encoding");
        len = view.readUInt32BE(p);
        p += 4;
      }
      if (p + len > end) throw new RdbError("ziplist entry past the end");
      s = view.toString("latin1", p, p + len);
      p += len;
    } else {
      const n = e === 0xc0 ? 2 : e === 0xd0 ? 4 : e === 0xe0 ? 8 : e === 0xf0 ? 3 : e === 0xfe ? 1 : e >= 0xf1 && e <= 0xfd ? 0 : -1;
      if (n < 0) throw new RdbError("ziplist: bad integer encoding");
      if (p + n > end) throw new RdbError("ziplist entry past the end");
      s = n === 0 ? String((e & 0x0f) - 1) : n === 8 ? String(view.readBigInt64LE(p)) : String(view.readIntLE(p, n));
      p += n;
    }
    prevLen = p - start;
    lastStart = start;
    out.push(s);
  }
  if (out.length > 0 && view.readUInt32LE(4) !== lastStart) throw new RdbError("ziplist tail offset mismatch");
  if (declared !== 65535 && declared !== out.length) throw new RdbError("ziplist count mismatch");
  return out;
}

/** The field, value, field, value... of a zipmap. */
export function decodeZipmap(zm: Uint8Array): string[] {
  const view = Buffer.from(zm.buffer, zm.byteOffset, zm.length);
  const end = zm.length;
  let p = 1; // the count byte (254 means "count them")
  if (end < 2) throw new RdbError("zipmap too short");
  const out: string[] = [];
  const readLen = (): number => {
    if (p >= end) throw new RdbError("zipmap past the end");
    const b = zm[p++]!;
    if (b < 254) return b;
    if (b === 255) return -1;
    if (p + 4 > end) throw new RdbError("zipmap past the end");
    const l = view.readUInt32LE(p);
    p += 4;
    return l;
  };
  for (;;) {
    const klen = readLen();
    if (klen < 0) break;
    if (p + klen > end) throw new RdbError("zipmap past the end");
    out.push(view.toString("latin1", p, p + klen));
    p += klen;
    const vlen = readLen();
    if (vlen < 0 || p >= end) throw new RdbError("zipmap: field without a value");
    const free = zm[p++]!;
    if (p + vlen + free > end) throw new RdbError("zipmap past the end");
    out.push(view.toString("latin1", p, p + vlen));
    p += vlen + free;
  }
  if (p !== end) throw new RdbError("zipmap: bytes after the end");
  return out;
}
