/**
 * The memcached side of the KV server: its part of the supervision tree,
 * its server-wide state and its `stats`.
 *
 *     kv_listener_sup
 *     ├── kv_listener_0 ..         RESP
 *     └── kv_mc_sup (one_for_one)  memcached (setting `memcached yes`)
 *         ├── kv_mc_flusher        holds a delayed flush_all, flushes every shard when due
 *         └── kv_mc_listener_0 ..  one per `memcached-bind` address, on `memcached-port`
 *
 * Connections are temporary children of the server's connection
 * supervisor (kv_conn_sup), beside the RESP ones, so a shutdown closes
 * both; they route by key to the same shards, database 0 (this module and
 * the connection's import each other; neither uses the other at load
 * time). Each process can
 * die alone: a listener's clients stay connected, a flusher restarts with
 * the pending flush it left in the server state.
 *
 * Accept checks, memcached's way: past `maxclients` memcached connections
 * a client gets memcached's `ERROR Too many open connections` and is
 * closed; a non-loopback client while `protected-mode` is on and no
 * `requirepass` is set gets a SERVER_ERROR saying why (Redis' protected
 * mode: a password makes memcached clients authenticate, see
 * memcached_connection.ts).
 *
 * @example
 * const inst = new KvInstance({ config: Config.from({ argv: ["--port", "0", "--memcached-port", "0"] }) });
 * await startKvServer(inst);
 * memcachedPort(inst); // the port the first memcached listener bound
 */
import os from "node:os";
import v8 from "node:v8";
import { type Atom, atom } from "../../../term/atom.js";
import { type Ref } from "../../../term/identifiers.js";
import { Tuple } from "../../../term/tuple.js";
import { DOWN } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { cancelTimer, demonitor, monitor, sendAfter } from "../../../runtime/erlang.js";
import { GenServer, type NoReply, noreply, ok } from "../../../otp/gen_server.js";
import { type ChildSpec, startSupervisor } from "../../../otp/supervisor.js";
import { type Keyspace } from "../commands/db.js";
import { type KvInstance } from "../server/instance.js";
import { isLoopback, startListener } from "../server/listener.js";
import { MC_COUNTER_NAMES, MC_FLUSH, McCounters, mcState } from "./memcached_commands.js";
import { McConnection } from "./memcached_connection.js";
import { ITEM_OVERHEAD } from "./memcached_parser.js";
import { MEMCACHED_COMPAT_VERSION, formatStats } from "./memcached_protocol.js";
import { AwaitShard, Batch, BatchReply, ShardUp } from "../server/messages.js";

/** Listener indices of memcached's listeners in `inst.boundPorts` (RESP's start at 0). */
export const MC_LISTENER_BASE = 1000;

/** Server-wide memcached counters (the per-shard ones are in memcached_commands.ts). */
export class McServerCounters {
  curr_connections = 0;
  total_connections = 0;
  rejected_connections = 0;
  cmd_flush = 0;
  auth_cmds = 0;
  auth_errors = 0;
  bytes_read = 0;
  bytes_written = 0;
}

/** What the memcached side of one server keeps beyond its processes (as a KvInstance does). */
export class McServerState {
  readonly counters = new McServerCounters();
  /** The pending delayed flush_all (unix ms), or null. */
  flushAt: number | null = null;
  readonly flusherName: Atom;
  readonly supName: Atom;
  constructor(readonly inst: KvInstance) {
    this.flusherName = atom(`${inst.names.prefix}_mc_flusher`);
    this.supName = atom(`${inst.names.prefix}_mc_sup`);
  }
  listenerName(i: number): Atom {
    return atom(`${this.inst.names.prefix}_mc_listener_${i}`);
  }
}

const servers = new WeakMap<KvInstance, McServerState>();

/** The memcached state of a server. */
export function mcServer(inst: KvInstance): McServerState {
  let s = servers.get(inst);
  if (s === undefined) {
    s = new McServerState(inst);
    servers.set(inst, s);
  }
  return s;
}

/** The port the first memcached listener is bound to (the configured one, or what port 0 picked). */
export function memcachedPort(inst: KvInstance): number {
  return inst.boundPorts.get(MC_LISTENER_BASE) ?? inst.config.get("memcached-port");
}

