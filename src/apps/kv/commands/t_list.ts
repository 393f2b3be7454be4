/**
 * List commands (Redis' t_list.c), the non-blocking ones: LPUSH, RPUSH,
 * LPUSHX, RPUSHX, LPOP, RPOP (with count), LRANGE, LLEN, LINDEX, LSET,
 * LTRIM, LREM, LINSERT, LPOS, LMOVE, RPOPLPUSH, LMPOP. A list emptied by a
 * command is deleted, as in Redis.
 */
import { NOTIFY, notify, removedFrom } from "./notify.js";
import { type ExecContext } from "./command.js";
import { type Def, ks, ksKeynum } from "./command_def.js";
import { BlockOn, block, serveOnLast, serveOnNumkeys, timeoutSeconds } from "./blocking.js";
import { lookupRead, lookupWrite } from "./db.js";
import { ListValue } from "./list_value.js";
import { INT64_MIN } from "./numbers.js";
import { ErrorReply, NULL_ARRAY, OK, type Reply } from "../resp/reply.js";
import { MUST_BE_POSITIVE, NO_SUCH_KEY, SYNTAX_ERROR, WRONGTYPE, arityError, clampIndex, intArg, option } from "./shared.js";

function readList(ctx: ExecContext, key: string): ListValue | undefined | ErrorReply {
  const v = lookupRead(ctx, key);
  if (v === undefined || v instanceof ListValue) return v;
  return WRONGTYPE;
}

function pushGeneric(ctx: ExecContext, argv: readonly string[], head: boolean): Reply {
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  let list: ListValue;
  if (v === undefined) {
    list = new ListValue();
    ctx.db.setKey(key, list);
  } else if (v instanceof ListValue) {
    list = v;
    ctx.db.modified(key);
  } else {
    return WRONGTYPE;
  }
  for (let j = 2; j < argv.length; j++) {
    if (head) list.pushHead(argv[j]!);
    else list.pushTail(argv[j]!);
  }
  notify(ctx.db, NOTIFY.LIST, head ? "lpush" : "rpush", key);
  ctx.propagate(argv);
  return list.length;
}

export function lpushCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return pushGeneric(ctx, argv, true);
}

export function rpushCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return pushGeneric(ctx, argv, false);
}

function popGeneric(ctx: ExecContext, argv: readonly string[], head: boolean, name: string): Reply {
  if (argv.length > 3) return arityError(name);
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const n = intArg(argv[2]!, MUST_BE_POSITIVE);
    if (n instanceof ErrorReply) return n;
    if (n < 0) return MUST_BE_POSITIVE;
    count = clampIndex(n);
  }
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v === undefined) return hasCount ? NULL_ARRAY : null;
  if (!(v instanceof ListValue)) return WRONGTYPE;
  if (hasCount && count === 0) return [];
  let reply: Reply;
  if (!hasCount) {
    reply = (head ? v.popHead() : v.popTail())!;
  } else {
    const n = Math.min(count, v.length);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = (head ? v.popHead() : v.popTail())!;
    reply = out;
  }
  removedFrom(ctx.db, NOTIFY.LIST, head ? "lpop" : "rpop", key, v.length === 0);
  ctx.propagate(argv);
  return reply;
}

export function lpopCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return popGeneric(ctx, argv, true, "lpop");
}

export function rpopCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return popGeneric(ctx, argv, false, "rpop");
}

export function lrangeCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const s0 = intArg(argv[2]!);
  if (s0 instanceof ErrorReply) return s0;
  const e0 = intArg(argv[3]!);
  if (e0 instanceof ErrorReply) return e0;
  const list = readList(ctx, argv[1]!);
  if (list === undefined) return [];
  if (list instanceof ErrorReply) return list;
  const len = list.length;
  let start = clampIndex(s0);
  let end = clampIndex(e0);
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return [];
  if (end >= len) end = len - 1;
  return list.range(start, end);
}

