/**
 * DynamicSupervisor: starts with no children and adds them on demand
 * (Elixir's `DynamicSupervisor`): one_for_one, children named by their pid,
 * an optional cap on how many run at once. A child that ends and is not
 * restarted (temporary; transient after a normal exit) is forgotten, and a
 * start that returns `ignore` keeps nothing, so the cap counts live children.
 *
 * @example
 * const sup = await DynamicSupervisor.start({ maxChildren: 100 });
 * const r = await DynamicSupervisor.startChild(sup, { start: () => GenServer.startLink(new Conn(), socket).result() });
 * // r: {ok, Pid} | ignore | {error, max_children} | {error, Reason}
 * await DynamicSupervisor.terminateChild(sup, (r as Tup<[Atom, Pid]>)[1]);
 */
import { type Pid } from "../term/identifiers.js";
import { type StartResult } from "./proc_lib.js";
import { type ChildCounts, type ChildInfo, type ChildSpec, type SupOp, type SupReply, Supervisor, pidOf, startSupervisor } from "./supervisor.js";

/**
 * DynamicSupervisor flags (restart intensity as {@link SupervisorOptions}).
 *
 * @example
 * const opts: DynamicSupervisorOptions = { maxChildren: 1000, intensity: 10, period: 1, name: "conn_sup" };
 */
export interface DynamicSupervisorOptions {
  /** Most children at once (default unlimited); beyond it `startChild` gives `{error, max_children}`. */
  maxChildren?: number;
  intensity?: number;
  period?: number;
  name?: string;
}

/** A dynamic child's spec: no id (children are named by pid). */
export type DynamicChildSpec = Omit<ChildSpec, "id">;

let counter = 0;

/**
 * The DynamicSupervisor API: `await` outside a process, `yield*` inside.
 *
 * @example
 * const sup = await DynamicSupervisor.start({ maxChildren: 2 });
 * await DynamicSupervisor.startChild(sup, { start: () => GenServer.startLink(new Worker(), 1).result() });
 * await DynamicSupervisor.countChildren(sup); // { specs: 1, active: 1, supervisors: 0, workers: 1 }
 */
export const DynamicSupervisor = {
  start(opts: DynamicSupervisorOptions = {}): SupOp<Pid> {
    return pidOf(startSupervisor([], { ...opts, strategy: "one_for_one" }, false, true));
  },
  startLink(opts: DynamicSupervisorOptions = {}): SupOp<Pid> {
    return pidOf(startSupervisor([], { ...opts, strategy: "one_for_one" }, true, true));
  },
  /** Starts a child: `{ok, Pid}`, `ignore`, `{error, max_children}` or `{error, Reason}`. */
  startChild(sup: Pid | string, spec: DynamicChildSpec): SupOp<StartResult> {
    return Supervisor.startChild(sup, { ...spec, id: `dynamic-${++counter}` });
  },
  /** Stops one child, named by its pid: `ok` or `{error, not_found}`. */
  terminateChild(sup: Pid | string, pid: Pid): SupOp<SupReply> {
    return Supervisor.terminateChildPid(sup, pid);
  },
  /** The running children (their `id` is internal; name them by `pid`). */
  whichChildren(sup: Pid | string): SupOp<ChildInfo[]> {
    return Supervisor.whichChildren(sup);
  },
  countChildren(sup: Pid | string): SupOp<ChildCounts> {
    return Supervisor.countChildren(sup);
  },
  /** Stops every child (in reverse start order), then the supervisor. */
  stop(sup: Pid | string, reason?: unknown): SupOp<unknown> {
    return Supervisor.stop(sup, reason);
  },
};
