/**
 * One process per client connection (a temporary child of the connection
 * supervisor). It owns its socket, as an Erlang process owns its port: the
 * socket's reads arrive as messages, and when the process ends, however it
 * ends (`kill` included), the socket is closed.
 *
 * Per chunk of input it parses every complete command, runs the
 * connection-level ones itself and gives the rest to the shards: one
 * {@link Batch} per shard per chunk (a key's command to its shard,
 * multi-key commands split by shard and merged, keyless ones to every
 * shard). Every command takes a sequence number; replies are encoded in
 * that order whatever order the shards answer in, and written once no
 * reply is outstanding (or 64 KB are ready): one socket write per batch.
 * A large reply (or many) is written a chunk at a time as it is encoded
 * (see {@link CHUNK_BYTES}): never one string or Buffer of it all, and the
 * output limit is checked as it grows.
 *
 * A shard that dies does not lose the batches it had not run (a batch runs
 * whole or not at all): they go again, in order, to its successor.
 */
import { performance } from "node:perf_hooks";
import { CMD } from "../commands/command_table.js";
import type net from "node:net";
import { NORMAL } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { type Proc } from "../../../runtime/process.js";
import { GenServer, type NoReply, noreply, ok, stop } from "../../../otp/gen_server.js";
import { type CommandEntry, type ShardPart, checkCommand, lookupCommand, mergeAll, mergeSplit, scanReply, scanRoute } from "../commands/engine.js";
import { MonitorLine, called, partOf, rejected } from "./call_log.js";
import { PAUSE_OVER, pausedFor } from "./client_pause.js";
import { runConnectionCommand } from "./conn_commands.js";
import { aclDenial } from "./acl_check.js";
import { ClientRow, type KvInstance } from "./instance.js";
import { AsyncDone, BatchReply, KillClient, ReplApplied, ReplBarrier, ReplCommands } from "./messages.js";
import { replicaRefusal } from "../replication/replica_control.js";
import { SEVERAL_BUILT, ShardClient } from "./shard_client.js";
import { ErrorReply, type Reply, SimpleString } from "../resp/reply.js";
import { RespParser, RespProtocolError } from "../resp/resp.js";
import { CHUNK_BYTES, type OutPiece, RespWriter } from "../resp/resp_writer.js";
import { planMulti, shardOf } from "./router.js";
import { type Port, type SocketEvent, SocketData, SocketPort } from "./socket_port.js";
import { shardsOf, startTransaction } from "./txn.js";
import { Served, Unblock, Unblocked, Waiter, Wake } from "./blocked.js";
import { cancelTimer, demonitor, monitor, sendAfter } from "../../../runtime/erlang.js";
import { DOWN } from "../../../runtime/atoms.js";
import { Tuple } from "../../../term/tuple.js";
import { type Ref } from "../../../term/identifiers.js";
import { RUN_IN_MULTI, queueCommand, unwatchEverywhere } from "./multi_exec.js";
import { unsubscribeAll } from "./pubsub.js";
import { PubMessage } from "./pubsub_table.js";
import { PushMessage } from "./tracking.js";
import { forClient } from "./tracking_reads.js";
import { type MultiState, type Session, SlotAction, Subscriptions } from "./session.js";
import { fastReply } from "../resp/fast_reply.js";
import { ReplyOrder } from "./reply_order.js";
import { DIRECT_DONE, DirectOut, outputOverLimit } from "./direct_out.js";

/** The reply of a command under CLIENT REPLY OFF/SKIP: nothing is written. */
const SILENT = new ErrorReply("silent");
/** Encoded replies beyond this are written even while others are outstanding. */
const FLUSH_BYTES = 64 * 1024;
/** Commands waiting for replies beyond which the socket stops reading (it resumes at half). */
const MAX_INFLIGHT = 8192;

const NOAUTH = new ErrorReply("NOAUTH Authentication required.");
/** What a RESP2 client may send while subscribed: Redis' list, less the S* commands, which are not implemented. */
const IN_SUBSCRIBED_MODE = new Set(["subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ping", "quit", "reset"]);


/** The replies of a command sent to several shards, merged once all are in. */
class Gather {
  readonly replies: Reply[];
  private remaining: number;
  /** When it was dispatched (performance.now()): its duration for INFO commandstats and the slow log is until the merge. */
  readonly t0 = performance.now();
  constructor(
    readonly seq: number,
    readonly cmd: CommandEntry,
    /** The split's parts (multi commands), or null for a fan-out to every shard. */
    readonly parts: ShardPart[] | null,
    n: number,
    readonly argv: readonly string[],
    readonly db: number,
  ) {
    // A loop, not Array.fill (a call into C++ per multi-key command).
    const replies: Reply[] = [];
    for (let i = 0; i < n; i++) replies.push(null);
    this.replies = replies;
    this.remaining = n;
  }
  /** Part `k`'s reply; the merged reply once it was the last. */
  add(k: number, r: Reply): Reply | undefined {
    this.replies[k] = r;
    if (--this.remaining > 0) return undefined;
    return this.parts !== null ? mergeSplit(this.cmd, this.parts, this.replies) : mergeAll(this.cmd.name, this.replies);
  }
}

