/**
 * The node: what makes a runtime a member of a cluster. `NetKernel` sits
 * between the runtime and the transport, in both directions:
 *
 * - it is the runtime's {@link RemoteRouter}: messages and signals for other
 *   nodes become control messages on their connection. A node that is not
 *   connected is connected on first use (auto-connect); what is sent
 *   meanwhile waits in order and goes out once the connection is up, or is
 *   dropped if it cannot be made (links and monitors on that node then get
 *   `noconnection`, as erl does);
 * - it is the transport's {@link ConnectionHandler}: control messages from a
 *   peer become deliveries and signals in the runtime (dist_entry.ts holds
 *   their semantics), a lost connection becomes `nodeDown`;
 * - it runs Erlang's `net_kernel` process (so `net_adm:ping` from a peer
 *   gets `pong`) and delivers `nodeup`/`nodedown` to `monitorNodes`
 *   subscribers.
 */
import { Atom, atom } from "../term/atom.js";
import { Pid, type Ref } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { NODEDOWN, NODEUP, NONODE } from "../runtime/atoms.js";
import {
  type RemoteSignal,
  deliverAlias,
  deliverNamed,
  deliverRemote,
  nodeDown,
  remoteSignal,
} from "../runtime/dist_entry.js";
import { exitProcess } from "../runtime/signals.js";
import { DEAD, Proc } from "../runtime/process.js";
import type { RemoteRouter, Runtime } from "../runtime/runtime.js";
import { GenServer, type CallResult, noreply, ok, reply } from "../otp/gen_server.js";
import type { From } from "../otp/gen.js";
import type { ControlMessage } from "./control.js";
import { DFLAG } from "./flags.js";
import type { ConnectionHandler, DistConnection, ListenInfo } from "./types.js";
import { type SpawnHandler } from "./rex.js";
import { DistError } from "./errors.js";
import type { NetTicker, TicktimeChange, TicktimeState } from "./net_ticker.js";
import { DISCONNECT, NET_KERNEL_TERMINATED, nodedownReason } from "./node_monitor.js";

/** What the node needs of its transport (the real `DistTransport`, or a test double). */
export interface Transport {
  readonly nodeName: Atom;
  readonly creation: number;
  readonly port: number;
  /** Where the node listens (the real transport; in-memory ones have no sockets). */
  listenInfo?(): ListenInfo;
  connect(peer: Atom): Promise<DistConnection>;
  connection(peer: Atom): DistConnection | undefined;
  connections(): DistConnection[];
  /** Milliseconds on its clock (the real transport's; {@link ConnectionStats.lastTickIn} is on it). */
  now?(): number;
  stop(): Promise<void>;
  /** Its ticker (the real transport; an in-memory one has no ticks, and the node keeps a ticker of its own). */
  readonly ticker?: NetTicker;
}

/**
 * Which nodes `nodes()` lists, as `erlang:nodes/1`: connected `visible` ones
 * (the default), `hidden` ones, `connected` (both), `this` node, or `known`
 * nodes (see {@link NetKernel.nodes}).
 */
export type NodeKind = "visible" | "hidden" | "connected" | "this" | "known";

/** Options of {@link NetKernel.monitorNodes} (Erlang's `net_kernel:monitor_nodes/2`). */
export interface MonitorNodesOptions {
  /** Which nodes to report (default visible ones only, as erl). */
  nodeType?: "visible" | "hidden" | "all";
  /** Add `{nodedown_reason, Reason}` to nodedown messages. */
  nodedownReason?: boolean;
}

interface NodeSubscriber {
  proc: Proc;
  opts: MonitorNodesOptions;
  /** Messages carry an info list (`{nodeup, Node, Info}`) when options were given, as in erl. */
  info: boolean;
}

const NODE_TYPE = atom("node_type");
const NET_KERNEL = atom("net_kernel");
const NODEDOWN_REASON = atom("nodedown_reason");
const VISIBLE = atom("visible");
const HIDDEN = atom("hidden");

