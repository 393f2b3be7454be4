/**
 * HyperLogLog commands (Redis' hyperloglog.c): PFADD, PFCOUNT (one key,
 * with the cached cardinality written back into the value, or several,
 * merged), PFMERGE, PFDEBUG and PFSELFTEST, over string values in Redis'
 * exact representation (hll.ts), with its errors for corrupt values.
 */
import { NOTIFY, notify } from "./notify.js";
import { type Str, byteAt, bytesOf, editable, edited, isStr, strLength } from "./bitops.js";
import { ByteString } from "./byte_string.js";
import { type ExecContext } from "./command.js";
import { type Def, ks } from "./command_def.js";
import { type Value, lookupReadBytes, lookupWriteBytes } from "./db.js";
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  createHll,
  decodeSparse,
  denseGet,
  hllAdd,
  hllCount,
  hllMerge,
  hllSet,
  invalidateCache,
  isHll,
  rawCount,
  readCard,
  sparseToDense,
  writeCard,
} from "./hll.js";
import { ErrorReply, OK, type Reply, SimpleString } from "../resp/reply.js";
import { WRONGTYPE, cstr } from "./shared.js";

export const INVALID_HLL = new ErrorReply("INVALIDOBJ Corrupted HLL object detected");
export const NOT_HLL = new ErrorReply("WRONGTYPE Key is not a valid HyperLogLog string value.");

/** isHLLObjectOrReply: null when `v` is a valid HLL string, else the error. */
function checkHll(v: Value): ErrorReply | null {
  if (!isStr(v)) return WRONGTYPE;
  const s = v;
  return isHll(strLength(s), (i) => byteAt(s, i)) ? null : NOT_HLL;
}

export function pfaddCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const v = lookupWriteBytes(ctx, key);
  let b: ByteString;
  let updated = 0;
  if (v === undefined) {
    b = createHll();
    ctx.db.setKey(key, b);
    updated++;
  } else {
    const e = checkHll(v);
    if (e !== null) return e;
    b = editable(ctx, key, v) as ByteString;
  }
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(b, argv[j]!);
    if (r === 1) updated++;
    else if (r === -1) return INVALID_HLL;
  }
  if (updated > 0) {
    invalidateCache(b);
    edited(ctx, key, b);
    notify(ctx.db, NOTIFY.STRING, "pfadd", key);
    ctx.propagate(argv);
  }
  return updated > 0 ? 1 : 0;
}

export function pfcountCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const v = lookupReadBytes(ctx, argv[j]!);
      if (v === undefined) continue;
      const e = checkHll(v);
      if (e !== null) return e;
      if (!hllMerge(max, bytesOf(v as Str))) return INVALID_HLL;
    }
    return rawCount(max);
  }
  const key = argv[1]!;
  const v = lookupReadBytes(ctx, key);
  if (v === undefined) return 0;
  const e = checkHll(v);
  if (e !== null) return e;
  const s = v as Str;
  if ((byteAt(s, 15) & 0x80) === 0) return readCard((i) => byteAt(s, i));
  const card = hllCount(bytesOf(s));
  if (card === null) return INVALID_HLL;
  // The cache is part of the value: written back, and propagated as Redis does.
  const b = editable(ctx, key, v) as ByteString;
  writeCard(b, card);
  edited(ctx, key, b);
  ctx.propagate(argv);
  return card;
}

export function pfmergeCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const max = new Uint8Array(HLL_REGISTERS);
  let dense = false;
  for (let j = 1; j < argv.length; j++) {
    const v = lookupReadBytes(ctx, argv[j]!);
    if (v === undefined) continue;
    const e = checkHll(v);
    if (e !== null) return e;
    const s = bytesOf(v as Str);
    if (s[4] === HLL_DENSE) dense = true;
    if (!hllMerge(max, s)) return INVALID_HLL;
  }
  const key = argv[1]!;
  const v = lookupWriteBytes(ctx, key);
  let b: ByteString;
  if (v === undefined) {
    b = createHll();
    ctx.db.setKey(key, b);
  } else {
    b = editable(ctx, key, v) as ByteString;
  }
  if (dense && !sparseToDense(b)) return INVALID_HLL;
  for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) hllSet(b, j, max[j]!);
  invalidateCache(b);
  edited(ctx, key, b);
  notify(ctx.db, NOTIFY.STRING, "pfadd", key);
  ctx.propagate(argv);
  return OK;
}

