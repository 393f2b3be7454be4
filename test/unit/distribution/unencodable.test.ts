/**
 * Values with no natural term form on the distribution path: they cross as
 * their JS term form (js_terms.ts); what still cannot be encoded fails that
 * one message or signal, logged, never its sender, another process or the
 * node, and an exit signal still arrives (with a degraded reason) so links
 * and monitors fire.
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { GenServer, Pid, Runtime, Tuple, _, atom, await_, equals, exit, isAlive, link, monitor, ok, on, processFlag, receive, self, send, sleep, startNode, stopNode, sys, t } from "../../../src/index.js";
import { TermMap } from "../../../src/term/index.js";
import type { LogEvent } from "../../../src/runtime/logger.js";
import { freePort, uniqueName, until } from "../../support/dist.js";
import { type TestNode, cluster, learn, runOn, shutdown } from "./helpers.js";

const DOWN = atom("DOWN");
const EXIT = atom("EXIT");
const a_ = atom;

/** A plain object whose field throws when read: the encoder cannot write it, lenient or not. */
function touchy(): object {
  return {
    get boom(): never {
      throw new Error("unreadable field");
    },
  };
}

class CounterState {
  count = 7;
  step = (n: number) => n + 1;
  readonly history = new Map<string, number>([["x", 1]]);
}

class Counter extends GenServer<CounterState> {
  init() {
    return ok(new CounterState());
  }
}

/** A process on `n` that forwards what it receives to `to` and stays alive. */
function sink(n: TestNode, name: string): Pid {
  const p = n.rt.spawn(function* () {
    for (;;) {
      const m = yield* receive(on(_, (x) => x));
      if (m === a_("stop")) return;
      (n as unknown as { got: unknown[] }).got.push(m);
    }
  }) as Pid;
  n.rt.register(name, p);
  (n as unknown as { got: unknown[] }).got = [];
  return p;
}

const got = (n: TestNode): unknown[] => (n as unknown as { got: unknown[] }).got;
const failures = (n: TestNode): LogEvent[] => n.logs.filter((e) => e.what === "dist_send_failed");

