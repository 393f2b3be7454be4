/**
 * The replica link: the process that keeps this server a replica of its
 * primary, as Redis' replication.c does on a replica (connectWithMaster,
 * syncWithMaster, readSyncBulkPayload, the master client, replicationCron).
 * It runs under the root supervisor as `<prefix>_replica` and idles while
 * the server is a primary.
 *
 * - **Handshake**: PING, then AUTH (masterauth, masteruser), REPLCONF
 *   listening-port and REPLCONF capa eof capa psync2 pipelined, then PSYNC
 *   with this server's replication id and offset + 1 (its own history, as
 *   Redis' cached master: a former primary continues from where it is), or
 *   `PSYNC ? -1` once its data is not known to match an offset.
 * - **Full sync** (`+FULLRESYNC id offset`): the RDB from the socket, both
 *   forms (replica_stream.ts), loaded into fresh keyspaces and swapped in
 *   (replica_load.ts); the append-only file is rewritten from the new data
 *   (Redis restarts its AOF after a sync).
 * - **Stream**: each command goes, in order, to the master client: a
 *   connection process (connection.ts) fed commands instead of a socket,
 *   flagged `master` (past replica-read-only; keys not expired for it), its
 *   replies dropped. The bytes go verbatim to this server's replication
 *   stream ({@link feedStream}), so its offset is its primary's.
 * - **ACKs**: `REPLCONF ACK <offset>` every second and on `REPLCONF GETACK`,
 *   the offset being what the master client has applied (a barrier behind
 *   the commands, connection.ts' ReplBarrier).
 * - **Drops**: a closed socket, bad bytes (ReplStreamError, an RDB that does
 *   not load), `repl-timeout` without a byte: the link closes with a logged
 *   reason and reconnects a second later with PSYNC, for `+CONTINUE`. The
 *   master client outlives the link (and a restart of this process); if it
 *   dies with commands in flight, the next sync is full.
 */
import net from "node:net";
import { type Atom } from "../../../term/atom.js";
import { Tuple, t } from "../../../term/tuple.js";
import { DOWN, OK } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { demonitor, exit, monitor, register, sendAfter } from "../../../runtime/erlang.js";
import { _ } from "../../../runtime/pattern.js";
import { type Proc } from "../../../runtime/process.js";
import { receive, sleep } from "../../../runtime/receive.js";
import { type Ref } from "../../../term/identifiers.js";
import { inspect } from "../../../term/inspect.js";
import { call } from "../../../otp/gen.js";
import { GenServer } from "../../../otp/gen_server.js";
import { DynamicSupervisor } from "../../../otp/dynamic_supervisor.js";
import { type StartOp, start as procStart } from "../../../otp/proc_lib.js";
import { type ChildSpec } from "../../../otp/supervisor.js";
import { Connection } from "../server/connection.js";
import { type KvInstance } from "../server/instance.js";
import { ReplApplied, ReplBarrier, ReplCommands } from "../server/messages.js";
import { type Port } from "../server/socket_port.js";
import { REWRITE } from "../aof/persistence.js";
import { RdbFileError } from "../rdb/rdb_file.js";
import { RdbDatabaseError } from "../aof/rdb_load.js";
import { ErrorReply } from "../resp/reply.js";
import { LinkView, ReplicaOfChanged, replicaControl, setPrimary } from "./replica_control.js";
import { loadFresh, swapIn } from "./replica_load.js";
import { ReplStreamError, ReplicaStream, type ReplicaEvent } from "./replica_stream.js";
import { feedVerbatim } from "./primary.js";

/**
 * This server's replication stream gets bytes its primary sent, verbatim
 * (the one place they enter it): its backlog, and its own replicas (a
 * chain), so offsets are equal all along and after a promotion.
 */
function feedStream(inst: KvInstance, bytes: Buffer): void {
  feedVerbatim(inst, bytes);
}

/** The link's child spec for the root supervisor. */
export function replicaLinkSpec(inst: KvInstance): ChildSpec {
  return { id: "replica", start: () => startReplicaLink(inst) };
}

function startReplicaLink(inst: KvInstance): StartOp {
  return procStart((ack) => linkMain(inst, ack), { link: true });
}

