/**
 * Processes: the kinds of body, normal and abnormal ends, crash isolation and
 * crash reports, `processInfo`, and the bad-input rules (dead pid, unknown
 * name, outside a process), isolation by freezing, and shutdown.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { atom } from "../../../src/term/atom.js";
import { type Pid, isPid } from "../../../src/term/identifiers.js";
import { Tuple, t } from "../../../src/term/tuple.js";
import {
  BadArgError,
  ExitError,
  NotInProcessError,
  _,
  exit,
  isAlive,
  monitor,
  on,
  processFlag,
  processInfo,
  processes,
  receive,
  register,
  run,
  self,
  send,
  sendAfter,
  spawn,
  spawnLink,
  spawnMonitor,
  yieldNow,
} from "../../../src/runtime/index.js";
import { fresh, freshLogged } from "./helpers.js";

const DOWN = atom("DOWN");
const STOP = atom("stop");

/** Spawns `body` monitored from a fresh observer; resolves with the DOWN reason. */
async function exitReasonOf(rt: ReturnType<typeof fresh>, body: Parameters<typeof spawn>[0], ms = 0): Promise<unknown> {
  const p = run(function* () {
    const [, ref] = spawnMonitor(body);
    return yield* receive(on([DOWN, ref, _, _, _], ([, , , , r]) => r));
  });
  await rt.advance(ms);
  return p;
}

// ---- kinds of process ----------------------------------------------------------

test("a generator process receives and replies, and ends normally when it returns", async () => {
  const rt = fresh();
  const r = await run(function* () {
    const me = self();
    const [pid, ref] = spawnMonitor(function* () {
      const [, from, n] = yield* receive([atom("double"), _, _]);
      send(from as Pid, (n as number) * 2);
    });
    send(pid, t(atom("double"), me, 21));
    const answer = yield* receive(_);
    const down = yield* receive([DOWN, ref, _, pid, _]);
    return [answer, down[4], isAlive(pid)];
  });
  assert.deepEqual(r, [42, atom("normal"), false]);
  await rt.settle();
});

test("a plain function runs once, then the process ends normally", async () => {
  const rt = fresh();
  let runs = 0;
  const reason = await exitReasonOf(rt, () => {
    runs++;
    assert.ok(isPid(self()));
  });
  assert.equal(runs, 1);
  assert.equal(reason, atom("normal"));
});

test("an async function holds the process (and its mailbox) until its promise settles", async () => {
  const rt = fresh();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const pid = spawn(async () => {
    await gate;
  });
  await rt.settle();
  send(pid, "queued");
  await rt.settle();
  assert.ok(isAlive(pid));
  assert.equal(processInfo(pid, "message_queue_len"), 1);
  release();
  await rt.settle();
  assert.ok(!isAlive(pid));
});

test("a callback actor handles every message in order and outlives each handle()", async () => {
  const rt = fresh();
  const seen: unknown[] = [];
  const pid = spawn({
    handle(m: unknown) {
      seen.push(m);
      assert.equal(self(), pid);
    },
  });
  for (let i = 0; i < 5; i++) send(pid, i);
  await rt.settle();
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.ok(isAlive(pid));
});

test("an actor whose handle returns a generator blocks dispatch in receive; skipped messages are handled after, in order", async () => {
  const rt = fresh();
  const log: string[] = [];
  const pid = spawn({
    handle(m: unknown) {
      if (m !== atom("first")) {
        log.push(`handle ${String(m)}`);
        return;
      }
      log.push("handle first");
      return (function* () {
        yield* receive(atom("second"));
        log.push("generator got second");
      })();
    },
  });
  send(pid, atom("first"));
  send(pid, atom("x"));
  await rt.settle();
  assert.deepEqual(log, ["handle first"], "x waits while the generator is blocked");
  send(pid, atom("second"));
  send(pid, atom("y"));
  await rt.settle();
  assert.deepEqual(log, ["handle first", "generator got second", "handle x", "handle y"]);
  assert.ok(isAlive(pid));
});

