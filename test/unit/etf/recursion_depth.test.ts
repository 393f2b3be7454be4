/**
 * The codec recurses for the first RECURSION_DEPTH levels and works on an
 * explicit stack below (recursion.ts). The two paths must agree byte for
 * byte and value for value: terms of mixed containers, nested to depths
 * around the switch, are encoded and decoded with the switch at the
 * default, forced low (the stack from the root or from a few levels down),
 * and forced off (recursion throughout), and every result must match.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { EtfDecodeError, EtfEncodeError, decode, encode } from "../../../src/etf/index.js";
import { RECURSION_DEPTH, setRecursionDepth } from "../../../src/etf/recursion.js";
import {
  BitString,
  ExternalPid,
  ExternalPort,
  ExternalRef,
  Export,
  Float,
  Fun,
  ImproperList,
  TermMap,
  atom,
  equals,
  hash,
  t,
  tupleOf,
} from "../../../src/term/index.js";
import { rng } from "../../support/fuzz_input.js";

/** The switch settings compared: from the root, a few levels down, the default, never (pure recursion). */
const MODES = [0, 1, 3, RECURSION_DEPTH, Infinity];

function withDepth<T>(n: number, f: () => T): T {
  const old = setRecursionDepth(n);
  try {
    return f();
  } finally {
    setRecursionDepth(old);
  }
}

const node = atom("n@host");
const pid = new ExternalPid(node, 7, 0, 3);

function leaf(r: () => number): unknown {
  switch (Math.floor(r() * 16)) {
    case 0:
      return Math.floor(r() * 256);
    case 1:
      return -Math.floor(r() * 1e6);
    case 2:
      return 2 ** 40 + Math.floor(r() * 1000);
    case 3:
      return -(2n ** 70n);
    case 4:
      return r() + 0.5;
    case 5:
      return new Float(3);
    case 6:
      return atom(`a${Math.floor(r() * 5)}`);
    case 7:
      return "héllo".slice(0, 1 + Math.floor(r() * 5));
    case 8:
      return new Uint8Array([1, 2, 3]);
    case 9:
      return r() < 0.5;
    case 10:
      return [1, 2, 255]; // STRING_EXT
    case 11:
      return pid;
    case 12:
      return new ExternalRef(node, 3, [1, 2, 3]);
    case 13:
      return new BitString(new Uint8Array([0xf0]), 4);
    case 14:
      return new Export(atom("m"), atom("f"), 2);
    default:
      return r() < 0.5 ? new ExternalPort(node, 9, 3) : [];
  }
}

/** Up to 3 leaves, then `inner`, then up to 3 leaves: the walker's inline leaves, a frame, and the rest. */
function around(r: () => number, inner: unknown): unknown[] {
  const xs: unknown[] = [];
  for (let i = Math.floor(r() * 4); i > 0; i--) xs.push(leaf(r));
  xs.push(inner);
  for (let i = Math.floor(r() * 4); i > 0; i--) xs.push(leaf(r));
  return xs;
}

/** A term `depth` containers deep: each level a tuple, list, improper list, map (as key or value), object or fun. */
function nested(depth: number, seed: number): unknown {
  const r = rng(seed);
  let x: unknown = leaf(r);
  for (let i = 0; i < depth; i++) {
    switch (Math.floor(r() * 8)) {
      case 0:
        x = tupleOf(around(r, x));
        break;
      case 1:
        x = around(r, x);
        break;
      case 2:
        // The deep part in the elements, or in the tail.
        x = r() < 0.5 ? new ImproperList(around(r, x), leaf(r)) : new ImproperList([leaf(r)], x);
        break;
      case 3:
        // The deep part as a value, or as a key.
        x = new TermMap(r() < 0.5 ? [[atom("k"), x], [1, leaf(r)]] : [[x, 2.5], [1, leaf(r)]]);
        break;
      case 4:
        x = new TermMap(Array.from({ length: 40 }, (_, j) => [j, j === 17 ? x : leaf(r)] as [number, unknown])); // > 32 keys
        break;
      case 5:
        x = { zed: 1, key: x, abc: leaf(r) };
        break;
      case 6:
        x = new Fun(1, new Uint8Array(16).fill(7), 0, atom("m"), 0, 1, pid, around(r, x));
        break;
      default:
        x = t(x); // a single-element tuple: nothing inline
    }
  }
  return x;
}