class GatherPart {
  constructor(
    readonly gather: Gather,
    readonly k: number,
  ) {}
}

/** SCAN's reply from one shard, made the client's cursor. */
class ScanTarget {
  constructor(
    readonly seq: number,
    readonly shard: number,
  ) {}
}

/** A command that may block: its reply, or the {@link Waiter} it left with its shard. */
class BlockTarget {
  constructor(readonly seq: number) {}
}

/** The connection's timer for the wait it is in. */
class BlockTimeout {}
const BLOCK_TIMEOUT = new BlockTimeout();
/** Look for the persistence writer again (it was restarting). */
class RewatchWriter {}
const REWATCH_WRITER = new RewatchWriter();
const WRITER_DIED = "ERR persistence writer restarted before the write was confirmed durable; it may or may not be applied";
/** setTimeout's longest delay; longer waits re-arm. */
const MAX_TIMER = 2 ** 31 - 1;

type Target = number | GatherPart | ScanTarget | BlockTarget;


/** An accepted socket (paused), or, for benchmarks of the process path alone, a ready-made port. */
export type ConnectionArgs = { socket: net.Socket } | { port: (owner: Proc) => Port };

/** The connection's state, which connection-level commands act on. */
export class ConnState implements Session {
  readonly self: Proc;
  readonly row: ClientRow;
  readonly parser: RespParser;
  readonly out: RespWriter;
  readonly port: Port;
  db = 0;
  /** Protocol of the commands dispatched from now on (the writer switches when it reaches the HELLO). */
  resp: 2 | 3 = 2;
  /** Kept in the client row, where ACL DELUSER clears it. */
  get authenticated(): boolean {
    return this.row.authenticated;
  }
  set authenticated(v: boolean) {
    this.row.authenticated = v;
  }
  /** Sequence number of the next command, and of the next reply to encode. */
  private readonly order = new ReplyOrder<Reply | SlotAction | ReplBarrier>((r) => this.encode(r));

  inFlight(): number {
    return this.order.waiting - 1;
  }
  /** The shards: batches built from the current chunk, sent, answered (shard_client.ts). */
  private readonly shards: ShardClient<Target>;
  /** A transaction or async command runs: later commands wait in `queued`, in order. */
  blocked = false;
  /** MULTI is open: commands are queued for EXEC (multi_exec.ts). */
  tx: MultiState | null = null;
  /** WATCH registered keys with shards; `watchLost`: one of them could not be told (EXEC then aborts). */
  watching = false;
  watchLost = false;
  /** Pub/sub channels and patterns (pubsub.ts). */
  readonly subs = new Subscriptions();
  private readonly queued: (string[] | ReplBarrier)[] = [];
  /** The blocking command the client waits in (blocked.ts), its deadline (Unix ms, 0: none) and timer. */
  private waiting: Waiter | null = null;
  private deadline = 0;
  private timer: Ref | null = null;
  /** While waiting with `appendonly yes`: the writer's monitor (a served pop's reply travels through it, see onWriterDown). */
  private writerMon: Ref | null = null;
  /** Input is no longer read (QUIT, protocol error, CLIENT KILL of itself). */
  closing = false;
  /** Set by a command that closes its own connection once answered (CLIENT KILL). */
  closeAfterReply = false;
  readonly same: NoReply<ConnState>;
  /** Shared with the shards that write for this client (direct_out.ts). */
  private readonly direct: DirectOut;
  /** A flush (and maybe the close after it) waits for delegated batches to be written. */
  private flushWaits = false;
  private endWaits = false;
  /** Encoded replies as text (fast_reply.ts) not yet written, and pieces that precede the writer's bytes (and their size). */
  private text = "";
  private before: OutPiece[] = [];
  private beforeBytes = 0;

  constructor(
    readonly inst: KvInstance,
    args: ConnectionArgs,
  ) {
    const self = current!;
    this.self = self;
    const cfg = inst.config;
    const acl = inst.acl;
    const authenticated = acl.defaultAuthenticated;
    this.parser = new RespParser({ maxBulkLen: cfg.get("proto-max-bulk-len"), maxQueryBuffer: cfg.get("client-query-buffer-limit") });
    this.parser.authRequired = acl.authRequired(authenticated);
    this.configVersion = inst.configVersion;
    this.out = new RespWriter(2);
    const port = (this.port = "socket" in args ? new SocketPort(args.socket, self) : args.port(self));
    const id = inst.newClientId();
    const kill = (why: string) => self.rt.deliver(self, new KillClient(why));
    this.row = new ClientRow(id, self, port.remote, port.local, port.fd, Date.now(), authenticated, kill, acl.defaultUser);
    this.row.subs = this.subs;
    this.row.out = port;
    inst.clients.set(id, this.row);
    this.direct = new DirectOut(self, port, this.row, inst);
    this.shards = new ShardClient<Target>(inst, self, (t, r) => this.deliverTarget(t, r), { direct: this.direct });
    inst.stats.totalConnections++;
    inst.rowOf.set(self, this.row);
    (self.x().onExit ??= []).push(() => {
      inst.clients.delete(id);
      inst.calls.monitors.delete(self);
      inst.paused.delete(self);
      const w = this.waiting;
      if (w !== null) {
        this.waiting = null;
        inst.blockedClients--;
        if (!w.done) {
          w.done = true;
          this.cancelWait(w);
        }
      }
      unwatchEverywhere(this);
      unsubscribeAll(this);
      inst.tracking.disable(this.row);
      port.close();
    });
    this.same = noreply(this);
  }

