/**
 * memcached 1.6.18's meta commands on one shard's data (proto_text.c's
 * process_mget/mset/mdelete/marithmetic/meta_command): the same items as
 * the text commands, so `ms` then `get` (or Redis' GET) see one value.
 * The parser has checked the line and its flags ({@link metaFlags}); these
 * act on them and write memcached's reply: a status (HD, VA, EN, NF, NS,
 * EX, ME) and the asked-for return flags in the order they were asked, an
 * opaque or the key echoed, then W/X/Z for the recache token and stale
 * items. Quiet mode (`q`) drops the nominal reply (EN for mg, HD for the
 * others) but never an error.
 *
 * Not kept: memcached's last-access time (`l`, `me`'s la=) is LRU
 * bookkeeping (bumped on a second fetch, once a minute at most); here it
 * reads 0.
 *
 * @example
 * mcMetaSet(ctx, "k", ["T0", "c"], "hi", 1 << 20); // "HD c<cas>\r\n"
 * mcMetaGet(ctx, "k", ["v", "f"]);                // "VA 2 f0\r\nhi\r\n"
 */
import { type CommandSpec, type ExecContext } from "../commands/command.js";
import {
  FETCHED,
  KEY_BINARY,
  McMeta,
  NON_NUMERIC,
  OUT_OF_MEMORY,
  STALE,
  TOKEN_SENT,
  WRONGTYPE_LINE,
  arithCore,
  casOf,
  expiryOf,
  lookup,
  mcState,
  metaOf,
  nextCas,
  setMeta,
  storeCore,
  storedCas,
  touchItem,
} from "./memcached_commands.js";
import { META_MAX_OPAQUE, OPAQUE_TOO_LONG, base64Encode, metaFlags } from "./memcached_meta_flags.js";
import { type StoreOp } from "./memcached_parser.js";
import { type Reply } from "../resp/reply.js";
import { CHUNK_BYTES } from "../resp/resp_writer.js";

const ERR_OPAQUE = `${OPAQUE_TOO_LONG}\r\n`;

/** ` k<key>`, base64 and ` b` for a binary key. */
function keyFlag(key: string, binary: boolean): string {
  return binary ? ` k${base64Encode(key)} b` : ` k${key}`;
}

