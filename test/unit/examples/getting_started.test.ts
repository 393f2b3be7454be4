import assert from "node:assert/strict";
import { test } from "node:test";
import * as ex from "../../../examples/getting_started.js";
import { atom } from "../../../src/index.js";

test("counter: a loop-style process keeps state across receives", async () => {
  assert.equal(await ex.counterExample(), 2);
});
test("actor: a callback actor handles messages in order", async () => {
  assert.equal(await ex.actorExample(), 55);
});
test("timeout: after() fires when nothing matches", async () => {
  assert.equal(await ex.timeoutExample(), "timed out after 10 ms");
});
test("links: a trapping process gets the crash as an EXIT message", async () => {
  assert.deepEqual(await ex.linkExample(), { fromWorker: true, reason: "the worker failed" });
});
test("monitors: DOWN carries the exit reason", async () => {
  assert.equal(await ex.monitorExample(), atom("stopped_by_request"));
});
test("names: send by registered name", async () => {
  assert.equal(await ex.namesExample(), "hello from the registered process");
});
