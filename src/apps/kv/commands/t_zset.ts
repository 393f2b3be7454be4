/**
 * Sorted-set commands (Redis' t_zset.c), but for the blocking ones:
 * ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZPOPMIN,
 * ZPOPMAX, ZMPOP, ZRANDMEMBER, ZSCAN here; the range commands in
 * t_zset_range.ts; ZUNION/ZINTER/ZDIFF(STORE) and ZINTERCARD in
 * t_zset_ops.ts. Their definitions for the command table are
 * {@link ZSET_DEFS}, below.
 */
import { NOTIFY, notify, removedFrom } from "./notify.js";
import { type ExecContext } from "./command.js";
import { type Def, ks, ksKeynum } from "./command_def.js";
import { BlockOn, block, serveOnLast, serveOnNumkeys, timeoutSeconds } from "./blocking.js";
import * as zo from "./t_zset_ops.js";
import * as zr from "./t_zset_range.js";
import { lookupWrite } from "./db.js";
import { stringMatch } from "./glob.js";
import { DoubleReply, ErrorReply, NULL_ARRAY, PairsReply, type Reply } from "../resp/reply.js";
import { formatDouble } from "../resp/resp_writer.js";
import { parseCursor } from "./db_commands.js";
import { INVALID_CURSOR, MUST_BE_POSITIVE, SYNTAX_ERROR, WRONGTYPE, intArg, option, removeMembers } from "./shared.js";
import { parseScore } from "./strtod.js";
import { readZset } from "./t_zset_range.js";
import { ZSetValue } from "./zset_value.js";

export const NOT_A_VALID_FLOAT = new ErrorReply("ERR value is not a valid float");
const NAN_SCORE = new ErrorReply("ERR resulting score is not a number (NaN)");
const XX_NX = new ErrorReply("ERR XX and NX options at the same time are not compatible");
const GT_LT_NX = new ErrorReply("ERR GT, LT, and/or NX options at the same time are not compatible");
const INCR_ONE = new ErrorReply("ERR INCR option supports a single increment-element pair");
const LONG_MAX = 2n ** 63n - 1n;

interface AddFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  incr: boolean;
}

/** zsetAdd's outcome: "added", "updated", "nop" (a flag refused it), "same" (score unchanged), or NaN. */
type AddResult = "added" | "updated" | "nop" | "same" | "nan";

/** zsetAdd: `score` (an increment with INCR) for member; `out[0]` gets the new score. */
function zsetAdd(z: ZSetValue, member: string, score: number, f: AddFlags, out: number[]): AddResult {
  const cur = z.dict.get(member);
  if (cur !== undefined) {
    if (f.nx) return "nop";
    if (f.incr) {
      score += cur;
      if (Number.isNaN(score)) return "nan";
    }
    if ((f.lt && score >= cur) || (f.gt && score <= cur)) return "nop";
    out[0] = score;
    if (score !== cur) {
      z.put(member, score, cur);
      return "updated";
    }
    return "same";
  }
  if (f.xx) return "nop";
  z.put(member, score, undefined);
  out[0] = score;
  return "added";
}

