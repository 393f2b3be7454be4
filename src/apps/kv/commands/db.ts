/**
 * The data model: a {@link Keyspace} of 16 {@link Db}s, each a Map from key
 * to value plus a second Map of absolute expiry times (ms) for the keys that
 * have one, so a key costs one Map entry and no wrapper object.
 *
 * Values: a latin1 string (Redis string), a `Map<string, string>` (hash,
 * insertion ordered like Redis' small listpack hashes), or a
 * {@link ListValue}. Every write of a key's value (set, delete, in-place
 * change) calls {@link Db.modified}, which clears the key's per-key metadata
 * (memcached flags and CAS live there); TTL-only changes do not.
 *
 * Expiry is lazy (every lookup first removes an expired key, counts it,
 * and propagates a DEL) and active ({@link activeExpireCycle}, called by
 * the shard on a timer).
 *
 * @example
 * const ks = new Keyspace();
 * const db = ks.db(0);
 * db.setKey("k", "v");
 * db.size; // 1
 */
import { ByteString } from "./byte_string.js";
import { ListValue } from "./list_value.js";
import { type SetValue } from "./set_value.js";
import { type StreamValue } from "./stream_value.js";
import { type Int64 } from "./numbers.js";
import { Watches } from "./watch.js";
import { BlockedKeys } from "./blocked_keys.js";
import { type ZSetValue } from "./zset_value.js";
import { KvError } from "../errors.js";
import { DICT_ENTRY, dictTable, jeSize, stringCost } from "./mem_size.js";
import { lfuNew, lfuTouch } from "./lfu.js";
import { type KeyspaceEvents, NOTIFY, notify } from "./notify.js";
import { AccessTable } from "./access_table.js";

export type HashValue = Map<string, string>;

/**
 * What the key lookups need of a command's context (command.ts's
 * ExecContext extends it): the database, the command's clock, and where
 * a lazy expiry's DEL is propagated.
 */
export interface KeyContext {
  readonly db: Db;
  readonly now: number;
  propagate(argv: readonly string[]): void;
}

export type Value = string | HashValue | ListValue | SetValue | ZSetValue | ByteString | StreamValue;

/** Server-wide counters INFO reports (`stats` section). */
export interface KeyspaceStats {
  expiredKeys: number;
  /** Keys removed to stay under maxmemory. */
  evictedKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
}

/** V8's Map holds at most 2^24 entries (measured: the next set throws); a write beyond gets an error reply. */
export const MAX_KEYS_PER_DB = 2 ** 24;

/** Thrown by {@link Db.setKey} when the database is full; the engine turns it into an error reply. */
export class KeyspaceFull extends KvError {
  constructor() {
    super("the database is full (V8's Map holds 2^24 entries)");
  }
}

/** Settings the commands read (CONFIG SET changes them on every shard's Keyspace). */
export interface EngineConfig {
  /** proto-max-bulk-len: the longest string SETRANGE/APPEND may build. */
  protoMaxBulkLen: number;
  /** Keys per database: V8's Map limit by default ({@link MAX_KEYS_PER_DB}); lower only to test. */
  maxKeys: number;
  /** lfu-log-factor and lfu-decay-time: how LFU counters grow and decay (lfu.ts). */
  lfuLogFactor: number;
  lfuDecayTime: number;
}

/** Estimates the bytes of a key holding a value that is not a plain string (mem_estimate.ts' valueCost). */
export type Estimator = (key: string, v: Value) => number;

/** How many SCAN iterations one Db keeps alive at once (least recently used goes first). */
export const SCAN_CURSOR_CACHE = 1024;
/**
 * Keys an idle SCAN iteration may read ahead (one per refresh, see
 * {@link Db.refreshScans}) before it is dropped: about 7 minutes of
 * idleness at the shard's 10 Hz, or 4 M writes.
 */
export const SCAN_READ_AHEAD = 4096;
/** Most keys eviction's sampling skips between two samples ({@link Db.sample}). */
const SAMPLE_GAP = 32;
/** Writes between two refreshes of the SCAN iterators, while there are any. */
const SCAN_REFRESH_WRITES = 1024;

interface ScanState {
  it: Iterator<string>;
  /** Keys read ahead of the client: returned first by the next step. */
  ahead: string[];
  done: boolean;
}

/**
 * Redis' LRU clock: seconds, 24 bits (a small integer in V8, so storing one
 * allocates nothing), as an object's `lru` field holds it.
 */
