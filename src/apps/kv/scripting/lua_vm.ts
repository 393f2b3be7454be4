/**
 * Lua 5.1, the version redis-server embeds, as WebAssembly: the VM is the
 * `wasmoon-lua5.1` package's build of the reference interpreter (Lua
 * 5.1.5's C sources compiled by Emscripten). We use its `.wasm` only, with
 * our own small glue instead of the package's JavaScript wrapper, because:
 *
 * - the wrapper loads asynchronously, and a command's `exec` is synchronous:
 *   here the module is compiled and instantiated synchronously, once per
 *   process, the first time a script runs;
 * - Redis strings are bytes (latin1 JS strings here): the wrapper converts
 *   through UTF-8, we copy bytes;
 * - the wrapper's exports check assertions on every call.
 *
 * What the glue provides: the C API as plain functions (`api`), JS functions
 * callable from Lua as C functions ({@link LuaVm.cfunction}), hooks, and
 * binary-safe strings both ways. Errors raised in Lua (`lua_error`) unwind
 * as Emscripten's setjmp/longjmp do: `_emscripten_throw_longjmp` throws a
 * number, `invoke_vii` (luaD_rawrunprotected's call) catches it.
 *
 * @example
 * const vm = LuaVm.create();
 * const L = vm.L;
 * vm.load(L, "return 1 + 1", "@demo");
 * vm.api.lua_pcall(L, 0, 1, 0);   // 0
 * vm.api.lua_tonumber(L, -1);     // 2
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type LatinBuffer } from "../chunk_buffer.js";
import { latin1 as latin1At } from "../resp/resp.js";
import { luaAllocator } from "./lua_alloc.js";

import { type WasmMemory, type WasmModule, type WasmTable, WebAssembly } from "./wasm_api.js";

export const LUA_REGISTRYINDEX = -10000;
export const LUA_ENVIRONINDEX = -10001;
export const LUA_GLOBALSINDEX = -10002;
export const LUA_MULTRET = -1;

export const T_NIL = 0;
export const T_BOOLEAN = 1;
export const T_LIGHTUSERDATA = 2;
export const T_NUMBER = 3;
export const T_STRING = 4;
export const T_TABLE = 5;
export const T_FUNCTION = 6;
export const T_USERDATA = 7;
export const T_THREAD = 8;

export const LUA_OK = 0;
export const LUA_YIELD = 1;
export const LUA_ERRRUN = 2;
export const LUA_ERRSYNTAX = 3;
export const LUA_ERRMEM = 4;
export const LUA_ERRERR = 5;

export const MASK_CALL = 1;
export const MASK_RET = 2;
export const MASK_LINE = 4;
export const MASK_COUNT = 8;

/** A `lua_State*`: an address in the VM's memory. */
export type LuaState = number;
/** A C function as Lua calls it: reads its arguments from L's stack, pushes its results, returns how many. */
export type CFunction = (L: LuaState) => number;

