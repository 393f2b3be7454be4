/**
 * OBJECT (Redis' object.c: ENCODING, REFCOUNT, IDLETIME, FREQ, HELP) and
 * MEMORY (USAGE, HELP, PURGE, MALLOC-STATS).
 *
 * OBJECT IDLETIME reads the database's access clock (`Db.access`), which
 * the keyspace keeps only once asked: the first IDLETIME turns it on for
 * the shard, so servers that never ask pay nothing per lookup; a key not
 * accessed since counts as idle since then (a lower bound).
 *
 * MEMORY USAGE is an estimate of what redis-server 7.0 (64-bit, jemalloc)
 * would use for the key, not of V8's heap: see {@link memoryUsage}.
 */
import { type ExecContext } from "./command.js";
import { type Def, ks } from "./command_def.js";
import { type HashValue, type Value, lookupRead } from "./db.js";
import { ListValue } from "./list_value.js";
import { parseInt64 } from "./numbers.js";
import { lfuCounter } from "./lfu.js";
import { STRING_TYPE, valueType } from "./value_types.js";
import { DICT, DICT_ENTRY, HASH_LP_ENTRIES, HASH_LP_VALUE, LIST_NODE_BYTES, LP_OVERHEAD, QUICKLIST, QUICKLIST_NODE, ROBJ, jeSize, keyOverhead, lpEntrySize, sdsSize, stringValueSize } from "./mem_size.js";

export { jeSize };
import { ErrorReply, OK, type Reply, SimpleString } from "../resp/reply.js";
import { NOT_AN_INTEGER, SYNTAX_ERROR, option } from "./shared.js";

const help = (lines: string[]) => lines.map((l) => new SimpleString(l));

const OBJECT_HELP = help([
  "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
  "HELP",
  "    Prints this help.",
]);

const MEMORY_HELP = help([
  "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "DOCTOR",
  "    Return memory problems reports.",
  "MALLOC-STATS",
  "    Return internal statistics report from the memory allocator.",
  "PURGE",
  "    Attempt to purge dirty pages for reclamation by the allocator.",
  "STATS",
  "    Return information about the memory usage of the server.",
  "USAGE <key> [SAMPLES <count>]",
  "    Return memory in bytes used by <key> and its value. Nested values are",
  "    sampled up to <count> times (default: 5, 0 means sample all).",
  "HELP",
  "    Prints this help.",
]);

/** FREQ without an LFU maxmemory policy: no counters are kept. */
const NOT_LFU = new ErrorReply(
  "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
);

/** IDLETIME under an LFU policy: the access words hold counters, not clocks. */
const LFU_SELECTED = new ErrorReply(
  "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
);

/** Redis' OBJ_SHARED_REFCOUNT, what REFCOUNT answers for the shared integers 0..9999. */
const SHARED_REFCOUNT = 2147483647;
const SHARED_INTEGERS = 10000;

/** objectCommandLookup: no access, lazy expiry, hits and misses counted. */
function objectLookup(ctx: ExecContext, argv: readonly string[]): Value | undefined {
  return lookupRead(ctx, argv[2]!, false);
}

export function objectEncodingCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const v = objectLookup(ctx, argv);
  return v === undefined ? null : valueType(v).encoding(v);
}

/**
 * REFCOUNT: Redis shares the objects of the integers 0..9999 that SET and
 * INCR store (no maxmemory policy forbids it here); any other value has one
 * reference.
 */
export function objectRefcountCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const v = objectLookup(ctx, argv);
  if (v === undefined) return null;
  if (typeof v === "string" && STRING_TYPE.encoding(v) === "int") {
    const n = Number(v);
    if (n >= 0 && n < SHARED_INTEGERS) return SHARED_REFCOUNT;
  }
  return 1;
}

export function objectIdletimeCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const v = objectLookup(ctx, argv);
  if (v === undefined) return null;
  const ks = ctx.db.keyspace;
  if (ks.lfu) return LFU_SELECTED;
  ks.trackAccess(ctx.now);
  return ctx.db.idleSeconds(argv[2]!, ctx.now);
}