  // ---- input -----------------------------------------------------------

  /** A queued command, or a replica link's barrier behind the commands before it. */
  private next(x: string[] | ReplBarrier): void {
    if (x instanceof ReplBarrier) this.fill(this.order.take(), x);
    else this.dispatch(x);
  }

  /** The primary's commands, from the replica link (this is its master client): as if read from the socket. */
  private onReplCommands(cmds: readonly string[][]): void {
    this.row.lastInteraction = this.inst.clock;
    for (const argv of cmds) {
      if (this.closing) break;
      if (this.blocked) this.queued.push(argv);
      else this.dispatch(argv);
    }
    this.sendBuilt();
    this.maybeFlush();
    if (this.order.waiting + this.queued.length > MAX_INFLIGHT) this.port.pause();
  }

  private onData(chunk: Buffer): void {
    const row = this.row;
    row.lastInteraction = this.inst.clock; // Redis too keeps a cached clock for this
    this.inst.stats.netInput += chunk.length;
    if (this.closing) return;
    const parser = this.parser;
    if (this.configVersion !== this.inst.configVersion) this.refreshLimits();
    let failed: RespProtocolError | null = null;
    // The primary's stream is fed from the shards' records: a write may go to replicas as the client's own bytes.
    const forward = this.inst.logsWrites && this.inst.repl.backlog !== null;
    parser.markRaw = forward;
    try {
      parser.feed(chunk);
      for (;;) {
        const argv = parser.next();
        if (argv === null) break;
        if (this.blocked) this.queued.push(argv);
        else if (parser.rawStart >= 0) {
          this.rawStart = parser.rawStart;
          this.rawEnd = parser.rawEnd;
          this.dispatch(argv);
          this.rawStart = -1;
        } else this.dispatch(argv);
        if (this.closing) break;
      }
    } catch (e) {
      if (!(e instanceof RespProtocolError)) throw e;
      failed = e;
    }
    this.sendBuilt();
    if (failed !== null && !this.closing) this.protocolError(failed);
    row.qbuf = parser.buffered;
    this.maybeFlush();
    if (this.order.waiting + this.queued.length > MAX_INFLIGHT) this.port.pause();
  }

  private configVersion = 0;
  /** The command being dispatched from the input: its bytes in the parser's buffer (see RespParser.rawStart), or -1. */
  private rawStart = -1;
  private rawEnd = -1;

  /** CONFIG SET may have changed proto-max-bulk-len or client-query-buffer-limit: they apply to every client at once, as in Redis. */
  private refreshLimits(): void {
    this.configVersion = this.inst.configVersion;
    const cfg = this.inst.config;
    this.parser.limits.maxBulkLen = cfg.get("proto-max-bulk-len");
    this.parser.limits.maxQueryBuffer = cfg.get("client-query-buffer-limit");
  }

  private protocolError(e: RespProtocolError): void {
    this.closing = true;
    if (e.reply === null) {
      // Over the query buffer limit: Redis closes without a word.
      this.log("warning", `closing client ${this.row.addr}: ${e.reason}`);
      this.port.kill(e.reason);
      return;
    }
    this.log("notice", `Protocol error (${e.reason}) from client: id=${this.row.id} addr=${this.row.addr}`);
    this.fill(this.order.take(), new SlotAction(new ErrorReply(e.reply), "close"));
  }

  /** The last command looked up, by the name it was sent as: clients repeat themselves. */
  private lastName = "";
  private lastCmd: CommandEntry | null = null;

