/**
 * List commands (Redis' t_list.c): LPUSH, RPUSH, LPOP, RPOP (with count),
 * LRANGE, LLEN, LINDEX. A list emptied by a pop is deleted, as in Redis.
 */
import { type ExecContext } from "./command.js";
import { lookupRead, lookupWrite } from "./db.js";
import { ListValue } from "./list_value.js";
import { ErrorReply, NULL_ARRAY, type Reply } from "../resp/reply.js";
import { MUST_BE_POSITIVE, WRONGTYPE, arityError, clampIndex, intArg } from "./shared.js";

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
  if (v.length === 0) ctx.db.deleteKey(key);
  else ctx.db.modified(key);
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
