/**
 * Property test of the stream commands without groups against a real
 * redis-server: random sequences over a few keys (streams, and a string for
 * wrong types), IDs from a small range (so they collide, go backwards and
 * use `<ms>-*`), fields of mixed sizes and integer-looking ones (so Redis'
 * listpack nodes are cut by count and by bytes, which the approximate trims
 * see), every command with valid and invalid arguments, in RESP2 and RESP3,
 * byte for byte, each stream read whole at the end, and INFO's counters.
 * No `*` IDs (the clock would differ). A fixed seed; AGNER_PROPERTY_RUNS
 * raises the count.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { needsRedisServer } from "../../support/redis_server.js";
import { Twin } from "./twin.js";

const key = fc.constantFrom("a", "b", "c", "str");
const ms = fc.integer({ min: 0, max: 6 });
const seq = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(Number.MAX_SAFE_INTEGER));
const fullId = fc.tuple(ms, seq).map(([m, s]) => `${m}-${s}`);
const id = fc.oneof(
  { arbitrary: fullId, weight: 6 },
  ms.map(String),
  ms.map((m) => `${m}-*`),
  fc.constantFrom("0-0", "-", "+", "x", "1-x", "18446744073709551615-18446744073709551615", "18446744073709551616"),
);
const bound = fc.oneof(
  { arbitrary: fullId, weight: 4 },
  ms.map(String),
  fullId.map((i) => `(${i}`),
  ms.map((m) => `(${m}`),
  fc.constantFrom("-", "+", "(-", "(+", "(0-0", "x"),
);
const field = fc.oneof(
  fc.constantFrom("f", "g", "12", "-7", "1000000", "99999999999", "", "a\0b"),
  fc.integer({ min: 0, max: 2000 }).map((n) => "v".repeat(n)),
);
const fields = fc.array(field, { minLength: 2, maxLength: 6 }).map((f) => (f.length % 2 === 1 ? f.slice(1) : f));
const count = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 300 }).map(String), weight: 6 },
  fc.integer({ min: -2, max: 2 }).map(String),
  fc.constantFrom("x", "9223372036854775807", "-9223372036854775808"),
);
const trim = fc.oneof(
  fc.constant<string[]>([]),
  fc.tuple(fc.constantFrom("MAXLEN", "maxlen"), fc.constantFrom<string[]>([], ["~"], ["="]), count).map(([s, op, c]) => [s, ...op, c]),
  fc.tuple(fc.constantFrom<string[]>([], ["~"], ["="]), fullId).map(([op, i]) => ["MINID", ...op, i]),
  fc.tuple(fc.constantFrom("MAXLEN", "MINID"), count, count).map(([s, c, l]) => [s, "~", s === "MINID" ? `${c}` : c, "LIMIT", l]),
);
const streamKeys = fc.array(fc.constantFrom("a", "b", "c", "str"), { minLength: 1, maxLength: 3 });

const command: fc.Arbitrary<string[]> = fc.oneof(
  { arbitrary: fc.tuple(key, trim, fc.boolean(), id, fields).map(([k, t, nomk, i, f]) => ["XADD", k, ...(nomk ? ["NOMKSTREAM"] : []), ...t, i, ...f]), weight: 12 },
  { arbitrary: fc.tuple(key, ms, fc.integer({ min: 1, max: 260 }), field).map(([k, m, n, f]) => ["BULK", k, String(m), String(n), f]), weight: 3 },
  fc.tuple(key, bound, bound, fc.constantFrom<string[]>([], ["COUNT"])).chain(([k, s, e, c]) => (c.length ? count.map((n) => ["XRANGE", k, s, e, "COUNT", n]) : fc.constant<string[]>(["XRANGE", k, s, e]))),
  fc.tuple(key, bound, bound, count).map(([k, e, s, n]) => ["XREVRANGE", k, e, s, "COUNT", n]),
  key.map((k) => ["XLEN", k]),
  { arbitrary: fc.tuple(key, fc.array(id, { minLength: 1, maxLength: 4 })).map(([k, ids]) => ["XDEL", k, ...ids]), weight: 3 },
  { arbitrary: fc.tuple(key, trim).map(([k, t]) => ["XTRIM", k, ...t]), weight: 3 },
  { arbitrary: fc.tuple(key, fc.constantFrom("MAXLEN", "MINID"), count, ms).map(([k, s, c, m]) => ["XTRIM", k, s, "~", s === "MINID" ? `${m}-${c}` : c]), weight: 3 },
  fc.tuple(key, id, fc.constantFrom<string[]>([], ["ENTRIESADDED", "500"], ["ENTRIESADDED", "1"], ["MAXDELETEDID", "0-1"], ["MAXDELETEDID", "6-5"])).map(([k, i, o]) => ["XSETID", k, i, ...o]),
  fc.tuple(fc.constantFrom<string[]>([], ["COUNT", "2"], ["COUNT", "0"], ["COUNT", "150"]), streamKeys).chain(([c, ks]) =>
    fc.array(fc.oneof(fullId, fc.constant("$"), ms.map(String)), { minLength: ks.length, maxLength: ks.length }).map((ids) => ["XREAD", ...c, "STREAMS", ...ks, ...ids])),
  key.map((k) => ["TYPE", k]),
  key.map((k) => ["DEL", k]),
  fc.constant<string[]>(["SET", "str", "v"]),
);

const runs = Number(process.env.AGNER_PROPERTY_RUNS ?? 120);

describe("random stream command sequences answer as redis-server 7 does", needsRedisServer(), () => {
  let twin: Twin;
  before(async () => {
    twin = await Twin.start();
  });
  after(async () => {
    await twin?.stop();
  });

  async function run(argv: string[], resp: 2 | 3): Promise<void> {
    const d = await twin.compare(argv, resp);
    if (d !== null) assert.fail(d.slice(0, 3000));
  }

  for (const resp of [2, 3] as const) {
    test(`RESP${resp}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (cmds) => {
          await twin.reset();
          for (const argv of cmds) {
            if (argv[0] === "BULK") {
              // n entries at once on `ms` (`<ms>-*`), so nodes fill up and trims have whole nodes to drop
              const [, k, m, n, f] = argv as [string, string, string, string, string];
              for (let i = 0; i < Number(n); i++) await run(["XADD", k, `${m}-*`, "f", i % 7 === 0 ? f : "v"], resp);
              continue;
            }
            await run(argv, resp);
          }
          for (const k of ["a", "b", "c"]) {
            await run(["XRANGE", k, "-", "+"], resp);
            await run(["XLEN", k], resp);
          }
          const st = await twin.compareStats();
          if (st !== null) assert.fail(`${st} after ${JSON.stringify(cmds).slice(0, 2000)}`);
        }),
        { numRuns: runs, seed: 71 + resp },
      );
    });
  }
});
