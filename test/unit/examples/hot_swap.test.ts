import assert from "node:assert/strict";
import { test } from "node:test";
import { hotSwapExample } from "../../../examples/hot_swap.js";

test("hot swap: v1 -> v2 loaded from a changed file while a client calls: same pid, state kept, zero failed calls", async () => {
  const r = await hotSwapExample();
  assert.equal(r.before, "v1");
  assert.match(r.after, /^v2 \(upgraded at \d+\)$/);
  assert.ok(r.samePid);
  assert.equal(r.failed, 0);
  assert.ok(r.calls > 0);
  assert.equal(r.last, r.calls, "every call counted once, across the upgrade: the state survived");
});
