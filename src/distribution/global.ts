/**
 * Cluster-wide names and locks: Erlang's `global`, sharing one table with
 * every BEAM node of the cluster (the protocol is in global_server.ts).
 *
 * A name registered on any node is seen by `whereisName` on every node;
 * registration is atomic cluster-wide (two nodes racing for a name: one
 * wins); a name goes when its process dies or its node goes down; when two
 * partitions that registered the same name meet, the name's resolve method
 * decides (`random_exit_name` by default: the process on the
 * greater-named node is killed). Only visible nodes take part (start the
 * node with `hidden: false`).
 *
 * Calls that wait for the cluster return an operation: `yield*` it inside a
 * process, `await` it elsewhere.
 *
 * @example
 * await startNode({ name: "agner@localhost", cookie: "c", hidden: false });
 * await global.registerName("kv", pid);         // atom("yes")
 * global.whereisName("kv");                     // pid, on every node
 * await GenServer.call(global.name("kv"), req); // also t(atom("global"), atom("kv"))
 * // iex> GenServer.call({:global, :kv}, req)
 */
import { type Atom, atom } from "../term/atom.js";
import { Pid } from "../term/identifiers.js";
import { Tuple, t } from "../term/tuple.js";
import { current } from "../runtime/current.js";
import { ExitError, NotInProcessError } from "../runtime/errors.js";
import { run, runtime, send as sendTo } from "../runtime/erlang.js";
import type { Runtime } from "../runtime/runtime.js";
import { call } from "../otp/gen.js";
import { Via, type ViaModule, setViaModule } from "../otp/registry.js";
import { A, GNS, multiCall, randomSleep } from "./global_calls.js";
import { delLock as delLockOn, setLockOnNodes } from "./global_locker.js";
import { type ResolveMethod, methodTerm } from "./global_resolve.js";
import { globalTable } from "./global_server.js";

export type { ResolveMethod } from "./global_resolve.js";

/** A lock id: `[resource, requester]`, Erlang's `{ResourceId, LockRequesterId}`. */
export type LockId = Tuple | [unknown, unknown];

/** An operation that waits for the cluster: `yield*` it in a process, `await` it outside. */
export class GlobalOp<R> implements Iterable<unknown, R, unknown>, PromiseLike<R> {
  constructor(private readonly body: () => Generator<unknown, R, unknown>) {}

  [Symbol.iterator](): Iterator<unknown, R, unknown> {
    return this.body();
  }

