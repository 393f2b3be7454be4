/**
 * Stream consumer group commands (the second half of Redis' t_stream.c):
 * XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO.
 *
 * Propagation follows Redis so that an AOF replay recreates every PEL:
 * XREADGROUP, XCLAIM and XAUTOCLAIM never propagate themselves but one
 * `XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID LASTID
 * last` per entry delivered, claimed or dropped, plus `XGROUP SETID ...
 * ENTRIESREAD n` where the group's last ID moved without one (NOACK,
 * XCLAIM's LASTID) and `XGROUP CREATECONSUMER` for a consumer NOACK made.
 * Like Redis, only XGROUP CREATE MKSTREAM signals the key as modified
 * (WATCH): the group commands change a stream's groups, not its entries.
 */
import { NOTIFY, notify } from "./notify.js";
import { type ExecContext } from "./command.js";
import { lookupRead, lookupWrite } from "./db.js";
import { type Def, ks, ksKeyword } from "./command_def.js";
import { BlockOn, block, hasBlockOption, timeoutMillis } from "./blocking.js";
import { ErrorReply, MapReply, NULL_ARRAY, OK, type Reply, SimpleString } from "../resp/reply.js";
import { SYNTAX_ERROR, WRONGTYPE, cstr, intArg, option } from "./shared.js";
import { type Int64, parseInt64 } from "./numbers.js";
import { MAX_ID, type StreamId, idString, nextId, parseId, parseIntervalId, parseStrictId, prevId } from "./stream_id.js";
import { StreamValue } from "./stream_value.js";
import { ConsumerGroup, type Consumer, INVALID_ENTRIES_READ, Nack, incrementCount, sortedNames } from "./stream_cg.js";
import { rtreeKeys, rtreeNodes } from "./stream_rax.js";

const NO_SUCH_KEY = new ErrorReply("ERR no such key");

function lookupGroup(s: StreamValue, name: string): ConsumerGroup | undefined {
  return s.groups?.get(name);
}

/** addReplySubcommandSyntaxError. */
function subcommandSyntax(argv: readonly string[]): ErrorReply {
  return new ErrorReply(
    `ERR unknown subcommand or wrong number of arguments for '${cstr(argv[1]!).slice(0, 128)}'. Try ${cstr(argv[0]!).toUpperCase()} HELP.`,
  );
}

/** addReplyHelp. */
function helpReply(argv: readonly string[], lines: readonly string[]): Reply {
  return [
    new SimpleString(`${cstr(argv[0]!).toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`),
    ...lines.map((l) => new SimpleString(l)),
    new SimpleString("HELP"),
    new SimpleString("    Prints this help."),
  ];
}

function noGroupKey(key: string, group: string, suffix = ""): ErrorReply {
  return new ErrorReply(`NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(group)}'${suffix}`);
}

function noGroupFor(group: string, key: string): ErrorReply {
  return new ErrorReply(`NOGROUP No such consumer group '${cstr(group)}' for key name '${cstr(key)}'`);
}

/** The stream at key for a read (counts a hit or miss): undefined when missing, WRONGTYPE for another type. */
function readStream(ctx: ExecContext, key: string): StreamValue | undefined | ErrorReply {
  const v = lookupRead(ctx, key);
  if (v === undefined || v instanceof StreamValue) return v;
  return WRONGTYPE;
}

function entryReply(id: StreamId, fields: readonly string[]): Reply {
  return [idString(id), fields];
}

// --- group bookkeeping (streamRangeHasTombstones, lag, read counters) -------

/** The recorded first ID: the first entry's, 0-0 when empty. */
function firstIdOf(s: StreamValue): StreamId {
  return s.firstId() ?? 0n;
}

/** streamRangeHasTombstones(s, start, NULL). */
function hasTombstonesFrom(s: StreamValue, start: StreamId): boolean {
  if (s.length === 0 || s.maxDeletedId === 0n) return false;
  if (firstIdOf(s) > s.maxDeletedId) return false;
  return start <= s.maxDeletedId;
}

/** streamEstimateDistanceFromFirstEverEntry: the read counter of `id`, or INVALID_ENTRIES_READ. */
export function estimateEntriesRead(s: StreamValue, id: StreamId): bigint {
  const added = BigInt(s.entriesAdded);
  if (added === 0n) return 0n;
  if (s.length === 0 && id <= s.lastId) return added;
  if (id === s.lastId) return added;
  if (id > s.lastId) return INVALID_ENTRIES_READ;
  const first = firstIdOf(s);
  if (s.maxDeletedId === 0n || s.maxDeletedId < first) {
    if (id < first) return added - BigInt(s.length);
    if (id === first) return added - BigInt(s.length) + 1n;
  }
  return INVALID_ENTRIES_READ;
}

/** streamReplyWithCGLag: the group's lag, null when unknown (long long arithmetic, wrapping as in C). */
function lagOf(s: StreamValue, g: ConsumerGroup): Reply {
  const added = BigInt(s.entriesAdded);
  if (added === 0n) return 0;
  if (g.entriesRead !== INVALID_ENTRIES_READ && !hasTombstonesFrom(s, g.lastId)) return int(BigInt.asIntN(64, added - g.entriesRead));
  const read = estimateEntriesRead(s, g.lastId);
  return read === INVALID_ENTRIES_READ ? null : int(BigInt.asIntN(64, added - read));
}

