/**
 * Location transparency between two (or three) runtimes joined in memory:
 * every message and signal crosses the real control-message codec and ETF
 * encoder/decoder, so these check the semantics layer end to end short of
 * sockets (test/interop/ does it against real erl and elixir).
 */
import assert from "node:assert/strict";
import { after as afterAll, before, describe, test } from "node:test";
import {
  type Atom,
  type CallSpec,
  type From,
  CallError,
  ExternalPid,
  GenServer,
  Pid,
  _,
  after,
  atom,
  call,
  cast,
  demonitor,
  equals,
  exit,
  isAlive,
  link,
  monitor,
  monitorNode,
  noreply,
  node,
  nodes,
  ok,
  on,
  processFlag,
  processInfo,
  receive,
  reply,
  self,
  send,
  sleep,
  spawn,
  t,
  unlink,
} from "../../../src/index.js";
import { connect, disconnect, monitorNodes } from "../../../src/distribution/node.js";
import { await_ } from "../../../src/runtime/receive.js";
import { LocalRef, Proc } from "../../../src/runtime/process.js";
import { type TestNode, cluster, learn, runOn, shutdown, wait } from "./helpers.js";

const DOWN = atom("DOWN");
const EXIT = atom("EXIT");
const PROCESS = atom("process");
const NOCONNECTION = atom("noconnection");
const NOPROC = atom("noproc");

type EchoCalls = CallSpec<unknown, unknown>;
class Echo extends GenServer<unknown[], EchoCalls, unknown, unknown, undefined> {
  init() {
    return ok([] as unknown[]);
  }
  override handleCall(req: unknown, from: From, casts: unknown[]) {
    if (req === atom("casts")) return reply(casts, casts);
    if (req === atom("slow")) return noreply(casts);
    if (req === atom("from")) return reply(from, casts);
    return reply(t(atom("echo"), req), casts);
  }
  override handleCast(req: unknown, casts: unknown[]) {
    return noreply([...casts, req]);
  }
}

/** A process on `n`, registered as `name`, that answers `{Pid, Msg}` by sending Msg to Pid. */
function bouncer(n: TestNode, name: string): Proc {
  const p = n.rt.spawn(function* () {
    for (;;) {
      const m = (yield* receive(on([_, _], (x) => x))) as unknown[];
      send(m[0] as Pid, m[1]);
    }
  });
  n.rt.register(name, p);
  return p;
}

