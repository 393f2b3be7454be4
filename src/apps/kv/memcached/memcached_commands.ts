/**
 * memcached's commands on one shard's data: the same {@link Db} (database
 * 0) the Redis commands use, so `set foo` over memcached is `GET foo` over
 * Redis and the other way round. Semantics and replies are memcached
 * 1.6's (items.c, memcached.c's do_store_item / do_add_delta,
 * proto_text.c), checked byte for byte against a real memcached by the
 * differential tests.
 *
 * Per-key metadata memcached has and Redis has not: the 32-bit client
 * flags and the CAS unique, kept in `db.meta` as a {@link McMeta}. Every
 * write of a key's value, by either protocol, clears it (the engine's
 * `Db.modified`), so a Redis SET resets the flags to 0 and the next `gets`
 * hands out a new CAS: a key without metadata gets its CAS on first
 * reading, from a per-shard counter that only grows (and starts from the
 * clock, so a restarted server never hands out a value a client may still
 * hold for that key). TTL-only changes (touch, EXPIRE) keep both, as
 * memcached's touch keeps the CAS.
 *
 * Keys of another type (a Redis hash or list): every memcached command
 * naming one changes nothing and answers {@link WRONGTYPE_LINE}
 * (`SERVER_ERROR WRONGTYPE ...`, Redis' text); a get of several keys
 * answers it instead of the whole reply, as memcached does for its own
 * errors in the middle of a get.
 *
 * Exptime (memcached's realtime()): 0 never expires, negative is already
 * expired, up to 30 days is relative seconds, beyond is a unix time (in
 * the past: expired). An item stored already expired is answered STORED
 * and removed at once. Writes propagate as the Redis commands that replay
 * them (SET ... PXAT, SET ... KEEPTTL, DEL, PEXPIREAT, PERSIST, FLUSHDB),
 * and non-zero flags as an `AGNER.MCFLAGS key flags` record after the SET.
 *
 * @example
 * const ks = new Keyspace();
 * const ctx = new Context(ks.db(0), Date.now());
 * mcStore(ctx, "set", "k", 5, 0, "hi", 0n, 1 << 20); // "STORED\r\n"
 * mcGet(ctx, ["k"], false, false, 0); // ["VALUE k 5 2\r\nhi\r\n"]
 */
import { MCFLAGS } from "../aof/aof_format.js";
import { type CommandSpec, type ExecContext } from "../commands/command.js";
import { ByteString } from "../commands/byte_string.js";
import { type Db, type Keyspace, KeyspaceFull, lookupWrite } from "../commands/db.js";
import { BAD_CHUNK, ITEM_OVERHEAD, type StoreOp, TOO_LARGE, cNumber } from "./memcached_parser.js";
import { type Reply } from "../resp/reply.js";
import { CHUNK_BYTES } from "../resp/resp_writer.js";

/** {@link McMeta.bits}: the item was read since it was stored (memcached's ITEM_FETCHED: `mg h`, `me`'s fetch=). */
export const FETCHED = 1;
/** Marked stale by `md I` or stored stale by `ms I` (ITEM_STALE: `mg` shows X). */
export const STALE = 2;
/** A client was handed the recache token (ITEM_TOKEN_SENT: `mg` shows W once, then Z). */
export const TOKEN_SENT = 4;
/** Stored under a base64 key (`ms ... b`): meta replies show the key base64 again (ITEM_KEY_BINARY). */
export const KEY_BINARY = 8;

/** A memcached key's flags, CAS unique (0: none handed out yet) and item bits ({@link FETCHED}...). */
export class McMeta {
  constructor(
    public flags: number,
    public cas: number,
    public bits = 0,
  ) {}
}