/** A bigint reply as a number when safe. */
function int(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function entriesReadReply(g: ConsumerGroup): Reply {
  return g.entriesRead === INVALID_ENTRIES_READ ? null : int(g.entriesRead);
}

/** XCLAIM's and XAUTOCLAIM's new owner, created (and its event sent) on first use, as Redis does. */
function consumerOf(ctx: ExecContext, key: string, g: ConsumerGroup, name: string, now: number): Consumer {
  const c = g.lookupConsumer(name, now);
  if (c !== undefined) return c;
  notify(ctx.db, NOTIFY.STREAM, "xgroup-createconsumer", key);
  return g.createConsumer(name, now)!;
}

/** The XCLAIM Redis propagates for one pending entry (streamPropagateXCLAIM). */
function propagateClaim(ctx: ExecContext, key: string, groupName: string, g: ConsumerGroup, idArg: string, nack: Nack): void {
  ctx.propagate([
    "XCLAIM", key, groupName, nack.consumer!.name, "0", idArg, "TIME", String(nack.deliveryTime),
    "RETRYCOUNT", String(nack.deliveryCount), "FORCE", "JUSTID", "LASTID", idString(g.lastId),
  ]);
}

/** streamPropagateGroupID. */
function propagateGroupId(ctx: ExecContext, key: string, groupName: string, g: ConsumerGroup): void {
  ctx.propagate(["XGROUP", "SETID", key, groupName, idString(g.lastId), "ENTRIESREAD", String(g.entriesRead)]);
}

// --- XGROUP ---------------------------------------------------------------

const XGROUP_HELP = [
  "CREATE <key> <groupname> <id|$> [option]",
  "    Create a new consumer group. Options are:",
  "    * MKSTREAM",
  "      Create the empty stream if it does not exist.",
  "    * ENTRIESREAD entries_read",
  "      Set the group's entries_read counter (internal use).",
  "CREATECONSUMER <key> <groupname> <consumer>",
  "    Create a new consumer in the specified group.",
  "DELCONSUMER <key> <groupname> <consumer>",
  "    Remove the specified consumer.",
  "DESTROY <key> <groupname>",
  "    Remove the specified group.",
  "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
  "    Set the current group ID and entries_read counter.",
];

/** XGROUP CREATE | SETID | DESTROY | CREATECONSUMER | DELCONSUMER | HELP (xgroupCommand). */
export function xgroupCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const opt = option(argv[1]!);
  const argc = argv.length;
  let s: StreamValue | null = null;
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  let g: ConsumerGroup | undefined;
  if (argc >= 4) {
    const create = opt === "create";
    const setid = opt === "setid";
    for (let i = 5; i < argc; ) {
      const o = option(argv[i]!);
      if (create && o === "mkstream") {
        mkstream = true;
        i++;
      } else if ((create || setid) && o === "entriesread" && i + 1 < argc) {
        const v = intArg(argv[i + 1]!);
        if (v instanceof ErrorReply) return v;
        if (v < 0 && v !== -1) return new ErrorReply("ERR value for ENTRIESREAD must be positive or -1");
        entriesRead = BigInt(v);
        i += 2;
      } else {
        return subcommandSyntax(argv);
      }
    }
    const v = lookupWrite(ctx, argv[2]!);
    if (v !== undefined) {
      if (!(v instanceof StreamValue)) return WRONGTYPE;
      s = v;
    }
    if (!mkstream) {
      if (s === null) {
        return new ErrorReply(
          "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
        );
      }
      g = lookupGroup(s, argv[3]!);
      if (g === undefined && (opt === "setid" || opt === "createconsumer" || opt === "delconsumer")) return noGroupFor(argv[3]!, argv[2]!);
    }
  }
  const key = argv[2]!;
  const name = argv[3]!;
  if (argc === 2 && opt === "help") return helpReply(argv, XGROUP_HELP);
  if (opt === "create" && argc >= 5 && argc <= 8) {
    let id: StreamId;
    if (argv[4] === "$") id = s?.lastId ?? 0n;
    else {
      const r = parseStrictId(argv[4]!, 0n);
      if (r instanceof ErrorReply) return r;
      id = r;
    }
    if (s === null) {
      s = new StreamValue();
      ctx.db.setKey(key, s);
    }
    if (s.groups === null) s.groups = new Map();
    const groups = s.groups!;
    if (groups.has(name)) return new ErrorReply("BUSYGROUP Consumer Group name already exists");
    groups.set(name, new ConsumerGroup(id, entriesRead));
    notify(ctx.db, NOTIFY.STREAM, "xgroup-create", key);
    ctx.propagate(argv);
    return OK;
  }
  if (opt === "setid" && (argc === 5 || argc === 7)) {
    let id: StreamId;
    if (argv[4] === "$") id = s!.lastId;
    else {
      const r = parseId(argv[4]!, 0n);
      if (r instanceof ErrorReply) return r;
      id = r;
    }
    g!.lastId = id;
    g!.entriesRead = entriesRead;
    notify(ctx.db, NOTIFY.STREAM, "xgroup-setid", key);
    ctx.propagate(argv);
    return OK;
  }
  if (opt === "destroy" && argc === 4) {
    if (g === undefined) return 0;
    s!.groups!.delete(name);
    // Not a change WATCH sees (as in Redis), but its blocked XREADGROUPs learn of it.
    ctx.db.signalReady(argv[2]!);
    notify(ctx.db, NOTIFY.STREAM, "xgroup-destroy", key);
    ctx.propagate(argv);
    return 1;
  }
  if (opt === "createconsumer" && argc === 5) {
    if (g!.createConsumer(argv[4]!, ctx.now) === null) return 0;
    notify(ctx.db, NOTIFY.STREAM, "xgroup-createconsumer", key);
    ctx.propagate(argv);
    return 1;
  }
  if (opt === "delconsumer" && argc === 5) {
    const c = g!.lookupConsumer(argv[4]!, undefined);
    if (c === undefined) return 0;
    const pending = c.pel.size;
    g!.deleteConsumer(c);
    notify(ctx.db, NOTIFY.STREAM, "xgroup-delconsumer", key);
    ctx.propagate(argv);
    return pending;
  }
  return subcommandSyntax(argv);
}

