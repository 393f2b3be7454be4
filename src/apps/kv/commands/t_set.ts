/**
 * Set commands (Redis' t_set.c): SADD, SREM, SCARD, SISMEMBER, SMISMEMBER,
 * SMEMBERS, SRANDMEMBER, SPOP, SMOVE, SINTER, SINTERCARD, SINTERSTORE,
 * SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE, SSCAN, over {@link SetValue}.
 * An emptied set is deleted. SPOP is propagated as what it did (one SREM
 * per popped member, or DEL when it took the whole set), as Redis 7.0 does.
 */
import { NOTIFY, notify, removedFrom } from "./notify.js";
import { type ExecContext } from "./command.js";
import { type Def, ks, ksKeynum } from "./command_def.js";
import { lookupRead, lookupWrite } from "./db.js";
import { stringMatch } from "./glob.js";
import { parseCursor } from "./db_commands.js";
import { SetValue } from "./set_value.js";
import { ErrorReply, type Reply, SetReply } from "../resp/reply.js";
import { INVALID_CURSOR, MUST_BE_POSITIVE, NOT_AN_INTEGER, SYNTAX_ERROR, WRONGTYPE, intArg, option, removeMembers } from "./shared.js";

const EMPTY_SET = new SetReply([]);
const SREM = "SREM";
const DEL = "DEL";
/** V8's Map holds at most 2^24 entries. */
const MAX_MEMBERS = 2 ** 24;
const TOO_MANY_MEMBERS = new ErrorReply("OOM command not allowed: a set holds at most 16777216 members here");
const SRANDMEMBER_RANGE = new ErrorReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
/** SRANDMEMBER with a negative count builds its whole reply: beyond this many members it answers an error. */
const MAX_RANDOM_REPLY = 2 ** 24;
const RANDOM_TOO_LONG = new ErrorReply(`ERR count is too large: at most ${MAX_RANDOM_REPLY} members per reply here`);

/** The set at key for reading: undefined when missing, WRONGTYPE for another type. */
function readSet(ctx: ExecContext, key: string): SetValue | undefined | ErrorReply {
  const v = lookupRead(ctx, key);
  if (v === undefined || v instanceof SetValue) return v;
  return WRONGTYPE;
}

function writeSet(ctx: ExecContext, key: string): SetValue | undefined | ErrorReply {
  const v = lookupWrite(ctx, key);
  if (v === undefined || v instanceof SetValue) return v;
  return WRONGTYPE;
}

export function saddCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  let s = writeSet(ctx, key);
  if (s instanceof ErrorReply) return s;
  if (s !== undefined && s.size + argv.length - 2 > MAX_MEMBERS) {
    let fresh = 0;
    for (let j = 2; j < argv.length; j++) if (!s.has(argv[j]!)) fresh++;
    if (s.size + fresh > MAX_MEMBERS) return TOO_MANY_MEMBERS;
  }
  if (s === undefined) {
    s = new SetValue();
    ctx.db.setKey(key, s);
  }
  let added = 0;
  for (let j = 2; j < argv.length; j++) if (s.add(argv[j]!)) added++;
  if (added > 0) {
    ctx.db.modified(key);
    notify(ctx.db, NOTIFY.SET, "sadd", key);
    ctx.propagate(argv);
  }
  return added;
}

export function sremCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const key = argv[1]!;
  const s = writeSet(ctx, key);
  if (s === undefined) return 0;
  if (s instanceof ErrorReply) return s;
  return removeMembers(ctx, key, s, argv, NOTIFY.SET, "srem");
}

export function scardCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const s = readSet(ctx, argv[1]!);
  if (s === undefined) return 0;
  if (s instanceof ErrorReply) return s;
  return s.size;
}

export function sismemberCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const s = readSet(ctx, argv[1]!);
  if (s === undefined) return 0;
  if (s instanceof ErrorReply) return s;
  return s.has(argv[2]!) ? 1 : 0;
}

export function smismemberCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const s = readSet(ctx, argv[1]!);
  if (s instanceof ErrorReply) return s;
  const out = new Array<Reply>(argv.length - 2);
  for (let j = 2; j < argv.length; j++) out[j - 2] = s !== undefined && s.has(argv[j]!) ? 1 : 0;
  return out;
}