/** The part of the Lua 5.1 C API the server uses (every export of the module is there; these are typed). */
export interface LuaApi {
  luaL_newstate(): LuaState;
  lua_close(L: LuaState): void;
  luaopen_base(L: LuaState): number;
  luaopen_table(L: LuaState): number;
  luaopen_string(L: LuaState): number;
  luaopen_math(L: LuaState): number;
  luaopen_debug(L: LuaState): number;
  luaopen_os(L: LuaState): number;
  luaL_loadbuffer(L: LuaState, buf: number, size: number, name: number): number;
  luaL_ref(L: LuaState, t: number): number;
  luaL_unref(L: LuaState, t: number, ref: number): void;
  luaL_newmetatable(L: LuaState, name: number): number;
  luaL_checkstack(L: LuaState, n: number, msg: number): void;
  lua_checkstack(L: LuaState, n: number): number;
  lua_gettop(L: LuaState): number;
  lua_settop(L: LuaState, idx: number): void;
  lua_pushvalue(L: LuaState, idx: number): void;
  lua_remove(L: LuaState, idx: number): void;
  lua_insert(L: LuaState, idx: number): void;
  lua_replace(L: LuaState, idx: number): void;
  lua_type(L: LuaState, idx: number): number;
  lua_toboolean(L: LuaState, idx: number): number;
  lua_tonumber(L: LuaState, idx: number): number;
  lua_tointeger(L: LuaState, idx: number): number;
  lua_tolstring(L: LuaState, idx: number, len: number): number;
  lua_isnumber(L: LuaState, idx: number): number;
  lua_isstring(L: LuaState, idx: number): number;
  lua_objlen(L: LuaState, idx: number): number;
  lua_topointer(L: LuaState, idx: number): number;
  lua_pushnil(L: LuaState): void;
  lua_pushnumber(L: LuaState, n: number): void;
  lua_pushinteger(L: LuaState, n: number): void;
  lua_pushlstring(L: LuaState, s: number, len: number): void;
  lua_pushboolean(L: LuaState, b: number): void;
  lua_pushcclosure(L: LuaState, fn: number, n: number): void;
  lua_pushlightuserdata(L: LuaState, p: number): void;
  lua_createtable(L: LuaState, narr: number, nrec: number): void;
  lua_gettable(L: LuaState, idx: number): void;
  lua_getfield(L: LuaState, idx: number, k: number): void;
  lua_rawget(L: LuaState, idx: number): void;
  lua_rawgeti(L: LuaState, idx: number, n: number): void;
  lua_settable(L: LuaState, idx: number): void;
  lua_setfield(L: LuaState, idx: number, k: number): void;
  lua_rawset(L: LuaState, idx: number): void;
  lua_rawseti(L: LuaState, idx: number, n: number): void;
  lua_getmetatable(L: LuaState, idx: number): number;
  lua_setmetatable(L: LuaState, idx: number): number;
  lua_next(L: LuaState, idx: number): number;
  lua_pcall(L: LuaState, nargs: number, nresults: number, errfunc: number): number;
  lua_call(L: LuaState, nargs: number, nresults: number): void;
  lua_error(L: LuaState): number;
  lua_newthread(L: LuaState): LuaState;
  lua_tothread(L: LuaState, idx: number): LuaState;
  lua_resume(L: LuaState, nargs: number): number;
  lua_yield(L: LuaState, nresults: number): number;
  lua_status(L: LuaState): number;
  lua_xmove(from: LuaState, to: LuaState, n: number): void;
  lua_sethook(L: LuaState, fn: number, mask: number, count: number): void;
  lua_getstack(L: LuaState, level: number, ar: number): number;
  lua_getinfo(L: LuaState, what: number, ar: number): number;
  lua_gc(L: LuaState, what: number, data: number): number;
  lua_concat(L: LuaState, n: number): void;
  lua_rawequal(L: LuaState, a: number, b: number): number;
  lua_equal(L: LuaState, a: number, b: number): number;
  lua_lessthan(L: LuaState, a: number, b: number): number;
  luaL_error(L: LuaState, fmt: number): number;
  lua_setfenv(L: LuaState, idx: number): number;
  lua_getfenv(L: LuaState, idx: number): void;
}

interface Exports extends LuaApi {
  memory: WasmMemory;
  __indirect_function_table: WasmTable;
  __wasm_call_ctors(): void;
  emscripten_stack_init?: () => void;
  malloc(n: number): number;
  free(p: number): void;
  realloc(p: number, n: number): number;
  lua_newstate(alloc: number, ud: number): LuaState;
  setThrew(threw: number, value: number): void;
  stackSave(): number;
  stackRestore(sp: number): void;
}

let compiled: WasmModule | null = null;

function wasmModule(): WasmModule {
  if (compiled === null) {
    const path = createRequire(import.meta.url).resolve("wasmoon-lua5.1/dist/liblua5.1.wasm");
    compiled = new WebAssembly.Module(readFileSync(path));
  }
  return compiled;
}

