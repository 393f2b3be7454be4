/**
 * Redis' HyperLogLog representation, byte for byte (hyperloglog.c): a
 * string of a 16-byte header ("HYLL", encoding, 3 unused bytes, cached
 * cardinality little endian with bit 63 meaning "stale") and either 16384
 * dense 6-bit registers or the sparse run-length opcodes (ZERO 00xxxxxx,
 * XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx), with the same opcode splitting,
 * merging and promotion to dense (a value over 32, or a sparse string over
 * hll-sparse-max-bytes) as Redis, so a value made here GETs equal to
 * Redis' and a value made by Redis counts the same here. Elements are
 * hashed with MurmurHash64A (seed 0xadc83b19), in 32-bit halves (no BigInt).
 */
import { ByteString } from "./byte_string.js";

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_Q = 64 - HLL_P;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + Math.floor((HLL_REGISTERS * 6 + 7) / 8);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
/** Redis' default hll-sparse-max-bytes. */
export const HLL_SPARSE_MAX_BYTES = 3000;
const VAL_MAX_VALUE = 32;
const VAL_MAX_LEN = 4;
const ZERO_MAX_LEN = 64;
const XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.721347520444481703680;

// --- MurmurHash64A over a latin1 string, 64-bit values as [hi, lo] uint32 halves

let RH = 0;
let RL = 0;
const MH = 0xc6a4a793;
const ML = 0x5bd1e995;

/** RH:RL = (ah:al * bh:bl) mod 2^64. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0;
  let lo = a0 * b0 + (mid % 65536) * 65536;
  const carry = Math.floor(lo / 4294967296);
  lo = lo % 4294967296;
  const hi = a1 * b1 + Math.floor(mid / 65536) + carry + Math.imul(ah, bl) + Math.imul(al, bh);
  RH = hi >>> 0;
  RL = lo >>> 0;
}

/** MurmurHash64A(s, seed 0xadc83b19), left in RH:RL. */
function murmur64(s: string): void {
  const len = s.length;
  mul64(0, len, MH, ML);
  let hh = RH;
  let hl = (RL ^ 0xadc83b19) >>> 0;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    const kl = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    const kh = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mul64(kh, kl, MH, ML);
    let xh = RH;
    let xl = (RL ^ (xh >>> 15)) >>> 0; // k ^= k >> 47
    mul64(xh, xl, MH, ML);
    xh = RH;
    xl = RL;
    mul64((hh ^ xh) >>> 0, (hl ^ xl) >>> 0, MH, ML);
    hh = RH;
    hl = RL;
  }
  const rest = len & 7;
  if (rest > 0) {
    if (rest >= 7) hh ^= s.charCodeAt(i + 6) << 16;
    if (rest >= 6) hh ^= s.charCodeAt(i + 5) << 8;
    if (rest >= 5) hh ^= s.charCodeAt(i + 4);
    if (rest >= 4) hl ^= s.charCodeAt(i + 3) << 24;
    if (rest >= 3) hl ^= s.charCodeAt(i + 2) << 16;
    if (rest >= 2) hl ^= s.charCodeAt(i + 1) << 8;
    hl ^= s.charCodeAt(i);
    mul64(hh >>> 0, hl >>> 0, MH, ML);
    hh = RH;
    hl = RL;
  }
  hl = (hl ^ (hh >>> 15)) >>> 0;
  mul64(hh, hl, MH, ML);
  RL = (RL ^ (RH >>> 15)) >>> 0;
}

/** The 64-bit hash of an element as a bigint (for tests). */
export function murmurHash64A(s: string): bigint {
  murmur64(s);
  return (BigInt(RH) << 32n) | BigInt(RL);
}

let PAT_INDEX = 0;

/** hllPatLen: the run of zeros + 1 above the 14 index bits (1..51); the register in PAT_INDEX. */
function patLen(s: string): number {
  murmur64(s);
  PAT_INDEX = RL & (HLL_REGISTERS - 1);
  const low = RL >>> HLL_P; // hash bits 14..31
  if (low !== 0) return 32 - Math.clz32(low & -low);
  if (RH !== 0) return 18 + 32 - Math.clz32(RH & -RH);
  return HLL_Q + 1;
}

