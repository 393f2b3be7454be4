/**
 * Distributed applications between runtimes joined in memory: the
 * application runs on exactly one node of its priority list; failover to
 * the next live node (`{failover, Node}`), takeover by a node of higher
 * priority that comes back (`{takeover, Node}`, the old instance stopped
 * after the new one started), equal-priority nodes (fewest applications
 * wins, then the smaller name), sync_nodes at start, odd messages dropped.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Atom, atom } from "../../../src/term/atom.js";
import { t } from "../../../src/term/tuple.js";
import { _, on, receive, Runtime, silentLogger } from "../../../src/runtime/index.js";
import { runtime, send, spawnLink } from "../../../src/runtime/erlang.js";
import { Application, type StartType } from "../../../src/otp/application.js";
import { connect, startNode, stopNode } from "../../../src/distribution/node.js";
import { SyncNodesError, distAc } from "../../../src/distribution/dist_ac.js";
import type { DistAcConfig } from "../../../src/distribution/dist_ac_config.js";
import { MemoryNetwork } from "../../support/memory_transport.js";
import { type TestNode, runOn, wait } from "./helpers.js";
import { until } from "./pg_helpers.js";

/** What each instance's start saw: `node start-type`, in order. */
const events: string[] = [];
const short = (n: Atom): string => n.name.split("_")[0]!;
const typeText = (st: StartType): string => (st === "normal" ? "normal" : "failover" in st ? `failover:${short(st.failover)}` : `takeover:${short(st.takeover)}`);

for (const app of ["dapp", "other"]) {
  Application.define({
    name: app,
    start: (_env, type) => {
      if (app === "dapp") events.push(`${short(runtime().nodeName)} ${typeText(type)}`);
      return spawnLink(function* () {
        yield* receive(on(atom("never"), () => undefined));
      });
    },
  });
}

let seq = 0;

async function node(net: MemoryNetwork, name: string): Promise<TestNode> {
  const rt = new Runtime({ logger: silentLogger });
  const logs: TestNode["logs"] = [];
  const n = await startNode({ name: `${name}_${process.pid}@localhost`, cookie: "c", hidden: false, runtime: rt, transport: net.factory });
  rt.logger = (e) => logs.push(e);
  return { rt, name: n, logs };
}

async function mesh(ns: TestNode[]): Promise<void> {
  for (const a of ns) for (const b of ns) if (a !== b) assert.equal(await runOn(a.rt, () => connect(b.name)), true);
}

const start = (n: TestNode, app = "dapp") => runOn(n.rt, () => Application.start(app));
const runsHere = (n: TestNode, app = "dapp") => runOn(n.rt, () => Application.startedApplications().includes(app));

async function runningOn(ns: TestNode[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of ns) if (await runsHere(n)) out.push(short(n.name));
  return out;
}

function config(nodes: (TestNode | TestNode[])[], extra: DistAcConfig = {}): DistAcConfig {
  return { distributed: [{ app: "dapp", nodes: nodes.map((x) => (Array.isArray(x) ? x.map((y) => y.name) : x.name)) }], ...extra };
}

async function down(ns: TestNode[]): Promise<void> {
  for (const n of ns) {
    await stopNode(n.rt).catch(() => {});
    n.rt.shutdown();
  }
}

