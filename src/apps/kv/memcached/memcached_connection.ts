/**
 * One process per memcached client (a temporary child of the server's
 * connection supervisor, beside the RESP ones), the same OTP way as the
 * RESP connection: it owns its socket, parses each chunk with
 * {@link McParser}, sends each request's shard work as one {@link Batch}
 * per shard per chunk (a get of several keys split by shard), and writes
 * the replies in request order, once none is outstanding (or 64 KB are
 * ready); large output in pieces of about a chunk, never joined into one
 * string, the output limit checked after each. Batches a dying shard had not run go again, in order, to its
 * successor; while `appendonly yes` the replies of writes come from the
 * persistence writer once written (under `always`, synced), as for RESP.
 *
 * Ordering: one connection's requests reach each shard in order, so a
 * pipelined `set k` then `get k` always reads its own write. `stats` is
 * computed when its turn to be written comes, so it counts every request
 * before it. A half-closed client (`printf ... | nc -N`) still gets every
 * reply before the connection ends. When `requirepass` is set, the client
 * must first authenticate with memcached's ASCII auth (`set <any key> 0 0
 * <n>\r\n<user> <password>\r\n`, any user name), as memcached -Y does.
 */
import type net from "node:net";
import { NORMAL } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { type Proc } from "../../../runtime/process.js";
import { GenServer, type NoReply, noreply, ok, stop } from "../../../otp/gen_server.js";
import { type KvInstance } from "../server/instance.js";
import { MC_FLUSH } from "./memcached_commands.js";
import { type BinCommand, type BinRequest, McBinParser, OP, REQ_MAGIC, STATUS, binError, binResponse } from "./memcached_binary.js";
import { isSasl, planBinary } from "./memcached_binary_plan.js";
import { McParser, type McRequest } from "./memcached_parser.js";
import { type McAction, type McPart, type McText, flushPlan, planRequest } from "./memcached_protocol.js";
import { McFlushSchedule, mcServer } from "./memcached_state.js";
import { statsText } from "./memcached_stats.js";
import { BatchReply } from "../server/messages.js";
import { ReplyOrder } from "../server/reply_order.js";
import { ShardClient } from "../server/shard_client.js";
import { type Reply } from "../resp/reply.js";
import { CHUNK_BYTES } from "../resp/resp_writer.js";
import { shardOf } from "../server/router.js";
import { type SocketEvent, SocketData, SocketPort } from "../server/socket_port.js";

/** Encoded replies beyond this are written even while others are outstanding. */
const FLUSH_BYTES = 64 * 1024;
/** Requests waiting for replies beyond which the socket stops reading (it resumes at half). */
const MAX_INFLIGHT = 8192;

const OK_LINE = "OK\r\n";
const UNAUTHENTICATED = "CLIENT_ERROR unauthenticated\r\n";

/** A reply computed when it is written (stats), or the end of the connection after what is before it. */
type Deferred = () => string;
const CLOSE = Symbol("close");
type Slot = McText | Deferred | typeof CLOSE;

/** A request's shard replies, finished once all are in. */
class Gather {
  readonly replies: Reply[];
  private remaining: number;
  constructor(
    readonly seq: number,
    n: number,
    readonly finish: (replies: readonly Reply[]) => McText,
  ) {
    this.replies = new Array<Reply>(n).fill(null);
    this.remaining = n;
  }
  add(k: number, r: Reply): McText | undefined {
    this.replies[k] = r;
    return --this.remaining > 0 ? undefined : this.finish(this.replies);
  }
}

class Target {
  constructor(
    readonly gather: Gather,
    readonly k: number,
  ) {}
}

export class McConnState {
  readonly self: Proc;
  readonly parser: McParser;
  /** The binary protocol's parser, once the first byte was 0x80 (memcached negotiates per connection, on its first byte). */
  bin: McBinParser | null = null;
  private negotiated = false;
  readonly port: SocketPort;
  authenticated: boolean;
  private readonly order = new ReplyOrder<Slot>((r) => this.emit(r));
  private out: string[] = [];
  private outBytes = 0;
  /** The shards (shard_client.ts): what a shard's death or the writer's does to the requests is the RESP connection's. */
  private readonly shards: ShardClient<Target>;
  /** No more input is read (quit, close, the peer's end). */
  closing = false;
  /** The peer half-closed: end once every reply is written. */
  peerEnded = false;
  /** The connection is over (the process stops). */
  done = false;
  private softSince = 0;
  readonly same: NoReply<McConnState>;