export function llenCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const list = readList(ctx, argv[1]!);
  if (list === undefined) return 0;
  if (list instanceof ErrorReply) return list;
  return list.length;
}

export function lindexCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const list = readList(ctx, argv[1]!);
  if (list === undefined) return null;
  if (list instanceof ErrorReply) return list;
  const i0 = intArg(argv[2]!);
  if (i0 instanceof ErrorReply) return i0;
  let i = clampIndex(i0);
  if (i < 0) i = list.length + i;
  if (i < 0 || i >= list.length) return null;
  return list.at(i);
}

// ---------------------------------------------------------------------------
// LPUSHX RPUSHX LSET LTRIM LREM LINSERT LPOS LMOVE RPOPLPUSH LMPOP

const OUT_OF_RANGE = new ErrorReply("ERR index out of range");
const RANK_ZERO = new ErrorReply(
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
);
const COUNT_NEGATIVE = new ErrorReply("ERR COUNT can't be negative");
const MAXLEN_NEGATIVE = new ErrorReply("ERR MAXLEN can't be negative");
const NUMKEYS_POSITIVE = new ErrorReply("ERR numkeys should be greater than 0");
const COUNT_POSITIVE = new ErrorReply("ERR count should be greater than 0");

function pushxGeneric(ctx: ExecContext, argv: readonly string[], head: boolean): Reply {
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v === undefined) return 0;
  if (!(v instanceof ListValue)) return WRONGTYPE;
  for (let j = 2; j < argv.length; j++) {
    if (head) v.pushHead(argv[j]!);
    else v.pushTail(argv[j]!);
  }
  ctx.db.modified(key);
  notify(ctx.db, NOTIFY.LIST, head ? "lpush" : "rpush", key);
  ctx.propagate(argv);
  return v.length;
}

export function lpushxCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return pushxGeneric(ctx, argv, true);
}

export function rpushxCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return pushxGeneric(ctx, argv, false);
}

export function lsetCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v === undefined) return NO_SUCH_KEY;
  if (!(v instanceof ListValue)) return WRONGTYPE;
  const i0 = intArg(argv[2]!);
  if (i0 instanceof ErrorReply) return i0;
  let i = clampIndex(i0);
  if (i < 0) i = v.length + i;
  if (i < 0 || i >= v.length) return OUT_OF_RANGE;
  v.set(i, argv[3]!);
  ctx.db.modified(key);
  notify(ctx.db, NOTIFY.LIST, "lset", key);
  ctx.propagate(argv);
  return OK;
}

export function ltrimCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const s0 = intArg(argv[2]!);
  if (s0 instanceof ErrorReply) return s0;
  const e0 = intArg(argv[3]!);
  if (e0 instanceof ErrorReply) return e0;
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v === undefined) return OK;
  if (!(v instanceof ListValue)) return WRONGTYPE;
  const len = v.length;
  let start = clampIndex(s0);
  let end = clampIndex(e0);
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  let ltrim: number;
  let rtrim: number;
  if (start > end || start >= len) {
    ltrim = len;
    rtrim = 0;
  } else {
    if (end >= len) end = len - 1;
    ltrim = start;
    rtrim = len - end - 1;
  }
  for (let k = 0; k < ltrim; k++) v.popHead();
  for (let k = 0; k < rtrim; k++) v.popTail();
  removedFrom(ctx.db, NOTIFY.LIST, "ltrim", key, v.length === 0);
  // Redis propagates only when something went (server.dirty).
  if (ltrim + rtrim > 0) ctx.propagate(argv);
  return OK;
}

export function lremCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const n = intArg(argv[2]!);
  if (n instanceof ErrorReply) return n;
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v === undefined) return 0;
  if (!(v instanceof ListValue)) return WRONGTYPE;
  const count = clampIndex(n);
  const removed = v.removeEqual(argv[3]!, Math.abs(count), count < 0);
  if (removed > 0) {
    removedFrom(ctx.db, NOTIFY.LIST, "lrem", key, v.length === 0);
    ctx.propagate(argv);
  }
  return removed;
}

