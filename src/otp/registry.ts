/**
 * Registry: a local key-to-process table (Elixir's `Registry`), with unique
 * or duplicate keys. Processes register themselves; their entries go away
 * when they die. Lookups read the table directly (no message round trip),
 * as Elixir's read the registry's ETS tables.
 *
 * @example
 * const reg = await Registry.start({ keys: "unique", name: "rooms" });
 * // in a room process:
 * Registry.register("rooms", "lobby", { topic: "hi" });
 * Registry.lookup("rooms", "lobby"); // [[pid, { topic: "hi" }]]
 */
import { Atom, atom } from "../term/atom.js";
import { type Pid } from "../term/identifiers.js";
import { equals } from "../term/equals.js";
import { type Tup, Tuple, t } from "../term/tuple.js";
import { ERROR, OK } from "../runtime/atoms.js";
import { current } from "../runtime/current.js";
import { NotInProcessError } from "../runtime/errors.js";
import { register, runtime } from "../runtime/erlang.js";
import { DEAD, type Proc } from "../runtime/process.js";
import { receive } from "../runtime/receive.js";

/**
 * Erlang's `{via, Module, Name}` contract: what a name service implements so
 * that its names work as server references (GenServer start, call, cast).
 * `registerName` registers `pid` (the calling process, when a server starts)
 * and answers `yes` / `no`, at once or (a service that must ask other nodes,
 * as `global`) as an iterator the calling process runs to completion.
 */
export interface ViaModule {
  registerName(name: unknown, pid: Pid): Atom | Iterator<unknown, Atom, unknown>;
  unregisterName(name: unknown): unknown;
  whereisName(name: unknown): Pid | undefined;
  send(name: unknown, msg: unknown): Pid;
}

/** A name in a registry or another via module, for `GenServer.start(..., { name: Registry.via(reg, key) })` and `call(via, ...)`. */
export class Via {
  constructor(
    /** A Registry (its pid or name), or a {@link ViaModule}. */
    readonly registry: Pid | string | ViaModule,
    readonly key: unknown,
  ) {}
}

const viaModules = new Map<Atom, ViaModule>();

/** Makes `{Tag, Name}` a server reference handled by `mod` (as `{global, Name}` is in Erlang). */
export function setViaModule(tag: Atom, mod: ViaModule): void {
  viaModules.set(tag, mod);
}

const VIA = atom("via");

/** The Via for a wire-form reference: `{global, Name}` or `{via, Module, Name}` of a known module. */
export function viaOfTuple(x: unknown): Via | undefined {
  if (!(x instanceof Tuple)) return undefined;
  const tup = x as unknown[];
  if (tup.length === 2 && tup[0] instanceof Atom) {
    const mod = viaModules.get(tup[0]);
    if (mod !== undefined) return new Via(mod, tup[1]);
  } else if (tup.length === 3 && tup[0] === VIA && tup[1] instanceof Atom) {
    const mod = viaModules.get(tup[1]);
    if (mod !== undefined) return new Via(mod, tup[2]);
  }
  return undefined;
}

function isViaModule(r: Via["registry"]): r is ViaModule {
  return typeof r === "object" && r !== null && typeof (r as ViaModule).whereisName === "function";
}

/** The process a Via names, if any. */
export function viaWhereis(v: Via): Pid | undefined {
  return isViaModule(v.registry) ? v.registry.whereisName(v.key) : Registry.whereis(v.registry, v.key);
}

/** Registers the calling process under a Via: `yes` / `no`, or an iterator giving it. */
export function viaRegister(v: Via, pid: Pid): Atom | Iterator<unknown, Atom, unknown> {
  if (isViaModule(v.registry)) return v.registry.registerName(v.key, pid);
  const r = Registry.register(v.registry, v.key, undefined);
  return r[0] === ERROR ? NO : YES;
}

const YES = atom("yes");
const NO = atom("no");

export interface RegistryOptions {
  keys: "unique" | "duplicate";
  name?: string;
}

class Table {
  /** Entries, scanned by key with term equality: fine for the thousands, not for millions (an index by term hash is the next step). */
  readonly entries: { key: unknown; pid: Proc; value: unknown }[] = [];
  constructor(readonly unique: boolean) {}
}

