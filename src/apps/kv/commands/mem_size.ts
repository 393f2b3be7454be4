/**
 * The byte arithmetic of redis-server 7.0's memory use on 64 bits with
 * jemalloc: size classes, sds headers, listpack entries, the sizes of its
 * structs. MEMORY USAGE (object_commands.ts), the keyspace's accounting
 * (db.ts) and the eviction estimate (mem_estimate.ts) share it, so
 * `used_memory` grows as the sum of what MEMORY USAGE says.
 *
 * @example
 * jeSize(17);            // 32
 * stringCost("k", "v");  // bytes of key "k" holding "v" (an embstr)
 */

/** jemalloc's size class for an allocation of n bytes (16-byte quantum, then 4 classes per doubling). */
export function jeSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  if (n <= 0x40000000) {
    // floor(log2(n - 1)) by clz32: Math.log2 and ** cost ~1 k instructions, on every write's accounting.
    const mask = (1 << (29 - Math.clz32(n - 1))) - 1;
    return (n + mask) & ~mask;
  }
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/** An sds string of `len` bytes as zmalloc sizes it: header (by length) + bytes + NUL. */
export function sdsSize(len: number, type5: boolean): number {
  const hdr = len < 32 && len > 0 && type5 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9;
  return jeSize(hdr + len + 1);
}

/** sizeof(robj), dictEntry, dict, quicklist and quicklistNode on 64 bits. */
export const ROBJ = 16;
export const DICT_ENTRY = 24;
export const DICT = 56;
export const QUICKLIST = 40;
export const QUICKLIST_NODE = 32;
/** A listpack's header (total bytes, count) and end byte. */
export const LP_OVERHEAD = 7;
/** list-max-listpack-size -2: a quicklist node's listpack holds up to 8 KB. */
export const LIST_NODE_BYTES = 8192;
/** hash-max-listpack-entries / -value defaults (redis-server 7.0's config.c). */
export const HASH_LP_ENTRIES = 512;
export const HASH_LP_VALUE = 64;
/** Redis' OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
const EMBSTR_MAX = 44;

const INT_RE = /^-?[1-9][0-9]{0,18}$|^0$/;

/** Whether Redis stores `s` as a long (at most 20 characters, canonical, in int64 range). */
export function isLongString(s: string): boolean {
  // Most strings fail on their first character, before the regex's cost.
  const c = s.charCodeAt(0);
  if (s.length > 20 || (c !== 45 /* - */ && (c < 48 || c > 57)) || !INT_RE.test(s)) return false;
  if (s.length < 19) return true;
  const n = BigInt(s);
  return n === BigInt.asIntN(64, n);
}

/** One listpack entry: encoding header + data + back-length (integers in 1-9 bytes, as lpEncode does). */
export function lpEntrySize(s: string): number {
  if (isLongString(s)) {
    const n = BigInt(s);
    const len = n >= 0n && n <= 127n ? 1 : n >= -4096n && n <= 4095n ? 2 : n >= -32768n && n <= 32767n ? 3
      : n >= -8388608n && n <= 8388607n ? 4 : n >= -2147483648n && n <= 2147483647n ? 5 : 9;
    return len + 1;
  }
  const l = s.length;
  const head = l < 64 ? 1 : l < 4096 ? 2 : 5;
  const body = head + l;
  return body + (body < 128 ? 1 : body < 16384 ? 2 : body < 2097152 ? 3 : body < 268435456 ? 4 : 5);
}

/** A string value's robj: a long in the robj (int), bytes inside it (embstr, up to 44) or beside it (raw). */
export function stringValueSize(v: string): number {
  if (v.length <= 20 && isLongString(v)) return ROBJ;
  if (v.length <= EMBSTR_MAX) return jeSize(ROBJ + 3 + v.length + 1);
  return ROBJ + sdsSize(v.length, false);
}

/** What a key costs besides its value: its sds and its dict entry. */
export function keyOverhead(key: string): number {
  return sdsSize(key.length, true) + DICT_ENTRY;
}

/** The bytes of `key` holding the string `v` (MEMORY USAGE's figure for it). */
export function stringCost(key: string, v: string): number {
  return stringValueSize(v) + keyOverhead(key);
}

/** A dict's bucket array for n entries (power-of-two sizes, at least 4; 0 when empty). */
export function dictTable(n: number): number {
  if (n === 0) return 0;
  if (n <= 4) return 32;
  // The next power of two (Maps hold at most 2^24 entries), by a shift: `2 ** x` calls pow.
  if (n <= 0x40000000) return 8 * (1 << (32 - Math.clz32(n - 1)));
  return 8 * 2 ** (32 - Math.clz32(n - 1));
}
