/**
 * Redis' Lua environment (script_lua.c and eval.c's setup, Redis 7.0.15):
 * the libraries a script sees, the `redis` API, the global protection, the
 * error handler, and the conversions between Lua values and replies both
 * ways. The server side (which shards, which database) is a
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
import { normalizeLongBrackets } from "./lua_source.js";
import { LuaRandom } from "./lua_random.js";
import {
  BigNumberReply,
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArrayReply,
  PairsReply,
  PushReply,
  type Reply,
  ReplySeq,
  SetReply,
  SimpleString,
  VerbatimReply,
} from "../resp/reply.js";
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

/** Globals a script may see (script_lua.c's allow lists); anything else a library adds is removed. */
const ALLOWED_GLOBALS = new Set([
  "string", "cjson", "bit", "cmsgpack", "math", "table", "struct",
  "redis", "__redis__err__handler",
  "xpcall", "tostring", "setmetatable", "next", "assert", "tonumber", "rawequal", "collectgarbage",
  "getmetatable", "rawset", "pcall", "coroutine", "type", "_G", "select", "unpack", "gcinfo", "pairs", "rawget",
  "loadstring", "ipairs", "_VERSION", "load", "error", "debug",
]);

const REDIS_VERSION = "7.0.15";
const REDIS_VERSION_NUM = 0x07000f;

/** Nesting of a script's reply beyond which it is an error (Redis' is Lua's stack, some 2,600 levels). */
const MAX_REPLY_DEPTH = 1000;

/** A compiled script or function body: its registry reference. */
export type LuaFunctionRef = number;

/** The error text of a failed `load`/`compile`. */
export class LuaCompileError {
  constructor(readonly message: string) {}
}

/** Lua's `(long long)` cast of a double as x86-64 does it: out of range (and NaN) is LLONG_MIN. */
function toLongLong(d: number): number | bigint {
  const t = Math.trunc(d);
  if (Number.isSafeInteger(t)) return t === 0 ? 0 : t;
  if (!(t >= -9223372036854775808 && t < 9223372036854775808)) return -9223372036854775808n;
  return BigInt(t);
}

/**
 * One Lua interpreter with Redis' environment (SCRIPT FLUSH makes a new
 * one). `kind` "function" is the functions' interpreter (function_lua.c's):
 * the same libraries and `redis` API without what only eval.c adds
 * (redis.breakpoint, redis.debug, redis.replicate_commands).
 */
export class LuaEnv {
  readonly vm: LuaVm;
  readonly L: LuaState;
  /** The script running now (redis.call needs it); null between scripts. */
  private host: ScriptHost | null = null;
  private readonly random = new LuaRandom();
  private readonly ar: number;
  private readonly hookFn: number;
  private killing = false;
  /** Where redis.log writes when no script runs (a library's code while FUNCTION LOAD runs it). */
  idleLog: ((level: number, text: string) => void) | null = null;

