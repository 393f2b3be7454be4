/**
 * The primary's side of replication, as redis-server's replication.c: the
 * stream of the writes the server acknowledged, and the replicas it goes to.
 *
 * - **The stream.** Shards send the persistence writer their records
 *   whenever the AOF or replication needs them (`inst.logsWrites`), and the
 *   writer, the one point of total order of writes, hands each
 *   {@link AofAppend} to {@link feedAppend} before it releases the replies:
 *   the records are encoded as Redis propagates them (RESP arrays, a
 *   `SELECT` when the database changes, MULTI/EXEC around a transaction's
 *   writes ({@link StreamUnit}) and a script's (its records carry them)), fed to `inst.repl` (offset, backlog) and queued
 *   for the replicas. With the AOF on, a chunk is sent to replicas only once
 *   the AOF has written it ({@link releaseChunk}), so a replica applies only
 *   writes the primary acknowledged; without it, at once.
 * - **Replicas.** A connection that ran SYNC or PSYNC is a {@link ReplicaLink}:
 *   its socket receives the stream (after a full sync's RDB, primary_sync.ts),
 *   REPLCONF ACK reports its offset (WAIT, INFO's `lag`), and the cron
 *   ({@link replicationCron}) PINGs replicas every `repl-ping-replica-period`
 *   and drops those silent for `repl-timeout`. A replica whose output passes
 *   `client-output-buffer-limit replica` is dropped.
 *
 * Everything runs on one thread: feeding is synchronous, so the cron's
 * PINGs and a replica's {@link feedVerbatim} interleave with the writer's
 * records only between whole chunks.
 */
import { type Proc } from "../../../runtime/process.js";
import { current } from "../../../runtime/current.js";
import type { KvInstance } from "../server/instance.js";
import { type Port } from "../server/socket_port.js";
import { FLUSHSHARD, MCFLAGS, SWAPDBSHARD, encodeCommand } from "../aof/aof_format.js";
import { AsyncDone } from "../server/messages.js";
import { ErrorReply } from "../resp/reply.js";
import { RespWriter } from "../resp/resp_writer.js";
import { NO_REPLID, newReplId } from "./repl_state.js";
import { type RdbReplInfo } from "../rdb/rdb_file.js";

/** What feedAppend reads of an AofAppend (aof/persistence.ts, which imports this file). */
export interface StreamSource {
  readonly records: readonly {
    readonly db: number;
    readonly argv: readonly string[];
    /** `raw[rawStart, rawEnd)`: argv's RESP form as its client sent it (aof/persistence.ts' AofRecord). */
    readonly raw?: Uint8Array;
    readonly rawStart?: number;
    readonly rawEnd?: number;
  }[];
}

/**
 * A full sync's cut, to the writer (primary_sync.ts): every AofAppend before
 * it in the writer's mailbox was sent before the shards were locked, so the
 * stream's offset when the writer takes it is the snapshot's.
 */
export class StreamCut {
  constructor(
    readonly job: Proc,
    /** The replica a full sync is for; null for an RDB file's cut, which only asks where the stream is. */
    readonly link: ReplicaLink | null,
  ) {}
}

/** The writer's answer to a {@link StreamCut}: the offset of the snapshot, and the database the stream last selected (-1: none). */
export class StreamCutDone {
  constructor(
    readonly link: ReplicaLink | null,
    readonly offset: number,
    readonly streamDb: number,
  ) {}
}

/**
 * The writer took a {@link StreamCut}: the link gets the stream from here
 * on (kept until its RDB is sent), and the next record selects its
 * database again, as Redis resets slaveseldb for a full sync.
 */
export function onStreamCut(inst: KvInstance, m: StreamCut): void {
  const repl = inst.repl;
  const done = new StreamCutDone(m.link, repl.offset, repl.streamDb);
  if (m.link !== null) {
    repl.streamDb = -1;
    m.link.startOffset = repl.offset;
    m.link.state = "send_bulk";
  }
  m.job.rt.deliver(m.job, done);
}

/**
 * A primary started from an RDB file that names its place in a stream
 * (Redis' loadDataFromDisk on a master): that history becomes the
 * secondary id up to the file's offset, so the replicas that had it
 * continue partially; the keys the load dropped as expired go into the new
 * backlog as DELs, as Redis propagates them while loading.
 */