test("an actor whose handle returns a promise holds the mailbox until it settles", async () => {
  const rt = fresh();
  const log: unknown[] = [];
  let release!: () => void;
  const pid = spawn({
    handle(m: unknown) {
      log.push(m);
      if (m === 1) return new Promise<void>((r) => (release = r));
    },
  });
  send(pid, 1);
  send(pid, 2);
  await rt.settle();
  assert.deepEqual(log, [1]);
  release();
  await rt.settle();
  assert.deepEqual(log, [1, 2]);
});

// ---- crashes ---------------------------------------------------------------------

test("crash isolation: a throwing process does not affect an unlinked one; the Error itself is the exit reason", async () => {
  fresh();
  const err = new RangeError("boom");
  const [reason, pong] = await run(function* () {
    const me = self();
    const pinger = spawn(function* () {
      for (;;) {
        const from = yield* receive(isPid);
        send(from, atom("pong"));
      }
    });
    const [, ref] = spawnMonitor(() => {
      throw err;
    });
    const r = yield* receive(on([DOWN, ref, _, _, _], ([, , , , why]) => why));
    send(pinger, me);
    return [r, yield* receive(atom("pong"))];
  });
  assert.equal(reason, err, "the very Error object");
  assert.equal(pong, atom("pong"));
});

test("a rejected promise in an async body becomes the exit reason", async () => {
  const rt = fresh();
  const err = new Error("async failure");
  const reason = await exitReasonOf(rt, async () => {
    await Promise.resolve();
    throw err;
  });
  assert.equal(reason, err);
});

test("a thrown non-Error value becomes {nocatch, Value}", async () => {
  const rt = fresh();
  const reason = await exitReasonOf(rt, () => {
    throw "oops";
  });
  assert.deepEqual(reason, t(atom("nocatch"), "oops"));
});

test("a receive pattern that throws crashes only that process, and leaves the others' mailboxes alone", async () => {
  fresh();
  const err = new TypeError("bad pattern");
  const [reason, other] = await run(function* () {
    const me = self();
    const bystander = spawn(function* () {
      const m = yield* receive(_);
      send(me, t(atom("bystander"), m));
    });
    const [victim, ref] = spawnMonitor(function* () {
      yield* receive((_m: unknown): _m is never => {
        throw err;
      });
    });
    send(victim, "trigger");
    const why = yield* receive(on([DOWN, ref, _, _, _], ([, , , , w]) => w));
    send(bystander, "still here");
    return [why, yield* receive([atom("bystander"), _])];
  });
  assert.equal(reason, err);
  assert.deepEqual(other, t(atom("bystander"), "still here"));
});

test("a crash is reported through the runtime logger, with the pid and the reason", async () => {
  const { rt, logs } = freshLogged();
  const err = new Error("logged crash");
  let pid: Pid | undefined;
  await exitReasonOf(rt, () => {
    pid = self();
    throw err;
  });
  assert.equal(logs.length, 1);
  const [e] = logs;
  assert.equal(e!.level, "error");
  assert.equal(e!.what, "crash_report");
  assert.equal(e!.pid, pid);
  assert.equal(e!.reason, err);
  assert.match(e!.text, /logged crash/);
});

test("nothing is logged for exit(normal), exit(shutdown), exit({shutdown, _}), returning, or exit(Reason) (an exit, not an error)", async () => {
  const { rt, logs } = freshLogged();
  const reasons = [atom("normal"), atom("shutdown"), t(atom("shutdown"), 1), atom("boom")];
  for (const r of reasons) assert.deepEqual(await exitReasonOf(rt, () => exit(r)), r);
  await exitReasonOf(rt, () => 1);
  await exitReasonOf(rt, function* () {
    return 1;
  });
  assert.deepEqual(logs, []);
  // and the counter-check: a thrown value is logged
  await exitReasonOf(rt, () => {
    throw "x";
  });
  assert.equal(logs.length, 1);
});

