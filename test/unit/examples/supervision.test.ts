import assert from "node:assert/strict";
import { test } from "node:test";
import { supervisionExample } from "../../../examples/supervision.js";
import { silentLogger, runtime } from "../../../src/index.js";

test("the supervised KeyValueStore is restarted under its name after a kill", async () => {
  runtime().logger = silentLogger;
  assert.deepEqual(await supervisionExample(), ["foo = bar", "restarted under the same name", "foo = nil"]);
});
