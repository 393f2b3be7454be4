/**
 * Direct casts: a cast to an idle local GenServer is handled inside the
 * sender's turn (Runtime.castNow) instead of being queued. These tests pin
 * that it happens, each case where the cast is queued instead, and that
 * what Erlang defines for a cast still holds on that path: a crash or a
 * stop seen by links and monitors, no process re-entered, per-sender
 * order, sys, `continue` and `timeout` results, and the counters.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import {
  type Pid,
  GenServer,
  Runtime,
  VirtualClock,
  _,
  atom,
  call,
  cast,
  equals,
  inspect,
  isAlive,
  link,
  monitor,
  noreply,
  ok,
  on,
  processFlag,
  processInfo,
  receive,
  reply,
  run,
  self,
  send,
  setDefaultRuntime,
  spawn,
  stop,
  sys,
  t,
} from "../../../src/index.js";
import { Tuple } from "../../../src/term/tuple.js";
import { testRuntime } from "../../support/runtime.js";

const { rt, logs } = testRuntime();

const GET = atom("get");
const CRASH = atom("crash");
const STOP = atom("stop");
const CONT = atom("cont"); // noreply with a continue
const IDLE = atom("idle"); // noreply with a timeout
const TO = atom("to"); // {to, Target, Req}: casts Req to Target

/** What a {@link Rec} saw: the request (or info) and the process it ran as. */
type Seen = [what: unknown, as: Pid | null];

/** Counts its casts and writes each message it handles to `log`, with `self()` at the time. */
class Rec extends GenServer<number> {
  constructor(readonly log: Seen[]) {
    super();
  }
  init() {
    return ok(0);
  }
  override handleCast(req: unknown, n: number) {
    this.log.push([req, self()]);
    if (req === CRASH) throw new Error("cast crash");
    if (req === STOP) return stop(atom("normal"), n);
    if (req === CONT) return noreply(n + 1, { continue: atom("more") });
    if (req === IDLE) return noreply(n + 1, { timeout: 100 });
    if (req instanceof Tuple && req[0] === TO) cast(req[1] as Pid, req[2]);
    return noreply(n + 1);
  }
  override handleCall(req: unknown, _from: unknown, n: number) {
    this.log.push([req, self()]);
    return reply(n, n);
  }
  override handleInfo(msg: unknown, n: number) {
    this.log.push([msg, self()]);
    if (msg instanceof Tuple && msg[0] === TO) {
      cast(msg[1] as Pid, msg[2]);
      this.log.push([atom("info_done"), self()]);
    }
    return noreply(n);
  }
  override handleContinue(c: unknown, n: number) {
    this.log.push([c, self()]);
    return noreply(n);
  }
}

async function rec(): Promise<{ pid: Pid; log: Seen[] }> {
  const log: Seen[] = [];
  const pid = await GenServer.start(new Rec(log), undefined);
  return { pid, log };
}

const what = (log: Seen[]) => log.map(([w]) => w);

test("a cast to an idle server is handled within the sender's turn, as the server (self() is the server)", async () => {
  const { pid, log } = await rec();
  const delivered = rt.messagesDelivered;
  const reds = processInfo(pid, "reductions")!;
  const seen = await run(function* () {
    spawn(() => undefined); // runnable behind this turn: the turn's budget still allows this cast
    cast(pid, atom("a"));
    return { log: [...log], queued: processInfo(pid, "message_queue_len") };
  });
  assert.deepEqual(seen.log, [[atom("a"), pid]]);
  assert.equal(seen.queued, 0);
  assert.equal(rt.messagesDelivered - delivered, 1, "the cast counts as a delivered message");
  assert.ok(processInfo(pid, "reductions")! > reds, "and as the server's reduction");
  assert.equal(await sys.getState(pid), 1);
});

test("sys:get_state after N casts from a loop is N; from async code casts are direct too", async () => {
  const { pid, log } = await rec();
  await run(function* () {
    for (let i = 0; i < 1000; i++) cast(pid, i);
    assert.equal(log.length, 1000); // all handled already, none queued
  });
  cast(pid, "from async");
  assert.equal(log.length, 1001);
  assert.equal(await sys.getState(pid), 1001);
});

test("fairness: with another process waiting, a turn makes at most its budget of direct casts, the rest are queued", async () => {
  const { pid, log } = await rec();
  const { direct, queued } = await run(function* () {
    spawn(() => undefined); // waits in the run queue during this turn
    for (let i = 0; i < 100; i++) cast(pid, i);
    return { direct: log.length, queued: processInfo(pid, "message_queue_len") };
  });
  assert.equal(direct, rt.budget);
  assert.equal(queued, 100 - rt.budget);
  assert.equal(await sys.getState(pid), 100);
  assert.deepEqual(what(log), Array.from({ length: 100 }, (_v, i) => i), "in order");
});