describe("distributed applications (dist_ac) on memory-joined nodes", () => {
  test("runs on the first node of the list; fails over to the next live one; the first takes it over when it comes back", async () => {
    seq++;
    events.length = 0;
    const net = new MemoryNetwork();
    const [a, b, c] = [await node(net, `a${seq}`), await node(net, `b${seq}`), await node(net, `c${seq}`)];
    let a2: TestNode | undefined;
    try {
      await mesh([a, b, c]);
      for (const n of [a, b, c]) await distAc.start(config([a, b, c]), n.rt);
      // Started everywhere, concurrently: c and b wait for a (higher priority) to run it.
      const roots = await Promise.all([start(c), start(b), start(a)]);
      assert.equal(roots[0], undefined);
      assert.equal(roots[1], undefined);
      assert.ok(roots[2] !== undefined, "a's start resolves with the local root");
      assert.deepEqual(await runningOn([a, b, c]), [short(a.name)]);
      assert.deepEqual(events, [`${short(a.name)} normal`]);

      // a dies (kill -9): b, next in the list, starts it with {failover, a}; c stands by.
      net.kill(a.name);
      await until(async () => (await runningOn([b, c])).length === 1, 5000, "failover");
      assert.deepEqual(await runningOn([b, c]), [short(b.name)]);
      assert.deepEqual(events.slice(1), [`${short(b.name)} failover:${short(a.name)}`]);
      await until(() => equalsTerm(distAc.info(c.rt).appls[0]!.id, t(atom("distributed"), b.name)), 5000, "c to know b runs it");

      // a comes back (same name, a new runtime) and starts it: takeover from b, then b's instance stops.
      a.rt.shutdown();
      a2 = await node(net, `a${seq}`);
      await mesh([a2, b, c]);
      await distAc.start(config([a, b, c]), a2.rt);
      assert.ok((await start(a2)) !== undefined);
      assert.deepEqual(events.slice(2), [`${short(a.name)} takeover:${short(b.name)}`]);
      await until(async () => (await runningOn([a2!, b, c])).length === 1, 5000, "b's instance to stop");
      assert.deepEqual(await runningOn([a2, b, c]), [short(a.name)]);
      await until(() => equalsTerm(distAc.info(b.rt).appls[0]!.id, t(atom("distributed"), a.name)), 5000, "b standing by");
      await until(() => equalsTerm(distAc.info(c.rt).appls[0]!.id, t(atom("distributed"), a.name)), 5000, "c standing by");
    } finally {
      await down([b, c, ...(a2 ? [a2] : [])]);
      a.rt.shutdown();
    }
  });

  test("equal priority ({b, c}): the node running fewest applications wins, then the smaller name; failover stays in the group", async () => {
    seq++;
    events.length = 0;
    const net = new MemoryNetwork();
    // Names chosen so that c sorts before b: with equal weights c would win.
    const [a, b, c] = [await node(net, `a${seq}`), await node(net, `z_b${seq}`), await node(net, `m_c${seq}`)];
    try {
      await mesh([a, b, c]);
      for (const n of [a, b, c]) await distAc.start({ distributed: [{ app: "dapp", nodes: [[b.name, c.name], a.name] }, { app: "other", nodes: [c.name] }] }, n.rt);
      await start(c, "other"); // c now runs one application more than b
      await Promise.all([start(a), start(b), start(c)]);
      assert.deepEqual(await runningOn([a, b, c]), ["z"], "b runs fewer applications than c");
      net.kill(b.name);
      await until(async () => (await runningOn([a, c])).length === 1, 5000, "failover");
      assert.deepEqual(await runningOn([a, c]), ["m"], "c, in the same group, before a");
      assert.deepEqual(events, ["z normal", "m failover:z"]);
    } finally {
      await down([a, c]);
      b.rt.shutdown();
    }
  });

  test("equal weights: the smaller node name wins, decided alike on both nodes", async () => {
    seq++;
    events.length = 0;
    const net = new MemoryNetwork();
    const [b, c] = [await node(net, `y_${seq}`), await node(net, `x_${seq}`)];
    try {
      await mesh([b, c]);
      for (const n of [b, c]) await distAc.start(config([[b, c]]), n.rt);
      await Promise.all([start(b), start(c)]);
      assert.deepEqual(await runningOn([b, c]), ["x"]);
      assert.deepEqual(events, ["x normal"]);
    } finally {
      await down([b, c]);
    }
  });

  test("sync_nodes: the start waits for the nodes; a missing mandatory node fails it, a missing optional one does not", async () => {
    seq++;
    const net = new MemoryNetwork();
    const [a, b] = [await node(net, `sa${seq}`), await node(net, `sb${seq}`)];
    const ghost = atom(`ghost${seq}_${process.pid}@localhost`);
    try {
      await assert.rejects(distAc.start({ syncNodesMandatory: [b.name, ghost], syncNodesTimeout: 300 }, a.rt), (e: unknown) => {
        assert.ok(e instanceof SyncNodesError);
        assert.deepEqual(e.nodes, [ghost]);
        return true;
      });
      assert.equal(a.rt.whereis(atom("dist_ac")), undefined, "no dist_ac after a failed start");
      // b was pinged (mandatory): it is connected now. An optional node that never comes only costs the timeout.
      await distAc.start({ syncNodesMandatory: [b.name], syncNodesOptional: [ghost], syncNodesTimeout: 300 }, a.rt);
      assert.ok(a.rt.whereis(atom("dist_ac")) !== undefined);
      // A node that comes up while the start waits satisfies it.
      const late = `late${seq}_${process.pid}@localhost`;
      const waiting = distAc.start({ syncNodesMandatory: [late], syncNodesTimeout: 5000 }, b.rt);
      await wait(100);
      const l = await node(net, `late${seq}`);
      await runOn(l.rt, () => connect(b.name));
      await waiting;
      await down([l]);
    } finally {
      await down([a, b]);
    }
  });

  test("starting together in a cycle (each node's dist_ac waiting for the next one's answer) does not deadlock", async () => {
    // a's nodes() lists b then c. b answers a only once c has synced with a (b syncs with c
    // first); c answers once it has a's introduction. Waiting for b alone before introducing
    // itself to c, a waited forever: three nodes started together hung until a tick timeout.
    seq++;
    const net = new MemoryNetwork();
    const [a, b, c] = [await node(net, `ya${seq}`), await node(net, `yb${seq}`), await node(net, `yc${seq}`)];
    const NEW = atom("dist_ac_new_node");
    const intro = (me: Atom) => t(NEW, 1, me, [], []);
    try {
      await mesh([a, b, c]);
      const bPid = b.rt.spawn(function* () {
        yield* receive(on([NEW, 1, a.name, _, _], () => undefined)); // a's introduction
        yield* receive(on(atom("c_synced"), () => undefined));
        send(t(atom("dist_ac"), a.name), intro(b.name));
      });
      b.rt.register(atom("dist_ac"), bPid);
      const cPid = c.rt.spawn(function* () {
        send(t(atom("dist_ac"), a.name), intro(c.name));
        yield* receive(on([NEW, 1, a.name, _, _], () => undefined)); // a's introduction, or its answer
        send(bPid, atom("c_synced"));
      });
      c.rt.register(atom("dist_ac"), cPid);
      const started = distAc.start(config([a, b, c]), a.rt);
      const done = await Promise.race([started.then(() => true), wait(5000).then(() => false)]);
      assert.ok(done, "a's dist_ac finished its sync with b and c");
      assert.deepEqual(distAc.info(a.rt).known.map(short).sort(), [a, b, c].map((n) => short(n.name)));
    } finally {
      await down([a, b, c]);
    }
  });

  test("odd messages to dist_ac are logged and dropped; it keeps working", async () => {
    seq++;
    events.length = 0;
    const net = new MemoryNetwork();
    const [a, b] = [await node(net, `oa${seq}`), await node(net, `ob${seq}`)];
    try {
      await mesh([a, b]);
      for (const n of [a, b]) await distAc.start(config([a, b]), n.rt);
      const dac = a.rt.whereis(atom("dist_ac"));
      await assert.rejects(distAc.start(config([a, b]), a.rt), /already runs/);
      await runOn(b.rt, () => {
        for (const m of [atom("junk"), t(atom("dist_ac_weight"), "x", "y", 3), t(atom("dist_ac_new_node"), 1, b.name, atom("no"), []), t(atom("dist_ac_app_started"), b.name, atom("nope"), atom("ok")), 42])
          send(t(atom("dist_ac"), a.name), m);
      });
      await until(() => a.logs.filter((l) => l.what === "dist_ac_unexpected").length >= 3, 5000, "drops logged");
      assert.equal(a.rt.whereis(atom("dist_ac")), dac, "the same dist_ac");
      await Promise.all([start(a), start(b)]);
      assert.deepEqual(await runningOn([a, b]), [short(a.name)]);
    } finally {
      await down([a, b]);
    }
  });
});

function equalsTerm(x: unknown, y: unknown): boolean {
  return x instanceof Object && y instanceof Object && String(x) === String(y);
}