// --- XREADGROUP -------------------------------------------------------------

/** XREAD_BLOCKED_DEFAULT_COUNT: the COUNT of a blocked read without one. */
const BLOCKED_DEFAULT_COUNT = 1000;

interface ReadGroupArgs {
  timeout: number;
  count: number;
  noack: boolean;
  streamsAt: number;
  streams: number;
  group: string;
  consumer: string;
}

/** xreadCommand's argument loop, as XREADGROUP runs it. */
function parseReadGroup(ctx: ExecContext, argv: readonly string[]): ReadGroupArgs | ErrorReply {
  let timeout = -1;
  let count = 0;
  let noack = false;
  let streamsAt = 0;
  let streams = 0;
  let group: string | null = null;
  let consumer = "";
  const argc = argv.length;
  for (let i = 1; i < argc; i++) {
    const more = argc - i - 1;
    const o = option(argv[i]!);
    if (o === "block" && more > 0) {
      i++;
      const t = timeoutMillis(argv[i]!);
      if (t instanceof ErrorReply) return t;
      timeout = t;
    } else if (o === "count" && more > 0) {
      i++;
      const c = intArg(argv[i]!);
      if (c instanceof ErrorReply) return c;
      count = c < 0 ? 0 : typeof c === "bigint" ? Number.MAX_SAFE_INTEGER : c;
    } else if (o === "streams" && more > 0) {
      streamsAt = i + 1;
      streams = argc - streamsAt;
      if (streams % 2 !== 0) {
        return new ErrorReply("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      streams /= 2;
      break;
    } else if (o === "group" && more >= 2) {
      group = argv[i + 1]!;
      consumer = argv[i + 2]!;
      i += 2;
    } else if (o === "noack") {
      noack = true;
    } else {
      return SYNTAX_ERROR;
    }
  }
  if (streamsAt === 0) return SYNTAX_ERROR;
  if (group === null) return new ErrorReply("ERR Missing GROUP option for XREADGROUP");
  return { timeout, count, noack, streamsAt, streams, group, consumer };
}

const STREAM_GONE = new ErrorReply("UNBLOCKED the stream key no longer exists");
const GROUP_GONE = new ErrorReply("NOGROUP the consumer group this client was blocked on no longer exists");

/** XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id... */
export function xreadgroupCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const a = parseReadGroup(ctx, argv);
  if (a instanceof ErrorReply) return a;
  const { streamsAt, streams, group: groupName, consumer: consumerName, noack, count } = a;
  const groups: ConsumerGroup[] = [];
  /** Per stream: the ID to read after, or null for `>`. */
  const ids: (StreamId | null)[] = [];
  for (let i = streamsAt + streams; i < argv.length; i++) {
    const key = argv[i - streams]!;
    const s = readStream(ctx, key);
    // A blocked client served again (blocking.ts) learns what became of its stream as Redis tells it.
    if (ctx.serving === true && (s === undefined || s instanceof ErrorReply)) return STREAM_GONE;
    if (s instanceof ErrorReply) return s;
    const g = s === undefined ? undefined : lookupGroup(s, groupName);
    if (g === undefined && ctx.serving === true) return GROUP_GONE;
    if (g === undefined) return noGroupKey(key, groupName, " in XREADGROUP with GROUP option");
    groups.push(g);
    const arg = argv[i]!;
    if (arg === "$") {
      return new ErrorReply(
        "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
      );
    }
    if (arg === ">") {
      ids.push(null);
      continue;
    }
    const id = parseStrictId(arg, 0n);
    if (id instanceof ErrorReply) return id;
    // Redis marks `>` with the greatest ID: given explicitly, it reads as `>`.
    ids.push(id === MAX_ID ? null : id);
  }
  const out: [Reply, Reply][] = [];
  for (let i = 0; i < streams; i++) {
    const key = argv[streamsAt + i]!;
    const s = lookupRead(ctx, key) as StreamValue;
    const g = groups[i]!;
    const after = ids[i]!;
    let start: StreamId;
    if (after !== null) {
      // streamIncrID wraps the greatest ID to 0-0.
      start = nextId(after) ?? 0n;
    } else {
      if (s.length === 0) continue;
      const maxId = s.lastEntryId() ?? 0n;
      if (maxId <= g.lastId) continue;
      start = g.lastId + 1n;
    }
    let c = g.lookupConsumer(consumerName, ctx.now);
    if (c === undefined) {
      c = g.createConsumer(consumerName, ctx.now)!;
      notify(ctx.db, NOTIFY.STREAM, "xgroup-createconsumer", key);
      if (noack) ctx.propagate(["XGROUP", "CREATECONSUMER", key, groupName, consumerName]);
    }
    const entries = after !== null ? historyRead(ctx, s, c, start, count) : newRead(ctx, s, key, groupName, g, c, start, count, noack);
    out.push([key, entries]);
  }
  if (out.length > 0) return new MapReply(out, true);
  if (a.timeout !== -1) return block(ctx, new BlockOn([...new Set(argv.slice(streamsAt, streamsAt + streams))], a.timeout, NULL_ARRAY, argv));
  return NULL_ARRAY;
}

/** streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from `start`. */
function historyRead(ctx: ExecContext, s: StreamValue, c: Consumer, start: StreamId, count: number): Reply[] {
  const out: Reply[] = [];
  for (const [id, nack] of c.pel.from(start)) {
    if (count !== 0 && out.length >= count) break;
    const fields = s.get(id);
    if (fields === undefined) {
      out.push([idString(id), NULL_ARRAY]);
    } else {
      out.push(entryReply(id, fields));
      nack.deliveryTime = ctx.now;
      nack.deliveryCount = incrementCount(nack.deliveryCount);
    }
  }
  return out;
}

/** streamReplyWithRange with a group: entries after the group's last ID, each made pending (unless NOACK). */
function newRead(
  ctx: ExecContext,
  s: StreamValue,
  key: string,
  groupName: string,
  g: ConsumerGroup,
  c: Consumer,
  start: StreamId,
  count: number,
  noack: boolean,
): Reply[] {
  const entries = s.range(start, MAX_ID, count, false);
  const out: Reply[] = new Array(entries.length);
  let movedLast = false;
  for (let i = 0; i < entries.length; i++) {
    const { id, fields } = entries[i]!;
    if (id > g.lastId) {
      if (g.entriesRead !== INVALID_ENTRIES_READ && !hasTombstonesFrom(s, id)) g.entriesRead = BigInt.asIntN(64, g.entriesRead + 1n);
      else if (BigInt(s.entriesAdded) !== 0n) g.entriesRead = estimateEntriesRead(s, id);
      g.lastId = id;
      if (noack) movedLast = true;
    }
    const text = idString(id);
    out[i] = [text, fields];
    if (noack) continue;
    let nack = g.pel.get(id);
    if (nack === undefined) {
      nack = new Nack(c, ctx.now, 1);
      g.pel.insert(id, nack);
      c.pel.insert(id, nack);
    } else {
      nack.consumer?.pel.delete(id);
      nack.consumer = c;
      nack.deliveryTime = ctx.now;
      nack.deliveryCount = 1;
      c.pel.insert(id, nack);
    }
    propagateClaim(ctx, key, groupName, g, text, nack);
  }
  if (movedLast) propagateGroupId(ctx, key, groupName, g);
  return out;
}

/** The argv a blocked XREADGROUP runs again when `key` is ready: that stream only, COUNT defaulted as Redis does. */
export function xreadgroupServeOn(argv: readonly string[], key: string): string[] {
  let count = 0;
  let noack = false;
  let group = "";
  let consumer = "";
  let at = 0;
  for (let i = 1; i < argv.length; i++) {
    const o = option(argv[i]!);
    if (o === "block") i++;
    else if (o === "count") {
      const c = parseInt64(argv[++i]!);
      count = c === null || c < 0 ? 0 : typeof c === "bigint" ? Number.MAX_SAFE_INTEGER : c;
    } else if (o === "group") {
      group = argv[i + 1]!;
      consumer = argv[i + 2]!;
      i += 2;
    } else if (o === "noack") noack = true;
    else if (o === "streams") {
      at = i + 1;
      break;
    }
  }
  const n = (argv.length - at) / 2;
  let id = ">";
  for (let i = 0; i < n; i++) if (argv[at + i] === key) id = argv[at + n + i]!;
  // BLOCK kept: nothing new for this consumer leaves it waiting.
  return ["XREADGROUP", "GROUP", group, consumer, "COUNT", String(count || BLOCKED_DEFAULT_COUNT), "BLOCK", "0", ...(noack ? ["NOACK"] : []), "STREAMS", key, id];
}

// --- XACK -------------------------------------------------------------------

/** XACK key group id... */
export function xackCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const s = readStream(ctx, argv[1]!);
  if (s instanceof ErrorReply) return s;
  const g = s === undefined ? undefined : lookupGroup(s, argv[2]!);
  if (g === undefined) return 0;
  const ids: StreamId[] = [];
  for (let j = 3; j < argv.length; j++) {
    const id = parseStrictId(argv[j]!, 0n);
    if (id instanceof ErrorReply) return id;
    ids.push(id);
  }
  let acked = 0;
  for (const id of ids) if (g.ack(id)) acked++;
  if (acked > 0) ctx.propagate(argv);
  return acked;
}