test("a server with queued messages gets the cast behind them, in its own turn", async () => {
  const { pid, log } = await rec();
  const during = await run(function* () {
    send(pid, atom("m"));
    cast(pid, atom("c"));
    return what(log).length;
  });
  assert.equal(during, 0);
  assert.equal(await sys.getState(pid), 1);
  assert.deepEqual(what(log), [atom("m"), atom("c")]);
});

test("a suspended server, or one under sys statistics or trace, gets its casts queued and sees them", async () => {
  const { pid, log } = await rec();
  await sys.suspend(pid);
  cast(pid, atom("while_suspended"));
  assert.equal(log.length, 0);
  assert.equal(processInfo(pid, "message_queue_len"), 1);
  await sys.resume(pid);
  await rt.settle();
  assert.deepEqual(what(log), [atom("while_suspended")]);

  await sys.statistics(pid, true);
  cast(pid, atom("counted"));
  assert.equal(log.length, 1, "not handled in the sender's turn");
  await rt.settle();
  assert.equal(((await sys.statistics(pid, "get")) as { in: number }).in, 1, "sys counted the cast");
  await sys.statistics(pid, false);

  await sys.trace(pid, true);
  const before = logs.length;
  cast(pid, atom("traced"));
  assert.equal(log.length, 2);
  await rt.settle();
  assert.ok(logs.slice(before).some((e) => e.what === "sys_trace" && e.text.includes("{'$gen_cast',traced}")));
  await sys.trace(pid, false);
  assert.deepEqual(what(log), [atom("while_suspended"), atom("counted"), atom("traced")]);
});

test("a server casting to itself queues the cast (no re-entry): it runs after the handler returned", async () => {
  const { pid, log } = await rec();
  send(pid, t(TO, pid, atom("self_cast")));
  await rt.settle();
  assert.deepEqual(what(log), [t(TO, pid, atom("self_cast")), atom("info_done"), atom("self_cast")], inspect(what(log)));
});

test("no nesting: a direct handleCast that casts back to its sender and to a third server queues both", async () => {
  // The sender is itself a GenServer handling a message: the cast back must not re-enter it.
  const a = await rec();
  const b = await rec();
  const c = await rec();
  send(a.pid, t(TO, b.pid, t(TO, a.pid, atom("back"))));
  await rt.settle();
  // a's info ran to its end before the cast b made back to it.
  assert.deepEqual(what(a.log), [t(TO, b.pid, t(TO, a.pid, atom("back"))), atom("info_done"), atom("back")]);
  assert.deepEqual(b.log, [[t(TO, a.pid, atom("back")), b.pid]]);

  // A process casts to b (direct), b casts to c (queued: nested), then the process casts to c: behind b's.
  const seen = await run(function* () {
    cast(b.pid, t(TO, c.pid, atom("from_b")));
    const inTurn = what(c.log).length;
    cast(c.pid, atom("from_sender"));
    return { inTurn, queued: processInfo(c.pid, "message_queue_len") };
  });
  assert.equal(seen.inTurn, 0);
  assert.equal(seen.queued, 2);
  await rt.settle();
  assert.deepEqual(what(c.log), [atom("from_b"), atom("from_sender")]);
});

test("order from one sender is kept across direct and queued casts, calls and plain messages", async () => {
  const { pid, log } = await rec();
  await run(function* () {
    cast(pid, 1);
    send(pid, 2);
    cast(pid, 3);
    yield* call(pid, GET);
    cast(pid, 4);
    send(pid, 5);
    cast(pid, 6);
    cast(pid, 7);
  });
  await rt.settle();
  assert.deepEqual(what(log), [1, 2, 3, GET, 4, 5, 6, 7]);
});

test("a crash in a direct handleCast: the server exits, monitors get DOWN, a crash report names the cast; the sender goes on", async () => {
  const { pid } = await rec();
  const before = logs.length;
  const out = await run(function* () {
    const ref = monitor(pid);
    cast(pid, CRASH);
    const deadInTurn = !isAlive(pid);
    const reason = yield* receive(on([atom("DOWN"), ref, _, _, _], (m) => m[4]));
    return { deadInTurn, reason };
  });
  assert.equal(out.deadInTurn, true);
  assert.ok(out.reason instanceof Error && out.reason.message === "cast crash");
  const report = logs.slice(before).find((e) => e.what === "gen_server_terminate");
  assert.ok(report !== undefined && report.text.includes("Last message in was {'$gen_cast',crash}"), report?.text);
});