// --- dense registers (6 bits each, LSB first), `r` the whole value, registers from byte 16

export function denseGet(r: Uint8Array, i: number): number {
  const bit = i * 6;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < HLL_DENSE_SIZE ? r[byte + 1]! : 0;
  return ((r[byte]! >> fb) | (b1 << (8 - fb))) & 63;
}

function denseSetRaw(r: Uint8Array, i: number, v: number): void {
  const bit = i * 6;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  r[byte] = (r[byte]! & ~(63 << fb)) | (v << fb);
  if (byte + 1 < HLL_DENSE_SIZE) r[byte + 1] = (r[byte + 1]! & ~(63 >> (8 - fb))) | (v >> (8 - fb));
}

/** hllDenseSet: raises register i to `count`; 1 when it changed. */
function denseSet(r: Uint8Array, i: number, count: number): number {
  if (count <= denseGet(r, i)) return 0;
  denseSetRaw(r, i, count);
  return 1;
}

// --- sparse opcodes

const isZero = (x: number) => (x & 0xc0) === 0;
const isXzero = (x: number) => (x & 0xc0) === 0x40;
const isVal = (x: number) => (x & 0x80) !== 0;
const zeroLen = (x: number) => (x & 0x3f) + 1;
const valValue = (x: number) => ((x >> 2) & 0x1f) + 1;
const valLen = (x: number) => (x & 3) + 1;
const valOp = (v: number, len: number) => (((v - 1) << 2) | (len - 1) | 0x80) & 0xff;

/** Pushes the ZERO or XZERO opcode for a run of `len` zero registers. */
function pushZeros(out: number[], len: number): void {
  if (len > ZERO_MAX_LEN) out.push(((len - 1) >> 8) | 0x40, (len - 1) & 0xff);
  else out.push(len - 1);
}

/** createHLLObject: an empty sparse HLL (XZERO:16384, cached cardinality 0). */
export function createHll(): ByteString {
  const n = HLL_HDR_SIZE + Math.ceil(HLL_REGISTERS / XZERO_MAX_LEN) * 2;
  const b = ByteString.zeros(n);
  b.bytes.set([72, 89, 76, 76, HLL_SPARSE], 0); // "HYLL"
  let p = HLL_HDR_SIZE;
  for (let left = HLL_REGISTERS; left > 0; left -= XZERO_MAX_LEN) {
    const run = Math.min(left, XZERO_MAX_LEN) - 1;
    b.bytes[p++] = (run >> 8) | 0x40;
    b.bytes[p++] = run & 0xff;
  }
  return b;
}

/** isHLLObjectOrReply's checks on a string's bytes. */
export function isHll(len: number, at: (i: number) => number): boolean {
  if (len < HLL_HDR_SIZE) return false;
  if (at(0) !== 72 || at(1) !== 89 || at(2) !== 76 || at(3) !== 76) return false;
  const enc = at(4);
  if (enc > HLL_SPARSE) return false;
  return enc !== HLL_DENSE || len === HLL_DENSE_SIZE;
}

export function invalidateCache(b: ByteString): void {
  b.bytes[15]! |= 0x80;
}

