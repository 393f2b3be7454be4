/**
 * The Lua engine of Redis functions (function_lua.c, Redis 7.0.15): an
 * interpreter of its own (SCRIPT FLUSH never touches it), where a
 * library's code runs once, at FUNCTION LOAD, to register its functions.
 *
 * Every library shares one globals table, read-only, whose lookups go
 * through a metatable: while a library's code loads they reach only the
 * library API (`redis.register_function`, `redis.log`, the log levels and
 * the version; anything else is "Script attempted to access nonexistent
 * global variable"), and afterwards the whole scripting environment
 * (redis.call, string, cjson...). Functions are closures of the library's
 * code, so they see that same table: the API of the time they run. Redis
 * switches the metatable's `__index` the same way.
 *
 * @example
 * const e = new FunctionEngine();
 * const fns = e.create("\nredis.register_function('f', function(keys, args) return 1 end)");
 * // [{ name: "f", ref, desc: null, flags }] (or the error text)
 */
import { compileMessage, normalizeLongBrackets } from "./lua_source.js";
import { LUA_REGISTRYINDEX, type LuaState, T_FUNCTION, T_NIL, T_TABLE } from "./lua_vm.js";
import { FLAG_NAMES, type ScriptFlags } from "./script.js";
import { LuaEnv, type LuaFunctionRef } from "./script_lua.js";

/** A function a library registered. */
export interface RegisteredFunction {
  readonly name: string;
  readonly ref: LuaFunctionRef;
  readonly desc: string | null;
  readonly flags: ScriptFlags;
}

const REDIS_VERSION = "7.0.15";
/** How long a library's code may run at FUNCTION LOAD (function_lua.c's LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;
const REDIS_VERSION_NUM = 0x07000f;

/** Function names (and library names): letters, digits and underscores, at least one. */
export function validName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

/** Error text of a register_function call that cannot register. */
class RegisterError {
  constructor(readonly text: string) {}
}

/**
 * Builds the library API and the functions' globals; run once with the
 * interpreter's (protected) globals as its environment. A read-only table
 * is a proxy reading through to the real one, whose own metatable raises
 * on a missing name (a C function called by the VM itself, so the error
 * names the library's line, as Redis' does).
 */
const ENGINE_SETUP = `
local ro_newindex, missing, register, log, version, version_num, globals = ...
local function ro(real)
  setmetatable(real, { __index = missing })
  return setmetatable({}, { __index = real, __newindex = ro_newindex })
end
local api = ro({ redis = ro({ register_function = register, log = log, LOG_DEBUG = 0, LOG_VERBOSE = 1,
  LOG_NOTICE = 2, LOG_WARNING = 3, REDIS_VERSION = version, REDIS_VERSION_NUM = version_num }) })
local mt = { __index = globals, __newindex = ro_newindex }
return setmetatable({}, mt), mt, api
`;

/** The functions' interpreter: compiles and loads libraries' code, runs functions (through {@link env}). */
export class FunctionEngine {
  readonly env = new LuaEnv("function");
  /** Registry references: the shared globals table, its metatable, the load-time API, the full API. */
  private readonly globalsRef: number;
  private readonly metaRef: number;
  private readonly apiRef: number;
  private readonly fullRef: number;
  /** The functions registered so far by the library loading now; null when none loads. */
  private loading: RegisteredFunction[] | null = null;

