/**
 * The term forms of JS values that have no natural Erlang term (js_terms.ts,
 * docs/etf.md): what the lenient encoder writes, read back through the
 * decoder as an Erlang node would get them, and bounded whatever the input.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { EtfEncodeError, decode, encode, jsTerm } from "../../../src/etf/index.js";
import { Atom, ExternalPid, TermMap, Tuple, atom, equals, inspect, t } from "../../../src/term/index.js";

const lenient = (x: unknown): unknown => decode(encode(x, { lenient: true }));
const a = atom;

class ShardState {
  index = 3;
  name = "shard";
  owner = new ExternalPid(atom("n@h"), 5, 0, 1);
  run = function run(cmd: string): string {
    return cmd;
  };
  missing = undefined;
}

test("strict encode (the default) still refuses values with no term form; lenient writes their form", () => {
  for (const x of [new ShardState(), () => 1, Symbol("s"), NaN, new Error("e")]) {
    assert.throws(() => encode(x), EtfEncodeError);
    assert.doesNotThrow(() => encode(x, { lenient: true }));
  }
  // Natural forms are the same bytes either way.
  const plain = { a: 1, b: [t(a("ok"), "x")], c: new Map([[1, 2]]) };
  assert.deepEqual(encode(plain, { lenient: true }), encode(plain));
});

test("a class instance is a map with atom keys naming its class in '__struct__'", () => {
  const m = lenient(new ShardState()) as TermMap;
  assert.ok(m instanceof TermMap);
  assert.equal(m.get(a("__struct__")), a("ShardState"));
  assert.equal(m.get(a("index")), 3);
  assert.ok(equals(m.get(a("name")), "shard"));
  assert.ok(equals(m.get(a("owner")), new ExternalPid(atom("n@h"), 5, 0, 1)));
  assert.equal(m.get(a("missing")), a("undefined"), "undefined inside a structure is the atom undefined");
  assert.ok(equals(m.get(a("run")), t(a("#Fun"), "run", 1)), "a function is {'#Fun', Name, Arity}");
  const bare = lenient(Object.assign(Object.create(null) as object, { k: 1 })) as TermMap;
  assert.equal(bare.get(a("k")), 1);
  assert.equal(bare.has(a("__struct__")), false, "an object without prototype names no class");
});

test("an Error is an exception map: __exception__, __struct__, name, message, cause and its own fields", () => {
  const e = Object.assign(new RangeError("too far", { cause: new Error("inner") }), { code: 42 });
  const m = lenient(t(a("EXIT"), e)) as Tuple;
  const x = m[1] as TermMap;
  assert.equal(x.get(a("__exception__")), true);
  assert.equal(x.get(a("__struct__")), a("RangeError"));
  assert.ok(equals(x.get(a("name")), "RangeError"));
  assert.ok(equals(x.get(a("message")), "too far"));
  assert.equal(x.get(a("code")), 42);
  assert.ok(equals((x.get(a("cause")) as TermMap).get(a("message")), "inner"));
  assert.equal(inspect(lenient(new TypeError("bad"))), `#{'__exception__' => true,'__struct__' => 'TypeError',message => <<"bad">>,name => <<"TypeError">>}`);
});

test("Map is a map, Set a list, symbols, NaN and infinities atoms or tuples, Date and RegExp structs", () => {
  const s = Symbol("tag");
  const x = lenient([new Map<unknown, unknown>([["k", new Set([1, 2])], [s, 1]]), new Set(["a"]), s, Symbol(), NaN, Infinity, -Infinity, new Date(0), /a+/g]) as unknown[];
  const m = x[0] as TermMap;
  assert.ok(equals(m.get("k"), [1, 2]));
  assert.equal(m.get(t(a("#Symbol"), "tag")), 1);
  assert.ok(equals(x[1], ["a"]));
  assert.ok(equals(x[2], t(a("#Symbol"), "tag")));
  assert.ok(equals(x[3], t(a("#Symbol"), a("undefined"))));
  assert.deepEqual(x.slice(4, 7), [a("nan"), a("infinity"), a("-infinity")]);
  assert.equal(inspect(x[7]), `#{'__struct__' => 'Date',iso => <<"1970-01-01T00:00:00.000Z">>}`);
  assert.equal(inspect(x[8]), `#{'__struct__' => 'RegExp',flags => <<"g">>,source => <<"a+">>}`);
});

test("Map keys that become equal terms are kept once: the map stays a valid Erlang map", () => {
  class K {
    v = 1;
  }
  const m = lenient(new Map([[new K(), "first"], [new K(), "second"]])) as TermMap;
  assert.equal(m.size, 1);
});

test("cycles are '#cycle'; shared (acyclic) values are shown at each place", () => {
  class Node {
    self: Node = this;
    peers: Node[] = [];
  }
  const n = new Node();
  const shared = { v: 1 };
  n.peers.push(Object.assign(new Node(), { extra: shared }), Object.assign(new Node(), { extra: shared }));
  const m = lenient(n) as TermMap;
  assert.equal(m.get(a("self")), a("#cycle"));
  const peers = m.get(a("peers")) as TermMap[];
  assert.equal(peers.length, 2);
  for (const p of peers) {
    assert.equal(p.get(a("self")), a("#cycle"));
    assert.equal((p.get(a("extra")) as TermMap).get(a("v")), 1);
  }
  // A cycle through plain objects and arrays only (no class instance): cut at the encoder's depth.
  const loop: Record<string, unknown> = {};
  loop.me = loop;
  const bytes = encode(loop, { lenient: true, maxDepth: 50 });
  let x = decode(bytes);
  let depth = 0;
  while (x instanceof TermMap) {
    x = x.get(a("me"));
    depth++;
  }
  assert.equal(x, a("..."));
  assert.equal(depth, 52, "51 levels, then one shown a level deep");
});

test("huge and deep values are bounded: items, depth, strings, binaries and the value budget", () => {
  class Big {
    list = Array.from({ length: 100_000 }, (_, i) => i);
    map = new Map(Array.from({ length: 50_000 }, (_, i) => [i, i]));
    text = "x".repeat(1_000_000);
    bytes = new Uint8Array(1_000_000);
  }
  const m = lenient(new Big()) as TermMap;
  const list = m.get(a("list")) as unknown[];
  assert.equal(list.length, 101);
  assert.ok(equals(list[100], t(a("..."), 99_900)), "a cut list ends with {'...', Omitted}");
  const map = m.get(a("map")) as TermMap;
  assert.equal(map.size, 101);
  assert.equal(map.get(a("...")), 49_900, "a cut map has '...' => Omitted");
  const text = m.get(a("text")) as Tuple;
  assert.equal(text[0], a("..."));
  assert.equal((text[1] as Uint8Array).length, 1024);
  assert.equal(text[2], 1_000_000);
  assert.equal(((m.get(a("bytes")) as Tuple)[1] as Uint8Array).length, 1024);
  assert.ok(encode(new Big(), { lenient: true }).length < 20_000, "the message stays small");

  // 10,000 levels of class instances: never a stack overflow, cut at maxDepth.
  class Link {
    constructor(readonly next: Link | null) {}
  }
  let chain: Link | null = null;
  for (let i = 0; i < 10_000; i++) chain = new Link(chain);
  let x = lenient(chain);
  let depth = 0;
  while (x instanceof TermMap) {
    x = x.get(a("next"));
    depth++;
  }
  assert.equal(x, a("..."));
  assert.equal(depth, 9, "the top object and 8 levels below it");

  // A wide, deep tree: the value budget cuts by depth, so every top-level field still shows.
  class Tree {
    kids: Tree[];
    constructor(d: number) {
      this.kids = d === 0 ? [] : Array.from({ length: 10 }, () => new Tree(d - 1));
    }
  }
  class Holder {
    first = new Tree(5);
    last = "still shown";
  }
  const h = lenient(new Holder()) as TermMap;
  assert.ok(equals(h.get(a("last")), "still shown"));
  assert.ok(encode(new Holder(), { lenient: true }).length < 100_000);
  assert.equal(inspect(lenient(new Holder())).includes("..."), true);
});

test("a value that throws when read is '#unreadable', not an exception", () => {
  class Touchy {
    get boom(): never {
      throw new Error("no");
    }
  }
  const obj = new Touchy();
  Object.defineProperty(obj, "own", { enumerable: true, get: () => { throw new Error("no"); } });
  const m = lenient(obj) as TermMap;
  assert.equal(m.get(a("own")), a("#unreadable"));
  const hostile = new Proxy({}, {
    ownKeys() {
      throw new Error("no keys");
    },
  });
  class Wrap {
    p = hostile;
  }
  assert.equal((lenient(new Wrap()) as TermMap).get(a("p")), a("#unreadable"));
  assert.equal(jsTerm(new Proxy(() => 1, { get() { throw new Error("x"); } })) instanceof Tuple, true);
});

test("jsTerm gives only values the strict encoder accepts", () => {
  const values: unknown[] = [new ShardState(), new Error("e"), new Map([[{}, new Set([Symbol()])]]), [NaN, () => 0], new WeakMap(), Promise.resolve(1), new Float64Array([1.5, NaN]), new ArrayBuffer(3)];
  for (const v of values) assert.doesNotThrow(() => encode(jsTerm(v)), inspect(v));
  assert.ok((decode(encode(jsTerm(new Float64Array([1.5, 2])))) as unknown[])[0] === 1.5);
  assert.deepEqual(decode(encode(jsTerm(new Uint16Array([1, 2]).buffer))), new Uint8Array([1, 0, 2, 0]), "an ArrayBuffer is a binary");
  assert.ok(jsTerm(new WeakMap()) instanceof TermMap);
  assert.ok(((jsTerm(new WeakMap()) as TermMap).get(a("__struct__")) as Atom).name === "WeakMap");
});
