/**
 * Redis 7 functions against a real redis-server 7.0.15: FUNCTION's
 * subcommands and FCALL/FCALL_RO run on Agner (four shards) and on
 * redis-server, in RESP2 and RESP3, every reply compared (decoded,
 * canonical form; LIST only of libraries of one function: Redis orders a
 * library's functions by its hash table, which changes per process). Covered: the metadata line and its errors, the
 * load-time environment (only the library API: register_function in both
 * forms, its argument errors, flags, descriptions, redis.log), what
 * functions see at run time (keys and args as arguments, no KEYS/ARGV,
 * read-only globals), case-insensitive function names and collisions,
 * LIST's shapes and filters, DELETE, FLUSH, STATS, HELP, DUMP's bytes,
 * RESTORE's policies and errors, flags at run time (no-writes, FCALL_RO),
 * error texts naming the function, FCALL inside MULTI, and SCRIPT FLUSH
 * leaving functions alone. Then payloads of FUNCTION DUMP restored across
 * the two servers, both ways.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { serverPair } from "../../support/server_pair.js";
import { RespClient } from "../../support/resp_client.js";
import { canonical, decodeAll } from "../../support/resp_reply.js";

const servers = serverPair(["--shards", "4"]);
const guard = servers.guard;

type Case = string[][];
/** FUNCTION LOAD of library `name` with `body` after the metadata line. */
const L = (name: string, body: string, ...opts: string[]) => ["FUNCTION", "LOAD", ...opts, `#!lua name=${name}\n${body}`];
const RF = (fn: string, body: string, extra = "") => `redis.register_function${extra === "" ? `('${fn}', function(keys, args) ${body} end)` : `{function_name='${fn}', callback=function(keys, args) ${body} end, ${extra}}`}`;

