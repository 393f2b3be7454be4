/**
 * Agent: state behind a process, read and changed by functions that run in
 * that process (Elixir's `Agent`), on top of GenServer.
 *
 * @example
 * const counter = await Agent.start(() => 0);
 * Agent.update(counter, (n) => n + 1);
 * await Agent.get(counter, (n) => n); // 1
 */
import { type Atom, atom } from "../term/atom.js";
import { type Pid } from "../term/identifiers.js";
import { type Tup, t } from "../term/tuple.js";
import { OK } from "../runtime/atoms.js";
import { type CallSpec, type From, call, cast } from "./gen.js";
import { GenServer, type ServerOptions, noreply, ok, reply, stop } from "./gen_server.js";

const GET = atom("get");
const UPDATE = atom("update");
const GET_AND_UPDATE = atom("get_and_update");
const CAST = atom("cast");
const STOP = atom("stop");

type Fn<S, R> = (state: S) => R;
type AgentCalls<S> = CallSpec<Tup<[Atom, Fn<S, unknown>]> | Tup<[Atom<"stop">, unknown]>, unknown>;

class AgentServer<S> extends GenServer<S, AgentCalls<S>, Tup<[Atom<"cast">, Fn<S, S>]>, unknown, S | (() => S)> {
  init(initial: S | (() => S)) {
    return ok(typeof initial === "function" ? (initial as () => S)() : initial);
  }
  override handleCall(req: AgentCalls<S>["req"], _from: From, state: S) {
    const op = req[0];
    if (op === STOP) return stop(req[1], state, OK);
    const f = req[1] as Fn<S, unknown>;
    if (op === GET) return reply(f(state), state);
    if (op === UPDATE) return reply(OK, f(state) as S);
    const [value, next] = f(state) as [unknown, S];
    return reply(value, next);
  }
  override handleCast(req: Tup<[Atom<"cast">, Fn<S, S>]>, state: S) {
    return noreply(req[1](state));
  }
}

/** An agent's pid, typed with its state. */
export type AgentRef<S> = (Pid | string) & { readonly __agentState?: S };

export const Agent = {
  /** Starts an agent with an initial value, or a function computing it in the agent. */
  start<S>(initial: S | (() => S), opts: ServerOptions = {}) {
    return GenServer.start(new AgentServer<S>(), initial, opts) as unknown as PromiseLike<AgentRef<S>> & Iterable<unknown, AgentRef<S>, unknown>;
  },
  startLink<S>(initial: S | (() => S), opts: ServerOptions = {}) {
    return GenServer.startLink(new AgentServer<S>(), initial, opts) as unknown as PromiseLike<AgentRef<S>> & Iterable<unknown, AgentRef<S>, unknown>;
  },
  /** `f(state)`, computed in the agent. */
  get<S, R>(agent: AgentRef<S>, f: Fn<S, R>, timeout = 5000) {
    return call(agent as Pid, t(GET, f as Fn<unknown, unknown>), timeout) as unknown as PromiseLike<R> & Iterable<unknown, R, unknown>;
  },
  /** Replaces the state with `f(state)`; waits until done. */
  update<S>(agent: AgentRef<S>, f: Fn<S, S>, timeout = 5000) {
    return call(agent as Pid, t(UPDATE, f as Fn<unknown, unknown>), timeout) as unknown as PromiseLike<Atom<"ok">> & Iterable<unknown, Atom<"ok">, unknown>;
  },
  /** `f(state)` returns `[reply, newState]`. */
  getAndUpdate<S, R>(agent: AgentRef<S>, f: Fn<S, [R, S]>, timeout = 5000) {
    return call(agent as Pid, t(GET_AND_UPDATE, f as Fn<unknown, unknown>), timeout) as unknown as PromiseLike<R> & Iterable<unknown, R, unknown>;
  },
  /** Replaces the state with `f(state)` without waiting. */
  cast<S>(agent: AgentRef<S>, f: Fn<S, S>): void {
    cast(agent as Pid, t(CAST, f));
  },
  /** Stops the agent with `reason` (default `normal`). */
  stop<S>(agent: AgentRef<S>, reason: unknown = atom("normal"), timeout = Infinity) {
    return call(agent as Pid, t(STOP, reason), timeout) as unknown as PromiseLike<Atom<"ok">>;
  },
};