test("run() rejects with ExitError carrying the reason; resolves with the return value", async () => {
  fresh();
  assert.equal(
    await run(function* () {
      return 7;
    }),
    7,
  );
  await assert.rejects(
    run(() => exit(atom("bad"))),
    (e: unknown) => e instanceof ExitError && e.reason === atom("bad"),
  );
});

// ---- processInfo ------------------------------------------------------------------

test("processInfo: messages, message_queue_len, links, monitors, monitored_by, registered_name, trap_exit, initial_call", async () => {
  const rt = fresh();
  const info = await run(function* () {
    const me = self();
    const child = spawnLink(function* namedChild() {
      yield* receive(STOP);
    });
    const ref = monitor(child);
    send(child, 1);
    send(child, "two");
    register("info_child", child);
    processFlag("trap_exit", true);
    const anon = spawn(() => {});
    return {
      me,
      child,
      ref,
      messages: processInfo(child, "messages"),
      len: processInfo(child, "message_queue_len"),
      childLinks: processInfo(child, "links"),
      myLinks: processInfo(me, "links"),
      monitors: processInfo(me, "monitors"),
      monitoredBy: processInfo(child, "monitored_by"),
      name: processInfo(child, "registered_name"),
      myName: processInfo(me, "registered_name"),
      trap: processInfo(me, "trap_exit"),
      childTrap: processInfo(child, "trap_exit"),
      initial: processInfo(child, "initial_call"),
      anonInitial: processInfo(anon, "initial_call"),
      all: processInfo(child),
    };
  });
  assert.deepEqual(info.messages, [1, "two"]);
  assert.equal(info.len, 2);
  assert.deepEqual(info.childLinks, [info.me]);
  assert.deepEqual(info.myLinks, [info.child]);
  assert.deepEqual(info.monitors, [t(atom("process"), info.child)]);
  assert.deepEqual(info.monitoredBy, [info.me]);
  assert.equal(info.name, atom("info_child"));
  assert.equal(info.myName, undefined);
  assert.equal(info.trap, true);
  assert.equal(info.childTrap, false);
  assert.deepEqual(info.initial, t(atom("js"), atom("namedChild"), 0));
  assert.ok(info.anonInitial instanceof Tuple && info.anonInitial.length === 3);
  assert.deepEqual(
    Object.keys(info.all!).sort(),
    ["initial_call", "links", "memory", "message_queue_len", "messages", "monitored_by", "monitors", "reductions", "registered_name", "status", "trap_exit"],
  );
  await rt.settle();
});

test("processInfo status: running for the caller, runnable when scheduled, waiting when blocked", async () => {
  const rt = fresh();
  const r = await run(function* () {
    const other = spawn(function* () {
      yield* receive(STOP);
    });
    const before = processInfo(other, "status"); // spawned, not yet run
    yield* yieldNow();
    yield* yieldNow();
    const blocked = processInfo(other, "status");
    send(other, "wake"); // does not match, but puts it on the run queue
    const woken = processInfo(other, "status");
    return [processInfo(self(), "status"), before, blocked, woken];
  });
  assert.deepEqual(r, [atom("running"), atom("runnable"), atom("waiting"), atom("runnable")]);
  await rt.settle();
});

test("processInfo reductions increase with work; memory is positive and grows with queued messages", async () => {
  const rt = fresh();
  const pid = spawn({ handle() {} });
  await rt.settle();
  const r0 = processInfo(pid, "reductions")!;
  for (let i = 0; i < 10; i++) send(pid, i);
  await rt.settle();
  const r1 = processInfo(pid, "reductions")!;
  assert.ok(r1 >= r0 + 10, `reductions ${r0} -> ${r1}`);

  const blocked = spawn(function* () {
    yield* receive(STOP);
  });
  await rt.settle();
  const m0 = processInfo(blocked, "memory")!;
  assert.ok(m0 > 0);
  for (let i = 0; i < 100; i++) send(blocked, { i, text: "x".repeat(10) });
  const m1 = processInfo(blocked, "memory")!;
  assert.ok(m1 > m0 + 100 * 8, `memory ${m0} -> ${m1}`);
  send(blocked, STOP);
  await rt.settle();
  assert.equal(processInfo(blocked, "memory"), undefined, "dead: no info");
});

