/**
 * The one way a process talks to the shards: the RESP and memcached
 * connections, the seed's `kv` GenServer and the memcached flusher all use
 * a {@link ShardClient}. The owner adds commands (each with a target of its
 * own: a reply slot, a gather part, a caller), sends what it built as one
 * {@link Batch} per shard, and gets each command's reply back through its
 * `deliver` function, whatever happens to the shards meanwhile:
 *
 * - **A shard dies.** A batch runs whole or not at all, so the batches it
 *   had not run (not `held`) are kept and sent again, in order, to its
 *   successor. The successor is found by asking the keyspace holder
 *   (`AwaitShard` → `ShardUp`); while the holder is restarting, by asking
 *   again shortly ({@link RetryShard}); and if the holder dies with the
 *   question in its mailbox, its `DOWN` makes the client ask again.
 * - **The persistence writer dies.** The replies it held are not known to
 *   be durable: each of their commands is answered {@link WRITER_RESTARTED}
 *   (the RESP error; memcached shows it as `SERVER_ERROR`, `kv` as
 *   `{error, writer_restarted}`), never left waiting.
 * - **Delegation** (RESP connections, `server/direct_out.ts`): a batch
 *   whose replies the shard writes to the socket itself. Its replies come
 *   through the socket, not `deliver`; the client counts them written and
 *   drops them, or sends them again if the shard died before writing.
 *
 * @example
 * // in a process's init:
 * const shards = new ShardClient<number>(inst, self(), (seq, reply) => fill(seq, reply));
 * shards.add(shardOf("k", inst.mask), ["GET", "k"], getSpec, 0);
 * shards.sendBuilt(0);
 * // in its message loop: BatchReply, ShardUp, RetryShard, DOWN, WATCH_WRITER
 * if (shards.handle(msg)) return;
 */
import { type Ref } from "../../../term/identifiers.js";
import { Tuple } from "../../../term/tuple.js";
import { DOWN } from "../../../runtime/atoms.js";
import { demonitor, monitor, sendAfter } from "../../../runtime/erlang.js";
import { type Proc } from "../../../runtime/process.js";
import { type CommandSpec } from "../commands/command.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { watchWriter } from "../aof/persistence.js";
import { type DirectOut } from "./direct_out.js";
import { type KvInstance } from "./instance.js";
import { AwaitShard, Batch, BatchReply, RawCommands, RetryShard, ShardUp, WATCH_WRITER } from "./messages.js";

/** The reply of a command whose reply the dead persistence writer held: it ran, whether it is on disk is not known. */
export const WRITER_RESTARTED = new ErrorReply("ERR persistence writer restarted before the write was confirmed durable; it may or may not be applied");

/** `builtShard()` when nothing is built, and when batches for several shards are. */
export const NONE_BUILT = -1;
export const SEVERAL_BUILT = -2;

/**
 * A batch for one shard: built, then sent and kept until the shard
 * answers (one object for both: most batches hold one command).
 */
class Pending<T> {
  readonly cmds: (readonly string[])[];
  readonly specs: CommandSpec[];
  readonly targets: T[];
  /** The message, once sent (`batch.held`: the shard ran it and the writer holds its reply). */
  batch: Batch | null = null;
  /** Not (or no longer) sent: its shard is down. */
  unsent = false;
  /** The shard writes its replies itself: no BatchReply comes. */
  delegated = false;
  /** The commands' own bytes, when the first came with them ({@link ShardClient.add}). */
  raw: RawCommands | null = null;
  constructor(argv: readonly string[], spec: CommandSpec, target: T) {
    this.cmds = [argv];
    this.specs = [spec];
    this.targets = [target];
  }
}

export interface ShardClientOptions {
  /** For RESP connections: the shared output a shard writes delegated replies to. */
  readonly direct?: DirectOut;
  /**
   * Look for the persistence writer until one is found (the `kv` server),
   * rather than only while `appendonly` is on (a connection: without AOF
   * there is no writer to find).
   */
  readonly alwaysWatchWriter?: boolean;
}

export class ShardClient<T> {
  private readonly pids: (Proc | null)[];
  private readonly mons: (Ref | null)[];
  /** Shards looked for (down, their successor not known yet). */
  private readonly waiting: boolean[];
  private waitingCount = 0;
  /** The holder's monitor while a question to it is open. */
  private holderMon: Ref | null = null;
  private writerMon: Ref | null;
  /** Batches sent to each shard and not answered yet, in order. */
  private readonly outstanding: Pending<T>[][];
  /** The batch being built per shard. */
  private readonly builders: (Pending<T> | null)[];
  private built = 0;
  private tag = 0;
  private readonly direct: DirectOut | null;
  /** The shard of the delegated batches not yet written (all go to one shard at a time). */
  private delegShard = -1;
  /** Delegated batches already dropped from `outstanding` (they count up to `direct.written`). */
  private delegPruned = 0;

