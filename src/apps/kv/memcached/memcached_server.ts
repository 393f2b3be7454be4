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
import { current } from "../../../runtime/current.js";
import { cancelTimer, sendAfter } from "../../../runtime/erlang.js";
import { GenServer, type NoReply, noreply, ok } from "../../../otp/gen_server.js";
import { type ChildSpec, startSupervisor } from "../../../otp/supervisor.js";
import { type KvInstance } from "../server/instance.js";
import { isLoopback, startListener } from "../server/listener.js";
import { MC_FLUSH } from "./memcached_commands.js";
import { McConnection } from "./memcached_connection.js";
import { MC_LISTENER_BASE, McFlushSchedule, type McServerState, mcServer } from "./memcached_state.js";
export { MC_LISTENER_BASE, McServerCounters, McServerState, McFlushSchedule, mcServer, memcachedPort } from "./memcached_state.js";
export { memcachedAddress, statsText } from "./memcached_stats.js";
import { ShardClient } from "../server/shard_client.js";

// ---------------------------------------------------------------------------
// The flusher

const FLUSH_TICK = atom("flush_tick");
/** Timers are re-armed at most this far ahead (a flush may be days away). */
const MAX_TIMER_MS = 3_600_000;

class FlusherState {
  timer: Ref | null = null;
  /** The shards: a flush batch a dying shard had not run goes to its successor (shard_client.ts). */
  readonly shards: ShardClient<null>;
  readonly same: NoReply<FlusherState>;
  constructor(readonly srv: McServerState) {
    this.shards = new ShardClient<null>(srv.inst, current!, () => {});
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
        for (let i = 0; i < s.srv.inst.shardCount; i++) s.shards.add(i, ["mc_flush"], MC_FLUSH, null);
        s.shards.sendBuilt(0);
      } else this.arm(s);
    } else s.shards.handle(msg);
    return s.same;
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