// --- XPENDING ---------------------------------------------------------------

/** XPENDING key group [[IDLE min-idle] start end count [consumer]] */
export function xpendingCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const argc = argv.length;
  if (argc !== 3 && (argc < 6 || argc > 9)) return SYNTAX_ERROR;
  let minIdle: Int64 = 0;
  let count: Int64 = 0;
  let startId = 0n;
  let endId = 0n;
  let consumerName: string | null = null;
  if (argc >= 6) {
    let at = 3;
    if (option(argv[3]!) === "idle") {
      const v = intArg(argv[4]!);
      if (v instanceof ErrorReply) return v;
      minIdle = v;
      if (argc < 8) return SYNTAX_ERROR;
      at += 2;
    }
    const c = intArg(argv[at + 2]!);
    if (c instanceof ErrorReply) return c;
    count = c < 0 ? 0 : c;
    const st = parseIntervalId(argv[at]!, 0n);
    if (st instanceof ErrorReply) return st;
    startId = st.id;
    if (st.exclude) {
      const n = nextId(startId);
      if (n === null) return new ErrorReply("ERR invalid start ID for the interval");
      startId = n;
    }
    const en = parseIntervalId(argv[at + 1]!, 0xffffffffffffffffn);
    if (en instanceof ErrorReply) return en;
    endId = en.id;
    if (en.exclude) {
      const p = prevId(endId);
      if (p === null) return new ErrorReply("ERR invalid end ID for the interval");
      endId = p;
    }
    if (at + 3 < argc) consumerName = argv[at + 3]!;
  }
  const key = argv[1]!;
  const s = readStream(ctx, key);
  if (s instanceof ErrorReply) return s;
  const g = s === undefined ? undefined : lookupGroup(s, argv[2]!);
  if (g === undefined) return noGroupKey(key, argv[2]!);
  if (argc === 3) {
    if (g.pel.size === 0) return [0, null, null, NULL_ARRAY];
    const owners: Reply[] = [];
    for (const c of g.sortedConsumers()) if (c.pel.size > 0) owners.push([c.name, String(c.pel.size)]);
    return [g.pel.size, idString(g.pel.first()!), idString(g.pel.last()!), owners];
  }
  let pel = g.pel;
  if (consumerName !== null) {
    const c = g.lookupConsumer(consumerName, undefined);
    if (c === undefined) return [];
    pel = c.pel;
  }
  const now = ctx.now;
  const out: Reply[] = [];
  let left = typeof count === "bigint" ? Number.MAX_SAFE_INTEGER : count;
  const idle = typeof minIdle === "bigint" ? (minIdle > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER) : minIdle;
  if (left === 0) return out;
  for (const [id, nack] of pel.from(startId)) {
    if (id > endId) break;
    if (idle !== 0 && now - nack.deliveryTime < idle) continue;
    const elapsed = now - nack.deliveryTime;
    out.push([idString(id), nack.consumer!.name, elapsed < 0 ? 0 : elapsed, nack.deliveryCount]);
    if (--left === 0) break;
  }
  return out;
}

