/**
 * The seam for persistence: what shards send to the persistence writer and
 * what the rest of the server asks of it. This file ships the writer used
 * when persistence is off ({@link NoopWriter}); the append-only file writer
 * implements the same protocol.
 *
 * Protocol (all local messages):
 *
 * - shard → writer, {@link AofAppend}: the writes of one batch, in the order
 *   they ran, as the commands that replay them (`ExecContext.propagate`),
 *   each with its database. Sent only while `inst.logsWrites`: `appendonly
 *   yes`, or a replication backlog to feed (the writer hands each AofAppend
 *   to replication/primary.ts before releasing its reply). It carries
 *   `held`, the batch's reply, whenever the batch wrote (under `appendfsync
 *   always`, for every batch): the writer delivers it (`rt.deliver(held.to,
 *   held.msg)`) only once these records and every record it received before
 *   are written to the file (under `always`: and fdatasynced), and in the
 *   order the AofAppends arrived. So no reply leaves the server before its
 *   command's bytes are with the kernel, whatever the policy. An AofAppend
 *   may have no records and only a held reply (a read under `always`, a
 *   transaction's final reply): it is released once everything before it is
 *   written (synced). A batch that wrote nothing is answered by the shard
 *   directly under `everysec` and `no` (the sender keeps its replies in
 *   order). The shard marks such a batch {@link Batch.held}.
 * - `'$gen_call'` requests (use {@link WriterRequest}): `flush` (make
 *   everything received durable, answer `ok`; clean shutdown), `rewrite`
 *   (BGREWRITEAOF: answer the command's Reply), `{config, Name}`
 *   (appendonly / appendfsync / dir changed by CONFIG SET; answered `ok`,
 *   or an ErrorReply when the change cannot be made: CONFIG SET reverts it).
 * - INFO persistence is {@link Persistence.info}, read without a message.
 *
 * - A `'$gen_call'` the writer does not know is answered `{error,
 *   {unknown_call, Request}}` (it stays up); an unknown cast is logged.
 *
 * If the writer dies, what was in its mailbox is gone: senders of held
 * batches (they monitor the writer: {@link watchWriter}) see its `DOWN` and
 * answer their held commands with an error (never a false
 * acknowledgement). Shards that find no writer keep their AofAppends and
 * send them once a writer is registered again. A restarted writer does not
 * load anything: the live keyspaces are the truth, and it writes a new base
 * from them (aof_writer.ts).
 */
import { type Atom, atom } from "../../../term/atom.js";
import { type Tup } from "../../../term/tuple.js";
import { type Proc } from "../../../runtime/process.js";
import { type Ref } from "../../../term/identifiers.js";
import { monitor, sendAfter } from "../../../runtime/erlang.js";
import { type CallSpec, type From } from "../../../otp/gen.js";
import { GenServer, noreply, ok, reply } from "../../../otp/gen_server.js";
import { AsyncDone, BatchReply, WATCH_WRITER } from "../server/messages.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import type { KvInstance, Persistence } from "../server/instance.js";
import { StreamCut, StreamUnit, feedAppend, onStreamCut, onStreamUnit, releaseChunk } from "../replication/primary.js";
export type { Persistence } from "../server/instance.js";

/** One write, as a command that replays it, on database `db`. */
export interface AofRecord {
  readonly db: number;
  readonly argv: readonly string[];
  /** `raw[rawStart, rawEnd)`: argv as its client sent it, in the RESP writer's form (server/messages.ts' RawCommands). */
  readonly raw?: Buffer;
  readonly rawStart?: number;
  readonly rawEnd?: number;
}

/** A reply to release once durable. */
export class Held {
  constructor(
    readonly to: Proc,
    readonly msg: unknown,
  ) {}
}

/**
 * Answers a held reply with an error instead (its commands ran but are not
 * known to be durable): every reply of a batch, or a transaction's one.
 */
export function failHeld(h: Held, text: string): void {
  const err = new ErrorReply(text);
  const m = h.msg;
  if (m instanceof BatchReply) h.to.rt.deliver(h.to, new BatchReply(m.shard, m.tag, m.replies.map(() => err)));
  else if (m instanceof AsyncDone) h.to.rt.deliver(h.to, new AsyncDone(m.seq, err));
  else if (isFailable(m)) h.to.rt.deliver(h.to, m.failWith(err));
  else h.to.rt.deliver(h.to, m);
}

