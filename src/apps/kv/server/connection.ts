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
import type net from "node:net";
import { type Ref } from "../../../term/identifiers.js";
import { Tuple } from "../../../term/tuple.js";
import { DOWN, NORMAL } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { monitor, sendAfter } from "../../../runtime/erlang.js";
import { type Proc } from "../../../runtime/process.js";
import { GenServer, type NoReply, noreply, ok, stop } from "../../../otp/gen_server.js";
import { type CommandEntry, type ShardPart, checkCommand, mergeAll, mergeSplit, scanReply, scanRoute } from "../commands/engine.js";
import { AUTH_FREE, runConnectionCommand } from "./conn_commands.js";
import { ClientRow, type KvInstance } from "./instance.js";
import { AsyncDone, AwaitShard, Batch, BatchReply, KillClient, RetryShard, ShardUp, WATCH_WRITER } from "./messages.js";
import { watchWriter } from "../aof/persistence.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { RespParser, RespProtocolError } from "../resp/resp.js";
import { CHUNK_BYTES, type OutPiece, RespWriter } from "../resp/resp_writer.js";
import { planMulti, shardOf } from "./router.js";
import { type Port, type SocketEvent, SocketData, SocketPort } from "./socket_port.js";
import { startTransaction } from "./txn.js";
import { RUN_IN_MULTI, queueCommand, unwatchEverywhere } from "./multi_exec.js";
import { unsubscribeAll } from "./pubsub.js";
import { PubMessage } from "./pubsub_table.js";
import { type MultiState, type Session, SlotAction, Subscriptions } from "./session.js";
import { fastReply } from "../resp/fast_reply.js";
import { DIRECT_DONE, DirectOut, outputOverLimit } from "./direct_out.js";

/** Encoded replies beyond this are written even while others are outstanding. */
const FLUSH_BYTES = 64 * 1024;
/** Commands waiting for replies beyond which the socket stops reading (it resumes at half). */
const MAX_INFLIGHT = 8192;

const NOAUTH = new ErrorReply("NOAUTH Authentication required.");
/** What a RESP2 client may send while subscribed: Redis' list, less RESET and the S* commands, which are not implemented. */
const IN_SUBSCRIBED_MODE = new Set(["subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ping", "quit"]);


