/**
 * One value in RDB form (rdb.c's rdbSaveObjectType/rdbSaveObject and
 * rdbLoadObjectType/rdbLoadObject), as Redis 7.0 writes it (RDB version
 * 10) and reads it (every older encoding too), and the DUMP payload
 * around it: the value, the RDB version (2 bytes LE) and the CRC-64 of
 * all before (8 bytes LE).
 *
 * Saving picks the encoding redis-server would hold the value in (the
 * value classes keep Redis' encoding flags), so DUMP bytes match Redis'
 * except where Redis' order is its hash table's (hashtable sets and hashes).
 * Streams are in rdb_stream.ts.
 * Loading takes untrusted bytes: every malformed input throws
 * {@link RdbError}, and lengths are checked before anything is allocated.
 *
 * @example
 * const p = dumpPayload("hello");
 * restorePayload(p); // "hello"
 */
import { type HashValue, type Value } from "../commands/db.js";
import { HASH_LISTPACK_ENTRIES, HASH_LISTPACK_VALUE, isHashtable, markHashtable } from "../commands/hash_value.js";
import { ListValue } from "../commands/list_value.js";
import { SetValue } from "../commands/set_value.js";
import { strtod } from "../commands/strtod.js";
import { posPrev } from "../commands/zset_tree.js";
import { ZSET_LISTPACK_ENTRIES, ZSetValue } from "../commands/zset_value.js";
import { StreamValue } from "../commands/stream_value.js";
import { ByteString } from "../commands/byte_string.js";
import { formatDouble } from "../resp/resp_writer.js";
import { crc64, crc64Bytes } from "./crc64.js";
import { decodeIntset, encodeIntset } from "./intset.js";
import { ListpackWriter, decodeListpack } from "./listpack.js";
import { RdbError, RdbReader, RdbWriter } from "./rdb_lengths.js";
import { loadBytes, loadString, saveBytes, saveString } from "./rdb_string.js";
import { loadStream, saveStream } from "./rdb_stream.js";
import { decodeZiplist, decodeZipmap } from "./ziplist.js";

/** The RDB version Redis 7.0 writes (and the newest it reads). */
export const RDB_VERSION = 10;

export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;

const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
const QUICKLIST_NODE_CONTAINER_PACKED = 2;
/** list-max-listpack-size -2: a quicklist node's listpack stays within 8 KB. */
const QUICKLIST_NODE_BYTES = 8192;
/** quicklist.c's SIZE_ESTIMATE_OVERHEAD, what an append is assumed to add besides the element. */
const SIZE_ESTIMATE_OVERHEAD = 8;

/**
 * rdbSaveObjectType + rdbSaveObject: `v` as one RDB value. With `key`
 * (an RDB file's key-value pair), the key goes between the type byte and
 * the value, as rdbSaveKeyValuePair writes them.
 */
export function saveValue(w: RdbWriter, v: Value, key?: string): void {
  if (typeof v === "string") {
    typeByte(w, RDB_TYPE_STRING, key);
    saveString(w, v);
  } else if (v instanceof ListValue) saveList(w, v, key);
  else if (v instanceof SetValue) saveSet(w, v, key);
  else if (v instanceof ZSetValue) saveZSet(w, v, key);
  else if (v instanceof Map) saveHash(w, v, key);
  else if (v instanceof StreamValue) {
    typeByte(w, RDB_TYPE_STREAM_LISTPACKS_2, key);
    saveStream(w, v);
  } else if (v instanceof ByteString) {
    typeByte(w, RDB_TYPE_STRING, key);
    saveString(w, v.toString());
  } else throw new TypeError("no RDB encoding for this value");
}

function typeByte(w: RdbWriter, type: number, key: string | undefined): void {
  w.byte(type);
  if (key !== undefined) saveString(w, key);
}

/** A quicklist of listpacks, split where RPUSH would have split it in Redis. */
function saveList(w: RdbWriter, l: ListValue, key: string | undefined): void {
  const nodes: Buffer[] = [];
  let lp: ListpackWriter | null = null;
  for (const x of l) {
    if (lp !== null && lp.bytes + x.length + SIZE_ESTIMATE_OVERHEAD > QUICKLIST_NODE_BYTES) {
      nodes.push(lp.finish());
      lp = null;
    }
    lp ??= new ListpackWriter();
    lp.add(x);
  }
  if (lp !== null) nodes.push(lp.finish());
  typeByte(w, RDB_TYPE_LIST_QUICKLIST_2, key);
  w.len(nodes.length);
  for (const n of nodes) {
    w.len(QUICKLIST_NODE_CONTAINER_PACKED);
    saveBytes(w, n);
  }
}

function saveSet(w: RdbWriter, s: SetValue, key: string | undefined): void {
  if (s.intset) {
    typeByte(w, RDB_TYPE_SET_INTSET, key);
    saveBytes(w, encodeIntset([...s].map((m) => BigInt(m))));
    return;
  }
  typeByte(w, RDB_TYPE_SET, key);
  w.len(s.size);
  for (const m of s) saveString(w, m);
}

