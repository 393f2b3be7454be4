/**
 * Flood scenarios for scheduler.test.ts, run in a worker thread: if the
 * runtime starved the event loop, the worker would spin forever and the test
 * thread, whose own loop stays free, terminates it and fails the test (a
 * starved loop in the test's own thread could not even fire a timeout).
 * Loaded as a plain module on the main thread (the test runner picks up every
 * file here), it does nothing.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { atom } from "../../../src/term/atom.js";
import { type Pid, isPid } from "../../../src/term/identifiers.js";
import { Runtime, isAlive, isNumber, receive, run, self, send, setDefaultRuntime, silentLogger, spawn } from "../../../src/runtime/index.js";

/** `_loop`: the flood is a loop-style process whose every receive finds its message already queued. */
export type FloodScenario = "pingpong" | "eventloop" | "pingpong_loop" | "eventloop_loop";

let loopStyle = false;

/** A process that sends itself a message from every handle() (or every loop): always runnable, forever. */
function flood(): { pid: Pid; count: () => number } {
  let n = 0;
  const pid = loopStyle
    ? spawn(function* () {
        for (;;) {
          const m = yield* receive(isNumber);
          n++;
          send(self(), m + 1);
        }
      })
    : spawn({
        handle(m: number) {
          n++;
          send(self(), m + 1);
        },
      });
  send(pid, 0);
  return { pid, count: () => n };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function pingpong(): Promise<Record<string, unknown>> {
  const f = flood();
  await tick();
  const ponger = spawn(function* () {
    for (;;) {
      const from = yield* receive(isPid);
      send(from, atom("pong"));
    }
  });
  const before = f.count();
  const rounds = await run(function* () {
    let n = 0;
    for (; n < 500; n++) {
      send(ponger, self());
      yield* receive(atom("pong"));
    }
    return n;
  });
  return { rounds, before, after: f.count(), floodAlive: isAlive(f.pid) };
}

async function eventloop(): Promise<Record<string, unknown>> {
  const f = flood();
  await tick();
  const c0 = f.count();
  const atImmediate = await new Promise<number>((r) => setImmediate(() => r(f.count())));
  const atTimeout = await new Promise<number>((r) => setTimeout(() => r(f.count()), 0));
  let rounds = 0;
  for (; rounds < 10; rounds++) await new Promise<void>((r) => setTimeout(r, 0));
  return { c0, atImmediate, atTimeout, rounds, after: f.count(), floodAlive: isAlive(f.pid) };
}

if (!isMainThread && parentPort !== null) {
  const { scenario, sliceMs } = workerData as { scenario: FloodScenario; sliceMs?: number };
  const rt = new Runtime({ logger: silentLogger, ...(sliceMs === undefined ? {} : { sliceMs }) });
  setDefaultRuntime(rt);
  loopStyle = scenario.endsWith("_loop");
  const result = await (scenario.startsWith("pingpong") ? pingpong() : eventloop());
  rt.shutdown();
  parentPort.postMessage(result);
}
