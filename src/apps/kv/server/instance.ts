/**
 * One running KV server: its settings, names, tables and counters. This is
 * what Erlang keeps in application env and public ETS tables: created once
 * when the application starts and outliving every process of the tree, so a
 * restarted process finds its peers and its data here.
 *
 * - `keyspaces[i]` is shard i's data: written only by the shard process that
 *   claimed it from the holder (the table owner), read by INFO and by the
 *   holder. It is the ETS table of Erlang's heir pattern: a killed shard
 *   loses nothing, its successor claims the same table.
 * - `clients` is the client table (CLIENT LIST / KILL, maxclients): each
 *   connection writes only its own row.
 * - `stats` are counters any process may bump (INFO stats).
 *
 * Processes are found by registered name (`names`), so a restarted one is
 * found again; the hot path caches pids and re-resolves on `DOWN`.
 */
import { ScriptingState } from "../scripting/scripting.js";
import { atom, type Atom } from "../../../term/atom.js";
import { type Proc } from "../../../runtime/process.js";
import { Config } from "./config.js";
import { rewriteConfigFile } from "./config_rewrite.js";
import { Keyspace } from "../commands/db.js";
import { PubSubTable } from "./pubsub_table.js";
import { type ClientTracking, ShardEvents, TrackingTable } from "./tracking.js";
import { type KeyspaceEvents } from "../commands/notify.js";
import type { ChildSpec } from "../../../otp/supervisor.js";
import { type ErrorReply } from "../resp/reply.js";
import { Acl } from "./acl.js";
import { type AclUser } from "./acl_user.js";
import { CallLog } from "./call_stats.js";
import { ReplState } from "../replication/repl_state.js";

/** Registered names of one server's processes (prefix `kv` by default). */
export class Names {
  readonly kv: Atom;
  readonly sup: Atom;
  readonly holder: Atom;
  readonly writer: Atom;
  readonly shardSup: Atom;
  readonly shards: readonly Atom[];
  readonly expiry: Atom;
  /** The process that holds `kv`'s global name while a primary (kv_global.ts). */
  readonly global: Atom;
  readonly connSup: Atom;
  readonly listenerSup: Atom;
  /** The replica link (replication/replica.ts). */
  readonly replica: Atom;
  constructor(
    readonly prefix: string,
    shards: number,
  ) {
    this.kv = atom(prefix);
    this.sup = atom(`${prefix}_sup`);
    this.holder = atom(`${prefix}_holder`);
    this.writer = atom(`${prefix}_writer`);
    this.shardSup = atom(`${prefix}_shard_sup`);
    this.shards = Array.from({ length: shards }, (_, i) => atom(`${prefix}_shard_${i}`));
    this.expiry = atom(`${prefix}_expiry`);
    this.global = atom(`${prefix}_global`);
    this.connSup = atom(`${prefix}_conn_sup`);
    this.listenerSup = atom(`${prefix}_listener_sup`);
    this.replica = atom(`${prefix}_replica`);
  }
  listener(i: number): Atom {
    return atom(`${this.prefix}_listener_${i}`);
  }
}

