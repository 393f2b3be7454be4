/**
 * Hash commands (Redis' t_hash.c): HSET, HMSET, HSETNX, HGET, HMGET,
 * HGETALL, HKEYS, HVALS, HDEL, HLEN, HEXISTS, HSTRLEN, HINCRBY,
 * HINCRBYFLOAT, HRANDFIELD, HSCAN. A hash is a Map, so fields come back in insertion order
 * (as Redis' listpack encoding gives them for small hashes).
 */
import { NOTIFY, notify } from "./notify.js";
import { type ExecContext } from "./command.js";
import { type HashValue, lookupRead, lookupWrite } from "./db.js";
import { HASH_LISTPACK_VALUE, isHashtable, markHashtable, noteHashArgs, noteHashSize } from "./hash_value.js";
import { type Def, ks } from "./command_def.js";
import { parseCursor } from "./db_commands.js";
import { stringMatch } from "./glob.js";
import { ErrorReply, MapReply, OK, PairsReply, type Reply } from "../resp/reply.js";
import {
  addInt64,
  addLongDouble,
  INT64_MIN,
  formatLongDouble,
  int64String,
  isInfinite,
  longDoubleFromInt,
  parseInt64,
  parseLongDouble,
} from "./numbers.js";
import {
  INVALID_CURSOR,
  NAN_OR_INFINITY,
  NOT_A_FLOAT,
  OVERFLOW,
  SYNTAX_ERROR,
  WRONGTYPE,
  arityError,
  clampIndex,
  intArg,
  option,
  removeMembers,
} from "./shared.js";

const EMPTY_MAP = new MapReply([]);

/** The hash at key for reading: undefined when missing, WRONGTYPE for another type. */
function readHash(ctx: ExecContext, key: string): HashValue | undefined | ErrorReply {
  const v = lookupRead(ctx, key);
  if (v === undefined || v instanceof Map) return v;
  return WRONGTYPE;
}

/** hashTypeLookupWriteOrCreate: the hash at key, created (and added) when missing. */
function writeHash(ctx: ExecContext, key: string): HashValue | ErrorReply {
  const v = lookupWrite(ctx, key);
  if (v instanceof Map) return v;
  if (v !== undefined) return WRONGTYPE;
  const h: HashValue = new Map();
  ctx.db.setKey(key, h);
  return h;
}

/** hashTypeSet for HINCRBY/HINCRBYFLOAT: a long field converts, and so do too many fields. */
function setCounted(h: HashValue, field: string, value: string): void {
  if (field.length > HASH_LISTPACK_VALUE || value.length > HASH_LISTPACK_VALUE) markHashtable(h);
  h.set(field, value);
  noteHashSize(h);
}

function hsetGeneric(ctx: ExecContext, argv: readonly string[], name: string): Reply {
  if (argv.length % 2 === 1) return arityError(name);
  const h = writeHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  noteHashArgs(h, argv, 2, argv.length - 1);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (!h.has(argv[i]!)) created++;
    h.set(argv[i]!, argv[i + 1]!);
  }
  if (created > 0) noteHashSize(h);
  ctx.db.modified(argv[1]!);
  notify(ctx.db, NOTIFY.HASH, "hset", argv[1]!);
  ctx.propagate(argv);
  return name === "hset" ? created : OK;
}

export function hsetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return hsetGeneric(ctx, argv, "hset");
}

export function hmsetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return hsetGeneric(ctx, argv, "hmset");
}

export function hsetnxCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = writeHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  if (h.has(argv[2]!)) return 0;
  noteHashArgs(h, argv, 2, 3);
  h.set(argv[2]!, argv[3]!);
  noteHashSize(h);
  ctx.db.modified(argv[1]!);
  notify(ctx.db, NOTIFY.HASH, "hset", argv[1]!);
  ctx.propagate(argv);
  return 1;
}

export function hgetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return null;
  if (h instanceof ErrorReply) return h;
  return h.get(argv[2]!) ?? null;
}

export function hmgetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  const out = new Array<Reply>(argv.length - 2);
  for (let i = 2; i < argv.length; i++) out[i - 2] = h?.get(argv[i]!) ?? null;
  return out;
}

export function hgetallCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return EMPTY_MAP;
  if (h instanceof ErrorReply) return h;
  return new MapReply([...h]);
}

export function hkeysCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return [];
  if (h instanceof ErrorReply) return h;
  return [...h.keys()];
}

export function hvalsCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return [];
  if (h instanceof ErrorReply) return h;
  return [...h.values()];
}