  constructor() {
    const { vm, L } = this.env;
    const api = vm.api;
    const env = this.env;
    if (vm.load(L, ENGINE_SETUP, "=function_engine") !== 0) throw new Error(`function engine setup: ${vm.toString(L, -1)}`);
    const push = (f: (L: LuaState) => number) => api.lua_pushcclosure(L, vm.cfunction(f), 0);
    push((L) => env.raise(L, "Attempt to modify a readonly table"));
    push((L) => env.raise(L, `Script attempted to access nonexistent global variable '${vm.toString(L, 2) ?? ""}'`));
    push((L) => this.registerFunction(L));
    push((L) => env.redisLog(L));
    vm.pushString(L, REDIS_VERSION);
    api.lua_pushnumber(L, REDIS_VERSION_NUM);
    api.lua_pushvalue(L, -10002 /* LUA_GLOBALSINDEX */);
    if (api.lua_pcall(L, 7, 3, 0) !== 0) throw new Error(`function engine setup: ${vm.toString(L, -1)}`);
    this.apiRef = api.luaL_ref(L, LUA_REGISTRYINDEX);
    this.metaRef = api.luaL_ref(L, LUA_REGISTRYINDEX);
    this.globalsRef = api.luaL_ref(L, LUA_REGISTRYINDEX);
    api.lua_pushvalue(L, -10002);
    this.fullRef = api.luaL_ref(L, LUA_REGISTRYINDEX);
    api.lua_settop(L, 0);
  }

  /** Where redis.log writes while a library's code loads. */
  set log(fn: (level: number, text: string) => void) {
    this.env.idleLog = fn;
  }

  /**
   * luaEngineCreate: compiles `code` (a library's code after its metadata
   * line) and runs it so that it registers its functions: those, or the
   * error text FUNCTION LOAD answers (after `ERR `).
   */
  create(code: string): RegisteredFunction[] | string {
    const { vm, L } = this.env;
    const api = vm.api;
    const rewrites: [string, string][] = [];
    if (vm.load(L, normalizeLongBrackets(code, rewrites), "@user_function") !== 0) {
      const msg = compileMessage(vm.toString(L, -1) ?? "unknown error", rewrites);
      api.lua_settop(L, 0);
      return `Error compiling function: ${msg}`;
    }
    api.lua_rawgeti(L, LUA_REGISTRYINDEX, this.globalsRef);
    api.lua_setfenv(L, -2);
    this.setIndex(this.apiRef);
    const registered: RegisteredFunction[] = [];
    this.loading = registered;
    let err: string | null = null;
    try {
      if (this.env.withLoadTimeout(LOAD_TIMEOUT_MS, () => api.lua_pcall(L, 0, 0, 0)) !== 0) {
        err = `Error registering functions: ${this.env.errorInfo(L).msg}`;
      }
    } finally {
      this.loading = null;
      this.setIndex(this.fullRef);
      api.lua_settop(L, 0);
    }
    if (err !== null) {
      for (const f of registered) this.release(f.ref);
      return err;
    }
    return registered;
  }

  /** Frees a function's compiled closure. */
  release(ref: LuaFunctionRef): void {
    this.env.release(ref);
  }

  /** Points the shared globals' lookups at the table behind registry reference `ref`. */
  private setIndex(ref: number): void {
    const { vm, L } = this.env;
    const api = vm.api;
    api.lua_rawgeti(L, LUA_REGISTRYINDEX, this.metaRef);
    api.lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    api.lua_setfield(L, -2, vm.cstr("__index"));
    api.lua_settop(L, -2);
  }

  /** redis.register_function(name, callback) or redis.register_function{function_name=..., callback=..., flags=..., description=...}. */
  private registerFunction(L: LuaState): number {
    const env = this.env;
    const into = this.loading;
    if (into === null) {
      env.pushErrorTable(L, "redis.register_function can only be called on FUNCTION LOAD command");
      return env.vm.api.lua_error(L);
    }
    const r = this.readArgs(L);
    if (r instanceof RegisterError) {
      env.pushErrorTable(L, r.text);
      return env.vm.api.lua_error(L);
    }
    let why: string | null = null;
    if (!validName(r.name)) why = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
    else if (into.some((f) => f.name === r.name)) why = "Function already exists in the library";
    if (why !== null) {
      this.release(r.ref);
      env.pushErrorTable(L, why);
      return env.vm.api.lua_error(L);
    }
    into.push(r);
    return 0;
  }