const CASES: Record<string, Case[]> = {
  metadata: [
    [["FUNCTION", "LOAD", "return 1"], ["FUNCTION", "LOAD", "#!lua name=x"], ["FUNCTION", "LOAD", "#!lua\nx"], ["FUNCTION", "LOAD", "#!lua name=a name=b\nx"]],
    [["FUNCTION", "LOAD", "#!lua foo=a\nx"], ["FUNCTION", "LOAD", "#!py name=a\nx"], ["FUNCTION", "LOAD", "#!lua name=a-b\nx"], ["FUNCTION", "LOAD", "#!lua name=\nx"]],
    [["FUNCTION", "LOAD", `#!LUA NAME=up\n${RF("up", "return 1")}`], ["FCALL", "up", "0"], ["FUNCTION", "LOAD", "#!lua name=\"q\nx"], ["FUNCTION", "LOAD", "#!lua \"name=sp\"\nx"]],
    [["FUNCTION", "LOAD", "replace"], ["FUNCTION", "LOAD", "foo", "x"], ["FUNCTION", "LOAD", "REPLACE", "REPLACE", L("r", RF("r", "return 1"))[2]!]],
  ],
  load_env: [
    [L("e", "local x = string.len('a')"), L("e", "redis.call('set', 'a', 'b')"), L("e", "redis.setresp(3)"), L("e", "return redis.foo"), L("e", "error('x')")],
    [L("e", "local t = redis\nt.x = 1"), L("e", "redis.log = nil"), L("e", "x = 1"), L("e", "local y = 1"), L("e", "redis.register_function(")],
    [L("e", `redis.log(redis.LOG_WARNING, 'loading')\n${RF("f", "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, redis.LOG_NOTICE}")}`), ["FCALL", "f", "0"]],
    [L("e", "local f = redis.register_function\nredis.register_function('f', function() return f('g', function() end) end)"), ["FCALL", "f", "0"]],
    [L("e", "redis.register_function('f', function() return redis.register_function end)"), ["FCALL", "f", "0"]],
  ],
  register: [
    [L("e", "redis.register_function('a')"), L("e", "redis.register_function(1, 2, 3)"), L("e", "redis.register_function({}, 2)"), L("e", "redis.register_function('a', 2)")],
    [L("e", "redis.register_function({function_name='a'})"), L("e", "redis.register_function({callback=function() end})"), L("e", "redis.register_function({callback=1})")],
    [L("e", "redis.register_function({function_name={}, callback=function() end})"), L("e", "redis.register_function({function_name='x', description={}, callback=function() end})")],
    [L("e", "redis.register_function({function_name='x', flags='no-writes', callback=function() end})"), L("e", "redis.register_function({function_name='x', foo=1, callback=function() end})")],
    [L("e", "redis.register_function({[1]=2, callback=function() end})"), L("e", "redis.register_function('a', function() end)\nredis.register_function('a', function() end)")],
    [L("e", "redis.register_function('', function() end)"), L("e", "redis.register_function('a-b', function() end)"), L("e", `${RF("x", "", "flags={1}")}`), L("e", `${RF("x", "", "flags={{}}")}`)],
    [L("e", "redis.register_function({function_name=7, callback=function() return 7 end})"), ["FCALL", "7", "0"], ["FUNCTION", "LIST"]],
    [L("e", `${RF("x", "return 1", "flags={'NO-WRITES', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}, description='all flags'")}`), ["FUNCTION", "LIST", "WITHCODE"]],
    [L("e", `${RF("a", "return 1", "flags={}")}\n${RF("b", "return 2", "flags={'no-writes'}, description='bee'")}`), ["FCALL", "A", "0"], ["FCALL", "B", "0"], ["FCALL_RO", "b", "0"], ["FCALL_RO", "a", "0"]],
  ],
  names: [
    [L("one", RF("f", "return 1")), L("one", RF("g", "return 2")), L("two", RF("F", "return 2")), L("one", RF("g", "return 3"), "REPLACE"), ["FCALL", "f", "0"], ["FCALL", "g", "0"]],
    [L("one", RF("f", "return 1")), L("one", RF("f", "return"), "REPLACE"), ["FCALL", "f", "0"], L("one", "local x = 1", "REPLACE"), ["FCALL", "f", "0"]],
    [L("one", RF("f", "return 1")), ["FUNCTION", "DELETE", "ONE"], ["FUNCTION", "DELETE", "one"], ["FCALL", "f", "0"], ["FUNCTION", "DELETE", "one"]],
    [L("lib_1", RF("f", "return 1")), ["FUNCTION", "LIST", "LIBRARYNAME", "LIB*"], ["FUNCTION", "LIST", "libraryname", "nope"], ["FUNCTION", "LIST", "LIBRARYNAME"]],
    [["FUNCTION", "LIST", "foo"], ["FUNCTION", "LIST", "WITHCODE", "WITHCODE"], ["FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"], ["FUNCTION", "LIST"]],
  ],
  fcall: [
    [L("k", RF("f", "return {keys, args, #keys, #args}")), ["FCALL", "f", "2", "a", "b", "c"], ["FCALL", "f", "0"], ["FCALL", "f", "1", "x"], ["FCALL_RO", "f", "0"]],
    [L("k", RF("f", "return 1")), ["FCALL", "f", "x"], ["FCALL", "f", "-1"], ["FCALL", "f", "2", "a"], ["FCALL", "f", "1.5"], ["FCALL", "nope", "x"], ["FCALL", "f"]],
    [L("k", RF("f", "return KEYS")), ["FCALL", "f", "0"], L("k2", RF("g", "x = 1")), ["FCALL", "g", "0"], L("k3", RF("h", "return type(ARGV)")), ["FCALL", "h", "0"]],
    [L("k", RF("f", "error('boom')")), ["FCALL", "f", "0"], L("k2", RF("g", "return redis.call('incr', KEYS and 'a' or 'a')")), ["SET", "a", "x"], ["FCALL", "g", "0"]],
    [L("k", RF("f", "return redis.call('incr', keys[1])")), ["SET", "s", "x"], ["FCALL", "f", "1", "s"], L("k2", RF("g", "return redis.error_reply('MY err')")), ["FCALL", "g", "0"]],
    [L("k", `${RF("w", "return redis.call('set', keys[1], args[1])")}\n${RF("r", "return redis.call('get', keys[1])", "flags={'no-writes'}")}`), ["FCALL", "w", "1", "a", "v"], ["FCALL_RO", "w", "1", "a", "v"], ["FCALL_RO", "r", "1", "a"], ["FCALL", "r", "1", "a"]],
    [L("k", RF("nw", "return redis.call('set', 'a', 'b')", "flags={'no-writes'}")), ["FCALL", "nw", "0"], ["FCALL_RO", "nw", "0"], ["GET", "a"]],
    [L("k", RF("d", "redis.call('set', keys[1], '1') redis.call('set', keys[2], '2') redis.call('set', keys[3], '3') return redis.call('mget', keys[1], keys[2], keys[3])")), ["FCALL", "d", "3", "a", "b", "c"], ["MGET", "a", "b", "c"]],
    [L("k", RF("t", "redis.setresp(3) return redis.call('hgetall', keys[1])")), ["HSET", "h", "f", "v"], ["FCALL", "t", "1", "h"], L("k2", RF("m", "return {map={a=1}}")), ["FCALL", "m", "0"]],
    [L("k", RF("r", "return math.random(100)")), ["FCALL", "r", "0"], L("k2", RF("g", "local t = {} for k in pairs(redis) do t[#t+1] = k end table.sort(t) return t")), ["FCALL", "g", "0"]],
    [L("k", RF("i", "return redis.call('incr', 'n')")), ["MULTI"], ["FCALL", "i", "0"], ["FCALL", "i", "0"], ["FCALL", "nope", "0"], ["EXEC"], ["GET", "n"]],
  ],
  admin: [
    [L("a", RF("f", "return 1")), ["SCRIPT", "FLUSH"], ["FCALL", "f", "0"], ["FUNCTION", "FLUSH"], ["FCALL", "f", "0"], ["FUNCTION", "LIST"]],
    [["FUNCTION", "FLUSH", "ASYNC"], ["FUNCTION", "FLUSH", "SYNC"], ["FUNCTION", "FLUSH", "bad"], ["FUNCTION", "FLUSH", "a", "b"]],
    [L("a", RF("f", "return 1")), ["FUNCTION", "STATS"], ["FUNCTION", "KILL"], ["FUNCTION", "HELP"], ["FUNCTION", "NOPE"], ["FUNCTION", "DELETE"]],
    [["FUNCTION", "DUMP"], L("a", RF("f", "return 1")), ["FUNCTION", "DUMP"], L("b", RF(`g${"x".repeat(40)}`, "return 'a long enough body to be compressed by lzf, repeated: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'")), ["FUNCTION", "DELETE", "a"], ["FUNCTION", "DUMP"]],
    [["FUNCTION", "RESTORE", "bad"], ["FUNCTION", "RESTORE", "x", "BAD"], ["FUNCTION", "RESTORE", "x", "a", "b"], ["FUNCTION", "RESTORE", "\x00\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"]],
  ],
};