export function lruClock(ms: number): number {
  return Math.floor(ms / 1000) & LRU_CLOCK_MAX;
}
const LRU_CLOCK_MAX = 0xffffff;

/** Seconds between two LRU clock readings, across the 24-bit wrap as Redis' estimateObjectIdleTime counts it. */
export function lruIdle(now: number, stamp: number): number {
  return now >= stamp ? now - stamp : LRU_CLOCK_MAX - stamp + now;
}

export class Db {
  /** Key → value. Not readonly: SWAPDB exchanges two databases' contents ({@link swapWith}). */
  data = new Map<string, Value>();
  /** Absolute expiry in ms of the keys that have one; bigint only beyond 2^53. */
  expires = new Map<string, Int64>();
  /**
   * Last access of each key ({@link lruClock}), for OBJECT IDLETIME; null
   * until the keyspace tracks access ({@link Keyspace.trackAccess}): most
   * servers never ask, and then no lookup pays for it.
   */
  access: AccessTable | null = null;
  /** Per-key metadata owned by other protocols (memcached flags, CAS): cleared by {@link modified}. */
  meta: Map<string, unknown> | null = null;
  /** Redis' estimate of the average TTL of keys with one (ms), kept by the active expiry cycle. */
  avgTtl = 0;
  /**
   * Bytes of this database's keys and values as redis-server would use them
   * (mem_size.ts): a string's at each write, any other value's at the next
   * {@link settle} after it changed. Tables and TTLs are added by {@link Keyspace.usedMemory}.
   */
  used = 0;
  /** The last estimate of each value that is not a plain string (those change in place). */
  sizes = new Map<string, number>();
  /** Keys written since the last {@link settle} (their value may have changed in place). */
  dirty = new Set<string>();
  /** Where eviction's sampling continues, over all keys and over the keys with a TTL. */
  private evictIt: Iterator<string> | null = null;
  private evictTtlIt: Iterator<string> | null = null;

  /** Where the active expiry cycle continues. */
  expireCursor: Iterator<[string, Int64]> | null = null;
  /** Live SCAN iterations by cursor id. */
  private readonly scans = new Map<number, ScanState>();
  private scanWrites = 0;
  /** Held iterators over `data` (SCAN cursors, RANDOMKEY's): refreshed while non-zero. */
  private get iterators(): number {
    return this.scans.size + (this.randomIt === null ? 0 : 1) + (this.evictIt === null ? 0 : 1) + (this.evictTtlIt === null ? 0 : 1);
  }
  private randomIt: Iterator<string> | null = null;

  constructor(
    readonly index: number,
    readonly stats: KeyspaceStats,
    readonly keyspace: Keyspace,
  ) {}

  /** Keys held, including expired ones not yet removed (what DBSIZE answers, as in Redis). */
  get size(): number {
    return this.data.size;
  }

  /**
   * The one hook every change of a key's value or existence goes through
   * (setKey, deleteKey, and the in-place writes of hashes and lists call it;
   * TTL-only changes do not): it clears the key's per-key metadata and
   * tells WATCH (which TTL changes also tell, as in Redis).
   */
  modified(key: string): void {
    this.dirty.add(key);
    this.keyspace.unsettled = true;
    this.changed(key);
  }

  /** What every change does besides the accounting (a scratch database overrides it to see the changes: txn.ts). */
  protected changed(key: string): void {
    this.keyspace.changes++;
    if (this.meta !== null) this.meta.delete(key);
    const ev = this.keyspace.events;
    if (ev !== null && ev.keyChanged !== null) ev.keyChanged(key);
    if (this.keyspace.watches.size !== 0) this.keyspace.watches.touch(this.index, key);
    if (this.keyspace.blocked.size !== 0) this.keyspace.blocked.signal(this.index, key);
  }

  /** Tells the clients blocked on `key` to look again, without counting as a change (XGROUP DESTROY). */
  signalReady(key: string): void {
    if (this.keyspace.blocked.size !== 0) this.keyspace.blocked.signal(this.index, key);
  }

