/**
 * An RDB file (rdb.c's rdbSaveRio and rdbLoadRioWithLoadingCtx), version
 * 10 as redis-server 7.0 writes it: `REDIS0010`, the AUX fields
 * (redis-ver, redis-bits, ctime, used-mem, the replication ones when known,
 * aof-base), a FUNCTION2 per
 * library, then per non-empty database SELECTDB, RESIZEDB and its keys
 * (EXPIRETIME_MS before a key with a TTL; type, key, value: rdb_value.ts),
 * EOF and the CRC-64 of everything before (8 bytes LE; zero when
 * `rdbchecksum no`).
 *
 * Writing is a generator of chunks, so a big keyspace is encoded a slice
 * at a time between other work (rdb_bgsave.ts). Loading takes the whole
 * file's bytes (untrusted: a file may be truncated or corrupt): every
 * malformed input throws {@link RdbFileError} naming the byte offset,
 * never another exception. Older versions' opcodes are read too (seconds
 * expiry, IDLE, FREQ); modules' data is refused, as a server without the
 * module refuses it.
 *
 * @example
 * const buf = Buffer.concat([...rdbChunks({ ctime: 0, usedMem: 0, aofBase: false }, [], [fromTriples(0, ["k", "v", undefined])])]);
 * loadRdb(buf, { key: (db, k, v) => {}, library: () => {} }); // one key
 */
import { type Value } from "../commands/db.js";
import { type Int64 } from "../commands/numbers.js";
import { KvError } from "../errors.js";
import { crc64 } from "./crc64.js";
import { RdbError, RdbReader, RdbWriter } from "./rdb_lengths.js";
import { loadString, saveString } from "./rdb_string.js";
import { RDB_VERSION, loadObject, saveValue } from "./rdb_value.js";

export const RDB_OPCODE_FUNCTION2 = 245;
export const RDB_OPCODE_FUNCTION_PRE_GA = 246;
export const RDB_OPCODE_MODULE_AUX = 247;
export const RDB_OPCODE_IDLE = 248;
export const RDB_OPCODE_FREQ = 249;
export const RDB_OPCODE_AUX = 250;
export const RDB_OPCODE_RESIZEDB = 251;
export const RDB_OPCODE_EXPIRETIME_MS = 252;
export const RDB_OPCODE_EXPIRETIME = 253;
export const RDB_OPCODE_SELECTDB = 254;
export const RDB_OPCODE_EOF = 255;

/** The redis-ver AUX field Agner writes: the version whose format it follows. */
export const RDB_REDIS_VER = "7.0.15";

/** A malformed or truncated RDB file; `offset` is the byte where reading failed. */
export class RdbFileError extends KvError {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`bad RDB data at byte ${offset}: ${reason}`);
  }
}

/** The AUX fields of a file's state. */
export interface RdbHeader {
  /** Unix seconds. */
  ctime: number;
  usedMem: number;
  /** The file is an AOF's base (aof-base 1). */
  aofBase: boolean;
  /** The replication history the data is at (repl-id, repl-offset, repl-stream-db: rdbSaveInfo), when known. */
  repl?: RdbReplInfo;
}

/** Where in its replication stream a snapshot was taken: a restarted replica continues from there (PSYNC replid offset+1). */
export interface RdbReplInfo {
  replid: string;
  offset: number;
  /** The database the stream had selected (the master client's). */
  streamDb: number;
}

/** The replication AUX fields of a file as rdb.c reads them, or null when one is missing or unusable (loadDataFromDisk's rule). */
export function replInfoOf(aux: ReadonlyMap<string, string>): RdbReplInfo | null {
  const replid = aux.get("repl-id");
  const offset = Number(aux.get("repl-offset") ?? "-1");
  const streamDb = Number(aux.get("repl-stream-db") ?? "-1");
  if (replid === undefined || !/^[0-9a-f]{40}$/.test(replid) || !Number.isSafeInteger(offset) || offset < 0) return null;
  if (!Number.isSafeInteger(streamDb) || streamDb < 0) return null;
  return { replid, offset, streamDb };
}

/**
 * One database to save: its keys, their values at the same index, and
 * their expiries (Unix ms or undefined) at the same index, or null when
 * none has one. Arrays, as a snapshot lists them fastest (rdb_snapshot.ts).
 */
