/**
 * Makes the runtime's call sites polymorphic before timing, as a real
 * application with many process types would: without this, a one-handler
 * micro-benchmark reads about 1.5x optimistic (see the runtime measurements).
 */
import { atom, t } from "../src/term/index.js";
import { type Actor, receive, run, runtime, self, send, spawn, _ } from "../src/runtime/index.js";

const shapes: unknown[] = [1, "s", atom("a"), t(atom("x"), 1), [1, 2], { k: 1 }, 2.5, t(1, 2, 3)];

export async function pollute(): Promise<void> {
  const kinds: (() => Actor<unknown>)[] = [
    () => ({ handle(m: unknown) { void m; } }),
    () => ({ n: 0, handle(this: { n: number }, m: unknown) { this.n += typeof m === "number" ? 1 : 0; } }),
    () => ({ handle(m: unknown) { if (Array.isArray(m)) void m.length; } }),
    () => ({ s: "", handle(this: { s: string }, m: unknown) { this.s = String(m).slice(0, 1); } }),
    () => ({ c: 0, handle(this: { c: number }) { this.c++; } }),
    () => ({ handle(m: unknown) { void JSON.stringify(m === undefined ? null : 0); } }),
  ];
  await run(function* () {
    const pids = kinds.map((k) => spawn(k()));
    for (let r = 0; r < 2000; r++) for (const p of pids) send(p, shapes[r % shapes.length]);
    const me = self();
    const gens = [0, 1, 2].map((i) =>
      spawn(function* () {
        for (let r = 0; r < 500; r++) yield* receive(_);
        send(me, i);
      }),
    );
    for (let r = 0; r < 500; r++) for (const g of gens) send(g, shapes[r % shapes.length]);
    for (let i = 0; i < 3; i++) yield* receive(_);
  });
  // The actors may still hold messages (more so under valgrind's slowdown): let them finish, so that
  // none of this runs inside a measured pass, nor waits in the run queue while one runs.
  const rt = runtime();
  while (rt.runQueueLength > 0) await new Promise((r) => setImmediate(r));
}
