/**
 * Roberto Ierusalimschy's struct library (Redis' deps/lua/src/lua_struct.c)
 * as the global `struct`: pack, unpack and size, with the sizes and
 * alignment of Redis' build (x86-64 Linux: long and size_t 8 bytes, int 4,
 * native order little-endian, maximum alignment 8), and the C conversions'
 * x86-64 results where the C is undefined (out-of-range casts, shifts past
 * 63 bits) since scripts can observe them.
 */
import { LuaAux, cstr, toInt64 } from "./lua_aux.js";
import { type LuaState, type LuaVm } from "./lua_vm.js";

const MAXINTSIZE = 32;
const MAXALIGN = 8;
const BIG = 0;
const LITTLE = 1;
const M64 = (1n << 64n) - 1n;
const INT_MAX = 2147483647;

interface Header {
  endian: number;
  align: number;
}

/** A format string being read (C stops at its first NUL). */
class Fmt {
  i = 0;
  constructor(readonly s: string) {}
  get more(): boolean {
    return this.i < this.s.length;
  }
  isDigit(): boolean {
    const c = this.s.charCodeAt(this.i);
    return c >= 48 && c <= 57;
  }
}

const isAlnum = (c: string) => /^[0-9A-Za-z]$/.test(c);

/** C's `(unsigned long)d` for d >= 0 on x86-64 (2^63 for NaN, 0 from 2^64 up). */
function toUint64(d: number): bigint {
  if (Number.isNaN(d)) return 1n << 63n;
  if (d < 9223372036854775808) return BigInt(Math.trunc(d));
  if (d < 18446744073709551616) return BigInt(d);
  return 0n;
}

