import assert from "node:assert/strict";
import { test } from "node:test";
import { type Atom, type CallSpec, type From, GenServer, atom, call, cast, isAlive, noreply, ok, reply, sys } from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";

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
  assert.equal((await sys.getStatus(s)).queued, 3);
  await sys.resume(s);
  assert.equal(await pending, 2, "the call saw both casts, in order");
});

test("changeCode only while suspended, with the new module's codeChange", async () => {
  class BoxV2 extends Box {
    override codeChange(oldVsn: unknown, state: unknown) {
      assert.equal(oldVsn, "1");
      return (state as number) + 1000;
    }
  }
  const s = await GenServer.start(new Box(), 5);
  const refused = await sys.changeCode(s, new BoxV2() as never, "1", undefined);
  assert.ok(Array.isArray(refused) && refused[1] === atom("not_suspended"));
  await sys.suspend(s);
  assert.equal(await sys.changeCode(s, new BoxV2() as never, "1", undefined), atom("ok"));
  await sys.resume(s);
  assert.equal(await call(s, atom("get")), 1005);
  assert.equal((await sys.getStatus(s)).module, "BoxV2");
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
