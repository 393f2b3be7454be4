/**
 * The remote shell's session scope: top-level declarations of one input
 * are variables of the next (plain, destructured, functions, classes),
 * nested ones stay local, nothing leaks onto the global object, the API's
 * names resolve, and a top-level `await` gives the last expression's value.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SessionScope, evaluate, hoist } from "../../../src/cli/shell_scope.js";

test("top-level declarations persist between inputs; nested ones stay local; no globals", async () => {
  const s = new SessionScope({ apiValue: 5, double: (n: number) => n * 2 });
  evaluate(s, "const a = 1, b = 2");
  evaluate(s, "let { c, d: [e], ...rest } = { c: 3, d: [4], f: 6 }");
  evaluate(s, "function add(x, y) { const inner = x; return inner + y }\nclass K { v() { return apiValue } }");
  evaluate(s, "for (let i = 0; i < 3; i++) { var hidden = i }");
  assert.equal(evaluate(s, "a + b + c + e + rest.f"), 16);
  assert.equal(evaluate(s, "add(a, double(apiValue))"), 11);
  assert.equal(evaluate(s, "new K().v()"), 5);
  assert.equal(evaluate(s, "typeof i"), "undefined");
  assert.equal(evaluate(s, `const s = "let q = 1; const r = 2"; s.length`), 22);
  assert.equal(evaluate(s, "typeof q"), "undefined");
  for (const n of ["a", "c", "rest", "add", "K", "s", "inner", "hidden"]) assert.equal(n in globalThis, false, `${n} leaked onto the global object`);
  assert.deepEqual(hoist("if (x) { let y = 1 }").names, []);
});

test("a top-level await evaluates to the last expression's value", async () => {
  const s = new SessionScope({ later: (v: unknown) => Promise.resolve(v) });
  assert.equal(await evaluate(s, "const v = await later(20); v * 2"), 40);
  assert.equal(evaluate(s, "v"), 20);
  assert.equal(await evaluate(s, "await later(1)\nawait later(2)"), 2);
  assert.equal(await evaluate(s, "if (v) { await later(3) }"), undefined);
});
