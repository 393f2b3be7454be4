import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Agent,
  ExitError,
  Task,
  atom,
  await_,
  inspect,
  isAlive,
  processFlag,
  receive,
  run,
  sleep,
} from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";

const { rt } = testRuntime();

test("Agent: get, update, cast and getAndUpdate run in order in the agent", async () => {
  const agent = await Agent.start(() => [] as number[]);
  Agent.cast(agent, (xs) => [...xs, 1]);
  assert.equal(await Agent.update(agent, (xs) => [...xs, 2]), atom("ok"));
  assert.deepEqual(await Agent.get(agent, (xs) => xs), [1, 2]);
  assert.equal(await Agent.getAndUpdate(agent, (xs): [number, number[]] => [xs.length, []]), 2);
  assert.deepEqual(await Agent.get(agent, (xs) => xs), []);
  assert.equal(await Agent.stop(agent), atom("ok"));
  await rt.settle();
  assert.ok(!isAlive(agent as never));
});

test("Agent: a named agent is reachable by name, from process code too", async () => {
  await Agent.start(10, { name: "agent_counter" });
  const v = await run(function* () {
    yield* Agent.update("agent_counter", (n: number) => n + 5);
    return yield* Agent.get("agent_counter", (n: number) => n * 2);
  });
  assert.equal(v, 30);
});

test("Task.async/await: plain, generator and async functions", async () => {
  const r = run(function* () {
    const a = Task.async(() => 21 * 2);
    const b = Task.async(function* () {
      yield* sleep(10);
      return "slept";
    });
    const c = Task.async(async () => "async");
    return [yield* Task.await(a), yield* Task.await(b), yield* Task.await(c)];
  });
  await rt.advance(10);
  assert.deepEqual(await r, [42, "slept", "async"]);
});

test("Task.await times out with {timeout, {Elixir.Task, await, ...}}; Task.yield gives undefined and the task runs on", async () => {
  const p = run(function* () {
    const slow = Task.async(function* () {
      yield* sleep(1000);
      return "late";
    });
    const y = yield* Task.yield(slow, 100);
    let reason = "";
    try {
      yield* Task.await(slow, 100);
    } catch (e) {
      reason = inspect((e as ExitError).reason);
    }
    const later = yield* Task.yield(slow, 2000);
    return [y, reason, later];
  });
  await rt.advance(100);
  await rt.advance(100);
  await rt.advance(1000);
  const [y, reason, later] = await p;
  assert.equal(y, undefined);
  assert.match(reason as string, /^\{timeout,\{'Elixir\.Task',await,/);
  assert.deepEqual(later, { ok: "late" });
});

test("a crashing task takes its linked caller down unless it traps exits; await reports the reason", async () => {
  const p = run(function* () {
    processFlag("trap_exit", true);
    const t1 = Task.async(() => {
      throw new Error("task failed");
    });
    try {
      yield* Task.await(t1);
      return "no error";
    } catch (e) {
      yield* receive([atom("EXIT"), t1.pid, (x: unknown): x is Error => x instanceof Error]);
      return ((e as ExitError).reason as unknown[])[0] instanceof Error ? "exit reason is the Error" : "other";
    }
  });
  assert.equal(await p, "exit reason is the Error");
  const q = run(function* () {
    const t2 = Task.async(() => {
      throw new Error("task failed");
    });
    yield* Task.await(t2);
  });
  await assert.rejects(q, /task failed/);
});

test("Task.shutdown stops a running task; Task.start runs detached", async () => {
  const p = run(function* () {
    const forever = Task.async(function* () {
      yield* receive(atom("never"));
    });
    const r = yield* Task.shutdown(forever, 1000);
    return [r, isAlive(forever.pid)];
  });
  await rt.settle();
  assert.deepEqual(await p, [undefined, false]);
  let ran = false;
  Task.start(async () => {
    ran = true;
  });
  await rt.settle();
  assert.ok(ran);
  void await_;
});

test("Task.Supervisor.asyncNolink: a crashing task does not take the caller down; await reports it", async () => {
  const { TaskSupervisor, isAlive: alive, self: me } = await import("../../../src/index.js");
  const sup = await TaskSupervisor.start();
  const r = await run(function* () {
    const good = yield* TaskSupervisor.asyncNolink(sup, () => "fine");
    const bad = yield* TaskSupervisor.asyncNolink(sup, () => {
      throw new Error("task failed");
    });
    const a = yield* Task.await(good);
    let reason: unknown;
    try {
      yield* Task.await(bad);
    } catch (e) {
      reason = (e as ExitError).reason;
    }
    return [a, (reason as unknown[])[0] instanceof Error, alive(me())];
  });
  assert.deepEqual(r, ["fine", true, true]);
  assert.ok(isAlive(sup));
});