// --- XCLAIM -----------------------------------------------------------------

/** A long long option of XCLAIM, or its error. */
function claimInt(arg: string, what: string, cmd: string): Int64 | ErrorReply {
  return intArg(arg, new ErrorReply(`ERR Invalid ${what} argument for ${cmd}`));
}

/** XCLAIM key group consumer min-idle-time id... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id] */
export function xclaimCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const groupName = argv[2]!;
  const s = readStream(ctx, key);
  if (s instanceof ErrorReply) return s;
  const g = s === undefined ? undefined : lookupGroup(s, groupName);
  if (s === undefined || g === undefined) return noGroupKey(key, groupName);
  const mi = claimInt(argv[4]!, "min-idle-time", "XCLAIM");
  if (mi instanceof ErrorReply) return mi;
  const minIdle = mi < 0 ? 0 : typeof mi === "bigint" ? Number.MAX_SAFE_INTEGER : mi;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseStrictId(argv[j]!, 0n);
    if (id instanceof ErrorReply) break;
    ids.push(id);
  }
  const now = ctx.now;
  let deliveryTime: bigint = -1n;
  let retryCount: Int64 = -1;
  let force = false;
  let justid = false;
  let lastId = 0n;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const o = option(argv[j]!);
    if (o === "force") force = true;
    else if (o === "justid") justid = true;
    else if (o === "idle" && more > 0) {
      const v = claimInt(argv[++j]!, "IDLE option", "XCLAIM");
      if (v instanceof ErrorReply) return v;
      deliveryTime = BigInt.asIntN(64, BigInt(now) - BigInt(v));
    } else if (o === "time" && more > 0) {
      const v = claimInt(argv[++j]!, "TIME option", "XCLAIM");
      if (v instanceof ErrorReply) return v;
      deliveryTime = BigInt(v);
    } else if (o === "retrycount" && more > 0) {
      const v = claimInt(argv[++j]!, "RETRYCOUNT option", "XCLAIM");
      if (v instanceof ErrorReply) return v;
      retryCount = v;
    } else if (o === "lastid" && more > 0) {
      const v = parseStrictId(argv[++j]!, 0n);
      if (v instanceof ErrorReply) return v;
      lastId = v;
    } else {
      return new ErrorReply(`ERR Unrecognized XCLAIM option '${cstr(argv[j]!)}'`);
    }
  }
  let propagateLast = false;
  if (lastId > g.lastId) {
    g.lastId = lastId;
    propagateLast = true;
  }
  const time = deliveryTime === -1n || deliveryTime < 0n || deliveryTime > BigInt(now) ? now : Number(deliveryTime);
  let c: Consumer | undefined;
  const out: Reply[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    let nack = g.pel.get(id);
    const fields = s.get(id);
    if (fields === undefined) {
      if (nack !== undefined) {
        propagateClaim(ctx, key, groupName, g, argv[5 + i]!, nack);
        propagateLast = false;
        g.ack(id);
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = new Nack(null, now, 1);
      g.pel.insert(id, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    c ??= consumerOf(ctx, key, g, argv[3]!, now);
    if (nack.consumer !== c) nack.consumer?.pel.delete(id);
    nack.deliveryTime = time;
    if (retryCount >= 0) nack.deliveryCount = typeof retryCount === "bigint" ? retryCount : retryCount;
    else if (!justid) nack.deliveryCount = incrementCount(nack.deliveryCount);
    if (nack.consumer !== c) {
      c.pel.insert(id, nack);
      nack.consumer = c;
    }
    out.push(justid ? idString(id) : entryReply(id, fields));
    propagateClaim(ctx, key, groupName, g, argv[5 + i]!, nack);
    propagateLast = false;
  }
  if (propagateLast) propagateGroupId(ctx, key, groupName, g);
  return out;
}

// --- XAUTOCLAIM -------------------------------------------------------------

const ATTEMPTS_FACTOR = 10;
/** LONG_MAX / max(sizeof(streamID), attempts_factor). */
const MAX_AUTOCLAIM_COUNT = 576460752303423487n;
/** Where Redis' ztrymalloc of COUNT IDs fails here: beyond 1 TiB of them (the real limit depends on the machine). */
const AUTOCLAIM_ALLOC_LIMIT = 2 ** 40 / 16;

/** XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID] */
export function xautoclaimCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const groupName = argv[2]!;
  // Redis looks the key up first (a hit or miss even when an argument is wrong), checks its type later.
  const s = readStream(ctx, key);
  const mi = claimInt(argv[4]!, "min-idle-time", "XAUTOCLAIM");
  if (mi instanceof ErrorReply) return mi;
  const minIdle = mi < 0 ? 0 : typeof mi === "bigint" ? Number.MAX_SAFE_INTEGER : mi;
  const st = parseIntervalId(argv[5]!, 0n);
  if (st instanceof ErrorReply) return st;
  let start = st.id;
  if (st.exclude) {
    const n = nextId(start);
    if (n === null) return new ErrorReply("ERR invalid start ID for the interval");
    start = n;
  }
  let count = 100;
  let justid = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const o = option(argv[j]!);
    if (o === "count" && more > 0) {
      const v = parseInt64(argv[j + 1]!);
      if (v === null || v < 1 || BigInt(v) > MAX_AUTOCLAIM_COUNT) return new ErrorReply("ERR COUNT must be > 0");
      count = typeof v === "bigint" ? Number.MAX_SAFE_INTEGER : v;
      j++;
    } else if (o === "justid") justid = true;
    else return SYNTAX_ERROR;
  }
  if (s instanceof ErrorReply) return s;
  const g = s === undefined ? undefined : lookupGroup(s, groupName);
  if (s === undefined || g === undefined) return noGroupKey(key, groupName);
  if (count > AUTOCLAIM_ALLOC_LIMIT) return new ErrorReply("ERR Insufficient memory, failed allocating transient memory, COUNT too high.");
  let attempts = count * ATTEMPTS_FACTOR;
  const now = ctx.now;
  let c: Consumer | undefined;
  const claimed: Reply[] = [];
  const deleted: Reply[] = [];
  let i = g.pel.lowerBound(start);
  while (attempts-- > 0 && count > 0 && i < g.pel.size) {
    const id = g.pel.idAt(i);
    const nack = g.pel.get(id)!;
    const fields = s.get(id);
    if (fields === undefined) {
      propagateClaim(ctx, key, groupName, g, idString(id), nack);
      g.ack(id);
      deleted.push(idString(id));
      count--;
      continue; // the next ID slid into position i
    }
    i++;
    if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    c ??= consumerOf(ctx, key, g, argv[3]!, now);
    if (nack.consumer !== c) nack.consumer?.pel.delete(id);
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount = incrementCount(nack.deliveryCount);
    if (nack.consumer !== c) {
      c.pel.insert(id, nack);
      nack.consumer = c;
    }
    claimed.push(justid ? idString(id) : entryReply(id, fields));
    count--;
    propagateClaim(ctx, key, groupName, g, idString(id), nack);
  }
  const cursor = i < g.pel.size ? idString(g.pel.idAt(i)) : "0-0";
  return [cursor, claimed, deleted];
}

