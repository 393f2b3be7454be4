/**
 * Scripts on the running server (its own process, four shards, AOF on):
 * a script past busy-reply-threshold makes other clients' commands answer
 * -BUSY while it runs, SCRIPT KILL stops one that has not written (its
 * client gets Redis' error) and refuses one that has (UNKILLABLE); what a
 * script wrote is in the append-only file as one MULTI/EXEC and comes back
 * after a restart; and a script's keys on every shard stay atomic against
 * concurrent writers.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { RespClient } from "../../support/resp_client.js";
import { type KvProcess, startKvProcess } from "../../support/kv_process.js";

describe("scripts on the server", () => {
  let server: KvProcess;
  before(async () => {
    server = await startKvProcess(["--shards", "4", "--appendonly", "yes", "--appendfsync", "always", "--busy-reply-threshold", "100"]);
  });
  after(async () => {
    await server?.stop();
  });

  /** Sends `argv` and waits (without reading the reply) until another client sees -BUSY. */
  async function busyScript(c: RespClient, other: RespClient, body: string): Promise<string> {
    c.send("EVAL", body, "0");
    for (;;) {
      const r = await other.raw("GET", "x");
      if (r.startsWith("-BUSY")) return r;
      await sleep(20);
    }
  }

  test("past the threshold others get BUSY; SCRIPT KILL stops a script that has not written", async () => {
    const c = await RespClient.connect(server.port);
    const other = await RespClient.connect(server.port);
    const busy = await busyScript(c, other, "local i = 0 while true do i = i + 1 end");
    assert.equal(busy, "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n");
    assert.equal(await other.raw("PING"), busy, "every command but the allow_busy ones");
    assert.equal(await other.raw("SCRIPT", "KILL"), "+OK\r\n");
    assert.match(await c.readRaw(), /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    assert.equal(await other.raw("PING"), "+PONG\r\n");
    assert.equal(await other.raw("SCRIPT", "KILL"), "-NOTBUSY No scripts in execution right now.\r\n");
    c.close();
    other.close();
  });

  test("a pcall in the script cannot swallow the kill", async () => {
    const c = await RespClient.connect(server.port);
    const other = await RespClient.connect(server.port);
    await busyScript(c, other, "while true do pcall(function() local i = 0 while i < 1e6 do i = i + 1 end end) end");
    assert.equal(await other.raw("SCRIPT", "KILL"), "+OK\r\n");
    assert.match(await c.readRaw(), /^-ERR Script killed by user with SCRIPT KILL/);
    c.close();
    other.close();
  });

  test("a script that wrote is UNKILLABLE, runs to its end, and its writes are kept", async () => {
    const c = await RespClient.connect(server.port);
    const other = await RespClient.connect(server.port);
    await busyScript(c, other, "redis.call('set', 'w', '1') local t = redis.call('time') local i = 0 while i < 3e7 do i = i + 1 end return 'done'");
    assert.match(await other.raw("SCRIPT", "KILL"), /^-UNKILLABLE Sorry the script already executed write commands/);
    assert.equal(await c.readRaw(), "$4\r\ndone\r\n");
    assert.equal(await other.raw("GET", "w"), "$1\r\n1\r\n");
    c.close();
    other.close();
  });

  test("what a script wrote is one MULTI/EXEC in the append-only file", async () => {
    const c = await RespClient.connect(server.port);
    assert.equal(await c.raw("EVAL", "redis.call('set', KEYS[1], 'x') redis.call('rpush', KEYS[2], 'a') redis.call('incr', 'undeclared') return 1", "2", "ka", "kb"), ":1\r\n");
    c.close();
    const dir = join(server.dir, "appendonlydir");
    const incr = readdirSync(dir).find((f) => f.endsWith(".incr.aof"))!;
    const aof = readFileSync(join(dir, incr), "latin1");
    const at = aof.lastIndexOf("MULTI");
    assert.ok(at > 0, "a MULTI was written");
    const tail = aof.slice(at);
    for (const w of ["ka", "rpush", "kb", "undeclared", "EXEC"]) assert.ok(tail.includes(w), `${w} inside the transaction`);
  });

  test("pipelined with other commands, a script sees what came before it and not what comes after", async () => {
    const c = await RespClient.connect(server.port);
    const get = "return redis.call('get', KEYS[1])";
    for (const argv of [["SET", "p", "1"], ["EVAL", get, "1", "p"], ["SET", "p", "2"], ["EVAL", get, "1", "p"], ["EVAL", "return redis.call('incr', KEYS[1])", "1", "p"], ["GET", "p"]]) c.send(...argv);
    const replies: string[] = [];
    for (let i = 0; i < 6; i++) replies.push(await c.readRaw());
    assert.deepEqual(replies, ["+OK\r\n", "$1\r\n1\r\n", "+OK\r\n", "$1\r\n2\r\n", ":3\r\n", "$1\r\n3\r\n"]);
    c.close();
  });

  test("a client blocked on a list is served by a script's push", async () => {
    const waiter = await RespClient.connect(server.port);
    const c = await RespClient.connect(server.port);
    waiter.send("BLPOP", "bl", "0");
    for (;;) {
      if (/blocked_clients:1\r\n/.test(await c.raw("INFO", "clients"))) break;
      await sleep(10);
    }
    assert.equal(await c.raw("EVAL", "return redis.call('rpush', KEYS[1], 'x')", "1", "bl"), ":1\r\n");
    assert.equal(await waiter.readRaw(), "*2\r\n$2\r\nbl\r\n$1\r\nx\r\n");
    assert.equal(await c.raw("EXISTS", "bl"), ":0\r\n");
    waiter.close();
    c.close();
  });

  test("a reply nested 10,000 deep is cut with Redis' stack-limit error, and the server goes on", async () => {
    const c = await RespClient.connect(server.port);
    c.send("EVAL", "local t = {} local c = t for i = 1, 10000 do c[1] = {} c = c[1] end return t", "0");
    const raw = await c.readRaw();
    assert.ok(raw.startsWith("*1\r\n".repeat(1000)) && raw.endsWith("-ERR reached lua stack limit\r\n"), raw.slice(-60));
    assert.equal(await c.raw("EVAL", "return 'still here'", "0"), "$10\r\nstill here\r\n");
    c.close();
  });

  test("a script is atomic over every shard: a concurrent writer never sees half of it", async () => {
    const writer = await RespClient.connect(server.port);
    const reader = await RespClient.connect(server.port);
    const keys = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const body = "for i, k in ipairs(KEYS) do redis.call('incr', k) end return 1";
    const runs = Array.from({ length: 200 }, () => writer.raw("EVAL", body, String(keys.length), ...keys));
    let checks = 0;
    for (let i = 0; i < 100; i++) {
      const r = await reader.raw("MGET", ...keys);
      const nums = [...r.matchAll(/\$\d+\r\n(\d+)\r\n|\$-1\r\n/g)].map((m) => m[1] ?? "0");
      assert.equal(new Set(nums).size, 1, `all keys equal: ${nums.join(",")}`);
      checks++;
    }
    await Promise.all(runs);
    assert.equal(checks, 100);
    assert.equal(await reader.raw("GET", "h"), "$3\r\n200\r\n");
    writer.close();
    reader.close();
  });
});
