/**
 * Task.Supervisor: tasks started under a (dynamic) supervisor. With
 * `asyncNolink` the caller is not linked: a crashing task does not take it
 * down; `Task.await` reports the crash instead.
 *
 * @example
 * const sup = await TaskSupervisor.start();
 * const task = yield* TaskSupervisor.asyncNolink(sup, () => fetchSomething());
 * const result = yield* Task.await(task, 1000);
 */
import { atom } from "../term/atom.js";
import { type Pid, isRef } from "../term/identifiers.js";
import { t } from "../term/tuple.js";
import { OK } from "../runtime/atoms.js";
import { monitor, self, send, spawnLink } from "../runtime/erlang.js";
import { receive } from "../runtime/receive.js";
import { DynamicSupervisor, type DynamicSupervisorOptions } from "./dynamic_supervisor.js";
import { StartError, type StartResult } from "./proc_lib.js";
import { type SupOp, type SupReply } from "./supervisor.js";
import { type Task, type TaskFn, runTask } from "./task.js";

const GO = atom("$agner_task_go");

/**
 * Task.Supervisor: a DynamicSupervisor of temporary task processes (never
 * restarted, forgotten once they end).
 *
 * @example
 * const sup = await TaskSupervisor.start();
 * await run(function* () {
 *   const task = yield* TaskSupervisor.asyncNolink(sup, () => { throw new Error("boom"); });
 *   const r = yield* Task.yield(task, 1000); // { exit: Error("boom") }: the caller lives on
 * });
 */
export const TaskSupervisor = {
  start(opts: DynamicSupervisorOptions = {}) {
    return DynamicSupervisor.start(opts);
  },
  startLink(opts: DynamicSupervisorOptions = {}) {
    return DynamicSupervisor.startLink(opts);
  },

  /** Starts `fn` under the supervisor, monitored (not linked) by the caller; collect it with `Task.await`. */
  *asyncNolink<R>(sup: Pid | string, fn: TaskFn<R>): Generator<unknown, Task<R>, unknown> {
    const owner = self();
    const r: StartResult = yield* DynamicSupervisor.startChild(sup, {
      restart: "temporary",
      start: () =>
        spawnLink(function* () {
          // The caller's monitor reference tags the reply, as Task.await expects: wait for it.
          const [, ref] = yield* receive([GO, isRef]);
          send(owner, t(ref, yield* runTask(fn)));
        }),
    }) as unknown as Iterable<unknown, StartResult, unknown>;
    if (!Array.isArray(r) || r[0] !== OK) throw new StartError(r, "Task.Supervisor could not start the task");
    const pid = r[1] as Pid;
    const ref = monitor(pid);
    send(pid, t(GO, ref));
    return { pid, ref, owner };
  },

  /** Starts `fn` under the supervisor, for its side effects: `{ok, Pid}` (or `{error, max_children}`). */
  startChild(sup: Pid | string, fn: TaskFn<unknown>): SupOp<StartResult> {
    return DynamicSupervisor.startChild(sup, { restart: "temporary", start: () => spawnLink(() => runTask(fn)) });
  },

  /** Stops a running task by pid: `ok` or `{error, not_found}`. */
  terminateChild(sup: Pid | string, pid: Pid): SupOp<SupReply> {
    return DynamicSupervisor.terminateChild(sup, pid);
  },

  /** The pids of the running tasks. */
  children(sup: Pid | string): SupOp<Pid[]> {
    const op = DynamicSupervisor.whichChildren(sup);
    const pids = (l: { pid: Pid | undefined }[]) => l.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
    return {
      then: (f, r) => op.then(pids).then(f, r),
      *[Symbol.iterator]() {
        return pids(yield* op);
      },
    };
  },
};