/** memcached's per-thread and slab counters, by their `stats` names, for one shard. */
export class McCounters {
  cmd_get = 0;
  cmd_set = 0;
  cmd_touch = 0;
  get_hits = 0;
  get_misses = 0;
  get_expired = 0;
  delete_misses = 0;
  delete_hits = 0;
  incr_misses = 0;
  incr_hits = 0;
  decr_misses = 0;
  decr_hits = 0;
  cas_misses = 0;
  cas_hits = 0;
  cas_badval = 0;
  touch_hits = 0;
  touch_misses = 0;
  store_too_large = 0;
  store_no_memory = 0;
  total_items = 0;
}

export type McCounterName = keyof McCounters;
export const MC_COUNTER_NAMES = Object.keys(new McCounters()) as McCounterName[];

/** What memcached keeps per shard: its counters. */
export class McShardState {
  readonly counters = new McCounters();
}

/**
 * The last CAS unique handed out, by any shard of any server in this JS
 * realm: one counter, so uniques are unique across keys too, as
 * memcached's are (every shard runs on this thread, so this is safe).
 */
let lastCas = 0;

/**
 * A CAS unique above every one handed out, and above any a previous run of
 * the server handed out (it starts from the clock, 1024 per ms: below 2^53
 * until the year 2248).
 */
export function nextCas(now: number): number {
  lastCas = Math.max(lastCas + 1, now * 1024);
  return lastCas;
}

const states = new WeakMap<Keyspace, McShardState>();

/** The memcached state of a shard's keyspace (it lives as long as the keyspace, so a restarted shard keeps it). */
export function mcState(ks: Keyspace): McShardState {
  let s = states.get(ks);
  if (s === undefined) {
    s = new McShardState();
    states.set(ks, s);
  }
  return s;
}

export const STORED = "STORED\r\n";
export const NOT_STORED = "NOT_STORED\r\n";
export const EXISTS = "EXISTS\r\n";
export const NOT_FOUND = "NOT_FOUND\r\n";
export const DELETED = "DELETED\r\n";
export const TOUCHED = "TOUCHED\r\n";
export const NON_NUMERIC = "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
export const OUT_OF_MEMORY = "SERVER_ERROR out of memory storing object\r\n";
export const TOO_LARGE_LINE = `${TOO_LARGE}\r\n`;
export const BAD_CHUNK_LINE = `${BAD_CHUNK}\r\n`;
/** A memcached command on a hash or list key. */
export const WRONGTYPE_LINE = "SERVER_ERROR WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/** memcached's REALTIME_MAXDELTA: exptimes up to 30 days are relative. */
export const REALTIME_MAXDELTA = 60 * 60 * 24 * 30;
/** Items bigger than memcached's default slab_chunk_max are chunked, and chunked items are never numeric. */
const SLAB_CHUNK_MAX = 512 * 1024;
const U64_MASK = 2n ** 64n - 1n;

/** The absolute expiry (unix ms) of a memcached exptime at `now`: null never, -1 already expired. */
export function expiryOf(exptime: number, now: number): number | null {
  if (exptime === 0) return null;
  if (exptime < 0) return -1;
  const at = exptime <= REALTIME_MAXDELTA ? now + exptime * 1000 : exptime * 1000;
  return at <= now ? -1 : at;
}

export function metaOf(db: Db, key: string): McMeta | undefined {
  return db.meta === null ? undefined : (db.meta.get(key) as McMeta | undefined);
}

export function setMeta(db: Db, key: string, m: McMeta): void {
  (db.meta ??= new Map()).set(key, m);
}

/** The key's CAS unique, handing one out if it has none. */
export function casOf(ctx: ExecContext, key: string): number {
  const db = ctx.db;
  let m = metaOf(db, key);
  if (m === undefined) {
    m = new McMeta(0, 0);
    setMeta(db, key, m);
  }
  if (m.cas === 0) m.cas = nextCas(ctx.now);
  return m.cas;
}

/** The item was read (memcached's do_item_bump): its {@link FETCHED} bit. */
export function markFetched(db: Db, key: string): void {
  const m = metaOf(db, key);
  if (m === undefined) setMeta(db, key, new McMeta(0, 0, FETCHED));
  else m.bits |= FETCHED;
}

