/**
 * SORT and SORT_RO (Redis' sort.c): sorts a list, set or sorted set by
 * the elements' numeric value, as strings (ALPHA), or by weights read
 * from other keys (BY pattern, `*` replaced by the element, `key->field`
 * for a hash field), returns or GETs other keys per element, and STOREs
 * the result as a list.
 *
 * Orders match Redis' exactly: numeric ties are broken by comparing the
 * elements' bytes; ALPHA compares as strcoll does in the C/C.UTF-8 locale
 * (bytes, up to the first NUL) unless STORE is given (all bytes); ALPHA
 * with BY leaves equal weights in their first order, as glibc's stable
 * qsort does, or as Redis' pqsort leaves them under LIMIT (pqsort.ts).
 *
 * Pattern keys are read from `ctx.db` like the sorted key (the server runs
 * a SORT with patterns where it sees every key). SORT ... STORE is
 * propagated as what it did (DEL, then RPUSH of the stored list), so the
 * append-only file does not depend on other keys or on an order.
 */
import { NOTIFY, notify } from "./notify.js";
import { type ExecContext } from "./command.js";
import { type Def, ks, ksUnknown } from "./command_def.js";
import { type HashValue, lookupRead, lookupWrite } from "./db.js";
import { ListValue } from "./list_value.js";
import { pqsort } from "./pqsort.js";
import { SetValue } from "./set_value.js";
import { strtod } from "./strtod.js";
import { ITEMS_PER_CMD } from "./value_types.js";
import { ZSetValue } from "./zset_value.js";
import { posNext, posPrev } from "./zset_tree.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { SYNTAX_ERROR, WRONGTYPE, clampIndex, cstr, intArg, option } from "./shared.js";

const CANT_CONVERT = new ErrorReply("ERR One or more scores can't be converted into double");
/** The smallest normal double: glibc's strtod sets ERANGE for an inexact result below it. */
const DBL_MIN = 2.2250738585072014e-308;

/** One element to sort: the element, its numeric weight, its ALPHA weight when BY gave one (null: missing). */
interface Item {
  readonly obj: string;
  score: number;
  cmp: string | null;
}

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  /** BY's pattern (the last BY); null without BY. */
  by: string | null;
  /** A BY without `*` was given: nothing to sort (sticky, as in sort.c). */
  dontsort: boolean;
  gets: string[];
  store: string | null;
}

/** sortCommandGeneric's parse: left to right, the first bad option answers. */
function parseOptions(argv: readonly string[], readonly: boolean): SortOptions | ErrorReply {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, by: null, dontsort: false, gets: [], store: null };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const w = option(argv[j]!);
    if (w === "asc") o.desc = false;
    else if (w === "desc") o.desc = true;
    else if (w === "alpha") o.alpha = true;
    else if (w === "limit" && left >= 2) {
      const start = intArg(argv[j + 1]!);
      if (start instanceof ErrorReply) return start;
      const count = intArg(argv[j + 2]!);
      if (count instanceof ErrorReply) return count;
      o.limitStart = clampIndex(start);
      o.limitCount = clampIndex(count);
      j += 2;
    } else if (!readonly && w === "store" && left >= 1) {
      o.store = argv[++j]!;
    } else if (w === "by" && left >= 1) {
      o.by = argv[++j]!;
      if (!cstr(o.by).includes("*")) o.dontsort = true;
    } else if (w === "get" && left >= 1) {
      o.gets.push(argv[++j]!);
    } else {
      return SYNTAX_ERROR;
    }
  }
  return o;
}

/**
 * lookupKeyByPattern: `#` is the element itself; else the first `*` is
 * replaced by the element and the key read (a string), or with `->field`
 * after the `*`, that field of the hash; null when there is no `*`, no
 * such key or field, or a key of another type.
 */
function lookupByPattern(ctx: ExecContext, pattern: string, subst: string): string | null {
  // C string functions: the searches stop at a NUL, the lengths do not.
  const c = cstr(pattern);
  if (c === "#") return subst;
  const star = c.indexOf("*");
  if (star < 0) return null;
  const arrow = c.indexOf("->", star + 1);
  const hasField = arrow >= 0 && arrow + 2 < c.length;
  const key = pattern.slice(0, star) + subst + pattern.slice(star + 1, hasField ? arrow : pattern.length);
  const v = lookupRead(ctx, key);
  if (v === undefined) return null;
  if (hasField) {
    if (!(v instanceof Map)) return null;
    return (v as HashValue).get(pattern.slice(arrow + 2)) ?? null;
  }
  return typeof v === "string" ? v : null;
}

