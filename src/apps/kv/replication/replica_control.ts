/**
 * What the rest of the server knows of the replica role, without importing
 * the link process (replica.ts starts connections, which check commands
 * against this file): where to replicate from, the link's view for ROLE and
 * INFO, REPLICAOF itself, and the checks Redis' processCommand makes on a
 * replica (-READONLY, -MASTERDOWN).
 *
 * The control is per instance and outlives the link process, as the
 * replication state does: REPLICAOF changes it synchronously (a client sees
 * the new role in its next command), then tells the link, which drops
 * whatever it read for an older generation.
 */
import { CMD } from "../commands/command_table.js";
import { type CommandEntry } from "../commands/engine.js";
import { parseInt64 } from "../commands/numbers.js";
import { ErrorReply, type Reply, SimpleString } from "../resp/reply.js";
import { type Atom } from "../../../term/atom.js";
import { current } from "../../../runtime/current.js";
import { type Proc } from "../../../runtime/process.js";
import { type PrimaryLinkView, type ReplState } from "./repl_state.js";
import type { KvInstance } from "../server/instance.js";
import { type RdbReplInfo } from "../rdb/rdb_file.js";

export const READONLY = new ErrorReply("READONLY You can't write against a read only replica.");
export const MASTERDOWN = new ErrorReply("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");

/** The link's state as ROLE and INFO show it; written by the link process only (and by REPLICAOF when it starts one). */
export class LinkView implements PrimaryLinkView {
  state: PrimaryLinkView["state"] = "connect";
  lastIo = 0;
  downSince = Date.now();
  syncing: { total: number; read: number; lastIo: number } | null = null;
  processedOffset: number;
  constructor(
    readonly host: string,
    readonly port: number,
    offset: number,
  ) {
    this.processedOffset = offset;
  }
}

export interface ReplicaControl {
  /** Where to replicate from, or null: a primary. */
  target: { host: string; port: number } | null;
  /** Bumped by every REPLICAOF: what the link read for an older one is dropped. */
  gen: number;
  /** The master client's state is unknown (it died with commands in flight): the next sync must be full. */
  forceFull: boolean;
  /** The connection process that applies the primary's stream (Redis' master client), or null. */
  master: Proc | null;
  /** The database the next master client starts in: its predecessor's, when it ended with everything applied (Redis' cached master keeps its db). */
  resumeDb: number;
}

const CONTROLS = new WeakMap<object, ReplicaControl>();

/** The instance's control (keyed by its replication state, which lives as long as it). */
export function replicaControl(repl: ReplState): ReplicaControl {
  let c = CONTROLS.get(repl);
  if (c === undefined) CONTROLS.set(repl, (c = { target: null, gen: 0, forceFull: false, master: null, resumeDb: 0 }));
  return c;
}

/**
 * Where in its primary's stream a snapshot taken now is (an RDB's repl-id,
 * repl-offset, repl-stream-db, as Redis' rdbPopulateSaveInfo on a replica),
 * or null. Called with every shard held: when every byte received has been
 * applied, the snapshot holds exactly the stream up to the offset; a byte
 * still on its way (or a master client lost mid-stream) gives null, and the
 * restarted replica syncs in full.
 */
export function replicaSaveInfo(inst: KvInstance): RdbReplInfo | null {
  const repl = inst.repl;
  const v = repl.primary;
  const c = replicaControl(repl);
  if (v === null || v.syncing !== null || repl.backlog === null || c.forceFull || v.processedOffset !== repl.offset) return null;
  const streamDb = c.master !== null ? (inst.rowOf.get(c.master)?.db ?? 0) : c.resumeDb;
  return { replid: repl.replid, offset: repl.offset, streamDb };
}

/**
 * A replica started from an RDB that names its place in its primary's
 * stream takes it (Redis' loadDataFromDisk with a cached master made of
 * itself): the PSYNC it sends asks to continue from there, and the master
 * client starts in the stream's database.
 */
export function restoreReplica(repl: ReplState, info: RdbReplInfo, backlogSize: number): void {
  repl.replid = info.replid;
  repl.offset = info.offset;
  repl.ensureBacklog(backlogSize);
  replicaControl(repl).resumeDb = info.streamDb;
}

