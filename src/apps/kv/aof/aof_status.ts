/**
 * INFO persistence's figures of the append-only file, one set per
 * instance: the writer and its rewrite keep them, INFO reads them without
 * a message.
 */
import type { KvInstance } from "../server/instance.js";

/** INFO persistence figures, kept by the writer, read by INFO without a message. */
export class AofStatus {
  enabled = false;
  rewriteInProgress = false;
  rewriteScheduled = false;
  lastRewriteTimeSec = -1;
  rewriteStartedAt = 0;
  lastBgrewriteStatus: "ok" | "err" = "ok";
  rewrites = 0;
  rewritesConsecutiveFailures = 0;
  lastWriteStatus: "ok" | "err" = "ok";
  /** Bytes of the base and every incremental file. */
  currentSize = 0;
  /** aof_current_size after the last rewrite (or the load): what automatic rewrites measure growth against. */
  baseSize = 0;
  /** Bytes encoded, not yet written. */
  bufferLength = 0;
  delayedFsync = 0;
  /** When the last load ran: ms it took, commands replayed. */
  loadedCommands = 0;
}

const statuses = new WeakMap<KvInstance, AofStatus>();

/** The writer's figures for INFO (a fresh status if no writer has run). */
export function aofStatus(inst: KvInstance): AofStatus {
  let s = statuses.get(inst);
  if (s === undefined) statuses.set(inst, (s = new AofStatus()));
  return s;
}
