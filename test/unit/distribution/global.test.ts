/**
 * `global` between Agner nodes on the in-memory network: one name table on
 * every node, atomic registration, names removed with their process or
 * node, locks, the resolve methods when a partition heals, robustness to
 * malformed messages, and a property test of the tables against a model
 * under random registrations, deaths and partitions.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type Atom, atom } from "../../../src/term/atom.js";
import type { Pid } from "../../../src/term/identifiers.js";
import { equals } from "../../../src/term/equals.js";
import { t } from "../../../src/term/tuple.js";
import { _, on, receive } from "../../../src/runtime/index.js";
import { exit, self, send } from "../../../src/runtime/erlang.js";
import { DEAD, type Proc } from "../../../src/runtime/process.js";
import { connect, nodes as nodes_ } from "../../../src/distribution/node.js";
import { global } from "../../../src/distribution/global.js";
import { type TestNode, cluster, runOn, shutdown, wait } from "./helpers.js";

async function until(f: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(20);
  }
}

function sleeper(n: TestNode): Proc {
  return n.rt.spawn(function* () {
    yield* receive(on(atom("stop"), () => undefined));
  }) as Proc;
}

function whereis(n: TestNode, name: unknown): Promise<Pid | undefined> {
  return runOn(n.rt, () => global.whereisName(name));
}

function register(n: TestNode, name: unknown, pid: Pid, resolve?: Parameters<typeof global.registerName>[2]): Promise<Atom> {
  return runOn(n.rt, function* () {
    return yield* global.registerName(name, pid, resolve);
  });
}

/** Connects every pair and waits until each node has synced with all the others. */
async function mesh(nodes: TestNode[]): Promise<void> {
  for (const a of nodes) for (const b of nodes) if (a !== b) assert.equal(await runOn(a.rt, () => connect(b.name)), true);
  for (const n of nodes)
    await runOn(n.rt, function* () {
      return yield* global.sync();
    });
}

