/**
 * Direct calls: a call to an idle local GenServer is handled inside the
 * caller's turn (Runtime.directCall) instead of two messages and two turns.
 * These tests pin that it happens, and that every outcome Erlang defines
 * for a call still holds on that path: a later reply, a stop with a reply,
 * a crash, a caller killed by the server, a late reply through a stored
 * From, and other processes still getting turns.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type From,
  CallError,
  GenServer,
  _,
  after,
  atom,
  call,
  cast,
  exit,
  isAlive,
  monitor,
  noreply,
  ok,
  on,
  processInfo,
  receive,
  reply,
  replyTo,
  run,
  self,
  send,
  spawn,
  stop,
} from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";

testRuntime();

const GET = atom("get");
const LATER = atom("later"); // replies through `from` at once, then returns noreply
const STOP = atom("stop"); // stops with a reply
const KILL_CALLER = atom("kill_caller");
const AGAIN = atom("again"); // a cast: reply once more through the last From

/** A server whose calls exercise each outcome of a direct call. */
class Probe extends GenServer<number> {
  last: From | null = null;
  init() {
    return ok(0);
  }
  override handleCall(req: unknown, from: From, n: number) {
    this.last = from;
    if (req === LATER) {
      replyTo(from, "replied through from");
      return noreply(n + 1);
    }
    if (req === STOP) return stop(atom("normal"), n, "last answer");
    if (req === KILL_CALLER) exit(from[0], atom("kill"));
    return reply(n, n + 1);
  }
  override handleCast(req: unknown, n: number) {
    if (req === AGAIN && this.last !== null) replyTo(this.last, "late");
    return noreply(n);
  }
}

test("a call to an idle server is answered within the caller's turn: a process woken before it has not run yet", async () => {
  const pid = await GenServer.start(new Probe(), undefined);
  const queued = await run(function* () {
    const me = self();
    spawn(() => send(me, atom("other ran"))); // runnable, behind this turn
    for (let i = 0; i < 10; i++) yield* call(pid, GET);
    return processInfo(me, "message_queue_len");
  });
  assert.equal(queued, 0);
});

test("a process making many direct calls still lets the others run (it yields after a turn's worth)", async () => {
  const pid = await GenServer.start(new Probe(), undefined);
  const seenAt = await run(function* () {
    const me = self();
    spawn(() => send(me, atom("other ran")));
    for (let i = 0; i < 1000; i++) {
      yield* call(pid, GET);
      if (processInfo(me, "message_queue_len") === 1) return i;
    }
    return -1;
  });
  assert.ok(seenAt >= 0 && seenAt < 100, `the other process ran after call ${seenAt}`);
});

test("handleCall replies through From, then noreply: the caller gets that reply", async () => {
  const pid = await GenServer.start(new Probe(), undefined);
  const got = await run(function* () {
    return yield* call(pid, LATER);
  });
  assert.equal(got, "replied through from");
  assert.equal(await call(pid, LATER), "replied through from"); // from async code too
});

test("a stop with a reply: the caller gets the reply and the server is gone", async () => {
  const inProcess = await GenServer.start(new Probe(), undefined);
  const got = await run(function* () {
    return yield* call(inProcess, STOP);
  });
  assert.equal(got, "last answer");
  assert.equal(isAlive(inProcess), false);
  const fromAsync = await GenServer.start(new Probe(), undefined);
  assert.equal(await call(fromAsync, STOP), "last answer");
  assert.equal(isAlive(fromAsync), false);
});

test("a server that kills its caller during the call: the caller dies and runs no code after the call", async () => {
  const pid = await GenServer.start(new Probe(), undefined);
  let ranOn = false;
  const reason = await run(function* () {
    const caller = spawn(function* () {
      yield* receive(atom("go"));
      yield* call(pid, KILL_CALLER);
      ranOn = true;
    });
    const ref = monitor(caller);
    send(caller, atom("go"));
    return yield* receive(on([atom("DOWN"), ref, _, _, _], (m) => m[4]));
  });
  assert.equal(reason, atom("killed"));
  assert.equal(ranOn, false);
  assert.equal(isAlive(pid), true);
});

test("a reply through a From after its direct call returned is dropped (the alias is gone)", async () => {
  const pid = await GenServer.start(new Probe(), undefined);
  const stray = await run(function* () {
    yield* call(pid, GET);
    cast(pid, AGAIN);
    yield* call(pid, GET); // the cast was handled before this call
    return yield* receive(on(_, (m) => m), after(0, () => "none"));
  });
  assert.equal(stray, "none");
});

test("a server that crashes in a direct call from async code: the promise rejects with its reason", async () => {
  class Crash extends GenServer<null> {
    init() {
      return ok(null);
    }
    override handleCall(): never {
      throw new Error("boom");
    }
  }
  const pid = await GenServer.start(new Crash(), undefined);
  await assert.rejects(Promise.resolve(call(pid, GET)), (e) => e instanceof CallError && (e.reason as unknown[])[0] instanceof Error);
  assert.equal(isAlive(pid), false);
});


test("from async code a call is a native promise (await takes it without a then lookup); yield* on it says where it belongs", async () => {
  const pid = await GenServer.start(new Probe(), undefined);
  const answer = call(pid, GET);
  assert.equal(Object.getPrototypeOf(answer), Promise.prototype);
  assert.equal(await answer, 0);
  assert.throws(
    () => [...(call(pid, GET) as Iterable<unknown>)],
    /yield\* call\(\.\.\.\) is for process code/,
  );
});

test("a call made inside a process and awaited by an async helper still gets its reply", async () => {
  const pid = await GenServer.start(new Probe(), undefined);
  let pending: PromiseLike<unknown> | null = null;
  await run(function* () {
    pending = call(pid, GET); // made while the process runs: an op, which is also awaitable
  });
  assert.equal(await pending!, 0);
});