export function linsertCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const where = option(argv[2]!);
  if (where !== "after" && where !== "before") return SYNTAX_ERROR;
  const key = argv[1]!;
  const v = lookupWrite(ctx, key);
  if (v === undefined) return 0;
  if (!(v instanceof ListValue)) return WRONGTYPE;
  const at = v.indexOf(argv[3]!);
  if (at < 0) return -1;
  v.insertAt(where === "after" ? at + 1 : at, argv[4]!);
  ctx.db.modified(key);
  notify(ctx.db, NOTIFY.LIST, "linsert", key);
  ctx.propagate(argv);
  return v.length;
}

export function lposCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = option(argv[j]!);
    const more = argv.length - 1 - j;
    if (opt === "rank" && more > 0) {
      const r = intArg(argv[++j]!);
      if (r instanceof ErrorReply) return r;
      if (r == 0) return RANK_ZERO;
      // LONG_MIN negates to itself in Redis: from the tail, and the first match counts (with COUNT Redis crashes).
      rank = r === INT64_MIN ? -1 : clampIndex(r);
    } else if (opt === "count" && more > 0) {
      const c = intArg(argv[++j]!, COUNT_NEGATIVE);
      if (c instanceof ErrorReply) return c;
      if (c < 0) return COUNT_NEGATIVE;
      count = clampIndex(c);
    } else if (opt === "maxlen" && more > 0) {
      const m = intArg(argv[++j]!, MAXLEN_NEGATIVE);
      if (m instanceof ErrorReply) return m;
      if (m < 0) return MAXLEN_NEGATIVE;
      maxlen = clampIndex(m);
    } else {
      return SYNTAX_ERROR;
    }
  }
  const fromTail = rank < 0;
  if (fromTail) rank = -rank;
  const list = readList(ctx, argv[1]!);
  if (list === undefined) return count !== -1 ? [] : null;
  if (list instanceof ErrorReply) return list;
  const ele = argv[2]!;
  const len = list.length;
  const out: number[] = [];
  let matches = 0;
  const limit = maxlen === 0 ? len : Math.min(maxlen, len);
  for (let index = 0; index < limit; index++) {
    const i = fromTail ? len - index - 1 : index;
    if (list.at(i) !== ele) continue;
    matches++;
    if (matches < rank) continue;
    if (count === -1) return i;
    out.push(i);
    if (count !== 0 && matches - rank + 1 >= count) break;
  }
  return count === -1 ? null : out;
}

/** LEFT or RIGHT (Redis' getListPositionFromObjectOrReply): true for the head. */
function listPosition(arg: string): boolean | ErrorReply {
  const s = option(arg);
  if (s === "left") return true;
  if (s === "right") return false;
  return SYNTAX_ERROR;
}

function lmoveGeneric(ctx: ExecContext, argv: readonly string[], fromHead: boolean, toHead: boolean): Reply {
  const src = argv[1]!;
  const dst = argv[2]!;
  const sv = lookupWrite(ctx, src);
  if (sv === undefined) return null;
  if (!(sv instanceof ListValue)) return WRONGTYPE;
  const dv = lookupWrite(ctx, dst);
  if (dv !== undefined && !(dv instanceof ListValue)) return WRONGTYPE;
  const value = (fromHead ? sv.popHead() : sv.popTail())!;
  let target = dv;
  if (target === undefined) {
    target = new ListValue();
    ctx.db.setKey(dst, target);
  } else {
    ctx.db.modified(dst);
  }
  if (toHead) target.pushHead(value);
  else target.pushTail(value);
  notify(ctx.db, NOTIFY.LIST, toHead ? "lpush" : "rpush", dst);
  removedFrom(ctx.db, NOTIFY.LIST, fromHead ? "lpop" : "rpop", src, sv.length === 0);
  ctx.propagate(argv);
  return value;
}

