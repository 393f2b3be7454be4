/**
 * The Lua VM's allocator (its `lua_Alloc`): size classes of 16 bytes up
 * to 256 with a free list each, carved from 64 KB slabs, and the module's
 * own malloc/realloc/free beyond. Measured under callgrind, the module's
 * malloc + free cost some 1,000 instructions a pair, and a script's run
 * allocates a dozen small blocks (KEYS, ARGV, strings, reply tables): with
 * free lists an allocation is a few dozen. Lua passes every block's size
 * when it frees or resizes one (lua_Alloc's `osize`), so a block needs no
 * header: its class is its size's. Small blocks go back to their list,
 * never to the module's malloc; slabs are never returned (as the free
 * lists of a long-lived VM, their size is the peak of small blocks).
 *
 * It is a WebAssembly function written out here in bytes (no toolchain: a
 * few dozen instructions), importing the VM's memory and allocator, so that
 * it can sit in the VM's function table and be called by Lua directly.
 */

import { type WasmMemory, type WasmModule, WebAssembly } from "./wasm_api.js";

/** Blocks up to this size come from the free lists. */
const SMALL_MAX = 256;
const SLAB = 65536;

/** The allocator of one VM: `fn`, a lua_Alloc for its function table. */
export interface LuaAllocator {
  readonly fn: unknown;
}

interface VmExports {
  memory: WasmMemory;
  malloc(n: number): number;
  free(p: number): void;
  realloc(p: number, n: number): number;
}

// Opcodes used below.
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22, GLOBAL_GET = 0x23, GLOBAL_SET = 0x24;
const I32_CONST = 0x41, I32_LOAD = 0x28, I32_STORE = 0x36, I32_EQZ = 0x45, I32_EQ = 0x46, I32_LT_U = 0x49, I32_GT_U = 0x4b, I32_LE_U = 0x4d;
const I32_ADD = 0x6a, I32_SHL = 0x74, I32_SHR_U = 0x76, CALL = 0x10, IF = 0x04, ELSE = 0x05, END = 0x0b, RETURN = 0x0f, SELECT = 0x1b;
const VOID = 0x40, I32 = 0x7f;
const MEMORY_COPY = [0xfc, 0x0a, 0x00, 0x00];
const MEM = [0x02, 0x00]; // align 4, offset 0

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const's immediate). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const get = (i: number) => [LOCAL_GET, i];
const set = (i: number) => [LOCAL_SET, i];
const tee = (i: number) => [LOCAL_TEE, i];
const k = (n: number) => [I32_CONST, ...sleb(n)];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const str = (s: string) => [...uleb(s.length), ...Buffer.from(s, "latin1")];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
/** A function body: its locals (all i32) and code. */
const body = (locals: number, code: number[]) => {
  const b = [...(locals > 0 ? [1, ...uleb(locals), I32] : [0]), ...code, END];
  return [...uleb(b.length), ...b];
};
/** (size + 15) >> 4: the class of a size, on the stack. */
const classOf = (local: number) => [...get(local), ...k(15), I32_ADD, ...k(4), I32_SHR_U];
const isSmall = (local: number) => [...get(local), ...k(SMALL_MAX), I32_LE_U];

// Imported functions 0 malloc, 1 free, 2 realloc; defined 3 alloc, 4 allocSmall, 5 freeSmall.
// Globals: 0 heads (address of the list heads), 1 slab pointer, 2 slab end.
const MALLOC = 0, FREE = 1, REALLOC = 2, ALLOC_SMALL = 4, FREE_SMALL = 5;
const HEADS = 0, SLAB_PTR = 1, SLAB_END = 2;

/** allocSmall(n): the head of n's list, or the next block of the slab (a new slab when it is used up); 0 when out of memory. */
const allocSmall = body(4, [
  // locals: 0 n, 1 class, 2 head address, 3 p, 4 size
  ...classOf(0), ...set(1),
  GLOBAL_GET, HEADS, ...get(1), ...k(2), I32_SHL, I32_ADD, ...set(2),
  ...get(2), I32_LOAD, ...MEM, ...tee(3),
  IF, VOID, ...get(2), ...get(3), I32_LOAD, ...MEM, I32_STORE, ...MEM, ...get(3), RETURN, END,
  ...get(1), ...k(4), I32_SHL, ...set(4),
  GLOBAL_GET, SLAB_PTR, ...get(4), I32_ADD, GLOBAL_GET, SLAB_END, I32_GT_U,
  IF, VOID,
  ...k(SLAB), CALL, MALLOC, ...tee(3), I32_EQZ, IF, VOID, ...k(0), RETURN, END,
  ...get(3), GLOBAL_SET, SLAB_PTR,
  ...get(3), ...k(SLAB), I32_ADD, GLOBAL_SET, SLAB_END,
  END,
  GLOBAL_GET, SLAB_PTR, ...tee(3), ...get(4), I32_ADD, GLOBAL_SET, SLAB_PTR,
  ...get(3),
]);

