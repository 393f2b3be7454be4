import assert from "node:assert/strict";
import { test } from "node:test";
import { EtfDecodeError, Tag, decode } from "../../../src/etf/index.js";
import { T } from "../../../src/etf/tag_literals.js";
import { atom } from "../../../src/term/index.js";

const text = (s: string): number[] => [...Buffer.from(s, "latin1")];
const smallAtom = (tag: number, s: string): Uint8Array => new Uint8Array([131, tag, s.length, ...text(s)]);

test("decode's literal tags are tags.ts's", () => {
  assert.equal(T.ATOM, Tag.ATOM);
  assert.equal(T.ATOM_CACHE_REF, Tag.ATOM_CACHE_REF);
  assert.equal(T.ATOM_UTF8, Tag.ATOM_UTF8);
  assert.equal(T.BINARY, Tag.BINARY);
  assert.equal(T.BIT_BINARY, Tag.BIT_BINARY);
  assert.equal(T.COMPRESSED, Tag.COMPRESSED);
  assert.equal(T.EXPORT, Tag.EXPORT);
  assert.equal(T.FLOAT, Tag.FLOAT);
  assert.equal(T.INTEGER, Tag.INTEGER);
  assert.equal(T.LARGE_BIG, Tag.LARGE_BIG);
  assert.equal(T.LARGE_TUPLE, Tag.LARGE_TUPLE);
  assert.equal(T.LIST, Tag.LIST);
  assert.equal(T.LOCAL, Tag.LOCAL);
  assert.equal(T.MAP, Tag.MAP);
  assert.equal(T.NEWER_REFERENCE, Tag.NEWER_REFERENCE);
  assert.equal(T.NEW_FLOAT, Tag.NEW_FLOAT);
  assert.equal(T.NEW_FUN, Tag.NEW_FUN);
  assert.equal(T.NEW_PID, Tag.NEW_PID);
  assert.equal(T.NEW_PORT, Tag.NEW_PORT);
  assert.equal(T.NEW_REFERENCE, Tag.NEW_REFERENCE);
  assert.equal(T.NIL, Tag.NIL);
  assert.equal(T.PID, Tag.PID);
  assert.equal(T.PORT, Tag.PORT);
  assert.equal(T.REFERENCE, Tag.REFERENCE);
  assert.equal(T.SMALL_ATOM, Tag.SMALL_ATOM);
  assert.equal(T.SMALL_ATOM_UTF8, Tag.SMALL_ATOM_UTF8);
  assert.equal(T.SMALL_BIG, Tag.SMALL_BIG);
  assert.equal(T.SMALL_INTEGER, Tag.SMALL_INTEGER);
  assert.equal(T.SMALL_TUPLE, Tag.SMALL_TUPLE);
  assert.equal(T.STRING, Tag.STRING);
  assert.equal(T.V4_PORT, Tag.V4_PORT);
  assert.equal(T.VERSION, Tag.VERSION);
});

test("the atom cache tells apart atoms of one length that differ in any single byte", () => {
  // Atoms are cached by a hash of a few bytes and compared word by word: each variant must still decode to itself,
  // whether it or the base sits in the cache slot (lengths cover whole words, partial tails and the uncached > 64).
  for (let n = 1; n <= 70; n++) {
    const base = "a".repeat(n);
    for (let i = 0; i < n; i++) {
      const variant = base.slice(0, i) + "b" + base.slice(i + 1);
      for (const tag of [Tag.SMALL_ATOM_UTF8, Tag.SMALL_ATOM]) {
        assert.equal(decode(smallAtom(tag, base)), atom(base), `${n} bytes`);
        assert.equal(decode(smallAtom(tag, variant)), atom(variant), `${n} bytes, byte ${i}`);
        assert.equal(decode(smallAtom(tag, variant)), atom(variant), `${n} bytes, byte ${i}, cached`);
        assert.equal(decode(smallAtom(tag, base)), atom(base), `${n} bytes, after byte ${i}`);
      }
    }
  }
});

