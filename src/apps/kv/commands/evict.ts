/**
 * Choosing the keys maxmemory evicts, as Redis' evict.c: an LRU, LFU or
 * TTL policy samples `maxmemory-samples` keys of every database (all keys,
 * or those with a TTL for `volatile-*`) into a pool of the 16 best
 * candidates seen so far, ordered by "idle" (seconds since last access;
 * 255 minus the LFU counter; the nearer expiry), and evicts the best one
 * still there; a random policy takes a random key from the databases in
 * turn. The caller (the shard) deletes, counts and propagates.
 *
 * @example
 * const ev = new Evictor();
 * const v = ev.pick(keyspace, "allkeys-lru", 5, Date.now());
 * if (v !== null) keyspace.db(v.db).deleteKey(v.key);
 */
import { type Db, type Keyspace, lruClock, lruIdle } from "./db.js";
import { lfuCounter } from "./lfu.js";

const LRU = 0;
const LFU = 1;
const TTL = 2;
const RANDOM = 3;

/** Redis' EVPOOL_SIZE. */
export const POOL_SIZE = 16;
const MASK = POOL_SIZE - 1;

/** One candidate: the higher `idle`, the better to evict. */
export interface Candidate {
  idle: number;
  db: number;
  key: string;
}

/** The maxmemory-policy values. */
export type Policy = "noeviction" | "allkeys-lru" | "allkeys-lfu" | "allkeys-random" | "volatile-lru" | "volatile-lfu" | "volatile-random" | "volatile-ttl";

/**
 * The best candidates seen, ascending by idle (Redis' EvictionPoolLRU), in
 * parallel arrays used as a ring: logical slot i is physical
 * `(head + i) & MASK`. Redis memmoves its array; here a shift costs a
 * store (and a write barrier for the key) per moved entry, and the common
 * insertion is at the worst end (samples mostly no more idle than the
 * pool's worst, with a clock in seconds), where a ring moves nothing. An
 * insertion inside moves the shorter side.
 */
export class EvictionPool {
  private readonly idles = new Float64Array(POOL_SIZE);
  private readonly dbs = new Int32Array(POOL_SIZE);
  private readonly keys: (string | null)[] = new Array<string | null>(POOL_SIZE).fill(null);
  private head = 0;
  private length = 0;

  get size(): number {
    return this.length;
  }

  /**
   * evictionPoolPopulate's insertion: a candidate no better than the worst
   * of a full pool is dropped; in a full pool the worst makes room. As in
   * Redis, a key sampled again is not looked for first (comparing keys
   * costs more than the rare duplicate, which is skipped once evicted).
   */
  insert(idle: number, db: number, key: string): void {
    const idles = this.idles;
    let n = this.length;
    let k = 0;
    while (k < n && idles[(this.head + k) & MASK]! < idle) k++;
    if (n === POOL_SIZE) {
      if (k === 0) return;
      // The worst (logical 0) leaves: those below k move down one, as the head moves up one.
      this.keys[this.head] = null;
      this.head = (this.head + 1) & MASK;
      n--;
      k--;
    }
    // Room at logical k: move the shorter side (those below k down one, or those from k up one).
    if (k < n - k) {
      this.head = (this.head - 1) & MASK;
      for (let i = 0; i < k; i++) this.move((this.head + i + 1) & MASK, (this.head + i) & MASK);
    } else {
      for (let i = n; i > k; i--) this.move((this.head + i - 1) & MASK, (this.head + i) & MASK);
    }
    const at = (this.head + k) & MASK;
    idles[at] = idle;
    this.dbs[at] = db;
    this.keys[at] = key;
    this.length = n + 1;
  }

  /** Removes the best candidate into `out`; false when the pool is empty. */
  popBest(out: Candidate): boolean {
    if (this.length === 0) return false;
    const i = (this.head + --this.length) & MASK;
    out.idle = this.idles[i]!;
    out.db = this.dbs[i]!;
    out.key = this.keys[i]!;
    this.keys[i] = null;
    return true;
  }

  /** The candidates, best last (for tests). */
  entries(): Candidate[] {
    return Array.from({ length: this.length }, (_, i) => {
      const at = (this.head + i) & MASK;
      return { idle: this.idles[at]!, db: this.dbs[at]!, key: this.keys[at]! };
    });
  }

  clear(): void {
    this.length = 0;
    this.head = 0;
    this.keys.fill(null);
  }

