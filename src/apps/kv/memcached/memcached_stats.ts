/**
 * memcached's `stats` replies (general, settings, items, slabs, sizes,
 * reset) over the server's and the shards' counters.
 */
import os from "node:os";
import v8 from "node:v8";
import { type Keyspace } from "../commands/db.js";
import { type KvInstance } from "../server/instance.js";
import { MC_COUNTER_NAMES, McCounters, mcState } from "./memcached_commands.js";
import { ITEM_OVERHEAD } from "./memcached_parser.js";
import { MEMCACHED_COMPAT_VERSION, formatStats } from "./memcached_protocol.js";
import { mcServer, memcachedPort } from "./memcached_state.js";

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
