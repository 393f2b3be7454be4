/**
 * ETF encoder: what OTP 26's `term_to_binary` emits by default
 * (`{minor_version, 2}`): UTF-8 atoms, NEW_FLOAT, NEW_PID, NEWER_REFERENCE,
 * NEW_PORT (V4_PORT past 32 bits), small maps with keys in term order.
 *
 * | TypeScript value | Erlang term |
 * |---|---|
 * | integer `number`, `bigint` | integer |
 * | fractional `number`, `Float` | float |
 * | `string` | UTF-8 binary (an Elixir string) |
 * | `Uint8Array` / `BitString` | binary / bitstring |
 * | `Atom`, `true`/`false`, `null` → `nil`, `undefined` → `undefined` | atom |
 * | `t(...)` (`Tuple`) | tuple |
 * | array | proper list (STRING_EXT when all elements are 0..255) |
 * | `ImproperList` | improper list |
 * | `TermMap`, `Map` | map with any keys |
 * | plain object | map with atom keys (`%{foo: 1}`) |
 * | pids, refs, ports, `Fun`, `Export`, `LocalTerm` | the same |
 * | anything else (class instances, `Error`s, functions, NaN...) | `EtfEncodeError`; with `lenient`, its form from js_terms.ts |
 */
import { deflateSync } from "node:zlib";
import { Atom, atom } from "../term/atom.js";
import { BitString } from "../term/bitstring.js";
import { compareKeys } from "../term/compare.js";
import { Float } from "../term/float.js";
import { Export, Fun, LocalTerm } from "../term/fun.js";
import { Pid, Port, Ref } from "../term/identifiers.js";
import { ImproperList } from "../term/improper_list.js";
import { type TermMapLike, isTermMap } from "../term/term_map_like.js";
import { Tuple } from "../term/tuple.js";
import { putU32 } from "./bytes.js";
import { EtfEncodeError } from "./errors.js";
import { type JsTermLimits, DEFAULT_JS_TERM_LIMITS, jsTerm } from "./js_terms.js";
import { recursionDepth } from "./recursion.js";
import { T } from "./tag_literals.js";

export interface EncodeOptions {
  /** Omit the leading version byte (for distribution messages after their header). */
  noVersion?: boolean;
  /** zlib-compress (COMPRESSED tag) when that makes the term smaller; `true` = level 6, or a level 1..9. */
  compressed?: boolean | number;
  /**
   * Deepest nesting encoded (default unlimited: past RECURSION_DEPTH levels
   * (recursion.ts) the encoder works on an explicit stack, not the JS one). A cycle is refused (`EtfEncodeError`, or `'#cycle'` with
   * `lenient`) whatever this is.
   */
  maxDepth?: number;
  /**
   * Called with every pid and reference written. A node passes this so it
   * can map its own identifiers back to live processes and aliases when a
   * peer sends them back (see `DecodeOptions.local`).
   */
  exposed?: (id: Pid | Ref) => void;
  /**
   * Write values with no Erlang term form (class instances, Errors,
   * functions, symbols, NaN, cycles...) as their JS term form (js_terms.ts)
   * instead of throwing `EtfEncodeError`; `true` for the default bounds.
   * Off by default; the distribution path always has it on.
   */
  lenient?: boolean | JsTermLimits;
}

const utf8 = new TextEncoder();

/** A growable output buffer, reused across encodes. */
export class Encoder {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  pos = 0;
  maxDepth = Infinity;
  /** See `EncodeOptions.exposed`. */
  exposed: ((id: Pid | Ref) => void) | null = null;
  /** See `EncodeOptions.lenient`: the bounds of the JS term forms, or null to refuse such values. */
  lenient: JsTermLimits | null = null;

  reset(): void {
    this.pos = 0;
    while (this.sp > 0) this.pop();
  }

  private room(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  /** Makes room for `n` more bytes; positions already written stay where they are. */
  protected grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }

  u8(x: number): void {
    this.room(1);
    this.buf[this.pos++] = x;
  }
  u16(x: number): void {
    this.room(2);
    this.view.setUint16(this.pos, x);
    this.pos += 2;
  }
  u32(x: number): void {
    this.room(4);
    this.pos = putU32(this.buf, this.pos, x);
  }
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.pos = this.copy(b, this.pos);
  }

  /** Copies `b` to `at` (room made); returns the position after it. */
  private copy(b: Uint8Array, at: number): number {
    const n = b.length;
    const buf = this.buf;
    // TypedArray.set costs ~20 ns a call whatever the size: atoms and node names are short.
    if (n <= 32) for (let i = 0; i < n; i++) buf[at + i] = b[i]!;
    else buf.set(b, at);
    return at + n;
  }

  atom(name: string): void {
    this.atomOf(atom(name));
  }

  /**
   * Writes atom `a` from its cached SMALL_ATOM_UTF8_EXT form (`Atom.wire`), a word at a time:
   * a DataView store costs about what one typed-array byte store does in V8 (each is checked).
   * The last word's padding lands past the atom, where the next write goes.
   */
  atomOf(a: Atom): void {
    let w = a.wire;
    if (w === undefined) {
      const b = a.utf8;
      if (b.length > 255) return this.atomBytes(b);
      w = a.wire = packAtom(b);
    }
    const n = w.length;
    this.room(4 * n);
    const v = this.view;
    const at = this.pos;
    const head = w[0]!;
    v.setInt32(at, head);
    for (let i = 1; i < n; i++) v.setInt32(at + 4 * i, w[i]!);
    this.pos = at + 2 + ((head >>> 16) & 0xff);
  }

  atomBytes(b: Uint8Array): void {
    const n = b.length;
    if (n <= 32) {
      // The common case in one bounds check: tag, length and the bytes.
      this.room(n + 2);
      const buf = this.buf;
      let at = this.pos;
      buf[at++] = T.SMALL_ATOM_UTF8;
      buf[at++] = n;
      for (let i = 0; i < n; i++) buf[at + i] = b[i]!;
      this.pos = at + n;
      return;
    }
    if (b.length < 256) {
      this.u8(T.SMALL_ATOM_UTF8);
      this.u8(b.length);
    } else {
      this.u8(T.ATOM_UTF8);
      this.u16(b.length);
    }
    this.raw(b);
  }

  integer(x: number | bigint): void {
    if (typeof x === "number") {
      if (x >= 0 && x <= 255) {
        this.u8(T.SMALL_INTEGER);
        this.u8(x);
        return;
      }
      if (x >= -0x80000000 && x <= 0x7fffffff) {
        this.u8(T.INTEGER);
        this.room(4);
        this.view.setInt32(this.pos, x);
        this.pos += 4;
        return;
      }
      x = BigInt(x);
    } else if (x >= -0x80000000n && x <= 0x7fffffffn) return this.integer(Number(x));
    const neg = x < 0n;
    let v = neg ? -x : x;
    const digits: number[] = [];
    while (v > 0n) {
      digits.push(Number(v & 0xffn));
      v >>= 8n;
    }
    if (digits.length < 256) {
      this.u8(T.SMALL_BIG);
      this.u8(digits.length);
    } else {
      this.u8(T.LARGE_BIG);
      this.u32(digits.length);
    }
    this.u8(neg ? 1 : 0);
    this.raw(Uint8Array.from(digits));
  }

  float(x: number): void {
    if (!Number.isFinite(x)) return this.term(this.form(x, `${x} is not an Erlang float`));
    this.finiteFloat(x);
  }

  private finiteFloat(x: number): void {
    this.room(9);
    this.buf[this.pos] = T.NEW_FLOAT;
    this.view.setFloat64(this.pos + 1, x);
    this.pos += 9;
  }

  /**
   * Writes a term. Nesting is bounded only by memory: the first levels
   * recurse (fast), deeper subtrees go to an explicit stack. A cycle (a
   * value inside itself) is refused, or with `lenient` written as `'#cycle'`.
   */
  term(x: unknown): void {
    if (this.sp === 0 && this.maxDepth === Infinity) {
      // A whole term with no maxDepth (nearly every encode). With no side effect that writing it
      // twice would repeat (`exposed`, lenient forms, a subclass' own), its containers go on the path
      // only if the walker's cycle check turns out to need them: then it is written again, recording them.
      const at = this.pos;
      if (this.whole(x, !this.rewritable() || this.exposed !== null || this.lenient !== null)) return;
      this.pos = at;
      this.whole(x, true);
      return;
    }
    try {
      this.write(x, this.sp);
    } catch (e) {
      this.clearPath();
      throw e;
    }
  }

  /**
   * Writes a whole term with no maxDepth: the limits `write` would set, and the ones left between
   * terms (Infinity, 0) restored, without its saves and float math. False if it must be written
   * again with `track` on (nothing written counts then).
   */
  private whole(x: unknown, track: boolean): boolean {
    this.recLimit = recursionDepth < CYCLE_CHECK_DEPTH ? recursionDepth : CYCLE_CHECK_DEPTH;
    this.track = track;
    try {
      this.child(x, 0);
    } catch (e) {
      this.clearPath();
      if (e === UNTRACKED) return false;
      throw e;
    }
    this.recLimit = 0;
    this.track = true;
    return true;
  }

  /** Writes `x`, at nesting `depth`, with `maxDepth` counted from there. */
  private write(x: unknown, depth: number): void {
    const outerDepthLimit = this.depthLimit;
    const outerRecLimit = this.recLimit;
    this.depthLimit = depth + this.maxDepth;
    // Cycle checks (past CYCLE_CHECK_DEPTH) are the stack walker's alone.
    this.recLimit = Math.min(this.depthLimit + 1, depth + recursionDepth, CYCLE_CHECK_DEPTH);
    this.child(x, depth);
    this.depthLimit = outerDepthLimit;
    this.recLimit = outerRecLimit;
  }

  /** Drops every reference into the last term after a failed encode. */
  private clearPath(): void {
    while (this.sp > 0) this.pop();
    this.fSrc.fill(undefined);
    this.onPath = null;
    this.depthLimit = Infinity;
    this.recLimit = 0;
    this.track = true;
  }

  /** Puts container `src` on the path at `depth` (see `track`). */
  private enter(depth: number, src: unknown): void {
    if (this.track) this.fSrc[depth] = src;
  }

  /** Takes the container at `depth` off the path (so the encoder holds no term after). */
  private leave(depth: number): void {
    if (this.track) this.fSrc[depth] = undefined;
  }

  /**
   * Writes `x` at nesting `depth` by recursion, the common case; from
   * `recLimit` on, hands it to the stack walker (or the `maxDepth` cut).
   * The containers being written are kept in `fSrc` (the path from the
   * root) for the walker's cycle check.
   */
  private value(x: unknown, depth: number): void {
    // The common kinds first, the rest in `object`. `instanceof` walks the prototype chain until it
    // matches, so a miss costs a load per level: arrays (tuples and lists) are told apart by their
    // instance type first (no walk), and only then is a tuple's prototype checked.
    if (typeof x === "object") {
      if (x === null) return this.atomOf(NIL);
      if (Array.isArray(x)) return x instanceof Tuple ? this.tuple(x, depth) : this.list(x, x, NIL_TAIL, depth);
      // Binaries by their instance type too: a miss of `Atom` and of `object`'s classes walks a
      // Uint8Array's 3-level chain each time (~200 instructions for `{msg, 1, <<1 KB>>}`).
      if (ArrayBuffer.isView(x)) {
        if (x instanceof Uint8Array) return this.binary(x);
        return this.object(x, depth);
      }
      if (x instanceof Atom) return this.atomOf(x);
      return this.object(x, depth);
    }
    if (typeof x === "number") {
      if (!this.smallInteger(x)) this.number(x, depth);
      return;
    }
    if (typeof x === "string") return this.string(x);
    switch (typeof x) {
      case "bigint":
        return this.integer(x);
      case "boolean":
        return this.atomOf(x ? TRUE : FALSE);
      case "undefined":
        return this.atomOf(UNDEFINED);
      default:
        return this.value(this.form(x, `a ${typeof x} has no Erlang term form`), depth);
    }
  }

  /** `x` at nesting `depth`, by `value` while under `recLimit`, else by `deep`. */
  private child(x: unknown, depth: number): void {
    if (depth < this.recLimit) this.value(x, depth);
    else this.deep(x, depth);
  }

  /** An object other than null, a tuple, an atom, an array or a binary. */
  private object(x: object, depth: number): void {
    if (x instanceof Pid) return this.pid(x);
    if (x instanceof Ref) return this.ref(x);
    if (x instanceof ImproperList) return this.list(x, x.elements, x.tail, depth);
    if (x instanceof Float) {
      if (Number.isFinite(x.value)) return this.finiteFloat(x.value);
      return this.value(this.form(x.value, `${x.value} is not an Erlang float`), depth);
    }
    if (this.leafObject(x) !== NOT_LEAF) return;
    if (isTermMap(x)) {
      const m = x as TermMapLike;
      if (m.size > 32) return this.bigMap(m, depth);
      return this.map(x, [...m.entries()], depth);
    }
    if (x instanceof Map) return this.map(x, [...x.entries()], depth);
    if (x instanceof Fun) return this.fun(x, depth);
    if (Object.getPrototypeOf(x) === Object.prototype) return this.map(x, objectEntries(x), depth);
    return this.value(this.form(x, `${Object.prototype.toString.call(x)} has no Erlang term form`), depth);
  }

  private pid(x: Pid): void {
    if (this.exposed !== null) this.exposed(x);
    this.u8(T.NEW_PID);
    this.atomOf(x.node);
    this.room(12);
    const v = this.view;
    const at = this.pos;
    v.setUint32(at, x.id);
    v.setUint32(at + 4, x.serial);
    v.setUint32(at + 8, x.creation);
    this.pos = at + 12;
  }

  private ref(x: Ref): void {
    if (this.exposed !== null) this.exposed(x);
    const ids = x.ids;
    const n = ids.length;
    this.room(3);
    const buf = this.buf;
    buf[this.pos] = T.NEWER_REFERENCE;
    buf[this.pos + 1] = n >> 8;
    buf[this.pos + 2] = n;
    this.pos += 3;
    this.atomOf(x.node);
    this.room(4 + 4 * n);
    const v = this.view;
    const at = this.pos;
    v.setUint32(at, x.creation);
    for (let i = 0; i < n; i++) v.setUint32(at + 4 + 4 * i, ids[i]!);
    this.pos = at + 4 + 4 * n;
  }

  /** A value at `recLimit` or deeper: past `maxDepth`, or a subtree for the stack walker. */
  private deep(x: unknown, depth: number): void {
    if (depth > this.depthLimit) this.tooDeep(x, depth);
    else this.walk(x, depth);
  }

  /** A number other than a small integer (see `value`). */
  private number(x: number, depth: number): void {
    if ((x | 0) === x) {
      this.room(5);
      this.buf[this.pos] = T.INTEGER;
      this.pos = putU32(this.buf, this.pos + 1, x);
      return;
    }
    if (Number.isInteger(x)) return this.integer(x);
    if (Number.isFinite(x)) return this.finiteFloat(x);
    this.value(this.form(x, `${x} is not an Erlang float`), depth);
  }

  private tuple(x: Tuple, depth: number): void {
    const n = x.length;
    let i = 0;
    if (n < 256 && depth + 1 < this.recLimit) {
      // The header and the leading integers (often all the elements) with one bounds check.
      this.room(2 + 5 * n);
      const buf = this.buf;
      let at = this.pos;
      buf[at] = T.SMALL_TUPLE;
      buf[at + 1] = n;
      at += 2;
      for (; i < n; i++) {
        const e = x[i];
        if (typeof e !== "number" || (e | 0) !== e) break;
        if ((e & 0xff) === e) {
          buf[at] = T.SMALL_INTEGER;
          buf[at + 1] = e;
          at += 2;
        } else {
          buf[at] = T.INTEGER;
          at = putU32(buf, at + 1, e);
        }
      }
      this.pos = at;
      if (i === n) return;
    } else if (n < 256) {
      this.u8(T.SMALL_TUPLE);
      this.u8(n);
    } else {
      this.u8(T.LARGE_TUPLE);
      this.u32(n);
    }
    if (n === 0) return;
    // `enter` and `leave` by hand: TurboFan's inlining budget here is better spent on `room`.
    const track = this.track;
    if (track) this.fSrc[depth] = x;
    const d = depth + 1;
    if (d < this.recLimit) {
      for (; i < n; i++) {
        const e = x[i];
        if (!this.smallInteger(e)) this.value(e, d);
      }
    } else for (; i < n; i++) this.deep(x[i], d);
    if (track) this.fSrc[depth] = undefined;
  }

  /**
   * Writes `x` if it is a tuple of at most 8 32-bit integers (a list's `{K, V}` rows),
   * under one bounds check; false, having written nothing that counts, if not. Small
   * enough to be inlined into `list`, where a call to `tuple` cost more than its work.
   */
  private intTuple(x: Tuple): boolean {
    const n = x.length;
    if (n > 8) return false;
    this.room(2 + 5 * n);
    const buf = this.buf;
    let at = this.pos;
    buf[at] = T.SMALL_TUPLE;
    buf[at + 1] = n;
    at += 2;
    for (let i = 0; i < n; i++) {
      const e = x[i];
      if (typeof e !== "number" || (e | 0) !== e) return false;
      if ((e & 0xff) === e) {
        buf[at] = T.SMALL_INTEGER;
        buf[at + 1] = e;
        at += 2;
      } else {
        buf[at] = T.INTEGER;
        buf[at + 1] = e >>> 24;
        buf[at + 2] = e >>> 16;
        buf[at + 3] = e >>> 8;
        buf[at + 4] = e;
        at += 5;
      }
    }
    this.pos = at;
    return true;
  }

  /** Writes `x` if it is an integer 0..255 (the most common number); false if not. */
  private smallInteger(x: unknown): boolean {
    if (typeof x !== "number" || (x & 0xff) !== x) return false;
    this.room(2);
    const buf = this.buf;
    const at = this.pos;
    buf[at] = T.SMALL_INTEGER;
    buf[at + 1] = x;
    this.pos = at + 2;
    return true;
  }

  private list(src: object, items: readonly unknown[], tail: unknown, depth: number): void {
    const n = items.length;
    const nilTail = tail === NIL_TAIL || (Array.isArray(tail) && tail.length === 0);
    if (nilTail) {
      if (n === 0) return this.u8(T.NIL);
      if (n <= 0xffff && this.stringExt(items, n)) return;
    }
    this.room(5);
    this.buf[this.pos] = T.LIST;
    this.pos = putU32(this.buf, this.pos + 1, n);
    this.enter(depth, src);
    const d = depth + 1;
    if (d < this.recLimit) {
      // Integer tuples here (see `intTuple`): their elements are nested one level more.
      const flat = d + 1 < this.recLimit;
      for (let i = 0; i < n; i++) {
        const e = items[i];
        if (e instanceof Tuple) {
          if (!(flat && this.intTuple(e))) this.tuple(e, d);
        } else if (!this.smallInteger(e)) this.value(e, d);
      }
    } else for (let i = 0; i < n; i++) this.deep(items[i], d);
    if (nilTail) this.u8(T.NIL);
    else this.child(tail, d);
    this.leave(depth);
  }

  /** A list of integers 0..255 as STRING_EXT (as OTP writes it); false when it is not one. */
  private stringExt(items: readonly unknown[], n: number): boolean {
    for (let i = 0; i < n; i++) {
      const e = items[i];
      if (typeof e !== "number" || (e & 0xff) !== e) return false;
    }
    this.room(3 + n);
    const buf = this.buf;
    let at = this.pos;
    buf[at++] = T.STRING;
    buf[at++] = n >> 8;
    buf[at++] = n & 0xff;
    for (let i = 0; i < n; i++) buf[at + i] = items[i] as number;
    this.pos = at + n;
    return true;
  }

  /**
   * A small map's entries (≤ 32 keys), in map key order (integers before
   * floats), as OTP writes its flatmaps.
   */
  private map(src: object, entries: [unknown, unknown][], depth: number): void {
    if (entries.length > 1) entries.sort((a, b) => compareKeys(a[0], b[0]));
    this.room(5);
    this.buf[this.pos] = T.MAP;
    this.view.setUint32(this.pos + 1, entries.length);
    this.pos += 5;
    this.enter(depth, src);
    const d = depth + 1;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      this.child(e[0], d);
      this.child(e[1], d);
    }
    this.leave(depth);
  }

  /** Maps over 32 keys have no canonical order: written as they iterate. */
  private bigMap(m: TermMapLike, depth: number): void {
    this.room(5);
    this.buf[this.pos] = T.MAP;
    this.view.setUint32(this.pos + 1, m.size);
    this.pos += 5;
    this.enter(depth, m);
    const d = depth + 1;
    if (d < this.recLimit) {
      m.forEach((v, k) => {
        this.scalar(k, d);
        this.scalar(v, d);
      });
    } else {
      m.forEach((v, k) => {
        this.deep(k, d);
        this.deep(v, d);
      });
    }
    this.leave(depth);
  }

  /**
   * A map's key or value: numbers and strings (most maps') without `value`'s whole dispatch,
   * which TurboFan no longer inlines them into; the rest by `value`.
   */
  private scalar(x: unknown, d: number): void {
    if (typeof x === "number") {
      if (!this.smallInteger(x)) this.number(x, d);
    } else if (typeof x === "string") this.string(x);
    else this.value(x, d);
  }

  private fun(f: Fun, depth: number): void {
    const sizeAt = this.funHead(f);
    this.enter(depth, f);
    const d = depth + 1;
    this.child(f.pid, d);
    for (const v of f.freeVars) this.child(v, d);
    this.leave(depth);
    this.view.setUint32(sizeAt, this.pos - sizeAt);
  }

  /** A fun's fields before its pid and free variables; returns where its size goes. */
  private funHead(f: Fun): number {
    this.u8(T.NEW_FUN);
    const sizeAt = this.pos;
    this.u32(0);
    this.u8(f.arity);
    this.raw(f.uniq);
    this.u32(f.index);
    this.u32(f.freeVars.length);
    this.atom(f.module.name);
    this.integer(f.oldIndex);
    this.integer(f.oldUniq);
    return sizeAt;
  }

  private string(x: string): void {
    // UTF-8 straight into the buffer: at most 3 bytes per UTF-16 unit.
    this.room(5 + 3 * x.length);
    const buf = this.buf;
    buf[this.pos] = T.BINARY;
    if (x.length <= 64) {
      // Short ASCII strings by hand: cheaper than a call into the encoder.
      let i = 0;
      const at = this.pos + 5;
      for (; i < x.length; i++) {
        const c = x.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === x.length) {
        putU32(buf, this.pos + 1, i);
        this.pos += 5 + i;
        return;
      }
    }
    const { written } = utf8.encodeInto(x, buf.subarray(this.pos + 5));
    this.view.setUint32(this.pos + 1, written);
    this.pos += 5 + written;
  }

  private binary(x: Uint8Array): void {
    // Header and bytes under one bounds check; the length by one (checked) DataView store, not four.
    this.room(5 + x.length);
    const at = this.pos;
    this.buf[at] = T.BINARY;
    this.view.setUint32(at + 1, x.length);
    this.pos = this.copy(x, at + 5);
  }

  /** Writes an object that holds no other term (a pid, a ref, a float...); NOT_LEAF for any other. */
  private leafObject(x: object): unknown {
    if (x instanceof Pid) return this.pid(x);
    if (x instanceof Ref) return this.ref(x);
    if (x instanceof BitString) {
      this.u8(T.BIT_BINARY);
      this.u32(x.bytes.length);
      this.u8(x.lastBits);
      return this.raw(x.bytes);
    }
    if (x instanceof Port) {
      const id = x.id;
      // OTP writes NEW_PORT_EXT while the id fits the old 28-bit port number, V4_PORT_EXT beyond.
      if (typeof id === "number" && id <= 0x0fffffff) {
        this.u8(T.NEW_PORT);
        this.atom(x.node.name);
        this.u32(id);
      } else {
        this.u8(T.V4_PORT);
        this.atom(x.node.name);
        this.room(8);
        this.view.setBigUint64(this.pos, BigInt(id));
        this.pos += 8;
      }
      return this.u32(x.creation);
    }
    if (x instanceof Export) {
      this.u8(T.EXPORT);
      this.atom(x.module.name);
      this.atom(x.fn.name);
      return this.integer(x.arity);
    }
    if (x instanceof LocalTerm) return this.raw(x.bytes);
    return NOT_LEAF;
  }

  /** Past `maxDepth`: refused, or (lenient) cut with a one-level form ('...' below it), whose keys stay distinct. */
  private tooDeep(x: unknown, depth: number): void {
    if (this.lenient === null) throw new EtfEncodeError(`term nested deeper than ${this.maxDepth}`);
    this.write(jsTerm(x, { ...this.lenient, maxDepth: 0 }), depth);
  }

  /** The JS term form of a value with none in Erlang (lenient), or `EtfEncodeError`. */
  private form(x: unknown, why: string): unknown {
    if (this.lenient === null) throw new EtfEncodeError(why);
    // jsTerm gives only values with a natural form, so this does not come back here.
    return jsTerm(x, this.lenient);
  }

  // ---- The stack walker: subtrees from `recLimit` levels down, nested without bound. ----

  /**
   * Writes `x` (at nesting `depth`) without recursion: the open containers
   * are frames of an explicit stack, from index `depth` (the path above is
   * already in `fSrc`).
   */
  private walk(x: unknown, depth: number): void {
    const outerSp = this.sp;
    const base = depth;
    this.sp = base;
    try {
      for (;;) {
        if (this.sp > this.depthLimit) this.tooDeep(x, this.sp);
        else this.one(x);
        // The next value of the innermost open container, closing those that are done.
        for (;;) {
          if (this.sp === base) {
            this.sp = outerSp;
            return;
          }
          const f = this.sp - 1;
          const i = this.fIndex[f]!;
          if (i < this.fCount[f]!) {
            this.fIndex[f] = i + 1;
            const kind = this.fKind[f]!;
            const items = this.fItems[f]!;
            x = kind === K_ENTRIES ? (items[i >> 1] as [unknown, unknown])[i & 1] : items[i];
            break;
          }
          if (this.fKind[f] === K_LIST) {
            const tail = this.fTail[f];
            this.fKind[f] = K_SEQ;
            if (!(Array.isArray(tail) && tail.length === 0)) {
              x = tail;
              break;
            }
            this.u8(T.NIL);
          } else if (this.fKind[f] === K_FUN) this.view.setUint32(this.fAt[f]!, this.pos - this.fAt[f]!);
          this.pop();
        }
      }
    } catch (e) {
      while (this.sp > base) this.pop();
      this.sp = outerSp;
      throw e;
    }
  }

  /**
   * Writes the leading elements that hold no others (numbers, strings,
   * atoms...) at once, without a stack frame: most tuples are all such.
   * Returns how many it wrote.
   */
  private leaves(items: readonly unknown[], n: number): number {
    if (this.sp >= this.depthLimit) return 0; // their depth is checked in `walk`
    let i = 0;
    for (; i < n; i++) {
      const e = items[i];
      const ty = typeof e;
      if (ty === "object" ? !(e === null || e instanceof Atom || e instanceof Pid || e instanceof Uint8Array || e instanceof Ref) : ty === "function" || ty === "symbol") break;
      this.one(e);
    }
    return i;
  }

  // The open containers, innermost last, as parallel arrays: what to write (elements, or a
  // map's entries), how far, and what closes it (a list's tail, a fun's size field).
  private fKind: number[] = [];
  private fItems: (readonly unknown[])[] = [];
  private fIndex: number[] = [];
  private fCount: number[] = [];
  private fTail: unknown[] = [];
  private fAt: number[] = [];
  /** The containers being written, from the root (by `value` and the walker alike), for the cycle check. */
  private fSrc: unknown[] = [];
  /**
   * Whether `value`'s containers are put on the path (`fSrc`). Only the walker's cycle check
   * reads them, in terms nested over CYCLE_CHECK_DEPTH levels: a plain encode writes the term
   * without (a store and its clearing per container), and in such a rare term starts over with.
   */
  private track = true;
  /** Whether writing a term again has no effect but its bytes (see `track`): not in a subclass unless it says so. */
  protected rewritable(): boolean {
    return false;
  }
  /** `fSrc` as a set, once the walker is deeper than CYCLE_CHECK_DEPTH. */
  private onPath: Set<unknown> | null = null;
  /** The walker's stack height (its frame `f` is the container at nesting `f`). */
  private sp = 0;
  /** Nesting past which a value is too deep (`maxDepth` from where `write` began). */
  private depthLimit = Infinity;
  /** Nesting from which `value` hands over to `deep` (set by `write`). */
  private recLimit = 0;

  private push(kind: number, src: object, items: readonly unknown[], count: number): number {
    const f = this.sp;
    if (this.onPath !== null) this.onPath.add(src);
    this.sp = f + 1;
    this.fKind[f] = kind;
    this.fItems[f] = items;
    this.fIndex[f] = 0;
    this.fCount[f] = count;
    this.fSrc[f] = src;
    return f;
  }

  private pop(): void {
    const f = --this.sp;
    if (this.onPath !== null) {
      if (f < CYCLE_CHECK_DEPTH) this.onPath = null;
      else this.onPath.delete(this.fSrc[f]);
    }
    this.fItems[f] = EMPTY; // hold no term after the encode
    this.fTail[f] = undefined;
    this.fSrc[f] = undefined;
  }

  /** The walker's step: writes a leaf, or a container's header (its elements are pushed for `walk` to write). */
  private one(x: unknown): void {
    switch (typeof x) {
      case "number":
        if (Number.isInteger(x)) return this.integer(x);
        if (Number.isFinite(x)) return this.finiteFloat(x);
        return this.one(this.form(x, `${x} is not an Erlang float`));
      case "bigint":
        return this.integer(x);
      case "string":
        return this.string(x);
      case "boolean":
        return this.atomOf(x ? TRUE : FALSE);
      case "undefined":
        return this.atomOf(UNDEFINED);
      case "object":
        break;
      default:
        return this.one(this.form(x, `a ${typeof x} has no Erlang term form`));
    }
    if (x === null) return this.atomOf(NIL);
    if (x instanceof Atom) return this.atomOf(x);
    if (x instanceof Tuple) {
      const n = x.length;
      if (n > 0 && this.sp >= CYCLE_CHECK_DEPTH && this.cyclic(x)) return;
      if (n < 256) {
        this.u8(T.SMALL_TUPLE);
        this.u8(n);
      } else {
        this.u8(T.LARGE_TUPLE);
        this.u32(n);
      }
      const done = this.leaves(x, n);
      if (done < n) this.fIndex[this.push(K_SEQ, x, x, n)] = done;
      return;
    }
    if (Array.isArray(x)) return this.pushList(x, x, NIL_TAIL);
    if (x instanceof Uint8Array) return this.binary(x);
    if (x instanceof Float) {
      if (Number.isFinite(x.value)) return this.finiteFloat(x.value);
      return this.one(this.form(x.value, `${x.value} is not an Erlang float`));
    }
    if (this.leafObject(x) !== NOT_LEAF) return;
    if (x instanceof ImproperList) return this.pushList(x, x.elements, x.tail);
    if (isTermMap(x)) {
      const m = x as TermMapLike;
      return this.pushMap(x, [...m.entries()], m.size <= 32);
    }
    if (x instanceof Map) return this.pushMap(x, [...x.entries()], true);
    if (x instanceof Fun) {
      if (this.sp >= CYCLE_CHECK_DEPTH && this.cyclic(x)) return;
      const sizeAt = this.funHead(x);
      const items = [x.pid, ...x.freeVars];
      this.fAt[this.push(K_FUN, x, items, items.length)] = sizeAt;
      return;
    }
    if (Object.getPrototypeOf(x) === Object.prototype) return this.pushMap(x, objectEntries(x), true);
    return this.one(this.form(x, `${Object.prototype.toString.call(x)} has no Erlang term form`));
  }

  private pushList(src: object, items: readonly unknown[], tail: unknown): void {
    const n = items.length;
    const nilTail = tail === NIL_TAIL || (Array.isArray(tail) && tail.length === 0);
    if (nilTail) {
      if (n === 0) return this.u8(T.NIL);
      if (n <= 0xffff && this.stringExt(items, n)) return;
    }
    if (this.sp >= CYCLE_CHECK_DEPTH && this.cyclic(src)) return;
    this.u8(T.LIST);
    this.u32(n);
    const done = this.leaves(items, n);
    if (done === n && nilTail) return this.u8(T.NIL);
    const f = this.push(K_LIST, src, items, n);
    this.fIndex[f] = done;
    this.fTail[f] = tail;
  }

  /** A map's header; its entries are pushed (sorted as in `map` when `sort`). */
  private pushMap(src: object, entries: [unknown, unknown][], sort: boolean): void {
    if (sort && entries.length > 1) entries.sort((a, b) => compareKeys(a[0], b[0]));
    if (entries.length > 0 && this.sp >= CYCLE_CHECK_DEPTH && this.cyclic(src)) return;
    this.u8(T.MAP);
    this.u32(entries.length);
    if (entries.length > 0) this.push(K_ENTRIES, src, entries, 2 * entries.length);
  }

  /**
   * Whether `src` is inside itself (then refused, or with `lenient` written
   * as `'#cycle'`). Checked only past CYCLE_CHECK_DEPTH levels: deep nesting
   * is rare, and a cycle nests forever.
   */
  private cyclic(src: object): boolean {
    if (this.onPath === null) {
      if (!this.track) throw UNTRACKED;
      this.onPath = new Set(this.fSrc.slice(0, this.sp));
    }
    if (!this.onPath.has(src)) return false;
    if (this.lenient === null) throw new EtfEncodeError(`a cycle: ${Object.prototype.toString.call(src)} inside itself`);
    this.atomOf(CYCLE);
    return true;
  }
}