export function restorePrimary(inst: KvInstance, info: RdbReplInfo, expired: readonly (readonly [number, string])[]): void {
  const repl = inst.repl;
  repl.replid2 = info.replid;
  repl.secondOffset = info.offset + 1;
  repl.offset = info.offset;
  repl.streamDb = -1;
  repl.ensureBacklog(inst.config.get("repl-backlog-size"));
  primaryState(inst).everHadReplicas = true;
  for (const [db, key] of expired) {
    let text = "";
    if (db !== repl.streamDb) {
      repl.streamDb = db;
      text = encodeCommand(["SELECT", String(db)]);
    }
    repl.feed(Buffer.from(text + encodeCommand(["DEL", key]), "latin1"));
  }
  inst.updateLogsWrites();
}

/**
 * To the writer: a transaction's writes begin (`begin`) or end. EXEC holds
 * every shard meanwhile, so the records between are exactly its writes, sent
 * as one unit: wrapped in MULTI/EXEC when there are several, as Redis 7.0.
 */
export class StreamUnit {
  constructor(readonly begin: boolean) {}
}

/** Tells the writer a transaction's writes begin or end (true when told: the caller ends what it began). */
export function streamUnit(inst: KvInstance, begin: boolean): boolean {
  if (inst.repl.backlog === null || inst.repl.primary !== null) return false;
  const self = current!;
  const w = self.rt.whereis(inst.names.writer);
  if (w === undefined) return false;
  w.rt.deliver(w, new StreamUnit(begin));
  return true;
}

/** The writer took a {@link StreamUnit}: at the end, the unit's chunk (the writer sends it once written), or null. */
export function onStreamUnit(inst: KvInstance, m: StreamUnit): StreamChunk | null {
  const ps = primaryState(inst);
  if (m.begin) {
    if (ps.unitDepth++ === 0) {
      ps.unitText = "";
      ps.unitCommands = 0;
    }
    return null;
  }
  if (ps.unitDepth === 0 || --ps.unitDepth > 0) return null;
  const text = ps.unitCommands > 1 ? MULTI + ps.unitText + EXEC : ps.unitText;
  ps.unitText = "";
  return text === "" ? null : push(inst, ps, Buffer.from(text, "latin1"));
}

/** One chunk of the stream, sent once `ready` (the AOF wrote it, or there is no AOF). */
export class StreamChunk {
  ready = false;
  constructor(
    readonly buf: Buffer,
    /** The stream offset after its last byte. */
    readonly end: number,
  ) {}
}

/** What a replica said before SYNC/PSYNC (REPLCONF listening-port, ip-address, capa). */
export class ReplicaHello {
  listeningPort = 0;
  ip: string | null = null;
  capaEof = false;
  capaPsync2 = false;
}

/** Redis' replica states, as INFO names them. */
export type LinkState = "wait_bgsave" | "send_bulk" | "online";

/** One replica attached to this primary (Redis' client with CLIENT_SLAVE). */
export class ReplicaLink {
  state: LinkState = "wait_bgsave";
  /** The offset the replica acknowledged last (REPLCONF ACK), and when (ms). */
  ackOffset = 0;
  ackTime = Date.now();
  /** Stream chunks with `end` at most this are in its RDB (a full sync's cut): not sent. Infinity until the cut. */
  startOffset = Infinity;
  /** Stream bytes waiting while the RDB is sent. */
  pending: Buffer[] = [];
  pendingBytes = 0;
  /** The stream waits for the replica's first ACK ({@link goOnline}). */
  private streamOnAck = false;
  /** Stream bytes sent this event-loop turn, written together ({@link send}). */
  private out: Buffer[] = [];
  private outBytes = 0;
  /** Over its output limit since (ms), for the soft limit. */
  softSince = 0;
  closed = false;
  constructor(
    readonly inst: KvInstance,
    readonly conn: Proc,
    readonly port: Port,
    readonly hello: ReplicaHello,
    /** The address of the peer, for INFO when the replica did not send ip-address. */
    readonly peerIp: string,
  ) {}

  get ip(): string {
    return this.hello.ip ?? this.peerIp;
  }

