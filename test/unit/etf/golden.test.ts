/**
 * Golden vectors made by real Erlang (scripts/gen_etf_golden.erl writes
 * test/golden/etf/vectors.tsv with OTP's term_to_binary): every vector
 * decodes; its canonical form (OTP 26's default, `{minor_version, 2}`)
 * re-encodes to the identical bytes; every other encoding of the same term
 * (OTP 25's default, `{minor_version, 0}`, compressed, hand-written old tags)
 * decodes to an equal value.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Decoder, Tag, decode, encode } from "../../../src/etf/index.js";
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
  Tuple,
  atom,
  equals,
  t,
} from "../../../src/term/index.js";

interface Vector {
  name: string;
  canonical: Uint8Array;
  variants: Uint8Array[];
  flags: string;
  source: string;
}

const repo = resolve(fileURLToPath(import.meta.url), "../../../../..");
const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

const vectors: Vector[] = readFileSync(resolve(repo, "test/golden/etf/vectors.tsv"), "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => {
    const [name, canonical, variants, flags, source] = l.split("\t");
    const specOnly = /spec_only=([0-9A-F:]+)/.exec(flags!)?.[1]?.split(":") ?? [];
    return {
      name: name!,
      canonical: hex(canonical!),
      variants: [...variants!.split(",").filter(Boolean), ...specOnly].map(hex),
      flags: flags!,
      source: source!,
    };
  });

const byName = new Map(vectors.map((v) => [v.name, decode(v.canonical)]));

/** Records the tag of every term it decodes (by recursion, `value`, or on the explicit stack and inside pids, funs..., `node`). */
class TagRecorder extends Decoder {
  readonly tags = new Set<number>();
  protected override value(depth: number): unknown {
    this.tags.add(this.buf[this.offset]!);
    return super.value(depth);
  }
  protected override node(): unknown {
    this.tags.add(this.buf[this.offset]!);
    return super.node();
  }
}

test("the corpus covers every tag of the format", () => {
  const tags = new Set<number>();
  for (const v of vectors) {
    for (const b of [v.canonical, ...v.variants]) {
      if (b[1] === Tag.COMPRESSED) {
        tags.add(Tag.COMPRESSED);
        continue;
      }
      const d = new TagRecorder(b, 1);
      d.term();
      for (const x of d.tags) tags.add(x);
    }
  }
  const missing = Object.entries(Tag).filter(([name, tag]) => !tags.has(tag) && !["VERSION", "ATOM_CACHE_REF", "LOCAL"].includes(name));
  assert.deepEqual(missing, [], "ATOM_CACHE_REF and LOCAL_EXT cannot come from term_to_binary: see codec.test.ts");
});

for (const v of vectors) {
  test(`golden ${v.name}: ${v.source.slice(0, 60)}`, () => {
    const value = decode(v.canonical);
    if (!v.flags.includes("noncanonical")) assert.deepEqual(encode(value), v.canonical, "re-encodes byte for byte");
    else assert.ok(equals(decode(encode(value)), value), "re-encodes to an equal term");
    for (const variant of v.variants) assert.ok(equals(decode(variant), value), `variant ${Buffer.from(variant).toString("hex").slice(0, 40)} decodes equal`);
  });
}

test("decoded values have the documented TypeScript shapes", () => {
  assert.equal(byName.get("small_int_255"), 255);
  assert.equal(byName.get("small_big_2p64"), 2n ** 64n);
  assert.equal(byName.get("small_big_2p53p1"), 2n ** 53n + 1n);
  assert.equal(byName.get("int_min32"), -2147483648);
  assert.ok(byName.get("float_1") instanceof Float, "1.0 stays a float");
  assert.equal(byName.get("float_pi"), 3.141592653589793);
  assert.equal(byName.get("atom_ok"), atom("ok"));
  assert.equal(byName.get("atom_latin1"), atom("café"));
  assert.equal(byName.get("true"), true);
  assert.equal(byName.get("nil"), atom("nil"));
  assert.ok(byName.get("tuple_3") instanceof Tuple);
  assert.deepEqual(byName.get("string_abc"), [97, 98, 99]);
  assert.deepEqual(byName.get("list_atoms"), [atom("a"), atom("b")]);
  assert.ok(equals(byName.get("improper_2"), new ImproperList([atom("a"), atom("b")], atom("c"))));
  const alias = byName.get("improper_alias") as ImproperList;
  assert.ok(alias instanceof ImproperList && alias.elements[0] === atom("alias") && alias.tail instanceof ExternalRef);
  assert.ok(byName.get("binary_123") instanceof Uint8Array);
  const bits = byName.get("bits_11") as BitString;
  assert.ok(bits instanceof BitString && bits.bitLength === 11);
  const m = byName.get("map_mixed") as TermMap;
  assert.ok(m instanceof TermMap);
  assert.deepEqual(m.get(t(atom("x"))), [atom("y")]);
  assert.equal(m.get(1), atom("a"));
  assert.equal(m.get(new Float(2)), 2);
  const pid = byName.get("pid_remote") as ExternalPid;
  assert.deepEqual([pid.node, pid.id, pid.serial, pid.creation], [atom("other@host"), 85, 3, 7]);
  const ref = byName.get("ref_5words") as ExternalRef;
  assert.deepEqual(ref.ids, [1, 2, 3, 4, 5]);
  assert.equal((byName.get("port_v4") as ExternalPort).id, 0x123456789);
  assert.ok(byName.get("fun_closure_free") instanceof Fun);
  const ex = byName.get("export_fun") as Export;
  assert.deepEqual([ex.module, ex.fn, ex.arity], [atom("lists"), atom("map"), 2]);
});

test("a binary decodes as a view of the input, not a copy", () => {
  const v = vectors.find((x) => x.name === "binary_1k")!;
  const b = decode(v.canonical) as Uint8Array;
  assert.equal(b.buffer, v.canonical.buffer);
  assert.equal(b.length, 1024);
});