  /** luaRegisterFunctionReadArgs: the function to register, or why not (its callback referenced only on success). */
  private readArgs(L: LuaState): RegisteredFunction | RegisterError {
    const { vm } = this.env;
    const api = vm.api;
    const argc = api.lua_gettop(L);
    if (argc < 1 || argc > 2) return new RegisterError("wrong number of arguments to redis.register_function");
    const plain: ScriptFlags = { compat: false, noWrites: false, allowOom: false, allowStale: false, noCluster: false, allowCrossSlot: false };
    if (argc === 2) {
      if (api.lua_isstring(L, 1) === 0) return new RegisterError("first argument to redis.register_function must be a string");
      const name = vm.toString(L, 1)!;
      if (api.lua_type(L, 2) !== T_FUNCTION) return new RegisterError("second argument to redis.register_function must be a function");
      return { name, ref: api.luaL_ref(L, LUA_REGISTRYINDEX), desc: null, flags: plain };
    }
    if (api.lua_type(L, 1) !== T_TABLE) {
      return new RegisterError("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
    }
    let name: string | null = null;
    let desc: string | null = null;
    let ref: number | null = null;
    let flags = plain;
    const fail = (text: string) => {
      if (ref !== null) this.release(ref);
      return new RegisterError(text);
    };
    api.lua_pushnil(L);
    while (api.lua_next(L, -2) !== 0) {
      // Stack: table, key, value (as Redis, a number key is read as a string: it matches nothing).
      if (api.lua_isstring(L, -2) === 0) return fail("named argument key given to redis.register_function is not a string");
      const key = vm.toString(L, -2)!.toLowerCase();
      if (key === "function_name") {
        if (api.lua_isstring(L, -1) === 0) return fail("function_name argument given to redis.register_function must be a string");
        name = vm.toString(L, -1)!;
      } else if (key === "description") {
        if (api.lua_isstring(L, -1) === 0) return fail("description argument given to redis.register_function must be a string");
        desc = vm.toString(L, -1)!;
      } else if (key === "callback") {
        if (api.lua_type(L, -1) !== T_FUNCTION) return fail("callback argument given to redis.register_function must be a function");
        if (ref !== null) this.release(ref);
        ref = api.luaL_ref(L, LUA_REGISTRYINDEX);
        continue; // luaL_ref popped the value
      } else if (key === "flags") {
        if (api.lua_type(L, -1) !== T_TABLE) return fail("flags argument to redis.register_function must be a table representing function flags");
        const f = this.readFlags(L);
        if (f === null) return fail("unknown flag given");
        flags = f;
      } else {
        return fail("unknown argument given to redis.register_function");
      }
      api.lua_settop(L, -2);
    }
    if (name === null) return fail("redis.register_function must get a function name argument");
    if (ref === null) return fail("redis.register_function must get a callback argument");
    return { name, ref, desc, flags };
  }

  /** luaRegisterFunctionReadFlags: the flags table on top of the stack (1, 2, ... until nil), or null for an unknown one. */
  private readFlags(L: LuaState): ScriptFlags | null {
    const { vm } = this.env;
    const api = vm.api;
    const flags: { -readonly [K in keyof ScriptFlags]: boolean } = { compat: false, noWrites: false, allowOom: false, allowStale: false, noCluster: false, allowCrossSlot: false };
    for (let j = 1; ; j++) {
      api.lua_pushnumber(L, j);
      api.lua_gettable(L, -2);
      if (api.lua_type(L, -1) === T_NIL) {
        api.lua_settop(L, -2);
        return flags;
      }
      const s = api.lua_isstring(L, -1) !== 0 ? vm.toString(L, -1)!.toLowerCase() : null;
      api.lua_settop(L, -2);
      const known = s === null ? undefined : FLAG_NAMES.find(([n]) => n === s);
      if (known === undefined) return null;
      flags[known[1]] = true;
    }
  }
}