  /**
   * Sets a key's value; drops its TTL unless keepTtl. Throws {@link
   * KeyspaceFull} when the database is full. `announce` false: no `new`
   * event (a cross-shard command's write-back: its scratch run sent it).
   */
  setKey(key: string, value: Value, keepTtl = false, announce = true): void {
    const ks = this.keyspace;
    const old = this.data.get(key);
    if (old === undefined && ks.notifyFlags & NOTIFY.NEW && announce) notify(this, NOTIFY.NEW, "new", key); // Redis' dbAdd, before the command's own event
    if (old === undefined && this.data.size >= ks.config.maxKeys) throw new KeyspaceFull();
    this.data.set(key, value);
    if (old === undefined && this.data.size === 1) this.keyspace.live.push(this);
    this.account(key, old, value);
    if (this.access !== null) this.stampWrite(key, old !== undefined);
    if (!keepTtl && this.expires.size !== 0) this.dropExpire(key);
    this.changed(key);
    if (this.iterators !== 0 && ++this.scanWrites >= SCAN_REFRESH_WRITES) this.refreshScans();
  }

  /**
   * Adds a key read from a snapshot (an RDB load into a keyspace no client
   * sees yet): one hash lookup instead of setKey's three (the load's check,
   * get, set), no events, no WATCH, and not counted as a change (Redis'
   * dirty stays 0 after a load). False when the key was already there: the
   * value is replaced and the load is to fail.
   */
  loadKey(key: string, value: Value): boolean {
    const data = this.data;
    const n = data.size;
    if (n >= this.keyspace.config.maxKeys) throw new KeyspaceFull();
    data.set(key, value);
    if (data.size === n) return false;
    if (n === 0) this.keyspace.live.push(this);
    this.account(key, undefined, value);
    if (this.access !== null) this.stampWrite(key, false);
    return true;
  }

  /** Removes a key; true when it was there. */
  deleteKey(key: string): boolean {
    const old = this.data.get(key);
    if (old === undefined) return false;
    this.data.delete(key);
    if (this.data.size === 0) this.keyspace.dropLive(this);
    this.account(key, old, undefined);
    if (this.access !== null) this.access.delete(key);
    if (this.expires.size !== 0) this.dropExpire(key);
    this.changed(key);
    if (this.iterators !== 0 && ++this.scanWrites >= SCAN_REFRESH_WRITES) this.refreshScans();
    return true;
  }

  /**
   * Stores the same value in another representation (a string as a
   * {@link ByteString} to edit in place, and back): no change of the key
   * for WATCH or metadata, only for the accounting.
   */
  convert(key: string, value: Value): void {
    const old = this.data.get(key);
    this.data.set(key, value);
    this.account(key, old, value);
  }

  /**
   * Keeps {@link used} right as `key` goes from `old` to `value` (either
   * undefined for none): a string's bytes now, another value's at the next
   * {@link settle}, its old estimate dropped now.
   */
  private account(key: string, old: Value | undefined, value: Value | undefined): void {
    let d = 0;
    if (old !== undefined) {
      if (typeof old === "string") d -= stringCost(key, old);
      else {
        const n = this.sizes.get(key);
        if (n !== undefined) {
          d -= n;
          this.sizes.delete(key);
        }
      }
    }
    if (value !== undefined) {
      if (typeof value === "string") d += stringCost(key, value);
      else {
        this.dirty.add(key);
        this.keyspace.unsettled = true;
      }
    }
    this.used += d;
    this.keyspace.used += d;
  }

  /** Estimates again the values written since the last call (the shard calls it after each command that may have grown one). */
  settle(estimate: Estimator): void {
    if (this.dirty.size === 0) return;
    let d = 0;
    const sizes = this.sizes;
    for (const key of this.dirty) {
      const v = this.data.get(key);
      if (v === undefined || typeof v === "string") continue;
      const n = estimate(key, v);
      d += n - (sizes.get(key) ?? 0);
      sizes.set(key, n);
    }
    this.dirty.clear();
    this.used += d;
    this.keyspace.used += d;
  }

  /** A write's access stamp: the clock (LRU); under LFU a new key's initial counter, an overwritten one keeps its own (as Redis' dbOverwrite). */
  private stampWrite(key: string, existed: boolean): void {
    const ks = this.keyspace;
    // A new key is not in the table (deleteKey and flush keep the two in step): add it without looking.
    if (!existed) this.access!.add(key, ks.lfu ? lfuNew(ks.clock()) : lruClock(ks.clock()));
    else if (!ks.lfu) this.access!.set(key, lruClock(ks.clock()));
    else if (!this.access!.has(key)) this.access!.set(key, lfuNew(ks.clock()));
  }

