/**
 * Atoms from outside under the atom limit (issue 11, finding 8): a new atom
 * in ETF input past the limit is an EtfDecodeError at the atom's offset,
 * and one in a distribution header's atom cache a DistProtocolError (each
 * closes only the connection it came on); existing atoms still decode.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AtomTableFullError, EtfDecodeError, atom, atomCount, decode, encode, existingAtom, setAtomLimit, t } from "../../../src/index.js";
import { readAtomCacheRefs } from "../../../src/distribution/connection.js";
import { DistProtocolError } from "../../../src/distribution/errors.js";
import type { Atom } from "../../../src/term/atom.js";

function withFullTable<T>(fn: () => T): T {
  const prev = setAtomLimit(atomCount());
  try {
    return fn();
  } finally {
    setAtomLimit(prev);
  }
}

/** `{ok, <name>}` with the name as SMALL_ATOM_UTF8_EXT (the atom at byte 7). */
function tupleWithAtom(name: string): Uint8Array {
  const b = new TextEncoder().encode(name);
  return Uint8Array.of(131, 104, 2, 119, 2, 111, 107, 119, b.length, ...b);
}

test("a new atom past the limit is an EtfDecodeError at the atom's offset, caused by AtomTableFullError", () => {
  withFullTable(() => {
    assert.throws(
      () => decode(tupleWithAtom("limit_decode_new")),
      (e: unknown) => e instanceof EtfDecodeError && e.offset === 7 && /atom table full/.test(e.message) && e.cause instanceof AtomTableFullError,
    );
    assert.equal(existingAtom("limit_decode_new"), undefined);
    // Existing atoms still decode, whatever the limit.
    assert.deepEqual(decode(encode(t(atom("ok"), atom("error")))), t(atom("ok"), atom("error")));
    assert.deepEqual(decode(tupleWithAtom("ok")), t(atom("ok"), atom("ok")));
  });
  assert.deepEqual(decode(tupleWithAtom("limit_decode_new")), t(atom("ok"), atom("limit_decode_new")));
});

/** A DIST_HEADER (from after `131, 68`) with one new atom cache entry in segment 0, slot 5. */
function headerWithNewEntry(name: string): Uint8Array {
  const b = new TextEncoder().encode(name);
  return Uint8Array.of(131, 68, 1, 0x08, 5, b.length, ...b);
}

test("a new atom in the atom cache references past the limit is a DistProtocolError saying the table is full", () => {
  const cache: (Atom | undefined)[] = new Array(2048);
  withFullTable(() => {
    assert.throws(
      () => readAtomCacheRefs(headerWithNewEntry("limit_cache_new"), 2, cache),
      (e: unknown) => e instanceof DistProtocolError && /atom table full/.test(e.message) && /limit_cache_new/.test(e.message),
    );
    assert.equal(cache[5], undefined);
    // An existing atom fills the slot as before.
    const { atoms } = readAtomCacheRefs(headerWithNewEntry("ok"), 2, cache);
    assert.equal(atoms?.[0], atom("ok"));
    assert.equal(cache[5], atom("ok"));
  });
});