  constructor(
    readonly inst: KvInstance,
    socket: net.Socket,
  ) {
    const self = current!;
    this.self = self;
    const cfg = inst.config;
    this.authenticated = cfg.get("requirepass") === "";
    this.parser = new McParser({ itemSizeMax: cfg.get("memcached-item-size-max") });
    this.shards = new ShardClient<Target>(inst, self, (t, r) => this.deliver(t, r));
    const port = (this.port = new SocketPort(socket, self, { allowHalfOpen: true }));
    const srv = mcServer(inst);
    srv.counters.curr_connections++;
    srv.counters.total_connections++;
    (self.x().onExit ??= []).push(() => {
      srv.counters.curr_connections--;
      port.close();
    });
    this.same = noreply(this);
  }

  // ---- input -----------------------------------------------------------

  private onData(chunk: Buffer): void {
    const srv = mcServer(this.inst);
    srv.counters.bytes_read += chunk.length;
    if (this.closing) return;
    const parser = this.parser;
    // CONFIG SET memcached-item-size-max applies from the next request on.
    parser.limits.itemSizeMax = this.inst.config.get("memcached-item-size-max");
    if (!this.negotiated && chunk.length > 0) {
      this.negotiated = true;
      if (chunk[0] === REQ_MAGIC) {
        this.bin = new McBinParser(parser.limits);
        // SASL is on when a password is (memcached -S): binary clients authenticate with SASL PLAIN.
        this.bin.authRequired = !this.authenticated;
      }
    }
    const bin = this.bin;
    if (bin !== null) {
      bin.limits.itemSizeMax = parser.limits.itemSizeMax;
      bin.feed(chunk);
      for (let req = bin.next(); req !== null && !this.closing; req = bin.next()) this.dispatchBinary(req);
    } else {
      parser.feed(chunk);
      for (let req = parser.next(); req !== null && !this.closing; req = parser.next()) {
        if (this.authenticated) this.dispatch(req);
        else this.auth(req);
      }
    }
    this.shards.sendBuilt(0);
    this.maybeFlush();
    if (this.order.waiting > MAX_INFLIGHT) this.port.pause();
  }

  /** Runs or routes one request. */
  private dispatch(req: McRequest): void {
    const inst = this.inst;
    this.run(this.order.take(), planRequest(req, (k) => shardOf(k, inst.mask), this.parser.limits));
  }

  /** Runs or routes one binary request (SASL here: the authentication state is the connection's). */
  private dispatchBinary(req: BinRequest): void {
    if (req.kind === "bin" && isSasl(req.cmd)) return this.sasl(req);
    const inst = this.inst;
    this.run(this.order.take(), planBinary(req, (k) => shardOf(k, inst.mask), this.parser.limits));
  }

  private run(seq: number, a: McAction): void {
    const inst = this.inst;
    switch (a.kind) {
      case "shards":
        return this.route(seq, a.parts, a.finish);
      case "reply":
        return this.fill(seq, a.text);
      case "stats": {
        const { args, format } = a;
        return this.fill(seq, () => {
          const text = statsText(inst, args, this.parser.limits.itemSizeMax);
          return format === undefined ? text : format(text);
        });
      }
      case "flush_all":
        return this.flushAll(seq, a.delay, a.noreply, a.reply);
      case "quit":
      case "close":
        this.closing = true;
        if (a.kind === "quit" && a.text !== undefined && a.text !== "") {
          this.fill(seq, a.text);
          seq = this.order.take();
        }
        return this.fill(seq, CLOSE);
    }
  }

