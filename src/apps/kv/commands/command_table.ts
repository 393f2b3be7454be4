/**
 * The command table: every command the server knows, with Redis 7.0's
 * arity, flags, ACL categories, tips and key specs (what COMMAND INFO
 * prints and clients such as ioredis read), its route, its `exec`, and the
 * documentation COMMAND DOCS gives (arguments in a compact notation, see
 * {@link parseArgs}). Connection-level commands are here too, with route
 * `connection` and no `exec` (the server runs them), except COMMAND, which
 * only needs this table.
 */
import { type CommandSpec, type Route } from "./command.js";
import { type ArgDoc, type Def, type KeyPosition, type KeySpec, isRangeSpec, ks } from "./command_def.js";
import * as dbc from "./db_commands.js";
import * as exp from "./expire.js";
import * as hash from "./t_hash.js";
import * as list from "./t_list.js";
import { OBJECT_DEFS } from "./object_commands.js";
import * as str from "./t_string.js";
import { SET_DEFS } from "./t_set.js";
import { ZSET_DEFS } from "./t_zset.js";
import { BITOPS_DEFS } from "./bitops.js";
import { HLL_DEFS } from "./hyperloglog.js";
import { DUMP_DEFS } from "./dump_commands.js";
import { GEO_DEFS } from "./t_geo.js";
import { SORT_DEFS } from "./t_sort.js";
import { SCRIPTING_DEFS } from "./scripting_defs.js";
import { STREAM_GROUP_DEFS } from "./t_stream_group.js";
import { STREAM_DEFS } from "./t_stream.js";

export interface CommandEntry extends CommandSpec {
  /** `get`, or `config|get` for a subcommand. */
  readonly fullname: string;
  /** ACL categories without '@', implicit ones (read, write, fast, slow...) included. */
  readonly acl: readonly string[];
  readonly tips: readonly string[];
  /** Redis' CMD_MAY_REPLICATE (not shown by COMMAND): a read that may propagate a write (PFCOUNT); scripts treat it as a write. */
  readonly mayReplicate: boolean;
  /** The flags the hot paths test, as {@link CMD} bits (an `includes` over `flags` per check cost more). */
  readonly bits: number;
  readonly keySpecs: readonly KeySpec[];
  readonly group: string;
  readonly since: string;
  readonly summary: string;
  readonly complexity: string;
  readonly docFlags: readonly string[];
  readonly deprecatedSince?: string;
  readonly replacedBy?: string;
  readonly args: readonly ArgDoc[];
  readonly subcommands: ReadonlyMap<string, CommandEntry> | null;
}

const ARG_TYPES = "key|string|integer|double|pattern|unix-time|pure-token|oneof|block";
const ARG_RE = new RegExp(`^(.+):(${ARG_TYPES})(.*)$`);

/**
 * Parses the argument notation: `name:type` then modifiers, `?` optional,
 * `+` multiple, `!` multiple_token, `=TOKEN`, `@since`, `~deprecated`,
 * `#n` key spec index (keys default to 0), and `(...)` for the arguments
 * of a oneof/block. Example: `key:key condition:oneof?(nx:pure-token=NX xx:pure-token=XX)`.
 */
