/**
 * Applications: a named supervision tree with an environment, started after
 * the applications it depends on and stopped in reverse order (Erlang's
 * `application`). An application master process is the root's parent: to
 * stop the application it exits, and the root supervisor stops its tree.
 *
 * A distributed application (kernel's `distributed` setting, see
 * `distApplications` in the distribution layer) is started on every node of
 * its priority list but runs on one of them: there `start` gets the start
 * type, `"normal"`, `{ failover: Node }` or `{ takeover: Node }`.
 *
 * @example
 * Application.define({
 *   name: "kv",
 *   env: { port: 6380 },
 *   start: (env, type) => Supervisor.startLink([...children(env)]),
 * });
 * await Application.start("kv", { port: 7000 });
 * Application.getEnv("kv", "port"); // 7000
 */

import type { Atom } from "../term/atom.js";
import { type Pid } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { DOWN, EXIT, SHUTDOWN } from "../runtime/atoms.js";
import { atom } from "../term/atom.js";
import { monitor, processFlag, runtime, self, send } from "../runtime/erlang.js";
import { _ } from "../runtime/pattern.js";
import { receive } from "../runtime/receive.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Proc } from "../runtime/process.js";
import { ExitError } from "../runtime/errors.js";
import { ExitException } from "../runtime/signals.js";

export type Env = Record<string, unknown>;

/**
 * How an application is started (Erlang's `StartType`): `"normal"`, or, for
 * a distributed application, `{ failover: Node }` (the node that ran it
 * died) or `{ takeover: Node }` (it runs on `Node`, which stops it once this
 * start has returned).
 */
export type StartType = "normal" | { failover: Atom } | { takeover: Atom };

export interface ApplicationSpec {
  name: string;
  /** What `application:which_applications()` shows of it (default: its name). */
  description?: string;
  /** Its version, as `which_applications` shows it (default `""`). */
  vsn?: string;
  /** Default environment; `start(name, overrides)` merges over it. */
  env?: Env;
  /** Applications started first (and stopped after this one). */
  applications?: string[];
  /** Starts the root of the tree, linked to the caller (run inside the application master), e.g. `Supervisor.startLink([...])`. */
  start: (env: Env, type: StartType) => Iterable<unknown, Pid, unknown> | Pid;
  /** Called after the tree has stopped. */
  stop?: (env: Env) => void;
}

/**
 * What decides where a distributed application runs (Erlang's dist_ac, as
 * the application controller sees it). Installed per node by the
 * distribution layer.
 */
export interface ApplicationController {
  /** True for the applications it decides about. */
  controls(name: string): boolean;
  /** Starts `name` here or learns that another node runs it: the local root, or undefined. */
  start(name: string): Promise<Pid | undefined>;
  /** The local instance of `name` stopped (`Application.stop`, or its root exited). */
  stopped(name: string): void;
}

interface Running {
  master: Pid;
  root: Pid;
}

/** One application controller per runtime (one per node). */
interface Ac {
  envs: Map<string, Env>;
  running: Map<string, Running>;
  order: string[];
  /** Applications `start` was asked for and that run elsewhere (distributed). */
  standby: Set<string>;
  controller?: ApplicationController;
}

const STOP_APP = atom("$agner_stop_application");
const specs = new Map<string, ApplicationSpec>();
const acs = new WeakMap<Runtime, Ac>();

function ac(rt: Runtime = runtime()): Ac {
  let a = acs.get(rt);
  if (a === undefined) acs.set(rt, (a = { envs: new Map(), running: new Map(), order: [], standby: new Set() }));
  return a;
}

function envOf(a: Ac, name: string): Env {
  let e = a.envs.get(name);
  if (e === undefined) a.envs.set(name, (e = { ...(specs.get(name)?.env ?? {}) }));
  return e;
}

function forget(a: Ac, name: string): void {
  a.running.delete(name);
  const i = a.order.indexOf(name);
  if (i >= 0) a.order.splice(i, 1);
}

/** The application master: parent of the root; when it exits, the tree stops. */
function* master(a: Ac, spec: ApplicationSpec, env: Env, type: StartType, started: (root: Pid) => void): Generator<unknown, void, unknown> {
  processFlag("trap_exit", true);
  const r = spec.start(env, type);
  const root = typeof (r as Iterable<unknown>)[Symbol.iterator] === "function" ? yield* r as Iterable<unknown, Pid, unknown> : (r as Pid);
  started(root);
  const m = yield* receive([EXIT, root, _], STOP_APP);
  // Asked to stop: exiting with `shutdown` makes the root (our child) stop its tree.
  if (m === STOP_APP) throw new ExitException(SHUTDOWN);
  // The root died by itself: the application is over.
  const reason = (m as unknown[])[2];
  forget(a, spec.name);
  runtime().logger({ level: "notice", what: "application_exited", text: `application ${spec.name} exited: ${inspect(reason)}`, reason });
  if (a.controller?.controls(spec.name)) a.controller.stopped(spec.name);
  throw new ExitException(reason);
}

