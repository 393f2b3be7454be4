/**
 * The KV page from a KV server's report (`{ info, slowlog }`: its INFO text
 * in Redis' format and its newest SLOWLOG entries). The report may come
 * from another node over distribution, so it is read as untrusted input:
 * anything malformed is skipped, never thrown on, and every list is capped.
 */
import type { KvCommand, KvPage, KvSlow } from "./types.js";

/** At most this many INFO lines, slow-log entries and characters of a slow command are read. */
const MAX_LINES = 5_000;
const MAX_SLOW = 50;
const MAX_COMMAND = 200;
const MAX_VALUE = 500;

/** The fields of these sections shown, in this order, when present (the rest are many and rarely looked at). */
const MEMORY = ["used_memory_human", "used_memory_peak_human", "used_memory_rss_human", "used_memory_vm_heap", "maxmemory_human", "maxmemory_policy", "evicted_keys"];
const PERSISTENCE = [
  "loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec",
  "aof_enabled", "aof_rewrite_in_progress", "aof_last_bgrewrite_status", "aof_last_write_status", "aof_current_size", "aof_base_size",
];

/** INFO text as sections (lowercased titles) of key/value pairs. */
export function parseInfo(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section = new Map<string, string>();
  out.set("", section);
  const lines = text.split("\n", MAX_LINES);
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line.startsWith("# ")) {
      const title = line.slice(2).trim().toLowerCase();
      section = out.get(title) ?? new Map();
      out.set(title, section);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon > 0) section.set(line.slice(0, colon), line.slice(colon + 1, colon + 1 + MAX_VALUE));
  }
  return out;
}

/** `calls=3,usec=12,...` as a map of numbers (NaN where a value is not one). */
function fields(v: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const part of v.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) m.set(part.slice(0, eq), Number(part.slice(eq + 1)));
  }
  return m;
}

const num = (x: number | undefined): number => (x !== undefined && Number.isFinite(x) ? x : 0);

/** Unix seconds as ISO text; "" for what is no date (a peer's report may say anything). */
function isoTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isFinite(d.getTime()) ? d.toISOString() : "";
}

function pick(section: Map<string, string> | undefined, keys: readonly string[] | null): [string, string][] {
  if (section === undefined) return [];
  if (keys === null) return [...section];
  const out: [string, string][] = [];
  for (const k of keys) {
    const v = section.get(k);
    if (v === undefined) continue;
    const at = k === "rdb_last_save_time" && /^\d+$/.test(v) ? isoTime(Number(v)) : "";
    out.push([k, at === "" ? v : `${v} (${at})`]);
  }
  return out;
}

function slowEntries(x: unknown): KvSlow[] {
  if (!Array.isArray(x)) return [];
  const out: KvSlow[] = [];
  for (const e of x.slice(0, MAX_SLOW)) {
    if (typeof e !== "object" || e === null) continue;
    const r = e as Record<string, unknown>;
    const argv = Array.isArray(r.argv) ? r.argv.filter((a): a is string => typeof a === "string") : [];
    const n = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
    const s = (v: unknown): string => (typeof v === "string" ? v.slice(0, MAX_COMMAND) : "");
    out.push({ id: n(r.id), at: isoTime(n(r.time)), usec: n(r.usec), command: argv.join(" ").slice(0, MAX_COMMAND), client: [s(r.addr), s(r.name)].filter((p) => p !== "").join(" ") });
  }
  return out;
}

/** Builds the KV page from successive reports, keeping each command's count for the next page's rates. */
export class KvView {
  private prev = new Map<string, number>();
  private prevAt = 0;

  /** The page, or null when the report is not a KV server's. */
  page(report: unknown, now = performance.now()): KvPage | null {
    if (typeof report !== "object" || report === null || typeof (report as { info?: unknown }).info !== "string") return null;
    const r = report as { info: string; slowlog?: unknown };
    const info = parseInfo(r.info);
    const seconds = this.prevAt === 0 ? 0 : (now - this.prevAt) / 1000;
    const commands: KvCommand[] = [];
    const next = new Map<string, number>();
    for (const [k, v] of info.get("commandstats") ?? []) {
      if (!k.startsWith("cmdstat_")) continue;
      const f = fields(v);
      const name = k.slice("cmdstat_".length);
      const calls = num(f.get("calls"));
      const before = this.prev.get(name);
      next.set(name, calls);
      const rate = before === undefined || seconds <= 0 ? 0 : Math.max(0, Math.round((calls - before) / seconds));
      commands.push({ name, calls, rate, usecPerCall: num(f.get("usec_per_call")) });
    }
    commands.sort((a, b) => b.rate - a.rate || b.calls - a.calls || (a.name < b.name ? -1 : 1));
    this.prev = next;
    this.prevAt = now;
    const keyspace: KvPage["keyspace"] = [];
    for (const [db, v] of info.get("keyspace") ?? []) {
      const f = fields(v);
      keyspace.push({ db, keys: num(f.get("keys")), expires: num(f.get("expires")) });
    }
    return {
      opsPerSec: num(Number(info.get("stats")?.get("instantaneous_ops_per_sec"))),
      commands,
      keyspace,
      clients: pick(info.get("clients"), null),
      memory: pick(info.get("memory"), MEMORY),
      persistence: pick(info.get("persistence"), PERSISTENCE),
      replication: pick(info.get("replication"), null),
      slowlog: slowEntries(r.slowlog),
    };
  }
}
