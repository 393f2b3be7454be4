/**
 * The scheduler: fairness under a flood (counted, never timed) and deep
 * cascades of exits without recursion.
 *
 * The fairness tests use the real clock (on a VirtualClock `settle()` drains
 * without time slices, which never ends while a process floods itself) and
 * run in a worker thread (flood_worker.ts): a starved event loop there is a
 * clean failure here, not a hung test file.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { atom } from "../../../src/term/atom.js";
import { t } from "../../../src/term/tuple.js";
import {
  _,
  on,
  processFlag,
  processes,
  receive,
  run,
  self,
  send,
  spawn,
  spawnLink,
  spawnMonitor,
} from "../../../src/runtime/index.js";
import { type FloodScenario } from "./flood_worker.js";
import { fresh } from "./helpers.js";

/** Runs a flood scenario in a worker; rejects if it does not finish within `limitMs` (the runtime starved its loop). */
function inWorker(scenario: FloodScenario, opts: { sliceMs?: number; limitMs?: number } = {}): Promise<Record<string, number | boolean>> {
  const w = new Worker(new URL("./flood_worker.js", import.meta.url), { workerData: { scenario, sliceMs: opts.sliceMs } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void w.terminate();
      reject(new Error(`${scenario}: no result within ${opts.limitMs ?? 15_000} ms: the flood starved the other process or the event loop`));
    }, opts.limitMs ?? 15_000);
    w.once("message", (m: Record<string, number | boolean>) => {
      clearTimeout(timer);
      void w.terminate();
      resolve(m);
    });
    w.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The ping-pong ran its 500 rounds while the flood kept running. */
async function pingpongDespiteFlood(scenario: FloodScenario): Promise<void> {
  const r = await inWorker(scenario);
  assert.equal(r.rounds, 500);
  assert.ok((r.after as number) > (r.before as number), "the flood kept running meanwhile");
  assert.equal(r.floodAlive, true);
}

/** setImmediate and setTimeout(0) callbacks ran, and ten more event-loop rounds, while the flood kept running. */
async function eventLoopDespiteFlood(scenario: FloodScenario): Promise<void> {
  const r = await inWorker(scenario);
  const [c0, atImmediate, atTimeout] = [r.c0 as number, r.atImmediate as number, r.atTimeout as number];
  assert.ok(c0 > 0, "the flood is running");
  assert.ok(atImmediate > c0, `the flood ran before the setImmediate callback (${c0} -> ${atImmediate})`);
  assert.ok(atTimeout > atImmediate, `and before the setTimeout callback (${atImmediate} -> ${atTimeout})`);
  assert.equal(r.rounds, 10, "ten more event-loop rounds while flooding");
  assert.equal(r.floodAlive, true);
}

test("a self-flooding process does not starve another process's ping-pong", () => pingpongDespiteFlood("pingpong"));

test("a self-flooding process does not starve the event loop (setImmediate and setTimeout(0) callbacks run)", () =>
  eventLoopDespiteFlood("eventloop"));

// A receive that finds its message queued is taken at its `yield*`, without a trip through the scheduler;
// the turn's budget still ends the turn (without it these two hang: the flood would never give up its turn).
test("a loop-style process flooding itself (each receive matches at once) does not starve another process's ping-pong", () =>
  pingpongDespiteFlood("pingpong_loop"));

test("a loop-style process flooding itself does not starve the event loop", () => eventLoopDespiteFlood("eventloop_loop"));

test("the starvation check itself: with time slices off (sliceMs = Infinity) the flood does starve, and the worker is stopped", async () => {
  await assert.rejects(inWorker("eventloop", { sliceMs: Infinity, limitMs: 2_000 }), /starved/);
});

test("a chain of 100,000 linked processes dies without stack overflow when the last one crashes", { timeout: 20_000 }, async () => {
  const rt = fresh();
  const N = 100_000;
  const err = new Error("end of the chain");
  const result = run(function* () {
    const observer = self();
    function chain(n: number): Generator<unknown, void, unknown> | void {
      if (n === 0) {
        return (function* () {
          send(observer, atom("ready"));
          yield* receive(atom("crash"));
          throw err;
        })();
      }
      spawnLink(() => chain(n - 1));
      return (function* () {
        yield* receive(atom("never"));
      })();
    }
    const [head, ref] = spawnMonitor(() => chain(N - 1));
    yield* receive(atom("ready"));
    const alive = processes().length;
    const last = processes().at(-1)!;
    send(last, atom("crash"));
    const reason = yield* receive(on([atom("DOWN"), ref, _, head, _], (d) => d[4]));
    return { alive, reason, after: processes().length };
  });
  await rt.settle();
  const { alive, reason, after } = await result;
  assert.equal(alive, N + 1, "the chain and the observer");
  assert.equal(reason, err, "the head died with the tail's reason, carried along 99,999 links");
  assert.equal(after, 1, "only the observer is left");
});

test("a trapping process in the middle of a long chain stops the cascade and gets the EXIT", { timeout: 20_000 }, async () => {
  const rt = fresh();
  const N = 20_000;
  const M = N / 2; // the trapping one: processes N-1 .. M+1 are upstream, M-1 .. 0 downstream
  const err = new Error("tail crash");
  const out = run(function* () {
    const observer = self();
    function chain(n: number): Generator<unknown, void, unknown> {
      return (function* () {
        if (n === M) processFlag("trap_exit", true);
        if (n > 0) spawnLink(() => chain(n - 1));
        else {
          send(observer, atom("ready"));
          yield* receive(atom("crash"));
          throw err;
        }
        const m = yield* receive(_);
        if (n === M) send(observer, t(atom("middle_got"), m));
        yield* receive(atom("never"));
      })();
    }
    spawn(() => chain(N - 1));
    yield* receive(atom("ready"));
    send(processes().at(-1)!, atom("crash"));
    const [, got] = yield* receive([atom("middle_got"), _]);
    return { got, left: processes().length };
  });
  await rt.settle();
  const { got, left } = await out;
  const [tag, , reason] = got as unknown as [unknown, unknown, unknown];
  assert.equal(tag, atom("EXIT"));
  assert.equal(reason, err);
  assert.equal(left, 1 + (N - M), "the observer, the trapping process and everything upstream of it live on");
  rt.shutdown();
});