export function hdelCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v === undefined) return 0;
  if (!(v instanceof Map)) return WRONGTYPE;
  return removeMembers(ctx, key, v, argv, NOTIFY.HASH, "hdel");
}

export function hlenCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  return h.size;
}

export function hexistsCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  return h.has(argv[2]!) ? 1 : 0;
}

export function hstrlenCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return 0;
  if (h instanceof ErrorReply) return h;
  return h.get(argv[2]!)?.length ?? 0;
}

export function hincrbyCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const incr = intArg(argv[3]!);
  if (incr instanceof ErrorReply) return incr;
  const h = writeHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  const cur = h.get(argv[2]!);
  const old = cur === undefined ? 0 : parseInt64(cur);
  if (old === null) return new ErrorReply("ERR hash value is not an integer");
  const sum = addInt64(old, incr);
  if (sum === null) return OVERFLOW;
  setCounted(h, argv[2]!, int64String(sum));
  ctx.db.modified(argv[1]!);
  notify(ctx.db, NOTIFY.HASH, "hincrby", argv[1]!);
  ctx.propagate(argv);
  return sum;
}

export function hincrbyfloatCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const incr = parseLongDouble(argv[3]!);
  if (incr === null) return NOT_A_FLOAT;
  if (isInfinite(incr)) return new ErrorReply("ERR value is NaN or Infinity");
  const h = writeHash(ctx, argv[1]!);
  if (h instanceof ErrorReply) return h;
  const cur = h.get(argv[2]!);
  const old = cur === undefined ? longDoubleFromInt(0) : parseLongDouble(cur);
  if (old === null) return new ErrorReply("ERR hash value is not a float");
  const sum = addLongDouble(old, incr);
  if (sum === null || isInfinite(sum)) return NAN_OR_INFINITY;
  const text = formatLongDouble(sum);
  setCounted(h, argv[2]!, text);
  ctx.db.modified(argv[1]!);
  notify(ctx.db, NOTIFY.HASH, "hincrbyfloat", argv[1]!);
  ctx.propagate(["HSET", argv[1]!, argv[2]!, text]);
  return text;
}

// ---------------------------------------------------------------------------
// HRANDFIELD, HSCAN

const VALUE_OUT_OF_RANGE = new ErrorReply("ERR value is out of range");
const NOT_MINUS_LONG_MAX = new ErrorReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
/** -LONG_MAX/2 .. LONG_MAX/2: what Redis accepts with WITHVALUES (the reply doubles the count). */
const HALF_LONG = 2n ** 62n - 1n;
/**
 * The most elements a repeating HRANDFIELD answers here: Redis would stream
 * up to 2^63 (until the client's output limit closes it); this answers
 * "value is out of range" instead of building such an array.
 */
const MAX_RANDOM_REPLY = 2 ** 26;

function randomIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

/**
 * HRANDFIELD key [count [WITHVALUES]]: one random field (bulk or null), or
 * `count` distinct fields (all when count >= size, in the hash's order, as
 * Redis answers), or -count fields that may repeat. With values: pairs,
 * flat in RESP2 and nested in RESP3.
 */
export function hrandfieldCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  if (argv.length < 3) {
    const h = readHash(ctx, argv[1]!);
    if (h === undefined) return null;
    if (h instanceof ErrorReply) return h;
    const i = randomIndex(h.size);
    let k = 0;
    for (const f of h.keys()) if (k++ === i) return f;
    return null;
  }
  const l = intArg(argv[2]!);
  if (l instanceof ErrorReply) return l;
  if (l === INT64_MIN) return NOT_MINUS_LONG_MAX;
  let withValues = false;
  if (argv.length > 4 || (argv.length === 4 && option(argv[3]!) !== "withvalues")) return SYNTAX_ERROR;
  if (argv.length === 4) {
    withValues = true;
    if (BigInt(l) < -HALF_LONG || BigInt(l) > HALF_LONG) return VALUE_OUT_OF_RANGE;
  }
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return [];
  if (h instanceof ErrorReply) return h;
  if (l == 0) return [];
  const size = h.size;
  const fields = [...h.keys()];
  if (l < 0 || l == 1) {
    const count = l < 0 ? -Number(l) : 1;
    if (count > MAX_RANDOM_REPLY) return VALUE_OUT_OF_RANGE;
    if (withValues) {
      const out = new Array<Reply>(2 * count);
      for (let i = 0; i < count; i++) {
        const f = fields[randomIndex(size)]!;
        out[2 * i] = f;
        out[2 * i + 1] = h.get(f)!;
      }
      return new PairsReply(out);
    }
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = fields[randomIndex(size)]!;
    return out;
  }
  let picked: string[];
  if (l >= size) {
    picked = fields;
  } else {
    // A partial Fisher-Yates shuffle: `count` distinct fields in random order.
    const count = Number(l);
    for (let i = 0; i < count; i++) {
      const j = i + randomIndex(size - i);
      const t = fields[i]!;
      fields[i] = fields[j]!;
      fields[j] = t;
    }
    picked = fields.slice(0, count);
  }
  if (!withValues) return picked;
  return new PairsReply(picked.flatMap((f) => [f, h.get(f)!]));
}

