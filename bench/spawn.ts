/**
 * The `spawn_many` anchor workload: spawn N = 1,000,000 processes (no link)
 * that each block waiting for `stop`; `spawn_per_s` counts until every one
 * has run and is blocked (run queue empty); memory is the JS heap growth per
 * process with the pid list excluded; then every process is killed.
 *
 * Two Agner variants: callback actors (`spawn_*`, the figures with targets)
 * and loop-style generator processes in `receive` (`spawn_receive_*`).
 */
import { atom, type Pid } from "../src/term/index.js";
import { type Actor, exit, receive, run, runtime, sleep, spawn } from "../src/runtime/index.js";
import { pollute } from "./pollute.js";
import { figure, plain, runAnchor } from "./lib.js";

const N = 1_000_000;
const STOP = atom("stop");
const KILL = atom("kill");

/** Stateless, so one object serves every process (like a fun with no free variables). */
const waitForStop: Actor<unknown> = {
  handle(m) {
    if (m === STOP) exit(atom("normal"));
  },
};

function* waitForStopLoop(): Generator<unknown, void, unknown> {
  yield* receive(STOP);
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

interface SpawnResult {
  perS: number;
  bytes: number;
  killMs: number;
}

async function measure(kind: "callback" | "receive"): Promise<SpawnResult> {
  const rt = runtime();
  const pids: Pid[] = new Array(N).fill(null);
  const base = rt.processCount;
  const h0 = heapUsed();
  const t0 = performance.now();
  const spawnTime = await run(function* () {
    for (let i = 0; i < N; i++) pids[i] = kind === "callback" ? spawn(waitForStop) : spawn(waitForStopLoop);
    yield* sleep(0); // every new process gets its first turn before we look again
    return performance.now() - t0;
  });
  const h1 = heapUsed();
  const t1 = performance.now();
  await run(function* () {
    for (let i = 0; i < N; i++) exit(pids[i]!, KILL);
  });
  while (rt.processCount > base) await new Promise((r) => setImmediate(r));
  const killMs = performance.now() - t1;
  return { perS: N / (spawnTime / 1e3), bytes: (h1 - h0) / N, killMs };
}

export default async function main(): Promise<void> {
  await pollute(); // warm, polymorphic runtime paths, as in a running application
  if (typeof (globalThis as { gc?: unknown }).gc !== "function") console.error("# run with --expose-gc for exact memory figures");
  const cb = await measure("callback");
  const gen = await measure("receive");
  const beam = runAnchor("spawn_many", ["+P", "2000000"]);
  figure("spawn_per_s", cb.perS, beam?.get("spawn_per_s"), "higher");
  figure("spawn_mem_per_proc_bytes", cb.bytes, beam?.get("spawn_mem_per_proc_bytes"), "lower");
  figure("spawn_kill_all_ms", cb.killMs, beam?.get("spawn_kill_all_ms"), "lower");
  figure("spawn_receive_per_s", gen.perS, beam?.get("spawn_per_s"), "higher");
  figure("spawn_receive_mem_per_proc_bytes", gen.bytes, beam?.get("spawn_mem_per_proc_bytes"), "lower");
  plain("spawn_receive_kill_all_ms", gen.killMs);
}
