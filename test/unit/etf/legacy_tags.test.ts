/**
 * Property tests for the tags OTP no longer writes but peers may still send
 * (FLOAT_EXT, ATOM_EXT, SMALL_ATOM_EXT, PID_EXT, PORT_EXT, REFERENCE_EXT,
 * NEW_REFERENCE_EXT, a LIST_EXT whose tail is another list) and for
 * ATOM_CACHE_REF: a legacy encoding written here from the spec must decode
 * to the same term as the canonical one. (The golden corpus holds real
 * Erlang's bytes for each of these; this varies the values.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Decoder, Tag, decode, encode } from "../../../src/etf/index.js";
import { ExternalPid, ExternalPort, ExternalRef, Float, atom, equals } from "../../../src/term/index.js";

const latin1Name = fc.string({ maxLength: 40, unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) });
const nodeAtom = (name: string) => [Tag.SMALL_ATOM, name.length, ...Buffer.from(name, "latin1")];
const u32 = (x: number) => [(x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff];

test("FLOAT_EXT (31-byte text) decodes as NEW_FLOAT_EXT does", () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const text = Buffer.alloc(31);
      text.write(x.toExponential(20), "latin1");
      const v = decode(new Uint8Array([131, Tag.FLOAT, ...text]));
      assert.ok(equals(v, Number.isInteger(x) ? new Float(x) : x) || Math.abs(Number(v) - x) <= Math.abs(x) * 1e-15);
    }),
  );
});

test("ATOM_EXT and SMALL_ATOM_EXT (Latin-1) decode to the same atom as the UTF-8 forms", () => {
  fc.assert(
    fc.property(latin1Name, (name) => {
      const b = Buffer.from(name, "latin1");
      const big = decode(new Uint8Array([131, Tag.ATOM, 0, b.length, ...b]));
      const small = decode(new Uint8Array([131, Tag.SMALL_ATOM, b.length, ...b]));
      const canonical = decode(encode(atom(name)));
      assert.ok(equals(big, canonical) && equals(small, canonical));
    }),
  );
});

test("PID_EXT, PORT_EXT, REFERENCE_EXT and NEW_REFERENCE_EXT decode as their new forms", () => {
  const id = fc.integer({ min: 0, max: 0xffffffff });
  fc.assert(
    fc.property(fc.constantFrom("a@host", "other@example"), id, id, fc.integer({ min: 0, max: 3 }), fc.array(id, { minLength: 1, maxLength: 3 }), (node, x, y, creation, words) => {
      const n = atom(node);
      assert.ok(equals(decode(new Uint8Array([131, Tag.PID, ...nodeAtom(node), ...u32(x), ...u32(y), creation])), new ExternalPid(n, x, y, creation)));
      assert.ok(equals(decode(new Uint8Array([131, Tag.PORT, ...nodeAtom(node), ...u32(x), creation])), new ExternalPort(n, x, creation)));
      assert.ok(equals(decode(new Uint8Array([131, Tag.REFERENCE, ...nodeAtom(node), ...u32(x), creation])), new ExternalRef(n, creation, [x])));
      const newRef = [131, Tag.NEW_REFERENCE, 0, words.length, ...nodeAtom(node), creation, ...words.flatMap(u32)];
      assert.ok(equals(decode(new Uint8Array(newRef)), new ExternalRef(n, creation, words)));
    }),
  );
});

test("a LIST_EXT whose tail is another list is one proper list", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 256, max: 10_000 }), { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 256, max: 10_000 }), { maxLength: 8 }), (a, b) => {
      const tail = encode(b, { noVersion: true });
      const head = encode(a, { noVersion: true });
      // head is LIST_EXT n elems NIL: replace its NIL tail with the second list.
      const bytes = new Uint8Array([131, ...head.subarray(0, head.length - 1), ...tail]);
      assert.ok(equals(decode(bytes), [...a, ...b]));
    }),
  );
});

test("ATOM_CACHE_REF resolves any cache slot", () => {
  fc.assert(
    fc.property(fc.array(latin1Name, { minLength: 1, maxLength: 255 }), fc.nat(), (names, k) => {
      const cache = names.map((n) => atom(n));
      const i = k % cache.length;
      const v = new Decoder(new Uint8Array([Tag.ATOM_CACHE_REF, i]), 0, { atomCache: cache }).term();
      assert.ok(equals(v, cache[i]));
    }),
  );
});
