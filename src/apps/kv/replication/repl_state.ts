/**
 * One server's replication identity and history, as Redis keeps it in
 * `server.replid`, `replid2`, `master_repl_offset`, `second_replid_offset`
 * and `repl_backlog` (replication.c). Both sides use it:
 *
 * - a primary appends every byte it sends to its replicas ({@link feed}),
 *   so the offset counts the stream and the backlog can serve a partial
 *   resync ({@link tryPartial});
 * - a replica feeds the stream it receives from its primary verbatim, so its
 *   offset is its primary's and, once promoted ({@link shiftReplId}), the
 *   other replicas of the old primary can continue partially from it.
 *
 * It lives on the KvInstance (like ETS data, it outlives the processes that
 * use it) and is written only by the process that owns the replication
 * stream at a time.
 */
import { randomBytes } from "node:crypto";

/** Redis' "no id": replid2 before any promotion. */
export const NO_REPLID = "0".repeat(40);

/** A new replication id: 40 random hex characters (Redis' changeReplicationId). */
export function newReplId(): string {
  return randomBytes(20).toString("hex");
}

/**
 * The last `size` bytes of the replication stream, in a ring. Offsets are
 * Redis': the first byte ever fed has offset 1, and `firstOffset` is the
 * offset of the oldest byte still held.
 */
export class ReplBacklog {
  private buf: Buffer;
  /** Where the next byte goes in `buf`. */
  private idx = 0;
  /** Bytes held (≤ size). */
  histlen = 0;
  /** Offset of the oldest byte held (Redis' repl_backlog->offset). */
  firstOffset: number;

  constructor(
    size: number,
    /** The stream offset before the first byte this backlog will hold. */
    startOffset: number,
  ) {
    this.buf = Buffer.alloc(Math.max(16 * 1024, size));
    this.firstOffset = startOffset + 1;
  }

  get size(): number {
    return this.buf.length;
  }

  append(data: Uint8Array): void {
    const size = this.buf.length;
    let src = data;
    if (src.length > size) {
      // Only the tail can stay: the head is dropped as if fed and overwritten.
      this.firstOffset += src.length - size;
      src = src.subarray(src.length - size);
    }
    const first = Math.min(src.length, size - this.idx);
    this.buf.set(src.subarray(0, first), this.idx);
    if (first < src.length) this.buf.set(src.subarray(first), 0);
    this.idx = (this.idx + src.length) % size;
    const held = this.histlen + src.length;
    if (held > size) this.firstOffset += held - size;
    this.histlen = Math.min(size, held);
  }

  /** The bytes from `offset` (inclusive) to the end, or null when not all of them are held. */
  from(offset: number): Buffer | null {
    const end = this.firstOffset + this.histlen;
    if (offset < this.firstOffset || offset > end) return null;
    const n = end - offset;
    const size = this.buf.length;
    const start = (this.idx - n + size) % size;
    if (start + n <= size) return Buffer.from(this.buf.subarray(start, start + n));
    return Buffer.concat([this.buf.subarray(start), this.buf.subarray(0, (start + n) % size)]);
  }

  /** CONFIG SET repl-backlog-size: keeps the newest bytes that fit. */
  resize(size: number): void {
    const keep = this.from(this.firstOffset + Math.max(0, this.histlen - Math.max(16 * 1024, size))) ?? Buffer.alloc(0);
    const before = this.firstOffset + this.histlen - keep.length - 1;
    const next = new ReplBacklog(size, before);
    next.append(keep);
    this.buf = next.buf;
    this.idx = next.idx;
    this.histlen = next.histlen;
    this.firstOffset = next.firstOffset;
  }
}

/** The link to this server's primary, as ROLE and INFO replication show it; null on a primary. */
export interface PrimaryLinkView {
  readonly host: string;
  readonly port: number;
  /** ROLE's state: "connect" | "connecting" | "sync" | "connected" (Redis' names). */
  readonly state: "connect" | "connecting" | "sync" | "connected";
  /** Epoch ms of the last byte read from the primary, or 0. */
  readonly lastIo: number;
  /** Epoch ms when the link went down (or never came up), or 0 while up. */
  readonly downSince: number;
  /** A full sync is being received: bytes expected (-1 with the EOF form) and read so far. */
  readonly syncing: { readonly total: number; readonly read: number; readonly lastIo: number } | null;
  /** Bytes of the stream applied (the replica's offset, = inst.repl.offset after every applied command). */
  readonly processedOffset: number;
}

