/**
 * Stream consumer groups (the streamCG, streamConsumer and streamNACK of
 * Redis' stream.h): a group's last delivered ID and read counter, its
 * pending entries list (PEL: ID -> owner, delivery time, delivery count),
 * and its consumers, each with its own PEL sharing the group's NACKs.
 *
 * A PEL is a Map for lookup plus the IDs in a sorted array: deliveries
 * come in ascending ID order (an append), XACK removes one element (a
 * memmove), range scans (XPENDING, XAUTOCLAIM, history reads) are a binary
 * search then a walk. Groups and consumers are Maps; where Redis lists them
 * in its rax's byte order (XINFO, XPENDING's summary) they are sorted then
 * (latin1 strings compare as their bytes).
 *
 * Redis 7.0.15 keeps one time per consumer (`seen-time`, refreshed by every
 * lookup that is not SLC_NO_REFRESH); `active-time` came in 7.2.
 */
import { type StreamId, idString } from "./stream_id.js";

/** SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const INVALID_ENTRIES_READ = -1n;

/** A pending entry: who has it, when it was last delivered (unix ms), how many times. */
export class Nack {
  constructor(
    public consumer: Consumer | null,
    public deliveryTime: number,
    /** uint64 in Redis, printed signed: a number while safe, else a bigint. */
    public deliveryCount: number | bigint = 1,
  ) {}
}

/** The count after one more delivery, wrapping as Redis' uint64 printed as a long long. */
export function incrementCount(c: number | bigint): number | bigint {
  if (typeof c === "number" && c < Number.MAX_SAFE_INTEGER) return c + 1;
  const v = BigInt.asIntN(64, BigInt(c) + 1n);
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A pending entries list: NACKs by ID, iterable in ID order. */
export class Pel {
  private readonly map = new Map<StreamId, Nack>();
  /** The IDs, ascending. */
  private readonly ids: StreamId[] = [];

  get size(): number {
    return this.ids.length;
  }

  get(id: StreamId): Nack | undefined {
    return this.map.get(id);
  }

  /** Adds `id` (absent). */
  insert(id: StreamId, nack: Nack): void {
    this.map.set(id, nack);
    const n = this.ids.length;
    if (n === 0 || this.ids[n - 1]! < id) this.ids.push(id);
    else this.ids.splice(this.lowerBound(id), 0, id);
  }

  delete(id: StreamId): boolean {
    if (!this.map.delete(id)) return false;
    const i = this.lowerBound(id);
    if (i === 0) this.ids.shift();
    else this.ids.splice(i, 1);
    return true;
  }

  /** The index of the first ID >= id. */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  idAt(i: number): StreamId {
    return this.ids[i]!;
  }

  first(): StreamId | undefined {
    return this.ids[0];
  }

  last(): StreamId | undefined {
    return this.ids[this.ids.length - 1];
  }

  /** [id, nack] pairs with id >= start, ascending. */
  *from(start: StreamId): Generator<[StreamId, Nack]> {
    for (let i = this.lowerBound(start); i < this.ids.length; i++) {
      const id = this.ids[i]!;
      yield [id, this.map.get(id)!];
    }
  }
}

export class Consumer {
  readonly pel = new Pel();
  constructor(
    readonly name: string,
    /** Unix ms of the last lookup that refreshes it (streamLookupConsumer). */
    public seenTime: number,
  ) {}
}

export class ConsumerGroup {
  readonly pel = new Pel();
  readonly consumers = new Map<string, Consumer>();
  constructor(
    public lastId: StreamId,
    /** entries_read, a long long; {@link INVALID_ENTRIES_READ} when unknown. */
    public entriesRead: bigint,
  ) {}

  /** streamLookupConsumer: the consumer, its seen-time refreshed to `now` unless now is undefined (SLC_NO_REFRESH). */
  lookupConsumer(name: string, now: number | undefined): Consumer | undefined {
    const c = this.consumers.get(name);
    if (c !== undefined && now !== undefined) c.seenTime = now;
    return c;
  }

  /** streamCreateConsumer: a new consumer, or null when the name exists. */
  createConsumer(name: string, now: number): Consumer | null {
    if (this.consumers.has(name)) return null;
    const c = new Consumer(name, now);
    this.consumers.set(name, c);
    return c;
  }

  /** streamDelConsumer: removes it and its pending entries from the group's PEL. */
  deleteConsumer(c: Consumer): void {
    for (const [id] of c.pel.from(0n)) this.pel.delete(id);
    this.consumers.delete(c.name);
  }

  /** Removes a pending entry from the group and its owner. */
  ack(id: StreamId): boolean {
    const nack = this.pel.get(id);
    if (nack === undefined) return false;
    this.pel.delete(id);
    nack.consumer?.pel.delete(id);
    return true;
  }

  /** Consumers in Redis' order (the rax's: by name bytes). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** An independent copy (COPY, the rewrite's snapshot). */
  copy(): ConsumerGroup {
    const g = new ConsumerGroup(this.lastId, this.entriesRead);
    for (const c of this.consumers.values()) {
      const nc = new Consumer(c.name, c.seenTime);
      g.consumers.set(c.name, nc);
      for (const [id, n] of c.pel.from(0n)) {
        const nn = new Nack(nc, n.deliveryTime, n.deliveryCount);
        nc.pel.insert(id, nn);
        g.pel.insert(id, nn);
      }
    }
    return g;
  }
}

/** Names of a Map's keys in Redis' rax order. */
export function sortedNames<T>(m: ReadonlyMap<string, T>): string[] {
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Copies every group of a stream. */
export function copyGroups(groups: ReadonlyMap<string, ConsumerGroup> | null): Map<string, ConsumerGroup> | null {
  if (groups === null) return null;
  const out = new Map<string, ConsumerGroup>();
  for (const [name, g] of groups) out.set(name, g.copy());
  return out;
}

/**
 * The commands that recreate a stream's groups after its entries (aof.c's
 * rewriteStreamObject): XGROUP CREATE ... ENTRIESREAD, then per consumer
 * an XCLAIM ... FORCE per pending entry, or XGROUP CREATECONSUMER when it
 * has none.
 */
export function* rewriteGroups(key: string, groups: ReadonlyMap<string, ConsumerGroup> | null): Generator<string[]> {
  if (groups === null) return;
  for (const name of sortedNames(groups)) {
    const g = groups.get(name)!;
    yield ["XGROUP", "CREATE", key, name, idString(g.lastId), "ENTRIESREAD", String(g.entriesRead)];
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        yield ["XGROUP", "CREATECONSUMER", key, name, c.name];
        continue;
      }
      for (const [id, n] of c.pel.from(0n)) {
        yield ["XCLAIM", key, name, c.name, "0", idString(id), "TIME", String(n.deliveryTime), "RETRYCOUNT", String(n.deliveryCount), "JUSTID", "FORCE"];
      }
    }
  }
}