describe("values with no term form between two nodes", () => {
  let a: TestNode;
  let b: TestNode;
  let all: TestNode[];
  before(async () => {
    ({ nodes: all } = await cluster(["ua", "ub"]));
    [a, b] = all as [TestNode, TestNode];
    sink(b, "inbox");
  });
  afterAll(() => shutdown(all));

  test("a class instance, an Error and a function in a message arrive as their term forms", async () => {
    await runOn(a.rt, () => {
      send(t(a_("inbox"), b.name), t(a_("state"), new CounterState(), new TypeError("bad"), () => 1));
    });
    await until(() => got(b).length >= 1, "the message");
    const m = got(b).shift() as Tuple;
    const state = m[1] as TermMap;
    assert.equal(state.get(a_("__struct__")), a_("CounterState"));
    assert.equal(state.get(a_("count")), 7);
    assert.equal((state.get(a_("history")) as TermMap).get("x"), 1);
    assert.equal((m[2] as TermMap).get(a_("__exception__")), true);
    assert.equal((m[3] as Tuple)[0], a_("#Fun"));
  });

  test("a message that cannot be encoded is dropped and logged; its sender lives on and the next message arrives", async () => {
    const before = failures(a).length;
    const alive = await runOn(a.rt, function* () {
      send(t(a_("inbox"), b.name), t(a_("bad"), touchy()));
      send(t(a_("inbox"), b.name), a_("after"));
      yield* sleep(1);
      return isAlive(self());
    });
    assert.equal(alive, true);
    await until(() => got(b).includes(a_("after")), "the message after the bad one");
    assert.equal(got(b).filter((m) => m instanceof Tuple && m[0] === a_("bad")).length, 0, "the bad message was not delivered");
    const logged = failures(a).slice(before);
    assert.equal(logged.length, 1, "logged once");
    assert.match(logged[0]!.text, /send to .* could not be encoded: Error: unreadable field; dropped/);
    got(b).length = 0;
  });

  test("a remote monitor and a remote link fire when the reason has no term form: an Error as its form, an unencodable one degraded", async () => {
    const r = await runOn(b.rt, function* () {
      processFlag("trap_exit", true);
      const victims = [new RangeError("out of range"), touchy()].map((reason) =>
        a.rt.spawn(function* () {
          yield* receive(on(a_("die"), () => undefined));
          exit(reason);
        }),
      );
      const out: unknown[] = [];
      for (const v of victims) {
        const remote = yield* await_(learn(v as never, b));
        const ref = monitor(remote);
        link(remote);
        yield* sleep(5);
        send(remote, a_("die"));
        const down = yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]));
        const ex = yield* receive(on([EXIT, remote, _], (m) => m[2]));
        out.push(down, ex);
      }
      return out;
    });
    const [down1, exit1, down2, exit2] = r;
    assert.equal((down1 as TermMap).get(a_("__struct__")), a_("RangeError"));
    assert.ok(equals((exit1 as TermMap).get(a_("message")), "out of range"));
    for (const why of [down2, exit2]) {
      assert.ok(why instanceof Tuple && why[0] === a_("unencodable"), `degraded: ${String(why)}`);
      assert.match(Buffer.from(why[1] as Uint8Array).toString(), /unreadable field/);
    }
    assert.ok(failures(a).some((e) => /monitor_exit to .* sent with the reason \{unencodable, Text\}/.test(e.text)));
    assert.ok(failures(a).some((e) => /exit to .* sent with the reason \{unencodable, Text\}/.test(e.text)));
  });

  test("sys:get_state from another node of a server whose state is a class instance: its form, and the server lives on", async () => {
    const server = await runOn(a.rt, function* () {
      return yield* GenServer.start(new Counter(), undefined, { name: "counter" });
    });
    const state = (await runOn(b.rt, function* () {
      return yield* sys.getState(t(a_("counter"), a.name) as never);
    })) as TermMap;
    assert.equal(state.get(a_("__struct__")), a_("CounterState"));
    assert.equal(state.get(a_("count")), 7);
    assert.ok(isAlive(server as Pid));
  });
});

describe("over real sockets", () => {
  const rts: Runtime[] = [];
  afterAll(async () => {
    for (const rt of rts) {
      await stopNode(rt);
      rt.shutdown();
    }
  });

  test("a class instance in a reply and an Error as a monitor's reason cross a real connection", async () => {
    const epmdPort = await freePort();
    const logs: LogEvent[] = [];
    const [x, y] = [new Runtime({ logger: (e) => logs.push(e) }), new Runtime({ logger: (e) => logs.push(e) })];
    rts.push(x, y);
    const xn = await startNode({ name: `${uniqueName("ux")}@localhost`, cookie: "c", epmdPort, runtime: x });
    await startNode({ name: `${uniqueName("uy")}@localhost`, cookie: "c", epmdPort, runtime: y });
    await runOn(x, function* () {
      yield* GenServer.start(new Counter(), undefined, { name: "counter" });
    });
    const victim = x.spawn(function* () {
      yield* receive(on(a_("die"), () => undefined));
      throw new TypeError("crashed");
    }) as Pid;
    x.register("victim", victim);
    const [state, down] = (await runOn(y, function* () {
      const s = yield* sys.getState(t(a_("counter"), xn) as never);
      const ref = monitor(t(a_("victim"), xn));
      send(t(a_("victim"), xn), a_("die"));
      const d = yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]));
      return [s, d];
    })) as [TermMap, TermMap];
    assert.equal(state.get(a_("__struct__")), a_("CounterState"));
    assert.equal(down.get(a_("__struct__")), a_("TypeError"));
    assert.ok(equals(down.get(a_("message")), "crashed"));
    assert.equal(logs.filter((e) => e.what === "dist_send_failed").length, 0);
  });
});
