/**
 * `sys:get_status` in Erlang's shape, and its typed reading for TypeScript.
 *
 * A server answers `get_status` with what `sys:get_status/1` returns for a
 * gen_server:
 *
 * ```erlang
 * {status, Pid, {module, gen_server}, [PDict, SysState, Parent, Dbg, Misc]}
 * Misc = [{header, "Status for generic server Name"},
 *         {data, [{"Status", SysState}, {"Parent", Parent}, {"Logged events", []}]},
 *         {data, [{"State", State}]}]          % or what formatStatus returns
 * ```
 *
 * Strings are charlists (arrays of code points, which the encoder writes as
 * Erlang lists), so an Erlang node prints them as strings. The state itself
 * travels as it is: the distribution encoder writes JS objects in their term
 * forms (see etf/js_terms.ts). {@link readStatus} turns the tuple back into
 * a typed {@link ServerStatus}.
 */
import { type Atom, atom } from "../term/atom.js";
import { type Pid } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { Via } from "./registry.js";

const STATUS = atom("status");
const MODULE = atom("module");
const GEN_SERVER = atom("gen_server");
const HEADER = atom("header");
const DATA = atom("data");
const INITIAL_CALL = atom("$initial_call");
const ANCESTORS = atom("$ancestors");
const RUNNING = atom("running");
const SUSPENDED = atom("suspended");

/** An Erlang string (a list of code points) from a JS string. */
export function charlist(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0)!);
}

/** What a server puts in its status. */
export interface StatusParts {
  self: Pid;
  /** The registered name (header "... Name"), a `Via` (header `{"...", Key}`), or none (header "... <pid>"). */
  name: string | Atom | Via | undefined;
  /** `{M, F, A}` of the process dictionary's `'$initial_call'`. */
  initialCall: Tuple;
  suspended: boolean;
  /** The linked starter; `self` when started unlinked, as gen does. */
  parent: Pid;
  debug: unknown[];
  /** Misc after the header and the `{data, [{"Status", ...}, ...]}` entry. */
  specific: unknown[];
}

/** gen:format_status_header: `"Tag Name"`, `"Tag <pid>"`, or `{"Tag", Name}` for other names. */
function header(tag: string, name: StatusParts["name"], self: Pid): unknown {
  if (name === undefined) return charlist(`${tag} ${inspect(self)}`);
  if (typeof name === "string") return charlist(`${tag} ${name}`);
  if (name instanceof Via) return t(charlist(tag), name.key);
  return charlist(`${tag} ${name.name}`);
}

/** The `{status, Pid, {module, gen_server}, [...]}` tuple. */
export function statusTuple(p: StatusParts): Tuple {
  const sysState = p.suspended ? SUSPENDED : RUNNING;
  const pdict = [t(INITIAL_CALL, p.initialCall), t(ANCESTORS, p.parent === p.self ? [] : [p.parent])];
  const misc = [
    t(HEADER, header("Status for generic server", p.name, p.self)),
    t(DATA, [t(charlist("Status"), sysState), t(charlist("Parent"), p.parent), t(charlist("Logged events"), [])]),
    ...p.specific,
  ];
  return t(STATUS, p.self, t(MODULE, GEN_SERVER), [pdict, sysState, p.parent, p.debug, misc]);
}

/** gen_server's default: `[{data, [{"State", State}]}]`. */
export function stateData(state: unknown): unknown[] {
  return [t(DATA, [t(charlist("State"), state)])];
}

/**
 * Misc's server part from a `formatStatus(normal, [PDict, State])` callback, as
 * gen_server does: a list is used as is, anything else is wrapped in one; a
 * callback that throws gives `[{data, [{"State", "Mod:format_status/2 crashed"}]}]`.
 */
export function formatted(name: string, f: () => unknown): unknown[] {
  try {
    const r = f();
    return Array.isArray(r) ? r : [r];
  } catch {
    return [t(DATA, [t(charlist("State"), charlist(`${name}:format_status/2 crashed`))])];
  }
}

/** What `sys.getStatus` resolves to: Erlang's status tuple, read. */
export interface ServerStatus<S = unknown> {
  pid: Pid;
  /** The behaviour module: `gen_server` (supervisors are gen_servers too). */
  module: string;
  status: "running" | "suspended";
  parent: Pid;
  /** The state from Misc's `{data, [{"State", S}]}`; `undefined` when a `formatStatus` left none. */
  state: S | undefined;
  /** `'$initial_call'` of the process dictionary, e.g. `{Counter, init, 1}`. */
  initialCall: unknown;
  /** The process dictionary, as a list of `{Key, Value}`. */
  pdict: unknown[];
  /** sys debug options (`[]` when none). */
  debug: unknown[];
  loggedEvents: unknown[];
  /** Misc's header (`"Status for generic server Name"`), or the term itself when it is not a string. */
  header: unknown;
  /** Every `{data, [{Key, Value}]}` pair of Misc, keys read as strings where they are strings. */
  data: Map<unknown, unknown>;
  /** Misc, as the server answered it. */
  misc: unknown[];
}

/** A charlist (or a binary / JS string) as a JS string; anything else as it is. */
function str(x: unknown): unknown {
  if (typeof x === "string") return x;
  if (Array.isArray(x) && x.every((c) => typeof c === "number" && Number.isInteger(c) && c >= 0 && c <= 0x10ffff)) {
    return String.fromCodePoint(...(x as number[]));
  }
  if (x instanceof Uint8Array) return new TextDecoder().decode(x);
  return x;
}

/** Reads a `{status, ...}` tuple into a {@link ServerStatus}; anything else (e.g. `{error, ...}`) throws. */
export function readStatus<S>(x: unknown): ServerStatus<S> {
  if (!(x instanceof Tuple) || x.length !== 4 || x[0] !== STATUS || !Array.isArray(x[3]) || x[3].length !== 5) {
    throw new Error(`not a sys:get_status answer: ${inspect(x)}`);
  }
  const [, pid, mod, items] = x;
  const [pdict, sysState, parent, debug, misc] = items as unknown[];
  const data = new Map<unknown, unknown>();
  let head: unknown;
  for (const m of Array.isArray(misc) ? misc : []) {
    if (!(m instanceof Tuple) || m.length !== 2) continue;
    if (m[0] === HEADER) head = str(m[1]);
    else if (m[0] === DATA && Array.isArray(m[1])) {
      for (const kv of m[1]) if (kv instanceof Tuple && kv.length === 2) data.set(str(kv[0]), kv[1]);
    }
  }
  const dict = Array.isArray(pdict) ? pdict : [];
  const initial = dict.find((kv) => kv instanceof Tuple && kv[0] === INITIAL_CALL) as Tuple | undefined;
  const logged = data.get("Logged events");
  return {
    pid: pid as Pid,
    module: mod instanceof Tuple && mod[0] === MODULE ? (mod[1] as Atom).name : inspect(mod),
    status: sysState === SUSPENDED ? "suspended" : "running",
    parent: parent as Pid,
    state: data.get("State") as S | undefined,
    initialCall: initial?.[1],
    pdict: dict,
    debug: Array.isArray(debug) ? debug : [],
    loggedEvents: Array.isArray(logged) ? logged : [],
    header: head,
    data,
    misc: Array.isArray(misc) ? misc : [],
  };
}
