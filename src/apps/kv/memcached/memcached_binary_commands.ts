/**
 * The binary protocol's commands on one shard's data (proto_bin.c's
 * process_bin_get_or_touch, complete_update_bin, process_bin_delete,
 * complete_incr_bin), on the same items as the text and meta commands,
 * answering binary frames ({@link binResponse}). Quiet versions drop the
 * success (and a get's miss), never an error. A key holding a Redis hash
 * or list is `Invalid arguments` with Redis' WRONGTYPE text.
 */
import { type CommandSpec, type ExecContext } from "../commands/command.js";
import {
  arithCore,
  casOf,
  expiryOf,
  lookup,
  markFetched,
  mcState,
  metaOf,
  storeCore,
  storedCas,
  touchItem,
} from "./memcached_commands.js";
import { OP, STATUS, binError, binResponse } from "./memcached_binary.js";
import { type StoreOp } from "./memcached_parser.js";
import { type Reply } from "../resp/reply.js";

const WRONGTYPE_TEXT = "WRONGTYPE Operation against a key holding the wrong kind of value";

function wrongType(opcode: number, opaque: number): string {
  return binError(opcode, STATUS.EINVAL, opaque, WRONGTYPE_TEXT);
}

function u32(n: number): string {
  return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function u64(n: bigint): string {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(n);
  return b.toString("latin1");
}

/** GET, GETK, GAT, GATK, TOUCH (and their quiet versions). */
export function binGet(ctx: ExecContext, opcode: number, cmd: number, quiet: boolean, opaque: number, key: string, exptime: number): Reply {
  const db = ctx.db;
  const c = mcState(db.keyspace).counters;
  const touch = cmd === OP.TOUCH || cmd === OP.GAT || cmd === OP.GATK;
  const withKey = cmd === OP.GETK || cmd === OP.GATK;
  if (db.isExpired(key, ctx.now)) c.get_expired++;
  const v = lookup(ctx, key);
  if (v === null) return wrongType(opcode, opaque);
  if (v === undefined) {
    if (touch) {
      c.cmd_touch++;
      c.touch_misses++;
    } else {
      c.cmd_get++;
      c.get_misses++;
    }
    if (quiet) return "";
    return withKey ? (binResponse(opcode, STATUS.KEY_ENOENT, opaque, 0, "", key) as string) : binError(opcode, STATUS.KEY_ENOENT, opaque);
  }
  if (touch) {
    c.cmd_touch++;
    c.touch_hits++;
  } else {
    c.cmd_get++;
    c.get_hits++;
  }
  markFetched(db, key);
  const m = metaOf(db, key);
  const out = binResponse(opcode, STATUS.SUCCESS, opaque, casOf(ctx, key), u32(m === undefined ? 0 : m.flags), withKey ? key : "", cmd === OP.TOUCH ? "" : v);
  if (touch) touchItem(ctx, key, expiryOf(exptime, ctx.now));
  return out;
}

const BIN_OPS: Record<number, StoreOp> = { [OP.SET]: "set", [OP.ADD]: "add", [OP.REPLACE]: "replace", [OP.APPEND]: "append", [OP.PREPEND]: "prepend" };

/** SET, ADD, REPLACE (a CAS makes any of them a cas), APPEND, PREPEND (a CAS is checked). */
export function binStore(
  ctx: ExecContext,
  opcode: number,
  cmd: number,
  quiet: boolean,
  opaque: number,
  key: string,
  flags: number,
  exptime: number,
  value: string,
  cas: bigint,
  itemSizeMax: number,
): Reply {
  mcState(ctx.db.keyspace).counters.cmd_set++;
  let op = BIN_OPS[cmd]!;
  if (cas !== 0n && (op === "set" || op === "add" || op === "replace")) op = "cas";
  const status = storeCore(ctx, op, key, flags, exptime, value, cas, itemSizeMax);
  switch (status) {
    case "STORED":
      return quiet ? "" : (binResponse(opcode, STATUS.SUCCESS, opaque, storedCas(ctx, key)) as string);
    case "EXISTS":
      return binError(opcode, STATUS.KEY_EEXISTS, opaque);
    case "NOT_FOUND":
      return binError(opcode, STATUS.KEY_ENOENT, opaque);
    case "NOT_STORED":
      return binError(opcode, cmd === OP.ADD ? STATUS.KEY_EEXISTS : cmd === OP.REPLACE ? STATUS.KEY_ENOENT : STATUS.NOT_STORED, opaque);
    case "NO_MEMORY":
      return binError(opcode, STATUS.ENOMEM, opaque);
    case "WRONGTYPE":
      return wrongType(opcode, opaque);
  }
}

/** DELETE: a CAS other than 0 must match (EEXISTS, not counted as a miss, as memcached). */
export function binDelete(ctx: ExecContext, opcode: number, quiet: boolean, opaque: number, key: string, cas: bigint): Reply {
  const c = mcState(ctx.db.keyspace).counters;
  const v = lookup(ctx, key);
  if (v === null) return wrongType(opcode, opaque);
  if (v === undefined) {
    c.delete_misses++;
    return binError(opcode, STATUS.KEY_ENOENT, opaque);
  }
  if (cas !== 0n && BigInt(casOf(ctx, key)) !== cas) return binError(opcode, STATUS.KEY_EEXISTS, opaque);
  ctx.db.deleteKey(key);
  ctx.propagate(["DEL", key]);
  c.delete_hits++;
  return quiet ? "" : (binResponse(opcode, STATUS.SUCCESS, opaque, 0) as string);
}

/** INCREMENT, DECREMENT: a miss creates the item with `initial` unless the expiration is 0xffffffff. */
export function binArith(
  ctx: ExecContext,
  opcode: number,
  cmd: number,
  quiet: boolean,
  opaque: number,
  key: string,
  delta: bigint,
  initial: bigint,
  exptime: number,
  cas: bigint,
): Reply {
  const incr = cmd === OP.INCREMENT;
  const r = arithCore(ctx, incr, key, delta, cas);
  switch (r.status) {
    case "OK":
      return quiet ? "" : (binResponse(opcode, STATUS.SUCCESS, opaque, casOf(ctx, key), "", "", u64(r.value)) as string);
    case "NON_NUMERIC":
      return binError(opcode, STATUS.DELTA_BADVAL, opaque);
    case "EXISTS":
      return binError(opcode, STATUS.KEY_EEXISTS, opaque);
    case "WRONGTYPE":
      return wrongType(opcode, opaque);
    case "NOT_FOUND":
      break;
  }
  if (exptime === 0xffffffff) {
    const c = mcState(ctx.db.keyspace).counters;
    if (incr) c.incr_misses++;
    else c.decr_misses++;
    return binError(opcode, STATUS.KEY_ENOENT, opaque);
  }
  const status = storeCore(ctx, "add", key, 0, exptime, initial.toString(), 0n, Infinity);
  if (status === "NO_MEMORY") return binError(opcode, STATUS.ENOMEM, opaque);
  if (status !== "STORED") return binError(opcode, STATUS.NOT_STORED, opaque);
  return quiet ? "" : (binResponse(opcode, STATUS.SUCCESS, opaque, storedCas(ctx, key), "", "", u64(initial)) as string);
}

function spec(name: string, exec: (ctx: ExecContext, argv: readonly string[]) => Reply): CommandSpec {
  return { name, arity: -1, flags: [], firstKey: 1, lastKey: 1, step: 1, route: "key", exec };
}

/** The shared head of the binary specs' argv: `[name, key, opcode, cmd, quiet ("1"/""), opaque, ...]`. */
const head = (a: readonly string[]) => [Number(a[2]), Number(a[3]), a[4] === "1", Number(a[5])] as const;

/** `["mc_bin_get", key, opcode, cmd, quiet, opaque, exptime]`. */
export const MC_BIN_GET = spec("mc_bin_get", (ctx, a) => binGet(ctx, ...head(a), a[1]!, Number(a[6])));
/** `["mc_bin_store", key, opcode, cmd, quiet, opaque, flags, exptime, value, cas, itemSizeMax]`. */
export const MC_BIN_STORE = spec("mc_bin_store", (ctx, a) =>
  binStore(ctx, ...head(a), a[1]!, Number(a[6]), Number(a[7]), a[8]!, BigInt(a[9]!), Number(a[10])),
);
/** `["mc_bin_delete", key, opcode, cmd, quiet, opaque, cas]`. */
export const MC_BIN_DELETE = spec("mc_bin_delete", (ctx, a) => binDelete(ctx, Number(a[2]), a[4] === "1", Number(a[5]), a[1]!, BigInt(a[6]!)));
/** `["mc_bin_arith", key, opcode, cmd, quiet, opaque, delta, initial, exptime, cas]`. */
export const MC_BIN_ARITH = spec("mc_bin_arith", (ctx, a) =>
  binArith(ctx, ...head(a), a[1]!, BigInt(a[6]!), BigInt(a[7]!), Number(a[8]), BigInt(a[9]!)),
);
