import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type Atom,
  type CallSpec,
  type ChildSpec,
  type From,
  type Pid,
  ChildSpecError,
  DynamicSupervisor,
  GenServer,
  Supervisor,
  _,
  atom,
  call,
  cast,
  equals,
  t,
  exit,
  isAlive,
  monitor,
  noreply,
  ok,
  processFlag,
  receive,
  spawnLink,
  reply,
  run,
  stop,
} from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";

const { rt, clock } = testRuntime();

const log: string[] = [];

/** A worker that logs its start and stop, crashes on `crash`, and can refuse to stop. */
class Worker extends GenServer<string, CallSpec<Atom<"id">, string>, Atom<"crash"> | Atom<"quit">, unknown, { id: string; stubborn?: boolean; fail?: boolean }> {
  init(a: { id: string; stubborn?: boolean; fail?: boolean }) {
    if (a.fail) return stop(atom("refused"), a.id);
    processFlag("trap_exit", true); // so that terminate runs when the supervisor stops it
    log.push(`start ${a.id}`);
    return ok(a.id);
  }
  override handleCall(_r: Atom<"id">, _f: From, id: string) {
    return reply(id, id);
  }
  override handleCast(r: Atom<"crash"> | Atom<"quit">, id: string) {
    if (r === atom("quit")) return stop(atom("shutdown"), id);
    throw new Error("crash on request");
  }
  override handleInfo(msg: unknown, id: string) {
    return noreply(id); // a stubborn worker ignores {'EXIT', Sup, shutdown}
  }
  override terminate(_reason: unknown, id: string) {
    log.push(`stop ${id}`);
  }
}

const worker = (id: string, extra: Partial<ChildSpec> & { stubborn?: boolean; fail?: boolean } = {}): ChildSpec => ({
  id,
  start: () => GenServer.startLink(new Worker(), { id, stubborn: extra.stubborn, fail: extra.fail }).result(),
  restart: extra.restart,
  shutdown: extra.shutdown,
});

async function pids(sup: Pid): Promise<(Pid | undefined)[]> {
  return (await Supervisor.whichChildren(sup)).map((c) => c.pid);
}

async function crash(pid: Pid | undefined): Promise<void> {
  cast(pid!, atom("crash"));
  await rt.settle();
}

test("children start in order and stop in reverse order", async () => {
  log.length = 0;
  const sup = await Supervisor.start([worker("a"), worker("b"), worker("c")]);
  assert.deepEqual(log, ["start a", "start b", "start c"]);
  log.length = 0;
  assert.equal(await Supervisor.stop(sup), atom("ok"));
  assert.deepEqual(log, ["stop c", "stop b", "stop a"]);
  await rt.settle();
  assert.ok(!isAlive(sup));
});

test("one_for_one restarts only the child that died", async () => {
  const sup = await Supervisor.start([worker("a"), worker("b"), worker("c")], { strategy: "one_for_one" });
  const [a, b, c] = await pids(sup);
  await crash(b);
  const [a2, b2, c2] = await pids(sup);
  assert.equal(a2, a);
  assert.equal(c2, c);
  assert.notEqual(b2, b);
  assert.ok(isAlive(b2!));
  assert.equal(await call(b2!, atom("id")), "b");
});

test("one_for_all restarts every child; rest_for_one those started after it", async () => {
  const all = await Supervisor.start([worker("a"), worker("b"), worker("c")], { strategy: "one_for_all" });
  const before = await pids(all);
  await crash(before[1]);
  const after = await pids(all);
  assert.ok(after.every((p, i) => p !== before[i] && isAlive(p!)));

  const rest = await Supervisor.start([worker("a"), worker("b"), worker("c")], { strategy: "rest_for_one" });
  const r1 = await pids(rest);
  await crash(r1[1]);
  const r2 = await pids(rest);
  assert.equal(r2[0], r1[0]);
  assert.notEqual(r2[1], r1[1]);
  assert.notEqual(r2[2], r1[2]);
});

test("restart intensity: more restarts than allowed within the period stops the supervisor with shutdown", async () => {
  const sup = await Supervisor.start([worker("a")], { intensity: 2, period: 5 });
  const down = run(function* () {
    const ref = monitor(sup);
    const [, , , , reason] = yield* receive([atom("DOWN"), ref, _, _, _]);
    return reason;
  });
  for (let i = 0; i < 2; i++) {
    const [p] = await pids(sup);
    await crash(p);
  }
  assert.ok(isAlive(sup), "two restarts in 5 s are allowed");
  await crash((await pids(sup))[0]);
  assert.equal(await down, atom("shutdown"));
});

