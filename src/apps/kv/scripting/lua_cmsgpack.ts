/**
 * lua-cmsgpack 0.4.0 (Redis' deps/lua/src/lua_cmsgpack.c) as the global
 * `cmsgpack`: pack (each argument encoded, concatenated), unpack,
 * unpack_one and unpack_limit. What scripts can observe is kept: a table is
 * an array when its keys are exactly 1..n (empty tables too), tables nested
 * 16 deep pack as nil, a number is an integer when it is one in int64 range
 * and else a float when a float holds it exactly, and 64-bit unsigned
 * integers past 2^63 unpack negative (Redis pushes them as lua_Integer).
 */
import { LuaAux } from "./lua_aux.js";
import { LUA_GLOBALSINDEX, type LuaState, type LuaVm, T_BOOLEAN, T_NUMBER, T_STRING, T_TABLE } from "./lua_vm.js";

const MAX_NESTING = 16;
const INT_MAX = 2147483647;
const TWO63 = 9223372036854775808;

/** Not enough input, or a first byte that is no type. */
const EOF = 1;
const BADFMT = 2;

/** Bytes appended as a latin1 string. */
class Buf {
  parts: string[] = [];
  byte(...b: number[]): void {
    this.parts.push(String.fromCharCode(...b));
  }
  str(s: string): void {
    this.parts.push(s);
  }
  take(): string {
    const s = this.parts.join("");
    this.parts = [];
    return s;
  }
}