export function zaddCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const f: AddFlags = { nx: false, xx: false, gt: false, lt: false, incr: false };
  let ch = false;
  let i = 2;
  for (; i < argv.length; i++) {
    // Option words start with a letter: a score (a digit, sign or dot) is not one, and needs no lower-casing.
    if (argv[i]!.charCodeAt(0) < 65) break;
    const o = option(argv[i]!);
    if (o === "nx") f.nx = true;
    else if (o === "xx") f.xx = true;
    else if (o === "gt") f.gt = true;
    else if (o === "lt") f.lt = true;
    else if (o === "ch") ch = true;
    else if (o === "incr") f.incr = true;
    else break;
  }
  const n = argv.length - i;
  if (n === 0 || n % 2 === 1) return SYNTAX_ERROR;
  if (f.nx && f.xx) return XX_NX;
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) return GT_LT_NX;
  if (f.incr && n > 2) return INCR_ONE;
  const scores: number[] = new Array(n / 2);
  for (let j = 0; j < n / 2; j++) {
    const s = parseScore(argv[i + 2 * j]!);
    if (s === null) return NOT_A_VALID_FLOAT;
    scores[j] = s;
  }
  const key = argv[1]!;
  let z = lookupWrite(ctx, key);
  if (z !== undefined && !(z instanceof ZSetValue)) return WRONGTYPE;
  if (z === undefined) {
    if (f.xx) return f.incr ? null : 0;
    z = new ZSetValue();
    ctx.db.setKey(key, z);
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  const out = [0];
  for (let j = 0; j < scores.length; j++) {
    const r = zsetAdd(z, argv[i + 2 * j + 1]!, scores[j]!, f, out);
    if (r === "nan") {
      // only INCR gets NaN, with a single pair: nothing changed
      if (z.size === 0) ctx.db.deleteKey(key);
      return NAN_SCORE;
    }
    if (r === "added") added++;
    else if (r === "updated") updated++;
    if (r !== "nop") processed++;
  }
  if (added + updated > 0) {
    ctx.db.modified(key);
    notify(ctx.db, NOTIFY.ZSET, f.incr ? "zincr" : "zadd", key);
    ctx.propagate(argv);
  }
  if (f.incr) return processed > 0 ? new DoubleReply(out[0]!) : null;
  return ch ? added + updated : added;
}

export function zincrbyCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const incr = parseScore(argv[2]!);
  if (incr === null) return NOT_A_VALID_FLOAT;
  const key = argv[1]!;
  let z = lookupWrite(ctx, key);
  if (z !== undefined && !(z instanceof ZSetValue)) return WRONGTYPE;
  if (z === undefined) {
    z = new ZSetValue();
    ctx.db.setKey(key, z);
  }
  const out = [0];
  const r = zsetAdd(z, argv[3]!, incr, { nx: false, xx: false, gt: false, lt: false, incr: true }, out);
  if (r === "nan") return NAN_SCORE;
  if (r !== "same") {
    ctx.db.modified(key);
    notify(ctx.db, NOTIFY.ZSET, "zincr", key);
    ctx.propagate(argv);
  }
  return new DoubleReply(out[0]!);
}

export function zremCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const z = lookupWrite(ctx, key);
  if (z === undefined) return 0;
  if (!(z instanceof ZSetValue)) return WRONGTYPE;
  return removeMembers(ctx, key, z, argv, NOTIFY.ZSET, "zrem");
}

export function zcardCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const z = readZset(ctx, argv[1]!);
  if (z === undefined) return 0;
  if (z instanceof ErrorReply) return z;
  return z.size;
}

export function zscoreCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const z = readZset(ctx, argv[1]!);
  if (z === undefined) return null;
  if (z instanceof ErrorReply) return z;
  const s = z.dict.get(argv[2]!);
  return s === undefined ? null : new DoubleReply(s);
}

export function zmscoreCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const z = readZset(ctx, argv[1]!);
  if (z instanceof ErrorReply) return z;
  const out: Reply[] = new Array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z?.dict.get(argv[j]!);
    out[j - 2] = s === undefined ? null : new DoubleReply(s);
  }
  return out;
}

function zrankGeneric(ctx: ExecContext, argv: readonly string[], reverse: boolean): Reply {
  const z = readZset(ctx, argv[1]!);
  if (z === undefined) return null;
  if (z instanceof ErrorReply) return z;
  const s = z.dict.get(argv[2]!);
  if (s === undefined) return null;
  const r = z.tree.rankOf(s, argv[2]!);
  return reverse ? z.size - 1 - r : r;
}

export const zrankCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zrankGeneric(ctx, argv, false);
export const zrevrankCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zrankGeneric(ctx, argv, true);

/**
 * genericZpopCommand: pops up to `count` pairs (-1: one, flat) from the
 * first non-empty set among keys. `emitKey` is ZMPOP's reply shape
 * ([key, [[member, score], ...]]), with a null array when nothing was found.
 */