  constructor(
    private readonly inst: KvInstance,
    private readonly self: Proc,
    /** Called with each command's reply, or {@link WRITER_RESTARTED}. */
    private readonly deliver: (target: T, reply: Reply) => void,
    opts: ShardClientOptions = {},
  ) {
    const n = inst.shardCount;
    this.pids = new Array<Proc | null>(n).fill(null);
    this.mons = new Array<Ref | null>(n).fill(null);
    this.waiting = new Array<boolean>(n).fill(false);
    this.outstanding = Array.from({ length: n }, () => []);
    this.builders = new Array<Pending<T> | null>(n).fill(null);
    this.direct = opts.direct ?? null;
    for (let i = 0; i < n; i++) {
      const p = self.rt.whereis(inst.names.shards[i]!);
      if (p !== undefined && p.alive) this.up(i, p);
      else this.awaitShard(i);
    }
    this.writerMon = watchWriter(inst, self, opts.alwaysWatchWriter === true || inst.logsWrites);
  }

  // ---- building and sending ---------------------------------------------

  /**
   * Adds a command for `shard` to the batch being built; it goes with the
   * next {@link sendBuilt}. `rawBuf[rawStart, rawEnd)`: its bytes as the
   * client sent them, when they are the RESP writer's form of `argv`
   * ({@link RawCommands}; kept only in a batch whose first command had them).
   */
  add(shard: number, argv: readonly string[], spec: CommandSpec, target: T, rawBuf: Buffer | null = null, rawStart = -1, rawEnd = -1): void {
    const b = this.builders[shard];
    if (b === null || b === undefined) {
      const p = (this.builders[shard] = new Pending(argv, spec, target));
      if (rawBuf !== null && rawStart >= 0) p.raw = new RawCommands(rawBuf, [rawStart, rawEnd]);
      this.built++;
      return;
    }
    b.cmds.push(argv);
    b.specs.push(spec);
    b.targets.push(target);
    const raw = b.raw;
    if (raw === null) return;
    if (raw.buf === rawBuf && rawStart >= 0) raw.at.push(rawStart, rawEnd);
    else raw.at.push(-1, -1);
  }

  /** The one shard a batch is built for, {@link NONE_BUILT} or {@link SEVERAL_BUILT}. */
  builtShard(): number {
    if (this.built === 0) return NONE_BUILT;
    if (this.built > 1) return SEVERAL_BUILT;
    const bs = this.builders;
    for (let i = 0; i < bs.length; i++) if (bs[i] !== null) return i;
    return NONE_BUILT;
  }

  /** The targets of the batch built for shard `i`. */
  builtTargets(i: number): readonly T[] {
    return this.builders[i]?.targets ?? [];
  }

  /** Sends the batches built so far, one per shard, on database `db`. */
  sendBuilt(db: number): void {
    if (this.built === 0) return;
    this.built = 0;
    const bs = this.builders;
    for (let i = 0; i < bs.length; i++) {
      const b = bs[i];
      if (b === null || b === undefined) continue;
      bs[i] = null;
      const batch = (b.batch = new Batch(this.self, ++this.tag, db, b.cmds, b.specs, null, b.raw));
      this.outstanding[i]!.push(b);
      const pid = this.pids[i];
      if (pid === null || pid === undefined) {
        b.unsent = true;
        this.lookForShard(i);
      } else pid.rt.deliver(pid, batch);
    }
  }

  /**
   * Whether shard `i` may be handed a batch whose replies it writes itself:
   * it is up, and earlier delegated batches not yet written (if any) went to
   * it (its mailbox keeps their order).
   */
  canDelegate(i: number): boolean {
    const d = this.direct;
    if (d === null || this.pids[i] === null) return false;
    return d.sent === d.written || this.delegShard === i;
  }

  /** Sends the batch built for shard `i` (the only one built) for the shard to answer on the socket ({@link canDelegate}). */
  delegate(i: number, db: number, resp: 2 | 3): void {
    const b = this.builders[i]!;
    const d = this.direct!;
    this.builders[i] = null;
    this.built = 0;
    this.pruneDelegated();
    d.resp = resp;
    d.sent++;
    this.delegShard = i;
    b.delegated = true;
    const batch = (b.batch = new Batch(this.self, ++this.tag, db, b.cmds, b.specs, d, b.raw));
    this.outstanding[i]!.push(b);
    const pid = this.pids[i]!;
    pid.rt.deliver(pid, batch);
  }

  /** Drops the delegated batches the shard has written (call when told they are: `DIRECT_DONE`). */
  pruneDelegated(): void {
    const d = this.direct;
    if (d === null || this.delegPruned === d.written || this.delegShard < 0) return;
    const q = this.outstanding[this.delegShard]!;
    for (let k = 0; k < q.length && this.delegPruned < d.written; ) {
      if (q[k]!.delegated) {
        q.splice(k, 1);
        this.delegPruned++;
      } else k++;
    }
  }

