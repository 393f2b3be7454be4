/**
 * What the observer's pages show, as plain JSON, and the one interface each
 * node kind implements to produce it: the local node (public API) and a
 * remote node read over distribution (`rpc` with the BEAM's calls).
 * Terms are shown with `inspect` (Erlang's syntax) on the server, so the
 * browser never needs to know a term.
 */

import type { NodeTraffic } from "../index.js";

/** Node overview: one sample per refresh; rates come from the difference of two samples. */
export interface Overview {
  node: string;
  /** "agner" or "beam". */
  kind: string;
  /** Runtime and system versions, as label/value pairs. */
  versions: [string, string][];
  uptimeMs: number;
  processCount: number;
  processLimit: number | null;
  /** Cumulative counters; null where the node has none. */
  reductions: number | null;
  messages: number | null;
  runQueue: number;
  /** Bytes by kind (heap, rss, ... on Agner; processes, ets, binary, ... on the BEAM). */
  memory: [string, number][];
  /** Event-loop delay p50/p99/max in ms over the last interval (Agner only). */
  eventLoopDelay: { p50: number; p99: number; max: number } | null;
  /** GC pauses in the last interval: count and total ms (Agner only). */
  gc: { count: number; ms: number } | null;
  /** Counts and limits: label/value pairs. */
  counts: [string, string][];
}

export type SortKey = "pid" | "name" | "mailbox" | "reductions" | "rate" | "memory";

export interface TableQuery {
  sort: SortKey;
  desc: boolean;
  /** Substring of the pid, name or initial call (case-insensitive); empty: every process. */
  filter: string;
  offset: number;
  limit: number;
}

/** One row of the process table. `pid` is its `inspect` form, the key for the process page. */
export interface ProcRow {
  pid: string;
  name: string;
  status: string;
  mailbox: number;
  reductions: number;
  /** Reductions per second since the previous refresh (0 on the first). */
  rate: number;
  memory: number;
  /** Initial call, or current function on the BEAM. */
  call: string;
}

export interface ProcPage {
  total: number;
  /** Processes that passed the filter. */
  matched: number;
  rows: ProcRow[];
}

/** The process page. */
export interface ProcDetail {
  pid: string;
  alive: boolean;
  /** Every process_info item, rendered. */
  info: [string, string][];
  links: string[];
  monitors: string[];
  monitoredBy: string[];
  /** The first messages of the mailbox, rendered, and how many there are. */
  messages: string[];
  queued: number;
  /** `sys:get_state` of an OTP process; null when it is not one or did not answer. */
  state: string | null;
  /** The parent ('$ancestors' / sys parent) when known. */
  parent: string | null;
  /** Its children, when it is a supervisor. */
  children: ChildNode[] | null;
}

/** A node of a supervision tree. */
export interface ChildNode {
  id: string;
  /** The pid, or "undefined" / "restarting" while not running. */
  pid: string;
  type: "worker" | "supervisor";
  children: ChildNode[];
}

export interface AppTree {
  name: string;
  /** Description and version where the node has them. */
  description: string;
  root: ChildNode | null;
}

export interface ClusterNode {
  name: string;
  visible: boolean;
  /** "agner", "beam" or "unknown" until asked. */
  kind: string;
  /** Whether the observer shows it now. */
  current: boolean;
  /** The connection's counters (this node's own row has none). */
  traffic: NodeTraffic | null;
}

/** The Cluster page: this node's net_ticktime and its connections. */
export interface ClusterPage {
  /** Seconds, or the change in progress. */
  ticktime: string;
  nodes: ClusterNode[];
}

/** What the observer can do to a process when destructive actions are allowed. */
export type Action = { op: "kill"; pid: string } | { op: "exit"; pid: string; reason: string } | { op: "send"; pid: string; message: string };

/** One node as the observer reads it. A pid crosses to the browser as its `inspect` form; `pid(text)` maps it back. */
export interface Source {
  readonly node: string;
  overview(): Promise<Overview>;
  processes(q: TableQuery): Promise<ProcPage>;
  process(pid: string): Promise<ProcDetail | null>;
  applications(): Promise<AppTree[]>;
  /**
   * Switches `sys.trace` of an OTP process on or off; resolves with the
   * pid's text when it was switched, null when this source cannot trace it.
   */
  trace(pid: string, on: boolean): Promise<string | null>;
  /** The node's KV server (INFO and slow log), null when it runs none. */
  kv(): Promise<KvPage | null>;
  /** Kill, exit or send; the server checks `allowDestructive` before calling. */
  act(a: Action): Promise<string>;
  close(): void;
}

/** One command of the KV page: INFO commandstats' counters and the rate since the previous refresh. */
export interface KvCommand {
  name: string;
  calls: number;
  /** Calls per second since the previous refresh (0 on the first). */
  rate: number;
  usecPerCall: number;
}

/** One SLOWLOG GET entry. */
export interface KvSlow {
  id: number;
  /** When it ran, as ISO text. */
  at: string;
  usec: number;
  command: string;
  client: string;
}

/** The KV page: a KV server's INFO and slow log, as the node reports them ("kv", src/apps/kv/server/kv_report.ts). */
export interface KvPage {
  opsPerSec: number;
  commands: KvCommand[];
  keyspace: { db: string; keys: number; expires: number }[];
  clients: [string, string][];
  memory: [string, string][];
  persistence: [string, string][];
  replication: [string, string][];
  slowlog: KvSlow[];
}
