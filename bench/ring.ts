/**
 * The `ring` anchor workload (../shared/anchors/erlang/ring.erl), identical:
 * N = 10,000 processes, M = 1,000 laps, H = N x M hops. P1 first waits for
 * `{next, Pid}`; P2..PN are each spawned with their successor known; every
 * process is linked to main; the token is the hop count still to go, and the
 * process that receives 0 sends `done` to main.
 *
 * Three variants: callback actors (`ring_hops_per_s`), loop-style generator
 * processes that `receive` (`ring_receive_hops_per_s`), and nact (the JS peer).
 */
import { atom, t, type Pid } from "../src/term/index.js";
import { type Actor, exit, isNumber, processInfo, receive, run, self, send, spawnLink, unlink } from "../src/runtime/index.js";
import { figure, median, plain, runAnchor } from "./lib.js";
import { bareGeneratorRing } from "./floors.js";
import { pollute } from "./pollute.js";

const N = 10_000;
const M = 1_000;
const H = N * M;
const NEXT = atom("next");
const DONE = atom("done");
const KILL = atom("kill");

/** A ring member as a callback actor; the first one learns its successor from `{next, Pid}`. */
class Relay implements Actor<unknown> {
  constructor(
    public next: Pid | null,
    readonly main: Pid,
  ) {}
  handle(k: unknown): void {
    if (typeof k === "number") {
      if (k === 0) send(this.main, DONE);
      else send(this.next!, k - 1);
    } else this.next = (k as [unknown, Pid])[1]; // {next, Pid}
  }
}

/** Callback actors. */
function ringCallback(): Promise<{ spawnMs: number; hopsPerS: number }> {
  return run(function* () {
    const main = self();
    const t0 = performance.now();
    const first = spawnLink(new Relay(null, main));
    let next = first;
    for (let i = 2; i <= N; i++) next = spawnLink(new Relay(next, main));
    send(first, t(NEXT, next));
    const t1 = performance.now();
    send(first, H);
    yield* receive(DONE);
    const t2 = performance.now();
    stopRing();
    return { spawnMs: t1 - t0, hopsPerS: H / ((t2 - t1) / 1e3) };
  });
}

/** Loop-style processes: `relay(Next, Main) -> receive 0 -> ...; K -> ... end`. */
function* relay(next: Pid, main: Pid): Generator<unknown, void, unknown> {
  for (;;) {
    const k = yield* receive(isNumber);
    if (k === 0) send(main, DONE);
    else send(next, k - 1);
  }
}

/** The loop-style ring; `hops` is H but for instruction counts (bench/runtime_callgrind.ts). */
export function ringReceive(hops = H): Promise<{ spawnMs: number; hopsPerS: number }> {
  return run(function* () {
    const main = self();
    const t0 = performance.now();
    const first = spawnLink(function* () {
      const [, next] = yield* receive([NEXT, (x: unknown): x is Pid => x !== null]);
      yield* relay(next, main);
    });
    let next = first;
    for (let i = 2; i <= N; i++) {
      const succ = next;
      next = spawnLink(() => relay(succ, main));
    }
    send(first, t(NEXT, next));
    const t1 = performance.now();
    send(first, hops);
    yield* receive(DONE);
    const t2 = performance.now();
    stopRing();
    return { spawnMs: t1 - t0, hopsPerS: hops / ((t2 - t1) / 1e3) };
  });
}

/** After timing (not timed): kill every ring member, all linked to main. */
function stopRing(): void {
  for (const p of processInfo(self(), "links") ?? []) {
    unlink(p);
    exit(p, KILL);
  }
}

/** nact 7 (the JS actor library), same ring shape; fewer hops because it is much slower. */
async function ringNact(hops: number): Promise<number> {
  const nact = (await import("nact")) as unknown as {
    start(): unknown;
    spawnStateless(parent: unknown, f: (msg: unknown, ctx: unknown) => unknown): unknown;
    dispatch(to: unknown, msg: unknown): void;
    stop(system: unknown): void;
  };
  const system = nact.start();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const actors: unknown[] = [];
  const nexts: unknown[] = [];
  for (let i = 0; i < N; i++) {
    const idx = i;
    actors.push(
      nact.spawnStateless(system, (k: unknown) => {
        if (k === 0) resolveDone();
        else nact.dispatch(nexts[idx], (k as number) - 1);
      }),
    );
  }
  for (let i = 0; i < N; i++) nexts[i] = actors[(i + 1) % N];
  const t1 = performance.now();
  nact.dispatch(actors[0], hops);
  await done;
  const t2 = performance.now();
  nact.stop(system);
  return hops / ((t2 - t1) / 1e3);
}

export default async function main(): Promise<void> {
  await pollute();
  // Three rings of each kind, median reported: this machine's run-to-run spread is up to 2x.
  const cbs = [await ringCallback(), await ringCallback(), await ringCallback()];
  const gens = [await ringReceive(), await ringReceive(), await ringReceive()];
  const cb = { spawnMs: median(cbs.map((r) => r.spawnMs)), hopsPerS: median(cbs.map((r) => r.hopsPerS)) };
  const gen = { spawnMs: median(gens.map((r) => r.spawnMs)), hopsPerS: median(gens.map((r) => r.hopsPerS)) };
  const beam = runAnchor("ring");
  figure("ring_spawn_ms", cb.spawnMs, beam?.get("ring_spawn_ms"), "lower");
  figure("ring_hops_per_s", cb.hopsPerS, beam?.get("ring_hops_per_s"), "higher");
  figure("ring_receive_hops_per_s", gen.hopsPerS, beam?.get("ring_hops_per_s"), "higher");
  plain("ring_receive_spawn_ms", gen.spawnMs);
  const floors: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    bareGeneratorRing(N, H);
    floors.push(H / ((performance.now() - t0) / 1e3));
  }
  plain("ring_receive_hops_per_s.floor", median(floors));
  const nactRate = await ringNact(200_000);
  figure("ring_hops_per_s.nact", nactRate, undefined, "higher");
  if (beam) plain("ring_hops_per_s.nact_ratio_vs_beam", nactRate / beam.get("ring_hops_per_s")!);
}
