/**
 * Redis' intset (intset.c), how RDB stores a small all-integer set:
 * element width in bytes (u32 LE: 2, 4 or 8, the smallest that holds
 * every member), count (u32 LE), then the members ascending, little endian.
 *
 * @example
 * decodeIntset(encodeIntset([3n, -1n])); // ["-1", "3"]
 */
import { RdbError } from "./rdb_lengths.js";

/** The intset of `members` (distinct 64-bit integers, any order). */
export function encodeIntset(members: bigint[]): Buffer {
  members.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of members) {
    if (v < -2147483648n || v > 2147483647n) {
      width = 8;
      break;
    }
    if (v < -32768n || v > 32767n) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + width * members.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(members.length, 4);
  let p = 8;
  for (const v of members) {
    if (width === 8) out.writeBigInt64LE(v, p);
    else out.writeIntLE(Number(v), p, width);
    p += width;
  }
  return out;
}

/** The members of an intset, as decimal strings; checks width, size, order (no duplicates). */
export function decodeIntset(b: Uint8Array): string[] {
  if (b.length < 8) throw new RdbError("intset too short");
  const view = Buffer.from(b.buffer, b.byteOffset, b.length);
  const width = view.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) throw new RdbError("intset: bad encoding");
  const count = view.readUInt32LE(4);
  if (8 + count * width !== b.length) throw new RdbError("intset size mismatch");
  if (count === 0) throw new RdbError("empty intset");
  const out: string[] = [];
  let prev: bigint | null = null;
  for (let i = 0, p = 8; i < count; i++, p += width) {
    const v = width === 8 ? view.readBigInt64LE(p) : BigInt(view.readIntLE(p, width));
    if (prev !== null && v <= prev) throw new RdbError("intset not ascending");
    prev = v;
    out.push(String(v));
  }
  return out;
}
