/**
 * The membership table of one `pg` scope: what OTP keeps in the scope's
 * named ETS table, one row per non-empty group with all its members (this
 * node's and other nodes') and this node's alone. Only the scope process
 * writes it; anyone on the node reads it without a message (`getMembers` is
 * a table read, as `pg:get_members` is an `ets:lookup_element`).
 *
 * A row's arrays are never changed once stored: an update stores new ones,
 * so a reader may keep what it got (as a list read from ETS is a copy).
 */
import { Atom } from "../term/atom.js";
import { atomOf } from "../term/equals.js";
import { type Pid, pidEquals } from "../term/identifiers.js";
import { TermMap } from "../term/term_map.js";
import type { Runtime } from "../runtime/runtime.js";

/** One group: all members, and the members on this node (a pid joined twice is there twice). */
export interface Row {
  readonly all: readonly Pid[];
  readonly local: readonly Pid[];
}

const NONE: readonly Pid[] = Object.freeze([]);

/** Groups are any term; atoms (the common case) take a plain map. */
export class GroupTable {
  private readonly atoms = new Map<Atom, Row>();
  private readonly others = new TermMap<unknown, Row>();

  get(group: unknown): Row | undefined {
    const g = atomOf(group);
    return g instanceof Atom ? this.atoms.get(g) : this.others.get(g);
  }

  /** Stores a row; both lists empty deletes it (a group with no member does not exist). */
  set(group: unknown, all: readonly Pid[], local: readonly Pid[]): void {
    if (all.length === 0 && local.length === 0) return this.delete(group);
    const row: Row = { all: Object.freeze(all), local: local.length === 0 ? NONE : Object.freeze(local) };
    const g = atomOf(group);
    if (g instanceof Atom) this.atoms.set(g, row);
    else this.others.set(g, row);
  }

  delete(group: unknown): void {
    const g = atomOf(group);
    if (g instanceof Atom) this.atoms.delete(g);
    else this.others.delete(g);
  }

  members(group: unknown): readonly Pid[] {
    return this.get(group)?.all ?? NONE;
  }

  localMembers(group: unknown): readonly Pid[] {
    return this.get(group)?.local ?? NONE;
  }

  /** Every group with a member. */
  groups(): unknown[] {
    return [...this.atoms.keys(), ...this.others.keys()];
  }

  /** Every group with a member on this node. */
  localGroups(): unknown[] {
    const out: unknown[] = [];
    for (const [g, r] of this.entries()) if (r.local.length > 0) out.push(g);
    return out;
  }

  *entries(): Generator<[unknown, Row]> {
    yield* this.atoms.entries();
    yield* this.others.entries();
  }
}

/** Scope tables by runtime and scope name: a table exists while its scope process lives. */
const tables = new WeakMap<Runtime, Map<Atom, GroupTable>>();

export function scopeTable(rt: Runtime, scope: Atom): GroupTable | undefined {
  return tables.get(rt)?.get(scope);
}

export function createTable(rt: Runtime, scope: Atom): GroupTable {
  let m = tables.get(rt);
  if (m === undefined) tables.set(rt, (m = new Map()));
  const tab = new GroupTable();
  m.set(scope, tab);
  return tab;
}

export function deleteTable(rt: Runtime, scope: Atom, tab: GroupTable): void {
  const m = tables.get(rt);
  if (m?.get(scope) === tab) m.delete(scope);
}

// ---- Erlang's list operations on pid lists ------------------------------------

/** `lists:delete(Pid, List)`: without the first occurrence of `pid`. */
export function deleteOne(list: readonly Pid[], pid: Pid): Pid[] {
  const i = list.findIndex((p) => pidEquals(p, pid));
  if (i < 0) return list.slice();
  const out = list.slice(0, i);
  for (let j = i + 1; j < list.length; j++) out.push(list[j]!);
  return out;
}

/** `List -- Pids`: one occurrence removed for each element of `pids`. */
export function subtract(list: readonly Pid[], pids: readonly Pid[]): Pid[] {
  let out = list.slice();
  for (const p of pids) {
    const i = out.findIndex((q) => pidEquals(q, p));
    if (i >= 0) out.splice(i, 1);
  }
  return out;
}

/** Whether `a` and `b` hold the same pids, in the same order. */
export function samePids(a: readonly Pid[], b: readonly Pid[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!pidEquals(a[i]!, b[i]!)) return false;
  return true;
}

/** A string naming a pid exactly (map key: decoded pids are not interned). */
export function pidKey(p: Pid): string {
  return `${p.node.name}\0${p.id}.${p.serial}.${p.creation}`;
}