export function pfdebugCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const sub = cstr(argv[1]!);
  const key = argv[2]!;
  const v = lookupWriteBytes(ctx, key);
  if (v === undefined) return new ErrorReply("ERR The specified key does not exist");
  const e = checkHll(v);
  if (e !== null) return e;
  const b = editable(ctx, key, v) as ByteString;
  const lower = sub.toLowerCase();
  let reply: Reply;
  if (lower === "getreg" || lower === "todense") {
    const sparse = b.bytes[4] === HLL_SPARSE;
    if (sparse) {
      if (!sparseToDense(b)) return INVALID_HLL;
      ctx.propagate(argv); // the encoding changed: Redis forces propagation
    }
    if (lower === "todense") reply = sparse ? 1 : 0;
    else {
      const regs = new Array<Reply>(HLL_REGISTERS);
      for (let j = 0; j < HLL_REGISTERS; j++) regs[j] = denseGet(b.bytes, j);
      reply = regs;
    }
  } else if (lower === "decode") {
    if (b.bytes[4] !== HLL_SPARSE) return new ErrorReply("ERR HLL encoding is not sparse");
    reply = decodeSparse(b.bytes.subarray(0, b.length));
  } else if (lower === "encoding") {
    reply = new SimpleString(b.bytes[4] === HLL_DENSE ? "dense" : "sparse");
  } else {
    return new ErrorReply(`ERR Unknown PFDEBUG subcommand '${sub}'`);
  }
  return reply;
}

/**
 * PFSELFTEST: Redis' two checks, smaller (Redis adds 10 million elements;
 * 100,000 here): dense registers keep what is written without touching
 * their neighbours, and dense and sparse counts agree within 6 standard
 * errors at each power of ten.
 */
export function pfselftestCommand(): Reply {
  const dense = ByteString.zeros(HLL_DENSE_SIZE);
  dense.bytes.set([72, 89, 76, 76, HLL_DENSE]);
  const expect = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < 10; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = Math.floor(Math.random() * 64);
      expect[i] = r;
      hllSetExact(dense, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const got = denseGet(dense.bytes, i);
      if (got !== expect[i]) return new ErrorReply(`TESTFAILED Register ${i} should be ${expect[i]} but is ${got}`);
    }
  }
  dense.bytes.fill(0, 16);
  const sparse = createHll();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seed = Math.floor(Math.random() * 2 ** 31);
  let checkpoint = 1;
  for (let j = 1; j <= 100_000; j++) {
    const ele = `${j ^ seed}`;
    hllAdd(dense, ele);
    hllAdd(sparse, ele);
    if (j !== checkpoint) continue;
    if (j < 1500 && sparse.bytes[4] !== HLL_SPARSE) return new ErrorReply("TESTFAILED sparse encoding not used");
    const a = hllCount(dense.bytes.subarray(0, dense.length));
    if (a !== hllCount(sparse.bytes.subarray(0, sparse.length))) return new ErrorReply("TESTFAILED dense/sparse disagree");
    const abserr = Math.abs(checkpoint - a!);
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    if (abserr > maxerr) return new ErrorReply(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
    checkpoint *= 10;
  }
  return OK;
}

/** Sets a dense register to exactly v (the self-test writes lower values too). */
function hllSetExact(b: ByteString, i: number, v: number): void {
  const bit = i * 6;
  const byte = 16 + (bit >> 3);
  const fb = bit & 7;
  const r = b.bytes;
  r[byte] = (r[byte]! & ~(63 << fb)) | (v << fb);
  if (byte + 1 < HLL_DENSE_SIZE) r[byte + 1] = (r[byte + 1]! & ~(63 >> (8 - fb))) | (v >> (8 - fb));
}

export const HLL_DEFS: Record<string, Def> = {
  pfadd: { arity: -2, flags: "write denyoom fast", acl: "hyperloglog", keys: [ks("RW insert")], exec: pfaddCommand, group: "hyperloglog",
    since: "2.8.9", complexity: "O(1) to add every element.", summary: "Adds the specified elements to the specified HyperLogLog.",
    args: "key:key element:string?+" },
  pfcount: { arity: -2, flags: "readonly may_replicate", acl: "hyperloglog", route: "multi",
    keys: [ks("RW access", 1, -1, 1, 0, "RW because it may change the internal representation of the key, and propagate to replicas")],
    exec: pfcountCommand, group: "hyperloglog", since: "2.8.9",
    complexity: "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
    summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", args: "key:key+" },
  pfmerge: { arity: -2, flags: "write denyoom", acl: "hyperloglog", keys: [ks("RW access insert"), ks("RO access", 2, -1)], route: "multi",
    exec: pfmergeCommand, group: "hyperloglog", since: "2.8.9", complexity: "O(N) to merge N HyperLogLogs, but with high constant times.",
    summary: "Merge N different HyperLogLogs into a single one.", args: "destkey:key sourcekey:key#1+" },
  pfdebug: { arity: 3, flags: "write denyoom admin", acl: "hyperloglog", keys: [ks("RW access", 2)], exec: pfdebugCommand,
    group: "hyperloglog", since: "2.8.9", complexity: "N/A", summary: "Internal commands for debugging HyperLogLog values",
    args: "subcommand:string key:key", syscmd: true },
  pfselftest: { arity: 1, flags: "admin", acl: "hyperloglog", route: "all", exec: pfselftestCommand, group: "hyperloglog",
    since: "2.8.9", complexity: "N/A", summary: "An internal command for testing HyperLogLog values", syscmd: true },
};
