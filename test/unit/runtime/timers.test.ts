/** Timers on virtual time: sendAfter, cancelTimer, readTimer, many timers, receive `after`. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { atom } from "../../../src/term/atom.js";
import { type Pid } from "../../../src/term/identifiers.js";
import {
  after,
  cancelTimer,
  exit,
  processInfo,
  readTimer,
  receive,
  register,
  send,
  sendAfter,
  sleep,
  spawn,
} from "../../../src/runtime/index.js";
import { fresh } from "./helpers.js";

const NEVER = atom("never");
/** A process that only collects its mailbox (never matches anything). */
const sink = (): Pid =>
  spawn(function* () {
    yield* receive(NEVER);
  });
const inbox = (p: Pid) => processInfo(p, "messages");

test("sendAfter delivers at the due virtual time, not a millisecond before", async () => {
  const rt = fresh();
  const p = sink();
  sendAfter(100, p, "tick");
  await rt.advance(99);
  assert.deepEqual(inbox(p), []);
  await rt.advance(1);
  assert.deepEqual(inbox(p), ["tick"]);
  await rt.advance(1_000);
  assert.deepEqual(inbox(p), ["tick"], "once");
});

test("sendAfter to a registered name; a name gone by then drops the message without an error", async () => {
  const rt = fresh();
  const p = sink();
  register("timed", p);
  sendAfter(10, "timed", 1);
  sendAfter(20, atom("vanishing"), 2);
  await rt.advance(30);
  assert.deepEqual(inbox(p), [1]);
});

test("cancelTimer returns the milliseconds left and prevents delivery; then false", async () => {
  const rt = fresh();
  const p = sink();
  const ref = sendAfter(100, p, "never");
  await rt.advance(30);
  assert.equal(readTimer(ref), 70);
  assert.equal(cancelTimer(ref), 70);
  assert.equal(cancelTimer(ref), false);
  assert.equal(readTimer(ref), false);
  await rt.advance(200);
  assert.deepEqual(inbox(p), []);
});

test("readTimer counts down, and is false once fired (so is cancelTimer)", async () => {
  const rt = fresh();
  const p = sink();
  const ref = sendAfter(50, p, "x");
  assert.equal(readTimer(ref), 50);
  await rt.advance(20);
  assert.equal(readTimer(ref), 30);
  await rt.advance(30);
  assert.equal(readTimer(ref), false);
  assert.equal(cancelTimer(ref), false);
  assert.deepEqual(inbox(p), ["x"]);
});

test("timers due at the same time fire in the order they were armed (as erl does)", async () => {
  const rt = fresh();
  const p = sink();
  for (let i = 1; i <= 20; i++) sendAfter(10, p, i);
  await rt.advance(10);
  assert.deepEqual(inbox(p), Array.from({ length: 20 }, (_, i) => i + 1));
});

test("property: any set of timers, some cancelled, delivers exactly the others in (due, arming) order", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.boolean()), { minLength: 1, maxLength: 80 }),
      async (specs) => {
        const rt = fresh();
        const p = sink();
        const refs = specs.map(([ms], i) => sendAfter(ms, p, i));
        specs.forEach(([, cancel], i) => {
          if (cancel) assert.equal(cancelTimer(refs[i]!), specs[i]![0]);
        });
        await rt.advance(31);
        const expected = specs
          .map(([ms, cancel], i) => ({ ms, cancel, i }))
          .filter((s) => !s.cancel)
          .sort((a, b) => a.ms - b.ms || a.i - b.i)
          .map((s) => s.i);
        assert.deepEqual(inbox(p), expected);
        assert.equal(rt.timers.size, 0);
      },
    ),
    { numRuns: 100 },
  );
});

test("50,000 timers: armed, half cancelled, the rest delivered, nothing left behind", async () => {
  const rt = fresh();
  let got = 0;
  const counter = spawn({ handle: () => void got++ });
  const N = 50_000;
  const refs = [];
  for (let i = 0; i < N; i++) refs.push(sendAfter(1 + (i % 5_000), counter, i));
  assert.equal(rt.timers.size, N);
  let cancelled = 0;
  for (let i = 0; i < N; i += 2) if (cancelTimer(refs[i]!) !== false) cancelled++;
  assert.equal(cancelled, N / 2);
  assert.equal(rt.timers.size, N / 2, "cancel removes the entry at once");
  await rt.advance(5_000);
  assert.equal(got, N / 2);
  assert.equal(rt.timers.size, 0);
});

test("a receive `after` is cancelled when a message matches first: no stray wake-up of the next receive", async () => {
  const rt = fresh();
  const log: unknown[] = [];
  const p = spawn(function* () {
    log.push(yield* receive(atom("a"), after(100, () => "timeout a")));
    log.push(yield* receive(atom("b"), after(1_000, () => "timeout b")));
  });
  await rt.advance(10);
  assert.equal(rt.timers.size, 1);
  send(p, atom("a"));
  await rt.settle();
  assert.equal(rt.timers.size, 1, "the first after's timer is gone, the second's is armed");
  await rt.advance(200); // past where the first timeout would have fired
  assert.deepEqual(log, [atom("a")]);
  await rt.advance(799); // t = 1009: the second timeout is due at 1010
  assert.deepEqual(log, [atom("a")]);
  await rt.advance(1);
  assert.deepEqual(log, [atom("a"), "timeout b"]);
});

test("a process that dies while waiting in receive/sleep leaves no timer behind", async () => {
  const rt = fresh();
  const a = spawn(function* () {
    yield* sleep(1_000);
  });
  const b = spawn(function* () {
    yield* receive(atom("x"), after(1_000, () => 0));
  });
  await rt.settle();
  assert.equal(rt.timers.size, 2);
  exit(a, atom("kill"));
  exit(b, atom("kill"));
  assert.equal(rt.timers.size, 0);
});

test("one process's timeouts in a row (its one timer re-armed each time): each fires at its own time, once", async () => {
  const rt = fresh();
  const log: unknown[] = [];
  spawn(function* () {
    log.push(yield* receive(atom("a"), after(100, () => "t1")));
    log.push(yield* receive(atom("a"), after(50, () => "t2")));
    yield* sleep(30);
    log.push("slept");
    log.push(yield* receive(atom("a"), after(10, () => "t3")));
  });
  const at = async (ms: number, want: unknown[]) => {
    await rt.advance(ms);
    assert.deepEqual(log, want);
  };
  await at(99, []);
  await at(1, ["t1"]);
  await at(49, ["t1"]);
  await at(1, ["t1", "t2"]);
  await at(29, ["t1", "t2"]);
  await at(1, ["t1", "t2", "slept"]);
  await at(9, ["t1", "t2", "slept"]);
  await at(1, ["t1", "t2", "slept", "t3"]);
  assert.equal(rt.timers.size, 0);
});
