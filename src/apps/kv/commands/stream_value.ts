/**
 * A stream's entries (Redis' stream: a radix tree of listpacks). Entries
 * are appended in ID order, so they live in a list of nodes (chunks), each
 * holding the IDs and fields of up to {@link NODE_MAX_ENTRIES} entries in
 * two arrays: an append is a push, a lookup a binary search over the
 * nodes' first IDs and then within one node.
 *
 * The nodes are cut where Redis cuts its listpacks (stream-node-max-entries
 * 100, stream-node-max-bytes 4096, counted as listpack.c would lay the
 * entry out), and a deleted entry stays in its node as a tombstone until
 * the node empties, as in Redis: so `MAXLEN ~` / `MINID ~`, which drop only
 * whole nodes, trim exactly what redis-server trims.
 *
 * IDs are bigints (stream_id.ts); `entriesAdded` is a bigint too (XSETID
 * may set any int64), so everything counting entries is exact.
 */
import { type StreamId } from "./stream_id.js";
import { type ConsumerGroup } from "./stream_cg.js";
import { parseInt64 } from "./numbers.js";

/** One entry: its ID and flat fields `[f1, v1, f2, v2, ...]`. */
export interface StreamEntry {
  readonly id: StreamId;
  readonly fields: readonly string[];
}


/** Redis' stream-node-max-entries and stream-node-max-bytes defaults. */
export const NODE_MAX_ENTRIES = 100;
export const NODE_MAX_BYTES = 4096;

/** A listpack's header and end byte. */
const LP_EMPTY = 7;

