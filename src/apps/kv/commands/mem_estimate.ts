/**
 * The keyspace's estimate of a value that is not a plain string (a hash,
 * list, set, sorted set, stream or bit-edited string), for `used_memory`
 * and maxmemory: the same model as MEMORY USAGE (object_commands.ts, on
 * mem_size.ts' arithmetic), but from at most {@link SAMPLES} elements
 * whatever the value's size, because the shard re-estimates a value after
 * every write to it (Db.settle): an element's average cost, sampled from
 * the front, times the number of elements, plus the structure's fixed part.
 *
 * @example
 * const h = new Map([["f", "v"]]);
 * valueCost("k", h); // a listpack hash's bytes, key included
 */
import { type Value } from "./db.js";
import { ByteString } from "./byte_string.js";
import { ListValue } from "./list_value.js";
import { SetValue } from "./set_value.js";
import { ZSetValue } from "./zset_value.js";
import { StreamValue } from "./stream_value.js";
import { isHashtable } from "./hash_value.js";
import {
  DICT, DICT_ENTRY, HASH_LP_ENTRIES, LIST_NODE_BYTES, LP_OVERHEAD, QUICKLIST, QUICKLIST_NODE, ROBJ,
  dictTable, jeSize, keyOverhead, lpEntrySize, sdsSize, stringCost,
} from "./mem_size.js";

/** Elements sampled per value (Redis' MEMORY USAGE samples 5 by default; 8 costs little more). */
export const SAMPLES = 8;

/** A zset skiplist node: robj-less sds member, score, backward pointer, level array (average 1.33 levels of 16 bytes). */
const SKIPLIST_NODE = 8 + 8 + 8 + 24;
const SKIPLIST = 32 + 8 + 16 * 32;

/** The average of `f` over the first {@link SAMPLES} items (0 when none). */
function average<T>(items: Iterable<T>, f: (x: T) => number): number {
  let sum = 0;
  let n = 0;
  for (const x of items) {
    sum += f(x);
    if (++n >= SAMPLES) break;
  }
  return n === 0 ? 0 : sum / n;
}

function hashCost(v: Map<string, string>): number {
  const n = v.size;
  if (!isHashtable(v) && n <= HASH_LP_ENTRIES) {
    const per = average(v, ([f, x]) => lpEntrySize(f) + lpEntrySize(x));
    return ROBJ + jeSize(LP_OVERHEAD + Math.round(per * n));
  }
  const per = average(v, ([f, x]) => sdsSize(f.length, true) + sdsSize(x.length, true) + DICT_ENTRY);
  return ROBJ + DICT + dictTable(n) + per * n;
}

function listCost(v: ListValue): number {
  const n = v.length;
  let sum = 0;
  const k = Math.min(n, SAMPLES);
  for (let i = 0; i < k; i++) sum += lpEntrySize(v.at(i));
  const bytes = k === 0 ? 0 : (sum / k) * n;
  const nodes = Math.max(1, Math.ceil(bytes / LIST_NODE_BYTES));
  return ROBJ + QUICKLIST + nodes * (QUICKLIST_NODE + jeSize(Math.ceil(bytes / nodes) + LP_OVERHEAD));
}

function setCost(v: SetValue): number {
  const n = v.size;
  if (v.intset) return ROBJ + jeSize(8 + 8 * n);
  // A hashtable: each member an sds key of a dict entry with no value.
  return ROBJ + DICT + dictTable(n) + average(v, (m) => sdsSize(m.length, false) + jeSize(DICT_ENTRY)) * n;
}

function zsetCost(v: ZSetValue): number {
  const n = v.size;
  if (!v.skiplist) return ROBJ + jeSize(LP_OVERHEAD + Math.round(average(v.dict, ([m, score]) => lpEntrySize(m) + lpEntrySize(String(score))) * n));
  const per = average(v.dict, ([m]) => sdsSize(m.length, false) + jeSize(SKIPLIST_NODE) + DICT_ENTRY);
  return ROBJ + DICT + dictTable(n) + SKIPLIST + per * n;
}

function streamCost(v: StreamValue): number {
  const nodes = v.nodeViews();
  // Every node is a listpack of entries; the rax costs about a node pointer and a 16-byte key per node.
  const per = average(nodes, (node) => {
    let bytes = LP_OVERHEAD + 16;
    for (const f of node.fields) if (f !== null) for (const w of f) bytes += lpEntrySize(w) + 1;
    return jeSize(bytes) + 32;
  });
  let groups = 0;
  if (v.groups !== null) groups = v.groups.size * 256;
  return ROBJ + 64 + per * nodes.length + groups;
}

/**
 * The bytes of `key` holding `v`, as the keyspace accounts them: a plain
 * string exactly as MEMORY USAGE; any other value from a sample of its
 * elements (see the file's comment).
 */
export function valueCost(key: string, v: Value): number {
  if (typeof v === "string") return stringCost(key, v);
  let size: number;
  if (v instanceof ByteString) size = ROBJ + sdsSize(v.length, false);
  else if (v instanceof Map) size = hashCost(v);
  else if (v instanceof ListValue) size = listCost(v);
  else if (v instanceof SetValue) size = setCost(v);
  else if (v instanceof ZSetValue) size = zsetCost(v);
  else if (v instanceof StreamValue) size = streamCost(v);
  else size = ROBJ;
  return Math.round(size) + keyOverhead(key);
}
