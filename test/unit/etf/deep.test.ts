/**
 * Deep terms (issue 11, finding 7): the codec and every walker of a
 * received term (equals, compare, hash, inspect, freeze) handle any nesting
 * depth without recursion, as the BEAM does: depth is bounded only by size.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Encoder, EtfDecodeError, EtfEncodeError, decode, encode } from "../../../src/etf/index.js";
import { deepFreeze } from "../../../src/runtime/index.js";
import { type Atom, ImproperList, TermMap, atom, compare, equals, hash, inspect, t } from "../../../src/term/index.js";
import { Tuple } from "../../../src/term/tuple.js";

const DEPTH = 100_000;

/** [[[...[Leaf]...]]]: `depth` lists, each holding the next. */
function nestedList(depth: number, leaf: unknown): unknown {
  let x: unknown = [leaf];
  for (let i = 1; i < depth; i++) x = [x];
  return x;
}

/** {{{...{Leaf, 0}...}, Depth-1}}: tuples of two, the deeper one first. */
function nestedTuple(depth: number, leaf: unknown): unknown {
  let x: unknown = t(leaf, 0);
  for (let i = 1; i < depth; i++) x = t(x, i);
  return x;
}

/** erlang:iolist_to_binary of a left-nested iolist: [[[[], <<"p0">>], <<"p1">>], ...]. */
function leftIolist(parts: number): unknown {
  let x: unknown = [];
  for (let i = 0; i < parts; i++) x = [x, new TextEncoder().encode(`p${i}`)];
  return x;
}

for (const [name, make] of [
  ["list", nestedList],
  ["tuple", nestedTuple],
] as const) {
  test(`a ${DEPTH.toLocaleString("en")}-deep ${name}: encode, decode, equals, compare, hash, inspect`, () => {
    const x = make(DEPTH, atom("leaf"));
    const bytes = encode(x);
    const y = decode(bytes);
    assert.ok(equals(x, y), "decodes to an equal term");
    assert.equal(compare(x, y), 0);
    assert.equal(hash(x), hash(y));
    assert.deepEqual(encode(y), bytes, "re-encodes byte for byte");
    const other = make(DEPTH, atom("leaf2"));
    assert.ok(!equals(x, other), "a difference at the bottom is seen");
    assert.ok(compare(x, other) < 0, "and ordered by it");
    assert.notEqual(hash(x), hash(other));
    const text = inspect(y);
    assert.ok(text.includes("leaf"));
    assert.equal(text.length, name === "list" ? 2 * DEPTH + 4 : 2 * DEPTH + 4 + [...Array(DEPTH).keys()].reduce((n, i) => n + 1 + String(i).length, 0));
    deepFreeze(y);
    let z: unknown = y;
    for (let i = 0; i < 10; i++) z = (z as unknown[])[0];
    assert.ok(Object.isFrozen(z), "frozen all the way down");
  });
}

test("a deep term as a map key and inside a map", () => {
  const k = nestedTuple(DEPTH, 1);
  const m = new TermMap([[k, nestedList(DEPTH, 2)]]);
  const back = decode(encode(m)) as TermMap;
  assert.ok(equals(back.get(nestedTuple(DEPTH, 1)), nestedList(DEPTH, 2)));
  assert.ok(equals(back, m));
  assert.equal(hash(back), hash(m));
  assert.equal(compare(back, m), 0);
});

test("a left-nested iolist of 100,000 parts round-trips", () => {
  const io = leftIolist(DEPTH);
  const back = decode(encode(io));
  assert.ok(equals(io, back));
  let last = back as unknown[];
  for (let i = 0; i < 5; i++) last = last[0] as unknown[];
  assert.equal(new TextDecoder().decode(last[1] as Uint8Array), `p${DEPTH - 6}`);
});

test("an improper list whose tail is deep, and LIST_EXT tails chained 100,000 times", () => {
  const x = new ImproperList([1], nestedTuple(DEPTH, 3));
  assert.ok(equals(decode(encode(x)), x));
  assert.equal(inspect(new ImproperList([1, 2], atom("b"))), "[1,2|b]");
  // [0 | [1 | [2 | ...]]] written as one LIST_EXT of one element per level: one flat list.
  const bytes = new Uint8Array(1 + DEPTH * 7 + 1);
  bytes[0] = 131;
  let at = 1;
  for (let i = 0; i < DEPTH; i++) {
    bytes.set([108, 0, 0, 0, 1, 97, i & 0xff], at);
    at += 7;
  }
  bytes[at] = 106;
  const flat = decode(bytes) as number[];
  assert.equal(flat.length, DEPTH);
  assert.equal(flat[DEPTH - 1], (DEPTH - 1) & 0xff);
  // ... and a chain ending in a non-list tail is an improper list.
  bytes[at] = 97;
  const improper = decode(new Uint8Array([...bytes.subarray(0, at), 97, 7])) as ImproperList;
  assert.equal(improper.elements.length, DEPTH);
  assert.equal(improper.tail, 7);
});

