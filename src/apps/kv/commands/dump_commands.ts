/**
 * DUMP and RESTORE (Redis' cluster.c): a value to and from Redis 7.0's
 * serialization (the RDB codec in ../rdb/), byte for byte what
 * redis-server answers, so a payload moves between the two either way.
 */
import { NOTIFY, notify } from "./notify.js";
import { type ExecContext } from "./command.js";
import { type Def, ks } from "./command_def.js";
import { lookupRead, lookupWrite } from "./db.js";
import { norm } from "./numbers.js";
import { SYNTAX_ERROR, intArg, option } from "./shared.js";
import { RdbError } from "../rdb/rdb_lengths.js";
import { dumpPayload, restorePayload, verifyDumpPayload } from "../rdb/rdb_value.js";
import { ErrorReply, OK, type Reply } from "../resp/reply.js";

const BUSYKEY = new ErrorReply("BUSYKEY Target key name already exists.");
const BAD_TTL = new ErrorReply("ERR Invalid TTL value, must be >= 0");
const BAD_IDLETIME = new ErrorReply("ERR Invalid IDLETIME value, must be >= 0");
const BAD_FREQ = new ErrorReply("ERR Invalid FREQ value, must be >= 0 and <= 255");
const BAD_PAYLOAD = new ErrorReply("ERR DUMP payload version or checksum are wrong");
const BAD_FORMAT = new ErrorReply("ERR Bad data format");

export function dumpCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  const v = lookupRead(ctx, argv[1]!);
  return v === undefined ? null : dumpPayload(v).toString("latin1");
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]. */
export function restoreCommand(ctx: ExecContext, argv: readonly string[]): Reply {
  let replace = false;
  let absttl = false;
  let idle = false;
  let freq = false;
  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    const opt = option(argv[j]!);
    if (opt === "replace") replace = true;
    else if (opt === "absttl") absttl = true;
    else if (opt === "idletime" && additional >= 1 && !freq) {
      const v = intArg(argv[j + 1]!);
      if (v instanceof ErrorReply) return v;
      if (v < 0) return BAD_IDLETIME;
      idle = true; // LRU/LFU are not kept: the value is checked and ignored
      j++;
    } else if (opt === "freq" && additional >= 1 && !idle) {
      const v = intArg(argv[j + 1]!);
      if (v instanceof ErrorReply) return v;
      if (v < 0 || v > 255) return BAD_FREQ;
      freq = true;
      j++;
    } else return SYNTAX_ERROR;
  }
  const key = argv[1]!;
  if (!replace && lookupWrite(ctx, key) !== undefined) return BUSYKEY;
  const ttlArg = intArg(argv[2]!);
  if (ttlArg instanceof ErrorReply) return ttlArg;
  if (ttlArg < 0) return BAD_TTL;
  const payload = Buffer.from(argv[3]!, "latin1");
  if (!verifyDumpPayload(payload)) return BAD_PAYLOAD;
  let value;
  try {
    value = restorePayload(payload);
  } catch (e) {
    if (e instanceof RdbError) return BAD_FORMAT;
    throw e;
  }
  const db = ctx.db;
  // dbDelete: removes the old value even when its TTL has passed
  const deleted = replace && db.deleteKey(key);
  let ttl = BigInt(ttlArg);
  if (ttl !== 0n && !absttl) ttl += BigInt(ctx.now);
  if (ttl !== 0n && ttl <= BigInt(ctx.now)) {
    if (deleted) {
      notify(db, NOTIFY.GENERIC, "del", key);
      ctx.propagate(["DEL", key]);
    }
    return OK;
  }
  db.setKey(key, value);
  if (ttl !== 0n) db.setExpire(key, norm(ttl));
  notify(db, NOTIFY.GENERIC, "restore", key);
  if (ttl !== 0n) {
    if (!absttl) {
      // propagated with the absolute time, as Redis does
      const out = argv.slice();
      out[2] = String(ttl);
      out.push("ABSTTL");
      ctx.propagate(out);
      return OK;
    }
  }
  ctx.propagate(argv);
  return OK;
}

export const DUMP_DEFS: Record<string, Def> = {
  dump: { arity: 2, flags: "readonly", acl: "keyspace", tips: "nondeterministic_output", keys: [ks("RO access")], exec: dumpCommand,
    group: "generic", since: "2.6.0", summary: "Returns a serialized representation of the value stored at a key.",
    complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size.",
    args: "key:key" },
  restore: { arity: -4, flags: "write denyoom", acl: "keyspace dangerous", keys: [ks("OW update")], exec: restoreCommand,
    group: "generic", since: "2.6.0", summary: "Creates a key from the serialized representation of a value.",
    complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size.",
    args: "key:key ttl:integer serialized-value:string replace:pure-token=REPLACE@3.0.0? absttl:pure-token=ABSTTL@5.0.0? " +
      "seconds:integer=IDLETIME@5.0.0? frequency:integer=FREQ@5.0.0?" },
};
