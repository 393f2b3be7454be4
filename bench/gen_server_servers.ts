/**
 * The servers the GenServer benchmarks call and cast to (the anchors'
 * `gs_call` echo and `gs_cast` counter), shared by bench/gen_server.ts and
 * bench/runtime_callgrind.ts so both measure the same code.
 */
import { type Atom, type CallSpec, type From, GenServer, atom, noreply, ok, reply } from "../src/index.js";

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
