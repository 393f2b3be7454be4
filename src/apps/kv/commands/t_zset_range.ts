/**
 * The range commands of sorted sets (Redis' zrangeGenericCommand and
 * zremrangeGenericCommand): ZRANGE with BYSCORE/BYLEX/REV/LIMIT/WITHSCORES,
 * ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX,
 * ZREVRANGEBYLEX, ZCOUNT, ZLEXCOUNT and ZREMRANGEBYRANK/SCORE/LEX, with
 * Redis' order of checks and error texts.
 */
import { NOTIFY, notify, removedFrom } from "./notify.js";
import { type ExecContext } from "./command.js";
import { lookupRead, lookupWrite } from "./db.js";
import { DoubleReply, ErrorReply, PairsReply, type Reply } from "../resp/reply.js";
import { SYNTAX_ERROR, WRONGTYPE, clampIndex, intArg, option } from "./shared.js";
import {
  type LexRange,
  type ScoreRange,
  firstInLexRange,
  firstInScoreRange,
  gteMin,
  lastInLexRange,
  lastInScoreRange,
  lexGteMin,
  lexLteMax,
  lteMax,
  parseLexRange,
  parseScoreRange,
} from "./zset_range.js";
import { type ZPos, posNext, posPrev } from "./zset_tree.js";
import { ZSetValue } from "./zset_value.js";