/** To the link process: REPLICAOF changed the target (see {@link ReplicaControl.gen}). */
export class ReplicaOfChanged {
  private constructor() {}
  static readonly instance = new ReplicaOfChanged();
}

/**
 * Points the server at a primary, or (null) makes it one. Promotion keeps the
 * history it had as the secondary id ({@link ReplState.shiftReplId}), so the
 * old primary's other replicas can continue partially from this server.
 */
export function setPrimary(repl: ReplState, target: { host: string; port: number } | null, link: Atom): void {
  const c = replicaControl(repl);
  const was = c.target;
  c.target = target;
  c.gen++;
  if (target === null) {
    if (was !== null) repl.shiftReplId();
    repl.primary = null;
  } else {
    repl.primary = new LinkView(target.host, target.port, repl.offset);
  }
  const rt = current?.rt;
  const pid = rt?.whereis(link);
  if (pid !== undefined) pid.rt.deliver(pid as Proc, ReplicaOfChanged.instance);
}

const INVALID_PORT = new ErrorReply("ERR Invalid master port");
const OK = new SimpleString("OK");

/** REPLICAOF / SLAVEOF host port | NO ONE, with Redis 7.0's replies (replication.c's replicaofCommand). */
export function replicaofCommand(repl: ReplState, argv: readonly string[], link: Atom, log: (text: string) => void): Reply {
  const [host, portArg] = [argv[1]!, argv[2]!];
  if (host.toLowerCase() === "no" && portArg.toLowerCase() === "one") {
    if (replicaControl(repl).target !== null) {
      setPrimary(repl, null, link);
      log("MASTER MODE enabled (user request)");
    }
    return OK;
  }
  const port = parseInt64(portArg);
  if (port === null || port < 0 || port > 65535) return INVALID_PORT;
  const now = replicaControl(repl).target;
  if (now !== null && now.host.toLowerCase() === host.toLowerCase() && now.port === Number(port)) {
    log("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
    return new SimpleString("OK Already connected to specified master");
  }
  setPrimary(repl, { host, port: Number(port) }, link);
  log(`REPLICAOF ${host}:${port} enabled (user request)`);
  return OK;
}

/**
 * Redis' processCommand checks for a replica's clients (not its master
 * client): writes refused while `replica-read-only`, and everything but the
 * `stale` commands while the link is down and `replica-serve-stale-data no`.
 */
export function replicaRefusal(primary: PrimaryLinkView, readOnly: boolean, serveStale: boolean, cmd: CommandEntry): ErrorReply | null {
  if (readOnly && (cmd.bits & CMD.write) !== 0) return READONLY;
  if (!serveStale && primary.state !== "connected" && (cmd.bits & CMD.stale) === 0) return MASTERDOWN;
  return null;
}

/**
 * A script with a shebang on a replica: processCommand counts its flags as
 * the command's (getCommandFlags), so one that may write is refused on a
 * read-only replica, and one without `allow-stale` while the link is down,
 * with the commands' errors. Scripts without a shebang are checked per write
 * command instead ({@link scriptWriteDenied}).
 */
export function scriptRefusal(primary: PrimaryLinkView | null, readOnly: boolean, serveStale: boolean, flags: { compat: boolean; allowStale: boolean; noWrites: boolean }): ErrorReply | null {
  if (primary === null || flags.compat) return null;
  if (readOnly && !flags.noWrites) return READONLY;
  if (!serveStale && primary.state !== "connected" && !flags.allowStale) return MASTERDOWN;
  return null;
}

/** What a script's write command gets on a read-only replica (Redis' scriptVerifyWriteCommandAllow), or null. */
export function scriptWriteDenied(primary: PrimaryLinkView | null, readOnly: boolean): ErrorReply | null {
  return primary !== null && readOnly ? READONLY : null;
}

/**
 * How the keys expire lazily (Keyspace.lazyExpire) for what `from` runs (a
 * connection, or a transaction acting for one): on a replica, its master
 * client keeps them.
 */
export function lazyExpireFor(inst: KvInstance, from: Proc): "delete" | "hide" | "keep" {
  if (inst.repl.primary === null) return "delete";
  const conn = inst.tracking.actingFor.get(from) ?? from;
  return inst.rowOf.get(conn)?.master === true ? "keep" : "hide";
}