test("a crash in a direct handleCast kills a linked sender that does not trap exits (no code after the cast), not one that traps", async () => {
  const { pid: p1 } = await rec();
  let ranOn = false;
  const reason = await run(function* () {
    const sender = spawn(function* () {
      yield* receive(atom("go"));
      link(p1);
      cast(p1, CRASH);
      ranOn = true;
    });
    const ref = monitor(sender);
    send(sender, atom("go"));
    return yield* receive(on([atom("DOWN"), ref, _, _, _], (m) => m[4]));
  });
  assert.ok(reason instanceof Error && reason.message === "cast crash");
  assert.equal(ranOn, false);

  const { pid: p2 } = await rec();
  const exitMsg = await run(function* () {
    processFlag("trap_exit", true);
    link(p2);
    cast(p2, CRASH);
    return yield* receive(on([atom("EXIT"), p2, _], (m) => m[2]));
  });
  assert.ok(exitMsg instanceof Error && exitMsg.message === "cast crash");
});

test("a killed GenServer sender does not run its terminate: a direct cast's server that crashes kills its linked caller server", async () => {
  const killer = await rec();
  let terminated = false;
  class Sender extends GenServer<null> {
    init() {
      link(killer.pid);
      return ok(null);
    }
    override handleInfo(_m: unknown, s: null) {
      cast(killer.pid, CRASH);
      return noreply(s);
    }
    override terminate() {
      terminated = true;
    }
  }
  const sender = await GenServer.start(new Sender(), undefined);
  const ref = await run(function* () {
    const r = monitor(sender);
    send(sender, atom("go"));
    return yield* receive(on([atom("DOWN"), r, _, _, _], (m) => m[4]));
  });
  assert.ok(ref instanceof Error && ref.message === "cast crash");
  assert.equal(terminated, false, "killed by a link signal while not trapping: no terminate, as in Erlang");
});

test("stop from a direct handleCast: terminate runs and the server exits normal, seen by a monitor", async () => {
  const { pid } = await rec();
  const reason = await run(function* () {
    const ref = monitor(pid);
    cast(pid, STOP);
    return yield* receive(on([atom("DOWN"), ref, _, _, _], (m) => m[4]));
  });
  assert.equal(reason, atom("normal"));
  assert.equal(isAlive(pid), false);
});

test("continue and timeout results of a direct handleCast apply as for a queued cast", async () => {
  const { pid, log } = await rec();
  cast(pid, CONT);
  assert.deepEqual(what(log), [CONT, atom("more")], "handleContinue ran right after, before anything else");
  assert.equal(log[1]![1], pid);

  cast(pid, IDLE);
  await rt.advance(99);
  cast(pid, IDLE); // a cast before the timeout cancels it, and arms a new one
  await rt.advance(99);
  assert.equal(what(log).filter((w) => w === atom("timeout")).length, 0);
  await rt.advance(1);
  assert.equal(what(log).filter((w) => w === atom("timeout")).length, 1);
});

test("isolation 'freeze': casts are queued (and frozen)", async () => {
  const frozen = new Runtime({ clock: new VirtualClock(), logger: () => undefined, isolation: "freeze" });
  setDefaultRuntime(frozen);
  try {
    const { pid, log } = await rec();
    cast(pid, atom("x"));
    assert.equal(log.length, 0);
    assert.equal(processInfo(pid, "message_queue_len"), 1);
    await frozen.settle();
    assert.deepEqual(what(log), [atom("x")]);
  } finally {
    setDefaultRuntime(rt);
  }
});

test("a cast from outside any process while the scheduler drains (a timer's callback) is queued", async () => {
  const real = new Runtime({ logger: () => undefined });
  setDefaultRuntime(real);
  try {
    const { pid, log } = await rec();
    let inCallback = -1;
    const fired = new Promise<void>((resolve) => {
      real.addTimer(1, () => {
        cast(pid, atom("from_timer"));
        inCallback = log.length;
        resolve();
      });
      // A process that keeps the scheduler busy past the timer's due time: the scheduler fires it as it drains.
      spawn(() => {
        const t0 = performance.now();
        while (performance.now() - t0 < 5);
      });
    });
    await fired;
    assert.equal(inCallback, 0);
    await real.settle();
    assert.deepEqual(what(log), [atom("from_timer")]);
  } finally {
    real.shutdown();
    setDefaultRuntime(rt);
  }
});

test("a cast to a process that is not a GenServer loop is a {'$gen_cast', Req} message, as ever", async () => {
  const got = await run(function* () {
    const me = self();
    const p = spawn(function* () {
      const m = yield* receive(_);
      send(me, t(atom("got"), m));
    });
    cast(p, atom("hello"));
    return yield* receive(on([atom("got"), _], (m) => m[1]));
  });
  assert.ok(equals(got, t(atom("$gen_cast"), atom("hello"))), inspect(got));
});
