/**
 * parseScore's fast path for plain decimals (no regex) reads exactly what
 * the full strtod path reads, sign of zero included.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseScore, strtod } from "../../../../src/apps/kv/commands/strtod.js";

/** What string2d answers through the full strtod path. */
function viaStrtod(s: string): number | null {
  if (s.length === 0 || /^\s/.test(s)) return null;
  const r = strtod(s);
  return r.end !== s.length || r.range || Number.isNaN(r.value) ? null : r.value;
}

test("plain decimals: the fast path and strtod agree", () => {
  fc.assert(
    fc.property(fc.stringMatching(/^-?[0-9]{0,12}\.?[0-9]{0,8}$/), (s) => {
      assert.ok(Object.is(parseScore(s), viaStrtod(s)), `${JSON.stringify(s)}: ${parseScore(s)} vs ${viaStrtod(s)}`);
    }),
    { numRuns: 5000, seed: 20261206 },
  );
  for (const s of ["-0", "0", "007", "1.", ".5", "-.5", ".", "-", "", "12345678901234567890", "123456789012345678901", "1e3", "0x10", " 1", "inf"]) {
    assert.ok(Object.is(parseScore(s), viaStrtod(s)), s);
  }
});
