/**
 * Lua CJSON 2.1.0 (Redis' deps/lua/src/lua_cjson.c) as the global `cjson`:
 * encode, decode, their settings and `cjson.new`. Ported for what scripts
 * see: the bytes encode produces (numbers as glibc's %.14g, `/` escaped,
 * empty tables as `{}`, sparse-array rules), decode's values and every
 * error text with its "at character N", and the depth limits. The Lua API
 * calls are the C code's, in its order, so the stack checks fail where
 * Redis' do.
 *
 * Each module table's functions share one settings record, as the C
 * closures share their userdata upvalue: here the upvalue is a full
 * userdata whose address keys the record (freed by its __gc).
 */
import { type LuaAux, upvalueIndex } from "./lua_aux.js";
import { formatG, strtod } from "./lua_fpconv.js";
import { LUA_GLOBALSINDEX, type LuaState, type LuaVm, T_BOOLEAN, T_LIGHTUSERDATA, T_NIL, T_NUMBER, T_STRING, T_TABLE } from "./lua_vm.js";

/** One module table's settings (json_config_t). */
interface Config {
  sparseConvert: number;
  sparseRatio: number;
  sparseSafe: number;
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeInvalidNumbers: number; // 0 off, 1 on, 2 "null"
  decodeInvalidNumbers: number;
  keepBuffer: number;
  precision: number;
}

const newConfig = (): Config => ({
  sparseConvert: 0,
  sparseRatio: 2,
  sparseSafe: 10,
  encodeMaxDepth: 1000,
  decodeMaxDepth: 1000,
  encodeInvalidNumbers: 0,
  decodeInvalidNumbers: 1,
  keepBuffer: 1,
  precision: 14,
});

const INT_MAX = 2147483647;
const TYPE_NAMES = ["nil", "boolean", "userdata", "number", "string", "table", "function", "userdata", "thread"];

/** char2escape: what each byte becomes inside a JSON string. */
const ESCAPES: (string | null)[] = Array.from({ length: 256 }, (_, c) => {
  if (c < 0x20) return ({ 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" } as Record<number, string>)[c] ?? `\\u${c.toString(16).padStart(4, "0")}`;
  return ({ 0x22: '\\"', 0x2f: "\\/", 0x5c: "\\\\", 0x7f: "\\u007f" } as Record<number, string>)[c] ?? null;
});

function escapeString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const e = ESCAPES[s.charCodeAt(i)];
    if (e !== null && e !== undefined) {
      out += s.slice(from, i) + e;
      from = i + 1;
    }
  }
  return out + s.slice(from) + '"';
}

// Token types, in json_token_type_name's order.
const T_OBJ_BEGIN = 0, T_OBJ_END = 1, T_ARR_BEGIN = 2, T_ARR_END = 3, TK_STRING = 4, TK_NUMBER = 5, TK_BOOLEAN = 6,
  T_NULL = 7, T_COLON = 8, T_COMMA = 9, T_END = 10, T_WHITESPACE = 11, T_ERROR = 12, T_UNKNOWN = 13;
const TOKEN_NAMES = ["T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL",
  "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"];

const CH2TOKEN: number[] = (() => {
  const t = new Array<number>(256).fill(T_ERROR);
  const set = (chars: string, tok: number) => { for (const c of chars) t[c.charCodeAt(0)] = tok; };
  set("{", T_OBJ_BEGIN); set("}", T_OBJ_END); set("[", T_ARR_BEGIN); set("]", T_ARR_END);
  set(",", T_COMMA); set(":", T_COLON); set("\0", T_END); set(" \t\n\r", T_WHITESPACE);
  set("fiInNt\"+-0123456789", T_UNKNOWN);
  return t;
})();

const ESCAPE2CHAR: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", u: "u" };

interface Token {
  type: number;
  index: number;
  str: string;
  num: number;
  bool: boolean;
  err: string;
}

const hexDigit = (c: number) => (c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1);

