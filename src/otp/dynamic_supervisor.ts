/**
 * DynamicSupervisor: starts with no children and adds them on demand
 * (Elixir's `DynamicSupervisor`): one_for_one, children named by their pid,
 * an optional cap on how many run at once.
 *
 * @example
 * const sup = await DynamicSupervisor.start({ maxChildren: 100 });
 * const [, pid] = await DynamicSupervisor.startChild(sup, { start: () => GenServer.startLink(new Conn(), socket).result() });
 */
import { type Pid } from "../term/identifiers.js";
import { type ChildSpec, Supervisor } from "./supervisor.js";

export interface DynamicSupervisorOptions {
  /** Most children at once (default unlimited); beyond it `startChild` gives `{error, max_children}`. */
  maxChildren?: number;
  intensity?: number;
  period?: number;
  name?: string;
}

let counter = 0;

export const DynamicSupervisor = {
  start(opts: DynamicSupervisorOptions = {}) {
    return Supervisor.start([], { ...opts, strategy: "one_for_one" });
  },
  startLink(opts: DynamicSupervisorOptions = {}) {
    return Supervisor.startLink([], { ...opts, strategy: "one_for_one" });
  },
  /** Starts a child: `{ok, Pid}`, `ignore`, `{error, max_children}` or `{error, Reason}`. */
  startChild(sup: Pid | string, spec: Omit<ChildSpec, "id">) {
    return Supervisor.startChild(sup, { ...spec, id: `dynamic-${++counter}` });
  },
  /** Stops one child, named by its pid: `ok` or `{error, not_found}`. */
  terminateChild(sup: Pid | string, pid: Pid) {
    return Supervisor.terminateChildPid(sup, pid);
  },
  whichChildren(sup: Pid | string) {
    return Supervisor.whichChildren(sup);
  },
  countChildren(sup: Pid | string) {
    return Supervisor.countChildren(sup);
  },
  stop(sup: Pid | string, reason?: unknown) {
    return Supervisor.stop(sup, reason);
  },
};