export interface RdbDbSource {
  readonly index: number;
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
  readonly expiries: readonly (Int64 | undefined)[] | null;
}

/** A source from key, value, expiry triples (tests, small saves). */
export function fromTriples(index: number, flat: readonly unknown[]): RdbDbSource {
  const keys: string[] = [];
  const values: unknown[] = [];
  const expiries: (Int64 | undefined)[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    keys.push(flat[i] as string);
    values.push(flat[i + 1]);
    expiries.push(flat[i + 2] as Int64 | undefined);
  }
  return { index, keys, values, expiries: expiries.some((x) => x !== undefined) ? expiries : null };
}

export interface RdbWriteOptions {
  /** rdbcompression. */
  compress?: boolean;
  /** rdbchecksum: false writes a zero checksum. */
  checksum?: boolean;
  /** Bytes per chunk, about. */
  chunkBytes?: number;
  /** Called after a source's last key (a snapshot releases its shard's copy-on-write once all of the shard's are done). */
  sourceDone?: (src: RdbDbSource) => void;
}

/**
 * The file's bytes in chunks of about `chunkBytes`: header, AUX fields,
 * libraries, databases (ascending), EOF and checksum. Expired keys are
 * saved as they are (a loading primary skips them), as Redis does.
 */
export function* rdbChunks(header: RdbHeader, libraries: readonly string[], dbs: readonly RdbDbSource[], opts: RdbWriteOptions = {}): Generator<Buffer> {
  const chunkBytes = opts.chunkBytes ?? 1 << 18;
  const w = new RdbWriter(chunkBytes * 2);
  w.compress = opts.compress ?? true;
  const checksum = opts.checksum ?? true;
  let crc = 0n;
  /** The chunk so far, with the CRC advanced over it; `w` is reused. */
  const take = (): Buffer => {
    const b = Buffer.from(w.finish());
    if (checksum) crc = crc64(b, crc);
    w.reset();
    return b;
  };
  w.latin1(`REDIS${String(RDB_VERSION).padStart(4, "0")}`);
  aux(w, "redis-ver", RDB_REDIS_VER);
  aux(w, "redis-bits", "64");
  aux(w, "ctime", String(header.ctime));
  aux(w, "used-mem", String(header.usedMem));
  if (header.repl !== undefined) {
    // rdbSaveInfoAuxFields' order.
    aux(w, "repl-stream-db", String(header.repl.streamDb));
    aux(w, "repl-id", header.repl.replid);
    aux(w, "repl-offset", String(header.repl.offset));
  }
  aux(w, "aof-base", header.aofBase ? "1" : "0");
  for (const code of libraries) {
    w.byte(RDB_OPCODE_FUNCTION2);
    saveString(w, code);
  }
  const sorted = [...dbs].sort((a, b) => a.index - b.index);
  // Several sources may hold the same database (one per shard): one SELECTDB, one RESIZEDB for all of them.
  for (let d = 0; d < sorted.length; ) {
    const index = sorted[d]!.index;
    let e = d;
    let keys = 0;
    let expires = 0;
    for (; e < sorted.length && sorted[e]!.index === index; e++) {
      const src = sorted[e]!;
      keys += src.keys.length;
      if (src.expiries !== null) for (const x of src.expiries) if (x !== undefined) expires++;
    }
    if (keys > 0) {
      w.byte(RDB_OPCODE_SELECTDB);
      w.len(index);
      w.byte(RDB_OPCODE_RESIZEDB);
      w.len(keys);
      w.len(expires);
    }
    for (; d < e; d++) {
      const { keys: ks, values: vs, expiries: xs } = sorted[d]!;
      for (let i = 0; i < ks.length; i++) {
        const at = xs === null ? undefined : xs[i];
        if (at !== undefined) {
          w.byte(RDB_OPCODE_EXPIRETIME_MS);
          w.int64LE(BigInt(at));
        }
        saveValue(w, vs[i] as Value, ks[i]!);
        if (w.length >= chunkBytes) yield take();
      }
      opts.sourceDone?.(sorted[d]!);
    }
  }
  w.byte(RDB_OPCODE_EOF);
  const last = take();
  const sum = Buffer.alloc(8);
  if (checksum) sum.writeBigUInt64LE(crc);
  yield Buffer.concat([last, sum]);
}

