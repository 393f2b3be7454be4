/**
 * Node monitoring on the in-memory network, with the message shapes and
 * reasons erl 25.2 gives (checked against a real erl in
 * test/interop/node_monitor.test.ts): net_kernel:monitor_nodes/1,2,
 * erlang:nodes/1, disconnect_node, and the ticktime API.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { atom, type Atom } from "../../../src/term/atom.js";
import { equals } from "../../../src/index.js";
import { t } from "../../../src/term/tuple.js";
import { inspect } from "../../../src/term/inspect.js";
import { _, after, on, receive, sleep } from "../../../src/runtime/index.js";
import { Runtime, silentLogger } from "../../../src/runtime/index.js";
import { connect, disconnectNode, getNetTicktime, monitorNodes, nodes, setNetTicktime, startNode, stopNode } from "../../../src/distribution/node.js";
import { MemoryNetwork } from "../../support/memory_transport.js";
import { runOn } from "./helpers.js";

const NODEUP = atom("nodeup");
const NODEDOWN = atom("nodedown");
const NODE_TYPE = atom("node_type");
const REASON = atom("nodedown_reason");
const VISIBLE = atom("visible");
const HIDDEN = atom("hidden");

let seq = 0;

/** A node on `net`, hidden or visible. */
async function node(net: MemoryNetwork, base: string, hidden: boolean): Promise<{ rt: Runtime; name: Atom }> {
  const rt = new Runtime({ logger: silentLogger });
  const name = await startNode({ name: `${base}_${process.pid}_${++seq}@localhost`, cookie: "c", hidden, runtime: rt, transport: net.factory });
  return { rt, name };
}

/** Every message the process has within a few event-loop turns (none expected after). */
function* drain(): Generator<unknown, unknown[], unknown> {
  const got: unknown[] = [];
  for (;;) {
    const m = yield* receive(on(_, (x) => x), after(50, () => null));
    if (m === null) return got;
    got.push(m);
  }
}

const show = (ms: unknown[]): string => ms.map((m) => inspect(m)).join(", ");

function assertMsgs(got: unknown[], want: unknown[]): void {
  assert.equal(got.length, want.length, `got ${show(got)}; want ${show(want)}`);
  for (const w of want) assert.ok(got.some((g) => equals(g, w)), `missing ${inspect(w)} in ${show(got)}`);
}

describe("monitorNodes", () => {
  test("message forms per subscription: /1 form, empty options, node types, reasons, repeated subscriptions", async () => {
    const net = new MemoryNetwork();
    const a = await node(net, "a", false);
    const v = await node(net, "v", false);
    const h = await node(net, "h", true);
    try {
      const got = await runOn(a.rt, function* () {
        monitorNodes(true);
        monitorNodes(true); // counted: two messages per event
        monitorNodes(true, {});
        monitorNodes(true, { nodeType: "all", nodedownReason: true });
        monitorNodes(true, { nodeType: "hidden" });
        monitorNodes(true, { nodedownReason: true });
        monitorNodes(false, { nodedownReason: true }); // removes that one only
        yield* sleep(0);
        connect(v.name);
        connect(h.name);
        const ups = yield* drain();
        disconnectNode(v.name);
        net.kill(h.name);
        const downs = yield* drain();
        return { ups, downs };
      });
      assertMsgs(got.ups, [
        t(NODEUP, v.name),
        t(NODEUP, v.name),
        t(NODEUP, v.name, []),
        t(NODEUP, v.name, [t(NODE_TYPE, VISIBLE)]),
        t(NODEUP, h.name, [t(NODE_TYPE, HIDDEN)]),
        t(NODEUP, h.name, [t(NODE_TYPE, HIDDEN)]),
      ]);
      assertMsgs(got.downs, [
        t(NODEDOWN, v.name),
        t(NODEDOWN, v.name),
        t(NODEDOWN, v.name, []),
        t(NODEDOWN, v.name, [t(REASON, atom("disconnect")), t(NODE_TYPE, VISIBLE)]),
        t(NODEDOWN, h.name, [t(REASON, atom("connection_closed")), t(NODE_TYPE, HIDDEN)]),
        t(NODEDOWN, h.name, [t(NODE_TYPE, HIDDEN)]),
      ]);
    } finally {
      for (const n of [a, v, h]) {
        await stopNode(n.rt);
        n.rt.shutdown();
      }
    }
  });

  test("a node that stops being a node reports its peers down with net_kernel_terminated", async () => {
    const net = new MemoryNetwork();
    const a = await node(net, "a", false);
    const v = await node(net, "v", false);
    try {
      const seen: unknown[] = [];
      const watcher = a.rt.spawn(function* () {
        monitorNodes(true, { nodedownReason: true });
        for (;;) seen.push(yield* receive(on(_, (x) => x)));
      });
      void watcher;
      await runOn(a.rt, function* () {
        yield* sleep(10);
        connect(v.name);
        yield* sleep(30);
      });
      await stopNode(a.rt);
      await new Promise((r) => setTimeout(r, 20));
      assertMsgs(seen, [t(NODEUP, v.name, []), t(NODEDOWN, v.name, [t(REASON, atom("net_kernel_terminated"))])]);
    } finally {
      for (const n of [a, v]) {
        await stopNode(n.rt);
        n.rt.shutdown();
      }
    }
  });

  test("a bad node type is refused, as erl's bad_option_value", async () => {
    const net = new MemoryNetwork();
    const a = await node(net, "a", false);
    try {
      const r = await runOn(a.rt, function* () {
        try {
          monitorNodes(true, { nodeType: "x" as "all" });
          return "accepted";
        } catch (e) {
          return (e as Error).message;
        }
      });
      assert.match(r, /bad option value nodeType/);
    } finally {
      await stopNode(a.rt);
      a.rt.shutdown();
    }
  });
});

