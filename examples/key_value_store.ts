/**
 * The seed article's KeyValueStore: a GenServer holding a map, with `set`
 * and `delete` as casts and `get` as a call, registered as `primary_store`.
 *
 *     {:ok, pid} = KeyValueStore.start
 *     Process.register(pid, :primary_store)
 *     :primary_store |> KeyValueStore.set(:foo, :bar)
 *     :primary_store |> KeyValueStore.get(:foo)      #=> :bar
 */
import {
  type Atom,
  type CallSpec,
  type From,
  type ServerRef,
  type Tup,
  GenServer,
  atom,
  call,
  cast,
  noreply,
  ok,
  reply,
  t,
} from "../src/index.js";

type State = Map<unknown, unknown>;
/** `get` is a call: `{get, Key}` answered with the value, or `null` when missing (Elixir's `nil` on the wire). */
type KvCalls = CallSpec<Tup<[Atom<"get">, unknown]>, unknown>;
/** `set` and `delete` are casts. */
type KvCasts = Tup<[Atom<"set">, unknown, unknown]> | Tup<[Atom<"delete">, unknown]>;

const GET = atom("get");
const SET = atom("set");
const DELETE = atom("delete");

export class KeyValueStoreServer extends GenServer<State, KvCalls, KvCasts, unknown, State> {
  init(state: State) {
    return ok(state);
  }

  override handleCast(request: KvCasts, state: State) {
    if (request[0] === SET) {
      const [, key, value] = request as Tup<[Atom<"set">, unknown, unknown]>;
      return noreply(state.set(key, value));
    }
    state.delete(request[1]);
    return noreply(state);
  }

  override handleCall([, key]: KvCalls["req"], _from: From, state: State) {
    return reply(state.has(key) ? state.get(key) : null, state);
  }
}

export type KeyValueStoreRef = ServerRef<KvCalls, KvCasts>;

/** The article's module API. Each function works from process code (`yield*`) and from async code (`await`). */
export const KeyValueStore = {
  start(initialState: State = new Map()) {
    return GenServer.start(new KeyValueStoreServer(), initialState);
  },
  set(server: KeyValueStoreRef, key: unknown, value: unknown): Atom<"ok"> {
    cast(server, t(SET, key, value));
    return atom("ok");
  },
  get(server: KeyValueStoreRef, key: unknown) {
    return call(server, t(GET, key));
  },
  delete(server: KeyValueStoreRef, key: unknown): Atom<"ok"> {
    cast(server, t(DELETE, key));
    return atom("ok");
  },
};
