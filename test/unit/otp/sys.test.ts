import assert from "node:assert/strict";
import { test } from "node:test";
import { type Atom, type CallSpec, type From, ExternalPid, GenServer, atom, call, cast, equals, isAlive, noreply, ok, processInfo, reply, sys, t } from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";
import { Fun } from "../../../src/term/fun.js";
import { systemCall } from "../../../src/otp/gen.js";

const self0 = () => new ExternalPid(atom("erl@h"), 1, 0, 1);

const { rt } = testRuntime();

class Box extends GenServer<number, CallSpec<Atom<"get">, number>, Atom<"inc">, unknown, number> {
  terminated: unknown = null;
  init(n: number) {
    return ok(n);
  }
  override handleCall(_r: Atom<"get">, _f: From, n: number) {
    return reply(n, n);
  }
  override handleCast(_r: Atom<"inc">, n: number) {
    return noreply(n + 1);
  }
  override terminate(reason: unknown) {
    this.terminated = reason;
  }
}

test("getState / replaceState", async () => {
  const s = await GenServer.start(new Box(), 1);
  assert.equal(await sys.getState(s), 1);
  assert.equal(await sys.replaceState(s, (n: number) => n * 10), 10);
  assert.equal(await call(s, atom("get")), 10);
});

test("suspend holds every other message, in order, until resume", async () => {
  const s = await GenServer.start(new Box(), 0);
  await sys.suspend(s);
  cast(s, atom("inc"));
  cast(s, atom("inc"));
  const pending = call(s, atom("get"));
  await rt.settle();
  assert.equal(await sys.getState(s), 0, "system messages are still answered");
  assert.equal((await sys.getStatus(s)).status, "suspended");
  await sys.resume(s);
  assert.equal((await sys.getStatus(s)).status, "running");
  assert.equal(await pending, 2, "the call saw both casts, in order");
});

test("what a suspended server holds is still its queue to processInfo, as in Erlang's mailbox", async () => {
  const s = await GenServer.start(new Box(), 0);
  await sys.suspend(s);
  cast(s, atom("inc"));
  cast(s, atom("inc"));
  await rt.settle();
  assert.equal(processInfo(s, "message_queue_len"), 2);
  const msgs = processInfo(s, "messages")!;
  assert.equal(msgs.length, 2);
  assert.ok(equals(msgs[0], t(atom("$gen_cast"), atom("inc"))));
  await sys.resume(s);
  await rt.settle();
  assert.equal(processInfo(s, "message_queue_len"), 0);
  assert.equal(await call(s, atom("get")), 2);
});

test("changeCode only while suspended, with the new module's codeChange", async () => {
  class BoxV2 extends Box {
    override codeChange(oldVsn: unknown, state: unknown) {
      assert.equal(oldVsn, "1");
      return (state as number) + 1000;
    }
    override formatStatus() {
      return atom("v2");
    }
  }
  const s = await GenServer.start(new Box(), 5);
  const refused = await sys.changeCode(s, new BoxV2() as never, "1", undefined);
  assert.ok(Array.isArray(refused) && refused[1] === atom("not_suspended"));
  await sys.suspend(s);
  assert.equal(await sys.changeCode(s, new BoxV2() as never, "1", undefined), atom("ok"));
  await sys.resume(s);
  assert.equal(await call(s, atom("get")), 1005);
  assert.ok(equals((await sys.getStatus(s)).misc.at(-1), atom("v2")), "the new module formats the status");
});

test("statistics count messages; trace logs them; GenServer.stop runs terminate", async () => {
  const events: string[] = [];
  rt.logger = (e) => events.push(e.what);
  const box = new Box();
  const s = await GenServer.start(box, 0);
  await sys.statistics(s, true);
  await sys.trace(s, true);
  cast(s, atom("inc"));
  await call(s, atom("get"));
  const stats = (await sys.statistics(s, "get")) as { in: number };
  assert.equal(stats.in, 2);
  assert.ok(events.filter((w) => w === "sys_trace").length >= 2);
  assert.equal(await GenServer.stop(s, atom("normal")), atom("ok"));
  await rt.settle();
  assert.equal(box.terminated, atom("normal"));
  assert.ok(!isAlive(s));
});

test("Erlang's sys requests: {debug, {trace | statistics, Flag}}, no_debug, and a replace_state that fails leaves the server as it was", async () => {
  const s = await GenServer.start(new Box(), 5);
  const sysCall = (req: unknown) => systemCall<unknown>(s as never, req, 5000);
  const debug = (what: unknown) => sysCall(t(atom("debug"), what));
  assert.ok(equals(await debug(t(atom("statistics"), atom("get"))), t(atom("ok"), atom("no_statistics"))));
  assert.equal(await debug(t(atom("statistics"), true)), atom("ok"));
  cast(s, atom("inc"));
  await call(s, atom("get"));
  const stats = (await debug(t(atom("statistics"), atom("get")))) as unknown[];
  assert.equal(stats[0], atom("ok"));
  const list = stats[1] as unknown[][];
  assert.deepEqual(list.map((x) => x[0]), ["start_time", "current_time", "reductions", "messages_in", "messages_out"].map((n) => atom(n)));
  assert.equal(list[3]![1], 2);
  const [date, time] = list[0]![1] as unknown[][];
  assert.equal(date!.length, 3);
  assert.equal(time!.length, 3);
  assert.equal(await debug(t(atom("trace"), true)), atom("ok"));
  assert.equal(await debug(atom("no_debug")), atom("ok"));
  assert.ok(equals(await debug(t(atom("statistics"), atom("get"))), t(atom("ok"), atom("no_statistics"))));
  assert.equal(await debug(t(atom("log"), true)), atom("unknown_debug"), "no event log is kept");
  // An Erlang fun cannot run here; a JS function that throws: {error, {callback_failed, F, {error, Reason}}}.
  const fun = new Fun(1, new Uint8Array(16), 0, atom("erl_eval"), 0, 0, self0(), []);
  const r1 = (await sysCall(t(atom("replace_state"), fun))) as unknown[];
  assert.equal(r1[0], atom("error"));
  assert.ok(equals(r1[1], t(atom("callback_failed"), fun, t(atom("error"), t(atom("badfun"), fun)))));
  const r2 = (await sys.replaceState(s, () => {
    throw new RangeError("no");
  })) as unknown as unknown[];
  assert.equal(r2[0], atom("error"));
  assert.ok(isAlive(s));
  assert.equal(await sys.getState(s), 6);
});