export class NetKernel implements RemoteRouter, ConnectionHandler {
  transport: Transport | null = null;
  /** Open connections by peer. */
  private readonly conns = new Map<Atom, DistConnection>();
  /** Messages for nodes being connected to, in order. */
  private readonly pending = new Map<Atom, ControlMessage[]>();
  /** The last connection used (most traffic goes to one peer at a time). */
  private lastNode: Atom | null = null;
  private lastConn: DistConnection | null = null;
  private readonly subscribers: NodeSubscriber[] = [];
  /** Every node this one connected to or tried to (`nodes(known)`; erl forgets those no term refers to any more, this never does). */
  private readonly known = new Set<Atom>();
  /** `net_ticktime` (the transport's ticker; set by startNode). */
  ticker: NetTicker | null = null;
  /** `net_sup`, the supervisor of `net_kernel` and `rex` (restarted if killed, as under erl's kernel_sup). */
  sup: Proc | null = null;
  /** Handles SPAWN_REQUEST (rex.ts): what `erpc` and `rpc:call` from erl use. */
  spawn: SpawnHandler | null = null;
  stopped = false;

  constructor(readonly rt: Runtime) {}

  // ---- RemoteRouter: the runtime sends ---------------------------------------

  send(from: Pid | null, to: Pid, msg: unknown): void {
    this.emit(to.node, from === null ? { op: "send", to, msg } : { op: "send", from, to, msg });
  }

  sendNamed(from: Pid | null, name: Atom, node: Atom, msg: unknown): void {
    this.emit(node, { op: "reg_send", from: from ?? this.sender(), to: name, msg });
  }

  sendAlias(from: Pid | null, to: Ref, msg: unknown): void {
    this.emit(to.node, { op: "alias_send", from: from ?? this.sender(), alias: to, msg });
  }

  signal(node: Atom, s: RemoteSignal): void {
    switch (s.op) {
      case "link":
        return this.emit(node, { op: "link", from: s.from, to: s.to });
      case "unlink":
        return this.emit(node, { op: "unlink_id", id: s.id, from: s.from, to: s.to });
      case "unlink_ack":
        return this.emit(node, { op: "unlink_id_ack", id: s.id, from: s.from, to: s.to });
      case "exit":
        return this.emit(node, { op: "exit", from: s.from, to: s.to, reason: s.reason });
      case "exit2":
        return this.emit(node, { op: "exit2", from: s.from ?? this.sender(), to: s.to, reason: s.reason });
      case "monitor":
        return this.emit(node, { op: "monitor", from: s.from, to: s.to, ref: s.ref });
      case "demonitor":
        return this.emit(node, { op: "demonitor", from: s.from, to: s.to, ref: s.ref });
      case "monitor_exit":
        return this.emit(node, { op: "monitor_exit", from: s.from, to: s.to, ref: s.ref, reason: s.reason });
    }
  }

  touch(node: Atom): void {
    if (!this.conns.has(node) && !this.pending.has(node)) this.begin(node);
  }

  /** The pid that plain code's REG_SEND / ALIAS_SEND / EXIT2 name as their sender (erl needs one): net_kernel's. */
  private sender(): Pid {
    return this.rt.whereis(NET_KERNEL) ?? this.sup!; // both start before the runtime routes anything here
  }

  /** Sends on the connection to `node`, or queues while it is being made. */
  private emit(node: Atom, m: ControlMessage): void {
    const c = node === this.lastNode ? this.lastConn! : this.conns.get(node);
    if (c !== undefined) {
      if (c !== this.lastConn) {
        this.lastNode = node;
        this.lastConn = c;
      }
      return this.put(c, m);
    }
    if (this.stopped) return;
    const q = this.pending.get(node);
    if (q !== undefined) q.push(m);
    else this.begin(node).push(m);
  }

  private put(c: DistConnection, m: ControlMessage): void {
    try {
      c.send(m);
    } catch (e) {
      this.sendFailed(c, m, e);
    }
    if (m.op === "unlink_id" && (c.flags & DFLAG.UNLINK_ID) === 0n) {
      // The peer knows only the old UNLINK, which has no ack: the unlink is complete once sent.
      remoteSignal(this.rt, c.peer, { op: "unlink_ack", id: Number(m.id), from: m.to, to: m.from });
    }
  }

  /**
   * A message or signal whose encoding threw (the encoder is lenient, so
   * this takes a value that throws when read, or one too large for memory):
   * only it fails, never its sender, another process or the node. Logged
   * once. An exit signal or a monitor's DOWN still goes, its reason
   * replaced by `{unencodable, Text}`, so links and monitors still fire; a
   * message is dropped (as one to a dead process would be).
   */
  private sendFailed(c: DistConnection, m: ControlMessage, e: unknown): void {
    const why = describe(e);
    let degraded: ControlMessage | null = null;
    if (m.op === "exit" || m.op === "exit2" || m.op === "monitor_exit") degraded = { ...m, reason: t(UNENCODABLE, `${describe(m.reason)} (${why})`.slice(0, 1024)) };
    this.rt.logger({
      level: "error",
      what: "dist_send_failed",
      text: `${m.op} to ${c.peer.name} could not be encoded: ${why}; ${degraded !== null ? "sent with the reason {unencodable, Text}" : "dropped"}`,
      node: c.peer,
      op: m.op,
      reason: e,
    });
    if (degraded === null) return;
    try {
      c.send(degraded);
    } catch {
      // nothing left to degrade: the signal is lost, as over a connection that broke
    }
  }