// --- XINFO ------------------------------------------------------------------

const XINFO_HELP = [
  "CONSUMERS <key> <groupname>",
  "    Show consumers of <groupname>.",
  "GROUPS <key>",
  "    Show the stream consumer groups.",
  "STREAM <key> [FULL [COUNT <count>]",
  "    Show information about the stream.",
];

/** XINFO STREAM | GROUPS | CONSUMERS | HELP (xinfoCommand). */
export function xinfoCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const opt = option(argv[1]!);
  if (opt === "help") return argv.length !== 2 ? subcommandSyntax(argv) : helpReply(argv, XINFO_HELP);
  if (argv.length < 3) return subcommandSyntax(argv);
  const key = argv[2]!;
  const s = readStream(ctx, key);
  if (s === undefined) return NO_SUCH_KEY;
  if (s instanceof ErrorReply) return s;
  if (opt === "consumers" && argv.length === 4) {
    const g = lookupGroup(s, argv[3]!);
    if (g === undefined) return noGroupFor(argv[3]!, key);
    return g.sortedConsumers().map((c) => {
      const idle = ctx.now - c.seenTime;
      return new MapReply([
        ["name", c.name],
        ["pending", c.pel.size],
        ["idle", idle < 0 ? 0 : idle],
      ]);
    });
  }
  if (opt === "groups" && argv.length === 3) {
    const groups = s.groups;
    if (groups === null) return [];
    return sortedNames(groups).map((name) => {
      const g = groups.get(name)!;
      return new MapReply([
        ["name", name],
        ["consumers", g.consumers.size],
        ["pending", g.pel.size],
        ["last-delivered-id", idString(g.lastId)],
        ["entries-read", entriesReadReply(g)],
        ["lag", lagOf(s, g)],
      ]);
    });
  }
  if (opt === "stream") return streamInfo(s, argv);
  return subcommandSyntax(argv);
}

