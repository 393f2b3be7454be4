/**
 * What the keyspace knows of each value type, in one place: TYPE's name,
 * OBJECT ENCODING's answer, an independent copy (COPY, the AOF rewrite's
 * snapshot) and the commands that recreate a value (the AOF rewrite). A
 * new Redis type adds its {@link ValueType} here (and its class to
 * `Value` in db.ts); TYPE, SCAN's TYPE filter, COPY and the rewrite then
 * know it.
 *
 * @example
 * valueType("abc").name;           // "string"
 * valueType(new ListValue()).name; // "list"
 */
import { type HashValue, type Value } from "./db.js";
import { isHashtable, markHashtable } from "./hash_value.js";
import { ByteString } from "./byte_string.js";
import { ListValue } from "./list_value.js";
import { SetValue } from "./set_value.js";
import { ZSetValue } from "./zset_value.js";
import { StreamValue } from "./stream_value.js";
import { idString } from "./stream_id.js";
import { rewriteGroups } from "./stream_cg.js";
import { formatDouble } from "../resp/resp_writer.js";

export interface ValueType<V> {
  /** TYPE's answer: `string`, `list`, `set`, `zset`, `hash` or `stream`. */
  readonly name: string;
  /** OBJECT ENCODING's answer for this value. */
  encoding(v: V): string;
  /** A copy that later writes to either do not change the other (immutable values may return themselves). */
  copy(v: V): V;
  /** The commands that recreate `key` holding `v` (its TTL is written by the caller). */
  rewrite(key: string, v: V): Generator<string[]>;
}

/** Elements per command in a rewrite, as Redis' AOF_REWRITE_ITEMS_PER_CMD. */
export const ITEMS_PER_CMD = 64;

/** `[cmd, key, ...items]` commands of at most {@link ITEMS_PER_CMD} items (of `width` words each). */
export function* inBatches(cmd: string, key: string, items: Iterable<readonly string[]>, width = 1): Generator<string[]> {
  let out: string[] = [cmd, key];
  for (const item of items) {
    for (const w of item) out.push(w);
    if (out.length === ITEMS_PER_CMD * width + 2) {
      yield out;
      out = [cmd, key];
    }
  }
  if (out.length > 2) yield out;
}

/** Redis keeps a string as a long when it reads as one in at most 20 characters. */
const LONG_RE = /^-?[1-9][0-9]{0,18}$|^0$/;
/** Redis' OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
const EMBSTR_MAX = 44;

export const STRING_TYPE: ValueType<string> = {
  name: "string",
  encoding: (v) => (v.length <= 20 && LONG_RE.test(v) && BigInt.asIntN(64, BigInt(v)) === BigInt(v) ? "int" : v.length <= EMBSTR_MAX ? "embstr" : "raw"),
  copy: (v) => v,
  *rewrite(key, v) {
    yield ["SET", key, v];
  },
};

export const LIST_TYPE: ValueType<ListValue> = {
  name: "list",
  // Redis 7.0 keeps every list as a quicklist.
  encoding: () => "quicklist",
  copy(v) {
    const l = new ListValue(Math.max(4, v.length));
    for (const x of v) l.pushTail(x);
    return l;
  },
  rewrite: (key, v) => inBatches("RPUSH", key, (function* () {
    for (const x of v) yield [x];
  })()),
};

export const HASH_TYPE: ValueType<HashValue> = {
  name: "hash",
  encoding: (v) => (isHashtable(v) ? "hashtable" : "listpack"),
  copy(v) {
    const c = new Map(v);
    if (isHashtable(v)) markHashtable(c);
    return c;
  },
  rewrite: (key, v) => inBatches("HSET", key, v, 2),
};

export const SET_TYPE: ValueType<SetValue> = {
  name: "set",
  // Redis 7.0: an intset while small and all integers, else a hashtable (listpack sets are 7.2's).
  encoding: (v) => (v.intset ? "intset" : "hashtable"),
  copy: (v) => v.copy(),
  rewrite: (key, v) => inBatches("SADD", key, (function* () {
    for (const m of v) yield [m];
  })()),
};

export const ZSET_TYPE: ValueType<ZSetValue> = {
  name: "zset",
  encoding: (v) => (v.skiplist ? "skiplist" : "listpack"),
  copy: (v) => v.copy(),
  // %.17g reads back to the same double
  rewrite: (key, v) => inBatches("ZADD", key, (function* () {
    for (const [m, s] of v.tree.entries()) yield [formatDouble(s), m];
  })(), 2),
};

/** A bit-edited string (byte_string.ts): Redis' sds after SETBIT or PFADD is always raw. */
export const BYTES_TYPE: ValueType<ByteString> = {
  name: "string",
  encoding: () => "raw",
  copy: (v) => v.clone(),
  *rewrite(key, v) {
    yield ["SET", key, v.toString()];
  },
};

/**
 * Streams (rewriteStreamObject in aof.c): one XADD per entry (an empty
 * stream as `XADD key MAXLEN 0 0-1 x y`), then XSETID with the last ID,
 * entries added and greatest deleted ID, then the consumer groups
 * (stream_cg.ts' rewriteGroups).
 */
export const STREAM_TYPE: ValueType<StreamValue> = {
  name: "stream",
  encoding: () => "stream",
  copy: (v) => v.copy(),
  *rewrite(key, v) {
    if (v.length > 0) {
      for (const e of v.entries()) yield ["XADD", key, idString(e.id), ...e.fields];
    } else {
      yield ["XADD", key, "MAXLEN", "0", "0-1", "x", "y"];
    }
    yield ["XSETID", key, idString(v.lastId), "ENTRIESADDED", String(v.entriesAdded), "MAXDELETEDID", idString(v.maxDeletedId)];
    yield* rewriteGroups(key, v.groups);
  },
};

/** The type of every value class but strings, by constructor. */
const BY_CLASS = new Map<unknown, ValueType<Value>>([
  [Map, HASH_TYPE as ValueType<Value>],
  [ListValue, LIST_TYPE as ValueType<Value>],
  [SetValue, SET_TYPE as ValueType<Value>],
  [ZSetValue, ZSET_TYPE as ValueType<Value>],
  [ByteString, BYTES_TYPE as ValueType<Value>],
  [StreamValue, STREAM_TYPE as ValueType<Value>],
]);

/** The type of `v`. */
export function valueType(v: Value): ValueType<Value> {
  if (typeof v === "string") return STRING_TYPE as ValueType<Value>;
  const t = BY_CLASS.get(v.constructor);
  if (t === undefined) throw new TypeError(`no value type for ${v.constructor.name}`);
  return t;
}

/** TYPE's name of `v`, `none` for no value. */
export function typeName(v: Value | undefined): string {
  return v === undefined ? "none" : valueType(v).name;
}

/** Every type's name, for TYPE replies and SCAN's TYPE filter. */
export const TYPE_NAMES: readonly string[] = [...new Set(["string", ...[...BY_CLASS.values()].map((t) => t.name)])];