  /** Batches sent and not answered (delegated ones included until pruned). */
  get outstandingCount(): number {
    let n = 0;
    for (const q of this.outstanding) n += q.length;
    return n;
  }

  // ---- messages ----------------------------------------------------------

  /** Handles a shard, holder or writer message; false when `msg` is not one. */
  handle(msg: unknown): boolean {
    if (msg instanceof BatchReply) this.onBatchReply(msg);
    else if (msg instanceof ShardUp) this.onShardUp(msg.index, msg.pid);
    else if (msg instanceof RetryShard) this.onRetryShard(msg.index);
    else if (msg === WATCH_WRITER) {
      if (this.writerMon === null) this.writerMon = watchWriter(this.inst, this.self);
    } else if (msg instanceof Tuple && msg[0] === DOWN) {
      const ref = msg[1];
      if (ref === this.writerMon) this.onWriterDown();
      else if (ref === this.holderMon) this.onHolderDown();
      else {
        const i = this.mons.indexOf(ref as Ref);
        if (i < 0) return false;
        this.onShardDown(i);
      }
    } else return false;
    return true;
  }

  /** A shard's answer: each command's reply to its target. */
  onBatchReply(r: BatchReply): void {
    const q = this.outstanding[r.shard]!;
    let k = 0;
    while (k < q.length && q[k]!.batch!.tag !== r.tag) k++;
    if (k === q.length) return; // answered already (with an error, when the writer died)
    const p = k === 0 ? q.shift()! : q.splice(k, 1)[0]!;
    const targets = p.targets;
    const replies = r.replies;
    for (let i = 0; i < targets.length; i++) this.deliver(targets[i]!, replies[i]!);
  }

  // ---- shards coming and going --------------------------------------------

  private up(i: number, pid: Proc): void {
    this.pids[i] = pid;
    this.mons[i] = monitor(pid);
    if (this.waiting[i]) {
      this.waiting[i] = false;
      if (--this.waitingCount === 0 && this.holderMon !== null) {
        demonitor(this.holderMon, { flush: true });
        this.holderMon = null;
      }
    }
  }

  /** Asks the holder to say when shard `i` is up again. */
  private awaitShard(i: number): void {
    if (!this.waiting[i]) {
      this.waiting[i] = true;
      this.waitingCount++;
    }
    const h = this.self.rt.whereis(this.inst.names.holder);
    if (h === undefined || !h.alive) {
      sendAfter(5, this.self, new RetryShard(i)); // the holder is restarting: ask again shortly
      return;
    }
    // If the holder dies with the question unanswered, its DOWN has us ask its successor.
    this.holderMon ??= monitor(h);
    h.rt.deliver(h, new AwaitShard(i, this.self));
  }

  /** Shard `i` may be up already (the holder's word is lost if the holder restarted too). */
  private lookForShard(i: number): void {
    const p = this.self.rt.whereis(this.inst.names.shards[i]!);
    if (p !== undefined && p.alive) this.onShardUp(i, p);
  }

  private onRetryShard(i: number): void {
    if (this.pids[i] !== null) return;
    this.lookForShard(i);
    if (this.pids[i] === null) this.awaitShard(i);
  }

  private onHolderDown(): void {
    this.holderMon = null;
    for (let i = 0; i < this.waiting.length; i++) if (this.waiting[i]) this.onRetryShard(i);
  }

  /** Shard `i` died: what it had not run waits for its successor. */
  private onShardDown(i: number): void {
    this.pids[i] = null;
    this.mons[i] = null;
    this.pruneDelegated(); // what is left delegated to it was not run: it goes again, and is written then
    for (const p of this.outstanding[i]!) if (!p.batch!.held) p.unsent = true;
    this.awaitShard(i);
  }

  private onShardUp(i: number, pid: Proc): void {
    if (this.pids[i] !== null) return;
    if (!pid.alive) return this.awaitShard(i);
    this.up(i, pid);
    for (const p of this.outstanding[i]!) {
      if (p.unsent) {
        p.unsent = false;
        pid.rt.deliver(pid, p.batch!);
      }
    }
  }

  /** The persistence writer died: the replies it held are not known to be durable. */
  private onWriterDown(): void {
    this.writerMon = watchWriter(this.inst, this.self);
    for (let i = 0; i < this.outstanding.length; i++) {
      const keep: Pending<T>[] = [];
      for (const p of this.outstanding[i]!) {
        if (!p.batch!.held) keep.push(p);
        else for (const t of p.targets) this.deliver(t, WRITER_RESTARTED);
      }
      this.outstanding[i] = keep;
    }
  }
}
