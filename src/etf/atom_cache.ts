/**
 * The decoder's recently decoded atoms (atoms repeat on every message): a direct-mapped cache, found by a
 * hash of an atom's length and first and last four bytes. A slot holds the atom's UTF-8 bytes as
 * little-endian 32-bit words (the first four bytes, the last four, then those between, four at a time) and
 * what decoding them gives (the Atom, or `true` / `false`): a hit compares words, not bytes. Atoms of more
 * than CACHED_ATOM_BYTES bytes are not cached.
 */
const ATOM_CACHE_BITS = 10;
const CACHED_ATOM_BYTES = 64;
const SLOT_WORDS = CACHED_ATOM_BYTES / 4;
const cacheLen = new Int32Array(1 << ATOM_CACHE_BITS).fill(-1);
const cacheWords = new Int32Array((1 << ATOM_CACHE_BITS) * SLOT_WORDS);
const cacheValue: unknown[] = new Array<unknown>(1 << ATOM_CACHE_BITS).fill(undefined);

/** The 4 bytes at `i` as a little-endian word (in bounds: checked by the caller). */
function wordAt(buf: Uint8Array, i: number): number {
  return buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
}

/** The first word of an atom's `n` bytes at `s`: its first four bytes, or all of them (zero-padded) if fewer. */
function firstWord(buf: Uint8Array, s: number, n: number): number {
  if (n >= 4) return wordAt(buf, s);
  return n === 0 ? 0 : n === 1 ? buf[s]! : n === 2 ? buf[s]! | (buf[s + 1]! << 8) : buf[s]! | (buf[s + 1]! << 8) | (buf[s + 2]! << 16);
}

function atomSlot(first: number, last: number, n: number): number {
  return Math.imul(first ^ Math.imul(last ^ n, 0x85ebca6b), 0x9e3779b1) >>> (32 - ATOM_CACHE_BITS);
}

/** The decoded atom (or boolean) whose UTF-8 bytes are the `n` at `s`, if cached; else undefined. */
export function cachedAtom(buf: Uint8Array, s: number, n: number): unknown {
  if (n > CACHED_ATOM_BYTES) return undefined;
  const first = firstWord(buf, s, n);
  const last = n >= 4 ? wordAt(buf, s + n - 4) : first;
  const slot = atomSlot(first, last, n);
  let w = slot * SLOT_WORDS;
  if (cacheLen[slot] !== n || cacheWords[w] !== first || cacheWords[w + 1] !== last) return undefined;
  // The bytes between (a word from each fourth byte on may overlap the last word: all within the atom).
  const end = s + n - 4;
  for (let i = s + 4; i < end; i += 4) if (cacheWords[(w += 1) + 1] !== wordAt(buf, i)) return undefined;
  return cacheValue[slot];
}

/** Caches `v` as what the `n` bytes at `s` decode to (see `cachedAtom`). */
export function cacheAtom(buf: Uint8Array, s: number, n: number, v: unknown): void {
  if (n > CACHED_ATOM_BYTES) return;
  const first = firstWord(buf, s, n);
  const last = n >= 4 ? wordAt(buf, s + n - 4) : first;
  const slot = atomSlot(first, last, n);
  let w = slot * SLOT_WORDS;
  cacheLen[slot] = n;
  cacheWords[w] = first;
  cacheWords[w + 1] = last;
  const end = s + n - 4;
  for (let i = s + 4; i < end; i += 4) cacheWords[(w += 1) + 1] = wordAt(buf, i);
  cacheValue[slot] = v;
}