describe("nodes/1", () => {
  test("visible, hidden, connected, this, known, and lists of kinds", async () => {
    const net = new MemoryNetwork();
    const a = await node(net, "a", false);
    const v = await node(net, "v", false);
    const h = await node(net, "h", true);
    try {
      const r = await runOn(a.rt, function* () {
        connect(v.name);
        connect(h.name);
        connect(atom(`nowhere_${process.pid}@localhost`));
        yield* sleep(30);
        const before = {
          visible: nodes(),
          hidden: nodes("hidden"),
          connected: nodes("connected"),
          self: nodes("this"),
          list: nodes(["this", "visible"]),
          known: nodes("known"),
        };
        disconnectNode(v.name);
        return { before, visibleAfter: nodes(), knownAfter: nodes("known") };
      });
      const names = (xs: Atom[]) => xs.map((x) => x.name).sort();
      const nowhere = `nowhere_${process.pid}@localhost`;
      assert.deepEqual(names(r.before.visible), [v.name.name]);
      assert.deepEqual(names(r.before.hidden), [h.name.name]);
      assert.deepEqual(names(r.before.connected), names([v.name, h.name]));
      assert.deepEqual(r.before.self, [a.name]);
      assert.deepEqual(r.before.list, [v.name, a.name], "connected first, this node last, as erl");
      assert.deepEqual(names(r.before.known), names([atom("nonode@nohost"), a.name, v.name, h.name, atom(nowhere)]));
      assert.deepEqual(r.visibleAfter, []);
      assert.deepEqual(names(r.knownAfter), names(r.before.known), "a disconnected node stays known");
    } finally {
      for (const n of [a, v, h]) {
        await stopNode(n.rt);
        n.rt.shutdown();
      }
    }
  });
});

describe("net ticktime API", () => {
  test("getNetTicktime / setNetTicktime answer as net_kernel's; ignored when not a node", async () => {
    const net = new MemoryNetwork();
    const rt = new Runtime({ logger: silentLogger });
    const r0 = await runOn(rt, function* () {
      return [getNetTicktime(), setNetTicktime(10)];
    });
    assert.deepEqual(r0, [atom("ignored"), atom("ignored")]);
    await startNode({ name: `tt_${process.pid}@localhost`, cookie: "c", runtime: rt, transport: net.factory, netTicktime: 4 });
    try {
      const r = await runOn(rt, function* () {
        return [getNetTicktime(), setNetTicktime(4), setNetTicktime(6, 1), getNetTicktime(), setNetTicktime(8)];
      });
      assert.ok(equals(r, [4, atom("unchanged"), atom("change_initiated"), t(atom("ongoing_change_to"), 6), t(atom("ongoing_change_to"), 6)]), inspect(r));
      await new Promise((res) => setTimeout(res, 1100));
      assert.equal(await runOn(rt, () => getNetTicktime()), 6);
      assert.throws(() => setNetTicktime(0), /positive/);
      assert.throws(() => setNetTicktime(5, -1), /transition period/);
    } finally {
      await stopNode(rt);
      rt.shutdown();
    }
  });
});