/** The expiry as `t` shows it: -1 for none, else the seconds left (memcached's clock ticks in seconds). */
function ttlOf(at: number | null, now: number): number {
  return at === null ? -1 : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The O and k flags of a miss or a failure: null when an opaque is too long. */
function echo(tokens: readonly string[], key: string, binary: boolean): string | null {
  let s = "";
  for (const t of tokens) {
    if (t[0] === "O") {
      if (t.length > META_MAX_OPAQUE) return null;
      s += ` ${t}`;
    } else if (t[0] === "k") s += keyFlag(key, binary);
  }
  return s;
}

function expiryNow(ctx: ExecContext, key: string): number | null {
  const at = ctx.db.expires.get(key);
  return at === undefined ? null : Number(at);
}

/** Sets the key's expiry if it changed (a past one removes the item). */
function applyExpiry(ctx: ExecContext, key: string, before: number | null, at: number | null): void {
  if (at !== before) touchItem(ctx, key, at);
}

function bitsOf(ctx: ExecContext, key: string): McMeta {
  let m = metaOf(ctx.db, key);
  if (m === undefined) {
    m = new McMeta(0, 0);
    setMeta(ctx.db, key, m);
  }
  return m;
}

/**
 * mg: the item's return flags (s t c f l h O k), its value with v; T sets
 * the expiry (and counts as a touch), N creates a missing item (empty,
 * flags 0) and wins the recache token, R wins it when the item expires
 * before the given time, a stale item wins it for the first client to ask.
 */
export function mcMetaGet(ctx: ExecContext, key: string, tokens: readonly string[]): Reply {
  const f = metaFlags(key, tokens, false);
  const db = ctx.db;
  const c = mcState(db.keyspace).counters;
  if (db.isExpired(key, ctx.now)) c.get_expired++;
  let v = lookup(ctx, key);
  if (v === null) return WRONGTYPE_LINE;
  let created = false;
  if (v === undefined && f.vivify) {
    storeCore(ctx, "add", key, 0, 0, "", 0n, Infinity);
    v = "";
    created = true;
  }
  if (v === undefined) {
    c.cmd_get++;
    c.get_misses++;
    const e = echo(tokens, key, f.binary);
    if (e === null) return ERR_OPAQUE;
    return f.noReply ? "" : `EN${e}\r\n`;
  }
  const m = bitsOf(ctx, key);
  const before = expiryNow(ctx, key);
  let at = before;
  let won = false;
  let ttlSet = false;
  let s = f.value ? `VA ${v.length}` : "HD";
  for (const t of tokens) {
    switch (t[0]) {
      case "T":
        ttlSet = true;
        at = expiryOf(f.exptime, ctx.now);
        break;
      case "N":
        if (created) {
          at = expiryOf(f.autoviv, ctx.now);
          won = true;
        }
        break;
      case "R": {
        const r = expiryOf(f.recache, ctx.now);
        if ((m.bits & TOKEN_SENT) === 0 && !created && at !== null && r !== null && r !== -1 && at < r) won = true;
        break;
      }
      case "s":
        s += ` s${v.length}`;
        break;
      case "t":
        s += ` t${ttlOf(at, ctx.now)}`;
        break;
      case "c":
        s += ` c${casOf(ctx, key)}`;
        break;
      case "f":
        s += ` f${m.flags}`;
        break;
      case "l":
        s += " l0";
        break;
      case "h":
        s += (m.bits & FETCHED) !== 0 ? " h1" : " h0";
        break;
      case "O":
        if (t.length > META_MAX_OPAQUE) {
          applyExpiry(ctx, key, before, at);
          return ERR_OPAQUE;
        }
        s += ` ${t}`;
        break;
      case "k":
        s += keyFlag(key, (m.bits & KEY_BINARY) !== 0);
        break;
    }
  }
  if ((m.bits & TOKEN_SENT) !== 0) s += " Z";
  if ((m.bits & STALE) !== 0) {
    s += " X";
    if ((m.bits & TOKEN_SENT) === 0) won = true;
  }
  if (won) {
    s += " W";
    m.bits |= TOKEN_SENT;
  }
  if (!f.noUpdate) m.bits |= FETCHED;
  applyExpiry(ctx, key, before, at);
  if (ttlSet) {
    c.cmd_touch++;
    c.touch_hits++;
  } else {
    c.cmd_get++;
    c.get_hits++;
  }
  if (!f.value) return `${s}\r\n`;
  return v.length < CHUNK_BYTES ? `${s}\r\n${v}\r\n` : [`${s}\r\n`, v, "\r\n"];
}

const MS_MODES: Record<string, StoreOp> = { "": "set", S: "set", E: "add", A: "append", P: "prepend", R: "replace" };
const MS_CODES = { STORED: "HD", EXISTS: "EX", NOT_FOUND: "NF", NOT_STORED: "NS" } as const;

/** The ms mode of a flag set, or null for one memcached refuses. */
export function msMode(mode: string, hasCas: boolean): StoreOp | null {
  const op = MS_MODES[mode];
  if (op === undefined) return null;
  return hasCas && (op === "set" || op === "replace") ? "cas" : op;
}

/**
 * ms: stores as the mode says (set, E add, A append, P prepend, R
 * replace; a C unique turns set and replace into cas, and with I an older
 * unique still stores, marking the item stale), then HD/NS/EX/NF with the
 * O, k and c (the new unique) flags.
 */
export function mcMetaSet(ctx: ExecContext, key: string, tokens: readonly string[], value: string, itemSizeMax: number): Reply {
  const f = metaFlags(key, tokens, false);
  mcState(ctx.db.keyspace).counters.cmd_set++;
  const op = msMode(f.mode, f.hasCas)!;
  const status = storeCore(ctx, op, key, f.clientFlags, f.exptime, value, f.cas, itemSizeMax, f.binary ? KEY_BINARY : 0, f.setStale && op === "cas");
  if (status === "WRONGTYPE") return WRONGTYPE_LINE;
  if (status === "NO_MEMORY") return OUT_OF_MEMORY;
  if (status === "STORED" && f.noReply) return "";
  const cas = status === "STORED" ? storedCas(ctx, key) : 0;
  let s: string = MS_CODES[status];
  for (const t of tokens) {
    if (t[0] === "O") s += ` ${t}`;
    else if (t[0] === "k") s += keyFlag(key, f.binary);
    else if (t[0] === "c") s += ` c${cas}`;
  }
  return `${s}\r\n`;
}

/**
 * md: deletes (HD), or with I marks the item stale (a new unique, the
 * token free to win again, T's expiry); C must match the item's unique
 * (EX otherwise); NF for a miss.
 */
export function mcMetaDelete(ctx: ExecContext, key: string, tokens: readonly string[]): Reply {
  const f = metaFlags(key, tokens, false);
  const c = mcState(ctx.db.keyspace).counters;
  const e = echo(tokens, key, f.binary);
  if (e === null) return ERR_OPAQUE;
  const v = lookup(ctx, key);
  if (v === null) return WRONGTYPE_LINE;
  if (v === undefined) {
    c.delete_misses++;
    return `NF${e}\r\n`;
  }
  if (f.hasCas && BigInt(casOf(ctx, key)) !== f.cas) {
    c.delete_misses++;
    return `EX${e}\r\n`;
  }
  if (f.setStale) {
    const m = bitsOf(ctx, key);
    m.bits = (m.bits | STALE) & ~TOKEN_SENT;
    m.cas = nextCas(ctx.now);
    if (f.newTtl) touchItem(ctx, key, expiryOf(f.exptime, ctx.now));
  } else {
    ctx.db.deleteKey(key);
    ctx.propagate(["DEL", key]);
    c.delete_hits++;
  }
  return f.noReply ? "" : `HD${e}\r\n`;
}

/**
 * ma: incr (default, MI, M+) or decr (MD, M-) by D (1); C must match; N
 * creates a missing item with J (0); then HD or VA with the number, and
 * the c, t, O, k flags (T sets the expiry).
 */
export function mcMetaArith(ctx: ExecContext, key: string, tokens: readonly string[]): Reply {
  const f = metaFlags(key, tokens, false);
  const c = mcState(ctx.db.keyspace).counters;
  const incr = f.mode !== "D" && f.mode !== "-";
  const r = arithCore(ctx, incr, key, f.delta ?? 1n, f.hasCas ? f.cas : 0n);
  let value = r.value;
  let created = false;
  let status = "";
  switch (r.status) {
    case "WRONGTYPE":
      return WRONGTYPE_LINE;
    case "NON_NUMERIC":
      return NON_NUMERIC;
    case "EXISTS":
      status = "EX";
      break;
    case "NOT_FOUND":
      if (f.vivify) {
        value = f.initial;
        if (storeCore(ctx, "add", key, 0, 0, String(value), 0n, Infinity) === "NO_MEMORY") return "SERVER_ERROR Out of memory allocating new item\r\n";
        created = true;
      } else {
        if (incr) c.incr_misses++;
        else c.decr_misses++;
        status = "NF";
      }
      break;
    case "OK":
      break;
  }
  if (status !== "") {
    const e = echo(tokens, key, f.binary);
    return e === null ? ERR_OPAQUE : `${status}${e}\r\n`;
  }
  const text = String(value);
  let s = f.value ? `VA ${text.length}` : "HD";
  const before = expiryNow(ctx, key);
  let at = before;
  for (const t of tokens) {
    switch (t[0]) {
      case "c":
        s += ` c${casOf(ctx, key)}`;
        break;
      case "t":
        s += ` t${ttlOf(at, ctx.now)}`;
        break;
      case "T":
        at = expiryOf(f.exptime, ctx.now);
        break;
      case "N":
        if (created) at = expiryOf(f.autoviv, ctx.now);
        break;
      case "O":
        if (t.length > META_MAX_OPAQUE) {
          applyExpiry(ctx, key, before, at);
          return ERR_OPAQUE;
        }
        s += ` ${t}`;
        break;
      case "k":
        s += keyFlag(key, f.binary);
        break;
    }
  }
  applyExpiry(ctx, key, before, at);
  // memcached drops a quiet success, but not the reply of an item it just created.
  if (f.noReply && !created) return "";
  return f.value ? `${s}\r\n${text}\r\n` : `${s}\r\n`;
}

/** The size memcached gives an item (ITEM_ntotal: header, key and NUL, value and CRLF, CAS, flags if any). */
function itemTotal(key: string, value: string, flags: number): number {
  return 48 + key.length + 1 + value.length + 2 + 8 + (flags !== 0 ? 4 : 0);
}

/** memcached's default slab classes (-n 48, -f 1.25, 512 KB chunks at most): each class's chunk size. */
const SLAB_SIZES: number[] = (() => {
  const sizes: number[] = [];
  let size = 96;
  while (sizes.length < 62 && size < 524288 / 1.25) {
    if (size % 8 !== 0) size += 8 - (size % 8);
    sizes.push(size);
    size = Math.floor(size * 1.25);
  }
  sizes.push(524288);
  return sizes;
})();

function slabClass(total: number): number {
  for (let i = 0; i < SLAB_SIZES.length; i++) if (total <= SLAB_SIZES[i]!) return i + 1;
  return SLAB_SIZES.length;
}

/** me: memcached's debug line for an item (its expiry as memcached prints it: minus the seconds left), or EN. */
export function mcMetaDebug(ctx: ExecContext, key: string): Reply {
  const db = ctx.db;
  if (db.isExpired(key, ctx.now)) mcState(db.keyspace).counters.get_expired++;
  const v = lookup(ctx, key);
  if (v === null) return WRONGTYPE_LINE;
  if (v === undefined) return "EN\r\n";
  const m = metaOf(db, key);
  const flags = m === undefined ? 0 : m.flags;
  const bits = m === undefined ? 0 : m.bits;
  const at = expiryNow(ctx, key);
  const shown = (bits & KEY_BINARY) !== 0 ? base64Encode(key) : key;
  const total = itemTotal(key, v, flags);
  const exp = at === null ? -1 : -ttlOf(at, ctx.now);
  return `ME ${shown} exp=${exp} la=0 cas=${casOf(ctx, key)} fetch=${(bits & FETCHED) !== 0 ? "yes" : "no"} cls=${slabClass(total)} size=${total}\r\n`;
}

function spec(name: string, exec: (ctx: ExecContext, argv: readonly string[]) => Reply): CommandSpec {
  return { name, arity: -1, flags: [], firstKey: 1, lastKey: 1, step: 1, route: "key", exec };
}

/** `["mc_mg", key, ...flagTokens]`. */
export const MC_MG = spec("mc_mg", (ctx, a) => mcMetaGet(ctx, a[1]!, a.slice(2)));
/** `["mc_ms", key, value, itemSizeMax, ...flagTokens]`. */
export const MC_MS = spec("mc_ms", (ctx, a) => mcMetaSet(ctx, a[1]!, a.slice(4), a[2]!, Number(a[3])));
/** `["mc_md", key, ...flagTokens]`. */
export const MC_MD = spec("mc_md", (ctx, a) => mcMetaDelete(ctx, a[1]!, a.slice(2)));
/** `["mc_ma", key, ...flagTokens]`. */
export const MC_MA = spec("mc_ma", (ctx, a) => mcMetaArith(ctx, a[1]!, a.slice(2)));
/** `["mc_me", key]`. */
export const MC_ME = spec("mc_me", (ctx, a) => mcMetaDebug(ctx, a[1]!));