/** A string value, undefined when missing (or expired: removed), or null for another type. */
export function lookup(ctx: ExecContext, key: string): string | undefined | null {
  const v = lookupWrite(ctx, key);
  if (v === undefined || typeof v === "string") return v;
  return null;
}

/**
 * Writes a value with its flags and expiry, as a new item (a new CAS), and
 * propagates it. An item already expired replaces what was there by
 * nothing. Throws KeyspaceFull.
 */
export function storeItem(ctx: ExecContext, key: string, value: string, flags: number, at: number | null, keepTtl = false, bits = 0): void {
  const db = ctx.db;
  if (at === -1) {
    if (db.deleteKey(key)) ctx.propagate(["DEL", key]);
    return;
  }
  db.setKey(key, value, keepTtl);
  if (flags !== 0 || bits !== 0) setMeta(db, key, new McMeta(flags, 0, bits));
  if (keepTtl) {
    ctx.propagate(["SET", key, value, "KEEPTTL"]);
  } else if (at !== null) {
    db.setExpire(key, at);
    ctx.propagate(["SET", key, value, "PXAT", String(at)]);
  } else {
    ctx.propagate(["SET", key, value]);
  }
  // Redis has no place for the flags: a record of Agner's own after the SET (which cleared them on replay).
  if (flags !== 0) ctx.propagate([MCFLAGS, key, String(flags)]);
}

/**
 * The item line and data of a hit: `VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n`;
 * for a large value (one set over RESP may be as long as a string can be), the
 * line, the value and the CRLF apart, never joined.
 */
function valueLine(ctx: ExecContext, key: string, v: string, withCas: boolean): string | string[] {
  const m = metaOf(ctx.db, key);
  const flags = m === undefined ? 0 : m.flags;
  const head = `VALUE ${key} ${flags} ${v.length}`;
  const line = withCas ? `${head} ${casOf(ctx, key)}\r\n` : `${head}\r\n`;
  return v.length < CHUNK_BYTES ? line + v + "\r\n" : [line, v, "\r\n"];
}

/** Changes a key's expiry only (touch, gat): the CAS and flags stay. */
export function touchItem(ctx: ExecContext, key: string, at: number | null): void {
  const db = ctx.db;
  if (at === -1) {
    db.deleteKey(key);
    ctx.propagate(["DEL", key]);
  } else if (at === null) {
    if (db.removeExpire(key)) ctx.propagate(["PERSIST", key]);
  } else {
    db.setExpire(key, at);
    ctx.propagate(["PEXPIREAT", key, String(at)]);
  }
}

/**
 * get/gets (`cas`), gat/gats (`touch`, with `exptime`): one reply per key,
 * in order, "" for a miss (a large hit in pieces: see valueLine); or {@link WRONGTYPE_LINE} (nothing read or
 * touched) when a key holds another type. Counted as memcached does: gat
 * counts as a touch, not a get.
 */
export function mcGet(ctx: ExecContext, keys: readonly string[], cas: boolean, touch: boolean, exptime: number): Reply {
  const db = ctx.db;
  for (const k of keys) {
    const v = db.data.get(k);
    if (v !== undefined && typeof v !== "string" && !(v instanceof ByteString) && !db.isExpired(k, ctx.now)) return WRONGTYPE_LINE;
  }
  const c = mcState(db.keyspace).counters;
  const at = touch ? expiryOf(exptime, ctx.now) : null;
  const out: (string | string[])[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (db.isExpired(key, ctx.now)) c.get_expired++;
    const v = lookup(ctx, key) as string | undefined;
    if (v === undefined) {
      if (touch) {
        c.cmd_touch++;
        c.touch_misses++;
      } else {
        c.cmd_get++;
        c.get_misses++;
      }
      out[i] = "";
      continue;
    }
    if (touch) {
      c.cmd_touch++;
      c.touch_hits++;
    } else {
      c.cmd_get++;
      c.get_hits++;
    }
    out[i] = valueLine(ctx, key, v, cas);
    markFetched(db, key);
    if (touch) touchItem(ctx, key, at);
  }
  return out;
}