/** A socket event, tagged with the socket it is about (older sockets' events are dropped). */
class Sock {
  constructor(
    readonly id: number,
    readonly kind: "connected" | "data" | "closed",
    readonly data: Buffer | null = null,
    readonly why = "",
  ) {}
}
class Reconnect {
  constructor(readonly gen: number) {}
}
class Tick {
  private constructor() {}
  static readonly instance = new Tick();
}
/** From the master client's port: stop / resume reading the primary (the master client is behind). */
class Throttle {
  constructor(readonly paused: boolean) {}
}

type Step = "ping" | "auth" | "port" | "capa" | "psync";

/** The barrier offset that ends the master client after a promotion. */
const RETIRE = -1;

function* linkMain(inst: KvInstance, ack: (r: never) => void): Generator<unknown, void, unknown> {
  const self = current!;
  register(inst.names.replica, self);
  const link = new Link(inst, self);
  (self.x().onExit ??= []).push(() => link.closeSocket());
  ack(t(OK, self) as never);
  const c = replicaControl(inst.repl);
  const configured = inst.config.get("replicaof");
  // The directive counts until the first REPLICAOF (a restarted link must not undo a promotion).
  if (c.gen === 0 && configured !== null) setPrimary(inst.repl, configured, inst.names.replica);
  link.adoptMaster();
  link.retarget();
  sendAfter(1000, self, Tick.instance);
  for (;;) yield* link.handle(yield* receive(_));
}

