/**
 * The distribution API: make this runtime a node (`startNode`), connect and
 * disconnect, list and watch nodes, and call functions across nodes
 * (`rpc`). Once a node, every process API works on remote targets as on
 * local ones: `send`, `link`, `monitor`, `exit`, `GenServer.call`/`cast`
 * take a remote pid or `t(name, node)`.
 *
 * @example
 * await startNode({ name: "agner@localhost", cookie: "secret" });
 * await connect("iex@localhost");                         // true
 * rpc.export("greeter", "hello", (who: string) => `hello, ${who}`);
 * // iex> :rpc.call(:"agner@localhost", :greeter, :hello, ["iex"])  #=> "hello, iex"
 * await rpc.call("iex@localhost", "erlang", "node", []);  // atom('iex@localhost')
 */
import { Atom, atom } from "../term/atom.js";
import { type Tup, t } from "../term/tuple.js";
import { NONODE } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { NotInProcessError } from "../runtime/errors.js";
import { runtime, setDefaultRuntime } from "../runtime/erlang.js";
import type { Runtime } from "../runtime/runtime.js";
import { type Call, CallError, call, cast } from "../otp/gen.js";
import { GenServer } from "../otp/gen_server.js";
import { Supervisor } from "../otp/supervisor.js";
import { DistError } from "./errors.js";
import { DFLAG } from "./flags.js";
import type { TicktimeChange, TicktimeState } from "./net_ticker.js";
import { type MonitorNodesOptions, NetKernel, NetKernelServer, type NodeKind, type Transport } from "./net_kernel.js";
import { setIntrospection, setRemoteShell } from "./introspection.js";
import { type ExportedFn, RexServer, exportFn, spawnHandler, unexportFn } from "./rex.js";
import { DistTransport, realTimers } from "./transport.js";
import { NetTicker } from "./net_ticker.js";
import { type GlobalOptions, GlobalServer } from "./global_server.js";
import type { ConnectionHandler, DistTransportOptions, ListenInfo } from "./types.js";

/** Makes the transport of a node (the real {@link DistTransport} unless a test passes another). */
export type TransportFactory = (opts: DistTransportOptions, handler: ConnectionHandler) => Promise<Transport>;

/** Options of {@link startNode}: the transport's (name, cookie, hidden, ports, TLS, ticks...) plus where to run. */
export interface NodeOptions extends Omit<DistTransportOptions, "decode" | "exposed" | "extraFlags"> {
  /** The runtime that becomes the node (default: the calling process's, else the default runtime). */
  runtime?: Runtime;
  /** `global`'s kernel parameters `connect_all` and `prevent_overlapping_partitions` (both default true, as OTP 25). */
  global?: GlobalOptions;
  /**
   * Answer the introspection calls BEAM tools make over rpc (`erlang:processes/0`,
   * `process_info/1,2`, `supervisor:which_children/1`, `sys:get_state/1`...;
   * docs/remote_tools.md), read-only, to authenticated peers (default true).
   */
  introspection?: boolean;
  /**
   * Let authenticated peers open a remote shell (`agner remsh NODE`) that
   * runs JavaScript in this node, once the program called
   * `startRemoteShell()` (default true: as in Erlang, the cookie is the key
   * to the node; false keeps this node closed even then; docs/remote_tools.md).
   */
  remoteShell?: boolean;
  /** @internal how the transport is made (tests join runtimes in memory). */
  transport?: TransportFactory;
}

const kernels = new WeakMap<Runtime, NetKernel>();

function kernel(rt: Runtime = runtime()): NetKernel | undefined {
  const k = kernels.get(rt);
  return k !== undefined && !k.stopped ? k : undefined;
}

function nodeAtom(x: string | Atom): Atom {
  return typeof x === "string" ? atom(x) : x;
}

/** Runs `fn` with `rt` as the default runtime (so that starting a server outside any process lands there). */
function onRuntime<R>(rt: Runtime, fn: () => R): R {
  const prev = setDefaultRuntime(rt);
  try {
    return fn();
  } finally {
    if (prev !== null) setDefaultRuntime(prev);
  }
}