test("restarts spread beyond the period are not counted together (virtual time)", async () => {
  const sup = await Supervisor.start([worker("a")], { intensity: 1, period: 5 });
  for (let i = 0; i < 5; i++) {
    await crash((await pids(sup))[0]);
    await rt.advance(6000);
  }
  assert.ok(isAlive(sup));
});

test("a child that ignores shutdown is killed after its shutdown timeout", async () => {
  log.length = 0;
  const stubborn: ChildSpec = {
    id: "stubborn",
    shutdown: 2000,
    start: () =>
      spawnLink(function* () {
        processFlag("trap_exit", true);
        log.push("start stubborn");
        for (;;) yield* receive(_); // {'EXIT', Sup, shutdown} is just a message to it
      }),
  };
  const sup = await Supervisor.start([stubborn]);
  const [p] = await pids(sup);
  const done = Supervisor.terminateChild(sup, "stubborn");
  await rt.advance(1999);
  assert.ok(isAlive(p!), "still within its shutdown time");
  await rt.advance(2);
  assert.equal(await done, atom("ok"));
  assert.ok(!isAlive(p!));
  assert.deepEqual(log, ["start stubborn"]);
});

test("transient children are restarted only after abnormal exits; temporary never", async () => {
  const sup = await Supervisor.start([worker("t", { restart: "transient" }), worker("tmp", { restart: "temporary" })]);
  const [t1, tmp] = await pids(sup);
  await run(function* () {
    exit(t1!, atom("normal")); // not trapping: a normal exit signal is ignored...
  });
  await crash(t1);
  const [t2] = await pids(sup);
  assert.notEqual(t2, t1, "abnormal exit: restarted");
  cast(t2!, atom("quit")); // stops itself with reason shutdown
  await rt.settle();
  assert.equal((await Supervisor.whichChildren(sup))[0]!.pid, undefined, "shutdown: not restarted");
  await crash(tmp);
  assert.deepEqual((await Supervisor.whichChildren(sup)).map((c) => c.id), ["t"], "temporary: removed");
});

test("a child that fails to start fails the supervisor's start, stopping the ones already started", async () => {
  log.length = 0;
  await assert.rejects(Promise.resolve(Supervisor.start([worker("a"), worker("bad", { fail: true })])), (e: { reason?: unknown }) =>
    /failed_to_start_child,<<"bad"\/utf8>>,refused/.test(String((e as Error).message)),
  );
  assert.deepEqual(log, ["start a", "stop a"]);
});

test("invalid child specs are refused at start, naming the field", () => {
  assert.throws(() => Supervisor.start([{ id: "", start: () => [] as never }]), (e) => e instanceof ChildSpecError && /'id'/.test(e.message));
  assert.throws(() => Supervisor.start([{ id: "x", start: 5 as never }]), /'start'/);
  assert.throws(() => Supervisor.start([{ id: "x", start: () => [] as never, restart: "sometimes" as never }]), /'restart'/);
  assert.throws(() => Supervisor.start([{ id: "x", start: () => [] as never, shutdown: -1 }]), /'shutdown'/);
  assert.throws(() => Supervisor.start([worker("d"), worker("d")]), /used twice/);
  assert.throws(() => Supervisor.start([{ id: "x", start: () => [] as never, type: "daemon" as never }]), /'type'/);
  assert.throws(() => Supervisor.start([], { strategy: "one_for_some" as never }), /'strategy'/);
  assert.throws(() => Supervisor.start([], { intensity: -1 }), /'intensity'/);
  assert.throws(() => Supervisor.start([], { period: 0 }), /'period'/);
});

test("which_children and count_children requests (what supervisor:which_children sends) get Erlang's shapes", async () => {
  const inner = { id: "inner", type: "supervisor" as const, start: () => Supervisor.childStart([]) };
  const sup = await Supervisor.start([worker("a"), inner, worker("b")]);
  await Supervisor.terminateChild(sup, "b");
  const which = (await call(sup, atom("which_children") as never)) as unknown[];
  assert.equal(which.length, 3);
  const [wa, wi, wb] = which as unknown[][];
  assert.ok(wa instanceof Array && wa.length === 4);
  assert.equal(wa[0], "a");
  assert.equal(typeof (wa[1] as Pid).id, "number", "Child: the pid");
  assert.deepEqual([wa[2], wa[3]], [atom("worker"), atom("dynamic")]);
  assert.deepEqual([wi![2], wb![1], wb![2]], [atom("supervisor"), atom("undefined"), atom("worker")], "a stopped child is undefined");
  const counts = await call(sup, atom("count_children") as never);
  assert.ok(equals(counts, [t(atom("specs"), 3), t(atom("active"), 2), t(atom("supervisors"), 1), t(atom("workers"), 2)]));
  // The JS API reads them back into its own shapes.
  assert.deepEqual((await Supervisor.whichChildren(sup)).map((c) => [c.id, c.pid === undefined, c.type]), [
    ["a", false, "worker"],
    ["inner", false, "supervisor"],
    ["b", true, "worker"],
  ]);
  assert.deepEqual(await Supervisor.countChildren(sup), { specs: 3, active: 2, supervisors: 1, workers: 2 });
});

