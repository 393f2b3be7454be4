/**
 * Property: random crash schedules on virtual time against a two-level
 * supervision tree, checked after every step against a model of OTP's rules:
 * which supervisors are alive, which children each lists (ids, in order, and
 * whether running), that the listed pids are exactly the live processes
 * linked to the supervisor (no orphan, no ghost), and that the restarts in
 * each supervisor's window match the model's count under its intensity.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type ChildSpec,
  type Pid,
  Supervisor,
  _,
  atom,
  exit,
  isAlive,
  processInfo,
  receive,
  send,
  spawnLink,
  sys,
  t,
} from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";

const { rt, clock } = testRuntime();

type Restart = "permanent" | "transient" | "temporary";
type Strategy = "one_for_one" | "one_for_all" | "rest_for_one";
type Reason = "normal" | "shutdown" | "crash";
const STOP = atom("stop");

interface SupConf {
  strategy: Strategy;
  intensity: number;
  period: number;
  workers: Restart[];
}

// ---- the model ---------------------------------------------------------------

interface MChild {
  id: string;
  restart: Restart;
  running: boolean;
  sub?: MSup;
}
interface MSup {
  conf: SupConf;
  children: MChild[];
  restarts: number[];
  alive: boolean;
}

function freshSup(conf: SupConf, prefix: string, sub?: { at: number; conf: SupConf }): MSup {
  const children: MChild[] = conf.workers.map((restart, i) => ({ id: `${prefix}${i}`, restart, running: true }));
  if (sub !== undefined) children.splice(sub.at, 0, { id: "sub", restart: "permanent", running: true, sub: freshSup(sub.conf, "s") });
  return { conf, children, restarts: [], alive: true };
}

const inWindow = (s: MSup, now: number) => s.restarts.filter((x) => x > now - s.conf.period * 1000).length;

/** A child of `s` ended with `reason`; returns false if `s` gave up. */
function childEnded(s: MSup, c: MChild, reason: Reason | "killed", now: number): boolean {
  c.running = false;
  if (c.sub !== undefined) c.sub.alive = false;
  const quiet = reason === "normal" || reason === "shutdown";
  if (!(c.restart === "permanent" || (c.restart === "transient" && !quiet))) {
    if (c.restart === "temporary") s.children.splice(s.children.indexOf(c), 1);
    return true;
  }
  s.restarts.push(now);
  if (inWindow(s, now) > s.conf.intensity) {
    s.alive = false;
    for (const x of s.children) if (x.sub !== undefined) x.sub.alive = false;
    return false;
  }
  const start = (x: MChild) => {
    x.running = true;
    if (x.sub !== undefined) x.sub = freshSup(x.sub.conf, "s");
  };
  if (s.conf.strategy === "one_for_one") start(c);
  else {
    const from = s.conf.strategy === "one_for_all" ? 0 : s.children.indexOf(c);
    for (const x of s.children.slice(from)) {
      if (x !== c && x.restart === "temporary") s.children.splice(s.children.indexOf(x), 1);
      else start(x);
    }
  }
  return true;
}

// ---- the real tree -----------------------------------------------------------

const worker = (id: string, restart: Restart): ChildSpec => ({
  id,
  restart,
  start: () =>
    spawnLink(function* () {
      const [, reason] = yield* receive([STOP, _]);
      exit(reason);
    }),
});

function specs(conf: SupConf, prefix: string, sub?: { at: number; conf: SupConf }): ChildSpec[] {
  const list = conf.workers.map((r, i) => worker(`${prefix}${i}`, r));
  if (sub !== undefined) {
    const c = sub.conf;
    list.splice(sub.at, 0, {
      id: "sub",
      type: "supervisor",
      start: () => Supervisor.childStart(specs(c, "s"), { strategy: c.strategy, intensity: c.intensity, period: c.period }),
    });
  }
  return list;
}

