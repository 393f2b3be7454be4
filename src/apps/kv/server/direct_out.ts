/**
 * Replies a shard writes to the client's socket itself. When a
 * connection's batch is all that stands between it and the socket (every
 * earlier reply written, a single shard involved), the connection lets the
 * shard write the replies when it runs the batch, as an Erlang worker may
 * `gen_tcp:send` on a socket its connection process owns: one message per
 * request instead of two, which is most of what a `-P 1` request costs
 * beyond its system calls.
 *
 * Order stays the client's: the connection delegates again only to the
 * same shard (whose mailbox keeps order) until the earlier delegated
 * batches are written, and writes nothing itself until then. The `sent` /
 * `written` counts are shared by the two processes the way Erlang's
 * `counters` are: one writer each, read by the other. When the connection
 * waits for them it sets `notify`, and the shard sends {@link DIRECT_DONE}.
 */
import { type Proc } from "../../../runtime/process.js";
import { fastReply } from "../resp/fast_reply.js";
import { type ClientRow, type KvInstance } from "./instance.js";
import { type DirectWriter, KillClient } from "./messages.js";
import { type Reply } from "../resp/reply.js";
import { CHUNK_BYTES, type OutPiece, type RespWriter } from "../resp/resp_writer.js";
import { type Port } from "./socket_port.js";

/** Shard → connection: the delegated batches it waited for are written. */
export class DirectDone {
  private constructor() {}
  static readonly instance = new DirectDone();
}
export const DIRECT_DONE = DirectDone.instance;

/**
 * Why a client's output is over its limit, or null. Redis'
 * checkClientOutputBufferLimits for normal clients: over `hard` at once,
 * over `soft` for `soft-seconds`.
 */
export function outputOverLimit(inst: KvInstance, row: ClientRow, bytes: number): string | null {
  // A subscribed client is of Redis' pubsub class, with its own (lower) limits.
  const limits = inst.config.get("client-output-buffer-limit");
  const lim = row.sub + row.psub > 0 ? limits.pubsub : limits.normal;
  if (lim.hard > 0 && bytes >= lim.hard) return "hard";
  if (lim.soft > 0 && bytes >= lim.soft) {
    const now = Date.now();
    if (row.softSince === 0) row.softSince = now;
    else if (now - row.softSince >= lim.softSeconds * 1000) return "soft";
  } else row.softSince = 0;
  return null;
}

export class DirectOut implements DirectWriter {
  /** Protocol of the delegated batches (set by the connection as it delegates). */
  resp: 2 | 3 = 2;
  /** Delegated batches sent, and written (by the shards). */
  sent = 0;
  written = 0;
  /** The connection waits: send it DIRECT_DONE once `written` catches up with `sent`. */
  notify = false;
  /** Over the output limit: the connection closes the client; nothing more is written. */
  private cut = false;

  constructor(
    readonly conn: Proc,
    readonly port: Port,
    readonly row: ClientRow,
    readonly inst: KvInstance,
  ) {}

  /**
   * Called by the shard that ran a delegated batch: encodes and writes its
   * replies, in one write, or a chunk at a time when they are large (the
   * output limit checked after each: past it nothing more is written).
   */
  write(replies: readonly Reply[], writer: RespWriter): void {
    if (!this.port.ended && !this.cut) this.encode(replies, writer);
    this.written++;
    if (this.notify && this.written === this.sent) {
      this.notify = false;
      this.conn.rt.deliver(this.conn, DIRECT_DONE);
    }
  }

  private encode(replies: readonly Reply[], writer: RespWriter): void {
    const port = this.port;
    const resp = this.resp;
    const n = replies.length;
    let text = "";
    let i = 0;
    for (; i < n; i++) {
      const t = fastReply(replies[i]!, resp);
      if (t === undefined) break;
      text += t;
      if (text.length >= CHUNK_BYTES) {
        port.writeText(text);
        if (!this.check(text.length)) return;
        text = "";
      }
    }
    if (i === n) {
      if (text !== "") {
        port.writeText(text);
        this.check(text.length);
      }
      return;
    }
    writer.resp = resp;
    let parts: OutPiece[] = text === "" ? [] : [text];
    let bytes = text.length;
    for (; i < n; i++) {
      writer.write(replies[i]!);
      if (writer.length >= CHUNK_BYTES) {
        bytes += writer.drain(parts);
        port.writeMany(parts);
        if (!this.check(bytes)) return;
        parts = [];
        bytes = 0;
      }
    }
    if (writer.length > 0) bytes += writer.drain(parts);
    if (parts.length === 0) return;
    port.writeMany(parts);
    this.check(bytes);
  }

  /** Counts `bytes` written; false once the client is over its output limit (its connection is told to close it). */
  private check(bytes: number): boolean {
    this.inst.stats.netOutput += bytes;
    const obl = this.port.buffered;
    if (obl === 0) return true;
    const over = outputOverLimit(this.inst, this.row, obl);
    if (over === null) return true;
    this.cut = true;
    this.conn.rt.deliver(this.conn, new KillClient(`${over}, ${obl} bytes`, true));
    return false;
  }
}