export function smembersCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const s = readSet(ctx, argv[1]!);
  if (s === undefined) return EMPTY_SET;
  if (s instanceof ErrorReply) return s;
  return new SetReply(s.members());
}

/** `count` distinct random members of `s` (count < size), uniformly. */
function distinctRandom(s: SetValue, count: number): string[] {
  const n = s.size;
  if (count * 3 > n) {
    // Many: a partial Fisher-Yates shuffle of the positions.
    const pos = new Uint32Array(n);
    for (let i = 0; i < n; i++) pos[i] = i;
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (n - i));
      const p = pos[j]!;
      pos[j] = pos[i]!;
      out[i] = s.at(p);
    }
    return out;
  }
  // Few: draw positions until `count` distinct ones.
  const seen = new Set<number>();
  const out: string[] = [];
  while (out.length < count) {
    const i = Math.floor(Math.random() * n);
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(s.at(i));
  }
  return out;
}

export function srandmemberCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  if (argv.length > 3) return SYNTAX_ERROR;
  if (argv.length === 2) {
    const s = readSet(ctx, argv[1]!);
    if (s === undefined) return null;
    if (s instanceof ErrorReply) return s;
    return s.random()!;
  }
  const l = intArg(argv[2]!);
  if (l instanceof ErrorReply) return l;
  if (typeof l === "bigint" && l === -(2n ** 63n)) return SRANDMEMBER_RANGE;
  const s = readSet(ctx, argv[1]!);
  if (s === undefined) return [];
  if (s instanceof ErrorReply) return s;
  if (l === 0) return [];
  const n = s.size;
  if (l < 0) {
    if (-l > MAX_RANDOM_REPLY) return RANDOM_TOO_LONG;
    const count = -Number(l);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = s.random()!;
    return out;
  }
  if (l >= n) return s.members();
  return distinctRandom(s, Number(l));
}

export function spopCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  if (argv.length > 3) return SYNTAX_ERROR;
  const key = argv[1]!;
  if (argv.length === 2) {
    const s = writeSet(ctx, key);
    if (s === undefined) return null;
    if (s instanceof ErrorReply) return s;
    const m = s.pop()!;
    removedFrom(ctx.db, NOTIFY.SET, "spop", key, s.size === 0);
    ctx.propagate([SREM, key, m]);
    return m;
  }
  const l = intArg(argv[2]!, MUST_BE_POSITIVE);
  if (l instanceof ErrorReply) return l;
  if (l < 0) return MUST_BE_POSITIVE;
  const s = writeSet(ctx, key);
  if (s === undefined) return EMPTY_SET;
  if (s instanceof ErrorReply) return s;
  if (l === 0) return EMPTY_SET;
  const n = s.size;
  if (l >= n) {
    // Redis answers with SUNION's code, whose lookup counts a keyspace hit.
    ctx.db.stats.keyspaceHits++;
    const all = s.members();
    removedFrom(ctx.db, NOTIFY.SET, "spop", key, true);
    ctx.propagate([DEL, key]);
    return new SetReply(all);
  }
  const count = Number(l);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const m = s.pop()!;
    out[i] = m;
    ctx.propagate([SREM, key, m]);
  }
  // Redis rebuilds the set from the members it keeps when it pops most of them (kept * 5 <= count).
  if ((n - count) * 5 <= count) s.reencode();
  ctx.db.modified(key);
  notify(ctx.db, NOTIFY.SET, "spop", key);
  return new SetReply(out);
}

export function smoveCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const [, src, dst, m] = argv as [string, string, string, string];
  const from = lookupWrite(ctx, src);
  const to = lookupWrite(ctx, dst);
  if (from === undefined) return 0;
  if (!(from instanceof SetValue) || (to !== undefined && !(to instanceof SetValue))) return WRONGTYPE;
  if (from === to) return from.has(m) ? 1 : 0;
  if (!from.has(m)) return 0;
  let target = to;
  if (target === undefined) {
    // Created first: setKey may refuse (a full database), and then nothing has changed.
    target = new SetValue();
    ctx.db.setKey(dst, target, false, false);
  }
  from.delete(m);
  removedFrom(ctx.db, NOTIFY.SET, "srem", src, from.size === 0);
  if (to === undefined) notify(ctx.db, NOTIFY.NEW, "new", dst); // Redis creates it after the removal
  if (target.add(m)) {
    ctx.db.modified(dst);
    notify(ctx.db, NOTIFY.SET, "sadd", dst);
  }
  ctx.propagate(argv);
  return 1;
}

