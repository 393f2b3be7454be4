/**
 * Streams in RDB form (rdb.c's rdbSaveObject/rdbLoadObject for
 * RDB_TYPE_STREAM_LISTPACKS_2, as Redis 7.0 writes it; the older
 * RDB_TYPE_STREAM_LISTPACKS read too):
 *
 * - the nodes: their count, then per node its master ID (16 bytes, ms and
 *   seq big endian, as the rax key) and its listpack (t_stream.c's
 *   layout: live count, deleted count, master field names, 0; per entry
 *   flags, ms and seq differences from the master ID, [field count and
 *   names unless SAMEFIELDS], values, and the entry's element count);
 * - length, last ID, first ID, greatest deleted ID, entries added;
 * - the groups in name order: name, last delivered ID, entries read, the
 *   PEL (ID, delivery time int64 LE, delivery count), and the consumers in
 *   name order (name, seen time, the IDs of their pending entries).
 *
 * Loading takes untrusted bytes: every listpack is walked as Redis' deep
 * sanitization does (streamValidateListpackIntegrity), and what the stream
 * value relies on is checked too (IDs ascending, counts agreeing, every
 * pending entry owned by one consumer); anything else throws
 * {@link RdbError}.
 */
import { type StreamId } from "../commands/stream_id.js";
import { type StreamNodeView, StreamValue } from "../commands/stream_value.js";
import { Consumer, ConsumerGroup, Nack, sortedNames, type Pel } from "../commands/stream_cg.js";
import { estimateEntriesRead } from "../commands/t_stream_group.js";
import { ListpackWriter, decodeListpack, lpInt } from "./listpack.js";
import { RdbError, type RdbReader, type RdbWriter } from "./rdb_lengths.js";
import { loadBytes, loadString, saveBytes, saveString } from "./rdb_string.js";

const U64 = 0xffffffffffffffffn;
const STREAM_ITEM_FLAG_DELETED = 1;
const STREAM_ITEM_FLAG_SAMEFIELDS = 2;

/** The 16 bytes of a rax key: ms and seq, big endian. */
function idBytes(id: StreamId): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(id >> 64n, 0);
  b.writeBigUInt64BE(id & U64, 8);
  return b;
}

function readId(b: Uint8Array): StreamId {
  const v = Buffer.from(b.buffer, b.byteOffset, 16);
  return (v.readBigUInt64BE(0) << 64n) | v.readBigUInt64BE(8);
}

function saveId(w: RdbWriter, id: StreamId): void {
  w.lenBig(id >> 64n);
  w.lenBig(id & U64);
}

/** One node's listpack, as streamAppendItem and the deletions left it. */
function nodeListpack(node: StreamNodeView): Buffer {
  const lp = new ListpackWriter(256);
  const mf = node.masterFields;
  const total = node.ids.length;
  lp.addInt(node.live);
  lp.addInt(total - node.live);
  lp.addInt(mf.length >> 1);
  for (let i = 0; i < mf.length; i += 2) lp.add(mf[i]!);
  lp.addInt(0);
  const masterMs = node.master >> 64n;
  const masterSeq = node.master & U64;
  for (let e = 0; e < total; e++) {
    const id = node.ids[e]!;
    const live = node.fields[e];
    const fields = live ?? node.deadFields(e);
    let same = fields.length === mf.length;
    for (let i = 0; same && i < fields.length; i += 2) same = fields[i] === mf[i];
    lp.addInt((live === null ? STREAM_ITEM_FLAG_DELETED : 0) | (same ? STREAM_ITEM_FLAG_SAMEFIELDS : 0));
    // uint64 differences appended as int64, as C's conversion does
    lp.addInt(BigInt.asIntN(64, (id >> 64n) - masterMs));
    lp.addInt(BigInt.asIntN(64, (id & U64) - masterSeq));
    const n = fields.length >> 1;
    if (!same) lp.addInt(n);
    for (let i = same ? 1 : 0; i < fields.length; i += same ? 2 : 1) lp.add(fields[i]!);
    lp.addInt(n + 3 + (same ? 0 : n + 1));
  }
  return lp.finish();
}

