/**
 * A test-only transport: nodes in one Node.js process joined in memory.
 * Every control message still goes through the real control-message codec
 * and the ETF encoder/decoder with the node's own hooks (so pids and
 * references are mapped back exactly as over a socket); delivery is
 * asynchronous and in order per connection, as a socket's would be.
 * `kill(node)` drops a node off the network abruptly (its peers see
 * `connection_closed`), as `kill -9` of its OS process would.
 */
import { type Atom, atom } from "../../src/term/atom.js";
import { DEFAULT_JS_TERM_LIMITS, Decoder, Encoder } from "../../src/etf/index.js";
import { decodeControl, encodeControl, type ControlMessage } from "../../src/distribution/control.js";
import { DistConnectError } from "../../src/distribution/errors.js";
import { DFLAG, OFFERED, type DistFlags } from "../../src/distribution/flags.js";
import type { Transport } from "../../src/distribution/net_kernel.js";
import type { TransportFactory } from "../../src/distribution/node.js";
import type { ConnectionHandler, ConnectionStats, DistConnection, DistTransportOptions } from "../../src/distribution/types.js";

class MemoryConnection implements DistConnection {
  other!: MemoryConnection;
  open = true;
  readonly stats: ConnectionStats = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, ticksIn: 0, ticksOut: 0, atomCacheRefsIn: 0, fragmentsIn: 0, lastTickIn: -1 };
  private outbox: Uint8Array[] = [];
  private flushing = false;

  constructor(
    readonly owner: MemoryTransport,
    readonly peer: Atom,
    readonly peerFlags: DistFlags,
    readonly flags: DistFlags,
    readonly peerCreation: number,
    readonly hidden: boolean,
    readonly initiated: boolean,
  ) {}

  send(msg: ControlMessage): void {
    if (!this.open) return;
    const e = this.owner.encoder;
    e.reset();
    if (!encodeControl(e, msg, this.peerFlags)) return;
    const bytes = e.buf.slice(0, e.pos);
    this.stats.framesOut++;
    this.stats.bytesOut += bytes.length;
    this.outbox.push(bytes);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushing = false;
    const batch = this.outbox;
    this.outbox = [];
    for (const bytes of batch) {
      if (!this.open || !this.other.open) return;
      this.other.receive(bytes);
    }
  }

  private receive(bytes: Uint8Array): void {
    this.stats.framesIn++;
    this.stats.bytesIn += bytes.length;
    const d = new Decoder(bytes, 0, this.owner.opts.decode);
    const m = decodeControl(d, bytes.length);
    this.owner.handler.control(this, m);
  }

  close(reason: unknown = atom("disconnected")): void {
    if (!this.open) return;
    this.drop(reason);
    // The peer sees the socket close once what was already written has arrived.
    setImmediate(() => this.other.drop(atom("connection_closed")));
  }

  drop(reason: unknown): void {
    if (!this.open) return;
    this.open = false;
    this.owner.forget(this);
    this.owner.handler.down(this, reason);
  }
}

class MemoryTransport implements Transport {
  readonly port = 0;
  readonly encoder = new Encoder();
  private readonly conns = new Map<Atom, MemoryConnection>();
  alive = true;

  constructor(
    readonly net: MemoryNetwork,
    readonly nodeName: Atom,
    readonly creation: number,
    readonly opts: DistTransportOptions,
    readonly handler: ConnectionHandler,
  ) {
    this.encoder.exposed = opts.exposed ?? null;
    this.encoder.lenient = DEFAULT_JS_TERM_LIMITS; // as a real Connection's encoder
  }

  get offered(): DistFlags {
    return OFFERED | (this.opts.extraFlags ?? 0n) | (this.opts.hidden === false ? DFLAG.PUBLISHED : 0n);
  }

