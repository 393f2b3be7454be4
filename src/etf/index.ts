export { Tag, tagName } from "./tags.js";
export type { TagName } from "./tags.js";
export { EtfError, EtfDecodeError, EtfEncodeError } from "./errors.js";
export { Decoder, decode } from "./decode.js";
export type { DecodeOptions, LocalIdentifiers } from "./decode.js";
export { Encoder, encode } from "./encode.js";
export type { EncodeOptions } from "./encode.js";
export { DEFAULT_JS_TERM_LIMITS, jsTerm } from "./js_terms.js";
export type { JsTermLimits } from "./js_terms.js";