/** Opens `struct` (luaopen_struct): the global table. */
export function openStruct(vm: LuaVm, L: LuaState, aux: LuaAux): void {
  const api = vm.api;

  const getnum = (L: LuaState, f: Fmt, df: number): number => {
    if (!f.isDigit()) return df;
    let a = 0;
    do {
      const d = f.s.charCodeAt(f.i) - 48;
      if (a > Math.trunc(INT_MAX / 10) || a * 10 > INT_MAX - d) aux.error(L, "integral size overflow");
      a = a * 10 + d;
      f.i++;
    } while (f.isDigit());
    return a;
  };

  const optsize = (L: LuaState, opt: string, f: Fmt): number => {
    switch (opt) {
      case "B": case "b": return 1;
      case "H": case "h": return 2;
      case "L": case "l": case "T": return 8;
      case "f": return 4;
      case "d": return 8;
      case "x": return 1;
      case "c": return getnum(L, f, 1);
      case "i": case "I": {
        const sz = getnum(L, f, 4);
        if (sz > MAXINTSIZE) aux.error(L, `integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
        return sz;
      }
      default: return 0;
    }
  };

  const gettoalign = (len: number, h: Header, opt: string, size: number): number => {
    if (size === 0 || opt === "c") return 0;
    if (size > h.align) size = h.align;
    // size - 1 as a mask: C's size_t arithmetic on small numbers, here in 32-bit ints.
    return ((size - (len & (size - 1))) & (size - 1)) >>> 0;
  };

  const controloptions = (L: LuaState, opt: string, f: Fmt, h: Header): void => {
    switch (opt) {
      case " ": return;
      case ">": h.endian = BIG; return;
      case "<": h.endian = LITTLE; return;
      case "!": {
        const a = getnum(L, f, MAXALIGN);
        if (!(a > 0 && (a & (a - 1)) === 0)) aux.error(L, `alignment ${a} is not a power of 2`);
        h.align = a;
        return;
      }
      default:
        aux.argError(L, 1, `invalid format option '${opt}'`);
    }
  };

  const intBytes = (value: bigint, size: number, endian: number): string => {
    const b = new Array<number>(size);
    for (let i = 0; i < size; i++) {
      b[endian === LITTLE ? i : size - 1 - i] = Number(value & 0xffn);
      value >>= 8n;
    }
    return String.fromCharCode(...b);
  };

  const floatBytes = (d: number, size: 4 | 8, endian: number): string => {
    const dv = new DataView(new ArrayBuffer(size));
    if (size === 4) dv.setFloat32(0, d, endian === LITTLE);
    else dv.setFloat64(0, d, endian === LITTLE);
    return String.fromCharCode(...new Uint8Array(dv.buffer));
  };

  const pack = (L: LuaState): number => {
    const f = new Fmt(cstr(aux.checkString(L, 1)));
    const h: Header = { endian: LITTLE, align: 1 };
    let arg = 2;
    let total = 0;
    api.lua_pushnil(L); // the C code's mark between arguments and its string buffer
    const out: string[] = [];
    while (f.more) {
      const opt = f.s[f.i++]!;
      let size = optsize(L, opt, f);
      let toalign = gettoalign(total, h, opt, size);
      total += toalign;
      while (toalign-- > 0) out.push("\0");
      switch (opt) {
        case "b": case "B": case "h": case "H": case "l": case "L": case "T": case "i": case "I": {
          const n = aux.checkNumber(L, arg++);
          const v = n < 0 ? BigInt(toInt64(n)) & M64 : toUint64(n);
          out.push(intBytes(v, size, h.endian));
          break;
        }
        case "x":
          out.push("\0");
          break;
        case "f":
        case "d":
          out.push(floatBytes(aux.checkNumber(L, arg++), size as 4 | 8, h.endian));
          break;
        case "c":
        case "s": {
          const s = aux.checkString(L, arg++);
          if (size === 0) size = s.length;
          aux.argCheck(L, s.length >= size, arg, "string too short");
          out.push(s.slice(0, size));
          if (opt === "s") {
            out.push("\0");
            size++;
          }
          break;
        }
        default:
          controloptions(L, opt, f, h);
      }
      total += size;
    }
    vm.pushString(L, out.join(""));
    return 1;
  };

  const getinteger = (data: string, at: number, endian: number, signed: boolean, size: number): number => {
    let l = 0n;
    for (let k = 0; k < size; k++) {
      const i = endian === BIG ? k : size - 1 - k;
      l = ((l << 8n) | BigInt(data.charCodeAt(at + i))) & M64;
    }
    if (!signed) return Number(l);
    // C shifts by (size*8 - 1) mod 64 (x86 masks the count).
    const mask = (M64 << BigInt((size * 8 - 1) & 63)) & M64;
    if ((l & mask) !== 0n) l |= mask;
    return Number(BigInt.asIntN(64, l));
  };

  const unpack = (L: LuaState): number => {
    const f = new Fmt(cstr(aux.checkString(L, 1)));
    const data = aux.checkString(L, 2);
    const ld = data.length;
    const start = aux.optInteger(L, 3, 1);
    aux.argCheck(L, start !== 0, 3, "offset must be 1 or greater");
    // A negative offset is a huge size_t in C: every bounds check fails.
    let pos = start < 0 ? Infinity : start - 1;
    let n = 0;
    const h: Header = { endian: LITTLE, align: 1 };
    const fits = (size: number) => size <= ld && pos <= ld - size;
    while (f.more) {
      const opt = f.s[f.i++]!;
      let size = optsize(L, opt, f);
      if (pos !== Infinity) pos += gettoalign(pos, h, opt, size);
      aux.argCheck(L, fits(size), 2, "data string too short");
      aux.checkStack(L, 2, "too many results");
      switch (opt) {
        case "b": case "B": case "h": case "H": case "l": case "L": case "T": case "i": case "I":
          api.lua_pushnumber(L, getinteger(data, pos, h.endian, opt >= "a", size));
          n++;
          break;
        case "x":
          break;
        case "f":
        case "d": {
          const dv = new DataView(Uint8Array.from(data.slice(pos, pos + size), (c) => c.charCodeAt(0)).buffer);
          api.lua_pushnumber(L, size === 4 ? dv.getFloat32(0, h.endian === LITTLE) : dv.getFloat64(0, h.endian === LITTLE));
          n++;
          break;
        }
        case "c":
          if (size === 0) {
            if (n === 0 || !aux.isNumber(L, -1)) aux.error(L, "format 'c0' needs a previous size");
            const d = api.lua_tonumber(L, -1);
            size = sizeT(d);
            api.lua_settop(L, -2);
            n--;
            aux.argCheck(L, fits(size), 2, "data string too short");
          }
          vm.pushString(L, data.slice(pos, pos + size));
          n++;
          break;
        case "s": {
          const e = data.indexOf("\0", pos);
          if (e < 0) aux.error(L, "unfinished string in data");
          size = e - pos + 1;
          vm.pushString(L, data.slice(pos, e));
          n++;
          break;
        }
        default:
          controloptions(L, opt, f, h);
      }
      pos += size;
    }
    api.lua_pushnumber(L, pos === Infinity ? start : pos + 1);
    return n + 1;
  };

  const size = (L: LuaState): number => {
    const f = new Fmt(cstr(aux.checkString(L, 1)));
    const h: Header = { endian: LITTLE, align: 1 };
    let pos = 0;
    while (f.more) {
      const opt = f.s[f.i++]!;
      const size = optsize(L, opt, f);
      pos += gettoalign(pos, h, opt, size);
      if (opt === "s") aux.argError(L, 1, "option 's' has no fixed size");
      else if (opt === "c" && size === 0) aux.argError(L, 1, "option 'c0' has no fixed size");
      if (!isAlnum(opt)) controloptions(L, opt, f, h);
      pos += size;
    }
    api.lua_pushnumber(L, pos);
    return 1;
  };

  api.lua_createtable(L, 0, 3);
  vm.setFunction(L, -1, "pack", pack);
  vm.setFunction(L, -1, "unpack", unpack);
  vm.setFunction(L, -1, "size", size);
  aux.register(L, "struct");
  api.lua_settop(L, -2);
}

/**
 * `(size_t)d` as gcc compiles it on x86-64 (what redis-server does with a
 * count it reads as a double): below 2^63 a truncation (a negative count,
 * or NaN, becomes huge: Infinity here, too long for any data); from 2^63
 * the conversion overflows, and from 2^64 (and +inf) it comes out 0.
 */
function sizeT(d: number): number {
  if (d >= 2 ** 64) return 0;
  if (d > -1 && d < 2 ** 63) return Math.trunc(d) + 0;
  return Infinity;
}
