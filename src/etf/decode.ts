/**
 * ETF decoder. Untrusted input: every length is checked against what is
 * left before anything is allocated, depth and atom creation are bounded,
 * and every failure is an {@link EtfDecodeError} naming the offset and what
 * was expected there. Binaries are views of the input, never copies.
 *
 * Decoded values: integers as numbers (bigint beyond 2^53), floats as
 * numbers (a `Float` when integer-valued), atoms as `Atom` (`true`/`false`
 * as JS booleans), tuples as `Tuple`, proper lists as arrays (STRING_EXT as
 * an array of numbers), improper lists as `ImproperList`, binaries as
 * `Uint8Array`, maps as `TermMap`, pids/refs/ports as `External*`.
 */
import { inflateSync } from "node:zlib";
import { Atom, AtomTableFullError, MAX_ATOM_CHARS, atom, existingAtom } from "../term/atom.js";
import { BitString } from "../term/bitstring.js";
import { Float } from "../term/float.js";
import { Export, Fun, LocalTerm } from "../term/fun.js";
import { ExternalPid, ExternalPort, ExternalRef, type Pid, type Ref } from "../term/identifiers.js";
import { ImproperList } from "../term/improper_list.js";
import { TermMap } from "../term/term_map.js";
import { Tuple } from "../term/tuple.js";
import { EtfDecodeError } from "./errors.js";
import { recursionDepth } from "./recursion.js";
import { cacheAtom, cachedAtom, knownNode, rememberNode } from "./atom_cache.js";
import { tagName } from "./tags.js";
import { T } from "./tag_literals.js";

export interface DecodeOptions {
  /**
   * Deepest nesting accepted (default unlimited: past RECURSION_DEPTH levels
   * (recursion.ts) the decoder works on an explicit stack, not the JS one,
   * so depth is bounded by the input's size, as on the BEAM).
   */
  maxDepth?: number;
  /** Most atoms one decode may create (default 10,000): atoms are never freed. */
  maxNewAtoms?: number;
  /** Refuse atoms that do not exist yet (Erlang's `[safe]`). */
  existingAtomsOnly?: boolean;
  /** Largest decompressed size of a COMPRESSED term (default 64 MiB). */
  maxDecompressedBytes?: number;
  /** Atom cache for ATOM_CACHE_REF (the distribution header's cache). */
  atomCache?: readonly (Atom | undefined)[];
  /**
   * This node's own identifiers: a pid or reference naming `local.node` with
   * `local.creation` is offered to `local.pid` / `local.ref`, and what they
   * return (the live process, the active alias) replaces the decoded value.
   * Undefined keeps the `ExternalPid` / `ExternalRef`.
   */
  local?: LocalIdentifiers;
}

/** How a node recognises its own pids and references in decoded terms (see `DecodeOptions.local`). */
export interface LocalIdentifiers {
  readonly node: Atom;
  readonly creation: number;
  pid(id: number, serial: number): Pid | undefined;
  ref(ids: readonly number[]): Ref | undefined;
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { fatal: true });

const TRUE = atom("true");
const FALSE = atom("false");