test("which/count/terminate/restart/delete/start child", async () => {
  const sup = await Supervisor.start([worker("a")]);
  assert.deepEqual(await Supervisor.countChildren(sup), { specs: 1, active: 1, supervisors: 0, workers: 1 });
  assert.equal(await Supervisor.terminateChild(sup, "a"), atom("ok"));
  assert.equal((await Supervisor.whichChildren(sup))[0]!.pid, undefined);
  const r = (await Supervisor.restartChild(sup, "a")) as unknown[];
  assert.equal(r[0], atom("ok"));
  assert.equal(await call(r[1] as Pid, atom("id")), "a");
  assert.ok(equals(await Supervisor.deleteChild(sup, "a"), t(atom("error"), atom("running"))));
  await Supervisor.terminateChild(sup, "a");
  assert.equal(await Supervisor.deleteChild(sup, "a"), atom("ok"));
  const s = (await Supervisor.startChild(sup, worker("b"))) as unknown[];
  assert.equal(s[0], atom("ok"));
  assert.deepEqual((await Supervisor.whichChildren(sup)).map((c) => c.id), ["b"]);
});

test("property: after any crash schedule, which_children lists exactly the live children", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("one_for_one", "one_for_all", "rest_for_one"),
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 }),
      async (strategy, crashes) => {
        const sup = await Supervisor.start([worker("a"), worker("b"), worker("c"), worker("d")], { strategy, intensity: 100, period: 1 });
        for (const i of crashes) await crash((await pids(sup))[i]);
        const now = await pids(sup);
        assert.equal(new Set(now).size, 4);
        assert.ok(now.every((p) => p !== undefined && isAlive(p)));
        const live = rt.processes().filter((p) => now.includes(p));
        assert.equal(live.length, 4);
        await Supervisor.stop(sup, atom("shutdown"));
        await rt.settle();
        assert.ok(now.every((p) => !isAlive(p!)), "children stop with their supervisor");
      },
    ),
    { numRuns: 40 },
  );
});

test("DynamicSupervisor: children on demand, max_children, terminate by pid, restarts", async () => {
  const sup = await DynamicSupervisor.start({ maxChildren: 2 });
  const a = (await DynamicSupervisor.startChild(sup, { start: worker("x").start })) as unknown[];
  const b = (await DynamicSupervisor.startChild(sup, { start: worker("y").start })) as unknown[];
  assert.equal(a[0], atom("ok"));
  assert.equal(b[0], atom("ok"));
  const c = await DynamicSupervisor.startChild(sup, { start: worker("z").start });
  assert.ok(equals(c, t(atom("error"), atom("max_children"))));
  await crash(a[1] as Pid);
  const live = (await DynamicSupervisor.whichChildren(sup)).map((x) => x.pid!);
  assert.equal(live.length, 2);
  assert.ok(!live.includes(a[1] as Pid) && live.every((p) => isAlive(p)), "the crashed child was restarted");
  assert.equal(await DynamicSupervisor.terminateChild(sup, b[1] as Pid), atom("ok"));
  assert.ok(!isAlive(b[1] as Pid));
  assert.ok(equals(await DynamicSupervisor.terminateChild(sup, b[1] as Pid), t(atom("error"), atom("not_found"))));
  assert.deepEqual(await DynamicSupervisor.countChildren(sup), { specs: 1, active: 1, supervisors: 0, workers: 1 });
});

test("property: restart intensity on virtual time — the supervisor gives up exactly when a window of `period` holds more than `intensity` restarts", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }),
      async (intensity, period, gaps) => {
        const sup = await Supervisor.start([worker("w")], { intensity, period });
        const times: number[] = [];
        let expectAlive = true;
        for (const gap of gaps) {
          await rt.advance(gap);
          const now = clock.now();
          times.push(now);
          const inWindow = times.filter((x) => x > now - period * 1000).length;
          await crash((await pids(sup))[0]);
          if (inWindow > intensity) {
            expectAlive = false;
            break;
          }
        }
        assert.equal(isAlive(sup), expectAlive);
        if (isAlive(sup)) await Supervisor.stop(sup);
      },
    ),
    { numRuns: 40 },
  );
});