/** The replies of a command sent to several shards, merged once all are in. */
class Gather {
  readonly replies: Reply[];
  private remaining: number;
  constructor(
    readonly seq: number,
    readonly cmd: CommandEntry,
    /** The split's parts (multi commands), or null for a fan-out to every shard. */
    readonly parts: ShardPart[] | null,
    n: number,
  ) {
    this.replies = new Array<Reply>(n).fill(null);
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

type Target = number | GatherPart | ScanTarget;

/**
 * A batch for one shard: built from the current chunk, then sent and kept
 * until the shard answers (one object for both: most batches hold one
 * command, and a batch costs two allocations, this and the message).
 */
class Pending {
  // Made with their first element: most batches hold one command.
  readonly cmds: (readonly string[])[];
  readonly specs: CommandEntry[];
  readonly targets: Target[];
  /** The message, once sent (`batch.held`: the shard ran it and the writer holds its reply). */
  batch: Batch | null = null;
  /** Not (or no longer) sent: its shard is down. */
  unsent = false;
  /** The shard writes its replies itself (direct_out.ts): no BatchReply comes. */
  delegated = false;
  constructor(argv: readonly string[], cmd: CommandEntry, target: Target) {
    this.cmds = [argv];
    this.specs = [cmd];
    this.targets = [target];
  }
}

const EMPTY_SLOT: unique symbol = Symbol("empty");
type Slot = Reply | SlotAction | typeof EMPTY_SLOT;

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
  authenticated: boolean;
  /** Sequence number of the next command, and of the next reply to encode. */
  private nextSeq = 0;
  private nextOut = 0;
  private slots: Slot[] = new Array<Slot>(64).fill(EMPTY_SLOT);
  private readonly shardPids: (Proc | null)[];
  private readonly shardMons: (Ref | null)[];
  private readonly outstanding: Pending[][];
  /** The batch being built per shard from the current chunk. */
  private readonly builders: (Pending | null)[];
  private tag = 0;
  /** A transaction or async command runs: later commands wait in `queued`, in order. */
  blocked = false;
  /** MULTI is open: commands are queued for EXEC (multi_exec.ts). */
  tx: MultiState | null = null;
  /** WATCH registered keys with shards; `watchLost`: one of them could not be told (EXEC then aborts). */
  watching = false;
  watchLost = false;
  /** Pub/sub channels and patterns (pubsub.ts). */
  readonly subs = new Subscriptions();
  private readonly queued: string[][] = [];
  private writerMon: Ref | null = null;
  /** Input is no longer read (QUIT, protocol error, CLIENT KILL of itself). */
  closing = false;
  /** Set by a command that closes its own connection once answered (CLIENT KILL). */
  closeAfterReply = false;
  readonly same: NoReply<ConnState>;
  /** Shared with the shards that write for this client (direct_out.ts). */
  private readonly direct: DirectOut;
  /** The shard of the delegated batches not yet written (all go to one shard at a time). */
  private delegShard = -1;
  /** Delegated batches already dropped from `outstanding` (they count up to `direct.written`). */
  private delegPruned = 0;
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
    this.authenticated = cfg.get("requirepass") === "";
    this.parser = new RespParser({ maxBulkLen: cfg.get("proto-max-bulk-len"), maxQueryBuffer: cfg.get("client-query-buffer-limit") });
    this.parser.authRequired = !this.authenticated;
    this.configVersion = inst.configVersion;
    this.out = new RespWriter(2);
    const n = inst.shardCount;
    this.shardPids = new Array<Proc | null>(n).fill(null);
    this.shardMons = new Array<Ref | null>(n).fill(null);
    this.outstanding = Array.from({ length: n }, () => []);
    this.builders = new Array<Pending | null>(n).fill(null);
    for (let i = 0; i < n; i++) this.watchShard(i);
    this.writerMon = watchWriter(inst, self, inst.config.get("appendonly"));
    const port = (this.port = "socket" in args ? new SocketPort(args.socket, self) : args.port(self));
    const id = inst.newClientId();
    const kill = (why: string) => self.rt.deliver(self, new KillClient(why));
    this.row = new ClientRow(id, self, port.remote, port.local, port.fd, Date.now(), this.authenticated, kill);
    this.row.out = port;
    inst.clients.set(id, this.row);
    this.direct = new DirectOut(self, port, this.row, inst);
    inst.stats.totalConnections++;
    (self.x().onExit ??= []).push(() => {
      inst.clients.delete(id);
      unwatchEverywhere(this);
      unsubscribeAll(this);
      port.close();
    });
    this.same = noreply(this);
  }

  // ---- shards ----------------------------------------------------------

  private watchShard(i: number): void {
    const p = this.self.rt.whereis(this.inst.names.shards[i]!);
    if (p === undefined || !p.alive) {
      this.shardPids[i] = null;
      this.awaitShard(i);
      return;
    }
    this.shardPids[i] = p;
    this.shardMons[i] = monitor(p);
  }

  private awaitShard(i: number): void {
    const h = this.self.rt.whereis(this.inst.names.holder);
    if (h !== undefined && h.alive) h.rt.deliver(h, new AwaitShard(i, this.self));
    else sendAfter(5, this.self, new RetryShard(i)); // the holder is restarting: ask again shortly
  }

  private onRetryShard(i: number): void {
    if (this.shardPids[i] !== null) return;
    this.lookForShard(i);
    if (this.shardPids[i] === null) this.awaitShard(i);
  }

  /** Shard i died: what it had not run waits for its successor. */
  private onShardDown(i: number): void {
    this.shardPids[i] = null;
    this.shardMons[i] = null;
    this.pruneDelegated(); // what is left delegated to it was not run: it goes again, and is written then
    for (const p of this.outstanding[i]!) if (!p.batch!.held) p.unsent = true;
    this.awaitShard(i);
  }

  private onShardUp(up: ShardUp): void {
    const i = up.index;
    if (this.shardPids[i] !== null) return;
    if (!up.pid.alive) return this.awaitShard(i);
    this.shardPids[i] = up.pid;
    this.shardMons[i] = monitor(up.pid);
    for (const p of this.outstanding[i]!) {
      if (p.unsent) {
        p.unsent = false;
        up.pid.rt.deliver(up.pid, p.batch!);
      }
    }
  }

  /** The persistence writer died: the replies it held are not known to be durable. */
  private onWriterDown(): void {
    this.writerMon = watchWriter(this.inst, this.self);
    const err = new ErrorReply("ERR persistence writer restarted before the write was confirmed durable; it may or may not be applied");
    for (let i = 0; i < this.outstanding.length; i++) {
      const keep: Pending[] = [];
      for (const p of this.outstanding[i]!) {
        if (!p.batch!.held) keep.push(p);
        else for (const t of p.targets) this.deliverTarget(t, err);
      }
      this.outstanding[i] = keep;
    }
  }

