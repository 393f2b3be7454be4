/** Version 2 of the counter: its state becomes `{ count, upgradedAt }`; `version` says v2. */
import { type Atom, type CallSpec, type From, GenServer, noreply, ok, reply } from "../../src/index.js";

export type CounterCalls = CallSpec<Atom<"next">, number> | CallSpec<Atom<"version">, string>;
interface State {
  count: number;
  upgradedAt: number;
}

export class Counter extends GenServer<State, CounterCalls, Atom<"reset">, unknown, number> {
  init(start: number) {
    return ok({ count: start, upgradedAt: -1 });
  }
  override handleCall(req: CounterCalls["req"], _from: From, s: State) {
    if (req.name === "version") return reply(`v2 (upgraded at ${s.upgradedAt})`, s);
    s.count++;
    return reply(s.count, s);
  }
  override handleCast(_req: Atom<"reset">, s: State) {
    return noreply({ ...s, count: 0 });
  }
  /** From v1's number to v2's record, keeping the count. */
  override codeChange(oldVsn: unknown, state: unknown, _extra: unknown): State {
    if (oldVsn !== "1" || typeof state !== "number") throw new Error(`cannot upgrade from ${String(oldVsn)}`);
    return { count: state, upgradedAt: state };
  }
}
