/**
 * Resolve methods: what runs when two partitions that each registered the
 * same name meet. OTP's three (`random_exit_name`, the default,
 * `random_notify_name`, `notify_all_name`) travel as `fun global:F/3`, the
 * term erl sends, so a BEAM node resolving a clash of an Agner process calls
 * `global:resolve_it/4` here (exported through rex) and the other way round.
 * A TypeScript function travels as `{agner_global_resolve, Id}` and runs on
 * the node that registered it.
 */
import { type Atom, atom } from "../term/atom.js";
import { Pid } from "../term/identifiers.js";
import { Export, Fun } from "../term/fun.js";
import { inspect } from "../term/inspect.js";
import { Tuple, t } from "../term/tuple.js";
import { exit, runtime, send } from "../runtime/erlang.js";
import { A, GLOBAL, nodeLess } from "./global_calls.js";

/** A resolve method: one of OTP's by name, or a function returning the pid to keep, or `"none"` to drop the name. */
export type ResolveMethod = "random_exit_name" | "random_notify_name" | "notify_all_name" | ((name: unknown, pid1: Pid, pid2: Pid) => Pid | "none" | Atom);

const userMethods = new Map<number, (name: unknown, pid1: Pid, pid2: Pid) => unknown>();
let nextId = 1;
const USER_RESOLVE = atom("agner_global_resolve");

/** The term a method is registered with. */
export function methodTerm(m: ResolveMethod | undefined): unknown {
  if (m === undefined) return new Export(GLOBAL, A.random_exit_name, 3);
  if (typeof m === "string") {
    if (m !== "random_exit_name" && m !== "random_notify_name" && m !== "notify_all_name") throw new TypeError(`global: no resolve method ${m}`);
    return new Export(GLOBAL, atom(m), 3);
  }
  const id = nextId++;
  userMethods.set(id, m);
  return t(USER_RESOLVE, id);
}

/** OTP's `minmax`: the pids ordered by their nodes' names. */
function minmax(p1: Pid, p2: Pid): [Pid, Pid] {
  return nodeLess(p1.node, p2.node) ? [p1, p2] : [p2, p1];
}

/** `global:random_exit_name/3`: keeps the pid on the lower-named node, kills the other. */
export function randomExitName(name: unknown, pid: Pid, pid2: Pid): Pid {
  const [min, max] = minmax(pid, pid2);
  runtime().logger({ level: "info", what: "global_name_conflict", text: `global: Name conflict terminating ${inspect(t(name, max))}`, name, pid: max });
  exit(max, A.kill);
  return min;
}

/** `global:random_notify_name/3`: keeps the pid on the lower-named node; the other gets `{global_name_conflict, Name}`. */
export function randomNotifyName(name: unknown, pid: Pid, pid2: Pid): Pid {
  const [min, max] = minmax(pid, pid2);
  send(max, t(A.global_name_conflict, name));
  return min;
}

/** `global:notify_all_name/3`: both lose the name and get `{global_name_conflict, Name, OtherPid}`. */
export function notifyAllName(name: unknown, pid: Pid, pid2: Pid): Atom {
  send(pid, t(A.global_name_conflict, name, pid2));
  send(pid2, t(A.global_name_conflict, name, pid));
  return A.none;
}

/**
 * `global:resolve_it/4` (`catch Method(Name, Pid1, Pid2)`): the chosen pid,
 * `none`, or `{'EXIT', Reason}` when the method is not one this node can run.
 */
export function resolveIt(method: unknown, name: unknown, pid1: unknown, pid2: unknown): unknown {
  try {
    if (!isPid(pid1) || !isPid(pid2)) throw t(atom("badarg"), [pid1, pid2]);
    // erl's register_name/2 sends its default as a local fun of `global` (`fun random_exit_name/3`).
    if (method instanceof Fun && method.module === GLOBAL && method.arity === 3) return randomExitName(name, pid1, pid2);
    if (method instanceof Export && method.module === GLOBAL && method.arity === 3) {
      if (method.fn === A.random_exit_name) return randomExitName(name, pid1, pid2);
      if (method.fn === A.random_notify_name) return randomNotifyName(name, pid1, pid2);
      if (method.fn === A.notify_all_name) return notifyAllName(name, pid1, pid2);
    }
    if (method instanceof Tuple && method.length === 2 && method[0] === USER_RESOLVE) {
      const f = userMethods.get(method[1] as number);
      if (f !== undefined) {
        const r = f(name, pid1, pid2);
        return r === "none" ? A.none : r;
      }
    }
    throw t(atom("badfun"), method);
  } catch (e) {
    return t(atom("EXIT"), e instanceof Error ? t(atom(e.name), e.message) : e);
  }
}

function isPid(x: unknown): x is Pid {
  return x instanceof Pid;
}