describe("global between Agner nodes", () => {
  test("a name registered on one node is seen on every node; its death or its node's loss removes it", async () => {
    const { net, nodes } = await cluster(["a", "b", "c"], { hidden: false });
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    try {
      await mesh(nodes);
      const p = sleeper(a);
      assert.equal(await register(a, "svc", p), atom("yes"));
      for (const n of nodes) assert.ok(equals(await whereis(n, "svc"), p), `seen on ${n.name.name}`);
      assert.equal(await register(b, "svc", sleeper(b)), atom("no"));
      assert.equal(await register(c, "other", p), atom("no"), "a pid has one name");
      exit(p, atom("kill"));
      for (const n of nodes) await until(async () => (await whereis(n, "svc")) === undefined, `svc gone on ${n.name.name}`);
      // A node that goes away takes its names with it.
      const q = sleeper(c);
      assert.equal(await register(c, t(atom("tuple"), "name"), q), atom("yes"));
      await until(async () => equals(await whereis(a, t(atom("tuple"), "name")), q), "the tuple name on a");
      net.kill(c.name);
      for (const n of [a, b]) await until(async () => (await whereis(n, t(atom("tuple"), "name"))) === undefined, `c's name gone on ${n.name.name}`);
    } finally {
      await shutdown(nodes);
    }
  });

  test("three nodes racing for one name: exactly one registration wins, and every table agrees", async () => {
    const { nodes } = await cluster(["a", "b", "c"], { hidden: false });
    try {
      await mesh(nodes);
      for (let round = 0; round < 5; round++) {
        const name = `race${round}`;
        const results = await Promise.all(nodes.map((n) => register(n, name, sleeper(n))));
        assert.equal(results.filter((r) => r === atom("yes")).length, 1, `round ${round}: ${results.map(String)}`);
        const seen = await Promise.all(nodes.map((n) => whereis(n, name)));
        assert.ok(seen.every((p) => p !== undefined && equals(p, seen[0])));
      }
    } finally {
      await shutdown(nodes);
    }
  });

  test("locks: a lock held on one node keeps a process of another node waiting until it is released; trans with no retries aborts", async () => {
    const { nodes } = await cluster(["a", "b"], { hidden: false });
    const [a, b] = nodes as [TestNode, TestNode];
    try {
      await mesh(nodes);
      const events: string[] = [];
      let holder: Pid | undefined;
      const first = runOn(a.rt, function* () {
        holder = self();
        return yield* global.trans([atom("res"), self()], function* () {
          events.push("a in");
          yield* receive(on(atom("release"), () => undefined));
          events.push("a out");
          return atom("a_done");
        });
      });
      await until(() => events.length === 1, "a holds the lock");
      assert.equal(
        await runOn(b.rt, function* () {
          return yield* global.trans([atom("res"), self()], () => atom("never"), undefined, 0);
        }),
        atom("aborted"),
      );
      const second = runOn(b.rt, function* () {
        return yield* global.trans([atom("res"), self()], () => {
          events.push("b in");
          return atom("b_done");
        });
      });
      await wait(300);
      assert.deepEqual(events, ["a in"], "b waits");
      send(holder!, atom("release"));
      assert.equal(await first, atom("a_done"));
      assert.equal(await second, atom("b_done"));
      assert.deepEqual(events, ["a in", "a out", "b in"]);
      // A lock goes with its holder.
      const dies = runOn(a.rt, function* () {
        yield* global.setLock([atom("res2"), atom("me")]);
        exit(atom("gone"));
      });
      await dies.catch(() => undefined);
      assert.equal(
        await runOn(b.rt, function* () {
          return yield* global.setLock([atom("res2"), self()], undefined, 20);
        }),
        true,
      );
    } finally {
      await shutdown(nodes);
    }
  });

  test("resolve methods when a partition heals: random_exit_name, random_notify_name, notify_all_name and a function", async () => {
    const { net, nodes } = await cluster(["a", "b"], { hidden: false });
    const [a, b] = nodes as [TestNode, TestNode]; // a's name sorts first
    try {
      await mesh(nodes);
      net.partition([a.name]);
      await until(async () => (await runOn(a.rt, () => nodes_().length)) === 0, "the partition");
      const inbox = (n: TestNode) =>
        n.rt.spawn(function* () {
          const got: unknown[] = [];
          for (;;) {
            const m = yield* receive(on(_, (x) => x));
            if (Array.isArray(m) && m[0] === atom("report")) send(m[1] as Pid, got);
            else got.push(m);
          }
        }) as Proc;
      const pa = { exit: inbox(a), notify: inbox(a), all: inbox(a), fn: inbox(a) };
      const pb = { exit: inbox(b), notify: inbox(b), all: inbox(b), fn: inbox(b) };
      let calledWith: unknown[] = [];
      const keepB = (name: unknown, p1: Pid, p2: Pid) => {
        calledWith = [name, p1, p2];
        return p1.node === b.name ? p1 : p2;
      };
      for (const [n, p] of [
        [a, pa],
        [b, pb],
      ] as const) {
        assert.equal(await register(n, "exit", p.exit), atom("yes"));
        assert.equal(await register(n, "notify", p.notify, "random_notify_name"), atom("yes"));
        assert.equal(await register(n, "all", p.all, "notify_all_name"), atom("yes"));
        assert.equal(await register(n, "fn", p.fn, keepB), atom("yes"));
      }
      net.heal();
      await runOn(a.rt, () => connect(b.name));
      for (const n of nodes)
        await runOn(n.rt, function* () {
          return yield* global.sync();
        });
      for (const n of nodes) {
        assert.ok(equals(await whereis(n, "exit"), pa.exit), "random_exit_name keeps the lower node's");
        assert.ok(equals(await whereis(n, "notify"), pa.notify));
        assert.equal(await whereis(n, "all"), undefined, "notify_all_name drops the name");
        assert.ok(equals(await whereis(n, "fn"), pb.fn), "the function chose b's");
      }
      await until(() => (pb.exit.flags & DEAD) !== 0, "b's process killed");
      assert.equal(calledWith.length, 3, "the function ran on the resolving node");
      const report = (p: Proc) =>
        runOn(p.rt, function* () {
          send(p, t(atom("report"), self()));
          return yield* receive(on(_, (x) => x as unknown[]));
        });
      assert.ok(equals(await report(pb.notify), [t(atom("global_name_conflict"), "notify")]));
      assert.ok(equals(await report(pa.all), [t(atom("global_name_conflict"), "all", pb.all)]));
      assert.ok(equals(await report(pb.all), [t(atom("global_name_conflict"), "all", pa.all)]));
      assert.ok(a.logs.some((l) => l.what === "global_name_conflict"));
    } finally {
      await shutdown(nodes);
    }
  });

  test("a malformed message to global_name_server is logged and dropped; the server keeps serving", async () => {
    const { nodes } = await cluster(["a", "b"], { hidden: false });
    const [a, b] = nodes as [TestNode, TestNode];
    try {
      await mesh(nodes);
      const gns = a.rt.whereis(atom("global_name_server"));
      await runOn(b.rt, () => {
        const to = t(atom("global_name_server"), a.name);
        send(to, t(atom("$gen_cast"), t(atom("init_connect"), "not a version", 42, [])));
        send(to, t(atom("$gen_cast"), t(atom("exchange"), b.name, "not a list", [], 1)));
        send(to, t(atom("$gen_cast"), t(atom("new_nodes"), b.name, [t(atom("insert"), "junk")], [], [42, t(1, 2)], "x")));
        send(to, t(atom("$gen_call"), t(self(), atom("tag")), t(atom("set_lock"), "not a lock id")));
        send(to, t(atom("lost_connection"), 1, 2, 3, 4));
        send(to, atom("garbage"));
      });
      await wait(200);
      assert.equal(a.rt.whereis(atom("global_name_server")), gns, "not restarted");
      assert.ok(a.logs.some((l) => l.what === "global_unexpected_message"));
      assert.equal(await register(b, "still_works", sleeper(b)), atom("yes"));
      assert.ok((await whereis(a, "still_works")) !== undefined);
    } finally {
      await shutdown(nodes);
    }
  });
});

