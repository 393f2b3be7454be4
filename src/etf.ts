/**
 * `agner/etf`: Erlang's External Term Format, alone (no runtime needed):
 * what `term_to_binary/1` and `binary_to_term/1` do, with the term types
 * the codec produces. docs/etf.md has the mapping between terms and
 * TypeScript values.
 *
 * @example
 * import { encode, decode, t, atom } from "agner/etf";
 * const bytes = encode(t(atom("ok"), 42)); // <<131,104,2,119,2,"ok",97,42>>
 * decode(bytes);                            // {ok, 42}
 */
export { encode, decode, Decoder, Encoder, EtfError, EtfDecodeError, EtfEncodeError } from "./etf/index.js";
export { AgnerError } from "./term/index.js";
export type { DecodeOptions, EncodeOptions, LocalIdentifiers } from "./etf/index.js";
export {
  Atom,
  atom,
  isAtom,
  Tuple,
  t,
  tupleOf,
  isTuple,
  Pid,
  Ref,
  Port,
  ExternalPid,
  ExternalRef,
  ExternalPort,
  ImproperList,
  improperList,
  Float,
  float,
  BitString,
  Fun,
  Export,
  LocalTerm,
  TermMap,
  equals,
  compare,
  inspect,
} from "./term/index.js";
export type { Tup } from "./term/index.js";