export const NOT_A_FLOAT_RANGE = new ErrorReply("ERR min or max is not a float");
export const NOT_A_LEX_RANGE = new ErrorReply("ERR min or max not valid string range item");
const LIMIT_NEEDS_BY = new ErrorReply("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
const WITHSCORES_BYLEX = new ErrorReply("ERR syntax error, WITHSCORES not supported in combination with BYLEX");

/** The pairs a range command found. */
interface Found {
  members: string[];
  scores: number[];
}

/** The sorted set at key for reading: undefined when missing, WRONGTYPE for another type. */
export function readZset(ctx: ExecContext, key: string): ZSetValue | undefined | ErrorReply {
  const v = lookupRead(ctx, key);
  if (v === undefined || v instanceof ZSetValue) return v;
  return WRONGTYPE;
}

/** members (with DoubleReply scores when asked) as a range reply. */
export function rangeReply(f: Found, withscores: boolean): Reply {
  if (!withscores) return f.members;
  const out: Reply[] = new Array(f.members.length * 2);
  for (let i = 0; i < f.members.length; i++) {
    out[2 * i] = f.members[i]!;
    out[2 * i + 1] = new DoubleReply(f.scores[i]!);
  }
  return new PairsReply(out);
}

function walk(p: ZPos, reverse: boolean): void {
  if (reverse) posPrev(p);
  else posNext(p);
}

/** Ranks start..end (Redis' negative indexes), forward or from the end. */
function byRank(z: ZSetValue, start: number, end: number, reverse: boolean, f: Found): void {
  const n = z.size;
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return;
  if (end >= n) end = n - 1;
  let count = end - start + 1;
  const p = z.tree.at(reverse ? n - 1 - start : start);
  while (count-- > 0 && p.leaf !== null) {
    f.members.push(p.leaf.members[p.i]!);
    f.scores.push(p.leaf.scores[p.i]!);
    walk(p, reverse);
  }
}

/** Skips `offset` pairs (a negative offset skips everything, as Redis' `while (offset--)`), then takes up to `limit` (negative: all). */
function byPredicate(
  start: ZPos | null,
  reverse: boolean,
  offset: number,
  limit: number,
  inside: (s: number, m: string) => boolean,
  f: Found,
): void {
  if (start === null) return;
  const p = start;
  if (offset < 0) return;
  while (p.leaf !== null && offset-- > 0) walk(p, reverse);
  while (p.leaf !== null && limit-- !== 0) {
    const s = p.leaf.scores[p.i]!;
    const m = p.leaf.members[p.i]!;
    if (!inside(s, m)) break;
    f.members.push(m);
    f.scores.push(s);
    walk(p, reverse);
  }
}

function byScore(z: ZSetValue, r: ScoreRange, reverse: boolean, offset: number, limit: number, f: Found): void {
  const s = reverse ? lastInScoreRange(z, r) : firstInScoreRange(z, r);
  byPredicate(s?.pos ?? null, reverse, offset, limit, reverse ? (v) => gteMin(v, r) : (v) => lteMax(v, r), f);
}

function byLex(z: ZSetValue, r: LexRange, reverse: boolean, offset: number, limit: number, f: Found): void {
  const s = reverse ? lastInLexRange(z, r) : firstInLexRange(z, r);
  byPredicate(s?.pos ?? null, reverse, offset, limit, reverse ? (_, m) => lexGteMin(m, r) : (_, m) => lexLteMax(m, r), f);
}

type RangeType = "auto" | "rank" | "score" | "lex";
type Direction = "auto" | "forward" | "reverse";

/**
 * zrangeGenericCommand: `argv[from]` is the source key, then min max and
 * options; `store` is ZRANGESTORE (destination argv[1]).
 */
function zrangeGeneric(ctx: ExecContext, argv: readonly string[], from: number, store: boolean, type: RangeType, dir: Direction): Reply {
  let withscores = false;
  let hasLimit = false;
  let offset = 0;
  let limit = -1;
  for (let j = from + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = option(argv[j]!);
    if (!store && opt === "withscores") withscores = true;
    else if (opt === "limit" && left >= 2) {
      const o = intArg(argv[j + 1]!);
      if (o instanceof ErrorReply) return o;
      const l = intArg(argv[j + 2]!);
      if (l instanceof ErrorReply) return l;
      offset = clampIndex(o);
      limit = clampIndex(l);
      hasLimit = true;
      j += 2;
    } else if (dir === "auto" && opt === "rev") dir = "reverse";
    else if (type === "auto" && opt === "bylex") type = "lex";
    else if (type === "auto" && opt === "byscore") type = "score";
    else return SYNTAX_ERROR;
  }
  if (dir === "auto") dir = "forward";
  if (type === "auto") type = "rank";
  if (hasLimit && type === "rank") return LIMIT_NEEDS_BY;
  if (withscores && type === "lex") return WITHSCORES_BYLEX;
  const reverse = dir === "reverse";
  let minArg = argv[from + 1]!;
  let maxArg = argv[from + 2]!;
  if (reverse && type !== "rank") [minArg, maxArg] = [maxArg, minArg];
  let start = 0;
  let end = 0;
  let sr: ScoreRange | null = null;
  let lr: LexRange | null = null;
  if (type === "rank") {
    const a = intArg(minArg);
    if (a instanceof ErrorReply) return a;
    const b = intArg(maxArg);
    if (b instanceof ErrorReply) return b;
    start = clampIndex(a);
    end = clampIndex(b);
  } else if (type === "score") {
    sr = parseScoreRange(minArg, maxArg);
    if (sr === null) return NOT_A_FLOAT_RANGE;
  } else {
    lr = parseLexRange(minArg, maxArg);
    if (lr === null) return NOT_A_LEX_RANGE;
  }
  const z = readZset(ctx, argv[from]!);
  if (z instanceof ErrorReply) return z;
  const f: Found = { members: [], scores: [] };
  if (z !== undefined) {
    if (type === "rank") byRank(z, start, end, reverse, f);
    else if (type === "score") byScore(z, sr!, reverse, offset, limit, f);
    else byLex(z, lr!, reverse, offset, limit, f);
  }
  if (!store) return rangeReply(f, withscores);
  return storeFound(ctx, argv, argv[1]!, f);
}

/** Writes a STORE command's result to dst (deleting dst when empty); replies its size. */
export function storeResult(ctx: ExecContext, argv: readonly string[], dst: string, z: ZSetValue, event: string): Reply {
  if (z.size === 0) {
    if (ctx.db.deleteKey(dst)) {
      notify(ctx.db, NOTIFY.GENERIC, "del", dst);
      ctx.propagate(argv);
    }
    return 0;
  }
  ctx.db.setKey(dst, z);
  notify(ctx.db, NOTIFY.ZSET, event, dst);
  ctx.propagate(argv);
  return z.size;
}

function storeFound(ctx: ExecContext, argv: readonly string[], dst: string, f: Found): Reply {
  const z = new ZSetValue(f.members.length);
  for (let i = 0; i < f.members.length; i++) z.set(f.members[i]!, f.scores[i]!);
  return storeResult(ctx, argv, dst, z, "zrangestore");
}

export const zrangeCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zrangeGeneric(ctx, argv, 1, false, "auto", "auto");
export const zrangestoreCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zrangeGeneric(ctx, argv, 2, true, "auto", "auto");
export const zrevrangeCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zrangeGeneric(ctx, argv, 1, false, "rank", "reverse");
export const zrangebyscoreCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zrangeGeneric(ctx, argv, 1, false, "score", "forward");
export const zrevrangebyscoreCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zrangeGeneric(ctx, argv, 1, false, "score", "reverse");
export const zrangebylexCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zrangeGeneric(ctx, argv, 1, false, "lex", "forward");
export const zrevrangebylexCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zrangeGeneric(ctx, argv, 1, false, "lex", "reverse");

export function zcountCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const r = parseScoreRange(argv[2]!, argv[3]!);
  if (r === null) return NOT_A_FLOAT_RANGE;
  const z = readZset(ctx, argv[1]!);
  if (z === undefined) return 0;
  if (z instanceof ErrorReply) return z;
  const first = firstInScoreRange(z, r);
  if (first === null) return 0;
  const last = lastInScoreRange(z, r);
  return last === null ? 0 : last.rank - first.rank + 1;
}

