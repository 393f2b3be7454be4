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

export function equals(a: unknown, b: unknown): boolean {
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
    if (typeof b === "string" && a instanceof Uint8Array) return equals(b, a);
    return false;
  }
  if (a instanceof Atom) return false; // interned: identity already failed
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || (a instanceof Tuple) !== (b instanceof Tuple) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Float) return b instanceof Float && (a.value === b.value || (a.value === 0 && b.value === 0));
  if (a instanceof Pid) return b instanceof Pid && pidEquals(a, b);
  if (a instanceof Ref) return b instanceof Ref && refEquals(a, b);
  if (a instanceof Port) return b instanceof Port && portEquals(a, b);
  if (a instanceof ImproperList) {
    return b instanceof ImproperList && equals(a.elements, b.elements) && equals(a.tail, b.tail);
  }
  if (a instanceof Uint8Array) return b instanceof Uint8Array && bytesEqual(a, b);
  if (a instanceof BitString) return b instanceof BitString && a.lastBits === b.lastBits && bytesEqual(a.bytes, b.bytes);
  if (isTermMap(a)) {
    if (!isTermMap(b) || a.size !== b.size) return false;
    for (const [k, v] of a.entries()) if (!b.has(k) || !equals(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Export) return b instanceof Export && a.module === b.module && a.fn === b.fn && a.arity === b.arity;
  if (a instanceof Fun) {
    return (
      b instanceof Fun &&
      a.module === b.module &&
      a.index === b.index &&
      a.arity === b.arity &&
      bytesEqual(a.uniq, b.uniq) &&
      a.oldIndex === b.oldIndex &&
      a.oldUniq === b.oldUniq &&
      equals(a.pid, b.pid) &&
      equals(a.freeVars, b.freeVars)
    );
  }
  if (a instanceof LocalTerm) return b instanceof LocalTerm && bytesEqual(a.bytes, b.bytes);
  return false;
}