/** Bytes of an integer listpack element (encoding + backlen). */
function lpIntSize(v: number): number {
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** Bytes of `v` appended as an int64 (a uint64 difference wraps, as C's cast does). */
function lpBigIntSize(v: bigint): number {
  if (v >= -2147483648n && v <= 2147483647n) return lpIntSize(Number(v));
  const x = BigInt.asIntN(64, v);
  return x >= -2147483648n && x <= 2147483647n ? lpIntSize(Number(x)) : 10;
}

/** Bytes of a string listpack element (an integer-looking string is stored as the integer). */
function lpStringSize(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 20) {
    const v = parseInt64(s);
    if (v !== null) return typeof v === "number" ? lpIntSize(v) : 10;
  }
  const enc = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return enc + (enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5);
}

/**
 * A node as RDB reads it (rdb_stream.ts): the master entry and every
 * entry, tombstones with the fields Redis' listpack still holds.
 */
export interface StreamNodeView {
  readonly master: StreamId;
  /** Flat, only the names at even positions count. */
  readonly masterFields: readonly string[];
  readonly ids: readonly StreamId[];
  /** Fields by position; null once deleted. */
  readonly fields: readonly (readonly string[] | null)[];
  readonly live: number;
  /** The fields a deleted entry had (Redis keeps them in the listpack, flagged deleted). */
  deadFields(i: number): readonly string[];
}

/** One listpack node. */
class Node implements StreamNodeView {
  /** IDs of every entry in the node, deleted ones included (ascending). */
  readonly ids: StreamId[] = [];
  /** Fields by position; null once deleted. */
  readonly fields: (readonly string[] | null)[] = [];
  /** The fields of deleted entries by position, kept for DUMP's listpack bytes; null while none. */
  dead: Map<number, readonly string[]> | null = null;
  /** Entries not deleted. */
  live = 0;
  /** The listpack's size without its header, end byte and the live/deleted counters. */
  body = 0;
  private readonly masterMs: bigint;
  private readonly masterSeq: bigint;

  constructor(
    /** The master entry's ID (the node's key in Redis' rax: its first entry's, even once deleted). */
    readonly master: StreamId,
    /** The master entry's fields, flat (only the names at even positions count). */
    readonly masterFields: readonly string[],
  ) {
    this.masterMs = master >> 64n;
    this.masterSeq = master & 0xffffffffffffffffn;
    const n = masterFields.length >> 1;
    this.body = lpIntSize(n) + lpIntSize(0);
    for (let i = 0; i < masterFields.length; i += 2) this.body += lpStringSize(masterFields[i]!);
  }

  /** lpBytes of this node's listpack. */
  bytes(): number {
    return LP_EMPTY + lpIntSize(this.live) + lpIntSize(this.ids.length - this.live) + this.body;
  }

  /** Index of the first position with id >= `id` (ids.length when none). */
  lowerBound(id: StreamId): number {
    const ids = this.ids;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  deadFields(i: number): readonly string[] {
    return this.dead?.get(i) ?? [];
  }

  /** Marks position `i` deleted (a tombstone keeping its fields). */
  kill(i: number): void {
    (this.dead ??= new Map()).set(i, this.fields[i]!);
    this.fields[i] = null;
    this.live--;
  }

  append(id: StreamId, fields: readonly string[]): void {
    const mf = this.masterFields;
    let same = fields.length === mf.length;
    for (let i = 0; same && i < fields.length; i += 2) same = fields[i] === mf[i];
    // flags, ms-diff, seq-diff, [num-fields], [field], value ..., lp-count
    const numFields = fields.length >> 1;
    const seqDiff = id === this.master ? 0n : (id & 0xffffffffffffffffn) - this.masterSeq;
    let b = 2 + (id === this.master ? 2 : lpBigIntSize((id >> 64n) - this.masterMs)) + lpBigIntSize(seqDiff);
    if (!same) b += lpIntSize(numFields);
    for (let i = same ? 1 : 0; i < fields.length; i += same ? 2 : 1) b += lpStringSize(fields[i]!);
    b += lpIntSize(numFields + 3 + (same ? 0 : numFields + 1));
    this.body += b;
    // Field names equal to the master entry's share its strings (Redis' SAMEFIELDS flag, for memory).
    if (same && fields !== mf) for (let i = 0; i < fields.length; i += 2) (fields as string[])[i] = mf[i]!;
    this.ids.push(id);
    this.fields.push(fields);
    this.live++;
  }
}

/** A stream value: entries, the last ID, the deletion and addition counters, consumer groups. */
export class StreamValue {
  /** Entries in the stream. */
  length = 0;
  /** The greatest ID ever added (or set by XSETID); 0n when nothing was ever added. */
  lastId: StreamId = 0n;
  /** The greatest ID ever deleted (XDEL, XTRIM); 0n when none. */
  maxDeletedId: StreamId = 0n;
  /** Entries ever added (XSETID ENTRIESADDED sets it). */
  entriesAdded = 0n;
  /** Consumer groups by name; null until the first is created. */
  groups: Map<string, ConsumerGroup> | null = null;
  /** The listpack nodes, ascending; only an exact MINID trim leaves one whose entries are all deleted, as Redis does. */
  private nodes: Node[] = [];

  /** The master IDs of the nodes, ascending: the keys of Redis' rax (XINFO STREAM's radix-tree figures). */
  nodeMasters(): StreamId[] {
    return this.nodes.map((n) => n.master);
  }

  /** The nodes, ascending (DUMP writes each as one listpack). */
  nodeViews(): readonly StreamNodeView[] {
    return this.nodes;
  }

  /**
   * Appends a node as an RDB payload holds it (RESTORE): its master ID and
   * field names, then its entries (ascending, above every ID already held;
   * the caller checks), a deleted one with the fields it had. Counts its
   * live entries into `length`; lastId and the counters are the caller's.
   */
  loadNode(master: StreamId, masterNames: readonly string[], entries: readonly { id: StreamId; fields: string[]; deleted: boolean }[]): void {
    const mf: string[] = [];
    for (const name of masterNames) mf.push(name, "");
    const node = new Node(master, mf);
    for (const e of entries) {
      node.append(e.id, e.fields);
      if (e.deleted) node.kill(node.ids.length - 1);
    }
    this.nodes.push(node);
    this.length += node.live;
  }

  /** The first entry's ID, null when empty (`tombstones`: a deleted entry still in its node counts, streamGetEdgeID's skip_tombstones 0). */
  firstId(tombstones = false): StreamId | null {
    for (const node of this.nodes) {
      for (let i = 0; i < node.ids.length; i++) if (tombstones || node.fields[i] !== null) return node.ids[i]!;
    }
    return null;
  }

  /** The last entry's ID (streamLastValidID), null when empty. */
  lastEntryId(): StreamId | null {
    for (let n = this.nodes.length - 1; n >= 0; n--) {
      const node = this.nodes[n]!;
      for (let i = node.ids.length - 1; i >= 0; i--) if (node.fields[i] !== null) return node.ids[i]!;
    }
    return null;
  }

  /**
   * Appends an entry (streamAppendItem); `id` must be above {@link lastId}
   * (the caller checks). Updates length, lastId and entriesAdded.
   */
  add(id: StreamId, fields: readonly string[]): void {
    let tail: Node | undefined = this.nodes[this.nodes.length - 1];
    if (tail !== undefined) {
      let valueBytes = 0;
      for (let i = 0; i < fields.length; i++) valueBytes += fields[i]!.length;
      if (tail.bytes() + valueBytes >= NODE_MAX_BYTES || tail.ids.length >= NODE_MAX_ENTRIES) tail = undefined;
    }
    if (tail === undefined) {
      tail = new Node(id, fields);
      this.nodes.push(tail);
    }
    tail.append(id, fields);
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
  }

  /** Index of the node that would hold `id`: the last whose master is <= id (-1 when none). */
  private nodeFor(id: StreamId): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nodes[mid]!.master <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The fields of entry `id`, undefined when there is none. */
  get(id: StreamId): readonly string[] | undefined {
    const n = this.nodeFor(id);
    if (n < 0) return undefined;
    const node = this.nodes[n]!;
    const i = node.lowerBound(id);
    return node.ids[i] === id ? (node.fields[i] ?? undefined) : undefined;
  }

  /** Deletes entry `id` (a tombstone; an emptied node goes); false when there is none. Does not touch maxDeletedId. */
  delete(id: StreamId): boolean {
    const n = this.nodeFor(id);
    if (n < 0) return false;
    const node = this.nodes[n]!;
    const i = node.lowerBound(id);
    if (node.ids[i] !== id || node.fields[i] === null) return false;
    this.removeAt(n, node, i);
    return true;
  }

  private removeAt(n: number, node: Node, i: number): void {
    node.kill(i);
    this.length--;
    if (node.live === 0) this.nodes.splice(n, 1);
  }

  /** Entries with start <= id <= end, at most count (0 = all), ascending (rev: descending from end). */
  range(start: StreamId, end: StreamId, count: number, rev: boolean): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (start > end) return out;
    const nodes = this.nodes;
    if (!rev) {
      let n = Math.max(0, this.nodeFor(start));
      let i = n < nodes.length ? nodes[n]!.lowerBound(start) : 0;
      for (; n < nodes.length; n++, i = 0) {
        const node = nodes[n]!;
        for (; i < node.ids.length; i++) {
          const id = node.ids[i]!;
          if (id > end) return out;
          const f = node.fields[i]!;
          if (f === null) continue;
          out.push({ id, fields: f });
          if (out.length === count) return out;
        }
      }
      return out;
    }
    let n = this.nodeFor(end);
    if (n < 0) return out;
    let node = nodes[n]!;
    let i = node.lowerBound(end);
    if (i === node.ids.length || node.ids[i]! > end) i--;
    for (;;) {
      for (; i >= 0; i--) {
        const id = node.ids[i]!;
        if (id < start) return out;
        const f = node.fields[i]!;
        if (f === null) continue;
        out.push({ id, fields: f });
        if (out.length === count) return out;
      }
      if (--n < 0) return out;
      node = nodes[n]!;
      i = node.ids.length - 1;
    }
  }

  /**
   * streamTrim: removes entries from the head until at most `maxlen` remain
   * (`minid` null) or no ID below `minid` remains; `approx` removes only
   * whole nodes; `limit` (0: none) caps the entries removed. Returns how
   * many were removed. Does not touch maxDeletedId (the caller does).
   */
  trim(maxlen: number, minid: StreamId | null, approx: boolean, limit: number): number {
    let deleted = 0;
    while (this.nodes.length > 0) {
      if (minid === null && this.length <= maxlen) break;
      const node = this.nodes[0]!;
      const entries = node.live;
      if (limit > 0 && deleted + entries > limit) break;
      const removeNode = minid === null ? this.length - entries >= maxlen : node.ids[node.ids.length - 1]! < minid;
      if (removeNode) {
        this.nodes.shift();
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      for (let i = 0; i < node.ids.length; i++) {
        if (node.fields[i] === null) continue;
        if (minid === null ? this.length <= maxlen : node.ids[i]! >= minid) break;
        node.kill(i);
        this.length--;
        deleted++;
      }
      break;
    }
    return deleted;
  }

  /** Every entry, ascending. */
  *entries(): Generator<StreamEntry> {
    for (const node of this.nodes) {
      for (let i = 0; i < node.ids.length; i++) {
        const f = node.fields[i]!;
        if (f !== null) yield { id: node.ids[i]!, fields: f };
      }
    }
  }

  /** An independent copy (entries are immutable, so shared); groups copied. */
  copy(): StreamValue {
    const c = new StreamValue();
    c.length = this.length;
    c.lastId = this.lastId;
    c.maxDeletedId = this.maxDeletedId;
    c.entriesAdded = this.entriesAdded;
    for (const node of this.nodes) {
      const m = new Node(node.master, node.masterFields);
      m.ids.push(...node.ids);
      m.fields.push(...node.fields);
      m.live = node.live;
      m.body = node.body;
      if (node.dead !== null) m.dead = new Map(node.dead);
      c.nodes.push(m);
    }
    if (this.groups !== null) {
      c.groups = new Map();
      for (const [name, g] of this.groups) c.groups.set(name, g.copy());
    }
    return c;
  }
}
