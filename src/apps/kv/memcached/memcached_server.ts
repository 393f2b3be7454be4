/**
 * The memcached side of the KV server: its part of the supervision tree,
 * its processes (the flusher, the listeners). Its server-wide state is
 * memcached_state.ts, its `stats` memcached_stats.ts.
 *
 *     kv_listener_sup
 *     ├── kv_listener_0 ..         RESP
 *     └── kv_mc_sup (one_for_one)  memcached (setting `memcached yes`)
 *         ├── kv_mc_flusher        holds a delayed flush_all, flushes every shard when due
 *         └── kv_mc_listener_0 ..  one per `memcached-bind` address, on `memcached-port`
 *
 * Connections are temporary children of the server's connection
 * supervisor (kv_conn_sup), beside the RESP ones, so a shutdown closes
 * both; they route by key to the same shards, database 0. The state they
 * share is memcached_state.ts's, so the connection never imports this
 * module (which starts it). Each process can
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
import { atom } from "../../../term/atom.js";
import { type Ref } from "../../../term/identifiers.js";
import { Tuple } from "../../../term/tuple.js";
import { DOWN } from "../../../runtime/atoms.js";
import { current } from "../../../runtime/current.js";
import { cancelTimer, demonitor, monitor, sendAfter } from "../../../runtime/erlang.js";
import { GenServer, type NoReply, noreply, ok } from "../../../otp/gen_server.js";
import { type ChildSpec, startSupervisor } from "../../../otp/supervisor.js";
import { type KvInstance } from "../server/instance.js";
import { isLoopback, startListener } from "../server/listener.js";
import { MC_FLUSH } from "./memcached_commands.js";
import { McConnection } from "./memcached_connection.js";
import { MC_LISTENER_BASE, McFlushSchedule, type McServerState, mcServer } from "./memcached_state.js";
export { MC_LISTENER_BASE, McServerCounters, McServerState, McFlushSchedule, mcServer, memcachedPort } from "./memcached_state.js";
export { memcachedAddress, statsText } from "./memcached_stats.js";
import { AwaitShard, Batch, BatchReply, ShardUp } from "../server/messages.js";

// ---------------------------------------------------------------------------
// The flusher

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