export function lmoveCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const from = listPosition(argv[3]!);
  if (from instanceof ErrorReply) return from;
  const to = listPosition(argv[4]!);
  if (to instanceof ErrorReply) return to;
  return lmoveGeneric(ctx, argv, from, to);
}

export function rpoplpushCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return lmoveGeneric(ctx, argv, false, true);
}

/** LMPOP's and BLMPOP's arguments from `numkeys` at index `at` (Redis' lmpopGenericCommand). */
function mpopArgs(argv: readonly string[], at: number): { keys: readonly string[]; head: boolean; count: number } | ErrorReply {
  const nk = intArg(argv[at]!, NUMKEYS_POSITIVE);
  if (nk instanceof ErrorReply) return nk;
  if (nk < 1) return NUMKEYS_POSITIVE;
  const numkeys = clampIndex(nk);
  const whereIdx = at + numkeys + 1;
  if (whereIdx >= argv.length) return SYNTAX_ERROR;
  const head = listPosition(argv[whereIdx]!);
  if (head instanceof ErrorReply) return head;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && option(argv[j]!) === "count" && argv.length - 1 - j > 0) {
      const c = intArg(argv[++j]!, COUNT_POSITIVE);
      if (c instanceof ErrorReply) return c;
      if (c < 1) return COUNT_POSITIVE;
      count = clampIndex(c);
    } else {
      return SYNTAX_ERROR;
    }
  }
  return { keys: argv.slice(at + 1, whereIdx), head, count: count === -1 ? 1 : count };
}

/** Pops from the first non-empty list of `keys` (propagated as LPOP/RPOP key n): `[key, elements]`, NULL_ARRAY when all are empty. */
function mpop(ctx: ExecContext, keys: readonly string[], head: boolean, count: number): Reply {
  for (const key of keys) {
    const v = lookupWrite(ctx, key);
    if (v === undefined) continue;
    if (!(v instanceof ListValue)) return WRONGTYPE;
    if (v.length === 0) continue;
    const n = Math.min(count, v.length);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = (head ? v.popHead() : v.popTail())!;
    removedFrom(ctx.db, NOTIFY.LIST, head ? "lpop" : "rpop", key, v.length === 0);
    ctx.propagate([head ? "LPOP" : "RPOP", key, String(n)]);
    return [key, out];
  }
  return NULL_ARRAY;
}

/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first non-empty list. */
export function lmpopCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const a = mpopArgs(argv, 1);
  if (a instanceof ErrorReply) return a;
  return mpop(ctx, a.keys, a.head, a.count);
}

// ---- blocking variants (blocking.ts) ------------------------------------

/** BLPOP/BRPOP key [key ...] timeout: `[key, element]` from the first non-empty list (propagated as LPOP/RPOP key), or block. */
function bpop(ctx: ExecContext, argv: readonly string[], head: boolean): Reply {
  const timeout = timeoutSeconds(argv[argv.length - 1]!);
  if (timeout instanceof ErrorReply) return timeout;
  const keys = argv.slice(1, -1);
  for (const key of keys) {
    const v = lookupWrite(ctx, key);
    if (v === undefined) continue;
    if (!(v instanceof ListValue)) return WRONGTYPE;
    if (v.length === 0) continue;
    const value = (head ? v.popHead() : v.popTail())!;
    removedFrom(ctx.db, NOTIFY.LIST, head ? "lpop" : "rpop", key, v.length === 0);
    ctx.propagate([head ? "LPOP" : "RPOP", key]);
    return [key, value];
  }
  return block(ctx, new BlockOn([...new Set(keys)], timeout, NULL_ARRAY, argv));
}

