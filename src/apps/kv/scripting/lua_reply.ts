/**
 * The conversions between replies and Lua values (script_lua.c's
 * redisProtocolToLuaType and luaReplyToRedisReply), both ways, RESP2 and
 * RESP3, and the error tables (`{err = "CODE message"}`) scripts and
 * redis.pcall see.
 *
 * @example
 * const r = new LuaReplies(vm);
 * r.pushReply(L, ["a", 1], 2); // the table {"a", 1}
 * r.toReply(L, 2);             // back: ["a", 1]
 */
import { LuaVm, type LuaState, T_BOOLEAN, T_NIL, T_NUMBER, T_STRING, T_TABLE } from "./lua_vm.js";
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

/** Nesting of a script's reply beyond which it is an error (Redis' is Lua's stack, some 2,600 levels). */
const MAX_REPLY_DEPTH = 1000;

/** Lua's `(long long)` cast of a double as x86-64 does it: out of range (and NaN) is LLONG_MIN. */
function toLongLong(d: number): number | bigint {
  const t = Math.trunc(d);
  if (Number.isSafeInteger(t)) return t === 0 ? 0 : t;
  if (!(t >= -9223372036854775808 && t < 9223372036854775808)) return -9223372036854775808n;
  return BigInt(t);
}

/** A C string's view of bytes: what comes before the first NUL (lua_pushstring/sdsnew stop there). */
export function cstr(s: string): string {
  const z = s.indexOf("\0");
  return z < 0 ? s : s.slice(0, z);
}

/** One interpreter's conversions. */
export class LuaReplies {
  constructor(private readonly vm: LuaVm) {}

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

  setIgnoreStats(L: LuaState): void {
    this.vm.api.lua_pushboolean(L, 1);
    this.vm.api.lua_setfield(L, -2, this.vm.cstr("ignore_error_stats_update"));
  }

  /** redisProtocolToLuaType: a command's reply as the script sees it, in protocol `resp`. */
  pushReply(L: LuaState, r: Reply, resp: 2 | 3): void {
    const vm = this.vm;
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
    const vm = this.vm;
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
    const vm = this.vm;
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
    const vm = this.vm;
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
}
