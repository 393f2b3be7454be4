import assert from "node:assert/strict";
import { test } from "node:test";
import { Decoder, EtfDecodeError, EtfEncodeError, Tag, decode, encode } from "../../../src/etf/index.js";
import { ExternalPid, ExternalRef, Float, LocalTerm, TermMap, atom, compare, equals, inspect, t } from "../../../src/term/index.js";

test("ATOM_CACHE_REF decodes against the cache passed in, and fails without it", () => {
  const cache = [atom("ok"), atom("$gen_call")];
  const bytes = new Uint8Array([104, 2, Tag.ATOM_CACHE_REF, 1, Tag.ATOM_CACHE_REF, 0]);
  const d = new Decoder(bytes, 0, { atomCache: cache });
  assert.ok(equals(d.term(), t(atom("$gen_call"), atom("ok"))));
  assert.throws(() => new Decoder(bytes, 0).term(), (e) => e instanceof EtfDecodeError && e.offset === 2 && /atom cache entry 1/.test(e.expected));
});

test("Decoder reads terms back to back (a distribution message: control then payload)", () => {
  const a = encode(t(atom("send"), 1), { noVersion: true });
  const b = encode("payload", { noVersion: true });
  const both = new Uint8Array([...a, ...b]);
  const d = new Decoder(both);
  assert.ok(equals(d.term(), t(atom("send"), 1)));
  assert.ok(equals(d.term(), "payload"));
  assert.equal(d.offset, both.length);
});

test("LOCAL_EXT is kept opaque and re-encodes byte for byte", () => {
  const bytes = new Uint8Array([131, Tag.LOCAL, 1, 2, 3, 4, 5]);
  const v = decode(bytes);
  assert.ok(v instanceof LocalTerm);
  assert.deepEqual(encode(v), bytes);
});

test("idiomatic TypeScript values encode to the documented terms", () => {
  assert.deepEqual(decode(encode("héllo")), new TextEncoder().encode("héllo")); // Elixir string
  assert.equal(decode(encode(true)), true);
  assert.equal(decode(encode(null)), atom("nil"));
  assert.equal(decode(encode(undefined)), atom("undefined"));
  assert.ok(decode(encode(new Float(3))) instanceof Float);
  assert.equal(decode(encode(2.5)), 2.5);
  assert.equal(decode(encode(2n ** 80n)), 2n ** 80n);
  assert.equal(decode(encode(12n)), 12);
  const fromObject = decode(encode({ name: "x", n: 1 })) as TermMap;
  assert.equal(fromObject.get(atom("n")), 1);
  const fromMap = decode(encode(new Map<unknown, unknown>([[t(1, 2), "v"]]))) as TermMap;
  assert.ok(equals(fromMap.get(t(1, 2)), "v"));
});

test("values with no term form are refused with EtfEncodeError", () => {
  assert.throws(() => encode(() => 1), EtfEncodeError);
  assert.throws(() => encode(Symbol("s")), EtfEncodeError);
  assert.throws(() => encode(NaN), EtfEncodeError);
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  assert.throws(() => encode(cyclic), EtfEncodeError);
});

test("compressed encoding decodes back, and is used only when smaller", () => {
  const big = Array.from({ length: 500 }, (_, i) => t(atom("item"), i % 7));
  const z = encode(big, { compressed: true });
  assert.equal(z[1], Tag.COMPRESSED);
  assert.ok(z.length < encode(big).length);
  assert.ok(equals(decode(z), big));
  assert.notEqual(encode(atom("x"), { compressed: true })[1], Tag.COMPRESSED);
});

test("errors name the offset and what was expected", () => {
  try {
    decode(new Uint8Array([131, 104, 2, 97]));
    assert.fail("should throw");
  } catch (e) {
    assert.ok(e instanceof EtfDecodeError);
    assert.equal(e.offset, 3);
    assert.match(e.message, /ETF decode error at byte 3: expected tuple elements/);
  }
  assert.throws(() => decode(new Uint8Array([130, 97, 1])), /version byte 131/);
  assert.throws(() => decode(new Uint8Array([131, 97, 1, 0])), /end of input/);
});

test("term order: numbers < atoms < refs < funs < ports < pids < tuples < maps < [] < lists < binaries", () => {
  const sorted = [t(1), 1, atom("a"), [], [1], "bin", new TermMap([[1, 2]]), 2.5].sort(compare);
  assert.equal(sorted.map(inspect).join(" "), '1 2.5 a {1} #{1 => 2} [] [1] <<"bin"/utf8>>');
});

test("encode's results stay intact whatever is encoded after them (they share output slabs)", () => {
  // Sizes that fit a slab, overflow its rest, exceed half a slab, and alternate: each result must keep its bytes.
  const sizes = [10, 1000, 3000, 5000, 20_000, 40, 7000, 900, 100_000, 3, 4100, 2000, 8000, 60];
  const terms = Array.from({ length: 60 }, (_, i) => t(i, "x".repeat(sizes[i % sizes.length]!), [i, i + 1]));
  const results: Uint8Array[] = [];
  const copies: Uint8Array[] = [];
  for (const x of terms) {
    results.push(encode(x));
    copies.push(Uint8Array.from(results[results.length - 1]!));
  }
  for (let i = 0; i < terms.length; i++) {
    assert.deepEqual(results[i], copies[i]);
    assert.ok(equals(decode(results[i]!), t(i, new TextEncoder().encode("x".repeat(sizes[i % sizes.length]!)), [i, i + 1])));
  }
  // A failed encode leaves the earlier results alone too.
  assert.throws(() => encode(t(1, Symbol("no"))), EtfEncodeError);
  for (let i = 0; i < terms.length; i++) assert.deepEqual(results[i], copies[i]);
});