function zpopGeneric(ctx: ExecContext, keys: readonly string[], max: boolean, count: number, emitKey: boolean): Reply {
  let z: ZSetValue | undefined;
  let key = "";
  for (const k of keys) {
    const v = lookupWrite(ctx, k);
    if (v === undefined) continue;
    if (!(v instanceof ZSetValue)) return WRONGTYPE;
    z = v;
    key = k;
    break;
  }
  if (z === undefined) return emitKey ? NULL_ARRAY : [];
  if (count === 0) return [];
  const n = Math.min(count === -1 ? 1 : count, z.size);
  const flat: Reply[] = [];
  const nested: Reply[] = [];
  for (let j = 0; j < n; j++) {
    const p = z.tree.at(max ? z.size - 1 : 0);
    const m = p.leaf!.members[p.i]!;
    const s = p.leaf!.scores[p.i]!;
    z.delete(m);
    if (emitKey) nested.push([m, new DoubleReply(s)]);
    else flat.push(m, new DoubleReply(s));
  }
  removedFrom(ctx.db, NOTIFY.ZSET, max ? "zpopmax" : "zpopmin", key, z.size === 0);
  ctx.propagate([max ? "ZPOPMAX" : "ZPOPMIN", key, String(count === -1 ? 1 : count)]);
  if (emitKey) return [key, nested];
  return count === -1 ? flat : new PairsReply(flat);
}

function zpopMinMax(ctx: ExecContext, argv: readonly string[], max: boolean): Reply {
  if (argv.length > 3) return SYNTAX_ERROR;
  let count = -1;
  if (argv.length === 3) {
    const c = intArg(argv[2]!, MUST_BE_POSITIVE);
    if (c instanceof ErrorReply) return c;
    if (c < 0) return MUST_BE_POSITIVE;
    count = typeof c === "number" ? c : Number.MAX_SAFE_INTEGER;
  }
  return zpopGeneric(ctx, [argv[1]!], max, count, false);
}

export const zpopminCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zpopMinMax(ctx, argv, false);
export const zpopmaxCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zpopMinMax(ctx, argv, true);

/** getRangeLongFromObjectOrReply(1, LONG_MAX, msg). */
function positiveArg(s: string, msg: ErrorReply): number | ErrorReply {
  const v = intArg(s, msg);
  if (v instanceof ErrorReply) return v;
  if (v < 1) return msg;
  return typeof v === "number" ? v : Number.MAX_SAFE_INTEGER;
}

const NUMKEYS_POSITIVE = new ErrorReply("ERR numkeys should be greater than 0");
const COUNT_POSITIVE = new ErrorReply("ERR count should be greater than 0");

/** ZMPOP's and BZMPOP's arguments from `numkeys` at index `at` (Redis' zmpopGenericCommand). */
function zmpopArgs(argv: readonly string[], at: number): { keys: readonly string[]; max: boolean; count: number } | ErrorReply {
  const numkeys = positiveArg(argv[at]!, NUMKEYS_POSITIVE);
  if (numkeys instanceof ErrorReply) return numkeys;
  const whereIdx = at + 1 + numkeys;
  if (whereIdx >= argv.length) return SYNTAX_ERROR;
  const where = option(argv[whereIdx]!);
  if (where !== "min" && where !== "max") return SYNTAX_ERROR;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && option(argv[j]!) === "count" && j + 1 < argv.length) {
      const c = positiveArg(argv[++j]!, COUNT_POSITIVE);
      if (c instanceof ErrorReply) return c;
      count = c;
    } else return SYNTAX_ERROR;
  }
  return { keys: argv.slice(at + 1, whereIdx), max: where === "max", count: count === -1 ? 1 : count };
}

export function zmpopCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const a = zmpopArgs(argv, 1);
  if (a instanceof ErrorReply) return a;
  return zpopGeneric(ctx, a.keys, a.max, a.count, true);
}

/** Whether one of `keys` holds a sorted set to pop from: WRONGTYPE for the first that is something else, as Redis checks in order. */
function firstZset(ctx: ExecContext, keys: readonly string[]): boolean | ErrorReply {
  for (const k of keys) {
    const v = lookupWrite(ctx, k);
    if (v === undefined) continue;
    if (!(v instanceof ZSetValue)) return WRONGTYPE;
    return true;
  }
  return false;
}