/** A PEL: its size, then per entry the ID and (`nacks`) delivery time and count. */
function savePel(w: RdbWriter, pel: Pel, nacks: boolean): void {
  w.len(pel.size);
  for (const [id, nack] of pel.from(0n)) {
    w.bytes(idBytes(id));
    if (!nacks) continue;
    w.int64LE(BigInt(Math.trunc(nack.deliveryTime)));
    w.lenBig(BigInt(nack.deliveryCount));
  }
}

/** rdbSaveObject of a stream: the RDB_TYPE_STREAM_LISTPACKS_2 body (after the type byte). */
export function saveStream(w: RdbWriter, s: StreamValue): void {
  const nodes = s.nodeViews();
  w.len(nodes.length);
  for (const node of nodes) {
    saveBytes(w, idBytes(node.master));
    saveBytes(w, nodeListpack(node));
  }
  w.len(s.length);
  saveId(w, s.lastId);
  saveId(w, s.firstId() ?? 0n);
  saveId(w, s.maxDeletedId);
  w.lenBig(s.entriesAdded);
  const groups = s.groups;
  if (groups === null) {
    w.len(0);
    return;
  }
  w.len(groups.size);
  for (const name of sortedNames(groups)) {
    const g = groups.get(name)!;
    saveString(w, name);
    saveId(w, g.lastId);
    w.lenBig(g.entriesRead);
    savePel(w, g.pel, true);
    const consumers = g.sortedConsumers();
    w.len(consumers.length);
    for (const c of consumers) {
      saveString(w, c.name);
      w.int64LE(BigInt(Math.trunc(c.seenTime)));
      savePel(w, c.pel, false);
    }
  }
}

/** lpGetIntegerIfValid: a listpack element as an int64, or the payload is bad. */
function lpInteger(s: string | undefined): bigint {
  const v = s === undefined ? null : lpInt(s);
  if (v === null) throw new RdbError("Stream listpack integrity check failed");
  return BigInt(v);
}

/** A count from a listpack: 0 <= n <= max. */
function lpCount(s: string | undefined, max: number): number {
  const v = lpInteger(s);
  if (v < 0n || v > BigInt(max)) throw new RdbError("Stream listpack integrity check failed");
  return Number(v);
}

/** rdbLoadMillisecondTime: an int64, little endian. */
function loadTime(r: RdbReader): number {
  const b = r.bytes(8);
  return Number(Buffer.from(b.buffer, b.byteOffset, 8).readBigInt64LE(0));
}

function loadId(r: RdbReader): StreamId {
  const ms = r.lenBig();
  return (ms << 64n) | r.lenBig();
}