/** What {@link storeCore} did (memcached's store_item_type, and the wrong type of a Redis key). */
export type StoreStatus = "STORED" | "EXISTS" | "NOT_FOUND" | "NOT_STORED" | "NO_MEMORY" | "WRONGTYPE";

/**
 * The CAS unique of an item just written (handed out now: most writes
 * never need one), or a fresh one when the write left nothing (an item
 * stored already expired), as memcached's item had one.
 */
export function storedCas(ctx: ExecContext, key: string): number {
  return ctx.db.data.has(key) ? casOf(ctx, key) : nextCas(ctx.now);
}

/**
 * memcached's do_store_item for every protocol: `op` is the mode (`cas`
 * for a set or replace given a unique), `cas` the unique given (0n: none).
 * A unique is checked for every mode: add ignores it, append/prepend
 * answer EXISTS on a mismatch, cas on a missing key is NOT_FOUND. With
 * `stale` (meta `ms I`), a unique older than the item's still stores, the
 * item keeping its expiry and marked stale. append/prepend keep the item's
 * flags and expiry and are NOT_STORED past `itemSizeMax`. The counters are
 * memcached's, but for cmd_set, which the callers count (meta
 * arithmetic's autovivify stores without counting one).
 */
export function storeCore(
  ctx: ExecContext,
  op: StoreOp,
  key: string,
  flags: number,
  exptime: number,
  value: string,
  cas: bigint,
  itemSizeMax: number,
  bits = 0,
  stale = false,
): StoreStatus {
  const c = mcState(ctx.db.keyspace).counters;
  const old = lookup(ctx, key);
  if (old === null) return "WRONGTYPE";
  try {
    if (old === undefined) {
      if (op === "cas") {
        c.cas_misses++;
        return "NOT_FOUND";
      }
      if (op !== "set" && op !== "add") return "NOT_STORED";
      storeItem(ctx, key, value, flags, expiryOf(exptime, ctx.now), false, bits);
    } else {
      const oldCas = cas === 0n ? 0 : casOf(ctx, key);
      const res = cas === 0n ? "none" : cas === BigInt(oldCas) ? "match" : stale && cas < BigInt(oldCas) ? "stale" : "badval";
      switch (op) {
        case "add":
          return "NOT_STORED";
        case "cas": {
          if (res === "none" || res === "badval") {
            c.cas_badval++;
            return "EXISTS";
          }
          c.cas_hits++;
          if (res === "stale") {
            const m = metaOf(ctx.db, key);
            storeItem(ctx, key, value, flags, null, true, bits | STALE | (m === undefined ? 0 : m.bits & TOKEN_SENT));
          } else storeItem(ctx, key, value, flags, expiryOf(exptime, ctx.now), false, bits);
          break;
        }
        case "append":
        case "prepend": {
          if (res !== "none" && res !== "match") return "EXISTS";
          const joined = op === "append" ? old + value : value + old;
          if (key.length + joined.length + ITEM_OVERHEAD > itemSizeMax) return "NOT_STORED";
          const m = metaOf(ctx.db, key);
          storeItem(ctx, key, joined, m === undefined ? 0 : m.flags, null, true, bits);
          break;
        }
        default:
          storeItem(ctx, key, value, flags, expiryOf(exptime, ctx.now), false, bits);
      }
    }
  } catch (e) {
    if (e instanceof KeyspaceFull) {
      c.store_no_memory++;
      return "NO_MEMORY";
    }
    throw e;
  }
  c.total_items++;
  return "STORED";
}

const STORE_LINES: Record<StoreStatus, string> = {
  STORED,
  EXISTS,
  NOT_FOUND,
  NOT_STORED,
  NO_MEMORY: OUT_OF_MEMORY,
  WRONGTYPE: WRONGTYPE_LINE,
};

/**
 * set/add/replace/append/prepend/cas (do_store_item). append/prepend keep
 * the item's flags and expiry (the ones given are ignored, as memcached
 * does) and answer NOT_STORED when the result would be over
 * `itemSizeMax`; cas with unique 0 never matches.
 */