/** hllSparseToDense: false when the sparse data is corrupt (b unchanged). */
export function sparseToDense(b: ByteString): boolean {
  const s = b.bytes;
  if (s[4] === HLL_DENSE) return true;
  const d = new Uint8Array(HLL_DENSE_SIZE);
  d.set(s.subarray(0, HLL_HDR_SIZE));
  d[4] = HLL_DENSE;
  let idx = 0;
  const end = b.length;
  for (let p = HLL_HDR_SIZE; p < end; ) {
    const x = s[p]!;
    if (isZero(x)) {
      idx += zeroLen(x);
      p++;
    } else if (isXzero(x)) {
      idx += (((x & 0x3f) << 8) | s[p + 1]!) + 1;
      p += 2;
    } else {
      let run = valLen(x);
      const v = valValue(x);
      if (run + idx > HLL_REGISTERS) return false;
      while (run-- > 0) denseSetRaw(d, idx++, v);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  b.bytes = d;
  b.length = HLL_DENSE_SIZE;
  return true;
}

/** Drops byte p of the value (memmove left by one). */
function removeByte(b: ByteString, p: number): void {
  b.bytes.copyWithin(p, p + 1, b.length);
  b.length--;
  b.bytes[b.length] = 0;
}

/**
 * hllSparseSet: raises register `index` to `count` (1 when it changed, 0
 * when not, -1 for corrupt data), promoting to dense as Redis does.
 */
function sparseSet(b: ByteString, index: number, count: number, maxBytes: number): number {
  if (count <= VAL_MAX_VALUE) {
    b.reserve(3);
    const r = b.bytes;
    let end = b.length;
    let p = HLL_HDR_SIZE;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const x = r[p]!;
      let oplen = 1;
      if (isZero(x)) span = zeroLen(x);
      else if (isVal(x)) span = valLen(x);
      else {
        span = (((x & 0x3f) << 8) | r[p + 1]!) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const x = r[p]!;
    const xzero = isXzero(x);
    const next = xzero ? p + 2 : p + 1;
    let done = false;
    if (isVal(x)) {
      if (valValue(x) >= count) return 0;
      if (valLen(x) === 1) {
        r[p] = valOp(count, 1);
        done = true;
      }
    } else if (isZero(x) && zeroLen(x) === 1) {
      r[p] = valOp(count, 1);
      done = true;
    }
    if (!done) {
      const seq: number[] = [];
      const last = first + span - 1;
      if (!isVal(x)) {
        if (index !== first) pushZeros(seq, index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZeros(seq, last - index);
      } else {
        const cur = valValue(x);
        if (index !== first) seq.push(valOp(cur, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(cur, last - index));
      }
      const delta = seq.length - (xzero ? 2 : 1);
      if (!(delta > 0 && b.length + delta > maxBytes)) {
        if (delta !== 0 && next < end) r.copyWithin(next + delta, next, end);
        if (delta < 0) r.fill(0, end + delta, end);
        b.length += delta;
        r.set(seq, p);
        end += delta;
        done = true;
      }
    }
    if (done) {
      // Merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from the previous one.
      p = prev >= 0 ? prev : HLL_HDR_SIZE;
      let scan = 5;
      while (p < end && scan-- > 0) {
        const y = r[p]!;
        if (isXzero(y)) {
          p += 2;
          continue;
        }
        if (isZero(y)) {
          p++;
          continue;
        }
        if (p + 1 < end && isVal(r[p + 1]!)) {
          const v1 = valValue(y);
          const v2 = valValue(r[p + 1]!);
          if (v1 === v2) {
            const len = valLen(y) + valLen(r[p + 1]!);
            if (len <= VAL_MAX_LEN) {
              r[p + 1] = valOp(v1, len);
              removeByte(b, p);
              end--;
              continue;
            }
          }
        }
        p++;
      }
      invalidateCache(b);
      return 1;
    }
  }
  // Promote to dense; the register is then certainly raised.
  if (!sparseToDense(b)) return -1;
  return denseSet(b.bytes, index, count);
}

/** hllAdd: 1 when a register changed, 0 when not, -1 for corrupt sparse data. */
export function hllAdd(b: ByteString, element: string, maxBytes = HLL_SPARSE_MAX_BYTES): number {
  const count = patLen(element);
  const index = PAT_INDEX;
  if (b.bytes[4] === HLL_DENSE) return denseSet(b.bytes, index, count);
  return sparseSet(b, index, count, maxBytes);
}

/** Raises register `index` to `count` in either encoding (PFMERGE's write of the merged registers). */
export function hllSet(b: ByteString, index: number, count: number, maxBytes = HLL_SPARSE_MAX_BYTES): number {
  if (b.bytes[4] === HLL_DENSE) return denseSet(b.bytes, index, count);
  return sparseSet(b, index, count, maxBytes);
}

/** hllMerge: max[i] = max(max[i], register i) over an HLL's bytes `s`; false when corrupt. */
export function hllMerge(max: Uint8Array, s: Uint8Array): boolean {
  if (s[4] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(s, i);
      if (v > max[i]!) max[i] = v;
    }
    return true;
  }
  let i = 0;
  const end = s.length;
  for (let p = HLL_HDR_SIZE; p < end; ) {
    const x = s[p]!;
    if (isZero(x)) {
      i += zeroLen(x);
      p++;
    } else if (isXzero(x)) {
      i += (((x & 0x3f) << 8) | (s[p + 1] ?? 0)) + 1;
      p += 2;
    } else {
      let run = valLen(x);
      const v = valValue(x);
      if (run + i > HLL_REGISTERS) return false;
      while (run-- > 0) {
        if (v > max[i]!) max[i] = v;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let zPrime: number;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let zPrime: number;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** The estimate from a register histogram (Ertl's estimator, as Redis 5+). */
function estimate(histo: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * sigma(histo[0]! / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/**
 * hllCount of an HLL's bytes `s` (dense or sparse); null when the sparse
 * data does not cover exactly 16384 registers.
 */
export function hllCount(s: Uint8Array): number | null {
  const histo = new Int32Array(64);
  if (s[4] === HLL_DENSE) {
    // Four 6-bit registers in every three bytes.
    for (let p = HLL_HDR_SIZE; p < HLL_DENSE_SIZE; p += 3) {
      const b0 = s[p]!;
      const b1 = s[p + 1]!;
      const b2 = s[p + 2]!;
      histo[b0 & 63]!++;
      histo[((b0 >> 6) | (b1 << 2)) & 63]!++;
      histo[((b1 >> 4) | (b2 << 4)) & 63]!++;
      histo[b2 >> 2]!++;
    }
  } else {
    let idx = 0;
    const end = s.length;
    for (let p = HLL_HDR_SIZE; p < end; ) {
      const x = s[p]!;
      if (isZero(x)) {
        const run = zeroLen(x);
        idx += run;
        histo[0]! += run;
        p++;
      } else if (isXzero(x)) {
        const run = (((x & 0x3f) << 8) | (s[p + 1] ?? 0)) + 1;
        idx += run;
        histo[0]! += run;
        p += 2;
      } else {
        const run = valLen(x);
        idx += run;
        histo[valValue(x)]! += run;
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return null;
  }
  return estimate(histo);
}

/** hllCount of raw registers, one byte each (PFCOUNT of several keys). */
export function rawCount(max: Uint8Array): number {
  const histo = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[max[i]!]!++;
  return estimate(histo);
}

/** The cached cardinality bytes 8..15, little endian (bit 63 is the stale mark). */
export function readCard(at: (i: number) => number): number | bigint {
  const lo = (at(8) | (at(9) << 8) | (at(10) << 16) | (at(11) << 24)) >>> 0;
  const hi = (at(12) | (at(13) << 8) | (at(14) << 16) | (at(15) << 24)) >>> 0;
  if (hi < 1 << 21) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export function writeCard(b: ByteString, card: number): void {
  let c = BigInt.asUintN(64, BigInt(card));
  for (let i = 8; i < 16; i++) {
    b.bytes[i] = Number(c & 0xffn);
    c >>= 8n;
  }
}

/** PFDEBUG DECODE's text of sparse bytes. */
export function decodeSparse(s: Uint8Array): string {
  const out: string[] = [];
  for (let p = HLL_HDR_SIZE; p < s.length; ) {
    const x = s[p]!;
    if (isZero(x)) {
      out.push(`z:${zeroLen(x)}`);
      p++;
    } else if (isXzero(x)) {
      out.push(`Z:${(((x & 0x3f) << 8) | (s[p + 1] ?? 0)) + 1}`);
      p += 2;
    } else {
      out.push(`v:${valValue(x)},${valLen(x)}`);
      p++;
    }
  }
  return out.join(" ");
}
