/**
 * Node monitoring against real erl 25 nodes, both ways: what an Agner node's
 * `monitorNodes` subscribers get when an erl peer is killed -9
 * (`connection_closed`), stopped with SIGSTOP (`net_tick_timeout`) or
 * disconnected (`disconnect`), the same messages erl's own subscribers get
 * about an Agner peer; and `setNetTicktime` answering as erl's
 * `net_kernel:set_net_ticktime` and keeping a connection through its
 * transition period. Short ticktimes keep the tests quick; nothing is timed,
 * each test waits for the message.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { type Atom, Runtime, atom, equals, inspect, receive, on, silentLogger, t, _ } from "../../src/index.js";
import { connect, disconnectNode, getNetTicktime, monitorNodes, nodes, setNetTicktime, startNode, stopNode } from "../../src/distribution/node.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { needsErl } from "../support/erl.js";
import { type AgnerNode, startAgnerNode } from "../support/agner_node.js";
import { freePort, uniqueName, until } from "../support/dist.js";

const TICKTIME = 2;
const NODEUP = atom("nodeup");
const NODEDOWN = atom("nodedown");
const NODE_TYPE = atom("node_type");
const REASON = atom("nodedown_reason");
const VISIBLE = atom("visible");

/** An Agner node in this process, with a process that subscribes to node events and keeps them. */
async function agnerNode(prefix: string, epmdPort: number, opts: { ticktime: number; hidden?: boolean }) {
  const rt = new Runtime({ logger: silentLogger });
  const name = await startNode({ name: `${uniqueName(prefix)}@localhost`, cookie: "mon", epmdPort, epmd: "embedded", netTicktime: opts.ticktime, hidden: opts.hidden ?? false, runtime: rt });
  const events: unknown[] = [];
  rt.spawn(function* () {
    monitorNodes(true, { nodeType: "all", nodedownReason: true });
    for (;;) events.push(yield* receive(on(_, (m) => m)));
  });
  /** Runs `fn` in a process of this node (the API works from processes). */
  const inNode = <R>(fn: () => R): Promise<R> =>
    new Promise((resolve, reject) => {
      rt.spawn(() => {
        try {
          resolve(fn());
        } catch (e) {
          reject(e);
        }
      });
    });
  const waitFor = async (want: unknown): Promise<void> => {
    await until(() => events.some((e) => equals(e, want)), `${inspect(want)}; got ${events.map((e) => inspect(e)).join(", ")}`, 30_000);
  };
  const stop = async () => {
    await stopNode(rt);
    rt.shutdown();
  };
  return { rt, name, events, inNode, waitFor, stop };
}

/** Makes `e` subscribe its probe to node events (messages wait in its mailbox). */
async function erlMonitors(e: ErlNode): Promise<void> {
  assert.equal(await e.eval("net_kernel:monitor_nodes(true, [{node_type, all}, nodedown_reason])."), atom("ok"));
}

/** The next node event in `e`'s probe mailbox. */
function erlNext(e: ErlNode): Promise<unknown> {
  return e.eval("receive {nodeup, _, _} = M -> M; {nodedown, _, _} = M -> M after 30000 -> timeout end.", 40_000);
}

const up = (n: Atom) => t(NODEUP, n, [t(NODE_TYPE, VISIBLE)]);
const down = (n: Atom, why: string) => t(NODEDOWN, n, [t(REASON, atom(why)), t(NODE_TYPE, VISIBLE)]);