/** Depths around each switch point tested. */
const DEPTHS = [0, 1, 2, 3, 4, 5, 8, RECURSION_DEPTH - 2, RECURSION_DEPTH - 1, RECURSION_DEPTH, RECURSION_DEPTH + 1, RECURSION_DEPTH + 2, 600];

test("encode writes the same bytes whether it recurses, walks its stack, or switches at any level", () => {
  for (const depth of DEPTHS) {
    for (let seed = 1; seed <= 6; seed++) {
      const x = nested(depth, depth * 100 + seed);
      const expected = withDepth(Infinity, () => encode(x));
      for (const m of MODES) assert.deepEqual(withDepth(m, () => encode(x)), expected, `depth ${depth}, seed ${seed}, switch at ${m}`);
    }
  }
});

test("decode gives the same term whether it recurses, walks its stack, or switches at any level", () => {
  for (const depth of DEPTHS) {
    for (let seed = 1; seed <= 6; seed++) {
      const x = nested(depth, depth * 100 + seed);
      const bytes = encode(x);
      // Not `x` itself: an object decodes as a map, a list tail joins its list.
      const expected = withDepth(Infinity, () => decode(bytes));
      for (const m of MODES) {
        const y = withDepth(m, () => decode(bytes));
        // `equals` only on the shallow ones: on maps keyed by deep terms it is far from linear.
        if (depth < 10) assert.ok(equals(y, expected), `depth ${depth}, seed ${seed}, switch at ${m}`);
        assert.equal(hash(y), hash(expected));
        assert.deepEqual(encode(y), encode(expected), `depth ${depth}, seed ${seed}, switch at ${m}: re-encodes`);
      }
    }
  }
});

test("maxDepth refuses, or (lenient) cuts, at the same place on both paths", () => {
  for (const depth of [3, RECURSION_DEPTH + 1]) {
    const x = nested(depth, 77);
    const bytes = encode(x);
    for (const maxDepth of [0, 1, 2, depth - 1, depth, depth + 1]) {
      const fits = maxDepth >= depth; // the innermost leaf is `depth` containers down
      const cut = withDepth(Infinity, () => encode(x, { maxDepth, lenient: true }));
      const failAt = withDepth(Infinity, () => {
        try {
          decode(bytes, { maxDepth });
          return -1;
        } catch (e) {
          assert.ok(e instanceof EtfDecodeError);
          return e.offset;
        }
      });
      for (const m of MODES) {
        withDepth(m, () => {
          assert.deepEqual(encode(x, { maxDepth, lenient: true }), cut, `depth ${depth}, maxDepth ${maxDepth}, switch at ${m}`);
          if (fits) assert.deepEqual(encode(x, { maxDepth }), bytes);
          else assert.throws(() => encode(x, { maxDepth }), EtfEncodeError);
          try {
            decode(bytes, { maxDepth });
            assert.equal(failAt, -1, `decode refused at ${failAt} with the switch elsewhere`);
          } catch (e) {
            assert.ok(e instanceof EtfDecodeError && /nesting within/.test(e.expected));
            assert.equal(e.offset, failAt, `depth ${depth}, maxDepth ${maxDepth}, switch at ${m}`);
          }
        });
      }
    }
  }
});

test("a cycle is refused, or written as '#cycle' at the same place, on both paths", () => {
  // A cycle of three containers (a list, a tuple, a map) below a few ordinary levels.
  const list: unknown[] = [1];
  const map = new TermMap<unknown, unknown>([[atom("back"), list]]);
  list.push(t(atom("x"), map));
  const x = t(1, [list, 2]);
  const expected = withDepth(Infinity, () => encode(x, { lenient: true }));
  for (const m of MODES) {
    withDepth(m, () => {
      assert.throws(() => encode(x), (e) => e instanceof EtfEncodeError && /cycle/.test(e.message));
      assert.deepEqual(encode(x, { lenient: true }), expected, `switch at ${m}`);
    });
  }
  assert.ok(equals(decode(expected), decode(withDepth(0, () => encode(x, { lenient: true })))));
  // The encoder is usable after the failures.
  assert.deepEqual(encode(t(1)), new Uint8Array([131, 104, 1, 97, 1]));
});