/** A plain object's entries as a map's, with atom keys. */
function objectEntries(x: object): [unknown, unknown][] {
  return Object.entries(x).map(([k, v]): [unknown, unknown] => [atom(k), v]);
}

/** Container kinds on the encoder's stack. */
const K_SEQ = 0; // tuple elements (or a list whose tail is written)
const K_LIST = 1; // list elements, then its tail
const K_ENTRIES = 2; // map entries: key, value, key, value...
const K_FUN = 3; // a fun's pid and free variables, then its size field
const EMPTY: readonly unknown[] = [];
/** Thrown by the cycle check when the path was not recorded (see `track`). */
const UNTRACKED: unknown = Symbol("path not recorded");
const NIL_TAIL: readonly unknown[] = [];
const NOT_LEAF: unknown = Symbol("not a leaf");
/** Nesting below which no cycle check is made (ordinary terms never reach it). */
const CYCLE_CHECK_DEPTH = 1000;
const CYCLE = atom("#cycle");
const TRUE = atom("true");
const FALSE = atom("false");
const UNDEFINED = atom("undefined");
const NIL = atom("nil");

/** `Atom.wire`: SMALL_ATOM_UTF8_EXT of an atom of at most 255 bytes, as big-endian 32-bit words (zero-padded). */
function packAtom(b: Uint8Array): Int32Array {
  const bytes = new Uint8Array((b.length + 5) & ~3);
  bytes[0] = T.SMALL_ATOM_UTF8;
  bytes[1] = b.length;
  bytes.set(b, 2);
  const w = new Int32Array(bytes.length >> 2);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < w.length; i++) w[i] = v.getInt32(4 * i);
  return w;
}

