/**
 * Process groups: OTP's `pg` (OTP 23+), interoperable with Erlang and
 * Elixir nodes. A group is any term; its members are processes on any node
 * of the cluster; a process joins from its own node, may join a group
 * several times (and then appears as many times), and leaves every group
 * when it dies. Membership is eventually consistent: each node keeps the
 * whole view in a table read without a message.
 *
 * Scopes are independent overlays, each a process registered under the
 * scope's name on every node that takes part (pg_scope.ts speaks their
 * protocol). As in OTP 25 (kernel's `start_pg` is false by default, and
 * Elixir leaves it so), no scope runs until started: `pg.start()` starts the
 * default scope `pg`, `pg.start("my_scope")` another; start scopes after
 * `startNode` (a scope learns of peers from node events), on a visible node
 * (`hidden: false`: Erlang's scopes ignore hidden nodes).
 *
 * Functions take the scope first, or use `pg` when it is left out, as
 * Erlang's `pg:join/2` and `pg:join/3`.
 *
 * @example
 * await startNode({ name: "agner@localhost", cookie: "secret", hidden: false });
 * await pg.start();                       // the scope `pg`, as -kernel start_pg true
 * await pg.join("news", self());          // in a process: yield* pg.join(...)
 * pg.getMembers("news");                  // [<0.81.0>, <12345.110.0>] (every node's)
 * // iex> :pg.get_members("news")         # the same pids, from Elixir
 */
import { Atom, atom } from "../term/atom.js";
import { Pid, type Ref } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { TermMap } from "../term/term_map.js";
import { Tuple, t } from "../term/tuple.js";
import { current } from "../runtime/current.js";
import { BadArgError, NotInProcessError } from "../runtime/errors.js";
import { runtime } from "../runtime/erlang.js";
import { _, after, on, receive } from "../runtime/index.js";
import { type Call, call } from "../otp/gen.js";
import { GenServer, type StartServerOp } from "../otp/gen_server.js";
import type { ChildSpec } from "../otp/supervisor.js";
import { JOIN, LEAVE, PgScope } from "./pg_scope.js";
import { scopeTable } from "./pg_table.js";

/** The default scope's name. */
export const DEFAULT_SCOPE = atom("pg");

type Scope = Atom | string;
type Pids = Pid | readonly Pid[];
type PgCalls = { req: unknown; reply: unknown };

function scopeAtom(s: Scope): Atom {
  if (s instanceof Atom) return s;
  if (typeof s === "string") return atom(s);
  throw new BadArgError(`pg: scope ${inspect(s)} is not an atom`);
}

/** OTP's `ensure_local`: only this node's processes join or leave. */
function ensureLocal(pids: Pids, what: string): Pid | Pid[] {
  const node = runtime().nodeName;
  const list: readonly unknown[] = pids instanceof Pid ? [pids] : Array.isArray(pids) ? pids : [pids];
  for (const p of list) {
    if (!(p instanceof Pid) || p.node !== node) throw new BadArgError(`pg.${what}: {nolocal, ${inspect(p)}}: only processes of this node join or leave`);
  }
  return pids instanceof Pid ? pids : [...(list as Pid[])];
}

/** The update a monitor receives: `{Ref, join | leave, Group, Pids}`. */
export type PgUpdate = Tuple & [Ref, Atom<"join" | "leave">, unknown, Pid[]];

/**
 * Starts a scope (not linked; default `pg`): a process registered under
 * the scope's name that discovers the scope on every other node. Rejects
 * with `{already_started, Pid}` if one runs.
 *
 * @example
 * await pg.start();              // the default scope, `pg`
 * await pg.start("chat");        // :pg.start(:chat) in Elixir
 */
function start(scope: Scope = DEFAULT_SCOPE): StartServerOp<PgCalls, unknown> {
  const s = scopeAtom(scope);
  return GenServer.start(new PgScope(), s, { name: s });
}

