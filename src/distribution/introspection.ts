/**
 * What BEAM tools read from a node over `rpc`/`erpc` (observer, observer_cli,
 * recon, etop, iex): `erlang:processes/0`, `process_info/1,2`,
 * `registered/0`, `memory/0,1`, `statistics/1`, `system_info/1`,
 * `is_process_alive/1`, `node/0`, `nodes/0,1`, answered read-only with the
 * BEAM's term shapes, so those tools see an Agner node's processes as they
 * see a BEAM's. Arguments come from the network: anything erl refuses is a
 * `badarg` error here too, never an exception of the node.
 *
 * Where Agner has no equivalent the answer says so in erl's own terms
 * (docs/remote_tools.md lists them): a process has no stack (`stack_size`
 * 0) and no process dictionary (OTP processes show `$initial_call` and
 * `$ancestors`, as proc_lib's do); a heap size is the estimated memory in
 * words; the group leader is the process itself (Agner has no I/O servers);
 * one scheduler (one JavaScript thread).
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { Atom, atom, atomCount, atomLimit } from "../term/atom.js";
import { Pid } from "../term/identifiers.js";
import { TermMap } from "../term/term_map.js";
import { Tuple, t } from "../term/tuple.js";
import { DEAD, Proc } from "../runtime/process.js";
import type { Runtime } from "../runtime/runtime.js";
import { estimateMemory, processInfo } from "../runtime/erlang.js";
import { ServerLoop } from "../otp/gen_server.js";
import { charlist } from "../otp/sys_status.js";
import type { NetKernel, NodeKind } from "./net_kernel.js";

/** An Erlang `error` with its reason (what a BIF raises, e.g. `badarg`). */
export class ErlangError {
  constructor(readonly reason: unknown) {}
}

/** A built-in answer to `{M, F, Args}`. */
export type Builtin = (...args: unknown[]) => unknown;

const BADARG = atom("badarg");
const UNDEFINED = atom("undefined");

export function badarg(): never {
  throw new ErlangError(BADARG);
}

export function isList(x: unknown): x is unknown[] {
  return Array.isArray(x) && !(x instanceof Tuple);
}

const off = new WeakSet<Runtime>();

/** Switches the answers off (or back on) for a node: `startNode({ introspection: false })`. */
export function setIntrospection(rt: Runtime, on: boolean): void {
  if (on) off.delete(rt);
  else off.add(rt);
  if (on) watchGc();
}

export function introspectionOn(rt: Runtime): boolean {
  return !off.has(rt);
}

const shellOff = new WeakSet<Runtime>();

/** Whether peers may open a remote shell here: `startNode({ remoteShell: false })` says no. */
export function setRemoteShell(rt: Runtime, on: boolean): void {
  if (on) shellOff.delete(rt);
  else shellOff.add(rt);
}

export function remoteShellOn(rt: Runtime): boolean {
  return !shellOff.has(rt);
}

/**
 * Atoms every erl has from the start: a peer naming them (a function, an
 * item) must not count as new atoms against the atom limit.
 */
export function preloadAtoms(names: Iterable<string>): void {
  for (const n of names) atom(n);
}

preloadAtoms(["system_info", "nodes", "node", "processes", "registered", "process_info", "is_process_alive", "memory", "statistics"]);

/** `erlang:F(Args...)` when this node answers it, else undefined. */
export function erlangBuiltin(rt: Runtime, fn: Atom, args: unknown[]): Builtin | undefined {
  const n = args.length;
  switch (fn.name) {
    case "system_info":
      return n === 1 ? (item) => systemInfo(rt, item) : undefined;
    case "nodes":
      return n <= 1 ? (kinds) => nodesOf(rt, kinds) : undefined;
    case "node":
      return n === 0 ? () => rt.nodeName : undefined;
  }
  if (!introspectionOn(rt)) return undefined;
  switch (fn.name) {
    case "processes":
      return n === 0 ? () => rt.processes() : undefined;
    case "registered":
      return n === 0 ? () => rt.registered() : undefined;
    case "process_info":
      return n === 1 ? (pid) => processInfo1(rt, pid) : n === 2 ? (pid, item) => processInfo2(rt, pid, item) : undefined;
    case "is_process_alive":
      return n === 1 ? (pid) => localProc(rt, pid) !== undefined : undefined;
    case "memory":
      return n === 0 ? () => memory(rt) : n === 1 ? (what) => memory1(rt, what) : undefined;
    case "statistics":
      return n === 1 ? (item) => statistics(rt, item) : undefined;
  }
  return undefined;
}

