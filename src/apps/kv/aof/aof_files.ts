/**
 * File operations of the append-only file: appending a buffer whole with
 * the asynchronous `fs.write` (it may write less than asked), and
 * replacing the manifest atomically (a temporary file, fsync, rename, fsync
 * of the directory, so a crash leaves either the old manifest or the new
 * one, never a mix).
 */
import { closeSync, fdatasync, fsyncSync, openSync, renameSync, write, writeSync } from "node:fs";
import { join } from "node:path";
import { type ManifestEntry, formatManifest, manifestName } from "./aof_format.js";

/** Writes all of `buf` at the file's end (the fd is opened with O_APPEND); `cb(null)` once done. */
function writeAll(fd: number, buf: Buffer, cb: (e: NodeJS.ErrnoException | null) => void, off = 0): void {
  if (off >= buf.length) return cb(null);
  write(fd, buf, off, buf.length - off, null, (e, n) => {
    if (e !== null) cb(e);
    else writeAll(fd, buf, cb, off + n);
  });
}

type Done = (e: NodeJS.ErrnoException | null) => void;

/**
 * An open file of the append-only file's. Its descriptor is closed exactly
 * once, and never while a write or fdatasync on it is in flight: a close
 * asked meanwhile (the writer stopping, a rewrite giving up) waits for them.
 * A bare number closed twice, or under an operation, could close or write
 * into a file or socket the kernel has since given the same number.
 */
export class AofFile {
  private busy = 0;
  private closing = false;
  private closed = false;

  private constructor(readonly fd: number) {}

  static open(path: string, flags: string | number): AofFile {
    return new AofFile(openSync(path, flags));
  }

  /** Appends all of `buf` (the file is opened with O_APPEND). */
  write(buf: Buffer, cb: Done): void {
    if (!this.usable(cb)) return;
    this.busy++;
    writeAll(this.fd, buf, (e) => this.done(e, cb));
  }

  /**
   * Appends all of `buf` now, in this thread: what `everysec` and `no` use,
   * as Redis does (a write into the page cache takes microseconds, less than
   * the thread pool's round trip; only the fdatasync is left to a thread).
   * Returns the error instead of throwing.
   */
  writeNow(buf: Buffer): NodeJS.ErrnoException | null {
    let usable: NodeJS.ErrnoException | null = null;
    if (!this.usable((e) => (usable = e))) return usable;
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off, buf.length - off);
      return null;
    } catch (e) {
      return e as NodeJS.ErrnoException;
    }
  }

  datasync(cb: Done): void {
    if (!this.usable(cb)) return;
    this.busy++;
    fdatasync(this.fd, (e) => this.done(e, cb));
  }

  /** Closed, or closing once the operations in flight are done. */
  get isClosed(): boolean {
    return this.closed || this.closing;
  }

  /** Closes now, or once the operations in flight are done. */
  close(): void {
    if (this.closed || this.closing) return;
    this.closing = true;
    if (this.busy === 0) this.closeNow();
  }

  private usable(cb: Done): boolean {
    if (!this.closed && !this.closing) return true;
    const e: NodeJS.ErrnoException = new Error("EBADF: the append only file was closed");
    e.code = "EBADF";
    cb(e);
    return false;
  }

  private done(e: NodeJS.ErrnoException | null, cb: Done): void {
    if (--this.busy === 0 && this.closing) this.closeNow();
    cb(e);
  }

  private closeNow(): void {
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      /* nothing left to release */
    }
  }
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
