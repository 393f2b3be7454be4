/** Supervisor details from OTP's `supervisor` docs: start failures, reports, sys, parents, nested trees. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type ChildSpec,
  type LogEvent,
  type Pid,
  GenServer,
  Supervisor,
  _,
  atom,
  equals,
  exit,
  isAlive,
  isPid,
  monitor,
  processFlag,
  receive,
  run,
  send,
  spawn,
  spawnLink,
  sys,
  t,
  whereis,
} from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";

const logs: LogEvent[] = [];
const { rt } = testRuntime({ logger: (e) => logs.push(e) });

const STOP = atom("stop");
const order: string[] = [];

/** A worker process: records its start, exits with whatever reason it is sent as `{stop, Reason}`. */
const worker = (id: string, extra: Partial<ChildSpec> = {}): ChildSpec => ({
  id,
  start: () =>
    spawnLink(function* () {
      order.push(`start ${id}`);
      const [, reason] = yield* receive([STOP, _]);
      exit(reason);
    }),
  ...extra,
});

async function pids(sup: Pid): Promise<(Pid | undefined)[]> {
  return (await Supervisor.whichChildren(sup)).map((c) => c.pid);
}

async function stopChild(pid: Pid | undefined, reason: unknown): Promise<void> {
  send(pid!, t(STOP, reason));
  await rt.settle();
}

const reports = (ctx: string) => logs.filter((e) => e.what === "supervisor_report" && e.errorContext === ctx);

test("a start function that throws fails the supervisor's start with {shutdown, {failed_to_start_child, Id, Error}}", async () => {
  await rt.settle();
  const before = rt.processes().length;
  const boom = new Error("no database");
  const bad: ChildSpec = {
    id: "db",
    start: () => {
      throw boom;
    },
  };
  await assert.rejects(Promise.resolve(Supervisor.start([worker("a"), bad])), (e: { reason?: unknown }) =>
    equals(e.reason, t(atom("shutdown"), t(atom("failed_to_start_child"), "db", boom))),
  );
  await rt.settle();
  assert.equal(rt.processes().length, before, "the started child and the supervisor are gone");
  assert.equal(reports("start_error").at(-1)?.childId, "db");
});

test("a start function returning something else is {error, What}; startChild reports it and keeps nothing", async () => {
  const sup = await Supervisor.start([]);
  const r = await Supervisor.startChild(sup, { id: "odd", start: () => atom("what") as never });
  assert.ok(equals(r, t(atom("error"), atom("what"))));
  assert.deepEqual(await Supervisor.whichChildren(sup), []);
  await Supervisor.stop(sup);
});

test("one_for_all restarts every other child, also one terminated by hand, but forgets temporary siblings", async () => {
  const sup = await Supervisor.start([worker("a"), worker("tmp", { restart: "temporary" }), worker("off"), worker("c")], { strategy: "one_for_all" });
  assert.equal(await Supervisor.terminateChild(sup, "off"), atom("ok"));
  const [a] = await pids(sup);
  await stopChild(a, atom("crash"));
  const after = await Supervisor.whichChildren(sup);
  assert.deepEqual(
    after.map((c) => c.id),
    ["a", "off", "c"],
  );
  assert.ok(after.every((c) => c.pid !== undefined && isAlive(c.pid)));
  await Supervisor.stop(sup);
});

test("rest_for_one restarts the children after the one that died, in start order", async () => {
  const sup = await Supervisor.start([worker("a"), worker("b"), worker("c")], { strategy: "rest_for_one" });
  order.length = 0;
  await stopChild((await pids(sup))[1], atom("crash"));
  assert.deepEqual(order, ["start b", "start c"]);
  await Supervisor.stop(sup);
});

test("startChild: {error, {already_started, Pid}} for a running id, {error, already_present} for a stopped one", async () => {
  const sup = await Supervisor.start([worker("a")]);
  const [a] = await pids(sup);
  assert.ok(equals(await Supervisor.startChild(sup, worker("a")), t(atom("error"), t(atom("already_started"), a))));
  await Supervisor.terminateChild(sup, "a");
  assert.ok(equals(await Supervisor.startChild(sup, worker("a")), t(atom("error"), atom("already_present"))));
  assert.ok(equals(await Supervisor.restartChild(sup, "nope"), t(atom("error"), atom("not_found"))));
  const bad = await Supervisor.startChild(sup, { id: "x", start: () => [] as never, restart: "never" as never });
  assert.match(String((bad as unknown[])[1]), /'restart'/);
  await Supervisor.stop(sup);
});

test("a name already taken: {error, {already_started, Pid}}", async () => {
  const sup = await Supervisor.start([], { name: "the_sup" });
  assert.equal(whereis("the_sup"), sup);
  const r = await Supervisor.childStart([], { name: "the_sup" });
  assert.ok(equals(r, t(atom("error"), t(atom("already_started"), sup))));
  await Supervisor.stop("the_sup");
  assert.equal(whereis("the_sup"), undefined);
});

test("ignore: a permanent child's spec is kept without a pid; a temporary one is not kept", async () => {
  const ig: ChildSpec = {
    id: "ig",
    start: function* () {
      return atom("ignore");
    } as never,
  };
  const sup = await Supervisor.start([ig, { ...ig, id: "igt", restart: "temporary" }]);
  assert.deepEqual(await Supervisor.whichChildren(sup), [{ id: "ig", pid: undefined, type: "worker" }]);
  assert.deepEqual(await Supervisor.countChildren(sup), { specs: 1, active: 0, supervisors: 0, workers: 1 });
  await Supervisor.stop(sup);
});