/** A wasm function that calls `fn`, so it can go in the function table (a JS function cannot). */
function wasmWrapper(fn: (...a: number[]) => number | void, sig: "ii" | "vii"): unknown {
  // (module (type (func (param i32 ...) (result i32)?)) (import "e" "f" (func (type 0))) (export "f" (func 0)))
  const params = sig.length - 1;
  const type = [0x01, 0x60, params, ...Array<number>(params).fill(0x7f), ...(sig[0] === "v" ? [0x00] : [0x01, 0x7f])];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(0x01, type),
    ...section(0x02, [0x01, 0x01, 0x65, 0x01, 0x66, 0x00, 0x00]),
    ...section(0x07, [0x01, 0x01, 0x66, 0x00, 0x00]),
  ]);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { f: fn } });
  return inst.exports["f"]!;
}

const latin1 = (buf: ArrayBuffer, p: number, n: number) => Buffer.from(buf, p, n).toString("latin1");

/** One Lua universe (its own memory); {@link LuaVm.L} its main state. */
export class LuaVm {
  readonly api: LuaApi;
  readonly L: LuaState;
  private readonly ex: Exports;
  private u8: Uint8Array;
  /** The same memory as a Buffer (its latin1Slice), renewed with u8 when the memory grows. */
  private hb: LatinBuffer;
  private scratch: number;
  private scratchSize = 4096;
  private readonly lenPtr: number;
  private readonly names = new Map<string, number>();
  /** Output of `print` (Lua's stdout), which Redis sends to its own stdout: kept for the log instead. */
  onPrint: (text: string) => void = () => {};

  private constructor() {
    let ex: Exports | null = null;
    const u8 = () => new Uint8Array(ex!.memory.buffer);
    const u32 = () => new Uint32Array(ex!.memory.buffer);
    const ENOSYS = -52;
    const env = {
      exit: (code: number) => {
        throw new Error(`Lua VM exited (${code})`);
      },
      invoke_vii: (index: number, a: number, b: number) => {
        const sp = ex!.stackSave();
        try {
          (ex!.__indirect_function_table.get(index) as (a: number, b: number) => void)(a, b);
        } catch (e) {
          ex!.stackRestore(sp);
          if (typeof e !== "number") throw e;
          ex!.setThrew(1, 0);
        }
      },
      _emscripten_throw_longjmp: () => {
        throw Infinity;
      },
      strftime: () => 0,
      emscripten_memcpy_js: (dest: number, src: number, n: number) => {
        u8().copyWithin(dest, src, src + n);
      },
      emscripten_date_now: () => Date.now(),
      _emscripten_get_now_is_monotonic: () => 1,
      __syscall_openat: () => ENOSYS,
      __syscall_fcntl64: () => ENOSYS,
      __syscall_ioctl: () => ENOSYS,
      __syscall_dup3: () => ENOSYS,
      __syscall_unlinkat: () => ENOSYS,
      __syscall_rmdir: () => ENOSYS,
      __syscall_renameat: () => ENOSYS,
      __syscall_readlinkat: () => ENOSYS,
      _emscripten_system: () => -1,
      _tzset_js: () => {},
      _mktime_js: () => -1,
      _localtime_js: () => {},
      _gmtime_js: () => {},
      emscripten_resize_heap: (requested: number) => {
        const mem = ex!.memory;
        const have = mem.buffer.byteLength;
        if (requested <= have) return 1;
        const want = Math.max(requested, Math.min(have * 2, have + 256 * 1024 * 1024));
        try {
          mem.grow(Math.ceil((want - have) / 65536));
          return 1;
        } catch {
          return 0;
        }
      },
    };
    const wasi = {
      fd_write: (_fd: number, iov: number, iovcnt: number, pnum: number) => {
        const w = u32();
        let n = 0;
        let text = "";
        for (let i = 0; i < iovcnt; i++) {
          const p = w[(iov >> 2) + i * 2]!;
          const len = w[(iov >> 2) + i * 2 + 1]!;
          text += latin1(ex!.memory.buffer, p, len);
          n += len;
        }
        if (text.length > 0) this.onPrint(text);
        w[pnum >> 2] = n;
        return 0;
      },
      fd_read: () => 8,
      fd_close: () => 0,
      fd_seek: () => 70,
      environ_sizes_get: (count: number, size: number) => {
        const w = u32();
        w[count >> 2] = 0;
        w[size >> 2] = 0;
        return 0;
      },
      environ_get: () => 0,
    };
    const inst = new WebAssembly.Instance(wasmModule(), { env, wasi_snapshot_preview1: wasi });
    ex = inst.exports as unknown as Exports;
    this.ex = ex;
    this.api = ex;
    ex.emscripten_stack_init?.();
    ex.__wasm_call_ctors();
    this.u8 = u8();
    this.hb = Buffer.from(ex.memory.buffer) as LatinBuffer;
    this.scratch = ex.malloc(this.scratchSize);
    this.lenPtr = ex.malloc(8);
    // Lua's allocations through free lists (lua_alloc.ts) instead of the module's malloc, from the state's first block.
    const table = ex.__indirect_function_table;
    const allocAt = table.grow(1);
    table.set(allocAt, luaAllocator(ex).fn);
    this.L = ex.lua_newstate(allocAt, 0);
  }