  private move(from: number, to: number): void {
    this.idles[to] = this.idles[from]!;
    this.dbs[to] = this.dbs[from]!;
    this.keys[to] = this.keys[from]!;
  }
}

/** A shard's eviction state: its pool, and where the random policies continue. */
export class Evictor {
  readonly pool = new EvictionPool();
  private nextDb = 0;
  private readonly scratch: string[] = [];
  /** The access table's sampled slots (reused). */
  private readonly slots: number[] = [];
  /** The policy last picked for, parsed (string tests cost more than the sampling). */
  private policy = "";
  private kind = RANDOM;
  private volatile = false;
  /** What pick returns (reused: the caller reads it before the next pick). */
  private readonly picked: Candidate = { idle: 0, db: 0, key: "" };

  /**
   * The key to evict next under `policy` (not noeviction), or null when
   * there is none to evict; valid until the next call. It may have been
   * deleted since it was sampled: the caller deletes it, and picks again
   * when there was nothing to delete.
   */
  pick(ks: Keyspace, policy: Policy, samples: number, now: number): Candidate | null {
    if (policy !== this.policy) this.parse(policy);
    const volatile = this.volatile;
    if (this.kind === RANDOM) return this.pickRandom(ks, volatile);
    const kind = this.kind;
    // The idle times are measured on the clock writes stamp keys with (read now, not the
    // command's clock): a key written after a second boundary within the same batch would
    // otherwise look stamped in the future, which lruIdle reads as a wrapped, ~194-day idle
    // time, and be the first evicted (an LFU word so, as decayed to 0). Redis stamps and
    // measures with one clock (LRU_CLOCK(), LFUGetTimeInMinutes()).
    const at = Math.max(now, ks.clock());
    for (;;) {
      let keys = 0;
      for (const db of ks.live) {
        const n = volatile ? db.expires.size : db.data.size;
        if (n === 0) continue;
        keys += n;
        this.populate(db, kind, volatile, samples, at);
      }
      if (keys === 0) return null;
      // Best first. A volatile candidate whose TTL went since it was pooled is skipped here; one deleted
      // since is the caller's to skip (its delete finds nothing): a lookup here would be a second one.
      const c = this.picked;
      while (this.pool.popBest(c)) {
        const db = ks.dbs[c.db];
        if (db !== undefined && (!volatile || db.expires.has(c.key))) return c;
      }
    }
  }

  private parse(policy: Policy): void {
    this.policy = policy;
    this.volatile = policy.startsWith("volatile-");
    this.kind = policy.endsWith("-lru") ? LRU : policy.endsWith("-lfu") ? LFU : policy.endsWith("-ttl") ? TTL : RANDOM;
  }

  private populate(db: Db, kind: number, volatile: boolean, samples: number, at: number): void {
    const clock = lruClock(at);
    const decay = db.keyspace.config.lfuDecayTime;
    const table = volatile ? null : db.access;
    if (table !== null) {
      // All keys, from the access table: a random slot gives the key and its word.
      const slots = this.slots;
      table.sampleSlots(samples, slots);
      for (const i of slots) {
        const word = table.wordAt(i);
        this.pool.insert(kind === LRU ? lruIdle(clock, word) : 255 - lfuCounter(word, at, decay), db.index, table.keyAt(i)!);
      }
      return;
    }
    const keys = this.scratch;
    keys.length = 0;
    db.sample(samples, volatile, keys);
    for (const key of keys) {
      let idle: number;
      if (kind === LRU) idle = lruIdle(clock, db.accessWord(key));
      else if (kind === LFU) idle = 255 - lfuCounter(db.accessWord(key), at, decay);
      else idle = Number.MAX_SAFE_INTEGER - Number(db.expires.get(key) ?? 0);
      this.pool.insert(idle, db.index, key);
    }
  }

  private pickRandom(ks: Keyspace, volatile: boolean): Candidate | null {
    const n = ks.dbs.length;
    const keys = this.scratch;
    for (let i = 0; i < n; i++) {
      const dbIndex = (this.nextDb + i) % n;
      const db = ks.dbs[dbIndex]!;
      keys.length = 0;
      db.sample(1, volatile, keys);
      if (keys.length > 0) {
        this.nextDb = (dbIndex + 1) % n;
        const c = this.picked;
        c.idle = 0;
        c.db = dbIndex;
        c.key = keys[0]!;
        return c;
      }
    }
    return null;
  }
}
