import assert from "node:assert/strict";
import { test } from "node:test";
import { type Atom, type CallSpec, GenServer, Registry, Supervisor, atom, charlist, equals, isAlive, ok, sys, t } from "../../../src/index.js";
import { Tuple } from "../../../src/term/tuple.js";
import { systemCall } from "../../../src/otp/gen.js";
import { run } from "../../../src/runtime/erlang.js";
import { testRuntime } from "../../support/runtime.js";

testRuntime();

class Account extends GenServer<{ owner: string; balance: number }, CallSpec<Atom<"get">, number>, never, unknown, number> {
  init(n: number) {
    return ok({ owner: "ann", balance: n });
  }
}

class Secret extends GenServer<{ token: string }, CallSpec<never, never>, never, unknown, undefined> {
  init() {
    return ok({ token: "hunter2" });
  }
  override formatStatus(opt: Atom, [pdict, s]: [unknown[], { token: string }]) {
    return [t(atom("data"), [t(charlist("State"), { ...s, token: "***" })]), t(atom("seen"), opt, pdict.length)];
  }
}

class Broken extends GenServer<number, CallSpec<never, never>, never, unknown, undefined> {
  init() {
    return ok(1);
  }
  override formatStatus(): unknown {
    throw new Error("no");
  }
}

const raw = (server: unknown) => systemCall<unknown>(server as never, atom("get_status"), 5000);
const chars = (s: string) => charlist(s);

test("a GenServer answers get_status with {status, Pid, {module, gen_server}, [PDict, SysState, Parent, Dbg, Misc]}, as gen_server", async () => {
  const s = await GenServer.start(new Account(), 10, { name: "acct" });
  const r = (await raw(s)) as Tuple;
  assert.ok(r instanceof Tuple && r.length === 4);
  assert.equal(r[0], atom("status"));
  assert.equal(r[1], s);
  assert.ok(equals(r[2], t(atom("module"), atom("gen_server"))));
  const [pdict, sysState, parent, dbg, misc] = r[3] as unknown[];
  assert.ok(equals((pdict as unknown[])[0], t(atom("$initial_call"), t(atom("Account"), atom("init"), 1))));
  assert.equal(sysState, atom("running"));
  assert.equal(parent, s, "started unlinked: its parent is itself, as gen does");
  assert.deepEqual(dbg, []);
  const [header, status, data] = misc as Tuple[];
  assert.ok(equals(header, t(atom("header"), chars("Status for generic server acct"))));
  assert.ok(equals(status, t(atom("data"), [t(chars("Status"), atom("running")), t(chars("Parent"), s), t(chars("Logged events"), [])])));
  assert.equal(data![0], atom("data"));
  const [[key, state]] = data![1] as [unknown, unknown][];
  assert.ok(equals(key, chars("State")));
  assert.deepEqual(state, { owner: "ann", balance: 10 });
  assert.equal((misc as unknown[]).length, 3);
});

test("sys.getStatus reads that tuple into a typed object; suspended and traced servers say so", async () => {
  const s = await GenServer.start(new Account(), 3);
  await sys.suspend(s);
  await sys.trace(s, true);
  const st = await sys.getStatus<{ balance: number }>(s);
  assert.equal(st.pid, s);
  assert.equal(st.module, "gen_server");
  assert.equal(st.status, "suspended");
  assert.equal(st.parent, s);
  assert.equal(st.state?.balance, 3);
  assert.ok(equals(st.initialCall, t(atom("Account"), atom("init"), 1)));
  assert.deepEqual(st.loggedEvents, []);
  assert.ok(st.debug.some((d) => equals(d, t(atom("trace"), true))));
  assert.match(st.header as string, /^Status for generic server <\d+\.\d+\.\d+>$/);
  assert.equal(st.data.get("Status"), atom("suspended"));
  await sys.resume(s);
  // Inside a process too (yield*), and the parent of a linked server is its starter.
  const inner = await run(function* () {
    const me = yield* GenServer.startLink(new Account(), 1);
    const got = yield* sys.getStatus(me);
    return [got.parent, got.status] as const;
  });
  assert.equal(inner[1], "running");
  assert.ok(!isAlive(inner[0]), "the starter (a finished process)");
});

test("formatStatus replaces the state part (a list as is, a term wrapped); one that throws shows that it crashed", async () => {
  const s = await GenServer.start(new Secret(), undefined);
  const st = await sys.getStatus<{ token: string }>(s);
  assert.equal(st.state?.token, "***");
  assert.ok(equals(st.misc.at(-1), t(atom("seen"), atom("normal"), 2)), "called with normal and the process dictionary");
  const b = await GenServer.start(new Broken(), undefined);
  const sb = await sys.getStatus(b);
  assert.ok(equals(sb.misc.at(-1), t(atom("data"), [t(chars("State"), chars("Broken:format_status/2 crashed"))])));
  assert.ok(equals(sb.state, chars("Broken:format_status/2 crashed")));
});

test("a supervisor answers in the same shape: OTP's #state{} record and {supervisor, [{\"Callback\", Module}]}", async () => {
  const sup = await Supervisor.start([{ id: "acct", start: () => GenServer.startLink(new Account(), 7).result() }], { name: "acct_sup", intensity: 4, period: 9 });
  const st = await sys.getStatus(sup);
  assert.equal(st.module, "gen_server");
  assert.equal(st.status, "running");
  assert.equal(st.header, "Status for generic server acct_sup");
  assert.ok(equals(st.initialCall, t(atom("supervisor"), atom("Supervisor"), 1)));
  const rec = st.state as Tuple;
  assert.equal(rec[0], atom("state"));
  assert.ok(equals(rec[1], t(atom("local"), atom("acct_sup"))));
  assert.equal(rec[2], atom("one_for_one"));
  const [ids, db] = rec[3] as [string[], Map<unknown, unknown>];
  assert.deepEqual(ids, ["acct"]);
  const child = db.get("acct") as Tuple;
  assert.equal(child[0], atom("child"));
  assert.ok(isAlive(child[1] as never));
  assert.equal(child[4], atom("permanent"));
  assert.equal(child[6], 5000);
  assert.equal(child[7], atom("worker"));
  assert.deepEqual([rec[5], rec[6]], [4, 9]);
  assert.ok(equals(st.misc.at(-1), t(atom("supervisor"), [t(chars("Callback"), atom("Supervisor"))])));
});

test("a via-name gives gen's header for other names: {\"Status for generic server\", Key}", async () => {
  await Registry.start({ keys: "unique", name: "status_reg" });
  const s = await GenServer.start(new Account(), 1, { name: Registry.via("status_reg", t(atom("acct"), 2)) });
  const st = await sys.getStatus(s);
  assert.ok(equals(st.header, t(chars("Status for generic server"), t(atom("acct"), 2))));
});