  /** Starts connecting to `node` (auto-connect); returns its queue. */
  private begin(node: Atom): ControlMessage[] {
    const q: ControlMessage[] = [];
    this.pending.set(node, q);
    void this.connectNode(node);
    return q;
  }

  private attempts = new Map<Atom, Promise<boolean>>();

  /** Connects to `node` if not connected: true once connected, false if it cannot be (reported as a node down). */
  connectNode(node: Atom): Promise<boolean> {
    if (this.conns.has(node)) return Promise.resolve(true);
    if (node === this.rt.nodeName) return Promise.resolve(true);
    this.known.add(node);
    const t0 = this.transport;
    if (t0 === null || this.stopped) return Promise.resolve(false);
    let a = this.attempts.get(node);
    if (a !== undefined) return a;
    if (!this.pending.has(node)) this.pending.set(node, []);
    a = t0.connect(node).then(
      (conn) => {
        this.attempts.delete(node);
        this.up(conn); // no-op when the transport already reported it
        return true;
      },
      (e: unknown) => {
        this.attempts.delete(node);
        if (this.conns.has(node)) return true; // the peer's simultaneous connection won
        const dropped = this.pending.get(node)?.length ?? 0;
        this.pending.delete(node);
        this.rt.logger({
          level: "notice",
          what: "dist_connect_failed",
          text: `could not connect to ${node.name}: ${e instanceof Error ? e.message : inspect(e)}${dropped > 0 ? ` (${dropped} queued message(s) dropped)` : ""}`,
          node,
          reason: (e as { reason?: unknown }).reason ?? e,
        });
        nodeDown(this.rt, node);
        return false;
      },
    );
    this.attempts.set(node, a);
    return a;
  }

  /** Closes the connection to `node` (Erlang's `disconnect_node`): true if there was one. */
  disconnect(node: Atom): boolean {
    const c = this.conns.get(node);
    if (c === undefined) return false;
    c.close();
    // The transport reports `down`; do it now too so the caller sees the node gone on return, as erl.
    this.down(c, DISCONNECT);
    return true;
  }

  /**
   * `erlang:nodes/1`: the nodes of the kinds asked, each once, connected
   * ones first and this node last (as erl 25 lists them). `known` is this
   * node, `nonode@nohost` (erl 25 lists it too) and every node this one
   * connected to or tried to.
   */
  nodes(kinds: NodeKind | readonly NodeKind[] = "visible"): Atom[] {
    const ks = typeof kinds === "string" ? [kinds] : kinds;
    const out: Atom[] = [];
    const known = ks.includes("known");
    if (known && this.rt.nodeName !== NONODE) out.push(NONODE);
    const visible = known || ks.includes("visible") || ks.includes("connected");
    const hidden = known || ks.includes("hidden") || ks.includes("connected");
    for (const [node, c] of this.conns) if (c.hidden ? hidden : visible) out.push(node);
    if (known) for (const node of this.known) if (!this.conns.has(node)) out.push(node);
    if (known || ks.includes("this")) out.push(this.rt.nodeName);
    return out;
  }

  /**
   * `net_kernel:monitor_nodes/1,2`: `opts` undefined is the `/1` form
   * (`{nodeup, Node}`); given (even empty), messages carry an info list.
   * Each `true` adds a subscription (two give two messages per event);
   * `false` removes one made with the same options.
   */
  monitorNodes(p: Proc, on: boolean, opts?: MonitorNodesOptions): void {
    const type = opts?.nodeType;
    if (type !== undefined && type !== "visible" && type !== "hidden" && type !== "all") {
      throw new DistError(`monitorNodes: bad option value nodeType: ${String(type)} (visible, hidden or all)`);
    }
    const info = opts !== undefined;
    const o: MonitorNodesOptions = { nodeType: type, nodedownReason: opts?.nodedownReason === true };
    if (on) {
      this.subscribers.push({ proc: p, opts: o, info });
      return;
    }
    const i = this.subscribers.findIndex((s) => s.proc === p && s.info === info && s.opts.nodeType === o.nodeType && s.opts.nodedownReason === o.nodedownReason);
    if (i >= 0) this.subscribers.splice(i, 1);
  }

