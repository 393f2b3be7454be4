/**
 * Redis' CRC-64 (crc64.c): the Jones polynomial 0xad93d23594c935a9,
 * reflected, initial value 0, no final xor. DUMP payloads and RDB files
 * end with it. Computed bytewise from a 256-entry table held as two
 * 32-bit halves (no BigInt in the loop).
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

/** The CRC-64 of `data` (continuing from `crc`), as Redis' crc64(crc, data, len). */
export function crc64(data: Uint8Array, crc = 0n): bigint {
  let hi = Number(crc >> 32n) >>> 0;
  let lo = Number(crc & 0xffffffffn) >>> 0;
  for (let i = 0; i < data.length; i++) {
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