  /**
   * Sends stream bytes, or keeps them until the RDB is through. Online, the
   * bytes of one event-loop turn go out in one write, as Redis writes a
   * replica's buffer once before it sleeps: each shard's batch is a chunk,
   * and a write per chunk cost the primary more than its commands did.
   */
  send(buf: Buffer): void {
    if (this.closed) return;
    if (this.state !== "online" || this.streamOnAck) {
      this.pending.push(buf);
      this.pendingBytes += buf.length;
    } else {
      this.out.push(buf);
      this.outBytes += buf.length;
      if (this.out.length === 1) setImmediate(() => this.flush());
    }
    this.checkLimit();
  }

  /** Writes what {@link send} gathered this turn. */
  flush(): void {
    const q = this.out;
    const n = this.outBytes;
    if (q.length === 0) return;
    this.out = [];
    this.outBytes = 0;
    // One copy into one buffer costs less than a writev of many small ones.
    if (!this.closed) this.port.write(q.length === 1 ? q[0]! : Buffer.concat(q, n));
  }

  /**
   * The RDB is sent: what waited goes out, and the stream follows. After an
   * EOF-marked RDB (`holdUntilAck`) they wait for the replica's first ACK
   * instead (Redis' repl_start_cmd_stream_on_ack): the replica finds the
   * RDB's end by its last 40 bytes, and stream bytes glued to them in one
   * read would hide the mark.
   */
  goOnline(holdUntilAck = false): void {
    this.state = "online";
    this.ackTime = Date.now();
    this.streamOnAck = holdUntilAck;
    if (!holdUntilAck) this.startStream();
    this.checkLimit();
  }

  /** The replica ACKed after an EOF-marked RDB: the stream held since starts ({@link goOnline}). */
  onFirstAck(): void {
    if (!this.streamOnAck) return;
    this.streamOnAck = false;
    this.startStream();
  }

  private startStream(): void {
    const q = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (q.length > 0 && !this.closed) this.port.writeMany(q);
  }

  /** Redis' checkClientOutputBufferLimits for the replica class: over the hard limit, or the soft one for long enough, drops it. */
  checkLimit(): boolean {
    const lim = this.inst.config.get("client-output-buffer-limit").replica;
    const bytes = this.port.buffered + this.pendingBytes + this.outBytes;
    let over: string | null = null;
    if (lim.hard > 0 && bytes >= lim.hard) over = "hard";
    else if (lim.soft > 0 && bytes >= lim.soft) {
      const now = Date.now();
      if (this.softSince === 0) this.softSince = now;
      else if (now - this.softSince >= lim.softSeconds * 1000) over = "soft";
    } else this.softSince = 0;
    if (over === null) return true;
    this.inst.stats.outputLimitDisconnections++;
    this.drop(`client-output-buffer-limit replica (${over}): ${bytes} bytes`);
    return false;
  }

  /** Closes the link (its connection ends with it). */
  drop(why: string): void {
    if (this.closed) return;
    log(this.conn, "warning", `Connection with replica ${this.ip}:${this.hello.listeningPort} lost: ${why}`);
    this.closed = true;
    detach(this.inst, this);
    this.port.kill(why);
  }
}

/** A WAIT in progress: the client's slot, the offset to reach, how many replicas. */
export class WaitRequest {
  constructor(
    readonly conn: Proc,
    readonly seq: number,
    readonly offset: number,
    readonly replicas: number,
    readonly deadline: number,
  ) {}
}

/** The primary's replication state of one instance. */
export class PrimaryState {
  readonly links: ReplicaLink[] = [];
  /** Chunks fed and not yet sent (the AOF has not written them yet), in stream order. */
  readonly queue: StreamChunk[] = [];
  readonly waits: WaitRequest[] = [];
  /** WAIT asked for ACKs: REPLCONF GETACK goes out before the next sleep (Redis' get_ack_from_slaves). */
  getAck = false;
  lastPing = Date.now();
  /** Since when no replica is attached to this primary (Redis' repl_no_slaves_since), for repl-backlog-ttl. */
  noReplicasSince = Date.now();
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /** Replicas that ACKed within min-replicas-max-lag (Redis' repl_good_slaves_count). */
  goodReplicas = 0;
  /** Replicas that SYNCed since start: the first creates the backlog with a new id. */
  everHadReplicas = false;
  /** Inside a transaction's unit ({@link StreamUnit}): its text so far and how many commands. */
  unitDepth = 0;
  unitText = "";
  unitCommands = 0;
}

