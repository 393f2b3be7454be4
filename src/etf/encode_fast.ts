/**
 * `encode`'s first try with the default options: a term made of the kinds
 * nearly every message is made of (tuples, lists, atoms, 32-bit integers,
 * short ASCII strings, binaries, pids, references), a few levels deep, written
 * in one pass with the output position in a local rather than the encoder's
 * fields, and no bookkeeping for `maxDepth`, cycles or the stack walker.
 * Anything else, or too little room, gives up (-1), and `encode` writes
 * the term again from the start by the general `Encoder`: the bytes are the
 * same either way (test/unit/etf/codec.test.ts compares the two paths).
 *
 * Why a second path: in V8 each of the general path's writers reloads and
 * re-checks the encoder's buffer, view and position, and its dispatch is
 * spread over calls that TurboFan does not all inline: on the
 * `gen_server:call` request term this path takes about a quarter fewer
 * instructions (BENCHMARKS.md, issue 18).
 */
import { Atom } from "../term/atom.js";
import { Pid, Ref } from "../term/identifiers.js";
import { ImproperList } from "../term/improper_list.js";
import { Tuple } from "../term/tuple.js";
import { Tag } from "./tags.js";

/** Nesting the fast path writes: deeper terms (and cycles) are the general path's. */
const FAST_DEPTH = 16;
/** Longest string the fast path writes (ASCII by hand, as `Encoder.string`). */
const FAST_STRING = 64;

/** Gives up: the general path writes the term. */
const NO = -1;

/**
 * Writes `x` at `at` (the term nested `depth` levels) if it is of the kinds
 * above and fits before `end`; returns the position after it, or -1.
 */
export function fastTerm(v: DataView, buf: Uint8Array, at: number, end: number, x: unknown, depth: number): number {
  if (typeof x === "object") {
    if (x === null || depth > FAST_DEPTH) return NO;
    if (Array.isArray(x)) {
      if (x instanceof Tuple) return fastTuple(v, buf, at, end, x, depth);
      return fastList(v, buf, at, end, x, NIL_TAIL, depth);
    }
    if (x instanceof Atom) {
      const w = x.wire;
      return w === undefined ? NO : putAtom(v, at, end, w);
    }
    if (x instanceof Pid) {
      if (at + 1 > end) return NO;
      v.setUint8(at, Tag.NEW_PID);
      const w = x.node.wire;
      at = w === undefined ? NO : putAtom(v, at + 1, end, w);
      return at < 0 || at + 12 > end ? NO : putPidFields(v, at, x);
    }
    if (x instanceof Ref) {
      const ids = x.ids;
      const w = x.node.wire;
      if (w === undefined || at + 3 > end) return NO;
      v.setUint8(at, Tag.NEWER_REFERENCE);
      v.setUint16(at + 1, ids.length);
      at = putAtom(v, at + 3, end, w);
      return at < 0 || at + 4 + 4 * ids.length > end ? NO : putRefFields(v, at, x.creation, ids);
    }
    if (x instanceof ImproperList) {
      const tail = x.tail;
      // A proper list as the tail is written as one list: the general path's.
      if (Array.isArray(tail)) return NO;
      return fastList(v, buf, at, end, x.elements, tail, depth);
    }
    if (ArrayBuffer.isView(x) && x instanceof Uint8Array) {
      const n = x.length;
      if (at + 5 + n > end) return NO;
      v.setUint8(at, Tag.BINARY);
      v.setUint32(at + 1, n);
      at += 5;
      if (n > 32) buf.set(x, at);
      else for (let i = 0; i < n; i++) buf[at + i] = x[i]!;
      return at + n;
    }
    return NO;
  }
  if (typeof x === "number") {
    if ((x & 0xff) === x) {
      if (at + 2 > end) return NO;
      v.setUint16(at, (Tag.SMALL_INTEGER << 8) | x);
      return at + 2;
    }
    if ((x | 0) === x) {
      if (at + 5 > end) return NO;
      v.setUint8(at, Tag.INTEGER);
      v.setInt32(at + 1, x);
      return at + 5;
    }
    if (Number.isInteger(x) || !Number.isFinite(x) || at + 9 > end) return NO;
    v.setUint8(at, Tag.NEW_FLOAT);
    v.setFloat64(at + 1, x);
    return at + 9;
  }
  if (typeof x === "boolean") return putAtom(v, at, end, x ? TRUE_WIRE : FALSE_WIRE);
  if (typeof x === "string") return fastString(v, buf, at, end, x);
  return NO;
}

