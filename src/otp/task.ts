/**
 * Task: run one function in its own process and collect its result
 * (Elixir's `Task`). `Task.async` links the task to the caller and monitors
 * it; `Task.await` waits for `{Ref, Result}` with a timeout.
 *
 * @example
 * const result = yield* run(function* () {
 *   const task = Task.async(() => expensive());
 *   return yield* Task.await(task);
 * });
 */
import { atom } from "../term/atom.js";
import { type Pid, type Ref } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { t } from "../term/tuple.js";
import { DOWN, KILL, PROCESS, SHUTDOWN } from "../runtime/atoms.js";
import { ExitError, NotInProcessError } from "../runtime/errors.js";
import { demonitor, exit, monitor, self, send, spawn, spawnLink, unlink } from "../runtime/erlang.js";
import { _ } from "../runtime/pattern.js";
import { after, await_, on, receive } from "../runtime/receive.js";
import { current } from "../runtime/current.js";

/** What a task runs: a generator function (it may receive), or a plain or async function. */
export type TaskFn<R> = () => Generator<unknown, R, unknown> | R | PromiseLike<R>;

/** A running task, owned by the process that started it. */
export interface Task<R = unknown> {
  readonly pid: Pid;
  readonly ref: Ref;
  readonly owner: Pid;
  /** Phantom: the result type. */
  readonly __result?: R;
}

const TASK = atom("Elixir.Task");
const AWAIT = atom("await");

/** @internal Runs a task body to its result inside the task process. */
export function* runTask<R>(fn: TaskFn<R>): Generator<unknown, R, unknown> {
  const r = fn();
  if (r !== null && typeof r === "object") {
    if (typeof (r as Iterator<unknown>).next === "function") return yield* r as Generator<unknown, R, unknown>;
    if (typeof (r as PromiseLike<R>).then === "function") return yield* await_(r as PromiseLike<R>);
  }
  return r as R;
}

function owner(what: string): Pid {
  if (current === null) throw new NotInProcessError(what);
  return self();
}

export const Task = {
  /** Starts `fn` in a process linked to the caller and monitored by it. */
  async<R>(fn: TaskFn<R>): Task<R> {
    const me = owner("Task.async()");
    let ref!: Ref;
    const pid = spawnLink(function* () {
      const r = yield* runTask(fn);
      send(me, t(ref, r));
    });
    ref = monitor(pid);
    return { pid, ref, owner: me };
  },

  /**
   * Waits for the task's result. On timeout the caller exits with
   * `{timeout, {Elixir.Task, await, [Task, Timeout]}}` (a catchable
   * ExitError); if the task died, with its reason.
   */
  *await<R>(task: Task<R>, timeout = 5000): Generator<unknown, R, unknown> {
    if (owner("Task.await()") !== task.owner) throw new Error("Task.await: only the process that started the task may await it");
    return yield* receive(
      on([task.ref, _], (m) => {
        demonitor(task.ref, { flush: true });
        return m[1] as R;
      }),
      on([DOWN, task.ref, PROCESS, _, _], (m) => {
        throw new ExitError(t(m[4], t(TASK, AWAIT, [task.pid, timeout])), `task ${inspect(task.pid)} exited: ${inspect(m[4])}`);
      }),
      after(timeout, () => {
        throw new ExitError(t(atom("timeout"), t(TASK, AWAIT, [task.pid, timeout])), `task ${inspect(task.pid)} did not answer within ${timeout} ms`);
      }),
    );
  },

  /** Waits up to `timeout` for the result: `{ok: value}`, `{exit: reason}`, or undefined (the task keeps running). */
  *yield<R>(task: Task<R>, timeout = 5000): Generator<unknown, { ok: R } | { exit: unknown } | undefined, unknown> {
    return yield* receive(
      on([task.ref, _], (m) => {
        demonitor(task.ref, { flush: true });
        return { ok: m[1] as R };
      }),
      on([DOWN, task.ref, PROCESS, _, _], (m) => ({ exit: m[4] })),
      after(timeout, () => undefined),
    );
  },

  /**
   * Stops the task: `shutdown` and up to `timeout` ms to finish, or
   * `brutal_kill`. Gives its result if it finished meanwhile.
   */
  *shutdown<R>(task: Task<R>, timeout: number | "brutal_kill" = 5000): Generator<unknown, { ok: R } | { exit: unknown } | undefined, unknown> {
    unlink(task.pid);
    exit(task.pid, timeout === "brutal_kill" ? KILL : SHUTDOWN);
    const waitDown = [DOWN, task.ref, PROCESS, _, _] as const;
    const finished = (m: readonly unknown[]) => {
      demonitor(task.ref, { flush: true });
      return { ok: m[1] as R };
    };
    const r = yield* receive(
      on([task.ref, _], finished),
      on(waitDown, (m) => (m[4] === SHUTDOWN || m[4] === atom("killed") ? undefined : { exit: m[4] })),
      after(timeout === "brutal_kill" ? Infinity : timeout, () => "timeout" as const),
    );
    if (r !== "timeout") return r;
    exit(task.pid, KILL);
    yield* receive(waitDown);
    return undefined;
  },

  /** Runs `fn` in an unlinked process, for its side effects. */
  start(fn: TaskFn<unknown>): Pid {
    return spawn(() => runTask(fn));
  },

  /** Runs `fn` in a process linked to the caller, for its side effects. */
  startLink(fn: TaskFn<unknown>): Pid {
    owner("Task.startLink()");
    return spawnLink(() => runTask(fn));
  },
};