/**
 * Makes the runtime a distributed node: listens, registers in EPMD, and
 * starts `net_kernel` (so peers can `net_adm:ping` it) and `rex` (so they
 * can `rpc:call` what this program exports with {@link rpc}.export) and
 * `global_name_server` (cluster-wide names and locks, see `global`). The
 * node is hidden unless `hidden: false` (a hidden node does not appear in
 * the peers' `nodes()` and takes no part in `global`, the safe default for a
 * Node.js program). Resolves with the node's full name; `node()` returns it
 * from now on.
 *
 * Where it listens: `listenHost` (erl's `inet_dist_use_interface`; default
 * loopback for a node named `…@localhost`, else every interface, as erl)
 * on a free port, or the first free one of `listenMin..listenMax`. When no
 * EPMD answers it starts the EPMD daemon, a process that outlives the node
 * (as erl starts `epmd -daemon`), on `epmdAddress` / `ERL_EPMD_ADDRESS`
 * (plus loopback); `epmd: "embedded"` runs it in this process instead.
 * {@link distInfo} tells what listens where.
 *
 * @example
 * const me = await startNode({ name: "agner@localhost", cookie: "secret", hidden: false });
 * me.name; // "agner@localhost"
 */
export async function startNode(opts: NodeOptions): Promise<Atom> {
  const rt = opts.runtime ?? runtime();
  if (kernel(rt) !== undefined || rt.nodeName !== NONODE) throw new DistError(`this runtime is already the node ${rt.nodeName.name}`);
  const k = new NetKernel(rt);
  kernels.set(rt, k);
  const make: TransportFactory = opts.transport ?? ((o, h) => DistTransport.start(o, h));
  const { runtime: _r, transport: _t, global: _g, introspection, remoteShell, ...rest } = opts;
  let transport: Transport;
  try {
    transport = await make(
      { ...rest, hidden: opts.hidden ?? true, logger: opts.logger ?? rt.logger, decode: { local: rt.wire }, exposed: rt.wire.exposed, extraFlags: DFLAG.SPAWN },
      k,
    );
  } catch (e) {
    kernels.delete(rt);
    throw e;
  }
  k.transport = transport;
  k.ticker = transport.ticker ?? new NetTicker(opts.timers ?? realTimers, (opts.netTicktime ?? 60) * 1000, 4, { tick() {}, auxTick() {} });
  rt.nodeName = transport.nodeName;
  rt.creation = transport.creation;
  k.spawn = spawnHandler(rt);
  setIntrospection(rt, introspection ?? true);
  setRemoteShell(rt, remoteShell ?? true);
  const sup = onRuntime(rt, () =>
    Supervisor.start(
      [
        { id: "net_kernel", start: () => GenServer.startLink(new NetKernelServer(), k, { name: "net_kernel" }).result() },
        { id: "rex", start: () => GenServer.startLink(new RexServer(), rt, { name: "rex" }).result() },
        { id: "global_name_server", start: () => GenServer.startLink(new GlobalServer(), { k, opts: opts.global ?? {} }, { name: "global_name_server" }).result() },
      ],
      { strategy: "one_for_one", intensity: 10, period: 10, name: "net_sup" },
    ),
  );
  k.sup = (await sup) as NetKernel["sup"];
  rt.remote = k;
  return transport.nodeName;
}

/**
 * Where this node listens: its distribution address and port, and its EPMD
 * (port, who runs it: a daemon this node started, with its pid, one
 * embedded in this process, or one that was running). Undefined when the
 * runtime is not a node (or its transport has no sockets).
 *
 * @example
 * await startNode({ name: "agner@localhost" });
 * distInfo(); // { node: "agner@localhost", host: "127.0.0.1", port: 40123, epmd: { port: 4369, runner: "daemon", pid: 4242, addresses: ["127.0.0.1", "::1"] } }
 */
export function distInfo(rt: Runtime = runtime()): ListenInfo | undefined {
  return kernel(rt)?.transport?.listenInfo?.();
}

/** One connection's traffic and ticks, as {@link nodesInfo} gives them. */
export interface NodeTraffic {
  node: string;
  hidden: boolean;
  /** Bytes read and written on the connection (frames, ticks and headers included). */
  bytesIn: number;
  bytesOut: number;
  /** Distribution messages (frames other than ticks) read and written. */
  messagesIn: number;
  messagesOut: number;
  ticksIn: number;
  ticksOut: number;
  /** Milliseconds since the peer's last tick arrived; null before the first. */
  lastTickInAgo: number | null;
  /** Bytes written but not yet on the wire. */
  queuedBytes: number;
}

