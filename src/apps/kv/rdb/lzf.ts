/**
 * LZF, the compression RDB applies to strings longer than 20 bytes
 * (liblzf 3.6 as Redis 7.0 builds it: HLOG 16, VERY_FAST, hash slots
 * holding offsets from the input's start). The compressor makes the same
 * choices as Redis' so that DUMP output is byte for byte Redis' own; the
 * decompressor checks every reference and length against its buffers.
 *
 * Redis' hash table is an uninitialised array on the stack, so a slot not
 * yet written in this call still holds the offset an earlier call left
 * there, and a match through it is taken when the bytes agree. The table
 * here is likewise kept from call to call (zero at start, as fresh stack
 * pages are): the same sequence of compressions gives Redis' bytes.
 *
 * Format: `000LLLLL` + L+1 literal bytes; `LLLooooo oooooooo` a back
 * reference of L+2 bytes at distance o+1; `111ooooo LLLLLLLL oooooooo`
 * one of L+9 bytes.
 *
 * @example
 * const c = lzfCompress(bytes, bytes.length - 4); // null: not worth it
 * lzfDecompress(c!, bytes.length);                 // bytes again
 */
import { RdbError } from "./rdb_lengths.js";

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** The hash slots: offsets into the input (0 = none), kept across calls as Redis' stack array is. */
const htab = new Uint32Array(HSIZE);

const idx = (h: number): number => ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);

/**
 * lzf_compress into at most `outLen` bytes: the compressed bytes, or null
 * when they would not fit (Redis then stores the string as it is).
 */
export function lzfCompress(inp: Uint8Array, outLen: number): Uint8Array | null {
  const inLen = inp.length;
  if (inLen === 0 || outLen <= 0) return null;
  const out = new Uint8Array(outLen + 4);
  let ip = 0;
  let op = 1; // start run
  let lit = 0;
  let hval = ((inp[0]! << 8) | (inp[1] ?? 0)) >>> 0;
  while (ip < inLen - 2) {
    hval = ((hval << 8) | inp[ip + 2]!) >>> 0;
    const slot = idx(hval);
    const ref = htab[slot]!; // an offset; 0 is no entry (and never a match: ref must be past the start)
    htab[slot] = ip;
    const off = ip - ref - 1;
    if (ref > 0 && off >= 0 && off < MAX_OFF && inp[ref + 2] === inp[ip + 2] && inp[ref] === inp[ip] && inp[ref + 1] === inp[ip + 1]) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outLen && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outLen) return null;
      out[op - lit - 1] = lit - 1; // stop run
      if (lit === 0) op--; // undo run if length is zero
      // as liblzf: up to 16 bytes compared before the bound is checked again
      let done = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (inp[ref + len] !== inp[ip + len]) {
            done = true;
            break;
          }
        }
      }
      if (!done) {
        do len++;
        while (len < maxlen && inp[ref + len] === inp[ip + len]);
      }
      len -= 2; // len is now #octets - 1
      ip++;
      if (len < 7) out[op++] = (off >> 8) + (len << 5);
      else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start run
      ip += len + 1;
      if (ip >= inLen - 2) break;
      ip -= 2;
      hval = ((inp[ip]! << 8) | inp[ip + 1]!) >>> 0;
      hval = ((hval << 8) | inp[ip + 2]!) >>> 0;
      htab[idx(hval)] = ip;
      ip++;
      hval = ((hval << 8) | inp[ip + 2]!) >>> 0;
      htab[idx(hval)] = ip;
      ip++;
    } else {
      if (op >= outLen) return null;
      lit++;
      out[op++] = inp[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outLen) return null;
  while (ip < inLen) {
    lit++;
    out[op++] = inp[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1; // end run
  if (lit === 0) op--;
  return out.subarray(0, op);
}

/** The most bytes `n` compressed bytes can expand to (a 3-byte back reference gives 264). */
export function lzfMaxExpansion(n: number): number {
  return n * 88 + 8;
}

/**
 * lzf_decompress to exactly `outLen` bytes; throws {@link RdbError} on a
 * reference before the start, input that ends inside an instruction, or
 * output of another length.
 */
export function lzfDecompress(inp: Uint8Array, outLen: number): Uint8Array {
  if (outLen > lzfMaxExpansion(inp.length)) throw new RdbError("LZF length larger than the data can give");
  const out = new Uint8Array(outLen);
  const inLen = inp.length;
  let ip = 0;
  let op = 0;
  while (ip < inLen) {
    const ctrl = inp[ip++]!;
    if (ctrl < 1 << 5) {
      const n = ctrl + 1;
      if (op + n > outLen) throw new RdbError("LZF output too long");
      if (ip + n > inLen) throw new RdbError("LZF input truncated");
      out.set(inp.subarray(ip, ip + n), op);
      ip += n;
      op += n;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= inLen) throw new RdbError("LZF input truncated");
        len += inp[ip++]!;
      }
      if (ip >= inLen) throw new RdbError("LZF input truncated");
      const ref = op - ((ctrl & 0x1f) << 8) - 1 - inp[ip++]!;
      len += 2;
      if (op + len > outLen) throw new RdbError("LZF output too long");
      if (ref < 0) throw new RdbError("LZF reference before the start");
      for (let k = 0; k < len; k++) out[op + k] = out[ref + k]!;
      op += len;
    }
  }
  if (op !== outLen) throw new RdbError("LZF output length differs from the declared one");
  return out;
}
