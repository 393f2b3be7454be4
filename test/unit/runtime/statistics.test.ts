/**
 * What the observer samples: runtimeStatistics counts reductions (of dead
 * processes too), delivered messages and the run queue; Application.rootOf
 * names an application's root supervisor; proc_lib processes (GenServers,
 * supervisors) report initial_call {proc_lib,init_p,5}, as on the BEAM.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Application, GenServer, Supervisor, atom, equals, exit, ok, processInfo, runtimeStatistics, send, spawn, t } from "../../../src/index.js";
import { fresh } from "./helpers.js";

test("runtimeStatistics counts messages, reductions and the run queue", async () => {
  const rt = fresh({ clock: undefined });
  const a = runtimeStatistics(rt);
  // An actor: one reduction per message handled; it ends at the 100th.
  const p = spawn({
    handle: (m: unknown) => {
      if (m === 99) exit(atom("normal"));
    },
  });
  for (let i = 0; i < 100; i++) send(p, i);
  assert.equal(runtimeStatistics(rt).runQueueLength, 1);
  assert.equal(runtimeStatistics(rt).messagesDelivered - a.messagesDelivered, 100);
  await rt.settle();
  const b = runtimeStatistics(rt);
  assert.equal(b.runQueueLength, 0);
  assert.ok(b.reductions - a.reductions >= 100, `${b.reductions - a.reductions} reductions`);
  assert.equal(b.processCount, a.processCount); // it ended; its reductions still count
});

class Idle extends GenServer<null> {
  override init() {
    return ok(null);
  }
}

test("Application.rootOf and proc_lib's initial_call", async () => {
  fresh({ clock: undefined });
  Application.define({ name: "stats_app", start: () => Supervisor.startLink([{ id: "idle", start: () => GenServer.startLink(new Idle(), undefined).result() }]) });
  assert.equal(Application.rootOf("stats_app"), undefined);
  const root = await Application.start("stats_app");
  assert.equal(Application.rootOf("stats_app"), root);
  const [child] = await Supervisor.whichChildren(root!);
  const initP = t(atom("proc_lib"), atom("init_p"), 5);
  assert.ok(equals(processInfo(root!, "initial_call"), initP));
  assert.ok(equals(processInfo(child!.pid!, "initial_call"), initP));
  await Application.stop("stats_app");
  assert.equal(Application.rootOf("stats_app"), undefined);
});
