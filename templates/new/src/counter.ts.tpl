/**
 * A GenServer holding a number: `get` is a call (answered with the number),
 * `{add, N}` a cast. The messages are Erlang terms, so an Elixir node sends
 * the same ones: GenServer.cast({:counter, node}, {:add, 2}).
 */
import { type Atom, type CallSpec, type From, GenServer, type Tup, atom, call, cast, noreply, ok, reply, serverName, t } from "agner";

export const GET = atom("get");
export const ADD = atom("add");

type Calls = CallSpec<Atom<"get">, number>;
type Casts = Tup<[Atom<"add">, number]>;

export class Counter extends GenServer<number, Calls, Casts, unknown, number> {
  init(start: number) {
    return ok(start);
  }

  override handleCall(_request: Atom<"get">, _from: From, n: number) {
    return reply(n, n);
  }

  override handleCast([, by]: Casts, n: number) {
    return noreply(n + by);
  }
}

/** The registered counter, typed with its protocol. */
export const COUNTER = serverName<Calls, Casts>("counter");

/** The module API: `await` it from async code, `yield*` it in a process. */
export const counter = {
  get: () => call(COUNTER, GET),
  add(by: number): void {
    cast(COUNTER, t(ADD, by));
  },
};