/** BZPOPMIN/BZPOPMAX key [key ...] timeout: `[key, member, score]`, or block (blocking.ts). */
function bzpop(ctx: ExecContext, argv: readonly string[], max: boolean): Reply {
  const timeout = timeoutSeconds(argv[argv.length - 1]!);
  if (timeout instanceof ErrorReply) return timeout;
  const keys = argv.slice(1, -1);
  const found = firstZset(ctx, keys);
  if (found instanceof ErrorReply) return found;
  if (!found) return block(ctx, new BlockOn([...new Set(keys)], timeout, NULL_ARRAY, argv));
  const r = zpopGeneric(ctx, keys, max, 1, true) as [string, [string, DoubleReply][]];
  const [member, score] = r[1][0]!;
  return [r[0], member, score];
}

export const bzpopminCommand = (ctx: ExecContext, argv: readonly string[]): Reply => bzpop(ctx, argv, false);
export const bzpopmaxCommand = (ctx: ExecContext, argv: readonly string[]): Reply => bzpop(ctx, argv, true);

/** BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]. */
export function bzmpopCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const a = zmpopArgs(argv, 2);
  if (a instanceof ErrorReply) return a;
  const timeout = timeoutSeconds(argv[1]!);
  if (timeout instanceof ErrorReply) return timeout;
  const found = firstZset(ctx, a.keys);
  if (found instanceof ErrorReply) return found;
  if (!found) return block(ctx, new BlockOn([...new Set(a.keys)], timeout, NULL_ARRAY, argv));
  return zpopGeneric(ctx, a.keys, a.max, a.count, true);
}

export function zrandmemberCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  if (argv.length >= 3) {
    const v = intArg(argv[2]!);
    if (v instanceof ErrorReply) return v;
    const l = BigInt(v);
    if (l < -LONG_MAX) return new ErrorReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && option(argv[3]!) !== "withscores")) return SYNTAX_ERROR;
    if (argv.length === 4) {
      withscores = true;
      if (l < -LONG_MAX / 2n || l > LONG_MAX / 2n) return new ErrorReply("ERR value is out of range");
    }
    return zrandmemberWithCount(ctx, argv[1]!, l, withscores);
  }
  const z = readZset(ctx, argv[1]!);
  if (z === undefined) return null;
  if (z instanceof ErrorReply) return z;
  const p = z.tree.at(Math.floor(Math.random() * z.size));
  return p.leaf!.members[p.i]!;
}

function zrandmemberWithCount(ctx: ExecContext, key: string, l: bigint, withscores: boolean): Reply {
  const z = readZset(ctx, key);
  if (z === undefined) return [];
  if (z instanceof ErrorReply) return z;
  if (l === 0n) return [];
  const out: Reply[] = [];
  const push = (m: string, s: number) => {
    out.push(m);
    if (withscores) out.push(new DoubleReply(s));
  };
  const n = z.size;
  if (l < 0n) {
    // repetitions allowed: count independent draws
    const count = Number(-l);
    for (let j = 0; j < count; j++) {
      const p = z.tree.at(Math.floor(Math.random() * n));
      push(p.leaf!.members[p.i]!, p.leaf!.scores[p.i]!);
    }
  } else if (l >= BigInt(n)) {
    for (const [m, s] of z.tree.entries()) push(m, s);
  } else if (l * 3n <= BigInt(n)) {
    // few distinct members of many: random ranks until enough differ
    const count = Number(l);
    const picked = new Set<number>();
    while (picked.size < count) picked.add(Math.floor(Math.random() * n));
    for (const r of picked) {
      const p = z.tree.at(r);
      push(p.leaf!.members[p.i]!, p.leaf!.scores[p.i]!);
    }
  } else {
    // distinct members, a good part of the set: a partial Fisher-Yates over ranks
    const count = Number(l);
    const ranks = Array.from({ length: n }, (_, i) => i);
    for (let j = 0; j < count; j++) {
      const k = j + Math.floor(Math.random() * (n - j));
      const r = ranks[k]!;
      ranks[k] = ranks[j]!;
      const p = z.tree.at(r);
      push(p.leaf!.members[p.i]!, p.leaf!.scores[p.i]!);
    }
  }
  return withscores ? new PairsReply(out) : out;
}