const STATES = new WeakMap<KvInstance, PrimaryState>();

/** The instance's primary state (created on first use). */
export function primaryState(inst: KvInstance): PrimaryState {
  let s = STATES.get(inst);
  if (s === undefined) STATES.set(inst, (s = new PrimaryState()));
  return s;
}

/** What each connection said with REPLCONF before SYNC/PSYNC. */
const HELLOS = new WeakMap<Proc, ReplicaHello>();

/** The REPLCONF state of a connection (created on first use). */
export function helloOf(conn: Proc): ReplicaHello {
  let h = HELLOS.get(conn);
  if (h === undefined) HELLOS.set(conn, (h = new ReplicaHello()));
  return h;
}

/** The link of a connection that is a replica, or undefined. */
export function linkOf(inst: KvInstance, conn: Proc): ReplicaLink | undefined {
  return STATES.get(inst)?.links.find((l) => l.conn === conn);
}

function log(p: Proc, level: "notice" | "warning", text: string): void {
  p.rt.logger({ level, what: "kv_repl", text });
}

const MULTI = encodeCommand(["MULTI"]);
const EXEC = encodeCommand(["EXEC"]);
const PING = encodeCommand(["PING"]);
const GETACK = encodeCommand(["REPLCONF", "GETACK", "*"]);

/**
 * The writer's records of one AofAppend, into the stream: nothing unless a
 * backlog exists (no replica ever attached) or this server is a replica (its
 * primary's stream is passed on verbatim instead: {@link feedVerbatim}).
 * Returns the chunk (the writer marks it ready once written), or null.
 */
export function feedAppend(inst: KvInstance, a: StreamSource): StreamChunk | null {
  const repl = inst.repl;
  if (repl.backlog === null || a.records.length === 0 || repl.primary !== null) return null;
  const ps = primaryState(inst);
  // Encoded as bytes at once: a string built by concatenation cost more than the command itself (Buffer.from flattens it).
  const w = streamWriter;
  let commands = 0;
  const inUnit = ps.unitDepth > 0;
  // Commands as their client sent them are these bytes already: copied rather than encoded again, and a run of
  // them that lay side by side in the client's input in one copy (a JS byte loop costs ~15 instructions a byte,
  // a native copy ~600 whatever its length).
  let run: Uint8Array | null = null;
  let runStart = 0;
  let runEnd = 0;
  for (const r of a.records) {
    const argv = forReplicas(r.argv);
    if (argv === null) continue;
    const raw = r.raw;
    if (raw !== undefined && argv === r.argv && r.db === repl.streamDb) {
      if (raw === run && r.rawStart === runEnd) runEnd = r.rawEnd!;
      else {
        if (run !== null) w.bytes(run, runStart, runEnd);
        run = raw;
        runStart = r.rawStart!;
        runEnd = r.rawEnd!;
      }
      commands++;
      continue;
    }
    if (run !== null) {
      w.bytes(run, runStart, runEnd);
      run = null;
    }
    // A script's records come wrapped already; Redis selects inside the MULTI, and never nests one in a transaction.
    if (argv.length === 1 && (argv[0] === "MULTI" || argv[0] === "EXEC")) {
      if (!inUnit) w.command(argv);
      continue;
    }
    if (r.db !== repl.streamDb) {
      repl.streamDb = r.db;
      w.command(["SELECT", String(r.db)]);
    }
    if (raw !== undefined && argv === r.argv) {
      run = raw;
      runStart = r.rawStart!;
      runEnd = r.rawEnd!;
    } else w.command(argv);
    commands++;
  }
  if (run !== null) w.bytes(run, runStart, runEnd);
  if (w.length === 0) return null;
  const buf = w.take();
  if (inUnit) {
    ps.unitText += buf.toString("latin1");
    ps.unitCommands += commands;
    return null;
  }
  return push(inst, ps, buf);
}