/** FREQ: the key's LFU counter, decayed to now (LFUDecrAndReturn); only under an LFU policy. */
export function objectFreqCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  if (objectLookup(ctx, argv) === undefined) return null;
  const ks = ctx.db.keyspace;
  if (!ks.lfu) return NOT_LFU;
  return lfuCounter(ctx.db.accessWord(argv[2]!), Math.max(ctx.now, ks.clock()), ks.config.lfuDecayTime);
}

export function objectHelpCommand(): Reply {
  return OBJECT_HELP;
}

export function memoryHelpCommand(): Reply {
  return MEMORY_HELP;
}

/** Nothing to purge: V8 collects on its own. */
export function memoryPurgeCommand(): Reply {
  return OK;
}

/** What redis-server built without jemalloc answers. */
export function memoryMallocStatsCommand(): Reply {
  return "Stats not supported for the current allocator";
}

/** Redis' OBJ_COMPUTE_SIZE_DEF_SAMPLES. */
const DEFAULT_SAMPLES = 5;

/**
 * MEMORY USAGE key [SAMPLES count]: null for a missing key (an expired key
 * not yet removed still counts, as in Redis, which looks it up without
 * expiring it).
 */
export function memoryUsageCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  let samples = DEFAULT_SAMPLES;
  for (let j = 3; j < argv.length; j++) {
    if (option(argv[j]!) === "samples" && j + 1 < argv.length) {
      const n = parseInt64(argv[++j]!);
      if (n === null) return NOT_AN_INTEGER;
      if (n < 0) return SYNTAX_ERROR;
      samples = n === 0 || typeof n === "bigint" ? Number.MAX_SAFE_INTEGER : n;
    } else return SYNTAX_ERROR;
  }
  const key = argv[2]!;
  const v = ctx.db.data.get(key);
  if (v === undefined) return null;
  return memoryUsage(key, v, samples);
}

// ---------------------------------------------------------------------------
// The estimate

/** MEMORY USAGE of a string value: the same figure the keyspace accounts (mem_size.ts). */
const stringSize = stringValueSize;

function hashSize(v: HashValue, samples: number): number {
  let listpack = v.size <= HASH_LP_ENTRIES;
  if (listpack) for (const [f, x] of v) if (f.length > HASH_LP_VALUE || x.length > HASH_LP_VALUE) listpack = false;
  if (listpack) {
    let bytes = LP_OVERHEAD;
    for (const [f, x] of v) bytes += lpEntrySize(f) + lpEntrySize(x);
    return ROBJ + jeSize(bytes);
  }
  // dict: the table of 2^k buckets, and the sampled fields' average cost times their number.
  const slots = 2 ** Math.ceil(Math.log2(Math.max(4, v.size)));
  let ele = 0;
  let n = 0;
  for (const [f, x] of v) {
    if (n >= samples) break;
    ele += sdsSize(f.length, true) + sdsSize(x.length, true) + DICT_ENTRY;
    n++;
  }
  return ROBJ + DICT + 8 * slots + (n === 0 ? 0 : (ele / n) * v.size);
}

/** A quicklist: elements packed into 8 KB listpacks; the first `samples` nodes' cost per element times the length. */
function listSize(v: ListValue, samples: number): number {
  const len = v.length;
  let ele = 0;
  let count = 0;
  let nodes = 0;
  let lp = LP_OVERHEAD;
  let inNode = 0;
  for (let i = 0; i < len && nodes < samples; i++) {
    const e = lpEntrySize(v.at(i));
    if (inNode > 0 && lp + e > LIST_NODE_BYTES) {
      ele += QUICKLIST_NODE + jeSize(lp);
      nodes++;
      lp = LP_OVERHEAD;
      inNode = 0;
      if (nodes >= samples) break;
    }
    lp += e;
    inNode++;
    count++;
  }
  if (inNode > 0) ele += QUICKLIST_NODE + jeSize(lp);
  return ROBJ + QUICKLIST + (count === 0 ? 0 : (ele / count) * len);
}

/**
 * A type this file has no model for (one added later): the bytes of the
 * commands that recreate it, plus a robj and a 16-byte overhead per
 * argument. Not sampled: it walks the whole value.
 */
