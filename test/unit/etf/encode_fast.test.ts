/**
 * `encode` with the default options first tries a one-pass writer for the
 * common kinds (src/etf/encode_fast.ts) and falls back to the general
 * `Encoder` for anything else; any option (even `{}`) takes the general path
 * alone. Both must write the same bytes for every term.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { encode } from "../../../src/etf/index.js";
import { ExternalPid, ExternalRef, Float, ImproperList, TermMap, atom, t, tupleOf } from "../../../src/term/index.js";
import { makeRef, run, self } from "../../../src/runtime/index.js";
import { atomArb, intArb, pidArb, refArb, termArb } from "../../support/term_arbitrary.js";

/** Both paths write the same bytes, or refuse the term alike (NaN, Infinity...). */
function sameBytes(x: unknown): void {
  const outcome = (f: () => Uint8Array): unknown => {
    try {
      return [...f()];
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  };
  assert.deepEqual(outcome(() => encode(x)), outcome(() => encode(x, {})));
}

/** Terms of the kinds the fast path writes, mixed with the kinds it leaves to the general path. */
const messageArb: fc.Arbitrary<unknown> = fc.letrec<{ term: unknown }>((tie) => ({
  term: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(atomArb, intArb, fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 70 }), fc.uint8Array({ maxLength: 40 }), pidArb, refArb),
    fc.constantFrom<unknown>(null, undefined, 2 ** 40, -0, [], [1, 2, 255], "é", "x".repeat(65)),
    fc.array(tie("term"), { maxLength: 5 }).map((xs) => tupleOf(xs)),
    fc.array(tie("term"), { maxLength: 5 }),
    fc
      .tuple(fc.array(tie("term"), { minLength: 1, maxLength: 3 }), fc.oneof(atomArb, intArb, refArb, fc.constant<unknown>([1])))
      .map(([xs, tail]) => new ImproperList(xs, tail)),
  ),
})).term;

test("the fast path writes what the general encoder writes, for any term", () => {
  fc.assert(fc.property(termArb, (x) => sameBytes(x)), { numRuns: 500 });
  fc.assert(fc.property(messageArb, (x) => sameBytes(x)), { numRuns: 2000 });
});

test("the fast path's edges: new atoms, deep nesting, byte lists, improper tails, long binaries, local pids and refs", async () => {
  const [pid, ref] = await run(function* () {
    return [self(), makeRef()] as const;
  });
  const deep = (n: number): unknown => (n === 0 ? atom("leaf") : t(n, deep(n - 1)));
  const cases: unknown[] = [
    t(atom(`never_written_${Date.now()}`), 1), // an atom without its cached word form yet
    t(atom("$gen_call"), t(pid, new ImproperList([atom("alias")], ref)), t(atom("get"), "key")),
    deep(15),
    deep(17),
    deep(40),
    [1, 2, 3], // STRING_EXT
    [1, 256],
    [atom("a"), [], [[]]],
    new ImproperList([1], [2, 3]), // a proper list as the tail: one list
    new ImproperList([1, 2], atom("tail")),
    new Uint8Array(33).fill(7),
    new Uint8Array(1000).fill(9),
    t(new Float(1), 1.5, -2.25, 2 ** 31, -(2 ** 31), 2 ** 53, 10n ** 20n, true, false),
    t(new ExternalPid(atom("n@h"), 1, 2, 3), new ExternalRef(atom("n@h"), 4, [5, 6, 7, 8, 9])),
    new TermMap([[1, t(2, "x")]]),
    { a: 1 },
    t("ascii", "naïve", "€", ""),
    t(...Array.from({ length: 255 }, (_, i) => i)),
    tupleOf(Array.from({ length: 256 }, (_, i) => i)),
  ];
  for (const x of cases) sameBytes(x);
  // Terms that do not fit the output slab's rest: the fast path gives up, the general path grows.
  for (let i = 0; i < 40; i++) sameBytes(t(atom("big"), "y".repeat(60), new Uint8Array(1500 * i)));
});