/** The stream's encoder (feedAppend takes all it wrote before returning, so one serves every instance). */
const streamWriter = new RespWriter(2);

/**
 * Agner's own AOF records as Redis replicas understand them: the memcached
 * flags record is dropped (Redis has no place for them), a per-shard flush
 * or SWAPDB is the command itself, once (shard 0's record).
 */
function forReplicas(argv: readonly string[]): readonly string[] | null {
  const name = argv[0]!;
  if (name.length < 12 || name.charCodeAt(5) !== 46 /* . */) return argv;
  if (name === MCFLAGS) return null;
  if (name === FLUSHSHARD) return argv[1] !== "0" ? null : argv[3] === "ALL" ? ["FLUSHALL"] : ["FLUSHDB"];
  if (name === SWAPDBSHARD) return argv[1] !== "0" ? null : ["SWAPDB", argv[3]!, argv[4]!];
  return argv;
}

/**
 * Appends bytes to this server's stream and sends them to its replicas:
 * a replica passes its primary's stream on with it, verbatim (so offsets
 * stay equal along a chain and after a promotion).
 */
export function feedVerbatim(inst: KvInstance, bytes: Uint8Array): void {
  if (bytes.length === 0) return;
  const ps = primaryState(inst);
  const c = push(inst, ps, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  releaseChunk(inst, c);
}

function push(inst: KvInstance, ps: PrimaryState, buf: Buffer): StreamChunk {
  inst.repl.feed(buf);
  const c = new StreamChunk(buf, inst.repl.offset);
  ps.queue.push(c);
  return c;
}

/** A chunk may go to replicas (the AOF wrote it, or there is none): sends every ready chunk at the head of the queue. */
export function releaseChunk(inst: KvInstance, c: StreamChunk): void {
  c.ready = true;
  const ps = primaryState(inst);
  const q = ps.queue;
  let n = 0;
  while (n < q.length && q[n]!.ready) {
    const chunk = q[n++]!;
    // Backwards: a link over its output limit drops out of the list as it is sent to.
    const links = ps.links;
    for (let i = links.length - 1; i >= 0; i--) {
      const l = links[i]!;
      if (chunk.end > l.startOffset) l.send(chunk.buf);
    }
  }
  if (n > 0) q.splice(0, n);
}

/**
 * A replica asks to sync and no backlog exists yet: Redis' createReplicationBacklog.
 * Without a replica before, the history starts anew (a new id, no replid2).
 */
export function startStreaming(inst: KvInstance): void {
  const repl = inst.repl;
  const ps = primaryState(inst);
  if (repl.backlog === null) {
    if (!ps.everHadReplicas && repl.primary === null) {
      repl.replid = newReplId();
      repl.replid2 = NO_REPLID;
      repl.secondOffset = -1;
    }
    repl.ensureBacklog(inst.config.get("repl-backlog-size"));
    inst.updateLogsWrites();
  }
  ps.everHadReplicas = true;
}

/** Adds a replica link (its connection's exit removes it). */
export function attach(inst: KvInstance, link: ReplicaLink): void {
  const ps = primaryState(inst);
  ps.links.push(link);
  // First of the connection's exit hooks: this turn's stream bytes are written before its socket closes.
  (link.conn.x().onExit ??= []).unshift(() => {
    link.flush();
    link.closed = true;
    detach(inst, link);
  });
}

function detach(inst: KvInstance, link: ReplicaLink): void {
  const ps = primaryState(inst);
  const i = ps.links.indexOf(link);
  if (i >= 0) ps.links.splice(i, 1);
  refreshGoodReplicas(inst, Date.now());
}

/** REPLCONF ACK from a replica: its offset, for WAIT and INFO. */
export function onAck(inst: KvInstance, link: ReplicaLink, offset: number): void {
  link.onFirstAck();
  if (offset > link.ackOffset) link.ackOffset = offset;
  link.ackTime = Date.now();
  checkWaits(inst, Date.now());
}

/** Online replicas that acknowledged `offset` or more (Redis' replicationCountAcksByOffset). */
export function acksAt(inst: KvInstance, offset: number): number {
  let n = 0;
  for (const l of primaryState(inst).links) if (l.state === "online" && l.ackOffset >= offset) n++;
  return n;
}

/** Answers the WAITs that have their ACKs, or whose time is up. */
export function checkWaits(inst: KvInstance, now: number): void {
  const ps = primaryState(inst);
  if (ps.waits.length === 0) return;
  for (let i = 0; i < ps.waits.length; ) {
    const w = ps.waits[i]!;
    const n = acksAt(inst, w.offset);
    if (n >= w.replicas || (w.deadline > 0 && now >= w.deadline)) {
      ps.waits.splice(i, 1);
      w.conn.rt.deliver(w.conn, new AsyncDone(w.seq, n));
    } else i++;
  }
}

/** Asks every online replica for its offset now (WAIT). */
export function requestAcks(inst: KvInstance): void {
  const ps = primaryState(inst);
  if (!ps.getAck) return;
  ps.getAck = false;
  if (ps.links.length === 0) return;
  // Part of the stream (it moves the offset), as Redis' replicationRequestAckFromSlaves.
  const c = push(inst, ps, Buffer.from(GETACK, "latin1"));
  releaseChunk(inst, c);
}

const NOREPLICAS = new ErrorReply("NOREPLICAS Not enough good replicas to write.");

/** Redis' refreshGoodSlavesCount, and the refusal of writes it implies (min-replicas-to-write). */
export function refreshGoodReplicas(inst: KvInstance, now: number): void {
  const ps = primaryState(inst);
  const cfg = inst.config;
  const min = cfg.get("min-replicas-to-write");
  const maxLag = cfg.get("min-replicas-max-lag");
  let good = 0;
  for (const l of ps.links) if (l.state === "online" && Math.floor((now - l.ackTime) / 1000) <= maxLag) good++;
  ps.goodReplicas = good;
  inst.replRefusal = min > 0 && maxLag > 0 && good < min && inst.repl.primary === null ? NOREPLICAS : null;
}

/**
 * Every cron tick: PINGs into the stream every repl-ping-replica-period
 * seconds, drops online replicas silent for repl-timeout, times WAITs out,
 * sends the GETACK a WAIT asked for, and refreshes the good replicas.
 */
export function replicationCron(inst: KvInstance, now: number): void {
  freeIdleBacklog(inst, now);
  const ps = STATES.get(inst);
  if (ps === undefined) {
    if (inst.config.get("min-replicas-to-write") > 0) refreshGoodReplicas(inst, now);
    return;
  }
  requestAcks(inst);
  const cfg = inst.config;
  if (now - ps.lastPing >= cfg.get("repl-ping-replica-period") * 1000) {
    ps.lastPing = now;
    // A replica passes its primary's PINGs on instead (Redis pings only from the top of a chain).
    if (ps.links.length > 0 && inst.repl.primary === null) {
      const c = push(inst, ps, Buffer.from(PING, "latin1"));
      releaseChunk(inst, c);
    }
  }
  const timeout = cfg.get("repl-timeout") * 1000;
  for (const l of [...ps.links]) {
    if (l.state === "online" && now - l.ackTime > timeout) l.drop("timeout: no REPLCONF ACK within repl-timeout");
    else l.checkLimit();
  }
  checkWaits(inst, now);
  refreshGoodReplicas(inst, now);
}

/**
 * repl-backlog-ttl: a primary without replicas for that many seconds frees
 * its backlog and starts a new history (Redis' replicationCron), so a
 * replica that comes back syncs in full. A replica keeps its backlog (it
 * may be promoted); 0 keeps it forever.
 */
function freeIdleBacklog(inst: KvInstance, now: number): void {
  const repl = inst.repl;
  if (repl.backlog === null) return;
  const ps = primaryState(inst);
  if (repl.primary !== null || ps.links.length > 0) {
    ps.noReplicasSince = now;
    return;
  }
  const ttl = inst.config.get("repl-backlog-ttl");
  if (ttl === 0 || now - ps.noReplicasSince <= ttl * 1000) return;
  repl.replid = newReplId();
  repl.replid2 = NO_REPLID;
  repl.secondOffset = -1;
  repl.backlog = null;
  inst.updateLogsWrites();
  if (current !== null) log(current, "notice", `Replication backlog freed after ${ttl} seconds without connected replicas.`);
}
