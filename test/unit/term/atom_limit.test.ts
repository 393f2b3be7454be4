/**
 * The atom table's limit (issue 11, finding 8): atoms are never freed, so
 * like the BEAM's `+t` a global limit refuses new atoms past it while the
 * existing ones are still found. Each test lowers the limit and restores it
 * (node --test runs this file in a process of its own).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { AtomError, AtomTableFullError, TermError, atom, atomCount, atomLimit, existingAtom, setAtomLimit } from "../../../src/index.js";

/** Runs `fn` with the limit set to `n`, restoring it after. */
function withLimit<T>(n: number, fn: () => T): T {
  const prev = setAtomLimit(n);
  try {
    return fn();
  } finally {
    setAtomLimit(prev);
  }
}

test("the default limit is the BEAM's +t default, 1,048,576", () => {
  assert.equal(atomLimit(), 1_048_576);
  assert.ok(atomCount() > 0 && atomCount() < atomLimit());
});

test("a new atom past the limit throws AtomTableFullError (an AtomError, a TermError); existing atoms are still found", () => {
  const old = atom("limit_test_existing");
  withLimit(atomCount() + 2, () => {
    atom("limit_test_new_1");
    atom("limit_test_new_2");
    const before = atomCount();
    assert.throws(
      () => atom("limit_test_new_3"),
      (e: unknown) => e instanceof AtomTableFullError && e instanceof AtomError && e instanceof TermError && e.limit === before && /atom table full: \d+ atoms/.test(e.message),
    );
    assert.equal(atomCount(), before, "nothing was added");
    assert.equal(existingAtom("limit_test_new_3"), undefined);
    // Existing atoms, old and new, are still found by atom().
    assert.equal(atom("limit_test_existing"), old);
    assert.equal(atom("limit_test_new_1"), existingAtom("limit_test_new_1"));
  });
  // Raised again, new atoms come back.
  assert.equal(atom("limit_test_new_3").name, "limit_test_new_3");
});

test("a limit below the count is allowed: no new atom, the others stay", () => {
  withLimit(1, () => {
    assert.throws(() => atom("limit_test_below"), AtomTableFullError);
    assert.equal(atom("ok").name, "ok");
  });
});

test("setAtomLimit returns the previous limit and refuses what is not a positive integer", () => {
  const prev = setAtomLimit(5_000_000);
  assert.equal(atomLimit(), 5_000_000);
  assert.equal(setAtomLimit(prev), 5_000_000);
  for (const bad of [0, -1, 1.5, NaN, 2 ** 31]) assert.throws(() => setAtomLimit(bad), AtomError);
  assert.equal(atomLimit(), prev);
});

test("AGNER_ATOM_LIMIT sets the limit at start; a bad value is refused", () => {
  const mod = fileURLToPath(new URL("../../../src/term/atom.js", import.meta.url));
  const script = `import(${JSON.stringify(mod)}).then((m) => console.log(m.atomLimit()), (e) => console.log(e.name))`;
  const run = (v: string) => spawnSync(process.execPath, ["-e", script], { env: { ...process.env, AGNER_ATOM_LIMIT: v }, encoding: "utf8" }).stdout.trim();
  assert.equal(run("20000"), "20000");
  assert.equal(run("lots"), "AtomError");
});