export const blpopCommand = (ctx: ExecContext, argv: readonly string[]): Reply => bpop(ctx, argv, true);
export const brpopCommand = (ctx: ExecContext, argv: readonly string[]): Reply => bpop(ctx, argv, false);

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: LMOVE (propagated as LMOVE), or block on the source. */
export function blmoveCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const from = listPosition(argv[3]!);
  if (from instanceof ErrorReply) return from;
  const to = listPosition(argv[4]!);
  if (to instanceof ErrorReply) return to;
  const timeout = timeoutSeconds(argv[5]!);
  if (timeout instanceof ErrorReply) return timeout;
  return bmove(ctx, argv, ["LMOVE", argv[1]!, argv[2]!, argv[3]!, argv[4]!], from, to, timeout);
}

/** BRPOPLPUSH source destination timeout: RPOPLPUSH, or block on the source. */
export function brpoplpushCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const timeout = timeoutSeconds(argv[3]!);
  if (timeout instanceof ErrorReply) return timeout;
  return bmove(ctx, argv, ["RPOPLPUSH", argv[1]!, argv[2]!], false, true, timeout);
}

function bmove(ctx: ExecContext, argv: readonly string[], plain: readonly string[], from: boolean, to: boolean, timeout: number): Reply {
  const sv = lookupWrite(ctx, argv[1]!);
  if (sv !== undefined && !(sv instanceof ListValue)) return WRONGTYPE;
  if (sv === undefined) return block(ctx, new BlockOn([argv[1]!], timeout, NULL_ARRAY, argv), null);
  return lmoveGeneric(ctx, plain, from, to);
}

/** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]. */
export function blmpopCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const a = mpopArgs(argv, 2);
  if (a instanceof ErrorReply) return a;
  const timeout = timeoutSeconds(argv[1]!);
  if (timeout instanceof ErrorReply) return timeout;
  const r = mpop(ctx, a.keys, a.head, a.count);
  if (r !== NULL_ARRAY) return r;
  return block(ctx, new BlockOn([...new Set(a.keys)], timeout, NULL_ARRAY, argv));
}

const RW_INSERT = ks("RW insert");
const SIDE = "left:pure-token=LEFT right:pure-token=RIGHT";