  /** A lookup's access stamp (call only while {@link access} is kept): the clock, or under LFU one more access counted. */
  touch(key: string, now: number): void {
    const ks = this.keyspace;
    const access = this.access!;
    if (!ks.lfu) access.set(key, lruClock(now));
    // LFU: on the clock writes stamp with, or a key written after a minute boundary in this batch reads as decayed.
    else access.set(key, lfuTouch(access.get(key) ?? ks.lfuSince, Math.max(now, ks.clock()), ks.config.lfuDecayTime, ks.config.lfuLogFactor));
  }

  /** The access word of `key`: its LRU clock or LFU word, or what keys not accessed since tracking began count as. */
  accessWord(key: string): number {
    const w = this.access?.get(key);
    if (w !== undefined) return w;
    return this.keyspace.lfu ? this.keyspace.lfuSince : this.keyspace.accessSince;
  }

  /**
   * Appends up to `n` keys to `out`, sampled for eviction from all keys or
   * (`volatile`) those with a TTL. All keys, while access is tracked (every
   * policy but the volatile ones): drawn at random from the access table.
   * Otherwise: a rotating iterator that skips 0-31
   * keys between two, continuing where the last sampling stopped, so over
   * time every key is seen (a Map has no random access; see someKey). The
   * skips spread one sampling over about 80 keys, so a run of keys
   * inserted together (all hot, say) fills the pool less.
   */
  sample(n: number, volatile: boolean, out: string[]): void {
    if (!volatile && this.access !== null) return this.access.sample(n, out);
    const map: Map<string, unknown> = volatile ? this.expires : this.data;
    const size = map.size;
    if (size === 0) return;
    const want = Math.min(n, size);
    const gap = Math.min(SAMPLE_GAP, Math.floor(size / want));
    let it = volatile ? this.evictTtlIt : this.evictIt;
    let got = 0;
    let wraps = 0;
    let skip = Math.floor(Math.random() * gap);
    while (got < want && wraps < 2) {
      it ??= map.keys();
      const r = it.next();
      if (r.done) {
        it = null;
        wraps++;
        continue;
      }
      if (skip-- > 0) continue;
      out.push(r.value);
      got++;
      skip = Math.floor(Math.random() * gap);
    }
    if (volatile) this.evictTtlIt = it;
    else this.evictIt = it;
  }

  setExpire(key: string, at: Int64): void {
    this.expires.set(key, at);
    this.keyspace.changes++;
    if (this.keyspace.watches.size !== 0) this.keyspace.watches.touch(this.index, key);
    const ev = this.keyspace.events;
    if (ev !== null && ev.keyChanged !== null) ev.keyChanged(key);
  }

  /** True when the key had a TTL. */
  removeExpire(key: string): boolean {
    if (this.expires.size === 0 || !this.dropExpire(key)) return false;
    this.keyspace.changes++;
    if (this.keyspace.watches.size !== 0) this.keyspace.watches.touch(this.index, key);
    const ev = this.keyspace.events;
    if (ev !== null && ev.keyChanged !== null) ev.keyChanged(key);
    return true;
  }

  /**
   * Deletes a TTL; the expiry cycle's iterator goes with the last one, so it
   * cannot keep an emptied Map's outgrown tables alive (see refreshScans).
   */
  private dropExpire(key: string): boolean {
    if (!this.expires.delete(key)) return false;
    if (this.expires.size === 0) this.expireCursor = null;
    return true;
  }

  getExpire(key: string): Int64 | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  /** Logically expired at `now` (Redis: now > when), whether or not removed yet. */
  isExpired(key: string, now: number): boolean {
    if (this.expires.size === 0) return false;
    const at = this.expires.get(key);
    return at !== undefined && now > at;
  }

  /** Empties the database (FLUSHDB). */
  flush(): void {
    if (this.keyspace.watches.size !== 0) this.keyspace.watches.touchExisting(this.index, (k) => this.data.has(k));
    this.data.clear();
    this.keyspace.dropLive(this);
    this.expires.clear();
    this.access?.clear();
    this.meta = null;
    this.scans.clear();
    this.expireCursor = null;
    this.randomIt = null;
    this.evictIt = null;
    this.evictTtlIt = null;
    this.avgTtl = 0;
    this.keyspace.used -= this.used;
    this.used = 0;
    this.sizes.clear();
    this.dirty.clear();
    this.keyspace.events?.flushed();
  }