/**
 * The sets at `keys` read as Redis' set operations do (every key looked up
 * in turn; a missing key is null), or WRONGTYPE at the first of another type.
 */
function readSets(ctx: ExecContext, keys: readonly string[]): (SetValue | null)[] | ErrorReply {
  const out = new Array<SetValue | null>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const s = readSet(ctx, keys[i]!);
    if (s instanceof ErrorReply) return s;
    out[i] = s ?? null;
  }
  return out;
}

/** The members common to all `sets` (none null), up to `limit` of them (0: all). */
function intersect(sets: SetValue[], limit: number): string[] {
  sets.sort((a, b) => a.size - b.size);
  const out: string[] = [];
  const first = sets[0]!;
  outer: for (const m of first) {
    for (let j = 1; j < sets.length; j++) if (sets[j] !== first && !sets[j]!.has(m)) continue outer;
    out.push(m);
    if (out.length === limit) break;
  }
  return out;
}

/** Stores `members` at `dst` as a set (deleting `dst` when there are none) and answers their number. */
function store(ctx: ExecContext, argv: readonly string[], dst: string, members: Iterable<string>, event: string): Reply {
  const s = new SetValue();
  for (const m of members) s.add(m);
  if (s.size > 0) {
    lookupWrite(ctx, dst);
    ctx.db.setKey(dst, s);
    notify(ctx.db, NOTIFY.SET, event, dst);
    ctx.propagate(argv);
    return s.size;
  }
  if (ctx.db.deleteKey(dst)) {
    notify(ctx.db, NOTIFY.GENERIC, "del", dst);
    ctx.propagate(argv);
  }
  return 0;
}

function sinterGeneric(ctx: ExecContext, argv: readonly string[], keys: readonly string[], dst: string | null): Reply {
  const sets = readSets(ctx, keys);
  if (sets instanceof ErrorReply) return sets;
  const members = sets.includes(null) ? [] : intersect(sets as SetValue[], 0);
  if (dst !== null) return store(ctx, argv, dst, members, "sinterstore");
  return new SetReply(members);
}

export function sinterCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return sinterGeneric(ctx, argv, argv.slice(1), null);
}

export function sinterstoreCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  return sinterGeneric(ctx, argv, argv.slice(2), argv[1]!);
}

const NUMKEYS_ERROR = new ErrorReply("ERR numkeys should be greater than 0");
const TOO_MANY_NUMKEYS = new ErrorReply("ERR Number of keys can't be greater than number of args");
const LIMIT_NEGATIVE = new ErrorReply("ERR LIMIT can't be negative");

export function sintercardCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const numkeys = intArg(argv[1]!, NUMKEYS_ERROR);
  if (numkeys instanceof ErrorReply) return numkeys;
  if (numkeys < 1) return NUMKEYS_ERROR;
  if (numkeys > argv.length - 2) return TOO_MANY_NUMKEYS;
  const nk = Number(numkeys);
  let limit = 0;
  for (let j = 2 + nk; j < argv.length; j++) {
    if (option(argv[j]!) === "limit" && j + 1 < argv.length) {
      const l = intArg(argv[++j]!, LIMIT_NEGATIVE);
      if (l instanceof ErrorReply) return l;
      if (l < 0) return LIMIT_NEGATIVE;
      limit = l > Number.MAX_SAFE_INTEGER ? 0 : Number(l);
    } else {
      return SYNTAX_ERROR;
    }
  }
  const sets = readSets(ctx, argv.slice(2, 2 + nk));
  if (sets instanceof ErrorReply) return sets;
  if (sets.includes(null)) return 0;
  return intersect(sets as SetValue[], limit).length;
}

function sunionGeneric(ctx: ExecContext, keys: readonly string[]): Set<string> | ErrorReply {
  const sets = readSets(ctx, keys);
  if (sets instanceof ErrorReply) return sets;
  const out = new Set<string>();
  for (const s of sets) if (s !== null) for (const m of s) out.add(m);
  return out;
}