/** As {@link start}, linked to the caller (for a supervisor's child). */
function startLink(scope: Scope = DEFAULT_SCOPE): StartServerOp<PgCalls, unknown> {
  const s = scopeAtom(scope);
  return GenServer.startLink(new PgScope(), s, { name: s });
}

/**
 * A child spec that starts the scope under a supervisor, linked (what
 * kernel does with `start_pg`; in Elixir, `%{id: :pg, start: {:pg,
 * :start_link, [scope]}}`).
 *
 * @example
 * await Supervisor.start([pg.childSpec("chat")], { strategy: "one_for_one" });
 */
function childSpec(scope: Scope = DEFAULT_SCOPE): ChildSpec {
  const s = scopeAtom(scope);
  return { id: `pg_${s.name}`, start: () => startLink(s).result() };
}

/**
 * Joins one process or several (this node's) to `group`; the group exists
 * from then on. Joining twice counts twice: the process must leave twice.
 * A call to the scope: `yield*` it in a process, `await` it elsewhere.
 *
 * @example
 * yield* pg.join("news", self());               // default scope
 * yield* pg.join("chat", atom("room1"), [a, b]); // scope `chat`
 */
function join(group: unknown, pids: Pids): Call<Atom<"ok">>;
function join(scope: Scope, group: unknown, pids: Pids): Call<Atom<"ok">>;
function join(a: unknown, b: unknown, c?: unknown): Call<Atom<"ok">> {
  const [scope, group, pids] = arguments.length >= 3 ? [scopeAtom(a as Scope), b, c as Pids] : [DEFAULT_SCOPE, a, b as Pids];
  return call(scope, t(atom("join_local"), group, ensureLocal(pids, "join")), Infinity) as Call<Atom<"ok">>;
}

/**
 * Leaves `group` (one join's worth for each pid given): `ok`, or
 * `not_joined` when none of them had joined it.
 *
 * @example
 * yield* pg.leave("news", self()); // atom("ok")
 */
function leave(group: unknown, pids: Pids): Call<Atom<"ok" | "not_joined">>;
function leave(scope: Scope, group: unknown, pids: Pids): Call<Atom<"ok" | "not_joined">>;
function leave(a: unknown, b: unknown, c?: unknown): Call<Atom<"ok" | "not_joined">> {
  const [scope, group, pids] = arguments.length >= 3 ? [scopeAtom(a as Scope), b, c as Pids] : [DEFAULT_SCOPE, a, b as Pids];
  return call(scope, t(atom("leave_local"), group, ensureLocal(pids, "leave")), Infinity) as Call<Atom<"ok" | "not_joined">>;
}

const NONE: readonly Pid[] = Object.freeze([]);

/**
 * Every member of `group`, on every node (in no specific order; a pid
 * joined twice is there twice). A table read, no message: fast. Empty when
 * the group or the scope does not exist. The array is frozen.
 *
 * @example
 * for (const p of pg.getMembers("news")) send(p, t(atom("news"), text));
 */
function getMembers(group: unknown): readonly Pid[];
function getMembers(scope: Scope, group: unknown): readonly Pid[];
function getMembers(a: unknown, b?: unknown): readonly Pid[] {
  const tab = arguments.length >= 2 ? scopeTable(runtime(), scopeAtom(a as Scope)) : scopeTable(runtime(), DEFAULT_SCOPE);
  if (tab === undefined) return NONE;
  return tab.members(arguments.length >= 2 ? b : a);
}

/**
 * The members of `group` on this node.
 *
 * @example
 * pg.getLocalMembers("news"); // [<0.81.0>]
 */
function getLocalMembers(group: unknown): readonly Pid[];
function getLocalMembers(scope: Scope, group: unknown): readonly Pid[];
function getLocalMembers(a: unknown, b?: unknown): readonly Pid[] {
  const tab = arguments.length >= 2 ? scopeTable(runtime(), scopeAtom(a as Scope)) : scopeTable(runtime(), DEFAULT_SCOPE);
  if (tab === undefined) return NONE;
  return tab.localMembers(arguments.length >= 2 ? b : a);
}