const be = (n: number, bytes: number): number[] => {
  const out: number[] = [];
  for (let i = bytes - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  return out;
};

function encodeInt(buf: Buf, n: number): void {
  if (n >= 0) {
    if (n <= 127) buf.byte(n);
    else if (n <= 0xff) buf.byte(0xcc, n);
    else if (n <= 0xffff) buf.byte(0xcd, ...be(n, 2));
    else if (n <= 0xffffffff) buf.byte(0xce, ...be(n, 4));
    else {
      const dv = new DataView(new ArrayBuffer(8));
      dv.setBigUint64(0, BigInt(n));
      buf.byte(0xcf, ...new Uint8Array(dv.buffer));
    }
  } else if (n >= -32) buf.byte(n & 0xff);
  else if (n >= -128) buf.byte(0xd0, n & 0xff);
  else if (n >= -32768) buf.byte(0xd1, (n >> 8) & 0xff, n & 0xff);
  else if (n >= -2147483648) buf.byte(0xd2, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  else {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setBigInt64(0, BigInt(n));
    buf.byte(0xd3, ...new Uint8Array(dv.buffer));
  }
}

function encodeDouble(buf: Buf, d: number): void {
  const f = Math.fround(d);
  if (d === f) {
    const dv = new DataView(new ArrayBuffer(4));
    dv.setFloat32(0, f);
    buf.byte(0xca, ...new Uint8Array(dv.buffer));
  } else {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, d);
    buf.byte(0xcb, ...new Uint8Array(dv.buffer));
  }
}

function encodeBytes(buf: Buf, s: string): void {
  const len = s.length;
  if (len < 32) buf.byte(0xa0 | len);
  else if (len <= 0xff) buf.byte(0xd9, len);
  else if (len <= 0xffff) buf.byte(0xda, ...be(len, 2));
  else buf.byte(0xdb, ...be(len, 4));
  buf.str(s);
}

function header(buf: Buf, n: number, fix: number, b16: number, b32: number): void {
  if (n <= 15) buf.byte(fix | n);
  else if (n <= 65535) buf.byte(b16, ...be(n, 2));
  else buf.byte(b32, ...be(n, 4));
}

/** Opens `cmsgpack` (luaopen_cmsgpack): the global table. */
export function openCmsgpack(vm: LuaVm, L: LuaState, aux: LuaAux): void {
  const api = vm.api;

  /** table_is_an_array: keys exactly 1..n (the table on top). */
  const isArray = (L: LuaState): boolean => {
    let count = 0;
    let max = 0;
    const top = api.lua_gettop(L);
    aux.checkStack(L, 2, "in function table_is_an_array");
    api.lua_pushnil(L);
    while (api.lua_next(L, -2) !== 0) {
      api.lua_settop(L, -2);
      const n = api.lua_type(L, -1) === T_NUMBER ? api.lua_tonumber(L, -1) : NaN;
      // (int)n == n, with x86's INT_MIN for out-of-range doubles.
      if (!(n > 0) || !Number.isInteger(n) || n > INT_MAX) {
        api.lua_settop(L, top);
        return false;
      }
      if (n > max) max = n;
      count++;
    }
    api.lua_settop(L, top);
    return max === count;
  };

  /** Encodes the value on top and pops it. */
  const encode = (L: LuaState, buf: Buf, level: number): void => {
    let t = api.lua_type(L, -1);
    if (t === T_TABLE && level === MAX_NESTING) t = -2;
    switch (t) {
      case T_STRING:
        encodeBytes(buf, vm.toString(L, -1)!);
        break;
      case T_BOOLEAN:
        buf.byte(api.lua_toboolean(L, -1) !== 0 ? 0xc3 : 0xc2);
        break;
      case T_NUMBER: {
        const n = api.lua_tonumber(L, -1);
        if (Number.isInteger(n) && n >= -TWO63 && n < TWO63) encodeInt(buf, n === 0 ? 0 : n);
        else encodeDouble(buf, n);
        break;
      }
      case T_TABLE:
        if (isArray(L)) {
          const len = api.lua_objlen(L, -1) >>> 0;
          header(buf, len, 0x90, 0xdc, 0xdd);
          aux.checkStack(L, 1, "in function mp_encode_lua_table_as_array");
          for (let j = 1; j <= len; j++) {
            api.lua_pushnumber(L, j);
            api.lua_gettable(L, -2);
            encode(L, buf, level + 1);
          }
        } else {
          let len = 0;
          aux.checkStack(L, 3, "in function mp_encode_lua_table_as_map");
          api.lua_pushnil(L);
          while (api.lua_next(L, -2) !== 0) {
            api.lua_settop(L, -2);
            len++;
          }
          header(buf, len, 0x80, 0xde, 0xdf);
          api.lua_pushnil(L);
          while (api.lua_next(L, -2) !== 0) {
            api.lua_pushvalue(L, -2);
            encode(L, buf, level + 1);
            encode(L, buf, level + 1);
          }
        }
        break;
      default:
        buf.byte(0xc0);
    }
    api.lua_settop(L, -2);
  };

  const pack = (L: LuaState): number => {
    const nargs = api.lua_gettop(L);
    if (nargs === 0) aux.argError(L, 0, "MessagePack pack needs input.");
    if (api.lua_checkstack(L, nargs) === 0) aux.argError(L, 0, "Too many arguments for MessagePack pack.");
    const buf = new Buf();
    for (let i = 1; i <= nargs; i++) {
      aux.checkStack(L, 1, "in function mp_check");
      api.lua_pushvalue(L, i);
      encode(L, buf, 0);
      vm.pushString(L, buf.take());
    }
    api.lua_concat(L, nargs);
    return 1;
  };

  /** A cursor over the input; err set (and decoding stopped) on a problem. */
  interface Cur {
    s: string;
    p: number;
    err: number;
  }
  const u8 = (c: Cur, i: number) => c.s.charCodeAt(c.p + i);
  const uint = (c: Cur, n: number) => {
    let v = 0;
    for (let i = 1; i <= n; i++) v = v * 256 + u8(c, i);
    return v;
  };
  const need = (c: Cur, n: number): boolean => {
    if (c.s.length - c.p < n) {
      c.err = EOF;
      return false;
    }
    return true;
  };
  const float = (c: Cur, n: 4 | 8): number => {
    const dv = new DataView(new ArrayBuffer(n));
    for (let i = 0; i < n; i++) dv.setUint8(i, u8(c, i + 1));
    return n === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
  };
  const int64 = (c: Cur): number => {
    let v = 0n;
    for (let i = 1; i <= 8; i++) v = (v << 8n) | BigInt(u8(c, i));
    return Number(BigInt.asIntN(64, v));
  };
  const str = (L: LuaState, c: Cur, skip: number, len: number): void => {
    if (!need(c, skip + len)) return;
    vm.pushString(L, c.s.slice(c.p + skip, c.p + skip + len));
    c.p += skip + len;
  };

  /** A table being filled: `left` elements (pairs for a map) still to come. */
  interface Frame {
    map: boolean;
    left: number;
    index: number;
    wantValue: boolean;
  }
  const open = (L: LuaState, c: Cur, map: boolean, skip: number, len: number): Frame => {
    c.p += skip;
    api.lua_createtable(L, 0, 0);
    if (!map) aux.checkStack(L, 1, "in function mp_decode_to_lua_array");
    return { map, left: len, index: 1, wantValue: false };
  };
  const push = (L: LuaState, c: Cur, n: number, size: number): null => {
    api.lua_pushnumber(L, n);
    c.p += size;
    return null;
  };

  /** One value's head: a scalar pushed (null), or a new table and its frame. */
  const head = (L: LuaState, c: Cur): Frame | null => {
    if (!need(c, 1)) return null;
    aux.checkStack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
    const b = u8(c, 0);
    switch (b) {
      case 0xcc: return need(c, 2) ? push(L, c, u8(c, 1), 2) : null;
      case 0xd0: return need(c, 2) ? push(L, c, (u8(c, 1) << 24) >> 24, 2) : null;
      case 0xcd: return need(c, 3) ? push(L, c, uint(c, 2), 3) : null;
      case 0xd1: return need(c, 3) ? push(L, c, (uint(c, 2) << 16) >> 16, 3) : null;
      case 0xce: return need(c, 5) ? push(L, c, uint(c, 4), 5) : null;
      case 0xd2: return need(c, 5) ? push(L, c, uint(c, 4) | 0, 5) : null;
      case 0xcf:
      case 0xd3: return need(c, 9) ? push(L, c, int64(c), 9) : null;
      case 0xc0: api.lua_pushnil(L); c.p++; return null;
      case 0xc3: api.lua_pushboolean(L, 1); c.p++; return null;
      case 0xc2: api.lua_pushboolean(L, 0); c.p++; return null;
      case 0xca: return need(c, 5) ? push(L, c, float(c, 4), 5) : null;
      case 0xcb: return need(c, 9) ? push(L, c, float(c, 8), 9) : null;
      case 0xd9: if (need(c, 2)) str(L, c, 2, u8(c, 1)); return null;
      case 0xda: if (need(c, 3)) str(L, c, 3, uint(c, 2)); return null;
      case 0xdb: if (need(c, 5)) str(L, c, 5, uint(c, 4)); return null;
      case 0xdc: return need(c, 3) ? open(L, c, false, 3, uint(c, 2)) : null;
      case 0xdd: return need(c, 5) ? open(L, c, false, 5, uint(c, 4)) : null;
      case 0xde: return need(c, 3) ? open(L, c, true, 3, uint(c, 2)) : null;
      case 0xdf: return need(c, 5) ? open(L, c, true, 5, uint(c, 4)) : null;
    }
    if ((b & 0x80) === 0) return push(L, c, b, 1);
    if ((b & 0xe0) === 0xe0) return push(L, c, (b << 24) >> 24, 1);
    if ((b & 0xe0) === 0xa0) return str(L, c, 1, b & 0x1f), null;
    if ((b & 0xf0) === 0x90) return open(L, c, false, 1, b & 0xf);
    if ((b & 0xf0) === 0x80) return open(L, c, true, 1, b & 0xf);
    c.err = BADFMT;
    return null;
  };

  /**
   * mp_decode_to_lua_type: one value onto the stack. The C recursion is a
   * loop over a stack of frames here (input can nest thousands deep, more
   * than JS frames allow); the Lua API calls are the same, in the same order.
   */
  const decode = (L: LuaState, c: Cur): void => {
    const frames: Frame[] = [];
    for (;;) {
      const f = head(L, c);
      if (c.err !== 0) return;
      let done = f === null;
      if (f !== null) frames.push(f);
      for (;;) {
        const top = frames[frames.length - 1];
        if (top === undefined) return;
        if (done) {
          if (top.map && !top.wantValue) {
            top.wantValue = true;
            break;
          }
          api.lua_settable(L, -3);
          top.wantValue = false;
        }
        if (top.left === 0) {
          frames.pop();
          done = true;
          continue;
        }
        top.left--;
        if (!top.map) api.lua_pushnumber(L, top.index++);
        break;
      }
    }
  };

  const unpackFull = (L: LuaState, limit: number, offset: number): number => {
    const s = aux.checkString(L, 1);
    const len = s.length;
    const all = limit === 0 && offset === 0;
    // The C message prints the input's length where it means the limit.
    if (offset < 0 || limit < 0) aux.error(L, `Invalid request to unpack with offset of ${offset | 0} and limit of ${len | 0}.`);
    else if (offset > len) aux.error(L, `Start offset ${offset | 0} greater than input length ${len | 0}.`);
    if (all) limit = INT_MAX;
    const c: Cur = { s, p: offset, err: 0 };
    let cnt = 0;
    for (; c.p < len && cnt < limit; cnt++) {
      decode(L, c);
      if (c.err === EOF) aux.error(L, "Missing bytes in input.");
      else if (c.err === BADFMT) aux.error(L, "Bad data format in input.");
    }
    if (!all) {
      aux.checkStack(L, 1, "in function mp_unpack_full");
      api.lua_pushnumber(L, c.p === len ? -1 : c.p);
      api.lua_insert(L, 2);
      cnt++;
    }
    return cnt;
  };

  const fns: [string, (L: LuaState) => number][] = [
    ["pack", pack],
    ["unpack", (L) => unpackFull(L, 0, 0)],
    ["unpack_one", (L) => {
      const offset = aux.optInteger(L, 2, 0);
      api.lua_settop(L, -api.lua_gettop(L)); // lua_pop(L, gettop - 1)
      return unpackFull(L, 1, offset);
    }],
    ["unpack_limit", (L) => {
      const limit = aux.checkInteger(L, 2);
      const offset = aux.optInteger(L, 3, 0);
      api.lua_settop(L, 1);
      return unpackFull(L, limit, offset);
    }],
  ];
  api.lua_createtable(L, 0, 0);
  for (const [name, fn] of fns) vm.setFunction(L, -1, name, fn);
  const field = (k: string, v: string) => {
    vm.pushString(L, v);
    api.lua_setfield(L, -2, vm.cstr(k));
  };
  field("_NAME", "cmsgpack");
  field("_VERSION", "lua-cmsgpack 0.4.0");
  field("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo");
  field("_DESCRIPTION", "MessagePack C implementation for Lua");
  api.lua_pushvalue(L, -1);
  api.lua_setfield(L, LUA_GLOBALSINDEX, vm.cstr("cmsgpack"));
  api.lua_settop(L, -2);
}