function sdiffGeneric(ctx: ExecContext, keys: readonly string[]): string[] | ErrorReply {
  const sets = readSets(ctx, keys);
  if (sets instanceof ErrorReply) return sets;
  const first = sets[0];
  if (first === null || first === undefined) return [];
  const out: string[] = [];
  outer: for (const m of first) {
    for (let j = 1; j < sets.length; j++) if (sets[j] !== null && sets[j]!.has(m)) continue outer;
    out.push(m);
  }
  return out;
}

export function sunionCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const r = sunionGeneric(ctx, argv.slice(1));
  return r instanceof ErrorReply ? r : new SetReply([...r]);
}

export function sunionstoreCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const r = sunionGeneric(ctx, argv.slice(2));
  return r instanceof ErrorReply ? r : store(ctx, argv, argv[1]!, r, "sunionstore");
}

export function sdiffCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const r = sdiffGeneric(ctx, argv.slice(1));
  return r instanceof ErrorReply ? r : new SetReply(r);
}

export function sdiffstoreCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const r = sdiffGeneric(ctx, argv.slice(2));
  return r instanceof ErrorReply ? r : store(ctx, argv, argv[1]!, r, "sdiffstore");
}

const EMPTY_SCAN: Reply = ["0", []];

/** SSCAN key cursor [MATCH pattern] [COUNT count]: see {@link SetValue.scan} for the cursor. */
export function sscanCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const cursor = parseCursor(argv[2]!);
  if (cursor === null) return INVALID_CURSOR;
  const s = readSet(ctx, argv[1]!);
  if (s === undefined) return EMPTY_SCAN;
  if (s instanceof ErrorReply) return s;
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < argv.length; i += 2) {
    const opt = option(argv[i]!);
    if (i + 1 >= argv.length) return SYNTAX_ERROR;
    if (opt === "count") {
      const n = intArg(argv[i + 1]!, NOT_AN_INTEGER);
      if (n instanceof ErrorReply) return n;
      if (n < 1) return SYNTAX_ERROR;
      count = n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : Number(n);
    } else if (opt === "match") {
      pattern = argv[i + 1] === "*" ? null : argv[i + 1]!;
    } else {
      return SYNTAX_ERROR;
    }
  }
  const [next, members] = s.scan(cursor, count);
  const out = pattern === null ? members : members.filter((m) => stringMatch(pattern, m));
  return [String(next), out];
}

const RO = ks("RO");
const RO_ACCESS = ks("RO access");
const RO_ACCESS_ALL = ks("RO access", 1, -1);
const RO_ACCESS_FROM2 = ks("RO access", 2, -1);
const STORE_ARGS = "destination:key key:key#1+";

