/** fast-check arbitraries for Erlang terms, as Agner represents them. */
import fc from "fast-check";
import {
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

export const atomArb = fc.string({ maxLength: 12, unit: "grapheme-composite" }).map((s) => atom(s));
export const intArb = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map((b) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b)),
);
export const floatArb = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .map((d) => (Number.isInteger(d) ? new Float(d) : d));
export const pidArb = fc.tuple(fc.constantFrom(...nodes), u32, u32, u32).map(([n, i, s, c]) => new ExternalPid(n, i, s, c));
export const refArb = fc
  .tuple(fc.constantFrom(...nodes), u32, fc.array(u32, { minLength: 1, maxLength: 5 }))
  .map(([n, c, ids]) => new ExternalRef(n, c, ids));
export const portArb = fc.tuple(fc.constantFrom(...nodes), u32, u32).map(([n, i, c]) => new ExternalPort(n, i, c));

const leaf = fc.oneof(
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
    fc.array(tie("term"), { maxLength: 6 }),
    fc
      .tuple(fc.array(tie("term"), { minLength: 1, maxLength: 4 }), fc.oneof(atomArb, intArb, fc.uint8Array({ maxLength: 4 })))
      .map(([xs, tail]) => new ImproperList(xs, tail)),
    fc.array(fc.tuple(tie("term"), tie("term")), { maxLength: 5 }).map((es) => new TermMap(es)),
  ),
})).term;
