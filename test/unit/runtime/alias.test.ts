import assert from "node:assert/strict";
import { test } from "node:test";
import { _, after, alias, atom, demonitor, exit, isRef, monitor, on, receive, run, send, spawn, t, unalias } from "../../../src/index.js";

test("a message sent to an alias arrives; after unalias it is dropped", async () => {
  const r = await run(function* () {
    const a = alias();
    send(a, 1);
    const first = yield* receive(1);
    assert.equal(unalias(a), true);
    assert.equal(unalias(a), false);
    send(a, 2);
    return [first, yield* receive(on(2, () => "delivered"), after(0, () => "dropped"))];
  });
  assert.deepEqual(r, [1, "dropped"]);
});

test("a monitor alias ends with demonitor: a late reply never reaches the mailbox", async () => {
  const r = await run(function* () {
    const server = spawn(function* () {
      const [replyTo] = yield* receive([isRef]);
      send(replyTo, "late reply");
    });
    const ref = monitor(server, { alias: "demonitor" });
    demonitor(ref, { flush: true });
    send(server, t(ref));
    return yield* receive(on("late reply", () => "leaked"), after(20, () => "dropped"));
  });
  assert.equal(r, "dropped");
});

test("a monitor alias ends when the monitor fires", async () => {
  const r = await run(function* () {
    const target = spawn(function* () {
      yield* receive(atom("stop"));
    });
    const ref = monitor(target, { alias: "demonitor" });
    send(ref, "before");
    const before = yield* receive("before");
    exit(target, atom("kill"));
    yield* receive([atom("DOWN"), ref, _, _, _]);
    send(ref, "after");
    return [before, yield* receive(on("after", () => "delivered"), after(0, () => "dropped"))];
  });
  assert.deepEqual(r, ["before", "dropped"]);
});

test("sending to a reference that is no alias is silently dropped", async () => {
  await run(function* () {
    const a = alias();
    unalias(a);
    send(a, "nobody");
    assert.equal(yield* receive(on(_, () => "got"), after(0, () => "none")), "none");
  });
});
