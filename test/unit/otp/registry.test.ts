import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Atom, type CallSpec, type From, GenServer, StartError, call, ok, reply, type Pid, Registry, atom, equals, exit, run, send, spawn, t } from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";

const { rt } = testRuntime();

/** A process that runs each function it is sent, in its own context. */
function agentProcess(): Pid {
  return spawn({ handle: (f: () => void) => f() });
}

async function inside(pid: Pid, f: () => void): Promise<void> {
  send(pid, f);
  await rt.settle();
}

test("unique keys: one owner per key, lookup, keys, unregister, removal on death", async () => {
  await Registry.start({ keys: "unique", name: "reg_unique" });
  const a = agentProcess();
  const b = agentProcess();
  let second: unknown;
  await inside(a, () => Registry.register("reg_unique", t(atom("room"), 1), "a's value"));
  await inside(b, () => (second = Registry.register("reg_unique", t(atom("room"), 1), "b's value")));
  assert.ok(equals(second, t(atom("error"), t(atom("already_registered"), a))));
  assert.deepEqual(Registry.lookup("reg_unique", t(atom("room"), 1)), [[a, "a's value"]]);
  assert.ok(equals(Registry.keys("reg_unique", a), [t(atom("room"), 1)]));
  await inside(a, () => Registry.unregister("reg_unique", t(atom("room"), 1)));
  assert.deepEqual(Registry.lookup("reg_unique", t(atom("room"), 1)), []);
  await inside(b, () => Registry.register("reg_unique", "k", 1));
  await run(function* () {
    exit(b, atom("kill"));
  });
  assert.deepEqual(Registry.lookup("reg_unique", "k"), [], "entries go with the process");
  assert.equal(Registry.count("reg_unique"), 0);
});

test("duplicate keys and dispatch", async () => {
  await Registry.start({ keys: "duplicate", name: "reg_dup" });
  const subs = [agentProcess(), agentProcess(), agentProcess()];
  for (const [i, p] of subs.entries()) await inside(p, () => Registry.register("reg_dup", "topic", i));
  const seen: unknown[] = [];
  Registry.dispatch("reg_dup", "topic", (entries) => entries.forEach(([, v]) => seen.push(v)));
  assert.deepEqual(seen.sort(), [0, 1, 2]);
  assert.throws(() => Registry.register("reg_dup", "x"), /inside a process/);
});

test("property: after any sequence of register / unregister / death, lookups match a model", async () => {
  await Registry.start({ keys: "unique", name: "reg_prop" });
  const cmd = fc.record({ proc: fc.integer({ min: 0, max: 2 }), op: fc.constantFrom("reg", "unreg", "die"), key: fc.integer({ min: 0, max: 3 }) });
  await fc.assert(
    fc.asyncProperty(fc.array(cmd, { maxLength: 25 }), async (cmds) => {
      const procs = [agentProcess(), agentProcess(), agentProcess()];
      const model = new Map<number, number>(); // key -> proc index
      const dead = new Set<number>();
      for (const c of cmds) {
        if (dead.has(c.proc)) continue;
        if (c.op === "die") {
          await run(function* () {
            exit(procs[c.proc]!, atom("kill"));
          });
          dead.add(c.proc);
          for (const [k, p] of [...model]) if (p === c.proc) model.delete(k);
        } else if (c.op === "reg") {
          await inside(procs[c.proc]!, () => Registry.register("reg_prop", c.key, c.proc));
          if (!model.has(c.key)) model.set(c.key, c.proc);
        } else {
          await inside(procs[c.proc]!, () => Registry.unregister("reg_prop", c.key));
          if (model.get(c.key) === c.proc) model.delete(c.key);
        }
        for (let k = 0; k <= 3; k++) {
          const found = Registry.lookup("reg_prop", k);
          const owner = model.get(k);
          assert.deepEqual(found, owner === undefined ? [] : [[procs[owner], owner]]);
        }
      }
      for (let i = 0; i < 3; i++) if (!dead.has(i)) await run(function* () {
        exit(procs[i]!, atom("kill"));
      });
      assert.equal(Registry.count("reg_prop"), 0);
    }),
    { numRuns: 60 },
  );
});

test("via-names: a GenServer registered in a registry, called through it; a taken name is already_started", async () => {
  await Registry.start({ keys: "unique", name: "reg_via" });
  class Named extends GenServer<string, CallSpec<Atom<"who">, string>, unknown, unknown, string> {
    init(me: string) {
      return ok(me);
    }
    override handleCall(_r: Atom<"who">, _f: From, s: string) {
      return reply(s, s);
    }
  }
  const name = Registry.via("reg_via", t(atom("user"), 7));
  const pid = await GenServer.start(new Named(), "first", { name });
  assert.equal(await call(name, atom("who")), "first");
  await assert.rejects(Promise.resolve(GenServer.start(new Named(), "second", { name })), (e) =>
    e instanceof StartError && equals(e.reason, t(atom("already_started"), pid)),
  );
  await run(function* () {
    exit(pid, atom("kill"));
  });
  await assert.rejects(Promise.resolve(call(name, atom("who"))), /noproc/);
});
