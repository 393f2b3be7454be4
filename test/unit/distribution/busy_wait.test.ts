/**
 * Busy-waiting after distribution traffic: the event loop has an immediate
 * pending (so libuv polls without blocking) while a window is open, none
 * once it has closed, and none at all when it is off.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { busyWait } from "../../../src/distribution/busy_wait.js";

const immediates = () => process.getActiveResourcesInfo().filter((r) => r === "Immediate").length;

test("a window keeps one immediate pending, then none; 0 is off", async () => {
  await sleep(5);
  assert.equal(immediates(), 0);
  busyWait(0);
  assert.equal(immediates(), 0, "off");
  busyWait(2_000);
  busyWait(1_000); // within the open window: no second spinner
  assert.equal(immediates(), 1);
  await sleep(50);
  assert.equal(immediates(), 0, "closed after the window");
});
