/** Two or more runtimes as nodes joined in memory, and running code on a given one. */
import { type Atom, atom } from "../../../src/term/atom.js";
import type { Pid } from "../../../src/term/identifiers.js";
import { t } from "../../../src/term/tuple.js";
import { _, on, receive } from "../../../src/runtime/index.js";
import { self, send } from "../../../src/runtime/erlang.js";
import { Runtime, silentLogger } from "../../../src/runtime/index.js";
import type { LogEvent, Logger } from "../../../src/runtime/index.js";
import { ExitError } from "../../../src/runtime/errors.js";
import type { Proc } from "../../../src/runtime/process.js";
import { startNode, stopNode } from "../../../src/distribution/node.js";
import type { GlobalOptions } from "../../../src/distribution/global_state.js";
import { MemoryNetwork } from "../../support/memory_transport.js";

export interface TestNode {
  rt: Runtime;
  name: Atom;
  logs: LogEvent[];
}

let seq = 0;

/** Starts `names.length` nodes on one memory network (names get a unique suffix). */
export async function cluster(names: string[], opts: { hidden?: boolean; cookie?: string; cookies?: string[]; global?: GlobalOptions } = {}): Promise<{ net: MemoryNetwork; nodes: TestNode[] }> {
  const net = new MemoryNetwork();
  const nodes: TestNode[] = [];
  const suffix = `${process.pid}_${++seq}`;
  for (let i = 0; i < names.length; i++) {
    const logs: LogEvent[] = [];
    const logger: Logger = (e) => {
      logs.push(e);
      silentLogger(e);
    };
    const rt = new Runtime({ logger });
    const name = await startNode({
      name: `${names[i]}_${suffix}@localhost`,
      cookie: opts.cookies?.[i] ?? opts.cookie ?? "test",
      hidden: opts.hidden,
      runtime: rt,
      transport: net.factory,
      ...(opts.global !== undefined ? { global: opts.global } : {}),
    });
    nodes.push({ rt, name, logs });
  }
  return { net, nodes };
}

export async function shutdown(nodes: TestNode[]): Promise<void> {
  for (const n of nodes) {
    await stopNode(n.rt);
    n.rt.shutdown();
  }
}

/** Runs `body` as a process on `rt`; resolves with what it returns, rejects with its exit reason. */
export function runOn<R>(rt: Runtime, body: () => Generator<unknown, R, unknown> | R): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const p = rt.spawn(body) as Proc;
    const x = p.x();
    x.onExit = [(reason) => (reason === atom("normal") ? resolve(x.result as R) : reject(new ExitError(reason)))];
  });
}

/** Resolves after `ms` of real time. */
export function wait(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

let learnSeq = 0;

/**
 * How node `to` knows process `p` of another node: its pid as `to` decoded
 * it from a message `p`'s node sent (a node only knows the pids that reached
 * it, as over a real connection).
 */
export function learn(p: Proc, to: TestNode): Promise<Pid> {
  const name = atom(`learn_${++learnSeq}`);
  return runOn(to.rt, function* () {
    to.rt.register(name, self());
    p.rt.spawn(() => send(t(name, to.name), p));
    return yield* receive(on(_, (m) => m as Pid));
  });
}
