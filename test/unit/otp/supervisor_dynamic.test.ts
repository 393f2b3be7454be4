/** DynamicSupervisor and Task.Supervisor. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type DynamicChildSpec,
  type ExitError,
  type Pid,
  DynamicSupervisor,
  Task,
  TaskSupervisor,
  _,
  atom,
  equals,
  exit,
  isAlive,
  monitor,
  receive,
  run,
  self,
  send,
  sleep,
  spawnLink,
  t,
} from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";

const { rt } = testRuntime();

const STOP = atom("stop");
const child = (restart: DynamicChildSpec["restart"] = "permanent"): DynamicChildSpec => ({
  restart,
  start: () =>
    spawnLink(function* () {
      const [, reason] = yield* receive([STOP, _]);
      exit(reason);
    }),
});
const okPid = (r: unknown): Pid => {
  assert.equal((r as unknown[])[0], atom("ok"));
  return (r as unknown[])[1] as Pid;
};
async function stopChild(pid: Pid, reason: unknown): Promise<void> {
  send(pid, t(STOP, reason));
  await rt.settle();
}

test("DynamicSupervisor: a child that is not restarted is forgotten, so max_children counts live children", async () => {
  const sup = await DynamicSupervisor.start({ maxChildren: 1 });
  const a = okPid(await DynamicSupervisor.startChild(sup, child("transient")));
  assert.ok(equals(await DynamicSupervisor.startChild(sup, child()), t(atom("error"), atom("max_children"))));
  await stopChild(a, atom("normal"));
  assert.deepEqual(await DynamicSupervisor.whichChildren(sup), []);
  const b = okPid(await DynamicSupervisor.startChild(sup, child("temporary")));
  await stopChild(b, atom("crash"));
  assert.deepEqual(await DynamicSupervisor.countChildren(sup), { specs: 0, active: 0, supervisors: 0, workers: 0 });
  const c = okPid(await DynamicSupervisor.startChild(sup, child("permanent")));
  await stopChild(c, atom("normal"));
  const [again] = await DynamicSupervisor.whichChildren(sup);
  assert.ok(again!.pid !== undefined && again!.pid !== c && isAlive(again!.pid), "permanent: restarted even after a normal exit");
  await DynamicSupervisor.stop(sup);
  assert.ok(!isAlive(again!.pid!));
});

test("DynamicSupervisor: an ignored start keeps nothing; terminateChild by pid; not_found for a stranger", async () => {
  const sup = await DynamicSupervisor.start();
  const ig = await DynamicSupervisor.startChild(sup, {
    start: function* () {
      return atom("ignore");
    } as never,
  });
  assert.equal(ig, atom("ignore"));
  const p = okPid(await DynamicSupervisor.startChild(sup, child()));
  assert.deepEqual(await DynamicSupervisor.whichChildren(sup), [{ id: (await DynamicSupervisor.whichChildren(sup))[0]!.id, pid: p, type: "worker" }]);
  assert.equal(await DynamicSupervisor.terminateChild(sup, p), atom("ok"));
  assert.ok(!isAlive(p));
  assert.ok(equals(await DynamicSupervisor.terminateChild(sup, p), t(atom("error"), atom("not_found"))));
  await DynamicSupervisor.stop(sup);
});

test("DynamicSupervisor: restart intensity applies across children", async () => {
  const sup = await DynamicSupervisor.start({ intensity: 1, period: 5 });
  okPid(await DynamicSupervisor.startChild(sup, child()));
  okPid(await DynamicSupervisor.startChild(sup, child()));
  const [x, y] = (await DynamicSupervisor.whichChildren(sup)).map((c) => c.pid!);
  await stopChild(x!, atom("crash"));
  assert.ok(isAlive(sup));
  await stopChild(y!, atom("crash"));
  assert.ok(!isAlive(sup), "two restarts within 5 s exceed intensity 1");
});

test("Task.Supervisor.asyncNolink: a crashing task does not take the caller down; await throws its reason, yield gives {exit}", async () => {
  const sup = await TaskSupervisor.start();
  const boom = new Error("task failed");
  const running = run(function* () {
    const good = yield* TaskSupervisor.asyncNolink(sup, function* () {
      yield* sleep(10);
      return 42;
    });
    const bad = yield* TaskSupervisor.asyncNolink(sup, () => {
      throw boom;
    });
    const other = yield* TaskSupervisor.asyncNolink(sup, async () => {
      throw boom;
    });
    let reason: unknown;
    try {
      yield* Task.await(bad, 1000);
    } catch (e) {
      reason = (e as ExitError).reason;
    }
    const y = yield* Task.yield(other, 1000);
    return { value: yield* Task.await(good, 1000), reason, y, alive: isAlive(self()) };
  });
  await rt.advance(10); // virtual time: the good task's sleep
  const r = await running;
  assert.equal(r.value, 42);
  assert.equal((r.reason as unknown[])[0], boom);
  assert.deepEqual(r.y, { exit: boom });
  assert.ok(r.alive);
  assert.ok(isAlive(sup));
  assert.deepEqual(await TaskSupervisor.children(sup), [], "finished tasks are forgotten");
});

test("Task.Supervisor.asyncNolink: await times out with {timeout, _}; the task keeps running under the supervisor", async () => {
  const sup = await TaskSupervisor.start();
  const out = run(function* () {
    const slow = yield* TaskSupervisor.asyncNolink(sup, function* () {
      yield* sleep(5000);
      return "late";
    });
    try {
      yield* Task.await(slow, 100);
      return { reason: undefined, pid: slow.pid };
    } catch (e) {
      return { reason: (e as ExitError).reason, pid: slow.pid };
    }
  });
  await rt.advance(100);
  const { reason, pid } = await out;
  assert.equal((reason as unknown[])[0], atom("timeout"));
  assert.ok(isAlive(pid));
  assert.deepEqual(await TaskSupervisor.children(sup), [pid]);
  assert.equal(await TaskSupervisor.terminateChild(sup, pid), atom("ok"));
  assert.ok(!isAlive(pid));
});

test("Task.Supervisor: startChild runs for side effects; a crash is not restarted; max_children", async () => {
  const sup = await TaskSupervisor.start({ maxChildren: 1 });
  const watcher = await run(function* () {
    const me = self();
    const p = okPid(yield* TaskSupervisor.startChild(sup, function* () {
      send(me, atom("ran"));
      yield* receive(atom("go"));
      throw new Error("side effect failed");
    }));
    yield* receive(atom("ran"));
    const full = yield* TaskSupervisor.startChild(sup, () => 1);
    const ref = monitor(p);
    send(p, atom("go"));
    yield* receive([atom("DOWN"), ref, _, _, _]);
    return full;
  });
  assert.ok(equals(watcher, t(atom("error"), atom("max_children"))));
  await rt.settle();
  assert.deepEqual(await TaskSupervisor.children(sup), [], "temporary: not restarted");
  okPid(await TaskSupervisor.startChild(sup, () => 1));
});
