/**
 * Two emulations checked against redis-server on random inputs: glob
 * matching (KEYS with random patterns over random keys, Redis'
 * stringmatchlen quirks included) and 80-bit long double arithmetic
 * (INCRBYFLOAT / HINCRBYFLOAT on random decimal and hex strings: strtold,
 * rounding, `%.17Lf`, overflow and underflow).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { stringMatch } from "../../../src/apps/kv/commands/glob.js";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";

const globChar = fc.constantFrom("a", "b", "c", "*", "?", "[", "]", "^", "-", "\\", "\x00", "\xe9", "\xff", "z");
const globString = (max: number) => fc.array(globChar, { maxLength: max }).map((cs) => cs.join(""));

const digits = (min: number, max: number) => fc.array(fc.constantFrom(..."0123456789"), { minLength: min, maxLength: max }).map((d) => d.join(""));
const decimal = fc
  .tuple(
    fc.constantFrom("", "-", "+"),
    digits(0, 25),
    fc.option(digits(0, 25), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "-", "+"), fc.oneof(digits(1, 3), fc.constantFrom("4931", "4932", "4933", "4950", "4951", "4952", "5000"))), { nil: undefined }),
  )
  .map(([sign, int, frac, exp]) => sign + int + (frac === undefined ? "" : "." + frac) + (exp === undefined ? "" : exp.join("")));
const hexDigits = (max: number) => fc.array(fc.constantFrom(..."0123456789abcdefABCDEF"), { maxLength: max }).map((d) => d.join(""));
const hexFloat = fc
  .tuple(fc.constantFrom("", "-"), fc.constantFrom("0x", "0X"), hexDigits(20), fc.option(hexDigits(6), { nil: undefined }), fc.option(fc.integer({ min: -16500, max: 16500 }), { nil: undefined }))
  .map(([s, x, a, b, p]) => s + x + a + (b === undefined ? "" : "." + b) + (p === undefined ? "" : "p" + p));
const floatText = fc.oneof(
  decimal,
  hexFloat,
  fc.double().map(String),
  fc.constantFrom("inf", "-Infinity", "nan", "1e", ".", "", " 1", "1 ", "0x", "1e-4951", "3.6e-4951", "1.8e-4951", "1.18973149535723176502e+4932", "1.18973149535723176508e+4932"),
);

describe("glob and long double emulations against redis-server", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  test("KEYS with random patterns over random keys", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(globString(6), { minLength: 1, maxLength: 8 }), fc.array(globString(7), { minLength: 1, maxLength: 5 }), async (keys, patterns) => {
        await twin.reset();
        await twin.compare(["MSET", ...keys.flatMap((k) => [k, "v"])], 2);
        for (const p of patterns) {
          const d = await twin.compare(["KEYS", p], 2);
          if (d !== null) assert.fail(d);
        }
      }),
      { numRuns: Number(process.env.AGNER_PROPERTY_RUNS ?? 400) },
    );
  });

  test("stringMatch: deep star patterns cost no stack", () => {
    const pattern = "*a".repeat(50_000) + "*";
    assert.equal(stringMatch(pattern, "a".repeat(60_000)), true);
    assert.equal(stringMatch("*a".repeat(100) + "b", "a".repeat(200)), false);
    assert.equal(stringMatch("a*", "a"), true);
    assert.equal(stringMatch("**", ""), false);
    assert.equal(stringMatch("", ""), true);
    assert.equal(stringMatch("[a-\xff]", "b"), false); // signed char range -1..97
    assert.equal(stringMatch("[a-\xff]", "\xff"), true);
    assert.equal(stringMatch("H*", "hello", true), true);
  });

  test("INCRBYFLOAT and HINCRBYFLOAT on random strings", async () => {
    await fc.assert(
      fc.asyncProperty(floatText, floatText, floatText, async (a, b, c) => {
        await twin.reset();
        for (const argv of [["SET", "k", a], ["INCRBYFLOAT", "k", b], ["INCRBYFLOAT", "k", c], ["GET", "k"], ["HINCRBYFLOAT", "h", "f", a], ["HINCRBYFLOAT", "h", "f", b]]) {
          const d = await twin.compare(argv, 2);
          if (d !== null) assert.fail(d);
        }
      }),
      { numRuns: Number(process.env.AGNER_PROPERTY_RUNS ?? 1500) },
    );
  });
});
