/**
 * A function running past busy-reply-threshold (5 s, both servers'
 * default), on Agner and on redis-server 7.0.15 side by side: other
 * clients get BUSY naming FUNCTION KILL, SCRIPT KILL is refused, FUNCTION
 * STATS shows the running function and its command line, FUNCTION KILL
 * stops it, and the caller gets Redis' error. Every reply compared but the
 * duration.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serverPair } from "../../support/server_pair.js";
import { RespClient, plain } from "../../support/resp_client.js";

const servers = serverPair(["--shards", "2"]);

async function scenario(port: number): Promise<unknown[]> {
  const a = await RespClient.connect(port);
  const b = await RespClient.connect(port);
  try {
    const out: unknown[] = [];
    out.push(plain(await a.cmd("FUNCTION", "LOAD", "REPLACE", "#!lua name=spin\nredis.register_function('loop', function(keys, args)\n  local i = 0\n  while true do i = i + 1 end\nend)")));
    out.push(plain(await b.cmd("FUNCTION", "KILL")));
    a.send("FCALL", "loop", "1", "key", "arg");
    let busy: unknown;
    for (;;) {
      busy = plain(await b.cmd("GET", "x"));
      if (busy !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    out.push(busy);
    out.push(plain(await b.cmd("SCRIPT", "KILL")));
    const stats = plain(await b.cmd("FUNCTION", "STATS")) as unknown[];
    const running = stats[1] as unknown[];
    assert.equal(typeof running[5], "number");
    assert.ok((running[5] as number) >= 4000, `duration ${running[5]}`);
    out.push([stats[0], running.slice(0, 5), stats.slice(2)]);
    out.push(plain(await b.cmd("FUNCTION", "KILL")));
    out.push(plain(await a.read()));
    out.push(plain(await b.cmd("FUNCTION", "STATS")));
    out.push(plain(await b.cmd("FUNCTION", "KILL")));
    await a.cmd("FUNCTION", "FLUSH");
    return out;
  } finally {
    a.close();
    b.close();
  }
}

describe("FUNCTION KILL and STATS with a function running, as redis-server 7.0.15", servers.guard, () => {
  test("BUSY, STATS, KILL and the killed function's error", async () => {
    const [ours, theirs] = await Promise.all([scenario(servers.agner.port), scenario(servers.redis.port)]);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours[2], { error: "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE." });
  });
});

async function loadTimeout(port: number): Promise<unknown[]> {
  const a = await RespClient.connect(port);
  try {
    const out: unknown[] = [];
    // A library whose code never ends, once on one line and once over several (the error comes at a line hook).
    out.push(plain(await a.cmd("FUNCTION", "LOAD", "#!lua name=spin1\nlocal a = 1 while true do a = a + 1 end")));
    out.push(plain(await a.cmd("FUNCTION", "LOAD", "#!lua name=spin2\nlocal a = 1\nwhile true do\n  a = a + 1\nend")));
    // pcall cannot swallow it for good: the next line raises again.
    out.push(plain(await a.cmd("FUNCTION", "LOAD", "#!lua name=spin3\nlocal ok = pcall(function() while true do end end)\nlocal b = 1")));
    out.push(plain(await a.cmd("FUNCTION", "LIST")));
    out.push(plain(await a.cmd("PING")));
    return out;
  } finally {
    a.close();
  }
}

describe("FUNCTION LOAD of code that runs past 500 ms, as redis-server 7.0.15", servers.guard, () => {
  test("the load fails with FUNCTION LOAD timeout and registers nothing", async () => {
    const [ours, theirs] = await Promise.all([loadTimeout(servers.agner.port), loadTimeout(servers.redis.port)]);
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours[0], { error: "ERR Error registering functions: ERR FUNCTION LOAD timeout" });
  });
});