  /** Runs or routes one command (`held`: its place, when it was held back by CLIENT PAUSE or for MONITOR's order). */
  private dispatch(argv: string[], held = -1): void {
    const seq = held >= 0 ? held : this.order.take();
    if (held < 0) {
      this.inst.stats.totalCommands++;
      if (this.replyOff || this.skipNext) {
        // CLIENT REPLY OFF / SKIP: this command's reply is dropped.
        this.silent.add(seq);
        this.skipNext = false;
      }
    }
    let cmd: CommandEntry | ErrorReply;
    const last = this.lastCmd;
    const n = argv.length;
    // Same name as last time, no subcommands, arity fine: skip the table's hash lookup.
    if (last !== null && argv[0] === this.lastName && (last.arity > 0 ? n === last.arity : n >= -last.arity)) cmd = last;
    else {
      cmd = checkCommand(argv);
      if (cmd instanceof ErrorReply) return this.refuse(seq, cmd, lookupCommand(argv));
      if (cmd.subcommands === null && cmd.fullname === cmd.name) {
        this.lastName = argv[0]!;
        this.lastCmd = cmd;
      }
    }
    const row = this.row;
    row.cmd = cmd.fullname;
    if (!row.authenticated && this.inst.acl.authRequired(false) && (cmd.bits & CMD.no_auth) === 0) return this.refuse(seq, NOAUTH, cmd);
    if (!row.user.free) {
      const denied = aclDenial(this.inst, row, cmd, argv, this.tx !== null ? "multi" : "toplevel");
      if (denied !== null) return this.refuse(seq, denied, cmd);
    }
    const tr = row.tracking;
    if (tr !== null) {
      // CLIENT CACHING applies to the next command (a transaction's, while in MULTI) only.
      this.caching = tr.caching;
      if (tr.caching && this.tx === null && !cmd.fullname.startsWith("client|")) tr.caching = false;
    }
    const busy = this.inst.scripting.busy;
    if (busy !== null && (cmd.bits & CMD.allow_busy) === 0 && !BUSY_FREE.has(cmd.name)) return this.refuse(seq, this.inst.scripting.busyError()!, cmd);
    const refusal = this.inst.writeRefusal;
    if (refusal !== null && (cmd.name === "ping" || (cmd.bits & CMD.write) !== 0)) return this.refuse(seq, refusal, cmd);
    const primary = this.inst.repl.primary;
    if (primary !== null && !row.master) {
      const cfg = this.inst.config;
      const denied = replicaRefusal(primary, cfg.get("replica-read-only"), cfg.get("replica-serve-stale-data"), cmd);
      if (denied !== null) return this.refuse(seq, denied, cmd);
    }
    const noReplicas = this.inst.replRefusal;
    if (noReplicas !== null && !row.master && (cmd.bits & CMD.write) !== 0) return this.refuse(seq, noReplicas, cmd);
    if (this.inst.pause !== null && !row.master && pausedFor(this.inst, cmd, this.tx)) return this.hold(argv, seq, "pause");
    if (this.tx !== null && !RUN_IN_MULTI.has(cmd.name)) return queueCommand(this, seq, cmd, argv);
    if (this.resp === 2 && this.subs.count > 0 && !IN_SUBSCRIBED_MODE.has(cmd.name)) {
      return this.refuse(seq, new ErrorReply(`ERR Can't execute '${cmd.fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`), cmd);
    }
    if (cmd.serveOn !== undefined && (cmd.blocks === undefined || cmd.blocks(argv))) return this.blocking(argv, cmd, seq, -1);
    const mask = this.inst.mask;
    switch (cmd.route) {
      case "key":
        return this.add(shardOf(argv[cmd.firstKey]!, mask), argv, cmd, seq, this.rawStart);
      case "connection": {
        this.sendBuilt(); // what came before runs before a command that may change db or protocol
        // Monitors see commands in the order they ran: this one waits for the shards to run what came before it.
        if (this.inst.calls.monitors.size > 0 && this.order.waiting > 1) return this.hold(argv, seq, "order");
        // WAIT counts the client's writes: it runs once they are answered (so the stream has them).
        if (cmd.name === "wait" && this.order.waiting > 1) return this.hold(argv, seq, "order");
        const t0 = performance.now();
        let mem = 0;
        for (let i = 0; i < n; i++) mem += argv[i]!.length;
        this.row.argvMem = mem;
        const r = runConnectionCommand(this, seq, cmd, argv);
        this.row.argvMem = 0;
        if (r === undefined) this.asyncCall = { seq, cmd, argv, db: this.db, t0 };
        else called(this.inst, this.row, cmd, argv, this.db, (performance.now() - t0) * 1000, r);
        return;
      }
      case "multi":
        return this.multi(argv, cmd, seq);
      case "all":
        return this.fanOut(argv, cmd, seq);
    }
  }

  /** A command refused before it ran: its error, and an open MULTI is doomed (EXECABORT), as in Redis. */
  private refuse(seq: number, e: ErrorReply, cmd: CommandEntry | null | undefined): void {
    if (this.tx !== null) this.tx.failed = true;
    rejected(this.inst, cmd, e);
    this.fill(seq, e);
  }

  /**
   * Holds a command back, with its place in the reply order, and what comes
   * after it: until CLIENT PAUSE ends ("pause"), or until the shards ran
   * every earlier command ("order", while clients MONITOR).
   */
  private hold(argv: string[], seq: number, why: "pause" | "order"): void {
    this.sendBuilt();
    this.held = { argv, seq, why };
    this.blocked = true;
    if (why === "pause") this.inst.paused.add(this.self);
  }