  /**
   * memcached's binary SASL with the server's password (memcached -S):
   * PLAIN only (`authzid NUL user NUL password`, any user, as the text
   * port's auth takes any user name). Without a password SASL is off and
   * its commands are unknown, as memcached without -S.
   */
  private sasl(req: BinCommand): void {
    const seq = this.order.take();
    const { opcode, opaque } = req;
    const pass = this.inst.config.get("requirepass");
    if (pass === "") return this.fill(seq, binError(opcode, STATUS.UNKNOWN_COMMAND, opaque));
    if (req.cmd === OP.SASL_LIST_MECHS) return this.fill(seq, binResponse(opcode, STATUS.SUCCESS, opaque, 0, "", "", "PLAIN") as string);
    const srv = mcServer(this.inst);
    srv.counters.auth_cmds++;
    const v = req.value;
    const a = v.indexOf("\0");
    const b = a < 0 ? -1 : v.indexOf("\0", a + 1);
    if (req.cmd === OP.SASL_AUTH && req.key === "PLAIN" && b >= 0 && v.slice(b + 1) === pass) {
      this.authenticated = true;
      this.bin!.authRequired = false;
      return this.fill(seq, binResponse(opcode, STATUS.SUCCESS, opaque, 0, "", "", "Authenticated") as string);
    }
    srv.counters.auth_errors++;
    this.fill(seq, binError(opcode, STATUS.AUTH_ERROR, opaque));
  }