test("maxDepth still bounds when set; cycles are refused or '#cycle'", () => {
  const bytes = encode(nestedList(50, 1));
  assert.throws(() => decode(bytes, { maxDepth: 10 }), (e) => e instanceof EtfDecodeError && /nesting within 10/.test(e.expected));
  assert.ok(equals(decode(bytes, { maxDepth: 50 }), nestedList(50, 1)));
  assert.throws(() => encode(nestedList(50, 1), { maxDepth: 10 }), EtfEncodeError);
  const loop: unknown[] = [1];
  loop.push(loop);
  assert.throws(() => encode(loop), (e) => e instanceof EtfEncodeError && /cycle/.test(e.message));
  const tup = new Tuple(1);
  tup[0] = tup;
  assert.throws(() => encode(tup), EtfEncodeError);
  let x = decode(encode(loop, { lenient: true }));
  let depth = 0;
  while (Array.isArray(x)) {
    x = x[1];
    depth++;
  }
  assert.equal(x, atom("#cycle"));
  assert.ok(depth > 100);
  // The encoder is usable after a failed encode.
  assert.deepEqual(encode(t(1)), new Uint8Array([131, 104, 1, 97, 1]));
});

test("a plain encode writes a term as one that records its path does (the cycle check starts over when it needs it)", () => {
  // Recording the path (what `exposed` turns on) must not change a byte or where a cycle is found.
  const recorded = { exposed: (): void => undefined };
  for (const x of [nestedList(1500, 1), nestedTuple(1500, atom("a")), t([t(1, [2])], new TermMap([[1, nestedList(1200, 3)]]))]) {
    assert.deepEqual(encode(x), encode(x, recorded));
  }
  // A cycle of 800 containers: 799 lists and, 200 levels down, a plain object (a map). The
  // check begins 1,000 levels down, where the object comes round again: it is found there only
  // if the levels the encoder recursed through (the first 256) are on the path.
  const chain: unknown[] = [];
  for (let i = 0; i < 800; i++) chain.push(i === 200 ? {} : []);
  for (let i = 0; i < 800; i++) {
    const next = chain[(i + 1) % 800];
    const c = chain[i]!;
    if (Array.isArray(c)) c.push(next);
    else (c as Record<string, unknown>)["next"] = next;
  }
  for (const opts of [undefined, recorded]) {
    assert.throws(
      () => encode(chain[0], opts),
      (e) => e instanceof EtfEncodeError && e.message === "a cycle: [object Object] inside itself",
    );
  }
  assert.deepEqual(encode(t(1)), new Uint8Array([131, 104, 1, 97, 1]));
});

test("an Encoder subclass (whose writes may have effects of their own) writes a deep term once", () => {
  class Counting extends Encoder {
    atoms = 0;
    override atomOf(a: Atom): void {
      this.atoms++;
      super.atomOf(a);
    }
  }
  // {a, {a, ... {a, leaf}}}, 1,500 levels: the cycle check (1,000 levels down) comes after 1,000 atoms.
  let x: unknown = atom("leaf");
  for (let i = 0; i < 1500; i++) x = t(atom("a"), x);
  const e = new Counting();
  e.term(x);
  assert.equal(e.atoms, 1501);
  assert.deepEqual(e.buf.subarray(0, e.pos), encode(x, { noVersion: true }));
});

test("the term walkers alone (no codec): equals, compare, hash, inspect, deepFreeze", () => {
  for (const make of [nestedList, nestedTuple]) {
    const x = make(DEPTH, 1);
    const y = make(DEPTH, 1);
    assert.ok(equals(x, y));
    assert.equal(compare(x, y), 0);
    assert.ok(compare(x, make(DEPTH, 2)) < 0);
    assert.equal(hash(x), hash(y));
    assert.ok(inspect(x).length > 2 * DEPTH);
    deepFreeze(x);
  }
});
