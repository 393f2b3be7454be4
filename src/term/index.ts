export { Atom, AtomError, MAX_ATOM_CHARS, atom, atomCount, existingAtom, isAtom } from "./atom.js";
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
export { equals } from "./equals.js";
export { inspect } from "./inspect.js";
