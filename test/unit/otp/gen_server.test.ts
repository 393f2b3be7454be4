import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Atom,
  type CallSpec,
  type From,
  CallError,
  GenServer,
  StartError,
  _,
  after,
  atom,
  call,
  cast,
  equals,
  exit,
  inspect,
  isAlive,
  makeRef,
  noreply,
  ok,
  on,
  processInfo,
  receive,
  register,
  reply,
  replyTo,
  run,
  self,
  send,
  stop,
  sys,
  t,
  yieldNow,
} from "../../../src/index.js";
import { testRuntime } from "../../support/runtime.js";
import { ignore } from "../../../src/otp/index.js";

const { rt, logs } = testRuntime();

type Calls = CallSpec<Atom<"get">, number> | CallSpec<Atom<"slow">, number> | CallSpec<Atom<"crash">, never> | CallSpec<Atom<"later">, string>;

class Counter extends GenServer<number, Calls, Atom<"inc">, unknown, number> {
  pending: From | null = null;
  init(n: number) {
    if (n < 0) return stop(atom("negative"), n);
    if (n === 0) return ignore();
    return ok(n);
  }
  override handleCall(req: Calls["req"], from: From, n: number) {
    if (req === atom("crash")) throw new Error("boom");
    if (req === atom("slow")) return noreply(n); // never answers
    if (req === atom("later")) {
      this.pending = from;
      return noreply(n);
    }
    return reply(n, n);
  }
  override handleCast(_req: Atom<"inc">, n: number) {
    return noreply(n + 1);
  }
  override handleInfo(msg: unknown, n: number) {
    if (msg === atom("answer") && this.pending) replyTo(this.pending, "answered later");
    return noreply(n);
  }
}

test("start returns after init; call and cast keep order", async () => {
  const pid = await GenServer.start(new Counter(), 5);
  cast(pid, atom("inc"));
  cast(pid, atom("inc"));
  assert.equal(await call(pid, atom("get")), 7);
  const inProcess = await run(function* () {
    cast(pid, atom("inc"));
    return yield* call(pid, atom("get"));
  });
  assert.equal(inProcess, 8);
});

test("init stop and ignore: start fails with the reason", async () => {
  await assert.rejects(Promise.resolve(GenServer.start(new Counter(), -1)), (e) => e instanceof StartError && e.reason === atom("negative"));
  await assert.rejects(Promise.resolve(GenServer.start(new Counter(), 0)), (e) => e instanceof StartError && e.reason === atom("ignore"));
});

test("a name that is taken: {already_started, Pid}", async () => {
  const first = await GenServer.start(new Counter(), 1, { name: "counter_x" });
  await assert.rejects(Promise.resolve(GenServer.start(new Counter(), 1, { name: "counter_x" })), (e) =>
    e instanceof StartError && equals(e.reason, t(atom("already_started"), first)),
  );
  assert.equal(await call("counter_x", atom("get")), 1);
});

test("call to an unknown name or a dead server fails fast with noproc", async () => {
  await assert.rejects(Promise.resolve(call("nobody_here", atom("get"))), (e) => e instanceof CallError && equals((e.reason as unknown[])[0], atom("noproc")));
  const pid = await GenServer.start(new Counter(), 1);
  await run(function* () {
    exit(pid, atom("kill"));
  });
  await assert.rejects(Promise.resolve(call(pid, atom("get"))), CallError);
});

test("a call that times out fails with {timeout, {gen_server, call, ...}} and the late reply is dropped", async () => {
  const pid = await GenServer.start(new Counter(), 1);
  const p = run(function* () {
    let reason: unknown;
    try {
      yield* call(pid, atom("later"), 1000);
    } catch (e) {
      reason = (e as CallError).reason;
    }
    send(pid, atom("answer")); // the server replies now, after the timeout
    const stray = yield* receive(on(_, (m) => m), after(10, () => "no stray message"));
    return [reason, stray];
  });
  await rt.advance(1000);
  await rt.advance(20);
  const [reason, stray] = await p;
  assert.equal(inspect(reason).startsWith("{timeout,{gen_server,call,"), true, inspect(reason));
  assert.equal(stray, "no stray message");
});

test("noreply then GenServer.reply answers the caller", async () => {
  const pid = await GenServer.start(new Counter(), 1);
  const answer = call(pid, atom("later"));
  setImmediate(() => send(pid, atom("answer")));
  assert.equal(await answer, "answered later");
});

test("a server that crashes during a call: the caller gets its exit reason, the server is gone", async () => {
  const pid = await GenServer.start(new Counter(), 1);
  await assert.rejects(Promise.resolve(call(pid, atom("crash"))), (e) => e instanceof CallError && (e.reason as unknown[])[0] instanceof Error);
  assert.equal(isAlive(pid), false);
});

