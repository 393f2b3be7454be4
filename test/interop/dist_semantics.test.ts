/**
 * Location transparency against real Erlang/OTP nodes on loopback, both
 * ways: ping, send to pids and to {Name, Node}, gen_server calls and casts
 * (by name and pid, timeouts, noproc), links (with UNLINK_ID) and monitors
 * (by pid and by name), exit/2, rpc (erl's erpc spawn requests and rex; Agner
 * through erl's rex), a wrong cookie, a peer killed with -9 and a peer gone
 * silent (net_ticktime). The Agner node runs in this process and holds the
 * embedded EPMD on a private port that every erl node uses.
 *
 * erl learns Agner pids only from messages (Agner sends them to the probe),
 * as over any real connection.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after as afterAll, before, describe, test } from "node:test";
import {
  type Atom,
  type CallSpec,
  type From,
  type Pid,
  CallError,
  GenServer,
  Runtime,
  _,
  after,
  atom,
  call,
  cast,
  equals,
  exit,
  isAlive,
  link,
  monitor,
  monitorNode,
  nodes,
  noreply,
  ok,
  on,
  ping,
  processFlag,
  processInfo,
  receive,
  register,
  rpc,
  self,
  send,
  setDefaultRuntime,
  silentLogger,
  sleep,
  spawn,
  startNode,
  stopNode,
  t,
  unlink,
} from "../../src/index.js";
import { KeyValueStoreServer } from "../../examples/key_value_store.js";
import { needsErl } from "../support/erl.js";
import { type ErlNode, startErl } from "../support/erl_node.js";
import { freePort, uniqueName } from "../support/dist.js";
import { runOn } from "../unit/distribution/helpers.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const peerSource = join(here, "..", "..", "..", "test", "interop", "dist_peer.erl");
const TICKTIME = 4;
const DOWN = atom("DOWN");
const EXIT = atom("EXIT");
const NOCONNECTION = atom("noconnection");

/** Answers 300 ms late, after a caller with a 100 ms timeout gave up. */
class Slow extends GenServer<null, CallSpec<unknown, unknown>> {
  init() {
    return ok(null);
  }
  override handleCall(_r: unknown, from: From) {
    spawn(function* () {
      yield* sleep(300);
      GenServer.reply(from, atom("late"));
    });
    return noreply(null);
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** An Agner process that waits for `{die, Reason}` and exits with it; other messages stay in its mailbox. */
function waiter(trap = false): Pid {
  return spawn(function* () {
    if (trap) processFlag("trap_exit", true);
    exit(yield* receive(on([atom("die"), _], (m) => m[1])));
  });
}

describe("Agner and erl, both ways", needsErl(), () => {
  const cookie = "semantics_cookie";
  let epmdPort: number;
  let build: string;
  let me: Atom;
  let e: ErlNode;
  let en: Atom;
  const erls: ErlNode[] = [];
  const rt = new Runtime({ logger: silentLogger });

  const erl = async (prefix: string, opts: { cookie?: string } = {}): Promise<ErlNode> => {
    const n = await startErl({
      sname: uniqueName(prefix),
      cookie: opts.cookie ?? cookie,
      epmdPort,
      args: ["-pa", build, "-kernel", "net_ticktime", String(TICKTIME)],
    });
    erls.push(n);
    return n;
  };

  /** Hands `pid` to erl's probe (it gets `{Tag, Pid}`). */
  const toProbe = (node: ErlNode, tag: string, pid: Pid) => runOn(rt, () => send(t(atom("probe"), atom(node.node)), t(atom(tag), pid)));

  before(async () => {
    setDefaultRuntime(rt);
    epmdPort = await freePort();
    build = mkdtempSync(join(tmpdir(), "agner-dist-peer-"));
    execFileSync("erlc", ["-o", build, peerSource]);
    me = await startNode({ name: `${uniqueName("agner")}@localhost`, cookie, epmdPort, epmd: "embedded", netTicktime: TICKTIME });
    await GenServer.start(new KeyValueStoreServer(), new Map(), { name: "primary_store" });
    await GenServer.start(new Slow(), undefined, { name: "agner_slow" });
    rpc.export("agner_test", "add", (a: number, b: number) => a + b);
    rpc.export("agner_test", "fail", () => {
      throw new RangeError("out of range");
    });
    e = await erl("erl");
    en = atom(e.node);
    await e.eval("dist_peer:start().");
  });

  afterAll(async () => {
    for (const n of erls) await n.stop(true);
    await stopNode(rt);
    rt.shutdown();
    rmSync(build, { recursive: true, force: true });
  });

  test("ping both ways; erl finds the Agner node in the embedded EPMD; a hidden Agner node is in erl's nodes(hidden)", async () => {
    const names = (await e.eval(`{ok, Ns} = erl_epmd:names("localhost"), [list_to_binary(N) || {N, _} <- Ns].`)) as Uint8Array[];
    assert.ok(names.map((b) => Buffer.from(b).toString()).includes(me.name.split("@")[0]!));
    assert.equal(await e.eval(`net_adm:ping('${me.name}').`), atom("pong"));
    assert.equal(await ping(e.node), atom("pong"));
    assert.equal(await ping(`${uniqueName("nobody")}@localhost`), atom("pang"));
    assert.ok(equals(await e.eval(`{nodes(), lists:member('${me.name}', nodes(hidden))}.`), t([], true)));
    assert.ok(nodes("hidden").includes(en));
  });

  test("erl sends to an Agner name and to the pid it learnt; Agner answers to erl's pid", async () => {
    const echo = spawn(function* () {
      for (;;) {
        const m = (yield* receive(on([_, _], (x) => x))) as unknown[];
        send(m[0] as Pid, t(atom("echo"), m[1], self()));
      }
    });
    register("agner_echo", echo);
    const r = await e.eval(
      `{agner_echo, '${me.name}'} ! {self(), first}, P = receive {echo, first, Pid} -> Pid end, P ! {self(), second}, receive {echo, second, P} -> {same_pid, node(P)} after 5000 -> timeout end.`,
    );
    assert.ok(equals(r, t(atom("same_pid"), me)));
  });

  test("Agner sends to erl's {probe, Node}; erl answers to the Agner pid, which arrives as the live process", async () => {
    const pending = runOn(rt, function* () {
      const mine = self();
      send(t(atom("probe"), en), t(atom("from_agner"), mine));
      const back = yield* receive(on([atom("back"), _], (m) => m), after(10_000, () => null));
      return back !== null && back[1] === mine;
    });
    await e.eval(`receive {from_agner, P} -> P ! {back, P} after 5000 -> timeout end.`);
    assert.equal(await pending, true);
  });

  test("erl calls and casts an Agner GenServer: by name, noproc, a timeout whose late reply is dropped", async () => {
    await e.eval(`gen_server:cast({primary_store, '${me.name}'}, {set, foo, bar}).`);
    assert.equal(await e.eval(`gen_server:call({primary_store, '${me.name}'}, {get, foo}).`), atom("bar"));
    assert.equal(await e.eval(`gen_server:call({primary_store, '${me.name}'}, {get, missing}).`), atom("nil"));
    const noproc = await e.eval(`catch gen_server:call({nosuch, '${me.name}'}, hi).`);
    assert.ok(equals(noproc, t(EXIT, t(atom("noproc"), t(atom("gen_server"), atom("call"), [t(atom("nosuch"), me), atom("hi")])))));
    const timeout = (await e.eval(`catch gen_server:call({agner_slow, '${me.name}'}, hi, 100).`)) as unknown[];
    assert.equal((timeout[1] as unknown[])[0], atom("timeout"));
    await sleepMs(500);
    assert.deepEqual(await e.eval(`{messages, M} = process_info(self(), messages), M.`), [], "the late reply went to a dead alias");
  });

  test("Agner calls and casts an erl gen_server: by name and by pid, noproc, timeout", async () => {
    const server = t(atom("dist_peer"), en);
    const r = await runOn(rt, function* () {
      cast(server, atom("c1"));
      cast(server, atom("c2"));
      const echo = yield* call(server, atom("hi"));
      const casts = yield* call(server, atom("casts"));
      const whoami = yield* call(server, atom("whoami"));
      const pid = (yield* rpc.call(en, "erlang", "whereis", [atom("dist_peer")])) as Pid;
      const byPid = yield* call(pid, 42);
      const errors: unknown[] = [];
      for (const [target, req, tmo] of [
        [t(atom("nosuch"), en), atom("x"), 5000],
        [server, atom("slow"), 100],
      ] as const) {
        try {
          yield* call(target, req, tmo);
        } catch (err) {
          errors.push((err as CallError).reason);
        }
      }
      yield* sleep(100);
      return { echo, casts, whoamiIsMe: equals(whoami, self()), byPid, errors, left: processInfo(self(), "messages") };
    });
    assert.ok(equals(r.echo, t(atom("echo"), atom("hi"))));
    assert.deepEqual(r.casts, [atom("c1"), atom("c2")]);
    assert.equal(r.whoamiIsMe, true, "erl sees the caller's pid");
    assert.ok(equals(r.byPid, t(atom("echo"), 42)));
    assert.ok(equals(r.errors[0], t(atom("noproc"), t(atom("gen_server"), atom("call"), [t(atom("nosuch"), en), atom("x")]))));
    assert.equal((r.errors[1] as unknown[])[0], atom("timeout"));
    assert.deepEqual(r.left, []);
  });

  test("links: Agner links to an erl process and gets its exit (trapped); erl links to an Agner process and gets its exit", async () => {
    const w = (await e.eval("dist_peer:waiter().")) as Pid;
    const r1 = await runOn(rt, function* () {
      processFlag("trap_exit", true);
      link(w);
      yield* sleep(50);
      const linkedThere = yield* rpc.call(en, "erlang", "process_info", [w, atom("links")]);
      send(w, t(atom("die"), atom("bye")));
      const ex = yield* receive(on([EXIT, _, _], (m) => m), after(5000, () => null));
      return { linkedThere, ex, mine: self() };
    });
    assert.ok(equals(r1.linkedThere, t(atom("links"), [r1.mine])), "erl's process is linked to ours");
    assert.ok(r1.ex !== null && equals(r1.ex[1], w) && r1.ex[2] === atom("bye"));

    const victim = waiter();
    await toProbe(e, "victim", victim);
    await e.eval(`V = receive {victim, X} -> X end, L = dist_peer:linker(V, self()), receive {linked, L} -> put(linker, L), ok end.`);
    const links = processInfo(victim, "links") as Pid[];
    assert.equal(links.length, 1);
    assert.equal(links[0]!.node, en);
    send(victim, t(atom("die"), atom("agner_bye")));
    const got = (await e.eval(`receive {report, _, M} -> M after 5000 -> timeout end.`)) as unknown[];
    assert.ok(equals(got[1], victim) && got[0] === EXIT && got[2] === atom("agner_bye"), `erl got ${String(got)}`);
  });

  test("unlink both ways (UNLINK_ID and its ack): no exit signal afterwards, no link left on either side", async () => {
    const w = (await e.eval("dist_peer:waiter().")) as Pid;
    const r = await runOn(rt, function* () {
      processFlag("trap_exit", true);
      link(w);
      yield* sleep(50);
      unlink(w);
      yield* sleep(50);
      const there = yield* rpc.call(en, "erlang", "process_info", [w, atom("links")]);
      send(w, t(atom("die"), atom("bye")));
      yield* sleep(200);
      return { there, got: processInfo(self(), "messages"), here: processInfo(self(), "links") };
    });
    assert.ok(equals(r.there, t(atom("links"), [])));
    assert.deepEqual(r.got, []);
    assert.deepEqual(r.here, []);

    const victim = waiter();
    await toProbe(e, "victim2", victim);
    await e.eval(`V = receive {victim2, X} -> X end, L = dist_peer:linker(V, self()), receive {linked, L} -> ok end, L ! {unlink, V}, receive {report, L, unlinked} -> put(linker2, L), ok end.`);
    await sleepMs(50);
    assert.deepEqual(processInfo(victim, "links"), [], "erl's UNLINK_ID removed the link here");
    send(victim, t(atom("die"), atom("ignored")));
    assert.equal(await e.eval(`L = get(linker2), receive {report, L, M} -> M after 300 -> none end.`), atom("none"));
  });

  test("a missing remote process: link gives noproc; monitor by pid and by {Name, Node} give noproc DOWNs", async () => {
    const gone = (await e.eval("P = spawn(fun() -> ok end), timer:sleep(50), P.")) as Pid;
    const r = await runOn(rt, function* () {
      processFlag("trap_exit", true);
      link(gone);
      const ex = yield* receive(on([EXIT, _, _], (m) => m[2]), after(5000, () => null));
      const ref = monitor(gone);
      const d = yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]), after(5000, () => null));
      const ref2 = monitor(t(atom("not_registered"), en));
      const d2 = yield* receive(on([DOWN, ref2, _, _, _], (m) => m), after(5000, () => null));
      return { ex, d, d2 };
    });
    assert.equal(r.ex, atom("noproc"));
    assert.equal(r.d, atom("noproc"));
    assert.ok(r.d2 !== null && equals(r.d2[3], t(atom("not_registered"), en)) && r.d2[4] === atom("noproc"));
  });

