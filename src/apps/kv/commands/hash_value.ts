/**
 * What a hash remembers besides its fields: whether Redis would hold it as
 * a hashtable rather than a listpack. Redis converts a listpack hash once
 * it has more than 512 fields or is written a field or value longer than
 * 64 bytes, and never converts back (until a restart reloads it); OBJECT
 * ENCODING and HSCAN (a listpack is scanned whole in one call) show it.
 * The mark lives in a WeakSet, so a hash stays a plain Map.
 *
 * @example
 * noteHashArgs(h, argv, 2, argv.length - 1); // before the write: long arguments convert
 * noteHashSize(h);                // after it: too many fields convert
 * isHashtable(h);
 */
import { type HashValue } from "./db.js";

/** hash-max-listpack-entries and hash-max-listpack-value defaults (config.c's: redis.conf's sample says 128). */
export const HASH_LISTPACK_ENTRIES = 512;
export const HASH_LISTPACK_VALUE = 64;

const HASHTABLES = new WeakSet<HashValue>();

/** True when Redis would hold `h` as a hashtable. */
export function isHashtable(h: HashValue): boolean {
  return HASHTABLES.has(h);
}

/** Marks `h` as a hashtable (a copy of one is one too). */
export function markHashtable(h: HashValue): void {
  HASHTABLES.add(h);
}

/** hashTypeTryConversion: an argument longer than 64 bytes converts, whether or not it is then written. */
export function noteHashArgs(h: HashValue, argv: readonly string[], from: number, to: number): void {
  for (let i = from; i <= to; i++) {
    if (argv[i]!.length > HASH_LISTPACK_VALUE) {
      HASHTABLES.add(h);
      return;
    }
  }
}

/** After fields were added: past 512 fields converts. */
export function noteHashSize(h: HashValue): void {
  if (h.size > HASH_LISTPACK_ENTRIES) HASHTABLES.add(h);
}