// ---------------------------------------------------------------------------
// The flusher

/** To the flusher: the pending delayed flush is now this one (null: none). */
export class McFlushSchedule {
  constructor(readonly at: number | null) {}
}

const FLUSH_TICK = atom("flush_tick");
/** Timers are re-armed at most this far ahead (a flush may be days away). */
const MAX_TIMER_MS = 3_600_000;

class FlusherState {
  timer: Ref | null = null;
  /** Shards still to flush for the flush in progress: shard -> its monitor (null: waiting for the shard). */
  readonly flushing = new Map<number, Ref | null>();
  /** The flush batch sent to each shard (its `held` says it ran). */
  readonly sent = new Map<number, Batch>();
  tag = 0;
  readonly same: NoReply<FlusherState>;
  constructor(readonly srv: McServerState) {
    this.same = noreply(this);
  }
}

/**
 * Holds a delayed flush_all (the deadline itself is in the server state,
 * so a restarted flusher picks it up) and, when it is due, has every shard
 * flush database 0; a shard that dies before flushing is asked again once
 * its successor is up.
 */
export class McFlusher extends GenServer<FlusherState, never, never, unknown, McServerState> {
  init(srv: McServerState) {
    const s = new FlusherState(srv);
    this.arm(s);
    return ok(s);
  }

  private arm(s: FlusherState): void {
    if (s.timer !== null) cancelTimer(s.timer);
    s.timer = null;
    const at = s.srv.flushAt;
    if (at !== null) s.timer = sendAfter(Math.max(0, Math.min(MAX_TIMER_MS, at - Date.now())), current!, FLUSH_TICK);
  }

  override handleInfo(msg: unknown, s: FlusherState) {
    if (msg instanceof McFlushSchedule) {
      s.srv.flushAt = msg.at;
      this.arm(s);
    } else if (msg === FLUSH_TICK) {
      s.timer = null;
      const at = s.srv.flushAt;
      if (at !== null && Date.now() >= at) {
        s.srv.flushAt = null;
        for (let i = 0; i < s.srv.inst.shardCount; i++) this.flushShard(s, i);
      } else this.arm(s);
    } else if (msg instanceof BatchReply) {
      const mon = s.flushing.get(msg.shard);
      if (mon !== undefined && mon !== null) demonitor(mon, { flush: true });
      s.flushing.delete(msg.shard);
    } else if (msg instanceof ShardUp) {
      if (s.flushing.get(msg.index) === null) this.flushShard(s, msg.index);
    } else if (msg instanceof Tuple && msg[0] === DOWN) {
      for (const [i, mon] of s.flushing) {
        if (mon === msg[1] && s.sent.get(i)?.held === true) s.flushing.delete(i); // it ran; the writer has its reply
        else if (mon === msg[1]) {
          // It died before running the flush (a batch runs whole or not at all): ask its successor.
          s.flushing.set(i, null);
          this.awaitShard(s, i);
        }
      }
    }
    return s.same;
  }

  private flushShard(s: FlusherState, i: number): void {
    const inst = s.srv.inst;
    const self = current!;
    const p = self.rt.whereis(inst.names.shards[i]!);
    if (p === undefined || !p.alive) {
      s.flushing.set(i, null);
      return this.awaitShard(s, i);
    }
    s.flushing.set(i, monitor(p));
    const b = new Batch(self, ++s.tag, 0, [["mc_flush"]], [MC_FLUSH]);
    s.sent.set(i, b);
    p.rt.deliver(p, b);
  }

  private awaitShard(s: FlusherState, i: number): void {
    const self = current!;
    const h = self.rt.whereis(s.srv.inst.names.holder);
    if (h !== undefined) h.rt.deliver(h, new AwaitShard(i, self));
  }
}

// ---------------------------------------------------------------------------
// The tree

const TOO_MANY = "ERROR Too many open connections\r\n";
const PROTECTED =
  "SERVER_ERROR Agner is running in protected mode: no password is set, so memcached clients are only accepted from the loopback interface. " +
  "Set requirepass (memcached clients then authenticate with memcached's ASCII auth) or turn protected-mode off\r\n";

