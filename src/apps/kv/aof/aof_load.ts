/**
 * Loading the append-only file at start: the manifest's files replayed in
 * order through the engine into the shards' keyspaces.
 *
 * A file that ends inside a record (the server died in the middle of a
 * write) is torn, not corrupt: when it is the last file and
 * `aof-load-truncated yes` (the default, as in Redis), the file is cut back
 * to its last whole record and a warning is logged; the server starts.
 * Anything else that is not a record (a bad byte where a record or a
 * length should be, a record in the middle of a file that does not end
 * where it says) is corrupt: the load fails with an {@link AofLoadError}
 * that says which file and offset, as Redis refuses to start on it.
 *
 * @example
 * const ks = new Keyspace();
 * const r = replayBuffer(Buffer.from("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"), "f", new Replayer(ks, Date.now()));
 * r.end; // 31, r.torn === false
 */
import { closeSync, ftruncateSync, openSync, readSync, fstatSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FLUSHSHARD, MCFLAGS, SWAPDBSHARD, type ManifestEntry, ManifestError, manifestName, parseManifest } from "./aof_format.js";
import { Context, checkCommand, execCommand } from "../commands/engine.js";
import { type Db, Keyspace, type Value } from "../commands/db.js";
import { type Int64 } from "../commands/numbers.js";
import { McMeta } from "../memcached/memcached_commands.js";
import { ErrorReply } from "../resp/reply.js";
import { shardOf } from "../server/router.js";
import { KvError } from "../errors.js";

export type AofLoadErrorKind = "format" | "truncated" | "command" | "manifest" | "missing";

