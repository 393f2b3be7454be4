/**
 * rpc between nodes joined in memory: `rpc.call` through the peer's `rex`,
 * what `rex` answers for exported, missing and failing functions, and the
 * SPAWN_REQUEST that erl's `erpc`/`rpc:call` send (driven here by a raw
 * connection that plays the erl side).
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import { ExitException, type Ref, atom, atomCount, atomLimit, equals, rpc, self, send, t, receive, on, _, sleep } from "../../../src/index.js";
import { ExternalPid, ExternalRef, type Pid } from "../../../src/term/identifiers.js";
import { Tuple } from "../../../src/term/tuple.js";
import type { ControlMessage } from "../../../src/distribution/control.js";
import type { ConnectionHandler, DistConnection } from "../../../src/distribution/types.js";
import { type TestNode, cluster, runOn, shutdown } from "./helpers.js";
import { MemoryNetwork } from "../../support/memory_transport.js";

const BADRPC = atom("badrpc");
const EXIT = atom("EXIT");

describe("rpc", () => {
  let a: TestNode;
  let b: TestNode;
  let all: TestNode[];
  let net: MemoryNetwork;
  before(async () => {
    ({ net, nodes: all } = await cluster(["ra", "rb"]));
    [a, b] = all as [TestNode, TestNode];
    const opts = { runtime: b.rt };
    rpc.export("calc", "add", (x: number, y: number) => x + y, opts);
    rpc.export("calc", "later", async (x: number) => x * 2, opts);
    rpc.export(
      "calc",
      "who",
      function* () {
        yield* sleep(1);
        return self();
      },
      opts,
    );
    rpc.export("calc", "fail", () => {
      throw new TypeError("nope");
    }, opts);
    rpc.export("calc", "quit", () => {
      throw new ExitException(atom("went_away"));
    }, opts);
    rpc.export("calc", "toss", () => {
      throw t(atom("thrown"), 1);
    }, opts);
    rpc.export("calc", "one", (x: unknown) => x, { ...opts, arity: 1 });
    rpc.export("calc", "forever", () => new Promise(() => {}), opts);
  });
  afterAll(() => shutdown(all));

  test("rpc.call runs an exported function on the other node (plain, async, generator)", async () => {
    const r = await runOn(a.rt, function* () {
      return [
        yield* rpc.call(b.name, "calc", "add", [2, 3]),
        yield* rpc.call(b.name, "calc", "later", [21]),
        yield* rpc.call(b.name, "calc", "who", []),
      ];
    });
    assert.equal(r[0], 5);
    assert.equal(r[1], 42);
    assert.equal((r[2] as Pid).node, b.name, "it ran in a process there");
  });

  test("a function nobody exported: {badrpc, {'EXIT', {undef, [{M, F, Args, []}]}}}, as erl; arity is checked when given", async () => {
    const r = await runOn(a.rt, function* () {
      return [yield* rpc.call(b.name, "calc", "nothere", [1]), yield* rpc.call(b.name, "calc", "one", [1, 2]), yield* rpc.call(b.name, "calc", "one", [7])];
    });
    assert.ok(equals(r[0], t(BADRPC, t(EXIT, t(atom("undef"), [t(atom("calc"), atom("nothere"), [1], [])])))));
    assert.equal(((r[1] as unknown[])[1] as unknown[])[1] instanceof Tuple, true);
    assert.equal((((r[1] as unknown[])[1] as unknown[])[1] as unknown[])[0], atom("undef"));
    assert.equal(r[2], 7);
  });

  test("erlang:system_info/1 answers atom_count and atom_limit without an export; another item is badarg, as erl", async () => {
    const r = await runOn(a.rt, function* () {
      return [
        yield* rpc.call(b.name, "erlang", "system_info", [atom("atom_count")]),
        yield* rpc.call(b.name, "erlang", "system_info", [atom("atom_limit")]),
        yield* rpc.call(b.name, "erlang", "system_info", [atom("ok")]),
      ];
    });
    assert.equal(typeof r[0], "number");
    assert.ok((r[0] as number) > 100 && (r[0] as number) <= atomCount(), `atom_count ${String(r[0])}`);
    assert.equal(r[1], atomLimit());
    assert.ok(equals(r[2], t(BADRPC, t(EXIT, t(atom("badarg"), [t(atom("erlang"), atom("system_info"), 1, [])])))), String(r[2]));
  });

  test("exceptions: an Error is {badrpc, {'EXIT', {{Name, Message}, Stack}}}, an exit {badrpc, {'EXIT', Reason}}, a throw is the value", async () => {
    const r = await runOn(a.rt, function* () {
      return [yield* rpc.call(b.name, "calc", "fail", []), yield* rpc.call(b.name, "calc", "quit", []), yield* rpc.call(b.name, "calc", "toss", [])];
    });
    const err = ((r[0] as unknown[])[1] as unknown[])[1] as unknown[];
    assert.equal((r[0] as unknown[])[0], BADRPC);
    assert.ok(equals(err[0], t(atom("TypeError"), "nope")));
    assert.ok(equals(err[1], [t(atom("calc"), atom("fail"), 0, [])]));
    assert.ok(equals(r[1], t(BADRPC, t(EXIT, atom("went_away")))));
    assert.ok(equals(r[2], t(atom("thrown"), 1)));
  });

  test("timeout: {badrpc, timeout}; a node that cannot be reached: {badrpc, nodedown}; from plain code with await", async () => {
    const r = await runOn(a.rt, function* () {
      return [yield* rpc.call(b.name, "calc", "forever", [], 30), yield* rpc.call("ghost@nowhere", "calc", "add", [1, 2])];
    });
    assert.ok(equals(r[0], t(BADRPC, atom("timeout"))));
    assert.ok(equals(r[1], t(BADRPC, atom("nodedown"))));
    const { setDefaultRuntime } = await import("../../../src/runtime/erlang.js");
    const prev = setDefaultRuntime(a.rt);
    try {
      assert.equal(await rpc.call(b.name, "calc", "add", [40, 2]), 42);
    } finally {
      if (prev) setDefaultRuntime(prev);
    }
  });

  test("rpc.cast runs it and answers nothing", async () => {
    let ran: unknown = null;
    rpc.export("side", "effect", (x: unknown) => {
      ran = x;
    }, { runtime: b.rt });
    await runOn(a.rt, () => rpc.cast(b.name, "side", "effect", [atom("done")]));
    for (let i = 0; i < 50 && ran === null; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(ran, atom("done"));
  });

  test("SPAWN_REQUEST of erpc:execute_call/4 (what erl's rpc:call sends): reply, monitor, and the result in the exit reason", async () => {
    const got: ControlMessage[] = [];
    const handler: ConnectionHandler = { up() {}, down() {}, control: (_c, m) => got.push(m) };
    const erl = await net.factory({ name: "fake_erl@localhost", cookie: "test", hidden: true }, handler);
    try {
      const conn: DistConnection = await erl.connect(b.name);
      const me = new ExternalPid(erl.nodeName, 70, 0, erl.creation);
      const call = (reqId: Ref, mod: string, fn: string, args: unknown[], options: unknown[] = [atom("monitor")]) =>
        conn.send({
          op: "spawn_request",
          reqId,
          from: me,
          groupLeader: me,
          module: atom("erpc"),
          function: atom("execute_call"),
          arity: 4,
          options,
          args: [reqId, atom(mod), atom(fn), args],
        });
      const r1 = new ExternalRef(erl.nodeName, erl.creation, [1, 2, 3]);
      const r2 = new ExternalRef(erl.nodeName, erl.creation, [4, 5, 6]);
      call(r1, "calc", "add", [1, 2]);
      call(r2, "calc", "missing", [atom("x")]);
      for (let i = 0; i < 100 && got.length < 4; i++) await new Promise((r) => setTimeout(r, 5));
      const replies = got.filter((m) => m.op === "spawn_reply") as Extract<ControlMessage, { op: "spawn_reply" }>[];
      const exits = got.filter((m) => m.op === "monitor_exit") as Extract<ControlMessage, { op: "monitor_exit" }>[];
      assert.equal(replies.length, 2);
      assert.equal(replies[0]!.flags, 2, "the monitor was set up");
      assert.equal((replies[0]!.result as Pid).node, b.name);
      const byRef = (r: Ref) => exits.find((m) => equals(m.ref, r))!;
      assert.ok(equals(byRef(r1).reason, t(r1, atom("return"), 3)));
      assert.ok(equals(byRef(r2).reason, t(r2, atom("error"), atom("undef"), [t(atom("calc"), atom("missing"), [atom("x")], [])])));
      assert.ok(equals(byRef(r1).from, replies.find((m) => equals(m.reqId, r1))!.result), "MONITOR_P_EXIT names the spawned pid");
    } finally {
      await erl.stop();
    }
  });

  test("rex answers {From, features_request} with erpc (so erl nodes use spawn requests)", async () => {
    const answer = await runOn(a.rt, function* () {
      send(t(atom("rex"), b.name), t(self(), atom("features_request")));
      return yield* receive(on([atom("features_reply"), _, _], (m) => m));
    });
    assert.ok(equals(answer, t(atom("features_reply"), b.name, [atom("erpc")])));
  });
});