export function mcStore(
  ctx: ExecContext,
  op: StoreOp,
  key: string,
  flags: number,
  exptime: number,
  value: string,
  cas: bigint,
  itemSizeMax: number,
): Reply {
  mcState(ctx.db.keyspace).counters.cmd_set++;
  return STORE_LINES[storeCore(ctx, op, key, flags, exptime, value, cas, itemSizeMax)];
}

/** A storage command refused as too large: counted; a set also drops the key's string value, so no stale value stays (memcached does). */
export function mcTooLarge(ctx: ExecContext, op: StoreOp, key: string): Reply {
  mcState(ctx.db.keyspace).counters.store_too_large++;
  if (op === "set" && typeof lookup(ctx, key) === "string") {
    ctx.db.deleteKey(key);
    ctx.propagate(["DEL", key]);
  }
  return TOO_LARGE_LINE;
}

export function mcDelete(ctx: ExecContext, key: string): Reply {
  const c = mcState(ctx.db.keyspace).counters;
  const v = lookup(ctx, key);
  if (v === null) return WRONGTYPE_LINE;
  if (v === undefined) {
    c.delete_misses++;
    return NOT_FOUND;
  }
  ctx.db.deleteKey(key);
  ctx.propagate(["DEL", key]);
  c.delete_hits++;
  return DELETED;
}

/** What {@link arithCore} did: `value` is the new number (status OK; the new CAS is {@link casOf}'s). */
export interface ArithResult {
  readonly status: "OK" | "NON_NUMERIC" | "NOT_FOUND" | "EXISTS" | "WRONGTYPE";
  readonly value: bigint;
}

/**
 * memcached's do_add_delta: the value read as strtoull reads it (leading
 * blanks, then digits, then a blank or the end), incr wrapping at 2^64,
 * decr stopping at 0. A result no longer than the value is written in
 * place, padded with spaces (memcached does: `decr` of "100" by 91 leaves
 * "9  "); a longer one is a new item. Flags and expiry stay; the CAS
 * changes. A unique (`cas`, 0n: none) that does not match is EXISTS.
 * Misses are the callers' to count (an autovivify is not one).
 */
export function arithCore(ctx: ExecContext, incr: boolean, key: string, delta: bigint, cas = 0n): ArithResult {
  const c = mcState(ctx.db.keyspace).counters;
  const old = lookup(ctx, key);
  if (old === null) return { status: "WRONGTYPE", value: 0n };
  if (old === undefined) return { status: "NOT_FOUND", value: 0n };
  if (old.length === 0 || key.length + old.length + ITEM_OVERHEAD > SLAB_CHUNK_MAX) return { status: "NON_NUMERIC", value: 0n };
  if (cas !== 0n && BigInt(casOf(ctx, key)) !== cas) return { status: "EXISTS", value: 0n };
  const z = old.indexOf("\0");
  const cur = cNumber(z < 0 ? old : old.slice(0, z), true);
  if (cur === null) return { status: "NON_NUMERIC", value: 0n };
  let next: bigint;
  if (incr) next = (cur + delta) & U64_MASK;
  else next = delta > cur ? 0n : cur - delta;
  if (incr) c.incr_hits++;
  else c.decr_hits++;
  const text = next.toString();
  const inPlace = text.length <= old.length;
  const value = inPlace ? text + " ".repeat(old.length - text.length) : text;
  const m = metaOf(ctx.db, key);
  // The key exists, so this write cannot overflow the keyspace; in place, the item (its bits) stays.
  storeItem(ctx, key, value, m === undefined ? 0 : m.flags, null, true, m === undefined ? 0 : inPlace ? m.bits : m.bits & KEY_BINARY);
  if (!inPlace) c.total_items++;
  return { status: "OK", value: next };
}