// Results are written straight into a shared slab and returned as views of it, as Node
// pools small Buffers: no copy, and one ArrayBuffer (which costs far more than a small
// encode) per slab rather than per result. A slab is not zero-filled (as Node's pool is
// not: `Buffer.allocUnsafeSlow` honours --zero-fill-buffers): every byte a result covers
// is written. 32 KB rather than Node's 8 KB: a slab costs ~4,400 instructions unzeroed
// (12,000 for 8 KB zeroed), paid by ~30 1 KB results, while a retained small result pins
// at most 32 KB.
const SLAB_SIZE = 32768;
/** Start a new slab when less than this (or than the last result) is left: the encode would likely not fit. */
const SLAB_MIN_ROOM = 256;

/** `encode`'s encoder: writes into the slab, and moves to a reused scratch buffer when a term outgrows it. */
class SlabEncoder extends Encoder {
  protected override rewritable(): boolean {
    return true;
  }
  slab = new Uint8Array(SLAB_SIZE);
  /** `slab.buffer`, kept: the getter is a call into V8's runtime (~100 instructions a result). */
  slabBuffer: ArrayBuffer = this.slab.buffer;
  slabView = new DataView(this.slabBuffer);
  /** Where the slab's free part begins. */
  slabAt = 0;
  /** The last result's size: a slab with less room left is replaced before the encode, not copied out of during it. */
  private lastSize = 0;
  private scratch = new Uint8Array(2 * SLAB_SIZE);
  private scratchView = new DataView(this.scratch.buffer);

