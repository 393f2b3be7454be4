/**
 * Redis' Lua environment (script_lua.c and eval.c's setup, Redis 7.0.15):
 * the libraries a script sees, the `redis` API, the global protection
 * (its Lua: lua_setup.ts), the error handler, running a script as a
 * coroutine that can pause, and (lua_reply.ts) the conversions between Lua
 * values and replies. The server side (which shards, which database) is a
 * {@link ScriptHost}; this file knows only the VM and the replies.
 *
 * Global protection. Redis 7.0.15 patches its Lua to mark tables read-only
 * (`lua_enablereadonlytable`): the globals and every table reachable from
 * them. Stock Lua 5.1 has no such flag, so the same rules are kept with
 * proxies: `_G`, `redis`, `string`, `math`... are empty tables whose
 * metatable reads through to the real table and refuses writes ("Attempt to
 * modify a readonly table"); `rawset`, `setmetatable`, `next`, `pairs`,
 * `rawget` and `getmetatable` see through them (and the strings'
 * metatable is read-only too, as Debian's 7.0.15 has it, which also drops
 * getfenv, setfenv and newproxy). What a script could still
 * tell apart: `#` and `ipairs` of a library table give 0 and nothing (no
 * script has a reason to count `string`'s functions).
 *
 * @example
 * const env = new LuaEnv();
 * const fn = env.compile("return redis.call('GET', KEYS[1])", "@user_script");
 * // env.run(fn, ["k"], [], host, "eval", sha) -> the key's value
 */
import { performance } from "node:perf_hooks";
import { createHash } from "node:crypto";
import {
  type CFunction,
  LUA_GLOBALSINDEX,
  LUA_REGISTRYINDEX,
  LuaVm,
  type LuaState,
  MASK_COUNT,
  MASK_LINE,
  T_BOOLEAN,
  T_NIL,
  T_NUMBER,
  T_STRING,
  T_TABLE,
} from "./lua_vm.js";
import { openRedisLibraries } from "./lua_libs.js";
import { LuaReplies } from "./lua_reply.js";
import { ALLOWED_GLOBALS, SETUP_LUA } from "./lua_setup.js";
import { compileMessage, normalizeLongBrackets } from "./lua_source.js";
import { LuaRandom } from "./lua_random.js";
import { ErrorReply, type Reply } from "../resp/reply.js";
import { formatDouble } from "../resp/resp_writer.js";

/** What a running script asks of the server. */
export interface ScriptHost {
  /** Runs one command of the script (checks done by the caller of `call`: see script.ts); its reply, or an ErrorReply. */
  call(argv: string[]): Reply;
  /** redis.setresp: the protocol the script's commands answer in. */
  resp: 2 | 3;
  /** redis.set_repl's flags (1 AOF, 2 replicas). */
  setRepl(flags: number): void;
  /** redis.log, at Redis' levels (0 debug .. 3 warning). */
  log(level: number, text: string): void;
  /** Called every 100,000 Lua instructions: go on, pause (let the server answer others), or kill (SCRIPT KILL). */
  interrupt(): "continue" | "pause" | "kill";
  /** redis.acl_check_cmd: whether the caller may run argv. */
  aclCheck(argv: string[]): boolean | ErrorReply;
}

const REDIS_VERSION = "7.0.15";
const REDIS_VERSION_NUM = 0x07000f;


/** A compiled script or function body: its registry reference. */
export type LuaFunctionRef = number;

/** The error text of a failed `load`/`compile`. */
export class LuaCompileError {
  constructor(readonly message: string) {}
}


/** Scripts between two forced collection steps (Redis: 50). */
const GC_STEP_PERIOD = 500;

/**
 * One Lua interpreter with Redis' environment (SCRIPT FLUSH makes a new
 * one). `kind` "function" is the functions' interpreter (function_lua.c's):
 * the same libraries and `redis` API without what only eval.c adds
 * (redis.breakpoint, redis.debug, redis.replicate_commands).
 */
export class LuaEnv {
  readonly vm: LuaVm;
  private readonly replies: LuaReplies;
  readonly L: LuaState;
  /** The script running now (redis.call needs it); null between scripts. */
  private host: ScriptHost | null = null;
  private readonly random = new LuaRandom();
  private readonly ar: number;
  private readonly hookFn: number;
  private killing = false;
  /** While a library's code loads (FUNCTION LOAD): when it times out (performance.now() ms), else 0. */
  private loadDeadline = 0;
  /** Where redis.log writes when no script runs (a library's code while FUNCTION LOAD runs it). */
  idleLog: ((level: number, text: string) => void) | null = null;