  /**
   * One SCAN step over this database: up to `count` keys from where cursor
   * `id` stopped (0 = a new iteration). Returns the next cursor id (0 when
   * the iteration is complete) and the keys visited, unfiltered.
   *
   * Every key present for the whole iteration is returned: each cursor is a
   * live Map iterator, and a Map iterator visits every entry that is there
   * when it passes. A cursor this Db does not hold (evicted past
   * {@link SCAN_CURSOR_CACHE}, idle too long, from before a restart, or made
   * up) restarts the iteration: keys may then come twice, which SCAN allows,
   * but none is missed.
   */
  scanStep(id: number, count: number): [number, string[]] {
    let state = id === 0 ? undefined : this.scans.get(id);
    if (state !== undefined) this.scans.delete(id);
    else state = { it: this.data.keys(), ahead: [], done: false };
    const keys: string[] = [];
    let used = 0;
    while (used < state.ahead.length && keys.length < count) {
      const k = state.ahead[used++]!;
      if (this.data.has(k)) keys.push(k); // read ahead, and gone since
    }
    state.ahead.splice(0, used);
    while (keys.length < count && !state.done) {
      const r = state.it.next();
      if (r.done) state.done = true;
      else keys.push(r.value);
    }
    if (state.ahead.length === 0 && !state.done) {
      // Read one ahead, to answer cursor 0 as soon as the iteration is over.
      const r = state.it.next();
      if (r.done) state.done = true;
      else state.ahead.push(r.value);
    }
    if (state.done && state.ahead.length === 0) return [0, keys];
    const next = this.keyspace.nextCursorId();
    if (this.scans.size >= SCAN_CURSOR_CACHE) this.scans.delete(this.scans.keys().next().value!);
    this.scans.set(next, state);
    return [next, keys];
  }

  /**
   * Moves every held SCAN iterator one key ahead (kept for its next step).
   * Why: a V8 Map iterator that is not advanced keeps every hash table the
   * Map has outgrown since alive (measured: one idle cursor on a 1 M-key
   * database that grew and shrank pinned 240 MB); advancing it moves it to
   * the current table. Only writes rehash a Map, so this runs every 1024
   * writes while iterators are held (and on each activeExpireCycle): an
   * outgrown table stays pinned for at most that long. An iteration idle
   * for {@link SCAN_READ_AHEAD} refreshes is dropped.
   */
  refreshScans(): void {
    this.scanWrites = 0;
    if (this.randomIt !== null && this.randomIt.next().done) this.randomIt = null;
    if (this.evictIt !== null && this.evictIt.next().done) this.evictIt = null;
    if (this.evictTtlIt !== null && this.evictTtlIt.next().done) this.evictTtlIt = null;
    for (const [id, state] of this.scans) {
      if (state.done) continue;
      if (state.ahead.length >= SCAN_READ_AHEAD) {
        this.scans.delete(id);
        continue;
      }
      const r = state.it.next();
      if (r.done) state.done = true;
      else state.ahead.push(r.value);
    }
  }