  /** Runs the held command if what it waits for is over, then what queued behind it. */
  private resumeHeld(): void {
    const h = this.held;
    if (h === null) return;
    if (h.why === "pause" && this.inst.pause !== null) return;
    if (h.why === "order" && this.order.waiting > 1) return;
    this.held = null;
    this.inst.paused.delete(this.self);
    this.blocked = false;
    this.dispatch(h.argv, h.seq);
    const q = this.queued;
    while (q.length > 0 && !this.blocked && !this.closing) this.next(q.shift()!);
    this.sendBuilt();
  }

  /** A command held back by {@link hold}. */
  private held: { argv: string[]; seq: number; why: "pause" | "order" } | null = null;
  /** The async command (a script, EXEC, CONFIG SET, a cross-shard command) whose call is recorded when it answers. */
  private asyncCall: { seq: number; cmd: CommandEntry; argv: readonly string[]; db: number; t0: number } | null = null;
  /** CLIENT REPLY OFF, SKIP (the next command), and the commands whose replies are dropped. */
  replyOff = false;
  skipNext = false;
  private readonly silent = new Set<number>();
  silence(seq: number, on: boolean): void {
    if (on) this.silent.add(seq);
    else this.silent.delete(seq);
  }

  private multi(argv: string[], cmd: CommandEntry, seq: number): void {
    const plan = planMulti(cmd, argv, this.inst.mask);
    if (typeof plan === "number") return this.add(plan, argv, cmd, seq);
    if (plan === null) {
      if (startTransaction(this, seq, cmd, argv)) {
        this.asyncCall = { seq, cmd, argv, db: this.db, t0: performance.now() };
        this.sendBuilt();
        this.blocked = true;
        return;
      }
      return this.add(shardOf(argv[cmd.firstKey]!, this.inst.mask), argv, cmd, seq);
    }
    const parts = plan;
    const g = new Gather(seq, cmd, parts, parts.length, argv, this.db);
    const part = partOf(cmd);
    for (let k = 0; k < parts.length; k++) this.add(parts[k]!.shard, parts[k]!.argv, part, new GatherPart(g, k));
  }

  /**
   * A command that may block (blocked.ts): the client's later commands wait
   * until it is answered. On one shard it goes in a batch of its own; keys
   * on several shards run as a transaction. `order`: a woken waiter's place.
   */
  private blocking(argv: readonly string[], cmd: CommandEntry, seq: number, order: number): void {
    this.sendBuilt();
    this.blocked = true;
    if (startTransaction(this, seq, cmd, argv, { order })) {
      if (order < 0) this.asyncCall = { seq, cmd, argv, db: this.db, t0: performance.now() };
      return;
    }
    const shards = shardsOf(this.inst, cmd, argv);
    // A woken waiter's re-run is the same call (Redis counts and shows it once).
    this.add(shards !== null && shards.length === 1 ? shards[0]! : 0, argv, order >= 0 ? partOf(cmd) : cmd, new BlockTarget(seq));
    this.sendBuilt();
  }

  /** The client waits in `w` from now (its command answered with it); served already, or woken, it goes on at once. */
  private startWaiting(seq: number, w: Waiter): void {
    w.seq = seq;
    if (w.result !== undefined) return this.endWait(w, w.result);
    if (w.woken) return this.blocking(w.on.argv, w.cmd, seq, w.order);
    this.waiting = w;
    this.row.waiter = w;
    this.inst.blockedClients++;
    this.watchWriter();
    // A woken waiter's re-run keeps the first deadline.
    if (this.deadline === 0 && w.on.timeoutMs > 0) this.deadline = Date.now() + w.on.timeoutMs;
    if (this.deadline !== 0 && this.timer === null) this.armTimer();
  }

  private watchWriter(): void {
    if (this.writerMon !== null || this.waiting === null || !this.inst.logsWrites) return;
    const w = this.self.rt.whereis(this.inst.names.writer);
    if (w !== undefined) this.writerMon = monitor(w);
    else sendAfter(10, this.self, REWATCH_WRITER);
  }

  /**
   * The writer died while the client waits. Whatever it had delivered came
   * first; if a shard served the client (the pop ran) and its reply was
   * still with the writer, it is lost with it: the client is told, as a
   * held batch's client is. Else the wait goes on, watching the next writer.
   */
  private onWriterDown(): void {
    this.writerMon = null;
    const w = this.waiting;
    if (w === null) return;
    if (w.done && !w.woken && w.result !== undefined) return this.endWait(w, new ErrorReply(WRITER_DIED));
    this.watchWriter();
  }

  private armTimer(): void {
    this.timer = sendAfter(Math.min(MAX_TIMER, Math.max(0, this.deadline - Date.now())), this.self, BLOCK_TIMEOUT);
  }

  private onBlockTimeout(): void {
    this.timer = null;
    const w = this.waiting;
    if (this.deadline === 0) return;
    if (Date.now() < this.deadline) return this.armTimer();
    if (w === null || w.done) return; // served or woken: its message is on the way
    w.done = true;
    this.cancelWait(w);
    this.endWait(w, w.on.timeoutReply);
  }