// ---- nodes -----------------------------------------------------------------------

const NODE_KINDS = new Set(["visible", "hidden", "connected", "this", "known"]);

function nodesOf(rt: Runtime, kinds: unknown = atom("visible")): Atom[] {
  const ks = kinds instanceof Atom ? [kinds] : isList(kinds) ? kinds : null;
  if (ks === null || !ks.every((k) => k instanceof Atom && NODE_KINDS.has(k.name))) badarg();
  return kernelOf(rt)?.nodes?.((ks as Atom[]).map((x) => x.name as NodeKind)) ?? [];
}

function kernelOf(rt: Runtime): Partial<NetKernel> | null {
  return rt.remote as Partial<NetKernel> | null;
}

// ---- processes -------------------------------------------------------------------

/** A pid of this node's process that lives; undefined for a dead one of this node; badarg for anything else. */
function localProc(rt: Runtime, pid: unknown): Proc | undefined {
  if (!(pid instanceof Pid)) badarg();
  if (pid instanceof Proc && pid.rt === rt) return pid.flags & DEAD ? undefined : pid;
  if (pid.node === rt.nodeName) return undefined; // ours, but not a live process (the decoder knows every wired one)
  return badarg();
}

/** The items of erl 25's `process_info/1`, in its order (`registered_name` first when there is one). */
const INFO1 = [
  "current_function",
  "initial_call",
  "status",
  "message_queue_len",
  "links",
  "dictionary",
  "trap_exit",
  "error_handler",
  "priority",
  "group_leader",
  "total_heap_size",
  "heap_size",
  "stack_size",
  "reductions",
  "garbage_collection",
  "suspending",
];

function processInfo1(rt: Runtime, pid: unknown): unknown {
  const p = localProc(rt, pid);
  if (p === undefined) return UNDEFINED;
  const out: Tuple[] = [];
  const name = p.ext?.name;
  if (name) out.push(t(atom("registered_name"), name));
  for (const k of INFO1) out.push(t(atom(k), item(p, k)));
  return out;
}

function processInfo2(rt: Runtime, pid: unknown, what: unknown): unknown {
  // erl checks the items before it looks at the process.
  const items = what instanceof Atom ? [what] : isList(what) ? what : badarg();
  for (const i of items) if (!(i instanceof Atom) || !ITEMS.has(i.name)) badarg();
  const p = localProc(rt, pid);
  if (p === undefined) return UNDEFINED;
  const one = (i: Atom): Tuple => t(i, item(p, i.name));
  if (what instanceof Atom) return what.name === "registered_name" && !p.ext?.name ? [] : one(what);
  return (items as Atom[]).map(one);
}

const MFA_APPLY = t(atom("erlang"), atom("apply"), 2);
const PROC_LIB_INIT = t(atom("proc_lib"), atom("init_p"), 5);
const GEN_SERVER_LOOP = t(atom("gen_server"), atom("loop"), 7);

/** A GenServer's (or supervisor's) loop, to show it as erl shows a proc_lib process. */
function serverLoop(p: Proc): ServerLoop | undefined {
  return p.beh instanceof ServerLoop ? p.beh : undefined;
}

/** The item `k` (a valid process_info item) of a live process. */
function item(p: Proc, k: string): unknown {
  const loop = serverLoop(p);
  switch (k) {
    case "registered_name":
      return p.ext?.name ?? [];
    case "current_function":
      return loop ? GEN_SERVER_LOOP : (p.ext?.initialCall ?? MFA_APPLY);
    case "current_location":
      return t(...(item(p, "current_function") as Tuple), []);
    case "current_stacktrace":
      return [item(p, "current_location")];
    case "initial_call":
      return loop ? PROC_LIB_INIT : processInfo(p, "initial_call");
    case "dictionary":
      return loop ? [t(atom("$initial_call"), t(atom(loop.mod.constructor.name), atom("init"), 1)), t(atom("$ancestors"), loop.parent ? [loop.parent] : [])] : [];
    case "parent":
      return loop?.parent ?? UNDEFINED;
    case "status":
    case "message_queue_len":
    case "messages":
    case "links":
    case "monitored_by":
    case "trap_exit":
    case "reductions":
    case "memory":
      return processInfo(p, k as "status");
    case "monitors":
      return processInfo(p, "monitors");
    case "error_handler":
      return atom("error_handler");
    case "priority":
      return atom("normal");
    case "group_leader":
      return p;
    case "total_heap_size":
    case "heap_size":
      return Math.ceil(estimateMemory(p) / 8);
    case "stack_size":
    case "catchlevel":
    case "trace":
      return 0;
    case "min_heap_size":
      return 233;
    case "min_bin_vheap_size":
      return 46422;
    case "garbage_collection":
      return [t(atom("max_heap_size"), maxHeapSize()), t(atom("min_bin_vheap_size"), 46422), t(atom("min_heap_size"), 233), t(atom("fullsweep_after"), 65535), t(atom("minor_gcs"), 0)];
    case "garbage_collection_info":
      return [t(atom("heap_size"), item(p, "heap_size")), t(atom("minor_gcs"), 0)];
    case "message_queue_data":
      return atom("on_heap");
    case "last_calls":
      return false;
    case "backtrace":
      return new Uint8Array(0);
    case "binary":
    case "suspending":
    case "sequential_trace_token":
      return [];
  }
  return badarg();
}