export function zscanCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const cursor = parseCursor(argv[2]!);
  if (cursor === null) return INVALID_CURSOR;
  const z = readZset(ctx, argv[1]!);
  if (z === undefined) return ["0", []];
  if (z instanceof ErrorReply) return z;
  let count = 10;
  let pattern: string | null = null;
  for (let j = 3; j < argv.length; j += 2) {
    const opt = option(argv[j]!);
    if (opt === "count" && j + 1 < argv.length) {
      const c = intArg(argv[j + 1]!);
      if (c instanceof ErrorReply) return c;
      if (c < 1) return SYNTAX_ERROR;
      count = typeof c === "number" ? c : Number.MAX_SAFE_INTEGER;
    } else if (opt === "match" && j + 1 < argv.length) {
      pattern = argv[j + 1] === "*" ? null : argv[j + 1]!;
    } else return SYNTAX_ERROR;
  }
  const out: string[] = [];
  const add = (m: string, s: number) => {
    if (pattern === null || stringMatch(pattern, m)) out.push(m, formatDouble(s));
  };
  if (!z.skiplist) {
    // a listpack is returned whole, in order, whatever the cursor
    for (const [m, s] of z.tree.entries()) add(m, s);
    return ["0", out];
  }
  const id = cursor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(cursor) : -1;
  const [next, members] = z.scanStep(id, count);
  for (const m of members) {
    const s = z.dict.get(m);
    if (s !== undefined) add(m, s);
  }
  return [String(next), out];
}