  /** Tells the shards of `w` to forget it. */
  private cancelWait(w: Waiter): void {
    const rt = this.self.rt;
    for (const i of w.parts.keys()) {
      const pid = rt.whereis(this.inst.names.shards[i]!);
      if (pid !== undefined) pid.rt.deliver(pid as Proc, new Unblock(w));
    }
  }

  /** The wait is over: `reply` answers the blocking command, and the commands held back go on. */
  private endWait(w: Waiter, reply: Reply): void {
    if (this.writerMon !== null) {
      demonitor(this.writerMon, { flush: true });
      this.writerMon = null;
    }
    if (this.waiting === w) {
      this.waiting = null;
      this.row.waiter = null;
      this.inst.blockedClients--;
    }
    this.onAsyncDone(new AsyncDone(w.seq, reply));
  }

  private onWaiterMessage(m: Served | Wake | Unblocked): void {
    const w = m.w;
    if (w !== this.waiting) return; // not known yet: startWaiting finds it served or woken
    if (m instanceof Served) return this.endWait(w, w.result!);
    if (m instanceof Unblocked) {
      this.cancelWait(w);
      return this.endWait(w, m.reply);
    }
    this.waiting = null;
    this.row.waiter = null;
    this.inst.blockedClients--;
    this.blocking(w.on.argv, w.cmd, w.seq, w.order);
  }

  private fanOut(argv: string[], cmd: CommandEntry, seq: number): void {
    const n = this.inst.shardCount;
    // A flush's null invalidation goes once every shard has flushed (see deliverTarget): never delegated.
    if (n === 1 && !(this.inst.tracking.clients > 0 && FLUSHES.has(cmd.name))) return this.add(0, argv, cmd, seq);
    if (cmd.name === "scan") {
      const r = scanRoute(argv, n);
      if (r instanceof ErrorReply) return this.fill(seq, r);
      return this.add(r.shard, r.argv, cmd, new ScanTarget(seq, r.shard));
    }
    const g = new Gather(seq, cmd, null, n, argv, this.db);
    const part = partOf(cmd);
    for (let i = 0; i < n; i++) this.add(i, argv, part, new GatherPart(g, i));
  }

  private add(shard: number, argv: readonly string[], cmd: CommandEntry, target: Target, rawStart = -1): void {
    const t = this.row.tracking;
    const spec = t === null ? cmd : this.tracked(cmd);
    if (rawStart < 0) this.shards.add(shard, argv, spec, target);
    else this.shards.add(shard, argv, spec, target, this.parser.rawBuf, rawStart, this.rawEnd);
  }

  /** Whether CLIENT CACHING was given for the command being dispatched. */
  caching = false;
  /** Wrappers of read commands that remember their keys for this client (client-side caching), by command. */
  private trackedSpecs: Map<CommandEntry, CommandEntry> | null = null;

  /** `cmd`, or, when this client tracks what it reads and it is a read, its wrapper that remembers the keys (trackingRememberKeys). */
  private tracked(cmd: CommandEntry): CommandEntry {
    return forClient(this.inst, this.row, cmd, this.caching, (this.trackedSpecs ??= new Map()));
  }

  /** Sends the batches built so far, one per shard (or the only one, delegated: see {@link delegable}). */
  sendBuilt(): void {
    const shards = this.shards;
    const only = shards.builtShard();
    if (only === SEVERAL_BUILT || (only >= 0 && !this.delegable(only))) return shards.sendBuilt(this.db);
    if (only < 0) return;
    shards.delegate(only, this.db, this.out.resp);
    // Its replies count as encoded: nothing the connection writes can come before them (see flush).
    this.order.skipAll();
  }

  /**
   * Whether shard i may write the batch built for it itself: every command
   * since the last encoded reply is in it, each answered by itself, nothing
   * waits to be written, earlier delegated batches (if any unwritten) went
   * to the same shard, and no persistence holds replies.
   */
  private delegable(i: number): boolean {
    const targets = this.shards.builtTargets(i);
    const n = targets.length;
    if (n !== this.order.waiting || targets[0] !== this.order.nextOut) return false;
    for (let k = 1; k < n; k++) if (typeof targets[k] !== "number") return false;
    if (this.text !== "" || this.out.length !== 0 || this.before.length !== 0 || this.closing) return false;
    if (this.silent.size > 0 || this.inst.calls.monitors.size > 0) return false;
    return this.shards.canDelegate(i) && !this.inst.logsWrites;
  }

  /** The delegated batches this connection waited for are written: what it held back goes now. */
  private onDirectDone(): void {
    this.shards.pruneDelegated();
    if (!this.flushWaits) return;
    this.flushWaits = false;
    if (this.flush() && this.endWaits) {
      this.endWaits = false;
      this.port.end();
    }
  }

  // ---- replies ---------------------------------------------------------