/** freeSmall(p, size): p onto its class's list. */
const freeSmall = body(1, [
  // locals: 0 p, 1 size, 2 head address
  GLOBAL_GET, HEADS, ...classOf(1), ...k(2), I32_SHL, I32_ADD, ...set(2),
  ...get(0), ...get(2), I32_LOAD, ...MEM, I32_STORE, ...MEM,
  ...get(2), ...get(0), I32_STORE, ...MEM,
]);

/** alloc(ud, ptr, osize, nsize): lua_Alloc. */
const alloc = body(1, [
  // locals: 0 ud, 1 ptr, 2 osize, 3 nsize, 4 q
  // Free.
  ...get(3), I32_EQZ,
  IF, VOID,
  ...get(1), IF, VOID,
  ...isSmall(2), IF, VOID, ...get(1), ...get(2), CALL, FREE_SMALL, ELSE, ...get(1), CALL, FREE, END,
  END,
  ...k(0), RETURN,
  END,
  // New.
  ...get(1), I32_EQZ,
  IF, VOID,
  ...isSmall(3), IF, VOID, ...get(3), CALL, ALLOC_SMALL, RETURN, END,
  ...get(3), CALL, MALLOC, RETURN,
  END,
  // Resize a small block: the same class stays; else a new block, the bytes copied, the old one freed.
  ...isSmall(2),
  IF, VOID,
  ...isSmall(3), IF, VOID, ...classOf(2), ...classOf(3), I32_EQ, IF, VOID, ...get(1), RETURN, END, END,
  ...isSmall(3), IF, I32, ...get(3), CALL, ALLOC_SMALL, ELSE, ...get(3), CALL, MALLOC, END,
  ...tee(4), I32_EQZ, IF, VOID, ...k(0), RETURN, END,
  ...get(4), ...get(1), ...get(2), ...get(3), ...get(2), ...get(3), I32_LT_U, SELECT, ...MEMORY_COPY,
  ...get(1), ...get(2), CALL, FREE_SMALL,
  ...get(4), RETURN,
  END,
  // Resize a big block to a small one: copied into a small block, the big one freed.
  ...isSmall(3),
  IF, VOID,
  ...get(3), CALL, ALLOC_SMALL, ...tee(4), I32_EQZ, IF, VOID, ...k(0), RETURN, END,
  ...get(4), ...get(1), ...get(3), ...MEMORY_COPY,
  ...get(1), CALL, FREE,
  ...get(4), RETURN,
  END,
  // Big to big: the module's realloc.
  ...get(1), ...get(3), CALL, REALLOC,
]);

const FUNC = 0x60;
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, vec([
    [FUNC, 1, I32, 1, I32], // 0: (i32) -> i32
    [FUNC, 1, I32, 0], // 1: (i32) -> ()
    [FUNC, 2, I32, I32, 1, I32], // 2: (i32, i32) -> i32
    [FUNC, 4, I32, I32, I32, I32, 1, I32], // 3: lua_Alloc
    [FUNC, 2, I32, I32, 0], // 4: (i32, i32) -> ()
  ])),
  ...section(2, vec([
    [...str("e"), ...str("m"), 0x02, 0x00, 0x00],
    [...str("e"), ...str("malloc"), 0x00, 0],
    [...str("e"), ...str("free"), 0x00, 1],
    [...str("e"), ...str("realloc"), 0x00, 2],
  ])),
  ...section(3, vec([[3], [0], [4]])),
  ...section(6, vec([0, 0, 0].map(() => [I32, 0x01, ...k(0), END]))),
  ...section(7, vec([
    [...str("alloc"), 0x00, 3],
    [...str("heads"), 0x03, HEADS],
  ])),
  ...section(10, vec([alloc, allocSmall, freeSmall])),
]);

let compiled: WasmModule | null = null;

/** The allocator for a VM with these exports: `fn`, a lua_Alloc to put in the VM's function table. */
export function luaAllocator(vm: VmExports): LuaAllocator {
  compiled ??= new WebAssembly.Module(MODULE);
  const inst = new WebAssembly.Instance(compiled, { e: { m: vm.memory, malloc: vm.malloc, free: vm.free, realloc: vm.realloc } });
  const heads = vm.malloc(4 * (SMALL_MAX / 16 + 1));
  if (heads === 0) throw new RangeError("Lua VM: out of memory");
  new Uint8Array(vm.memory.buffer, heads, 4 * (SMALL_MAX / 16 + 1)).fill(0);
  (inst.exports["heads"] as { value: number }).value = heads;
  return { fn: inst.exports["alloc"] };
}