/** The sorted-set commands for the command table (Redis 7.0's COMMAND INFO and DOCS). */
export const ZSET_DEFS: Record<string, Def> = {
  zadd: { arity: -4, flags: "write denyoom fast", acl: "sortedset", keys: [ks("RW update")], exec: zaddCommand, group: "sorted-set", since: "1.2.0", complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.", summary: "Add one or more members to a sorted set, or update its score if it already exists", args: "key:key condition:oneof@3.0.2?(nx:pure-token=NX xx:pure-token=XX) comparison:oneof@6.2.0?(gt:pure-token=GT lt:pure-token=LT) change:pure-token=CH@3.0.2? increment:pure-token=INCR@3.0.2? score_member:block+(score:double member:string)" },
  zincrby: { arity: 4, flags: "write denyoom fast", acl: "sortedset", keys: [ks("RW access update")], exec: zincrbyCommand, group: "sorted-set", since: "1.2.0", complexity: "O(log(N)) where N is the number of elements in the sorted set.", summary: "Increment the score of a member in a sorted set", args: "key:key increment:integer member:string" },
  zrem: { arity: -3, flags: "write fast", acl: "sortedset", keys: [ks("RW delete")], exec: zremCommand, group: "sorted-set", since: "1.2.0", complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", summary: "Remove one or more members from a sorted set", args: "key:key member:string+" },
  zcard: { arity: 2, flags: "readonly fast", acl: "sortedset", keys: [ks("RO")], exec: zcardCommand, group: "sorted-set", since: "1.2.0", complexity: "O(1)", summary: "Get the number of members in a sorted set", args: "key:key" },
  zcount: { arity: 4, flags: "readonly fast", acl: "sortedset", keys: [ks("RO access")], exec: zr.zcountCommand, group: "sorted-set", since: "2.0.0", complexity: "O(log(N)) with N being the number of elements in the sorted set.", summary: "Count the members in a sorted set with scores within the given values", args: "key:key min:double max:double" },
  zlexcount: { arity: 4, flags: "readonly fast", acl: "sortedset", keys: [ks("RO access")], exec: zr.zlexcountCommand, group: "sorted-set", since: "2.8.9", complexity: "O(log(N)) with N being the number of elements in the sorted set.", summary: "Count the number of members in a sorted set between a given lexicographical range", args: "key:key min:string max:string" },
  zscore: { arity: 3, flags: "readonly fast", acl: "sortedset", keys: [ks("RO access")], exec: zscoreCommand, group: "sorted-set", since: "1.2.0", complexity: "O(1)", summary: "Get the score associated with the given member in a sorted set", args: "key:key member:string" },
  zmscore: { arity: -3, flags: "readonly fast", acl: "sortedset", keys: [ks("RO access")], exec: zmscoreCommand, group: "sorted-set", since: "6.2.0", complexity: "O(N) where N is the number of members being requested.", summary: "Get the score associated with the given members in a sorted set", args: "key:key member:string+" },
  zrank: { arity: 3, flags: "readonly fast", acl: "sortedset", keys: [ks("RO access")], exec: zrankCommand, group: "sorted-set", since: "2.0.0", complexity: "O(log(N))", summary: "Determine the index of a member in a sorted set", args: "key:key member:string" },
  zrevrank: { arity: 3, flags: "readonly fast", acl: "sortedset", keys: [ks("RO access")], exec: zrevrankCommand, group: "sorted-set", since: "2.0.0", complexity: "O(log(N))", summary: "Determine the index of a member in a sorted set, with scores ordered from high to low", args: "key:key member:string" },
  zrange: { arity: -4, flags: "readonly", acl: "sortedset", keys: [ks("RO access")], exec: zr.zrangeCommand, group: "sorted-set", since: "1.2.0", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", summary: "Return a range of members in a sorted set", args: "key:key start:string stop:string sortby:oneof@6.2.0?(byscore:pure-token=BYSCORE bylex:pure-token=BYLEX) rev:pure-token=REV@6.2.0? offset_count:block=LIMIT@6.2.0?(offset:integer count:integer) withscores:pure-token=WITHSCORES?" },
  zrangestore: { arity: -5, flags: "write denyoom", acl: "sortedset", keys: [ks("OW update"), ks("RO access", 2)], route: "multi", exec: zr.zrangestoreCommand, group: "sorted-set", since: "6.2.0", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", summary: "Store a range of members from sorted set into another key", args: "dst:key src:key#1 min:string max:string sortby:oneof?(byscore:pure-token=BYSCORE bylex:pure-token=BYLEX) rev:pure-token=REV? offset_count:block=LIMIT?(offset:integer count:integer)" },
  zrevrange: { arity: -4, flags: "readonly", acl: "sortedset", keys: [ks("RO access")], exec: zr.zrevrangeCommand, group: "sorted-set", since: "1.2.0", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low", deprecated: ["6.2.0", "`ZRANGE` with the `REV` argument"], args: "key:key start:integer stop:integer withscores:pure-token=WITHSCORES?" },
  zrangebyscore: { arity: -4, flags: "readonly", acl: "sortedset", keys: [ks("RO access")], exec: zr.zrangebyscoreCommand, group: "sorted-set", since: "1.0.5", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", summary: "Return a range of members in a sorted set, by score", deprecated: ["6.2.0", "`ZRANGE` with the `BYSCORE` argument"], args: "key:key min:double max:double withscores:pure-token=WITHSCORES@2.0.0? offset_count:block=LIMIT?(offset:integer count:integer)" },
  zrevrangebyscore: { arity: -4, flags: "readonly", acl: "sortedset", keys: [ks("RO access")], exec: zr.zrevrangebyscoreCommand, group: "sorted-set", since: "2.2.0", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low", deprecated: ["6.2.0", "`ZRANGE` with the `REV` and `BYSCORE` arguments"], args: "key:key max:double min:double withscores:pure-token=WITHSCORES? offset_count:block=LIMIT?(offset:integer count:integer)" },
  zrangebylex: { arity: -4, flags: "readonly", acl: "sortedset", keys: [ks("RO access")], exec: zr.zrangebylexCommand, group: "sorted-set", since: "2.8.9", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", summary: "Return a range of members in a sorted set, by lexicographical range", deprecated: ["6.2.0", "`ZRANGE` with the `BYLEX` argument"], args: "key:key min:string max:string offset_count:block=LIMIT?(offset:integer count:integer)" },
  zrevrangebylex: { arity: -4, flags: "readonly", acl: "sortedset", keys: [ks("RO access")], exec: zr.zrevrangebylexCommand, group: "sorted-set", since: "2.8.9", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", deprecated: ["6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments"], args: "key:key max:string min:string offset_count:block=LIMIT?(offset:integer count:integer)" },
  zremrangebyrank: { arity: 4, flags: "write", acl: "sortedset", keys: [ks("RW delete")], exec: zr.zremrangebyrankCommand, group: "sorted-set", since: "2.0.0", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", summary: "Remove all members in a sorted set within the given indexes", args: "key:key start:integer stop:integer" },
  zremrangebyscore: { arity: 4, flags: "write", acl: "sortedset", keys: [ks("RW delete")], exec: zr.zremrangebyscoreCommand, group: "sorted-set", since: "1.2.0", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", summary: "Remove all members in a sorted set within the given scores", args: "key:key min:double max:double" },
  zremrangebylex: { arity: 4, flags: "write", acl: "sortedset", keys: [ks("RW delete")], exec: zr.zremrangebylexCommand, group: "sorted-set", since: "2.8.9", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", summary: "Remove all members in a sorted set between the given lexicographical range", args: "key:key min:string max:string" },
  zpopmin: { arity: -2, flags: "write fast", acl: "sortedset", keys: [ks("RW access delete")], exec: zpopminCommand, group: "sorted-set", since: "5.0.0", complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", summary: "Remove and return members with the lowest scores in a sorted set", args: "key:key count:integer?" },
  zpopmax: { arity: -2, flags: "write fast", acl: "sortedset", keys: [ks("RW access delete")], exec: zpopmaxCommand, group: "sorted-set", since: "5.0.0", complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", summary: "Remove and return members with the highest scores in a sorted set", args: "key:key count:integer?" },
  zmpop: { arity: -4, flags: "write movablekeys", acl: "sortedset", keys: [ksKeynum("RW access delete", 1, 0, 1, 1)], route: "multi", exec: zmpopCommand, group: "sorted-set", since: "7.0.0", complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", summary: "Remove and return members with scores in a sorted set", args: "numkeys:integer key:key+ where:oneof(min:pure-token=MIN max:pure-token=MAX) count:integer=COUNT?" },
  bzpopmin: { arity: -3, flags: "write noscript blocking fast", acl: "sortedset", keys: [ks("RW access delete", 1, -2)], exec: bzpopminCommand, serveOn: serveOnLast, group: "sorted-set", since: "5.0.0", complexity: "O(log(N)) with N being the number of elements in the sorted set.", summary: "Pops the member with the lowest score from the first non-empty sorted set, or blocks until one is available.", args: "key:key+ timeout:double" },
  bzpopmax: { arity: -3, flags: "write noscript blocking fast", acl: "sortedset", keys: [ks("RW access delete", 1, -2)], exec: bzpopmaxCommand, serveOn: serveOnLast, group: "sorted-set", since: "5.0.0", complexity: "O(log(N)) with N being the number of elements in the sorted set.", summary: "Pops the member with the highest score from the first non-empty sorted set, or blocks until one is available.", args: "key:key+ timeout:double" },
  bzmpop: { arity: -5, flags: "write blocking movablekeys", acl: "sortedset", keys: [ksKeynum("RW access delete", 2, 0, 1, 1)], exec: bzmpopCommand, serveOn: serveOnNumkeys, group: "sorted-set", since: "7.0.0", complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", summary: "Pops members from the first non-empty sorted set of several, or blocks until one is available.", args: "timeout:double numkeys:integer key:key+ where:oneof(min:pure-token=MIN max:pure-token=MAX) count:integer=COUNT?" },
  zrandmember: { arity: -2, flags: "readonly", acl: "sortedset", tips: "nondeterministic_output", keys: [ks("RO access")], exec: zrandmemberCommand, group: "sorted-set", since: "6.2.0", complexity: "O(N) where N is the number of elements returned", summary: "Get one or multiple random elements from a sorted set", args: "key:key options:block?(count:integer withscores:pure-token=WITHSCORES?)" },
  zunion: { arity: -3, flags: "readonly movablekeys", acl: "sortedset", keys: [ksKeynum("RO access", 1, 0, 1, 1)], route: "multi", exec: zo.zunionCommand, group: "sorted-set", since: "6.2.0", complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", summary: "Add multiple sorted sets", args: "numkeys:integer key:key+ weight:integer=WEIGHTS?+ aggregate:oneof=AGGREGATE?(sum:pure-token=SUM min:pure-token=MIN max:pure-token=MAX) withscores:pure-token=WITHSCORES?" },
  zinter: { arity: -3, flags: "readonly movablekeys", acl: "sortedset", keys: [ksKeynum("RO access", 1, 0, 1, 1)], route: "multi", exec: zo.zinterCommand, group: "sorted-set", since: "6.2.0", complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", summary: "Intersect multiple sorted sets", args: "numkeys:integer key:key+ weight:integer=WEIGHTS?+ aggregate:oneof=AGGREGATE?(sum:pure-token=SUM min:pure-token=MIN max:pure-token=MAX) withscores:pure-token=WITHSCORES?" },
  zdiff: { arity: -3, flags: "readonly movablekeys", acl: "sortedset", keys: [ksKeynum("RO access", 1, 0, 1, 1)], route: "multi", exec: zo.zdiffCommand, group: "sorted-set", since: "6.2.0", complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", summary: "Subtract multiple sorted sets", args: "numkeys:integer key:key+ withscores:pure-token=WITHSCORES?" },
  zunionstore: { arity: -4, flags: "write denyoom movablekeys", acl: "sortedset", keys: [ks("OW update"), ksKeynum("RO access", 2, 0, 1, 1)], route: "multi", exec: zo.zunionstoreCommand, group: "sorted-set", since: "2.0.0", complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", summary: "Add multiple sorted sets and store the resulting sorted set in a new key", args: "destination:key numkeys:integer key:key#1+ weight:integer=WEIGHTS?+ aggregate:oneof=AGGREGATE?(sum:pure-token=SUM min:pure-token=MIN max:pure-token=MAX)" },
  zinterstore: { arity: -4, flags: "write denyoom movablekeys", acl: "sortedset", keys: [ks("OW update"), ksKeynum("RO access", 2, 0, 1, 1)], route: "multi", exec: zo.zinterstoreCommand, group: "sorted-set", since: "2.0.0", complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key", args: "destination:key numkeys:integer key:key#1+ weight:integer=WEIGHTS?+ aggregate:oneof=AGGREGATE?(sum:pure-token=SUM min:pure-token=MIN max:pure-token=MAX)" },
  zdiffstore: { arity: -4, flags: "write denyoom movablekeys", acl: "sortedset", keys: [ks("OW update"), ksKeynum("RO access", 2, 0, 1, 1)], route: "multi", exec: zo.zdiffstoreCommand, group: "sorted-set", since: "6.2.0", complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key", args: "destination:key numkeys:integer key:key#1+" },
  zintercard: { arity: -3, flags: "readonly movablekeys", acl: "sortedset", keys: [ksKeynum("RO access", 1, 0, 1, 1)], route: "multi", exec: zo.zintercardCommand, group: "sorted-set", since: "7.0.0", complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", summary: "Intersect multiple sorted sets and return the cardinality of the result", args: "numkeys:integer key:key+ limit:integer=LIMIT?" },
  zscan: { arity: -3, flags: "readonly", acl: "sortedset", tips: "nondeterministic_output", keys: [ks("RO access")], exec: zscanCommand, group: "sorted-set", since: "2.8.0", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", summary: "Incrementally iterate sorted sets elements and associated scores", args: "key:key cursor:integer pattern:pattern=MATCH? count:integer=COUNT?" },
};