/** Opens `cjson` (luaopen_cjson with ENABLE_CJSON_GLOBAL): the global table. */
export function openCjson(vm: LuaVm, L: LuaState, aux: LuaAux): void {
  const api = aux.api;
  const configs = new Map<number, Config>();
  const cfgOf = (L: LuaState): Config => {
    const c = configs.get(api.lua_touserdata(L, upvalueIndex(1)));
    if (c === undefined) aux.error(L, "BUG: Unable to fetch CJSON configuration");
    return c;
  };

  // ---- configuration ----

  /** json_arg_init: at most `args` arguments, padded with nils. */
  const argInit = (L: LuaState, args: number): Config => {
    aux.argCheck(L, api.lua_gettop(L) <= args, args + 1, "found too many arguments");
    while (api.lua_gettop(L) < args) api.lua_pushnil(L);
    return cfgOf(L);
  };
  const intOption = (L: LuaState, idx: number, get: () => number, set: (v: number) => void, min: number, max: number): void => {
    if (api.lua_type(L, idx) !== T_NIL) {
      const value = aux.checkInteger(L, idx) | 0; // an int in the C code
      aux.argCheck(L, min <= value && value <= max, 1, `expected integer between ${min} and ${max}`);
      set(value);
    }
    api.lua_pushnumber(L, get());
  };
  const enumOption = (L: LuaState, idx: number, get: () => number, set: (v: number) => void, options = ["off", "on"]): void => {
    if (api.lua_type(L, idx) !== T_NIL) {
      if (api.lua_type(L, idx) === T_BOOLEAN) set(api.lua_toboolean(L, idx));
      else set(aux.checkOption(L, idx, options));
    }
    const v = get();
    if (v === 0 || v === 1) api.lua_pushboolean(L, v);
    else vm.pushString(L, options[v]!);
  };

  const fns: [string, (L: LuaState) => number][] = [
    ["encode", (L) => encode(L)],
    ["decode", (L) => decode(L)],
    ["encode_sparse_array", (L) => {
      const c = argInit(L, 3);
      enumOption(L, 1, () => c.sparseConvert, (v) => (c.sparseConvert = v));
      intOption(L, 2, () => c.sparseRatio, (v) => (c.sparseRatio = v), 0, INT_MAX);
      intOption(L, 3, () => c.sparseSafe, (v) => (c.sparseSafe = v), 0, INT_MAX);
      return 3;
    }],
    ["encode_max_depth", (L) => {
      const c = argInit(L, 1);
      intOption(L, 1, () => c.encodeMaxDepth, (v) => (c.encodeMaxDepth = v), 1, INT_MAX);
      return 1;
    }],
    ["decode_max_depth", (L) => {
      const c = argInit(L, 1);
      intOption(L, 1, () => c.decodeMaxDepth, (v) => (c.decodeMaxDepth = v), 1, INT_MAX);
      return 1;
    }],
    ["encode_number_precision", (L) => {
      const c = argInit(L, 1);
      intOption(L, 1, () => c.precision, (v) => (c.precision = v), 1, 14);
      return 1;
    }],
    ["encode_keep_buffer", (L) => {
      const c = argInit(L, 1);
      enumOption(L, 1, () => c.keepBuffer, (v) => (c.keepBuffer = v));
      return 1;
    }],
    ["encode_invalid_numbers", (L) => {
      const c = argInit(L, 1);
      enumOption(L, 1, () => c.encodeInvalidNumbers, (v) => (c.encodeInvalidNumbers = v), ["off", "on", "null"]);
      return 1;
    }],
    ["decode_invalid_numbers", (L) => {
      const c = argInit(L, 1);
      enumOption(L, 1, () => c.decodeInvalidNumbers, (v) => (c.decodeInvalidNumbers = v));
      return 1;
    }],
    ["new", (L) => newModule(L)],
  ];
  const addresses = fns.map(([, fn]) => vm.cfunction(fn));
  const gc = vm.cfunction((L) => {
    configs.delete(api.lua_touserdata(L, 1));
    return 0;
  });

  /** lua_cjson_new: a module table with its own settings. */
  const newModule = (L: LuaState): number => {
    api.lua_createtable(L, 0, 0);
    const ud = api.lua_newuserdata(L, 4);
    configs.set(ud, newConfig());
    api.lua_createtable(L, 0, 0);
    api.lua_pushcclosure(L, gc, 0);
    api.lua_setfield(L, -2, vm.cstr("__gc"));
    api.lua_setmetatable(L, -2);
    fns.forEach(([name], i) => {
      api.lua_pushvalue(L, -1);
      api.lua_pushcclosure(L, addresses[i]!, 1);
      api.lua_setfield(L, -3, vm.cstr(name));
    });
    api.lua_settop(L, -2);
    api.lua_pushlightuserdata(L, 0);
    api.lua_setfield(L, -2, vm.cstr("null"));
    vm.pushString(L, "cjson");
    api.lua_setfield(L, -2, vm.cstr("_NAME"));
    vm.pushString(L, "2.1.0");
    api.lua_setfield(L, -2, vm.cstr("_VERSION"));
    return 1;
  };

  // ---- encoding ----

  const typeName = (L: LuaState, idx: number) => TYPE_NAMES[api.lua_type(L, idx)] ?? "no value";
  const encodeError = (L: LuaState, idx: number, reason: string): never =>
    aux.error(L, `Cannot serialise ${typeName(L, idx)}: ${reason}`);

  const appendNumber = (L: LuaState, c: Config, out: string[], idx: number): void => {
    const num = api.lua_tonumber(L, idx);
    const invalid = !Number.isFinite(num);
    if (c.encodeInvalidNumbers === 0) {
      if (invalid) encodeError(L, idx, "must not be NaN or Inf");
    } else if (c.encodeInvalidNumbers === 1) {
      if (Number.isNaN(num)) return void out.push("nan");
    } else if (invalid) return void out.push("null");
    out.push(formatG(num, c.precision));
  };

  /** lua_array_length: the table on top as an array's length, or -1 for an object. */
  const arrayLength = (L: LuaState, c: Config): number => {
    let max = 0;
    let items = 0;
    api.lua_pushnil(L);
    while (api.lua_next(L, -2) !== 0) {
      const k = api.lua_type(L, -2) === T_NUMBER ? api.lua_tonumber(L, -2) : 0;
      if (k !== 0 && Math.floor(k) === k && k >= 1) {
        // `max = k` into an int: x86 gives INT_MIN past INT_MAX.
        if (k > max) max = k > INT_MAX ? -2147483648 : k;
        items++;
        api.lua_settop(L, -2);
        continue;
      }
      api.lua_settop(L, -3);
      return -1;
    }
    if (c.sparseRatio > 0 && max > Math.imul(items, c.sparseRatio) && max > c.sparseSafe) {
      if (c.sparseConvert === 0) encodeError(L, -1, "excessively sparse array");
      return -1;
    }
    return max;
  };

  /** An open table while encoding: an array's next index and length, or an object's first-pair flag. */
  interface Frame {
    depth: number;
    array: boolean;
    i: number;
    len: number;
  }

  /**
   * json_append_data: the value on top as JSON, appended to out. The C
   * recursion into tables is a loop over the open tables here (the depth
   * limit can be raised past what JS frames allow); the Lua API calls are
   * the C code's, so lua_checkstack fails where it does in Redis.
   */
  const appendData = (L: LuaState, c: Config, out: string[]): void => {
    const frames: Frame[] = [];
    let state: "value" | "done" | "next" = "value";
    for (;;) {
      if (state === "value") {
        state = "done";
        switch (api.lua_type(L, -1)) {
          case T_STRING:
            out.push(escapeString(vm.toString(L, -1)!));
            break;
          case T_NUMBER:
            appendNumber(L, c, out, -1);
            break;
          case T_BOOLEAN:
            out.push(api.lua_toboolean(L, -1) !== 0 ? "true" : "false");
            break;
          case T_TABLE: {
            const depth = (frames[frames.length - 1]?.depth ?? 0) + 1;
            if (!(depth <= c.encodeMaxDepth && api.lua_checkstack(L, 3) !== 0)) {
              aux.error(L, `Cannot serialise, excessive nesting (${depth})`);
            }
            const len = arrayLength(L, c);
            if (len > 0) {
              out.push("[");
              frames.push({ depth, array: true, i: 0, len });
            } else {
              out.push("{");
              api.lua_pushnil(L);
              frames.push({ depth, array: false, i: 0, len: 0 });
            }
            state = "next";
            break;
          }
          case T_NIL:
            out.push("null");
            break;
          case T_LIGHTUSERDATA:
            // cjson.null; other light userdata are not serialisable
            if (api.lua_touserdata(L, -1) !== 0) encodeError(L, -1, "type not supported");
            out.push("null");
            break;
          default:
            encodeError(L, -1, "type not supported");
        }
      } else if (state === "done") {
        // The value on top is written: its container (if any) pops it and moves on.
        if (frames.length === 0) return;
        api.lua_settop(L, -2);
        state = "next";
      } else {
        const f = frames[frames.length - 1]!;
        if (f.array) {
          if (f.i < f.len) {
            if (f.i > 0) out.push(",");
            api.lua_rawgeti(L, -1, ++f.i);
            state = "value";
          } else {
            out.push("]");
            frames.pop();
            state = "done";
          }
        } else if (api.lua_next(L, -2) !== 0) {
          if (f.i++ > 0) out.push(",");
          const kt = api.lua_type(L, -2);
          if (kt === T_NUMBER) {
            out.push('"');
            appendNumber(L, c, out, -2);
            out.push('":');
          } else if (kt === T_STRING) {
            out.push(escapeString(vm.toString(L, -2)!), ":");
          } else encodeError(L, -2, "table key must be a number or string");
          state = "value";
        } else {
          out.push("}");
          frames.pop();
          state = "done";
        }
      }
    }
  };

  const encode = (L: LuaState): number => {
    const c = cfgOf(L);
    aux.argCheck(L, api.lua_gettop(L) === 1, 1, "expected 1 argument");
    const out: string[] = [];
    appendData(L, c, out);
    vm.pushString(L, out.join(""));
    return 1;
  };

  // ---- decoding ----

  /** The parse state: the text (C reads its terminating NUL, here charCodeAt past the end is NaN, read as 0). */
  interface Parse {
    s: string;
    p: number;
    c: Config;
    depth: number;
  }
  const at = (j: Parse, i: number) => (i < j.s.length ? j.s.charCodeAt(i) : 0);

  const setError = (t: Token, j: Parse, err: string) => {
    t.type = T_ERROR;
    t.index = j.p;
    t.err = err;
  };

  const hex4 = (j: Parse, i: number): number => {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const d = hexDigit(at(j, i + k));
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  };

  /** json_append_unicode_escape: \uXXXX (or a surrogate pair) at p as UTF-8; false when invalid. */
  const unicodeEscape = (j: Parse, parts: string[]): boolean => {
    let cp = hex4(j, j.p + 2);
    let len = 6;
    if (cp < 0) return false;
    if ((cp & 0xf800) === 0xd800) {
      if (cp & 0x400) return false;
      if (at(j, j.p + 6) !== 0x5c || at(j, j.p + 7) !== 0x75) return false;
      const low = hex4(j, j.p + 8);
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return false;
      cp = (((cp & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
      len = 12;
    }
    parts.push(Buffer.from(String.fromCodePoint(cp), "utf8").toString("latin1"));
    j.p += len;
    return true;
  };

  const stringToken = (j: Parse, t: Token): void => {
    j.p++;
    const parts: string[] = [];
    let from = j.p;
    for (;;) {
      const ch = at(j, j.p);
      if (ch === 0x22) break;
      if (ch === 0) return setError(t, j, "unexpected end of string");
      if (ch !== 0x5c) {
        j.p++;
        continue;
      }
      parts.push(j.s.slice(from, j.p));
      const esc = ESCAPE2CHAR[String.fromCharCode(at(j, j.p + 1))];
      if (esc === "u") {
        if (!unicodeEscape(j, parts)) return setError(t, j, "invalid unicode escape code");
      } else if (esc === undefined) {
        return setError(t, j, "invalid escape code");
      } else {
        parts.push(esc);
        j.p += 2;
      }
      from = j.p;
    }
    parts.push(j.s.slice(from, j.p));
    j.p++;
    t.type = TK_STRING;
    t.str = parts.join("");
  };

  /** json_is_invalid_number: forms strtod takes that JSON does not (+, leading zeros, hex, inf, nan). */
  const isInvalidNumber = (j: Parse): boolean => {
    let p = j.p;
    if (at(j, p) === 0x2b) return true;
    if (at(j, p) === 0x2d) p++;
    const c = at(j, p);
    if (c === 0x30) {
      const c2 = at(j, p + 1);
      return (c2 | 0x20) === 0x78 || (c2 >= 0x30 && c2 <= 0x39);
    }
    // C compares a signed char: bytes from 0x80 count as "<= '9'".
    if (c <= 0x39 || c >= 0x80) return false;
    const three = j.s.slice(p, p + 3).toLowerCase();
    return three === "inf" || three === "nan";
  };

  const numberToken = (j: Parse, t: Token): void => {
    t.type = TK_NUMBER;
    const { value, end } = strtod(j.s, j.p);
    if (end === j.p) setError(t, j, "invalid number");
    else {
      t.num = value;
      j.p = end;
    }
  };

  const nextToken = (j: Parse, t: Token): void => {
    let ch: number;
    for (;;) {
      ch = at(j, j.p);
      t.type = ch < 256 ? CH2TOKEN[ch]! : T_ERROR;
      if (t.type !== T_WHITESPACE) break;
      j.p++;
    }
    t.index = j.p;
    if (t.type === T_ERROR) return setError(t, j, "invalid token");
    if (t.type === T_END) return;
    if (t.type !== T_UNKNOWN) {
      j.p++;
      return;
    }
    if (ch === 0x22) return stringToken(j, t);
    if (ch === 0x2d || (ch >= 0x30 && ch <= 0x39)) {
      if (j.c.decodeInvalidNumbers === 0 && isInvalidNumber(j)) return setError(t, j, "invalid number");
      return numberToken(j, t);
    }
    const word = (w: string) => j.s.startsWith(w, j.p);
    if (word("true")) {
      t.type = TK_BOOLEAN;
      t.bool = true;
      j.p += 4;
    } else if (word("false")) {
      t.type = TK_BOOLEAN;
      t.bool = false;
      j.p += 5;
    } else if (word("null")) {
      t.type = T_NULL;
      j.p += 4;
    } else if (j.c.decodeInvalidNumbers !== 0 && isInvalidNumber(j)) {
      numberToken(j, t);
    } else setError(t, j, "invalid token");
  };

  const parseError = (L: LuaState, exp: string, t: Token): never => {
    const found = t.type === T_ERROR ? t.err : TOKEN_NAMES[t.type]!;
    return aux.error(L, `Expected ${exp} but found ${found} at character ${t.index + 1}`);
  };

  const descend = (L: LuaState, j: Parse, slots: number): void => {
    j.depth++;
    if (j.depth <= j.c.decodeMaxDepth && api.lua_checkstack(L, slots) !== 0) return;
    aux.error(L, `Found too many nested data structures (${j.depth}) at character ${j.p}`);
  };

  const newToken = (): Token => ({ type: T_END, index: 0, str: "", num: 0, bool: false, err: "" });

  /**
   * json_process_value and the object and array contexts it recurses into,
   * as a loop over the open containers (a depth limit of up to 2^31 - 1 can
   * nest deeper than JS frames allow); the Lua API calls are the C code's.
   */
  const parseValue = (L: LuaState, j: Parse, t: Token): void => {
    const open: boolean[] = []; // per open container: is it an object
    const index: number[] = []; // per open array: the next index
    let state: "value" | "key" | "done" = "value";
    for (;;) {
      if (state === "value") {
        state = "done";
        switch (t.type) {
          case TK_STRING: vm.pushString(L, t.str); break;
          case TK_NUMBER: api.lua_pushnumber(L, t.num); break;
          case TK_BOOLEAN: api.lua_pushboolean(L, t.bool ? 1 : 0); break;
          case T_NULL: api.lua_pushlightuserdata(L, 0); break;
          case T_OBJ_BEGIN:
          case T_ARR_BEGIN: {
            const obj = t.type === T_OBJ_BEGIN;
            descend(L, j, obj ? 3 : 2);
            api.lua_createtable(L, 0, 0);
            nextToken(j, t);
            if ((t.type as number) === (obj ? T_OBJ_END : T_ARR_END)) {
              j.depth--;
              break;
            }
            open.push(obj);
            if (obj) state = "key";
            else {
              index.push(1);
              state = "value";
            }
            break;
          }
          default:
            parseError(L, "value", t);
        }
      } else if (state === "key") {
        if (t.type !== TK_STRING) parseError(L, "object key string", t);
        vm.pushString(L, t.str);
        nextToken(j, t);
        if (t.type !== T_COLON) parseError(L, "colon", t);
        nextToken(j, t);
        state = "value";
      } else {
        // A value is complete on top of the stack: store it in its container.
        if (open.length === 0) return;
        const obj = open[open.length - 1]!;
        if (obj) api.lua_rawset(L, -3);
        else api.lua_rawseti(L, -2, index[index.length - 1]!++);
        nextToken(j, t);
        if (t.type === (obj ? T_OBJ_END : T_ARR_END)) {
          j.depth--;
          open.pop();
          if (!obj) index.pop();
          continue;
        }
        if (t.type !== T_COMMA) parseError(L, obj ? "comma or object end" : "comma or array end", t);
        nextToken(j, t);
        state = obj ? "key" : "value";
      }
    }
  };

  const decode = (L: LuaState): number => {
    aux.argCheck(L, api.lua_gettop(L) === 1, 1, "expected 1 argument");
    const c = cfgOf(L);
    const s = aux.checkString(L, 1);
    if (s.length >= 2 && (s.charCodeAt(0) === 0 || s.charCodeAt(1) === 0)) aux.error(L, "JSON parser does not support UTF-16 or UTF-32");
    const j: Parse = { s, p: 0, c, depth: 0 };
    const t = newToken();
    nextToken(j, t);
    parseValue(L, j, t);
    nextToken(j, t);
    if (t.type !== T_END) parseError(L, "the end", t);
    return 1;
  };

  newModule(L);
  api.lua_pushvalue(L, -1);
  api.lua_setfield(L, LUA_GLOBALSINDEX, vm.cstr("cjson"));
  api.lua_settop(L, -2);
}
