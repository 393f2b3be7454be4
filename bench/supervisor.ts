/**
 * Supervisor restarts per second (issue 4): a one_for_one supervisor with a
 * very high intensity and one worker that exits on every message. The worker
 * announces each start to the bench process, which then sends the next
 * `crash`. Twin: bench/anchors/sup_restart.erl (identical, logger off).
 */
import { join } from "node:path";
import { type Pid, Supervisor, atom, exit, isPid, receive, run, runtime, self, send, silentLogger, spawnLink, t } from "../src/index.js";
import { figure, repoRoot, runErlModule } from "./lib.js";
import { pollute } from "./pollute.js";

const N = 100_000;
const STARTED = atom("started");
const CRASH = atom("crash");

function* worker(bench: Pid): Generator<unknown, void, unknown> {
  send(bench, t(STARTED, self()));
  yield* receive(CRASH);
  exit(CRASH);
}

export default async function main(): Promise<void> {
  await pollute();
  runtime().logger = silentLogger;
  const perS = await run(function* () {
    const bench = self();
    yield* Supervisor.start([{ id: "worker", start: () => spawnLink(() => worker(bench)) }], { intensity: 10_000_000, period: 1 });
    let [, w] = yield* receive([STARTED, isPid]);
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      send(w, CRASH);
      [, w] = yield* receive([STARTED, isPid]);
    }
    return N / ((performance.now() - t0) / 1e3);
  });
  const beam = runErlModule([join(repoRoot, "bench", "anchors", "sup_restart.erl")], "sup_restart");
  figure("sup_restarts_per_s", perS, beam?.get("sup_restarts_per_s"), "higher");
}
