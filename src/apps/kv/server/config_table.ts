/**
 * Every setting: each directive of Redis 7.0.15's config.c (its
 * standardConfig table, TLS ones included as Debian builds them) with
 * Redis' type, bounds, enum values and aliases, then Agner's own. `effect`
 * says what each does here (config_defs.ts's Effect); docs/kv_server.md
 * "Settings" says why the ones without effect have none. Defaults are
 * Redis' except where Agner differs on purpose (port, bind, dir, save,
 * client-output-buffer-limit: see the docs).
 */
import { type Def, INT_MAX, INT_MIN, LONG_MAX, ULLONG_MAX, UINT_MAX, bool, flagSet, num, oneOf, str } from "./config_defs.js";
import { type OutputLimits, bindAddresses, dataDir, notifyKeyspaceEvents, oomScoreAdjValues, outputLimits, percentiles, replicaOf, savePoints } from "./config_special.js";

const LLONG_MAX = LONG_MAX;
const APPLIED = { effect: "applied" } as const;
const HOOK = { effect: "hook" } as const;
const FIXED = { fixed: true } as const;

const baseName = (what: string, kind = "a filename") => (v: string) => (v.includes("/") || v.includes("\\") ? `${what} can't be a path, just ${kind}` : undefined);
const notEmpty = (what: string, then: (v: string) => string | undefined) => (v: string) => (v === "" ? `${what} can't be empty` : then(v));

/** Redis' validateProcTitleTemplate: known `{variables}` only, and not empty once expanded. */
function procTitleTemplate(v: string): string | undefined {
  const bad = "template format is invalid or contains unknown variables";
  const vars: Record<string, string> = { title: "", "listen-addr": "*:0", "server-mode": "", "config-file": "-", port: "0", "tls-port": "0", unixsocket: "" };
  let out = "";
  for (let i = 0; i < v.length; ) {
    const open = v.indexOf("{", i);
    if (open < 0) {
      out += v.slice(i);
      break;
    }
    out += v.slice(i, open);
    if (open + 1 >= v.length) return bad;
    if (v[open + 1] === "{") {
      out += "{";
      i = open + 2;
      continue;
    }
    const close = v.indexOf("}", open + 1);
    if (close < 0) return bad;
    const value = vars[v.slice(open + 1, close)];
    if (value === undefined) return bad;
    out += value;
    i = close + 1;
  }
  return out.replace(/^ +| +$/g, "") === "" ? bad : undefined;
}

function hostname(v: string): string | undefined {
  if (v.length >= 256) return "Hostnames must be less than 256 characters";
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return "Hostnames may only contain alphanumeric characters, hyphens or dots";
  return undefined;
}

const DEFAULT_OUTPUT: OutputLimits = {
  // Redis leaves normal clients unbounded; a client that never reads must not take the node's memory.
  normal: { hard: 256 * 1024 ** 2, soft: 64 * 1024 ** 2, softSeconds: 60 },
  replica: { hard: 256 * 1024 ** 2, soft: 64 * 1024 ** 2, softSeconds: 60 },
  pubsub: { hard: 32 * 1024 ** 2, soft: 8 * 1024 ** 2, softSeconds: 60 },
};

const PROTECTED = ["no", "yes", "local"] as const;
const SHUTDOWN = ["default", "save", "nosave", "now", "force"] as const;
const shutdownFlags = (s: Set<string>) => (s.has("save") && s.has("nosave") ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : undefined);