  test("monitors: Agner monitors erl processes by pid and by name; erl monitors Agner processes by pid and by name", async () => {
    const w = (await e.eval("dist_peer:waiter().")) as Pid;
    await e.eval("register(named_waiter, dist_peer:waiter()), ok.");
    const r = await runOn(rt, function* () {
      const r1 = monitor(w);
      const r2 = monitor(t(atom("named_waiter"), en));
      yield* sleep(50);
      send(w, t(atom("die"), atom("r1")));
      send(t(atom("named_waiter"), en), t(atom("die"), atom("r2")));
      const d1 = yield* receive(on([DOWN, r1, _, _, _], (m) => m), after(5000, () => null));
      const d2 = yield* receive(on([DOWN, r2, _, _, _], (m) => m), after(5000, () => null));
      return { d1, d2 };
    });
    assert.ok(r.d1 !== null && equals(r.d1[3], w) && r.d1[4] === atom("r1"));
    assert.ok(r.d2 !== null && equals(r.d2[3], t(atom("named_waiter"), en)) && r.d2[4] === atom("r2"));

    const byPid = waiter();
    const byName = waiter();
    register("agner_named", byName);
    await toProbe(e, "bypid", byPid);
    await e.eval(
      `V = receive {bypid, X} -> X end, M1 = dist_peer:monitorer(V, self()), M2 = dist_peer:monitorer({agner_named, '${me.name}'}, self()), M3 = dist_peer:monitorer({nosuch, '${me.name}'}, self()), [receive {monitoring, M, _} -> ok end || M <- [M1, M2, M3]], put(ms, [M1, M2, M3]), ok.`,
    );
    assert.equal((processInfo(byPid, "monitored_by") as Pid[])[0]!.node, en);
    send(byPid, t(atom("die"), atom("p1")));
    send(byName, t(atom("die"), atom("p2")));
    const downs = (await e.eval(
      `[M1, M2, M3] = get(ms), [receive {report, M, {'DOWN', _, process, What, Why}} -> {What, Why} after 5000 -> timeout end || M <- [M1, M2, M3]].`,
    )) as unknown[];
    assert.ok(equals((downs[0] as unknown[])[0], byPid) && (downs[0] as unknown[])[1] === atom("p1"));
    assert.ok(equals(downs[1], t(t(atom("agner_named"), me), atom("p2"))));
    assert.ok(equals(downs[2], t(t(atom("nosuch"), me), atom("noproc"))));
  });

