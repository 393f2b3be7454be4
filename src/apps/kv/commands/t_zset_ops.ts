/**
 * ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Redis'
 * zunionInterDiffGenericCommand): inputs are sorted sets or sets (every
 * member of a set scores 1), WEIGHTS and AGGREGATE SUM|MIN|MAX, and Redis'
 * arithmetic to the bit: inputs visited smallest first, NaN (inf - inf,
 * 0 * inf) taken as 0 where Redis does.
 */
import { type ExecContext } from "./command.js";
import { type Value, lookupRead } from "./db.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { SYNTAX_ERROR, WRONGTYPE, intArg, option } from "./shared.js";
import { parseScore } from "./strtod.js";
import { rangeReply, storeResult } from "./t_zset_range.js";
import { ZSetValue } from "./zset_value.js";
import { SetValue } from "./set_value.js";

type Op = "union" | "inter" | "diff";
type Aggregate = "sum" | "min" | "max";

/** What a set value (t_set's class) offers: iteration, membership and size, as a JS Set does. */
interface SetLike extends Iterable<string> {
  readonly size: number;
  has(member: string): boolean;
}

/** One input: a sorted set, a set, or nothing (missing key). */
interface Source {
  z: ZSetValue | null;
  set: SetLike | null;
  weight: number;
}

function sourceSize(s: Source): number {
  return s.z !== null ? s.z.size : s.set !== null ? s.set.size : 0;
}

/** The input's pairs: a sorted set in order, a set's members with score 1. */
function* sourcePairs(s: Source): Generator<[string, number]> {
  if (s.z !== null) yield* s.z.tree.entries();
  else if (s.set !== null) for (const m of s.set) yield [m, 1];
}

function sourceScore(s: Source, m: string): number | undefined {
  if (s.z !== null) return s.z.dict.get(m);
  if (s.set !== null) return s.set.has(m) ? 1 : undefined;
  return undefined;
}

/** zunionInterAggregate. */
function aggregate(target: number, val: number, agg: Aggregate): number {
  if (agg === "sum") {
    const r = target + val;
    return Number.isNaN(r) ? 0 : r;
  }
  if (agg === "min") return val < target ? val : target;
  return val > target ? val : target;
}

const WEIGHT_NOT_FLOAT = new ErrorReply("ERR weight value is not a float");
const LIMIT_NEGATIVE = new ErrorReply("ERR LIMIT can't be negative");

function zsetOp(ctx: ExecContext, argv: readonly string[], dst: string | null, numkeysIdx: number, op: Op, cardOnly: boolean): Reply {
  const nk = intArg(argv[numkeysIdx]!);
  if (nk instanceof ErrorReply) return nk;
  if (nk < 1) return new ErrorReply(`ERR at least 1 input key is needed for '${argv[0]!.toLowerCase()}' command`);
  if (nk > argv.length - (numkeysIdx + 1)) return SYNTAX_ERROR;
  const setnum = Number(nk);
  const src: Source[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    // read lookups even for STORE (they count in keyspace_hits/misses, as in Redis)
    const v: Value | undefined = lookupRead(ctx, argv[j]!);
    if (v === undefined) src.push({ z: null, set: null, weight: 1 });
    else if (v instanceof ZSetValue) src.push({ z: v, set: null, weight: 1 });
    else if (v instanceof SetValue) src.push({ z: null, set: v, weight: 1 });
    else return WRONGTYPE;
  }
  let agg: Aggregate = "sum";
  let withscores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const opt = option(argv[j]!);
    if (op !== "diff" && !cardOnly && remaining >= setnum + 1 && opt === "weights") {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseScore(argv[j]!);
        if (w === null) return WEIGHT_NOT_FLOAT;
        src[i]!.weight = w;
      }
    } else if (op !== "diff" && !cardOnly && remaining >= 2 && opt === "aggregate") {
      const a = option(argv[j + 1]!);
      if (a !== "sum" && a !== "min" && a !== "max") return SYNTAX_ERROR;
      agg = a;
      j += 2;
    } else if (dst === null && !cardOnly && opt === "withscores") {
      withscores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && opt === "limit") {
      const l = intArg(argv[j + 1]!, LIMIT_NEGATIVE);
      if (l instanceof ErrorReply) return l;
      if (l < 0) return LIMIT_NEGATIVE;
      limit = typeof l === "number" ? l : Number.MAX_SAFE_INTEGER;
      j += 2;
    } else return SYNTAX_ERROR;
  }
  // smallest input first (glibc's qsort is a stable merge sort here)
  if (op !== "diff") src.sort((a, b) => sourceSize(a) - sourceSize(b));

  const out = new ZSetValue(ZSET_BIG);
  let card = 0;
  if (op === "inter") {
    if (sourceSize(src[0]!) > 0) {
      for (const [m, s0] of sourcePairs(src[0]!)) {
        let score = src[0]!.weight * s0;
        if (Number.isNaN(score)) score = 0;
        let k = 1;
        for (; k < setnum; k++) {
          const v = sourceScore(src[k]!, m);
          if (v === undefined) break;
          score = aggregate(score, v * src[k]!.weight, agg);
        }
        if (k < setnum) continue;
        if (cardOnly) {
          card++;
          if (limit !== 0 && card >= limit) break;
        } else out.set(m, score);
      }
    }
  } else if (op === "union") {
    const acc = new Map<string, number>();
    for (const s of src) {
      for (const [m, v] of sourcePairs(s)) {
        let score = s.weight * v;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(m);
        acc.set(m, cur === undefined ? score : aggregate(cur, score, agg));
      }
    }
    for (const [m, s] of acc) out.set(m, s);
  } else {
    for (const [m, s] of sourcePairs(src[0]!)) {
      let k = 1;
      for (; k < setnum; k++) if (sourceScore(src[k]!, m) !== undefined) break;
      if (k === setnum) out.set(m, s);
    }
  }
  if (cardOnly) return card;
  if (dst !== null) {
    out.shrinkEncoding();
    return storeResult(ctx, argv, dst, out, `z${op}store`);
  }
  const f = { members: [] as string[], scores: [] as number[] };
  for (const [m, s] of out.tree.entries()) {
    f.members.push(m);
    f.scores.push(s);
  }
  return rangeReply(f, withscores);
}

/** A result starts as a skiplist (createZsetObject); STORE shrinks it back when small. */
const ZSET_BIG = Number.MAX_SAFE_INTEGER;

export const zunionstoreCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zsetOp(ctx, argv, argv[1]!, 2, "union", false);
export const zinterstoreCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zsetOp(ctx, argv, argv[1]!, 2, "inter", false);
export const zdiffstoreCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zsetOp(ctx, argv, argv[1]!, 2, "diff", false);
export const zunionCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zsetOp(ctx, argv, null, 1, "union", false);
export const zinterCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zsetOp(ctx, argv, null, 1, "inter", false);
export const zdiffCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zsetOp(ctx, argv, null, 1, "diff", false);
export const zintercardCommand = (ctx: ExecContext, argv: readonly string[]): Reply => zsetOp(ctx, argv, null, 1, "inter", true);