  /** Points the encoder at the slab's free part; returns where the result will begin. */
  begin(): number {
    if (this.lastSize > SLAB_SIZE >>> 1) {
      // Big terms tend to follow big terms: straight into the scratch buffer.
      this.buf = this.scratch;
      this.view = this.scratchView;
      this.pos = 0;
      return 0;
    }
    if (SLAB_SIZE - this.slabAt < Math.max(SLAB_MIN_ROOM, this.lastSize)) this.newSlab();
    // Stored only when changed: a slab is young for most of its life, and storing it costs a write barrier.
    if (this.buf !== this.slab) {
      this.buf = this.slab;
      this.view = this.slabView;
    }
    this.pos = this.slabAt;
    return this.pos;
  }

  /** The result, `buf[start, pos)`: a view of the slab, or a copy of the scratch buffer. */
  end(start: number): Uint8Array {
    const n = this.pos - start;
    this.lastSize = n;
    if (this.buf === this.slab) {
      this.slabAt = (this.pos + 7) & ~7; // 8-aligned, as Node's pool
      return new Uint8Array(this.slabBuffer, start, n);
    }
    if (n > SLAB_SIZE >>> 1) return this.buf.slice(start, this.pos);
    if (SLAB_SIZE - this.slabAt < n) this.newSlab();
    const out = new Uint8Array(this.slabBuffer, this.slabAt, n);
    out.set(this.buf.subarray(start, this.pos));
    this.slabAt = (this.slabAt + n + 7) & ~7;
    return out;
  }

