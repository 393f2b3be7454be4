/**
 * Applications: a named supervision tree with an environment, started after
 * the applications it depends on and stopped in reverse order (Erlang's
 * `application`). An application master process is the root's parent: to
 * stop the application it exits, and the root supervisor stops its tree.
 *
 * @example
 * Application.define({
 *   name: "kv",
 *   env: { port: 6380 },
 *   start: (env) => Supervisor.startLink([...children(env)]),
 * });
 * await Application.start("kv", { port: 7000 });
 * Application.getEnv("kv", "port"); // 7000
 */

import { type Pid } from "../term/identifiers.js";
import { inspect } from "../term/inspect.js";
import { DOWN, EXIT, SHUTDOWN } from "../runtime/atoms.js";
import { atom } from "../term/atom.js";
import { monitor, processFlag, run, runtime, self, send } from "../runtime/erlang.js";
import { _ } from "../runtime/pattern.js";
import { receive } from "../runtime/receive.js";
import { ExitException } from "../runtime/signals.js";

export type Env = Record<string, unknown>;

export interface ApplicationSpec {
  name: string;
  /** Default environment; `start(name, overrides)` merges over it. */
  env?: Env;
  /** Applications started first (and stopped after this one). */
  applications?: string[];
  /** Starts the root of the tree, linked to the caller (run inside the application master), e.g. `Supervisor.startLink([...])`. */
  start: (env: Env) => Iterable<unknown, Pid, unknown> | Pid;
  /** Called after the tree has stopped. */
  stop?: (env: Env) => void;
}

interface Running {
  master: Pid;
  root: Pid;
}

const STOP_APP = atom("$agner_stop_application");
const specs = new Map<string, ApplicationSpec>();
const envs = new Map<string, Env>();
const running = new Map<string, Running>();
const order: string[] = [];

/** The application master: parent of the root; when it exits, the tree stops. */
function* master(spec: ApplicationSpec, env: Env, started: (root: Pid) => void): Generator<unknown, void, unknown> {
  processFlag("trap_exit", true);
  const r = spec.start(env);
  const root = typeof (r as Iterable<unknown>)[Symbol.iterator] === "function" ? yield* r as Iterable<unknown, Pid, unknown> : (r as Pid);
  started(root);
  const m = yield* receive([EXIT, root, _], STOP_APP);
  // Asked to stop: exiting with `shutdown` makes the root (our child) stop its tree.
  if (m === STOP_APP) throw new ExitException(SHUTDOWN);
  // The root died by itself: the application is over.
  const reason = (m as unknown[])[2];
  running.delete(spec.name);
  if (order.includes(spec.name)) order.splice(order.indexOf(spec.name), 1);
  runtime().logger({ level: "notice", what: "application_exited", text: `application ${spec.name} exited: ${inspect(reason)}`, reason });
  throw new ExitException(reason);
}

export const Application = {
  /** Makes an application known (Erlang's `application:load`). */
  define(spec: ApplicationSpec): void {
    specs.set(spec.name, spec);
    if (!envs.has(spec.name)) envs.set(spec.name, { ...(spec.env ?? {}) });
  },

  /** Starts an application after its dependencies; resolves with its root pid. A started one is left as it is. */
  async start(name: string, env: Env = {}): Promise<Pid> {
    const spec = specs.get(name);
    if (spec === undefined) throw new Error(`unknown application '${name}' (define it first)`);
    const already = running.get(name);
    if (already !== undefined) return already.root;
    for (const dep of spec.applications ?? []) await Application.start(dep);
    const merged = { ...(spec.env ?? {}), ...(envs.get(name) ?? {}), ...env };
    envs.set(name, merged);
    const root = await new Promise<Pid>((resolve, reject) => {
      run(function* () {
        yield* master(spec, merged, (r) => {
          running.set(name, { master: self(), root: r });
          order.push(name);
          resolve(r);
        });
      }).catch(reject);
    });
    return root;
  },

  /** Stops an application: its tree stops (children in reverse order), then its `stop` callback runs. */
  async stop(name: string): Promise<void> {
    const app = running.get(name);
    if (app === undefined) return;
    running.delete(name);
    order.splice(order.indexOf(name), 1);
    await run(function* () {
      const ref = monitor(app.root);
      send(app.master, STOP_APP);
      yield* receive([DOWN, ref, _, _, _]);
    });
    specs.get(name)?.stop?.(envs.get(name) ?? {});
  },

  /** Stops every started application, the last started first. */
  async stopAll(): Promise<void> {
    for (const name of [...order].reverse()) await Application.stop(name);
  },

  getEnv<T = unknown>(name: string, key: string): T | undefined {
    return envs.get(name)?.[key] as T | undefined;
  },

  putEnv(name: string, key: string, value: unknown): void {
    envs.set(name, { ...(envs.get(name) ?? {}), [key]: value });
  },

  /** Names of the running applications, in start order. */
  startedApplications(): string[] {
    return [...order];
  },
};