/** Live HSCAN iterations over hashtable hashes, per database, by cursor id. */
interface HScanState {
  readonly hash: HashValue;
  readonly it: Iterator<string>;
  /** A field read ahead, so that the step that ends the iteration answers cursor 0. */
  ahead: string | undefined;
}

const HSCANS = new WeakMap<object, Map<number, HScanState>>();
/** Iterations one database keeps (least recently used dropped first: its cursor then restarts). */
const HSCAN_CURSORS = 1024;
const EMPTY_SCAN: Reply = ["0", []];

/**
 * HSCAN key cursor [MATCH pattern] [COUNT count]. A listpack hash (see
 * hash_value.ts) answers every field at once with cursor 0, as Redis does.
 * A hashtable one is walked by a Map iterator kept under the cursor, which
 * visits every field present for the whole scan; an unknown cursor (evicted,
 * from another hash, made up) starts over, which may repeat fields but
 * misses none.
 */
export function hscanCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const cursor = parseCursor(argv[2]!);
  if (cursor === null) return INVALID_CURSOR;
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return EMPTY_SCAN;
  if (h instanceof ErrorReply) return h;
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < argv.length; i += 2) {
    const opt = option(argv[i]!);
    if (opt === "count" && i + 1 < argv.length) {
      const n = intArg(argv[i + 1]!);
      if (n instanceof ErrorReply) return n;
      if (n < 1) return SYNTAX_ERROR;
      count = clampIndex(n);
    } else if (opt === "match" && i + 1 < argv.length) {
      pattern = argv[i + 1] === "*" ? null : argv[i + 1]!;
    } else {
      return SYNTAX_ERROR;
    }
  }
  const out: string[] = [];
  const add = (f: string) => {
    if (pattern === null || stringMatch(pattern, f)) out.push(f, h.get(f)!);
  };
  if (!isHashtable(h)) {
    for (const f of h.keys()) add(f);
    return ["0", out];
  }
  let scans = HSCANS.get(ctx.db);
  if (scans === undefined) HSCANS.set(ctx.db, (scans = new Map()));
  const id = cursor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(cursor) : -1;
  let state = scans.get(id);
  if (state !== undefined) scans.delete(id);
  if (state === undefined || state.hash !== h) state = { hash: h, it: h.keys(), ahead: undefined };
  let n = 0;
  if (state.ahead !== undefined) {
    if (h.has(state.ahead)) {
      add(state.ahead);
      n++;
    }
    state.ahead = undefined;
  }
  let done = false;
  while (n < count) {
    const r = state.it.next();
    if (r.done) {
      done = true;
      break;
    }
    add(r.value);
    n++;
  }
  if (!done) {
    const r = state.it.next();
    if (r.done) done = true;
    else state.ahead = r.value;
  }
  if (done) return ["0", out];
  const next = ctx.db.keyspace.nextCursorId();
  if (scans.size >= HSCAN_CURSORS) scans.delete(scans.keys().next().value!);
  scans.set(next, state);
  return [String(next), out];
}

const RO_ACCESS = ks("RO access");

/** The hash commands this file adds to the table (HSET ... HINCRBYFLOAT are in command_table.ts). */
export const HASH_DEFS: Record<string, Def> = {
  hrandfield: { arity: -2, flags: "readonly", acl: "hash", tips: "nondeterministic_output", keys: [RO_ACCESS], exec: hrandfieldCommand,
    group: "hash", since: "6.2.0", complexity: "O(N) where N is the size of the hash",
    summary: "Returns random fields of a hash, optionally with their values.",
    args: "key:key options:block?(count:integer withvalues:pure-token=WITHVALUES?)" },
  hscan: { arity: -3, flags: "readonly", acl: "hash", tips: "nondeterministic_output", keys: [RO_ACCESS], exec: hscanCommand,
    group: "hash", since: "2.8.0", complexity: "O(1) per call, O(N) for a complete iteration",
    summary: "Iterates over the fields and values of a hash.",
    args: "key:key cursor:integer pattern:pattern=MATCH? count:integer=COUNT?" },
};