describe("two nodes", () => {
  let a: TestNode;
  let b: TestNode;
  let all: TestNode[];
  before(async () => {
    ({ nodes: all } = await cluster(["a", "b"]));
    [a, b] = all as [TestNode, TestNode];
    await runOn(b.rt, function* () {
      yield* GenServer.start(new Echo(), undefined, { name: "echo" });
    });
  });
  afterAll(() => shutdown(all));

  test("node() is the node's name; pids carry it", async () => {
    const [me, pidNode] = await runOn(a.rt, () => [node(), node(self())]);
    assert.equal(me, a.name);
    assert.equal(pidNode, a.name);
  });

  test("send to {Name, Node} and to a remote pid; a pid that went out and came back is the live process", async () => {
    const remote = await learn(bouncer(b, "bounce"), a);
    const got = await runOn(a.rt, function* () {
      const me = self();
      send(t(atom("bounce"), b.name), t(me, t(atom("hello"), me)));
      const m1 = yield* receive(on([atom("hello"), _], (m) => m));
      send(remote, t(me, atom("by_pid")));
      const m2 = yield* receive(on(atom("by_pid"), (m) => m));
      return { m2, same: m1[1] === me };
    });
    assert.equal(got.same, true, "the pid came back as the very Proc object");
    assert.equal(got.m2, atom("by_pid"));
  });

  test("messages sent while connecting arrive in order", async () => {
    const { nodes: [x, y] } = await cluster(["x", "y"]);
    try {
      const sink = await runOn(y!.rt, () => {
        const p = y!.rt.spawn(function* () {
          const got: unknown[] = [];
          while (got.length < 100) got.push(yield* receive(on(_, (m) => m)));
          send(got[0] as Pid, got.slice(1));
        });
        y!.rt.register("sink", p);
        return p;
      });
      assert.ok(sink instanceof Proc);
      const got = await runOn(x!.rt, function* () {
        const dest = t(atom("sink"), y!.name);
        send(dest, self()); // starts the connection; everything below is queued behind it
        for (let i = 1; i < 100; i++) send(dest, i);
        return yield* receive(on(_, (m) => m));
      });
      assert.deepEqual(got, Array.from({ length: 99 }, (_v, i) => i + 1));
    } finally {
      await shutdown([x!, y!]);
    }
  });

  test("GenServer.call and cast by {Name, Node} and by remote pid", async () => {
    const r = await runOn(a.rt, function* () {
      const server = t(atom("echo"), b.name);
      const byName = yield* call(server, atom("hi"));
      cast(server, atom("c1"));
      cast(server, atom("c2"));
      const casts = yield* call(server, atom("casts"));
      const from = (yield* call(server, atom("from"))) as unknown[];
      const pid = yield* await_(learn(b.rt.whereis("echo")!, a));
      const byPid = yield* call(pid, 42);
      return { byName, casts, fromIsMe: from[0] === self(), byPid };
    });
    assert.ok(equals(r.byName, t(atom("echo"), atom("hi"))));
    assert.deepEqual(r.casts, [atom("c1"), atom("c2")]);
    assert.equal(r.fromIsMe, true);
    assert.ok(equals(r.byPid, t(atom("echo"), 42)));
  });

  test("await call from plain code to a remote server", async () => {
    const prev = (await import("../../../src/runtime/erlang.js")).setDefaultRuntime(a.rt);
    try {
      const v = await call(t(atom("echo"), b.name), atom("plain"));
      assert.ok(equals(v, t(atom("echo"), atom("plain"))));
      await assert.rejects(Promise.resolve(call(t(atom("nosuch"), b.name), atom("x"))), (e: unknown) => e instanceof CallError && (e.reason as unknown[])[0] === NOPROC);
    } finally {
      if (prev) (await import("../../../src/runtime/erlang.js")).setDefaultRuntime(prev);
    }
  });

  test("a call to a name not registered there fails with noproc; a call that times out with timeout, and its late reply is dropped", async () => {
    const r = await runOn(a.rt, function* () {
      const out: unknown[] = [];
      try {
        yield* call(t(atom("nosuch"), b.name), atom("x"));
      } catch (e) {
        out.push((e as CallError).reason);
      }
      try {
        yield* call(t(atom("echo"), b.name), atom("slow"), 50);
      } catch (e) {
        out.push((e as CallError).reason);
      }
      yield* sleep(100);
      out.push(processInfo(self(), "messages"));
      return out;
    });
    assert.ok(equals(r[0], t(NOPROC, t(atom("gen_server"), atom("call"), [t(atom("nosuch"), b.name), atom("x")]))));
    assert.equal((r[1] as unknown[])[0], atom("timeout"));
    assert.deepEqual(r[2], []);
  });

  test("monitor a remote pid and {Name, Node}: DOWN names the pid or {Name, Node}, with the reason", async () => {
    const r = await runOn(a.rt, function* () {
      const target = b.rt.spawn(function* () {
        yield* receive(on(atom("die"), () => undefined));
        exit(atom("bye"));
      });
      b.rt.register("target_m", target);
      const remote = yield* await_(learn(target, a));
      const r1 = monitor(remote);
      const r2 = monitor(t(atom("target_m"), b.name));
      yield* sleep(20);
      send(remote, atom("die"));
      const d1 = yield* receive(on([DOWN, r1, _, _, _], (m) => m));
      const d2 = yield* receive(on([DOWN, r2, _, _, _], (m) => m));
      const r3 = monitor(t(atom("not_there"), b.name));
      const d3 = yield* receive(on([DOWN, r3, _, _, _], (m) => m));
      return { d1, d2, d3 };
    });
    assert.equal(r.d1[2], PROCESS);
    assert.ok(r.d1[3] instanceof Pid && (r.d1[3] as Pid).node === b.name);
    assert.equal(r.d1[4], atom("bye"));
    assert.ok(equals(r.d2[3], t(atom("target_m"), b.name)));
    assert.equal(r.d2[4], atom("bye"));
    assert.ok(equals(r.d3[3], t(atom("not_there"), b.name)));
    assert.equal(r.d3[4], NOPROC);
  });

  test("demonitor: no DOWN after the remote process dies; the peer forgets the monitor", async () => {
    const target = b.rt.spawn(function* () {
      yield* receive(on(atom("die"), () => undefined));
    });
    const remote = await learn(target, a);
    const msgs = await runOn(a.rt, function* () {
      const ref = monitor(remote);
      yield* sleep(20);
      const watched = (processInfo(target, "monitored_by") as Pid[]).length;
      demonitor(ref);
      yield* sleep(20);
      const after = (processInfo(target, "monitored_by") as Pid[]).length;
      send(remote, atom("die"));
      yield* sleep(30);
      return { watched, after, msgs: processInfo(self(), "messages") };
    });
    assert.equal(msgs.watched, 1);
    assert.equal(msgs.after, 0);
    assert.deepEqual(msgs.msgs, []);
  });

  test("links across nodes: exit signals both ways, trapped or not, and noproc for a missing process", async () => {
    // a links to a process on b that dies: a (trapping) gets the EXIT message.
    const r1 = await runOn(a.rt, function* () {
      processFlag("trap_exit", true);
      const target = b.rt.spawn(function* () {
        yield* receive(on(atom("die"), () => undefined));
        exit(atom("crashed"));
      });
      const remote = yield* await_(learn(target, a));
      link(remote);
      yield* sleep(20);
      const linkedThere = (processInfo(target, "links") as Pid[]).map((p) => equals(p, self()));
      send(remote, atom("die"));
      const m = yield* receive(on([EXIT, _, _], (x) => x));
      return { linkedThere, reason: m[2], fromNode: (m[1] as Pid).node };
    });
    assert.deepEqual(r1.linkedThere, [true]);
    assert.equal(r1.reason, atom("crashed"));
    assert.equal(r1.fromNode, b.name);

    // a non-trapping process on a dies with the remote process's reason.
    const victim = a.rt.spawn(function* () {
      yield* receive(on(atom("never"), () => undefined));
    });
    const watcher = await runOn(a.rt, function* () {
      const ref = monitor(victim);
      const target = b.rt.spawn(function* () {
        yield* receive(on(atom("die"), () => undefined));
        exit(atom("boom"));
      });
      const remote = yield* await_(learn(target, a));
      // the link is made from a's side, on behalf of victim: run it in victim? Use a helper process instead.
      const linker = a.rt.spawn(function* () {
        link(remote);
        link(victim);
        yield* receive(on(atom("never"), () => undefined));
      });
      yield* sleep(20);
      send(remote, atom("die"));
      const d = yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]));
      return { d, linkerAlive: isAlive(linker) };
    });
    assert.equal(watcher.d, atom("boom"));
    assert.equal(watcher.linkerAlive, false);

    // the other way: a process on a dies, its remote link partner on b (trapping) learns it.
    const r3 = await runOn(b.rt, function* () {
      processFlag("trap_exit", true);
      const me = self();
      const remoteMe = yield* await_(learn(me as Proc, a));
      a.rt.spawn(function* () {
        link(remoteMe);
        yield* sleep(20);
        exit(atom("a_died"));
      });
      return yield* receive(on([EXIT, _, _], (m) => m[2]));
    });
    assert.equal(r3, atom("a_died"));

    // linking to a process that is gone: a trapping caller gets {'EXIT', Pid, noproc}; link/1 itself returns true.
    const r4 = await runOn(a.rt, function* () {
      processFlag("trap_exit", true);
      const gone = b.rt.spawn(() => undefined);
      yield* sleep(10);
      const remote = yield* await_(learn(gone, a));
      const ret = link(remote);
      const m = yield* receive(on([EXIT, _, _], (x) => x));
      return { ret, reason: m[2], links: processInfo(self(), "links") };
    });
    assert.equal(r4.ret, true);
    assert.equal(r4.reason, NOPROC);
    assert.deepEqual(r4.links, []);
  });

  test("unlink: no exit signal through the link afterwards, on either side", async () => {
    const r = await runOn(a.rt, function* () {
      processFlag("trap_exit", true);
      const target = b.rt.spawn(function* () {
        processFlag("trap_exit", true);
        const got: unknown[] = [];
        for (;;) {
          const m = yield* receive(on(_, (x) => x), after(80, () => null));
          if (m === null) break;
          got.push(m);
        }
        exit(t(atom("saw"), got));
      });
      const remote = yield* await_(learn(target, a));
      const ref = monitor(remote);
      link(remote);
      yield* sleep(10);
      unlink(remote);
      yield* sleep(10);
      const linksThere = processInfo(target, "links");
      const d = yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]));
      const stray = processInfo(self(), "messages");
      return { linksThere, d, stray };
    });
    assert.deepEqual(r.linksThere, []);
    assert.ok(equals(r.d, t(atom("saw"), [])), "b never saw an exit signal");
    assert.deepEqual(r.stray, [], "a got no EXIT when b's process died");
  });

  test("exit/2 across nodes follows the truth table: kill kills, normal is ignored, a trapping target gets the message", async () => {
    const r = await runOn(a.rt, function* () {
      const mk = (trap: boolean) =>
        b.rt.spawn(function* () {
          if (trap) processFlag("trap_exit", true);
          const m = yield* receive(on(_, (x) => x));
          exit(t(atom("got"), m));
        });
      const p1 = mk(false);
      const p2 = mk(false);
      const p3 = mk(true);
      const p4 = mk(true);
      const [e1, e2, e3, e4] = [yield* await_(learn(p1, a)), yield* await_(learn(p2, a)), yield* await_(learn(p3, a)), yield* await_(learn(p4, a))];
      const [m1, m2, m3, m4] = [monitor(e1), monitor(e2), monitor(e3), monitor(e4)];
      exit(e1, atom("kill"));
      exit(e2, atom("normal"));
      exit(e3, atom("normal"));
      exit(e4, atom("kill"));
      const reasons: unknown[] = [];
      for (const ref of [m1, m3, m4]) reasons.push(yield* receive(on([DOWN, ref, _, _, _], (m) => m[4])));
      yield* sleep(20);
      reasons.push(isAlive(p2));
      exit(e2, atom("shutdown"));
      reasons.push(yield* receive(on([DOWN, m2, _, _, _], (m) => m[4])));
      return reasons;
    });
    assert.equal(r[0], atom("killed"));
    const trapped = r[1] as unknown[];
    assert.equal(trapped[0], atom("got"));
    assert.ok(equals((trapped[1] as unknown[])[0], EXIT) && (trapped[1] as unknown[])[2] === atom("normal"));
    assert.equal(r[2], atom("killed"), "kill through exit/2 cannot be trapped");
    assert.equal(r[3], true, "normal from another process is ignored");
    assert.equal(r[4], atom("shutdown"));
  });

  test("net_kernel answers {is_auth, Node} with yes (what net_adm:ping sends)", async () => {
    const v = await runOn(a.rt, function* () {
      return yield* call(t(atom("net_kernel"), b.name), t(atom("is_auth"), a.name), Infinity);
    });
    assert.equal(v, atom("yes"));
  });

  test("net_kernel and rex run under net_sup: killed, they are restarted and answer again", async () => {
    const before = b.rt.whereis("net_kernel")!;
    const rexBefore = b.rt.whereis("rex")!;
    exit(before, atom("kill"));
    exit(rexBefore, atom("kill"));
    await b.rt.settle();
    const after = b.rt.whereis("net_kernel");
    assert.ok(after !== undefined && after !== before, "a new net_kernel");
    assert.ok(b.rt.whereis("rex") !== undefined && b.rt.whereis("rex") !== rexBefore, "a new rex");
    const v = await runOn(a.rt, function* () {
      return yield* call(t(atom("net_kernel"), b.name), t(atom("is_auth"), a.name));
    });
    assert.equal(v, atom("yes"));
  });

  test("alias sent to another node and answered there arrives; after unalias it is dropped", async () => {
    const { alias, unalias } = await import("../../../src/runtime/erlang.js");
    const r = await runOn(a.rt, function* () {
      const al = alias();
      const echoer = b.rt.spawn(function* () {
        for (;;) {
          const m = (yield* receive(on([_, _], (x) => x))) as unknown[];
          send(m[0] as Pid, m[1]); // m[0] is the alias, as b decoded it
        }
      });
      const remote = yield* await_(learn(echoer, a));
      send(remote, t(al, atom("one")));
      const first = yield* receive(on(atom("one"), (m) => m), after(1000, () => "timeout"));
      unalias(al);
      send(remote, t(al, atom("two")));
      yield* sleep(50);
      return { first, rest: processInfo(self(), "messages"), isLocal: al instanceof LocalRef };
    });
    assert.equal(r.first, atom("one"));
    assert.deepEqual(r.rest, []);
    assert.equal(r.isLocal, true);
  });

  test("nodes() lists the peers by visibility; hidden nodes only under nodes('hidden')", async () => {
    const { nodes: ns } = await cluster(["v1", "v2", "h"], { hidden: false });
    try {
      const [v1, v2] = ns as [TestNode, TestNode, TestNode];
      const seen = await runOn(v1.rt, function* () {
        yield* await_(connect(v2.name));
        return [nodes(), nodes("hidden")];
      });
      assert.deepEqual(seen[0], [v2.name]);
      assert.deepEqual(seen[1], []);
      const hiddenSeen = await runOn(a.rt, function* () {
        yield* await_(connect(b.name));
        return [nodes(), nodes("hidden"), nodes("connected")];
      });
      assert.deepEqual(hiddenSeen[0], []);
      assert.ok((hiddenSeen[1] as Atom[]).includes(b.name));
    } finally {
      await shutdown(ns);
    }
  });
});