test("a call from a process with 10,000 queued messages still finds its reply", async () => {
  const pid = await GenServer.start(new Counter(), 3);
  const v = await run(function* () {
    const me = self();
    for (let i = 0; i < 10_000; i++) send(me, t(atom("junk"), i));
    void makeRef;
    return yield* call(pid, atom("get"));
  });
  assert.equal(v, 3);
});

test("registered servers are called by name; the seed's KeyValueStore works by name", async () => {
  const { KeyValueStore } = await import("../../../examples/key_value_store.js");
  const pid = await KeyValueStore.start();
  register("primary_store_test", pid);
  KeyValueStore.set("primary_store_test", atom("foo"), atom("bar"));
  assert.equal(await KeyValueStore.get("primary_store_test", atom("foo")), atom("bar"));
  KeyValueStore.delete("primary_store_test", atom("foo"));
  assert.equal(await KeyValueStore.get("primary_store_test", atom("foo")), null);
});

test("outside a process, start and call begin at once and happen once, however often they are awaited", async () => {
  let inits = 0;
  class Once extends GenServer<null, CallSpec<Atom<"ping">, Atom<"pong">>> {
    init() {
      inits++;
      return ok(null);
    }
    override handleCall(_r: Atom<"ping">, _f: From, s: null) {
      return reply(atom("pong"), s);
    }
  }
  const op = GenServer.start(new Once(), undefined);
  await rt.settle();
  assert.equal(inits, 1, "started before being awaited");
  const pid = await op;
  assert.equal(await op, pid);
  assert.equal(inits, 1);
  const c = call(pid, atom("ping"));
  assert.equal(await c, atom("pong"));
  assert.equal(await c, atom("pong"));
});

test("a callback returning something invalid ends the server with {bad_return_value, X} and a log line", async () => {
  const events: { what: string; text: string }[] = [];
  const saved = rt.logger;
  rt.logger = (e) => events.push(e);
  class Bad extends GenServer<null, CallSpec<Atom<"oops">, never>> {
    init() {
      return ok(null);
    }
    override handleCall() {
      return { $: "whatever" } as never;
    }
  }
  const pid = await GenServer.start(new Bad(), undefined);
  await assert.rejects(Promise.resolve(call(pid, atom("oops"))), (e) => e instanceof CallError && /bad_return_value/.test(inspect(e.reason)));
  assert.ok(events.some((e) => e.what === "gen_server_terminate" && /bad_return_value/.test(e.text)));
  rt.logger = saved;
});

test("queued casts are {'$gen_cast', Req} tuples to anyone who looks, in order with other messages", async () => {
  const pid = await GenServer.start(new Counter(), 1);
  await sys.statistics(pid, true); // sys watches: casts are queued, not handled directly
  const seen = await run(function* () {
    cast(pid, atom("inc"));
    send(pid, atom("info"));
    cast(pid, atom("inc"));
    return processInfo(pid, "messages"); // the server has not run yet: all three are queued
  });
  assert.ok(equals(seen, [t(atom("$gen_cast"), atom("inc")), atom("info"), t(atom("$gen_cast"), atom("inc"))]), inspect(seen));
  assert.equal(await call(pid, atom("get")), 3);
});

test("a server that crashes on a cast reports the cast tuple as its last message", async () => {
  class Fragile extends GenServer<null, CallSpec, Atom<"boom">> {
    init() {
      return ok(null);
    }
    override handleCast(): never {
      throw new Error("cast crash");
    }
  }
  const pid = await GenServer.start(new Fragile(), undefined);
  const before = logs.length;
  cast(pid, atom("boom"));
  await rt.settle();
  assert.equal(isAlive(pid), false);
  const report = logs.slice(before).find((e) => e.what === "gen_server_terminate");
  assert.ok(report !== undefined && report.text.includes("Last message in was {'$gen_cast',boom}"), report?.text);
});

test("a burst of casts, partly handled, is still one tuple per cast to anyone who looks, in order", async () => {
  const pid = await GenServer.start(new Counter(), 1);
  await sys.statistics(pid, true); // sys watches: casts are queued, not handled directly
  const { before, len, msgs } = await run(function* () {
    cast(pid, atom("inc"));
    send(pid, atom("info"));
    for (let i = 0; i < 100; i++) cast(pid, atom("inc"));
    const before = processInfo(pid, "message_queue_len");
    // Until the server has handled one budget of messages, then this process looks.
    for (let i = 0; i < 10 && processInfo(pid, "message_queue_len") === 102; i++) yield* yieldNow();
    return { before, len: processInfo(pid, "message_queue_len")!, msgs: processInfo(pid, "messages")! };
  });
  assert.equal(before, 102);
  assert.ok(len > 0 && len < 100, `${len} left`);
  assert.equal(msgs.length, len);
  for (const m of msgs) assert.ok(equals(m, t(atom("$gen_cast"), atom("inc"))), inspect(m));
  assert.equal(await call(pid, atom("get")), 102);
});