function wire(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, "latin1")}\r\n${a}\r\n`;
  return s;
}

class Link {
  private sock: net.Socket | null = null;
  private sockId = 0;
  /** The REPLICAOF generation this link works for. */
  private gen = -1;
  private decoder: ReplicaStream | null = null;
  private expect: Step[] = [];
  /** +FULLRESYNC's id and offset, until the payload is loaded. */
  private full: { replid: string; offset: number } | null = null;
  /** Stream offset where the decoder's stream starts. */
  private base = 0;
  /** The stream offset of the last command given to the master client. */
  private handed = 0;
  private masterMon: Ref | null = null;
  /** When the socket was opened (for repl-timeout before any byte). */
  private openedAt = 0;
  /** The master client being ended after a promotion, once it applied what it had. */
  private retired: Proc | null = null;

  constructor(
    readonly inst: KvInstance,
    readonly self: Proc,
  ) {}

  private get control() {
    return replicaControl(this.inst.repl);
  }

  private get view(): LinkView | null {
    const p = this.inst.repl.primary;
    return p instanceof LinkView ? p : null;
  }

  private log(level: "notice" | "warning", text: string): void {
    this.self.rt.logger({ level, what: "kv_replica", text });
  }

  *handle(m: unknown): Generator<unknown, void, unknown> {
    if (m === ReplicaOfChanged.instance) return this.retarget();
    if (m instanceof Sock) {
      // REPLICAOF came after these bytes were read: they are for the old target.
      if (this.control.gen !== this.gen) return this.retarget();
      if (m.id !== this.sockId || this.sock === null) return;
      if (m.kind === "connected") return this.onConnected();
      if (m.kind === "closed") return this.drop(m.why);
      return yield* this.onData(m.data!);
    }
    if (m instanceof ReplApplied) return this.onApplied(m.offset);
    if (m === Tick.instance) {
      sendAfter(1000, this.self, Tick.instance);
      return this.tick();
    }
    if (m instanceof Reconnect) {
      if (m.gen === this.gen && this.sock === null && this.control.target !== null) this.connect();
      return;
    }
    if (m instanceof Throttle) {
      if (m.paused) this.sock?.pause();
      else this.sock?.resume();
      return;
    }
    if (m instanceof Tuple && m[0] === DOWN && m[1] === this.masterMon) return this.onMasterDown(m[3] as Proc);
  }

  /**
   * The master client ended (CLIENT KILL TYPE master, a crash). With
   * everything it was given applied, the data is at the offset: the link
   * continues partially, the next master client in the same database (as
   * Redis' cached master). Otherwise the data matches no offset: full sync.
   */
  private onMasterDown(pid: Proc): void {
    const c = this.control;
    this.masterMon = null;
    c.master = null;
    if (pid === this.retired) {
      this.retired = null;
      return;
    }
    const v = this.view;
    if (v !== null && v.processedOffset === this.inst.repl.offset) c.resumeDb = this.inst.rowOf.get(pid)?.db ?? 0;
    else c.forceFull = true;
    if (this.sock !== null) this.drop("the master client exited");
  }

  /** A master client that outlived the previous link process: this one watches it. */
  adoptMaster(): void {
    const m = this.control.master;
    if (m !== null) this.masterMon = monitor(m);
  }

  /** REPLICAOF changed (or the link starts): drop the socket, connect to the new target if any. */
  retarget(): void {
    const c = this.control;
    if (c.gen === this.gen) return;
    this.gen = c.gen;
    if (this.sock !== null) this.closeSocket();
    if (c.target !== null) this.connect();
    // Promoted: the master client goes once it has applied what it was given (their bytes are in the history already).
    else if (c.master !== null) this.barrier(RETIRE);
  }

  closeSocket(): void {
    const s = this.sock;
    this.sock = null;
    this.sockId++;
    this.decoder = null;
    this.expect = [];
    this.full = null;
    s?.destroy();
  }

  private connect(): void {
    const target = this.control.target!;
    const id = ++this.sockId;
    const rt = this.self.rt;
    const self = this.self;
    const sock = net.connect({ host: target.host, port: target.port });
    sock.setNoDelay(true);
    sock.on("connect", () => rt.deliver(self, new Sock(id, "connected")));
    sock.on("data", (d: Buffer) => rt.deliver(self, new Sock(id, "data", d)));
    sock.on("error", (e: NodeJS.ErrnoException) => rt.deliver(self, new Sock(id, "closed", null, e.code ?? e.message)));
    sock.on("close", () => rt.deliver(self, new Sock(id, "closed", null, "connection lost")));
    this.sock = sock;
    this.openedAt = Date.now();
    const cfg = this.inst.config;
    this.decoder = new ReplicaStream({ maxBulkLen: Number(cfg.get("proto-max-bulk-len")), maxQueryBuffer: Number(cfg.get("client-query-buffer-limit")) });
    const v = this.view;
    if (v !== null) v.state = "connecting";
    this.log("notice", `Connecting to MASTER ${target.host}:${target.port}`);
  }

  private write(argv: readonly string[]): void {
    this.sock?.write(wire(argv), "latin1");
  }

  private onConnected(): void {
    this.log("notice", "MASTER <-> REPLICA sync started");
    this.write(["PING"]);
    this.expect = ["ping"];
  }

  /** The link failed or closed: log why, and try again in a second (Redis' replicationCron). */
  private drop(why: string): void {
    if (this.sock === null) return;
    this.log("warning", `Connection with master lost (${why}); reconnecting`);
    this.closeSocket();
    const v = this.view;
    if (v !== null) {
      v.state = "connect";
      v.syncing = null;
      if (v.downSince === 0) v.downSince = Date.now();
    }
    sendAfter(1000, this.self, new Reconnect(this.gen));
  }

  private *onData(data: Buffer): Generator<unknown, void, unknown> {
    const v = this.view;
    const now = Date.now();
    if (v !== null) v.lastIo = now;
    const d = this.decoder!;
    if (d.streaming) return this.onStream(d, data);
    let events: ReplicaEvent[];
    try {
      events = d.push(data);
    } catch (e) {
      if (e instanceof ReplStreamError) return this.drop(e.message);
      throw e;
    }
    if (v?.syncing != null) v.syncing = { total: v.syncing.total, read: d.rdbRead, lastIo: now };
    let cmds: string[][] = [];
    let fedTo = -1;
    for (const ev of events) {
      if (this.sock === null || this.decoder !== d) return; // dropped meanwhile
      switch (ev.kind) {
        case "line":
          yield* this.onLine(ev.text);
          break;
        case "rdb-begin":
          if (v !== null) v.syncing = { total: ev.total, read: 0, lastIo: now };
          break;
        case "rdb":
          yield* this.onPayload(ev.data);
          break;
        case "command": {
          const at = this.base + ev.end;
          if (isGetAck(ev.argv)) {
            // Redis answers with the offset before the GETACK itself.
            this.handOver(cmds);
            cmds = [];
            this.barrier(this.handed);
          } else cmds.push(ev.argv);
          this.handed = at;
          fedTo = ev.end;
          break;
        }
      }
    }
    if (fedTo >= 0 && this.decoder === d) {
      feedStream(this.inst, d.take(fedTo));
      this.handOver(cmds);
    }
  }

  /**
   * The stream's bytes, once synced (nearly every read): its commands go to
   * the master client as onData's loop gives them, without an event each
   * (an event and a step of the generator's loop per write cost ~200
   * instructions on a replica).
   */
  private onStream(d: ReplicaStream, data: Buffer): void {
    let n: number;
    try {
      n = d.streamCommands(data);
    } catch (e) {
      if (e instanceof ReplStreamError) return this.drop(e.message);
      throw e;
    }
    if (n === 0) return;
    const all = d.cmds;
    const ends = d.ends;
    let cmds: string[][] = [];
    for (let i = 0; i < n; i++) {
      const argv = all[i]!;
      if (isGetAck(argv)) {
        // Redis answers with the offset before the GETACK itself.
        this.handOver(cmds);
        if (this.sock === null) return; // dropped: nobody applies the stream
        cmds = [];
        this.barrier(this.handed);
      } else cmds.push(argv);
      this.handed = this.base + ends[i]!;
    }
    feedStream(this.inst, d.take(ends[n - 1]!));
    this.handOver(cmds);
  }

  private handOver(cmds: string[][]): void {
    if (cmds.length === 0) return;
    const m = this.control.master;
    if (m !== null) return m.rt.deliver(m, new ReplCommands(cmds));
    // Nobody to apply them: the data no longer matches the offset.
    this.control.forceFull = true;
    this.drop("no master client to apply the stream");
  }

  /** Asks the master client to tell us once everything before `offset` is applied. */
  private barrier(offset: number): void {
    const m = this.control.master;
    if (m !== null) m.rt.deliver(m, new ReplBarrier(this.self, offset));
  }

  private onApplied(offset: number): void {
    if (offset === RETIRE) {
      const m = this.control.master;
      if (m !== null && this.control.target === null) {
        this.retired = m;
        exit(m, "kill");
      }
      return;
    }
    const v = this.view;
    if (v !== null) v.processedOffset = Math.max(v.processedOffset, offset);
    if (v?.state === "connected") this.write(["REPLCONF", "ACK", String(offset)]);
  }

  private tick(): void {
    const v = this.view;
    if (this.sock === null || v === null) return;
    const timeout = this.inst.config.get("repl-timeout") * 1000;
    const last = Math.max(v.lastIo, this.openedAt);
    if (Date.now() - last > timeout) return this.drop(v.state === "connected" ? "MASTER timeout: no data nor PING received" : "timeout connecting to the MASTER");
    if (v.state === "connected") this.barrier(this.handed);
  }

  private *onLine(text: string): Generator<unknown, void, unknown> {
    const step = this.expect.shift();
    const err = text[0] === "-";
    switch (step) {
      case "ping":
        // An error about authentication is fine: AUTH comes next (Redis accepts these three).
        if (err && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(text)) return this.drop(`Error reply to PING from master: '${text}'`);
        return this.sendConf();
      case "auth":
        if (err) return this.drop(`Unable to AUTH to MASTER: ${text}`);
        return;
      case "port":
        if (err) this.log("notice", `(Non critical) Master does not understand REPLCONF listening-port: ${text}`);
        return;
      case "capa":
        if (err) this.log("notice", `(Non critical) Master does not understand REPLCONF capa: ${text}`);
        return this.sendPsync();
      case "psync":
        return yield* this.onPsyncReply(text);
      default:
        return this.drop(`unexpected reply from the primary: '${text.slice(0, 128)}'`);
    }
  }

  private sendConf(): void {
    const cfg = this.inst.config;
    const pass = cfg.get("masterauth");
    const user = cfg.get("masteruser");
    this.expect = [];
    if (pass !== "") {
      this.write(user !== "" ? ["AUTH", user, pass] : ["AUTH", pass]);
      this.expect.push("auth");
    }
    const announced = cfg.get("replica-announce-port");
    this.write(["REPLCONF", "listening-port", String(announced !== 0 ? announced : this.inst.port)]);
    this.write(["REPLCONF", "capa", "eof", "capa", "psync2"]);
    this.expect.push("port", "capa");
  }

  private sendPsync(): void {
    const c = this.control;
    const r = this.inst.repl;
    if (c.forceFull) this.write(["PSYNC", "?", "-1"]);
    else this.write(["PSYNC", r.replid, String(r.offset + 1)]);
    this.expect = ["psync"];
  }

  private *onPsyncReply(text: string): Generator<unknown, void, unknown> {
    const full = /^\+FULLRESYNC ([0-9a-zA-Z]{40}) (\d{1,18})$/.exec(text);
    if (full !== null) {
      this.full = { replid: full[1]!, offset: Number(full[2]) };
      const v = this.view;
      if (v !== null) v.state = "sync";
      this.log("notice", `Full resync from master: ${full[1]}:${full[2]}`);
      return;
    }
    const cont = /^\+CONTINUE(?: ([0-9a-zA-Z]{40}))?$/.exec(text);
    if (cont !== null) return yield* this.onContinue(cont[1]);
    if (text.startsWith("+FULLRESYNC") || text.startsWith("+CONTINUE")) return this.drop(`bad PSYNC reply '${text.slice(0, 128)}'`);
    // -NOMASTERLINK, -LOADING: the primary cannot serve now; anything else is an error. Either way, try again later.
    this.drop(`Unexpected reply to PSYNC from master: ${text.slice(0, 128)}`);
  }

  private *onContinue(newId: string | undefined): Generator<unknown, void, unknown> {
    const r = this.inst.repl;
    if (newId !== undefined && newId !== r.replid) {
      // The primary's history goes on under a new id (it was promoted): ours too, keeping the old one as the secondary.
      r.replid2 = r.replid;
      r.secondOffset = r.offset + 1;
      r.replid = newId;
      this.log("notice", `Master replication ID changed to ${newId}`);
    }
    this.log("notice", "Successful partial resynchronization with master.");
    if (this.control.master === null) yield* this.startMaster();
    this.online(r.offset);
  }

  /** The stream starts at `offset`. */
  private online(offset: number): void {
    this.inst.repl.ensureBacklog(Number(this.inst.config.get("repl-backlog-size")));
    this.base = offset;
    this.handed = offset;
    const v = this.view;
    if (v !== null) {
      v.state = "connected";
      v.syncing = null;
      v.downSince = 0;
      v.processedOffset = offset;
    }
  }

  /** The RDB payload is here: load it aside, swap it in, take the primary's id and offset, then the stream. */
  private *onPayload(payload: Buffer): Generator<unknown, void, unknown> {
    const full = this.full;
    if (full === null) return this.drop("an RDB payload without +FULLRESYNC");
    this.full = null;
    const d = this.decoder;
    let loaded;
    try {
      loaded = loadFresh(this.inst, payload);
    } catch (e) {
      if (e instanceof RdbFileError) return this.drop(`the RDB from the primary does not load (at byte ${e.offset}): ${e.reason}`);
      if (e instanceof RdbDatabaseError) return this.drop(`the RDB from the primary does not load: ${e.message}`);
      throw e;
    }
    yield* this.stopMaster();
    if (!(yield* swapIn(this.inst, loaded.keyspaces))) {
      this.control.forceFull = true;
      return this.drop("a shard exited while the synced data was swapped in");
    }
    this.control.forceFull = false;
    this.control.resumeDb = 0;
    this.inst.repl.adopt(full.replid, full.offset);
    // Promoted while the data was swapped in: the synced history becomes the secondary one, as if promoted right after.
    if (this.control.gen !== this.gen && this.control.target === null) this.inst.repl.shiftReplId();
    const form = this.view?.syncing?.total === -1 ? "EOF-marked" : "length-prefixed";
    this.log("notice", `MASTER <-> REPLICA sync: loaded ${loaded.counts.keys} keys (${payload.length} bytes, ${form} payload)`);
    yield* this.startMaster();
    if (this.inst.config.get("appendonly")) yield* this.rewriteAof();
    if (this.decoder !== d || this.sock === null) return;
    this.online(full.offset);
    // The first ACK puts this replica online on a disk-less primary.
    this.write(["REPLCONF", "ACK", String(full.offset)]);
  }

  /** The append-only file restarts from the synced data (Redis' stopAppendOnly/startAppendOnly after a sync). */
  private *rewriteAof(): Generator<unknown, void, unknown> {
    for (let i = 0; i < 600; i++) {
      let r: unknown;
      try {
        r = yield* call(this.inst.names.writer, REWRITE as never, 60_000);
      } catch (e) {
        return this.log("warning", `AOF rewrite after the sync failed: ${inspect(e)}`);
      }
      if (!(r instanceof ErrorReply)) return;
      if (!r.text.includes("in progress")) return this.log("warning", `AOF rewrite after the sync failed: ${r.text}`);
      yield* sleep(100);
    }
  }

  /** Ends the master client (a full sync replaces everything it was applying) and waits for it to be gone. */
  private *stopMaster(): Generator<unknown, void, unknown> {
    const c = this.control;
    const m = c.master;
    if (m === null) return;
    if (this.masterMon !== null) demonitor(this.masterMon, { flush: true });
    const mon = monitor(m);
    exit(m, "kill");
    yield* receive([DOWN, mon, _, _, _]);
    this.masterMon = null;
    c.master = null;
  }

  private *startMaster(): Generator<unknown, void, unknown> {
    const inst = this.inst;
    const sup = this.self.rt.whereis(inst.names.connSup);
    const target = this.control.target;
    if (sup === undefined || target === null) return;
    const remote = `${target.host}:${target.port}`;
    const r = yield* DynamicSupervisor.startChild(sup as Proc, {
      start: () => GenServer.startLink(new Connection(inst), { port: (owner: Proc) => new MasterPort(owner, inst.names.replica, remote) }).result(),
      restart: "temporary",
      shutdown: "brutal_kill",
    });
    if (!(Array.isArray(r) && r[0] === OK)) {
      this.log("warning", `could not start the master client: ${inspect(r)}`);
      this.control.forceFull = true;
      return;
    }
    const pid = r[1] as Proc;
    const row = inst.rowOf.get(pid);
    if (row !== undefined) {
      row.master = true;
      row.authenticated = true;
    }
    this.control.master = pid;
    this.masterMon = monitor(pid);
    const db = this.control.resumeDb;
    this.control.resumeDb = 0;
    if (db !== 0) pid.rt.deliver(pid, new ReplCommands([["SELECT", String(db)]]));
  }
}

function isGetAck(argv: readonly string[]): boolean {
  // The length first: lowering every command's name cost about 100 instructions a write.
  return argv.length >= 2 && argv[0]!.length === 8 && argv[0]!.toLowerCase() === "replconf" && argv[1]!.toLowerCase() === "getack";
}

/**
 * The master client's "socket": its input comes from the link as messages,
 * its replies go nowhere (a replica never answers its primary's commands),
 * and when it has too much in flight it asks the link to stop reading.
 */
class MasterPort implements Port {
  readonly local = "";
  readonly fd = -1;
  ended = false;
  paused = false;
  readonly buffered = 0;
  readonly discards = true;
  constructor(
    private readonly owner: Proc,
    /** The link's name: it may have restarted since. */
    private readonly link: Atom,
    readonly remote: string,
  ) {}
  write(): void {}
  writeText(): void {}
  writeMany(): void {}
  private tell(paused: boolean): void {
    this.paused = paused;
    const l = this.owner.rt.whereis(this.link);
    if (l !== undefined) l.rt.deliver(l as Proc, new Throttle(paused));
  }
  pause(): void {
    this.tell(true);
  }
  resume(): void {
    this.tell(false);
  }
  end(): void {
    this.kill("closed");
  }
  kill(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.owner.rt.deliver(this.owner, { kind: "socket", error: why });
  }
  close(): void {
    this.ended = true;
  }
}
