/**
 * An Agner node for distributed-application tests (started by
 * agner_node.ts with `main`), same command line and stdin protocol as
 * agner_node_main.ts. It starts the node only; commands:
 *
 * - `{start, Priority}`: dist_ac with kernel's `distributed` = `[{kv, Priority}]`
 *   (examples/distributed_kv.ts, sync with the other nodes up to 10 s), then
 *   `Application.start(kv)`: `local` or `remote`
 * - `{running}`: whether kv runs here; `{where}`: the node of `{global, kv}` (or `undefined`);
 *   `{types}`: the start types this node's instances got
 * - `{set, K, V}`, `{get, K}`: a call / cast through `{global, kv}`
 * - `{load_start}` / `{load_stop}`: a client calling `{global, kv}` in a loop;
 *   stop answers `{Ok, Failed, LongestGapMs}`
 */
import { type Atom, Application, Tuple, atom, call, cast, distAc, global, startNode, t } from "../../src/index.js";
import { defineKvApp } from "../../examples/distributed_kv.js";
import { serveCommands } from "./node_main_loop.js";

const [name, cookie, epmdPort, ticktime] = process.argv.slice(2);
if (ticktime === undefined) process.exit(0);
const me = await startNode({ name: name!, cookie: cookie!, epmdPort: Number(epmdPort), epmd: "embedded", netTicktime: Number(ticktime), hidden: false });

const KV = atom("kv");
const types: string[] = [];
defineKvApp((ty) => types.push(ty === "normal" ? "normal" : "failover" in ty ? `failover ${ty.failover.name}` : `takeover ${ty.takeover.name}`));

let load: { ok: number; failed: number; lastOk: number; gap: number; stop: boolean; done?: Promise<void> } | undefined;

async function runLoad(l: NonNullable<typeof load>): Promise<void> {
  for (let i = 0; !l.stop; i++) {
    try {
      cast(global.name(KV), t(atom("set"), i, i));
      await call(global.name(KV), t(atom("get"), i), 1000);
      l.ok++;
      const now = Date.now();
      l.gap = Math.max(l.gap, now - l.lastOk);
      l.lastOk = now;
    } catch {
      l.failed++;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

async function command(c: unknown): Promise<unknown> {
  if (!(c instanceof Tuple)) return t(atom("error"), atom("badcommand"));
  const [op, ...args] = c as unknown as [Atom, ...unknown[]];
  switch (op.name) {
    case "start": {
      const priority = (args[0] as unknown[]).map((x) => (x instanceof Tuple ? [...x].map((n) => (n as Atom).name) : (x as Atom).name));
      const others = priority.flat().filter((n) => n !== me.name);
      await distAc.start({ distributed: [{ app: "kv", nodes: priority }], syncNodesOptional: others, syncNodesTimeout: 10_000 });
      const root = await Application.start("kv");
      return atom(root === undefined ? "remote" : "local");
    }
    case "running":
      return Application.startedApplications().includes("kv");
    case "where": {
      const p = global.whereisName(KV);
      return p === undefined ? atom("undefined") : p.node;
    }
    case "types":
      return types;
    case "set":
      cast(global.name(KV), t(atom("set"), args[0], args[1]));
      return atom("ok");
    case "get":
      try {
        return await call(global.name(KV), t(atom("get"), args[0]));
      } catch (e) {
        return t(atom("error"), e instanceof Error ? `${e.message}` : String(e));
      }
    case "load_start":
      load = { ok: 0, failed: 0, lastOk: Date.now(), gap: 0, stop: false };
      load.done = runLoad(load);
      return atom("ok");
    case "load_stop": {
      if (load === undefined) return atom("undefined");
      load.stop = true;
      await load.done;
      return t(load.ok, load.failed, load.gap);
    }
    default:
      return t(atom("error"), atom("badcommand"));
  }
}

serveCommands(me.name, command);
