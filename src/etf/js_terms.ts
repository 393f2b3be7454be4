/**
 * Term forms for JS values that have no natural Erlang term: what the
 * lenient encoder (`EncodeOptions.lenient`, always on for the distribution
 * path) writes instead of throwing, so that `sys:get_state` of a server whose
 * state is a class instance, or an exit reason that is a JS `Error`, reaches
 * an Erlang node as a readable term.
 *
 * | JS value | term form |
 * |---|---|
 * | class instance | map with atom keys (its own enumerable fields) and `'__struct__' => 'ClassName'` |
 * | object without prototype | map with atom keys |
 * | `Error` | `#{'__exception__' => true, '__struct__' => 'TypeError', name => <<"TypeError">>, message => <<"...">>}`, plus `cause` and its own fields |
 * | `Map` | map, keys and values in their forms (keys equal as terms kept once) |
 * | `Set` | list |
 * | function | `{'#Fun', <<"name">>, Arity}` |
 * | symbol | `{'#Symbol', <<"description">>}` (`undefined` without one) |
 * | `NaN`, `Infinity`, `-Infinity` | `nan`, `infinity`, `'-infinity'` |
 * | `Date` | `#{'__struct__' => 'Date', iso => <<"2024-01-01T00:00:00.000Z">>}` (`iso => invalid`) |
 * | `RegExp` | `#{'__struct__' => 'RegExp', source => <<"...">>, flags => <<"...">>}` |
 * | other typed arrays, `ArrayBuffer` | list of numbers; `ArrayBuffer` / `DataView`: binary |
 * | a cycle (a value inside itself) | `'#cycle'` |
 * | deeper than `maxDepth`, past `maxValues` | `'...'` |
 * | collection past `maxItems` | list / tuple: a last element `{'...', Omitted}`; map: key `'...' => Omitted` |
 * | string or binary past `maxBytes` | `{'...', Prefix, Size}` |
 * | a value that throws when read (a getter, a proxy) | `'#unreadable'` |
 *
 * Below such a value everything is converted with the same bounds (terms
 * that have a natural form keep it), so one huge or cyclic state gives a
 * message of bounded size.
 */
import { Atom, MAX_ATOM_CHARS, atom } from "../term/atom.js";
import { BitString } from "../term/bitstring.js";
import { Float } from "../term/float.js";
import { Export, Fun, LocalTerm } from "../term/fun.js";
import { Pid, Port, Ref } from "../term/identifiers.js";
import { ImproperList } from "../term/improper_list.js";
import { TermMap } from "../term/term_map.js";
import { isTermMap } from "../term/term_map_like.js";
import { Tuple, t, tupleOf } from "../term/tuple.js";

/** Bounds of one conversion. */
export interface JsTermLimits {
  /** Deepest nesting shown below the converted value (default 8); deeper values are `'...'`. */
  maxDepth?: number;
  /** Most elements, entries or fields shown per collection (default 100). */
  maxItems?: number;
  /** Most values shown in all (default 2,000); the rest are `'...'`. */
  maxValues?: number;
  /** Longest string (UTF-16 units) or binary (bytes) shown whole (default 1,024). */
  maxBytes?: number;
}

export const DEFAULT_JS_TERM_LIMITS: Readonly<Required<JsTermLimits>> = Object.freeze({ maxDepth: 8, maxItems: 100, maxValues: 2000, maxBytes: 1024 });

const ELLIPSIS = atom("...");
const CYCLE = atom("#cycle");
const UNREADABLE = atom("#unreadable");
const FUN = atom("#Fun");
const SYMBOL = atom("#Symbol");
const STRUCT = atom("__struct__");
const EXCEPTION = atom("__exception__");
const NAME = atom("name");
const MESSAGE = atom("message");
const CAUSE = atom("cause");
const ISO = atom("iso");
const INVALID = atom("invalid");
const SOURCE = atom("source");
const FLAGS = atom("flags");
const NAN = atom("nan");
const INFINITY = atom("infinity");
const NEG_INFINITY = atom("-infinity");

