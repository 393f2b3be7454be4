/**
 * INFO: the sections and field names of Redis 7.0 (server, clients,
 * memory, persistence, stats, replication, cpu, keyspace), with Agner's
 * figures. `used_memory` is the data's size as redis-server would hold it
 * (eviction.ts' usedMemory: the keyspace's accounting, what maxmemory
 * compares against); the Node process's own figures are beside it:
 * `used_memory_rss` the resident set, `used_memory_vm_heap` the JS heap in
 * use plus memory held outside it (Buffers).
 */
import { replicationInfo, syncStats } from "../replication/primary_commands.js";
import os from "node:os";
import type { KvInstance } from "./instance.js";
import { NO_PERSISTENCE_INFO } from "../aof/persistence.js";
import { rdbInfo } from "../aof/rdb_status.js";
import { atomCount, atomLimit } from "../../../term/atom.js";
import { usedMemory } from "./eviction.js";

/** The version clients see (HELLO, INFO redis_version): the Redis release whose behaviour this server follows. */
export const REDIS_COMPAT_VERSION = "7.0.15";

const AGNER_VERSION = "0.1.0";

const DEFAULT = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"];
const ALL = [...DEFAULT.filter((s) => s !== "modules"), "commandstats", "latencystats"];

/** Redis' bytesToHuman: `11.41M`, `200B`. */
export function humanBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ["K", "M", "G", "T", "P"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

type Field = [string, string | number];

/** The largest output waiting for a client now (Redis: "biggest output buffer among current client connections"). */
function maxOutput(inst: KvInstance): number {
  let max = 0;
  for (const row of inst.clients.values()) max = Math.max(max, row.obl);
  return max;
}

/** Redis' `cmdstat_get:calls=2,usec=15,usec_per_call=7.50,rejected_calls=0,failed_calls=0` (subcommands as `client|list`). */
function commandStats(inst: KvInstance): Field[] {
  const out: Field[] = [];
  for (const [name, c] of inst.calls.commands) {
    if (c.calls === 0 && c.failed === 0 && c.rejected === 0) continue;
    const usec = Math.floor(c.usec);
    const per = c.calls === 0 ? 0 : usec / c.calls;
    out.push([`cmdstat_${name}`, `calls=${c.calls},usec=${usec},usec_per_call=${per.toFixed(2)},rejected_calls=${c.rejected},failed_calls=${c.failed}`]);
  }
  return out;
}

function section(title: string, fields: Field[]): string {
  return `# ${title}\r\n` + fields.map(([k, v]) => `${k}:${v}\r\n`).join("");
}

/** The INFO text for the requested sections (none: `default`). */
export function infoText(inst: KvInstance, requested: string[]): string {
  let names: string[];
  if (requested.length === 0 || requested.includes("default")) names = [...DEFAULT];
  else if (requested.includes("all") || requested.includes("everything")) names = [...ALL];
  else names = [];
  for (const r of requested) if (!["default", "all", "everything"].includes(r) && !names.includes(r)) names.push(r);
  const parts: string[] = [];
  for (const n of names) {
    const s = build(inst, n);
    if (s !== null) parts.push(s);
  }
  return parts.join("\r\n");
}

function build(inst: KvInstance, name: string): string | null {
  const cfg = inst.config;
  const now = Date.now();
  switch (name) {
    case "server": {
      const up = Math.floor((now - inst.started) / 1000);
      return section("Server", [
        ["redis_version", REDIS_COMPAT_VERSION],
        ["agner_version", AGNER_VERSION],
        ["redis_git_sha1", "00000000"],
        ["redis_git_dirty", 0],
        ["redis_build_id", "0"],
        ["redis_mode", "standalone"],
        ["os", `${os.type()} ${os.release()} ${os.arch()}`],
        ["arch_bits", 64],
        ["monotonic_clock", "POSIX clock_gettime"],
        ["multiplexing_api", "libuv"],
        ["process_id", process.pid],
        ["process_supervised", "no"],
        ["run_id", inst.runId],
        ["tcp_port", inst.port],
        ["server_time_usec", Math.floor((performance.timeOrigin + performance.now()) * 1000)],
        ["uptime_in_seconds", up],
        ["uptime_in_days", Math.floor(up / 86400)],
        ["hz", cfg.get("hz")],
        ["configured_hz", cfg.get("hz")],
        ["executable", process.argv[1] ?? ""],
        ["config_file", inst.configFile ?? ""],
        ["node_version", process.version],
        ["node_name", cfg.get("node-name")],
        ["shards", inst.shardCount],
      ]);
    }
    case "clients":
      return section("Clients", [
        ["connected_clients", inst.clients.size],
        ["cluster_connections", 0],
        ["maxclients", cfg.get("maxclients")],
        ["client_recent_max_input_buffer", 0],
        ["client_recent_max_output_buffer", maxOutput(inst)],
        ["blocked_clients", inst.blockedClients],
        ["tracking_clients", inst.tracking.clients],
        ["clients_in_timeout_table", 0],
      ]);
    case "memory": {
      const m = process.memoryUsage();
      const used = usedMemory(inst);
      const heap = m.heapUsed + m.external;
      inst.peakMemory = Math.max(inst.peakMemory, used);
      const max = Number(cfg.get("maxmemory"));
      return section("Memory", [
        ["used_memory", used],
        ["used_memory_human", humanBytes(used)],
        ["used_memory_rss", m.rss],
        ["used_memory_rss_human", humanBytes(m.rss)],
        ["used_memory_peak", inst.peakMemory],
        ["used_memory_peak_human", humanBytes(inst.peakMemory)],
        ["used_memory_peak_perc", `${((used / Math.max(1, inst.peakMemory)) * 100).toFixed(2)}%`],
        ["used_memory_dataset", used],
        ["used_memory_vm_heap", heap],
        ["used_memory_vm_heap_human", humanBytes(heap)],
        ["used_memory_heap_total", m.heapTotal],
        ["used_memory_external", m.external],
        ...inst.scripting.memoryInfo(humanBytes),
        ["total_system_memory", os.totalmem()],
        ["total_system_memory_human", humanBytes(os.totalmem())],
        ["maxmemory", max],
        ["maxmemory_human", humanBytes(max)],
        ["maxmemory_policy", cfg.get("maxmemory-policy")],
        ["mem_fragmentation_ratio", (m.rss / Math.max(1, used)).toFixed(2)],
        // Redis': replication and AOF buffers, left out of the comparison with maxmemory (none here: the AOF writer's buffer is not data).
        ["mem_not_counted_for_evict", 0],
        ["mem_allocator", `v8-${process.versions.v8}`],
        // Agner's: atoms are never freed; peers past the limit are disconnected (docs/distribution.md).
        ["atom_count", atomCount()],
        ["atom_limit", atomLimit()],
      ]);
    }
    case "persistence":
      return section("Persistence", withRdb(inst, inst.persistence?.info(inst) ?? NO_PERSISTENCE_INFO));
    case "stats": {
      let expired = 0;
      let evicted = 0;
      let hits = 0;
      let misses = 0;
      for (const ks of inst.keyspaces) {
        expired += ks.stats.expiredKeys;
        evicted += ks.stats.evictedKeys;
        hits += ks.stats.keyspaceHits;
        misses += ks.stats.keyspaceMisses;
      }
      const s = inst.stats;
      return section("Stats", [
        ["total_connections_received", s.totalConnections],
        ["total_commands_processed", s.totalCommands],
        ["instantaneous_ops_per_sec", inst.instantaneousOps],
        ["total_net_input_bytes", s.netInput],
        ["total_net_output_bytes", s.netOutput],
        ["rejected_connections", s.rejectedConnections],
        ...syncStats(inst),
        ["expired_keys", expired],
        ["evicted_keys", evicted],
        ["keyspace_hits", hits],
        ["keyspace_misses", misses],
        ["pubsub_channels", inst.pubsub.channels.size],
        ["pubsub_patterns", inst.pubsub.patterns.size],
        ["client_output_buffer_limit_disconnections", s.outputLimitDisconnections],
        ["total_error_replies", inst.calls.totalErrorReplies],
        ["tracking_total_keys", inst.tracking.totalKeys],
        ["tracking_total_items", inst.tracking.totalItems],
        ["tracking_total_prefixes", inst.tracking.prefixes.size],
      ]);
    }
    case "replication":
      return section("Replication", replicationInfo(inst));
    case "cpu": {
      const u = process.cpuUsage();
      return section("CPU", [
        ["used_cpu_sys", (u.system / 1e6).toFixed(6)],
        ["used_cpu_user", (u.user / 1e6).toFixed(6)],
        ["used_cpu_sys_children", "0.000000"],
        ["used_cpu_user_children", "0.000000"],
      ]);
    }
    case "modules":
      return section("Modules", []);
    case "errorstats":
      return section("Errorstats", [...inst.calls.errors].map(([code, n]) => [`errorstat_${code}`, `count=${n}`]));
    case "cluster":
      return section("Cluster", [["cluster_enabled", 0]]);
    case "keyspace": {
      const fields: Field[] = [];
      const n = inst.config.get("databases");
      for (let db = 0; db < n; db++) {
        let keys = 0;
        let expires = 0;
        let ttlSum = 0;
        let ttlShards = 0;
        for (const ks of inst.keyspaces) {
          const d = ks.db(db);
          keys += d.size;
          expires += d.expires.size;
          if (d.avgTtl > 0) {
            ttlSum += d.avgTtl;
            ttlShards++;
          }
        }
        if (keys > 0) fields.push([`db${db}`, `keys=${keys},expires=${expires},avg_ttl=${ttlShards ? Math.round(ttlSum / ttlShards) : 0}`]);
      }
      return section("Keyspace", fields);
    }
    case "commandstats":
      return section("Commandstats", commandStats(inst));
    case "latencystats":
      return section("Latencystats", []);
  }
  return null;
}

/** The persistence writer's rows with the RDB snapshots' in place of its rdb_* placeholders. */
function withRdb(inst: KvInstance, rows: readonly [string, string | number][]): [string, string | number][] {
  const out: [string, string | number][] = [];
  let placed = false;
  for (const r of rows) {
    if (!r[0].startsWith("rdb_")) out.push(r);
    else if (!placed) {
      placed = true;
      out.push(...rdbInfo(inst));
    }
  }
  return out;
}
