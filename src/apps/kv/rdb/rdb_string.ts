/**
 * RDB string encodings (rdb.c's rdbSaveRawString and
 * rdbGenericLoadStringObject): a length and the bytes; an integer of up
 * to 11 characters that reads back the same as 8, 16 or 32 bits
 * (`0xC0`/`0xC1`/`0xC2` + little endian); or, above 20 bytes, LZF
 * (`0xC3`, compressed length, original length, data) when that saves at
 * least 4 bytes. Saving makes Redis' choices exactly, so DUMP bytes match.
 *
 * @example
 * const w = new RdbWriter(); saveString(w, "12");  // c0 0c
 * loadString(new RdbReader(w.finish()));           // "12"
 */
import { lzfCompress, lzfDecompress } from "./lzf.js";
import { RdbError, type RdbReader, type RdbWriter } from "./rdb_lengths.js";
import { latin1 } from "../resp/resp.js";

export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

/** Integers Redis writes as 8/16/32 bits: what string2ll reads and ll2string writes back identically. */
const SMALL_INT_RE = /^(?:0|-?[1-9][0-9]{0,9})$/;

/** rdbTryIntegerEncoding on latin1 bytes `s` (at most 11 long): the encoded bytes, or null. */
function intEncoding(s: string): number[] | null {
  if (!SMALL_INT_RE.test(s)) return null;
  const v = Number(s);
  if (v >= -128 && v <= 127) return [0xc0 | RDB_ENC_INT8, v & 0xff];
  if (v >= -32768 && v <= 32767) return [0xc0 | RDB_ENC_INT16, v & 0xff, (v >> 8) & 0xff];
  if (v >= -2147483648 && v <= 2147483647) return [0xc0 | RDB_ENC_INT32, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
  return null;
}

/** rdbSaveRawString of a latin1 string. */
export function saveString(w: RdbWriter, s: string): void {
  const len = s.length;
  if (len <= 11) {
    const enc = intEncoding(s);
    if (enc !== null) {
      for (const b of enc) w.byte(b);
      return;
    }
  }
  if (len > 20) {
    const bytes = Buffer.from(s, "latin1");
    if (saveLzf(w, bytes)) return;
    w.len(len);
    w.bytes(bytes);
    return;
  }
  w.len(len);
  w.latin1(s);
}

/** rdbSaveRawString of bytes (a listpack, an intset). */
export function saveBytes(w: RdbWriter, bytes: Uint8Array): void {
  const len = bytes.length;
  if (len <= 11) {
    const enc = intEncoding(Buffer.from(bytes.buffer, bytes.byteOffset, len).toString("latin1"));
    if (enc !== null) {
      for (const b of enc) w.byte(b);
      return;
    }
  }
  if (len > 20 && saveLzf(w, bytes)) return;
  w.len(len);
  w.bytes(bytes);
}

/** rdbSaveLzfStringObject: true when written compressed (it saved at least 4 bytes). */
function saveLzf(w: RdbWriter, bytes: Uint8Array): boolean {
  if (!w.compress) return false;
  const c = lzfCompress(bytes, bytes.length - 4);
  if (c === null) return false;
  w.byte(0xc0 | RDB_ENC_LZF);
  w.len(c.length);
  w.len(bytes.length);
  w.bytes(c);
  return true;
}

/** rdbGenericLoadStringObject as bytes (a view into the input when stored plainly). */
export function loadBytes(r: RdbReader): Uint8Array {
  const { value, encoded } = r.lenOrEnc();
  if (!encoded) return r.bytes(value);
  switch (value) {
    case RDB_ENC_INT8:
    case RDB_ENC_INT16:
    case RDB_ENC_INT32:
      return Buffer.from(loadInt(r, value), "latin1");
    case RDB_ENC_LZF: {
      const clen = r.len();
      const len = r.len();
      const c = r.bytes(clen);
      // lzf_decompress answers 0 on any error, which Redis takes for success when 0 was expected
      if (len === 0) return new Uint8Array(0);
      return lzfDecompress(c, len);
    }
    default:
      throw new RdbError(`unknown RDB string encoding type ${value}`);
  }
}

function loadInt(r: RdbReader, enc: number): string {
  if (enc === RDB_ENC_INT8) return String((r.byte() << 24) >> 24);
  if (enc === RDB_ENC_INT16) {
    const p = r.bytes(2);
    return String(((p[0]! | (p[1]! << 8)) << 16) >> 16);
  }
  const p = r.bytes(4);
  return String(p[0]! | (p[1]! << 8) | (p[2]! << 16) | (p[3]! << 24));
}

/** rdbGenericLoadStringObject as a latin1 string. */
export function loadString(r: RdbReader): string {
  // The common case, a plain string: read straight from the input (no view, no copy: a file loads millions).
  const b0 = r.buf[r.pos];
  if (b0 !== undefined && b0 >> 6 === 0 && r.latin1 !== null) {
    const n = b0 & 0x3f;
    if (r.pos + 1 + n <= r.end) {
      r.pos += 1 + n;
      return latin1(r.latin1, r.pos - n, n);
    }
  }
  if (r.latin1 !== null) {
    const { value, encoded } = r.lenOrEnc();
    if (!encoded) {
      r.need(value);
      r.pos += value;
      return latin1(r.latin1, r.pos - value, value);
    }
    if (value <= RDB_ENC_INT32) return loadInt(r, value);
    r.pos--;
  }
  const b = loadBytes(r);
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");
}