/** The memcached subtree as one child of the listener supervisor, or nothing with `memcached no`. */
export function memcachedChildren(inst: KvInstance): ChildSpec[] {
  const cfg = inst.config;
  if (!cfg.get("memcached")) return [];
  const srv = mcServer(inst);
  const listeners: ChildSpec[] = cfg.get("memcached-bind").map((host, i) => ({
    id: `mc_listener_${i}`,
    start: () =>
      startListener(inst, {
        index: MC_LISTENER_BASE + i,
        host: host.startsWith("-") ? host.slice(1) : host,
        port: () => cfg.get("memcached-port"),
        name: srv.listenerName(i),
        admit: (sock) => {
          if (srv.counters.curr_connections >= cfg.get("maxclients")) {
            srv.counters.rejected_connections++;
            return TOO_MANY;
          }
          if (cfg.get("protected-mode") && cfg.get("requirepass") === "" && !isLoopback(sock.remoteAddress)) {
            srv.counters.rejected_connections++;
            return PROTECTED;
          }
          return null;
        },
        startConnection: (socket) => ({
          start: () => GenServer.startLink(new McConnection(inst), socket).result(),
          restart: "temporary",
          shutdown: "brutal_kill",
        }),
      }),
  }));
  const flusher: ChildSpec = {
    id: "mc_flusher",
    start: () => GenServer.startLink(new McFlusher(), srv, { name: srv.flusherName }).result(),
  };
  return [
    {
      id: "memcached",
      type: "supervisor",
      start: () => startSupervisor([flusher, ...listeners], { strategy: "one_for_one", intensity: 10, period: 5, name: srv.supName.name }, true),
    },
  ];
}

// ---------------------------------------------------------------------------
// stats

/** Beyond this many keys per shard, `bytes` is estimated from a sample. */
const EXACT_BYTES_KEYS = 65536;
const SAMPLE = 4096;

/** memcached's `bytes` for one shard's database 0: key + value + item overhead of its strings. */
function itemBytes(ks: Keyspace): number {
  const db = ks.db(0);
  const size = db.size;
  if (size === 0) return 0;
  const cost = (k: string, v: unknown) => (typeof v === "string" ? k.length + v.length + ITEM_OVERHEAD : 0);
  if (size <= EXACT_BYTES_KEYS) {
    let n = 0;
    for (const [k, v] of db.data) n += cost(k, v);
    return n;
  }
  let n = 0;
  for (let i = 0; i < SAMPLE; i++) {
    const k = db.someKey()!;
    n += cost(k, db.data.get(k));
  }
  return Math.round((n / SAMPLE) * size);
}

/** The shards' counters, summed. */
function shardCounters(inst: KvInstance): McCounters {
  const sum = new McCounters();
  for (const ks of inst.keyspaces) {
    const c = mcState(ks).counters;
    for (const n of MC_COUNTER_NAMES) sum[n] += c[n];
  }
  return sum;
}