/** Starts the tree of a defined application on `rt` now (dependencies already started). */
function startHere(rt: Runtime, name: string, type: StartType): Promise<Pid> {
  const a = ac(rt);
  const spec = specs.get(name)!;
  const already = a.running.get(name);
  if (already !== undefined) return Promise.resolve(already.root);
  const env = envOf(a, name);
  return new Promise<Pid>((resolve, reject) => {
    const p = rt.spawn(function* () {
      yield* master(a, spec, env, type, (r) => {
        a.running.set(name, { master: self(), root: r });
        a.standby.delete(name);
        a.order.push(name);
        resolve(r);
      });
    }) as Proc;
    const x = p.x();
    (x.onExit ??= []).push((reason) => reject(new ExitError(reason)));
  });
}

/** Stops the local tree of `name` on `rt` (its `stop` callback runs after). */
async function stopHere(rt: Runtime, name: string): Promise<boolean> {
  const a = ac(rt);
  const app = a.running.get(name);
  if (app === undefined) return false;
  forget(a, name);
  await new Promise<void>((resolve) => {
    rt.spawn(function* () {
      const ref = monitor(app.root);
      send(app.master, STOP_APP);
      yield* receive([DOWN, ref, _, _, _]);
      resolve();
    });
  });
  specs.get(name)?.stop?.(envOf(a, name));
  return true;
}

/**
 * For an {@link ApplicationController} only (not in the public API): start
 * and stop local instances with a start type, install the controller.
 */
export const applicationControl = {
  startHere,
  stopHere,
  /** Marks `name` as started here but running on another node. */
  standby(rt: Runtime, name: string, on: boolean): void {
    if (on) ac(rt).standby.add(name);
    else ac(rt).standby.delete(name);
  },
  setController(rt: Runtime, c: ApplicationController | undefined): void {
    ac(rt).controller = c;
  },
  isDefined: (name: string): boolean => specs.has(name),
  /** How many applications run here (dist_ac's weight). */
  runningCount: (rt: Runtime): number => ac(rt).running.size,
};

export const Application = {
  /** Makes an application known (Erlang's `application:load`). */
  define(spec: ApplicationSpec): void {
    specs.set(spec.name, spec);
  },

  /**
   * Starts an application after its dependencies; resolves with its root
   * pid. A started one is left as it is. A distributed application may run
   * on another node: then it resolves with `undefined` once that node runs
   * it (and this node stands by to fail it over).
   */
  async start(name: string, env: Env = {}): Promise<Pid | undefined> {
    const rt = runtime();
    const a = ac(rt);
    const spec = specs.get(name);
    if (spec === undefined) throw new Error(`unknown application '${name}' (define it first)`);
    const already = a.running.get(name);
    if (already !== undefined) return already.root;
    for (const dep of spec.applications ?? []) await startOn(rt, dep);
    a.envs.set(name, { ...envOf(a, name), ...env });
    if (a.controller?.controls(name)) return a.controller.start(name);
    return startHere(rt, name, "normal");
  },

  /** Stops an application: its tree stops (children in reverse order), then its `stop` callback runs. */
  async stop(name: string): Promise<void> {
    const rt = runtime();
    const a = ac(rt);
    const wasStandby = a.standby.delete(name);
    const wasRunning = await stopHere(rt, name);
    if ((wasRunning || wasStandby) && a.controller?.controls(name)) a.controller.stopped(name);
  },

  /** Stops every started application, the last started first. */
  async stopAll(): Promise<void> {
    const rt = runtime();
    for (const name of [...ac(rt).order].reverse()) await stopOn(rt, name);
  },

  getEnv<T = unknown>(name: string, key: string): T | undefined {
    return envOf(ac(), name)[key] as T | undefined;
  },

  putEnv(name: string, key: string, value: unknown): void {
    const a = ac();
    a.envs.set(name, { ...envOf(a, name), [key]: value });
  },

  /**
   * The root supervisor of a running application (Erlang's
   * `application_master:get_child/1`), or undefined when it does not run here.
   *
   * @example
   * const sup = Application.rootOf("kv");
   * if (sup !== undefined) console.log(await Supervisor.whichChildren(sup));
   */
  rootOf(name: string): Pid | undefined {
    return ac().running.get(name)?.root;
  },

  /** Names of the applications running on this node, in start order. */
  startedApplications(): string[] {
    return [...ac().order];
  },

  /**
   * Erlang's `application:which_applications()`: each running application
   * with its description and version, the last started first (as erl lists them).
   *
   * @example
   * Application.define({ name: "shop", description: "the shop", vsn: "1.0.0", start: () => Supervisor.startLink([]) });
   * await Application.start("shop");
   * Application.whichApplications(); // [{ name: "shop", description: "the shop", vsn: "1.0.0" }]
   */
  whichApplications(): { name: string; description: string; vsn: string }[] {
    return [...ac().order].reverse().map((name) => {
      const spec = specs.get(name);
      return { name, description: spec?.description ?? name, vsn: spec?.vsn ?? "" };
    });
  },
};

/** `Application.start` on a given runtime (dependencies of an application started from async code). */
function startOn(rt: Runtime, name: string): Promise<Pid | undefined> {
  return withRuntime(rt, () => Application.start(name));
}

function stopOn(rt: Runtime, name: string): Promise<void> {
  return withRuntime(rt, () => Application.stop(name));
}

/** Runs `fn` in a short-lived process of `rt`, so that `runtime()` inside it (synchronously) is `rt`. */
function withRuntime<R>(rt: Runtime, fn: () => Promise<R>): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    rt.spawn(() => {
      fn().then(resolve, reject);
    });
  });
}