  /** A new VM (compiles the module on the first call: some 10 ms). */
  static create(): LuaVm {
    return new LuaVm();
  }

  private heap(): Uint8Array {
    if (this.u8.byteLength === 0) {
      this.u8 = new Uint8Array(this.ex.memory.buffer);
      this.hb = Buffer.from(this.ex.memory.buffer) as LatinBuffer;
    }
    return this.u8;
  }

  /** Room for n bytes in the scratch buffer (grown as needed; its address). */
  private room(n: number): number {
    if (n > this.scratchSize) {
      this.ex.free(this.scratch);
      this.scratchSize = Math.max(n, this.scratchSize * 2);
      this.scratch = this.ex.malloc(this.scratchSize);
      if (this.scratch === 0) throw new RangeError("Lua VM: out of memory");
    }
    return this.scratch;
  }

  /** Pushes a byte string (a latin1 JS string). */
  pushString(L: LuaState, s: string): void {
    const n = s.length;
    const p = this.room(n);
    const h = this.heap();
    if (n < 256) for (let i = 0; i < n; i++) h[p + i] = s.charCodeAt(i);
    else h.set(Buffer.from(s, "latin1"), p);
    this.api.lua_pushlstring(L, p, n);
  }

  /** Pushes bytes. */
  pushBytes(L: LuaState, b: Uint8Array): void {
    const p = this.room(b.length);
    this.heap().set(b, p);
    this.api.lua_pushlstring(L, p, b.length);
  }

  /** The string at idx (a number is converted in place, as lua_tolstring does), or null when it is neither. */
  toString(L: LuaState, idx: number): string | null {
    const p = this.api.lua_tolstring(L, idx, this.lenPtr);
    if (p === 0) return null;
    const h = this.heap();
    const n = h[this.lenPtr]! | (h[this.lenPtr + 1]! << 8) | (h[this.lenPtr + 2]! << 16) | (h[this.lenPtr + 3]! << 24);
    // A flat string: one built by += is a rope from 13 chars on, which a Map lookup (a key) must flatten first.
    return latin1At(this.hb, p, n);
  }

  /** The bytes of the string at idx (a copy), or null. */
  toBytes(L: LuaState, idx: number): Uint8Array | null {
    const p = this.api.lua_tolstring(L, idx, this.lenPtr);
    if (p === 0) return null;
    const h = this.heap();
    const n = new DataView(h.buffer).getUint32(this.lenPtr, true);
    return h.slice(p, p + n);
  }