function maxHeapSize(): TermMap {
  return new TermMap<unknown, unknown>([
    [atom("error_logger"), true],
    [atom("kill"), true],
    [atom("size"), 0],
  ]);
}

/** Every item erl 25's `process_info/2` takes. */
const ITEMS = new Set([
  ...INFO1,
  "registered_name",
  "current_location",
  "current_stacktrace",
  "parent",
  "messages",
  "monitors",
  "monitored_by",
  "memory",
  "catchlevel",
  "trace",
  "min_heap_size",
  "min_bin_vheap_size",
  "garbage_collection_info",
  "message_queue_data",
  "last_calls",
  "backtrace",
  "binary",
  "sequential_trace_token",
]);

preloadAtoms(ITEMS);

// ---- memory ------------------------------------------------------------------------

const MEMORY_KINDS = ["total", "processes", "processes_used", "system", "atom", "atom_used", "binary", "code", "ets"] as const;
type MemoryKind = (typeof MEMORY_KINDS)[number];
preloadAtoms(MEMORY_KINDS);

/**
 * erl's memory kinds from what V8 reports: `total` the JS heap in use plus
 * memory outside it, `processes` the processes' estimated memory,
 * `binary` ArrayBuffers (Buffers, Uint8Arrays), `code` the V8 code space,
 * `atom` the atom table (~64 bytes an atom), `ets` 0 (Agner has no ETS).
 */
function memoryFigures(rt: Runtime): Record<MemoryKind, number> {
  const m = process.memoryUsage();
  let procs = 0;
  for (const p of rt.processes()) procs += estimateMemory(p);
  const atoms = atomCount() * 64;
  const total = m.heapUsed + m.external;
  return {
    total,
    processes: procs,
    processes_used: procs,
    system: Math.max(0, total - procs),
    atom: atoms,
    atom_used: atoms,
    binary: m.arrayBuffers,
    code: codeSpace(),
    ets: 0,
  };
}

function codeSpace(): number {
  const s = getHeapSpaceStatistics().find((x) => x.space_name === "code_space");
  return s?.space_used_size ?? 0;
}

function memory(rt: Runtime): Tuple[] {
  const f = memoryFigures(rt);
  return MEMORY_KINDS.map((k) => t(atom(k), f[k]));
}

function memory1(rt: Runtime, what: unknown): unknown {
  const kind = (x: unknown): MemoryKind => (x instanceof Atom && (MEMORY_KINDS as readonly string[]).includes(x.name) ? (x.name as MemoryKind) : badarg());
  if (what instanceof Atom) return memoryFigures(rt)[kind(what)];
  if (!isList(what)) return badarg();
  const kinds = what.map(kind);
  const f = memoryFigures(rt);
  return kinds.map((k) => t(atom(k), f[k]));
}

// ---- statistics ------------------------------------------------------------------

/** What `statistics/1` returned last, for the "since last call" halves. */
interface Last {
  reductions: number;
  wall: number;
  runtime: number;
}

const lasts = new WeakMap<Runtime, Last>();

let gcCount = 0;
let gcWatching = false;

/** Counts V8's garbage collections from the first node start on (statistics(garbage_collection)). */
function watchGc(): void {
  if (gcWatching) return;
  gcWatching = true;
  const obs = new PerformanceObserver((list) => (gcCount += list.getEntries().length));
  obs.observe({ entryTypes: ["gc"] });
  // The observer must not keep a finished program alive.
  (obs as unknown as { unref?: () => void }).unref?.();
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return Math.round((u.user + u.system) / 1000);
}