/** The settings table, in CONFIG GET's order of listing. */
export const SETTINGS = {
  // Redis 7.0's bool configs.
  rdbchecksum: bool(true, { ...FIXED, ...APPLIED }),
  daemonize: bool(false, FIXED),
  "io-threads-do-reads": bool(false, FIXED),
  "always-show-logo": bool(false, FIXED),
  "protected-mode": bool(true, APPLIED),
  rdbcompression: bool(true, APPLIED),
  "rdb-del-sync-files": bool(false),
  activerehashing: bool(true),
  "stop-writes-on-bgsave-error": bool(true),
  "set-proc-title": bool(true, FIXED),
  "dynamic-hz": bool(true),
  /** Evictions propagate UNLINK instead of DEL. */
  "lazyfree-lazy-eviction": bool(false, APPLIED),
  "lazyfree-lazy-expire": bool(false, HOOK),
  "lazyfree-lazy-server-del": bool(false, HOOK),
  "lazyfree-lazy-user-del": bool(false, HOOK),
  "lazyfree-lazy-user-flush": bool(false, HOOK),
  "repl-disable-tcp-nodelay": bool(false),
  "repl-diskless-sync": bool(true),
  "aof-rewrite-incremental-fsync": bool(true),
  "no-appendfsync-on-rewrite": bool(false),
  "cluster-require-full-coverage": bool(true),
  "rdb-save-incremental-fsync": bool(true),
  /** A torn last record of the append-only file is cut off at start (no: refuse to start). */
  "aof-load-truncated": bool(true, APPLIED),
  "aof-use-rdb-preamble": bool(true),
  "aof-timestamp-enabled": bool(false),
  "cluster-replica-no-failover": bool(false, { alias: "cluster-slave-no-failover" }),
  "replica-lazy-flush": bool(false, { alias: "slave-lazy-flush" }),
  "replica-serve-stale-data": bool(true, { ...APPLIED, alias: "slave-serve-stale-data" }),
  "replica-read-only": bool(true, { ...APPLIED, alias: "slave-read-only" }),
  "replica-ignore-maxmemory": bool(true, { ...APPLIED, alias: "slave-ignore-maxmemory" }),
  "jemalloc-bg-thread": bool(true),
  activedefrag: bool(false, {}, (v) =>
    v ? "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution" : undefined,
  ),
  "syslog-enabled": bool(false, FIXED),
  "cluster-enabled": bool(false, FIXED),
  appendonly: bool(false, APPLIED),
  "cluster-allow-reads-when-down": bool(false),
  "cluster-allow-pubsubshard-when-down": bool(true),
  "crash-log-enabled": bool(true),
  "crash-memcheck-enabled": bool(true),
  "use-exit-on-panic": bool(false, { hidden: true }),
  "disable-thp": bool(true, FIXED),
  "cluster-allow-replica-migration": bool(true),
  "replica-announced": bool(true),
  "latency-tracking": bool(true),
  "aof-disable-auto-gc": bool(false),
  "replica-ignore-disk-write-errors": bool(false),

  // Strings.
  aclfile: str("", { ...FIXED, ...APPLIED }),
  unixsocket: str("", { ...FIXED, emptyIsNull: true }),
  pidfile: str("", { ...FIXED, ...APPLIED, emptyIsNull: true }),
  "replica-announce-ip": str("", { alias: "slave-announce-ip", emptyIsNull: true }),
  masteruser: str("", { ...APPLIED, emptyIsNull: true }),
  "cluster-announce-ip": str("", { emptyIsNull: true }),
  "cluster-config-file": str("nodes.conf", FIXED),
  "cluster-announce-hostname": str("", { emptyIsNull: true }, hostname),
  "syslog-ident": str("redis", FIXED),
  dbfilename: str("dump.rdb", { protected: true, ...APPLIED }, baseName("dbfilename")),
  appendfilename: str("appendonly.aof", { ...FIXED, ...APPLIED }, notEmpty("appendfilename", baseName("appendfilename"))),
  appenddirname: str("appendonlydir", { ...FIXED, ...APPLIED }, notEmpty("appenddirname", baseName("appenddirname", "a dirname"))),
  server_cpulist: str("", { ...FIXED, emptyIsNull: true }),
  bio_cpulist: str("", { ...FIXED, emptyIsNull: true }),
  aof_rewrite_cpulist: str("", { ...FIXED, emptyIsNull: true }),
  bgsave_cpulist: str("", { ...FIXED, emptyIsNull: true }),
  "ignore-warnings": str(""),
  "proc-title-template": str("{title} {listen-addr} {server-mode}", {}, procTitleTemplate),
  "bind-source-addr": str("", { emptyIsNull: true }),
  logfile: str("", { ...FIXED, ...APPLIED }),
  masterauth: str("", { ...APPLIED, emptyIsNull: true }),
  /** The password of the `default` user. */
  requirepass: str("", { ...APPLIED, emptyIsNull: true }),

  // Enums.
  supervised: oneOf("no", ["upstart", "systemd", "auto", "no"] as const, FIXED),
  "syslog-facility": oneOf("local0", ["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"] as const, FIXED),
  "repl-diskless-load": oneOf("disabled", ["disabled", "on-empty-db", "swapdb"] as const),
  loglevel: oneOf("notice", ["debug", "verbose", "notice", "warning"] as const),
  "maxmemory-policy": oneOf("noeviction", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"] as const, APPLIED),
  appendfsync: oneOf("everysec", ["everysec", "always", "no"] as const, APPLIED),
  "oom-score-adj": oneOf("no", ["no", "yes", "relative", "absolute"] as const, { same: { relative: "yes" } }),
  "acl-pubsub-default": oneOf("resetchannels", ["allchannels", "resetchannels"] as const, APPLIED),
  "sanitize-dump-payload": oneOf("no", ["no", "yes", "clients"] as const),
  /** Whether CONFIG SET may change dir and dbfilename (`local`: from loopback clients). */
  "enable-protected-configs": oneOf("no", PROTECTED, { ...FIXED, ...APPLIED }),
  "enable-debug-command": oneOf("no", PROTECTED, FIXED),
  "enable-module-command": oneOf("no", PROTECTED, FIXED),
  "cluster-preferred-endpoint-type": oneOf("ip", ["ip", "hostname", "unknown-endpoint"] as const),
  "propagation-error-behavior": oneOf("ignore", ["ignore", "panic", "panic-on-replicas"] as const),
  "shutdown-on-sigint": flagSet(SHUTDOWN, {}, shutdownFlags),
  "shutdown-on-sigterm": flagSet(SHUTDOWN, {}, shutdownFlags),

  // Numbers, with their C types' bounds.
  databases: num(16, "1", INT_MAX, { ...FIXED, ...APPLIED }),
  port: num(6380, "0", "65535", APPLIED),
  "io-threads": num(1, "1", "128", FIXED),
  /** Rewrite the append-only file once it grew by this many percent over its size after the last rewrite (0: never). */
  "auto-aof-rewrite-percentage": num(100, "0", INT_MAX, APPLIED),
  "cluster-replica-validity-factor": num(10, "0", INT_MAX, { alias: "cluster-slave-validity-factor" }),
  "list-max-listpack-size": num(-2, INT_MIN, INT_MAX, { alias: "list-max-ziplist-size" }),
  "tcp-keepalive": num(300, "0", INT_MAX, APPLIED),
  "cluster-migration-barrier": num(1, "0", INT_MAX),
  "active-defrag-cycle-min": num(1, "1", "99"),
  "active-defrag-cycle-max": num(25, "1", "99"),
  "active-defrag-threshold-lower": num(10, "0", "1000"),
  "active-defrag-threshold-upper": num(100, "0", "1000"),
  "lfu-log-factor": num(10, "0", INT_MAX, APPLIED),
  "lfu-decay-time": num(1, "0", INT_MAX, APPLIED),
  "replica-priority": num(100, "0", INT_MAX, { alias: "slave-priority" }),
  "repl-diskless-sync-delay": num(5, "0", INT_MAX),
  "maxmemory-samples": num(5, "1", INT_MAX, APPLIED),
  "maxmemory-eviction-tenacity": num(10, "0", "100"),
  timeout: num(0, "0", INT_MAX, APPLIED),
  "replica-announce-port": num(0, "0", "65535", { ...APPLIED, alias: "slave-announce-port" }),
  "tcp-backlog": num(511, "0", INT_MAX, { ...FIXED, ...APPLIED }),
  "cluster-port": num(0, "0", "65535", FIXED),
  "cluster-announce-bus-port": num(0, "0", "65535"),
  "cluster-announce-port": num(0, "0", "65535"),
  "cluster-announce-tls-port": num(0, "0", "65535"),
  "repl-timeout": num(60, "1", INT_MAX, APPLIED),
  "repl-ping-replica-period": num(10, "1", INT_MAX, { alias: "repl-ping-slave-period" }),
  "list-compress-depth": num(0, "0", INT_MAX),
  "rdb-key-save-delay": num(0, INT_MIN, INT_MAX, { hidden: true, ...APPLIED }),
  "key-load-delay": num(0, INT_MIN, INT_MAX, { hidden: true }),
  "active-expire-effort": num(1, "1", "10"),
  /** Active expiry cycles per second: Redis clamps to 1..500 instead of refusing. */
  hz: num(10, "0", INT_MAX, { ...APPLIED, clamp: (v) => Math.min(500, Math.max(1, v)) }),
  "min-replicas-to-write": num(0, "0", INT_MAX, { alias: "min-slaves-to-write" }),
  "min-replicas-max-lag": num(10, "0", INT_MAX, { alias: "min-slaves-max-lag" }),
  "watchdog-period": num(0, "0", INT_MAX, { hidden: true }),
  "shutdown-timeout": num(10, "0", INT_MAX),
  "repl-diskless-sync-max-replicas": num(0, "0", INT_MAX),
  maxclients: num(10000, "1", UINT_MAX, { ...APPLIED, unsigned: true }),
  unixsocketperm: num(0, "0", "511", { ...FIXED, unsigned: true, octal: true }),
  "socket-mark-id": num(0, "0", UINT_MAX, { ...FIXED, unsigned: true }),
  "active-defrag-max-scan-fields": num(1000, "1", LONG_MAX),
  "slowlog-max-len": num(128, "0", LONG_MAX, HOOK),
  "acllog-max-len": num(128, "0", LONG_MAX, APPLIED),
  /** Milliseconds a script or function may run before others get -BUSY. */
  "busy-reply-threshold": num(5000, "0", LONG_MAX, { ...APPLIED, alias: "lua-time-limit" }),
  "cluster-node-timeout": num(15000, "0", LLONG_MAX),
  /** Microseconds; -1: log nothing, 0: log every command. */
  "slowlog-log-slower-than": num(10000, "-1", LLONG_MAX, HOOK),
  "latency-monitor-threshold": num(0, "0", LLONG_MAX),
  "proto-max-bulk-len": num(512 * 1024 ** 2, String(1024 * 1024), LONG_MAX, { ...APPLIED, memory: true }),
  "stream-node-max-entries": num(100, "0", LLONG_MAX),
  "repl-backlog-size": num(1024 * 1024, "1", LLONG_MAX, { memory: true }),
  /** Bytes; 0: no limit. */
  /** Bytes of data (INFO used_memory, docs/kv_server.md "Memory and eviction"); 0: no limit. */
  maxmemory: num(0, "0", ULLONG_MAX, { ...APPLIED, unsigned: true, memory: true }),
  "cluster-link-sendbuf-limit": num(0, "0", ULLONG_MAX, { unsigned: true, memory: true }),
  "hash-max-listpack-entries": num(512, "0", LONG_MAX, { unsigned: true, alias: "hash-max-ziplist-entries" }),
  "set-max-intset-entries": num(512, "0", LONG_MAX, { unsigned: true }),
  "zset-max-listpack-entries": num(128, "0", LONG_MAX, { unsigned: true, alias: "zset-max-ziplist-entries" }),
  "active-defrag-ignore-bytes": num(100 * 1024 ** 2, "1", LLONG_MAX, { unsigned: true, memory: true }),
  "hash-max-listpack-value": num(64, "0", LONG_MAX, { unsigned: true, memory: true, alias: "hash-max-ziplist-value" }),
  "stream-node-max-bytes": num(4096, "0", LONG_MAX, { unsigned: true, memory: true }),
  "zset-max-listpack-value": num(64, "0", LONG_MAX, { unsigned: true, memory: true, alias: "zset-max-ziplist-value" }),
  "hll-sparse-max-bytes": num(3000, "0", LONG_MAX, { unsigned: true, memory: true }),
  "tracking-table-max-keys": num(1000000, "0", LONG_MAX, { ...APPLIED, unsigned: true }),
  "client-query-buffer-limit": num(1024 ** 3, String(1024 * 1024), LONG_MAX, { ...APPLIED, unsigned: true, memory: true }),
  /** Bytes, or a percentage of maxmemory kept negative (-10 is `10%`), as Redis keeps it. */
  "maxmemory-clients": num(0, "-100", LONG_MAX, { memory: true, percent: true }),
  "repl-backlog-ttl": num(3600, "0", LONG_MAX),
  "auto-aof-rewrite-min-size": num(64 * 1024 ** 2, "0", LLONG_MAX, { ...APPLIED, memory: true }),
  "loading-process-events-interval-bytes": num(2 * 1024 * 1024, "1024", INT_MAX, { hidden: true }),

  // TLS (Debian's redis-server is built with it).
  "tls-port": num(0, "0", "65535"),
  "tls-session-cache-size": num(20 * 1024, "0", INT_MAX),
  "tls-session-cache-timeout": num(300, "0", INT_MAX),
  "tls-cluster": bool(false),
  "tls-replication": bool(false),
  "tls-auth-clients": oneOf("yes", ["no", "yes", "optional"] as const),
  "tls-prefer-server-ciphers": bool(false),
  "tls-session-caching": bool(true),
  "tls-cert-file": str("", { emptyIsNull: true }),
  "tls-key-file": str("", { emptyIsNull: true }),
  "tls-key-file-pass": str("", { emptyIsNull: true }),
  "tls-client-cert-file": str("", { emptyIsNull: true }),
  "tls-client-key-file": str("", { emptyIsNull: true }),
  "tls-client-key-file-pass": str("", { emptyIsNull: true }),
  "tls-dh-params-file": str("", { emptyIsNull: true }),
  "tls-ca-cert-file": str("", { emptyIsNull: true }),
  "tls-ca-cert-dir": str("", { emptyIsNull: true }),
  "tls-protocols": str("", { emptyIsNull: true }),
  "tls-ciphers": str("", { emptyIsNull: true }),
  "tls-ciphersuites": str("", { emptyIsNull: true }),

  // Special configs.
  /** The data directory (made at start if missing). */
  dir: dataDir("./data", { ...APPLIED, protected: true }),
  /** RDB save points (aof/rdb_bgsave.ts's checkSavePoints); none by default, unlike Redis. */
  save: savePoints([], APPLIED),
  "client-output-buffer-limit": outputLimits(DEFAULT_OUTPUT, APPLIED),
  "oom-score-adj-values": oomScoreAdjValues({}),
  /** Which keyspace events are published (NOTIFY bits of config_special.ts). */
  "notify-keyspace-events": notifyKeyspaceEvents(APPLIED),
  bind: bindAddresses(["127.0.0.1"], APPLIED),
  replicaof: replicaOf({ ...FIXED, ...APPLIED, alias: "slaveof" }),
  "latency-tracking-info-percentiles": percentiles({}),

  // Agner's own.
  /** Agner: how many shard processes hold the keys (a power of two). */
  // 2: measured (docs/kv_server.md, "Shards"): nearly one shard's cost per request, twice the keys per database.
  shards: num(2, "1", "1024", { ...FIXED, ...APPLIED, valid: (n) => ((n & (n - 1)) !== 0 ? "argument must be a power of two" : undefined) }),
  /** Agner: the Erlang node name the server runs as. */
  "node-name": str("agner@localhost", { ...FIXED, ...APPLIED }),
  /** Agner: make the server an Erlang node at start (so `iex` can call `kv`). */
  distribution: bool(true, { ...FIXED, ...APPLIED }),
  /** Agner: the node's magic cookie; empty = Erlang's lookup (AGNER_COOKIE, then ~/.erlang.cookie). */
  cookie: str("", { ...FIXED, ...APPLIED }),
  /** Agner: connect to other nodes as a hidden node (not in their `Node.list()`; no `global` sync). */
  "node-hidden": bool(true, { ...FIXED, ...APPLIED }),
  "kv-global-name": str("kv", { ...FIXED, ...APPLIED }),
  /** Agner: the distribution listen address (erl's inet_dist_use_interface; `0.0.0.0` or `::`: every interface). */
  "dist-bind": str("127.0.0.1", { ...FIXED, ...APPLIED }),
  /** Agner: the distribution listen port range (erl's inet_dist_listen_min/max): 0 = any free port. */
  "dist-listen-min": num(0, "0", "65535", { ...FIXED, ...APPLIED }),
  /** Agner: ... its last port (0 = dist-listen-min). */
  "dist-listen-max": num(0, "0", "65535", { ...FIXED, ...APPLIED }),
  /** Agner: nodes to connect to at start (comma-separated), then to the nodes they are connected to: a cluster member from the start. */
  join: str("", { ...FIXED, ...APPLIED }),
  /** Agner: how long to keep trying to reach a `join` node, in seconds, before giving up (0 = forever). */
  "join-timeout": num(60, "0", "86400", { ...FIXED, ...APPLIED }),
  /** Agner: erl's net_ticktime in seconds: a peer silent for about this long is down (nodes of one cluster should agree). */
  "net-ticktime": num(60, "1", "86400", { ...FIXED, ...APPLIED }),
  /** Agner: serve the memcached text protocol too (on the same data, database 0). */
  memcached: bool(true, { ...FIXED, ...APPLIED }),
  /** Agner: the memcached port (0 picks a free one). */
  "memcached-port": num(11212, "0", "65535", { ...FIXED, ...APPLIED }),
  /** Agner: the memcached listen addresses. */
  "memcached-bind": bindAddresses(["127.0.0.1"], { ...FIXED, ...APPLIED }),
  /** Agner: memcached's item_size_max (`-I`): key + value + 59 bytes at most; its range 1k..1024m, capped at the longest JS string. */
  "memcached-item-size-max": num(1024 * 1024, "1024", String(2 ** 29 - 24), { ...APPLIED, unsigned: true, memory: true }),
};

/** Every setting, by its redis.conf name, with its parsed type. */
export type Settings = { [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K] extends Def<infer T> ? T : never };
export type SettingName = keyof Settings;
export type Fsync = Settings["appendfsync"];

/** Agner's own settings (not in Redis 7.0). */
export const AGNER_SETTINGS: readonly SettingName[] = ["shards", "node-name", "distribution", "cookie", "node-hidden", "kv-global-name", "dist-bind", "dist-listen-min", "dist-listen-max", "join", "join-timeout", "net-ticktime", "memcached", "memcached-port", "memcached-bind", "memcached-item-size-max"];