/** A name as an atom: cut to Erlang's 255 characters. */
function nameAtom(s: string): Atom {
  return atom(s.length <= MAX_ATOM_CHARS ? s : [...s].slice(0, MAX_ATOM_CHARS).join(""));
}

function className(x: object): string {
  try {
    const c = (x as { constructor?: { name?: unknown } }).constructor;
    if (typeof c?.name === "string" && c.name !== "") return c.name;
  } catch {
    // a proxy, or a throwing getter: fall back to the tag
  }
  return Object.prototype.toString.call(x).slice(8, -1);
}

class Converter {
  private left: number;
  private readonly path = new Set<object>();
  /** Some value was cut for the value budget / for the depth. */
  exhausted = false;
  deepened = false;
  constructor(
    private readonly lim: Required<JsTermLimits>,
    private readonly depthLimit: number,
  ) {
    this.left = lim.maxValues;
  }

  /** `x` in a form the encoder writes natively. */
  conv(x: unknown, depth: number): unknown {
    if (this.left <= 0) {
      this.exhausted = true;
      return ELLIPSIS;
    }
    this.left--;
    switch (typeof x) {
      case "number":
        if (Number.isFinite(x)) return x;
        return Number.isNaN(x) ? NAN : x > 0 ? INFINITY : NEG_INFINITY;
      case "bigint":
      case "boolean":
      case "undefined":
        return x;
      case "string":
        return x.length <= this.lim.maxBytes ? x : t(ELLIPSIS, x.slice(0, this.lim.maxBytes), x.length);
      case "symbol":
        return t(SYMBOL, x.description === undefined ? undefined : this.conv(x.description, depth + 1));
      case "function": {
        let name = "";
        let arity = 0;
        try {
          name = typeof x.name === "string" ? x.name : "";
          arity = typeof x.length === "number" ? x.length : 0;
        } catch {
          // a proxy around a function
        }
        return t(FUN, name.slice(0, this.lim.maxBytes), arity);
      }
      case "object":
        break;
      default:
        return UNREADABLE;
    }
    if (x === null) return null;
    if (depth > this.depthLimit) {
      this.deepened = true;
      return ELLIPSIS;
    }
    if (this.path.has(x)) return CYCLE;
    this.path.add(x);
    try {
      return this.object(x, depth);
    } catch {
      return UNREADABLE;
    } finally {
      this.path.delete(x);
    }
  }

  private object(x: object, depth: number): unknown {
    const d = depth + 1;
    if (x instanceof Atom || x instanceof Pid || x instanceof Ref || x instanceof Port || x instanceof Export || x instanceof LocalTerm) return x;
    if (x instanceof Float) return Number.isFinite(x.value) ? x : this.conv(x.value, d);
    if (x instanceof Tuple) return tupleOf(this.items(x, x.length, d));
    if (Array.isArray(x)) return this.items(x, x.length, d);
    if (x instanceof Uint8Array) return this.bytes(x);
    if (x instanceof BitString) return x.bytes.length <= this.lim.maxBytes ? x : t(ELLIPSIS, x.bytes.subarray(0, this.lim.maxBytes), x.bytes.length);
    if (x instanceof Fun) return x; // a fun from another node: its free variables are terms already
    if (x instanceof ImproperList) return new ImproperList(this.items(x.elements, x.elements.length, d), this.conv(x.tail, d));
    if (isTermMap(x) || x instanceof Map) return this.map(x.entries(), x.size, d);
    if (x instanceof Set) return this.items(x, x.size, d);
    if (x instanceof Error) return this.error(x, d);
    if (x instanceof Date) {
      const ms = x.getTime();
      return new TermMap<unknown, unknown>([
        [STRUCT, atom("Date")],
        [ISO, Number.isNaN(ms) ? INVALID : x.toISOString()],
      ]);
    }
    if (x instanceof RegExp) {
      return new TermMap<unknown, unknown>([
        [STRUCT, atom("RegExp")],
        [SOURCE, this.conv(x.source, d)],
        [FLAGS, x.flags],
      ]);
    }
    if (x instanceof ArrayBuffer) return this.bytes(new Uint8Array(x));
    if (x instanceof DataView) return this.bytes(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    if (ArrayBuffer.isView(x)) {
      const a = x as unknown as ArrayLike<unknown> & Iterable<unknown>;
      return this.items(a, a.length, d);
    }
    const proto: unknown = Object.getPrototypeOf(x);
    const m = new TermMap<unknown, unknown>();
    if (proto !== Object.prototype && proto !== null) m.set(STRUCT, nameAtom(className(x)));
    this.fields(m, x, d);
    return m;
  }

