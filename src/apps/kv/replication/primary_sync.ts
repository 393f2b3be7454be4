/**
 * SYNC and PSYNC on the primary (Redis' syncCommand and
 * masterTryPartialResynchronization):
 *
 * - partial: `PSYNC <replid> <offset>` naming this history (or the one
 *   before a promotion, up to where it forked) with the backlog still
 *   holding `offset`: `+CONTINUE <replid>` (`+CONTINUE` to a replica
 *   without `capa psync2`), the backlog from `offset`, then the live stream;
 * - full, disk-less: a process of its own locks the shards one by one,
 *   ascending, each taking a copy-on-write snapshot (rdb/rdb_snapshot.ts, as
 *   BGSAVE), then sends the writer a {@link StreamCut}: the writer takes the
 *   stream's offset at that point of its mailbox, which is the snapshot's
 *   instant, and from then on the link keeps the stream for the replica. The
 *   shards are unlocked and serve while the RDB is encoded and sent:
 *   `+FULLRESYNC <replid> <offset>`, then the RDB as `$EOF:<40 bytes>` ...
 *   `<the same 40 bytes>` to a replica that said `capa eof`, else as
 *   `$<length>` (legacy SYNC: no +FULLRESYNC line), then what the stream
 *   gathered meanwhile, then the live stream.
 */
import { randomBytes } from "node:crypto";
import { current } from "../../../runtime/current.js";
import { spawn } from "../../../runtime/erlang.js";
import { after, receive, sleep } from "../../../runtime/receive.js";
import { type Proc } from "../../../runtime/process.js";
import type { KvInstance } from "../server/instance.js";
import type { Session } from "../server/session.js";
import { step, unlockAll } from "../server/txn.js";
import { type RdbDbSource, type RdbReplInfo, rdbChunks } from "../rdb/rdb_file.js";
import { type ShardSnapshot, takeSnapshot } from "../rdb/rdb_snapshot.js";
import { parseInt64 } from "../commands/numbers.js";
import { NOT_AN_INTEGER } from "../commands/shared.js";
import { ErrorReply, OK, type Reply } from "../resp/reply.js";
import { ReplicaLink, StreamCut, StreamCutDone, attach, helloOf, linkOf, primaryState, startStreaming } from "./primary.js";

/** How long a full sync waits for the writer to take its cut before it gives up (the writer is restarting). */
const CUT_TIMEOUT_MS = 10_000;
/** Bytes waiting in the replica's socket above which the RDB's sender waits for it to drain. */
const SEND_WINDOW = 4 * 1024 * 1024;

/**
 * SYNC / PSYNC: the connection becomes a replica link. Its own reply is
 * dropped: what the replica reads from now on is written by the link.
 */
export function syncCommand(c: Session, seq: number, argv: readonly string[]): Reply {
  // From here the connection is a replica's (CLIENT LIST / KILL TYPE replica; Redis' CLIENT_SLAVE).
  c.row.replica = true;
  const inst = c.inst;
  // A replica asking again is ignored, as Redis does.
  if (linkOf(inst, c.self) !== undefined) return silent(c, seq);
  const up = inst.repl.primary;
  if (up !== null && up.state !== "connected") return new ErrorReply("NOMASTERLINK Can't SYNC while not connected with my master");
  if (c.inFlight() > 0) return new ErrorReply("ERR SYNC and PSYNC are invalid with pending output");
  const psync = argv.length === 3;
  const ps = primaryState(inst);
  const hello = helloOf(c.self);
  if (psync) {
    const offset = parseInt64(argv[2]!);
    if (offset === null) return NOT_AN_INTEGER;
    const d = inst.repl.tryPartial(argv[1]!, Number(offset));
    if (d.kind === "continue") {
      ps.syncPartialOk++;
      const link = new ReplicaLink(inst, c.self, c.port, hello, peerIp(c.port.remote));
      link.state = "send_bulk";
      link.startOffset = inst.repl.offset;
      attach(inst, link);
      link.ackOffset = Number(offset);
      // Before the backlog, and before any stream that comes meanwhile; written once this turn's replies are out.
      link.pending.push(Buffer.from(hello.capaPsync2 ? `+CONTINUE ${inst.repl.replid}\r\n` : "+CONTINUE\r\n", "latin1"), d.backlog);
      link.pendingBytes += d.backlog.length;
      setImmediate(() => link.goOnline());
      log(c.self, `Partial resynchronization request from ${link.ip}:${hello.listeningPort} accepted. Sending ${d.backlog.length} bytes of backlog starting from offset ${offset}.`);
      return silent(c, seq);
    }
    if (argv[1] !== "?") ps.syncPartialErr++;
  }
  startStreaming(inst);
  ps.syncFull++;
  const link = new ReplicaLink(inst, c.self, c.port, hello, peerIp(c.port.remote));
  attach(inst, link);
  const eof = psync && hello.capaEof;
  spawn(function* () {
    yield* fullSync(inst, link, psync, eof);
  });
  return silent(c, seq);
}

/** The command's own reply is not written (the link writes the replica's). */
function silent(c: Session, seq: number): Reply {
  c.silence(seq, true);
  return OK;
}

