/**
 * The decoder's recently decoded atoms (atoms repeat on every message): a direct-mapped cache, found by a
 * hash of an atom's length and first and last four bytes. A slot holds the atom's UTF-8 bytes as
 * little-endian 32-bit words (the first four bytes, the last four, then those between, four at a time) and
 * what decoding them gives (the Atom, or `true` / `false`): a hit compares words, not bytes. Atoms of more
 * than CACHED_ATOM_BYTES bytes are not cached.
 */
import type { Atom } from "../term/atom.js";
import { T } from "./tag_literals.js";

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

/**
 * The decoded atom (or boolean) whose UTF-8 bytes are the `n` at `s`, if cached; else undefined. Atoms of up to
 * 16 bytes not at the input's last three bytes (nearly all) are compared in straight code with no calls, small
 * enough for TurboFan to inline: one read of four bytes masked to the atom's length when it is shorter, its last
 * four bytes, and the words from its fifth and ninth bytes where they are not within those.
 */
export function cachedAtom(buf: Uint8Array, s: number, n: number): unknown {
  if (n > 16 || s + 4 > buf.length) return cachedAtomAnywhere(buf, s, n);
  const first = (buf[s]! | (buf[s + 1]! << 8) | (buf[s + 2]! << 16) | (buf[s + 3]! << 24)) & (n >= 4 ? -1 : (1 << (n << 3)) - 1);
  let last = first;
  if (n > 4) {
    const e = s + n - 4;
    last = buf[e]! | (buf[e + 1]! << 8) | (buf[e + 2]! << 16) | (buf[e + 3]! << 24);
  }
  const slot = Math.imul(first ^ Math.imul(last ^ n, 0x85ebca6b), 0x9e3779b1) >>> (32 - ATOM_CACHE_BITS);
  const w = slot * SLOT_WORDS;
  if (cacheLen[slot] !== n || cacheWords[w] !== first || cacheWords[w + 1] !== last) return undefined;
  if (n > 8 && cacheWords[w + 2] !== (buf[s + 4]! | (buf[s + 5]! << 8) | (buf[s + 6]! << 16) | (buf[s + 7]! << 24))) return undefined;
  if (n > 12 && cacheWords[w + 3] !== (buf[s + 8]! | (buf[s + 9]! << 8) | (buf[s + 10]! << 16) | (buf[s + 11]! << 24))) return undefined;
  return cacheValue[slot];
}

/** `cachedAtom` for any atom: longer than 16 bytes, or shorter than 4 at the input's end. */
function cachedAtomAnywhere(buf: Uint8Array, s: number, n: number): unknown {
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

/**
 * The last node name read (pids and references name the same few nodes, the sender's first): its length, its
 * words (from its first, fifth and ninth bytes, and its last four bytes; longer names are not remembered) and its
 * Atom. One straight compare: no hash, no slot, no loop.
 */
const NODE_BYTES = 16;
const nodeWords = new Int32Array(4);
let nodeLen = 256; // none yet: no length byte is 256
let node: Atom | undefined;

/** The node name at `p` (a SMALL_ATOM_UTF8's tag) if it is the last one remembered; else undefined. */
export function knownNode(buf: Uint8Array, p: number): Atom | undefined {
  const n = nodeLen;
  const s = p + 2;
  if (s + n > buf.length || buf[p] !== T.SMALL_ATOM_UTF8 || buf[p + 1] !== n) return undefined;
  if (wordAt(buf, s) !== nodeWords[0] || wordAt(buf, s + n - 4) !== nodeWords[3]) return undefined;
  if (n > 8 && wordAt(buf, s + 4) !== nodeWords[1]) return undefined;
  if (n > 12 && wordAt(buf, s + 8) !== nodeWords[2]) return undefined;
  return node;
}

/** Remembers `a` as the node name whose UTF-8 bytes are the `n` at `s` (see `knownNode`). */
export function rememberNode(buf: Uint8Array, s: number, n: number, a: Atom): void {
  if (n < 4 || n > NODE_BYTES) return;
  nodeWords[0] = wordAt(buf, s);
  nodeWords[1] = n > 8 ? wordAt(buf, s + 4) : 0;
  nodeWords[2] = n > 12 ? wordAt(buf, s + 8) : 0;
  nodeWords[3] = wordAt(buf, s + n - 4);
  nodeLen = n;
  node = a;
}
