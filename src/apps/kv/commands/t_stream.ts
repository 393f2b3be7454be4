/**
 * Stream commands without consumer groups (Redis' t_stream.c): XADD,
 * XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XREAD (BLOCK through
 * blocking.ts). The groups' commands are t_stream_group.ts'.
 *
 * An emptied stream stays (Redis never deletes a stream for being empty).
 */
import { NOTIFY, notify } from "./notify.js";
import { type ExecContext } from "./command.js";
import { lookupRead, lookupWrite } from "./db.js";
import { type Def, ks, ksKeyword } from "./command_def.js";
import { BlockOn, block, hasBlockOption, timeoutMillis } from "./blocking.js";
import { ErrorReply, MapReply, NULL_ARRAY, OK, type Reply } from "../resp/reply.js";
import { SYNTAX_ERROR, WRONGTYPE, arityError, clampIndex, intArg, option } from "./shared.js";
import { type StreamEntry, StreamValue, NODE_MAX_ENTRIES } from "./stream_value.js";
import {
  MAX_ID,
  U64_MAX,
  type StreamId,
  idString,
  parseIdGeneric,
  parseIntervalId,
  parseStrictId,
} from "./stream_id.js";

const NO_SUCH_KEY = new ErrorReply("ERR no such key");
const TOO_LARGE = new ErrorReply("ERR Elements are too large to be stored");
const NOT_GREATER = new ErrorReply("ERR The ID specified in XADD is equal or smaller than the target stream top item");
const ZERO_ID = new ErrorReply("ERR The ID specified in XADD must be greater than 0-0");
const EXHAUSTED = new ErrorReply("ERR The stream has exhausted the last possible ID, unable to add more items");
const BOTH_STRATEGIES = new ErrorReply("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
const MAXLEN_NEGATIVE = new ErrorReply("ERR The MAXLEN argument must be >= 0.");
const LIMIT_NEGATIVE = new ErrorReply("ERR The LIMIT argument must be >= 0.");
const LIMIT_NO_STRATEGY = new ErrorReply("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
const XTRIM_NO_STRATEGY = new ErrorReply("ERR syntax error, XTRIM must be called with a trimming strategy");
const LIMIT_NO_TILDE = new ErrorReply("ERR syntax error, LIMIT cannot be used without the special ~ option");
const BAD_START = new ErrorReply("ERR invalid start ID for the interval");
const BAD_END = new ErrorReply("ERR invalid end ID for the interval");

/** XADD without a trim runs this many entries through an approximate trim at most, as Redis' default LIMIT. */
const DEFAULT_APPROX_LIMIT = 100 * NODE_MAX_ENTRIES;

/** The stream at key for reading: undefined when missing, WRONGTYPE for another type. */
export function readStream(ctx: ExecContext, key: string): StreamValue | undefined | ErrorReply {
  const v = lookupRead(ctx, key);
  if (v === undefined || v instanceof StreamValue) return v;
  return WRONGTYPE;
}

/** The stream at key for writing: undefined when missing, WRONGTYPE for another type. */
export function writeStream(ctx: ExecContext, key: string): StreamValue | undefined | ErrorReply {
  const v = lookupWrite(ctx, key);
  if (v === undefined || v instanceof StreamValue) return v;
  return WRONGTYPE;
}

/** One entry as Redis replies it: `[id, [f1, v1, ...]]`. */
export function entryReply(e: StreamEntry): Reply {
  return [idString(e.id), e.fields];
}

/** XADD's and XTRIM's options (streamAddTrimArgs). */
interface TrimArgs {
  /** 0 none, 1 MAXLEN, 2 MINID. */
  strategy: 0 | 1 | 2;
  approx: boolean;
  maxlen: number;
  minid: StreamId;
  /** 0: no limit. */
  limit: number;
  /** Index of the MAXLEN count / MINID id (the `~` before it is at idx-1). */
  argIdx: number;
  /** Index of LIMIT's word, -1 when not given. */
  limitIdx: number;
  noMkStream: boolean;
  /** XADD: index of the ID argument. */
  idPos: number;
  /** XADD: an explicit ID (not `*`), and whether its sequence was given (not `<ms>-*`). */
  idGiven: boolean;
  seqGiven: boolean;
  id: StreamId;
}

/** streamParseAddOrTrimArgsOrReply. */
function parseTrimArgs(argv: readonly string[], xadd: boolean): TrimArgs | ErrorReply {
  const a: TrimArgs = {
    strategy: 0, approx: false, maxlen: 0, minid: 0n, limit: 0, argIdx: 0, limitIdx: -1,
    noMkStream: false, idPos: argv.length, idGiven: false, seqGiven: true, id: 0n,
  };
  let i = 2;
  let limitGiven = false;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const arg = argv[i]!;
    if (xadd && arg.charCodeAt(0) === 42 && (arg.length === 1 || arg.charCodeAt(1) === 0)) break;
    const opt = option(arg);
    if ((opt === "maxlen" || opt === "minid") && more > 0) {
      if (a.strategy !== 0) return BOTH_STRATEGIES;
      a.approx = false;
      const next = argv[i + 1]!;
      if (more >= 2 && (next.charCodeAt(0) === 126 || next.charCodeAt(0) === 61) && (next.length === 1 || next.charCodeAt(1) === 0)) {
        a.approx = next.charCodeAt(0) === 126;
        i++;
      }
      if (opt === "maxlen") {
        const v = intArg(argv[i + 1]!);
        if (v instanceof ErrorReply) return v;
        if (v < 0) return MAXLEN_NEGATIVE;
        a.maxlen = clampIndex(v);
        a.strategy = 1;
      } else {
        const id = parseStrictId(argv[i + 1]!, 0n);
        if (id instanceof ErrorReply) return id;
        a.minid = id;
        a.strategy = 2;
      }
      i++;
      a.argIdx = i;
    } else if (opt === "limit" && more > 0) {
      const v = intArg(argv[i + 1]!);
      if (v instanceof ErrorReply) return v;
      if (v < 0) return LIMIT_NEGATIVE;
      a.limit = clampIndex(v);
      limitGiven = true;
      a.limitIdx = i;
      i++;
    } else if (xadd && opt === "nomkstream") {
      a.noMkStream = true;
    } else if (xadd) {
      const r = parseIdGeneric(arg, 0n, true, true);
      if (r instanceof ErrorReply) return r;
      a.id = r.id;
      a.seqGiven = r.seqGiven;
      a.idGiven = true;
      break;
    } else {
      return SYNTAX_ERROR;
    }
  }
  a.idPos = i;
  if (a.limit !== 0 && a.strategy === 0) return LIMIT_NO_STRATEGY;
  if (!xadd && a.strategy === 0) return XTRIM_NO_STRATEGY;
  if (limitGiven) {
    if (!a.approx) return LIMIT_NO_TILDE;
  } else {
    a.limit = a.approx ? DEFAULT_APPROX_LIMIT : 0;
  }
  return a;
}

/** Trims `s` as `a` says; returns how many entries went. */
function trimStream(s: StreamValue, a: TrimArgs): number {
  if (a.strategy === 0) return 0;
  return s.trim(a.maxlen, a.strategy === 2 ? a.minid : null, a.approx, a.limit);
}

/**
 * The argv that replays an XADD/XTRIM exactly: an approximate trim as `=`
 * to what it left (the stream's length, or its first ID), without LIMIT.
 */
function replayArgv(argv: readonly string[], s: StreamValue, a: TrimArgs, idArg: string | null): string[] {
  const out = argv.slice();
  if (idArg !== null) out[a.idPos] = idArg;
  if (a.approx) {
    out[a.argIdx - 1] = "=";
    out[a.argIdx] = a.strategy === 1 ? String(s.length) : idString(s.firstId(true) ?? MAX_ID);
  }
  if (a.limitIdx >= 0) out.splice(a.limitIdx, 2);
  return out;
}

function xaddCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const a = parseTrimArgs(argv, true);
  if (a instanceof ErrorReply) return a;
  const fieldPos = a.idPos + 1;
  const n = argv.length - fieldPos;
  if (n < 2 || n % 2 === 1) return arityError("xadd");
  if (a.idGiven && a.seqGiven && a.id === 0n) return ZERO_ID;
  const key = argv[1]!;
  let s = writeStream(ctx, key);
  if (s instanceof ErrorReply) return s;
  if (s === undefined) {
    if (a.noMkStream) return null;
    s = new StreamValue();
    ctx.db.setKey(key, s);
  }
  const last = s.lastId;
  if (last === MAX_ID) return EXHAUSTED;
  let id: StreamId;
  let reply: string | null = null;
  if (!a.idGiven) {
    const t = BigInt(ctx.now) << 64n;
    if (t > last) {
      id = t;
      reply = `${ctx.now}-0`;
    } else {
      id = last + 1n;
    }
  } else if (a.seqGiven) {
    id = a.id;
  } else if (a.id >> 64n === last >> 64n) {
    if ((last & U64_MAX) === U64_MAX) return TOO_LARGE;
    id = last + 1n;
  } else {
    id = a.id;
  }
  if (id <= last) return NOT_GREATER;
  // add() keeps the array (and may point its field names at the node's first entry's)
  s.add(id, argv.slice(fieldPos));
  reply ??= idString(id);
  const trimmed = trimStream(s, a);
  ctx.db.modified(key);
  notify(ctx.db, NOTIFY.STREAM, "xadd", key);
  if (trimmed > 0) notify(ctx.db, NOTIFY.STREAM, "xtrim", key);
  ctx.propagate(a.idGiven && a.seqGiven && !a.approx && a.limitIdx < 0 ? argv : replayArgv(argv, s, a, a.idGiven && a.seqGiven ? null : reply));
  return reply;
}

function xtrimCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const a = parseTrimArgs(argv, false);
  if (a instanceof ErrorReply) return a;
  const s = writeStream(ctx, argv[1]!);
  if (s === undefined) return 0;
  if (s instanceof ErrorReply) return s;
  const deleted = trimStream(s, a);
  if (deleted > 0) {
    ctx.db.modified(argv[1]!);
    notify(ctx.db, NOTIFY.STREAM, "xtrim", argv[1]!);
    ctx.propagate(replayArgv(argv, s, a, null));
  }
  return deleted;
}

function xrangeGeneric(ctx: ExecContext, argv: readonly string[], rev: boolean): Reply {
  const startArg = rev ? argv[3]! : argv[2]!;
  const endArg = rev ? argv[2]! : argv[3]!;
  const start = parseIntervalId(startArg, 0n);
  if (start instanceof ErrorReply) return start;
  let startId = start.id;
  if (start.exclude) {
    if (startId === MAX_ID) return BAD_START;
    startId++;
  }
  const end = parseIntervalId(endArg, U64_MAX);
  if (end instanceof ErrorReply) return end;
  let endId = end.id;
  if (end.exclude) {
    if (endId === 0n) return BAD_END;
    endId--;
  }
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (option(argv[j]!) === "count" && j + 1 < argv.length) {
      const v = intArg(argv[j + 1]!);
      if (v instanceof ErrorReply) return v;
      count = v < 0 ? 0 : clampIndex(v);
      j++;
    } else {
      return SYNTAX_ERROR;
    }
  }
  const s = readStream(ctx, argv[1]!);
  if (s === undefined) return [];
  if (s instanceof ErrorReply) return s;
  if (count === 0) return NULL_ARRAY;
  const entries = rev ? s.range(startId, endId, count < 0 ? 0 : count, true) : s.range(startId, endId, count < 0 ? 0 : count, false);
  return entries.map(entryReply);
}

function xlenCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const s = readStream(ctx, argv[1]!);
  if (s === undefined) return 0;
  if (s instanceof ErrorReply) return s;
  return s.length;
}

function xdelCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const s = writeStream(ctx, key);
  if (s === undefined) return 0;
  if (s instanceof ErrorReply) return s;
  const ids: StreamId[] = [];
  for (let j = 2; j < argv.length; j++) {
    const id = parseStrictId(argv[j]!, 0n);
    if (id instanceof ErrorReply) return id;
    ids.push(id);
  }
  let deleted = 0;
  for (const id of ids) {
    if (!s.delete(id)) continue;
    if (id > s.maxDeletedId) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted > 0) {
    ctx.db.modified(key);
    notify(ctx.db, NOTIFY.STREAM, "xdel", key);
    ctx.propagate(argv);
  }
  return deleted;
}

function xsetidCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const id = parseStrictId(argv[2]!, 0n);
  if (id instanceof ErrorReply) return id;
  let entriesAdded = -1n;
  let maxDeleted = 0n;
  for (let i = 3; i < argv.length; ) {
    const more = argv.length - 1 - i;
    const opt = option(argv[i]!);
    if (opt === "entriesadded" && more > 0) {
      const v = intArg(argv[i + 1]!);
      if (v instanceof ErrorReply) return v;
      if (v < 0) return new ErrorReply("ERR entries_added must be positive");
      entriesAdded = BigInt(v);
    } else if (opt === "maxdeletedid" && more > 0) {
      const m = parseStrictId(argv[i + 1]!, 0n);
      if (m instanceof ErrorReply) return m;
      if (id < m) return new ErrorReply("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      maxDeleted = m;
    } else {
      return SYNTAX_ERROR;
    }
    i += 2;
  }
  const key = argv[1]!;
  const s = writeStream(ctx, key);
  if (s === undefined) return NO_SUCH_KEY;
  if (s instanceof ErrorReply) return s;
  if (s.length > 0) {
    if (id < s.lastEntryId()!) return new ErrorReply("ERR The ID specified in XSETID is smaller than the target stream top item");
    if (entriesAdded !== -1n && BigInt(s.length) > entriesAdded) {
      return new ErrorReply("ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1n) s.entriesAdded = entriesAdded;
  if (maxDeleted !== 0n) s.maxDeletedId = maxDeleted;
  // Not ctx.db.modified: Redis' XSETID does not signal the key (a WATCH on it survives), its entries are unchanged.
  notify(ctx.db, NOTIFY.STREAM, "xsetid", key);
  ctx.propagate(argv);
  return OK;
}

/** Redis serves a blocked XREAD without COUNT this many entries at most. */
const XREAD_BLOCKED_DEFAULT_COUNT = 1000;

function xreadCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  let timeout = -1;
  let count = 0;
  let streamsArg = 0;
  let nStreams = 0;
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const opt = option(argv[i]!);
    if (opt === "block" && more > 0) {
      i++;
      const t = timeoutMillis(argv[i]!);
      if (t instanceof ErrorReply) return t;
      timeout = t;
    } else if (opt === "count" && more > 0) {
      i++;
      const v = intArg(argv[i]!);
      if (v instanceof ErrorReply) return v;
      count = v < 0 ? 0 : clampIndex(v);
    } else if (opt === "streams" && more > 0) {
      streamsArg = i + 1;
      nStreams = argv.length - streamsArg;
      if (nStreams % 2 !== 0) {
        return new ErrorReply("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      nStreams /= 2;
      break;
    } else if (opt === "group" && more >= 2) {
      return new ErrorReply("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
    } else if (opt === "noack") {
      return new ErrorReply("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
    } else {
      return SYNTAX_ERROR;
    }
  }
  if (streamsArg === 0) return SYNTAX_ERROR;
  const streams: (StreamValue | undefined)[] = [];
  const ids: StreamId[] = [];
  for (let k = 0; k < nStreams; k++) {
    const s = readStream(ctx, argv[streamsArg + k]!);
    if (s instanceof ErrorReply) return s;
    streams.push(s);
    const arg = argv[streamsArg + nStreams + k]!;
    if (arg === "$") {
      ids.push(s === undefined ? 0n : s.lastId);
    } else if (arg === ">") {
      return new ErrorReply("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
    } else {
      const id = parseStrictId(arg, 0n);
      if (id instanceof ErrorReply) return id;
      ids.push(id);
    }
  }
  const served: (readonly [Reply, Reply])[] = [];
  for (let k = 0; k < nStreams; k++) {
    // Redis looks every key up again here (INFO's keyspace hits and misses count both).
    lookupRead(ctx, argv[streamsArg + k]!);
    const s = streams[k];
    if (s === undefined || s.length === 0) continue;
    const gt = ids[k]!;
    if (!(s.lastEntryId()! > gt)) continue;
    served.push([argv[streamsArg + k]!, s.range(gt + 1n, MAX_ID, count, false).map(entryReply)]);
  }
  if (served.length > 0) return new MapReply(served, true);
  if (timeout === -1) return NULL_ARRAY;
  const keys: string[] = [];
  const again = ["XREAD", "COUNT", String(count === 0 ? XREAD_BLOCKED_DEFAULT_COUNT : count), "STREAMS"];
  for (let k = 0; k < nStreams; k++) {
    const key = argv[streamsArg + k]!;
    if (!keys.includes(key)) keys.push(key);
    again.push(key);
  }
  for (const id of ids) again.push(idString(id));
  return block(ctx, new BlockOn(keys, timeout, NULL_ARRAY, again));
}

/**
 * XREAD narrowed to one ready key (what a served blocked client runs):
 * `XREAD COUNT n BLOCK 0 STREAMS key id`, the key's first ID in `argv`
 * (BLOCK kept: nothing new leaves the client waiting).
 */
function xreadServeOn(argv: readonly string[], key: string): string[] {
  let count = String(XREAD_BLOCKED_DEFAULT_COUNT);
  let streamsArg = argv.length;
  for (let i = 1; i < argv.length; i++) {
    const opt = option(argv[i]!);
    if (opt === "count") count = argv[++i]!;
    else if (opt === "block") i++;
    else if (opt === "streams") {
      streamsArg = i + 1;
      break;
    }
  }
  const n = (argv.length - streamsArg) / 2;
  for (let k = 0; k < n; k++) {
    if (argv[streamsArg + k] === key) return ["XREAD", "COUNT", count, "BLOCK", "0", "STREAMS", key, argv[streamsArg + n + k]!];
  }
  return ["XREAD", "COUNT", count, "BLOCK", "0", "STREAMS", key, "$"];
}

const TRIM_ARGS = "trim:block?(strategy:oneof(maxlen:pure-token=MAXLEN minid:pure-token=MINID@6.2.0) operator:oneof?(equal:pure-token== approximately:pure-token=~) threshold:string count:integer=LIMIT@6.2.0?)";

export const STREAM_DEFS: Record<string, Def> = {
  xadd: { arity: -5, flags: "write denyoom fast", acl: "stream", tips: "nondeterministic_output", keys: [ks("RW update", 1, 0, 1, 0, "UPDATE instead of INSERT because of the optional trimming feature")], exec: xaddCommand, group: "stream", since: "5.0.0",
    complexity: "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.", summary: "Appends a new entry to a stream",
    args: `key:key nomkstream:pure-token=NOMKSTREAM@6.2.0? ${TRIM_ARGS} id_or_auto:oneof(auto_id:pure-token=* id:string) field_value:block+(field:string value:string)` },
  xrange: { arity: -4, flags: "readonly", acl: "stream", keys: [ks("RO access")], exec: (ctx, argv) => xrangeGeneric(ctx, argv, false), group: "stream", since: "5.0.0",
    complexity: "O(N) with N being the number of elements being returned.", summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval",
    args: "key:key start:string end:string count:integer=COUNT?" },
  xrevrange: { arity: -4, flags: "readonly", acl: "stream", keys: [ks("RO access")], exec: (ctx, argv) => xrangeGeneric(ctx, argv, true), group: "stream", since: "5.0.0",
    complexity: "O(N) with N being the number of elements returned.", summary: "Return a range of elements in a stream, in reverse order",
    args: "key:key end:string start:string count:integer=COUNT?" },
  xlen: { arity: 2, flags: "readonly fast", acl: "stream", keys: [ks("RO")], exec: xlenCommand, group: "stream", since: "5.0.0",
    complexity: "O(1)", summary: "Return the number of entries in a stream", args: "key:key" },
  xdel: { arity: -3, flags: "write fast", acl: "stream", keys: [ks("RW delete")], exec: xdelCommand, group: "stream", since: "5.0.0",
    complexity: "O(1) for each single item to delete in the stream, regardless of the stream size.", summary: "Removes the specified entries from the stream.",
    args: "key:key id:string+" },
  xtrim: { arity: -4, flags: "write", acl: "stream", tips: "nondeterministic_output", keys: [ks("RW delete")], exec: xtrimCommand, group: "stream", since: "5.0.0",
    complexity: "O(N), with N being the number of evicted entries.", summary: "Trims the stream to (approximately if '~' is passed) a certain size",
    args: `key:key ${TRIM_ARGS.replace("trim:block?(", "trim:block(")}` },
  xsetid: { arity: -3, flags: "write denyoom fast", acl: "stream", keys: [ks("RW update")], exec: xsetidCommand, group: "stream", since: "5.0.0",
    complexity: "O(1)", summary: "An internal command for replicating stream values",
    args: "key:key last-id:string entries_added:integer=ENTRIESADDED@7.0.0? max_deleted_entry_id:string=MAXDELETEDID@7.0.0?" },
  xread: { arity: -4, flags: "readonly blocking movablekeys", acl: "stream", keys: [ksKeyword("RO access", "STREAMS", 1, -1, 1, 2)], route: "multi", exec: xreadCommand, serveOn: xreadServeOn, blocks: hasBlockOption,
    group: "stream", since: "5.0.0", complexity: "For each stream mentioned: O(N) with N being the number of elements being returned.",
    summary: "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
    args: "count:integer=COUNT? milliseconds:integer=BLOCK? streams:block=STREAMS(key:key+ id:string+)" },
};