  private notify(up: boolean, node: Atom, hidden: boolean, reason: unknown): void {
    const kind = hidden ? HIDDEN : VISIBLE;
    for (let i = 0; i < this.subscribers.length; i++) {
      const s = this.subscribers[i]!;
      if (s.proc.flags & DEAD) {
        this.subscribers.splice(i--, 1);
        continue;
      }
      const type = s.opts.nodeType ?? "visible";
      if (type !== "all" && (type === "hidden") !== hidden) continue;
      const tag = up ? NODEUP : NODEDOWN;
      if (!s.info) {
        this.rt.deliver(s.proc, t(tag, node));
        continue;
      }
      // erl's order: the reason, then the node type.
      const infoList: unknown[] = [];
      if (!up && s.opts.nodedownReason) infoList.push(t(NODEDOWN_REASON, nodedownReason(reason)));
      if (s.opts.nodeType !== undefined) infoList.push(t(NODE_TYPE, kind));
      this.rt.deliver(s.proc, t(tag, node, infoList));
    }
  }

  // ---- ConnectionHandler: the transport reports ------------------------------

  up(conn: DistConnection): void {
    const node = conn.peer;
    if (this.conns.get(node) === conn) return;
    this.conns.set(node, conn);
    this.known.add(node);
    const q = this.pending.get(node);
    this.pending.delete(node);
    if (q !== undefined) {
      for (const m of q) this.put(conn, m);
    }
    this.notify(true, node, conn.hidden, undefined);
  }

  down(conn: DistConnection, reason: unknown): void {
    const node = conn.peer;
    if (this.conns.get(node) !== conn) return;
    this.conns.delete(node);
    if (this.lastConn === conn) {
      this.lastConn = null;
      this.lastNode = null;
    }
    nodeDown(this.rt, node);
    this.notify(false, node, conn.hidden, this.stopped ? NET_KERNEL_TERMINATED : reason);
  }

  control(conn: DistConnection, m: ControlMessage): void {
    const rt = this.rt;
    const node = conn.peer;
    if (!this.fromPeer(conn, m)) return;
    switch (m.op) {
      case "send":
        return deliverRemote(rt, m.to, m.msg);
      case "reg_send":
        return deliverNamed(rt, m.to, m.msg);
      case "alias_send":
        return deliverAlias(rt, m.alias, m.msg);
      case "link":
        return remoteSignal(rt, node, { op: "link", from: m.from, to: m.to });
      case "unlink":
        // The old UNLINK (a peer without UNLINK_ID): the same, and the ack it does not expect is not sent.
        return remoteSignal(rt, node, { op: "unlink", id: 0, from: m.from, to: m.to });
      case "unlink_id":
        return remoteSignal(rt, node, { op: "unlink", id: Number(m.id), from: m.from, to: m.to });
      case "unlink_id_ack":
        return remoteSignal(rt, node, { op: "unlink_ack", id: Number(m.id), from: m.from, to: m.to });
      case "exit":
        return remoteSignal(rt, node, { op: "exit", from: m.from, to: m.to, reason: m.reason });
      case "exit2":
        return remoteSignal(rt, node, { op: "exit2", from: m.from, to: m.to, reason: m.reason });
      case "monitor":
        return remoteSignal(rt, node, { op: "monitor", from: m.from, to: m.to, ref: m.ref });
      case "demonitor":
        return remoteSignal(rt, node, { op: "demonitor", from: m.from, to: m.to, ref: m.ref });
      case "monitor_exit":
        return remoteSignal(rt, node, { op: "monitor_exit", from: m.from, to: m.to, ref: m.ref, reason: m.reason });
      case "spawn_request":
        if (this.spawn !== null) return this.spawn(conn, m);
        return this.put(conn, { op: "spawn_reply", reqId: m.reqId, to: m.from, flags: 0, result: atom("notsup") });
      case "spawn_reply": // this node never sends SPAWN_REQUEST
      case "group_leader": // no group leaders here: I/O of remote calls stays on the caller's node
      case "node_link":
        return;
    }
  }

