/**
 * MONITOR, SLOWLOG, INFO commandstats/errorstats, CLIENT PAUSE / REPLY /
 * NO-EVICT, RESET and SHUTDOWN against a real redis-server 7.0.15: the
 * same steps on both servers (Agner with four shards), replies compared
 * raw, MONITOR lines after masking the timestamp and the client's port,
 * SLOWLOG entries after masking ids, times, durations and ports.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serverPair } from "../../support/server_pair.js";
import { RespClient } from "../../support/resp_client.js";
import { startAgner } from "../../support/agner_kv.js";
import { whereis } from "../../../src/runtime/erlang.js";

const servers = serverPair(["--shards", "4"]);
const guard = servers.guard;

async function both<T>(f: (port: number) => Promise<T>): Promise<[T, T]> {
  return [await f(servers.agner.port), await f(servers.redis.port)];
}

/** The raw replies of a list of commands on one connection. */
async function raws(port: number, cmds: string[][]): Promise<string[]> {
  const c = await RespClient.connect(port);
  const out: string[] = [];
  for (const argv of cmds) out.push(await c.raw(...argv));
  c.close();
  return out;
}

const mask = (line: string) => line.replace(/^\+\d+\.\d{6} /, "+T ").replace(/127\.0\.0\.1:\d+/, "ADDR");

describe("MONITOR", guard, () => {
  test("lines of plain commands, MULTI/EXEC, scripts, redaction, admin commands hidden, escaping", async () => {
    const steps: string[][] = [
      ["SET", "a", "1"], ["GET", "a\x01\n\"\\\xff"], ["MGET", "a", "b", "c", "d"], ["DEL", "a", "b", "c"],
      ["MULTI"], ["SET", "b", "x y"], ["INCR", "n"], ["EXEC"],
      ["EVAL", "redis.call('set','k',KEYS[1]) return redis.call('get','k')", "1", "z"],
      ["AUTH", "foo"], ["HELLO", "2", "AUTH", "default", "pw"], ["CONFIG", "GET", "port"], ["CLIENT", "LIST"], ["CLIENT", "ID"],
      ["SLOWLOG", "LEN"], ["SELECT", "3"], ["SET", "d3", "v"], ["SELECT", "0"], ["NOSUCH"], ["GET"], ["PING"], ["RESET"], ["DBSIZE"],
    ];
    const [agner, redis] = await both(async (port) => {
      const mon = await RespClient.connect(port);
      assert.equal(await mon.raw("MONITOR"), "+OK\r\n");
      await raws(port, steps);
      const c = await RespClient.connect(port);
      await c.raw("ECHO", "end");
      c.close();
      const lines: string[] = [];
      for (;;) {
        const l = await mon.readRaw();
        lines.push(mask(l));
        if (l.includes('"end"')) break;
      }
      mon.close();
      return lines;
    });
    assert.deepEqual(agner, redis);
    assert.ok(agner.some((l) => l.includes("[0 lua]")));
  });
});

describe("SLOWLOG", guard, () => {
  test("HELP, errors, entries (trimmed argv, client name)", async () => {
    const cmds: string[][] = [
      ["SLOWLOG", "HELP"], ["SLOWLOG", "GET", "x"], ["SLOWLOG", "GET", "-2"], ["SLOWLOG", "FOO"], ["SLOWLOG", "LEN", "1"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "0"], ["SLOWLOG", "RESET"], ["CLIENT", "SETNAME", "me"],
      ["SET", "big", "x".repeat(200)], ["RPUSH", "l", ...Array.from({ length: 40 }, (_, i) => String(i))],
      ["SLOWLOG", "GET", "3"], ["SLOWLOG", "LEN"], ["CONFIG", "SET", "slowlog-max-len", "2"], ["PING"], ["SLOWLOG", "LEN"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "-1"], ["SLOWLOG", "RESET"], ["PING"], ["SLOWLOG", "LEN"],
      ["CONFIG", "SET", "slowlog-log-slower-than", "10000"], ["CONFIG", "SET", "slowlog-max-len", "128"], ["DEL", "big", "l"],
    ];
    const maskEntries = (s: string) => s.replace(/:\d+\r\n:\d+\r\n:\d+\r\n\*/g, ":ID\r\n:T\r\n:D\r\n*").replace(/127\.0\.0\.1:\d+/g, "ADDR");
    const [a, r] = await both((port) => raws(port, cmds));
    assert.deepEqual(a.map(maskEntries), r.map(maskEntries));
  });
});

