import assert from "node:assert/strict";
import { test } from "node:test";
import { openObserver, openObserverWithActions } from "../../../examples/observer.js";

test("the observer example serves the page at the URL it prints, read-only or with actions", async () => {
  const log = console.log;
  const printed: string[] = [];
  console.log = (s: string) => printed.push(s);
  const obs = await openObserver().finally(() => (console.log = log));
  try {
    assert.deepEqual(printed, [`observer: ${obs.url}`]);
    assert.match(obs.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    assert.equal((await fetch(obs.url)).status, 200);
  } finally {
    await obs.close();
  }
  const rw = await openObserverWithActions(0);
  try {
    assert.equal((await fetch(rw.url)).status, 200);
  } finally {
    await rw.close();
  }
});