  /**
   * A signal's sender must be a process of the peer that sent it (erts
   * rejects such messages too): a peer cannot link, monitor or signal on
   * behalf of this node's processes or of a third node's. Dropped, logged.
   */
  private fromPeer(conn: DistConnection, m: ControlMessage): boolean {
    let from: unknown;
    switch (m.op) {
      case "send":
      case "reg_send":
      case "alias_send":
      case "spawn_reply":
      case "node_link":
        return true;
      case "monitor_exit":
        from = m.from instanceof Atom ? null : m.from;
        break;
      default:
        from = m.from;
    }
    if (from === null || (from instanceof Pid && !(from instanceof Proc) && from.node === conn.peer)) return true;
    this.rt.logger({
      level: "warning",
      what: "dist_bad_sender",
      text: `dropped ${m.op} from ${conn.peer.name}: its sender ${inspect(from)} is not a process of that node`,
      node: conn.peer,
    });
    return false;
  }

  // ---- lifecycle ----------------------------------------------------------------

  /** Closes every connection and stops the transport; the runtime is no longer a node. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.ticker?.stop();
    const t0 = this.transport;
    for (const node of this.pending.keys()) nodeDown(this.rt, node);
    this.pending.clear();
    await t0?.stop();
    for (const c of [...this.conns.values()]) this.down(c, NET_KERNEL_TERMINATED);
    const rt = this.rt;
    if (this.sup !== null) exitProcess(this.sup, atom("shutdown"));
    rt.remote = null;
    rt.nodeName = NONODE;
    rt.creation = 0;
  }
}

// ---- the net_kernel process ------------------------------------------------------

type NetKernelCalls = { req: unknown; reply: unknown };

/**
 * The registered `net_kernel`: answers what peers ask of it. `{is_auth,
 * Node}` (what `net_adm:ping` sends) gets `yes`; a message that got here
 * came through an authenticated connection, as in erl. Other requests erl's
 * net_kernel knows about node state are answered when they make sense here;
 * the rest are ignored, as erl ignores unknown calls.
 */
export class NetKernelServer extends GenServer<NetKernel, NetKernelCalls, unknown, unknown, NetKernel> {
  init(k: NetKernel) {
    return ok(k);
  }

  override handleCall(req: unknown, from: From, k: NetKernel): CallResult<NetKernel, unknown> {
    if (!replyable(from)) return noreply(k); // a peer's malformed '$gen_call' cannot be answered
    if (req instanceof Tuple && req.length === 2 && req[0] === IS_AUTH) return reply(YES, k);
    if (req === NODENAME) return reply(k.rt.nodeName, k);
    // What net_kernel:get_net_ticktime/set_net_ticktime send (in ms, as erl 25's net_kernel answers them).
    if (req === TICKTIME && k.ticker !== null) return reply(ticktimeTerm(k.ticker.get()), k);
    if (req instanceof Tuple && req.length === 3 && req[0] === NEW_TICKTIME && k.ticker !== null && positiveInt(req[1]) && positiveInt(req[2], true)) {
      return reply(ticktimeTerm(k.ticker.set(Number(req[1]), Number(req[2]))), k);
    }
    return noreply(k);
  }

  override handleInfo(_msg: unknown, k: NetKernel) {
    return noreply(k);
  }
}

/** Whether `{Pid, Tag}` can be answered (peers may send anything as a call's From). */
export function replyable(from: unknown): boolean {
  return from instanceof Tuple && from.length === 2 && from[0] instanceof Pid;
}

const IS_AUTH = atom("is_auth");
const TICKTIME = atom("ticktime");
const NEW_TICKTIME = atom("new_ticktime");
const ONGOING_CHANGE_TO = atom("ongoing_change_to");

/** A ticktime state or change answer as net_kernel's term (milliseconds as given: erl's API divides). */
export function ticktimeTerm(x: TicktimeState | TicktimeChange): unknown {
  if (typeof x === "number") return x;
  if (typeof x === "string") return atom(x);
  return t(ONGOING_CHANGE_TO, x.ongoingChangeTo);
}

function positiveInt(x: unknown, zero = false): boolean {
  return typeof x === "number" && Number.isInteger(x) && (zero ? x >= 0 : x > 0);
}
const YES = atom("yes");
const NODENAME = atom("nodename");
const UNENCODABLE = atom("unencodable");

/** A short text for a value that may not even be readable (for logs and degraded reasons). */
function describe(x: unknown): string {
  try {
    if (x instanceof Error) return `${x.name}: ${x.message}`;
    if (typeof x === "object" && x !== null) return `a ${(x as { constructor?: { name?: string } }).constructor?.name || "prototype-less"} object`;
    return String(x);
  } catch {
    return "an unreadable value";
  }
}
