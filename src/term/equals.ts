/**
 * Exact term equality (Erlang's `=:=`): the test used by receive patterns.
 */
import { Atom } from "./atom.js";
import { Pid, Port, Ref, pidEquals, portEquals, refEquals } from "./identifiers.js";
import { ImproperList } from "./improper_list.js";
import { Tuple } from "./tuple.js";

export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  switch (typeof a) {
    case "number":
      return typeof b === "bigint" && Number.isInteger(a) && BigInt(a) === b;
    case "bigint":
      return typeof b === "number" && Number.isInteger(b) && BigInt(b) === a;
    case "object":
      break;
    default:
      return false;
  }
  if (a === null || typeof b !== "object" || b === null) return false;
  if (a instanceof Atom) return false; // interned: identity already failed
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || (a instanceof Tuple) !== (b instanceof Tuple) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Pid) return b instanceof Pid && pidEquals(a, b);
  if (a instanceof Ref) return b instanceof Ref && refEquals(a, b);
  if (a instanceof Port) return b instanceof Port && portEquals(a, b);
  if (a instanceof ImproperList) {
    return b instanceof ImproperList && equals(a.elements, b.elements) && equals(a.tail, b.tail);
  }
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  return false;
}
