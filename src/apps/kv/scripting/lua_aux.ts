/**
 * The lauxlib helpers Redis' C libraries use (luaL_error, luaL_argerror,
 * luaL_check*), for their TypeScript ports. Errors go through the VM's own
 * lauxlib where it can (so the "where" prefix and the function's name in
 * "bad argument #1 to 'encode'" are Lua's), and through JS where the VM's
 * 32-bit `lua_Integer` would differ from Redis' 64-bit one.
 */
import { type LuaApi, type LuaState, type LuaVm, LUA_GLOBALSINDEX, LUA_REGISTRYINDEX, T_NIL, T_NUMBER, T_TABLE } from "./lua_vm.js";

/** Exports of the VM that LuaApi leaves untyped. */
export interface AuxApi extends LuaApi {
  luaL_argerror(L: LuaState, narg: number, msg: number): number;
  luaL_typerror(L: LuaState, narg: number, tname: number): number;
  luaL_where(L: LuaState, level: number): void;
  luaL_checknumber(L: LuaState, narg: number): number;
  lua_newuserdata(L: LuaState, size: number): number;
  lua_touserdata(L: LuaState, idx: number): number;
}

/** lua_upvalueindex(i). */
export const upvalueIndex = (i: number): number => LUA_GLOBALSINDEX - i;

const TYPE_NAMES = ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"];

/** C's `(int64_t)d` on x86-64: truncation, and INT64_MIN when out of range or NaN. */
export function toInt64(d: number): number {
  const t = Math.trunc(d);
  return t >= -9223372036854775808 && t < 9223372036854775808 ? t : -9223372036854775808;
}

/** One VM's helpers. */
export class LuaAux {
  readonly api: AuxApi;

  constructor(readonly vm: LuaVm) {
    this.api = vm.api as AuxApi;
  }

  /** luaL_error: msg prefixed with the calling Lua line ("user_script:1: "). */
  error(L: LuaState, msg: string): never {
    this.api.luaL_where(L, 1);
    this.vm.pushString(L, msg);
    this.api.lua_concat(L, 2);
    this.api.lua_error(L);
    throw new Error("unreachable");
  }

  /** luaL_argerror: "bad argument #narg to 'name' (msg)". */
  argError(L: LuaState, narg: number, msg: string): never {
    this.vm.pushString(L, msg);
    this.api.luaL_argerror(L, narg, this.api.lua_tolstring(L, -1, 0));
    throw new Error("unreachable");
  }

  /** luaL_argcheck. */
  argCheck(L: LuaState, ok: boolean, narg: number, msg: string): void {
    if (!ok) this.argError(L, narg, msg);
  }

  /** luaL_typerror: "bad argument #narg to 'name' (tname expected, got X)". */
  typeError(L: LuaState, narg: number, tname: string): never {
    this.api.luaL_typerror(L, narg, this.vm.cstr(tname));
    throw new Error("unreachable");
  }

  /** lua_typename of the value at idx ("no value" past the top). */
  typeName(L: LuaState, idx: number): string {
    const t = this.api.lua_type(L, idx);
    return t < 0 ? "no value" : TYPE_NAMES[t]!;
  }

  /** luaL_checknumber. */
  checkNumber(L: LuaState, narg: number): number {
    return this.api.luaL_checknumber(L, narg);
  }

  /** luaL_checkinteger with Redis' 64-bit lua_Integer (as a double). */
  checkInteger(L: LuaState, narg: number): number {
    const d = this.api.lua_tonumber(L, narg);
    if (d === 0 && this.api.lua_isnumber(L, narg) === 0) this.typeError(L, narg, "number");
    return toInt64(d);
  }

  /** luaL_optinteger. */
  optInteger(L: LuaState, narg: number, def: number): number {
    return this.api.lua_type(L, narg) <= T_NIL ? def : this.checkInteger(L, narg);
  }

  /** luaL_checklstring: the bytes (a number is converted in place). */
  checkString(L: LuaState, narg: number): string {
    const s = this.vm.toString(L, narg);
    if (s === null) this.typeError(L, narg, "string");
    return s;
  }

  /** luaL_checkoption with no default: the index of the string at narg in options. */
  checkOption(L: LuaState, narg: number, options: readonly string[]): number {
    const name = this.checkString(L, narg);
    const i = options.indexOf(name);
    if (i < 0) this.argError(L, narg, `invalid option '${cstr(name)}'`);
    return i;
  }

  /** lua_isnumber. */
  isNumber(L: LuaState, idx: number): boolean {
    return this.api.lua_isnumber(L, idx) !== 0;
  }

  /** Whether the value at idx is a number (not a numeric string). */
  isNumberType(L: LuaState, idx: number): boolean {
    return this.api.lua_type(L, idx) === T_NUMBER;
  }

  /** luaL_checkstack: "stack overflow (msg)" when the stack cannot grow by n. */
  checkStack(L: LuaState, n: number, msg: string): void {
    this.api.luaL_checkstack(L, n, this.vm.cstr(msg));
  }

  /** Sets `registry._LOADED[name]` and the global `name` to the table on top (as luaL_register does). */
  register(L: LuaState, name: string): void {
    const api = this.api;
    api.lua_getfield(L, LUA_REGISTRYINDEX, this.vm.cstr("_LOADED"));
    if (api.lua_type(L, -1) === T_TABLE) {
      api.lua_pushvalue(L, -2);
      api.lua_setfield(L, -2, this.vm.cstr(name));
    }
    api.lua_settop(L, -2);
    api.lua_pushvalue(L, -1);
    api.lua_setfield(L, LUA_GLOBALSINDEX, this.vm.cstr(name));
  }
}

/** A string as C's `%s` prints it: up to the first NUL. */
export function cstr(s: string): string {
  const z = s.indexOf("\0");
  return z < 0 ? s : s.slice(0, z);
}
