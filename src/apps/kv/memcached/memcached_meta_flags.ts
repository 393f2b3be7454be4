/**
 * The flags of memcached 1.6.18's meta commands (`mg`, `ms`, `md`, `ma`),
 * read as proto_text.c's `_meta_flag_preparse` reads them: one token per
 * flag, its first character the flag, a number right after it for N, T,
 * R, F, C, J, D, a mode character for M. Both the parser (which answers
 * the errors) and the shard commands (which act on the flags, the key
 * already decoded) read them with this one function.
 *
 * Also memcached's base64 for binary keys (base64.c): decoding skips
 * characters outside the alphabet and stops after the first padded block,
 * so it accepts what a strict decoder would not, and 0 decoded bytes is a
 * failure.
 */
import { i32, u32, u64 } from "./memcached_numbers.js";

/** memcached's MFLAG_MAX_OPT_LENGTH: a meta line of more tokens (command, key and the end included) is refused. */
export const META_MAX_TOKENS = 20;
/** MFLAG_MAX_OPAQUE_LENGTH: an `O` token longer than this is refused. */
export const META_MAX_OPAQUE = 32;

export const BAD_TOKEN = "CLIENT_ERROR bad token in command line format";
export const OPAQUE_TOO_LONG = "CLIENT_ERROR opaque token too long";

/** What a meta command's flags ask for (memcached's `struct _meta_flags`). */
export interface MetaFlags {
  /** The error memcached answers for these flags, or null. */
  error: string | null;
  /** `b`: the key is base64 (decoded into {@link key}). */
  binary: boolean;
  /** The key, decoded when {@link binary}. */
  key: string;
  noReply: boolean;
  value: boolean;
  noUpdate: boolean;
  setStale: boolean;
  vivify: boolean;
  newTtl: boolean;
  hasCas: boolean;
  /** M's character, "" when none. */
  mode: string;
  exptime: number;
  autoviv: number;
  recache: number;
  clientFlags: number;
  cas: bigint;
  /** D (undefined: ma's default, 1). */
  delta: bigint | undefined;
  /** J (ma's autovivify value). */
  initial: bigint;
}

/**
 * The flags of `tokens` (those after the key, or after ms's length) for
 * `key`. `decodeKey` is false when the key was already decoded (the shard
 * reading flags the parser checked). memcached stops at a duplicate or
 * unknown flag; a bad number is remembered and the scan goes on (the last
 * error's text wins, F's keeps the one before it).
 */
export function metaFlags(key: string, tokens: readonly string[], decodeKey = true): MetaFlags {
  const f: MetaFlags = {
    error: null,
    binary: false,
    key,
    noReply: false,
    value: false,
    noUpdate: false,
    setStale: false,
    vivify: false,
    newTtl: false,
    hasCas: false,
    mode: "",
    exptime: 0,
    autoviv: 0,
    recache: 0,
    clientFlags: 0,
    cas: 0n,
    delta: undefined,
    initial: 0n,
  };
  let seen = 0n;
  let hasError = false;
  let errstr = "CLIENT_ERROR bad command line format";
  for (const t of tokens) {
    const o = t.charCodeAt(0);
    const bit = 1n << BigInt(o);
    if (o >= 127 || (seen & bit) !== 0n) {
      f.error = "CLIENT_ERROR duplicate flag";
      return f;
    }
    seen |= bit;
    const num = t.slice(1);
    switch (t[0]) {
      case "b":
        f.binary = true;
        if (decodeKey) {
          const k = base64Decode(key);
          if (k === null) {
            errstr = "CLIENT_ERROR error decoding key";
            hasError = true;
          } else f.key = k;
        }
        break;
      case "N": {
        f.vivify = true;
        const n = i32(num);
        if (n === null) {
          errstr = BAD_TOKEN;
          hasError = true;
        } else f.autoviv = n;
        break;
      }
      case "T": {
        const n = i32(num);
        if (n === null) {
          errstr = BAD_TOKEN;
          hasError = true;
        } else {
          f.exptime = n;
          f.newTtl = true;
        }
        break;
      }
      case "R": {
        const n = i32(num);
        if (n === null) {
          errstr = BAD_TOKEN;
          hasError = true;
        } else f.recache = n;
        break;
      }
      case "l":
      case "O":
      case "P":
      case "L":
      case "k":
      case "s":
      case "t":
      case "c":
      case "f":
      case "h":
        break;
      case "v":
        f.value = true;
        break;
      case "u":
        f.noUpdate = true;
        break;
      case "q":
        f.noReply = true;
        break;
      case "F": {
        const n = u32(num);
        if (n === null) hasError = true;
        else f.clientFlags = n;
        break;
      }
      case "C": {
        const n = u64(num);
        if (n === null) {
          errstr = BAD_TOKEN;
          hasError = true;
        } else {
          f.cas = n;
          f.hasCas = true;
        }
        break;
      }
      case "M":
        if (t.length !== 2) {
          errstr = "CLIENT_ERROR incorrect length for M token";
          hasError = true;
        } else f.mode = t[1]!;
        break;
      case "J": {
        const n = u64(num);
        if (n === null) {
          errstr = "CLIENT_ERROR invalid numeric initial value";
          hasError = true;
        } else f.initial = n;
        break;
      }
      case "D": {
        const n = u64(num);
        if (n === null) {
          errstr = "CLIENT_ERROR invalid numeric delta value";
          hasError = true;
        } else f.delta = n;
        break;
      }
      case "I":
        f.setStale = true;
        break;
      default:
        f.error = "CLIENT_ERROR invalid flag";
        return f;
    }
  }
  if (hasError) f.error = errstr;
  return f;
}

/** The first opaque token over {@link META_MAX_OPAQUE}, as memcached finds it while writing the reply. */
export function longOpaque(tokens: readonly string[]): boolean {
  for (const t of tokens) if (t.charCodeAt(0) === 79 /* O */ && t.length > META_MAX_OPAQUE) return true;
  return false;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DTABLE = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) DTABLE[ALPHABET.charCodeAt(i)] = i;
DTABLE[61] = 0; // '=' counts, as 0

/** memcached's base64_decode of a latin1 string: the bytes as latin1, or null (memcached's 0: a failure). */
export function base64Decode(s: string): string | null {
  let count = 0;
  for (let i = 0; i < s.length; i++) if (DTABLE[s.charCodeAt(i) & 0xff]! >= 0) count++;
  if (count === 0 || count % 4 !== 0) return null;
  const out: number[] = [];
  const block = [0, 0, 0, 0];
  let n = 0;
  let pad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const v = DTABLE[c]!;
    if (v < 0) continue;
    if (c === 61) pad++;
    block[n++] = v;
    if (n === 4) {
      out.push(((block[0]! << 2) | (block[1]! >> 4)) & 0xff, ((block[1]! << 4) | (block[2]! >> 2)) & 0xff, ((block[2]! << 6) | block[3]!) & 0xff);
      n = 0;
      if (pad > 0) {
        if (pad > 2) return null;
        out.length -= pad;
        break;
      }
    }
  }
  return out.length === 0 ? null : String.fromCharCode(...out);
}

/** base64 of a latin1 string (memcached's encoder: padded, no line breaks). */
export function base64Encode(s: string): string {
  return Buffer.from(s, "latin1").toString("base64");
}