describe("a node going away", () => {
  test("links get noconnection, then monitors DOWN noconnection, then monitorNode nodedown; calls fail with nodedown", async () => {
    const { net, nodes: ns } = await cluster(["p", "q"]);
    const [p, q] = ns as [TestNode, TestNode];
    try {
      const server = await runOn(q.rt, function* () {
        return yield* GenServer.start(new Echo(), undefined, { name: "echo" });
      });
      const remoteTarget = await learn(
        q.rt.spawn(function* () {
          yield* receive(on(atom("never"), () => undefined));
        }),
        p,
      );
      const result = runOn(p.rt, function* () {
        processFlag("trap_exit", true);
        link(remoteTarget);
        const ref = monitor(remoteTarget);
        monitorNode(q.name);
        yield* sleep(20);
        const first = yield* receive(on(_, (m) => m));
        const second = yield* receive(on(_, (m) => m));
        const third = yield* receive(on(_, (m) => m));
        let callErr: unknown;
        try {
          yield* call(t(atom("echo"), q.name), atom("hi"), 1000);
        } catch (e) {
          callErr = (e as CallError).reason;
        }
        return { first, second, third, ref, callErr };
      });
      await wait(50);
      assert.ok(server instanceof Proc);
      net.kill(q.name);
      const r = await result;
      assert.equal((r.first as unknown[])[0], EXIT);
      assert.equal((r.first as unknown[])[2], NOCONNECTION);
      assert.ok(equals(r.second, t(DOWN, r.ref, PROCESS, remoteTarget, NOCONNECTION)));
      const nd = r.third as unknown[];
      assert.equal(nd[0], atom("nodedown"));
      assert.equal(nd[1], q.name);
      assert.ok(equals((r.callErr as unknown[])[0], t(atom("nodedown"), q.name)));
    } finally {
      await shutdown(ns);
    }
  });

  test("a monitor or link to a node that cannot be reached: noconnection; monitorNode: nodedown; sends are dropped", async () => {
    const { nodes: ns } = await cluster(["lonely"]);
    const [p] = ns as [TestNode];
    try {
      const r = await runOn(p.rt, function* () {
        processFlag("trap_exit", true);
        const ghost = atom("ghost@nowhere");
        send(t(atom("x"), ghost), atom("lost"));
        const ref = monitor(t(atom("x"), ghost));
        const d = yield* receive(on([DOWN, ref, _, _, _], (m) => m));
        monitorNode(ghost);
        const nd = yield* receive(on([atom("nodedown"), _], (m) => m));
        const fake = new ExternalPid(ghost, 1, 0, 1);
        link(fake);
        const ex = yield* receive(on([EXIT, _, _], (m) => m));
        return { d, nd, ex, connected: yield* await_(connect(ghost)) };
      });
      assert.ok(equals(r.d[3], t(atom("x"), atom("ghost@nowhere"))));
      assert.equal(r.d[4], NOCONNECTION);
      assert.equal(r.nd[1], atom("ghost@nowhere"));
      assert.equal(r.ex[2], NOCONNECTION);
      assert.equal(r.connected, false);
    } finally {
      await shutdown(ns);
    }
  });

  test("disconnect: links and monitors get noconnection, monitorNodes subscribers nodedown", async () => {
    const { nodes: ns } = await cluster(["d1", "d2"], { hidden: false });
    const [p, q] = ns as [TestNode, TestNode];
    try {
      const target = q.rt.spawn(function* () {
        yield* receive(on(atom("never"), () => undefined));
      });
      const r = await runOn(p.rt, function* () {
        monitorNodes(true, { nodeType: "all", nodedownReason: true });
        yield* await_(connect(q.name));
        const up = yield* receive(on([atom("nodeup"), _, _], (m) => m));
        const remote = yield* await_(learn(target, p));
        const ref = monitor(remote);
        yield* sleep(20);
        const was = disconnect(q.name);
        const d = yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]));
        const down = yield* receive(on([atom("nodedown"), _, _], (m) => m));
        return { up, was, d, down, after: nodes() };
      });
      assert.ok(equals(r.up, t(atom("nodeup"), q.name, [t(atom("node_type"), atom("visible"))])));
      assert.equal(r.was, true);
      assert.equal(r.d, NOCONNECTION);
      assert.ok(equals(r.down, t(atom("nodedown"), q.name, [t(atom("nodedown_reason"), atom("disconnect")), t(atom("node_type"), atom("visible"))])));
      assert.deepEqual(r.after, []);
    } finally {
      await shutdown(ns);
    }
  });
});