type Cmd = { op: "reg"; node: number; name: string } | { op: "unreg"; node: number; name: string } | { op: "kill"; name: string } | { op: "split"; node: number } | { op: "heal" };

const NAMES = ["n0", "n1", "n2"];
const opArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("reg" as const), node: fc.integer({ min: 0, max: 2 }), name: fc.constantFrom(...NAMES) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("unreg" as const), node: fc.integer({ min: 0, max: 2 }), name: fc.constantFrom(...NAMES) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("kill" as const), name: fc.constantFrom(...NAMES) }), weight: 1 },
);
/** Rounds of: some operations, a partition, operations on both sides (clashes are likely), the heal. */
const cmdsArb: fc.Arbitrary<Cmd[]> = fc
  .array(
    fc.tuple(fc.array(opArb, { maxLength: 3 }), fc.integer({ min: 0, max: 2 }), fc.array(opArb, { minLength: 1, maxLength: 4 })),
    { minLength: 1, maxLength: 2 },
  )
  .map((rounds) => rounds.flatMap(([pre, lone, during]) => [...pre, { op: "split" as const, node: lone }, ...during, { op: "heal" as const }]));

/**
 * The model: the table each node should hold. A partition leaves each side
 * with the names of its own processes; healing merges the sides, a clash
 * going to the process on the lower-named node (random_exit_name), the
 * other process killed.
 */
class Model {
  tables: Map<string, Pid>[] = [new Map(), new Map(), new Map()];
  side: number | null = null; // the isolated node, if any

  group(i: number): number[] {
    if (this.side === null) return [0, 1, 2];
    return i === this.side ? [i] : [0, 1, 2].filter((j) => j !== this.side);
  }

  set(i: number, f: (m: Map<string, Pid>) => void): void {
    for (const j of this.group(i)) f(this.tables[j]!);
  }
}

describe("global's name table against a model", () => {
  test("random registrations, unregistrations, deaths and partitions: every node holds what the model says", async () => {
    await fc.assert(
      fc.asyncProperty(cmdsArb, async (cmds) => {
        const { net, nodes } = await cluster(["a", "b", "c"], { hidden: false });
        const model = new Model();
        const nodeIndex = (pid: Pid) => nodes.findIndex((n) => n.name === pid.node);
        try {
          await mesh(nodes);
          for (const c of cmds) {
            if (c.op === "reg") {
              const pid = sleeper(nodes[c.node]!);
              const r = await register(nodes[c.node]!, c.name, pid);
              const free = !model.tables[c.node]!.has(c.name);
              assert.equal(r, free ? atom("yes") : atom("no"), `register ${c.name} on ${c.node}`);
              if (free) model.set(c.node, (m) => m.set(c.name, pid));
            } else if (c.op === "unreg") {
              await runOn(nodes[c.node]!.rt, function* () {
                return yield* global.unregisterName(c.name);
              });
              model.set(c.node, (m) => m.delete(c.name));
            } else if (c.op === "kill") {
              const holders = new Set(model.tables.map((m) => m.get(c.name)).filter((p): p is Pid => p !== undefined));
              for (const pid of holders) {
                exit(pid, atom("kill"));
                for (const m of model.tables) if (m.get(c.name) === pid) m.delete(c.name);
              }
            } else if (c.op === "split") {
              if (model.side !== null) continue;
              net.partition([nodes[c.node]!.name]);
              model.side = c.node;
              for (let i = 0; i < 3; i++) {
                const g = model.group(i);
                for (const [name, pid] of [...model.tables[i]!]) if (!g.includes(nodeIndex(pid))) model.tables[i]!.delete(name);
              }
              await until(async () => (await runOn(nodes[c.node]!.rt, () => nodes_().length)) === 0, "the partition");
            } else {
              if (model.side === null) continue;
              const lone = model.tables[model.side]!;
              const rest = model.tables[model.side === 0 ? 1 : 0]!;
              const merged = new Map(rest);
              for (const [name, pid] of lone) {
                const other = merged.get(name);
                if (other === undefined || other === pid) merged.set(name, pid);
                else {
                  const [keep, lose] = nodeIndex(pid) < nodeIndex(other) ? [pid, other] : [other, pid];
                  merged.set(name, keep);
                  void lose;
                }
              }
              model.tables = [0, 1, 2].map(() => new Map(merged));
              model.side = null;
              net.heal();
              await mesh(nodes);
            }
            // Every node converges to its model table.
            for (let i = 0; i < 3; i++) {
              const want = model.tables[i]!;
              await until(async () => {
                const names = (await runOn(nodes[i]!.rt, () => global.registeredNames())) as unknown[];
                if (names.length !== want.size) return false;
                for (const [name, pid] of want) if (!equals(await whereis(nodes[i]!, name), pid)) return false;
                return true;
              }, `node ${i} to hold ${[...want.keys()]} after ${JSON.stringify(c)}`);
            }
          }
        } finally {
          await shutdown(nodes);
        }
      }),
      { numRuns: 20 },
    );
  });
});