  /**
   * SWAPDB: this database and `other` exchange their keys, TTLs, metadata,
   * access clocks, SCAN iterations and expiry state (each keeps its index,
   * so a client's SELECT now sees the other's data, as in Redis). The
   * watched keys that exist in either are touched first, as Redis'
   * touchAllWatchedKeysInDb does for both.
   */
  swapWith(other: Db): void {
    if (other === this) return;
    const watches = this.keyspace.watches;
    if (watches.size !== 0) {
      const inEither = (k: string) => this.data.has(k) || other.data.has(k);
      watches.touchExisting(this.index, inEither);
      watches.touchExisting(other.index, inEither);
    }
    [this.data, other.data] = [other.data, this.data];
    for (const d of [this, other]) {
      this.keyspace.dropLive(d);
      if (d.data.size !== 0) this.keyspace.live.push(d);
    }
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.access, other.access] = [other.access, this.access];
    [this.meta, other.meta] = [other.meta, this.meta];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
    [this.expireCursor, other.expireCursor] = [other.expireCursor, this.expireCursor];
    [this.used, other.used] = [other.used, this.used];
    [this.sizes, other.sizes] = [other.sizes, this.sizes];
    [this.dirty, other.dirty] = [other.dirty, this.dirty];
    [this.evictIt, other.evictIt] = [other.evictIt, this.evictIt];
    [this.evictTtlIt, other.evictTtlIt] = [other.evictTtlIt, this.evictTtlIt];
    // Keys waited on may exist now (Redis' scanDatabaseForReadyKeys).
    const blocked = this.keyspace.blocked;
    if (blocked.size !== 0) {
      blocked.signalAll(this.index);
      blocked.signalAll(other.index);
    }
    // The iterators follow their Map; cursor ids are unique per Keyspace, so none collides.
    const mine = [...this.scans];
    this.scans.clear();
    for (const [id, st] of other.scans) this.scans.set(id, st);
    other.scans.clear();
    for (const [id, st] of mine) other.scans.set(id, st);
    [this.randomIt, other.randomIt] = [other.randomIt, this.randomIt];
    [this.scanWrites, other.scanWrites] = [other.scanWrites, this.scanWrites];
  }

  /** Seconds since `key` was last read or written (OBJECT IDLETIME); call {@link Keyspace.trackAccess} first. */
  idleSeconds(key: string, now: number): number {
    const stamp = this.access?.get(key) ?? this.keyspace.accessSince;
    // On the clock writes stamp with, never behind it (see Evictor's populate).
    return lruIdle(lruClock(Math.max(now, this.keyspace.clock())), stamp);
  }

  /** Live SCAN iterations held (for memory accounting). */
  get scanCursors(): number {
    return this.scans.size;
  }

  /**
   * A key picked from a rotating iterator that skips 0-15 keys each time:
   * O(1) amortised on a Map (which has no random access), fair over time,
   * not uniform per call. May be an expired key: the caller checks.
   */
  someKey(): string | undefined {
    const n = this.data.size;
    if (n === 0) return undefined;
    let skip = Math.floor(Math.random() * Math.min(n, 16));
    for (let wraps = 0; wraps < 2; ) {
      if (this.randomIt === null) this.randomIt = this.data.keys();
      const r = this.randomIt.next();
      if (r.done) {
        this.randomIt = null;
        wraps++;
        continue;
      }
      if (skip-- === 0) return r.value;
    }
    return this.data.keys().next().value;
  }
}

/**
 * A snapshot's copy-on-write (rdb/rdb_snapshot.ts): while a BGSAVE holds
 * this keyspace's values, a value a command may change in place is first
 * replaced by a copy, so the snapshot's object keeps the old contents.
 */
export interface CowGuard {
  /** Before `key` of `db` may change in place. */
  detach(db: Db, key: string): void;
}

/** The 16 databases of one shard, and its counters. */
export class Keyspace {
  readonly stats: KeyspaceStats = { expiredKeys: 0, evictedKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };
  readonly config: EngineConfig = { protoMaxBulkLen: 512 * 1024 * 1024, maxKeys: MAX_KEYS_PER_DB, lfuLogFactor: 10, lfuDecayTime: 1 };
  /** Sum of the databases' {@link Db.used}. */
  used = 0;
  /** Some database has keys to {@link settle}. */
  unsettled = false;
  /**
   * What a lookup does with a key whose TTL has passed (Redis'
   * expireIfNeeded): a primary deletes it ("delete"); a replica hides it from
   * its clients without deleting it ("hide": its primary's DEL will), and its
   * master client sees it as it is ("keep"), so the primary's commands apply
   * as they did there. Set by the shard per batch.
   */
  lazyExpire: "delete" | "hide" | "keep" = "delete";
  /** The access maps hold LFU words (an LFU maxmemory policy), not LRU clocks. */
  lfu = false;
  /** Under LFU, the word of keys not accessed since tracking began. */
  lfuSince = 0;
  readonly dbs: readonly Db[];
  /**
   * The databases that hold keys, in no order (kept by Db on the empty ↔
   * non-empty transitions): what the memory sum and eviction walk, instead
   * of all 16 on every write under maxmemory.
   */
  readonly live: Db[] = [];
  /** Who WATCHes which keys of this shard (watch.ts). */
  readonly watches = new Watches();
  /** Who waits in a blocking command on which keys of this shard (blocked_keys.ts). */
  readonly blocked = new BlockedKeys();
  private cursorIds = 0;
  /** LRU clock when access tracking began (-1: not tracking): the idle time of keys not accessed since. */
  accessSince = -1;
  /** notify-keyspace-events' NOTIFY bits (0: no notification is published). */
  notifyFlags = 0;
  /** Where notifications and key changes go (the instance's pub/sub and tracking tables); null: nowhere. */
  events: KeyspaceEvents | null = null;
  /** Set while a snapshot holds this keyspace's values ({@link CowGuard}). */
  cow: CowGuard | null = null;
  /** Key changes since the start (Redis' server.dirty, summed over shards: rdb_changes_since_last_save and the save points). */
  changes = 0;
  /** Unix ms for the access stamps of writes (setKey has no command clock); a test may set its own. */
  clock: () => number = Date.now;