describe("identifiers across the wire", () => {
  test("a dead process's pid comes back as a pid equal to it (sends dropped, link noproc); another creation of the name is not ours", async () => {
    const { nodes: ns } = await cluster(["i1", "i2"]);
    const [p, q] = ns as [TestNode, TestNode];
    try {
      const remote = await learn(bouncer(q, "bounce"), p);
      const r = await runOn(p.rt, function* () {
        const me = self();
        const dead = spawn(() => undefined);
        yield* sleep(10);
        send(remote, t(me, dead));
        const back = yield* receive(on(_, (m) => m));
        const stale = new ExternalPid(me.node, (me as Proc).id, (me as Proc).serial, p.rt.creation + 1);
        send(remote, t(me, stale));
        const staleBack = yield* receive(on(_, (m) => m));
        return { isLive: back === dead, equal: equals(back, dead), staleIsMe: staleBack === me, staleEqualsMe: equals(staleBack, me) };
      });
      assert.equal(r.isLive, false, "a dead process is not remembered");
      assert.equal(r.equal, true);
      assert.equal(r.staleIsMe, false);
      assert.equal(r.staleEqualsMe, false);
      assert.equal(p.rt.wire.size.procs <= 3, true);
    } finally {
      await shutdown(ns);
    }
  });
});