  constructor(readonly kind: "eval" | "function" = "eval") {
    this.vm = LuaVm.create();
    this.L = this.vm.L;
    this.ar = this.vm.alloc(128);
    this.hookFn = this.vm.hook((L) => this.onHook(L));
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
    api.lua_setfield(L, LUA_REGISTRYINDEX, vm.cstr("redis_real_globals"));
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
    let code = "ERR";
    let msg = error;
    if (error.startsWith("-")) {
      const sp = error.indexOf(" ");
      if (sp < 0) msg = error.slice(1);
      else {
        code = error.slice(1, sp);
        msg = error.slice(sp + 1);
      }
    }
    msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, "");
    const api = this.vm.api;
    api.lua_createtable(L, 0, 2);
    this.vm.pushString(L, cstr(`${code} ${msg}`));
    api.lua_setfield(L, -2, this.vm.cstr("err"));
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
      this.setIgnoreStats(L);
      return raise ? this.vm.api.lua_error(L) : 1;
    }
    this.pushReply(L, reply, host.resp);
    return 1;
  }

  private setIgnoreStats(L: LuaState): void {
    this.vm.api.lua_pushboolean(L, 1);
    this.vm.api.lua_setfield(L, -2, this.vm.cstr("ignore_error_stats_update"));
  }

  /** redisProtocolToLuaType: a command's reply as the script sees it, in protocol `resp`. */
  pushReply(L: LuaState, r: Reply, resp: 2 | 3): void {
    const { vm } = this;
    const api = vm.api;
    if (api.lua_checkstack(L, 4) === 0) throw new RangeError("lua stack limit reach when parsing redis.call reply");
    switch (typeof r) {
      case "string":
        vm.pushString(L, r);
        return;
      case "number":
        api.lua_pushnumber(L, r);
        return;
      case "bigint":
        api.lua_pushnumber(L, Number(r));
        return;
    }
    if (r === null || r instanceof NullArrayReply) {
      if (resp === 2) api.lua_pushboolean(L, 0);
      else api.lua_pushnil(L);
    } else if (Array.isArray(r)) {
      this.pushArray(L, r as readonly Reply[], resp);
    } else if (r instanceof SimpleString) {
      api.lua_createtable(L, 0, 1);
      vm.pushString(L, r.text);
      api.lua_setfield(L, -2, vm.cstr("ok"));
    } else if (r instanceof ErrorReply) {
      this.pushErrorTable(L, `-${r.text}`);
      this.setIgnoreStats(L);
    } else if (r instanceof MapReply) {
      if (resp === 2) {
        const flat: Reply[] = [];
        for (const [k, v] of r.entries) r.nested2 ? flat.push([k, v]) : flat.push(k, v);
        this.pushArray(L, flat, resp);
      } else {
        api.lua_createtable(L, 0, 1);
        api.lua_createtable(L, 0, r.entries.length);
        for (const [k, v] of r.entries) {
          this.pushReply(L, k, resp);
          this.pushReply(L, v, resp);
          api.lua_settable(L, -3);
        }
        api.lua_setfield(L, -2, vm.cstr("map"));
      }
    } else if (r instanceof PairsReply) {
      if (resp === 2) this.pushArray(L, r.items, resp);
      else {
        const pairs: Reply[] = [];
        for (let i = 0; i + 1 < r.items.length; i += 2) pairs.push([r.items[i]!, r.items[i + 1]!]);
        this.pushArray(L, pairs, resp);
      }
    } else if (r instanceof SetReply) {
      if (resp === 2) this.pushArray(L, r.items, resp);
      else {
        api.lua_createtable(L, 0, 1);
        api.lua_createtable(L, 0, r.items.length);
        for (const m of r.items) {
          this.pushReply(L, m, resp);
          api.lua_pushboolean(L, 1);
          api.lua_settable(L, -3);
        }
        api.lua_setfield(L, -2, vm.cstr("set"));
      }
    } else if (r instanceof DoubleReply) {
      if (resp === 2) vm.pushString(L, r.text ?? formatDouble(r.value));
      else {
        api.lua_createtable(L, 0, 1);
        api.lua_pushnumber(L, r.value);
        api.lua_setfield(L, -2, vm.cstr("double"));
      }
    } else if (r instanceof BoolReply) {
      if (resp === 2) api.lua_pushnumber(L, r.value ? 1 : 0);
      else api.lua_pushboolean(L, r.value ? 1 : 0);
    } else if (r instanceof VerbatimReply) {
      if (resp === 2) vm.pushString(L, r.text);
      else {
        api.lua_createtable(L, 0, 1);
        api.lua_createtable(L, 0, 2);
        vm.pushString(L, r.text);
        api.lua_setfield(L, -2, vm.cstr("string"));
        vm.pushString(L, r.format);
        api.lua_setfield(L, -2, vm.cstr("format"));
        api.lua_setfield(L, -2, vm.cstr("verbatim_string"));
      }
    } else if (r instanceof BigNumberReply) {
      if (resp === 2) vm.pushString(L, r.digits);
      else {
        api.lua_createtable(L, 0, 1);
        vm.pushString(L, r.digits);
        api.lua_setfield(L, -2, vm.cstr("big_number"));
      }
    } else if (r instanceof PushReply) {
      this.pushArray(L, r.items, resp);
    } else if (r instanceof ReplySeq) {
      const last = r.replies[r.replies.length - 1];
      this.pushReply(L, last === undefined ? null : last, resp);
    } else {
      api.lua_pushnil(L);
    }
  }

  private pushArray(L: LuaState, items: readonly Reply[], resp: 2 | 3): void {
    const api = this.vm.api;
    api.lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      this.pushReply(L, items[i]!, resp);
      api.lua_rawseti(L, -2, i + 1);
    }
  }

  /** luaReplyToRedisReply: the value on top of the stack (popped) as the script's reply; `resp` is the script's. */
  toReply(L: LuaState, resp: 2 | 3, depth = 0): Reply {
    const { vm } = this;
    const api = vm.api;
    // Redis' limit is Lua's stack (lua_checkstack); this one also keeps the JS stack (and the RESP writer's) safe.
    if (depth > MAX_REPLY_DEPTH || api.lua_checkstack(L, 4) === 0) {
      api.lua_settop(L, -2);
      return new ErrorReply("ERR reached lua stack limit");
    }
    const t = api.lua_type(L, -1);
    let out: Reply;
    switch (t) {
      case T_STRING:
        out = vm.toString(L, -1)!;
        break;
      case T_BOOLEAN:
        out = resp === 2 ? (api.lua_toboolean(L, -1) ? 1 : null) : new BoolReply(api.lua_toboolean(L, -1) !== 0);
        break;
      case T_NUMBER:
        out = toLongLong(api.lua_tonumber(L, -1));
        break;
      case T_TABLE:
        return this.tableToReply(L, resp, depth + 1);
      default:
        out = null;
    }
    api.lua_settop(L, -2);
    return out;
  }

  /** Field `k` of the table on top, raw, left on the stack; its type. */
  private rawField(L: LuaState, k: string, at = -1): number {
    const api = this.vm.api;
    this.vm.pushString(L, k);
    api.lua_rawget(L, at - 1);
    return api.lua_type(L, -1);
  }

  private tableToReply(L: LuaState, resp: 2 | 3, depth: number): Reply {
    const { vm } = this;
    const api = vm.api;
    const pop = (n: number) => api.lua_settop(L, -n - 1);
    if (this.rawField(L, "err") === T_STRING) {
      pop(1);
      const info = this.errorInfo(L);
      pop(1);
      // addReplyErrorFormat: newlines at the end dropped, the others made spaces.
      return new ErrorReply(info.msg.replace(/[\r\n]+$/, "").replace(/[\r\n]/g, " "));
    }
    pop(1);
    if (this.rawField(L, "ok") === T_STRING) {
      const ok = cstr(vm.toString(L, -1)!).replace(/[\r\n]/g, " ");
      pop(2);
      return new SimpleString(ok);
    }
    pop(1);
    if (this.rawField(L, "double") === T_NUMBER) {
      const d = api.lua_tonumber(L, -1);
      pop(2);
      return new DoubleReply(d);
    }
    pop(1);
    if (this.rawField(L, "big_number") === T_STRING) {
      const s = vm.toString(L, -1)!.replace(/[\r\n]/g, " ");
      pop(2);
      return new BigNumberReply(s);
    }
    pop(1);
    if (this.rawField(L, "verbatim_string") === T_TABLE) {
      if (this.rawField(L, "format") === T_STRING) {
        const format = cstr(vm.toString(L, -1)!);
        if (this.rawField(L, "string", -2) === T_STRING) {
          const s = vm.toString(L, -1)!;
          pop(4);
          return new VerbatimReply(format.slice(0, 3).padEnd(3, "\0"), s);
        }
        pop(1);
      }
      pop(1);
    }
    pop(1);
    if (this.rawField(L, "map") === T_TABLE) {
      const entries: [Reply, Reply][] = [];
      api.lua_pushnil(L);
      while (api.lua_next(L, -2) !== 0) {
        api.lua_pushvalue(L, -2);
        const k = this.toReply(L, resp, depth);
        const v = this.toReply(L, resp, depth);
        entries.push([k, v]);
      }
      pop(2);
      return new MapReply(entries);
    }
    pop(1);
    if (this.rawField(L, "set") === T_TABLE) {
      const items: Reply[] = [];
      api.lua_pushnil(L);
      while (api.lua_next(L, -2) !== 0) {
        pop(1);
        api.lua_pushvalue(L, -1);
        items.push(this.toReply(L, resp, depth));
      }
      pop(2);
      return new SetReply(items);
    }
    pop(1);
    const items: Reply[] = [];
    for (let j = 1; ; j++) {
      api.lua_rawgeti(L, -1, j);
      if (api.lua_type(L, -1) === T_NIL) {
        pop(1);
        break;
      }
      items.push(this.toReply(L, resp, depth));
    }
    pop(1);
    return items;
  }

  /** luaExtractErrorInformation of the error (a table, or a string) on top of the stack (left there). */
  errorInfo(L: LuaState): { msg: string; source: string | null; line: string | null; ignoreStats: boolean } {
    const { vm } = this;
    const api = vm.api;
    const out = { msg: "", source: null as string | null, line: null as string | null, ignoreStats: false };
    if (api.lua_type(L, -1) === T_STRING || api.lua_type(L, -1) === T_NUMBER) {
      out.msg = `ERR ${vm.toString(L, -1)}`;
      return out;
    }
    if (api.lua_type(L, -1) !== T_TABLE) return out;
    const field = (k: string): string | null => {
      api.lua_getfield(L, -1, vm.cstr(k));
      const s = api.lua_isstring(L, -1) !== 0 ? vm.toString(L, -1) : null;
      api.lua_settop(L, -2);
      return s;
    };
    const msg = field("err");
    // An error table without `err` (error({})) crashes redis-server 7.0.15 (a NULL message); here it is a plain error.
    out.msg = msg === null ? "ERR unknown error" : cstr(msg);
    out.source = field("source");
    out.line = field("line");
    api.lua_getfield(L, -1, vm.cstr("ignore_error_stats_update"));
    if (api.lua_type(L, -1) === T_BOOLEAN) out.ignoreStats = api.lua_toboolean(L, -1) !== 0;
    api.lua_settop(L, -2);
    return out;
  }

  /**
   * Compiles a chunk (a script body, a library's code) named `name`
   * (`@user_script`): its reference, or the compiler's message.
   */
  compile(code: string, name: string): LuaFunctionRef | LuaCompileError {
    const { vm, L } = this;
    if (vm.load(L, normalizeLongBrackets(code), name) !== 0) {
      const msg = vm.toString(L, -1) ?? "unknown error";
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
  private setGlobalArray(name: string, items: readonly string[]): void {
    const { vm, L } = this;
    const api = vm.api;
    api.lua_createtable(L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      vm.pushString(L, items[i]!);
      api.lua_rawseti(L, -2, i + 1);
    }
    this.pushRealGlobals(L);
    api.lua_insert(L, -2);
    api.lua_setfield(L, -2, vm.cstr(name));
    api.lua_settop(L, -2);
  }

  private pushRealGlobals(L: LuaState): void {
    const api = this.vm.api;
    api.lua_getfield(L, LUA_REGISTRYINDEX, this.vm.cstr("redis_real_globals"));
  }

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
      this.setGlobalArray("KEYS", keys);
      this.setGlobalArray("ARGV", args);
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
    if (++this.gcCount === 50) {
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

  private onHook(L: LuaState): void {
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

/** A C string's view of bytes: what comes before the first NUL (lua_pushstring/sdsnew stop there). */
function cstr(s: string): string {
  const z = s.indexOf("\0");
  return z < 0 ? s : s.slice(0, z);
}

/** sha1hex of a byte string, as redis.sha1hex and script names. */
export function sha1hex(s: string): string {
  return createHash("sha1").update(Buffer.from(s, "latin1")).digest("hex");
}

/**
 * Run once at start, with the real globals as its environment: removes
 * what Redis does not load, installs Redis' pcall and error handler, then
 * protects every table reachable from the globals, and returns the
 * protected globals (the environment of everything loaded afterwards).
 */
const SETUP_LUA = `
local ro_newindex, global_index, allowed, pausable, own, hook_paused, normalize = ...
local G = _G
local orig = { next = next, pairs = pairs, rawset = rawset, rawget = rawget, setmetatable = setmetatable,
  getmetatable = getmetatable, pcall = pcall, type = type }
local next, rawset, rawget, setmetatable, getmetatable, type = orig.next, orig.rawset, orig.rawget, orig.setmetatable, orig.getmetatable, orig.type
for k in orig.pairs(G) do if not allowed[k] then rawset(G, k, nil) end end

-- Redis' pcall: an error table with an 'err' field becomes that message.
local pcall0 = orig.pcall
local function pcall_result(ok, ...)
  if ok then return true, ... end
  local e = ...
  if type(e) == 'table' then
    local m = e.err
    if type(m) == 'string' or type(m) == 'number' then e = m end
  end
  return false, e
end
local dbg = debug
-- loadstring reads long brackets as Redis' Lua does (lua_source.ts), under the name it was given.
local loadstring0, load0, concat = loadstring, load, table.concat
rawset(G, 'loadstring', function(s, name)
  if type(s) == 'string' then return loadstring0(normalize(s), name or s) end
  return loadstring0(s, name)
end)
rawset(G, 'load', function(f, name)
  if type(f) ~= 'function' then return load0(f, name) end
  local parts = {}
  while true do
    local p = f()
    if p == nil or p == '' then break end
    if type(p) ~= 'string' then return nil, 'reader function must return a string' end
    parts[#parts + 1] = p
  end
  return loadstring0(normalize(concat(parts)), name or '=(load)')
end)
-- A Lua function given to pcall runs in a coroutine of its own, so that a script paused by the busy hook
-- inside a pcall can pause as a whole (Lua 5.1 cannot yield across the C pcall): the pause is passed out.
local co_create, co_resume, co_status, co_yield = coroutine.create, coroutine.resume, coroutine.status, coroutine.yield
local function pcall_step(co, ok, ...)
  if co_status(co) ~= 'suspended' then
    own(co, false)
    if ok then return true, ... end
    return pcall_result(false, ...)
  end
  if not hook_paused() then
    own(co, false)
    return false, 'attempt to yield across metamethod/C-call boundary'
  end
  co_yield()
  return pcall_step(co, co_resume(co))
end
rawset(G, 'pcall', function(f, ...)
  if type(f) ~= 'function' or not pausable() or dbg.getinfo(f, 'S').what ~= 'Lua' then return pcall_result(pcall0(f, ...)) end
  local co = co_create(f)
  own(co, true)
  return pcall_step(co, co_resume(co, ...))
end)

rawset(G, 'debug', nil)
rawset(G, '__redis__err__handler', function(err)
  local i = dbg.getinfo(2, 'nSl')
  if i and i.what == 'C' then
    i = dbg.getinfo(3, 'nSl')
  end
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end)

-- Read-only tables: a proxy per table, reading through, refusing writes.
local real_of = {}
local proxy_of = {}
local function protect(t)
  if real_of[t] then return t end
  local p = proxy_of[t]
  if p then return p end
  p = {}
  proxy_of[t] = p
  real_of[p] = t
  for k, v in next, t do
    if type(v) == 'table' then rawset(t, k, protect(v)) end
  end
  setmetatable(p, { __index = t, __newindex = ro_newindex })
  return p
end
local function real(t) return real_of[t] or t end
local function readonly(t) return real_of[t] ~= nil end

rawset(G, 'next', function(t, k) return next(real(t), k) end)
rawset(G, 'pairs', function(t) return orig.pairs(real(t)) end)
rawset(G, 'rawget', function(t, k) return rawget(real(t), k) end)
rawset(G, 'rawset', function(t, k, v)
  if readonly(t) then error('Attempt to modify a readonly table', 0) end
  return rawset(t, k, v)
end)
rawset(G, 'setmetatable', function(t, mt)
  if readonly(t) then error('Attempt to modify a readonly table', 0) end
  return setmetatable(t, mt)
end)
rawset(G, 'getmetatable', function(t)
  local m = getmetatable(real(t))
  return proxy_of[m] or m
end)

local pG = protect(G)
-- The strings' metatable is read-only too (its __index is the string library).
protect(getmetatable(''))
-- _G itself: reads of a missing global are an error, writes are refused.
setmetatable(G, { __index = global_index })
rawset(G, '_G', pG)
return pG
`;