/** The append-only file cannot be loaded; `file` and `offset` say where. */
export class AofLoadError extends KvError {
  constructor(
    readonly kind: AofLoadErrorKind,
    readonly file: string,
    readonly offset: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${file}${offset >= 0 ? ` at byte ${offset}` : ""}: ${message}`, options);
  }
}

/** Parser outcome for one position: a record and where the next starts, or the end of the data inside a record. */
const INCOMPLETE = -1;

const CR = 13;
const LF = 10;

/**
 * Reads the integer after a type byte (`*3\r\n`, `$11\r\n`) at `pos`:
 * [value, position after the CRLF], INCOMPLETE when the data ends first, or
 * null when the bytes are not a number followed by CRLF.
 */
function readLength(buf: Buffer, pos: number): [number, number] | typeof INCOMPLETE | null {
  let n = 0;
  let i = pos;
  const end = buf.length;
  if (i >= end) return INCOMPLETE;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === CR) break;
    if (c < 48 || c > 57 || i - pos >= 12) return null;
    n = n * 10 + (c - 48);
  }
  if (i === pos) return i >= end ? INCOMPLETE : null;
  if (i + 1 >= end) return INCOMPLETE;
  if (buf[i + 1] !== LF) return null;
  return [n, i + 2];
}

/** One record at `pos`: [argv, next], INCOMPLETE, or an error text for a corrupt record. */
export function parseRecord(buf: Buffer, pos: number): [string[], number] | typeof INCOMPLETE | string {
  if (buf[pos] !== 42 /* '*' */) return "expected '*' at the start of a record";
  const head = readLength(buf, pos + 1);
  if (head === INCOMPLETE) return INCOMPLETE;
  if (head === null || head[0] < 1) return "bad argument count";
  const [argc] = head;
  let p = head[1];
  const argv: string[] = [];
  for (let k = 0; k < argc; k++) {
    if (p >= buf.length) return INCOMPLETE;
    if (buf[p] !== 36 /* '$' */) return "expected '$' before an argument";
    const len = readLength(buf, p + 1);
    if (len === INCOMPLETE) return INCOMPLETE;
    if (len === null) return "bad argument length";
    const start = len[1];
    const stop = start + len[0];
    if (stop + 2 > buf.length) return INCOMPLETE;
    if (buf[stop] !== CR || buf[stop + 1] !== LF) return "argument not followed by CRLF";
    argv.push(buf.toString("latin1", start, stop));
    p = stop + 2;
  }
  return [argv, p];
}

/**
 * Applies a record that is not about the data: FUNCTION LOAD, DELETE,
 * FLUSH, RESTORE (the server's functions live outside the keyspaces). Its
 * reply does not matter (Redis' loader ignores replies too).
 */
export type ServerRecord = (argv: string[]) => void;

/** Executes records on one keyspace, as Redis' loader runs them on a fake client. */
export class Replayer {
  readonly ctx: Context;
  commands = 0;
  constructor(
    readonly keyspace: Keyspace,
    now: number,
    /** Where FUNCTION records go; without it they cannot be replayed. */
    private readonly server: ServerRecord | null = null,
  ) {
    this.ctx = new Context(keyspace.db(0), now);
  }

  /** A new file: database 0 again. */
  startFile(): void {
    this.ctx.db = this.keyspace.db(0);
    this.ctx.dbIndex = 0;
  }

  /** Runs one record; returns an error text when it cannot be replayed at all. */
  apply(argv: string[]): string | null {
    const name = argv[0]!.toUpperCase();
    this.commands++;
    if (name === "SELECT") {
      const n = argv.length === 2 && /^\d+$/.test(argv[1]!) ? Number(argv[1]) : -1;
      if (n < 0 || n >= this.keyspace.dbs.length) return `bad SELECT ${argv.slice(1).join(" ")}`;
      this.ctx.db = this.keyspace.db(n);
      this.ctx.dbIndex = n;
      return null;
    }
    if (name === "MULTI" || name === "EXEC") return null; // Redis wraps transactions; each command applies on its own here
    if (name === MCFLAGS) {
      const flags = argv.length === 3 && /^\d{1,10}$/.test(argv[2]!) ? Number(argv[2]) : -1;
      if (flags < 0 || flags > 0xffffffff) return `bad ${MCFLAGS} record`;
      const db = this.ctx.db;
      if (db.data.has(argv[1]!)) (db.meta ??= new Map()).set(argv[1]!, new McMeta(flags, 0));
      return null;
    }
    if (name === FLUSHSHARD) return this.flushShard(argv);
    if (name === SWAPDBSHARD) return this.swapdbShard(argv);
    if (name === "FUNCTION" && this.server !== null) {
      this.server(argv);
      return null;
    }
    const spec = checkCommand(argv);
    if (spec instanceof ErrorReply) return spec.text;
    if (spec.exec === undefined) return `'${argv[0]}' cannot be replayed from the append only file`;
    execCommand(this.ctx, spec, argv);
    return null;
  }

  /** {@link FLUSHSHARD}: one shard's part of the current database (or of all) emptied. */
  private flushShard(argv: string[]): string | null {
    const shard = argv.length >= 3 && /^\d{1,5}$/.test(argv[1]!) ? Number(argv[1]) : -1;
    const shards = argv.length >= 3 && /^\d{1,5}$/.test(argv[2]!) ? Number(argv[2]) : 0;
    const all = argv.length === 4 && argv[3] === "ALL";
    if (shard < 0 || shards < 1 || shard >= shards || (shards & (shards - 1)) !== 0 || (argv.length !== 3 && !all)) return `bad ${FLUSHSHARD} record`;
    for (const db of all ? this.keyspace.dbs : [this.ctx.db]) {
      for (const key of db.data.keys()) if (shardOf(key, shards - 1) === shard) db.deleteKey(key);
    }
    return null;
  }

  /** {@link SWAPDBSHARD}: one shard's keys of two databases exchanged. */
  private swapdbShard(argv: string[]): string | null {
    const num = (s: string | undefined) => (s !== undefined && /^\d{1,5}$/.test(s) ? Number(s) : -1);
    const [shard, shards, a, b] = [num(argv[1]), num(argv[2]), num(argv[3]), num(argv[4])];
    const n = this.keyspace.dbs.length;
    if (argv.length !== 5 || shard < 0 || shards < 1 || shard >= shards || (shards & (shards - 1)) !== 0 || a < 0 || a >= n || b < 0 || b >= n) {
      return `bad ${SWAPDBSHARD} record`;
    }
    if (a === b) return null;
    const da = this.keyspace.db(a);
    const db = this.keyspace.db(b);
    const fromA = takeShard(da, shard, shards - 1);
    const fromB = takeShard(db, shard, shards - 1);
    putAll(db, fromA);
    putAll(da, fromB);
    return null;
  }
}

/** SWAPDBSHARD's keys of one database and shard, taken out with their TTL and metadata. */
function takeShard(db: Db, shard: number, mask: number): [string, Value, Int64 | undefined, unknown][] {
  const out: [string, Value, Int64 | undefined, unknown][] = [];
  for (const [key, v] of db.data) if (shardOf(key, mask) === shard) out.push([key, v, db.getExpire(key), db.meta?.get(key)]);
  for (const [key] of out) db.deleteKey(key);
  return out;
}

function putAll(db: Db, items: [string, Value, Int64 | undefined, unknown][]): void {
  for (const [key, v, at, meta] of items) {
    db.setKey(key, v);
    if (at !== undefined) db.setExpire(key, at);
    if (meta !== undefined) (db.meta ??= new Map()).set(key, meta);
  }
}

/** What replaying one file's bytes gave: where the last whole record ends, and whether the data stopped inside one. */
export interface ReplayResult {
  end: number;
  torn: boolean;
}

/**
 * Replays every whole record of `buf`. Throws {@link AofLoadError} on a
 * corrupt record or one that cannot run; a record cut by the end of the
 * data stops the replay (`torn`), the caller decides whether that is fine.
 */
export function replayBuffer(buf: Buffer, file: string, r: Replayer): ReplayResult {
  r.startFile();
  let pos = 0;
  const n = buf.length;
  while (pos < n) {
    if (buf[pos] === 35 /* '#': Redis 7 annotations such as #TS:... */) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) return { end: pos, torn: true };
      pos = nl + 1;
      continue;
    }
    const rec = parseRecord(buf, pos);
    if (rec === INCOMPLETE) return { end: pos, torn: true };
    if (typeof rec === "string") throw new AofLoadError("format", file, pos, `bad file format reading the append only file (${rec})`);
    const why = r.apply(rec[0]);
    if (why !== null) throw new AofLoadError("command", file, pos, why);
    pos = rec[1];
  }
  return { end: pos, torn: false };
}

/** How the load went, for the writer's state and INFO. */
export interface LoadResult {
  manifest: ManifestEntry[] | null;
  /** Bytes per file after any truncation. */
  sizes: Map<string, number>;
  commands: number;
  /** Set when the last file was cut back: [file, from, to]. */
  truncated: [string, number, number] | null;
}

/** Reads at most `size` bytes (the size at open: a device such as /dev/full reads forever). */
function readBounded(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const k = readSync(fd, buf, got, size - got, got);
      if (k === 0) break;
      got += k;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads the AOF directory `dir` (holding `appendfilename`'s manifest) into
 * `keyspaces` (one per shard, keys placed by {@link shardOf}), FUNCTION
 * records to `server`. No manifest: nothing to load (`manifest: null`).
 * `allowTruncated`: Redis' aof-load-truncated.
 */
export function loadAof(
  dir: string,
  appendfilename: string,
  keyspaces: readonly Keyspace[],
  allowTruncated: boolean,
  now = Date.now(),
  server: ServerRecord | null = null,
): LoadResult {
  const mpath = join(dir, manifestName(appendfilename));
  const sizes = new Map<string, number>();
  if (!existsSync(mpath)) return { manifest: null, sizes, commands: 0, truncated: null };
  let manifest: ManifestEntry[];
  try {
    manifest = parseManifest(readFileSync(mpath, "latin1"));
  } catch (e) {
    if (e instanceof ManifestError) throw new AofLoadError("manifest", mpath, -1, e.message, { cause: e });
    throw e;
  }
  // One keyspace for the replay (commands may name keys of several shards), split by shard after.
  const single = keyspaces.length === 1;
  const ks = single ? keyspaces[0]! : new Keyspace(keyspaces[0]!.dbs.length);
  const r = new Replayer(ks, now, server);
  let truncated: LoadResult["truncated"] = null;
  manifest.forEach((entry, i) => {
    const path = join(dir, entry.file);
    if (!existsSync(path)) throw new AofLoadError("missing", path, -1, "the manifest names this file but it does not exist");
    const buf = readBounded(path);
    const res = replayBuffer(buf, path, r);
    if (res.torn) {
      const last = i === manifest.length - 1;
      if (!last || !allowTruncated) {
        throw new AofLoadError("truncated", path, res.end, `unexpected end of file inside a record${last ? " (aof-load-truncated is no)" : " (not the last file)"}`);
      }
      ftruncateAt(path, res.end);
      truncated = [path, buf.length, res.end];
    }
    sizes.set(entry.file, res.end);
  });
  if (!single) distribute(ks, keyspaces);
  return { manifest, sizes, commands: r.commands, truncated };
}

function ftruncateAt(path: string, size: number): void {
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** Moves every key of `from` to its shard's keyspace, with its TTL and memcached metadata. */
function distribute(from: Keyspace, to: readonly Keyspace[]): void {
  const mask = to.length - 1;
  for (const src of from.dbs) {
    for (const [key, value] of src.data) {
      const dst = to[shardOf(key, mask)]!.db(src.index);
      dst.setKey(key, value);
      const at = src.getExpire(key);
      if (at !== undefined) dst.expires.set(key, at);
      const m = src.meta?.get(key);
      if (m !== undefined) (dst.meta ??= new Map()).set(key, m);
    }
    src.flush();
  }
}