  private route(seq: number, parts: McPart[], finish: (replies: readonly Reply[]) => McText): void {
    const g = new Gather(seq, parts.length, finish);
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k]!;
      this.shards.add(p.shard, p.argv, p.spec, new Target(g, k));
    }
  }

  /**
   * flush_all: every flush_all replaces the pending delayed one (the
   * flusher holds it); one that is due now goes to every shard as a batch
   * of this connection, so it is ordered with this client's other requests.
   */
  private flushAll(seq: number, delay: number, silent: boolean, answer = OK_LINE): void {
    const srv = mcServer(this.inst);
    srv.counters.cmd_flush++;
    const plan = flushPlan(delay, Date.now(), this.inst.started);
    const at = typeof plan === "object" ? plan.at : null;
    srv.flushAt = at;
    const f = this.self.rt.whereis(srv.flusherName);
    if (f !== undefined) f.rt.deliver(f, new McFlushSchedule(at));
    const reply = silent ? "" : answer;
    if (plan !== "now") return this.fill(seq, reply);
    const parts: McPart[] = [];
    for (let i = 0; i < this.inst.shardCount; i++) parts.push({ shard: i, spec: MC_FLUSH, argv: ["mc_flush"] });
    this.route(seq, parts, () => reply);
  }

  /** memcached's ASCII auth: a `set` whose data is `<user> <password>`. */
  private auth(req: McRequest): void {
    const seq = this.order.take();
    const srv = mcServer(this.inst);
    if (req.kind === "close") {
      this.closing = true;
      return this.fill(seq, CLOSE);
    }
    if (req.kind === "bad_chunk") return this.fill(seq, "CLIENT_ERROR bad command line termination\r\n");
    if (req.kind !== "store" || req.op !== "set") return this.fill(seq, UNAUTHENTICATED);
    const words = req.value.split(" ").filter((w) => w !== "");
    if (words.length < 2) return this.fill(seq, "CLIENT_ERROR bad authentication token format\r\n");
    srv.counters.auth_cmds++;
    if (words[1] === this.inst.config.get("requirepass")) {
      this.authenticated = true;
      return this.fill(seq, "STORED\r\n");
    }
    srv.counters.auth_errors++;
    this.fill(seq, "CLIENT_ERROR authentication failure\r\n");
  }

  // ---- replies ---------------------------------------------------------

  private deliver(t: Target, r: Reply): void {
    const text = t.gather.add(t.k, r);
    if (text !== undefined) this.fill(t.gather.seq, text);
  }

  /** The reply of request `seq`: written out now if it is next in line, else kept until it is. */
  /** The reply of request `seq`, written in request order (reply_order.ts). */
  private fill(seq: number, r: Slot): void {
    this.order.fill(seq, r);
  }

  private emit(r: Slot): void {
    if (this.done) return;
    if (r === CLOSE) {
      this.flush();
      this.finish();
      return;
    }
    const text = typeof r === "function" ? r() : (r as McText);
    if (typeof text === "string") {
      if (text.length === 0) return;
      this.out.push(text);
      this.outBytes += text.length;
    } else {
      for (const t of text) this.out.push(t);
      for (const t of text) this.outBytes += t.length;
    }
    // Past a chunk, out it goes (limit checked) rather than pile up behind later replies.
    if (this.outBytes >= CHUNK_BYTES) this.flush();
  }

  /** Ends the connection gracefully: what is written goes out, then the socket closes. */
  private finish(): void {
    this.done = true;
    this.closing = true;
    const sock = this.port.socket;
    this.port.end();
    // Half-open sockets stay up until both sides end: do not wait for the client's.
    if (!sock.destroyed) sock.once("finish", () => sock.destroy());
  }

  private maybeFlush(): void {
    if (this.outBytes > 0 && (this.order.waiting === 0 || this.outBytes >= FLUSH_BYTES)) this.flush();
    if (this.peerEnded && !this.done && this.order.waiting === 0) {
      this.flush();
      this.finish();
    }
  }

  private flush(): void {
    if (this.outBytes === 0 || this.port.ended) return;
    const out = this.out;
    const bytes = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    const port = this.port;
    if (bytes < CHUNK_BYTES) {
      if (!this.send(Buffer.from(out.length === 1 ? out[0]! : out.join(""), "latin1"))) return;
    } else {
      // Large: runs of small pieces joined up to a chunk, large pieces alone.
      let run: string[] = [];
      let runBytes = 0;
      for (const t of out) {
        if (runBytes > 0 && runBytes + t.length > CHUNK_BYTES) {
          if (!this.send(run.length === 1 ? run[0]! : run.join(""))) return;
          run = [];
          runBytes = 0;
        }
        run.push(t);
        runBytes += t.length;
      }
      if (!this.send(run.length === 1 ? run[0]! : run.join(""))) return;
    }
    if (port.paused && this.order.waiting < MAX_INFLIGHT / 2) port.resume();
  }

  /** One write; false once the client is over its output limit (and closed). */
  private send(data: Buffer | string): boolean {
    const port = this.port;
    mcServer(this.inst).counters.bytes_written += data.length;
    if (typeof data === "string") port.writeText(data);
    else port.write(data);
    const obl = port.buffered;
    return obl === 0 || this.checkOutputLimit(obl);
  }

  /** The `normal` class of client-output-buffer-limit, as for RESP clients: false once over it (the client is closed). */
  private checkOutputLimit(bytes: number): boolean {
    const lim = this.inst.config.get("client-output-buffer-limit").normal;
    let over = lim.hard > 0 && bytes >= lim.hard;
    if (!over && lim.soft > 0 && bytes >= lim.soft) {
      const now = Date.now();
      if (this.softSince === 0) this.softSince = now;
      else over = now - this.softSince >= lim.softSeconds * 1000;
    } else if (!over) this.softSince = 0;
    if (!over) return true;
    this.inst.stats.outputLimitDisconnections++;
    this.self.rt.logger({ level: "warning", what: "kv_client", text: `memcached client ${this.port.remote} closed for overcoming of output buffer limits (${bytes} bytes)` });
    this.done = true;
    this.port.kill("output buffer limit");
    return false;
  }

  // ---- messages --------------------------------------------------------

  /** Handles one message; false when the connection is over. */
  handle(msg: unknown): boolean {
    if (msg instanceof SocketData) this.onData(msg.data);
    else if (msg instanceof BatchReply) {
      this.shards.onBatchReply(msg);
      this.maybeFlush();
    } else if (this.shards.handle(msg)) {
      this.maybeFlush();
    } else if (isSocketEvent(msg)) {
      if (msg.error !== undefined || this.done) return false;
      // The peer's end: answer what was asked, then close.
      this.peerEnded = true;
      this.closing = true;
      this.maybeFlush();
    }
    return !this.done;
  }
}

function isSocketEvent(m: unknown): m is SocketEvent {
  return typeof m === "object" && m !== null && (m as SocketEvent).kind === "socket";
}

export class McConnection extends GenServer<McConnState, never, never, unknown, net.Socket> {
  constructor(readonly inst: KvInstance) {
    super();
  }

  init(socket: net.Socket) {
    return ok(new McConnState(this.inst, socket));
  }

  override handleInfo(msg: unknown, s: McConnState) {
    return s.handle(msg) ? s.same : stop(NORMAL, s);
  }
}
