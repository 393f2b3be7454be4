import assert from "node:assert/strict";
import { test } from "node:test";
import { kvServerExample } from "../../../examples/kv_server.js";

test("the embedded KV server: a key set over RESP is read through the kv GenServer", async () => {
  assert.equal(await kvServerExample(), "bar");
});