describe("node monitoring with real erl nodes", needsErl(), () => {
  let epmdPort: number;
  const erls: ErlNode[] = [];
  const agners: AgnerNode[] = [];
  const erl = async (prefix: string, ticktime = TICKTIME): Promise<ErlNode> => {
    const n = await startErl({ sname: uniqueName(prefix), cookie: "mon", epmdPort, args: ["-kernel", "net_ticktime", String(ticktime)] });
    erls.push(n);
    return n;
  };
  let me: Awaited<ReturnType<typeof agnerNode>>;

  before(async () => {
    epmdPort = await freePort();
    me = await agnerNode("mon", epmdPort, { ticktime: TICKTIME });
  });

  afterAll(async () => {
    for (const n of erls) await n.stop(true);
    for (const n of agners) await n.stop(true);
    await me.stop();
  });

  test("nodeup, disconnect both ways, and an erl node killed -9: Agner's messages are erl's", async () => {
    const e = await erl("peer");
    const en = atom(e.node);
    await erlMonitors(e);
    assert.equal(await me.inNode(() => connect(en)), true);
    await me.waitFor(up(en));
    assert.ok(equals(await erlNext(e), up(me.name)), "erl saw the Agner node up, visible");

    // Agner disconnects: `disconnect` here, `connection_closed` there (as between two erl nodes).
    assert.equal(await me.inNode(() => disconnectNode(en)), true);
    await me.waitFor(down(en, "disconnect"));
    assert.ok(equals(await erlNext(e), down(me.name, "connection_closed")));
    assert.ok(!(await me.inNode(() => nodes())).includes(en));

    // erl disconnects.
    assert.equal(await e.eval(`net_adm:ping('${me.name.name}').`), atom("pong"));
    assert.ok(equals(await erlNext(e), up(me.name)));
    await me.waitFor(up(en));
    assert.equal(await e.eval(`erlang:disconnect_node('${me.name.name}').`), true);
    assert.ok(equals(await erlNext(e), down(me.name, "disconnect")));
    await me.waitFor(down(en, "connection_closed"));

    // Killed -9.
    const before = me.events.length;
    assert.equal(await e.eval(`net_adm:ping('${me.name.name}').`), atom("pong"));
    await until(() => me.events.slice(before).some((m) => equals(m, up(en))), "nodeup again");
    assert.doesNotMatch(e.output(), /WARNING|ERROR|error_logger/, "erl logged nothing about the Agner node");
    await e.stop(true);
    await until(() => me.events.slice(before).some((m) => equals(m, down(en, "connection_closed"))), "nodedown connection_closed after kill -9", 30_000);
  });

  test("an erl node stopped with SIGSTOP: net_tick_timeout", async () => {
    const e = await erl("stopped");
    const en = atom(e.node);
    assert.equal(await me.inNode(() => connect(en)), true);
    await me.waitFor(up(en));
    process.kill(e.pid, "SIGSTOP");
    try {
      await me.waitFor(down(en, "net_tick_timeout"));
    } finally {
      process.kill(e.pid, "SIGCONT");
    }
  });

  test("erl watching an Agner node (its own OS process): killed -9 is connection_closed, stopped is net_tick_timeout", async () => {
    const e = await erl("watcher");
    await erlMonitors(e);
    for (const [how, reason] of [
      ["SIGKILL", "connection_closed"],
      ["SIGSTOP", "net_tick_timeout"],
    ] as const) {
      const a = await startAgnerNode({ name: `${uniqueName("child")}@localhost`, cookie: "mon", epmdPort, ticktime: TICKTIME });
      agners.push(a);
      const an = atom(a.node);
      assert.equal(await e.eval(`net_adm:ping('${a.node}').`), atom("pong"));
      assert.ok(equals(await erlNext(e), up(an)));
      process.kill(a.pid, how);
      assert.ok(equals(await erlNext(e), down(an, reason)), `erl saw the Agner node ${how === "SIGKILL" ? "killed" : "stopped"}`);
      if (how === "SIGSTOP") process.kill(a.pid, "SIGCONT");
      await a.stop(true);
    }
    assert.doesNotMatch(e.output().replace(/=ERROR REPORT=[^\n]*\n\*\* Node \S+ not responding \*\*\n\*\* Removing \(timedout\) connection \*\*\n/g, ""), /WARNING|ERROR/);
  });

  test("setNetTicktime answers as erl's set_net_ticktime, and its transition keeps a peer that already has the new ticktime", async () => {
    // The same sequence on erl and on a fresh Agner node, both starting at 60.
    const ref = await erl("ticktime", 60);
    const seq = (get: () => unknown, set: (t: number, p?: number) => unknown) => [get(), set(60), set(2, 8), get(), set(8)];
    const theirs = (await ref.eval(
      "[net_kernel:get_net_ticktime(), net_kernel:set_net_ticktime(60), net_kernel:set_net_ticktime(2, 8), net_kernel:get_net_ticktime(), net_kernel:set_net_ticktime(8)].",
    )) as unknown[];
    const agner = await agnerNode("tick", epmdPort, { ticktime: 60, hidden: true });
    try {
      const ours = await agner.inNode(() => seq(getNetTicktime, setNetTicktime));
      assert.ok(equals(ours, theirs), `Agner ${inspect(ours)}, erl ${inspect(theirs)}`);

      // In the transition from 60 to 2, connect to an erl on 2: the aux ticks (every 0.5 s) keep
      // it (the old ticker ticks every 15 s: erl would drop a peer silent for 2 s), and after the
      // transition the new ticker does; a stopped peer is then down within the new ticktime.
      const e = await erl("fast", 2);
      const en = atom(e.node);
      assert.equal(await agner.inNode(() => connect(en)), true);
      await until(async () => (await agner.inNode(() => getNetTicktime())) === 2, "the end of the transition", 30_000);
      await new Promise((r) => setTimeout(r, 2_500)); // more than erl's ticktime, with the new ticker
      const timedOut = t(NODEDOWN, en, [t(REASON, atom("net_tick_timeout")), t(NODE_TYPE, atom("hidden"))]);
      assert.ok(!agner.events.some((m) => (m as unknown[])[0] === NODEDOWN), `no nodedown: ${agner.events.map((m) => inspect(m)).join(", ")}`);
      assert.ok((await agner.inNode(() => nodes("hidden"))).includes(en), "still connected");
      assert.doesNotMatch(e.output(), /not responding/, "erl never found the Agner node silent");
      process.kill(e.pid, "SIGSTOP");
      try {
        await agner.waitFor(timedOut);
      } finally {
        process.kill(e.pid, "SIGCONT");
      }
    } finally {
      await agner.stop();
    }
  });
});