/** xinfoReplyWithStreamInfo. */
function streamInfo(s: StreamValue, argv: readonly string[]): Reply {
  const optc = argv.length - 3;
  let full = false;
  let count = 10;
  if (optc !== 0) {
    if (optc !== 1 && optc !== 3) return subcommandSyntax(argv);
    if (option(argv[3]!) !== "full") return subcommandSyntax(argv);
    full = true;
    if (optc === 3) {
      if (option(argv[4]!) !== "count") return subcommandSyntax(argv);
      const v = intArg(argv[5]!);
      if (v instanceof ErrorReply) return v;
      count = v < 0 ? 10 : typeof v === "bigint" ? Number.MAX_SAFE_INTEGER : v;
    }
  }
  const m: [Reply, Reply][] = [
    ["length", s.length],
    ["radix-tree-keys", rtreeKeys(s)],
    ["radix-tree-nodes", rtreeNodes(s)],
    ["last-generated-id", idString(s.lastId)],
    ["max-deleted-entry-id", idString(s.maxDeletedId)],
    ["entries-added", int(BigInt(s.entriesAdded))],
    ["recorded-first-entry-id", idString(firstIdOf(s))],
  ];
  const groups = s.groups;
  if (!full) {
    m.push(["groups", groups?.size ?? 0]);
    const first = s.range(0n, MAX_ID, 1, false)[0];
    const last = s.range(0n, MAX_ID, 1, true)[0];
    m.push(["first-entry", first === undefined ? null : entryReply(first.id, first.fields)]);
    m.push(["last-entry", last === undefined ? null : entryReply(last.id, last.fields)]);
    return new MapReply(m);
  }
  m.push(["entries", s.range(0n, MAX_ID, count, false).map((e) => entryReply(e.id, e.fields))]);
  const infos: Reply[] = [];
  if (groups !== null) {
    for (const name of sortedNames(groups)) {
      const g = groups.get(name)!;
      const pending: Reply[] = [];
      for (const [id, n] of g.pel.from(0n)) {
        if (count !== 0 && pending.length >= count) break;
        pending.push([idString(id), n.consumer!.name, n.deliveryTime, n.deliveryCount]);
      }
      const consumers = g.sortedConsumers().map((c) => {
        const cp: Reply[] = [];
        for (const [id, n] of c.pel.from(0n)) {
          if (count !== 0 && cp.length >= count) break;
          cp.push([idString(id), n.deliveryTime, n.deliveryCount]);
        }
        return new MapReply([
          ["name", c.name],
          ["seen-time", c.seenTime],
          ["pel-count", c.pel.size],
          ["pending", cp],
        ]);
      });
      infos.push(
        new MapReply([
          ["name", name],
          ["last-delivered-id", idString(g.lastId)],
          ["entries-read", entriesReadReply(g)],
          ["lag", lagOf(s, g)],
          ["pel-count", g.pel.size],
          ["pending", pending],
          ["consumers", consumers],
        ]),
      );
    }
  }
  m.push(["groups", infos]);
  return new MapReply(m);
}

// --- definitions ------------------------------------------------------------

const KEY2 = (flags: string) => [ks(flags, 2)];
const ID_OR_NEW = "id:oneof(id:string new_id:pure-token=$)";
const ND = "nondeterministic_output";