describe("INFO commandstats and errorstats", guard, () => {
  test("calls, rejected and failed calls, error codes, calls from scripts and EXEC; CONFIG RESETSTAT", async () => {
    const cmds: string[][] = [
      ["CONFIG", "RESETSTAT"], ["SET", "s", "v"], ["GET", "s"], ["INCR", "s"], ["GET"], ["NOSUCH", "x"], ["LPUSH", "s", "x"],
      ["MGET", "a", "b", "c"], ["EVAL", "redis.call('set','k','1') return redis.call('get','k')", "0"],
      ["EVAL", "return redis.pcall('incr','s')", "0"], ["MULTI"], ["INCR", "n"], ["GET"], ["EXEC"],
      ["MULTI"], ["INCR", "n"], ["EXEC"], ["DEL", "s", "k", "n"],
    ];
    const stats = async (port: number) => {
      await raws(port, cmds);
      const c = await RespClient.connect(port);
      const info = String((await c.cmd("INFO", "commandstats") as { v?: unknown }).v) + String((await c.cmd("INFO", "errorstats") as { v?: unknown }).v);
      const total = /total_error_replies:(\d+)/.exec(String((await c.cmd("INFO", "stats") as { v?: unknown }).v))?.[1];
      c.close();
      const lines = info
        .split("\r\n")
        .filter((l) => l.startsWith("cmdstat_") || l.startsWith("errorstat_"))
        .filter((l) => !l.startsWith("cmdstat_info") && !l.startsWith("cmdstat_config"))
        .map((l) => l.replace(/,usec=\d+,usec_per_call=[\d.]+/, ""))
        .sort();
      return { lines, total };
    };
    const [a, r] = await both(stats);
    assert.deepEqual(a, r);
    assert.ok(a.lines.some((l) => l.startsWith("errorstat_WRONGTYPE")));
  });
});

describe("CLIENT PAUSE / UNPAUSE / REPLY / NO-EVICT, RESET", guard, () => {
  test("replies and errors", async () => {
    const cmds: string[][] = [
      ["CLIENT", "PAUSE", "x"], ["CLIENT", "PAUSE", "-1"], ["CLIENT", "PAUSE", "10", "foo"], ["CLIENT", "UNPAUSE", "x"],
      ["CLIENT", "REPLY", "foo"], ["CLIENT", "NO-EVICT", "foo"], ["CLIENT", "NO-EVICT", "on"], ["RESET", "x"],
      ["SHUTDOWN", "foo"], ["SHUTDOWN", "NOSAVE", "SAVE"], ["SHUTDOWN", "ABORT"], ["SHUTDOWN", "ABORT", "NOW"],
      ["CLIENT", "REPLY", "OFF"], ["PING", "1"], ["CLIENT", "REPLY", "SKIP"], ["PING", "2"], ["CLIENT", "REPLY", "ON"], ["PING", "3"],
      ["CLIENT", "REPLY", "SKIP"], ["PING", "4"], ["PING", "5"],
      ["SELECT", "2"], ["CLIENT", "SETNAME", "n"], ["SUBSCRIBE", "ch"], ["RESET"], ["MULTI"], ["SET", "q", "v"], ["RESET"], ["CLIENT", "GETNAME"], ["SET", "rk", "v"], ["GET", "rk"], ["DEL", "rk"],
      ["HELLO", "3"], ["SUBSCRIBE", "c1"], ["RESET"], ["PING"],
    ];
    const run = async (port: number) => {
      const c = await RespClient.connect(port);
      for (const argv of cmds) c.send(...argv);
      c.send("ECHO", "end");
      const out: string[] = [];
      for (;;) {
        const r = await c.readRaw();
        out.push(r.replace(/\$\d+\r\n7\.0\.\d+\r\n/, "VERSION").replace(/:\d+\r\n\$4\r\nmode/, ":ID\r\n$4\r\nmode"));
        if (r === "$3\r\nend\r\n") break;
      }
      const flags = /flags=(\S+)/.exec(String((await c.cmd("CLIENT", "INFO") as { v?: unknown }).v))?.[1];
      await c.raw("CLIENT", "NO-EVICT", "on");
      const flagsE = /flags=(\S+)/.exec(String((await c.cmd("CLIENT", "INFO") as { v?: unknown }).v))?.[1];
      c.close();
      return { out, flags, flagsE };
    };
    const [a, r] = await both(run);
    assert.deepEqual(a, r);
    assert.equal(a.flagsE, "e");
  });

  test("a paused client's write runs after CLIENT UNPAUSE; reads go on under WRITE", async () => {
    for (const port of [servers.agner.port, servers.redis.port]) {
      const admin = await RespClient.connect(port);
      const writer = await RespClient.connect(port);
      const reader = await RespClient.connect(port);
      assert.equal(await admin.raw("CLIENT", "PAUSE", "100000", "WRITE"), "+OK\r\n");
      writer.send("SET", "pk", "v");
      writer.send("GET", "pk");
      // The reader is not paused: its GET answers while the write waits, and sees no value.
      assert.equal(await reader.raw("GET", "pk"), "$-1\r\n");
      assert.equal(await reader.raw("PING"), "+PONG\r\n");
      assert.equal(await reader.raw("GET", "pk"), "$-1\r\n");
      assert.equal(await admin.raw("CLIENT", "UNPAUSE"), "+OK\r\n");
      assert.equal(await writer.readRaw(), "+OK\r\n");
      assert.equal(await writer.readRaw(), "$1\r\nv\r\n");
      assert.equal(await reader.raw("DEL", "pk"), ":1\r\n");
      for (const c of [admin, writer, reader]) c.close();
    }
  });
});

describe("SHUTDOWN", () => {
  test("stops the server: the client's connection closes unanswered, the tree is gone", async () => {
    const s = await startAgner(["--shards", "2"]);
    const c = await RespClient.connect(s.port);
    assert.equal(await c.raw("SET", "k", "v"), "+OK\r\n");
    c.send("SHUTDOWN", "NOSAVE");
    await c.waitClosed();
    for (let i = 0; i < 200 && whereis(s.inst.names.sup) !== undefined; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(whereis(s.inst.names.sup), undefined);
  });
});