  /** A NUL-terminated constant string in the VM's memory (allocated once per distinct text). */
  cstr(s: string): number {
    let p = this.names.get(s);
    if (p === undefined) {
      const b = Buffer.from(s + "\0", "latin1");
      p = this.ex.malloc(b.length);
      this.heap().set(b, p);
      this.names.set(s, p);
    }
    return p;
  }

  /**
   * A JS function callable from Lua (its address, for lua_pushcclosure).
   * A JS exception escaping `fn` becomes a Lua error (a longjmp through JS
   * frames is fine; a JS throw through the VM's frames would not be).
   */
  cfunction(fn: CFunction): number {
    const table = this.ex.__indirect_function_table;
    const wrapped = (L: LuaState): number => {
      let msg: string;
      try {
        return fn(L);
      } catch (e) {
        if (typeof e === "number") throw e;
        msg = e instanceof Error ? e.message : String(e);
      }
      this.pushString(L, msg);
      return this.api.lua_error(L);
    };
    const at = table.grow(1);
    table.set(at, wasmWrapper(wrapped, "ii"));
    return at;
  }

  /** A hook (lua_sethook's function): `fn(L, ar)`, ar the lua_Debug record's address. */
  hook(fn: (L: LuaState, ar: number) => void): number {
    const table = this.ex.__indirect_function_table;
    const at = table.grow(1);
    table.set(at, wasmWrapper(fn, "vii"));
    return at;
  }

  /** Compiles `code` (bytes) as a chunk named `name`; leaves the function, or the error message, on the stack. */
  load(L: LuaState, code: string, name: string): number {
    const p = this.room(code.length);
    this.heap().set(Buffer.from(code, "latin1"), p);
    return this.api.luaL_loadbuffer(L, p, code.length, this.cstr(name));
  }

  /** Sets field `k` of the table at idx to the C function fn. */
  setFunction(L: LuaState, idx: number, k: string, fn: CFunction): void {
    this.api.lua_pushcclosure(L, this.cfunction(fn), 0);
    this.api.lua_setfield(L, idx < 0 && idx > LUA_REGISTRYINDEX ? idx - 1 : idx, this.cstr(k));
  }

  /** `what` of the lua_Debug at ar after lua_getinfo(L, "S", ar): "Lua", "C" or "main". */
  debugWhat(ar: number): string {
    const h = this.heap();
    const p = new DataView(h.buffer).getUint32(ar + 12, true);
    let s = "";
    for (let i = p; h[i] !== 0; i++) s += String.fromCharCode(h[i]!);
    return s;
  }

  /** short_src of the lua_Debug at ar after lua_getinfo(L, "S", ar) (`user_script`, `[C]`). */
  debugShortSrc(ar: number): string {
    const h = this.heap();
    let s = "";
    for (let i = ar + 36; i < ar + 96 && h[i] !== 0; i++) s += String.fromCharCode(h[i]!);
    return s;
  }

  /** source of the lua_Debug at ar after lua_getinfo(L, "S", ar) (`@user_script`). */
  debugSource(ar: number): string {
    const h = this.heap();
    const p = new DataView(h.buffer).getUint32(ar + 16, true);
    let s = "";
    for (let i = p; h[i] !== 0; i++) s += String.fromCharCode(h[i]!);
    return s;
  }

  /** currentline of the lua_Debug at ar after lua_getinfo(L, "l", ar). */
  debugLine(ar: number): number {
    return new DataView(this.heap().buffer).getInt32(ar + 20, true);
  }

  /** Allocates n bytes of VM memory (never freed: for long-lived records such as a lua_Debug). */
  alloc(n: number): number {
    return this.ex.malloc(n);
  }

  /** Bytes of memory the VM has (Redis' used_memory_lua is the allocator's figure; this is the heap's size). */
  memoryBytes(): number {
    return this.ex.memory.buffer.byteLength;
  }
}
