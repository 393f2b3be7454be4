/**
 * What a command answers, independent of the protocol version: the
 * connection encodes it as RESP2 or RESP3 (HELLO 3), and the Erlang-facing
 * `kv` server turns it into terms.
 *
 * Strings are JS strings whose char codes are the bytes (latin1), so they
 * are binary-safe and cheap to slice, compare and use as Map keys.
 *
 * | Reply | RESP2 | RESP3 |
 * |---|---|---|
 * | `string` | bulk string | bulk string |
 * | `number` / `bigint` (integral) | integer | integer |
 * | `null` | null bulk `$-1` | null `_` |
 * | `Reply[]` | array | array |
 * | `SimpleString` | `+OK` | `+OK` |
 * | `ErrorReply` | `-ERR ...` | `-ERR ...` |
 * | `NullArray` | `*-1` | `_` |
 * | `MapReply` | flat array of pairs (`nested2`: array of 2-element arrays, XREAD's) | map `%` |
 * | `PairsReply` | flat array of pairs | array of 2-element arrays |
 * | `SetReply` | array | set `~` |
 * | `DoubleReply` | bulk string | double `,` |
 * | `BoolReply` | integer 0/1 | boolean `#t`/`#f` |
 * | `VerbatimReply` | bulk string | verbatim `=` |
 * | `BigNumberReply` | bulk string | big number `(` (only scripts answer one) |
 * | `PushReply` | array | push `>` (pub/sub messages and confirmations) |
 * | `ReplySeq` | its replies, back to back | the same |
 * | `PairsReply` | flat array | array of 2-element arrays |
 */
export type Reply =
  | string
  | number
  | bigint
  | null
  | readonly Reply[]
  | SimpleString
  | ErrorReply
  | NullArrayReply
  | MapReply
  | PairsReply
  | SetReply
  | DoubleReply
  | BoolReply
  | VerbatimReply
  | BigNumberReply
  | PushReply
  | ReplySeq
  | PairsReply;

export class SimpleString {
  constructor(readonly text: string) {}
}

/** An error reply; `text` starts with its code (`ERR ...`, `WRONGTYPE ...`). */
export class ErrorReply {
  constructor(readonly text: string) {}
}

export class NullArrayReply {
  private constructor() {}
  static readonly instance = new NullArrayReply();
}

/** Key/value pairs, in order. */
export class MapReply {
  constructor(
    readonly entries: readonly (readonly [Reply, Reply])[],
    /** In RESP2 an array of 2-element arrays (XREAD's streams) instead of one flat array. */
    readonly nested2 = false,
  ) {}
}

export class SetReply {
  constructor(readonly items: readonly Reply[]) {}
}

/** A double; `text` replaces its `%.17g` form where Redis prints it otherwise (GEOPOS' human form). */
export class DoubleReply {
  constructor(
    readonly value: number,
    readonly text?: string,
  ) {}
}

export class BoolReply {
  constructor(readonly value: boolean) {}
}

/** RESP3 verbatim text (`txt`/`mkd`), as INFO and CLIENT INFO answer under HELLO 3. */
export class VerbatimReply {
  constructor(
    readonly format: string,
    readonly text: string,
  ) {}
}

/** A RESP3 big number, as a script returns `{big_number = "..."}`. */
export class BigNumberReply {
  constructor(readonly digits: string) {}
}

/** Out-of-band data: pub/sub messages, and (UN)SUBSCRIBE's confirmations. */
export class PushReply {
  constructor(readonly items: readonly Reply[]) {}
}

/** Several replies to one command, written one after the other (SUBSCRIBE a b: one confirmation per channel). */
export class ReplySeq {
  constructor(readonly replies: readonly Reply[]) {}
}

export const OK = new SimpleString("OK");
export const PONG = new SimpleString("PONG");
export const NULL_ARRAY = NullArrayReply.instance;

/**
 * Pairs (member and score, field and value) as Redis' WITHSCORES and
 * HRANDFIELD WITHVALUES replies give them: one flat array in RESP2, an
 * array of 2-element arrays in RESP3. `items` is flat: member, score, ...
 */
export class PairsReply {
  constructor(readonly items: readonly Reply[]) {}
}
