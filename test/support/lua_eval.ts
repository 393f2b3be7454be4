/**
 * Runs one Lua expression in a bare VM with Redis' libraries (ours), or in
 * a real redis-server through EVAL, and gives back the same text from
 * both: the expression's values serialised by a small Lua function that
 * runs on each side (strings %q, numbers %.17g, tables with sorted keys,
 * cjson.null as `null`), or the error message (Redis' "ERR ... script:
 * <sha>, on @user_script:1." wrapping removed).
 */
import { openRedisLibraries } from "../../src/apps/kv/scripting/lua_libs.js";
import { LuaVm } from "../../src/apps/kv/scripting/lua_vm.js";
import { type RawConnection } from "./redis_server.js";

/** Both sides' answer: the serialised values, or the error message. */
export type LuaResult = { ok: string } | { err: string };

// One line, so an error in the expression is at "user_script:1:" on both sides.
const SERIALISE =
  'local function s(v, d) local t = type(v) ' +
  'if v == cjson.null and t == "userdata" then return "null" ' +
  'elseif t == "string" then return string.format("%q", v) ' +
  'elseif t == "number" then if v ~= v then return "nan" end return string.format("%.17g", v) ' +
  'elseif t == "table" then if d > 40 then return "{...}" end ' +
  'local ks = {} for k in pairs(v) do ks[#ks + 1] = k end ' +
  'local sk = {} for i, k in ipairs(ks) do sk[i] = {s(k, d + 1), k} end ' +
  'table.sort(sk, function(a, b) return a[1] < b[1] end) ' +
  'local o = {} for i, p in ipairs(sk) do o[i] = "[" .. p[1] .. "]=" .. s(v[p[2]], d + 1) end ' +
  'return "{" .. table.concat(o, ",") .. "}" ' +
  'else return t .. (t == "boolean" and (v and ":true" or ":false") or "") end end ' +
  'local function pk(...) return {n = select("#", ...), ...} end ';

/** The script both sides run for `expr`. */
export function evalScript(expr: string): string {
  return `${SERIALISE}return s(pk(${expr}), 0)`;
}

/** A VM as the brief's tests want it: base, table, string and math, then Redis' libraries. */
export function newLuaVm(): LuaVm {
  const vm = LuaVm.create();
  const { api, L } = vm;
  api.luaopen_base(L);
  api.luaopen_table(L);
  api.luaopen_string(L);
  api.luaopen_math(L);
  api.lua_settop(L, 0);
  openRedisLibraries(vm, L);
  api.lua_settop(L, 0);
  return vm;
}

/** Runs a whole chunk (named as Redis names scripts) in vm. */
export function runChunk(vm: LuaVm, code: string): LuaResult {
  const { api, L } = vm;
  api.lua_settop(L, 0);
  if (vm.load(L, code, "@user_script") !== 0) return { err: vm.toString(L, -1) ?? "?" };
  const rc = api.lua_pcall(L, 0, 1, 0);
  const text = vm.toString(L, -1);
  api.lua_settop(L, 0);
  if (rc !== 0) return { err: text ?? "(error object is not a string)" };
  return { ok: text ?? "(not a string)" };
}

/** `expr` in our VM. */
export function ourEval(vm: LuaVm, expr: string): LuaResult {
  return runChunk(vm, evalScript(expr));
}

/** `expr` in redis-server. */
export async function redisEval(conn: RawConnection, expr: string): Promise<LuaResult> {
  const reply = (await conn.call(["EVAL", evalScript(expr), "0"])).toString("latin1");
  if (reply.startsWith("$")) {
    const nl = reply.indexOf("\r\n");
    return { ok: reply.slice(nl + 2, nl + 2 + Number(reply.slice(1, nl))) };
  }
  if (reply.startsWith("-")) {
    const m = /^-(?:ERR )?([\s\S]*?)(?: script: [0-9a-f]{40}, on @user_script:\d+\.)?\r\n$/.exec(reply);
    return { err: m ? m[1]! : reply };
  }
  return { err: `unexpected reply ${JSON.stringify(reply)}` };
}