test("a list's integer tuples are written as OTP writes them, and maxDepth still counts their elements", () => {
  // Each row: SMALL_TUPLE, arity, then SMALL_INTEGER (0..255) or INTEGER (other 32-bit) per element.
  const rows = [t(1, 2), t(255, 256), t(-1, 0x7fffffff, -0x80000000), t(), t(1, atom("a")), t(1, 2.5), t(1, 2, 3, 4, 5, 6, 7, 8, 9)];
  const bytes = encode(rows);
  const expected = [131, Tag.LIST, 0, 0, 0, rows.length];
  expected.push(Tag.SMALL_TUPLE, 2, Tag.SMALL_INTEGER, 1, Tag.SMALL_INTEGER, 2);
  expected.push(Tag.SMALL_TUPLE, 2, Tag.SMALL_INTEGER, 255, Tag.INTEGER, 0, 0, 1, 0);
  expected.push(Tag.SMALL_TUPLE, 3, Tag.INTEGER, 255, 255, 255, 255, Tag.INTEGER, 127, 255, 255, 255, Tag.INTEGER, 128, 0, 0, 0);
  expected.push(Tag.SMALL_TUPLE, 0);
  expected.push(Tag.SMALL_TUPLE, 2, Tag.SMALL_INTEGER, 1, Tag.SMALL_ATOM_UTF8, 1, 97);
  expected.push(Tag.SMALL_TUPLE, 2, Tag.SMALL_INTEGER, 1, Tag.NEW_FLOAT, 64, 4, 0, 0, 0, 0, 0, 0);
  expected.push(Tag.SMALL_TUPLE, 9, ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((i) => [Tag.SMALL_INTEGER, i]));
  expected.push(Tag.NIL);
  assert.deepEqual([...bytes], expected);
  assert.ok(equals(decode(bytes), rows));
  // The list is at depth 0, its tuple at 1, the tuple's integers at 2.
  assert.deepEqual([...encode([t(1, 2)], { maxDepth: 2 })], [131, Tag.LIST, 0, 0, 0, 1, Tag.SMALL_TUPLE, 2, Tag.SMALL_INTEGER, 1, Tag.SMALL_INTEGER, 2, Tag.NIL]);
  assert.throws(() => encode([t(1, 2)], { maxDepth: 1 }), EtfEncodeError);
});

test("a map over 32 keys round-trips every kind of key and value (numbers and strings take their own path)", () => {
  const kinds: unknown[] = [0, 255, 256, -1, 2 ** 31, 2 ** 53 + 2, 1.5, -0.25, new Float(3), "v", "é€", "", atom("a"), t(1, "x"), [1, 2], 10n ** 30n];
  const m = new TermMap<unknown, unknown>();
  for (let i = 0; i < 40; i++) m.set(i % 2 === 0 ? i * 1000 + 0.5 : `k${i}`, kinds[(i * 7) % kinds.length]);
  for (let i = 0; i < kinds.length; i++) m.set(kinds[i], kinds[kinds.length - 1 - i]);
  assert.ok(m.size > 32);
  const back = decode(encode(m)) as TermMap;
  assert.equal(back.size, m.size);
  for (const [k, v] of m) assert.ok(equals(back.get(k), typeof v === "string" ? new TextEncoder().encode(v) : v), inspect(k));
  assert.throws(() => encode(new TermMap<unknown, unknown>(Array.from({ length: 40 }, (_, i) => [i, i === 39 ? NaN : i] as [number, number]))), EtfEncodeError);
});

test("atoms of every length, pids and references are written byte for byte (atoms a word at a time)", () => {
  // Atoms written from their cached word form (Atom.wire) must end where the atom ends: lengths 0..255 cover every
  // padding of the last word, two-byte and three-byte UTF-8 included; the integer after each must not be clobbered.
  const enc = new TextEncoder();
  for (let len = 0; len <= 255; len++) {
    const name = len % 3 === 0 ? "a".repeat(len) : len % 3 === 1 ? "é".repeat(len >> 1) + "b".repeat(len & 1) : "€".repeat(Math.floor(len / 3)) + "c".repeat(len % 3);
    const a = atom(name);
    const b = enc.encode(name);
    assert.deepEqual([...encode(t(a, 7, a))], [131, Tag.SMALL_TUPLE, 3, Tag.SMALL_ATOM_UTF8, b.length, ...b, Tag.SMALL_INTEGER, 7, Tag.SMALL_ATOM_UTF8, b.length, ...b]);
  }
  const long = atom("€".repeat(100)); // 300 bytes: ATOM_UTF8, not from the word form
  assert.deepEqual([...encode(t(long, 7))], [131, Tag.SMALL_TUPLE, 2, Tag.ATOM_UTF8, 1, 44, ...enc.encode("€".repeat(100)), Tag.SMALL_INTEGER, 7]);
  // Every field's bits, the high ones included.
  const node = atom("node@some.host");
  const nb = [Tag.SMALL_ATOM_UTF8, 14, ...enc.encode("node@some.host")];
  const pid = new ExternalPid(node, 0xfedcba98, 0x80000001, 0xffffffff);
  assert.deepEqual([...encode(pid)], [131, Tag.NEW_PID, ...nb, 0xfe, 0xdc, 0xba, 0x98, 0x80, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
  const ref = new ExternalRef(node, 0x89abcdef, [0x3ffff, 0xffffffff, 0x12345678]);
  assert.deepEqual([...encode(ref)], [131, Tag.NEWER_REFERENCE, 0, 3, ...nb, 0x89, 0xab, 0xcd, 0xef, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x12, 0x34, 0x56, 0x78]);
  assert.ok(equals(decode(encode(t(pid, ref))), t(pid, ref)));
});