  private newSlab(): void {
    this.slabBuffer = Buffer.allocUnsafeSlow(SLAB_SIZE).buffer as ArrayBuffer;
    this.slab = new Uint8Array(this.slabBuffer, 0, SLAB_SIZE);
    this.slabView = new DataView(this.slabBuffer);
    this.slabAt = 0;
  }

  // Out of slab: everything so far moves to the scratch buffer at the same positions.
  protected override grow(n: number): void {
    if (this.buf === this.slab) {
      if (this.scratch.length < this.pos + n) {
        let size = this.scratch.length * 2;
        while (size < this.pos + n) size *= 2;
        this.scratch = new Uint8Array(size);
        this.scratchView = new DataView(this.scratch.buffer);
      }
      this.scratch.set(this.slab.subarray(0, this.pos));
      this.buf = this.scratch;
      this.view = this.scratchView;
      return;
    }
    super.grow(n);
    this.scratch = this.buf;
    this.scratchView = this.view;
  }
}

const shared = new SlabEncoder();
const NO_OPTIONS: EncodeOptions = {};

/**
 * Encodes a term (with the version byte 131 unless `noVersion`). The result
 * may be a view into a pooled 32 KB buffer (as a small `Buffer` is, and not
 * zero-filled either): use it through its own `byteOffset`/`length`, not its
 * whole `.buffer`, and copy it (`slice()`) to keep a small result for long
 * without keeping the whole pool.
 *
 * @example
 * encode(t(atom("ok"), 1)); // Uint8Array [131, 104, 2, 119, 2, 111, 107, 97, 1]
 */
export function encode(term: unknown, opts: EncodeOptions = NO_OPTIONS): Uint8Array {
  const e = shared;
  e.reset();
  const at = e.begin();
  if (opts === NO_OPTIONS) {
    e.maxDepth = Infinity;
    e.exposed = null;
    e.lenient = null;
    e.u8(T.VERSION);
  } else {
    e.maxDepth = opts.maxDepth ?? Infinity;
    e.exposed = opts.exposed ?? null;
    e.lenient = opts.lenient === true ? DEFAULT_JS_TERM_LIMITS : opts.lenient || null;
    if (opts.noVersion !== true) e.u8(T.VERSION);
  }
  const start = e.pos - at;
  e.term(term);
  const out = e.end(at);
  if (!opts.compressed) return out;
  const body = out.subarray(start);
  const level = opts.compressed === true ? 6 : opts.compressed;
  const z = deflateSync(body, { level });
  if (z.length + 5 >= body.length) return out; // as term_to_binary: compress only when it pays
  const c = new Uint8Array(start + 5 + z.length);
  c.set(out.subarray(0, start));
  c[start] = T.COMPRESSED;
  new DataView(c.buffer).setUint32(start + 1, body.length);
  c.set(z, start + 5);
  return c;
}
