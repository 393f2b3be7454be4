/**
 * Exact term equality (Erlang's `=:=`): the test used by receive patterns
 * and TermMap keys. `1 =:= 1.0` is false; a bigint and a number with the same
 * integer value are equal; `true`, `false`, `null` and `undefined` are the
 * atoms `true`, `false`, `nil` and `undefined`.
 */
import { Atom, atom } from "./atom.js";
import { BitString } from "./bitstring.js";
import { Float } from "./float.js";
import { Export, Fun, LocalTerm } from "./fun.js";
import { Pid, Port, Ref, pidEquals, portEquals, refEquals } from "./identifiers.js";
import { ImproperList } from "./improper_list.js";
import { isTermMap } from "./term_map_like.js";
import { Tuple } from "./tuple.js";

/** The atom a JS boolean / null / undefined stands for, else the value itself. */
export function atomOf(x: unknown): unknown {
  if (x === true) return TRUE;
  if (x === false) return FALSE;
  if (x === null) return NIL;
  if (x === undefined) return UNDEF;
  return x;
}
const TRUE = atom("true");
const FALSE = atom("false");
const NIL = atom("nil");
const UNDEF = atom("undefined");

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Pairs still to compare, of every `equals` in progress (it is re-entered through TermMap.has). */
const pending: unknown[] = [];

/** Exact equality (`=:=`). Iterative: any nesting depth. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const base = pending.length;
  for (;;) {
    if (!shallowEquals(a, b)) {
      pending.length = base;
      return false;
    }
    if (pending.length === base) return true;
    b = pending.pop();
    a = pending.pop();
  }
}

/** Compares `a` and `b` at the top; their children, when both are containers, are pushed on `pending`. */
function shallowEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  switch (typeof a) {
    case "number":
      return typeof b === "bigint" && Number.isInteger(a) && BigInt(a) === b;
    case "bigint":
      return typeof b === "number" && Number.isInteger(b) && BigInt(b) === a;
    case "string":
      // An Elixir string is a UTF-8 binary.
      return b instanceof Uint8Array && bytesEqual(new TextEncoder().encode(a), b);
    case "boolean":
    case "undefined":
      return atomOf(a) === atomOf(b);
    case "object":
      break;
    default:
      return false;
  }
  if (a === null || typeof b !== "object" || b === null) {
    if (a === null || b === null || typeof b === "boolean" || b === undefined) return atomOf(a) === atomOf(b);
    if (typeof b === "string" && a instanceof Uint8Array) return shallowEquals(b, a);
    return false;
  }
  if (a instanceof Atom) return false; // interned: identity already failed
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || (a instanceof Tuple) !== (b instanceof Tuple) || a.length !== b.length) return false;
    // Leaves at once; containers later, last first (so they are compared in order).
    for (let i = a.length - 1; i >= 0; i--) {
      const x = a[i];
      const y = b[i];
      if (x === y) continue;
      if (typeof x === "object" && x !== null && typeof y === "object" && y !== null) pending.push(x, y);
      else if (!shallowEquals(x, y)) return false;
    }
    return true;
  }
  if (a instanceof Float) return b instanceof Float && (a.value === b.value || (a.value === 0 && b.value === 0));
  if (a instanceof Pid) return b instanceof Pid && pidEquals(a, b);
  if (a instanceof Ref) return b instanceof Ref && refEquals(a, b);
  if (a instanceof Port) return b instanceof Port && portEquals(a, b);
  if (a instanceof ImproperList) {
    if (!(b instanceof ImproperList)) return false;
    pending.push(a.tail, b.tail, a.elements, b.elements);
    return true;
  }
  if (a instanceof Uint8Array) return b instanceof Uint8Array && bytesEqual(a, b);
  if (a instanceof BitString) return b instanceof BitString && a.lastBits === b.lastBits && bytesEqual(a.bytes, b.bytes);
  if (isTermMap(a)) {
    if (!isTermMap(b) || a.size !== b.size) return false;
    for (const [k, v] of a.entries()) {
      if (!b.has(k)) return false;
      pending.push(v, b.get(k));
    }
    return true;
  }
  if (a instanceof Export) return b instanceof Export && a.module === b.module && a.fn === b.fn && a.arity === b.arity;
  if (a instanceof Fun) {
    if (
      !(b instanceof Fun) ||
      a.module !== b.module ||
      a.index !== b.index ||
      a.arity !== b.arity ||
      !bytesEqual(a.uniq, b.uniq) ||
      a.oldIndex !== b.oldIndex ||
      a.oldUniq !== b.oldUniq
    ) {
      return false;
    }
    pending.push(a.freeVars, b.freeVars, a.pid, b.pid);
    return true;
  }
  if (a instanceof LocalTerm) return b instanceof LocalTerm && bytesEqual(a.bytes, b.bytes);
  return false;
}
