/**
 * Random memcached steps for the property tests (in-process and against
 * the server): every command, valid and invalid numbers, noreply,
 * mis-declared data lengths, binary values, CAS uniques old and current,
 * long keys. Each step leaves the server reading command lines. Nothing
 * depends on timing: expiries far ahead or past, flushes immediate.
 */
import fc from "fast-check";

const KEY250 = "k".repeat(250);
const key = fc.constantFrom("a", "b", "c", "n", "key:1", "\xe9", KEY250);
const keyOrBad = fc.oneof({ weight: 12, arbitrary: key }, { weight: 1, arbitrary: fc.constant(KEY250 + "x") });
const flags = fc.oneof(
  fc.constantFrom("0", "1", "4294967295", "4294967296", "-0", "-1", "x", "007", "+3", "18446744073709551615"),
  fc.integer({ min: 0, max: 70000 }).map(String),
);
// Expiries that cannot fire during a run: far ahead, or already past.
const exptime = fc.constantFrom("0", "-1", "100000", "1000000000", "4000000000", "2592000", "2592001", "x", "2147483648", "4294967296", "-0");
const value = fc.oneof(
  fc.constantFrom("", "0", "5", "99", " 7", "7 ", "-3", "18446744073709551615", "18446744073709551616", "abc", "x\r\ny", "\0", "END\r\n", "1\x002"),
  fc.string({ maxLength: 12 }),
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a).toString("latin1")),
);
const delta = fc.constantFrom("0", "1", "5", "100", "18446744073709551615", "18446744073709551616", "-1", "x", "+2", "9223372036854775808");
const noreply = fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constant(" noreply") });
/** How the declared byte count relates to the value: exact mostly, sometimes short or long (then padded, so the block is complete). */
const lengthSkew = fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: -3, max: 3 }) });

function storage(op: string, k: string, f: string, e: string, v: string, skew: number, extra: string, nr: string): string {
  const declared = Math.max(0, v.length + skew);
  // A long declaration reads into the filler; its own line end makes the step complete either way.
  const filler = declared > v.length ? "z".repeat(declared - v.length) + "\r\n" : "";
  return `${op} ${k} ${f} ${e} ${declared}${extra}${nr}\r\n${v}\r\n${filler}`;
}

const storeOp = fc.constantFrom("set", "add", "replace", "append", "prepend");
const casValue = fc.oneof(
  key.map((k) => `{cas:${k}}`),
  fc.constantFrom("0", "x", "-1", "18446744073709551615", "1152921504606846976"),
);

export const step: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(storeOp, keyOrBad, flags, exptime, value, lengthSkew, noreply).map(([op, k, f, e, v, s, nr]) => storage(op, k, f, e, v, s, "", nr)) },
  { weight: 2, arbitrary: fc.tuple(key, flags, exptime, value, lengthSkew, casValue, noreply).map(([k, f, e, v, s, c, nr]) => storage("cas", k, f, e, v, s, ` ${c}`, nr)) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom("get", "gets"), fc.array(keyOrBad, { minLength: 0, maxLength: 5 })).map(([c, ks]) => `${c} ${ks.join(" ")}\r\n`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("gat", "gats"), exptime, fc.array(keyOrBad, { minLength: 0, maxLength: 3 })).map(([c, e, ks]) => `${c} ${e} ${ks.join(" ")}\r\n`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("incr", "decr"), keyOrBad, delta, noreply).map(([c, k, d, nr]) => `${c} ${k} ${d}${nr}\r\n`) },
  { weight: 2, arbitrary: fc.tuple(keyOrBad, fc.constantFrom("", " 0", " 1", " x"), noreply).map(([k, h, nr]) => `delete ${k}${h}${nr}\r\n`) },
  { weight: 2, arbitrary: fc.tuple(keyOrBad, exptime, noreply).map(([k, e, nr]) => `touch ${k} ${e}${nr}\r\n`) },
  // Not `flush_all <unix time before start>`: memcached then forgets its last flush, and items it had
  // flushed but not yet reaped come back (it flushes lazily); Agner's flushes are final. Not
  // `flush_all 1`: memcached also flushes what is stored until its 1-second clock next ticks.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("", " 0", " -1", " x"), noreply).map(([d, nr]) => `flush_all${d}${nr}\r\n`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("version\r\n", "verbosity 1\r\n", "verbosity x\r\n", "\r\n", "FOO\r\n", "get\r\n", "set a 0 0\r\n", "incr a\r\n", "gats 1\r\n", "delete\r\n", "quit\r\n"),
  },
  {
    weight: 1,
    // Junk lines of words that are never a storage command (so no data block is awaited).
    arbitrary: fc.array(fc.constantFrom("SET", "foo", "0", "1", "-1", "noreply", "a", "HTTP/1.1", "x"), { minLength: 1, maxLength: 5 }).map((ws) => ws.join(" ") + "\r\n"),
  },
);

export const COUNTERS = ["cmd_get", "cmd_set", "cmd_touch", "get_hits", "get_misses", "delete_hits", "delete_misses", "incr_hits", "incr_misses", "decr_hits", "decr_misses", "cas_hits", "cas_misses", "cas_badval", "touch_hits", "touch_misses", "total_items"];
