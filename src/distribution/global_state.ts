/**
 * The state of a `global_name_server` (OTP's `#state{}` record and process
 * dictionary) and the small helpers its protocol functions share; the
 * node's table is published here for lookups from any process.
 */
import { type Atom, atom } from "../term/atom.js";
import { Pid } from "../term/identifiers.js";
import { equals } from "../term/equals.js";
import { Tuple, t } from "../term/tuple.js";
import { GEN_CAST, UNDEFINED } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { GNS } from "./global_calls.js";
import type { NodeSync } from "./global_sync.js";
import { GlobalTable } from "./global_table.js";
import type { NetKernel } from "./net_kernel.js";

const tables = new WeakMap<object, GlobalTable>();
/** Bumped whenever a name server starts or stops (callers may cache a table until it changes). */
export let tableGeneration = 0;

/** Makes `table` the runtime's (a name server started). */
export function installTable(rt: object, table: GlobalTable): void {
  tables.set(rt, table);
  tableGeneration++;
}

/** Forgets the runtime's table if it is still `table` (its name server stopped). */
export function removeTable(rt: object, table: GlobalTable): void {
  if (tables.get(rt) !== table) return;
  tables.delete(rt);
  tableGeneration++;
}

/** The name table of a runtime (undefined when it runs no name server). */
export function globalTable(rt: object): GlobalTable | undefined {
  return tables.get(rt);
}

/** Options of the name server (OTP's kernel parameters `connect_all` and `prevent_overlapping_partitions`). */
export interface GlobalOptions {
  connectAll?: boolean;
  preventOverlappingPartitions?: boolean;
}

export class GlobalState {
  readonly table: GlobalTable;
  readonly known = new Map<Atom, number>();
  readonly pending = new Map<Atom, number>();
  readonly removing = new Set<Atom>();
  synced: Atom[] = [];
  readonly resolvers = new Map<Atom, { tag: number; pid: Pid }>();
  syncers: Pid[] = [];
  readonly nodes = new Map<Atom, NodeSync>();
  readonly lost = new Map<string, { xcre: bigint; opId: number; at: number }>();
  locker!: Pid;
  registrar!: Pid;
  readonly creX: bigint;
  connectAll: boolean;
  pop: boolean;

  constructor(
    readonly k: NetKernel,
    opts: GlobalOptions,
  ) {
    this.table = new GlobalTable(k.rt);
    this.connectAll = opts.connectAll ?? true;
    this.pop = opts.preventOverlappingPartitions ?? true;
    this.creX = BigInt(Math.floor(Math.random() * 2 ** 26)) << 32n;
  }

  ns(node: Atom): NodeSync {
    let s = this.nodes.get(node);
    if (s === undefined) this.nodes.set(node, (s = {}));
    return s;
  }

  tagMy(node: Atom): unknown {
    return this.nodes.get(node)?.tagMy ?? UNDEFINED;
  }
}

export type S = GlobalState;

export const EXTRA_NODEDOWN = atom("extra_nodedown");
export const GLOBAL_ATOM = atom("global");

export function samePid(a: Pid, b: Pid): boolean {
  return a === b || equals(a, b);
}

export function isList(x: unknown): boolean {
  return Array.isArray(x) && !(x instanceof Tuple);
}

export function castTo(node: Atom, msg: unknown): void {
  current!.rt.send(t(GNS, node), t(GEN_CAST, msg));
}

/** OTP's `gns_volatile_send`: only over an existing connection (`noconnect`). */
export function volatileSend(s: S, node: Atom, msg: unknown): void {
  if (s.k.nodes("connected").includes(node)) current!.rt.send(t(GNS, node), msg);
}