/** What a primary answers a PSYNC with (Redis' masterTryPartialResynchronization). */
export type PsyncDecision = { readonly kind: "continue"; readonly backlog: Buffer } | { readonly kind: "full" };

export class ReplState {
  /** This server's replication id (its history's name). */
  replid = newReplId();
  /** The id of the history it continued from after a promotion, or {@link NO_REPLID}. */
  replid2 = NO_REPLID;
  /** Bytes of the stream so far (master_repl_offset). */
  offset = 0;
  /** First offset not in replid2's history (second_repl_offset), or -1. */
  secondOffset = -1;
  /**
   * The database this server's own records last selected in the stream
   * (Redis' slaveseldb); -1: the next record selects first, as after a full
   * sync's cut or a promotion, when replicas may be in any database.
   */
  streamDb = -1;
  /** Created with the first replica (on a primary) or the first sync (on a replica); null before. */
  backlog: ReplBacklog | null = null;
  /** The link to this server's primary (set by replication/replica.ts), or null on a primary. */
  primary: PrimaryLinkView | null = null;

  /** Appends bytes of the replication stream. */
  feed(data: Uint8Array): void {
    if (data.length === 0) return;
    this.backlog?.append(data);
    this.offset += data.length;
  }

  /** Creates the backlog if there is none yet (Redis' createReplicationBacklog). */
  ensureBacklog(size: number): ReplBacklog {
    if (this.backlog === null) this.backlog = new ReplBacklog(size, this.offset);
    return this.backlog;
  }

  /**
   * A replica asks `PSYNC replid offset`: continue when the id names this
   * history (or the one before a promotion, up to where it forked) and the
   * backlog still holds every byte from `offset`; otherwise a full resync.
   */
  tryPartial(replid: string, offset: number): PsyncDecision {
    const ours = replid === this.replid;
    const before = replid === this.replid2 && replid2Known(this) && offset <= this.secondOffset;
    if ((!ours && !before) || this.backlog === null) return { kind: "full" };
    const backlog = this.backlog.from(offset);
    return backlog === null ? { kind: "full" } : { kind: "continue", backlog };
  }

  /**
   * A replica becomes a primary (REPLICAOF NO ONE, or promoted by Sentinel):
   * its history so far keeps the old id as replid2, and a new id starts
   * (Redis' shiftReplicationId).
   */
  shiftReplId(): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset + 1;
    this.replid = newReplId();
    // The old primary's stream left its replicas in a database we did not choose.
    this.streamDb = -1;
  }

  /** A replica loaded its primary's snapshot: it takes the primary's id and offset, and forgets its own history. */
  adopt(replid: string, offset: number): void {
    this.replid = replid;
    this.replid2 = NO_REPLID;
    this.secondOffset = -1;
    this.offset = offset;
    if (this.backlog !== null) this.backlog = new ReplBacklog(this.backlog.size, offset);
  }

  /** INFO replication's id, offset and backlog lines (the role-independent part); `size` is repl-backlog-size. */
  infoFields(size: number): [string, string | number][] {
    const b = this.backlog;
    return [
      ["master_replid", this.replid],
      ["master_replid2", this.replid2],
      ["master_repl_offset", this.offset],
      ["second_repl_offset", this.secondOffset],
      ["repl_backlog_active", b === null ? 0 : 1],
      ["repl_backlog_size", size],
      ["repl_backlog_first_byte_offset", b === null ? 0 : b.firstOffset],
      ["repl_backlog_histlen", b === null ? 0 : b.histlen],
    ];
  }
}

function replid2Known(s: ReplState): boolean {
  return s.replid2 !== NO_REPLID && s.secondOffset >= 0;
}
