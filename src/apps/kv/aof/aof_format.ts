/**
 * The append-only file's format, Redis 7 style: every record is the RESP
 * array of a command (`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n`), a
 * `SELECT db` goes before a record whose database differs from the last
 * one written to that file (every file starts with none selected, as Redis'
 * loader starts each file on database 0), and the files live in a
 * directory with a manifest naming them in replay order:
 *
 *     dir/appendonlydir/appendonly.aof.1.base.aof   the data at the last rewrite
 *     dir/appendonlydir/appendonly.aof.1.incr.aof   the writes since
 *     dir/appendonlydir/appendonly.aof.manifest     file ... seq N type b|i lines
 *
 * Strings are latin1 (one char per byte), as everywhere in the server, so a
 * string's length is its byte length.
 *
 * Two records Redis does not have (a file holding one loads in Agner only):
 * {@link MCFLAGS} `key flags` after the write of a memcached item whose
 * client flags are not 0 (Redis has no place for them), and
 * {@link FLUSHSHARD}, which a server of several shards writes for a
 * FLUSHDB / FLUSHALL / flush_all: each shard empties its own part when the
 * command reaches it, and a write to another shard can land between two
 * shards' flushes; replaying a plain FLUSHALL there would lose that write.
 * {@link SWAPDBSHARD} likewise for SWAPDB, which each shard runs on its own
 * keys (replaying one SWAPDB per shard would swap back and forth).
 */
import { KvError } from "../errors.js";

/** `AGNER.MCFLAGS key flags`: the memcached client flags of `key` (in the current database). */
export const MCFLAGS = "AGNER.MCFLAGS";

/**
 * `AGNER.FLUSHSHARD shard shards [ALL]`: the keys of the current database
 * (of every database with ALL) that hash to `shard` of `shards` are gone.
 */
export const FLUSHSHARD = "AGNER.FLUSHSHARD";

/** `AGNER.SWAPDBSHARD shard shards a b`: databases a and b exchanged the keys that hash to `shard` of `shards`. */
export const SWAPDBSHARD = "AGNER.SWAPDBSHARD";

const FLUSH_NAME = /^flush(db|all)$/i;
const SWAPDB_NAME = /^swapdb$/i;

/**
 * The record of a flush (or a SWAPDB, whose indexes the command propagates
 * as plain numbers) run by shard `shard` of `shards` (the command itself
 * when there is one shard).
 */
export function scopedFlush(argv: readonly string[], shard: number, shards: number): readonly string[] {
  const name = argv[0]!;
  if (shards === 1) return argv;
  if (name.length === 6 && SWAPDB_NAME.test(name)) return [SWAPDBSHARD, String(shard), String(shards), argv[1]!, argv[2]!];
  if ((name.length !== 7 && name.length !== 8) || !FLUSH_NAME.test(name)) return argv;
  const all = name.length === 8;
  return all ? [FLUSHSHARD, String(shard), String(shards), "ALL"] : [FLUSHSHARD, String(shard), String(shards)];
}

/** One command as a RESP array of bulk strings. */
export function encodeCommand(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    s += `$${a.length}\r\n${a}\r\n`;
  }
  return s;
}

/**
 * Encodes the records of one file, adding a `SELECT` when the database
 * changes: one encoder per file, so a new file starts with none selected.
 */
export class RecordEncoder {
  private selected = -1;

  /** The text of one record, with the SELECT it needs first. */
  encode(db: number, argv: readonly string[]): string {
    if (db === this.selected) return encodeCommand(argv);
    this.selected = db;
    return encodeCommand(["SELECT", String(db)]) + encodeCommand(argv);
  }
}

/** A manifest line: `b` base, `h` history (kept for Redis' format, never written here), `i` incremental. */
export interface ManifestEntry {
  readonly file: string;
  readonly seq: number;
  readonly type: "b" | "h" | "i";
}

/** The manifest's name for `appendfilename`. */
export function manifestName(appendfilename: string): string {
  return `${appendfilename}.manifest`;
}

export function baseFileName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}.base.aof`;
}

export function incrFileName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}.incr.aof`;
}

/** A manifest that cannot be read: the message says which line and why. */
export class ManifestError extends KvError {}

/**
 * Parses a manifest: one `key value` list per line (`file`, `seq`, `type`;
 * other keys ignored, as Redis ignores keys it does not know), `#`
 * comments. At most one base; the base first in replay order.
 */
export function parseManifest(text: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const words = line.split(/\s+/);
    if (words.length % 2 !== 0) throw new ManifestError(`manifest line ${i + 1}: odd number of words`);
    let file: string | undefined;
    let seq: number | undefined;
    let type: string | undefined;
    for (let j = 0; j < words.length; j += 2) {
      const k = words[j]!;
      const v = words[j + 1]!;
      if (k === "file") file = v;
      else if (k === "seq") seq = /^\d+$/.test(v) ? Number(v) : undefined;
      else if (k === "type") type = v;
    }
    if (file === undefined || seq === undefined || (type !== "b" && type !== "h" && type !== "i") || /[/\\]/.test(file)) {
      throw new ManifestError(`manifest line ${i + 1}: expected 'file <name> seq <n> type b|h|i', got '${line}'`);
    }
    out.push({ file, seq, type });
  });
  if (out.filter((e) => e.type === "b").length > 1) throw new ManifestError("manifest: more than one base file");
  // Replay order: the base, then the incremental files in manifest order (history files are not replayed).
  return [...out.filter((e) => e.type === "b"), ...out.filter((e) => e.type === "i")];
}

/** The manifest text for `entries` (base first). */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => `file ${e.file} seq ${e.seq} type ${e.type}\n`).join("");
}
