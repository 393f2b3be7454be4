/**
 * What the memcached side of one server keeps beyond its processes (as a
 * KvInstance does): its counters, the pending delayed flush_all and its
 * processes' names. Below the server (memcached_server.ts) and the
 * connections, which both read it.
 */
import { type Atom, atom } from "../../../term/atom.js";
import { type KvInstance } from "../server/instance.js";

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

/** To the flusher: the pending delayed flush is now this one (null: none). */
export class McFlushSchedule {
  constructor(readonly at: number | null) {}
}