/** double2ll: a score Redis' listpack stores as an integer. */
function scoreAsInt(d: number): number | bigint | null {
  if (!Number.isInteger(d) || d < -4611686018427387904 || d > 4611686018427387904) return null;
  return Number.isSafeInteger(d) ? d + 0 : BigInt(d);
}

function saveZSet(w: RdbWriter, z: ZSetValue, key: string | undefined): void {
  if (!z.skiplist) {
    const lp = new ListpackWriter();
    for (const [m, s] of z.tree.entries()) {
      lp.add(m);
      const i = scoreAsInt(s);
      if (i !== null) lp.addInt(i);
      else lp.addString(formatDouble(s));
    }
    typeByte(w, RDB_TYPE_ZSET_LISTPACK, key);
    saveBytes(w, lp.finish());
    return;
  }
  // the skiplist from its tail: greatest first, so loading inserts each at the head
  typeByte(w, RDB_TYPE_ZSET_2, key);
  w.len(z.size);
  const score = Buffer.allocUnsafe(8);
  const pos = z.tree.at(z.size - 1);
  while (pos.leaf !== null) {
    saveString(w, pos.leaf.members[pos.i]!);
    score.writeDoubleLE(pos.leaf.scores[pos.i]!);
    w.bytes(score);
    posPrev(pos);
  }
}

function saveHash(w: RdbWriter, h: HashValue, key: string | undefined): void {
  if (!isHashtable(h)) {
    const lp = new ListpackWriter();
    for (const [f, v] of h) {
      lp.add(f);
      lp.add(v);
    }
    typeByte(w, RDB_TYPE_HASH_LISTPACK, key);
    saveBytes(w, lp.finish());
    return;
  }
  typeByte(w, RDB_TYPE_HASH, key);
  w.len(h.size);
  for (const [f, v] of h) {
    saveString(w, f);
    saveString(w, v);
  }
}

/** rdbLoadObjectType + rdbLoadObject: one value; throws {@link RdbError} when malformed or empty. */
export function loadValue(r: RdbReader): Value {
  return loadObject(r, r.byte());
}

/** rdbLoadObject: a value of RDB type `type` (an RDB file has the key between the two). */
export function loadObject(r: RdbReader, type: number): Value {
  switch (type) {
    case RDB_TYPE_STRING:
      return loadString(r);
    case RDB_TYPE_LIST: {
      const n = r.count();
      const l = new ListValue(Math.min(n, 1024) || 4);
      for (let i = 0; i < n; i++) l.pushTail(loadString(r));
      return nonEmpty(l, n);
    }
    case RDB_TYPE_SET: {
      const n = r.count();
      const s = new SetValue();
      for (let i = 0; i < n; i++) if (!s.add(loadString(r))) throw new RdbError("duplicate set members");
      return nonEmpty(s, n);
    }
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
      return loadZSet(r, type === RDB_TYPE_ZSET_2);
    case RDB_TYPE_HASH:
      return loadHash(r);
    case RDB_TYPE_HASH_ZIPMAP:
      return hashFromPairs(decodeZipmap(loadBytes(r)), true);
    case RDB_TYPE_LIST_ZIPLIST:
      return listFrom([decodeZiplist(loadBytes(r))]);
    case RDB_TYPE_SET_INTSET: {
      const s = new SetValue();
      for (const m of decodeIntset(loadBytes(r))) s.add(m);
      return s;
    }
    case RDB_TYPE_ZSET_ZIPLIST:
      return zsetFromPairs(decodeZiplist(loadBytes(r)));
    case RDB_TYPE_ZSET_LISTPACK:
      return zsetFromPairs(decodeListpack(loadBytes(r)));
    case RDB_TYPE_HASH_ZIPLIST:
      return hashFromPairs(decodeZiplist(loadBytes(r)), false);
    case RDB_TYPE_HASH_LISTPACK:
      return hashFromPairs(decodeListpack(loadBytes(r)), false);
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
      return loadQuicklist(r, type === RDB_TYPE_LIST_QUICKLIST_2);
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
      return loadStream(r, type === RDB_TYPE_STREAM_LISTPACKS_2);
    default:
      throw new RdbError(`unknown RDB object type ${type}`);
  }
}

function nonEmpty<V extends Value>(v: V, n: number): V {
  if (n === 0) throw new RdbError("empty key");
  return v;
}

function listFrom(parts: string[][]): ListValue {
  let n = 0;
  for (const p of parts) n += p.length;
  if (n === 0) throw new RdbError("empty key");
  const l = new ListValue(Math.max(4, n));
  for (const p of parts) for (const x of p) l.pushTail(x);
  return l;
}

function loadQuicklist(r: RdbReader, v2: boolean): ListValue {
  const n = r.count(v2 ? 2 : 1);
  const parts: string[][] = [];
  for (let i = 0; i < n; i++) {
    let container = QUICKLIST_NODE_CONTAINER_PACKED;
    if (v2) {
      container = r.len();
      if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN) {
        throw new RdbError("quicklist integrity check failed");
      }
    }
    const data = loadBytes(r);
    if (data.length === 0) throw new RdbError("empty quicklist node");
    if (container === QUICKLIST_NODE_CONTAINER_PLAIN) parts.push([Buffer.from(data).toString("latin1")]);
    else parts.push(v2 ? decodeListpack(data) : decodeZiplist(data));
  }
  return listFrom(parts);
}