  // ---- input -----------------------------------------------------------

  private onData(chunk: Buffer): void {
    const row = this.row;
    row.lastInteraction = this.inst.clock; // Redis too keeps a cached clock for this
    this.inst.stats.netInput += chunk.length;
    if (this.closing) return;
    const parser = this.parser;
    if (this.configVersion !== this.inst.configVersion) this.refreshLimits();
    let failed: RespProtocolError | null = null;
    try {
      parser.feed(chunk);
      for (;;) {
        const argv = parser.next();
        if (argv === null) break;
        if (this.blocked) this.queued.push(argv);
        else this.dispatch(argv);
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
    if (this.nextSeq - this.nextOut + this.queued.length > MAX_INFLIGHT) this.port.pause();
  }

  private configVersion = 0;

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
    this.fill(this.nextSeq++, new SlotAction(new ErrorReply(e.reply), "close"));
  }

  /** The last command looked up, by the name it was sent as: clients repeat themselves. */
  private lastName = "";
  private lastCmd: CommandEntry | null = null;

  /** Runs or routes one command. */
  private dispatch(argv: string[]): void {
    const seq = this.nextSeq++;
    this.inst.stats.totalCommands++;
    let cmd: CommandEntry | ErrorReply;
    const last = this.lastCmd;
    const n = argv.length;
    // Same name as last time, no subcommands, arity fine: skip the table's hash lookup.
    if (last !== null && argv[0] === this.lastName && (last.arity > 0 ? n === last.arity : n >= -last.arity)) cmd = last;
    else {
      cmd = checkCommand(argv);
      if (cmd instanceof ErrorReply) return this.refuse(seq, cmd);
      if (cmd.subcommands === null && cmd.fullname === cmd.name) {
        this.lastName = argv[0]!;
        this.lastCmd = cmd;
      }
    }
    this.row.cmd = cmd.fullname;
    if (!this.authenticated && !AUTH_FREE.has(cmd.fullname)) return this.refuse(seq, NOAUTH);
    const refusal = this.inst.writeRefusal;
    if (refusal !== null && (cmd.name === "ping" || cmd.flags.includes("write"))) return this.refuse(seq, refusal);
    if (this.tx !== null && !RUN_IN_MULTI.has(cmd.name)) return queueCommand(this, seq, cmd, argv);
    if (this.resp === 2 && this.subs.count > 0 && !IN_SUBSCRIBED_MODE.has(cmd.name)) {
      return this.fill(seq, new ErrorReply(`ERR Can't execute '${cmd.fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`));
    }
    const mask = this.inst.mask;
    switch (cmd.route) {
      case "key":
        return this.add(shardOf(argv[cmd.firstKey]!, mask), argv, cmd, seq);
      case "connection":
        this.sendBuilt(); // what came before runs before a command that may change db or protocol
        return runConnectionCommand(this, seq, cmd, argv);
      case "multi":
        return this.multi(argv, cmd, seq);
      case "all":
        return this.fanOut(argv, cmd, seq);
    }
  }

  /** A command refused before it ran: its error, and an open MULTI is doomed (EXECABORT), as in Redis. */
  private refuse(seq: number, e: ErrorReply): void {
    if (this.tx !== null) this.tx.failed = true;
    this.fill(seq, e);
  }

  private multi(argv: string[], cmd: CommandEntry, seq: number): void {
    const plan = planMulti(cmd, argv, this.inst.mask);
    if (typeof plan === "number") return this.add(plan, argv, cmd, seq);
    if (plan === null) {
      if (startTransaction(this, seq, cmd, argv)) {
        this.sendBuilt();
        this.blocked = true;
        return;
      }
      return this.add(shardOf(argv[cmd.firstKey]!, this.inst.mask), argv, cmd, seq);
    }
    const parts = plan;
    const g = new Gather(seq, cmd, parts, parts.length);
    for (let k = 0; k < parts.length; k++) this.add(parts[k]!.shard, parts[k]!.argv, cmd, new GatherPart(g, k));
  }

  private fanOut(argv: string[], cmd: CommandEntry, seq: number): void {
    const n = this.inst.shardCount;
    if (n === 1) return this.add(0, argv, cmd, seq);
    if (cmd.name === "scan") {
      const r = scanRoute(argv, n);
      if (r instanceof ErrorReply) return this.fill(seq, r);
      return this.add(r.shard, r.argv, cmd, new ScanTarget(seq, r.shard));
    }
    const g = new Gather(seq, cmd, null, n);
    for (let i = 0; i < n; i++) this.add(i, argv, cmd, new GatherPart(g, i));
  }

  private add(shard: number, argv: readonly string[], cmd: CommandEntry, target: Target): void {
    const b = this.builders[shard];
    if (b === null || b === undefined) {
      this.builders[shard] = new Pending(argv, cmd, target);
      return;
    }
    b.cmds.push(argv);
    b.specs.push(cmd);
    b.targets.push(target);
  }

  /** Sends the batches built so far, one per shard. */
  sendBuilt(): void {
    const bs = this.builders;
    let only = -1;
    let count = 0;
    for (let i = 0; i < bs.length; i++) {
      if (bs[i] !== null) {
        count++;
        only = i;
      }
    }
    if (count === 0) return;
    if (count === 1 && this.delegable(only, bs[only]!)) return this.delegate(only, bs[only]!);
    for (let i = 0; i < bs.length; i++) {
      const b = bs[i];
      if (b === null || b === undefined) continue;
      bs[i] = null;
      const batch = (b.batch = new Batch(this.self, ++this.tag, this.db, b.cmds, b.specs));
      this.outstanding[i]!.push(b);
      const pid = this.shardPids[i];
      if (pid === null || pid === undefined) {
        b.unsent = true;
        this.lookForShard(i);
      } else pid.rt.deliver(pid, batch);
    }
  }

  /** A shard is down and work waits for it: it may be up already (the holder's word can be lost if the holder restarted too). */
  private lookForShard(i: number): void {
    const p = this.self.rt.whereis(this.inst.names.shards[i]!);
    if (p !== undefined && p.alive) this.onShardUp(new ShardUp(i, p));
  }

  /**
   * Whether shard i may write this batch's replies itself: every command
   * since the last encoded reply is in it, each answered by itself, nothing
   * waits to be written, earlier delegated batches (if any unwritten) went
   * to the same shard, and no persistence holds replies.
   */
  private delegable(i: number, b: Pending): boolean {
    const targets = b.targets;
    const n = targets.length;
    if (n !== this.nextSeq - this.nextOut || targets[0] !== this.nextOut) return false;
    for (let k = 1; k < n; k++) if (typeof targets[k] !== "number") return false;
    if (this.text !== "" || this.out.length !== 0 || this.before.length !== 0 || this.closing) return false;
    const d = this.direct;
    if (d.sent !== d.written && this.delegShard !== i) return false;
    return this.shardPids[i] !== null && !this.inst.config.get("appendonly");
  }

  private delegate(i: number, b: Pending): void {
    this.builders[i] = null;
    this.pruneDelegated();
    const d = this.direct;
    d.resp = this.out.resp;
    d.sent++;
    this.delegShard = i;
    b.delegated = true;
    const batch = (b.batch = new Batch(this.self, ++this.tag, this.db, b.cmds, b.specs, d));
    this.outstanding[i]!.push(b);
    // Its replies count as encoded: nothing the connection writes can come before them (see flush).
    this.nextOut = this.nextSeq;
    const pid = this.shardPids[i]!;
    pid.rt.deliver(pid, batch);
  }

  /** Drops the delegated batches the shard has written from `outstanding`. */
  private pruneDelegated(): void {
    const d = this.direct;
    if (this.delegPruned === d.written || this.delegShard < 0) return;
    const q = this.outstanding[this.delegShard]!;
    for (let k = 0; k < q.length && this.delegPruned < d.written; ) {
      if (q[k]!.delegated) {
        q.splice(k, 1);
        this.delegPruned++;
      } else k++;
    }
  }

  /** The delegated batches this connection waited for are written: what it held back goes now. */
  private onDirectDone(): void {
    this.pruneDelegated();
    if (!this.flushWaits) return;
    this.flushWaits = false;
    if (this.flush() && this.endWaits) {
      this.endWaits = false;
      this.port.end();
    }
  }

  // ---- replies ---------------------------------------------------------

  private onBatchReply(r: BatchReply): void {
    const q = this.outstanding[r.shard]!;
    let k = 0;
    while (k < q.length && q[k]!.batch!.tag !== r.tag) k++;
    if (k === q.length) return; // answered already (with an error, when the writer died)
    const p = k === 0 ? q.shift()! : q.splice(k, 1)[0]!;
    const targets = p.targets;
    const replies = r.replies;
    for (let i = 0; i < targets.length; i++) this.deliverTarget(targets[i]!, replies[i]!);
  }

  private deliverTarget(t: Target, r: Reply): void {
    if (typeof t === "number") return this.fill(t, r);
    if (t instanceof GatherPart) {
      const merged = t.gather.add(t.k, r);
      if (merged !== undefined) this.fill(t.gather.seq, merged);
      return;
    }
    this.fill(t.seq, scanReply(r, t.shard, this.inst.shardCount));
  }

  /** The reply of command `seq`: encoded now if it is next in line, else kept until it is. */
  fill(seq: number, r: Reply | SlotAction): void {
    if (seq !== this.nextOut) return this.keep(seq, r);
    this.encode(r);
    let s = ++this.nextOut;
    const slots = this.slots;
    const mask = slots.length - 1;
    while (s < this.nextSeq) {
      const v = slots[s & mask]!;
      if (v === EMPTY_SLOT) break;
      slots[s & mask] = EMPTY_SLOT;
      this.encode(v);
      s = ++this.nextOut;
    }
  }

  private keep(seq: number, r: Reply | SlotAction): void {
    let slots = this.slots;
    if (seq - this.nextOut >= slots.length) {
      // Grow to a power of two that holds the window; slots stay indexed by seq.
      let cap = slots.length * 2;
      while (seq - this.nextOut >= cap) cap *= 2;
      const next = new Array<Slot>(cap).fill(EMPTY_SLOT);
      // Kept replies all lie within [nextOut, nextOut + old length): beyond, the old ring aliases.
      const end = Math.min(this.nextSeq, this.nextOut + slots.length);
      for (let s = this.nextOut; s < end; s++) next[s & (cap - 1)] = slots[s & (slots.length - 1)]!;
      this.slots = slots = next;
    }
    slots[seq & (slots.length - 1)] = r;
  }

  private encode(r: Reply | SlotAction): void {
    if (this.port.ended) return;
    if (!(r instanceof SlotAction)) {
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
    if (this.nextOut === this.nextSeq || this.pendingBytes >= FLUSH_BYTES) this.flush();
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
    if (port.paused && this.nextSeq - this.nextOut + this.queued.length < MAX_INFLIGHT / 2) port.resume();
    return true;
  }

  private outputLimit(detail: string): void {
    this.inst.stats.outputLimitDisconnections++;
    this.log("warning", `Client id=${this.row.id} addr=${this.row.addr} closed for overcoming of output buffer limits (${detail}).`);
    this.port.kill("output buffer limit");
  }

  /** A transaction or async command finished: its reply, then what waited behind it. */
  private onAsyncDone(d: AsyncDone): void {
    if (d.db !== undefined) this.row.db = this.db = d.db;
    this.fill(d.seq, d.reply);
    this.blocked = false;
    const q = this.queued;
    while (q.length > 0 && !this.blocked && !this.closing) this.dispatch(q.shift()!);
    this.sendBuilt();
  }

  /** A published message: written after the replies to every command received so far. */
  private onPubMessage(m: PubMessage): void {
    if (this.closing) return;
    this.fill(this.nextSeq++, m.toReply());
    this.maybeFlush();
  }

  log(level: "notice" | "warning", text: string): void {
    this.self.rt.logger({ level, what: "kv_client", text });
  }

  // ---- messages --------------------------------------------------------

  /** Handles one message; false when the connection is over. */
  handle(msg: unknown): boolean {
    if (msg instanceof SocketData) this.onData(msg.data);
    else if (msg instanceof PubMessage) this.onPubMessage(msg);
    else if (msg instanceof BatchReply) {
      this.onBatchReply(msg);
      this.maybeFlush();
    } else if (msg instanceof AsyncDone) {
      this.onAsyncDone(msg);
      this.maybeFlush();
    } else if (msg instanceof ShardUp) this.onShardUp(msg);
    else if (msg instanceof RetryShard) this.onRetryShard(msg.index);
    else if (msg instanceof Tuple && msg[0] === DOWN) {
      const ref = msg[1];
      if (ref === this.writerMon) this.onWriterDown();
      else {
        const i = this.shardMons.indexOf(ref as Ref);
        if (i >= 0) this.onShardDown(i);
      }
      this.maybeFlush();
    } else if (msg === WATCH_WRITER) {
      if (this.writerMon === null) this.writerMon = watchWriter(this.inst, this.self);
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