function isAscii(buf: Uint8Array, start: number, n: number): boolean {
  for (let i = start; i < start + n; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

/** A big-endian 32-bit unsigned integer at `o` (in bounds: checked by the caller). */
function u32At(buf: Uint8Array, o: number): number {
  return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
}

/**
 * A reference's `len` (1..5, in bounds) id words at `p`: the usual three as an array literal, which TurboFan
 * allocates in place, packed (`new Array(len)` with a variable length is a call to the Array builtin).
 */
function refIds(buf: Uint8Array, p: number, len: number): number[] {
  if (len === 3) return [u32At(buf, p), u32At(buf, p + 4), u32At(buf, p + 8)];
  const ids: number[] = new Array(len);
  for (let i = 0; i < len; i++) ids[i] = u32At(buf, p + 4 * i);
  return ids;
}

/** `Decoder.inlineBelow` outside `walk`: no stack is that high. */
const NO_STACK_LIMIT = 2 ** 30 - 1;

/** What `node()` returns after opening a container: its elements come next. */
const PENDING: unknown = Symbol("pending");

// The open containers of every decode in progress, innermost last: one shared stack (decoding is
// synchronous; a nested decode works above the outer one's frames), as parallel arrays.
const K_TUPLE = 0;
const K_LIST = 1;
const K_MAP = 2;
const K_FUN = 3;
const fKind: number[] = [];
/** The container being filled (a Tuple, the list's items, a TermMap). */
const fObj: unknown[] = [];
/** Elements read so far; of `fCount` (a map counts keys and values). */
const fIndex: number[] = [];
const fCount: number[] = [];
/** A list: its last LIST_EXT segment's length; a map: the key read; a fun: its head. */
const fAux: unknown[] = [];
let sp = 0;

function push(kind: number, obj: unknown, count: number): number {
  const f = sp++;
  fKind[f] = kind;
  fObj[f] = obj;
  fIndex[f] = 0;
  fCount[f] = count;
  return f;
}

function pop(): void {
  const f = --sp;
  fObj[f] = undefined; // hold no decoded term after the decode
  fAux[f] = undefined;
}

/** A fun's fields read before its free variables. */
interface FunHead {
  arity: number;
  uniq: Uint8Array;
  index: number;
  module: Atom;
  oldIndex: number;
  oldUniq: number;
  pid: Pid;
  end: number;
  free: unknown[];
}

/** A decoder over one buffer; `term()` reads the next term at `offset`. */
export class Decoder {
  offset: number;
  private dv: DataView | null = null;
  private readonly maxDepth: number;
  private newAtoms = 0;
  /** The options read only on rare paths (new atoms, ATOM_CACHE_REF): one field, not one each, to set per decode. */
  private readonly opts: DecodeOptions;
  private readonly local: LocalIdentifiers | undefined;
  /** Stack height from which children are past `maxDepth` (set by `walk`; a small integer, not Infinity: no boxed number per decode). */
  private inlineBelow = NO_STACK_LIMIT;
  /** Nesting from which `value` hands over to `deep`. */
  private readonly recLimit: number;

  constructor(
    readonly buf: Uint8Array,
    offset = 0,
    opts: DecodeOptions = {},
  ) {
    this.offset = offset;
    // Unlimited is the input's length (no term nests deeper than it has bytes): a small integer, where Infinity
    // would be a boxed number allocated with every Decoder.
    this.maxDepth = opts.maxDepth ?? buf.length;
    this.recLimit = Math.min(this.maxDepth + 1, recursionDepth);
    this.opts = opts;
    this.local = opts.local;
  }

  /** For floats and 64-bit port ids only: integers are read by hand (no DataView per decode). */
  private get view(): DataView {
    return (this.dv ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  fail(expected: string, at = this.offset): never {
    throw new EtfDecodeError(at, expected);
  }

  /** Ensures `n` more bytes exist (so no length field can make us allocate beyond the input). */
  need(n: number, what: string): void {
    if (n > this.buf.length - this.offset || n < 0) this.fail(`${what} (${n} bytes, ${this.buf.length - this.offset} left)`);
  }

  u8(): number {
    this.need(1, "a byte");
    return this.buf[this.offset++]!;
  }
  u16(): number {
    this.need(2, "a 16-bit length");
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 2;
    return (b[o]! << 8) | b[o + 1]!;
  }
  u32(): number {
    return this.i32Raw("a 32-bit field") >>> 0;
  }
  i32(): number {
    return this.i32Raw("a 32-bit integer");
  }
  private i32Raw(what: string): number {
    this.need(4, what);
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 4;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  /**
   * Decodes the next term. Nesting is bounded only by the input's size, as
   * on the BEAM: the first levels recurse (fast), deeper subtrees go to an
   * explicit stack.
   */
  term(): unknown {
    return this.value(0);
  }

  /**
   * Reads the term at `offset`, at nesting `depth`, by recursion; from
   * `recLimit` on, hands it to the stack walker (or the `maxDepth` refusal).
   */
  protected value(depth: number): unknown {
    if (depth >= this.recLimit) return this.deep(depth);
    const buf = this.buf;
    const o = this.offset;
    switch (buf[o]) {
      case T.SMALL_INTEGER:
        if (o + 2 > buf.length) break;
        this.offset = o + 2;
        return buf[o + 1];
      case T.SMALL_ATOM_UTF8: {
        if (o + 2 > buf.length) break;
        const n = buf[o + 1]!;
        if (n > buf.length - o - 2) break; // node() names the failure
        const hit = cachedAtom(buf, o + 2, n);
        if (hit !== undefined) {
          this.offset = o + 2 + n;
          return hit;
        }
        this.offset = o + 2;
        return this.atomValue(n, true, o);
      }
      case T.NEW_PID:
        return this.newPid(o);
      case T.NEWER_REFERENCE:
        return this.newerRef(o);
      case T.INTEGER:
        if (o + 5 > buf.length) break;
        this.offset = o + 5;
        return (buf[o + 1]! << 24) | (buf[o + 2]! << 16) | (buf[o + 3]! << 8) | buf[o + 4]!;
      case T.BINARY: {
        if (o + 5 > buf.length) break;
        const n = ((buf[o + 1]! << 24) | (buf[o + 2]! << 16) | (buf[o + 3]! << 8) | buf[o + 4]!) >>> 0;
        if (n > buf.length - o - 5) break; // node() names the failure
        this.offset = o + 5 + n;
        return buf.subarray(o + 5, o + 5 + n);
      }
      case T.NIL:
        this.offset = o + 1;
        return [];
      case T.SMALL_TUPLE: {
        const end = buf.length;
        if (o + 2 > end) break;
        const n = buf[o + 1]!;
        if (n > end - o - 2) break; // each element takes at least one byte: node() names the failure
        const tu = new Tuple(n);
        const d = depth + 1;
        let p = o + 2;
        if (d >= this.recLimit) {
          this.offset = p;
          for (let i = 0; i < n; i++) tu[i] = this.value(d);
          return tu;
        }
        // The leading integers (often all the elements: rows of numbers) in a tight loop of their own, then the
        // leaves read here at a local offset (no `value` call each); containers and the rare tags through `value`.
        let i = 0;
        for (; i < n; i++) {
          const tag = buf[p];
          if (tag === T.SMALL_INTEGER && p + 2 <= end) {
            tu[i] = buf[p + 1];
            p += 2;
          } else if (tag === T.INTEGER && p + 5 <= end) {
            tu[i] = (buf[p + 1]! << 24) | (buf[p + 2]! << 16) | (buf[p + 3]! << 8) | buf[p + 4]!;
            p += 5;
          } else break;
        }
        for (; i < n; i++) {
          const tag = buf[p];
          if (tag === T.SMALL_ATOM_UTF8 && p + 2 <= end) {
            const k = buf[p + 1]!;
            const hit = k <= end - p - 2 ? cachedAtom(buf, p + 2, k) : undefined;
            if (hit !== undefined) {
              tu[i] = hit;
              p += 2 + k;
              continue;
            }
          } else if (tag === T.SMALL_INTEGER && p + 2 <= end) {
            tu[i] = buf[p + 1];
            p += 2;
            continue;
          } else if (tag === T.INTEGER && p + 5 <= end) {
            tu[i] = (buf[p + 1]! << 24) | (buf[p + 2]! << 16) | (buf[p + 3]! << 8) | buf[p + 4]!;
            p += 5;
            continue;
          } else if (tag === T.BINARY && p + 5 <= end) {
            const k = ((buf[p + 1]! << 24) | (buf[p + 2]! << 16) | (buf[p + 3]! << 8) | buf[p + 4]!) >>> 0;
            if (k <= end - p - 5) {
              tu[i] = buf.subarray(p + 5, p + 5 + k);
              p += 5 + k;
              continue;
            }
          } else if (tag === T.NEW_PID) {
            tu[i] = this.newPid(p);
            p = this.offset;
            continue;
          } else if (tag === T.NEWER_REFERENCE) {
            tu[i] = this.newerRef(p);
            p = this.offset;
            continue;
          } else if (tag === T.LIST) {
            this.offset = p + 1;
            tu[i] = this.list(d + 1);
            p = this.offset;
            continue;
          }
          this.offset = p;
          tu[i] = this.value(d);
          p = this.offset;
        }
        this.offset = p;
        return tu;
      }
      case T.LIST:
        this.offset = o + 1;
        return this.list(depth + 1);
    }
    return this.rare(depth);
  }

  /**
   * `value` for the containers that are not tuples or lists, and every other tag (through `node`):
   * kept out of `value` so that TurboFan spends `value`'s inlining budget on the common terms.
   */
  private rare(depth: number): unknown {
    const o = this.offset;
    switch (this.buf[o]) {
      case T.LARGE_TUPLE: {
        this.offset = o + 1;
        const n = this.u32();
        this.need(n, "tuple elements");
        const tu = new Tuple(n);
        const d = depth + 1;
        for (let i = 0; i < n; i++) tu[i] = this.value(d);
        return tu;
      }
      case T.MAP: {
        this.offset = o + 1;
        const n = this.u32();
        this.need(2 * n, "map entries");
        const m = new TermMap();
        const d = depth + 1;
        for (let i = 0; i < n; i++) {
          const k = this.value(d);
          m.set(k, this.value(d));
        }
        return m;
      }
      case T.NEW_FUN: {
        this.offset = o + 1;
        const p = this.funHead(o);
        const d = depth + 1;
        for (let i = 0; i < p.free.length; i++) p.free[i] = this.value(d);
        return this.funEnd(p);
      }
    }
    return this.node();
  }

  /** A list's elements (at nesting `d`) after its LIST_EXT tag, then its tail; LIST_EXT tails continue it in place. */
  private list(d: number): unknown {
    let n = this.u32();
    this.need(n + 1, "list elements and tail");
    // `[x]` (the usual `[alias | Ref]`) is allocated in place; `new Array(n)` with a variable n is a builtin call.
    let items: unknown[];
    if (n === 1) {
      // Its element read here when it is a cached atom (the `alias`), without a `value` call.
      const buf = this.buf;
      const o = this.offset;
      let hit: unknown;
      if (buf[o] === T.SMALL_ATOM_UTF8 && d < this.recLimit && o + 2 <= buf.length) {
        const k = buf[o + 1]!;
        if (k <= buf.length - o - 2 && (hit = cachedAtom(buf, o + 2, k)) !== undefined) this.offset = o + 2 + k;
      }
      items = [hit !== undefined ? hit : this.value(d)];
    } else {
      items = new Array(n);
      for (let i = 0; i < n; i++) items[i] = this.value(d);
    }
    for (;;) {
      const tag = this.buf[this.offset];
      if (tag === T.NIL) {
        this.offset++;
        return items;
      }
      if (tag !== T.LIST) break;
      this.offset++;
      n = this.u32();
      this.need(n + 1, "list elements and tail");
      for (let i = 0; i < n; i++) items.push(this.value(d));
    }
    return this.listEnd(items, this.value(d), n);
  }

  /** A value at `recLimit` or deeper: past `maxDepth`, or a subtree for the stack walker. */
  private deep(depth: number): unknown {
    if (depth > this.maxDepth) this.fail(`nesting within ${this.maxDepth} levels`);
    return this.walk(depth);
  }

  /**
   * Reads the term at `offset` (at nesting `depth`) without recursion: its
   * open containers are frames of the shared explicit stack.
   */
  private walk(depth: number): unknown {
    const base = sp;
    const outerLimit = this.inlineBelow;
    // Stack height from which a container's children are past maxDepth.
    const limit = base + this.maxDepth - depth;
    this.inlineBelow = limit;
    try {
      let v = this.node();
      for (;;) {
        if (v === PENDING) {
          if (sp > limit) this.fail(`nesting within ${this.maxDepth} levels`);
          v = this.node();
          continue;
        }
        if (sp === base) return v;
        // A complete value: give it to the innermost open container.
        const f = sp - 1;
        const i = fIndex[f]!;
        switch (fKind[f]) {
          case K_TUPLE: {
            const tu = fObj[f] as Tuple;
            tu[i] = v;
            if (i + 1 < fCount[f]!) fIndex[f] = i + 1;
            else {
              v = tu;
              pop();
              continue;
            }
            break;
          }
          case K_LIST: {
            const items = fObj[f] as unknown[];
            if (i < fCount[f]!) {
              items[i] = v;
              fIndex[f] = i + 1;
              if (i + 1 < fCount[f]!) break;
            } else {
              // `v` is the tail.
              v = this.listEnd(items, v, fAux[f] as number);
              pop();
              continue;
            }
            // All elements read: the tail. A LIST_EXT tail continues this list (no nesting, no copies).
            const done = this.listTail(f);
            if (done !== PENDING) {
              v = done;
              pop();
              continue;
            }
            break;
          }
          case K_MAP: {
            if ((i & 1) === 0) fAux[f] = v;
            else (fObj[f] as TermMap).set(fAux[f], v);
            if (i + 1 < fCount[f]!) fIndex[f] = i + 1;
            else {
              v = fObj[f];
              pop();
              continue;
            }
            break;
          }
          default: {
            // K_FUN: the free variables.
            const p = fAux[f] as FunHead;
            p.free[i] = v;
            if (i + 1 < fCount[f]!) fIndex[f] = i + 1;
            else {
              v = this.funEnd(p);
              pop();
              continue;
            }
          }
        }
        v = PENDING;
      }
    } finally {
      while (sp > base) pop();
      this.inlineBelow = outerLimit;
    }
  }

  /**
   * Reads the leading elements of a container that are not containers
   * themselves (most tuples hold only such) into `into`, without a stack
   * frame; returns how many.
   */
  private leaves(into: unknown[], n: number): number {
    if (sp >= this.inlineBelow) return 0; // their depth is checked in `walk`
    const buf = this.buf;
    let i = 0;
    for (; i < n; i++) {
      const tag = buf[this.offset];
      if (tag === T.SMALL_TUPLE || tag === T.LARGE_TUPLE || tag === T.LIST || tag === T.MAP || tag === T.NEW_FUN) break;
      into[i] = this.node();
    }
    return i;
  }

  /** After a list's elements: consumes LIST_EXT / NIL tails in place; PENDING when a tail term follows. */
  private listTail(f: number): unknown {
    for (;;) {
      const tag = this.buf[this.offset];
      if (tag === T.NIL) {
        this.offset++;
        return fObj[f];
      }
      if (tag !== T.LIST) return PENDING;
      this.offset++;
      const n = this.u32();
      this.need(n + 1, "list elements and tail");
      fAux[f] = n;
      if (n > 0) {
        fCount[f] = fCount[f]! + n;
        return PENDING;
      }
    }
  }

  private listEnd(items: unknown[], tail: unknown, lastN: number): unknown {
    if (Array.isArray(tail) && !(tail instanceof Tuple)) {
      if (tail.length === 0) return items;
      return items.concat(tail); // a proper list ending in a STRING_EXT
    }
    if (lastN === 0) this.fail("a list with at least one element before its tail");
    return new ImproperList(items, tail);
  }

  /**
   * Reads one term's tag: a leaf's value, an empty container, or PENDING
   * after opening a container whose elements come next (see `walk`).
   */
  protected node(): unknown {
    const at = this.offset;
    const tag = this.u8();
    switch (tag) {
      case T.SMALL_INTEGER:
        return this.u8();
      case T.INTEGER:
        return this.i32();
      case T.NEW_FLOAT: {
        this.need(8, "an 8-byte float");
        const v = this.view.getFloat64(this.offset);
        this.offset += 8;
        if (!Number.isFinite(v)) this.fail("a finite float", at);
        return Number.isInteger(v) ? new Float(v) : v;
      }
      case T.FLOAT: {
        const text = latin1.decode(this.bytes(31, "a 31-byte float string")).replace(/\0.*$/s, "");
        const v = Number(text);
        if (!Number.isFinite(v) || text.trim() === "") this.fail("a float string", at);
        return Number.isInteger(v) ? new Float(v) : v;
      }
      case T.ATOM:
        return this.atomValue(this.u16(), false, at);
      case T.SMALL_ATOM:
        return this.atomValue(this.u8(), false, at);
      case T.ATOM_UTF8:
        return this.atomValue(this.u16(), true, at);
      case T.SMALL_ATOM_UTF8:
        return this.atomValue(this.u8(), true, at);
      case T.ATOM_CACHE_REF: {
        const i = this.u8();
        const a = this.opts.atomCache?.[i];
        if (a === undefined) this.fail(`atom cache entry ${i}`, at);
        return a === TRUE ? true : a === FALSE ? false : a;
      }
      case T.SMALL_TUPLE:
        return this.tuple(this.u8());
      case T.LARGE_TUPLE:
        return this.tuple(this.u32());
      case T.NIL:
        return [];
      case T.STRING: {
        const b = this.bytes(this.u16(), "string bytes");
        return Array.from(b);
      }
      case T.LIST: {
        const n = this.u32();
        this.need(n + 1, "list elements and tail");
        const items: unknown[] = new Array(n);
        const done = this.leaves(items, n);
        const f = push(K_LIST, items, n);
        fAux[f] = n;
        fIndex[f] = done;
        if (done < n) return PENDING;
        const whole = this.listTail(f);
        if (whole === PENDING) return PENDING;
        pop();
        return whole;
      }
      case T.BINARY:
        return this.bytes(this.u32(), "binary bytes");
      case T.BIT_BINARY: {
        const n = this.u32();
        const bits = this.u8();
        const b = this.bytes(n, "bitstring bytes");
        if (n === 0 || bits < 1 || bits > 8) this.fail("a bitstring with 1..8 bits in its last byte", at);
        return bits === 8 ? b : new BitString(b, bits);
      }
      case T.SMALL_BIG:
        return this.big(this.u8(), at);
      case T.LARGE_BIG:
        return this.big(this.u32(), at);
      case T.MAP: {
        const n = this.u32();
        this.need(2 * n, "map entries");
        const m = new TermMap();
        if (n === 0) return m;
        push(K_MAP, m, 2 * n);
        return PENDING;
      }
      case T.PID:
      case T.NEW_PID: {
        const node = this.atomTerm();
        const id = this.u32();
        const serial = this.u32();
        const creation = tag === T.PID ? this.u8() : this.u32();
        return this.pid(node, id, serial, creation);
      }
      case T.PORT:
      case T.NEW_PORT: {
        const node = this.atomTerm();
        const id = this.u32();
        const creation = tag === T.PORT ? this.u8() : this.u32();
        return new ExternalPort(node, id, creation);
      }
      case T.V4_PORT: {
        const node = this.atomTerm();
        this.need(8, "a 64-bit port id");
        const id = this.view.getBigUint64(this.offset);
        this.offset += 8;
        return new ExternalPort(node, id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : id, this.u32());
      }
      case T.REFERENCE: {
        const node = this.atomTerm();
        const id = this.u32();
        return new ExternalRef(node, this.u8(), [id]);
      }
      case T.NEW_REFERENCE:
      case T.NEWER_REFERENCE: {
        const len = this.u16();
        if (len < 1 || len > 5) this.fail("1 to 5 reference words", at);
        const node = this.atomTerm();
        const creation = tag === T.NEW_REFERENCE ? this.u8() : this.u32();
        const ids: number[] = new Array(len);
        for (let i = 0; i < len; i++) ids[i] = this.u32();
        return this.ref(node, creation, ids);
      }
      case T.EXPORT: {
        const module = this.atomTerm();
        const fn = this.atomTerm();
        const arity = this.leaf();
        if (typeof arity !== "number" || arity < 0 || arity > 255) this.fail("an export's arity", at);
        return new Export(module, fn, arity);
      }
      case T.NEW_FUN:
        return this.fun(at);
      case T.LOCAL: {
        // Node-local encoding: only its node can read it. Kept opaque, as the rest of the input.
        const bytes = this.buf.subarray(at, this.buf.length);
        this.offset = this.buf.length;
        return new LocalTerm(bytes);
      }
      default:
        return this.fail(`a term tag, got ${tagName(tag)}`, at);
    }
  }

  /** A term that cannot hold others (an atom, a number, a pid...) or PENDING_LEAF for one that can. */
  private leaf(): unknown {
    const tag = this.buf[this.offset];
    if (tag === T.SMALL_TUPLE || tag === T.LARGE_TUPLE || tag === T.LIST || tag === T.MAP || tag === T.NEW_FUN) return PENDING;
    return this.node();
  }

  private atomValue(n: number, isUtf8: boolean, at: number): unknown {
    this.need(n, "atom text");
    const buf = this.buf;
    const start = this.offset;
    this.offset += n;
    // Seen before? Atoms repeat on every message. Latin-1 text is the same bytes as UTF-8 only when ASCII.
    const ascii = isUtf8 || isAscii(buf, start, n);
    if (ascii) {
      const hit = cachedAtom(buf, start, n);
      if (hit !== undefined) return hit;
    }
    const b = buf.subarray(start, start + n);
    let name: string;
    try {
      name = isUtf8 || ascii ? utf8.decode(b) : latin1.decode(b);
    } catch {
      return this.fail("UTF-8 atom text", at);
    }
    const v = name === "true" ? true : name === "false" ? false : this.intern(name, at);
    if (ascii) cacheAtom(buf, start, n, v);
    return v;
  }

  private intern(name: string, at: number): Atom {
    const known = existingAtom(name);
    if (known !== undefined) return known;
    if (this.opts.existingAtomsOnly === true) this.fail(`an existing atom ('${name.slice(0, 40)}' is new)`, at);
    const most = this.opts.maxNewAtoms ?? 10_000;
    if (++this.newAtoms > most) this.fail(`at most ${most} new atoms`, at);
    if ([...name].length > MAX_ATOM_CHARS) this.fail(`an atom of at most ${MAX_ATOM_CHARS} characters`, at);
    try {
      return atom(name);
    } catch (e) {
      // The input is fine; this process has no room for another atom (the BEAM's system_limit).
      if (e instanceof AtomTableFullError) throw new EtfDecodeError(at, `an existing atom ('${name.slice(0, 40)}' is new and the ${e.message})`, { cause: e });
      throw e;
    }
  }

  private atomTerm(): Atom {
    const at = this.offset;
    const buf = this.buf;
    // A node name, a module...: nearly always a SMALL_ATOM_UTF8, read without the tag dispatch.
    let a: unknown;
    if (buf[at] === T.SMALL_ATOM_UTF8 && at + 2 <= buf.length) {
      const n = buf[at + 1]!;
      if (n <= buf.length - at - 2 && (a = cachedAtom(buf, at + 2, n)) instanceof Atom) {
        rememberNode(buf, at + 2, n, a as Atom);
        this.offset = at + 2 + n;
        return a as Atom;
      }
      this.offset = at + 2;
      a = this.atomValue(n, true, at);
    } else a = this.leaf();
    if (a === true) return TRUE;
    if (a === false) return FALSE;
    if (!(a instanceof Atom)) this.fail("an atom", at);
    return a as Atom;
  }

  /** A pid's or reference's node name at `p`; `offset` is then past it. The last node seen is checked first. */
  private nodeAt(p: number): Atom {
    const buf = this.buf;
    const known = knownNode(buf, p);
    if (known !== undefined) {
      this.offset = p + 2 + buf[p + 1]!;
      return known;
    }
    this.offset = p;
    return this.atomTerm();
  }

  /** A NEW_PID_EXT at `o` (its tag), read in one bounds check after its node; a short input goes to `node()` for its error. */
  private newPid(o: number): unknown {
    const buf = this.buf;
    const node = this.nodeAt(o + 1);
    const p = this.offset;
    if (p + 12 > buf.length) {
      this.offset = o;
      return this.node();
    }
    this.offset = p + 12;
    const id = u32At(buf, p);
    const serial = u32At(buf, p + 4);
    const creation = u32At(buf, p + 8);
    return this.pid(node, id, serial, creation);
  }

  /** A NEWER_REFERENCE_EXT at `o` (its tag), as `newPid`. */
  private newerRef(o: number): unknown {
    const buf = this.buf;
    const len = o + 3 <= buf.length ? (buf[o + 1]! << 8) | buf[o + 2]! : 0;
    if (len < 1 || len > 5) return this.node();
    const node = this.nodeAt(o + 3);
    const p = this.offset;
    if (p + 4 + 4 * len > buf.length) {
      this.offset = o;
      return this.node();
    }
    this.offset = p + 4 + 4 * len;
    const creation = u32At(buf, p);
    const ids = refIds(buf, p + 4, len);
    return this.ref(node, creation, ids);
  }

  /** A decoded pid: this node's live process when it names one (`DecodeOptions.local`), else an ExternalPid. */
  private pid(node: Atom, id: number, serial: number, creation: number): Pid | ExternalPid {
    const local = this.local;
    if (local !== undefined && node === local.node && creation === local.creation) {
      const pid = local.pid(id, serial);
      if (pid !== undefined) return pid;
    }
    return new ExternalPid(node, id, serial, creation);
  }

  /** A decoded reference: this node's active alias when it names one, else an ExternalRef. */
  private ref(node: Atom, creation: number, ids: number[]): Ref | ExternalRef {
    const local = this.local;
    if (local !== undefined && node === local.node && creation === local.creation) {
      const r = local.ref(ids);
      if (r !== undefined) return r;
    }
    return new ExternalRef(node, creation, ids);
  }

  private tuple(n: number): unknown {
    this.need(n, "tuple elements"); // each element takes at least one byte
    const tu = new Tuple(n);
    const done = this.leaves(tu, n);
    if (done === n) return tu;
    fIndex[push(K_TUPLE, tu, n)] = done;
    return PENDING;
  }

  private big(n: number, at: number): number | bigint {
    const sign = this.u8();
    if (sign > 1) this.fail("a bignum sign byte (0 or 1)", at);
    const digits = this.bytes(n, "bignum digits");
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(digits[i]!);
    if (sign === 1) v = -v;
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  /** A NEW_FUN's fields up to its free variables (`at`: its tag). */
  private funHead(at: number): FunHead {
    const size = this.u32();
    this.need(size - 4, "the fun's declared size");
    const end = at + 1 + size;
    const arity = this.u8();
    const uniq = this.bytes(16, "a fun's 16-byte uniq");
    const index = this.u32();
    const numFree = this.u32();
    const module = this.atomTerm();
    const oldIndex = this.leaf();
    const oldUniq = this.leaf();
    if (typeof oldIndex !== "number" || typeof oldUniq !== "number") this.fail("a fun's old index and uniq", at);
    const pidAt = this.offset;
    const pid = this.leaf();
    if (!(pid instanceof ExternalPid)) this.fail("a fun's pid", pidAt);
    this.need(numFree, "a fun's free variables");
    return { arity, uniq, index, module, oldIndex, oldUniq, pid: pid as Pid, end, free: new Array(numFree) };
  }

  /** The fun, once its free variables are read. */
  private funEnd(p: FunHead): Fun {
    if (this.offset !== p.end) this.fail(`a fun ending at byte ${p.end}`, this.offset);
    return new Fun(p.arity, p.uniq, p.index, p.module, p.oldIndex, p.oldUniq, p.pid, p.free);
  }

  /** The walker's NEW_FUN: its free variables are pushed. */
  private fun(at: number): unknown {
    const p = this.funHead(at);
    if (p.free.length === 0) return this.funEnd(p);
    const f = push(K_FUN, null, p.free.length);
    fAux[f] = p;
    return PENDING;
  }
}

const NO_OPTIONS: DecodeOptions = {};

/**
 * Decodes one term from `bytes` (starting with the version byte 131,
 * possibly COMPRESSED), which must hold exactly that term.
 *
 * @example
 * decode(new Uint8Array([131, 100, 0, 2, 111, 107])); // atom("ok")
 */
export function decode(bytes: Uint8Array, opts: DecodeOptions = NO_OPTIONS): unknown {
  if (bytes.length === 0 || bytes[0] !== T.VERSION) throw new EtfDecodeError(0, "the version byte 131");
  let buf = bytes;
  let start = 1;
  if (bytes[1] === T.COMPRESSED) {
    const d = new Decoder(bytes, 2, opts);
    const size = d.u32();
    const max = opts.maxDecompressedBytes ?? 64 << 20;
    if (size > max) d.fail(`a decompressed size within ${max} bytes`, 2);
    try {
      buf = new Uint8Array(inflateSync(bytes.subarray(6), { maxOutputLength: Math.max(size, 1) }));
    } catch {
      throw new EtfDecodeError(6, `zlib data inflating to ${size} bytes`);
    }
    if (buf.length !== size) throw new EtfDecodeError(6, `zlib data inflating to ${size} bytes, got ${buf.length}`);
    start = 0;
  }
  const d = new Decoder(buf, start, opts);
  const term = d.term();
  if (d.offset !== buf.length) d.fail(`the end of input (${buf.length - d.offset} bytes left over)`);
  return term;
}
