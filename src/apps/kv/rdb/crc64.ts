/**
 * Redis' CRC-64 (crc64.c): the Jones polynomial 0xad93d23594c935a9,
 * reflected, initial value 0, no final xor. DUMP payloads and RDB files
 * end with it. Computed 8 bytes at a time (slicing-by-8, as Redis'
 * crcspeed) from tables held as 32-bit halves (no BigInt in the loop):
 * about 3 times the bytewise rate, which matters for a whole RDB file.
 *
 * @example
 * crc64(Buffer.from("123456789")); // 0xe9c6d914c4b8d9can
 */
const HI = new Uint32Array(256);
const LO = new Uint32Array(256);
{
  // the reflected polynomial, bit-reversed 0xad93d23594c935a9
  let poly = 0n;
  for (let i = 0, p = 0xad93d23594c935a9n; i < 64; i++, p >>= 1n) poly = (poly << 1n) | (p & 1n);
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    HI[i] = Number(c >> 32n);
    LO[i] = Number(c & 0xffffffffn);
  }
}

/** Slicing-by-8 tables: T[k][i] is the CRC of byte i followed by k zero bytes (halves, table k at k * 256). */
const SHI = new Uint32Array(8 * 256);
const SLO = new Uint32Array(8 * 256);
SHI.set(HI);
SLO.set(LO);
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const ph = SHI[(k - 1) * 256 + i]!;
    const pl = SLO[(k - 1) * 256 + i]!;
    const t = pl & 0xff;
    SLO[k * 256 + i] = ((pl >>> 8) | (ph << 24)) ^ LO[t]!;
    SHI[k * 256 + i] = (ph >>> 8) ^ HI[t]!;
  }
}

/** The CRC-64 of `data` (continuing from `crc`), as Redis' crc64(crc, data, len). */
export function crc64(data: Uint8Array, crc = 0n): bigint {
  let hi = Number(crc >> 32n) >>> 0;
  let lo = Number(crc & 0xffffffffn) >>> 0;
  let i = 0;
  const n8 = data.length - (data.length % 8);
  for (; i < n8; i += 8) {
    const l = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    const h = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
    const a = 7 * 256 + (l & 0xff);
    const b = 6 * 256 + ((l >>> 8) & 0xff);
    const c = 5 * 256 + ((l >>> 16) & 0xff);
    const d = 4 * 256 + (l >>> 24);
    const e = 3 * 256 + (h & 0xff);
    const f = 2 * 256 + ((h >>> 8) & 0xff);
    const g = 256 + ((h >>> 16) & 0xff);
    const j = h >>> 24;
    lo = SLO[a]! ^ SLO[b]! ^ SLO[c]! ^ SLO[d]! ^ SLO[e]! ^ SLO[f]! ^ SLO[g]! ^ SLO[j]!;
    hi = SHI[a]! ^ SHI[b]! ^ SHI[c]! ^ SHI[d]! ^ SHI[e]! ^ SHI[f]! ^ SHI[g]! ^ SHI[j]!;
  }
  for (; i < data.length; i++) {
    const t = (lo ^ data[i]!) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ LO[t]!;
    hi = (hi >>> 8) ^ HI[t]!;
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The CRC-64 of `data` as its 8 little-endian bytes, as a DUMP payload ends. */
export function crc64Bytes(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeBigUInt64LE(crc64(data));
  return out;
}
