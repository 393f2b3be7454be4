/**
 * LuaBitOp 1.0.2 (Redis' deps/lua/src/lua_bit.c) as the global `bit`:
 * every argument is reduced mod 2^32 the way the C library does it (add
 * 2^52 + 2^51 to the double and keep its low word, so fractions round half
 * to even), and every result is a signed 32-bit number.
 */
import { LuaAux } from "./lua_aux.js";
import { type LuaState, type LuaVm } from "./lua_vm.js";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** barg: the argument at idx as 32 bits (unsigned). */
function barg(aux: LuaAux, L: LuaState, idx: number): number {
  f64[0] = aux.api.lua_tonumber(L, idx) + 6755399441055744.0;
  const b = u32[0]!;
  if (b === 0 && !aux.isNumber(L, idx)) aux.typeError(L, idx, "number");
  return b;
}

/** Opens `bit` (luaopen_bit): a global table of the library's functions. */
export function openBit(vm: LuaVm, L: LuaState, aux: LuaAux): void {
  const api = vm.api;
  const ret = (L: LuaState, b: number): number => (api.lua_pushnumber(L, b | 0), 1);
  const op = (f: (a: number, b: number) => number) => (L: LuaState) => {
    let b = barg(aux, L, 1);
    for (let i = api.lua_gettop(L); i > 1; i--) b = f(b, barg(aux, L, i));
    return ret(L, b);
  };
  const shift = (f: (b: number, n: number) => number) => (L: LuaState) => {
    const b = barg(aux, L, 1);
    const n = barg(aux, L, 2) & 31;
    return ret(L, f(b, n));
  };
  const fns: [string, (L: LuaState) => number][] = [
    ["tobit", (L) => ret(L, barg(aux, L, 1))],
    ["bnot", (L) => ret(L, ~barg(aux, L, 1))],
    ["band", op((a, b) => a & b)],
    ["bor", op((a, b) => a | b)],
    ["bxor", op((a, b) => a ^ b)],
    ["lshift", shift((b, n) => b << n)],
    ["rshift", shift((b, n) => b >>> n)],
    ["arshift", shift((b, n) => (b | 0) >> n)],
    ["rol", shift((b, n) => (b << n) | (b >>> (32 - n)))],
    ["ror", shift((b, n) => (b << (32 - n)) | (b >>> n))],
    ["bswap", (L) => {
      const b = barg(aux, L, 1);
      return ret(L, (b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
    }],
    ["tohex", (L) => {
      let b = barg(aux, L, 1);
      let n = api.lua_type(L, 2) === -1 ? 8 : barg(aux, L, 2) | 0;
      let digits = "0123456789abcdef";
      if (n < 0) {
        n = -n;
        digits = "0123456789ABCDEF";
      }
      if (n > 8) n = 8;
      // -(-2^31) stays negative in C: no digits, and a length no allocator grants.
      if (n < 0) return aux.error(L, "not enough memory");
      let s = "";
      for (let i = n; --i >= 0; ) {
        s = digits[b & 15]! + s;
        b >>>= 4;
      }
      vm.pushString(L, s);
      return 1;
    }],
  ];
  api.lua_createtable(L, 0, fns.length);
  for (const [name, fn] of fns) vm.setFunction(L, -1, name, fn);
  aux.register(L, "bit");
  api.lua_settop(L, -2);
}