test("processes() lists the live processes and isAlive follows them", async () => {
  const rt = fresh();
  const a = spawn(function* () {
    yield* receive(STOP);
  });
  const b = spawn(() => {});
  assert.deepEqual(processes(), [a, b]);
  await rt.settle();
  assert.deepEqual(processes(), [a]);
  assert.ok(isAlive(a));
  assert.ok(!isAlive(b));
  send(a, STOP);
  await rt.settle();
  assert.deepEqual(processes(), []);
  assert.ok(!isAlive(a));
});

// ---- bad input -------------------------------------------------------------------

test("send to a dead pid is silently dropped", async () => {
  const rt = fresh();
  const pid = spawn(() => {});
  await rt.settle();
  assert.ok(!isAlive(pid));
  assert.doesNotThrow(() => send(pid, "into the void"));
  await rt.settle();
  assert.equal(processInfo(pid, "messages"), undefined);
});

test("send to an unregistered name throws BadArgError naming the name", () => {
  fresh();
  assert.throws(() => send("no_such_name", 1), (e: unknown) => e instanceof BadArgError && /no_such_name/.test(e.message));
  assert.throws(() => send(atom("nor_this"), 1), (e: unknown) => e instanceof BadArgError && /nor_this/.test(e.message));
});

test("self() (and other process-only calls) outside a process throw NotInProcessError", () => {
  fresh();
  assert.throws(() => self(), NotInProcessError);
  assert.throws(() => processFlag("trap_exit", true), NotInProcessError);
  assert.throws(() => exit(atom("x")), NotInProcessError);
});

test("isolation 'freeze': a sent message is deeply frozen, so neither side can change what the other holds", async () => {
  const rt = fresh();
  const msg = { list: [1, 2], inner: { n: 1 } };
  let got: typeof msg | undefined;
  const pid = spawn({
    handle(m: typeof msg) {
      got = m;
    },
  });
  send(pid, msg);
  await rt.settle();
  assert.equal(got, msg);
  assert.ok(Object.isFrozen(msg) && Object.isFrozen(msg.list) && Object.isFrozen(msg.inner));
  assert.throws(() => {
    msg.inner.n = 2;
  }, TypeError);
  assert.throws(() => got!.list.push(3), TypeError);
});

// Every process dies in the shutdown, so no process is left to read a DOWN: the
// observers that see `shutdown` are the ones outside, through `run()`'s promise.
test("rt.shutdown() ends every process with reason shutdown, silently, and clears timers", async () => {
  const { rt, logs } = freshLogged();
  const watcher = run(function* () {
    yield* receive(STOP);
  });
  const target = spawn(function* () {
    yield* receive(STOP);
  });
  const watched = run(function* () {
    monitor(target);
    yield* receive(on([DOWN, _, _, _, _], ([, , , , r]) => r));
  });
  const actor = spawn({ handle() {} });
  let fired = false;
  sendAfter(10, actor, "late");
  const spy = spawn({ handle: () => (fired = true) });
  sendAfter(10, spy, "late");
  await rt.settle();
  assert.equal(processes().length, 5);
  rt.shutdown();
  assert.deepEqual(processes(), []);
  for (const p of [watcher, watched]) {
    await assert.rejects(p, (e: unknown) => e instanceof ExitError && e.reason === atom("shutdown"));
  }
  await rt.advance(100);
  assert.equal(fired, false, "timers are gone");
  assert.deepEqual(logs, []);
});