  test("exit/2 both ways follows the truth table: kill is killed, normal ignored by non-trappers, trapped as a message", async () => {
    const w1 = (await e.eval("dist_peer:waiter().")) as Pid;
    const w2 = (await e.eval("dist_peer:waiter().")) as Pid;
    const r = await runOn(rt, function* () {
      const ref = monitor(w1);
      exit(w1, atom("kill"));
      exit(w2, atom("normal"));
      const d = yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]), after(5000, () => null));
      yield* sleep(50);
      return { d, w2alive: yield* rpc.call(en, "erlang", "is_process_alive", [w2]) };
    });
    assert.equal(r.d, atom("killed"));
    assert.equal(r.w2alive, true);

    const plain = waiter();
    const trapping = waiter(true);
    const killed = waiter(true);
    await toProbe(e, "plain", plain);
    await toProbe(e, "trapping", trapping);
    await toProbe(e, "killed", killed);
    const watch = await runOn(rt, () => [monitor(plain), monitor(killed)]);
    void watch;
    await e.eval(
      `P = receive {plain, A} -> A end, T = receive {trapping, B} -> B end, K = receive {killed, C} -> C end, exit(P, normal), exit(T, normal), exit(K, kill), ok.`,
    );
    await sleepMs(200);
    assert.equal(isAlive(plain), true, "normal from another process is ignored");
    assert.equal(isAlive(killed), false, "kill through exit/2 cannot be trapped");
    const trapped = processInfo(trapping, "messages") as unknown[];
    assert.equal(trapped.length, 1);
    assert.equal((trapped[0] as unknown[])[0], EXIT);
    assert.equal(((trapped[0] as unknown[])[1] as Pid).node, en);
    assert.equal((trapped[0] as unknown[])[2], atom("normal"));
  });

  test("rpc from erl: rpc:call and erpc:call (spawn requests), rpc:block_call (rex), exceptions and undef as erl reports them", async () => {
    assert.equal(await e.eval(`rpc:call('${me.name}', agner_test, add, [1, 2]).`), 3);
    assert.equal(await e.eval(`erpc:call('${me.name}', agner_test, add, [2, 3]).`), 5);
    assert.equal(await e.eval(`rpc:block_call('${me.name}', agner_test, add, [3, 4]).`), 7);
    assert.ok(equals(await e.eval(`rpc:call('${me.name}', nope, nope, [1]).`), t(atom("badrpc"), t(EXIT, t(atom("undef"), [t(atom("nope"), atom("nope"), [1], [])])))));
    const fail = (await e.eval(`rpc:call('${me.name}', agner_test, fail, []).`)) as unknown[];
    assert.equal(fail[0], atom("badrpc"));
    const reason = ((fail[1] as unknown[])[1] as unknown[])[0];
    assert.ok(equals(reason, t(atom("RangeError"), new TextEncoder().encode("out of range"))));
    const raised = (await e.eval(`catch erpc:call('${me.name}', nope, nope, []).`)) as unknown[];
    assert.equal(raised[0], EXIT);
    assert.ok(equals((raised[1] as unknown[])[0], t(atom("exception"), atom("undef"), [t(atom("nope"), atom("nope"), [], [])])));
  });

  test("rpc from Agner through erl's rex: results, an erl exception, a timeout", async () => {
    const r = await runOn(rt, function* () {
      return [
        yield* rpc.call(en, "erlang", "node", []),
        yield* rpc.call(en, "lists", "reverse", [[1, 2, 3]]),
        yield* rpc.call(en, "erlang", "error", [atom("boom")]),
        yield* rpc.call(en, "timer", "sleep", [2000], 100),
      ];
    });
    assert.equal(r[0], en);
    assert.deepEqual(r[1], [3, 2, 1]);
    assert.equal((r[2] as unknown[])[0], atom("badrpc"));
    assert.equal((((r[2] as unknown[])[1] as unknown[])[1] as unknown[])[0], atom("boom"));
    assert.ok(equals(r[3], t(atom("badrpc"), atom("timeout"))));
  });

  test("a wrong cookie is refused both ways: pang, and a monitor there is a noconnection DOWN", async () => {
    const bad = await erl("badcookie", { cookie: "another_cookie" });
    assert.equal(await bad.eval(`net_adm:ping('${me.name}').`), atom("pang"));
    assert.equal(await ping(bad.node), atom("pang"));
    const d = await runOn(rt, function* () {
      const ref = monitor(t(atom("probe"), atom(bad.node)));
      return yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]), after(15_000, () => null));
    });
    assert.equal(d, NOCONNECTION);
  });

  test("erl killed with -9: links get noconnection, monitors DOWN noconnection, monitorNode nodedown; a pending call fails with nodedown", async () => {
    const k = await erl("kill9");
    const kn = atom(k.node);
    await k.eval("dist_peer:start(), register(w9, dist_peer:waiter()), ok.");
    const w = (await k.eval("dist_peer:waiter().")) as Pid;
    const watching = runOn(rt, function* () {
      processFlag("trap_exit", true);
      link(w);
      const ref = monitor(t(atom("w9"), kn));
      monitorNode(kn);
      const got: unknown[] = [];
      for (let i = 0; i < 3; i++) got.push(yield* receive(on(_, (m) => m), after(15_000, () => "timeout")));
      return { got, ref };
    });
    const caller = runOn(rt, function* () {
      try {
        return yield* call(t(atom("dist_peer"), kn), atom("slow"), Infinity);
      } catch (err) {
        return (err as CallError).reason;
      }
    });
    await sleepMs(300);
    await k.stop(true); // SIGKILL
    const { got, ref } = await watching;
    assert.ok(equals(got[0], t(EXIT, w, NOCONNECTION)), `first: ${String(got[0])}`);
    assert.ok(equals(got[1], t(DOWN, ref, atom("process"), t(atom("w9"), kn), NOCONNECTION)));
    assert.ok(equals(got[2], t(atom("nodedown"), kn)));
    assert.ok(equals(((await caller) as unknown[])[0], t(atom("nodedown"), kn)));
  });

  test("erl stopped (SIGSTOP): silent past net_ticktime, it is declared down: DOWN noconnection and nodedown", async () => {
    const s = await erl("silent");
    const sn = atom(s.node);
    const w = (await s.eval("dist_peer:waiter().")) as Pid;
    const watching = runOn(rt, function* () {
      const ref = monitor(w);
      monitorNode(sn);
      const d = yield* receive(on([DOWN, ref, _, _, _], (m) => m[4]), after(TICKTIME * 4000, () => "no DOWN"));
      const nd = yield* receive(on([atom("nodedown"), sn], () => true), after(1000, () => false));
      return { d, nd };
    });
    await sleepMs(200);
    process.kill(s.pid, "SIGSTOP");
    try {
      const r = await watching;
      assert.equal(r.d, NOCONNECTION);
      assert.equal(r.nd, true);
    } finally {
      process.kill(s.pid, "SIGKILL");
      process.kill(s.pid, "SIGCONT");
    }
  });
});