function genericSize(key: string, v: Value): number {
  let bytes = ROBJ;
  for (const cmd of valueType(v).rewrite(key, v)) for (let i = 2; i < cmd.length; i++) bytes += cmd[i]!.length + 16;
  return bytes;
}

/**
 * The bytes redis-server 7.0 would use for `key` holding `v`, computed as
 * its objectComputeSize does, with jemalloc's size classes: the key's sds
 * and dict entry, plus the value: a string is a robj (int), a robj with
 * the bytes inside (embstr, up to 44 bytes) or a robj and an sds (raw); a
 * hash a listpack (up to 512 fields of up to 64 bytes) or a dict whose
 * per-field cost is averaged over `samples` fields; a list a quicklist of
 * 8 KB listpacks averaged over `samples` nodes. Other types: see
 * {@link genericSize}. An estimate: it grows with the value as Redis'
 * does, but is not Redis' number to the byte.
 */
export function memoryUsage(key: string, v: Value, samples: number): number {
  let size: number;
  const type = valueType(v).name;
  if (typeof v === "string") size = stringSize(v);
  else if (type === "list" && v instanceof ListValue) size = listSize(v, samples);
  else if (type === "hash" && v instanceof Map) size = hashSize(v, samples);
  else size = genericSize(key, v);
  return Math.round(size) + keyOverhead(key);
}

const KEY_AT_2 = [ks("RO", 2)];
const ND = "nondeterministic_output";

/** OBJECT and MEMORY, as Redis 7.0's COMMAND INFO/DOCS give them. */
export const OBJECT_DEFS: Record<string, Def> = {
  object: { arity: -2, group: "generic", since: "2.2.3", complexity: "Depends on subcommand.",
    summary: "Commands about the internals of values.", subcommands: {
      encoding: { arity: 3, flags: "readonly", acl: "keyspace", tips: ND, keys: KEY_AT_2, exec: objectEncodingCommand, group: "generic",
        since: "2.2.3", summary: "Returns the internal encoding of a value.", args: "key:key" },
      refcount: { arity: 3, flags: "readonly", acl: "keyspace", tips: ND, keys: KEY_AT_2, exec: objectRefcountCommand, group: "generic",
        since: "2.2.3", summary: "Returns the reference count of a value.", args: "key:key" },
      idletime: { arity: 3, flags: "readonly", acl: "keyspace", tips: ND, keys: KEY_AT_2, exec: objectIdletimeCommand, group: "generic",
        since: "2.2.3", summary: "Returns the seconds since a key was last read or written.", args: "key:key" },
      freq: { arity: 3, flags: "readonly", acl: "keyspace", tips: ND, keys: KEY_AT_2, exec: objectFreqCommand, group: "generic",
        since: "4.0.0", summary: "Returns the logarithmic access frequency counter of a Redis object.", args: "key:key" },
      help: { arity: 2, flags: "loading stale", acl: "keyspace", route: "all", exec: objectHelpCommand, group: "generic", since: "6.2.0",
        summary: "Describes the OBJECT subcommands." },
    } },
  memory: { arity: -2, group: "server", since: "4.0.0", summary: "Commands about memory use.", subcommands: {
    usage: { arity: -3, flags: "readonly", keys: KEY_AT_2, exec: memoryUsageCommand, group: "server", since: "4.0.0",
      complexity: "O(N) where N is the number of samples.", summary: "Estimates the bytes redis-server would use for a key and its value.",
      args: "key:key count:integer=SAMPLES?" },
    help: { arity: 2, flags: "loading stale", route: "all", exec: memoryHelpCommand, group: "server", since: "4.0.0",
      summary: "Describes the MEMORY subcommands." },
    purge: { arity: 2, tips: "request_policy:all_shards response_policy:all_succeeded", route: "all", exec: memoryPurgeCommand,
      group: "server", since: "4.0.0", summary: "Does nothing (V8 collects garbage itself); answers OK." },
    "malloc-stats": { arity: 2, tips: `${ND} request_policy:all_shards response_policy:special`, route: "all",
      exec: memoryMallocStatsCommand, group: "server", since: "4.0.0", summary: "Says that the allocator has no statistics." },
  } },
};
