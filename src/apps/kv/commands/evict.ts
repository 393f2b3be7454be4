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
import { type Keyspace, lruClock, lruIdle } from "./db.js";
import { lfuCounter } from "./lfu.js";

const LRU = 0;
const LFU = 1;
const TTL = 2;

/** Redis' EVPOOL_SIZE. */
export const POOL_SIZE = 16;

/** One candidate: the higher `idle`, the better to evict. */
export interface Candidate {
  idle: number;
  db: number;
  key: string;
}

/** The maxmemory-policy values. */
export type Policy = "noeviction" | "allkeys-lru" | "allkeys-lfu" | "allkeys-random" | "volatile-lru" | "volatile-lfu" | "volatile-random" | "volatile-ttl";

/** The best candidates seen, ascending by idle (Redis' EvictionPoolLRU). */
export class EvictionPool {
  readonly entries: Candidate[] = [];

  /**
   * evictionPoolPopulate's insertion: a candidate no better than the worst
   * of a full pool is dropped; in a full pool the worst makes room. As in
   * Redis, a key sampled again is not looked for first (comparing keys
   * costs more than the rare duplicate, which is skipped once evicted).
   */
  insert(idle: number, db: number, key: string): void {
    const e = this.entries;
    let k = 0;
    while (k < e.length && e[k]!.idle < idle) k++;
    if (k === 0 && e.length === POOL_SIZE) return;
    if (e.length === POOL_SIZE) {
      e.shift();
      k--;
    }
    e.splice(k, 0, { idle, db, key });
  }

  /** Removes and returns the best candidate, or undefined when empty. */
  popBest(): Candidate | undefined {
    return this.entries.pop();
  }

  clear(): void {
    this.entries.length = 0;
  }
}

/** A shard's eviction state: its pool, and where the random policies continue. */
export class Evictor {
  readonly pool = new EvictionPool();
  private nextDb = 0;
  private readonly scratch: string[] = [];

  /** The key to evict next under `policy` (not noeviction), or null when there is none to evict. */
  pick(ks: Keyspace, policy: Policy, samples: number, now: number): Candidate | null {
    const volatile = policy.startsWith("volatile-");
    if (policy.endsWith("-random")) return this.pickRandom(ks, volatile);
    for (;;) {
      let keys = 0;
      for (const db of ks.dbs) {
        const n = volatile ? db.expires.size : db.data.size;
        if (n === 0) continue;
        keys += n;
        this.populate(ks, db.index, policy, volatile, samples, now);
      }
      if (keys === 0) return null;
      // Best first; a candidate deleted since it was pooled (or whose TTL went) is skipped.
      let c: Candidate | undefined;
      while ((c = this.pool.popBest()) !== undefined) {
        const db = ks.dbs[c.db];
        if (db !== undefined && (volatile ? db.expires.has(c.key) : db.data.has(c.key))) return c;
      }
    }
  }

  private populate(ks: Keyspace, dbIndex: number, policy: Policy, volatile: boolean, samples: number, now: number): void {
    const db = ks.dbs[dbIndex]!;
    const keys = this.scratch;
    keys.length = 0;
    db.sample(samples, volatile, keys);
    // The idle times are measured on the clock writes stamp keys with (read now, not the
    // command's clock): a key written after a second boundary within the same batch would
    // otherwise look stamped in the future, which lruIdle reads as a wrapped, ~194-day idle
    // time, and be the first evicted (an LFU word so, as decayed to 0). Redis stamps and
    // measures with one clock (LRU_CLOCK(), LFUGetTimeInMinutes()).
    const at = Math.max(now, ks.clock());
    const clock = lruClock(at);
    const decay = ks.config.lfuDecayTime;
    const kind = policy.endsWith("-lru") ? LRU : policy.endsWith("-lfu") ? LFU : TTL;
    for (const key of keys) {
      let idle: number;
      if (kind === LRU) idle = lruIdle(clock, db.accessWord(key));
      else if (kind === LFU) idle = 255 - lfuCounter(db.accessWord(key), at, decay);
      else idle = Number.MAX_SAFE_INTEGER - Number(db.expires.get(key) ?? 0);
      this.pool.insert(idle, dbIndex, key);
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
        return { idle: 0, db: dbIndex, key: keys[0]! };
      }
    }
    return null;
  }
}
