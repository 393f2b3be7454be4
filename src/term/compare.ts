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
  return entries.sort((p, q) => compare(p[0], q[0]));
}

/** Negative, zero or positive as `a` sorts before, with, or after `b`. */
export function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case Rank.Number:
      return compareNumbers(num(a), num(b));
    case Rank.Atom:
      return cmp((atomOf(a) as Atom).name, (atomOf(b) as Atom).name);
    case Rank.Ref: {
      const x = a as Ref;
      const y = b as Ref;
      const c = cmp(x.node.name, y.node.name);
      if (c !== 0) return c;
      for (let i = Math.max(x.ids.length, y.ids.length) - 1; i >= 0; i--) {
        const d = cmp(x.ids[i] ?? 0, y.ids[i] ?? 0);
        if (d !== 0) return d;
      }
      return cmp(x.creation, y.creation);
    }
    case Rank.Port: {
      const x = a as Port;
      const y = b as Port;
      return cmp(x.node.name, y.node.name) || compareNumbers(x.id, y.id) || cmp(x.creation, y.creation);
    }
    case Rank.Pid: {
      const x = a as Pid;
      const y = b as Pid;
      return cmp(x.node.name, y.node.name) || cmp(x.serial, y.serial) || cmp(x.id, y.id) || cmp(x.creation, y.creation);
    }
    case Rank.Tuple: {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return x.length - y.length;
      for (let i = 0; i < x.length; i++) {
        const c = compare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return 0;
    }
    case Rank.Map: {
      const x = mapEntries(a);
      const y = mapEntries(b);
      if (x.length !== y.length) return x.length - y.length;
      for (let i = 0; i < x.length; i++) {
        const c = compare(x[i]![0], y[i]![0]);
        if (c !== 0) return c;
      }
      for (let i = 0; i < x.length; i++) {
        const c = compare(x[i]![1], y[i]![1]);
        if (c !== 0) return c;
      }
      return 0;
    }
    case Rank.Nil:
      return 0;
    case Rank.List: {
      const [xe, xt] = listParts(a);
      const [ye, yt] = listParts(b);
      const n = Math.min(xe.length, ye.length);
      for (let i = 0; i < n; i++) {
        const c = compare(xe[i], ye[i]);
        if (c !== 0) return c;
      }
      // One ran out: compare what follows (the rest of a list, or a tail).
      const restA = xe.length > n ? xe.slice(n) : xt;
      const restB = ye.length > n ? ye.slice(n) : yt;
      return compare(restA, restB);
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