function cpu(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}`;
}

/** General stats: memcached 1.6's names and order, the fields that mean something here. */
function general(inst: KvInstance): [string, string | number][] {
  const srv = mcServer(inst).counters;
  const c = shardCounters(inst);
  const now = Date.now();
  const u = process.cpuUsage();
  let items = 0;
  let bytes = 0;
  for (const ks of inst.keyspaces) {
    items += ks.db(0).size;
    bytes += itemBytes(ks);
  }
  return [
    ["pid", process.pid],
    ["uptime", Math.floor((now - inst.started) / 1000)],
    ["time", Math.floor(now / 1000)],
    ["version", MEMCACHED_COMPAT_VERSION],
    ["pointer_size", 64],
    ["rusage_user", cpu(u.user)],
    ["rusage_system", cpu(u.system)],
    ["max_connections", inst.config.get("maxclients")],
    ["curr_connections", srv.curr_connections],
    ["total_connections", srv.total_connections],
    ["rejected_connections", srv.rejected_connections],
    ["connection_structures", srv.curr_connections],
    ["cmd_get", c.cmd_get],
    ["cmd_set", c.cmd_set],
    ["cmd_flush", srv.cmd_flush],
    ["cmd_touch", c.cmd_touch],
    ["cmd_meta", 0],
    ["get_hits", c.get_hits],
    ["get_misses", c.get_misses],
    ["get_expired", c.get_expired],
    ["get_flushed", 0],
    ["delete_misses", c.delete_misses],
    ["delete_hits", c.delete_hits],
    ["incr_misses", c.incr_misses],
    ["incr_hits", c.incr_hits],
    ["decr_misses", c.decr_misses],
    ["decr_hits", c.decr_hits],
    ["cas_misses", c.cas_misses],
    ["cas_hits", c.cas_hits],
    ["cas_badval", c.cas_badval],
    ["touch_hits", c.touch_hits],
    ["touch_misses", c.touch_misses],
    ["store_too_large", c.store_too_large],
    ["store_no_memory", c.store_no_memory],
    ["auth_cmds", srv.auth_cmds],
    ["auth_errors", srv.auth_errors],
    ["bytes_read", srv.bytes_read],
    ["bytes_written", srv.bytes_written],
    // Nothing is evicted: the bound is the JS heap's.
    ["limit_maxbytes", v8.getHeapStatistics().heap_size_limit],
    ["accepting_conns", 1],
    ["listen_disabled_num", 0],
    ["threads", 1],
    ["conn_yields", 0],
    ["bytes", bytes],
    ["curr_items", items],
    ["total_items", c.total_items],
    ["expired_unfetched", 0],
    ["evicted_unfetched", 0],
    ["evictions", 0],
    ["reclaimed", 0],
  ];
}

function settings(inst: KvInstance, itemSizeMax: number): [string, string | number][] {
  const cfg = inst.config;
  return [
    ["maxbytes", v8.getHeapStatistics().heap_size_limit],
    ["maxconns", cfg.get("maxclients")],
    ["tcpport", memcachedPort(inst)],
    ["udpport", 0],
    ["inter", cfg.get("memcached-bind").join(",")],
    ["verbosity", 0],
    ["oldest", 0],
    ["evictions", "off"],
    ["domain_socket", "NULL"],
    ["umask", 700],
    ["shutdown_command", "no"],
    ["num_threads", 1],
    ["cas_enabled", "yes"],
    ["tcp_backlog", cfg.get("tcp-backlog")],
    ["binding_protocol", "ascii"],
    ["auth_enabled_sasl", "no"],
    ["auth_enabled_ascii", cfg.get("requirepass") !== "" ? "yes" : "no"],
    ["item_size_max", itemSizeMax],
    ["maxconns_fast", "yes"],
    ["flush_enabled", "yes"],
    ["dump_enabled", "no"],
    ["hash_algorithm", "fnv1a_32"],
    ["lru_crawler", "no"],
    ["idle_timeout", 0],
  ];
}

/**
 * The reply to `stats` (general), `stats settings`, `stats items` and
 * `stats slabs` (empty: there are no slab classes), `stats sizes`,
 * `stats reset`; any other is ERROR, as memcached answers an unknown one.
 */
export function statsText(inst: KvInstance, args: readonly string[], itemSizeMax: number): string {
  if (args.length === 0) return formatStats(general(inst));
  switch (args[0]) {
    case "settings":
      return formatStats(settings(inst, itemSizeMax));
    case "items":
      return formatStats([]);
    case "slabs":
      return formatStats([
        ["active_slabs", 0],
        ["total_malloced", 0],
      ]);
    case "sizes":
      return formatStats([["sizes_status", "disabled"]]);
    case "reset": {
      const srv = mcServer(inst).counters;
      srv.total_connections = 0;
      srv.rejected_connections = 0;
      srv.cmd_flush = 0;
      srv.auth_cmds = 0;
      srv.auth_errors = 0;
      srv.bytes_read = 0;
      srv.bytes_written = 0;
      for (const ks of inst.keyspaces) {
        const c = mcState(ks).counters;
        for (const n of MC_COUNTER_NAMES) c[n] = 0;
      }
      return "RESET\r\n";
    }
  }
  return "ERROR\r\n";
}

/** For INFO-like reports: the host name memcached clients connect to. */
export function memcachedAddress(inst: KvInstance): string {
  const host = inst.config.get("memcached-bind")[0]!.replace(/^-/, "");
  return `${host === "0.0.0.0" ? os.hostname() : host}:${memcachedPort(inst)}`;
}
