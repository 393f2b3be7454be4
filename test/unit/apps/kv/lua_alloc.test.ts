/**
 * The Lua VM's allocator (scripting/lua_alloc.ts), driven as Lua drives a
 * lua_Alloc, over a real WebAssembly memory and a simple bump allocator as
 * the "module's" malloc: every live block keeps its bytes across resizes,
 * no two live blocks overlap, and a failed malloc is a null answer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { luaAllocator } from "../../../../src/apps/kv/scripting/lua_alloc.js";
import { WebAssembly } from "../../../../src/apps/kv/scripting/wasm_api.js";

type Alloc = (ud: number, ptr: number, osize: number, nsize: number) => number;

/** A memory with a bump "malloc" (free is a no-op, realloc copies), and a switch to make malloc fail. */
function harness() {
  const memory = new WebAssembly.Memory({ initial: 64 });
  let top = 1024;
  let failing = false;
  const big = new Map<number, number>();
  const malloc = (n: number): number => {
    if (failing || top + n > memory.buffer.byteLength) return 0;
    const p = top;
    top += (n + 15) & ~15;
    big.set(p, n);
    return p;
  };
  const free = (p: number): void => {
    assert.ok(big.has(p), `free of ${p}, which malloc did not give`);
    big.delete(p);
  };
  const realloc = (p: number, n: number): number => {
    const q = malloc(n);
    if (q === 0) return 0;
    const u8 = new Uint8Array(memory.buffer);
    u8.copyWithin(q, p, p + Math.min(n, big.get(p)!));
    free(p);
    return q;
  };
  const alloc = luaAllocator({ memory, malloc, free, realloc }).fn as Alloc;
  return { memory, alloc, fail: (on: boolean) => (failing = on), bigLive: () => big.size };
}

test("blocks keep their bytes through resizes across classes and sizes, and never overlap", () => {
  const sizes = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 2000 }));
  const op = fc.oneof(
    fc.record({ kind: fc.constant("new" as const), size: sizes }),
    fc.record({ kind: fc.constant("resize" as const), pick: fc.nat(), size: sizes }),
    fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const { memory, alloc } = harness();
      const live: { p: number; size: number; fill: number }[] = [];
      let fill = 1;
      const u8 = () => new Uint8Array(memory.buffer);
      const check = (b: { p: number; size: number; fill: number }) => {
        const m = u8();
        for (let i = 0; i < b.size; i++) assert.equal(m[b.p + i], (b.fill + i) & 0xff, `block at ${b.p} byte ${i}`);
      };
      const paint = (b: { p: number; size: number; fill: number }) => {
        const m = u8();
        for (let i = 0; i < b.size; i++) m[b.p + i] = (b.fill + i) & 0xff;
      };
      for (const o of ops) {
        if (o.kind === "new") {
          const p = alloc(0, 0, 0, o.size);
          assert.notEqual(p, 0);
          assert.equal(p % 8, 0, "8-byte aligned");
          const b = { p, size: o.size, fill: fill++ };
          paint(b);
          live.push(b);
        } else if (live.length > 0) {
          const i = o.pick % live.length;
          const b = live[i]!;
          check(b);
          if (o.kind === "free") {
            assert.equal(alloc(0, b.p, b.size, 0), 0);
            live.splice(i, 1);
          } else {
            const q = alloc(0, b.p, b.size, o.size);
            assert.notEqual(q, 0);
            const kept = { p: q, size: Math.min(b.size, o.size), fill: b.fill };
            check(kept);
            b.p = q;
            b.size = o.size;
            paint(b);
          }
        }
      }
      // Every live block intact and disjoint from every other.
      const sorted = [...live].sort((a, b) => a.p - b.p);
      for (let i = 0; i < sorted.length; i++) {
        check(sorted[i]!);
        if (i > 0) assert.ok(sorted[i - 1]!.p + sorted[i - 1]!.size <= sorted[i]!.p, "blocks overlap");
      }
    }),
    { numRuns: 200 },
  );
});

test("a freed small block is reused for its class, a big one goes back to the module's free", () => {
  const { alloc, bigLive } = harness();
  const a = alloc(0, 0, 0, 40);
  const b = alloc(0, 0, 0, 40);
  alloc(0, a, 40, 0);
  assert.equal(alloc(0, 0, 0, 33), a, "the freed 48-byte block serves a 33-byte request");
  assert.notEqual(alloc(0, 0, 0, 40), b);
  const before = bigLive();
  const big = alloc(0, 0, 0, 1000);
  assert.equal(bigLive(), before + 1);
  alloc(0, big, 1000, 0);
  assert.equal(bigLive(), before);
  // A resize within a class keeps the block.
  assert.equal(alloc(0, b, 40, 47), b);
});

test("out of memory is a null answer, never a corrupted list", () => {
  const { alloc, fail } = harness();
  const first = alloc(0, 0, 0, 16); // takes a slab
  fail(true);
  assert.equal(alloc(0, 0, 0, 5000), 0, "a big block");
  assert.equal(alloc(0, first, 16, 600), 0, "a small block grown big");
  // The slab still has room for small blocks; and a failed resize left the old block alive.
  assert.notEqual(alloc(0, 0, 0, 16), 0);
  assert.equal(alloc(0, first, 16, 10), first, "a resize within its class needs no memory");
  fail(false);
  assert.notEqual(alloc(0, 0, 0, 5000), 0);
});