// Apart from `fastTerm` so that each `length` load sees one kind of value (one was megamorphic: tuples
// of every elements kind, lists, strings, binaries).

function fastTuple(v: DataView, buf: Uint8Array, at: number, end: number, x: Tuple, depth: number): number {
  const n = x.length;
  if (n > 255 || at + 2 > end) return NO;
  v.setUint16(at, (Tag.SMALL_TUPLE << 8) | n);
  at += 2;
  for (let i = 0; i < n && at >= 0; i++) at = fastTerm(v, buf, at, end, x[i], depth + 1);
  return at;
}

function fastString(v: DataView, buf: Uint8Array, at: number, end: number, x: string): number {
  const n = x.length;
  if (n > FAST_STRING || at + 5 + n > end) return NO;
  v.setUint8(at, Tag.BINARY);
  v.setUint32(at + 1, n);
  at += 5;
  for (let i = 0; i < n; i++) {
    const c = x.charCodeAt(i);
    if (c >= 0x80) return NO;
    buf[at + i] = c;
  }
  return at + n;
}

/** A list of `items` then `tail` (NIL_TAIL: a proper list, not all bytes: those are STRING_EXT, the general path's). */
function fastList(v: DataView, buf: Uint8Array, at: number, end: number, items: readonly unknown[], tail: unknown, depth: number): number {
  const n = items.length;
  if (n === 0 && tail === NIL_TAIL) {
    if (at + 1 > end) return NO;
    v.setUint8(at, Tag.NIL);
    return at + 1;
  }
  if (tail === NIL_TAIL) {
    let i = 0;
    while (i < n && typeof items[i] === "number" && ((items[i] as number) & 0xff) === items[i]) i++;
    if (i === n) return NO;
  }
  if (at + 5 > end) return NO;
  v.setUint8(at, Tag.LIST);
  v.setUint32(at + 1, n);
  at += 5;
  for (let i = 0; i < n && at >= 0; i++) at = fastTerm(v, buf, at, end, items[i], depth + 1);
  if (at < 0) return NO;
  if (tail !== NIL_TAIL) return fastTerm(v, buf, at, end, tail, depth + 1);
  if (at + 1 > end) return NO;
  v.setUint8(at, Tag.NIL);
  return at + 1;
}

const NIL_TAIL: readonly unknown[] = [];

/**
 * Writes an atom's cached SMALL_ATOM_UTF8_EXT words (`Atom.wire`) at `at`, a word at a time: in V8 a
 * DataView store costs about what one checked typed-array byte store does. The last word's padding lands
 * past the atom, where the next write goes. Returns the position after the atom, or -1 if the words do
 * not fit before `end`.
 */
export function putAtom(v: DataView, at: number, end: number, w: Int32Array): number {
  const n = w.length;
  if (at + 4 * n > end) return NO;
  for (let i = 0; i < n; i++) v.setInt32(at + 4 * i, w[i]!);
  return at + 2 + ((w[0]! >>> 16) & 0xff);
}

/** A NEW_PID_EXT's fields after its node: id, serial, creation. */
export function putPidFields(v: DataView, at: number, x: Pid): number {
  v.setUint32(at, x.id);
  v.setUint32(at + 4, x.serial);
  v.setUint32(at + 8, x.creation);
  return at + 12;
}

/** A NEWER_REFERENCE_EXT's fields after its node: creation, then the words. */
export function putRefFields(v: DataView, at: number, creation: number, ids: readonly number[]): number {
  v.setUint32(at, creation);
  for (let i = 0; i < ids.length; i++) v.setUint32(at + 4 + 4 * i, ids[i]!);
  return at + 4 + 4 * ids.length;
}

/** `Atom.wire`: SMALL_ATOM_UTF8_EXT of an atom of at most 255 bytes, as big-endian 32-bit words (zero-padded). */
export function packAtom(b: Uint8Array): Int32Array {
  const bytes = new Uint8Array((b.length + 5) & ~3);
  bytes[0] = Tag.SMALL_ATOM_UTF8;
  bytes[1] = b.length;
  bytes.set(b, 2);
  const w = new Int32Array(bytes.length >> 2);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < w.length; i++) w[i] = v.getInt32(4 * i);
  return w;
}

const TRUE_WIRE = packAtom(new TextEncoder().encode("true"));
const FALSE_WIRE = packAtom(new TextEncoder().encode("false"));