export function parseArgs(text: string): ArgDoc[] {
  let i = 0;
  const out = parseList();
  if (i < text.length) throw new Error(`bad argument notation at ${i}: ${text}`);
  return out;

  function parseList(): ArgDoc[] {
    const args: ArgDoc[] = [];
    for (;;) {
      while (text[i] === " ") i++;
      if (i >= text.length || text[i] === ")") return args;
      let j = i;
      while (j < text.length && text[j] !== " " && text[j] !== "(" && text[j] !== ")") j++;
      const word = text.slice(i, j);
      i = j;
      const m = ARG_RE.exec(word);
      if (m === null) throw new Error(`bad argument ${word}`);
      const [, name, type, mods] = m as unknown as [string, string, string, string];
      const flags: string[] = [];
      let token: string | undefined;
      let since: string | undefined;
      let deprecatedSince: string | undefined;
      let keySpecIndex: number | undefined = type === "key" ? 0 : undefined;
      for (const mm of mods.matchAll(/([?+!])|=(~|[^?+!@~#]+)|@([0-9.]+)|~([0-9.]+)|#(\d+)/g)) {
        if (mm[1] === "?") flags.push("optional");
        else if (mm[1] === "+") flags.push("multiple");
        else if (mm[1] === "!") flags.push("multiple_token");
        else if (mm[2] !== undefined) token = mm[2];
        else if (mm[3] !== undefined) since = mm[3];
        else if (mm[4] !== undefined) deprecatedSince = mm[4];
        else if (mm[5] !== undefined) keySpecIndex = Number(mm[5]);
      }
      // Redis prints the flags in its table order.
      flags.sort((a, b) => ARG_FLAG_ORDER.indexOf(a) - ARG_FLAG_ORDER.indexOf(b));
      let sub: ArgDoc[] | undefined;
      if (text[i] === "(") {
        i++;
        sub = parseList();
        if (text[i] !== ")") throw new Error(`unclosed ( in ${text}`);
        i++;
      }
      const arg: ArgDoc = { name, type, flags };
      args.push({
        ...arg,
        ...(keySpecIndex !== undefined ? { keySpecIndex } : {}),
        ...(token !== undefined ? { token } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(deprecatedSince !== undefined ? { deprecatedSince } : {}),
        ...(sub !== undefined ? { args: sub } : {}),
      });
    }
  }
}

const ARG_FLAG_ORDER = ["optional", "multiple", "multiple_token"];

/** Redis' command flag order (addReplyFlagsForCommand). */
export const FLAG_ORDER = [
  "write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking", "loading", "stale",
  "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth", "no_mandatory_keys", "no_async_loading",
  "no_multi", "movablekeys", "allow_busy",
];

/** Redis' ACL category order (ACLCommandCategories). */
export const ACL_ORDER = [
  "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo",
  "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting",
];

/** Bits of {@link CommandEntry.bits}: one per flag that a path tests on every command. */
export const CMD = {
  write: 1,
  readonly: 2,
  denyoom: 4,
  admin: 8,
  noscript: 16,
  skip_monitor: 32,
  skip_slowlog: 64,
  no_auth: 128,
  allow_busy: 256,
  /** Runs on a replica whose link is down with replica-serve-stale-data no. */
  stale: 512,
} as const;

function flagBits(flags: readonly string[]): number {
  let b = 0;
  for (const f of flags) b |= (CMD as Record<string, number>)[f] ?? 0;
  return b;
}

/** Flags that COMMAND INFO does not show but the ACL categories derive from. */
const HIDDEN_FLAGS = new Set(["sentinel", "may_replicate", "only_sentinel", "protected", "touches_arbitrary_keys"]);

/** One key: its shard runs it (`key`); keys that may span shards: `multi`; no key: the connection. */
function defaultRoute(specs: readonly KeySpec[]): Route {
  if (specs.length === 0) return "connection";
  const one = specs.length === 1 && isRangeSpec(specs[0]!) && specs[0]!.lastkey === 0;
  return one ? "key" : "multi";
}

function build(name: string, def: Def, parent: string | null): CommandEntry {
  const fullname = parent === null ? name : `${parent}|${name}`;
  const allFlags = def.flags ? def.flags.split(" ") : [];
  const flags = allFlags.filter((f) => !HIDDEN_FLAGS.has(f)).sort((a, b) => FLAG_ORDER.indexOf(a) - FLAG_ORDER.indexOf(b));
  const acl = new Set(def.acl ? def.acl.split(" ") : []);
  // setImplicitACLCategories
  if (allFlags.includes("write")) acl.add("write");
  if (allFlags.includes("readonly") && !acl.has("scripting")) acl.add("read");
  if (allFlags.includes("admin")) {
    acl.add("admin");
    acl.add("dangerous");
  }
  if (allFlags.includes("pubsub")) acl.add("pubsub");
  if (allFlags.includes("fast")) acl.add("fast");
  if (allFlags.includes("blocking")) acl.add("blocking");
  if (!acl.has("fast")) acl.add("slow");
  const keySpecs = def.keys ?? [];
  // The legacy first/last/step triple covers the index + range specs only (Redis' populateCommandLegacyRangeSpec).
  const ranges = keySpecs.filter(isRangeSpec);
  let firstKey = 0;
  let lastKey = 0;
  let step = 0;
  if (ranges.length === 1) {
    const k = ranges[0]!;
    firstKey = k.index;
    lastKey = k.lastkey >= 0 ? k.lastkey + k.index : k.lastkey;
    step = k.keystep;
  } else if (ranges.length > 1) {
    firstKey = Math.min(...ranges.map((k) => k.index));
    // Redis compares them unsigned (populateCommandLegacyRangeSpec): a -1 "to the end" wins.
    lastKey = ranges.map((k) => (k.lastkey >= 0 ? k.lastkey + k.index : k.lastkey)).reduce((a, b) => ((b >>> 0) > (a >>> 0) ? b : a));
    step = 1;
  }
  const subs = def.subcommands
    ? new Map(Object.entries(def.subcommands).map(([n, d]) => [n, build(n, { ...d, group: d.group ?? def.group }, name)]))
    : null;
  const entry: CommandEntry = {
    name,
    fullname,
    arity: def.arity,
    flags,
    firstKey,
    lastKey,
    step,
    route: def.route ?? defaultRoute(keySpecs),
    ...(def.exec ? { exec: def.exec } : {}),
    ...(def.serveOn ? { serveOn: def.serveOn } : {}),
    ...(def.blocks ? { blocks: def.blocks } : {}),
    ...(def.servedWhenGone ? { servedWhenGone: def.servedWhenGone } : {}),
    ...(def.readsUnknownKeys ? { readsUnknownKeys: def.readsUnknownKeys } : {}),
    ...(def.getKeys ? { getKeys: def.getKeys } : {}),
    acl: ACL_ORDER.filter((c) => acl.has(c)),
    tips: def.tips ? def.tips.split(" ") : [],
    mayReplicate: allFlags.includes("may_replicate"),
    bits: flagBits(allFlags),
    keySpecs,
    group: def.group,
    since: def.since,
    summary: def.summary,
    complexity: def.complexity ?? "O(1)",
    docFlags: [...(def.deprecated ? ["deprecated"] : []), ...(def.syscmd ? ["syscmd"] : [])],
    ...(def.deprecated ? { deprecatedSince: def.deprecated[0], replacedBy: def.deprecated[1] } : {}),
    args: def.args ? parseArgs(def.args) : [],
    subcommands: subs,
  };
  return entry;
}

/** setGetKeys: the key's flags for this line (SET ... GET reads it too), as ACL checks them. */
function setKeys(argv: readonly string[]): KeyPosition[] {
  for (let i = 3; i < argv.length; i++) if (argv[i]!.toLowerCase() === "get") return [{ pos: 1, flags: ["RW", "access", "update"] }];
  return [{ pos: 1, flags: ["OW", "update"] }];
}

const ONE_KEY = "key:key";
const EXPIRE_CONDITION = "condition:oneof@7.0.0?(nx:pure-token=NX xx:pure-token=XX gt:pure-token=GT lt:pure-token=LT)";
const FLUSH_MODE = "async:oneof?(async:pure-token=ASYNC@4.0.0 sync:pure-token=SYNC@6.2.0)";
const EXPIRATION = (persist: boolean, since: boolean) =>
  `expiration:oneof?(seconds:integer=EX${since ? "@2.6.12" : ""} milliseconds:integer=PX${since ? "@2.6.12" : ""} ` +
  `unix-time-seconds:unix-time=EXAT${since ? "@6.2.0" : ""} unix-time-milliseconds:unix-time=PXAT${since ? "@6.2.0" : ""} ` +
  (persist ? "persist:pure-token=PERSIST)" : "keepttl:pure-token=KEEPTTL@6.0.0)");

const RO = ks("RO");
const RO_ACCESS = ks("RO access");
const RW_ACCESS_UPDATE = ks("RW access update");
const RW_UPDATE = ks("RW update");
const RW_INSERT = ks("RW insert");
const RW_DELETE = ks("RW delete");
const RW_ACCESS_DELETE = ks("RW access delete");
const OW_UPDATE = ks("OW update");
const MULTI_SHARD_SUM = "request_policy:multi_shard response_policy:agg_sum";

export type { ArgDoc, KeySpec } from "./command_def.js";

/** REPLICAOF and SLAVEOF's arguments: `host port` or `NO ONE`. */
const REPLICAOF_ARGS = "args:oneof(host-port:block(host:string port:integer) no-one:block(no:pure-token=NO one:pure-token=ONE))";

const DEFS: Record<string, Def> = {
  // --- strings
  get: { arity: 2, flags: "readonly fast", acl: "string", keys: [RO_ACCESS], exec: str.getCommand, group: "string", since: "1.0.0",
    summary: "Returns the string value of a key.", args: ONE_KEY },
  set: { arity: -3, flags: "write denyoom", acl: "string", exec: str.setCommand, getKeys: setKeys, group: "string", since: "1.0.0",
    keys: [ks("RW access update variable_flags", 1, 0, 1, 0, "RW and ACCESS due to the optional `GET` argument")],
    summary: "Sets a key to a string value, optionally only if it exists or not, with an expiry, returning the old value.",
    args: `key:key value:string condition:oneof@2.6.12?(nx:pure-token=NX xx:pure-token=XX) get:pure-token=GET@6.2.0? ${EXPIRATION(false, true)}` },
  setnx: { arity: 3, flags: "write denyoom fast", acl: "string", keys: [ks("OW insert")], exec: str.setnxCommand, group: "string",
    since: "1.0.0", summary: "Sets a key to a string value only when the key does not exist.", args: "key:key value:string" },
  setex: { arity: 4, flags: "write denyoom", acl: "string", keys: [OW_UPDATE], exec: str.setexCommand, group: "string", since: "2.0.0",
    summary: "Sets a key to a string value that expires after a number of seconds.", args: "key:key seconds:integer value:string" },
  psetex: { arity: 4, flags: "write denyoom", acl: "string", keys: [OW_UPDATE], exec: str.psetexCommand, group: "string", since: "2.6.0",
    summary: "Sets a key to a string value that expires after a number of milliseconds.", args: "key:key milliseconds:integer value:string" },
  getex: { arity: -2, flags: "write fast", acl: "string", exec: str.getexCommand, group: "string", since: "6.2.0",
    keys: [ks("RW access update", 1, 0, 1, 0, "RW and UPDATE because it changes the TTL")],
    summary: "Returns the string value of a key after setting or removing its expiry.", args: `key:key ${EXPIRATION(true, false)}` },
  getdel: { arity: 2, flags: "write fast", acl: "string", keys: [RW_ACCESS_DELETE], exec: str.getdelCommand, group: "string",
    since: "6.2.0", summary: "Returns the string value of a key and deletes the key.", args: ONE_KEY },
  getset: { arity: 3, flags: "write denyoom fast", acl: "string", keys: [RW_ACCESS_UPDATE], exec: str.getsetCommand, group: "string",
    since: "1.0.0", summary: "Sets a key to a string value and returns its previous value.", args: "key:key value:string",
    deprecated: ["6.2.0", "`SET` with the `!GET` argument"] },
  mget: { arity: -2, flags: "readonly fast", acl: "string", tips: "request_policy:multi_shard", keys: [ks("RO access", 1, -1)],
    route: "multi", exec: str.mgetCommand, group: "string", since: "1.0.0", complexity: "O(N) where N is the number of keys",
    summary: "Returns the string values of several keys.", args: "key:key+" },
  mset: { arity: -3, flags: "write denyoom", acl: "string", tips: "request_policy:multi_shard response_policy:all_succeeded",
    keys: [ks("OW update", 1, -1, 2)], route: "multi", exec: str.msetCommand, group: "string", since: "1.0.1",
    complexity: "O(N) where N is the number of keys", summary: "Sets several keys to string values.",
    args: "key_value:block+(key:key value:string)" },
  msetnx: { arity: -3, flags: "write denyoom", acl: "string", tips: "request_policy:multi_shard response_policy:agg_min",
    keys: [ks("OW insert", 1, -1, 2)], route: "multi", exec: str.msetnxCommand, group: "string", since: "1.0.1",
    complexity: "O(N) where N is the number of keys", summary: "Sets several keys to string values only when none of them exists.",
    args: "key_value:block+(key:key value:string)" },
  append: { arity: 3, flags: "write denyoom fast", acl: "string", keys: [RW_INSERT], exec: str.appendCommand, group: "string",
    since: "2.0.0", summary: "Appends a string to the value of a key, creating the key when missing.", args: "key:key value:string" },
  strlen: { arity: 2, flags: "readonly fast", acl: "string", keys: [RO], exec: str.strlenCommand, group: "string", since: "2.2.0",
    summary: "Returns the length of a string value.", args: ONE_KEY },
  substr: { arity: 4, flags: "readonly", acl: "string", keys: [RO_ACCESS], exec: str.getrangeCommand, group: "string", since: "1.0.0",
    complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
    summary: "Returns a substring from a string value (GETRANGE's old name).", deprecated: ["2.0.0", "`GETRANGE`"], args: "key:key start:integer end:integer" },
  getrange: { arity: 4, flags: "readonly", acl: "string", keys: [RO_ACCESS], exec: str.getrangeCommand, group: "string", since: "2.4.0",
    complexity: "O(N) where N is the length of the returned string", summary: "Returns a substring of a string value.",
    args: "key:key start:integer end:integer" },
  setrange: { arity: 4, flags: "write denyoom", acl: "string", keys: [RW_UPDATE], exec: str.setrangeCommand, group: "string",
    since: "2.2.0", complexity: "O(1), plus copying the string",
    summary: "Overwrites part of a string value from an offset, padding with zero bytes.", args: "key:key offset:integer value:string" },
  incr: { arity: 2, flags: "write denyoom fast", acl: "string", keys: [RW_ACCESS_UPDATE], exec: str.incrCommand, group: "string",
    since: "1.0.0", summary: "Adds one to the integer value of a key.", args: ONE_KEY },
  decr: { arity: 2, flags: "write denyoom fast", acl: "string", keys: [RW_ACCESS_UPDATE], exec: str.decrCommand, group: "string",
    since: "1.0.0", summary: "Subtracts one from the integer value of a key.", args: ONE_KEY },
  incrby: { arity: 3, flags: "write denyoom fast", acl: "string", keys: [RW_ACCESS_UPDATE], exec: str.incrbyCommand, group: "string",
    since: "1.0.0", summary: "Adds an integer to the integer value of a key.", args: "key:key increment:integer" },
  decrby: { arity: 3, flags: "write denyoom fast", acl: "string", keys: [RW_ACCESS_UPDATE], exec: str.decrbyCommand, group: "string",
    since: "1.0.0", summary: "Subtracts an integer from the integer value of a key.", args: "key:key decrement:integer" },
  incrbyfloat: { arity: 3, flags: "write denyoom fast", acl: "string", keys: [RW_ACCESS_UPDATE], exec: str.incrbyfloatCommand,
    group: "string", since: "2.6.0", summary: "Adds a decimal number to the numeric value of a key (in 80-bit precision).",
    args: "key:key increment:double" },
  // --- keyspace
  del: { arity: -2, flags: "write", acl: "keyspace", tips: MULTI_SHARD_SUM, keys: [ks("RM delete", 1, -1)], route: "multi",
    exec: dbc.delCommand, group: "generic", since: "1.0.0", complexity: "O(N) where N is the number of keys",
    summary: "Deletes keys.", args: "key:key+" },
  unlink: { arity: -2, flags: "write fast", acl: "keyspace", tips: MULTI_SHARD_SUM, keys: [ks("RM delete", 1, -1)], route: "multi",
    exec: dbc.unlinkCommand, group: "generic", since: "4.0.0", complexity: "O(N) where N is the number of keys",
    summary: "Deletes keys (at once here: there is no background freeing to defer to).", args: "key:key+" },
  exists: { arity: -2, flags: "readonly fast", acl: "keyspace", tips: MULTI_SHARD_SUM, keys: [ks("RO", 1, -1)], route: "multi",
    exec: dbc.existsCommand, group: "generic", since: "1.0.0", complexity: "O(N) where N is the number of keys",
    summary: "Counts how many of the given keys exist.", args: "key:key+" },
  touch: { arity: -2, flags: "readonly fast", acl: "keyspace", tips: MULTI_SHARD_SUM, keys: [ks("RO", 1, -1)], route: "multi",
    exec: dbc.touchCommand, group: "generic", since: "3.2.1", complexity: "O(N) where N is the number of keys",
    summary: "Counts how many of the given keys exist, as an access to each.", args: "key:key+" },
  type: { arity: 2, flags: "readonly fast", acl: "keyspace", keys: [RO], exec: dbc.typeCommand, group: "generic", since: "1.0.0",
    summary: "Returns the type of the value of a key.", args: ONE_KEY },
  rename: { arity: 3, flags: "write", acl: "keyspace", keys: [RW_ACCESS_DELETE, ks("OW update", 2)], route: "multi",
    exec: dbc.renameCommand, group: "generic", since: "1.0.0", summary: "Renames a key, overwriting the destination.",
    args: "key:key newkey:key#1" },
  renamenx: { arity: 3, flags: "write fast", acl: "keyspace", keys: [RW_ACCESS_DELETE, ks("OW insert", 2)], route: "multi",
    exec: dbc.renamenxCommand, group: "generic", since: "1.0.0", summary: "Renames a key only when the new name does not exist.",
    args: "key:key newkey:key#1" },
  keys: { arity: 2, flags: "readonly", acl: "keyspace dangerous", tips: "request_policy:all_shards nondeterministic_output_order",
    route: "all", exec: dbc.keysCommand, group: "generic", since: "1.0.0",
    complexity: "O(N) where N is the number of keys in the database", summary: "Returns the keys matching a glob pattern.",
    args: "pattern:pattern" },
  scan: { arity: -2, flags: "readonly touches_arbitrary_keys", acl: "keyspace", tips: "nondeterministic_output request_policy:special",
    route: "all", exec: dbc.scanCommand, group: "generic", since: "2.8.0",
    complexity: "O(1) per call, O(N) for a complete iteration", summary: "Iterates over the keys of the database.",
    args: "cursor:integer pattern:pattern=MATCH? count:integer=COUNT? type:string=TYPE@6.0.0?" },
  randomkey: { arity: 1, flags: "readonly touches_arbitrary_keys", acl: "keyspace", tips: "request_policy:all_shards nondeterministic_output",
    route: "all", exec: dbc.randomkeyCommand, group: "generic", since: "1.0.0", summary: "Returns a random key of the database." },
  dbsize: { arity: 1, flags: "readonly fast", acl: "keyspace", tips: "request_policy:all_shards response_policy:agg_sum", route: "all",
    exec: dbc.dbsizeCommand, group: "server", since: "1.0.0", summary: "Returns the number of keys in the database." },
  flushdb: { arity: -1, flags: "write", acl: "keyspace dangerous", tips: "request_policy:all_shards response_policy:all_succeeded",
    route: "all", exec: dbc.flushdbCommand, group: "server", since: "1.0.0",
    complexity: "O(N) where N is the number of keys in the database", summary: "Removes all keys from the selected database.",
    args: FLUSH_MODE },
  flushall: { arity: -1, flags: "write", acl: "keyspace dangerous", tips: "request_policy:all_shards response_policy:all_succeeded",
    route: "all", exec: dbc.flushallCommand, group: "server", since: "1.0.0",
    complexity: "O(N) where N is the number of keys in all databases", summary: "Removes all keys from all databases.",
    args: FLUSH_MODE },
  // --- expiry
  expire: { arity: -3, flags: "write fast", acl: "keyspace", keys: [RW_UPDATE], exec: exp.expireCommand, group: "generic",
    since: "1.0.0", summary: "Sets a key's time to live in seconds.", args: `key:key seconds:integer ${EXPIRE_CONDITION}` },
  pexpire: { arity: -3, flags: "write fast", acl: "keyspace", keys: [RW_UPDATE], exec: exp.pexpireCommand, group: "generic",
    since: "2.6.0", summary: "Sets a key's time to live in milliseconds.", args: `key:key milliseconds:integer ${EXPIRE_CONDITION}` },
  expireat: { arity: -3, flags: "write fast", acl: "keyspace", keys: [RW_UPDATE], exec: exp.expireatCommand, group: "generic",
    since: "1.2.0", summary: "Sets a key's expiry to a Unix time in seconds.",
    args: `key:key unix-time-seconds:unix-time ${EXPIRE_CONDITION}` },
  pexpireat: { arity: -3, flags: "write fast", acl: "keyspace", keys: [RW_UPDATE], exec: exp.pexpireatCommand, group: "generic",
    since: "2.6.0", summary: "Sets a key's expiry to a Unix time in milliseconds.",
    args: `key:key unix-time-milliseconds:unix-time ${EXPIRE_CONDITION}` },
  ttl: { arity: 2, flags: "readonly fast", acl: "keyspace", tips: "nondeterministic_output", keys: [RO_ACCESS], exec: exp.ttlCommand,
    group: "generic", since: "1.0.0", summary: "Returns a key's remaining time to live in seconds.", args: ONE_KEY },
  pttl: { arity: 2, flags: "readonly fast", acl: "keyspace", tips: "nondeterministic_output", keys: [RO_ACCESS], exec: exp.pttlCommand,
    group: "generic", since: "2.6.0", summary: "Returns a key's remaining time to live in milliseconds.", args: ONE_KEY },
  expiretime: { arity: 2, flags: "readonly fast", acl: "keyspace", keys: [RO_ACCESS], exec: exp.expiretimeCommand, group: "generic",
    since: "7.0.0", summary: "Returns a key's expiry as a Unix time in seconds.", args: ONE_KEY },
  pexpiretime: { arity: 2, flags: "readonly fast", acl: "keyspace", keys: [RO_ACCESS], exec: exp.pexpiretimeCommand, group: "generic",
    since: "7.0.0", summary: "Returns a key's expiry as a Unix time in milliseconds.", args: ONE_KEY },
  persist: { arity: 2, flags: "write fast", acl: "keyspace", keys: [RW_UPDATE], exec: exp.persistCommand, group: "generic",
    since: "2.2.0", summary: "Removes a key's expiry.", args: ONE_KEY },
  // --- hashes
  hset: { arity: -4, flags: "write denyoom fast", acl: "hash", keys: [RW_UPDATE], exec: hash.hsetCommand, group: "hash", since: "2.0.0",
    complexity: "O(1) per field", summary: "Sets fields of a hash, creating it when missing.",
    args: "key:key field_value:block+(field:string value:string)" },
  hmset: { arity: -4, flags: "write denyoom fast", acl: "hash", keys: [RW_UPDATE], exec: hash.hmsetCommand, group: "hash", since: "2.0.0",
    complexity: "O(1) per field", summary: "Sets fields of a hash, answering OK.", args: "key:key field_value:block+(field:string value:string)",
    deprecated: ["4.0.0", "`HSET` with multiple field-value pairs"] },
  hsetnx: { arity: 4, flags: "write denyoom fast", acl: "hash", keys: [RW_INSERT], exec: hash.hsetnxCommand, group: "hash",
    since: "2.0.0", summary: "Sets a field of a hash only when the field does not exist.", args: "key:key field:string value:string" },
  hget: { arity: 3, flags: "readonly fast", acl: "hash", keys: [RO_ACCESS], exec: hash.hgetCommand, group: "hash", since: "2.0.0",
    summary: "Returns the value of a field of a hash.", args: "key:key field:string" },
  hmget: { arity: -3, flags: "readonly fast", acl: "hash", keys: [RO_ACCESS], exec: hash.hmgetCommand, group: "hash", since: "2.0.0",
    complexity: "O(N) where N is the number of fields", summary: "Returns the values of several fields of a hash.",
    args: "key:key field:string+" },
  hgetall: { arity: 2, flags: "readonly", acl: "hash", tips: "nondeterministic_output_order", keys: [RO_ACCESS], exec: hash.hgetallCommand,
    group: "hash", since: "2.0.0", complexity: "O(N) where N is the size of the hash", summary: "Returns every field and value of a hash.",
    args: ONE_KEY },
  hkeys: { arity: 2, flags: "readonly", acl: "hash", tips: "nondeterministic_output_order", keys: [RO_ACCESS], exec: hash.hkeysCommand,
    group: "hash", since: "2.0.0", complexity: "O(N) where N is the size of the hash", summary: "Returns the fields of a hash.",
    args: ONE_KEY },
  hvals: { arity: 2, flags: "readonly", acl: "hash", tips: "nondeterministic_output_order", keys: [RO_ACCESS], exec: hash.hvalsCommand,
    group: "hash", since: "2.0.0", complexity: "O(N) where N is the size of the hash", summary: "Returns the values of a hash.",
    args: ONE_KEY },
  hdel: { arity: -3, flags: "write fast", acl: "hash", keys: [RW_DELETE], exec: hash.hdelCommand, group: "hash", since: "2.0.0",
    complexity: "O(N) where N is the number of fields", summary: "Deletes fields of a hash, and the hash once empty.",
    args: "key:key field:string+" },
  hlen: { arity: 2, flags: "readonly fast", acl: "hash", keys: [RO], exec: hash.hlenCommand, group: "hash", since: "2.0.0",
    summary: "Returns the number of fields of a hash.", args: ONE_KEY },
  hexists: { arity: 3, flags: "readonly fast", acl: "hash", keys: [RO], exec: hash.hexistsCommand, group: "hash", since: "2.0.0",
    summary: "Says whether a hash has a field.", args: "key:key field:string" },
  hstrlen: { arity: 3, flags: "readonly fast", acl: "hash", keys: [RO], exec: hash.hstrlenCommand, group: "hash", since: "3.2.0",
    summary: "Returns the length of the value of a field of a hash.", args: "key:key field:string" },
  hincrby: { arity: 4, flags: "write denyoom fast", acl: "hash", keys: [RW_ACCESS_UPDATE], exec: hash.hincrbyCommand, group: "hash",
    since: "2.0.0", summary: "Adds an integer to the integer value of a field of a hash.", args: "key:key field:string increment:integer" },
  hincrbyfloat: { arity: 4, flags: "write denyoom fast", acl: "hash", keys: [RW_ACCESS_UPDATE], exec: hash.hincrbyfloatCommand,
    group: "hash", since: "2.6.0", summary: "Adds a decimal number to the numeric value of a field of a hash.",
    args: "key:key field:string increment:double" },
  // --- lists
  lpush: { arity: -3, flags: "write denyoom fast", acl: "list", keys: [RW_INSERT], exec: list.lpushCommand, group: "list", since: "1.0.0",
    complexity: "O(1) per element", summary: "Prepends elements to a list, creating it when missing.", args: "key:key element:string+" },
  rpush: { arity: -3, flags: "write denyoom fast", acl: "list", keys: [RW_INSERT], exec: list.rpushCommand, group: "list", since: "1.0.0",
    complexity: "O(1) per element", summary: "Appends elements to a list, creating it when missing.", args: "key:key element:string+" },
  lpop: { arity: -2, flags: "write fast", acl: "list", keys: [RW_ACCESS_DELETE], exec: list.lpopCommand, group: "list", since: "1.0.0",
    complexity: "O(N) where N is the number of elements returned", summary: "Removes and returns the first elements of a list.",
    args: "key:key count:integer@6.2.0?" },
  rpop: { arity: -2, flags: "write fast", acl: "list", keys: [RW_ACCESS_DELETE], exec: list.rpopCommand, group: "list", since: "1.0.0",
    complexity: "O(N) where N is the number of elements returned", summary: "Removes and returns the last elements of a list.",
    args: "key:key count:integer@6.2.0?" },
  lrange: { arity: 4, flags: "readonly", acl: "list", keys: [RO_ACCESS], exec: list.lrangeCommand, group: "list", since: "1.0.0",
    complexity: "O(N) where N is the number of elements returned", summary: "Returns a range of elements of a list.",
    args: "key:key start:integer stop:integer" },
  llen: { arity: 2, flags: "readonly fast", acl: "list", keys: [RO], exec: list.llenCommand, group: "list", since: "1.0.0",
    summary: "Returns the length of a list.", args: ONE_KEY },
  lindex: { arity: 3, flags: "readonly", acl: "list", keys: [RO_ACCESS], exec: list.lindexCommand, group: "list", since: "1.0.0",
    summary: "Returns an element of a list by its index.", args: "key:key index:integer" },
  // --- pub/sub: the connections and the instance's table (pubsub.ts)
  subscribe: { arity: -2, flags: "pubsub noscript loading stale", group: "pubsub", since: "2.0.0",
    complexity: "O(N) where N is the number of channels to subscribe to.", summary: "Listens for messages published to channels.",
    args: "channel:string+" },
  unsubscribe: { arity: -1, flags: "pubsub noscript loading stale", group: "pubsub", since: "2.0.0",
    complexity: "O(N) where N is the number of channels to unsubscribe.", summary: "Stops listening to channels (all when none is given).",
    args: "channel:string+?" },
  psubscribe: { arity: -2, flags: "pubsub noscript loading stale", group: "pubsub", since: "2.0.0",
    complexity: "O(N) where N is the number of patterns to subscribe to.", summary: "Listens for messages published to channels matching glob patterns.",
    args: "pattern:block+(pattern:pattern)" },
  punsubscribe: { arity: -1, flags: "pubsub noscript loading stale", group: "pubsub", since: "2.0.0",
    complexity: "O(N) where N is the number of patterns to unsubscribe.", summary: "Stops listening to patterns (all when none is given).",
    args: "pattern:pattern+?" },
  publish: { arity: 3, flags: "pubsub loading stale fast", group: "pubsub", since: "2.0.0",
    complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
    summary: "Posts a message to a channel; answers how many clients received it.", args: "channel:string message:string" },
  pubsub: { arity: -2, group: "pubsub", since: "2.8.0", complexity: "Depends on subcommand.",
    summary: "Commands about pub/sub's channels and patterns.", subcommands: {
      channels: { arity: -2, flags: "pubsub loading stale", group: "pubsub", since: "2.8.0",
        complexity: "O(N) where N is the number of active channels", summary: "Lists the channels with subscribers.", args: "pattern:pattern?" },
      numsub: { arity: -2, flags: "pubsub loading stale", group: "pubsub", since: "2.8.0",
        complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        summary: "Counts the subscribers of channels.", args: "channel:string+?" },
      numpat: { arity: 2, flags: "pubsub loading stale", group: "pubsub", since: "2.8.0", summary: "Counts the patterns with subscribers." },
      help: { arity: 2, flags: "loading stale", group: "pubsub", since: "6.2.0", summary: "Describes the PUBSUB subcommands." },
    } },

  // --- transactions: the connection queues, a transaction process runs (multi_exec.ts)
  multi: { arity: 1, flags: "noscript loading stale fast allow_busy", acl: "transaction", group: "transactions", since: "1.2.0",
    summary: "Starts a transaction." },
  exec: { arity: 1, flags: "noscript loading stale skip_slowlog", acl: "transaction", group: "transactions", since: "1.2.0",
    complexity: "Depends on commands in the transaction", summary: "Executes all commands in a transaction." },
  discard: { arity: 1, flags: "noscript loading stale fast allow_busy", acl: "transaction", group: "transactions", since: "2.0.0",
    summary: "Discards a transaction." },
  watch: { arity: -2, flags: "noscript loading stale fast allow_busy", acl: "transaction", keys: [ks("RO", 1, -1)], route: "connection",
    group: "transactions", since: "2.2.0", complexity: "O(1) for every key.",
    summary: "Monitors changes to keys to determine the execution of a transaction.", args: "key:key+" },
  unwatch: { arity: 1, flags: "noscript loading stale fast allow_busy", acl: "transaction", group: "transactions", since: "2.2.0",
    summary: "Forgets about watched keys of a transaction." },

  // --- connection-level commands: run by the server
  ping: { arity: -1, flags: "fast sentinel", acl: "connection", tips: "request_policy:all_shards response_policy:all_succeeded",
    group: "connection", since: "1.0.0", summary: "Answers PONG, or the message given.", args: "message:string?" },
  echo: { arity: 2, flags: "loading stale fast", acl: "connection", group: "connection", since: "1.0.0",
    summary: "Answers the message given.", args: "message:string" },
  quit: { arity: -1, flags: "allow_busy noscript loading stale fast no_auth", acl: "connection", group: "connection", since: "1.0.0",
    summary: "Closes the connection after answering OK." },
  hello: { arity: -1, flags: "noscript loading stale fast no_auth sentinel allow_busy", acl: "connection", group: "connection",
    since: "6.0.0", summary: "Picks the protocol version (2 or 3), optionally authenticating and naming the connection.",
    args: "arguments:block?(protover:integer username_password:block=AUTH?(username:string password:string) clientname:string=SETNAME?)" },
  auth: { arity: -2, flags: "noscript loading stale fast no_auth sentinel allow_busy", acl: "connection", group: "connection",
    since: "1.0.0", summary: "Authenticates the connection.", args: "username:string@6.0.0? password:string" },
  select: { arity: 2, flags: "loading stale fast", acl: "connection", group: "connection", since: "1.0.0",
    summary: "Selects the database (0-15) of the connection.", args: "index:integer" },
  client: { arity: -2, flags: "sentinel", group: "connection", since: "2.4.0", complexity: "Depends on the subcommand",
    summary: "Commands about client connections.", subcommands: {
      id: { arity: 2, flags: "noscript loading stale sentinel", acl: "connection", group: "connection", since: "5.0.0",
        summary: "Returns the id of the connection." },
      setname: { arity: 3, flags: "noscript loading stale sentinel", acl: "connection", group: "connection", since: "2.6.9",
        summary: "Names the connection.", args: "connection-name:string" },
      getname: { arity: 2, flags: "noscript loading stale sentinel", acl: "connection", group: "connection", since: "2.6.9",
        summary: "Returns the name of the connection." },
      list: { arity: -2, flags: "admin noscript loading stale sentinel", acl: "connection", tips: "nondeterministic_output",
        group: "connection", since: "2.4.0", complexity: "O(N) where N is the number of connections",
        summary: "Lists the connections of the server.",
        args: "normal_master_replica_pubsub:oneof=TYPE@5.0.0?(normal:pure-token=NORMAL master:pure-token=MASTER " +
          "replica:pure-token=REPLICA pubsub:pure-token=PUBSUB) id:block=ID@6.2.0?(client-id:integer+)" },
      info: { arity: 2, flags: "noscript loading stale sentinel", acl: "connection", tips: "nondeterministic_output",
        group: "connection", since: "6.2.0", summary: "Describes the connection." },
      kill: { arity: -3, flags: "admin noscript loading stale sentinel", acl: "connection", group: "connection", since: "2.4.0",
        complexity: "O(N) where N is the number of connections", summary: "Closes connections.",
        args: "filter:oneof(ip:port:string~2.8.12 new-format:oneof+(client-id:integer=ID@2.8.12? " +
          "normal_master_slave_pubsub:oneof=TYPE@2.8.12?(normal:pure-token=NORMAL master:pure-token=MASTER@3.2.0 " +
          "slave:pure-token=SLAVE replica:pure-token=REPLICA@5.0.0 pubsub:pure-token=PUBSUB) username:string=USER? " +
          "ip:port:string=ADDR? ip:port:string=LADDR@6.2.0? yes/no:string=SKIPME?))" },
      unblock: { arity: -3, flags: "admin noscript loading stale", acl: "connection", group: "connection", since: "5.0.0",
        complexity: "O(log N) where N is the number of client connections",
        summary: "Unblocks a client blocked by a blocking command from another connection.",
        args: "client-id:integer timeout_error:oneof?(timeout:pure-token=TIMEOUT error:pure-token=ERROR)" },
      pause: { arity: -3, flags: "admin noscript loading stale", acl: "connection", group: "connection", since: "2.9.50",
        summary: "Holds clients' commands (all, or writes only) for some milliseconds.",
        args: "timeout:integer mode:oneof@6.2.0?(write:pure-token=WRITE all:pure-token=ALL)" },
      unpause: { arity: 2, flags: "admin noscript loading stale", acl: "connection", group: "connection", since: "6.2.0",
        complexity: "O(N) Where N is the number of paused clients", summary: "Ends a CLIENT PAUSE." },
      reply: { arity: 3, flags: "noscript loading stale", acl: "connection", group: "connection", since: "3.2.0",
        summary: "Turns the connection's replies off, on, or off for the next command.",
        args: "on_off_skip:oneof(on:pure-token=ON off:pure-token=OFF skip:pure-token=SKIP)" },
      "no-evict": { arity: 3, flags: "admin noscript loading stale", acl: "connection", group: "connection", since: "7.0.0",
        summary: "Marks the connection exempt from client eviction.", args: "enabled:oneof(on:pure-token=ON off:pure-token=OFF)" },
      tracking: { arity: -3, flags: "noscript loading stale", acl: "connection", group: "connection", since: "6.0.0",
        complexity: "O(1). Some options may introduce additional complexity.",
        summary: "Enable or disable server assisted client side caching support",
        args: "status:oneof(on:pure-token=ON off:pure-token=OFF) client-id:integer=REDIRECT? prefix:string=PREFIX?+! " +
          "bcast:pure-token=BCAST? optin:pure-token=OPTIN? optout:pure-token=OPTOUT? noloop:pure-token=NOLOOP?" },
      caching: { arity: 3, flags: "noscript loading stale", acl: "connection", group: "connection", since: "6.0.0",
        complexity: "O(1)", summary: "Instruct the server about tracking or not keys in the next request",
        args: "mode:oneof(yes:pure-token=YES no:pure-token=NO)" },
      getredir: { arity: 2, flags: "noscript loading stale", acl: "connection", group: "connection", since: "6.0.0",
        complexity: "O(1)", summary: "Get tracking notifications redirection client ID if any" },
      trackinginfo: { arity: 2, flags: "noscript loading stale", acl: "connection", group: "connection", since: "6.2.0",
        complexity: "O(1)", summary: "Return information about server assisted client side caching for the current connection" },
      help: { arity: 2, flags: "loading stale sentinel", acl: "connection", group: "connection", since: "5.0.0",
        summary: "Describes the CLIENT subcommands." },
    } },
  config: { arity: -2, group: "server", since: "2.0.0", complexity: "Depends on the subcommand",
    summary: "Commands about the server's settings.", subcommands: {
      get: { arity: -3, flags: "admin noscript loading stale", group: "server", since: "2.0.0",
        complexity: "O(N) where N is the number of settings", summary: "Returns the settings matching glob patterns.",
        args: "parameter:block+(parameter:string)" },
      set: { arity: -4, flags: "admin noscript loading stale", tips: "request_policy:all_nodes response_policy:all_succeeded",
        group: "server", since: "2.0.0", complexity: "O(N) where N is the number of settings", summary: "Changes settings.",
        args: "parameter_value:block+(parameter:string value:string)" },
      resetstat: { arity: 2, flags: "admin noscript loading stale", group: "server", since: "2.0.0",
        summary: "Resets the statistics INFO reports." },
      rewrite: { arity: 2, flags: "admin noscript loading stale", group: "server", since: "2.8.0",
        summary: "Writes the settings to the configuration file." },
      help: { arity: 2, flags: "loading stale", group: "server", since: "5.0.0", summary: "Describes the CONFIG subcommands." },
    } },
  info: { arity: -1, flags: "loading stale sentinel", acl: "dangerous",
    tips: "nondeterministic_output request_policy:all_shards response_policy:special", group: "server", since: "1.0.0",
    complexity: "O(1)", summary: "Returns information and statistics about the server.", args: "section:string?+" },
  command: { arity: -1, flags: "loading stale sentinel", acl: "connection", tips: "nondeterministic_output_order", group: "server",
    since: "2.8.13", complexity: "O(N) where N is the number of commands", summary: "Returns the details of every command.",
    subcommands: {
      count: { arity: 2, flags: "loading stale sentinel", acl: "connection", group: "server", since: "2.8.13",
        summary: "Returns the number of commands." },
      docs: { arity: -2, flags: "loading stale sentinel", acl: "connection", tips: "nondeterministic_output_order", group: "server",
        since: "7.0.0", complexity: "O(N) where N is the number of commands described",
        summary: "Returns the documentation of commands.", args: "command-name:string?+" },
      info: { arity: -2, flags: "loading stale sentinel", acl: "connection", tips: "nondeterministic_output_order", group: "server",
        since: "2.8.13", complexity: "O(N) where N is the number of commands described",
        summary: "Returns the details of commands.", args: "command-name:string?+" },
      list: { arity: -2, flags: "loading stale sentinel", acl: "connection", tips: "nondeterministic_output_order", group: "server",
        since: "7.0.0", complexity: "O(N) where N is the number of commands", summary: "Returns the names of the commands.",
        args: "filterby:oneof=FILTERBY?(module-name:string=MODULE category:string=ACLCAT pattern:pattern=PATTERN)" },
      getkeys: { arity: -4, flags: "loading stale sentinel", acl: "connection", group: "server", since: "2.8.13",
        complexity: "O(N) where N is the number of arguments", summary: "Returns the keys a command line names." },
      getkeysandflags: { arity: -4, flags: "loading stale sentinel", acl: "connection", group: "server", since: "7.0.0",
        complexity: "O(N) where N is the number of arguments", summary: "Returns the keys a command line names, with their flags." },
      help: { arity: 2, flags: "loading stale sentinel", acl: "connection", group: "server", since: "5.0.0",
        summary: "Describes the COMMAND subcommands." },
    } },
  acl: { arity: -2, flags: "sentinel", group: "server", since: "6.0.0", complexity: "Depends on subcommand.",
    summary: "A container for Access List Control commands ", subcommands: {
      cat: { arity: -2, flags: "noscript loading stale sentinel", group: "server", since: "6.0.0",
        complexity: "O(1) since the categories and commands are a fixed set.",
        summary: "List the ACL categories or the commands inside a category", args: "categoryname:string?" },
      deluser: { arity: -3, flags: "admin noscript loading stale sentinel", group: "server", since: "6.0.0",
        complexity: "O(1) amortized time considering the typical user.", summary: "Remove the specified ACL users and the associated rules",
        args: "username:string+" },
      dryrun: { arity: -4, flags: "admin noscript loading stale sentinel", group: "server", since: "7.0.0", complexity: "O(1).",
        summary: "Returns whether the user can execute the given command without executing the command.",
        args: "username:string command:string arg:string?+" },
      genpass: { arity: -2, flags: "noscript loading stale sentinel", group: "server", since: "6.0.0",
        summary: "Generate a pseudorandom secure password to use for ACL users", args: "bits:integer?" },
      getuser: { arity: 3, flags: "admin noscript loading stale sentinel", group: "server", since: "6.0.0",
        complexity: "O(N). Where N is the number of password, command and pattern rules that the user has.",
        summary: "Get the rules for a specific ACL user", args: "username:string" },
      help: { arity: 2, flags: "loading stale sentinel", group: "server", since: "6.0.0",
        summary: "Show helpful text about the different subcommands" },
      list: { arity: 2, flags: "admin noscript loading stale sentinel", group: "server", since: "6.0.0",
        complexity: "O(N). Where N is the number of configured users.", summary: "List the current ACL rules in ACL config file format" },
      load: { arity: 2, flags: "admin noscript loading stale sentinel", group: "server", since: "6.0.0",
        complexity: "O(N). Where N is the number of configured users.", summary: "Reload the ACLs from the configured ACL file" },
      log: { arity: -2, flags: "admin noscript loading stale sentinel", group: "server", since: "6.0.0",
        complexity: "O(N) with N being the number of entries shown.", summary: "List latest events denied because of ACLs in place",
        args: "operation:oneof?(count:integer reset:pure-token=RESET)" },
      save: { arity: 2, flags: "admin noscript loading stale sentinel", group: "server", since: "6.0.0",
        complexity: "O(N). Where N is the number of configured users.", summary: "Save the current ACL rules in the configured ACL file" },
      setuser: { arity: -3, flags: "admin noscript loading stale sentinel", group: "server", since: "6.0.0",
        complexity: "O(N). Where N is the number of rules provided.", summary: "Modify or create the rules for a specific ACL user",
        args: "username:string rule:string?+" },
      users: { arity: 2, flags: "admin noscript loading stale sentinel", group: "server", since: "6.0.0",
        complexity: "O(N). Where N is the number of configured users.", summary: "List the username of all the configured ACL rules" },
      whoami: { arity: 2, flags: "noscript loading stale sentinel", group: "server", since: "6.0.0",
        summary: "Return the name of the user associated to the current connection" },
    } },
  time: { arity: 1, flags: "loading stale fast", tips: "nondeterministic_output", group: "server", since: "2.6.0",
    summary: "Returns the server's time." },
  monitor: { arity: 1, flags: "admin noscript loading stale", group: "server", since: "1.0.0",
    summary: "Streams every command the server runs, as it runs it." },
  reset: { arity: 1, flags: "noscript loading stale fast no_auth allow_busy", acl: "connection", group: "connection", since: "6.2.0",
    summary: "Resets the connection: no MULTI, WATCH or subscriptions, database 0, RESP2, replies on, not authenticated." },
  shutdown: { arity: -1, flags: "admin noscript loading stale no_multi allow_busy", group: "server", since: "1.0.0",
    complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
    summary: "Stops the server (flushing the append-only file first).",
    args: "nosave_save:oneof?(nosave:pure-token=NOSAVE save:pure-token=SAVE) now:pure-token=NOW@7.0.0? " +
      "force:pure-token=FORCE@7.0.0? abort:pure-token=ABORT@7.0.0?" },
  slowlog: { arity: -2, group: "server", since: "2.2.12", complexity: "Depends on subcommand.",
    summary: "Commands about the slow log.", subcommands: {
      get: { arity: -2, flags: "admin loading stale", tips: "request_policy:all_nodes nondeterministic_output", group: "server",
        since: "2.2.12", complexity: "O(N) where N is the number of entries returned", summary: "Returns the slow log's entries.",
        args: "count:integer?" },
      len: { arity: 2, flags: "admin loading stale", tips: "request_policy:all_nodes response_policy:agg_sum nondeterministic_output",
        group: "server", since: "2.2.12", summary: "Returns the number of entries in the slow log." },
      reset: { arity: 2, flags: "admin loading stale", tips: "request_policy:all_nodes response_policy:all_succeeded", group: "server",
        since: "2.2.12", complexity: "O(N) where N is the number of entries in the slowlog", summary: "Empties the slow log." },
      help: { arity: 2, flags: "loading stale", group: "server", since: "6.2.0", summary: "Describes the SLOWLOG subcommands." },
    } },
  bgrewriteaof: { arity: 1, flags: "no_async_loading admin noscript", group: "server", since: "1.0.0",
    summary: "Rewrites the append-only file in the background." },
  save: { arity: 1, flags: "no_async_loading admin noscript no_multi", group: "server", since: "1.0.0",
    complexity: "O(N) where N is the total number of keys in all databases",
    summary: "Saves the dataset to the RDB file (answered once the file is in place; the server keeps serving)." },
  bgsave: { arity: -1, flags: "no_async_loading admin noscript", group: "server", since: "1.0.0",
    summary: "Saves the dataset to the RDB file in the background.", args: "schedule:pure-token=SCHEDULE@3.2.2?" },
  lastsave: { arity: 1, flags: "loading stale fast", acl: "admin dangerous", tips: "nondeterministic_output", group: "server", since: "1.0.0",
    summary: "Returns the Unix time of the last successful save to the RDB file." },
  replicaof: { arity: 3, flags: "admin noscript stale no_async_loading", group: "server", since: "5.0.0",
    summary: "Makes the server a replica of another instance, or promotes it to primary (NO ONE).", args: REPLICAOF_ARGS },
  slaveof: { arity: 3, flags: "admin noscript stale no_async_loading", group: "server", since: "1.0.0", deprecated: ["5.0.0", "`REPLICAOF`"],
    summary: "Makes the server a replica of another instance, or promotes it to primary (NO ONE).", args: REPLICAOF_ARGS },
  sync: { arity: 1, flags: "admin noscript no_async_loading no_multi", group: "server", since: "1.0.0",
    summary: "Internal command used for replication" },
  psync: { arity: -3, flags: "admin noscript no_async_loading no_multi", group: "server", since: "2.8.0",
    summary: "Internal command used for replication", args: "replicationid:string offset:integer" },
  replconf: { arity: -1, flags: "admin noscript loading stale allow_busy", group: "server", since: "3.0.0", syscmd: true,
    summary: "An internal command for configuring the replication stream" },
  wait: { arity: 3, flags: "noscript", acl: "connection", tips: "request_policy:all_shards response_policy:agg_min", group: "generic", since: "3.0.0",
    summary: "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
    args: "numreplicas:integer timeout:integer" },
  role: { arity: 1, flags: "noscript loading stale fast", acl: "admin dangerous", group: "server", since: "2.8.12",
    summary: "Return the role of the instance in the context of replication" },
};

/** The definitions each type's file exports (`t_<type>.ts`), merged into the table. */
const TYPE_DEFS: readonly Record<string, Def>[] = [
  list.LIST_DEFS,
  hash.HASH_DEFS,
  str.STRING_DEFS,
  SET_DEFS,
  ZSET_DEFS,
  BITOPS_DEFS,
  HLL_DEFS,
  dbc.DB_DEFS,
  OBJECT_DEFS,
  DUMP_DEFS,
  GEO_DEFS,
  SORT_DEFS,
  SCRIPTING_DEFS,
  STREAM_GROUP_DEFS,
  STREAM_DEFS,
];

function allDefs(): [string, Def][] {
  const all: [string, Def][] = Object.entries(DEFS);
  const seen = new Set(Object.keys(DEFS));
  for (const defs of TYPE_DEFS) {
    for (const [name, def] of Object.entries(defs)) {
      if (seen.has(name)) throw new Error(`command ${name} is defined twice`);
      seen.add(name);
      all.push([name, def]);
    }
  }
  return all;
}

/** Every top-level command, by lower-case name. */
export const COMMANDS: ReadonlyMap<string, CommandEntry> = new Map(allDefs().map(([name, def]) => [name, build(name, def, null)]));

/** Names also indexed in upper case, which clients mostly send. */
const BY_NAME = new Map<string, CommandEntry>();
for (const [name, entry] of COMMANDS) {
  BY_NAME.set(name, entry);
  BY_NAME.set(name.toUpperCase(), entry);
}

let lastName = "";
let lastEntry: CommandEntry | undefined;

/** The top-level command named `name` (case-insensitive), or undefined. */
export function lookupTop(name: string): CommandEntry | undefined {
  // Pipelines repeat one command: comparing a fresh 3-byte string beats hashing it.
  if (name === lastName) return lastEntry;
  const e = BY_NAME.get(name) ?? COMMANDS.get(name.toLowerCase());
  if (e !== undefined) {
    lastName = name;
    lastEntry = e;
  }
  return e;
}

/**
 * Redis' lookupCommandBySds: `name` or `container|sub` (case-insensitive),
 * as COMMAND INFO/DOCS take them; undefined when unknown.
 */
export function lookupByFullname(name: string): CommandEntry | undefined {
  const parts = name.split("|");
  if (parts.length > 2) return undefined;
  const top = lookupTop(parts[0]!);
  if (parts.length === 1) return top;
  return top?.subcommands?.get(parts[1]!.toLowerCase());
}