function peerIp(remote: string): string {
  const i = remote.lastIndexOf(":");
  const ip = i < 0 ? remote : remote.slice(0, i);
  return ip.startsWith("::ffff:") ? ip.slice(7) : ip;
}

function log(p: Proc, text: string, level: "notice" | "warning" = "notice"): void {
  p.rt.logger({ level, what: "kv_repl", text });
}

/**
 * Where this primary's stream is at a snapshot taken now, every shard held
 * (Redis' rdbPopulateSaveInfo on a master with a backlog): the writer
 * answers once it has fed every write sent before the cut. Null without a
 * backlog, on a replica (replica_control.ts has its own), or when the
 * writer does not answer: the file then names no place, and its replicas
 * sync in full after a restart.
 */
export function* primarySaveInfo(inst: KvInstance): Generator<unknown, RdbReplInfo | null, unknown> {
  if (inst.repl.primary !== null || inst.repl.backlog === null) return null;
  const self = current! as Proc;
  const w = self.rt.whereis(inst.names.writer);
  if (w === undefined) return null;
  w.rt.deliver(w, new StreamCut(self, null));
  const m = yield* receive((x: unknown): x is StreamCutDone => x instanceof StreamCutDone && x.link === null, after(CUT_TIMEOUT_MS, () => null));
  if (m === null) return null;
  const done = m as StreamCutDone;
  // The next write selects anyway: 0 lets a restarted replica take the place (rdb.c's comment on slaveseldb -1).
  return { replid: inst.repl.replid, offset: done.offset, streamDb: done.streamDb === -1 ? 0 : done.streamDb };
}

function* fullSync(inst: KvInstance, link: ReplicaLink, psync: boolean, eof: boolean): Generator<unknown, void, unknown> {
  const self = current! as Proc;
  const snaps: ShardSnapshot[] = [];
  try {
    // 1. The cut: every shard's snapshot, and the stream's offset at the same instant.
    const locked: number[] = [];
    let offset = -1;
    try {
      for (let i = 0; i < inst.shardCount; i++) {
        snaps.push(yield* step(inst, i, 0, (s) => takeSnapshot(s.keyspace), "lock"));
        locked.push(i);
      }
      const w = self.rt.whereis(inst.names.writer);
      if (w === undefined) throw new Error("the persistence writer is restarting");
      w.rt.deliver(w, new StreamCut(self, link));
      const m = yield* receive((x: unknown): x is StreamCutDone => x instanceof StreamCutDone && x.link === link, after(CUT_TIMEOUT_MS, () => null));
      if (m === null) throw new Error("the persistence writer did not take the cut");
      offset = (m as StreamCutDone).offset;
    } finally {
      yield* unlockAll(inst, locked);
    }
    if (link.closed) return;
    log(self, `Starting a disk-less full sync for replica ${link.ip}:${link.hello.listeningPort} at offset ${offset} (${eof ? "EOF-marked" : "length-prefixed"} RDB)`);
    // 2. The RDB, while the shards serve; the stream waits in the link meanwhile.
    const port = link.port;
    if (psync) port.write(Buffer.from(`+FULLRESYNC ${inst.repl.replid} ${offset}\r\n`, "latin1"));
    const cfg = inst.config;
    const delay = cfg.get("rdb-key-save-delay");
    const sources: RdbDbSource[] = [];
    for (const s of snaps) for (const d of s.dbs) sources.push(d);
    let used = 0;
    for (const ks of inst.keyspaces) used += ks.usedMemory();
    // The stream's place, as Redis puts it in a replica's RDB too (its first record selects: repl-stream-db 0).
    const repl = { replid: inst.repl.replid, offset, streamDb: 0 };
    const chunks = rdbChunks({ ctime: Math.floor(Date.now() / 1000), usedMem: used, aofBase: false, repl }, inst.scripting.functions.codes(), sources, {
      compress: cfg.get("rdbcompression"),
      checksum: cfg.get("rdbchecksum"),
      chunkBytes: delay > 0 ? 1 : 1 << 16,
    });
    if (eof) {
      const mark = randomBytes(20).toString("hex");
      port.write(Buffer.from(`$EOF:${mark}\r\n`, "latin1"));
      for (const chunk of chunks) {
        if (delay > 0) yield* sleep(Math.max(1, Math.round(delay / 1000)));
        if (link.closed) return;
        port.write(chunk);
        while (port.buffered > SEND_WINDOW && !link.closed) yield* sleep(1);
      }
      port.write(Buffer.from(mark, "latin1"));
    } else {
      // The length goes first: the whole file is made before any of it is sent.
      const all: Buffer[] = [];
      let total = 0;
      for (const chunk of chunks) {
        if (delay > 0) yield* sleep(Math.max(1, Math.round(delay / 1000)));
        if (link.closed) return;
        all.push(chunk);
        total += chunk.length;
      }
      port.writeMany([Buffer.from(`$${total}\r\n`, "latin1"), ...all]);
    }
    if (link.closed) return;
    // 3. What the stream gathered since the cut, then the stream itself (after an EOF-marked RDB, once the replica ACKs).
    link.goOnline(eof);
    log(self, `Synchronization with replica ${link.ip}:${link.hello.listeningPort} succeeded`);
  } catch (e) {
    link.drop(`full sync failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    for (const s of snaps) s.release();
  }
}