  then<A = R, B = never>(onFulfilled?: ((value: R) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): PromiseLike<A | B> {
    const body = this.body;
    return run(function* () {
      return yield* body();
    }).then(onFulfilled, onRejected);
  }
}

function table(rt: Runtime = runtime()) {
  return globalTable(rt);
}

function lockTuple(id: LockId): Tuple {
  if (id instanceof Tuple) return id;
  if (Array.isArray(id) && id.length === 2) return t(id[0], id[1]);
  throw new TypeError("global: a lock id is [resource, requester]");
}

function me(): Atom {
  return runtime().nodeName;
}

function allNodes(): Atom[] {
  const rt = runtime();
  const k = rt.remote as { nodes?: (kind: string) => Atom[] } | null;
  return [rt.nodeName, ...(k?.nodes?.("visible") ?? [])];
}

/**
 * `global:register_name/2,3`: `yes`, or `no` when the name is taken or the
 * pid already has a name. `resolve` decides clashes after a partition
 * heals (default `random_exit_name`).
 */
function registerName(name: unknown, pid: Pid, resolve?: ResolveMethod): GlobalOp<Atom<"yes" | "no">> {
  if (!(pid instanceof Pid)) throw new TypeError("global.registerName: not a pid");
  const method = methodTerm(resolve);
  return new GlobalOp(function* () {
    const fn = function* (nodes: Atom[]) {
      const tb = table()!;
      if (tb.where(name) !== undefined || !checkDupname(name, pid)) return A.no;
      yield* multiCall(nodes, t(A.register, name, pid, method));
      return A.yes;
    };
    return (yield* call(GNS, t(A.registrar, fn), Infinity)) as Atom<"yes" | "no">;
  });
}

function checkDupname(name: unknown, pid: Pid): boolean {
  const names = table()!.pidNames.get(pid);
  if (names === undefined || names.length === 0) return true;
  runtime().logger({ level: "error", what: "global_multi_name", text: `global: ${String(pid)} registered under several names: ${[name, ...names].map(String).join(", ")}` });
  return false;
}

/** `global:re_register_name/2,3`: registers `name` for `pid` whoever held it; always `yes`. */
function reRegisterName(name: unknown, pid: Pid, resolve?: ResolveMethod): GlobalOp<Atom<"yes">> {
  if (!(pid instanceof Pid)) throw new TypeError("global.reRegisterName: not a pid");
  const method = methodTerm(resolve);
  return new GlobalOp(function* () {
    const fn = function* (nodes: Atom[]) {
      yield* multiCall(nodes, t(A.register, name, pid, method));
      return A.yes;
    };
    return (yield* call(GNS, t(A.registrar, fn), Infinity)) as Atom<"yes">;
  });
}

/** `global:unregister_name/1`: removes the name everywhere; `ok`. */
function unregisterName(name: unknown): GlobalOp<Atom<"ok">> {
  return new GlobalOp(function* () {
    if (table()?.where(name) === undefined) return A.ok as Atom<"ok">;
    const fn = function* (nodes: Atom[]) {
      yield* multiCall(nodes, t(A.unregister, name));
      return A.ok;
    };
    return (yield* call(GNS, t(A.registrar, fn), Infinity)) as Atom<"ok">;
  });
}

/** `global:whereis_name/1`: the pid, or undefined (a read of this node's table: no message). */
function whereisName(name: unknown): Pid | undefined {
  return table()?.where(name);
}

/** `global:send/2`: sends to the registered pid and returns it; exits `{badarg, {Name, Msg}}` if none. */
function send(name: unknown, msg: unknown): Pid {
  const pid = whereisName(name);
  if (pid === undefined) throw new ExitError(t(atom("badarg"), t(name, msg)), `global.send: no process is registered as ${String(name)}`);
  sendTo(pid, msg);
  return pid;
}

/** `global:registered_names/0`. */
function registeredNames(): unknown[] {
  return table()?.names.keys() ?? [];
}

/** `global:sync/0`: waits until this node has synced names with every visible node. */
function sync(): GlobalOp<Atom<"ok">> {
  return new GlobalOp(function* () {
    return (yield* call(GNS, t(A.sync, allNodes().slice(1)), Infinity)) as Atom<"ok">;
  });
}

/**
 * `global:set_lock/1,2,3`: locks `id` on `nodes` (default every visible
 * node and this one) for the calling process; with `retries` (default
 * infinity) attempts, sleeping a random, growing time in between. True once
 * set, false when the retries ran out. Must run in a process: the lock is
 * the process's, and goes with it.
 */
function* setLock(id: LockId, nodes: Atom[] = allNodes(), retries = Infinity): Generator<unknown, boolean, unknown> {
  if (current === null) throw new NotInProcessError("global.setLock()");
  const lid = lockTuple(id);
  if (nodes.length === 0) return true;
  for (let times = 1; ; times++) {
    if (yield* setLockOnNodes(table()!, lid, nodes)) return true;
    if (retries <= 0) return false;
    yield* randomSleep(times);
    retries--;
  }
}

/** `global:del_lock/1,2`: releases the calling process's hold on `id`. */
function* delLock(id: LockId, nodes: Atom[] = allNodes()): Generator<unknown, true, unknown> {
  if (current === null) throw new NotInProcessError("global.delLock()");
  yield* delLockOn(lockTuple(id), nodes);
  return true;
}

/**
 * `global:trans/2,3,4`: runs `fn` holding the lock `id` (taken as
 * {@link setLock} does) and releases it after, whatever happens; `aborted`
 * if the lock could not be taken. `fn` may be a generator function (it runs
 * in the locking process) or return a promise.
 */
function trans<R>(id: LockId, fn: () => R | Generator<unknown, R, unknown>, nodes?: Atom[], retries = Infinity): GlobalOp<R | Atom<"aborted">> {
  return new GlobalOp(function* () {
    const ns = nodes ?? allNodes();
    if (!(yield* setLock(id, ns, retries))) return atom("aborted");
    try {
      const r = fn();
      if (r !== null && typeof r === "object" && typeof (r as Generator).next === "function") return yield* r as Generator<unknown, R, unknown>;
      return r as R;
    } finally {
      yield* delLock(id, ns);
    }
  });
}

/** `{global, Name}` for a server reference: `GenServer.start(s, arg, { name: global.name("kv") })`, `call(global.name("kv"), req)`. */
function name(n: unknown): Via {
  return new Via(globalVia, n);
}

/** The `{via, global, Name}` contract (Erlang's via module callbacks). */
export const globalVia: ViaModule = {
  registerName: (n, pid) => registerName(n, pid)[Symbol.iterator]() as Iterator<unknown, Atom, unknown>,
  unregisterName: (n) => unregisterName(n)[Symbol.iterator](),
  whereisName: (n) => whereisName(n),
  send: (n, msg) => send(n, msg),
};

setViaModule(atom("global"), globalVia);

/** Erlang's `global`: cluster-wide names and locks shared with BEAM nodes. */
export const global = {
  registerName,
  reRegisterName,
  unregisterName,
  whereisName,
  send,
  registeredNames,
  sync,
  setLock,
  delLock,
  trans,
  name,
  /** The resolve methods, for tests and for a user method that defers to one. */
  node: me,
};