/** incr/decr over text: the number alone, or memcached's error line. */
export function mcArith(ctx: ExecContext, incr: boolean, key: string, delta: bigint): Reply {
  const r = arithCore(ctx, incr, key, delta);
  switch (r.status) {
    case "OK":
      return `${r.value}\r\n`;
    case "NOT_FOUND": {
      const c = mcState(ctx.db.keyspace).counters;
      if (incr) c.incr_misses++;
      else c.decr_misses++;
      return NOT_FOUND;
    }
    case "NON_NUMERIC":
      return NON_NUMERIC;
    case "WRONGTYPE":
      return WRONGTYPE_LINE;
    case "EXISTS":
      return EXISTS;
  }
}

export function mcTouch(ctx: ExecContext, key: string, exptime: number): Reply {
  const c = mcState(ctx.db.keyspace).counters;
  const v = lookup(ctx, key);
  if (v === null) return WRONGTYPE_LINE;
  c.cmd_touch++;
  if (v === undefined) {
    c.touch_misses++;
    return NOT_FOUND;
  }
  markFetched(ctx.db, key);
  touchItem(ctx, key, expiryOf(exptime, ctx.now));
  c.touch_hits++;
  return TOUCHED;
}

/** flush_all's work on one shard: database 0 emptied (as FLUSHDB there), other databases untouched. */
export function mcFlush(ctx: ExecContext): Reply {
  ctx.db.flush();
  ctx.propagate(["FLUSHDB"]);
  return "";
}

/** A malformed data block: memcached counts it in cmd_set before finding out. */
export function mcBadChunk(ctx: ExecContext): Reply {
  mcState(ctx.db.keyspace).counters.cmd_set++;
  return BAD_CHUNK_LINE;
}

// ---------------------------------------------------------------------------
// The same commands as CommandSpecs, so the server's shards run them in a
// Batch like any Redis command. argv carries the request's fields as text.

function spec(name: string, exec: (ctx: ExecContext, argv: readonly string[]) => Reply): CommandSpec {
  return { name, arity: -1, flags: [], firstKey: 1, lastKey: 1, step: 1, route: "key", exec };
}

/** Flag bits of {@link MC_GET}'s argv[1]. */
export const GET_CAS = 1;
export const GET_TOUCH = 2;

/** `["mc_get", bits, exptime, ...keys]` (bits: {@link GET_CAS} | {@link GET_TOUCH}). */
export const MC_GET = spec("mc_get", (ctx, a) => mcGet(ctx, a.slice(3), (Number(a[1]) & GET_CAS) !== 0, (Number(a[1]) & GET_TOUCH) !== 0, Number(a[2])));
/** `["mc_store", op, key, flags, exptime, value, cas, itemSizeMax]`. */
export const MC_STORE = spec("mc_store", (ctx, a) =>
  mcStore(ctx, a[1] as StoreOp, a[2]!, Number(a[3]), Number(a[4]), a[5]!, BigInt(a[6]!), Number(a[7])),
);
/** `["mc_too_large", op, key]`. */
export const MC_TOO_LARGE = spec("mc_too_large", (ctx, a) => mcTooLarge(ctx, a[1] as StoreOp, a[2]!));
/** `["mc_bad_chunk", key]`. */
export const MC_BAD_CHUNK = spec("mc_bad_chunk", (ctx) => mcBadChunk(ctx));
/** `["mc_delete", key]`. */
export const MC_DELETE = spec("mc_delete", (ctx, a) => mcDelete(ctx, a[1]!));
/** `["mc_arith", "incr" | "decr", key, delta]`. */
export const MC_ARITH = spec("mc_arith", (ctx, a) => mcArith(ctx, a[1] === "incr", a[2]!, BigInt(a[3]!)));
/** `["mc_touch", key, exptime]`. */
export const MC_TOUCH = spec("mc_touch", (ctx, a) => mcTouch(ctx, a[1]!, Number(a[2])));
/** `["mc_flush"]`, on every shard. */
export const MC_FLUSH: CommandSpec = { ...spec("mc_flush", (ctx) => mcFlush(ctx)), firstKey: 0, lastKey: 0, step: 0, route: "all" };