/** A plain decimal integer (at most 16 characters): Number() rounds it as strtod does, and it cannot overflow. */
function smallInt(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 16) return false;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n) return false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** strtod as sort.c checks it: the whole C string read, no ERANGE, no NaN; null when not. */
function weight(s: string): number | null {
  if (smallInt(s)) return Number(s);
  const r = strtod(s);
  if (r.end < s.length && s.charCodeAt(r.end) !== 0) return null;
  const v = r.value;
  if (r.range || Number.isNaN(v)) return null;
  // glibc also flags an inexact subnormal (a hex float is exact when it fits)
  if (v !== 0 && Math.abs(v) < DBL_MIN && !/^\s*[+-]?0[xX]/.test(s)) return null;
  return v;
}

/**
 * sortCompare for one SORT's options. ALPHA compares `cmp`: the BY weight,
 * or without BY the element's own key (its C string for strcoll, or all
 * of it under STORE), computed once per element.
 */
function comparator(desc: boolean, alpha: boolean): (x: Item, y: Item) => number {
  if (!alpha) {
    return desc
      ? (x, y) => (x.score < y.score ? 1 : x.score > y.score ? -1 : x.obj < y.obj ? 1 : x.obj > y.obj ? -1 : 0)
      : (x, y) => (x.score > y.score ? 1 : x.score < y.score ? -1 : x.obj > y.obj ? 1 : x.obj < y.obj ? -1 : 0);
  }
  const asc = (x: Item, y: Item): number => {
    const a = x.cmp;
    const b = y.cmp;
    if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
    return a > b ? 1 : a < b ? -1 : 0;
  };
  return desc ? (x, y) => -asc(x, y) : asc;
}

/** The elements of `v` in the order Redis 7.0 loads them when it sorts (a set: its iteration order). */
function allItems(v: ListValue | SetValue | ZSetValue): string[] {
  if (v instanceof ListValue) return v.length === 0 ? [] : v.range(0, v.length - 1);
  if (v instanceof SetValue) return v.members();
  return [...v.dict.keys()];
}

/** Elements start..end of a list or sorted set in its own order, from the end when `desc` (sort.c's dontsort path). */
function naturalRange(v: ListValue | ZSetValue, start: number, end: number, desc: boolean): string[] {
  const n = v instanceof ListValue ? v.length : v.size;
  const out: string[] = [];
  if (end < start) return out;
  if (v instanceof ListValue) {
    for (let i = start; i <= end; i++) out.push(v.at(desc ? n - 1 - i : i));
    return out;
  }
  const pos = v.tree.at(desc ? n - 1 - start : start);
  for (let i = start; i <= end; i++) {
    out.push(pos.leaf!.members[pos.i]!);
    if (desc) posPrev(pos);
    else posNext(pos);
  }
  return out;
}

function sortGeneric(ctx: ExecContext, argv: readonly string[], readonly: boolean): Reply {
  const o = parseOptions(argv, readonly);
  if (o instanceof ErrorReply) return o;
  const found = lookupRead(ctx, argv[1]!);
  if (found !== undefined && !(found instanceof ListValue || found instanceof SetValue || found instanceof ZSetValue)) return WRONGTYPE;
  const sortval = found ?? new ListValue();
  let { dontsort, alpha, by } = o;
  // A set in its own order would make the stored list depend on the set's layout: sorted instead.
  if (dontsort && sortval instanceof SetValue && o.store !== null) {
    dontsort = false;
    alpha = true;
    by = null;
  }
  const len = sortval instanceof ListValue ? sortval.length : sortval.size;
  let start = Math.min(Math.max(o.limitStart, 0), len);
  const count = Math.min(Math.max(o.limitCount, -1), len);
  let end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  let elems: string[];
  if (dontsort && !(sortval instanceof SetValue)) {
    elems = naturalRange(sortval, start, end, o.desc);
    end -= start;
    start = 0;
  } else {
    elems = allItems(sortval);
    if (!dontsort) {
      const items: Item[] = elems.map((obj) => ({ obj, score: 0, cmp: null }));
      // strcoll in the C/C.UTF-8 locale compares the bytes up to a NUL; under STORE Redis compares all of them
      const strings = o.store !== null ? (x: string) => x : cstr;
      let bad = false;
      for (const it of items) {
        let w: string | null = it.obj;
        if (by !== null) {
          w = lookupByPattern(ctx, by, it.obj);
          if (w === null) continue;
        }
        if (alpha) {
          it.cmp = strings(w);
        } else {
          const s = weight(w);
          if (s === null) bad = true;
          else it.score = s;
        }
      }
      // Redis sorts first and then answers the error: nothing else happens in between.
      if (bad) return CANT_CONVERT;
      const cmp = comparator(o.desc, alpha);
      if (by !== null && (start !== 0 || end !== items.length - 1)) pqsort(items, cmp, start, end);
      else items.sort(cmp);
      elems = items.map((it) => it.obj);
    }
  }

  if (o.store === null) {
    const out: Reply[] = [];
    for (let j = start; j <= end; j++) {
      if (o.gets.length === 0) out.push(elems[j]!);
      for (const g of o.gets) out.push(lookupByPattern(ctx, g, elems[j]!));
    }
    return out;
  }
  let stored: string[];
  if (o.gets.length === 0) stored = start === 0 && end === elems.length - 1 ? elems : elems.slice(start, end + 1);
  else {
    stored = [];
    for (let j = start; j <= end; j++) for (const g of o.gets) stored.push(lookupByPattern(ctx, g, elems[j]!) ?? "");
  }
  const dst = o.store;
  if (stored.length > 0) {
    const list = new ListValue(Math.max(4, stored.length));
    for (const x of stored) list.pushTail(x);
    lookupWrite(ctx, dst); // setKey's lookup: an expired destination counts as expired
    ctx.db.setKey(dst, list);
    notify(ctx.db, NOTIFY.LIST, "sortstore", dst);
    ctx.propagate(["DEL", dst]);
    for (let i = 0; i < stored.length; i += ITEMS_PER_CMD) ctx.propagate(["RPUSH", dst, ...stored.slice(i, i + ITEMS_PER_CMD)]);
  } else if (ctx.db.deleteKey(dst)) {
    notify(ctx.db, NOTIFY.GENERIC, "del", dst);
    ctx.propagate(["DEL", dst]);
  }
  return stored.length;
}

/** SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination] */
export function sortCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return sortGeneric(ctx, argv, false);
}

/** SORT_RO: SORT without STORE (a STORE is a syntax error). */
export function sortRoCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return sortGeneric(ctx, argv, true);
}

/**
 * The keys of a SORT command line as Redis' sortGetKeys finds them: the
 * sorted key, then the last STORE's destination (options skipped with
 * their arguments). BY/GET keys depend on the data and are not named.
 */
export function sortKeys(argv: readonly string[]): { pos: number; flags: readonly string[] }[] {
  const keys: { pos: number; flags: readonly string[] }[] = [{ pos: 1, flags: ["RO", "access"] }];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const w = option(argv[i]!);
    if (w === "limit") i += 2;
    else if (w === "get" || w === "by") i += 1;
    else if (w === "store" && i + 1 < argv.length) store = i + 1;
  }
  if (store > 0) keys.push({ pos: store, flags: ["OW", "update"] });
  return keys;
}

/** Whether BY or GET names a pattern with `*`: then it reads keys no spec names (GET # and a BY without `*` read none). */
export function sortReadsOtherKeys(argv: readonly string[]): boolean {
  for (let i = 2; i < argv.length; i++) {
    const w = option(argv[i]!);
    if (w === "limit") i += 2;
    else if ((w === "get" || w === "by") && i + 1 < argv.length && argv[++i]!.includes("*")) return true;
  }
  return false;
}

const BY_GET_NOTES = "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort";
const STORE_NOTES = "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array";
const COMPLEXITY =
  "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";
const ARGS =
  "key:key pattern:pattern#1=BY? offset_count:block=LIMIT?(offset:integer count:integer) pattern:pattern#1=GET?+! " +
  "order:oneof?(asc:pure-token=ASC desc:pure-token=DESC) sorting:pure-token=ALPHA?";

export const SORT_DEFS: Record<string, Def> = {
  sort: { arity: -2, flags: "write denyoom movablekeys", acl: "set sortedset list dangerous",
    keys: [ks("RO access"), ksUnknown("RO access", BY_GET_NOTES), ksUnknown("OW update", STORE_NOTES)], route: "multi",
    exec: sortCommand, getKeys: sortKeys, readsUnknownKeys: sortReadsOtherKeys, group: "generic", since: "1.0.0", complexity: COMPLEXITY,
    summary: "Sort the elements in a list, set or sorted set", args: `${ARGS} destination:key#2=STORE?` },
  sort_ro: { arity: -2, flags: "readonly movablekeys", acl: "set sortedset list dangerous",
    keys: [ks("RO access"), ksUnknown("RO access", BY_GET_NOTES)], route: "multi",
    exec: sortRoCommand, readsUnknownKeys: sortReadsOtherKeys, group: "generic", since: "7.0.0", complexity: COMPLEXITY,
    summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", args: ARGS },
};
