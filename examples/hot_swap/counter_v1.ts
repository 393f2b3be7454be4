/** Version 1 of the counter: its state is a number. */
import { type Atom, type CallSpec, type From, GenServer, noreply, ok, reply } from "../../src/index.js";

export type CounterCalls = CallSpec<Atom<"next">, number> | CallSpec<Atom<"version">, string>;

export class Counter extends GenServer<number, CounterCalls, Atom<"reset">, unknown, number> {
  init(start: number) {
    return ok(start);
  }
  override handleCall(req: CounterCalls["req"], _from: From, n: number) {
    if (req.name === "version") return reply("v1", n);
    return reply(n + 1, n + 1);
  }
  override handleCast(_req: Atom<"reset">, _n: number) {
    return noreply(0);
  }
}