export function zlexcountCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const r = parseLexRange(argv[2]!, argv[3]!);
  if (r === null) return NOT_A_LEX_RANGE;
  const z = readZset(ctx, argv[1]!);
  if (z === undefined) return 0;
  if (z instanceof ErrorReply) return z;
  const first = firstInLexRange(z, r);
  if (first === null) return 0;
  if (z.skiplist) {
    const last = lastInLexRange(z, r);
    return last === null ? 0 : last.rank - first.rank + 1;
  }
  // a listpack counts from the first in range while members stay under max
  let n = 0;
  const p = first.pos;
  while (p.leaf !== null && lexLteMax(p.leaf.members[p.i]!, r)) {
    n++;
    posNext(p);
  }
  return n;
}

type RemType = "rank" | "score" | "lex";

function zremrangeGeneric(ctx: ExecContext, argv: readonly string[], type: RemType): Reply {
  const key = argv[1]!;
  let start = 0;
  let end = 0;
  let sr: ScoreRange | null = null;
  let lr: LexRange | null = null;
  if (type === "rank") {
    const a = intArg(argv[2]!);
    if (a instanceof ErrorReply) return a;
    const b = intArg(argv[3]!);
    if (b instanceof ErrorReply) return b;
    start = clampIndex(a);
    end = clampIndex(b);
  } else if (type === "score") {
    sr = parseScoreRange(argv[2]!, argv[3]!);
    if (sr === null) return NOT_A_FLOAT_RANGE;
  } else {
    lr = parseLexRange(argv[2]!, argv[3]!);
    if (lr === null) return NOT_A_LEX_RANGE;
  }
  const v = lookupWrite(ctx, key);
  if (v === undefined) return 0;
  if (!(v instanceof ZSetValue)) return WRONGTYPE;
  const f: Found = { members: [], scores: [] };
  if (type === "rank") byRank(v, start, end, false, f);
  else if (type === "score") byScore(v, sr!, false, 0, -1, f);
  else byLex(v, lr!, false, 0, -1, f);
  if (f.members.length === 0) return 0;
  for (const m of f.members) v.delete(m);
  removedFrom(ctx.db, NOTIFY.ZSET, `zremrangeby${type}`, key, v.size === 0);
  ctx.propagate(argv);
  return f.members.length;
}

export const zremrangebyrankCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zremrangeGeneric(ctx, argv, "rank");
export const zremrangebyscoreCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zremrangeGeneric(ctx, argv, "score");
export const zremrangebylexCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zremrangeGeneric(ctx, argv, "lex");


