/**
 * The OTP half of what BEAM tools read over `rpc` (introspection.ts has
 * the `erlang` half): `application:which_applications/0,1`,
 * `supervisor:which_children/1`, `sys:get_state/1,2`, and Elixir's
 * `Process.info/1,2` (`'Elixir.Process':info`), which an iex user reaches
 * with `:rpc.call(node, Process, :info, [pid])` (Process.info itself refuses
 * a remote pid). The calls to a supervisor or a server go through the same
 * `gen` call an erl node would make, so a dead target ends the call with
 * erl's `{noproc, ...}` exit.
 */
import { Atom, atom } from "../term/atom.js";
import { Tuple, t } from "../term/tuple.js";
import type { Runtime } from "../runtime/runtime.js";
import { Pid } from "../term/identifiers.js";
import { type ServerRef, call } from "../otp/gen.js";
import { sys } from "../otp/sys.js";
import { Application } from "../otp/application.js";
import { charlist } from "../otp/sys_status.js";
import { type Builtin, badarg, erlangBuiltin, introspectionOn, preloadAtoms } from "./introspection.js";

preloadAtoms(["application", "which_applications", "supervisor", "which_children", "sys", "get_state", "Elixir.Process", "info"]);

const WHICH_CHILDREN = atom("which_children");
const INFINITY = atom("infinity");
const NIL = atom("nil");
const UNDEFINED = atom("undefined");

/** erl's timeout argument: `infinity` or a non-negative integer of milliseconds. */
function timeoutOf(x: unknown): number {
  if (x === INFINITY) return Infinity;
  if (typeof x === "number" && Number.isInteger(x) && x >= 0) return x;
  if (typeof x === "bigint" && x >= 0n) return Infinity;
  return badarg();
}

/** A server as sys and gen take it: a pid, a registered name, `{Name, Node}`, `{global, Name}`, `{via, M, N}`. */
function serverRef(x: unknown): ServerRef {
  if (x instanceof Atom || x instanceof Pid) return x;
  if (x instanceof Tuple) {
    const named = x.length === 2 && x[0] instanceof Atom && (x[1] instanceof Atom || x[0].name === "global");
    if (named || (x.length === 3 && x[0] === VIA && x[1] instanceof Atom)) return x as ServerRef;
  }
  return badarg();
}

const VIA = atom("via");

function whichApplications(): Tuple[] {
  return Application.whichApplications().map((a) => t(atom(a.name), charlist(a.description), charlist(a.vsn)));
}

/** Elixir's `Process.info/1,2`: erl's answers with `nil` for a dead process. */
function elixirInfo(rt: Runtime, args: unknown[]): Builtin | undefined {
  const info = erlangBuiltin(rt, atom("process_info"), args);
  if (info === undefined) return undefined;
  return (...a: unknown[]) => {
    const r = info(...a);
    return r === UNDEFINED ? NIL : r;
  };
}

/** `M:F(Args...)` for the OTP modules this node answers, else undefined. */
export function otpBuiltin(rt: Runtime, module: Atom, fn: Atom, args: unknown[]): Builtin | undefined {
  if (!introspectionOn(rt)) return undefined;
  const n = args.length;
  switch (`${module.name}:${fn.name}/${n}`) {
    case "application:which_applications/0":
      return whichApplications;
    case "application:which_applications/1":
      return (timeout) => (timeoutOf(timeout), whichApplications());
    case "supervisor:which_children/1":
      return function* (sup) {
        return yield* call(serverRef(sup), WHICH_CHILDREN as never, Infinity);
      };
    case "sys:get_state/1":
      return function* (server) {
        return yield* sys.getState(serverRef(server));
      };
    case "sys:get_state/2":
      return function* (server, timeout) {
        const ms = timeoutOf(timeout);
        return yield* sys.getState(serverRef(server), ms);
      };
    case "Elixir.Process:info/1":
    case "Elixir.Process:info/2":
      return elixirInfo(rt, args);
  }
  return undefined;
}
