/** fast-check arbitraries for Erlang terms, as Agner represents them. */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decode } from "../../src/etf/index.js";
import {
  BitString,
  Export,
  ExternalPid,
  ExternalPort,
  ExternalRef,
  Float,
  ImproperList,
  TermMap,
  atom,
  tupleOf,
} from "../../src/term/index.js";

// Not nonode@nohost: the erl on the other end would take those as its own local pids (with fewer bits).
const nodes = ["a@host", "other@example.com", "n1@127.0.0.1"].map((n) => atom(n));
const u32 = fc.integer({ min: 0, max: 0xffffffff });

export const atomArb = fc.oneof(
  { weight: 10, arbitrary: fc.string({ maxLength: 12, unit: "grapheme-composite" }).map((s) => atom(s)) },
  // Past 255 bytes of UTF-8: ATOM_UTF8_EXT rather than SMALL_ATOM_UTF8_EXT.
  { weight: 1, arbitrary: fc.integer({ min: 86, max: 255 }).map((n) => atom("λ".repeat(n))) },
);
export const intArb = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map((b) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b)),
  // LARGE_BIG_EXT: more than 255 bytes of digits.
  fc.bigInt({ min: 2n ** 2048n, max: 2n ** 2200n }).map((b) => -b),
);
export const floatArb = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .map((d) => (Number.isInteger(d) ? new Float(d) : d));
export const pidArb = fc.tuple(fc.constantFrom(...nodes), u32, u32, u32).map(([n, i, s, c]) => new ExternalPid(n, i, s, c));
export const refArb = fc
  .tuple(fc.constantFrom(...nodes), u32, fc.array(u32, { minLength: 1, maxLength: 5 }))
  .map(([n, c, ids]) => new ExternalRef(n, c, ids));
export const portArb = fc.tuple(fc.constantFrom(...nodes), u32, u32).map(([n, i, c]) => new ExternalPort(n, i, c));

export const bitsArb = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 7 }))
  .map(([b, bits]) => {
    b[b.length - 1] &= (0xff << (8 - bits)) & 0xff; // unused low bits are zero, as Erlang keeps them
    return new BitString(b, bits);
  });
export const exportArb = fc.tuple(atomArb, atomArb, fc.integer({ min: 0, max: 255 })).map(([m, f, a]) => new Export(m, f, a));

/** Funs cannot be made up (their uniq is a code checksum): take the ones real Erlang wrote in the golden corpus. */
const repo = resolve(fileURLToPath(import.meta.url), "../../../..");
const goldenFuns = readFileSync(resolve(repo, "test/golden/etf/vectors.tsv"), "utf8")
  .split("\n")
  .filter((l) => l.startsWith("fun_"))
  .map((l) => decode(new Uint8Array(Buffer.from(l.split("\t")[1]!, "hex"))));
export const funArb = fc.constantFrom(...goldenFuns);

const leaf = fc.oneof(
  bitsArb,
  exportArb,
  funArb,
  intArb,
  floatArb,
  atomArb,
  fc.boolean(),
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ maxLength: 20 }),
  pidArb,
  refArb,
  portArb,
);

/** Any term: leaves, tuples, proper and improper lists, maps with any keys. */
export const termArb: fc.Arbitrary<unknown> = fc.letrec<{ term: unknown }>((tie) => ({
  term: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("term"), { maxLength: 6 }).map((xs) => tupleOf(xs)),
    // LARGE_TUPLE_EXT: more than 255 elements.
    fc.array(fc.integer(), { minLength: 256, maxLength: 300 }).map((xs) => tupleOf(xs)),
    fc.array(tie("term"), { maxLength: 6 }),
    fc
      .tuple(fc.array(tie("term"), { minLength: 1, maxLength: 4 }), fc.oneof(atomArb, intArb, fc.uint8Array({ maxLength: 4 })))
      .map(([xs, tail]) => new ImproperList(xs, tail)),
    fc.array(fc.tuple(tie("term"), tie("term")), { maxLength: 5 }).map((es) => new TermMap(es)),
  ),
})).term;

/** Terms with a literal form (what `format` writes and `parseTerm` reads): no pids, refs, ports, funs, bitstrings or JS strings. */
export const literalTermArb: fc.Arbitrary<unknown> = fc.letrec<{ term: unknown }>((tie) => ({
  term: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      atomArb.filter((a) => a.name !== "true" && a.name !== "false"),
      intArb,
      floatArb,
      fc.boolean(),
      fc.uint8Array({ maxLength: 20 }),
      fc.array(fc.integer({ min: 32, max: 255 }), { maxLength: 12 }),
    ),
    fc.array(tie("term"), { maxLength: 5 }).map((xs) => tupleOf(xs)),
    fc.array(tie("term"), { maxLength: 5 }),
    fc
      .tuple(fc.array(tie("term"), { minLength: 1, maxLength: 3 }), fc.oneof(atomArb, intArb))
      .map(([xs, tail]) => new ImproperList(xs, tail)),
    fc.array(fc.tuple(tie("term"), tie("term")), { maxLength: 4 }).map((es) => new TermMap(es)),
  ),
})).term;