  async connect(peer: Atom): Promise<DistConnection> {
    const have = this.conns.get(peer);
    if (have !== undefined) return have;
    await new Promise((r) => setImmediate(r));
    const existing = this.conns.get(peer);
    if (existing !== undefined) return existing;
    const other = this.net.nodes.get(peer);
    if (!this.alive || other === undefined || !other.alive || this.net.cut(this.nodeName, peer)) throw new DistConnectError(`cannot connect to ${peer.name}`, atom("nodedown"));
    if (this.net.cookies.get(this.nodeName) !== this.net.cookies.get(peer)) {
      throw new DistConnectError(`${peer.name} refused the cookie`, atom("bad_cookie"));
    }
    const hidden = this.opts.hidden !== false || other.opts.hidden !== false;
    const mine = this.offered;
    const theirs = other.offered;
    const a = new MemoryConnection(this, peer, theirs, mine & theirs, other.creation, hidden, true);
    const b = new MemoryConnection(other, this.nodeName, mine, mine & theirs, this.creation, hidden, false);
    a.other = b;
    b.other = a;
    this.conns.set(peer, a);
    other.conns.set(this.nodeName, b);
    other.handler.up(b);
    this.handler.up(a);
    return a;
  }

  connection(peer: Atom): DistConnection | undefined {
    return this.conns.get(peer);
  }

  connections(): DistConnection[] {
    return [...this.conns.values()];
  }

  forget(c: MemoryConnection): void {
    if (this.conns.get(c.peer) === c) this.conns.delete(c.peer);
  }

  async stop(): Promise<void> {
    for (const c of [...this.conns.values()]) c.close(atom("shutdown"));
    this.alive = false;
    this.net.nodes.delete(this.nodeName);
    await new Promise((r) => setImmediate(r));
  }
}

/** Nodes joined in memory. */
export class MemoryNetwork {
  readonly nodes = new Map<Atom, MemoryTransport>();
  readonly cookies = new Map<Atom, string | undefined>();

  /** The `transport` option for `startNode`. */
  readonly factory: TransportFactory = async (opts, handler) => {
    const name = atom(opts.name.includes("@") ? opts.name : `${opts.name}@localhost`);
    if (this.nodes.has(name)) throw new DistConnectError(`${name.name} is taken`, atom("duplicate_name"));
    const creation = 1 + Math.floor(Math.random() * 0xfffffffe);
    const t = new MemoryTransport(this, name, creation, opts, handler);
    this.nodes.set(name, t);
    this.cookies.set(name, opts.cookie);
    return t;
  };

  /** Pairs of nodes that cannot reach each other (a partition): `partition` sets them, `heal` clears them. */
  private readonly cuts = new Set<string>();

  /** Whether `a` and `b` are on two sides of a partition. */
  cut(a: Atom, b: Atom): boolean {
    return this.cuts.has(`${a.name}\0${b.name}`);
  }

  /** Splits the network: nodes of `side` can no longer reach the others (or only `others`); open connections between them close. */
  partition(side: Atom[], others?: Atom[]): void {
    for (const a of side) {
      for (const b of others ?? [...this.nodes.keys()]) {
        if (side.includes(b)) continue;
        this.cuts.add(`${a.name}\0${b.name}`);
        this.cuts.add(`${b.name}\0${a.name}`);
        this.nodes.get(a)?.connection(b)?.close(atom("connection_closed"));
      }
    }
  }

  /** Removes every partition (nodes reconnect on their next message, as after a network repair). */
  heal(): void {
    this.cuts.clear();
  }

  /** The node's OS process died: its connections vanish (peers see `connection_closed`), it is off the network. */
  kill(node: string | Atom): void {
    const name = typeof node === "string" ? atom(node) : node;
    const t = this.nodes.get(name);
    if (t === undefined) return;
    t.alive = false;
    this.nodes.delete(name);
    for (const c of t.connections() as MemoryConnection[]) {
      c.open = false;
      t.forget(c);
      c.other.drop(atom("connection_closed"));
    }
  }
}
