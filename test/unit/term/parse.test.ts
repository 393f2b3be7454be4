/**
 * `parseTerm` reads what `format` (erl's print) writes, for every term with
 * a literal form; it reads Erlang's literal syntax (strings as character
 * lists, `$c`, `16#ff`, `<<"é"/utf8>>`, improper lists, maps); anything
 * else is a TermError naming the position, never another exception.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { TermError, TermMap, atom, equals, float, format, improperList, inspect, parseTerm, t } from "../../../src/index.js";
import { literalTermArb } from "../../support/term_arbitrary.js";

test("parseTerm reads back what format writes", () => {
  fc.assert(
    fc.property(literalTermArb, (x) => {
      const text = format(x);
      assert.ok(equals(parseTerm(text), x), `${text} read as ${inspect(parseTerm(text))}`);
    }),
    { numRuns: 500 },
  );
});

test("parseTerm reads Erlang's literal syntax", () => {
  const cases: [string, unknown][] = [
    [`ok.`, atom("ok")],
    [`'Hello world'`, atom("Hello world")],
    [`{ok, -42, 16#ff, $a, $\\n, 2#101}`, t(atom("ok"), -42, 255, 97, 10, 5)],
    [`"ab" "c"`, [97, 98, 99]],
    [`""`, []],
    [`[1, 2 | 3]`, improperList([1, 2], 3)],
    [`[1 | [2]]`, [1, 2]],
    [`<<"é"/utf8, 1, "x">>`, new Uint8Array([0xc3, 0xa9, 1, 120])],
    [`#{a => [], <<>> => {}}`, new TermMap<unknown, unknown>([[atom("a"), []], [new Uint8Array(0), t()]])],
    [`1.0`, float(1)],
    [`-2.5e-3`, -0.0025],
    [`123456789012345678901234567890`, 123456789012345678901234567890n],
    [`true`, true],
    [`{'\\'q\\'', "\\x{41}\\101\\^A"} % a comment`, t(atom("'q'"), [65, 65, 1])],
  ];
  for (const [text, want] of cases) assert.ok(equals(parseTerm(text), want), `${text} read as ${inspect(parseTerm(text))}`);
});

test("format prints printable lists as strings, as erl's shell", () => {
  assert.equal(format(t(atom("ok"), [104, 105], [1, 2], [], "s", new Uint8Array([104]))), `{ok,"hi",[1,2],[],<<"s"/utf8>>,<<"h">>}`);
  assert.equal(format([10, 34, 92, 233]), `"\\n\\"\\\\é"`);
});

test("bad text is a TermError with its position, for any input", () => {
  for (const bad of [`{ok`, `[1,`, `X`, `<0.1.0>`, `ok ok`, `<<1.5>>`, `<<a>>`, `'unterminated`, `#{a}`, `16#zz`, `"\\x{110000}"`]) {
    assert.throws(() => parseTerm(bad), (e: unknown) => e instanceof TermError && /position \d+/.test((e as Error).message), bad);
  }
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (s) => {
      try {
        parseTerm(s);
      } catch (e) {
        assert.ok(e instanceof TermError, `${JSON.stringify(s)}: ${String(e)}`);
      }
    }),
    { numRuns: 2000 },
  );
  // Deep nesting is refused, not a stack overflow.
  assert.throws(() => parseTerm("[".repeat(20_000)), TermError);
});