async function run(port: number, c: Case, resp: 2 | 3): Promise<string[]> {
  const client = await RespClient.connect(port);
  try {
    if (resp === 3) await client.raw("HELLO", "3");
    await client.raw("FLUSHALL");
    await client.raw("FUNCTION", "FLUSH");
    const out: string[] = [];
    for (const argv of c) {
      const raw = await client.raw(...argv);
      out.push(`${JSON.stringify(argv)} -> ${canonical(decodeAll(Buffer.from(raw, "latin1")))}`);
    }
    await client.raw("FUNCTION", "FLUSH");
    return out;
  } finally {
    client.close();
  }
}

/** Runs argv on a fresh connection to `port`: the reply's raw text. */
async function once(port: number, ...argv: string[]): Promise<string> {
  const client = await RespClient.connect(port);
  try {
    return await client.raw(...argv);
  } finally {
    client.close();
  }
}

/** A bulk reply's bytes. */
function bulk(raw: string): string {
  const n = raw.indexOf("\r\n");
  assert.equal(raw[0], "$", raw);
  return raw.slice(n + 2, raw.length - 2);
}

describe("FUNCTION and FCALL answer as redis-server 7.0.15 does", guard, () => {
  for (const [name, cases] of Object.entries(CASES)) {
    test(name, async () => {
      for (const c of cases) {
        for (const resp of [2, 3] as const) {
          assert.deepEqual(await run(servers.agner.port, c, resp), await run(servers.redis.port, c, resp), `RESP${resp}`);
        }
      }
    });
  }

  test("FUNCTION DUMP payloads restore across the two servers, both ways, with each policy", async () => {
    const a = servers.agner.port;
    const r = servers.redis.port;
    for (const p of [a, r]) await once(p, "FUNCTION", "FLUSH");
    const lib1 = L("lib1", `${RF("f1", "return 'one'")}\n${RF("f1b", "return 'one b'", "flags={'no-writes'}, description='second'")}`)[2]!;
    const lib2 = L("lib2", RF("f2", `return '${"two ".repeat(20)}'`))[2]!;
    await once(r, "FUNCTION", "LOAD", lib1);
    await once(a, "FUNCTION", "LOAD", lib2);
    const fromRedis = bulk(await once(r, "FUNCTION", "DUMP"));
    const fromAgner = bulk(await once(a, "FUNCTION", "DUMP"));
    assert.equal(await once(a, "FUNCTION", "RESTORE", fromRedis), "+OK\r\n");
    assert.equal(await once(r, "FUNCTION", "RESTORE", fromAgner), "+OK\r\n");
    for (const p of [a, r]) {
      assert.equal(await once(p, "FCALL", "f1", "0"), "$3\r\none\r\n");
      assert.equal(await once(p, "FCALL_RO", "F1B", "0"), "$5\r\none b\r\n");
      assert.equal(bulk(await once(p, "FCALL", "f2", "0")), "two ".repeat(20));
    }
    // Both hold the same two libraries now: the same answers to each policy, from either payload.
    for (const payload of [fromRedis, fromAgner]) {
      for (const policy of [[], ["APPEND"], ["REPLACE"], ["FLUSH"]]) {
        assert.equal(await once(a, "FUNCTION", "RESTORE", payload, ...policy), await once(r, "FUNCTION", "RESTORE", payload, ...policy), `${policy}`);
      }
    }
    const corrupt = fromAgner.slice(0, -1) + String.fromCharCode(fromAgner.charCodeAt(fromAgner.length - 1) ^ 1);
    assert.equal(await once(a, "FUNCTION", "RESTORE", corrupt), await once(r, "FUNCTION", "RESTORE", corrupt));
    for (const p of [a, r]) await once(p, "FUNCTION", "FLUSH");
  });
});
