/**
 * Erlang's term order, for sorting and for `<`, `>` on terms:
 * number < atom < reference < fun < port < pid < tuple < map < nil < list < bitstring.
 * Integers and floats compare by value (`1 == 1.0` gives 0 here; use
 * `equals` for `=:=`).
 */
import { Atom } from "./atom.js";
import { BitString } from "./bitstring.js";
import { atomOf } from "./equals.js";
import { Float } from "./float.js";
import { Export, Fun, LocalTerm } from "./fun.js";
import { Pid, Port, Ref } from "./identifiers.js";
import { ImproperList } from "./improper_list.js";
import { type TermMapLike, isTermMap } from "./term_map_like.js";
import { Tuple } from "./tuple.js";

const enum Rank {
  Number = 0,
  Atom = 1,
  Ref = 2,
  Fun = 3,
  Port = 4,
  Pid = 5,
  Tuple = 6,
  Map = 7,
  Nil = 8,
  List = 9,
  Bits = 10,
}

function rank(x: unknown): Rank {
  switch (typeof x) {
    case "number":
    case "bigint":
      return Rank.Number;
    case "string":
      return Rank.Bits;
    case "boolean":
    case "undefined":
      return Rank.Atom;
  }
  if (x === null || x instanceof Atom) return Rank.Atom;
  if (x instanceof Float) return Rank.Number;
  if (x instanceof Ref) return Rank.Ref;
  if (x instanceof Fun || x instanceof Export) return Rank.Fun;
  if (x instanceof Port) return Rank.Port;
  if (x instanceof Pid) return Rank.Pid;
  if (x instanceof Tuple) return Rank.Tuple;
  if (isTermMap(x)) return Rank.Map;
  if (Array.isArray(x)) return x.length === 0 ? Rank.Nil : Rank.List;
  if (x instanceof ImproperList) return Rank.List;
  if (x instanceof Uint8Array || x instanceof BitString) return Rank.Bits;
  if (x instanceof LocalTerm) return Rank.Fun;
  return Rank.Map; // plain objects encode as maps
}

function cmp<T>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Strings by code point (as Erlang orders atoms), not by UTF-16 unit as `<` does. */
function cmpText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x < 0xd800 && y < 0xd800) return x - y;
      return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
    }
  }
  return a.length - b.length;
}

function num(x: unknown): number | bigint {
  return x instanceof Float ? x.value : (x as number | bigint);
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === typeof b) return cmp(a, b);
  // mixed bigint / number: compare exactly
  if (typeof a === "bigint") return -compareNumbers(b, a);
  const x = a as number;
  const y = b as bigint;
  if (!Number.isFinite(x)) return x > 0 ? 1 : -1;
  const fx = BigInt(Math.trunc(x));
  if (fx !== y) return fx < y ? -1 : 1;
  return cmp(x - Math.trunc(x), 0);
}

function bytesOf(x: unknown): [Uint8Array, number] {
  if (typeof x === "string") return [new TextEncoder().encode(x), 8];
  if (x instanceof BitString) return [x.bytes, x.lastBits];
  return [x as Uint8Array, 8];
}

function listParts(x: unknown): [unknown[], unknown] {
  if (x instanceof ImproperList) return [x.elements as unknown[], x.tail];
  return [x as unknown[], []];
}

function mapEntries(x: unknown): [unknown, unknown][] {
  const entries: [unknown, unknown][] = isTermMap(x)
    ? [...(x as TermMapLike).entries()]
    : Object.entries(x as object).map(([k, v]) => [k, v]);
  return entries.sort((p, q) => compareKeys(p[0], q[0]));
}

function isFloatTerm(x: unknown): boolean {
  return x instanceof Float || (typeof x === "number" && !Number.isInteger(x));
}

/**
 * Map key order: term order, except that every integer sorts before every
 * float (so `1` and `1.0` are distinct keys). OTP writes small maps' keys in
 * this order.
 */
export function compareKeys(a: unknown, b: unknown): number {
  return compare(a, b, true);
}

/** Pairs still to compare (with their order: 1 for map key order), of every `compare` in progress. */
const pending: unknown[] = [];

