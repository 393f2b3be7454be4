export { AgnerError, TermError } from "./errors.js";
export { Atom, AtomError, AtomTableFullError, DEFAULT_ATOM_LIMIT, MAX_ATOM_CHARS, atom, atomCount, atomLimit, setAtomLimit, existingAtom, isAtom } from "./atom.js";
export { Tuple, t, tupleOf, isTuple } from "./tuple.js";
export type { Tup } from "./tuple.js";
export {
  Pid,
  Ref,
  Port,
  ExternalPid,
  ExternalRef,
  ExternalPort,
  isPid,
  isRef,
  isPort,
  pidEquals,
  refEquals,
  portEquals,
} from "./identifiers.js";
export { ImproperList, improperList, isImproperList } from "./improper_list.js";
export { Float, float, isFloat } from "./float.js";
export { BitString } from "./bitstring.js";
export { Export, Fun, LocalTerm } from "./fun.js";
export { TermMap } from "./term_map.js";
export { equals, atomOf } from "./equals.js";
export { compare, compareKeys } from "./compare.js";
export { hash } from "./hash.js";
export { inspect, format, floatText } from "./inspect.js";
export { parseTerm } from "./parse.js";