  constructor(databases = 16) {
    const dbs: Db[] = [];
    for (let i = 0; i < databases; i++) dbs.push(new Db(i, this.stats, this));
    this.dbs = dbs;
  }

  /** Removes `db` from {@link live} if it is there. */
  dropLive(db: Db): void {
    const i = this.live.indexOf(db);
    if (i >= 0) this.live.splice(i, 1);
  }

  db(index: number): Db {
    const d = this.dbs[index];
    if (d === undefined) throw new RangeError(`no database ${index}`);
    return d;
  }

  /** Keys in all databases. */
  get size(): number {
    let n = 0;
    for (const d of this.dbs) n += d.size;
    return n;
  }

  /** A fresh SCAN cursor id, unique within this Keyspace. */
  nextCursorId(): number {
    return ++this.cursorIds;
  }

  /**
   * Starts keeping each key's last access (OBJECT IDLETIME's first call
   * does): from then on every lookup and write stamps the key. A key not
   * accessed since counts as idle since tracking began, a lower bound of
   * its real idle time.
   */
  trackAccess(now: number): void {
    if (this.accessSince >= 0) return;
    this.accessSince = lruClock(now);
    this.lfuSince = lfuNew(now);
    for (const d of this.dbs) {
      // Every key gets a slot (eviction samples the table): those not accessed yet count from now.
      const table = (d.access = new AccessTable());
      const word = this.lfu ? this.lfuSince : this.accessSince;
      for (const key of d.data.keys()) table.set(key, word);
    }
  }

  /**
   * Follows maxmemory-policy: an LRU or LFU policy keeps every key's access
   * (LRU clock or LFU counter) from now on. Switching between the two
   * starts the words afresh (Redis reinterprets the old ones for a while).
   */
  setPolicy(policy: string, now: number): void {
    const lfu = policy.endsWith("-lfu");
    if (lfu !== this.lfu) {
      this.lfu = lfu;
      if (this.accessSince >= 0) {
        this.accessSince = -1;
        for (const d of this.dbs) d.access = null;
      }
    }
    // allkeys-random too: its sampling draws from the access table.
    if (lfu || policy.endsWith("-lru") || policy === "allkeys-random") this.trackAccess(now);
  }

  /** Estimates the values changed since the last call ({@link Db.settle}). */
  settle(estimate: Estimator): void {
    if (!this.unsettled) return;
    this.unsettled = false;
    for (const d of this.dbs) d.settle(estimate);
  }

  /**
   * Bytes this shard's data would take in redis-server: keys and values
   * ({@link used}), each database's hash tables, and a dict entry per TTL.
   */
  usedMemory(): number {
    let n = this.used;
    for (const d of this.live) {
      const keys = d.data.size;
      const ttls = d.expires.size;
      n += dictTable(keys) + dictTable(ttls) + ttls * jeSize(DICT_ENTRY);
    }
    return n;
  }

  /** SWAPDB a b (both valid indexes). */
  swap(a: number, b: number): void {
    this.db(a).swapWith(this.db(b));
  }

  /** FLUSHALL. */
  flush(): void {
    for (const d of this.dbs) d.flush();
  }

  /** INFO keyspace figures of the non-empty databases. */
  info(): { db: number; keys: number; expires: number; avgTtl: number }[] {
    return this.dbs.filter((d) => d.size > 0).map((d) => ({ db: d.index, keys: d.size, expires: d.expires.size, avgTtl: d.avgTtl }));
  }
}

const DEL = "DEL";

/**
 * Removes `key` if its TTL has passed, counting it and propagating a DEL
 * (as Redis' expireIfNeeded). True when it was removed (or, on a replica,
 * is to be treated as gone: {@link Keyspace.lazyExpire}).
 */
export function expireIfNeeded(ctx: KeyContext, key: string): boolean {
  const db = ctx.db;
  if (!db.isExpired(key, ctx.now)) return false;
  const mode = db.keyspace.lazyExpire;
  if (mode !== "delete") return mode === "hide";
  db.deleteKey(key);
  db.stats.expiredKeys++;
  notify(db, NOTIFY.EXPIRED, "expired", key);
  ctx.propagate([DEL, key]);
  return true;
}