  private deliverTarget(t: Target, r: Reply): void {
    if (typeof t === "number") return this.fill(t, r);
    if (t instanceof GatherPart) {
      const g = t.gather;
      const merged = g.add(t.k, r);
      if (merged !== undefined) {
        called(this.inst, this.row, g.cmd, g.argv, g.db, (performance.now() - g.t0) * 1000, merged);
        if (FLUSHES.has(g.cmd.name)) this.inst.tracking.flushed();
        this.fill(g.seq, merged);
      }
      return;
    }
    if (t instanceof BlockTarget) {
      // Answered outside the shard client's reply handling: what waited behind it is dispatched then.
      this.self.rt.deliver(this.self, new AsyncDone(t.seq, r));
      return;
    }
    this.fill(t.seq, scanReply(r, t.shard, this.inst.shardCount));
  }

  /** The reply of command `seq`: encoded now if it is next in line, else kept until it is. */
  fill(seq: number, r: Reply | SlotAction | ReplBarrier): void {
    if (this.silent.size > 0 && this.silent.delete(seq)) {
      this.order.fill(seq, r instanceof SlotAction ? new SlotAction(SILENT, r.action) : r instanceof ReplBarrier ? r : SILENT);
      return;
    }
    this.order.fill(seq, r);
  }

  private encode(r: Reply | SlotAction | ReplBarrier): void {
    if (r instanceof ReplBarrier) return void r.from.rt.deliver(r.from, new ReplApplied(r.offset));
    if (this.port.ended || r === SILENT) return;
    if (!(r instanceof SlotAction)) {
      if (this.port.discards === true) return;
      // While the writer is empty, simple replies collect as text (see fast_reply.ts).
      if (this.out.length === 0) {
        const text = fastReply(r, this.out.resp);
        if (text !== undefined) {
          this.text += text;
          if (this.text.length >= CHUNK_BYTES) this.spill();
          return;
        }
        if (this.text !== "") {
          this.before.push(this.text);
          this.beforeBytes += this.text.length;
          this.text = "";
        }
      }
      this.out.write(r);
      if (this.out.length >= CHUNK_BYTES) this.spill();
      return;
    }
    if (r.action === "close") {
      this.encode(r.reply);
      this.closing = true;
      if (this.flush()) this.port.end();
      else this.endWaits = true;
      return;
    }
    // The protocol switches at HELLO's own reply: everything before it was encoded in the old one.
    const resp = r.action === "resp3" ? 3 : 2;
    this.out.resp = resp;
    this.row.resp = resp;
    this.encode(r.reply);
  }

  /** Bytes encoded and not yet written. */
  private get pendingBytes(): number {
    return this.text.length + this.out.length + this.beforeBytes;
  }

  /**
   * A chunk is encoded: it is written now (so the output limit is checked
   * as a large reply grows), or, while a shard still has delegated replies
   * to write before it, set aside as a piece.
   */
  private spill(): void {
    const d = this.direct;
    if (d.sent === d.written) {
      this.flush();
      return;
    }
    if (this.text !== "") {
      this.before.push(this.text);
      this.beforeBytes += this.text.length;
      this.text = "";
    }
    this.beforeBytes += this.out.drain(this.before);
  }