preloadAtoms(["reductions", "exact_reductions", "wall_clock", "runtime", "context_switches", "garbage_collection", "io", "run_queue", "total_run_queue_lengths", "total_run_queue_lengths_all", "total_active_tasks", "total_active_tasks_all", "run_queue_lengths", "run_queue_lengths_all", "active_tasks", "active_tasks_all", "scheduler_wall_time", "scheduler_wall_time_all"]);

function statistics(rt: Runtime, item: unknown): unknown {
  if (!(item instanceof Atom)) return badarg();
  let last = lasts.get(rt);
  if (last === undefined) lasts.set(rt, (last = { reductions: 0, wall: 0, runtime: 0 }));
  const since = (k: keyof Last, now: number): Tuple => {
    const d = now - last![k];
    last![k] = now;
    return t(now, d);
  };
  const active = rt.runQueueLength;
  switch (item.name) {
    case "reductions":
    case "exact_reductions":
      return since("reductions", rt.totalReductions);
    case "wall_clock":
      return since("wall", Math.round(performance.now()));
    case "runtime":
      return since("runtime", cpuMs());
    case "context_switches":
      return t(rt.contextSwitches, 0);
    case "garbage_collection":
      return t(gcCount, 0, 0);
    case "io": {
      let input = 0;
      let output = 0;
      for (const c of kernelOf(rt)?.transport?.connections() ?? []) {
        input += c.stats?.bytesIn ?? 0;
        output += c.stats?.bytesOut ?? 0;
      }
      return t(t(atom("input"), input), t(atom("output"), output));
    }
    case "run_queue":
    case "total_run_queue_lengths":
    case "total_run_queue_lengths_all":
    case "total_active_tasks":
    case "total_active_tasks_all":
      return active;
    case "run_queue_lengths":
    case "run_queue_lengths_all":
    case "active_tasks":
    case "active_tasks_all":
      return [active];
    case "scheduler_wall_time":
    case "scheduler_wall_time_all":
      return UNDEFINED; // erl's answer while scheduler_wall_time is off, which Agner cannot switch on
  }
  return badarg();
}

// ---- system_info ------------------------------------------------------------------

/** The OTP release whose distribution Agner speaks (and whose terms it answers with). */
const OTP_RELEASE = "25";
const PROCESS_LIMIT = 134217727; // erl's maximum: Agner has no limit below memory

/** Agner's version (package.json, from dist/src/distribution/ as from an installed package). */
const version = ((): string => {
  try {
    return (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;
  } catch {
    return "0"; // a bundled build without its package.json
  }
})();

preloadAtoms(["atom_count", "atom_limit", "process_count", "process_limit", "port_count", "port_limit", "ets_count", "otp_release", "version", "system_version", "machine", "schedulers", "schedulers_online", "dirty_cpu_schedulers", "dirty_cpu_schedulers_online", "dirty_io_schedulers", "logical_processors", "logical_processors_available", "logical_processors_online", "wordsize", "thread_pool_size"]);

function systemInfo(rt: Runtime, item: unknown): unknown {
  if (!(item instanceof Atom)) return badarg();
  if (item.name === "atom_count") return atomCount();
  if (item.name === "atom_limit") return atomLimit();
  if (!introspectionOn(rt)) return badarg();
  const cpus = availableParallelism();
  switch (item.name) {
    case "process_count":
      return rt.processCount;
    case "process_limit":
      return PROCESS_LIMIT;
    case "port_count":
      return kernelOf(rt)?.transport?.connections().length ?? 0;
    case "port_limit":
      return 65536;
    case "ets_count":
      return 0;
    case "otp_release":
      return charlist(OTP_RELEASE);
    case "version":
      return charlist(version);
    case "system_version":
      return charlist(`Agner ${version} (OTP ${OTP_RELEASE} distribution) [Node.js ${process.version}] [64-bit] [smp:1:1] [logical processors:${cpus}]\n`);
    case "machine":
      return charlist("Agner");
    case "schedulers":
    case "schedulers_online":
      return 1;
    case "dirty_cpu_schedulers":
    case "dirty_cpu_schedulers_online":
    case "dirty_io_schedulers":
      return 0;
    case "logical_processors":
    case "logical_processors_available":
    case "logical_processors_online":
      return cpus;
    case "wordsize":
      return 8;
    case "thread_pool_size":
      return Number(process.env.UV_THREADPOOL_SIZE) || 4;
  }
  return badarg();
}