const tables = new Map<Pid | Atom, Table>();

function tableOf(registry: Pid | string | Atom): Table {
  const name = typeof registry === "string" ? atom(registry) : registry;
  const table = tables.get(name);
  if (table === undefined) throw new Error(`no registry ${String(registry)}`);
  return table;
}

function forget(table: Table, pid: Proc): void {
  for (let i = table.entries.length - 1; i >= 0; i--) if (table.entries[i]!.pid === pid) table.entries.splice(i, 1);
}

export const Registry = {
  /** `{via, Registry, {Reg, Key}}`: a server name looked up in a registry. */
  via(registry: Pid | string, key: unknown): Via {
    return new Via(registry, key);
  },

  /** The live process under a unique key, if any. */
  whereis(registry: Pid | string, key: unknown): Pid | undefined {
    return Registry.lookup(registry, key)[0]?.[0];
  },

  /** Starts a registry: a process that owns the table (the table goes when it stops). */
  async start(opts: RegistryOptions): Promise<Pid> {
    if (opts.keys !== "unique" && opts.keys !== "duplicate") throw new Error("Registry option 'keys' must be unique or duplicate");
    const table = new Table(opts.keys === "unique");
    const owner = runtime().spawn(function* () {
      yield* receive(atom("$agner_never"));
    }) as Proc;
    tables.set(owner, table);
    if (opts.name !== undefined) {
      register(opts.name, owner);
      tables.set(atom(opts.name), table);
    }
    (owner.x().onExit ??= []).push(() => {
      tables.delete(owner);
      if (opts.name !== undefined && tables.get(atom(opts.name)) === table) tables.delete(atom(opts.name));
    });
    return owner;
  },

  /**
   * Registers the calling process under `key` with `value`: `{ok, Owner}`,
   * or `{error, {already_registered, Pid}}` for a taken unique key.
   */
  register(registry: Pid | string, key: unknown, value: unknown = undefined): Tup<[Atom<"ok">, Pid]> | Tup<[Atom<"error">, unknown]> {
    const me = current;
    if (me === null) throw new NotInProcessError("Registry.register()");
    const table = tableOf(registry);
    if (table.unique) {
      const taken = table.entries.find((e) => equals(e.key, key));
      if (taken !== undefined) return t(ERROR as Atom<"error">, t(atom("already_registered"), taken.pid));
    }
    if (!table.entries.some((e) => e.pid === me)) (me.x().onExit ??= []).push(() => forget(table, me));
    table.entries.push({ key, pid: me, value });
    return t(OK as Atom<"ok">, me);
  },

  /** Removes the calling process's entries under `key`. */
  unregister(registry: Pid | string, key: unknown): Atom<"ok"> {
    const me = current;
    if (me === null) throw new NotInProcessError("Registry.unregister()");
    const table = tableOf(registry);
    for (let i = table.entries.length - 1; i >= 0; i--) {
      const e = table.entries[i]!;
      if (e.pid === me && equals(e.key, key)) table.entries.splice(i, 1);
    }
    return OK as Atom<"ok">;
  },

  /** `[pid, value]` for every live process registered under `key`. */
  lookup(registry: Pid | string, key: unknown): [Pid, unknown][] {
    return tableOf(registry)
      .entries.filter((e) => equals(e.key, key) && !(e.pid.flags & DEAD))
      .map((e) => [e.pid, e.value]);
  },

  /** Calls `f` with the entries under `key` (if any). */
  dispatch(registry: Pid | string, key: unknown, f: (entries: [Pid, unknown][]) => void): Atom<"ok"> {
    const entries = Registry.lookup(registry, key);
    if (entries.length > 0) f(entries);
    return OK as Atom<"ok">;
  },

  /** The keys `pid` is registered under. */
  keys(registry: Pid | string, pid: Pid): unknown[] {
    return tableOf(registry)
      .entries.filter((e) => e.pid === pid)
      .map((e) => e.key);
  },

  /** How many entries the registry holds. */
  count(registry: Pid | string): number {
    return tableOf(registry).entries.length;
  },
};
