/**
 * File operations of the append-only file: appending a buffer whole with
 * the asynchronous `fs.write` (it may write less than asked), and
 * replacing the manifest atomically (a temporary file, fsync, rename, fsync
 * of the directory, so a crash leaves either the old manifest or the new
 * one, never a mix).
 */
import { closeSync, fsyncSync, openSync, renameSync, write, writeSync } from "node:fs";
import { join } from "node:path";
import { type ManifestEntry, formatManifest, manifestName } from "./aof_format.js";

/** Writes all of `buf` at the file's end (the fd is opened with O_APPEND); `cb(null)` once done. */
export function writeAll(fd: number, buf: Buffer, cb: (e: NodeJS.ErrnoException | null) => void, off = 0): void {
  if (off >= buf.length) return cb(null);
  write(fd, buf, off, buf.length - off, null, (e, n) => {
    if (e !== null) cb(e);
    else writeAll(fd, buf, cb, off + n);
  });
}

/** Makes a rename or a new file in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `text` to `path` and fsyncs it (small files: manifests). */
export function writeDurable(path: string, text: string): void {
  const fd = openSync(path, "w");
  try {
    const buf = Buffer.from(text, "latin1");
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces the manifest of `appendfilename` in `dir` with `entries`, atomically and durably. */
export function replaceManifest(dir: string, appendfilename: string, entries: readonly ManifestEntry[]): void {
  const name = manifestName(appendfilename);
  const tmp = join(dir, `temp-${name}`);
  writeDurable(tmp, formatManifest(entries));
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}