test("true and false stay booleans when found in the atom cache, in a tuple and as a pid's node", () => {
  for (let k = 0; k < 3; k++) {
    assert.equal(decode(smallAtom(Tag.SMALL_ATOM_UTF8, "true")), true);
    assert.equal(decode(smallAtom(Tag.SMALL_ATOM_UTF8, "false")), false);
    assert.deepEqual([...(decode(new Uint8Array([131, 104, 2, 119, 4, ...text("true"), 97, 1])) as unknown[])], [true, 1]);
  }
  // A pid naming node 'true' holds the atom, not the boolean.
  const pid = decode(new Uint8Array([131, 88, 119, 4, ...text("true"), 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3])) as { node: unknown };
  assert.equal(pid.node, atom("true"));
});

test("a truncated pid or reference fails with the offset of the missing field", () => {
  const node = [119, 1, ...text("a")];
  const cases: [number[], number, RegExp][] = [
    [[131, 88, ...node, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0], 13, /32-bit field/],
    [[131, 88, 119, 9, ...text("a")], 4, /atom text/],
    [[131, 90, 0, 2, ...node, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0], 15, /32-bit field/],
    [[131, 90, 0, 6, ...node, 0, 0, 0, 1], 1, /1 to 5 reference words/],
    [[131, 90, 0, 0, ...node, 0, 0, 0, 1], 1, /1 to 5 reference words/],
    [[131, 90, 0], 2, /16-bit length/],
  ];
  for (const [bytes, offset, what] of cases) {
    assert.throws(
      () => decode(new Uint8Array(bytes)),
      (e: unknown) => e instanceof EtfDecodeError && e.offset === offset && what.test(e.message),
      `${bytes.join(",")}`,
    );
  }
});

test("a reference of 1 to 5 words decodes each word in order (three by a literal, the others by a loop)", () => {
  const node = [119, 1, ...text("a")];
  for (let len = 1; len <= 5; len++) {
    const words = Array.from({ length: len }, (_, i) => 0x01020304 * (i + 1));
    const bytes = [131, 90, 0, len, ...node, 0, 0, 0, 9];
    for (const w of words) bytes.push((w >>> 24) & 255, (w >>> 16) & 255, (w >>> 8) & 255, w & 255);
    const ref = decode(new Uint8Array(bytes)) as { node: unknown; creation: number; ids: number[] };
    assert.equal(ref.node, atom("a"));
    assert.equal(ref.creation, 9);
    assert.deepEqual(ref.ids, words);
  }
});

test("atoms inside a term are told apart whatever bytes follow them (short atoms are read as a masked word)", () => {
  // An atom of 1..3 bytes is read with the bytes after it and masked to its length: what follows must not matter,
  // and two atoms differing only in a byte must not meet in the cache.
  for (let n = 1; n <= 17; n++) {
    const base = "c".repeat(n);
    for (let i = 0; i < n; i++) {
      const variant = base.slice(0, i) + "d" + base.slice(i + 1);
      for (const next of [0, 1, 99, 255]) {
        for (const name of [base, variant, base]) {
          const t = decode(new Uint8Array([131, 104, 2, 119, n, ...text(name), 97, next])) as unknown[];
          assert.deepEqual([...t], [atom(name), next], `${name} then ${next}`);
          const l = decode(new Uint8Array([131, 108, 0, 0, 0, 1, 119, n, ...text(name), 106])) as unknown[];
          assert.deepEqual(l, [atom(name)], `[${name}]`);
        }
      }
    }
  }
});

test("a pid's or reference's node is the node named, when the last node read differs in any single byte", () => {
  // Node names are first compared with the last one read (no hash): every byte must count, at every length.
  const pidOf = (name: string): number[] => [88, 119, name.length, ...text(name), 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
  const refOf = (name: string): number[] => [90, 0, 3, 119, name.length, ...text(name), 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7];
  for (let n = 1; n <= 20; n++) {
    const base = "n".repeat(n);
    for (let i = 0; i < n; i++) {
      const variant = base.slice(0, i) + "o" + base.slice(i + 1);
      for (const [a, b] of [[base, variant], [variant, base], [variant, variant]]) {
        const t = decode(new Uint8Array([131, 104, 2, ...pidOf(a!), ...refOf(b!)])) as { node: unknown }[];
        assert.equal(t[0]!.node, atom(a!), `pid ${a}`);
        assert.equal(t[1]!.node, atom(b!), `ref ${b} after ${a}`);
      }
    }
  }
});