/**
 * Traffic and ticks of each open connection (as `net_kernel:nodes_info/0`
 * tells erl's `in`/`out` message counts); empty when not a node. The
 * counters are the connection's own: reading them costs nothing on the wire.
 *
 * @example
 * nodesInfo(); // [{ node: "erl@localhost", hidden: false, bytesIn: 5120, bytesOut: 4096, messagesIn: 12, messagesOut: 11, ticksIn: 3, ticksOut: 2, lastTickInAgo: 4100, queuedBytes: 0 }]
 */
export function nodesInfo(rt: Runtime = runtime()): NodeTraffic[] {
  const tr = kernel(rt)?.transport;
  if (tr === undefined || tr === null) return [];
  const now = tr.now?.() ?? Date.now();
  return tr.connections().map((c) => ({
    node: c.peer.name,
    hidden: c.hidden,
    bytesIn: c.stats.bytesIn,
    bytesOut: c.stats.bytesOut,
    messagesIn: c.stats.framesIn,
    messagesOut: c.stats.framesOut,
    ticksIn: c.stats.ticksIn,
    ticksOut: c.stats.ticksOut,
    lastTickInAgo: c.stats.lastTickIn < 0 ? null : Math.max(0, now - c.stats.lastTickIn),
    queuedBytes: c.queuedBytes ?? 0,
  }));
}

/**
 * Stops being a node: closes every connection (links and monitors on them
 * get `noconnection`), unregisters from EPMD (stopping an embedded one; the
 * EPMD daemon stays up, as epmd does), and
 * `node()` is `nonode@nohost` again.
 *
 * @example
 * await stopNode();
 * node(); // atom('nonode@nohost')
 */
export async function stopNode(rt: Runtime = runtime()): Promise<void> {
  const k = kernel(rt);
  if (k === undefined) return;
  await k.stop();
  kernels.delete(rt);
}

/**
 * Connects to `node` (Erlang's `net_kernel:connect_node`): true when
 * connected, false when it cannot be reached or refuses (a wrong cookie).
 * Not needed before use: sending, linking, monitoring or calling connects.
 *
 * @example
 * if (!(await connect("iex@localhost"))) throw new Error("iex is not up");
 */
export function connect(node: string | Atom): Promise<boolean> {
  const k = kernel();
  if (k === undefined) return Promise.resolve(false); // not alive: erl's connect_node answers `ignored`
  return k.connectNode(nodeAtom(node));
}

/**
 * Erlang's `net_adm:ping/1`: connects to `node` and asks its `net_kernel`
 * whether we are authorised. `pong` when it answers, `pang` otherwise (and
 * then the connection, if any, is closed, as erl does).
 *
 * @example
 * await ping("iex@localhost"); // atom("pong")
 */
export async function ping(node: string | Atom): Promise<Atom<"pong" | "pang">> {
  const k = kernel();
  const n = nodeAtom(node);
  if (k === undefined) return PANG;
  try {
    if ((await call(t(NET_KERNEL, n) as Tup<[Atom, Atom]>, t(IS_AUTH, k.rt.nodeName), Infinity)) === YES) return PONG;
  } catch {
    // not reachable, or no answer
  }
  k.disconnect(n);
  return PANG;
}

const NET_KERNEL = atom("net_kernel");
const IS_AUTH = atom("is_auth");
const YES = atom("yes");
const PONG = atom("pong");
const PANG = atom("pang");

/**
 * Closes the connection to `node` (Erlang's `disconnect_node`): links and
 * monitors on it get `noconnection`, `monitorNodes` subscribers
 * `{nodedown, Node, [{nodedown_reason, disconnect}]}`. True if it was
 * connected. Auto-connect still works: the next send connects again.
 *
 * @example
 * disconnect("iex@localhost"); // true
 */
export function disconnect(node: string | Atom): boolean {
  return kernel()?.disconnect(nodeAtom(node)) ?? false;
}

/** Erlang's name for {@link disconnect} (`erlang:disconnect_node/1`). */
export const disconnectNode = disconnect;

/**
 * Nodes, as `erlang:nodes/1`: connected visible ones (the default, Erlang's
 * `nodes()`), `"hidden"` ones, `"connected"` (both), `"this"` node, or
 * `"known"` ones (this node, `nonode@nohost`, and every node it connected
 * to or tried to, as erl 25 lists them; erl forgets a node once no term
 * refers to it, Agner never does). A list asks for several kinds at once.
 * When not a node: `[]`, or `[nonode@nohost]` for `this` and `known`.
 *
 * @example
 * nodes();                       // [atom('iex@localhost')]
 * nodes("connected");            // visible and hidden
 * nodes(["visible", "this"]);    // [atom('iex@localhost'), atom('agner@localhost')]
 */