/** One client's row in the client table, kept by its connection (CLIENT LIST fields). */
export class ClientRow {
  name = "";
  db = 0;
  resp: 2 | 3 = 2;
  /** Last command, as CLIENT LIST's `cmd` (`get`, `client|list`). */
  cmd = "NULL";
  lastInteraction: number;
  /** Bytes waiting in the parser. */
  qbuf = 0;
  /** The client's socket, for the output waiting in it (set by the connection). */
  out: { readonly buffered: number } | null = null;
  /** Commands queued since MULTI, or -1 outside one. */
  multi = -1;
  /** The blocking command the client waits in (blocked.ts), or null: CLIENT UNBLOCK's handle, CLIENT LIST's `b` flag. */
  waiter: { done: boolean } | null = null;
  /** Channels and patterns subscribed to. */
  sub = 0;
  psub = 0;
  authenticated: boolean;
  /** The ACL user the client runs as (the default user until AUTH; the default again once its user is deleted). */
  user: AclUser;
  /** Its pub/sub subscriptions (the connection's own sets), for ACL SETUSER's revocations; null for clients without. */
  subs: { readonly channels: ReadonlySet<string>; readonly patterns: ReadonlySet<string> } | null = null;
  /** CLIENT NO-EVICT ON (flag `e`; Agner evicts no client, so it changes nothing else). */
  noEvict = false;
  /** CLIENT REPLY OFF / SKIP (flags in CLIENT LIST: none in Redis 7.0). */
  replyOff = false;
  /** In MONITOR mode (flag `O`). */
  monitor = false;
  /** A replica's master client (flag `M`): applies its primary's stream, past replica-read-only. */
  master = false;
  /** A replica attached to this primary (after SYNC/PSYNC): CLIENT KILL TYPE replica. */
  replica = false;
  /** Bytes of the arguments of the command running now (CLIENT LIST's `argv-mem`: set while a connection-level command runs). */
  argvMem = 0;
  /** Bytes of the arguments of the commands queued since MULTI (CLIENT LIST's `multi-mem`). */
  multiMem = 0;
  /** CLIENT TRACKING's state while on (tracking.ts). */
  tracking: ClientTracking | null = null;
  /** Set when the output went over the soft limit (ms), else 0. */
  softSince = 0;
  /** Bytes written and not yet taken by the kernel, now (CLIENT LIST's `omem`). */
  get obl(): number {
    return this.out === null ? 0 : this.out.buffered;
  }
  constructor(
    readonly id: number,
    readonly pid: Proc,
    readonly addr: string,
    readonly laddr: string,
    readonly fd: number,
    readonly created: number,
    authenticated: boolean,
    /** Closes the client (CLIENT KILL, limits). */
    readonly kill: (why: string) => void,
    user: AclUser,
  ) {
    this.lastInteraction = created;
    this.authenticated = authenticated;
    this.user = user;
  }
}

export interface KvStats {
  totalConnections: number;
  rejectedConnections: number;
  totalCommands: number;
  netInput: number;
  netOutput: number;
  /** Clients closed for their output buffer (Redis' `client_output_buffer_limit_disconnections`). */
  outputLimitDisconnections: number;
  /** Ops/s samples, one per 100 ms (INFO instantaneous_ops_per_sec averages them, as Redis does). */
  readonly opsSamples: number[];
  lastSampleCommands: number;
  lastSampleTime: number;
}

/**
 * A persistence implementation: the writer's child spec. The writer
 * registers itself as `<prefix>_writer` (`inst.names.writer`) and, when it
 * starts, may load data into `inst.keyspaces` before any shard runs (the
 * writer starts after the keyspace holder and before the shards). Its
 * protocol is aof/persistence.ts's.
 */
export interface Persistence {
  readonly name: string;
  writerSpec(inst: KvInstance): ChildSpec;
  /** INFO persistence's fields (Redis' names: aof_enabled, aof_rewrite_in_progress, ...). */
  info(inst: KvInstance): [string, string | number][];
}

export interface InstanceOptions {
  config?: Config;
  /** Registered-name prefix; `kv` gives `kv`, `kv_shard_0`, ... (tests run several servers with others). */
  prefix?: string;
  /** The persistence writer; the append-only file's by default (chosen by the app: app.ts; it touches no file while `appendonly no`). */
  persistence?: Persistence;
  configFile?: string;
}

