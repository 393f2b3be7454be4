import assert from "node:assert/strict";
import { test } from "node:test";
import { Bot, botExample, keyValueStoreExample, messagesExample, receiveExample } from "../../../examples/seed_article.js";
import { atom, isAlive, isPid, run, runtime } from "../../../src/index.js";

test("(1) Process.info(parent, :messages) shows the child's {ok, Pid}", async () => {
  assert.match(await messagesExample(), /^\{messages,\[\{ok,<0\.\d+\.0>\}\]\}$/);
});

test("(2) receive matches {ok, Pid} before the catch-all", async () => {
  assert.match(await receiveExample(), /^Got ok from <0\.\d+\.0>$/);
});

test("(3) the Bot answers help and date_today and keeps looping", async () => {
  const [help, date] = await botExample();
  assert.equal(help, "You can ask me what today's date is by passing :date_today");
  assert.equal(date, `Today's date is ${new Date().toISOString().slice(0, 10)}`);
});

test("(3) Bot.startLink returns {ok, Pid}; the Bot outlives a caller that ends normally", async () => {
  const [ok, pid] = await run(function* () {
    return Bot.startLink();
  });
  assert.equal(ok, atom("ok"));
  assert.ok(isPid(pid));
  assert.ok(isAlive(pid), "a normal exit does not travel along the link");
  runtime().shutdown();
  assert.ok(!isAlive(pid));
});

test("(4) the KeyValueStore: set, get, delete, get by the registered name", async () => {
  assert.deepEqual(await keyValueStoreExample(), ["ok", "bar", "ok", "nil"]);
});
