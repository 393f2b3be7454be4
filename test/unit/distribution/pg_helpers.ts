/** pg on memory-joined nodes: start scopes, spawn members, read views, wait for convergence. */
import { type Atom, atom } from "../../../src/term/atom.js";
import type { Pid } from "../../../src/term/identifiers.js";
import { _, on, receive } from "../../../src/runtime/index.js";
import type { Proc } from "../../../src/runtime/process.js";
import { exitProcess } from "../../../src/runtime/signals.js";
import { connect, disconnect } from "../../../src/distribution/node.js";
import { pg } from "../../../src/distribution/pg.js";
import type { ScopeState } from "../../../src/distribution/pg_scope.js";
import { sys } from "../../../src/otp/sys.js";
import { type TestNode, runOn, wait } from "./helpers.js";

/** Starts `scope` on every node. */
export async function startScopes(nodes: TestNode[], scope: string | Atom = "pg"): Promise<void> {
  for (const n of nodes) await runOn(n.rt, function* () {
    return yield* pg.start(scope);
  });
}

/** Waits until every node's scope knows every other node's (discovery done). */
export async function overlay(nodes: TestNode[], scope: string = "pg"): Promise<void> {
  for (const n of nodes) {
    await until(
      async () => (await runOn(n.rt, function* () {
        return (yield* sys.getState<ScopeState>(scope)).remote.size;
      })) === nodes.length - 1,
      5000,
      `${n.name.name}'s scope to know its peers`,
    );
  }
}

/** Connects every pair (no `global` here to make the mesh). */
export async function mesh(nodes: TestNode[]): Promise<void> {
  for (const a of nodes) for (const b of nodes) if (a !== b) await runOn(a.rt, () => connect(b.name));
}

export function partition(a: TestNode, b: TestNode): Promise<boolean> {
  return runOn(a.rt, () => disconnect(b.name));
}

/** A process that waits until told `stop` (or killed). */
export function member(n: TestNode): Proc {
  return n.rt.spawn(function* () {
    yield* receive(on(atom("stop"), () => undefined), on(_, () => undefined));
  }) as Proc;
}

export function kill(p: Proc): void {
  exitProcess(p, atom("kill"));
}

export function join(n: TestNode, group: unknown, pids: Pid | Pid[], scope: string = "pg"): Promise<unknown> {
  return runOn(n.rt, function* () {
    return yield* pg.join(scope, group, pids);
  });
}

export function leave(n: TestNode, group: unknown, pids: Pid | Pid[], scope: string = "pg"): Promise<unknown> {
  return runOn(n.rt, function* () {
    return yield* pg.leave(scope, group, pids);
  });
}

/** The node's view of `group`, as sortable keys (`node/id.serial`). */
export function view(n: TestNode, group: unknown, scope: string = "pg"): Promise<string[]> {
  return runOn(n.rt, () => keys(pg.getMembers(scope, group)));
}

export function keys(pids: readonly Pid[]): string[] {
  return pids.map((p) => `${p.node.name}/${p.id}.${p.serial}`).sort();
}

/** Polls `cond` until true (real time: message delivery on the memory network is asynchronous). */
export async function until(cond: () => Promise<boolean> | boolean, ms = 5000, what = "a condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(5);
  }
}