/** The list commands this file adds to the table (LPUSH ... LINDEX are in command_table.ts). */
export const LIST_DEFS: Record<string, Def> = {
  lpushx: { arity: -3, flags: "write denyoom fast", acl: "list", keys: [RW_INSERT], exec: lpushxCommand, group: "list", since: "2.2.0",
    complexity: "O(1) per element", summary: "Prepends elements to a list only when the list exists.", args: "key:key element:string+" },
  rpushx: { arity: -3, flags: "write denyoom fast", acl: "list", keys: [RW_INSERT], exec: rpushxCommand, group: "list", since: "2.2.0",
    complexity: "O(1) per element", summary: "Appends elements to a list only when the list exists.", args: "key:key element:string+" },
  lset: { arity: 4, flags: "write denyoom", acl: "list", keys: [ks("RW update")], exec: lsetCommand, group: "list", since: "1.0.0",
    complexity: "O(1)", summary: "Sets the value of an element of a list by its index.", args: "key:key index:integer element:string" },
  ltrim: { arity: 4, flags: "write", acl: "list", keys: [ks("RW delete")], exec: ltrimCommand, group: "list", since: "1.0.0",
    complexity: "O(N) where N is the number of elements removed", summary: "Keeps only a range of elements of a list, deleting it when empty.",
    args: "key:key start:integer stop:integer" },
  lrem: { arity: 4, flags: "write", acl: "list", keys: [ks("RW delete")], exec: lremCommand, group: "list", since: "1.0.0",
    complexity: "O(N) where N is the length of the list", summary: "Removes elements equal to a value from a list.",
    args: "key:key count:integer element:string" },
  linsert: { arity: 5, flags: "write denyoom", acl: "list", keys: [RW_INSERT], exec: linsertCommand, group: "list", since: "2.2.0",
    complexity: "O(N) where N is the number of elements before the pivot",
    summary: "Inserts an element before or after the first element equal to a pivot.",
    args: "key:key where:oneof(before:pure-token=BEFORE after:pure-token=AFTER) pivot:string element:string" },
  lpos: { arity: -3, flags: "readonly", acl: "list", keys: [ks("RO access")], exec: lposCommand, group: "list", since: "6.0.6",
    complexity: "O(N) where N is the number of elements scanned", summary: "Returns the indexes of the elements equal to a value.",
    args: "key:key element:string rank:integer=RANK? num-matches:integer=COUNT? len:integer=MAXLEN?" },
  lmove: { arity: 5, flags: "write denyoom", acl: "list", keys: [ks("RW access delete"), ks("RW insert", 2)], route: "multi",
    exec: lmoveCommand, group: "list", since: "6.2.0", complexity: "O(1)",
    summary: "Pops an element from one end of a list and pushes it to an end of another.",
    args: `source:key destination:key#1 wherefrom:oneof(${SIDE}) whereto:oneof(${SIDE})` },
  rpoplpush: { arity: 3, flags: "write denyoom", acl: "list", keys: [ks("RW access delete"), ks("RW insert", 2)], route: "multi",
    exec: rpoplpushCommand, group: "list", since: "1.2.0", complexity: "O(1)",
    summary: "Pops the last element of a list and prepends it to another.", args: "source:key destination:key#1",
    deprecated: ["6.2.0", "`LMOVE` with the `RIGHT` and `LEFT` arguments"] },
  lmpop: { arity: -4, flags: "write movablekeys", acl: "list", keys: [ksKeynum("RW access delete", 1, 0, 1)], route: "multi",
    exec: lmpopCommand, group: "list", since: "7.0.0", complexity: "O(N+M) where N is the number of keys and M the number of elements popped",
    summary: "Pops elements from the first non-empty list of several.",
    args: `numkeys:integer key:key+ where:oneof(${SIDE}) count:integer=COUNT?` },
  blpop: { arity: -3, flags: "write noscript blocking", acl: "list", keys: [ks("RW access delete", 1, -2)], exec: blpopCommand,
    serveOn: serveOnLast, group: "list", since: "2.0.0", complexity: "O(N) where N is the number of provided keys.",
    summary: "Pops the first element of the first non-empty list, or blocks until one is available.", args: "key:key+ timeout:double" },
  brpop: { arity: -3, flags: "write noscript blocking", acl: "list", keys: [ks("RW access delete", 1, -2)], exec: brpopCommand,
    serveOn: serveOnLast, group: "list", since: "2.0.0", complexity: "O(N) where N is the number of provided keys.",
    summary: "Pops the last element of the first non-empty list, or blocks until one is available.", args: "key:key+ timeout:double" },
  blmove: { arity: 6, flags: "write denyoom noscript blocking", acl: "list", keys: [ks("RW access delete"), ks("RW insert", 2)],
    exec: blmoveCommand, serveOn: (argv) => [...argv], group: "list", since: "6.2.0", complexity: "O(1)",
    summary: "Pops an element from one end of a list and pushes it to an end of another, or blocks until one is available.",
    args: `source:key destination:key#1 wherefrom:oneof(${SIDE}) whereto:oneof(${SIDE}) timeout:double` },
  brpoplpush: { arity: 4, flags: "write denyoom noscript blocking", acl: "list", keys: [ks("RW access delete"), ks("RW insert", 2)],
    exec: brpoplpushCommand, serveOn: (argv) => [...argv], group: "list", since: "2.2.0", complexity: "O(1)",
    summary: "Pops the last element of a list and prepends it to another, or blocks until one is available.",
    args: "source:key destination:key#1 timeout:double", deprecated: ["6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments"] },
  blmpop: { arity: -5, flags: "write blocking movablekeys", acl: "list", keys: [ksKeynum("RW access delete", 2, 0, 1)],
    exec: blmpopCommand, serveOn: serveOnNumkeys, group: "list", since: "7.0.0",
    complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
    summary: "Pops elements from the first non-empty list of several, or blocks until one is available.",
    args: `timeout:double numkeys:integer key:key+ where:oneof(${SIDE}) count:integer=COUNT?` },
};