/** A delivery count as the NACK keeps it: uint64 read as int64, a number while safe. */
function deliveryCount(v: bigint): number | bigint {
  const x = BigInt.asIntN(64, v);
  return x >= -BigInt(Number.MAX_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
}

/**
 * One node: its listpack walked as streamValidateListpackIntegrity's deep
 * check does, its IDs above `after` (the greatest ID before it).
 * Returns the node's greatest ID.
 */
function loadNode(s: StreamValue, master: StreamId, lp: Uint8Array, after: StreamId | null): StreamId {
  const items = decodeListpack(lp);
  if (items.length === 0) throw new RdbError("Empty listpack inside stream");
  const bad = (): never => {
    throw new RdbError("Stream listpack integrity check failed");
  };
  const len = items.length;
  const live = lpCount(items[0], len);
  const deleted = lpCount(items[1], len);
  const nm = lpCount(items[2], len);
  // every entry takes at least 4 elements, the master entry 4 + its names
  if (live + deleted === 0 || 4 + nm + 4 * (live + deleted) > len) bad();
  const names = items.slice(3, 3 + nm);
  if (lpInteger(items[3 + nm]) !== 0n) bad();
  if (after !== null && master <= after) throw new RdbError("stream node out of order");
  const masterMs = master >> 64n;
  const masterSeq = master & U64;
  const entries: { id: StreamId; fields: string[]; deleted: boolean }[] = [];
  let p = 4 + nm;
  let prev: StreamId | null = null;
  let dead = 0;
  for (let e = 0; e < live + deleted; e++) {
    if (p + 4 > len) bad();
    const flags = lpInteger(items[p]);
    const ms = BigInt.asUintN(64, masterMs + lpInteger(items[p + 1]));
    const seq = BigInt.asUintN(64, masterSeq + lpInteger(items[p + 2]));
    p += 3;
    const same = (flags & BigInt(STREAM_ITEM_FLAG_SAMEFIELDS)) !== 0n;
    const n = same ? nm : lpCount(items[p++], len);
    if (p + (same ? n : 2 * n) + 1 > len) bad();
    const fields: string[] = new Array<string>(2 * n);
    for (let j = 0; j < n; j++) {
      fields[2 * j] = same ? names[j]! : items[p++]!;
      fields[2 * j + 1] = items[p++]!;
    }
    if (lpInteger(items[p++]) !== BigInt(n + 3 + (same ? 0 : n + 1))) bad();
    const id = (ms << 64n) | seq;
    if (id < master || (prev !== null && id <= prev)) throw new RdbError("stream entries out of order");
    prev = id;
    const isDead = (flags & BigInt(STREAM_ITEM_FLAG_DELETED)) !== 0n;
    if (isDead) dead++;
    entries.push({ id, fields, deleted: isDead });
  }
  if (p !== len || dead !== deleted) bad();
  s.loadNode(master, names, entries);
  return prev!;
}

/** rdbLoadObject of a stream (after the type byte); `v2`: RDB_TYPE_STREAM_LISTPACKS_2. */
export function loadStream(r: RdbReader, v2: boolean): StreamValue {
  const s = new StreamValue();
  const nodes = r.count(2);
  let after: StreamId | null = null;
  for (let n = 0; n < nodes; n++) {
    const key = loadBytes(r);
    if (key.length !== 16) throw new RdbError("Stream node key entry is not the size of a stream ID");
    after = loadNode(s, readId(key), loadBytes(r), after);
  }
  if (r.lenBig() !== BigInt(s.length)) throw new RdbError("Stream length inconsistent with its entries");
  s.lastId = loadId(r);
  const last = s.lastEntryId();
  if (last !== null && s.lastId < last) throw new RdbError("stream last ID below its last entry");
  if (v2) {
    loadId(r); // the first entry's ID: the stream value finds it from its entries
    s.maxDeletedId = loadId(r);
    s.entriesAdded = BigInt.asIntN(64, r.lenBig());
  } else s.entriesAdded = BigInt(s.length);
  const ngroups = r.count(v2 ? 6 : 5);
  for (let i = 0; i < ngroups; i++) {
    const name = loadString(r);
    const lastId = loadId(r);
    const read = v2 ? BigInt.asIntN(64, r.lenBig()) : estimateEntriesRead(s, lastId);
    s.groups ??= new Map();
    if (s.groups.has(name)) throw new RdbError("Duplicated consumer group name");
    const g = new ConsumerGroup(lastId, read);
    s.groups.set(name, g);
    loadGroupPels(r, g);
  }
  return s;
}

/** The group's PEL, then its consumers with their PELs pointing into it. */
function loadGroupPels(r: RdbReader, g: ConsumerGroup): void {
  const npel = r.count(25);
  for (let i = 0; i < npel; i++) {
    const id = readId(r.bytes(16));
    const time = loadTime(r);
    const count = deliveryCount(r.lenBig());
    if (g.pel.get(id) !== undefined) throw new RdbError("Duplicated global PEL entry loading stream consumer group");
    g.pel.insert(id, new Nack(null, time, count));
  }
  const nconsumers = r.count(10);
  for (let i = 0; i < nconsumers; i++) {
    const name = loadString(r);
    if (g.consumers.has(name)) throw new RdbError("Duplicate stream consumer detected.");
    const c = new Consumer(name, loadTime(r));
    g.consumers.set(name, c);
    const n = r.count(16);
    for (let j = 0; j < n; j++) {
      const id = readId(r.bytes(16));
      const nack = g.pel.get(id);
      if (nack === undefined) throw new RdbError("Consumer entry not found in group global PEL");
      // owned twice would leave the two consumers' PELs sharing one NACK
      if (nack.consumer !== null) throw new RdbError("Duplicated consumer PEL entry loading a stream consumer group");
      nack.consumer = c;
      c.pel.insert(id, nack);
    }
  }
  for (const [, nack] of g.pel.from(0n)) {
    if (nack.consumer === null) throw new RdbError("Stream CG PEL entry without consumer");
  }
}
