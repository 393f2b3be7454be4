/**
 * The servers the GenServer benchmarks call and cast to (the anchors'
 * `gs_call` echo, `gs_cast` counter and `kv` store), shared by bench/gen_server.ts and
 * bench/runtime_callgrind.ts so both measure the same code.
 */
import { type Atom, type CallSpec, type From, type Pid, type Tup, GenServer, atom, call, cast, noreply, ok, reply, t } from "../src/index.js";

export const PING = atom("ping");
export const PONG = atom("pong");
export const INC = atom("inc");
export const COUNT = atom("count");
export const DONE = atom("done");

/** Answers every `ping` with `pong`. */
export class Echo extends GenServer<null, CallSpec<Atom<"ping">, Atom<"pong">>> {
  init() {
    return ok(null);
  }
  override handleCall(_req: Atom<"ping">, _from: From, s: null) {
    return reply(PONG, s);
  }
}

/** Counts `inc` casts; `count` calls read the count. */
export class Counter extends GenServer<number, CallSpec<Atom<"count">, number>, Atom<"inc">> {
  init() {
    return ok(0);
  }
  override handleCast(_req: Atom<"inc">, n: number) {
    return noreply(n + 1);
  }
  override handleCall(_req: Atom<"count">, _from: From, n: number) {
    return reply(n, n);
  }
}

type KvCalls = CallSpec<Tup<[Atom<"get">, number]>, number | Atom<"undefined">> | CallSpec<Atom<"size">, number>;
type KvCasts = Tup<[Atom<"set">, number, number]> | Tup<[Atom<"delete">, number]>;
export const GET = atom("get");
export const SET = atom("set");
export const SIZE = atom("size");
export const UNDEFINED = atom("undefined");

/** The classic KeyValueStore of kv.erl: set = cast, get = call, delete = cast. */
export class Kv extends GenServer<Map<number, number>, KvCalls, KvCasts> {
  init() {
    return ok(new Map<number, number>());
  }
  override handleCast(req: KvCasts, m: Map<number, number>) {
    if (req[0] === SET) m.set(req[1], (req as Tup<[Atom<"set">, number, number]>)[2]);
    else m.delete(req[1]);
    return noreply(m);
  }
  override handleCall(req: KvCalls["req"], _from: From, m: Map<number, number>) {
    if (req === SIZE) return reply(m.size, m);
    const v = m.get((req as Tup<[Atom<"get">, number]>)[1]);
    return reply(v === undefined ? UNDEFINED : v, m);
  }
}

/** The kv anchor's client loop: `n` operations, even ones `set` casts, odd ones `get` calls. Returns the hits. */
export function* kvClient(server: Pid, n: number): Generator<unknown, number, unknown> {
  let x = 1;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    x = (x * 48271) % 2147483647;
    const key = x % 100_000;
    if (i % 2 === 0) cast(server, t(SET, key, i));
    else if ((yield* call(server, t(GET, key))) !== UNDEFINED) hits++;
  }
  return hits;
}