/** A held message that can carry an error instead of its reply (a served blocked client's, server/blocked.ts). */
export interface FailableReply {
  failWith(err: ErrorReply): unknown;
}

function isFailable(m: unknown): m is FailableReply {
  return typeof (m as Partial<FailableReply> | null)?.failWith === "function";
}

/**
 * Monitors the persistence writer for `self` (a sender of batches): the
 * monitor's ref, or null when no writer is registered (it is restarting),
 * and then (with `retry`) {@link WATCH_WRITER} comes to `self` shortly to try again.
 */
export function watchWriter(inst: KvInstance, self: Proc, retry = true): Ref | null {
  const w = self.rt.whereis(inst.names.writer);
  if (w !== undefined) return monitor(w);
  if (retry) sendAfter(10, self, WATCH_WRITER);
  return null;
}

/** Shard → writer: the records of one batch and the reply to release once they are written. */
export class AofAppend {
  constructor(
    readonly shard: number,
    readonly records: readonly AofRecord[],
    readonly held: Held | null,
  ) {}
}

export const FLUSH = atom("flush");
export const REWRITE = atom("rewrite");
export const CONFIG = atom("config");

/** What the writer answers, by request. */
export type WriterCalls =
  | CallSpec<Atom<"flush">, Atom<"ok">>
  | CallSpec<Atom<"rewrite">, Reply>
  | CallSpec<Tup<[Atom<"config">, string]>, Atom<"ok"> | ErrorReply>;

export type WriterRequest = WriterCalls["req"];

/** INFO persistence fields when nothing is persisted (Redis' names). */
export const NO_PERSISTENCE_INFO: [string, string | number][] = [
  ["loading", 0],
  ["async_loading", 0],
  ["rdb_changes_since_last_save", 0],
  ["rdb_bgsave_in_progress", 0],
  ["rdb_last_bgsave_status", "ok"],
  ["aof_enabled", 0],
  ["aof_rewrite_in_progress", 0],
  ["aof_rewrite_scheduled", 0],
  ["aof_last_rewrite_time_sec", -1],
  ["aof_current_rewrite_time_sec", -1],
  ["aof_last_bgrewrite_status", "ok"],
  ["aof_rewrites", 0],
  ["aof_last_write_status", "ok"],
];

/**
 * The writer when persistence is off: it keeps nothing, releases held
 * replies at once (nothing is ever durable beyond memory), and refuses
 * BGREWRITEAOF with an error that says why.
 */
export class NoopWriter extends GenServer<null, WriterCalls, never, unknown, null> {
  constructor(private readonly inst: KvInstance) {
    super();
  }

  init() {
    return ok(null);
  }

  override handleCall(req: WriterRequest, _from: From, s: null) {
    if (req === FLUSH) return reply(atom("ok"), s);
    if (req === REWRITE) return reply(new ErrorReply("ERR BGREWRITEAOF is not available: this server runs without a persistence writer"), s);
    return reply(atom("ok"), s);
  }

  override handleInfo(msg: unknown, s: null) {
    if (msg instanceof AofAppend) {
      const chunk = feedAppend(this.inst, msg);
      if (chunk !== null) releaseChunk(this.inst, chunk);
      const h = msg.held;
      if (h !== null) h.to.rt.deliver(h.to, h.msg);
    } else if (msg instanceof StreamCut) onStreamCut(this.inst, msg);
    else if (msg instanceof StreamUnit) {
      const chunk = onStreamUnit(this.inst, msg);
      if (chunk !== null) releaseChunk(this.inst, chunk);
    }
    return noreply(s);
  }
}

/** Persistence off. */
export const noPersistence: Persistence = {
  name: "none",
  writerSpec(inst) {
    return {
      id: "writer",
      start: () => GenServer.startLink(new NoopWriter(inst), null, { name: inst.names.writer }).result(),
    };
  },
  info: () => NO_PERSISTENCE_INFO,
};

