/**
 * EVAL, EVALSHA, their _RO forms and SCRIPT against a real redis-server
 * 7.0.15: the same cases run on Agner (four shards: a script's keys spread
 * over them) and on redis-server, in RESP2 and in RESP3, every reply
 * compared (decoded, canonical form). Covered: the reply conversions both
 * ways (Lua → reply, and every reply type → Lua in RESP2 and after
 * redis.setresp(3)), errors and their texts (compile, runtime, redis.call
 * errors, error tables, pcall), the global protection, KEYS/ARGV, the
 * script cache, shebang flags, read-only scripts, math.random's
 * generator, SELECT inside a script, scripts in MULTI, and keys the script
 * did not declare.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { shardOf } from "../../../src/apps/kv/server/router.js";
import { serverPair } from "../../support/server_pair.js";
import { RespClient } from "../../support/resp_client.js";
import { canonical, decodeAll } from "../../support/resp_reply.js";

const SHARDS = 4;
const servers = serverPair(["--shards", String(SHARDS)]);
const guard = servers.guard;

type Case = string[][];
const E = (body: string, ...rest: string[]) => ["EVAL", body, ...rest];

const CASES: Record<string, Case[]> = {
  lua_to_reply: [
    [E("return 1", "0"), E("return 3.99", "0"), E("return -3.99", "0"), E("return 'x'", "0"), E("return true", "0"), E("return false", "0"), E("return nil", "0")],
    [E("return {1,2,3,'x',nil,5}", "0"), E("return {1,{2,{3,{4}}},true,false,'s'}", "0"), E("return {}", "0"), E("return {a=1}", "0")],
    [E("return redis.status_reply('FINE')", "0"), E("return {ok='x\\r\\ny'}", "0"), E("return redis.error_reply('bad')", "0"), E("return redis.error_reply('-X bad')", "0")],
    [E("return {err='plain'}", "0"), E("return {err='MY code'}", "0"), E("return {err=5}", "0"), E("return {ok=1}", "0")],
    [E("return {double=3.5}", "0"), E("return {double='x'}", "0"), E("return {big_number='123456789012345678901234567890'}", "0")],
    [E("return {map={a=1}}", "0"), E("return {set={a=true}}", "0"), E("return {verbatim_string={format='txt', string='hi'}}", "0")],
    [E("redis.setresp(3) return true", "0"), E("redis.setresp(3) return false", "0"), E("redis.setresp(3) return {double=1.5}", "0")],
    [E("return 1e300", "0"), E("return -1e300", "0"), E("return 0/0", "0"), E("return 9007199254740993", "0"), E("return 2^62", "0")],
    [E("return {1, 2, {err='inner'}}", "0"), E("return {1, {ok='inner'}}", "0"), E("return 'a\\0b'", "0")],
  ],
  reply_to_lua: [
    [["SET", "s", "v"], ["RPUSH", "l", "a", "b"], ["HSET", "h", "f", "v"], ["SADD", "st", "m"], ["ZADD", "z", "1.5", "m"]],
    [["SET", "s", "v"], E("local r = redis.call('get', KEYS[1]) return type(r) .. ':' .. r", "1", "s"), E("local r = redis.call('get', 'nokey') return type(r) .. tostring(r)", "0")],
    [["RPUSH", "l", "a", "b"], E("local r = redis.call('lrange', 'l', 0, -1) return {type(r), #r, r[1], r[2]}", "0"), E("return type(redis.call('lpop', 'nolist'))", "0")],
    [E("local r = redis.call('set', 'k', 'v') return {type(r), r.ok}", "0"), E("local r = redis.call('incr', 'n') return {type(r), r}", "0")],
    [E("local r = redis.pcall('incr', 'k') return {type(r), r.err}", "0"), ["SET", "k", "x"], E("local r = redis.pcall('incr', 'k') return {type(r), r.err}", "0")],
    [["HSET", "h", "f", "v"], E("redis.setresp(3) local r = redis.call('hgetall', 'h') return {type(r), type(r.map), r.map.f}", "0")],
    [["SADD", "st", "m"], E("redis.setresp(3) local r = redis.call('smembers', 'st') return {type(r.set), tostring(r.set.m)}", "0")],
    [["ZADD", "z", "1.5", "m"], E("redis.setresp(3) local r = redis.call('zscore', 'z', 'm') return {type(r), r.double}", "0"), E("return redis.call('zscore', 'z', 'm')", "0")],
    [E("redis.setresp(3) local r = redis.call('get', 'nokey') return type(r)", "0"), E("redis.setresp(3) return redis.call('get', 'nokey')", "0")],
    [E("redis.setresp(2) return redis.call('ping')", "0"), E("return redis.setresp(4)", "0"), E("return redis.setresp()", "0")],
    [["ZADD", "z", "1", "a", "2", "b"], E("return redis.call('zrange', 'z', 0, -1, 'withscores')", "0"), E("redis.setresp(3) return redis.call('zrange', 'z', 0, -1, 'withscores')", "0")],
    [E("redis.setresp(3) return redis.call('hello')", "0"), E("return redis.call('echo', 'x')", "0"), E("return redis.call('ping', 'x')", "0")],
  ],
  arguments: [
    [E("return redis.call('set', 'k', 3.5)", "0"), ["GET", "k"], E("return redis.call('set', 'k', 1/3)", "0"), ["GET", "k"], E("return redis.call('set', 'k', 1e20)", "0"), ["GET", "k"]],
    [E("return redis.call('set', 'k', true)", "0"), E("return redis.call('set', 'k', {})", "0"), E("return redis.call('set', 'k', nil)", "0"), E("return redis.call()", "0")],
    [E("return redis.pcall()", "0"), E("return redis.pcall('get', {})", "0"), E("return redis.call('get')", "0"), E("return redis.call('nosuch')", "0"), E("return redis.call('config')", "0")],
    [E("return {#KEYS, #ARGV, KEYS[1], KEYS[2], ARGV[1], ARGV[2]}", "2", "a", "b", "c", "d"), E("return {#KEYS, #ARGV}", "0"), E("return KEYS[1]", "1", "x\u00ff")],
    [E("return 1", "-1"), E("return 1", "3", "a"), E("return 1", "x"), E("return 1", "1.5", "a"), E("return 1", "9999999999999999999")],
  ],
  errors: [
    [E("return 1 +", "0"), E("x = 1", "0"), E("return y", "0"), E("error('boom')", "0"), E("error({err='MYERR boom'})", "0"), E("error()", "0"), E("error(nil)", "0")],
    [E("error({err=''})", "0"), E("error(5)", "0"), E("error(true)", "0"), E("local t = nil; return t.x", "0"), E("return nosuch()", "0")],
    [["SET", "s", "abc"], E("return redis.call('incr', 's')", "0"), E("return redis.call('lpush', 's', 'x')", "0"), E("\n\nreturn redis.call('incr', 's')", "0")],
    [E("return redis.call('subscribe', 'x')", "0"), E("return redis.call('multi')", "0"), E("return redis.call('eval', 'return 1', '0')", "0"), E("return redis.call('blpop', 'l', 0)", "0")],
    [E("local ok, e = pcall(redis.call, 'incr', 's') return {tostring(ok), e}", "0"), ["SET", "s", "x"], E("local ok, e = pcall(redis.call, 'incr', 's') return {tostring(ok), e}", "0")],
    [E("local ok, e = pcall(error, {err='X y'}) return e", "0"), E("local ok, e = pcall(error, 'plain') return e", "0"), E("local ok, e = pcall(error) return tostring(e)", "0")],
    [E("return redis.error_reply()", "0"), E("return redis.status_reply(1)", "0"), E("return redis.sha1hex()", "0"), E("return redis.sha1hex('')", "0"), E("return redis.sha1hex('abc')", "0")],
    [E("local function f() return redis.call('incr', 's') end return f()", "0"), ["SET", "s", "x"], E("local function f()\n  return redis.call('incr', 's')\nend\nreturn f()", "0")],
    [E("redis.log(redis.LOG_WARNING, 'x')", "0"), E("redis.log()", "0"), E("redis.log('a', 'b')", "0"), E("redis.log(9, 'b')", "0"), E("return redis.set_repl(99)", "0")],
  ],
  globals: [
    [E("local t = {} for k in pairs(_G) do t[#t+1] = k end table.sort(t) return t", "0")],
    [E("local t = {} for k in pairs(redis) do t[#t+1] = k end table.sort(t) return t", "0"), E("return {redis.REDIS_VERSION_NUM, redis.LOG_NOTICE, redis.REPL_ALL}", "0")],
    [E("rawset(_G, 'x', 1)", "0"), E("setmetatable(_G, nil)", "0"), E("string.foo = 1", "0"), E("redis.call = nil", "0"), E("math.floor = nil", "0")],
    [E("getmetatable('').__index = nil return 1", "0"), E("local mt = getmetatable('') mt.x = 1 return 1", "0"), E("return type(getmetatable(''))", "0"), E("return type(getmetatable(_G))", "0")],
    [E("local t = {} for k in pairs(string) do t[#t+1] = k end return #t", "0"), E("return ('abc'):upper()", "0"), E("return string.format('%5.2f|%d|%s', 3.14159, 42, 'x')", "0")],
    [E("KEYS[1] = 'z' return KEYS[1]", "1", "a"), E("return KEYS[1]", "1", "b"), E("local t = {} t.x = 1 setmetatable(t, {}) rawset(t, 'y', 2) return t.y", "0")],
    [E("return {type(os), type(io), type(print), type(dofile), type(loadfile), type(require)}", "0"), E("return type(getfenv)", "0")],
    [E("return {type(loadstring), type(load), type(coroutine), type(unpack), type(gcinfo), type(debug)}", "0"), E("return loadstring('return 7')()", "0")],
    [E("return tostring(1/3) .. ' ' .. tostring(1e15) .. ' ' .. tostring(2^53) .. ' ' .. 10/2", "0"), E("return {math.huge == 1/0, _VERSION}", "0")],
  ],
  cache: [
    [["SCRIPT", "LOAD", "return 42"], ["EVALSHA", "1fa00e76656cc152ad327c13fe365858fd7be306", "0"], ["SCRIPT", "EXISTS", "1fa00e76656cc152ad327c13fe365858fd7be306", "nope"]],
    [["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"], ["EVALSHA", "short", "0"], ["EVALSHA", "1FA00E76656CC152AD327C13FE365858FD7BE306", "0"]],
    [["SCRIPT", "LOAD", "return 1 +"], ["SCRIPT", "FLUSH"], ["SCRIPT", "EXISTS", "1fa00e76656cc152ad327c13fe365858fd7be306"], ["SCRIPT", "FLUSH", "ASYNC"], ["SCRIPT", "FLUSH", "bad"]],
    [["SCRIPT", "HELP"], ["SCRIPT", "KILL"], ["SCRIPT", "LOAD"], ["SCRIPT", "NOPE"], ["SCRIPT", "DEBUG", "NO"], ["SCRIPT", "DEBUG", "bad"]],
    [E("return 'cached'", "0"), ["EVALSHA", "b3ebd9d7e2a3e10ba90b1dc47e0bb5da30a3aad9", "0"], ["SCRIPT", "EXISTS", "b3ebd9d7e2a3e10ba90b1dc47e0bb5da30a3aad9"]],
  ],
  flags: [
    [E("#!lua\nreturn redis.call('set', 'k', 'v')", "0"), E("#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')", "0"), E("#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0")],
    [E("#!lua flags=bogus\nreturn 1", "0"), E("#!lua bogus=1\nreturn 1", "0"), E("#!python\nreturn 1", "0"), E("#!lua", "0"), E("#!lua flags=no-writes,allow-oom\nreturn 1", "0")],
    [["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"], ["EVAL_RO", "return redis.call('set', KEYS[1], 'x')", "1", "k"], ["EVAL_RO", "#!lua\nreturn 1", "0"]],
    [["EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"], ["EVALSHA_RO", "1fa00e76656cc152ad327c13fe365858fd7be306", "0"], E("#!lua\n\nerror('line 3')", "0")],
    [["EVAL_RO", "return redis.call('pfcount', 'h')", "0"], ["EVAL_RO", "return redis.pcall('del', 'k')", "0"]],
  ],
  pcall: [
    [E("return {pcall(function() return 1, nil, 3 end)}", "0"), E("return select('#', pcall(function() return 1, nil, 3 end))", "0"), E("return {pcall(function() return pcall(function() error('in') end) end)}", "0")],
    [E("coroutine.yield()", "0"), E("return {pcall(coroutine.yield)}", "0"), E("return {pcall(function() coroutine.yield() end)}", "0"), E("return {pcall(nil)}", "0")],
    [E("local co = coroutine.create(function() coroutine.yield(5) return 6 end) local a,b = coroutine.resume(co) local c,d = coroutine.resume(co) return {b, d}", "0")],
    [E("local co = coroutine.wrap(function() pcall(function() coroutine.yield(1) end) return 2 end) return {co(), co()}", "0"), E("return {pcall(redis.call, 'get')}", "0")],
    [E("return {xpcall(function() error('x') end, function(e) return 'handled ' .. e end)}", "0"), E("return {pcall(error, {err='E1'})}", "0")],
  ],
  lexer: [
    [E("return [[ a [[ b ]]", "0"), E("return [[ a [[ b ]] c ]]", "0"), E("--[[ a [[ b ]]\nreturn [=[x[=[y]=]", "0"), E("[[[[", "0"), E("return [==[ [==[", "0"), E("[[[[]]", "0"), E("return 1 [[a [[ b]]", "0")],
    [E("\x1bLuaQ\x00\x01\x04\x04\x04\x08\x00", "0"), E("\x1b", "0"), E("return select(2, loadstring(string.char(27) .. 'LuaQ'))", "0")],
    [E("local i = 0 return select(2, load(function() i = i + 1 if i == 1 then return string.char(27) .. 'LuaQ' end end))", "0"), E("return loadstring('return [[a[[b]]')()", "0")],
  ],
  random: [
    [E("math.randomseed(42) return {tostring(math.random()), math.random(100), math.random(5, 10)}", "0"), E("math.randomseed(7) return math.random(1000000)", "0")],
    [E("math.randomseed(1) return math.random(0)", "0"), E("math.randomseed(1) return math.random(3, 1)", "0"), E("return math.random(1, 2, 3)", "0"), E("return math.random('x')", "0")],
  ],
  data: [
    [E("redis.call('rpush', KEYS[1], 'a', 'b') redis.call('sadd', KEYS[2], 'x') redis.call('set', KEYS[3], 'v') return {redis.call('lrange', KEYS[1], 0, -1), redis.call('scard', KEYS[2]), redis.call('get', KEYS[3])}", "3", "a", "b", "c"), ["LRANGE", "a", "0", "-1"], ["GET", "c"]],
    [E("redis.call('set', 'd', '1') redis.call('set', 'e', '2') redis.call('set', 'f', '3') return redis.call('mget', 'd', 'e', 'f', 'nokey')", "0"), ["MGET", "d", "e", "f"], E("return redis.call('del', 'd', 'e', 'f', 'nokey')", "0")],
    [E("redis.call('set', 'a', 'x') redis.call('rename', 'a', 'b') return {redis.call('exists', 'a'), redis.call('get', 'b')}", "0"), ["GET", "b"], ["EXISTS", "a"]],
    [E("redis.call('mset', 'a', 1, 'b', 2, 'c', 3) local k = redis.call('keys', '*') table.sort(k) return {redis.call('dbsize'), k}", "0"), E("return redis.call('flushall')", "0"), ["DBSIZE"]],
    [E("redis.call('select', 3) redis.call('set', 'x', 'in3') return redis.call('get', 'x')", "0"), ["GET", "x"], ["SELECT", "3"], ["GET", "x"], E("return redis.call('get', 'x')", "0")],
    [E("redis.call('select', 99)", "0"), E("return redis.call('time')[1] ~= nil", "0"), E("return redis.call('sadd', 's', 'a', 'b', 'c')", "0"), E("return redis.call('sunionstore', 'd', 's', 'nokey')", "0")],
    [["MULTI"], E("return redis.call('incr', 'n')", "0"), E("return redis.call('incr', 'n')", "0"), ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"], ["EXEC"], ["GET", "n"]],
    [E("return redis.call('zadd', 'z', 1, 'a', 2, 'b')", "0"), E("return redis.call('zrangebyscore', 'z', '-inf', '+inf', 'withscores')", "0"), E("return redis.call('zincrby', 'z', 0.5, 'a')", "0")],
    [E("redis.call('hset', 'h', 'f', 'v') return redis.call('hgetall', 'h')", "0"), E("return redis.call('xadd', 'st', '1-1', 'f', 'v')", "0"), E("return redis.call('xrange', 'st', '-', '+')", "0")],
  ],
};

/** Commands whose reply order Redis does not define (compared as sets). */
const UNORDERED = /^(keys|smembers|hgetall)$|'keys'|'hgetall'|pairs\(/i;

async function run(port: number, c: Case, resp: 2 | 3): Promise<string[]> {
  const client = await RespClient.connect(port);
  try {
    if (resp === 3) await client.raw("HELLO", "3");
    await client.raw("FLUSHALL");
    await client.raw("SCRIPT", "FLUSH");
    const out: string[] = [];
    for (const argv of c) {
      const raw = await client.raw(...argv);
      const unordered = UNORDERED.test(argv[0]!) || (argv[0] === "EVAL" && UNORDERED.test(argv[1]!));
      out.push(`${JSON.stringify(argv)} -> ${canonical(decodeAll(Buffer.from(raw, "latin1")), unordered)}`);
    }
    await client.raw("SELECT", "0");
    return out;
  } finally {
    client.close();
  }
}

describe("EVAL, EVALSHA and SCRIPT answer as redis-server 7.0.15 does", guard, () => {
  test("the data cases' keys land on several shards", () => {
    assert.ok(new Set(["a", "b", "c", "d", "e", "f"].map((k) => shardOf(k, SHARDS - 1))).size > 1);
  });

  test("INFO memory has redis-server's scripting fields, counting the cached scripts and the functions", async () => {
    const fields = async (port: number) => {
      const c = await RespClient.connect(port);
      try {
        await c.raw("SCRIPT", "FLUSH");
        await c.raw("FUNCTION", "FLUSH");
        await c.raw("EVAL", "return 1", "0");
        await c.raw("SCRIPT", "LOAD", "return 2");
        await c.raw("FUNCTION", "LOAD", "#!lua name=infolib\nredis.register_function('infof', function() return 1 end)");
        const info = await c.raw("INFO", "memory");
        // used_memory_vm_heap is Agner's own (the JS heap), not a scripting field.
        const m = new Map([...info.matchAll(/^([a-z_]*(?:lua|vm|script|function)[a-z_]*):(.*)\r$/gm)].filter((x) => !x[1]!.startsWith("used_memory_vm_heap")).map((x) => [x[1]!, x[2]!]));
        await c.raw("FUNCTION", "FLUSH");
        return m;
      } finally {
        c.close();
      }
    };
    const [ours, theirs] = [await fields(servers.agner.port), await fields(servers.redis.port)];
    assert.deepEqual([...ours.keys()], [...theirs.keys()]);
    for (const k of ["number_of_cached_scripts", "number_of_functions"]) assert.equal(ours.get(k), theirs.get(k), k);
    assert.ok(Number(ours.get("used_memory_vm_eval")) > 0);
  });

  for (const [name, cases] of Object.entries(CASES)) {
    test(name, async () => {
      for (const c of cases) {
        for (const resp of [2, 3] as const) {
          assert.deepEqual(await run(servers.agner.port, c, resp), await run(servers.redis.port, c, resp), `RESP${resp}`);
        }
      }
    });
  }
});
