/**
 * Scripts from a generator, on Agner and on redis-server 7.0.15, replies
 * compared byte for byte (RESP2 and RESP3): random Lua values returned
 * (nested tables, numbers at the edges, binary strings, booleans, nil
 * holes, `err`/`ok`/`double`/`map`/`set` tables), random binary KEYS and
 * ARGV passed through, random commands' replies converted to Lua and back,
 * and random bytes as a script body (the compiler's errors are the same
 * Lua 5.1.5). The server must stay up through all of it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { serverPair } from "../../support/server_pair.js";
import { RespClient } from "../../support/resp_client.js";

const servers = serverPair(["--shards", "4"]);
const guard = servers.guard;
const RUNS = Number(process.env.AGNER_PROPERTY_RUNS ?? 150);

/** A Lua string literal for bytes (every byte escaped as \ddd where it is not plain). */
function luaString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 32 && c < 127 && c !== 34 && c !== 92 ? s[i] : `\\${c}`;
  }
  return out + '"';
}

const bytes = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 12 });
const number = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.constantFrom("0", "-0", "0.5", "-2.5", "1e15", "1e300", "-1e300", "2^53", "2^63", "-2^63", "1/0", "-1/0", "3.99", "-3.99", "1/3"),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => `(${String(d)})`),
);

const leaf = fc.oneof(number, bytes.map(luaString), fc.constantFrom("true", "false", "nil"));
const luaValue = fc.letrec<{ value: string; table: string; special: string }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("table"), tie("special")),
  table: fc.array(tie("value"), { maxLength: 5 }).map((xs) => `{${xs.join(", ")}}`),
  special: fc.oneof(
    bytes.map((s) => `{err=${luaString(s)}}`),
    bytes.map((s) => `{ok=${luaString(s)}}`),
    number.map((n) => `{double=${n}}`),
    fc.tuple(bytes, tie("value")).map(([k, v]) => `{map={[${luaString(k)}]=${v}}}`),
    bytes.map((s) => `{set={[${luaString(s)}]=true}}`),
  ),
})).value;

/** Commands whose replies cover the types, on keys a script made. */
const COMMANDS = fc.constantFrom(
  "redis.call('get', 's')", "redis.call('get', 'none')", "redis.call('lrange', 'l', 0, -1)", "redis.call('hgetall', 'h')",
  "redis.call('smembers', 'one')", "redis.call('zrange', 'z', 0, -1, 'withscores')", "redis.call('zscore', 'z', 'a')",
  "redis.call('ping')", "redis.pcall('incr', 's')", "redis.call('exists', 's', 'l', 'none')", "redis.call('type', 'h')",
  "redis.call('xrange', 'x', '-', '+')", "redis.call('hrandfield', 'h', 1, 'withvalues')", "redis.call('lpop', 'none')",
);
const SETUP = "redis.call('set', 's', 'v') redis.call('rpush', 'l', 'a', 'b') redis.call('hset', 'h', 'f', 'v') " +
  "redis.call('sadd', 'one', 'm') redis.call('zadd', 'z', 1.5, 'a', 2, 'b') redis.call('xadd', 'x', '1-1', 'f', 'v') ";

async function both(argv: string[], resp: 2 | 3, clients: { 2: RespClient[]; 3: RespClient[] }): Promise<[string, string]> {
  const [a, r] = clients[resp];
  return [await a!.raw(...argv), await r!.raw(...argv)];
}

describe("generated scripts answer as on redis-server 7.0.15", guard, () => {
  test("values returned, KEYS/ARGV passed through, replies converted both ways, random bodies compiled", async () => {
    const mk = async (port: number, resp: 2 | 3) => {
      const c = await RespClient.connect(port);
      if (resp === 3) await c.raw("HELLO", "3");
      return c;
    };
    const clients = {
      2: [await mk(servers.agner.port, 2), await mk(servers.redis.port, 2)],
      3: [await mk(servers.agner.port, 3), await mk(servers.redis.port, 3)],
    };
    try {
      const resp = fc.constantFrom(2 as const, 3 as const);
      await fc.assert(
        fc.asyncProperty(luaValue, resp, fc.boolean(), async (v, r, setresp) => {
          const body = `${setresp ? "redis.setresp(3) " : ""}return ${v}`;
          const [a, b] = await both(["EVAL", body, "0"], r, clients);
          assert.equal(a, b, body);
        }),
        { numRuns: RUNS },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(bytes, { maxLength: 4 }), fc.array(bytes, { maxLength: 4 }), resp, async (keys, args, r) => {
          const argv = ["EVAL", "return {KEYS, ARGV, #KEYS, #ARGV}", String(keys.length), ...keys, ...args];
          const [a, b] = await both(argv, r, clients);
          assert.equal(a, b, JSON.stringify(argv));
        }),
        { numRuns: RUNS },
      );
      await fc.assert(
        fc.asyncProperty(COMMANDS, resp, fc.boolean(), async (cmd, r, setresp) => {
          for (const c of [...clients[2], ...clients[3]]) await c.raw("FLUSHALL");
          const body = `${SETUP}${setresp ? "redis.setresp(3) " : ""}return ${cmd}`;
          const [a, b] = await both(["EVAL", body, "0"], r, clients);
          assert.equal(a, b, body);
        }),
        { numRuns: RUNS },
      );
      const token = fc.constantFrom("return", "local", "x", "=", "(", ")", "{", "}", "end", "function", "if", "then", "..", "'", '"', "--", "[[", "]]", "1", "nil", "redis.call", ",", "\n", " ", "\0", "\xff", "#", "%");
      await fc.assert(
        fc.asyncProperty(fc.oneof(bytes, fc.array(token, { maxLength: 12 }).map((t) => t.join(""))), async (body) => {
          const [a, b] = await both(["EVAL", body, "0"], 2, clients);
          assert.equal(a, b, JSON.stringify(body));
        }),
        { numRuns: RUNS },
      );
      assert.equal(await clients[2][0]!.raw("PING"), "+PONG\r\n");
    } finally {
      for (const c of [...clients[2], ...clients[3]]) c.close();
    }
  });
});