/** The set commands' table entries (merged by command_table.ts). */
export const SET_DEFS: Record<string, Def> = {
  sadd: { arity: -3, flags: "write denyoom fast", acl: "set", keys: [ks("RW insert")], exec: saddCommand, group: "set", since: "1.0.0",
    complexity: "O(1) per member", summary: "Adds members to a set, creating it when missing.", args: "key:key member:string+" },
  srem: { arity: -3, flags: "write fast", acl: "set", keys: [ks("RW delete")], exec: sremCommand, group: "set", since: "1.0.0",
    complexity: "O(N) where N is the number of members to remove", summary: "Removes members from a set, and the set once empty.",
    args: "key:key member:string+" },
  scard: { arity: 2, flags: "readonly fast", acl: "set", keys: [RO], exec: scardCommand, group: "set", since: "1.0.0",
    summary: "Returns the number of members of a set.", args: "key:key" },
  sismember: { arity: 3, flags: "readonly fast", acl: "set", keys: [RO], exec: sismemberCommand, group: "set", since: "1.0.0",
    summary: "Says whether a member belongs to a set.", args: "key:key member:string" },
  smismember: { arity: -3, flags: "readonly fast", acl: "set", keys: [RO_ACCESS], exec: smismemberCommand, group: "set",
    since: "6.2.0", complexity: "O(N) where N is the number of members checked",
    summary: "Says, for each of several members, whether it belongs to a set.", args: "key:key member:string+" },
  smembers: { arity: 2, flags: "readonly", acl: "set", tips: "nondeterministic_output_order", keys: [RO_ACCESS], exec: smembersCommand,
    group: "set", since: "1.0.0", complexity: "O(N) where N is the size of the set", summary: "Returns every member of a set.",
    args: "key:key" },
  srandmember: { arity: -2, flags: "readonly", acl: "set", tips: "nondeterministic_output", keys: [RO_ACCESS], exec: srandmemberCommand,
    group: "set", since: "1.0.0", complexity: "O(1) without count, else O(N) where N is the absolute value of count",
    summary: "Returns random members of a set (distinct for a positive count, possibly repeated for a negative one).",
    args: "key:key count:integer@2.6.0?" },
  spop: { arity: -2, flags: "write fast", acl: "set", tips: "nondeterministic_output", keys: [ks("RW access delete")], exec: spopCommand,
    group: "set", since: "1.0.0", complexity: "O(1) without count, else O(N) where N is count",
    summary: "Removes and returns random members of a set.", args: "key:key count:integer@3.2.0?" },
  smove: { arity: 4, flags: "write fast", acl: "set", keys: [ks("RW access delete"), ks("RW insert", 2)], route: "multi",
    exec: smoveCommand, group: "set", since: "1.0.0", summary: "Moves a member from one set to another.",
    args: "source:key destination:key#1 member:string" },
  sinter: { arity: -2, flags: "readonly", acl: "set", tips: "nondeterministic_output_order", keys: [RO_ACCESS_ALL], route: "multi",
    exec: sinterCommand, group: "set", since: "1.0.0",
    complexity: "O(N*M) worst case where N is the size of the smallest set and M the number of sets",
    summary: "Returns the intersection of sets.", args: "key:key+" },
  sintercard: { arity: -3, flags: "readonly movablekeys", acl: "set", keys: [ksKeynum("RO access", 1)],
    route: "multi", exec: sintercardCommand, group: "set", since: "7.0.0",
    complexity: "O(N*M) worst case where N is the size of the smallest set and M the number of sets",
    summary: "Returns the size of the intersection of sets, counting up to an optional limit.",
    args: "numkeys:integer key:key+ limit:integer=LIMIT?" },
  sinterstore: { arity: -3, flags: "write denyoom", acl: "set", keys: [ks("RW update"), RO_ACCESS_FROM2], route: "multi",
    exec: sinterstoreCommand, group: "set", since: "1.0.0",
    complexity: "O(N*M) worst case where N is the size of the smallest set and M the number of sets",
    summary: "Stores the intersection of sets in a key.", args: STORE_ARGS },
  sunion: { arity: -2, flags: "readonly", acl: "set", tips: "nondeterministic_output_order", keys: [RO_ACCESS_ALL], route: "multi",
    exec: sunionCommand, group: "set", since: "1.0.0", complexity: "O(N) where N is the number of members of all the sets",
    summary: "Returns the union of sets.", args: "key:key+" },
  sunionstore: { arity: -3, flags: "write denyoom", acl: "set", keys: [ks("OW update"), RO_ACCESS_FROM2], route: "multi",
    exec: sunionstoreCommand, group: "set", since: "1.0.0", complexity: "O(N) where N is the number of members of all the sets",
    summary: "Stores the union of sets in a key.", args: STORE_ARGS },
  sdiff: { arity: -2, flags: "readonly", acl: "set", tips: "nondeterministic_output_order", keys: [RO_ACCESS_ALL], route: "multi",
    exec: sdiffCommand, group: "set", since: "1.0.0", complexity: "O(N) where N is the number of members of all the sets",
    summary: "Returns the members of the first set that are in none of the others.", args: "key:key+" },
  sdiffstore: { arity: -3, flags: "write denyoom", acl: "set", keys: [ks("OW update"), RO_ACCESS_FROM2], route: "multi",
    exec: sdiffstoreCommand, group: "set", since: "1.0.0", complexity: "O(N) where N is the number of members of all the sets",
    summary: "Stores the members of the first set that are in none of the others in a key.", args: STORE_ARGS },
  sscan: { arity: -3, flags: "readonly", acl: "set", tips: "nondeterministic_output", keys: [RO_ACCESS], exec: sscanCommand,
    group: "set", since: "2.8.0", complexity: "O(1) per call, O(N) for a complete iteration",
    summary: "Iterates over the members of a set.", args: "key:key cursor:integer pattern:pattern=MATCH? count:integer=COUNT?" },
};