  private bytes(b: Uint8Array): unknown {
    return b.length <= this.lim.maxBytes ? b : t(ELLIPSIS, b.slice(0, this.lim.maxBytes), b.length);
  }

  /** The first `maxItems` of a collection of `size`, converted; `{'...', Omitted}` last when cut. */
  private items(xs: Iterable<unknown>, size: number, d: number): unknown[] {
    const out: unknown[] = [];
    const max = this.lim.maxItems;
    for (const v of xs) {
      if (out.length >= max) break;
      out.push(this.conv(v, d));
    }
    if (size > out.length) out.push(t(ELLIPSIS, size - out.length));
    return out;
  }

  private map(entries: Iterable<[unknown, unknown]>, size: number, d: number): TermMap {
    const m = new TermMap<unknown, unknown>();
    let shown = 0;
    for (const [k, v] of entries) {
      if (shown >= this.lim.maxItems) break;
      shown++;
      m.set(this.conv(k, d), this.conv(v, d)); // keys equal as terms collapse: an Erlang map has each once
    }
    if (size > shown) m.set(ELLIPSIS, size - shown);
    return m;
  }

  /** Own enumerable string-keyed fields as atom keys, at most `maxItems`; each read guarded. */
  private fields(m: TermMap, x: object, d: number): void {
    const keys = Object.keys(x);
    const max = this.lim.maxItems;
    let shown = 0;
    for (const k of keys) {
      if (shown >= max) break;
      shown++;
      let v: unknown;
      try {
        v = (x as Record<string, unknown>)[k];
      } catch {
        v = UNREADABLE;
      }
      m.set(nameAtom(k), this.conv(v, d));
    }
    if (keys.length > shown) m.set(ELLIPSIS, keys.length - shown);
  }

  private error(e: Error, d: number): TermMap {
    const m = new TermMap<unknown, unknown>();
    m.set(EXCEPTION, true);
    m.set(STRUCT, nameAtom(className(e)));
    const read = (f: () => unknown): unknown => {
      try {
        return f();
      } catch {
        return UNREADABLE;
      }
    };
    this.fields(m, e, d);
    const name = read(() => e.name);
    const message = read(() => e.message);
    m.set(NAME, this.conv(name, d));
    m.set(MESSAGE, this.conv(message, d));
    const cause = read(() => e.cause);
    if (cause !== undefined) m.set(CAUSE, this.conv(cause, d));
    return m;
  }
}

/**
 * The term form of a JS value (see the table above): a value the encoder
 * writes without error, whatever `x` is, bounded by `limits`. Terms that
 * have a natural form (numbers, strings, atoms, pids, tuples, lists, plain
 * objects...) keep it, converted inside the same bounds.
 *
 * @example
 * class ShardState { index = 0; same = () => 1; }
 * jsTerm(new ShardState());
 * // TermMap {'__struct__' => 'ShardState', index => 0, same => {'#Fun', <<"same">>, 0}}
 */
export function jsTerm(x: unknown, limits: JsTermLimits = DEFAULT_JS_TERM_LIMITS): unknown {
  const lim = limits === DEFAULT_JS_TERM_LIMITS ? DEFAULT_JS_TERM_LIMITS : { ...DEFAULT_JS_TERM_LIMITS, ...limits };
  try {
    // Deepening one level at a time, keeping the deepest form within the value budget: a
    // big first field cannot use up the budget and leave the fields after it unshown.
    let best: unknown = UNREADABLE;
    for (let depth = 0; depth <= lim.maxDepth; depth++) {
      const c = new Converter(lim, depth);
      const form = c.conv(x, 0);
      if (c.exhausted) return depth === 0 ? form : best;
      best = form;
      if (!c.deepened) break;
    }
    return best;
  } catch {
    return UNREADABLE;
  }
}