/** A score as a ziplist or listpack holds it: an integer, or the text of a double. */
function parseStoredScore(s: string): number {
  const d = strtod(s).value;
  if (Number.isNaN(d)) throw new RdbError("zset with NaN score");
  return d;
}

function zsetFromPairs(items: string[]): ZSetValue {
  if (items.length % 2 !== 0) throw new RdbError("zset listpack with an odd number of entries");
  const n = items.length / 2;
  if (n === 0) throw new RdbError("empty key");
  const z = new ZSetValue(n > ZSET_LISTPACK_ENTRIES ? n : 0);
  for (let i = 0; i < items.length; i += 2) {
    const m = items[i]!;
    if (z.dict.has(m)) throw new RdbError("duplicate zset members");
    z.set(m, parseStoredScore(items[i + 1]!));
  }
  return z;
}

/** rdbLoadDoubleValue: the RDB_TYPE_ZSET score, a length byte (253 nan, 254 inf, 255 -inf) and its text. */
function loadTextDouble(r: RdbReader): number {
  const len = r.byte();
  if (len === 255) return -Infinity;
  if (len === 254) return Infinity;
  if (len === 253) return NaN;
  const text = Buffer.from(r.bytes(len)).toString("latin1");
  const t = strtod(text);
  if (t.end === 0) throw new RdbError("bad zset score");
  return t.value;
}

function loadZSet(r: RdbReader, binary: boolean): ZSetValue {
  const n = r.count(binary ? 9 : 2);
  if (n === 0) throw new RdbError("empty key");
  const members: string[] = [];
  const scores: number[] = [];
  const seen = new Set<string>();
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const m = loadString(r);
    let s: number;
    if (binary) {
      const b = r.bytes(8);
      s = Buffer.from(b.buffer, b.byteOffset, 8).readDoubleLE(0);
    } else s = loadTextDouble(r);
    if (Number.isNaN(s)) throw new RdbError("zset with NaN score");
    if (seen.has(m)) throw new RdbError("duplicate zset members");
    seen.add(m);
    if (m.length > maxLen) maxLen = m.length;
    members.push(m);
    scores.push(s);
  }
  // as Redis: loaded as a skiplist, then a listpack when small enough
  const z = new ZSetValue(n, maxLen);
  for (let i = 0; i < n; i++) z.set(members[i]!, scores[i]!);
  return z;
}

function loadHash(r: RdbReader): HashValue {
  const n = r.count(2);
  if (n === 0) throw new RdbError("empty key");
  const h: HashValue = new Map();
  let table = n > HASH_LISTPACK_ENTRIES;
  for (let i = 0; i < n; i++) {
    const f = loadString(r);
    const v = loadString(r);
    if (h.has(f)) throw new RdbError("duplicate hash fields");
    if (f.length > HASH_LISTPACK_VALUE || v.length > HASH_LISTPACK_VALUE) table = true;
    h.set(f, v);
  }
  if (table) markHashtable(h);
  return h;
}

/** A hash from field, value... pairs; a zipmap also converts on long fields or values. */
function hashFromPairs(items: string[], zipmap: boolean): HashValue {
  if (items.length % 2 !== 0) throw new RdbError("hash with an odd number of entries");
  if (items.length === 0) throw new RdbError("empty key");
  const h: HashValue = new Map();
  let maxLen = 0;
  for (let i = 0; i < items.length; i += 2) {
    const f = items[i]!;
    const v = items[i + 1]!;
    if (h.has(f)) throw new RdbError("duplicate hash fields");
    maxLen = Math.max(maxLen, f.length, v.length);
    h.set(f, v);
  }
  if (h.size > HASH_LISTPACK_ENTRIES || (zipmap && maxLen > HASH_LISTPACK_VALUE)) markHashtable(h);
  return h;
}

/** createDumpPayload: DUMP's reply bytes for `v`. */
export function dumpPayload(v: Value): Buffer {
  const w = new RdbWriter();
  saveValue(w, v);
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >> 8);
  w.bytes(crc64Bytes(w.finish()));
  return w.finish();
}

/** verifyDumpPayload: at least the footer, an RDB version Redis 7.0 reads, and the checksum. */
export function verifyDumpPayload(p: Uint8Array): boolean {
  if (p.length < 10) return false;
  const footer = p.length - 10;
  if ((p[footer]! | (p[footer + 1]! << 8)) > RDB_VERSION) return false;
  const want = Buffer.from(p.buffer, p.byteOffset + footer + 2, 8).readBigUInt64LE(0);
  return crc64(p.subarray(0, p.length - 8)) === want;
}

/**
 * RESTORE's reading of a verified payload: the value, or throws
 * {@link RdbError}. As Redis, the value is read from the whole payload
 * (footer included) and bytes left after it are ignored.
 */
export function restorePayload(p: Uint8Array): Value {
  return loadValue(new RdbReader(p));
}