function aux(w: RdbWriter, key: string, value: string): void {
  w.byte(RDB_OPCODE_AUX);
  saveString(w, key);
  saveString(w, value);
}

/** What a load does with what it reads. */
export interface RdbSink {
  /** A key: `expireAt` Unix ms or undefined. Return false for a duplicate (the load fails, as Redis panics). */
  key(db: number, key: string, value: Value, expireAt: Int64 | undefined): boolean | void;
  /** A FUNCTION2 library's code; an error text when it cannot be loaded (the load fails). */
  library(code: string): string | void;
  aux?(key: string, value: string): void;
}

export interface RdbLoadResult {
  version: number;
  keys: number;
  /** The stored checksum was zero (saved with rdbchecksum no): not checked. */
  unchecked: boolean;
}

/**
 * Reads a whole RDB file (any version up to 10) into `sink`; throws
 * {@link RdbFileError} with the offset when it is malformed, truncated,
 * or its checksum is wrong (`verify`: rdbchecksum).
 */
export function loadRdb(buf: Uint8Array, sink: RdbSink, verify = true): RdbLoadResult {
  const r = new RdbReader(buf);
  let at = 0;
  try {
    const magic = Buffer.from(r.bytes(9)).toString("latin1");
    if (!magic.startsWith("REDIS")) throw new RdbFileError(0, "wrong signature (not an RDB file)");
    const version = Number(magic.slice(5));
    if (!/^\d{4}$/.test(magic.slice(5)) || version < 1 || version > RDB_VERSION) throw new RdbFileError(5, `can't handle RDB format version ${magic.slice(5)}`);
    let db = 0;
    let keys = 0;
    let expireAt: Int64 | undefined;
    for (;;) {
      at = r.pos;
      const type = r.byte();
      if (type === RDB_OPCODE_EXPIRETIME) {
        const b = r.bytes(4);
        expireAt = Buffer.from(b.buffer, b.byteOffset, 4).readInt32LE(0) * 1000;
      } else if (type === RDB_OPCODE_EXPIRETIME_MS) {
        const b = r.bytes(8);
        const v = Buffer.from(b.buffer, b.byteOffset, 8);
        // Before version 9 Redis wrote it in the machine's order (little endian on every machine that matters).
        const big = v.readBigInt64LE(0);
        expireAt = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      } else if (type === RDB_OPCODE_FREQ) r.byte();
      else if (type === RDB_OPCODE_IDLE) r.len();
      else if (type === RDB_OPCODE_EOF) break;
      else if (type === RDB_OPCODE_SELECTDB) db = r.len();
      else if (type === RDB_OPCODE_RESIZEDB) {
        r.len();
        r.len();
      } else if (type === RDB_OPCODE_AUX) {
        const k = loadString(r);
        const v = loadString(r);
        sink.aux?.(k, v);
      } else if (type === RDB_OPCODE_FUNCTION2) {
        const e = sink.library(loadString(r));
        if (typeof e === "string") throw new RdbFileError(at, `failed loading a function library: ${e}`);
      } else if (type === RDB_OPCODE_FUNCTION_PRE_GA) throw new RdbFileError(at, "pre-release function format not supported");
      else if (type === RDB_OPCODE_MODULE_AUX) throw new RdbFileError(at, "module data (no modules are loaded)");
      else {
        const key = loadString(r);
        const value = loadObject(r, type);
        if (sink.key(db, key, value, expireAt) === false) throw new RdbFileError(at, `duplicated key '${key}' in DB ${db}`);
        keys++;
        expireAt = undefined;
      }
    }
    let unchecked = false;
    if (version >= 5) {
      at = r.pos;
      const b = r.bytes(8);
      const stored = Buffer.from(b.buffer, b.byteOffset, 8).readBigUInt64LE(0);
      if (stored === 0n) unchecked = true;
      else if (verify && stored !== crc64(buf.subarray(0, at))) throw new RdbFileError(at, "wrong RDB checksum");
    }
    return { version, keys, unchecked };
  } catch (e) {
    if (e instanceof RdbFileError) throw e;
    if (e instanceof RdbError) throw new RdbFileError(Math.min(r.pos, buf.length), `${e.message} (in the item at byte ${at})`);
    throw e;
  }
}