export function nodes(kinds: NodeKind | readonly NodeKind[] = "visible"): Atom[] {
  const k = kernel();
  if (k !== undefined) return k.nodes(kinds);
  const ks = typeof kinds === "string" ? [kinds] : kinds;
  return ks.includes("this") || ks.includes("known") ? [NONODE] : [];
}

/** What {@link getNetTicktime} answers: the ticktime in seconds, or where a change goes, or `ignored` when not a node. */
export type NetTicktime = number | Tup<[Atom<"ongoing_change_to">, number]> | Atom<"ignored">;
/** What {@link setNetTicktime} answers. */
export type NetTicktimeChange = Atom<"unchanged"> | Atom<"change_initiated"> | Tup<[Atom<"ongoing_change_to">, number]> | Atom<"ignored">;

/**
 * `net_kernel:get_net_ticktime()`: the ticktime in seconds, or
 * `{ongoing_change_to, T}` while {@link setNetTicktime} changes it.
 *
 * @example
 * getNetTicktime(); // 60
 */
export function getNetTicktime(): NetTicktime {
  const k = kernel();
  if (k === undefined || k.ticker === null) return IGNORED;
  return seconds(k.ticker.get()) as NetTicktime;
}

/**
 * `net_kernel:set_net_ticktime(T, TransitionPeriod)`: changes the ticktime
 * (a peer silent for about `T` seconds is down; this node ticks every T/4)
 * over a transition period (default 60 s) in which ticks go out at the
 * shorter of the two intervals, so that peers on either ticktime keep the
 * connection. Answers `unchanged`, `change_initiated`, or
 * `{ongoing_change_to, T}` when a change is in progress (it is not
 * replaced). Every node of a cluster should get the same ticktime: set it
 * on each, as in erl.
 *
 * @throws DistError unless `T` is a positive number and the period one from 0 up.
 * @example
 * setNetTicktime(10, 0);  // atom('change_initiated')
 * getNetTicktime();       // 10
 */
export function setNetTicktime(ticktime: number, transitionPeriod = 60): NetTicktimeChange {
  if (!(ticktime > 0) || !Number.isFinite(ticktime)) throw new DistError(`setNetTicktime: the ticktime must be a positive number of seconds (got ${ticktime})`);
  if (!(transitionPeriod >= 0) || !Number.isFinite(transitionPeriod)) throw new DistError(`setNetTicktime: the transition period must be 0 or more seconds (got ${transitionPeriod})`);
  const k = kernel();
  if (k === undefined || k.ticker === null) return IGNORED;
  return seconds(k.ticker.set(ticktime * 1000, transitionPeriod * 1000)) as NetTicktimeChange;
}

/** A ticker answer with milliseconds made seconds, as net_kernel's `ticktime_res`. */
function seconds(x: TicktimeState | TicktimeChange): unknown {
  if (typeof x === "number") return x / 1000;
  if (typeof x === "string") return atom(x);
  return t(ONGOING_CHANGE_TO, x.ongoingChangeTo / 1000);
}

const IGNORED = atom("ignored");
const ONGOING_CHANGE_TO = atom("ongoing_change_to");

/**
 * Subscribes the calling process to node events (Erlang's
 * `net_kernel:monitor_nodes/1,2`). Without options: `{nodeup, Node}` and
 * `{nodedown, Node}`. With options (even `{}`): `{nodeup, Node, Info}` and
 * `{nodedown, Node, Info}`, where Info is `[{nodedown_reason, Reason}]` if
 * `nodedownReason` (nodedown only), then `{node_type, visible | hidden}` if
 * `nodeType` was given. Visible nodes only unless `nodeType` is `hidden` or
 * `all`. The reasons are erl's: `connection_closed` (the peer closed or
 * died, e.g. killed -9), `net_tick_timeout` (silent for a ticktime, e.g.
 * stopped or partitioned), `disconnect` ({@link disconnectNode}),
 * `net_kernel_terminated` ({@link stopNode}). Each call adds a
 * subscription (two give two messages per event); `false` removes one made
 * with the same options. Subscriptions end with the process.
 *
 * @throws DistError for a bad `nodeType`, or when not a node.
 *
 * @example
 * monitorNodes(true, { nodeType: "all" });
 * const ev = yield* receive(on([atom("nodeup"), _, _], (m) => m[1]));
 */
