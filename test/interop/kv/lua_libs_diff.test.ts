/**
 * Redis' Lua libraries (cjson, cmsgpack, bit, struct) against a real
 * redis-server 7.0.15: the same expression through EVAL and in our VM,
 * values and error messages compared byte for byte; then random inputs
 * (bytes into the decoders, doubles into the encoders, formats into struct).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { type LuaVm } from "../../../src/apps/kv/scripting/lua_vm.js";
import { type LuaResult, newLuaVm, ourEval, redisEval } from "../../support/lua_eval.js";
import { RawConnection, type RedisServer, needsRedisServer, startRedis } from "../../support/redis_server.js";
import { LUA_LIB_CASES } from "./lua_libs_cases.js";

/** A Lua string literal for any bytes. */
export const luaQuote = (s: string): string =>
  '"' + [...s].map((ch) => `\\${ch.charCodeAt(0).toString().padStart(3, "0")}`).join("") + '"';

const show = (r: LuaResult) => ("ok" in r ? r.ok : `error: ${r.err}`);

describe("Redis' Lua libraries answer as redis-server 7.0.15's", needsRedisServer(), () => {
  let server: RedisServer;
  let conn: RawConnection;
  let vm: LuaVm;
  before(async () => {
    server = await startRedis();
    conn = await RawConnection.open(server.port);
  });
  after(async () => {
    conn?.close();
    await server?.stop();
  });

  /** A fresh interpreter on both sides. */
  const fresh = async () => {
    await conn.call(["SCRIPT", "FLUSH"]);
    vm = newLuaVm();
  };
  const differences = async (exprs: readonly string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const e of exprs) {
      const ours = ourEval(vm, e);
      const theirs = await redisEval(conn, e);
      if (show(ours) !== show(theirs)) out.push(`${e}\n  redis: ${show(theirs)}\n  agner: ${show(ours)}`);
    }
    return out;
  };

  for (const [name, cases] of LUA_LIB_CASES) {
    test(name, async () => {
      await fresh();
      assert.deepEqual(await differences(cases), []);
    });
  }

  test("random bytes into cjson.decode, cmsgpack.unpack and struct.unpack", async () => {
    await fresh();
    const json = fc.oneof(
      fc.string({ unit: fc.constantFrom(..."[]{}:,\"\\ -+.0123456789eEtruefalsnxINFa/u".split("")), maxLength: 16 }),
      fc.string({ unit: "binary-ascii", maxLength: 8 }),
    );
    const bytes = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString("latin1"));
    const fmt = fc.string({ unit: fc.constantFrom(..."<>!248 bBhHlLTiI3fdsc0x ".split("")), maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(json, bytes, fmt, async (j, b, f) => {
        const exprs = [
          `cjson.decode(${luaQuote(j)})`,
          `cmsgpack.unpack(${luaQuote(b)})`,
          `struct.unpack(${luaQuote(f)}, ${luaQuote(b)})`,
          `cmsgpack.unpack_limit(${luaQuote(b)}, 2, 1)`,
        ];
        assert.deepEqual(await differences(exprs), []);
      }),
      { numRuns: 300 },
    );
  });

  test("random doubles into cjson.encode, cmsgpack.pack, struct.pack and bit", async () => {
    await fresh();
    const num = fc.oneof(
      fc.double({ noNaN: true }),
      fc.tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 12 })).map(([n, k]) => n / 2 ** k),
      fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53, 2 ** 63, -(2 ** 63), 123456789012345, 0.5, 2.5, -2.5),
    );
    const lit = (d: number) =>
      Object.is(d, -0) ? "(-0.0)" : Number.isFinite(d) ? `(${d.toPrecision(17)})` : d > 0 ? "(1/0)" : "(-1/0)";
    await fc.assert(
      fc.asyncProperty(num, num, async (a, b) => {
        const x = lit(a);
        const y = lit(b);
        const exprs = [
          `cjson.encode({${x}, ${y}})`,
          `cmsgpack.pack(${x}, {${y}})`,
          `struct.pack(">lLfd", ${x}, ${x}, ${y}, ${y})`,
          `bit.tobit(${x}), bit.band(${x}, ${y}), bit.rol(${x}, ${y}), bit.tohex(${x})`,
        ];
        assert.deepEqual(await differences(exprs), []);
      }),
      { numRuns: 300 },
    );
  });
});