test("supervisor reports: child_terminated for a crash and for any exit of a permanent child; none for a transient child's normal exit", async () => {
  const sup = await Supervisor.start([worker("p"), worker("tr", { restart: "transient" })]);
  logs.length = 0;
  const [p, tr] = await pids(sup);
  await stopChild(tr, atom("normal"));
  assert.equal(reports("child_terminated").length, 0);
  await stopChild(p, atom("shutdown"));
  assert.equal(reports("child_terminated").length, 1, "a permanent child's shutdown is reported, as in OTP");
  await stopChild((await pids(sup))[0], atom("boom"));
  const r = reports("child_terminated");
  assert.equal(r.length, 2);
  assert.equal(r[1]!.level, "error");
  assert.equal(r[1]!.reason, atom("boom"));
  assert.equal(r[1]!.childId, "p");
  await Supervisor.stop(sup);
});

test("reached_max_restart_intensity is reported, children stop in reverse order, the supervisor exits with shutdown", async () => {
  const sup = await Supervisor.start([worker("a"), worker("b")], { intensity: 0 });
  logs.length = 0;
  const [a, b] = await pids(sup);
  const down = run(function* () {
    const ref = monitor(sup);
    const [, , , , reason] = yield* receive([atom("DOWN"), ref, _, _, _]);
    return reason;
  });
  await stopChild(b, atom("crash"));
  assert.equal(await down, atom("shutdown"));
  assert.ok(!isAlive(a!));
  assert.equal(reports("reached_max_restart_intensity").length, 1);
});

test("shutdown: brutal_kill kills at once; a timeout that runs out kills and reports a shutdown_error", async () => {
  const trapping = (id: string, shutdown: ChildSpec["shutdown"]): ChildSpec => ({
    id,
    shutdown,
    start: () =>
      spawnLink(function* () {
        processFlag("trap_exit", true);
        for (;;) yield* receive(_);
      }),
  });
  const sup = await Supervisor.start([trapping("bk", "brutal_kill"), trapping("slow", 100)]);
  const [bk, slow] = await pids(sup);
  logs.length = 0;
  assert.equal(await Supervisor.terminateChild(sup, "bk"), atom("ok"));
  assert.ok(!isAlive(bk!));
  assert.equal(reports("shutdown_error").length, 0);
  const done = Supervisor.terminateChild(sup, "slow");
  await rt.advance(99);
  assert.ok(isAlive(slow!));
  await rt.advance(1);
  assert.equal(await done, atom("ok"));
  assert.equal(reports("shutdown_error")[0]?.reason, atom("killed"));
  await Supervisor.stop(sup);
});

test("answers sys like a GenServer: get_state, suspend/resume (calls wait), GenServer.stop stops the children", async () => {
  const sup = await Supervisor.start([worker("a")], { strategy: "rest_for_one", intensity: 7 });
  const st = (await sys.getState(sup)) as { strategy: string; intensity: number; children: { id: string }[] };
  assert.equal(st.strategy, "rest_for_one");
  assert.equal(st.intensity, 7);
  assert.deepEqual(
    st.children.map((c) => c.id),
    ["a"],
  );
  await sys.suspend(sup);
  let answered = false;
  const counting = Promise.resolve(Supervisor.countChildren(sup)).then((c) => ((answered = true), c));
  await rt.settle();
  assert.equal(answered, false, "suspended: the call waits");
  await sys.resume(sup);
  assert.equal((await counting).active, 1);
  const [a] = await pids(sup);
  assert.equal(await GenServer.stop(sup), atom("ok"));
  await rt.settle();
  assert.ok(!isAlive(sup) && !isAlive(a!));
});

test("when its parent exits, a supervisor stops its children and exits with the same reason", async () => {
  let sup!: Pid;
  let child!: Pid;
  const parent = spawn(function* () {
    sup = yield* Supervisor.startLink([worker("a")]);
    child = (yield* Supervisor.whichChildren(sup))[0]!.pid!;
    yield* receive(_);
  });
  await rt.settle();
  assert.ok(isAlive(sup) && isAlive(child));
  const down = run(function* () {
    const ref = monitor(sup);
    exit(parent, atom("bye"));
    const [, , , , reason] = yield* receive([atom("DOWN"), ref, _, _, _]);
    return reason;
  });
  assert.equal(await down, atom("bye"));
  assert.ok(!isAlive(child));
});

test("a supervision tree: a child supervisor restarted by its parent when it gives up", async () => {
  const sub = (): ChildSpec => ({ id: "sub", type: "supervisor", start: () => Supervisor.childStart([worker("leaf")], { intensity: 0 }) });
  const root = await Supervisor.start([sub(), worker("w")]);
  const [sub1, w] = await pids(root);
  assert.equal((await Supervisor.whichChildren(root))[0]!.type, "supervisor");
  const [leaf] = await pids(sub1!);
  await stopChild(leaf, atom("crash")); // sub gives up (intensity 0) and exits with shutdown; root restarts it
  const [sub2, w2] = await pids(root);
  assert.ok(!isAlive(sub1!) && isAlive(sub2!));
  assert.notEqual(sub2, sub1);
  assert.equal(w2, w);
  const [leaf2] = await pids(sub2!);
  assert.ok(isPid(leaf2) && isAlive(leaf2));
  await Supervisor.stop(root);
  assert.ok(!isAlive(sub2!) && !isAlive(leaf2));
});
