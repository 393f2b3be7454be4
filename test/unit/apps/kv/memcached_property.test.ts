/**
 * Property test against a real memcached: random sequences of commands
 * (every command, valid and invalid numbers, noreply, mis-declared data
 * lengths, binary values, CAS uniques old and current, long keys) give
 * the same replies from memcached and from Agner's parser + engine on 4
 * shards, and move the `stats` counters alike. Nothing depends on timing
 * (expiries far ahead or past, flushes immediate or cancelled). Keys with
 * control characters are left out: Agner refuses them on purpose.
 * AGNER_PROPERTY_RUNS raises the count.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { DETERMINISTIC, McRawConnection, type MemcachedServer, needsMemcached, startMemcached } from "../../../support/memcached_server.js";
import { McTwin } from "../../../support/memcached_twin.js";
import { CasBook } from "./mc_diff_util.js";

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

const step: fc.Arbitrary<string> = fc.oneof(
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

const COUNTERS = ["cmd_get", "cmd_set", "cmd_touch", "get_hits", "get_misses", "delete_hits", "delete_misses", "incr_hits", "incr_misses", "decr_hits", "decr_misses", "cas_hits", "cas_misses", "cas_badval", "touch_hits", "touch_misses", "total_items"];

async function stats(port: number): Promise<Record<string, number>> {
  const c = await McRawConnection.open(port);
  const { out } = await c.step(Buffer.from("stats\r\n"));
  c.close();
  const res: Record<string, number> = {};
  for (const m of out.toString("latin1").matchAll(/^STAT (\S+) (\S+)\r$/gm)) res[m[1]!] = Number(m[2]);
  return res;
}

describe("memcached property test (engine in-process)", needsMemcached(), () => {
  let mc: MemcachedServer;
  const twin = new McTwin(4);
  before(async () => {
    mc = await startMemcached(DETERMINISTIC);
  });
  after(async () => {
    await mc?.stop();
  });

  test("random command sequences answer as memcached does", async () => {
    const runs = Number(process.env.AGNER_PROPERTY_RUNS ?? 80);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        let real = await McRawConnection.open(mc.port);
        await real.step(Buffer.from("flush_all\r\n"));
        let local = twin.connection();
        local.feed(Buffer.from("flush_all\r\n"));
        const s0 = await stats(mc.port);
        const t0 = twin.counters();
        const rBook = new CasBook();
        const lBook = new CasBook();
        try {
          for (const st of steps) {
            const r = await real.step(Buffer.from(rBook.fill(st), "latin1"));
            let l = local.feed(Buffer.from(lBook.fill(st) + "version\r\n", "latin1"));
            if (l.endsWith("VERSION 1.6.18\r\n")) l = l.slice(0, -"VERSION 1.6.18\r\n".length);
            assert.equal(lBook.normalize(l), rBook.normalize(r.out.toString("latin1")), `step ${JSON.stringify(st)}`);
            assert.equal(local.closed, r.closed, `closed after ${JSON.stringify(st)}`);
            if (r.closed) {
              real = await McRawConnection.open(mc.port);
              local = twin.connection();
            }
          }
        } finally {
          real.close();
        }
        const s1 = await stats(mc.port);
        const t1 = twin.counters();
        for (const n of COUNTERS) assert.equal(t1[n]! - t0[n]!, s1[n]! - s0[n]!, `counter ${n}`);
      }),
      { numRuns: runs },
    );
  });
});