  /** Writes the encoded replies once nothing is outstanding (or enough is ready). */
  private maybeFlush(): void {
    if (this.text === "" && this.out.length === 0) return;
    if (this.order.waiting === 0 || this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /**
   * One socket write: the text alone (the common case), or text chunks and
   * the writer's bytes corked into one. Waits (false) while a shard still has
   * delegated replies to write before these.
   */
  private flush(): boolean {
    const port = this.port;
    if (port.ended) return true;
    const d = this.direct;
    if (d.sent !== d.written) {
      d.notify = true;
      this.flushWaits = true;
      return false;
    }
    const stats = this.inst.stats;
    if (this.before.length === 0 && this.out.length === 0) {
      const text = this.text;
      if (text === "") return true;
      this.text = "";
      stats.netOutput += text.length;
      port.writeText(text);
    } else {
      // The writer's bytes and the text are never both pending: text before the writer's goes to `before`.
      const parts = this.before;
      let bytes = this.beforeBytes + this.text.length;
      this.before = [];
      this.beforeBytes = 0;
      if (this.out.length > 0) bytes += this.out.drain(parts);
      if (this.text !== "") parts.push(this.text);
      this.text = "";
      stats.netOutput += bytes;
      port.writeMany(parts);
    }
    const obl = port.buffered;
    if (obl > 0) {
      const over = outputOverLimit(this.inst, this.row, obl);
      if (over !== null) this.outputLimit(`${over}, ${obl} bytes`);
    }
    if (port.paused && this.order.waiting + this.queued.length < MAX_INFLIGHT / 2) port.resume();
    return true;
  }

  private outputLimit(detail: string): void {
    this.inst.stats.outputLimitDisconnections++;
    this.log("warning", `Client id=${this.row.id} addr=${this.row.addr} closed for overcoming of output buffer limits (${detail}).`);
    this.port.kill("output buffer limit");
  }

  /** A transaction or async command finished: its reply, then what waited behind it. */
  private onAsyncDone(d: AsyncDone): void {
    const a = this.asyncCall;
    if (a !== null && a.seq === d.seq) {
      this.asyncCall = null;
      const r = d.reply instanceof Waiter ? null : d.reply;
      called(this.inst, this.row, a.cmd, a.argv, d.db ?? a.db, (performance.now() - a.t0) * 1000, r);
    }
    if (d.reply instanceof Waiter) return this.startWaiting(d.seq, d.reply);
    if (this.deadline !== 0) {
      this.deadline = 0;
      if (this.timer !== null) cancelTimer(this.timer);
      this.timer = null;
    }
    if (d.db !== undefined) this.row.db = this.db = d.db;
    this.fill(d.seq, d.reply);
    this.blocked = false;
    const q = this.queued;
    while (q.length > 0 && !this.blocked && !this.closing) this.next(q.shift()!);
    this.sendBuilt();
  }

  /** MONITOR: a command ran; its line goes after the replies to every command received so far. */
  private onMonitorLine(m: MonitorLine): void {
    if (this.closing || !this.row.monitor) return;
    this.fill(this.order.take(), new SimpleString(m.text));
    this.maybeFlush();
  }

  /** A published message: written after the replies to every command received so far. */
  private onPubMessage(m: PubMessage): void {
    if (this.closing) return;
    this.fill(this.order.take(), m.toReply());
    this.maybeFlush();
  }

  /** An invalidation (tracking.ts): like a published message, after the replies to every command received so far. */
  private onPush(m: PushMessage): void {
    if (this.closing) return;
    this.fill(this.order.take(), m.reply);
    this.maybeFlush();
  }

  log(level: "notice" | "warning", text: string): void {
    this.self.rt.logger({ level, what: "kv_client", text });
  }

  // ---- messages --------------------------------------------------------

  /** Handles one message; false when the connection is over. */
  handle(msg: unknown): boolean {
    if (msg instanceof SocketData) this.onData(msg.data);
    else if (msg instanceof ReplCommands) this.onReplCommands(msg.cmds);
    else if (msg instanceof ReplBarrier) {
      if (this.blocked) this.queued.push(msg);
      else this.next(msg);
      this.maybeFlush();
    }
    else if (msg instanceof PubMessage) this.onPubMessage(msg);
    else if (msg instanceof PushMessage) this.onPush(msg);
    else if (msg instanceof BatchReply) {
      this.shards.onBatchReply(msg);
      if (this.held !== null) this.resumeHeld();
      this.maybeFlush();
    } else if (msg instanceof MonitorLine) {
      this.onMonitorLine(msg);
    } else if (msg === PAUSE_OVER) {
      this.resumeHeld();
      this.maybeFlush();
    } else if (msg instanceof AsyncDone) {
      this.onAsyncDone(msg);
      this.maybeFlush();
    } else if (this.shards.handle(msg)) {
      this.maybeFlush();
    } else if (msg instanceof Served || msg instanceof Wake || msg instanceof Unblocked) {
      this.onWaiterMessage(msg);
      this.maybeFlush();
    } else if (this.writerMon !== null && msg instanceof Tuple && msg[0] === DOWN && msg[1] === this.writerMon) {
      this.onWriterDown();
      this.maybeFlush();
    } else if (msg === REWATCH_WRITER) {
      this.watchWriter();
    } else if (msg === BLOCK_TIMEOUT) {
      this.onBlockTimeout();
      this.maybeFlush();
    } else if (msg === DIRECT_DONE) {
      this.onDirectDone();
    } else if (msg instanceof KillClient) {
      if (msg.outputLimit) this.outputLimit(msg.why);
      else this.port.kill(msg.why);
      return false;
    } else if (isSocketEvent(msg)) {
      if (msg.error !== undefined && msg.error !== "ECONNRESET") this.log("notice", `client ${this.row.addr} closed: ${msg.error}`);
      return false;
    }
    return true;
  }
}

function isSocketEvent(m: unknown): m is SocketEvent {
  return typeof m === "object" && m !== null && (m as SocketEvent).kind === "socket";
}

/** The commands after which every tracking client gets a null invalidation. */
const FLUSHES: ReadonlySet<string> = new Set(["flushall", "flushdb"]);

/** Answered while a script runs past busy-reply-threshold (Redis 7.0's allow_busy commands). */
const BUSY_FREE: ReadonlySet<string> = new Set(["auth", "hello", "quit", "reset", "shutdown", "replconf", "multi", "discard", "watch", "unwatch"]);

export class Connection extends GenServer<ConnState, never, never, unknown, ConnectionArgs> {
  constructor(readonly inst: KvInstance) {
    super();
  }

  init(args: ConnectionArgs) {
    return ok(new ConnState(this.inst, args));
  }

  override handleInfo(msg: unknown, s: ConnState) {
    return s.handle(msg) ? s.same : stop(NORMAL, s);
  }
}