export class KvInstance {
  readonly config: Config;
  readonly names: Names;
  readonly shardCount: number;
  /** `shardCount - 1`: a key's shard is `hash & mask`. */
  readonly mask: number;
  readonly keyspaces: readonly Keyspace[];
  readonly clients = new Map<number, ClientRow>();
  /**
   * Set by the persistence writer while it cannot write (a full disk): write
   * commands (and PING, as in Redis) are refused with it, Redis' `-MISCONF`,
   * whatever the fsync policy, until a write succeeds again.
   */
  writeRefusal: ErrorReply | null = null;
  /**
   * Writes go to the persistence writer as records (aof/persistence.ts):
   * `appendonly yes`, or a replication backlog to feed (replication/primary.ts).
   * A field, not a config read, because every batch tests it.
   */
  logsWrites = false;
  /** Set while min-replicas-to-write is not met: write commands are refused with it (-NOREPLICAS). */
  replRefusal: ErrorReply | null = null;
  /** Pub/sub subscriptions of every client (pubsub.ts). */
  readonly pubsub = new PubSubTable();
  /** ACL users and the ACL LOG (acl.ts). */
  readonly acl: Acl;
  /** Client-side caching: who may cache which keys (tracking.ts). */
  readonly tracking: TrackingTable;
  /** Each shard's keyspace hooks (keyspace notifications, tracking). */
  readonly shardEvents: readonly ShardEvents[];
  /** Keyspace notifications only, for scratch keyspaces (a cross-shard command's run: txn.ts). */
  readonly notifications: KeyspaceEvents;
  /** Scripts: the Lua interpreter, the script cache, the script running now (scripting/). */
  readonly scripting = new ScriptingState();
  /** Replication id, offset and backlog (replication/repl_state.ts). */
  readonly repl = new ReplState();
  readonly stats: KvStats;
  /** The persistence writer: the options', or, when they name none, the app's default, set as the tree starts (app.ts). */
  persistence: Persistence | null;
  readonly started = Date.now();
  /** A run id as Redis prints it (40 hex digits). */
  readonly runId: string;
  private nextClientId = 0;
  /** The ports actually bound, per listener index (port 0 picks one). */
  readonly boundPorts = new Map<number, number>();
  /** The config file the server was started with (CONFIG REWRITE writes it), or null. */
  configFile: string | null = null;
  /** Unix ms, refreshed by the cron every 100 ms: for idle times, where a clock read per command would cost more than it tells. */
  clock = Date.now();
  /** Bumped by every CONFIG SET: connections refresh their parser limits when it moves. */
  configVersion = 0;
  /** Highest memory figure INFO has seen (used_memory_peak). */
  peakMemory = 0;
  /** INFO commandstats / errorstats, the slow log, MONITOR (call_log.ts). */
  readonly calls = new CallLog();
  /** The connection process of each client, for the shards to name the caller of a batch (MONITOR, SLOWLOG). */
  readonly rowOf = new WeakMap<Proc, ClientRow>();
  /** CLIENT PAUSE: until when (Unix ms) and what; null when not paused (client_pause.ts). */
  pause: { until: number; all: boolean } | null = null;
  /** Connections holding a command back for the pause, told when it ends. */
  readonly paused = new Set<Proc>();
  /** SHUTDOWN: stops the server (set by whoever started it: the CLI exits the process after; tests stop the tree). */
  shutdownHook: ((why: string) => Promise<void>) | null = null;
  /** Clients waiting in a blocking command (INFO's blocked_clients), and the server-wide order they blocked in (blocked.ts). */
  blockedClients = 0;
  blockOrder = 0;

