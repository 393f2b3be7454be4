import assert from "node:assert/strict";
import { test } from "node:test";
import { Application } from "agner";
import { APP, defineApp } from "../src/app.js";
import { counter } from "../src/counter.js";

test("the counter adds what it is cast", async () => {
  defineApp();
  await Application.start(APP);
  try {
    counter.add(2);
    counter.add(3);
    assert.equal(await counter.get(), 5);
  } finally {
    await Application.stop(APP);
  }
});