/** The consumer group commands, as Redis 7.0's COMMAND INFO/DOCS give them. */
export const STREAM_GROUP_DEFS: Record<string, Def> = {
  xgroup: { arity: -2, group: "stream", since: "5.0.0", complexity: "Depends on subcommand.",
    summary: "A container for consumer groups commands.", subcommands: {
      create: { arity: -5, flags: "write denyoom", acl: "stream", keys: KEY2("RW insert"), exec: xgroupCommand, group: "stream", since: "5.0.0",
        summary: "Creates a consumer group.", args: `key:key groupname:string ${ID_OR_NEW} mkstream:pure-token=MKSTREAM? entries_read:integer=ENTRIESREAD?` },
      setid: { arity: -5, flags: "write", acl: "stream", keys: KEY2("RW update"), exec: xgroupCommand, group: "stream", since: "5.0.0",
        summary: "Sets the last delivered ID of a consumer group.", args: `key:key groupname:string ${ID_OR_NEW} entries_read:integer=ENTRIESREAD?` },
      destroy: { arity: 4, flags: "write", acl: "stream", keys: KEY2("RW delete"), exec: xgroupCommand, group: "stream", since: "5.0.0",
        complexity: "O(N) where N is the number of entries in the group's pending entries list (PEL).",
        summary: "Destroys a consumer group.", args: "key:key groupname:string" },
      createconsumer: { arity: 5, flags: "write denyoom", acl: "stream", keys: KEY2("RW insert"), exec: xgroupCommand, group: "stream",
        since: "6.2.0", summary: "Creates a consumer in a consumer group.", args: "key:key groupname:string consumername:string" },
      delconsumer: { arity: 5, flags: "write", acl: "stream", keys: KEY2("RW delete"), exec: xgroupCommand, group: "stream", since: "5.0.0",
        summary: "Deletes a consumer from a consumer group.", args: "key:key groupname:string consumername:string" },
      help: { arity: 2, flags: "loading stale", acl: "stream", route: "all", exec: xgroupCommand, group: "stream", since: "5.0.0",
        summary: "Describes the XGROUP subcommands." },
    } },
  xreadgroup: { arity: -7, flags: "write blocking movablekeys", acl: "stream", keys: [ksKeyword("RO access", "STREAMS", 4, -1, 1, 2)],
    route: "multi", exec: xreadgroupCommand, serveOn: xreadgroupServeOn, blocks: hasBlockOption, servedWhenGone: true, group: "stream", since: "5.0.0",
    complexity: "For each stream mentioned: O(M) with M being the number of elements returned.",
    summary: "Reads new entries of streams for a consumer group, or the consumer's pending history. Can block.",
    args: "group_consumer:block=GROUP(group:string consumer:string) count:integer=COUNT? milliseconds:integer=BLOCK? noack:pure-token=NOACK? streams:block=STREAMS(key:key+ id:string+)" },
  xack: { arity: -4, flags: "write fast", acl: "stream", keys: [ks("RW update")], exec: xackCommand, group: "stream", since: "5.0.0",
    complexity: "O(1) for each message ID processed.", summary: "Removes entries from a consumer group's pending entries list.",
    args: "key:key group:string id:string+" },
  xpending: { arity: -3, flags: "readonly", acl: "stream", tips: ND, keys: [ks("RO access")], exec: xpendingCommand, group: "stream",
    since: "5.0.0", complexity: "O(N) with N the number of entries returned (O(M) scanned with IDLE).",
    summary: "Returns the pending entries list of a consumer group, or a summary of it.",
    args: "key:key group:string filters:block?(min-idle-time:integer=IDLE@6.2.0? start:string end:string count:integer consumer:string?)" },
  xclaim: { arity: -6, flags: "write fast", acl: "stream", tips: ND, keys: [ks("RW update")], exec: xclaimCommand, group: "stream",
    since: "5.0.0", complexity: "O(log N) with N being the number of messages in the PEL of the consumer group.",
    summary: "Changes, or acquires, the ownership of pending entries of a consumer group.",
    args: "key:key group:string consumer:string min-idle-time:string id:string+ ms:integer=IDLE? unix-time-milliseconds:unix-time=TIME? count:integer=RETRYCOUNT? force:pure-token=FORCE? justid:pure-token=JUSTID? id:string=LASTID?" },
  xautoclaim: { arity: -6, flags: "write fast", acl: "stream", tips: ND, keys: [ks("RW delete")], exec: xautoclaimCommand, group: "stream",
    since: "6.2.0", complexity: "O(1) if COUNT is small.",
    summary: "Claims the pending entries idle long enough, scanning from an ID; also drops the deleted ones.",
    args: "key:key group:string consumer:string min-idle-time:string start:string count:integer=COUNT? justid:pure-token=JUSTID?" },
  xinfo: { arity: -2, group: "stream", since: "5.0.0", complexity: "Depends on subcommand.",
    summary: "A container for stream introspection commands.", subcommands: {
      stream: { arity: -3, flags: "readonly", acl: "stream", keys: KEY2("RO access"), exec: xinfoCommand, group: "stream", since: "5.0.0",
        summary: "Returns information about a stream.", args: "key:key full:block=FULL?(count:integer=COUNT?)" },
      groups: { arity: 3, flags: "readonly", acl: "stream", keys: KEY2("RO access"), exec: xinfoCommand, group: "stream", since: "5.0.0",
        summary: "Returns the consumer groups of a stream.", args: "key:key" },
      consumers: { arity: 4, flags: "readonly", acl: "stream", tips: ND, keys: KEY2("RO access"), exec: xinfoCommand, group: "stream",
        since: "5.0.0", summary: "Returns the consumers of a consumer group.", args: "key:key groupname:string" },
      help: { arity: 2, flags: "loading stale", acl: "stream", route: "all", exec: xinfoCommand, group: "stream", since: "5.0.0",
        summary: "Describes the XINFO subcommands." },
    } },
};