  constructor(opts: InstanceOptions = {}) {
    this.config = opts.config ?? new Config();
    this.shardCount = this.config.get("shards");
    this.mask = this.shardCount - 1;
    this.names = new Names(opts.prefix ?? "kv", this.shardCount);
    const dbs = this.config.get("databases");
    this.keyspaces = Array.from({ length: this.shardCount }, () => new Keyspace(dbs));
    this.tracking = new TrackingTable(this.clients, this.shardCount);
    this.shardEvents = this.keyspaces.map((ks, i) => (ks.events = new ShardEvents(this.pubsub, this.tracking, i)));
    this.notifications = { publish: (ch, m) => this.pubsub.publish(ch, m), keyChanged: null, flushed: () => {} };
    this.applyEventSettings();
    this.calls.slowerThan = this.config.get("slowlog-log-slower-than");
    this.config.onChange((name) => {
      if (name === "notify-keyspace-events" || name === "tracking-table-max-keys") this.applyEventSettings();
      if (name === "appendonly") this.updateLogsWrites();
      if (name === "slowlog-log-slower-than") this.calls.slowerThan = this.config.get(name);
    });
    this.updateLogsWrites();
    this.persistence = opts.persistence ?? null;
    this.configFile = opts.configFile ?? null;
    this.stats = {
      totalConnections: 0,
      rejectedConnections: 0,
      totalCommands: 0,
      netInput: 0,
      netOutput: 0,
      outputLimitDisconnections: 0,
      opsSamples: [],
      lastSampleCommands: 0,
      lastSampleTime: Date.now(),
    };
    this.acl = newAcl(this.config);
    let id = "";
    for (let i = 0; i < 40; i++) id += ((Math.random() * 16) | 0).toString(16);
    this.runId = id;
  }

  /** Recomputes {@link logsWrites}: after CONFIG SET appendonly, and once a replication backlog exists. */
  updateLogsWrites(): void {
    this.logsWrites = this.config.get("appendonly") || this.repl.backlog !== null;
  }

  /** notify-keyspace-events and tracking-table-max-keys to the shards' keyspaces and the tracking table. */
  private applyEventSettings(): void {
    const flags = this.config.get("notify-keyspace-events");
    for (const ks of this.keyspaces) ks.notifyFlags = flags;
    this.tracking.maxKeys = Number(this.config.get("tracking-table-max-keys"));
  }

  /** A client turned tracking on: from now every shard passes key changes on (Redis creates its table then). */
  startTracking(): void {
    for (const e of this.shardEvents) e.track();
  }

  /** CONFIG REWRITE: the config file with the current settings (config_rewrite.ts). */
  rewriteConfig(file: string): void {
    rewriteConfigFile(file, this.config, this.acl.listLines());
  }

  newClientId(): number {
    return ++this.nextClientId;
  }

  /** The port the first listener is bound to (the configured one, or what port 0 picked). */
  get port(): number {
    return this.boundPorts.get(0) ?? this.config.get("port");
  }

  /** Adds one ops/s sample (the cron calls it every 100 ms). */
  sampleOps(now: number): void {
    const s = this.stats;
    const dt = now - s.lastSampleTime;
    if (dt <= 0) return;
    const ops = ((s.totalCommands - s.lastSampleCommands) * 1000) / dt;
    s.opsSamples.push(ops);
    if (s.opsSamples.length > 16) s.opsSamples.shift();
    s.lastSampleCommands = s.totalCommands;
    s.lastSampleTime = now;
  }

  get instantaneousOps(): number {
    const xs = this.stats.opsSamples;
    if (xs.length === 0) return 0;
    return Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  }
}

/**
 * The ACL at start, as redis-server makes it: the default user (its
 * password `requirepass`, kept so by CONFIG SET), then the config file's
 * `user` lines or the `aclfile`, not both. An error stops the start.
 */
function newAcl(cfg: Config): Acl {
  const acl = new Acl(
    () => cfg.get("acl-pubsub-default") === "allchannels",
    () => Number(cfg.get("acllog-max-len")),
  );
  acl.setDefaultPassword(cfg.get("requirepass"));
  cfg.onChange((n) => {
    if (n === "requirepass") acl.setDefaultPassword(cfg.get("requirepass"));
  });
  const users = cfg.directives.user;
  const file = cfg.get("aclfile");
  if (file !== "" && users.length > 0) {
    throw new Error(
      "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.",
    );
  }
  const e = acl.loadConfigured(users);
  if (e !== null) throw new Error(`Critical error while loading ACLs: ${e}`);
  if (file !== "") {
    const f = acl.loadFile(file, []);
    if (f !== null) throw new Error(`Aborting Redis startup because of ACL errors: ${f}`);
  }
  return acl;
}