/** Checks one supervisor against its model; returns the pids of its children by id. */
async function check(pid: Pid, m: MSup, parent?: Pid): Promise<Map<string, Pid | undefined>> {
  const which = await Supervisor.whichChildren(pid);
  assert.deepEqual(
    which.map((c) => [c.id, c.pid !== undefined]),
    m.children.map((c) => [c.id, c.running]),
  );
  const listed = which.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  assert.ok(listed.every((p) => isAlive(p)), "every listed child is alive");
  const linked = new Set((processInfo(pid, "links") ?? []).filter((p) => isAlive(p)));
  assert.deepEqual(linked, new Set(parent === undefined ? listed : [...listed, parent]), "the live linked processes are exactly its children (and its parent)");
  const state = (await sys.getState(pid)) as { restarts: number };
  assert.equal(state.restarts, inWindow(m, clock.now()), "restarts in the window");
  return new Map(which.map((c) => [c.id, c.pid]));
}

const restartArb = fc.constantFrom<Restart>("permanent", "transient", "temporary");
const confArb = (min: number, max: number) =>
  fc.record({
    strategy: fc.constantFrom<Strategy>("one_for_one", "one_for_all", "rest_for_one"),
    intensity: fc.integer({ min: 0, max: 4 }),
    period: fc.integer({ min: 1, max: 3 }),
    workers: fc.array(restartArb, { minLength: min, maxLength: max }),
  });
const stepArb = fc.record({
  gap: fc.integer({ min: 0, max: 2500 }),
  target: fc.nat(),
  what: fc.constantFrom<Reason | "kill_sub">("normal", "shutdown", "crash", "crash", "kill_sub"),
});

test("property: after every step of a random crash schedule, the tree matches the model of OTP's rules", async () => {
  await fc.assert(
    fc.asyncProperty(confArb(1, 3), confArb(1, 3), fc.nat(), fc.array(stepArb, { maxLength: 12 }), async (rootConf, subConf, subAt, steps) => {
      const sub = { at: subAt % (rootConf.workers.length + 1), conf: subConf };
      const model = freshSup(rootConf, "w", sub);
      const root = await Supervisor.start(specs(rootConf, "w", sub), { strategy: rootConf.strategy, intensity: rootConf.intensity, period: rootConf.period });
      const everyPid = new Set<Pid>([root]);
      for (const step of steps) {
        await rt.advance(step.gap);
        const now = clock.now();
        const rootPids = await check(root, model);
        const subChild = model.children.find((c) => c.id === "sub");
        const subPid = subChild?.running ? rootPids.get("sub") : undefined;
        const subPids = subPid !== undefined ? await check(subPid, subChild!.sub!, root) : new Map<string, Pid | undefined>();
        for (const p of [...rootPids.values(), ...subPids.values()]) if (p !== undefined) everyPid.add(p);
        if (step.what === "kill_sub") {
          if (subPid === undefined) continue;
          exit(subPid, atom("kill"));
          await rt.settle();
          childEnded(model, subChild!, "killed", now);
        } else {
          const targets = [
            ...model.children.filter((c) => c.running && c.sub === undefined).map((c) => ({ sup: model, c, pid: rootPids.get(c.id)! })),
            ...(subPid !== undefined ? subChild!.sub!.children.filter((c) => c.running).map((c) => ({ sup: subChild!.sub!, c, pid: subPids.get(c.id)! })) : []),
          ];
          if (targets.length === 0) continue;
          const { sup, c, pid } = targets[step.target % targets.length]!;
          send(pid, t(STOP, atom(step.what)));
          await rt.settle();
          if (!childEnded(sup, c, step.what, now) && sup !== model) {
            childEnded(model, subChild!, "shutdown", now); // the sub gave up: its exit is the root's business
          }
        }
        assert.equal(isAlive(root), model.alive, "the root gives up exactly when the model does");
        if (!model.alive) break;
      }
      if (model.alive) {
        await check(root, model);
        await Supervisor.stop(root, atom("shutdown"));
      }
      await rt.settle();
      assert.ok([...everyPid].every((p) => !isAlive(p)), "nothing of the tree outlives its root");
    }),
    { numRuns: 150 },
  );
});