/**
 * The groups that have a member anywhere (a group with none does not exist).
 *
 * @example
 * pg.whichGroups();       // ["news", atom("workers")]
 * pg.whichGroups("chat");
 */
function whichGroups(scope: Scope = DEFAULT_SCOPE): unknown[] {
  return scopeTable(runtime(), scopeAtom(scope))?.groups() ?? [];
}

/** The groups with a member on this node. */
function whichLocalGroups(scope: Scope = DEFAULT_SCOPE): unknown[] {
  return scopeTable(runtime(), scopeAtom(scope))?.localGroups() ?? [];
}

function inProcess(what: string): void {
  if (current === null) throw new NotInProcessError(what);
}

/**
 * Subscribes the calling process to every change of the scope (OTP 25.1's
 * `monitor_scope`): returns a reference and every group's members now;
 * then `{Ref, join, Group, Pids}` and `{Ref, leave, Group, Pids}` arrive as
 * members come and go. For process code (`yield*`); ends when the process
 * dies or on {@link demonitor}.
 *
 * @example
 * const { ref, groups } = yield* pg.monitorScope();
 * const [, action, group, pids] = yield* receive(on([ref, _, _, _], (m) => m));
 */
function* monitorScope(scope: Scope = DEFAULT_SCOPE): Generator<unknown, { ref: Ref; groups: TermMap<unknown, Pid[]> }, unknown> {
  inProcess("pg.monitorScope()");
  const r = (yield* call(scopeAtom(scope), atom("monitor"), Infinity)) as Tuple;
  return { ref: r[0] as Ref, groups: r[1] as TermMap<unknown, Pid[]> };
}

/**
 * Subscribes the calling process to changes of one group (OTP 25.1's
 * `pg:monitor/2`): returns a reference and the members now; then the same
 * `{Ref, join | leave, Group, Pids}` messages as {@link monitorScope}, for
 * that group.
 *
 * @example
 * const { ref, members } = yield* pg.monitor("news");
 */
function monitor(group: unknown): Generator<unknown, { ref: Ref; members: Pid[] }, unknown>;
function monitor(scope: Scope, group: unknown): Generator<unknown, { ref: Ref; members: Pid[] }, unknown>;
function* monitor(a: unknown, b?: unknown): Generator<unknown, { ref: Ref; members: Pid[] }, unknown> {
  inProcess("pg.monitor()");
  const two = arguments.length >= 2;
  const r = (yield* call(two ? scopeAtom(a as Scope) : DEFAULT_SCOPE, t(atom("monitor"), two ? b : a), Infinity)) as Tuple;
  return { ref: r[0] as Ref, members: r[1] as Pid[] };
}

/**
 * Ends a subscription of {@link monitorScope} or {@link monitor}, and drops
 * its updates already in the caller's mailbox: `ok`, or `false` if the
 * reference was not a subscription of this scope.
 *
 * @example
 * yield* pg.demonitor(ref);
 */
function* demonitor(ref: Ref, scope: Scope = DEFAULT_SCOPE): Generator<unknown, Atom<"ok"> | false, unknown> {
  inProcess("pg.demonitor()");
  const r = yield* call(scopeAtom(scope), t(atom("demonitor"), ref), Infinity);
  if (r !== OK) return false;
  for (;;) {
    const more = yield* receive(
      on([ref, (x: unknown) => x === JOIN || x === LEAVE, _, _], () => true),
      after(0, () => false),
    );
    if (!more) return OK;
  }
}

const OK = atom("ok") as Atom<"ok">;

/**
 * OTP's process groups. See the module comment of pg.ts, and
 * docs/cluster.md ("Process groups").
 */
export const pg = {
  DEFAULT_SCOPE,
  start,
  startLink,
  childSpec,
  join,
  leave,
  getMembers,
  getLocalMembers,
  whichGroups,
  whichLocalGroups,
  monitorScope,
  monitor,
  demonitor,
};