describe("stopping and restarting a node", () => {
  test("stopNode: the peers' links get noconnection; node() is nonode@nohost again; the runtime can become a node again", async () => {
    const { net, nodes: ns } = await cluster(["s1", "s2"]);
    const [p, q] = ns as [TestNode, TestNode];
    try {
      const target = p.rt.spawn(function* () {
        yield* receive(on(atom("never"), () => undefined));
      });
      const remote = await learn(target, q);
      const watching = runOn(q.rt, function* () {
        processFlag("trap_exit", true);
        link(remote);
        return yield* receive(on([EXIT, _, _], (m) => m[2]), after(5000, () => null));
      });
      await wait(30);
      const { stopNode, startNode } = await import("../../../src/distribution/node.js");
      await stopNode(p.rt);
      assert.equal(await watching, NOCONNECTION);
      assert.equal(await runOn(p.rt, () => node()), atom("nonode@nohost"));
      assert.equal(p.rt.dist.size, 0);
      const again = await startNode({ name: `s1b_${process.pid}@localhost`, cookie: "test", runtime: p.rt, transport: net.factory });
      assert.equal(await runOn(p.rt, () => node(self())), again);
      const v = await runOn(p.rt, function* () {
        return yield* call(t(atom("net_kernel"), q.name), t(atom("is_auth"), again));
      });
      assert.equal(v, atom("yes"));
    } finally {
      await shutdown(ns);
    }
  });
});