/** Negative, zero or positive as `a` sorts before, with, or after `b`. Iterative: any nesting depth. */
export function compare(a: unknown, b: unknown, keyOrder = false): number {
  if (a === b) return 0;
  const base = pending.length;
  for (;;) {
    const c = compareTop(a, b, keyOrder);
    if (c !== 0) {
      pending.length = base;
      return c;
    }
    if (pending.length === base) return 0;
    keyOrder = pending.pop() as boolean;
    b = pending.pop();
    a = pending.pop();
  }
}

/** Queues children to compare after what is already queued at this level (pushed last first). */
function later(a: unknown, b: unknown, keyOrder: boolean): void {
  pending.push(a, b, keyOrder);
}

/** Compares `a` and `b` at the top; for containers of the same shape, their children are queued. */
function compareTop(a: unknown, b: unknown, keyOrder: boolean): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case Rank.Number:
      if (keyOrder) {
        const fa = isFloatTerm(a);
        if (fa !== isFloatTerm(b)) return fa ? 1 : -1;
      }
      return compareNumbers(num(a), num(b));
    case Rank.Atom:
      return cmpText((atomOf(a) as Atom).name, (atomOf(b) as Atom).name);
    // As BEAM orders them (erl checked, see compare.test.ts): refs and ports by node (name, then
    // creation), then number; pids by serial and number first, then node.
    case Rank.Ref: {
      const x = a as Ref;
      const y = b as Ref;
      const c = cmpText(x.node.name, y.node.name) || cmp(x.creation, y.creation);
      if (c !== 0) return c;
      for (let i = Math.max(x.ids.length, y.ids.length) - 1; i >= 0; i--) {
        const d = cmp(x.ids[i] ?? 0, y.ids[i] ?? 0);
        if (d !== 0) return d;
      }
      return 0;
    }
    case Rank.Port: {
      const x = a as Port;
      const y = b as Port;
      return cmpText(x.node.name, y.node.name) || cmp(x.creation, y.creation) || compareNumbers(x.id, y.id);
    }
    case Rank.Pid: {
      const x = a as Pid;
      const y = b as Pid;
      return cmp(x.serial, y.serial) || cmp(x.id, y.id) || cmpText(x.node.name, y.node.name) || cmp(x.creation, y.creation);
    }
    case Rank.Tuple: {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return x.length - y.length;
      for (let i = x.length - 1; i >= 0; i--) later(x[i], y[i], keyOrder);
      return 0;
    }
    case Rank.Map: {
      const x = mapEntries(a);
      const y = mapEntries(b);
      if (x.length !== y.length) return x.length - y.length;
      // Every key (in key order) before any value.
      for (let i = x.length - 1; i >= 0; i--) later(x[i]![1], y[i]![1], keyOrder);
      for (let i = x.length - 1; i >= 0; i--) later(x[i]![0], y[i]![0], true);
      return 0;
    }
    case Rank.Fun: {
      // Local funs before exports (erl checked); exports by module, function, arity.
      const ea = a instanceof Export;
      if (ea !== b instanceof Export) return ea ? 1 : -1;
      if (ea) {
        const x = a as Export;
        const y = b as Export;
        return cmpText(x.module.name, y.module.name) || cmpText(x.fn.name, y.fn.name) || x.arity - y.arity;
      }
      if (a instanceof Fun && b instanceof Fun) {
        return cmpText(a.module.name, b.module.name) || a.oldIndex - b.oldIndex || a.oldUniq - b.oldUniq || a.index - b.index;
      }
      return 0;
    }
    case Rank.Nil:
      return 0;
    case Rank.List: {
      const [xe, xt] = listParts(a);
      const [ye, yt] = listParts(b);
      const n = Math.min(xe.length, ye.length);
      // One runs out: then what follows is compared (the rest of a list, or a tail).
      const restA = xe.length > n ? xe.slice(n) : xt;
      const restB = ye.length > n ? ye.slice(n) : yt;
      later(restA, restB, keyOrder);
      for (let i = n - 1; i >= 0; i--) later(xe[i], ye[i], keyOrder);
      return 0;
    }
    case Rank.Bits: {
      const [x, xb] = bytesOf(a);
      const [y, yb] = bytesOf(b);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length || xb - yb;
    }
    default:
      return 0;
  }
}