  constructor(readonly kind: "eval" | "function" = "eval") {
    this.vm = LuaVm.create();
    this.replies = new LuaReplies(this.vm);
    this.L = this.vm.L;
    this.ar = this.vm.alloc(128);
    this.hookFn = this.vm.hook((L) => this.onHook(L));
    this.keysName = this.vm.cstr("KEYS");
    this.argvName = this.vm.cstr("ARGV");
    this.setup();
  }

  private fn(f: CFunction): number {
    return this.vm.cfunction(f);
  }

  private setup(): void {
    const { vm, L } = this;
    const api = vm.api;
    api.luaopen_base(L);
    api.luaopen_table(L);
    api.luaopen_string(L);
    api.luaopen_math(L);
    api.luaopen_debug(L);
    api.lua_settop(L, 0);
    openRedisLibraries(vm, L);
    api.lua_settop(L, 0);
    // The redis table.
    api.lua_createtable(L, 0, 32);
    const set = (k: string, f: CFunction) => vm.setFunction(L, -1, k, f);
    const num = (k: string, n: number) => {
      api.lua_pushnumber(L, n);
      api.lua_setfield(L, -2, vm.cstr(k));
    };
    set("call", (L) => this.redisCall(L, true));
    set("pcall", (L) => this.redisCall(L, false));
    set("log", (L) => this.redisLog(L));
    num("LOG_DEBUG", 0);
    num("LOG_VERBOSE", 1);
    num("LOG_NOTICE", 2);
    num("LOG_WARNING", 3);
    num("REDIS_VERSION_NUM", REDIS_VERSION_NUM);
    vm.pushString(L, REDIS_VERSION);
    api.lua_setfield(L, -2, vm.cstr("REDIS_VERSION"));
    set("setresp", (L) => this.setResp(L));
    set("sha1hex", (L) => {
      if (api.lua_gettop(L) !== 1) return this.raiseTable(L, "wrong number of arguments");
      vm.pushString(L, sha1hex(vm.toString(L, 1) ?? ""));
      return 1;
    });
    set("error_reply", (L) => {
      if (api.lua_gettop(L) !== 1 || api.lua_type(L, -1) !== T_STRING) return this.pushErrorTable(L, "wrong number or type of arguments"), 1;
      const e = vm.toString(L, -1)!;
      this.pushErrorTable(L, e.startsWith("-") ? e : `-${e}`);
      return 1;
    });
    set("status_reply", (L) => {
      if (api.lua_gettop(L) !== 1 || api.lua_type(L, -1) !== T_STRING) return this.pushErrorTable(L, "wrong number or type of arguments"), 1;
      api.lua_createtable(L, 0, 1);
      api.lua_pushvalue(L, -2);
      api.lua_setfield(L, -2, vm.cstr("ok"));
      return 1;
    });
    set("set_repl", (L) => {
      if (this.host === null) return this.raiseTable(L, "redis.set_repl can only be called inside a script invocation");
      if (api.lua_gettop(L) !== 1) return this.raiseTable(L, "redis.set_repl() requires two arguments.");
      const flags = Math.trunc(api.lua_tonumber(L, -1));
      if ((flags & ~3) !== 0) return this.raiseTable(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
      this.host.setRepl(flags);
      return 0;
    });
    num("REPL_NONE", 0);
    num("REPL_AOF", 1);
    num("REPL_SLAVE", 2);
    num("REPL_REPLICA", 2);
    num("REPL_ALL", 3);
    set("acl_check_cmd", (L) => {
      if (this.host === null) return this.raiseTable(L, "redis.acl_check_cmd can only be called inside a script invocation");
      const argv = this.argvOf(L);
      if (typeof argv === "string") return this.raiseTable(L, argv);
      const ok = this.host.aclCheck(argv);
      if (ok instanceof ErrorReply) return this.raiseTable(L, ok.text);
      api.lua_pushboolean(L, ok ? 1 : 0);
      return 1;
    });
    if (this.kind === "eval") {
      set("breakpoint", (L) => (api.lua_pushboolean(L, 0), 1));
      set("debug", () => 0);
      set("replicate_commands", (L) => (api.lua_pushboolean(L, 1), 1));
    }
    api.lua_setfield(L, LUA_GLOBALSINDEX, vm.cstr("redis"));
    // math.random and math.randomseed: Redis' own generator, the same numbers on every server.
    api.lua_getfield(L, LUA_GLOBALSINDEX, vm.cstr("math"));
    set("random", (L) => this.mathRandom(L));
    set("randomseed", (L) => {
      if (this.host === null) return this.raise(L, "math.randomseed can only be called inside a script invocation");
      this.random.seed(this.checkInt(L, 1));
      return 0;
    });
    api.lua_settop(L, 0);
    // The rest is Lua: Redis' pcall (an error table becomes its message), the error handler, and the protection.
    const roNewIndex = this.fn((L) => this.raise(L, "Attempt to modify a readonly table"));
    const globalIndex = this.fn((L) => {
      if (api.lua_gettop(L) !== 2) return this.raise(L, "Wrong number of arguments to luaProtectedTableError");
      if (api.lua_isstring(L, -1) === 0) return this.raise(L, "Second argument to luaProtectedTableError must be a string or number");
      return this.raise(L, `Script attempted to access nonexistent global variable '${vm.toString(L, -1)}'`);
    });
    api.lua_pushvalue(L, LUA_GLOBALSINDEX);
    this.realGlobals = api.luaL_ref(L, LUA_REGISTRYINDEX);
    if (vm.load(L, SETUP_LUA, "@redis_setup") !== 0) throw new Error(`Lua setup: ${vm.toString(L, -1)}`);
    api.lua_pushcclosure(L, roNewIndex, 0);
    api.lua_pushcclosure(L, globalIndex, 0);
    this.pushAllowed(L);
    // pausable(): the running coroutine is the script's or one of pcall's; own(co, on): pcall's coroutines; hook_paused(): the hook asked for the pause.
    api.lua_pushcclosure(L, this.fn((L) => (api.lua_pushboolean(L, L === this.thread || this.owned.has(L) ? 1 : 0), 1)), 0);
    api.lua_pushcclosure(L, this.fn((L) => {
      const co = api.lua_tothread(L, 1);
      if (api.lua_toboolean(L, 2) !== 0) this.owned.add(co);
      else this.owned.delete(co);
      return 0;
    }), 0);
    api.lua_pushcclosure(L, this.fn((L) => (api.lua_pushboolean(L, this.pausedByHook ? 1 : 0), 1)), 0);
    api.lua_pushcclosure(L, this.fn((L) => (vm.pushString(L, normalizeLongBrackets(vm.toString(L, 1) ?? "")), 1)), 0);
    if (api.lua_pcall(L, 7, 1, 0) !== 0) throw new Error(`Lua setup: ${vm.toString(L, -1)}`);
    // From now on every chunk loaded sees the protected globals.
    api.lua_replace(L, LUA_GLOBALSINDEX);
    api.lua_settop(L, 0);
  }

  private pushAllowed(L: LuaState): void {
    const api = this.vm.api;
    api.lua_createtable(L, 0, ALLOWED_GLOBALS.size);
    for (const k of ALLOWED_GLOBALS) {
      api.lua_pushboolean(L, 1);
      api.lua_setfield(L, -2, this.vm.cstr(k));
    }
  }

  /** Raises a Lua error with `msg` prefixed by the calling Lua line (luaL_error). */
  raise(L: LuaState, msg: string): number {
    const api = this.vm.api;
    this.vm.pushString(L, "");
    if (api.lua_getstack(L, 1, this.ar) !== 0) {
      api.lua_getinfo(L, this.vm.cstr("Sl"), this.ar);
      const line = this.vm.debugLine(this.ar);
      if (line > 0) {
        api.lua_settop(L, -2);
        this.vm.pushString(L, `${this.shortSrc(this.ar)}:${line}: `);
      }
    }
    this.vm.pushString(L, msg);
    api.lua_concat(L, 2);
    return api.lua_error(L);
  }

  private shortSrc(ar: number): string {
    return this.vm.debugShortSrc(ar);
  }


  /** luaPushError: the `{err = "CODE message"}` table redis.pcall answers. */
  pushErrorTable(L: LuaState, error: string): void {
    this.replies.pushErrorTable(L, error);
  }

  /** A command's reply as the script sees it, in protocol `resp`. */
  pushReply(L: LuaState, r: Reply, resp: 2 | 3): void {
    this.replies.pushReply(L, r, resp);
  }

  /** The value on top of the stack (popped) as the script's reply. */
  toReply(L: LuaState, resp: 2 | 3): Reply {
    return this.replies.toReply(L, resp);
  }

  /** luaExtractErrorInformation of the error on top of the stack (left there). */
  errorInfo(L: LuaState): { msg: string; source: string | null; line: string | null; ignoreStats: boolean } {
    return this.replies.errorInfo(L);
  }

  /** Pushes an error table and raises it (luaPushError + luaError). */
  private raiseTable(L: LuaState, error: string): number {
    this.pushErrorTable(L, error);
    return this.vm.api.lua_error(L);
  }

  private checkInt(L: LuaState, i: number): number {
    const api = this.vm.api;
    if (api.lua_isnumber(L, i) === 0) {
      const got = api.lua_type(L, i) === T_NIL && api.lua_gettop(L) < i ? "no value" : this.typeName(L, i);
      return this.raise(L, `bad argument #${i} to 'random' (number expected, got ${got})`);
    }
    return Math.trunc(api.lua_tonumber(L, i)) | 0;
  }

  private typeName(L: LuaState, i: number): string {
    return ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"][this.vm.api.lua_type(L, i)] ?? "?";
  }

  private mathRandom(L: LuaState): number {
    const api = this.vm.api;
    if (this.host === null) return this.raise(L, "math.random can only be called inside a script invocation");
    const r = this.random.next();
    switch (api.lua_gettop(L)) {
      case 0:
        api.lua_pushnumber(L, r);
        return 1;
      case 1: {
        const u = this.checkInt(L, 1);
        if (!(1 <= u)) return this.raise(L, "bad argument #1 to 'random' (interval is empty)");
        api.lua_pushnumber(L, Math.floor(r * u) + 1);
        return 1;
      }
      case 2: {
        const l = this.checkInt(L, 1);
        const u = this.checkInt(L, 2);
        if (!(l <= u)) return this.raise(L, "bad argument #2 to 'random' (interval is empty)");
        api.lua_pushnumber(L, Math.floor(r * (u - l + 1)) + l);
        return 1;
      }
      default:
        return this.raise(L, "wrong number of arguments");
    }
  }

  private setResp(L: LuaState): number {
    const api = this.vm.api;
    if (this.host === null) return this.raiseTable(L, "redis.setresp can only be called inside a script invocation");
    if (api.lua_gettop(L) !== 1) return this.raiseTable(L, "redis.setresp() requires one argument.");
    const v = Math.trunc(api.lua_tonumber(L, -1));
    if (v !== 2 && v !== 3) return this.raiseTable(L, "RESP version must be 2 or 3.");
    this.host.resp = v;
    return 0;
  }

  /** redis.log (also the library API's, at load time). */
  redisLog(L: LuaState): number {
    const api = this.vm.api;
    const argc = api.lua_gettop(L);
    if (argc < 2) return this.raiseTable(L, "redis.log() requires two arguments or more.");
    if (api.lua_isnumber(L, 1) === 0) return this.raiseTable(L, "First argument must be a number (log level).");
    const level = Math.trunc(api.lua_tonumber(L, 1));
    if (level < 0 || level > 3) return this.raiseTable(L, "Invalid debug level.");
    const parts: string[] = [];
    for (let j = 2; j <= argc; j++) {
      const s = this.vm.toString(L, j);
      if (s !== null) parts.push(s);
    }
    if (this.host !== null) this.host.log(level, parts.join(" "));
    else this.idleLog?.(level, parts.join(" "));
    return 0;
  }

  /** luaArgsToRedisArgv: the command line, or the error text. */
  private argvOf(L: LuaState): string[] | string {
    const api = this.vm.api;
    const argc = api.lua_gettop(L);
    if (argc === 0) return "Please specify at least one argument for this redis lib call";
    const argv: string[] = new Array(argc);
    for (let j = 1; j <= argc; j++) {
      const t = api.lua_type(L, j);
      if (t === T_NUMBER) argv[j - 1] = formatDouble(api.lua_tonumber(L, j));
      else if (t === T_STRING) argv[j - 1] = this.vm.toString(L, j)!;
      else {
        api.lua_settop(L, 0);
        return "Lua redis lib command arguments must be strings or integers";
      }
    }
    api.lua_settop(L, 0);
    return argv;
  }

  private inCall = false;

  private redisCall(L: LuaState, raise: boolean): number {
    const host = this.host;
    if (host === null) return this.raiseTable(L, "redis.call/pcall can only be called inside a script invocation");
    const argv = this.argvOf(L);
    if (typeof argv === "string") {
      this.pushErrorTable(L, argv);
      return raise ? this.vm.api.lua_error(L) : 1;
    }
    if (this.inCall) {
      this.pushErrorTable(L, "luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua debug hooks?");
      return 1;
    }
    this.inCall = true;
    let reply: Reply;
    try {
      reply = host.call(argv);
    } finally {
      this.inCall = false;
    }
    if (reply instanceof ErrorReply) {
      this.pushErrorTable(L, `-${reply.text}`);
      this.replies.setIgnoreStats(L);
      return raise ? this.vm.api.lua_error(L) : 1;
    }
    this.pushReply(L, reply, host.resp);
    return 1;
  }








  /**
   * Compiles a chunk (a script body, a library's code) named `name`
   * (`@user_script`): its reference, or the compiler's message.
   */
  compile(code: string, name: string): LuaFunctionRef | LuaCompileError {
    const { vm, L } = this;
    const rewrites: [string, string][] = [];
    if (vm.load(L, normalizeLongBrackets(code, rewrites), name) !== 0) {
      const msg = compileMessage(vm.toString(L, -1) ?? "unknown error", rewrites);
      vm.api.lua_settop(L, 0);
      return new LuaCompileError(msg);
    }
    return vm.api.luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** Frees a compiled function. */
  release(ref: LuaFunctionRef): void {
    this.vm.api.luaL_unref(this.L, LUA_REGISTRYINDEX, ref);
  }

  /** Sets a global of the real globals table (KEYS, ARGV), past the protection. */
  private setGlobalArray(name: number, items: readonly string[]): void {
    const { vm, L } = this;
    const api = vm.api;
    this.pushStrings(L, items);
    api.lua_rawgeti(L, LUA_REGISTRYINDEX, this.realGlobals);
    api.lua_insert(L, -2);
    api.lua_setfield(L, -2, name);
    api.lua_settop(L, -2);
  }

  /** The real globals table (past the protection), as a registry reference: every EVAL sets its KEYS and ARGV there. */
  private realGlobals = 0;
  /** "KEYS" and "ARGV" in the VM's memory. */
  private readonly keysName: number;
  private readonly argvName: number;

  /**
   * Starts a compiled function for EVAL (`KEYS`/`ARGV` globals, no
   * arguments) or FCALL (`keys, args` as its two arguments), with `host`
   * serving its redis.call. It runs in a coroutine, so that a script past
   * busy-reply-threshold can pause (the hook yields) while the server
   * answers other clients: {@link LuaRunning.step} runs it until it ends
   * (its reply, or its error as Redis words it: `... script: <name>, on
   * @user_script:<line>.`) or pauses ({@link PAUSED}).
   */
  start(ref: LuaFunctionRef, keys: readonly string[], args: readonly string[], host: ScriptHost, mode: "eval" | "fcall", funcname: string, hook: boolean): LuaRunning {
    const { vm, L } = this;
    const api = vm.api;
    if (this.host !== null) throw new Error("a script is already running");
    if (this.thread === 0) {
      this.thread = api.lua_newthread(L);
      this.threadRef = api.luaL_ref(L, LUA_REGISTRYINDEX);
    }
    const co = this.thread;
    this.host = host;
    this.killing = false;
    api.lua_rawgeti(co, LUA_REGISTRYINDEX, ref);
    let nargs = 0;
    if (mode === "eval") {
      this.setGlobalArray(this.keysName, keys);
      this.setGlobalArray(this.argvName, args);
    } else {
      this.pushStrings(co, keys);
      this.pushStrings(co, args);
      nargs = 2;
    }
    if (hook) api.lua_sethook(co, this.hookFn, MASK_COUNT, 100000);
    return new LuaRunning(this, co, nargs, host, funcname);
  }

  /** One step of a run (see {@link LuaRunning}). */
  step(co: LuaState, nargs: number, host: ScriptHost, funcname: string): Reply | typeof PAUSED {
    try {
      return this.stepOrThrow(co, nargs, host, funcname);
    } catch (e) {
      // A bug on our side (the Lua state is intact: Lua errors never reach here): forget the run and its coroutine.
      this.vm.api.lua_settop(co, 0);
      this.vm.api.luaL_unref(this.L, LUA_REGISTRYINDEX, this.threadRef);
      this.thread = 0;
      this.finish(co);
      throw e;
    }
  }

  private stepOrThrow(co: LuaState, nargs: number, host: ScriptHost, funcname: string): Reply | typeof PAUSED {
    const { vm } = this;
    const api = vm.api;
    this.pausedByHook = false;
    const rc = api.lua_resume(co, nargs);
    if (rc === 1 /* LUA_YIELD */) {
      if (this.pausedByHook) return PAUSED;
      // coroutine.yield() at the script's top level: Redis' script is not a coroutine, so Lua refuses the yield there.
      api.lua_settop(co, 0);
      vm.pushString(co, "attempt to yield across metamethod/C-call boundary");
      const reply = this.failure(co, funcname);
      api.luaL_unref(this.L, LUA_REGISTRYINDEX, this.threadRef);
      this.thread = 0;
      this.finish(co);
      return reply;
    }
    let reply: Reply;
    if (rc === 0) {
      api.lua_settop(co, 1);
      reply = this.toReply(co, host.resp);
      api.lua_settop(co, 0);
    } else {
      reply = this.failure(co, funcname);
      // A coroutine that failed cannot run again.
      api.luaL_unref(this.L, LUA_REGISTRYINDEX, this.threadRef);
      this.thread = 0;
    }
    this.finish(co);
    return reply;
  }

  /** The error reply of a failed run, from the coroutine's stack (left as the error found it, as Lua 5.1 does). */
  private failure(co: LuaState, funcname: string): ErrorReply {
    const { vm } = this;
    const api = vm.api;
    // What __redis__err__handler does: a message becomes {err = 'ERR ' .. msg}; source and line of the function
    // that raised it, or of its caller when that was a C function (redis.call, error).
    if (api.lua_type(co, -1) !== T_TABLE) {
      const t = api.lua_type(co, -1);
      const msg = t === T_NIL ? "nil" : t === T_BOOLEAN ? (api.lua_toboolean(co, -1) ? "true" : "false") : api.lua_isstring(co, -1) !== 0 ? vm.toString(co, -1)! : `${this.typeName(co, -1)}: 0x${api.lua_topointer(co, -1).toString(16).padStart(8, "0")}`;
      api.lua_settop(co, -2);
      api.lua_createtable(co, 0, 3);
      vm.pushString(co, `ERR ${msg}`);
      api.lua_setfield(co, -2, vm.cstr("err"));
    }
    // Redis' builtins are C functions; ours written in Lua (the protection's wrappers, @redis_setup) count as C too.
    let level = 0;
    let found = api.lua_getstack(co, level, this.ar) !== 0;
    if (found) api.lua_getinfo(co, vm.cstr("nSl"), this.ar);
    if (found && (vm.debugWhat(this.ar) === "C" || vm.debugSource(this.ar) === "@redis_setup")) {
      do {
        found = api.lua_getstack(co, ++level, this.ar) !== 0;
        if (found) api.lua_getinfo(co, vm.cstr("nSl"), this.ar);
      } while (found && vm.debugSource(this.ar) === "@redis_setup");
    }
    if (found) {
      vm.pushString(co, vm.debugSource(this.ar));
      api.lua_setfield(co, -2, vm.cstr("source"));
      api.lua_pushnumber(co, vm.debugLine(this.ar));
      api.lua_setfield(co, -2, vm.cstr("line"));
    }
    const info = this.errorInfo(co);
    let text = info.msg;
    if (info.line !== null && info.source !== null) text += ` script: ${funcname}, on ${info.source}:${info.line}.`;
    return new ErrorReply(text.replace(/[\r\n]/g, " "));
  }

  private finish(co: LuaState): void {
    const api = this.vm.api;
    api.lua_sethook(co, 0, 0, 0);
    this.host = null;
    // Redis forces a collection step of 50 every 50 scripts (LUA_GC_CYCLE_PERIOD), so the collector's
    // work comes between scripts. In this VM that step cost some 2,000 instructions per script
    // (callgrind; GC code runs slower compiled to WebAssembly): every 500 scripts here. Lua's own
    // incremental collector bounds the memory either way.
    if (++this.gcCount === GC_STEP_PERIOD) {
      api.lua_gc(this.L, 5 /* LUA_GCSTEP */, 50);
      this.gcCount = 0;
    }
  }

  /** Runs to the end without pausing (SCRIPT KILL cannot reach a script run this way). */
  run(ref: LuaFunctionRef, keys: readonly string[], args: readonly string[], host: ScriptHost, mode: "eval" | "fcall", funcname: string): Reply {
    const running = this.start(ref, keys, args, host, mode, funcname, false);
    for (;;) {
      const r = running.step();
      if (r !== PAUSED) return r;
    }
  }

  private thread: LuaState = 0;
  /** pcall's coroutines now running (see SETUP_LUA). */
  private readonly owned = new Set<LuaState>();
  private pausedByHook = false;
  private threadRef = 0;
  private gcCount = 0;

  private pushStrings(L: LuaState, items: readonly string[]): void {
    const api = this.vm.api;
    api.lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      this.vm.pushString(L, items[i]!);
      api.lua_rawseti(L, -2, i + 1);
    }
  }

  /**
   * Runs `fn` (a library's code, FUNCTION LOAD) with Redis' load timeout:
   * past `ms`, the code raises "FUNCTION LOAD timeout" on every line, as
   * function_lua.c's luaEngineLoadHook (checked every 100,000 instructions).
   */
  withLoadTimeout<T>(ms: number, fn: () => T): T {
    const api = this.vm.api;
    this.loadDeadline = performance.now() + ms;
    api.lua_sethook(this.L, this.hookFn, MASK_COUNT, 100000);
    try {
      return fn();
    } finally {
      api.lua_sethook(this.L, 0, 0, 0);
      this.loadDeadline = 0;
    }
  }

  private onHook(L: LuaState): void {
    if (this.loadDeadline !== 0) {
      if (performance.now() > this.loadDeadline) {
        this.vm.api.lua_sethook(L, this.hookFn, MASK_LINE, 0);
        this.raiseTable(L, "FUNCTION LOAD timeout");
      }
      return;
    }
    const host = this.host;
    if (host === null) return;
    const what = this.killing ? "kill" : host.interrupt();
    if (what === "continue") return;
    if (what === "pause") {
      // Yield only where Lua 5.1 can (no C function between here and the script's start, or pcall's coroutine
      // start, which passes the pause out), and never a coroutine of the script's own; else at a later tick.
      if ((L === this.thread || this.owned.has(L)) && this.canYield(L)) {
        this.pausedByHook = true;
        this.vm.api.lua_yield(L, 0);
      }
      return;
    }
    // Killed: raise on every line from now on, so a pcall in the script cannot swallow it for good.
    if (!this.killing) {
      this.killing = true;
      this.vm.api.lua_sethook(L, this.hookFn, MASK_LINE, 0);
      if (this.thread !== 0 && L !== this.thread) this.vm.api.lua_sethook(this.thread, this.hookFn, MASK_LINE, 0);
    }
    this.raiseTable(L, "Script killed by user with SCRIPT KILL...");
  }

  private canYield(L: LuaState): boolean {
    const api = this.vm.api;
    for (let level = 0; api.lua_getstack(L, level, this.ar) !== 0; level++) {
      api.lua_getinfo(L, this.vm.cstr("S"), this.ar);
      if (this.vm.debugWhat(this.ar) === "C") return false;
    }
    return true;
  }

  /** Bytes the interpreter uses (used_memory_lua). */
  memoryBytes(): number {
    return this.vm.api.lua_gc(this.L, 3 /* LUA_GCCOUNT */, 0) * 1024 + this.vm.api.lua_gc(this.L, 4 /* LUA_GCCOUNTB */, 0);
  }
}

/** What {@link LuaRunning.step} answers when the script paused (a reply can be null). */
export const PAUSED: unique symbol = Symbol("paused");

/** A script started by {@link LuaEnv.start}: step it until it answers. */
export class LuaRunning {
  private first = true;
  constructor(
    private readonly env: LuaEnv,
    private readonly co: LuaState,
    private readonly nargs: number,
    private readonly host: ScriptHost,
    private readonly funcname: string,
  ) {}

  /** Runs until the script ends (its reply) or pauses ({@link PAUSED}: call again to go on). */
  step(): Reply | typeof PAUSED {
    const n = this.first ? this.nargs : 0;
    this.first = false;
    return this.env.step(this.co, n, this.host, this.funcname);
  }
}


/** sha1hex of a byte string, as redis.sha1hex and script names. */
export function sha1hex(s: string): string {
  return createHash("sha1").update(Buffer.from(s, "latin1")).digest("hex");
}
