/**
 * Score and lex ranges of sorted sets as Redis' t_zset.c parses and walks
 * them (zslParseRange, zslParseLexRange, zsl/zzlFirstInRange ...): the
 * first and last pair in a range, found by a tree seek, or for a lex range
 * on a listpack-encoded set by Redis' linear scan (the two differ only when
 * scores differ, where Redis' lex order is undefined).
 */
import { strtod } from "./strtod.js";
import { type ZPos, posNext, posPrev, zcmp } from "./zset_tree.js";
import { type ZSetValue } from "./zset_value.js";

export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** One bound of a score range: `(x` exclusive; strtod up to a NUL; NaN refused. */
function scoreBound(s: string): [number, boolean] | null {
  const ex = s.charCodeAt(0) === 40; /* ( */
  const r = strtod(s, ex ? 1 : 0);
  if ((r.end < s.length && s.charCodeAt(r.end) !== 0) || Number.isNaN(r.value)) return null;
  return [r.value, ex];
}

/** zslParseRange; null for "min or max is not a float". */
export function parseScoreRange(min: string, max: string): ScoreRange | null {
  const a = scoreBound(min);
  const b = a === null ? null : scoreBound(max);
  if (a === null || b === null) return null;
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

export function gteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function lteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** `-` and `+` are the lowest and highest strings; any other bound is a member with `(` or `[`. */
export const LEX_MIN: unique symbol = Symbol("-");
export const LEX_MAX: unique symbol = Symbol("+");
type LexBound = string | typeof LEX_MIN | typeof LEX_MAX;

export interface LexRange {
  min: LexBound;
  max: LexBound;
  minex: boolean;
  maxex: boolean;
}

function lexBound(s: string): [LexBound, boolean] | null {
  const c = s.charCodeAt(0);
  const alone = s.length === 1 || s.charCodeAt(1) === 0;
  if (c === 43 /* + */) return alone ? [LEX_MAX, true] : null;
  if (c === 45 /* - */) return alone ? [LEX_MIN, true] : null;
  if (c === 40 /* ( */) return [s.slice(1), true];
  if (c === 91 /* [ */) return [s.slice(1), false];
  return null;
}

/** zslParseLexRange; null for "min or max not valid string range item". */
export function parseLexRange(min: string, max: string): LexRange | null {
  const a = lexBound(min);
  const b = a === null ? null : lexBound(max);
  if (a === null || b === null) return null;
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

/** sdscmplex. */
function cmpLex(a: LexBound, b: LexBound): number {
  if (a === b) return 0;
  if (a === LEX_MIN || b === LEX_MAX) return -1;
  if (a === LEX_MAX || b === LEX_MIN) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function lexGteMin(v: string, r: LexRange): boolean {
  const c = cmpLex(v, r.min);
  return r.minex ? c > 0 : c >= 0;
}

export function lexLteMax(v: string, r: LexRange): boolean {
  const c = cmpLex(v, r.max);
  return r.maxex ? c < 0 : c <= 0;
}

function firstPos(z: ZSetValue): ZPos {
  return { leaf: z.size === 0 ? null : z.tree.head, i: 0 };
}

function lastPos(z: ZSetValue): ZPos {
  const t = z.tree.tail;
  return { leaf: z.size === 0 ? null : t, i: t.members.length - 1 };
}

const NONE: ZPos = { leaf: null, i: 0 };

function scoreAt(p: ZPos): number {
  return p.leaf!.scores[p.i]!;
}

function memberAt(p: ZPos): string {
  return p.leaf!.members[p.i]!;
}

/** zslIsInRange: the range is not empty and overlaps the set's scores. */
function inScoreRange(z: ZSetValue, r: ScoreRange): boolean {
  if (r.min > r.max || (r.min === r.max && (r.minex || r.maxex))) return false;
  if (z.size === 0) return false;
  if (!gteMin(scoreAt(lastPos(z)), r)) return false;
  return lteMax(scoreAt(firstPos(z)), r);
}

/** The first pair in the range and its rank; null when none. */
export function firstInScoreRange(z: ZSetValue, r: ScoreRange): { pos: ZPos; rank: number } | null {
  if (!inScoreRange(z, r)) return null;
  const s = z.tree.seek((v) => gteMin(v, r));
  if (s.pos.leaf === null || !lteMax(scoreAt(s.pos), r)) return null;
  return s;
}

/** The last pair in the range and its rank; null when none. */
export function lastInScoreRange(z: ZSetValue, r: ScoreRange): { pos: ZPos; rank: number } | null {
  if (!inScoreRange(z, r)) return null;
  const s = z.tree.seek((v) => !lteMax(v, r));
  const pos = s.pos.leaf === null ? lastPos(z) : { leaf: s.pos.leaf, i: s.pos.i };
  if (s.pos.leaf !== null) posPrev(pos);
  if (pos.leaf === null || !gteMin(scoreAt(pos), r)) return null;
  return { pos, rank: s.rank - 1 };
}

/** zslIsInLexRange. */
function inLexRange(z: ZSetValue, r: LexRange): boolean {
  const c = cmpLex(r.min, r.max);
  if (c > 0 || (c === 0 && (r.minex || r.maxex))) return false;
  if (z.size === 0) return false;
  if (!lexGteMin(memberAt(lastPos(z)), r)) return false;
  return lexLteMax(memberAt(firstPos(z)), r);
}

/** The first pair in a lex range (rank only meaningful for a skiplist-encoded set); null when none. */
export function firstInLexRange(z: ZSetValue, r: LexRange): { pos: ZPos; rank: number } | null {
  if (!inLexRange(z, r)) return null;
  let s: { pos: ZPos; rank: number };
  if (z.skiplist) s = z.tree.seek((_, m) => lexGteMin(m, r));
  else {
    const pos = firstPos(z);
    let rank = 0;
    while (pos.leaf !== null && !lexGteMin(memberAt(pos), r)) {
      posNext(pos);
      rank++;
    }
    s = { pos, rank };
  }
  if (s.pos.leaf === null || !lexLteMax(memberAt(s.pos), r)) return null;
  return s;
}

/** The last pair in a lex range; null when none. */
export function lastInLexRange(z: ZSetValue, r: LexRange): { pos: ZPos; rank: number } | null {
  if (!inLexRange(z, r)) return null;
  let pos: ZPos;
  let rank: number;
  if (z.skiplist) {
    const s = z.tree.seek((_, m) => !lexLteMax(m, r));
    pos = s.pos.leaf === null ? lastPos(z) : { leaf: s.pos.leaf, i: s.pos.i };
    if (s.pos.leaf !== null) posPrev(pos);
    rank = s.rank - 1;
  } else {
    pos = lastPos(z);
    rank = z.size - 1;
    while (pos.leaf !== null && !lexLteMax(memberAt(pos), r)) {
      posPrev(pos);
      rank--;
    }
  }
  if (pos.leaf === null || !lexGteMin(memberAt(pos), r)) return null;
  return { pos, rank };
}

export { NONE as NO_POS, memberAt, scoreAt, zcmp };