export function monitorNodes(on: boolean, opts?: MonitorNodesOptions): true {
  const p = current;
  if (p === null) throw new NotInProcessError("monitorNodes()");
  const k = kernel(p.rt);
  if (k === undefined) throw new DistError("monitorNodes: this node is not alive (startNode first)");
  k.monitorNodes(p, on, opts);
  return true;
}

const REX = atom("rex");
const CALL = atom("call");
const CAST = atom("cast");
const USER = atom("user");
const BADRPC = atom("badrpc");
const NODEDOWN = atom("nodedown");
const TIMEOUT = atom("timeout");
const EXIT = atom("EXIT");

/** Erlang's `rpc_check`: a failed call to rex as rpc reports it. */
function rpcCheck(e: unknown): unknown {
  if (!(e instanceof CallError)) throw e;
  const why = (e.reason as unknown[])[0];
  if (why === TIMEOUT) return t(BADRPC, TIMEOUT);
  if (Array.isArray(why) && why[0] === NODEDOWN) return t(BADRPC, NODEDOWN);
  return t(BADRPC, t(EXIT, e.reason));
}

/** A pending `rpc.call`: `yield*` it in a process, `await` it elsewhere. */
export class RpcCall implements Iterable<unknown, unknown, unknown>, PromiseLike<unknown> {
  constructor(private readonly op: Call<unknown>) {}

  *[Symbol.iterator](): Iterator<unknown, unknown, unknown> {
    try {
      return yield* this.op;
    } catch (e) {
      return rpcCheck(e);
    }
  }

  then<A = unknown, B = never>(
    onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return Promise.resolve(this.op).then((v) => v, rpcCheck).then(onFulfilled, onRejected);
  }
}

/**
 * Remote procedure calls, as Erlang's `rpc` module, both ways.
 *
 * `rpc.export` offers a function to other nodes: `rpc:call(AgnerNode, Mod,
 * Fun, Args)` from erl (or iex `:rpc.call/4`, `:erpc.call/4`) runs it in a
 * fresh process here and answers with its result. Only exported functions
 * run; anything else answers `{badrpc, {'EXIT', {undef, [{Mod, Fun, Args,
 * []}]}}}`, as erl does for a missing function.
 *
 * `rpc.call` runs `Module:Function(Args...)` on another node, through that
 * node's `rex` server: the result, or `{badrpc, Reason}` (`nodedown`,
 * `timeout`, or `{'EXIT', Reason}` when the function raised), never an
 * exception, as erl's `rpc:call`. Output the function prints goes to the
 * remote node's standard output (its `user`).
 *
 * @example
 * rpc.export("math", "add", (a: number, b: number) => a + b);
 * const len = await rpc.call("erl@localhost", "erlang", "length", [[1, 2, 3]]); // 3
 */
export const rpc = {
  /** Offers `fn` as `module:name` to other nodes (optionally only for calls with `opts.arity` arguments). */
  export(module: string | Atom, name: string | Atom, fn: ExportedFn, opts: { arity?: number; runtime?: Runtime } = {}): void {
    exportFn(opts.runtime ?? runtime(), module, name, fn, opts.arity);
  },

  /** Withdraws an export; true if there was one. */
  unexport(module: string | Atom, name: string | Atom, opts: { runtime?: Runtime } = {}): boolean {
    return unexportFn(opts.runtime ?? runtime(), module, name);
  },

  /** `rpc:call(Node, Module, Function, Args, Timeout)` (default no timeout). */
  call(node: string | Atom, module: string | Atom, fn: string | Atom, args: unknown[], timeout = Infinity): RpcCall {
    const server = t(REX, nodeAtom(node)) as Tup<[Atom, Atom]>;
    return new RpcCall(call(server, t(CALL, nodeAtom(module), nodeAtom(fn), args, USER), timeout) as Call<unknown>);
  },

  /** `rpc:cast`: runs it there, answers nothing. */
  cast(node: string | Atom, module: string | Atom, fn: string | Atom, args: unknown[]): true {
    cast(t(REX, nodeAtom(node)) as Tup<[Atom, Atom]>, t(CAST, nodeAtom(module), nodeAtom(fn), args, USER));
    return true;
  },
};
