/**
 * Fairness under load (no anchor: absolute targets). 100 worker processes
 * each drain 100,000 queued messages (`sum += m`) while a ping-pong pair
 * measures its round trip, and the event loop's worst delay is sampled.
 * Targets: probe p99 < 1,000 us; event-loop delay max < 20 ms.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { atom, t, type Pid } from "../src/term/index.js";
import { type Actor, receive, run, self, send, spawn, isAlive, _ } from "../src/runtime/index.js";
import { plain } from "./lib.js";

const WORKERS = 100;
const MSGS = 100_000;
const PING = atom("ping");

class Worker implements Actor<number> {
  sum = 0;
  left = MSGS;
  constructor(readonly done: Pid) {}
  handle(m: number): void {
    this.sum += m;
    if (--this.left === 0) send(this.done, atom("worker_done"));
  }
}

export default async function main(): Promise<void> {
  const hist = monitorEventLoopDelay({ resolution: 1 });
  const rtts: number[] = [];
  const t0 = performance.now();
  hist.enable();
  await run(function* () {
    const me = self();
    const echo = spawn({ handle: (m: unknown) => send((m as [unknown, Pid])[1], PING) } as Actor<unknown>);
    const workers = Array.from({ length: WORKERS }, () => spawn(new Worker(me)));
    for (let i = 0; i < MSGS; i++) for (const w of workers) send(w, i);
    let finished = 0;
    while (finished < WORKERS) {
      const s = performance.now();
      send(echo, t(PING, me));
      const m = yield* receive(PING, atom("worker_done"));
      if (m === PING) rtts.push((performance.now() - s) * 1e3);
      else {
        finished++;
        yield* receive(PING); // the probe still in flight
      }
    }
    void isAlive(echo);
    void _;
  });
  hist.disable();
  const total = performance.now() - t0;
  rtts.sort((a, b) => a - b);
  const pct = (q: number) => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))]!;
  plain("fair_worker_msgs_per_s", (WORKERS * MSGS) / (total / 1e3));
  plain("fair_probe_samples", rtts.length);
  plain("fair_probe_p50_us", pct(0.5));
  plain("fair_probe_p99_us", pct(0.99));
  plain("fair_loop_delay_max_ms", hist.max / 1e6);
}