/**
 * A key's value for a read command: lazy expiry, and keyspace hit/miss
 * counting. It counts as an access to the key (OBJECT IDLETIME) unless
 * `touch` is false (Redis' LOOKUP_NOTOUCH: EXISTS, TYPE, TTL, OBJECT).
 */
export function lookupRead(ctx: KeyContext, key: string, touch = true): Value | undefined {
  const v = lookupReadBytes(ctx, key, touch);
  return v instanceof ByteString ? asString(ctx.db, key, v) : v;
}

/** A key's value for a write command: lazy expiry, no counters; an access to the key. */
export function lookupWrite(ctx: KeyContext, key: string): Value | undefined {
  const v = lookupWriteBytes(ctx, key);
  return v instanceof ByteString ? asString(ctx.db, key, v) : v;
}

/** A bit-edited value back as a string for every other command (byte_string.ts says why). */
function asString(db: Db, key: string, v: ByteString): string {
  const s = v.toString();
  db.convert(key, s);
  return s;
}

/** {@link lookupRead} for the bit and HyperLogLog commands: a {@link ByteString} stays one. */
export function lookupReadBytes(ctx: KeyContext, key: string, touch = true): Value | undefined {
  const db = ctx.db;
  const v = db.data.get(key);
  if (v === undefined || (db.expires.size !== 0 && expireIfNeeded(ctx, key))) {
    db.stats.keyspaceMisses++;
    if (db.keyspace.notifyFlags & NOTIFY.KEY_MISS) notify(db, NOTIFY.KEY_MISS, "keymiss", key);
    return undefined;
  }
  db.stats.keyspaceHits++;
  if (touch && db.access !== null) db.touch(key, ctx.now);
  return v;
}

/** {@link lookupWrite} for the bit and HyperLogLog commands: a {@link ByteString} stays one. */
export function lookupWriteBytes(ctx: KeyContext, key: string): Value | undefined {
  const db = ctx.db;
  const v = db.data.get(key);
  if (v === undefined || (db.expires.size !== 0 && expireIfNeeded(ctx, key))) return undefined;
  if (db.access !== null) db.touch(key, ctx.now);
  return v;
}

export interface ActiveExpireResult {
  sampled: number;
  expired: number;
}

/** Keys sampled per round, and the stale share that makes another round worthwhile (Redis' figures). */
const KEYS_PER_LOOP = 20;
const ACCEPTABLE_STALE = 0.1;

/**
 * Active expiry, as Redis' activeExpireCycle in spirit: sample keys that
 * have a TTL, 20 at a time, continuing where the last cycle stopped, remove
 * the expired ones (counted, DEL propagated through `propagate`), and go on
 * while more than 10% of a round had expired, up to `budget` keys sampled.
 * Also refreshes the database's average TTL estimate for INFO, and its
 * SCAN iterators (Db.refreshScans).
 */
export function activeExpireCycle(
  db: Db,
  now: number,
  budget = 200,
  propagate?: (argv: readonly string[]) => void,
): ActiveExpireResult {
  let sampled = 0;
  let expired = 0;
  db.refreshScans();
  if (db.expires.size === 0) {
    db.avgTtl = 0;
    return { sampled, expired };
  }
  let wrapped = false;
  rounds: while (sampled < budget) {
    let roundSampled = 0;
    let roundExpired = 0;
    let ttlSum = 0;
    let ttlCount = 0;
    while (roundSampled < KEYS_PER_LOOP && sampled < budget) {
      db.expireCursor ??= db.expires.entries();
      const r = db.expireCursor.next();
      if (r.done) {
        db.expireCursor = null;
        if (wrapped || db.expires.size === 0) break rounds;
        wrapped = true;
        continue;
      }
      const [key, at] = r.value;
      roundSampled++;
      sampled++;
      if (now > at) {
        db.deleteKey(key);
        db.stats.expiredKeys++;
        notify(db, NOTIFY.EXPIRED, "expired", key);
        roundExpired++;
        expired++;
        propagate?.([DEL, key]);
      } else {
        ttlSum += Number(at) - now;
        ttlCount++;
      }
    }
    if (ttlCount > 0) {
      // Redis' running average: each round's mean weighs 2%.
      const mean = ttlSum / ttlCount;
      db.avgTtl = db.avgTtl === 0 ? mean : (db.avgTtl / 50) * 49 + mean / 50;
    }
    if (roundSampled === 0 || roundExpired <= roundSampled * ACCEPTABLE_STALE) break;
  }
  return { sampled, expired };
}
