/**
 * The input buffer both request parsers (resp/resp.ts, memcached/
 * memcached_parser.ts) read from: unparsed bytes are `buf[pos, end)`,
 * either a socket chunk borrowed as it arrived (no copy when a chunk holds
 * whole requests, the common case) or `store`, a growable buffer of our
 * own used only while a request straddles chunks.
 *
 * A base class rather than a field: the parsers' byte loops read
 * `this.buf` and `this.pos` directly, as before, with no extra hop.
 */

/** A Buffer with Node's latin1 slicing (one char per byte). */
export type LatinBuffer = Buffer & { latin1Slice(start: number, end: number): string };

export const EMPTY = Buffer.alloc(0);

/** A store grown past this by one odd request is dropped once consumed. */
const KEEP_STORE = 64 * 1024;

export abstract class ChunkBuffer {
  protected buf: LatinBuffer = EMPTY as LatinBuffer;
  protected pos = 0;
  protected end = 0;
  protected store: Buffer = EMPTY;
  /** Bytes from pos already searched for a line end (so slow senders cost O(n), not O(n^2)). */
  protected scanned = 0;

  /** Appends a chunk after the pending bytes (borrowed as is when nothing is pending). */
  protected append(chunk: Buffer): void {
    if (this.pos === this.end) {
      this.buf = chunk as LatinBuffer;
      this.pos = 0;
      this.end = chunk.length;
      return;
    }
    const pending = this.end - this.pos;
    const need = pending + chunk.length;
    if (this.buf !== this.store || this.store.length < need) {
      const next = this.store.length >= need ? this.store : Buffer.allocUnsafe(Math.max(16 * 1024, need * 2));
      this.buf.copy(next, 0, this.pos, this.end);
      this.store = next;
    } else if (this.pos > 0) {
      this.store.copyWithin(0, this.pos, this.end);
    }
    this.store.set(chunk, pending);
    this.buf = this.store as LatinBuffer;
    this.pos = 0;
    this.end = need;
  }

  /** Drops the reference to consumed bytes (and a store grown by one odd request). */
  protected dropConsumed(): void {
    this.buf = EMPTY as LatinBuffer;
    this.pos = this.end = 0;
    this.scanned = 0;
    if (this.store.length > KEEP_STORE) this.store = EMPTY;
  }
}
