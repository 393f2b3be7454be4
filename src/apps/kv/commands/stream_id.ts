/**
 * Stream entry IDs (Redis' streamID): `<ms>-<seq>`, both unsigned 64-bit.
 * One ID is one bigint, `ms * 2^64 + seq`, so IDs compare with `<` and
 * are Map keys; parsing follows t_stream.c's streamGenericParseIDOrReply
 * and util.c's string2ull to the byte (strtoull's leading spaces, `+`, and
 * wrapped negatives included).
 *
 * @example
 * idString(makeId(1526919030474, 55)); // "1526919030474-55"
 * parseId("5", 0n);                    // 5n << 64n
 * parseId("(5-1", 0n, true);           // { id: (5n << 64n) | 1n, exclude: true } via parseIntervalId
 */
import { ErrorReply } from "../resp/reply.js";

export type StreamId = bigint;

export const U64_MAX = 0xffffffffffffffffn;
/** The greatest ID, `+` (and `18446744073709551615-18446744073709551615`). */
export const MAX_ID: StreamId = (U64_MAX << 64n) | U64_MAX;
export const MIN_ID: StreamId = 0n;

export const INVALID_ID = new ErrorReply("ERR Invalid stream ID specified as stream command argument");

/** The ID `ms-seq` (both below 2^64; `ms` a safe integer here, the common case). */
export function makeId(ms: number | bigint, seq: number | bigint): StreamId {
  return (BigInt(ms) << 64n) | BigInt(seq);
}

export function idMs(id: StreamId): bigint {
  return id >> 64n;
}

export function idSeq(id: StreamId): bigint {
  return id & U64_MAX;
}

/** `"1526919030474-55"`. */
export function idString(id: StreamId): string {
  return `${id >> 64n}-${id & U64_MAX}`;
}

/** The next ID (streamIncrID); null after the greatest. */
export function nextId(id: StreamId): StreamId | null {
  return id === MAX_ID ? null : id + 1n;
}

/** The previous ID (streamDecrID); null before 0-0. */
export function prevId(id: StreamId): StreamId | null {
  return id === 0n ? null : id - 1n;
}

const SPACE = /^[ \t\n\v\f\r]*/;

/** util.c's string2ull over a C string: string2ll when it fits (negatives refused), else glibc's strtoull. */
function string2ull(s: string): bigint | null {
  if (/^(0|-?[1-9][0-9]{0,18})$/.test(s)) {
    const v = BigInt(s);
    if (v >= -(2n ** 63n) && v < 2n ** 63n) return v < 0n ? null : v;
  }
  const m = /^([+-]?)([0-9]+)$/.exec(s.slice(SPACE.exec(s)![0].length));
  if (m === null) return null;
  const v = BigInt(m[2]!);
  if (v > U64_MAX) return null; // ERANGE
  return m[1] === "-" ? (U64_MAX + 1n - v) & U64_MAX : v;
}

/**
 * streamGenericParseIDOrReply: `-`, `+` (refused when `strict`), `<ms>`
 * (seq `missingSeq`), `<ms>-<seq>`, and with `autoSeq` `<ms>-*` (then
 * `seqGiven` is false).
 */
export function parseIdGeneric(
  arg: string,
  missingSeq: bigint,
  strict: boolean,
  autoSeq: boolean,
): { id: StreamId; seqGiven: boolean } | ErrorReply {
  if (arg.length > 127) return INVALID_ID;
  const z = arg.indexOf("\0");
  const buf = z < 0 ? arg : arg.slice(0, z);
  if (buf === "-" || buf === "+") {
    if (strict) return INVALID_ID;
    return { id: buf === "-" ? MIN_ID : MAX_ID, seqGiven: true };
  }
  const dash = buf.indexOf("-");
  const ms = string2ull(dash < 0 ? buf : buf.slice(0, dash));
  if (ms === null) return INVALID_ID;
  if (dash < 0) return { id: (ms << 64n) | missingSeq, seqGiven: true };
  const rest = buf.slice(dash + 1);
  if (autoSeq && rest === "*") return { id: ms << 64n, seqGiven: false };
  const seq = string2ull(rest);
  if (seq === null) return INVALID_ID;
  return { id: (ms << 64n) | seq, seqGiven: true };
}

/** streamParseIDOrReply: `-`, `+`, `<ms>`, `<ms>-<seq>`. */
export function parseId(arg: string, missingSeq: bigint): StreamId | ErrorReply {
  const r = parseIdGeneric(arg, missingSeq, false, false);
  return r instanceof ErrorReply ? r : r.id;
}

/** streamParseStrictIDOrReply without `<ms>-*`: as {@link parseId} but `-` and `+` are invalid. */
export function parseStrictId(arg: string, missingSeq: bigint): StreamId | ErrorReply {
  const r = parseIdGeneric(arg, missingSeq, true, false);
  return r instanceof ErrorReply ? r : r.id;
}

/** streamParseIntervalIDOrReply: XRANGE's bounds, `(` for an exclusive one (then strict). */
export function parseIntervalId(arg: string, missingSeq: bigint): { id: StreamId; exclude: boolean } | ErrorReply {
  const exclude = arg.length > 1 && arg.charCodeAt(0) === 40;
  const r = parseIdGeneric(exclude ? arg.slice(1) : arg, missingSeq, exclude, false);
  return r instanceof ErrorReply ? r : { id: r.id, exclude };
}
