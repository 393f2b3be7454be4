/**
 * The code of docs/getting_started.md. Every ```ts block of that guide is
 * copied verbatim from this file (test/unit/docs checks it), and
 * test/unit/examples runs these functions.
 */
import {
  type Actor,
  type Pid,
  _,
  after,
  atom,
  demonitor,
  exit,
  isNumber,
  isPid,
  monitor,
  on,
  processFlag,
  receive,
  register,
  run,
  self,
  send,
  sendAfter,
  spawn,
  spawnLink,
  t,
} from "../src/index.js";

// #region counter
const inc = atom("inc");
const get = atom("get");

function* counter(n: number): Generator<unknown, never, unknown> {
  for (;;) {
    n = yield* receive(
      on(inc, () => n + 1),
      on([get, isPid], ([, from]) => (send(from, n), n)),
    );
  }
}

export function counterExample(): Promise<number> {
  return run(function* () {
    const pid = spawn(() => counter(0));
    send(pid, inc);
    send(pid, inc);
    send(pid, t(get, self()));
    return yield* receive(isNumber); // 2
  });
}
// #endregion counter

// #region actor
/** A callback actor: `handle` runs once per message, in arrival order. */
class Summer implements Actor<number | Pid> {
  sum = 0;
  handle(m: number | Pid): void {
    if (typeof m === "number") this.sum += m;
    else send(m, this.sum);
  }
}

export function actorExample(): Promise<number> {
  return run(function* () {
    const pid = spawn(new Summer());
    for (let i = 1; i <= 10; i++) send(pid, i);
    send(pid, self());
    return yield* receive(isNumber); // 55
  });
}
// #endregion actor

// #region timeout
export function timeoutExample(): Promise<string> {
  return run(function* () {
    return yield* receive(
      on(atom("never_sent"), () => "got it"),
      after(10, () => "timed out after 10 ms"),
    );
  });
}
// #endregion timeout

// #region links
export function linkExample(): Promise<unknown> {
  return run(function* () {
    processFlag("trap_exit", true); // exit signals become messages
    const worker = spawnLink(function* () {
      yield* receive(atom("work"));
      throw new Error("the worker failed");
    });
    send(worker, atom("work"));
    const [, from, reason] = yield* receive([atom("EXIT"), isPid, _]);
    return { fromWorker: from === worker, reason: (reason as Error).message };
  });
}
// #endregion links

// #region monitors
export function monitorExample(): Promise<unknown> {
  return run(function* () {
    const pid = spawn(function* () {
      yield* receive(atom("stop"));
      exit(atom("stopped_by_request"));
    });
    const ref = monitor(pid);
    send(pid, atom("stop"));
    const [, , , , reason] = yield* receive([atom("DOWN"), ref, atom("process"), pid, _]);
    demonitor(ref, { flush: true }); // harmless once DOWN has arrived
    return reason; // stopped_by_request
  });
}
// #endregion monitors

// #region names
export function namesExample(): Promise<string> {
  return run(function* () {
    const pid = spawn(function* () {
      const [, from] = yield* receive([atom("hello"), isPid]);
      send(from, "hello from the registered process");
    });
    register("greeter", pid);
    send("greeter", t(atom("hello"), self()));
    sendAfter(1000, self(), atom("too_late"));
    return yield* receive((m: unknown): m is string => typeof m === "string");
  });
}
// #endregion names
